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

"""Interrupted LCM flows resumed from their persisted progress.

A run "dies" at a step as the fault hook kills a conductor (at a step's
start, recorded RUNNING, or at its success, its result recorded): the
listener raises an exception the engine does not handle, so nothing is
undone and the records stay as a killed process leaves them. Then a
conductor resumes the occurrence.
"""

from unittest import mock

from taskflow import engines

from vnfsnap.common import exception
from vnfsnap.common import states
from vnfsnap.conductor import manager
from vnfsnap.conductor.flows import common
from vnfsnap.conductor.flows import create_snapshot
from vnfsnap.conductor.flows import faults
from vnfsnap.conductor.flows import persistence
from vnfsnap.db import api as db_api
from vnfsnap.db import models
from vnfsnap.tests import base
from vnfsnap.tests.fixtures import database as db_utils
from vnfsnap.tests.fixtures import fake_vim
from vnfsnap.tests.fixtures import fake_vnf
from vnfsnap.vim import base as vim_base

FakeVim = fake_vim.FakeVim
WHY = 'conductor cond-0, running this operation, stopped'


class Died(BaseException):
    """The process was killed here."""


class ResumeTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        self.manager = manager.ConductorManager('cond-1')

    def op(self, inst, operation=states.CREATE_SNAPSHOT, info_id=None,
           **params):
        if info_id is None:
            info_id = db_utils.make_info(project=inst.project_id).id
        body = {'vnfSnapshotInfoId': info_id}
        if params:
            body['additionalParams'] = params
        op = db_utils.make_op(inst.id, info_id, project=inst.project_id,
                              operation=operation, operation_params=body)
        return db_api.transition_op_occ(op.id, (states.STARTING,),
                                        states.PROCESSING, host='cond-1')

    def die_at(self, op, at):
        """Run ``op``'s flow, persisted, until it dies at ``at``
        (``<step>@before|after``)."""
        name, when = at.rsplit('@', 1)

        def point(step, moment='at'):
            if (step, moment) == (name, when):
                raise Died(at)

        inst = db_api.get_vnf_instance(None, op.vnf_instance_id)
        flow, store = manager.FLOWS[op.operation].build(op, inst)
        with mock.patch.object(faults, 'SPEC', ('*', when, 'unused')), \
                mock.patch.object(faults, 'point', point):
            self.assertRaises(Died, common.run, flow, store,
                              persistence.new_flow_detail(op.id, flow.name))

    def set_steps(self, where, **values):
        """Change persisted steps as a run that died elsewhere left them."""
        atoms = models.TASKFLOW.atomdetails
        with db_api.get_engine().begin() as conn:
            conn.execute(atoms.update().where(where(atoms.c.name)).values(
                **values))

    def resume(self, op):
        self.manager._resume(op.id, WHY)
        return db_api.get_op_occ(None, op.id)

    def assertForgotten(self, op):
        self.assertIsNone(persistence.load_flow_detail(op.id))
        with db_api.get_engine().connect() as conn:
            for table in models.TASKFLOW:
                self.assertEqual(0, len(conn.execute(
                    table.select()).fetchall()), table.name)

    def assertVnfAsBefore(self):
        for rid, guest in FakeVim.guests.items():
            self.assertFalse(guest['frozen'], rid)
            self.assertEqual('running', guest.get('state', 'running'), rid)
            self.assertFalse(guest.get('detached'), rid)


class TestCreateResumed(ResumeTestCase):

    def test_some_vnfc_snapshots_taken_rolls_back(self):
        inst = fake_vnf.register_vnf(2)
        op = self.op(inst)
        self.die_at(op, 'snapshot-vnfc-1@before')
        self.assertTrue(any(g['frozen'] for g in FakeVim.guests.values()))
        got = self.resume(op)
        self.assertEqual(states.ROLLED_BACK, got.operation_state, got.error)
        self.assertIn('%s at step ' % WHY, got.error['detail'])
        # The group's freeze, snapshot and thaw are one step.
        self.assertIn('step capture', got.error['detail'])
        self.assertIn('the operation was rolled back automatically: the '
                      'VNF was put back as it was before it',
                      got.error['detail'])
        # Whatever VNFC snapshot was taken is deleted.
        self.assertEqual({}, FakeVim.snapshots)
        self.assertEqual({}, db_api.list_op_vim_resources(op.id))
        info = db_api.get_vnf_snapshot_info(None, got.vnf_snapshot_info_id)
        self.assertIsNone(info.snapshot_id)
        self.assertIsNone(info.reservation)
        self.assertVnfAsBefore()
        self.assertForgotten(op)

    def test_snapshot_taken_but_not_recorded_as_done_is_deleted(self):
        """Killed once the VIM made it (and it was recorded as the
        occurrence's), before the step's success was."""
        inst = fake_vnf.register_vnf(1)
        op = self.op(inst)
        self.die_at(op, 'snapshot-vnfc-0@after')
        self.set_steps(lambda name: name == 'capture',
                       state='RUNNING', results=None)
        self.assertEqual(1, len(FakeVim.snapshots))
        got = self.resume(op)
        self.assertEqual(states.ROLLED_BACK, got.operation_state, got.error)
        self.assertEqual({}, FakeVim.snapshots)
        self.assertVnfAsBefore()

    def test_killed_while_the_vim_made_the_snapshot_discards_it(self):
        """Killed while the VIM call of one VNFC's snapshot ran (as while
        another VNFC's parallel step ended): the VIM made it, the step
        never returned it; its recorded name lets the rollback discard
        it (no orphan on the VIM)."""
        inst = fake_vnf.register_vnf(2)
        op = self.op(inst)
        create = FakeVim.create_vnfc_snapshot

        def killed_in_the_vim_call(driver, vnfc, *args, **kwargs):
            create(driver, vnfc, *args, **kwargs)
            if vnfc.id == 'vnfc-0':
                raise Died('in the VIM call of snapshot-vnfc-0')

        with mock.patch.object(FakeVim, 'create_vnfc_snapshot',
                               killed_in_the_vim_call):
            self.die_at(op, 'not-reached@before')
        recorded = db_api.list_op_vim_resources(op.id)['vnfc-0']
        self.assertIn(recorded[common.INTENT], FakeVim.snapshots)
        got = self.resume(op)
        self.assertEqual(states.ROLLED_BACK, got.operation_state, got.error)
        self.assertEqual({}, FakeVim.snapshots)
        self.assertEqual({}, db_api.list_op_vim_resources(op.id))
        self.assertIn('discard_snapshot', [c[0] for c in FakeVim.calls])
        self.assertVnfAsBefore()

    def test_killed_in_a_detach_attaches_the_volume_again(self):
        """Killed while the VIM detached a volume (as while the other
        VNFC's parallel step ended): the step never returned what puts it
        back, so the rollback asks the VIM's own trace of the detach."""
        inst = db_api.set_snapshot_descriptor(
            None, fake_vnf.register_vnf(2).id,
            {'vnfcs': {'vdu0': {'detachDisksBefore': True},
                       'vdu1': {'detachDisksBefore': True}}})
        op = self.op(inst)
        detach = FakeVim.detach_volume

        def killed_in_the_vim_call(driver, vnfc, storage, *args):
            detached = detach(driver, vnfc, storage, *args)
            if vnfc.id == 'vnfc-1':
                raise Died('in the VIM call of detach-volumes-vnfc-1')
            return detached

        with mock.patch.object(FakeVim, 'detach_volume',
                               killed_in_the_vim_call):
            self.die_at(op, 'not-reached@before')
        self.assertTrue(FakeVim.guests['vm-1'].get('detached'))
        got = self.resume(op)
        self.assertEqual(states.ROLLED_BACK, got.operation_state, got.error)
        self.assertIn(('attach', 'vol-1'), FakeVim.calls)
        self.assertVnfAsBefore()

    def test_cut_off_snapshot_the_vim_cannot_find_is_failed_temp(self):
        """A VIM that cannot discard by name: the rollback says what is
        left rather than leave it silently."""
        inst = fake_vnf.register_vnf(1)
        op = self.op(inst)
        self.die_at(op, 'snapshot-vnfc-0@before')
        db_api.set_op_vim_resource(op.id, 'vnfc-0', {
            common.INTENT: 'vnfsnap-cut-off',
            'compute_resource':
                common.resolve_vnfcs(inst)[0].compute_resource})
        with mock.patch.object(FakeVim, 'discard_vnfc_snapshot',
                               return_value=False):
            got = self.resume(op)
        self.assertEqual(states.FAILED_TEMP, got.operation_state, got.error)
        self.assertIn('vnfsnap-cut-off', got.error['detail'])
        self.assertIn('vnfc-0', db_api.list_op_vim_resources(op.id))
        self.assertVnfAsBefore()

    def test_died_while_rolling_back_goes_on_rolling_back(self):
        inst = fake_vnf.register_vnf(1)
        op = self.op(inst)
        self.die_at(op, 'snapshot-vnfc-0@after')
        # The conductor resuming it had begun the rollback, then died.
        db_api.transition_op_occ(op.id, (states.PROCESSING,),
                                 states.ROLLING_BACK)
        got = self.resume(op)
        self.assertEqual(states.ROLLED_BACK, got.operation_state, got.error)
        self.assertEqual({}, FakeVim.snapshots)
        self.assertVnfAsBefore()
        self.assertForgotten(op)

    def thawed_by_its_guard(self, rid):
        """The thaw guard thawed ``rid`` past its deadline: the driver's
        thaw says so."""
        def fired():
            FakeVim.guests[rid]['frozen'] = False
            raise exception.GuardUndidInterruption(
                reason='the freeze of VNFC %s outlasted its deadline' % rid)
        FakeVim.hooks[('unquiesce', rid)] = fired

    def test_undo_already_done_by_its_guard_is_rolled_back(self):
        inst = fake_vnf.register_vnf(1)
        op = self.op(inst)
        self.die_at(op, 'snapshot-vnfc-0@before')
        self.thawed_by_its_guard('vm-0')
        got = self.resume(op)
        self.assertEqual(states.ROLLED_BACK, got.operation_state, got.error)
        self.assertVnfAsBefore()

    def test_killed_before_the_thaw_is_rolled_back(self):
        """Every VNFC snapshot was taken, but the conductor died before
        the thaw, inside the group's one capture step: nothing vouches
        for the capture (the thaw guard thawed the VNFC), so the create
        is rolled back."""
        inst = fake_vnf.register_vnf(1)
        op = self.op(inst)
        self.die_at(op, 'unquiesce-vnfc-0@before')
        self.assertEqual(1, len(FakeVim.snapshots))
        self.thawed_by_its_guard('vm-0')
        got = self.resume(op)
        self.assertEqual(states.ROLLED_BACK, got.operation_state, got.error)
        self.assertEqual({}, FakeVim.snapshots)
        self.assertVnfAsBefore()
        self.assertForgotten(op)

    def test_finish_failing_is_rolled_back(self):
        """Every VNFC snapshot was taken, but the resumed run's record
        of the VNF snapshot fails: the create is undone entirely."""
        inst = fake_vnf.register_vnf(1)
        op = self.op(inst)
        self.die_at(op, 'check-cancel-record@before')
        with mock.patch.object(
                create_snapshot.RecordVnfSnapshot, 'save',
                side_effect=exception.Conflict('record refused')):
            got = self.resume(op)
        self.assertEqual(states.ROLLED_BACK, got.operation_state, got.error)
        self.assertIn('finishing the operation failed', got.error['detail'])
        self.assertIn('record refused', got.error['detail'])
        self.assertEqual({}, FakeVim.snapshots)
        info = db_api.get_vnf_snapshot_info(None, op.vnf_snapshot_info_id)
        self.assertIsNone(info.snapshot_id)
        self.assertVnfAsBefore()
        self.assertForgotten(op)

    def test_all_taken_finishes(self):
        inst = fake_vnf.register_vnf(2)
        op = self.op(inst, withMemory=True)
        self.die_at(op, 'check-cancel-record@before')
        got = self.resume(op)
        self.assertEqual(states.COMPLETED, got.operation_state, got.error)
        self.assertIsNone(got.error)
        info = db_api.get_vnf_snapshot_info(None, op.vnf_snapshot_info_id)
        self.assertEqual(2, len(info.vnfc_snapshots))
        self.assertIsNone(info.reservation)
        # The freeze and thaw times survived the crash (as JSON).
        for row in info.vnfc_snapshots:
            self.assertIn('thawed_at', row.vim_details)
        self.assertVnfAsBefore()
        self.assertForgotten(op)

    def test_recorded_then_died_finishes_without_recording_twice(self):
        inst = fake_vnf.register_vnf(1)
        op = self.op(inst)
        self.die_at(op, 'record-vnf-snapshot@after')
        # It recorded, then died before its success was: run it again.
        self.set_steps(lambda name: name == 'record-vnf-snapshot',
                       state='RUNNING')
        recorded = db_api.get_vnf_snapshot_info(None,
                                                op.vnf_snapshot_info_id)
        got = self.resume(op)
        self.assertEqual(states.COMPLETED, got.operation_state, got.error)
        info = db_api.get_vnf_snapshot_info(None, op.vnf_snapshot_info_id)
        self.assertEqual(recorded.snapshot_id, info.snapshot_id)
        self.assertEqual(1, len(info.vnfc_snapshots))

    def test_vnf_wide_pause_rolled_back_unpauses(self):
        inst = fake_vnf.register_vnf(1)
        op = self.op(inst, pauseVnf=True)
        self.die_at(op, 'pause-vnfc-0@after')
        self.assertEqual('paused', FakeVim.guests['vm-0']['state'])
        got = self.resume(op)
        self.assertEqual(states.ROLLED_BACK, got.operation_state, got.error)
        self.assertIn('after step pause-vnfc-0', got.error['detail'])
        self.assertVnfAsBefore()

    def test_vnf_wide_pause_finished_unpauses(self):
        inst = fake_vnf.register_vnf(1)
        op = self.op(inst, pauseVnf=True)
        self.die_at(op, 'unpause-vnfc-0@before')
        got = self.resume(op)
        self.assertEqual(states.COMPLETED, got.operation_state, got.error)
        self.assertVnfAsBefore()

    def test_rebuilt_from_the_persisted_plan_not_the_vim(self):
        """The VIM lost its guest agent through the crash: the flow is
        rebuilt as it was planned (with its thaws)."""
        inst = fake_vnf.register_vnf(1)
        op = self.op(inst)
        self.die_at(op, 'unquiesce-vnfc-0@before')
        FakeVim.caps = vim_base.Capabilities(memory_snapshot=True)
        got = self.resume(op)
        self.assertEqual(states.ROLLED_BACK, got.operation_state, got.error)
        self.assertIn(('unquiesce', 'vm-0'), FakeVim.calls)
        self.assertVnfAsBefore()

    def test_different_steps_are_not_resumed(self):
        inst = fake_vnf.register_vnf(1)
        op = self.op(inst)
        self.die_at(op, 'snapshot-vnfc-0@before')
        real = create_snapshot.build

        def other_release(op, instance, plan=None):
            flow, store = real(op, instance, plan)
            flow.add(common.CheckCancel(name='check-cancel-new'))
            return flow, store

        with mock.patch.object(create_snapshot, 'build', other_release):
            got = self.resume(op)
        self.assertEqual(states.FAILED_TEMP, got.operation_state)
        self.assertIn('cannot be resumed', got.error['detail'])
        self.assertIn('check-cancel-new', got.error['detail'])
        self.assertForgotten(op)

    def test_failed_undo_is_failed_temp(self):
        inst = fake_vnf.register_vnf(1)
        op = self.op(inst)
        self.die_at(op, 'snapshot-vnfc-0@before')
        FakeVim.fail[('unquiesce', 'vm-0')] = 'agent gone'
        got = self.resume(op)
        self.assertEqual(states.FAILED_TEMP, got.operation_state)
        self.assertIn('rolling the operation back failed at: unquiesce '
                      'VNFC vnfc-0', got.error['detail'])
        self.assertForgotten(op)

    def test_interrupted_while_undoing_a_failure_rolls_back(self):
        inst = fake_vnf.register_vnf(1)
        op = self.op(inst)
        self.die_at(op, 'quiesce-vnfc-0@after')
        # Mark it as a run that failed and was undoing when it died (as
        # taskflow records it: every step's intention is to revert).
        self.set_steps(lambda name: name != '_TaskFlow_INJECTOR',
                       intention='REVERT')
        self.set_steps(lambda name: name == 'capture',
                       state='REVERTING')
        got = self.resume(op)
        self.assertEqual(states.ROLLED_BACK, got.operation_state, got.error)
        self.assertVnfAsBefore()


class TestRevertResumed(ResumeTestCase):

    def target(self, inst):
        return fake_vnf.run_create_flow(inst)[1].id

    def test_started_revert_is_finished(self):
        inst = fake_vnf.register_vnf(2)
        target = self.target(inst)
        for guest in FakeVim.guests.values():
            guest['disk']['file'] = 'v1'
        op = self.op(inst, states.REVERT_TO_SNAPSHOT, target,
                     safetySnapshot=True)
        self.die_at(op, 'revert-vnfc-0-revert@after')
        got = self.resume(op)
        self.assertEqual(states.COMPLETED, got.operation_state, got.error)
        self.assertEqual({'v0'}, {g['disk']['file']
                                  for g in FakeVim.guests.values()})
        self.assertIsNotNone(got.safety_vnf_snapshot_info_id)
        self.assertVnfAsBefore()
        self.assertForgotten(op)

    def test_died_in_the_safety_snapshot_rolls_back_and_deletes_it(self):
        inst = fake_vnf.register_vnf(2)
        target = self.target(inst)
        before = dict(FakeVim.snapshots)
        op = self.op(inst, states.REVERT_TO_SNAPSHOT, target,
                     safetySnapshot=True)
        self.die_at(op, 'unquiesce-vnfc-0@before')
        self.assertEqual(len(before) + 2, len(FakeVim.snapshots))
        got = self.resume(op)
        self.assertEqual(states.ROLLED_BACK, got.operation_state, got.error)
        self.assertEqual(before, FakeVim.snapshots)
        self.assertIsNone(got.safety_vnf_snapshot_info_id)
        self.assertNotIn('revert', [c[0] for c in FakeVim.calls])
        self.assertVnfAsBefore()

    def test_recorded_safety_snapshot_is_kept_when_rolled_back(self):
        inst = fake_vnf.register_vnf(1)
        target = self.target(inst)
        op = self.op(inst, states.REVERT_TO_SNAPSHOT, target,
                     safetySnapshot=True)
        self.die_at(op, 'record-safety-snapshot@after')
        got = self.resume(op)
        self.assertEqual(states.ROLLED_BACK, got.operation_state, got.error)
        safety = db_api.get_vnf_snapshot_info(
            None, got.safety_vnf_snapshot_info_id)
        handle = safety.vnfc_snapshots[0].compute_snapshot_resource[
            'resourceId']
        self.assertIn(handle, FakeVim.snapshots)
        self.assertNotIn('revert', [c[0] for c in FakeVim.calls])


class TestModifyResumed(ResumeTestCase):

    def test_applied_is_finished(self):
        inst = fake_vnf.register_vnf(1)
        op = db_utils.make_op(inst.id, None, project=inst.project_id,
                              operation=states.MODIFY_INFO,
                              operation_params={'vnfInstanceName': 'new'})
        op = db_api.transition_op_occ(op.id, (states.STARTING,),
                                      states.PROCESSING, host='cond-1')
        self.die_at(op, 'apply-modifications@after')
        got = self.resume(op)
        self.assertEqual(states.COMPLETED, got.operation_state, got.error)
        self.assertEqual('new', db_api.get_vnf_instance(
            None, inst.id).vnf_instance_name)


class TestEngineLoad(base.TestCase):

    def test_store_is_json(self):
        """The store of a create survives the database (no model)."""
        inst = fake_vnf.register_vnf(1)
        info = db_utils.make_info()
        op = db_utils.make_op(inst.id, info.id)
        flow, store = create_snapshot.build(op, inst)
        persisted = persistence.new_flow_detail(op.id, flow.name)
        engine = engines.load(flow, store=store, backend=persisted[0],
                              book=persisted[1], flow_detail=persisted[2])
        engine.compile()
        engine.prepare()
        loaded = persistence.load_flow_detail(op.id)
        self.assertEqual(store, persistence.stored(loaded[2]))
