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

"""vnfsnap.wsgi.api under uWSGI, with the shipped uWSGI file
(etc/vnfsnap/vnfsnap-api-uwsgi.ini).

A WSGI process that read no configuration, or one without a message bus,
must not start: it would serve the embedded default, without
authentication, on the SQLite database of /var/lib/vnfsnap.
"""

import os
import subprocess
import sys
import time

import requests

from vnfsnap.tests.fixtures import services
from vnfsnap.tests.functional import base

INI = os.path.normpath(os.path.join(
    os.path.dirname(__file__), '..', '..', '..', 'etc', 'vnfsnap',
    'vnfsnap-api-uwsgi.ini'))


class TestWsgiEntry(base.FunctionalTestCase):

    def setUp(self):
        super().setUp()
        self.uwsgi = base.command('uwsgi')
        services.require_binaries('uWSGI (pyuwsgi, test-requirements.txt)',
                                  self.uwsgi)

    def _start(self, conf):
        """uWSGI with the shipped file, its HTTP router on a free port;
        returns (Popen, port, log path)."""
        with open(INI) as f:
            ini = f.read()
        port = services.free_port()
        ini = ini.replace('http = 0.0.0.0:9896',
                          'http = %s:%d' % (services.LOOPBACK, port))
        self.assertIn(str(port), ini)
        ini_path = os.path.join(self.tmp, 'vnfsnap-api-uwsgi.ini')
        with open(ini_path, 'w') as f:
            f.write(ini)
        log_path = os.path.join(self.tmp, 'uwsgi.log')
        with open(log_path, 'w') as log:
            proc = subprocess.Popen(
                [self.uwsgi, '--ini', ini_path, '--processes', '1'],
                env=services._base_env(
                    PATH=os.path.dirname(sys.executable) + ':/usr/bin:/bin',
                    HOME=self.tmp, VNFSNAP_CONFIG_FILE=conf),
                cwd=self.tmp, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True)
        self.addCleanup(proc.wait)
        # The master, its workers and its HTTP router.
        self.addCleanup(lambda: services.kill_pids(
            services.pids_in_group(proc.pid)))
        return proc, port, log_path

    def test_serves_with_a_message_bus(self):
        conf = base.write_config(os.path.join(self.tmp, 'vnfsnap.conf'), {
            'DEFAULT': {'state_path': self.tmp, 'rpc_transport': 'oslo',
                        'transport_url': 'rabbit://u:p@%s:%d/' % (
                            services.LOOPBACK, services.free_port())}})
        subprocess.run([base.command('vnfsnap-manage'), '--config-file',
                        conf, 'db', 'sync'], check=True, capture_output=True)
        proc, port, log_path = self._start(conf)
        client = base.Client('http://%s:%d' % (services.LOOPBACK, port))
        deadline = time.monotonic() + 120
        while True:
            try:
                resp = client.get('/vnflcm/v2/vnf_instances')
                break
            except requests.ConnectionError:
                self.assertIsNone(proc.poll(), 'uWSGI exited')
                self.assertLess(time.monotonic(), deadline)
                time.sleep(0.5)
        self.assertEqual((200, []), (resp.status_code, resp.json()))

    def test_refuses_to_serve_without_a_message_bus(self):
        conf = base.write_config(os.path.join(self.tmp, 'vnfsnap.conf'), {
            'DEFAULT': {'state_path': self.tmp}})
        proc, port, log_path = self._start(conf)
        try:
            returncode = proc.wait(timeout=90)
        except subprocess.TimeoutExpired:
            returncode = None
        with open(log_path) as f:
            output = f.read()
        self.assertIsNotNone(returncode, 'uWSGI still serves after 90 s:\n'
                             + output[-3000:])
        self.assertNotEqual(0, returncode, output[-3000:])
        self.assertIn('rpc_transport = oslo', output)
