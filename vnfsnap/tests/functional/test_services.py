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

"""Functional tests of the server fixtures in services.py.

They start the real servers, use them the way vnfsnap does (AMQP through
kombu and oslo.messaging, SQL through SQLAlchemy) and check that nothing the
fixtures started is left running after their cleanup.
"""

import json
import os
import pwd
import signal
import socket
import subprocess
import sys
import unittest
import urllib.request
import uuid

import fixtures
import testtools

from vnfsnap.tests.fixtures import services


class ServiceTestCase(testtools.TestCase):

    def use_and_check_cleanup(self, fixture, *process_fixtures):
        """useFixture, then check after its cleanup that it left nothing.

        The check is a cleanup added before the fixture's own, so it runs
        after the fixture was cleaned up.  It covers the PID of each
        ServiceProcess (``process_fixtures``: callables returning them,
        since they exist only once the fixture is set up; by default the
        fixture itself) and every process that carried the marker of one
        of them while the test ran (children, helpers).
        """
        pids = set()
        procs = []
        self.addCleanup(self._assert_all_gone, pids, procs)
        self.useFixture(fixture)
        procs.extend(p() for p in process_fixtures)
        if not procs:
            procs.append(fixture)
        for proc in procs:
            pids.add(proc.pid)
            pids.update(services.pids_with_marker(proc.marker))
        return fixture

    def _assert_all_gone(self, pids, procs):
        alive = sorted(p for p in pids if services.pid_alive(p))
        self.assertEqual([], alive, 'processes left running after cleanup')
        for proc in procs:
            self.assertEqual([], services.pids_with_marker(proc.marker))
            self.assertIsNotNone(proc.returncode)


class TestHelpers(testtools.TestCase):

    def test_free_port_is_bindable(self):
        port = services.free_port()
        with socket.socket() as s:
            s.bind((services.LOOPBACK, port))

    def test_free_ports_are_distinct(self):
        ports = services.free_ports(5)
        self.assertEqual(5, len(set(ports)))

    def test_ports_taken_by_a_live_process_are_not_given_again(self):
        # As another functional worker would: its ports stay its own
        # while it lives; they are free again once it is gone.
        other = subprocess.Popen(
            [sys.executable, '-c', 'import sys; from vnfsnap.tests.fixtures '
             'import services; print(services.free_ports(3), flush=True); '
             'sys.stdin.read()'],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        theirs = json.loads(other.stdout.readline())
        first = theirs + [p for p in range(*services.PORT_RANGE)
                          if p not in theirs]
        self.useFixture(fixtures.MockPatch(
            'random.sample', side_effect=lambda population, k: first))
        mine = services.free_ports(3)
        self.assertEqual([], [p for p in mine if p in theirs])
        self.assertTrue(all(services.PORT_RANGE[0] <= p
                            < services.PORT_RANGE[1] for p in mine))
        other.communicate('', timeout=60)
        self.assertEqual(theirs, services.free_ports(3))
        with open(services.PORTS_FILE) as f:
            registry = json.load(f)
        self.assertEqual({os.getpid()},
                         {registry[str(p)] for p in mine + theirs})

    def test_in_ci(self):
        for value, expected in (('true', True), ('1', True), ('', False),
                                ('false', False), ('0', False)):
            self.useFixture(fixtures.EnvironmentVariable('CI', value))
            self.assertEqual(expected, services.in_ci(), value)
        self.useFixture(fixtures.EnvironmentVariable('CI'))
        self.assertFalse(services.in_ci())

    def test_missing_binary_skips_without_ci(self):
        self.useFixture(fixtures.EnvironmentVariable('CI'))
        self.assertRaises(unittest.SkipTest, services.require_binaries,
                          'nothing', '/nonexistent/vnfsnap-test-binary')

    def test_missing_binary_fails_on_ci(self):
        self.useFixture(fixtures.EnvironmentVariable('CI', 'true'))
        self.assertRaises(services.ServiceError, services.require_binaries,
                          'nothing', '/nonexistent/vnfsnap-test-binary')

    def test_missing_binary_in_fixture_is_a_skip(self):
        # Through useFixture, as the tests use the fixtures: the skip must
        # reach the test as a skip, not as an error.
        self.useFixture(fixtures.EnvironmentVariable('CI'))

        class Case(testtools.TestCase):
            def test_it(self):
                self.useFixture(services.ServiceProcess(
                    ['/nonexistent/vnfsnap-test-binary']))

        result = testtools.TestResult()
        Case('test_it').run(result)
        self.assertEqual([], result.errors)
        self.assertEqual(1, sum(len(v) for v in result.skip_reasons.values()))


class TestServiceProcess(ServiceTestCase):

    def test_http_server_start_and_stop(self):
        port = services.free_port()
        proc = self.use_and_check_cleanup(services.ServiceProcess(
            [sys.executable, '-m', 'http.server', '--bind',
             services.LOOPBACK, str(port)],
            port=port, timeout=30, name='http.server'))
        self.assertIsNone(proc.returncode)
        self.assertTrue(services.pid_alive(proc.pid))
        with urllib.request.urlopen(  # noqa: S310 (loopback http)
                'http://%s:%d/' % (services.LOOPBACK, port),
                timeout=10) as resp:
            self.assertEqual(200, resp.status)

        proc.stop()
        self.assertFalse(services.pid_alive(proc.pid))
        self.assertFalse(os.path.exists('/proc/%d' % proc.pid))
        self.assertEqual(-signal.SIGTERM, proc.returncode)
        self.assertFalse(services.port_open(port))
        with open(proc.log_path, 'rb') as f:
            self.assertIn(b'GET / HTTP/1.1', f.read())

    def test_port_held_by_another_process_fails_the_start(self):
        # Another test's server answers on the port this one was given:
        # its start must fail, not hand that server to the test.
        port = services.free_port()
        with socket.socket() as other:
            other.bind((services.LOOPBACK, port))
            other.listen()
            started = []

            class Case(testtools.TestCase):
                def test_it(self):
                    started.append(services.ServiceProcess(
                        [sys.executable, '-c', 'import time; '
                         'time.sleep(60)'], port=port, timeout=30,
                        name='sleeper'))
                    self.useFixture(started[0])

            result = testtools.TestResult()
            Case('test_it').run(result)
        self.assertEqual(1, len(result.errors))
        self.assertIn('taken by process(es) [%d]' % os.getpid(),
                      result.errors[0][1])
        self.assertFalse(services.pid_alive(started[0].pid))

    def test_stop_kills_what_ignores_sigterm(self):
        code = ('import signal, time; '
                'signal.signal(signal.SIGTERM, signal.SIG_IGN); '
                'print("ready", flush=True); time.sleep(600)')
        log = os.path.join(self.useFixture(fixtures.TempDir()).path, 'log')

        def ready():
            with open(log) as f:
                return 'ready' in f.read()

        proc = self.use_and_check_cleanup(services.ServiceProcess(
            [sys.executable, '-c', code], log_path=log, ready=ready,
            stop_timeout=1, name='stubborn'))
        proc.stop()
        self.assertEqual(-signal.SIGKILL, proc.returncode)
        self.assertFalse(services.pid_alive(proc.pid))

    def test_stop_also_stops_detached_children(self):
        # A child that leaves the process group (like a daemon) is still
        # found through the marker in its environment and stopped by PID.
        code = ('import subprocess, sys, time; '
                'p = subprocess.Popen([sys.executable, "-c", '
                '"import time; time.sleep(600)"], start_new_session=True); '
                'print(p.pid, flush=True); time.sleep(600)')
        proc = self.use_and_check_cleanup(services.ServiceProcess(
            [sys.executable, '-c', code], name='parent'))
        child = self._wait_for_child_pid(proc)
        self.assertTrue(services.pid_alive(child))
        self.assertIn(child, services.pids_with_marker(proc.marker))
        proc.stop()
        self.assertFalse(services.pid_alive(child))

    def _wait_for_child_pid(self, proc):
        import time

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with open(proc.log_path) as f:
                text = f.read().strip()
            if text:
                return int(text.split()[0])
            time.sleep(0.05)
        self.fail('child PID not printed')

    def test_failure_to_start_reports_the_log(self):
        marker = 'vnfsnap-%s' % uuid.uuid4().hex
        port = services.free_port()

        class Case(testtools.TestCase):
            def test_it(self):
                self.useFixture(services.ServiceProcess(
                    [sys.executable, '-c',
                     'import sys; print(%r); sys.exit(3)' % marker],
                    port=port, timeout=10, name='broken'))

        result = testtools.TestResult()
        case = Case('test_it')
        case.run(result)
        self.assertEqual(1, len(result.errors))
        self.assertIn('exited with code 3', result.errors[0][1])
        self.assertIn(marker, result.errors[0][1])
        log = case.getDetails()['broken log'].as_text()
        self.assertIn(marker, log)

    def test_timeout_waiting_for_port(self):
        port = services.free_port()
        proc = services.ServiceProcess(
            [sys.executable, '-c', 'import time; time.sleep(600)'],
            port=port, timeout=1, name='silent')
        e = self.assertRaises(fixtures.MultipleExceptions, proc.setUp)
        self.assertIsInstance(e.args[0][1], services.ServiceError)
        self.assertIn('did not open', str(e.args[0][1]))
        self.assertIsNotNone(proc.returncode)
        self.assertFalse(services.pid_alive(proc.pid))


class TestRabbitMQServer(ServiceTestCase):

    def setUp(self):
        super().setUp()
        rabbit = services.RabbitMQServer()
        self.rabbit = self.use_and_check_cleanup(
            rabbit, lambda: rabbit.server, lambda: rabbit.epmd)

    def test_urls_and_processes(self):
        rabbit = self.rabbit
        self.assertEqual(
            'rabbit://%s:%s@127.0.0.1:%d/' % (rabbit.user, rabbit.password,
                                              rabbit.port),
            rabbit.transport_url)
        self.assertTrue(rabbit.node_name.startswith('vnfsnap-'))
        self.assertTrue(services.pid_alive(rabbit.pid))
        self.assertTrue(services.pid_alive(rabbit.epmd_pid))
        with open('/proc/%d/comm' % rabbit.pid) as f:
            self.assertEqual('beam.smp', f.read().strip())
        self.assertTrue(services.port_open(rabbit.epmd_port))
        self.assertTrue(services.port_open(rabbit.dist_port))

    def test_kombu_publish_and_get(self):
        import kombu

        body = {'snapshot': uuid.uuid4().hex}
        with kombu.Connection(self.rabbit.kombu_url,
                              connect_timeout=10) as conn:
            queue = conn.SimpleQueue('vnfsnap-test')
            try:
                queue.put(body)
                message = queue.get(block=True, timeout=10)
                message.ack()
                self.assertEqual(body, message.payload)
            finally:
                queue.close()

    def test_oslo_messaging_rpc_call(self):
        from oslo_config import cfg
        from oslo_config import fixture as config_fixture
        import oslo_messaging

        # The global cfg.CONF, as the services use it: oslo.messaging
        # registers its metrics and tracing options there only (and not in
        # its list_opts()), yet reads them from the transport's conf, so a
        # private ConfigOpts fails with NoSuchOptError on the first call.
        conf = self.useFixture(config_fixture.Config(cfg.CONF)).conf
        conf([], project='vnfsnap-functional-test')
        transport = oslo_messaging.get_rpc_transport(
            conf, url=self.rabbit.transport_url)
        self.addCleanup(transport.cleanup)

        class Endpoint:
            def echo(self, ctxt, value):
                return value

        topic = 'vnfsnap-test-%s' % uuid.uuid4().hex[:8]
        server = oslo_messaging.get_rpc_server(
            transport, oslo_messaging.Target(topic=topic, server='s1'),
            [Endpoint()], executor='threading')
        server.start()
        self.addCleanup(server.wait)
        self.addCleanup(server.stop)
        client = oslo_messaging.get_rpc_client(
            transport, oslo_messaging.Target(topic=topic), timeout=30)
        self.assertEqual('hello', client.call({}, 'echo', value='hello'))


class _SQLServerTests:
    """Checks shared by the SQL server fixtures."""

    fixture_class = None

    def setUp(self):
        super().setUp()
        server = self.fixture_class()
        self.server = self.use_and_check_cleanup(
            server, lambda: server.server)

    def test_create_insert_select(self):
        import sqlalchemy as sa

        engine = sa.create_engine(self.server.url)
        self.addCleanup(engine.dispose)
        meta = sa.MetaData()
        table = sa.Table(
            'snapshots', meta,
            sa.Column('id', sa.Integer, primary_key=True),
            sa.Column('name', sa.String(64), nullable=False))
        meta.create_all(engine)
        with engine.begin() as conn:
            conn.execute(table.insert(), [{'name': 'snap-1'},
                                          {'name': 'snäp-2'}])
        with engine.connect() as conn:
            rows = conn.execute(
                sa.select(table.c.name).order_by(table.c.id)).all()
        self.assertEqual(['snap-1', 'snäp-2'], [r.name for r in rows])

    def test_listens_on_loopback_only(self):
        self.assertTrue(services.port_open(self.server.port))
        self.assertIn('@127.0.0.1:%d/' % self.server.port, self.server.url)


class TestPostgreSQLServer(_SQLServerTests, ServiceTestCase):
    fixture_class = services.PostgreSQLServer

    def test_server_runs_as_postgres(self):
        if os.geteuid() != 0:
            self.skipTest('only switches user when run as root')
        with open('/proc/%d/status' % self.server.pid) as f:
            uid = next(line.split()[1] for line in f
                       if line.startswith('Uid:'))
        self.assertEqual('postgres', pwd.getpwuid(int(uid)).pw_name)


class TestMariaDBServer(_SQLServerTests, ServiceTestCase):
    fixture_class = services.MariaDBServer

    def test_utf8mb4(self):
        import sqlalchemy as sa

        engine = sa.create_engine(self.server.url)
        self.addCleanup(engine.dispose)
        with engine.connect() as conn:
            charset = conn.execute(sa.text(
                'SELECT @@character_set_database')).scalar()
        self.assertEqual('utf8mb4', charset)
