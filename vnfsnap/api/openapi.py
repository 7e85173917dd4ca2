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

"""The OpenAPI 3.1 document of vnfsnap's API, built from the schemas the
API validates requests with (vnfsnap.api.schemas) and those of its answers
(vnfsnap.api.schemas.representations).

``python -m vnfsnap.api.openapi PATH`` writes it (the docs publish
doc/source/_static/vnfsnap-openapi.yaml); ``--check`` says whether the file
is up to date. A unit test compares the committed file, the routes the
pecan controllers answer and the request schemas with this module, so the
document cannot drift from the code.
"""

import argparse
import copy
import dataclasses
import sys

import yaml

from vnfsnap.api import sol013
from vnfsnap.api import versions
from vnfsnap.api.schemas import lcm
from vnfsnap.api.schemas import online_tests
from vnfsnap.api.schemas import representations as reps
from vnfsnap.api.schemas import subscriptions
from vnfsnap.api.schemas import vnf_instances
from vnfsnap.api.schemas import vnf_snapshot_packages as pkgm
from vnfsnap.api.schemas import vnf_snapshots

JSON = 'application/json'
MERGE_PATCH = 'application/merge-patch+json'
PROBLEM = 'application/problem+json'
ZIP = 'application/zip'
OCTET_STREAM = 'application/octet-stream'
#: What the published document is called, under doc/source/_static.
DOCUMENT = 'vnfsnap-openapi.yaml'


def convert(schema):
    """A JSON Schema draft 7 schema as an OpenAPI 3.1 (JSON Schema
    2020-12) one: ``dependencies`` splits into ``dependentRequired`` and
    ``dependentSchemas``; every other keyword vnfsnap uses means the
    same in both."""
    if isinstance(schema, list):
        return [convert(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key == 'dependencies':
            required = {k: v for k, v in value.items()
                        if isinstance(v, list)}
            schemas = {k: convert(v) for k, v in value.items()
                       if not isinstance(v, list)}
            if required:
                out['dependentRequired'] = copy.deepcopy(required)
            if schemas:
                out['dependentSchemas'] = schemas
        elif key in ('properties', 'dependentSchemas'):
            out[key] = {name: convert(sub) for name, sub in value.items()}
        else:
            out[key] = convert(value)
    return out


def shallow(schema, required):
    """A collection member: SOL013 attribute selectors may leave any
    attribute but ``required`` out, at any depth, so only the top level
    keeps its types."""
    props = {}
    for name, sub in schema['properties'].items():
        if sub.get('type') == 'object' and 'properties' in sub:
            sub = {'type': 'object'}
        elif sub.get('type') == 'array':
            sub = {'type': 'array'}
        props[name] = sub
    if '_links' in props:
        props['_links'] = reps.links(['self'] + [
            r.split('/', 1)[1] for r in required
            if r.startswith('_links/') and r != '_links/self'])
    result = {'type': 'object', 'properties': props,
              'required': [r for r in required if '/' not in r]}
    if schema.get('additionalProperties') is False:
        result['additionalProperties'] = False
    return result


@dataclasses.dataclass(frozen=True)
class Answer:
    """One documented answer of an operation."""

    description: str
    # A name in COMPONENTS, {media type: name}, or None: no body.
    schema: object = None
    media: tuple = (JSON,)
    headers: tuple = ()         # names in HEADERS
    array: bool = False


@dataclasses.dataclass(frozen=True)
class Operation:
    path: str
    method: str
    operation_id: str
    summary: str
    answers: dict
    request: str = None         # a name in COMPONENTS
    request_media: tuple = (JSON,)
    request_required: bool = True
    collection: bool = False
    errors: tuple = ()          # status codes beyond COMMON_ERRORS
    request_headers: tuple = ()  # names in REQUEST_HEADERS

    @property
    def api(self):
        return versions.for_path(self.path)


#: Named schemas: what the requests are validated with, and the answers.
COMPONENTS = {
    'ProblemDetails': reps.PROBLEM_DETAILS,
    'ApiVersionInformation': reps.API_VERSION_INFORMATION,
    'Root': reps.ROOT,
    'VnfInstanceRegistrationRequest': vnf_instances.CREATE,
    'VnfInfoModificationRequest': vnf_instances.MODIFY,
    'VnfInstance': reps.VNF_INSTANCE,
    'CreateVnfSnapshotRequest': lcm.CREATE_SNAPSHOT,
    'RevertToVnfSnapshotRequest': lcm.REVERT_TO_SNAPSHOT,
    'CancelMode': lcm.CANCEL,
    'VimCapabilities': reps.VIM_CAPABILITIES,
    'OnlineTestRequest': online_tests.CREATE,
    'OnlineTest': reps.ONLINE_TEST,
    'AbortOnlineTestRequest': online_tests.ABORT,
    'SnapshotDescriptor': {'type': 'object'},
    'SnapshotNotificationsRequest': vnf_instances.SNAPSHOT_NOTIFICATIONS,
    'SnapshotNotifications': reps.SNAPSHOT_NOTIFICATIONS,
    'CreateVnfSnapshotInfoRequest': vnf_snapshots.CREATE,
    'VnfSnapshotInfoModificationRequest': vnf_snapshots.MODIFY,
    'VnfSnapshotInfo': reps.VNF_SNAPSHOT_INFO,
    'VnfSnapshotInfoModifications': reps.VNF_SNAPSHOT_INFO_MODIFICATIONS,
    'VnfLcmOpOcc': reps.VNF_LCM_OP_OCC,
    'LccnSubscriptionRequest': subscriptions.CREATE,
    'LccnSubscription': reps.LCCN_SUBSCRIPTION,
    'CreateVnfSnapshotPkgInfoRequest': pkgm.CREATE,
    'VnfSnapshotPkgInfoModifications': pkgm.MODIFY,
    'VnfSnapshotPkgInfoModificationsAnswer':
        reps.VNF_SNAPSHOT_PKG_INFO_MODIFICATIONS,
    'VnfSnapshotPkgInfo': reps.VNF_SNAPSHOT_PKG_INFO,
    'UploadVnfSnapshotPkgFromUriRequest': pkgm.UPLOAD_FROM_URI,
    'BuildVnfSnapshotPkgRequest': pkgm.BUILD,
    'ExtractVnfSnapshotPkgRequest': pkgm.EXTRACT,
    'CancelVnfSnapshotPkgOperationRequest': pkgm.CANCEL,
    'VnfSnapshotPkgExtArtifactsAccessConfigRequest':
        pkgm.EXT_ARTIFACTS_ACCESS,
    'VnfSnapshotPkgExtArtifactsAccessConfig': reps.EXT_ARTIFACTS_ACCESS,
    'Conductor': reps.CONDUCTOR,
    'Binary': {'type': 'string', 'format': 'binary'},
    # Content of any media type (a partial JSON document too).
    'Content': {},
}

#: Collection members: (the full schema, the attributes never left out).
MEMBERS = {
    'VnfInstanceListItem': ('VnfInstance', ('id', '_links/self')),
    'VnfSnapshotInfoListItem': ('VnfSnapshotInfo', ('id', '_links/self')),
    'VnfLcmOpOccListItem': ('VnfLcmOpOcc', ('id', '_links/self')),
    'OnlineTestListItem': ('OnlineTest', ('id', '_links/self')),
    'LccnSubscriptionListItem': ('LccnSubscription', ('id', '_links/self')),
    'VnfSnapshotPkgInfoListItem': (
        'VnfSnapshotPkgInfo',
        ('id', 'name', 'isFullSnapshot', 'state', 'isCancelPending',
         '_links/self', '_links/packageContent')),
    'ConductorListItem': ('Conductor', ('hostname', '_links/self')),
}

_STRING = {'type': 'string'}

#: Answer headers.
HEADERS = {
    'Version': ('The version of the API the answer follows: the one the '
                'request asked for (SOL013 clause 4.2).', _STRING),
    'Location': ('Where the new or the related resource is.', _STRING),
    'Link': ('The next page of a collection: ``<URL>; rel="next"`` '
             '(SOL013 clause 5.4.2.3).', _STRING),
    'ETag': ('The entity tag of the representation, for If-Match.',
             _STRING),
    'Last-Modified': ('When the resource last changed.', _STRING),
    'Accept-Ranges': ('``bytes``: the content may be asked for in '
                      'parts.', _STRING),
    'Content-Range': ('The part of the content in the answer, or '
                      '``bytes */SIZE`` with 416.', _STRING),
    'Allow': ('The methods the resource supports.', _STRING),
}

_VERSIONS = {
    # Any x.y.z of the API's major version up to the implemented one is
    # served; these are the published ones.
    api.name: ['%d.%d.0' % (api.major, minor) for minor in
               range(int(api.version.split('.')[1]) + 1)]
    for api in versions.APIS}

#: Request headers beyond Version (Accept, Content-Type and
#: Authorization are not OpenAPI parameters).
REQUEST_HEADERS = {
    'If-Match': ('Only if the resource still has one of these entity '
                 'tags (412 otherwise).', _STRING),
    'If-Unmodified-Since': ('Only if the resource did not change since '
                            '(412 otherwise).', _STRING),
    'Range': ('One byte range, ``bytes=first-last``, ``bytes=first-`` or '
              '``bytes=-suffix`` (206, or 416 when it cannot be '
              'served).', _STRING),
}

_QUERY = {
    'filter': 'Attribute-based filtering expression (SOL013 clause 5.2).',
    'all_fields': 'Include every attribute, also those excluded by '
                  'default (a flag: any value).',
    'fields': 'Comma-separated attribute paths to include besides the '
              'default ones.',
    'exclude_fields': 'Comma-separated attribute paths to leave out.',
    'exclude_default': 'Leave out the attributes excluded by default (a '
                       'flag: any value).',
    sol013.NEXTPAGE_PARAM: 'The page to answer, from the Link header of '
                           'the previous page.',
}

_ERROR_TEXTS = {
    400: 'Bad request: no or a malformed Version header, an unknown query '
         'parameter, a body that is not JSON or does not follow the '
         'schema, a bad filter or selector.',
    401: 'Not authenticated (Keystone only).',
    403: 'Not allowed by policy.',
    404: 'No such resource in the caller\'s project.',
    406: 'The Version or Accept header asks for something this API does '
         'not serve.',
    409: 'Conflict with the state of the resource.',
    411: 'A body of unknown length where one is needed.',
    412: 'If-Match or If-Unmodified-Since failed.',
    413: 'The request body is larger than the configured limit.',
    415: 'The request body is of another media type.',
    416: 'The Range cannot be served.',
    422: 'The request is well formed, but refers to something that does '
         'not exist or cannot be used.',
    500: 'An unexpected error (the service log has the details).',
    502: 'A remote server the operation needs failed.',
    503: 'No conductor answered, or the package store is unavailable.',
}

COMMON_ERRORS = (400, 401, 403, 404, 406, 413, 500, 503)
BODY_ERRORS = (415,)

_LCM = versions.VNFLCM.uri_prefix
_PKGM = versions.VNFSNAPSHOTPKGM.uri_prefix
_INSTANCE = _LCM + '/vnf_instances/{vnfInstanceId}'
_SNAPSHOT = _LCM + '/vnf_snapshots/{vnfSnapshotInfoId}'
_OP_OCC = _LCM + '/vnf_lcm_op_occs/{vnfLcmOpOccId}'
_ONLINE_TEST = _INSTANCE + '/online_tests/{onlineTestId}'
_SUBSCRIPTION = _LCM + '/subscriptions/{subscriptionId}'
_PACKAGE = _PKGM + '/vnf_snapshot_packages/{vnfSnapshotPkgId}'
_CONTENT = _PACKAGE + '/package_content'
_VNFSNAP = versions.VNFSNAP.uri_prefix

_SINGLE = ('Version', 'ETag', 'Last-Modified')
_LIST = ('Version', 'Link')


def _ok(schema, headers=_SINGLE):
    return {200: Answer('OK', schema, headers=headers)}


def _list(member):
    return {200: Answer('OK: one page of the collection.', member,
                        headers=_LIST, array=True)}


def _created(schema):
    return {201: Answer('Created.', schema,
                        headers=_SINGLE + ('Location',))}


_ACCEPTED = {202: Answer('Accepted: a conductor carries the task out.',
                         headers=('Version',))}
_ACCEPTED_AT = {202: Answer('Accepted; Location is the VNF LCM operation '
                            'occurrence.', headers=('Version', 'Location'))}
_NO_CONTENT = {204: Answer('No content.', headers=('Version',))}
_CONTENT_HEADERS = ('Version', 'Accept-Ranges')
# A VNF state snapshot has the media type it was stored with.
_BINARY_MEDIA = {'*/*': 'Content'}
# An artifact: JSON for the records and descriptors, else bytes.
_ARTIFACT_MEDIA = {JSON: 'Content', OCTET_STREAM: 'Binary'}


def _binary(what, media=_BINARY_MEDIA):
    """200 and 206 answers of content; ``media``: {media type: schema}."""
    content = {m: 'Binary' for m in media} if isinstance(
        media, tuple) else media
    return {200: Answer(what, content, headers=_CONTENT_HEADERS),
            206: Answer('Partial content: the range asked for.', content,
                        headers=_CONTENT_HEADERS + ('Content-Range',))}


def _api_versions(api, path):
    return Operation(path, 'get', 'get%sApiVersions%s' % (
        api.name.capitalize(), 'Major' if path.endswith(
            'v%d/api_versions' % api.major) else ''),
        'API versions of %s' % api.name,
        _ok('ApiVersionInformation', headers=('Version',)))


OPERATIONS = (
    Operation('/', 'get', 'getRoot', 'The APIs this endpoint serves',
              _ok('Root', headers=())),
    _api_versions(versions.VNFLCM, '/vnflcm/api_versions'),
    _api_versions(versions.VNFLCM, _LCM + '/api_versions'),
    # VNF instances
    Operation(_LCM + '/vnf_instances', 'get', 'listVnfInstances',
              'List VNF instances', _list('VnfInstanceListItem'),
              collection=True),
    Operation(_LCM + '/vnf_instances', 'post', 'registerVnfInstance',
              'Register a VNF instance', _created('VnfInstance'),
              request='VnfInstanceRegistrationRequest', errors=(422,)),
    Operation(_INSTANCE, 'get', 'getVnfInstance', 'Show a VNF instance',
              _ok('VnfInstance')),
    Operation(_INSTANCE, 'patch', 'modifyVnfInstance',
              'Modify VNF information', _ACCEPTED_AT,
              request='VnfInfoModificationRequest',
              request_media=(MERGE_PATCH, JSON), errors=(409, 412, 422),
              request_headers=('If-Match', 'If-Unmodified-Since')),
    Operation(_INSTANCE, 'delete', 'deleteVnfInstance',
              'Delete a VNF instance', _NO_CONTENT, errors=(409,)),
    Operation(_INSTANCE + '/create_snapshot', 'post', 'createVnfSnapshot',
              'Create a VNF snapshot', _ACCEPTED_AT,
              request='CreateVnfSnapshotRequest', errors=(409, 422)),
    Operation(_INSTANCE + '/revert_to_snapshot', 'post',
              'revertToVnfSnapshot', 'Revert to a VNF snapshot',
              _ACCEPTED_AT, request='RevertToVnfSnapshotRequest',
              errors=(409, 422)),
    Operation(_INSTANCE + '/vim_capabilities', 'get', 'getVimCapabilities',
              'Show the VIM capabilities of a VNF instance',
              _ok('VimCapabilities', headers=('Version',))),
    Operation(_INSTANCE + '/snapshot_descriptor', 'get',
              'getSnapshotDescriptor', 'Show the snapshot descriptor',
              _ok('SnapshotDescriptor')),
    Operation(_INSTANCE + '/snapshot_descriptor', 'put',
              'setSnapshotDescriptor', 'Replace the snapshot descriptor',
              _ok('SnapshotDescriptor'), request='SnapshotDescriptor',
              errors=(409, 422)),
    Operation(_INSTANCE + '/snapshot_notifications', 'get',
              'getSnapshotNotifications',
              'Show the VNF notification endpoint',
              _ok('SnapshotNotifications')),
    Operation(_INSTANCE + '/snapshot_notifications', 'put',
              'setSnapshotNotifications', 'Set the VNF notification endpoint',
              _ok('SnapshotNotifications'),
              request='SnapshotNotificationsRequest', errors=(409, 422)),
    Operation(_INSTANCE + '/snapshot_notifications', 'delete',
              'deleteSnapshotNotifications',
              'Remove the VNF notification endpoint', _NO_CONTENT,
              errors=(409,)),
    # Online tests (vnfsnap extension)
    Operation(_INSTANCE + '/online_tests', 'get', 'listOnlineTests',
              'List the online tests of a VNF instance',
              _list('OnlineTestListItem'), collection=True),
    Operation(_INSTANCE + '/online_tests', 'post', 'startOnlineTest',
              'Start a guarded online test',
              {202: Answer('Accepted: a conductor runs the test; Location '
                           'is the online test.', 'OnlineTest',
                           headers=('Version', 'Location'))},
              request='OnlineTestRequest', errors=(409, 422)),
    Operation(_ONLINE_TEST, 'get', 'getOnlineTest',
              'Show an online test and its record', _ok('OnlineTest')),
    Operation(_ONLINE_TEST + '/abort', 'post', 'abortOnlineTest',
              'Abort an online test; the VNF is restored', _ACCEPTED,
              request='AbortOnlineTestRequest', request_required=False,
              errors=(409,)),
    # VNF snapshots
    Operation(_LCM + '/vnf_snapshots', 'get', 'listVnfSnapshots',
              'List VNF snapshots', _list('VnfSnapshotInfoListItem'),
              collection=True),
    Operation(_LCM + '/vnf_snapshots', 'post', 'createVnfSnapshotInfo',
              'Create a VNF snapshot resource', _created('VnfSnapshotInfo'),
              request='CreateVnfSnapshotInfoRequest', errors=(422,)),
    Operation(_SNAPSHOT, 'get', 'getVnfSnapshot', 'Show a VNF snapshot',
              _ok('VnfSnapshotInfo')),
    Operation(_SNAPSHOT, 'patch', 'modifyVnfSnapshot',
              'Modify a VNF snapshot',
              _ok('VnfSnapshotInfoModifications'),
              request='VnfSnapshotInfoModificationRequest',
              request_media=(MERGE_PATCH, JSON), errors=(409, 412, 422),
              request_headers=('If-Match', 'If-Unmodified-Since')),
    Operation(_SNAPSHOT, 'delete', 'deleteVnfSnapshot',
              'Delete a VNF snapshot', _NO_CONTENT, errors=(409, 412),
              request_headers=('If-Match', 'If-Unmodified-Since')),
    Operation(_SNAPSHOT + '/vnf_state_snapshot', 'get',
              'getVnfStateSnapshot', 'Download the VNF state snapshot',
              _binary('The VNF state snapshot: its own media type, '
                      'application/cms when encrypted, else '
                      'application/octet-stream.'), errors=(409, 416),
              request_headers=('Range',)),
    # VNF LCM operation occurrences
    Operation(_LCM + '/vnf_lcm_op_occs', 'get', 'listVnfLcmOpOccs',
              'List VNF LCM operation occurrences',
              _list('VnfLcmOpOccListItem'), collection=True),
    Operation(_OP_OCC, 'get', 'getVnfLcmOpOcc',
              'Show a VNF LCM operation occurrence', _ok('VnfLcmOpOcc')),
    Operation(_OP_OCC + '/retry', 'post', 'retryVnfLcmOpOcc',
              'Retry an operation', _ACCEPTED, request_media=(),
              errors=(409,)),
    Operation(_OP_OCC + '/rollback', 'post', 'rollbackVnfLcmOpOcc',
              'Roll an operation back', _ACCEPTED, request_media=(),
              errors=(409,)),
    Operation(_OP_OCC + '/fail', 'post', 'failVnfLcmOpOcc',
              'Mark an operation as failed', _ok('VnfLcmOpOcc'),
              request_media=(), errors=(409,)),
    Operation(_OP_OCC + '/cancel', 'post', 'cancelVnfLcmOpOcc',
              'Cancel an operation', _ACCEPTED, request='CancelMode',
              errors=(409,)),
    # Subscriptions
    Operation(_LCM + '/subscriptions', 'get', 'listSubscriptions',
              'List subscriptions', _list('LccnSubscriptionListItem'),
              collection=True),
    Operation(_LCM + '/subscriptions', 'post', 'createSubscription',
              'Subscribe to VNF LCM operation occurrence notifications',
              _created('LccnSubscription') | {303: Answer(
                  'See other: the same subscription exists; Location is '
                  'it.', headers=('Version', 'Location'))},
              request='LccnSubscriptionRequest', errors=(422,)),
    Operation(_SUBSCRIPTION, 'get', 'getSubscription',
              'Show a subscription', _ok('LccnSubscription')),
    Operation(_SUBSCRIPTION, 'delete', 'deleteSubscription',
              'Delete a subscription', _NO_CONTENT),
    # VNF snapshot packages
    _api_versions(versions.VNFSNAPSHOTPKGM, '/vnfsnapshotpkgm/api_versions'),
    _api_versions(versions.VNFSNAPSHOTPKGM, _PKGM + '/api_versions'),
    Operation(_PKGM + '/vnf_snapshot_packages', 'get',
              'listVnfSnapshotPackages', 'List VNF snapshot packages',
              _list('VnfSnapshotPkgInfoListItem'), collection=True),
    Operation(_PKGM + '/vnf_snapshot_packages', 'post',
              'createVnfSnapshotPackage', 'Create a VNF snapshot package',
              _created('VnfSnapshotPkgInfo'),
              request='CreateVnfSnapshotPkgInfoRequest'),
    Operation(_PACKAGE, 'get', 'getVnfSnapshotPackage',
              'Show a VNF snapshot package', _ok('VnfSnapshotPkgInfo')),
    Operation(_PACKAGE, 'patch', 'modifyVnfSnapshotPackage',
              'Modify a VNF snapshot package',
              _ok('VnfSnapshotPkgInfoModificationsAnswer'),
              request='VnfSnapshotPkgInfoModifications',
              request_media=(MERGE_PATCH, JSON), errors=(409, 412),
              request_headers=('If-Match', 'If-Unmodified-Since')),
    Operation(_PACKAGE, 'delete', 'deleteVnfSnapshotPackage',
              'Delete a VNF snapshot package', _NO_CONTENT,
              errors=(409, 412),
              request_headers=('If-Match', 'If-Unmodified-Since')),
    Operation(_CONTENT, 'get', 'getVnfSnapshotPackageContent',
              'Download the package content',
              _binary('The package ZIP file.', media=(ZIP,)),
              errors=(409, 416), request_headers=('Range',)),
    Operation(_CONTENT, 'put', 'uploadVnfSnapshotPackageContent',
              'Upload the package content', _ACCEPTED, request='Binary',
              request_media=(ZIP, OCTET_STREAM), errors=(409, 411)),
    Operation(_CONTENT + '/upload_from_uri', 'post',
              'uploadVnfSnapshotPackageFromUri',
              'Upload the package content from a URI', _ACCEPTED,
              request='UploadVnfSnapshotPkgFromUriRequest', errors=(409,)),
    Operation(_CONTENT + '/build', 'post', 'buildVnfSnapshotPackage',
              'Build the package from a VNF snapshot', _ACCEPTED,
              request='BuildVnfSnapshotPkgRequest', errors=(409, 422)),
    Operation(_CONTENT + '/extract', 'post', 'extractVnfSnapshotPackage',
              'Extract the package into a VNF snapshot',
              {202: Answer('Accepted; Location is the VNF snapshot the '
                           'package is extracted into.',
                           headers=('Version', 'Location'))},
              request='ExtractVnfSnapshotPkgRequest', errors=(409, 422)),
    Operation(_CONTENT + '/cancel', 'post', 'cancelVnfSnapshotPackage',
              'Cancel the operation on the package', _ACCEPTED,
              request='CancelVnfSnapshotPkgOperationRequest', errors=(409,)),
    Operation(_PACKAGE + '/ext_artifacts_access', 'get',
              'getExtArtifactsAccess',
              'Show the access configuration of external artifacts',
              _ok('VnfSnapshotPkgExtArtifactsAccessConfig')),
    Operation(_PACKAGE + '/ext_artifacts_access', 'put',
              'setExtArtifactsAccess',
              'Set the access configuration of external artifacts',
              _ok('VnfSnapshotPkgExtArtifactsAccessConfig'),
              request='VnfSnapshotPkgExtArtifactsAccessConfigRequest',
              errors=(409, 422)),
    Operation(_PACKAGE + '/artifacts/{artifactPath}', 'get',
              'getVnfSnapshotPackageArtifact', 'Download one artifact',
              _binary('The artifact: application/json for records and '
                      'descriptors, else application/octet-stream.',
                      _ARTIFACT_MEDIA)
              | {302: Answer('Found: an external artifact; Location is '
                             'its URI.', headers=('Version', 'Location'))},
              errors=(409, 416), request_headers=('Range',)),
    # Conductors (vnfsnap administration)
    _api_versions(versions.VNFSNAP, '/vnfsnap/api_versions'),
    _api_versions(versions.VNFSNAP, _VNFSNAP + '/api_versions'),
    Operation(_VNFSNAP + '/conductors', 'get', 'listConductors',
              'List the conductors', _list('ConductorListItem'),
              collection=True),
    Operation(_VNFSNAP + '/conductors/{hostname}', 'get', 'getConductor',
              'Show a conductor', _ok('Conductor')),
)

_PATH_PARAMS = {
    'vnfInstanceId': 'The identifier of the VNF instance.',
    'vnfSnapshotInfoId': 'The identifier of the VNF snapshot resource.',
    'vnfLcmOpOccId': 'The identifier of the VNF LCM operation '
                     'occurrence.',
    'subscriptionId': 'The identifier of the subscription.',
    'vnfSnapshotPkgId': 'The identifier of the VNF snapshot package.',
    'artifactPath': 'The path of the artifact in the package, "/" '
                    'included.',
    'hostname': 'The host name of the conductor ([DEFAULT]host).',
    'onlineTestId': 'The identifier of the online test.',
}


def _ref(name):
    return {'$ref': '#/components/schemas/%s' % name}


def _parameters(op):
    params = []
    for segment in op.path.split('/'):
        if segment.startswith('{'):
            name = segment[1:-1]
            params.append({'name': name, 'in': 'path', 'required': True,
                           'description': _PATH_PARAMS[name],
                           'schema': {'type': 'string', 'minLength': 1}})
    if op.api is not None:
        params.append({
            'name': 'Version', 'in': 'header', 'required': True,
            'description': 'The version of the API the client wants; any '
                           '%d.y.z up to %s (SOL013 clause 4.2).'
                           % (op.api.major, op.api.version),
            'schema': {'type': 'string', 'enum': _VERSIONS[op.api.name]}})
    for name in op.request_headers:
        description, schema = REQUEST_HEADERS[name]
        params.append({'name': name, 'in': 'header', 'required': False,
                       'description': description, 'schema': schema})
    if op.collection:
        for name, description in _QUERY.items():
            params.append({'name': name, 'in': 'query', 'required': False,
                           'description': description,
                           'schema': {'type': 'string'}})
    return params


def _answer(status, answer):
    doc = {'description': answer.description}
    if answer.headers:
        doc['headers'] = {
            name: {'description': HEADERS[name][0],
                   'schema': HEADERS[name][1],
                   'required': name in ('Version', 'Location',
                                        'Content-Range')}
            for name in answer.headers}
    if isinstance(answer.schema, dict):
        doc['content'] = {media: {'schema': _ref(name)}
                          for media, name in answer.schema.items()}
    elif answer.schema is not None:
        schema = _ref(answer.schema)
        if answer.array:
            schema = {'type': 'array', 'items': schema}
        doc['content'] = {media: {'schema': schema}
                          for media in answer.media}
    return doc


def _error(status):
    return {'description': _ERROR_TEXTS[status],
            'content': {PROBLEM: {'schema': _ref('ProblemDetails')}}}


def operation(op):
    doc = {'operationId': op.operation_id, 'summary': op.summary,
           'tags': [op.api.name if op.api else 'root']}
    params = _parameters(op)
    if params:
        doc['parameters'] = params
    if op.request is not None:
        doc['requestBody'] = {
            'required': op.request_required,
            'content': {media: {'schema': _ref(op.request)}
                        for media in op.request_media}}
    codes = set(op.errors)
    if op.api is not None:
        codes.update(COMMON_ERRORS)
        if op.request is not None:
            codes.update(BODY_ERRORS)
    responses = {str(s): _answer(s, a) for s, a in op.answers.items()}
    responses.update({str(s): _error(s) for s in codes})
    doc['responses'] = dict(sorted(responses.items()))
    return doc


def components():
    schemas = {name: convert(schema) for name, schema in COMPONENTS.items()}
    for name, (full, required) in MEMBERS.items():
        schemas[name] = shallow(schemas[full], required)
    return dict(sorted(schemas.items()))


def build():
    """The OpenAPI document, as a dict."""
    paths = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method] = operation(op)
    return {
        'openapi': '3.1.0',
        'info': {
            'title': 'vnfsnap',
            'version': ', '.join('%s %s' % (api.name, api.version)
                                 for api in versions.APIS),
            'description': (
                'Snapshots, revert and snapshot packages of whole VNFs: '
                'the ETSI NFV SOL003 VNF LCM snapshot resources '
                '(vnflcm %s) and the SOL005 VNF Snapshot Package '
                'Management API (vnfsnapshotpkgm %s), with vnfsnap\'s '
                'extensions, and vnfsnap\'s administration API (vnfsnap '
                '%s: the conductors). Generated by vnfsnap.api.openapi from '
                'the schemas the API validates requests with; do not edit.'
                % (versions.VNFLCM.version,
                   versions.VNFSNAPSHOTPKGM.version,
                   versions.VNFSNAP.version)),
            'license': {'name': 'Apache 2.0',
                        'identifier': 'Apache-2.0'},
        },
        'servers': [{'url': '/'}],
        'tags': [{'name': 'root'}] + [{'name': api.name}
                                      for api in versions.APIS],
        'paths': paths,
        'components': {
            'schemas': components(),
            'securitySchemes': {'keystone': {
                'type': 'apiKey', 'in': 'header', 'name': 'X-Auth-Token',
                'description': 'A Keystone token, with [api]auth_strategy '
                               '= keystone; none with noauth.'}},
        },
        'security': [{'keystone': []}, {}],
    }


class _Dumper(yaml.SafeDumper):
    """Every schema written out where it is used: no YAML anchors and
    aliases, which some OpenAPI tools do not follow."""

    def ignore_aliases(self, data):
        return True


def dump(document):
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, width=79,
                     allow_unicode=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('path', help='the YAML file to write or check')
    parser.add_argument('--check', action='store_true',
                        help='exit 1 when the file is not up to date')
    args = parser.parse_args(argv)
    text = dump(build())
    if args.check:
        with open(args.path, encoding='utf-8') as f:
            if f.read() != text:
                print('%s is out of date: run python -m vnfsnap.api.openapi '
                      '%s' % (args.path, args.path), file=sys.stderr)
                return 1
        return 0
    with open(args.path, 'w', encoding='utf-8') as f:
        f.write(text)
    return 0


if __name__ == '__main__':
    sys.exit(main())
