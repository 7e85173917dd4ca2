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

"""Policies for /vnflcm/v2/vnf_snapshots."""

from vnfsnap.policies import base

P = '/vnflcm/v2/vnf_snapshots'
ONE = P + '/{vnfSnapshotInfoId}'

rules = [
    base.rule('vnfsnap:vnf_snapshot:create', base.PROJECT_MEMBER_OR_ADMIN,
              'Create an individual VNF snapshot resource.', [('POST', P)]),
    base.rule('vnfsnap:vnf_snapshot:get_all', base.PROJECT_READER_OR_ADMIN,
              'List VNF snapshots.', [('GET', P)]),
    base.rule('vnfsnap:vnf_snapshot:get', base.PROJECT_READER_OR_ADMIN,
              'Show a VNF snapshot.', [('GET', ONE)]),
    base.rule('vnfsnap:vnf_snapshot:get_vnf_state_snapshot',
              base.PROJECT_READER_OR_ADMIN,
              'Read the content of the VNF state snapshot of a VNF '
              'snapshot.', [('GET', ONE + '/vnf_state_snapshot')]),
    base.rule('vnfsnap:vnf_snapshot:update', base.PROJECT_MEMBER_OR_ADMIN,
              'Modify a VNF snapshot resource.', [('PATCH', ONE)]),
    base.rule('vnfsnap:vnf_snapshot:delete', base.PROJECT_MEMBER_OR_ADMIN,
              'Delete a VNF snapshot and its snapshots in the VIM.',
              [('DELETE', ONE)]),
]


def list_rules():
    return rules
