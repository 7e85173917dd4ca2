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


"""What the procedures of the OpenStack driver share: names and
microversions, the VNFC's server and disks as the driver reads them, and
power changes."""

import dataclasses
import math
import os

from oslo_log import log as logging
from oslo_utils import strutils

from vnfsnap.common import exception
import vnfsnap.conf
from vnfsnap.vim.openstack import clients

CONF = vnfsnap.conf.CONF
LOG = logging.getLogger(__name__)

IMAGE_TYPE = 'OS::Glance::Image'
VOLUME_SNAPSHOT_TYPE = 'OS::Cinder::VolumeSnapshot'

RUNNING, PAUSED, SHUTOFF = 'running', 'paused', 'shutoff'
POWER = {'ACTIVE': RUNNING, 'PAUSED': PAUSED, 'SHUTOFF': SHUTOFF}

REBUILD_VOLUME_BACKED = (2, 93)
VOLUME_REVERT = (3, 40)
GROUP_SNAPSHOTS = (3, 14)

NO_MEMORY = ('Nova cannot capture the memory state of a server (suspend '
             'keeps it on the compute host, where no API can reach it)')
#: Seconds between two progress lines while nothing changes.
PROGRESS_LOG_INTERVAL = 30
_GIB = 1024 ** 3
EXPORT_FORMATS = ('qcow2', 'raw')
# Image properties an imported disk takes over from the server's current
# image: how Nova must boot it (hardware, kernel, guest agent), not where
# Glance keeps it or what it was copied from.
_INHERITED_PREFIXES = ('hw_', 'os_', 'img_', 'trait:')
_INHERITED_KEYS = ('kernel_id', 'ramdisk_id', 'architecture',
                   'hypervisor_type', 'vm_mode', 'auto_disk_config')
_NOT_INHERITED_PREFIXES = ('os_glance', 'os_hash', 'os_hidden')


def yes(value):
    return strutils.bool_from_string(value, default=False)


def dev(device):
    """'/dev/vdb' -> 'vdb' (a package's disk target)."""
    return os.path.basename(device) if device else None


def device_order(attachment):
    """vdb before vdc before vdaa."""
    return (len(attachment.device or ''), attachment.device or '')


def inherited(properties):
    return {k: v for k, v in properties.items()
            if (k in _INHERITED_KEYS or k.startswith(_INHERITED_PREFIXES))
            and not k.startswith(_NOT_INHERITED_PREFIXES)}


def gib(size_bytes):
    return math.ceil((size_bytes or 0) / _GIB)


@dataclasses.dataclass
class Layout:
    """The disks of one VNFC's server, as the driver treats them."""

    server: clients.Server
    root: clients.Attachment    # volume-backed only
    root_volume: clients.Volume  # volume-backed only
    data: list                  # (Attachment, storage resource id or None)
    storage_ids: dict           # volume id -> storage resource id

    @property
    def disk_count(self):
        return 1 + len(self.data)

    @property
    def root_device(self):
        if self.root is not None:
            return self.root.device
        return self.server.root_device_name


class ServerHelpers:
    """Reading a VNFC's server and changing its power state (a mixin of
    the driver, with :class:`~vnfsnap.vim.openstack.waits.Waits`)."""

    def _server(self, vnfc):
        server_id = vnfc.compute_resource['resourceId']
        try:
            return self.cloud.get_server(server_id)
        except exception.ResourceNotFound:
            raise exception.VimError(
                reason='server %s of VNFC %s does not exist on the VIM '
                       '(deleted, or replaced by a heal or scale)'
                       % (server_id, vnfc.id)) from None

    @staticmethod
    def _power_state(server, vnfc):
        """The server's power state; refuses servers that are busy or in a
        state neither a snapshot nor a revert may start from."""
        if server.status not in POWER:
            raise exception.VimError(
                reason='server %s of VNFC %s is %s; only ACTIVE, PAUSED and '
                       'SHUTOFF servers are snapshotted or reverted'
                       % (server.id, vnfc.id, server.status))
        if server.task_state:
            raise exception.VimError(
                reason='server %s of VNFC %s is busy (%s); try again when '
                       'it is done' % (server.id, vnfc.id, server.task_state))
        return POWER[server.status]

    def _layout(self, vnfc, server):
        attached = {a.volume_id: a for a in server.volumes}
        storage_ids = {}
        for storage in vnfc.storage_resources:
            volume_id = storage['storageResource']['resourceId']
            if volume_id not in attached:
                raise exception.VimError(
                    reason='volume %s (storage resource %s) of VNFC %s is '
                           'not attached to its server %s'
                           % (volume_id, storage['id'], vnfc.id, server.id))
            storage_ids[volume_id] = storage['id']
        root = root_volume = None
        if server.volume_backed:
            root, root_volume = self._root_attachment(server)
        left_out = {s['storageResource']['resourceId']: s['id']
                    for s in vnfc.left_out}
        kept_out = sorted(v for v in left_out if v in attached)
        if kept_out and server.volume_backed:
            # createImage of a volume-backed server snapshots every
            # attached volume.
            raise exception.VimCapabilityMissing(
                what='leave volume(s) %s of VNFC %s out of its snapshot'
                     % (', '.join(left_out[v] for v in kept_out), vnfc.id),
                reason='server %s is volume-backed: Nova snapshots all its '
                       'attached volumes; detach them for the snapshot '
                       '(detachDisksBefore)' % server.id)
        data = [(a, storage_ids.get(a.volume_id))
                for a in sorted(server.volumes, key=device_order)
                if (root is None or a.volume_id != root.volume_id)
                and a.volume_id not in left_out]
        return Layout(server, root, root_volume, data, storage_ids)

    def _root_attachment(self, server):
        """The root volume of a volume-backed server: the one at its root
        device when the policy shows that, else the bootable volume at the
        first device (Nova's API names no boot index)."""
        for attachment in sorted(server.volumes, key=device_order):
            if server.root_device_name:
                if attachment.device != server.root_device_name:
                    continue
                return attachment, self.cloud.get_volume(
                    attachment.volume_id)
            volume = self.cloud.get_volume(attachment.volume_id)
            if volume.bootable:
                return attachment, volume
        raise exception.VimError(
            reason='cannot tell which volume is the root disk of '
                   'volume-backed server %s' % server.id)

    def _image_properties(self, layout):
        """The image properties Nova boots the server with (those that say
        whether it quiesces)."""
        if layout.server.volume_backed:
            return layout.root_volume.image_metadata
        try:
            return self.cloud.get_image(layout.server.image_id).properties
        except exception.ResourceNotFound:
            return {}

    @staticmethod
    def _quiesce_refusal(layout, properties):
        """Why Nova would not certainly freeze every disk of this VNFC
        during createImage, or None when it would: only for an ACTIVE
        volume-backed server whose image requires the freeze does Nova
        fail the snapshot rather than skip a freeze that did not work."""
        server = layout.server
        if server.status != 'ACTIVE':
            return ('server %s is %s; Nova quiesces only ACTIVE servers'
                    % (server.id, server.status))
        if not server.volume_backed:
            return ('server %s is image-backed: Nova freezes it only at the '
                    'end of the root disk copy, skips that freeze without '
                    'failing when the guest agent does not answer (even '
                    'with os_require_quiesce), and snapshots no data volume '
                    'under it' % server.id)
        if not yes(properties.get('hw_qemu_guest_agent')):
            return ('the image of server %s does not set '
                    'hw_qemu_guest_agent=yes' % server.id)
        if not yes(properties.get('os_require_quiesce')):
            return ('the image of server %s does not set '
                    'os_require_quiesce=yes, so Nova would skip a freeze '
                    'the guest agent does not answer and take a '
                    'crash-consistent snapshot without saying so'
                    % server.id)
        return None

    @staticmethod
    def _refuse_ephemeral(server, vnfc):
        if server.ephemeral_gb:
            raise exception.VimCapabilityMissing(
                what='snapshot VNFC %s' % vnfc.id,
                reason='its flavor has a %d GiB ephemeral disk, which Nova '
                       'neither snapshots nor keeps across the rebuild of '
                       'a revert' % server.ephemeral_gb)

    def _handle(self, vnfc, resource_id, resource_type):
        return {'vimConnectionId': vnfc.compute_resource.get(
            'vimConnectionId'), 'resourceId': resource_id,
            'vimLevelResourceType': resource_type}

    @staticmethod
    def _volume_record(attachment, storage_id, snapshot, volume=None):
        record = {'volume_id': attachment.volume_id,
                  'device': attachment.device,
                  'snapshot_id': snapshot.id,
                  'storage_resource_id': storage_id,
                  'size': snapshot.size,
                  'delete_on_termination': attachment.delete_on_termination}
        if volume is not None:
            record['volume_type'] = volume.volume_type
        return record

    def _unpause(self, server_id, vnfc):
        self.cloud.unpause_server(server_id)
        self._wait_server(server_id, ('ACTIVE',),
                          'unpausing VNFC %s' % vnfc.id)

    def _power_off(self, server_id, state, vnfc):
        if state == PAUSED:
            self._unpause(server_id, vnfc)
        if state != SHUTOFF:
            self.cloud.stop_server(server_id)
            self._wait_server(server_id, ('SHUTOFF',),
                              'stopping VNFC %s' % vnfc.id)

    def _set_power(self, server_id, target, vnfc):
        status = self.cloud.get_server(server_id).status
        if target == SHUTOFF:
            if status != 'SHUTOFF':
                self._power_off(server_id, POWER.get(status, RUNNING), vnfc)
            return
        if status == 'SHUTOFF':
            self.cloud.start_server(server_id)
            self._wait_server(server_id, ('ACTIVE',),
                              'starting VNFC %s' % vnfc.id)
        if target == PAUSED:
            self.cloud.pause_server(server_id)
            self._wait_server(server_id, ('PAUSED',),
                              'pausing VNFC %s' % vnfc.id)

    def _image_from_snapshot(self, snapshot_id, name, volume_type, made):
        """A Glance image with the data of a volume snapshot, through a
        temporary volume Cinder uploads (deleted here); the image id is
        appended to ``made`` at once, for the caller to delete."""
        snapshot = self.cloud.get_snapshot(snapshot_id)
        temp = self.cloud.create_volume(
            snapshot.size, name, snapshot_id=snapshot_id,
            volume_type=volume_type,
            metadata={'vnfsnap_temporary': 'true'})
        try:
            self._wait_volume(temp.id, ('available',),
                              'volume from snapshot %s' % snapshot_id)
            image_id = self.cloud.upload_volume_to_image(
                temp.id, name, CONF.openstack.volume_image_disk_format)
            made.append(image_id)
            self._wait_image(image_id, 'upload of volume snapshot %s'
                             % snapshot_id)
        finally:
            self._discard(volumes=[temp.id])
        return image_id
