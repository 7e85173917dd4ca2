"""Schema of LccnSubscriptionRequest (SOL003 5.5.2.15)."""

from vnfsnap.api.schemas import common

_STRINGS = {'type': 'array', 'minItems': 1,
            'items': {'type': 'string', 'minLength': 1, 'maxLength': 255}}

FILTER = {
    'type': 'object',
    'properties': {
        'vnfInstanceSubscriptionFilter': {
            'type': 'object',
            'properties': {'vnfInstanceIds': {
                'type': 'array', 'minItems': 1,
                'items': common.UUID_IDENTIFIER},
                'vnfdIds': _STRINGS},
            'additionalProperties': False,
        },
        'notificationTypes': {
            'type': 'array', 'minItems': 1,
            'items': {'enum': ['VnfLcmOperationOccurrenceNotification']}},
        'operationTypes': {
            'type': 'array', 'minItems': 1,
            'items': {'enum': ['CREATE_SNAPSHOT', 'REVERT_TO_SNAPSHOT']}},
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
