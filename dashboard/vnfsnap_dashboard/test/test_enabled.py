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

"""The plugin's enabled files put the "VNF Snapshots" panel group on the
Project and Admin dashboards."""

import horizon

from vnfsnap_dashboard.test import helpers


class TestPanelGroups(helpers.TestCase):

    def test_panel_groups_are_registered(self):
        for slug in ('project', 'admin'):
            dashboard = horizon.get_dashboard(slug)
            group = dashboard.get_panel_group('vnfsnap')
            self.assertIsNotNone(group, slug)
            self.assertEqual('VNF Snapshots', str(group.name))
