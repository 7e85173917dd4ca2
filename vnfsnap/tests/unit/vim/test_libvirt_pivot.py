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


"""The pivot that ends an active block commit (a cut-off or rolled-back
snapshot discarded): libvirt may refuse it a moment after the job's
progress shows complete."""

from unittest import mock

import fixtures
import libvirt

from vnfsnap.tests import base
from vnfsnap.vim.libvirt import driver as libvirt_driver


def _error(code):
    e = libvirt.libvirtError('refused')
    e.err = (code, libvirt.VIR_FROM_QEMU, 'refused', 2, '', '', '', 0, 0)
    return e


class TestPivot(base.TestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.MockPatch('time.sleep'))
        self.dom = mock.Mock()

    def test_asked_again_until_libvirt_lets_it_pivot(self):
        not_ready = _error(libvirt.VIR_ERR_BLOCK_COPY_ACTIVE)
        self.dom.blockJobAbort.side_effect = [not_ready, not_ready, None]
        libvirt_driver.LibvirtDriver._pivot(self.dom, 'vdb')
        self.assertEqual(3, self.dom.blockJobAbort.call_count)
        self.dom.blockJobAbort.assert_called_with(
            'vdb', libvirt.VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT)

    def test_other_errors_are_raised_at_once(self):
        self.dom.blockJobAbort.side_effect = _error(
            libvirt.VIR_ERR_OPERATION_INVALID)
        self.assertRaises(libvirt.libvirtError,
                          libvirt_driver.LibvirtDriver._pivot, self.dom,
                          'vdb')
        self.assertEqual(1, self.dom.blockJobAbort.call_count)

    def test_gives_up_after_block_job_timeout(self):
        self.conf.config(block_job_timeout=10, group='libvirt')
        self.dom.blockJobAbort.side_effect = _error(
            libvirt.VIR_ERR_BLOCK_COPY_ACTIVE)
        clock = iter(range(0, 100, 3))
        self.useFixture(fixtures.MockPatch('time.monotonic',
                                           side_effect=lambda: next(clock)))
        self.assertRaises(libvirt.libvirtError,
                          libvirt_driver.LibvirtDriver._pivot, self.dom,
                          'vdb')
        self.assertEqual(4, self.dom.blockJobAbort.call_count)
