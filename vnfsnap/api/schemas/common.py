"""JSON schema pieces for SOL003/SOL013 types used in request bodies."""

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
