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

"""Schemas of the SOL005 VNF Snapshot Package Management requests.

Cardinalities are the spec-intended ones (GS NFV-SOL 005 clause 11.5
tables). ``authType`` also accepts BASIC (``paramsBasic``), which the
V3.7.1 OpenAPI lists only for subscriptions, for clients written against
other versions of the data model.
"""

from vnfsnap.api.schemas import common

# Stored in a 255-character column.
NAME = {'type': 'string', 'minLength': 1, 'maxLength': 255}
URI = {'type': 'string', 'minLength': 1, 'maxLength': 2048}
SECRET = {'type': 'string', 'minLength': 1, 'maxLength': 1024}

OAUTH2_CLIENT_CREDENTIALS = 'OAUTH2_CLIENT_CREDENTIALS'
BASIC = 'BASIC'

PARAMS_OAUTH2 = {
    'type': 'object',
    'properties': {
        'clientId': SECRET,
        'clientPassword': SECRET,
        'tokenEndpoint': URI,
    },
    'required': ['clientId', 'clientPassword', 'tokenEndpoint'],
    'additionalProperties': False,
}

PARAMS_BASIC = {
    'type': 'object',
    'properties': {
        'userName': SECRET,
        # RFC 7617 allows an empty password.
        'password': {'type': 'string', 'maxLength': 1024},
    },
    'required': ['userName', 'password'],
    'additionalProperties': False,
}

# authType names the one parameters object that must come with it.
_AUTH_PROPERTIES = {
    'authType': {'enum': [OAUTH2_CLIENT_CREDENTIALS, BASIC]},
    'paramsOauth2ClientCredentials': PARAMS_OAUTH2,
    'paramsBasic': PARAMS_BASIC,
}
_AUTH_RULES = [
    {'if': {'properties': {'authType': {'const': OAUTH2_CLIENT_CREDENTIALS}},
            'required': ['authType']},
     'then': {'required': ['paramsOauth2ClientCredentials'],
              'not': {'required': ['paramsBasic']}}},
    {'if': {'properties': {'authType': {'const': BASIC}},
            'required': ['authType']},
     'then': {'required': ['paramsBasic'],
              'not': {'required': ['paramsOauth2ClientCredentials']}}},
]
_AUTH_DEPENDENCIES = {'paramsOauth2ClientCredentials': ['authType'],
                      'paramsBasic': ['authType']}

# CreateVnfSnapshotPkgInfoRequest (clause 11.5.2.2)
CREATE = {
    'type': 'object',
    'properties': {
        'name': NAME,
        'userDefinedData': common.KEY_VALUE_PAIRS,
    },
    'required': ['name'],
    'additionalProperties': False,
}

# VnfSnapshotPkgInfoModifications (clause 11.5.2.4), a JSON merge patch:
# null in userDefinedData removes that key, a null userDefinedData all.
MODIFY = {
    'type': 'object',
    'properties': {
        'name': NAME,
        'userDefinedData': {'type': ['object', 'null']},
        'state': {'enum': ['AVAILABLE']},
    },
    'additionalProperties': False,
    'minProperties': 1,
}

# UploadVnfSnapshotPkgFromUriRequest (clause 11.5.2.5)
UPLOAD_FROM_URI = {
    'type': 'object',
    'properties': dict(_AUTH_PROPERTIES, addressInformation=URI),
    'required': ['addressInformation'],
    'additionalProperties': False,
    'allOf': _AUTH_RULES,
    'dependencies': _AUTH_DEPENDENCIES,
}

_LOCAL_IDS = {'type': 'array', 'items': common.IDENTIFIER,
              'uniqueItems': True}

# BuildVnfSnapshotPkgRequest (clause 11.5.2.6)
BUILD = {
    'type': 'object',
    'properties': {
        'vnfSnapshotInfoId': common.UUID_IDENTIFIER,
        # Present: a "partial" package of these VNFC snapshots only.
        'vnfcSnapshotsInfoIds': dict(_LOCAL_IDS, minItems=1),
        'overrideImportForVnfcSnapshotIds': _LOCAL_IDS,
        'importSnapshotResource': {'type': 'boolean'},
        # vnfsnap extension: an incremental package, relative to this
        # one (doc/source/user/package-format.rst).
        'basePackageId': common.UUID_IDENTIFIER,
        # vnfsnap extension: add a diagnostics part for root-cause
        # analysis (doc/source/user/root-cause.rst).
        'diagnostics': {'type': 'boolean'},
    },
    'required': ['vnfSnapshotInfoId'],
    'additionalProperties': False,
}

# ExtractVnfSnapshotPkgRequest (clause 11.5.2.7); "exactly one of" is
# checked by the controller, which answers 422 with the reason.
EXTRACT = {
    'type': 'object',
    'properties': {
        'vnfSnapshotInfoId': common.UUID_IDENTIFIER,
        'vnfInstanceId': common.UUID_IDENTIFIER,
    },
    'additionalProperties': False,
}

# CancelVnfSnapshotPkgOperationRequest (clause 11.5.2.8)
CANCEL = {
    'type': 'object',
    'properties': {
        'cause': {'type': 'string', 'maxLength': 4096},
    },
    'additionalProperties': False,
}

# VnfSnapshotPkgExtArtifactsAccessConfig (clause 11.5.2.9)
EXT_ARTIFACT_ACCESS = {
    'type': 'object',
    'properties': dict(_AUTH_PROPERTIES, artifactUri=URI, overrideUri=URI),
    'required': ['artifactUri'],
    'additionalProperties': False,
    'allOf': _AUTH_RULES,
    'dependencies': _AUTH_DEPENDENCIES,
}

EXT_ARTIFACTS_ACCESS = {
    'type': 'object',
    'properties': {
        'artifact': {'type': 'array', 'items': EXT_ARTIFACT_ACCESS},
    },
    'additionalProperties': False,
}
