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


"""Modify VNF information (SOL003 MODIFY_INFO) as a taskflow flow.

The API checked the request against the VNF instance and reserved it; the
flow checks what only a conductor can see (a VIM driver for each VIM
connection), then applies the modification in one transaction with the
occurrence's changedInfo (vnfsnap.common.vnf_info.modify). It records what
it replaced, so that a rollback of a FAILED_TEMP occurrence (its conductor
died after applying) puts it back; a retry applies the same merge patch
again, which changes nothing more.
"""

from oslo_log import log as logging
from taskflow import states as tf_states
from taskflow import task
from taskflow.patterns import linear_flow

from vnfsnap import vim
from vnfsnap.common import states
from vnfsnap.common import vnf_info
from vnfsnap.conductor.flows import common
from vnfsnap.db import api as db_api

LOG = logging.getLogger(__name__)
OPERATION = states.MODIFY_INFO
# A failure undoes every step (nothing stays done): a resumed run that
# fails is rolled back.
FAILURE_UNDOES_ALL = True


def _private(op):
    """What the occurrence keeps encrypted: the request with its secrets
    (when it has some) and, once applied, what it replaced."""
    return op.private_params or {}


def _request(op):
    return _private(op).get('request', op.operation_params)


class CheckVimDrivers(task.Task):
    """Every VIM connection the modification adds or changes has a driver
    on this conductor: the next snapshot operations will need it."""

    def __init__(self, op):
        super().__init__(name='check-vim-drivers')
        self.op = op

    def execute(self):
        changed = _request(self.op).get('vimConnectionInfo') or {}
        if not changed:
            return
        instance = db_api.get_vnf_instance(None, self.op.vnf_instance_id)
        values, _ = vnf_info.modify(instance, {'vimConnectionInfo': changed})
        for conn in sorted(changed):
            info = values['vim_connection_info'].get(conn)
            if info is not None:
                vim.check_installed(info['vimType'])


class ApplyModifications(task.Task):
    """Write the modified VNF instance and the changedInfo at once."""

    def __init__(self, op):
        super().__init__(name='apply-modifications')
        self.op = op

    def execute(self):
        op = db_api.get_op_occ(None, self.op.id)
        instance = db_api.get_vnf_instance(None, op.vnf_instance_id)
        private = _private(op)
        values, changed = vnf_info.modify(
            instance, private.get('request', op.operation_params))
        # A retry after a run that applied keeps what that run replaced.
        private.setdefault('before', {column: getattr(instance, column)
                                      for column in values})
        db_api.modify_vnf_instance(op.id, instance.id, values,
                                   changed_info=changed,
                                   private_params=private)
        LOG.info('VNF instance %s modified (op occurrence %s): %s',
                 instance.id, op.id, ', '.join(sorted(changed)) or 'nothing')


def build(op, instance, plan=None):
    """Return (flow, store) for a MODIFY_INFO op occurrence (its request
    is all it decides from: ``plan`` is not needed to rebuild it)."""
    flow = linear_flow.Flow('modify-info-%s' % op.id)
    flow.add(common.CheckCancel(name='check-cancel-start'),
             CheckVimDrivers(op), ApplyModifications(op))
    return flow, {'op_id': op.id}


def resume_direction(flow, atom_states):
    """Finish an interrupted modification once it started writing the
    VNF instance (writing it again is the same write; what it replaced
    is kept from the first); before that, roll it back (nothing to
    undo)."""
    if common.undoing(atom_states) or atom_states.get(
            'apply-modifications') in (tf_states.PENDING, None):
        return common.BACK
    return common.FORWARD


def rollback(op):
    """Put back what the occurrence replaced, if it got that far."""
    before = _private(op).get('before')
    if before is None:
        return
    LOG.info('Rolling back the modification of VNF instance %s (op '
             'occurrence %s)', op.vnf_instance_id, op.id)
    db_api.modify_vnf_instance(op.id, op.vnf_instance_id, before,
                               changed_info=None)
