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

"""``/vnflcm/v2/vnf_instances``: registered VNFs and their snapshot tasks.

Registration is vnfsnap's extension of SOL003 "Create VNF identifier": the
request may carry ``instantiatedVnfInfo`` for a VNF that already runs, which
is then INSTANTIATED and can be snapshotted and reverted.
"""

from oslo_utils import uuidutils
import pecan

from vnfsnap import descriptor as descriptor_mod
from vnfsnap.api import utils
from vnfsnap.api.controllers import base
from vnfsnap.api.controllers import online_tests
from vnfsnap.api.schemas import lcm as lcm_schemas
from vnfsnap.api.schemas import vnf_instances as schemas
from vnfsnap.common import exception
from vnfsnap.common import states
from vnfsnap.common import urlfetch
from vnfsnap.common import views
from vnfsnap.common import vnf_info
from vnfsnap.db import api as db_api
from vnfsnap.db import models

DEFAULT_EXCLUDES = ('vnfConfigurableProperties', 'vimConnectionInfo',
                    'instantiatedVnfInfo', 'metadata', 'extensions')

# Identity attributes of a VnfInstance and the VNFD keys they may come from.
_FROM_VNFD = (('vnfProvider', 'provider'),
              ('vnfProductName', 'productName'),
              ('vnfSoftwareVersion', 'softwareVersion'),
              ('vnfdVersion', 'vnfdVersion'))
_IDENTITY_MAX = schemas.NAME['maxLength']


def _check_references(body):
    """422 unless every reference inside the registration resolves."""
    vims = body.get('vimConnectionInfo') or {}
    info = body.get('instantiatedVnfInfo')
    if not info:
        return
    storages = [s['id'] for s in info.get('virtualStorageResourceInfo') or []]
    if len(set(storages)) != len(storages):
        raise exception.UnprocessableEntity(
            reason='virtualStorageResourceInfo ids are not unique')
    vnfcs = [v['id'] for v in info['vnfcResourceInfo']]
    if len(set(vnfcs)) != len(vnfcs):
        raise exception.UnprocessableEntity(
            reason='vnfcResourceInfo ids are not unique')
    _check_connection_points(info)
    vnf_info.check_vim_references(vims, info)
    for vnfc in info['vnfcResourceInfo']:
        for sid in vnfc.get('storageResourceIds') or []:
            if sid not in storages:
                raise exception.UnprocessableEntity(
                    reason='vnfcResourceInfo %s: storage resource %s is not '
                           'in virtualStorageResourceInfo' % (vnfc['id'],
                                                              sid))


# References of VnfExtCpInfo into structures vnfsnap does not register.
_UNREGISTERED = (('associatedVipCpId', 'vipCpInfo'),
                 ('associatedVnfVirtualLinkId',
                  'vnfVirtualLinkResourceInfo or extManagedVirtualLinkInfo'),
                 ('extLinkPortId', 'extVirtualLinkInfo'))


def _check_connection_points(info):
    """422 unless the external CPs and the VNFC CPs refer to each other
    consistently (SOL003 VnfExtCpInfo, VnfcResourceInfo.vnfcCpInfo)."""
    vnfc_cps = {}
    for vnfc in info['vnfcResourceInfo']:
        for cp in vnfc.get('vnfcCpInfo') or ():
            if cp['id'] in vnfc_cps:
                raise exception.UnprocessableEntity(
                    reason='vnfcCpInfo id %s is not unique in the VNF'
                    % cp['id'])
            vnfc_cps[cp['id']] = cp
    ext_cps = info.get('extCpInfo')
    if ext_cps is None:
        return      # derived from the VNFC CPs (views.ext_cp_info)
    ext_ids = [ext['id'] for ext in ext_cps]
    if len(set(ext_ids)) != len(ext_ids):
        raise exception.UnprocessableEntity(
            reason='extCpInfo ids are not unique')
    for ext in ext_cps:
        for attr, holder in _UNREGISTERED:
            if attr in ext:
                raise exception.UnprocessableEntity(
                    reason='extCpInfo %s: %s refers to %s, which vnfsnap '
                           'does not register; expose the CP through '
                           'associatedVnfcCpId' % (ext['id'], attr, holder))
        cp = vnfc_cps.get(ext['associatedVnfcCpId'])
        if cp is None or cp.get('vnfExtCpId') != ext['id']:
            raise exception.UnprocessableEntity(
                reason='extCpInfo %s: associatedVnfcCpId %s must be a '
                       'vnfcCpInfo entry whose vnfExtCpId is %s'
                       % (ext['id'], ext['associatedVnfcCpId'], ext['id']))
    for cp in vnfc_cps.values():
        if cp.get('vnfExtCpId') not in (None, *ext_ids):
            raise exception.UnprocessableEntity(
                reason='vnfcCpInfo %s: vnfExtCpId %s is not in extCpInfo'
                       % (cp['id'], cp['vnfExtCpId']))


def _identity(body):
    vnfd = body.get('vnfd') or {}
    values = {}
    for attr, key in _FROM_VNFD:
        value = body.get(attr) or vnfd.get(key)
        if not value:
            raise exception.UnprocessableEntity(
                reason='%s is required (give it, or a vnfd document with '
                       'a "%s" key)' % (attr, key))
        if not isinstance(value, str) or len(value) > _IDENTITY_MAX:
            raise exception.UnprocessableEntity(
                reason='%s: the vnfd "%s" key must be a string of at most '
                       '%d characters' % (attr, key, _IDENTITY_MAX))
        values[attr] = value
    return values


class CreateSnapshotTask(base.Resource):
    """``create_snapshot`` (SOL003 5.4.21)."""

    def __init__(self, instance_id):
        self.instance_id = instance_id

    def post(self):
        utils.authorize('vnfsnap:vnf_instance:create_snapshot')
        body = utils.json_body(lcm_schemas.CREATE_SNAPSHOT)
        instance = _instantiated(self.instance_id)
        info = _target_snapshot(instance, body['vnfSnapshotInfoId'])
        if info.snapshot_id is not None:
            raise exception.UnprocessableEntity(
                reason='VNF snapshot %s already holds a snapshot; create a '
                       'new, empty one first' % info.id)
        rules = descriptor_mod.Descriptor.of(instance)
        rules.check_allowed(states.CREATE_SNAPSHOT)
        if rules.grant_mode(states.CREATE_SNAPSHOT) == 'policy':
            utils.authorize('vnfsnap:vnf_instance:grant_create_snapshot')
        rules.check_time()
        rules.check_create(body.get('additionalParams') or {},
                           instance.instantiated_vnf_info)
        return _start(instance, states.CREATE_SNAPSHOT, body)


class RevertToSnapshotTask(CreateSnapshotTask):
    """``revert_to_snapshot`` (SOL003 5.4.22)."""

    def post(self):
        utils.authorize('vnfsnap:vnf_instance:revert_to_snapshot')
        body = utils.json_body(lcm_schemas.REVERT_TO_SNAPSHOT)
        instance = _instantiated(self.instance_id)
        rules = descriptor_mod.Descriptor.of(instance)
        rules.check_allowed(states.REVERT_TO_SNAPSHOT)
        if rules.grant_mode(states.REVERT_TO_SNAPSHOT) == 'policy':
            utils.authorize(
                'vnfsnap:vnf_instance:grant_revert_to_snapshot')
        info = _target_snapshot(instance, body['vnfSnapshotInfoId'])
        if info.snapshot_id is None:
            raise exception.UnprocessableEntity(
                reason='VNF snapshot %s is empty; there is nothing to '
                       'revert to' % info.id)
        if info.snapshot_vnf_instance_id != self.instance_id:
            raise exception.UnprocessableEntity(
                reason='VNF snapshot %s was taken from VNF instance %s, '
                       'not %s' % (info.id, info.snapshot_vnf_instance_id,
                                   self.instance_id))
        return _start(instance, states.REVERT_TO_SNAPSHOT, body)


def _target_snapshot(instance, info_id):
    """The VNF snapshot a task on ``instance`` names; 422 when unknown or
    of another project."""
    try:
        info = db_api.get_vnf_snapshot_info(utils.scope(), info_id)
    except exception.VnfSnapshotInfoNotFound as e:
        raise exception.UnprocessableEntity(reason=e.message)
    utils.same_project(instance, info)
    return info


def _instantiated(instance_id):
    """The caller's VNF instance; 404 when unknown, 409 unless
    INSTANTIATED (checked before the request's references)."""
    instance = db_api.get_vnf_instance(utils.scope(),
                                       instance_id)
    if instance.instantiation_state != states.INSTANTIATED:
        raise exception.VnfInstanceNotInstantiated(id=instance_id)
    return instance


def _start(instance, operation, body, instance_updated_at=None,
           **values):
    """Record the op occurrence (reserving the VNF) and cast it.

    The occurrence belongs to the VNF instance's project, also when an
    administrator of another project starts it.

    ``instance_updated_at``: only if the VNF instance is still as the
    caller read it (its preconditions were checked on that read).
    """
    ctx = utils.context()
    values.setdefault('operation_params', body)
    try:
        op = db_api.create_op_occ(dict(
            values, id=uuidutils.generate_uuid(),
            project_id=instance.project_id,
            vnf_instance_id=instance.id, operation=operation,
            vnf_snapshot_info_id=body.get('vnfSnapshotInfoId'),
            is_automatic_invocation=False, is_cancel_pending=False),
            instance_updated_at=instance_updated_at)
    except exception.ConcurrentModification:
        if pecan.request.headers.get('If-Match') is not None:
            raise exception.PreconditionFailed()
        raise
    pecan.request.rpcapi.run_lcm_op_occ(ctx, op.id, operation)
    return utils.accepted('%s/vnflcm/v2/vnf_lcm_op_occs/%s'
                          % (utils.base_url(), op.id))


def _check_snapshot_connections(instance, patch):
    """422 when the modification removes a VIM connection that a VNF
    snapshot taken from the instance was made through: deleting or
    reverting to it needs that connection's credentials."""
    if patch is None:
        removed = set(instance.vim_connection_info or ())
    else:
        removed = {conn for conn, info in patch.items() if info is None}
    if not removed:
        return
    for info in db_api.list_vnf_snapshot_infos(instance.project_id):
        if info.snapshot_vnf_instance_id != instance.id:
            continue
        used = removed & set((info.snapshot_vnf_instance or {}).get(
            'vimConnectionInfo') or ())
        if used:
            raise exception.UnprocessableEntity(
                reason='vimConnectionInfo %s cannot be removed: VNF '
                       'snapshot %s was taken through it; delete the '
                       'snapshot first' % (', '.join(sorted(used)),
                                           info.id))


class SnapshotDescriptor(base.Resource):
    """``snapshot_descriptor`` (vnfsnap extension): the descriptor that
    governs the VNF's snapshot operations (GR NFV-TST 005 table 7.3-1);
    PUT replaces the one given at registration."""

    def __init__(self, instance_id):
        self.instance_id = instance_id

    def get(self):
        utils.authorize('vnfsnap:vnf_instance:get_snapshot_descriptor')
        utils.no_query()
        obj = db_api.get_vnf_instance(utils.scope(),
                                      self.instance_id)
        return utils.single(descriptor_mod.Descriptor.of(obj).doc,
                            obj.updated_at)

    def put(self):
        utils.authorize('vnfsnap:vnf_instance:update_snapshot_descriptor')
        body = utils.json_body({'type': 'object'})
        descriptor_mod.validate(body)
        obj = db_api.set_snapshot_descriptor(
            utils.scope(), self.instance_id, body)
        return utils.single(obj.snapshot_descriptor, obj.updated_at)


def _notifications_view(stored):
    """The endpoint as stored, without its secrets."""
    if not stored:
        return {}
    view = {k: stored[k] for k in ('callbackUri', 'verifyTls', 'ackTimeout')
            if k in stored}
    if stored.get('credentials'):
        creds = urlfetch.Credentials.from_dict(stored['credentials'])
        view['authentication'] = {'authType': [creds.auth_type]}
        if creds.auth_type == urlfetch.AUTH_BASIC:
            view['authentication']['paramsBasic'] = {
                'userName': creds.username}
        else:
            view['authentication']['paramsOauth2ClientCredentials'] = {
                'clientId': creds.client_id,
                'tokenEndpoint': creds.token_endpoint}
    return view


class SnapshotNotifications(base.Resource):
    """``snapshot_notifications`` (vnfsnap extension): the endpoint that
    gets the VNF's "prepare" and "done" notices around its snapshots and
    reverts; passwords are stored encrypted and never shown."""

    def __init__(self, instance_id):
        self.instance_id = instance_id

    def get(self):
        utils.authorize('vnfsnap:vnf_instance:get_snapshot_notifications')
        utils.no_query()
        obj = db_api.get_vnf_instance(utils.scope(),
                                      self.instance_id)
        return utils.single(_notifications_view(obj.snapshot_notifications),
                            obj.updated_at)

    def put(self):
        utils.authorize(
            'vnfsnap:vnf_instance:update_snapshot_notifications')
        body = utils.json_body(schemas.SNAPSHOT_NOTIFICATIONS)
        creds = utils.subscription_credentials(body.get('authentication'))
        stored = {'callbackUri': body['callbackUri'],
                  'verifyTls': body.get('verifyTls', True)}
        if 'ackTimeout' in body:
            stored['ackTimeout'] = body['ackTimeout']
        if creds is not None:
            stored['credentials'] = creds.to_dict()
        obj = db_api.set_snapshot_notifications(
            utils.scope(), self.instance_id, stored)
        return utils.single(_notifications_view(obj.snapshot_notifications),
                            obj.updated_at)

    def delete(self):
        utils.authorize(
            'vnfsnap:vnf_instance:update_snapshot_notifications')
        db_api.set_snapshot_notifications(utils.scope(),
                                          self.instance_id, None)
        return utils.respond(status=204)


class VimCapabilities(base.Resource):
    """``vim_capabilities`` (vnfsnap extension): what the VIM of each VNFC
    can do for snapshots, read from the VIM when asked (GR NFV-TST 005
    gap table 5.3-2, Nfvi.001)."""

    def __init__(self, instance_id):
        self.instance_id = instance_id

    def get(self):
        utils.authorize('vnfsnap:vnf_instance:get_vim_capabilities')
        utils.no_query()
        ctx = utils.context()
        db_api.get_vnf_instance(utils.scope(), self.instance_id)
        answer = pecan.request.rpcapi.get_vim_capabilities(
            ctx, self.instance_id)
        return utils.respond({
            'vnfInstanceId': self.instance_id,
            'vnfcs': [views.vim_capabilities(entry) for entry in answer]})


class VnfInstance(base.Resource):

    def __init__(self, instance_id):
        self.instance_id = instance_id
        self.create_snapshot = CreateSnapshotTask(instance_id)
        self.revert_to_snapshot = RevertToSnapshotTask(instance_id)
        self.vim_capabilities = VimCapabilities(instance_id)
        self.snapshot_descriptor = SnapshotDescriptor(instance_id)
        self.snapshot_notifications = SnapshotNotifications(instance_id)
        self.online_tests = online_tests.OnlineTests(instance_id)

    def _load(self):
        return db_api.get_vnf_instance(utils.scope(),
                                       self.instance_id)

    def get(self):
        utils.authorize('vnfsnap:vnf_instance:get')
        utils.no_query()
        obj = self._load()
        return utils.single(views.vnf_instance(obj, utils.base_url()),
                            obj.updated_at)

    def patch(self):
        """SOL003 "Modify VNF information": a MODIFY_INFO occurrence the
        conductor runs (202); what cannot be done is refused now."""
        utils.authorize('vnfsnap:vnf_instance:update')
        body = utils.json_body(schemas.MODIFY, content_types=(
            utils.MERGE_PATCH_JSON, utils.JSON))
        pecan.request.rpcapi.require(states.MODIFY_INFO)
        vnf_info.check_names(body, schemas.MODIFY['properties'])
        obj = self._load()
        utils.check_preconditions(views.vnf_instance(obj, utils.base_url()),
                                  obj.updated_at)
        vnf_info.modify(obj, body)
        if 'vimConnectionInfo' in body:
            _check_snapshot_connections(obj, body['vimConnectionInfo'])
        # The secrets the request carries are kept apart, encrypted.
        public = views.without_access_info(body)
        return _start(obj, states.MODIFY_INFO, body,
                      instance_updated_at=obj.updated_at,
                      operation_params=public,
                      private_params=({'request': body} if public != body
                                      else None))

    def delete(self):
        utils.authorize('vnfsnap:vnf_instance:delete')
        db_api.delete_vnf_instance(utils.scope(),
                                   self.instance_id)
        return utils.respond(status=204)


class VnfInstances(base.Resource):

    @pecan.expose()
    def _lookup(self, instance_id, *remainder):
        return VnfInstance(instance_id), remainder

    def get(self):
        utils.authorize('vnfsnap:vnf_instance:get_all')
        base_url = utils.base_url()
        return utils.db_collection(
            models.VnfInstance, lambda o: views.vnf_instance(o, base_url),
            default_excludes=DEFAULT_EXCLUDES)

    def post(self):
        utils.authorize('vnfsnap:vnf_instance:create')
        body = utils.json_body(schemas.CREATE)
        _check_references(body)
        identity = _identity(body)
        if body.get('snapshotDescriptor') is not None:
            descriptor_mod.validate(body['snapshotDescriptor'])
        inside = descriptor_mod.from_vnfd(body.get('vnfd'))
        if inside is not None:
            descriptor_mod.validate(
                inside, 'vnfd.vnfLcmOperationsConfiguration.snapshot')
        instantiated = body.get('instantiatedVnfInfo') is not None
        obj = db_api.create_vnf_instance({
            'id': uuidutils.generate_uuid(),
            'project_id': utils.context().project_id,
            'vnf_instance_name': body.get('vnfInstanceName'),
            'vnf_instance_description': body.get('vnfInstanceDescription'),
            'vnfd_id': body['vnfdId'],
            'vnf_provider': identity['vnfProvider'],
            'vnf_product_name': identity['vnfProductName'],
            'vnf_software_version': identity['vnfSoftwareVersion'],
            'vnfd_version': identity['vnfdVersion'],
            'vnfd': body.get('vnfd'),
            'snapshot_descriptor': body.get('snapshotDescriptor'),
            'instantiation_state': (states.INSTANTIATED if instantiated
                                    else states.NOT_INSTANTIATED),
            'vim_connection_info': body.get('vimConnectionInfo'),
            'instantiated_vnf_info': body.get('instantiatedVnfInfo'),
            'vnf_configurable_properties': body.get(
                'vnfConfigurableProperties'),
            'vnf_metadata': body.get('metadata'),
            'extensions': body.get('extensions'),
        })
        rep = views.vnf_instance(obj, utils.base_url())
        return utils.created(rep, rep['_links']['self']['href'],
                             obj.updated_at)
