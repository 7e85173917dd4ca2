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

_IDENTIFIERS = {'type': 'array', 'items': common.IDENTIFIER,
                'uniqueItems': True}

IP_ADDRESS = {'type': 'string', 'maxLength': 64, 'format': 'ip-address'}

# IpOverEthernetAddressInfo (SOL003 5.5.3.19): a MAC address and/or IP
# addresses, each entry either fixed addresses or a range.
_IP_ADDRESSES = {
    'type': 'object',
    'properties': {
        'type': {'enum': ['IPV4', 'IPV6']},
        'addresses': {'type': 'array', 'items': IP_ADDRESS},
        'isDynamic': {'type': 'boolean'},
        'addressRange': {
            'type': 'object',
            'properties': {'minAddress': IP_ADDRESS,
                           'maxAddress': IP_ADDRESS},
            'required': ['minAddress', 'maxAddress']},
        'subnetId': common.IDENTIFIER,
    },
    'required': ['type'],
    'oneOf': [{'required': ['addresses']}, {'required': ['addressRange']}],
    # isDynamic: present with addresses, absent otherwise.
    'dependencies': {'addresses': ['isDynamic'],
                     'isDynamic': ['addresses']},
}

IP_OVER_ETHERNET_ADDRESS_INFO = {
    'type': 'object',
    'properties': {
        'macAddress': {'type': 'string',
                       'pattern': '^[0-9A-Fa-f]{2}([:-][0-9A-Fa-f]{2}){5}'
                                  '(([:-][0-9A-Fa-f]{2}){2})?$'},
        'segmentationId': common.STRING,
        'ipAddresses': {'type': 'array', 'items': _IP_ADDRESSES},
    },
    'anyOf': [{'required': ['macAddress']}, {'required': ['ipAddresses']}],
}

# CpProtocolInfo (SOL003 5.5.3.9b); IP over Ethernet is the only protocol.
CP_PROTOCOL_INFO = {
    'type': 'object',
    'properties': {
        'layerProtocol': {'enum': ['IP_OVER_ETHERNET']},
        'ipOverEthernet': IP_OVER_ETHERNET_ADDRESS_INFO,
    },
    'required': ['layerProtocol', 'ipOverEthernet'],
}

_CP_PROTOCOLS = {'type': 'array', 'items': CP_PROTOCOL_INFO}

# VnfcResourceInfo.vnfcCpInfo entries (SOL003 5.5.3.5).
VNFC_CP_INFO = {
    'type': 'object',
    'properties': {
        'id': common.IDENTIFIER,
        'cpdId': common.IDENTIFIER,
        'vnfExtCpId': common.IDENTIFIER,
        'cpProtocolInfo': _CP_PROTOCOLS,
        'vnfLinkPortId': common.IDENTIFIER,
        'metadata': common.KEY_VALUE_PAIRS,
    },
    'required': ['id', 'cpdId'],
}

# VnfExtCpInfo (SOL003 5.5.3.17): exactly one of the associations.
VNF_EXT_CP_INFO = {
    'type': 'object',
    'properties': {
        'id': common.IDENTIFIER,
        'cpdId': common.IDENTIFIER,
        'cpConfigId': common.IDENTIFIER,
        'vnfdId': common.IDENTIFIER,
        'cpProtocolInfo': _CP_PROTOCOLS,
        'extLinkPortId': common.IDENTIFIER,
        'metadata': common.KEY_VALUE_PAIRS,
        'associatedVnfcCpId': common.IDENTIFIER,
        'associatedVipCpId': common.IDENTIFIER,
        'associatedVnfVirtualLinkId': common.IDENTIFIER,
    },
    'required': ['id', 'cpdId', 'cpConfigId', 'cpProtocolInfo'],
    'oneOf': [{'required': ['associatedVnfcCpId']},
              {'required': ['associatedVipCpId']},
              {'required': ['associatedVnfVirtualLinkId']}],
}

VNFC_RESOURCE_INFO = {
    'type': 'object',
    'properties': {
        'id': common.IDENTIFIER,
        'vduId': common.IDENTIFIER,
        'vnfdId': common.IDENTIFIER,
        'computeResource': common.RESOURCE_HANDLE,
        'zoneId': common.IDENTIFIER,
        'storageResourceIds': _IDENTIFIERS,
        'reservationId': common.IDENTIFIER,
        'vnfcCpInfo': {'type': 'array', 'items': VNFC_CP_INFO},
        'parentCpId': common.IDENTIFIER,
        'metadata': common.KEY_VALUE_PAIRS,
    },
    'required': ['id', 'vduId', 'computeResource'],
}

VIRTUAL_STORAGE_RESOURCE_INFO = {
    'type': 'object',
    'properties': {
        'id': common.IDENTIFIER,
        'virtualStorageDescId': common.IDENTIFIER,
        'vnfdId': common.IDENTIFIER,
        'storageResource': common.RESOURCE_HANDLE,
        'zoneId': common.IDENTIFIER,
        'reservationId': common.IDENTIFIER,
        'metadata': common.KEY_VALUE_PAIRS,
    },
    'required': ['id', 'virtualStorageDescId', 'storageResource'],
}

# The attributes of SOL003 instantiatedVnfInfo that vnfsnap registers;
# any other is refused, so that every answer is a valid VnfInstance.
# extCpInfo (1..N in SOL003) is derived when not given (views).
INSTANTIATED_VNF_INFO = {
    'type': 'object',
    'properties': {
        'flavourId': common.IDENTIFIER,
        'vnfState': {'enum': ['STARTED', 'STOPPED']},
        'extCpInfo': {'type': 'array', 'items': VNF_EXT_CP_INFO,
                      'minItems': 1},
        'vnfcResourceInfo': {'type': 'array', 'items': VNFC_RESOURCE_INFO,
                             'minItems': 1},
        'virtualStorageResourceInfo': {
            'type': 'array', 'items': VIRTUAL_STORAGE_RESOURCE_INFO},
    },
    'required': ['flavourId', 'vnfState', 'vnfcResourceInfo'],
    'additionalProperties': False,
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


# VnfInfoModificationRequest (SOL003 5.5.2.12), a JSON merge patch of the
# VnfInstance: null removes a string, a key of the KeyValuePairs or an
# entry of vimConnectionInfo. Names outside it are refused by
# vnfsnap.common.vnf_info.check_names (400, or 422 for read-only ones).
_MERGED_PAIRS = {'type': ['object', 'null']}
MODIFY = {
    'type': 'object',
    'properties': {
        'vnfInstanceName': dict(NAME, type=['string', 'null']),
        'vnfInstanceDescription': {'type': ['string', 'null'],
                                   'maxLength': 65535},
        'vnfdId': common.IDENTIFIER,
        'vnfConfigurableProperties': _MERGED_PAIRS,
        'metadata': _MERGED_PAIRS,
        'extensions': _MERGED_PAIRS,
        'vimConnectionInfo': {
            'type': ['object', 'null'],
            'propertyNames': common.IDENTIFIER,
            'additionalProperties': {'type': ['object', 'null']},
        },
        'vnfcInfoModifications': {
            'type': 'array',
            'items': {
                'type': 'object',
                'properties': {
                    'id': common.IDENTIFIER,
                    'vnfcConfigurableProperties': common.KEY_VALUE_PAIRS,
                },
                'required': ['id', 'vnfcConfigurableProperties'],
                'additionalProperties': False,
            },
        },
    },
    'minProperties': 1,
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
