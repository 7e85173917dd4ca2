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

"""VNF snapshot packages on the swift store, in a split deployment.

vnfsnap-api streams uploads into a real Swift and serves content out of
it; a separate conductor (test-only fake VIM) builds, verifies and
extracts, reading and writing the same Swift. RabbitMQ and PostgreSQL are
real too. Segments are 1 MiB, so a 3 MiB package is a Static Large Object.
"""

import hashlib
import os
import secrets
import sys

from vnfsnap.tests.fixtures import snapshots
from vnfsnap.tests.fixtures import swift_services
from vnfsnap.tests.functional import base

GUESTS = ('vm-a', 'vm-b')
PKGM = base.PKGM
MIB = 1024 * 1024


class TestPackagesOnSwift(base.FunctionalTestCase):

    def setUp(self):
        super().setUp()
        self.swift = self.useFixture(swift_services.SwiftServer())
        self.container = 'pkgs-%s' % secrets.token_hex(4)
        self.start_split_api(package_store={
            'backend': 'swift', 'swift_auth_url': self.swift.auth_url,
            'swift_user': self.swift.user, 'swift_key': self.swift.key,
            'swift_container': self.container, 'swift_segment_size': MIB})
        self.start([sys.executable, '-m',
                    'vnfsnap.tests.fixtures.rpc_conductor', 'conductor',
                    '--config-file', self.conf],
                   env={'VNFSNAP_FAKE_GUESTS': ','.join(GUESTS)},
                   name='vnfsnap-conductor')
        self.pkgm = base.Client('http://127.0.0.1:%d' % self.port,
                                version='1.2.0')

    def objects(self):
        conn = self.swift.connection()
        return [o['name'] for o in conn.get_container(
            self.container, full_listing=True)[1]]

    def snapshot(self):
        inst = self.api.post('/vnflcm/v2/vnf_instances',
                             json=base.registration(GUESTS)).json()
        info = self.api.post('/vnflcm/v2/vnf_snapshots', json={}).json()
        task = self.api.post('/vnflcm/v2/vnf_instances/%s/create_snapshot'
                             % inst['id'],
                             json={'vnfSnapshotInfoId': info['id']})
        op = self.api.wait_for_op(task.headers['Location'])
        self.assertEqual('COMPLETED', op['operationState'], op)
        snap = self.api.get('/vnflcm/v2/vnf_snapshots/%s'
                            % info['id']).json()['vnfSnapshot']
        return inst, info['id'], snap

    def large_package(self, snap):
        """A package of ``snap`` whose first VNFC image is 3 MiB."""
        disk = os.path.join(self.tmp, 'disk.raw')
        with open(disk, 'w') as f:
            f.write('{"file": "imported", "pad": "%s"}'
                    % ('x' * (3 * MIB)))
        path = os.path.join(self.tmp, 'large.zip')
        snapshots.image_package(path, snap, disk, metadata={
            'target': 'vda', 'powerState': 'running', 'quiesced': 'false'})
        return path

    def test_build_upload_ranges_extract_revert(self):
        inst, info_id, snap = self.snapshot()

        built = self.new_pkg(self.pkgm, 'built')
        resp = self.pkgm.post('%s/%s/package_content/build' % (PKGM, built),
                              json={'vnfSnapshotInfoId': info_id})
        self.assertEqual(202, resp.status_code, resp.text)
        pkg = self.wait_for_pkg(self.pkgm, built, timeout=60, interval=0.2)
        self.assertEqual('AVAILABLE', pkg['state'], pkg)
        self.assertIn('%s/package.zip' % built, self.objects())
        content = self.pkgm.get('%s/%s/package_content' % (PKGM, built),
                                headers={'Accept': 'application/zip'})
        self.assertEqual(200, content.status_code, content.text)
        self.assertEqual(pkg['checksum']['hash'],
                         hashlib.sha256(content.content).hexdigest())

        # A 3 MiB upload through the API process is an SLO in Swift.
        path = self.large_package(snap)
        with open(path, 'rb') as f:
            data = f.read()
        uploaded = self.new_pkg(self.pkgm, 'uploaded')
        with open(path, 'rb') as f:
            resp = self.pkgm.request(
                'PUT', '%s/%s/package_content' % (PKGM, uploaded), data=f,
                headers={'Content-Type': 'application/zip'})
        self.assertEqual(202, resp.status_code, resp.text)
        pkg = self.wait_for_pkg(self.pkgm, uploaded, timeout=60, interval=0.2)
        self.assertEqual('AVAILABLE', pkg['state'], pkg)
        self.assertFalse(pkg['isFullSnapshot'])
        head = self.swift.connection().head_object(
            self.container, '%s/package.zip' % uploaded)
        self.assertEqual('True', head.get('x-static-large-object'))
        self.assertEqual(hashlib.sha256(data).hexdigest(),
                         pkg['checksum']['hash'])

        # Ranges across segment boundaries, of the package and of a member.
        first, last = MIB - 10, 2 * MIB + 10
        resp = self.pkgm.get('%s/%s/package_content' % (PKGM, uploaded),
                             headers={'Range': 'bytes=%d-%d' % (first, last),
                                      'Accept': 'application/zip'})
        self.assertEqual(206, resp.status_code, resp.text)
        self.assertEqual(data[first:last + 1], resp.content)
        resp = self.pkgm.get('%s/%s/artifacts/images/vnfc-0/disk.raw'
                             % (PKGM, uploaded),
                             headers={'Range': 'bytes=0-15', 'Accept': '*/*'})
        self.assertEqual(206, resp.status_code, resp.text)
        self.assertEqual(b'{"file": "import', resp.content)

        resp = self.pkgm.post('%s/%s/package_content/extract'
                              % (PKGM, uploaded),
                              json={'vnfInstanceId': inst['id']})
        self.assertEqual(202, resp.status_code, resp.text)
        extracted = resp.headers['Location'].rsplit('/', 1)[-1]
        pkg = self.wait_for_pkg(self.pkgm, uploaded, timeout=60, interval=0.2)
        self.assertEqual('AVAILABLE', pkg['state'], pkg)
        task = self.api.post(
            '/vnflcm/v2/vnf_instances/%s/revert_to_snapshot' % inst['id'],
            json={'vnfSnapshotInfoId': extracted})
        op = self.api.wait_for_op(task.headers['Location'])
        self.assertEqual('COMPLETED', op['operationState'], op)

        # Deleting the packages removes every object and segment.
        for pkg_id in (built, uploaded):
            self.assertEqual(204, self.pkgm.delete('%s/%s' % (PKGM, pkg_id))
                             .status_code)
        self.assertEqual([], self.objects())
