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

"""``openstack vnf online test start|list|show|abort`` (the vnfsnap
client is a mock; the API's own tests run the tests themselves) and the
client library's online test manager."""

import json
import os
from unittest import mock

import fixtures
from osc_lib import exceptions as osc_exceptions
import testtools
from vnfsnapclient import exceptions
from vnfsnapclient.osc.v1 import online_tests
from vnfsnapclient.v1 import online_tests as lib

from vnfsnap.tests.fixtures import osc_commands as oc

TEST_ID = '5d0f7a8e-4444-4aaa-8bbb-000000000004'
REQUEST = {'probes': [{'id': 'web', 'type': 'HTTP',
                       'url': 'http://192.0.2.10/health'}],
           'fault': {'type': 'STOP_VNFC', 'vnfcInstanceId': 'vnfc-0'},
           'expectedRecoveryTime': 60}
TEST = {'id': TEST_ID, 'vnfInstanceId': oc.INSTANCE_ID,
        'operationState': 'COMPLETED', 'verdict': 'PASS',
        'recoveryTime': 4.2, 'phase': 'DONE',
        'probeRounds': [{'phase': 'baseline', 'passed': True}]}


class OnlineTestCommandTestCase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.app = oc.App()
        self.client = self.app.client_manager.vnfsnap
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.request = os.path.join(self.tmp, 'test.json')
        with open(self.request, 'w') as f:
            json.dump(REQUEST, f)
        self.client.online_tests.start.return_value = dict(
            TEST, operationState='STARTING')
        self.client.online_tests.get.return_value = TEST

    def run_cmd(self, command_class, argv):
        return oc.run(command_class, argv, self.app)

    def test_start_sends_the_request_with_overrides(self):
        result = oc.as_dict(self.run_cmd(online_tests.StartOnlineTest, [
            oc.INSTANCE_ID, '--request', self.request,
            '--recovery-time', '30', '--with-memory', '--on-pass',
            'delete']))
        self.client.online_tests.start.assert_called_once_with(
            oc.INSTANCE_ID, dict(REQUEST, expectedRecoveryTime=30,
                                 withMemory=True,
                                 onPass={'snapshot': 'DELETE'}))
        self.assertEqual('STARTING', result['operationState'])
        self.assertNotIn('probeRounds', result)

    def test_start_wait_shows_the_judged_test(self):
        result = oc.as_dict(self.run_cmd(online_tests.StartOnlineTest, [
            oc.INSTANCE_ID, '--request', self.request, '--wait']))
        self.client.vnf_lcm_op_occs.wait.assert_called_once_with(
            TEST_ID, on_poll=mock.ANY, timeout=None)
        self.assertEqual('PASS', result['verdict'])

    def test_list_filters(self):
        self.client.online_tests.list.return_value = [TEST]
        headers, rows = self.run_cmd(online_tests.ListOnlineTest, [
            oc.INSTANCE_ID, '--verdict', 'FAIL', '--state', 'COMPLETED'])
        self.client.online_tests.list.assert_called_once_with(
            oc.INSTANCE_ID,
            filter='(eq,verdict,FAIL);(in,operationState,COMPLETED)')
        self.assertEqual(('ID', 'State', 'Phase', 'Verdict',
                          'Recovery Time', 'Start Time'), headers)
        self.assertEqual(TEST_ID, list(rows)[0][0])

    def test_show(self):
        result = oc.as_dict(self.run_cmd(online_tests.ShowOnlineTest,
                                         [oc.INSTANCE_ID, TEST_ID]))
        self.client.online_tests.get.assert_called_once_with(
            oc.INSTANCE_ID, TEST_ID)
        self.assertEqual(4.2, result['recoveryTime'])

    def test_abort_wait_accepts_rolled_back(self):
        rolled = dict(TEST, operationState='ROLLED_BACK', verdict=None)
        self.client.online_tests.get.return_value = rolled
        self.client.vnf_lcm_op_occs.wait.side_effect = (
            exceptions.OperationFailed(rolled, {'detail': 'cancelled'},
                                       message='cancelled'))
        result = oc.as_dict(self.run_cmd(online_tests.AbortOnlineTest,
                                         [oc.INSTANCE_ID, TEST_ID, '--wait']))
        self.client.online_tests.abort.assert_called_once_with(
            oc.INSTANCE_ID, TEST_ID)
        self.assertEqual('ROLLED_BACK', result['operationState'])

    def test_abort_wait_that_ends_failed_temp_is_an_error(self):
        stuck = dict(TEST, operationState='FAILED_TEMP')
        self.client.online_tests.get.return_value = stuck
        self.client.vnf_lcm_op_occs.wait.side_effect = (
            exceptions.OperationFailed(stuck, {'detail': 'revert failed'},
                                       message='revert failed'))
        self.assertRaises(osc_exceptions.CommandError, self.run_cmd,
                          online_tests.AbortOnlineTest,
                          [oc.INSTANCE_ID, TEST_ID, '--wait'])


class TestManager(testtools.TestCase):

    def test_paths_quote_the_ids(self):
        http = mock.Mock()
        http.iter_collection.return_value = iter([])
        manager = lib.OnlineTestManager(http)
        manager.get('a/b', 't 1')
        http.get_json.assert_called_once_with(
            lib.OnlineTestManager.API,
            '/vnf_instances/a%2Fb/online_tests/t%201')
        manager.abort('i', 't')
        http.request.assert_called_once_with(
            'POST', lib.OnlineTestManager.API,
            '/vnf_instances/i/online_tests/t/abort')
        list(manager.list('i', filter='(eq,verdict,PASS)'))
        http.iter_collection.assert_called_once_with(
            lib.OnlineTestManager.API, '/vnf_instances/i/online_tests',
            {'filter': '(eq,verdict,PASS)'})
