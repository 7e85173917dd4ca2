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

"""Options of the [notifications] group: delivery of VNF LCM operation
occurrence notifications to the subscriptions of /vnflcm/v2/subscriptions."""

from oslo_config import cfg

group = cfg.OptGroup('notifications',
                     title='VNF LCM notification delivery')

opts = [
    cfg.FloatOpt('poll_interval', default=1.0, min=0.05,
                 help='Seconds between two looks of each conductor for '
                      'notifications to deliver.'),
    cfg.IntOpt('batch_size', default=50, min=1,
               help='Events one conductor claims at a time.'),
    cfg.IntOpt('timeout', default=10, min=1,
               help='Seconds to wait for a subscriber to answer (also for '
                    'the test GET when a subscription is created).'),
    cfg.IntOpt('max_attempts', default=5, min=1,
               help='Attempts to deliver one notification to one '
                    'subscriber before it is given up (logged).'),
    cfg.FloatOpt('retry_interval', default=2.0, min=0.01,
                 help='Seconds before the second attempt; each further '
                      'attempt waits twice as long.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return opts
