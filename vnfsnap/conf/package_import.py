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

"""Options of the [package_import] group: what an upload from a URI may reach.

A client names the URI (and OAuth 2.0 token endpoint) that vnfsnap fetches a
VNF snapshot package from; these options keep such requests away from the
services next to vnfsnap (see vnfsnap.common.urlfetch and the admin guide's
"Package import security" page).
"""

import ipaddress

from oslo_config import cfg
from oslo_config import types


class Network(types.ConfigType):
    """An IP network in CIDR notation; host bits must be zero, so that a
    typo such as 10.0.0.1/8 is refused instead of widening the rule."""

    def __init__(self):
        super().__init__(type_name='CIDR value')

    def __call__(self, value):
        if isinstance(value, (ipaddress.IPv4Network, ipaddress.IPv6Network)):
            return value
        try:
            return ipaddress.ip_network(str(value).strip(), strict=True)
        except ValueError as e:
            raise ValueError('%r is not an IP network in CIDR notation '
                             '(such as 10.0.0.0/8 or fd00::/8): %s'
                             % (value, e)) from None

    def _formatter(self, value):
        return str(value)


group = cfg.OptGroup('package_import', title='Package import options')

opts = [
    cfg.ListOpt('allowed_schemes', default=['https'],
                item_type=types.String(choices=['http', 'https']),
                help='URI schemes an upload from a URI (and an OAuth 2.0 '
                     'token endpoint) may use. Plain http lets anyone on the '
                     'path read and alter the package and the credentials '
                     'sent with it.'),
    cfg.ListOpt('allowed_ports', default=[443],
                item_type=types.Integer(min=1, max=65535),
                help='TCP ports an upload from a URI may connect to: the '
                     'port written in the URI, or the default port of its '
                     'scheme (80 for http, 443 for https).'),
    cfg.ListOpt('allowed_hosts', default=[],
                help='When not empty, the only host names and IP addresses '
                     'an upload from a URI may name (compared without case '
                     'and trailing dot). The address rules below still '
                     'apply to what these names resolve to.'),
    cfg.ListOpt('allowed_networks', default=[], item_type=Network(),
                help='Networks (CIDR) that may be reached although the '
                     'address rules refuse them: loopback, link-local, '
                     'unspecified, multicast and reserved addresses, cloud '
                     'metadata addresses, and private networks when '
                     'deny_private_networks is set. For example '
                     '127.0.0.1/32 for a package server on the same host.'),
    cfg.BoolOpt('deny_private_networks', default=False,
                help='Also refuse private addresses (RFC 1918 10/8, '
                     '172.16/12, 192.168/16, the shared address space '
                     '100.64/10, IPv6 unique local fc00::/7 and site-local '
                     'fec0::/10) unless allowed_networks lists them. Set it '
                     'when packages only come from the internet.'),
    cfg.IntOpt('max_redirects', default=3, min=0,
               help='Redirects followed when downloading; each new URI is '
                    'checked with the same rules as the first.'),
    cfg.IntOpt('connect_timeout', default=10, min=1,
               help='Seconds to wait for a TCP connection (and TLS '
                    'handshake) to a package server or token endpoint.'),
    cfg.IntOpt('read_timeout', default=60, min=1,
               help='Seconds to wait for the next bytes from a package '
                    'server or token endpoint before giving up.'),
    cfg.StrOpt('ca_file',
               help='PEM file of the CA certificates that https servers are '
                    'verified against, instead of the system CAs. '
                    'Certificate and host name verification are always '
                    'on.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return opts
