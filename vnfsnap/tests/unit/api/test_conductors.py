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

"""GET /vnfsnap/v1/conductors: liveness and work held, admins only."""


import fixtures

from vnfsnap.common import context
from vnfsnap.common import states
from vnfsnap.db import api as db_api
from vnfsnap.tests import base
from vnfsnap.tests.fixtures import database as db_utils

P = '/vnfsnap/v1/conductors'


class TestConductorsApi(base.ApiTestCase):

    def setUp(self):
        super().setUp()
        self.conf.config(heartbeat_timeout=30, group='conductor')
        db_api.register_conductor('dead', '0.0.9', '1.1')
        db_utils.age_heartbeat('dead', 31)
        inst = self.register_vnf()
        info = self.new_snapshot_info()
        # The conductor's sweep would take over what 'dead' holds: only
        # its first sweep (at start) runs.
        self.conductor.manager._stopping.set()
        self.op_id = db_utils.make_op(inst['id'], info['id'],
                                      project='default').id
        db_api.transition_op_occ(self.op_id, (states.STARTING,),
                                 states.PROCESSING, host='dead')

    def test_list(self):
        resp = self.get(P)
        self.assertEqual(200, resp.status, resp.body)
        self.assertEqual('1.0.0', resp.headers['Version'])
        by_host = {c['hostname']: c for c in resp.json}
        self.assertEqual({'dead', 'test-host'}, set(by_host))
        self.assertFalse(by_host['dead']['alive'])
        self.assertEqual([self.op_id], by_host['dead']['vnfLcmOpOccIds'])
        self.assertTrue(by_host['test-host']['alive'])
        self.assertEqual([], by_host['test-host']['vnfLcmOpOccIds'])
        resp = self.get(P + '?filter=(eq,alive,false)')
        self.assertEqual(['dead'], [c['hostname'] for c in resp.json])

    def test_pages_by_hostname(self):
        self.conf.config(max_page_size=1, group='api')
        resp = self.get(P)
        self.assertEqual(200, resp.status, resp.body)
        first = [c['hostname'] for c in resp.json]
        link = resp.headers['Link']
        next_url = link[link.index('<') + 1:link.index('>')]
        resp = self.get(next_url.replace('http://localhost', ''))
        self.assertEqual(200, resp.status, resp.body)
        self.assertNotIn('Link', resp.headers)
        self.assertEqual({'dead', 'test-host'},
                         set(first + [c['hostname'] for c in resp.json]))

    def test_blank_or_foreign_marker_is_400(self):
        for marker in ('', 'bm9wZQ'):
            self.assertProblem(
                self.get(P + '?nextpage_opaque_marker=' + marker), 400)

    def test_show(self):
        resp = self.get(P + '/dead')
        self.assertEqual(200, resp.status, resp.body)
        self.assertEqual({
            'hostname': 'dead', 'alive': False, 'online': True,
            'version': '0.0.9', 'rpcApiVersion': '1.1',
            'vnfLcmOpOccIds': [self.op_id], 'vnfSnapshotPkgIds': [],
            '_links': {'self': {
                'href': 'http://localhost/vnfsnap/v1/conductors/dead'}}},
            {k: v for k, v in resp.json.items()
             if k not in ('startedAt', 'heartbeatAt')})
        self.assertIn('ETag', resp.headers)

    def test_unknown_is_404(self):
        self.assertProblem(self.get(P + '/nope'), 404)

    def test_not_for_project_members(self):
        self.useFixture(fixtures.MockPatch(
            'vnfsnap.common.context.noauth_context',
            lambda environ: context.RequestContext(
                user_id='u', project_id='default',
                roles=['member', 'reader'], overwrite=False)))
        for path in (P, P + '/dead'):
            resp = self.get(path)
            self.assertProblem(resp, 403)
            self.assertIn('vnfsnap:conductor:', resp.json['detail'])

    def test_read_only(self):
        for method in ('POST', 'PUT', 'PATCH', 'DELETE'):
            self.assertProblem(self.request(method, P + '/dead', body={}),
                               405)
