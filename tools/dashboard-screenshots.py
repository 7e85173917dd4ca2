#!/usr/bin/env python3
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

"""Photograph each page of the VNF Snapshots dashboard for the user guide.

It runs the steps of the browser test (vnfsnap/tests/functional/
test_dashboard_browser.py), from the same module
(vnfsnap.tests.fixtures.dashboard_flow), in the same headless Chromium,
against the same private deployment: the single-machine OpenStack with
compute, vnfsnap behind its Keystone, Horizon with the plugin enabled the
documented way, and two Nova servers of the test guest with a data volume
each.  As a project member it registers the VNF from the servers,
snapshots it, reverts it, builds a VNF snapshot package and uploads it
again, and writes a PNG of each page on the way into the output folder
(doc/source/user/dashboard/ by default), named after the page:

  vnf-instance-register.png, vnf-instances.png, vnf-instance-detail.png,
  vnf-snapshot-create.png, vnf-snapshots.png, vnf-snapshot-detail.png,
  vnf-snapshot-revert.png,
  vnf-operations.png, vnf-operation-detail.png,
  vnf-snapshot-package-build.png, vnf-snapshot-package-detail.png,
  vnf-snapshot-package-upload.png, vnf-snapshot-packages.png

Everything it starts is stopped again, and nothing is left in the shared
Horizon installation.  About four minutes here.  Run it where the
functional tests run, under their lock:

    flock /tmp/vnfsnap-guests.lock .venv/bin/python \\
        tools/dashboard-screenshots.py [--output DIR] [--theme THEME]
"""

import concurrent.futures
import os
import sys
import time

from vnfsnap.tests.fixtures import browser
from vnfsnap.tests.fixtures import dashboard_flow
from vnfsnap.tests.fixtures import horizon_services
from vnfsnap.tests.fixtures import openstack_services
from vnfsnap.tests.fixtures import openstack_vnfcs

DEFAULT_OUTPUT = os.path.join(horizon_services.ROOT, 'doc', 'source',
                              'user', 'dashboard')


def boot_servers(cloud, dashboard, count=2):
    """Boot ``count`` servers of the test guest as member_a, at once."""
    data_image = cloud.upload_image('vnfsnap-guest-data',
                                    cloud.guest_image.data_disk, 'qcow2')
    member = dashboard.vnfsnap.session('member_a')
    with concurrent.futures.ThreadPoolExecutor(count) as pool:
        return list(pool.map(lambda i: openstack_vnfcs.boot_vnfc(
            cloud, 'vnfc-%d' % i, data_image, sess=member), range(count)))


def photograph(flow, chromium, user, servers):
    """The member's way through the panels, photographed by ``flow``."""
    chromium.login(user['name'], user['password'])
    instance_id = flow.register_vnf('web-tier', [s['id'] for s in servers])
    flow.shoot('vnf-instances')
    flow.instance_detail(instance_id)
    snapshot_id = flow.create_snapshot('web-tier', 'before-upgrade')['id']
    flow.wait_until_final('vnf_snapshots', snapshot_id)
    flow.shoot('vnf-snapshots')
    flow.snapshot_detail(snapshot_id)
    flow.revert(snapshot_id)
    op_ids = flow.operations()
    flow.operation_detail(op_ids[0])
    pkg_id = flow.build_package('before-upgrade', 'web-tier-package')[0]
    flow.package_detail(pkg_id)
    path = flow.download_package(pkg_id)
    flow.upload_package(path, 'web-tier-package-copy')


def main():
    parser = dashboard_flow.tool_parser(__doc__, boots_guests=True)
    parser.add_argument('--output', default=DEFAULT_OUTPUT,
                        help='folder of the PNG files')
    parser.add_argument('--theme', default='default',
                        choices=horizon_services.THEMES,
                        help="Horizon's theme")
    parser.add_argument('--width', type=int, default=1280,
                        help='window width in pixels')
    parser.add_argument('--height', type=int, default=800,
                        help='window height in pixels')
    args = parser.parse_args()
    os.makedirs(args.output, exist_ok=True)
    started = time.monotonic()

    def say(text):
        print('%5.0f s  %s' % (time.monotonic() - started, text), flush=True)

    say('starting the single-machine OpenStack, vnfsnap and Horizon')
    cloud = openstack_services.OpenStackCloud(compute=True)
    with cloud, dashboard_flow.Dashboard(cloud) as dashboard:
        say('booting two servers')
        servers = boot_servers(cloud, dashboard)
        chromium = browser.Browser(dashboard.horizon.url,
                                   size=(args.width, args.height))
        with chromium:
            chromium.open('/auth/login/')
            chromium.set_theme(args.theme)
            written = []

            def shoot(name):
                path = os.path.join(args.output, name + '.png')
                chromium.wait('the page settled', chromium.page_loaded)
                chromium.driver.save_screenshot(path)
                written.append(path)
                say('wrote %s' % os.path.relpath(path))

            photograph(dashboard_flow.Flow(chromium, shoot), chromium,
                       dashboard.users['member_a'], servers)
        say('%d screenshots; stopping everything' % len(written))
    say('done')
    return 0


if __name__ == '__main__':
    sys.exit(main())
