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

import inspect
import logging
import re
import time
from unittest import mock

import fixtures
import oslo_messaging as messaging

from vnfsnap.common import context
from vnfsnap.common import exception
from vnfsnap.common import rpc
from vnfsnap.common import states
from vnfsnap.conductor import manager
from vnfsnap.conductor import rpcapi
from vnfsnap.conductor import service as conductor_service
from vnfsnap.db import api as db_api
from vnfsnap.tests import base
from vnfsnap.tests.fixtures import database as db_utils
from vnfsnap.tests.fixtures import fake_vim
from vnfsnap.tests.fixtures import fake_vnf
from vnfsnap.tests.fixtures import rpc_conductor


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
        self.assertIn('rpc_transport', e.message)
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
        self.conf.config(rpc_transport='oslo', transport_url='fake:/')
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
        client.prepare.assert_called_with(version='1.0', timeout=120)


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


def history():
    """{method: version} from ConductorAPI's version history."""
    found = {}
    for line in rpcapi.ConductorAPI.__doc__.splitlines():
        match = re.match(r'\s*\* (\d+\.\d+) - (.*)$', line)
        if match:
            # A line may also say what an existing method newly carries.
            for method in match.group(2).split(', '):
                if method.isidentifier():
                    found[method] = match.group(1)
    return found


#: ConductorAPI's public methods that are no RPC.
CLIENT_ONLY = ('can_send_version', 'require')


def public_methods(cls, skip=()):
    return {name for name, _ in inspect.getmembers(cls, inspect.isfunction)
            if not name.startswith('_') and name not in skip}


class TestVersions(base.TestCase):
    """Client, manager and version history say the same thing."""

    def test_every_method_pinned_to_its_history_version(self):
        self.conf.config(rpc_transport='oslo', transport_url='fake:/')
        self.addCleanup(rpc.cleanup)
        api = rpcapi.ConductorAPI()
        api._client = mock.Mock()
        api._client.can_send_version.return_value = True
        pinned = {}
        for name in public_methods(rpcapi.ConductorAPI, skip=CLIENT_ONLY):
            method = getattr(api, name)
            args = [self.id()] * (len(inspect.signature(method).parameters))
            api._client.reset_mock()
            method(*args)
            pinned[name] = api._client.prepare.call_args.kwargs['version']
        self.assertEqual(history(), pinned)

    def test_client_serves_what_the_manager_serves(self):
        exposed = {name for name, fn in inspect.getmembers(
            manager.ConductorManager, inspect.isfunction)
            if getattr(fn, 'exposed', False)}
        self.assertEqual(
            exposed, public_methods(rpcapi.ConductorAPI, skip=CLIENT_ONLY))
        newest = max(re.findall(r'^\s*\* (\d+\.\d+) - ',
                                rpcapi.ConductorAPI.__doc__, re.M),
                     key=rpcapi._version)
        self.assertEqual(newest, rpcapi.ConductorAPI.RPC_API_VERSION)
        self.assertEqual(newest, manager.ConductorManager.RPC_API_VERSION)
        self.assertEqual(newest, manager.ConductorManager.target.version)


class FutureConductorAPI(rpcapi.ConductorAPI):
    """A client of a later release, with a call the conductors of this
    one do not have."""

    RPC_API_VERSION = '1.4'

    def get_future(self, context):
        return self._call(context, '1.4', 'get_future')


class TestRollingUpgrade(RpcTestCase):
    """Clients and conductors of different releases over oslo.messaging's
    fake driver (a real RPC server and client, version checks included).
    The conductors never sweep here, so only RPC can start work."""

    def setUp(self):
        super().setUp()
        self.conf.config(rpc_transport='oslo', transport_url='fake:/')
        self.conf.config(sweep_interval=3600, group='conductor')
        self.logs = self.useFixture(fixtures.FakeLogger(level=logging.INFO))

    def serve(self, manager_class):
        service = conductor_service.ConductorService(host='conductor')
        service.manager = manager_class('conductor')
        service.start()
        self.addCleanup(service.stop)
        return service.manager

    def wait_for_log(self, text, timeout=20):
        deadline = time.monotonic() + timeout
        while text not in self.logs.output:
            if time.monotonic() > deadline:
                self.fail('%r never logged:\n%s' % (text, self.logs.output))
            time.sleep(0.01)

    def test_new_client_old_conductor(self):
        self.serve(rpc_conductor.OldConductorManager)
        api = rpcapi.ConductorAPI()
        # 1.0 methods are sent as 1.0, which the old conductor serves.
        op = self.snapshot_op()
        api.run_lcm_op_occ(self.ctx, op.id)
        self.assertEqual(states.COMPLETED, self.wait(op.id).operation_state)
        api.delete_vnf_snapshot(self.ctx, op.vnf_snapshot_info_id)
        self.assertRaises(exception.VnfSnapshotInfoNotFound,
                          db_api.get_vnf_snapshot_info, None,
                          op.vnf_snapshot_info_id)
        # Without a cap a 1.1 cast reaches it, and is refused.
        api.run_vnf_snapshot_pkg_op(self.ctx, 'pkg-1')
        self.wait_for_log('Endpoint does not support RPC version 1.1')

    def test_cap_holds_back_newer_casts(self):
        self.conf.config(conductor='1.0', group='upgrade_levels')
        self.serve(rpc_conductor.OldConductorManager)
        api = rpcapi.ConductorAPI()
        api._client = mock.Mock(wraps=api._client)
        api.run_vnf_snapshot_pkg_op(self.ctx, 'pkg-1')
        api._client.prepare.assert_not_called()
        self.assertIn('Not casting run_vnf_snapshot_pkg_op (conductor RPC '
                      'API 1.1) above [upgrade_levels]conductor = 1.0',
                      self.logs.output)
        op = self.snapshot_op()
        api.run_lcm_op_occ(self.ctx, op.id)
        self.assertEqual(states.COMPLETED, self.wait(op.id).operation_state)
        api._client.prepare.assert_called_once_with(version='1.0')
        self.assertNotIn('does not support RPC version', self.logs.output)

    def test_old_client_new_conductor(self):
        self.serve(manager.ConductorManager)
        # A client of the 1.0 release sent every message as 1.0.
        old = rpc.get_client('1.0')
        op = self.snapshot_op()
        old.cast(self.ctx, 'run_lcm_op_occ', op_id=op.id)
        self.assertEqual(states.COMPLETED, self.wait(op.id).operation_state)
        self.assertEqual([], old.call(
            self.ctx, 'get_vim_capabilities',
            vnf_instance_id=fake_vnf.register_vnf(0).id))

    def test_only_exposed_methods_are_served(self):
        conductor = self.serve(manager.ConductorManager)
        client = rpc.get_client('1.0')
        for method in ('stop', 'init_host', '_run'):
            # The fake driver raises the server's error itself; over
            # RabbitMQ it comes back as a RemoteError saying the same.
            e = self.assertRaises(
                (messaging.NoSuchMethod, messaging.RemoteError),
                client.call, self.ctx, method)
            self.assertIn('does not support RPC method %s' % method,
                          str(e))
        self.assertFalse(conductor._stopping.is_set())
        op = self.snapshot_op()
        client.cast(self.ctx, 'run_lcm_op_occ', op_id=op.id)
        self.assertEqual(states.COMPLETED, self.wait(op.id).operation_state)

    def test_call_newer_than_cap_is_503(self):
        self.conf.config(conductor='1.3', group='upgrade_levels')
        self.serve(manager.ConductorManager)
        e = self.assertRaises(exception.ConductorTooOld,
                              FutureConductorAPI().get_future, self.ctx)
        self.assertEqual(503, e.code)
        self.assertEqual(
            'The conductors cannot run get_future yet: it needs conductor '
            'RPC API 1.4 and [upgrade_levels]conductor is 1.3. It works '
            'once every conductor is upgraded and the cap is removed.',
            e.message)

    def test_in_process_has_no_cap(self):
        self.conf.config(rpc_transport='none')
        self.conf.config(conductor='1.0', group='upgrade_levels')
        local = mock.Mock()
        rpc.set_local_manager(local)
        rpcapi.ConductorAPI().run_vnf_snapshot_pkg_op(self.ctx, 'pkg-1')
        local.run_vnf_snapshot_pkg_op.assert_called_once_with(
            self.ctx, pkg_id='pkg-1')


class TestVersionCap(base.TestCase):

    def test_unset(self):
        self.assertIsNone(rpcapi.version_cap())

    def test_same_major(self):
        self.conf.config(conductor='1.0', group='upgrade_levels')
        self.assertEqual('1.0', rpcapi.version_cap())

    def test_other_major_refused(self):
        self.conf.config(conductor='2.0', group='upgrade_levels')
        e = self.assertRaises(ValueError, rpcapi.version_cap)
        self.assertIn('[upgrade_levels]conductor = 2.0 cannot work', str(e))

    def test_not_a_version(self):
        self.assertRaises(ValueError, self.conf.config, conductor='newton',
                          group='upgrade_levels')
