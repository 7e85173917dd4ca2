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

"""Schemas of the snapshot LCM task requests and op occurrence tasks."""

from vnfsnap.api.schemas import common

# Keys of additionalParams vnfsnap understands for CREATE_SNAPSHOT; others
# are kept for the VNF (they are declared in its VNFD) and passed along.
CREATE_ADDITIONAL_PARAMS = {
    'type': 'object',
    'properties': {
        'withMemory': {'type': 'boolean'},
        'quiesce': {'type': 'boolean'},
        'pauseVnf': {'type': 'boolean'},
        # A VNF snapshot of only these VNFCs (vnfcResourceInfo ids; GR
        # NFV-TST 005 allows a VNF snapshot of a subset of its VNFCs).
        'vnfcInstanceIds': {'type': 'array', 'items': common.IDENTIFIER,
                            'minItems': 1, 'uniqueItems': True},
    },
    'not': {'description': 'quiesce and pauseVnf exclude each other: a '
                           'paused guest cannot freeze its file systems',
            'properties': {'quiesce': {'const': True},
                           'pauseVnf': {'const': True}},
            'required': ['quiesce', 'pauseVnf']},
}

# CreateVnfSnapshotRequest (vnfSnapshotInfoId is mandatory, SOL003 5.5.2.21)
CREATE_SNAPSHOT = {
    'type': 'object',
    'properties': {
        'vnfSnapshotInfoId': common.UUID_IDENTIFIER,
        'additionalParams': CREATE_ADDITIONAL_PARAMS,
        'userDefinedData': common.KEY_VALUE_PAIRS,
    },
    'required': ['vnfSnapshotInfoId'],
    'additionalProperties': False,
}

# Keys of additionalParams vnfsnap understands for REVERT_TO_SNAPSHOT.
REVERT_ADDITIONAL_PARAMS = {
    'type': 'object',
    'properties': {
        'stateAfterRevert': {'enum': ['running', 'paused', 'shutoff']},
        'safetySnapshot': {'type': 'boolean'},
    },
}

# RevertToVnfSnapshotRequest
REVERT_TO_SNAPSHOT = {
    'type': 'object',
    'properties': {
        'vnfSnapshotInfoId': common.UUID_IDENTIFIER,
        'additionalParams': REVERT_ADDITIONAL_PARAMS,
    },
    'required': ['vnfSnapshotInfoId'],
    'additionalProperties': False,
}

# CancelMode
CANCEL = {
    'type': 'object',
    'properties': {
        'cancelMode': {'enum': ['GRACEFUL', 'FORCEFUL']},
    },
    'required': ['cancelMode'],
    'additionalProperties': False,
}
