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

"""The openstack vnf commands: their arguments and the requests they make
(the vnfsnap client, Nova, Heat and Keystone are mocks here; the
functional tests run the real openstack command against vnfsnap)."""

import argparse
from importlib import metadata
import os
from unittest import mock

import fixtures
from osc_lib import exceptions as osc_exceptions
import testtools
from vnfsnapclient import exceptions
from vnfsnapclient.osc.v1 import conductors
from vnfsnapclient.osc.v1 import subscriptions
from vnfsnapclient.osc.v1 import vnf_instances
from vnfsnapclient.osc.v1 import vnf_lcm_op_occs
from vnfsnapclient.osc.v1 import vnf_snapshots
import yaml

from vnfsnap.tests.fixtures import osc_commands as oc

SERVER_ID = 'c0a1e3b2-0000-4000-8000-00000000000a'
VOLUME_ID = '7c1e0000-0000-4000-8000-000000000002'


class SdkResource:
    """What openstacksdk's find_server / volume_attachments give."""

    def __init__(self, **attrs):
        self._attrs = attrs

    def __getattr__(self, name):
        try:
            return self._attrs[name]
        except KeyError:
            raise AttributeError(name)

    def to_dict(self):
        return dict(self._attrs)


class CommandTestCase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.app = oc.App()
        self.client = self.app.client_manager.vnfsnap
        self.tmp = self.useFixture(fixtures.TempDir()).path

    def write(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, 'w') as f:
            f.write(text)
        return path

    def run_cmd(self, command_class, argv):
        return oc.run(command_class, argv, self.app)


class TestRegister(CommandTestCase):

    def setUp(self):
        super().setUp()
        self.client.vnf_instances.register.return_value = {
            'id': oc.INSTANCE_ID, 'vnfInstanceName': 'fw-1'}
        self.compute = compute = (
            self.app.client_manager.sdk_connection.compute)
        compute.find_server.return_value = SdkResource(
            id=SERVER_ID, name='fw', status='ACTIVE',
            attached_volumes=[{'id': VOLUME_ID}])
        compute.volume_attachments.return_value = [SdkResource(
            id=VOLUME_ID, volume_id=VOLUME_ID, device='/dev/vdb',
            server_id=SERVER_ID)]
        self.identity = self.app.client_manager.sdk_connection.identity
        self.identity.create_application_credential.return_value = (
            argparse.Namespace(id='ac-1', name='vnfsnap-fw-1-abc',
                               secret='the-secret'))

    def body(self):
        self.client.vnf_instances.register.assert_called_once()
        return self.client.vnf_instances.register.call_args[0][0]

    def test_from_a_yaml_file_with_options_over_it(self):
        path = self.write('reg.yaml', yaml.safe_dump({
            'vnfdId': 'vnfd-1', 'vnfInstanceName': 'old',
            'instantiatedVnfInfo': {'flavourId': 'default'}}))
        result = oc.as_dict(self.run_cmd(
            vnf_instances.RegisterVnfInstance,
            ['--file', path, '--name', 'fw-1', '--provider', 'acme']))
        self.assertEqual({'vnfdId': 'vnfd-1', 'vnfInstanceName': 'fw-1',
                          'vnfProvider': 'acme',
                          'instantiatedVnfInfo': {'flavourId': 'default'}},
                         self.body())
        self.assertEqual(oc.INSTANCE_ID, result['id'])
        self.identity.create_application_credential.assert_not_called()

    def test_from_servers_with_a_new_application_credential(self):
        self.run_cmd(vnf_instances.RegisterVnfInstance, [
            '--server', 'fw', '--vnfd-id', 'vnfd-1', '--name', 'fw-1'])
        body = self.body()
        self.assertEqual('vnfd-1', body['vnfdId'])
        vnfc = body['instantiatedVnfInfo']['vnfcResourceInfo'][0]
        self.assertEqual(SERVER_ID, vnfc['computeResource']['resourceId'])
        self.assertEqual(['fw-vdb'], vnfc['storageResourceIds'])
        expected = {
            'vimType': 'ETSINFV.OPENSTACK_KEYSTONE.V_3',
            'interfaceInfo': {'endpoint': 'http://keystone:5000/v3'},
            'accessInfo': {'applicationCredentialId': 'ac-1',
                           'applicationCredentialSecret': 'the-secret',
                           'region': 'RegionOne'}}
        self.assertEqual(expected, body['vimConnectionInfo']['openstack'])
        args, kwargs = self.identity.create_application_credential.call_args
        self.assertEqual('u-1', args[0])
        self.assertTrue(args[1].startswith('vnfsnap-fw-1-'), args)
        self.assertIn('ac-1', self.app.stderr.getvalue())
        self.assertNotIn('the-secret', self.app.stderr.getvalue())
        self.compute.find_server.assert_called_once_with(
            'fw', ignore_missing=False)

    def test_a_refused_registration_revokes_the_credential(self):
        self.client.vnf_instances.register.side_effect = (
            exceptions.UnprocessableEntity(422, detail='no vnfProvider'))
        self.assertRaises(exceptions.UnprocessableEntity, self.run_cmd,
                          vnf_instances.RegisterVnfInstance,
                          ['--server', 'fw', '--vnfd-id', 'vnfd-1'])
        self.identity.delete_application_credential.assert_called_once_with(
            'u-1', 'ac-1')

    def test_no_answer_revokes_the_credential_too(self):
        self.client.vnf_instances.register.side_effect = ConnectionError(
            'vnfsnap is down')
        self.assertRaises(ConnectionError, self.run_cmd,
                          vnf_instances.RegisterVnfInstance,
                          ['--server', 'fw', '--vnfd-id', 'vnfd-1'])
        self.identity.delete_application_credential.assert_called_once_with(
            'u-1', 'ac-1')

    def test_vim_access_from_a_file_and_another_keystone(self):
        access = self.write('access.json',
                            '{"username": "vnfm", "password": "pw", '
                            '"project": "vnf-a"}')
        self.run_cmd(vnf_instances.RegisterVnfInstance, [
            '--server', 'fw', '--server', SERVER_ID, '--vnfd-id', 'v',
            '--vim-access-file', access, '--vim-auth-url',
            'https://ks.example/identity/v3', '--vim-connection-id', 'vim1'])
        vim = self.body()['vimConnectionInfo']['vim1']
        self.assertEqual({'username': 'vnfm', 'password': 'pw',
                          'project': 'vnf-a'}, vim['accessInfo'])
        self.assertEqual('https://ks.example/identity/v3',
                         vim['interfaceInfo']['endpoint'])
        self.identity.create_application_credential.assert_not_called()
        self.assertEqual(2, len(
            self.body()['instantiatedVnfInfo']['vnfcResourceInfo']))

    def test_from_a_heat_stack(self):
        orchestration = self.app.client_manager.sdk_connection.orchestration
        orchestration.find_stack.return_value = argparse.Namespace(
            id='st-1', name='fw-stack')
        orchestration.get.return_value.json.return_value = {'resources': [
            {'resource_name': 'fw_server',
             'resource_type': 'OS::Nova::Server',
             'physical_resource_id': SERVER_ID}]}
        self.run_cmd(vnf_instances.RegisterVnfInstance, [
            '--stack', 'fw-stack', '--vnfd-id', 'v'])
        orchestration.get.assert_called_once_with(
            '/stacks/fw-stack/st-1/resources', params={'nested_depth': 5})
        self.compute.find_server.assert_called_once_with(
            SERVER_ID, ignore_missing=False)
        vnfc = self.body()['instantiatedVnfInfo']['vnfcResourceInfo'][0]
        self.assertEqual(('fw_server', 'fw_server'),
                         (vnfc['id'], vnfc['vduId']))

    def test_nothing_to_register(self):
        exc = self.assertRaises(osc_exceptions.CommandError, self.run_cmd,
                                vnf_instances.RegisterVnfInstance,
                                ['--vnfd-id', 'v'])
        self.assertIn('--server', str(exc))

    def test_the_shortcuts_need_keystone(self):
        self.app.client_manager.auth_plugin_name = 'none'
        exc = self.assertRaises(osc_exceptions.CommandError, self.run_cmd,
                                vnf_instances.RegisterVnfInstance,
                                ['--server', 'fw', '--vnfd-id', 'v'])
        self.assertIn('need Keystone', str(exc))
        self.compute.find_server.assert_not_called()

    def test_server_and_stack_exclude_each_other(self):
        self.assertRaises(SystemExit, oc.parse,
                          vnf_instances.RegisterVnfInstance,
                          ['--server', 'a', '--stack', 'b'], self.app)


class TestModifyInstance(CommandTestCase):

    def setUp(self):
        super().setUp()
        self.client.vnf_instances.modify.return_value = oc.OP_ID
        self.client.vnf_lcm_op_occs.get.return_value = {
            'id': oc.OP_ID, 'operationState': 'STARTING'}

    def test_set(self):
        result = oc.as_dict(self.run_cmd(vnf_instances.SetVnfInstance, [
            oc.INSTANCE_ID, '--name', 'fw-2', '--description', '',
            '--property', 'owner=noc', '--property', 'tier=a=b']))
        self.client.vnf_instances.modify.assert_called_once_with(
            oc.INSTANCE_ID, {'vnfInstanceName': 'fw-2',
                             'vnfInstanceDescription': '',
                             'metadata': {'owner': 'noc', 'tier': 'a=b'}})
        self.assertEqual('STARTING', result['operationState'])

    def test_unset(self):
        self.run_cmd(vnf_instances.UnsetVnfInstance, [
            oc.INSTANCE_ID, '--description', '--property', 'owner'])
        self.client.vnf_instances.modify.assert_called_once_with(
            oc.INSTANCE_ID, {'vnfInstanceDescription': None,
                             'metadata': {'owner': None}})

    def test_nothing_to_change(self):
        self.assertRaises(osc_exceptions.CommandError, self.run_cmd,
                          vnf_instances.SetVnfInstance, [oc.INSTANCE_ID])
        self.client.vnf_instances.modify.assert_not_called()

    def test_set_by_name_and_wait(self):
        self.client.vnf_instances.list.return_value = iter(
            [{'id': oc.INSTANCE_ID, 'vnfInstanceName': 'fw (a)'}])
        self.client.vnf_lcm_op_occs.wait.return_value = {
            'id': oc.OP_ID, 'operationState': 'COMPLETED'}
        result = oc.as_dict(self.run_cmd(vnf_instances.SetVnfInstance, [
            'fw (a)', '--name', 'fw', '--wait', '--wait-timeout', '30']))
        self.client.vnf_instances.list.assert_called_once_with(
            filter="(eq,vnfInstanceName,'fw (a)')", fields='vnfInstanceName')
        self.assertEqual('COMPLETED', result['operationState'])
        self.assertEqual(30, self.client.vnf_lcm_op_occs.wait.call_args[1][
            'timeout'])

    def test_the_property_option_needs_key_value(self):
        self.assertRaises(SystemExit, oc.parse, vnf_instances.SetVnfInstance,
                          [oc.INSTANCE_ID, '--property', 'novalue'])


class TestSnapshotCreate(CommandTestCase):

    def setUp(self):
        super().setUp()
        self.client.vnf_snapshots.create.return_value = {'id': oc.INFO_ID}
        self.client.vnf_instances.create_snapshot.return_value = oc.OP_ID

    def test_options_become_additional_params_and_user_data(self):
        result = oc.as_dict(self.run_cmd(vnf_snapshots.CreateVnfSnapshot, [
            oc.INSTANCE_ID, '--memory', '--no-quiesce', '--name', 'before',
            '--description', 'before the upgrade', '--property', 'ticket=7']))
        self.client.vnf_snapshots.create.assert_called_once_with({})
        self.client.vnf_instances.create_snapshot.assert_called_once_with(
            oc.INSTANCE_ID, oc.INFO_ID,
            additional_params={'withMemory': True, 'quiesce': False},
            user_defined_data={'name': 'before',
                               'description': 'before the upgrade',
                               'ticket': '7'})
        self.assertEqual({'id': oc.INFO_ID, 'vnfLcmOpOccId': oc.OP_ID},
                         result)

    def test_no_options_send_no_additional_params(self):
        self.run_cmd(vnf_snapshots.CreateVnfSnapshot,
                     [oc.INSTANCE_ID, '--pause-vnf'])
        self.client.vnf_instances.create_snapshot.assert_called_once_with(
            oc.INSTANCE_ID, oc.INFO_ID, additional_params={'pauseVnf': True},
            user_defined_data=None)
        self.client.vnf_instances.create_snapshot.reset_mock()
        self.run_cmd(vnf_snapshots.CreateVnfSnapshot, [oc.INSTANCE_ID])
        self.client.vnf_instances.create_snapshot.assert_called_once_with(
            oc.INSTANCE_ID, oc.INFO_ID, additional_params=None,
            user_defined_data=None)

    def test_vnfc_subset(self):
        self.run_cmd(vnf_snapshots.CreateVnfSnapshot,
                     [oc.INSTANCE_ID, '--vnfc', 'vnfc-1', '--vnfc', 'vnfc-0'])
        self.client.vnf_instances.create_snapshot.assert_called_once_with(
            oc.INSTANCE_ID, oc.INFO_ID,
            additional_params={'vnfcInstanceIds': ['vnfc-1', 'vnfc-0']},
            user_defined_data=None)

    def test_quiesce_and_pause_vnf_exclude_each_other(self):
        self.assertRaises(osc_exceptions.CommandError, self.run_cmd,
                          vnf_snapshots.CreateVnfSnapshot,
                          [oc.INSTANCE_ID, '--quiesce', '--pause-vnf'])
        self.client.vnf_snapshots.create.assert_not_called()
        self.assertRaises(SystemExit, oc.parse,
                          vnf_snapshots.CreateVnfSnapshot,
                          [oc.INSTANCE_ID, '--quiesce', '--no-quiesce'])

    def test_a_refused_snapshot_leaves_no_empty_snapshot(self):
        self.client.vnf_instances.create_snapshot.side_effect = (
            exceptions.Conflict(409, detail='an operation runs'))
        self.assertRaises(exceptions.Conflict, self.run_cmd,
                          vnf_snapshots.CreateVnfSnapshot, [oc.INSTANCE_ID])
        self.client.vnf_snapshots.delete.assert_called_once_with(oc.INFO_ID)

    def test_wait_shows_the_filled_snapshot(self):
        self.client.vnf_lcm_op_occs.wait.return_value = {
            'id': oc.OP_ID, 'operationState': 'COMPLETED'}
        self.client.vnf_snapshots.get.return_value = {
            'id': oc.INFO_ID, 'vnfSnapshot': {'id': 's'}}
        result = oc.as_dict(self.run_cmd(vnf_snapshots.CreateVnfSnapshot,
                                         [oc.INSTANCE_ID, '--wait']))
        self.assertEqual({'id': 's'}, result['vnfSnapshot'])
        self.assertEqual(oc.OP_ID, result['vnfLcmOpOccId'])

    def test_a_failed_snapshot_is_a_command_error_with_the_detail(self):
        op = {'id': oc.OP_ID, 'operation': 'CREATE_SNAPSHOT',
              'operationState': 'FAILED_TEMP',
              'error': {'status': 409, 'detail': 'domain x not found'}}
        self.client.vnf_lcm_op_occs.wait.side_effect = (
            exceptions.OperationFailed(op, op['error'],
                                       message='domain x not found'))
        exc = self.assertRaises(osc_exceptions.CommandError, self.run_cmd,
                                vnf_snapshots.CreateVnfSnapshot,
                                [oc.INSTANCE_ID, '--wait'])
        self.assertIn('domain x not found', str(exc))
        self.assertIn('FAILED_TEMP', str(exc))
        self.assertIn('openstack vnf operation retry', str(exc))


class TestSnapshotRevert(CommandTestCase):

    def setUp(self):
        super().setUp()
        self.client.vnf_instances.revert_to_snapshot.return_value = oc.OP_ID
        self.client.vnf_lcm_op_occs.get.return_value = {'id': oc.OP_ID}

    def test_the_instance_comes_from_the_snapshot(self):
        self.client.vnf_snapshots.get.return_value = {
            'id': oc.INFO_ID, 'vnfSnapshot': {'vnfInstanceId': 'inst-9'}}
        self.run_cmd(vnf_snapshots.RevertVnfSnapshot, [
            oc.INFO_ID, '--safety-snapshot', '--state-after', 'paused'])
        self.client.vnf_instances.revert_to_snapshot.assert_called_once_with(
            'inst-9', oc.INFO_ID, additional_params={
                'safetySnapshot': True, 'stateAfterRevert': 'paused'})

    def test_an_empty_snapshot_cannot_be_reverted_to(self):
        self.client.vnf_snapshots.get.return_value = {'id': oc.INFO_ID}
        self.assertRaises(osc_exceptions.CommandError, self.run_cmd,
                          vnf_snapshots.RevertVnfSnapshot, [oc.INFO_ID])
        self.client.vnf_instances.revert_to_snapshot.assert_not_called()

    def test_given_instance_and_bad_state(self):
        self.run_cmd(vnf_snapshots.RevertVnfSnapshot,
                     [oc.INFO_ID, '--instance', oc.INSTANCE_ID])
        self.client.vnf_instances.revert_to_snapshot.assert_called_once_with(
            oc.INSTANCE_ID, oc.INFO_ID, additional_params=None)
        self.assertRaises(SystemExit, oc.parse,
                          vnf_snapshots.RevertVnfSnapshot,
                          [oc.INFO_ID, '--state-after', 'frozen'])


class TestLists(CommandTestCase):

    def test_snapshot_list_filters(self):
        self.client.vnf_snapshots.list.return_value = iter([
            {'id': oc.INFO_ID, 'vnfSnapshot': {
                'vnfInstanceId': oc.INSTANCE_ID,
                'userDefinedData': {'name': 'n'}}}])
        result = oc.rows(self.run_cmd(vnf_snapshots.ListVnfSnapshot, [
            '--instance', oc.INSTANCE_ID, '--name', "it's",
            '--filter', '(cont,id,4f)']))
        self.client.vnf_snapshots.list.assert_called_once_with(
            filter="(cont,id,4f);(eq,vnfSnapshot/vnfInstanceId,%s);"
                   "(eq,vnfSnapshot/userDefinedData/name,'it''s')"
                   % oc.INSTANCE_ID)
        self.assertEqual([{'ID': oc.INFO_ID, 'VNF Instance': oc.INSTANCE_ID,
                           'Name': 'n', 'Created': None,
                           'Finished': None}], result)

    def test_operation_list_filters(self):
        self.client.vnf_lcm_op_occs.list.return_value = iter([])
        self.run_cmd(vnf_lcm_op_occs.ListVnfOperation, [
            '--state', 'FAILED_TEMP', '--state', 'FAILED',
            '--operation', 'REVERT_TO_SNAPSHOT'])
        self.client.vnf_lcm_op_occs.list.assert_called_once_with(
            filter='(in,operation,REVERT_TO_SNAPSHOT);'
                   '(in,operationState,FAILED_TEMP,FAILED)')
        self.assertRaises(SystemExit, oc.parse,
                          vnf_lcm_op_occs.ListVnfOperation,
                          ['--state', 'DONE'])

    def test_instance_list_without_filters(self):
        self.client.vnf_instances.list.return_value = iter([
            {'id': oc.INSTANCE_ID, 'vnfInstanceName': 'fw',
             'instantiationState': 'INSTANTIATED', 'vnfdId': 'v'}])
        headers, _ = self.run_cmd(vnf_instances.ListVnfInstance, [])
        self.client.vnf_instances.list.assert_called_once_with(filter=None)
        self.assertEqual(('ID', 'Name', 'Instantiation State', 'VNFD ID'),
                         headers)

    def test_capabilities_columns_are_the_union(self):
        self.client.vnf_instances.vim_capabilities.return_value = {
            'vnfInstanceId': oc.INSTANCE_ID, 'vnfcs': [
                {'vnfcResourceInfoId': 'a', 'vimConnectionId': 'v',
                 'capabilities': {'quiesce': True}},
                {'vnfcResourceInfoId': 'b', 'error': 'VIM unreachable'}]}
        result = oc.rows(self.run_cmd(vnf_instances.ShowVimCapabilities,
                                      [oc.INSTANCE_ID]))
        self.assertEqual([
            {'VNFC': 'a', 'VIM Connection': 'v', 'quiesce': True,
             'Error': None},
            {'VNFC': 'b', 'VIM Connection': None, 'quiesce': None,
             'Error': 'VIM unreachable'}], result)


class TestOperationTasks(CommandTestCase):

    def test_cancel_mode(self):
        self.client.vnf_lcm_op_occs.get.return_value = {'id': oc.OP_ID}
        self.run_cmd(vnf_lcm_op_occs.CancelVnfOperation,
                     [oc.OP_ID, '--mode', 'forceful'])
        self.client.vnf_lcm_op_occs.cancel.assert_called_once_with(
            oc.OP_ID, cancel_mode='FORCEFUL')

    def test_retry_and_wait(self):
        self.client.vnf_lcm_op_occs.wait.return_value = {
            'id': oc.OP_ID, 'operationState': 'COMPLETED'}
        result = oc.as_dict(self.run_cmd(vnf_lcm_op_occs.RetryVnfOperation,
                                         [oc.OP_ID, '--wait']))
        self.client.vnf_lcm_op_occs.retry.assert_called_once_with(oc.OP_ID)
        self.assertEqual('COMPLETED', result['operationState'])

    def test_fail_has_no_wait(self):
        self.assertRaises(SystemExit, oc.parse,
                          vnf_lcm_op_occs.FailVnfOperation,
                          [oc.OP_ID, '--wait'])

    def test_delete_reports_every_failure(self):
        self.client.vnf_snapshots.delete.side_effect = [
            None, exceptions.NotFound(404, detail='gone'), None]
        exc = self.assertRaises(osc_exceptions.CommandError, self.run_cmd,
                                vnf_snapshots.DeleteVnfSnapshot,
                                ['a', 'b', 'c'])
        self.assertEqual('Failed to delete 1 of 3 VNF snapshots', str(exc))
        self.assertEqual([mock.call('a'), mock.call('b'), mock.call('c')],
                         self.client.vnf_snapshots.delete.call_args_list)


class TestDelete(CommandTestCase):

    def test_instances_by_name_or_id(self):
        self.client.vnf_instances.list.return_value = iter(
            [{'id': oc.INSTANCE_ID}])
        self.run_cmd(vnf_instances.DeleteVnfInstance, ['fw-1', oc.INFO_ID])
        self.assertEqual(
            [mock.call(oc.INSTANCE_ID), mock.call(oc.INFO_ID)],
            self.client.vnf_instances.delete.call_args_list)

    def test_an_unknown_name_is_one_failure_among_others(self):
        self.client.vnf_instances.list.return_value = iter([])
        exc = self.assertRaises(osc_exceptions.CommandError, self.run_cmd,
                                vnf_instances.DeleteVnfInstance,
                                ['nope', oc.INSTANCE_ID])
        self.assertEqual('Failed to delete 1 of 2 VNF instances', str(exc))
        self.client.vnf_instances.delete.assert_called_once_with(
            oc.INSTANCE_ID)

    def test_subscriptions_by_id(self):
        self.run_cmd(subscriptions.DeleteSubscription, ['s-1'])
        self.client.subscriptions.delete.assert_called_once_with('s-1')
        self.client.subscriptions.list.assert_not_called()


class TestSecrets(CommandTestCase):

    def test_notification_with_a_basic_password_file(self):
        pw = self.write('pw', 's3cret\nignored\n')
        self.client.vnf_instances.set_snapshot_notifications.return_value = {
            'callbackUri': 'https://vnf/hooks'}
        self.run_cmd(vnf_instances.SetVnfNotification, [
            oc.INSTANCE_ID, '--callback-uri', 'https://vnf/hooks',
            '--auth-type', 'basic', '--username', 'vnfsnap',
            '--password-file', pw, '--ack-timeout', '20', '--no-verify-tls'])
        (self.client.vnf_instances.set_snapshot_notifications
         .assert_called_once_with(oc.INSTANCE_ID, {
             'callbackUri': 'https://vnf/hooks', 'verifyTls': False,
             'ackTimeout': 20,
             'authentication': {
                 'authType': ['BASIC'],
                 'paramsBasic': {'userName': 'vnfsnap',
                                 'password': 's3cret'}}}))

    def test_the_password_is_prompted_without_echo(self):
        self.useFixture(fixtures.MockPatch('sys.stdin.isatty',
                                           return_value=True))
        getpass = self.useFixture(fixtures.MockPatch(
            'getpass.getpass', return_value='typed')).mock
        self.client.vnf_instances.set_snapshot_notifications.return_value = {
            'callbackUri': 'https://vnf/hooks'}
        self.run_cmd(vnf_instances.SetVnfNotification, [
            oc.INSTANCE_ID, '--callback-uri', 'https://vnf/hooks',
            '--auth-type', 'oauth2', '--client-id', 'c',
            '--token-endpoint', 'https://auth/token'])
        getpass.assert_called_once()
        body = (self.client.vnf_instances.set_snapshot_notifications
                .call_args[0][1])
        self.assertEqual({'clientId': 'c', 'clientPassword': 'typed',
                          'tokenEndpoint': 'https://auth/token'},
                         body['authentication'][
                             'paramsOauth2ClientCredentials'])

    def test_no_terminal_and_no_file_is_an_error(self):
        self.useFixture(fixtures.MockPatch('sys.stdin.isatty',
                                           return_value=False))
        self.assertRaises(osc_exceptions.CommandError, self.run_cmd,
                          vnf_instances.SetVnfNotification, [
                              oc.INSTANCE_ID, '--callback-uri', 'https://x',
                              '--auth-type', 'basic', '--username', 'u'])

    def test_credentials_without_auth_type_are_refused(self):
        exc = self.assertRaises(osc_exceptions.CommandError, self.run_cmd,
                                subscriptions.CreateSubscription, [
                                    '--callback-uri', 'https://x',
                                    '--username', 'u'])
        self.assertIn('--username needs --auth-type', str(exc))

    def test_subscription_body(self):
        self.client.subscriptions.create.return_value = {'id': 's-1'}
        base = self.write('sub.yaml', 'verbosity: SHORT\nfilter:\n'
                                      '  notificationTypes: [X]\n')
        self.run_cmd(subscriptions.CreateSubscription, [
            '--file', base, '--callback-uri', 'https://nfvo/cb',
            '--instance', oc.INSTANCE_ID, '--operation', 'CREATE_SNAPSHOT',
            '--state', 'COMPLETED', '--state', 'FAILED_TEMP'])
        self.client.subscriptions.create.assert_called_once_with({
            'callbackUri': 'https://nfvo/cb', 'verbosity': 'SHORT',
            'filter': {
                'notificationTypes': ['X'],
                'vnfInstanceSubscriptionFilter': {
                    'vnfInstanceIds': [oc.INSTANCE_ID]},
                'operationTypes': ['CREATE_SNAPSHOT'],
                'operationStates': ['COMPLETED', 'FAILED_TEMP']}})


class TestConductors(CommandTestCase):

    def test_list(self):
        self.client.conductors.list.return_value = [{
            'hostname': 'c1', 'alive': False,
            'heartbeatAt': '2026-12-06T18:00:00Z', 'version': '1.0',
            'vnfLcmOpOccIds': [oc.OP_ID], 'vnfSnapshotPkgIds': []}]
        headers, rows = self.run_cmd(conductors.ListConductor,
                                     ['--filter', '(eq,alive,false)'])
        self.client.conductors.list.assert_called_once_with(
            filter='(eq,alive,false)')
        rows = list(rows)
        self.assertEqual(('Hostname', 'Alive', 'Heartbeat At', 'Version',
                          'VNF LCM Op Occs', 'VNF Snapshot Packages'),
                         headers)
        self.assertEqual(('c1', False), rows[0][:2])
        self.assertIn(oc.OP_ID, str(rows[0][4]))

    def test_show(self):
        self.client.conductors.get.return_value = {'hostname': 'c1',
                                                   'alive': True}
        result = oc.as_dict(self.run_cmd(conductors.ShowConductor, ['c1']))
        self.client.conductors.get.assert_called_once_with('c1')
        self.assertEqual({'hostname': 'c1', 'alive': True}, result)


class TestHelp(testtools.TestCase):

    def test_every_argument_of_every_command_has_help(self):
        eps = metadata.entry_points(group='openstack.vnfsnap.v1')
        self.assertGreater(len(eps), 20)
        for ep in eps:
            command_class = ep.load()
            self.assertTrue(command_class.__doc__, ep.name)
            parser = command_class(oc.App(), None).get_parser(ep.name)
            for action in parser._actions:
                self.assertTrue(action.help, '%s %s' % (
                    ep.name, action.option_strings or action.dest))


class TestSettlingTasks(CommandTestCase):

    def ended(self, state):
        op = {'id': oc.OP_ID, 'operation': 'CREATE_SNAPSHOT',
              'operationState': state, 'error': {'detail': 'VIM down'}}
        self.client.vnf_lcm_op_occs.wait.side_effect = (
            exceptions.OperationFailed(op, op['error'], message='VIM down'))

    def test_a_rollback_that_ends_rolled_back_succeeds(self):
        self.ended('ROLLED_BACK')
        result = oc.as_dict(self.run_cmd(
            vnf_lcm_op_occs.RollbackVnfOperation, [oc.OP_ID, '--wait']))
        self.assertEqual('ROLLED_BACK', result['operationState'])

    def test_a_rollback_that_fails_again_is_an_error(self):
        self.ended('FAILED_TEMP')
        self.assertRaises(osc_exceptions.CommandError, self.run_cmd,
                          vnf_lcm_op_occs.RollbackVnfOperation,
                          [oc.OP_ID, '--wait'])

    def test_a_cancel_ends_rolled_back_or_failed_temp(self):
        for state in ('ROLLED_BACK', 'FAILED_TEMP'):
            self.ended(state)
            result = oc.as_dict(self.run_cmd(
                vnf_lcm_op_occs.CancelVnfOperation, [oc.OP_ID, '--wait']))
            self.assertEqual(state, result['operationState'])

    def test_a_retry_that_ends_rolled_back_is_an_error(self):
        self.ended('ROLLED_BACK')
        exc = self.assertRaises(osc_exceptions.CommandError, self.run_cmd,
                                vnf_lcm_op_occs.RetryVnfOperation,
                                [oc.OP_ID, '--wait'])
        self.assertIn('VIM down', str(exc))
