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

"""vnfsnap-manage: database schema management."""

import sys

from oslo_config import cfg

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


def _safe_url():
    """The connection URL with any password hidden."""
    from sqlalchemy.engine import make_url
    return make_url(db_api.connection_url()).render_as_string(
        hide_password=True)


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


def main():
    CONF.register_cli_opt(cfg.SubCommandOpt(
        'command', title='Commands', handler=_add_parsers))
    service.prepare_service()
    try:
        CONF.command.func()
    except Exception as e:
        sys.exit('vnfsnap-manage: %s' % e)
