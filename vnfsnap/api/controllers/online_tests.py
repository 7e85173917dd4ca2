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

"""``/vnflcm/v2/vnf_instances/{id}/online_tests`` (vnfsnap extension): the
guarded online tests of GR NFV-TST 005 clause 4.1.1.

A test is started like an LCM operation: its record and its ONLINE_TEST
operation occurrence (same id, reserving the VNF) are written in one
transaction and the id is cast to a conductor, which runs the test's
flow (vnfsnap.conductor.flows.online_test). Its state is the
occurrence's; LCM subscribers are notified of it like of any other.
"""

import re

from oslo_utils import uuidutils
import pecan

from vnfsnap.api import utils
from vnfsnap.api.controllers import base
from vnfsnap.api.schemas import online_tests as schemas
from vnfsnap.common import exception
from vnfsnap.common import probe_targets
from vnfsnap.common import states
from vnfsnap.common import views
from vnfsnap.db import api as db_api
from vnfsnap.db import models

DEFAULT_EXCLUDES = ('request', 'probeRounds')


def _check_request(instance, body):
    """422 unless what the request names is part of the VNF and each
    pattern compiles."""
    info = instance.instantiated_vnf_info or {}
    vnfcs = {v['id']: v for v in info.get('vnfcResourceInfo') or ()}
    scope = body.get('vnfcInstanceIds') or list(vnfcs)
    for vnfc_id in scope:
        if vnfc_id not in vnfcs:
            raise exception.UnprocessableEntity(
                reason='vnfcInstanceIds: VNFC %s is not part of VNF '
                       'instance %s' % (vnfc_id, instance.id))
    ids = [p['id'] for p in body['probes']]
    if len(set(ids)) != len(ids):
        raise exception.UnprocessableEntity(reason='probe ids are not '
                                                   'unique')
    for probe in body['probes']:
        vnfc_id = probe.get('vnfcInstanceId')
        if vnfc_id is not None and vnfc_id not in vnfcs:
            raise exception.UnprocessableEntity(
                reason='probe %s: VNFC %s is not part of VNF instance %s'
                       % (probe['id'], vnfc_id, instance.id))
        for key in ('bodyRegex', 'outputRegex'):
            if key in probe:
                _compiles('probe %s: %s' % (probe['id'], key), probe[key])
    fault = body['fault']
    vnfc_id = fault.get('vnfcInstanceId')
    if fault['type'] in schemas.VNFC_FAULTS and vnfc_id not in scope:
        # Only the VNFCs in scope are snapshotted, so only they can be
        # put back.
        raise exception.UnprocessableEntity(
            reason='fault: VNFC %s is not among the VNFCs in scope of the '
                   'test (%s)' % (vnfc_id, ', '.join(scope)))
    if fault['type'] == 'DETACH_VOLUME' and fault['storageResourceId'] \
            not in (vnfcs[vnfc_id].get('storageResourceIds') or ()):
        raise exception.UnprocessableEntity(
            reason='fault: volume %s is not a storage resource of VNFC %s'
                   % (fault['storageResourceId'], vnfc_id))
    on_fail = body.get('onFail') or {}
    if on_fail.get('buildPackage') and on_fail.get(
            'captureFailedState') is False:
        raise exception.UnprocessableEntity(
            reason='onFail: buildPackage needs captureFailedState')


def _compiles(what, pattern):
    try:
        re.compile(pattern)
    except re.error as e:
        raise exception.UnprocessableEntity(
            reason='%s is not a regular expression: %s' % (what, e))


class Abort(base.Resource):
    """``abort``: stop the test; whatever it did to the VNF is undone
    (the fault taken back, the VNF reverted to the pre-test snapshot)."""

    def __init__(self, instance_id, test_id):
        self.instance_id, self.test_id = instance_id, test_id

    def post(self):
        utils.authorize('vnfsnap:online_test:abort')
        if pecan.request.body:
            utils.json_body(schemas.ABORT)
        test = db_api.get_online_test(utils.scope(), self.test_id,
                                      self.instance_id)
        if test.operation_state not in states.ACTIVE_STATES:
            raise exception.Conflict(
                'Online test %s is %s; only a running test can be aborted'
                % (test.id, test.operation_state))
        op = db_api.get_op_occ(None, test.id)
        if op.operation_state == states.STARTING and op.host is None:
            # No conductor has it yet: nothing ran, nothing to undo.
            try:
                db_api.transition_op_occ(
                    op.id, (states.STARTING,), states.ROLLED_BACK,
                    task='abort', expect_host=None,
                    cancel_mode=states.GRACEFUL)
                return utils.accepted()
            except exception.InvalidOpOccState:
                pass  # a conductor claimed it meanwhile: stop its run
        db_api.request_cancel(None, op.id, states.GRACEFUL)
        return utils.accepted()


class OnlineTest(base.Resource):

    def __init__(self, instance_id, test_id):
        self.instance_id, self.test_id = instance_id, test_id
        self.abort = Abort(instance_id, test_id)

    def get(self):
        utils.authorize('vnfsnap:online_test:get')
        utils.no_query()
        obj = db_api.get_online_test(utils.scope(), self.test_id,
                                     self.instance_id)
        return utils.single(views.online_test(obj, utils.base_url()),
                            obj.updated_at)


class OnlineTests(base.Resource):

    def __init__(self, instance_id):
        self.instance_id = instance_id

    @pecan.expose()
    def _lookup(self, test_id, *remainder):
        return OnlineTest(self.instance_id, test_id), remainder

    def get(self):
        utils.authorize('vnfsnap:online_test:get_all')
        db_api.get_vnf_instance(utils.scope(), self.instance_id)
        base_url = utils.base_url()
        return utils.db_collection(
            models.OnlineTest, lambda o: views.online_test(o, base_url),
            default_excludes=DEFAULT_EXCLUDES,
            where=(models.OnlineTest.vnf_instance_id == self.instance_id,))

    def post(self):
        utils.authorize('vnfsnap:online_test:create')
        body = utils.json_body(schemas.CREATE)
        pecan.request.rpcapi.require(states.ONLINE_TEST)
        instance = db_api.get_vnf_instance(utils.scope(), self.instance_id)
        if instance.instantiation_state != states.INSTANTIATED:
            raise exception.VnfInstanceNotInstantiated(id=instance.id)
        _check_request(instance, body)
        probe_targets.check_request(body)
        ctx = utils.context()
        test_id = uuidutils.generate_uuid()
        db_api.create_op_occ(
            {'id': test_id, 'project_id': instance.project_id,
             'vnf_instance_id': instance.id,
             'operation': states.ONLINE_TEST, 'operation_params': body,
             'is_automatic_invocation': False, 'is_cancel_pending': False},
            online_test={'request': body})
        pecan.request.rpcapi.run_lcm_op_occ(ctx, test_id,
                                            states.ONLINE_TEST)
        obj = db_api.get_online_test(None, test_id)
        rep = views.online_test(obj, utils.base_url())
        return utils.respond(rep, status=202, headers=[
            ('Location', rep['_links']['self']['href'])])
