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

from unittest import mock

from django import urls
from vnfsnapclient import exceptions as client_exceptions

from vnfsnap_dashboard.api import vnf_snapshots as api
from vnfsnap_dashboard.api import vnfsnap
from vnfsnap_dashboard.test import helpers
from vnfsnap_dashboard.test import vnf_snapshots_data as data

INDEX_URL = urls.reverse('horizon:project:vnf_snapshots:index')
CREATE_URL = urls.reverse('horizon:project:vnf_snapshots:create')
CHOOSE_URL = urls.reverse('horizon:project:vnf_snapshots:choose_instance')
DETAIL_URL = urls.reverse('horizon:project:vnf_snapshots:detail',
                          args=(data.AVAILABLE_ID,))
REVERT_URL = urls.reverse('horizon:project:vnf_snapshots:revert',
                          args=(data.AVAILABLE_ID,))
INSTANCE_CREATE_URL = '%s?vnf_instance_id=%s' % (CREATE_URL,
                                                 data.INSTANCE_ID)
FILTER = 'vnf_snapshots__vnf_snapshots_filter__q'


def patch_api(*names):
    return mock.patch.multiple(api, **{n: mock.DEFAULT for n in names})


class IndexTests(helpers.TestCase):

    @patch_api('vnf_snapshot_list')
    def test_index_shows_rows_and_polls_the_one_in_progress(
            self, vnf_snapshot_list):
        vnf_snapshot_list.return_value = [data.available(), data.creating()]
        res = self.client.get(INDEX_URL)
        self.assertTemplateUsed(res, 'horizon/common/_data_table_view.html')
        vnf_snapshot_list.assert_called_once_with(
            mock.ANY, vnf_instance_id=None, name=None)
        content = res.content.decode()
        self.assertIn('before-upgrade', content)
        self.assertIn('Available', content)
        self.assertIn('Creating', content)
        # Only the row being filled is one Horizon's JS keeps refreshing.
        self.assertEqual(1, content.count('ajax-update warning'))
        row = content[content.index('ajax-update warning'):]
        self.assertIn('obj_id=%s' % data.CREATING_ID,
                      row[:row.index('>')])
        self.assertIn(CHOOSE_URL, content)
        for action in ('vnf_snapshots__action_create',
                       'vnf_snapshots__action_delete',
                       '__action_revert', '__action_snapshot_again'):
            self.assertIn(action, content)
        self.assertIn(urls.reverse('horizon:project:vnf_snapshots:revert',
                                   args=(data.AVAILABLE_ID,)), content)
        # No revert to a snapshot still being taken, no delete either.
        self.assertNotIn(urls.reverse('horizon:project:vnf_snapshots:revert',
                                      args=(data.CREATING_ID,)), content)
        self.assertNotIn('vnf_snapshots__delete__%s' % data.CREATING_ID,
                         content)
        self.assertIn('vnf_snapshots__delete__%s' % data.AVAILABLE_ID,
                      content)

    @patch_api('vnf_snapshot_list')
    def test_filter_by_instance_goes_to_the_api(self, vnf_snapshot_list):
        vnf_snapshot_list.return_value = []
        res = self.client.post(INDEX_URL, {
            FILTER: data.INSTANCE_ID, FILTER + '_field': 'vnf_instance_id'})
        # Horizon keeps the filter in the session and starts over.
        self.assertRedirectsNoFollow(res, INDEX_URL)
        self.client.get(INDEX_URL)
        vnf_snapshot_list.assert_called_with(
            mock.ANY, vnf_instance_id=data.INSTANCE_ID, name=None)

    @patch_api('vnf_snapshot_list')
    def test_filter_by_name_goes_to_the_api(self, vnf_snapshot_list):
        vnf_snapshot_list.return_value = []
        self.client.post(INDEX_URL, {FILTER: 'upgrade',
                                     FILTER + '_field': 'name'})
        self.client.get(INDEX_URL)
        vnf_snapshot_list.assert_called_with(
            mock.ANY, vnf_instance_id=None, name='upgrade')

    @patch_api('vnf_snapshot_list')
    def test_api_error_toast_carries_the_api_detail(self,
                                                    vnf_snapshot_list):
        vnf_snapshot_list.side_effect = client_exceptions.from_status(
            503, title='Service Unavailable', detail='database is down')
        res = self.client.get(INDEX_URL)
        self.assertEqual(200, res.status_code)
        self.assertEqual(
            ['Unable to retrieve VNF snapshots. database is down'],
            data.message_texts(res))

    @patch_api('vnf_snapshot_get')
    def test_row_refresh_shows_the_new_state(self, vnf_snapshot_get):
        vnf_snapshot_get.return_value = data.available()
        res = data.row_update(self.client, INDEX_URL, data.AVAILABLE_ID)
        vnf_snapshot_get.assert_called_once_with(mock.ANY,
                                                 data.AVAILABLE_ID)
        content = res.content.decode()
        self.assertIn('Available', content)
        self.assertIn('status_up', content)

    @patch_api('vnf_snapshot_get')
    def test_row_refresh_of_a_failed_snapshot(self, vnf_snapshot_get):
        vnf_snapshot_get.return_value = data.creating('FAILED_TEMP')
        res = data.row_update(self.client, INDEX_URL, data.CREATING_ID)
        content = res.content.decode()
        self.assertIn('Failed (retry or roll back)', content)
        self.assertIn('status_down', content)

    @patch_api('vnf_snapshot_get')
    def test_row_of_a_deleted_snapshot_answers_404(self, vnf_snapshot_get):
        # Horizon's JS then drops the row.
        vnf_snapshot_get.side_effect = client_exceptions.from_status(
            404, detail='VNF snapshot not found')
        res = data.row_update(self.client, INDEX_URL, data.CREATING_ID)
        self.assertEqual(404, res.status_code)

    @patch_api('vnf_snapshot_list', 'vnf_snapshot_delete')
    def test_delete(self, vnf_snapshot_list, vnf_snapshot_delete):
        vnf_snapshot_list.return_value = [data.available()]
        res = self.client.post(INDEX_URL, {
            'action': 'vnf_snapshots__delete__%s' % data.AVAILABLE_ID})
        self.assertRedirectsNoFollow(res, INDEX_URL)
        vnf_snapshot_delete.assert_called_once_with(mock.ANY,
                                                    data.AVAILABLE_ID)


class DetailTests(helpers.TestCase):

    @patch_api('vnf_snapshot_get')
    def test_detail_shows_each_vnfc_snapshot(self, vnf_snapshot_get):
        vnf_snapshot_get.return_value = data.available()
        res = self.client.get(DETAIL_URL)
        self.assertEqual(200, res.status_code)
        content = res.content.decode()
        for text in ('before-upgrade', 'Taken before 2.0', 'vnfd-web',
                     'vnfc-web', 'vnfc-db', 'File system', 'Crash',
                     # The freeze: when, and how long.
                     '2026-12-06T10:00:01.000Z', '(1250 ms)',
                     'dom-vnfc-web', 'vol-vnfc-db: vsnap-vnfc-db'):
            self.assertIn(text, content)
        self.assertIn(REVERT_URL, content)
        # Its Delete posts to the table's page, which carries it out.
        self.assertIn('class="detail-actions-form actions_column" '
                      'action="%s"' % INDEX_URL, content)

    @patch_api('vnf_snapshot_get')
    def test_detail_of_a_missing_snapshot_goes_back_to_the_table(
            self, vnf_snapshot_get):
        vnf_snapshot_get.side_effect = client_exceptions.from_status(
            404, detail='VNF snapshot x not found')
        res = self.client.get(DETAIL_URL)
        self.assertRedirectsNoFollow(res, INDEX_URL)


class CreateTests(helpers.TestCase):

    def _get(self, capabilities):
        with patch_api('vnf_instance_get', 'vim_capabilities') as m:
            m['vnf_instance_get'].return_value = data.instance()
            m['vim_capabilities'].return_value = capabilities
            return self.client.get(INSTANCE_CREATE_URL)

    def _post(self, capabilities, **fields):
        form = {'vnf_instance_id': data.INSTANCE_ID, 'quiesce': 'auto'}
        form.update(fields)
        with patch_api('vnf_instance_get', 'vim_capabilities',
                       'vnf_snapshot_create') as m:
            m['vnf_instance_get'].return_value = data.instance()
            m['vim_capabilities'].return_value = capabilities
            m['vnf_snapshot_create'].return_value = (data.AVAILABLE_ID,
                                                     data.OP_ID)
            res = self.client.post(INSTANCE_CREATE_URL, form)
        return res, m['vnf_snapshot_create']

    def test_form_offers_what_every_vim_can(self):
        res = self._get(data.capabilities())
        self.assertTemplateUsed(res, 'project/vnf_snapshots/create.html')
        form = res.context['form']
        self.assertFalse(any(f.disabled for f in form.fields.values()
                             if f.label))
        self.assertEqual(['vnfc-web', 'vnfc-db'],
                         [c for c, _ in form.fields['vnfc_ids'].choices])

    def test_what_no_vim_can_do_is_greyed_out_with_the_reason(self):
        res = self._get(data.capabilities(web={'memorySnapshot': False},
                                          db={'memorySnapshot': False}))
        form = res.context['form']
        self.assertTrue(form.fields['with_memory'].disabled)
        self.assertFalse(form.fields['pause_vnf'].disabled)
        help_text = str(form.fields['with_memory'].help_text)
        self.assertIn('Not possible here', help_text)
        self.assertIn('vnfc-db: its VIM cannot capture memory', help_text)
        self.assertIn('disabled', str(form['with_memory']))

    def test_a_vim_that_did_not_answer_gives_its_reason(self):
        caps = data.capabilities()
        for entry in caps['vnfcs']:
            del entry['capabilities']
            entry['error'] = 'libvirt unreachable'
        res = self._get(caps)
        form = res.context['form']
        self.assertTrue(form.fields['quiesce'].disabled)
        self.assertIn('vnfc-web: its VIM did not answer (libvirt '
                      'unreachable)', str(form.fields['quiesce'].help_text))

    def test_some_vnfcs_lacking_leaves_it_enabled_and_says_which(self):
        res = self._get(data.capabilities(db={'pause': False}))
        form = res.context['form']
        self.assertFalse(form.fields['pause_vnf'].disabled)
        self.assertIn('Not for vnfc-db: its VIM cannot pause VNFCs',
                      str(form.fields['pause_vnf'].help_text))

    def test_capabilities_unreadable_keeps_every_option(self):
        with patch_api('vnf_instance_get', 'vim_capabilities') as m:
            m['vnf_instance_get'].return_value = data.instance()
            m['vim_capabilities'].side_effect = (
                client_exceptions.from_status(502, detail='VIM timeout'))
            res = self.client.get(INSTANCE_CREATE_URL)
        self.assertFalse(res.context['form'].fields['with_memory'].disabled)
        self.assertIn('VIM timeout', data.message_texts(res)[0])

    def test_create_makes_the_cli_calls(self):
        res, create = self._post(
            data.capabilities(), name='nightly', description='cron',
            with_memory='on', quiesce='no', vnfc_ids=['vnfc-db'])
        self.assertNoFormErrors(res)
        self.assertRedirectsNoFollow(res, INDEX_URL)
        create.assert_called_once_with(
            mock.ANY, data.INSTANCE_ID,
            additional_params={'withMemory': True, 'quiesce': False,
                               'vnfcInstanceIds': ['vnfc-db']},
            user_defined_data={'name': 'nightly', 'description': 'cron'})

    def test_create_with_defaults_sends_no_options(self):
        res, create = self._post(data.capabilities())
        self.assertRedirectsNoFollow(res, INDEX_URL)
        create.assert_called_once_with(mock.ANY, data.INSTANCE_ID,
                                       additional_params={},
                                       user_defined_data={})

    def test_a_greyed_out_option_is_not_sent_even_when_posted(self):
        res, create = self._post(
            data.capabilities(web={'memorySnapshot': False},
                              db={'memorySnapshot': False}),
            with_memory='on')
        self.assertRedirectsNoFollow(res, INDEX_URL)
        self.assertEqual({}, create.call_args.kwargs['additional_params'])

    def test_quiesce_and_pause_exclude_each_other(self):
        res, create = self._post(data.capabilities(), quiesce='yes',
                                 pause_vnf='on')
        self.assertFormErrors(
            res, 1, 'Quiesce and Pause VNF exclude each other: a paused '
                    'guest cannot freeze its file systems.')
        create.assert_not_called()

    def test_an_option_a_chosen_vnfc_cannot_have_is_refused(self):
        res, create = self._post(data.capabilities(db={'pause': False}),
                                 pause_vnf='on', vnfc_ids=['vnfc-db'])
        self.assertFormErrors(res, 1, 'vnfc-db: its VIM cannot pause VNFCs')
        create.assert_not_called()

    def test_unknown_vnfc_is_refused(self):
        res, create = self._post(data.capabilities(), vnfc_ids=['nope'])
        self.assertFormErrors(res, 1)
        create.assert_not_called()

    def test_api_refusal_shows_its_detail_and_keeps_the_form(self):
        form = {'vnf_instance_id': data.INSTANCE_ID, 'quiesce': 'auto'}
        with patch_api('vnf_instance_get', 'vim_capabilities',
                       'vnf_snapshot_create') as m:
            m['vnf_instance_get'].return_value = data.instance()
            m['vim_capabilities'].return_value = data.capabilities()
            m['vnf_snapshot_create'].side_effect = (
                client_exceptions.from_status(
                    409, detail='VNF instance is busy with an operation'))
            res = self.client.post(INSTANCE_CREATE_URL, form)
        self.assertEqual(200, res.status_code)
        self.assertEqual(['Unable to create the snapshot. VNF instance is '
                          'busy with an operation'], data.message_texts(res))

    def test_an_unknown_instance_goes_back_to_the_table(self):
        with patch_api('vnf_instance_get', 'vim_capabilities') as m:
            m['vnf_instance_get'].side_effect = (
                client_exceptions.from_status(404, detail='no such VNF'))
            res = self.client.get(INSTANCE_CREATE_URL)
        self.assertRedirectsNoFollow(res, INDEX_URL)
        m['vim_capabilities'].assert_not_called()

    def test_without_an_instance_it_asks_for_one_first(self):
        res = self.client.get(CREATE_URL)
        self.assertRedirectsNoFollow(res, CHOOSE_URL)

    @patch_api('snapshottable_instances')
    def test_choose_lists_instances_and_leads_to_the_form(
            self, snapshottable_instances):
        snapshottable_instances.return_value = [data.instance()]
        res = self.client.get(CHOOSE_URL)
        self.assertIn('web-vnf', res.content.decode())
        res = self.client.post(CHOOSE_URL,
                               {'vnf_instance_id': data.INSTANCE_ID})
        self.assertRedirectsNoFollow(res, INSTANCE_CREATE_URL)


class RevertTests(helpers.TestCase):

    @patch_api('vnf_snapshot_get')
    def test_confirmation_says_what_each_vnfc_loses(self, vnf_snapshot_get):
        vnf_snapshot_get.return_value = data.available()
        res = self.client.get(REVERT_URL)
        self.assertTemplateUsed(res, 'project/vnf_snapshots/revert.html')
        content = res.content.decode()
        self.assertIn('Disk: every write since 2026-12-06T10:00:05Z '
                      '(vol-vnfc-web)', content)
        # vnfc-web was captured with its memory, vnfc-db was not.
        losses = content[content.index('revert_losses'):]
        web = losses[losses.index('vnfc-web'):losses.index('vnfc-db')]
        database = losses[losses.index('vnfc-db'):]
        self.assertIn('replaced by the memory captured', web)
        self.assertIn('restarts from its reverted disks', database)
        self.assertIn('Take a safety snapshot first', content)

    @patch_api('vnf_snapshot_get', 'revert_to_snapshot')
    def test_revert_with_a_safety_snapshot(self, vnf_snapshot_get,
                                           revert_to_snapshot):
        vnf_snapshot_get.return_value = data.available()
        revert_to_snapshot.return_value = data.OP_ID
        res = self.client.post(REVERT_URL, {
            'snapshot_id': data.AVAILABLE_ID,
            'vnf_instance_id': data.INSTANCE_ID,
            'safety_snapshot': 'on', 'state_after': 'paused'})
        self.assertNoFormErrors(res)
        self.assertRedirectsNoFollow(res, INDEX_URL)
        revert_to_snapshot.assert_called_once_with(
            mock.ANY, data.INSTANCE_ID, data.AVAILABLE_ID,
            additional_params={'safetySnapshot': True,
                               'stateAfterRevert': 'paused'})

    @patch_api('vnf_snapshot_get', 'revert_to_snapshot')
    def test_revert_refused_by_the_api(self, vnf_snapshot_get,
                                       revert_to_snapshot):
        vnf_snapshot_get.return_value = data.available()
        revert_to_snapshot.side_effect = client_exceptions.from_status(
            422, detail='VNFC vnfc-db is no longer part of the VNF')
        res = self.client.post(REVERT_URL, {
            'snapshot_id': data.AVAILABLE_ID,
            'vnf_instance_id': data.INSTANCE_ID})
        self.assertEqual(['Unable to revert to the snapshot. VNFC vnfc-db '
                          'is no longer part of the VNF'],
                         data.message_texts(res))

    @patch_api('vnf_snapshot_get', 'revert_to_snapshot')
    def test_no_revert_to_a_snapshot_still_being_taken(
            self, vnf_snapshot_get, revert_to_snapshot):
        vnf_snapshot_get.return_value = data.creating()
        res = self.client.get(urls.reverse(
            'horizon:project:vnf_snapshots:revert', args=(data.CREATING_ID,)))
        self.assertRedirectsNoFollow(res, INDEX_URL)
        revert_to_snapshot.assert_not_called()


class ReaderTests(helpers.TestCase):

    def setUp(self):
        super().setUp()
        self.as_roles(helpers.READER_ROLES)

    @patch_api('vnf_snapshot_list')
    def test_reader_sees_the_table_without_actions(self, vnf_snapshot_list):
        vnf_snapshot_list.return_value = [data.available()]
        res = self.client.get(INDEX_URL)
        content = res.content.decode()
        self.assertIn('before-upgrade', content)
        for hidden in (CHOOSE_URL, REVERT_URL, 'vnf_snapshots__delete__',
                       'vnf_snapshots__action_create'):
            self.assertNotIn(hidden, content)

    @patch_api('vnf_snapshot_get')
    def test_reader_detail_has_no_actions(self, vnf_snapshot_get):
        vnf_snapshot_get.return_value = data.available()
        res = self.client.get(DETAIL_URL)
        self.assertEqual(200, res.status_code)
        self.assertNotIn(REVERT_URL, res.content.decode())

    @patch_api('vnf_instance_get', 'vim_capabilities', 'vnf_snapshot_create',
               'vnf_snapshot_get', 'revert_to_snapshot',
               'snapshottable_instances')
    def test_reader_gets_403_on_every_form(self, **mocks):
        form = {'vnf_instance_id': data.INSTANCE_ID,
                'snapshot_id': data.AVAILABLE_ID, 'quiesce': 'auto'}
        for url in (CHOOSE_URL, CREATE_URL, INSTANCE_CREATE_URL,
                    REVERT_URL):
            self.assertEqual(403, self.client.get(url).status_code, url)
            self.assertEqual(403, self.client.post(url, form).status_code,
                             url)
        for called in mocks.values():
            called.assert_not_called()

    @patch_api('vnf_snapshot_list', 'vnf_snapshot_delete')
    def test_reader_cannot_delete(self, vnf_snapshot_list,
                                  vnf_snapshot_delete):
        vnf_snapshot_list.return_value = [data.available()]
        self.client.post(INDEX_URL, {
            'action': 'vnf_snapshots__delete__%s' % data.AVAILABLE_ID})
        vnf_snapshot_delete.assert_not_called()


class ApiTests(helpers.TestCase):
    """The requests behind the panel's calls, against a mocked client
    library."""

    def setUp(self):
        super().setUp()
        patcher = mock.patch.object(vnfsnap, 'client')
        self.lib = patcher.start().return_value
        self.addCleanup(patcher.stop)

    def test_list_asks_the_op_occs_of_the_empty_snapshots_only(self):
        self.lib.vnf_snapshots.list.return_value = iter([
            data.available_info(), {'id': data.CREATING_ID}])
        self.lib.vnf_lcm_op_occs.list.return_value = iter([
            data.creating_op('STARTING'),
            dict(data.creating_op('ROLLED_BACK'),
                 startTime='2026-12-06T09:00:00Z')])
        rows = api.vnf_snapshot_list(self.request,
                                     vnf_instance_id=data.INSTANCE_ID,
                                     name="a,b")
        self.lib.vnf_snapshots.list.assert_called_once_with(
            filter="(eq,vnfSnapshot/vnfInstanceId,%s);"
                   "(cont,vnfSnapshot/userDefinedData/name,'a,b')"
                   % data.INSTANCE_ID)
        self.lib.vnf_lcm_op_occs.list.assert_called_once_with(
            filter='(eq,operation,CREATE_SNAPSHOT);'
                   '(in,vnfSnapshotInfoId,%s)' % data.CREATING_ID,
            exclude_fields='operationParams')
        self.assertEqual([api.AVAILABLE, api.CREATING],
                         [r.status for r in rows])
        # The latest occurrence decides.
        self.assertEqual(data.INSTANCE_ID, rows[1].vnf_instance_id)

    def test_list_of_filled_snapshots_makes_one_request(self):
        self.lib.vnf_snapshots.list.return_value = iter([
            data.available_info()])
        api.vnf_snapshot_list(self.request)
        self.lib.vnf_snapshots.list.assert_called_once_with(filter=None)
        self.lib.vnf_lcm_op_occs.list.assert_not_called()

    def test_create_is_the_clis_two_requests(self):
        self.lib.vnf_snapshots.create.return_value = {'id': 'info-1'}
        self.lib.vnf_instances.create_snapshot.return_value = 'op-1'
        self.assertEqual(('info-1', 'op-1'), api.vnf_snapshot_create(
            self.request, data.INSTANCE_ID, {'withMemory': True},
            {'name': 'n'}))
        self.lib.vnf_snapshots.create.assert_called_once_with({})
        self.lib.vnf_instances.create_snapshot.assert_called_once_with(
            data.INSTANCE_ID, 'info-1',
            additional_params={'withMemory': True},
            user_defined_data={'name': 'n'})
        self.lib.vnf_snapshots.delete.assert_not_called()

    def test_a_refused_create_leaves_no_empty_snapshot(self):
        self.lib.vnf_snapshots.create.return_value = {'id': 'info-1'}
        self.lib.vnf_instances.create_snapshot.side_effect = (
            client_exceptions.from_status(409, detail='busy'))
        self.assertRaises(client_exceptions.Conflict,
                          api.vnf_snapshot_create, self.request,
                          data.INSTANCE_ID)
        self.lib.vnf_snapshots.delete.assert_called_once_with('info-1')

    def test_freeze_and_pause_timings(self):
        vnfc = api.VnfcSnapshot(data.vnfc_snapshot('vnfc-web', True))
        self.assertEqual(1250, vnfc.frozen_ms)
        self.assertIsNone(vnfc.paused_ms)
        self.assertEqual('filesystem', vnfc.consistency_level)
        self.assertTrue(vnfc.memory_captured)
