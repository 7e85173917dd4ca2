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

"""Options of the [grant] group: whether snapshot operations need a grant
(GR NFV-TST 005 Nfvo.001, SOL003 Lifecycle Operation Granting)."""

from oslo_config import cfg

from vnfsnap.conf import keystone_client

GROUP = 'grant'

group = cfg.OptGroup(GROUP, title='Granting of snapshot operations')

opts = [
    cfg.StrOpt('mode', default='none',
               choices=[
                   ('none', 'no grant is asked for'),
                   ('policy', 'decided locally by the policy rules '
                              'vnfsnap:vnf_instance:grant_create_snapshot '
                              'and grant_revert_to_snapshot, when the '
                              'request is made'),
                   ('nfvo', 'asked from the NFVO\'s Grant API before the '
                            'first VNFC is touched')],
               help='How CREATE_SNAPSHOT and REVERT_TO_SNAPSHOT are granted '
                    'unless a VNF\'s snapshot descriptor says otherwise '
                    '(createSnapshot.grant, revertToSnapshot.grant).'),
    cfg.URIOpt('nfvo_url', schemes=['http', 'https'],
               help='Base URI of the NFVO\'s SOL003 Grant API, e.g. '
                    'https://nfvo.example/grant/v1 (grants are POSTed to '
                    '<nfvo_url>/grants).'),
    cfg.StrOpt('client_id',
               help='OAuth 2.0 client credentials for the NFVO (with '
                    'client_secret and token_endpoint); unused when '
                    'auth_type (Keystone) is set.'),
    cfg.StrOpt('client_secret', secret=True,
               help='OAuth 2.0 client secret for the NFVO.'),
    cfg.URIOpt('token_endpoint', schemes=['http', 'https'],
               help='OAuth 2.0 token endpoint for the NFVO.'),
    cfg.BoolOpt('verify_tls', default=True,
                help='Verify the NFVO\'s TLS certificate (cafile of the '
                     'session options applies with Keystone).'),
    cfg.IntOpt('request_timeout', default=30, min=1,
               help='Seconds to wait for each answer of the NFVO.'),
    cfg.IntOpt('grant_timeout', default=300, min=1,
               help='Seconds to wait for an asynchronous grant (202, then '
                    'polling) before the operation fails.'),
    cfg.FloatOpt('poll_interval', default=2.0, min=0.01,
                 help='Seconds between two looks at an asynchronous '
                      'grant.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)
    keystone_client.register_opts(conf, GROUP)


def list_opts():
    return opts + keystone_client.list_opts()
