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

"""VNF snapshot packages of real guests, end to end through HTTP.

Snapshot the VNF, build a package, download it, delete the package and
the VNF snapshot (and so its libvirt files), upload the file into a new
package, extract it and revert: every guest is back at the snapshot's disk
and memory state.
"""

import os
import tempfile
import zipfile

from vnfsnap.tests.fixtures import guest_disks
from vnfsnap.tests.functional import base
from vnfsnap.tests.functional import libvirt_base
from vnfsnap_demo import guest_agent

PKGM = base.PKGM


class TestPackageRoundTrip(libvirt_base.GuestsTestCase):

    GUESTS = 2

    def test_build_export_delete_import_extract_revert(self):
        self.start_service()
        pkgm = base.Client('http://127.0.0.1:%d' % self.port,
                           version='1.2.0')
        inst = self.register()
        self.mark('packaged')
        boot_ids = {n: guest_agent.boot_id(d) for n, d in self.doms.items()}
        info = self.snapshot(inst, withMemory=True)
        held = {n: guest_agent.counter_state(d).last_hold
                for n, d in self.doms.items()}

        # Build, then export the package to a file.
        built = self.new_pkg(pkgm, 'exported')
        resp = pkgm.post('%s/%s/package_content/build' % (PKGM, built),
                         json={'vnfSnapshotInfoId': info})
        self.assertEqual(202, resp.status_code, resp.text)
        pkg = self.wait_for_pkg(pkgm, built)
        self.assertEqual('AVAILABLE', pkg['state'], pkg)
        self.assertTrue(pkg['isFullSnapshot'])
        path = os.path.join(self.tmp, 'exported.zip')
        digest = self.download_pkg(pkgm, built, path)
        full = pkgm.get('%s/%s' % (PKGM, built)).json()
        self.assertEqual(full['checksum']['hash'], digest)
        unique_id = full['vnfSnapshotPkgUniqueId']

        # Nothing of the snapshot is left on this site.
        self.assertEqual(204, pkgm.delete('%s/%s' % (PKGM, built))
                         .status_code)
        resp = self.api.delete('/vnflcm/v2/vnf_snapshots/%s' % info)
        self.assertEqual(204, resp.status_code, resp.text)
        for td in self.created:
            self.assertEqual([], os.listdir(os.path.join(
                self.tmp, 'state', 'libvirt', td.uuid, 'snapshots')))
        self.mark('changed')

        # Import the file into a new package and extract it.
        pkg = self.upload_pkg(pkgm, 'imported', path)
        imported = pkg['id']
        self.assertEqual(unique_id, pkg['vnfSnapshotPkgUniqueId'])
        resp = pkgm.post('%s/%s/package_content/extract' % (PKGM, imported),
                         json={'vnfInstanceId': inst})
        self.assertEqual(202, resp.status_code, resp.text)
        new_info = resp.headers['Location'].rsplit('/', 1)[-1]
        pkg = self.wait_for_pkg(pkgm, imported)
        self.assertEqual('AVAILABLE', pkg['state'], pkg)
        snap = self.api.get('/vnflcm/v2/vnf_snapshots/%s' % new_info).json()
        self.assertEqual(imported, snap['vnfSnapshotPkgId'])

        op = self.revert(inst, new_info)
        self.assertEqual('COMPLETED', op['operationState'], op)
        self.assertEqual({n: 'packaged' for n in self.doms}, self.markers())
        for name, dom in self.doms.items():
            self.assertEqual(boot_ids[name], guest_agent.boot_id(dom))
            self.assertEqual(held[name],
                             guest_agent.counter_state(dom).last_hold)


class TestIncrementalPackage(libvirt_base.GuestsTestCase):
    """A package built relative to an earlier one carries only what the
    guest changed; extracted after its base, it gives the whole second
    snapshot back (doc/source/user/package-format.rst)."""

    GUESTS = 1
    WRITTEN = 32 * 1024 * 1024

    def build(self, pkgm, name, info, **body):
        pkg_id = self.new_pkg(pkgm, name)
        resp = pkgm.post('%s/%s/package_content/build' % (PKGM, pkg_id),
                         json=dict(body, vnfSnapshotInfoId=info))
        self.assertEqual(202, resp.status_code, resp.text)
        pkg = self.wait_for_pkg(pkgm, pkg_id)
        self.assertEqual('AVAILABLE', pkg['state'], pkg)
        path = os.path.join(self.tmp, name + '.zip')
        self.download_pkg(pkgm, pkg_id, path)
        return pkg, path

    def extract(self, pkgm, pkg_id, inst):
        resp = pkgm.post('%s/%s/package_content/extract' % (PKGM, pkg_id),
                         json={'vnfInstanceId': inst})
        self.assertEqual(202, resp.status_code, resp.text)
        pkg = self.wait_for_pkg(pkgm, pkg_id)
        self.assertEqual('AVAILABLE', pkg['state'], pkg)
        return resp.headers['Location'].rsplit('/', 1)[-1]

    @staticmethod
    def images(path):
        """{member: its bytes on a file} of a package's disk images."""
        work = tempfile.mkdtemp(dir=os.path.dirname(path))
        with zipfile.ZipFile(path) as zf:
            return {name: zf.extract(name, work) for name in zf.namelist()
                    if name.startswith('images/') and
                    name.endswith('.qcow2')}

    def test_build_relative_then_extract_the_chain_and_revert(self):
        self.start_service()
        pkgm = base.Client('http://127.0.0.1:%d' % self.port,
                           version='1.2.0')
        inst = self.register()
        caps = self.api.get('/vnflcm/v2/vnf_instances/%s/vim_capabilities'
                            % inst).json()
        self.assertTrue(all(v['capabilities']['incrementalPackage']
                            for v in caps['vnfcs']), caps)
        (dom,) = self.doms.values()
        self.mark('base')
        s1 = self.snapshot(inst)
        p1, p1_path = self.build(pkgm, 'p1', s1)

        # A known amount of new data, then the second snapshot.
        digest = guest_agent.sh(
            dom, 'head -c %d /dev/urandom >/data/blob && sync /data/blob '
                 '/data && sha256sum /data/blob' % self.WRITTEN,
            timeout=120).stdout.split()[0].decode()
        self.mark('second')
        s2 = self.snapshot(inst)
        p2, p2_path = self.build(pkgm, 'p2', s2, basePackageId=p1['id'])
        full, full_path = self.build(pkgm, 'full', s2)

        # P2's images name P1 and hold only what changed: measured by
        # comparing S1's and S2's disks (full images of P1 and of the
        # full package of S2) block by block.
        for image in p2['vnfcSnapshotImages']:
            meta = image['userMetadata']
            self.assertEqual(p1['vnfSnapshotPkgUniqueId'],
                             meta['incrementalBasePkgUniqueId'])
            self.assertEqual(p1['checksum']['hash'],
                             meta['incrementalBaseChecksum'])
            self.assertTrue(image['imagePath'].endswith('.delta.qcow2'))
        p1_images, full_images = self.images(p1_path), self.images(full_path)
        changed = sum(guest_disks.changed_bytes(
            p1_images[path], full_images[path]) for path in p1_images)
        self.assertGreaterEqual(changed, self.WRITTEN)
        with zipfile.ZipFile(p2_path) as zf:
            image_bytes = sum(i.compress_size for i in zf.infolist()
                              if i.filename.endswith('.qcow2'))
        metadata = os.path.getsize(p2_path) - image_bytes
        self.assertLessEqual(os.path.getsize(p2_path),
                             1.1 * changed + metadata,
                             (changed, image_bytes, metadata))
        self.assertLess(os.path.getsize(p2_path),
                        os.path.getsize(full_path) / 2)

        # Nothing of either snapshot or package is left on this site.
        for pkg_id in (p1['id'], p2['id'], full['id']):
            self.assertEqual(204, pkgm.delete('%s/%s' % (PKGM, pkg_id))
                             .status_code)
        for info in (s1, s2):
            resp = self.api.delete('/vnflcm/v2/vnf_snapshots/%s' % info)
            self.assertEqual(204, resp.status_code, resp.text)
        self.mark('changed')

        # P2 alone cannot be extracted; after P1 is onboarded it can.
        p2_id = self.upload_pkg(pkgm, 'p2-imported', p2_path)['id']
        resp = pkgm.post('%s/%s/package_content/extract' % (PKGM, p2_id),
                         json={'vnfInstanceId': inst})
        self.assertEqual(422, resp.status_code, resp.text)
        self.assertIn('is not onboarded here', resp.json()['detail'])
        p1_id = self.upload_pkg(pkgm, 'p1-imported', p1_path)['id']
        self.extract(pkgm, p1_id, inst)
        new_s2 = self.extract(pkgm, p2_id, inst)

        op = self.revert(inst, new_s2)
        self.assertEqual('COMPLETED', op['operationState'], op)
        guest_agent.wait_for_agent(dom)
        self.assertEqual({n: 'second' for n in self.doms}, self.markers())
        self.assertEqual(digest, guest_agent.sh(
            dom, 'echo 3 >/proc/sys/vm/drop_caches; sha256sum /data/blob',
            timeout=120).stdout.split()[0].decode())
