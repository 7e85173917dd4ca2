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

"""An in-memory cloud behind the OpenStack driver's facade, for unit tests.

:class:`FakeCloud` has the methods and return records of
``vnfsnap.vim.openstack.clients.OpenStackClients`` and keeps servers,
volumes, snapshots and images with their *data* (bytes), so tests can check
that a revert really brings data back. It follows the rules of the real
services that the driver depends on (states an action needs, force for
in-use snapshots before Cinder 3.66, Compute 2.93 to rebuild a
volume-backed server, Cinder's revert only to the latest snapshot, no
volume deletion while snapshots depend on it, Nova's quiesce rules), and
shows transient states (queued, saving, creating, powering-off...) to
pollers before the final one.
"""

import itertools
import json
import threading

from vnfsnap.common import exception
from vnfsnap.vim.openstack import clients

_ids = itertools.count(1)


def new_id(kind):
    return '%s-%04d' % (kind, next(_ids))


def _conflict(message):
    return exception.VimError(reason='HTTP 409: %s' % message)


def _yes(value):
    return str(value).lower() in ('yes', 'true', '1')


class FakeCloud:

    endpoint = 'http://keystone.test:5000/v3'

    def __init__(self, compute=(2, 96), volume=(3, 71)):
        self.compute = compute
        self.volume = volume
        self.servers, self.images = {}, {}
        self.volumes, self.snapshots = {}, {}
        # group id -> {'consistent': bool, 'specs_visible': bool}
        self.groups, self.group_snapshots = {}, {}
        self.transients = {}    # resource id -> statuses shown first
        self.calls = []         # (method, args)
        self.events = []        # (what, resource id, server status)
        self.fail = {}          # method -> exception (raised once)
        self.after = {}         # method -> callable(*args), after the call
        self.busy_snapshots = set()   # the backend refuses to delete
        self.lock = threading.Lock()
        self.clock = itertools.count(1)

    # --- building a cloud ----------------------------------------------------

    def add_image(self, data=b'', status='active', disk_format='qcow2',
                  container_format='bare', **properties):
        image_id = new_id('image')
        self.images[image_id] = dict(
            id=image_id, name=image_id, status=status, size=len(data),
            virtual_size=None, disk_format=disk_format,
            container_format=container_format, properties=properties,
            data=data)
        return image_id

    def add_volume(self, data=b'', size=1, volume_type='standard',
                   bootable=False, image_metadata=None, name=None,
                   group_id=None):
        volume_id = new_id('volume')
        self.volumes[volume_id] = dict(
            id=volume_id, name=name or volume_id, status='available',
            size=size, volume_type=volume_type, availability_zone='nova',
            bootable=bootable, metadata={},
            image_metadata=dict(image_metadata or {}), data=data,
            server_id=None, group_id=group_id)
        return volume_id

    def add_group(self, consistent=True, specs_visible=True):
        group_id = new_id('group')
        self.groups[group_id] = {'consistent': consistent,
                                 'specs_visible': specs_visible}
        return group_id

    def add_server(self, image_id=None, root_volume=None, disk=b'',
                   status='ACTIVE', volumes=(), ephemeral_gb=0):
        """An image-backed server (``image_id``, root ``disk`` data) or a
        volume-backed one (``root_volume`` at /dev/vda); ``volumes`` are
        attached as /dev/vdb, /dev/vdc..."""
        server_id = new_id('server')
        self.servers[server_id] = dict(
            id=server_id, name=server_id, status=status, task_state=None,
            image_id=image_id, disk=disk, attachments=[],
            ephemeral_gb=ephemeral_gb, agent_answers=True,
            root_device_name=None)
        if root_volume:
            self._attach(server_id, root_volume, '/dev/vda')
        for volume_id in volumes:
            self._attach(server_id, volume_id, None)
        return server_id

    def _attach(self, server_id, volume_id, device, dot=False):
        server = self.servers[server_id]
        used = {a[1] for a in server['attachments']}
        if device is None or device in used:
            device = next('/dev/vd%s' % c for c in 'bcdefghij'
                          if '/dev/vd%s' % c not in used)
        server['attachments'].append((volume_id, device, dot))
        self.volumes[volume_id].update(status='in-use', server_id=server_id)
        return device

    # --- plumbing ------------------------------------------------------------

    def _enter(self, method, *args):
        self.calls.append((method, args))
        error = self.fail.pop(method, None)
        if error is not None:
            raise error

    def _leave(self, method, *args):
        hook = self.after.get(method)
        if hook is not None:
            hook(*args)

    def _shown(self, resource_id, status):
        pending = self.transients.get(resource_id)
        if pending:
            return pending.pop(0)
        return status

    def called(self, method):
        return [args for m, args in self.calls if m == method]

    def compute_version(self):
        return self.compute

    def volume_version(self):
        return self.volume

    def _get(self, table, kind, resource_id):
        if resource_id not in table:
            raise exception.ResourceNotFound(kind=kind, id=resource_id)
        return table[resource_id]

    # --- compute -------------------------------------------------------------

    def get_server(self, server_id):
        self._enter('get_server', server_id)
        server = self._get(self.servers, 'server', server_id)
        status, task = self._shown(server_id, (server['status'],
                                               server['task_state']))
        return clients.Server(
            id=server_id, name=server['name'], status=status,
            task_state=task, image_id=server['image_id'],
            root_device_name=server['root_device_name'],
            volumes=tuple(clients.Attachment(v, d, dot)
                          for v, d, dot in server['attachments']),
            ephemeral_gb=server['ephemeral_gb'])

    def _server(self, server_id, action, allowed):
        server = self._get(self.servers, 'server', server_id)
        if server['status'] not in allowed or server['task_state']:
            raise _conflict('cannot %s server %s while it is %s'
                            % (action, server_id, server['status']))
        return server

    def _set_server(self, server, status, *shown):
        server['status'] = status
        self.transients[server['id']] = list(shown)

    def stop_server(self, server_id):
        self._enter('stop_server', server_id)
        server = self._server(server_id, 'stop', ('ACTIVE', 'ERROR'))
        self._set_server(server, 'SHUTOFF', ('ACTIVE', 'powering-off'))
        self._leave('stop_server', server_id)

    def start_server(self, server_id):
        self._enter('start_server', server_id)
        server = self._server(server_id, 'start', ('SHUTOFF',))
        self._set_server(server, 'ACTIVE', ('SHUTOFF', 'powering-on'))

    def pause_server(self, server_id):
        self._enter('pause_server', server_id)
        server = self._server(server_id, 'pause', ('ACTIVE',))
        self._set_server(server, 'PAUSED', ('ACTIVE', 'pausing'))

    def unpause_server(self, server_id):
        self._enter('unpause_server', server_id)
        server = self._server(server_id, 'unpause', ('PAUSED',))
        self._set_server(server, 'ACTIVE', ('PAUSED', 'unpausing'))

    def _root_volume(self, server):
        return next((v for v, d, _ in server['attachments']
                     if d == '/dev/vda'), None)

    def _boot_properties(self, server):
        if server['image_id'] is None:
            return self.volumes[self._root_volume(server)]['image_metadata']
        image = self.images.get(server['image_id'])
        return image['properties'] if image else {}

    def create_server_image(self, server_id, name, metadata):
        self._enter('create_server_image', server_id, name, metadata)
        server = self._server(server_id, 'snapshot',
                              ('ACTIVE', 'SHUTOFF', 'PAUSED', 'SUSPENDED'))
        props = self._boot_properties(server)
        if server['status'] == 'ACTIVE' and _yes(
                props.get('hw_qemu_guest_agent')):
            if server['agent_answers']:
                self.events.append(('freeze', server_id, 'ACTIVE'))
            elif _yes(props.get('os_require_quiesce')):
                raise _conflict('quiescing server %s failed' % server_id)
        image_id = new_id('image')
        properties = dict(
            {k: v for k, v in props.items() if k.startswith(('hw_', 'os_'))
             or k in ('kernel_id', 'ramdisk_id')},
            instance_uuid=server_id, **metadata)
        if server['image_id'] is not None:
            self.events.append(('capture-root', server_id,
                                server['status']))
            self.images[image_id] = dict(
                id=image_id, name=name, status='active',
                size=len(server['disk']), virtual_size=None,
                disk_format='qcow2', container_format='bare',
                properties=properties, data=server['disk'])
            self.transients[image_id] = ['queued', 'saving']
        else:
            mapping = []
            for volume_id, device, _ in server['attachments']:
                snapshot = self._snapshot(volume_id, 'snapshot for %s'
                                          % name)
                mapping.append({'device_name': device,
                                'boot_index': 0 if device == '/dev/vda'
                                else None,
                                'source_type': 'snapshot',
                                'destination_type': 'volume',
                                'snapshot_id': snapshot['id']})
            properties.update(block_device_mapping=mapping,
                              root_device_name='/dev/vda', bdm_v2=True)
            self.images[image_id] = dict(
                id=image_id, name=name, status='active', size=0,
                virtual_size=None, disk_format=None, container_format=None,
                properties=properties, data=None)
        if server['status'] == 'ACTIVE' and _yes(
                props.get('hw_qemu_guest_agent')) and server['agent_answers']:
            self.events.append(('thaw', server_id, 'ACTIVE'))
        self._leave('create_server_image', server_id, image_id)
        return image_id

    def rebuild_server(self, server_id, image_id):
        self._enter('rebuild_server', server_id, image_id)
        server = self._server(server_id, 'rebuild',
                              ('ACTIVE', 'SHUTOFF', 'ERROR'))
        image = self._get(self.images, 'image', image_id)
        attached = [v for v, _, _ in server['attachments']]
        if any(self.volumes[v]['status'] != 'in-use' for v in attached):
            raise exception.VimError(reason='HTTP 409: a volume of server '
                                     '%s is not in-use' % server_id)
        if image['status'] != 'active' or image['data'] is None:
            raise exception.VimError(reason='HTTP 400: image %s is not '
                                     'usable' % image_id)
        if server['image_id'] is None:
            if self.compute < (2, 93):
                raise exception.VimError(
                    reason='HTTP 400: Unable to rebuild with a different '
                           'image for a volume-backed server.')
            root = self.volumes[self._root_volume(server)]
            root['data'] = image['data']
            root['image_metadata'] = dict(image['properties'],
                                          image_id=image_id)
        else:
            server['disk'] = image['data']
            server['image_id'] = image_id
        # Nova boots the guest while it rebuilds it, with these disks.
        self.events.append(('rebuild', server_id, server['status'],
                            tuple(attached)))
        self.transients[server_id] = [('REBUILD', 'rebuilding'),
                                      ('REBUILD', 'rebuild_spawning')]
        if server['status'] == 'SHUTOFF':
            # Nova shows the spawned server ACTIVE and idle for a moment,
            # then brings it back to its original state, stopped.
            self.transients[server_id] += [('ACTIVE', None)] + [
                ('ACTIVE', 'powering-off')] * 3
        self._leave('rebuild_server', server_id, image_id)

    def attach_volume(self, server_id, volume_id, device,
                      delete_on_termination=False):
        self._enter('attach_volume', server_id, volume_id, device)
        volume = self._get(self.volumes, 'volume', volume_id)
        if volume['status'] != 'available':
            raise _conflict('volume %s is %s' % (volume_id,
                                                 volume['status']))
        self._attach(server_id, volume_id, device, delete_on_termination)
        self.transients[volume_id] = ['attaching']

    def detach_volume(self, server_id, volume_id):
        self._enter('detach_volume', server_id, volume_id)
        server = self._get(self.servers, 'server', server_id)
        found = [a for a in server['attachments'] if a[0] == volume_id]
        if not found:
            raise exception.VimError(reason='HTTP 404: volume %s is not '
                                     'attached' % volume_id)
        server['attachments'].remove(found[0])
        self.volumes[volume_id].update(status='available', server_id=None)
        self.transients[volume_id] = ['detaching']

    # --- block storage -------------------------------------------------------

    def get_volume(self, volume_id):
        self._enter('get_volume', volume_id)
        v = self._get(self.volumes, 'volume', volume_id)
        return self._volume_record(v, self._shown(volume_id, v['status']))

    @staticmethod
    def _volume_record(v, status):
        return clients.Volume(
            id=v['id'], name=v['name'], status=status, size=v['size'],
            volume_type=v['volume_type'],
            availability_zone=v['availability_zone'],
            bootable=v['bootable'], metadata=dict(v['metadata']),
            image_metadata=dict(v['image_metadata']),
            server_ids=(v['server_id'],) if v['server_id'] else (),
            group_id=v.get('group_id'))

    def create_volume(self, size, name, snapshot_id=None, image_id=None,
                      volume_type=None, availability_zone=None,
                      metadata=None):
        self._enter('create_volume', size, name, snapshot_id, image_id)
        data, image_metadata = b'', {}
        if snapshot_id:
            snapshot = self._get(self.snapshots, 'snapshot', snapshot_id)
            if size < snapshot['size']:
                raise exception.VimError(reason='HTTP 400: too small')
            data = snapshot['data']
            image_metadata = dict(snapshot['image_metadata'])
        if image_id:
            image = self._get(self.images, 'image', image_id)
            data = image['data']
            image_metadata = dict(image['properties'], image_id=image_id)
        volume_id = new_id('volume')
        self.volumes[volume_id] = dict(
            id=volume_id, name=name, status='available', size=size,
            volume_type=volume_type or 'standard',
            availability_zone=availability_zone or 'nova',
            bootable=bool(image_metadata), metadata=dict(metadata or {}),
            image_metadata=image_metadata, data=data, server_id=None)
        self.transients[volume_id] = ['creating']
        self._leave('create_volume', volume_id)
        return self._volume_record(self.volumes[volume_id], 'creating')

    def delete_volume(self, volume_id):
        self._enter('delete_volume', volume_id)
        volume = self._get(self.volumes, 'volume', volume_id)
        if volume['status'] not in ('available', 'error'):
            raise exception.VimError(reason='HTTP 400: volume %s is %s'
                                     % (volume_id, volume['status']))
        if any(s['volume_id'] == volume_id
               for s in self.snapshots.values()):
            raise exception.VimError(reason='HTTP 400: Volume still has '
                                     'dependent snapshots')
        del self.volumes[volume_id]

    def set_volume_metadata(self, volume_id, metadata):
        self._enter('set_volume_metadata', volume_id, metadata)
        self._get(self.volumes, 'volume', volume_id)['metadata'].update(
            metadata)

    def revert_volume(self, volume_id, snapshot_id):
        self._enter('revert_volume', volume_id, snapshot_id)
        if self.volume < (3, 40):
            raise exception.VimError(reason='HTTP 404: no revert action')
        volume = self._get(self.volumes, 'volume', volume_id)
        snapshot = self._get(self.snapshots, 'snapshot', snapshot_id)
        latest = max((s for s in self.snapshots.values()
                      if s['volume_id'] == volume_id),
                     key=lambda s: s['created_at'])
        if (volume['status'] != 'available' or latest is not snapshot):
            raise exception.VimError(reason='HTTP 400: cannot revert')
        volume['data'] = snapshot['data']
        self.transients[volume_id] = ['reverting']

    def upload_volume_to_image(self, volume_id, name, disk_format,
                               container_format='bare'):
        self._enter('upload_volume_to_image', volume_id, name, disk_format)
        volume = self._get(self.volumes, 'volume', volume_id)
        if volume['status'] != 'available':
            raise exception.VimError(reason='HTTP 400: volume is %s'
                                     % volume['status'])
        image_id = new_id('image')
        self.images[image_id] = dict(
            id=image_id, name=name, status='active',
            size=len(volume['data']), virtual_size=volume['size'] * 1024 ** 3,
            disk_format=disk_format, container_format=container_format,
            properties={k: v for k, v in volume['image_metadata'].items()
                        if k != 'image_id'},
            data=volume['data'])
        self.transients[image_id] = ['queued', 'saving']
        self.transients[volume_id] = ['uploading']
        return image_id

    def _snapshot(self, volume_id, name):
        volume = self._get(self.volumes, 'volume', volume_id)
        server = self.servers.get(volume['server_id'])
        self.events.append(('snapshot', volume_id,
                            server['status'] if server else None))
        snapshot_id = new_id('snapshot')
        self.snapshots[snapshot_id] = dict(
            id=snapshot_id, volume_id=volume_id, name=name,
            status='available', size=volume['size'],
            created_at='2026-01-01T00:00:%02d' % next(self.clock),
            data=volume['data'], image_metadata=volume['image_metadata'])
        self.transients[snapshot_id] = ['creating']
        return self.snapshots[snapshot_id]

    def create_snapshot(self, volume_id, name, force=False):
        self._enter('create_snapshot', volume_id, name, force)
        volume = self._get(self.volumes, 'volume', volume_id)
        if volume['status'] == 'in-use' and not force and self.volume < (
                3, 66):
            raise exception.VimError(reason='HTTP 400: in-use needs force')
        snapshot = self._snapshot(volume_id, name)
        self._leave('create_snapshot', snapshot['id'])
        return self._snapshot_record(snapshot, 'creating')

    def get_snapshot(self, snapshot_id):
        self._enter('get_snapshot', snapshot_id)
        s = self._get(self.snapshots, 'volume snapshot', snapshot_id)
        return self._snapshot_record(s, self._shown(snapshot_id,
                                                    s['status']))

    @staticmethod
    def _snapshot_record(s, status):
        return clients.Snapshot(
            id=s['id'], volume_id=s['volume_id'], name=s['name'],
            status=status, size=s['size'], created_at=s['created_at'])

    def list_snapshots(self, volume_id):
        self._enter('list_snapshots', volume_id)
        return [self._snapshot_record(s, s['status'])
                for s in self.snapshots.values()
                if s['volume_id'] == volume_id]

    # Block Storage groups: a group snapshot takes every volume of the
    # group at once; its snapshots go only with it.

    def consistent_group(self, group_id):
        self._enter('consistent_group', group_id)
        group = self._get(self.groups, 'group', group_id)
        if not (group['specs_visible'] and group['consistent']):
            return None
        return frozenset(v['id'] for v in self.volumes.values()
                         if v.get('group_id') == group_id)

    def create_group_snapshot(self, group_id, name):
        self._enter('create_group_snapshot', group_id, name)
        self._get(self.groups, 'group', group_id)
        gs_id = new_id('group-snapshot')
        self.events.append(('group-snapshot', group_id, None))
        members = [self._snapshot(v['id'], 'snapshot-%s' % v['id'])
                   for v in list(self.volumes.values())
                   if v.get('group_id') == group_id]
        for member in members:
            member['group_snapshot_id'] = gs_id
            self.transients.pop(member['id'], None)
        self.group_snapshots[gs_id] = {'id': gs_id, 'status': 'available'}
        self.transients[gs_id] = ['creating']
        self._leave('create_group_snapshot', gs_id)
        return clients.GroupSnapshot(id=gs_id, status='creating')

    def get_group_snapshot(self, group_snapshot_id):
        self._enter('get_group_snapshot', group_snapshot_id)
        gs = self._get(self.group_snapshots, 'group snapshot',
                       group_snapshot_id)
        return clients.GroupSnapshot(
            id=gs['id'], status=self._shown(gs['id'], gs['status']))

    def list_group_snapshot_members(self, group_snapshot_id):
        self._enter('list_group_snapshot_members', group_snapshot_id)
        return [self._snapshot_record(s, s['status'])
                for s in self.snapshots.values()
                if s.get('group_snapshot_id') == group_snapshot_id]

    def delete_group_snapshot(self, group_snapshot_id):
        self._enter('delete_group_snapshot', group_snapshot_id)
        self._get(self.group_snapshots, 'group snapshot', group_snapshot_id)
        del self.group_snapshots[group_snapshot_id]
        for sid in [s['id'] for s in self.snapshots.values()
                    if s.get('group_snapshot_id') == group_snapshot_id]:
            del self.snapshots[sid]

    def delete_snapshot(self, snapshot_id):
        self._enter('delete_snapshot', snapshot_id)
        snapshot = self._get(self.snapshots, 'volume snapshot', snapshot_id)
        if snapshot.get('group_snapshot_id'):
            raise exception.VimError(
                reason='HTTP 400: snapshot %s is part of group snapshot %s'
                % (snapshot_id, snapshot['group_snapshot_id']))
        if snapshot_id in self.busy_snapshots:
            # Cinder puts it back when the backend refuses.
            self.transients[snapshot_id] = ['deleting']
            return
        del self.snapshots[snapshot_id]

    # --- image ---------------------------------------------------------------

    def get_image(self, image_id):
        self._enter('get_image', image_id)
        i = self._get(self.images, 'image', image_id)
        return clients.Image(
            id=image_id, name=i['name'],
            status=self._shown(image_id, i['status']), size=i['size'],
            virtual_size=i['virtual_size'], disk_format=i['disk_format'],
            container_format=i['container_format'],
            properties=json.loads(json.dumps(i['properties'])))

    def create_image(self, name, disk_format, container_format,
                     properties=None):
        self._enter('create_image', name, disk_format, container_format)
        image_id = new_id('image')
        self.images[image_id] = dict(
            id=image_id, name=name, status='queued', size=None,
            virtual_size=None, disk_format=disk_format,
            container_format=container_format,
            properties=dict(properties or {}), data=None)
        return image_id

    def upload_image(self, image_id, path, size):
        self._enter('upload_image', image_id, path, size)
        image = self._get(self.images, 'image', image_id)
        with open(path, 'rb') as f:
            image['data'] = f.read()
        image.update(status='active', size=len(image['data']))
        self.transients[image_id] = ['saving']

    def download_image(self, image_id, path, progress=None):
        self._enter('download_image', image_id, path)
        image = self._get(self.images, 'image', image_id)
        if image['data'] is None:
            raise exception.VimError(reason='image %s has no data'
                                     % image_id)
        with open(path, 'wb') as f:
            for start in range(0, len(image['data']), 4):
                f.write(image['data'][start:start + 4])
                if progress is not None:
                    progress(start + 4)
        return len(image['data'])

    def delete_image(self, image_id):
        self._enter('delete_image', image_id)
        self._get(self.images, 'image', image_id)
        del self.images[image_id]
