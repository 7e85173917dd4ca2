"""Schemas of the SOL003 VNF snapshot requests.

Cardinalities are the spec-intended ones (GS NFV-SOL 003 tables), not the
stale ``required`` lists of the ETSI OpenAPI files.
"""

from vnfsnap.api.schemas import common
from vnfsnap.common.schemas import VNF_SNAPSHOT

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
