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

"""Options of the [upgrade_levels] group: RPC version caps for rolling
upgrades (the group and option names Nova uses for the same purpose)."""

from oslo_config import cfg

group = cfg.OptGroup('upgrade_levels', title='RPC version caps')

opts = [
    cfg.StrOpt('conductor',
               regex=r'^\d+\.\d+$',
               sample_default='1.0',
               help='Highest conductor RPC API version (N.N) the API sends. '
                    'During a rolling upgrade, set it on the upgraded API '
                    'processes to the version of the oldest conductor still '
                    'running, and remove it once every conductor runs the '
                    'new release. A cast newer than the cap is not sent: a '
                    'conductor of the new release runs the operation from '
                    'the database within [conductor]sweep_interval. A '
                    'synchronous call newer than the cap answers 503. '
                    'Unset: no cap, the newest version this API knows.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return opts
