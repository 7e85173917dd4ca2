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

"""Every step of an LCM flow, durable in the service's own database.

Each op occurrence's flow runs with taskflow's sqlalchemy persistence
backend on ``[database]connection`` (tables of migration 0010): one logbook
and one flow detail per occurrence, both with the occurrence's id. Taskflow
saves an atom's state (RUNNING, then SUCCESS with its result, FAILURE,
REVERTING...) before the engine moves on, so a conductor that starts or
takes the occurrence over finds how far it got, and the flow's store (the
decisions it was built from: the plan). The records go once the run ends:
only an interrupted run needs them.
"""

import threading

from oslo_log import log as logging
import sqlalchemy as sa
from sqlalchemy import pool as sa_pool
from taskflow import exceptions as taskflow_exc
from taskflow.persistence import models
from taskflow.persistence.backends import impl_sqlalchemy

from vnfsnap.db import api as db_api
from vnfsnap.db import models as db_models

LOG = logging.getLogger(__name__)

# Where taskflow keeps the values a flow was loaded with (its store).
_INJECTOR = '_TaskFlow_INJECTOR'


_LOCK = threading.Lock()
_SQLITE_ENGINES = {}


def _engine():
    """The service's own engine; for an SQLite file, one of its own whose
    transactions take the write lock when they begin. Taskflow reads a
    record then writes it in one transaction: two such transactions of
    SQLite's default (deferred) kind cannot both go on, and SQLite fails
    one at once ("database is locked") instead of making it wait."""
    engine = db_api.get_engine()
    if engine.dialect.name != 'sqlite' or engine.url.database in (
            None, '', ':memory:'):
        return engine
    url = engine.url.render_as_string(hide_password=False)
    with _LOCK:
        if url not in _SQLITE_ENGINES:
            sqlite = sa.create_engine(url, poolclass=sa_pool.NullPool)

            @sa.event.listens_for(sqlite, 'connect')
            def _connect(dbapi_connection, record):
                # pysqlite's own BEGIN is deferred; issue ours instead.
                dbapi_connection.isolation_level = None

            @sa.event.listens_for(sqlite, 'begin')
            def _begin(conn):
                conn.exec_driver_sql('BEGIN IMMEDIATE')

            _SQLITE_ENGINES[url] = sqlite
        return _SQLITE_ENGINES[url]


class _Backend(impl_sqlalchemy.SQLAlchemyBackend):
    """Taskflow's backend whose every read and write waits out a database
    outage as the service's own do (db_api.retry_on_outage): a flow
    pauses instead of failing at its next step. Each of taskflow's writes
    merges a whole record (read it, then insert or update it) in one
    transaction, so repeating one is safe.

    It hands out one connection for good. Taskflow's connection builds
    its own MetaData and tables, and its engine storage asks for a
    connection at every step it saves. The dialect's type cache keeps
    an adapted copy of each table's Enum columns, which refers to its
    MetaData: every set of tables stayed alive, and the conductor grew
    by megabytes per LCM operation. A connection holds no state of its
    own (every call is its own transaction on the engine), so all runs
    share it.
    """

    def __init__(self, conf, engine=None):
        super().__init__(conf, engine=engine)
        self._connection = None
        self._connection_lock = threading.Lock()

    def get_connection(self):
        with self._connection_lock:
            if self._connection is None:
                # Taskflow checks the database when it hands out its
                # first connection: that waits out an outage too.
                self._connection = _Connection(
                    db_api.retry_on_outage(idempotent=True)(
                        super().get_connection)())
            return self._connection


class _Connection:
    def __init__(self, connection):
        self._connection = connection

    def __getattr__(self, name):
        attr = getattr(self._connection, name)
        if not callable(attr):
            return attr
        return db_api.retry_on_outage(idempotent=True)(attr)


_BACKEND = []


def backend():
    """The persistence backend, on the service's database: one for the
    engine in use (the service's engine is made again after a reset)."""
    engine = _engine()
    with _LOCK:
        if not _BACKEND or _BACKEND[0].engine is not engine:
            _BACKEND[:] = [_Backend(
                {'connection': engine.url.render_as_string(
                    hide_password=False)},
                engine=engine)]
        return _BACKEND[0]


def new_flow_detail(op_id, name):
    """(backend, flow detail) for a fresh run of occurrence ``op_id``;
    the records of an earlier run are dropped first."""
    forget(op_id)
    book = models.LogBook('op-%s' % op_id, uuid=op_id)
    detail = models.FlowDetail(name, uuid=op_id)
    book.add(detail)
    be = backend()
    be.get_connection().save_logbook(book)
    return be, book, detail


def load_flow_detail(op_id):
    """(backend, book, flow detail) of an interrupted run of occurrence
    ``op_id``, or None when nothing was persisted (it never started a
    flow, or an older release ran it)."""
    be = backend()
    try:
        book = be.get_connection().get_logbook(op_id)
    except taskflow_exc.NotFound:
        return None
    detail = book.find(op_id)
    if detail is None:
        return None
    return be, book, detail


def atom_states(detail):
    """{atom name: state} of the flow's atoms (not the store)."""
    return {ad.name: ad.state for ad in detail if ad.name != _INJECTOR}


def stored(detail):
    """The store the flow was first loaded with."""
    for ad in detail:
        if ad.name == _INJECTOR:
            return dict(ad.results or {})
    return {}


@db_api.retry_on_outage(idempotent=True)
def forget(op_id):
    """Drop the persisted progress of occurrence ``op_id`` (its run
    ended); the tables have no working cascade on every database, so the
    atom and flow details go explicitly."""
    logbooks, flowdetails, atomdetails = db_models.TASKFLOW
    with _engine().begin() as conn:
        flows = sa.select(flowdetails.c.uuid).where(
            flowdetails.c.parent_uuid == op_id)
        conn.execute(atomdetails.delete().where(
            atomdetails.c.parent_uuid.in_(flows)))
        conn.execute(flowdetails.delete().where(
            flowdetails.c.parent_uuid == op_id))
        conn.execute(logbooks.delete().where(logbooks.c.uuid == op_id))
