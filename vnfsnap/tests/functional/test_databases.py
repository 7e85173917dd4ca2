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

"""Migrations and the API on real PostgreSQL and MariaDB servers."""

import subprocess

from alembic import autogenerate
from alembic import migration as alembic_migration
import testscenarios

from vnfsnap.common import states
from vnfsnap.db import api as db_api
from vnfsnap.db import migration
from vnfsnap.db import models
from vnfsnap.tests import base as unit_base
from vnfsnap.tests.fixtures import callbacks
from vnfsnap.tests.fixtures import collection_rows
from vnfsnap.tests.fixtures import fake_vim
from vnfsnap.tests.fixtures import fake_vnf
from vnfsnap.tests.fixtures import services
from vnfsnap.tests.functional import base

load_tests = testscenarios.load_tests_apply_scenarios


class RealDatabaseTestCase(unit_base.ApiTestCase):
    """The in-process API and conductor, on a real database server
    (``server``, a fixture class of services)."""

    server = None

    def _migrate_real(self):
        """Start the server and migrate it with the console scripts; the
        in-process API and conductor then use it."""
        self.db = self.useFixture(self.server())
        self.conf.config(connection=self.db.url, group='database')
        db_api.reset()
        conf = base.write_config(self.state_path + '/real.conf', {
            'database': {'connection': self.db.url}})
        manage = [base.command('vnfsnap-manage'), '--config-file', conf,
                  'db']
        self.assertEqual('None (empty database)', subprocess.run(
            manage + ['version'], check=True, capture_output=True,
            text=True).stdout.strip().splitlines()[-1])
        out = subprocess.run(manage + ['sync'], check=True,
                             capture_output=True, text=True).stdout
        self.assertIn('at revision %s' % migration.head(), out)
        self.assertNotIn(self.db.password, out)
        status = subprocess.run([base.command('vnfsnap-status'),
                                 '--config-file', conf, 'upgrade', 'check'],
                                capture_output=True, text=True)
        self.assertEqual(0, status.returncode, status.stdout)


class TestRealDatabase(testscenarios.WithScenarios, RealDatabaseTestCase):

    scenarios = [
        ('postgresql', {'server': services.PostgreSQLServer}),
        ('mariadb', {'server': services.MariaDBServer}),
    ]

    def test_migrations_and_api(self):
        self._migrate_real()
        with db_api.get_engine().connect() as conn:
            diff = autogenerate.compare_metadata(
                alembic_migration.MigrationContext.configure(conn),
                models.Base.metadata)
        self.assertEqual([], diff)

        inst = self.register_vnf(n_vnfcs=2)
        info_id, op = self.take_snapshot(inst['id'], withMemory=True)
        self.assertEqual(states.COMPLETED, op.operation_state, op.error)
        resp = self.get('/vnflcm/v2/vnf_snapshots?all_fields&filter='
                        '(eq,vnfSnapshot/vnfInstanceId,%s)' % inst['id'])
        self.assertEqual([info_id], [s['id'] for s in resp.json])
        self.assertEqual(2, len(resp.json[0]['vnfSnapshot']['vnfcSnapshots']))

        # One operation at a time per VNF instance, on this server too.
        fake_vim.FakeVim.delay[('revert', 'vm-0')] = 2
        resp = self.post('/vnflcm/v2/vnf_instances/%s/revert_to_snapshot'
                         % inst['id'], {'vnfSnapshotInfoId': info_id})
        op_id = self.op_id_from(resp)
        busy = self.post('/vnflcm/v2/vnf_instances/%s/revert_to_snapshot'
                         % inst['id'], {'vnfSnapshotInfoId': info_id})
        self.assertProblem(busy, 409)
        self.assertEqual(states.COMPLETED,
                         self.wait_for_op(op_id).operation_state)
        self.assertEqual(2, len(self.get('/vnflcm/v2/vnf_lcm_op_occs').json))

        resp = self.request('DELETE', '/vnflcm/v2/vnf_snapshots/%s'
                            % info_id)
        self.assertEqual(204, resp.status, resp.body)

    def test_collections_in_sql(self):
        """Filters and keyset paging in SQL on this server give what the
        filter in Python gives (issue 17): on MariaDB too, whose string
        comparisons ignore case: an id in upper case and a state in lower
        case, which filters in the other case must not match."""
        self._migrate_real()
        collection_rows.make_rows()
        collection_rows.make_op(20, id='OP-20', operation_state='processing')
        self.conf.config(max_page_size=2, group='api')
        ops = models.VnfLcmOpOcc
        for model, collection, expr in (
                (ops, 'vnf_lcm_op_occs', None),
                (ops, 'vnf_lcm_op_occs', '(eq,id,op-03)'),
                (ops, 'vnf_lcm_op_occs', '(eq,id,op-20)'),
                (ops, 'vnf_lcm_op_occs', '(neq,id,op-20)'),
                (ops, 'vnf_lcm_op_occs', '(in,id,op-20,OP-03)'),
                (ops, 'vnf_lcm_op_occs', '(eq,operationState,PROCESSING)'),
                (ops, 'vnf_lcm_op_occs',
                 '(nin,operationState,PROCESSING,COMPLETED)'),
                (ops, 'vnf_lcm_op_occs', '(cont,id,P-)'),
                (ops, 'vnf_lcm_op_occs', '(ncont,id,p-0);(cont,id,_)'),
                (ops, 'vnf_lcm_op_occs', '(cont,operation,_SNAP)'),
                (ops, 'vnf_lcm_op_occs',
                 '(gt,stateEnteredTime,2026-03-01T12:00:04.5Z);'
                 '(lte,startTime,2026-03-01T13:00:04+01:00)'),
                (ops, 'vnf_lcm_op_occs',
                 '(in,stateEnteredTime,2026-03-01T12:00:05Z,'
                 '2026-03-01T12:00:06Z)'),
                (ops, 'vnf_lcm_op_occs', '(neq,vnfSnapshotInfoId,info-4)'),
                (models.VnfSnapshotInfo, 'vnf_snapshots',
                 '(neq,vnfSnapshot/vnfInstanceId,vnf-1)'),
                (models.VnfSnapshotInfo, 'vnf_snapshots',
                 '(cont,vnfSnapshot/vnfcSnapshots/id,-1);'
                 '(nin,vnfSnapshotPkgId,pkg-0)')):
            with self.subTest(collection=collection, expr=expr):
                self.assertEqual(
                    collection_rows.python_ids(model, expr),
                    collection_rows.walk(self, collection, expr, 2)[0])

    def test_concurrent_identical_subscriptions(self):
        """Identical POST /subscriptions racing on this server: exactly one
        is stored (its unique key decides), the others get 303 to it."""
        self._migrate_real()
        callbacks.race_identical_subscriptions(self, {
            'filter': {'operationStates': ['COMPLETED', 'FAILED_TEMP']}})

    def test_modify_info(self):
        """PATCH of a VNF instance (MODIFY_INFO) on this server: the
        instance and the occurrence's changedInfo written together, the
        secrets kept only until the end."""
        self._migrate_real()
        inst = self.register_vnf(n_vnfcs=1)
        url = '/vnflcm/v2/vnf_instances/%s' % inst['id']
        resp = self.request('PATCH', url, body={
            'metadata': {'tier': 'gold'}, 'vnfInstanceName': None,
            'vimConnectionInfo': {'vim1': {'accessInfo': {'password': 'p'}}}},
            content_type='application/merge-patch+json')
        op = self.wait_for_op(self.op_id_from(resp))
        self.assertEqual(states.COMPLETED, op.operation_state, op.error)
        self.assertEqual({'tier': 'gold'}, op.changed_info['metadata'])
        self.assertIsNone(op.private_params)
        got = self.get(url).json
        self.assertEqual({'tier': 'gold'}, got['metadata'])
        self.assertNotIn('vnfInstanceName', got)
        self.assertEqual({'password': 'p'}, db_api.get_vnf_instance(
            None, inst['id']).vim_connection_info['vim1']['accessInfo'])


class TestMariaDBCharacterSet(RealDatabaseTestCase):

    server = services.MariaDBServer

    def test_value_the_database_cannot_store(self):
        """Through a connection in MySQL's 3-byte "utf8" (DevStack's
        database_connection_url gives one), 4-byte characters cannot be
        stored: a clear 400 and nothing stored, never a 500. Filters on
        such a value just find nothing."""
        self._migrate_real()
        db_api.reset()
        self.conf.config(connection=self.db.url.replace(
            'charset=utf8mb4', 'charset=utf8'), group='database')
        inst = self.register_vnf(n_vnfcs=1)
        body = {
            'vnfdId': 'vnfd-1', 'vnfInstanceName': 'fw-\U0001f525',
            'vnfProvider': 'acme', 'vnfProductName': 'fw',
            'vnfSoftwareVersion': '1.0', 'vnfdVersion': '1.0',
            'vimConnectionInfo': {'vim1': {'vimId': 'local',
                                           'vimType': fake_vim.VIM_TYPE}},
            'instantiatedVnfInfo': fake_vnf.instantiated_vnf_info(1, 'x')}
        resp = self.post('/vnflcm/v2/vnf_instances', body)
        self.assertProblem(resp, 400)
        self.assertIn('cannot store', resp.json['detail'])
        self.assertEqual([inst['id']], [
            i['id'] for i in self.get('/vnflcm/v2/vnf_instances').json])
        resp = self.get('/vnflcm/v2/vnf_instances?filter=(eq,'
                        'vnfInstanceName,fw-%F0%9F%94%A5)')
        self.assertEqual(200, resp.status, resp.body)
        self.assertEqual([], resp.json)
