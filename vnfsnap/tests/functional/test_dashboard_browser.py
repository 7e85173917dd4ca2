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
user and clicks through the panels as dashboard_flow describes.  A member
registers a VNF of two Nova servers, snapshots it and watches the row
refresh itself, reverts it after the confirmation (the guests' files come
back), builds a package, downloads it and uploads it again; then, on a
second VNF of two real libvirt guests of the test image (vnfsnap_demo),
takes a warm snapshot (memory captured: Nova cannot, vnfsnap's libvirt
driver can) and watches its row become available, and starts a guarded
online test from its Online Tests tab whose baseline fails (its row
follows it to rolled back, its page shows the probe); every page
renders in both of Horizon's themes; a reader of the project sees the
tables and no action, and is refused a direct POST; the member of another
project sees none of it.  Run under the guests' lock::

    flock /tmp/vnfsnap-guests.lock tools/run-tests.sh functional \
        test_dashboard_browser
"""

import concurrent.futures
import json
import os
import time

from testtools import content

from vnfsnap.tests.fixtures import browser
from vnfsnap.tests.fixtures import dashboard_flow
from vnfsnap.tests.fixtures import horizon_services
from vnfsnap.tests.fixtures import keystone_vnfsnap
from vnfsnap.tests.fixtures import libvirt_services
from vnfsnap.tests.fixtures import openstack_services
from vnfsnap.tests.fixtures import openstack_vnfcs
from vnfsnap.tests.functional import base
from vnfsnap_demo import domains
from vnfsnap_demo import guest_image
from vnfsnap_demo import scenario

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
            self.assertFalse(os.path.exists(path), path)


PERSONA_PAGES = ('vnf_instances', 'vnf_snapshots', 'vnf_operations',
                 'vnf_snapshot_packages')
#: Actions a reader keeps: downloading a package's content is reading it
#: (policy vnfsnap:vnf_snapshot_package:get_content: project reader).
READER_ACTIONS = ('download',)
#: The VNF's name, and the snapshot's and packages' (unique in the run).
VNF, SNAPSHOT, PACKAGE, UPLOADED = ('web-tier', 'before-upgrade',
                                    'web-tier-package', 'web-tier-copy')
#: The second VNF (libvirt guests) and its warm snapshot.
WARM_VNF, WARM_SNAPSHOT = 'counter-tier', 'warm-before-upgrade'
#: The libvirt guests' name prefix (removed by it: no other user).
GUEST_PREFIX = 'vnfsnap-dash-guest'
GUESTS = 2


class TestDashboardBrowser(base.FunctionalTestCase):

    def setUp(self):
        super().setUp()
        self.cloud = openstack_services.shared_cloud()
        libvirt_services.require_libvirt()
        # QEMU (libvirt-qemu) reads the guests' and the snapshots' files.
        os.chmod(self.tmp, 0o755)
        # Cleanups run last-in first-out: the servers, volumes, images and
        # guests go before the users and projects.
        self.dashboard = self.useFixture(dashboard_flow.Dashboard(
            self.cloud, conf={'libvirt': {
                'snapshot_dir': os.path.join(self.tmp, 'libvirt')}}))
        self.horizon = self.dashboard.horizon
        _, data_image = openstack_vnfcs.shared_cloud_and_guests(self)
        member = self.dashboard.vnfsnap.session('member_a')
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            self.servers = list(pool.map(
                lambda i: openstack_vnfcs.boot_vnfc(
                    self.cloud, 'dash-vnfc-%d' % i, data_image,
                    sess=member), range(2)))
        self.guests = self.boot_guests()
        self.browser = self.useFixture(
            browser.Browser(self.horizon.url, test=self))
        self.browser.driver.set_script_timeout(120)
        self.flow = dashboard_flow.Flow(self.browser)
        self.api = keystone_vnfsnap.Api(member)
        self.timings = []
        self.started = time.monotonic()

    def boot_guests(self):
        """Two guests of the test image on qemu:///system, removed (by
        their prefix, with their snapshots) at cleanup."""
        conn = self.useFixture(libvirt_services.LibvirtDaemons()).connect()
        image = guest_image.build()
        domains.destroy_all(conn, GUEST_PREFIX)
        self.addCleanup(domains.destroy_all, conn, GUEST_PREFIX)
        created, _ = domains.create_and_boot(
            conn, image, GUESTS, os.path.join(self.tmp, 'guests'),
            prefix=GUEST_PREFIX)
        return created

    def tearDown(self):
        self.addDetail('timings', content.text_content(
            '\n'.join(self.timings)))
        super().tearDown()

    def step(self, what):
        self.timings.append('%6.1f s  %s' % (
            time.monotonic() - self.started, what))

    def login(self, persona):
        user = self.dashboard.users[persona]
        self.browser.logout()
        self.browser.login(user['name'], user['password'])

    def assert_no_server_error(self, since=0):
        self.assertEqual([], self.horizon.server_errors(since),
                         self.horizon.django_log()[-3000:])

    # --- the test ---------------------------------------------------------

    def test_member_reader_and_other_project_in_the_browser(self):
        self.login('member_a')
        self.assertIn('VNF Snapshots', self.browser.nav_labels())
        for label in ('VNF Instances', 'Operations'):
            self.assertIn(label, self.browser.nav_labels())
        self.step('member logged in')
        made = self.member_snapshots_reverts_and_moves_a_package()
        warm_instance = self.warm_snapshot_of_libvirt_guests()
        made['online_test'] = self.online_test_of_libvirt_vnf(warm_instance)
        self.every_page_in_both_themes(made)
        self.reader_sees_tables_without_actions(made)
        self.other_project_sees_nothing(made)
        self.assert_no_server_error()

    def member_snapshots_reverts_and_moves_a_package(self):
        flow = self.flow
        instance_id = flow.register_vnf(VNF, [s['id'] for s in self.servers])
        row = flow.row('vnf_instances', instance_id).text
        self.assertIn('Started', row)
        self.step('VNF registered from the form')

        openstack_vnfcs.write_markers(self.cloud, self.servers, 'snapshot')
        snap = flow.create_snapshot(VNF, SNAPSHOT)
        # Nova cannot capture memory: greyed out, with the reason.
        self.assertTrue(snap['memory_disabled'])
        self.assertIn('cannot capture memory', snap['memory_help'])
        self.assertTrue(snap['in_progress'])
        self.assertTrue(flow.wait_until_final('vnf_snapshots', snap['id']))
        self.assertTrue(flow.not_reloaded())
        self.step('snapshot row refreshed itself to its final state')

        openstack_vnfcs.write_markers(self.cloud, self.servers, 'changed')
        confirmation = flow.revert(snap['id'])
        for server in self.servers:
            self.assertIn(server['name'], confirmation)
        self.assertIn('Disk: every write since', confirmation)
        op_ids = flow.operations()
        ops = self.api.get(keystone_vnfsnap.LCM + '/vnf_lcm_op_occs').json()
        self.assertEqual({'CREATE_SNAPSHOT': 'COMPLETED',
                          'REVERT_TO_SNAPSHOT': 'COMPLETED'},
                         {o['operation']: o['operationState'] for o in ops})
        self.assertEqual({o['id'] for o in ops}, set(op_ids))
        self.assertEqual({'snapshot'}, openstack_vnfcs.read_markers(
            self.cloud, self.servers))
        self.step('reverted after the confirmation')

        pkg_id, ok = flow.build_package(SNAPSHOT, PACKAGE)
        self.assertTrue(ok)
        self.assertTrue(flow.not_reloaded())
        pkg = self.api.get('%s/%s' % (keystone_vnfsnap.PKGM, pkg_id)).json()
        self.assertIn(pkg['checksum']['hash'], flow.package_detail(pkg_id))
        path = flow.download_package(pkg_id)
        self.assertEqual(pkg['checksum']['hash'], dashboard_flow.sha256(path))
        self.step('package built and downloaded')

        copy_id, progress, ok = flow.upload_package(path, UPLOADED)
        # The bar moved while the file went up (its last values may come
        # after the modal closed).
        self.assertTrue(progress)
        self.assertEqual(sorted(progress), progress)
        self.assertGreater(progress[-1], 0)
        self.assertTrue(ok)
        copy = self.api.get('%s/%s' % (keystone_vnfsnap.PKGM,
                                       copy_id)).json()
        self.assertEqual(('AVAILABLE', pkg['checksum']),
                         (copy['state'], copy['checksum']))
        self.step('package uploaded again')
        return {'instance': instance_id, 'snapshot': snap['id'],
                'operation': op_ids[0], 'package': pkg_id}

    def register_libvirt_vnf(self):
        """The guests as a VNF of member_a's project, through the API (a
        libvirt VimConnectionInfo); deleted, snapshots first, at
        cleanup."""
        body = scenario.Demo(GUESTS).registration(self.guests)
        body['vnfInstanceName'] = WARM_VNF
        resp = self.api.post(keystone_vnfsnap.LCM + '/vnf_instances',
                             json=body)
        self.assertEqual(201, resp.status_code, resp.text)
        instance_id = resp.json()['id']
        self.addCleanup(self.delete_vnf, instance_id)
        return instance_id

    def delete_vnf(self, instance_id):
        snaps = self.api.get(keystone_vnfsnap.LCM + '/vnf_snapshots').json()
        for snap in snaps:
            if (snap.get('vnfSnapshot') or {}).get(
                    'vnfInstanceId') == instance_id:
                resp = self.api.delete('%s/vnf_snapshots/%s' % (
                    keystone_vnfsnap.LCM, snap['id']))
                self.assertEqual(204, resp.status_code, resp.text)
        resp = self.api.delete('%s/vnf_instances/%s' % (
            keystone_vnfsnap.LCM, instance_id))
        self.assertEqual(204, resp.status_code, resp.text)

    def warm_snapshot_of_libvirt_guests(self):
        instance_id = self.register_libvirt_vnf()
        self.step('libvirt VNF registered through the API')
        snap = self.flow.create_snapshot(WARM_VNF, WARM_SNAPSHOT,
                                         with_memory=True)
        # The libvirt driver captures memory: the box is there to tick.
        self.assertFalse(snap['memory_disabled'], snap['memory_help'])
        self.assertTrue(snap['memory_ticked'])
        self.assertTrue(snap['in_progress'])
        self.assertTrue(self.flow.wait_until_final('vnf_snapshots',
                                                   snap['id']))
        self.assertTrue(self.flow.not_reloaded())
        self.assertIn('Available', self.flow.row('vnf_snapshots',
                                                 snap['id']).text)
        info = self.api.get('%s/vnf_snapshots/%s' % (
            keystone_vnfsnap.LCM, snap['id'])).json()
        self.assertEqual(instance_id, info['vnfSnapshot']['vnfInstanceId'])
        vnfcs = info['vnfSnapshot']['vnfcSnapshots']
        self.assertEqual(GUESTS, len(vnfcs))
        self.assertEqual({v['id']: 'Yes' for v in vnfcs},
                         self.flow.vnfc_memory_captured(snap['id']))
        self.step('warm snapshot row refreshed itself to available; '
                  'memory captured for each VNFC')
        return instance_id

    def online_test_of_libvirt_vnf(self, instance_id):
        """A guarded online test started from the Online Tests tab whose
        baseline fails (its probe exits 3 in a guest): its row
        follows it to rolled back, nothing was done to the VNF, and its
        page shows the failed baseline probe."""
        instance = self.api.get('%s/vnf_instances/%s' % (
            keystone_vnfsnap.LCM, instance_id)).json()
        vnfc = instance['instantiatedVnfInfo']['vnfcResourceInfo'][0]['id']
        request = {'description': 'baseline that fails',
                   'probes': [{'id': 'always-fails',
                               'type': 'GUEST_COMMAND',
                               'vnfcInstanceId': vnfc, 'timeout': 10,
                               'command': ['/bin/sh', '-c', 'exit 3']}],
                   'fault': {'type': 'PAUSE_VNFC', 'vnfcInstanceId': vnfc},
                   'expectedRecoveryTime': 5}
        test_id, _ = self.flow.start_online_test(instance_id,
                                                 json.dumps(request))
        # ROLLED_BACK is a final state with the class status_down.
        self.assertFalse(self.flow.wait_until_final('online_tests', test_id))
        self.assertIn('Rolled back',
                      self.flow.row('online_tests', test_id).text)
        test = self.api.get('%s/vnf_instances/%s/online_tests/%s' % (
            keystone_vnfsnap.LCM, instance_id, test_id)).json()
        self.assertEqual(('ROLLED_BACK', None, None),
                         (test['operationState'], test.get('verdict'),
                          test.get('preTestVnfSnapshotInfoId')))
        self.assertEqual('baseline', test['probeRounds'][0]['phase'])
        page = self.flow.online_test_detail(instance_id, test_id)
        for text in ('Rolled back', 'Not judged', 'PAUSE_VNFC',
                     'Not injected', 'Baseline (before the fault)',
                     'always-fails', 'exit 3'):
            self.assertIn(text, page)
        self.step('online test started from the form, its row followed '
                  'it to rolled back; its page shows the failed baseline')
        return instance_id, test_id

    def detail_pages(self, made):
        panels = dashboard_flow.PANELS
        return [panels[panel] + '%s/' % made[key] for panel, key in (
            ('vnf_instances', 'instance'), ('vnf_snapshots', 'snapshot'),
            ('vnf_operations', 'operation'),
            ('vnf_snapshot_packages', 'package'))] + [
            panels['vnf_instances'] + '%s/online_tests/%s/'
            % made['online_test']]

    def every_page_in_both_themes(self, made):
        pages = list(dashboard_flow.PANELS.values()) + self.detail_pages(made)
        for theme in horizon_services.THEMES:
            self.browser.set_theme(theme)
            for page in pages:
                with self.subTest(theme=theme, page=page):
                    mark = len(self.horizon.requests())
                    self.browser.open(page)
                    self.browser.wait_for('#content_body',
                                          'the content of %s' % page)
                    self.assertEqual(page, self.browser.path)
                    self.assert_no_server_error(mark)
                    self.assertEqual(
                        theme == 'material',
                        bool(self.browser.find('.material-header')))
        self.browser.set_theme('default')
        self.step('%d pages in both themes' % len(pages))

    def post_status(self, path, fields):
        """The status of a POST of ``fields`` to ``path`` from the page,
        with the session's CSRF token, as a crafted form would send it."""
        return self.browser.driver.execute_async_script(
            'var done = arguments[arguments.length - 1];'
            'var body = new FormData();'
            'body.append("csrfmiddlewaretoken", document.querySelector('
            '  "input[name=csrfmiddlewaretoken]").value);'
            'for (var k in arguments[1]) body.append(k, arguments[1][k]);'
            'fetch(arguments[0], {method: "POST", body: body,'
            '  credentials: "same-origin", redirect: "manual"})'
            '  .then(function (r) { done(r.status); },'
            '        function (e) { done(String(e)); });',
            self.horizon.url + path, fields)

    def changing_actions(self):
        return [a for a in self.flow.action_ids()
                if a.rsplit('__action_', 1)[1] not in READER_ACTIONS]

    def reader_sees_tables_without_actions(self, made):
        self.login('reader_a')
        for panel in PERSONA_PAGES:
            with self.subTest(panel=panel):
                self.flow.open_panel(panel)
                self.assertTrue(self.flow.row_ids(
                    dashboard_flow.TABLES[panel]))
                self.assertEqual([], self.changing_actions())
        for page in self.detail_pages(made):
            with self.subTest(page=page):
                self.browser.open(page)
                self.browser.wait_for('#content_body')
                self.assertEqual([], self.changing_actions())
        ops_before = self.api.get(
            keystone_vnfsnap.LCM + '/vnf_lcm_op_occs').json()
        panels = dashboard_flow.PANELS
        for path, fields in (
                (panels['vnf_instances'] + 'register/', {
                    'name': 'stolen', 'vnfd_id': 'x', 'provider': 'x',
                    'product': 'x', 'software_version': '1',
                    'vnfd_version': '1',
                    'servers': self.servers[0]['id']}),
                (panels['vnf_snapshots'] + '%s/revert/' % made['snapshot'],
                 {'snapshot_id': made['snapshot'],
                  'vnf_instance_id': made['instance']})):
            with self.subTest(path=path):
                self.assertEqual(403, self.post_status(path, fields))
        self.assertEqual(2, len(self.api.get(
            keystone_vnfsnap.LCM + '/vnf_instances').json()))
        self.assertEqual(ops_before, self.api.get(
            keystone_vnfsnap.LCM + '/vnf_lcm_op_occs').json())
        self.step('reader: tables, no action, POST refused')

    def other_project_sees_nothing(self, made):
        self.login('member_b')
        for panel in PERSONA_PAGES:
            with self.subTest(panel=panel):
                self.flow.open_panel(panel)
                self.assertEqual([], self.flow.row_ids(
                    dashboard_flow.TABLES[panel]))
        for page in self.detail_pages(made):
            with self.subTest(page=page):
                mark = len(self.horizon.requests())
                self.browser.open(page)
                self.browser.wait_for('#content_body')
                self.assert_no_server_error(mark)
                body = self.browser.find('#content_body').text
                for secret in (VNF, SNAPSHOT, PACKAGE, WARM_VNF):
                    self.assertNotIn(secret, body)
        self.step('other project: nothing')
