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

"""The libvirt VIM driver against real libvirtd and QEMU domains.

These domains have disks but no operating system (SeaBIOS idles): enough to
prove the snapshot chain handling byte for byte, with disk content written
and read offline by qemu-io. Guests with an OS and an agent are exercised by
the demo and test_libvirt_guests.
"""

import dataclasses
import json
import os
import subprocess

import fixtures
import libvirt
from oslo_config import fixture as config_fixture
import testtools

from vnfsnap.common import exception
import vnfsnap.conf
from vnfsnap.tests.fixtures import libvirt_services
from vnfsnap.vim import base
from vnfsnap.vim.libvirt import driver as libvirt_driver
from vnfsnap.vim.libvirt import images

CONF = vnfsnap.conf.CONF
URI = 'qemu:///system'
PATTERNS = (0, 0x11, 0x22, 0x33, 0x44, 0x55, 0xa1, 0xa2)

DOMAIN_XML = """<domain type='qemu'>
  <name>%(name)s</name>
  <memory unit='MiB'>32</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
      <source file='%(root)s'/><target dev='vda' bus='virtio'/></disk>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
      <source file='%(data)s'/><target dev='vdb' bus='virtio'/></disk>
  </devices>
</domain>"""


def qemu_io(path, command):
    subprocess.run(['qemu-io', '-f', 'qcow2', '-c', command, path],
                   check=True, capture_output=True)


def pattern_at(path, candidates=range(256)):
    """The byte value filling the image's first 64 KiB (None if none of
    ``candidates`` does), read through the whole backing chain."""
    for value in candidates:
        done = subprocess.run(
            ['qemu-io', '-r', '-U', '-f', 'qcow2', '-c',
             'read -P 0x%02x 0 64k' % value, path],
            capture_output=True, text=True)
        if done.returncode == 0 and 'failed' not in done.stdout:
            return value
    return None


class LibvirtTestCase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(libvirt_services.LibvirtDaemons())
        self.conf = self.useFixture(config_fixture.Config(CONF))
        self.tmp = self.useFixture(fixtures.TempDir()).path
        os.chmod(self.tmp, 0o755)
        self.conf.config(snapshot_dir=os.path.join(self.tmp, 'snaps'),
                         group='libvirt')
        self.conn = libvirt.open(URI)
        self.addCleanup(self.conn.close)
        self.driver = libvirt_driver.LibvirtDriver(
            {'vimType': libvirt_driver.VIM_TYPE,
             'interfaceInfo': {'uri': URI}})

    def make_domain(self, start=False, acpi=False):
        name = 'vnfsnap-ft-%s' % os.path.basename(self.tmp)[-8:]
        root = os.path.join(self.tmp, 'root.qcow2')
        data = os.path.join(self.tmp, 'data.qcow2')
        for path in (root, data):
            subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', path,
                            '16M'], check=True)
            os.chmod(path, 0o666)
        xml = DOMAIN_XML % {'name': name, 'root': root, 'data': data}
        if acpi:    # PCI hotplug needs it
            xml = xml.replace('<devices>', '<features><acpi/></features>'
                              '<devices>')
        dom = self.conn.defineXML(xml)
        self.addCleanup(self._remove, name)
        if start:
            dom.create()
        vnfc = base.Vnfc(
            id='vnfc-1', vdu_id='vdu',
            compute_resource={'vimConnectionId': 'vim1',
                              'resourceId': name},
            storage_resources=({'id': 'vol-1', 'storageResource': {
                'vimConnectionId': 'vim1', 'resourceId': 'vdb'}},))
        return dom, vnfc

    def _remove(self, name):
        try:
            dom = self.conn.lookupByName(name)
        except libvirt.libvirtError:
            return
        if dom.isActive():
            dom.destroy()
        dom.undefine()

    def source(self, dom, target):
        return {d['target']: d['source'] for d in
                libvirt_driver.domain_xml.disks(dom.XMLDesc(0))}[target]

    def snapshot(self, vnfc, with_memory=False):
        result = self.driver.create_vnfc_snapshot(vnfc, 'vnf-snap',
                                                  with_memory, False)
        return {'id': result.vim_details['name'],
                'compute_snapshot_resource': result.compute_snapshot_resource,
                'vim_details': result.vim_details, 'result': result}


class TestColdChain(LibvirtTestCase):
    """Disk snapshots of a shut-off domain: revert to any, delete merges."""

    def test_revert_to_any_and_delete_merges(self):
        dom, vnfc = self.make_domain()
        qemu_io(self.source(dom, 'vda'), 'write -P 0x11 0 64k')
        qemu_io(self.source(dom, 'vdb'), 'write -P 0xa1 0 64k')
        s1 = self.snapshot(vnfc)
        self.assertFalse(s1['result'].memory_captured)
        self.assertEqual('shutoff', s1['vim_details']['state'])
        self.assertEqual(
            [{'storageResourceId': 'vol-1',
              'storageSnapshotResource': {
                  'vimConnectionId': 'vim1',
                  'resourceId': os.path.join(self.tmp, 'data.qcow2'),
                  'vimLevelResourceType': libvirt_driver.DISK_IMAGE_TYPE}}],
            s1['result'].storage_snapshot_resources)
        qemu_io(self.source(dom, 'vda'), 'write -P 0x22 0 64k')
        qemu_io(self.source(dom, 'vdb'), 'write -P 0xa2 0 64k')
        s2 = self.snapshot(vnfc)
        qemu_io(self.source(dom, 'vda'), 'write -P 0x33 0 64k')

        self.driver.revert_vnfc_snapshot(vnfc, s1)
        self.assertEqual(0x11, pattern_at(self.source(dom, 'vda'), PATTERNS))
        self.assertEqual(0xa1, pattern_at(self.source(dom, 'vdb'), PATTERNS))
        self.assertFalse(dom.isActive())
        # Back to the newer one after the older one.
        self.driver.revert_vnfc_snapshot(vnfc, s2)
        self.assertEqual(0x22, pattern_at(self.source(dom, 'vda'), PATTERNS))
        self.assertEqual(0xa2, pattern_at(self.source(dom, 'vdb'), PATTERNS))

        # Deleting the older snapshot merges its image away; the newer
        # one still reverts to the same bytes.
        self.driver.delete_vnfc_snapshot(s1)
        self.driver.revert_vnfc_snapshot(vnfc, s2)
        self.assertEqual(0x22, pattern_at(self.source(dom, 'vda'), PATTERNS))
        self.driver.delete_vnfc_snapshot(s2)
        chain = self.driver._chain(self.source(dom, 'vda'))
        # Both frozen images were merged away: one standalone image left.
        self.assertEqual(1, len(chain), chain)
        self.assertEqual(0x22, pattern_at(self.source(dom, 'vda'), PATTERNS))
        index = json.load(open(os.path.join(
            CONF.libvirt.snapshot_dir, dom.UUIDString(), 'index.json')))
        self.assertEqual({}, index['snapshots'])
        self.assertEqual([], index['orphans'])
        owned = set(index['owned'])
        disks_dir = os.path.join(CONF.libvirt.snapshot_dir,
                                 dom.UUIDString(), 'disks')
        self.assertEqual(owned, {os.path.join(disks_dir, f)
                                 for f in os.listdir(disks_dir)})

    def test_export_then_import_reverts_to_the_same_bytes(self):
        dom, vnfc = self.make_domain()
        qemu_io(self.source(dom, 'vda'), 'write -P 0x44 0 64k')
        snap = self.snapshot(vnfc)
        out = os.path.join(self.tmp, 'export')
        description = self.driver.export_vnfc_snapshot(snap, out)
        for disk in description['disks']:
            images.check_standalone(os.path.join(out, disk['file']))
        self.driver.delete_vnfc_snapshot(snap)
        qemu_io(self.source(dom, 'vda'), 'write -P 0x55 0 64k')
        imported = self.driver.import_vnfc_snapshot(vnfc, out)
        self.driver.revert_vnfc_snapshot(
            vnfc, {'id': 'imported', 'vim_details': imported.vim_details})
        self.assertEqual(0x44, pattern_at(self.source(dom, 'vda'), PATTERNS))

    def test_discard_import_removes_finished_and_cut_off_imports(self):
        # What a package extraction's resume deletes by the recorded
        # name: a finished import, and one killed before the index was
        # written (its files are in its snapshot directory only).
        dom, vnfc = self.make_domain()
        snap = self.snapshot(vnfc)
        out = os.path.join(self.tmp, 'export')
        self.driver.export_vnfc_snapshot(snap, out)
        imported = self.driver.import_vnfc_snapshot(
            vnfc, out, name='vnfsnap-import-a')
        self.assertEqual('vnfsnap-import-a', imported.vim_details['name'])
        root = os.path.join(CONF.libvirt.snapshot_dir, dom.UUIDString())
        cut_off = os.path.join(root, 'snapshots', 'vnfsnap-import-b')
        os.makedirs(cut_off)
        with open(os.path.join(cut_off, 'disk-vda.qcow2'), 'wb') as f:
            f.write(b'half an image')
        for name in ('vnfsnap-import-a', 'vnfsnap-import-b'):
            self.assertTrue(self.driver.discard_import(vnfc, name))
        self.assertEqual([snap['id']],
                         os.listdir(os.path.join(root, 'snapshots')))
        with open(os.path.join(root, 'index.json')) as f:
            index = json.load(f)
        self.assertEqual([snap['id']], list(index['snapshots']))
        self.assertEqual([], [p for p in index['owned']
                              if 'vnfsnap-import-' in p])
        # The snapshot taken before is untouched and still reverts.
        self.driver.revert_vnfc_snapshot(vnfc, snap)

    def test_import_refuses_backing_file(self):
        dom, vnfc = self.make_domain()
        out = os.path.join(self.tmp, 'evil')
        os.makedirs(out)
        images.create_overlay(os.path.join(out, 'disk-vda.qcow2'),
                              '/etc/passwd', 'raw')
        with open(os.path.join(out, 'vnfc-snapshot.json'), 'w') as f:
            json.dump({'state': 'shutoff', 'disks': [
                {'target': 'vda', 'file': 'disk-vda.qcow2'}],
                'memory': None}, f)
        self.assertRaisesRegex(exception.VimError, 'backing file',
                               self.driver.import_vnfc_snapshot, vnfc, out)


class TestRunningDomain(LibvirtTestCase):

    def test_warm_snapshot_revert_states_and_live_merge(self):
        dom, vnfc = self.make_domain(start=True)
        caps = self.driver.capabilities(vnfc)
        self.assertTrue(caps.memory_snapshot)
        self.assertFalse(caps.quiesce)   # no guest agent in this domain
        snap = self.snapshot(vnfc, with_memory=True)
        self.assertTrue(snap['result'].memory_captured)
        self.assertTrue(os.path.exists(snap['vim_details']['memory']))
        self.assertTrue(dom.isActive())

        self.driver.revert_vnfc_snapshot(vnfc, snap, power_state='paused')
        self.assertEqual(libvirt.VIR_DOMAIN_PAUSED, dom.state()[0])
        # A warm snapshot of the paused domain reverts to paused.
        paused = self.snapshot(vnfc, with_memory=True)
        self.assertEqual('paused', paused['vim_details']['state'])
        self.assertTrue(paused['result'].memory_captured)
        self.driver.revert_vnfc_snapshot(vnfc, snap)
        self.driver.revert_vnfc_snapshot(vnfc, paused)
        self.assertEqual(libvirt.VIR_DOMAIN_PAUSED, dom.state()[0])
        self.driver.delete_vnfc_snapshot(paused)
        self.driver.revert_vnfc_snapshot(vnfc, snap)
        self.assertEqual(libvirt.VIR_DOMAIN_RUNNING, dom.state()[0])
        self.driver.revert_vnfc_snapshot(vnfc, snap, power_state='shutoff')
        self.assertFalse(dom.isActive())
        self.driver.start_vnfc(vnfc)

        before = len(self.driver._chain(self.source(dom, 'vda')))
        self.driver.delete_vnfc_snapshot(snap)   # live block pull
        self.assertTrue(dom.isActive())
        self.assertEqual(before - 1,
                         len(self.driver._chain(self.source(dom, 'vda'))))
        self.assertFalse(os.path.exists(snap['vim_details']['memory']))

    def test_vanished_domain_refused_before_anything_changes(self):
        dom, vnfc = self.make_domain(start=True)
        snap = self.snapshot(vnfc)
        gone = base.Vnfc(id='vnfc-x', vdu_id='vdu', compute_resource={
            'resourceId': 'vnfsnap-ft-no-such-domain'})
        self.assertRaisesRegex(exception.VimError, 'not found',
                               self.driver.check_revert, gone, snap)
        os.unlink(snap['vim_details']['disks'][1]['image'])
        self.assertRaisesRegex(exception.VimError, 'missing',
                               self.driver.revert_vnfc_snapshot, vnfc, snap)
        self.assertTrue(dom.isActive())


class TestCutOffSnapshot(LibvirtTestCase):
    """What a create whose conductor died during the VIM call left is
    discarded by the name it recorded first."""

    def cut_off(self, vnfc, dom, name):
        """A snapshot libvirtd finished after the conductor was killed,
        before the driver wrote its index: the domain runs on overlays
        nobody recorded."""
        self.driver.create_vnfc_snapshot(vnfc, 'vnf-snap', dom.isActive(),
                                         False, name=name)
        root = os.path.join(CONF.libvirt.snapshot_dir, dom.UUIDString())
        path = os.path.join(root, 'index.json')
        with open(path) as f:
            index = json.load(f)
        index['snapshots'].pop(name)
        index['owned'] = [p for p in index['owned'] if name[8:16] not in p]
        with open(path, 'w') as f:
            json.dump(index, f)
        return root

    def check_discarded(self, dom, vnfc, root, before, kept):
        self.assertTrue(self.driver.discard_vnfc_snapshot(
            vnfc, 'vnfsnap-cut0ff00-x'))
        self.assertEqual(before, {t: self.source(dom, t)
                                  for t in ('vda', 'vdb')})
        inactive = libvirt_driver.domain_xml.disks(
            dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
        self.assertEqual(before, {d['target']: d['source']
                                  for d in inactive})
        self.assertEqual([kept['id']],
                         os.listdir(os.path.join(root, 'snapshots')))
        self.assertEqual([], [n for n in os.listdir(os.path.join(
            root, 'disks')) if 'cut0ff00' in n])
        # Harmless when there is nothing (again).
        self.assertTrue(self.driver.discard_vnfc_snapshot(
            vnfc, 'vnfsnap-cut0ff00-x'))
        self.driver.revert_vnfc_snapshot(vnfc, kept)

    def test_running_domain_goes_back_to_its_disks(self):
        dom, vnfc = self.make_domain(start=True)
        kept = self.snapshot(vnfc)
        before = {t: self.source(dom, t) for t in ('vda', 'vdb')}
        root = self.cut_off(vnfc, dom, 'vnfsnap-cut0ff00-x')
        self.assertNotEqual(before['vda'], self.source(dom, 'vda'))
        self.check_discarded(dom, vnfc, root, before, kept)
        self.assertTrue(dom.isActive())

    def test_paused_domain_after_a_memory_snapshot(self):
        # QEMU keeps a paused domain's images inactive after a snapshot
        # with memory: the discard runs it for its block jobs, and it is
        # paused again after.
        dom, vnfc = self.make_domain(start=True)
        kept = self.snapshot(vnfc)
        before = {t: self.source(dom, t) for t in ('vda', 'vdb')}
        dom.suspend()
        root = self.cut_off(vnfc, dom, 'vnfsnap-cut0ff00-x')
        self.assertEqual(libvirt.VIR_DOMAIN_PAUSED, dom.state()[0])
        self.assertTrue(self.driver.discard_vnfc_snapshot(
            vnfc, 'vnfsnap-cut0ff00-x'))
        self.assertEqual(libvirt.VIR_DOMAIN_PAUSED, dom.state()[0])
        dom.resume()
        self.check_discarded(dom, vnfc, root, before, kept)

    def test_stopped_domain_goes_back_to_its_disks(self):
        dom, vnfc = self.make_domain()
        kept = self.snapshot(vnfc)
        before = {t: self.source(dom, t) for t in ('vda', 'vdb')}
        root = self.cut_off(vnfc, dom, 'vnfsnap-cut0ff00-x')
        self.assertNotEqual(before['vda'], self.source(dom, 'vda'))
        self.check_discarded(dom, vnfc, root, before, kept)


class TestRunningChains(LibvirtTestCase):

    def test_middle_snapshot_of_running_domain_becomes_orphan_then_goes(self):
        dom, vnfc = self.make_domain(start=True)
        s1 = self.snapshot(vnfc)
        s2 = self.snapshot(vnfc)
        files = os.path.join(CONF.libvirt.snapshot_dir, dom.UUIDString())

        def index():
            with open(os.path.join(files, 'index.json')) as f:
                return json.load(f)

        # s1's image is a read-only backing file of the running chain now:
        # it cannot be merged yet and is kept as an orphan.
        self.driver.delete_vnfc_snapshot(s1)
        orphans = index()['orphans']
        self.assertEqual(2, len(orphans))   # its vda and vdb images
        # Deleting s2 merges s2's images into the running disks, then the
        # orphans, whose only child is now the running disk too.
        self.driver.delete_vnfc_snapshot(s2)
        self.assertEqual([], index()['orphans'])
        self.assertEqual(1, len(self.driver._chain(self.source(dom, 'vdb'))))
        self.assertTrue(dom.isActive())


class TestStopStartAndVolumes(LibvirtTestCase):

    def test_stop_start_detach_attach(self):
        self.conf.config(shutdown_timeout=1, group='libvirt')
        dom, vnfc = self.make_domain(start=True)
        self.driver.stop_vnfc(vnfc)   # no OS: destroyed after the timeout
        self.assertFalse(dom.isActive())
        volume = vnfc.storage_resources[0]
        detached = self.driver.detach_volume(vnfc, volume)
        self.assertEqual(['vda'], [d['target'] for d in
                                   libvirt_driver.domain_xml.disks(
                                       dom.XMLDesc(0))])
        # Not attached: nothing to do, nothing to put back.
        self.assertIsNone(self.driver.detach_volume(vnfc, volume))
        self.driver.attach_volume(vnfc, volume, detached)
        self.driver.attach_volume(vnfc, volume, detached)   # idempotent
        self.assertEqual(['vda', 'vdb'], [d['target'] for d in
                                          libvirt_driver.domain_xml.disks(
                                              dom.XMLDesc(0))])
        self.driver.start_vnfc(vnfc, paused=True)
        self.assertEqual(libvirt.VIR_DOMAIN_PAUSED, dom.state()[0])
        # Running (paused), it is missing live only after a memory
        # restore; attach puts it where it is missing.
        self.assertEqual(['vda', 'vdb'], [d['target'] for d in
                                          libvirt_driver.domain_xml.disks(
                                              dom.XMLDesc(0))])

    def test_guarded_detach_leaves_what_puts_the_disk_back(self):
        # A conductor that died in detach_volume never got its result:
        # the guard's record gives it back, and the attach releases it.
        dom, vnfc = self.make_domain()
        volume = vnfc.storage_resources[0]
        self.assertIsNone(self.driver.detached_volume(vnfc, volume))
        detached = self.driver.detach_volume(vnfc, volume, deadline=600)
        self.assertEqual(detached,
                         self.driver.detached_volume(vnfc, volume))
        self.driver.attach_volume(vnfc, volume,
                                  self.driver.detached_volume(vnfc, volume))
        self.assertEqual(['vda', 'vdb'], [d['target'] for d in
                                          libvirt_driver.domain_xml.disks(
                                              dom.XMLDesc(0))])
        self.assertIsNone(self.driver.detached_volume(vnfc, volume))
        self.assertEqual([], os.listdir(os.path.join(
            CONF.libvirt.snapshot_dir, dom.UUIDString(),
            'guards')))

    def test_detach_refused_or_unanswered_leaves_the_disk(self):
        # Without ACPI there is no PCI hotplug: QEMU refuses at once.
        # With it but no OS, nothing answers the hot-unplug request.
        self.conf.config(detach_timeout=1, group='libvirt')
        for acpi, words in ((False, 'does not support hotplugging'),
                            (True, 'did not release volume vol-1')):
            dom, vnfc = self.make_domain(start=True, acpi=acpi)
            self.assertRaisesRegex(
                exception.VimError, words, self.driver.detach_volume, vnfc,
                vnfc.storage_resources[0])
            for flags in (0, libvirt.VIR_DOMAIN_XML_INACTIVE):
                self.assertEqual(['vda', 'vdb'], [
                    d['target'] for d in libvirt_driver.domain_xml.disks(
                        dom.XMLDesc(flags))])
            self._remove(dom.name())

    def test_left_out_volume_is_neither_taken_nor_reverted(self):
        dom, vnfc = self.make_domain()
        left_out = dataclasses.replace(
            vnfc, storage_resources=(), left_out=vnfc.storage_resources)
        qemu_io(self.source(dom, 'vda'), 'write -P 0x11 0 64k')
        qemu_io(self.source(dom, 'vdb'), 'write -P 0xa1 0 64k')
        data = self.source(dom, 'vdb')
        snap = self.snapshot(left_out)
        self.assertEqual(['vda'], [d['target'] for d in
                                   snap['vim_details']['disks']])
        self.assertEqual([], snap['result'].storage_snapshot_resources)
        self.assertEqual(data, self.source(dom, 'vdb'))   # no overlay
        qemu_io(self.source(dom, 'vda'), 'write -P 0x22 0 64k')
        qemu_io(self.source(dom, 'vdb'), 'write -P 0xa2 0 64k')
        self.driver.revert_vnfc_snapshot(vnfc, snap)
        self.assertEqual(0x11, pattern_at(self.source(dom, 'vda'), PATTERNS))
        self.assertEqual(0xa2, pattern_at(self.source(dom, 'vdb'), PATTERNS))
        self.assertEqual(data, self.source(dom, 'vdb'))
        # Running, with memory: the left-out disk is not in the snapshot.
        dom.create()
        warm = self.snapshot(left_out, with_memory=True)
        self.assertTrue(warm['result'].memory_captured)
        self.assertEqual(['vda'], [d['target'] for d in
                                   warm['vim_details']['disks']])
        self.assertEqual(data, self.source(dom, 'vdb'))
        self.driver.revert_vnfc_snapshot(vnfc, warm)
        self.assertTrue(dom.isActive())
        self.assertEqual(data, self.source(dom, 'vdb'))
        for s in (snap, warm):
            self.driver.delete_vnfc_snapshot(s)
        self.assertTrue(os.path.exists(data))
