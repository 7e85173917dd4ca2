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

"""Revert to VNF snapshot (GR NFV-TST 005 clause 6.5.2) as a taskflow flow.

Each VNFC of the snapshot is reverted by its VIM driver; the VNFC must still
be part of the VNF instance (matched by vnfcResourceInfoId).

With ``additionalParams.safetySnapshot`` the VNF is first snapshotted as it
is, into a new VnfSnapshotInfo linked from the op occurrence
(``_links.safetyVnfSnapshot``): a revert replaces disks, and this is the
way back.
"""

from oslo_log import log as logging
from oslo_utils import uuidutils
from taskflow import states as tf_states
from taskflow import task
from taskflow.patterns import linear_flow
from taskflow.patterns import unordered_flow

from vnfsnap import descriptor
from vnfsnap.common import exception
from vnfsnap.common import states
from vnfsnap.conductor.flows import common
from vnfsnap.conductor.flows import create_snapshot
from vnfsnap.conductor.flows import grant
from vnfsnap.conductor.flows import vnf_notify
from vnfsnap.conductor.flows import vnfc_revert
from vnfsnap.db import api as db_api

LOG = logging.getLogger(__name__)


class CheckRevert(task.Task):
    """Everything the revert of one VNFC needs is there."""

    def __init__(self, vnfc, driver, vnfc_snapshot):
        super().__init__(name='check-revert-%s' % vnfc.id)
        self.vnfc, self.driver = vnfc, driver
        self.vnfc_snapshot = vnfc_snapshot

    def execute(self):
        self.driver.check_revert(self.vnfc, self.vnfc_snapshot)


class RecordSafetySnapshot(create_snapshot.RecordVnfSnapshot):
    """The safety snapshot is a new VnfSnapshotInfo of the VNF's project."""

    def recorded(self, op_id, info_id, snapshot_id):
        return db_api.get_op_occ(
            None, op_id).safety_vnf_snapshot_info_id == info_id

    def save(self, op_id, info_id, instance, values, rows):
        db_api.record_safety_snapshot(
            op_id, dict(values, id=info_id, project_id=instance.project_id),
            rows)


def _plan_safety(op, instance, vnfcs, drivers, target_info_id):
    """The decisions of the safety snapshot (JSON, persisted with the
    flow): every VNFC of the instance, disks only, quiesced where the VIM
    can; the volumes the snapshot descriptor leaves out (Vnfsd.016) are
    left out, but nothing is detached or powered off for it."""
    rules = descriptor.Descriptor.of(instance)
    return {
        'infoId': uuidutils.generate_uuid(),
        'snapshotId': uuidutils.generate_uuid(),
        'started': common.now(),
        'userDefinedData': {'vnfsnapSafetySnapshotOf': op.id,
                            'vnfsnapRevertTo': target_info_id},
        'capture': create_snapshot.plan_capture(
            [[rules.narrow(v) for v in vnfcs]], drivers, {}),
    }


def safety_snapshot(flow, op, instance, drivers, plan):
    """Add the safety snapshot's steps to the revert's ``flow`` (steps of
    the revert itself, so they are persisted and resumed with it); returns
    their store. Once recorded the snapshot belongs to its
    VnfSnapshotInfo: a failing revert undoes none of its steps."""
    rules = descriptor.Descriptor.of(instance)
    vnfcs = {v.id: rules.narrow(v)
             for v in common.resolve_vnfcs(instance, owner=op.id)}
    info_id = plan['infoId']

    def kept():
        return db_api.get_op_occ(
            None, op.id).safety_vnf_snapshot_info_id == info_id

    recorded = create_snapshot.add_capture(flow, plan['capture'], vnfcs,
                                           drivers, info_id, kept=kept)
    flow.add(RecordSafetySnapshot(*recorded, name='record-safety-snapshot'))
    return {'info_id': info_id, 'snapshot_id': plan['snapshotId'],
            'started': plan['started'], 'instance_id': instance.id,
            'user_defined_data': plan['userDefinedData']}


def build(op, instance, plan=None):
    """Return (flow, store) for a REVERT_TO_SNAPSHOT op occurrence.
    ``plan``: the decisions of an interrupted run (the store's ``plan``),
    to rebuild its flow; the VIM is not asked again."""
    resumed = plan is not None
    info = db_api.get_vnf_snapshot_info(None, op.vnf_snapshot_info_id)
    if info.snapshot_id is None or not info.vnfc_snapshots:
        raise exception.UnprocessableEntity(
            reason='VNF snapshot %s holds no VNFC snapshots to revert to'
                   % info.id)
    current = {v.id: v for v in common.resolve_vnfcs(instance, owner=op.id)}
    drivers = common.Drivers(instance.vim_connection_info)
    rules = descriptor.Descriptor.of(instance)
    params = (op.operation_params or {}).get('additionalParams') or {}
    power_state = params.get('stateAfterRevert')
    flow = linear_flow.Flow('revert-to-snapshot-%s' % op.id)
    flow.add(common.CheckCancel(name='check-cancel-start'))
    # Every VNFC is checked before the first one is touched, so a VNFC
    # whose domain or files vanished fails the revert with all VNFCs as
    # they were.
    checks = unordered_flow.Flow('check-revert')
    reverts = []
    for row in info.vnfc_snapshots:
        vnfc = current.get(row.vnfc_resource_info_id)
        if vnfc is None:
            raise exception.UnprocessableEntity(
                reason='VNFC %s of the snapshot is no longer part of VNF '
                       'instance %s' % (row.vnfc_resource_info_id,
                                        instance.id))
        driver = drivers.for_resource(vnfc.compute_resource)
        if (not resumed and rules.vnfc_rules(vnfc.vdu_id).get(
                'revertWhenPoweredOn')
                is False and driver.power_state(vnfc) != 'shutoff'):
            raise exception.Conflict(
                'VNFC %s is powered on and the snapshot descriptor forbids '
                'reverting VDU %s then (revertWhenPoweredOn); stop it '
                'first' % (vnfc.id, vnfc.vdu_id))
        snap = common.vnfc_snapshot_dict(row)
        checks.add(CheckRevert(vnfc, driver, snap))
        reverts.append((vnfc, snap, vnfc_revert.build(
            vnfc, driver, snap, instance.id, power_state,
            reattach=not rules.keeps_detached(vnfc.vdu_id))))
    flow.add(checks)
    if rules.grant_mode(states.REVERT_TO_SNAPSHOT) == grant.NFVO:
        flow.add(grant.RequestGrant(
            op, instance, [vnfc for vnfc, _, _ in reverts],
            info.snapshot_id, {vnfc.id: snap for vnfc, snap, _ in reverts}))
    prepare, done = vnf_notify.wrap(op, instance,
                                    [vnfc.id for vnfc, _, _ in reverts])
    if prepare:
        flow.add(prepare)
    if plan is None:
        plan = {}
        if params.get('safetySnapshot') and \
                not op.safety_vnf_snapshot_info_id:
            # (A retry keeps the one it took: the VNF may be
            # half-reverted.)
            plan['safety'] = _plan_safety(op, instance,
                                          list(current.values()), drivers,
                                          info.id)
    store = {'op_id': op.id, 'plan': plan}
    if plan.get('safety'):
        store.update(safety_snapshot(flow, op, instance, drivers,
                                     plan['safety']))
        flow.add(common.CheckCancel(name='check-cancel-safety'))
    # The descriptor's revert order (Vnfsd.018): groups one after the
    # other, a group's VNFCs in parallel, at most [conductor]flow_workers
    # at once; without it, all VNFCs form one group.
    by_vnfc = {vnfc.id: revert for vnfc, _, revert in reverts}
    groups = rules.order(
        states.REVERT_TO_SNAPSHOT, [vnfc for vnfc, _, _ in reverts])
    for number, group in enumerate(groups, 1):
        if number > 1:
            flow.add(common.CheckCancel(name='check-cancel-%s'
                                        % group[0].id))
        if len(group) == 1:
            flow.add(by_vnfc[group[0].id])
        else:
            flow.add(unordered_flow.Flow('revert-group-%d' % number).add(
                *[by_vnfc[v.id] for v in group]))
    if done:
        flow.add(done)
    return flow, store


def resume_direction(flow, atom_states):
    """Roll an interrupted revert back while no VNFC's revert had started
    (only the safety snapshot may have been taken: its partial VNFC
    snapshots are deleted, a recorded one stays); once one had, finish it:
    every VNFC ends as the snapshot has it (a revert step interrupted
    midway is run again)."""
    if common.undoing(atom_states):
        return common.BACK
    started = [atom_states.get(a.name) not in (tf_states.PENDING, None)
               for a in common.atoms(flow)
               if isinstance(a, vnfc_revert.VimRevertStep)]
    return common.FORWARD if any(started) else common.BACK


OPERATION = states.REVERT_TO_SNAPSHOT
