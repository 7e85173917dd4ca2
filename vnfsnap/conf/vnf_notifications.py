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

"""Options of the [vnf_notifications] group: the prepare/done notices a
VNF receives around its snapshots and reverts (GR NFV-TST 005 6.5.1)."""

from oslo_config import cfg

group = cfg.OptGroup('vnf_notifications',
                     title='VNF snapshot notification options')

opts = [
    cfg.IntOpt('ack_timeout', default=30, min=1, max=600,
               help='Seconds a VNF has to acknowledge a "prepare" notice '
                    'when its endpoint does not set ackTimeout. No answer '
                    'in time aborts the operation, which is undone.'),
    cfg.IntOpt('done_attempts', default=3, min=1,
               help='Attempts to deliver a "done" notice (it is always '
                    'sent once "prepare" was acknowledged); a failed '
                    'delivery is logged, it never fails the operation.'),
    cfg.StrOpt('ca_file',
               help='CA bundle to verify the TLS certificates of VNF '
                    'endpoints; the system CAs when unset. An endpoint '
                    'may turn verification off (verifyTls: false).'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return opts
