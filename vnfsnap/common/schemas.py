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

"""JSON schemas of SOL003/SOL013 data types that the API validates requests
with and the conductor validates VNF snapshot package records with.

Cardinalities are the spec-intended ones (GS NFV-SOL 003 tables), not the
stale ``required`` lists of the ETSI OpenAPI files.
"""

import datetime
import ipaddress

import jsonschema

IDENTIFIER = {'type': 'string', 'minLength': 1, 'maxLength': 255}
UUID_IDENTIFIER = {'type': 'string', 'minLength': 1, 'maxLength': 36}
STRING = {'type': 'string', 'maxLength': 1024}
KEY_VALUE_PAIRS = {'type': 'object'}

RESOURCE_HANDLE = {
    'type': 'object',
    'properties': {
        'vimConnectionId': IDENTIFIER,
        'resourceProviderId': IDENTIFIER,
        'resourceId': IDENTIFIER,
        'vimLevelResourceType': STRING,
        'vimLevelAdditionalResourceInfo': {'type': 'object'},
        'containerNamespace': STRING,
    },
    'required': ['resourceId'],
}

VIM_CONNECTION_INFO = {
    'type': 'object',
    'properties': {
        'vimId': IDENTIFIER,
        'vimType': {'type': 'string', 'minLength': 1, 'maxLength': 255},
        'interfaceInfo': KEY_VALUE_PAIRS,
        'accessInfo': KEY_VALUE_PAIRS,
        'extra': KEY_VALUE_PAIRS,
    },
    'required': ['vimType'],
}

DATE_TIME = {'type': 'string', 'format': 'date-time'}

VNFC_SNAPSHOT_INFO = {
    'type': 'object',
    'properties': {
        'id': IDENTIFIER,
        'vnfcInstanceId': IDENTIFIER,
        'creationStartedAt': DATE_TIME,
        'creationFinishedAt': DATE_TIME,
        'vnfcResourceInfoId': IDENTIFIER,
        'computeSnapshotResource': RESOURCE_HANDLE,
        'storageSnapshotResources': {
            'type': 'array',
            'items': {
                'type': 'object',
                'properties': {
                    'storageResourceId': IDENTIFIER,
                    'storageSnapshotResource': RESOURCE_HANDLE,
                },
                'required': ['storageResourceId'],
            },
        },
        'userDefinedData': KEY_VALUE_PAIRS,
    },
    'required': ['id', 'vnfcInstanceId', 'creationStartedAt',
                 'vnfcResourceInfoId'],
}

VNF_SNAPSHOT = {
    'type': 'object',
    'properties': {
        # Both are kept in 36-character columns.
        'id': UUID_IDENTIFIER,
        'vnfInstanceId': UUID_IDENTIFIER,
        'creationStartedAt': DATE_TIME,
        'creationFinishedAt': DATE_TIME,
        'vnfdId': IDENTIFIER,
        'vnfInstance': {'type': 'object'},
        'vnfcSnapshots': {'type': 'array', 'items': VNFC_SNAPSHOT_INFO,
                          'minItems': 1},
        'vnfStateSnapshotInfo': {'type': 'object'},
        'userDefinedData': KEY_VALUE_PAIRS,
        '_links': {'type': 'object'},
    },
    'required': ['id', 'vnfInstanceId', 'creationStartedAt', 'vnfdId',
                 'vnfInstance', 'vnfcSnapshots'],
}


FORMAT_CHECKER = jsonschema.FormatChecker(formats=())
# Longest quote of a request value in a validation error.
_MAX_QUOTE = 200


@FORMAT_CHECKER.checks('date-time', raises=ValueError)
def _is_datetime(value):
    if not isinstance(value, str):
        return True
    datetime.datetime.fromisoformat(value.replace('Z', '+00:00'))
    return True


@FORMAT_CHECKER.checks('ip-address', raises=ValueError)
def _is_ip_address(value):
    """SOL003 IpAddress: an IPv4 or IPv6 address."""
    if isinstance(value, str):
        ipaddress.ip_address(value)
    return True


def first_error(schema, document):
    """'path: message' of the most relevant violation, or None."""
    validator = jsonschema.Draft7Validator(schema,
                                           format_checker=FORMAT_CHECKER)
    error = jsonschema.exceptions.best_match(validator.iter_errors(document))
    if error is None:
        return None
    where = '/'.join(str(p) for p in error.absolute_path) or 'body'
    message = error.message
    if error.validator == 'not' and 'description' in error.validator_value:
        # jsonschema can only echo a 'not' rule back; its description
        # says what is wrong.
        message = error.validator_value['description']
    else:
        # Its messages quote the offending value whole ("'xxx...' is too
        # long"); a few hundred characters of it are enough.
        quoted = repr(error.instance)
        if len(quoted) > _MAX_QUOTE:
            message = message.replace(quoted, '%s... (%d characters)' % (
                quoted[:_MAX_QUOTE], len(quoted)))
    return '%s: %s' % (where, message)
