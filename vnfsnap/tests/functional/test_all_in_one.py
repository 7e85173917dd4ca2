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

"""vnfsnap-all-in-one with no configuration file, as a real process."""

import os

from vnfsnap.tests.fixtures import services
from vnfsnap.tests.functional import base


class TestAllInOneNoConfig(base.FunctionalTestCase):

    def test_embedded_default_serves_api(self):
        port = services.free_port()
        # No config file at all: only oslo.config's environment source
        # moves the port and state_path away from the system defaults.
        proc = self.start([base.command('vnfsnap-all-in-one')], port=port,
                          env={'OS_API__PORT': str(port),
                               'OS_DEFAULT__STATE_PATH': self.tmp})
        api = base.Client('http://127.0.0.1:%d' % port)

        resp = api.get('/vnflcm/v2/api_versions')
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertEqual('2.0.0', resp.headers['Version'])
        self.assertEqual(
            {'uriPrefix': 'http://127.0.0.1:%d/vnflcm/v2' % port,
             'apiVersions': [{'version': '2.3.0', 'isDeprecated': False}]},
            resp.json())
        self.assertEqual(200, api.get('/vnflcm/api_versions').status_code)
        missing = api.get('/vnflcm/v2/api_versions',
                          headers={'Version': None})
        self.assertEqual(400, missing.status_code)
        self.assertEqual('application/problem+json',
                         missing.headers['Content-Type'])

        # vnf_snapshots CRUD
        created = api.post('/vnflcm/v2/vnf_snapshots', json={})
        self.assertEqual(201, created.status_code, created.text)
        path = '/vnflcm/v2/vnf_snapshots/%s' % created.json()['id']
        self.assertEqual('http://127.0.0.1:%d%s' % (port, path),
                         created.headers['Location'])
        listed = api.get('/vnflcm/v2/vnf_snapshots')
        self.assertEqual([created.json()['id']],
                         [s['id'] for s in listed.json()])
        one = api.get(path)
        self.assertEqual(created.json(), one.json())
        patched = api.request(
            'PATCH', path, json={'vnfSnapshotPkgId': 'pkg-1'},
            headers={'Content-Type': 'application/merge-patch+json',
                     'If-Match': one.headers['ETag']})
        self.assertEqual(200, patched.status_code, patched.text)
        self.assertEqual('pkg-1', api.get(path).json()['vnfSnapshotPkgId'])
        self.assertEqual(204, api.delete(path).status_code)
        self.assertEqual(404, api.get(path).status_code)

        # The embedded SQLite database lives under state_path.
        self.assertTrue(os.path.exists(os.path.join(self.tmp,
                                                    'vnfsnap.sqlite')))
        proc.stop()
        self.assertEqual(0, proc.returncode)
