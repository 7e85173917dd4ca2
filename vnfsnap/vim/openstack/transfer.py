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


"""VNFC snapshots into and out of VNF snapshot packages: each disk as an
image file, streamed from or to Glance (volume snapshots through a
temporary volume and image)."""

import json
import os
import time

from oslo_log import log as logging
from oslo_utils import uuidutils

from vnfsnap.common import exception
from vnfsnap.common import states
from vnfsnap.vim import base
from vnfsnap.vim.openstack import helpers

LOG = logging.getLogger(__name__)


class Transfer:
    """Export and import VNFC snapshots (a mixin of the driver)."""

    def _download(self, image_id, path):
        image = self.cloud.get_image(image_id)
        if image.disk_format not in helpers.EXPORT_FORMATS:
            raise exception.VimError(
                reason='image %s is %s; packages carry only %s disks'
                       % (image_id, image.disk_format,
                          ' and '.join(helpers.EXPORT_FORMATS)))
        started = time.monotonic()
        state = {'logged': started}

        def progress(done):
            now = time.monotonic()
            if now - state['logged'] >= helpers.PROGRESS_LOG_INTERVAL:
                LOG.info('Downloading image %s: %d of %s bytes', image_id,
                         done, image.size)
                state['logged'] = now

        size = self.cloud.download_image(image_id, path, progress)
        LOG.info('Downloaded image %s (%d bytes) in %.1f s', image_id, size,
                 time.monotonic() - started)
        return image

    delta_refusal = ('Nova server snapshots are Glance images and Cinder '
                     'volume snapshots are read back as whole volumes; '
                     'neither API tells which blocks changed between two '
                     'of them')

    def export_vnfc_snapshot(self, vnfc_snapshot, dest_dir, base=None):
        """Each disk of the snapshot as a file: the snapshot image streamed
        from Glance; a volume snapshot through a temporary volume Cinder
        uploads to a temporary image (both deleted). Returns the
        description of the files (no memory: there is none). A ``base``
        (an incremental package) is refused: see ``delta_refusal``."""
        if base is not None:
            raise self.refuse_delta(vnfc_snapshot, base)
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

        root_target = helpers.dev(details.get('root_device')) or 'root'
        if details['boot'] == 'image' or details.get('rebuild_image_id'):
            root = details.get('root') or {}
            add(root_target, details.get('rebuild_image_id')
                or details['image_id'], root.get('storage_resource_id'))
        else:
            add_snapshot(root_target, details['root'])
        for record in details.get('volumes') or ():
            add_snapshot(helpers.dev(record['device']), record)
        description = {'state': details['state'],
                       'quiesced': details.get('quiesced', False),
                       'disks': disks, 'memory': None, 'domainXml': None}
        with open(os.path.join(dest_dir, 'vnfc-snapshot.json'), 'w') as f:
            json.dump(description, f, indent=1, sort_keys=True)
        return description

    def import_vnfc_snapshot(self, vnfc, src_dir, consistency_level=None,
                             name=None):
        """Register exported files as a snapshot of ``vnfc``'s server: the
        root disk as a Glance image to rebuild from, each data disk as a
        volume (created from an uploaded image) and its snapshot; the
        volume stays as the snapshot's parent and goes with it."""
        with open(os.path.join(src_dir, 'vnfc-snapshot.json')) as f:
            description = json.load(f)
        if description.get('memory'):
            raise exception.VimCapabilityMissing(
                what='import a VNFC snapshot with memory state',
                reason=helpers.NO_MEMORY)
        if any(d.get('baseFile') for d in description['disks']):
            raise exception.VimCapabilityMissing(
                what='import a VNFC snapshot of an incremental package',
                reason=self.delta_refusal)
        server = self._server(vnfc)
        layout = self._layout(vnfc, server)
        root_disk, data_disks = self._classify(vnfc, layout,
                                               description['disks'])
        properties = helpers.inherited(self._image_properties(layout))
        name = name or 'vnfsnap-import-%s' % uuidutils.generate_uuid()[:8]
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
                                                   helpers.IMAGE_TYPE),
            storage_snapshot_resources=[
                {'storageResourceId': v['storage_resource_id'],
                 'storageSnapshotResource': self._handle(
                     vnfc, v['snapshot_id'], helpers.VOLUME_SNAPSHOT_TYPE)}
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
        by_target = {helpers.dev(a.device): a.volume_id
                     for a, _ in layout.data}
        roots, data = [], []
        for disk in disks:
            fmt = (disk.get('diskFormat') or '').lower()
            if fmt not in helpers.EXPORT_FORMATS:
                raise exception.VimError(
                    reason='disk %s of the package is %r; only %s disks are '
                           'imported' % (disk.get('target'), fmt,
                                         ' and '.join(helpers.EXPORT_FORMATS)))
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

    def discard_import(self, vnfc, name):
        """Delete what an import named ``name`` left, found by name: the
        images ``name-root`` and ``name-<device>`` and the holder volumes
        ``name-<device>`` of the server's data volumes, with their
        snapshots. An import never changes the server."""
        server = self._server(vnfc)
        data = ['%s-%s' % (name, helpers.dev(a.device))
                for a in server.volumes]
        volumes = [v for n in data for v in self.cloud.find_volumes(n)]
        self._discard_found(
            'the cut-off import %s for VNFC %s' % (name, vnfc.id),
            images=[i for n in [name + '-root'] + data
                    for i in self.cloud.find_images(n)],
            snapshots=[s.id for v in volumes
                       for s in self.cloud.list_snapshots(v)],
            volumes=volumes)
        return True

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
        # Named after the server's device (the package's target may
        # differ): what discard_import looks for.
        name = '%s-%s' % (name, helpers.dev(attachment.device))
        image_id = self._upload(src_dir, disk, name, {}, made)
        image = self.cloud.get_image(image_id)
        raw_size = helpers.gib(image.size) if image.disk_format == 'raw' else 0
        size = max(current.size, helpers.gib(image.virtual_size), raw_size)
        holder = self.cloud.create_volume(
            size, name, image_id=image_id,
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
