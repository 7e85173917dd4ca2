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

"""VIM driver for OpenStack clouds: Nova servers, Cinder volumes, Glance.

A VNFC is a Nova server (``computeResource.resourceId``) with Cinder data
volumes (``storageResource.resourceId``). Only public APIs are used, with
what they really give:

* **snapshot**: Nova's createImage. For an image-backed server it copies
  the root disk into a Glance image; its data volumes get Cinder snapshots.
  For a volume-backed server Nova snapshots every volume in Cinder and
  records them in a zero-byte image. Data volumes that are exactly the
  volumes of a Cinder group whose type promises consistent group
  snapshots are taken by one group snapshot. Nova quiesces the guest
  itself inside createImage when the image asks for it; nothing else can
  freeze a guest, and only for volume-backed servers does Nova fail rather
  than skip a freeze that did not work.
  A running VNFC whose disks would otherwise be captured at different
  instants is paused for the capture ([openstack]pause_multi_disk_vnfcs),
  unless the flow paused the whole VNF already (``paused``).
* **revert**: new volumes from the snapshots are made while the VNFC still
  runs; then stop, detach, attach the new volumes at the same devices,
  rebuild from the snapshot image (same server id and ports; Compute 2.93
  for a volume-backed server, whose root volume is re-imaged from an image
  made of its root snapshot), and the power state asked for. The volumes
  are swapped before the rebuild because Nova boots the guest once while
  rebuilding it. Cinder's own revert only for volume types configured as
  trusted: its generic fallback corrupts volumes on backends such as NFS.
* **memory**: Nova cannot capture a server's memory; warm snapshots are
  refused.
"""

import contextlib
import dataclasses
import json
import math
import os
import time

from oslo_log import log as logging
from oslo_utils import strutils
from oslo_utils import uuidutils

from vnfsnap.common import exception
from vnfsnap.common import states
import vnfsnap.conf
from vnfsnap.vim import base
from vnfsnap.vim.openstack import clients

CONF = vnfsnap.conf.CONF
LOG = logging.getLogger(__name__)

VIM_TYPE = 'ETSINFV.OPENSTACK_KEYSTONE.V_3'
IMAGE_TYPE = 'OS::Glance::Image'
VOLUME_SNAPSHOT_TYPE = 'OS::Cinder::VolumeSnapshot'

RUNNING, PAUSED, SHUTOFF = 'running', 'paused', 'shutoff'
_POWER = {'ACTIVE': RUNNING, 'PAUSED': PAUSED, 'SHUTOFF': SHUTOFF}

REBUILD_VOLUME_BACKED = (2, 93)
VOLUME_REVERT = (3, 40)
GROUP_SNAPSHOTS = (3, 14)

NO_MEMORY = ('Nova cannot capture the memory state of a server (suspend '
             'keeps it on the compute host, where no API can reach it)')
#: Seconds between two progress lines while nothing changes.
PROGRESS_LOG_INTERVAL = 30
_GIB = 1024 ** 3
_EXPORT_FORMATS = ('qcow2', 'raw')
# Image properties an imported disk takes over from the server's current
# image: how Nova must boot it (hardware, kernel, guest agent), not where
# Glance keeps it or what it was copied from.
_INHERITED_PREFIXES = ('hw_', 'os_', 'img_', 'trait:')
_INHERITED_KEYS = ('kernel_id', 'ramdisk_id', 'architecture',
                   'hypervisor_type', 'vm_mode', 'auto_disk_config')
_NOT_INHERITED_PREFIXES = ('os_glance', 'os_hash', 'os_hidden')
# Volume states in which nothing is running on a volume.
_VOLUME_SETTLED = ('available', 'in-use', 'error')


def _yes(value):
    return strutils.bool_from_string(value, default=False)


def _dev(device):
    """'/dev/vdb' -> 'vdb' (a package's disk target)."""
    return os.path.basename(device) if device else None


def _device_order(attachment):
    """vdb before vdc before vdaa."""
    return (len(attachment.device or ''), attachment.device or '')


def _inherited(properties):
    return {k: v for k, v in properties.items()
            if (k in _INHERITED_KEYS or k.startswith(_INHERITED_PREFIXES))
            and not k.startswith(_NOT_INHERITED_PREFIXES)}


def _gib(size_bytes):
    return math.ceil((size_bytes or 0) / _GIB)


def _status(resource):
    """What a waited-for resource is, for messages: 'ACTIVE/rebuilding',
    'available', 'gone'."""
    if resource is None:
        return 'gone'
    task = getattr(resource, 'task_state', None)
    return '%s/%s' % (resource.status, task) if task else resource.status


@dataclasses.dataclass
class _Layout:
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


@dataclasses.dataclass
class _Restore:
    """One data volume of a revert: what is there, what it becomes."""

    record: dict
    snapshot: clients.Snapshot
    volume: clients.Volume       # the volume the VNFC has now
    attached: bool
    native: bool
    new: clients.Volume = None
    detached: bool = False
    new_attached: bool = False
    device: str = None


class OpenStackDriver(base.VimDriver):

    def __init__(self, vim_connection_info):
        super().__init__(vim_connection_info)
        self.cloud = clients.OpenStackClients(vim_connection_info)

    # --- helpers -------------------------------------------------------------

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
        if server.status not in _POWER:
            raise exception.VimError(
                reason='server %s of VNFC %s is %s; only ACTIVE, PAUSED and '
                       'SHUTOFF servers are snapshotted or reverted'
                       % (server.id, vnfc.id, server.status))
        if server.task_state:
            raise exception.VimError(
                reason='server %s of VNFC %s is busy (%s); try again when '
                       'it is done' % (server.id, vnfc.id, server.task_state))
        return _POWER[server.status]

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
                for a in sorted(server.volumes, key=_device_order)
                if (root is None or a.volume_id != root.volume_id)
                and a.volume_id not in left_out]
        return _Layout(server, root, root_volume, data, storage_ids)

    def _root_attachment(self, server):
        """The root volume of a volume-backed server: the one at its root
        device when the policy shows that, else the bootable volume at the
        first device (Nova's API names no boot index)."""
        for attachment in sorted(server.volumes, key=_device_order):
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
        if not _yes(properties.get('hw_qemu_guest_agent')):
            return ('the image of server %s does not set '
                    'hw_qemu_guest_agent=yes' % server.id)
        if not _yes(properties.get('os_require_quiesce')):
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

    # --- waiting -------------------------------------------------------------

    def _wait(self, what, fetch, done, failed, timeout_option):
        """Poll ``fetch()`` until ``done``; VimError when ``failed`` or
        after [openstack]<timeout_option> seconds. Logs each change of
        status, and the status every PROGRESS_LOG_INTERVAL seconds."""
        timeout = getattr(CONF.openstack, timeout_option)
        started = time.monotonic()
        last, logged = None, started
        while True:
            current = fetch()
            status = _status(current)
            if done(current):
                LOG.debug('%s: %s after %.1f s', what, status,
                          time.monotonic() - started)
                return current
            if failed(current):
                raise exception.VimError(reason='%s: went %s' % (what,
                                                                 status))
            now = time.monotonic()
            if status != last or now - logged >= PROGRESS_LOG_INTERVAL:
                LOG.info('%s: %s (%.0f s)', what, status, now - started)
                last, logged = status, now
            if now - started >= timeout:
                raise exception.VimError(
                    reason='%s: still %s after %d s ([openstack]%s)'
                    % (what, status, timeout, timeout_option))
            time.sleep(CONF.openstack.poll_interval)

    def _wait_server(self, server_id, statuses, what,
                     timeout_option='server_timeout'):
        return self._wait(
            '%s (server %s)' % (what, server_id),
            lambda: self.cloud.get_server(server_id),
            lambda s: s.status in statuses and not s.task_state,
            lambda s: s.status == 'ERROR', timeout_option)

    def _wait_image(self, image_id, what, statuses=('active',)):
        def fetch():
            try:
                return self.cloud.get_image(image_id)
            except exception.ResourceNotFound:
                raise exception.VimError(
                    reason='%s: image %s vanished (Nova deletes the image '
                           'of a snapshot that failed; see the server\'s '
                           'instance actions)' % (what, image_id)) from None
        return self._wait(
            '%s (image %s)' % (what, image_id), fetch,
            lambda i: i.status in statuses,
            lambda i: i.status in ('killed', 'deleted', 'pending_delete',
                                   'deactivated'), 'image_timeout')

    def _wait_volume(self, volume_id, statuses, what):
        return self._wait(
            '%s (volume %s)' % (what, volume_id),
            lambda: self.cloud.get_volume(volume_id),
            lambda v: v.status in statuses,
            lambda v: v.status.startswith('error'), 'volume_timeout')

    def _wait_snapshot(self, snapshot_id, what):
        return self._wait(
            '%s (volume snapshot %s)' % (what, snapshot_id),
            lambda: self.cloud.get_snapshot(snapshot_id),
            lambda s: s.status == 'available',
            lambda s: s.status.startswith('error'), 'volume_timeout')

    def _wait_group_snapshot(self, group_snapshot_id, what):
        return self._wait(
            '%s (group snapshot %s)' % (what, group_snapshot_id),
            lambda: self.cloud.get_group_snapshot(group_snapshot_id),
            lambda s: s.status == 'available',
            lambda s: s.status.startswith('error'), 'volume_timeout')

    def _wait_deleted(self, kind, fetch, resource_id):
        """Until the resource is gone; Cinder puts back a volume or
        snapshot it could not delete (e.g. one others depend on)."""
        def gone():
            try:
                return fetch(resource_id)
            except exception.ResourceNotFound:
                return None
        self._wait('deleting %s %s' % (kind, resource_id), gone,
                   lambda r: r is None,
                   lambda r: r.status != 'deleting', 'volume_timeout')

    # --- clean-up ------------------------------------------------------------

    def _delete_snapshot(self, snapshot_id):
        """Delete a volume snapshot and wait until it is gone; harmless
        when it is gone already."""
        try:
            self.cloud.delete_snapshot(snapshot_id)
        except exception.ResourceNotFound:
            return
        self._wait_deleted('volume snapshot', self.cloud.get_snapshot,
                           snapshot_id)

    def _delete_group_snapshot(self, group_snapshot_id):
        """Delete a group snapshot with its volume snapshots (Cinder refuses
        to delete them one by one) and wait until it is gone."""
        try:
            self.cloud.delete_group_snapshot(group_snapshot_id)
        except exception.ResourceNotFound:
            return
        self._wait_deleted('group snapshot', self.cloud.get_group_snapshot,
                           group_snapshot_id)

    def _delete_volume(self, volume_id, wait=False):
        """Delete a volume once no operation runs on it; harmless when
        it is gone already."""
        try:
            self._wait_volume(volume_id, _VOLUME_SETTLED,
                              'waiting to delete')
            self.cloud.delete_volume(volume_id)
        except exception.ResourceNotFound:
            return
        if wait:
            self._wait_deleted('volume', self.cloud.get_volume, volume_id)

    def _discard(self, images=(), snapshots=(), volumes=(),
                 group_snapshots=()):
        """Delete what a failed step made, snapshots before the volumes
        they depend on; what cannot go is logged by id, never raised (the
        failure that got us here is the one to report)."""
        steps = ([('image', self.cloud.delete_image, i) for i in images]
                 + [('group snapshot', self._delete_group_snapshot, g)
                    for g in group_snapshots]
                 + [('volume snapshot', self._delete_snapshot, s)
                    for s in snapshots]
                 + [('volume', self._delete_volume, v) for v in volumes])
        for kind, delete, resource_id in steps:
            try:
                delete(resource_id)
            except exception.ResourceNotFound:
                pass
            except exception.VnfsnapException as e:
                LOG.error('Could not delete %s %s left by a failed step; '
                          'delete it by hand: %s', kind, resource_id, e)

    # --- capabilities --------------------------------------------------------

    def capabilities(self, vnfc=None):
        """From the cloud's microversions, the VNFC's image properties and
        disks. Memory snapshots are never offered (Nova has none)."""
        compute = self.cloud.compute_version()
        volume = self.cloud.volume_version()
        LOG.debug('VIM %s: Compute API %d.%d, Block Storage API %d.%d',
                  self.cloud.endpoint, *compute, *volume)
        pause = CONF.openstack.pause_multi_disk_vnfcs
        common = dict(memory_snapshot=False, internal_snapshot=False,
                      external_snapshot=True, incremental=False,
                      revert_target_host=False, pause=True)
        if vnfc is None:
            return base.Capabilities(
                quiesce=False, live_snapshot=True, atomic_multi_disk=pause,
                revert_any_snapshot=compute >= REBUILD_VOLUME_BACKED,
                **common)
        server = self._server(vnfc)
        layout = self._layout(vnfc, server)
        quiesce = self._quiesce_refusal(
            layout, self._image_properties(layout)) is None
        single = layout.disk_count == 1
        return base.Capabilities(
            quiesce=quiesce,
            live_snapshot=single or quiesce,
            atomic_multi_disk=single or quiesce or pause
            or server.status != 'ACTIVE',
            revert_any_snapshot=(not server.volume_backed
                                 or compute >= REBUILD_VOLUME_BACKED),
            **common)

    # --- quiesce -------------------------------------------------------------

    def quiesce(self, vnfc, timeout):
        """Nova has no freeze API: it freezes the guest itself inside the
        createImage of :meth:`create_vnfc_snapshot` (and thaws it there).
        This only checks that it will, and for certain."""
        server = self._server(vnfc)
        layout = self._layout(vnfc, server)
        refusal = self._quiesce_refusal(layout,
                                        self._image_properties(layout))
        if refusal:
            raise exception.VimCapabilityMissing(
                what='quiesce VNFC %s' % vnfc.id, reason=refusal)
        LOG.info('VNFC %s: Nova freezes server %s itself while it takes '
                 'the snapshot', vnfc.id, server.id)

    def unquiesce(self, vnfc):
        """Nothing to do: Nova thawed the guest when its createImage
        returned."""

    # --- create --------------------------------------------------------------

    def power_state(self, vnfc):
        server = self._server(vnfc)
        return self._power_state(server, vnfc)

    def stop_vnfc(self, vnfc):
        server = self._server(vnfc)
        self._power_off(server.id, self._power_state(server, vnfc), vnfc)

    def start_vnfc(self, vnfc):
        server = self._server(vnfc)
        if server.status == 'SHUTOFF':
            self._set_power(server.id, RUNNING, vnfc)

    def detach_volume(self, vnfc, storage):
        server = self._server(vnfc)
        volume_id = storage['storageResource']['resourceId']
        attachment = next((a for a in server.volumes
                           if a.volume_id == volume_id), None)
        if attachment is None:
            return None
        if server.volume_backed and \
                attachment.volume_id == self._root_attachment(
                    server)[0].volume_id:
            raise exception.VimCapabilityMissing(
                what='detach volume %s from VNFC %s' % (storage['id'],
                                                        vnfc.id),
                reason='it is the root volume of server %s' % server.id)
        self.cloud.detach_volume(server.id, volume_id)
        self._wait_volume(volume_id, ('available',),
                          'detaching volume %s from VNFC %s'
                          % (storage['id'], vnfc.id))
        LOG.info('Detached volume %s (%s) from server %s of VNFC %s',
                 volume_id, attachment.device, server.id, vnfc.id)
        return {'device': attachment.device,
                'deleteOnTermination': attachment.delete_on_termination}

    def attach_volume(self, vnfc, storage, detached):
        if not detached:
            return
        server = self._server(vnfc)
        volume_id = storage['storageResource']['resourceId']
        if any(a.volume_id == volume_id for a in server.volumes):
            return
        self.cloud.attach_volume(server.id, volume_id, detached['device'],
                                 detached.get('deleteOnTermination', False))
        self._wait_volume(volume_id, ('in-use',),
                          'attaching volume %s to VNFC %s'
                          % (storage['id'], vnfc.id))
        LOG.info('Attached volume %s to server %s of VNFC %s again at %s',
                 volume_id, server.id, vnfc.id, detached['device'])

    def pause_vnfc(self, vnfc):
        server = self._server(vnfc)
        if self._power_state(server, vnfc) != RUNNING:
            return False
        self.cloud.pause_server(server.id)
        self._wait_server(server.id, ('PAUSED',),
                          'pausing VNFC %s' % vnfc.id)
        return True

    def unpause_vnfc(self, vnfc):
        server = self._server(vnfc)
        if server.status == 'PAUSED':
            self._unpause(server.id, vnfc)

    def create_vnfc_snapshot(self, vnfc, snapshot_id, with_memory,
                             quiesced, paused=False):
        if with_memory:
            raise exception.VimCapabilityMissing(
                what='snapshot the memory state of VNFC %s' % vnfc.id,
                reason=NO_MEMORY)
        server = self._server(vnfc)
        state = self._power_state(server, vnfc)
        if paused:
            # The flow paused it for a VNF-wide point: it was running.
            state = RUNNING
        self._refuse_ephemeral(server, vnfc)
        layout = self._layout(vnfc, server)
        properties = self._image_properties(layout)
        refusal = self._quiesce_refusal(layout, properties)
        if quiesced and refusal:
            raise exception.VimCapabilityMissing(
                what='quiesce VNFC %s' % vnfc.id, reason=refusal)
        pause = (state == RUNNING and not paused and not quiesced
                 and layout.disk_count > 1)
        if pause and not CONF.openstack.pause_multi_disk_vnfcs:
            raise exception.VimCapabilityMissing(
                what='snapshot VNFC %s crash-consistently' % vnfc.id,
                reason='its %d disks would be captured at different '
                       'instants while it runs, and '
                       '[openstack]pause_multi_disk_vnfcs is false'
                       % layout.disk_count)
        name = 'vnfsnap-%s-%s' % (snapshot_id, vnfc.id)
        made = {'images': [], 'snapshots': [], 'group_snapshots': []}
        started = time.monotonic()
        try:
            with self._paused(server, pause, vnfc) as window:
                if server.volume_backed:
                    root, volumes = self._capture_volume_backed(
                        vnfc, layout, name, snapshot_id, made)
                else:
                    root, volumes = self._capture_image_backed(
                        vnfc, layout, name, snapshot_id, made)
            image = self._wait_image(
                made['images'][0], 'snapshot image of VNFC %s' % vnfc.id)
        except Exception:
            if server.volume_backed:
                made['snapshots'] += [
                    s for s in self._nova_made_snapshots(layout, name)
                    if s not in made['snapshots']]
            LOG.warning('Snapshot of VNFC %s failed; deleting image(s) %s '
                        'and volume snapshot(s) %s it made', vnfc.id,
                        made['images'], made['snapshots'])
            self._discard(**made)
            raise
        took = time.monotonic() - started
        nova_quiesce = 'none'
        if quiesced:
            nova_quiesce = 'required'
        elif state == RUNNING and not (pause or paused) and _yes(
                properties.get('hw_qemu_guest_agent')):
            # Nova tries, and silently goes on when the agent is silent.
            nova_quiesce = 'attempted'
        LOG.info('VNFC %s: snapshot image %s and %d volume snapshot(s) in '
                 '%.1f s (%s%s)', vnfc.id, image.id, len(volumes)
                 + (root is not None), took,
                 'quiesced by Nova' if quiesced else 'crash-consistent',
                 ', paused %.1f s' % window['seconds'] if pause else
                 ', paused with the whole VNF' if paused else '')
        compute_version = '%d.%d' % self.cloud.compute_version()
        volume_version = '%d.%d' % self.cloud.volume_version()
        handle = self._handle(vnfc, image.id, IMAGE_TYPE)
        # Shown by the API next to the consistency level: how it was
        # reached.
        info = {
            'novaQuiesce': nova_quiesce, 'pausedForCapture': pause,
            'pausedWithVnf': paused,
            'pausedMs': round(window['seconds'] * 1000, 1),
            'computeApiVersion': compute_version,
            'volumeApiVersion': volume_version}
        if made['group_snapshots']:
            info['volumeGroupSnapshot'] = made['group_snapshots'][0]
        handle['vimLevelAdditionalResourceInfo'] = {'additionalInfo': info}
        return base.VnfcSnapshotResult(
            compute_snapshot_resource=handle,
            storage_snapshot_resources=[
                {'storageResourceId': v['storage_resource_id'],
                 'storageSnapshotResource': self._handle(
                     vnfc, v['snapshot_id'], VOLUME_SNAPSHOT_TYPE)}
                for v in ([root] if root else []) + volumes
                if v['storage_resource_id']],
            consistency_level=(states.CONSISTENCY_FILESYSTEM if quiesced
                               else states.CONSISTENCY_CRASH),
            memory_captured=False,
            vim_details={
                'server_id': server.id,
                'boot': 'volume' if server.volume_backed else 'image',
                'image_id': image.id,
                'root_device': layout.root_device,
                'state': state,
                'quiesced': bool(quiesced),
                'nova_quiesce': nova_quiesce,
                'paused_for_capture': pause,
                'paused_ms': round(window['seconds'] * 1000, 1),
                'paused_with_vnf': paused,
                'group_snapshot_id': (made['group_snapshots'] or [None])[0],
                'root': root,
                'volumes': volumes,
                'compute_api_version': compute_version,
                'volume_api_version': volume_version,
                'create_ms': round(took * 1000, 1)})

    @contextlib.contextmanager
    def _paused(self, server, pause, vnfc):
        """Pause the server for the block (when ``pause``), and always
        unpause it after; yields a dict that gets the pause's length."""
        window = {'seconds': 0.0}
        if not pause:
            yield window
            return
        self.cloud.pause_server(server.id)
        started = time.monotonic()
        try:
            self._wait_server(server.id, ('PAUSED',),
                              'pausing VNFC %s for its snapshot' % vnfc.id)
            yield window
        except BaseException:
            try:
                self._unpause(server.id, vnfc)
            except exception.VnfsnapException:
                LOG.exception('Could not unpause server %s of VNFC %s '
                              'after a failed snapshot; unpause it by '
                              'hand', server.id, vnfc.id)
            raise
        self._unpause(server.id, vnfc)
        window['seconds'] = time.monotonic() - started

    def _unpause(self, server_id, vnfc):
        self.cloud.unpause_server(server_id)
        self._wait_server(server_id, ('ACTIVE',),
                          'unpausing VNFC %s' % vnfc.id)

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

    def _capture_image_backed(self, vnfc, layout, name, snapshot_id, made):
        server = layout.server
        made['images'].append(self.cloud.create_server_image(
            server.id, name, {'vnfsnap_vnf_snapshot_id': snapshot_id,
                              'vnfsnap_vnfc_id': vnfc.id}))
        if not layout.data:
            return None, []
        # Glance receives data only once the root disk was copied: from
        # then on the data volumes may be taken (the VNFC is paused or not
        # running, so they are of the same instant). Volumes on backends
        # that need Nova's assisted snapshot (NFS) are refused while Nova
        # still uploads the image, so its task must be over too.
        self._wait_image(made['images'][0],
                         'root disk of VNFC %s captured' % vnfc.id,
                         statuses=('saving', 'active'))
        self._wait_server(server.id, ('ACTIVE', 'PAUSED', 'SHUTOFF'),
                          'image upload of VNFC %s done' % vnfc.id)
        group = self._consistent_group(layout)
        if group:
            taken = self._group_snapshot(vnfc, layout, group, name, made)
        else:
            taken = []
            for attachment, storage_id in layout.data:
                snapshot = self.cloud.create_snapshot(
                    attachment.volume_id, '%s-%s' % (name, _dev(
                        attachment.device)), force=True)
                made['snapshots'].append(snapshot.id)
                taken.append((attachment, storage_id, snapshot))
        return None, [
            self._volume_record(
                attachment, storage_id,
                self._wait_snapshot(snapshot.id, 'snapshot of VNFC %s'
                                    % vnfc.id),
                self.cloud.get_volume(attachment.volume_id))
            for attachment, storage_id, snapshot in taken]

    def _consistent_group(self, layout):
        """The Cinder group whose group snapshot takes exactly the VNFC's
        data volumes at one instant, or None: two or more data volumes, all
        of one group that holds nothing else, whose group type promises
        consistent snapshots (Cinder's generic group snapshot of other
        types is one snapshot after the other), Block Storage 3.14."""
        if len(layout.data) < 2 or \
                self.cloud.volume_version() < GROUP_SNAPSHOTS:
            return None
        groups = {self.cloud.get_volume(a.volume_id).group_id
                  for a, _ in layout.data}
        if len(groups) != 1 or None in groups:
            return None
        group = groups.pop()
        members = self.cloud.consistent_group(group)
        if members != {a.volume_id for a, _ in layout.data}:
            LOG.info('Data volumes of server %s are in group %s, which is '
                     'not a consistent-snapshot group of just them; '
                     'snapshotting them one by one', layout.server.id,
                     group)
            return None
        return group

    def _group_snapshot(self, vnfc, layout, group, name, made):
        """[(attachment, storage id, snapshot)] of one group snapshot."""
        group_snapshot = self.cloud.create_group_snapshot(group, name)
        made['group_snapshots'].append(group_snapshot.id)
        self._wait_group_snapshot(group_snapshot.id, 'group snapshot of '
                                  'VNFC %s' % vnfc.id)
        by_volume = {s.volume_id: s for s in
                     self.cloud.list_group_snapshot_members(
                         group_snapshot.id)}
        LOG.info('VNFC %s: group snapshot %s of volume group %s took its '
                 '%d data volumes at one instant', vnfc.id,
                 group_snapshot.id, group, len(by_volume))
        return [(attachment, storage_id, by_volume[attachment.volume_id])
                for attachment, storage_id in layout.data]

    def _capture_volume_backed(self, vnfc, layout, name, snapshot_id, made):
        """Nova snapshots every volume (frozen together when quiesced) and
        lists the snapshots in the image's block_device_mapping."""
        server = layout.server
        made['images'].append(self.cloud.create_server_image(
            server.id, name, {'vnfsnap_vnf_snapshot_id': snapshot_id,
                              'vnfsnap_vnfc_id': vnfc.id}))
        image = self._wait_image(made['images'][0],
                                 'snapshot image of VNFC %s' % vnfc.id)
        by_volume = {}
        mapping = image.properties.get('block_device_mapping') or []
        ids = [m['snapshot_id'] for m in mapping
               if isinstance(m, dict) and m.get('snapshot_id')]
        made['snapshots'].extend(ids)
        for taken in ids:
            snapshot = self._wait_snapshot(taken, 'snapshot of VNFC %s'
                                           % vnfc.id)
            by_volume[snapshot.volume_id] = snapshot
        missing = [a.volume_id for a in server.volumes
                   if a.volume_id not in by_volume]
        if missing:
            raise exception.VimError(
                reason='Nova\'s snapshot image %s of server %s has no '
                       'snapshot of volume(s) %s' % (image.id, server.id,
                                                     ', '.join(missing)))
        root = self._volume_record(
            layout.root, layout.storage_ids.get(layout.root.volume_id),
            by_volume[layout.root.volume_id], layout.root_volume)
        return root, [
            self._volume_record(attachment, storage_id,
                                by_volume[attachment.volume_id],
                                self.cloud.get_volume(attachment.volume_id))
            for attachment, storage_id in layout.data]

    def _nova_made_snapshots(self, layout, name):
        """Snapshots Nova's createImage made before it failed (it names
        them after the image and does not remove them)."""
        found = []
        for attachment in layout.server.volumes:
            try:
                found += [s.id for s in self.cloud.list_snapshots(
                    attachment.volume_id)
                    if s.name == 'snapshot for %s' % name]
            except exception.VnfsnapException as e:
                LOG.error('Could not look for snapshots Nova made of volume '
                          '%s: %s', attachment.volume_id, e)
        return found

    # --- revert --------------------------------------------------------------

    def check_revert(self, vnfc, vnfc_snapshot):
        """Everything the revert needs is there (before any VNFC is
        touched): the same server, its snapshot image or root snapshot,
        every volume snapshot, and Compute 2.93 for a volume-backed one."""
        self._revert_plan(vnfc, vnfc_snapshot)

    def _revert_plan(self, vnfc, vnfc_snapshot):
        details = vnfc_snapshot.get('vim_details') or {}
        if not details.get('server_id'):
            raise exception.VimError(
                reason='VNFC snapshot %s holds no OpenStack snapshot'
                       % vnfc_snapshot.get('id'))
        server = self._server(vnfc)
        if server.id != details['server_id']:
            raise exception.VimError(
                reason='VNFC %s is server %s now, the snapshot is of server '
                       '%s; it cannot be reverted onto another server'
                       % (vnfc.id, server.id, details['server_id']))
        self._power_state(server, vnfc)
        if server.volume_backed != (details['boot'] == 'volume'):
            raise exception.VimError(
                reason='server %s is %s-backed now, the snapshot is of a '
                       '%s-backed server' % (
                           server.id, 'volume' if server.volume_backed
                           else 'image', details['boot']))
        if server.volume_backed:
            compute = self.cloud.compute_version()
            if compute < REBUILD_VOLUME_BACKED:
                raise exception.VimCapabilityMissing(
                    what='revert volume-backed VNFC %s' % vnfc.id,
                    reason='rebuilding a volume-backed server needs Compute '
                           'API 2.93; the cloud and client speak %d.%d'
                           % compute)
        image_id = details.get('rebuild_image_id')
        if not server.volume_backed:
            image_id = details['image_id']
        if image_id:
            self._usable_image(image_id, vnfc_snapshot)
        else:
            self._usable_snapshot(details['root']['snapshot_id'],
                                  vnfc_snapshot)
        return server, image_id, self._restores(vnfc, server, details,
                                                vnfc_snapshot)

    def _usable_image(self, image_id, vnfc_snapshot):
        return self._usable('image', self.cloud.get_image, image_id,
                            'active', vnfc_snapshot)

    def _usable_snapshot(self, snapshot_id, vnfc_snapshot):
        return self._usable('volume snapshot', self.cloud.get_snapshot,
                            snapshot_id, 'available', vnfc_snapshot)

    @staticmethod
    def _usable(kind, get, resource_id, ready, vnfc_snapshot):
        """The resource a revert needs, or VimError when it is gone or
        not ``ready``."""
        what = '%s %s of VNFC snapshot %s' % (
            kind, resource_id, vnfc_snapshot.get('id'))
        try:
            resource = get(resource_id)
        except exception.ResourceNotFound:
            raise exception.VimError(reason='%s is gone' % what) from None
        if resource.status != ready:
            raise exception.VimError(reason='%s is %s, not %s'
                                     % (what, resource.status, ready))
        return resource

    def _restores(self, vnfc, server, details, vnfc_snapshot):
        """Which volume each recorded data volume is now: the storage
        resource's current volume (the VNF record follows replacements),
        else the recorded volume, else the one at the recorded device."""
        attached = {a.volume_id: a for a in server.volumes}
        by_device = {a.device: a for a in server.volumes}
        current = {s['id']: s['storageResource']['resourceId']
                   for s in vnfc.storage_resources}
        restores, seen = [], set()
        for record in details.get('volumes') or ():
            candidates = [current.get(record.get('storage_resource_id')),
                          record['volume_id']]
            volume_id = next((v for v in candidates if v in attached), None)
            if volume_id is None and record['device'] in by_device:
                volume_id = by_device[record['device']].volume_id
            volume = None
            if volume_id is None:
                # Detached since, e.g. by a revert that failed half-way.
                for candidate in filter(None, candidates):
                    try:
                        volume = self.cloud.get_volume(candidate)
                    except exception.ResourceNotFound:
                        continue
                    if volume.status == 'available':
                        break
                    volume = None
                if volume is None:
                    raise exception.VimError(
                        reason='VNFC %s has no volume at %s any more (it '
                               'was volume %s at snapshot time)'
                               % (vnfc.id, record['device'],
                                  record['volume_id']))
            else:
                volume = self.cloud.get_volume(volume_id)
            if volume.id in seen:
                raise exception.VimError(
                    reason='volume %s of VNFC %s stands for two volumes of '
                           'the snapshot' % (volume.id, vnfc.id))
            seen.add(volume.id)
            snapshot = self._usable_snapshot(record['snapshot_id'],
                                             vnfc_snapshot)
            restores.append(_Restore(
                record=record, snapshot=snapshot, volume=volume,
                attached=volume.id in attached,
                native=self._native_revert(volume, snapshot),
                device=(attached[volume.id].device if volume.id in attached
                        else record['device'])))
        return restores

    def _native_revert(self, volume, snapshot):
        """Cinder's revert only where the operator trusts the backend, and
        where Cinder allows it (3.40, latest snapshot, same size)."""
        if volume.volume_type not in CONF.openstack.native_revert_volume_types:
            return False
        if (snapshot.volume_id != volume.id or snapshot.size != volume.size
                or self.cloud.volume_version() < VOLUME_REVERT):
            return False
        latest = max(self.cloud.list_snapshots(volume.id),
                     key=lambda s: s.created_at)
        return latest.id == snapshot.id

    def revert_vnfc_snapshot(  # noqa: C901 (goes with the flows rework)
            self, vnfc, vnfc_snapshot, power_state=None):
        """Returns what became of the data volumes: ``volumes`` lists, per
        volume, ``storageResourceId``, ``device``, ``oldResourceId`` and
        ``resourceId`` (a new volume id when it was replaced), and
        ``retainedVolumes`` the replaced volumes kept because snapshots
        still depend on them (deleted with their last snapshot)."""
        server, image_id, restores = self._revert_plan(vnfc, vnfc_snapshot)
        details = vnfc_snapshot['vim_details']
        target = power_state or details['state']
        if target not in (RUNNING, PAUSED, SHUTOFF):
            raise exception.VimError(
                reason='cannot bring VNFC %s into state %r' % (vnfc.id,
                                                               target))
        before = self._power_state(server, vnfc)
        tag = 'vnfsnap-revert-%s' % uuidutils.generate_uuid()[:8]
        temp_images, new_volumes = [], []
        started = time.monotonic()
        # New volumes and the root image first: nothing the VNFC uses is
        # touched yet, and it keeps running meanwhile.
        try:
            for restore in restores:
                if not restore.native:
                    restore.new = self._volume_from_snapshot(
                        restore, new_volumes)
            for restore in restores:
                if restore.new is not None:
                    self._wait_volume(restore.new.id, ('available',),
                                      'restoring volume of VNFC %s'
                                      % vnfc.id)
            if image_id is None:
                image_id = self._image_from_snapshot(
                    details['root']['snapshot_id'], tag + '-root',
                    details['root'].get('volume_type'), temp_images)
        except Exception:
            self._discard(images=temp_images, volumes=new_volumes)
            raise
        changed = accepted = False
        try:
            self._power_off(server.id, before, vnfc)
            for restore in restores:
                if restore.attached:
                    self.cloud.detach_volume(server.id, restore.volume.id)
                    restore.detached = True
                    self._wait_volume(restore.volume.id, ('available',),
                                      'detaching from VNFC %s' % vnfc.id)
            for restore in restores:
                if restore.native:
                    changed = True
                    self.cloud.revert_volume(restore.volume.id,
                                             restore.snapshot.id)
                    self._wait_volume(restore.volume.id, ('available',),
                                      'Cinder revert of a volume of VNFC '
                                      '%s' % vnfc.id)
            # Attached before the rebuild: Nova boots the guest once while
            # it rebuilds it, and that boot must see the reverted disks.
            for restore in sorted(restores, key=lambda r: (
                    len(r.device), r.device)):
                volume_id = (restore.new or restore.volume).id
                self.cloud.attach_volume(
                    server.id, volume_id, restore.device,
                    restore.record.get('delete_on_termination', False))
                if restore.new is None:
                    restore.detached = False    # the same volume is back
                else:
                    restore.new_attached = True
                self._wait_volume(volume_id, ('in-use',),
                                  'attaching to VNFC %s' % vnfc.id)
            self.cloud.rebuild_server(server.id, image_id)
            accepted = True
            # Nova rebuilds the stopped server, shows it ACTIVE and idle
            # for a moment, then stops it again: done means SHUTOFF.
            self._wait_server(server.id, ('SHUTOFF',),
                              'rebuilding VNFC %s from image %s'
                              % (vnfc.id, image_id), 'rebuild_timeout')
        except Exception:
            if changed or accepted:
                # Some disks may be reverted and others not: starting the
                # VNFC on such a mix could do harm.
                LOG.error('Revert of VNFC %s failed after %s; server %s '
                          'stays stopped with its previous data volumes '
                          'attached (those Cinder reverted keep the '
                          'snapshot\'s data). Retry the revert.', vnfc.id,
                          'its rebuild started' if accepted
                          else 'Cinder reverted volumes', server.id)
            self._put_back(server.id, restores,
                           SHUTOFF if changed or accepted else before, vnfc)
            self._discard(images=temp_images, volumes=new_volumes)
            raise
        self._discard(images=temp_images)
        result = {'volumes': [], 'retainedVolumes': []}
        attached = {a.volume_id: a.device for a in
                    self.cloud.get_server(server.id).volumes}
        for restore in restores:
            new_id = (restore.new or restore.volume).id
            device = attached.get(new_id, restore.device)
            if device != restore.device:
                LOG.warning('VNFC %s: volume %s was attached as %s, not %s '
                            '(Nova chose the device name)', vnfc.id, new_id,
                            device, restore.device)
            result['volumes'].append({
                'storageResourceId': restore.record.get(
                    'storage_resource_id'),
                'device': device, 'oldResourceId': restore.volume.id,
                'resourceId': new_id,
                'restoredBy': ('cinder-revert' if restore.native
                               else 'new-volume')})
            if restore.new is not None and self._retire(restore.volume.id,
                                                        new_id):
                result['retainedVolumes'].append(restore.volume.id)
        try:
            self._set_power(server.id, target, vnfc)
        except exception.VnfsnapException as e:
            raise exception.VimError(
                reason='VNFC %s is reverted (volumes now %s) but could not '
                       'be brought into state %s: %s' % (
                           vnfc.id, ', '.join(
                               '%s at %s' % (v['resourceId'], v['device'])
                               for v in result['volumes']) or 'unchanged',
                           target, e.message)) from None
        LOG.info('VNFC %s reverted to its snapshot %s in %.1f s (%s)',
                 vnfc.id, vnfc_snapshot.get('id'),
                 time.monotonic() - started, target)
        return result

    def _volume_from_snapshot(self, restore, made):
        old = restore.volume
        metadata = {k: v for k, v in old.metadata.items()
                    if not k.startswith('vnfsnap_')}
        metadata['vnfsnap_restored_from'] = restore.snapshot.id
        volume = self.cloud.create_volume(
            restore.snapshot.size, old.name, snapshot_id=restore.snapshot.id,
            volume_type=old.volume_type,
            availability_zone=old.availability_zone, metadata=metadata)
        made.append(volume.id)
        return volume

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
                self._power_off(server_id, _POWER.get(status, RUNNING), vnfc)
            return
        if status == 'SHUTOFF':
            self.cloud.start_server(server_id)
            self._wait_server(server_id, ('ACTIVE',),
                              'starting VNFC %s' % vnfc.id)
        if target == PAUSED:
            self.cloud.pause_server(server_id)
            self._wait_server(server_id, ('PAUSED',),
                              'pausing VNFC %s' % vnfc.id)

    def _put_back(self, server_id, restores, state, vnfc):
        """After a failed revert: the VNFC's own data volumes attached
        again (new ones detached), in ``state``. Best effort, logged."""
        for restore in restores:
            try:
                if restore.new_attached:
                    self.cloud.detach_volume(server_id, restore.new.id)
                    restore.new_attached = False
                    self._wait_volume(restore.new.id, ('available',),
                                      'putting VNFC %s back' % vnfc.id)
                if restore.detached:
                    self.cloud.attach_volume(
                        server_id, restore.volume.id, restore.device,
                        restore.record.get('delete_on_termination', False))
                    restore.detached = False
                    self._wait_volume(restore.volume.id, ('in-use',),
                                      'putting VNFC %s back' % vnfc.id)
            except exception.VnfsnapException as e:
                LOG.error('VNFC %s: could not put volume %s back at %s '
                          '(%s); check server %s by hand', vnfc.id,
                          restore.volume.id, restore.device, e, server_id)
        try:
            self._set_power(server_id, state, vnfc)
        except exception.VnfsnapException as e:
            LOG.error('VNFC %s: could not bring server %s back into state '
                      '%s: %s', vnfc.id, server_id, state, e)

    def _retire(self, volume_id, replaced_by):
        """Delete a volume a revert replaced, or keep it (marked) while
        snapshots depend on it; returns whether it was kept."""
        try:
            if not self.cloud.list_snapshots(volume_id):
                self.cloud.delete_volume(volume_id)
                return False
            self.cloud.set_volume_metadata(
                volume_id, {'vnfsnap_replaced_by': replaced_by})
        except exception.VnfsnapException as e:
            LOG.warning('Volume %s, replaced by %s, is kept: %s', volume_id,
                        replaced_by, e)
        return True

    # --- delete --------------------------------------------------------------

    def delete_vnfc_snapshot(self, vnfc_snapshot):
        """Delete the images, volume snapshots and import holder volumes;
        then volumes a revert replaced and that nothing needs any more.
        Harmless when some are gone already."""
        details = vnfc_snapshot.get('vim_details') or {}
        if not details.get('image_id'):
            return
        records = [details['root']] if details.get('root') else []
        records += details.get('volumes') or []
        failures = []

        def attempt(what, call, *args):
            try:
                call(*args)
            except exception.ResourceNotFound:
                pass
            except exception.VnfsnapException as e:
                failures.append('%s: %s' % (what, e))

        for image_id in {details['image_id'],
                         details.get('rebuild_image_id')} - {None}:
            attempt('image %s' % image_id, self.cloud.delete_image,
                    image_id)
        if details.get('group_snapshot_id'):
            attempt('group snapshot %s' % details['group_snapshot_id'],
                    self._delete_group_snapshot,
                    details['group_snapshot_id'])
        for record in records:
            if record.get('snapshot_id'):
                attempt('volume snapshot %s' % record['snapshot_id'],
                        self._delete_snapshot, record['snapshot_id'])
        for record in records:
            if record.get('holder_volume_id'):
                attempt('volume %s' % record['holder_volume_id'],
                        self._delete_volume, record['holder_volume_id'])
            attempt('replaced volume %s' % record['volume_id'],
                    self._delete_if_replaced, record['volume_id'])
        if failures:
            raise exception.VimError(
                reason='deleting VNFC snapshot %s left: %s'
                % (vnfc_snapshot.get('id'), '; '.join(failures)))
        LOG.info('Deleted VNFC snapshot %s (image %s, %d volume snapshot(s))',
                 vnfc_snapshot.get('id'), details['image_id'],
                 sum(1 for r in records if r.get('snapshot_id')))

    def _delete_if_replaced(self, volume_id):
        volume = self.cloud.get_volume(volume_id)
        if ('vnfsnap_replaced_by' in volume.metadata
                and volume.status == 'available'
                and not self.cloud.list_snapshots(volume_id)):
            LOG.info('Deleting volume %s, replaced by %s in a revert, now '
                     'that no snapshot needs it', volume_id,
                     volume.metadata['vnfsnap_replaced_by'])
            self.cloud.delete_volume(volume_id)

    # --- export / import -----------------------------------------------------

    def _download(self, image_id, path):
        image = self.cloud.get_image(image_id)
        if image.disk_format not in _EXPORT_FORMATS:
            raise exception.VimError(
                reason='image %s is %s; packages carry only %s disks'
                       % (image_id, image.disk_format,
                          ' and '.join(_EXPORT_FORMATS)))
        started = time.monotonic()
        state = {'logged': started}

        def progress(done):
            now = time.monotonic()
            if now - state['logged'] >= PROGRESS_LOG_INTERVAL:
                LOG.info('Downloading image %s: %d of %s bytes', image_id,
                         done, image.size)
                state['logged'] = now

        size = self.cloud.download_image(image_id, path, progress)
        LOG.info('Downloaded image %s (%d bytes) in %.1f s', image_id, size,
                 time.monotonic() - started)
        return image

    def export_vnfc_snapshot(self, vnfc_snapshot, dest_dir):
        """Each disk of the snapshot as a file: the snapshot image streamed
        from Glance; a volume snapshot through a temporary volume Cinder
        uploads to a temporary image (both deleted). Returns the
        description of the files (no memory: there is none)."""
        details = vnfc_snapshot['vim_details']
        os.makedirs(dest_dir, exist_ok=True)
        disks = []

        def add(target, image_id, storage_id):
            tmp = os.path.join(dest_dir, 'disk-%s.part' % target)
            image = self._download(image_id, tmp)
            name = 'disk-%s.%s' % (target, image.disk_format)
            os.replace(tmp, os.path.join(dest_dir, name))
            disks.append({'target': target, 'file': name,
                          'diskFormat': image.disk_format,
                          'containerFormat': image.container_format,
                          'storageResourceId': storage_id})

        def add_snapshot(target, record):
            made = []
            try:
                image_id = self._image_from_snapshot(
                    record['snapshot_id'], 'vnfsnap-export-%s' % target,
                    record.get('volume_type'), made)
                add(target, image_id, record.get('storage_resource_id'))
            finally:
                self._discard(images=made)

        root_target = _dev(details.get('root_device')) or 'root'
        if details['boot'] == 'image' or details.get('rebuild_image_id'):
            root = details.get('root') or {}
            add(root_target, details.get('rebuild_image_id')
                or details['image_id'], root.get('storage_resource_id'))
        else:
            add_snapshot(root_target, details['root'])
        for record in details.get('volumes') or ():
            add_snapshot(_dev(record['device']), record)
        description = {'state': details['state'],
                       'quiesced': details.get('quiesced', False),
                       'disks': disks, 'memory': None, 'domainXml': None}
        with open(os.path.join(dest_dir, 'vnfc-snapshot.json'), 'w') as f:
            json.dump(description, f, indent=1, sort_keys=True)
        return description

    def import_vnfc_snapshot(self, vnfc, src_dir, consistency_level=None):
        """Register exported files as a snapshot of ``vnfc``'s server: the
        root disk as a Glance image to rebuild from, each data disk as a
        volume (created from an uploaded image) and its snapshot; the
        volume stays as the snapshot's parent and goes with it."""
        with open(os.path.join(src_dir, 'vnfc-snapshot.json')) as f:
            description = json.load(f)
        if description.get('memory'):
            raise exception.VimCapabilityMissing(
                what='import a VNFC snapshot with memory state',
                reason=NO_MEMORY)
        server = self._server(vnfc)
        layout = self._layout(vnfc, server)
        root_disk, data_disks = self._classify(vnfc, layout,
                                               description['disks'])
        properties = _inherited(self._image_properties(layout))
        name = 'vnfsnap-import-%s' % uuidutils.generate_uuid()[:8]
        made = {'images': [], 'snapshots': [], 'volumes': []}
        try:
            image_id = self._upload(src_dir, root_disk, name + '-root',
                                    properties, made)
            volumes = [self._import_volume(src_dir, disk, attachment,
                                           storage_id, name, made)
                       for disk, attachment, storage_id in data_disks]
        except Exception:
            LOG.warning('Import for VNFC %s failed; deleting what it made: '
                        '%s', vnfc.id, made)
            self._discard(**made)
            raise
        root = None
        if server.volume_backed:
            root = {'volume_id': layout.root.volume_id,
                    'device': layout.root.device, 'snapshot_id': None,
                    'storage_resource_id': layout.storage_ids.get(
                        layout.root.volume_id),
                    'size': layout.root_volume.size,
                    'volume_type': layout.root_volume.volume_type}
        LOG.info('Imported a VNFC snapshot for VNFC %s: image %s, %d volume '
                 'snapshot(s)', vnfc.id, image_id, len(volumes))
        return base.VnfcSnapshotResult(
            compute_snapshot_resource=self._handle(vnfc, image_id,
                                                   IMAGE_TYPE),
            storage_snapshot_resources=[
                {'storageResourceId': v['storage_resource_id'],
                 'storageSnapshotResource': self._handle(
                     vnfc, v['snapshot_id'], VOLUME_SNAPSHOT_TYPE)}
                for v in volumes if v['storage_resource_id']],
            consistency_level=consistency_level or (
                states.CONSISTENCY_FILESYSTEM if description.get('quiesced')
                else states.CONSISTENCY_CRASH),
            memory_captured=False,
            vim_details={
                'server_id': server.id,
                'boot': 'volume' if server.volume_backed else 'image',
                'image_id': image_id,
                'rebuild_image_id': image_id if server.volume_backed
                else None,
                'root_device': layout.root_device,
                'state': description['state'],
                'quiesced': bool(description.get('quiesced')),
                'imported': True, 'root': root, 'volumes': volumes})

    def _classify(self, vnfc, layout, disks):
        """(root disk, [(data disk, Attachment, storage resource id)]):
        a disk is a data volume by its storageResourceId, else by its
        target being a data volume's device; the one left is the root."""
        by_storage = {sid: vid for vid, sid in layout.storage_ids.items()}
        data_at = {a.volume_id: (a, sid) for a, sid in layout.data}
        by_target = {_dev(a.device): a.volume_id for a, _ in layout.data}
        roots, data = [], []
        for disk in disks:
            fmt = (disk.get('diskFormat') or '').lower()
            if fmt not in _EXPORT_FORMATS:
                raise exception.VimError(
                    reason='disk %s of the package is %r; only %s disks are '
                           'imported' % (disk.get('target'), fmt,
                                         ' and '.join(_EXPORT_FORMATS)))
            volume_id = by_storage.get(disk.get('storageResourceId'))
            if volume_id is None:
                volume_id = by_target.get(disk['target'])
            if volume_id in data_at:
                data.append((disk,) + data_at[volume_id])
            else:
                roots.append(disk)
        if len(roots) != 1 or len({d[1].volume_id for d in data}) < len(
                data):
            raise exception.VimError(
                reason='cannot match the package\'s disks %s to server %s '
                       'of VNFC %s: one root disk and its data volumes '
                       '(by storageResourceId or device) are needed'
                       % (', '.join(d['target'] for d in disks),
                          layout.server.id, vnfc.id))
        return roots[0], data

    def _upload(self, src_dir, disk, name, properties, made):
        path = os.path.join(src_dir, os.path.basename(disk['file']))
        image_id = self.cloud.create_image(
            name, disk['diskFormat'].lower(),
            (disk.get('containerFormat') or 'bare').lower(), properties)
        made['images'].append(image_id)
        size = os.path.getsize(path)
        LOG.info('Uploading %s (%d bytes) to image %s', disk['file'], size,
                 image_id)
        self.cloud.upload_image(image_id, path, size)
        self._wait_image(image_id, 'upload of %s' % disk['file'])
        return image_id

    def _import_volume(self, src_dir, disk, attachment, storage_id, name,
                       made):
        current = self.cloud.get_volume(attachment.volume_id)
        image_id = self._upload(src_dir, disk, '%s-%s' % (
            name, disk['target']), {}, made)
        image = self.cloud.get_image(image_id)
        size = max(current.size, _gib(image.virtual_size),
                   _gib(image.size) if image.disk_format == 'raw' else 0)
        holder = self.cloud.create_volume(
            size, '%s-%s' % (name, disk['target']), image_id=image_id,
            volume_type=current.volume_type,
            availability_zone=current.availability_zone,
            metadata={'vnfsnap_snapshot_holder': 'true'})
        made['volumes'].append(holder.id)
        self._wait_volume(holder.id, ('available',),
                          'volume from imported %s' % disk['file'])
        snapshot = self.cloud.create_snapshot(holder.id, holder.name)
        made['snapshots'].append(snapshot.id)
        snapshot = self._wait_snapshot(snapshot.id, 'snapshot of imported '
                                       '%s' % disk['file'])
        self.cloud.delete_image(image_id)
        made['images'].remove(image_id)
        record = self._volume_record(attachment, storage_id, snapshot,
                                     current)
        record['holder_volume_id'] = holder.id
        return record
