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
        imported = self.new_pkg(pkgm, 'imported')
        with open(path, 'rb') as f:
            resp = pkgm.request(
                'PUT', '%s/%s/package_content' % (PKGM, imported), data=f,
                headers={'Content-Type': 'application/zip'})
        self.assertEqual(202, resp.status_code, resp.text)
        pkg = self.wait_for_pkg(pkgm, imported)
        self.assertEqual('AVAILABLE', pkg['state'], pkg)
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
