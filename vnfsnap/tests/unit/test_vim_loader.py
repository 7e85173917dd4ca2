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

"""Loading VIM drivers by vimType."""

from unittest import mock

import testtools

from vnfsnap import vim
from vnfsnap.common import exception
from vnfsnap.vim import base


class Recorder(base.VimDriver):
    """A driver that only remembers how it was made."""

    def capabilities(self, vnfc=None):
        return base.Capabilities()

    def quiesce(self, vnfc, timeout):
        pass

    def unquiesce(self, vnfc):
        pass

    def create_vnfc_snapshot(self, vnfc, snapshot_id, with_memory,
                             quiesced):
        pass

    def delete_vnfc_snapshot(self, vnfc_snapshot):
        pass

    def check_revert(self, vnfc, vnfc_snapshot):
        pass

    def revert_vnfc_snapshot(self, vnfc, vnfc_snapshot, power_state=None):
        pass


class TestLoader(testtools.TestCase):

    def setUp(self):
        super().setUp()
        saved = dict(vim._registered)
        self.addCleanup(lambda: (vim._registered.clear(),
                                 vim._registered.update(saved)))
        vim._registered.clear()

    def test_unknown_type_lists_installed(self):
        vim.register('TEST.A', Recorder)
        vim.register('TEST.B', Recorder)
        e = self.assertRaises(exception.VimDriverNotFound, vim.get_driver,
                              {'vimType': 'NO.SUCH'})
        self.assertEqual(422, e.code)
        self.assertIn('NO.SUCH', e.message)
        self.assertIn('TEST.A, TEST.B', e.message)
        self.assertIn(', '.join(vim.installed()), e.message)

    def test_missing_vim_type(self):
        self.assertRaises(exception.VimDriverNotFound, vim.get_driver, {})

    def test_nothing_installed(self):
        with mock.patch.object(vim.stevedore, 'ExtensionManager') as em:
            em.return_value.names.return_value = []
            self.assertEqual([], vim.installed())
            e = self.assertRaises(exception.VimDriverNotFound,
                                  vim.get_driver, {'vimType': 'X'})
        self.assertIn('installed: none', e.message)

    def test_registered_class_instantiated(self):
        vim.register('TEST.A', Recorder)
        info = {'vimId': 'v', 'vimType': 'TEST.A',
                'accessInfo': {'password': 'p'}}
        driver = vim.get_driver(info)
        self.assertIsInstance(driver, Recorder)
        self.assertEqual(info, driver.vim_connection_info)
        # One instance per call (the flows cache per connection).
        self.assertIsNot(driver, vim.get_driver(info))

    def test_installed_merges_entry_points(self):
        vim.register('TEST.B', Recorder)
        with mock.patch.object(vim.stevedore, 'ExtensionManager') as em:
            em.return_value.names.return_value = ['TEST.C', 'TEST.A']
            self.assertEqual(['TEST.A', 'TEST.B', 'TEST.C'],
                             vim.installed())
        em.assert_called_once_with(vim.NAMESPACE)

    def test_entry_point_driver(self):
        info = {'vimType': 'TEST.EP'}
        with mock.patch.object(vim.stevedore, 'DriverManager') as dm:
            driver = vim.get_driver(info)
        dm.assert_called_once_with(vim.NAMESPACE, 'TEST.EP',
                                   invoke_on_load=True, invoke_args=(info,))
        self.assertIs(dm.return_value.driver, driver)

    def test_registered_wins_over_entry_point(self):
        vim.register('TEST.EP', Recorder)
        with mock.patch.object(vim.stevedore, 'DriverManager') as dm:
            self.assertIsInstance(vim.get_driver({'vimType': 'TEST.EP'}),
                                  Recorder)
        dm.assert_not_called()
