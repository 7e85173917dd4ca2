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

"""Policies for /vnflcm/v2/subscriptions."""

from vnfsnap.policies import base

P = '/vnflcm/v2/subscriptions'

rules = [
    base.rule('vnfsnap:subscription:create', base.PROJECT_MEMBER_OR_ADMIN,
              'Subscribe to VNF LCM notifications; the conductors POST '
              'them to the callback URI from their network.', [('POST', P)]),
    base.rule('vnfsnap:subscription:get_all', base.PROJECT_READER_OR_ADMIN,
              'List subscriptions.', [('GET', P)]),
    base.rule('vnfsnap:subscription:get', base.PROJECT_READER_OR_ADMIN,
              'Show a subscription.', [('GET', P + '/{subscriptionId}')]),
    base.rule('vnfsnap:subscription:delete', base.PROJECT_MEMBER_OR_ADMIN,
              'Delete a subscription.',
              [('DELETE', P + '/{subscriptionId}')]),
]


def list_rules():
    return rules
