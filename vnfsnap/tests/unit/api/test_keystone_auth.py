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
