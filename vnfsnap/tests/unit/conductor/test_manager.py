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

"""The conductor manager driven directly: runs, failures, recovery."""

import time
from unittest import mock

import oslo_messaging as messaging
from oslo_utils import uuidutils

from vnfsnap.common import context
from vnfsnap.common import exception
from vnfsnap.common import states
from vnfsnap.common import views
from vnfsnap.conductor import manager
from vnfsnap.conductor.flows import common as flows_common
from vnfsnap.db import api as db_api
from vnfsnap.tests import base
from vnfsnap.tests.fixtures import database as db_utils
from vnfsnap.tests.fixtures import fake_vim
from vnfsnap.tests.fixtures import fake_vnf

PROJECT = db_utils.PROJECT
FakeVim = fake_vim.FakeVim


class ManagerTestCase(base.TestCase):

    HOST = 'cond-1'

    def setUp(self):
        super().setUp()
        self.ctx = context.get_admin_context()
        self.manager = self.start_manager(self.HOST)

    def start_manager(self, host):
        mgr = manager.ConductorManager(host)
        mgr.init_host()
        self.addCleanup(mgr.stop)
        return mgr

    def new_op(self, inst, info_id=None, operation=states.CREATE_SNAPSHOT,
               **params):
        if info_id is None:
            info_id = db_utils.make_info(project=inst.project_id).id
        body = {'vnfSnapshotInfoId': info_id}
        if params:
            body['additionalParams'] = params
        return db_utils.make_op(inst.id, info_id, project=inst.project_id,
                                operation=operation, operation_params=body)

    def run_op(self, inst, info_id=None, operation=states.CREATE_SNAPSHOT,
               **params):
        op = self.new_op(inst, info_id, operation, **params)
        self.manager.run_lcm_op_occ(self.ctx, op.id)
        return self.wait_for_op(op.id)

    def snapshot(self, inst, **params):
        op = self.run_op(inst, **params)
        self.assertEqual(states.COMPLETED, op.operation_state, op.error)
        return op

    def assertReserved(self, op, reserved=True):
        inst = db_api.get_vnf_instance(None, op.vnf_instance_id)
        info = db_api.get_vnf_snapshot_info(None, op.vnf_snapshot_info_id)
        want = op.id if reserved else None
        self.assertEqual(want, inst.reservation)
        self.assertEqual(want, info.reservation)

    def assertThawed(self):
        for rid, guest in FakeVim.guests.items():
            self.assertFalse(guest['frozen'], rid)

    def steps(self, step):
        return [rid for s, rid in FakeVim.calls if s == step]

    def delete_snapshot(self, info_id, ctx=None):
        """The delete_vnf_snapshot endpoint, its exception unwrapped as
        the RPC server does (it is marked as expected)."""
        try:
            return self.manager.delete_vnf_snapshot(ctx or self.ctx,
                                                    info_id)
        except messaging.ExpectedException as e:
            raise e.exc_info[1]


class TestCreateSnapshot(ManagerTestCase):

    def test_completes_and_records(self):
        inst = fake_vnf.register_vnf(3)
        op = self.snapshot(inst, withMemory=True)
        self.assertIsNone(op.error)
        self.assertFalse(op.is_cancel_pending)
        self.assertEqual(self.HOST, op.host)
        self.assertReserved(op, reserved=False)
        info = db_api.get_vnf_snapshot_info(None, op.vnf_snapshot_info_id)
        self.assertIsNotNone(info.snapshot_id)
        self.assertEqual(inst.id, info.taken_from)
        self.assertEqual(inst.id, info.snapshot_vnf_instance_id)
        self.assertEqual('vnfd-1', info.snapshot_vnfd_id)
        self.assertEqual(inst.id, info.snapshot_vnf_instance['id'])
        self.assertIsNotNone(info.snapshot_creation_started_at)
        self.assertLessEqual(info.snapshot_creation_started_at,
                             info.snapshot_creation_finished_at)
        rows = info.vnfc_snapshots
        self.assertEqual(['vnfc-0', 'vnfc-1', 'vnfc-2'],
                         [r.vnfc_resource_info_id for r in rows])
        self.assertEqual(3, len({r.id for r in rows}))
        for row in rows:
            self.assertEqual(states.CONSISTENCY_FILESYSTEM,
                             row.consistency_level)
            self.assertTrue(row.memory_captured)
            handle = row.vim_details['handle']
            self.assertEqual(handle,
                             row.compute_snapshot_resource['resourceId'])
            self.assertEqual({'disk': {'file': 'v0'},
                              'memory': {'counter': 0}},
                             FakeVim.snapshots[handle])
            self.assertEqual(1, len(row.storage_snapshot_resources))
            self.assertIsNotNone(row.creation_started_at)
            self.assertIsNotNone(row.creation_finished_at)
        self.assertThawed()

    def test_user_defined_data_recorded(self):
        inst = fake_vnf.register_vnf(1)
        info = db_utils.make_info()
        op = db_utils.make_op(inst.id, info.id, operation_params={
            'vnfSnapshotInfoId': info.id, 'userDefinedData': {'k': 'v'}})
        self.manager.run_lcm_op_occ(self.ctx, op.id)
        self.assertEqual(states.COMPLETED,
                         self.wait_for_op(op.id).operation_state)
        self.assertEqual({'k': 'v'}, db_api.get_vnf_snapshot_info(
            None, info.id).snapshot_user_defined_data)

    def test_freeze_all_then_snapshot_all_then_thaw_all(self):
        inst = fake_vnf.register_vnf(3)
        self.snapshot(inst)
        steps = [s for s, _ in FakeVim.calls]
        self.assertEqual(['quiesce'] * 3 + ['create'] * 3
                         + ['unquiesce'] * 3, steps)
        for step in ('quiesce', 'create', 'unquiesce'):
            self.assertEqual({'vm-0', 'vm-1', 'vm-2'},
                             set(self.steps(step)))

    def test_without_memory(self):
        inst = fake_vnf.register_vnf(2)
        op = self.snapshot(inst)
        info = db_api.get_vnf_snapshot_info(None, op.vnf_snapshot_info_id)
        for row in info.vnfc_snapshots:
            self.assertFalse(row.memory_captured)
            self.assertIsNone(
                FakeVim.snapshots[row.vim_details['handle']]['memory'])

    def test_quiesce_false_is_crash_consistent(self):
        inst = fake_vnf.register_vnf(2)
        op = self.snapshot(inst, quiesce=False)
        self.assertEqual([], self.steps('quiesce'))
        self.assertEqual([], self.steps('unquiesce'))
        info = db_api.get_vnf_snapshot_info(None, op.vnf_snapshot_info_id)
        self.assertEqual([states.CONSISTENCY_CRASH] * 2,
                         [r.consistency_level for r in info.vnfc_snapshots])

    def test_default_quiesce_follows_capability(self):
        FakeVim.caps = FakeVim.caps.__class__(memory_snapshot=True)
        inst = fake_vnf.register_vnf(2)
        op = self.snapshot(inst)
        self.assertEqual([], self.steps('quiesce'))
        info = db_api.get_vnf_snapshot_info(None, op.vnf_snapshot_info_id)
        self.assertEqual([states.CONSISTENCY_CRASH] * 2,
                         [r.consistency_level for r in info.vnfc_snapshots])

    def test_one_vnfc_snapshot_fails(self):
        inst = fake_vnf.register_vnf(3)
        FakeVim.fail[('create', 'vm-1')] = 'disk full'
        op = self.run_op(inst)
        self.assertEqual(states.FAILED_TEMP, op.operation_state)
        self.assertEqual(500, op.error['status'])
        self.assertIn('disk full', op.error['detail'])
        self.assertEqual('Internal Server Error', op.error['title'])
        self.assertIsNone(op.host)
        # The snapshots taken for the other VNFCs are gone again.
        self.assertEqual({}, FakeVim.snapshots)
        created = [rid for rid in self.steps('create') if rid != 'vm-1']
        # Discarded by name (the VNFCs back on the very disks they had);
        # the one that failed made nothing, and its discard finds nothing.
        self.assertEqual(len(created) + 1,
                         len(self.steps('discard_snapshot')))
        self.assertEqual([], self.steps('delete'))
        self.assertThawed()
        self.assertEqual({'vm-0', 'vm-1', 'vm-2'},
                         set(self.steps('unquiesce')))
        info = db_api.get_vnf_snapshot_info(None, op.vnf_snapshot_info_id)
        self.assertIsNone(info.snapshot_id)
        self.assertEqual([], info.vnfc_snapshots)
        self.assertReserved(op)

    def test_several_vnfc_snapshots_fail(self):
        inst = fake_vnf.register_vnf(3)
        FakeVim.fail[('create', 'vm-0')] = 'disk full'
        FakeVim.fail[('create', 'vm-2')] = 'disk full'
        op = self.run_op(inst)
        self.assertEqual(states.FAILED_TEMP, op.operation_state)
        # The cause, not taskflow's wrapper of several causes.
        self.assertEqual('VIM operation failed: disk full',
                         op.error['detail'])
        self.assertEqual({}, FakeVim.snapshots)
        self.assertThawed()

    def test_quiesce_fails(self):
        inst = fake_vnf.register_vnf(3)
        FakeVim.fail[('quiesce', 'vm-2')] = 'agent timeout'
        op = self.run_op(inst)
        self.assertEqual(states.FAILED_TEMP, op.operation_state)
        self.assertIn('agent timeout', op.error['detail'])
        self.assertEqual([], self.steps('create'))
        self.assertThawed()
        self.assertEqual(set(self.steps('quiesce')),
                         set(self.steps('unquiesce')))
        self.assertReserved(op)

    def test_thaw_fails_undo_still_completes(self):
        # A thaw that keeps failing must not stop the other undo steps.
        inst = fake_vnf.register_vnf(3)
        FakeVim.fail[('unquiesce', 'vm-0')] = 'agent gone'
        op = self.run_op(inst)
        self.assertEqual(states.FAILED_TEMP, op.operation_state)
        self.assertIn('agent gone', op.error['detail'])
        self.assertEqual({}, FakeVim.snapshots)
        for rid in ('vm-1', 'vm-2'):
            self.assertFalse(FakeVim.guests[rid]['frozen'], rid)
        info = db_api.get_vnf_snapshot_info(None, op.vnf_snapshot_info_id)
        self.assertIsNone(info.snapshot_id)

    def test_undo_delete_fails_guests_still_thawed(self):
        # An undo step failing (the VIM refuses to delete a snapshot) must
        # not leave the VNF frozen, nor hide the cause of the failure.
        inst = fake_vnf.register_vnf(3)
        FakeVim.fail[('create', 'vm-1')] = 'disk full'

        def refuse(driver, snap):
            raise exception.VimError(reason='image locked')

        with mock.patch.object(FakeVim, 'delete_vnfc_snapshot', refuse):
            op = self.run_op(inst)
        self.assertEqual(states.FAILED_TEMP, op.operation_state)
        self.assertIn('disk full', op.error['detail'])
        self.assertThawed()
        self.assertReserved(op)

    def test_memory_capability_missing(self):
        FakeVim.caps = FakeVim.caps.__class__(quiesce=True)
        inst = fake_vnf.register_vnf(2)
        op = self.run_op(inst, withMemory=True)
        self.assertEqual(states.FAILED_TEMP, op.operation_state)
        self.assertEqual(422, op.error['status'])
        self.assertIn('memory', op.error['detail'])
        self.assertEqual([], FakeVim.calls)
        self.assertReserved(op)

    def test_quiesce_capability_missing(self):
        FakeVim.caps = FakeVim.caps.__class__(memory_snapshot=True)
        inst = fake_vnf.register_vnf(2)
        op = self.run_op(inst, quiesce=True)
        self.assertEqual(states.FAILED_TEMP, op.operation_state)
        self.assertEqual(422, op.error['status'])
        self.assertIn('quiesce', op.error['detail'])
        self.assertEqual([], FakeVim.calls)

    def test_unknown_vim_type(self):
        inst = fake_vnf.register_vnf(1, vim_type='NO.SUCH.VIM')
        op = self.run_op(inst)
        self.assertEqual(states.FAILED_TEMP, op.operation_state)
        self.assertEqual(422, op.error['status'])
        self.assertIn('NO.SUCH.VIM', op.error['detail'])
        self.assertIn(fake_vim.VIM_TYPE, op.error['detail'])
        self.assertIn('No VIM driver is installed', op.error['detail'])
        self.assertEqual([], FakeVim.calls)

    def test_no_vnfcs(self):
        inst = db_utils.make_instance(
            vim_connection_info={'vim1': {'vimType': fake_vim.VIM_TYPE}},
            instantiated_vnf_info={'vnfcResourceInfo': []})
        op = self.run_op(inst)
        self.assertEqual(states.FAILED_TEMP, op.operation_state)
        self.assertEqual(422, op.error['status'])

    def test_cancel_while_running(self):
        inst = fake_vnf.register_vnf(2)
        op = self.new_op(inst)
        FakeVim.hooks[('create', 'vm-0')] = lambda: db_api.request_cancel(
            PROJECT, op.id, states.GRACEFUL)
        self.manager.run_lcm_op_occ(self.ctx, op.id)
        op = self.wait_for_op(op.id)
        self.assertEqual(states.FAILED_TEMP, op.operation_state)
        self.assertEqual(409, op.error['status'])
        self.assertIn('cancelled', op.error['detail'])
        self.assertFalse(op.is_cancel_pending)
        self.assertEqual({}, FakeVim.snapshots)
        self.assertThawed()
        info = db_api.get_vnf_snapshot_info(None, op.vnf_snapshot_info_id)
        self.assertIsNone(info.snapshot_id)
        self.assertReserved(op)

    def test_cancel_before_start(self):
        inst = fake_vnf.register_vnf(2)
        op = self.new_op(inst)
        db_api.request_cancel(PROJECT, op.id, states.FORCEFUL)
        self.manager.run_lcm_op_occ(self.ctx, op.id)
        op = self.wait_for_op(op.id)
        self.assertEqual(states.FAILED_TEMP, op.operation_state)
        self.assertFalse(op.is_cancel_pending)
        self.assertEqual([], FakeVim.calls)

    def test_cancel_after_last_check_completes(self):
        # Too late to cancel: the occurrence completes and the flag goes.
        inst = fake_vnf.register_vnf(1)
        op = self.new_op(inst)
        orig = db_api.update_vnf_snapshot_info

        def record(*args, **kwargs):
            db_api.request_cancel(PROJECT, op.id, states.GRACEFUL)
            return orig(*args, **kwargs)

        with mock.patch.object(db_api, 'update_vnf_snapshot_info', record):
            self.manager.run_lcm_op_occ(self.ctx, op.id)
            op = self.wait_for_op(op.id)
        self.assertEqual(states.COMPLETED, op.operation_state)
        self.assertFalse(op.is_cancel_pending)

    def test_retry_after_failure(self):
        inst = fake_vnf.register_vnf(2)
        FakeVim.fail[('create', 'vm-1')] = 'disk full'
        op = self.run_op(inst)
        self.assertEqual(states.FAILED_TEMP, op.operation_state)
        del FakeVim.fail[('create', 'vm-1')]
        # What the API's retry task does.
        db_api.transition_op_occ(op.id, (states.FAILED_TEMP,),
                                 states.PROCESSING, task='retry')
        self.manager.run_lcm_op_occ(self.ctx, op.id)
        op = self.wait_for_op(op.id)
        self.assertEqual(states.COMPLETED, op.operation_state, op.error)
        self.assertIsNone(op.error)
        self.assertReserved(op, reserved=False)
        info = db_api.get_vnf_snapshot_info(None, op.vnf_snapshot_info_id)
        self.assertEqual(2, len(info.vnfc_snapshots))
        self.assertEqual(2, len(FakeVim.snapshots))

    def test_rollback(self):
        inst = fake_vnf.register_vnf(2)
        FakeVim.fail[('create', 'vm-0')] = 'disk full'
        op = self.run_op(inst)
        self.assertEqual(states.FAILED_TEMP, op.operation_state)
        calls = len(FakeVim.calls)
        db_api.transition_op_occ(op.id, (states.FAILED_TEMP,),
                                 states.ROLLING_BACK, task='rollback')
        self.manager.run_lcm_op_occ(self.ctx, op.id)
        op = self.wait_for_op(op.id)
        self.assertEqual(states.ROLLED_BACK, op.operation_state)
        self.assertReserved(op, reserved=False)
        self.assertEqual(calls, len(FakeVim.calls))
        info = db_api.get_vnf_snapshot_info(None, op.vnf_snapshot_info_id)
        self.assertIsNone(info.snapshot_id)
        # Both resources are free for the next operation.
        self.new_op(inst, info.id)

    def test_rollback_cancel_pending(self):
        inst = fake_vnf.register_vnf(1)
        FakeVim.fail[('create', 'vm-0')] = 'disk full'
        op = self.run_op(inst)
        op = db_api.transition_op_occ(op.id, (states.FAILED_TEMP,),
                                      states.ROLLING_BACK)
        db_api.request_cancel(PROJECT, op.id, states.GRACEFUL)
        self.manager.run_lcm_op_occ(self.ctx, op.id)
        op = self.wait_for_op(op.id)
        self.assertEqual(states.FAILED_TEMP, op.operation_state)
        self.assertFalse(op.is_cancel_pending)
        self.assertReserved(op)

    def test_rollback_refused_when_recorded(self):
        inst = fake_vnf.register_vnf(1)
        op = self.new_op(inst)
        db_api.update_vnf_snapshot_info(None, op.vnf_snapshot_info_id,
                                        {'snapshot_id': 's'},
                                        only_if_unreserved=False)
        db_api.transition_op_occ(op.id, (states.STARTING,),
                                 states.ROLLING_BACK)
        self.manager.run_lcm_op_occ(self.ctx, op.id)
        op = self.wait_for_op(op.id)
        self.assertEqual(states.FAILED_TEMP, op.operation_state)
        self.assertEqual(409, op.error['status'])

    def test_two_instances_in_parallel(self):
        ops = []
        for n in range(3):
            inst = fake_vnf.register_vnf(2, prefix='vnf%d' % n)
            op = self.new_op(inst)
            self.manager.run_lcm_op_occ(self.ctx, op.id)
            ops.append(op)
        for op in ops:
            self.assertEqual(states.COMPLETED,
                             self.wait_for_op(op.id).operation_state)
        self.assertEqual(6, len(FakeVim.snapshots))


class TestRevertToSnapshot(ManagerTestCase):

    def _change_guests(self):
        for guest in FakeVim.guests.values():
            guest['disk']['file'] = 'changed'
            guest['memory']['counter'] = 99

    def test_restores_disk_and_memory(self):
        inst = fake_vnf.register_vnf(3)
        created = self.snapshot(inst, withMemory=True)
        self._change_guests()
        op = self.run_op(inst, created.vnf_snapshot_info_id,
                         states.REVERT_TO_SNAPSHOT)
        self.assertEqual(states.COMPLETED, op.operation_state, op.error)
        self.assertReserved(op, reserved=False)
        for guest in FakeVim.guests.values():
            self.assertEqual({'file': 'v0'}, guest['disk'])
            self.assertEqual({'counter': 0}, guest['memory'])
            self.assertFalse(guest['frozen'])
        self.assertEqual({'vm-0', 'vm-1', 'vm-2'},
                         set(self.steps('revert')))
        # The VNF snapshot is kept for the next revert.
        info = db_api.get_vnf_snapshot_info(None,
                                            created.vnf_snapshot_info_id)
        self.assertEqual(3, len(info.vnfc_snapshots))

    def test_vanished_vnfc_fails_before_any_revert(self):
        inst = fake_vnf.register_vnf(3)
        created = self.snapshot(inst, withMemory=True)
        self._change_guests()
        del FakeVim.guests['vm-2']
        op = self.run_op(inst, created.vnf_snapshot_info_id,
                         states.REVERT_TO_SNAPSHOT)
        self.assertEqual(states.FAILED_TEMP, op.operation_state)
        self.assertIn('vm-2', op.error['detail'])
        self.assertEqual([], self.steps('revert'))
        for guest in FakeVim.guests.values():
            self.assertEqual({'file': 'changed'}, guest['disk'])

    def test_state_after_revert_is_passed_on(self):
        inst = fake_vnf.register_vnf(2)
        created = self.snapshot(inst)
        op = self.new_op(inst, created.vnf_snapshot_info_id,
                         states.REVERT_TO_SNAPSHOT,
                         stateAfterRevert='paused')
        self.manager.run_lcm_op_occ(self.ctx, op.id)
        self.assertEqual(states.COMPLETED,
                         self.wait_for_op(op.id).operation_state)
        self.assertEqual({'paused'},
                         {g['state'] for g in FakeVim.guests.values()})

    def test_disk_only_snapshot_keeps_memory(self):
        inst = fake_vnf.register_vnf(1)
        created = self.snapshot(inst)
        self._change_guests()
        op = self.run_op(inst, created.vnf_snapshot_info_id,
                         states.REVERT_TO_SNAPSHOT)
        self.assertEqual(states.COMPLETED, op.operation_state, op.error)
        guest = FakeVim.guests['vm-0']
        self.assertEqual({'file': 'v0'}, guest['disk'])
        self.assertEqual({'counter': 99}, guest['memory'])

    def test_vnfc_no_longer_in_instance(self):
        inst = fake_vnf.register_vnf(2)
        created = self.snapshot(inst)
        vnf_info = dict(inst.instantiated_vnf_info)
        vnf_info['vnfcResourceInfo'] = vnf_info['vnfcResourceInfo'][:1]
        db_api.update_vnf_instance(inst.id,
                                   {'instantiated_vnf_info': vnf_info})
        self._change_guests()
        before = len(FakeVim.calls)
        op = self.run_op(inst, created.vnf_snapshot_info_id,
                         states.REVERT_TO_SNAPSHOT)
        self.assertEqual(states.FAILED_TEMP, op.operation_state)
        self.assertEqual(422, op.error['status'])
        self.assertIn('vnfc-1', op.error['detail'])
        self.assertIn('no longer part', op.error['detail'])
        self.assertEqual(before, len(FakeVim.calls))
        self.assertEqual('changed', FakeVim.guests['vm-0']['disk']['file'])
        self.assertReserved(op)

    def test_empty_snapshot_refused(self):
        inst = fake_vnf.register_vnf(1)
        op = self.run_op(inst, operation=states.REVERT_TO_SNAPSHOT)
        self.assertEqual(states.FAILED_TEMP, op.operation_state)
        self.assertEqual(422, op.error['status'])
        self.assertEqual([], FakeVim.calls)

    def failed_revert(self):
        """A revert whose VIM fails at the second VNFC: FAILED_TEMP."""
        inst = fake_vnf.register_vnf(2)
        created = self.snapshot(inst)
        FakeVim.fail[('revert', 'vm-1')] = 'host down'
        op = self.run_op(inst, created.vnf_snapshot_info_id,
                         states.REVERT_TO_SNAPSHOT)
        self.assertEqual(states.FAILED_TEMP, op.operation_state)
        return op

    def test_vim_revert_fails(self):
        op = self.failed_revert()
        self.assertIn('host down', op.error['detail'])
        self.assertReserved(op)
        del FakeVim.fail[('revert', 'vm-1')]
        db_api.transition_op_occ(op.id, (states.FAILED_TEMP,),
                                 states.PROCESSING, task='retry')
        self.manager.run_lcm_op_occ(self.ctx, op.id)
        self.assertEqual(states.COMPLETED,
                         self.wait_for_op(op.id).operation_state)

    def test_rollback_not_supported(self):
        # The API refuses it (states.NO_ROLLBACK); a conductor given one
        # anyway says so, and leaves the VNF snapshot alone.
        op = self.failed_revert()
        db_api.transition_op_occ(op.id, (states.FAILED_TEMP,),
                                 states.ROLLING_BACK)
        self.manager.run_lcm_op_occ(self.ctx, op.id)
        op = self.wait_for_op(op.id)
        self.assertEqual(states.FAILED_TEMP, op.operation_state)
        self.assertEqual(409, op.error['status'])
        self.assertIn('Rollback of REVERT_TO_SNAPSHOT is not supported',
                      op.error['detail'])
        self.assertReserved(op)
        info = db_api.get_vnf_snapshot_info(None, op.vnf_snapshot_info_id)
        self.assertEqual(2, len(info.vnfc_snapshots))


class TestInitHost(ManagerTestCase):

    def _op_in(self, state, host):
        inst = fake_vnf.register_vnf(1, prefix=uuidutils.generate_uuid()[:8])
        op = self.new_op(inst)
        if state != states.STARTING or host is not None:
            db_api.transition_op_occ(op.id, (states.STARTING,), state,
                                     host=host)
        return db_api.get_op_occ(None, op.id)

    def test_recovery(self):
        self.manager.stop()
        processing = self._op_in(states.PROCESSING, 'cond-2')
        rolling = self._op_in(states.ROLLING_BACK, 'cond-2')
        others = self._op_in(states.PROCESSING, 'cond-3')
        others_rb = self._op_in(states.ROLLING_BACK, 'cond-3')
        waiting = self._op_in(states.STARTING, None)
        retried = self._op_in(states.PROCESSING, None)
        done = self._op_in(states.COMPLETED, 'cond-2')
        failed = self._op_in(states.FAILED_TEMP, None)

        mgr = self.start_manager('cond-2')
        # Its run persisted no progress: nothing to resume from.
        got = self.wait_for_op(processing.id, wanted={states.FAILED_TEMP})
        self.assertIsNone(got.host)
        self.assertEqual(500, got.error['status'])
        self.assertIn('conductor cond-2, running this operation, stopped '
                      'before it finished, and no progress of it was '
                      'recorded; retry', got.error['detail'])
        self.assertReserved(got)
        # A rollback is run again.
        got = self.wait_for_op(rolling.id, wanted={states.ROLLED_BACK})
        self.assertEqual('cond-2', got.host)
        for op in (waiting, retried):
            got = self.wait_for_op(op.id)
            self.assertEqual(states.COMPLETED, got.operation_state,
                             got.error)
            self.assertEqual('cond-2', got.host)
        mgr.stop()
        for op in (others, others_rb, done, failed):
            got = db_api.get_op_occ(None, op.id)
            self.assertEqual(op.operation_state, got.operation_state)
            self.assertEqual(op.host, got.host)
            self.assertEqual(op.state_entered_time, got.state_entered_time)
            self.assertIsNone(got.error)

    def test_two_conductors_start_one_runs(self):
        self.manager.stop()
        ops = [self._op_in(states.STARTING, None) for _ in range(3)]
        first = self.start_manager('cond-a')
        second = self.start_manager('cond-b')
        for op in ops:
            self.assertEqual(states.COMPLETED,
                             self.wait_for_op(op.id).operation_state)
        first.stop()
        second.stop()
        self.assertEqual(3, len(self.steps('create')))


class TestLeftovers(ManagerTestCase):
    """VNFC snapshots a run made before its conductor died."""

    def _interrupted(self, inst):
        """An occurrence whose conductor died after one VNFC snapshot."""
        op = self.new_op(inst)
        db_api.transition_op_occ(op.id, (states.STARTING,), states.FAILED_TEMP)
        vnfc = flows_common.resolve_vnfcs(inst)[0]
        made = FakeVim({}).create_vnfc_snapshot(vnfc, 's', False, False)
        db_api.set_op_vim_resource(op.id, vnfc.id, {
            'compute_snapshot_resource': made.compute_snapshot_resource,
            'vim_details': made.vim_details})
        self.assertEqual(1, len(FakeVim.snapshots))
        return op

    def test_rollback_deletes_them(self):
        op = self._interrupted(fake_vnf.register_vnf(2))
        db_api.transition_op_occ(op.id, (states.FAILED_TEMP,),
                                 states.ROLLING_BACK, host=None)
        self.manager.run_lcm_op_occ(self.ctx, op.id)
        self.assertEqual(states.ROLLED_BACK,
                         self.wait_for_op(op.id).operation_state)
        self.assertEqual({}, FakeVim.snapshots)
        self.assertEqual({}, db_api.list_op_vim_resources(op.id))

    def test_retry_deletes_them_first(self):
        op = self._interrupted(fake_vnf.register_vnf(2))
        db_api.transition_op_occ(op.id, (states.FAILED_TEMP,),
                                 states.PROCESSING, host=None)
        self.manager.run_lcm_op_occ(self.ctx, op.id)
        self.assertEqual(states.COMPLETED,
                         self.wait_for_op(op.id).operation_state)
        # Only the retry's own two VNFC snapshots remain, now owned by the
        # VNF snapshot, not by the occurrence.
        self.assertEqual(2, len(FakeVim.snapshots))
        self.assertEqual({}, db_api.list_op_vim_resources(op.id))

    def test_completed_run_hands_them_over(self):
        op = self.snapshot(fake_vnf.register_vnf(2))
        self.assertEqual({}, db_api.list_op_vim_resources(op.id))
        self.assertEqual(2, len(FakeVim.snapshots))


class TestSweep(ManagerTestCase):
    """Occurrences whose cast was lost are run by the periodic sweep."""

    def test_lost_cast_is_run_by_the_sweep(self):
        self.manager.stop()
        self.conf.config(sweep_interval=1, group='conductor')
        mgr = self.start_manager('cond-sweeper')
        inst = fake_vnf.register_vnf(1)
        op = self.new_op(inst)   # written, never cast
        started = time.monotonic()
        self.assertEqual(states.COMPLETED,
                         self.wait_for_op(op.id).operation_state)
        self.assertGreaterEqual(time.monotonic() - started, 0.5)
        self.assertEqual('cond-sweeper',
                         db_api.get_op_occ(None, op.id).host)
        mgr.stop()

    def test_recent_unclaimed_occurrence_is_left_to_its_cast(self):
        inst = fake_vnf.register_vnf(1)
        op = self.new_op(inst)
        self.manager._sweep(self.ctx, min_age=3600)
        self.assertEqual(states.STARTING,
                         db_api.get_op_occ(None, op.id).operation_state)


class TestDuplicateDelivery(ManagerTestCase):

    def test_redelivered_while_running(self):
        inst = fake_vnf.register_vnf(2)
        op = self.new_op(inst)
        seen = []

        def redeliver():
            # The same message again, while the first run is in its flow:
            # it returns at once, leaving the occurrence to the first run.
            self.manager._run(op.id)
            got = db_api.get_op_occ(None, op.id)
            seen.append((got.operation_state, got.host))

        FakeVim.hooks[('quiesce', 'vm-0')] = redeliver
        self.manager.run_lcm_op_occ(self.ctx, op.id)
        self.assertEqual(states.COMPLETED,
                         self.wait_for_op(op.id).operation_state)
        self.manager.stop()
        self.assertEqual([(states.PROCESSING, self.HOST)], seen)
        self.assertEqual(2, len(self.steps('create')))
        self.assertEqual(2, len(FakeVim.snapshots))

    def test_redelivered_at_once(self):
        inst = fake_vnf.register_vnf(2)
        op = self.new_op(inst)
        for _ in range(4):
            self.manager.run_lcm_op_occ(self.ctx, op.id)
        self.assertEqual(states.COMPLETED,
                         self.wait_for_op(op.id).operation_state)
        self.manager.stop()
        self.assertEqual(2, len(self.steps('create')))

    def test_redelivered_after_completion(self):
        inst = fake_vnf.register_vnf(1)
        op = self.snapshot(inst)
        calls = list(FakeVim.calls)
        self.manager.run_lcm_op_occ(self.ctx, op.id)
        self.manager.stop()
        self.assertEqual(calls, FakeVim.calls)
        self.assertEqual(states.COMPLETED,
                         db_api.get_op_occ(None, op.id).operation_state)

    def test_owned_by_another_conductor(self):
        inst = fake_vnf.register_vnf(1)
        op = self.new_op(inst)
        db_api.transition_op_occ(op.id, (states.STARTING,),
                                 states.PROCESSING, host='elsewhere')
        self.manager.run_lcm_op_occ(self.ctx, op.id)
        self.manager.stop()
        got = db_api.get_op_occ(None, op.id)
        self.assertEqual(states.PROCESSING, got.operation_state)
        self.assertEqual('elsewhere', got.host)
        self.assertEqual([], FakeVim.calls)


class TestDeleteVnfSnapshot(ManagerTestCase):

    def test_deletes_vim_snapshots_then_row(self):
        inst = fake_vnf.register_vnf(2)
        op = self.snapshot(inst)
        info = db_api.get_vnf_snapshot_info(None, op.vnf_snapshot_info_id)
        handles = {r.vim_details['handle'] for r in info.vnfc_snapshots}
        self.delete_snapshot(info.id)
        self.assertEqual(handles, set(self.steps('delete')))
        self.assertEqual({}, FakeVim.snapshots)
        self.assertRaises(exception.VnfSnapshotInfoNotFound,
                          db_api.get_vnf_snapshot_info, None, info.id)

    def test_uses_live_credentials(self):
        inst = fake_vnf.register_vnf(1, access_info={'password': 'secret'})
        op = self.snapshot(inst)
        info = db_api.get_vnf_snapshot_info(None, op.vnf_snapshot_info_id)
        # The copy in the snapshot is the public one...
        self.assertNotIn('accessInfo', info.snapshot_vnf_instance[
            'vimConnectionInfo']['vim1'])
        seen = []
        orig = FakeVim.delete_vnfc_snapshot

        def spy(driver, snap):
            seen.append(driver.vim_connection_info)
            return orig(driver, snap)

        with mock.patch.object(FakeVim, 'delete_vnfc_snapshot', spy):
            self.delete_snapshot(info.id)
        # ...the driver gets the registered connection, credentials too.
        self.assertEqual([{'vimId': 'local', 'vimType': fake_vim.VIM_TYPE,
                           'accessInfo': {'password': 'secret'}}], seen)

    def test_instance_gone_uses_copy(self):
        inst = fake_vnf.register_vnf(1)
        op = self.snapshot(inst)
        db_api.delete_vnf_instance(PROJECT, inst.id)
        self.delete_snapshot(op.vnf_snapshot_info_id)
        self.assertEqual(1, len(self.steps('delete')))
        self.assertEqual({}, FakeVim.snapshots)

    def test_empty_snapshot(self):
        info = db_utils.make_info()
        self.delete_snapshot(info.id)
        self.assertRaises(exception.VnfSnapshotInfoNotFound,
                          db_api.get_vnf_snapshot_info, None, info.id)
        self.assertEqual([], FakeVim.calls)

    def test_refused_while_reserved(self):
        inst = fake_vnf.register_vnf(1)
        created = self.snapshot(inst)
        op = self.new_op(inst, created.vnf_snapshot_info_id,
                         states.REVERT_TO_SNAPSHOT)
        calls = list(FakeVim.calls)
        e = self.assertRaises(exception.VnfSnapshotInUse,
                              self.delete_snapshot,
                              created.vnf_snapshot_info_id)
        self.assertIn(op.id, e.message)
        self.assertEqual(calls, FakeVim.calls)
        self.assertEqual(1, len(FakeVim.snapshots))
        info = db_api.get_vnf_snapshot_info(None,
                                            created.vnf_snapshot_info_id)
        self.assertEqual(op.id, info.reservation)

    def test_no_revert_can_start_while_deleting(self):
        inst = fake_vnf.register_vnf(2)
        created = self.snapshot(inst)
        info_id = created.vnf_snapshot_info_id
        attempts = []

        def try_revert():
            try:
                self.new_op(inst, info_id, states.REVERT_TO_SNAPSHOT)
                attempts.append('started')
            except exception.VnfSnapshotInUse:
                attempts.append('refused')

        handles = list(FakeVim.snapshots)
        FakeVim.hooks[('delete', handles[0])] = try_revert
        self.delete_snapshot(info_id)
        self.assertEqual(['refused'], attempts)
        self.assertIsNone(db_api.get_vnf_instance(None, inst.id).reservation)

    def test_vim_failure_keeps_row_and_releases(self):
        inst = fake_vnf.register_vnf(2)
        created = self.snapshot(inst)
        info_id = created.vnf_snapshot_info_id
        handles = list(FakeVim.snapshots)
        FakeVim.fail[('delete', handles[1])] = 'image busy'
        e = self.assertRaises(exception.VimError,
                              self.delete_snapshot, info_id)
        self.assertIn('image busy', e.message)
        info = db_api.get_vnf_snapshot_info(None, info_id)
        self.assertIsNone(info.reservation)
        self.assertEqual(2, len(info.vnfc_snapshots))
        # Deleting again finishes the job.
        FakeVim.fail.clear()
        self.delete_snapshot(info_id)
        self.assertEqual({}, FakeVim.snapshots)
        self.assertRaises(exception.VnfSnapshotInfoNotFound,
                          db_api.get_vnf_snapshot_info, None, info_id)

    def test_given_snapshot_on_no_known_vim(self):
        # A VnfSnapshot a client gave (package extraction) for a VNF not
        # registered here: no VIM connection resolves its VNFC snapshots.
        info = db_utils.make_info(
            snapshot_id='s', snapshot_vnf_instance_id='elsewhere',
            snapshot_vnf_instance={'id': 'elsewhere'},
            vnfc_snapshots=db_utils.vnfc_values(2))
        self.delete_snapshot(info.id)
        self.assertEqual([], FakeVim.calls)
        self.assertRaises(exception.VnfSnapshotInfoNotFound,
                          db_api.get_vnf_snapshot_info, None, info.id)

    def test_driver_not_installed_keeps_row(self):
        info = db_utils.make_info(
            snapshot_id='s', snapshot_vnf_instance={
                'id': 'elsewhere',
                'vimConnectionInfo': {'v': {'vimType': 'NO.SUCH'}}},
            vnfc_snapshots=db_utils.vnfc_values(1))
        self.assertRaises(exception.VimDriverNotFound,
                          self.delete_snapshot, info.id)
        got = db_api.get_vnf_snapshot_info(None, info.id)
        self.assertIsNone(got.reservation)
        self.assertEqual(1, len(got.vnfc_snapshots))

    def test_other_project(self):
        inst = fake_vnf.register_vnf(1)
        created = self.snapshot(inst)
        ctx = context.RequestContext(project_id='p2', overwrite=False)
        self.assertRaises(exception.VnfSnapshotInfoNotFound,
                          self.delete_snapshot,
                          created.vnf_snapshot_info_id, ctx)
        self.assertEqual(1, len(FakeVim.snapshots))
        self.assertIsNone(db_api.get_vnf_snapshot_info(
            None, created.vnf_snapshot_info_id).reservation)


class TestProblem(base.TestCase):

    def test_vnfsnap_exception(self):
        p = views.problem(exception.VnfSnapshotInUse(id='a', op_id='b'))
        self.assertEqual({'status': 409, 'title': 'Conflict',
                          'detail': exception.VnfSnapshotInUse(
                              id='a', op_id='b').message}, p)

    def test_other_exception(self):
        p = views.problem(KeyError('x'))
        self.assertEqual(500, p['status'])
        self.assertEqual('Internal Server Error', p['title'])
        self.assertIn('KeyError', p['detail'])
