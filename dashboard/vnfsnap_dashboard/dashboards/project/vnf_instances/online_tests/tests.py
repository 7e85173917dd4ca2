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

"""The online tests of a VNF instance in the dashboard: the tab of the
instance's page, a test's own page, the abort and the start form, on the
Project and the Admin dashboards, with the calls of vnfsnap_dashboard.api
mocked (no HTTP)."""

from unittest import mock

from django.urls import reverse
from openstack_dashboard.test import helpers as horizon_helpers
from vnfsnapclient import exceptions as vnfsnap_exceptions

from vnfsnap_dashboard.api import online_tests as api
from vnfsnap_dashboard.api import vnf_instances as instance_api
from vnfsnap_dashboard.dashboards.project.vnf_instances import (
    tests as instance_tests,
)
from vnfsnap_dashboard.test import data_online_tests as data
from vnfsnap_dashboard.test import helpers

INSTANCE_ID = data.INSTANCE_ID
DETAIL_URL = reverse('horizon:project:vnf_instances:detail',
                     args=(INSTANCE_ID,))
TAB = 'vnf_instance_details__online_tests'
TAB_URL = '%s?tab=%s' % (DETAIL_URL, TAB)
START_URL = reverse('horizon:project:vnf_instances:start_online_test',
                    args=(INSTANCE_ID,))
ADMIN_DETAIL_URL = reverse('horizon:admin:vnf_instances:detail',
                           args=(INSTANCE_ID,))
TABLE = 'online_tests'


def test_url(test_id, dashboard='project'):
    return reverse('horizon:%s:vnf_instances:online_test' % dashboard,
                   args=(INSTANCE_ID, test_id))


def abort_action(test_id):
    return '%s__abort__%s' % (TABLE, test_id)


def three_tests():
    """What online_test_list returns, the latest first."""
    return data.wrapped(data.running_test(), data.failed_test(),
                        data.passed_test())


def conflict(detail):
    return vnfsnap_exceptions.Conflict(409, 'Conflict', detail)


class OnlineTestsTestCase(instance_tests.MessagesMixin, helpers.TestCase):

    def setUp(self):
        super().setUp()
        # Every page of a test reads its VNF instance (the detail page) or
        # not at all (a test's page); stopped by Horizon's tearDown.
        self.mock_vnf_instance_get = mock.patch.object(
            instance_api, 'vnf_instance_get',
            return_value=instance_tests.vnf_instance()).start()

    def tab(self, url=DETAIL_URL):
        return self.client.get('%s?tab=%s' % (url, TAB),
                               HTTP_X_REQUESTED_WITH='XMLHttpRequest')

    def row_actions(self, test):
        from vnfsnap_dashboard.dashboards.project.vnf_instances.\
            online_tests import tables
        table = tables.OnlineTestsTable(self.request,
                                        instance_id=INSTANCE_ID)
        return [a.name for a in table.get_row_actions(test)]


class OnlineTestsTabTests(OnlineTestsTestCase):

    @horizon_helpers.create_mocks({api: ['online_test_list']})
    def test_detail_page_loads_the_tab_when_opened(self):
        res = self.client.get(DETAIL_URL)
        self.assertContains(res, 'Online Tests')
        self.mock_online_test_list.assert_not_called()

    @horizon_helpers.create_mocks({api: ['online_test_list']})
    def test_tab_lists_the_tests_and_their_verdicts(self):
        self.mock_online_test_list.return_value = three_tests()
        res = self.tab()
        self.assertEqual(200, res.status_code)
        table = res.context['%s_table' % TABLE]
        self.assertEqual([data.RUNNING_ID, data.FAILED_ID, data.PASSED_ID],
                         [t.id for t in table.data])
        rows = {row.datum.id: row for row in table.get_rows()}
        cells = {test_id: {name: str(cell.value)
                           for name, cell in row.cells.items()}
                 for test_id, row in rows.items()}
        self.assertEqual('Pass', cells[data.PASSED_ID]['verdict'])
        self.assertEqual('3.06 s', cells[data.PASSED_ID]['recovery_time'])
        self.assertEqual('Fail', cells[data.FAILED_ID]['verdict'])
        self.assertEqual('-', cells[data.FAILED_ID]['recovery_time'])
        self.assertEqual('-', cells[data.RUNNING_ID]['verdict'])
        self.assertEqual('Processing', cells[data.RUNNING_ID]['state'])
        self.assertEqual('WEBHOOK', cells[data.FAILED_ID]['fault'])
        for test_id in rows:
            self.assertContains(res, 'href="%s"' % test_url(test_id))
        # A running test's row refreshes itself (Horizon's JavaScript
        # polls the rows classed warning); a judged one does not.
        self.assertIn('warning', rows[data.RUNNING_ID].classes)
        self.assertIn('ajax-update', rows[data.RUNNING_ID].classes)
        self.assertNotIn('warning', rows[data.PASSED_ID].classes)
        # The member may start a test, and abort the running one only.
        self.assertContains(res, START_URL)
        self.assertContains(res, abort_action(data.RUNNING_ID))
        # A danger button: Horizon asks for a confirmation first.
        self.assertRegex(res.content.decode(), r'<button[^>]*btn-danger'
                         r'[^>]*value="%s"' % abort_action(data.RUNNING_ID))
        self.assertNotContains(res, abort_action(data.FAILED_ID))
        self.assertNotContains(res, abort_action(data.PASSED_ID))
        self.mock_online_test_list.assert_called_once_with(
            horizon_helpers.IsHttpRequest(), INSTANCE_ID)

    @horizon_helpers.create_mocks({api: ['online_test_list']})
    def test_tab_error_shows_the_api_detail(self):
        self.mock_online_test_list.side_effect = vnfsnap_exceptions.\
            Forbidden(403, 'Forbidden', 'Policy does not allow '
                      'vnfsnap:online_test:get_all')
        res = self.tab()
        self.assertEqual(200, res.status_code)
        self.assertEqual([], res.context['%s_table' % TABLE].data)
        self.assertEqual(['Unable to retrieve the online tests. Policy does '
                          'not allow vnfsnap:online_test:get_all'],
                         self.toasts('error', res))

    @horizon_helpers.create_mocks({api: ['online_test_list']})
    def test_reader_sees_the_tests_and_no_action(self):
        self.as_roles(helpers.READER_ROLES)
        self.mock_online_test_list.return_value = three_tests()
        res = self.tab()
        self.assertEqual(3, len(res.context['%s_table' % TABLE].data))
        self.assertContains(res, test_url(data.RUNNING_ID))
        self.assertNotContains(res, START_URL)
        self.assertNotContains(res, abort_action(data.RUNNING_ID))

    @horizon_helpers.create_mocks({api: ['online_test_get',
                                         'online_test_list']})
    def test_row_update_reads_one_test(self):
        self.mock_online_test_get.return_value = api.OnlineTest(
            data.online_test_dict(data.RUNNING_ID, 'COMPLETED',
                                  verdict='PASS', recoveryTime=2.5))
        res = self.client.get(
            '%s?action=row_update&table=%s&obj_id=%s' % (
                DETAIL_URL, TABLE, data.RUNNING_ID),
            HTTP_X_REQUESTED_WITH='XMLHttpRequest')
        self.assertEqual(200, res.status_code)
        html = res.content.decode()
        self.assertIn('<tr', html)
        self.assertIn('Pass', html)
        self.assertIn('2.5 s', html)
        self.assertNotIn(abort_action(data.RUNNING_ID), html)
        self.mock_online_test_get.assert_called_once_with(
            horizon_helpers.IsHttpRequest(), INSTANCE_ID, data.RUNNING_ID)
        self.mock_online_test_list.assert_not_called()

    def test_abort_only_while_the_test_runs(self):
        for state, actions in (('STARTING', ['abort']),
                               ('PROCESSING', ['abort']),
                               ('ROLLING_BACK', ['abort']),
                               ('COMPLETED', []), ('ROLLED_BACK', []),
                               ('FAILED_TEMP', []), ('FAILED', [])):
            with self.subTest(state=state):
                self.assertEqual(actions, self.row_actions(api.OnlineTest(
                    data.online_test_dict('x', state))))

    def test_no_abort_without_the_link(self):
        test = data.online_test_dict('x', 'PROCESSING')
        del test['_links']['abort']
        self.assertEqual([], self.row_actions(api.OnlineTest(test)))


class AbortTests(OnlineTestsTestCase):

    @horizon_helpers.create_mocks({api: ['online_test_list',
                                         'online_test_abort']})
    def test_abort(self):
        self.mock_online_test_list.return_value = three_tests()
        res = self.client.post(DETAIL_URL,
                               {'action': abort_action(data.RUNNING_ID)})
        self.assertRedirectsNoFollow(res, TAB_URL)
        self.mock_online_test_abort.assert_called_once_with(
            horizon_helpers.IsHttpRequest(), INSTANCE_ID, data.RUNNING_ID)
        self.assertEqual(['Aborting Online Test: %s' % data.RUNNING_ID],
                         self.toasts('success'))

    @horizon_helpers.create_mocks({api: ['online_test_list',
                                         'online_test_abort']})
    def test_abort_refused_shows_the_api_detail(self):
        self.mock_online_test_list.return_value = three_tests()
        self.mock_online_test_abort.side_effect = conflict(
            'Online test %s is COMPLETED; only a running test can be '
            'aborted' % data.RUNNING_ID)
        res = self.client.post(DETAIL_URL,
                               {'action': abort_action(data.RUNNING_ID)})
        self.assertRedirectsNoFollow(res, TAB_URL)
        self.assertEqual(
            ['Unable to abort online test %s. Online test %s is COMPLETED; '
             'only a running test can be aborted'
             % (data.RUNNING_ID, data.RUNNING_ID)], self.toasts('error'))
        self.assertEqual([], self.toasts('success'))

    @horizon_helpers.create_mocks({api: ['online_test_list',
                                         'online_test_abort']})
    def test_abort_of_a_judged_test_is_not_sent(self):
        self.mock_online_test_list.return_value = three_tests()
        self.client.post(DETAIL_URL,
                         {'action': abort_action(data.PASSED_ID)})
        self.mock_online_test_abort.assert_not_called()
        self.assertEqual(['You are not allowed to abort online test: %s'
                          % data.PASSED_ID], self.toasts('error'))

    @horizon_helpers.create_mocks({api: ['online_test_list',
                                         'online_test_abort']})
    def test_reader_cannot_abort(self):
        self.as_roles(helpers.READER_ROLES)
        self.mock_online_test_list.return_value = three_tests()
        self.client.post(DETAIL_URL,
                         {'action': abort_action(data.RUNNING_ID)})
        self.mock_online_test_abort.assert_not_called()
        self.assertEqual([], self.toasts('success'))


class OnlineTestPageTests(OnlineTestsTestCase):

    @horizon_helpers.create_mocks({api: ['online_test_get']})
    def test_failed_test(self):
        self.mock_online_test_get.return_value = api.OnlineTest(
            data.failed_test(whole=True))
        res = self.client.get(test_url(data.FAILED_ID))
        self.assertTemplateUsed(res, 'horizon/common/_detail.html')
        self.assertContains(res, 'Online Test %s' % data.FAILED_ID)
        self.assertContains(res, data.REQUEST['description'])
        self.assertContains(res, '<dd class="vnfsnap-verdict" '
                                 'title="FAIL">Fail</dd>', html=True)
        self.assertContains(res, '(expected within 8 s)')
        # The fault: its type, its injector, when it was injected and
        # taken back.
        self.assertContains(res, '<dd>WEBHOOK</dd>', html=True)
        self.assertContains(res, FAULT_URL)
        self.assertContains(res, '2026-12-07 10:20:41.846')
        self.assertContains(res, '2026-12-07 10:20:49.960')
        # What it left, linked to the snapshots' and the package's pages.
        for url_name, resource_id in (
                ('vnf_snapshots', data.PRE_TEST_SNAPSHOT_ID),
                ('vnf_snapshots', data.FAILED_STATE_SNAPSHOT_ID),
                ('vnf_snapshot_packages', data.PACKAGE_ID)):
            self.assertContains(res, '<a href="%s">%s</a>' % (
                reverse('horizon:project:%s:detail' % url_name,
                        args=(resource_id,)), resource_id), html=True)
        self.assertContains(res, '<a href="%s">%s</a>' % (
            DETAIL_URL, INSTANCE_ID), html=True)
        # The probe results, round by round.
        self.assertTemplateUsed(
            res, 'project/vnf_instances/online_tests/'
                 '_detail_probe_rounds.html')
        for label in ('Baseline (before the fault)', 'During recovery',
                      'Judgement', 'After the restore'):
            self.assertContains(res, label)
        self.assertContains(res, 'status 503, expected 200', 2)
        self.assertContains(res, '2026-12-07 10:20:41.869')
        self.assertContains(res, '5 rounds between the baseline')
        # A judged test has no abort.
        self.assertNotContains(res, 'detail-actions-form')
        self.mock_online_test_get.assert_called_once_with(
            horizon_helpers.IsHttpRequest(), INSTANCE_ID, data.FAILED_ID)
        self.mock_vnf_instance_get.assert_not_called()

    @horizon_helpers.create_mocks({api: ['online_test_get']})
    def test_running_test_can_be_aborted_from_its_page(self):
        self.mock_online_test_get.return_value = api.OnlineTest(
            data.running_test(whole=True))
        res = self.client.get(test_url(data.RUNNING_ID))
        self.assertContains(res, 'Processing')
        self.assertContains(res, 'Not judged')
        self.assertContains(res, 'No probe has run yet.')
        self.assertContains(res, abort_action(data.RUNNING_ID))
        # The button posts to the instance's page, whose table aborts.
        self.assertContains(res, 'action="%s"' % DETAIL_URL)

    @horizon_helpers.create_mocks({api: ['online_test_get']})
    def test_rolled_back_test_shows_its_error(self):
        # Rolled back at its baseline: the fault was never injected, so
        # never recorded; the page names the requested one.
        test = data.online_test_dict(
            data.RUNNING_ID, 'ROLLED_BACK', whole=True,
            error={'status': 409, 'title': 'Conflict',
                   'detail': 'baseline: probe portal failed'})
        del test['fault']
        self.mock_online_test_get.return_value = api.OnlineTest(test)
        res = self.client.get(test_url(data.RUNNING_ID))
        self.assertContains(res, 'Rolled back')
        self.assertContains(res, 'vnfsnap-problem-details')
        self.assertContains(res, 'baseline: probe portal failed')
        self.assertContains(res, '<dd>WEBHOOK</dd>', html=True)
        self.assertContains(res, '<dd>%s</dd>' % FAULT_URL, html=True)
        self.assertContains(res, '<dd>Not injected</dd>', html=True)

    @horizon_helpers.create_mocks({api: ['online_test_get']})
    def test_reader_page_has_no_abort(self):
        self.as_roles(helpers.READER_ROLES)
        self.mock_online_test_get.return_value = api.OnlineTest(
            data.running_test(whole=True))
        res = self.client.get(test_url(data.RUNNING_ID))
        self.assertContains(res, 'Processing')
        self.assertNotContains(res, abort_action(data.RUNNING_ID))

    @horizon_helpers.create_mocks({api: ['online_test_get']})
    def test_unknown_test_goes_back_to_the_tab(self):
        self.mock_online_test_get.side_effect = vnfsnap_exceptions.NotFound(
            404, 'Not Found', 'Online test nope could not be found')
        res = self.client.get(test_url('nope'))
        self.assertRedirectsNoFollow(res, TAB_URL)
        self.assertEqual(['Unable to retrieve online test nope. Online test '
                          'nope could not be found'], self.toasts('error'))


FAULT_URL = data.FAULT_REQUEST['url']


class StartOnlineTestTests(OnlineTestsTestCase):

    YAML = ('probes:\n  - id: portal\n    type: HTTP\n'
            '    url: http://192.0.2.10:18080/health\n'
            'fault:\n  type: STOP_VNFC\n  vnfcInstanceId: fw\n'
            'expectedRecoveryTime: 30\n')
    BODY = {'probes': [{'id': 'portal', 'type': 'HTTP',
                        'url': 'http://192.0.2.10:18080/health'}],
            'fault': {'type': 'STOP_VNFC', 'vnfcInstanceId': 'fw'},
            'expectedRecoveryTime': 30}

    def test_form(self):
        res = self.client.get(START_URL)
        self.assertTemplateUsed(
            res, 'project/vnf_instances/online_tests/start.html')
        self.assertContains(res, 'action="%s"' % START_URL)

    @horizon_helpers.create_mocks({api: ['online_test_start']})
    def test_start_sends_the_request_as_an_object(self):
        self.mock_online_test_start.return_value = api.OnlineTest(
            data.running_test())
        res = self.client.post(START_URL, {'instance_id': INSTANCE_ID,
                                           'test_request': self.YAML})
        self.assertNoFormErrors(res)
        self.assertRedirectsNoFollow(res, TAB_URL)
        self.mock_online_test_start.assert_called_once_with(
            horizon_helpers.IsHttpRequest(), INSTANCE_ID, self.BODY)
        self.assertEqual(['Started online test %s.' % data.RUNNING_ID],
                         self.toasts('success'))

    @horizon_helpers.create_mocks({api: ['online_test_start']})
    def test_unparsable_request_is_a_field_error(self):
        res = self.client.post(START_URL, {'instance_id': INSTANCE_ID,
                                           'test_request': '{"probes": ['})
        self.assertFormErrors(res, 1)
        self.assertIn('The test request is neither JSON nor YAML',
                      res.context['form'].errors['test_request'][0])
        self.mock_online_test_start.assert_not_called()

    @horizon_helpers.create_mocks({api: ['online_test_start']})
    def test_api_refusal_is_a_field_error(self):
        self.mock_online_test_start.side_effect = (
            vnfsnap_exceptions.UnprocessableEntity(
                422, 'Unprocessable Entity',
                'fault: VNFC db is not among the VNFCs in scope of the test '
                '(fw)'))
        res = self.client.post(START_URL, {'instance_id': INSTANCE_ID,
                                           'test_request': self.YAML})
        self.assertEqual(200, res.status_code)
        self.assertEqual(['fault: VNFC db is not among the VNFCs in scope '
                          'of the test (fw)'],
                         res.context['form'].errors['test_request'])
        self.assertEqual([], self.toasts('success', res))

    @horizon_helpers.create_mocks({api: ['online_test_start']})
    def test_busy_vnf_is_a_toast(self):
        self.mock_online_test_start.side_effect = conflict(
            'an operation is in progress on the VNF instance')
        res = self.client.post(START_URL, {'instance_id': INSTANCE_ID,
                                           'test_request': self.YAML})
        self.assertEqual(200, res.status_code)
        self.assertEqual(['Unable to start the online test. an operation is '
                          'in progress on the VNF instance'],
                         self.toasts('error', res))

    @horizon_helpers.create_mocks({api: ['online_test_start']})
    def test_reader_gets_403(self):
        self.as_roles(helpers.READER_ROLES)
        self.assertEqual(403, self.client.get(START_URL).status_code)
        res = self.client.post(START_URL, {'instance_id': INSTANCE_ID,
                                           'test_request': self.YAML})
        self.assertEqual(403, res.status_code)
        self.mock_online_test_start.assert_not_called()


class AdminOnlineTestsTests(instance_tests.MessagesMixin,
                            helpers.BaseAdminViewTests):

    def setUp(self):
        super().setUp()
        mock.patch.object(instance_api, 'vnf_instance_get',
                          return_value=instance_tests.vnf_instance()).start()

    @horizon_helpers.create_mocks({api: ['online_test_list']})
    def test_tab_links_to_the_admin_pages_without_action(self):
        self.mock_online_test_list.return_value = three_tests()
        res = self.client.get('%s?tab=%s' % (ADMIN_DETAIL_URL, TAB),
                              HTTP_X_REQUESTED_WITH='XMLHttpRequest')
        self.assertEqual(3, len(res.context['%s_table' % TABLE].data))
        self.assertContains(res, test_url(data.RUNNING_ID, 'admin'))
        self.assertNotContains(res, test_url(data.RUNNING_ID))
        self.assertNotContains(res, START_URL)
        self.assertNotContains(res, abort_action(data.RUNNING_ID))

    @horizon_helpers.create_mocks({api: ['online_test_get']})
    def test_test_page(self):
        self.mock_online_test_get.return_value = api.OnlineTest(
            data.failed_test(whole=True))
        res = self.client.get(test_url(data.FAILED_ID, 'admin'))
        self.assertContains(res, '<a href="%s">%s</a>' % (
            ADMIN_DETAIL_URL, INSTANCE_ID), html=True)
        self.assertContains(res, '<a href="%s">%s</a>' % (
            reverse('horizon:admin:vnf_snapshots:detail',
                    args=(data.FAILED_STATE_SNAPSHOT_ID,)),
            data.FAILED_STATE_SNAPSHOT_ID), html=True)
        # No Admin packages panel: the package is named, not linked.
        self.assertContains(res, data.PACKAGE_ID)
        self.assertNotContains(res, reverse(
            'horizon:project:vnf_snapshot_packages:detail',
            args=(data.PACKAGE_ID,)))
        self.assertNotContains(res, 'detail-actions-form')


class ApiTests(helpers.TestCase):
    """The calls of the client library."""

    @mock.patch('vnfsnap_dashboard.api.vnfsnap.client')
    def test_list_latest_first(self, client):
        client.return_value.online_tests.list.return_value = [
            data.passed_test(), data.failed_test(), data.running_test()]
        tests = api.online_test_list(self.request, INSTANCE_ID)
        self.assertEqual([data.RUNNING_ID, data.FAILED_ID, data.PASSED_ID],
                         [t.id for t in tests])
        client.return_value.online_tests.list.assert_called_once_with(
            INSTANCE_ID, fields=('request/fault',))

    def test_fault_type_before_the_fault_is_recorded(self):
        # Rolled back at its baseline: no fault record, the request's.
        test = data.online_test_dict(data.RUNNING_ID, 'ROLLED_BACK',
                                     request={'fault': {
                                         'type': 'RESET_VNFC',
                                         'vnfcInstanceId': 'fw'}})
        del test['fault']
        self.assertEqual('RESET_VNFC', api.OnlineTest(test).fault_type)
        self.assertIsNone(api.OnlineTest({'id': 'x'}).fault_type)

    @mock.patch('vnfsnap_dashboard.api.vnfsnap.client')
    def test_get_start_abort(self, client):
        tests = client.return_value.online_tests
        tests.get.return_value = data.failed_test(whole=True)
        tests.start.return_value = data.running_test()
        test = api.online_test_get(self.request, INSTANCE_ID, data.FAILED_ID)
        self.assertEqual('WEBHOOK', test.fault_type)
        self.assertEqual(4, len(test.probe_rounds))
        started = api.online_test_start(self.request, INSTANCE_ID,
                                        {'probes': []})
        self.assertTrue(started.abort_allowed())
        api.online_test_abort(self.request, INSTANCE_ID, data.RUNNING_ID)
        tests.get.assert_called_once_with(INSTANCE_ID, data.FAILED_ID)
        tests.start.assert_called_once_with(INSTANCE_ID, {'probes': []})
        tests.abort.assert_called_once_with(INSTANCE_ID, data.RUNNING_ID)
