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

"""``openstack vnf snapshot package ...`` against a real noauth
vnfsnap-all-in-one, run as a user runs them."""

import hashlib
import json
import os

from vnfsnap.tests.fixtures import client_aio
from vnfsnap.tests.fixtures import snapshots
from vnfsnap.tests.functional import base


def _sha256(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


class TestPackageCommands(base.FunctionalTestCase):

    def setUp(self):
        super().setUp()
        self.aio = self.useFixture(client_aio.NoauthAllInOne())

    def run_ok(self, *args):
        proc = self.aio.openstack(*args)
        self.assertEqual(0, proc.returncode, '%s\n%s' % (
            args, proc.stderr[-3000:]))
        return proc.stdout

    def json_of(self, *args):
        return json.loads(self.run_ok(*(args + ('-f', 'json'))))

    def on_terminal(self, *args):
        """Run with stderr on a pseudo-terminal: (exit code, stdout,
        what the terminal showed)."""
        master, slave = os.openpty()
        try:
            proc = self.aio.openstack(*args, stderr=slave)
        finally:
            os.close(slave)
        shown = b''
        try:
            while True:
                data = os.read(master, 65536)
                if not data:
                    break
                shown += data
        except OSError:
            pass        # EIO: the terminal has no writer left
        os.close(master)
        return proc.returncode, proc.stdout, shown.decode('utf-8', 'replace')

    def test_package_life(self):
        path, sha256 = client_aio.package_file(self.tmp)
        size = os.path.getsize(path)
        pkg = self.json_of('vnf', 'snapshot', 'package', 'create', 'osc-pkg',
                           '--property', 'owner=ops')
        self.assertEqual(('CREATED', {'owner': 'ops'}),
                         (pkg['state'], pkg['userDefinedData']))

        # --wait under -f json: one JSON document, no progress, even on a
        # terminal.
        code, out, shown = self.on_terminal(
            'vnf', 'snapshot', 'package', 'upload', 'osc-pkg', '--file', path,
            '--wait', '-f', 'json')
        self.assertEqual(0, code, shown)
        uploaded = json.loads(out)
        self.assertEqual(('AVAILABLE', sha256),
                         (uploaded['state'], uploaded['checksum']['hash']))
        self.assertNotIn('MiB', shown)

        listed = self.json_of('vnf', 'snapshot', 'package', 'list',
                              '--state', 'AVAILABLE')
        self.assertEqual([('osc-pkg', 'AVAILABLE')],
                         [(p['Name'], p['State']) for p in listed])

        # A download shows byte progress on a terminal, and the file has
        # the package's SHA-256.
        dest = os.path.join(self.tmp, 'copy.zip')
        code, out, shown = self.on_terminal(
            'vnf', 'snapshot', 'package', 'download', pkg['id'],
            '--file', dest)
        self.assertEqual(0, code, shown)
        self.assertIn('100%% %.1f MiB of %.1f MiB' % (
            size / 2 ** 20, size / 2 ** 20), shown)
        self.assertEqual(sha256, _sha256(dest))

        artifacts = self.json_of('vnf', 'snapshot', 'package', 'artifact',
                                 'list', 'osc-pkg')
        by_path = {a['Path']: a for a in artifacts}
        image = by_path['images/vnfc-0/disk.raw']
        self.assertEqual(('image', snapshots.IMAGE_SIZE),
                         (image['Role'], image['Size']))
        self.assertEqual('record', by_path['vnfsr/record.json']['Role'])
        record = os.path.join(self.tmp, 'record.json')
        self.run_ok('vnf', 'snapshot', 'package', 'artifact', 'download',
                    'osc-pkg', 'vnfsr/record.json', '--file', record)
        self.assertEqual(by_path['vnfsr/record.json']['SHA-256'],
                         _sha256(record))

        self.run_ok('vnf', 'snapshot', 'package', 'set', 'osc-pkg',
                    '--name', 'renamed', '--unset-property', 'owner')
        shown_pkg = self.json_of('vnf', 'snapshot', 'package', 'show',
                                 'renamed')
        self.assertEqual(('renamed', {}), (shown_pkg['name'],
                                           shown_pkg['userDefinedData']))
        self.run_ok('vnf', 'snapshot', 'package', 'delete', 'renamed')
        self.assertEqual([], self.json_of('vnf', 'snapshot', 'package',
                                          'list'))

    def test_failures_exit_non_zero_with_the_detail(self):
        pkg = self.json_of('vnf', 'snapshot', 'package', 'create', 'bad')
        # Download of a package that has no content yet: 409.
        proc = self.aio.openstack('vnf', 'snapshot', 'package', 'download',
                                  pkg['id'], '--file',
                                  os.path.join(self.tmp, 'x.zip'))
        self.assertNotEqual(0, proc.returncode)
        self.assertIn('is in state CREATED', proc.stderr)
        # A file that is no package: processing fails, --wait says why.
        junk = os.path.join(self.tmp, 'junk.zip')
        with open(junk, 'wb') as f:
            f.write(os.urandom(100000))
        proc = self.aio.openstack('vnf', 'snapshot', 'package', 'upload',
                                  'bad', '--file', junk, '--wait', '-f',
                                  'json')
        self.assertNotEqual(0, proc.returncode)
        self.assertIn('not a readable ZIP file', proc.stderr)
        self.assertEqual('', proc.stdout)
        proc = self.aio.openstack('vnf', 'snapshot', 'package', 'show',
                                  'no-such-package')
        self.assertNotEqual(0, proc.returncode)
        self.assertIn("No VNF snapshot package with the name or id "
                      "'no-such-package'", proc.stderr)
