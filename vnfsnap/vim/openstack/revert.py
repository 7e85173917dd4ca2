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


"""Revert of a VNFC on OpenStack, as steps the flows run one at a time.

New volumes from the snapshots are made while the VNFC still runs; then
stop, detach, attach the new volumes at the same devices, rebuild from the
snapshot image (same server id and ports; Compute 2.93 for a volume-backed
server, whose root volume is re-imaged from an image made of its root
snapshot), and the power state asked for. The volumes are swapped before
the rebuild because Nova boots the guest once while rebuilding it.
Cinder's own revert only for volume types configured as trusted: its
generic fallback corrupts volumes on backends such as NFS.

Each step is one VIM action (and its wait), harmless to run again, and
returns as JSON what its undo and the later steps need. A failure before
any disk changed puts the server back as it was, running again; once a
Cinder revert ran or Nova accepted the rebuild, the VNFC stays stopped
with its previous data volumes attached: starting it on a mix of old and
new disks could do harm, and a retry of the revert completes it.
"""

import functools
import time

from oslo_log import log as logging
from oslo_utils import uuidutils

from vnfsnap.common import exception
import vnfsnap.conf
from vnfsnap.vim import base
from vnfsnap.vim.openstack import helpers

CONF = vnfsnap.conf.CONF
LOG = logging.getLogger(__name__)

_REBUILD_STARTED = 'its rebuild started'
_CINDER_REVERTED = 'Cinder reverted volumes'


class _Run:
    """One revert of one VNFC: what its steps were built for, and what
    changed the VNFC's disks for good (set as its steps run, and again by
    their undo: the flow undoes later steps first, also when it resumes
    from the recorded results)."""

    def __init__(self, vnfc, vnfc_snapshot, power_state):
        self.vnfc = vnfc
        self.vnfc_snapshot = vnfc_snapshot
        self.power_state = power_state
        self.changed = set()

    def disks_changed(self, why):
        self.changed.add(why)


class Revert:
    """Check and revert VNFCs (a mixin of the driver)."""

    def check_revert(self, vnfc, vnfc_snapshot):
        """Everything the revert needs is there (before any VNFC is
        touched): the same server, its snapshot image or root snapshot,
        every volume snapshot, and Compute 2.93 for a volume-backed one."""
        self._revert_plan(vnfc, vnfc_snapshot)

    def revert_steps(self, vnfc, vnfc_snapshot, power_state=None):
        """plan, new-volume-N, new-volumes-ready, root-image, power-off,
        detach-N, cinder-revert-N, attach-N, rebuild, rebuilt, swap
        (commit: replaced volumes retired), power; N for each data volume
        of the snapshot, attached in device order."""
        run = _Run(vnfc, vnfc_snapshot, power_state)
        records = (vnfc_snapshot.get('vim_details') or {}).get(
            'volumes') or ()
        volumes = range(len(records))
        by_device = sorted(volumes, key=lambda i: (
            len(records[i]['device']), records[i]['device']))

        def step(name, do, undo=None, *args, commit=False):
            return base.RevertStep(
                name, functools.partial(do, run, *args),
                undo and functools.partial(undo, run, *args), commit)

        return (
            [step('plan', self._plan)]
            + [step('new-volume-%d' % i, self._new_volume,
                    self._delete_new_volume, i) for i in volumes]
            + [step('new-volumes-ready', self._new_volumes_ready),
               step('root-image', self._root_image,
                    self._delete_root_image),
               step('power-off', self._stop_for_revert, self._power_back)]
            + [step('detach-%d' % i, self._detach_current,
                    self._attach_current, i) for i in volumes]
            + [step('cinder-revert-%d' % i, self._cinder_revert,
                    self._cinder_reverted, i) for i in volumes]
            + [step('attach-%d' % i, self._attach_restored,
                    self._detach_restored, i) for i in by_device]
            + [step('rebuild', self._rebuild, self._rebuild_started),
               step('rebuilt', self._wait_rebuilt),
               step('swap', self._swap, commit=True),
               step('power', self._power_after_revert)])

    # --- the steps --------------------------------------------------------

    def _plan(self, run, done):
        """Check again, now that the revert starts, and decide: the image
        to rebuild from, and per data volume which volume the VNFC has now
        and whether Cinder reverts it in place."""
        vnfc = run.vnfc
        server, image_id, restores = self._revert_plan(vnfc,
                                                       run.vnfc_snapshot)
        target = run.power_state or run.vnfc_snapshot['vim_details'][
            'state']
        if target not in (helpers.RUNNING, helpers.PAUSED, helpers.SHUTOFF):
            raise exception.VimError(
                reason='cannot bring VNFC %s into state %r' % (vnfc.id,
                                                               target))
        return {'server_id': server.id, 'image_id': image_id,
                'before': self._power_state(server, vnfc),
                'target': target, 'volumes': restores,
                'tag': 'vnfsnap-revert-%s' % uuidutils.generate_uuid()[:8],
                'started': time.time()}

    def _new_volume(self, run, index, done):
        """A new volume from the snapshot, made while the VNFC runs;
        none for a volume Cinder reverts in place."""
        restore = done['plan']['volumes'][index]
        if restore['native']:
            return None
        old = self.cloud.get_volume(restore['volume_id'])
        metadata = {k: v for k, v in old.metadata.items()
                    if not k.startswith('vnfsnap_')}
        metadata['vnfsnap_restored_from'] = restore['snapshot_id']
        return self.cloud.create_volume(
            restore['size'], old.name, snapshot_id=restore['snapshot_id'],
            volume_type=old.volume_type,
            availability_zone=old.availability_zone, metadata=metadata).id

    def _delete_new_volume(self, run, index, done, volume_id):
        if volume_id:
            self._delete_volume(volume_id)

    def _new_volumes_ready(self, run, done):
        for index in range(len(done['plan']['volumes'])):
            volume_id = done['new-volume-%d' % index]
            if volume_id:
                self._wait_volume(volume_id, ('available',),
                                  'restoring volume of VNFC %s'
                                  % run.vnfc.id)

    def _root_image(self, run, done):
        """The image to rebuild from: the snapshot's, or for a
        volume-backed server one made of its root snapshot (temporary)."""
        plan = done['plan']
        if plan['image_id']:
            return {'image_id': plan['image_id'], 'temporary': False}
        root = run.vnfc_snapshot['vim_details']['root']
        made = []
        try:
            image_id = self._image_from_snapshot(
                root['snapshot_id'], plan['tag'] + '-root',
                root.get('volume_type'), made)
        except Exception:
            self._discard(images=made)
            raise
        return {'image_id': image_id, 'temporary': True}

    def _delete_root_image(self, run, done, root_image):
        if root_image['temporary']:
            self._discard(images=[root_image['image_id']])

    def _stop_for_revert(self, run, done):
        self._set_power(done['plan']['server_id'], helpers.SHUTOFF,
                        run.vnfc)

    def _power_back(self, run, done, result):
        """Back into the state it was in, unless a disk changed."""
        plan = done['plan']
        state = plan['before']
        if run.changed:
            # Some disks may be reverted and others not: starting the VNFC
            # on such a mix could do harm.
            LOG.error('Revert of VNFC %s failed after %s; server %s stays '
                      'stopped with its previous data volumes attached '
                      '(those Cinder reverted keep the snapshot\'s data). '
                      'Retry the revert.', run.vnfc.id,
                      ' and '.join(sorted(run.changed)), plan['server_id'])
            state = helpers.SHUTOFF
        self._set_power(plan['server_id'], state, run.vnfc)

    def _attached(self, server_id, volume_id):
        return any(a.volume_id == volume_id
                   for a in self.cloud.get_server(server_id).volumes)

    def _detach_current(self, run, index, done):
        """Detach the volume the VNFC has now; True when it had it
        attached (also when an earlier run of this step detached it)."""
        plan = done['plan']
        restore = plan['volumes'][index]
        if not restore['attached']:
            return False
        if self._attached(plan['server_id'], restore['volume_id']):
            self.cloud.detach_volume(plan['server_id'],
                                     restore['volume_id'])
        self._wait_volume(restore['volume_id'], ('available',),
                          'detaching from VNFC %s' % run.vnfc.id)
        return True

    def _attach_current(self, run, index, done, detached):
        """Attach the VNFC's own volume again at its device (a volume
        Cinder reverted is back already)."""
        plan = done['plan']
        restore = plan['volumes'][index]
        if not detached or self._attached(plan['server_id'],
                                          restore['volume_id']):
            return
        self._attach_at(run, plan['server_id'], restore,
                        restore['volume_id'], 'putting VNFC %s back')

    def _attach_at(self, run, server_id, restore, volume_id, what):
        self.cloud.attach_volume(server_id, volume_id, restore['device'],
                                 restore['delete_on_termination'])
        self._wait_volume(volume_id, ('in-use',), what % run.vnfc.id)

    def _cinder_revert(self, run, index, done):
        restore = done['plan']['volumes'][index]
        if not restore['native']:
            return False
        run.disks_changed(_CINDER_REVERTED)
        self.cloud.revert_volume(restore['volume_id'],
                                 restore['snapshot_id'])
        self._wait_volume(restore['volume_id'], ('available',),
                          'Cinder revert of a volume of VNFC %s'
                          % run.vnfc.id)
        return True

    @staticmethod
    def _cinder_reverted(run, index, done, reverted):
        """Nothing undoes a Cinder revert: the VNFC will stay stopped."""
        if reverted:
            run.disks_changed(_CINDER_REVERTED)

    def _attach_restored(self, run, index, done):
        """Attach the restored volume (new, or reverted by Cinder) at the
        device; before the rebuild: Nova boots the guest once while it
        rebuilds it, and that boot must see the reverted disks."""
        plan = done['plan']
        restore = plan['volumes'][index]
        volume_id = done['new-volume-%d' % index] or restore['volume_id']
        if not self._attached(plan['server_id'], volume_id):
            self._attach_at(run, plan['server_id'], restore, volume_id,
                            'attaching to VNFC %s')
        return volume_id

    def _detach_restored(self, run, index, done, volume_id):
        """Detach a new volume again (one Cinder reverted stays)."""
        if volume_id != done['new-volume-%d' % index]:
            return
        server_id = done['plan']['server_id']
        if self._attached(server_id, volume_id):
            self.cloud.detach_volume(server_id, volume_id)
        self._wait_volume(volume_id, ('available',),
                          'putting VNFC %s back' % run.vnfc.id)

    def _rebuild(self, run, done):
        image_id = done['root-image']['image_id']
        self.cloud.rebuild_server(done['plan']['server_id'], image_id)
        return image_id

    @staticmethod
    def _rebuild_started(run, done, image_id):
        """Nothing undoes a rebuild Nova accepted: the VNFC will stay
        stopped."""
        run.disks_changed(_REBUILD_STARTED)

    def _wait_rebuilt(self, run, done):
        # Nova rebuilds the stopped server, shows it ACTIVE and idle for a
        # moment, then stops it again: done means SHUTOFF.
        self._wait_server(done['plan']['server_id'], ('SHUTOFF',),
                          'rebuilding VNFC %s from image %s'
                          % (run.vnfc.id, done['rebuild']),
                          'rebuild_timeout')

    def _swap(self, run, done):
        """The revert is done: the temporary root image goes, and the
        volumes the new ones replaced (kept, marked, while snapshots
        depend on them). Returns what became of the data volumes:
        ``volumes`` lists, per volume, ``storageResourceId``, ``device``,
        ``oldResourceId`` and ``resourceId`` (a new volume id when it was
        replaced), and ``retainedVolumes`` the replaced volumes kept
        because snapshots still depend on them (deleted with their last
        snapshot)."""
        plan = done['plan']
        self._delete_root_image(run, done, done['root-image'])
        attached = {a.volume_id: a.device for a in
                    self.cloud.get_server(plan['server_id']).volumes}
        result = {'volumes': [], 'retainedVolumes': []}
        for index, restore in enumerate(plan['volumes']):
            new_id = done['attach-%d' % index]
            device = attached.get(new_id, restore['device'])
            if device != restore['device']:
                LOG.warning('VNFC %s: volume %s was attached as %s, not %s '
                            '(Nova chose the device name)', run.vnfc.id,
                            new_id, device, restore['device'])
            result['volumes'].append({
                'storageResourceId': restore['storage_resource_id'],
                'device': device, 'oldResourceId': restore['volume_id'],
                'resourceId': new_id,
                'restoredBy': ('cinder-revert' if restore['native']
                               else 'new-volume')})
            if new_id != restore['volume_id'] and self._retire(
                    restore['volume_id'], new_id):
                result['retainedVolumes'].append(restore['volume_id'])
        return result

    def _power_after_revert(self, run, done):
        plan, swapped = done['plan'], done['swap']
        try:
            self._set_power(plan['server_id'], plan['target'], run.vnfc)
        except exception.VnfsnapException as e:
            raise exception.VimError(
                reason='VNFC %s is reverted (volumes now %s) but could not '
                       'be brought into state %s: %s' % (
                           run.vnfc.id, ', '.join(
                               '%s at %s' % (v['resourceId'], v['device'])
                               for v in swapped['volumes']) or 'unchanged',
                           plan['target'], e.message)) from None
        LOG.info('VNFC %s reverted to its snapshot %s in %.1f s (%s)',
                 run.vnfc.id, run.vnfc_snapshot.get('id'),
                 time.time() - plan['started'], plan['target'])

    # --- planning ---------------------------------------------------------

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
            if compute < helpers.REBUILD_VOLUME_BACKED:
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
        """Which volume each recorded data volume is now (see
        :meth:`_current_volume`), and how it is restored."""
        attached = {a.volume_id: a for a in server.volumes}
        restores, seen = [], set()
        for record in details.get('volumes') or ():
            volume = self._current_volume(vnfc, server, record)
            if volume.id in seen:
                raise exception.VimError(
                    reason='volume %s of VNFC %s stands for two volumes of '
                           'the snapshot' % (volume.id, vnfc.id))
            seen.add(volume.id)
            snapshot = self._usable_snapshot(record['snapshot_id'],
                                             vnfc_snapshot)
            restores.append({
                'volume_id': volume.id, 'snapshot_id': snapshot.id,
                'size': snapshot.size,
                'attached': volume.id in attached,
                'native': self._native_revert(volume, snapshot),
                'device': (attached[volume.id].device
                           if volume.id in attached else record['device']),
                'storage_resource_id': record.get('storage_resource_id'),
                'delete_on_termination': record.get(
                    'delete_on_termination', False)})
        return restores

    def _current_volume(self, vnfc, server, record):
        """The storage resource's current volume (the VNF record follows
        replacements), else the recorded volume, else the one at the
        recorded device; else one of the first two, detached since (e.g.
        by a revert that failed half-way)."""
        attached = {a.volume_id for a in server.volumes}
        by_device = {a.device: a.volume_id for a in server.volumes}
        current = {s['id']: s['storageResource']['resourceId']
                   for s in vnfc.storage_resources}
        candidates = [current.get(record.get('storage_resource_id')),
                      record['volume_id']]
        volume_id = next((v for v in candidates if v in attached),
                         by_device.get(record['device']))
        if volume_id is not None:
            return self.cloud.get_volume(volume_id)
        for candidate in filter(None, candidates):
            try:
                volume = self.cloud.get_volume(candidate)
            except exception.ResourceNotFound:
                continue
            if volume.status == 'available':
                return volume
        raise exception.VimError(
            reason='VNFC %s has no volume at %s any more (it was volume %s '
                   'at snapshot time)' % (vnfc.id, record['device'],
                                          record['volume_id']))

    def _native_revert(self, volume, snapshot):
        """Cinder's revert only where the operator trusts the backend, and
        where Cinder allows it (3.40, latest snapshot, same size)."""
        if volume.volume_type not in CONF.openstack.native_revert_volume_types:
            return False
        if (snapshot.volume_id != volume.id or snapshot.size != volume.size
                or self.cloud.volume_version() < helpers.VOLUME_REVERT):
            return False
        latest = max(self.cloud.list_snapshots(volume.id),
                     key=lambda s: s.created_at)
        return latest.id == snapshot.id

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
