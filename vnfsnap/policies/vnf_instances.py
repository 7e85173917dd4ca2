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

"""Policies for /vnflcm/v2/vnf_instances and its snapshot tasks."""

from vnfsnap.policies import base

P = '/vnflcm/v2/vnf_instances'

rules = [
    base.rule('vnfsnap:vnf_instance:create', base.PROJECT_MEMBER_OR_ADMIN,
              'Register an existing VNF instance.', [('POST', P)]),
    base.rule('vnfsnap:vnf_instance:get_all', base.PROJECT_READER_OR_ADMIN,
              'List VNF instances.', [('GET', P)]),
    base.rule('vnfsnap:vnf_instance:get', base.PROJECT_READER_OR_ADMIN,
              'Show a VNF instance.', [('GET', P + '/{vnfInstanceId}')]),
    base.rule('vnfsnap:vnf_instance:get_vim_capabilities',
              base.PROJECT_READER_OR_ADMIN,
              'Show what the VIM of each VNFC of a VNF instance can do.',
              [('GET', P + '/{vnfInstanceId}/vim_capabilities')]),
    base.rule('vnfsnap:vnf_instance:get_snapshot_descriptor',
              base.PROJECT_READER_OR_ADMIN,
              'Show the snapshot descriptor that governs a VNF instance.',
              [('GET', P + '/{vnfInstanceId}/snapshot_descriptor')]),
    base.rule('vnfsnap:vnf_instance:update_snapshot_descriptor',
              base.PROJECT_MEMBER_OR_ADMIN,
              'Replace the snapshot descriptor of a VNF instance.',
              [('PUT', P + '/{vnfInstanceId}/snapshot_descriptor')]),
    base.rule('vnfsnap:vnf_instance:get_snapshot_notifications',
              base.PROJECT_READER_OR_ADMIN,
              'Show where a VNF instance gets its snapshot notices '
              '(without secrets).',
              [('GET', P + '/{vnfInstanceId}/snapshot_notifications')]),
    base.rule('vnfsnap:vnf_instance:update_snapshot_notifications',
              base.PROJECT_MEMBER_OR_ADMIN,
              'Set or remove where a VNF instance gets its snapshot '
              'notices. The conductor POSTs to that URI from its network.',
              [('PUT', P + '/{vnfInstanceId}/snapshot_notifications'),
               ('DELETE', P + '/{vnfInstanceId}/snapshot_notifications')]),
    base.rule('vnfsnap:vnf_instance:update', base.PROJECT_MEMBER_OR_ADMIN,
              'Modify VNF information (SOL003 MODIFY_INFO): names, VNFD id, '
              'configurable properties, metadata, extensions, VIM '
              'connections (which the conductor then uses) and VNFC '
              'configurable properties.',
              [('PATCH', P + '/{vnfInstanceId}')]),
    base.rule('vnfsnap:vnf_instance:delete', base.PROJECT_MEMBER_OR_ADMIN,
              'Unregister a VNF instance.',
              [('DELETE', P + '/{vnfInstanceId}')]),
    base.rule('vnfsnap:vnf_instance:create_snapshot',
              base.PROJECT_MEMBER_OR_ADMIN,
              'Take a VNF snapshot of a VNF instance.',
              [('POST', P + '/{vnfInstanceId}/create_snapshot')]),
    base.rule('vnfsnap:vnf_instance:grant_create_snapshot',
              base.PROJECT_MEMBER_OR_ADMIN,
              'Grant a VNF snapshot locally ([grant]mode policy, or a '
              'snapshot descriptor whose createSnapshot.grant is policy); '
              'checked after vnfsnap:vnf_instance:create_snapshot.',
              [('POST', P + '/{vnfInstanceId}/create_snapshot')]),
    base.rule('vnfsnap:vnf_instance:grant_revert_to_snapshot',
              base.PROJECT_MEMBER_OR_ADMIN,
              'Grant a revert locally ([grant]mode policy, or a snapshot '
              'descriptor whose revertToSnapshot.grant is policy); checked '
              'after vnfsnap:vnf_instance:revert_to_snapshot.',
              [('POST', P + '/{vnfInstanceId}/revert_to_snapshot')]),
    base.rule('vnfsnap:vnf_instance:revert_to_snapshot',
              base.PROJECT_MEMBER_OR_ADMIN,
              'Revert a VNF instance to a VNF snapshot.',
              [('POST', P + '/{vnfInstanceId}/revert_to_snapshot')]),
]


def list_rules():
    return rules
