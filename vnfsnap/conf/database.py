"""The [database] group: oslo.db options with vnfsnap's embedded default.

With no ``connection`` configured, vnfsnap uses an SQLite file under
``[DEFAULT]state_path``; production sets a MySQL/MariaDB or PostgreSQL URL.
"""

from oslo_db import options as db_options


def register_opts(conf):
    db_options.set_defaults(conf)


def list_opts():
    return db_options.list_opts()
