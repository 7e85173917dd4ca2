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


"""OS::VnfSnap::VnfSnapshot: a VNF snapshot taken when the resource is
created, deleted with it."""

from heat.common import exception
from heat.engine import attributes
from heat.engine import constraints
from heat.engine import properties
from oslo_log import log as logging
from vnfsnapclient import exceptions as vnfsnap_exc
from vnfsnapclient.v1 import vnf_snapshots

from vnfsnap_heat import common

LOG = logging.getLogger(__name__)

# Resource data key: the CREATE_SNAPSHOT op occurrence.
OPERATION_ID = 'operation_id'


class VnfSnapshot(common.VnfSnapResource):
    """A VNF snapshot of a VNF instance (CREATE_SNAPSHOT).

    Every property change takes a new snapshot (replacement); the
    resource is complete when the operation occurrence is COMPLETED and
    fails with vnfsnap's reason otherwise.
    """

    PROPERTIES = (
        VNF_INSTANCE, NAME, DESCRIPTION, MEMORY, QUIESCE, PAUSE_VNF,
        VNFC_IDS, USER_DEFINED_DATA,
    ) = (
        'vnf_instance', 'name', 'description', 'memory', 'quiesce',
        'pause_vnf', 'vnfc_ids', 'user_defined_data',
    )

    ATTRIBUTES = (
        VNF_SNAPSHOT_INFO_ATTR, STATE_ATTR, OPERATION_ID_ATTR,
        VNFC_SNAPSHOTS_ATTR, VNF_INSTANCE_ATTR,
    ) = (
        'vnf_snapshot_info', 'state', 'operation_id', 'vnfc_snapshots',
        'vnf_instance',
    )

    properties_schema = {
        VNF_INSTANCE: common.prop(
            properties.Schema.STRING,
            'The VNF instance to snapshot (e.g. a get_resource of an '
            'OS::VnfSnap::VnfInstance).',
            required=True, constraints=[constraints.Length(min=1, max=255)]),
        NAME: common.prop(
            properties.Schema.STRING,
            'Name of the snapshot (its userDefinedData "name"; default: '
            'the physical name Heat gives the resource).',
            constraints=[constraints.Length(min=1, max=255)]),
        DESCRIPTION: common.prop(
            properties.Schema.STRING,
            'Description of the snapshot (its userDefinedData '
            '"description").'),
        MEMORY: common.prop(
            properties.Schema.BOOLEAN,
            'Also capture each VNFC\'s memory and device state (a "warm" '
            'snapshot); fails when the VIM cannot.',
            default=False),
        QUIESCE: common.prop(
            properties.Schema.BOOLEAN,
            'Whether to freeze the guests\' file systems through their '
            'guest agents (true fails when the VIM cannot). Absent: the '
            'snapshot descriptor and the VIM decide.'),
        PAUSE_VNF: common.prop(
            properties.Schema.BOOLEAN,
            'Pause every running VNFC before the first VNFC snapshot and '
            'resume them after the last: one crash-consistent point for '
            'the whole VNF (excludes quiesce: true).',
            default=False),
        VNFC_IDS: common.prop(
            properties.Schema.LIST,
            'Snapshot only these VNFCs (vnfcResourceInfo ids). Default: '
            'every VNFC the snapshot descriptor includes.',
            schema=properties.Schema(
                properties.Schema.STRING,
                constraints=[constraints.Length(min=1, max=255)])),
        USER_DEFINED_DATA: common.prop(
            properties.Schema.MAP,
            'Other userDefinedData of the snapshot (key-value pairs).'),
    }

    attributes_schema = {
        VNF_SNAPSHOT_INFO_ATTR: common.attribute(
            'The VnfSnapshotInfo as vnfsnap shows it.',
            attributes.Schema.MAP),
        STATE_ATTR: common.attribute(
            'operationState of the CREATE_SNAPSHOT operation occurrence '
            '(COMPLETED once the snapshot is taken).',
            attributes.Schema.STRING),
        OPERATION_ID_ATTR: common.attribute(
            'Identifier of the CREATE_SNAPSHOT operation occurrence.',
            attributes.Schema.STRING),
        VNFC_SNAPSHOTS_ATTR: common.attribute(
            'The VNFC snapshots (VnfcSnapshotInfo) of the snapshot.',
            attributes.Schema.LIST),
        VNF_INSTANCE_ATTR: common.attribute(
            'Identifier of the VNF instance the snapshot was taken of.',
            attributes.Schema.STRING),
    }

    def _params(self):
        props = self.properties
        try:
            return vnf_snapshots.create_params(
                memory=props[self.MEMORY], quiesce=props[self.QUIESCE],
                pause_vnf=props[self.PAUSE_VNF],
                vnfc_ids=props[self.VNFC_IDS])
        except ValueError as exc:
            raise exception.StackValidationFailed(
                message='%s: %s' % (self.name, exc))

    def validate(self):
        super().validate()
        self._params()

    def _user_defined_data(self):
        data = dict(self.properties[self.USER_DEFINED_DATA] or {})
        data['name'] = (self.properties[self.NAME] or
                        self.physical_resource_name())
        if self.properties[self.DESCRIPTION] is not None:
            data['description'] = self.properties[self.DESCRIPTION]
        return data

    def handle_create(self):
        instance_id = self.properties[self.VNF_INSTANCE]
        try:
            info, op_id = vnf_snapshots.take(
                self.client(), instance_id,
                additional_params=self._params(),
                user_defined_data=self._user_defined_data())
        except vnfsnap_exc.ClientError as exc:
            raise self.fail(exc, 'vnfsnap refused the snapshot of VNF '
                                 'instance %s' % instance_id)
        self.resource_id_set(info['id'])
        self.data_set(OPERATION_ID, op_id)
        return op_id

    def check_create_complete(self, op_id):
        return self.check_op(op_id)

    # --- delete ------------------------------------------------------

    def handle_delete(self):
        if self.resource_id is None:
            return None
        return {'rolled_back': False, 'deleted': False}

    def check_delete_complete(self, progress):
        """Wait for the operation to end (asking for the rollback of a
        FAILED_TEMP one), DELETE, then wait until GET answers 404."""
        if progress is None:
            return True
        if progress['deleted']:
            return self.gone(self.client().vnf_snapshots.get,
                             self.resource_id)
        if not self._operation_ended(progress):
            return False
        try:
            if self.gone(self.client().vnf_snapshots.delete,
                         self.resource_id):
                return True
        except vnfsnap_exc.Conflict as exc:
            LOG.info('%s: VNF snapshot %s not deleted yet: %s', self.name,
                     self.resource_id, common.detail(exc))
            return False
        progress['deleted'] = True
        return self.gone(self.client().vnf_snapshots.get, self.resource_id)

    def _operation_ended(self, progress):
        op_id = self.data().get(OPERATION_ID)
        if not op_id:
            return True
        try:
            op = self.client().vnf_lcm_op_occs.get(op_id)
        except vnfsnap_exc.NotFound:
            return True
        state = op.get('operationState')
        if state in common.OP_RUNNING:
            return False
        if state == common.OP_FAILED_TEMP:
            if not progress['rolled_back']:
                self.client().vnf_lcm_op_occs.rollback(op_id)
                progress['rolled_back'] = True
            return False
        return True

    # --- attributes --------------------------------------------------

    def get_live(self):
        return self.client().vnf_snapshots.get(self.resource_id)

    def resolve(self, name):
        op_id = self.data().get(OPERATION_ID)
        if name == self.OPERATION_ID_ATTR:
            return op_id
        if name == self.STATE_ATTR:
            if not op_id:
                return None
            return self.client().vnf_lcm_op_occs.get(op_id).get(
                'operationState')
        info = self.get_live()
        snapshot = info.get('vnfSnapshot') or {}
        if name == self.VNFC_SNAPSHOTS_ATTR:
            return snapshot.get('vnfcSnapshots') or []
        if name == self.VNF_INSTANCE_ATTR:
            return (snapshot.get('vnfInstanceId') or
                    self.properties[self.VNF_INSTANCE])
        return info


def resource_mapping():
    return {'OS::VnfSnap::VnfSnapshot': VnfSnapshot}
