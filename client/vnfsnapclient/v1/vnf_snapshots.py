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

"""``/vnflcm/v2/vnf_snapshots``: individual VNF snapshot resources
(SOL003 clause 5.4.23-5.4.25)."""

import logging

from vnfsnapclient import exceptions
from vnfsnapclient import http
from vnfsnapclient.v1 import base

LOG = logging.getLogger(__name__)


class VnfSnapshotManager(base.Manager):
    API = http.VNFLCM
    PATH = '/vnf_snapshots'

    def create(self, body=None):
        """A new VNF snapshot resource: empty ({}), for a create_snapshot
        to fill, or holding a given ``vnfSnapshot``."""
        return self.http.send_json('POST', self.API, self.PATH,
                                   body or {}).json()

    def update(self, snapshot_id, changes, if_match=None):
        """Merge-patch an (empty) VNF snapshot; the modifications."""
        return self.http.send_json(
            'PATCH', self.API, self._path(snapshot_id), changes,
            content_type=http.MERGE_PATCH_JSON,
            headers={'If-Match': if_match}).json()

    def delete(self, snapshot_id, if_match=None):
        """Delete it; a filled one also loses its VIM-side snapshots,
        which a conductor removes after this returns."""
        self._delete(snapshot_id, if_match=if_match)

    def download_vnf_state(self, snapshot_id, dest_path, progress=None,
                           resume=True):
        """Stream the VNF state snapshot into ``dest_path``; checked
        against the SHA-256 its VnfStateSnapshotInfo gives, if any."""
        snap = self.get(snapshot_id)
        state = (snap.get('vnfSnapshot') or {}).get(
            'vnfStateSnapshotInfo') or {}
        return self.http.download(
            self.API, self._path(snapshot_id, 'vnf_state_snapshot'),
            dest_path, progress=progress, resume=resume,
            sha256=sha256_of(state.get('checksum')))


def create_params(memory=False, quiesce=None, pause_vnf=False,
                  vnfc_ids=None):
    """additionalParams of a create_snapshot task (vnfsnap's), or None:
    ``quiesce`` None leaves it to the snapshot descriptor and the VIM.

    Raises ValueError for quiesce with pause_vnf: a paused guest cannot
    freeze its file systems.
    """
    if quiesce and pause_vnf:
        raise ValueError('quiesce and pause VNF exclude each other: a '
                         'paused guest cannot freeze its file systems')
    params = {}
    if memory:
        params['withMemory'] = True
    if quiesce is not None:
        params['quiesce'] = quiesce
    if pause_vnf:
        params['pauseVnf'] = True
    if vnfc_ids:
        params['vnfcInstanceIds'] = list(vnfc_ids)
    return params or None


def take(client, instance_id, additional_params=None,
         user_defined_data=None):
    """Snapshot a VNF instance: an empty VNF snapshot, then the
    create_snapshot task that fills it; (VnfSnapshotInfo, op occurrence
    id). A task refused before it started (the ClientError is raised)
    leaves no empty snapshot behind."""
    info = client.vnf_snapshots.create({})
    try:
        op_id = client.vnf_instances.create_snapshot(
            instance_id, info['id'], additional_params=additional_params,
            user_defined_data=user_defined_data)
    except exceptions.ClientError:
        try:
            client.vnf_snapshots.delete(info['id'])
        except exceptions.ClientError as exc:
            LOG.warning('Could not delete the empty VNF snapshot %s: %s',
                        info['id'], exc)
        raise
    return info, op_id


def sha256_of(checksum):
    """The hex digest of a SOL005 Checksum when it is a SHA-256, or None."""
    if not isinstance(checksum, dict):
        return None
    algorithm = str(checksum.get('algorithm', '')).upper().replace('-', '')
    if algorithm == 'SHA256' and checksum.get('hash'):
        return checksum['hash']
    return None
