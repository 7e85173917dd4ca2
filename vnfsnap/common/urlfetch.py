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

"""Download from a URI that an API client gave, without letting the client
reach what it must not (server-side request forgery).

Every URI, first or redirected to, and every OAuth 2.0 token endpoint passes
the [package_import] rules: scheme, port, host name, and each address the
host resolves to. The host is resolved once, all its addresses are checked,
and the connection goes to a checked address while the host name stays in
the Host header, the TLS SNI and the certificate check; a DNS answer that
changes between check and connect (DNS rebinding) therefore changes nothing.
Bodies are streamed in CHUNK_SIZE pieces, never held whole.

Credentials never appear in log lines or exception messages, and messages
show URIs without user information and query (which may hold a signature).
"""

import base64
import contextlib
import dataclasses
import hashlib
import http
import ipaddress
import json
import os
import re
import socket
import ssl
import tempfile
import urllib.parse

from oslo_log import log as logging
import urllib3

from vnfsnap.common import exception
import vnfsnap.conf

CONF = vnfsnap.conf.CONF
LOG = logging.getLogger(__name__)

CHUNK_SIZE = 1024 * 1024
AUTH_BASIC = 'BASIC'
AUTH_OAUTH2 = 'OAUTH2_CLIENT_CREDENTIALS'

_MAX_URI_LENGTH = 8192
_MAX_SECRET_LENGTH = 4096
_MAX_TOKEN_RESPONSE = 64 * 1024
_DEFAULT_PORTS = {'http': 80, 'https': 443}
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_USER_AGENT = 'vnfsnap-package-import'

_METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in (
    '169.254.169.254',      # AWS, Azure, GCP, OpenStack and most others
    'fd00:ec2::254',        # AWS over IPv6
    '100.100.100.200',      # Alibaba Cloud
))
_METADATA_NAMES = frozenset({
    'metadata', 'metadata.google.internal', 'metadata.goog',
    'instance-data', 'instance-data.ec2.internal',
})
_THIS_NETWORK = ipaddress.ip_network('0.0.0.0/8')
# Well-known NAT64 prefix (RFC 6052): the gateway connects to the IPv4
# address in the last 32 bits, so that address is the one to judge.
_NAT64 = ipaddress.ip_network('64:ff9b::/96')
_PRIVATE_NETWORKS = tuple(ipaddress.ip_network(n) for n in (
    '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10',
    'fc00::/7', 'fec0::/10',
))

_LABEL = re.compile(r'^(?!-)[a-z0-9_-]{1,63}(?<!-)$')
# A last label like this makes resolvers (inet_aton) read the whole name as
# an IPv4 address in decimal, octal or hexadecimal: 2130706433, 0177.0.0.1.
_NUMERIC_LABEL = re.compile(r'^(0x[0-9a-f]*|[0-9]+)$')
_BEARER_TOKEN = re.compile(r'^[A-Za-z0-9._~+/-]+=*$')
_OAUTH2_ERROR = re.compile(r'^[\x20-\x21\x23-\x5b\x5d-\x7e]{1,100}$')


@dataclasses.dataclass(frozen=True)
class Credentials:
    """How to authenticate to the server of a URI (SOL005 authType).

    The secrets are left out of ``repr`` so that the object can never leak
    them into a log line.
    """

    auth_type: str
    client_id: str = None
    client_password: str = dataclasses.field(default=None, repr=False)
    token_endpoint: str = None
    username: str = None
    password: str = dataclasses.field(default=None, repr=False)

    def __post_init__(self):
        if self.auth_type == AUTH_OAUTH2:
            required = {'clientId': self.client_id,
                        'clientPassword': self.client_password,
                        'tokenEndpoint': self.token_endpoint}
            others = (self.username, self.password)
        elif self.auth_type == AUTH_BASIC:
            required = {'userName': self.username}
            others = (self.client_id, self.client_password,
                      self.token_endpoint)
        else:
            raise _unsupported(self.auth_type)
        for name, value in required.items():
            if not isinstance(value, str) or not value:
                raise exception.BadRequest(
                    reason='authType %s needs %s (a non-empty string).'
                           % (self.auth_type, name))
        if any(value is not None for value in others):
            raise exception.BadRequest(
                reason='authType %s was given with the parameters of '
                       'another authentication type.' % self.auth_type)
        if self.auth_type == AUTH_BASIC:
            if not isinstance(self.password, str):
                raise exception.BadRequest(
                    reason='authType BASIC needs a password (a string, '
                           'possibly empty).')
            if ':' in self.username:
                raise exception.BadRequest(
                    reason='a BASIC userName cannot contain ":" (RFC 7617).')
        for value in (self.client_id, self.client_password,
                      self.username, self.password):
            if value is not None and len(value) > _MAX_SECRET_LENGTH:
                raise exception.BadRequest(
                    reason='a credential is longer than %d characters.'
                           % _MAX_SECRET_LENGTH)

    @classmethod
    def from_request(cls, body):
        """The credentials of a SOL005 UploadVnfSnapshotPkgFromUriRequest
        or external artifact entry, or None when it has no authType.

        OAuth 2.0 takes ``paramsOauth2ClientCredentials``; BASIC takes
        ``paramsBasic`` or, as in earlier SOL005 versions, ``userName`` (or
        ``username``) and ``password`` beside ``authType``. The token
        endpoint is checked against the URI rules here, so that a request
        naming a forbidden one is refused at once.
        """
        if not isinstance(body, dict):
            raise exception.BadRequest(reason='the request is not an object.')
        auth_type = body.get('authType')
        if auth_type is None:
            if any(k in body for k in ('paramsOauth2ClientCredentials',
                                       'paramsBasic', 'userName',
                                       'username', 'password')):
                raise exception.BadRequest(
                    reason='credentials were given without authType.')
            return None
        if isinstance(auth_type, list):
            # SOL005 v2 made authType an array; only one type can be used.
            if len(auth_type) != 1:
                raise exception.BadRequest(
                    reason='authType must name exactly one authentication '
                           'type.')
            auth_type = auth_type[0]
        if auth_type == AUTH_OAUTH2:
            params = body.get('paramsOauth2ClientCredentials')
            if not isinstance(params, dict):
                raise exception.BadRequest(
                    reason='authType %s needs paramsOauth2ClientCredentials '
                           '(an object).' % AUTH_OAUTH2)
            creds = cls(auth_type, client_id=params.get('clientId'),
                        client_password=params.get('clientPassword'),
                        token_endpoint=params.get('tokenEndpoint'))
            check_uri(creds.token_endpoint)
            return creds
        if auth_type == AUTH_BASIC:
            params = body.get('paramsBasic', body)
            if not isinstance(params, dict):
                raise exception.BadRequest(
                    reason='paramsBasic must be an object.')
            return cls(auth_type,
                       username=params.get('userName',
                                           params.get('username')),
                       password=params.get('password'))
        raise _unsupported(auth_type)

    def to_dict(self):
        """The set fields, for an Encrypted column (vnfsnap.db.types)."""
        return {f.name: getattr(self, f.name)
                for f in dataclasses.fields(self)
                if getattr(self, f.name) is not None}

    @classmethod
    def from_dict(cls, d):
        names = {f.name for f in dataclasses.fields(cls)}
        if (not isinstance(d, dict) or 'auth_type' not in d
                or not set(d) <= names):
            raise exception.BadRequest(
                reason='stored credentials have an unknown layout.')
        return cls(**d)


def _unsupported(auth_type):
    return exception.BadRequest(
        reason='authType %s is not supported; use %s or %s.'
               % (_printable(auth_type), AUTH_OAUTH2, AUTH_BASIC))


def check_uri(uri):
    """Refuse ``uri`` if the rules forbid it without resolving its host:
    scheme, port, host name syntax, allowed_hosts and a literal address.
    Raises UriNotAllowed saying which rule refused it."""
    _parse(uri)


def fetch_to_file(uri, dest_path, credentials=None, progress=None,
                  max_size=None):
    """Download ``uri`` to ``dest_path``; returns (size, sha256 hex digest).

    The body goes to a temporary file next to ``dest_path`` that replaces
    it only when complete, so a refusal, an error or an exception raised by
    ``progress(bytes_done)`` (called after each chunk) leaves no file.
    """
    with open_stream(uri, credentials, max_size) as body:
        directory, name = os.path.split(os.path.abspath(dest_path))
        fd, tmp_path = tempfile.mkstemp(dir=directory, prefix='.%s.' % name,
                                        suffix='.part')
        try:
            digest = hashlib.sha256()
            size = 0
            with os.fdopen(fd, 'wb') as f:
                while chunk := body.read(CHUNK_SIZE):
                    f.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
                    if progress is not None:
                        progress(size)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp_path, dest_path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_path)
            raise
    LOG.info('Downloaded %(size)d bytes from %(uri)s',
             {'size': size, 'uri': display(uri)})
    return size, digest.hexdigest()


@contextlib.contextmanager
def open_stream(uri, credentials=None, max_size=None):
    """Open ``uri`` for streaming: yields a reader with ``read(n)`` (b''
    at the end) and ``length`` (the announced size, or None).

    Redirects are followed (at most [package_import]max_redirects), each new
    URI checked like the first; credentials are not sent to another origin.
    A body larger than ``max_size`` bytes is refused, before reading when
    its length is announced, otherwise when the limit is crossed.
    """
    if max_size is not None and (not isinstance(max_size, int)
                                 or max_size < 0):
        raise ValueError('max_size must be None or a non-negative int')
    target = _parse(uri)
    authorization = _authorization(credentials)
    pool, resp, target = _get(target, authorization)
    try:
        if resp.status != http.HTTPStatus.OK:
            raise exception.FetchFailed(
                uri=target.shown,
                reason='the server answered HTTP %s' % _status(resp))
        encoding = resp.headers.get('Content-Encoding', 'identity')
        if encoding.strip().lower() not in ('identity', ''):
            raise exception.FetchFailed(
                uri=target.shown,
                reason='the server sent the body with Content-Encoding %s '
                       'although identity was asked for'
                       % _printable(encoding))
        body = _Body(resp, target, max_size)
        if (max_size is not None and body.length is not None
                and body.length > max_size):
            raise exception.FetchFailed(
                uri=target.shown,
                reason='the body is %d bytes, more than the limit of %d '
                       'bytes' % (body.length, max_size))
        yield body
    finally:
        _close(pool, resp)


class _Body:
    """The response body of open_stream, counted against max_size."""

    def __init__(self, resp, target, max_size):
        self._resp = resp
        self._target = target
        self._max_size = max_size
        self._done = 0
        self.length = resp.length_remaining

    def read(self, n=CHUNK_SIZE):
        if not isinstance(n, int) or n <= 0:
            raise ValueError('read() needs a positive size: the body is '
                             'streamed, never held whole')
        try:
            data = self._resp.read(n, decode_content=False)
        except urllib3.exceptions.HTTPError as e:
            raise exception.FetchFailed(uri=self._target.shown,
                                        reason=_describe(e)) from None
        self._done += len(data)
        if self._max_size is not None and self._done > self._max_size:
            raise exception.FetchFailed(
                uri=self._target.shown,
                reason='the body is larger than the limit of %d bytes'
                       % self._max_size)
        return data


@dataclasses.dataclass(frozen=True)
class _Target:
    """A URI that passed the static checks, split as requests need it."""

    uri: str
    shown: str               # for messages, see _display
    scheme: str
    host: str                # lower-case ASCII name, or canonical address
    ip: object               # the address when the URI names one
    port: int
    request_target: str      # path and query

    @property
    def origin(self):
        return self.scheme, self.host, self.port

    @property
    def host_header(self):
        host = '[%s]' % self.host if ':' in self.host else self.host
        if self.port == _DEFAULT_PORTS[self.scheme]:
            return host
        return '%s:%d' % (host, self.port)


def _parse(uri, redirected_from=None):
    """The _Target of ``uri``, or UriNotAllowed naming the rule it breaks."""
    conf = CONF.package_import
    shown = display(uri)
    if redirected_from is not None:
        shown = '%s (redirect from %s)' % (shown, display(redirected_from))

    def refuse(reason):
        return exception.UriNotAllowed(uri=shown, reason=reason)

    parts, port = _split(uri, refuse)
    scheme, port = _check_origin(parts, port, conf, refuse)
    host, ip = _parse_host(parts, refuse)
    _check_host(host, ip, conf, refuse)
    request_target = parts.path or '/'
    if parts.query:
        request_target += '?' + parts.query
    return _Target(uri=uri, shown=shown, scheme=scheme, host=host, ip=ip,
                   port=port, request_target=request_target)


def _split(uri, refuse):
    """(urlsplit parts, port or None) of a URI string of bounded size."""
    if not isinstance(uri, str) or not uri:
        raise refuse('a URI must be a non-empty string')
    if len(uri) > _MAX_URI_LENGTH:
        raise refuse('it is longer than %d characters' % _MAX_URI_LENGTH)
    if any(ch <= ' ' or ch == '\x7f' for ch in uri):
        raise refuse('it contains white space or control characters')
    try:
        parts = urllib.parse.urlsplit(uri)
        return parts, parts.port
    except ValueError as e:
        raise refuse('it is not a valid URI (%s)' % e) from None


def _check_origin(parts, port, conf, refuse):
    """(scheme, port) of an absolute URI with an allowed scheme and port,
    naming a host and no user information."""
    scheme = parts.scheme.lower()
    if not scheme:
        raise refuse('it is not an absolute URI (it has no scheme)')
    if scheme not in conf.allowed_schemes:
        raise refuse('scheme %r is not allowed ([package_import]'
                     'allowed_schemes: %s)'
                     % (scheme, ', '.join(conf.allowed_schemes) or 'none'))
    if '@' in parts.netloc:
        raise refuse('user information in a URI is not accepted; give '
                     'credentials with authType')
    if not parts.hostname:
        raise refuse('it names no host')
    if port is None:
        port = _DEFAULT_PORTS[scheme]
    if port not in conf.allowed_ports:
        raise refuse('port %d is not allowed ([package_import]allowed_ports: '
                     '%s)' % (port, ', '.join(map(str, conf.allowed_ports))
                              or 'none'))
    return scheme, port


def _check_host(host, ip, conf, refuse):
    """Refuse metadata services, hosts not allowed and private addresses."""
    if host in _METADATA_NAMES:
        raise refuse('%s is the host name of a cloud metadata service'
                     % host)
    if conf.allowed_hosts and host not in _allowed_hosts():
        raise refuse('host %s is not in [package_import]allowed_hosts'
                     % host)
    if ip is not None:
        reason = _address_refusal(ip)
        if reason:
            raise refuse('%s is %s' % (ip, reason))


def _parse_host(parts, refuse):
    """(normalised host, address or None) of a split URI."""
    host = parts.hostname
    if parts.netloc.startswith('['):
        if '%' in host:
            raise refuse('IPv6 zone identifiers are not accepted')
        try:
            ip = ipaddress.IPv6Address(host)
        except ValueError:
            raise refuse('[%s] is not an IPv6 address' % host) from None
        return str(ip), ip
    try:
        # IDNA also maps look-alikes (full-width digits and dots) to ASCII,
        # so every check below sees what the resolver would see.
        name = host.encode('idna').decode('ascii').lower()
    except UnicodeError:
        raise refuse('%r is not a valid host name' % host) from None
    if name.endswith('.'):
        name = name[:-1]
    try:
        ip = ipaddress.IPv4Address(name)
        return str(ip), ip
    except ValueError:
        pass
    labels = name.split('.')
    if _NUMERIC_LABEL.match(labels[-1]):
        raise refuse('host %s reads as an IPv4 address in a non-standard '
                     'form (decimal, octal or hexadecimal); write addresses '
                     'as four decimal numbers' % name)
    if len(name) > 253 or not all(_LABEL.match(label) for label in labels):
        raise refuse('%r is not a valid host name' % host)
    return name, None


def _allowed_hosts():
    hosts = set()
    for entry in CONF.package_import.allowed_hosts:
        entry = entry.strip().strip('[]').lower().rstrip('.')
        try:
            entry = str(ipaddress.ip_address(entry))
        except ValueError:
            pass
        hosts.add(entry)
    return hosts


def _address_refusal(ip):
    """Why connecting to ``ip`` is refused, or None when it is allowed."""
    conf = CONF.package_import
    via = ''
    if ip.version == 6:
        ip = ipaddress.IPv6Address(int(ip))            # without zone
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped                         # the same endpoint
            via = ' (IPv4-mapped %s)' % ip
        elif ip in _NAT64:
            ip = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
            via = ' (%s through NAT64)' % ip
    if any(ip in net for net in conf.allowed_networks):
        return None
    if ip in _METADATA_ADDRESSES:
        kind = 'a cloud metadata address'
    elif ip.is_unspecified or ip in _THIS_NETWORK:
        kind = 'an unspecified ("this network") address'
    elif ip.is_loopback:
        kind = 'a loopback address'
    elif ip.is_link_local:
        kind = 'a link-local address'
    elif ip.is_multicast:
        kind = 'a multicast address'
    elif ip.is_reserved:
        kind = 'a reserved address'
    elif conf.deny_private_networks and any(ip in net
                                            for net in _PRIVATE_NETWORKS):
        kind = ('a private address ([package_import]deny_private_networks '
                'is set)')
    else:
        return None
    return ('%s%s; list it in [package_import]allowed_networks to allow it'
            % (kind, via))


def _resolve(target):
    """The checked addresses to connect to, resolved once."""
    if target.ip is not None:
        return [target.ip]
    try:
        infos = socket.getaddrinfo(target.host, target.port,
                                   type=socket.SOCK_STREAM,
                                   proto=socket.IPPROTO_TCP)
    except socket.gaierror as e:
        raise exception.FetchFailed(
            uri=target.shown, reason='cannot resolve host %s: %s'
                                     % (target.host, e.strerror)) from None
    addresses = []
    for family, _type, _proto, _name, sockaddr in infos:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        ip = ipaddress.ip_address(sockaddr[0])
        if ip not in addresses:
            addresses.append(ip)
    if not addresses:
        raise exception.FetchFailed(
            uri=target.shown,
            reason='host %s has no IP address' % target.host)
    for ip in addresses:
        reason = _address_refusal(ip)
        if reason:
            raise exception.UriNotAllowed(
                uri=target.shown,
                reason='host %s resolves to %s, %s'
                       % (target.host, ip, reason))
    return addresses


def _request(target, method, headers, body=None):
    """Send one request to a checked address of ``target``.

    urllib3 is given the address, never the name, so it cannot resolve the
    name again; a pool made for the address with ``server_hostname`` keeps
    SNI and certificate verification on the name. Returns (pool, response)
    with the body unread.
    """
    headers = dict(headers)
    headers.update({'Host': target.host_header, 'User-Agent': _USER_AGENT,
                    'Accept-Encoding': 'identity'})
    failures = []
    for address in _resolve(target):
        pool = _pool(target, address)
        try:
            resp = pool.urlopen(method, target.request_target, body=body,
                                headers=headers, retries=False,
                                redirect=False, preload_content=False,
                                decode_content=False, assert_same_host=False)
        except urllib3.exceptions.ConnectTimeoutError as e:
            # Nothing was sent (this includes NewConnectionError): the next
            # address may answer.
            pool.close()
            failures.append('%s: %s' % (address, _describe(e)))
            continue
        except urllib3.exceptions.HTTPError as e:
            pool.close()
            raise exception.FetchFailed(uri=target.shown,
                                        reason=_describe(e)) from None
        except BaseException:
            pool.close()
            raise
        LOG.debug('%(method)s %(uri)s sent to %(address)s',
                  {'method': method, 'uri': target.shown, 'address': address})
        return pool, resp
    raise exception.FetchFailed(uri=target.shown,
                                reason='cannot connect (%s)'
                                       % '; '.join(failures))


def _pool(target, address):
    conf = CONF.package_import
    timeout = urllib3.Timeout(connect=conf.connect_timeout,
                              read=conf.read_timeout)
    if target.scheme == 'https':
        return urllib3.HTTPSConnectionPool(
            str(address), target.port, timeout=timeout, retries=False,
            maxsize=1, cert_reqs='CERT_REQUIRED',
            ssl_context=_ssl_context(target), server_hostname=target.host)
    return urllib3.HTTPConnectionPool(str(address), target.port,
                                      timeout=timeout, retries=False,
                                      maxsize=1)


def _ssl_context(target):
    """Certificate and host name verification, on [package_import]ca_file
    or the system CAs."""
    ca_file = CONF.package_import.ca_file
    try:
        return ssl.create_default_context(cafile=ca_file or None)
    except OSError as e:
        raise exception.FetchFailed(
            uri=target.shown,
            reason='the CA file %s ([package_import]ca_file) cannot be '
                   'loaded: %s' % (ca_file, e)) from None


def _get(target, authorization):
    """GET ``target``, following redirects; returns (pool, resp, target)
    of the final answer."""
    max_redirects = CONF.package_import.max_redirects
    first = target
    for hop in range(max_redirects + 1):
        headers = {'Accept': '*/*'}
        if authorization:
            headers['Authorization'] = authorization
        LOG.info('Fetching %s', target.shown)
        pool, resp = _request(target, 'GET', headers)
        if resp.status not in _REDIRECTS:
            return pool, resp, target
        location = resp.headers.get('Location')
        status = _status(resp)
        _close(pool, resp)
        if not location:
            raise exception.FetchFailed(
                uri=target.shown,
                reason='the server answered HTTP %s without a Location'
                       % status)
        if hop == max_redirects:
            break
        new = _parse(urllib.parse.urljoin(target.uri, location),
                     redirected_from=target.uri)
        if authorization and new.origin != target.origin:
            LOG.info('Credentials are not sent on the redirect from %s to '
                     'another origin, %s', target.shown, new.shown)
            authorization = None
        target = new
    raise exception.FetchFailed(
        uri=first.shown,
        reason='more than %d redirects ([package_import]max_redirects)'
               % max_redirects)


def _authorization(credentials):
    """The Authorization header value for ``credentials`` (None: none)."""
    if credentials is None:
        return None
    if credentials.auth_type == AUTH_BASIC:
        return _basic(credentials.username, credentials.password)
    return 'Bearer ' + _bearer_token(credentials)


def _basic(user, password):
    raw = ('%s:%s' % (user, password)).encode('utf-8')
    return 'Basic ' + base64.b64encode(raw).decode('ascii')


def _bearer_token(credentials):
    """An access token from the token endpoint: OAuth 2.0 client
    credentials grant (RFC 6749 4.4), client authenticated with HTTP Basic
    on its form-encoded id and secret (RFC 6749 2.3.1)."""
    target = _parse(credentials.token_endpoint)

    def failed(reason):
        return exception.FetchFailed(uri=target.shown,
                                     reason='OAuth 2.0 token request: '
                                            + reason)

    quote = urllib.parse.quote_plus
    headers = {
        'Accept': 'application/json',
        'Content-Type': 'application/x-www-form-urlencoded',
        'Authorization': _basic(quote(credentials.client_id, safe=''),
                                quote(credentials.client_password, safe='')),
    }
    pool, resp = _request(target, 'POST', headers,
                          body=b'grant_type=client_credentials')
    try:
        try:
            raw = resp.read(_MAX_TOKEN_RESPONSE + 1, decode_content=False)
        except urllib3.exceptions.HTTPError as e:
            raise failed(_describe(e)) from None
        if len(raw) > _MAX_TOKEN_RESPONSE:
            raise failed('the answer is larger than %d bytes'
                         % _MAX_TOKEN_RESPONSE)
        try:
            doc = json.loads(raw)
        except ValueError:
            doc = None
        if resp.status != http.HTTPStatus.OK:
            error = doc.get('error') if isinstance(doc, dict) else None
            detail = (' (%s)' % error if isinstance(error, str)
                      and _OAUTH2_ERROR.match(error) else '')
            raise failed('the token endpoint answered HTTP %s%s'
                         % (_status(resp), detail))
        if not isinstance(doc, dict):
            raise failed('the answer is not a JSON object')
        token = doc.get('access_token')
        if not isinstance(token, str) or not _BEARER_TOKEN.match(token):
            raise failed('the answer has no usable access_token')
        token_type = doc.get('token_type', 'Bearer')
        if not isinstance(token_type, str) or token_type.lower() != 'bearer':
            raise failed('token_type %s is not Bearer'
                         % _printable(str(token_type)))
        return token
    finally:
        _close(pool, resp)


def _close(pool, resp):
    resp.close()
    pool.close()


def _status(resp):
    try:
        phrase = http.HTTPStatus(resp.status).phrase
    except ValueError:
        phrase = _printable(resp.reason or '')
    return ('%d %s' % (resp.status, phrase)).strip()


def _describe(error):
    """A message for a urllib3 error, naming no header or credential."""
    cause = error.__cause__ or error.__context__
    if isinstance(error, urllib3.exceptions.NewConnectionError):
        return 'connection failed: %s' % (cause or error)
    if isinstance(error, urllib3.exceptions.ConnectTimeoutError):
        return ('connecting timed out after %d s'
                % CONF.package_import.connect_timeout)
    if isinstance(error, urllib3.exceptions.ReadTimeoutError):
        return ('no data from the server for %d s'
                % CONF.package_import.read_timeout)
    if isinstance(error, urllib3.exceptions.SSLError):
        return 'TLS failed: %s' % (cause or error)
    if isinstance(error, urllib3.exceptions.ProtocolError):
        return 'the connection broke: %s' % (error.args[0],)
    return str(error)


def display(uri):
    """``uri`` as messages and logs show it: without user information, and
    with the query (which may be a signature) replaced by an ellipsis."""
    try:
        parts = urllib.parse.urlsplit(uri)
    except (TypeError, ValueError, AttributeError):
        return '(an invalid URI)'
    shown = urllib.parse.urlunsplit((
        parts.scheme, parts.netloc.rpartition('@')[2], parts.path,
        '...' if parts.query else '', ''))
    shown = _printable(shown)
    return shown if len(shown) <= 300 else shown[:300] + '...'


def _printable(text):
    """``text`` with control characters escaped (no log line injection)."""
    return ''.join(c if c.isprintable() else repr(c)[1:-1]
                   for c in str(text))
