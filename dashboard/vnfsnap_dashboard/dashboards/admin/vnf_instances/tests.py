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

"""The Admin dashboard's read-only VNF instances panel: every project's
instances with their project, and no action anywhere."""

from django.urls import reverse
from novaclient.v2 import servers as nova_servers
from openstack_dashboard.api import nova
from openstack_dashboard.test import helpers as horizon_helpers
from vnfsnapclient import exceptions as vnfsnap_exceptions

from vnfsnap_dashboard.api import vnf_instances as api
from vnfsnap_dashboard.test import helpers

INDEX_URL = reverse('horizon:admin:vnf_instances:index')
INSTANCE_ID = '5b0e6a57-64a5-4c1b-8b45-3d1f6c2a9e10'
OTHER_ID = '9c1f7b68-75b6-4d2c-9c56-4e2a7d3b0f21'
DETAIL_URL = reverse('horizon:admin:vnf_instances:detail',
                     args=(INSTANCE_ID,))
SERVER_ID = '7d3c2b1a-0f9e-4d8c-b7a6-958473625140'


def vnf_instance(instance_id=INSTANCE_ID, server_id=SERVER_ID):
    return {
        'id': instance_id, 'vnfInstanceName': 'fw-%s' % instance_id[:4],
        'vnfdId': 'vnfd-fw', 'vnfProvider': 'ACME',
        'vnfProductName': 'Firewall', 'vnfSoftwareVersion': '1.0',
        'vnfdVersion': '1.0', 'instantiationState': 'INSTANTIATED',
        'vimConnectionInfo': {'openstack': {
            'vimType': 'ETSINFV.OPENSTACK_KEYSTONE.V_3'}},
        'instantiatedVnfInfo': {
            'flavourId': 'default', 'vnfState': 'STOPPED',
            'vnfcResourceInfo': [{
                'id': 'fw', 'vduId': 'fw',
                'computeResource': {'vimConnectionId': 'openstack',
                                    'resourceId': server_id}}]},
        '_links': {'self': {'href': 'http://vnfsnap/vnf_instances/x'}},
    }


def nova_server(server_id, project_id):
    return nova.Server(nova_servers.Server(
        nova_servers.ServerManager(None),
        {'id': server_id, 'name': 'fw', 'status': 'ACTIVE',
         'tenant_id': project_id}, loaded=True), None)


class AdminVnfInstancesTests(helpers.BaseAdminViewTests):

    @horizon_helpers.create_mocks({api: ['vnf_instance_list',
                                         'last_snapshot_times',
                                         'server_list', 'project_names']})
    def test_index_lists_every_project_without_actions(self):
        self.mock_vnf_instance_list.return_value = [
            vnf_instance(), vnf_instance(OTHER_ID, server_id='gone')]
        self.mock_last_snapshot_times.return_value = {}
        self.mock_server_list.return_value = [
            nova_server(SERVER_ID, 'p-blue')]
        self.mock_project_names.return_value = {'p-blue': 'blue'}
        res = self.client.get(INDEX_URL)
        self.assertTemplateUsed(res, 'horizon/common/_data_table_view.html')
        table = res.context['table']
        self.assertEqual({INSTANCE_ID: 'blue', OTHER_ID: None},
                         {r.id: r.project for r in table.data})
        self.assertEqual('project', list(table.columns)[0])
        self.assertEqual('Project', str(table.columns['project']
                                        .verbose_name))
        self.assertContains(res, 'blue')
        self.assertContains(res, DETAIL_URL)
        self.assertEqual([], table.get_table_actions())
        self.assertEqual([], table.get_row_actions(table.data[0]))
        for text in ('Register VNF', 'Delete VNF Instance',
                     'snapshot_descriptor'):
            self.assertNotContains(res, text)
        self.mock_server_list.assert_called_once_with(
            horizon_helpers.IsHttpRequest(), all_projects=True)

    @horizon_helpers.create_mocks({api: ['vnf_instance_list',
                                         'last_snapshot_times',
                                         'server_list', 'project_names']})
    def test_projects_unknown_when_nova_fails(self):
        self.mock_vnf_instance_list.return_value = [vnf_instance()]
        self.mock_last_snapshot_times.return_value = {}
        self.mock_server_list.side_effect = vnfsnap_exceptions.ServerError(
            503, 'Service Unavailable', 'compute is away')
        res = self.client.get(INDEX_URL)
        self.assertEqual([None], [r.project for r in res.context['table']
                                  .data])
        self.assertMessageCount(res, error=1)
        self.mock_project_names.assert_not_called()

    @horizon_helpers.create_mocks({api: ['vnf_instance_get']})
    def test_detail_has_no_action(self):
        self.mock_vnf_instance_get.return_value = vnf_instance()
        res = self.client.get(DETAIL_URL)
        self.assertTemplateUsed(res, 'horizon/common/_detail.html')
        self.assertContains(res, 'Firewall')
        self.assertContains(res, SERVER_ID)
        self.assertNotIn('actions', res.context)
        self.assertNotContains(res, 'detail-actions-form')
        self.assertNotContains(res, 'Delete VNF Instance')
        self.assertNotContains(res, 'snapshot_descriptor/')

    @horizon_helpers.create_mocks({api: ['vnf_instance_get']})
    def test_detail_not_found_goes_back_to_the_admin_index(self):
        self.mock_vnf_instance_get.side_effect = vnfsnap_exceptions.NotFound(
            404, 'Not Found', 'no such VNF instance')
        res = self.client.get(DETAIL_URL)
        self.assertRedirectsNoFollow(res, INDEX_URL)
