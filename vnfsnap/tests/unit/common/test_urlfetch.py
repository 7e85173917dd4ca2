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

"""urlfetch against real HTTP(S) servers on 127.0.0.1: hostile URIs are
refused with a reason and leave no file, allowed ones are downloaded."""

import base64
import datetime
import hashlib
import http.server
import ipaddress
import json
import os
import socket
import ssl
import threading
import urllib.parse

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID
from cryptography.x509.oid import NameOID
import fixtures

from vnfsnap.common import exception
from vnfsnap.common import urlfetch
from vnfsnap.tests import base

MiB = 1024 * 1024
TEST_NAME = 'pkgs.example.test'
CLIENT_ID = 'client id:1'
CLIENT_SECRET = 's3cret&pass=word'
TOKEN = 'tok-4f9a.b_c~d+e/f=='
USER = 'alice'
PASSWORD = 'p@ss:word-not-in-logs'


def send(handler, status=200, body=b'', headers=(), length=True):
    handler.send_response(status)
    for name, value in headers:
        handler.send_header(name, value)
    if length:
        handler.send_header('Content-Length', str(len(body)))
    else:
        handler.send_header('Connection', 'close')
        handler.close_connection = True
    handler.end_headers()
    handler.wfile.write(body)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, *args):
        pass

    def _serve(self):
        size = int(self.headers.get('Content-Length', 0))
        body = self.rfile.read(size) if size else b''
        path = urllib.parse.urlsplit(self.path).path
        self.server.requests.append(
            {'method': self.command, 'path': self.path,
             'headers': dict(self.headers), 'body': body})
        route = self.server.routes.get(path)
        if route is None:
            send(self, 404, b'no such thing')
        else:
            route(self)

    do_GET = do_POST = _serve


class HTTPServer(http.server.ThreadingHTTPServer):

    def handle_error(self, request, client_address):
        """Clients that gave up (timeouts, refused certificates) are part
        of the tests; the client side asserts what happened."""


class Server(fixtures.Fixture):
    """A threaded HTTP (or, with a TLS context, HTTPS) server on
    127.0.0.1 that records every request and the SNI names it saw."""

    def __init__(self, routes, tls=None):
        super().__init__()
        self.routes = routes
        self.tls = tls

    def _setUp(self):
        httpd = HTTPServer(('127.0.0.1', 0), Handler)
        httpd.routes = self.routes
        httpd.requests = self.requests = []
        self.sni = []
        if self.tls is not None:
            self.tls.sni_callback = (
                lambda sock, name, ctx: self.sni.append(name))
            httpd.socket = self.tls.wrap_socket(httpd.socket,
                                                server_side=True)
        self.addCleanup(httpd.server_close)
        thread = threading.Thread(target=httpd.serve_forever,
                                  kwargs={'poll_interval': 0.05}, daemon=True)
        thread.start()
        self.addCleanup(thread.join)
        self.addCleanup(httpd.shutdown)
        self.port = httpd.server_address[1]
        scheme = 'http' if self.tls is None else 'https'
        self.url = '%s://127.0.0.1:%d' % (scheme, self.port)


def make_pki(directory):
    """A CA and a server certificate for TEST_NAME and 127.0.0.1; returns
    (ca file, server TLS context)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    validity = (now - datetime.timedelta(minutes=5),
                now + datetime.timedelta(days=1))

    def build(subject, issuer, key, issuer_key, extensions):
        builder = (x509.CertificateBuilder()
                   .subject_name(x509.Name([x509.NameAttribute(
                       NameOID.COMMON_NAME, subject)]))
                   .issuer_name(x509.Name([x509.NameAttribute(
                       NameOID.COMMON_NAME, issuer)]))
                   .public_key(key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(validity[0])
                   .not_valid_after(validity[1]))
        for ext, critical in extensions:
            builder = builder.add_extension(ext, critical=critical)
        return builder.sign(issuer_key, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca = build('vnfsnap test CA', 'vnfsnap test CA', ca_key, ca_key, [
        (x509.BasicConstraints(ca=True, path_length=0), True),
        (x509.KeyUsage(digital_signature=False, content_commitment=False,
                       key_encipherment=False, data_encipherment=False,
                       key_agreement=False, key_cert_sign=True,
                       crl_sign=True, encipher_only=False,
                       decipher_only=False), True),
        (ca_ski, False)])
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = build(TEST_NAME, 'vnfsnap test CA', key, ca_key, [
        (x509.BasicConstraints(ca=False, path_length=None), True),
        (x509.KeyUsage(digital_signature=True, content_commitment=False,
                       key_encipherment=False, data_encipherment=False,
                       key_agreement=False, key_cert_sign=False,
                       crl_sign=False, encipher_only=False,
                       decipher_only=False), True),
        (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
        (x509.SubjectAlternativeName([
            x509.DNSName(TEST_NAME),
            x509.IPAddress(ipaddress.ip_address('127.0.0.1'))]), False),
        (x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
            ca_ski), False)])
    pem = serialization.Encoding.PEM
    ca_file = os.path.join(directory, 'ca.pem')
    cert_file = os.path.join(directory, 'server.pem')
    key_file = os.path.join(directory, 'server.key')
    with open(ca_file, 'wb') as f:
        f.write(ca.public_bytes(pem))
    with open(cert_file, 'wb') as f:
        f.write(leaf.public_bytes(pem))
    with open(key_file, 'wb') as f:
        f.write(key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert_file, key_file)
    return ca_file, ctx


class FetchTestCase(base.TestCase):
    MIGRATE = False

    def setUp(self):
        super().setUp()
        self.dest_dir = self.useFixture(fixtures.TempDir()).path
        self.dest = os.path.join(self.dest_dir, 'pkg.zip')
        self.logs = self.useFixture(fixtures.FakeLogger(level='DEBUG'))

    def allow(self, *servers, **extra):
        """Allow http(s) to the servers' ports on 127.0.0.1."""
        opts = {'allowed_schemes': ['http', 'https'],
                'allowed_ports': [s.port for s in servers] or [80, 443],
                'allowed_networks': ['127.0.0.1/32']}
        opts.update(extra)
        self.conf.config(group='package_import', **opts)

    def serve(self, routes, tls=None):
        return self.useFixture(Server(routes, tls))

    def assertRefused(self, uri, *reasons, exc=exception.UriNotAllowed,
                      credentials=None, **kw):
        """fetch_to_file refuses ``uri`` with ``exc`` whose message names
        the URI and each reason, and leaves no new or partial file."""
        before = sorted(os.listdir(self.dest_dir))
        e = self.assertRaises(exc, urlfetch.fetch_to_file, uri, self.dest,
                              credentials=credentials, **kw)
        for reason in reasons:
            self.assertIn(reason, str(e))
        self.assertEqual(before, sorted(os.listdir(self.dest_dir)))
        for secret in (CLIENT_SECRET, PASSWORD, TOKEN):
            self.assertNotIn(secret, str(e))
            self.assertNotIn(secret, self.logs.output)
        return e

    def resolve_as(self, answers):
        """Answer getaddrinfo for names in ``answers`` (name -> list of
        address lists, one per call; the last one repeats); other names go
        to the real resolver. Returns the calls made for those names."""
        real = socket.getaddrinfo
        calls = []

        def fake(host, port, *args, **kwargs):
            if host not in answers:
                return real(host, port, *args, **kwargs)
            calls.append(host)
            seq = answers[host]
            addresses = seq[min(len(calls), len(seq)) - 1]
            return [(socket.AF_INET6 if ':' in a else socket.AF_INET,
                     socket.SOCK_STREAM, socket.IPPROTO_TCP, '',
                     (a, port) if ':' not in a else (a, port, 0, 0))
                    for a in addresses]

        self.useFixture(fixtures.MonkeyPatch('socket.getaddrinfo', fake))
        return calls


class TestHostileUris(FetchTestCase):
    """Each is refused by check_uri (API time) and fetch_to_file."""

    def check(self, uri, reason):
        e = self.assertRaises(exception.UriNotAllowed, urlfetch.check_uri,
                              uri)
        self.assertIn(reason, str(e))
        self.assertEqual(400, e.code)
        self.assertRefused(uri, reason)

    def test_schemes(self):
        self.allow()
        for uri in ('file:///etc/passwd', 'ftp://example.com/p.zip',
                    'gopher://example.com:70/_x', 'data:,hello'):
            scheme = uri.split(':')[0]
            self.check(uri, "scheme '%s' is not allowed" % scheme)

    def test_http_when_only_https_allowed(self):
        self.check('http://example.com/p.zip',
                   "scheme 'http' is not allowed ([package_import]"
                   "allowed_schemes: https)")

    def test_ports(self):
        for uri, port in (('https://example.com:22/p', 22),
                          ('https://example.com:8080/p', 8080),
                          ('https://example.com:0/p', 0)):
            self.check(uri, 'port %d is not allowed' % port)
        self.allow()
        # The scheme default counts: http means port 80.
        self.conf.config(allowed_ports=[443], group='package_import')
        self.check('http://example.com/p', 'port 80 is not allowed')

    def test_forbidden_addresses(self):
        cases = {
            'https://127.0.0.1/p': '127.0.0.1 is a loopback address',
            'https://127.8.9.10/p': 'is a loopback address',
            'https://[::1]/p': '::1 is a loopback address',
            'https://0.0.0.0/p': 'unspecified',
            'https://0.1.2.3/p': 'unspecified',
            'https://[::]/p': 'unspecified',
            'https://169.254.169.254/latest/meta-data/':
                'cloud metadata address',
            'https://[fd00:ec2::254]/': 'cloud metadata address',
            'https://100.100.100.200/': 'cloud metadata address',
            'https://169.254.1.1/p': 'link-local address',
            'https://[fe80::1]/p': 'link-local address',
            'https://[::ffff:127.0.0.1]/p':
                'loopback address (IPv4-mapped 127.0.0.1)',
            'https://[::ffff:169.254.169.254]/p': 'cloud metadata address',
            'https://[64:ff9b::a9fe:a9fe]/p':
                '169.254.169.254 through NAT64',
            'https://224.0.0.1/p': 'multicast address',
            'https://[ff02::1]/p': 'multicast address',
            'https://240.0.0.1/p': 'reserved address',
            'https://255.255.255.255/p': 'reserved address',
        }
        for uri, reason in cases.items():
            self.check(uri, reason)

    def test_numeric_host_forms(self):
        for uri in ('https://2130706433/', 'https://0177.0.0.1/',
                    'https://0x7f000001/', 'https://0x7f.0.0.1/',
                    'https://127.1/', 'https://017700000001/',
                    'https://1.2.3.4.5/'):
            self.check(uri, 'non-standard form')

    def test_full_width_digits_are_an_address(self):
        self.check('https://\uff11\uff12\uff17.0.0.1/',
                   '127.0.0.1 is a loopback address')

    def test_metadata_names(self):
        for name in ('metadata.google.internal', 'metadata',
                     'METADATA.google.internal.'):
            self.check('https://%s/computeMetadata/v1/' % name,
                       'host name of a cloud metadata service')

    def test_malformed(self):
        cases = {
            'https://user:pw@example.com/p': 'user information',
            'https://example.com:99999/p': 'not a valid URI',
            'https:///p': 'names no host',
            'example.com/p': 'not an absolute URI',
            'https://exa mple.com/': 'white space',
            'https://example.com/\r\nX-Injected: 1': 'control characters',
            'https://[fe80::1%25eth0]/': 'zone identifiers',
            'https://bad_host-.example/': 'not a valid host name',
            'https://%6cocalhost/': 'not a valid host name',
        }
        for uri, reason in cases.items():
            self.check(uri, reason)
        e = self.assertRaises(exception.UriNotAllowed, urlfetch.check_uri,
                              'https://user:pw@example.com/p')
        self.assertNotIn('pw', str(e))

    def test_allowed_hosts(self):
        self.conf.config(allowed_hosts=['Pkgs.Example.COM.', '192.0.2.7'],
                         group='package_import')
        urlfetch.check_uri('https://pkgs.example.com/p.zip')
        urlfetch.check_uri('https://PKGS.example.com./p.zip')
        urlfetch.check_uri('https://192.0.2.7/p.zip')
        self.check('https://other.example.com/p.zip',
                   'host other.example.com is not in [package_import]'
                   'allowed_hosts')

    def test_private_networks(self):
        for uri in ('https://10.1.2.3/', 'https://192.168.0.1/',
                    'https://172.16.0.1/', 'https://[fd12::1]/'):
            urlfetch.check_uri(uri)
        self.conf.config(deny_private_networks=True, group='package_import')
        for uri in ('https://10.1.2.3/', 'https://192.168.0.1/',
                    'https://172.31.255.255/', 'https://100.64.0.1/',
                    'https://[fd12::1]/'):
            self.check(uri, 'private address')
        self.conf.config(allowed_networks=['10.1.0.0/16'],
                         group='package_import')
        urlfetch.check_uri('https://10.1.2.3/')
        self.check('https://10.2.0.1/', 'private address')

    def test_bad_allowed_network_is_refused_by_config(self):
        self.assertRaises(ValueError, self.conf.config,
                          allowed_networks=['10.0.0.1/8'],
                          group='package_import')

    def test_query_is_not_shown(self):
        e = self.assertRaises(exception.UriNotAllowed, urlfetch.check_uri,
                              'http://example.com/p?X-Signature=abc123')
        self.assertIn('http://example.com/p?...', str(e))
        self.assertNotIn('abc123', str(e))


class TestResolution(FetchTestCase):

    def setUp(self):
        super().setUp()
        self.server = self.serve({'/p': lambda h: send(h, body=b'data')})

    def test_localhost_resolves_to_loopback(self):
        self.allow(self.server, allowed_networks=[])
        uri = 'http://localhost:%d/p' % self.server.port
        urlfetch.check_uri(uri)      # a name is only judged when resolved
        self.assertRefused(uri, 'host localhost resolves to',
                           'a loopback address')
        self.assertEqual([], self.server.requests)

    def test_any_forbidden_address_refuses_the_host(self):
        self.allow(self.server)
        self.resolve_as({TEST_NAME: [['127.0.0.1', '169.254.169.254']]})
        self.assertRefused('http://%s:%d/p' % (TEST_NAME, self.server.port),
                           'resolves to 169.254.169.254',
                           'cloud metadata address')
        self.assertEqual([], self.server.requests)

    def test_resolved_once_and_connected_to_the_checked_address(self):
        # DNS rebinding: the second answer would point at the metadata
        # service; it is never asked for.
        self.allow(self.server)
        calls = self.resolve_as({TEST_NAME: [['127.0.0.1'],
                                             ['169.254.169.254']]})
        size, _ = urlfetch.fetch_to_file(
            'http://%s:%d/p' % (TEST_NAME, self.server.port), self.dest)
        self.assertEqual(4, size)
        self.assertEqual([TEST_NAME], calls)
        self.assertEqual('%s:%d' % (TEST_NAME, self.server.port),
                         self.server.requests[0]['headers']['Host'])

    def test_unresolvable(self):
        self.allow(self.server)
        self.resolve_as({TEST_NAME: [[]]})
        self.assertRefused('http://%s:%d/p' % (TEST_NAME, self.server.port),
                           'has no IP address', exc=exception.FetchFailed)
        self.assertRefused('http://no-such-host.invalid:%d/p'
                           % self.server.port, 'cannot resolve host',
                           exc=exception.FetchFailed)

    def test_next_address_after_a_refused_connection(self):
        sock = socket.socket()
        sock.bind(('127.0.0.1', 0))
        dead_port = sock.getsockname()[1]
        sock.close()
        self.allow(self.server, allowed_networks=['127.0.0.0/8'],
                   allowed_ports=[self.server.port, dead_port])
        self.resolve_as({TEST_NAME: [['127.0.0.2', '127.0.0.1']]})
        # 127.0.0.2 has nothing listening on the server's port.
        size, _ = urlfetch.fetch_to_file(
            'http://%s:%d/p' % (TEST_NAME, self.server.port), self.dest)
        self.assertEqual(4, size)
        self.assertRefused('http://127.0.0.1:%d/p' % dead_port,
                           'cannot connect', 'Connection refused',
                           exc=exception.FetchFailed)


class TestRedirects(FetchTestCase):

    def setUp(self):
        super().setUp()
        self.target = {}
        routes = {
            '/r': lambda h: send(h, 302, headers=[('Location',
                                                   self.target['r'])]),
            '/loop': lambda h: send(h, 302, headers=[('Location', '/loop')]),
            '/nowhere': lambda h: send(h, 301),
            '/p': lambda h: send(h, body=b'final'),
        }
        self.server = self.serve(routes)
        self.allow(self.server)

    def redirect(self, location):
        self.target['r'] = location
        return self.server.url + '/r'

    def test_followed_within_limit(self):
        uri = self.redirect('/p')
        size, digest = urlfetch.fetch_to_file(uri, self.dest)
        self.assertEqual((5, hashlib.sha256(b'final').hexdigest()),
                         (size, digest))

    def test_to_metadata_address(self):
        uri = self.redirect('http://169.254.169.254:%d/latest/meta-data/'
                            % self.server.port)
        self.assertRefused(uri, 'redirect from %s' % uri,
                           '169.254.169.254 is a cloud metadata address')

    def test_to_port_not_allowed(self):
        uri = self.redirect('http://127.0.0.1:22/')
        self.assertRefused(uri, 'redirect from %s' % uri,
                           'port 22 is not allowed')

    def test_to_scheme_not_allowed(self):
        uri = self.redirect('file:///etc/passwd')
        self.assertRefused(uri, 'URI file:///etc/passwd (redirect from',
                           "scheme 'file' is not allowed")

    def test_loop_beyond_max_redirects(self):
        self.assertRefused(self.server.url + '/loop',
                           'more than 3 redirects', exc=exception.FetchFailed)
        self.assertEqual(4, len(self.server.requests))
        self.conf.config(max_redirects=0, group='package_import')
        self.assertRefused(self.redirect('/p'), 'more than 0 redirects',
                           exc=exception.FetchFailed)

    def test_redirect_without_location(self):
        self.assertRefused(self.server.url + '/nowhere',
                           'HTTP 301 Moved Permanently without a Location',
                           exc=exception.FetchFailed)


class TestDownload(FetchTestCase):

    def setUp(self):
        super().setUp()
        self.data = os.urandom(2 * MiB + 12345)
        self.release = threading.Event()
        self.addCleanup(self.release.set)

        def hang(h):
            self.release.wait(10)
            send(h, body=b'late')

        def truncated(h):
            h.send_response(200)
            h.send_header('Content-Length', str(len(self.data)))
            h.end_headers()
            h.wfile.write(self.data[:1000])
            h.close_connection = True

        routes = {
            '/p': lambda h: send(h, body=self.data),
            '/unsized': lambda h: send(h, body=self.data, length=False),
            '/gone': lambda h: send(h, 410, b'gone'),
            '/gzip': lambda h: send(h, body=b'x', headers=[
                ('Content-Encoding', 'gzip')]),
            '/hang': hang,
            '/truncated': truncated,
        }
        self.server = self.serve(routes)
        self.allow(self.server)

    def test_download(self):
        seen = []
        size, digest = urlfetch.fetch_to_file(self.server.url + '/p',
                                              self.dest, progress=seen.append)
        self.assertEqual(len(self.data), size)
        self.assertEqual(hashlib.sha256(self.data).hexdigest(), digest)
        with open(self.dest, 'rb') as f:
            self.assertEqual(self.data, f.read())
        self.assertEqual([MiB, 2 * MiB, len(self.data)], seen)
        self.assertEqual(['pkg.zip'], os.listdir(self.dest_dir))
        headers = self.server.requests[0]['headers']
        self.assertEqual('127.0.0.1:%d' % self.server.port, headers['Host'])
        self.assertEqual('identity', headers['Accept-Encoding'])
        self.assertNotIn('Authorization', headers)

    def test_open_stream(self):
        with urlfetch.open_stream(self.server.url + '/p') as body:
            self.assertEqual(len(self.data), body.length)
            first = body.read(1000)
            rest = b''.join(iter(lambda: body.read(MiB), b''))
            self.assertRaises(ValueError, body.read, 0)
        self.assertEqual(self.data, first + rest)
        with urlfetch.open_stream(self.server.url + '/unsized') as body:
            self.assertIsNone(body.length)
            self.assertEqual(self.data,
                             b''.join(iter(lambda: body.read(MiB), b'')))

    def test_max_size(self):
        limit = len(self.data) - 1
        self.assertRefused(self.server.url + '/p',
                           'the body is %d bytes, more than the limit of %d'
                           % (len(self.data), limit),
                           exc=exception.FetchFailed, max_size=limit)
        self.assertRefused(self.server.url + '/unsized',
                           'larger than the limit of %d bytes' % limit,
                           exc=exception.FetchFailed, max_size=limit)
        size, _ = urlfetch.fetch_to_file(self.server.url + '/unsized',
                                         self.dest, max_size=len(self.data))
        self.assertEqual(len(self.data), size)

    def test_progress_aborts(self):
        class Abort(Exception):
            pass

        def progress(done):
            raise Abort()

        with open(self.dest, 'wb') as f:
            f.write(b'earlier')
        self.assertRaises(Abort, urlfetch.fetch_to_file,
                          self.server.url + '/p', self.dest,
                          progress=progress)
        # The earlier file is untouched and no partial one is left.
        self.assertEqual(['pkg.zip'], os.listdir(self.dest_dir))
        with open(self.dest, 'rb') as f:
            self.assertEqual(b'earlier', f.read())

    def test_server_errors(self):
        self.assertRefused(self.server.url + '/gone', 'HTTP 410 Gone',
                           exc=exception.FetchFailed)
        self.assertRefused(self.server.url + '/gzip',
                           'Content-Encoding gzip', exc=exception.FetchFailed)
        self.assertRefused(self.server.url + '/truncated',
                           'the connection broke', 'IncompleteRead',
                           exc=exception.FetchFailed)
        e = self.assertRefused(self.server.url + '/gone', 'Fetching',
                               exc=exception.FetchFailed)
        self.assertEqual(502, e.code)

    def test_read_timeout(self):
        self.conf.config(read_timeout=1, group='package_import')
        self.assertRefused(self.server.url + '/hang',
                           'no data from the server for 1 s',
                           exc=exception.FetchFailed)


class TestTls(FetchTestCase):

    def setUp(self):
        super().setUp()
        pki_dir = self.useFixture(fixtures.TempDir()).path
        self.ca_file, tls = make_pki(pki_dir)
        self.server = self.serve({'/p': lambda h: send(h, body=b'secure')},
                                 tls=tls)
        self.allow(self.server, ca_file=self.ca_file)

    def test_verified_against_the_name(self):
        calls = self.resolve_as({TEST_NAME: [['127.0.0.1']]})
        uri = 'https://%s:%d/p' % (TEST_NAME, self.server.port)
        self.assertEqual(6, urlfetch.fetch_to_file(uri, self.dest)[0])
        self.assertEqual([TEST_NAME], calls)
        self.assertEqual([TEST_NAME], self.server.sni)
        self.assertEqual('%s:%d' % (TEST_NAME, self.server.port),
                         self.server.requests[0]['headers']['Host'])

    def test_name_not_in_certificate(self):
        # The certificate is valid for 127.0.0.1, where the connection
        # goes; it must still be refused for the name of the URI.
        self.resolve_as({'other.example.test': [['127.0.0.1']]})
        self.assertRefused('https://other.example.test:%d/p'
                           % self.server.port, 'TLS failed',
                           "not valid for 'other.example.test'",
                           exc=exception.FetchFailed)

    def test_literal_address(self):
        self.assertEqual(6, urlfetch.fetch_to_file(
            self.server.url + '/p', self.dest)[0])

    def test_untrusted_without_ca_file(self):
        self.conf.config(ca_file=None, group='package_import')
        self.assertRefused(self.server.url + '/p', 'TLS failed',
                           'certificate verify failed',
                           exc=exception.FetchFailed)

    def test_missing_ca_file(self):
        self.conf.config(ca_file=self.ca_file + '.missing',
                         group='package_import')
        self.assertRefused(self.server.url + '/p', '[package_import]ca_file',
                           exc=exception.FetchFailed)


class TestCredentials(FetchTestCase):

    def setUp(self):
        super().setUp()
        self.token_answer = {'access_token': TOKEN, 'token_type': 'Bearer',
                             'expires_in': 300}
        client_auth = 'Basic ' + base64.b64encode(('%s:%s' % (
            urllib.parse.quote_plus(CLIENT_ID),
            urllib.parse.quote_plus(CLIENT_SECRET))).encode()).decode()

        def token(h):
            if (h.command != 'POST'
                    or h.headers['Authorization'] != client_auth
                    or h.server.requests[-1]['body']
                    != b'grant_type=client_credentials'
                    or h.headers['Content-Type']
                    != 'application/x-www-form-urlencoded'):
                send(h, 401, json.dumps({'error': 'invalid_client'}).encode(),
                     headers=[('Content-Type', 'application/json')])
                return
            send(h, body=json.dumps(self.token_answer).encode(),
                 headers=[('Content-Type', 'application/json')])

        def guarded(expected):
            def route(h):
                if h.headers.get('Authorization') != expected:
                    send(h, 401, b'who are you?')
                else:
                    send(h, body=b'the package')
            return route

        self.other = self.serve({'/p': lambda h: send(h, body=b'elsewhere')})
        routes = {
            '/token': token,
            '/bearer': guarded('Bearer ' + TOKEN),
            '/basic': guarded('Basic ' + base64.b64encode(
                ('%s:%s' % (USER, PASSWORD)).encode()).decode()),
            '/same-origin': lambda h: send(h, 302, headers=[
                ('Location', '/bearer')]),
            '/cross-origin': lambda h: send(h, 302, headers=[
                ('Location', self.other.url + '/p')]),
        }
        self.server = self.serve(routes)
        self.allow(self.server, self.other)

    def oauth2(self, **params):
        body = {'authType': 'OAUTH2_CLIENT_CREDENTIALS',
                'paramsOauth2ClientCredentials': dict({
                    'clientId': CLIENT_ID, 'clientPassword': CLIENT_SECRET,
                    'tokenEndpoint': self.server.url + '/token'}, **params)}
        return urlfetch.Credentials.from_request(body)

    def basic(self, password=PASSWORD):
        return urlfetch.Credentials.from_request(
            {'authType': 'BASIC',
             'paramsBasic': {'userName': USER, 'password': password}})

    def test_oauth2_token_then_bearer(self):
        size, _ = urlfetch.fetch_to_file(self.server.url + '/bearer',
                                         self.dest, credentials=self.oauth2())
        self.assertEqual(len(b'the package'), size)
        self.assertEqual(['/token', '/bearer'],
                         [r['path'] for r in self.server.requests])
        self.assertNotIn(TOKEN, self.logs.output)
        self.assertNotIn(CLIENT_SECRET, self.logs.output)

    def test_oauth2_refused_by_token_endpoint(self):
        creds = self.oauth2(clientPassword='wrong')
        self.assertRefused(self.server.url + '/bearer',
                           'token request', 'HTTP 401 Unauthorized',
                           '(invalid_client)', exc=exception.FetchFailed,
                           credentials=creds)
        self.assertEqual(['/token'],
                         [r['path'] for r in self.server.requests])

    def test_oauth2_bad_token_answers(self):
        creds = self.oauth2()
        for answer, reason in (
                ({'token_type': 'Bearer'}, 'no usable access_token'),
                ({'access_token': 'a b\r\nX: y'}, 'no usable access_token'),
                ({'access_token': TOKEN, 'token_type': 'mac'},
                 'token_type mac is not Bearer')):
            self.token_answer = answer
            self.assertRefused(self.server.url + '/bearer', reason,
                               exc=exception.FetchFailed, credentials=creds)

    def test_oauth2_token_endpoint_is_checked(self):
        e = self.assertRaises(
            exception.UriNotAllowed, self.oauth2,
            tokenEndpoint='http://169.254.169.254:%d/token'
                          % self.server.port)
        self.assertIn('cloud metadata address', str(e))
        # Stored credentials are checked again when used.
        creds = self.oauth2()
        self.resolve_as({TEST_NAME: [['127.0.0.1']]})
        self.conf.config(allowed_hosts=[TEST_NAME], group='package_import')
        self.assertRefused('http://%s:%d/bearer' % (TEST_NAME,
                                                    self.server.port),
                           'URI %s/token is not allowed' % self.server.url,
                           'host 127.0.0.1 is not in [package_import]'
                           'allowed_hosts', credentials=creds)
        self.assertEqual([], self.server.requests)

    def test_basic(self):
        size, _ = urlfetch.fetch_to_file(self.server.url + '/basic',
                                         self.dest, credentials=self.basic())
        self.assertEqual(len(b'the package'), size)
        self.assertRefused(self.server.url + '/basic',
                           'HTTP 401 Unauthorized', exc=exception.FetchFailed,
                           credentials=self.basic('wrong'))

    def test_credentials_kept_on_same_origin_redirect_only(self):
        creds = self.oauth2()
        urlfetch.fetch_to_file(self.server.url + '/same-origin', self.dest,
                               credentials=creds)
        self.assertEqual('Bearer ' + TOKEN,
                         self.server.requests[-1]['headers']['Authorization'])
        urlfetch.fetch_to_file(self.server.url + '/cross-origin', self.dest,
                               credentials=creds)
        self.assertNotIn('Authorization', self.other.requests[0]['headers'])


class TestCredentialsObject(base.TestCase):
    MIGRATE = False

    def test_from_request_forms(self):
        self.assertIsNone(urlfetch.Credentials.from_request(
            {'addressInformation': 'https://example.com/p'}))
        oauth = urlfetch.Credentials.from_request({
            'authType': ['OAUTH2_CLIENT_CREDENTIALS'],
            'paramsOauth2ClientCredentials': {
                'clientId': 'c', 'clientPassword': 'pw',
                'tokenEndpoint': 'https://auth.example.com/token'}})
        self.assertEqual(('c', 'pw', 'https://auth.example.com/token'),
                         (oauth.client_id, oauth.client_password,
                          oauth.token_endpoint))
        for body in ({'authType': 'BASIC',
                      'paramsBasic': {'userName': 'u', 'password': 'p'}},
                     {'authType': 'BASIC', 'userName': 'u', 'password': 'p'},
                     {'authType': 'BASIC', 'username': 'u', 'password': 'p'}):
            creds = urlfetch.Credentials.from_request(body)
            self.assertEqual(('BASIC', 'u', 'p'), (
                creds.auth_type, creds.username, creds.password))

    def test_from_request_errors(self):
        cases = (
            ({'paramsBasic': {'userName': 'u', 'password': 'p'}},
             'without authType'),
            ({'authType': 'DIGEST'}, 'authType DIGEST is not supported'),
            ({'authType': ['BASIC', 'OAUTH2_CLIENT_CREDENTIALS']},
             'exactly one'),
            ({'authType': 'OAUTH2_CLIENT_CREDENTIALS'},
             'needs paramsOauth2ClientCredentials'),
            ({'authType': 'OAUTH2_CLIENT_CREDENTIALS',
              'paramsOauth2ClientCredentials': {
                  'clientId': 'c', 'tokenEndpoint': 'https://a.example/t'}},
             'needs clientPassword'),
            ({'authType': 'BASIC', 'paramsBasic': {'password': 'p'}},
             'needs userName'),
            ({'authType': 'BASIC', 'paramsBasic': {'userName': 'u'}},
             'needs a password'),
            ({'authType': 'BASIC',
              'paramsBasic': {'userName': 'u:v', 'password': 'p'}},
             'cannot contain ":"'),
            ({'authType': 'BASIC',
              'paramsBasic': {'userName': 'u', 'password': 'x' * 5000}},
             'longer than'),
            ('not a dict', 'not an object'),
        )
        for body, reason in cases:
            e = self.assertRaises(exception.BadRequest,
                                  urlfetch.Credentials.from_request, body)
            self.assertIn(reason, str(e))
            self.assertNotIn('x' * 100, str(e))

    def test_secrets_not_in_repr_and_dict_round_trip(self):
        creds = urlfetch.Credentials('BASIC', username='u',
                                     password='hidden-pw')
        self.assertNotIn('hidden-pw', repr(creds))
        self.assertEqual(creds, urlfetch.Credentials.from_dict(
            creds.to_dict()))
        self.assertEqual({'auth_type': 'BASIC', 'username': 'u',
                          'password': 'hidden-pw'}, creds.to_dict())
        for bad in ({'auth_type': 'BASIC', 'user': 'u'}, {'username': 'u'},
                    'BASIC'):
            self.assertRaises(exception.BadRequest,
                              urlfetch.Credentials.from_dict, bad)
