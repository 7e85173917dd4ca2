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

"""Options of the [api] group: where and how vnfsnap-api listens."""

from oslo_config import cfg

group = cfg.OptGroup('api', title='API service options')

opts = [
    cfg.HostAddressOpt('host', default='127.0.0.1',
                       help='Address the API listens on.'),
    cfg.PortOpt('port', default=9896,
                help='TCP port the API listens on.'),
    cfg.StrOpt('auth_strategy', default='noauth',
               choices=[('keystone', 'Validate tokens with '
                         'keystonemiddleware (production).'),
                        ('noauth', 'No authentication: every request acts '
                         'as an admin of the project named by the '
                         'X-Project-Id header, or of "default". For the '
                         'embedded single-machine mode only.')],
               help='How API requests are authenticated.'),
    cfg.IntOpt('max_page_size', default=100, min=1,
               help='Largest number of items one GET on a collection '
                    'returns. Longer results are paged (SOL013 clause 5.4): '
                    'the response carries a Link header with rel="next".'),
    cfg.IntOpt('threads', default=16, min=1,
               help='Number of request-handling threads of the API '
                    'server.'),
    cfg.StrOpt('public_endpoint',
               help='Base URL clients use to reach the API, e.g. '
                    'https://vnfsnap.example.com:9896. Used in Location, '
                    'Link and _links; when unset, taken from the request.'),
    cfg.IntOpt('max_json_body_size', default=2 * 1024 * 1024, min=1024,
               help='Largest JSON request body, in bytes, that the API '
                    'reads (default 2 MiB); a larger one is refused with '
                    '413 after reading at most this many bytes plus one, '
                    'with or without a Content-Length. It also bounds '
                    'what a merge patch may make of a stored JSON value. '
                    'A registration with a large VNFD and hundreds of '
                    'VNFCs takes a few hundred KiB; each request being '
                    'served may hold up to some 25 times its body in '
                    'memory while it is parsed, so keep this times '
                    '[api]threads well within the memory of the API. '
                    'Uploads of VNF '
                    'snapshot package content are limited by '
                    '[package_store]max_package_size instead.'),
    cfg.IntOpt('max_json_depth', default=64, min=2, max=90,
               help='Deepest nesting of objects and arrays accepted in a '
                    'JSON request body; a deeper one is refused with 400. '
                    'At most 90: MySQL refuses JSON documents nested '
                    'deeper than 100 levels, and vnfsnap nests what it '
                    'copies (a VnfInstance into a VnfSnapshot) a few '
                    'levels deeper than it was received.'),
    cfg.IntOpt('rpc_timeout', default=120, min=1,
               help='Seconds the API waits for a conductor to answer a '
                    'synchronous call (e.g. deleting a VNF snapshot, which '
                    'removes its VIM-side snapshots).'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return opts
