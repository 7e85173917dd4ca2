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

"""/vnflcm/v2/vnf_instances/{id}/online_tests: the request's schema and
checks, the record, SOL013 queries, and the test's flow run by an
in-process conductor on fake guests (pass, fail, unhealthy baseline,
abort)."""

import time

from vnfsnap.common import states
from vnfsnap.db import api as db_api
from vnfsnap.tests import base
from vnfsnap.tests.fixtures import database as db_utils
from vnfsnap.tests.fixtures import fake_vim

FakeVim = fake_vim.FakeVim

HEALTH = {'id': 'health-0', 'type': 'GUEST_COMMAND',
          'vnfcInstanceId': 'vnfc-0', 'command': ['health'],
          'outputRegex': '^OK'}


def request(fault_command=('kill',), **extra):
    body = {'probes': [HEALTH, dict(HEALTH, id='health-1',
                                    vnfcInstanceId='vnfc-1')],
            'fault': {'type': 'GUEST_COMMAND', 'vnfcInstanceId': 'vnfc-0',
                      'command': list(fault_command)},
            'expectedRecoveryTime': 1, 'probeInterval': 0.2}
    body.update(extra)
    return body


class OnlineTestCase(base.ApiTestCase):

    def setUp(self):
        super().setUp()
        self.inst = self.register_vnf()
        self.url = '/vnflcm/v2/vnf_instances/%s/online_tests' \
            % self.inst['id']

    def start(self, body, status=202):
        resp = self.post(self.url, body)
        self.assertEqual(status, resp.status, resp.body)
        return resp

    def wait_test(self, test_id):
        self.wait_for_op(test_id)
        resp = self.get('%s/%s' % (self.url, test_id))
        self.assertEqual(200, resp.status, resp.body)
        return resp.json

    def run_test(self, body):
        return self.wait_test(self.start(body).json['id'])

    def assertHealthy(self):
        for rid, guest in FakeVim.guests.items():
            self.assertEqual('running', guest.get('state', 'running'), rid)
            self.assertEqual('ok', guest['disk'].get('service', 'ok'), rid)
            self.assertEqual('up', guest.get('link', 'up'), rid)

    def assertFree(self):
        self.assertIsNone(db_api.get_vnf_instance(
            None, self.inst['id']).reservation)


class TestRequest(OnlineTestCase):

    def test_started_answer(self):
        resp = self.start(request())
        rep = resp.json
        self.assertEqual(resp.headers['Location'],
                         rep['_links']['self']['href'])
        self.assertEqual(states.STARTING, rep['operationState'])
        self.assertIn('abort', rep['_links'])
        self.assertEqual(request(), rep['request'])
        self.wait_test(rep['id'])

    def test_bad_bodies_are_400(self):
        bad = [
            {},
            dict(request(), probes=[]),
            dict(request(), probes=[dict(HEALTH, id='p%d' % i)
                                    for i in range(17)]),
            dict(request(), expectedRecoveryTime=0),
            dict(request(), expectedRecoveryTime=3601),
            dict(request(), probeInterval=0.01),
            dict(request(), surprise=1),
            dict(request(), probes=[{'id': 'h', 'type': 'HTTP'}]),
            dict(request(), probes=[{'id': 'h', 'type': 'HTTP',
                                     'url': 'ftp://x/y'}]),
            dict(request(), probes=[{'id': 'h', 'type': 'TCP',
                                     'host': 'x', 'port': 70000}]),
            dict(request(), probes=[dict(HEALTH, id='bad id')]),
            dict(request(), fault={'type': 'STOP_VNFC'}),
            dict(request(), fault={'type': 'MELT_VNFC',
                                   'vnfcInstanceId': 'vnfc-0'}),
            dict(request(), fault={'type': 'DETACH_VOLUME',
                                   'vnfcInstanceId': 'vnfc-0'}),
            dict(request(), onPass={'snapshot': 'MAYBE'}),
        ]
        for body in bad:
            self.assertProblem(self.post(self.url, body), 400)
        self.assertEqual([], db_api.list_op_occs(None))

    def test_unknown_references_are_422(self):
        bad = [
            dict(request(), vnfcInstanceIds=['vnfc-9']),
            dict(request(), probes=[dict(HEALTH, vnfcInstanceId='vnfc-9')]),
            dict(request(), probes=[HEALTH, HEALTH]),
            dict(request(), probes=[dict(HEALTH, outputRegex='(')]),
            # The fault's VNFC must be in scope (it is put back from the
            # snapshot of the VNFCs in scope).
            dict(request(), vnfcInstanceIds=['vnfc-1']),
            dict(request(), fault={'type': 'DETACH_VOLUME',
                                   'vnfcInstanceId': 'vnfc-0',
                                   'storageResourceId': 'vol-1'}),
            dict(request(), onFail={'captureFailedState': False,
                                    'buildPackage': True}),
        ]
        for body in bad:
            self.assertProblem(self.post(self.url, body), 422)
        self.assertEqual([], db_api.list_op_occs(None))

    def test_connections_outside_probe_networks_are_422(self):
        http = {'id': 'web', 'type': 'HTTP', 'url': 'http://127.0.0.1:9/'}
        bodies = [
            dict(request(), probes=[http]),
            dict(request(), probes=[{'id': 't', 'type': 'TCP',
                                     'host': '127.0.0.1', 'port': 9}]),
            dict(request(), fault={'type': 'WEBHOOK',
                                   'url': 'http://127.0.0.1:9/inject'}),
        ]
        for body in bodies:
            resp = self.post(self.url, body)
            self.assertProblem(resp, 422)
            self.assertIn('probe_networks lists no network',
                          resp.json['detail'])
        self.conf.config(probe_networks=['10.0.0.0/8'],
                         group='online_tests')
        resp = self.post(self.url, dict(request(), probes=[http]))
        self.assertProblem(resp, 422)
        self.assertIn('127.0.0.1 is not in [online_tests]probe_networks',
                      resp.json['detail'])
        self.conf.config(probe_networks=['169.254.0.0/16'],
                         group='online_tests')
        resp = self.post(self.url, dict(request(), probes=[dict(
            http, url='http://169.254.169.254/latest/meta-data/')]))
        self.assertProblem(resp, 422)
        self.assertIn('cloud metadata address', resp.json['detail'])
        self.assertEqual([], db_api.list_op_occs(None))

    def test_unknown_instance_is_404(self):
        self.assertProblem(self.post(
            '/vnflcm/v2/vnf_instances/nope/online_tests', request()), 404)
        self.assertProblem(self.get('%s/nope' % self.url), 404)

    def test_one_operation_at_a_time(self):
        FakeVim.delay[('exec-health', 'vm-0')] = 0.3
        first = self.start(request()).json['id']
        self.assertProblem(self.post(self.url, request()), 409)
        self.wait_test(first)


class TestVerdicts(OnlineTestCase):

    def test_survived_fault_passes_and_deletes_snapshot(self):
        """A process killed and restarted by its supervisor: PASS."""
        test = self.run_test(request(onPass={'snapshot': 'DELETE'}))
        self.assertEqual(states.COMPLETED, test['operationState'],
                         test.get('error'))
        self.assertEqual('PASS', test['verdict'])
        self.assertEqual('DONE', test['phase'])
        self.assertGreaterEqual(test['recoveryTime'], 0.2)
        self.assertLess(test['recoveryTime'], 1)
        phases = [r['phase'] for r in test['probeRounds']]
        self.assertEqual('baseline', phases[0])
        self.assertIn('recovery', phases)
        self.assertEqual('judgement', phases[-1])
        failing = [r for r in test['probeRounds'] if not r['passed']]
        self.assertTrue(failing)            # the restart was seen
        self.assertNotIn('preTestVnfSnapshotInfoId', test)
        self.assertEqual({}, FakeVim.snapshots)
        self.assertIn('injectedAt', test['fault'])
        self.assertEqual({'exitStatus': 0, 'stdout': '', 'stderr': ''},
                         test['fault']['injected'])
        self.assertHealthy()
        self.assertFree()

    def test_pass_keeps_snapshot_by_default(self):
        test = self.run_test(request())
        self.assertEqual('PASS', test['verdict'])
        info = db_api.get_vnf_snapshot_info(
            None, test['preTestVnfSnapshotInfoId'])
        self.assertEqual(2, len(info.vnfc_snapshots))

    def test_stopped_vnfc_is_started_after_a_pass(self):
        """The VNF survives a stopped VNFC (its probes look at the other);
        the clean-up starts it again."""
        body = request(probes=[dict(HEALTH, vnfcInstanceId='vnfc-1')])
        body['fault'] = {'type': 'STOP_VNFC', 'vnfcInstanceId': 'vnfc-0'}
        test = self.run_test(body)
        self.assertEqual('PASS', test['verdict'], test.get('error'))
        self.assertIn('restoredAt', test['fault'])
        self.assertIn(('start', 'vm-0'), FakeVim.calls)
        self.assertHealthy()

    def test_unsurvived_fault_fails_reverts_and_packages(self):
        """The service's data corrupted: FAIL, the failed state kept (with
        memory), the VNF reverted and probed healthy, a package built."""
        test = self.run_test(request(fault_command=('corrupt',)))
        self.assertEqual(states.COMPLETED, test['operationState'],
                         test.get('error'))
        self.assertEqual('FAIL', test['verdict'])
        self.assertNotIn('recoveryTime', test)
        self.assertEqual('after-restore', test['probeRounds'][-1]['phase'])
        self.assertTrue(test['probeRounds'][-1]['passed'])
        self.assertHealthy()
        failed = db_api.get_vnf_snapshot_info(
            None, test['failedStateVnfSnapshotInfoId'])
        self.assertTrue(all(v.memory_captured
                            for v in failed.vnfc_snapshots))
        handle = failed.vnfc_snapshots[0].compute_snapshot_resource[
            'resourceId']
        self.assertEqual('corrupt',
                         FakeVim.snapshots[handle]['disk']['service'])
        self.assertTrue(db_api.get_vnf_snapshot_info(
            None, test['preTestVnfSnapshotInfoId']).snapshot_id)
        pkg = db_utils.settled_pkg(test['vnfSnapshotPkgId'])
        self.assertEqual(states.PKG_AVAILABLE, pkg.state)
        self.assertEqual(test['failedStateVnfSnapshotInfoId'],
                         pkg.operation_params['vnfSnapshotInfoId'])
        self.assertEqual(failed.snapshot_id, pkg.vnf_snapshot_id)
        self.assertIn('vnfSnapshotPkg', test['_links'])
        self.assertIn('restoredAt', test['fault'])
        self.assertFree()

    def test_unhealthy_baseline_touches_nothing(self):
        FakeVim.guests['vm-1']['disk']['service'] = 'corrupt'
        test = self.run_test(request())
        self.assertEqual(states.ROLLED_BACK, test['operationState'])
        self.assertIn('not healthy before the test',
                      test['error']['detail'])
        self.assertNotIn('verdict', test)
        self.assertFalse([c for c in FakeVim.calls
                          if not c[0].startswith('exec-health')])
        self.assertFree()

    def test_missing_capability_refused_before_anything(self):
        FakeVim.caps = FakeVim.caps.__class__(**dict(
            FakeVim.caps.as_dict(), reset=False))
        body = request()
        body['fault'] = {'type': 'RESET_VNFC', 'vnfcInstanceId': 'vnfc-0'}
        test = self.run_test(body)
        self.assertEqual(states.ROLLED_BACK, test['operationState'])
        self.assertIn('inject a RESET_VNFC fault', test['error']['detail'])
        self.assertEqual([], FakeVim.calls)


class TestAbort(OnlineTestCase):

    def test_abort_while_waiting_restores(self):
        test_id = self.start(request(fault_command=('corrupt',),
                                     expectedRecoveryTime=30)).json['id']
        deadline = time.monotonic() + 10
        while db_api.get_online_test(None, test_id).phase != 'INJECTED':
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.02)
        time.sleep(0.3)
        resp = self.post('%s/%s/abort' % (self.url, test_id))
        self.assertEqual(202, resp.status, resp.body)
        test = self.wait_test(test_id)
        self.assertEqual(states.ROLLED_BACK, test['operationState'])
        self.assertIn('cancelled', test['error']['detail'])
        self.assertIn('restoredAt', test['fault'])
        self.assertNotIn('preTestVnfSnapshotInfoId', test)
        self.assertEqual({}, FakeVim.snapshots)
        self.assertHealthy()
        self.assertFree()
        self.assertProblem(self.post('%s/%s/abort' % (self.url, test_id)),
                           409)

    def test_abort_unknown_is_404(self):
        self.assertProblem(self.post('%s/nope/abort' % self.url), 404)


class TestQuery(OnlineTestCase):

    def test_list_filter_and_paging(self):
        passed = self.run_test(request())['id']
        failed = self.run_test(request(fault_command=('corrupt',)))['id']
        resp = self.get(self.url)
        self.assertEqual(200, resp.status, resp.body)
        self.assertEqual([passed, failed], [t['id'] for t in resp.json])
        # request and probeRounds are left out of collections by default
        self.assertNotIn('probeRounds', resp.json[0])
        resp = self.get(self.url + '?filter=(eq,verdict,FAIL)')
        self.assertEqual([failed], [t['id'] for t in resp.json])
        resp = self.get(self.url + '?filter=(eq,operationState,COMPLETED)'
                        '&all_fields')
        self.assertEqual(2, len(resp.json))
        self.assertIn('probeRounds', resp.json[0])
        self.conf.config(max_page_size=1, group='api')
        resp = self.get(self.url)
        self.assertEqual([passed], [t['id'] for t in resp.json])
        self.assertIn('nextpage_opaque_marker', resp.headers['Link'])
        self.assertProblem(self.get(self.url + '?filter=(eq,nope'), 400)

    def test_list_with_the_requested_fault_only(self):
        # What the dashboard's table asks for: the requested fault (the
        # record has none until it is injected), not the whole request.
        body = request()
        self.run_test(body)
        resp = self.get(self.url + '?fields=request/fault')
        self.assertEqual(200, resp.status, resp.body)
        self.assertEqual({'fault': body['fault']}, resp.json[0]['request'])
        self.assertNotIn('probeRounds', resp.json[0])

    def test_other_instance_sees_none(self):
        other = self.register_vnf(prefix='other')
        self.run_test(request())
        resp = self.get('/vnflcm/v2/vnf_instances/%s/online_tests'
                        % other['id'])
        self.assertEqual([], resp.json)

    def test_op_occ_is_notified_like_any(self):
        test_id = self.run_test(request())['id']
        op = db_api.get_op_occ(None, test_id)
        self.assertEqual(states.ONLINE_TEST, op.operation)
        resp = self.get('/vnflcm/v2/vnf_lcm_op_occs/%s' % test_id)
        self.assertEqual(200, resp.status, resp.body)
        self.assertNotIn('retry', resp.json['_links'])
