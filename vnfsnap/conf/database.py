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

from oslo_db import options as db_options


def register_opts(conf):
    db_options.set_defaults(conf)


def list_opts():
    return db_options.list_opts()
