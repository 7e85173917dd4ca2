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

"""VNF snapshot packages (SOL005 VnfSnapshotPkgInfo).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from alembic import op
import sqlalchemy as sa

revision = '0003'
down_revision = '0002'


def _json():
    return sa.JSON(none_as_null=True)


def upgrade():
    op.create_table(
        'vnf_snapshot_pkgs',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('project_id', sa.String(255), nullable=False, index=True),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('user_defined_data', _json()),
        sa.Column('state', sa.String(16), nullable=False, index=True),
        sa.Column('is_cancel_pending', sa.Boolean, nullable=False),
        sa.Column('cancel_cause', sa.Text),
        sa.Column('failure_details', _json()),
        sa.Column('operation', sa.String(16)),
        sa.Column('operation_params', _json()),
        sa.Column('credentials', sa.Text),
        sa.Column('host', sa.String(255)),
        sa.Column('bytes_done', sa.BigInteger),
        sa.Column('bytes_total', sa.BigInteger),
        sa.Column('content_received', sa.Boolean, nullable=False),
        sa.Column('ext_artifacts_access', sa.Text),
        sa.Column('vnf_snapshot_pkg_unique_id', sa.String(36), index=True),
        sa.Column('checksum', _json()),
        sa.Column('packaged_at', sa.DateTime),
        sa.Column('vnf_snapshot_id', sa.String(36)),
        sa.Column('vnfc_snapshot_info_ids', _json()),
        sa.Column('is_full_snapshot', sa.Boolean, nullable=False),
        sa.Column('vnfd_info', _json()),
        sa.Column('vnfsr', _json()),
        sa.Column('vnfc_snapshot_images', _json()),
        sa.Column('additional_artifacts', _json()),
        sa.Column('layout', _json()),
        sa.Column('created_at', sa.DateTime, nullable=False),
        sa.Column('updated_at', sa.DateTime, nullable=False))
