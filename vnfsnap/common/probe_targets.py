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

"""Where an online test may make the conductor connect.

Any project member may start an online test, and its HTTP, TCP and
webhook probes and its external fault injector are connections the
conductor opens to addresses the request names.  Only the networks an
operator lists in ``[online_tests]probe_networks`` may be reached (none
by default); every address a host name resolves to must be in one, and
cloud metadata addresses never are.  The API checks a request when it
comes, and the conductor again right before each connection, since a
name may resolve differently later.
"""

import ipaddress
import socket
import urllib.parse

from vnfsnap.common import exception
import vnfsnap.conf

CONF = vnfsnap.conf.CONF

_METADATA = frozenset(ipaddress.ip_address(a) for a in (
    '169.254.169.254', 'fd00:ec2::254', '100.100.100.200'))


def _addresses(host, port):
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as e:
        raise exception.ProbeTargetNotAllowed(
            target=host, reason='it does not resolve (%s)' % e) from None
    return sorted({ipaddress.ip_address(info[4][0].split('%')[0])
                   for info in infos}, key=str)


def check_host(host, port):
    """The addresses of ``host`` to connect to, all in an allowed network;
    ProbeTargetNotAllowed (a 422) otherwise."""
    networks = CONF.online_tests.probe_networks
    shown = '%s:%d' % (host, port)
    if not networks:
        raise exception.ProbeTargetNotAllowed(
            target=shown, reason='[online_tests]probe_networks lists no '
                                 'network; only guest-agent probes and the '
                                 "VIM's own faults can be used")
    addresses = _addresses(host, port)
    for ip in addresses:
        if ip.version == 6 and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if ip in _METADATA:
            raise exception.ProbeTargetNotAllowed(
                target=shown, reason='%s is a cloud metadata address' % ip)
        if not any(ip in net for net in networks):
            raise exception.ProbeTargetNotAllowed(
                target=shown, reason='%s is not in [online_tests]'
                                     'probe_networks' % ip)
    return addresses


def check_url(url):
    """check_host for the host and port of an http(s) URL."""
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port or {'http': 80, 'https': 443}[parts.scheme.lower()]
    except (ValueError, KeyError):
        raise exception.ProbeTargetNotAllowed(
            target=url[:200], reason='not an http(s) URL') from None
    if not parts.hostname or '@' in parts.netloc:
        raise exception.ProbeTargetNotAllowed(
            target=url[:200], reason='it must name a host and no user')
    return check_host(parts.hostname, port)


def check_request(body):
    """Every connection an online test request asks for (the API's check
    before anything is stored)."""
    for probe in body.get('probes', ()):
        if probe.get('type') in ('HTTP', 'WEBHOOK'):
            check_url(probe['url'])
        elif probe.get('type') == 'TCP':
            check_host(probe['host'], probe['port'])
    fault = body.get('fault') or {}
    if fault.get('url'):
        check_url(fault['url'])
