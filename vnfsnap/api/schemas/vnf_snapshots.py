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

# VnfSnapshotInfoModificationRequest ("null" is not permitted for either
# attribute). It is a JSON merge patch: the nulls inside vnfSnapshot remove
# attributes, and what remains is checked against VNF_SNAPSHOT.
MODIFY = {
    'type': 'object',
    'properties': {
        'vnfSnapshotPkgId': common.UUID_IDENTIFIER,
        'vnfSnapshot': {'type': 'object'},
    },
    'additionalProperties': False,
    'minProperties': 1,
}
