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

"""Read and change the test guest's state from the host, via its agent.

Helpers over libvirt-python and ``libvirt_qemu.qemuAgentCommand`` for the
guest built by :mod:`vnfsnap_demo.guest_image`:

- memory state: the counter (:func:`read_counter`, :func:`counter_state`,
  :func:`set_counter`) and any file on tmpfs (``/run``, ``/tmp``);
- disk state: the journals (:func:`read_journal_tail`,
  :func:`journal_last_value`, :func:`journal_info`, read after ``sync;
  echo 3 > /proc/sys/vm/drop_caches`` so they come from the disk), and
  marker files (:func:`write_file` with fsync, :func:`read_file` with
  ``drop_caches=True``);
- identity: :func:`boot_id` (changes on every boot: a revert with memory
  keeps it), :func:`fsfreeze_status`, :func:`ping`, :func:`wait_for_agent`.

Every function takes a ``libvirt.virDomain`` and a ``timeout`` in seconds,
and raises :class:`AgentError` (or a subclass) carrying the agent's or
libvirt's message on failure.  While the guest's file systems are frozen
qemu-ga refuses everything but ping, info, fsfreeze-status and thaw:
those calls raise :class:`AgentFrozenError`.
"""

import base64
import dataclasses
import json
import math
import secrets
import shlex
import time

import libvirt
import libvirt_qemu

from vnfsnap_demo import guest_image

# libvirt prints every error to stderr by default; here they are raised
# (polling an agent that is still booting makes many).
libvirt.registerErrorHandler(lambda ctx, err: None, None)

#: Chunk size of guest-file-read / guest-file-write.
FILE_CHUNK = 48 * 1024
JOURNALS = {'root': guest_image.JOURNAL, 'data': guest_image.DATA_JOURNAL}
DROP_CACHES = 'sync; echo 3 > /proc/sys/vm/drop_caches'


class AgentError(Exception):
    """A guest agent command failed; ``message`` is the agent's/libvirt's."""

    def __init__(self, command, message, domain=None):
        self.command = command
        self.message = message
        self.domain = domain
        super().__init__('%s: guest agent command %s failed: %s' % (
            domain or '?', command, message))


class AgentUnavailableError(AgentError):
    """The agent is not connected or did not answer in time."""


class AgentTimeoutError(AgentUnavailableError):
    """A guest command or an awaited condition did not finish in time."""


class AgentFrozenError(AgentError):
    """The agent refused the command: the file systems are frozen."""


class GuestCommandError(AgentError):
    """A command run with guest-exec exited non-zero or by a signal."""

    def __init__(self, command, result, domain=None):
        self.result = result
        how = ('signal %s' % result.signal if result.signal is not None
               else 'status %s' % result.exitcode)
        super().__init__(command, '%s exited with %s: %s' % (
            ' '.join(result.argv), how,
            result.stderr.decode('utf-8', 'replace').strip()[-1000:]),
            domain)


@dataclasses.dataclass(frozen=True)
class ExecResult:
    argv: tuple
    exitcode: int
    signal: int
    stdout: bytes
    stderr: bytes

    @property
    def text(self):
        return self.stdout.decode('utf-8', 'replace')


@dataclasses.dataclass(frozen=True)
class CounterState:
    """The workload's memory-only state (from /run/vnfsnap/state)."""

    value: int
    held: bool            # holding for a freeze right now
    last_hold: int        # the value it last held at (None: never held)
    last_set: str         # id of the last set_counter request ('' if none)
    pid: int


@dataclasses.dataclass(frozen=True)
class JournalInfo:
    """A journal as read from the disk (page cache dropped first)."""

    path: str
    lines: int            # complete lines
    size: int             # bytes
    last_value: int       # None when empty
    tail: tuple           # the last values (ints), oldest first


def _name(dom):
    try:
        return dom.name()
    except libvirt.libvirtError:
        return None


def command(dom, execute, arguments=None, timeout=10):
    """Run one agent command; return its ``return`` value.

    :raises AgentUnavailableError: agent not connected / no answer within
        ``timeout`` seconds.
    :raises AgentFrozenError: refused because the guest is frozen.
    :raises AgentError: any other error, with the agent's message.
    """
    cmd = {'execute': execute}
    if arguments is not None:
        cmd['arguments'] = arguments
    try:
        out = libvirt_qemu.qemuAgentCommand(
            dom, json.dumps(cmd), max(1, int(math.ceil(timeout))), 0)
    except libvirt.libvirtError as e:
        msg = e.get_error_message() or str(e)
        code = e.get_error_code()
        if code == libvirt.VIR_ERR_AGENT_UNRESPONSIVE:
            raise AgentUnavailableError(execute, msg, _name(dom))
        if 'frozen' in msg.lower():
            raise AgentFrozenError(execute, msg, _name(dom))
        raise AgentError(execute, msg, _name(dom))
    if out is None:
        return None
    try:
        reply = json.loads(out)
    except ValueError:
        raise AgentError(execute, 'unreadable reply: %r' % out[:200],
                         _name(dom))
    if 'error' in reply:
        err = reply['error']
        msg = '%s: %s' % (err.get('class'), err.get('desc'))
        if 'frozen' in msg.lower():
            raise AgentFrozenError(execute, msg, _name(dom))
        raise AgentError(execute, msg, _name(dom))
    return reply.get('return')


def ping(dom, timeout=5):
    """guest-ping; raises when the agent does not answer."""
    command(dom, 'guest-ping', timeout=timeout)


def wait_for_agent(dom, timeout=120, interval=0.25):
    """Wait until guest-ping answers; return the seconds waited.

    Fails early (AgentUnavailableError) when the domain stops running.
    """
    start = time.monotonic()
    last = None
    while True:
        try:
            ping(dom, timeout=min(5, max(1, timeout)))
            return time.monotonic() - start
        except AgentFrozenError:
            return time.monotonic() - start
        except AgentError as e:
            last = e
        try:
            state = dom.state()[0]
        except libvirt.libvirtError as e:
            raise AgentUnavailableError('guest-ping', str(e), _name(dom))
        if state not in (libvirt.VIR_DOMAIN_RUNNING,
                         libvirt.VIR_DOMAIN_BLOCKED):
            raise AgentUnavailableError(
                'guest-ping', 'domain is not running (state %d): %s'
                % (state, last.message if last else ''), _name(dom))
        if time.monotonic() - start > timeout:
            raise AgentTimeoutError(
                'guest-ping', 'no answer within %ss (last error: %s)'
                % (timeout, last.message if last else ''), _name(dom))
        time.sleep(interval)


def fsfreeze_status(dom, timeout=10):
    """'thawed' or 'frozen' (guest-fsfreeze-status)."""
    return command(dom, 'guest-fsfreeze-status', timeout=timeout)


# ---------------------------------------------------------------------------
# guest-exec
# ---------------------------------------------------------------------------

def exec_(dom, argv, input_data=None, timeout=30, check=True):
    """Run ``argv`` in the guest, capture its output, wait for it.

    The command runs under the guest's ``timeout -s KILL`` so that it never
    outlives ``timeout``.  Returns an :class:`ExecResult`; with ``check``,
    raises :class:`GuestCommandError` on a non-zero exit or a signal.
    """
    argv = tuple(str(a) for a in argv)
    limit = max(1, int(math.ceil(timeout)))
    args = {'path': '/usr/bin/timeout',
            'arg': ['-s', 'KILL', str(limit)] + list(argv),
            'capture-output': True}
    if input_data is not None:
        if isinstance(input_data, str):
            input_data = input_data.encode()
        args['input-data'] = base64.b64encode(input_data).decode()
    deadline = time.monotonic() + timeout + 5
    pid = command(dom, 'guest-exec', args, timeout=timeout)['pid']
    delay = 0.02
    while True:
        remaining = deadline - time.monotonic()
        st = command(dom, 'guest-exec-status', {'pid': pid},
                     timeout=max(1, min(10, remaining)))
        if st.get('exited'):
            break
        if remaining <= 0:
            raise AgentTimeoutError('guest-exec', '%s still running after '
                                    '%ss' % (' '.join(argv), timeout),
                                    _name(dom))
        time.sleep(delay)
        delay = min(delay * 2, 0.2)
    result = ExecResult(
        argv=argv, exitcode=st.get('exitcode'), signal=st.get('signal'),
        stdout=base64.b64decode(st.get('out-data', '')),
        stderr=base64.b64decode(st.get('err-data', '')))
    if result.exitcode == 137 or result.signal == 9:
        raise AgentTimeoutError('guest-exec', '%s killed after %ss' % (
            ' '.join(argv), limit), _name(dom))
    if check and (result.exitcode != 0 or result.signal is not None):
        raise GuestCommandError('guest-exec', result, _name(dom))
    return result


def sh(dom, script, timeout=30, check=True, input_data=None):
    """Run a /bin/sh script in the guest (see :func:`exec_`)."""
    return exec_(dom, ['/bin/sh', '-c', script], input_data=input_data,
                 timeout=timeout, check=check)


# ---------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------

def _read_via_file_api(dom, path, timeout):
    handle = command(dom, 'guest-file-open', {'path': path, 'mode': 'r'},
                     timeout=timeout)
    data = []
    try:
        while True:
            r = command(dom, 'guest-file-read',
                        {'handle': handle, 'count': FILE_CHUNK},
                        timeout=timeout)
            data.append(base64.b64decode(r.get('buf-b64', '')))
            if r.get('eof') or not r.get('count'):
                break
    finally:
        try:
            command(dom, 'guest-file-close', {'handle': handle},
                    timeout=timeout)
        except AgentError:
            pass
    return b''.join(data)


def read_file(dom, path, drop_caches=False, missing_ok=False, timeout=30):
    """The content (bytes) of a guest file.

    :param drop_caches: read it from the disk: ``sync; echo 3 >
        /proc/sys/vm/drop_caches`` first (uses guest-exec), so that the
        content is what the (virtual) disk holds, not the page cache.
    :param missing_ok: return None when the file does not exist.
    """
    if not drop_caches:
        try:
            return _read_via_file_api(dom, path, timeout)
        except AgentFrozenError:
            raise
        except AgentError as e:
            if missing_ok and 'No such file' in e.message:
                return None
            raise
    q = shlex.quote(path)
    res = sh(dom, '%s; [ -e %s ] || exit 3; exec cat %s' % (DROP_CACHES, q,
                                                            q),
             timeout=timeout, check=False)
    if res.exitcode == 3 and missing_ok:
        return None
    if res.exitcode != 0 or res.signal is not None:
        raise GuestCommandError('guest-exec', res, _name(dom))
    return res.stdout


def write_file(dom, path, data, fsync=True, timeout=30):
    """Write ``data`` (bytes or str) to a guest file, replacing it.

    guest-file-open/write/close, then (``fsync``) ``sync FILE DIR`` in the
    guest (coreutils ``sync`` with arguments fsyncs each), so the content
    and the directory entry are on the disk when this returns.
    """
    if isinstance(data, str):
        data = data.encode()
    handle = command(dom, 'guest-file-open', {'path': path, 'mode': 'w'},
                     timeout=timeout)
    try:
        for i in range(0, max(len(data), 1), FILE_CHUNK):
            chunk = data[i:i + FILE_CHUNK]
            if not chunk:
                break
            r = command(dom, 'guest-file-write',
                        {'handle': handle,
                         'buf-b64': base64.b64encode(chunk).decode()},
                        timeout=timeout)
            if r.get('count') != len(chunk):
                raise AgentError('guest-file-write', 'short write to %s: %s'
                                 ' of %d bytes' % (path, r.get('count'),
                                                   len(chunk)), _name(dom))
        command(dom, 'guest-file-flush', {'handle': handle},
                timeout=timeout)
    finally:
        command(dom, 'guest-file-close', {'handle': handle}, timeout=timeout)
    if fsync:
        parent = path.rsplit('/', 1)[0] or '/'
        exec_(dom, ['sync', path, parent], timeout=timeout)


def remove_file(dom, path, fsync=True, timeout=30):
    """Remove a guest file (no error when missing), fsync its folder."""
    q = shlex.quote(path)
    parent = shlex.quote(path.rsplit('/', 1)[0] or '/')
    sh(dom, 'rm -f %s%s' % (q, ' && sync %s' % parent if fsync else ''),
       timeout=timeout)


def boot_id(dom, timeout=10):
    """The guest kernel's boot id (new on every boot, kept by a revert)."""
    return _read_via_file_api(
        dom, '/proc/sys/kernel/random/boot_id', timeout).decode().strip()


# ---------------------------------------------------------------------------
# The counter workload
# ---------------------------------------------------------------------------

def read_counter(dom, timeout=10):
    """The counter's current in-memory value (from /run/vnfsnap/counter)."""
    data = _read_via_file_api(dom, guest_image.COUNTER_FILE, timeout)
    try:
        return int(data.decode().strip())
    except ValueError:
        raise AgentError('guest-file-read', 'unexpected content of %s: %r'
                         % (guest_image.COUNTER_FILE, data[:100]),
                         _name(dom))


def counter_state(dom, timeout=10):
    """The workload's memory-only state, a :class:`CounterState`."""
    data = _read_via_file_api(dom, guest_image.STATE_FILE, timeout)
    kv = dict(line.split('=', 1) for line in data.decode().splitlines()
              if '=' in line)
    try:
        return CounterState(
            value=int(kv['value']), held=kv.get('held') == '1',
            last_hold=int(kv['last_hold']) if kv.get('last_hold') else None,
            last_set=kv.get('last_set', ''), pid=int(kv['pid']))
    except (KeyError, ValueError):
        raise AgentError('guest-file-read', 'unexpected content of %s: %r'
                         % (guest_image.STATE_FILE, data[:200]), _name(dom))


def wait_for_workload(dom, timeout=30, interval=0.1):
    """Wait until the counter runs (its state file exists): CounterState."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return counter_state(dom, timeout=min(10, timeout))
        except AgentFrozenError:
            raise
        except AgentError as e:
            if time.monotonic() > deadline:
                raise AgentTimeoutError('wait_for_workload', 'the counter '
                                        'is not running after %ss: %s'
                                        % (timeout, e.message), _name(dom))
        time.sleep(interval)


def set_counter(dom, value, timeout=10):
    """Set the counter's in-memory value; return once the workload took it.

    Writes ``VALUE ID`` to /run/vnfsnap/set and sends SIGHUP to the
    counter, which takes the value, mirrors it to /run/vnfsnap/counter and
    appends it to its journals (then goes on counting from there).  Waits
    until the counter's state shows the request ``ID``.  Returns the
    :class:`CounterState` seen then.  Fails while the counter holds for a
    freeze (it takes requests only when running).
    """
    value = int(value)
    if value < 0:
        raise ValueError('the counter is a non-negative integer')
    req = secrets.token_hex(6)
    run = guest_image.RUN_DIR
    sh(dom, 'set -e; echo "%d %s" > %s/.set.tmp; mv %s/.set.tmp %s; '
            'kill -HUP "$(cat %s)"' % (value, req, run, run,
                                       guest_image.SET_FILE,
                                       guest_image.PID_FILE),
       timeout=timeout)
    deadline = time.monotonic() + timeout
    while True:
        state = counter_state(dom, timeout=timeout)
        if state.last_set == req:
            return state
        if time.monotonic() > deadline:
            raise AgentTimeoutError(
                'set_counter', 'the counter did not take %d within %ss '
                '(state: %s)' % (value, timeout, state), _name(dom))
        time.sleep(0.05)


def journal_info(dom, disk='root', tail=10, timeout=30):
    """Read a journal from the disk (page cache dropped): a JournalInfo.

    ``disk``: 'root' (/var/lib/vnfsnap/journal on vda) or 'data'
    (/data/vnfsnap/journal on vdb), or a guest path.
    """
    path = JOURNALS.get(disk, disk)
    q = shlex.quote(path)
    res = sh(dom, '%s; [ -e %s ] || exit 3; echo $(wc -c < %s) $(wc -l < %s);'
             ' tail -n %d %s' % (DROP_CACHES, q, q, q, int(tail) + 1, q),
             timeout=timeout, check=False)
    if res.exitcode == 3:
        raise AgentError('guest-exec', 'no journal %s in the guest' % path,
                         _name(dom))
    if res.exitcode != 0 or res.signal is not None:
        raise GuestCommandError('guest-exec', res, _name(dom))
    counts, _, rest = res.text.partition('\n')
    size, lines = (int(x) for x in counts.split())
    values = []
    for line in rest.split('\n')[:-1]:     # the part after the last \n is
        if line.strip().isdigit():        # a torn line (or empty)
            values.append(int(line))
    values = values[-int(tail):] if tail else []
    return JournalInfo(path=path, lines=lines, size=size,
                       last_value=values[-1] if values else None,
                       tail=tuple(values))


def read_journal_tail(dom, lines=10, disk='root', timeout=30):
    """The last ``lines`` values of a journal, read from the disk."""
    return list(journal_info(dom, disk, tail=lines, timeout=timeout).tail)


def journal_last_value(dom, disk='root', timeout=30):
    """The last value of a journal on the disk (None when it is empty)."""
    return journal_info(dom, disk, tail=1, timeout=timeout).last_value


def hook_log(dom, timeout=10):
    """The guest's fsfreeze hook log (tmpfs), as text ('' when absent)."""
    try:
        return _read_via_file_api(dom, guest_image.HOOK_LOG,
                                  timeout).decode('utf-8', 'replace')
    except AgentFrozenError:
        raise
    except AgentError as e:
        if 'No such file' in e.message:
            return ''
        raise
