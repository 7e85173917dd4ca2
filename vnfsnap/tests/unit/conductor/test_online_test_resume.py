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

"""An online test whose conductor died: before the verdict it is rolled
back (the fault taken back, the VNF reverted to the pre-test snapshot,
which then goes); after it, finished. The run "dies" at a step as in
test_resume (the fault hook's listener raises what the engine does not
handle: nothing is undone, the records stay as a killed process leaves
them)."""

from unittest import mock

from vnfsnap.common import states
from vnfsnap.conductor import manager
from vnfsnap.conductor.flows import common
from vnfsnap.conductor.flows import faults
from vnfsnap.conductor.flows import persistence
from vnfsnap.db import api as db_api
from vnfsnap.db import models
from vnfsnap.tests import base
from vnfsnap.tests.fixtures import fake_vim
from vnfsnap.tests.fixtures import fake_vnf

FakeVim = fake_vim.FakeVim
WHY = 'conductor cond-0, running this operation, stopped'
HEALTH = {'id': 'health', 'type': 'GUEST_COMMAND',
          'vnfcInstanceId': 'vnfc-1', 'command': ['health']}


class Died(BaseException):
    """The process was killed here."""


class OnlineTestResumeTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        self.manager = manager.ConductorManager('cond-1')
        self.inst = fake_vnf.register_vnf(2)

    def test(self, command='corrupt', **extra):
        body = dict({'probes': [HEALTH, dict(HEALTH, id='h0',
                                             vnfcInstanceId='vnfc-0')],
                     'fault': {'type': 'GUEST_COMMAND',
                               'vnfcInstanceId': 'vnfc-0',
                               'command': [command]},
                     'expectedRecoveryTime': 1, 'probeInterval': 0.2},
                    **extra)
        op = db_api.create_op_occ(
            {'id': 'test-1', 'project_id': self.inst.project_id,
             'vnf_instance_id': self.inst.id,
             'operation': states.ONLINE_TEST, 'operation_params': body,
             'is_automatic_invocation': False, 'is_cancel_pending': False},
            online_test={'request': body})
        return db_api.transition_op_occ(op.id, (states.STARTING,),
                                        states.PROCESSING, host='cond-1')

    def die_at(self, op, at):
        name, when = at.rsplit('@', 1)

        def point(step, moment='at'):
            if (step, moment) == (name, when):
                raise Died(at)

        flow, store = manager.FLOWS[op.operation].build(op, self.inst)
        with mock.patch.object(faults, 'SPEC', ('*', when, 'unused')), \
                mock.patch.object(faults, 'point', point):
            self.assertRaises(Died, common.run, flow, store,
                              persistence.new_flow_detail(op.id, flow.name))

    def resume(self, op):
        self.manager._resume(op.id, WHY)
        return db_api.get_op_occ(None, op.id)

    def assertRestored(self):
        for rid, guest in FakeVim.guests.items():
            self.assertEqual('running', guest.get('state', 'running'), rid)
            self.assertEqual('ok', guest['disk'].get('service', 'ok'), rid)

    def test_died_while_waiting_restores_the_vnf(self):
        op = self.test()
        self.die_at(op, 'wait-recovery@before')
        self.assertEqual('corrupt',
                         FakeVim.guests['vm-0']['disk']['service'])
        got = self.resume(op)
        self.assertEqual(states.ROLLED_BACK, got.operation_state, got.error)
        self.assertIn('at step wait-recovery', got.error['detail'])
        self.assertIn('rolled back automatically', got.error['detail'])
        self.assertRestored()
        self.assertIn(('revert', 'vm-0'), FakeVim.calls)
        test = db_api.get_online_test(None, op.id)
        self.assertEqual(states.ROLLED_BACK, test.operation_state)
        self.assertIsNone(test.verdict)
        self.assertTrue(test.fault['restoredAt'])
        # The pre-test snapshot went with the rollback.
        self.assertIsNone(test.pre_test_vnf_snapshot_info_id)
        self.assertEqual({}, FakeVim.snapshots)
        self.assertIsNone(db_api.get_vnf_instance(
            None, self.inst.id).reservation)
        self.assertIsNone(persistence.load_flow_detail(op.id))

    def test_died_injecting_restores_the_vnf(self):
        """Recorded as injected before the VIM was asked: the resumed run
        restores even when the injection's result was lost."""
        op = self.test()
        self.die_at(op, 'inject-fault@after')
        got = self.resume(op)
        self.assertEqual(states.ROLLED_BACK, got.operation_state, got.error)
        self.assertRestored()

    def test_died_before_the_injection_touches_nothing_more(self):
        op = self.test()
        self.die_at(op, 'snapshot-pre-test@after')
        got = self.resume(op)
        self.assertEqual(states.ROLLED_BACK, got.operation_state, got.error)
        self.assertFalse([c for c in FakeVim.calls
                          if c[0] in ('exec-corrupt', 'revert')])
        self.assertEqual({}, FakeVim.snapshots)

    def test_died_as_the_verdict_was_written_finishes(self):
        op = self.test()
        self.die_at(op, 'judge@after')
        # The verdict written, its step's success not recorded.
        self.assertEqual(states.VERDICT_FAIL,
                         db_api.get_online_test(None, op.id).verdict)
        atoms = models.TASKFLOW.atomdetails
        with db_api.get_engine().begin() as conn:
            conn.execute(atoms.update().where(atoms.c.name == 'judge')
                         .values(state='RUNNING', results=None))
        got = self.resume(op)
        self.assertEqual(states.COMPLETED, got.operation_state, got.error)
        self.assertEqual(states.VERDICT_FAIL,
                         db_api.get_online_test(None, op.id).verdict)
        self.assertRestored()

    def test_died_after_the_verdict_finishes(self):
        op = self.test()
        self.die_at(op, 'restore-vnf@before')
        self.assertEqual(states.VERDICT_FAIL,
                         db_api.get_online_test(None, op.id).verdict)
        got = self.resume(op)
        self.assertEqual(states.COMPLETED, got.operation_state, got.error)
        self.assertRestored()
        test = db_api.get_online_test(None, op.id)
        self.assertEqual('DONE', test.phase)
        self.assertTrue(test.failed_state_vnf_snapshot_info_id)
        self.assertTrue(test.vnf_snapshot_pkg_id)
        self.assertTrue(test.probe_rounds[-1]['passed'])
