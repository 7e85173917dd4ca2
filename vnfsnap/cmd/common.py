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

"""Start-up checks shared by the long-running commands."""

import sys

from oslo_log import log as logging

import vnfsnap.conf
from vnfsnap.db import api as db_api
from vnfsnap.db import migration

CONF = vnfsnap.conf.CONF
LOG = logging.getLogger(__name__)


def check_schema(auto_upgrade=False):
    """Refuse to run on a schema this code does not match.

    ``auto_upgrade`` (the all-in-one on its embedded SQLite file) creates or
    upgrades the schema instead, so the embedded default needs no set-up.
    """
    current, head = migration.version(), migration.head()
    if current == head:
        return
    if auto_upgrade and db_api.connection_url().startswith('sqlite'):
        LOG.info('Upgrading the embedded database %s from %s to %s',
                 db_api.connection_url(), current, head)
        migration.upgrade()
        return
    sys.exit('vnfsnap: the database is at schema revision %s, this code '
             'needs %s; run "vnfsnap-manage db sync" first.'
             % (current, head))
