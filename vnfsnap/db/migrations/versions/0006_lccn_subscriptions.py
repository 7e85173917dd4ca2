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

"""VNF LCM notification subscriptions and the op occurrence event outbox.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from alembic import op
import sqlalchemy as sa

revision = '0006'
down_revision = '0005'


def upgrade():
    op.create_table(
        'lccn_subscriptions',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('project_id', sa.String(255), nullable=False,
                  index=True),
        sa.Column('callback_uri', sa.Text, nullable=False),
        sa.Column('filter', sa.JSON(none_as_null=True)),
        sa.Column('verbosity', sa.String(16), nullable=False),
        sa.Column('credentials', sa.Text),
        sa.Column('created_at', sa.DateTime, nullable=False),
        sa.Column('updated_at', sa.DateTime, nullable=False))
    op.create_table(
        'op_occ_events',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('op_occ_id', sa.String(36), nullable=False),
        sa.Column('operation_state', sa.String(16), nullable=False),
        sa.Column('created_at', sa.DateTime, nullable=False),
        sa.Column('pending', sa.JSON(none_as_null=True)),
        sa.Column('attempts', sa.Integer, nullable=False),
        sa.Column('next_attempt_at', sa.DateTime, nullable=False,
                  index=True),
        sa.Column('claimed_by', sa.String(255)),
        sa.Column('claimed_at', sa.DateTime))
