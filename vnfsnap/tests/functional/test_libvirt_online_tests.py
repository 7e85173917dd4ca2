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

"""Guarded online tests (GR NFV-TST 005 clause 4.1.1) of a 2-VNFC VNF of
real guests through a real vnfsnap-all-in-one process.

The test guest serves no HTTP; its health is judged through its guest
agent: the counter workload runs and the service's data on the data disk
(/data/health) says ``ok``. The guest has no process supervisor, so the
survivable fault brings its own one-shot restart of the counter."""

import io
import json
import os
import time
import zipfile

from vnfsnap.tests.functional import base
from vnfsnap.tests.functional import libvirt_base
from vnfsnap_demo import guest_agent

HEALTH = '/data/health'
CHECK = ('test "$(cat %s)" = ok && kill -0 "$(cat /run/vnfsnap/counter.pid)"'
         % HEALTH)
# Killed, and started again a second later, as a supervisor would.
KILL_AND_RESTART = (
    'kill "$(cat /run/vnfsnap/counter.pid)"; '
    '(sleep 1; exec /usr/local/sbin/vnfsnap-counter) >/dev/null 2>&1 &')
CORRUPT = 'echo corrupt >%s && sync' % HEALTH


class TestOnlineTests(libvirt_base.GuestsTestCase):

    GUESTS = 2

    def setUp(self):
        super().setUp()
        for dom in self.doms.values():
            guest_agent.write_file(dom, HEALTH, b'ok\n')
        self.service = self.start_service()
        self.inst = self.register()
        self.vnfcs = [td.name for td in self.created]
        self.url = '/vnflcm/v2/vnf_instances/%s/online_tests' % self.inst

    def request(self, command, **extra):
        return dict({
            'probes': [{'id': 'health-%d' % i, 'type': 'GUEST_COMMAND',
                        'vnfcInstanceId': vnfc, 'timeout': 10,
                        'command': ['/bin/sh', '-c', CHECK]}
                       for i, vnfc in enumerate(self.vnfcs)],
            'fault': {'type': 'GUEST_COMMAND',
                      'vnfcInstanceId': self.vnfcs[0],
                      'command': ['/bin/sh', '-c', command]},
            'expectedRecoveryTime': 8, 'probeInterval': 0.5}, **extra)

    def run_test(self, body, timeout=400):
        resp = self.api.post(self.url, json=body)
        self.assertEqual(202, resp.status_code, resp.text)
        return self.settled(self.url + '/' + resp.json()['id'], timeout)

    def settled(self, test_url, timeout):
        """The test's record once it is COMPLETED, FAILED_TEMP or
        ROLLED_BACK."""
        deadline = time.monotonic() + timeout
        while True:
            test = self.api.get(test_url).json()
            if test['operationState'] in ('COMPLETED', 'FAILED_TEMP',
                                          'ROLLED_BACK'):
                return test
            self.assertLess(time.monotonic(), deadline, test)
            time.sleep(0.5)

    def health(self):
        return {name: guest_agent.read_file(dom, HEALTH,
                                            drop_caches=True).decode()
                for name, dom in self.doms.items()}

    def assertHealthy(self):
        """Every guest's service data is ok again (the agent of a guest
        just restored may take a moment to answer)."""
        deadline = time.monotonic() + 120
        while True:
            try:
                if set(self.health().values()) == {'ok\n'}:
                    return
            except guest_agent.AgentUnavailableError:
                pass
            self.assertLess(time.monotonic(), deadline, 'not restored')
            time.sleep(1)

    def wait_phase(self, test_url, phase, timeout=240):
        deadline = time.monotonic() + timeout
        while self.api.get(test_url).json().get('phase') != phase:
            self.assertLess(time.monotonic(), deadline, phase)
            time.sleep(0.3)

    def test_survived_fault_passes(self):
        """The counter killed and restarted: PASS, snapshot deleted."""
        test = self.run_test(self.request(
            KILL_AND_RESTART, onPass={'snapshot': 'DELETE'}))
        self.assertEqual('COMPLETED', test['operationState'], test)
        self.assertEqual('PASS', test['verdict'], test)
        self.assertGreater(test['recoveryTime'], 0.5)
        self.assertLess(test['recoveryTime'], 8)
        self.assertTrue([r for r in test['probeRounds']
                         if r['phase'] == 'recovery' and not r['passed']])
        self.assertNotIn('preTestVnfSnapshotInfoId', test)
        self.assertEqual([], self.api.get('/vnflcm/v2/vnf_snapshots').json())

    def test_unsurvived_fault_fails_and_restores(self):
        """The service's data corrupted: FAIL, the failed state captured
        warm, the VNF reverted and probed healthy, a package built."""
        test = self.run_test(self.request(CORRUPT, withMemory=True))
        self.assertEqual('COMPLETED', test['operationState'], test)
        self.assertEqual('FAIL', test['verdict'], test)
        self.assertTrue(test['probeRounds'][-1]['passed'])
        self.assertEqual('after-restore', test['probeRounds'][-1]['phase'])
        self.assertEqual({name: 'ok\n' for name in self.doms},
                         self.health())
        failed = self.api.get('/vnflcm/v2/vnf_snapshots/%s'
                              % test['failedStateVnfSnapshotInfoId']).json()
        vnfc_snapshots = failed['vnfSnapshot']['vnfcSnapshots']
        self.assertEqual(2, len(vnfc_snapshots))
        pkg_url = ('/vnfsnapshotpkgm/v1/vnf_snapshot_packages/%s'
                   % test['vnfSnapshotPkgId'])
        deadline = time.monotonic() + 300
        while True:
            pkg = self.api.get(pkg_url, headers={
                'Version': '1.2.0'}).json()
            if pkg['state'] not in ('CREATED', 'BUILDING', 'PROCESSING'):
                break
            self.assertLess(time.monotonic(), deadline, pkg)
            time.sleep(1)
        self.assertEqual('AVAILABLE', pkg['state'], pkg)
        # A root-cause package: the failed state with its diagnostics.
        resp = self.api.get(pkg_url + '/package_content', headers={
            'Version': '1.2.0', 'Accept': 'application/zip'})
        self.assertEqual(200, resp.status_code, resp.text[:300])
        with zipfile.ZipFile(io.BytesIO(resp.content)) as zf:
            names = set(zf.namelist())
            ops = json.loads(zf.read('diagnostics/lcm-op-occs.json'))
        self.assertIn('ONLINE_TEST', [o['operation'] for o in ops])
        self.assertIn('diagnostics/logs/%s.log' % test['id'], names)
        for name in self.doms:
            self.assertIn('diagnostics/vnfc-%s/domain.xml' % name, names)

    def test_conductor_killed_while_waiting_restores(self):
        """SIGKILLed as the wait starts, the fault injected: the
        restarted conductor restores the VNF and rolls the test back."""
        mark = os.path.join(self.tmp, 'fault-mark')
        self.service.stop()
        proc = self.start([base.command('vnfsnap-all-in-one'),
                           '--config-file', self.conf], port=self.port,
                          name='vnfsnap-all-in-one',
                          env={'VNFSNAP_FAULT_AT': 'wait-recovery@before',
                               'VNFSNAP_FAULT_MARK': mark})
        resp = self.api.post(self.url, json=self.request(
            CORRUPT, withMemory=True, expectedRecoveryTime=60))
        self.assertEqual(202, resp.status_code, resp.text)
        test_url = self.url + '/' + resp.json()['id']
        deadline = time.monotonic() + 240
        while proc.process.poll() is None:
            self.assertLess(time.monotonic(), deadline, 'not killed')
            time.sleep(0.2)
        self.assertTrue(os.path.exists(mark))
        proc.stop()
        # Killed with the fault injected.
        self.assertEqual('corrupt\n', self.health()[self.vnfcs[0]])
        self.service = self.start_service()
        test = self.settled(test_url, 300)
        self.assertEqual('ROLLED_BACK', test['operationState'], test)
        self.assertIn('at step wait-recovery', test['error']['detail'])
        self.assertIn('restoredAt', test['fault'])
        self.assertHealthy()
        self.assertEqual([], self.api.get('/vnflcm/v2/vnf_snapshots').json())

    def test_abort_mid_test_restores(self):
        resp = self.api.post(self.url, json=self.request(
            CORRUPT, withMemory=True, expectedRecoveryTime=120))
        self.assertEqual(202, resp.status_code, resp.text)
        test_url = self.url + '/' + resp.json()['id']
        self.wait_phase(test_url, 'INJECTED')
        self.assertEqual('corrupt\n', self.health()[self.vnfcs[0]])
        resp = self.api.post(test_url + '/abort')
        self.assertEqual(202, resp.status_code, resp.text)
        test = self.settled(test_url, 240)
        self.assertEqual('ROLLED_BACK', test['operationState'], test)
        self.assertIn('cancelled', test['error']['detail'])
        self.assertHealthy()
