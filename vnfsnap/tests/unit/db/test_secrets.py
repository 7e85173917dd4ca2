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

"""Secrets at rest: nothing secret in the database file nor in any answer
of the API, the services read plaintext, the key rotates."""

import glob
import json
import os
from unittest import mock

import sqlalchemy as sa

from vnfsnap.common import crypto
from vnfsnap.common import exception
from vnfsnap.conductor import lccn
from vnfsnap.db import api as db_api
from vnfsnap.db import types
from vnfsnap.tests import base
from vnfsnap.tests.fixtures import secrets
from vnfsnap.vim.openstack import clients

ENCRYPTED = [
    ('vnf_instances', 'vim_connection_info'),
    ('vnf_instances', 'snapshot_notifications'),
    ('vnf_snapshot_pkgs', 'credentials'),
    ('vnf_snapshot_pkgs', 'ext_artifacts_access'),
    ('lccn_subscriptions', 'credentials'),
    ('vnf_lcm_op_occs', 'private_params'),
]


class SecretsTestCase(base.ApiTestCase):

    def setUp(self):
        super().setUp()
        self.ids = secrets.store_every_secret(self)
        self.key_file = os.path.join(self.state_path, 'credentials.key')

    def new_primary_key(self):
        """Rotation's first step: the key in place becomes an old key."""
        old = self.key_file + '.old'
        os.rename(self.key_file, old)
        crypto.create_key(self.key_file)
        self.conf.config(credentials_old_key_files=[old])
        return old

    def stored_key_ids(self):
        """The key id of every sealed value stored."""
        ids = []
        with db_api.get_engine().connect() as conn:
            for table, column in ENCRYPTED:
                t = sa.table(table, sa.column(column))
                for (text,) in conn.execute(sa.select(
                        sa.cast(t.c[column], sa.Text)).where(
                            t.c[column].is_not(None))):
                    ids += [s.split(':')[2] for s in
                            text.split('"') if crypto.is_sealed(s)]
        return ids


class TestAtRest(SecretsTestCase):

    def test_database_file_holds_no_secret(self):
        files = glob.glob(os.path.join(self.state_path, 'test.sqlite*'))
        data = b''
        for path in files:
            with open(path, 'rb') as f:
                data += f.read()
        for secret in secrets.SECRETS:
            self.assertNotIn(secret.encode(), data)
        # The file does hold the rows: what is not secret is plain.
        self.assertIn(secrets.KEYSTONE.encode(), data)
        self.assertIn(secrets.OPENSTACK.encode(), data)
        self.assertEqual(secrets.SEALED, data.count(crypto.PREFIX.encode()))

    def test_only_the_secret_parts_are_sealed(self):
        stored = json.loads(secrets.stored(
            'vnf_instances', 'vim_connection_info', self.ids['vnf']))
        key_id = crypto.keyring().primary.id
        for name, info in secrets.vim_connection_info().items():
            sealed = stored[name].pop('accessInfo')
            self.assertTrue(sealed.startswith('vnfsnap:1:%s:' % key_id))
            self.assertEqual(info.pop('accessInfo'), crypto.unseal(sealed))
            self.assertEqual(info, stored[name])
        notifications = json.loads(secrets.stored(
            'vnf_instances', 'snapshot_notifications', self.ids['vnf']))
        self.assertEqual('https://vnf.secrets.example/hooks',
                         notifications['callbackUri'])
        self.assertTrue(crypto.is_sealed(notifications['credentials']))
        for table, column, row in (
                ('lccn_subscriptions', 'credentials', 'subscription'),
                ('vnf_snapshot_pkgs', 'credentials', 'upload'),
                ('vnf_snapshot_pkgs', 'ext_artifacts_access', 'artifacts')):
            self.assertTrue(crypto.is_sealed(json.loads(secrets.stored(
                table, column, self.ids[row]))))
        self.assertEqual(ENCRYPTED, [
            (t, c) for t, c, _ in sorted(db_api.encrypted_columns(),
                                         key=lambda e: ENCRYPTED.index(
                                             e[:2]))])

    def test_services_read_plaintext(self):
        secrets.check_readable(self, self.ids)
        infos = db_api.get_vnf_instance(
            None, self.ids['vnf']).vim_connection_info
        # What the OpenStack driver authenticates with.
        self.assertEqual(secrets.VIM_PASSWORD, clients.OpenStackClients(
            infos['cloud-a']).session.auth.auth_methods[0].password)
        method = clients.OpenStackClients(
            infos['cloud-b']).session.auth.auth_methods[0]
        self.assertEqual(secrets.APP_CRED_SECRET,
                         method.application_credential_secret)

    def test_no_answer_holds_a_secret(self):
        for body in secrets.answers(self, self.ids):
            for secret in secrets.SECRETS:
                self.assertNotIn(secret.encode(), body)
            self.assertNotIn(b'accessInfo', body)
            self.assertNotIn(crypto.PREFIX.encode(), body)

    def test_filters_on_what_is_not_secret(self):
        url = '/vnflcm/v2/vnf_instances?filter=(eq,%s,%s)'
        found = self.get(url % ('vimConnectionInfo/cloud-a/vimType',
                                secrets.OPENSTACK))
        self.assertEqual([self.ids['vnf']], [i['id'] for i in found.json])
        # A secret cannot be guessed through a filter.
        for attr, value in (
                ('vimConnectionInfo/cloud-a/accessInfo/password',
                 secrets.VIM_PASSWORD),
                ('vimConnectionInfo/cloud-a/accessInfo/username', 'vnfm')):
            self.assertEqual([], self.get(url % (attr, value)).json)

    def test_snapshot_vnf_instance_copy_keeps_no_access_info(self):
        inst = self.get('/vnflcm/v2/vnf_instances/%s' % self.ids['vnf']).json
        copy = dict(inst, vimConnectionInfo=secrets.vim_connection_info())
        resp = self.post('/vnflcm/v2/vnf_snapshots', {'vnfSnapshot': {
            'id': 'snap-given', 'vnfInstanceId': inst['id'],
            'creationStartedAt': '2026-01-01T00:00:00Z',
            'vnfdId': 'vnfd-secrets', 'vnfInstance': copy,
            'vnfcSnapshots': [{
                'id': 'vnfc-snap', 'vnfcInstanceId': 'vnfc-0',
                'vnfcResourceInfoId': 'vnfc-0',
                'creationStartedAt': '2026-01-01T00:00:00Z'}]}})
        self.assertEqual(201, resp.status, resp.body)
        self.assertEqual(inst['vimConnectionInfo'], resp.json['vnfSnapshot'][
            'vnfInstance']['vimConnectionInfo'])
        for secret in secrets.SECRETS:
            self.assertNotIn(secret.encode(), resp.body)
            self.assertNotIn(secret, secrets.stored(
                'vnf_snapshot_infos', 'snapshot_vnf_instance',
                resp.json['id']))

    def test_another_key_is_a_clear_error(self):
        os.unlink(self.key_file)
        crypto.create_key(self.key_file)
        resp = self.get('/vnflcm/v2/vnf_instances/%s' % self.ids['vnf'])
        self.assertProblem(resp, 500)
        self.assertIn('sealed with key', resp.json['detail'])
        self.assertIn('credentials_old_key_files', resp.json['detail'])
        self.assertRaises(exception.CredentialsKeyError,
                          db_api.get_subscription, None,
                          self.ids['subscription'])

    def test_unusable_key_refuses_writes_and_changes_nothing(self):
        before = secrets.stored('vnf_instances', 'snapshot_notifications',
                                self.ids['vnf'])
        os.chmod(self.key_file, 0o640)
        resp = self.request(
            'PUT', '/vnflcm/v2/vnf_instances/%s/snapshot_notifications'
            % self.ids['vnf'], {
                'callbackUri': 'https://other.example/h',
                'authentication': {'authType': ['BASIC'], 'paramsBasic': {
                    'userName': 'u', 'password': 'new-Passw0rd'}}})
        self.assertProblem(resp, 500)
        self.assertIn('has mode 0640', resp.json['detail'])
        self.assertEqual(before, secrets.stored(
            'vnf_instances', 'snapshot_notifications', self.ids['vnf']))


class TestRotation(SecretsTestCase):

    def test_rotate_then_drop_the_old_key(self):
        old_id = crypto.keyring().primary.id
        old = self.new_primary_key()
        new_id = crypto.keyring().primary.id
        self.assertEqual([old_id] * secrets.SEALED, self.stored_key_ids())
        secrets.check_readable(self, self.ids)     # with the old key
        updated = db_api.get_vnf_instance(None, self.ids['vnf']).updated_at
        report = db_api.renew_secrets(crypto.keyring())
        self.assertEqual(secrets.SEALED, sum(
            r.counts[crypto.REENCRYPTED] for r in report.values()))
        self.assertEqual({(t, c) for t, c in ENCRYPTED}, set(report))
        self.assertEqual([new_id] * secrets.SEALED, self.stored_key_ids())
        # Re-encrypting changes no resource.
        self.assertEqual(updated, db_api.get_vnf_instance(
            None, self.ids['vnf']).updated_at)
        self.conf.config(credentials_old_key_files=[])
        os.unlink(old)
        secrets.check_readable(self, self.ids)
        # Run again: nothing left to do.
        report = db_api.renew_secrets(crypto.keyring())
        self.assertEqual(secrets.SEALED, sum(
            r.counts[crypto.CURRENT] for r in report.values()))
        self.assertEqual(0, sum(r.counts[crypto.REENCRYPTED]
                                for r in report.values()))

    def test_interrupted_rotation_is_run_again(self):
        old_id = crypto.keyring().primary.id
        self.new_primary_key()
        new_id = crypto.keyring().primary.id
        real, calls = types.renew_rows, []

        def crash_on_second_batch(*args, **kwargs):
            calls.append(1)
            if len(calls) == 2:
                raise RuntimeError('conductor host lost power')
            return real(*args, **kwargs)

        with mock.patch.object(types, 'renew_rows',
                               side_effect=crash_on_second_batch):
            self.assertRaises(RuntimeError, db_api.renew_secrets,
                              crypto.keyring(), batch=1)
        ids = self.stored_key_ids()
        self.assertEqual(({old_id, new_id}, secrets.SEALED),
                         (set(ids), len(ids)))
        secrets.check_readable(self, self.ids)
        report = db_api.renew_secrets(crypto.keyring(), batch=1)
        self.assertEqual([new_id] * secrets.SEALED, self.stored_key_ids())
        counts = sum((r.counts for r in report.values()),
                     start=types.Renewal().counts)
        self.assertEqual(secrets.SEALED, counts[crypto.REENCRYPTED] +
                         counts[crypto.CURRENT])
        self.assertEqual(ids.count(new_id), counts[crypto.CURRENT])

    def test_missing_old_key_is_reported_per_row(self):
        self.new_primary_key()
        self.conf.config(credentials_old_key_files=[])
        keys = crypto.keyring()
        report = db_api.renew_secrets(keys)
        failures = [(table, column, row_id, str(e))
                    for (table, column), r in report.items()
                    for row_id, e in r.failures]
        self.assertEqual(secrets.ROWS, len(failures))
        self.assertEqual(
            ('vnf_instances', 'vim_connection_info', self.ids['vnf']),
            next(f[:3] for f in failures if f[1] == 'vim_connection_info'))
        self.assertIn('which is neither [DEFAULT]credentials_key_file',
                      failures[0][3])
        self.assertEqual(0, sum(sum(r.counts.values())
                                for r in report.values()))

    def test_earlier_formats_are_sealed(self):
        key = crypto.keyring().primary
        legacy = key.fernet.encrypt(json.dumps(
            {'auth_type': 'BASIC', 'username': 'u',
             'password': 'legacy-Passw0rd'}).encode()).decode()
        with db_api.get_engine().begin() as conn:
            conn.execute(sa.text(
                'UPDATE vnf_instances SET vim_connection_info = :v'),
                {'v': json.dumps({'c': {'vimType': secrets.OPENSTACK,
                                        'accessInfo': {
                                            'password': 'plain-Passw0rd'}}})})
            conn.execute(sa.text(
                'UPDATE lccn_subscriptions SET credentials = :v'),
                {'v': json.dumps(legacy)})
        # Read as they are until renewed.
        self.assertEqual({'password': 'plain-Passw0rd'},
                         db_api.get_vnf_instance(None, self.ids['vnf'])
                         .vim_connection_info['c']['accessInfo'])
        report = db_api.renew_secrets(crypto.keyring())
        self.assertEqual(1, report[('vnf_instances', 'vim_connection_info')]
                         .counts[crypto.PLAINTEXT])
        self.assertEqual(1, report[('lccn_subscriptions', 'credentials')]
                         .counts[crypto.LEGACY])
        self.assertNotIn('plain-Passw0rd', secrets.stored(
            'vnf_instances', 'vim_connection_info', self.ids['vnf']))
        self.assertEqual('legacy-Passw0rd', lccn.credentials_of(
            db_api.get_subscription(None, self.ids['subscription'])
        ).password)

    def test_a_row_changed_meanwhile_keeps_its_change(self):
        self.new_primary_key()
        keys = crypto.keyring()
        renew = keys.renew

        def service_writes_meanwhile(stored):
            # (In the transaction of the rotation: SQLite would make a
            # writer on another connection wait for it.)
            conn.execute(sa.text(
                'UPDATE vnf_instances SET snapshot_notifications = :v'),
                {'v': json.dumps({'callbackUri': 'https://new/h'})})
            return renew(stored)

        with db_api.get_engine().begin() as conn:
            with mock.patch.object(keys, 'renew',
                                   side_effect=service_writes_meanwhile):
                done = types.renew_rows(conn, 'vnf_instances',
                                        'snapshot_notifications',
                                        [('credentials',)], keys)
        self.assertEqual(1, done.conflicts)
        self.assertEqual({'callbackUri': 'https://new/h'},
                         db_api.get_vnf_instance(
                             None, self.ids['vnf']).snapshot_notifications)
