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

"""Waiting for op occurrences and packages to end."""

from unittest import mock

from vnfsnapclient import exceptions

from vnfsnap.tests.fixtures import client_mock

LCM = client_mock.LCM
PKGM = client_mock.PKGM


def states(*names, **extra):
    return [{'json': dict({'id': 'x', 'operationState': n, 'state': n,
                           'operation': 'CREATE_SNAPSHOT'}, **extra)}
            for n in names]


class TestWait(client_mock.ClientTestCase):

    def setUp(self):
        super().setUp()
        self.sleep = self.useFixture(
            client_mock.fixtures.MockPatch('time.sleep')).mock

    def test_op_occ_completed(self):
        self.http.get(LCM + '/vnf_lcm_op_occs/op1',
                      states('STARTING', 'PROCESSING', 'COMPLETED'))
        seen = []
        op = self.client.vnf_lcm_op_occs.wait(
            'op1', on_poll=lambda o: seen.append(o['operationState']),
            interval=0.5)
        self.assertEqual('COMPLETED', op['operationState'])
        self.assertEqual(['STARTING', 'PROCESSING', 'COMPLETED'], seen)
        self.sleep.assert_has_calls([mock.call(0.5)] * 2)

    def test_op_occ_failed_carries_its_error(self):
        error = client_mock.problem(500, 'the VIM refused', title='VIM')
        for state in ('FAILED_TEMP', 'FAILED', 'ROLLED_BACK'):
            with self.subTest(state=state):
                self.http.get(LCM + '/vnf_lcm_op_occs/op1',
                              states('PROCESSING', state, error=error))
                e = self.assertRaises(exceptions.OperationFailed,
                                      self.client.vnf_lcm_op_occs.wait,
                                      'op1')
                self.assertEqual(state, e.resource['operationState'])
                self.assertEqual(error, e.problem)
                self.assertEqual('the VIM refused', str(e))

    def test_op_occ_failed_without_error(self):
        self.http.get(LCM + '/vnf_lcm_op_occs/op1', states('FAILED'))
        e = self.assertRaises(exceptions.OperationFailed,
                              self.client.vnf_lcm_op_occs.wait, 'op1')
        self.assertEqual('CREATE_SNAPSHOT ended FAILED', str(e))

    def test_timeout(self):
        clock = iter(range(0, 1000, 5))
        self.useFixture(client_mock.fixtures.MockPatch(
            'time.monotonic', side_effect=lambda: next(clock)))
        self.http.get(PKGM + '/p1', states('BUILDING'))
        self.assertRaises(exceptions.Timeout,
                          self.packages.wait, 'p1', timeout=20)

    def test_package_ends(self):
        self.http.get(PKGM + '/p1', states('UPLOADING', 'PROCESSING',
                                           'AVAILABLE'))
        self.assertEqual('AVAILABLE', self.packages.wait('p1')['state'])
        failure = {'errorType': 'PROCESS_ERROR',
                   'details': client_mock.problem(422, 'bad manifest')}
        self.http.get(PKGM + '/p1', states('PROCESSING', 'ERROR',
                                           failureDetails=failure))
        e = self.assertRaises(exceptions.OperationFailed,
                              self.packages.wait, 'p1')
        self.assertEqual('bad manifest', str(e))
        self.assertEqual('ERROR', e.resource['state'])
