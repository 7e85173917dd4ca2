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

"""VNF snapshot package jobs survive the all-in-one killed (SIGKILL, by
the fault hook) at their steps, and a full package store.

The in-memory VIM keeps its VNFC snapshots in a directory, so that what
an extraction imported outlives the process and the test can tell an
orphan from a recorded one. No libvirt guest: no lock needed.
"""

import hashlib
import os
import shutil
import time

from vnfsnap.tests.fixtures import api_samples
from vnfsnap.tests.fixtures import client_aio
from vnfsnap.tests.fixtures import package_crash
from vnfsnap.tests.fixtures import services
from vnfsnap.tests.functional import base

PKGM = package_crash.PKGM


class PackageCrashTestCase(base.FunctionalTestCase):

    def setUp(self):
        super().setUp()
        self.files = api_samples.Files()
        self.addCleanup(self.files.stop)

    def all_in_one(self, file_dir=None):
        return self.useFixture(package_crash.CrashableAllInOne(
            self.tmp, self.files.port, file_dir=file_dir))


class TestJobsResumeAfterACrash(PackageCrashTestCase):

    def setUp(self):
        super().setUp()
        self.aio = self.all_in_one()
        self.aio.start()
        self.inst, self.info = self.aio.snapshot_of_two_vnfcs(
            base.registration(['vm-a', 'vm-b']))

    def crash_then_resume(self, fault, start_job):
        """Restart the all-in-one armed with ``fault``, start the job,
        let it die there, start again unarmed: the package after."""
        self.aio.process.stop()
        self.aio.start(fault)
        pkg_id = start_job()
        self.assertIn(fault.split('@')[0].rstrip('*'),
                      self.aio.wait_killed())
        self.aio.start()
        pkg = self.aio.wait_pkg(pkg_id)
        # The work directory goes right after the last step.
        deadline = time.monotonic() + 60
        while self.aio.leftovers(pkg_id):
            self.assertLess(time.monotonic(), deadline,
                            self.aio.leftovers(pkg_id))
            time.sleep(0.2)
        # Nothing imported is lost or orphaned on the VIM.
        self.assertEqual(self.aio.vnfc_snapshot_handles(),
                         self.aio.vim_handles())
        return pkg

    def build(self):
        pkg_id = self.aio.new_pkg()
        self.aio.call('POST', '%s/%s/package_content/build' % (PKGM, pkg_id),
                      {'vnfSnapshotInfoId': self.info}, status=202)
        return pkg_id

    def test_build_killed_at_its_steps_runs_again(self):
        for fault in ('export-1@after', 'archive@after',
                      'verify-package@before'):
            pkg = self.crash_then_resume(fault, self.build)
            self.assertEqual('AVAILABLE', pkg['state'], (fault, pkg))
            self.assertEqual(2, len(pkg['vnfcSnapshotInfoIds']))

    def extract(self, pkg_id):
        def start():
            self.aio.call('POST', '%s/%s/package_content/extract'
                          % (PKGM, pkg_id), {'vnfInstanceId': self.inst},
                          status=202)
            return pkg_id
        return start

    def test_extract_killed_at_its_steps_finishes_without_orphans(self):
        pkg_id = self.build()
        self.assertEqual('AVAILABLE', self.aio.wait_pkg(pkg_id)['state'])
        # 'imported-*@at': the VIM made the snapshot, the conductor died
        # before recording what it made (only the name it recorded
        # first tells the resume what to delete).
        for number, fault in enumerate(('imported-*@at', 'import-*@after',
                                        'record-vnf-snapshot@after'), 2):
            pkg = self.crash_then_resume(fault, self.extract(pkg_id))
            self.assertEqual('AVAILABLE', pkg['state'], (fault, pkg))
            snapshots = [s for s in self.aio.vnf_snapshots()
                         if s.get('vnfSnapshot')]
            # The original and one VNF snapshot per extraction, whole.
            self.assertEqual(number, len(snapshots), fault)
            for snap in snapshots:
                self.assertEqual(2, len(snap['vnfSnapshot']['vnfcSnapshots']))

    def test_upload_from_uri_killed_after_the_download_runs_again(self):
        built = self.build()
        self.assertEqual('AVAILABLE', self.aio.wait_pkg(built)['state'])
        self.files.content = self.aio.call(
            'GET', '%s/%s/package_content' % (PKGM, built), status=200,
            headers={'Accept': 'application/zip'}).content

        def upload():
            pkg_id = self.aio.new_pkg()
            self.aio.call('POST', '%s/%s/package_content/upload_from_uri'
                          % (PKGM, pkg_id), {
                              'addressInformation':
                                  'http://127.0.0.1:%d/package.zip'
                                  % self.files.port}, status=202)
            return pkg_id

        for fault in ('download-package@after', 'fetch-package@before'):
            pkg = self.crash_then_resume(fault, upload)
            self.assertEqual('AVAILABLE', pkg['state'], (fault, pkg))
            self.assertEqual(hashlib.sha256(self.files.content).hexdigest(),
                             pkg['checksum']['hash'])


class TestFullPackageStore(PackageCrashTestCase):

    def setUp(self):
        super().setUp()
        if os.geteuid() != 0 or not shutil.which('mkfs.ext4'):
            services.require_binaries('loop mount (root, mkfs.ext4)',
                                      '/nonexistent/mkfs.ext4')
        self.fs = self.useFixture(package_crash.LoopFilesystem(
            self.tmp, 32))
        self.aio = self.all_in_one(file_dir=os.path.join(self.fs.path,
                                                         'packages'))
        self.aio.start()

    def upload(self, path):
        pkg_id = self.aio.new_pkg()
        with open(path, 'rb') as f:
            resp = self.aio.call(
                'PUT', '%s/%s/package_content' % (PKGM, pkg_id), data=f,
                headers={'Content-Type': 'application/zip'})
        return pkg_id, resp

    def test_full_store_fails_the_package_and_harms_nothing(self):
        small_dir = os.path.join(self.tmp, 'small')
        big_dir = os.path.join(self.tmp, 'big')
        os.makedirs(small_dir)
        os.makedirs(big_dir)
        small, small_sha = client_aio.package_file(small_dir,
                                                   image_size=1 << 20)
        big, _ = client_aio.package_file(big_dir, image_size=40 << 20)
        kept, resp = self.upload(small)
        self.assertEqual(202, resp.status_code, resp.text)
        self.assertEqual('AVAILABLE', self.aio.wait_pkg(kept)['state'])
        free = self.fs.free()

        # By PUT: the API answers 507 with the reason.
        pkg_id, resp = self.upload(big)
        self.assertEqual(507, resp.status_code, resp.text)
        self.assertIn('No space left in the package store',
                      resp.json()['detail'])
        pkg = self.aio.wait_pkg(pkg_id)
        self.assertEqual('ERROR', pkg['state'])
        self.assertIn('No space left', pkg['failureDetails']['details'][
            'detail'])

        # From a URI: the conductor fails the package with the reason.
        with open(big, 'rb') as f:
            self.files.content = f.read()
        uri_pkg = self.aio.new_pkg()
        self.aio.call('POST', '%s/%s/package_content/upload_from_uri'
                      % (PKGM, uri_pkg), {
                          'addressInformation':
                              'http://127.0.0.1:%d/package.zip'
                              % self.files.port}, status=202)
        pkg = self.aio.wait_pkg(uri_pkg)
        self.assertEqual('ERROR', pkg['state'])
        self.assertEqual('UPLOAD_ERROR', pkg['failureDetails']['errorType'])
        self.assertIn('No space left in the package store',
                      pkg['failureDetails']['details']['detail'])

        # Space freed, nothing partial left, the other package intact.
        self.assertGreaterEqual(self.fs.free(), free - (64 << 10))
        for failed in (pkg_id, uri_pkg):
            self.assertFalse(os.path.exists(os.path.join(
                self.aio.file_dir, failed)))
        self.assertEqual('AVAILABLE', self.aio.wait_pkg(kept)['state'])
        self.assertEqual(small_sha, self.download_pkg(
            self._pkgm(), kept, os.path.join(self.tmp, 'again.zip')))

    def _pkgm(self):
        aio = self.aio

        class Pkgm:
            def get(self, path, headers=None, **kwargs):
                return aio.call('GET', path, headers=headers or {},
                                **kwargs)
        return Pkgm()
