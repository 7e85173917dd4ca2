"""The safety VNF snapshot a revert took of the state it replaced.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from alembic import op
import sqlalchemy as sa

revision = '0004'
down_revision = '0003'


def upgrade():
    op.add_column('vnf_lcm_op_occs',
                  sa.Column('safety_vnf_snapshot_info_id', sa.String(36),
                            nullable=True))
