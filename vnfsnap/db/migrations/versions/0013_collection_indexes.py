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

"""The indexes collections page on: oldest first (created_at, then id),
for an administrator (every project) and for one project's rows.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from alembic import op

revision = '0013'
down_revision = '0012'

TABLES = ('vnf_instances', 'vnf_snapshot_infos', 'vnf_lcm_op_occs',
          'vnf_snapshot_pkgs', 'lccn_subscriptions')


def upgrade():
    for table in TABLES:
        op.create_index('ix_%s_created_at_id' % table, table,
                        ['created_at', 'id'])
        op.create_index('ix_%s_project_id_created_at_id' % table, table,
                        ['project_id', 'created_at', 'id'])
