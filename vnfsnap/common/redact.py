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

"""Secrets out of what a root-cause package carries to a vendor.

oslo.utils' ``strutils.mask_password`` (``key = value`` and ``"key":
"value"`` forms of its password-like keys) and ``mask_dict_password``
(dict keys) do most of it; the rules here add what they miss: the
credentials in URLs (``transport_url``, an ``auth_url`` with a user),
HTTP authentication headers (``X-Auth-Token``, ``X-Subject-Token``,
``Authorization``), PEM private keys, Swift temp URL signatures, the
keys of SOL003 ``accessInfo`` and of VIM connections, and, last, any
secret value the caller knows (a VIM's password) wherever it appears.
"""

import re

from oslo_utils import strutils

MASK = '***'

# Keys whose values are secrets in dicts, compared lower-cased and
# without '_' and '-', in addition to strutils' own.
_SECRET_KEYS = frozenset((
    'password', 'passwd', 'pass', 'secret', 'token', 'authtoken',
    'xauthtoken', 'xsubjecttoken', 'authorization', 'credential',
    'credentials', 'clientpassword', 'applicationcredentialsecret',
    'privatekey', 'apikey', 'accesskey', 'secretkey', 'sslkey', 'key',
    'tempurlkey', 'tempurlsig', 'transporturl', 'connection',
    'paramsbasic', 'paramsoauth2clientcredentials', 'accessinfo',
    'cookie', 'setcookie'))
# Substrings that make a key secret (``adminPass``, ``db_password``).
_SECRET_PARTS = ('password', 'secret', 'token', 'passphrase',
                 'privatekey', 'credential')

_PEM_KEY = re.compile(
    r'-----BEGIN ([A-Z0-9 ]*PRIVATE KEY)-----.*?'
    r'(?:-----END \1-----|\Z)', re.S)
# scheme://user:password@host, also inside a list of hosts
# (rabbit://u:p@h1,u:p@h2/); the user stays, the password goes.
_URL_USERINFO = re.compile(
    r'(?P<head>(?:[A-Za-z][A-Za-z0-9+.-]*://|,)[^\s:/@,\'"]*):'
    r'(?P<secret>[^\s@/\'"]*)@')
_HEADERS = re.compile(
    r'(?P<head>\b(?:X-Auth-Token|X-Subject-Token|X-Service-Token|'
    r'X-Auth-Key|X-Storage-Token|Authorization|Proxy-Authorization|'
    r'Cookie|Set-Cookie)\b[\'"]?\s*[:=,]\s*[\'"]?'
    r'(?:(?:Bearer|Basic|Digest|Negotiate|OAuth)\s+)?)'
    r'(?P<secret>[^\s\'",;]+)', re.I)
_QUERY = re.compile(
    r'(?P<head>[?&](?:temp_url_sig|X-Amz-Signature|X-Amz-Credential|'
    r'X-Amz-Security-Token|sig|signature|access_token|token|password|'
    r'api_key|apikey)=)(?P<secret>[^&\s\'"#]+)', re.I)
# XML attributes and quoted assignments (``passwd='x'`` of a libvirt
# <graphics>, ``admin_password="x"``).
_QUOTED = re.compile(
    r'(?P<head>\b[A-Za-z_-]*(?:passwd|password|secret|token|passphrase)'
    r'\s*=\s*(?P<q>[\'"]))(?P<secret>[^\'"]*)(?P=q)', re.I)
# ``password: foo`` (YAML, HTTP-like) and ``--os-password foo`` (command
# lines) forms that strutils (which wants ``=`` or quoted JSON and XML
# forms) leaves.
_LOOSE = re.compile(
    r'(?P<head>(?:--[A-Za-z-]*(?:password|secret|token)\s+|'
    r'\b[A-Za-z_-]*(?:password|secret|token|passphrase)\s*:\s*))'
    r'(?P<secret>[^\s\'",;}]+)', re.I)


def _norm(key):
    return str(key).lower().replace('_', '').replace('-', '')


def secret_key(key):
    """Whether a dict key names a secret."""
    norm = _norm(key)
    return norm in _SECRET_KEYS or any(p in norm for p in _SECRET_PARTS)


def _masked(match):
    if match.group('secret').startswith(MASK):
        return match.group(0)
    return match.group('head') + MASK


def text(value, secrets=()):
    """``value`` (str or bytes, which come back as such) with secrets
    masked; ``secrets``: values known to be secret (masked wherever they
    appear, however they are introduced)."""
    if isinstance(value, bytes):
        return text(value.decode('utf-8', 'replace'), secrets).encode(
            'utf-8')
    value = _PEM_KEY.sub('-----BEGIN PRIVATE KEY-----' + MASK
                         + '-----END PRIVATE KEY-----', value)
    value = _QUOTED.sub(lambda m: m.group('head') + MASK + m.group('q'),
                        value)
    value = strutils.mask_password(value, secret=MASK)
    value = _URL_USERINFO.sub(r'\g<head>:' + MASK + '@', value)
    for rule in (_HEADERS, _QUERY, _LOOSE):
        value = rule.sub(_masked, value)
    for secret in sorted({s for s in secrets if s and len(s) >= 4},
                         key=len, reverse=True):
        value = value.replace(secret, MASK)
    return value


def document(value, secrets=()):
    """A JSON-like ``value`` with secrets masked: the values of secret
    keys whole (a dict under ``accessInfo`` included), strings by
    :func:`text`."""
    if isinstance(value, dict):
        value = strutils.mask_dict_password(value, secret=MASK)
        return {k: (MASK if secret_key(k) and v not in (None, '', {}, [])
                    else document(v, secrets))
                for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [document(v, secrets) for v in value]
    if isinstance(value, (str, bytes)):
        return text(value, secrets)
    return value


def known_secrets(vim_connection_info):
    """The secret values of VIM connections (accessInfo strings that are
    secrets), to mask where no key names them (a log line that quotes a
    password, say)."""
    found = set()

    def walk(value, secret):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, secret or secret_key(k))
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v, secret)
        elif isinstance(value, str) and secret:
            found.add(value)

    for info in (vim_connection_info or {}).values():
        if isinstance(info, dict):
            walk(info.get('accessInfo') or {}, False)
            walk({k: v for k, v in info.items() if k != 'accessInfo'},
                 False)
    return found
