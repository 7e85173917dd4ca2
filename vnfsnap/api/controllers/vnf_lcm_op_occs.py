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

"""``/vnflcm/v2/vnf_lcm_op_occs``: snapshot LCM operation occurrences and
the retry / rollback / fail / cancel tasks (SOL003 5.4.12-5.4.17)."""

import pecan

from vnfsnap.api import utils
from vnfsnap.api.controllers import base
from vnfsnap.api.schemas import lcm as schemas
from vnfsnap.common import exception
from vnfsnap.common import states
from vnfsnap.common import views
from vnfsnap.db import api as db_api
from vnfsnap.db import models

DEFAULT_EXCLUDES = ('operationParams', 'error', 'resourceChanges',
                    'changedInfo', 'changedExtConnectivity')


class _Task(base.Resource):
    TASK = None

    def __init__(self, op_id):
        self.op_id = op_id

    def _prepare(self):
        """Authorize and load; 409 when the task is not possible now."""
        utils.authorize('vnfsnap:vnf_lcm_op_occ:%s' % self.TASK)
        ctx = utils.context()
        op = db_api.get_op_occ(utils.scope(), self.op_id)
        if self.TASK not in states.allowed_tasks(op.operation,
                                                 op.operation_state):
            if (self.TASK == 'rollback'
                    and op.operation in states.NO_ROLLBACK):
                raise exception.Conflict(
                    'Rollback of %s is not supported: vnfsnap keeps no '
                    'copy of the pre-revert state. Retry the revert or '
                    'mark the occurrence as failed.' % op.operation)
            raise exception.InvalidOpOccState(task=self.TASK, id=op.id,
                                              state=op.operation_state)
        return ctx, op

    def _move(self, ctx, op, to_state):
        return db_api.transition_op_occ(
            op.id, states.TASK_SOURCE_STATES[self.TASK], to_state,
            task=self.TASK, project_id=utils.scope())


class _ConductorTask(_Task):
    """A task a conductor carries out from ``TARGET`` on (202)."""

    TARGET = None

    def post(self):
        ctx, op = self._prepare()
        self._move(ctx, op, self.TARGET)
        pecan.request.rpcapi.run_lcm_op_occ(ctx, op.id, op.operation)
        return utils.accepted()


class Retry(_ConductorTask):
    TASK = 'retry'
    TARGET = states.PROCESSING


class Rollback(_ConductorTask):
    TASK = 'rollback'
    TARGET = states.ROLLING_BACK


class Fail(_Task):
    TASK = 'fail'

    def post(self):
        ctx, op = self._prepare()
        op = self._move(ctx, op, states.FAILED)
        rep = views.vnf_lcm_op_occ(op, utils.base_url())
        return utils.single(rep, op.updated_at)


class Cancel(_Task):
    TASK = 'cancel'

    def post(self):
        # Refuse the unauthorized before reading what they sent.
        utils.authorize('vnfsnap:vnf_lcm_op_occ:cancel')
        body = utils.json_body(schemas.CANCEL)
        ctx, op = self._prepare()
        if op.operation_state == states.STARTING and op.host is None:
            # Not picked up by a conductor yet: nothing ran, nothing to undo.
            try:
                db_api.transition_op_occ(
                    op.id, (states.STARTING,), states.ROLLED_BACK,
                    task='cancel', project_id=utils.scope(),
                    expect_host=None, cancel_mode=body['cancelMode'])
                return utils.accepted()
            except exception.InvalidOpOccState:
                pass  # a conductor claimed it meanwhile: cancel the run
        db_api.request_cancel(utils.scope(), op.id, body['cancelMode'])
        return utils.accepted()


class VnfLcmOpOcc(base.Resource):

    def __init__(self, op_id):
        self.op_id = op_id
        self.retry = Retry(op_id)
        self.rollback = Rollback(op_id)
        self.fail = Fail(op_id)
        self.cancel = Cancel(op_id)

    def get(self):
        utils.authorize('vnfsnap:vnf_lcm_op_occ:get')
        utils.no_query()
        op = db_api.get_op_occ(utils.scope(), self.op_id)
        return utils.single(views.vnf_lcm_op_occ(op, utils.base_url()),
                            op.updated_at)


class VnfLcmOpOccs(base.Resource):

    @pecan.expose()
    def _lookup(self, op_id, *remainder):
        return VnfLcmOpOcc(op_id), remainder

    def get(self):
        utils.authorize('vnfsnap:vnf_lcm_op_occ:get_all')
        base_url = utils.base_url()
        return utils.db_collection(
            models.VnfLcmOpOcc, lambda o: views.vnf_lcm_op_occ(o, base_url),
            default_excludes=DEFAULT_EXCLUDES)
