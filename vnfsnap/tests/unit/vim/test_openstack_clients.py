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

"""The OpenStack client facade: credentials, sessions, microversions and
errors, with the client libraries' entry points mocked (no cloud; the
retry test talks to a socket of its own on loopback)."""

import socket
import threading
from unittest import mock

from cinderclient import api_versions as cinder_versions
from cinderclient import exceptions as cinder_exc
import fixtures
from glanceclient.common import utils as glance_utils
from keystoneauth1 import exceptions as ks_exc
from keystoneauth1.identity import v3 as ks_v3
from novaclient import api_versions as nova_versions
from novaclient import exceptions as nova_exc

from vnfsnap.common import exception
from vnfsnap.tests import base as test_base
from vnfsnap.vim.openstack import clients

SECRET = 'Very$ecret-42'
ENDPOINT = 'https://keystone.test:5000/v3'


def info(**access):
    return {'vimType': 'ETSINFV.OPENSTACK_KEYSTONE.V_3',
            'interfaceInfo': {'endpoint': ENDPOINT},
            'accessInfo': access or {'username': 'vnfm', 'password': SECRET,
                                     'project': 'vnf',
                                     'region': 'RegionTwo'}}


class TestCredentials(test_base.TestCase):

    def test_password(self):
        cloud = clients.OpenStackClients(info())
        auth = cloud.session.auth
        self.assertIsInstance(auth, ks_v3.Password)
        self.assertEqual(ENDPOINT, auth.auth_url)
        method = auth.auth_methods[0]
        self.assertEqual(('vnfm', 'Default'), (method.username,
                                               method.user_domain_name))
        self.assertEqual(('vnf', 'Default'), (auth.project_name,
                                              auth.project_domain_name))
        self.assertEqual('RegionTwo', cloud.region)
        self.assertNotIn(SECRET, repr(cloud))

    def test_application_credential(self):
        cloud = clients.OpenStackClients(info(
            applicationCredentialId='ac-1',
            applicationCredentialSecret=SECRET))
        self.assertIsInstance(cloud.session.auth, ks_v3.ApplicationCredential)
        self.assertEqual('ac-1', cloud.user)
        e = self.assertRaises(
            exception.VimError, clients.OpenStackClients, info(
                applicationCredentialName='ac',
                applicationCredentialSecret=SECRET))
        self.assertIn('applicationCredentialName with username', e.message)

    def test_region_from_config(self):
        self.conf.config(region_name='RegionOne', group='openstack')
        cloud = clients.OpenStackClients(info(
            username='u', password=SECRET, project='p'))
        self.assertEqual('RegionOne', cloud.region)

    def test_bad_connection_info(self):
        cases = [
            (info(username='u', project='p'), 'needs username'),
            (info(username='u', password=SECRET), 'needs project'),
            (info(username='u', password=SECRET, project='p', passwd='x',
                  tenant='t'), 'unknown keys: passwd, tenant'),
            ({'interfaceInfo': {'endpoint': 'keystone:5000'},
              'accessInfo': {}}, 'http(s) URL of Keystone'),
            ({'accessInfo': {}}, 'http(s) URL of Keystone'),
        ]
        for vim_info, expected in cases:
            e = self.assertRaises(exception.VimError,
                                  clients.OpenStackClients, vim_info)
            self.assertIn(expected, e.message)
            self.assertNotIn(SECRET, e.message)

    def test_session_options(self):
        self.conf.config(insecure=True, timeout=7, group='openstack')
        session = clients.OpenStackClients(info()).session
        self.assertFalse(session.verify)
        self.assertEqual(7, session.timeout)
        self.conf.config(insecure=False, cafile='/etc/ssl/cloud.pem',
                         group='openstack')
        session = clients.OpenStackClients(info()).session
        self.assertEqual('/etc/ssl/cloud.pem', session.verify)

    def test_connection_failures_are_retried(self):
        # A server that drops the first connection without an answer (as
        # one closing an idle keep-alive connection), then answers.
        server = socket.create_server(('127.0.0.1', 0))
        self.addCleanup(server.close)
        url = 'http://127.0.0.1:%d/' % server.getsockname()[1]

        def serve(drops):
            for _ in range(drops):
                server.accept()[0].close()
            conn, _ = server.accept()
            conn.recv(65536)
            conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n'
                         b'Connection: close\r\n\r\n')
            conn.close()

        thread = threading.Thread(target=serve, args=(1,), daemon=True)
        thread.start()
        session = clients.OpenStackClients(info()).session
        self.assertEqual(200, session.get(url, authenticated=False,
                                          raise_exc=False).status_code)
        thread.join(10)
        self.conf.config(connect_retries=0, group='openstack')
        thread = threading.Thread(target=serve, args=(1,), daemon=True)
        thread.start()
        self.assertRaises(ks_exc.ConnectFailure,
                          clients.OpenStackClients(info()).session.get, url,
                          authenticated=False)
        session.get(url, authenticated=False)   # let the server finish
        thread.join(10)


class TestClients(test_base.TestCase):

    def setUp(self):
        super().setUp()
        self.nova = mock.Mock(api_version=nova_versions.APIVersion('2.96'))
        self.cinder = mock.Mock(
            api_version=cinder_versions.APIVersion('3.71'))
        self.glance = mock.Mock()
        self.nova_ctor = self.useFixture(fixtures.MockPatch(
            'novaclient.client.Client', return_value=self.nova)).mock
        self.nova_discover = self.useFixture(fixtures.MockPatch(
            'novaclient.api_versions.discover_version',
            return_value=nova_versions.APIVersion('2.96'))).mock
        self.cinder_ctor = self.useFixture(fixtures.MockPatch(
            'cinderclient.client.Client', return_value=self.cinder)).mock
        self.cinder_discover = self.useFixture(fixtures.MockPatch(
            'cinderclient.api_versions.discover_version',
            return_value=cinder_versions.APIVersion('3.71'))).mock
        self.useFixture(fixtures.MockPatch(
            'glanceclient.client.Client', return_value=self.glance))
        self.log = self.useFixture(fixtures.FakeLogger(level='DEBUG'))
        self.cloud = clients.OpenStackClients(info())

    def test_microversions_negotiated_once(self):
        self.assertEqual((2, 96), self.cloud.compute_version())
        self.assertEqual((2, 96), self.cloud.compute_version())
        self.nova.servers.get.return_value = mock.Mock(
            id='s1', status='ACTIVE', image='', flavor={'ephemeral': 0},
            **{'name': 's1', 'OS-EXT-STS:task_state': None})
        self.nova.volumes.get_server_volumes.return_value = [mock.Mock(
            volumeId='v1', device='/dev/vda', delete_on_termination=True)]
        server = self.cloud.get_server('s1')
        self.assertTrue(server.volume_backed)
        self.assertEqual((clients.Attachment('v1', '/dev/vda', True),),
                         server.volumes)
        self.assertEqual(1, self.nova_discover.call_count)
        requested = self.nova_discover.call_args[0][1]
        self.assertTrue(requested.is_latest())
        self.assertEqual(nova_versions.APIVersion('2.96'),
                         self.nova_ctor.call_args[0][0])
        self.assertEqual('RegionTwo',
                         self.nova_ctor.call_args[1]['region_name'])
        self.assertEqual((3, 71), self.cloud.volume_version())
        self.assertEqual((3, 71), self.cloud.volume_version())
        self.assertEqual(1, self.cinder_discover.call_count)

    def test_not_found(self):
        self.nova.servers.get.side_effect = nova_exc.NotFound(404)
        e = self.assertRaises(exception.ResourceNotFound,
                              self.cloud.get_server, 's1')
        self.assertEqual('server s1 does not exist on the VIM', e.message)

    def test_errors_never_carry_a_secret(self):
        self.nova.servers.stop.side_effect = nova_exc.ClientException(
            500, 'backend said password=%s' % SECRET)
        e = self.assertRaises(exception.VimError, self.cloud.stop_server,
                              's1')
        self.assertIn('stop server s1: ClientException: backend said '
                      'password=*** (HTTP 500)', e.message)
        self.assertNotIn(SECRET, e.message)
        self.assertIsNone(e.__cause__)
        self.assertTrue(e.__suppress_context__)
        self.assertNotIn(SECRET, self.log.output)

    def test_refused_credentials(self):
        self.nova_discover.side_effect = ks_exc.Unauthorized()
        self.cloud._nova = None
        self.nova_ctor.reset_mock()
        e = self.assertRaises(exception.VimError, self.cloud.compute_version)
        self.assertIn('Keystone at %s refused the credentials of vnfm'
                      % ENDPOINT, e.message)
        self.assertNotIn(SECRET, e.message)

    def test_unreachable(self):
        self.cinder_discover.side_effect = ks_exc.ConnectFailure(
            'Unable to establish connection')
        e = self.assertRaises(exception.VimError, self.cloud.volume_version)
        self.assertIn('negotiating the Block Storage API version', e.message)
        self.assertIn('Unable to establish connection', e.message)

    def test_image_properties(self):
        self.glance.images.get.return_value = {
            'id': 'i1', 'name': 'snap', 'status': 'active', 'size': 0,
            'disk_format': None, 'container_format': None,
            'hw_qemu_guest_agent': 'yes',
            'block_device_mapping': '[{"snapshot_id": "s1", '
                                    '"boot_index": 0}]'}
        image = self.cloud.get_image('i1')
        self.assertEqual({'hw_qemu_guest_agent': 'yes',
                          'block_device_mapping': [{'snapshot_id': 's1',
                                                    'boot_index': 0}]},
                         image.properties)

    def test_download_streams_to_a_file(self):
        path = self.useFixture(fixtures.TempDir()).join('disk')
        self.glance.images.data.return_value = iter([b'ab', b'cd', b'e'])
        seen = []
        self.assertEqual(5, self.cloud.download_image('i1', path,
                                                      seen.append))
        self.assertEqual([2, 4, 5], seen)
        with open(path, 'rb') as f:
            self.assertEqual(b'abcde', f.read())
        self.glance.images.data.return_value = glance_utils.RequestIdProxy(
            (None, mock.Mock(headers={})))
        e = self.assertRaises(exception.VimError, self.cloud.download_image,
                              'i1', path)
        self.assertIn('has no data', e.message)

    def test_upload_to_image(self):
        self.cinder.volumes.upload_to_image.return_value = (
            mock.Mock(), {'os-volume_upload_image': {'image_id': 'i9'}})
        self.assertEqual('i9', self.cloud.upload_volume_to_image(
            'v1', 'name', 'qcow2'))
        self.cinder.volumes.upload_to_image.assert_called_once_with(
            'v1', False, 'name', 'bare', 'qcow2', 'private', False)

    def test_attach_keeps_delete_on_termination_from_2_79(self):
        self.cloud.attach_volume('s1', 'v1', '/dev/vdb', True)
        self.nova.volumes.create_server_volume.assert_called_once_with(
            's1', 'v1', device='/dev/vdb', delete_on_termination=True)

    def test_consistent_group(self):
        self.cinder.groups.get.return_value = mock.Mock(group_type='gt')
        specs = self.cinder.group_types.get.return_value.get_keys
        self.cinder.volumes.list.return_value = [mock.Mock(id='v1'),
                                                 mock.Mock(id='v2')]
        specs.return_value = {'consistent_group_snapshot_enabled':
                              '<is> True'}
        self.assertEqual({'v1', 'v2'}, self.cloud.consistent_group('g1'))
        self.cinder.volumes.list.assert_called_once_with(
            search_opts={'group_id': 'g1'})
        specs.return_value = {}
        self.assertIsNone(self.cloud.consistent_group('g1'))
        # The specs are for admins only by default.
        specs.side_effect = cinder_exc.Forbidden(403)
        self.assertIsNone(self.cloud.consistent_group('g1'))

    def test_group_snapshot_calls(self):
        gs = self.cinder.group_snapshots
        gs.create.return_value = mock.Mock(id='gs1', status='creating')
        gs.get.return_value = mock.Mock(id='gs1', status='available')
        self.cinder.volume_snapshots.list.return_value = [mock.Mock(
            id='s1', volume_id='v1', status='available', size=1,
            created_at='t', **{'name': 'n'})]
        self.assertEqual(clients.GroupSnapshot('gs1', 'creating'),
                         self.cloud.create_group_snapshot('g1', 'n'))
        gs.create.assert_called_once_with('g1', name='n')
        self.assertEqual('available',
                         self.cloud.get_group_snapshot('gs1').status)
        self.assertEqual(['s1'], [s.id for s in
                                  self.cloud.list_group_snapshot_members(
                                      'gs1')])
        self.cinder.volume_snapshots.list.assert_called_once_with(
            search_opts={'group_snapshot_id': 'gs1'})
        self.cloud.delete_group_snapshot('gs1')
        gs.delete.assert_called_once_with('gs1')
        gs.get.side_effect = cinder_exc.NotFound(404)
        self.assertRaises(exception.ResourceNotFound,
                          self.cloud.get_group_snapshot, 'gs1')

    def test_snapshot_force_only_when_asked(self):
        self.cinder.volume_snapshots.create.return_value = mock.Mock(
            id='s1', volume_id='v1', status='creating', size=1,
            created_at='t', **{'name': 'n'})
        self.cloud.create_snapshot('v1', 'n')
        self.cloud.create_snapshot('v1', 'n', force=True)
        self.assertEqual([mock.call('v1', name='n'),
                          mock.call('v1', name='n', force=True)],
                         self.cinder.volume_snapshots.create.call_args_list)
