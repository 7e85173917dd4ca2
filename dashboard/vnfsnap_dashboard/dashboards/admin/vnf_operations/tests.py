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

"""The Admin dashboard's Operations panel: every project's occurrences,
read-only, with rows that still refresh themselves."""

from django.urls import reverse
from openstack_dashboard.test import helpers as os_helpers

from vnfsnap_dashboard.api import vnf_operations as api
from vnfsnap_dashboard.test import data_vnf_operations as data
from vnfsnap_dashboard.test import helpers

INDEX_URL = reverse('horizon:admin:vnf_operations:index')
TABLE = 'vnf_lcm_op_occs'
RUNNING_ID = 'b6f1d8b3-0000-4000-8000-000000000001'
FAILED_TEMP_ID = 'b6f1d8b3-0000-4000-8000-000000000002'


def two_ops():
    return [data.op_occ(RUNNING_ID, 'PROCESSING', vnf_instance_name=None),
            data.op_occ(FAILED_TEMP_ID, 'FAILED_TEMP', vnf_instance_name=None,
                        error=dict(data.PROBLEM))]


class AdminOperationsTests(helpers.BaseAdminViewTests):

    @os_helpers.create_mocks({api: ['vnf_lcm_op_occ_list',
                                    'vnf_instance_names']})
    def test_index_is_read_only(self):
        self.mock_vnf_lcm_op_occ_list.return_value = two_ops()
        self.mock_vnf_instance_names.return_value = {
            data.VNF_INSTANCE_ID: data.VNF_INSTANCE_NAME}
        res = self.client.get(INDEX_URL)
        table = res.context['%s_table' % TABLE]
        self.assertEqual(['id', 'operation', 'vnf_instance',
                          'state', 'start_time', 'state_entered_time'],
                         list(table.columns))
        self.assertContains(res, data.VNF_INSTANCE_NAME, 2)
        self.assertContains(res, reverse('horizon:admin:vnf_operations:'
                                         'detail', args=(RUNNING_ID,)))
        # An admin may retry or cancel, but not from here.
        self.assertNotContains(res, '__retry__')
        self.assertNotContains(res, '/cancel/')
        for op in table.data:
            self.assertEqual([], table.get_row_actions(op))
        rows = {row.datum.id: row for row in table.get_rows()}
        self.assertIn('ajax-update', rows[RUNNING_ID].classes)
        self.assertIn('warning', rows[RUNNING_ID].classes)
        self.assertIn('status_down', rows[FAILED_TEMP_ID].classes)

    @os_helpers.create_mocks({api: ['vnf_lcm_op_occ_get',
                                    'vnf_instance_name']})
    def test_row_update(self):
        self.mock_vnf_lcm_op_occ_get.return_value = data.op_occ(
            RUNNING_ID, 'COMPLETED', vnf_instance_name=None)
        self.mock_vnf_instance_name.return_value = data.VNF_INSTANCE_NAME
        res = self.client.get(
            '%s?action=row_update&table=%s&obj_id=%s' % (
                INDEX_URL, TABLE, RUNNING_ID),
            HTTP_X_REQUESTED_WITH='XMLHttpRequest')
        html = res.content.decode()
        self.assertEqual(200, res.status_code)
        self.assertIn('Completed', html)
        self.assertIn(data.VNF_INSTANCE_NAME, html)
        self.mock_vnf_lcm_op_occ_get.assert_called_once_with(
            os_helpers.IsHttpRequest(), RUNNING_ID)

    @os_helpers.create_mocks({api: ['vnf_lcm_op_occ_get',
                                    'vnf_instance_name']})
    def test_detail_without_actions(self):
        self.mock_vnf_lcm_op_occ_get.return_value = data.op_occ(
            FAILED_TEMP_ID, 'FAILED_TEMP', error=dict(data.PROBLEM))
        self.mock_vnf_instance_name.return_value = data.VNF_INSTANCE_NAME
        res = self.client.get(reverse('horizon:admin:vnf_operations:detail',
                                      args=(FAILED_TEMP_ID,)))
        self.assertTemplateUsed(
            res, 'project/vnf_operations/_detail_overview.html')
        self.assertContains(res, data.PROBLEM['detail'])
        self.assertContains(res, data.PROBLEM['title'])
        self.assertNotContains(res, '__retry__')
        self.assertNotContains(res, 'detail-actions-form')

    @os_helpers.create_mocks({api: ['vnf_lcm_op_occ_list',
                                    'vnf_instance_names',
                                    'vnf_lcm_op_occ_retry']})
    def test_post_of_a_task_does_nothing(self):
        self.mock_vnf_lcm_op_occ_list.return_value = two_ops()
        self.mock_vnf_instance_names.return_value = {
            data.VNF_INSTANCE_ID: data.VNF_INSTANCE_NAME}
        res = self.client.post(INDEX_URL, {
            'action': '%s__retry__%s' % (TABLE, FAILED_TEMP_ID)})
        self.assertEqual(200, res.status_code)
        self.mock_vnf_lcm_op_occ_retry.assert_not_called()

    def test_no_cancel_url(self):
        self.assertEqual(404, self.client.get(
            '%s%s/cancel/' % (INDEX_URL, RUNNING_ID)).status_code)
