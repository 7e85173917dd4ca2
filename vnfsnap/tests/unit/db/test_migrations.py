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

"""Alembic migrations and the vnfsnap-manage / vnfsnap-status commands."""

import datetime
import os
import re
import subprocess
import sys
import textwrap

from alembic import autogenerate
from alembic import migration as alembic_migration
from cryptography import fernet
import fixtures
import sqlalchemy as sa
import testtools

from vnfsnap.common import crypto
from vnfsnap.common import exception
from vnfsnap.db import api as db_api
from vnfsnap.db import migration
from vnfsnap.db import models
from vnfsnap.tests import base
from vnfsnap.tests.fixtures import secrets


class TestMigrations(base.TestCase):
    """Starts from an empty database."""

    MIGRATE = False

    def _tables(self):
        return set(sa.inspect(db_api.get_engine()).get_table_names())

    def _diff(self):
        with db_api.get_engine().connect() as conn:
            ctx = alembic_migration.MigrationContext.configure(
                conn, opts={'compare_type': True,
                            'compare_server_default': True})
            return autogenerate.compare_metadata(ctx, models.Base.metadata)

    def _insert_snapshot_info(self, engine):
        """An empty VNF snapshot 'x' of project 'p', by plain SQL."""
        with engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO vnf_snapshot_infos (id, project_id, "
                "created_at, updated_at) VALUES ('x', 'p', "
                "'2026-01-01 00:00:00', '2026-01-01 00:00:00')"))

    def test_version_before_and_after(self):
        self.assertIsNone(migration.version())
        self.assertEqual('0015', migration.head())
        migration.upgrade()
        self.assertEqual(migration.head(), migration.version())

    def test_schema_matches_models(self):
        migration.upgrade()
        self.assertEqual(set(models.Base.metadata.tables) |
                         {'alembic_version'}, self._tables())
        self.assertEqual([], self._diff())

    def test_empty_database_differs(self):
        # The comparison does see a missing schema (guards the test above).
        self.assertNotEqual([], self._diff())

    def test_indexes_created(self):
        migration.upgrade()
        insp = sa.inspect(db_api.get_engine())
        for table in models.Base.metadata.tables.values():
            wanted = {tuple(c.name for c in i.columns)
                      for i in table.indexes}
            got = {tuple(i['column_names'])
                   for i in insp.get_indexes(table.name)}
            self.assertEqual(wanted, got, table.name)

    def test_0007_keys_subscriptions_made_before(self):
        """Duplicates an earlier race stored stay; the oldest gets the
        unique key, so new identical requests find it."""
        migration.upgrade('0006')
        engine = db_api.get_engine()
        rows = [('s1', 'p', 'http://a/cb', '{"b": 1, "a": 2}', '01'),
                ('s2', 'p', 'http://a/cb', '{"a": 2, "b": 1}', '02'),
                ('s3', 'p', 'http://a/cb', None, '03'),
                ('s4', 'q', 'http://a/cb', None, '04')]
        with engine.begin() as conn:
            for sid, project, uri, flt, minute in rows:
                conn.execute(sa.text(
                    "INSERT INTO lccn_subscriptions (id, project_id, "
                    "callback_uri, filter, verbosity, created_at, "
                    "updated_at) VALUES (:id, :p, :u, :f, 'FULL', :t, :t)"),
                    {'id': sid, 'p': project, 'u': uri, 'f': flt,
                     't': '2026-01-01 00:%s:00' % minute})
        migration.upgrade()
        with engine.connect() as conn:
            keys = dict(conn.execute(sa.text(
                'SELECT id, dedup_key FROM lccn_subscriptions')).all())
        self.assertEqual(db_api.subscription_key('p', 'http://a/cb',
                                                 {'a': 2, 'b': 1}),
                         keys['s1'])
        self.assertIsNone(keys['s2'])
        self.assertEqual(db_api.subscription_key('p', 'http://a/cb', None),
                         keys['s3'])
        self.assertEqual(db_api.subscription_key('q', 'http://a/cb', {}),
                         keys['s4'])
        self.assertEqual('s1', db_api.find_subscription(
            'p', 'http://a/cb', {'b': 1, 'a': 2}).id)

    def test_0013_collections_page_on_an_index(self):
        """Rows made before 0013 stay; then the first page of a collection
        and the page after a marker are read along an index, without
        sorting the table (issue 17)."""
        migration.upgrade('0012')
        engine = db_api.get_engine()
        self._insert_snapshot_info(engine)
        migration.upgrade()
        M = models.VnfSnapshotInfo
        first = sa.select(M).order_by(M.created_at, M.id).limit(101)
        marker = sa.tuple_(M.created_at, M.id) > sa.tuple_(
            datetime.datetime(2026, 1, 1), 'x')
        for query, index in (
                (first, 'ix_vnf_snapshot_infos_created_at_id'),
                (first.where(marker), 'ix_vnf_snapshot_infos_created_at_id'),
                (first.where(M.project_id == 'p').where(marker),
                 'ix_vnf_snapshot_infos_project_id_created_at_id')):
            sql = str(query.compile(engine, compile_kwargs={
                'literal_binds': True}))
            with engine.connect() as conn:
                plan = ' '.join(row[-1] for row in conn.execute(
                    sa.text('EXPLAIN QUERY PLAN ' + sql)))
            self.assertIn(index, plan)
            self.assertNotIn('TEMP B-TREE', plan)
        self.assertEqual(['x'], [r.id for r in db_api.iter_collection(
            M, 'p')])

    def test_upgrade_twice_is_noop(self):
        migration.upgrade()
        engine = db_api.get_engine()
        self._insert_snapshot_info(engine)
        migration.upgrade()
        self.assertEqual(migration.head(), migration.version())
        self.assertEqual([], self._diff())
        with engine.connect() as conn:
            self.assertEqual(1, conn.execute(sa.text(
                'SELECT count(*) FROM vnf_snapshot_infos')).scalar())
            self.assertEqual(1, conn.execute(sa.text(
                'SELECT count(*) FROM alembic_version')).scalar())


class TestSecretsMigration(base.TestCase):
    """0008 seals what earlier releases stored."""

    MIGRATE = False

    def setUp(self):
        super().setUp()
        self.logs = self.useFixture(fixtures.FakeLogger(level='WARNING'))
        self.key_file = os.path.join(self.state_path, 'credentials.key')
        migration.upgrade('0006')

    def earlier_rows(self, key=None):
        with db_api.get_engine().begin() as conn:
            secrets.insert_earlier_rows(conn, key)

    def stored_texts(self):
        return [secrets.stored(table, column, row_id)
                for table, column, row_id in (
                    ('vnf_instances', 'vim_connection_info', 'earlier-vnf'),
                    ('vnf_instances', 'snapshot_notifications',
                     'earlier-vnf'),
                    ('lccn_subscriptions', 'credentials',
                     'earlier-subscription'),
                    ('vnf_snapshot_pkgs', 'credentials', 'earlier-pkg'))]

    def test_plaintext_and_hand_encrypted_are_sealed(self):
        self.earlier_rows(secrets.new_key(self.key_file))
        before = self.stored_texts()
        self.assertIn(secrets.VIM_PASSWORD, before[0])
        migration.upgrade()
        self.assertEqual(migration.head(), migration.version())
        secrets.check_earlier_rows(self)
        self.assertEqual(['vnfsnap:1:%s:' % crypto.keyring().primary.id],
                         list({t[t.index('vnfsnap:'):][:27]
                               for t in self.stored_texts()}))
        self.assertEqual('', self.logs.output)
        # Run again (the upgrade of a database at head is a no-op).
        after = self.stored_texts()
        migration.upgrade()
        self.assertEqual(after, self.stored_texts())

    def test_without_a_key_one_is_made_for_plaintext(self):
        self.earlier_rows()
        migration.upgrade()
        self.assertEqual(0o600, os.stat(self.key_file).st_mode & 0o777)
        self.assertIn('Created the credentials key file %s' % self.key_file,
                      self.logs.output)
        secrets.check_earlier_rows(self, with_credentials=False)

    def test_without_the_key_that_encrypted_nothing_changes(self):
        self.earlier_rows(fernet.Fernet.generate_key())
        before = self.stored_texts()
        e = self.assertRaises(exception.CredentialsKeyError,
                              migration.upgrade)
        self.assertIn('sealing the stored secrets (migration 0008) needs the '
                      'key that encrypted the stored credentials: key file '
                      '%s ([DEFAULT]credentials_key_file) does not exist'
                      % self.key_file, str(e))
        self.assertFalse(os.path.exists(self.key_file))
        self.assertEqual('0006', migration.version())
        self.assertEqual(before, self.stored_texts())
        # With another key: the same, naming the row.
        secrets.new_key(self.key_file)
        e = self.assertRaises(exception.CredentialsKeyError,
                              migration.upgrade)
        self.assertIn('vnf_instances earlier-vnf (snapshot_notifications): '
                      'stored credentials cannot be decrypted with the keys '
                      '%s, key' % self.key_file, str(e))
        self.assertEqual('0006', migration.version())
        self.assertEqual(before, self.stored_texts())

    def test_nothing_stored_needs_no_key(self):
        migration.upgrade()
        self.assertEqual(migration.head(), migration.version())
        self.assertFalse(os.path.exists(self.key_file))


class TestCommands(testtools.TestCase):
    """The console scripts, each in its own process."""

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.Timeout(120, gentle=True))
        self.path = self.useFixture(fixtures.TempDir()).path
        self.db = os.path.join(self.path, 'cmd.sqlite')
        self.config = os.path.join(self.path, 'vnfsnap.conf')
        with open(self.config, 'w') as f:
            f.write(textwrap.dedent('''\
                [DEFAULT]
                state_path = %s
                [database]
                connection = sqlite:///%s
                ''' % (self.path, self.db)))

    def _run(self, module, *args):
        code = ('import sys; from %s import main; '
                'sys.exit(main())' % module)
        proc = subprocess.run(
            [sys.executable, '-c', code, '--config-file', self.config]
            + list(args), capture_output=True, text=True, timeout=60,
            cwd=self.path)
        self.stdout = proc.stdout
        return proc.returncode, proc.stdout + proc.stderr

    def manage(self, *args):
        return self._run('vnfsnap.cmd.manage', *args)

    def status(self, *args):
        return self._run('vnfsnap.cmd.status', *args)

    def configure_keys(self, primary, old=()):
        with open(self.config, 'w') as f:
            f.write(textwrap.dedent('''\
                [DEFAULT]
                state_path = %s
                credentials_key_file = %s
                credentials_old_key_files = %s
                [database]
                connection = sqlite:///%s
                ''' % (self.path, primary, ','.join(old), self.db)))

    def _revision(self):
        engine = sa.create_engine('sqlite:///%s' % self.db)
        try:
            with engine.connect() as conn:
                return alembic_migration.MigrationContext.configure(
                    conn).get_current_revision()
        finally:
            engine.dispose()

    def test_db_version_empty(self):
        rc, out = self.manage('db', 'version')
        self.assertEqual(0, rc, out)
        self.assertIn('None', out)

    def test_db_sync_then_version(self):
        rc, out = self.manage('db', 'sync')
        self.assertEqual(0, rc, out)
        self.assertIn('revision %s' % migration.head(), out)
        self.assertEqual(migration.head(), self._revision())
        rc, out = self.manage('db', 'version')
        self.assertEqual(0, rc, out)
        self.assertEqual(migration.head(),
                         self.stdout.strip().splitlines()[-1])
        # A second sync changes nothing and still succeeds.
        rc, out = self.manage('db', 'sync')
        self.assertEqual(0, rc, out)
        self.assertEqual(migration.head(), self._revision())

    def test_db_sync_bad_revision(self):
        rc, out = self.manage('db', 'sync', 'nonexistent')
        self.assertNotEqual(0, rc, out)
        self.assertIn('vnfsnap-manage', out)

    def test_status_fails_on_empty_database(self):
        rc, out = self.status('upgrade', 'check')
        self.assertEqual(2, rc, out)   # oslo.upgradecheck Code.FAILURE
        self.assertIn('db sync', out)

    def test_status_succeeds_after_sync(self):
        rc, out = self.manage('db', 'sync')
        self.assertEqual(0, rc, out)
        rc, out = self.status('upgrade', 'check')
        self.assertEqual(0, rc, out)
        self.assertIn('Success', out)

    def test_console_scripts_installed(self):
        # The entry points themselves (as setup.cfg declares them).
        bindir = os.path.dirname(sys.executable)
        manage = os.path.join(bindir, 'vnfsnap-manage')
        if not os.path.exists(manage):
            self.skipTest('console scripts not installed next to %s'
                          % sys.executable)
        proc = subprocess.run(
            [manage, '--config-file', self.config, 'db', 'sync'],
            capture_output=True, text=True, timeout=60, cwd=self.path)
        self.assertEqual(0, proc.returncode, proc.stdout + proc.stderr)
        proc = subprocess.run(
            [os.path.join(bindir, 'vnfsnap-status'), '--config-file',
             self.config, 'upgrade', 'check'],
            capture_output=True, text=True, timeout=60, cwd=self.path)
        self.assertEqual(0, proc.returncode, proc.stdout + proc.stderr)

    def test_credentials_new_key_and_rotate(self):
        first = os.path.join(self.path, 'credentials.key')
        self.assertEqual(0, self.manage('db', 'sync', '0006')[0])
        key = secrets.new_key(first)
        engine = sa.create_engine('sqlite:///%s' % self.db)
        self.addCleanup(engine.dispose)
        with engine.begin() as conn:
            secrets.insert_earlier_rows(conn, key)
        rc, out = self.manage('db', 'sync')
        self.assertEqual(0, rc, out)

        second = os.path.join(self.path, 'credentials-2.key')
        rc, out = self.manage('credentials', 'new-key', second)
        self.assertEqual(0, rc, out)
        self.assertRegex(self.stdout, r'^Wrote key [0-9a-f]{16} to %s '
                         r'\(mode 0600\)\.\n$' % second)
        new_id = self.stdout.split()[2]
        rc, out = self.manage('credentials', 'new-key', second)
        self.assertEqual(1, rc, out)
        self.assertIn('%s exists already' % second, out)

        self.configure_keys(second, [first])
        rc, out = self.manage('credentials', 'rotate', '--batch', '1')
        self.assertEqual(0, rc, out)
        self.assertIn('vnf_instances.vim_connection_info: 1 row; secrets: '
                      '2 re-encrypted from an old key', self.stdout)
        self.assertIn('lccn_subscriptions.credentials: 1 row; secrets: 1 '
                      're-encrypted from an old key', self.stdout)
        self.assertTrue(self.stdout.endswith(
            'All 6 stored secrets are sealed with key %s: the old key files '
            'can be removed from credentials_old_key_files.\n' % new_id))

        # The old key removed: everything still opens, nothing to do.
        self.configure_keys(second)
        os.unlink(first)
        rc, out = self.manage('credentials', 'rotate')
        self.assertEqual(0, rc, out)
        self.assertIn('vnf_snapshot_pkgs.ext_artifacts_access: 1 row; '
                      'secrets: 1 already with this key', self.stdout)
        self.assertIn('All 6 stored secrets', self.stdout)

        # A key that sealed nothing: each row says so, nothing changes.
        third = os.path.join(self.path, 'credentials-3.key')
        self.manage('credentials', 'new-key', third)
        self.configure_keys(third)
        with open(self.db, 'rb') as f:
            before = f.read()
        rc, out = self.manage('credentials', 'rotate')
        self.assertEqual(1, rc, out)
        self.assertIn('not every stored secret is sealed with key', out)
        self.assertEqual(1, out.count('Credentials key problem: a stored '
                                      'secret was sealed with key %s, which '
                                      'is neither' % new_id))
        self.assertIn('\n  vnf_instances.vim_connection_info row '
                      'earlier-vnf\n', out)
        self.assertEqual(5, len(re.findall(r'\n  \w+\.\w+ row ', out)))
        self.assertNotIn('Traceback', out)
        with open(self.db, 'rb') as f:
            self.assertEqual(before, f.read())

    def test_db_sync_makes_the_key_for_plaintext_secrets(self):
        self.assertEqual(0, self.manage('db', 'sync', '0006')[0])
        engine = sa.create_engine('sqlite:///%s' % self.db)
        self.addCleanup(engine.dispose)
        with engine.begin() as conn:
            secrets.insert_earlier_rows(conn)
        rc, out = self.manage('db', 'sync')
        self.assertEqual(0, rc, out)
        self.assertIn('WARNING vnfsnap.common.crypto [-] Created the '
                      'credentials key file %s/credentials.key. '
                      % self.path, out)
        # A warning, not an error: no exception rides along.
        self.assertNotIn('Error', out)
