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

"""Request and response helpers shared by the controllers."""

import datetime
import hashlib
import json
import urllib.parse

import pecan
import webob
from webob import acceptparse
import webob.multidict

from vnfsnap.api import sol013
from vnfsnap.common import exception
from vnfsnap.common import json_limits
from vnfsnap.common import policy
from vnfsnap.common import schemas
from vnfsnap.common import urlfetch
import vnfsnap.conf
from vnfsnap.db import api as db_api

CONF = vnfsnap.conf.CONF
JSON = 'application/json'
MERGE_PATCH_JSON = 'application/merge-patch+json'
COLLECTION_PARAMS = frozenset(('filter', sol013.NEXTPAGE_PARAM)
                              + sol013.SELECTOR_PARAMS)


def context():
    return pecan.request.context


def authorize(rule):
    policy.authorize(rule, context())


def scope():
    """The project whose objects the caller finds (None: every project)."""
    return policy.project_scope(context())


def same_project(first, second):
    """422 unless the two objects one request names belong to the same
    project (an administrator sees several)."""
    if first.project_id != second.project_id:
        raise exception.UnprocessableEntity(
            reason='%s %s and %s %s belong to different projects' % (
                type(first).__name__, first.id, type(second).__name__,
                second.id))


def base_url():
    """Where clients reach the API, for Location, Link and _links."""
    if CONF.api.public_endpoint:
        return CONF.api.public_endpoint.rstrip('/')
    return pecan.request.application_url


def json_body(schema, content_types=(JSON,)):
    """The request body, parsed and validated against ``schema``.

    RFC 8259 JSON only: UTF-8, no string a database cannot store, nested
    at most [api]max_json_depth levels (400 otherwise); RequestLimits
    already bounds its size.
    """
    req = pecan.request
    if (req.content_type or '').lower() not in content_types:
        raise exception.UnsupportedMediaType(
            content_type=req.content_type or '(none)')
    try:
        text = req.body.decode('utf-8')
    except UnicodeDecodeError as e:
        raise exception.BadRequest(
            reason='the body is not UTF-8 (RFC 8259 clause 8.1): byte '
                   '0x%02x at position %d' % (e.object[e.start], e.start))
    try:
        body = json.loads(text or 'null')
    except ValueError as e:
        raise exception.BadRequest(reason='the body is not valid JSON: %s'
                                   % e)
    except RecursionError:
        raise exception.JsonTooDeep(limit=CONF.api.max_json_depth)
    json_limits.check(body, CONF.api.max_json_depth)
    error = schemas.first_error(schema, body)
    if error is not None:
        raise exception.SchemaValidationFailed(reason=error)
    return body


def check_accept(request, offers):
    """406 unless the Accept header of ``request``, when it has one, takes
    one of the media types ``offers``."""
    accept = request.headers.get('Accept')
    # Media types and charset names are case-insensitive.
    if accept and not acceptparse.create_accept_header(
            accept.lower()).acceptable_offers(offers):
        raise exception.NotAcceptable(accept=accept)


def query():
    """The query parameters, split at '&' only.

    SOL013 joins simple filter expressions with ';', which clients send
    unescaped; WebOb's ``request.GET`` would split parameters there too.
    """
    raw = pecan.request.environ.get('QUERY_STRING', '')
    # UTF-8, as limits.RequestLimits made sure.
    pairs = urllib.parse.parse_qsl(raw.encode('latin-1').decode('utf-8'),
                                   keep_blank_values=True, errors='strict')
    return webob.multidict.MultiDict(pairs)


def no_query():
    params = query()
    if params:
        raise exception.BadRequest(
            reason='this resource takes no query parameters (got %s)'
            % ', '.join(sorted(params)))


def respond(body=None, status=200, headers=None):
    resp = webob.Response(status=status, headerlist=list(headers or []))
    if body is not None:
        resp.content_type = JSON
        resp.charset = 'UTF-8'
        resp.text = json.dumps(body)
    else:
        resp.content_type = None
    return resp


def etag(representation):
    digest = hashlib.sha256(json.dumps(
        representation, sort_keys=True).encode()).hexdigest()
    return '"%s"' % digest[:32]


def http_date(value):
    return value.replace(tzinfo=datetime.timezone.utc).strftime(
        '%a, %d %b %Y %H:%M:%S GMT')


def single(representation, updated_at, status=200, headers=()):
    """A single resource with its ETag and Last-Modified headers."""
    return respond(representation, status=status, headers=[
        ('ETag', etag(representation)),
        ('Last-Modified', http_date(updated_at))] + list(headers))


def check_preconditions(representation, updated_at):
    """Enforce If-Match / If-Unmodified-Since (412 when they fail)."""
    req = pecan.request
    if_match = req.headers.get('If-Match')
    if if_match is not None:
        tags = [t.strip() for t in if_match.split(',')]
        if '*' not in tags and etag(representation) not in tags:
            raise exception.PreconditionFailed()
    since = req.if_unmodified_since
    if since is not None:
        modified = updated_at.replace(microsecond=0,
                                      tzinfo=datetime.timezone.utc)
        if modified > since:
            raise exception.PreconditionFailed()


def _collection_query(mandatory):
    """The collection query parameters, checked, and their selector."""
    params = query()
    unknown = set(params) - COLLECTION_PARAMS
    if unknown:
        raise exception.BadRequest(reason='unsupported query parameter(s) '
                                   '%s' % ', '.join(sorted(unknown)))
    for name in params:
        if len(params.getall(name)) > 1:
            raise exception.BadRequest(
                reason='query parameter %s given more than once' % name)
    selector = sol013.parse_selectors(params)
    selector.validate_paths(set(mandatory))
    return params, selector


def _page_response(page, marker, selector, default_excludes):
    headers = []
    if marker is not None:
        # base_url() already holds any prefix the API is mounted under.
        req = pecan.request
        url = sol013.next_link('%s%s?%s' % (base_url(), req.path_info,
                                            req.query_string), marker)
        headers.append(('Link', sol013.link_header(url)))
    return respond([selector.apply(r, default_excludes) for r in page],
                   headers=headers)


def collection(representations, default_excludes=(),
               mandatory=('id', '_links/self'), key='id'):
    """A SOL013 collection answer: filter, then page, then select, all in
    Python on every representation (for the few conductors; the stored
    resources use :func:`db_collection`).

    ``mandatory``: the attributes of cardinality 1, which exclude_fields
    may not remove (nor their parents, nor parts of them). ``key``: the
    attribute that identifies an item, which page markers carry.
    """
    params, selector = _collection_query(mandatory)
    matching = sol013.apply_filter(representations, params.get('filter'))
    page, marker = sol013.paginate(
        matching, params.get(sol013.NEXTPAGE_PARAM), CONF.api.max_page_size,
        key=key)
    return _page_response(page, marker, selector, default_excludes)


def db_collection(model, render, default_excludes=(),
                  mandatory=('id', '_links/self'), where=()):
    """A SOL013 collection answer for the rows of ``model`` the caller
    sees, each shown as ``render(row)`` gives it.

    The filter is narrowed and the page cut in SQL, oldest first (keyset
    paging on created_at and id, db_api.iter_collection); every row read
    is still tested against the whole filter here, which decides, so
    attributes that are not columns filter as before, only slower
    (doc/source/admin/performance.rst). As with :func:`collection`, the
    marker is the last item's id, and it must name an item the filter
    matches (400 otherwise).
    """
    params, selector = _collection_query(mandatory)
    expr = params.get('filter')
    compiled = sol013.parse_filter(expr) if expr is not None else None

    def matches(representation):
        return compiled is None or compiled.matches(representation)

    project, after = scope(), None
    raw_marker = params.get(sol013.NEXTPAGE_PARAM)
    if raw_marker is not None:
        after = db_api.get_collection_row(
            model, project, sol013.decode_marker(raw_marker), where=where)
        if after is None or not matches(render(after)):
            raise exception.InvalidPageMarker()
    limit = CONF.api.max_page_size
    page, marker = [], None
    for row in db_api.iter_collection(
            model, project, compiled.terms if compiled else (), after=after,
            first=limit + 1, where=where):
        representation = render(row)
        if not matches(representation):
            continue
        if len(page) == limit:
            marker = sol013.encode_marker(page[-1]['id'])
            break
        page.append(representation)
    return _page_response(page, marker, selector, default_excludes)


def created(representation, location, updated_at):
    return single(representation, updated_at, status=201,
                  headers=[('Location', location)])


def accepted(location=None):
    headers = [('Location', location)] if location else []
    return respond(status=202, headers=headers)


def subscription_credentials(authentication):
    """SubscriptionAuthentication -> urlfetch.Credentials (400 when wrong).
    An OAuth 2.0 token endpoint is taken as given, like the callback."""
    if authentication is None:
        return None
    auth_type = authentication.get('authType')
    if isinstance(auth_type, list) and len(auth_type) == 1:
        auth_type = auth_type[0]
    params = authentication.get('paramsOauth2ClientCredentials')
    if auth_type == urlfetch.AUTH_OAUTH2 and isinstance(params, dict):
        return urlfetch.Credentials(
            auth_type, client_id=params.get('clientId'),
            client_password=params.get('clientPassword'),
            token_endpoint=params.get('tokenEndpoint'))
    return urlfetch.Credentials.from_request(authentication)
