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

"""Policies for /vnflcm/v2/vnf_lcm_op_occs and its tasks."""

from vnfsnap.policies import base

P = '/vnflcm/v2/vnf_lcm_op_occs'
ONE = P + '/{vnfLcmOpOccId}'

rules = [
    base.rule('vnfsnap:vnf_lcm_op_occ:get_all', base.PROJECT_READER_OR_ADMIN,
              'List LCM operation occurrences.', [('GET', P)]),
    base.rule('vnfsnap:vnf_lcm_op_occ:get', base.PROJECT_READER_OR_ADMIN,
              'Show an LCM operation occurrence.', [('GET', ONE)]),
] + [
    base.rule('vnfsnap:vnf_lcm_op_occ:%s' % task,
              base.PROJECT_MEMBER_OR_ADMIN,
              '%s a failed or running LCM operation occurrence.'
              % task.capitalize(), [('POST', ONE + '/' + task)])
    for task in ('retry', 'rollback', 'fail', 'cancel')
]


def list_rules():
    return rules
