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

"""The flows and their building blocks, run without the manager."""

import functools
import threading
from unittest import mock

import fixtures
from taskflow import exceptions as taskflow_exc
from taskflow import task
from taskflow.patterns import linear_flow
from taskflow.patterns import unordered_flow
from taskflow.types import failure

from vnfsnap import vim
from vnfsnap.common import exception
from vnfsnap.common import states
from vnfsnap.conductor.flows import common
from vnfsnap.conductor.flows import create_snapshot
from vnfsnap.conductor.flows import revert_to_snapshot
from vnfsnap.conductor.flows import vnfc_revert
from vnfsnap.db import api as db_api
from vnfsnap.tests import base
from vnfsnap.tests.fixtures import database as db_utils
from vnfsnap.tests.fixtures import fake_vim
from vnfsnap.tests.fixtures import fake_vnf
from vnfsnap.vim import base as vim_base

FakeVim = fake_vim.FakeVim
NO_QUIESCE_TYPE = 'VNFSNAP.TEST.NOQUIESCE'


class NoQuiesceVim(FakeVim):
    """A second VIM, one without a guest agent."""

    def capabilities(self, vnfc=None):
        return vim_base.Capabilities(memory_snapshot=True)


def _names(flow):
    """Names of the tasks of a flow, depth first, in insertion order."""
    out = []
    for item in flow:
        if isinstance(item, create_snapshot.CaptureGroup):
            # One step; the per-VNFC actions are its fault points.
            out.append((item.name, item.fault_points))
        elif isinstance(item, task.Task):
            out.append(item.name)
        else:
            out.append((item.name, _names(item)))
    return out


def _named(*vnfc_ids):
    """The step that names and records every VNFC snapshot of a capture."""
    return ('name-snapshots', ['name-snapshot-%s' % i for i in vnfc_ids])


def _prepared(*vnfc_ids, group=None):
    """The step that makes ready the undo of the VNFCs' freezes."""
    suffix = '' if group is None else '-group-%d' % group
    return ('prepare-quiesce' + suffix,
            ['prepare-quiesce-%s' % i for i in vnfc_ids])


def _together(named, prepared):
    """The names recorded while the first group's guards are armed
    (nothing interrupts a VNFC before its freeze)."""
    return ('prepare-capture', [named, prepared])


def _captured(*vnfc_ids, quiesced=True, group=None):
    """The one step that freezes, snapshots and thaws a group's VNFCs,
    with the per-VNFC actions (its fault points) in the order they run."""
    suffix = '' if group is None else '-group-%d' % group
    frozen = list(vnfc_ids) if quiesced else []
    return ('capture' + suffix, ['quiesce-%s' % i for i in frozen]
            + ['snapshot-%s' % i for i in vnfc_ids]
            + ['unquiesce-%s' % i for i in frozen])


def _reverted(vnfc_id):
    """The names of a VNFC's revert on a VIM whose revert is one step."""
    return ('revert-%s' % vnfc_id, ['revert-%s-revert' % vnfc_id,
                                    'record-volumes-%s' % vnfc_id])


class TestResolveVnfcs(base.TestCase):

    def test_order_and_storage(self):
        inst = fake_vnf.register_vnf(3)
        vnfcs = common.resolve_vnfcs(inst)
        self.assertEqual(['vnfc-0', 'vnfc-1', 'vnfc-2'],
                         [v.id for v in vnfcs])
        self.assertEqual('vdu1', vnfcs[1].vdu_id)
        self.assertEqual({'vimConnectionId': 'vim1', 'resourceId': 'vm-1'},
                         vnfcs[1].compute_resource)
        self.assertEqual(('vol-1',),
                         tuple(s['id'] for s in vnfcs[1].storage_resources))

    def test_not_instantiated(self):
        inst = db_utils.make_instance(
            instantiation_state=states.NOT_INSTANTIATED)
        self.assertEqual([], common.resolve_vnfcs(inst))

    def test_unknown_storage_reference(self):
        inst = db_utils.make_instance(instantiated_vnf_info={
            'vnfcResourceInfo': [{'id': 'a', 'computeResource': {},
                                  'storageResourceIds': ['missing']}]})
        self.assertRaises(KeyError, common.resolve_vnfcs, inst)


class TestDrivers(base.TestCase):

    def setUp(self):
        super().setUp()
        vim.register(NO_QUIESCE_TYPE, NoQuiesceVim)
        self.addCleanup(vim._registered.pop, NO_QUIESCE_TYPE, None)

    def test_single_connection_is_default(self):
        drivers = common.Drivers({'v': {'vimType': fake_vim.VIM_TYPE}})
        driver = drivers.for_resource({'resourceId': 'x'})
        self.assertIsInstance(driver, FakeVim)
        self.assertIs(driver, drivers.for_resource(
            {'vimConnectionId': 'v', 'resourceId': 'y'}))
        self.assertEqual({'vimType': fake_vim.VIM_TYPE},
                         driver.vim_connection_info)

    def test_one_driver_per_connection(self):
        drivers = common.Drivers({
            'a': {'vimType': fake_vim.VIM_TYPE},
            'b': {'vimType': NO_QUIESCE_TYPE}})
        a = drivers.for_resource({'vimConnectionId': 'a'})
        b = drivers.for_resource({'vimConnectionId': 'b'})
        self.assertIsNot(a, b)
        self.assertIsInstance(b, NoQuiesceVim)

    def test_ambiguous_or_unknown_connection(self):
        drivers = common.Drivers({
            'a': {'vimType': fake_vim.VIM_TYPE},
            'b': {'vimType': fake_vim.VIM_TYPE}})
        self.assertIsNone(drivers.connection_id({'resourceId': 'r1'}))
        self.assertEqual('b', drivers.connection_id({'vimConnectionId': 'b'}))
        e = self.assertRaises(exception.VimError, drivers.for_resource,
                              {'resourceId': 'r1'})
        self.assertIn('r1', e.message)
        self.assertRaises(exception.VimError, drivers.for_resource,
                          {'vimConnectionId': 'c'})
        self.assertRaises(exception.VimError,
                          common.Drivers(None).for_resource, {})


class TestRun(base.TestCase):

    class Boom(task.Task):
        def execute(self):
            raise exception.VimError(reason=self.name)

    def test_single_failure_reraised(self):
        flow = linear_flow.Flow('f').add(self.Boom('one'))
        e = self.assertRaises(exception.VimError, common.run, flow, {})
        self.assertIn('one', e.message)

    def test_several_failures_unwrapped(self):
        flow = unordered_flow.Flow('f').add(self.Boom('a'), self.Boom('b'))
        e = self.assertRaises(exception.VimError, common.run, flow, {})
        self.assertIn(e.kwargs['reason'], ('a', 'b'))

    def test_wrapped_failure_reraises_first_cause(self):
        causes = [failure.Failure.from_exception(
            exception.VimError(reason=r)) for r in ('first', 'second')]
        engine = mock.Mock()
        engine.run.side_effect = taskflow_exc.WrappedFailure(causes)
        with mock.patch.object(common.engines, 'load',
                               return_value=engine):
            e = self.assertRaises(exception.VimError, common.run,
                                  linear_flow.Flow('f'), {})
        self.assertEqual('first', e.kwargs['reason'])

    def test_check_cancel(self):
        inst = db_utils.make_instance()
        op = db_utils.make_op(inst.id)
        flow = linear_flow.Flow('f').add(common.CheckCancel('c'))
        common.run(flow, {'op_id': op.id})
        db_api.request_cancel(None, op.id, states.GRACEFUL)
        e = self.assertRaises(exception.OperationCancelled, common.run,
                              flow, {'op_id': op.id})
        self.assertIn(op.id, e.message)


class TestCreateSnapshotFlow(base.TestCase):

    def setUp(self):
        super().setUp()
        vim.register(NO_QUIESCE_TYPE, NoQuiesceVim)
        self.addCleanup(vim._registered.pop, NO_QUIESCE_TYPE, None)

    def _op(self, inst, **params):
        info = db_utils.make_info()
        body = {'vnfSnapshotInfoId': info.id}
        if params:
            body['additionalParams'] = params
        op = db_utils.make_op(inst.id, info.id, operation_params=body)
        db_api.transition_op_occ(op.id, (states.STARTING,),
                                 states.PROCESSING, host='h')
        return op

    def test_vim_asked_about_every_vnfc_at_once(self):
        inst = fake_vnf.register_vnf(3)
        # Each VNFC's capability probe waits for the two others.
        together = threading.Barrier(3, timeout=60)

        def capabilities(driver, vnfc=None):
            together.wait()
            return driver.caps
        self.useFixture(fixtures.MockPatchObject(
            FakeVim, 'capabilities', capabilities))
        _, store = create_snapshot.build(self._op(inst), inst)
        self.assertEqual(['vnfc-0', 'vnfc-1', 'vnfc-2'], [
            e['id'] for e in store['plan']['capture']['groups'][0]])

    def test_structure(self):
        inst = fake_vnf.register_vnf(2)
        op = self._op(inst)
        flow, store = create_snapshot.build(op, inst)
        self.assertEqual([
            'check-cancel-start',
            _together(_named('vnfc-0', 'vnfc-1'),
                      _prepared('vnfc-0', 'vnfc-1')),
            _captured('vnfc-0', 'vnfc-1'),
            'check-cancel-record', 'record-vnf-snapshot'], _names(flow))
        self.assertEqual(op.id, store['op_id'])
        self.assertEqual(op.vnf_snapshot_info_id, store['info_id'])
        # Only JSON: the store is persisted with the flow.
        self.assertEqual(inst.id, store['instance_id'])
        self.assertIsNone(store['user_defined_data'])
        # Building talks to no VIM.
        self.assertEqual([], FakeVim.calls)

    def test_no_quiesce_no_freeze_steps(self):
        inst = fake_vnf.register_vnf(2)
        flow, _ = create_snapshot.build(self._op(inst, quiesce=False), inst)
        self.assertEqual([
            'check-cancel-start', _named('vnfc-0', 'vnfc-1'),
            _captured('vnfc-0', 'vnfc-1', quiesced=False),
            'check-cancel-record', 'record-vnf-snapshot'], _names(flow))

    def test_wants_quiesce(self):
        yes = vim_base.Capabilities(quiesce=True)
        no = vim_base.Capabilities()
        self.assertTrue(create_snapshot._wants_quiesce({}, yes))
        self.assertFalse(create_snapshot._wants_quiesce({}, no))
        self.assertTrue(create_snapshot._wants_quiesce(
            {'quiesce': True}, yes))
        self.assertFalse(create_snapshot._wants_quiesce(
            {'quiesce': False}, yes))
        self.assertFalse(create_snapshot._wants_quiesce(
            {'quiesce': False}, no))
        self.assertFalse(create_snapshot._wants_quiesce(
            {'pauseVnf': True}, yes))
        e = self.assertRaises(exception.VimCapabilityMissing,
                              create_snapshot._wants_quiesce,
                              {'quiesce': True}, no)
        self.assertEqual(422, e.code)

    def test_refusals_raise_at_build(self):
        FakeVim.caps = vim_base.Capabilities()
        inst = fake_vnf.register_vnf(1)
        self.assertRaises(exception.VimCapabilityMissing,
                          create_snapshot.build,
                          self._op(inst, withMemory=True), inst)
        inst = fake_vnf.register_vnf(1)
        self.assertRaises(exception.VimCapabilityMissing,
                          create_snapshot.build,
                          self._op(inst, quiesce=True), inst)
        empty = db_utils.make_instance()
        self.assertRaises(exception.UnprocessableEntity,
                          create_snapshot.build, self._op(empty), empty)
        self.assertEqual([], FakeVim.calls)

    def _two_vims(self):
        inst = fake_vnf.register_vnf(2)
        info = dict(inst.instantiated_vnf_info)
        vnfcs = [dict(v) for v in info['vnfcResourceInfo']]
        vnfcs[1]['computeResource'] = dict(vnfcs[1]['computeResource'],
                                           vimConnectionId='vim2')
        info['vnfcResourceInfo'] = vnfcs
        db_api.update_vnf_instance(inst.id, {
            'instantiated_vnf_info': info,
            'vim_connection_info': {
                'vim1': {'vimType': fake_vim.VIM_TYPE},
                'vim2': {'vimType': NO_QUIESCE_TYPE}}})
        return db_api.get_vnf_instance(None, inst.id)

    def test_levels_recorded_per_vim(self):
        # Quiesce where the VIM can, record crash consistency where not:
        # each VNFC snapshot says what it really reached.
        inst = self._two_vims()
        op = self._op(inst)
        flow, store = create_snapshot.build(op, inst)
        common.run(flow, store)
        self.assertEqual([('quiesce', 'vm-0')],
                         [c for c in FakeVim.calls if c[0] == 'quiesce'])
        info = db_api.get_vnf_snapshot_info(None, op.vnf_snapshot_info_id)
        self.assertEqual({'vnfc-0': states.CONSISTENCY_FILESYSTEM,
                          'vnfc-1': states.CONSISTENCY_CRASH},
                         {r.vnfc_resource_info_id: r.consistency_level
                          for r in info.vnfc_snapshots})

    def test_quiesce_refused_on_one_vim(self):
        inst = self._two_vims()
        e = self.assertRaises(exception.VimCapabilityMissing,
                              create_snapshot.build,
                              self._op(inst, quiesce=True), inst)
        self.assertIn('quiesce', e.message)

    def test_run_records(self):
        inst = fake_vnf.register_vnf(2)
        op = self._op(inst, withMemory=True)
        flow, store = create_snapshot.build(op, inst)
        common.run(flow, store)
        info = db_api.get_vnf_snapshot_info(None, op.vnf_snapshot_info_id)
        self.assertEqual(store['snapshot_id'], info.snapshot_id)
        self.assertEqual(common.as_datetime(store['started']),
                         info.snapshot_creation_started_at)
        self.assertEqual(2, len(info.vnfc_snapshots))
        self.assertTrue(all(r.memory_captured for r in info.vnfc_snapshots))
        # Still owned by the operation: the manager releases it.
        self.assertEqual(op.id, info.reservation)

    def test_already_filled_undone(self):
        inst = fake_vnf.register_vnf(2)
        op = self._op(inst)
        db_api.update_vnf_snapshot_info(None, op.vnf_snapshot_info_id,
                                        {'snapshot_id': 'earlier'},
                                        only_if_unreserved=False)
        flow, store = create_snapshot.build(op, inst)
        self.assertRaises(exception.VnfSnapshotAlreadyFilled, common.run,
                          flow, store)
        self.assertEqual({}, FakeVim.snapshots)
        for guest in FakeVim.guests.values():
            self.assertFalse(guest['frozen'])
        info = db_api.get_vnf_snapshot_info(None, op.vnf_snapshot_info_id)
        self.assertEqual('earlier', info.snapshot_id)
        self.assertEqual([], info.vnfc_snapshots)

    def test_vnfc_subset(self):
        # additionalParams vnfcInstanceIds: only those VNFCs are touched.
        inst = fake_vnf.register_vnf(3)
        op = self._op(inst, vnfcInstanceIds=['vnfc-2', 'vnfc-0'])
        flow, store = create_snapshot.build(op, inst)
        self.assertEqual([
            'check-cancel-start',
            _together(_named('vnfc-0', 'vnfc-2'),
                      _prepared('vnfc-0', 'vnfc-2')),
            _captured('vnfc-0', 'vnfc-2'),
            'check-cancel-record', 'record-vnf-snapshot'], _names(flow))
        common.run(flow, store)
        self.assertEqual([], [c for c in FakeVim.calls if c[1] == 'vm-1'])
        info = db_api.get_vnf_snapshot_info(None, op.vnf_snapshot_info_id)
        self.assertEqual(['vnfc-0', 'vnfc-2'], sorted(
            r.vnfc_resource_info_id for r in info.vnfc_snapshots))

    def test_capture_revert_undoes_what_was_recorded(self):
        vnfc = vim_base.Vnfc(id='a', vdu_id='d', compute_resource={})
        driver = mock.Mock()
        t = create_snapshot.CaptureGroup('capture', [(vnfc, driver, False,
                                                      False)], 's')
        records = {}
        self.useFixture(fixtures.MockPatch(
            'vnfsnap.db.api.list_op_vim_resources',
            side_effect=lambda op_id: dict(records)))
        self.useFixture(fixtures.MockPatch(
            'vnfsnap.db.api.remove_op_vim_resource',
            side_effect=lambda op_id, key: records.pop(key)))
        # Nothing recorded (handed over to the VNF snapshot): nothing to
        # undo.
        t.revert(op_id='op', result={'vnfc-a': {
            'compute_snapshot_resource': {}, 'vim_details': {}}})
        driver.discard_vnfc_snapshot.assert_not_called()
        driver.delete_vnfc_snapshot.assert_not_called()
        # Cut off (no result, run by a conductor that died): discarded by
        # the recorded name.
        records['a'] = {common.INTENT: 'vnfsnap-0'}
        t.revert(op_id='op', result=mock.sentinel.failure)
        driver.discard_vnfc_snapshot.assert_called_once_with(
            vnfc, 'vnfsnap-0')
        self.assertEqual({}, records)
        self.assertTrue(t.reverted)

    def test_name_recorded_before_any_vnfc_is_frozen(self):
        """Every snapshot's name is durable before the first freeze, and
        nothing is written between the first freeze and the last thaw but
        taskflow's records of the steps."""
        inst = fake_vnf.register_vnf(2)
        op = self._op(inst)
        flow, store = create_snapshot.build(op, inst)
        seen, writes = [], []
        quiesce, unquiesce = FakeVim.quiesce, FakeVim.unquiesce

        def frozen(driver, vnfc, *args):
            seen.append(('freeze', db_api.list_op_vim_resources(op.id)))
            return quiesce(driver, vnfc, *args)

        def thawed(driver, vnfc, *args):
            writes.append('thaw')
            return unquiesce(driver, vnfc, *args)

        set_resource = db_api.set_op_vim_resource
        self.useFixture(fixtures.MockPatch(
            'vnfsnap.db.api.set_op_vim_resource',
            side_effect=lambda *a: writes.append('record') or set_resource(
                *a)))
        with mock.patch.object(FakeVim, 'quiesce', frozen), \
                mock.patch.object(FakeVim, 'unquiesce', thawed):
            common.run(flow, store)
        for _, recorded in seen:
            self.assertEqual({'vnfc-0', 'vnfc-1'}, set(recorded))
            self.assertTrue(all(common.INTENT in r
                                for r in recorded.values()))
        # Both records written before the freezes, none after.
        self.assertEqual(['record', 'record', 'thaw', 'thaw'], writes)
        self.assertEqual({}, db_api.list_op_vim_resources(op.id))

    def test_unrun_snapshot_step_forgets_its_name(self):
        """A capture that fails before its VIM call (a failed freeze):
        the names are forgotten, and the VIM is not asked to discard
        anything."""
        inst = fake_vnf.register_vnf(2)
        op = self._op(inst)
        FakeVim.fail[('quiesce', 'vm-1')] = 'agent not answering'
        self.assertRaises(exception.VimError, common.run,
                          *create_snapshot.build(op, inst))
        self.assertNotIn('discard_snapshot', [c[0] for c in FakeVim.calls])
        self.assertEqual({}, FakeVim.snapshots)
        self.assertEqual({}, db_api.list_op_vim_resources(op.id))

    def test_vnf_wide_pause(self):
        # Every VNFC is paused before the first capture and resumed after
        # the last; no quiesce; the snapshots record the VNFCs as running.
        inst = fake_vnf.register_vnf(2)
        FakeVim.guests['vm-1']['state'] = 'shutoff'
        op = self._op(inst, pauseVnf=True)
        flow, store = create_snapshot.build(op, inst)
        self.assertEqual([
            'check-cancel-start', _named('vnfc-0', 'vnfc-1'),
            ('pause', ['pause-vnfc-0', 'pause-vnfc-1']),
            _captured('vnfc-0', 'vnfc-1', quiesced=False),
            ('unpause', ['unpause-vnfc-0', 'unpause-vnfc-1']),
            'check-cancel-record', 'record-vnf-snapshot'], _names(flow))
        common.run(flow, store)
        steps = [c for c in FakeVim.calls if c[1] == 'vm-0']
        self.assertEqual(['pause', 'create', 'unpause'],
                         [c[0] for c in steps])
        creates = [i for i, c in enumerate(FakeVim.calls)
                   if c[0] == 'create']
        pauses = [i for i, c in enumerate(FakeVim.calls) if c[0] == 'pause']
        self.assertLess(max(pauses), min(creates))
        # The powered-off VNFC was neither paused nor resumed.
        self.assertNotIn(('unpause', 'vm-1'), FakeVim.calls)
        self.assertEqual({'vm-0': True, 'vm-1': False},
                         FakeVim.created_paused)
        self.assertEqual('running', FakeVim.guests['vm-0']['state'])
        info = db_api.get_vnf_snapshot_info(None, op.vnf_snapshot_info_id)
        rows = {r.vnfc_resource_info_id: r for r in info.vnfc_snapshots}
        self.assertEqual(states.CONSISTENCY_CRASH,
                         rows['vnfc-0'].consistency_level)
        self.assertIn('vnf_paused_at', rows['vnfc-0'].vim_details)
        self.assertIn('vnf_unpaused_at', rows['vnfc-0'].vim_details)
        self.assertNotIn('vnf_paused_at', rows['vnfc-1'].vim_details)

    def test_vnf_wide_pause_guarded_by_its_deadline(self):
        self.conf.config(pause_deadline=111, group='conductor')
        inst = fake_vnf.register_vnf(1)
        op = self._op(inst, pauseVnf=True)
        common.run(*create_snapshot.build(op, inst))
        self.assertEqual({('pause', 'vm-0'): [(111, op.id)]},
                         FakeVim.deadlines)

    def test_vnf_wide_pause_undone_on_failure(self):
        inst = fake_vnf.register_vnf(2)
        FakeVim.fail[('create', 'vm-1')] = 'disk full'
        op = self._op(inst, pauseVnf=True)
        flow, store = create_snapshot.build(op, inst)
        self.assertRaises(exception.VimError, common.run, flow, store)
        for guest in FakeVim.guests.values():
            self.assertEqual('running', guest['state'])
        self.assertEqual({}, FakeVim.snapshots)

    def test_vnf_wide_pause_refused_without_the_capability(self):
        FakeVim.caps = vim_base.Capabilities(quiesce=True)
        inst = fake_vnf.register_vnf(1)
        e = self.assertRaises(exception.VimCapabilityMissing,
                              create_snapshot.build,
                              self._op(inst, pauseVnf=True), inst)
        self.assertIn('pauseVnf', e.message)
        self.assertEqual([], FakeVim.calls)

    def test_pause_undo_steps(self):
        vnfc = vim_base.Vnfc(id='a', vdu_id='d', compute_resource={})
        driver = mock.Mock()
        driver.unpause_vnfc.side_effect = exception.VimError(reason='x')
        create_snapshot.PauseVnfc(vnfc, driver).revert(result=None)
        driver.unpause_vnfc.assert_not_called()
        create_snapshot.PauseVnfc(vnfc, driver).revert(
            result=mock.sentinel.failure)
        driver.unpause_vnfc.assert_called_once_with(vnfc)
        self.assertIsNone(create_snapshot.UnpauseVnfc(vnfc, driver).execute(
            **{'paused-a': None}))
        driver.unpause_vnfc.assert_called_once_with(vnfc)

    def test_undo_steps_swallow_errors(self):
        vnfc = vim_base.Vnfc(id='a', vdu_id='d', compute_resource={})
        driver = mock.Mock()
        driver.unquiesce.side_effect = exception.VimError(reason='x')
        driver.delete_vnfc_snapshot.side_effect = RuntimeError('y')
        driver.discard_vnfc_snapshot.return_value = False
        self.useFixture(fixtures.MockPatch(
            'vnfsnap.db.api.list_op_vim_resources',
            return_value={'a': {common.INTENT: 'vnfsnap-0'}}))
        create_snapshot.CaptureGroup(
            'capture', [(vnfc, driver, False, True)], 's').revert(
            op_id='op', result={'vnfc-a': {'compute_snapshot_resource': {},
                                           'vim_details': {}}})
        driver.unquiesce.assert_called_once_with(vnfc)
        driver.delete_vnfc_snapshot.assert_called_once()


class TestRevertFlow(base.TestCase):

    def _filled(self, inst):
        rows = [{'id': 's%d' % i, 'vnfc_instance_id': v['id'],
                 'vnfc_resource_info_id': v['id'],
                 'compute_snapshot_resource': {'vimConnectionId': 'vim1',
                                               'resourceId': 'h%d' % i},
                 'vim_details': {'handle': 'h%d' % i}}
                for i, v in enumerate(
                    inst.instantiated_vnf_info['vnfcResourceInfo'])]
        return db_utils.make_info(snapshot_id='x', vnfc_snapshots=rows,
                                  snapshot_vnf_instance_id=inst.id)

    def _op(self, inst, info):
        return db_utils.make_op(inst.id, info.id,
                                operation=states.REVERT_TO_SNAPSHOT)

    def test_structure(self):
        inst = fake_vnf.register_vnf(2)
        info = self._filled(inst)
        op = self._op(inst, info)
        flow, store = revert_to_snapshot.build(op, inst)
        self.assertEqual(['check-cancel-start',
                          ('check-revert', ['check-revert-vnfc-0',
                                            'check-revert-vnfc-1']),
                          ('revert-group-1', [_reverted('vnfc-0'),
                                              _reverted('vnfc-1')])],
                         _names(flow))
        self.assertEqual({'op_id': op.id, 'plan': {}}, store)

    def _snapshot_all(self, inst):
        """A VNF snapshot the fake VIM really holds."""
        return fake_vnf.run_create_flow(inst)[1]

    def test_vnfcs_no_order_names_revert_together(self):
        inst = fake_vnf.register_vnf(3)
        flow, store = revert_to_snapshot.build(
            self._op(inst, self._snapshot_all(inst)), inst)
        # Each VNFC's revert waits for the two others to be under way.
        together = threading.Barrier(3, timeout=60)
        for rid in FakeVim.guests:
            FakeVim.hooks[('revert', rid)] = together.wait
        common.run(flow, store)
        self.assertEqual(3, sum(1 for step, _ in FakeVim.calls
                                if step == 'revert'))

    def test_at_most_flow_workers_vnfcs_at_once(self):
        self.conf.config(flow_workers=1, group='conductor')
        inst = fake_vnf.register_vnf(2)
        flow, store = revert_to_snapshot.build(
            self._op(inst, self._snapshot_all(inst)), inst)
        # Two reverts at once would meet here; one at a time, each waits
        # alone until the timeout.
        met = []
        pair = threading.Barrier(2, timeout=2)

        def meet():
            try:
                pair.wait()
                met.append(True)
            except threading.BrokenBarrierError:
                pair.reset()
        for rid in FakeVim.guests:
            FakeVim.hooks[('revert', rid)] = meet
        common.run(flow, store)
        self.assertEqual([], met)

    def test_vnfc_snapshot_dict(self):
        inst = fake_vnf.register_vnf(1)
        info = self._filled(inst)
        snap = common.vnfc_snapshot_dict(info.vnfc_snapshots[0])
        self.assertNotIn('vnf_snapshot_info_id', snap)
        self.assertNotIn('position', snap)
        self.assertEqual('s0', snap['id'])
        self.assertEqual({'handle': 'h0'}, snap['vim_details'])

    def test_missing_vnfc(self):
        inst = fake_vnf.register_vnf(2)
        info = self._filled(inst)
        other = fake_vnf.register_vnf(1, prefix='other')
        e = self.assertRaises(exception.UnprocessableEntity,
                              revert_to_snapshot.build,
                              self._op(other, info), other)
        self.assertIn('vnfc-1', e.message)

    def test_empty_snapshot(self):
        inst = fake_vnf.register_vnf(1)
        info = db_utils.make_info()
        self.assertRaises(exception.UnprocessableEntity,
                          revert_to_snapshot.build, self._op(inst, info),
                          inst)


class StepVim(FakeVim):
    """A VIM whose revert is four steps (the third commits); records what
    its steps and their undo did."""

    log = []
    fail_at = None
    fail_undo = None

    def revert_steps(self, vnfc, vnfc_snapshot, power_state=None):
        def do(name, done):
            if name == self.fail_at:
                raise exception.VimError(reason='%s failed' % name)
            self.log.append(('do', name, sorted(done)))
            return {'made': name}

        def undo(name, done, result):
            self.log.append(('undo', name, result))
            if name == self.fail_undo:
                raise exception.VimError(reason='undo %s failed' % name)

        return [vim_base.RevertStep(
            name, functools.partial(do, name),
            None if name == 'after' else functools.partial(undo, name),
            commit=name == 'swap')
            for name in ('stop', 'detach', 'swap', 'after')]


class TestVnfcRevertSteps(base.TestCase):

    def setUp(self):
        super().setUp()
        StepVim.log = []
        StepVim.fail_at = StepVim.fail_undo = None
        FakeVim.add_guest('vm-0')
        self.vnfc = vim_base.Vnfc(id='vnfc-0', vdu_id='vdu0',
                                  compute_resource={'resourceId': 'vm-0'})
        self.driver = StepVim({})

    def run_revert(self, later=None):
        flow = vnfc_revert.build(self.vnfc, self.driver, {'id': 's'},
                                 instance_id=None)
        if later is not None:
            flow = linear_flow.Flow('vnf').add(flow, later)
        common.run(flow, {})

    def test_steps_run_in_order_each_with_the_results_before_it(self):
        self.run_revert()
        self.assertEqual([('do', 'stop', []), ('do', 'detach', ['stop']),
                          ('do', 'swap', ['detach', 'stop']),
                          ('do', 'after', ['detach', 'stop', 'swap'])],
                         StepVim.log)

    def test_failure_at_a_step_undoes_those_before_latest_first(self):
        StepVim.fail_at = 'swap'
        e = self.assertRaises(exception.VimError, self.run_revert)
        self.assertIn('swap failed', e.message)
        # The failed step undid its own part; an undo that fails does not
        # keep the others from running.
        StepVim.log = []
        StepVim.fail_undo = 'detach'
        self.assertRaises(exception.VimError, self.run_revert)
        self.assertEqual([('do', 'stop', []), ('do', 'detach', ['stop']),
                          ('undo', 'detach', {'made': 'detach'}),
                          ('undo', 'stop', {'made': 'stop'})], StepVim.log)

    def test_nothing_before_the_commit_is_undone_after_it(self):
        StepVim.fail_at = 'after'
        self.assertRaises(exception.VimError, self.run_revert)
        self.assertEqual(['stop', 'detach', 'swap'],
                         [name for kind, name, _ in StepVim.log])
        StepVim.log, StepVim.fail_at = [], None
        self.assertRaises(exception.VimError, self.run_revert,
                          TestRun.Boom('next-vnfc'))
        self.assertNotIn('undo', [kind for kind, _, _ in StepVim.log])

    def test_a_plan_needs_a_commit_step(self):
        steps = StepVim({}).revert_steps(self.vnfc, {})
        self.assertRaises(ValueError, vnfc_revert.vim_steps, self.vnfc,
                          [s for s in steps if not s.commit])


class TestSafetySnapshot(base.TestCase):

    def _snapshot(self, inst):
        return fake_vnf.run_create_flow(inst)[1].id

    def _revert_op(self, inst, info_id, **params):
        return db_utils.make_op(
            inst.id, info_id, operation=states.REVERT_TO_SNAPSHOT,
            operation_params={'vnfSnapshotInfoId': info_id,
                              'additionalParams': params})

    def test_taken_before_the_revert_and_linked(self):
        inst = fake_vnf.register_vnf(2)
        target = self._snapshot(inst)
        for guest in FakeVim.guests.values():
            guest['disk']['file'] = 'v1'
        op = self._revert_op(inst, target, safetySnapshot=True)
        flow, store = revert_to_snapshot.build(op, inst)
        self.assertEqual(['check-cancel-start',
                          ('check-revert', ['check-revert-vnfc-0',
                                            'check-revert-vnfc-1']),
                          _together(_named('vnfc-0', 'vnfc-1'),
                                    _prepared('vnfc-0', 'vnfc-1')),
                          _captured('vnfc-0', 'vnfc-1'),
                          'record-safety-snapshot', 'check-cancel-safety',
                          ('revert-group-1', [_reverted('vnfc-0'),
                                              _reverted('vnfc-1')])],
                         _names(flow))
        common.run(flow, store)
        self.assertEqual({'v0'}, {g['disk']['file']
                                  for g in FakeVim.guests.values()})
        safety_id = db_api.get_op_occ(
            None, op.id).safety_vnf_snapshot_info_id
        safety = db_api.get_vnf_snapshot_info(db_utils.PROJECT,
                                              safety_id)
        self.assertEqual(inst.id, safety.snapshot_vnf_instance_id)
        self.assertIsNone(safety.reservation)
        self.assertEqual({'vnfsnapSafetySnapshotOf': op.id,
                          'vnfsnapRevertTo': target},
                         safety.snapshot_user_defined_data)
        self.assertEqual(['vnfc-0', 'vnfc-1'], sorted(
            r.vnfc_resource_info_id for r in safety.vnfc_snapshots))
        # It holds the state the revert replaced; the VIM resources are
        # the snapshot's, not the op occurrence's.
        for row in safety.vnfc_snapshots:
            handle = row.compute_snapshot_resource['resourceId']
            self.assertEqual('v1', FakeVim.snapshots[handle]['disk']['file'])
        self.assertEqual({}, db_api.list_op_vim_resources(op.id))

    def test_leaves_out_what_the_descriptor_leaves_out_detaching_nothing(
            self):
        inst = db_api.set_snapshot_descriptor(
            None, fake_vnf.register_vnf(1).id,
            {'vnfcs': {'vdu0': {'detachDisksBefore': True}}})
        target = self._snapshot(inst)
        del FakeVim.calls[:]
        op = self._revert_op(inst, target, safetySnapshot=True)
        common.run(*revert_to_snapshot.build(op, inst))
        # Left out, attached: neither taken nor detached for the safety
        # snapshot; the revert attaches what the target snapshot detached.
        self.assertEqual(([], ['vol-0']), FakeVim.created_volumes['vm-0'])
        self.assertEqual([('check_revert', 'vm-0'), ('quiesce', 'vm-0'),
                          ('create', 'vm-0'), ('unquiesce', 'vm-0'),
                          ('revert', 'vm-0'), ('attach', 'vol-0')],
                         FakeVim.calls)

    def test_kept_when_the_revert_fails_and_not_retaken(self):
        inst = fake_vnf.register_vnf(2)
        target = self._snapshot(inst)
        before = len(FakeVim.snapshots)
        FakeVim.fail[('revert', 'vm-1')] = 'rebuild refused'
        op = self._revert_op(inst, target, safetySnapshot=True)
        self.assertRaises(exception.VimError, common.run,
                          *revert_to_snapshot.build(op, inst))
        self.assertEqual(before + 2, len(FakeVim.snapshots))
        op = db_api.get_op_occ(None, op.id)
        self.assertIsNotNone(op.safety_vnf_snapshot_info_id)
        flow, _ = revert_to_snapshot.build(op, inst)
        self.assertNotIn('record-safety-snapshot', _names(flow))

    def test_failed_capture_reverts_nothing_and_leaves_nothing(self):
        inst = fake_vnf.register_vnf(2)
        target = self._snapshot(inst)
        before = dict(FakeVim.snapshots)
        FakeVim.fail[('create', 'vm-1')] = 'quota exceeded'
        op = self._revert_op(inst, target, safetySnapshot=True)
        self.assertRaises(exception.VimError, common.run,
                          *revert_to_snapshot.build(op, inst))
        self.assertEqual(before, FakeVim.snapshots)
        self.assertNotIn('revert', [c[0] for c in FakeVim.calls])
        self.assertIsNone(db_api.get_op_occ(
            None, op.id).safety_vnf_snapshot_info_id)


class TestDescriptorInFlows(base.TestCase):
    """Vnfsd.003 (VNFCs to include), 005 (warm or cold per VDU), 017 and
    018 (order groups) as the flows apply them."""

    def _with(self, n, document):
        inst = fake_vnf.register_vnf(n)
        return db_api.set_snapshot_descriptor(None, inst.id, document)

    def test_create_groups_include_and_memory(self):
        inst = self._with(3, {
            'vnfcs': {'vdu2': {'include': False},
                      'vdu1': {'snapshotType': 'warm'}},
            'createOrder': [['vdu0'], ['vdu1']]})
        info = db_utils.make_info()
        op = db_utils.make_op(inst.id, info.id)
        flow, store = create_snapshot.build(op, inst)
        self.assertEqual([
            'check-cancel-start',
            _together(_named('vnfc-0', 'vnfc-1'),
                      _prepared('vnfc-0', group=1)),
            _captured('vnfc-0', group=1),
            _prepared('vnfc-1', group=2),
            _captured('vnfc-1', group=2),
            'check-cancel-record', 'record-vnf-snapshot'], _names(flow))
        common.run(flow, store)
        calls = FakeVim.calls
        self.assertLess(calls.index(('unquiesce', 'vm-0')),
                        calls.index(('quiesce', 'vm-1')))
        self.assertNotIn(('create', 'vm-2'), calls)
        rows = {r.vnfc_resource_info_id: r for r in
                db_api.get_vnf_snapshot_info(None, info.id).vnfc_snapshots}
        self.assertEqual({'vnfc-0': False, 'vnfc-1': True},
                         {k: r.memory_captured for k, r in rows.items()})

    def test_everything_excluded(self):
        inst = self._with(1, {'vnfcs': {'vdu0': {'include': False}}})
        info = db_utils.make_info()
        e = self.assertRaises(exception.UnprocessableEntity,
                              create_snapshot.build,
                              db_utils.make_op(inst.id, info.id), inst)
        self.assertIn('excludes them all', e.message)

    def test_revert_group_in_parallel_then_the_rest(self):
        inst = self._with(3, {'revertOrder': [['vdu2', 'vdu0']]})
        rows = [{'id': 's%d' % i, 'vnfc_instance_id': 'vnfc-%d' % i,
                 'vnfc_resource_info_id': 'vnfc-%d' % i,
                 'compute_snapshot_resource': {'vimConnectionId': 'vim1',
                                               'resourceId': 'h%d' % i},
                 'vim_details': {}} for i in range(3)]
        info = db_utils.make_info(snapshot_id='x', vnfc_snapshots=rows,
                                  snapshot_vnf_instance_id=inst.id)
        op = db_utils.make_op(inst.id, info.id,
                              operation=states.REVERT_TO_SNAPSHOT)
        flow, _ = revert_to_snapshot.build(op, inst)
        self.assertEqual([
            'check-cancel-start',
            ('check-revert', ['check-revert-vnfc-0', 'check-revert-vnfc-1',
                              'check-revert-vnfc-2']),
            ('revert-group-1', [_reverted('vnfc-0'), _reverted('vnfc-2')]),
            'check-cancel-vnfc-1', _reverted('vnfc-1')], _names(flow))

    def test_parallel_reverts_record_every_replaced_volume(self):
        inst = fake_vnf.register_vnf(2)
        threads = [threading.Thread(
            target=vnfc_revert.record_replaced_volumes,
            args=(inst.id, {'vol-%d' % i: 'new-%d' % i})) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        info = db_api.get_vnf_instance(None, inst.id).instantiated_vnf_info
        self.assertEqual(['new-0', 'new-1'], [
            s['storageResource']['resourceId']
            for s in info['virtualStorageResourceInfo']])


class TestDescriptorPowerRules(base.TestCase):
    """Vnfsd.009 (power off before / after), 010 (power on after), 013
    (snapshot when powered off) and 014 (revert when powered on)."""

    def _run_create(self, inst):
        info = db_utils.make_info()
        op = db_utils.make_op(inst.id, info.id)
        flow, store = create_snapshot.build(op, inst)
        common.run(flow, store)
        return flow

    def test_power_off_before_and_back_on(self):
        inst = db_api.set_snapshot_descriptor(
            None, fake_vnf.register_vnf(2).id,
            {'vnfcs': {'vdu0': {'powerOffBefore': True}}})
        flow = self._run_create(inst)
        self.assertIn(('power-off', ['power-off-vnfc-0']), _names(flow))
        steps = [c[0] for c in FakeVim.calls if c[1] == 'vm-0']
        self.assertEqual(['stop', 'create', 'start'], steps)
        # The other VNFC is quiesced as usual.
        self.assertIn(('quiesce', 'vm-1'), FakeVim.calls)
        self.assertEqual('running', FakeVim.guests['vm-0']['state'])

    def test_power_off_after_and_on_after(self):
        inst = db_api.set_snapshot_descriptor(
            None, fake_vnf.register_vnf(2).id,
            {'vnfcs': {'vdu0': {'powerOffBefore': True,
                                'powerOffAfter': True},
                       'vdu1': {'powerOnAfter': True}}})
        FakeVim.guests['vm-1']['state'] = 'shutoff'
        self._run_create(inst)
        self.assertEqual('shutoff', FakeVim.guests['vm-0']['state'])
        self.assertEqual('running', FakeVim.guests['vm-1']['state'])

    def test_stopped_vnfc_started_again_when_the_capture_fails(self):
        inst = db_api.set_snapshot_descriptor(
            None, fake_vnf.register_vnf(1).id,
            {'vnfcs': {'vdu0': {'powerOffBefore': True}}})
        FakeVim.fail[('create', 'vm-0')] = 'disk full'
        self.assertRaises(exception.VimError, self._run_create, inst)
        self.assertEqual('running', FakeVim.guests['vm-0']['state'])

    def test_interruptions_are_guarded_with_their_deadlines(self):
        # The VIM is given the deadline of each interruption it must undo
        # by itself (guards) and the occurrence its guards report under;
        # a stop the operation intends (powerOffAfter) and a detach the
        # descriptor keeps (attachDisksAfter false) get none.
        self.conf.config(pause_deadline=111, power_off_deadline=222,
                         detach_deadline=333, group='conductor')
        inst = db_api.set_snapshot_descriptor(
            None, fake_vnf.register_vnf(3).id,
            {'vnfcs': {'vdu0': {'powerOffBefore': True,
                                'powerOffAfter': True},
                       'vdu1': {'detachDisksBefore': True},
                       'vdu2': {'detachDisksBefore': True,
                                'attachDisksAfter': False}}})
        op = db_utils.make_op(inst.id, db_utils.make_info().id)
        common.run(*create_snapshot.build(op, inst))
        self.assertEqual({('stop', 'vm-0'): [(222, op.id), (None, op.id)],
                          ('detach', 'vol-1'): [(333, op.id)],
                          ('detach', 'vol-2'): [(None, op.id)]},
                         FakeVim.deadlines)

    def test_no_snapshot_when_powered_off(self):
        inst = db_api.set_snapshot_descriptor(
            None, fake_vnf.register_vnf(1).id,
            {'vnfcs': {'vdu0': {'snapshotWhenPoweredOff': False}}})
        FakeVim.guests['vm-0']['state'] = 'shutoff'
        e = self.assertRaises(exception.Conflict, self._run_create, inst)
        self.assertIn('snapshotWhenPoweredOff', e.message)
        self.assertEqual([], [c for c in FakeVim.calls if c[0] == 'create'])

    def test_no_revert_when_powered_on(self):
        inst = db_api.set_snapshot_descriptor(
            None, fake_vnf.register_vnf(1).id,
            {'vnfcs': {'vdu0': {'revertWhenPoweredOn': False}}})
        rows = [{'id': 's0', 'vnfc_instance_id': 'vnfc-0',
                 'vnfc_resource_info_id': 'vnfc-0',
                 'compute_snapshot_resource': {'vimConnectionId': 'vim1',
                                               'resourceId': 'h0'},
                 'vim_details': {}}]
        info = db_utils.make_info(snapshot_id='x', vnfc_snapshots=rows,
                                  snapshot_vnf_instance_id=inst.id)
        op = db_utils.make_op(inst.id, info.id,
                              operation=states.REVERT_TO_SNAPSHOT)
        e = self.assertRaises(exception.Conflict, revert_to_snapshot.build,
                              op, inst)
        self.assertIn('revertWhenPoweredOn', e.message)
        FakeVim.guests['vm-0']['state'] = 'shutoff'
        revert_to_snapshot.build(op, inst)


class TestDescriptorVolumeRules(base.TestCase):
    """Vnfsd.016 (volumes to include), 011 (detach before) and 012 (attach
    after)."""

    def _snapshot(self, document, n=2):
        inst = db_api.set_snapshot_descriptor(
            None, fake_vnf.register_vnf(n).id, document)
        op, info = fake_vnf.run_create_flow(inst)
        return inst, db_api.get_vnf_snapshot_info(None, info.id)

    def _revert(self, inst, info):
        op = db_utils.make_op(inst.id, info.id,
                              operation=states.REVERT_TO_SNAPSHOT)
        common.run(*revert_to_snapshot.build(op, inst))

    def test_left_out_volume_stays_attached(self):
        _, info = self._snapshot({'vnfcs': {'vdu0': {'volumes': []}}})
        self.assertEqual(([], ['vol-0']), FakeVim.created_volumes['vm-0'])
        self.assertEqual((['vol-1'], []), FakeVim.created_volumes['vm-1'])
        rows = {r.vnfc_instance_id: r for r in info.vnfc_snapshots}
        self.assertEqual([], rows['vnfc-0'].storage_snapshot_resources)
        self.assertEqual([], [c for c in FakeVim.calls
                              if c[0] in ('detach', 'attach')])

    def test_guards_armed_after_the_detach(self):
        """A detach may take seconds: the freeze guards (whose deadline
        runs from their arming) are armed after it, not with the names."""
        inst = db_api.set_snapshot_descriptor(
            None, fake_vnf.register_vnf(1).id,
            {'vnfcs': {'vdu0': {'detachDisksBefore': True}}})
        op = db_utils.make_op(inst.id, db_utils.make_info().id)
        flow, _ = create_snapshot.build(op, inst)
        top = [item.name for item in flow]
        self.assertEqual(['check-cancel-start', 'name-snapshots',
                          'detach-volumes', 'prepare-quiesce', 'capture',
                          'attach-volumes', 'check-cancel-record',
                          'record-vnf-snapshot'], top)

    def test_detached_before_attached_after_and_after_a_revert(self):
        inst, info = self._snapshot({'vnfcs': {'vdu0': {
            'detachDisksBefore': True}}})
        steps = [c for c in FakeVim.calls if c[1] in ('vm-0', 'vol-0')]
        self.assertEqual([('detach', 'vol-0'), ('quiesce', 'vm-0'),
                          ('create', 'vm-0'), ('unquiesce', 'vm-0'),
                          ('attach', 'vol-0')], steps)
        # Detached while taken, so neither in the snapshot nor changed.
        self.assertEqual(([], []), FakeVim.created_volumes['vm-0'])
        self.assertEqual(set(), FakeVim.guests['vm-0']['detached'])
        row = next(r for r in info.vnfc_snapshots
                   if r.vnfc_instance_id == 'vnfc-0')
        self.assertEqual({'vol-0': {'was': 'vol-0'}},
                         row.vim_details['detached_volumes'])
        del FakeVim.calls[:]
        self._revert(inst, info)
        self.assertEqual([('check_revert', 'vm-0'), ('revert', 'vm-0'),
                          ('attach', 'vol-0')],
                         [c for c in FakeVim.calls
                          if c[1] in ('vm-0', 'vol-0')])

    def test_attach_after_false_keeps_them_detached(self):
        inst, info = self._snapshot({'vnfcs': {'vdu0': {
            'detachDisksBefore': True, 'attachDisksAfter': False}}})
        self.assertEqual({'vol-0'}, FakeVim.guests['vm-0']['detached'])
        del FakeVim.calls[:]
        self._revert(inst, info)
        self.assertNotIn(('attach', 'vol-0'), FakeVim.calls)

    def test_failed_capture_attaches_them_again(self):
        inst = db_api.set_snapshot_descriptor(
            None, fake_vnf.register_vnf(1).id,
            {'vnfcs': {'vdu0': {'detachDisksBefore': True}}})
        FakeVim.fail[('create', 'vm-0')] = 'disk full'
        self.assertRaises(exception.VimError, fake_vnf.run_create_flow,
                          inst)
        self.assertEqual(set(), FakeVim.guests['vm-0']['detached'])
        self.assertEqual(('attach', 'vol-0'), FakeVim.calls[-1])

    def test_failed_detach_attaches_those_already_detached(self):
        inst = fake_vnf.register_vnf(1)
        inst.instantiated_vnf_info['virtualStorageResourceInfo'].append(
            {'id': 'logs-0', 'virtualStorageDescId': 'logs',
             'storageResource': {'vimConnectionId': 'vim1',
                                 'resourceId': 'vm-0-logs'}})
        inst.instantiated_vnf_info['vnfcResourceInfo'][0][
            'storageResourceIds'].append('logs-0')
        db_api.update_vnf_instance(inst.id, {
            'instantiated_vnf_info': inst.instantiated_vnf_info})
        inst = db_api.set_snapshot_descriptor(
            None, inst.id, {'vnfcs': {'vdu0': {'detachDisksBefore': True}}})
        FakeVim.fail[('detach', 'logs-0')] = 'guest did not release it'
        self.assertRaises(exception.VimError, fake_vnf.run_create_flow,
                          inst)
        self.assertEqual(set(), FakeVim.guests['vm-0']['detached'])
        self.assertEqual([('detach', 'vol-0'), ('detach', 'logs-0'),
                          ('attach', 'vol-0')], FakeVim.calls)
