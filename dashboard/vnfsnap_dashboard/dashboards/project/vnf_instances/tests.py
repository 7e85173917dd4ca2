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

"""The VNF instances panel of the Project dashboard: its table, detail
page, forms and actions, with the calls of vnfsnap_dashboard.api.
vnf_instances mocked (no HTTP)."""

import io
import json
from unittest import mock

from django.contrib.messages.storage import default_storage
from django.core.handlers import wsgi
from django.urls import reverse
from django.utils.encoding import force_str
from horizon import exceptions
from novaclient.v2 import servers as nova_servers
from openstack_dashboard.api import nova
from openstack_dashboard.test import helpers as horizon_helpers
from vnfsnapclient import exceptions as vnfsnap_exceptions
import yaml

from vnfsnap_dashboard.api import vnf_instances as api
from vnfsnap_dashboard.test import helpers

INDEX_URL = reverse('horizon:project:vnf_instances:index')
REGISTER_URL = reverse('horizon:project:vnf_instances:register')
INSTANCE_ID = '8e5d4d2e-2a4b-4b8e-9a49-0f6b1d6f3a11'
DETAIL_URL = reverse('horizon:project:vnf_instances:detail',
                     args=(INSTANCE_ID,))
DESCRIPTOR_URL = reverse('horizon:project:vnf_instances:descriptor',
                         args=(INSTANCE_ID,))
SERVER_ID = '4f0c8d0e-5b7e-4a43-9a1c-9f3b3c2f1e01'
VOLUME_ID = '0b1c2d3e-4f50-4617-8a9b-0c1d2e3f4a5b'
OTHER_VOLUME_ID = '1a2b3c4d-5e6f-4701-8899-aabbccddeeff'


def vnf_instance(**changes):
    """A VnfInstance as the API answers the list with
    fields=vimConnectionInfo,instantiatedVnfInfo."""
    instance = {
        'id': INSTANCE_ID,
        'vnfInstanceName': 'fw-1',
        'vnfdId': 'vnfd-fw',
        'vnfProvider': 'ACME',
        'vnfProductName': 'Firewall',
        'vnfSoftwareVersion': '1.0',
        'vnfdVersion': '1.0',
        'instantiationState': 'INSTANTIATED',
        'vimConnectionInfo': {'openstack': {
            'vimType': 'ETSINFV.OPENSTACK_KEYSTONE.V_3',
            'interfaceInfo': {'endpoint': 'http://keystone.example/v3'}}},
        'instantiatedVnfInfo': {
            'flavourId': 'default', 'vnfState': 'STARTED',
            'vnfcResourceInfo': [{
                'id': 'fw', 'vduId': 'fw',
                'computeResource': {'vimConnectionId': 'openstack',
                                    'resourceId': SERVER_ID,
                                    'vimLevelResourceType':
                                        'OS::Nova::Server'},
                'storageResourceIds': ['fw-vdb']}],
            'virtualStorageResourceInfo': [{
                'id': 'fw-vdb', 'virtualStorageDescId': 'vdb',
                'storageResource': {'vimConnectionId': 'openstack',
                                    'resourceId': VOLUME_ID}}]},
        'metadata': {'owner': 'netops', 'apiToken': 'do-not-show'},
        '_links': {'self': {'href': 'http://vnfsnap/vnf_instances/x'}},
    }
    instance.update(changes)
    return instance


def nova_server(server_id=SERVER_ID, name='fw', volumes=(VOLUME_ID,),
                status='ACTIVE'):
    """A Nova server as openstack_dashboard.api.nova.server_list gives
    it."""
    info = {'id': server_id, 'name': name, 'status': status,
            'tenant_id': '1',
            'os-extended-volumes:volumes_attached': [
                {'id': v} for v in volumes]}
    return nova.Server(nova_servers.Server(
        nova_servers.ServerManager(None), info, loaded=True), None)


def conflict(detail):
    return vnfsnap_exceptions.Conflict(409, 'Conflict', detail)


class MessagesMixin:
    """The texts of the toasts a response (or the client's cookie)
    carries, by level."""

    def toasts(self, level, response=None):
        # Horizon appends the exception's text after its separator (the
        # toast's "Details"): the message is what comes before.
        if response is not None and response.has_header(
                'X-Horizon-Messages'):
            # An AJAX answer (a tab loaded when opened) carries its toasts
            # in a header: [[level, message, extra tags]...].
            return [message.split(exceptions.SEPARATOR)[0]
                    for tag, message, _extra in json.loads(
                        response['X-Horizon-Messages']) if tag == level]
        if response is not None and 'messages' in (response.context or {}):
            stored = response.context['messages']
        else:
            request = self.client.request(
                **{'wsgi.input': wsgi.LimitedStream(io.BytesIO(), 2)})
            request.COOKIES = self.client.cookies
            cookie = self.client.cookies.get('messages')
            stored = (default_storage(request)._decode(cookie.value)
                      if cookie else [])
        return [force_str(m.message).split(exceptions.SEPARATOR)[0]
                for m in stored if level in m.tags]


class VnfInstancesIndexTests(MessagesMixin, helpers.TestCase):

    @horizon_helpers.create_mocks({api: ['vnf_instance_list',
                                         'last_snapshot_times']})
    def test_index_lists_the_instances(self):
        self.mock_vnf_instance_list.return_value = [vnf_instance()]
        self.mock_last_snapshot_times.return_value = {
            INSTANCE_ID: '2026-12-01T10:00:00Z'}
        res = self.client.get(INDEX_URL)
        self.assertTemplateUsed(res, 'horizon/common/_data_table_view.html')
        rows = res.context['table'].data
        self.assertEqual([INSTANCE_ID], [r.id for r in rows])
        row = rows[0]
        self.assertEqual(('fw-1', 'Firewall', 'openstack', 1, 'STARTED',
                          '2026-12-01T10:00:00Z'),
                         (row.name, row.vnfProductName, row.vim,
                          row.vnfc_count, row.state, row.last_snapshot))
        self.assertContains(res, DETAIL_URL)
        self.assertContains(res, REGISTER_URL)
        self.assertContains(res, DESCRIPTOR_URL)
        self.assertContains(res, 'Delete VNF Instance')
        self.mock_vnf_instance_list.assert_called_once_with(
            horizon_helpers.IsHttpRequest())

    @horizon_helpers.create_mocks({api: ['vnf_instance_list',
                                         'last_snapshot_times']})
    def test_index_error_shows_the_api_detail(self):
        self.mock_vnf_instance_list.side_effect = vnfsnap_exceptions.\
            ServerError(503, 'Service Unavailable', 'the conductor is away')
        res = self.client.get(INDEX_URL)
        self.assertEqual(200, res.status_code)
        self.assertEqual([], res.context['table'].data)
        self.assertEqual(['Unable to retrieve the VNF instances. the '
                          'conductor is away'], self.toasts('error', res))
        self.mock_last_snapshot_times.assert_not_called()

    @horizon_helpers.create_mocks({api: ['vnf_instance_list',
                                         'last_snapshot_times']})
    def test_reader_sees_no_action(self):
        self.as_roles(helpers.READER_ROLES)
        self.mock_vnf_instance_list.return_value = [vnf_instance()]
        self.mock_last_snapshot_times.return_value = {}
        res = self.client.get(INDEX_URL)
        self.assertEqual(1, len(res.context['table'].data))
        self.assertContains(res, DETAIL_URL)
        self.assertNotContains(res, REGISTER_URL)
        self.assertNotContains(res, DESCRIPTOR_URL)
        self.assertNotContains(res, 'Delete VNF Instance')

    @horizon_helpers.create_mocks({api: ['vnf_instance_list',
                                         'last_snapshot_times',
                                         'vnf_instance_delete']})
    def test_delete(self):
        self.mock_vnf_instance_list.return_value = [vnf_instance()]
        self.mock_last_snapshot_times.return_value = {}
        res = self.client.post(INDEX_URL, {
            'action': 'vnf_instances__delete__%s' % INSTANCE_ID})
        self.assertRedirectsNoFollow(res, INDEX_URL)
        self.mock_vnf_instance_delete.assert_called_once_with(
            horizon_helpers.IsHttpRequest(), INSTANCE_ID)
        self.assertEqual(['Deleted VNF Instance: fw-1'],
                         self.toasts('success'))

    @horizon_helpers.create_mocks({api: ['vnf_instance_list',
                                         'last_snapshot_times',
                                         'vnf_instance_delete']})
    def test_delete_refused_shows_the_api_detail(self):
        self.mock_vnf_instance_list.return_value = [vnf_instance()]
        self.mock_last_snapshot_times.return_value = {}
        self.mock_vnf_instance_delete.side_effect = conflict(
            'an operation is in progress on the VNF instance')
        res = self.client.post(INDEX_URL, {
            'action': 'vnf_instances__delete__%s' % INSTANCE_ID})
        self.assertRedirectsNoFollow(res, INDEX_URL)
        self.assertEqual(
            ['Unable to delete VNF instance %s. an operation is in progress '
             'on the VNF instance' % INSTANCE_ID], self.toasts('error'))
        self.assertEqual([], self.toasts('success'))

    @horizon_helpers.create_mocks({api: ['vnf_instance_list',
                                         'last_snapshot_times',
                                         'vnf_instance_delete']})
    def test_reader_cannot_delete(self):
        self.as_roles(helpers.READER_ROLES)
        self.mock_vnf_instance_list.return_value = [vnf_instance()]
        self.mock_last_snapshot_times.return_value = {}
        self.client.post(INDEX_URL, {
            'action': 'vnf_instances__delete__%s' % INSTANCE_ID})
        self.mock_vnf_instance_delete.assert_not_called()


class VnfInstanceDetailTests(MessagesMixin, helpers.TestCase):

    def tab(self, slug):
        return self.client.get(
            DETAIL_URL + '?tab=vnf_instance_details__' + slug,
            HTTP_X_REQUESTED_WITH='XMLHttpRequest')

    @horizon_helpers.create_mocks({api: ['vnf_instance_get',
                                         'vim_capabilities_get',
                                         'snapshot_descriptor_get',
                                         'snapshot_notifications_get']})
    def test_detail_costs_one_call(self):
        self.mock_vnf_instance_get.return_value = vnf_instance()
        res = self.client.get(DETAIL_URL)
        self.assertTemplateUsed(res, 'horizon/common/_detail.html')
        self.assertContains(res, 'Firewall')
        self.assertContains(res, 'http://keystone.example/v3')
        # The VNFCs tab: the server and its volume, by device.
        self.assertContains(res, SERVER_ID)
        self.assertContains(res, 'vdb: %s' % VOLUME_ID)
        self.assertContains(res, 'netops')
        self.assertNotContains(res, 'apiToken')
        self.assertNotContains(res, 'do-not-show')
        # The member's actions in the header.
        self.assertContains(res, DESCRIPTOR_URL)
        self.mock_vnf_instance_get.assert_called_once_with(
            horizon_helpers.IsHttpRequest(), INSTANCE_ID)
        self.mock_vim_capabilities_get.assert_not_called()
        self.mock_snapshot_descriptor_get.assert_not_called()
        self.mock_snapshot_notifications_get.assert_not_called()

    @horizon_helpers.create_mocks({api: ['vnf_instance_get']})
    def test_reader_detail_has_no_action(self):
        self.as_roles(helpers.READER_ROLES)
        self.mock_vnf_instance_get.return_value = vnf_instance()
        res = self.client.get(DETAIL_URL)
        self.assertContains(res, 'Firewall')
        self.assertNotContains(res, DESCRIPTOR_URL)
        self.assertNotContains(res, 'Delete VNF Instance')

    @horizon_helpers.create_mocks({api: ['vnf_instance_get']})
    def test_detail_not_found_goes_back_to_the_index(self):
        self.mock_vnf_instance_get.side_effect = vnfsnap_exceptions.NotFound(
            404, 'Not Found', 'VNF instance %s not found' % INSTANCE_ID)
        res = self.client.get(DETAIL_URL)
        self.assertRedirectsNoFollow(res, INDEX_URL)

    @horizon_helpers.create_mocks({api: ['vnf_instance_get',
                                         'vim_capabilities_get']})
    def test_vim_capabilities_tab(self):
        self.mock_vnf_instance_get.return_value = vnf_instance()
        self.mock_vim_capabilities_get.return_value = {
            'vnfInstanceId': INSTANCE_ID, 'vnfcs': [
                {'vnfcResourceInfoId': 'fw', 'vimConnectionId': 'openstack',
                 'capabilities': {'memorySnapshot': False,
                                  'quiesce': True}},
                {'vnfcResourceInfoId': 'db', 'error': 'VIM unreachable'}]}
        res = self.tab('vim_capabilities')
        content = res.content.decode()
        self.assertIn('<th scope="col">memorySnapshot</th>', content)
        self.assertIn('<th scope="row">fw</th>', content)
        self.assertIn('VIM unreachable', content)
        self.assertIn('<td>No</td>', content)
        self.assertIn('<td>Yes</td>', content)

    @horizon_helpers.create_mocks({api: ['vnf_instance_get',
                                         'vim_capabilities_get']})
    def test_vim_capabilities_error_shows_the_api_detail(self):
        self.mock_vnf_instance_get.return_value = vnf_instance()
        self.mock_vim_capabilities_get.side_effect = conflict(
            'VNF instance is not instantiated')
        res = self.tab('vim_capabilities')
        self.assertIn('could not be retrieved', res.content.decode())
        self.assertEqual(['Unable to retrieve the VIM capabilities. VNF '
                          'instance is not instantiated'],
                         self.toasts('error', res))

    @horizon_helpers.create_mocks({api: ['vnf_instance_get',
                                         'snapshot_descriptor_get']})
    def test_snapshot_descriptor_tab(self):
        self.mock_vnf_instance_get.return_value = vnf_instance()
        self.mock_snapshot_descriptor_get.return_value = {
            'consistentOnly': True, 'vnfcs': {'fw': {'memory': 'never'}}}
        res = self.tab('snapshot_descriptor')
        self.assertContains(res, '&quot;consistentOnly&quot;: true')
        self.assertContains(res, '&quot;memory&quot;: &quot;never&quot;')

    @horizon_helpers.create_mocks({api: ['vnf_instance_get',
                                         'snapshot_notifications_get']})
    def test_notification_endpoint_tab_never_shows_secrets(self):
        self.mock_vnf_instance_get.return_value = vnf_instance()
        self.mock_snapshot_notifications_get.return_value = {
            'callbackUri': 'https://vnf.example/notices',
            'verifyTls': False, 'ackTimeout': 30,
            'authentication': {
                'authType': ['OAUTH2_CLIENT_CREDENTIALS'],
                'paramsOauth2ClientCredentials': {
                    'clientId': 'vnfsnap-client',
                    'clientPassword': 'never-answered-but-hidden',
                    'tokenEndpoint': 'https://idp.example/token'}}}
        res = self.tab('notification_endpoint')
        self.assertContains(res, 'https://vnf.example/notices')
        self.assertContains(res, 'OAUTH2_CLIENT_CREDENTIALS')
        self.assertContains(res, 'vnfsnap-client')
        self.assertContains(res, '30 s')
        self.assertNotContains(res, 'never-answered-but-hidden')
        self.assertNotContains(res, 'idp.example')

    @horizon_helpers.create_mocks({api: ['vnf_instance_get',
                                         'snapshot_notifications_get']})
    def test_no_notification_endpoint(self):
        self.mock_vnf_instance_get.return_value = vnf_instance()
        self.mock_snapshot_notifications_get.return_value = {}
        res = self.tab('notification_endpoint')
        self.assertContains(res, 'has no notification endpoint')


class RegisterVnfTests(MessagesMixin, helpers.TestCase):

    FORM = {
        'name': 'fw-1', 'description': 'the firewall',
        'vnfd_id': 'vnfd-fw', 'provider': 'ACME', 'product': 'Firewall',
        'software_version': '1.0', 'vnfd_version': '1.0',
        'servers': [SERVER_ID],
        'volumes': ['%s/%s' % (SERVER_ID, VOLUME_ID)],
        'snapshot_descriptor': 'consistentOnly: true\n',
        'vim_connection_id': 'openstack', 'flavour_id': 'default',
        'vim_auth_url': 'http://keystone.example:5000',
    }

    SECRET = 's3cret'  # noqa: S105 (a test value)

    def credential(self):
        return mock.Mock(id='cred-1', secret=self.SECRET)

    @horizon_helpers.create_mocks({api: ['server_list']})
    def test_form_lists_the_servers_and_their_volumes(self):
        self.mock_server_list.return_value = [
            nova_server(volumes=(VOLUME_ID, OTHER_VOLUME_ID)),
            nova_server(server_id='s-2', name='db', volumes=(),
                        status='SHUTOFF')]
        res = self.client.get(REGISTER_URL)
        self.assertTemplateUsed(res, 'project/vnf_instances/register.html')
        form = res.context['form']
        self.assertEqual([('s-2', 'db (SHUTOFF)'), (SERVER_ID, 'fw (ACTIVE)')],
                         form.fields['servers'].choices)
        self.assertEqual(['%s/%s' % (SERVER_ID, VOLUME_ID),
                          '%s/%s' % (SERVER_ID, OTHER_VOLUME_ID)],
                         form.fields['volumes'].initial)
        # Every field says what it is for.
        self.assertContains(res, 'The Nova servers that are the VNFCs')
        self.mock_server_list.assert_called_once_with(
            horizon_helpers.IsHttpRequest())
        # Opened from the table's button: the modal alone.
        res = self.client.get(REGISTER_URL,
                              HTTP_X_REQUESTED_WITH='XMLHttpRequest')
        self.assertTemplateUsed(res, 'project/vnf_instances/_register.html')
        self.assertTemplateNotUsed(res, 'base.html')

    @horizon_helpers.create_mocks({api: [
        'server_list', 'server_volume_attachments',
        'application_credential_create', 'application_credential_delete',
        'vnf_instance_register']})
    def test_register_sends_what_the_cli_sends(self):
        self.mock_server_list.return_value = [
            nova_server(volumes=(VOLUME_ID, OTHER_VOLUME_ID))]
        self.mock_server_volume_attachments.return_value = [
            {'volume_id': VOLUME_ID, 'device': '/dev/vdb'},
            {'volume_id': OTHER_VOLUME_ID, 'device': '/dev/vdc'}]
        self.mock_application_credential_create.return_value = (
            self.credential())
        self.mock_vnf_instance_register.return_value = vnf_instance()
        res = self.client.post(REGISTER_URL, self.FORM)
        self.assertNoFormErrors(res)
        self.assertRedirectsNoFollow(res, INDEX_URL)
        body = self.mock_vnf_instance_register.call_args[0][1]
        # The body of "openstack vnf instance register --server fw
        # --vnfd-id vnfd-fw ..." with the volume vdc left out.
        self.assertEqual({
            'vnfdId': 'vnfd-fw', 'vnfInstanceName': 'fw-1',
            'vnfInstanceDescription': 'the firewall',
            'vnfProvider': 'ACME', 'vnfProductName': 'Firewall',
            'vnfSoftwareVersion': '1.0', 'vnfdVersion': '1.0',
            'snapshotDescriptor': {'consistentOnly': True},
            'instantiatedVnfInfo': {
                'flavourId': 'default', 'vnfState': 'STARTED',
                'vnfcResourceInfo': [{
                    'id': 'fw', 'vduId': 'fw',
                    'computeResource': {
                        'vimConnectionId': 'openstack',
                        'resourceId': SERVER_ID,
                        'vimLevelResourceType': 'OS::Nova::Server'},
                    'storageResourceIds': ['fw-vdb']}],
                'virtualStorageResourceInfo': [{
                    'id': 'fw-vdb', 'virtualStorageDescId': 'vdb',
                    'storageResource': {
                        'vimConnectionId': 'openstack',
                        'resourceId': VOLUME_ID,
                        'vimLevelResourceType': 'OS::Cinder::Volume'}}]},
            'vimConnectionInfo': {'openstack': {
                'vimType': 'ETSINFV.OPENSTACK_KEYSTONE.V_3',
                'interfaceInfo': {
                    'endpoint': 'http://keystone.example:5000/v3'},
                'accessInfo': {'applicationCredentialId': 'cred-1',
                               'applicationCredentialSecret': self.SECRET,
                               'region': 'RegionOne'}}},
        }, body)
        name = self.mock_application_credential_create.call_args[0][1]
        self.assertRegex(name, r'^vnfsnap-fw-1-[0-9a-f]{8}$')
        self.mock_application_credential_delete.assert_not_called()
        self.assertEqual(['Registered VNF instance fw-1.'],
                         self.toasts('success'))

    @horizon_helpers.create_mocks({api: [
        'server_list', 'server_volume_attachments',
        'application_credential_create', 'vnf_instance_register']})
    def test_vim_defaults_to_the_keystone_of_the_login(self):
        # A server without volumes, and no Keystone URL given: vnfsnap
        # authenticates where the user logged in (Horizon's test settings:
        # http://localhost/identity/v3).
        self.mock_server_list.return_value = [nova_server(volumes=())]
        self.mock_server_volume_attachments.return_value = []
        self.mock_application_credential_create.return_value = (
            self.credential())
        self.mock_vnf_instance_register.return_value = vnf_instance()
        res = self.client.post(REGISTER_URL, dict(
            self.FORM, name='', volumes=[], vim_auth_url='',
            snapshot_descriptor=''))
        self.assertNoFormErrors(res)
        body = self.mock_vnf_instance_register.call_args[0][1]
        self.assertEqual('http://localhost/identity/v3',
                         body['vimConnectionInfo']['openstack'][
                             'interfaceInfo']['endpoint'])
        self.assertNotIn('vnfInstanceName', body)
        self.assertNotIn('snapshotDescriptor', body)
        self.assertNotIn('virtualStorageResourceInfo',
                         body['instantiatedVnfInfo'])
        name = self.mock_application_credential_create.call_args[0][1]
        self.assertRegex(name, r'^vnfsnap-vnf-[0-9a-f]{8}$')

    @horizon_helpers.create_mocks({api: [
        'server_list', 'server_volume_attachments',
        'application_credential_create', 'application_credential_delete',
        'vnf_instance_register']})
    def test_refused_registration_deletes_the_credential(self):
        self.mock_server_list.return_value = [nova_server()]
        self.mock_server_volume_attachments.return_value = [
            {'volume_id': VOLUME_ID, 'device': '/dev/vdb'}]
        self.mock_application_credential_create.return_value = (
            self.credential())
        self.mock_vnf_instance_register.side_effect = (
            vnfsnap_exceptions.UnprocessableEntity(
                422, 'Unprocessable Entity',
                'vnfProductName is required'))
        res = self.client.post(REGISTER_URL, self.FORM)
        self.assertEqual(200, res.status_code)
        self.mock_application_credential_delete.assert_called_once_with(
            horizon_helpers.IsHttpRequest(), 'cred-1')
        self.assertEqual(['Unable to register the VNF. vnfProductName is '
                          'required'], self.toasts('error', res))

    @horizon_helpers.create_mocks({api: [
        'server_list', 'application_credential_create',
        'vnf_instance_register']})
    def test_invalid_form_reaches_no_api(self):
        self.mock_server_list.return_value = [nova_server()]
        data = dict(self.FORM, vnfd_id='', servers=[], volumes=[],
                    snapshot_descriptor='- a list\n- not a mapping\n')
        res = self.client.post(REGISTER_URL, data)
        self.assertFormErrors(res, 3)
        form = res.context['form']
        self.assertIn('vnfd_id', form.errors)
        self.assertIn('servers', form.errors)
        self.assertIn('must be an object', str(form.errors[
            'snapshot_descriptor']))
        self.mock_application_credential_create.assert_not_called()
        self.mock_vnf_instance_register.assert_not_called()

    @horizon_helpers.create_mocks({api: ['server_list',
                                         'vnf_instance_register']})
    def test_volume_of_an_unchosen_server_is_refused(self):
        self.mock_server_list.return_value = [
            nova_server(), nova_server(server_id='s-2', name='db',
                                       volumes=(OTHER_VOLUME_ID,))]
        data = dict(self.FORM, volumes=['s-2/%s' % OTHER_VOLUME_ID])
        res = self.client.post(REGISTER_URL, data)
        self.assertFormErrors(res, 1)
        self.assertIn('not chosen', str(res.context['form'].errors))
        self.mock_vnf_instance_register.assert_not_called()

    @horizon_helpers.create_mocks({api: ['server_list',
                                         'vnf_instance_register']})
    def test_reader_gets_403(self):
        self.as_roles(helpers.READER_ROLES)
        self.assertEqual(403, self.client.get(REGISTER_URL).status_code)
        self.assertEqual(403, self.client.post(REGISTER_URL,
                                               self.FORM).status_code)
        self.mock_server_list.assert_not_called()
        self.mock_vnf_instance_register.assert_not_called()


class EditSnapshotDescriptorTests(MessagesMixin, helpers.TestCase):

    DESCRIPTOR = {'consistentOnly': True,
                  'vnfcs': {'fw': {'memory': 'never'}}}

    @horizon_helpers.create_mocks({api: ['snapshot_descriptor_get']})
    def test_form_shows_the_descriptor_in_force(self):
        self.mock_snapshot_descriptor_get.return_value = self.DESCRIPTOR
        res = self.client.get(DESCRIPTOR_URL)
        self.assertTemplateUsed(res, 'project/vnf_instances/descriptor.html')
        initial = res.context['form'].initial['descriptor']
        self.assertEqual(self.DESCRIPTOR, yaml.safe_load(initial))

    @horizon_helpers.create_mocks({api: ['snapshot_descriptor_set']})
    def test_yaml_descriptor_is_sent_as_an_object(self):
        self.mock_snapshot_descriptor_set.return_value = self.DESCRIPTOR
        res = self.client.post(DESCRIPTOR_URL, {
            'instance_id': INSTANCE_ID,
            'descriptor': 'consistentOnly: true\nvnfcs:\n  fw:\n'
                          '    memory: never\n'})
        self.assertNoFormErrors(res)
        self.assertRedirectsNoFollow(res, DETAIL_URL)
        self.mock_snapshot_descriptor_set.assert_called_once_with(
            horizon_helpers.IsHttpRequest(), INSTANCE_ID, self.DESCRIPTOR)
        self.assertEqual(['Updated the snapshot descriptor of VNF instance '
                          '%s.' % INSTANCE_ID], self.toasts('success'))

    @horizon_helpers.create_mocks({api: ['snapshot_descriptor_set']})
    def test_unparsable_descriptor_is_a_field_error(self):
        res = self.client.post(DESCRIPTOR_URL, {
            'instance_id': INSTANCE_ID, 'descriptor': '{"vnfcs": ['})
        self.assertFormErrors(res, 1)
        self.assertIn('The snapshot descriptor is neither JSON nor YAML',
                      res.context['form'].errors['descriptor'][0])
        self.mock_snapshot_descriptor_set.assert_not_called()

    @horizon_helpers.create_mocks({api: ['snapshot_descriptor_set']})
    def test_api_refusal_is_a_field_error(self):
        self.mock_snapshot_descriptor_set.side_effect = (
            vnfsnap_exceptions.UnprocessableEntity(
                422, 'Unprocessable Entity',
                "snapshotDescriptor: 'sometimes' is not one of"))
        res = self.client.post(DESCRIPTOR_URL, {
            'instance_id': INSTANCE_ID,
            'descriptor': '{"vnfcs": {"fw": {"memory": "sometimes"}}}'})
        self.assertEqual(200, res.status_code)
        errors = res.context['form'].errors['descriptor']
        self.assertEqual(["snapshotDescriptor: 'sometimes' is not one of"],
                         errors)

    @horizon_helpers.create_mocks({api: ['snapshot_descriptor_set']})
    def test_conflict_is_a_toast(self):
        self.mock_snapshot_descriptor_set.side_effect = conflict(
            'an operation is in progress on the VNF instance')
        res = self.client.post(DESCRIPTOR_URL, {
            'instance_id': INSTANCE_ID, 'descriptor': '{}'})
        self.assertEqual(200, res.status_code)
        self.assertEqual(['Unable to update the snapshot descriptor. an '
                          'operation is in progress on the VNF instance'],
                         self.toasts('error', res))

    @horizon_helpers.create_mocks({api: ['snapshot_descriptor_get',
                                         'snapshot_descriptor_set']})
    def test_reader_gets_403(self):
        self.as_roles(helpers.READER_ROLES)
        self.assertEqual(403, self.client.get(DESCRIPTOR_URL).status_code)
        res = self.client.post(DESCRIPTOR_URL, {
            'instance_id': INSTANCE_ID, 'descriptor': '{}'})
        self.assertEqual(403, res.status_code)
        self.mock_snapshot_descriptor_get.assert_not_called()
        self.mock_snapshot_descriptor_set.assert_not_called()
