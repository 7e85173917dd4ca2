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

"""VIM resources an op occurrence made and has not handed over yet.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from alembic import op
import sqlalchemy as sa

revision = '0002'
down_revision = '0001'


def upgrade():
    op.create_table(
        'op_vim_resources',
        sa.Column('op_occ_id', sa.String(36),
                  sa.ForeignKey('vnf_lcm_op_occs.id', ondelete='CASCADE'),
                  primary_key=True),
        sa.Column('key', sa.String(255), primary_key=True),
        sa.Column('resource', sa.JSON(none_as_null=True), nullable=False))
