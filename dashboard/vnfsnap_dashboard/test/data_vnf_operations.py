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

"""VnfLcmOpOcc representations as vnfsnap answers them, for the unit
tests of both Operations panels."""

from vnfsnap_dashboard.api import vnf_operations as api

VNFSNAP_URL = 'http://vnfsnap.example.com:9896/vnflcm/v2'
VNF_INSTANCE_ID = '4f1b6e0c-6b2a-4f6e-9d1d-2f0d6a1c0a01'
VNF_INSTANCE_NAME = 'vnf-web'
PROBLEM = {
    'type': 'about:blank',
    'title': 'Conflict',
    'status': 409,
    'detail': 'VNFC web-1: the guest agent did not answer the freeze',
}
# The tasks vnfsnap links to in each state (vnfsnap.common.views).
NO_ROLLBACK = ('REVERT_TO_SNAPSHOT',)


def op_occ_dict(op_id, state, operation='CREATE_SNAPSHOT', **extra):
    """A VnfLcmOpOcc as GET /vnf_lcm_op_occs/{id} answers it."""
    path = '%s/vnf_lcm_op_occs/%s' % (VNFSNAP_URL, op_id)
    links = {'self': {'href': path},
             'vnfInstance': {'href': '%s/vnf_instances/%s' % (
                 VNFSNAP_URL, VNF_INSTANCE_ID)}}
    for task, sources in api.TASK_SOURCE_STATES.items():
        if state in sources and not (task == 'rollback'
                                     and operation in NO_ROLLBACK):
            links[task] = {'href': '%s/%s' % (path, task)}
    op = {
        'id': op_id,
        'operationState': state,
        'stateEnteredTime': '2026-12-06T10:05:00Z',
        'startTime': '2026-12-06T10:00:00Z',
        'vnfInstanceId': VNF_INSTANCE_ID,
        'operation': operation,
        'isAutomaticInvocation': False,
        'isCancelPending': False,
        '_links': links,
    }
    op.update(extra)
    return op


def op_occ(op_id, state, operation='CREATE_SNAPSHOT',
           vnf_instance_name=VNF_INSTANCE_NAME, **extra):
    """The same, as the panels' API module returns it (vnf_lcm_op_occ_get
    leaves ``vnf_instance_name`` None)."""
    return api.VnfLcmOpOcc(op_occ_dict(op_id, state, operation, **extra),
                           vnf_instance_name)
