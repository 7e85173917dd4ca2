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

"""Measure the server time of each VNF Snapshots page of the dashboard.

Not a test: it prints the figures behind "no page takes more than a
second" in doc/source/install/dashboard.rst.

It starts what the browser tests run, privately: the single-machine
OpenStack without compute (Keystone is what Horizon needs), vnfsnap behind
its Keystone, and Horizon with the plugin under gunicorn (offline
compression, as deployed).  It registers ``--rows`` VNF instances and VNF
snapshot packages in a project, signs in as that project's member (and as
the cloud's admin for the Admin dashboard's pages), loads every page
``--samples`` times and prints the median, lowest and highest server time
gunicorn logged for it.  The first line is Horizon's own Project > API
Access page measured the same way in the same run: the baseline of what
any page costs on this machine.

Run it where the functional tests run, under their lock:

    flock /tmp/vnfsnap-guests.lock .venv/bin/python \\
        tools/bench/dashboard_pages.py [--samples N] [--rows N]
"""

import html.parser
import statistics
import sys
import time

import requests

from vnfsnap.tests.fixtures import dashboard_flow
from vnfsnap.tests.fixtures import keystone_vnfsnap
from vnfsnap.tests.fixtures import openstack_services

BASELINE = ('Project > API Access (Horizon\'s own)', '/project/api_access/')
LCM = keystone_vnfsnap.LCM
PKGM = keystone_vnfsnap.PKGM


class _LoginForm(html.parser.HTMLParser):
    """The named inputs of Horizon's login page (CSRF token, region)."""

    def __init__(self):
        super().__init__()
        self.fields = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == 'input' and attrs.get('name'):
            self.fields[attrs['name']] = attrs.get('value') or ''


def sign_in(url, user):
    """A requests session signed in to Horizon as ``user``."""
    session = requests.Session()
    page = session.get(url + '/auth/login/', timeout=120)
    form = _LoginForm()
    form.feed(page.text)
    form.fields.update(username=user['name'], password=user['password'])
    resp = session.post(url + '/auth/login/', data=form.fields,
                        headers={'Referer': url + '/auth/login/'},
                        timeout=120)
    if '/auth/login' in resp.url:
        raise SystemExit('Horizon refused the login of %s' % user['name'])
    return session


def populate(dashboard, rows):
    """``rows`` VNF instances and packages in member_a's project; the
    first of each (for the detail pages)."""
    api = keystone_vnfsnap.Api(dashboard.vnfsnap.session('member_a'))
    instances, packages = [], []
    for i in range(rows):
        resp = api.post(LCM + '/vnf_instances', json={
            'vnfdId': 'vnfd-bench', 'vnfInstanceName': 'bench-vnf-%d' % i,
            'vnfProvider': 'acme', 'vnfProductName': 'firewall',
            'vnfSoftwareVersion': '1.0', 'vnfdVersion': '1.0'})
        resp.raise_for_status()
        instances.append(resp.json()['id'])
        resp = api.post(PKGM, json={'name': 'bench-package-%d' % i})
        resp.raise_for_status()
        packages.append(resp.json()['id'])
    return instances[:1], packages[:1]


def pages(instances, packages):
    """(label, path, persona) of every page measured after the baseline:
    the tables, detail pages and forms (the register form lists the
    project's Nova servers)."""
    project = dashboard_flow.PANELS
    found = [('Project > %s' % name, path, 'member_a')
             for name, path in project.items()]
    found += [('Project > vnf_instances > detail',
               '%s%s/' % (project['vnf_instances'], i), 'member_a')
              for i in instances]
    found += [('Project > vnf_snapshot_packages > detail',
               '%s%s/' % (project['vnf_snapshot_packages'], p), 'member_a')
              for p in packages]
    found += [('Project > %s > %s' % (panel, form),
               project[panel] + form + '/',
               'member_a') for panel, form in (
                   ('vnf_instances', 'register'),
                   ('vnf_snapshot_packages', 'build'),
                   ('vnf_snapshot_packages', 'upload'))]
    found += [('Admin > %s' % name, path, 'admin')
              for name, path in dashboard_flow.ADMIN_PANELS.items()]
    return found


def measure(horizon, session, path, samples):
    """(status, [server seconds]) of ``samples`` loads of ``path``."""
    times, status = [], None
    for _ in range(samples):
        mark = len(horizon.requests())
        resp = session.get(horizon.url + path, timeout=120,
                           allow_redirects=False)
        status = resp.status_code
        deadline = time.monotonic() + 10
        while True:
            logged = [r for r in horizon.requests()[mark:]
                      if r.path == path and r.method == 'GET']
            if logged or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        if logged:
            times.append(logged[0].seconds)
    return status, times


def report(label, status, times):
    if not times:
        print('%-46s  HTTP %s, not in the access log' % (label, status))
        return
    print('%-46s %6.3f s %6.3f s %6.3f s   HTTP %s' % (
        label, statistics.median(times), min(times), max(times), status),
        flush=True)


def main():
    parser = dashboard_flow.tool_parser(__doc__)
    parser.add_argument('--samples', type=int, default=7,
                        help='loads of each page counted, after one per '
                             'gunicorn worker')
    parser.add_argument('--rows', type=int, default=20,
                        help='VNF instances and packages to list')
    args = parser.parse_args()
    started = time.monotonic()
    print('starting Keystone, vnfsnap and Horizon ...', flush=True)
    cloud = openstack_services.OpenStackCloud(compute=False, guest=False)
    with cloud, dashboard_flow.Dashboard(cloud) as dashboard:
        horizon = dashboard.horizon
        print('up in %.0f s; Horizon %s (gunicorn, %d workers)' % (
            time.monotonic() - started, horizon.url, horizon.workers),
            flush=True)
        instances, packages = populate(dashboard, args.rows)
        sessions = {p: sign_in(horizon.url, dashboard.users[p])
                    for p in ('member_a', 'admin')}
        print('%d VNF instances and %d packages; %d loads per page\n'
              % (args.rows, args.rows, args.samples))
        print('%-46s %8s %8s %8s' % ('page (server time)', 'median', 'min',
                                     'max'))
        for label, path, persona in [BASELINE + ('member_a',)] + pages(
                instances, packages):
            session = sessions[persona]
            # One load per gunicorn worker first: warm caches, as in use.
            measure(horizon, session, path, horizon.workers)
            status, times = measure(horizon, session, path, args.samples)
            report(label, status, times)
    return 0


if __name__ == '__main__':
    sys.exit(main())
