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

"""Options of the [swift] group: Keystone access to Swift.

Only read by the swift package store backend when ``auth_type`` is set
here; otherwise that backend uses TempAuth (v1) with the credentials of
[package_store]. The session and auth options are keystoneauth's own, as
for the service clients of Nova or Ironic.
"""

from oslo_config import cfg

from vnfsnap.conf import keystone_client

GROUP = 'swift'

group = cfg.OptGroup(
    GROUP, title='Swift access through Keystone',
    help='Keystone credentials of the swift package store backend. Set '
         'auth_type (e.g. "password") and the options of that auth plugin '
         'to use Keystone; leave auth_type unset for TempAuth '
         '([package_store]swift_auth_url, swift_user, swift_key).')

endpoint_opts = [
    cfg.StrOpt('region_name',
               help='Region of the object-store endpoint in the Keystone '
                    'catalog.'),
    cfg.StrOpt('interface', default='public',
               choices=['public', 'internal', 'admin'],
               help='Which object-store endpoint of the catalog to use.'),
    cfg.URIOpt('endpoint_override',
               help='Swift storage URL to use instead of the catalog\'s '
                    '(http://host:port/v1/AUTH_<project id>).'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(endpoint_opts, group=group)
    keystone_client.register_opts(conf, GROUP)


def list_opts():
    return endpoint_opts + keystone_client.list_opts()
