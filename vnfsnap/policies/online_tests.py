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

"""Policies for /vnflcm/v2/vnf_instances/{id}/online_tests (vnfsnap
extension: guarded online tests) and their abort task."""

from vnfsnap.policies import base

P = '/vnflcm/v2/vnf_instances/{vnfInstanceId}/online_tests'
ONE = P + '/{onlineTestId}'

rules = [
    base.rule('vnfsnap:online_test:create', base.PROJECT_MEMBER_OR_ADMIN,
              'Start a guarded online test of a VNF: snapshot, inject a '
              'fault, judge, restore on failure.', [('POST', P)]),
    base.rule('vnfsnap:online_test:get_all', base.PROJECT_READER_OR_ADMIN,
              'List the online tests of a VNF.', [('GET', P)]),
    base.rule('vnfsnap:online_test:get', base.PROJECT_READER_OR_ADMIN,
              'Show an online test and its record.', [('GET', ONE)]),
    base.rule('vnfsnap:online_test:abort', base.PROJECT_MEMBER_OR_ADMIN,
              'Abort a running online test; the VNF is restored.',
              [('POST', ONE + '/abort')]),
]


def list_rules():
    return rules
