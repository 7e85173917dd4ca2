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

"""Resumable package jobs: the VIM resources a package extraction
imported and has not handed over, and how often a job was resumed.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from alembic import op
import sqlalchemy as sa

revision = '0010'
down_revision = '0009'


def upgrade():
    op.create_table(
        'pkg_vim_resources',
        sa.Column('vnf_snapshot_pkg_id', sa.String(36), primary_key=True),
        sa.Column('key', sa.String(255), primary_key=True),
        sa.Column('resource', sa.JSON(none_as_null=True), nullable=False))
    op.add_column('vnf_snapshot_pkgs',
                  sa.Column('job_resumes', sa.Integer, nullable=False,
                            server_default='0'))
