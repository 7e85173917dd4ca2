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

"""Reads and writes wait out a short database outage; a write whose
commit may have landed is repeated only when that is safe."""

import sqlite3
import threading
from unittest import mock

from oslo_db import exception as db_exc
from oslo_utils import uuidutils
import sqlalchemy as sa
from taskflow import exceptions as taskflow_exc

from vnfsnap.common import exception
from vnfsnap.common import states
from vnfsnap.conductor.flows import persistence
from vnfsnap.db import api as db_api
from vnfsnap.db import models
from vnfsnap.tests import base
from vnfsnap.tests.fixtures import database as db_utils
from vnfsnap.tests.fixtures import db_outage
from vnfsnap.tests.fixtures import fake_vnf


class TestOutage(base.TestCase):

    def setUp(self):
        super().setUp()
        self.conf.config(outage_timeout=60, group='database')
        # The pauses between tries, recorded instead of slept.
        self.sleep = self.useFixture(
            db_outage.fixtures.MockPatchObject(db_api.time, 'sleep')).mock
        inst = fake_vnf.register_vnf(1)
        info = db_utils.make_info(project=inst.project_id)
        self.op = db_utils.make_op(inst.id, info.id,
                                   project=inst.project_id)

    def away(self, failures, at_commit=False):
        return self.useFixture(db_outage.DatabaseAway(failures, at_commit))

    def test_write_waits_out_the_outage(self):
        away = self.away(3)
        got = db_api.transition_op_occ(self.op.id, (states.STARTING,),
                                       states.PROCESSING, host='c1')
        self.assertEqual((states.PROCESSING, 'c1'),
                         (got.operation_state, got.host))
        self.assertEqual(4, away.writes)
        # Growing pauses: 0.5, 1, 2 s.
        self.assertEqual([0.5, 1.0, 2.0],
                         [c.args[0] for c in self.sleep.call_args_list
                          if c.args[0]])

    def test_read_waits_out_the_outage(self):
        away = self.away(2)
        self.assertEqual(self.op.id, db_api.get_op_occ(None,
                                                       self.op.id).id)
        self.assertEqual(3, away.reads)

    def test_gives_up_after_outage_timeout(self):
        self.conf.config(outage_timeout=0, group='database')
        self.away(1)
        self.assertRaises(db_exc.DBConnectionError, db_api.update_op_occ,
                          self.op.id, error=None)

    def test_transition_that_committed_is_not_refused(self):
        """The claim landed but its commit's answer was lost: trying it
        again would find the occurrence claimed (InvalidOpOccState); the
        recheck sees it is this claim."""
        away = self.away(1, at_commit=True)
        got = db_api.transition_op_occ(self.op.id, (states.STARTING,),
                                       states.PROCESSING, host='c1',
                                       expect_host=None)
        self.assertEqual((states.PROCESSING, 'c1'),
                         (got.operation_state, got.host))
        self.assertEqual(1, away.writes)
        events = [e.operation_state
                  for e in db_api._list(models.OpOccEvent, None)
                  if e.op_occ_id == self.op.id]
        self.assertEqual(1, events.count(states.PROCESSING))

    def test_transition_that_did_not_land_runs_again(self):
        away = self.away(1)
        db_api.transition_op_occ(self.op.id, (states.STARTING,),
                                 states.PROCESSING, host='c1',
                                 expect_host=None)
        self.assertEqual(2, away.writes)

    def test_read_after_a_committed_transition_does_not_repeat_it(self):
        """The transition committed, the read of the result met the
        outage: running the transition again would be refused."""
        real = db_api.get_op_occ.__wrapped__
        reads = []

        def get_op_occ(project_id, op_id):
            reads.append(op_id)
            if len(reads) == 1:
                raise db_exc.DBConnectionError('away (test)')
            return real(project_id, op_id)

        with mock.patch.object(db_api, 'get_op_occ', get_op_occ):
            got = db_api.transition_op_occ(
                self.op.id, (states.STARTING,), states.PROCESSING,
                host='c1', expect_host=None)
        self.assertEqual((states.PROCESSING, 'c1'),
                         (got.operation_state, got.host))

    def test_create_that_committed_returns_the_row(self):
        self.away(1, at_commit=True)
        pkg_id = uuidutils.generate_uuid()
        got = db_api.create_vnf_snapshot_pkg({
            'id': pkg_id, 'project_id': db_utils.PROJECT, 'name': 'pkg',
            'state': states.PKG_CREATED})
        self.assertEqual(pkg_id, got.id)

    def test_write_unsafe_to_repeat_is_not_repeated(self):
        """request_cancel may have landed: it is not run again."""
        away = self.away(1, at_commit=True)
        self.assertRaises(db_exc.DBConnectionError, db_api.request_cancel,
                          None, self.op.id, 'GRACEFUL')
        self.assertEqual(1, away.writes)

    def test_other_errors_are_not_retried(self):
        away = self.away(0)
        self.assertRaises(exception.VnfLcmOpOccNotFound,
                          db_api.transition_op_occ,
                          uuidutils.generate_uuid(), (states.STARTING,),
                          states.PROCESSING)
        self.assertEqual(1, away.writes)

    def test_taskflow_persistence_waits_out_the_outage(self):
        """Taskflow wraps the database's error in StorageFailure."""
        calls = []

        def update_atom_details(detail):
            calls.append(detail)
            if len(calls) < 3:
                try:
                    raise db_exc.DBConnectionError('away (test)')
                except db_exc.DBConnectionError as e:
                    raise taskflow_exc.StorageFailure('cannot save') from e
            return detail

        conn = persistence._Connection(mock.Mock(
            update_atom_details=update_atom_details))
        self.assertEqual('atom', conn.update_atom_details('atom'))
        self.assertEqual(3, len(calls))

    def test_backend_connections_retry(self):
        self.assertIsInstance(persistence.backend().get_connection(),
                              persistence._Connection)

    def test_taskflow_first_connection_waits_out_the_outage(self):
        """Taskflow checks the database when it hands out its first
        connection."""
        real = persistence.impl_sqlalchemy.SQLAlchemyBackend.get_connection
        calls = []

        def get_connection(backend):
            calls.append(backend)
            if len(calls) < 2:
                raise sa.exc.OperationalError(
                    'SELECT 1', {}, Exception('the database system is '
                                              'shutting down'))
            return real(backend)

        with mock.patch.object(persistence.impl_sqlalchemy.SQLAlchemyBackend,
                               'get_connection', get_connection):
            conn = persistence.backend().get_connection()
        self.assertIsInstance(conn, persistence._Connection)
        self.assertEqual(2, len(calls))


class TestSqliteWriteLock(base.TestCase):
    """Parallel writers of the SQLite file wait for one another instead of
    failing at once with "database is locked" (then sleeping a retry)."""

    def test_parallel_read_then_write_transactions_wait(self):
        self.sleep = self.useFixture(
            db_outage.fixtures.MockPatchObject(db_api.time, 'sleep')).mock
        inst = fake_vnf.register_vnf(1)
        op = db_utils.make_op(inst.id, db_utils.make_info().id)
        start = threading.Barrier(8)
        errors = []

        def record(n):
            start.wait()
            try:
                for i in range(5):
                    # Reads the row and counts the others, then writes.
                    db_api.record_op_guard(op.id, 'vnfc-%d' % n, {
                        'kind': 'freeze', 'resourceId': str(i)})
            except Exception as e:
                errors.append(e)

        threads = [threading.Thread(target=record, args=(n,))
                   for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual([], errors)
        # No retry's pause (time.sleep is patched everywhere; others
        # yield with sleep(0)).
        self.assertEqual([], [c for c in self.sleep.call_args_list
                              if c.args[0]])
        with db_api.get_engine().connect() as conn:
            positions = conn.execute(sa.select(models.OpGuard.position).where(
                models.OpGuard.op_occ_id == op.id)).scalars().all()
        self.assertEqual(list(range(40)), sorted(positions))

    def test_readers_do_not_take_the_write_lock(self):
        statements = []

        @sa.event.listens_for(db_api.get_engine(), 'before_cursor_execute')
        def seen(conn, cursor, statement, *args):
            if statement.startswith('BEGIN'):
                statements.append(statement)

        self.addCleanup(sa.event.remove, db_api.get_engine(),
                        'before_cursor_execute', seen)
        inst = fake_vnf.register_vnf(1)
        del statements[:]
        db_api.get_vnf_instance(None, inst.id)
        self.assertEqual(['BEGIN'], statements)
        db_api.update_vnf_instance(inst.id, {'vnf_instance_name': 'x'})
        self.assertEqual(['BEGIN', 'BEGIN IMMEDIATE'], statements)


class TestOutageErrors(base.TestCase):

    def test_driver_errors_of_a_lost_server(self):
        refused = sa.exc.OperationalError(
            'SELECT 1', {}, Exception('connection to server at "127.0.0.1", '
                                      'port 5432 failed: Connection refused'))
        self.assertIs(refused, db_api.outage_error(refused))
        wrapped = db_exc.DBError(refused)
        self.assertIs(refused, db_api.outage_error(wrapped))

    def test_sqlite_statement_errors_are_not_an_outage(self):
        error = sa.exc.OperationalError(
            'SELECT 1', {}, sqlite3.OperationalError('no such table: x'))
        self.assertIsNone(db_api.outage_error(error))
        locked = sa.exc.OperationalError(
            'SELECT 1', {}, sqlite3.OperationalError('database is locked'))
        self.assertIs(locked, db_api.outage_error(locked))
