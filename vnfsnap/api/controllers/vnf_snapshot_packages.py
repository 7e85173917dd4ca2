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

"""``/vnfsnapshotpkgm/v1/vnf_snapshot_packages`` (SOL005 clause 11).

The API moves a package into its next state and casts; a conductor runs
the build, the download from a URI, the processing and the extraction.
The one content operation the API runs itself is an upload in the request
body (PUT package_content): the body is streamed into the package store as
it arrives, never held whole, then the package goes to PROCESSING.
Downloads (package content, single artifacts) are streamed out of the
store too, with byte ranges.
"""

import zlib

from oslo_log import log as logging
from oslo_utils import uuidutils
import pecan

from vnfsnap import package
from vnfsnap import store
from vnfsnap.api import ranges
from vnfsnap.api import utils
from vnfsnap.api.controllers import base
from vnfsnap.api.schemas import vnf_snapshot_packages as schemas
from vnfsnap.common import exception
from vnfsnap.common import merge_patch
from vnfsnap.common import states
from vnfsnap.common import urlfetch
from vnfsnap.common import views
from vnfsnap.db import api as db_api
from vnfsnap.db import models
from vnfsnap.db import progress
from vnfsnap.package import codec
from vnfsnap.package import incremental
from vnfsnap.package import manifest as manifest_mod

LOG = logging.getLogger(__name__)

DEFAULT_EXCLUDES = ('vnfcSnapshotImages', 'additionalArtifacts',
                    'userDefinedData', 'checksum')
# Attributes of cardinality 1 (SOL005 table 11.5.2.3-1): never excluded.
MANDATORY = ('id', 'name', 'isFullSnapshot', 'state', 'isCancelPending',
             '_links/self', '_links/packageContent')
ZIP = 'application/zip'
UPLOAD_TYPES = (ZIP, 'application/octet-stream')
OCTET_STREAM = 'application/octet-stream'
JSON_ROLES = (manifest_mod.ROLE_RECORD, manifest_mod.ROLE_VNFD)
# Secrets of an external artifact's access configuration: write-only.
SECRET_PARAMS = {'paramsOauth2ClientCredentials': 'clientPassword',
                 'paramsBasic': 'password'}
# An upload records its progress (and polls for a cancel) this often.
_INFLATE_CHUNK = 1024 * 1024
_ZIP_STORED = 0
_ZIP_DEFLATED = 8


def _load(pkg_id):
    return db_api.get_vnf_snapshot_pkg(utils.scope(), pkg_id)


def _require(obj, task, action):
    """409 unless the package is in a state ``task`` may start from."""
    if obj.state not in states.PKG_TASK_SOURCE_STATES[task]:
        raise exception.InvalidPkgState(task=action, id=obj.id,
                                        state=obj.state)


def _public_access_config(config):
    """An ext artifacts access configuration without its secrets."""
    public = []
    for entry in config.get('artifact', []):
        entry = dict(entry)
        for params, secret in SECRET_PARAMS.items():
            if params in entry:
                entry[params] = {k: v for k, v in entry[params].items()
                                 if k != secret}
        public.append(entry)
    return {'artifact': public}


# --- upload in the request body --------------------------------------------

def _receive(pkg_id, body, length):
    """Stream the request body into the store, then go to PROCESSING.

    On any failure the package goes to ERROR (UPLOAD_ERROR, or CANCELLED)
    with nothing stored, and the client gets the error: 400 for a body
    that ended early or broke off, 409 for a cancel, 413 for a package
    over [package_store]max_package_size (limits.RequestLimits), 503 when
    the store fails.
    """
    try:
        backend = store.get_store()
        # Leftovers of an earlier, failed attempt.
        backend.delete_prefix(pkg_id)
        backend.put_stream(store.package_key(pkg_id), body, length=length,
                           progress=progress.PackageProgress(pkg_id, length))
    except Exception as e:
        error = e
        if isinstance(e, OSError):
            # The store reports its own OSErrors as StoreError: this one
            # is the client's connection (webob's DisconnectionError).
            error = exception.BadRequest(
                reason='the upload broke off: %s' % e)
        _fail_upload(pkg_id, error)
        if error is e:
            raise
        raise error from e
    try:
        db_api.update_vnf_snapshot_pkg(
            None, pkg_id, {'state': states.PKG_PROCESSING},
            from_states=(states.PKG_UPLOADING,), task='Upload')
    except exception.VnfsnapException:
        # Failed meanwhile (say, as a stalled upload): the content it
        # would have processed goes.
        store.delete_package(pkg_id)
        raise


def _fail_upload(pkg_id, error):
    if isinstance(error, exception.PackageOperationCancelled):
        error_type = states.CANCELLED
    else:
        error_type = states.UPLOAD_ERROR
    if isinstance(error, exception.VnfsnapException):
        LOG.warning('Upload of VNF snapshot package %s failed: %s', pkg_id,
                    error.message)
    else:
        LOG.error('Upload of VNF snapshot package %s failed unexpectedly',
                  pkg_id, exc_info=error)
    # The content goes first, so that a new upload that starts once the
    # package is in ERROR cannot lose its own.
    store.delete_package(pkg_id)
    try:
        db_api.update_vnf_snapshot_pkg(
            None, pkg_id,
            {'state': states.PKG_ERROR,
             'failure_details': {'errorType': error_type,
                                 'details': views.problem(error)}},
            from_states=(states.PKG_UPLOADING,), task='Fail upload')
    except exception.VnfsnapException as e:
        LOG.warning('Not marking VNF snapshot package %s failed: %s',
                    pkg_id, e.message)


# --- reading content out of the store --------------------------------------

def _inflate(chunks, skip, count):
    """Bytes [skip, skip + count) of the raw deflate stream ``chunks``.

    Output is produced at most _INFLATE_CHUNK bytes at a time, so a
    member that expands a lot still takes little memory.
    """
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    try:
        for data in chunks:
            while data and count:
                out = inflater.decompress(data, _INFLATE_CHUNK)
                data = inflater.unconsumed_tail
                if skip:
                    cut = min(skip, len(out))
                    out, skip = out[cut:], skip - cut
                out = out[:count]
                count -= len(out)
                if out:
                    yield out
            if not count:
                return
        raise exception.PackageInvalid(
            reason='a deflated member ended %d bytes early' % count)
    finally:
        chunks.close()


class _ChunksFile:
    """``read(n)`` over an iterator of byte chunks (for a decoder)."""

    def __init__(self, chunks):
        self._chunks = chunks
        self._buf = b''

    def read(self, size=-1):
        while not self._buf:
            self._buf = next(self._chunks, b'')
            if not self._buf:
                return b''
        size = len(self._buf) if size < 0 else size
        data, self._buf = self._buf[:size], self._buf[size:]
        return data


def _unzstd(chunks, skip, count):
    """Bytes [skip, skip + count) of the zstd frame ``chunks``, decoded
    at most _INFLATE_CHUNK bytes at a time."""
    try:
        with codec.decoding(_ChunksFile(chunks)) as reader:
            yield from _decoded_range(reader, skip, count)
    finally:
        chunks.close()


def _decoded_range(reader, skip, count):
    """Bytes [skip, skip + count) of what ``reader`` decodes."""
    while count:
        out = reader.read(_INFLATE_CHUNK if skip == 0
                          else min(skip, _INFLATE_CHUNK))
        if not out:
            raise exception.PackageInvalid(
                reason='a zstd member ended %d bytes early' % count)
        if skip:
            skip -= len(out)
            continue
        out = out[:count]
        count -= len(out)
        yield out


def _member_reader(key, member):
    """``read(start, end)`` over the content of a ZIP member: stored,
    inflated, or decoded from the zstd frame the manifest says it is."""
    backend = store.get_store()
    offset = member['offset']
    if member.get('codec') == codec.ZSTD:
        return lambda start, end: _unzstd(
            backend.iter_range(key, offset,
                               offset + member['compressedSize']),
            start, end - start)
    if member['compressType'] == _ZIP_STORED:
        return lambda start, end: backend.iter_range(
            key, offset + start, offset + end)
    if member['compressType'] == _ZIP_DEFLATED:
        return lambda start, end: _inflate(
            backend.iter_range(key, offset,
                               offset + member['compressedSize']),
            start, end - start)
    raise exception.PackageInvalid(
        reason='a member uses ZIP compression method %s'
               % member['compressType'])


def _member_file(key, member):
    """``open_file(start, end)`` for ranges.respond: a stored member is
    a byte range of the package file; None for one that is decoded."""
    if member.get('codec') or member['compressType'] != _ZIP_STORED:
        return None
    offset = member['offset']
    return lambda start, end: store.get_store().open_range(
        key, offset + start, offset + end)


def _artifact_type(path, member):
    if member['role'] in JSON_ROLES or path == package.MANIFEST_NAME:
        return utils.JSON
    return OCTET_STREAM


def _external_uri(obj, path):
    """The URI of an external artifact known by ``path``, or None."""
    for entries, path_key, uri_key in (
            (obj.vnfc_snapshot_images, 'imagePath', 'imageUri'),
            (obj.additional_artifacts, 'artifactPath', 'artifactUri')):
        for entry in entries or ():
            if entry.get(path_key) == path and entry.get(uri_key):
                return entry[uri_key]
    return None


# --- resources --------------------------------------------------------------

class UploadFromUri(base.Resource):
    """``package_content/upload_from_uri`` (clause 11.4.5)."""

    def __init__(self, pkg_id):
        self.pkg_id = pkg_id

    def post(self):
        utils.authorize('vnfsnap:vnf_snapshot_package:upload')
        body = utils.json_body(schemas.UPLOAD_FROM_URI)
        uri = body['addressInformation']
        urlfetch.check_uri(uri)
        creds = urlfetch.Credentials.from_request(body)
        ctx = utils.context()
        db_api.start_vnf_snapshot_pkg_op(
            utils.scope(), self.pkg_id, 'upload', states.PKG_UPLOADING,
            {'operation': states.PKG_OP_UPLOAD_FROM_URI,
             'operation_params': {'addressInformation': uri},
             'credentials': creds.to_dict() if creds is not None else None})
        pecan.request.rpcapi.run_vnf_snapshot_pkg_op(ctx, self.pkg_id)
        return utils.accepted()


class Build(base.Resource):
    """``package_content/build`` (clause 11.4.6)."""

    def __init__(self, pkg_id):
        self.pkg_id = pkg_id

    def post(self):
        utils.authorize('vnfsnap:vnf_snapshot_package:build')
        body = utils.json_body(schemas.BUILD)
        ctx = utils.context()
        pkg = _load(self.pkg_id)
        _require(pkg, 'build', 'Build')
        info_id = body['vnfSnapshotInfoId']
        try:
            info = db_api.get_vnf_snapshot_info(utils.scope(), info_id)
        except exception.VnfSnapshotInfoNotFound as e:
            raise exception.UnprocessableEntity(reason=e.message)
        utils.same_project(pkg, info)
        if info.snapshot_id is None:
            raise exception.VnfSnapshotEmpty(id=info_id)
        known = [v.id for v in info.vnfc_snapshots]
        packaged = body.get('vnfcSnapshotsInfoIds', known)
        for attr, ids, among in (
                ('vnfcSnapshotsInfoIds', packaged, known),
                ('overrideImportForVnfcSnapshotIds',
                 body.get('overrideImportForVnfcSnapshotIds', ()),
                 packaged)):
            unknown = [i for i in ids if i not in among]
            if unknown:
                raise exception.UnprocessableEntity(
                    reason='%s: %s %s not among the VNFC snapshots %s '
                           '(%s)' % (attr, ', '.join(unknown),
                                     'is' if len(unknown) == 1 else 'are',
                                     'of VNF snapshot %s' % info_id
                                     if among is known else 'packaged',
                                     ', '.join(among)))
        if 'basePackageId' in body:
            incremental.resolve_build_base(utils.scope(),
                                           body['basePackageId'], info)
        db_api.start_vnf_snapshot_pkg_op(
            utils.scope(), self.pkg_id, 'build', states.PKG_BUILDING,
            {'operation': states.PKG_OP_BUILD,
             'operation_params': dict({'importSnapshotResource': True},
                                      **body),
             'credentials': None},
            reserve_info=info_id)
        pecan.request.rpcapi.run_vnf_snapshot_pkg_op(ctx, self.pkg_id)
        return utils.accepted()


class Extract(base.Resource):
    """``package_content/extract`` (clause 11.4.7)."""

    def __init__(self, pkg_id):
        self.pkg_id = pkg_id

    def post(self):
        utils.authorize('vnfsnap:vnf_snapshot_package:extract')
        body = utils.json_body(schemas.EXTRACT)
        ctx = utils.context()
        if ('vnfSnapshotInfoId' in body) == ('vnfInstanceId' in body):
            raise exception.UnprocessableEntity(
                reason='give exactly one of vnfSnapshotInfoId (an existing, '
                       'empty VNF snapshot to fill) and vnfInstanceId (to '
                       'fill a new VNF snapshot for that VNF instance)')
        pkg = _load(self.pkg_id)
        _require(pkg, 'extract', 'Extract')
        # An incremental package needs its base (422 with the reason).
        incremental.find_extract_base(utils.scope(), pkg)
        reserve_info = new_info = None
        if 'vnfSnapshotInfoId' in body:
            info_id = reserve_info = body['vnfSnapshotInfoId']
            try:
                info = db_api.get_vnf_snapshot_info(utils.scope(), info_id)
            except exception.VnfSnapshotInfoNotFound as e:
                raise exception.UnprocessableEntity(reason=e.message)
            utils.same_project(pkg, info)
            if info.snapshot_id is not None:
                raise exception.VnfSnapshotAlreadyFilled(id=info_id)
        else:
            try:
                instance = db_api.get_vnf_instance(utils.scope(),
                                                   body['vnfInstanceId'])
            except exception.VnfInstanceNotFound as e:
                raise exception.UnprocessableEntity(reason=e.message)
            utils.same_project(pkg, instance)
            if instance.instantiation_state != states.INSTANTIATED:
                raise exception.VnfInstanceNotInstantiated(id=instance.id)
            info_id = uuidutils.generate_uuid()
            new_info = {'id': info_id, 'project_id': pkg.project_id,
                        'vnf_snapshot_pkg_id': self.pkg_id}
        db_api.start_vnf_snapshot_pkg_op(
            utils.scope(), self.pkg_id, 'extract', states.PKG_EXTRACTING,
            {'operation': states.PKG_OP_EXTRACT,
             'operation_params': {
                 'vnfSnapshotInfoId': info_id,
                 'vnfInstanceId': body.get('vnfInstanceId'),
                 'createdVnfSnapshotInfo': new_info is not None},
             'credentials': None},
            reserve_info=reserve_info, new_info=new_info)
        pecan.request.rpcapi.run_vnf_snapshot_pkg_op(ctx, self.pkg_id)
        # vnfsnap extension: where the extracted VNF snapshot will be.
        return utils.accepted('%s%s/vnf_snapshots/%s' % (
            utils.base_url(), views.LCM, info_id))


class Cancel(base.Resource):
    """``package_content/cancel`` (clause 11.4.8)."""

    def __init__(self, pkg_id):
        self.pkg_id = pkg_id

    def post(self):
        utils.authorize('vnfsnap:vnf_snapshot_package:cancel')
        body = utils.json_body(schemas.CANCEL)
        db_api.request_pkg_cancel(utils.scope(), self.pkg_id,
                                  body.get('cause'))
        return utils.accepted()


class PackageContent(base.Resource):
    """``package_content`` (clause 11.4.4): the package ZIP file."""

    def __init__(self, pkg_id):
        self.pkg_id = pkg_id
        self.upload_from_uri = UploadFromUri(pkg_id)
        self.build = Build(pkg_id)
        self.extract = Extract(pkg_id)
        self.cancel = Cancel(pkg_id)

    def get(self):
        utils.authorize('vnfsnap:vnf_snapshot_package:get_content')
        utils.no_query()
        obj = _load(self.pkg_id)
        _require(obj, 'read_content', 'Reading the package content')
        key = store.package_key(obj.id)
        backend = store.get_store()
        return ranges.respond(
            backend.size(key),
            lambda start, end: backend.iter_range(key, start, end), ZIP,
            open_file=lambda start, end: backend.open_range(key, start,
                                                            end))

    def put(self):
        utils.authorize('vnfsnap:vnf_snapshot_package:upload')
        utils.no_query()
        req = pecan.request
        if (req.content_type or '').lower() not in UPLOAD_TYPES:
            raise exception.UnsupportedMediaType(
                content_type=req.content_type or '(none)')
        length = req.content_length
        if length is None and not req.is_body_readable:
            raise exception.LengthRequired()
        if length == 0:
            raise exception.BadRequest(
                reason='the body is empty; send the package ZIP file')
        ctx = utils.context()
        db_api.start_vnf_snapshot_pkg_op(
            utils.scope(), self.pkg_id, 'upload', states.PKG_UPLOADING,
            {'operation': states.PKG_OP_UPLOAD, 'operation_params': None,
             'credentials': None, 'content_received': True, 'host': None})
        # body_file: the WSGI input, read in chunks (request.body would
        # read it all into memory).
        _receive(self.pkg_id, req.body_file, length)
        pecan.request.rpcapi.run_vnf_snapshot_pkg_op(ctx, self.pkg_id)
        return utils.accepted()


class ExtArtifactsAccess(base.Resource):
    """``ext_artifacts_access`` (clause 11.4.9). Kept encrypted; the
    secrets (clientPassword, password) are never answered."""

    def __init__(self, pkg_id):
        self.pkg_id = pkg_id

    def get(self):
        utils.authorize(
            'vnfsnap:vnf_snapshot_package:get_ext_artifacts_access')
        utils.no_query()
        obj = _load(self.pkg_id)
        config = obj.ext_artifacts_access or {'artifact': []}
        return utils.single(_public_access_config(config), obj.updated_at)

    def put(self):
        utils.authorize(
            'vnfsnap:vnf_snapshot_package:update_ext_artifacts_access')
        body = utils.json_body(schemas.EXT_ARTIFACTS_ACCESS)
        config = {'artifact': body.get('artifact', [])}
        uris = [entry['artifactUri'] for entry in config['artifact']]
        duplicates = sorted({u for u in uris if uris.count(u) > 1})
        if duplicates:
            raise exception.UnprocessableEntity(
                reason='artifactUri %s is configured more than once'
                       % ', '.join(duplicates))
        for entry in config['artifact']:
            urlfetch.check_uri(entry['artifactUri'])
            if 'overrideUri' in entry:
                urlfetch.check_uri(entry['overrideUri'])
            urlfetch.Credentials.from_request(entry)
        obj = _load(self.pkg_id)
        if (obj.state not in states.PKG_TASK_SOURCE_STATES[
                'ext_artifacts_access'] or obj.content_received):
            raise exception.InvalidPkgState(
                task='Setting the external artifacts access (possible in '
                     'CREATED, or in ERROR before any content was '
                     'received)', id=obj.id, state=obj.state)
        obj = db_api.update_vnf_snapshot_pkg(
            utils.scope(), self.pkg_id,
            {'ext_artifacts_access': config},
            from_states=states.PKG_TASK_SOURCE_STATES['ext_artifacts_access'],
            task='Setting the external artifacts access',
            if_updated_at=obj.updated_at)
        return utils.single(_public_access_config(config), obj.updated_at)


class Artifact(base.Resource):
    """``artifacts/{artifactPath}`` (clause 11.4.10): one member of the
    package ZIP, read out of the stored file, or a redirect to an
    external artifact."""

    def __init__(self, pkg_id, path):
        self.pkg_id = pkg_id
        self.path = path

    def get(self):
        utils.authorize('vnfsnap:vnf_snapshot_package:get_artifact')
        utils.no_query()
        obj = _load(self.pkg_id)
        _require(obj, 'read_content', 'Reading an artifact')
        uri = _external_uri(obj, self.path)
        if uri is not None:
            return utils.respond(status=302, headers=[('Location', uri)])
        member = (obj.layout or {}).get('members', {}).get(self.path)
        if member is None:
            raise exception.VnfSnapshotPkgArtifactNotFound(id=obj.id,
                                                           path=self.path)
        content_type = _artifact_type(self.path, member)
        utils.check_accept(pecan.request, [content_type])
        key = store.package_key(obj.id)
        return ranges.respond(member['size'], _member_reader(key, member),
                              content_type,
                              open_file=_member_file(key, member))


class Artifacts:
    """``artifacts``: the artifact path is the rest of the URL, '/'
    included, so it is routed whole (``_route``), whatever its segments
    are called."""

    def __init__(self, pkg_id):
        self.pkg_id = pkg_id

    @pecan.expose()
    def _route(self, args, request):
        if not args or not all(args):
            raise exception.NotFound()
        return Artifact(self.pkg_id, '/'.join(args)).index, []


class VnfSnapshotPackage(base.Resource):
    """An individual VNF snapshot package (clause 11.4.3)."""

    def __init__(self, pkg_id):
        self.pkg_id = pkg_id
        self.package_content = PackageContent(pkg_id)
        self.ext_artifacts_access = ExtArtifactsAccess(pkg_id)
        self.artifacts = Artifacts(pkg_id)

    def get(self):
        utils.authorize('vnfsnap:vnf_snapshot_package:get')
        utils.no_query()
        obj = _load(self.pkg_id)
        return utils.single(views.vnf_snapshot_pkg_info(obj,
                                                        utils.base_url()),
                            obj.updated_at)

    def patch(self):
        utils.authorize('vnfsnap:vnf_snapshot_package:update')
        body = utils.json_body(schemas.MODIFY, content_types=(
            utils.MERGE_PATCH_JSON, utils.JSON))
        obj = _load(self.pkg_id)
        utils.check_preconditions(
            views.vnf_snapshot_pkg_info(obj, utils.base_url()),
            obj.updated_at)
        task = 'modify_state' if 'state' in body else 'modify'
        _require(obj, task, 'Changing the state to AVAILABLE'
                 if 'state' in body else 'Modification')
        values = {}
        if 'name' in body:
            values['name'] = body['name']
        if 'userDefinedData' in body:
            values['user_defined_data'] = merge_patch.key_value_pairs(
                obj.user_defined_data, body['userDefinedData'],
                'userDefinedData')
        if 'state' in body:
            values.update(state=states.PKG_AVAILABLE, failure_details=None)
        try:
            obj = db_api.update_vnf_snapshot_pkg(
                utils.scope(), self.pkg_id, values,
                from_states=states.PKG_TASK_SOURCE_STATES[task],
                task='Modification', if_updated_at=obj.updated_at)
        except exception.ConcurrentModification:
            # Changed after the preconditions were checked on our read.
            if pecan.request.headers.get('If-Match') is not None:
                raise exception.PreconditionFailed()
            raise
        rep = views.vnf_snapshot_pkg_info(obj, utils.base_url())
        # The modifications as they came out: userDefinedData is the
        # merged result ({} once null removed every pair), never null.
        done = dict(body)
        if 'userDefinedData' in body:
            done['userDefinedData'] = values['user_defined_data']
        return utils.respond(done, headers=[
            ('ETag', utils.etag(rep)),
            ('Last-Modified', utils.http_date(obj.updated_at))])

    def delete(self):
        utils.authorize('vnfsnap:vnf_snapshot_package:delete')
        obj = _load(self.pkg_id)
        utils.check_preconditions(
            views.vnf_snapshot_pkg_info(obj, utils.base_url()),
            obj.updated_at)
        db_api.delete_vnf_snapshot_pkg(utils.scope(), self.pkg_id)
        store.delete_package(self.pkg_id)
        return utils.respond(status=204)


class VnfSnapshotPackages(base.Resource):
    """VNF snapshot packages (clause 11.4.2)."""

    @pecan.expose()
    def _lookup(self, pkg_id, *remainder):
        return VnfSnapshotPackage(pkg_id), remainder

    def get(self):
        utils.authorize('vnfsnap:vnf_snapshot_package:get_all')
        base_url = utils.base_url()
        return utils.db_collection(
            models.VnfSnapshotPkg,
            lambda o: views.vnf_snapshot_pkg_info(o, base_url),
            default_excludes=DEFAULT_EXCLUDES, mandatory=MANDATORY)

    def post(self):
        utils.authorize('vnfsnap:vnf_snapshot_package:create')
        body = utils.json_body(schemas.CREATE)
        obj = db_api.create_vnf_snapshot_pkg({
            'id': uuidutils.generate_uuid(),
            'project_id': utils.context().project_id,
            'name': body['name'],
            'user_defined_data': body.get('userDefinedData'),
            'state': states.PKG_CREATED,
            'is_cancel_pending': False,
            'content_received': False,
            'is_full_snapshot': False,
        })
        rep = views.vnf_snapshot_pkg_info(obj, utils.base_url())
        return utils.created(rep, rep['_links']['self']['href'],
                             obj.updated_at)
