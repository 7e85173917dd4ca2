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


"""Waiting for OpenStack resources to settle, and deleting them: what
every procedure of the OpenStack driver does between its API calls."""

import time

from oslo_log import log as logging

from vnfsnap.common import exception
import vnfsnap.conf
from vnfsnap.vim.openstack import helpers

CONF = vnfsnap.conf.CONF
LOG = logging.getLogger(__name__)

# Volume states in which nothing is running on a volume.
_VOLUME_SETTLED = ('available', 'in-use', 'error')


def _status(resource):
    """What a waited-for resource is, for messages: 'ACTIVE/rebuilding',
    'available', 'gone'."""
    if resource is None:
        return 'gone'
    task = getattr(resource, 'task_state', None)
    return '%s/%s' % (resource.status, task) if task else resource.status


class Waits:
    """Waits and deletes (a mixin of the driver; ``self.cloud`` is its
    :class:`~vnfsnap.vim.openstack.clients.OpenStackClients`)."""

    def _wait(self, what, fetch, done, failed, timeout_option):
        """Poll ``fetch()`` until ``done``; VimError when ``failed`` or
        after [openstack]<timeout_option> seconds. Logs each change of
        status, and the status every helpers.PROGRESS_LOG_INTERVAL seconds."""
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
            if status != last or now - logged >= helpers.PROGRESS_LOG_INTERVAL:
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
        for kind, resource_id, e in self._delete_all(
                images, snapshots, volumes, group_snapshots):
            LOG.error('Could not delete %s %s left by a failed step; '
                      'delete it by hand: %s', kind, resource_id, e)

    def _discard_found(self, what, images=(), snapshots=(), volumes=(),
                       group_snapshots=()):
        """Delete what was found by name of ``what`` (a cut-off capture or
        import), in the same order; raises naming what could not go."""
        failures = self._delete_all(images, snapshots, volumes,
                                    group_snapshots)
        if failures:
            raise exception.VimError(
                reason='discarding what %s left failed: %s' % (what, '; '.join(
                    '%s %s: %s' % failure for failure in failures)))
        LOG.info('Discarded what %s left: %d image(s), %d group '
                 'snapshot(s), %d volume snapshot(s), %d volume(s)', what,
                 len(images), len(group_snapshots), len(snapshots),
                 len(volumes))

    def _delete_all(self, images, snapshots, volumes, group_snapshots):
        """[(kind, id, error)] of what could not be deleted."""
        steps = ([('image', self.cloud.delete_image, i) for i in images]
                 + [('group snapshot', self._delete_group_snapshot, g)
                    for g in group_snapshots]
                 + [('volume snapshot', self._delete_snapshot, s)
                    for s in snapshots]
                 + [('volume', self._delete_volume, v) for v in volumes])
        failures = []
        for kind, delete, resource_id in steps:
            try:
                delete(resource_id)
            except exception.ResourceNotFound:
                pass
            except exception.VnfsnapException as e:
                failures.append((kind, resource_id, e))
        return failures
