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

"""Schema of the VNF instance registration request (a vnfsnap extension).

SOL003's CreateVnfRequest creates an empty, NOT_INSTANTIATED VNF instance;
vnfsnap adopts VNFs that already run, so the same request may also carry
the runtime information a VNFM would otherwise have built by instantiating.
"""

from vnfsnap.api.schemas import common

VNFC_RESOURCE_INFO = {
    'type': 'object',
    'properties': {
        'id': common.IDENTIFIER,
        'vduId': common.IDENTIFIER,
        'computeResource': common.RESOURCE_HANDLE,
        'storageResourceIds': {'type': 'array',
                               'items': common.IDENTIFIER,
                               'uniqueItems': True},
        'metadata': common.KEY_VALUE_PAIRS,
    },
    'required': ['id', 'vduId', 'computeResource'],
}

VIRTUAL_STORAGE_RESOURCE_INFO = {
    'type': 'object',
    'properties': {
        'id': common.IDENTIFIER,
        'virtualStorageDescId': common.IDENTIFIER,
        'storageResource': common.RESOURCE_HANDLE,
        'metadata': common.KEY_VALUE_PAIRS,
    },
    'required': ['id', 'virtualStorageDescId', 'storageResource'],
}

INSTANTIATED_VNF_INFO = {
    'type': 'object',
    'properties': {
        'flavourId': common.IDENTIFIER,
        'vnfState': {'enum': ['STARTED', 'STOPPED']},
        'vnfcResourceInfo': {'type': 'array', 'items': VNFC_RESOURCE_INFO,
                             'minItems': 1},
        'virtualStorageResourceInfo': {
            'type': 'array', 'items': VIRTUAL_STORAGE_RESOURCE_INFO},
    },
    'required': ['flavourId', 'vnfState', 'vnfcResourceInfo'],
}

# Names and versions are stored in 255-character columns.
NAME = {'type': 'string', 'maxLength': 255}

CREATE = {
    'type': 'object',
    'properties': {
        'vnfdId': common.IDENTIFIER,
        'vnfInstanceName': NAME,
        'vnfInstanceDescription': {'type': 'string', 'maxLength': 65535},
        'vnfProvider': NAME,
        'vnfProductName': NAME,
        'vnfSoftwareVersion': NAME,
        'vnfdVersion': NAME,
        'vnfd': {'type': 'object'},
        'snapshotDescriptor': {'type': 'object'},
        'vimConnectionInfo': {
            'type': 'object',
            'additionalProperties': common.VIM_CONNECTION_INFO,
        },
        'instantiatedVnfInfo': INSTANTIATED_VNF_INFO,
        'vnfConfigurableProperties': common.KEY_VALUE_PAIRS,
        'metadata': common.KEY_VALUE_PAIRS,
        'extensions': common.KEY_VALUE_PAIRS,
    },
    'required': ['vnfdId'],
    'additionalProperties': False,
}


# vnfsnap extension: where a VNF receives its snapshot prepare/done notices
# (GR NFV-TST 005 6.5.1); authentication is SOL013 SubscriptionAuthentication.
SNAPSHOT_NOTIFICATIONS = {
    'type': 'object',
    'properties': {
        'callbackUri': {'type': 'string', 'maxLength': 2048,
                        'pattern': '^https?://[^/?#]+'},
        'authentication': {'type': 'object'},
        'verifyTls': {'type': 'boolean'},
        'ackTimeout': {'type': 'integer', 'minimum': 1, 'maximum': 600},
    },
    'required': ['callbackUri'],
    'additionalProperties': False,
}
