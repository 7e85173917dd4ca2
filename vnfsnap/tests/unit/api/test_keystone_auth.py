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

"""auth_strategy=keystone wraps the API in keystonemiddleware."""

from vnfsnap.api import app
from vnfsnap.tests import base


class TestKeystoneAuth(base.ApiTestCase):

    def setUp(self):
        super().setUp()
        self.conf.config(auth_strategy='keystone', group='api')
        self.conf.config(www_authenticate_uri='https://keystone.example/v3',
                         group='keystone_authtoken')
        self.app = app.setup_app()

    def test_request_without_token_is_refused_as_problem(self):
        resp = self.get('/vnflcm/v2/vnf_snapshots')
        self.assertProblem(resp, 401)
        self.assertIn('keystone.example', resp.headers['WWW-Authenticate'])

    def test_nothing_is_created_without_token(self):
        resp = self.post('/vnflcm/v2/vnf_snapshots', {})
        self.assertProblem(resp, 401)
        self.conf.config(auth_strategy='noauth', group='api')
        self.app = app.setup_app()
        self.assertEqual([], self.get('/vnflcm/v2/vnf_snapshots').json)
