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

"""The HTTP server of vnfsnap-api: cheroot, a threaded WSGI server.

oslo.service no longer ships a WSGI server and vnfsnap avoids eventlet, so
the standalone commands serve the application with cheroot (the server
Ironic uses for its JSON-RPC API). Production may run
``vnfsnap.wsgi.api:application`` under uWSGI or mod_wsgi instead.

cheroot offers no ``wsgi.file_wrapper`` and writes a body through a
Python-level buffer that copies each chunk several times (a package GET
ran at a tenth of the disk's speed). This server offers one: a file
answer (package content, a stored artifact) whose file has a descriptor
goes out with ``socket.sendfile`` from the file's position for the
Content-Length, on a plain TCP connection; anything else (TLS, no
length, chunked) is iterated as before. uWSGI and mod_wsgi have their
own file_wrapper, which the application uses the same way.
"""

import io
import json
import socket
import threading

from cheroot import errors as cheroot_errors
from cheroot import server as cheroot_server
from cheroot import wsgi
from oslo_log import log as logging

from vnfsnap.common import views
import vnfsnap.conf

CONF = vnfsnap.conf.CONF
LOG = logging.getLogger(__name__)


# Unread request body that the server still reads (and drops) to keep
# the connection open for the next request; past it, it closes instead.
_MAX_DRAIN = 64 * 1024


class _Request(cheroot_server.HTTPRequest):
    """cheroot reads whatever the application left unread of a body
    before it answers, in one read: an answer without reading (a 404 or
    401 to an upload announcing a terabyte) would wait for, and hold in
    memory, all the client announced. Beyond _MAX_DRAIN bytes the answer
    says "Connection: close" and the connection is closed instead."""

    def send_headers(self):
        if getattr(self.rfile, 'remaining', 0) > _MAX_DRAIN:
            self.close_connection = True
        super().send_headers()

    def simple_response(self, status, msg=''):
        """A request cheroot refuses before the application sees it (a
        malformed request line or header, a raw non-ASCII byte in the
        target) gets a ProblemDetails like every other error answer,
        and the connection is closed: what follows it cannot be trusted."""
        code = int(str(status)[:3])
        if code < 400:
            return super().simple_response(status, msg)
        if isinstance(msg, bytes):
            msg = msg.decode('ISO-8859-1')
        # What cheroot says of it, e.g. "Malformed Request-URI".
        body = json.dumps(views.problem_details(code, msg)).encode()
        self.close_connection = True
        head = ('%s %s\r\nContent-Type: application/problem+json\r\n'
                'Content-Length: %d\r\nConnection: close\r\n\r\n'
                % (self.server.protocol, status, len(body)))
        try:
            self.conn.wfile.write(head.encode('ISO-8859-1') + body)
        except socket.error as ex:
            if ex.args[0] not in cheroot_errors.socket_errors_to_ignore:
                raise


class FileWrapper:
    """PEP 3333 ``wsgi.file_wrapper``: iterates ``filelike`` in
    ``blksize`` reads; the gateway sends it with sendfile when it can."""

    def __init__(self, filelike, blksize=1024 * 1024):
        self.filelike = filelike
        self.blksize = blksize

    def __iter__(self):
        return iter(lambda: self.filelike.read(self.blksize), b'')

    def close(self):
        close = getattr(self.filelike, 'close', None)
        if close is not None:
            close()


class _Gateway(wsgi.Gateway_10):

    def get_environ(self):
        env = super().get_environ()
        env['wsgi.file_wrapper'] = FileWrapper
        return env

    def respond(self):
        response = self.req.server.wsgi_app(self.env, self.start_response)
        try:
            if not self._sendfile(response):
                for chunk in response:
                    if not isinstance(chunk, bytes):
                        raise ValueError('WSGI applications must yield '
                                         'bytes')
                    if chunk:
                        self.write(chunk)
        finally:
            self.req.ensure_headers_sent()
            close = getattr(response, 'close', None)
            if close is not None:
                close()

    def _sendfile(self, response):
        """Send a FileWrapper's file with sendfile; False when it cannot
        be (the caller iterates it instead)."""
        if not isinstance(response, FileWrapper):
            return False
        count = self.remaining_bytes_out
        sock = self.req.conn.socket
        # A plain TCP socket only: TLS (ssl.SSLSocket, or an adapter's
        # own connection object) must see every byte it encrypts.
        if (count is None or self.req.method == b'HEAD'
                or type(sock) is not socket.socket):
            return False
        filelike = response.filelike
        try:
            filelike.fileno()
            offset = filelike.tell()
        except (AttributeError, OSError, io.UnsupportedOperation):
            return False
        self.req.ensure_headers_sent()
        if self.req.chunked_write:
            return False
        self.req.conn.wfile.flush()
        sent = sock.sendfile(filelike, offset, count) if count else 0
        if sent != count:
            # The client was promised more: it must not wait for it.
            self.req.close_connection = True
            raise OSError('sent %d of the %d bytes of the file answer'
                          % (sent, count))
        return True


class _Connection(cheroot_server.HTTPConnection):
    RequestHandlerClass = _Request


class Server:

    def __init__(self, app):
        self._server = wsgi.Server((CONF.api.host, CONF.api.port), app,
                                   numthreads=CONF.api.threads,
                                   server_name='vnfsnap-api')
        self._server.ConnectionClass = _Connection
        self._server.gateway = _Gateway
        self._thread = None

    def start(self):
        self._server.prepare()   # binds now, so errors surface here
        self._thread = threading.Thread(target=self._server.serve,
                                        name='vnfsnap-api', daemon=True)
        self._thread.start()
        LOG.info('vnfsnap API listening on http://%s:%s', CONF.api.host,
                 self._server.bind_addr[1])

    @property
    def port(self):
        return self._server.bind_addr[1]

    def stop(self):
        self._server.stop()
        if self._thread is not None:
            self._thread.join(timeout=10)
