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

"""The "VNF Snapshot Packages" panel: its table, detail page, forms,
the streamed download and upload, and what a reader may do."""

import json
from unittest import mock

from django import http
from django.conf import settings
from django.urls import reverse
from openstack_dashboard.test import helpers as horizon_helpers
from vnfsnapclient import exceptions as client_exceptions

from vnfsnap_dashboard.api import vnf_snapshot_packages as api
from vnfsnap_dashboard.dashboards.project.vnf_snapshot_packages import (
    tables as pkg_tables,
)
from vnfsnap_dashboard.test import helpers

INDEX_URL = reverse('horizon:project:vnf_snapshot_packages:index')
SHA = 'ab' * 32
SECRET = 's3cret'  # noqa: S105 (a test's made-up password)


def url(name, *args):
    return reverse('horizon:project:vnf_snapshot_packages:' + name,
                   args=args)


def info(pkg_id='p1', state='AVAILABLE', **extra):
    """A VnfSnapshotPkgInfo as vnfsnap answers it."""
    doc = {'id': pkg_id, 'name': 'pkg-' + pkg_id, 'state': state,
           'isFullSnapshot': True, 'isCancelPending': False,
           '_links': {'self': {'href': 'x'}}}
    if state == 'AVAILABLE':
        doc.update(
            checksum={'algorithm': 'SHA-256', 'hash': SHA},
            createdAt='2026-12-06T10:00:00Z', vnfSnapshotId='snap-1',
            vnfsr={'recordPath': 'vnfsr/record.json'},
            vnfcSnapshotImages=[{'imagePath': 'images/vdu1.qcow2',
                                 'size': 3 * 1024 * 1024,
                                 'checksum': {'algorithm': 'SHA-256',
                                              'hash': 'cd' * 32}}],
            signature={'signed': True, 'verified': True,
                       'signer': 'CN=NFVO'})
    doc.update(extra)
    return doc


def package(*args, **kwargs):
    return api.Package(info(*args, **kwargs))


def conflict(detail):
    return client_exceptions.Conflict(409, title='Conflict', detail=detail)


def messages_of(response):
    """The texts of the toasts a rendered page carries."""
    return [str(m.message) for m in response.context['messages']]


class TestCase(helpers.TestCase):
    """With vnfsnap's policy enforced (Horizon's test settings turn the
    policy checks off)."""


class FakeStream:
    """The client library's http.Stream: counts the chunks taken."""

    def __init__(self, chunks):
        self.chunks = chunks
        self.size = sum(len(c) for c in chunks)
        self.taken = 0
        self.closed = False

    def __iter__(self):
        for chunk in self.chunks:
            self.taken += 1
            yield chunk

    def close(self):
        self.closed = True


class TestIndex(TestCase):

    @horizon_helpers.create_mocks({api: ['package_list']})
    def test_index_lists_packages_with_their_columns(self):
        self.mock_package_list.return_value = [
            package('p1'),
            package('p2', state='BUILDING',
                    progress={'bytesDone': 1024 * 1024,
                              'bytesTotal': 4 * 1024 * 1024}),
            package('p3', state='ERROR',
                    signature={'signed': False, 'verified': False})]
        res = self.client.get(INDEX_URL)
        self.assertTemplateUsed(res, 'horizon/common/_data_table_view.html')
        self.assertEqual(3, len(res.context['table'].data))
        content = res.content.decode()
        for text in ('pkg-p1', 'Available', '3.0\xa0MB', SHA[:16],
                     'Verified (CN=NFVO)', '1.0\xa0MB of 4.0\xa0MB',
                     'Building', 'Unsigned', 'Error'):
            self.assertIn(text, content)
        # Member buttons: the table's, then those each state allows.
        for action in ('build', 'upload', 'import', 'delete',
                       'row_p1__action_download', 'row_p1__action_extract',
                       'row_p1__action_delete', 'row_p2__action_cancel',
                       'row_p3__action_delete'):
            self.assertIn('vnf_snapshot_packages__%s"' % (
                action if '__' in action else 'action_' + action), content)
        for action in ('row_p2__action_delete', 'row_p3__action_download',
                       'row_p1__action_cancel'):
            self.assertNotIn(action, content)
        self.assertIn(url('download', 'p1'), content)
        self.mock_package_list.assert_called_once_with(
            horizon_helpers.IsHttpRequest())

    @horizon_helpers.create_mocks({api: ['package_list']})
    def test_rows_in_progress_refresh_themselves(self):
        self.mock_package_list.return_value = [
            package('p1'), package('p2', state='UPLOADING')]
        res = self.client.get(INDEX_URL)
        rows = {row.datum.id: row
                for row in res.context['table'].get_rows()}
        self.assertIsNone(rows['p2'].status)
        self.assertTrue(rows['p1'].status)
        # The rows Horizon's script polls: tr.warning.ajax-update.
        self.assertEqual('warning', rows['p2'].status_class)
        self.assertEqual('status_up', rows['p1'].status_class)
        self.assertIn('data-update-url', res.content.decode())

    @horizon_helpers.create_mocks({api: ['package_get']})
    def test_row_update_reads_one_package(self):
        self.mock_package_get.return_value = package('p2',
                                                     state='PROCESSING')
        res = self.client.get(
            INDEX_URL, {'action': 'row_update',
                        'table': 'vnf_snapshot_packages', 'obj_id': 'p2'},
            HTTP_X_REQUESTED_WITH='XMLHttpRequest')
        self.assertEqual(200, res.status_code)
        self.assertIn('Processing', res.content.decode())
        self.mock_package_get.assert_called_once_with(
            horizon_helpers.IsHttpRequest(), 'p2')

    @horizon_helpers.create_mocks({api: ['package_list']})
    def test_api_error_toast_carries_the_api_detail(self):
        self.mock_package_list.side_effect = conflict('the store is away')
        res = self.client.get(INDEX_URL)
        self.assertEqual(200, res.status_code)
        [message] = messages_of(res)
        self.assertTrue(message.startswith(
            'Unable to retrieve VNF snapshot packages. the store is away'),
            message)

    def test_cancel_only_while_an_operation_runs(self):
        cancel = pkg_tables.CancelPackage()
        allowed = {state for state in (
            'CREATED', 'BUILDING', 'UPLOADING', 'PROCESSING', 'AVAILABLE',
            'EXTRACTING', 'ERROR', 'ERROR_EXTRACTING')
            if cancel.allowed(self.request, package(state=state))}
        self.assertEqual({'BUILDING', 'UPLOADING', 'PROCESSING',
                          'EXTRACTING'}, allowed)
        self.assertFalse(cancel.allowed(self.request, package(
            state='BUILDING', isCancelPending=True)))

    def test_delete_download_extract_in_the_states_sol005_allows(self):
        for action, states in (
                (pkg_tables.DeletePackage(),
                 {'CREATED', 'ERROR', 'AVAILABLE'}),
                (pkg_tables.DownloadPackage(), {'AVAILABLE'}),
                (pkg_tables.ExtractPackage(), {'AVAILABLE'})):
            allowed = {state for state in (
                'CREATED', 'BUILDING', 'UPLOADING', 'PROCESSING',
                'AVAILABLE', 'EXTRACTING', 'ERROR', 'ERROR_EXTRACTING')
                if action.allowed(self.request, package(state=state))}
            self.assertEqual(states, allowed, action.name)

    @horizon_helpers.create_mocks({api: ['package_list', 'package_cancel']})
    def test_cancel(self):
        self.mock_package_list.return_value = [package('p2',
                                                       state='BUILDING')]
        res = self.client.post(
            INDEX_URL, {'action': 'vnf_snapshot_packages__cancel__p2'})
        self.assertRedirectsNoFollow(res, INDEX_URL)
        self.mock_package_cancel.assert_called_once_with(
            horizon_helpers.IsHttpRequest(), 'p2')

    @horizon_helpers.create_mocks({api: ['package_list', 'package_delete']})
    def test_delete(self):
        self.mock_package_list.return_value = [package('p1')]
        res = self.client.post(
            INDEX_URL, {'action': 'vnf_snapshot_packages__delete__p1'})
        self.assertRedirectsNoFollow(res, INDEX_URL)
        self.mock_package_delete.assert_called_once_with(
            horizon_helpers.IsHttpRequest(), 'p1')
        self.assertMessageCount(success=1)

    @horizon_helpers.create_mocks({api: ['package_list', 'package_delete']})
    def test_refused_delete_says_why(self):
        self.mock_package_list.return_value = [package('p1')]
        self.mock_package_delete.side_effect = conflict('it is EXTRACTING')
        res = self.client.post(
            INDEX_URL, {'action': 'vnf_snapshot_packages__delete__p1'})
        self.assertRedirectsNoFollow(res, INDEX_URL)
        self.assertMessageCount(error=1)


class TestDetail(TestCase):

    @horizon_helpers.create_mocks({api: ['package_get']})
    def test_detail_shows_state_checksum_signature_and_artifacts(self):
        self.mock_package_get.return_value = package('p1')
        res = self.client.get(url('detail', 'p1'))
        self.assertTemplateUsed(res, 'horizon/common/_detail.html')
        content = res.content.decode()
        for text in ('pkg-p1', 'Available', 'SHA-256 ' + SHA,
                     'Verified (CN=NFVO)', '3.0\xa0MB',
                     'vnfsr/record.json', 'images/vdu1.qcow2', 'cd' * 32):
            self.assertIn(text, content)
        self.mock_package_get.assert_called_once_with(
            horizon_helpers.IsHttpRequest(), 'p1')

    @horizon_helpers.create_mocks({api: ['package_get']})
    def test_detail_of_a_failed_package_shows_the_problem(self):
        self.mock_package_get.return_value = package(
            'p1', state='ERROR', failureDetails={
                'errorType': 'PROCESS_ERROR',
                'details': {'status': 422, 'detail': 'manifest mismatch'}})
        res = self.client.get(url('detail', 'p1'))
        content = res.content.decode()
        self.assertIn('PROCESS_ERROR', content)
        self.assertIn('manifest mismatch', content)

    @horizon_helpers.create_mocks({api: ['package_get']})
    def test_missing_package_goes_back_to_the_list(self):
        self.mock_package_get.side_effect = client_exceptions.NotFound(
            404, detail='no package p9')
        res = self.client.get(url('detail', 'p9'))
        self.assertRedirectsNoFollow(res, INDEX_URL)


class TestBuild(TestCase):

    SNAPSHOTS = [
        {'id': 's1', 'vnfSnapshot': {
            'creationStartedAt': '2026-12-06T09:00:00Z',
            'userDefinedData': {'name': 'before-upgrade'}}},
        # Not taken yet: cannot be packaged.
        {'id': 's2'},
    ]

    @horizon_helpers.create_mocks({api: ['vnf_snapshot_list']})
    def test_form_offers_the_taken_vnf_snapshots(self):
        self.mock_vnf_snapshot_list.return_value = self.SNAPSHOTS
        res = self.client.get(url('build'))
        self.assertTemplateUsed(res, 'project/vnf_snapshot_packages/'
                                     'modal.html')
        self.assertContains(res, 'id="build_vnf_snapshot_package_form"')
        self.assertContains(
            res, 'action="%s"' % url('build'))
        choices = res.context['form'].fields['vnf_snapshot'].choices
        self.assertEqual(['', 's1'], [c[0] for c in choices])
        self.assertIn('before-upgrade', str(choices[1][1]))

    @horizon_helpers.create_mocks({api: ['vnf_snapshot_list',
                                         'package_create', 'package_build']})
    def test_build_creates_then_builds(self):
        self.mock_vnf_snapshot_list.return_value = self.SNAPSHOTS
        self.mock_package_create.return_value = package('p7',
                                                        state='CREATED')
        res = self.client.post(url('build'), {'name': 'pkg-p7',
                                              'vnf_snapshot': 's1'})
        self.assertNoFormErrors(res)
        self.assertRedirectsNoFollow(res, INDEX_URL)
        self.mock_package_create.assert_called_once_with(
            horizon_helpers.IsHttpRequest(), 'pkg-p7')
        self.mock_package_build.assert_called_once_with(
            horizon_helpers.IsHttpRequest(), 'p7', 's1')
        self.assertMessageCount(success=1)

    @horizon_helpers.create_mocks({api: ['vnf_snapshot_list',
                                         'package_create', 'package_build',
                                         'package_delete']})
    def test_refused_build_removes_the_empty_package(self):
        self.mock_vnf_snapshot_list.return_value = self.SNAPSHOTS
        self.mock_package_create.return_value = package('p7',
                                                        state='CREATED')
        self.mock_package_build.side_effect = conflict(
            'VNF snapshot s1 is being reverted to')
        res = self.client.post(url('build'), {'name': 'pkg-p7',
                                              'vnf_snapshot': 's1'})
        self.assertEqual(200, res.status_code)
        [message] = messages_of(res)
        self.assertTrue(message.startswith(
            'Unable to build the package. VNF snapshot s1 is being '
            'reverted to'), message)
        self.mock_package_delete.assert_called_once_with(
            horizon_helpers.IsHttpRequest(), 'p7')

    @horizon_helpers.create_mocks({api: ['vnf_snapshot_list',
                                         'package_create']})
    def test_a_vnf_snapshot_is_required(self):
        self.mock_vnf_snapshot_list.return_value = self.SNAPSHOTS
        res = self.client.post(url('build'), {'name': 'x',
                                              'vnf_snapshot': ''})
        self.assertFormErrors(res, 1)
        self.mock_package_create.assert_not_called()


class TestImport(TestCase):

    @horizon_helpers.create_mocks({api: ['package_create',
                                         'package_upload_from_uri']})
    def test_import_with_basic_credentials(self):
        self.mock_package_create.return_value = package('p8',
                                                        state='CREATED')
        res = self.client.post(url('import'), {
            'name': 'pkg-p8', 'uri': 'https://files.example.com/p.zip',
            'username': 'ops', 'password': SECRET})
        self.assertNoFormErrors(res)
        self.assertRedirectsNoFollow(res, INDEX_URL)
        self.mock_package_upload_from_uri.assert_called_once_with(
            horizon_helpers.IsHttpRequest(), 'p8',
            'https://files.example.com/p.zip', username='ops',
            password=SECRET)

    @horizon_helpers.create_mocks({api: ['package_create']})
    def test_bad_uri_and_password_without_user_are_refused(self):
        res = self.client.post(url('import'), {
            'name': 'x', 'uri': 'file:///etc/passwd', 'password': 'p'})
        self.assertFormErrors(res, 2)
        self.mock_package_create.assert_not_called()

    def test_client_body_of_the_import(self):
        packages = mock.Mock()
        with mock.patch.object(api, '_packages', return_value=packages):
            api.package_upload_from_uri(self.request, 'p8', 'http://h/p',
                                        username='u', password='')
        packages.upload_from_uri.assert_called_once_with('p8', {
            'addressInformation': 'http://h/p', 'authType': 'BASIC',
            'paramsBasic': {'userName': 'u', 'password': ''}})


class TestExtract(TestCase):

    INSTANCES = [{'id': 'i1', 'vnfInstanceName': 'web',
                  'instantiationState': 'INSTANTIATED'},
                 {'id': 'i2', 'instantiationState': 'NOT_INSTANTIATED'}]

    @horizon_helpers.create_mocks({api: ['vnf_instance_list',
                                         'package_extract']})
    def test_extract_into_an_instantiated_vnf_instance(self):
        self.mock_vnf_instance_list.return_value = self.INSTANCES
        res = self.client.get(url('extract', 'p1'))
        choices = res.context['form'].fields['vnf_instance'].choices
        self.assertEqual(['', 'i1'], [c[0] for c in choices])
        self.mock_package_extract.return_value = 'info-9'
        res = self.client.post(url('extract', 'p1'),
                               {'pkg_id': 'p1', 'vnf_instance': 'i1'})
        self.assertNoFormErrors(res)
        self.assertRedirectsNoFollow(res, INDEX_URL)
        self.mock_package_extract.assert_called_once_with(
            horizon_helpers.IsHttpRequest(), 'p1', 'i1')
        self.assertMessageCount(success=1)

    def test_extract_answers_the_new_vnf_snapshot(self):
        packages = mock.Mock()
        packages.extract.return_value = (
            'http://h/vnflcm/v2/vnf_snapshots/info-9')
        with mock.patch.object(api, '_packages', return_value=packages):
            self.assertEqual('info-9', api.package_extract(
                self.request, 'p1', 'i1'))
        packages.extract.assert_called_once_with(
            'p1', {'vnfInstanceId': 'i1'})


class TestDownload(TestCase):

    @horizon_helpers.create_mocks({api: ['package_get', 'package_stream']})
    def test_download_streams_the_chunks_of_the_api(self):
        self.mock_package_get.return_value = package('p1')
        stream = FakeStream([b'PK\x03\x04', b'a' * 10, b'end'])
        self.mock_package_stream.return_value = stream
        res = self.client.get(url('download', 'p1'))
        self.assertIsInstance(res, http.StreamingHttpResponse)
        self.assertEqual('application/zip', res['Content-Type'])
        self.assertEqual(str(stream.size), res['Content-Length'])
        self.assertEqual('attachment; filename="pkg-p1.zip"',
                         res['Content-Disposition'])
        # Nothing read before the browser reads.
        self.assertEqual(0, stream.taken)
        chunks = list(res.streaming_content)
        self.assertEqual(stream.chunks, chunks)
        self.assertEqual(3, stream.taken)
        res.close()
        self.assertTrue(stream.closed)
        self.mock_package_stream.assert_called_once_with(
            horizon_helpers.IsHttpRequest(), 'p1')

    @horizon_helpers.create_mocks({api: ['package_get', 'package_stream']})
    def test_refused_download_goes_back_with_the_reason(self):
        self.mock_package_get.return_value = package('p1', state='CREATED')
        self.mock_package_stream.side_effect = conflict(
            'package p1 is CREATED')
        res = self.client.get(url('download', 'p1'))
        self.assertRedirectsNoFollow(res, INDEX_URL)
        self.assertMessageCount(error=1)


class TestUpload(TestCase):

    DATA = b'PK\x03\x04' + bytes(range(256)) * 40

    def test_the_modal_carries_the_hooks_of_the_script(self):
        res = self.client.get(url('upload'),
                              HTTP_X_REQUESTED_WITH='XMLHttpRequest')
        self.assertTemplateUsed(
            res, 'project/vnf_snapshot_packages/_upload.html')
        for text in ('data-vnfsnap-upload-form="true"',
                     'id="upload_vnf_snapshot_package_form"',
                     'type="file" name="package_file"',
                     'class="vnfsnap-upload-progress hidden"',
                     'role="progressbar"'):
            self.assertContains(res, text)
        self.assertIn('vnfsnap/js/vnfsnap.packages.upload.js',
                      settings.HORIZON_CONFIG['js_files'])

    def test_the_form_needs_the_script(self):
        with mock.patch.object(api, 'package_create') as create:
            res = self.client.post(url('upload'), {'name': 'p'})
        self.assertFormErrors(res, 1, 'Uploading a package file needs '
                                      'JavaScript in the browser.')
        create.assert_not_called()

    @horizon_helpers.create_mocks({api: ['package_create']})
    def test_the_form_makes_the_package_and_answers_where_to_send(self):
        self.mock_package_create.return_value = package('p5',
                                                        state='CREATED')
        res = self.client.post(url('upload'), {'name': 'pkg-p5'},
                               HTTP_X_REQUESTED_WITH='XMLHttpRequest')
        self.assertEqual(200, res.status_code)
        self.assertEqual({'id': 'p5', 'name': 'pkg-p5',
                          'upload_url': url('content', 'p5'),
                          'next': INDEX_URL}, json.loads(res.content))
        self.mock_package_create.assert_called_once_with(
            horizon_helpers.IsHttpRequest(), 'pkg-p5')

    @horizon_helpers.create_mocks({api: ['package_upload']})
    def test_the_body_is_passed_on_as_a_stream(self):
        received = []

        def upload(request, pkg_id, stream, size):
            # A file-like object, read in chunks, not the bytes.
            self.assertNotIsInstance(stream, (bytes, bytearray))
            received.append((pkg_id, size, b''.join(
                iter(lambda: stream.read(1000), b''))))
        self.mock_package_upload.side_effect = upload
        res = self.client.put(url('content', 'p5'), self.DATA,
                              content_type='application/zip')
        self.assertEqual(200, res.status_code)
        self.assertEqual([('p5', len(self.DATA), self.DATA)], received)
        self.assertEqual({'next': INDEX_URL}, json.loads(res.content))
        self.assertMessageCount(success=1)

    @horizon_helpers.create_mocks({api: ['package_upload']})
    def test_refused_upload_answers_the_api_detail(self):
        self.mock_package_upload.side_effect = conflict('not in CREATED')
        res = self.client.put(url('content', 'p5'), self.DATA,
                              content_type='application/zip')
        self.assertEqual(409, res.status_code)
        self.assertEqual('not in CREATED',
                         json.loads(res.content)['detail'])
        self.assertMessageCount(error=1)

    @horizon_helpers.create_mocks({api: ['package_upload']})
    def test_an_empty_body_is_refused(self):
        res = self.client.put(url('content', 'p5'), b'',
                              content_type='application/zip')
        self.assertEqual(400, res.status_code)
        self.mock_package_upload.assert_not_called()


class TestReader(TestCase):
    """A reader sees the packages and may download them, nothing else."""

    def setUp(self):
        super().setUp()
        self.as_roles(helpers.READER_ROLES)

    @horizon_helpers.create_mocks({api: ['package_list']})
    def test_no_action_buttons_but_download(self):
        self.mock_package_list.return_value = [
            package('p1'), package('p2', state='BUILDING')]
        res = self.client.get(INDEX_URL)
        content = res.content.decode()
        self.assertIn('pkg-p1', content)
        for action in ('build', 'upload', 'import', 'delete', 'cancel',
                       'extract'):
            self.assertNotIn('__action_%s"' % action, content)
        self.assertNotIn(url('extract', 'p1'), content)
        self.assertIn('vnf_snapshot_packages__row_p1__action_download"',
                      content)

    @horizon_helpers.create_mocks({api: ['package_create',
                                         'vnf_snapshot_list',
                                         'vnf_instance_list',
                                         'package_upload',
                                         'package_extract']})
    def test_form_and_upload_views_answer_403(self):
        for name, args in (('build', ()), ('upload', ()), ('import', ()),
                           ('extract', ('p1',))):
            self.assertEqual(403, self.client.get(url(name, *args))
                             .status_code, name)
            self.assertEqual(403, self.client.post(
                url(name, *args), {'name': 'x', 'vnf_snapshot': 's1',
                                   'uri': 'http://h/p', 'pkg_id': 'p1',
                                   'vnf_instance': 'i1'}).status_code, name)
        res = self.client.put(url('content', 'p1'), b'PK',
                              content_type='application/zip')
        self.assertEqual(403, res.status_code)
        for called in (self.mock_package_create, self.mock_vnf_snapshot_list,
                       self.mock_vnf_instance_list, self.mock_package_upload,
                       self.mock_package_extract):
            called.assert_not_called()

    @horizon_helpers.create_mocks({api: ['package_list', 'package_delete',
                                         'package_cancel']})
    def test_table_actions_are_refused(self):
        self.mock_package_list.return_value = [
            package('p1'), package('p2', state='BUILDING')]
        for action in ('delete__p1', 'cancel__p2'):
            self.client.post(INDEX_URL, {
                'action': 'vnf_snapshot_packages__' + action})
        self.mock_package_delete.assert_not_called()
        self.mock_package_cancel.assert_not_called()

    @horizon_helpers.create_mocks({api: ['package_get', 'package_stream']})
    def test_reader_may_download(self):
        self.mock_package_get.return_value = package('p1')
        self.mock_package_stream.return_value = FakeStream([b'PK'])
        res = self.client.get(url('download', 'p1'))
        self.assertIsInstance(res, http.StreamingHttpResponse)
        self.assertEqual(b'PK', b''.join(res.streaming_content))


class TestPanel(TestCase):

    def test_hidden_without_vnfsnap_in_the_catalog(self):
        self.service_catalog[:] = [s for s in self.service_catalog
                                   if s['type'] != 'vnfsnap']
        self._setup_user()
        res = self.client.get(INDEX_URL)
        self.assertNotEqual(200, res.status_code)
