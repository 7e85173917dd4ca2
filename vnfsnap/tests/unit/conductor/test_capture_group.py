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

"""The capture of an order group as one step (CaptureGroup): freeze all,
snapshot all, thaw all, with no step record of taskflow's in between."""

import threading
from unittest import mock

from vnfsnap.common import exception
from vnfsnap.common import states
from vnfsnap.conductor.flows import common
from vnfsnap.conductor.flows import create_snapshot
from vnfsnap.conductor.flows import faults
from vnfsnap.db import api as db_api
from vnfsnap.tests import base
from vnfsnap.tests.fixtures import database as db_utils
from vnfsnap.tests.fixtures import fake_vim
from vnfsnap.tests.fixtures import fake_vnf

FakeVim = fake_vim.FakeVim


class TestCaptureGroup(base.TestCase):

    def _op(self, inst, **params):
        info = db_utils.make_info()
        body = {'vnfSnapshotInfoId': info.id,
                'additionalParams': params or {'quiesce': True}}
        op = db_utils.make_op(inst.id, info.id, operation_params=body)
        db_api.transition_op_occ(op.id, (states.STARTING,),
                                 states.PROCESSING, host='h')
        return op

    def _group(self, flow):
        return [a for a in common.atoms(flow)
                if isinstance(a, create_snapshot.CaptureGroup)][0]

    def test_freeze_all_then_snapshot_all_then_thaw_all(self):
        inst = fake_vnf.register_vnf(3)
        # Each VNFC's freeze and snapshot wait for the others': they run
        # at once, not one after another.
        for step in ('quiesce', 'create', 'unquiesce'):
            together = threading.Barrier(3, timeout=30)
            for i in range(3):
                FakeVim.hooks[(step, 'vm-%d' % i)] = together.wait
        op = self._op(inst)
        common.run(*create_snapshot.build(op, inst))
        steps = [c[0] for c in FakeVim.calls
                 if c[0] in ('quiesce', 'create', 'unquiesce')]
        self.assertEqual(['quiesce'] * 3 + ['create'] * 3
                         + ['unquiesce'] * 3, steps)
        info = db_api.get_vnf_snapshot_info(None, op.vnf_snapshot_info_id)
        for row in info.vnfc_snapshots:
            details = row.vim_details
            self.assertLessEqual(details['quiesced_at'], details['thawed_at'])
        self.assertFalse(any(g['frozen'] for g in FakeVim.guests.values()))

    def test_no_step_record_between_freeze_and_thaw(self):
        """Taskflow records the group's start before the first freeze and
        its result after the last thaw, nothing in between."""
        inst = fake_vnf.register_vnf(2)
        op = self._op(inst)
        flow, store = create_snapshot.build(op, inst)
        events = []
        for step in ('quiesce', 'unquiesce'):
            for i in range(2):
                FakeVim.hooks[(step, 'vm-%d' % i)] = (
                    lambda step=step: events.append(step))
        real = faults.point

        def point(name, when='at'):
            events.append('%s@%s' % (name, when))
            return real(name, when)

        with mock.patch.object(faults, 'SPEC', ('none', 'x', 'unused')), \
                mock.patch.object(faults, 'point', point):
            common.run(flow, store)
        first = events.index('quiesce')
        last = len(events) - 1 - events[::-1].index('unquiesce')
        inside = events[first:last + 1]
        # Only the group's own points (no other step started or ended).
        own = ('quiesce', 'snapshot', 'unquiesce')
        self.assertEqual([], [e for e in inside if '@' in e and e.split(
            '@')[0].rsplit('-vnfc-', 1)[0] not in own])
        self.assertIn('capture@before', events[:first])
        self.assertIn('capture@after', events[last:])

    def test_fault_points_fired_in_order(self):
        inst = fake_vnf.register_vnf(2)
        op = self._op(inst)
        flow, store = create_snapshot.build(op, inst)
        fired = []
        lock = threading.Lock()

        def point(name, when='at'):
            with lock:
                fired.append('%s@%s' % (name, when))

        with mock.patch.object(faults, 'SPEC', ('*', 'x', 'unused')), \
                mock.patch.object(faults, 'point', point):
            common.run(flow, store)
        group = self._group(flow)
        inner = [f for f in fired
                 if f.split('@')[0] in group.fault_points]
        self.assertEqual(len(group.fault_points) * 2, len(inner))
        # Every freeze ended before any snapshot started, every snapshot
        # before any thaw.
        kinds = [f.split('@')[0].rsplit('-vnfc-', 1)[0] for f in inner]
        self.assertEqual(['quiesce'] * 4 + ['snapshot'] * 4
                         + ['unquiesce'] * 4, kinds)
        for name in group.fault_points:
            self.assertLess(inner.index(name + '@before'),
                            inner.index(name + '@after'))

    def test_failed_freeze_thaws_the_others_at_once(self):
        inst = fake_vnf.register_vnf(2)
        FakeVim.fail[('quiesce', 'vm-1')] = 'agent not answering'
        # vm-1 fails only once vm-0 is frozen.
        FakeVim.delay[('quiesce', 'vm-1')] = 0.1
        op = self._op(inst)
        self.assertRaises(exception.VimError, common.run,
                          *create_snapshot.build(op, inst))
        calls = FakeVim.calls
        self.assertNotIn('create', [c[0] for c in calls])
        # Thawed inside the step, before the undo steps.
        self.assertIn(('unquiesce', 'vm-0'), calls)
        self.assertFalse(any(g['frozen'] for g in FakeVim.guests.values()))
        # No snapshot asked for: the names are forgotten without the VIM.
        self.assertNotIn('discard_snapshot', [c[0] for c in calls])
        self.assertEqual({}, db_api.list_op_vim_resources(op.id))

    def test_failed_snapshot_undoes_the_group(self):
        """One VNFC's snapshot fails, another's was taken: all are thawed
        and the one taken is discarded by its recorded name."""
        inst = fake_vnf.register_vnf(3)
        FakeVim.fail[('create', 'vm-1')] = 'disk full'
        op = self._op(inst)
        self.assertRaises(exception.VimError, common.run,
                          *create_snapshot.build(op, inst))
        calls = FakeVim.calls
        self.assertEqual(3, len([c for c in calls if c[0] == 'create']))
        first_thaw = calls.index(('unquiesce', 'vm-0'))
        self.assertLess(max(i for i, c in enumerate(calls)
                            if c[0] == 'create'), first_thaw)
        self.assertFalse(any(g['frozen'] for g in FakeVim.guests.values()))
        self.assertEqual({}, FakeVim.snapshots)
        self.assertEqual({}, db_api.list_op_vim_resources(op.id))
        info = db_api.get_vnf_snapshot_info(None, op.vnf_snapshot_info_id)
        self.assertIsNone(info.snapshot_id)

    def test_failed_thaw_undoes_the_group(self):
        inst = fake_vnf.register_vnf(2)
        FakeVim.fail[('unquiesce', 'vm-0')] = 'agent gone'
        op = self._op(inst)
        self.assertRaises(exception.VimError, common.run,
                          *create_snapshot.build(op, inst))
        # The other VNFC was thawed; both snapshots are gone.
        self.assertFalse(FakeVim.guests['vm-1']['frozen'])
        self.assertEqual({}, FakeVim.snapshots)
        self.assertEqual({}, db_api.list_op_vim_resources(op.id))

    def test_revert_of_a_group_cut_off_midway(self):
        """The step's conductor died after one VNFC's snapshot: the revert
        (in another process: no progress of this run) thaws every VNFC and
        discards by name whatever the VIM made."""
        inst = fake_vnf.register_vnf(2)
        op = self._op(inst)
        flow, store = create_snapshot.build(op, inst)
        group = self._group(flow)
        vnfcs = [m[0] for m in group.members]
        names = {}
        for vnfc, driver, _, _ in group.members:
            names[vnfc.id] = 'vnfsnap-%s' % vnfc.id
            db_api.set_op_vim_resource(op.id, vnfc.id, {
                common.INTENT: names[vnfc.id],
                'compute_resource': vnfc.compute_resource})
            driver.quiesce(vnfc, 10)
        driver.create_vnfc_snapshot(vnfcs[0], 's', False, True,
                                    name=names[vnfcs[0].id])
        self.assertEqual(1, len(FakeVim.snapshots))
        group.revert(op_id=op.id, result=mock.sentinel.failure)
        self.assertFalse(any(g['frozen'] for g in FakeVim.guests.values()))
        self.assertEqual({}, FakeVim.snapshots)
        self.assertEqual({}, db_api.list_op_vim_resources(op.id))
        discarded = [c[1] for c in FakeVim.calls
                     if c[0] == 'discard_snapshot']
        self.assertEqual(sorted(names.values()), sorted(discarded))

    def test_revert_after_success_discards_by_the_results(self):
        inst = fake_vnf.register_vnf(2)
        op = self._op(inst)
        flow, store = create_snapshot.build(op, inst)
        group = self._group(flow)
        named = {}
        for vnfc, _, _, _ in group.members:
            named['snapshot-name-%s' % vnfc.id] = 'vnfsnap-%s' % vnfc.id
            db_api.set_op_vim_resource(op.id, vnfc.id, {
                common.INTENT: named['snapshot-name-%s' % vnfc.id],
                'compute_resource': vnfc.compute_resource})
        result = group.execute(op.id, **named)
        self.assertEqual({'vnfc-vnfc-0', 'vnfc-vnfc-1', 'frozen-vnfc-0',
                          'frozen-vnfc-1', 'thawed-vnfc-0', 'thawed-vnfc-1'},
                         set(result))
        self.assertEqual(set(result), set(group.provides))
        self.assertEqual(2, len(FakeVim.snapshots))
        group.revert(op_id=op.id, result=result)
        self.assertEqual({}, FakeVim.snapshots)
        self.assertEqual({}, db_api.list_op_vim_resources(op.id))

    def test_kept_group_is_not_undone(self):
        inst = fake_vnf.register_vnf(1)
        op = self._op(inst)
        flow, _ = create_snapshot.build(op, inst)
        vnfc, driver, _, _ = self._group(flow).members[0]
        group = create_snapshot.CaptureGroup(
            'capture', [(vnfc, driver, False, True)], 's',
            kept=lambda: True)
        group.revert(op_id=op.id, result=mock.sentinel.failure)
        self.assertEqual([], FakeVim.calls)
