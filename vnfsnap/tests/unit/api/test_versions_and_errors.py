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

"""SOL013 versioning (Version header, api_versions) and error answers."""

import json

import fixtures
import webob

from vnfsnap.db import api as db_api
from vnfsnap.tests import base

V2 = '/vnflcm/v2'
RESOURCES = ('/vnflcm/v2/vnf_instances', '/vnflcm/v2/vnf_snapshots',
             '/vnflcm/v2/vnf_lcm_op_occs')


class TestVersionHeader(base.ApiTestCase):

    def test_missing(self):
        for path in RESOURCES + ('/vnflcm/v2/api_versions',
                                 '/vnflcm/api_versions'):
            with self.subTest(path=path):
                resp = self.get(path, version=None)
                self.assertProblem(resp, 400)
                self.assertIn('Version', resp.json['detail'])

    def test_missing_on_post_stores_nothing(self):
        resp = self.post('/vnflcm/v2/vnf_snapshots', {}, version=None)
        self.assertProblem(resp, 400)
        self.assertEqual([], db_api.list_vnf_snapshot_infos(None))

    def test_unsupported(self):
        for version in ('3.0.0', '2.99.0', '2.3.1', '2.4.0', '1.0.0',
                        '1.3.0', 'garbage', '2', '2.0', '2.0.0.0', 'v2.0.0',
                        '', '2.0.0-foo'):
            with self.subTest(version=version):
                resp = self.get(RESOURCES[0], version=version)
                self.assertProblem(resp, 406)
        resp = self.post('/vnflcm/v2/vnf_snapshots', {}, version='3.0.0')
        self.assertProblem(resp, 406)
        self.assertIn('3.0.0', resp.json['detail'])
        self.assertEqual([], db_api.list_vnf_snapshot_infos(None))

    def test_supported(self):
        for version in ('2.0.0', '2.3.0', '2.1.7', '2.3.0-impl:vnfsnap:1'):
            with self.subTest(version=version):
                for path in RESOURCES:
                    resp = self.get(path, version=version)
                    self.assertEqual(200, resp.status, resp.body)
                    self.assertEqual(version, resp.headers['Version'])

    def test_version_on_every_answer(self):
        created = self.post('/vnflcm/v2/vnf_snapshots', {}, version='2.3.0')
        self.assertEqual('2.3.0', created.headers['Version'])
        for resp in (self.get('/vnflcm/v2/vnf_snapshots/nope',
                              version='2.3.0'),
                     self.request('DELETE', '/vnflcm/v2/vnf_snapshots',
                                  version='2.3.0'),
                     self.post('/vnflcm/v2/vnf_snapshots', {'x': 1},
                               version='2.3.0'),
                     self.request('DELETE', '/vnflcm/v2/vnf_snapshots/%s'
                                  % created.json['id'], version='2.3.0')):
            self.assertEqual('2.3.0', resp.headers['Version'])

    def test_checked_under_a_prefix(self):
        """Mounted under /nfv (SCRIPT_NAME), the header is still needed."""
        req = webob.Request.blank('/vnflcm/v2/vnf_instances',
                                  base_url='http://localhost/nfv')
        resp = req.get_response(self.app)
        self.assertEqual(400, resp.status_int, resp.body)
        self.assertEqual('application/problem+json', resp.content_type)

    def test_root_needs_no_version(self):
        resp = self.get('/', version=None)
        self.assertEqual(200, resp.status)
        self.assertEqual([{'apiName': 'vnflcm',
                           'uriPrefix': 'http://localhost/vnflcm/v2',
                           'version': '2.3.0'},
                          {'apiName': 'vnfsnapshotpkgm',
                           'uriPrefix':
                               'http://localhost/vnfsnapshotpkgm/v1',
                           'version': '1.2.0'},
                          {'apiName': 'vnfsnap',
                           'uriPrefix': 'http://localhost/vnfsnap/v1',
                           'version': '1.0.0'}], resp.json['apis'])


class TestApiVersions(base.ApiTestCase):

    def test_shapes(self):
        for path in ('/vnflcm/api_versions', '/vnflcm/v2/api_versions'):
            with self.subTest(path=path):
                resp = self.get(path)
                self.assertEqual(200, resp.status, resp.body)
                self.assertEqual('application/json', resp.content_type)
                self.assertEqual('2.0.0', resp.headers['Version'])
                self.assertEqual({
                    'uriPrefix': 'http://localhost/vnflcm/v2',
                    'apiVersions': [{'version': '2.3.0',
                                     'isDeprecated': False}]}, resp.json)

    def test_public_endpoint(self):
        self.conf.config(public_endpoint='https://vnfsnap.example:9896/',
                         group='api')
        resp = self.get('/vnflcm/api_versions')
        self.assertEqual('https://vnfsnap.example:9896/vnflcm/v2',
                         resp.json['uriPrefix'])

    def test_query_parameters_refused(self):
        for query in ('filter=(eq,version,2.3.0)', 'all_fields', 'x=1'):
            with self.subTest(query=query):
                resp = self.get('/vnflcm/v2/api_versions?' + query)
                self.assertProblem(resp, 400)

    def test_other_methods(self):
        for path in ('/vnflcm/api_versions', '/vnflcm/v2/api_versions'):
            for method in ('POST', 'PUT', 'PATCH', 'DELETE'):
                with self.subTest(path=path, method=method):
                    resp = self.request(method, path, body={})
                    self.assertProblem(resp, 405)
                    self.assertEqual('GET', resp.headers['Allow'])
                    self.assertIn(method, resp.json['detail'])


class TestErrors(base.ApiTestCase):

    def test_problem_details_shape(self):
        resp = self.get('/vnflcm/v2/vnf_instances/nope')
        self.assertProblem(resp, 404)
        self.assertEqual({'type', 'title', 'status', 'detail'},
                         set(resp.json))
        self.assertEqual('Not Found', resp.json['title'])
        self.assertIn('nope', resp.json['detail'])

    def test_unknown_urls(self):
        for path in ('/nothing', '/vnflcm', '/vnflcm/v2', '/vnflcm/v2/',
                     '/vnflcm/v1/vnf_instances',
                     '/vnflcm/v3/vnf_instances', '/vnflcm/v2/nothing',
                     '/vnflcm/v2/vnf_instances/a/b/c',
                     '/vnflcm/v2/vnf_lcm_op_occs/x/retry/again',
                     '/vnflcm/v2/vnf_snapshot_packages'):
            for method in ('GET', 'POST'):
                with self.subTest(path=path, method=method):
                    resp = self.request(method, path)
                    self.assertProblem(resp, 404)

    def test_not_acceptable(self):
        for accept in ('text/html', 'application/xml',
                       'text/html, application/xml;q=0.9'):
            with self.subTest(accept=accept):
                resp = self.get(RESOURCES[0], headers={'Accept': accept})
                self.assertProblem(resp, 406)
                self.assertIn(accept, resp.json['detail'])
                self.assertEqual('2.0.0', resp.headers['Version'])
        resp = self.post('/vnflcm/v2/vnf_snapshots', {},
                         headers={'Accept': 'text/html'})
        self.assertProblem(resp, 406)
        self.assertEqual([], db_api.list_vnf_snapshot_infos(None))

    def test_acceptable(self):
        for accept in ('application/json', '*/*', 'application/*',
                       'text/html, application/json;q=0.5',
                       'application/json; charset=utf-8'):
            with self.subTest(accept=accept):
                resp = self.get(RESOURCES[0], headers={'Accept': accept})
                self.assertEqual(200, resp.status, resp.body)

    def test_unexpected_exception(self):
        self.useFixture(fixtures.MockPatch(
            'vnfsnap.db.api.iter_collection',
            side_effect=RuntimeError('password=hunter2 in db.py line 42')))
        self.useFixture(fixtures.FakeLogger())
        resp = self.get('/vnflcm/v2/vnf_instances')
        self.assertProblem(resp, 500)
        self.assertEqual('2.0.0', resp.headers['Version'])
        body = resp.body.decode()
        for leak in ('hunter2', 'Traceback', 'RuntimeError', 'db.py'):
            self.assertNotIn(leak, body)
        self.assertEqual({'type', 'title', 'status', 'detail'},
                         set(resp.json))

    def test_unexpected_exception_is_logged(self):
        self.useFixture(fixtures.MockPatch(
            'vnfsnap.db.api.get_vnf_snapshot_info',
            side_effect=ValueError('boom')))
        log = self.useFixture(fixtures.FakeLogger())
        resp = self.get('/vnflcm/v2/vnf_snapshots/x')
        self.assertProblem(resp, 500)
        self.assertIn('boom', log.output)

    def test_error_answers_are_never_html(self):
        """Errors raised outside vnfsnap's controllers are ProblemDetails
        too, whatever the client accepts."""
        for headers in ({}, {'Accept': 'text/html'},
                        {'Accept': 'application/json'}):
            with self.subTest(headers=headers):
                resp = self.get('/nothing', headers=headers)
                self.assertProblem(resp, 404)
                json.loads(resp.body)
