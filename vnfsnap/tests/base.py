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

"""Test bases: a fresh SQLite database (a copy of one migrated once per
test process), configuration and policy per test, the in-memory VIM
driver, and an in-process API + conductor."""

import json
import time

import fixtures
from oslo_config import fixture as config_fixture
import testtools
import webob

from vnfsnap.api import app
from vnfsnap.common import policy
from vnfsnap.common import states
from vnfsnap.conductor import service as conductor_service
import vnfsnap.conf
from vnfsnap.db import api as db_api
from vnfsnap.tests.fixtures import database
from vnfsnap.tests.fixtures import fake_vim
from vnfsnap.tests.fixtures import fake_vnf

CONF = vnfsnap.conf.CONF


class TestCase(testtools.TestCase):
    """Configuration on a temporary state_path with a migrated database
    (an empty one when ``MIGRATE`` is false)."""

    MIGRATE = True

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.Timeout(120, gentle=True))
        CONF([], project='vnfsnap', default_config_files=[],
             default_config_dirs=[])
        self.conf = self.useFixture(config_fixture.Config(CONF))
        self.state_path = self.useFixture(fixtures.TempDir()).path
        self.conf.config(state_path=self.state_path)
        self.useFixture(database.Database(self.conf, self.state_path,
                                          migrate=self.MIGRATE))
        policy.reset()
        self.addCleanup(policy.reset)
        fake_vim.FakeVim.reset()
        fake_vim.register()

    def wait_for_op(self, op_id, wanted=states.FINAL_STATES | {
            states.FAILED_TEMP}, timeout=30):
        """Poll the database until the occurrence reaches ``wanted``."""
        deadline = time.monotonic() + timeout
        while True:
            op = db_api.get_op_occ(None, op_id)
            if op.operation_state in wanted:
                return op
            if time.monotonic() > deadline:
                self.fail('op %s stuck in %s' % (op_id, op.operation_state))
            time.sleep(0.01)


class Response:
    """What a test needs of an answer: status, headers, parsed body."""

    def __init__(self, resp):
        self.status = resp.status_int
        self.headers = resp.headers
        self.content_type = resp.content_type
        self.body = resp.body
        self.json = (json.loads(resp.body) if resp.body and (
            resp.content_type or '').endswith('json') else None)


class ApiTestCase(TestCase):
    """The API application with an in-process conductor behind it."""

    VERSION = '2.0.0'
    PKGM_VERSION = '1.2.0'
    VNFSNAP_VERSION = '1.0.0'

    def setUp(self):
        super().setUp()
        self.conductor = conductor_service.ConductorService(host='test-host')
        self.conductor.start()
        self.addCleanup(self.conductor.stop)
        self.app = app.setup_app()

    def request(self, method, path, body=None, headers=None,
                version='default', project=None, content_type=None,
                raw_body=None):
        """``version`` defaults to the one of the path's API."""
        req = webob.Request.blank(path, method=method)
        if version == 'default':
            version = (self.PKGM_VERSION
                       if path.startswith('/vnfsnapshotpkgm')
                       else self.VNFSNAP_VERSION
                       if path.startswith('/vnfsnap/')
                       else self.VERSION)
        if version is not None:
            req.headers['Version'] = version
        if project is not None:
            req.headers['X-Project-Id'] = project
        if body is not None:
            raw_body = json.dumps(body).encode()
            content_type = content_type or 'application/json'
        if raw_body is not None:
            req.body = raw_body
        if content_type is not None:
            req.content_type = content_type
        for name, value in (headers or {}).items():
            req.headers[name] = value
        return Response(req.get_response(self.app))

    def get(self, path, **kw):
        return self.request('GET', path, **kw)

    def post(self, path, body=None, **kw):
        return self.request('POST', path, body=body, **kw)

    def assertProblem(self, resp, status):
        """A ProblemDetails answer with the given status."""
        self.assertEqual(status, resp.status, resp.body)
        self.assertEqual('application/problem+json', resp.content_type)
        self.assertEqual(status, resp.json['status'])
        self.assertTrue(resp.json['detail'])

    # --- building blocks ------------------------------------------------

    def register_vnf(self, n_vnfcs=2, project=None, prefix='vm'):
        """Register a VNF whose VNFCs are fake guests; returns its body."""
        body = {
            'vnfdId': 'vnfd-1', 'vnfInstanceName': 'demo',
            'vnfProvider': 'acme', 'vnfProductName': 'fw',
            'vnfSoftwareVersion': '1.0', 'vnfdVersion': '1.0',
            'vimConnectionInfo': {'vim1': {'vimId': 'local',
                                           'vimType': fake_vim.VIM_TYPE}},
            'instantiatedVnfInfo': fake_vnf.instantiated_vnf_info(
                n_vnfcs, prefix),
        }
        resp = self.post('/vnflcm/v2/vnf_instances', body, project=project)
        self.assertEqual(201, resp.status, resp.body)
        return resp.json

    def new_snapshot_info(self, project=None):
        resp = self.post('/vnflcm/v2/vnf_snapshots', {}, project=project)
        self.assertEqual(201, resp.status, resp.body)
        return resp.json

    def op_id_from(self, resp):
        self.assertEqual(202, resp.status, resp.body)
        return resp.headers['Location'].rsplit('/', 1)[-1]

    def take_snapshot(self, instance_id, project=None, **params):
        info = self.new_snapshot_info(project=project)
        body = {'vnfSnapshotInfoId': info['id']}
        if params:
            body['additionalParams'] = params
        resp = self.post('/vnflcm/v2/vnf_instances/%s/create_snapshot'
                         % instance_id, body, project=project)
        op = self.wait_for_op(self.op_id_from(resp))
        return info['id'], op
