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

"""The base of the plugin's view tests: Horizon's TestCase with vnfsnap in
the logged-in user's service catalog (the panels are hidden otherwise), and
users with other roles for the policy tests."""

from openstack_dashboard.test import helpers

VNFSNAP_URL = 'http://vnfsnap.example.com:9896'

VNFSNAP_SERVICE = {
    'type': 'vnfsnap',
    'name': 'vnfsnap',
    'endpoints_links': [],
    'endpoints': [{'region': 'RegionOne', 'interface': interface,
                   'url': VNFSNAP_URL}
                  for interface in ('admin', 'internal', 'public')],
}

MEMBER_ROLES = [{'id': '2', 'name': 'member'}, {'id': '3', 'name': 'reader'}]
READER_ROLES = [{'id': '3', 'name': 'reader'}]
ADMIN_ROLES = [{'id': '1', 'name': 'admin'}] + MEMBER_ROLES


class TestCase(helpers.TestCase):
    """A project member with vnfsnap in the catalog."""

    def _setup_test_data(self):
        super()._setup_test_data()
        self.service_catalog.append(dict(VNFSNAP_SERVICE))

    def as_roles(self, roles):
        """Log the test user in again with ``roles`` (e.g. READER_ROLES)."""
        self._setup_user(roles=roles)


class BaseAdminViewTests(TestCase):
    """An administrator, for the Admin dashboard's read-only views."""

    def _setup_user(self, **kwargs):
        kwargs.setdefault('roles', ADMIN_ROLES)
        super()._setup_user(**kwargs)
