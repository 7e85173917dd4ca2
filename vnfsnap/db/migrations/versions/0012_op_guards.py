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

"""Guards: the deadlines VIMs enforce on the interruptions an operation
occurrence causes, as the occurrence shows them.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from alembic import op
import sqlalchemy as sa

revision = '0012'
down_revision = '0011'


def upgrade():
    op.create_table(
        'op_guards',
        sa.Column('op_occ_id', sa.String(36),
                  sa.ForeignKey('vnf_lcm_op_occs.id', ondelete='CASCADE'),
                  primary_key=True),
        sa.Column('vnfc_id', sa.String(255), primary_key=True),
        sa.Column('kind', sa.String(16), primary_key=True),
        sa.Column('resource_id', sa.String(255), primary_key=True),
        sa.Column('position', sa.Integer, nullable=False),
        sa.Column('record', sa.JSON(none_as_null=True), nullable=False))
