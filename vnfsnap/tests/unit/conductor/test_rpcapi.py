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

"""The conductor RPC client: in-process mode and oslo.messaging."""

import time
from unittest import mock

import oslo_messaging as messaging

from vnfsnap.common import context
from vnfsnap.common import exception
from vnfsnap.common import rpc
from vnfsnap.common import states
from vnfsnap.conductor import rpcapi
from vnfsnap.conductor import service as conductor_service
from vnfsnap.db import api as db_api
from vnfsnap.tests import base
from vnfsnap.tests.fixtures import database as db_utils
from vnfsnap.tests.fixtures import fake_vim
from vnfsnap.tests.fixtures import fake_vnf


class RpcTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        self.ctx = context.RequestContext(project_id=db_utils.PROJECT,
                                          user_id='u', overwrite=False)
        self.addCleanup(rpc.set_local_manager, None)
        self.addCleanup(rpc.cleanup)

    def wait(self, op_id, timeout=20):
        deadline = time.monotonic() + timeout
        while True:
            op = db_api.get_op_occ(None, op_id)
            if op.operation_state in states.FINAL_STATES | {
                    states.FAILED_TEMP}:
                return op
            if time.monotonic() > deadline:
                self.fail('op %s stuck in %s' % (op_id, op.operation_state))
            time.sleep(0.01)

    def snapshot_op(self):
        inst = fake_vnf.register_vnf(2)
        info = db_utils.make_info()
        return db_utils.make_op(inst.id, info.id)


class TestNoConductor(RpcTestCase):

    def test_unavailable(self):
        self.assertFalse(rpc.messaging_enabled())
        api = rpcapi.ConductorAPI()
        e = self.assertRaises(exception.ConductorUnavailable,
                              api.run_lcm_op_occ, self.ctx, 'x')
        self.assertEqual(503, e.code)
        self.assertIn('transport_url', e.message)
        self.assertRaises(exception.ConductorUnavailable,
                          api.delete_vnf_snapshot, self.ctx, 'x')


class TestLocalManager(RpcTestCase):

    def test_reaches_registered_manager(self):
        manager = mock.Mock()
        rpc.set_local_manager(manager)
        api = rpcapi.ConductorAPI()
        api.run_lcm_op_occ(self.ctx, 'op-1')
        manager.run_lcm_op_occ.assert_called_once_with(self.ctx,
                                                       op_id='op-1')
        api.delete_vnf_snapshot(self.ctx, 'info-1')
        manager.delete_vnf_snapshot.assert_called_once_with(
            self.ctx, vnf_snapshot_info_id='info-1')

    def test_in_process_service(self):
        svc = conductor_service.ConductorService(host='local')
        svc.start()
        self.addCleanup(svc.stop)
        self.assertIs(svc.manager, rpc.get_local_manager())
        api = rpcapi.ConductorAPI()
        op = self.snapshot_op()
        api.run_lcm_op_occ(self.ctx, op.id)
        self.assertEqual(states.COMPLETED, self.wait(op.id).operation_state)

    def test_expected_exception_unwrapped(self):
        svc = conductor_service.ConductorService(host='local')
        svc.start()
        self.addCleanup(svc.stop)
        api = rpcapi.ConductorAPI()
        op = self.snapshot_op()
        e = self.assertRaises(exception.VnfSnapshotInUse,
                              api.delete_vnf_snapshot, self.ctx,
                              op.vnf_snapshot_info_id)
        self.assertIn(op.id, e.message)
        self.assertRaises(exception.VnfSnapshotInfoNotFound,
                          api.delete_vnf_snapshot, self.ctx, 'nope')

    def test_stop_unregisters(self):
        svc = conductor_service.ConductorService(host='local')
        svc.start()
        svc.stop()
        self.assertIsNone(rpc.get_local_manager())


class TestFakeTransport(RpcTestCase):
    """A real RPC server and client over oslo.messaging's fake driver."""

    def setUp(self):
        super().setUp()
        self.conf.config(transport_url='fake:/')
        self.service = conductor_service.ConductorService(host='rpc-host')
        self.service.start()
        self.addCleanup(self.service.stop)
        self.api = rpcapi.ConductorAPI()

    def test_no_local_manager(self):
        self.assertIsNone(rpc.get_local_manager())
        self.assertIs(rpc.get_transport(), rpc.get_transport())

    def test_cast_runs_op(self):
        op = self.snapshot_op()
        self.api.run_lcm_op_occ(self.ctx, op.id)
        got = self.wait(op.id)
        self.assertEqual(states.COMPLETED, got.operation_state, got.error)
        self.assertEqual('rpc-host', got.host)

    def test_call_deletes(self):
        op = self.snapshot_op()
        self.api.run_lcm_op_occ(self.ctx, op.id)
        self.assertEqual(states.COMPLETED, self.wait(op.id).operation_state)
        self.assertIsNone(self.api.delete_vnf_snapshot(
            self.ctx, op.vnf_snapshot_info_id))
        self.assertRaises(exception.VnfSnapshotInfoNotFound,
                          db_api.get_vnf_snapshot_info, None,
                          op.vnf_snapshot_info_id)
        self.assertEqual({}, fake_vim.FakeVim.snapshots)

    def test_exception_passthrough(self):
        op = self.snapshot_op()   # reserves its snapshot, not run
        e = self.assertRaises(exception.VnfSnapshotInUse,
                              self.api.delete_vnf_snapshot, self.ctx,
                              op.vnf_snapshot_info_id)
        self.assertEqual(409, e.code)
        self.assertIn(op.id, e.message)
        self.assertEqual({'id': op.vnf_snapshot_info_id, 'op_id': op.id},
                         e.kwargs)

    def test_context_crosses(self):
        # The project travels with the call: another project's snapshot is
        # not found, and stays.
        info = db_utils.make_info(project='someone-else')
        self.assertRaises(exception.VnfSnapshotInfoNotFound,
                          self.api.delete_vnf_snapshot, self.ctx, info.id)
        db_api.get_vnf_snapshot_info(None, info.id)

    def test_timeout_is_unavailable(self):
        client = mock.Mock()
        client.prepare.return_value.call.side_effect = (
            messaging.MessagingTimeout('nobody'))
        self.api._client = client
        e = self.assertRaises(exception.ConductorUnavailable,
                              self.api.delete_vnf_snapshot, self.ctx, 'x')
        self.assertIn('nobody', e.message)
        client.prepare.assert_called_with(timeout=120)


class TestSerializer(base.TestCase):

    def test_context_round_trip(self):
        ser = rpc.RequestContextSerializer()
        ctx = context.RequestContext(project_id='p', user_id='u',
                                     roles=['member'], overwrite=False)
        back = ser.deserialize_context(ser.serialize_context(ctx))
        self.assertIsInstance(back, context.RequestContext)
        self.assertEqual('p', back.project_id)
        self.assertEqual('u', back.user_id)
        self.assertEqual(['member'], back.roles)
        self.assertEqual({'a': 1}, ser.serialize_entity(ctx, {'a': 1}))
        self.assertEqual('x', ser.deserialize_entity(ctx, 'x'))
