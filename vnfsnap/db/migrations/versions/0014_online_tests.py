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

"""Guarded online tests (GR NFV-TST 005 clause 4.1.1): their records,
one per ONLINE_TEST operation occurrence (same id).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from alembic import op
import sqlalchemy as sa

revision = '0014'
down_revision = '0013'


def _json():
    return sa.JSON(none_as_null=True)


def upgrade():
    op.create_table(
        'online_tests',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('project_id', sa.String(255), nullable=False),
        sa.Column('vnf_instance_id', sa.String(36), nullable=False),
        sa.Column('operation_state', sa.String(16), nullable=False),
        sa.Column('state_entered_time', sa.DateTime, nullable=False),
        sa.Column('error', _json()),
        sa.Column('request', _json(), nullable=False),
        sa.Column('phase', sa.String(32)),
        sa.Column('verdict', sa.String(8)),
        sa.Column('probe_rounds', _json()),
        sa.Column('probe_rounds_dropped', sa.Integer, nullable=False),
        sa.Column('fault', _json()),
        sa.Column('recovery_time', sa.Float),
        sa.Column('pre_test_vnf_snapshot_info_id', sa.String(36)),
        sa.Column('failed_state_vnf_snapshot_info_id', sa.String(36)),
        sa.Column('vnf_snapshot_pkg_id', sa.String(36)),
        sa.Column('created_at', sa.DateTime, nullable=False),
        sa.Column('updated_at', sa.DateTime, nullable=False))
    for column in ('project_id', 'vnf_instance_id', 'operation_state',
                   'verdict'):
        op.create_index('ix_online_tests_%s' % column, 'online_tests',
                        [column])
    op.create_index('ix_online_tests_created_at_id', 'online_tests',
                    ['created_at', 'id'])
    op.create_index('ix_online_tests_project_id_created_at_id',
                    'online_tests', ['project_id', 'created_at', 'id'])
