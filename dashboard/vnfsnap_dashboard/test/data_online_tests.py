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

"""Online tests as vnfsnap answers them (vnfsnap.common.views.
online_test), for the unit tests of the online test pages."""

from vnfsnap_dashboard.api import online_tests as api

VNFSNAP_URL = 'http://vnfsnap.example.com:9896'
INSTANCE_ID = '8e5d4d2e-2a4b-4b8e-9a49-0f6b1d6f3a11'
PASSED_ID = '64215ad9-f741-4d4a-8a51-4edd2c20ce99'
FAILED_ID = '4c78260a-87a1-46c1-890d-a954c9ac0907'
RUNNING_ID = '3773dec4-c2b8-402a-b608-f1c5151eb628'
PRE_TEST_SNAPSHOT_ID = '31063c31-11ba-42f9-8bf2-968e0fc87754'
FAILED_STATE_SNAPSHOT_ID = '8f56f56d-67d1-4ea6-8c01-9807ccef996e'
PACKAGE_ID = '873bbf53-8d8f-45e6-bcf4-d7b5a6cd23e2'
FAULT_REQUEST = {'type': 'WEBHOOK',
                 'url': 'http://192.0.2.10:18080/injector/corrupt'}
REQUEST = {
    'description': 'Does fw-1 ride out a restart of its packet engine?',
    'probes': [{'id': 'portal', 'type': 'HTTP',
                'url': 'http://192.0.2.10:18080/health'},
               {'id': 'mgmt-port', 'type': 'TCP', 'host': '192.0.2.10',
                'port': 18080}],
    'fault': FAULT_REQUEST,
    'expectedRecoveryTime': 8,
    'probeInterval': 1,
}


def result(probe_id, at, passed, **extra):
    return dict({'probeId': probe_id, 'at': at, 'passed': passed,
                 'latencyMs': 1}, **extra)


# The rounds of a FAIL (docs' example): the baseline passes, the portal
# fails during the recovery and at the judgement, passes after the restore.
FAILED_ROUNDS = [
    {'phase': 'baseline', 'at': '2026-12-07T10:20:41.771Z', 'passed': True,
     'results': [result('portal', '2026-12-07T10:20:41.771Z', True,
                        status=200),
                 result('mgmt-port', '2026-12-07T10:20:41.773Z', True)]},
    {'phase': 'recovery', 'at': '2026-12-07T10:20:41.867Z', 'passed': False,
     'results': [result('portal', '2026-12-07T10:20:41.867Z', False,
                        status=503, detail='status 503, expected 200'),
                 result('mgmt-port', '2026-12-07T10:20:41.869Z', True)]},
    {'phase': 'judgement', 'at': '2026-12-07T10:20:49.869Z', 'passed': False,
     'results': [result('portal', '2026-12-07T10:20:49.869Z', False,
                        status=503, detail='status 503, expected 200'),
                 result('mgmt-port', '2026-12-07T10:20:49.871Z', True)]},
    {'phase': 'after-restore', 'at': '2026-12-07T10:20:49.979Z',
     'passed': True,
     'results': [result('portal', '2026-12-07T10:20:49.979Z', True,
                        status=200),
                 result('mgmt-port', '2026-12-07T10:20:49.981Z', True)]},
]


def online_test_dict(test_id, state, whole=False, **extra):
    """An online test as GET .../online_tests/{id} answers it (the list's
    items unless ``whole``: without request and probe rounds)."""
    base = '%s/vnflcm/v2' % VNFSNAP_URL
    path = '%s/vnf_instances/%s/online_tests/%s' % (base, INSTANCE_ID,
                                                    test_id)
    links = {'self': {'href': path},
             'vnfInstance': {'href': '%s/vnf_instances/%s'
                             % (base, INSTANCE_ID)},
             'vnfLcmOpOcc': {'href': '%s/vnf_lcm_op_occs/%s'
                             % (base, test_id)}}
    if state in api.ACTIVE_STATES:
        links['abort'] = {'href': path + '/abort'}
    test = {
        'id': test_id,
        'vnfInstanceId': INSTANCE_ID,
        'operationState': state,
        'stateEnteredTime': '2026-12-07T10:20:50Z',
        'startTime': '2026-12-07T10:20:41Z',
        'phase': 'INJECTED' if state in api.ACTIVE_STATES else 'DONE',
        'fault': {'request': dict(FAULT_REQUEST), 'injected': {},
                  'injectedAt': '2026-12-07T10:20:41.846Z'},
        '_links': links,
    }
    if whole:
        test['request'] = dict(REQUEST)
        test['probeRounds'] = []
    test.update(extra)
    return test


def passed_test(whole=False):
    return online_test_dict(
        PASSED_ID, 'COMPLETED', whole, verdict='PASS', recoveryTime=3.06,
        startTime='2026-12-07T10:20:27Z')


def failed_test(whole=False):
    test = online_test_dict(
        FAILED_ID, 'COMPLETED', whole, verdict='FAIL',
        preTestVnfSnapshotInfoId=PRE_TEST_SNAPSHOT_ID,
        failedStateVnfSnapshotInfoId=FAILED_STATE_SNAPSHOT_ID,
        vnfSnapshotPkgId=PACKAGE_ID)
    test['fault']['restoredAt'] = '2026-12-07T10:20:49.960Z'
    if whole:
        test['probeRounds'] = FAILED_ROUNDS
        test['probeRoundsDropped'] = 5
    return test


def running_test(whole=False):
    return online_test_dict(RUNNING_ID, 'PROCESSING', whole,
                            startTime='2026-12-07T10:21:03Z',
                            preTestVnfSnapshotInfoId=PRE_TEST_SNAPSHOT_ID)


def wrapped(*tests):
    """The tests as the panels' API module returns them."""
    return [api.OnlineTest(t) for t in tests]
