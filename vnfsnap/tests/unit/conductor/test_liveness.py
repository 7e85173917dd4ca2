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

"""Conductor heartbeats and the takeover of what offline conductors held."""

from concurrent import futures
import threading
import time
from unittest import mock

import fixtures
from oslo_config import cfg
from oslo_db import exception as db_exc
from oslo_upgradecheck import upgradecheck
from oslo_utils import timeutils
from oslo_utils import uuidutils

from vnfsnap.cmd import status
from vnfsnap.common import exception
from vnfsnap.common import states
from vnfsnap.conductor import manager
from vnfsnap.db import api as db_api
from vnfsnap.db import models
from vnfsnap.tests import base
from vnfsnap.tests.fixtures import database as db_utils
from vnfsnap.tests.fixtures import fake_vnf


def held_op(host, state=states.PROCESSING):
    """An occurrence ``host`` runs (or rolls back)."""
    inst = fake_vnf.register_vnf(1, prefix=uuidutils.generate_uuid()[:8])
    info_id = db_utils.make_info(project=inst.project_id).id
    op = db_utils.make_op(inst.id, info_id, project=inst.project_id,
                          operation=states.CREATE_SNAPSHOT,
                          operation_params={'vnfSnapshotInfoId': info_id})
    return db_api.transition_op_occ(op.id, (states.STARTING,), state,
                                    host=host)


def held_pkg(host):
    """A VNF snapshot package whose content ``host`` verifies."""
    pkg_id = uuidutils.generate_uuid()
    db_api.create_vnf_snapshot_pkg({
        'id': pkg_id, 'project_id': db_utils.PROJECT, 'name': 'pkg',
        'state': states.PKG_PROCESSING, 'host': host,
        'operation': states.PKG_OP_UPLOAD})
    return pkg_id


class TestConductorRecords(base.TestCase):

    def test_register_touch_unregister(self):
        got = db_api.register_conductor('c1', '1.0', '1.2')
        self.assertTrue(got['alive'])
        self.assertEqual(('1.0', '1.2'),
                         (got['version'], got['rpc_api_version']))
        first_beat = got['heartbeat_at']
        db_api.touch_conductor('c1')
        self.assertGreaterEqual(db_api.get_conductor('c1')['heartbeat_at'],
                                first_beat)
        self.assertEqual([], db_api.offline_conductors())
        db_api.unregister_conductor('c1')
        got = db_api.get_conductor('c1')
        self.assertFalse(got['alive'])
        self.assertFalse(got['online'])
        self.assertEqual(['c1'], db_api.offline_conductors())
        # Starting again: the same row, online again.
        db_api.register_conductor('c1', '1.1', '1.2')
        self.assertEqual([('c1', True, '1.1')],
                         [(c['hostname'], c['alive'], c['version'])
                          for c in db_api.list_conductors()])

    def test_missed_heartbeats_make_it_offline(self):
        self.conf.config(heartbeat_timeout=30, group='conductor')
        db_api.register_conductor('c1')
        db_api.register_conductor('c2')
        db_utils.age_heartbeat('c2', 31)
        self.assertEqual(['c2'], db_api.offline_conductors())
        self.assertEqual({'c1': True, 'c2': False},
                         {c['hostname']: c['alive']
                          for c in db_api.list_conductors()})

    def test_work_held_is_listed(self):
        db_api.register_conductor('c1')
        op = held_op('c1')
        pkg_id = held_pkg('c1')
        held_op('c2')
        got = db_api.get_conductor('c1')
        self.assertEqual([op.id], got['lcm_op_occ_ids'])
        self.assertEqual([pkg_id], got['vnf_snapshot_pkg_ids'])

    def test_unknown(self):
        self.assertRaises(exception.ConductorNotFound,
                          db_api.get_conductor, 'nope')
        self.assertRaises(exception.ConductorNotFound,
                          db_api.touch_conductor, 'nope')


class TestHeartbeatOptions(base.TestCase):

    def test_timeout_must_exceed_interval(self):
        self.conf.config(heartbeat_interval=30, heartbeat_timeout=30,
                         group='conductor')
        mgr = manager.ConductorManager('c1')
        e = self.assertRaises(cfg.Error, mgr.init_host)
        self.assertIn('[conductor]heartbeat_timeout (30) must exceed '
                      '[conductor]heartbeat_interval (30)', str(e))
        self.assertRaises(exception.ConductorNotFound,
                          db_api.get_conductor, 'c1')


class TestHeartbeatThread(base.TestCase):

    def setUp(self):
        super().setUp()
        self.conf.config(heartbeat_interval=1, heartbeat_timeout=5,
                         group='conductor')

    def start(self, host='c1'):
        mgr = manager.ConductorManager(host)
        mgr.init_host()
        self.addCleanup(mgr.stop)
        return mgr

    def wait_for_beat(self, host, after, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                got = db_api.get_conductor(host)
            except exception.ConductorNotFound:
                got = None
            if got is not None and got['heartbeat_at'] > after:
                return got
            time.sleep(0.05)
        self.fail('no heartbeat of %s after %s' % (host, after))

    def test_beats_and_goes_offline_on_stop(self):
        mgr = self.start()
        started = db_api.get_conductor('c1')
        self.assertTrue(started['alive'])
        self.wait_for_beat('c1', started['heartbeat_at'])
        mgr.stop()
        self.assertFalse(db_api.get_conductor('c1')['online'])
        self.assertEqual(['c1'], db_api.offline_conductors())

    def test_survives_database_errors(self):
        real = db_api.touch_conductor
        failures = []

        def flaky(hostname):
            if len(failures) < 2:
                failures.append(hostname)
                raise db_exc.DBConnectionError('database went away')
            return real(hostname)

        with mock.patch.object(db_api, 'touch_conductor', flaky):
            logs = self.useFixture(fixtures.FakeLogger(
                level='WARNING'))
            self.start()
            before = db_api.get_conductor('c1')['heartbeat_at']
            self.wait_for_beat('c1', before)
        self.assertEqual(2, len(failures))
        self.assertIn('Heartbeat of conductor c1 failed', logs.output)

    def test_registers_again_when_its_row_is_gone(self):
        self.start()
        before = timeutils.utcnow()
        with db_api._writer() as session:
            session.execute(db_api.sa.delete(models.Conductor))
        self.assertTrue(self.wait_for_beat('c1', before)['alive'])


class TestTakeOver(base.TestCase):

    def setUp(self):
        super().setUp()
        self.conf.config(heartbeat_timeout=30, group='conductor')
        for host in ('dead', 'live', 'c1', 'c2'):
            db_api.register_conductor(host)
        db_utils.age_heartbeat('dead', 31)

    def taker(self, host):
        """A conductor with the pool its resumptions run on (and settle()
        to wait for them)."""
        mgr = manager.ConductorManager(host)
        mgr._pool = futures.ThreadPoolExecutor(2)
        self.addCleanup(mgr._pool.shutdown)
        mgr.settle = lambda: mgr._pool.shutdown(wait=True)
        return mgr

    def test_offline_conductors_work_is_failed(self):
        processing = held_op('dead')
        rolling = held_op('dead', states.ROLLING_BACK)
        pkg_id = held_pkg('dead')
        live = held_op('live')
        live_pkg = held_pkg('live')
        unregistered = held_op('old-release')
        taker = self.taker('c1')
        taken = taker._take_over()
        self.assertEqual({processing.id, rolling.id, pkg_id}, set(taken))
        taker.settle()
        # No progress of the run was persisted (it never ran a flow here):
        # nothing to resume from.
        got = db_api.get_op_occ(None, processing.id)
        self.assertEqual(states.FAILED_TEMP, got.operation_state)
        self.assertIsNone(got.host)
        self.assertIn('conductor dead, running this operation, went '
                      'offline (no heartbeat for 30 s) and conductor c1 '
                      'took it over before it finished, and no progress',
                      got.error['detail'])
        # A rollback is run again.
        got = db_api.get_op_occ(None, rolling.id)
        self.assertEqual((states.ROLLED_BACK, 'c1'),
                         (got.operation_state, got.host))
        # Resumed by the taker: its processing runs again (and fails:
        # the test stored no content).
        pkg = db_utils.settled_pkg(pkg_id)
        self.assertEqual(states.PKG_ERROR, pkg.state)
        self.assertEqual(1, pkg.job_resumes)
        self.assertIsNone(pkg.host)
        self.assertIn('not in the package store',
                      pkg.failure_details['details']['detail'])
        for op in (live, unregistered):
            got = db_api.get_op_occ(None, op.id)
            self.assertEqual((states.PROCESSING, op.host),
                             (got.operation_state, got.host))
        self.assertEqual(states.PKG_PROCESSING,
                         db_api.get_vnf_snapshot_pkg(None, live_pkg).state)
        self.assertEqual([], taker._take_over())

    def test_cleanly_stopped_conductor_is_taken_over_at_once(self):
        op = held_op('live')
        db_api.unregister_conductor('live')
        taker = self.taker('c1')
        self.assertEqual([op.id], taker._take_over())
        taker.settle()

    def test_two_conductors_racing_take_each_once(self):
        ops = [held_op('dead').id for _ in range(6)]
        pkgs = [held_pkg('dead') for _ in range(4)]
        takers = [self.taker('c1'), self.taker('c2')]
        start = threading.Barrier(len(takers))
        taken = {}

        def race(mgr):
            start.wait()
            taken[mgr.host] = mgr._take_over()

        threads = [threading.Thread(target=race, args=(m,)) for m in takers]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual({'c1', 'c2'}, set(taken))
        both = taken['c1'] + taken['c2']
        self.assertEqual(sorted(ops + pkgs), sorted(both))  # exactly once
        for mgr in takers:
            mgr.settle()
        for op_id in ops:
            got = db_api.get_op_occ(None, op_id)
            self.assertEqual(states.FAILED_TEMP, got.operation_state)
            who = 'c1' if op_id in taken['c1'] else 'c2'
            self.assertIn('conductor %s took it over' % who,
                          got.error['detail'])
            events = [e for e in db_api._list(models.OpOccEvent, None)
                      if e.op_occ_id == op_id]
            self.assertEqual(1, len([e for e in events
                                     if e.operation_state
                                     == states.FAILED_TEMP]))
        for pkg_id in pkgs:
            pkg = db_utils.settled_pkg(pkg_id)
            self.assertEqual((states.PKG_ERROR, 1),
                             (pkg.state, pkg.job_resumes))

    def test_sweep_takes_over(self):
        op = held_op('dead')
        mgr = self.taker('c1')
        mgr._sweep(None, min_age=3600)
        mgr.settle()
        self.assertEqual(states.FAILED_TEMP,
                         db_api.get_op_occ(None, op.id).operation_state)

    def test_taken_over_occurrence_is_not_settled_by_its_old_owner(self):
        """A conductor that comes back after being taken for dead finds
        the occurrence is no longer its own (the client retried it on
        another conductor)."""
        op = held_op('dead')
        taker = self.taker('c1')
        taker._take_over()
        taker.settle()
        db_api.transition_op_occ(op.id, (states.FAILED_TEMP,),
                                 states.PROCESSING, host='c2')
        zombie = manager.ConductorManager('dead')
        self.assertRaises(exception.InvalidOpOccState, zombie._fail_temp,
                          op.id, (states.PROCESSING,),
                          exception.VnfsnapException('late'))
        got = db_api.get_op_occ(None, op.id)
        self.assertEqual((states.PROCESSING, 'c2'),
                         (got.operation_state, got.host))


class TestStatusCheck(base.TestCase):
    """vnfsnap-status upgrade check: Conductors."""

    def check(self):
        return status.Checks()._check_conductors()

    def test_none_registered_yet(self):
        result = self.check()
        self.assertEqual(upgradecheck.Code.SUCCESS, result.code)
        self.assertIn('No conductor has registered yet', result.details)

    def test_alive(self):
        db_api.register_conductor('c1')
        db_api.register_conductor('c2')
        result = self.check()
        self.assertEqual(upgradecheck.Code.SUCCESS, result.code)
        self.assertEqual('2 conductor(s) alive: c1, c2.', result.details)

    def test_offline_holding_work(self):
        db_api.register_conductor('c1')
        db_api.register_conductor('dead')
        held_op('dead')
        held_pkg('dead')
        db_api.unregister_conductor('dead')
        result = self.check()
        self.assertEqual(upgradecheck.Code.WARNING, result.code)
        self.assertIn('take over at its next sweep: dead (1 operation '
                      'occurrence(s), 1 package job(s))', result.details)

    def test_none_alive(self):
        self.conf.config(heartbeat_timeout=30, group='conductor')
        db_api.register_conductor('dead')
        held_op('dead')
        db_utils.age_heartbeat('dead', 31)
        result = self.check()
        self.assertEqual(upgradecheck.Code.WARNING, result.code)
        self.assertIn('No conductor is alive (none sent a heartbeat in the '
                      'last 30 s)', result.details)
        self.assertIn('Offline with work held: dead (1 operation',
                      result.details)

    def test_bad_options(self):
        self.conf.config(heartbeat_interval=60, group='conductor')
        result = self.check()
        self.assertEqual(upgradecheck.Code.FAILURE, result.code)
        self.assertIn('must exceed [conductor]heartbeat_interval',
                      result.details)


class TestDatabaseOutage(base.TestCase):
    """What a conductor does about a database outage longer than
    [database]outage_timeout."""

    def setUp(self):
        super().setUp()
        self.conf.config(heartbeat_timeout=30, group='conductor')
        for host in ('dead', 'c1'):
            db_api.register_conductor(host)
        db_utils.age_heartbeat('dead', 31)

    def conductor(self):
        mgr = manager.ConductorManager('c1')
        mgr._pool = futures.ThreadPoolExecutor(2)
        self.addCleanup(mgr._pool.shutdown)
        return mgr

    def test_sweep_resumes_an_occurrence_it_runs_no_more(self):
        """A run that could not record its end leaves the occurrence
        PROCESSING under this live conductor: the sweep resumes it (no
        progress recorded here, so it fails with the reason)."""
        op = held_op('c1')
        mgr = self.conductor()
        mgr._sweep(None, min_age=3600)
        mgr._pool.shutdown(wait=True)
        got = db_api.get_op_occ(None, op.id)
        self.assertEqual((states.FAILED_TEMP, None),
                         (got.operation_state, got.host))
        self.assertIn('the run of this operation by conductor c1 ended '
                      'without recording its end', got.error['detail'])

    def test_sweep_leaves_an_occurrence_it_runs(self):
        op = held_op('c1')
        mgr = self.conductor()
        mgr._ops.begin(op.id)
        mgr._sweep(None, min_age=3600)
        mgr._pool.shutdown(wait=True)
        self.assertEqual(states.PROCESSING,
                         db_api.get_op_occ(None, op.id).operation_state)

    def test_run_is_known_while_it_runs(self):
        mgr = self.conductor()
        seen = []
        mgr._submit_op(lambda op_id: seen.append(op_id in mgr._ops), 'op-1')
        mgr._pool.shutdown(wait=True)
        self.assertEqual([True], seen)
        self.assertNotIn('op-1', mgr._ops)

    def test_sweep_resumes_a_package_job_it_runs_no_more(self):
        pkg_id = held_pkg('c1')
        running = held_pkg('c1')
        mgr = self.conductor()
        mgr._packages._jobs.begin(running)
        mgr._sweep(None, min_age=3600)
        pkg = db_utils.settled_pkg(pkg_id)
        # Resumed: its processing ran again (and failed: the test stored
        # no content).
        self.assertEqual((states.PKG_ERROR, 1),
                         (pkg.state, pkg.job_resumes))
        self.assertEqual(
            (states.PKG_PROCESSING, 0),
            (lambda p: (p.state, p.job_resumes))(
                db_api.get_vnf_snapshot_pkg(None, running)))

    def test_no_takeover_until_its_own_heartbeats_are_steady(self):
        """After an outage every heartbeat is old: a conductor whose own
        beats failed waits [conductor]heartbeat_timeout of steady beats
        before it takes anyone for dead."""
        op = held_op('dead')
        mgr = self.conductor()
        with mock.patch.object(db_api, 'touch_conductor',
                               side_effect=db_exc.DBConnectionError('away')):
            mgr._beat()
        mgr._beat()
        mgr._sweep(None, min_age=3600)
        self.assertEqual(('dead', states.PROCESSING),
                         (lambda o: (o.host, o.operation_state))(
                             db_api.get_op_occ(None, op.id)))
        mgr._beating_since -= 30
        mgr._sweep(None, min_age=3600)
        mgr._pool.shutdown(wait=True)
        got = db_api.get_op_occ(None, op.id)
        self.assertEqual(states.FAILED_TEMP, got.operation_state)
        self.assertIn('conductor c1 took it over', got.error['detail'])
