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

"""The base of the functional tests whose VNF is real guests of the test
image (vnfsnap_demo), served by a real vnfsnap-all-in-one process."""

import os
import re
import time

import requests

from vnfsnap.tests.fixtures import guest_network
from vnfsnap.tests.fixtures import libvirt_services
from vnfsnap.tests.fixtures import services
from vnfsnap.tests.functional import base
from vnfsnap_demo import domains
from vnfsnap_demo import guest_agent
from vnfsnap_demo import guest_image
from vnfsnap_demo import scenario

#: The guests' names are ``<PREFIX><pid>-<i>``: the two functional workers
#: both run guest tests (workers.yaml), and each removes only its own and
#: those of test processes that are gone.
PREFIX = 'vnfsnap-ftg'
_NAME = re.compile(r'^%s(\d+)-\d+$' % PREFIX)


def prefix():
    """This process's guest name prefix."""
    return '%s%d' % (PREFIX, os.getpid())


def destroy_guests(conn):
    """Remove this process's guests and those left by dead processes."""
    for dom in conn.listAllDomains(0):
        match = _NAME.match(dom.name())
        if match and (int(match.group(1)) == os.getpid()
                      or not services.pid_alive(int(match.group(1)))):
            domains.destroy_all(conn, dom.name())


MARKER = '/data/marker'
FREEZE_DEADLINE = 6


class GuestsTestCase(base.FunctionalTestCase):

    GUESTS = 3
    #: Give each guest a NIC on a bridge of this test (guest_network)
    #: and let online tests probe that network.
    NETWORK = False

    def setUp(self):
        super().setUp()
        libvirt_services.require_libvirt()
        self.daemons = self.useFixture(libvirt_services.LibvirtDaemons())
        self.conn = self.daemons.connect()
        os.chmod(self.tmp, 0o755)
        self.image = guest_image.build()
        destroy_guests(self.conn)
        interfaces = None
        if self.NETWORK:
            # Before the guests' clean-up: removed after them.
            self.bridge = self.useFixture(guest_network.GuestBridge())
            interfaces = [self.bridge.interface(i + 1)
                          for i in range(self.GUESTS)]
        # self.conn, read at clean-up: a test restarting libvirtd
        # connects again.
        self.addCleanup(lambda: destroy_guests(self.conn))
        started = time.monotonic()
        self.created, self.boot_times = domains.create_and_boot(
            self.conn, self.image, self.GUESTS,
            os.path.join(self.tmp, 'guests'), prefix=prefix(),
            interfaces=interfaces)
        self.doms = {td.name: td.lookup(self.conn) for td in self.created}
        self.port = services.free_port()
        sections = {
            'DEFAULT': {'state_path': os.path.join(self.tmp, 'state'),
                        'host': 'functional'},
            'api': {'port': self.port},
            'conductor': {'freeze_deadline': FREEZE_DEADLINE},
        }
        if self.NETWORK:
            sections['online_tests'] = {
                'probe_networks': str(self.bridge.subnet)}
            # Up, the service's data not written yet (a 503).
            self.wait_http(expected=(200, 503))
            self.http_ready_after = time.monotonic() - started
        self.conf = base.write_config(os.path.join(self.tmp, 'v.conf'),
                                      sections)

    def health_url(self, td):
        return 'http://%s%s' % (td.interface.ip, guest_image.HEALTH_PATH)

    def http_health(self, td, timeout=5):
        """(status, body) of a guest's GET /health, from the host."""
        resp = requests.get(self.health_url(td), timeout=timeout,
                            proxies={'http': None, 'https': None})
        return resp.status_code, resp.text

    def wait_http(self, expected=(200,), timeout=180):
        """Wait until every guest's HTTP service answers with one of
        ``expected``; {name: (status, body)}."""
        deadline = time.monotonic() + timeout
        answers = {}
        while True:
            for td in self.created:
                try:
                    answers[td.name] = self.http_health(td)
                except requests.RequestException as e:
                    answers[td.name] = (None, str(e))
            if all(a[0] in expected for a in answers.values()):
                return answers
            self.assertLess(time.monotonic(), deadline, '%s; consoles: %s'
                            % (answers, {td.name: td.console_tail(800)
                                         for td in self.created}))
            time.sleep(0.5)

    def start_service(self, argv=None):
        argv = argv or [base.command('vnfsnap-all-in-one')]
        proc = self.start(argv + ['--config-file', self.conf],
                          port=self.port, name='vnfsnap-all-in-one')
        self.api = base.Client('http://127.0.0.1:%d' % self.port)
        return proc

    def register(self):
        body = scenario.Demo(self.GUESTS).registration(self.created)
        resp = self.api.post('/vnflcm/v2/vnf_instances', json=body)
        self.assertEqual(201, resp.status_code, resp.text)
        return resp.json()['id']

    def task(self, inst_id, name, body):
        resp = self.api.post('/vnflcm/v2/vnf_instances/%s/%s'
                             % (inst_id, name), json=body)
        self.assertEqual(202, resp.status_code, resp.text)
        return resp.headers['Location']

    def snapshot(self, inst_id, **params):
        info = self.api.post('/vnflcm/v2/vnf_snapshots', json={}).json()
        op_url = self.task(inst_id, 'create_snapshot',
                           {'vnfSnapshotInfoId': info['id'],
                            'additionalParams': params})
        op = self.api.wait_for_op(op_url, timeout=180)
        self.assertEqual('COMPLETED', op['operationState'], op)
        return info['id']

    def revert(self, inst_id, info_id, **params):
        op_url = self.task(inst_id, 'revert_to_snapshot',
                           {'vnfSnapshotInfoId': info_id,
                            'additionalParams': params})
        return self.api.wait_for_op(op_url, timeout=180)

    def mark(self, text):
        for dom in self.doms.values():
            guest_agent.write_file(dom, MARKER, text.encode())

    def markers(self):
        return {name: guest_agent.read_file(dom, MARKER,
                                            drop_caches=True).decode()
                for name, dom in self.doms.items()}
