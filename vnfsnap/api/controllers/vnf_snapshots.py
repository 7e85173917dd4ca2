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

"""``/vnflcm/v2/vnf_snapshots``: individual VNF snapshot resources.

A resource is created empty (to be filled by create_snapshot) or filled with
a given VnfSnapshot (from a VNF snapshot package extraction). Once filled it
can no longer be modified; deleting it also deletes its VIM-side snapshots.
"""

from oslo_utils import uuidutils
import pecan

from vnfsnap import store
from vnfsnap.api import ranges
from vnfsnap.api import utils
from vnfsnap.api.controllers import base
from vnfsnap.api.schemas import vnf_snapshots as schemas
from vnfsnap.common import exception
from vnfsnap.common import merge_patch
from vnfsnap.common import schemas as common_schemas
from vnfsnap.common import views
from vnfsnap.db import api as db_api
from vnfsnap.db import models

DEFAULT_EXCLUDES = ('vnfSnapshot/vnfInstance', 'vnfSnapshot/vnfcSnapshots')


OCTET_STREAM = 'application/octet-stream'
# SOL003 5.4.25.3.2: an encrypted VNF state snapshot is CMS (RFC 7193).
CMS = 'application/cms'


class VnfStateSnapshot(base.Resource):
    """``vnf_state_snapshot`` (SOL003 5.4.25): the content of the VNF
    state snapshot, streamed out of the package store, with byte ranges.
    409 while the VNF snapshot is not completed; 404 when it has no VNF
    state snapshot, or only its description (a VnfSnapshot a client or
    a package gave, whose content this VNFM does not hold)."""

    def __init__(self, info_id):
        self.info_id = info_id

    def get(self):
        utils.authorize('vnfsnap:vnf_snapshot:get_vnf_state_snapshot')
        utils.no_query()
        obj = db_api.get_vnf_snapshot_info(utils.scope(),
                                           self.info_id)
        if obj.snapshot_id is None:
            raise exception.VnfSnapshotEmpty(id=obj.id)
        state = obj.snapshot_vnf_state_snapshot_info
        if not state:
            raise exception.VnfStateSnapshotNotFound(id=obj.id, why='')
        if not obj.snapshot_vnf_state_key:
            raise exception.VnfStateSnapshotNotFound(
                id=obj.id, why=' content held by this VNFM: its VnfSnapshot '
                               'was given by a client or a package')
        if state.get('isEncrypted'):
            content_type = CMS
        else:
            content_type = (state.get('metadata') or {}).get(
                'contentType', OCTET_STREAM)
        utils.check_accept(pecan.request, [content_type])
        backend = store.get_store()
        key = obj.snapshot_vnf_state_key
        return ranges.respond(
            backend.size(key),
            lambda start, end: backend.iter_range(key, start, end),
            content_type)


class VnfSnapshot(base.Resource):

    def __init__(self, info_id):
        self.info_id = info_id
        self.vnf_state_snapshot = VnfStateSnapshot(info_id)

    def _load(self):
        return db_api.get_vnf_snapshot_info(utils.scope(),
                                            self.info_id)

    def get(self):
        utils.authorize('vnfsnap:vnf_snapshot:get')
        utils.no_query()
        obj = self._load()
        return utils.single(views.vnf_snapshot_info(obj, utils.base_url()),
                            obj.updated_at)

    def patch(self):
        utils.authorize('vnfsnap:vnf_snapshot:update')
        body = utils.json_body(schemas.MODIFY, content_types=(
            utils.MERGE_PATCH_JSON, utils.JSON))
        obj = self._load()
        utils.check_preconditions(
            views.vnf_snapshot_info(obj, utils.base_url()), obj.updated_at)
        values, vnfcs = {}, None
        if 'vnfSnapshot' in body:
            # Merged into the empty attribute (a filled one is refused),
            # it must be a VnfSnapshot as a creation would give it.
            snap = merge_patch.apply(None, body['vnfSnapshot'])
            error = common_schemas.first_error(schemas.CREATE,
                                               {'vnfSnapshot': snap})
            if error is not None:
                raise exception.SchemaValidationFailed(reason=error)
            values, vnfcs = views.vnf_snapshot_values(snap)
        if 'vnfSnapshotPkgId' in body:
            values['vnf_snapshot_pkg_id'] = body['vnfSnapshotPkgId']
        try:
            obj = db_api.update_vnf_snapshot_info(
                utils.scope(), self.info_id, values,
                vnfc_snapshots=vnfcs, only_if_empty=True,
                if_updated_at=obj.updated_at)
        except exception.ConcurrentModification:
            # Changed after the preconditions were checked on our read.
            if pecan.request.headers.get('If-Match') is not None:
                raise exception.PreconditionFailed()
            raise
        rep = views.vnf_snapshot_info(obj, utils.base_url())
        return utils.respond({k: rep[k] for k in body}, headers=[
            ('ETag', utils.etag(rep)),
            ('Last-Modified', utils.http_date(obj.updated_at))])

    def delete(self):
        utils.authorize('vnfsnap:vnf_snapshot:delete')
        ctx = utils.context()
        obj = self._load()
        utils.check_preconditions(
            views.vnf_snapshot_info(obj, utils.base_url()), obj.updated_at)
        if obj.vnfc_snapshots:
            # The conductor removes the VIM-side snapshots, then the row
            # and the VNF state snapshot.
            pecan.request.rpcapi.delete_vnf_snapshot(ctx, obj.id)
        else:
            db_api.delete_vnf_snapshot_info(utils.scope(), obj.id)
            # What a create_snapshot stored before its conductor died and
            # the occurrence was failed (FAILED) without a rollback.
            store.delete_vnf_state(obj.id)
        return utils.respond(status=204)


class VnfSnapshots(base.Resource):

    @pecan.expose()
    def _lookup(self, info_id, *remainder):
        return VnfSnapshot(info_id), remainder

    def get(self):
        utils.authorize('vnfsnap:vnf_snapshot:get_all')
        base_url = utils.base_url()
        return utils.db_collection(
            models.VnfSnapshotInfo,
            lambda o: views.vnf_snapshot_info(o, base_url),
            default_excludes=DEFAULT_EXCLUDES)

    def post(self):
        utils.authorize('vnfsnap:vnf_snapshot:create')
        body = utils.json_body(schemas.CREATE)
        if 'vnfSnapshotPkgId' in body and 'vnfSnapshot' not in body:
            raise exception.UnprocessableEntity(
                reason='reading the VNF snapshot record from VNF snapshot '
                       'package %s is not supported by this VNFM; give '
                       'vnfSnapshot together with vnfSnapshotPkgId'
                       % body['vnfSnapshotPkgId'])
        values, vnfcs = {}, ()
        if 'vnfSnapshot' in body:
            values, vnfcs = views.vnf_snapshot_values(body['vnfSnapshot'])
        values.update(id=uuidutils.generate_uuid(),
                      project_id=utils.context().project_id,
                      vnf_snapshot_pkg_id=body.get('vnfSnapshotPkgId'))
        obj = db_api.create_vnf_snapshot_info(values, vnfcs)
        rep = views.vnf_snapshot_info(obj, utils.base_url())
        return utils.created(rep, rep['_links']['self']['href'],
                             obj.updated_at)
