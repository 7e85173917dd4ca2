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

"""The one door from the panels to vnfsnap: a client library instance per
request, authenticated with the logged-in user's Keystone token.

The token and the catalog's vnfsnap endpoint are handed to keystoneauth1
as they are (``token_endpoint.Token``), so that a page costs no extra
round trip to Keystone.  Each resource family has its own module beside
this one (``vnf_instances.py``...) with the calls its panels make; the
unit tests mock those functions.
"""

import sys

from django.conf import settings
from horizon import exceptions
from horizon.utils import memoized
from keystoneauth1 import session as ks_session
from keystoneauth1 import token_endpoint
from openstack_dashboard.api import base
from vnfsnapclient import client as vnfsnap_client
from vnfsnapclient import exceptions as vnfsnap_exceptions

SERVICE_TYPE = 'vnfsnap'


def endpoint(request):
    """The API root of vnfsnap in the user's catalog and region."""
    return base.url_for(request, SERVICE_TYPE)


@memoized.memoized
def client(request):
    """A ``vnfsnapclient.client.Client`` acting as the request's user."""
    url = endpoint(request)
    verify = getattr(settings, 'OPENSTACK_SSL_CACERT', None) or True
    if getattr(settings, 'OPENSTACK_SSL_NO_VERIFY', False):
        verify = False
    session = ks_session.Session(
        auth=token_endpoint.Token(url, request.user.token.id),
        verify=verify, user_agent='vnfsnap-dashboard')
    return vnfsnap_client.Client(session, endpoint_override=url)


def handle(request, message, **kwargs):
    """``horizon.exceptions.handle`` with the API's own words: the error
    toast says what the user tried and then the ProblemDetails ``detail``
    vnfsnap answered (bounded by the client library)."""
    exc = sys.exc_info()[1]
    if isinstance(exc, vnfsnap_exceptions.HttpError):
        message = '%s %s' % (message, exc.detail)
    return exceptions.handle(request, message, **kwargs)
