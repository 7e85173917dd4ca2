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

"""Options of the [online_tests] group: where the conductor may connect
for an online test (doc/source/user/online-tests.rst)."""

from oslo_config import cfg

from vnfsnap.conf import package_import

group = cfg.OptGroup('online_tests', title='Online test options')

opts = [
    cfg.ListOpt('probe_networks', default=[],
                item_type=package_import.Network(),
                help='Networks (CIDR) the conductor may connect to for an '
                     'online test: its HTTP, TCP and webhook probes and its '
                     'external fault injector. Any project member may '
                     'start a test, so these are the only addresses a '
                     'request can make the conductor reach; every address '
                     'a host name resolves to must be in one of them. '
                     'Cloud metadata addresses are refused even when '
                     'listed. Empty (the default): none, and only the '
                     'guest-agent probes and the VIM\'s own faults can be '
                     'used. For example 10.20.0.0/16 for the VNFs\' service '
                     'network.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return opts
