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

"""Alembic environment: runs on the connection vnfsnap.db.migration gives."""

from alembic import context

from vnfsnap.db import models

config = context.config
connection = config.attributes['connection']
sqlite = connection.dialect.name == 'sqlite'
# oslo.db's SQLite engine emits BEGIN itself, which makes SQLite's schema
# changes transactional too (alembic assumes pysqlite's autocommit).
context.configure(connection=connection,
                  target_metadata=models.Base.metadata,
                  render_as_batch=sqlite,
                  transactional_ddl=True if sqlite else None)
with context.begin_transaction():
    context.run_migrations()
