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

"""The VNF Snapshots dashboard in a real browser.

Horizon (horizon_services: gunicorn, offline compression, the plugin
enabled the documented way) runs against the shared cloud's Keystone, with
vnfsnap behind it (keystone_vnfsnap); headless Chromium (browser) is the
user.  Run under the guests' lock::

    flock /tmp/vnfsnap-guests.lock tools/run-tests.sh functional \
        test_dashboard_browser
"""

from vnfsnap.tests.fixtures import browser
from vnfsnap.tests.fixtures import horizon_services
from vnfsnap.tests.fixtures import keystone_vnfsnap
from vnfsnap.tests.fixtures import openstack_services
from vnfsnap.tests.functional import base

#: No Keystone answers there: the login page does not need one.
NO_KEYSTONE = 'http://127.0.0.1:9/v3'


class TestHorizonSite(base.FunctionalTestCase):
    """The Horizon fixture itself: both themes served compressed, and the
    shared installed dashboard left as found."""

    def test_login_page_in_both_themes_and_plugin_removed_after(self):
        horizon = horizon_services.HorizonServer(NO_KEYSTONE)
        with horizon:
            self.assertEqual(
                sorted(horizon_services.installed_plugin_files(
                    horizon.dashboard_dir)),
                sorted(p for p in horizon.enabled if p.endswith('.py')
                       and '/enabled/' in p))
            chromium = self.useFixture(browser.Browser(horizon.url,
                                                       test=self))
            for theme in horizon_services.THEMES:
                chromium.open('/auth/login/')
                chromium.set_theme(theme)
                chromium.open('/auth/login/')
                chromium.wait_for('#loginBtn')
                self.assertEqual(theme, chromium.cookie('theme'))
            served = horizon.requests()
            self.assertEqual([], horizon.server_errors())
            # Offline compression: one stylesheet and script bundle each,
            # no SCSS compiled while serving.
            self.assertTrue([r for r in served if r.path.startswith(
                '/static/dashboard/css/output.') and r.status in (200, 304)])
            self.assertFalse([r for r in served if r.status == 404])
        self.assertEqual([], horizon_services.installed_plugin_files(
            horizon.dashboard_dir))
        for path in horizon.enabled:
            self.assertFalse(horizon_services.os.path.exists(path), path)


class TestDashboardBrowser(base.FunctionalTestCase):

    def setUp(self):
        super().setUp()
        self.cloud = openstack_services.shared_cloud()
        self.vnfsnap = self.useFixture(
            keystone_vnfsnap.KeystoneVnfsnap(self.cloud))
        self.horizon = self.useFixture(
            horizon_services.HorizonServer(self.cloud.auth_url))
        self.browser = self.useFixture(
            browser.Browser(self.horizon.url, test=self))

    def login(self, persona):
        user = self.vnfsnap.users[persona]
        self.browser.logout()
        self.browser.login(user['name'], user['password'])

    def test_member_logs_in(self):
        self.login('member_a')
        self.assertEqual([], self.horizon.server_errors())
