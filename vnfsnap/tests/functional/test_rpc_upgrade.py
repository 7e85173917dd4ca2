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

"""A rolling upgrade over a real RabbitMQ: conductors of two releases.

An upgraded vnfsnap-api with ``[upgrade_levels]conductor = 1.0`` first has
only a conductor of the release before conductor RPC API 1.1, then a
conductor of this release joins and the old one leaves.
"""

import json
import subprocess

from vnfsnap.conductor import rpcapi
from vnfsnap.tests.fixtures import rpc_conductor
from vnfsnap.tests.fixtures import services
from vnfsnap.tests.functional import base

PKGM = base.PKGM


class TestRollingUpgrade(rpc_conductor.ConductorProcesses,
                         base.FunctionalTestCase):

    def setUp(self):
        super().setUp()
        rabbit = self.useFixture(services.RabbitMQServer())
        db = self.useFixture(services.PostgreSQLServer())
        self.port = services.free_port()
        common = {'DEFAULT': {'rpc_transport': 'oslo',
                              'transport_url': rabbit.transport_url,
                              'state_path': self.tmp},
                  'database': {'connection': db.url},
                  'api': {'port': self.port}}
        self.confs = {}
        for name, extra in (
                ('api', {'upgrade_levels': {'conductor': '1.0'}}),
                # Only RPC can start work on the old conductor.
                ('old', {'conductor': {'sweep_interval': 3600}}),
                ('new', {'conductor': {'sweep_interval': 2}})):
            sections = {k: dict(v) for k, v in common.items()}
            sections['DEFAULT']['host'] = name
            sections.update(extra)
            self.confs[name] = base.write_config(
                '%s/%s.conf' % (self.tmp, name), sections)
        subprocess.run([base.command('vnfsnap-manage'), '--config-file',
                        self.confs['api'], 'db', 'sync'], check=True,
                       capture_output=True)
        self.start([base.command('vnfsnap-api'), '--config-file',
                    self.confs['api']], port=self.port, name='vnfsnap-api')
        url = 'http://127.0.0.1:%d' % self.port
        self.api = base.Client(url)
        self.pkgm = base.Client(url, version='1.2.0')

    def start_conductor(self, name, mode):
        proc = self.start_rpc_conductor(
            mode, self.confs[name], name,
            {'VNFSNAP_FAKE_GUESTS': 'vm-a', 'VNFSNAP_FAKE_VIM_DIR': self.tmp})
        self.wait_for_log(name, 'Conductor %s listening' % name)
        return proc

    def test_new_api_old_then_new_conductor(self):
        old = self.start_conductor('old', 'old-conductor')
        self.assertIn('(conductor RPC API 1.0)', self.log('old'))

        # The 1.0 methods reach the old conductor.
        inst = self.api.post('/vnflcm/v2/vnf_instances',
                             json=base.registration(('vm-a',))).json()
        info = self.api.post('/vnflcm/v2/vnf_snapshots', json={}).json()
        task = self.api.post(
            '/vnflcm/v2/vnf_instances/%s/create_snapshot' % inst['id'],
            json={'vnfSnapshotInfoId': info['id']})
        self.assertEqual(202, task.status_code, task.text)
        op = self.api.wait_for_op(task.headers['Location'], timeout=120)
        self.assertEqual('COMPLETED', op['operationState'], op)
        caps = self.api.get('/vnflcm/v2/vnf_instances/%s/vim_capabilities'
                            % inst['id'])
        self.assertEqual(200, caps.status_code, caps.text)

        # A package build (1.1) is accepted and recorded, not sent.
        pkg = self.new_pkg(self.pkgm, 'during-upgrade')
        resp = self.pkgm.post('%s/%s/package_content/build' % (PKGM, pkg),
                              json={'vnfSnapshotInfoId': info['id']})
        self.assertEqual(202, resp.status_code, resp.text)
        self.wait_for_log('vnfsnap-api', 'Not casting run_vnf_snapshot_pkg_op')
        self.assertEqual('BUILDING', self.pkgm.get(
            '%s/%s' % (PKGM, pkg)).json()['state'])
        # MODIFY_INFO (1.2) is refused before anything is recorded.
        resp = self.api.request(
            'PATCH', '/vnflcm/v2/vnf_instances/%s' % inst['id'],
            data=json.dumps({'vnfInstanceName': 'renamed'}),
            headers={'Content-Type': 'application/merge-patch+json'})
        self.assertEqual(503, resp.status_code, resp.text)
        self.assertIn('MODIFY_INFO', resp.json()['detail'])

        # A conductor of this release runs the build from the database.
        self.start_conductor('new', 'conductor')
        self.assertIn('(conductor RPC API %s)'
                      % rpcapi.ConductorAPI.RPC_API_VERSION, self.log('new'))
        self.assertEqual('AVAILABLE',
                         self.wait_for_pkg(self.pkgm, pkg)['state'])
        self.assertIn(pkg, self.log('new'))
        self.assertNotIn(pkg, self.log('old'))

        # The old conductor leaves; 1.0 messages reach the new one.
        old.stop()
        caps = self.api.get('/vnflcm/v2/vnf_instances/%s/vim_capabilities'
                            % inst['id'])
        self.assertEqual(200, caps.status_code, caps.text)
        gone = self.api.delete('/vnflcm/v2/vnf_snapshots/%s' % info['id'])
        self.assertEqual(204, gone.status_code, gone.text)
        for name in ('old', 'new'):
            self.assertNotIn('does not support RPC version', self.log(name))
