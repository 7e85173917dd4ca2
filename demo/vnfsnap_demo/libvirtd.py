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

"""Start libvirt's daemons on a machine without systemd.

Debian's ``libvirt-daemon-system`` expects systemd (or sysv init scripts)
to start ``virtlogd`` and ``libvirtd``; the machines this project runs its
demo and functional tests on have neither running.  :func:`ensure_running`
starts the two daemons when ``qemu:///system`` does not answer, as daemons
with PID files, and waits until a connection works.  It returns what it
started, so that the caller can stop exactly that, by PID
(:func:`stop`), and leave alone daemons somebody else started.

No configuration is changed.  Notes:

- QEMU runs as ``libvirt-qemu`` (Debian's default ``qemu.conf``): the
  folders holding guest images must be traversable by that user (see
  :func:`vnfsnap_demo.domains.check_traversable`).
- The guests of the demo and the tests have no network interface, so
  libvirt's ``default`` network is never needed.  Debian defines it but does
  not mark it autostart unless told to; if it is marked autostart and
  cannot start here (no ``dnsmasq``), libvirtd logs an error and carries on.
  Nothing here starts or changes it.
- Stopping ``libvirtd`` leaves running guests running (QEMU processes are
  not its children once started); stop the guests first.
"""

import dataclasses
import os
import shutil
import signal
import socket
import subprocess
import time

SYSTEM_URI = 'qemu:///system'
LIBVIRT_SOCK = '/run/libvirt/libvirt-sock'
VIRTLOGD_SOCK = '/run/libvirt/virtlogd-sock'
LIBVIRTD_PID_FILE = '/run/libvirtd.pid'
VIRTLOGD_PID_FILE = '/run/virtlogd.pid'
SBIN_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'


class DaemonError(Exception):
    """A libvirt daemon could not be started or did not answer."""


@dataclasses.dataclass(frozen=True)
class StartedDaemon:
    """A daemon :func:`ensure_running` started: stop it with :func:`stop`."""

    name: str          # 'virtlogd' or 'libvirtd' (the process's comm)
    pid: int
    pid_file: str
    started_at: float  # time.time()


def _socket_answers(path, timeout=1.0):
    """True when something accepts connections on the unix socket."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(path)
        return True
    except OSError:
        return False
    finally:
        s.close()


def _quiet_libvirt():
    """Stop libvirt printing every error to stderr (we raise them)."""
    import libvirt

    libvirt.registerErrorHandler(lambda ctx, err: None, None)


def libvirt_answers(uri=SYSTEM_URI):
    """True when a libvirt connection to ``uri`` can be opened now."""
    import libvirt

    if uri == SYSTEM_URI and not _socket_answers(LIBVIRT_SOCK):
        return False
    _quiet_libvirt()
    try:
        conn = libvirt.open(uri)
    except libvirt.libvirtError:
        return False
    try:
        conn.getVersion()
        return True
    except libvirt.libvirtError:
        return False
    finally:
        conn.close()


def _binary(name):
    path = shutil.which(name, path=SBIN_PATH)
    if not path:
        raise DaemonError(
            '%s is not installed (Debian package libvirt-daemon-system; '
            'tools/install.sh installs it)' % name)
    return path


def _read_pid(pid_file):
    try:
        with open(pid_file) as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _comm(pid):
    try:
        with open('/proc/%d/comm' % pid) as f:
            return f.read().strip()
    except OSError:
        return None


def _alive(pid):
    try:
        with open('/proc/%d/stat' % pid, 'rb') as f:
            data = f.read()
    except OSError:
        return False
    state = data[data.rindex(b')') + 2:].split()[0]
    return state not in (b'Z', b'X')


def _daemon_env(extra_env=None):
    env = {
        'PATH': SBIN_PATH,
        'LANG': 'C.UTF-8',
        'LC_ALL': 'C.UTF-8',
        'HOME': os.environ.get('HOME', '/root'),
    }
    # Lets tools/run-tests.sh find daemons a crashed test run left behind.
    if os.environ.get('VNFSNAP_TEST_RUN_ID'):
        env['VNFSNAP_TEST_RUN_ID'] = os.environ['VNFSNAP_TEST_RUN_ID']
    env.update(extra_env or {})
    return env


def _start(name, pid_file, sock, env, timeout):
    """Run ``name -d --pid-file pid_file``; wait for ``sock``; the PID."""
    argv = [_binary(name), '--daemon', '--pid-file', pid_file]
    started_at = time.time()
    try:
        proc = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=timeout,
                              check=False)
    except subprocess.TimeoutExpired:
        raise DaemonError('%s did not daemonize within %ss' % (name, timeout))
    if proc.returncode != 0:
        raise DaemonError('%s failed (exit code %s): %s' % (
            name, proc.returncode,
            proc.stdout.decode('utf-8', 'replace').strip()[-2000:]))
    deadline = time.monotonic() + timeout
    pid = None
    while time.monotonic() < deadline:
        pid = _read_pid(pid_file)
        if pid and _alive(pid) and _socket_answers(sock):
            return StartedDaemon(name, pid, pid_file, started_at)
        time.sleep(0.05)
    raise DaemonError('%s (pid %s) did not listen on %s within %ss' % (
        name, pid, sock, timeout))


def ensure_running(uri=SYSTEM_URI, timeout=60, extra_env=None):
    """Make ``qemu:///system`` answer, starting the daemons it needs.

    Starts ``virtlogd`` (QEMU's log handler) when its socket does not
    answer, then ``libvirtd`` when ``uri`` does not answer, each with
    ``--daemon --pid-file /run/<name>.pid``, and waits until a libvirt
    connection works.  Daemons that already run are left alone.

    :param extra_env: variables added to the daemons' environment.
    :returns: a list of :class:`StartedDaemon` (empty when everything was
        already running), in start order; leave them running, or pass the
        list to :func:`stop`.
    :raises DaemonError: a daemon is not installed, did not start, or the
        connection still fails after ``timeout`` seconds.
    """
    if uri != SYSTEM_URI:
        raise DaemonError('only %s is managed here, not %s'
                          % (SYSTEM_URI, uri))
    if libvirt_answers(uri) and _socket_answers(VIRTLOGD_SOCK):
        return []
    env = _daemon_env(extra_env)
    started = []
    try:
        if not _socket_answers(VIRTLOGD_SOCK):
            started.append(_start('virtlogd', VIRTLOGD_PID_FILE,
                                  VIRTLOGD_SOCK, env, timeout))
        if not libvirt_answers(uri):
            started.append(_start('libvirtd', LIBVIRTD_PID_FILE,
                                  LIBVIRT_SOCK, env, timeout))
        deadline = time.monotonic() + timeout
        while not libvirt_answers(uri):
            if time.monotonic() > deadline:
                raise DaemonError('%s does not answer %ss after starting %s'
                                  % (uri, timeout,
                                     [d.name for d in started]))
            time.sleep(0.1)
    except BaseException:
        stop(started)
        raise
    return started


def stop(daemons, timeout=30):
    """Stop, by PID, daemons :func:`ensure_running` started.

    Each gets SIGTERM, then SIGKILL after ``timeout`` seconds.  A PID that
    no longer belongs to a process of that name (it exited, and the number
    was reused) is left alone.  Stops in reverse start order (libvirtd
    before virtlogd).  Returns the names of the daemons that were stopped.
    """
    stopped = []
    for d in reversed(list(daemons)):
        if not _alive(d.pid) or _comm(d.pid) != d.name:
            continue
        try:
            os.kill(d.pid, signal.SIGTERM)
        except ProcessLookupError:
            continue
        deadline = time.monotonic() + timeout
        while _alive(d.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if _alive(d.pid) and _comm(d.pid) == d.name:
            try:
                os.kill(d.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            deadline = time.monotonic() + 5
            while _alive(d.pid) and time.monotonic() < deadline:
                time.sleep(0.05)
        # libvirtd removes its PID file itself; a killed one does not.
        if _read_pid(d.pid_file) == d.pid and not _alive(d.pid):
            try:
                os.unlink(d.pid_file)
            except OSError:
                pass
        stopped.append(d.name)
    return stopped


def main():
    """``python -m vnfsnap_demo.libvirtd``: start the daemons, say which."""
    started = ensure_running()
    if not started:
        print('libvirt already answers on %s' % SYSTEM_URI)
    for d in started:
        print('started %s (pid %d, pid file %s)'
              % (d.name, d.pid, d.pid_file))


if __name__ == '__main__':
    main()
