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

"""POST a JSON notice to an endpoint a VNF registered, with SOL013
SubscriptionAuthentication (BASIC or OAuth 2.0 client credentials), and
read its answer.

Built on python-requests. Unlike vnfsnap.common.urlfetch (which guards
downloads from URIs any API client gives), the endpoint is part of the
VNF's registration and usually sits on the operator's management network;
it is reached as configured. No message names a credential or carries
the endpoint's answer beyond its status and a short reason.
"""

import json

from oslo_log import log as logging
import requests
import urllib3

from vnfsnap.common import exception
from vnfsnap.common import urlfetch
import vnfsnap.conf

CONF = vnfsnap.conf.CONF
LOG = logging.getLogger(__name__)

_MAX_ANSWER = 64 * 1024
_MAX_REASON = 200
# What requests lets escape for a URI it cannot connect to at all (say, a
# host label over 63 characters): urllib3 finds it out only on connecting.
_NO_REQUEST = (requests.RequestException,
               urllib3.exceptions.LocationValueError)


def _verify(verify_tls):
    if not verify_tls:
        return False
    return CONF.vnf_notifications.ca_file or True


def oauth2_token(credentials, timeout, verify):
    """OAuth 2.0 client credentials grant (RFC 6749 4.4)."""
    try:
        resp = requests.post(
            credentials.token_endpoint,
            data={'grant_type': 'client_credentials'},
            auth=(credentials.client_id, credentials.client_password),
            headers={'Accept': 'application/json'}, timeout=timeout,
            verify=verify, allow_redirects=False)
        doc = resp.json() if resp.status_code == 200 else None
    except (requests.RequestException, ValueError) as e:
        raise exception.WebhookFailed(
            uri=credentials.token_endpoint,
            reason='token request: %s' % type(e).__name__)
    token = doc.get('access_token') if isinstance(doc, dict) else None
    if not isinstance(token, str) or not token:
        raise exception.WebhookFailed(
            uri=credentials.token_endpoint,
            reason='token request answered HTTP %d without an access_token'
            % resp.status_code)
    return token


def authenticate(credentials, timeout, verify):
    """(requests auth, headers) for SubscriptionAuthentication."""
    if credentials is None:
        return None, {}
    if credentials.auth_type == urlfetch.AUTH_BASIC:
        return (credentials.username, credentials.password), {}
    return None, {'Authorization': 'Bearer ' + oauth2_token(
        credentials, timeout, verify)}


def post(uri, body, credentials=None, timeout=30, verify_tls=True):
    """POST ``body`` as JSON; returns (HTTP status, the JSON answer or
    None). Raises exception.WebhookFailed when there is no answer in time."""
    verify = _verify(verify_tls)
    auth, headers = authenticate(credentials, timeout, verify)
    headers.update({'Content-Type': 'application/json',
                    'Accept': 'application/json'})
    try:
        resp = requests.post(uri, data=json.dumps(body), headers=headers,
                             auth=auth, timeout=timeout, verify=verify,
                             allow_redirects=False, stream=True)
        raw = resp.raw.read(_MAX_ANSWER + 1, decode_content=True)
        resp.close()
    except requests.ConnectTimeout:
        raise exception.WebhookFailed(
            uri=uri, reason='no connection within %d s' % timeout)
    except requests.Timeout:
        raise exception.WebhookFailed(uri=uri, delivered=True,
                                      reason='no answer within %d s' % timeout)
    except _NO_REQUEST as e:
        raise exception.WebhookFailed(uri=uri, reason=type(e).__name__)
    answer = None
    if raw and len(raw) <= _MAX_ANSWER:
        try:
            answer = json.loads(raw)
        except ValueError:
            answer = None
    return resp.status_code, answer


def reason_of(answer):
    """A printable, short ``reason`` from an endpoint's answer."""
    reason = answer.get('reason') if isinstance(answer, dict) else None
    if not isinstance(reason, str):
        return None
    return ''.join(c for c in reason[:_MAX_REASON] if c.isprintable())


def probe(uri, credentials=None, timeout=10, verify_tls=True):
    """GET ``uri`` as SOL013's test of a notification endpoint; returns
    the HTTP status. Raises exception.WebhookFailed when there is no answer."""
    verify = _verify(verify_tls)
    auth, headers = authenticate(credentials, timeout, verify)
    try:
        resp = requests.get(uri, headers=headers, auth=auth,
                            timeout=timeout, verify=verify,
                            allow_redirects=False)
        resp.close()
    except _NO_REQUEST as e:
        raise exception.WebhookFailed(uri=uri, reason=type(e).__name__)
    return resp.status_code
