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

"""Real servers for the functional tests.

Each fixture here starts a real, private server process from the machine's
Debian packages (see bindep.txt and tools/install.sh): in its own temporary
directory, listening on free loopback ports only, and with nothing shared
with the system's own instance of that server (which is never started).  On
cleanup the processes are stopped by PID: the server itself, then anything
left in its process group or carrying the fixture's marker in its
environment.  Nothing is ever stopped by name.

When a server's binary is missing, the test is skipped, unless the
environment variable CI is set: on CI these tests must really run, so there
a missing binary is an error.

Usage::

    class TestSomething(testtools.TestCase):
        def test_it(self):
            rabbit = self.useFixture(services.RabbitMQServer())
            db = self.useFixture(services.PostgreSQLServer())
            ... rabbit.transport_url ... db.url ...

Starting a server costs seconds (see each class), so a test module that
needs one for many tests may prefer to start it once per class.
"""

import glob
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import time
import unittest
import uuid

import fixtures
from testtools import content
from testtools import content_type

#: Environment variable put into every process a fixture starts, with a
#: value unique to that fixture: it finds the processes to stop even when
#: they left the process group (e.g. daemons that called setsid()).
MARKER_ENV = 'VNFSNAP_TEST_SERVICE_ID'

#: Seconds a process gets to exit after its stop signal before SIGKILL.
STOP_TIMEOUT = 15

#: How much of the end of a log goes into the test details.
LOG_TAIL_BYTES = 32 * 1024

LOOPBACK = '127.0.0.1'


class ServiceError(Exception):
    """A server could not be started."""


def in_ci():
    """True when running on CI, where every functional test must run."""
    return os.environ.get('CI', '').strip().lower() not in (
        '', '0', 'false', 'no')


def require_binaries(what, *paths):
    """Check that the executables a fixture needs exist.

    Skips the test when one is missing, or fails it when CI is set.
    """
    missing = [p for p in paths
               if not p or not os.path.isfile(p) or not os.access(p, os.X_OK)]
    if not missing:
        return
    msg = ('%s is not installed (missing: %s); tools/install.sh installs it'
           % (what, ', '.join(str(p) for p in missing)))
    if in_ci():
        raise ServiceError(msg + ' (CI is set: not skipping)')
    raise unittest.SkipTest(msg)


def which(name, *fallbacks):
    """Path of an executable on PATH or at one of the fallback paths."""
    found = shutil.which(name)
    if found:
        return found
    for pattern in fallbacks:
        for path in sorted(glob.glob(pattern), reverse=True):
            if os.access(path, os.X_OK):
                return path
    return None


def free_ports(count, host=LOOPBACK):
    """Return ``count`` distinct TCP ports that are free on ``host`` now.

    All sockets are held open until every port is picked, so the ports are
    distinct; another process may still take one before it is used.
    """
    socks = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((host, 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def free_port(host=LOOPBACK):
    """Return a TCP port that is free on ``host`` (loopback by default)."""
    return free_ports(1, host)[0]


def port_open(port, host=LOOPBACK, timeout=1.0):
    """True when something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


# ---------------------------------------------------------------------------
# Processes, by PID
# ---------------------------------------------------------------------------

def _all_pids():
    for name in os.listdir('/proc'):
        if name.isdigit():
            yield int(name)


def _proc_stat(pid):
    """(state, ppid, pgrp) of a process, or None when it does not exist."""
    try:
        with open('/proc/%d/stat' % pid, 'rb') as f:
            data = f.read()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold anything.
    fields = data[data.rindex(b')') + 2:].split()
    return fields[0].decode(), int(fields[1]), int(fields[2])


def pid_alive(pid):
    """True while a process with this PID exists and is not a zombie."""
    stat = _proc_stat(pid)
    return stat is not None and stat[0] not in ('Z', 'X')


def pids_with_marker(marker):
    """PIDs of the live processes whose environment carries ``marker``."""
    needle = ('%s=%s' % (MARKER_ENV, marker)).encode()
    found = []
    for pid in _all_pids():
        if pid == os.getpid():
            continue
        try:
            with open('/proc/%d/environ' % pid, 'rb') as f:
                env = f.read()
        except OSError:
            continue
        if needle in env.split(b'\0') and pid_alive(pid):
            found.append(pid)
    return found


def pids_in_group(pgid):
    """PIDs of the live processes of process group ``pgid``."""
    found = []
    for pid in _all_pids():
        stat = _proc_stat(pid)
        if stat and stat[2] == pgid and stat[0] not in ('Z', 'X'):
            found.append(pid)
    return found


def kill_pids(pids, sig=signal.SIGTERM, timeout=STOP_TIMEOUT):
    """Send ``sig`` to each PID, wait, then SIGKILL the ones still alive.

    Returns the PIDs that are still alive at the end (normally none).
    """
    pids = [p for p in set(pids) if p != os.getpid()]
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pids = [p for p in pids if pid_alive(p)]
        if not pids:
            return []
        time.sleep(0.1)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 5
    while pids and time.monotonic() < deadline:
        pids = [p for p in pids if pid_alive(p)]
        time.sleep(0.05)
    return pids


def _tail(path, limit=LOG_TAIL_BYTES):
    try:
        with open(path, 'rb') as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - limit))
            data = f.read()
    except OSError:
        return b''
    if size > limit:
        data = b'[... %d bytes before ...]\n' % (size - limit) + data
    return data


def _run(argv, what, env=None, timeout=120):
    """Run a set-up command to completion; raise ServiceError on failure."""
    try:
        proc = subprocess.run(argv, check=False, env=env,
                              stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise ServiceError('%s timed out after %ss: %s\n%s' % (
            what, timeout, argv, (e.output or b'')[-4000:].decode(
                'utf-8', 'replace')))
    if proc.returncode != 0:
        raise ServiceError('%s failed with exit code %s: %s\n%s' % (
            what, proc.returncode, argv,
            proc.stdout[-4000:].decode('utf-8', 'replace')))
    return proc.stdout


class ServiceProcess(fixtures.Fixture):
    """A subprocess running for the length of a test.

    :param argv: the command line.
    :param env: the complete environment of the process (default: this
        process's).  ``MARKER_ENV`` is added to it.
    :param port: when given, setUp waits until this TCP port on ``host``
        accepts connections.
    :param log_path: file for the process's stdout and stderr (appended
        to); by default a file in a temporary directory.
    :param timeout: seconds setUp waits for ``port`` and ``ready``.
    :param ready: optional callable, polled after the port is open until it
        returns a true value (an exception counts as "not yet").
    :param stop_signal: the signal ``stop()`` sends first (SIGTERM).
    :param user: run the process as this user (needs root).
    :param name: a short name for messages and the test detail.

    The process runs in its own session and process group.  ``stop()``
    (also run on cleanup) signals the PID, waits up to ``stop_timeout``
    seconds, then sends SIGKILL; it then stops by PID whatever is left of
    the process group or carries this fixture's marker.  The log is added
    to the test details (its tail: ``LOG_TAIL_BYTES``).
    """

    def __init__(self, argv, env=None, port=None, log_path=None,
                 host=LOOPBACK, timeout=60, ready=None,
                 stop_signal=signal.SIGTERM, stop_timeout=STOP_TIMEOUT,
                 user=None, cwd=None, name=None):
        super().__init__()
        self.argv = [str(a) for a in argv]
        self.env = env
        self.port = port
        self.host = host
        self.log_path = log_path
        self.timeout = timeout
        self.ready = ready
        self.stop_signal = stop_signal
        self.stop_timeout = stop_timeout
        self.user = user
        self.cwd = cwd
        self.name = name or os.path.basename(self.argv[0])
        self.marker = uuid.uuid4().hex
        self.process = None
        self._log_file = None
        self._log_copy = None
        self._returncode = None

    @property
    def pid(self):
        return self.process.pid if self.process else None

    @property
    def returncode(self):
        """Exit code once the process ended (negative: killed by signal)."""
        if self.process is None:
            return self._returncode
        return self.process.poll()

    def setUp(self):
        # Checked before the fixture's own set-up: see _ServerFixture.
        exe = self.argv[0]
        if os.sep not in exe:
            exe = shutil.which(exe, path=(self.env or os.environ).get(
                'PATH')) or exe
        elif self.cwd and not os.path.isabs(exe):
            exe = os.path.join(self.cwd, exe)
        require_binaries(self.name, exe)
        super().setUp()

    def _setUp(self):
        if self.log_path is None:
            tmp = self.useFixture(fixtures.TempDir()).path
            self.log_path = os.path.join(tmp, '%s.log' % self.name)
        self.addDetail('%s log' % self.name, content.Content(
            content_type.UTF8_TEXT, self._log_bytes))

        env = dict(os.environ if self.env is None else self.env)
        env[MARKER_ENV] = self.marker
        kwargs = {}
        if self.user is not None and os.geteuid() == 0:
            kwargs['user'] = self.user
            kwargs['group'] = pwd.getpwnam(self.user).pw_gid
            kwargs['extra_groups'] = []
        self._log_file = open(self.log_path, 'ab')
        self.addCleanup(self.stop)
        self.process = subprocess.Popen(
            self.argv, env=env, cwd=self.cwd, stdin=subprocess.DEVNULL,
            stdout=self._log_file, stderr=subprocess.STDOUT,
            start_new_session=True, close_fds=True, **kwargs)
        self.wait_until_ready()

    def _log_bytes(self):
        if self._log_copy is not None:
            return [self._log_copy]
        return [_tail(self.log_path)]

    def _fail(self, why):
        tail = _tail(self.log_path, 3000).decode('utf-8', 'replace')
        raise ServiceError('%s (pid %s, %s) %s; end of %s:\n%s' % (
            self.name, self.pid, ' '.join(self.argv), why, self.log_path,
            tail))

    def wait_until_ready(self):
        """Wait for ``port`` and ``ready``; raise ServiceError on timeout."""
        deadline = time.monotonic() + self.timeout
        last_error = None
        port_ok = self.port is None
        while True:
            if self.process.poll() is not None:
                self._fail('exited with code %s while starting'
                           % self.process.returncode)
            if not port_ok:
                port_ok = port_open(self.port, self.host, timeout=0.5)
            if port_ok:
                if self.ready is None:
                    return
                try:
                    if self.ready():
                        return
                except Exception as e:
                    last_error = e
            if time.monotonic() > deadline:
                if not port_ok:
                    why = 'did not open %s:%s' % (self.host, self.port)
                else:
                    why = 'did not become ready (last error: %r)' % (
                        last_error,)
                self._fail('%s within %ss' % (why, self.timeout))
            time.sleep(0.1)

    def stop(self):
        """Stop the process by PID, then what is left of its group."""
        if self.process is None:
            return
        proc = self.process
        if proc.poll() is None:
            try:
                os.kill(proc.pid, self.stop_signal)
            except ProcessLookupError:
                pass
            try:
                proc.wait(self.stop_timeout)
            except subprocess.TimeoutExpired:
                try:
                    os.kill(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait()
        leftovers = set(pids_in_group(proc.pid))
        leftovers.update(pids_with_marker(self.marker))
        if leftovers:
            kill_pids(leftovers, signal.SIGTERM, timeout=5)
        self._returncode = proc.returncode
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        if os.path.exists(self.log_path) or self._log_copy is None:
            # Kept for the test details: the log's directory may be removed
            # before the test result is reported.
            self._log_copy = _tail(self.log_path)


def _chown_tree(path, user):
    pw = pwd.getpwnam(user)
    for root, _dirs, files in os.walk(path):
        os.chown(root, pw.pw_uid, pw.pw_gid)
        for name in files:
            os.chown(os.path.join(root, name), pw.pw_uid, pw.pw_gid)


#: Set by tools/run-tests.sh for the test runner: passed on to every server,
#: so that the script can find (and stop) anything a crashed test left.
RUN_ID_ENV = 'VNFSNAP_TEST_RUN_ID'


def _base_env(**extra):
    """A small, predictable environment for a server process."""
    env = {
        'PATH': os.environ.get('PATH', '/usr/sbin:/usr/bin:/sbin:/bin'),
        'LANG': 'C.UTF-8',
        'LC_ALL': 'C.UTF-8',
    }
    if os.environ.get(RUN_ID_ENV):
        env[RUN_ID_ENV] = os.environ[RUN_ID_ENV]
    env.update(extra)
    return env


class _ServerFixture(fixtures.Fixture):
    """Base of the server fixtures: checks the binaries before set-up.

    The check runs in setUp() itself, before the fixture's own set-up
    starts, because a unittest.SkipTest raised from _setUp() would reach
    the test wrapped together with a fixtures.SetupError and count as an
    error rather than a skip.
    """

    def find_binaries(self):
        """Look the binaries up; call require_binaries() on them."""
        raise NotImplementedError

    def setUp(self):
        self.find_binaries()
        super().setUp()


# ---------------------------------------------------------------------------
# RabbitMQ
# ---------------------------------------------------------------------------

class RabbitMQServer(_ServerFixture):
    """A private RabbitMQ node (Debian's rabbitmq-server) on loopback.

    The node gets its own name (``vnfsnap-<random>@localhost``), Erlang
    cookie and HOME, data and log directories in a temporary directory,
    and free ports for AMQP, Erlang distribution and its own epmd, which
    this fixture starts first (so no shared epmd is left behind).  A user
    with a random password is created at first boot.

    Attributes once set up: ``transport_url`` (for oslo.messaging),
    ``kombu_url``, ``port``, ``user``, ``password``, ``node_name``,
    ``pid`` (of the Erlang VM), ``epmd_pid``.

    Typical start-up: 3-7 s.
    """

    SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server'

    def __init__(self, timeout=60, user='vnfsnap', password=None):
        super().__init__()
        self.timeout = timeout
        self.user = user
        self.password = password or secrets.token_hex(16)

    def find_binaries(self):
        self.epmd_bin = which('epmd', '/usr/lib/erlang/erts-*/bin/epmd')
        require_binaries('RabbitMQ (Debian package rabbitmq-server)',
                         self.SERVER, self.epmd_bin)

    def _setUp(self):
        epmd = self.epmd_bin
        base = self.useFixture(fixtures.TempDir()).path
        home = os.path.join(base, 'home')
        mnesia = os.path.join(base, 'mnesia')
        logs = os.path.join(base, 'log')
        for d in (home, mnesia, logs):
            os.mkdir(d, 0o700)
        self.port, self.dist_port, self.epmd_port = free_ports(3)
        self.node_name = 'vnfsnap-%s@localhost' % secrets.token_hex(4)

        cookie = os.path.join(home, '.erlang.cookie')
        with open(os.open(cookie, os.O_WRONLY | os.O_CREAT, 0o400), 'w') as f:
            f.write(secrets.token_hex(20).upper())
        config = os.path.join(base, 'rabbitmq.conf')
        with open(config, 'w') as f:
            f.write('\n'.join([
                'listeners.tcp.1 = %s:%d' % (LOOPBACK, self.port),
                'loopback_users = none',
                'default_vhost = /',
                'default_user = %s' % self.user,
                'default_pass = %s' % self.password,
                'default_permissions.configure = .*',
                'default_permissions.read = .*',
                'default_permissions.write = .*',
                'log.console = true',
                'log.console.level = info',
                'log.file = false',
                'disk_free_limit.absolute = 10MB',
                '',
            ]))
        env_file = os.path.join(base, 'rabbitmq-env.conf')
        open(env_file, 'w').close()
        enabled_plugins = os.path.join(base, 'enabled_plugins')
        with open(enabled_plugins, 'w') as f:
            f.write('[].\n')

        env = _base_env(
            HOME=home,
            ERL_EPMD_PORT=str(self.epmd_port),
            ERL_EPMD_ADDRESS=LOOPBACK,
            RABBITMQ_NODENAME=self.node_name,
            RABBITMQ_NODE_IP_ADDRESS=LOOPBACK,
            RABBITMQ_NODE_PORT=str(self.port),
            RABBITMQ_DIST_PORT=str(self.dist_port),
            RABBITMQ_CONF_ENV_FILE=env_file,
            RABBITMQ_CONFIG_FILE=config,
            RABBITMQ_ADVANCED_CONFIG_FILE=os.path.join(base,
                                                       'advanced.config'),
            RABBITMQ_ENABLED_PLUGINS_FILE=enabled_plugins,
            RABBITMQ_MNESIA_BASE=mnesia,
            RABBITMQ_LOG_BASE=logs,
            RABBITMQ_LOGS='-',
            RABBITMQ_PID_FILE=os.path.join(base, 'rabbitmq.pid'),
            # Only listen on loopback for node-to-node traffic too.
            RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=(
                '-kernel inet_dist_use_interface {127,0,0,1}'),
            # Makes the start script exec the Erlang VM instead of staying
            # in between as a signal-forwarding shell: our PID is the VM's.
            RUNNING_UNDER_SYSTEMD='true',
        )
        self.epmd = self.useFixture(ServiceProcess(
            [epmd, '-port', self.epmd_port, '-address', LOOPBACK],
            env=env, port=self.epmd_port, timeout=self.timeout,
            cwd=base, name='epmd'))
        self.epmd_pid = self.epmd.pid

        self.transport_url = 'rabbit://%s:%s@%s:%d/' % (
            self.user, self.password, LOOPBACK, self.port)
        self.kombu_url = 'amqp://%s:%s@%s:%d//' % (
            self.user, self.password, LOOPBACK, self.port)
        self.server = self.useFixture(ServiceProcess(
            [self.SERVER], env=env, port=self.port, timeout=self.timeout,
            ready=self._amqp_ready, cwd=base, name='rabbitmq-server'))
        self.pid = self.server.pid

    def _amqp_ready(self):
        import kombu

        conn = kombu.Connection(self.kombu_url, connect_timeout=5)
        try:
            conn.connect()
            return conn.connected
        finally:
            conn.release()


# ---------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------

def postgresql_bindir():
    """The bin directory of the newest PostgreSQL under /usr/lib/postgresql."""
    def version(path):
        v = path.split('/')[-2]
        return tuple(int(x) for x in v.split('.') if x.isdigit())

    candidates = [d for d in glob.glob('/usr/lib/postgresql/*/bin')
                  if os.path.isfile(os.path.join(d, 'postgres'))]
    return max(candidates, key=version) if candidates else None


class PostgreSQLServer(_ServerFixture):
    """A private PostgreSQL server (Debian's postgresql) on loopback.

    initdb makes a cluster in a temporary directory (as the ``postgres``
    user when running as root, since PostgreSQL refuses to run as root),
    and ``postgres`` runs on a free port, with its unix socket in the same
    directory.  A database and a password user owning it (with CREATEDB)
    are created.

    Attributes once set up: ``url`` (SQLAlchemy), ``port``, ``user``,
    ``password``, ``database``, ``socket_dir``, ``pid``.

    Typical start-up: under 1 s (initdb included).
    """

    def __init__(self, timeout=60, user='vnfsnap', password=None,
                 database='vnfsnap'):
        super().__init__()
        self.timeout = timeout
        self.user = user
        self.password = password or secrets.token_hex(16)
        self.database = database

    def find_binaries(self):
        self.bindir = postgresql_bindir()
        require_binaries(
            'PostgreSQL (Debian package postgresql)',
            self.bindir and os.path.join(self.bindir, 'initdb'),
            self.bindir and os.path.join(self.bindir, 'postgres'))

    def _setUp(self):
        bindir = self.bindir
        os_user = 'postgres' if os.geteuid() == 0 else None
        base = self.useFixture(fixtures.TempDir()).path
        self.socket_dir = base
        datadir = os.path.join(base, 'data')
        if os_user:
            _chown_tree(base, os_user)
        self.port = free_port()

        initdb = [os.path.join(bindir, 'initdb'), '-D', datadir,
                  '--username=postgres', '--encoding=UTF8',
                  '--locale=C.UTF-8', '--auth-local=trust',
                  '--auth-host=scram-sha-256', '--no-sync']
        if os_user:
            initdb = ['runuser', '-u', os_user, '--'] + initdb
        self.initdb_output = _run(initdb, 'initdb', env=_base_env())

        self.server = self.useFixture(ServiceProcess(
            [os.path.join(bindir, 'postgres'), '-D', datadir,
             '-p', self.port, '-h', LOOPBACK, '-k', self.socket_dir,
             '-c', 'fsync=off', '-c', 'synchronous_commit=off',
             '-c', 'full_page_writes=off', '-c', 'max_connections=200',
             '-c', 'log_min_messages=info'],
            env=_base_env(), port=self.port, timeout=self.timeout,
            ready=self._ready, user=os_user, cwd=base,
            # SIGINT is PostgreSQL's "fast" shutdown: it does not wait for
            # clients to disconnect, as SIGTERM ("smart") does.
            stop_signal=signal.SIGINT, name='postgres'))
        self.pid = self.server.pid
        self._create_database()
        self.url = 'postgresql+psycopg2://%s:%s@%s:%d/%s' % (
            self.user, self.password, LOOPBACK, self.port, self.database)

    def _admin_connect(self, dbname='postgres'):
        import psycopg2

        return psycopg2.connect(host=self.socket_dir, port=self.port,
                                user='postgres', dbname=dbname,
                                connect_timeout=5)

    def _ready(self):
        self._admin_connect().close()
        return True

    def dump(self):
        """The database as pg_dump writes it (SQL text, bytes)."""
        return _run([os.path.join(self.bindir, 'pg_dump'), '-h',
                     self.socket_dir, '-p', str(self.port), '-U', 'postgres',
                     '--no-owner', self.database], 'pg_dump',
                    env=_base_env())

    def _create_database(self):
        from psycopg2 import sql

        conn = self._admin_connect()
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(sql.SQL(
                    'CREATE ROLE {} LOGIN CREATEDB PASSWORD %s').format(
                        sql.Identifier(self.user)), (self.password,))
                cur.execute(sql.SQL('CREATE DATABASE {} OWNER {}').format(
                    sql.Identifier(self.database),
                    sql.Identifier(self.user)))
        finally:
            conn.close()


# ---------------------------------------------------------------------------
# MariaDB
# ---------------------------------------------------------------------------

class MariaDBServer(_ServerFixture):
    """A private MariaDB server (Debian's mariadb-server) on loopback.

    mariadb-install-db makes a data directory in a temporary directory and
    ``mariadbd`` runs on a free port (as the ``mysql`` user when running as
    root), with its socket there too and no option file read.  A utf8mb4
    database and a password user with all privileges are created.

    Attributes once set up: ``url`` (SQLAlchemy), ``port``, ``user``,
    ``password``, ``database``, ``socket``, ``pid``.

    Typical start-up: 1-3 s (mariadb-install-db included).
    """

    def __init__(self, timeout=60, user='vnfsnap', password=None,
                 database='vnfsnap'):
        super().__init__()
        self.timeout = timeout
        self.user = user
        self.password = password or secrets.token_hex(16)
        self.database = database

    def find_binaries(self):
        self.mariadbd_bin = which('mariadbd', '/usr/sbin/mariadbd')
        self.install_db_bin = which('mariadb-install-db',
                                    '/usr/bin/mariadb-install-db')
        require_binaries('MariaDB (Debian package mariadb-server)',
                         self.mariadbd_bin, self.install_db_bin)

    def _setUp(self):
        mariadbd = self.mariadbd_bin
        install_db = self.install_db_bin
        os_user = 'mysql' if os.geteuid() == 0 else None
        base = self.useFixture(fixtures.TempDir()).path
        datadir = os.path.join(base, 'data')
        tmpdir = os.path.join(base, 'tmp')
        os.mkdir(tmpdir)
        if os_user:
            _chown_tree(base, os_user)
        self.socket = os.path.join(base, 'mysqld.sock')
        self.port = free_port()

        common = ['--no-defaults', '--datadir=%s' % datadir]
        if os_user:
            common.append('--user=%s' % os_user)
        self.install_output = _run(
            [install_db] + common + [
                '--auth-root-authentication-method=normal',
                '--skip-test-db', '--skip-name-resolve',
                '--tmpdir=%s' % tmpdir],
            'mariadb-install-db', env=_base_env())

        self.server = self.useFixture(ServiceProcess(
            [mariadbd] + common + [
                '--port=%d' % self.port, '--bind-address=%s' % LOOPBACK,
                '--socket=%s' % self.socket,
                '--pid-file=%s' % os.path.join(base, 'mariadbd.pid'),
                '--tmpdir=%s' % tmpdir, '--skip-name-resolve',
                '--skip-log-bin', '--character-set-server=utf8mb4',
                '--collation-server=utf8mb4_general_ci',
                '--innodb-buffer-pool-size=64M',
                '--innodb-flush-log-at-trx-commit=0',
                '--innodb-doublewrite=0', '--innodb-use-native-aio=0',
                '--max-connections=200'],
            env=_base_env(), port=self.port, timeout=self.timeout,
            ready=self._ready, cwd=base, name='mariadbd'))
        self.pid = self.server.pid
        self._create_database()
        self.url = 'mysql+pymysql://%s:%s@%s:%d/%s?charset=utf8mb4' % (
            self.user, self.password, LOOPBACK, self.port, self.database)

    def _admin_connect(self):
        import pymysql

        return pymysql.connect(unix_socket=self.socket, user='root',
                               connect_timeout=5)

    def _ready(self):
        self._admin_connect().close()
        return True

    def dump(self):
        """The database as mariadb-dump writes it (SQL text, bytes)."""
        dump = which('mariadb-dump', '/usr/bin/mariadb-dump')
        require_binaries('mariadb-dump (Debian package mariadb-client)',
                         dump)
        return _run([dump, '--no-defaults', '--socket=%s' % self.socket,
                     '--user=root', '--skip-extended-insert',
                     self.database], 'mariadb-dump', env=_base_env())

    def _create_database(self):
        conn = self._admin_connect()
        try:
            with conn.cursor() as cur:
                cur.execute('CREATE DATABASE `%s` CHARACTER SET utf8mb4'
                            % self.database)
                cur.execute("CREATE USER %s@'%%' IDENTIFIED BY %s",
                            (self.user, self.password))
                cur.execute("GRANT ALL PRIVILEGES ON *.* TO %s@'%%' "
                            "WITH GRANT OPTION", (self.user,))
            conn.commit()
        finally:
            conn.close()


__all__ = [
    'LOOPBACK', 'MARKER_ENV', 'MariaDBServer', 'PostgreSQLServer',
    'RabbitMQServer', 'ServiceError', 'ServiceProcess', 'free_port',
    'free_ports', 'in_ci', 'kill_pids', 'pid_alive', 'pids_in_group',
    'pids_with_marker', 'port_open', 'require_binaries', 'which',
]
