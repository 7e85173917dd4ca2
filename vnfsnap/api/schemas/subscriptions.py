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

"""Schema of LccnSubscriptionRequest (SOL003 5.5.2.15)."""

from vnfsnap.api.schemas import common

_STRINGS = {'type': 'array', 'minItems': 1,
            'items': {'type': 'string', 'minLength': 1, 'maxLength': 255}}

_STRING = {'type': 'string', 'minLength': 1, 'maxLength': 255}


def _one_of(*names):
    """SOL003 5.5.3.12: at most one of these attributes."""
    return {'not': {'required': list(names)},
            'description': 'at most one of %s' % ' and '.join(names)}


# VnfInstanceSubscriptionFilter (SOL003 4.4.1.5).
_PRODUCTS = {
    'type': 'array', 'minItems': 1,
    'items': {
        'type': 'object',
        'properties': {
            'vnfProvider': _STRING,
            'vnfProducts': {
                'type': 'array', 'minItems': 1,
                'items': {
                    'type': 'object',
                    'properties': {
                        'vnfProductName': _STRING,
                        'versions': {
                            'type': 'array', 'minItems': 1,
                            'items': {
                                'type': 'object',
                                'properties': {
                                    'vnfSoftwareVersion': _STRING,
                                    'vnfdVersions': _STRINGS},
                                'required': ['vnfSoftwareVersion'],
                                'additionalProperties': False}}},
                    'required': ['vnfProductName'],
                    'additionalProperties': False}}},
        'required': ['vnfProvider'],
        'additionalProperties': False},
}

FILTER = {
    'type': 'object',
    'properties': {
        'vnfInstanceSubscriptionFilter': {
            'type': 'object',
            'properties': {
                'vnfInstanceIds': {'type': 'array', 'minItems': 1,
                                   'items': common.UUID_IDENTIFIER},
                'vnfInstanceNames': _STRINGS,
                'vnfdIds': _STRINGS,
                'vnfProductsFromProviders': _PRODUCTS},
            'allOf': [_one_of('vnfdIds', 'vnfProductsFromProviders'),
                      _one_of('vnfInstanceIds', 'vnfInstanceNames')],
            'additionalProperties': False,
        },
        'notificationTypes': {
            'type': 'array', 'minItems': 1,
            'items': {'enum': ['VnfLcmOperationOccurrenceNotification']}},
        'operationTypes': {
            'type': 'array', 'minItems': 1,
            'items': {'enum': ['CREATE_SNAPSHOT', 'REVERT_TO_SNAPSHOT',
                               'MODIFY_INFO', 'ONLINE_TEST']}},
        'operationStates': {
            'type': 'array', 'minItems': 1,
            'items': {'enum': ['STARTING', 'PROCESSING', 'COMPLETED',
                               'FAILED_TEMP', 'FAILED', 'ROLLING_BACK',
                               'ROLLED_BACK']}},
    },
    'additionalProperties': False,
}

CREATE = {
    'type': 'object',
    'properties': {
        'filter': FILTER,
        'callbackUri': {'type': 'string', 'maxLength': 2048,
                        'pattern': '^https?://[^/?#]+'},
        'authentication': {'type': 'object'},
        'verbosity': {'enum': ['FULL', 'SHORT']},
    },
    'required': ['callbackUri'],
    'additionalProperties': False,
}
