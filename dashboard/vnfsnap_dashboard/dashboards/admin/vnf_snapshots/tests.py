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

from unittest import mock

from django import urls
import horizon

from vnfsnap_dashboard.api import vnf_snapshots as api
from vnfsnap_dashboard.test import helpers
from vnfsnap_dashboard.test import vnf_snapshots_data as data

INDEX_URL = urls.reverse('horizon:admin:vnf_snapshots:index')
DETAIL_URL = urls.reverse('horizon:admin:vnf_snapshots:detail',
                          args=(data.AVAILABLE_ID,))


class AdminVnfSnapshotsTests(helpers.BaseAdminViewTests):

    def test_panel_is_in_the_admin_group(self):
        dashboard = horizon.get_dashboard('admin')
        panel = dashboard.get_panel('vnf_snapshots')
        self.assertIn(panel, dashboard.get_panel_group('vnfsnap'))

    @mock.patch.object(api, 'vnf_snapshot_list')
    def test_index_is_read_only(self, vnf_snapshot_list):
        vnf_snapshot_list.return_value = [data.available(), data.creating()]
        res = self.client.get(INDEX_URL)
        self.assertEqual(200, res.status_code)
        content = res.content.decode()
        self.assertIn('before-upgrade', content)
        self.assertIn(DETAIL_URL, content)
        # The filter only: no button, no row action, no form link.
        self.assertIn('vnf_snapshots__vnf_snapshots_filter', content)
        for action in ('__action_create', '__action_revert',
                       '__action_delete', '__action_snapshot_again',
                       '/revert/', '/create/'):
            self.assertNotIn(action, content)
        # The row being filled still refreshes itself.
        self.assertEqual(1, content.count('ajax-update warning'))

    @mock.patch.object(api, 'vnf_snapshot_get')
    def test_detail_has_no_actions(self, vnf_snapshot_get):
        vnf_snapshot_get.return_value = data.available()
        res = self.client.get(DETAIL_URL)
        self.assertEqual(200, res.status_code)
        content = res.content.decode()
        self.assertIn('vnfc-web', content)
        self.assertIn('File system', content)
        for action in ('/revert/', '/create/', 'btn-danger'):
            self.assertNotIn(action, content)

    @mock.patch.object(api, 'vnf_snapshot_get')
    def test_row_refresh(self, vnf_snapshot_get):
        vnf_snapshot_get.return_value = data.available()
        res = data.row_update(self.client, INDEX_URL, data.AVAILABLE_ID)
        self.assertIn('status_up', res.content.decode())
        self.assertNotIn('/revert/', res.content.decode())

    def test_project_forms_are_not_reachable_from_the_admin_panel(self):
        for name in ('create', 'revert'):
            self.assertRaises(urls.NoReverseMatch, urls.reverse,
                              'horizon:admin:vnf_snapshots:%s' % name)
