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

"""A build has the driver write its disks straight into the package only
where both the driver and the package store can."""

import os
from unittest import mock

from vnfsnap.conductor.flows import common
from vnfsnap.conductor.flows import package_build
from vnfsnap.package import archive
from vnfsnap.tests import base as test_base


class TestInPlace(test_base.TestCase):

    MIGRATE = False

    def setUp(self):
        super().setUp()
        self.vnfc_dict = mock.patch.object(
            common, 'vnfc_snapshot_dict', return_value={'id': 'c1'})
        self.vnfc_dict.start()
        self.addCleanup(self.vnfc_dict.stop)

    def export(self, driver, can_place=True):
        task = package_build.ExportVnfcSnapshot(
            0, mock.Mock(), driver, self.state_path, mock.Mock())
        store = mock.Mock(can_place=can_place)
        with mock.patch.object(package_build.store, 'get_store',
                               return_value=store):
            task.execute()
        return task

    def test_in_place_with_a_driver_and_store_that_can(self):
        driver = mock.Mock(exports_in_place=True)
        task = self.export(driver)
        driver.export_vnfc_snapshot.assert_called_once_with(
            {'id': 'c1'}, task.folder, in_place=True)

    def test_not_when_the_store_cannot(self):
        driver = mock.Mock(exports_in_place=True)
        task = self.export(driver, can_place=False)
        driver.export_vnfc_snapshot.assert_called_once_with(
            {'id': 'c1'}, task.folder)

    def test_not_when_the_driver_cannot(self):
        driver = mock.Mock(exports_in_place=False)
        task = self.export(driver)
        driver.export_vnfc_snapshot.assert_called_once_with(
            {'id': 'c1'}, task.folder)

    def test_described_disks_become_converted_images(self):
        driver = mock.Mock()
        placed = {'target': 'vda', 'file': 'disk-vda.qcow2',
                  'diskFormat': 'qcow2', 'containerFormat': 'bare',
                  'source': '/images/vda.qcow2', 'sourceFormat': 'qcow2',
                  'sizeHint': 1234}
        exported = dict(placed, target='vdb', file='disk-vdb.qcow2')
        del exported['source'], exported['sourceFormat']
        arts = package_build._artifacts(
            0, '/srv/export/0', 'c1',
            {'state': 'STARTED', 'disks': [placed, exported]},
            driver=driver)
        self.assertIsInstance(arts[0], archive.ConvertedImage)
        self.assertEqual(('images/vnfc-0/disk-vda.qcow2', 1234, 'QCOW2'),
                         (arts[0].path, arts[0].size_hint,
                          arts[0].disk_format))
        arts[0].write_to('/store/.x.part', 99)
        driver.write_exported_disk.assert_called_once_with(
            placed, '/store/.x.part', 99)
        self.assertIsInstance(arts[1], archive.FileArtifact)
        self.assertEqual(os.path.join('/srv/export/0', 'disk-vdb.qcow2'),
                         arts[1].source)
