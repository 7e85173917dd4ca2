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

"""The calls of the "VNF snapshots" panels (SOL003 VnfSnapshotInfo and
the create_snapshot / revert_to_snapshot tasks), the same requests the
CLI (``openstack vnf snapshot ...``) makes.

A VNF snapshot resource stays empty (no ``vnfSnapshot``) until the
CREATE_SNAPSHOT operation filling it records it at its very end, so the
state a row shows comes from that op occurrence: the list asks for the
CREATE_SNAPSHOT occurrences of the empty snapshots only, in one request.
"""

import datetime

from openstack_dashboard.api import base
from vnfsnapclient.v1 import base as client_base
from vnfsnapclient.v1 import vnf_snapshots as client_vnf_snapshots

from vnfsnap_dashboard.api import vnf_instances
from vnfsnap_dashboard.api import vnfsnap

# What a row says about a VNF snapshot (VnfSnapshot.status).
AVAILABLE = 'available'
EMPTY = 'empty'
CREATING = 'creating'
ROLLING_BACK = 'rolling_back'
FAILED_TEMP = 'failed_temp'
FAILED = 'failed'
ROLLED_BACK = 'rolled_back'
# A filling op occurrence's operationState -> the snapshot's status.
_BY_OP_STATE = {'STARTING': CREATING, 'PROCESSING': CREATING,
                'ROLLING_BACK': ROLLING_BACK, 'FAILED_TEMP': FAILED_TEMP,
                'FAILED': FAILED, 'ROLLED_BACK': ROLLED_BACK}
# Ids per op occurrence query: keeps its URL far below proxies' limits.
_IDS_PER_QUERY = 40


def _time(text):
    """An API DateTime (with or without milliseconds) as a datetime."""
    if not text:
        return None
    try:
        return datetime.datetime.fromisoformat(text.replace('Z', '+00:00'))
    except ValueError:
        return None


class VnfcSnapshot(base.APIDictWrapper):
    """A VnfcSnapshotInfo with what vnfsnap records of its capture
    (computeSnapshotResource.vimLevelAdditionalResourceInfo)."""

    @property
    def vnfc_id(self):
        return self._apidict.get('vnfcResourceInfoId')

    @property
    def compute_resource(self):
        return self._apidict.get('computeSnapshotResource') or {}

    @property
    def achieved(self):
        extra = self.compute_resource.get(
            'vimLevelAdditionalResourceInfo') or {}
        return extra.get('additionalInfo') or {}

    @property
    def consistency_level(self):
        return self.achieved.get('consistencyLevel')

    @property
    def memory_captured(self):
        return bool(self.achieved.get('memoryCaptured'))

    @property
    def quiesced_at(self):
        return self.achieved.get('quiescedAt')

    @property
    def thawed_at(self):
        return self.achieved.get('thawedAt')

    @property
    def frozen_ms(self):
        """How long the VNFC's file systems stayed frozen, in ms."""
        return _millis(self.quiesced_at, self.thawed_at)

    @property
    def paused_at(self):
        return self.achieved.get('vnfPausedAt')

    @property
    def unpaused_at(self):
        return self.achieved.get('vnfUnpausedAt')

    @property
    def paused_ms(self):
        """How long the VNF-wide pause held this VNFC, in ms."""
        return _millis(self.paused_at, self.unpaused_at)

    @property
    def storage(self):
        """(storageResourceId, VIM snapshot resource id) of each volume."""
        return [(s.get('storageResourceId'),
                 (s.get('storageSnapshotResource') or {}).get('resourceId'))
                for s in self._apidict.get('storageSnapshotResources') or ()]

    @property
    def detached_volumes(self):
        return self.achieved.get('detachedVolumes') or []


def _millis(start, end):
    start, end = _time(start), _time(end)
    if start is None or end is None:
        return None
    return int((end - start).total_seconds() * 1000)


class VnfSnapshot(base.APIDictWrapper):
    """A VnfSnapshotInfo, with the CREATE_SNAPSHOT op occurrence that
    fills it while it is empty (``op_occ``, or None)."""

    def __init__(self, apidict, op_occ=None):
        super().__init__(apidict)
        self.op_occ = op_occ

    @property
    def snapshot(self):
        return self._apidict.get('vnfSnapshot') or {}

    @property
    def user_defined_data(self):
        return self.snapshot.get('userDefinedData') or {}

    @property
    def name(self):
        return self.user_defined_data.get('name')

    @property
    def description(self):
        return self.user_defined_data.get('description')

    @property
    def name_or_id(self):
        return self.name or self.id

    @property
    def vnf_instance_id(self):
        if self.snapshot:
            return self.snapshot.get('vnfInstanceId')
        if self.op_occ:
            return self.op_occ.get('vnfInstanceId')
        return None

    @property
    def created_at(self):
        return self.snapshot.get('creationStartedAt')

    @property
    def finished_at(self):
        return self.snapshot.get('creationFinishedAt')

    @property
    def package_id(self):
        return self._apidict.get('vnfSnapshotPkgId')

    @property
    def op_occ_id(self):
        return (self.op_occ or {}).get('id')

    @property
    def status(self):
        if self.snapshot:
            return AVAILABLE
        state = (self.op_occ or {}).get('operationState')
        return _BY_OP_STATE.get(state, EMPTY)

    @property
    def error(self):
        """The ProblemDetails detail of a failed filling, if any."""
        return ((self.op_occ or {}).get('error') or {}).get('detail')

    @property
    def vnfc_snapshots(self):
        return [VnfcSnapshot(v) for v in
                self.snapshot.get('vnfcSnapshots') or ()]

    @property
    def with_memory(self):
        return any(v.memory_captured for v in self.vnfc_snapshots)


def _client(request):
    return vnfsnap.client(request)


def _eq_filter(conditions, op='eq'):
    return ['(%s,%s,%s)' % (op, path, client_base.filter_value(value))
            for path, value in conditions if value]


def filling_op_occs(request, snapshot_ids):
    """{VNF snapshot id: its latest CREATE_SNAPSHOT op occurrence} for
    the (empty) VNF snapshots ``snapshot_ids``."""
    ids = sorted(set(snapshot_ids))
    found = {}
    for start in range(0, len(ids), _IDS_PER_QUERY):
        chunk = ids[start:start + _IDS_PER_QUERY]
        query = '(eq,operation,CREATE_SNAPSHOT);(in,vnfSnapshotInfoId,%s)' % (
            ','.join(client_base.filter_value(i) for i in chunk))
        for op in _client(request).vnf_lcm_op_occs.list(
                filter=query, exclude_fields='operationParams'):
            known = found.get(op.get('vnfSnapshotInfoId'))
            if known is None or op.get('startTime', '') > known.get(
                    'startTime', ''):
                found[op.get('vnfSnapshotInfoId')] = op
    return found


def vnf_snapshot_list(request, vnf_instance_id=None, name=None):
    """VNF snapshots (their default attributes): those taken from
    ``vnf_instance_id``, whose name contains ``name``; an empty one comes
    with the op occurrence filling it."""
    parts = (_eq_filter([('vnfSnapshot/vnfInstanceId', vnf_instance_id)])
             + _eq_filter([('vnfSnapshot/userDefinedData/name', name)],
                          op='cont'))
    infos = list(_client(request).vnf_snapshots.list(
        filter=';'.join(parts) or None))
    empty = [i['id'] for i in infos if not i.get('vnfSnapshot')]
    ops = filling_op_occs(request, empty) if empty else {}
    return [VnfSnapshot(i, ops.get(i['id'])) for i in infos]


def vnf_snapshot_get(request, snapshot_id):
    """One VNF snapshot, whole (its VNFC snapshots included)."""
    info = _client(request).vnf_snapshots.get(snapshot_id)
    op = None
    if not info.get('vnfSnapshot'):
        op = filling_op_occs(request, [info['id']]).get(info['id'])
    return VnfSnapshot(info, op)


def vnf_snapshot_create(request, vnf_instance_id, additional_params=None,
                        user_defined_data=None):
    """Snapshot a VNF instance as the CLI does: an empty VNF snapshot, then
    the create_snapshot task that fills it; (snapshot id, op occ id).

    A task refused before it started leaves no empty snapshot behind.
    """
    info, op_id = client_vnf_snapshots.take(
        _client(request), vnf_instance_id,
        additional_params=additional_params or None,
        user_defined_data=user_defined_data or None)
    return info['id'], op_id


def vnf_snapshot_delete(request, snapshot_id):
    _client(request).vnf_snapshots.delete(snapshot_id)


def revert_to_snapshot(request, vnf_instance_id, snapshot_id,
                       additional_params=None):
    """Start a REVERT_TO_SNAPSHOT; the op occurrence id."""
    return _client(request).vnf_instances.revert_to_snapshot(
        vnf_instance_id, snapshot_id,
        additional_params=additional_params or None)


def snapshottable_instances(request):
    """The VNF instances a snapshot can be taken of (INSTANTIATED), with
    their default attributes."""
    return list(_client(request).vnf_instances.list(
        filter='(eq,instantiationState,INSTANTIATED)'))


# The instances panel's calls, under the names the snapshot views use.
vnf_instance_get = vnf_instances.vnf_instance_get
vim_capabilities = vnf_instances.vim_capabilities_get
