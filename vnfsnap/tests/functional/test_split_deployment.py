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

"""vnfsnap-api and vnfsnap-conductor as separate processes over RabbitMQ.

The conductor runs the test-only in-memory VIM driver
(fixtures/rpc_conductor.py); everything else is real: RabbitMQ, PostgreSQL,
the console scripts, HTTP.
"""

import signal
import sys
import time

import sqlalchemy as sa

from vnfsnap.db import models
from vnfsnap.tests.functional import base

GUESTS = ('vm-a', 'vm-b', 'vm-c')


class TestSplitDeployment(base.FunctionalTestCase):

    def setUp(self):
        super().setUp()
        self.api_proc = self.start_split_api()

    def start_conductor(self, delay='', conf=None):
        return self.start(
            [sys.executable, '-m', 'vnfsnap.tests.fixtures.rpc_conductor',
             'conductor', '--config-file', conf or self.conf],
            env={'VNFSNAP_FAKE_GUESTS': ','.join(GUESTS),
                 'VNFSNAP_FAKE_DELAY': delay},
            name='vnfsnap-conductor')

    def wait_for_step(self, name, timeout=120):
        """Wait until the persisted flow records step ``name`` RUNNING
        (the conductor is in it)."""
        atoms = models.TASKFLOW.atomdetails
        engine = sa.create_engine(self.db.url)
        self.addCleanup(engine.dispose)
        deadline = time.monotonic() + timeout
        while True:
            with engine.connect() as conn:
                if conn.execute(sa.select(atoms.c.name).where(
                        atoms.c.name == name,
                        atoms.c.state == 'RUNNING')).first():
                    return
            self.assertLess(time.monotonic(), deadline,
                            'step %s never ran' % name)
            time.sleep(0.2)

    def _register_and_snapshot(self):
        inst = self.api.post('/vnflcm/v2/vnf_instances',
                             json=base.registration(GUESTS))
        self.assertEqual(201, inst.status_code, inst.text)
        info = self.api.post('/vnflcm/v2/vnf_snapshots', json={})
        self.assertEqual(201, info.status_code, info.text)
        task = self.api.post(
            '/vnflcm/v2/vnf_instances/%s/create_snapshot'
            % inst.json()['id'],
            json={'vnfSnapshotInfoId': info.json()['id'],
                  'additionalParams': {'withMemory': True}})
        self.assertEqual(202, task.status_code, task.text)
        self.assertEqual(b'', task.content)
        return inst.json(), info.json(), task.headers['Location']

    def test_create_revert_delete_over_rabbitmq(self):
        self.start_conductor()
        inst, info, op_url = self._register_and_snapshot()
        op = self.api.wait_for_op(op_url)
        self.assertEqual('COMPLETED', op['operationState'], op)
        self.assertEqual('CREATE_SNAPSHOT', op['operation'])
        self.assertEqual(info['id'], op['vnfSnapshotInfoId'])

        snap = self.api.get('/vnflcm/v2/vnf_snapshots/%s' % info['id'])
        body = self.api.get('/vnflcm/v2/vnf_snapshots?all_fields&filter='
                            '(eq,vnfSnapshot/vnfInstanceId,%s)'
                            % inst['id']).json()
        self.assertEqual([info['id']], [b['id'] for b in body])
        vnfcs = body[0]['vnfSnapshot']['vnfcSnapshots']
        self.assertEqual(sorted('vnfc-%s' % g for g in GUESTS),
                         sorted(v['vnfcInstanceId'] for v in vnfcs))
        self.assertEqual(200, snap.status_code)

        revert = self.api.post(
            '/vnflcm/v2/vnf_instances/%s/revert_to_snapshot' % inst['id'],
            json={'vnfSnapshotInfoId': info['id']})
        self.assertEqual(202, revert.status_code, revert.text)
        op = self.api.wait_for_op(revert.headers['Location'])
        self.assertEqual('COMPLETED', op['operationState'], op)

        # MODIFY_INFO goes to the conductor by the same cast.
        modify = self.api.request(
            'PATCH', '/vnflcm/v2/vnf_instances/%s' % inst['id'],
            json={'metadata': {'tier': 'gold'}},
            headers={'Content-Type': 'application/merge-patch+json'})
        self.assertEqual(202, modify.status_code, modify.text)
        op = self.api.wait_for_op(modify.headers['Location'])
        self.assertEqual(('COMPLETED', {'metadata': {'tier': 'gold'}}),
                         (op['operationState'], op.get('changedInfo')), op)

        # DELETE is a synchronous RPC call to the conductor.
        gone = self.api.delete('/vnflcm/v2/vnf_snapshots/%s' % info['id'])
        self.assertEqual(204, gone.status_code, gone.text)
        self.assertEqual(404, self.api.get('/vnflcm/v2/vnf_snapshots/%s'
                                           % info['id']).status_code)

    def test_second_operation_on_same_vnf_is_refused(self):
        self.start_conductor(delay='create:vm-a:5')
        inst, info, op_url = self._register_and_snapshot()
        other = self.api.post('/vnflcm/v2/vnf_snapshots', json={}).json()
        busy = self.api.post(
            '/vnflcm/v2/vnf_instances/%s/create_snapshot' % inst['id'],
            json={'vnfSnapshotInfoId': other['id']})
        self.assertEqual(409, busy.status_code, busy.text)
        self.assertEqual('application/problem+json',
                         busy.headers['Content-Type'])
        ops = self.api.get('/vnflcm/v2/vnf_lcm_op_occs').json()
        self.assertEqual(1, len(ops))
        self.assertEqual('COMPLETED',
                         self.api.wait_for_op(op_url)['operationState'])

    def test_conductor_killed_mid_operation_is_recovered(self):
        conductor = self.start_conductor(delay='create:vm-b:60')
        inst, info, op_url = self._register_and_snapshot()
        self.wait_for_step('capture')
        conductor.stop_signal = signal.SIGKILL
        conductor.stop()
        self.start_conductor()
        # Resumed from its persisted steps: killed while a VNFC snapshot
        # was taken (in the one step that freezes, snapshots and thaws
        # the VNFCs), the create is rolled back.
        op = self.api.wait_for_op(op_url, timeout=120)
        self.assertEqual('ROLLED_BACK', op['operationState'], op)
        self.assertIn('running this operation, stopped at step capture',
                      op['error']['detail'])
        self.assertIn('rolled back automatically', op['error']['detail'])

    def conductor_conf(self, host, **conductor):
        """A configuration like the API's, for conductor ``host``."""
        return base.write_config('%s/%s.conf' % (self.tmp, host), {
            'DEFAULT': {'rpc_transport': 'oslo',
                        'transport_url': self.rabbit.transport_url,
                        'state_path': self.tmp, 'host': host},
            'database': {'connection': self.db.url},
            'conductor': conductor,
        })

    def test_killed_conductor_is_taken_over_by_a_live_one(self):
        liveness = {'heartbeat_interval': 1, 'heartbeat_timeout': 5,
                    'sweep_interval': 2}
        first = self.start_conductor(
            delay='create:vm-b:120',
            conf=self.conductor_conf('conductor-a', **liveness))
        inst, info, op_url = self._register_and_snapshot()
        self.wait_for_step('capture')
        # Started only now, so the occurrence is conductor-a's.
        self.start_conductor(conf=self.conductor_conf('conductor-b',
                                                      **liveness))
        first.stop_signal = signal.SIGKILL
        first.stop()
        killed = time.monotonic()
        op = self.api.wait_for_op(op_url)
        taken_after = time.monotonic() - killed
        self.assertEqual('ROLLED_BACK', op['operationState'], op)
        self.assertIn('conductor conductor-a, running this operation, went '
                      'offline (no heartbeat for 5 s) and conductor '
                      'conductor-b took it over at step capture',
                      op['error']['detail'])
        self.assertIn('rolled back automatically', op['error']['detail'])
        # heartbeat_timeout + sweep_interval, and a margin for a loaded
        # machine (the poll of wait_for_op included).
        self.assertLess(taken_after, 5 + 2 + 30)
