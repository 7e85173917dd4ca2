# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""The host-owned deadline on a guest freeze.

The guest agent never thaws by itself, so whoever freezes owns the thaw.
Before freezing a guest the driver starts this guard as a separate process in
its own session: it outlives a conductor that is killed or hangs, and thaws
the guest when the deadline passes while its token file still exists. The
driver's normal thaw removes the token and the guard exits at once.

    python -m vnfsnap.vim.libvirt.thaw_guard URI DOMAIN_UUID DEADLINE TOKEN
"""

import os
import subprocess
import sys
import time

POLL = 0.2


def start(uri, domain_uuid, deadline, token, log_path):
    """Create the token and start the guard; returns its pid."""
    with open(token, 'w') as f:
        f.write('%d\n' % os.getpid())
    # Its own session and a minimal environment: nothing that stops or
    # sweeps the conductor's process group or environment takes it along.
    # (Under systemd, run the conductor with KillMode=process for the same
    # reason.)
    env = {'PATH': os.environ.get('PATH', '/usr/bin:/bin'),
           'LANG': 'C.UTF-8'}
    with open(log_path, 'ab') as log:
        proc = subprocess.Popen(
            [sys.executable, '-m', __name__, uri, domain_uuid,
             str(deadline), token],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env,
            start_new_session=True, close_fds=True)
    return proc.pid


def release(token):
    """Tell the guard the thaw happened (it exits within POLL seconds)."""
    try:
        os.unlink(token)
    except FileNotFoundError:
        pass


def _log(message):
    print('%s thaw_guard[%d]: %s' % (
        time.strftime('%Y-%m-%dT%H:%M:%S'), os.getpid(), message),
        flush=True)


def main(argv):
    uri, domain_uuid, deadline, token = argv
    end = time.monotonic() + float(deadline)
    while time.monotonic() < end:
        if not os.path.exists(token):
            return 0
        time.sleep(POLL)
    if not os.path.exists(token):
        return 0
    import libvirt  # only the guard that fires needs the binding
    _log('deadline of %ss passed with %s still frozen: thawing it'
         % (deadline, domain_uuid))
    try:
        conn = libvirt.open(uri)
        conn.lookupByUUIDString(domain_uuid).fsThaw()
    except libvirt.libvirtError as e:
        _log('thaw of %s failed: %s' % (domain_uuid, e))
        return 1
    finally:
        release(token)
    _log('thawed %s' % domain_uuid)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
