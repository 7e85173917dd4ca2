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

"""Schema migrations (Alembic), driven by ``vnfsnap-manage db``."""

import os

from alembic import command
from alembic import config as alembic_config
from alembic import migration as alembic_migration

from vnfsnap.db import api as db_api

_SCRIPT_LOCATION = os.path.join(os.path.dirname(__file__), 'migrations')


def _config():
    cfg = alembic_config.Config()
    cfg.set_main_option('script_location', _SCRIPT_LOCATION)
    return cfg


def upgrade(revision='head'):
    """Create or upgrade the schema to ``revision``.

    Alembic holds the transactions (migrations/env.py): the whole upgrade
    is one where schema changes are transactional (PostgreSQL, SQLite), so
    a failed upgrade changes nothing. MariaDB and MySQL commit each schema
    change at once, so there each revision commits with its version: a
    failed upgrade stops at the last revision done, where the next one
    goes on.
    """
    engine = db_api.get_engine()
    with engine.connect() as connection:
        cfg = _config()
        cfg.attributes['connection'] = connection
        command.upgrade(cfg, revision)


def version():
    """The revision the database is at, or None for an empty database."""
    engine = db_api.get_engine()
    with engine.connect() as connection:
        return alembic_migration.MigrationContext.configure(
            connection).get_current_revision()


def head():
    """The newest revision this code knows."""
    from alembic import script
    return script.ScriptDirectory.from_config(_config()).get_current_head()
