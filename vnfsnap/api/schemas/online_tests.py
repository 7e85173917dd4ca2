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

"""Request of ``POST /vnflcm/v2/vnf_instances/{id}/online_tests``
(vnfsnap extension: a guarded online test, GR NFV-TST 005 clause 4.1.1).

Every size is bounded: the request is kept in the test's record and shown.
No credentials are accepted (a probe's or webhook's URL is shown as
given): put the secret-free health endpoint of the VNF in it.
"""

from vnfsnap.api.schemas import common

PROBE_TYPES = ('HTTP', 'TCP', 'GUEST_COMMAND', 'WEBHOOK')
FAULT_TYPES = ('STOP_VNFC', 'PAUSE_VNFC', 'RESET_VNFC', 'LINK_DOWN',
               'DETACH_VOLUME', 'GUEST_COMMAND', 'WEBHOOK')
# Faults aimed at one VNFC (all but the external injector).
VNFC_FAULTS = FAULT_TYPES[:-1]

MAX_PROBES = 16
MAX_RECOVERY_TIME = 3600

_URL = {'type': 'string', 'minLength': 8, 'maxLength': 2048,
        'pattern': '^[Hh][Tt][Tt][Pp][Ss]?://'}
_REGEX = {'type': 'string', 'minLength': 1, 'maxLength': 1024}
_TIMEOUT = {'type': 'number', 'exclusiveMinimum': 0, 'maximum': 60}
_NAME = {'type': 'string', 'minLength': 1, 'maxLength': 64,
         'pattern': '^[A-Za-z0-9._-]+$'}
# argv of a command run in a guest through its agent (no shell).
_COMMAND = {'type': 'array', 'minItems': 1, 'maxItems': 32,
            'items': {'type': 'string', 'minLength': 1, 'maxLength': 1024}}


def _when(kind, required, field='type'):
    return {'if': {'properties': {field: {'const': kind}},
                   'required': [field]},
            'then': {'required': required}}


PROBE = {
    'type': 'object',
    'properties': {
        'id': _NAME,
        'type': {'enum': list(PROBE_TYPES)},
        # HTTP / WEBHOOK
        'url': _URL,
        'method': {'enum': ['GET', 'HEAD']},
        'expectedStatus': {'type': 'integer', 'minimum': 100,
                           'maximum': 599},
        'bodyRegex': _REGEX,
        'maxLatencyMs': {'type': 'integer', 'minimum': 1,
                         'maximum': 600000},
        'verifyTls': {'type': 'boolean'},
        # TCP
        'host': {'type': 'string', 'minLength': 1, 'maxLength': 255},
        'port': {'type': 'integer', 'minimum': 1, 'maximum': 65535},
        # GUEST_COMMAND
        'vnfcInstanceId': common.IDENTIFIER,
        'command': _COMMAND,
        'expectedExitStatus': {'type': 'integer', 'minimum': 0,
                               'maximum': 255},
        'outputRegex': _REGEX,
        'timeout': _TIMEOUT,
    },
    'required': ['id', 'type'],
    'additionalProperties': False,
    'allOf': [_when('HTTP', ['url']), _when('WEBHOOK', ['url']),
              _when('TCP', ['host', 'port']),
              _when('GUEST_COMMAND', ['vnfcInstanceId', 'command'])],
}

FAULT = {
    'type': 'object',
    'properties': {
        'type': {'enum': list(FAULT_TYPES)},
        'vnfcInstanceId': common.IDENTIFIER,
        # DETACH_VOLUME: a virtualStorageResourceInfo id of the VNFC.
        'storageResourceId': common.IDENTIFIER,
        # LINK_DOWN: the MAC address of one interface (default: all).
        'macAddress': {'type': 'string',
                       'pattern': '^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$'},
        # GUEST_COMMAND
        'command': _COMMAND,
        'timeout': _TIMEOUT,
        # WEBHOOK: POSTed {"action": "inject"} then {"action": "restore"}.
        'url': _URL,
    },
    'required': ['type'],
    'additionalProperties': False,
    'allOf': [_when(kind, ['vnfcInstanceId']) for kind in VNFC_FAULTS] + [
        _when('DETACH_VOLUME', ['storageResourceId']),
        _when('GUEST_COMMAND', ['command']),
        _when('WEBHOOK', ['url'])],
}

CREATE = {
    'type': 'object',
    'properties': {
        'description': common.STRING,
        # The VNFCs the test snapshots and, on failure, reverts (default:
        # every VNFC of the VNF).
        'vnfcInstanceIds': {'type': 'array', 'items': common.IDENTIFIER,
                            'minItems': 1, 'maxItems': 64,
                            'uniqueItems': True},
        'probes': {'type': 'array', 'items': PROBE, 'minItems': 1,
                   'maxItems': MAX_PROBES},
        'fault': FAULT,
        # Seconds the VNF has to recover after the fault is injected.
        'expectedRecoveryTime': {'type': 'integer', 'minimum': 1,
                                 'maximum': MAX_RECOVERY_TIME},
        # Seconds between two probe rounds while waiting.
        'probeInterval': {'type': 'number', 'minimum': 0.2,
                          'maximum': 60},
        'withMemory': {'type': 'boolean'},
        'onPass': {
            'type': 'object',
            'properties': {'snapshot': {'enum': ['KEEP', 'DELETE']}},
            'additionalProperties': False,
        },
        'onFail': {
            'type': 'object',
            'properties': {
                # Snapshot the failed state (warm where the VIM can) and
                # build a VNF snapshot package of it.
                'captureFailedState': {'type': 'boolean'},
                'buildPackage': {'type': 'boolean'},
                'preTestSnapshot': {'enum': ['KEEP', 'DELETE']},
            },
            'additionalProperties': False,
        },
    },
    'required': ['probes', 'fault', 'expectedRecoveryTime'],
    'additionalProperties': False,
}

ABORT = {'type': 'object', 'additionalProperties': False}
