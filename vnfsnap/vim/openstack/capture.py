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


"""VNFC snapshots on OpenStack: their capture (Nova createImage, Cinder
snapshots or one consistent group snapshot) and their deletion."""

import contextlib
import time

from oslo_log import log as logging

from vnfsnap.common import exception
from vnfsnap.common import states
import vnfsnap.conf
from vnfsnap.vim import base
from vnfsnap.vim.openstack import helpers

CONF = vnfsnap.conf.CONF
LOG = logging.getLogger(__name__)


class Capture:
    """Create and delete VNFC snapshots (a mixin of the driver)."""

    def create_vnfc_snapshot(self, vnfc, snapshot_id, with_memory,
                             quiesced, paused=False, name=None):
        if with_memory:
            raise exception.VimCapabilityMissing(
                what='snapshot the memory state of VNFC %s' % vnfc.id,
                reason=helpers.NO_MEMORY)
        server = self._server(vnfc)
        state = self._power_state(server, vnfc)
        if paused:
            # The flow paused it for a VNF-wide point: it was running.
            state = helpers.RUNNING
        self._refuse_ephemeral(server, vnfc)
        layout = self._layout(vnfc, server)
        properties = self._image_properties(layout)
        refusal = self._quiesce_refusal(layout, properties)
        if quiesced and refusal:
            raise exception.VimCapabilityMissing(
                what='quiesce VNFC %s' % vnfc.id, reason=refusal)
        pause = (state == helpers.RUNNING and not paused and not quiesced
                 and layout.disk_count > 1)
        if pause and not CONF.openstack.pause_multi_disk_vnfcs:
            raise exception.VimCapabilityMissing(
                what='snapshot VNFC %s crash-consistently' % vnfc.id,
                reason='its %d disks would be captured at different '
                       'instants while it runs, and '
                       '[openstack]pause_multi_disk_vnfcs is false'
                       % layout.disk_count)
        # Everything the capture makes is named after ``name`` (the intent
        # the conductor recorded first): discard_vnfc_snapshot finds what
        # a cut-off capture left by it. The image's properties name the
        # VNF snapshot and the VNFC.
        name = name or 'vnfsnap-%s-%s' % (snapshot_id, vnfc.id)
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
        elif (state == helpers.RUNNING and not (pause or paused)
              and helpers.yes(properties.get('hw_qemu_guest_agent'))):
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
        handle = self._handle(vnfc, image.id, helpers.IMAGE_TYPE)
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
                     vnfc, v['snapshot_id'], helpers.VOLUME_SNAPSHOT_TYPE)}
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
                    attachment.volume_id, '%s-%s' % (name, helpers.dev(
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
                self.cloud.volume_version() < helpers.GROUP_SNAPSHOTS:
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

    def discard_vnfc_snapshot(self, vnfc, name):
        """Delete the image, group snapshot and volume snapshots a capture
        named ``name`` left (found by their names: the image ``name``, the
        volume snapshots ``name-<device>`` or Nova's ``snapshot for
        name``, the group snapshot ``name``). A capture never changes the
        server's disks, so nothing else is put back."""
        try:
            volume_ids = [a.volume_id for a in self.cloud.get_server(
                vnfc.compute_resource['resourceId']).volumes]
        except exception.ResourceNotFound:
            # The server is gone (the capture may have failed for that):
            # what was made under the name goes all the same, the volume
            # snapshots found from the volumes the VNF's record names.
            volume_ids = [s['storageResource']['resourceId']
                          for s in vnfc.storage_resources]
        snapshots = []
        for volume_id in volume_ids:
            snapshots += [s.id for s in self.cloud.list_snapshots(volume_id)
                          if s.name == 'snapshot for %s' % name
                          or s.name.startswith(name + '-')]
        self._discard_found(
            'the cut-off snapshot %s of VNFC %s' % (name, vnfc.id),
            images=self.cloud.find_images(name),
            group_snapshots=self.cloud.find_group_snapshots(name),
            snapshots=snapshots)
        return True

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
