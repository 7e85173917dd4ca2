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

"""Revert to VNFC snapshot (GR NFV-TST 005 clauses 6.4.3/6.4.4) as steps.

The VIM driver says how its VIM reverts a VNFC, as named steps each with
its undo (``VimDriver.revert_steps``): one step for libvirt, whose revert
switches disks and memory in one go; stop, swap volumes, rebuild and start
for OpenStack. Each becomes a task of its own here, so every step is
recorded as it completes and a failure undoes, latest first, the steps of
that VNFC's revert done so far. Once the driver's commit step completed,
the VNFC stays reverted: later failures (its power state, another VNFC,
the VNF's "done" notice) undo nothing before it. Then the VNF instance is
pointed at the volumes that replaced others, and the volumes detached for
the snapshot (Vnfsd.011) are attached again (Vnfsd.012).
"""

import copy
import threading

from oslo_log import log as logging
from taskflow import task
from taskflow.patterns import linear_flow
from taskflow.types import failure

from vnfsnap.conductor.flows import common
from vnfsnap.db import api as db_api

LOG = logging.getLogger(__name__)
# VNFCs of one order group revert in parallel; each rewrites the
# instance's storage records.
_RECORD_LOCK = threading.Lock()


def _symbol(vnfc, name):
    return 'revert-%s-%s' % (vnfc.id, name)


class VimRevertStep(task.Task):
    """One step of a driver's revert of a VNFC (a ``vim.base.RevertStep``);
    provides its result to the steps after it and to its own undo."""

    def __init__(self, vnfc, step, earlier, kept, vnfc_snapshot_id=None):
        super().__init__(name=_symbol(vnfc, step.name),
                         provides=_symbol(vnfc, step.name),
                         requires=[_symbol(vnfc, n) for n in earlier])
        self.vnfc, self.step, self.kept = vnfc, step, kept
        self.first = not earlier
        self.vnfc_snapshot_id = vnfc_snapshot_id
        self._prefix = _symbol(vnfc, '')

    def _done(self, results):
        """The earlier steps' results by step name."""
        return {name[len(self._prefix):]: value
                for name, value in results.items()
                if name.startswith(self._prefix)}

    def execute(self, **results):
        if self.first:
            LOG.info('Reverting VNFC %s to VNFC snapshot %s', self.vnfc.id,
                     self.vnfc_snapshot_id)
        return self.step.do(self._done(results))

    def revert(self, *args, **kwargs):
        result = kwargs.pop('result')
        kwargs.pop('flow_failures', None)
        if isinstance(result, failure.Failure):
            return      # a step that fails undoes its own part
        if self.step.commit:
            # Reverted latest first: the steps before this one see it.
            LOG.info('VNFC %s stays reverted: its revert completed before '
                     'the failure', self.vnfc.id)
            self.kept.set()
            return
        if self.step.undo is None or self.kept.is_set():
            return
        common.undo('step %s of the revert of VNFC %s; check the VNFC on '
                    'its VIM' % (self.step.name, self.vnfc.id),
                    self.step.undo, self._done(kwargs), result)


def vim_steps(vnfc, steps, vnfc_snapshot_id=None):
    """Tasks for a driver's revert steps: (those up to and with the commit
    step, those after it, the symbol of the commit step's result)."""
    kept = threading.Event()
    tasks, outcome, split = [], None, None
    for number, step in enumerate(steps):
        tasks.append(VimRevertStep(vnfc, step,
                                   [s.name for s in steps[:number]], kept,
                                   vnfc_snapshot_id))
        if step.commit:
            outcome, split = _symbol(vnfc, step.name), number + 1
    if outcome is None:
        raise ValueError('the revert steps of VNFC %s have no commit step'
                         % vnfc.id)
    return tasks[:split], tasks[split:], outcome


class RecordReplacedVolumes(task.Task):
    """A VIM that restores a volume by swapping in a new one (OpenStack:
    a volume made from the Cinder snapshot) gives it a new resource id;
    the VNF instance points at it from then on. Provides the revert's
    outcome."""

    def __init__(self, vnfc, instance_id, outcome):
        super().__init__(name='record-volumes-%s' % vnfc.id,
                         provides='reverted-%s' % vnfc.id,
                         rebind={'outcome': outcome})
        self.instance_id = instance_id

    def execute(self, outcome):
        replaced = {v['storageResourceId']: v['resourceId']
                    for v in (outcome or {}).get('volumes') or ()
                    if v.get('resourceId') and v['resourceId'] != v.get(
                        'oldResourceId')}
        if replaced:
            record_replaced_volumes(self.instance_id, replaced)
        return outcome


class AttachDetached(task.Task):
    """Volumes detached for the snapshot (Vnfsd.011) were not in it; a
    restored memory state lacks them: attach them again (012)."""

    def __init__(self, vnfc, driver, detached):
        super().__init__(name='attach-detached-%s' % vnfc.id)
        self.vnfc, self.driver, self.detached = vnfc, driver, detached

    def execute(self):
        storage = {s['id']: s for s in self.vnfc.storage_resources}
        for storage_id, token in sorted(self.detached.items()):
            if storage_id not in storage:
                LOG.warning('VNFC %s: volume %s, detached for its snapshot, '
                            'is no longer part of it; not attached',
                            self.vnfc.id, storage_id)
                continue
            self.driver.attach_volume(self.vnfc, storage[storage_id], token)


def build(vnfc, driver, vnfc_snapshot, instance_id, power_state=None,
          reattach=True):
    """The revert of one VNFC to ``vnfc_snapshot`` (a VnfcSnapshotInfo as
    the driver interface receives it), as a linear flow."""
    before, after, outcome = vim_steps(
        vnfc, driver.revert_steps(vnfc, vnfc_snapshot, power_state),
        vnfc_snapshot.get('id'))
    flow = linear_flow.Flow('revert-%s' % vnfc.id)
    flow.add(*before)
    flow.add(RecordReplacedVolumes(vnfc, instance_id, outcome))
    if after:
        flow.add(*after)
    detached = (vnfc_snapshot.get('vim_details') or {}).get(
        'detached_volumes')
    if detached and reattach:
        flow.add(AttachDetached(vnfc, driver, detached))
    return flow


def record_replaced_volumes(instance_id, replaced):
    """Point the VNF instance's storage resources at their new VIM
    resources. The instance is held by the revert, so nothing else writes
    it meanwhile."""
    with _RECORD_LOCK:
        _record_replaced_volumes(instance_id, replaced)


def _record_replaced_volumes(instance_id, replaced):
    instance = db_api.get_vnf_instance(None, instance_id)
    info = copy.deepcopy(instance.instantiated_vnf_info)
    for storage in info.get('virtualStorageResourceInfo') or ():
        if storage['id'] in replaced:
            LOG.info('VNF instance %s: volume %s is now VIM resource %s',
                     instance_id, storage['id'], replaced[storage['id']])
            storage['storageResource'] = dict(
                storage['storageResource'],
                resourceId=replaced[storage['id']])
    db_api.update_vnf_instance(instance_id, {'instantiated_vnf_info': info})
