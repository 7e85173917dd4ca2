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

"""Initial schema: VNF instances, VNF/VNFC snapshots, LCM op occurrences.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from alembic import op
import sqlalchemy as sa

revision = '0001'
down_revision = None


def _json():
    return sa.JSON(none_as_null=True)


def _timestamps():
    return [sa.Column('created_at', sa.DateTime, nullable=False),
            sa.Column('updated_at', sa.DateTime, nullable=False)]


def upgrade():
    op.create_table(
        'vnf_instances',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('project_id', sa.String(255), nullable=False, index=True),
        sa.Column('vnf_instance_name', sa.String(255)),
        sa.Column('vnf_instance_description', sa.Text),
        sa.Column('vnfd_id', sa.String(255), nullable=False),
        sa.Column('vnf_provider', sa.String(255), nullable=False),
        sa.Column('vnf_product_name', sa.String(255), nullable=False),
        sa.Column('vnf_software_version', sa.String(255), nullable=False),
        sa.Column('vnfd_version', sa.String(255), nullable=False),
        sa.Column('vnfd', _json()),
        sa.Column('snapshot_descriptor', _json()),
        sa.Column('instantiation_state', sa.String(16), nullable=False),
        sa.Column('vim_connection_info', _json()),
        sa.Column('instantiated_vnf_info', _json()),
        sa.Column('vnf_configurable_properties', _json()),
        sa.Column('metadata', _json()),
        sa.Column('extensions', _json()),
        sa.Column('reservation', sa.String(36)),
        *_timestamps())
    op.create_table(
        'vnf_snapshot_infos',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('project_id', sa.String(255), nullable=False, index=True),
        sa.Column('vnf_snapshot_pkg_id', sa.String(36)),
        sa.Column('taken_from', sa.String(36)),
        sa.Column('snapshot_id', sa.String(36)),
        sa.Column('snapshot_vnf_instance_id', sa.String(36), index=True),
        sa.Column('snapshot_vnfd_id', sa.String(255)),
        sa.Column('snapshot_creation_started_at', sa.DateTime),
        sa.Column('snapshot_creation_finished_at', sa.DateTime),
        sa.Column('snapshot_vnf_instance', _json()),
        sa.Column('snapshot_vnf_state_snapshot_info', _json()),
        sa.Column('snapshot_user_defined_data', _json()),
        sa.Column('reservation', sa.String(36)),
        *_timestamps())
    op.create_table(
        'vnfc_snapshots',
        sa.Column('vnf_snapshot_info_id', sa.String(36),
                  sa.ForeignKey('vnf_snapshot_infos.id', ondelete='CASCADE'),
                  primary_key=True),
        sa.Column('id', sa.String(255), primary_key=True),
        sa.Column('position', sa.Integer, nullable=False),
        sa.Column('vnfc_instance_id', sa.String(255), nullable=False),
        sa.Column('vnfc_resource_info_id', sa.String(255)),
        sa.Column('creation_started_at', sa.DateTime),
        sa.Column('creation_finished_at', sa.DateTime),
        sa.Column('compute_snapshot_resource', _json()),
        sa.Column('storage_snapshot_resources', _json()),
        sa.Column('user_defined_data', _json()),
        sa.Column('consistency_level', sa.String(32)),
        sa.Column('memory_captured', sa.Boolean),
        sa.Column('vim_details', _json()))
    op.create_table(
        'vnf_lcm_op_occs',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('project_id', sa.String(255), nullable=False, index=True),
        sa.Column('vnf_instance_id', sa.String(36), nullable=False,
                  index=True),
        sa.Column('operation', sa.String(32), nullable=False),
        sa.Column('operation_state', sa.String(16), nullable=False,
                  index=True),
        sa.Column('state_entered_time', sa.DateTime, nullable=False),
        sa.Column('start_time', sa.DateTime, nullable=False),
        sa.Column('is_automatic_invocation', sa.Boolean, nullable=False),
        sa.Column('is_cancel_pending', sa.Boolean, nullable=False),
        sa.Column('cancel_mode', sa.String(16)),
        sa.Column('operation_params', _json()),
        sa.Column('error', _json()),
        sa.Column('vnf_snapshot_info_id', sa.String(36), index=True),
        sa.Column('host', sa.String(255)),
        *_timestamps())
