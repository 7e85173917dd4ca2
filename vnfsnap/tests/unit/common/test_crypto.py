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

"""Secrets at rest: the key file is created private, checked when read,
sealed values name their key, and old keys keep opening what they sealed
after a rotation."""

import json
import os
import stat
import threading

from cryptography import fernet
import fixtures

from vnfsnap.common import crypto
from vnfsnap.common import exception
from vnfsnap.tests import base

SECRET = {'auth_type': 'BASIC', 'username': 'u', 'password': 'pw-\u00e9'}


class TestCrypto(base.TestCase):
    MIGRATE = False

    def setUp(self):
        super().setUp()
        self.logs = self.useFixture(fixtures.FakeLogger(level='WARNING'))
        self.key_file = os.path.join(self.state_path, 'credentials.key')

    def write_key(self, name, key=None, mode=0o600):
        path = os.path.join(self.state_path, name)
        with open(path, 'wb') as f:
            f.write(key if key is not None else fernet.Fernet.generate_key())
        os.chmod(path, mode)
        return path

    def current_key(self):
        with open(self.key_file, 'rb') as f:
            return fernet.Fernet(f.read().strip())

    def test_key_created_private_under_state_path(self):
        token = crypto.seal(SECRET)
        st = os.stat(self.key_file)
        self.assertEqual(0o600, stat.S_IMODE(st.st_mode))
        self.assertIn('Created the credentials key file %s' % self.key_file,
                      self.logs.output)
        self.assertIn('must use this same key', self.logs.output)
        self.assertNotIn('pw-', token)
        self.assertEqual(SECRET, crypto.unseal(token))
        # Only the key file is left, no temporary file.
        self.assertEqual(['credentials.key'], os.listdir(self.state_path))

    def test_existing_key_is_used(self):
        key = fernet.Fernet.generate_key()
        self.write_key('credentials.key', key + b'\n')
        token = crypto.seal(SECRET)
        version, key_id, fernet_token = token.split(':', 3)[1:]
        self.assertEqual(('1', crypto.keyring().primary.id),
                         (version, key_id))
        self.assertEqual(SECRET, json.loads(
            fernet.Fernet(key).decrypt(fernet_token.encode())))
        self.assertEqual(SECRET, crypto.unseal(token))
        self.assertEqual('', self.logs.output)

    def test_key_file_in_new_directory(self):
        path = os.path.join(self.state_path, 'keys', 'sub', 'k.key')
        self.conf.config(credentials_key_file=path)
        self.assertEqual(SECRET, crypto.unseal(crypto.seal(SECRET)))
        self.assertEqual(0o700, stat.S_IMODE(os.stat(
            os.path.dirname(path)).st_mode))

    def test_concurrent_creation_gives_one_key(self):
        tokens = []
        threads = [threading.Thread(
            target=lambda: tokens.append(crypto.seal(SECRET)))
            for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(8, len(tokens))
        key = self.current_key()
        for token in tokens:
            key.decrypt(token.rpartition(':')[2].encode())
        self.assertEqual(['credentials.key'], os.listdir(self.state_path))

    def test_group_or_world_access_refused(self):
        for mode in (0o640, 0o604, 0o620):
            self.write_key('credentials.key', mode=mode)
            e = self.assertRaises(exception.CredentialsKeyError,
                                  crypto.seal, SECRET)
            self.assertIn('has mode %04o' % mode, str(e))
            self.assertIn('chmod 600 %s' % self.key_file, str(e))

    def test_wrong_content_refused(self):
        for content in (b'', b'not a key', b'A' * 43, b'\xff' * 44):
            self.write_key('credentials.key', content)
            e = self.assertRaises(exception.CredentialsKeyError,
                                  crypto.unseal, 'vnfsnap:1:x:y')
            self.assertIn('%s does not hold a Fernet key' % self.key_file,
                          str(e))

    def test_not_a_regular_file(self):
        os.mkdir(self.key_file, 0o700)
        e = self.assertRaises(exception.CredentialsKeyError, crypto.seal,
                              SECRET)
        self.assertIn('not a regular file', str(e))

    def test_other_key_cannot_open(self):
        token = crypto.seal(SECRET)
        old_id = crypto.keyring().primary.id
        os.unlink(self.key_file)
        self.write_key('credentials.key')
        e = self.assertRaises(exception.CredentialsKeyError, crypto.unseal,
                              token)
        self.assertIn('sealed with key %s, which is neither [DEFAULT]'
                      'credentials_key_file (%s, key %s)'
                      % (old_id, self.key_file, crypto.keyring().primary.id),
                      str(e))
        self.assertIn('must use the same key file', str(e))

    def test_damaged_or_foreign_text(self):
        token = crypto.seal(SECRET)
        key_id = crypto.keyring().primary.id
        damaged = token[:-8] + ('A' if token[-8] != 'A' else 'B') + token[-7:]
        for bad in (damaged, 'vnfsnap:1:%s:garbage' % key_id,
                    'vnfsnap:1:%s:d\u00e9j\u00e0' % key_id):
            e = self.assertRaises(exception.CredentialsKeyError,
                                  crypto.unseal, bad)
            self.assertIn('sealed with key %s (%s) does not decrypt: it is '
                          'damaged' % (key_id, self.key_file), str(e))
        e = self.assertRaises(exception.CredentialsKeyError, crypto.unseal,
                              'gAAAAA-a-bare-token')
        self.assertIn('not in the sealed format', str(e))

    def test_unseal_never_creates_the_key(self):
        e = self.assertRaises(exception.CredentialsKeyError, crypto.unseal,
                              'vnfsnap:1:0123456789abcdef:x')
        self.assertIn('%s ([DEFAULT]credentials_key_file) does not exist'
                      % self.key_file, str(e))
        self.assertFalse(os.path.exists(self.key_file))

    def test_rotation(self):
        old_token = crypto.seal(SECRET)
        os.rename(self.key_file, self.key_file + '.old')
        self.conf.config(credentials_old_key_files=[self.key_file + '.old'])
        new_token = crypto.seal(SECRET)         # with a new primary key
        self.assertEqual(SECRET, crypto.unseal(old_token))
        self.assertEqual(SECRET, crypto.unseal(new_token))
        keys = crypto.keyring()
        self.assertNotEqual(keys.primary.id, keys.old[0].id)
        self.assertEqual((new_token, crypto.CURRENT), keys.renew(new_token))
        renewed, outcome = keys.renew(old_token)
        self.assertEqual(crypto.REENCRYPTED, outcome)
        self.assertTrue(renewed.startswith('vnfsnap:1:%s:'
                                           % keys.primary.id))
        # Once the old key is dropped, what it sealed is unreadable, and
        # what was renewed is not.
        self.conf.config(credentials_old_key_files=[])
        self.assertRaises(exception.CredentialsKeyError, crypto.unseal,
                          old_token)
        self.assertEqual(SECRET, crypto.unseal(renewed))

    def test_renew_earlier_formats(self):
        key = fernet.Fernet.generate_key()
        self.write_key('credentials.key', key)
        keys = crypto.keyring()
        legacy = fernet.Fernet(key).encrypt(json.dumps(SECRET).encode())
        for stored, outcome in ((legacy.decode(), crypto.LEGACY),
                                (SECRET, crypto.PLAINTEXT)):
            renewed, got = keys.renew(stored)
            self.assertEqual(outcome, got)
            self.assertTrue(crypto.is_sealed(renewed))
            self.assertEqual(SECRET, keys.unseal(renewed))
        other = fernet.Fernet.generate_key()
        e = self.assertRaises(
            exception.CredentialsKeyError, keys.renew,
            fernet.Fernet(other).encrypt(b'{}').decode())
        self.assertIn('cannot be decrypted with the keys %s, key %s'
                      % (self.key_file, keys.primary.id), str(e))

    def test_old_key_files_are_checked_and_never_created(self):
        missing = os.path.join(self.state_path, 'gone.key')
        self.conf.config(credentials_old_key_files=[missing])
        e = self.assertRaises(exception.CredentialsKeyError, crypto.seal,
                              SECRET)
        self.assertIn('%s (credentials_old_key_files) does not exist'
                      % missing, str(e))
        self.assertFalse(os.path.exists(missing))
        readable = self.write_key('readable.key', mode=0o644)
        self.conf.config(credentials_old_key_files=[readable])
        self.assertRaises(exception.CredentialsKeyError, crypto.unseal,
                          'vnfsnap:1:x:y')

    def test_cannot_create(self):
        blocker = self.write_key('a-file')
        self.conf.config(credentials_key_file=os.path.join(blocker, 'k'))
        e = self.assertRaises(exception.CredentialsKeyError, crypto.seal,
                              SECRET)
        self.assertIn('%s cannot be' % os.path.join(blocker, 'k'), str(e))

    def test_create_key_never_overwrites(self):
        path = os.path.join(self.state_path, 'new.key')
        key_id = crypto.create_key(path)
        self.assertEqual(0o600, stat.S_IMODE(os.stat(path).st_mode))
        with open(path, 'rb') as f:
            content = f.read()
        self.conf.config(credentials_key_file=path)
        self.assertEqual(key_id, crypto.keyring().primary.id)
        e = self.assertRaises(exception.CredentialsKeyError,
                              crypto.create_key, path)
        self.assertIn('%s exists already' % path, str(e))
        with open(path, 'rb') as f:
            self.assertEqual(content, f.read())
