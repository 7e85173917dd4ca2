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

"""What a request may be before vnfsnap reads it: one WSGI middleware in
front of keystonemiddleware and pecan, so every resource is held to it.

- The URL path and query string are UTF-8, the path without control
  characters (else 400): a request the routing would choke on never
  reaches it, and bad input is no server error.
- A request body is read up to its limit and no further (else 413): the
  content of a VNF snapshot package (PUT .../package_content, streamed to
  the store) up to [package_store]max_package_size, any other body up to
  [api]max_json_body_size. A Content-Length over the limit is refused
  before anything is read; a body without one (chunked) once the limit
  plus one bytes have been read.
"""

import re
import urllib.parse

from oslo_log import log as logging

from vnfsnap.api import errors
from vnfsnap.api import versions
from vnfsnap.common import exception
import vnfsnap.conf

CONF = vnfsnap.conf.CONF
LOG = logging.getLogger(__name__)

_PACKAGE_CONTENT = re.compile(
    r'^%s/vnf_snapshot_packages/[^/]+/package_content/?$'
    % re.escape(versions.VNFSNAPSHOTPKGM.uri_prefix))
_CONTROL = re.compile('[\x00-\x1f\x7f]')
# More digits than any byte count: the number is not even converted.
_MAX_LENGTH_DIGITS = 30


class LimitedInput:
    """The request body stream, read no further than ``limit`` + 1 bytes:
    the byte past the limit raises RequestEntityTooLarge."""

    def __init__(self, stream, limit, what, option):
        self.stream = stream
        self.limit = limit
        self.what = what
        self.option = option
        self.count = 0

    def too_large(self):
        return exception.RequestEntityTooLarge(limit=self.limit,
                                               what=self.what,
                                               option=self.option)

    def read(self, size=-1):
        allowed = self.limit + 1 - self.count
        if allowed <= 0:
            raise self.too_large()
        if size is None or size < 0 or size > allowed:
            size = allowed
        data = self.stream.read(size)
        self.count += len(data)
        if self.count > self.limit:
            raise self.too_large()
        return data


def _body_limit(environ):
    """(limit, what it limits, option) for this request's body."""
    if (environ.get('REQUEST_METHOD') == 'PUT'
            and _PACKAGE_CONTENT.match(environ.get('PATH_INFO', ''))):
        return (CONF.package_store.max_package_size,
                'VNF snapshot package content',
                '[package_store]max_package_size')
    return (CONF.api.max_json_body_size, 'JSON request bodies',
            '[api]max_json_body_size')


def _content_length(environ):
    """The announced length: None without one, 400 when it is no
    number."""
    value = (environ.get('CONTENT_LENGTH') or '').strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit()):
        raise exception.BadRequest(reason='Content-Length %r is not a '
                                          'number of bytes' % value)
    if len(value) > _MAX_LENGTH_DIGITS:
        return float('inf')
    return int(value)


def _check_url(environ):
    """400 unless the path and the query string are UTF-8 (PEP 3333
    hands them over as latin-1) and the path has no control character."""
    try:
        path = environ.get('PATH_INFO', '').encode('latin-1').decode(
            'utf-8')
    except UnicodeError:
        raise exception.BadRequest(reason='the URL path is not valid '
                                          'UTF-8') from None
    if _CONTROL.search(path):
        raise exception.BadRequest(reason='the URL path contains a '
                                          'control character')
    try:
        urllib.parse.unquote_to_bytes(
            environ.get('QUERY_STRING', '').encode('latin-1')).decode(
                'utf-8')
    except UnicodeError:
        raise exception.BadRequest(reason='the query string is not valid '
                                          'UTF-8') from None


class RequestLimits:
    """The WSGI middleware; refusals are ProblemDetails, logged at DEBUG
    only: they are the client's mistake, not the service's."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        try:
            _check_url(environ)
            limit, what, option = _body_limit(environ)
            length = _content_length(environ)
            stream = LimitedInput(environ.get('wsgi.input'), limit, what,
                                  option)
            if length is not None and length > limit:
                raise stream.too_large()
        except exception.VnfsnapException as e:
            LOG.debug('Refused %s request: %s', environ.get('REQUEST_METHOD'),
                      e.message)
            return errors.from_exception(e)(environ, start_response)
        if not environ.get('webob.is_body_seekable'):
            # (A body made seekable is in memory already, with its
            # Content-Length, which was checked.)
            environ['wsgi.input'] = stream
        return self.app(environ, start_response)
