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


"""The block jobs that discard a cut-off or rolled-back snapshot: the
pivot that ends an active block commit, which libvirt may refuse a moment
after the job's progress shows complete, and a paused domain, whose
images QEMU keeps inactive after a memory snapshot (libvirt's test
driver, test:///default)."""

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


class TestPausedDomain(base.TestCase):

    def setUp(self):
        super().setUp()
        self.dom = libvirt.open('test:///default').lookupByName('test')
        self.driver = libvirt_driver.LibvirtDriver(
            {'interfaceInfo': {'uri': 'test:///default'}})
        self.addCleanup(self._running)

    def _running(self):
        if self.dom.state()[0] == libvirt.VIR_DOMAIN_PAUSED:
            self.dom.resume()

    def test_runs_for_its_block_jobs_then_paused_again(self):
        self.dom.suspend()
        with self.driver._images_active(self.dom):
            self.assertEqual(libvirt.VIR_DOMAIN_RUNNING,
                             self.dom.state()[0])
        self.assertEqual(libvirt.VIR_DOMAIN_PAUSED, self.dom.state()[0])

    def test_paused_again_when_a_block_job_fails(self):
        self.dom.suspend()
        with self.assertRaises(libvirt.libvirtError):
            with self.driver._images_active(self.dom):
                raise libvirt.libvirtError('commit refused')
        self.assertEqual(libvirt.VIR_DOMAIN_PAUSED, self.dom.state()[0])

    def test_running_or_nothing_to_do_left_alone(self):
        with self.driver._images_active(self.dom):
            self.assertEqual(libvirt.VIR_DOMAIN_RUNNING,
                             self.dom.state()[0])
        self.dom.suspend()
        with self.driver._images_active(self.dom, needed=False):
            self.assertEqual(libvirt.VIR_DOMAIN_PAUSED, self.dom.state()[0])
