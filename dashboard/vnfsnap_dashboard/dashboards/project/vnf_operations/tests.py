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

"""The Project dashboard's Operations panel: table with live rows, detail
with the error's ProblemDetails, and the tasks SOL003 allows by state."""

from unittest import mock

from django.urls import reverse
import horizon
from openstack_dashboard.test import helpers as os_helpers
from vnfsnapclient import exceptions as vnfsnap_exceptions

from vnfsnap_dashboard.api import vnf_operations as api
from vnfsnap_dashboard.dashboards.project.vnf_operations import tables
from vnfsnap_dashboard.dashboards.project.vnf_operations import views
from vnfsnap_dashboard.test import data_vnf_operations as data
from vnfsnap_dashboard.test import helpers

INDEX_URL = reverse('horizon:project:vnf_operations:index')
TABLE = 'vnf_lcm_op_occs'
RUNNING_ID = 'a5e0c7a2-0000-4000-8000-000000000001'
FAILED_TEMP_ID = 'a5e0c7a2-0000-4000-8000-000000000002'
COMPLETED_ID = 'a5e0c7a2-0000-4000-8000-000000000003'
ALL_STATES = ('STARTING', 'PROCESSING', 'COMPLETED', 'FAILED_TEMP',
              'FAILED', 'ROLLING_BACK', 'ROLLED_BACK')
# What SOL003 allows in each state (clause 5.4.14-5.4.17).
EXPECTED_ACTIONS = {
    'STARTING': ['cancel'],
    'PROCESSING': ['cancel'],
    'COMPLETED': [],
    'FAILED_TEMP': ['retry', 'rollback', 'fail'],
    'FAILED': [],
    'ROLLING_BACK': ['cancel'],
    'ROLLED_BACK': [],
}


def detail_url(op_id):
    return reverse('horizon:project:vnf_operations:detail', args=(op_id,))


def cancel_url(op_id):
    return reverse('horizon:project:vnf_operations:cancel', args=(op_id,))


def row_update_url(op_id):
    return '%s?action=row_update&table=%s&obj_id=%s' % (
        INDEX_URL, TABLE, op_id)


def three_ops():
    """What vnf_lcm_op_occ_list returns: the occurrences, unnamed."""
    return [data.op_occ(RUNNING_ID, 'PROCESSING', vnf_instance_name=None),
            data.op_occ(FAILED_TEMP_ID, 'FAILED_TEMP',
                        vnf_instance_name=None),
            data.op_occ(COMPLETED_ID, 'COMPLETED', vnf_instance_name=None)]


def conflict(detail):
    return vnfsnap_exceptions.Conflict(409, title='Conflict', detail=detail)


class OperationsTestCase(helpers.TestCase):

    def setUp(self):
        super().setUp()
        # Stopped by Horizon's tearDown (mock.patch.stopall).
        self.mock_vnf_instance_names = mock.patch.object(
            api, 'vnf_instance_names', return_value={
                data.VNF_INSTANCE_ID: data.VNF_INSTANCE_NAME}).start()

    def messages(self, response):
        return [(m.tags, str(m.message))
                for m in response.context['messages']]

    def assertMessageWith(self, response, tag, *texts):
        found = [msg for tags, msg in self.messages(response)
                 if tag in tags and all(t in msg for t in texts)]
        self.assertTrue(found, '%s message with %s not in %s' % (
            tag, texts, self.messages(response)))

    def row_actions(self, op):
        table = tables.VnfLcmOpOccsTable(self.request)
        return [a.name for a in table.get_row_actions(op)]


class IndexTests(OperationsTestCase):

    @os_helpers.create_mocks({api: ['vnf_lcm_op_occ_list']})
    def test_index(self):
        self.mock_vnf_lcm_op_occ_list.return_value = three_ops()
        res = self.client.get(INDEX_URL)
        self.assertTemplateUsed(res, 'horizon/common/_data_table_view.html')
        table = res.context['%s_table' % TABLE]
        self.assertEqual([RUNNING_ID, FAILED_TEMP_ID, COMPLETED_ID],
                         [o.id for o in table.data])
        self.assertContains(res, data.VNF_INSTANCE_NAME, 3)
        self.assertContains(res, 'Failed (temporary)')
        self.mock_vnf_lcm_op_occ_list.assert_called_once_with(
            os_helpers.IsHttpRequest())

    @os_helpers.create_mocks({api: ['vnf_lcm_op_occ_list']})
    def test_only_running_rows_refresh(self):
        self.mock_vnf_lcm_op_occ_list.return_value = three_ops()
        res = self.client.get(INDEX_URL)
        rows = {row.datum.id: row
                for row in res.context['%s_table' % TABLE].get_rows()}
        # Horizon's JavaScript polls the rows classed warning/ajax-update.
        running = rows[RUNNING_ID]
        self.assertIn('ajax-update', running.classes)
        self.assertIn('warning', running.classes)
        self.assertEqual(row_update_url(RUNNING_ID),
                         running.attrs['data-update-url'].replace('&amp;',
                                                                  '&'))
        self.assertIn('status_up', rows[COMPLETED_ID].classes)
        self.assertIn('status_down', rows[FAILED_TEMP_ID].classes)
        self.assertNotIn('warning', rows[COMPLETED_ID].classes)
        self.assertNotIn('warning', rows[FAILED_TEMP_ID].classes)

    @os_helpers.create_mocks({api: ['vnf_lcm_op_occ_list']})
    def test_index_without_instance_names(self):
        self.mock_vnf_lcm_op_occ_list.return_value = three_ops()
        self.mock_vnf_instance_names.side_effect = (
            vnfsnap_exceptions.Forbidden(403, title='Forbidden',
                                         detail='Policy does not allow it'))
        res = self.client.get(INDEX_URL)
        self.assertEqual(3, len(res.context['%s_table' % TABLE].data))
        self.assertNotContains(res, data.VNF_INSTANCE_NAME)
        # Each row names the instance by id, in the text of a link to it
        # (the instances panel is enabled): the id twice per row.
        self.assertContains(res, data.VNF_INSTANCE_ID, 6)
        self.assertMessageWith(res, 'error', 'VNF instance names',
                               'Policy does not allow it')

    @os_helpers.create_mocks({api: ['vnf_lcm_op_occ_list']})
    def test_online_test_operation_is_named(self):
        self.mock_vnf_lcm_op_occ_list.return_value = [data.op_occ(
            RUNNING_ID, 'PROCESSING', operation='ONLINE_TEST')]
        res = self.client.get(INDEX_URL)
        self.assertContains(res, 'Online test')
        self.assertNotContains(res, 'ONLINE_TEST')

    @os_helpers.create_mocks({api: ['vnf_lcm_op_occ_list']})
    def test_index_error_toast_has_api_detail(self):
        self.mock_vnf_lcm_op_occ_list.side_effect = (
            vnfsnap_exceptions.ServerError(503, title='Service Unavailable',
                                           detail='database unreachable'))
        res = self.client.get(INDEX_URL)
        self.assertEqual([], res.context['%s_table' % TABLE].data)
        self.assertMessageWith(res, 'error', 'Unable to retrieve operations',
                               'database unreachable')


class RowUpdateTests(OperationsTestCase):

    @os_helpers.create_mocks({api: ['vnf_lcm_op_occ_get', 'vnf_instance_name',
                                    'vnf_lcm_op_occ_list']})
    def test_row_update_shows_new_state(self):
        self.mock_vnf_lcm_op_occ_get.return_value = data.op_occ(
            RUNNING_ID, 'COMPLETED')
        self.mock_vnf_instance_name.return_value = 'renamed-vnf'
        res = self.client.get(row_update_url(RUNNING_ID),
                              HTTP_X_REQUESTED_WITH='XMLHttpRequest')
        self.assertEqual(200, res.status_code)
        html = res.content.decode()
        self.assertIn('<tr', html)
        self.assertIn('Completed', html)
        self.assertIn('renamed-vnf', html)
        self.assertIn('status_up', html)
        # A final row is no longer polled: no "warning" row class.
        self.assertNotIn('warning', html.split('>', 1)[0])
        self.mock_vnf_lcm_op_occ_get.assert_called_once_with(
            os_helpers.IsHttpRequest(), RUNNING_ID)
        self.mock_vnf_instance_name.assert_called_once_with(
            os_helpers.IsHttpRequest(), data.VNF_INSTANCE_ID)
        self.mock_vnf_lcm_op_occ_list.assert_not_called()

    @os_helpers.create_mocks({api: ['vnf_lcm_op_occ_get',
                                    'vnf_instance_name']})
    def test_row_update_of_failed_temp_brings_its_actions(self):
        self.mock_vnf_lcm_op_occ_get.return_value = data.op_occ(
            RUNNING_ID, 'FAILED_TEMP', vnf_instance_name=None)
        self.mock_vnf_instance_name.side_effect = (
            vnfsnap_exceptions.NotFound(404, title='Not Found',
                                        detail='no such VNF instance'))
        res = self.client.get(row_update_url(RUNNING_ID),
                              HTTP_X_REQUESTED_WITH='XMLHttpRequest')
        html = res.content.decode()
        self.assertEqual(200, res.status_code)
        for task in ('retry', 'rollback', 'fail'):
            self.assertIn('%s__%s__%s' % (TABLE, task, RUNNING_ID), html)
        self.assertNotIn(cancel_url(RUNNING_ID), html)
        # The instance is gone: the row names it by its id.
        self.assertIn(data.VNF_INSTANCE_ID, html)


class DetailTests(OperationsTestCase):

    @os_helpers.create_mocks({api: ['vnf_lcm_op_occ_get',
                                    'vnf_instance_name']})
    def test_detail_shows_error_problem_details(self):
        self.mock_vnf_lcm_op_occ_get.return_value = data.op_occ(
            FAILED_TEMP_ID, 'FAILED_TEMP', error=dict(data.PROBLEM),
            operationParams={'vnfSnapshotInfoId': 'info-1'})
        self.mock_vnf_instance_name.return_value = data.VNF_INSTANCE_NAME
        res = self.client.get(detail_url(FAILED_TEMP_ID))
        self.assertTemplateUsed(res, 'horizon/common/_detail.html')
        self.assertTemplateUsed(
            res, 'project/vnf_operations/_detail_overview.html')
        self.assertContains(res, 'Operation %s' % FAILED_TEMP_ID)
        self.assertContains(res, data.PROBLEM['title'])
        self.assertContains(res, '<dd>409</dd>', html=True)
        self.assertContains(res, data.PROBLEM['detail'])
        self.assertContains(
            res, '&quot;vnfSnapshotInfoId&quot;: &quot;info-1&quot;')
        for task in ('retry', 'rollback', 'fail'):
            self.assertContains(res, '%s__%s__%s' % (TABLE, task,
                                                     FAILED_TEMP_ID))
        self.assertNotContains(res, cancel_url(FAILED_TEMP_ID))
        # The buttons post to the table's page, which runs the task.
        self.assertContains(res, 'action="%s"' % INDEX_URL)

    @os_helpers.create_mocks({api: ['vnf_lcm_op_occ_get',
                                    'vnf_instance_name']})
    def test_detail_without_error(self):
        self.mock_vnf_lcm_op_occ_get.return_value = data.op_occ(
            RUNNING_ID, 'PROCESSING', isCancelPending=True,
            cancelMode='GRACEFUL')
        self.mock_vnf_instance_name.return_value = data.VNF_INSTANCE_NAME
        res = self.client.get(detail_url(RUNNING_ID))
        self.assertNotContains(res, 'vnfsnap-problem-details')
        self.assertContains(res, 'Yes (GRACEFUL)')
        self.assertContains(res, cancel_url(RUNNING_ID))

    @os_helpers.create_mocks({api: ['vnf_lcm_op_occ_get',
                                    'vnf_instance_name']})
    def test_detail_links_to_the_other_panels(self):
        self.mock_vnf_lcm_op_occ_get.return_value = data.op_occ(
            COMPLETED_ID, 'COMPLETED', vnfSnapshotInfoId='info-1')
        self.mock_vnf_instance_name.return_value = data.VNF_INSTANCE_NAME
        # Stand-ins for the VNF instances and snapshots panels' pages.
        with mock.patch.multiple(
                views.DetailView,
                vnf_instance_url='horizon:project:vnf_operations:detail',
                vnf_snapshot_url='horizon:project:vnf_operations:cancel'):
            res = self.client.get(detail_url(COMPLETED_ID))
        self.assertContains(res, '<a href="%s">%s</a>' % (
            detail_url(data.VNF_INSTANCE_ID), data.VNF_INSTANCE_NAME),
            html=True)
        self.assertContains(res, '<a href="%s">info-1</a>' % (
            cancel_url('info-1')), html=True)

    @os_helpers.create_mocks({api: ['vnf_lcm_op_occ_get',
                                    'vnf_instance_name']})
    def test_detail_of_a_final_occurrence_has_no_action(self):
        self.mock_vnf_lcm_op_occ_get.return_value = data.op_occ(
            COMPLETED_ID, 'COMPLETED')
        self.mock_vnf_instance_name.return_value = data.VNF_INSTANCE_NAME
        res = self.client.get(detail_url(COMPLETED_ID))
        self.assertContains(res, 'Completed')
        self.assertNotContains(res, 'detail-actions-form')

    @os_helpers.create_mocks({api: ['vnf_lcm_op_occ_get']})
    def test_detail_not_found_redirects_with_detail(self):
        self.mock_vnf_lcm_op_occ_get.side_effect = (
            vnfsnap_exceptions.NotFound(
                404, title='Not Found',
                detail='VnfLcmOpOcc nope could not be found'))
        res = self.client.get(detail_url('nope'))
        self.assertRedirectsNoFollow(res, INDEX_URL)
        self.assertMessageCount(error=1)


class ActionStateTests(OperationsTestCase):
    """Each task is offered only in the states SOL003 allows it."""

    def test_actions_by_state(self):
        for state in ALL_STATES:
            with self.subTest(state=state):
                self.assertEqual(
                    sorted(EXPECTED_ACTIONS[state]),
                    sorted(self.row_actions(data.op_occ('x', state))))

    def test_no_rollback_of_a_revert(self):
        op = data.op_occ('x', 'FAILED_TEMP', operation='REVERT_TO_SNAPSHOT')
        self.assertEqual(['fail', 'retry'], sorted(self.row_actions(op)))

    def test_reader_sees_no_action(self):
        self.as_roles(helpers.READER_ROLES)
        for state in ALL_STATES:
            with self.subTest(state=state):
                self.assertEqual([], self.row_actions(
                    data.op_occ('x', state)))


class TaskTests(OperationsTestCase):

    @os_helpers.create_mocks({api: ['vnf_lcm_op_occ_list',
                                    'vnf_lcm_op_occ_retry',
                                    'vnf_lcm_op_occ_rollback',
                                    'vnf_lcm_op_occ_fail']})
    def test_tasks_succeed(self):
        self.mock_vnf_lcm_op_occ_list.return_value = three_ops()
        for task, toast in (('retry', 'Retried Operation'),
                            ('rollback', 'Rolling Back Operation'),
                            ('fail', 'Marked Operation as Failed')):
            with self.subTest(task=task):
                res = self.client.post(INDEX_URL, {
                    'action': '%s__%s__%s' % (TABLE, task, FAILED_TEMP_ID)},
                    follow=True)
                getattr(self, 'mock_vnf_lcm_op_occ_%s' % task)\
                    .assert_called_once_with(os_helpers.IsHttpRequest(),
                                             FAILED_TEMP_ID)
                self.assertMessageWith(res, 'success', toast, FAILED_TEMP_ID)

    @os_helpers.create_mocks({api: ['vnf_lcm_op_occ_list',
                                    'vnf_lcm_op_occ_retry']})
    def test_task_error_toast_has_api_detail(self):
        self.mock_vnf_lcm_op_occ_list.return_value = three_ops()
        self.mock_vnf_lcm_op_occ_retry.side_effect = conflict(
            'the VNF instance is busy with another operation')
        res = self.client.post(INDEX_URL, {
            'action': '%s__retry__%s' % (TABLE, FAILED_TEMP_ID)},
            follow=True)
        self.assertMessageWith(res, 'error', 'Unable to retry operation',
                               FAILED_TEMP_ID, 'busy with another operation')
        self.assertNotIn('success', [t for t, _ in self.messages(res)])

    @os_helpers.create_mocks({api: ['vnf_lcm_op_occ_list',
                                    'vnf_lcm_op_occ_retry']})
    def test_task_refused_in_wrong_state(self):
        self.mock_vnf_lcm_op_occ_list.return_value = three_ops()
        res = self.client.post(INDEX_URL, {
            'action': '%s__retry__%s' % (TABLE, RUNNING_ID)}, follow=True)
        self.mock_vnf_lcm_op_occ_retry.assert_not_called()
        self.assertMessageWith(res, 'error', 'You are not allowed')

    @os_helpers.create_mocks({api: ['vnf_lcm_op_occ_list',
                                    'vnf_lcm_op_occ_retry',
                                    'vnf_lcm_op_occ_fail']})
    def test_reader_post_is_refused(self):
        self.as_roles(helpers.READER_ROLES)
        self.mock_vnf_lcm_op_occ_list.return_value = three_ops()
        res = self.client.get(INDEX_URL)
        self.assertNotContains(res, '__retry__')
        self.assertNotContains(res, cancel_url(RUNNING_ID))
        for task in ('retry', 'fail'):
            res = self.client.post(INDEX_URL, {
                'action': '%s__%s__%s' % (TABLE, task, FAILED_TEMP_ID)},
                follow=True)
            self.assertMessageWith(res, 'error', 'You are not allowed')
        self.mock_vnf_lcm_op_occ_retry.assert_not_called()
        self.mock_vnf_lcm_op_occ_fail.assert_not_called()


class CancelTests(OperationsTestCase):

    @os_helpers.create_mocks({api: ['vnf_lcm_op_occ_get']})
    def test_cancel_form(self):
        self.mock_vnf_lcm_op_occ_get.return_value = data.op_occ(
            RUNNING_ID, 'PROCESSING')
        res = self.client.get(cancel_url(RUNNING_ID))
        self.assertTemplateUsed(res, 'project/vnf_operations/cancel.html')
        self.assertContains(res, 'GRACEFUL')
        self.assertContains(res, 'FORCEFUL')
        self.assertContains(res, 'action="%s"' % cancel_url(RUNNING_ID))

    @os_helpers.create_mocks({api: ['vnf_lcm_op_occ_get',
                                    'vnf_lcm_op_occ_list']})
    def test_cancel_form_refused_when_not_running(self):
        self.mock_vnf_lcm_op_occ_list.return_value = three_ops()
        self.mock_vnf_lcm_op_occ_get.return_value = data.op_occ(
            COMPLETED_ID, 'COMPLETED')
        res = self.client.get(cancel_url(COMPLETED_ID), follow=True)
        self.assertRedirects(res, INDEX_URL)
        self.assertMessageWith(res, 'error', COMPLETED_ID, 'COMPLETED')

    @os_helpers.create_mocks({api: ['vnf_lcm_op_occ_get',
                                    'vnf_lcm_op_occ_list']})
    def test_cancel_form_of_an_unknown_operation(self):
        self.mock_vnf_lcm_op_occ_list.return_value = three_ops()
        self.mock_vnf_lcm_op_occ_get.side_effect = (
            vnfsnap_exceptions.NotFound(
                404, title='Not Found',
                detail='VnfLcmOpOcc nope could not be found'))
        res = self.client.get(cancel_url('nope'), follow=True)
        self.assertRedirects(res, INDEX_URL)
        self.assertMessageWith(res, 'error', 'Unable to retrieve operation',
                               'nope could not be found')

    @os_helpers.create_mocks({api: ['vnf_lcm_op_occ_cancel']})
    def test_cancel(self):
        res = self.client.post(cancel_url(RUNNING_ID),
                               {'cancel_mode': 'FORCEFUL'})
        self.assertNoFormErrors(res)
        self.assertRedirectsNoFollow(res, INDEX_URL)
        self.mock_vnf_lcm_op_occ_cancel.assert_called_once_with(
            os_helpers.IsHttpRequest(), RUNNING_ID, 'FORCEFUL')
        self.assertMessageCount(success=1)

    @os_helpers.create_mocks({api: ['vnf_lcm_op_occ_cancel',
                                    'vnf_lcm_op_occ_get']})
    def test_cancel_mode_is_validated(self):
        self.mock_vnf_lcm_op_occ_get.return_value = data.op_occ(
            RUNNING_ID, 'PROCESSING')
        res = self.client.post(cancel_url(RUNNING_ID),
                               {'cancel_mode': 'NOW'})
        self.assertFormErrors(res, 1)
        self.mock_vnf_lcm_op_occ_cancel.assert_not_called()

    @os_helpers.create_mocks({api: ['vnf_lcm_op_occ_cancel',
                                    'vnf_lcm_op_occ_list']})
    def test_cancel_error_toast_has_api_detail(self):
        self.mock_vnf_lcm_op_occ_list.return_value = three_ops()
        self.mock_vnf_lcm_op_occ_cancel.side_effect = conflict(
            'operation %s is COMPLETED' % RUNNING_ID)
        res = self.client.post(cancel_url(RUNNING_ID),
                               {'cancel_mode': 'GRACEFUL'}, follow=True)
        self.assertMessageWith(res, 'error', 'Unable to cancel operation',
                               'is COMPLETED')

    @os_helpers.create_mocks({api: ['vnf_lcm_op_occ_get',
                                    'vnf_lcm_op_occ_cancel']})
    def test_reader_cannot_cancel(self):
        self.as_roles(helpers.READER_ROLES)
        self.assertEqual(403, self.client.get(
            cancel_url(RUNNING_ID)).status_code)
        self.assertEqual(403, self.client.post(
            cancel_url(RUNNING_ID), {'cancel_mode': 'GRACEFUL'}).status_code)
        self.mock_vnf_lcm_op_occ_get.assert_not_called()
        self.mock_vnf_lcm_op_occ_cancel.assert_not_called()


class ApiTests(helpers.TestCase):
    """The panel's calls of the client library."""

    @mock.patch('vnfsnap_dashboard.api.vnfsnap.client')
    def test_list_latest_first(self, client):
        client.return_value.vnf_lcm_op_occs.list.return_value = [
            data.op_occ_dict('old', 'COMPLETED', startTime='2026-01-01T0'),
            data.op_occ_dict('new', 'PROCESSING', startTime='2026-02-01T0'),
            data.op_occ_dict('mid', 'FAILED', startTime='2026-01-15T0')]
        ops = api.vnf_lcm_op_occ_list(self.request)
        self.assertEqual(['new', 'mid', 'old'], [o.id for o in ops])
        client.return_value.vnf_lcm_op_occs.list.assert_called_once_with()

    @mock.patch('vnfsnap_dashboard.api.vnfsnap.client')
    def test_vnf_instance_names(self, client):
        client.return_value.vnf_instances.list.return_value = [
            {'id': 'a', 'vnfInstanceName': 'vnf-web'}, {'id': 'b'}]
        self.assertEqual({'a': 'vnf-web', 'b': None},
                         api.vnf_instance_names(self.request))

    @mock.patch('vnfsnap_dashboard.api.vnfsnap.client')
    def test_tasks(self, client):
        ops = client.return_value.vnf_lcm_op_occs
        api.vnf_lcm_op_occ_retry(self.request, 'a')
        api.vnf_lcm_op_occ_rollback(self.request, 'b')
        api.vnf_lcm_op_occ_fail(self.request, 'c')
        api.vnf_lcm_op_occ_cancel(self.request, 'd', 'FORCEFUL')
        ops.retry.assert_called_once_with('a')
        ops.rollback.assert_called_once_with('b')
        ops.fail.assert_called_once_with('c')
        ops.cancel.assert_called_once_with('d', cancel_mode='FORCEFUL')

    def test_task_allowed_needs_state_and_link(self):
        op = data.op_occ('x', 'FAILED_TEMP')
        self.assertTrue(op.task_allowed('retry'))
        self.assertFalse(op.task_allowed('cancel'))
        del op.to_dict()['_links']['retry']
        self.assertFalse(op.task_allowed('retry'))


class PanelTests(OperationsTestCase):

    def test_panels_in_the_vnfsnap_groups(self):
        for slug in ('project', 'admin'):
            dashboard = horizon.get_dashboard(slug)
            group = dashboard.get_panel_group('vnfsnap')
            self.assertIn('vnf_operations',
                          [p.slug for p in group], slug)

    @os_helpers.create_mocks({api: ['vnf_lcm_op_occ_list']})
    def test_hidden_without_vnfsnap_in_the_catalog(self):
        self._setup_user(service_catalog=[
            s for s in self.service_catalog if s['type'] != 'vnfsnap'])
        res = self.client.get(INDEX_URL)
        self.assertEqual(403, res.status_code)
        self.mock_vnf_lcm_op_occ_list.assert_not_called()


class ResourceLinkTests(helpers.TestCase):

    def test_link_to_an_enabled_panel(self):
        link = tables.resource_link('horizon:project:vnf_operations:detail',
                                    'vnfInstanceId')
        self.assertEqual(detail_url(data.VNF_INSTANCE_ID),
                         link(data.op_occ('x', 'COMPLETED')))

    def test_no_link_without_the_panel(self):
        link = tables.resource_link('horizon:project:no_such_panel:x',
                                    'vnfInstanceId')
        self.assertIsNone(link(data.op_occ('x', 'COMPLETED')))

    def test_no_link_without_the_resource(self):
        link = tables.resource_link('horizon:project:vnf_operations:detail',
                                    'vnfSnapshotInfoId')
        self.assertIsNone(link(data.op_occ('x', 'COMPLETED')))
