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

"""Credentials at rest: what API clients give to reach a package server is
stored encrypted (Fernet: AES-128-CBC with HMAC-SHA256) until a conductor
uses it.

The key lives in [DEFAULT]credentials_key_file, which vnfsnap-api and every
vnfsnap-conductor must share; it is created when missing. Keys listed in
credentials_old_key_files still decrypt (MultiFernet), so a key can be
replaced without losing what is stored.
"""

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


def encrypt(data):
    """``data`` (a JSON-serialisable dict) as an opaque ASCII string."""
    if not isinstance(data, dict):
        raise TypeError('encrypt() takes a dict, not %s'
                        % type(data).__name__)
    raw = json.dumps(data, separators=(',', ':')).encode('utf-8')
    return _keys().encrypt(raw).decode('ascii')


def decrypt(token):
    """The dict that encrypt() turned into ``token``."""
    if not isinstance(token, str):
        raise TypeError('decrypt() takes a str, not %s'
                        % type(token).__name__)
    keys = _keys()
    try:
        raw = keys.decrypt(token.encode('ascii'))
    except (fernet.InvalidToken, UnicodeEncodeError):
        files = [CONF.credentials_key_file] + CONF.credentials_old_key_files
        raise exception.CredentialsKeyError(
            reason='stored credentials cannot be decrypted with the key in '
                   '%s: they were encrypted with another key or damaged. '
                   'vnfsnap-api and every vnfsnap-conductor must use the '
                   'same [DEFAULT]credentials_key_file, and a replaced key '
                   'must stay in credentials_old_key_files while '
                   'credentials encrypted with it are stored.'
                   % ', '.join(files)) from None
    return json.loads(raw)


def _keys():
    primary = _read_key(CONF.credentials_key_file, create=True)
    old = [_read_key(path, create=False)
           for path in CONF.credentials_old_key_files]
    return fernet.MultiFernet([primary] + old)


def _read_key(path, create):
    """The Fernet key in ``path``, made first when ``create`` allows it."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        if not create:
            raise exception.CredentialsKeyError(
                reason='key file %s (credentials_old_key_files) does not '
                       'exist.' % path) from None
        _create_key(path)
        return _read_key(path, create=False)
    except OSError as e:
        raise exception.CredentialsKeyError(
            reason='key file %s cannot be opened: %s.'
                   % (path, e.strerror)) from None
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
        return fernet.Fernet(content.strip())
    except ValueError:        # binascii.Error is one too
        raise exception.CredentialsKeyError(
            reason='key file %s does not hold a Fernet key (32 bytes in '
                   'URL-safe base64, 44 characters, as '
                   'cryptography.fernet.Fernet.generate_key() writes).'
                   % path) from None


def _create_key(path):
    """Write a new key to ``path`` unless another process did it first.

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
                return
        finally:
            os.unlink(tmp_path)
    except OSError as e:
        raise exception.CredentialsKeyError(
            reason='key file %s cannot be created: %s.'
                   % (path, e.strerror)) from None
    LOG.warning('Created the credentials key file %s. vnfsnap-api and every '
                'vnfsnap-conductor must use this same key: in a split '
                'deployment copy the file (mode 0600) to every host, or '
                'point [DEFAULT]credentials_key_file at the copy, before '
                'credentials are stored.', path)
