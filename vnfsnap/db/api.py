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

"""The only door to the database.

Every state change that two processes could race on (reserving a VNF
instance, moving an LCM operation occurrence to its next state) is a single
compare-and-swap UPDATE, so it is atomic on SQLite, MariaDB and PostgreSQL
alike without row locks.
"""

import contextlib
import datetime
import functools
import hashlib
import json
import os
import sqlite3
import threading
import time
import weakref

from oslo_db import exception as db_exc
from oslo_db.sqlalchemy import enginefacade
from oslo_log import log as logging
from oslo_utils import timeutils
import sqlalchemy as sa

from vnfsnap.common import exception
from vnfsnap.common import json_limits
from vnfsnap.common import states
import vnfsnap.conf
from vnfsnap.db import filters
from vnfsnap.db import models
from vnfsnap.db import types

CONF = vnfsnap.conf.CONF
LOG = logging.getLogger(__name__)

_LOCK = threading.Lock()
_TXN = None
_LOCAL = threading.local()
# "Any value" for an optional compare-and-swap condition.
_ANY = object()

# oslo.db [database] options handed to the engine facade.
_ENGINE_OPTS = ('max_pool_size', 'max_overflow', 'pool_timeout',
                'connection_recycle_time', 'max_retries', 'retry_interval',
                'mysql_sql_mode', 'sqlite_synchronous', 'connection_debug')


# How long an SQLite writer waits for the lock (pysqlite's default is 5 s):
# flows write every step, and on a loaded host a writer polling for the
# lock can go without it for longer than that. Every engine of the process
# (taskflow's persistence has its own) gets it.
SQLITE_BUSY_TIMEOUT_MS = 60000


@sa.event.listens_for(sa.engine.Engine, 'connect')
def _sqlite_busy_timeout(dbapi_connection, record):
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute('PRAGMA busy_timeout = %d'
                                 % SQLITE_BUSY_TIMEOUT_MS)


def connection_url():
    """The configured URL, or the embedded SQLite file under state_path."""
    if CONF.database.connection:
        return CONF.database.connection
    return 'sqlite:///%s' % os.path.join(CONF.state_path, 'vnfsnap.sqlite')


def _txn():
    global _TXN
    with _LOCK:
        if _TXN is None:
            url = connection_url()
            if url.startswith('sqlite:///'):
                os.makedirs(os.path.dirname(url[len('sqlite:///'):]) or '.',
                            exist_ok=True)
            ctx = enginefacade.transaction_context()
            opts = {k: getattr(CONF.database, k) for k in _ENGINE_OPTS
                    if k in CONF.database}
            # Used by the PostgreSQL drivers, which parse JSON columns
            # themselves (types.BoundedJSON does it for the others).
            ctx.configure(connection=url, sqlite_fk=True,
                          json_deserializer=json_limits.loads, **opts)
            if url.startswith('sqlite'):
                _BEGIN_IMMEDIATE.add(ctx.writer.get_engine())
            _TXN = ctx
        return _TXN


# The SQLite engines whose transactions begin IMMEDIATE (the service's).
_BEGIN_IMMEDIATE = weakref.WeakSet()


# Set in this thread while a _writer() transaction is open.
_WRITING = threading.local()


# On the class: its listeners run before an engine's own, oslo.db's BEGIN
# among them (SQLAlchemy 2.1 ignores insert=True for engine events).
@sa.event.listens_for(sa.engine.Engine, 'begin')
def _sqlite_begin_immediate(conn):
    """Begin each write transaction of the service's SQLite file holding
    the write lock.

    oslo.db begins SQLite transactions deferred: two that read, then
    write, cannot both go on, and SQLite fails one at once ("database is
    locked") without waiting its busy timeout; the retry then sleeps half
    a second. A create's steps write from several threads at once (a
    guard's record, an intent, taskflow's progress), and that half second
    fell inside the VNFCs' freeze. Taken at BEGIN, the lock is waited for
    instead; oslo.db's own BEGIN then stands aside (``in_transaction``).
    Readers stay deferred: they never ask for the write lock, so they
    neither wait for writers to begin nor make them wait to."""
    if (conn.engine in _BEGIN_IMMEDIATE and getattr(_WRITING, 'depth', 0)
            and 'in_transaction' not in conn.info):
        conn.exec_driver_sql('BEGIN IMMEDIATE')
        conn.info['in_transaction'] = True


def get_engine():
    return _txn().writer.get_engine()


def reset():
    """Drop the engine so the next call reads the configuration again."""
    global _TXN
    with _LOCK:
        if _TXN is not None:
            try:
                _TXN.writer.get_engine().dispose()
            except Exception as e:  # never started; nothing to dispose
                LOG.debug('No engine to dispose: %s', e)
        _TXN = None


# What a short database outage (a restart, a fail-over) raises: the
# connection went, or the database rolled the transaction back.
_OUTAGE = (db_exc.DBConnectionError, db_exc.DBDeadlock)
# Set on the outage error of a transaction lost while it committed: it may
# have committed, so only a write safe to repeat is run again.
_COMMIT_UNKNOWN = 'vnfsnap_commit_unknown'
_RETRYING = threading.local()
# First wait after an outage error; each next one doubles, up to the max.
_RETRY_FIRST_WAIT = 0.5
_RETRY_MAX_WAIT = 5.0


def outage_error(exc):
    """The error of a database outage in ``exc`` or its causes (taskflow
    wraps them in StorageFailure), or None. Besides oslo.db's classes, the
    driver's OperationalError (PEP 249: the database's operation failed,
    e.g. a connection refused or lost, not the statement) and a statement
    whose connection SQLAlchemy found dead: oslo.db does not translate
    every driver's wording of them (libpq's "connection to server ...
    failed: Connection refused")."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if _is_outage(exc):
            return exc
        seen.add(id(exc))
        exc = (getattr(exc, 'inner_exception', None)
               or getattr(exc, 'cause', None) or exc.__cause__
               or exc.__context__)
    return None


def _is_outage(exc):
    if isinstance(exc, _OUTAGE) or getattr(exc, 'connection_invalidated',
                                           False):
        return True
    if not isinstance(exc, sa.exc.OperationalError):
        return False
    # SQLite has no server to lose; its OperationalError is mostly the
    # statement's fault ("no such table"), a held lock aside.
    return not isinstance(exc.orig, sqlite3.Error) or (
        'locked' in str(exc.orig))


def retry_on_outage(idempotent=False, recheck=None):
    """Wait out a database outage of up to [database]outage_timeout.

    A call that fails with a connection error or a deadlock runs again
    after a growing pause. A transaction lost while it committed may have
    committed: the call is then run again only if ``idempotent``; else
    ``recheck(*args, **kwargs)`` first says whether the write landed (its
    result is returned) or not (None: run again); without either, the
    error is raised. Only the outermost call retries: a nested one is
    inside the outer one's transaction."""
    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            if getattr(_RETRYING, 'active', False):
                return fn(*args, **kwargs)
            _RETRYING.active = True
            try:
                return _retrying(fn, args, kwargs, idempotent, recheck)
            finally:
                _RETRYING.active = False
        return wrapper
    return decorate


def _retrying(fn, args, kwargs, idempotent, recheck):
    deadline = time.monotonic() + CONF.database.outage_timeout
    wait = _RETRY_FIRST_WAIT
    landed_unknown = False
    while True:
        # Whether a transaction of this attempt committed (then a later
        # one, or a read after it, met the outage).
        _RETRYING.committed = False
        try:
            if landed_unknown and recheck is not None:
                result = recheck(*args, **kwargs)
                if result is not None:
                    return result
            return fn(*args, **kwargs)
        except Exception as e:
            error = outage_error(e)
            if error is None or time.monotonic() + wait > deadline:
                raise
            if _RETRYING.committed or getattr(error, _COMMIT_UNKNOWN, False):
                if not idempotent and recheck is None:
                    raise
                landed_unknown = True
            LOG.warning('Database unavailable in %s (%s); trying again in '
                        '%.1f s', fn.__name__, error, wait)
        time.sleep(wait)
        wait = min(wait * 2, _RETRY_MAX_WAIT)


def _created(getter):
    """Recheck of a create: the row with the id it was given, if it is
    there (the ids are chosen before the insert)."""
    def recheck(values, *args, **kwargs):
        try:
            return globals()[getter](None, values['id'])
        except exception.NotFound:
            return None
    return recheck


def _transitioned(op_id, from_states, to_state, task='transition',
                  project_id=None, expect_host=_ANY, **values):
    """Recheck of a compare-and-swap transition: it landed if the
    occurrence is in ``to_state`` with the host it set (or kept)."""
    op = get_op_occ(project_id, op_id)
    host = values.get('host', expect_host)
    if op.operation_state == to_state and host in (_ANY, op.host):
        return op
    return None


def _pkg_written(project_id, pkg_id, values, *args, **kwargs):
    """Recheck of a package update: it landed if the package holds every
    value it wrote."""
    pkg = get_vnf_snapshot_pkg(project_id, pkg_id)
    if 'state' in values and values['state'] not in states.PKG_ACTIVE_STATES:
        values = dict(values, is_cancel_pending=False, host=None)
    if all(getattr(pkg, k) == v for k, v in values.items()):
        return pkg
    return None


def _pkg_started(project_id, pkg_id, task, to_state, values, **kwargs):
    return _pkg_written(project_id, pkg_id, dict(values, state=to_state))


@contextlib.contextmanager
def _writer():
    committing = False
    _WRITING.depth = getattr(_WRITING, 'depth', 0) + 1
    try:
        with _txn().writer.using(_LOCAL) as session:
            yield session
            committing = True
        _RETRYING.committed = True
    except Exception as e:
        _mark_commit_unknown(e, committing)
        if not isinstance(e, db_exc.DBError):
            raise
        # An Encrypted column that cannot seal (CredentialsKeyError) fails
        # inside SQLAlchemy, which wraps the error; it is the one to raise.
        cause = getattr(e.inner_exception, 'orig', None)
        if isinstance(cause, exception.VnfsnapException):
            raise cause from None
        if isinstance(e, db_exc.DBDataError) or isinstance(
                e.inner_exception, sa.exc.DataError):
            # A value the database cannot hold (4-byte characters through
            # MySQL's 3-byte "utf8"): the request's fault, not the server's.
            LOG.info('The database refused a value: %s', e)
            raise exception.BadRequest(
                reason='the database cannot store a value of the request '
                       '(characters outside its character set, or too '
                       'long); nothing was stored') from None
        raise
    finally:
        _WRITING.depth -= 1


def _mark_commit_unknown(exc, committing):
    """A connection lost while the transaction committed leaves unknown
    whether it did (a deadlock is always rolled back)."""
    error = outage_error(exc)
    if committing and error is not None and not isinstance(
            error, db_exc.DBDeadlock):
        setattr(error, _COMMIT_UNKNOWN, True)


def _reader():
    return _txn().reader.using(_LOCAL)


def _scoped(query, model, project_id):
    if project_id is not None:
        query = query.where(model.project_id == project_id)
    return query


def _get(model, project_id, row_id, not_found):
    """The row, seen from ``project_id`` (None: any project), or 404."""
    with _reader() as session:
        obj = session.execute(_scoped(sa.select(model).where(
            model.id == row_id), model, project_id)).scalar_one_or_none()
    if obj is None:
        raise not_found(id=row_id)
    return obj


def _ordered(model):
    return sa.select(model).order_by(model.created_at, model.id)


def _create(model, values):
    with _writer() as session:
        obj = model(**values)
        session.add(obj)
    return obj


def _list(model, project_id):
    """All rows seen from ``project_id``, oldest first."""
    with _reader() as session:
        return list(session.execute(_scoped(_ordered(model), model,
                                            project_id)).scalars())


# --- Collections (SOL013 filters and paging in SQL) -----------------------

# Rows read at a time after the first batch, when the API filters what SQL
# could not (vnfsnap.db.filters).
COLLECTION_BATCH = 1000


@retry_on_outage(idempotent=True)
def get_collection_row(model, project_id, row_id, where=()):
    """The row of ``model`` a page marker names, seen from ``project_id``;
    None when there is none (deleted, another project's, or outside the
    collection's ``where``)."""
    with _reader() as session:
        return session.execute(_scoped(sa.select(model).where(
            model.id == row_id, *where), model,
            project_id)).scalar_one_or_none()


@retry_on_outage(idempotent=True)
def _collection_batch(model, project_id, clauses, after, limit):
    q = _scoped(_ordered(model), model, project_id).where(*clauses)
    if after is not None:
        # Keyset paging on the order of _ordered (indexes of revision 0013).
        q = q.where(sa.tuple_(model.created_at, model.id)
                    > sa.tuple_(after.created_at, after.id))
    with _reader() as session:
        return list(session.execute(q.limit(limit)).scalars())


def iter_collection(model, project_id, terms=(), after=None, first=100,
                    where=()):
    """The rows of ``model`` seen from ``project_id``, oldest first
    (created_at, then id), that the SOL013 filter ``terms`` may match.

    The terms on columns are conditions of the query
    (vnfsnap.db.filters); the others are not applied here, nor is any term
    a database compares more loosely than the API: the caller tests each
    row it takes. ``after``: the row to start after (a page marker's).
    Read ``first`` rows at a time, then COLLECTION_BATCH: a caller that
    stops taking stops the reading.
    """
    clauses, _rest = filters.translate(model, terms,
                                       get_engine().dialect.name)
    # ``where``: conditions of the collection itself (a sub-collection of
    # one parent).
    clauses = list(where) + clauses
    size = first
    while True:
        rows = _collection_batch(model, project_id, clauses, after, size)
        yield from rows
        if len(rows) < size:
            return
        after = rows[-1]
        size = max(size, COLLECTION_BATCH)


# --- VNF instances --------------------------------------------------------

@retry_on_outage(recheck=_created('get_vnf_instance'))
def create_vnf_instance(values):
    return _create(models.VnfInstance, values)


@retry_on_outage(idempotent=True)
def get_vnf_instance(project_id, instance_id):
    return _get(models.VnfInstance, project_id, instance_id,
                exception.VnfInstanceNotFound)


@retry_on_outage(idempotent=True)
def list_vnf_instances(project_id):
    return _list(models.VnfInstance, project_id)


@retry_on_outage(idempotent=True)
def update_vnf_instance(instance_id, values):
    with _writer() as session:
        session.execute(sa.update(models.VnfInstance).where(
            models.VnfInstance.id == instance_id).values(
                updated_at=timeutils.utcnow(), **values))


@retry_on_outage()
def set_snapshot_descriptor(project_id, instance_id, descriptor):
    """Replace a VNF instance's snapshot descriptor unless an operation
    holds the instance (it runs under the rules it started with)."""
    return _update_idle_vnf_instance(project_id, instance_id,
                                     {'snapshot_descriptor': descriptor})


@retry_on_outage()
def set_snapshot_notifications(project_id, instance_id, endpoint):
    """Replace (None: remove) the endpoint of a VNF instance's snapshot
    notices unless an operation holds the instance."""
    return _update_idle_vnf_instance(project_id, instance_id,
                                     {'snapshot_notifications': endpoint})


def _update_idle_vnf_instance(project_id, instance_id, values):
    M = models.VnfInstance
    with _writer() as session:
        done = session.execute(_scoped(sa.update(M).where(
            M.id == instance_id, M.reservation.is_(None)), M,
            project_id).values(updated_at=timeutils.utcnow(),
                               **values)).rowcount
    if done != 1:
        current = get_vnf_instance(project_id, instance_id)
        raise exception.VnfInstanceBusy(id=instance_id,
                                        op_id=current.reservation)
    return get_vnf_instance(project_id, instance_id)


@retry_on_outage()
def delete_vnf_instance(project_id, instance_id):
    """Unregister a VNF instance unless an operation holds it."""
    with _writer() as session:
        q = _scoped(sa.delete(models.VnfInstance).where(
            models.VnfInstance.id == instance_id,
            models.VnfInstance.reservation.is_(None)),
            models.VnfInstance, project_id)
        if session.execute(q).rowcount == 1:
            return
    inst = get_vnf_instance(project_id, instance_id)
    raise exception.VnfInstanceBusy(id=instance_id, op_id=inst.reservation)


# --- VNF snapshots (VnfSnapshotInfo) --------------------------------------

def _vnfc_rows(info_id, vnfc_snapshots):
    return [models.VnfcSnapshot(vnf_snapshot_info_id=info_id, position=i,
                                **values)
            for i, values in enumerate(vnfc_snapshots)]


@retry_on_outage(recheck=_created('get_vnf_snapshot_info'))
def create_vnf_snapshot_info(values, vnfc_snapshots=()):
    with _writer() as session:
        obj = models.VnfSnapshotInfo(**values)
        obj.vnfc_snapshots = _vnfc_rows(values['id'], vnfc_snapshots)
        session.add(obj)
    return get_vnf_snapshot_info(None, values['id'])


@retry_on_outage(idempotent=True)
def get_vnf_snapshot_info(project_id, info_id):
    return _get(models.VnfSnapshotInfo, project_id, info_id,
                exception.VnfSnapshotInfoNotFound)


@retry_on_outage(idempotent=True)
def list_vnf_snapshot_infos(project_id):
    return _list(models.VnfSnapshotInfo, project_id)


@retry_on_outage()
def update_vnf_snapshot_info(project_id, info_id, values,
                             vnfc_snapshots=None, only_if_unreserved=True,
                             only_if_empty=False, if_updated_at=None,
                             hand_over_from=None, hand_over_pkg=None):
    """Modify a VNF snapshot resource atomically.

    ``only_if_unreserved`` refuses while an operation holds the resource;
    ``only_if_empty`` refuses once a VnfSnapshot has been recorded (PATCH);
    ``if_updated_at`` refuses when someone changed the resource since the
    caller read it (ConcurrentModification), so checks made on that read
    (e.g. If-Match) still hold when the update lands. ``hand_over_from``
    (an op occurrence id) drops that occurrence's recorded VIM resources in
    the same transaction: the VNF snapshot owns them from now on;
    ``hand_over_pkg`` (a package id) does the same for what a package
    extraction imported.
    """
    M = models.VnfSnapshotInfo
    with _writer() as session:
        q = _scoped(sa.update(M).where(M.id == info_id), M, project_id)
        if only_if_unreserved:
            q = q.where(M.reservation.is_(None))
        if only_if_empty:
            q = q.where(M.snapshot_id.is_(None))
        if if_updated_at is not None:
            q = q.where(M.updated_at == if_updated_at)
        if session.execute(q.values(updated_at=timeutils.utcnow(),
                                    **values)).rowcount != 1:
            current = session.execute(_scoped(
                sa.select(M).where(M.id == info_id), M,
                project_id)).scalar_one_or_none()
            if current is None:
                raise exception.VnfSnapshotInfoNotFound(id=info_id)
            if only_if_unreserved and current.reservation:
                raise exception.VnfSnapshotInUse(id=info_id,
                                                 op_id=current.reservation)
            if only_if_empty and current.snapshot_id is not None:
                raise exception.VnfSnapshotAlreadyFilled(id=info_id)
            raise exception.ConcurrentModification(id=info_id)
        if hand_over_from is not None:
            session.execute(sa.delete(models.OpVimResource).where(
                models.OpVimResource.op_occ_id == hand_over_from))
        if hand_over_pkg is not None:
            session.execute(sa.delete(models.PkgVimResource).where(
                models.PkgVimResource.vnf_snapshot_pkg_id == hand_over_pkg))
        if vnfc_snapshots is not None:
            session.execute(sa.delete(models.VnfcSnapshot).where(
                models.VnfcSnapshot.vnf_snapshot_info_id == info_id))
            session.add_all(_vnfc_rows(info_id, vnfc_snapshots))
    return get_vnf_snapshot_info(project_id, info_id)


@retry_on_outage()
def reserve_vnf_snapshot_info(project_id, info_id, holder):
    """Take the resource for ``holder`` (e.g. a deletion that first removes
    the VIM-side snapshots), so no operation can start on it meanwhile."""
    M = models.VnfSnapshotInfo
    with _writer() as session:
        done = session.execute(_scoped(sa.update(M).where(
            M.id == info_id, M.reservation.is_(None)), M,
            project_id).values(reservation=holder)).rowcount
    if done != 1:
        current = get_vnf_snapshot_info(project_id, info_id)
        raise exception.VnfSnapshotInUse(id=info_id,
                                         op_id=current.reservation)


@retry_on_outage()
def release_vnf_snapshot_info(info_id, holder):
    """Give back what reserve_vnf_snapshot_info took."""
    M = models.VnfSnapshotInfo
    with _writer() as session:
        session.execute(sa.update(M).where(
            M.id == info_id, M.reservation == holder).values(
                reservation=None))


@retry_on_outage()
def delete_vnf_snapshot_info(project_id, info_id, reservation=None):
    """Delete the resource unless an operation holds it (other than
    ``reservation``, the caller's own)."""
    M = models.VnfSnapshotInfo
    free = M.reservation.is_(None)
    if reservation is not None:
        free = sa.or_(free, M.reservation == reservation)
    with _writer() as session:
        # One conditional DELETE (the schema cascades to vnfc_snapshots),
        # so an operation reserving it meanwhile cannot lose its target.
        if session.execute(_scoped(sa.delete(M).where(
                M.id == info_id, free), M, project_id)).rowcount == 1:
            return
    current = get_vnf_snapshot_info(project_id, info_id)
    raise exception.VnfSnapshotInUse(id=info_id, op_id=current.reservation)


# --- LCM operation occurrences --------------------------------------------

def _reserve(session, model, row_id, holder, not_found, busy,
             if_updated_at=None):
    """Compare-and-swap ``holder`` into a free row's reservation (of a row
    not changed since ``if_updated_at``, when given)."""
    q = sa.update(model).where(model.id == row_id,
                               model.reservation.is_(None))
    if if_updated_at is not None:
        q = q.where(model.updated_at == if_updated_at)
    taken = session.execute(q.values(reservation=holder)).rowcount
    if taken != 1:
        row = session.execute(sa.select(model).where(
            model.id == row_id)).scalar_one_or_none()
        if row is None:
            raise not_found(id=row_id)
        if if_updated_at is not None and row.reservation is None:
            raise exception.ConcurrentModification(id=row_id)
        raise busy(id=row_id, op_id=row.reservation)


@retry_on_outage(recheck=_created('get_op_occ'))
def create_op_occ(values, instance_updated_at=None, online_test=None):
    """Record a new op occurrence, reserving its VNF instance and snapshot.

    All three writes happen in one transaction: either the operation owns
    both resources, or nothing is written and the caller gets a 409 (412
    through ConcurrentModification when the VNF instance changed since
    ``instance_updated_at``).
    """
    op_id = values['id']
    inst_id = values['vnf_instance_id']
    info_id = values.get('vnf_snapshot_info_id')
    now = timeutils.utcnow()
    VI, VS = models.VnfInstance, models.VnfSnapshotInfo
    with _writer() as session:
        _reserve(session, VI, inst_id, op_id, exception.VnfInstanceNotFound,
                 exception.VnfInstanceBusy, if_updated_at=instance_updated_at)
        if info_id is not None:
            _reserve(session, VS, info_id, op_id,
                     exception.VnfSnapshotInfoNotFound,
                     exception.VnfSnapshotInUse)
        obj = models.VnfLcmOpOcc(
            operation_state=states.STARTING, state_entered_time=now,
            start_time=now, **values)
        session.add(obj)
        if online_test is not None:
            # The online test's record, written with its occurrence.
            session.add(models.OnlineTest(
                id=op_id, project_id=values['project_id'],
                vnf_instance_id=inst_id, operation_state=states.STARTING,
                state_entered_time=now, probe_rounds=[],
                probe_rounds_dropped=0, **online_test))
        session.add(_event(op_id, states.STARTING, now))
    return obj


@retry_on_outage(idempotent=True)
def get_op_occ(project_id, op_id):
    return _get(models.VnfLcmOpOcc, project_id, op_id,
                exception.VnfLcmOpOccNotFound)


@retry_on_outage(idempotent=True)
def list_op_occs(project_id, states_in=None, host=None):
    M = models.VnfLcmOpOcc
    with _reader() as session:
        q = _scoped(_ordered(M), M, project_id)
        if states_in is not None:
            q = q.where(M.operation_state.in_(tuple(states_in)))
        if host is not None:
            q = q.where(M.host == host)
        return list(session.execute(q).scalars())


@retry_on_outage(recheck=_transitioned)
def transition_op_occ(op_id, from_states, to_state, task='transition',
                      project_id=None, expect_host=_ANY, **values):
    """Move an op occurrence from one of ``from_states`` to ``to_state``.

    ``expect_host`` (None for "not owned") makes the move a claim. Raises
    InvalidOpOccState when another actor moved or claimed it first. Reaching
    a final state releases the VNF instance and VNF snapshot it reserved.
    """
    M = models.VnfLcmOpOcc
    now = timeutils.utcnow()
    if to_state not in states.ACTIVE_STATES:
        # SOL003: isCancelPending is true only while the occurrence runs.
        values.setdefault('is_cancel_pending', False)
    if to_state in states.FINAL_STATES:
        # Secrets kept for a retry or rollback have no use any more.
        values.setdefault('private_params', None)
    with _writer() as session:
        q = _scoped(sa.update(M).where(
            M.id == op_id, M.operation_state.in_(tuple(from_states))),
            M, project_id)
        if expect_host is None:
            q = q.where(M.host.is_(None))
        elif expect_host is not _ANY:
            q = q.where(M.host == expect_host)
        done = session.execute(q.values(
            operation_state=to_state, state_entered_time=now,
            updated_at=now, **values)).rowcount
        if done != 1:
            current = session.execute(_scoped(sa.select(M).where(
                M.id == op_id), M, project_id)).scalar_one_or_none()
            if current is None:
                raise exception.VnfLcmOpOccNotFound(id=op_id)
            raise exception.InvalidOpOccState(
                task=task, id=op_id, state=current.operation_state)
        if to_state in states.FINAL_STATES:
            _release(session, op_id)
        # An online test's record follows its occurrence (no row for the
        # other operations).
        mirrored = {'operation_state': to_state, 'state_entered_time': now,
                    'updated_at': now}
        if 'error' in values:
            mirrored['error'] = values['error']
        session.execute(sa.update(models.OnlineTest).where(
            models.OnlineTest.id == op_id).values(**mirrored))
        if tuple(from_states) != (to_state,):
            # A state entered (not a conductor claiming the one it is in).
            session.add(_event(op_id, to_state, now))
    return get_op_occ(None, op_id)


def _release(session, op_id):
    for model in (models.VnfInstance, models.VnfSnapshotInfo):
        session.execute(sa.update(model).where(
            model.reservation == op_id).values(reservation=None))


@retry_on_outage()
def modify_vnf_instance(op_id, instance_id, values, **op_values):
    """Write what a MODIFY_INFO occurrence changes (or, rolling back,
    restores) in the VNF instance it holds, and ``op_values`` of the
    occurrence (changedInfo...), in one transaction: a client never sees
    one without the other."""
    VI, OP = models.VnfInstance, models.VnfLcmOpOcc
    now = timeutils.utcnow()
    with _writer() as session:
        done = session.execute(sa.update(VI).where(
            VI.id == instance_id, VI.reservation == op_id).values(
                updated_at=now, **values)).rowcount
        if done != 1:
            raise exception.InvalidOpOccState(
                task='modify VNF instance %s' % instance_id, id=op_id,
                state='not holding it')
        session.execute(sa.update(OP).where(OP.id == op_id).values(
            updated_at=now, **op_values))


@retry_on_outage(idempotent=True)
def update_op_occ(op_id, **values):
    """Change attributes other than the state (error, params)."""
    with _writer() as session:
        session.execute(sa.update(models.VnfLcmOpOcc).where(
            models.VnfLcmOpOcc.id == op_id).values(
                updated_at=timeutils.utcnow(), **values))


@retry_on_outage()
def request_cancel(project_id, op_id, cancel_mode):
    """Flag a running occurrence for cancellation (its flow stops at the
    next step); returns the updated row."""
    M = models.VnfLcmOpOcc
    with _writer() as session:
        done = session.execute(_scoped(sa.update(M).where(
            M.id == op_id,
            M.operation_state.in_(tuple(states.ACTIVE_STATES))), M,
            project_id).values(is_cancel_pending=True,
                               cancel_mode=cancel_mode,
                               updated_at=timeutils.utcnow())).rowcount
    op = get_op_occ(project_id, op_id)
    if done != 1:
        raise exception.InvalidOpOccState(task='cancel', id=op_id,
                                          state=op.operation_state)
    return op


# --- Online tests ---------------------------------------------------------

@retry_on_outage(idempotent=True)
def get_online_test(project_id, test_id, vnf_instance_id=None):
    """An online test's record, seen from ``project_id``; 404 also when
    it is not of ``vnf_instance_id`` (when given)."""
    obj = _get(models.OnlineTest, project_id, test_id,
               exception.OnlineTestNotFound)
    if vnf_instance_id is not None and obj.vnf_instance_id != vnf_instance_id:
        raise exception.OnlineTestNotFound(id=test_id)
    return obj


@retry_on_outage(idempotent=True)
def update_online_test(test_id, **values):
    """Write what the test's flow learnt (phase, verdict, fault...)."""
    with _writer() as session:
        session.execute(sa.update(models.OnlineTest).where(
            models.OnlineTest.id == test_id).values(
                updated_at=timeutils.utcnow(), **values))
    return get_online_test(None, test_id)


@retry_on_outage(idempotent=True)
def add_probe_round(test_id, probe_round, keep):
    """Append one probe round to the test's record, keeping at most
    ``keep`` (the first, the baseline, stays; the oldest after it go and
    are counted). Repeating it (an outage retry) appends it once."""
    M = models.OnlineTest
    with _writer() as session:
        row = session.execute(sa.select(M).where(
            M.id == test_id)).scalar_one()
        rounds = list(row.probe_rounds or [])
        if rounds and rounds[-1] == probe_round:
            return
        rounds.append(probe_round)
        dropped = row.probe_rounds_dropped or 0
        while len(rounds) > keep:
            del rounds[1]
            dropped += 1
        session.execute(sa.update(M).where(M.id == test_id).values(
            probe_rounds=rounds, probe_rounds_dropped=dropped,
            updated_at=timeutils.utcnow()))


# --- VIM resources made by an occurrence, not handed over yet -------------

@retry_on_outage(idempotent=True)
def set_op_vim_resource(op_id, key, resource):
    """Record (or replace) what the occurrence makes under ``key``;
    durable when this returns."""
    with _writer() as session:
        session.execute(sa.delete(models.OpVimResource).where(
            models.OpVimResource.op_occ_id == op_id,
            models.OpVimResource.key == key))
        session.add(models.OpVimResource(op_occ_id=op_id, key=key,
                                         resource=resource))


@retry_on_outage()
def record_safety_snapshot(op_id, values, vnfc_snapshots):
    """Create the filled VNF snapshot resource a revert took of the state
    it replaces, hand the op occurrence's VIM resources over to it and
    point the occurrence at it, in one transaction."""
    with _writer() as session:
        obj = models.VnfSnapshotInfo(**values)
        obj.vnfc_snapshots = _vnfc_rows(values['id'], vnfc_snapshots)
        session.add(obj)
        session.execute(sa.delete(models.OpVimResource).where(
            models.OpVimResource.op_occ_id == op_id))
        session.execute(sa.update(models.VnfLcmOpOcc).where(
            models.VnfLcmOpOcc.id == op_id).values(
                safety_vnf_snapshot_info_id=values['id'],
                updated_at=timeutils.utcnow()))
    return get_vnf_snapshot_info(None, values['id'])


@retry_on_outage(idempotent=True)
def remove_op_vim_resource(op_id, key):
    with _writer() as session:
        session.execute(sa.delete(models.OpVimResource).where(
            models.OpVimResource.op_occ_id == op_id,
            models.OpVimResource.key == key))


@retry_on_outage(idempotent=True)
def list_op_vim_resources(op_id):
    """{key: resource} of what the occurrence made and still owns."""
    with _reader() as session:
        rows = session.execute(sa.select(models.OpVimResource).where(
            models.OpVimResource.op_occ_id == op_id)).scalars()
        return {row.key: row.resource for row in rows}


@retry_on_outage(idempotent=True)
def set_pkg_vim_resource(pkg_id, key, resource):
    """Record (or replace) what a package extraction imports under
    ``key``; durable when this returns."""
    M = models.PkgVimResource
    # Write first (no read-then-write upgrade: SQLite's writer lock is
    # then waited for, not refused as "database is locked").
    with _writer() as session:
        session.execute(sa.delete(M).where(M.vnf_snapshot_pkg_id == pkg_id,
                                           M.key == key))
        session.add(M(vnf_snapshot_pkg_id=pkg_id, key=key,
                      resource=resource))


@retry_on_outage(idempotent=True)
def list_pkg_vim_resources(pkg_id):
    """{key: resource} of what the package's extraction imported and has
    not handed over."""
    with _reader() as session:
        rows = session.execute(sa.select(models.PkgVimResource).where(
            models.PkgVimResource.vnf_snapshot_pkg_id == pkg_id)).scalars()
        return {row.key: row.resource for row in rows}


@retry_on_outage(idempotent=True)
def remove_pkg_vim_resources(pkg_id, key=None):
    """Forget one (or every) imported resource of the package."""
    M = models.PkgVimResource
    where = [M.vnf_snapshot_pkg_id == pkg_id]
    if key is not None:
        where.append(M.key == key)
    with _writer() as session:
        session.execute(sa.delete(M).where(*where))


@retry_on_outage(idempotent=True)
def record_op_guard(op_id, vnfc_id, record):
    """Create or update the record of a guard a VIM armed for the
    occurrence (see models.OpGuard)."""
    key = (op_id, vnfc_id, record['kind'], record.get('resourceId') or '')
    with _writer() as session:
        row = session.get(models.OpGuard, key)
        if row is None:
            position = session.execute(sa.select(sa.func.count()).where(
                models.OpGuard.op_occ_id == op_id)).scalar()
            session.add(models.OpGuard(
                op_occ_id=op_id, vnfc_id=vnfc_id, kind=key[2],
                resource_id=key[3], position=position, record=record))
        else:
            # A released or fired record keeps what the armed one said.
            row.record = dict(row.record, **record)


# --- VNF snapshot packages (VnfSnapshotPkgInfo) ---------------------------

@retry_on_outage(recheck=_created('get_vnf_snapshot_pkg'))
def create_vnf_snapshot_pkg(values):
    with _writer() as session:
        session.add(models.VnfSnapshotPkg(**values))
    return get_vnf_snapshot_pkg(None, values['id'])


@retry_on_outage(idempotent=True)
def get_vnf_snapshot_pkg(project_id, pkg_id):
    return _get(models.VnfSnapshotPkg, project_id, pkg_id,
                exception.VnfSnapshotPkgNotFound)


@retry_on_outage(idempotent=True)
def list_vnf_snapshot_pkgs(project_id, states_in=None, host=_ANY):
    M = models.VnfSnapshotPkg
    with _reader() as session:
        q = _scoped(_ordered(M), M, project_id)
        if states_in is not None:
            q = q.where(M.state.in_(tuple(states_in)))
        if host is None:
            q = q.where(M.host.is_(None))
        elif host is not _ANY:
            q = q.where(M.host == host)
        return list(session.execute(q).scalars())


def _pkg_conflict(session, project_id, pkg_id, task):
    M = models.VnfSnapshotPkg
    current = session.execute(_scoped(sa.select(M).where(M.id == pkg_id), M,
                                      project_id)).scalar_one_or_none()
    if current is None:
        return exception.VnfSnapshotPkgNotFound(id=pkg_id)
    return exception.InvalidPkgState(task=task, id=pkg_id,
                                     state=current.state)


def _pkg_update(session, project_id, pkg_id, from_states, values, task,
                expect_host=_ANY, if_updated_at=None):
    """One compare-and-swap UPDATE of a package; raises what went wrong."""
    M = models.VnfSnapshotPkg
    q = _scoped(sa.update(M).where(M.id == pkg_id), M, project_id)
    if from_states is not None:
        q = q.where(M.state.in_(tuple(from_states)))
    if expect_host is None:
        q = q.where(M.host.is_(None))
    elif expect_host is not _ANY:
        q = q.where(M.host == expect_host)
    if if_updated_at is not None:
        q = q.where(M.updated_at == if_updated_at)
    if session.execute(q.values(updated_at=timeutils.utcnow(),
                                **values)).rowcount == 1:
        return
    error = _pkg_conflict(session, project_id, pkg_id, task)
    if (isinstance(error, exception.InvalidPkgState)
            and if_updated_at is not None and (
                from_states is None or error.kwargs['state'] in from_states)):
        error = exception.ConcurrentModification(id=pkg_id)
    raise error


@retry_on_outage(recheck=_pkg_written)
def update_vnf_snapshot_pkg(project_id, pkg_id, values, from_states=None,
                            task='update', expect_host=_ANY,
                            if_updated_at=None):
    """Change a package while it is in one of ``from_states``.

    Leaving the active states clears ``isCancelPending`` and the owning
    conductor, and gives back the VNF snapshot a build or extraction held.
    """
    if 'state' in values and values['state'] not in states.PKG_ACTIVE_STATES:
        values = dict(values, is_cancel_pending=False, host=None)
    with _writer() as session:
        _pkg_update(session, project_id, pkg_id, from_states, values, task,
                    expect_host=expect_host, if_updated_at=if_updated_at)
        if 'state' in values and (values['state']
                                  not in states.PKG_ACTIVE_STATES):
            _release_snapshot_infos(session, pkg_id)
    return get_vnf_snapshot_pkg(None, pkg_id)


def _release_snapshot_infos(session, holder):
    M = models.VnfSnapshotInfo
    session.execute(sa.update(M).where(M.reservation == holder).values(
        reservation=None))


@retry_on_outage(recheck=_pkg_started)
def start_vnf_snapshot_pkg_op(project_id, pkg_id, task, to_state, values,
                              reserve_info=None, new_info=None):
    """Start a content operation: the package moves into ``to_state`` and,
    in the same transaction, takes the VNF snapshot it builds from or
    extracts into (``reserve_info``: an existing id; ``new_info``: values
    of a VnfSnapshotInfo to create already held). Either all of it
    happens, or nothing is written and the caller gets the 404/409."""
    VS = models.VnfSnapshotInfo
    with _writer() as session:
        _pkg_update(session, project_id, pkg_id,
                    states.PKG_TASK_SOURCE_STATES[task],
                    dict(values, state=to_state, is_cancel_pending=False,
                         cancel_cause=None, failure_details=None,
                         bytes_done=0, bytes_total=None), task,
                    expect_host=None)
        if reserve_info is not None:
            _reserve(session, VS, reserve_info, pkg_id,
                     exception.VnfSnapshotInfoNotFound,
                     exception.VnfSnapshotInUse)
        if new_info is not None:
            session.add(models.VnfSnapshotInfo(reservation=pkg_id,
                                               **new_info))
    return get_vnf_snapshot_pkg(None, pkg_id)


@retry_on_outage(idempotent=True)
def record_pkg_progress(pkg_id, done, total=None):
    """Store bytes done (and total); returns whether a cancel is pending,
    so one round trip both reports progress and polls for cancellation."""
    M = models.VnfSnapshotPkg
    values = {'bytes_done': done, 'updated_at': timeutils.utcnow()}
    if total is not None:
        values['bytes_total'] = total
    with _writer() as session:
        session.execute(sa.update(M).where(
            M.id == pkg_id, M.state.in_(tuple(states.PKG_ACTIVE_STATES)))
            .values(**values))
        return bool(session.execute(sa.select(M.is_cancel_pending).where(
            M.id == pkg_id)).scalar_one_or_none())


@retry_on_outage()
def request_pkg_cancel(project_id, pkg_id, cause=None):
    with _writer() as session:
        _pkg_update(session, project_id, pkg_id,
                    states.PKG_TASK_SOURCE_STATES['cancel'],
                    {'is_cancel_pending': True, 'cancel_cause': cause},
                    'Cancel')
    return get_vnf_snapshot_pkg(project_id, pkg_id)


@retry_on_outage()
def delete_vnf_snapshot_pkg(project_id, pkg_id):
    """Delete the row unless the package is busy (SOL005: only CREATED,
    ERROR or AVAILABLE packages may be deleted)."""
    M = models.VnfSnapshotPkg
    with _writer() as session:
        if session.execute(_scoped(sa.delete(M).where(
                M.id == pkg_id, M.state.in_(tuple(
                    states.PKG_TASK_SOURCE_STATES['delete']))), M,
                project_id)).rowcount == 1:
            return
        raise _pkg_conflict(session, project_id, pkg_id, 'Delete')


# --- LCM notification subscriptions and the event outbox ------------------

def _event(op_id, state, now):
    return models.OpOccEvent(op_occ_id=op_id, operation_state=state,
                             created_at=now, attempts=0,
                             next_attempt_at=now)


def subscription_key(project_id, callback_uri, subscription_filter):
    """What makes two subscriptions the same (SOL003 5.4.18.3.1: no
    duplicates): the project, the callback URI and the filter."""
    canonical = json.dumps([project_id, callback_uri,
                            subscription_filter or {}],
                           sort_keys=True, separators=(',', ':'))
    return hashlib.sha256(canonical.encode()).hexdigest()


@retry_on_outage(recheck=_created('get_subscription'))
def create_subscription(values):
    """Store a subscription unless its twin exists: then raise
    SubscriptionExists with the id of the one there is. The unique
    ``dedup_key`` decides, so of identical requests racing exactly one
    is stored."""
    key = subscription_key(values['project_id'], values['callback_uri'],
                           values.get('filter'))
    M = models.LccnSubscription
    for _attempt in range(3):
        try:
            return _create(M, dict(values, dedup_key=key))
        except db_exc.DBDuplicateEntry:
            with _reader() as session:
                existing = session.execute(sa.select(M.id).where(
                    M.dedup_key == key)).scalar_one_or_none()
            if existing is not None:
                raise exception.SubscriptionExists(id=existing)
            # Deleted between our insert and this read: insert again.
    raise exception.ConcurrentModification(id=values['id'])


@retry_on_outage(idempotent=True)
def find_subscription(project_id, callback_uri, subscription_filter):
    """The subscription the same request would make, or None."""
    M = models.LccnSubscription
    key = subscription_key(project_id, callback_uri, subscription_filter)
    with _reader() as session:
        return session.execute(sa.select(M).where(
            M.dedup_key == key)).scalar_one_or_none()


@retry_on_outage(idempotent=True)
def get_subscription(project_id, subscription_id):
    return _get(models.LccnSubscription, project_id, subscription_id,
                exception.SubscriptionNotFound)


@retry_on_outage(idempotent=True)
def list_subscriptions(project_id):
    return _list(models.LccnSubscription, project_id)


@retry_on_outage()
def delete_subscription(project_id, subscription_id):
    M = models.LccnSubscription
    with _writer() as session:
        done = session.execute(_scoped(sa.delete(M).where(
            M.id == subscription_id), M, project_id)).rowcount
    if done != 1:
        raise exception.SubscriptionNotFound(id=subscription_id)


@retry_on_outage()
def claim_op_occ_events(host, limit, stale_after):
    """Events due for delivery, claimed for ``host`` by compare-and-swap
    (one conductor per event; a claim older than ``stale_after`` seconds
    was left by a dead conductor)."""
    M = models.OpOccEvent
    now = timeutils.utcnow()
    stale = now - datetime.timedelta(seconds=stale_after)
    with _reader() as session:
        ids = list(session.execute(sa.select(M.id).where(
            M.next_attempt_at <= now,
            sa.or_(M.claimed_by.is_(None), M.claimed_at < stale)).order_by(
                M.id).limit(limit)).scalars())
    claimed = []
    for event_id in ids:
        with _writer() as session:
            done = session.execute(sa.update(M).where(
                M.id == event_id,
                sa.or_(M.claimed_by.is_(None), M.claimed_at < stale)).values(
                    claimed_by=host, claimed_at=now)).rowcount
        if done == 1:
            claimed.append(event_id)
    if not claimed:
        return []
    with _reader() as session:
        return list(session.execute(sa.select(M).where(
            M.id.in_(claimed)).order_by(M.id)).scalars())


@retry_on_outage(idempotent=True)
def finish_op_occ_event(event_id):
    with _writer() as session:
        session.execute(sa.delete(models.OpOccEvent).where(
            models.OpOccEvent.id == event_id))


@retry_on_outage(idempotent=True)
def retry_op_occ_event(event_id, pending, next_attempt_at):
    """Keep the subscriptions still to deliver to, for a later attempt."""
    M = models.OpOccEvent
    with _writer() as session:
        session.execute(sa.update(M).where(M.id == event_id).values(
            pending=pending, attempts=M.attempts + 1,
            next_attempt_at=next_attempt_at, claimed_by=None,
            claimed_at=None))


# --- conductors (liveness) -------------------------------------------------

@retry_on_outage(idempotent=True)
def register_conductor(hostname, version=None, rpc_api_version=None):
    """Record a conductor (re)starting: online, with a fresh heartbeat.

    A hostname seen before keeps its row; its new start replaces the old
    one (what the previous run held is settled by that conductor's own
    init_host, or taken over by another if it never comes back).
    """
    M = models.Conductor
    now = timeutils.utcnow()
    values = {'started_at': now, 'heartbeat_at': now, 'online': True,
              'version': version, 'rpc_api_version': rpc_api_version}
    with _writer() as session:
        done = session.execute(sa.update(M).where(
            M.hostname == hostname).values(**values)).rowcount
        if done != 1:
            session.add(M(hostname=hostname, **values))
    return get_conductor(hostname)


@retry_on_outage(idempotent=True)
def touch_conductor(hostname):
    """The heartbeat. Raises ConductorNotFound when the row is gone (an
    operator deleted it): the caller registers again."""
    M = models.Conductor
    with _writer() as session:
        done = session.execute(sa.update(M).where(
            M.hostname == hostname).values(
                heartbeat_at=timeutils.utcnow(), online=True)).rowcount
    if done != 1:
        raise exception.ConductorNotFound(hostname=hostname)


def unregister_conductor(hostname):
    """A clean stop: offline at once, without waiting for the timeout.
    Not retried during a database outage: a stopping conductor does not
    wait for it (the others see it offline after the heartbeat timeout
    anyway)."""
    M = models.Conductor
    with _writer() as session:
        session.execute(sa.update(M).where(M.hostname == hostname).values(
            online=False))


def _heartbeat_horizon():
    return timeutils.utcnow() - datetime.timedelta(
        seconds=CONF.conductor.heartbeat_timeout)


def _conductor_view(row, horizon):
    """The row as a dict, with ``alive`` and the work it holds."""
    view = row.as_dict()
    view['alive'] = bool(row.online) and row.heartbeat_at >= horizon
    view['lcm_op_occ_ids'] = [op.id for op in list_op_occs(
        None, states_in=states.ACTIVE_STATES, host=row.hostname)]
    view['vnf_snapshot_pkg_ids'] = [pkg.id for pkg in list_vnf_snapshot_pkgs(
        None, states_in=states.PKG_ACTIVE_STATES, host=row.hostname)]
    return view


@retry_on_outage(idempotent=True)
def list_conductors():
    """Every conductor known, by hostname, each as _conductor_view."""
    M = models.Conductor
    horizon = _heartbeat_horizon()
    with _reader() as session:
        rows = list(session.execute(sa.select(M).order_by(
            M.hostname)).scalars())
    return [_conductor_view(row, horizon) for row in rows]


@retry_on_outage(idempotent=True)
def get_conductor(hostname):
    """One conductor as _conductor_view, or ConductorNotFound."""
    M = models.Conductor
    with _reader() as session:
        row = session.execute(sa.select(M).where(
            M.hostname == hostname)).scalar_one_or_none()
    if row is None:
        raise exception.ConductorNotFound(hostname=hostname)
    return _conductor_view(row, _heartbeat_horizon())


@retry_on_outage(idempotent=True)
def offline_conductors():
    """Hostnames of the registered conductors that stopped cleanly or
    missed their heartbeats for ``[conductor]heartbeat_timeout``. A host
    with no row (a conductor of a release without heartbeats, during a
    rolling upgrade) is never offline: nobody takes over its work."""
    M = models.Conductor
    offline = sa.or_(M.online.is_(False),
                     M.heartbeat_at < _heartbeat_horizon())
    with _reader() as session:
        return list(session.execute(sa.select(M.hostname).where(
            offline).order_by(M.hostname)).scalars())


# --- secrets at rest ------------------------------------------------------

def encrypted_columns():
    """(table, column, Encrypted type) of every column holding secrets."""
    return [(table.name, column.name, column.type)
            for table in models.Base.metadata.sorted_tables
            for column in table.columns
            if isinstance(column.type, types.Encrypted)]


@retry_on_outage()
def renew_secrets(keys, batch=100):
    """Seal every stored secret with the primary key of ``keys`` (a
    crypto.Keyring): ``{(table, column): types.Renewal}``.

    Each batch of rows is its own transaction and each row is rewritten
    only if nothing changed it meanwhile, so the services may keep
    running and an interrupted run is simply run again.
    """
    report = {}
    for table, column, col_type in encrypted_columns():
        renewal = types.Renewal()
        while True:
            seen = renewal.rows
            with get_engine().begin() as conn:
                types.renew_rows(conn, table, column, col_type.secrets,
                                 keys, after=renewal.last_id, limit=batch,
                                 renewal=renewal)
            if renewal.rows - seen < batch:
                break
        report[(table, column)] = renewal
    return report


# --- log records of operation occurrences (root-cause packages) -----------

@retry_on_outage()
def add_op_log_records(records, keep, head):
    """Store log records (dicts of models.OpLogRecord columns) and trim
    each occurrence they are of to its first ``head`` and latest
    ``keep - head`` records; returns how many were dropped."""
    M = models.OpLogRecord
    dropped = 0
    with _writer() as session:
        session.add_all([M(**r) for r in records])
        session.flush()
        for op_id in {r['op_occ_id'] for r in records}:
            ids = list(session.execute(sa.select(M.id).where(
                M.op_occ_id == op_id).order_by(M.id)).scalars())
            if len(ids) <= keep:
                continue
            middle = ids[head:len(ids) - (keep - head)]
            session.execute(sa.delete(M).where(M.id.in_(middle)))
            dropped += len(middle)
    return dropped


@retry_on_outage(idempotent=True)
def list_op_log_records(vnf_instance_id, op_occ_ids=None):
    """The kept log records of a VNF instance's occurrences, oldest
    first."""
    M = models.OpLogRecord
    query = sa.select(M).where(M.vnf_instance_id == vnf_instance_id)
    if op_occ_ids is not None:
        query = query.where(M.op_occ_id.in_(list(op_occ_ids)))
    with _reader() as session:
        return list(session.execute(query.order_by(M.id)).scalars())


@retry_on_outage(idempotent=True)
def purge_op_log_records(older_than):
    """Delete the log records made before ``older_than``; returns how
    many."""
    M = models.OpLogRecord
    with _writer() as session:
        return session.execute(sa.delete(M).where(
            M.created_at < older_than)).rowcount
