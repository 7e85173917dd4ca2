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

"""vnfsnap-manage: database schema and credentials key management."""

import sys

from oslo_config import cfg

from vnfsnap.common import crypto
from vnfsnap.common import service
import vnfsnap.conf
from vnfsnap.db import api as db_api
from vnfsnap.db import migration

CONF = vnfsnap.conf.CONF


def do_db_sync():
    migration.upgrade(CONF.command.revision)
    print('Database %s is at revision %s.' % (
        _safe_url(), migration.version()))


def do_db_version():
    print(migration.version() or 'None (empty database)')


_OUTCOMES = ((crypto.REENCRYPTED, 're-encrypted from an old key'),
             (crypto.LEGACY, 'converted from an earlier release'),
             (crypto.PLAINTEXT, 'encrypted (they were in the clear)'),
             (crypto.CURRENT, 'already with this key'))
_LISTED = 20      # rows named per problem


def do_credentials_new_key():
    path = CONF.command.path
    print('Wrote key %s to %s (mode 0600).'
          % (crypto.create_key(path), path))


def do_credentials_rotate():
    keys = crypto.keyring()
    print('Key %s (%s) seals; old keys: %s.' % (
        keys.primary.id, keys.primary.path,
        ', '.join('%s (%s)' % (k.id, k.path) for k in keys.old) or 'none'))
    report = db_api.renew_secrets(keys, batch=CONF.command.batch)
    total, failed, conflicts = 0, {}, []
    for (table, column), done in report.items():
        counts = ['%d %s' % (done.counts[o], what) for o, what in _OUTCOMES
                  if done.counts[o] > 0]
        total += sum(done.counts[o] for o, _ in _OUTCOMES)
        print('%s.%s: %d row%s; secrets: %s' % (
            table, column, done.rows, '' if done.rows == 1 else 's',
            ', '.join(counts) or 'none'))
        for row_id, e in done.failures:
            failed.setdefault(str(e), []).append(
                '%s.%s row %s' % (table, column, row_id))
        if done.conflicts:
            conflicts.append('%s.%s: %d rows changed while this command '
                             'ran; run it again.'
                             % (table, column, done.conflicts))
    if failed or conflicts:
        lines = conflicts
        for message, rows in failed.items():
            lines += [message] + ['  %s' % r for r in rows[:_LISTED]]
            if len(rows) > _LISTED:
                lines.append('  and %d more rows' % (len(rows) - _LISTED))
        sys.exit('vnfsnap-manage: not every stored secret is sealed with '
                 'key %s; keep the old key files.\n%s'
                 % (keys.primary.id, '\n'.join(lines)))
    print('All %d stored secrets are sealed with key %s: the old key files '
          'can be removed from credentials_old_key_files.'
          % (total, keys.primary.id))


def _safe_url():
    """The connection URL with any password hidden."""
    from sqlalchemy.engine import make_url
    return make_url(db_api.connection_url()).render_as_string(
        hide_password=True)


def _positive(text):
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


def _add_parsers(subparsers):
    db = subparsers.add_parser('db', help='Database schema commands.')
    db_sub = db.add_subparsers(dest='db_command', required=True)
    sync = db_sub.add_parser('sync', help='Create or upgrade the schema.')
    sync.add_argument('revision', nargs='?', default='head',
                      help='Target revision (default: head).')
    sync.set_defaults(func=do_db_sync)
    version = db_sub.add_parser('version',
                                help='Print the current schema revision.')
    version.set_defaults(func=do_db_version)

    creds = subparsers.add_parser(
        'credentials', help='Key of the secrets stored in the database.')
    creds_sub = creds.add_subparsers(dest='credentials_command',
                                     required=True)
    new_key = creds_sub.add_parser(
        'new-key', help='Write a new key file (never over an existing '
                        'file).')
    new_key.add_argument('path', help='The key file to create.')
    new_key.set_defaults(func=do_credentials_new_key)
    rotate = creds_sub.add_parser(
        'rotate', help='Re-encrypt every stored secret with the key in '
                       '[DEFAULT]credentials_key_file; the keys in '
                       'credentials_old_key_files open what they sealed.')
    rotate.add_argument('--batch', type=_positive, default=100,
                        help='Rows per transaction (default: 100).')
    rotate.set_defaults(func=do_credentials_rotate)


def main():
    CONF.register_cli_opt(cfg.SubCommandOpt(
        'command', title='Commands', handler=_add_parsers))
    service.prepare_service()
    try:
        CONF.command.func()
    except Exception as e:
        sys.exit('vnfsnap-manage: %s' % e)
