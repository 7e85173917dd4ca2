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


"""The short soak of CI: tools/bench/soak.py on real guests.

Ten create -> change -> revert -> verify cycles, two of them with a
package round trip (build, export, import, extract, revert, delete), on
the embedded default; the soak must pass with nothing left over. The long
soak the docs record (doc/source/admin/soak.rst) is the same tool run
longer.
"""

import json
import os
import subprocess
import sys

from vnfsnap.tests.fixtures import libvirt_services
from vnfsnap.tests.functional import base
from vnfsnap_demo import domains

SOAK = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..',
                                    '..', 'tools', 'bench', 'soak.py'))
PREFIX = 'vnfsnap-ft-soak'


class TestShortSoak(base.FunctionalTestCase):

    def test_short_soak(self):
        libvirt_services.require_libvirt()
        conn = self.useFixture(libvirt_services.LibvirtDaemons()).connect()
        # The soak removes its guests itself; this is for a soak killed
        # by the timeout.
        self.addCleanup(domains.destroy_all, conn, PREFIX)
        os.chmod(self.tmp, 0o755)  # noqa: S103 (QEMU runs as libvirt-qemu)
        result_path = os.path.join(self.tmp, 'soak.json')
        proc = subprocess.run(
            [sys.executable, SOAK, '--cycles', '10', '--package-every', '5',
             '--vnfcs', '1', '--prefix', PREFIX, '--json', result_path,
             '--workdir', os.path.join(self.tmp, 'soak')],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            timeout=1200, check=False)
        # The soak's own report, in the test output.
        print(proc.stdout)
        self.assertEqual(0, proc.returncode, proc.stdout[-6000:])
        with open(result_path) as f:
            result = json.load(f)
        self.assertEqual([], result['problems'])
        self.assertEqual([], result['failures'])
        self.assertEqual(10, result['cycles'])
        self.assertEqual(2, result['package_cycles'])
        base_sample, end = result['baseline'], result['end']
        self.assertEqual(base_sample['files'], end['files'])
        self.assertLessEqual(end['fds'], base_sample['fds'])
        self.assertEqual([], end['extra_domains'])
        self.assertEqual([], end['not_running'])
        self.assertEqual((0, 0), (end['snapshots'], end['packages']))
