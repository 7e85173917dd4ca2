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

"""The online tests' HTTP, TCP and webhook probes against a loopback
server, and the networks they may reach ([online_tests]probe_networks),
checked again by the conductor right before it connects."""

import json
import socket
import types

from vnfsnap.conductor import probes
from vnfsnap.tests import base
from vnfsnap.tests.fixtures import loopback


class Handler(loopback.QuietHandler):
    answer = (200, b'status: ok\n')

    def do_GET(self):
        status, body = self.answer
        self.send_response(status)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        self.rfile.read(int(self.headers['Content-Length']))
        body = json.dumps({'result': 'FAIL', 'detail': 'queue full'})
        self.send_response(200)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())


CONTEXT = types.SimpleNamespace(test_id='t', instance_id='i',
                                phase='baseline')


class TestProbes(base.TestCase):

    MIGRATE = False

    def setUp(self):
        super().setUp()
        self.server = loopback.Server(Handler)
        self.addCleanup(self.server.stop)
        self.http = {'id': 'web', 'type': 'HTTP',
                     'url': self.server.base + '/health',
                     'bodyRegex': 'status: ok'}

    def allow_loopback(self):
        self.conf.config(probe_networks=['127.0.0.0/8'],
                         group='online_tests')

    def test_nothing_is_reached_without_probe_networks(self):
        for probe in (self.http,
                      {'id': 'tcp', 'type': 'TCP', 'host': '127.0.0.1',
                       'port': self.server.port},
                      {'id': 'hook', 'type': 'WEBHOOK',
                       'url': self.server.base}):
            result = probes.run(probe, CONTEXT)
            self.assertFalse(result['passed'])
            self.assertIn('probe_networks lists no network',
                          result['detail'])

    def test_a_name_resolving_outside_is_refused(self):
        self.conf.config(probe_networks=['10.0.0.0/8'],
                         group='online_tests')
        result = probes.run(dict(self.http, url='http://localhost:%d/'
                                 % self.server.port), CONTEXT)
        self.assertFalse(result['passed'])
        self.assertIn('is not in [online_tests]probe_networks',
                      result['detail'])

    def test_http_status_body_and_latency(self):
        self.allow_loopback()
        result = probes.run(self.http, CONTEXT)
        self.assertTrue(result['passed'], result)
        self.assertEqual(200, result['status'])
        Handler.answer = (200, b'status: degraded\n')
        self.addCleanup(setattr, Handler, 'answer', (200, b'status: ok\n'))
        result = probes.run(self.http, CONTEXT)
        self.assertFalse(result['passed'])
        self.assertIn('body does not match', result['detail'])
        Handler.answer = (503, b'')
        result = probes.run(self.http, CONTEXT)
        self.assertEqual('status 503, expected 200', result['detail'])

    def test_tcp_connects_to_the_checked_address(self):
        self.allow_loopback()
        probe = {'id': 'tcp', 'type': 'TCP', 'host': '127.0.0.1',
                 'port': self.server.port}
        self.assertTrue(probes.run(probe, CONTEXT)['passed'])
        closed = socket.socket()
        closed.bind(('127.0.0.1', 0))
        port = closed.getsockname()[1]
        closed.close()
        result = probes.run(dict(probe, port=port), CONTEXT)
        self.assertFalse(result['passed'])
        self.assertIn('ConnectionRefusedError', result['detail'])

    def test_webhook_answers_the_verdict(self):
        self.allow_loopback()
        result = probes.run({'id': 'hook', 'type': 'WEBHOOK',
                             'url': self.server.base}, CONTEXT)
        self.assertFalse(result['passed'])
        self.assertEqual('queue full', result['detail'])
