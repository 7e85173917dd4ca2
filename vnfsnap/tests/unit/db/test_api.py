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

"""vnfsnap.db.api: resources, reservations and op-state transitions."""

import datetime
import threading

from oslo_utils import timeutils
import sqlalchemy as sa

from vnfsnap.common import exception
from vnfsnap.common import states
from vnfsnap.db import api as db_api
from vnfsnap.db import models
from vnfsnap.tests import base
from vnfsnap.tests.fixtures import database as db_utils

PROJECT = db_utils.PROJECT
OTHER = 'p2'


def count(model):
    with db_api.get_engine().connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(
            model)).scalar()


class TestVnfInstances(base.TestCase):

    def test_create_get(self):
        inst = db_utils.make_instance(
            vnfd={'a': 1}, vim_connection_info={'v': {'vimType': 't'}})
        got = db_api.get_vnf_instance(PROJECT, inst.id)
        self.assertEqual(inst.id, got.id)
        self.assertEqual({'a': 1}, got.vnfd)
        self.assertEqual({'v': {'vimType': 't'}}, got.vim_connection_info)
        self.assertIsNone(got.reservation)
        self.assertIsNotNone(got.created_at)
        self.assertIsNotNone(got.updated_at)
        # No project: the service's own view sees everything.
        self.assertEqual(inst.id, db_api.get_vnf_instance(None, inst.id).id)

    def test_get_other_project_not_found(self):
        inst = db_utils.make_instance()
        self.assertRaises(exception.VnfInstanceNotFound,
                          db_api.get_vnf_instance, OTHER, inst.id)

    def test_get_missing(self):
        self.assertRaises(exception.VnfInstanceNotFound,
                          db_api.get_vnf_instance, PROJECT, 'nope')

    def test_list_ordered_and_scoped(self):
        t0 = datetime.datetime(2026, 1, 1)
        a = db_utils.make_instance(id='b-later', created_at=t0 +
                                   datetime.timedelta(seconds=2))
        b = db_utils.make_instance(id='z-first', created_at=t0)
        c = db_utils.make_instance(id='a-first', created_at=t0)
        db_utils.make_instance(project=OTHER)
        self.assertEqual([c.id, b.id, a.id],
                         [i.id for i in db_api.list_vnf_instances(PROJECT)])
        self.assertEqual(4, len(db_api.list_vnf_instances(None)))
        self.assertEqual([], db_api.list_vnf_instances('nobody'))

    def test_update(self):
        inst = db_utils.make_instance()
        before = db_api.get_vnf_instance(None, inst.id).updated_at
        db_api.update_vnf_instance(inst.id, {'vnf_instance_name': 'new'})
        got = db_api.get_vnf_instance(None, inst.id)
        self.assertEqual('new', got.vnf_instance_name)
        self.assertGreaterEqual(got.updated_at, before)

    def test_delete(self):
        inst = db_utils.make_instance()
        db_api.delete_vnf_instance(PROJECT, inst.id)
        self.assertRaises(exception.VnfInstanceNotFound,
                          db_api.get_vnf_instance, None, inst.id)

    def test_delete_other_project_not_found(self):
        inst = db_utils.make_instance()
        self.assertRaises(exception.VnfInstanceNotFound,
                          db_api.delete_vnf_instance, OTHER, inst.id)
        db_api.get_vnf_instance(PROJECT, inst.id)

    def test_delete_missing(self):
        self.assertRaises(exception.VnfInstanceNotFound,
                          db_api.delete_vnf_instance, PROJECT, 'nope')

    def test_delete_refused_while_reserved(self):
        inst = db_utils.make_instance()
        info = db_utils.make_info()
        op = db_utils.make_op(inst.id, info.id)
        e = self.assertRaises(exception.VnfInstanceBusy,
                              db_api.delete_vnf_instance, PROJECT, inst.id)
        self.assertIn(op.id, e.message)
        self.assertEqual(op.id,
                         db_api.get_vnf_instance(None, inst.id).reservation)
        # Released by a final state, then deletable.
        db_api.transition_op_occ(op.id, (states.STARTING,), states.FAILED)
        db_api.delete_vnf_instance(PROJECT, inst.id)


class TestVnfSnapshotInfos(base.TestCase):

    def test_create_empty(self):
        info = db_utils.make_info()
        got = db_api.get_vnf_snapshot_info(PROJECT, info.id)
        self.assertIsNone(got.snapshot_id)
        self.assertEqual([], got.vnfc_snapshots)
        self.assertIsNone(got.reservation)

    def test_create_filled_keeps_vnfc_order(self):
        vnfcs = db_utils.vnfc_values(3)
        vnfcs.reverse()   # c2, c1, c0: position, not id, sets the order
        info = db_utils.make_info(vnfc_snapshots=vnfcs, snapshot_id='s1')
        got = db_api.get_vnf_snapshot_info(PROJECT, info.id)
        self.assertEqual(['c2', 'c1', 'c0'],
                         [r.id for r in got.vnfc_snapshots])
        self.assertEqual([0, 1, 2], [r.position for r in got.vnfc_snapshots])
        self.assertEqual({'resourceId': 'h2'},
                         got.vnfc_snapshots[0].compute_snapshot_resource)

    def test_get_other_project_not_found(self):
        info = db_utils.make_info()
        self.assertRaises(exception.VnfSnapshotInfoNotFound,
                          db_api.get_vnf_snapshot_info, OTHER, info.id)

    def test_list_ordered_and_scoped(self):
        t0 = datetime.datetime(2026, 1, 1)
        a = db_utils.make_info(id='b', created_at=t0 + datetime.timedelta(1))
        b = db_utils.make_info(id='c', created_at=t0)
        c = db_utils.make_info(id='a', created_at=t0)
        db_utils.make_info(project=OTHER)
        self.assertEqual([c.id, b.id, a.id], [
            i.id for i in db_api.list_vnf_snapshot_infos(PROJECT)])
        self.assertEqual(4, len(db_api.list_vnf_snapshot_infos(None)))

    def test_update_values_and_vnfcs(self):
        info = db_utils.make_info(vnfc_snapshots=db_utils.vnfc_values(2))
        got = db_api.update_vnf_snapshot_info(
            PROJECT, info.id, {'vnf_snapshot_pkg_id': 'pkg'},
            vnfc_snapshots=db_utils.vnfc_values(1, prefix='n'))
        self.assertEqual('pkg', got.vnf_snapshot_pkg_id)
        self.assertEqual(['n0'], [r.id for r in got.vnfc_snapshots])
        self.assertEqual(1, count(models.VnfcSnapshot))

    def test_update_keeps_vnfcs_when_none_given(self):
        info = db_utils.make_info(vnfc_snapshots=db_utils.vnfc_values(2))
        got = db_api.update_vnf_snapshot_info(
            PROJECT, info.id, {'vnf_snapshot_pkg_id': 'pkg'})
        self.assertEqual(['c0', 'c1'], [r.id for r in got.vnfc_snapshots])

    def test_update_other_project_not_found(self):
        info = db_utils.make_info()
        self.assertRaises(exception.VnfSnapshotInfoNotFound,
                          db_api.update_vnf_snapshot_info, OTHER, info.id,
                          {'vnf_snapshot_pkg_id': 'x'})
        self.assertIsNone(
            db_api.get_vnf_snapshot_info(None, info.id).vnf_snapshot_pkg_id)

    def test_update_only_if_empty(self):
        info = db_utils.make_info(snapshot_id='s1',
                                  vnfc_snapshots=db_utils.vnfc_values(1))
        self.assertRaises(exception.VnfSnapshotAlreadyFilled,
                          db_api.update_vnf_snapshot_info, PROJECT, info.id,
                          {'snapshot_id': 's2'},
                          vnfc_snapshots=db_utils.vnfc_values(2, prefix='x'),
                          only_if_empty=True)
        got = db_api.get_vnf_snapshot_info(None, info.id)
        self.assertEqual('s1', got.snapshot_id)
        self.assertEqual(['c0'], [r.id for r in got.vnfc_snapshots])
        # Without the condition, a filled resource can still be changed.
        got = db_api.update_vnf_snapshot_info(
            PROJECT, info.id, {'vnf_snapshot_pkg_id': 'pkg'})
        self.assertEqual('pkg', got.vnf_snapshot_pkg_id)

    def test_update_only_if_unreserved(self):
        inst = db_utils.make_instance()
        info = db_utils.make_info()
        op = db_utils.make_op(inst.id, info.id)
        e = self.assertRaises(exception.VnfSnapshotInUse,
                              db_api.update_vnf_snapshot_info, PROJECT,
                              info.id, {'vnf_snapshot_pkg_id': 'x'})
        self.assertIn(op.id, e.message)
        self.assertIsNone(
            db_api.get_vnf_snapshot_info(None, info.id).vnf_snapshot_pkg_id)
        # The owning operation may fill it (only_if_unreserved=False).
        got = db_api.update_vnf_snapshot_info(
            None, info.id, {'snapshot_id': 's1'},
            vnfc_snapshots=db_utils.vnfc_values(1), only_if_unreserved=False,
            only_if_empty=True)
        self.assertEqual('s1', got.snapshot_id)
        self.assertEqual(op.id, got.reservation)

    def test_delete_cascades_vnfc_snapshots(self):
        info = db_utils.make_info(vnfc_snapshots=db_utils.vnfc_values(3))
        keep = db_utils.make_info(vnfc_snapshots=db_utils.vnfc_values(2))
        self.assertEqual(5, count(models.VnfcSnapshot))
        db_api.delete_vnf_snapshot_info(PROJECT, info.id)
        self.assertRaises(exception.VnfSnapshotInfoNotFound,
                          db_api.get_vnf_snapshot_info, None, info.id)
        self.assertEqual(2, count(models.VnfcSnapshot))
        self.assertEqual(2, len(db_api.get_vnf_snapshot_info(
            None, keep.id).vnfc_snapshots))

    def test_fk_cascade_in_schema(self):
        # The schema itself cascades (not only the ORM relationship).
        info = db_utils.make_info(vnfc_snapshots=db_utils.vnfc_values(2))
        with db_api.get_engine().begin() as conn:
            conn.execute(sa.delete(models.VnfSnapshotInfo).where(
                models.VnfSnapshotInfo.id == info.id))
        self.assertEqual(0, count(models.VnfcSnapshot))

    def test_delete_other_project_not_found(self):
        info = db_utils.make_info()
        self.assertRaises(exception.VnfSnapshotInfoNotFound,
                          db_api.delete_vnf_snapshot_info, OTHER, info.id)
        db_api.get_vnf_snapshot_info(None, info.id)

    def test_delete_refused_while_reserved(self):
        inst = db_utils.make_instance()
        info = db_utils.make_info(vnfc_snapshots=db_utils.vnfc_values(1),
                                  snapshot_id='s')
        op = db_utils.make_op(inst.id, info.id,
                              operation=states.REVERT_TO_SNAPSHOT)
        e = self.assertRaises(exception.VnfSnapshotInUse,
                              db_api.delete_vnf_snapshot_info, PROJECT,
                              info.id)
        self.assertIn(op.id, e.message)
        self.assertEqual(1, count(models.VnfcSnapshot))
        db_api.transition_op_occ(op.id, (states.STARTING,),
                                 states.ROLLED_BACK)
        db_api.delete_vnf_snapshot_info(PROJECT, info.id)
        self.assertEqual(0, count(models.VnfcSnapshot))

    def test_reserve_for_deletion(self):
        inst = db_utils.make_instance()
        info = db_utils.make_info()
        db_api.reserve_vnf_snapshot_info(PROJECT, info.id, 'deleter')
        # Nobody else may take or change it meanwhile...
        self.assertRaises(exception.VnfSnapshotInUse, db_utils.make_op,
                          inst.id, info.id)
        self.assertIsNone(db_api.get_vnf_instance(None, inst.id).reservation)
        self.assertRaises(exception.VnfSnapshotInUse,
                          db_api.reserve_vnf_snapshot_info, PROJECT,
                          info.id, 'other')
        self.assertRaises(exception.VnfSnapshotInUse,
                          db_api.delete_vnf_snapshot_info, PROJECT, info.id)
        # ...but the holder can release it, or delete it.
        db_api.release_vnf_snapshot_info(info.id, 'deleter')
        self.assertIsNone(
            db_api.get_vnf_snapshot_info(None, info.id).reservation)
        db_api.reserve_vnf_snapshot_info(PROJECT, info.id, 'deleter')
        db_api.delete_vnf_snapshot_info(PROJECT, info.id,
                                        reservation='deleter')
        self.assertRaises(exception.VnfSnapshotInfoNotFound,
                          db_api.get_vnf_snapshot_info, None, info.id)

    def test_reserve_other_project_not_found(self):
        info = db_utils.make_info()
        self.assertRaises(exception.VnfSnapshotInfoNotFound,
                          db_api.reserve_vnf_snapshot_info, OTHER, info.id,
                          'x')
        self.assertIsNone(
            db_api.get_vnf_snapshot_info(None, info.id).reservation)


class TestCreateOpOcc(base.TestCase):

    def setUp(self):
        super().setUp()
        self.inst = db_utils.make_instance()
        self.info = db_utils.make_info()

    def test_reserves_instance_and_snapshot(self):
        op = db_utils.make_op(self.inst.id, self.info.id)
        got = db_api.get_op_occ(PROJECT, op.id)
        self.assertEqual(states.STARTING, got.operation_state)
        self.assertIsNone(got.host)
        self.assertFalse(got.is_cancel_pending)
        self.assertIsNone(got.error)
        self.assertIsNotNone(got.start_time)
        self.assertEqual(got.start_time, got.state_entered_time)
        self.assertEqual(op.id,
                         db_api.get_vnf_instance(None, self.inst.id)
                         .reservation)
        self.assertEqual(op.id,
                         db_api.get_vnf_snapshot_info(None, self.info.id)
                         .reservation)

    def test_without_snapshot(self):
        op = db_utils.make_op(self.inst.id, None)
        self.assertEqual(op.id, db_api.get_vnf_instance(
            None, self.inst.id).reservation)
        self.assertIsNone(db_api.get_vnf_snapshot_info(
            None, self.info.id).reservation)

    def test_second_op_on_instance_busy(self):
        first = db_utils.make_op(self.inst.id, self.info.id)
        other_info = db_utils.make_info()
        e = self.assertRaises(exception.VnfInstanceBusy, db_utils.make_op,
                              self.inst.id, other_info.id)
        self.assertIn(first.id, e.message)
        self.assertEqual(1, count(models.VnfLcmOpOcc))
        self.assertEqual(first.id, db_api.get_vnf_instance(
            None, self.inst.id).reservation)
        self.assertEqual(first.id, db_api.get_vnf_snapshot_info(
            None, self.info.id).reservation)
        self.assertIsNone(db_api.get_vnf_snapshot_info(
            None, other_info.id).reservation)

    def test_snapshot_in_use_rolls_back_instance_reservation(self):
        first = db_utils.make_op(self.inst.id, self.info.id)
        inst2 = db_utils.make_instance()
        e = self.assertRaises(exception.VnfSnapshotInUse, db_utils.make_op,
                              inst2.id, self.info.id)
        self.assertIn(first.id, e.message)
        self.assertIsNone(db_api.get_vnf_instance(None, inst2.id)
                          .reservation)
        self.assertEqual(1, count(models.VnfLcmOpOcc))
        self.assertEqual(first.id, db_api.get_vnf_snapshot_info(
            None, self.info.id).reservation)
        # The second instance really is free: it can run something else.
        db_utils.make_op(inst2.id, db_utils.make_info().id)

    def test_missing_instance(self):
        self.assertRaises(exception.VnfInstanceNotFound, db_utils.make_op,
                          'nope', self.info.id)
        self.assertEqual(0, count(models.VnfLcmOpOcc))
        self.assertIsNone(db_api.get_vnf_snapshot_info(
            None, self.info.id).reservation)

    def test_missing_snapshot_rolls_back(self):
        self.assertRaises(exception.VnfSnapshotInfoNotFound, db_utils.make_op,
                          self.inst.id, 'nope')
        self.assertEqual(0, count(models.VnfLcmOpOcc))
        self.assertIsNone(db_api.get_vnf_instance(
            None, self.inst.id).reservation)

    def test_get_list_scoped(self):
        op = db_utils.make_op(self.inst.id, self.info.id)
        self.assertRaises(exception.VnfLcmOpOccNotFound, db_api.get_op_occ,
                          OTHER, op.id)
        self.assertRaises(exception.VnfLcmOpOccNotFound, db_api.get_op_occ,
                          PROJECT, 'nope')
        inst2 = db_utils.make_instance(project=OTHER)
        op2 = db_utils.make_op(inst2.id, None, project=OTHER)
        self.assertEqual([op.id],
                         [o.id for o in db_api.list_op_occs(PROJECT)])
        self.assertEqual([op2.id],
                         [o.id for o in db_api.list_op_occs(OTHER)])
        self.assertEqual(2, len(db_api.list_op_occs(None)))

    def test_list_filters_and_order(self):
        t0 = datetime.datetime(2026, 1, 1)
        ops = []
        for i in range(3):
            inst = db_utils.make_instance()
            ops.append(db_utils.make_op(inst.id, None, created_at=t0 +
                                        datetime.timedelta(seconds=3 - i)))
        db_api.transition_op_occ(ops[0].id, (states.STARTING,),
                                 states.PROCESSING, host='h1')
        db_api.transition_op_occ(ops[1].id, (states.STARTING,),
                                 states.PROCESSING, host='h2')
        self.assertEqual([ops[2].id, ops[1].id, ops[0].id],
                         [o.id for o in db_api.list_op_occs(None)])
        self.assertEqual([ops[1].id, ops[0].id], [
            o.id for o in db_api.list_op_occs(
                None, states_in=(states.PROCESSING,))])
        self.assertEqual([ops[0].id], [o.id for o in db_api.list_op_occs(
            None, states_in=(states.PROCESSING,), host='h1')])
        self.assertEqual([], db_api.list_op_occs(
            None, states_in=(states.COMPLETED,)))

    def test_update_op_occ(self):
        op = db_utils.make_op(self.inst.id, self.info.id)
        db_api.update_op_occ(op.id, error={'status': 500, 'detail': 'x'})
        got = db_api.get_op_occ(None, op.id)
        self.assertEqual({'status': 500, 'detail': 'x'}, got.error)
        self.assertEqual(states.STARTING, got.operation_state)


class TestTransitions(base.TestCase):

    def setUp(self):
        super().setUp()
        self.inst = db_utils.make_instance()
        self.info = db_utils.make_info()
        self.op = db_utils.make_op(self.inst.id, self.info.id)

    def _reservations(self):
        return (db_api.get_vnf_instance(None, self.inst.id).reservation,
                db_api.get_vnf_snapshot_info(None, self.info.id).reservation)

    def test_transition(self):
        before = db_api.get_op_occ(None, self.op.id)
        got = db_api.transition_op_occ(self.op.id, (states.STARTING,),
                                       states.PROCESSING, host='h')
        self.assertEqual(states.PROCESSING, got.operation_state)
        self.assertEqual('h', got.host)
        self.assertGreaterEqual(got.state_entered_time,
                                before.state_entered_time)
        self.assertEqual(before.start_time, got.start_time)

    def test_wrong_source_state(self):
        e = self.assertRaises(exception.InvalidOpOccState,
                              db_api.transition_op_occ, self.op.id,
                              (states.FAILED_TEMP,), states.PROCESSING,
                              task='retry', host='h')
        self.assertIn('retry', e.message)
        self.assertIn(states.STARTING, e.message)
        got = db_api.get_op_occ(None, self.op.id)
        self.assertEqual(states.STARTING, got.operation_state)
        self.assertIsNone(got.host)

    def test_missing(self):
        self.assertRaises(exception.VnfLcmOpOccNotFound,
                          db_api.transition_op_occ, 'nope',
                          (states.STARTING,), states.PROCESSING)

    def test_project_scoped(self):
        self.assertRaises(exception.VnfLcmOpOccNotFound,
                          db_api.transition_op_occ, self.op.id,
                          (states.STARTING,), states.PROCESSING,
                          project_id=OTHER)
        self.assertEqual(states.STARTING, db_api.get_op_occ(
            None, self.op.id).operation_state)

    def test_claim_only_one_wins(self):
        db_api.transition_op_occ(self.op.id, (states.STARTING,),
                                 states.STARTING, expect_host=None,
                                 host='a')
        self.assertRaises(exception.InvalidOpOccState,
                          db_api.transition_op_occ, self.op.id,
                          (states.STARTING,), states.STARTING,
                          expect_host=None, host='b')
        self.assertEqual('a', db_api.get_op_occ(None, self.op.id).host)

    def test_expect_named_host(self):
        db_api.transition_op_occ(self.op.id, (states.STARTING,),
                                 states.PROCESSING, host='a')
        self.assertRaises(exception.InvalidOpOccState,
                          db_api.transition_op_occ, self.op.id,
                          (states.PROCESSING,), states.COMPLETED,
                          expect_host='b')
        self.assertEqual(states.PROCESSING, db_api.get_op_occ(
            None, self.op.id).operation_state)
        db_api.transition_op_occ(self.op.id, (states.PROCESSING,),
                                 states.COMPLETED, expect_host='a')

    def test_final_states_release(self):
        for final in (states.COMPLETED, states.FAILED, states.ROLLED_BACK):
            inst = db_utils.make_instance()
            info = db_utils.make_info()
            op = db_utils.make_op(inst.id, info.id)
            other = db_utils.make_op(db_utils.make_instance().id,
                                     db_utils.make_info().id)
            db_api.transition_op_occ(op.id, (states.STARTING,),
                                     states.PROCESSING)
            db_api.transition_op_occ(op.id, (states.PROCESSING,), final)
            self.assertIsNone(db_api.get_vnf_instance(
                None, inst.id).reservation, final)
            self.assertIsNone(db_api.get_vnf_snapshot_info(
                None, info.id).reservation, final)
            # Only its own reservations.
            self.assertEqual(other.id, db_api.get_vnf_instance(
                None, other.vnf_instance_id).reservation)
            self.assertEqual(other.id, db_api.get_vnf_snapshot_info(
                None, other.vnf_snapshot_info_id).reservation)

    def test_failed_temp_keeps_reservations(self):
        db_api.transition_op_occ(self.op.id, (states.STARTING,),
                                 states.PROCESSING)
        db_api.transition_op_occ(self.op.id, (states.PROCESSING,),
                                 states.FAILED_TEMP,
                                 error={'status': 500, 'detail': 'x'})
        self.assertEqual((self.op.id, self.op.id), self._reservations())
        for state in (states.PROCESSING, states.ROLLING_BACK):
            db_api.transition_op_occ(self.op.id, (states.FAILED_TEMP,),
                                     state)
            self.assertEqual((self.op.id, self.op.id),
                             self._reservations())
            db_api.transition_op_occ(self.op.id, (state,),
                                     states.FAILED_TEMP)
        db_api.transition_op_occ(self.op.id, (states.FAILED_TEMP,),
                                 states.FAILED, task='fail')
        self.assertEqual((None, None), self._reservations())
        # A new operation can now take both.
        db_utils.make_op(self.inst.id, self.info.id)

    def test_failed_transition_keeps_reservations(self):
        self.assertRaises(exception.InvalidOpOccState,
                          db_api.transition_op_occ, self.op.id,
                          (states.PROCESSING,), states.COMPLETED)
        self.assertEqual((self.op.id, self.op.id), self._reservations())

    def test_request_cancel(self):
        for state in (states.STARTING, states.PROCESSING,
                      states.ROLLING_BACK):
            op = db_utils.make_op(db_utils.make_instance().id, None)
            if state != states.STARTING:
                db_api.transition_op_occ(op.id, (states.STARTING,), state)
            got = db_api.request_cancel(PROJECT, op.id, states.GRACEFUL)
            self.assertTrue(got.is_cancel_pending, state)
            self.assertEqual(states.GRACEFUL, got.cancel_mode)
            self.assertEqual(state, got.operation_state)

    def test_request_cancel_refused(self):
        for state in (states.FAILED_TEMP, states.COMPLETED, states.FAILED,
                      states.ROLLED_BACK):
            op = db_utils.make_op(db_utils.make_instance().id, None)
            db_api.transition_op_occ(op.id, (states.STARTING,), state)
            e = self.assertRaises(exception.InvalidOpOccState,
                                  db_api.request_cancel, PROJECT, op.id,
                                  states.FORCEFUL)
            self.assertIn(state, e.message)
            got = db_api.get_op_occ(None, op.id)
            self.assertFalse(got.is_cancel_pending)
            self.assertIsNone(got.cancel_mode)

    def test_request_cancel_other_project(self):
        self.assertRaises(exception.VnfLcmOpOccNotFound,
                          db_api.request_cancel, OTHER, self.op.id,
                          states.GRACEFUL)
        self.assertFalse(db_api.get_op_occ(None,
                                           self.op.id).is_cancel_pending)


class TestConcurrentClaims(base.TestCase):
    """Two writers on one file-based SQLite database: exactly one wins."""

    def _race(self, n, func):
        barrier = threading.Barrier(n)
        results = [None] * n

        def worker(i):
            barrier.wait()
            try:
                func(i)
                results[i] = 'won'
            except exception.VnfsnapException as e:
                results[i] = e
            except Exception as e:   # a database error is a failure
                results[i] = ('error', e)

        threads = [threading.Thread(target=worker, args=(i,))
                   for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        return results

    def test_claim_race(self):
        for _ in range(5):
            op = db_utils.make_op(db_utils.make_instance().id, None)
            results = self._race(4, lambda i, op=op: (
                db_api.transition_op_occ(
                    op.id, (states.STARTING,), states.PROCESSING,
                    task='claim', expect_host=None, host='host-%d' % i)))
            winners = [i for i, r in enumerate(results) if r == 'won']
            self.assertEqual(1, len(winners), results)
            for i, r in enumerate(results):
                if i not in winners:
                    self.assertIsInstance(r, exception.InvalidOpOccState)
            self.assertEqual('host-%d' % winners[0],
                             db_api.get_op_occ(None, op.id).host)

    def test_reservation_race(self):
        inst = db_utils.make_instance()
        infos = [db_utils.make_info() for _ in range(4)]
        results = self._race(
            4, lambda i: db_utils.make_op(inst.id, infos[i].id))
        winners = [i for i, r in enumerate(results) if r == 'won']
        self.assertEqual(1, len(winners), results)
        for i, r in enumerate(results):
            if i not in winners:
                self.assertIsInstance(r, exception.VnfInstanceBusy)
        self.assertEqual(1, count(models.VnfLcmOpOcc))
        reserved = [i.id for i in db_api.list_vnf_snapshot_infos(None)
                    if i.reservation]
        self.assertEqual([infos[winners[0]].id], reserved)

    def test_delete_versus_reservation_race(self):
        for _ in range(5):
            inst = db_utils.make_instance()
            info = db_utils.make_info(vnfc_snapshots=db_utils.vnfc_values(1))

            def act(i, inst=inst, info=info):
                if i == 0:
                    db_utils.make_op(inst.id, info.id)
                else:
                    db_api.delete_vnf_snapshot_info(PROJECT, info.id)

            results = self._race(2, act)
            self.assertNotIn('error', [r[0] for r in results
                                       if isinstance(r, tuple)], results)
            ops = db_api.list_op_occs(None, states_in=(states.STARTING,))
            if results[0] == 'won':
                # The operation owns a snapshot that still exists.
                self.assertIsInstance(results[1], exception.VnfSnapshotInUse)
                got = db_api.get_vnf_snapshot_info(None, info.id)
                self.assertEqual(ops[-1].id, got.reservation)
                self.assertEqual(1, len(got.vnfc_snapshots))
                db_api.transition_op_occ(ops[-1].id, (states.STARTING,),
                                         states.FAILED)
            else:
                self.assertEqual('won', results[1])
                self.assertIsInstance(results[0],
                                      exception.VnfSnapshotInfoNotFound)
                self.assertIsNone(db_api.get_vnf_instance(
                    None, inst.id).reservation)


class TestTimestamps(base.TestCase):

    def test_updated_at_moves(self):
        inst = db_utils.make_instance()
        later = timeutils.utcnow() + datetime.timedelta(hours=1)
        timeutils.set_time_override(later)
        self.addCleanup(timeutils.clear_time_override)
        db_api.update_vnf_instance(inst.id, {'vnf_instance_name': 'x'})
        self.assertEqual(later,
                         db_api.get_vnf_instance(None, inst.id).updated_at)
