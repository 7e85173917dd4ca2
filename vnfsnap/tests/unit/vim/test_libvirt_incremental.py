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

"""Incremental export and import of the libvirt driver, on real qcow2
chains as its external snapshots leave them (real qemu-img; the domain is
a mock, as neither needs QEMU running)."""

import json
import os
import shutil
import subprocess
from unittest import mock

import fixtures
from oslo_utils import units

from vnfsnap.common import exception
from vnfsnap.tests import base
from vnfsnap.vim import base as vim_base
from vnfsnap.vim.libvirt import driver as libvirt_driver
from vnfsnap.vim.libvirt import images

UUID = '6a1f1c8e-3e0b-4a5e-9a57-7b1f8e6c2d10'
OTHER_UUID = '0b8f2b3e-7f4a-4c1a-8a34-5c6d7e8f9a01'


def _img(*args):
    subprocess.run(['qemu-img', *args], check=True, capture_output=True,
                   timeout=60)


def _io(path, *commands):
    argv = ['qemu-io', '-f', 'qcow2']
    for command in commands:
        argv += ['-c', command]
    subprocess.run(argv + [path], check=True, capture_output=True,
                   timeout=60)


def _allocated(path):
    """Bytes the image itself holds (data or explicit zeros)."""
    out = subprocess.run(['qemu-img', 'map', '-f', 'qcow2',
                          '--output=json', path], check=True,
                         capture_output=True, text=True, timeout=60).stdout
    return sum(e['length'] for e in json.loads(out)
               if e['depth'] == 0 and e['present'])


def _same(a, b):
    return subprocess.run(['qemu-img', 'compare', '-f', 'qcow2', '-F',
                           'qcow2', a, b], capture_output=True,
                          timeout=60).returncode == 0


class TestIncremental(base.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.conf.config(snapshot_dir=os.path.join(self.tmp, 'libvirt'),
                         group='libvirt')
        self.driver = libvirt_driver.LibvirtDriver({})
        # What the driver's snapshots leave: S1 froze B, the guest wrote
        # into O1, S2 froze O1, the guest writes into O2 (running).
        self.b = self.path('B.qcow2')
        _img('create', '-q', '-f', 'qcow2', self.b, '64M')
        _io(self.b, 'write -P 0x11 0 8M')
        self.o1 = self.overlay('O1.qcow2', self.b)
        _io(self.o1, 'write -P 0x22 16M 2M', 'write -z 0 1M',
            'write -P 0x11 4M 64k')   # the same bytes again: no change
        self.o2 = self.overlay('O2.qcow2', self.o1)
        _io(self.o2, 'write -P 0x33 40M 1M')
        self.s1 = self.snap('s1', self.b)
        self.s2 = self.snap('s2', self.o1)

    def path(self, name):
        return os.path.join(self.tmp, name)

    def overlay(self, name, backing):
        path = self.path(name)
        images.create_overlay(path, backing)
        return path

    @staticmethod
    def snap(name, image, uuid=UUID):
        return {'id': 'vnfcsnap-%s' % name,
                'vim_details': {'domain_uuid': uuid,
                                'name': 'vnfsnap-%s' % name,
                                'state': 'shutoff', 'quiesced': False,
                                'disks': [{'target': 'vda', 'image': image,
                                           'format': 'qcow2'}],
                                'memory': None}}

    def export(self, snap, base=None, name='out'):
        dest = self.path(name)
        return dest, self.driver.export_vnfc_snapshot(snap, dest, base=base)

    def test_delta_holds_only_the_changed_clusters(self):
        dest, desc = self.export(self.s2, base=self.s1)
        self.assertEqual([{'target': 'vda', 'file': 'disk-vda.delta.qcow2',
                           'delta': True, 'diskFormat': 'qcow2',
                           'containerFormat': 'bare',
                           'storageResourceId': None}], desc['disks'])
        delta = os.path.join(dest, 'disk-vda.delta.qcow2')
        # 2 MiB written and 1 MiB zeroed; the rewrite of equal bytes and
        # the running overlay O2 (after S2) are not in it.
        self.assertEqual(3 * units.Mi, _allocated(delta))
        # Standalone, as the package's import checks demand.
        images.check_standalone(delta)
        self.assertLess(os.path.getsize(delta), 3 * units.Mi + 512 * 1024)
        # The snapshots' images are untouched.
        self.assertEqual(self.b, images.backing_file(self.o1))
        self.assertEqual(self.o1, images.backing_file(self.o2))

    def test_full_export_without_a_base(self):
        dest, desc = self.export(self.s2)
        self.assertEqual('disk-vda.qcow2', desc['disks'][0]['file'])
        self.assertNotIn('delta', desc['disks'][0])
        self.assertTrue(_same(os.path.join(dest, 'disk-vda.qcow2'),
                              self.o1))

    def test_delta_across_several_overlays(self):
        # S3 froze O2: its delta since S1 holds what O1 and O2 got.
        s3 = self.snap('s3', self.o2)
        dest, _ = self.export(s3, base=self.s1)
        self.assertEqual(4 * units.Mi, _allocated(
            os.path.join(dest, 'disk-vda.delta.qcow2')))

    def import_(self, src_dir, description):
        with open(os.path.join(src_dir, 'vnfc-snapshot.json'), 'w') as f:
            json.dump(description, f)
        dom = mock.Mock()
        dom.UUIDString.return_value = OTHER_UUID
        dom.XMLDesc.return_value = (
            "<domain><devices><disk type='file' device='disk'>"
            "<driver name='qemu' type='qcow2'/><source file='/x.qcow2'/>"
            "<target dev='vda'/></disk></devices></domain>")
        self.useFixture(fixtures.MockPatchObject(
            self.driver, '_domain', return_value=dom))
        vnfc = vim_base.Vnfc(id='vnfc-1', vdu_id='VDU1',
                             compute_resource={'vimConnectionId': 'vim1',
                                               'resourceId': OTHER_UUID})
        return self.driver.import_vnfc_snapshot(vnfc, src_dir,
                                                name='vnfsnap-imported')

    def test_import_joins_the_delta_to_its_base(self):
        # P1 held S1's disk in full, P2 the delta: the import rebuilds S2.
        p1, _ = self.export(self.s1, name='p1')
        p2, desc = self.export(self.s2, base=self.s1, name='p2')
        delta = os.path.join(p2, 'disk-vda.delta.qcow2')
        with open(delta, 'rb') as f:
            before = f.read()
        shutil.copyfile(os.path.join(p1, 'disk-vda.qcow2'),
                        os.path.join(p2, 'base-disk-vda.qcow2'))
        desc['disks'][0]['baseFile'] = 'base-disk-vda.qcow2'
        result = self.import_(p2, desc)
        image = result.vim_details['disks'][0]['image']
        images.check_standalone(image)
        self.assertTrue(_same(image, self.o1))
        self.assertFalse(_same(image, self.b))
        with open(delta, 'rb') as f:
            self.assertEqual(before, f.read())
        self.assertEqual([], [n for n in os.listdir(os.path.dirname(image))
                              if n.endswith('.join')])

    def test_import_refuses_a_base_with_a_backing_file(self):
        p2, desc = self.export(self.s2, base=self.s1, name='p2')
        shutil.copyfile(self.o2, os.path.join(p2, 'base-disk-vda.qcow2'))
        desc['disks'][0]['baseFile'] = 'base-disk-vda.qcow2'
        e = self.assertRaises(exception.VimError, self.import_, p2, desc)
        self.assertIn('refers to backing file', e.message)

    def test_base_of_another_domain_is_refused(self):
        base_snap = self.snap('s1', self.b, uuid=OTHER_UUID)
        e = self.assertRaises(exception.VimError, self.export, self.s2,
                              base_snap)
        self.assertIn('a delta needs both of the same domain', e.message)

    def test_base_not_in_the_chain_is_refused(self):
        # E.g. the base was merged away, or is a standalone import.
        elsewhere = self.path('elsewhere.qcow2')
        shutil.copyfile(self.b, elsewhere)
        e = self.assertRaises(exception.VimError, self.export, self.s2,
                              self.snap('s1', elsewhere))
        self.assertIn('is not in the backing chain of disk vda', e.message)

    def test_capability_advertised_with_qemu(self):
        conn = mock.Mock()
        conn.getType.return_value = 'QEMU'
        conn.getVersion.return_value = 7002000
        conn.getDomainCapabilities.return_value = ''
        self.useFixture(fixtures.MockPatch(
            'vnfsnap.vim.libvirt.driver._connection', return_value=conn))
        caps = self.driver.capabilities()
        self.assertTrue(caps.incremental_package)
        conn.getType.return_value = 'Test'
        self.assertFalse(self.driver.capabilities().incremental_package)
