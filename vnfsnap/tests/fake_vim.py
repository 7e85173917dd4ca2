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

"""An in-memory VIM driver for the test suites only (never in the product).

Each VNFC is a dict ``{'disk': {...}, 'memory': {...}, 'frozen': bool}``
held in a process-wide table, so tests can change "guest" state, snapshot,
revert and check what came back. ``FakeVim.fail`` and ``FakeVim.delay``
inject failures and slowness per step and VNFC; ``FakeVim.hooks`` runs a
test's callable when a step starts (e.g. to cancel an operation mid-flow).
"""

import copy
import json
import os
import threading
import time

from oslo_utils import uuidutils

from vnfsnap import vim
from vnfsnap.common import exception
from vnfsnap.common import states
from vnfsnap.vim import base

VIM_TYPE = 'VNFSNAP.TEST.V_1'


class FakeVim(base.VimDriver):
    lock = threading.Lock()
    guests = {}        # resourceId -> {'disk':…, 'memory':…, 'frozen':…}
    snapshots = {}     # snapshot handle id -> copy of a guest
    calls = []         # (step, resourceId) in call order
    fail = {}          # (step, resourceId) -> message
    delay = {}         # (step, resourceId) -> seconds
    hooks = {}         # (step, resourceId) -> callable, run as it starts
    created_paused = {}  # resourceId -> the ``paused`` of its last create
    # resourceId -> (volumes taken, volumes left out but attached) of its
    # last create
    created_volumes = {}
    caps = base.Capabilities(quiesce=True, memory_snapshot=True,
                             live_snapshot=True, internal_snapshot=True,
                             revert_any_snapshot=True, pause=True)

    @classmethod
    def reset(cls):
        with cls.lock:
            cls.guests.clear()
            cls.snapshots.clear()
            cls.calls.clear()
            cls.fail.clear()
            cls.delay.clear()
            cls.hooks.clear()
            cls.created_paused.clear()
            cls.created_volumes.clear()
        cls.caps = base.Capabilities(quiesce=True, memory_snapshot=True,
                                     live_snapshot=True,
                                     internal_snapshot=True,
                                     revert_any_snapshot=True, pause=True)

    @classmethod
    def add_guest(cls, resource_id, disk=None, memory=None):
        with cls.lock:
            cls.guests[resource_id] = {'disk': dict(disk or {}),
                                       'memory': dict(memory or {}),
                                       'frozen': False}

    def _step(self, step, resource_id):
        with self.lock:
            self.calls.append((step, resource_id))
            message = self.fail.get((step, resource_id))
            pause = self.delay.get((step, resource_id), 0)
            hook = self.hooks.get((step, resource_id))
        if hook is not None:
            hook()
        if pause:
            time.sleep(pause)
        if message:
            raise exception.VimError(reason=message)

    def _guest(self, vnfc):
        rid = vnfc.compute_resource['resourceId']
        if rid not in self.guests:
            raise exception.VimError(reason='no guest %s' % rid)
        return rid, self.guests[rid]

    def capabilities(self, vnfc=None):
        return self.caps

    def quiesce(self, vnfc, timeout):
        rid, guest = self._guest(vnfc)
        self._step('quiesce', rid)
        guest['frozen'] = True

    def unquiesce(self, vnfc):
        rid, guest = self._guest(vnfc)
        self._step('unquiesce', rid)
        guest['frozen'] = False

    def power_state(self, vnfc):
        return self._guest(vnfc)[1].get('state', 'running')

    def stop_vnfc(self, vnfc):
        rid, guest = self._guest(vnfc)
        self._step('stop', rid)
        guest['state'] = 'shutoff'

    def start_vnfc(self, vnfc):
        rid, guest = self._guest(vnfc)
        self._step('start', rid)
        guest['state'] = 'running'

    def pause_vnfc(self, vnfc):
        rid, guest = self._guest(vnfc)
        self._step('pause', rid)
        if guest.get('state', 'running') != 'running':
            return False
        guest['state'] = 'paused'
        return True

    def unpause_vnfc(self, vnfc):
        rid, guest = self._guest(vnfc)
        self._step('unpause', rid)
        guest['state'] = 'running'

    def detach_volume(self, vnfc, storage):
        rid, guest = self._guest(vnfc)
        self._step('detach', storage['id'])
        detached = guest.setdefault('detached', set())
        if storage['id'] in detached:
            return None
        detached.add(storage['id'])
        return {'was': storage['id']}

    def attach_volume(self, vnfc, storage, token):
        rid, guest = self._guest(vnfc)
        self._step('attach', storage['id'])
        assert token == {'was': storage['id']}, token
        guest.setdefault('detached', set()).discard(storage['id'])

    def create_vnfc_snapshot(self, vnfc, snapshot_id, with_memory,
                             quiesced, paused=False):
        rid, guest = self._guest(vnfc)
        self._step('create', rid)
        self.created_paused[rid] = paused
        attached_out = [s['id'] for s in vnfc.left_out
                        if s['id'] not in guest.get('detached', ())]
        self.created_volumes[rid] = (
            [s['id'] for s in vnfc.storage_resources], attached_out)
        handle = uuidutils.generate_uuid()
        with self.lock:
            self.snapshots[handle] = copy.deepcopy(
                {'disk': guest['disk'],
                 'memory': guest['memory'] if with_memory else None})
        conn = vnfc.compute_resource.get('vimConnectionId')
        return base.VnfcSnapshotResult(
            compute_snapshot_resource={'vimConnectionId': conn,
                                       'resourceId': handle,
                                       'vimLevelResourceType': 'fake'},
            storage_snapshot_resources=[
                {'storageResourceId': s['id'],
                 'storageSnapshotResource': {'vimConnectionId': conn,
                                             'resourceId': handle + '-' +
                                             s['id']}}
                for s in vnfc.storage_resources],
            consistency_level=(states.CONSISTENCY_FILESYSTEM if quiesced
                               else states.CONSISTENCY_CRASH),
            memory_captured=with_memory,
            vim_details={'handle': handle})

    def delete_vnfc_snapshot(self, vnfc_snapshot):
        handle = vnfc_snapshot['compute_snapshot_resource']['resourceId']
        self._step('delete', handle)
        with self.lock:
            self.snapshots.pop(handle, None)

    def check_revert(self, vnfc, vnfc_snapshot):
        rid, _ = self._guest(vnfc)
        self._step('check_revert', rid)
        handle = vnfc_snapshot['compute_snapshot_resource']['resourceId']
        if handle not in self.snapshots:
            raise exception.VimError(reason='no snapshot %s' % handle)

    def revert_vnfc_snapshot(self, vnfc, vnfc_snapshot, power_state=None):
        rid, guest = self._guest(vnfc)
        self._step('revert', rid)
        handle = vnfc_snapshot['compute_snapshot_resource']['resourceId']
        if handle not in self.snapshots:
            raise exception.VimError(reason='no snapshot %s' % handle)
        guest['state'] = power_state or 'running'
        saved = copy.deepcopy(self.snapshots[handle])
        guest['disk'] = saved['disk']
        if saved['memory'] is not None:
            guest['memory'] = saved['memory']

    def export_vnfc_snapshot(self, vnfc_snapshot, dest_dir):
        handle = vnfc_snapshot['compute_snapshot_resource']['resourceId']
        self._step('export', handle)
        with self.lock:
            saved = copy.deepcopy(self.snapshots[handle])
        os.makedirs(dest_dir, exist_ok=True)
        with open(os.path.join(dest_dir, 'disk.raw'), 'w') as f:
            json.dump(saved['disk'], f)
        memory = None
        if saved['memory'] is not None:
            memory = 'memory.json'
            with open(os.path.join(dest_dir, memory), 'w') as f:
                json.dump(saved['memory'], f)
        return {'state': 'running', 'quiesced': False, 'memory': memory,
                'domainXml': None,
                'disks': [{'target': 'vda', 'file': 'disk.raw',
                           'diskFormat': 'raw', 'containerFormat': 'bare'}]}

    def import_vnfc_snapshot(self, vnfc, src_dir, consistency_level=None):
        rid, _ = self._guest(vnfc)
        self._step('import', rid)
        with open(os.path.join(src_dir, 'vnfc-snapshot.json')) as f:
            description = json.load(f)
        with open(os.path.join(src_dir,
                               description['disks'][0]['file'])) as f:
            disk = json.load(f)
        memory = None
        if description.get('memory'):
            with open(os.path.join(src_dir, description['memory'])) as f:
                memory = json.load(f)
        handle = uuidutils.generate_uuid()
        with self.lock:
            self.snapshots[handle] = {'disk': disk, 'memory': memory}
        return base.VnfcSnapshotResult(
            compute_snapshot_resource={
                'vimConnectionId': vnfc.compute_resource.get(
                    'vimConnectionId'),
                'resourceId': handle, 'vimLevelResourceType': 'fake'},
            storage_snapshot_resources=[],
            consistency_level=consistency_level or states.CONSISTENCY_CRASH,
            memory_captured=memory is not None,
            vim_details={'handle': handle})


def register():
    vim.register(VIM_TYPE, FakeVim)
