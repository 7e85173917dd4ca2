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

"""The conductor's log records of each LCM operation occurrence, for
root-cause packages.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from alembic import op
import sqlalchemy as sa

revision = '0015'
down_revision = '0014'


def upgrade():
    op.create_table(
        'op_log_records',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('vnf_instance_id', sa.String(36), nullable=False,
                  index=True),
        sa.Column('op_occ_id', sa.String(36), nullable=False, index=True),
        sa.Column('request_id', sa.String(64)),
        sa.Column('created_at', sa.DateTime, nullable=False, index=True),
        sa.Column('level', sa.String(16), nullable=False),
        sa.Column('logger', sa.String(255), nullable=False),
        sa.Column('host', sa.String(255)),
        sa.Column('message', sa.Text, nullable=False))
