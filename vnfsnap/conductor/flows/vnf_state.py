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


"""The VNF state snapshot (SOL003 VnfSnapshot.vnfStateSnapshotInfo and the
"VNF state snapshot" resource): VNF-specific state data kept with a VNF
snapshot, besides the VNFC snapshots.

Only the VNF knows such state. A VNF that registered a snapshot
notification endpoint may name it in its answer to "prepare" of a
CREATE_SNAPSHOT, while it holds its writes::

    {"acknowledged": true,
     "vnfStateSnapshot": {"uri": "https://vnf.example/state/42",
                          "contentType": "application/x-fw-state",
                          "isEncrypted": false,
                          "metadata": {"format": "v2"}}}

The conductor downloads it at once, with the endpoint's credentials and
under the [package_import] rules of every download, streaming it into the
package store with its SHA-256; the VnfSnapshot records it. Any failure
fails the operation, which is undone.
"""

from oslo_log import log as logging
from oslo_utils import timeutils
from taskflow import task

from vnfsnap import store
from vnfsnap.common import exception
from vnfsnap.common import schemas
from vnfsnap.common import urlfetch
from vnfsnap.common import views
import vnfsnap.conf

CONF = vnfsnap.conf.CONF
LOG = logging.getLogger(__name__)

# What the VNF's "prepare" answer may say about its state snapshot.
REFERENCE = {
    'type': 'object',
    'properties': {
        'uri': {'type': 'string', 'minLength': 1, 'maxLength': 2048},
        # A media type without parameters: it becomes a Content-Type.
        'contentType': {'type': 'string', 'maxLength': 255,
                        'pattern': r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/"
                                   r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*$"},
        'isEncrypted': {'type': 'boolean'},
        'metadata': {'type': 'object'},
    },
    'required': ['uri'],
    'additionalProperties': False,
}


class FetchVnfStateSnapshot(task.Task):
    """Download the VNF state snapshot the VNF named (if it named one);
    provides its VnfStateSnapshotInfo and store key, or None."""

    def __init__(self, endpoint, instance_id):
        super().__init__(name='fetch-vnf-state-snapshot',
                         provides='vnf-state-snapshot',
                         requires=['vnf-answer'])
        self.endpoint, self.instance_id = endpoint, instance_id

    def execute(self, info_id, **answer):
        ref = (answer.get('vnf-answer') or {}).get('vnfStateSnapshot')
        if ref is None:
            return None
        error = schemas.first_error(REFERENCE, ref)
        if error is not None:
            raise exception.VnfStateSnapshotFailed(
                id=self.instance_id,
                reason='the answer to "prepare" has an invalid '
                       'vnfStateSnapshot: %s' % error)
        key = store.vnf_state_key(info_id)
        try:
            with urlfetch.open_stream(
                    ref['uri'], self.endpoint.credentials,
                    max_size=CONF.package_store.max_package_size) as body:
                stored = store.get_store().put_stream(key, body,
                                                      length=body.length)
        except exception.VnfsnapException as e:
            raise exception.VnfStateSnapshotFailed(
                id=self.instance_id, reason=e.message) from None
        LOG.info('Stored the VNF state snapshot of VNF instance %s (%d '
                 'bytes) for VNF snapshot %s', self.instance_id, stored.size,
                 info_id)
        metadata = dict(ref.get('metadata') or {}, size=stored.size,
                        createdAt=views.isotime(timeutils.utcnow()))
        if 'contentType' in ref:
            metadata['contentType'] = ref['contentType']
        return {'key': key, 'info': {
            'checksum': {'algorithm': 'SHA-256', 'hash': stored.sha256},
            'isEncrypted': bool(ref.get('isEncrypted', False)),
            'metadata': metadata}}

    def revert(self, info_id, result=None, **kwargs):
        if isinstance(result, dict):
            store.delete_vnf_state(info_id)
