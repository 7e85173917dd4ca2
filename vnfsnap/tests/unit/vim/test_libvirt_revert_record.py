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

"""The write-ahead record of a libvirt revert, and how the next operation
on the domain settles a revert cut off midway (libvirt's test driver,
test:///default; overlays are plain files, no qemu-img)."""

import json
import os
import types
from unittest import mock

import fixtures
import libvirt
from oslo_utils import uuidutils

from vnfsnap.tests import base
from vnfsnap.vim.libvirt import domain_xml
from vnfsnap.vim.libvirt import driver as libvirt_driver

URI = 'test:///default'
TARGETS = ('vda', 'vdb')
DOMAIN = """<domain type='test'>
  <name>%(name)s</name><uuid>%(uuid)s</uuid>
  <memory>65536</memory><vcpu>1</vcpu>
  <os><type>hvm</type></os>
  <devices>%(disks)s</devices>
</domain>"""
DISK = ("<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
        "<source file='%s'/><target dev='%s' bus='virtio'/></disk>")


class Killed(BaseException):
    """SIGKILL: nothing of the driver runs after it (no except, no index
    written when the lock is released)."""


def _touch(path):
    with open(path, 'w') as f:
        f.write('image')


class RevertRecordTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        self.conf.config(snapshot_dir=os.path.join(self.state_path, 'lv'),
                         group='libvirt')
        self.create_overlay = self.useFixture(fixtures.MockPatch(
            'vnfsnap.vim.libvirt.images.create_overlay',
            side_effect=lambda path, backing, fmt: _touch(path))).mock
        self.conn = libvirt.open(URI)
        self.driver = libvirt_driver.LibvirtDriver(
            {'interfaceInfo': {'uri': URI}})
        self.uuid = uuidutils.generate_uuid()
        self.files = libvirt_driver._DomainFiles(self.uuid)
        with self.files.locked():
            # The disks the domain runs on: overlays the driver made.
            self.current = {t: self.files.new_overlay_path(t, 'cur')
                            for t in TARGETS}
            for path in self.current.values():
                _touch(path)
                self.files.own(path)
            self.name = 'vnfsnap-%s' % uuidutils.generate_uuid()
            snap_dir = os.path.join(self.files.snapshots_dir, self.name)
            os.makedirs(snap_dir)
            self.frozen = {t: os.path.join(snap_dir, 'disk-%s.qcow2' % t)
                           for t in TARGETS}
            for path in self.frozen.values():
                _touch(path)
            self.files.index['snapshots'][self.name] = {
                'disks': dict(self.frozen), 'memory': None}
        self.dom = self.conn.defineXML(DOMAIN % {
            'name': 'revert-%s' % self.uuid[:8], 'uuid': self.uuid,
            'disks': ''.join(DISK % (self.current[t], t) for t in TARGETS)})
        self.addCleanup(self._undefine)
        self.dom.create()
        self.vnfc = types.SimpleNamespace(
            id='vnfc-1', compute_resource={'resourceId': self.uuid})
        self.snapshot = {'id': 'vnfc-snap-1', 'vim_details': {
            'domain_uuid': self.uuid, 'name': self.name, 'state': 'running',
            'quiesced': False, 'memory': None,
            'disks': [{'target': t, 'image': self.frozen[t],
                       'format': 'qcow2'} for t in TARGETS]}}

    def _undefine(self):
        dom = self.conn.lookupByUUIDString(self.uuid)
        if dom.isActive():
            dom.destroy()
        dom.undefine()

    def _index(self):
        with open(os.path.join(self.files.root, 'index.json')) as f:
            return json.load(f)

    def _sources(self, flags=0):
        dom = self.conn.lookupByUUIDString(self.uuid)
        return {d['target']: d['source']
                for d in domain_xml.disks(dom.XMLDesc(flags))}

    def _disk_files(self):
        return {os.path.join(self.files.disks_dir, n)
                for n in os.listdir(self.files.disks_dir)}

    def _cut_off(self, method):
        """A revert killed when it calls virDomain.``method``; returns the
        overlays its record names."""
        with mock.patch.object(libvirt.virDomain, method,
                               side_effect=Killed):
            self.assertRaises(Killed, self.driver.revert_vnfc_snapshot,
                              self.vnfc, self.snapshot)
        record = self._index()['reverting']
        return record['overlays']


class TestRecord(RevertRecordTestCase):

    def test_saved_before_the_first_overlay_is_made(self):
        seen = []

        def create(path, backing, fmt):
            seen.append(self._index().get('reverting'))
            _touch(path)
        self.create_overlay.side_effect = create
        self.driver.revert_vnfc_snapshot(self.vnfc, self.snapshot)
        record = seen[0]
        self.assertEqual(self.name, record['snapshot'])
        self.assertEqual(self.current, record['replaced'])
        self.assertEqual(set(TARGETS), set(record['overlays']))
        for path in record['overlays'].values():
            self.assertEqual(self.files.disks_dir, os.path.dirname(path))
        # Every overlay made was named before it was made.
        self.assertEqual(sorted(record['overlays'].values()),
                         sorted(c.args[0]
                                for c in self.create_overlay.call_args_list))
        # Done: no record, the domain on the overlays it named, owned; the
        # images they replaced gone.
        index = self._index()
        self.assertNotIn('reverting', index)
        self.assertEqual(record['overlays'], self._sources())
        self.assertEqual(sorted(record['overlays'].values()),
                         sorted(index['owned']))
        self.assertEqual(set(record['overlays'].values()),
                         self._disk_files())

    def test_cleared_when_the_revert_fails(self):
        with mock.patch.object(libvirt.virDomain, 'createWithFlags',
                               side_effect=libvirt.libvirtError('no')):
            self.assertRaises(libvirt.libvirtError,
                              self.driver.revert_vnfc_snapshot, self.vnfc,
                              self.snapshot)
        index = self._index()
        self.assertNotIn('reverting', index)
        # Back on its previous disks; the new overlays gone.
        self.assertEqual(self.current, self._sources())
        self.assertEqual(set(self.current.values()), self._disk_files())
        self.assertEqual(sorted(self.current.values()),
                         sorted(index['owned']))

    def test_cleared_when_an_overlay_cannot_be_made(self):
        made = []

        def create(path, backing, fmt):
            if made:
                raise OSError('disk full')
            made.append(path)
            _touch(path)
        self.create_overlay.side_effect = create
        self.assertRaises(OSError, self.driver.revert_vnfc_snapshot,
                          self.vnfc, self.snapshot)
        self.assertNotIn('reverting', self._index())
        self.assertEqual(set(self.current.values()), self._disk_files())
        self.assertTrue(self.conn.lookupByUUIDString(self.uuid).isActive())


class TestSettle(RevertRecordTestCase):

    def test_domain_on_the_new_overlays_adopts_them(self):
        # Killed once the domain was defined on its new overlays, before
        # it was started again.
        overlays = self._cut_off('createWithFlags')
        self.assertEqual(overlays, self._sources())
        self.assertNotIn(overlays['vda'], self._index()['owned'])
        # The next operation on the domain (here a discard) settles it.
        self.driver.discard_import(self.vnfc, 'vnfsnap-nothing')
        index = self._index()
        self.assertNotIn('reverting', index)
        self.assertEqual(sorted(overlays.values()), sorted(index['owned']))
        # The images they replaced went, as a finished revert's do.
        self.assertEqual(set(overlays.values()), self._disk_files())
        self.assertEqual({self.name}, set(index['snapshots']))

    def test_domain_on_its_previous_disks_drops_them(self):
        # Killed with the overlays made, the domain not touched yet.
        overlays = self._cut_off('destroy')
        self.assertEqual(self.current, self._sources())
        self.assertTrue(set(overlays.values()).issubset(self._disk_files()))
        self.driver.discard_import(self.vnfc, 'vnfsnap-nothing')
        index = self._index()
        self.assertNotIn('reverting', index)
        self.assertEqual(set(self.current.values()), self._disk_files())
        self.assertEqual(sorted(self.current.values()),
                         sorted(index['owned']))
        self.assertTrue(self.conn.lookupByUUIDString(self.uuid).isActive())

    def test_rerun_of_the_revert_leaves_only_its_overlays(self):
        # What the fault matrix does: the killed revert runs again.
        first = self._cut_off('createWithFlags')
        self.driver.revert_vnfc_snapshot(self.vnfc, self.snapshot)
        index = self._index()
        self.assertNotIn('reverting', index)
        now = self._sources()
        self.assertEqual(set(now.values()), self._disk_files())
        self.assertEqual(sorted(now.values()), sorted(index['owned']))
        self.assertFalse(set(first.values()) & set(now.values()))
        self.assertTrue(self.conn.lookupByUUIDString(self.uuid).isActive())

    def test_rerun_after_a_cut_before_the_switch(self):
        self._cut_off('destroy')
        self.driver.revert_vnfc_snapshot(self.vnfc, self.snapshot)
        now = self._sources()
        self.assertEqual(set(now.values()), self._disk_files())
        self.assertEqual(sorted(now.values()), sorted(self._index()['owned']))

    def test_deletes_only_what_the_driver_made(self):
        outside = os.path.join(self.state_path, 'not-mine.qcow2')
        _touch(outside)
        with self.files.locked():
            self.files.begin_revert(self.name, {'vda': outside}, {})
        self.driver.discard_import(self.vnfc, 'vnfsnap-nothing')
        self.assertTrue(os.path.exists(outside))
        self.assertNotIn('reverting', self._index())
