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
* **revert**: new volumes from the snapshots, stop, swap the volumes,
  rebuild from the snapshot image, power state; as steps the flows run
  one at a time with their undo (see :mod:`vnfsnap.vim.openstack.revert`).
* **memory**: Nova cannot capture a server's memory; warm snapshots are
  refused.
"""

import json

from oslo_log import log as logging

from vnfsnap.common import exception
import vnfsnap.conf
from vnfsnap.vim import base
from vnfsnap.vim.openstack import capture
from vnfsnap.vim.openstack import clients
from vnfsnap.vim.openstack import helpers
from vnfsnap.vim.openstack import revert
from vnfsnap.vim.openstack import transfer
from vnfsnap.vim.openstack import waits

CONF = vnfsnap.conf.CONF
LOG = logging.getLogger(__name__)

VIM_TYPE = 'ETSINFV.OPENSTACK_KEYSTONE.V_3'


class OpenStackDriver(capture.Capture, revert.Revert, transfer.Transfer,
                      helpers.ServerHelpers, waits.Waits, base.VimDriver):
    """The procedures live in the mixins, one module each: capture,
    revert, transfer (export/import), helpers (reading the server, power)
    and waits (waiting and deleting)."""

    def __init__(self, vim_connection_info):
        super().__init__(vim_connection_info)
        self.cloud = clients.OpenStackClients(vim_connection_info)

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
                      revert_target_host=False, pause=True,
                      stop=True, reset=True)
        if vnfc is None:
            return base.Capabilities(
                quiesce=False, live_snapshot=True, atomic_multi_disk=pause,
                revert_any_snapshot=compute >= helpers.REBUILD_VOLUME_BACKED,
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
                                 or compute >= helpers.REBUILD_VOLUME_BACKED),
            **common)

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

    def power_state(self, vnfc):
        server = self._server(vnfc)
        return self._power_state(server, vnfc)

    def stop_vnfc(self, vnfc, deadline=None):
        # ``deadline``: nothing of vnfsnap runs on the compute hosts to
        # enforce it; the bound is the conductor takeover and resume
        # (doc/source/admin/guards.rst).
        server = self._server(vnfc)
        self._power_off(server.id, self._power_state(server, vnfc), vnfc)

    def start_vnfc(self, vnfc):
        server = self._server(vnfc)
        if server.status == 'SHUTOFF':
            self._set_power(server.id, helpers.RUNNING, vnfc)

    def detach_volume(self, vnfc, storage, deadline=None):
        # ``deadline``: as for stop_vnfc, nothing enforces it on the
        # hosts.
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

    def detached_volume(self, vnfc, storage):
        """Nova keeps no record of a detach, so: the VNFC's volume is not
        attached to its server, nor to any other, once Cinder settles (a
        detach Nova still runs ends first). Nova picks the device."""
        server = self._server(vnfc)
        volume_id = storage['storageResource']['resourceId']
        if any(a.volume_id == volume_id for a in server.volumes):
            return None
        volume = self._wait_volume(
            volume_id, ('available', 'in-use'),
            'settling volume %s of VNFC %s' % (storage['id'], vnfc.id))
        if volume.status != 'available' or volume.server_ids:
            return None
        return {'device': None}

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

    def reset_vnfc(self, vnfc):
        """A hard reboot: Nova power-cycles the server."""
        server = self._server(vnfc)
        self.cloud.reboot_server(server.id, hard=True)
        LOG.info('Hard-rebooted server %s of VNFC %s', server.id, vnfc.id)

    def collect_diagnostics(self, vnfc, max_size):
        """The server's record, its instance actions with their events,
        its console log (the last lines, within ``max_size``), and the
        records of its volumes and its image, as Nova, Cinder and Glance
        give them to this VIM connection's user."""
        server = self._server(vnfc)
        items = []

        def add(name, read, as_json=True):
            try:
                value = read()
            except exception.VimError as e:
                items.append((name + '.unavailable', e.message.encode()))
                return
            data = (json.dumps(value, indent=1, sort_keys=True, default=str)
                    if as_json else value).encode()
            items.append((name, base.bounded(data, max_size)))

        add('server.json', lambda: self.cloud.server_record(server.id))
        add('instance-actions.json',
            lambda: self.cloud.instance_actions(server.id))
        # Nova counts lines; a console line is rarely longer than 200
        # bytes, and bounded() cuts what is over.
        add('console.log', lambda: self.cloud.console_output(
            server.id, max(1, max_size // 200)), as_json=False)
        for attachment in server.volumes:
            add('volume-%s.json' % attachment.volume_id,
                lambda v=attachment.volume_id: self.cloud.volume_record(v))
        if server.image_id:
            add('image-%s.json' % server.image_id,
                lambda: self.cloud.image_record(server.image_id))
        return items

    def pause_vnfc(self, vnfc, deadline=None):
        # ``deadline``: as for stop_vnfc, nothing enforces it on the hosts.
        server = self._server(vnfc)
        if self._power_state(server, vnfc) != helpers.RUNNING:
            return False
        self.cloud.pause_server(server.id)
        self._wait_server(server.id, ('PAUSED',),
                          'pausing VNFC %s' % vnfc.id)
        return True

    def unpause_vnfc(self, vnfc):
        server = self._server(vnfc)
        if server.status == 'PAUSED':
            self._unpause(server.id, vnfc)
