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

"""GET /vnflcm/v2/vnf_instances/{id}/vim_capabilities (vnfsnap extension)."""

from vnfsnap.tests import base
from vnfsnap.tests.fixtures import fake_vim
from vnfsnap.vim import base as vim_base


class TestVimCapabilities(base.ApiTestCase):

    def path(self, inst_id):
        return '/vnflcm/v2/vnf_instances/%s/vim_capabilities' % inst_id

    def test_per_vnfc_capabilities_read_from_the_vim(self):
        inst = self.register_vnf(n_vnfcs=2)
        fake_vim.FakeVim.caps = vim_base.Capabilities(quiesce=True,
                                                      incremental=True)
        resp = self.get(self.path(inst['id']))
        self.assertEqual(200, resp.status, resp.body)
        self.assertEqual(inst['id'], resp.json['vnfInstanceId'])
        self.assertEqual(['vnfc-0', 'vnfc-1'], [
            v['vnfcResourceInfoId'] for v in resp.json['vnfcs']])
        caps = resp.json['vnfcs'][0]['capabilities']
        self.assertEqual('vim1', resp.json['vnfcs'][0]['vimConnectionId'])
        self.assertTrue(caps['quiesce'])
        self.assertTrue(caps['incremental'])
        self.assertFalse(caps['memorySnapshot'])
        self.assertIn('revertAnySnapshot', caps)

    def test_vnfc_whose_vim_cannot_answer_gets_the_reason(self):
        inst = self.register_vnf(n_vnfcs=2)
        del fake_vim.FakeVim.guests['vm-1']
        fake_vim.FakeVim.caps = vim_base.Capabilities()
        self.patch(fake_vim.FakeVim, 'capabilities', lambda self, vnfc=None:
                   self._guest(vnfc) and vim_base.Capabilities())
        resp = self.get(self.path(inst['id']))
        self.assertEqual(200, resp.status, resp.body)
        second = resp.json['vnfcs'][1]
        self.assertNotIn('capabilities', second)
        self.assertIn('vm-1', second['error'])

    def test_unknown_or_other_project_instance_is_404(self):
        self.assertProblem(self.get(self.path('nope')), 404)
        inst = self.register_vnf(n_vnfcs=1)
        self.assertProblem(self.get(self.path(inst['id']),
                                    project='other'), 404)

    def test_only_get(self):
        inst = self.register_vnf(n_vnfcs=1)
        resp = self.post(self.path(inst['id']), {})
        self.assertProblem(resp, 405)
        self.assertEqual('GET', resp.headers['Allow'])
