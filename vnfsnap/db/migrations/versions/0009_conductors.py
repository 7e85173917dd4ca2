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

"""Conductor heartbeats: the liveness record takeover relies on.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from alembic import op
import sqlalchemy as sa

revision = '0009'
down_revision = '0008'


def upgrade():
    op.create_table(
        'conductors',
        sa.Column('hostname', sa.String(255), primary_key=True),
        sa.Column('started_at', sa.DateTime, nullable=False),
        sa.Column('heartbeat_at', sa.DateTime, nullable=False),
        sa.Column('online', sa.Boolean, nullable=False),
        sa.Column('version', sa.String(64)),
        sa.Column('rpc_api_version', sa.String(16)))
