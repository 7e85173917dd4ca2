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

"""The guards of the libvirt driver against libvirt's own test driver
(test:///default: one in-memory host shared by the connections of a
process), in process where a guard fires here and as real guard processes
where the driver arms them."""

import json
import os
import subprocess
import time
from unittest import mock

import fixtures
import libvirt
from oslo_utils import timeutils

from vnfsnap.common import exception
from vnfsnap.db import api as db_api
from vnfsnap.tests import base
from vnfsnap.tests.fixtures import database as db_utils
from vnfsnap.vim import base as vim_base
from vnfsnap.vim.libvirt import driver as libvirt_driver
from vnfsnap.vim.libvirt import guard

URI = 'test:///default'


class GuardTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        self.conn = libvirt.open(URI)
        self.dom = self.conn.lookupByName('test')
        self.addCleanup(self._running)
        self.token = os.path.join(self.state_path, 'guards', 'pause.token')

    def _running(self):
        if self.dom.state()[0] == libvirt.VIR_DOMAIN_PAUSED:
            self.dom.resume()

    def write_token(self, kind=guard.PAUSE, deadline=0.1, uuid=None):
        os.makedirs(os.path.dirname(self.token), exist_ok=True)
        record = {'kind': kind, 'uri': URI, 'vnfcId': 'vnfc-0',
                  'domainUuid': uuid or self.dom.UUIDString(),
                  'deadlineSeconds': deadline,
                  'deadline': '2026-01-01T00:00:00Z', 'state': guard.ARMED}
        with open(self.token, 'w') as f:
            json.dump(record, f)


class TestGuard(GuardTestCase):

    def test_fires_at_the_deadline_and_reports_once(self):
        self.dom.suspend()
        self.write_token()
        self.assertEqual(0, guard.main([self.token]))
        self.assertEqual(libvirt.VIR_DOMAIN_RUNNING, self.dom.state()[0])
        record = guard.release(self.token)
        self.assertEqual(guard.FIRED, record['state'])
        self.assertEqual('vnfc-0', record['vnfcId'])
        self.assertIn('firedAt', record)
        self.assertNotIn('uri', record)
        # Reported once; nothing armed any more.
        self.assertIsNone(guard.release(self.token))

    def test_guard_process_loads_only_what_it_needs(self):
        # Started next to frozen guests: no vnfsnap, oslo or eventlet.
        self.write_token(kind=guard.FREEZE, deadline=0.1)
        probe = ('import runpy, sys\n'
                 'sys.argv = sys.argv[1:]\n'
                 'try:\n'
                 '    runpy.run_path(sys.argv[0], run_name="__main__")\n'
                 'except SystemExit:\n'
                 '    pass\n'
                 'print(" ".join(sorted({m.split(".")[0] '
                 'for m in sys.modules})))\n')
        # The guard's own interpreter options, the probe around it.
        out = subprocess.run(
            guard.command(self.token)[:-2]
            + ['-c', probe, guard.__file__, self.token],
            capture_output=True, text=True, timeout=60, check=True).stdout
        loaded = out.split()
        self.assertIn('libvirt', loaded)
        for name in ('vnfsnap', 'oslo_service', 'oslo_config', 'eventlet'):
            self.assertNotIn(name, loaded)
        # It fired, and says so (the test driver has no guest agent).
        self.assertEqual(guard.FIRED, guard.release(self.token)['state'])

    def test_released_before_the_deadline_does_nothing(self):
        self.dom.suspend()
        self.write_token(deadline=5)
        record = guard.release(self.token)
        self.assertEqual(guard.RELEASED, record['state'])
        self.assertEqual(0, guard.main([self.token]))
        self.assertEqual(libvirt.VIR_DOMAIN_PAUSED, self.dom.state()[0])
        self.assertFalse(os.path.exists(self.token + '.fired'))

    def test_failed_undo_is_recorded(self):
        self.write_token(uuid='00000000-0000-0000-0000-00000000dead')
        self.assertEqual(1, guard.main([self.token]))
        record = guard.release(self.token)
        self.assertEqual(guard.FAILED, record['state'])
        self.assertIn('Domain not found', record['error'])

    def arm(self, deadline=60):
        return guard.arm(self.token, os.path.join(self.state_path, 'g.log'),
                         URI, self.dom.UUIDString(), guard.PAUSE, deadline,
                         vnfcId='vnfc-0')

    def test_arm_returns_once_the_guard_runs(self):
        # A guard slow to start (0.5 s before its interpreter) delays the
        # arm, hence the interruption, rather than run beside it.
        command = guard.command
        self.useFixture(fixtures.MockPatch(
            'vnfsnap.vim.libvirt.guard.command',
            side_effect=lambda token, fd: ['/bin/sh', '-c', 'sleep 0.5; '
                                           'exec "$@"', 'guard']
            + command(token, fd)))
        started = time.monotonic()
        self.assertEqual(guard.ARMED, self.arm()['state'])
        self.assertGreaterEqual(time.monotonic() - started, 0.5)
        self.assertEqual(guard.RELEASED, guard.release(self.token)['state'])

    def test_guard_that_never_runs_fails_the_arm(self):
        self.useFixture(fixtures.MockPatch(
            'vnfsnap.vim.libvirt.guard.command',
            side_effect=lambda token, fd: ['/bin/true']))
        self.assertRaisesRegex(RuntimeError, 'did not start', self.arm)
        # Nothing armed is left: the interruption does not happen.
        self.assertFalse(os.path.exists(self.token))
        self.assertIsNone(guard.release(self.token))

    def test_power_off_guard_restores_the_power_state(self):
        self.dom.destroy()
        self.addCleanup(lambda: self.dom.isActive() or self.dom.create())
        self.write_token(kind=guard.POWER_OFF)
        self.assertEqual(0, guard.main([self.token]))
        self.assertEqual(libvirt.VIR_DOMAIN_RUNNING, self.dom.state()[0])


class TestDriverGuards(GuardTestCase):

    def setUp(self):
        super().setUp()
        self.conf.config(snapshot_dir=os.path.join(self.state_path, 'lv'),
                         group='libvirt')
        vim_base.record_guards_with(db_api.record_op_guard)
        self.addCleanup(vim_base.record_guards_with, None)
        inst = db_utils.make_instance()
        self.op = db_utils.make_op(inst.id, db_utils.make_info().id)
        self.vnfc = vim_base.Vnfc(
            id='vnfc-0', vdu_id='vdu0', owner=self.op.id,
            compute_resource={'resourceId': 'test'})
        self.driver = libvirt_driver.LibvirtDriver(
            {'interfaceInfo': {'uri': URI}})
        self.guards = os.path.join(self.state_path, 'lv',
                                   self.dom.UUIDString(), 'guards')

    def records(self):
        return [g.record for g in db_api.get_op_occ(None, self.op.id).guards]

    def test_pause_armed_and_released_and_recorded(self):
        self.assertTrue(self.driver.pause_vnfc(self.vnfc, deadline=60))
        self.assertEqual(['pause.token'], os.listdir(self.guards))
        self.assertEqual([('pause', 'armed')],
                         [(r['kind'], r['state']) for r in self.records()])
        self.driver.unpause_vnfc(self.vnfc)
        self.assertEqual(libvirt.VIR_DOMAIN_RUNNING, self.dom.state()[0])
        self.assertEqual([], os.listdir(self.guards))
        [record] = self.records()
        self.assertEqual('released', record['state'])
        self.assertEqual(60, record['deadlineSeconds'])

    def test_guard_kept_when_the_resume_fails(self):
        # The conductor's own resume failed: the guard stays armed and
        # tries again at its deadline.
        self.assertTrue(self.driver.pause_vnfc(self.vnfc, deadline=60))
        with mock.patch.object(libvirt.virDomain, 'resume',
                               side_effect=libvirt.libvirtError('boom')):
            self.assertRaises(exception.VimError, self.driver.unpause_vnfc,
                              self.vnfc)
        self.assertEqual(['pause.token'], os.listdir(self.guards))
        self.driver.unpause_vnfc(self.vnfc)
        self.assertEqual([], os.listdir(self.guards))

    def test_freeze_times_leave_out_the_guard(self):
        """quiesce/unquiesce say when the freeze and thaw calls were made:
        arming the guard before and releasing it after are not frozen."""
        calls = []
        arm, release = guard.arm, guard.release
        self.useFixture(fixtures.MockPatch(
            'vnfsnap.vim.libvirt.guard.arm', side_effect=lambda *a, **k: (
                calls.append(('arm', timeutils.utcnow())) or arm(*a, **k))))
        self.useFixture(fixtures.MockPatch(
            'vnfsnap.vim.libvirt.guard.release', side_effect=lambda *a: (
                calls.append(('release', timeutils.utcnow()))
                or release(*a))))
        frozen = self.driver.quiesce(self.vnfc, 60)
        thawed = self.driver.unquiesce(self.vnfc)
        (_, armed), (_, released) = calls
        self.assertLessEqual(armed, frozen)
        self.assertLessEqual(frozen, thawed)
        self.assertLessEqual(thawed, released)

    def test_prepared_freeze_arms_once_and_is_released_unfrozen(self):
        arm = self.useFixture(fixtures.MockPatch(
            'vnfsnap.vim.libvirt.guard.arm', side_effect=guard.arm)).mock
        self.driver.prepare_quiesce(self.vnfc, 60)
        self.assertEqual(['freeze.token'], os.listdir(self.guards))
        self.driver.quiesce(self.vnfc, 60)
        self.assertEqual(1, arm.call_count)
        self.driver.unquiesce(self.vnfc)
        self.assertEqual([], os.listdir(self.guards))
        # Prepared, never frozen (a failure before the freeze): the undo
        # releases the guard.
        self.driver.prepare_quiesce(self.vnfc, 60)
        self.driver.unquiesce(self.vnfc)
        self.assertEqual([], os.listdir(self.guards))
        # One record per VNFC and kind: the last guard's.
        self.assertEqual(['released'], [r['state'] for r in self.records()])

    def test_no_deadline_no_guard(self):
        self.assertTrue(self.driver.pause_vnfc(self.vnfc))
        self.assertFalse(os.path.exists(self.guards))
        self.driver.unpause_vnfc(self.vnfc)
        self.assertEqual([], self.records())

    def test_guard_that_fired_fails_the_undo_after_doing_it(self):
        # The guard process (its own test host: nothing is paused there)
        # fires long before this conductor comes to resume the VNFC.
        self.assertTrue(self.driver.pause_vnfc(self.vnfc, deadline=0.2))
        fired = os.path.join(self.guards, 'pause.token.fired')
        end = time.monotonic() + 60
        while guard._read(fired) in (None, {'state': guard.ARMED}) or \
                guard._read(fired)['state'] == guard.ARMED:
            self.assertLess(time.monotonic(), end, 'the guard never fired')
            time.sleep(0.1)
        e = self.assertRaises(exception.GuardUndidInterruption,
                              self.driver.unpause_vnfc, self.vnfc)
        self.assertIn('outlasted its deadline', str(e))
        # The conductor still put it back itself.
        self.assertEqual(libvirt.VIR_DOMAIN_RUNNING, self.dom.state()[0])
        [record] = self.records()
        self.assertEqual('fired', record['state'])
        self.assertIn('firedAt', record)
        log = open(os.path.join(os.path.dirname(self.guards),
                                'guard.log')).read()
        self.assertIn('deadline of 0.2s passed', log)


def _no_answer(code=libvirt.VIR_ERR_AGENT_UNRESPONSIVE,
               domain=libvirt.VIR_FROM_QEMU):
    """A libvirt error that says nothing of what the call did."""
    e = libvirt.libvirtError('no answer')
    e.err = (code, domain, 'no answer', 2, '', '', '', 0, 0)
    return e


class TestLibvirtdAway(GuardTestCase):
    """libvirtd restarted, or a guest agent busy in its freeze hooks: the
    undo is tried again rather than given up."""

    def setUp(self):
        super().setUp()
        self.conf.config(snapshot_dir=os.path.join(self.state_path, 'lv'),
                         reconnect_timeout=30, group='libvirt')
        self.vnfc = vim_base.Vnfc(id='vnfc-0', vdu_id='vdu0',
                                  compute_resource={'resourceId': 'test'})
        self.driver = libvirt_driver.LibvirtDriver(
            {'interfaceInfo': {'uri': URI}})
        self.guards = os.path.join(self.state_path, 'lv',
                                   self.dom.UUIDString(), 'guards')
        self.useFixture(fixtures.MockPatch('time.sleep'))
        self.log = self.useFixture(fixtures.FakeLogger(
            name='vnfsnap.vim.libvirt.driver'))
        self.real_open = libvirt.open

    def test_guard_tries_again_while_libvirtd_is_away(self):
        self.dom.suspend()
        self.write_token(deadline=0)
        with open(self.token) as f:
            record = dict(json.load(f), retrySeconds=30)
        with open(self.token, 'w') as f:
            json.dump(record, f)
        away = libvirt.libvirtError('Failed to connect socket')
        with mock.patch.object(libvirt, 'open', side_effect=[
                away, away, self.real_open(URI)]):
            self.assertEqual(0, guard.main([self.token]))
        self.assertEqual(libvirt.VIR_DOMAIN_RUNNING, self.dom.state()[0])
        self.assertEqual(guard.FIRED, guard.release(self.token)['state'])

    def test_guard_without_retry_window_fails_at_once(self):
        # Tokens an earlier release wrote have no retrySeconds.
        self.dom.suspend()
        self.write_token(deadline=0)
        with mock.patch.object(libvirt, 'open', side_effect=[
                libvirt.libvirtError('away'), self.real_open(URI)]):
            self.assertEqual(1, guard.main([self.token]))
        self.assertEqual(guard.FAILED, guard.release(self.token)['state'])

    def test_connection_waits_for_libvirtd(self):
        libvirt_driver._CONNECTIONS.pop(URI, None)
        with mock.patch.object(libvirt, 'open', side_effect=[
                libvirt.libvirtError('away'), self.real_open(URI)]):
            self.assertEqual('test', self.driver._domain(self.vnfc).name())
        self.assertIn('waiting up to 30s', self.log.output)

    def test_connection_gives_up_after_reconnect_timeout(self):
        self.conf.config(reconnect_timeout=0, group='libvirt')
        libvirt_driver._CONNECTIONS.pop(URI, None)
        with mock.patch.object(libvirt, 'open', side_effect=[
                libvirt.libvirtError('away'), self.real_open(URI)]):
            e = self.assertRaises(exception.VimError, self.driver._domain,
                                  self.vnfc)
        self.assertIn('cannot connect to test:///default', str(e))

    def test_freeze_without_answer_keeps_its_guard_until_thawed(self):
        with mock.patch.object(libvirt.virDomain, 'fsFreeze',
                               side_effect=_no_answer()):
            self.assertRaises(exception.VimError, self.driver.quiesce,
                              self.vnfc, 60)
        self.assertEqual(['freeze.token'], os.listdir(self.guards))
        with mock.patch.object(libvirt.virDomain, 'fsThaw', autospec=True,
                               side_effect=[_no_answer(), _no_answer(
                                   domain=libvirt.VIR_FROM_RPC), 0]) as m:
            self.driver.unquiesce(self.vnfc)
        self.assertEqual(3, m.call_count)
        self.assertEqual([], os.listdir(self.guards))

    def test_refused_freeze_releases_its_guard(self):
        refused = _no_answer(code=libvirt.VIR_ERR_OPERATION_UNSUPPORTED)
        with mock.patch.object(libvirt.virDomain, 'fsFreeze',
                               side_effect=refused):
            self.assertRaises(exception.VimError, self.driver.quiesce,
                              self.vnfc, 60)
        self.assertEqual([], os.listdir(self.guards))
        # The roll back's thaw: nothing of this driver's to thaw.
        with mock.patch.object(libvirt.virDomain, 'fsThaw',
                               side_effect=refused):
            self.driver.unquiesce(self.vnfc)

    def test_thaw_that_keeps_failing_leaves_the_guard(self):
        self.conf.config(reconnect_timeout=0, group='libvirt')
        self.driver.quiesce(self.vnfc, 60)
        with mock.patch.object(libvirt.virDomain, 'fsThaw',
                               side_effect=_no_answer()):
            self.assertRaises(exception.VimError, self.driver.unquiesce,
                              self.vnfc)
        self.assertEqual(['freeze.token'], os.listdir(self.guards))
        self.driver.unquiesce(self.vnfc)
        self.assertEqual([], os.listdir(self.guards))
