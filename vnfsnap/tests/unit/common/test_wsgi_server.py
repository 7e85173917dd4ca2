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

"""The API's HTTP server: a file answer goes out with sendfile."""

import http.client
import os
import socket
from unittest import mock

from vnfsnap.common import wsgi_server
from vnfsnap.store import base as store_base
from vnfsnap.tests import base

MIB = 1024 * 1024


class TestFileWrapper(base.TestCase):

    MIGRATE = False

    def setUp(self):
        super().setUp()
        self.data = os.urandom(3 * MIB + 11)
        self.path = os.path.join(self.state_path, 'content')
        with open(self.path, 'wb') as f:
            f.write(self.data)
        self.conf.config(host='127.0.0.1', port=0, group='api')
        self.server = wsgi_server.Server(self.app)
        self.server.start()
        self.addCleanup(self.server.stop)
        self.sendfile = self.patch_sendfile()

    def patch_sendfile(self):
        patcher = mock.patch.object(socket.socket, 'sendfile', autospec=True,
                                    side_effect=socket.socket.sendfile)
        self.addCleanup(patcher.stop)
        return patcher.start()

    def app(self, environ, start_response):
        """Bytes [start, end) of the file, as the package API answers."""
        start, end = (int(x) for x in environ['PATH_INFO'][1:].split('-'))
        start_response('200 OK', [('Content-Length', str(end - start))])
        if environ['QUERY_STRING'] == 'iterate':
            return [self.data[start:end]]
        return environ['wsgi.file_wrapper'](
            store_base.RangeFile(open(self.path, 'rb'), start, end))

    def fetch(self, path):
        conn = http.client.HTTPConnection('127.0.0.1', self.server.port,
                                          timeout=10)
        self.addCleanup(conn.close)
        conn.request('GET', path)
        resp = conn.getresponse()
        return resp.status, resp.read(), conn

    def test_whole_and_ranges_with_sendfile(self):
        size = len(self.data)
        for start, end in ((0, size), (0, 1), (MIB + 3, 2 * MIB),
                           (size - 1, size), (5, 5)):
            with self.subTest(start=start, end=end):
                self.sendfile.reset_mock()
                status, body, _ = self.fetch('/%d-%d' % (start, end))
                self.assertEqual(200, status)
                self.assertEqual(self.data[start:end], body)
                self.assertEqual(1 if end > start else 0,
                                 self.sendfile.call_count)
                if end > start:
                    self.assertEqual((start, end - start),
                                     self.sendfile.call_args.args[2:])

    def test_connection_stays_usable(self):
        status, body, conn = self.fetch('/10-20')
        self.assertEqual((200, self.data[10:20]), (status, body))
        conn.request('GET', '/0-4?iterate')
        resp = conn.getresponse()
        self.assertEqual(self.data[0:4], resp.read())
        self.assertEqual(1, self.sendfile.call_count)

    def test_other_bodies_are_iterated(self):
        status, body, _ = self.fetch('/100-%d?iterate' % (2 * MIB))
        self.assertEqual((200, self.data[100:2 * MIB]), (status, body))
        self.sendfile.assert_not_called()

    def test_tls_connections_are_iterated(self):
        """A socket that is not a plain TCP one (TLS) never sees
        sendfile."""
        class TLSLike(socket.socket):
            pass

        real = wsgi_server._Gateway._sendfile

        def as_tls(gateway, response):
            sock = gateway.req.conn.socket
            gateway.req.conn.socket = TLSLike(fileno=os.dup(sock.fileno()))
            try:
                return real(gateway, response)
            finally:
                gateway.req.conn.socket.close()
                gateway.req.conn.socket = sock

        with mock.patch.object(wsgi_server._Gateway, '_sendfile', as_tls):
            status, body, _ = self.fetch('/0-%d' % MIB)
        self.assertEqual((200, self.data[:MIB]), (status, body))
        self.sendfile.assert_not_called()

    def test_iterating_the_wrapper_stops_at_the_end(self):
        wrapper = wsgi_server.FileWrapper(
            store_base.RangeFile(open(self.path, 'rb'), 7, MIB + 9), 4096)
        self.addCleanup(wrapper.close)
        self.assertEqual(self.data[7:MIB + 9], b''.join(wrapper))
