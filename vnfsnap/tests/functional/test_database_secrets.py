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

"""Secrets at rest on real PostgreSQL and MariaDB servers: their dumps
hold none of the secrets stored through the API, before and after a key
rotation, nor after migration 0008 sealed what an earlier release
stored."""

import os

from alembic import autogenerate
from alembic import migration as alembic_migration
import testscenarios

from vnfsnap.common import crypto
from vnfsnap.common import exception
from vnfsnap.db import api as db_api
from vnfsnap.db import migration
from vnfsnap.db import models
from vnfsnap.tests import base as unit_base
from vnfsnap.tests.fixtures import secrets
from vnfsnap.tests.fixtures import services

load_tests = testscenarios.load_tests_apply_scenarios


class TestSecretsInRealDatabases(testscenarios.WithScenarios,
                                 unit_base.ApiTestCase):

    scenarios = [
        # refused_at: the revision a refused migration 0008 leaves, on
        # MariaDB that of the schema changes committed before it.
        ('postgresql', {'server': services.PostgreSQLServer,
                        'refused_at': '0006'}),
        ('mariadb', {'server': services.MariaDBServer,
                     'refused_at': '0007'}),
    ]

    def setUp(self):
        super().setUp()
        self.db = self.useFixture(self.server())
        self.conf.config(connection=self.db.url, group='database')
        db_api.reset()
        self.key_file = os.path.join(self.state_path, 'credentials.key')

    def assertNoSecretIn(self, dump, sealed, key_id):
        for secret in secrets.SECRETS:
            self.assertNotIn(secret.encode(), dump)
        # The dump does hold the rows: what is not secret is plain.
        self.assertIn(secrets.KEYSTONE.encode(), dump)
        self.assertEqual(sealed, dump.count(crypto.PREFIX.encode()))
        self.assertEqual(sealed, dump.count(
            ('%s%s:' % (crypto.PREFIX, key_id)).encode()))

    def test_dump_holds_no_secret_before_and_after_rotation(self):
        migration.upgrade()
        ids = secrets.store_every_secret(self)
        self.assertNoSecretIn(self.db.dump(), secrets.SEALED,
                              crypto.keyring().primary.id)
        for body in secrets.answers(self, ids):
            for secret in secrets.SECRETS:
                self.assertNotIn(secret.encode(), body)

        os.rename(self.key_file, self.key_file + '.old')
        new_id = crypto.create_key(self.key_file)
        self.conf.config(credentials_old_key_files=[self.key_file + '.old'])
        report = db_api.renew_secrets(crypto.keyring(), batch=2)
        self.assertEqual(secrets.SEALED, sum(
            r.counts[crypto.REENCRYPTED] for r in report.values()))
        self.conf.config(credentials_old_key_files=[])
        secrets.check_readable(self, ids)
        self.assertNoSecretIn(self.db.dump(), secrets.SEALED, new_id)

    def test_migration_seals_what_earlier_releases_stored(self):
        migration.upgrade('0006')
        key = secrets.new_key(self.key_file)
        with db_api.get_engine().begin() as conn:
            secrets.insert_earlier_rows(conn, key)
        self.assertIn(secrets.VIM_PASSWORD.encode(), self.db.dump())
        migration.upgrade()
        self.assertEqual(migration.head(), migration.version())
        with db_api.get_engine().connect() as conn:
            self.assertEqual([], autogenerate.compare_metadata(
                alembic_migration.MigrationContext.configure(conn),
                models.Base.metadata))
        secrets.check_earlier_rows(self)
        dump = self.db.dump()
        for secret in secrets.SECRETS:
            self.assertNotIn(secret.encode(), dump)

    def test_migration_refused_without_the_key_then_run_again(self):
        """0008 refusing (the key that encrypted is not configured) leaves
        the schema at a revision the next db sync continues from, also on
        MariaDB, whose schema changes commit by themselves."""
        migration.upgrade('0006')
        key = secrets.new_key(self.key_file)
        with db_api.get_engine().begin() as conn:
            secrets.insert_earlier_rows(conn, key)
        os.rename(self.key_file, self.key_file + '.kept')
        self.assertRaises(exception.CredentialsKeyError, migration.upgrade)
        self.assertEqual(self.refused_at, migration.version())
        self.assertIn(secrets.VIM_PASSWORD.encode(), self.db.dump())
        os.rename(self.key_file + '.kept', self.key_file)
        migration.upgrade()
        self.assertEqual(migration.head(), migration.version())
        secrets.check_earlier_rows(self)
