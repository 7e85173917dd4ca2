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

"""The [database] group: oslo.db options with vnfsnap's embedded default.

With no ``connection`` configured, vnfsnap uses an SQLite file under
``[DEFAULT]state_path``; production sets a MySQL/MariaDB or PostgreSQL URL.
"""

from oslo_config import cfg
from oslo_db import options as db_options

opts = [
    cfg.IntOpt('outage_timeout', default=60, min=0,
               help='Seconds a database read or write of vnfsnap waits '
                    'out a database outage (a lost connection, a restart, '
                    'a fail-over; also a deadlock): it is tried again with '
                    'a growing pause until then, so a running operation '
                    'pauses and goes on. A write whose commit may have '
                    'landed is repeated only when that is safe (it is '
                    'idempotent, or the database is read first to see '
                    'whether it landed). 0 fails at once. A conductor '
                    'resumes its own operations whose end could not be '
                    'recorded in time.'),
]


def register_opts(conf):
    db_options.set_defaults(conf)
    conf.register_opts(opts, group='database')


def list_opts():
    """vnfsnap's own [database] options (oslo.db lists its own)."""
    return opts
