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

"""The OpenStack VIM driver against an in-memory cloud behind its facade."""

import dataclasses
import functools
import json
import os

import fixtures
from taskflow import engines
from taskflow import task
from taskflow.patterns import linear_flow

from vnfsnap import vim
from vnfsnap.common import exception
from vnfsnap.common import states
from vnfsnap.conductor.flows import vnfc_revert
from vnfsnap.db import api as db_api
from vnfsnap.tests import base as test_base
from vnfsnap.tests.fixtures import openstack_fakes
from vnfsnap.vim import base
from vnfsnap.vim.openstack import driver as os_driver

VIM = {'vimType': os_driver.VIM_TYPE,
       'interfaceInfo': {'endpoint': 'http://keystone.test:5000/v3'},
       'accessInfo': {'username': 'vnfm', 'password': 'pw-not-logged',
                      'project': 'vnf', 'region': 'RegionOne'}}
AGENT = {'hw_qemu_guest_agent': 'yes', 'os_require_quiesce': 'yes',
         'kernel_id': 'k-1', 'os_command_line': 'console=ttyS0'}


class DriverTestCase(test_base.TestCase):

    def setUp(self):
        super().setUp()
        self.conf.config(poll_interval=0.01, group='openstack')
        self.cloud = openstack_fakes.FakeCloud()
        self.useFixture(fixtures.MockPatch(
            'vnfsnap.vim.openstack.clients.OpenStackClients',
            return_value=self.cloud))
        self.log = self.useFixture(fixtures.FakeLogger(
            level='DEBUG', format='%(levelname)s %(message)s'))
        self.driver = vim.get_driver(VIM)

    def vnfc(self, server_id, volumes=()):
        """A VNFC whose storage resources are ``volumes`` (id, volume)."""
        return base.Vnfc(
            id='vnfc-%s' % server_id, vdu_id='VDU1',
            compute_resource={'vimConnectionId': 'vim1',
                              'resourceId': server_id},
            storage_resources=tuple(
                {'id': sid, 'storageResource': {'vimConnectionId': 'vim1',
                                                'resourceId': vid}}
                for sid, vid in volumes))

    def image_backed(self, properties=AGENT, data_volumes=1, group_id=None,
                     **kwargs):
        image_id = self.cloud.add_image(b'base', **properties)
        volumes = [self.cloud.add_volume(b'data-%d' % i, size=2,
                                         group_id=group_id)
                   for i in range(data_volumes)]
        server_id = self.cloud.add_server(image_id=image_id, disk=b'root-v1',
                                          volumes=volumes, **kwargs)
        return self.vnfc(server_id, [('vsr-%d' % i, v)
                                     for i, v in enumerate(volumes)])

    def volume_backed(self, properties=AGENT, data_volumes=1, **kwargs):
        root = self.cloud.add_volume(b'root-v1', size=1, bootable=True,
                                     image_metadata=properties)
        volumes = [self.cloud.add_volume(b'data-%d' % i, size=2)
                   for i in range(data_volumes)]
        server_id = self.cloud.add_server(root_volume=root, volumes=volumes,
                                          **kwargs)
        return self.vnfc(server_id, [('vsr-root', root)] + [
            ('vsr-%d' % i, v) for i, v in enumerate(volumes)])

    def server(self, vnfc):
        return self.cloud.servers[vnfc.compute_resource['resourceId']]

    def revert(self, vnfc, vnfc_snapshot, power_state=None):
        """Run the driver's revert steps as the flows do (each undone when
        a later one fails); return the revert's outcome."""
        before, after, outcome = vnfc_revert.vim_steps(
            vnfc, self.driver.revert_steps(vnfc, vnfc_snapshot,
                                           power_state))
        flow = linear_flow.Flow('revert').add(*before, *after)
        return engines.run(flow)[outcome]

    def fail_second_snapshot(self, reason):
        """The second create_snapshot call fails with ``reason``."""
        calls = []

        def after(snapshot_id):
            calls.append(snapshot_id)
            if len(calls) == 1:
                self.cloud.fail['create_snapshot'] = exception.VimError(
                    reason=reason)
        self.cloud.after['create_snapshot'] = after

    def volume_at(self, vnfc, device):
        return next(self.cloud.volumes[v] for v, d, _ in
                    self.server(vnfc)['attachments'] if d == device)

    def snapshot(self, vnfc, quiesced=False, with_memory=False):
        result = self.driver.create_vnfc_snapshot(vnfc, 'snap-1',
                                                  with_memory, quiesced)
        return {'id': 'vnfcsnap-1',
                'compute_snapshot_resource':
                    result.compute_snapshot_resource,
                'storage_snapshot_resources':
                    result.storage_snapshot_resources,
                'vim_details': result.vim_details}, result

    def assert_nothing_left(self, images_before, snapshots_before=0):
        self.assertEqual(images_before, len(self.cloud.images))
        self.assertEqual(snapshots_before, len(self.cloud.snapshots))


class TestLoadingAndCapabilities(DriverTestCase):

    def test_entry_point(self):
        self.assertIn(os_driver.VIM_TYPE, vim.installed())
        self.assertIsInstance(self.driver, os_driver.OpenStackDriver)

    def test_cloud_capabilities(self):
        caps = self.driver.capabilities()
        self.assertFalse(caps.memory_snapshot)
        self.assertFalse(caps.quiesce)
        self.assertTrue(caps.revert_any_snapshot)
        self.cloud.compute = (2, 92)
        self.assertFalse(self.driver.capabilities().revert_any_snapshot)

    def test_quiesce_offered_only_when_nova_must_freeze_every_disk(self):
        self.assertTrue(self.driver.capabilities(
            self.volume_backed(data_volumes=2)).quiesce)
        for vnfc in (self.image_backed(data_volumes=0),
                     self.image_backed(),
                     self.volume_backed({'hw_qemu_guest_agent': 'yes'}),
                     self.volume_backed({}),
                     self.volume_backed(status='SHUTOFF')):
            self.assertFalse(self.driver.capabilities(vnfc).quiesce)

    def test_multi_disk_capture_by_pause_or_not_at_all(self):
        vnfc = self.image_backed()
        caps = self.driver.capabilities(vnfc)
        self.assertTrue(caps.atomic_multi_disk)
        self.assertFalse(caps.live_snapshot)
        self.conf.config(pause_multi_disk_vnfcs=False, group='openstack')
        self.assertFalse(self.driver.capabilities(vnfc).atomic_multi_disk)
        single = self.driver.capabilities(self.image_backed(data_volumes=0))
        self.assertTrue(single.atomic_multi_disk)
        self.assertTrue(single.live_snapshot)

    def test_volume_backed_revert_needs_2_93(self):
        vnfc = self.volume_backed()
        self.assertTrue(self.driver.capabilities(vnfc).revert_any_snapshot)
        self.cloud.compute = (2, 92)
        self.assertFalse(self.driver.capabilities(vnfc).revert_any_snapshot)
        self.assertTrue(self.driver.capabilities(
            self.image_backed()).revert_any_snapshot)

    def test_quiesce_checks_and_explains(self):
        self.driver.quiesce(self.volume_backed(), 60)
        self.driver.unquiesce(self.volume_backed())
        e = self.assertRaises(exception.VimCapabilityMissing,
                              self.driver.quiesce,
                              self.volume_backed({'hw_qemu_guest_agent':
                                                  'yes'}), 60)
        self.assertIn('os_require_quiesce=yes', e.message)
        self.assertIn('without saying so', e.message)
        e = self.assertRaises(exception.VimCapabilityMissing,
                              self.driver.quiesce,
                              self.image_backed(data_volumes=0), 60)
        self.assertIn('even with os_require_quiesce', e.message)


class TestOnlineTestFaults(DriverTestCase):
    """What an online test injects into a Nova server through the
    driver's client facade."""

    def test_capabilities(self):
        caps = self.driver.capabilities(self.image_backed())
        self.assertTrue(caps.stop)
        self.assertTrue(caps.reset)
        self.assertTrue(caps.pause)
        self.assertFalse(caps.link_state)
        self.assertFalse(caps.guest_exec)

    def test_stop_and_start_again(self):
        vnfc = self.image_backed()
        self.driver.stop_vnfc(vnfc)
        self.assertEqual('SHUTOFF', self.server(vnfc)['status'])
        self.assertEqual([(self.server(vnfc)['id'],)],
                         self.cloud.called('stop_server'))
        self.driver.start_vnfc(vnfc)
        self.assertEqual('ACTIVE', self.server(vnfc)['status'])

    def test_reset_is_a_hard_reboot(self):
        vnfc = self.image_backed()
        self.driver.reset_vnfc(vnfc)
        self.assertEqual([(self.server(vnfc)['id'], True)],
                         self.cloud.called('reboot_server'))
        self.assertEqual('ACTIVE', self.server(vnfc)['status'])

    def test_link_and_guest_exec_refused(self):
        vnfc = self.image_backed()
        self.assertRaises(exception.VimCapabilityMissing,
                          self.driver.set_link_state, vnfc, False)
        self.assertRaises(exception.VimCapabilityMissing,
                          self.driver.guest_exec, vnfc, ['true'], 5)


class TestCreate(DriverTestCase):

    def test_warm_refused(self):
        vnfc = self.image_backed()
        e = self.assertRaises(exception.VimCapabilityMissing,
                              self.driver.create_vnfc_snapshot, vnfc, 's',
                              True, False)
        self.assertEqual(422, e.code)
        self.assertIn('memory state', e.message)
        self.assertEqual([], self.cloud.called('create_server_image'))

    def test_image_backed_single_disk(self):
        vnfc = self.image_backed(data_volumes=0)
        e = self.assertRaises(exception.VimCapabilityMissing,
                              self.snapshot, vnfc, True)
        self.assertIn('image-backed', e.message)
        snap, result = self.snapshot(vnfc)
        image_id = result.compute_snapshot_resource['resourceId']
        self.assertEqual({'vimConnectionId': 'vim1', 'resourceId': image_id,
                          'vimLevelResourceType': 'OS::Glance::Image',
                          'vimLevelAdditionalResourceInfo': {
                              'additionalInfo': {
                                  'novaQuiesce': 'attempted',
                                  'pausedForCapture': False,
                                  'pausedMs': 0.0,
                                  'pausedWithVnf': False,
                                  'computeApiVersion': '2.96',
                                  'volumeApiVersion': '3.71'}}},
                         result.compute_snapshot_resource)
        self.assertEqual(states.CONSISTENCY_CRASH, result.consistency_level)
        self.assertFalse(result.memory_captured)
        self.assertEqual([], result.storage_snapshot_resources)
        self.assertEqual(b'root-v1', self.cloud.images[image_id]['data'])
        self.assertEqual('k-1',
                         self.cloud.images[image_id]['properties'][
                             'kernel_id'])
        details = result.vim_details
        # The image has the agent: Nova tries a freeze, nobody knows
        # whether it worked.
        self.assertEqual('attempted', details['nova_quiesce'])
        self.assertFalse(details['quiesced'])
        self.assertFalse(details['paused_for_capture'])
        self.assertEqual('image', details['boot'])
        self.assertEqual('running', details['state'])
        self.assertEqual('2.96', details['compute_api_version'])
        self.assertEqual([], self.cloud.called('pause_server'))
        # The wait saw the upload go on, and said so.
        self.assertIn('queued', self.log.output)
        self.assertIn('saving', self.log.output)

    def test_image_backed_with_volumes_is_paused_for_one_instant(self):
        vnfc = self.image_backed(data_volumes=2)
        snap, result = self.snapshot(vnfc)
        server_id = self.server(vnfc)['id']
        captures = [e for e in self.cloud.events
                    if e[0] in ('capture-root', 'snapshot')]
        self.assertEqual(3, len(captures))
        self.assertEqual({'PAUSED'}, {e[2] for e in captures})
        self.assertEqual('ACTIVE', self.server(vnfc)['status'])
        self.assertEqual([(server_id,)], self.cloud.called('unpause_server'))
        self.assertEqual(states.CONSISTENCY_CRASH, result.consistency_level)
        self.assertTrue(result.vim_details['paused_for_capture'])
        self.assertTrue(result.compute_snapshot_resource[
            'vimLevelAdditionalResourceInfo']['additionalInfo'][
                'pausedForCapture'])
        self.assertEqual('none', result.vim_details['nova_quiesce'])
        self.assertTrue(all(force for _, _, force in
                            self.cloud.called('create_snapshot')))
        by_storage = {s['storageResourceId']: s['storageSnapshotResource']
                      for s in result.storage_snapshot_resources}
        self.assertEqual({'vsr-0', 'vsr-1'}, set(by_storage))
        snapshot = self.cloud.snapshots[by_storage['vsr-1']['resourceId']]
        self.assertEqual(b'data-1', snapshot['data'])
        self.assertEqual('OS::Cinder::VolumeSnapshot',
                         by_storage['vsr-1']['vimLevelResourceType'])
        self.assertEqual(['/dev/vdb', '/dev/vdc'],
                         [v['device'] for v in
                          result.vim_details['volumes']])

    def leave_out(self, vnfc, storage_id):
        return dataclasses.replace(
            vnfc, storage_resources=tuple(
                s for s in vnfc.storage_resources if s['id'] != storage_id),
            left_out=tuple(s for s in vnfc.storage_resources
                           if s['id'] == storage_id))

    def test_image_backed_leaves_a_volume_out(self):
        vnfc = self.leave_out(self.image_backed(data_volumes=2), 'vsr-1')
        _, result = self.snapshot(vnfc)
        self.assertEqual(['vsr-0'], [s['storageResourceId'] for s in
                                     result.storage_snapshot_resources])
        self.assertEqual(['/dev/vdb'], [v['device'] for v in
                                        result.vim_details['volumes']])
        self.assertEqual(1, len(self.cloud.snapshots))

    def test_volume_backed_leaves_out_only_detached_volumes(self):
        full = self.volume_backed(data_volumes=2)
        vnfc = self.leave_out(full, 'vsr-1')
        e = self.assertRaises(exception.VimCapabilityMissing,
                              self.snapshot, vnfc)
        self.assertIn('detachDisksBefore', str(e))
        volume = full.storage_resources[2]
        detached = self.driver.detach_volume(vnfc, volume)
        self.assertEqual({'device': '/dev/vdc',
                          'deleteOnTermination': False}, detached)
        self.assertIsNone(self.driver.detach_volume(vnfc, volume))
        _, result = self.snapshot(vnfc)
        self.assertEqual({'vsr-root', 'vsr-0'},
                         {s['storageResourceId'] for s in
                          result.storage_snapshot_resources})
        # A detach whose result died with the conductor: the volume of
        # the VNFC is attached nowhere, so it goes back (Nova's device).
        self.assertEqual({'device': None},
                         self.driver.detached_volume(vnfc, volume))
        self.driver.attach_volume(vnfc, volume, detached)
        self.driver.attach_volume(vnfc, volume, detached)   # idempotent
        self.assertIsNone(self.driver.detached_volume(vnfc, volume))
        self.assertEqual(1, len(self.cloud.called('attach_volume')))
        self.assertEqual(volume['storageResource']['resourceId'],
                         self.volume_at(vnfc, '/dev/vdc')['id'])
        e = self.assertRaises(exception.VimCapabilityMissing,
                              self.driver.detach_volume, vnfc,
                              full.storage_resources[0])
        self.assertIn('root volume', str(e))

    def test_vnf_wide_pause(self):
        # The flow pauses the server; the driver captures it as it is and
        # records it as running, so a revert brings it back running.
        vnfc = self.image_backed(data_volumes=2)
        self.assertTrue(self.driver.capabilities(vnfc).pause)
        self.assertTrue(self.driver.pause_vnfc(vnfc))
        self.assertEqual('PAUSED', self.server(vnfc)['status'])
        result = self.driver.create_vnfc_snapshot(vnfc, 'snap-1', False,
                                                  False, paused=True)
        self.assertEqual([], self.cloud.called('unpause_server'))
        captures = [e for e in self.cloud.events
                    if e[0] in ('capture-root', 'snapshot')]
        self.assertEqual({'PAUSED'}, {e[2] for e in captures})
        self.assertEqual('running', result.vim_details['state'])
        self.assertTrue(result.vim_details['paused_with_vnf'])
        self.assertFalse(result.vim_details['paused_for_capture'])
        self.assertEqual('none', result.vim_details['nova_quiesce'])
        self.driver.unpause_vnfc(vnfc)
        self.assertEqual('ACTIVE', self.server(vnfc)['status'])
        # Neither touches a server that is not running / not paused.
        self.assertFalse(self.driver.pause_vnfc(
            self.image_backed(status='SHUTOFF')))
        self.driver.unpause_vnfc(vnfc)
        self.assertEqual(1, len(self.cloud.called('unpause_server')))

    def test_power_state_stop_and_start(self):
        vnfc = self.image_backed(status='PAUSED')
        self.assertEqual('paused', self.driver.power_state(vnfc))
        self.driver.stop_vnfc(vnfc)
        self.assertEqual('SHUTOFF', self.server(vnfc)['status'])
        self.driver.stop_vnfc(vnfc)
        self.assertEqual(1, len(self.cloud.called('stop_server')))
        self.driver.start_vnfc(vnfc)
        self.driver.start_vnfc(vnfc)
        self.assertEqual('ACTIVE', self.server(vnfc)['status'])
        self.assertEqual(1, len(self.cloud.called('start_server')))

    def test_stopped_server_is_not_paused(self):
        vnfc = self.image_backed(status='SHUTOFF')
        _, result = self.snapshot(vnfc)
        self.assertEqual([], self.cloud.called('pause_server'))
        self.assertEqual('shutoff', result.vim_details['state'])

    def test_no_agent_no_attempt(self):
        vnfc = self.image_backed({}, data_volumes=0)
        _, result = self.snapshot(vnfc)
        self.assertEqual('none', result.vim_details['nova_quiesce'])
        self.assertEqual(states.CONSISTENCY_CRASH, result.consistency_level)

    def test_pause_disabled_refuses_instead_of_mixed_instants(self):
        self.conf.config(pause_multi_disk_vnfcs=False, group='openstack')
        vnfc = self.image_backed()
        e = self.assertRaises(exception.VimCapabilityMissing,
                              self.snapshot, vnfc)
        self.assertIn('different instants', e.message)
        self.assertEqual([], self.cloud.called('create_server_image'))

    def test_quiesce_asked_where_nova_cannot(self):
        vnfc = self.volume_backed({'hw_qemu_guest_agent': 'yes'})
        e = self.assertRaises(exception.VimCapabilityMissing,
                              self.snapshot, vnfc, True)
        self.assertIn('os_require_quiesce', e.message)
        self.assertEqual([], self.cloud.called('create_server_image'))

    def test_volume_backed_one_freeze_for_all_volumes(self):
        vnfc = self.volume_backed(data_volumes=2)
        _, result = self.snapshot(vnfc, quiesced=True)
        details = result.vim_details
        self.assertEqual('volume', details['boot'])
        self.assertEqual('/dev/vda', details['root']['device'])
        root_snap = self.cloud.snapshots[details['root']['snapshot_id']]
        self.assertEqual(b'root-v1', root_snap['data'])
        self.assertEqual(['/dev/vdb', '/dev/vdc'],
                         [v['device'] for v in details['volumes']])
        self.assertEqual({'vsr-root', 'vsr-0', 'vsr-1'},
                         {s['storageResourceId'] for s in
                          result.storage_snapshot_resources})
        self.assertEqual(states.CONSISTENCY_FILESYSTEM,
                         result.consistency_level)
        server_id = self.server(vnfc)['id']
        freeze = self.cloud.events.index(('freeze', server_id, 'ACTIVE'))
        thaw = self.cloud.events.index(('thaw', server_id, 'ACTIVE'))
        self.assertEqual(3, len([e for e in self.cloud.events[freeze:thaw]
                                 if e[0] == 'snapshot']))
        self.assertEqual([], self.cloud.called('pause_server'))

    def test_refusals(self):
        e = self.assertRaises(exception.VimError, self.snapshot,
                              self.image_backed(status='ERROR'))
        self.assertIn('only ACTIVE, PAUSED and SHUTOFF', e.message)
        vnfc = self.image_backed()
        self.server(vnfc)['task_state'] = 'migrating'
        e = self.assertRaises(exception.VimError, self.snapshot, vnfc)
        self.assertIn('busy (migrating)', e.message)
        e = self.assertRaises(exception.VimCapabilityMissing, self.snapshot,
                              self.image_backed(ephemeral_gb=10))
        self.assertIn('ephemeral disk', e.message)
        vnfc = self.image_backed()
        stray = self.cloud.add_volume()
        vnfc = self.vnfc(vnfc.compute_resource['resourceId'],
                         [('vsr-x', stray)])
        e = self.assertRaises(exception.VimError, self.snapshot, vnfc)
        self.assertIn('not attached to its server', e.message)
        e = self.assertRaises(exception.VimError, self.snapshot,
                              self.vnfc('no-such-server'))
        self.assertIn('does not exist on the VIM', e.message)
        self.assertEqual([], self.cloud.called('create_server_image'))

    def test_failed_volume_snapshot_cleans_up_and_unpauses(self):
        vnfc = self.image_backed(data_volumes=2)
        images = len(self.cloud.images)
        self.fail_second_snapshot('HTTP 413: snapshot quota exceeded')
        e = self.assertRaises(exception.VimError, self.snapshot, vnfc)
        self.assertIn('quota exceeded', e.message)
        self.assert_nothing_left(images)
        self.assertEqual('ACTIVE', self.server(vnfc)['status'])

    def test_killed_image_cleans_up(self):
        vnfc = self.image_backed(data_volumes=0)
        images = len(self.cloud.images)

        def killed(server_id, image_id):
            self.cloud.images[image_id]['status'] = 'killed'
        self.cloud.after['create_server_image'] = killed
        e = self.assertRaises(exception.VimError, self.snapshot, vnfc)
        self.assertIn('went killed', e.message)
        self.assert_nothing_left(images)

    def test_image_upload_timeout(self):
        self.conf.config(image_timeout=1, poll_interval=0.2,
                         group='openstack')
        vnfc = self.image_backed(data_volumes=0)
        images = len(self.cloud.images)

        def stuck(server_id, image_id):
            self.cloud.images[image_id]['status'] = 'saving'
        self.cloud.after['create_server_image'] = stuck
        e = self.assertRaises(exception.VimError, self.snapshot, vnfc)
        self.assertIn('still saving after 1 s ([openstack]image_timeout)',
                      e.message)
        self.assert_nothing_left(images)

    def test_failed_create_image_removes_snapshots_nova_made(self):
        vnfc = self.volume_backed(data_volumes=1)
        images = len(self.cloud.images)

        def half_done(server_id, image_id):
            del self.cloud.images[image_id]
            raise exception.VimError(reason='HTTP 500: image service down')
        self.cloud.after['create_server_image'] = half_done
        e = self.assertRaises(exception.VimError, self.snapshot, vnfc)
        self.assertIn('image service down', e.message)
        self.assert_nothing_left(images)

    def test_quiesce_failure_leaves_nothing(self):
        vnfc = self.volume_backed()
        self.server(vnfc)['agent_answers'] = False
        images = len(self.cloud.images)
        e = self.assertRaises(exception.VimError, self.snapshot, vnfc, True)
        self.assertIn('quiescing server', e.message)
        self.assert_nothing_left(images)


class RevertTestCase(DriverTestCase):

    def change_everything(self, vnfc):
        """The guest writes after the snapshot."""
        server = self.server(vnfc)
        if server['image_id']:
            server['disk'] = b'root-v2'
        for volume_id, _, _ in server['attachments']:
            self.cloud.volumes[volume_id]['data'] += b'+v2'


class TestRevert(RevertTestCase):

    def test_image_backed_revert_brings_data_back(self):
        vnfc = self.image_backed(data_volumes=2)
        server_id = self.server(vnfc)['id']
        old = [self.volume_at(vnfc, d)['id']
               for d in ('/dev/vdb', '/dev/vdc')]
        snap, _ = self.snapshot(vnfc)
        self.change_everything(vnfc)
        self.driver.check_revert(vnfc, snap)
        result = self.revert(vnfc, snap)
        server = self.server(vnfc)
        self.assertEqual(server_id, server['id'])
        self.assertEqual(b'root-v1', server['disk'])
        # Started once Nova had stopped it again after the rebuild.
        self.assertEqual('ACTIVE', server['status'])
        self.assertEqual([], self.cloud.transients[server_id])
        self.assertEqual(1, len(self.cloud.called('start_server')))
        self.assertEqual(b'data-0', self.volume_at(vnfc, '/dev/vdb')['data'])
        self.assertEqual(b'data-1', self.volume_at(vnfc, '/dev/vdc')['data'])
        self.assertEqual(
            [{'storageResourceId': 'vsr-%d' % i, 'device': d,
              'oldResourceId': old[i],
              'resourceId': self.volume_at(vnfc, d)['id'],
              'restoredBy': 'new-volume'}
             for i, d in enumerate(('/dev/vdb', '/dev/vdc'))],
            result['volumes'])
        # The old volumes are the snapshots' parents: kept and marked.
        self.assertEqual(old, result['retainedVolumes'])
        for volume_id in old:
            self.assertIn('vnfsnap_replaced_by',
                          self.cloud.volumes[volume_id]['metadata'])
        # New volumes were made while the VNFC still ran, and were in
        # place when Nova booted the rebuilt guest.
        calls = [m for m, _ in self.cloud.calls]
        self.assertLess(calls.index('create_volume'),
                        calls.index('stop_server'))
        self.assertLess(calls.index('detach_volume'),
                        calls.index('attach_volume'))
        self.assertLess(calls.index('attach_volume'),
                        calls.index('rebuild_server'))
        rebuild = [e for e in self.cloud.events if e[0] == 'rebuild']
        self.assertEqual([('rebuild', server_id, 'SHUTOFF', tuple(
            v['resourceId'] for v in result['volumes']))], rebuild)
        self.assertEqual([], self.cloud.called('revert_volume'))

    def test_state_after_revert(self):
        vnfc = self.image_backed()
        snap, _ = self.snapshot(vnfc)
        self.revert(vnfc, snap, 'paused')
        self.assertEqual('PAUSED', self.server(vnfc)['status'])
        self.revert(vnfc, snap, 'shutoff')
        self.assertEqual('SHUTOFF', self.server(vnfc)['status'])
        # Default: the state the snapshot was taken in.
        self.revert(vnfc, snap)
        self.assertEqual('ACTIVE', self.server(vnfc)['status'])

    def test_paused_server_is_unpaused_to_stop(self):
        vnfc = self.image_backed(status='PAUSED')
        snap, _ = self.snapshot(vnfc)
        self.change_everything(vnfc)
        self.revert(vnfc, snap)
        self.assertEqual('PAUSED', self.server(vnfc)['status'])
        self.assertEqual(b'root-v1', self.server(vnfc)['disk'])

    def test_volume_backed_root_reimaged_from_its_snapshot(self):
        vnfc = self.volume_backed(data_volumes=1)
        root_id = self.volume_at(vnfc, '/dev/vda')['id']
        snap, _ = self.snapshot(vnfc, quiesced=True)
        self.change_everything(vnfc)
        volumes, images = len(self.cloud.volumes), len(self.cloud.images)
        result = self.revert(vnfc, snap)
        root = self.volume_at(vnfc, '/dev/vda')
        self.assertEqual(root_id, root['id'])
        self.assertEqual(b'root-v1', root['data'])
        self.assertEqual(AGENT['hw_qemu_guest_agent'],
                         root['image_metadata']['hw_qemu_guest_agent'])
        self.assertEqual(b'data-0', self.volume_at(vnfc, '/dev/vdb')['data'])
        # The temporary volume and image of the root are gone; one new data
        # volume, the old one kept for its snapshot.
        self.assertEqual(images, len(self.cloud.images))
        self.assertEqual(volumes + 1, len(self.cloud.volumes))
        self.assertEqual(1, len(result['retainedVolumes']))

    def test_volume_backed_needs_2_93(self):
        vnfc = self.volume_backed()
        snap, _ = self.snapshot(vnfc)
        self.cloud.compute = (2, 92)
        e = self.assertRaises(exception.VimCapabilityMissing,
                              self.driver.check_revert, vnfc, snap)
        self.assertIn('needs Compute API 2.93', e.message)
        self.assertIn('2.92', e.message)
        self.assertRaises(exception.VimCapabilityMissing,
                          self.revert, vnfc, snap)
        self.assertEqual([], self.cloud.called('stop_server'))

    def test_native_revert_only_for_trusted_types(self):
        vnfc = self.image_backed()
        volume_id = self.volume_at(vnfc, '/dev/vdb')['id']
        snap, _ = self.snapshot(vnfc)
        self.change_everything(vnfc)
        self.revert(vnfc, snap)
        self.assertEqual([], self.cloud.called('revert_volume'))
        self.conf.config(native_revert_volume_types=['standard'],
                         group='openstack')
        vnfc = self.image_backed()
        volume_id = self.volume_at(vnfc, '/dev/vdb')['id']
        snap, _ = self.snapshot(vnfc)
        self.change_everything(vnfc)
        result = self.revert(vnfc, snap)
        self.assertEqual([(volume_id, snap['vim_details']['volumes'][0][
            'snapshot_id'])], self.cloud.called('revert_volume'))
        self.assertEqual(volume_id, self.volume_at(vnfc, '/dev/vdb')['id'])
        self.assertEqual(b'data-0', self.volume_at(vnfc, '/dev/vdb')['data'])
        self.assertEqual('cinder-revert',
                         result['volumes'][0]['restoredBy'])
        self.assertEqual([], result['retainedVolumes'])

    def test_native_revert_not_to_an_older_snapshot(self):
        self.conf.config(native_revert_volume_types=['standard'],
                         group='openstack')
        vnfc = self.image_backed()
        older, _ = self.snapshot(vnfc)
        self.snapshot(vnfc)
        self.change_everything(vnfc)
        result = self.revert(vnfc, older)
        self.assertEqual([], self.cloud.called('revert_volume'))
        self.assertEqual('new-volume', result['volumes'][0]['restoredBy'])
        self.assertEqual(b'data-0', self.volume_at(vnfc, '/dev/vdb')['data'])

    def test_native_revert_needs_3_40(self):
        self.conf.config(native_revert_volume_types=['standard'],
                         group='openstack')
        self.cloud.volume = (3, 39)
        vnfc = self.image_backed()
        snap, _ = self.snapshot(vnfc)
        result = self.revert(vnfc, snap)
        self.assertEqual('new-volume', result['volumes'][0]['restoredBy'])

    def test_second_revert_without_updated_record(self):
        """The VNF record still names the replaced volume: the volume now
        at that device is the one to replace; the first replacement, with
        no snapshot of its own, is deleted."""
        vnfc = self.image_backed()
        snap, _ = self.snapshot(vnfc)
        self.change_everything(vnfc)
        first = self.revert(vnfc, snap)
        self.change_everything(vnfc)
        second = self.revert(vnfc, snap)
        replaced = first['volumes'][0]['resourceId']
        self.assertEqual(replaced, second['volumes'][0]['oldResourceId'])
        self.assertNotIn(replaced, self.cloud.volumes)
        self.assertEqual([], second['retainedVolumes'])
        self.assertEqual(b'data-0', self.volume_at(vnfc, '/dev/vdb')['data'])

    def test_check_revert_refusals(self):
        vnfc = self.image_backed()
        snap, _ = self.snapshot(vnfc)
        other = self.image_backed()
        moved = self.vnfc(other.compute_resource['resourceId'],
                          vnfc.storage_resources)
        e = self.assertRaises(exception.VimError, self.driver.check_revert,
                              moved, snap)
        self.assertIn('cannot be reverted onto another server', e.message)
        volume_snapshot = snap['vim_details']['volumes'][0]['snapshot_id']
        del self.cloud.snapshots[volume_snapshot]
        e = self.assertRaises(exception.VimError, self.driver.check_revert,
                              vnfc, snap)
        self.assertIn('volume snapshot %s' % volume_snapshot, e.message)
        del self.cloud.images[snap['vim_details']['image_id']]
        e = self.assertRaises(exception.VimError, self.driver.check_revert,
                              vnfc, snap)
        self.assertIn('is gone', e.message)
        e = self.assertRaises(exception.VimError, self.driver.check_revert,
                              vnfc, {'id': 'x', 'vim_details': {}})
        self.assertIn('holds no OpenStack snapshot', e.message)
        self.assertEqual([], self.cloud.called('stop_server'))


class TestRevertFailures(RevertTestCase):

    def prepared(self):
        vnfc = self.image_backed(data_volumes=2)
        snap, _ = self.snapshot(vnfc)
        self.change_everything(vnfc)
        self.before = {d: self.volume_at(vnfc, d)['id']
                       for d in ('/dev/vdb', '/dev/vdc')}
        self.volume_count = len(self.cloud.volumes)
        return vnfc, snap

    def assert_put_back(self, vnfc, status):
        self.assertEqual(self.before, {d: self.volume_at(vnfc, d)['id']
                                       for d in ('/dev/vdb', '/dev/vdc')})
        self.assertEqual(self.volume_count, len(self.cloud.volumes))
        self.assertEqual(status, self.server(vnfc)['status'])

    def test_failure_before_the_rebuild_puts_everything_back(self):
        vnfc, snap = self.prepared()
        original = self.cloud.detach_volume
        detached = []

        def detach(server_id, volume_id):
            if detached:
                raise exception.VimError(reason='HTTP 500: detach failed')
            detached.append(volume_id)
            original(server_id, volume_id)
        self.cloud.detach_volume = detach
        e = self.assertRaises(exception.VimError,
                              self.revert, vnfc, snap)
        self.assertIn('detach failed', e.message)
        self.assert_put_back(vnfc, 'ACTIVE')
        self.assertEqual(b'root-v2', self.server(vnfc)['disk'])
        self.assertEqual([], self.cloud.called('rebuild_server'))

    def test_rebuild_refused_puts_everything_back_running(self):
        vnfc, snap = self.prepared()
        self.cloud.fail['rebuild_server'] = exception.VimError(
            reason='HTTP 409: locked')
        e = self.assertRaises(exception.VimError,
                              self.revert, vnfc, snap)
        self.assertIn('locked', e.message)
        self.assert_put_back(vnfc, 'ACTIVE')

    def test_failed_rebuild_leaves_the_vnfc_stopped(self):
        vnfc, snap = self.prepared()

        def error(server_id, image_id):
            self.cloud.servers[server_id]['status'] = 'ERROR'
            self.cloud.transients[server_id] = []
        self.cloud.after['rebuild_server'] = error
        e = self.assertRaises(exception.VimError,
                              self.revert, vnfc, snap)
        self.assertIn('went ERROR', e.message)
        self.assert_put_back(vnfc, 'SHUTOFF')
        self.assertIn('stays stopped', self.log.output)

    def test_failed_attach_puts_everything_back_running(self):
        vnfc, snap = self.prepared()
        attached = []
        original = self.cloud.attach_volume

        def attach(server_id, volume_id, device, dot=False):
            if len(attached) == 1 and volume_id not in self.before.values():
                raise exception.VimError(reason='HTTP 500: attach failed')
            attached.append(volume_id)
            original(server_id, volume_id, device, dot)
        self.cloud.attach_volume = attach
        e = self.assertRaises(exception.VimError,
                              self.revert, vnfc, snap)
        self.assertIn('attach failed', e.message)
        self.assert_put_back(vnfc, 'ACTIVE')
        self.assertEqual(b'data-0+v2',
                         self.volume_at(vnfc, '/dev/vdb')['data'])
        self.assertEqual(b'root-v2', self.server(vnfc)['disk'])
        # A retry completes the revert.
        self.cloud.attach_volume = original
        self.revert(vnfc, snap)
        self.assertEqual(b'data-0', self.volume_at(vnfc, '/dev/vdb')['data'])
        self.assertEqual(b'root-v1', self.server(vnfc)['disk'])
        self.assertEqual('ACTIVE', self.server(vnfc)['status'])

    def test_failure_after_a_cinder_revert_leaves_the_vnfc_stopped(self):
        self.conf.config(native_revert_volume_types=['standard'],
                         group='openstack')
        vnfc, snap = self.prepared()
        self.cloud.fail['rebuild_server'] = exception.VimError(
            reason='HTTP 409: locked')
        e = self.assertRaises(exception.VimError,
                              self.revert, vnfc, snap)
        self.assertIn('locked', e.message)
        self.assert_put_back(vnfc, 'SHUTOFF')
        self.assertEqual(b'data-0', self.volume_at(vnfc, '/dev/vdb')['data'])
        self.assertIn('Cinder reverted volumes', self.log.output)

    def test_state_not_reached_after_a_complete_revert(self):
        vnfc, snap = self.prepared()

        def start_will_fail(*args):
            self.cloud.fail['start_server'] = exception.VimError(
                reason='HTTP 409: no host')
        self.cloud.after['rebuild_server'] = start_will_fail
        e = self.assertRaises(exception.VimError,
                              self.revert, vnfc, snap)
        self.assertIn('is reverted (volumes now', e.message)
        self.assertIn('could not be brought into state running', e.message)
        self.assertIn('no host', e.message)
        self.assertEqual(b'root-v1', self.server(vnfc)['disk'])
        self.assertEqual(b'data-0', self.volume_at(vnfc, '/dev/vdb')['data'])
        self.assertIn(self.volume_at(vnfc, '/dev/vdb')['id'], e.message)

    def fail_at(self, name):
        """The revert step ``name`` fails before it does anything."""
        steps = functools.partial(type(self.driver).revert_steps,
                                  self.driver)

        def boom(done):
            raise exception.VimError(reason='injected at %s' % name)

        def failing(*args):
            return [dataclasses.replace(s, do=boom) if s.name == name else s
                    for s in steps(*args)]
        self.driver.revert_steps = failing
        self.addCleanup(vars(self.driver).pop, 'revert_steps', None)

    def test_a_failure_at_each_step_undoes_the_steps_before_it(self):
        vnfc, snap = self.prepared()
        names = [s.name for s in self.driver.revert_steps(vnfc, snap)]
        self.assertEqual(
            ['plan', 'new-volume-0', 'new-volume-1', 'new-volumes-ready',
             'root-image', 'power-off', 'detach-0', 'detach-1',
             'cinder-revert-0', 'cinder-revert-1', 'attach-0', 'attach-1',
             'rebuild', 'rebuilt', 'swap', 'power'], names)
        for name in names[:names.index('swap') + 1]:
            with self.subTest(step=name):
                vnfc, snap = self.prepared()
                made = (len(self.cloud.images), len(self.cloud.snapshots))
                self.fail_at(name)
                e = self.assertRaises(exception.VimError, self.revert, vnfc,
                                      snap)
                self.assertIn('injected at %s' % name, e.message)
                # Once Nova took the rebuild the VNFC stays stopped, with
                # its own volumes; before, it runs again as it was.
                rebuilt = names.index(name) > names.index('rebuild')
                self.assert_put_back(vnfc, 'SHUTOFF' if rebuilt
                                     else 'ACTIVE')
                self.assertEqual(b'root-v1' if rebuilt else b'root-v2',
                                 self.server(vnfc)['disk'])
                self.assertEqual(b'data-0+v2',
                                 self.volume_at(vnfc, '/dev/vdb')['data'])
                self.assertEqual(made, (len(self.cloud.images),
                                        len(self.cloud.snapshots)))

    def test_failure_after_the_swap_keeps_the_revert(self):
        vnfc, snap = self.prepared()
        self.fail_at('power')
        e = self.assertRaises(exception.VimError, self.revert, vnfc, snap)
        self.assertIn('injected at power', e.message)
        self.assertEqual(b'root-v1', self.server(vnfc)['disk'])
        self.assertEqual(b'data-0', self.volume_at(vnfc, '/dev/vdb')['data'])
        self.assertEqual(b'data-1', self.volume_at(vnfc, '/dev/vdc')['data'])
        self.assertNotEqual(self.before['/dev/vdb'],
                            self.volume_at(vnfc, '/dev/vdb')['id'])
        self.assertIn('stays reverted', self.log.output)

    def test_a_completed_revert_stays_when_a_later_step_fails(self):
        """E.g. the revert of the next VNFC, or the VNF's "done" notice:
        nothing undoes the VNFC's revert once it completed."""
        vnfc, snap = self.prepared()
        before, after, _ = vnfc_revert.vim_steps(
            vnfc, self.driver.revert_steps(vnfc, snap))

        class Later(task.Task):
            def execute(self):
                raise exception.VimError(reason='next VNFC failed')
        flow = linear_flow.Flow('vnf').add(*before, *after, Later())
        e = self.assertRaises(exception.VimError, engines.run, flow)
        self.assertIn('next VNFC failed', e.message)
        self.assertEqual('ACTIVE', self.server(vnfc)['status'])
        self.assertEqual(b'root-v1', self.server(vnfc)['disk'])
        self.assertEqual(b'data-0', self.volume_at(vnfc, '/dev/vdb')['data'])
        self.assertEqual(b'data-1', self.volume_at(vnfc, '/dev/vdc')['data'])

    def test_volume_backed_temporary_root_image_goes_on_failure(self):
        vnfc = self.volume_backed(data_volumes=1)
        snap, _ = self.snapshot(vnfc, quiesced=True)
        self.change_everything(vnfc)
        counts = (len(self.cloud.images), len(self.cloud.volumes))
        self.fail_at('detach-0')
        self.assertRaises(exception.VimError, self.revert, vnfc, snap)
        self.assertEqual(1, len(self.cloud.called('upload_volume_to_image')))
        self.assertEqual(counts, (len(self.cloud.images),
                                  len(self.cloud.volumes)))
        self.assertEqual(b'data-0+v2',
                         self.volume_at(vnfc, '/dev/vdb')['data'])
        self.assertEqual('ACTIVE', self.server(vnfc)['status'])


class TestDelete(RevertTestCase):

    def test_delete_removes_image_and_snapshots_and_is_idempotent(self):
        vnfc = self.image_backed(data_volumes=2)
        images, volumes = len(self.cloud.images), len(self.cloud.volumes)
        snap, _ = self.snapshot(vnfc)
        self.driver.delete_vnfc_snapshot(snap)
        self.assert_nothing_left(images)
        self.assertEqual(volumes, len(self.cloud.volumes))
        self.driver.delete_vnfc_snapshot(snap)
        self.driver.delete_vnfc_snapshot({'id': 'x', 'vim_details': None})

    def test_volume_replaced_by_a_revert_goes_with_its_last_snapshot(self):
        vnfc = self.image_backed()
        snap, _ = self.snapshot(vnfc)
        result = self.revert(vnfc, snap)
        kept = result['retainedVolumes'][0]
        self.assertIn(kept, self.cloud.volumes)
        self.driver.delete_vnfc_snapshot(snap)
        self.assertNotIn(kept, self.cloud.volumes)
        self.assertIn(result['volumes'][0]['resourceId'],
                      self.cloud.volumes)

    def test_busy_snapshot_is_reported_the_rest_deleted(self):
        vnfc = self.image_backed(data_volumes=2)
        snap, _ = self.snapshot(vnfc)
        busy = snap['vim_details']['volumes'][0]['snapshot_id']
        self.cloud.busy_snapshots.add(busy)
        e = self.assertRaises(exception.VimError,
                              self.driver.delete_vnfc_snapshot, snap)
        self.assertIn(busy, e.message)
        self.assertEqual({busy}, set(self.cloud.snapshots))
        self.assertNotIn(snap['vim_details']['image_id'], self.cloud.images)


class TestExportImport(RevertTestCase):

    def setUp(self):
        super().setUp()
        self.dir = self.useFixture(fixtures.TempDir()).path

    def read(self, *path):
        with open(os.path.join(self.dir, *path), 'rb') as f:
            return f.read()

    def test_export_relative_to_a_base_is_refused(self):
        # An incremental package needs the changed blocks; neither Glance
        # nor Cinder tells them: refused with that reason, nothing made.
        vnfc = self.image_backed(data_volumes=1)
        base_snap, _ = self.snapshot(vnfc)
        snap, _ = self.snapshot(vnfc)
        images, volumes = len(self.cloud.images), len(self.cloud.volumes)
        e = self.assertRaises(exception.VimCapabilityMissing,
                              self.driver.export_vnfc_snapshot, snap,
                              self.dir, base=base_snap)
        self.assertIn('as a delta of VNFC snapshot', e.message)
        self.assertIn('neither API tells which blocks changed', e.message)
        self.assertEqual([], os.listdir(self.dir))
        self.assertEqual((images, volumes), (len(self.cloud.images),
                                             len(self.cloud.volumes)))
        self.assertFalse(self.driver.capabilities().incremental_package)

    def test_import_of_a_delta_is_refused(self):
        vnfc = self.image_backed()
        with open(os.path.join(self.dir, 'vnfc-snapshot.json'), 'w') as f:
            json.dump({'state': 'running', 'memory': None, 'disks': [
                {'target': 'root', 'file': 'disk-root.delta.qcow2',
                 'baseFile': 'base-disk-root.qcow2', 'diskFormat': 'qcow2',
                 'containerFormat': 'bare'}]}, f)
        e = self.assertRaises(exception.VimCapabilityMissing,
                              self.driver.import_vnfc_snapshot, vnfc,
                              self.dir)
        self.assertIn('incremental package', e.message)

    def test_export_image_backed(self):
        vnfc = self.image_backed(data_volumes=1)
        snap, _ = self.snapshot(vnfc)
        images, volumes = len(self.cloud.images), len(self.cloud.volumes)
        desc = self.driver.export_vnfc_snapshot(snap, self.dir)
        self.assertEqual(
            {'state': 'running', 'quiesced': False, 'memory': None,
             'domainXml': None,
             'disks': [{'target': 'root', 'file': 'disk-root.qcow2',
                        'diskFormat': 'qcow2', 'containerFormat': 'bare',
                        'storageResourceId': None},
                       {'target': 'vdb', 'file': 'disk-vdb.qcow2',
                        'diskFormat': 'qcow2', 'containerFormat': 'bare',
                        'storageResourceId': 'vsr-0'}]}, desc)
        self.assertEqual(desc, json.loads(self.read('vnfc-snapshot.json')))
        self.assertEqual(b'root-v1', self.read('disk-root.qcow2'))
        self.assertEqual(b'data-0', self.read('disk-vdb.qcow2'))
        self.assertEqual(['disk-root.qcow2', 'disk-vdb.qcow2',
                          'vnfc-snapshot.json'], sorted(os.listdir(self.dir)))
        # Temporary volume and image of the volume snapshot are gone.
        self.assertEqual((images, volumes), (len(self.cloud.images),
                                             len(self.cloud.volumes)))

    def test_export_volume_backed_uses_the_root_snapshot(self):
        self.conf.config(volume_image_disk_format='raw', group='openstack')
        vnfc = self.volume_backed(data_volumes=0)
        snap, _ = self.snapshot(vnfc)
        desc = self.driver.export_vnfc_snapshot(snap, self.dir)
        self.assertEqual([{'target': 'vda', 'file': 'disk-vda.raw',
                           'diskFormat': 'raw', 'containerFormat': 'bare',
                           'storageResourceId': 'vsr-root'}], desc['disks'])
        self.assertEqual(b'root-v1', self.read('disk-vda.raw'))

    def test_export_refuses_other_formats(self):
        vnfc = self.image_backed(data_volumes=0)
        snap, _ = self.snapshot(vnfc)
        self.cloud.images[snap['vim_details']['image_id']][
            'disk_format'] = 'vmdk'
        e = self.assertRaises(exception.VimError,
                              self.driver.export_vnfc_snapshot, snap,
                              self.dir)
        self.assertIn('vmdk', e.message)

    def test_round_trip_into_another_vnf(self):
        source = self.image_backed(data_volumes=1)
        snap, _ = self.snapshot(source)
        self.driver.export_vnfc_snapshot(snap, self.dir)
        target = self.image_backed(data_volumes=1)
        self.change_everything(target)
        result = self.driver.import_vnfc_snapshot(
            target, self.dir, consistency_level=states.CONSISTENCY_CRASH)
        image = self.cloud.images[
            result.compute_snapshot_resource['resourceId']]
        self.assertEqual(b'root-v1', image['data'])
        # Boot properties come from the target server's image.
        self.assertEqual('yes', image['properties']['hw_qemu_guest_agent'])
        self.assertEqual('k-1', image['properties']['kernel_id'])
        self.assertEqual(['vsr-0'], [s['storageResourceId'] for s in
                                     result.storage_snapshot_resources])
        self.assertTrue(result.vim_details['imported'])
        self.revert(target, {
            'id': 'imported', 'vim_details': result.vim_details})
        self.assertEqual(b'root-v1', self.server(target)['disk'])
        self.assertEqual(b'data-0',
                         self.volume_at(target, '/dev/vdb')['data'])
        # The holder volume goes with the snapshot.
        holder = result.vim_details['volumes'][0]['holder_volume_id']
        self.assertIn(holder, self.cloud.volumes)
        self.driver.delete_vnfc_snapshot({'id': 'imported',
                                          'vim_details': result.vim_details})
        self.assertNotIn(holder, self.cloud.volumes)

    def test_import_volume_backed_rebuilds_from_the_imported_image(self):
        source = self.volume_backed(data_volumes=1)
        snap, _ = self.snapshot(source)
        self.driver.export_vnfc_snapshot(snap, self.dir)
        target = self.volume_backed(data_volumes=1)
        self.change_everything(target)
        result = self.driver.import_vnfc_snapshot(target, self.dir)
        details = result.vim_details
        self.assertEqual(details['image_id'], details['rebuild_image_id'])
        uploads = len(self.cloud.called('upload_volume_to_image'))
        self.revert(target, {'id': 'i', 'vim_details': details})
        self.assertEqual(b'root-v1',
                         self.volume_at(target, '/dev/vda')['data'])
        self.assertEqual(b'data-0',
                         self.volume_at(target, '/dev/vdb')['data'])
        # No root image to make: the imported one is rebuilt from.
        self.assertEqual(uploads,
                         len(self.cloud.called('upload_volume_to_image')))

    def test_import_refuses_memory(self):
        with open(os.path.join(self.dir, 'vnfc-snapshot.json'), 'w') as f:
            json.dump({'state': 'running', 'quiesced': False,
                       'memory': 'memory.save', 'domainXml': 'domain.xml',
                       'disks': []}, f)
        e = self.assertRaises(exception.VimCapabilityMissing,
                              self.driver.import_vnfc_snapshot,
                              self.image_backed(), self.dir)
        self.assertIn('memory state', e.message)

    def exported_and_target(self, data_volumes):
        """A target VNFC for the export of another VNFC's snapshot in
        ``self.dir``, and a function counting the cloud's images, volumes
        and volume snapshots."""
        source = self.image_backed(data_volumes=data_volumes)
        snap, _ = self.snapshot(source)
        self.driver.export_vnfc_snapshot(snap, self.dir)
        return self.image_backed(data_volumes=data_volumes), lambda: (
            len(self.cloud.images), len(self.cloud.volumes),
            len(self.cloud.snapshots))

    def test_failed_import_deletes_what_it_made(self):
        target, counts = self.exported_and_target(2)
        before = counts()
        self.fail_second_snapshot('HTTP 413: quota')
        e = self.assertRaises(exception.VimError,
                              self.driver.import_vnfc_snapshot, target,
                              self.dir)
        self.assertIn('quota', e.message)
        self.assertEqual(before, counts())

    def test_cut_off_import_is_discarded_by_its_name(self):
        target, counts = self.exported_and_target(2)
        before = counts()
        # Finished on the cloud, its result lost with its conductor.
        self.driver.import_vnfc_snapshot(target, self.dir,
                                         name='vnfsnap-import-cut')
        self.assertEqual(['vnfsnap-import-cut-vdb', 'vnfsnap-import-cut-vdc'],
                         sorted(v['name'] for v in self.cloud.volumes.values()
                                if v['name'].startswith('vnfsnap-import')))
        self.assertTrue(self.driver.discard_import(target,
                                                   'vnfsnap-import-cut'))
        self.assertEqual(before, counts())
        # Nothing left to find: nothing to do.
        self.assertTrue(self.driver.discard_import(target,
                                                   'vnfsnap-import-cut'))

    def test_cut_off_import_before_its_volumes(self):
        target, _ = self.exported_and_target(1)
        images = len(self.cloud.images)
        self.cloud.fail['create_volume'] = exception.VimError(
            reason='HTTP 503: conductor gone')
        # The import's own clean-up is what a dying conductor skips.
        self.useFixture(fixtures.MockPatchObject(self.driver, '_discard'))
        self.assertRaises(exception.VimError,
                          self.driver.import_vnfc_snapshot, target, self.dir,
                          name='vnfsnap-import-cut')
        self.assertEqual(images + 2, len(self.cloud.images))
        self.assertTrue(self.driver.discard_import(target,
                                                   'vnfsnap-import-cut'))
        self.assertEqual(images, len(self.cloud.images))

    def test_import_needs_matching_disks(self):
        source = self.image_backed(data_volumes=2)
        snap, _ = self.snapshot(source)
        self.driver.export_vnfc_snapshot(snap, self.dir)
        e = self.assertRaises(exception.VimError,
                              self.driver.import_vnfc_snapshot,
                              self.image_backed(data_volumes=0), self.dir)
        self.assertIn('cannot match the package\'s disks root, vdb, vdc',
                      e.message)


class TestNoSecrets(DriverTestCase):

    def test_nothing_logged_or_returned_carries_the_password(self):
        vnfc = self.image_backed()
        snap, result = self.snapshot(vnfc)
        self.revert(vnfc, snap)
        self.driver.delete_vnfc_snapshot(snap)
        password = VIM['accessInfo']['password']
        self.assertNotIn(password, self.log.output)
        self.assertNotIn(password, json.dumps(snap))


class TestThroughTheApi(test_base.ApiTestCase):
    """The flows drive this driver unchanged: a 2-VNFC VNF (one
    volume-backed, one image-backed) snapshotted and reverted through
    the SOL003 API."""

    def setUp(self):
        super().setUp()
        self.conf.config(poll_interval=0.01, group='openstack')
        self.cloud = openstack_fakes.FakeCloud()
        self.useFixture(fixtures.MockPatch(
            'vnfsnap.vim.openstack.clients.OpenStackClients',
            return_value=self.cloud))
        root = self.cloud.add_volume(b'root-a', bootable=True,
                                     image_metadata=AGENT)
        data_a = self.cloud.add_volume(b'data-a')
        self.vm_a = self.cloud.add_server(root_volume=root,
                                          volumes=[data_a])
        data_b = self.cloud.add_volume(b'data-b')
        self.vm_b = self.cloud.add_server(
            image_id=self.cloud.add_image(b'base', **AGENT), disk=b'root-b',
            volumes=[data_b])
        self.volumes = {'a': data_a, 'b': data_b}
        body = {
            'vnfdId': 'vnfd-1', 'vnfProvider': 'acme',
            'vnfProductName': 'fw', 'vnfSoftwareVersion': '1.0',
            'vnfdVersion': '1.0',
            'vimConnectionInfo': {'vim1': VIM},
            'instantiatedVnfInfo': {
                'flavourId': 'default', 'vnfState': 'STARTED',
                'vnfcResourceInfo': [
                    {'id': 'vnfc-%s' % n, 'vduId': 'VDU1',
                     'computeResource': {'vimConnectionId': 'vim1',
                                         'resourceId': vm},
                     'storageResourceIds': ['vsr-%s' % n]}
                    for n, vm in (('a', self.vm_a), ('b', self.vm_b))],
                'virtualStorageResourceInfo': [
                    {'id': 'vsr-%s' % n, 'virtualStorageDescId': 'data',
                     'storageResource': {'vimConnectionId': 'vim1',
                                         'resourceId': v}}
                    for n, v in self.volumes.items()]}}
        resp = self.post('/vnflcm/v2/vnf_instances', body)
        self.assertEqual(201, resp.status, resp.body)
        self.instance = resp.json
        self.assertNotIn('accessInfo', json.dumps(resp.json))

    def data_at(self, server_id, device):
        return next(self.cloud.volumes[v]['data'] for v, d, _ in
                    self.cloud.servers[server_id]['attachments']
                    if d == device)

    def test_snapshot_and_revert(self):
        info_id, op = self.take_snapshot(self.instance['id'])
        self.assertEqual(states.COMPLETED, op.operation_state,
                         op.error)
        snap = self.get('/vnflcm/v2/vnf_snapshots/%s' % info_id).json
        levels = {v['vnfcResourceInfoId']: v['computeSnapshotResource'][
            'vimLevelAdditionalResourceInfo']['additionalInfo']
            for v in snap['vnfSnapshot']['vnfcSnapshots']}
        self.assertEqual('filesystem', levels['vnfc-a']['consistencyLevel'])
        self.assertEqual('required', levels['vnfc-a']['novaQuiesce'])
        self.assertEqual('crash', levels['vnfc-b']['consistencyLevel'])
        self.assertTrue(levels['vnfc-b']['pausedForCapture'])
        self.cloud.servers[self.vm_b]['disk'] = b'root-b2'
        for volume_id in self.volumes.values():
            self.cloud.volumes[volume_id]['data'] += b'2'
        resp = self.post('/vnflcm/v2/vnf_instances/%s/revert_to_snapshot'
                         % self.instance['id'], {'vnfSnapshotInfoId': info_id})
        op = self.wait_for_op(self.op_id_from(resp))
        self.assertEqual(states.COMPLETED, op.operation_state, op.error)
        self.assertEqual(b'root-b', self.cloud.servers[self.vm_b]['disk'])
        self.assertEqual(b'data-a', self.data_at(self.vm_a, '/dev/vdb'))
        self.assertEqual(b'data-b', self.data_at(self.vm_b, '/dev/vdb'))
        self.assertEqual({'ACTIVE'}, {self.cloud.servers[s]['status']
                                      for s in (self.vm_a, self.vm_b)})
        # The VNF instance now points at the volumes that hold the data.
        inst = db_api.get_vnf_instance(None, self.instance['id'])
        storage = {s['id']: s['storageResource']['resourceId'] for s in
                   inst.instantiated_vnf_info['virtualStorageResourceInfo']}
        for name, server in (('a', self.vm_a), ('b', self.vm_b)):
            attached = {v for v, d, _ in
                        self.cloud.servers[server]['attachments']
                        if d == '/dev/vdb'}
            self.assertEqual({storage['vsr-%s' % name]}, attached)
        # And a second revert works from that record.
        resp = self.post('/vnflcm/v2/vnf_instances/%s/revert_to_snapshot'
                         % self.instance['id'], {'vnfSnapshotInfoId': info_id})
        op = self.wait_for_op(self.op_id_from(resp))
        self.assertEqual(states.COMPLETED, op.operation_state, op.error)

    def test_warm_snapshot_refused(self):
        info_id, op = self.take_snapshot(self.instance['id'],
                                         withMemory=True)
        self.assertEqual(states.FAILED_TEMP, op.operation_state)
        self.assertIn('memory', json.dumps(op.error))
        self.assertEqual([], self.cloud.called('create_server_image'))


class TestGroupSnapshots(RevertTestCase):
    """Data volumes of a consistent-snapshot Cinder group: one group
    snapshot takes them at one instant."""

    def grouped(self, n=2, extra_in_group=False, **group):
        group_id = self.cloud.add_group(**group)
        vnfc = self.image_backed(data_volumes=n, group_id=group_id)
        if extra_in_group:
            self.cloud.add_volume(b'other', group_id=group_id)
        return vnfc

    def test_one_group_snapshot_then_revert_and_delete(self):
        vnfc = self.grouped()
        snap, result = self.snapshot(vnfc)
        self.assertEqual(1, len(self.cloud.called('create_group_snapshot')))
        self.assertEqual([], self.cloud.called('create_snapshot'))
        group_snapshot = result.vim_details['group_snapshot_id']
        self.assertIn(group_snapshot, self.cloud.group_snapshots)
        self.assertEqual(group_snapshot, result.compute_snapshot_resource[
            'vimLevelAdditionalResourceInfo']['additionalInfo'][
                'volumeGroupSnapshot'])
        # Still one instant with the root disk: the server was paused.
        captures = [e for e in self.cloud.events
                    if e[0] in ('capture-root', 'group-snapshot')]
        self.assertEqual(['capture-root', 'group-snapshot'],
                         [e[0] for e in captures])
        self.assertEqual('PAUSED', captures[0][2])
        by_storage = {s['storageResourceId']: s['storageSnapshotResource']
                      for s in result.storage_snapshot_resources}
        self.assertEqual(b'data-1', self.cloud.snapshots[
            by_storage['vsr-1']['resourceId']]['data'])

        self.change_everything(vnfc)
        self.revert(vnfc, snap)
        self.assertEqual(b'data-0', self.volume_at(vnfc, '/dev/vdb')['data'])
        self.assertEqual(b'data-1', self.volume_at(vnfc, '/dev/vdc')['data'])

        self.driver.delete_vnfc_snapshot(snap)
        self.assertEqual({}, self.cloud.group_snapshots)
        self.assertEqual({}, self.cloud.snapshots)

    def test_one_by_one_when_the_group_promises_nothing(self):
        for vnfc in (self.grouped(consistent=False),
                     self.grouped(specs_visible=False),
                     self.grouped(extra_in_group=True),
                     self.grouped(n=1)):
            with self.subTest(vnfc=vnfc.id):
                calls = len(self.cloud.called('create_snapshot'))
                _, result = self.snapshot(vnfc)
                self.assertIsNone(result.vim_details['group_snapshot_id'])
                self.assertEqual(calls + len(vnfc.storage_resources),
                                 len(self.cloud.called('create_snapshot')))
        self.assertEqual([], self.cloud.called('create_group_snapshot'))

    def test_one_by_one_before_block_storage_3_14(self):
        self.cloud.volume = (3, 13)
        _, result = self.snapshot(self.grouped())
        self.assertIsNone(result.vim_details['group_snapshot_id'])
        self.assertEqual([], self.cloud.called('consistent_group'))

    def test_failure_deletes_the_group_snapshot(self):
        vnfc = self.grouped()
        images = len(self.cloud.images)
        self.cloud.fail['list_group_snapshot_members'] = \
            exception.VimError(reason='HTTP 503')
        self.assertRaises(exception.VimError, self.snapshot, vnfc)
        self.assertEqual({}, self.cloud.group_snapshots)
        self.assert_nothing_left(images)
        self.assertEqual('ACTIVE', self.server(vnfc)['status'])


class TestDiscardByName(DriverTestCase):
    """What a capture whose conductor died left, found by the name the
    conductor recorded before it (its intent)."""

    NAME = 'vnfsnap-2b1f0c6e-intent'

    def cut_off(self, vnfc):
        """A capture that finished on the cloud but whose result was lost
        (its conductor died before recording it)."""
        self.driver.create_vnfc_snapshot(vnfc, 'snap-1', False, False,
                                         name=self.NAME)

    def assert_discarded(self, vnfc, images, snapshots=0):
        self.assertTrue(self.driver.discard_vnfc_snapshot(vnfc, self.NAME))
        self.assert_nothing_left(images, snapshots)
        self.assertEqual({}, self.cloud.group_snapshots)
        # Once more: nothing found, nothing to do.
        self.assertTrue(self.driver.discard_vnfc_snapshot(vnfc, self.NAME))

    def test_image_backed(self):
        vnfc = self.image_backed(data_volumes=2)
        # A snapshot of another name on the same volume stays.
        _, kept = self.snapshot(vnfc)
        images, snapshots = len(self.cloud.images), len(self.cloud.snapshots)
        self.cut_off(vnfc)
        self.assertEqual([self.NAME], [
            i['name'] for i in self.cloud.images.values()
            if i['name'].startswith(self.NAME)])
        self.assertEqual(images + 1, len(self.cloud.images))
        self.assertEqual(snapshots + 2, len(self.cloud.snapshots))
        self.assert_discarded(vnfc, images, snapshots)
        self.assertIn(kept.vim_details['image_id'], self.cloud.images)

    def test_volume_backed_snapshots_nova_made(self):
        vnfc = self.volume_backed(data_volumes=1)
        images = len(self.cloud.images)
        self.cut_off(vnfc)
        self.assertEqual(2, len(self.cloud.snapshots))
        self.assert_discarded(vnfc, images)

    def test_group_snapshot(self):
        group_id = self.cloud.add_group()
        vnfc = self.image_backed(data_volumes=2, group_id=group_id)
        images = len(self.cloud.images)
        self.cut_off(vnfc)
        self.assertEqual(1, len(self.cloud.group_snapshots))
        self.assert_discarded(vnfc, images)

    def test_capture_refused_before_it_made_anything(self):
        vnfc = self.image_backed(data_volumes=1)
        images = len(self.cloud.images)
        self.cloud.fail['create_server_image'] = exception.VimError(
            reason='HTTP 409: server is busy (deleting)')
        self.assertRaises(exception.VimError, self.cut_off, vnfc)
        self.assert_discarded(vnfc, images)
        self.assertEqual([], self.cloud.called('delete_image'))

    def test_server_gone_since(self):
        vnfc = self.image_backed(data_volumes=2)
        images, snapshots = len(self.cloud.images), len(self.cloud.snapshots)
        self.cut_off(vnfc)
        self.assertEqual(snapshots + 2, len(self.cloud.snapshots))
        # Deleted (a heal, or by hand): its data volumes stay.
        del self.cloud.servers[vnfc.compute_resource['resourceId']]
        self.assert_discarded(vnfc, images, snapshots)

    def test_what_cannot_be_deleted_fails_the_discard(self):
        vnfc = self.image_backed(data_volumes=1)
        self.cut_off(vnfc)
        self.cloud.fail['delete_snapshot'] = exception.VimError(
            reason='HTTP 400: snapshot is busy')
        e = self.assertRaises(exception.VimError,
                              self.driver.discard_vnfc_snapshot, vnfc,
                              self.NAME)
        self.assertIn('snapshot is busy', e.message)
        self.assertNotIn(self.NAME, [i['name']
                                     for i in self.cloud.images.values()])
