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

"""Every error answer is a SOL013 ProblemDetails (RFC 7807) document.

``problem_response`` renders one; the middleware rewrites error answers that
were produced outside vnfsnap's code (pecan routing, keystonemiddleware) so
clients never see anything but ``application/problem+json``.
"""

import json

from oslo_log import log as logging
import webob

from vnfsnap.common import exception
from vnfsnap.common import views

LOG = logging.getLogger(__name__)
PROBLEM_JSON = 'application/problem+json'


def problem_response(status, detail, title=None, headers=None):
    """Every error answer of the API (views.problem_details)."""
    body = views.problem_details(status, detail, title)
    resp = webob.Response(status=body['status'], content_type=PROBLEM_JSON,
                          charset='UTF-8')
    for name, value in headers or ():
        resp.headers[name] = value
    resp.text = json.dumps(body)
    return resp


def from_exception(exc):
    """Map any exception to a ProblemDetails response."""
    if isinstance(exc, exception.VnfsnapException):
        return problem_response(exc.code, exc.message, exc.title)
    if isinstance(exc, webob.exc.HTTPException) and exc.code >= 400:
        return problem_response(exc.code, exc.detail or exc.explanation)
    LOG.exception('Unexpected error while serving the request')
    return problem_response(500, 'An unexpected error occurred; the '
                                 'service log has the details.')


class ProblemDetailsMiddleware:
    """Turns any non-ProblemDetails 4xx/5xx answer into one."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        req = webob.Request(environ)
        try:
            resp = req.get_response(self.app)
        except Exception as e:
            resp = from_exception(e)
        if resp.status_code >= 400 and resp.content_type != PROBLEM_JSON:
            detail = resp.status
            if resp.content_type == 'application/json':
                # keystonemiddleware: {"error": {"message": ...}}
                try:
                    detail = json.loads(resp.body)['error']['message']
                except (ValueError, KeyError, TypeError):
                    pass
            keep = [(k, v) for k, v in resp.headerlist
                    if k.lower() in ('www-authenticate', 'allow', 'version',
                                     'x-openstack-request-id',
                                     'retry-after')]
            resp = problem_response(resp.status_code, detail, headers=keep)
        return resp(environ, start_response)
