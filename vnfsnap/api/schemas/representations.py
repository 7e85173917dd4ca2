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

"""Schemas of what the API answers (vnfsnap.common.views renders it).

The API validates requests, not its answers; these schemas describe the
answers for the OpenAPI document (vnfsnap.api.openapi), built from the
request schemas wherever an answer carries what a request gave. The
schemathesis functional test and the api-ref sample test check real
answers against them. Attributes of cardinality 0..1 are absent rather
than null, as SOL013 wants.
"""

from vnfsnap.api.schemas import common
from vnfsnap.api.schemas import lcm
from vnfsnap.api.schemas import online_tests
from vnfsnap.api.schemas import subscriptions
from vnfsnap.api.schemas import vnf_instances
from vnfsnap.api.schemas import vnf_snapshot_packages as pkgm
from vnfsnap.api.schemas import vnf_snapshots
from vnfsnap.common import states

URI = {'type': 'string', 'minLength': 1}
LINK = {'type': 'object', 'properties': {'href': URI}, 'required': ['href']}
OBJECT = {'type': 'object'}
ARRAY = {'type': 'array'}
BOOLEAN = {'type': 'boolean'}


def links(required, optional=()):
    names = list(required) + list(optional)
    return {'type': 'object',
            'properties': {name: LINK for name in names},
            'required': list(required)}


# ProblemDetails (SOL013 6.3, RFC 7807), of bounded size.
PROBLEM_DETAILS = {
    'type': 'object',
    'properties': {
        'type': URI,
        'title': {'type': 'string', 'maxLength': 256},
        'status': {'type': 'integer', 'minimum': 400, 'maximum': 599},
        'detail': {'type': 'string', 'maxLength': 2048},
        'instance': URI,
    },
    'required': ['status', 'detail'],
}

# ApiVersionInformation (SOL013 9.3.2).
API_VERSION_INFORMATION = {
    'type': 'object',
    'properties': {
        'uriPrefix': URI,
        'apiVersions': {
            'type': 'array', 'minItems': 1,
            'items': {'type': 'object',
                      'properties': {'version': {'type': 'string'},
                                     'isDeprecated': BOOLEAN,
                                     'retirementDate': common.DATE_TIME},
                      'required': ['version']}},
    },
    'required': ['uriPrefix', 'apiVersions'],
    'additionalProperties': False,
}

# ``/``: the APIs this endpoint serves (a vnfsnap extension).
ROOT = {
    'type': 'object',
    'properties': {
        'name': {'const': 'vnfsnap'},
        'apis': {
            'type': 'array',
            'items': {'type': 'object',
                      'properties': {'apiName': {'type': 'string'},
                                     'uriPrefix': URI,
                                     'version': {'type': 'string'}},
                      'required': ['apiName', 'uriPrefix', 'version']}},
    },
    'required': ['name', 'apis'],
}

# What a registration gives, answered as it was given.
_REGISTERED = ('vnfInstanceName', 'vnfInstanceDescription', 'vnfdId',
               'vnfProvider', 'vnfProductName', 'vnfSoftwareVersion',
               'vnfdVersion', 'vnfConfigurableProperties', 'metadata',
               'extensions')

# VnfInstance (SOL003 5.5.2.2) as vnfsnap registers it.
VNF_INSTANCE = {
    'type': 'object',
    'properties': {
        'id': common.UUID_IDENTIFIER,
        **{name: vnf_instances.CREATE['properties'][name]
           for name in _REGISTERED},
        # Without accessInfo: VIM credentials are never answered.
        'vimConnectionInfo': {
            'type': 'object',
            'additionalProperties': {
                **common.VIM_CONNECTION_INFO,
                'not': {'required': ['accessInfo']}}},
        'instantiationState': {'enum': [states.NOT_INSTANTIATED,
                                        states.INSTANTIATED]},
        'instantiatedVnfInfo': OBJECT,
        '_links': links(['self'], ['createSnapshot', 'revertToSnapshot']),
    },
    'required': ['id', 'vnfdId', 'vnfProvider', 'vnfProductName',
                 'vnfSoftwareVersion', 'vnfdVersion', 'instantiationState',
                 '_links'],
}

# VnfSnapshotInfo (SOL003 5.5.2.22).
VNF_SNAPSHOT_INFO = {
    'type': 'object',
    'properties': {
        'id': common.UUID_IDENTIFIER,
        'vnfSnapshotPkgId': common.UUID_IDENTIFIER,
        'vnfSnapshot': vnf_snapshots.CREATE['properties']['vnfSnapshot'],
        '_links': links(['self'], ['takenFrom']),
    },
    'required': ['id', '_links'],
    'additionalProperties': False,
}

_OPERATION_STATES = [states.STARTING, states.PROCESSING, states.COMPLETED,
                     states.FAILED_TEMP, states.FAILED, states.ROLLING_BACK,
                     states.ROLLED_BACK]

# A guard (vnfsnap extension of VnfLcmOpOcc): the deadline a VIM enforced
# on an interruption of a VNFC's service the operation caused.
GUARD = {
    'type': 'object',
    'properties': {
        'vnfcInstanceId': {'type': 'string'},
        'kind': {'enum': ['freeze', 'pause', 'power-off', 'detach']},
        'resourceId': {'type': 'string'},
        'deadline': common.DATE_TIME,
        'deadlineSeconds': {'type': 'number'},
        'state': {'enum': ['armed', 'released', 'fired', 'failed']},
        'firedAt': common.DATE_TIME,
        'error': {'type': 'string'},
    },
    'required': ['vnfcInstanceId', 'kind', 'deadline', 'state'],
    'additionalProperties': False,
}

# VnfLcmOpOcc (SOL003 5.5.2.13) of the operations vnfsnap runs.
VNF_LCM_OP_OCC = {
    'type': 'object',
    'properties': {
        'id': common.UUID_IDENTIFIER,
        'operationState': {'enum': _OPERATION_STATES},
        'stateEnteredTime': common.DATE_TIME,
        'startTime': common.DATE_TIME,
        'vnfInstanceId': common.UUID_IDENTIFIER,
        'operation': {'enum': list(states.OPERATIONS)},
        'isAutomaticInvocation': BOOLEAN,
        'operationParams': OBJECT,
        'isCancelPending': BOOLEAN,
        'cancelMode': lcm.CANCEL['properties']['cancelMode'],
        'error': PROBLEM_DETAILS,
        'changedInfo': OBJECT,
        'vnfSnapshotInfoId': common.UUID_IDENTIFIER,
        # vnfsnap extension: the VIM's guards on what the operation
        # interrupted.
        'guards': {'type': 'array', 'items': GUARD},
        '_links': links(['self', 'vnfInstance'],
                        ['vnfSnapshot', 'safetyVnfSnapshot', 'retry',
                         'rollback', 'fail', 'cancel']),
    },
    'required': ['id', 'operationState', 'stateEnteredTime', 'startTime',
                 'vnfInstanceId', 'operation', 'isAutomaticInvocation',
                 'isCancelPending', '_links'],
}

_PROBE_RESULT = {
    'type': 'object',
    'properties': {
        'probeId': {'type': 'string'},
        'passed': BOOLEAN,
        'at': common.DATE_TIME,
        'latencyMs': {'type': 'integer', 'minimum': 0},
        'status': {'type': 'integer'},
        'exitStatus': {'type': 'integer'},
        'detail': {'type': 'string'},
    },
    'required': ['probeId', 'passed', 'at', 'latencyMs'],
    'additionalProperties': False,
}

# An online test (vnfsnap extension, GR NFV-TST 005 clause 4.1.1).
ONLINE_TEST = {
    'type': 'object',
    'properties': {
        'id': common.UUID_IDENTIFIER,
        'vnfInstanceId': common.UUID_IDENTIFIER,
        'operationState': {'enum': _OPERATION_STATES},
        'stateEnteredTime': common.DATE_TIME,
        'startTime': common.DATE_TIME,
        'phase': {'enum': list(states.TEST_PHASES)},
        'verdict': {'enum': [states.VERDICT_PASS, states.VERDICT_FAIL]},
        # Seconds from the injection to the first of the probe rounds
        # that all passed until the end of the expected recovery time.
        'recoveryTime': {'type': 'number', 'minimum': 0},
        'request': online_tests.CREATE,
        'fault': {
            'type': 'object',
            'properties': {
                'request': online_tests.FAULT,
                'injectedAt': common.DATE_TIME,
                'injected': OBJECT,
                'restoredAt': common.DATE_TIME,
            },
            'required': ['request', 'injectedAt'],
        },
        'probeRounds': {
            'type': 'array',
            'items': {
                'type': 'object',
                'properties': {
                    'phase': {'enum': ['baseline', 'recovery', 'judgement',
                                       'after-restore']},
                    'at': common.DATE_TIME,
                    'passed': BOOLEAN,
                    'results': {'type': 'array', 'items': _PROBE_RESULT},
                },
                'required': ['phase', 'at', 'passed', 'results'],
                'additionalProperties': False,
            },
        },
        'probeRoundsDropped': {'type': 'integer', 'minimum': 1},
        'preTestVnfSnapshotInfoId': common.UUID_IDENTIFIER,
        'failedStateVnfSnapshotInfoId': common.UUID_IDENTIFIER,
        'vnfSnapshotPkgId': common.UUID_IDENTIFIER,
        'error': PROBLEM_DETAILS,
        '_links': links(['self', 'vnfInstance', 'vnfLcmOpOcc'],
                        ['abort', 'preTestVnfSnapshot',
                         'failedStateVnfSnapshot', 'vnfSnapshotPkg']),
    },
    'required': ['id', 'vnfInstanceId', 'operationState',
                 'stateEnteredTime', 'startTime', 'probeRounds', '_links'],
    'additionalProperties': False,
}

# LccnSubscription (SOL003 5.5.2.16): never its credentials.
LCCN_SUBSCRIPTION = {
    'type': 'object',
    'properties': {
        'id': common.UUID_IDENTIFIER,
        'filter': subscriptions.FILTER,
        'callbackUri': subscriptions.CREATE['properties']['callbackUri'],
        'verbosity': subscriptions.CREATE['properties']['verbosity'],
        '_links': links(['self']),
    },
    'required': ['id', 'callbackUri', 'verbosity', '_links'],
    'additionalProperties': False,
}

# A conductor (vnfsnap administration API): liveness and work held.
CONDUCTOR = {
    'type': 'object',
    'properties': {
        'hostname': {'type': 'string', 'minLength': 1},
        'alive': {'type': 'boolean'},
        'online': {'type': 'boolean'},
        'startedAt': common.DATE_TIME,
        'heartbeatAt': common.DATE_TIME,
        'version': {'type': 'string'},
        'rpcApiVersion': {'type': 'string'},
        'vnfLcmOpOccIds': {'type': 'array',
                           'items': common.UUID_IDENTIFIER},
        'vnfSnapshotPkgIds': {'type': 'array',
                              'items': common.UUID_IDENTIFIER},
        '_links': links(['self']),
    },
    'required': ['hostname', 'alive', 'online', 'startedAt', 'heartbeatAt',
                 'vnfLcmOpOccIds', 'vnfSnapshotPkgIds', '_links'],
    'additionalProperties': False,
}

# vim_capabilities (a vnfsnap extension): per VNFC, its VIM's capabilities
# or why they could not be read.
VIM_CAPABILITIES = {
    'type': 'object',
    'properties': {
        'vnfInstanceId': common.UUID_IDENTIFIER,
        'vnfcs': {
            'type': 'array',
            'items': {
                'type': 'object',
                'properties': {
                    'vnfcResourceInfoId': common.IDENTIFIER,
                    'vimConnectionId': common.IDENTIFIER,
                    'capabilities': {
                        'type': 'object',
                        'additionalProperties': BOOLEAN},
                    'error': {'type': 'string'},
                },
                'required': ['vnfcResourceInfoId'],
                'oneOf': [{'required': ['capabilities']},
                          {'required': ['error']}],
            },
        },
    },
    'required': ['vnfInstanceId', 'vnfcs'],
    'additionalProperties': False,
}


def _without_secrets(auth, secrets):
    """An authentication schema whose secret parameters are absent."""
    public = dict(auth['properties'])
    for params, secret in secrets.items():
        public[params] = dict(public[params], properties={
            k: v for k, v in public[params]['properties'].items()
            if k != secret}, required=[
            k for k in public[params]['required'] if k != secret])
    return public


_PUBLIC_AUTH = {
    'type': 'object',
    'properties': {
        'authType': {'type': 'array', 'minItems': 1, 'maxItems': 1,
                     'items': pkgm.UPLOAD_FROM_URI['properties']['authType']},
        'paramsBasic': {'type': 'object',
                        'properties': {'userName': pkgm.SECRET},
                        'required': ['userName'],
                        'additionalProperties': False},
        'paramsOauth2ClientCredentials': {
            'type': 'object',
            'properties': {'clientId': pkgm.SECRET,
                           'tokenEndpoint': pkgm.URI},
            'required': ['clientId', 'tokenEndpoint'],
            'additionalProperties': False},
    },
    'required': ['authType'],
    'additionalProperties': False,
}

# snapshot_notifications (a vnfsnap extension): {} when none is set.
SNAPSHOT_NOTIFICATIONS = {
    'type': 'object',
    'properties': {
        'callbackUri': vnf_instances.SNAPSHOT_NOTIFICATIONS[
            'properties']['callbackUri'],
        'verifyTls': BOOLEAN,
        'ackTimeout': vnf_instances.SNAPSHOT_NOTIFICATIONS[
            'properties']['ackTimeout'],
        'authentication': _PUBLIC_AUTH,
    },
    'dependencies': {'verifyTls': ['callbackUri'],
                     'authentication': ['callbackUri']},
    'additionalProperties': False,
}

# VnfSnapshotPkgExtArtifactsAccessConfig, without its secrets.
EXT_ARTIFACTS_ACCESS = {
    'type': 'object',
    'properties': {
        'artifact': {
            'type': 'array',
            'items': dict(pkgm.EXT_ARTIFACT_ACCESS, properties=(
                _without_secrets(pkgm.EXT_ARTIFACT_ACCESS,
                                 {'paramsBasic': 'password',
                                  'paramsOauth2ClientCredentials':
                                      'clientPassword'}))),
        },
    },
    'required': ['artifact'],
    'additionalProperties': False,
}

_PKG_STATES = [states.PKG_CREATED, states.PKG_BUILDING,
               states.PKG_UPLOADING, states.PKG_PROCESSING,
               states.PKG_AVAILABLE, states.PKG_EXTRACTING, states.PKG_ERROR,
               states.PKG_ERROR_EXTRACTING]

# VnfSnapshotPkgInfo (SOL005 11.5.2.3) and vnfsnap's progress and
# signature extensions.
VNF_SNAPSHOT_PKG_INFO = {
    'type': 'object',
    'properties': {
        'id': common.UUID_IDENTIFIER,
        'vnfSnapshotPkgUniqueId': common.IDENTIFIER,
        'name': pkgm.NAME,
        'checksum': {'type': 'object',
                     'properties': {'algorithm': {'type': 'string'},
                                    'hash': {'type': 'string'}},
                     'required': ['algorithm', 'hash']},
        'createdAt': common.DATE_TIME,
        'vnfSnapshotId': common.IDENTIFIER,
        'vnfcSnapshotInfoIds': ARRAY,
        'isFullSnapshot': BOOLEAN,
        'vnfdInfo': OBJECT,
        'vnfsr': OBJECT,
        'vnfcSnapshotImages': ARRAY,
        'additionalArtifacts': ARRAY,
        'state': {'enum': _PKG_STATES},
        'isCancelPending': BOOLEAN,
        'failureDetails': {
            'type': 'object',
            'properties': {
                'errorType': {'enum': [states.BUILD_ERROR,
                                       states.UPLOAD_ERROR,
                                       states.PROCESS_ERROR,
                                       states.CANCELLED,
                                       states.EXTRACTION_ERROR]},
                'details': PROBLEM_DETAILS},
            'required': ['errorType', 'details']},
        'userDefinedData': common.KEY_VALUE_PAIRS,
        'progress': {'type': 'object',
                     'properties': {
                         'bytesDone': {'type': 'integer', 'minimum': 0},
                         'bytesTotal': {'type': 'integer', 'minimum': 0}},
                     'required': ['bytesDone']},
        'signature': OBJECT,
        '_links': links(['self', 'packageContent']),
    },
    'required': ['id', 'name', 'isFullSnapshot', 'state', 'isCancelPending',
                 '_links'],
    'additionalProperties': False,
}

# The answers to a PATCH: the modifications as applied.
VNF_SNAPSHOT_INFO_MODIFICATIONS = {
    'type': 'object',
    'properties': {
        'vnfSnapshotPkgId': common.UUID_IDENTIFIER,
        'vnfSnapshot': vnf_snapshots.CREATE['properties']['vnfSnapshot'],
    },
    'minProperties': 1,
    'additionalProperties': False,
}

VNF_SNAPSHOT_PKG_INFO_MODIFICATIONS = {
    'type': 'object',
    'properties': {
        'name': pkgm.NAME,
        'userDefinedData': common.KEY_VALUE_PAIRS,
        'state': {'enum': [states.PKG_AVAILABLE]},
    },
    'minProperties': 1,
    'additionalProperties': False,
}
