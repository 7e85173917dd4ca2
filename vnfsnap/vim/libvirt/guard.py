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

"""Host-owned deadlines on the states that interrupt a VNFC's service.

Whoever interrupts a VNFC owns putting it back: a frozen guest's agent never
thaws by itself, and a paused, stopped or unplugged VNFC stays so until
someone acts. Before the driver freezes, pauses or stops a guest or detaches
a volume from it, it arms a guard: a separate process in its own session
that outlives a conductor that is killed or hangs, and undoes the
interruption when the deadline passes while the guard's token file still
exists. The driver's own undo releases the guard (removes the token) and
the guard exits at once.

The token is a JSON description of the guard (what to undo and how); a
guard that fires first renames it to ``<token>.fired`` (so that exactly one
of the guard and the driver owns the undo) and writes its outcome there,
which the driver reads, logs and reports when it comes to release it.

    python -I -S .../vnfsnap/vim/libvirt/guard.py TOKEN

The guard is started right before the interruption, on the same cores as
the guests, and :func:`arm` returns once it runs (it says so on a pipe):
the interruption never starts without its guard, nor while the guard's
interpreter still starts beside frozen guests. It runs as a plain
script, so it loads only the standard library, not the vnfsnap package
and the oslo libraries it pulls in. It imports nothing of vnfsnap. It
starts without the site module too (-S: reading the environment's .pth
files took 50 ms on a loaded host); the guard that fires loads it, then
the libvirt binding.
"""

import datetime
import json
import os
import select
import subprocess
import sys
import threading
import time

POLL = 0.2

# What each kind of guard undoes.
FREEZE, PAUSE, POWER_OFF, DETACH = 'freeze', 'pause', 'power-off', 'detach'
KINDS = (FREEZE, PAUSE, POWER_OFF, DETACH)
ARMED, RELEASED, FIRED, FAILED = 'armed', 'released', 'fired', 'failed'


#: Seconds a guard gets to say it runs (about 20 ms on an idle host).
READY_TIMEOUT = 30


def command(token, ready_fd=None):
    """How the guard of ``token`` is started (see above); it writes one
    byte to ``ready_fd`` once it watches the token."""
    cmd = [sys.executable, '-I', '-S', os.path.abspath(__file__), token]
    return cmd if ready_fd is None else cmd + [str(ready_fd)]


def _site():
    """The environment's site-packages (the libvirt binding's), which a
    guard started with -S loads only when it fires."""
    if sys.flags.no_site:
        import site
        site.main()


def _isotime(ts):
    return datetime.datetime.fromtimestamp(
        ts, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


def arm(token, log_path, uri, domain_uuid, kind, deadline, **details):
    """Write the token and start the guard; returns the guard's record
    (kind, deadline as an ISO time, ...). ``details``: what the undo needs
    (``paused`` for a power-off, ``diskXml`` and ``target`` for a detach)
    and what identifies it (``vnfcId``, ``resourceId``)."""
    record = dict(details, kind=kind, uri=uri, domainUuid=domain_uuid,
                  deadlineSeconds=deadline,
                  deadline=_isotime(time.time() + deadline), state=ARMED)
    os.makedirs(os.path.dirname(token), exist_ok=True)
    tmp = token + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(record, f)
    os.replace(tmp, token)
    # Its own session and a minimal environment: nothing that stops or
    # sweeps the conductor's process group or environment takes it along.
    # (Under systemd, run the conductor with KillMode=process for the same
    # reason.)
    env = {'PATH': os.environ.get('PATH', '/usr/bin:/bin'),
           'LANG': 'C.UTF-8'}
    read_end, write_end = os.pipe()
    try:
        with open(log_path, 'ab') as log:
            proc = subprocess.Popen(
                command(token, write_end),
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env,
                start_new_session=True, close_fds=True,
                pass_fds=(write_end,))
    finally:
        os.close(write_end)
    # Reaped when it exits: a long-running conductor arms many guards.
    threading.Thread(target=proc.wait, daemon=True,
                     name='guard-%d' % proc.pid).start()
    # Returns once the guard runs: the interruption it guards never starts
    # without it, nor while its interpreter starts on the guests' cores.
    with os.fdopen(read_end, 'rb', 0) as ready:
        started = (select.select([ready], [], [], READY_TIMEOUT)[0]
                   and ready.read(1))
    if not started:
        proc.kill()
        os.unlink(token)
        raise RuntimeError('the guard of %s did not start within %d s (see '
                           '%s)' % (token, READY_TIMEOUT, log_path))
    return _public(record)


def release(token):
    """Take the undo back from the guard. Returns None when none was armed,
    the guard's record in state ``released`` when released in time, else
    the record of the guard that fired (``state`` ``fired`` or ``failed``,
    ``firedAt``, ``error``), which is returned once."""
    record = _read(token)
    try:
        os.unlink(token)
        return _public(dict(record or {}, state=RELEASED))
    except FileNotFoundError:
        pass
    fired = token + '.fired'
    # The guard renamed the token; it may still be acting. Wait for its
    # outcome (bounded: its retries, then one libvirt call).
    record = _read(fired)
    end = time.monotonic() + 60 + float(
        (record or {}).get('retrySeconds', 0))
    while record is not None and record['state'] == ARMED and (
            time.monotonic() < end):
        time.sleep(POLL)
        record = _read(fired)
    if record is None:
        return None
    try:
        os.unlink(fired)
    except FileNotFoundError:
        pass
    return _public(record)


def read_record(path):
    """A token's whole record (what the undo needs included); empty when
    there is none or it is being written."""
    record = _read(path)
    return record if record and 'kind' in record else {}


def _public(record):
    """What the op occurrence shows of a guard (no device XML, no URI)."""
    return {k: v for k, v in record.items()
            if k in ('kind', 'vnfcId', 'resourceId', 'deadline',
                     'deadlineSeconds', 'state', 'firedAt', 'error')}


def _read(path):
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        return None
    except ValueError:
        # Being written (a fresh rename is read before the outcome).
        return {'state': ARMED}


def _log(message):
    print('%s guard[%d]: %s' % (
        time.strftime('%Y-%m-%dT%H:%M:%S'), os.getpid(), message),
        flush=True)


def _present(dom, target, flags):
    from defusedxml import ElementTree  # only a detach guard that fires
    for disk in ElementTree.fromstring(dom.XMLDesc(flags)).findall(
            './devices/disk'):
        if disk.find('target').get('dev') == target:
            return True
    return False


def _frozen(dom):
    """Whether the guest agent says its file systems are frozen; None when
    it cannot say (no agent, or not a QEMU domain)."""
    import libvirt_qemu
    try:
        answer = json.loads(libvirt_qemu.qemuAgentCommand(
            dom, '{"execute": "guest-fsfreeze-status"}', 10, 0))
    except Exception:
        return None
    return answer.get('return') == 'frozen'


def _undo(libvirt, dom, record):
    """Put the VNFC back as it was before the interruption."""
    kind = record['kind']
    if kind == FREEZE:
        dom.fsThaw()
        # A freeze whose answer was lost may finish after this thaw (the
        # agent runs its freeze hooks first): not undone until it says so.
        if _frozen(dom):
            raise libvirt.libvirtError('the guest agent still reports its '
                                       'file systems frozen')
    elif kind == PAUSE:
        if dom.state()[0] == libvirt.VIR_DOMAIN_PAUSED:
            dom.resume()
    elif kind == POWER_OFF:
        if not dom.isActive():
            dom.createWithFlags(libvirt.VIR_DOMAIN_START_PAUSED
                                if record.get('paused') else 0)
    elif kind == DETACH:
        flags = 0
        if not _present(dom, record['target'],
                        libvirt.VIR_DOMAIN_XML_INACTIVE):
            flags |= libvirt.VIR_DOMAIN_AFFECT_CONFIG
        if dom.isActive() and not _present(dom, record['target'], 0):
            flags |= libvirt.VIR_DOMAIN_AFFECT_LIVE
        if flags:
            dom.attachDeviceFlags(record['diskXml'], flags)


_DONE = {FREEZE: 'thawed', PAUSE: 'resumed', POWER_OFF: 'started',
         DETACH: 'attached %(resourceId)s again to'}


def _fire(token, record):
    fired = token + '.fired'
    try:
        # Exactly one owner of the undo: the driver's release unlinks the
        # token, this renames it; whoever comes second finds it gone.
        os.rename(token, fired)
    except FileNotFoundError:
        return 0
    _site()
    import libvirt  # only the guard that fires needs the binding
    _log('deadline of %ss passed with %s still in %s (VNFC %s, %s): '
         'undoing it' % (record['deadlineSeconds'], record['domainUuid'],
                         record['kind'], record.get('vnfcId'),
                         record.get('resourceId') or '-'))
    record.update(state=FIRED, firedAt=_isotime(time.time()))
    code = 0
    # libvirtd may be restarting, the agent still busy: try again for
    # retrySeconds (the driver's [libvirt]reconnect_timeout).
    end = time.monotonic() + float(record.get('retrySeconds', 0))
    while True:
        try:
            conn = libvirt.open(record['uri'])
            try:
                _undo(libvirt, conn.lookupByUUIDString(record['domainUuid']),
                      record)
            finally:
                conn.close()
            _log('%s %s' % (_DONE[record['kind']] % record,
                            record['domainUuid']))
            break
        except libvirt.libvirtError as e:
            if time.monotonic() < end:
                _log('undoing %s of %s failed (%s); trying again'
                     % (record['kind'], record['domainUuid'], e))
                time.sleep(1)
                continue
            record.update(state=FAILED, error=str(e))
            _log('undoing %s of %s failed: %s' % (record['kind'],
                                                  record['domainUuid'], e))
            code = 1
            break
    tmp = fired + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(record, f)
    os.replace(tmp, fired)
    return code


def main(argv):
    token, *ready_fd = argv
    record = _read(token)
    if ready_fd:
        os.write(int(ready_fd[0]), b'1')
        os.close(int(ready_fd[0]))
    if record is None:
        return 0
    end = time.monotonic() + float(record['deadlineSeconds'])
    while time.monotonic() < end:
        if not os.path.exists(token):
            return 0
        time.sleep(POLL)
    return _fire(token, record)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
