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

"""schemathesis, from the published OpenAPI document, against a live noauth
vnfsnap-all-in-one: no 5xx, and every answer as the document says (status
codes, media types, headers, bodies), also for requests the document
says are wrong (they must be refused with a 4xx).

The all-in-one runs with the in-memory VIM of the functional tests. Its
path parameters are the identifiers of real resources made first (a VNF
instance with a completed snapshot, an AVAILABLE package built from it, a
subscription), so the generated requests reach past the 404s. What the
server fetches stays on this machine: uploads from a URI may only name
127.0.0.1, and every other HTTP request it makes (a subscription's test
GET to a generated callbackUri) goes to a proxy on a closed loopback port.
"""

import os
import subprocess
import time

from vnfsnap import package
from vnfsnap.tests.fixtures import notify_endpoint
from vnfsnap.tests.fixtures import rpc_conductor
from vnfsnap.tests.fixtures import services
from vnfsnap.tests.functional import base

DOCUMENT = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'doc',
                        'source', '_static', 'vnfsnap-openapi.yaml')
CHECKS = ('not_a_server_error', 'status_code_conformance',
          'content_type_conformance', 'response_headers_conformance',
          'response_schema_conformance', 'negative_data_rejection',
          'missing_required_header', 'unsupported_method')
# Test cases per operation: the whole test took 96 s with 100 (45 s with
# 25, 112 s with 150) on the loaded two-core development machine.
# VNFSNAP_SCHEMATHESIS_EXAMPLES asks for another number, for a deeper run
# by hand.
MAX_EXAMPLES = int(os.environ.get('VNFSNAP_SCHEMATHESIS_EXAMPLES', 100))
# Nothing listens there: a request that is not for loopback fails.
CLOSED_PROXY = 'http://127.0.0.1:9'
PKGM = base.PKGM
LCM = '/vnflcm/v2'


class TestSchemathesis(rpc_conductor.ConductorProcesses,
                       base.FunctionalTestCase):

    def setUp(self):
        super().setUp()
        port = services.free_port()
        conf = base.write_config(self.tmp + '/aio.conf', {
            'DEFAULT': {'state_path': self.tmp},
            'api': {'port': port},
            'package_import': {'allowed_hosts': '127.0.0.1'},
        })
        env = {'VNFSNAP_FAKE_GUESTS': 'vm-a,vm-b',
               'HTTP_PROXY': CLOSED_PROXY, 'HTTPS_PROXY': CLOSED_PROXY,
               'http_proxy': CLOSED_PROXY, 'https_proxy': CLOSED_PROXY,
               'NO_PROXY': '127.0.0.1,localhost',
               'no_proxy': '127.0.0.1,localhost'}
        self.start_rpc_conductor('all-in-one', conf, 'all-in-one', env,
                                 port=port)
        self.url = 'http://127.0.0.1:%d' % port
        self.lcm = base.Client(self.url, version='2.3.0')
        self.pkgm = base.Client(self.url, version='1.2.0')
        self.subscriber = notify_endpoint.Endpoint()
        self.addCleanup(self.subscriber.stop)

    def make_resources(self):
        """Path parameters: identifiers of real resources."""
        inst = self.lcm.post(LCM + '/vnf_instances',
                             json=base.registration(['vm-a']))
        self.assertEqual(201, inst.status_code, inst.text)
        inst_id = inst.json()['id']
        info = self.lcm.post(LCM + '/vnf_snapshots', json={})
        self.assertEqual(201, info.status_code, info.text)
        info_id = info.json()['id']
        task = self.lcm.post(LCM + '/vnf_instances/%s/create_snapshot'
                             % inst_id, json={'vnfSnapshotInfoId': info_id})
        self.assertEqual(202, task.status_code, task.text)
        op = self.lcm.wait_for_op(task.headers['Location'], timeout=120)
        self.assertEqual('COMPLETED', op['operationState'], op)
        pkg_id = self.new_pkg(self.pkgm, 'schemathesis')
        build = self.pkgm.post('%s/%s/package_content/build'
                               % (PKGM, pkg_id),
                               json={'vnfSnapshotInfoId': info_id})
        self.assertEqual(202, build.status_code, build.text)
        pkg = self.wait_for_pkg(self.pkgm, pkg_id)
        self.assertEqual('AVAILABLE', pkg['state'], pkg)
        sub = self.lcm.post(LCM + '/subscriptions',
                            json={'callbackUri': self.subscriber.url})
        self.assertEqual(201, sub.status_code, sub.text)
        return {'vnfInstanceId': inst_id, 'vnfSnapshotInfoId': info_id,
                'vnfLcmOpOccId': op['id'], 'vnfSnapshotPkgId': pkg_id,
                'subscriptionId': sub.json()['id'],
                'artifactPath': package.MANIFEST_NAME}

    def test_document_holds_against_the_all_in_one(self):
        params = self.make_resources()
        config = os.path.join(self.tmp, 'schemathesis.toml')
        with open(config, 'w') as f:
            f.write('[parameters]\n')
            for name, value in sorted(params.items()):
                f.write('"path.%s" = "%s"\n' % (name, value))
        started = time.monotonic()
        run = subprocess.run(
            [base.command('schemathesis'), '--no-color', '--config-file',
             config, 'run', os.path.abspath(DOCUMENT), '--url', self.url,
             '--checks', ','.join(CHECKS), '--max-examples',
             str(MAX_EXAMPLES), '--generation-deterministic',
             '--workers', '1',
             '--request-timeout', '60', '--phases',
             'examples,coverage,fuzzing', '--suppress-health-check', 'all'],
            cwd=self.tmp, capture_output=True, text=True, timeout=900)
        elapsed = time.monotonic() - started
        report = run.stdout[-20000:] + run.stderr[-5000:]
        self.assertEqual(0, run.returncode, report)
        self.assertIn(' passed', report.rsplit('SUMMARY', 1)[-1])
        # Bounded: a run that grows past this needs fewer examples.
        self.assertLess(elapsed, 240 * max(1, MAX_EXAMPLES / 100), report)
