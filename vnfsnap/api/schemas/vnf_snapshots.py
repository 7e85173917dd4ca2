"""Schemas of the SOL003 VNF snapshot requests.

Cardinalities are the spec-intended ones (GS NFV-SOL 003 tables), not the
stale ``required`` lists of the ETSI OpenAPI files.
"""

from vnfsnap.api.schemas import common

VNFC_SNAPSHOT_INFO = {
    'type': 'object',
    'properties': {
        'id': common.IDENTIFIER,
        'vnfcInstanceId': common.IDENTIFIER,
        'creationStartedAt': common.DATE_TIME,
        'creationFinishedAt': common.DATE_TIME,
        'vnfcResourceInfoId': common.IDENTIFIER,
        'computeSnapshotResource': common.RESOURCE_HANDLE,
        'storageSnapshotResources': {
            'type': 'array',
            'items': {
                'type': 'object',
                'properties': {
                    'storageResourceId': common.IDENTIFIER,
                    'storageSnapshotResource': common.RESOURCE_HANDLE,
                },
                'required': ['storageResourceId'],
            },
        },
        'userDefinedData': common.KEY_VALUE_PAIRS,
    },
    'required': ['id', 'vnfcInstanceId', 'creationStartedAt',
                 'vnfcResourceInfoId'],
}

VNF_SNAPSHOT = {
    'type': 'object',
    'properties': {
        # Both are kept in 36-character columns.
        'id': common.UUID_IDENTIFIER,
        'vnfInstanceId': common.UUID_IDENTIFIER,
        'creationStartedAt': common.DATE_TIME,
        'creationFinishedAt': common.DATE_TIME,
        'vnfdId': common.IDENTIFIER,
        'vnfInstance': {'type': 'object'},
        'vnfcSnapshots': {'type': 'array', 'items': VNFC_SNAPSHOT_INFO,
                          'minItems': 1},
        'vnfStateSnapshotInfo': {'type': 'object'},
        'userDefinedData': common.KEY_VALUE_PAIRS,
        '_links': {'type': 'object'},
    },
    'required': ['id', 'vnfInstanceId', 'creationStartedAt', 'vnfdId',
                 'vnfInstance', 'vnfcSnapshots'],
}

# CreateVnfSnapshotInfoRequest
CREATE = {
    'type': 'object',
    'properties': {
        'vnfSnapshotPkgId': common.UUID_IDENTIFIER,
        'vnfSnapshot': VNF_SNAPSHOT,
    },
    'additionalProperties': False,
}

# VnfSnapshotInfoModificationRequest ("null" is not permitted)
MODIFY = {
    'type': 'object',
    'properties': {
        'vnfSnapshotPkgId': common.UUID_IDENTIFIER,
        'vnfSnapshot': VNF_SNAPSHOT,
    },
    'additionalProperties': False,
    'minProperties': 1,
}
