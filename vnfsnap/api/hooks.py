"""Pecan hooks: request context, conductor client, SOL013 versioning."""

from oslo_log import log as logging
import pecan
from pecan import hooks
from webob import acceptparse

from vnfsnap.api import errors
from vnfsnap.api import versions
from vnfsnap.common import context as vnfsnap_context
from vnfsnap.common import exception
import vnfsnap.conf

CONF = vnfsnap.conf.CONF
LOG = logging.getLogger(__name__)
# What the API answers with (and "application/json" with this charset).
_JSON_OFFERS = ['application/json', 'application/json;charset=utf-8']


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
    """SOL013 clause 4.2: every request names the API version it wants.

    Runs on routing, before pecan's own content negotiation, so that an
    unacceptable Accept header gets a 406 that says so.
    """

    priority = 50

    def on_route(self, state):
        req = state.request
        # path_info: the API may be mounted under a prefix (SCRIPT_NAME).
        if not req.path_info.startswith('/vnflcm'):
            return
        req.api_version = versions.negotiate(req.headers.get('Version'))
        accept = req.headers.get('Accept')
        # Media types and charset names are case-insensitive.
        if accept and not acceptparse.create_accept_header(
                accept.lower()).acceptable_offers(_JSON_OFFERS):
            raise exception.NotAcceptable(accept=accept)

    def after(self, state):
        version = getattr(state.request, 'api_version', None)
        if version:
            state.response.headers['Version'] = version


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
        return resp


def current_rpcapi():
    return pecan.request.rpcapi
