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

"""The LCM operation occurrences (SOL003 clause 5.4.12-5.4.17) as the
Operations panels use them: list, show, and the retry / rollback / fail /
cancel tasks.  Thin calls of the client library, mocked by the unit
tests."""

from openstack_dashboard.api import base

from vnfsnap_dashboard.api import vnfsnap

# LcmOperationStateType (SOL003 clause 5.5.4.5).
STARTING = 'STARTING'
PROCESSING = 'PROCESSING'
COMPLETED = 'COMPLETED'
FAILED_TEMP = 'FAILED_TEMP'
FAILED = 'FAILED'
ROLLING_BACK = 'ROLLING_BACK'
ROLLED_BACK = 'ROLLED_BACK'

# CancelModeType (SOL003 clause 5.5.4.6).
GRACEFUL = 'GRACEFUL'
FORCEFUL = 'FORCEFUL'

# The states each task may start from (SOL003 clause 5.4.14-5.4.17 and the
# state model of clause 5.6.2.2): a FAILED_TEMP occurrence waits for a
# retry, a rollback or a fail; a running one may be cancelled.
TASK_SOURCE_STATES = {
    'retry': frozenset((FAILED_TEMP,)),
    'rollback': frozenset((FAILED_TEMP,)),
    'fail': frozenset((FAILED_TEMP,)),
    'cancel': frozenset((STARTING, PROCESSING, ROLLING_BACK)),
}


class VnfLcmOpOcc(base.APIDictWrapper):
    """A VnfLcmOpOcc representation, with the VNF instance's name when the
    caller looked it up (``vnf_instance_name``)."""

    def __init__(self, apidict, vnf_instance_name=None):
        super().__init__(apidict)
        self.vnf_instance_name = vnf_instance_name

    @property
    def state(self):
        return self._apidict.get('operationState')

    def task_allowed(self, task):
        """Whether ``task`` may run now: the state SOL003 starts it from,
        and the link vnfsnap gives to it (vnfsnap gives none to what it
        refuses anyway, such as the rollback of a revert)."""
        links = self._apidict.get('_links') or {}
        return self.state in TASK_SOURCE_STATES[task] and task in links


def _ops(request):
    return vnfsnap.client(request).vnf_lcm_op_occs


def vnf_instance_names(request):
    """{VNF instance id: vnfInstanceName} of the instances the user sees
    (one request for a whole table)."""
    return {i['id']: i.get('vnfInstanceName')
            for i in vnfsnap.client(request).vnf_instances.list()}


def vnf_instance_name(request, vnf_instance_id):
    return vnfsnap.client(request).vnf_instances.get(
        vnf_instance_id).get('vnfInstanceName')


def vnf_lcm_op_occ_list(request):
    """The occurrences, the latest started first."""
    ops = [VnfLcmOpOcc(o) for o in _ops(request).list()]
    ops.sort(key=lambda o: o.get('startTime') or '', reverse=True)
    return ops


def vnf_lcm_op_occ_get(request, op_id):
    return VnfLcmOpOcc(_ops(request).get(op_id))


def vnf_lcm_op_occ_retry(request, op_id):
    _ops(request).retry(op_id)


def vnf_lcm_op_occ_rollback(request, op_id):
    _ops(request).rollback(op_id)


def vnf_lcm_op_occ_fail(request, op_id):
    _ops(request).fail(op_id)


def vnf_lcm_op_occ_cancel(request, op_id, cancel_mode):
    _ops(request).cancel(op_id, cancel_mode=cancel_mode)
