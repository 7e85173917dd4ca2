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

"""Pecan hooks: request context, conductor client, SOL013 versioning.

None of them reads the request body: an upload of package content is
streamed by its controller from ``request.body_file``.
"""

from oslo_log import log as logging
import pecan
from pecan import hooks

from vnfsnap.api import errors
from vnfsnap.api import utils
from vnfsnap.api import versions
from vnfsnap.common import context as vnfsnap_context
from vnfsnap.common import exception
import vnfsnap.conf

CONF = vnfsnap.conf.CONF
LOG = logging.getLogger(__name__)
# What the API answers with (and "application/json" with this charset).
_JSON_OFFERS = ['application/json', 'application/json;charset=utf-8']
ZIP = 'application/zip'


class ContextHook(hooks.PecanHook):
    """Builds the RequestContext from keystonemiddleware's headers, or the
    noauth context in the embedded mode."""

    def before(self, state):
        environ = state.request.environ
        if CONF.api.auth_strategy == 'noauth':
            ctx = vnfsnap_context.noauth_context(environ)
        else:
            ctx = vnfsnap_context.RequestContext.from_environ(environ)
            if not ctx.project_id:
                raise exception.Forbidden(
                    action='a request without a project scope')
        state.request.context = ctx


class RPCHook(hooks.PecanHook):
    def __init__(self, rpcapi):
        self.rpcapi = rpcapi

    def before(self, state):
        state.request.rpcapi = self.rpcapi


class VersionHook(hooks.PecanHook):
    """SOL013 clause 4.2: every request names the version it wants of the
    API its path belongs to.

    Runs on routing, before pecan's own content negotiation, so that an
    unacceptable Accept header gets a 406 that says so; pecan's is then
    switched off, as the controllers answer with their own media types.
    """

    priority = 50

    def on_route(self, state):
        req = state.request
        # path_info: the API may be mounted under a prefix (SCRIPT_NAME).
        api = versions.for_path(req.path_info)
        if api is None:
            return
        req.api_version = versions.negotiate(req.headers.get('Version'),
                                             api)
        offers = _media_offers(api, req.method, req.path_info)
        if offers:
            utils.check_accept(req, offers)
        req.pecan['content_type'] = 'application/json'

    def after(self, state):
        version = getattr(state.request, 'api_version', None)
        if version:
            state.response.headers['Version'] = version


def _media_offers(api, method, path):
    """What the resource at ``path`` answers with, for the Accept check.

    None for an individual artifact and a VNF state snapshot, whose media
    type depends on the content (their controllers check Accept), and for
    the methods of the package content that answer without a body.
    """
    segments = path[len(api.uri_prefix):].strip('/').split('/')
    if (api is versions.VNFLCM and len(segments) == 3
            and segments[0] == 'vnf_snapshots'
            and segments[2] == 'vnf_state_snapshot'):
        return None
    if path.startswith(versions.VNFSNAPSHOTPKGM.uri_prefix + '/'):
        if len(segments) >= 3 and segments[0] == 'vnf_snapshot_packages':
            if segments[2] == 'artifacts':
                return None
            if segments[2] == 'package_content' and len(segments) == 3:
                return [ZIP] if method == 'GET' else None
    return _JSON_OFFERS


class ErrorHook(hooks.PecanHook):
    """Any exception becomes a ProblemDetails answer."""

    def on_error(self, state, exc):
        resp = errors.from_exception(exc)
        version = getattr(state.request, 'api_version', None)
        if version:
            resp.headers['Version'] = version
        if isinstance(exc, exception.MethodNotAllowed) and getattr(
                exc, 'allow', None):
            resp.headers['Allow'] = exc.allow
        # e.g. Content-Range on a 416 (vnfsnap.api.ranges)
        for name, value in getattr(exc, 'problem_headers', ()):
            resp.headers[name] = value
        return resp


def current_rpcapi():
    return pecan.request.rpcapi
