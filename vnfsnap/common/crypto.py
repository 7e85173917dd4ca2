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

"""Secrets at rest: every secret vnfsnap stores (VIM accessInfo, the
credentials of notification endpoints, subscriptions and package imports)
is kept sealed with Fernet (AES-128-CBC with HMAC-SHA256) until a service
uses it. vnfsnap.db.types.Encrypted seals and opens them; nothing else
should need to.

A sealed value is the text ``vnfsnap:1:<key id>:<Fernet token>``: the
format version, the id of the key that sealed it and the token of the
value's JSON. The key id lets ``vnfsnap-manage credentials rotate`` skip
what the current key already sealed and an error name the missing key.

The key lives in [DEFAULT]credentials_key_file, which vnfsnap-api and every
vnfsnap-conductor must share; it is created when missing and something is
to be sealed. Keys listed in credentials_old_key_files still open what they
sealed, so a key can be replaced without losing what is stored.
"""

import base64
import hashlib
import json
import os
import stat
import tempfile

from cryptography import fernet
from oslo_log import log as logging

from vnfsnap.common import exception
import vnfsnap.conf

CONF = vnfsnap.conf.CONF
LOG = logging.getLogger(__name__)

_MAX_KEY_FILE = 1024
PREFIX = 'vnfsnap:1:'
_KEY_ID_CONTEXT = b'vnfsnap credentials key id\0'

# What Keyring.renew did to one stored secret.
CURRENT = 'current'            # sealed with the primary key already
REENCRYPTED = 'reencrypted'    # sealed with an old key, now the primary
LEGACY = 'legacy'              # a bare Fernet token of an earlier release
PLAINTEXT = 'plaintext'        # stored in the clear by an earlier release


def is_sealed(value):
    return isinstance(value, str) and value.startswith(PREFIX)


def seal(value):
    """``value`` (any JSON value) as a sealed text, with the primary key
    (made first when missing)."""
    return keyring(create=True).seal(value)


def unseal(text):
    """The value that seal() turned into ``text``."""
    return keyring().unseal(text)


def keyring(create=False):
    """The configured keys, read now; ``create`` makes the primary key file
    when it is missing."""
    primary = _read_key(CONF.credentials_key_file, create=create)
    old = [_read_key(path, create=False, option='credentials_old_key_files')
           for path in CONF.credentials_old_key_files]
    return Keyring(primary, old)


def create_key(path):
    """Write a new key to ``path``, which must not exist; its key id."""
    if not _create_key(path):
        raise exception.CredentialsKeyError(
            reason='%s exists already; a key file is never overwritten.'
                   % path)
    return _read_key(path, create=False).id


class Key:
    """One Fernet key and the id sealed values name it by (a hash that
    tells nothing about the key)."""

    def __init__(self, path, material):
        self.path = path
        self.fernet = fernet.Fernet(material)       # ValueError if no key
        self.id = hashlib.sha256(
            _KEY_ID_CONTEXT + base64.urlsafe_b64decode(material)
        ).hexdigest()[:16]


class Keyring:
    """The primary key, which seals, and every key that may open."""

    def __init__(self, primary, old=()):
        self.primary = primary
        self.old = list(old)
        self.by_id = {}
        for key in [primary] + self.old:
            self.by_id.setdefault(key.id, key)

    def seal(self, value):
        raw = json.dumps(value, separators=(',', ':')).encode('utf-8')
        return '%s%s:%s' % (PREFIX, self.primary.id,
                            self.primary.fernet.encrypt(raw).decode('ascii'))

    def unseal(self, text):
        if not is_sealed(text):
            raise exception.CredentialsKeyError(
                reason='a stored secret is not in the sealed format (%s...).'
                       % PREFIX)
        key_id, _, token = text[len(PREFIX):].partition(':')
        key = self.by_id.get(key_id)
        if key is None:
            raise exception.CredentialsKeyError(
                reason='a stored secret was sealed with key %s, which is '
                       'neither [DEFAULT]credentials_key_file (%s) nor in '
                       'credentials_old_key_files (%s). vnfsnap-api and '
                       'every vnfsnap-conductor must use the same key file, '
                       'and a replaced key must stay in '
                       'credentials_old_key_files until "vnfsnap-manage '
                       'credentials rotate" has re-encrypted what it sealed.'
                       % (key_id, self._describe(self.primary),
                          ', '.join(map(self._describe, self.old))
                          or 'none'))
        try:
            raw = key.fernet.decrypt(token.encode('ascii'))
        except (fernet.InvalidToken, UnicodeEncodeError):
            raise exception.CredentialsKeyError(
                reason='a stored secret sealed with key %s (%s) does not '
                       'decrypt: it is damaged.'
                       % (key_id, key.path)) from None
        return json.loads(raw)

    def renew(self, stored):
        """(``stored`` sealed with the primary key, what was done)."""
        if is_sealed(stored):
            if stored[len(PREFIX):].startswith(self.primary.id + ':'):
                return stored, CURRENT
            return self.seal(self.unseal(stored)), REENCRYPTED
        if isinstance(stored, str):
            return self.seal(self._open_legacy(stored)), LEGACY
        return self.seal(stored), PLAINTEXT

    def _open_legacy(self, token):
        """A bare Fernet token of a JSON object (releases before sealed
        values), tried with every key."""
        keys = fernet.MultiFernet([k.fernet for k in
                                   [self.primary] + self.old])
        try:
            return json.loads(keys.decrypt(token.encode('ascii')))
        except (fernet.InvalidToken, UnicodeEncodeError):
            raise exception.CredentialsKeyError(
                reason='stored credentials cannot be decrypted with the '
                       'keys %s: they were encrypted with another key or '
                       'damaged. Configure the key file that encrypted them '
                       'as [DEFAULT]credentials_key_file or in '
                       'credentials_old_key_files.'
                       % ', '.join(map(self._describe,
                                       [self.primary] + self.old))) from None

    @staticmethod
    def _describe(key):
        return '%s, key %s' % (key.path, key.id)


def _read_key(path, create, option='[DEFAULT]credentials_key_file'):
    """The Key in ``path``, made first when ``create`` allows it."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        fd = None
    except OSError as e:
        raise exception.CredentialsKeyError(
            reason='key file %s cannot be opened: %s.'
                   % (path, e.strerror)) from None
    if fd is None:
        if not create:
            raise exception.CredentialsKeyError(
                reason='key file %s (%s) does not exist.' % (path, option))
        if _create_key(path):
            LOG.warning('Created the credentials key file %s. vnfsnap-api '
                        'and every vnfsnap-conductor must use this same '
                        'key: in a split deployment copy the file (mode '
                        '0600) to every host, or point [DEFAULT]'
                        'credentials_key_file at the copy, before secrets '
                        'are stored.', path)
        return _read_key(path, create=False, option=option)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise exception.CredentialsKeyError(
                reason='key file %s is not a regular file.' % path)
        if st.st_mode & 0o077:
            raise exception.CredentialsKeyError(
                reason='key file %s has mode %04o; it must not be readable '
                       'or writable by group or others (chmod 600 %s).'
                       % (path, stat.S_IMODE(st.st_mode), path))
        content = os.read(fd, _MAX_KEY_FILE)
    finally:
        os.close(fd)
    try:
        return Key(path, content.strip())
    except ValueError:        # binascii.Error is one too
        raise exception.CredentialsKeyError(
            reason='key file %s does not hold a Fernet key (32 bytes in '
                   'URL-safe base64, 44 characters, as "vnfsnap-manage '
                   'credentials new-key" writes).' % path) from None


def _create_key(path):
    """Write a new key to ``path`` unless a file is there (another
    process was first); whether it did.

    The key is written to a private temporary file and hard-linked into
    place: the link is atomic and never replaces an existing file, so two
    services starting together end up with one key, never a half-written
    one.
    """
    directory = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        fd, tmp_path = tempfile.mkstemp(dir=directory,
                                        prefix='.credentials-key-')
        try:
            with os.fdopen(fd, 'wb') as f:
                f.write(fernet.Fernet.generate_key() + b'\n')
                f.flush()
                os.fsync(f.fileno())
            try:
                os.link(tmp_path, path)
            except FileExistsError:
                return False
        finally:
            os.unlink(tmp_path)
    except OSError as e:
        raise exception.CredentialsKeyError(
            reason='key file %s cannot be created: %s.'
                   % (path, e.strerror)) from None
    return True
