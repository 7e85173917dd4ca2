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

"""Credentials at rest: the key file is created private, checked when
read, and old keys keep decrypting after a rotation."""

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
        token = crypto.encrypt(SECRET)
        st = os.stat(self.key_file)
        self.assertEqual(0o600, stat.S_IMODE(st.st_mode))
        self.assertIn('Created the credentials key file %s' % self.key_file,
                      self.logs.output)
        self.assertIn('must use this same key', self.logs.output)
        self.assertNotIn('pw-', token)
        self.assertEqual(SECRET, crypto.decrypt(token))
        # Only the key file is left, no temporary file.
        self.assertEqual(['credentials.key'], os.listdir(self.state_path))

    def test_existing_key_is_used(self):
        key = fernet.Fernet.generate_key()
        self.write_key('credentials.key', key + b'\n')
        token = crypto.encrypt(SECRET)
        self.assertEqual(SECRET, json.loads(
            fernet.Fernet(key).decrypt(token.encode())))
        self.assertEqual(SECRET, crypto.decrypt(token))
        self.assertEqual('', self.logs.output)

    def test_key_file_in_new_directory(self):
        path = os.path.join(self.state_path, 'keys', 'sub', 'k.key')
        self.conf.config(credentials_key_file=path)
        self.assertEqual(SECRET, crypto.decrypt(crypto.encrypt(SECRET)))
        self.assertEqual(0o700, stat.S_IMODE(os.stat(
            os.path.dirname(path)).st_mode))

    def test_concurrent_creation_gives_one_key(self):
        tokens = []
        threads = [threading.Thread(
            target=lambda: tokens.append(crypto.encrypt(SECRET)))
            for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(8, len(tokens))
        key = self.current_key()
        for token in tokens:
            key.decrypt(token.encode())
        self.assertEqual(['credentials.key'], os.listdir(self.state_path))

    def test_group_or_world_access_refused(self):
        for mode in (0o640, 0o604, 0o620):
            self.write_key('credentials.key', mode=mode)
            e = self.assertRaises(exception.CredentialsKeyError,
                                  crypto.encrypt, SECRET)
            self.assertIn('has mode %04o' % mode, str(e))
            self.assertIn('chmod 600 %s' % self.key_file, str(e))

    def test_wrong_content_refused(self):
        for content in (b'', b'not a key', b'A' * 43, b'\xff' * 44):
            self.write_key('credentials.key', content)
            e = self.assertRaises(exception.CredentialsKeyError,
                                  crypto.decrypt, 'x')
            self.assertIn('%s does not hold a Fernet key' % self.key_file,
                          str(e))

    def test_not_a_regular_file(self):
        os.mkdir(self.key_file, 0o700)
        e = self.assertRaises(exception.CredentialsKeyError, crypto.encrypt,
                              SECRET)
        self.assertIn('not a regular file', str(e))

    def test_other_key_cannot_decrypt(self):
        token = crypto.encrypt(SECRET)
        os.unlink(self.key_file)
        self.write_key('credentials.key')
        for bad in (token, 'garbage', 'caf\u00e9'):
            e = self.assertRaises(exception.CredentialsKeyError,
                                  crypto.decrypt, bad)
            self.assertIn('cannot be decrypted with the key in %s'
                          % self.key_file, str(e))
            self.assertIn('same [DEFAULT]credentials_key_file', str(e))

    def test_rotation(self):
        old_token = crypto.encrypt(SECRET)
        os.rename(self.key_file, self.key_file + '.old')
        self.conf.config(credentials_old_key_files=[self.key_file + '.old'])
        new_token = crypto.encrypt(SECRET)         # with a new primary key
        self.assertEqual(SECRET, crypto.decrypt(old_token))
        self.assertEqual(SECRET, crypto.decrypt(new_token))
        new_key = self.current_key()
        new_key.decrypt(new_token.encode())
        self.assertRaises(fernet.InvalidToken, new_key.decrypt,
                          old_token.encode())
        # Once the old key is dropped, what it encrypted is unreadable.
        self.conf.config(credentials_old_key_files=[])
        self.assertRaises(exception.CredentialsKeyError, crypto.decrypt,
                          old_token)

    def test_old_key_files_are_checked_and_never_created(self):
        missing = os.path.join(self.state_path, 'gone.key')
        self.conf.config(credentials_old_key_files=[missing])
        e = self.assertRaises(exception.CredentialsKeyError, crypto.encrypt,
                              SECRET)
        self.assertIn('%s (credentials_old_key_files) does not exist'
                      % missing, str(e))
        self.assertFalse(os.path.exists(missing))
        readable = self.write_key('readable.key', mode=0o644)
        self.conf.config(credentials_old_key_files=[readable])
        self.assertRaises(exception.CredentialsKeyError, crypto.decrypt, 'x')

    def test_cannot_create(self):
        blocker = self.write_key('a-file')
        self.conf.config(credentials_key_file=os.path.join(blocker, 'k'))
        e = self.assertRaises(exception.CredentialsKeyError, crypto.encrypt,
                              SECRET)
        self.assertIn('%s cannot be' % os.path.join(blocker, 'k'), str(e))

    def test_types(self):
        self.assertRaises(TypeError, crypto.encrypt, ['not', 'a', 'dict'])
        self.assertRaises(TypeError, crypto.decrypt, b'bytes')
