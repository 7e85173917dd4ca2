"""The endpoint a VNF registered for its snapshot prepare/done notices.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from alembic import op
import sqlalchemy as sa

revision = '0005'
down_revision = '0004'


def upgrade():
    op.add_column('vnf_instances',
                  sa.Column('snapshot_notifications',
                            sa.JSON(none_as_null=True), nullable=True))
