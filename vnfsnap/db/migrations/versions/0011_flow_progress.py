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

"""Persisted flow progress: taskflow's logbooks, flowdetails, atomdetails.

The tables are created from taskflow's own definition (the one its
sqlalchemy persistence backend reads and writes with), by this migration
rather than by taskflow's ``upgrade()``: taskflow's alembic chain keeps its
revision in the default ``alembic_version`` table, the one vnfsnap's chain
uses, and would find vnfsnap's revision there (or stamp its own).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from alembic import op
import sqlalchemy as sa
from taskflow.persistence.backends.sqlalchemy import tables

revision = '0011'
down_revision = '0010'


def upgrade():
    metadata = sa.MetaData()
    for table in tables.fetch(metadata):
        # Taskflow also declares its primary keys UNIQUE: redundant, and
        # PostgreSQL does not report such a constraint back, so the schema
        # would never match the models there.
        for constraint in list(table.constraints):
            if (isinstance(constraint, sa.UniqueConstraint)
                    and set(constraint.columns.keys())
                    == set(table.primary_key.columns.keys())):
                table.constraints.discard(constraint)
    metadata.create_all(op.get_bind())
