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

"""The WSGI application: pecan, its hooks and the middleware around it."""

from keystonemiddleware import auth_token
from oslo_middleware import request_id
import pecan
import webob.multidict

from vnfsnap.api import errors
from vnfsnap.api import hooks
from vnfsnap.api import limits
from vnfsnap.conductor import rpcapi
import vnfsnap.conf

CONF = vnfsnap.conf.CONF


class Request(pecan.Request):
    """Controllers read and validate the body themselves (utils.json_body).

    pecan would also decode a JSON body into controller arguments, which
    vnfsnap never takes, and lets a RecursionError from deeply nested
    input escape as a 500; a TypeError makes it skip that step.
    """

    @property
    def json(self):
        raise TypeError('vnfsnap controllers take no body arguments')

    @property
    def POST(self):
        """No form parameters either: pecan would parse a form-encoded
        body into memory before any controller runs, and an upload of
        package content (many GiB) must reach its controller unread."""
        return webob.multidict.NoVars('vnfsnap takes no form parameters')


class Application(pecan.Pecan):
    """pecan, without its peek at a 200 body of known length.

    To turn an empty 200 into a 204, pecan splits a generator body with
    itertools.tee and reads one chunk ahead; the tee then buffers the body
    in blocks of 57 chunks, which puts up to 57 MiB of a streamed download
    (package content, a VNF state snapshot) in memory. A body whose length
    is known and not zero is not empty: nothing to peek at.
    """

    def _handle_empty_response_body(self, state):
        resp = state.response
        if resp.status_int == 200 and resp.content_length:
            return
        super()._handle_empty_response_body(state)


def setup_app():
    """Build the application for the current configuration."""
    # What pecan.make_app does for vnfsnap's settings, with Application.
    app = Application(
        'vnfsnap.api.controllers.root.RootController',
        hooks=[hooks.ContextHook(), hooks.RPCHook(rpcapi.ConductorAPI()),
               hooks.VersionHook(), hooks.ErrorHook()],
        force_canonical=False,
        guess_content_type_from_ext=False,
        debug=False,
        request_cls=Request,
    )
    app = pecan.middleware.recursive.RecursiveMiddleware(app)
    if CONF.api.auth_strategy == 'keystone':
        app = auth_token.AuthProtocol(app, {'oslo_config_config': CONF})
    app = limits.RequestLimits(app)
    app = errors.ProblemDetailsMiddleware(app)
    return request_id.RequestId(app)
