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

"""vnfsnapclient.registration: VnfInfo bodies from Nova servers."""

import testtools
from vnfsnapclient import registration

SERVER_A = 'c0a1e3b2-0000-4000-8000-00000000000a'
SERVER_B = 'c0a1e3b2-0000-4000-8000-00000000000b'
VOL_ROOT = '7c1e0000-0000-4000-8000-000000000001'
VOL_DATA = '7c1e0000-0000-4000-8000-000000000002'


def nova_server(server_id, name, status='ACTIVE', volumes=()):
    """A server as the Compute API answers it (GET /servers/{id})."""
    return {'id': server_id, 'name': name, 'status': status,
            'image': '',
            'os-extended-volumes:volumes_attached': [
                {'id': v, 'delete_on_termination': False} for v in volumes]}


def sdk_server(server_id, name, status='ACTIVE', volumes=()):
    """The same server as openstacksdk's Server.to_dict() gives it."""
    return {'id': server_id, 'name': name, 'status': status,
            'attached_volumes': [{'id': v} for v in volumes],
            'links': [], 'metadata': {}}


class TestInstantiatedVnfInfo(testtools.TestCase):

    def test_servers_and_volumes_become_vnfcs_and_storage(self):
        info = registration.instantiated_vnf_info([
            {'server': nova_server(SERVER_A, 'fw', volumes=[VOL_ROOT,
                                                            VOL_DATA]),
             'attachments': [
                 {'volumeId': VOL_ROOT, 'device': '/dev/vda',
                  'serverId': SERVER_A},
                 {'volumeId': VOL_DATA, 'device': '/dev/vdb',
                  'serverId': SERVER_A}]},
            {'server': nova_server(SERVER_B, 'db')}])
        self.assertEqual({
            'flavourId': 'default',
            'vnfState': 'STARTED',
            'vnfcResourceInfo': [
                {'id': 'fw', 'vduId': 'fw',
                 'computeResource': {
                     'vimConnectionId': 'openstack',
                     'resourceId': SERVER_A,
                     'vimLevelResourceType': 'OS::Nova::Server'},
                 'storageResourceIds': ['fw-vda', 'fw-vdb']},
                {'id': 'db', 'vduId': 'db',
                 'computeResource': {
                     'vimConnectionId': 'openstack',
                     'resourceId': SERVER_B,
                     'vimLevelResourceType': 'OS::Nova::Server'}}],
            'virtualStorageResourceInfo': [
                {'id': 'fw-vda', 'virtualStorageDescId': 'vda',
                 'storageResource': {
                     'vimConnectionId': 'openstack',
                     'resourceId': VOL_ROOT,
                     'vimLevelResourceType': 'OS::Cinder::Volume'}},
                {'id': 'fw-vdb', 'virtualStorageDescId': 'vdb',
                 'storageResource': {
                     'vimConnectionId': 'openstack',
                     'resourceId': VOL_DATA,
                     'vimLevelResourceType': 'OS::Cinder::Volume'}}],
        }, info)

    def test_openstacksdk_dicts_give_the_same_body(self):
        nova = registration.instantiated_vnf_info([
            {'server': nova_server(SERVER_A, 'fw', volumes=[VOL_DATA]),
             'attachments': [{'volumeId': VOL_DATA, 'device': '/dev/vdb'}]}])
        sdk = registration.instantiated_vnf_info([
            {'server': sdk_server(SERVER_A, 'fw', volumes=[VOL_DATA]),
             'attachments': [{'volume_id': VOL_DATA, 'device': '/dev/vdb',
                              'server_id': SERVER_A, 'id': VOL_DATA}]}])
        self.assertEqual(nova, sdk)

    def test_same_names_get_unique_ids(self):
        info = registration.instantiated_vnf_info([
            {'server': nova_server(SERVER_A, 'worker', volumes=[VOL_DATA])},
            {'server': nova_server(SERVER_B, 'worker')}],
            vim_connection_id='site-a', flavour_id='small')
        self.assertEqual(['worker', 'worker-2'],
                         [v['id'] for v in info['vnfcResourceInfo']])
        self.assertEqual(['worker', 'worker'],
                         [v['vduId'] for v in info['vnfcResourceInfo']])
        # Without a device the volume id names the storage.
        storage = info['virtualStorageResourceInfo'][0]
        self.assertEqual('worker-' + VOL_DATA, storage['id'])
        self.assertEqual('site-a',
                         storage['storageResource']['vimConnectionId'])
        self.assertEqual('small', info['flavourId'])

    def test_names_are_made_identifiers(self):
        info = registration.instantiated_vnf_info([
            {'server': nova_server(SERVER_A, 'my fw (primary)')}])
        self.assertEqual('my-fw-primary',
                         info['vnfcResourceInfo'][0]['id'])

    def test_a_vnf_of_stopped_servers_is_stopped(self):
        info = registration.instantiated_vnf_info([
            {'server': nova_server(SERVER_A, 'a', status='SHUTOFF')},
            {'server': nova_server(SERVER_B, 'b', status='SHUTOFF')}])
        self.assertEqual('STOPPED', info['vnfState'])
        info = registration.instantiated_vnf_info([
            {'server': nova_server(SERVER_A, 'a', status='SHUTOFF')},
            {'server': nova_server(SERVER_B, 'b', status='PAUSED')}])
        self.assertEqual('STARTED', info['vnfState'])

    def test_no_server_is_refused(self):
        self.assertRaises(ValueError, registration.instantiated_vnf_info, [])

    def test_given_vdu_and_vnfc_ids_are_kept(self):
        info = registration.instantiated_vnf_info([
            {'server': nova_server(SERVER_A, 'fw-7f3a'), 'vdu_id': 'fw',
             'vnfc_id': 'fw_group-0'}])
        vnfc = info['vnfcResourceInfo'][0]
        self.assertEqual(('fw_group-0', 'fw'), (vnfc['id'], vnfc['vduId']))


class TestStackMembers(testtools.TestCase):

    def test_servers_of_a_stack_and_its_groups(self):
        resources = [
            {'resource_name': 'net', 'resource_type': 'OS::Neutron::Net',
             'physical_resource_id': 'n1'},
            {'resource_name': 'db', 'resource_type': 'OS::Nova::Server',
             'physical_resource_id': SERVER_A},
            {'resource_name': 'workers',
             'resource_type': 'OS::Heat::ResourceGroup',
             'physical_resource_id': 'nested-stack'},
            {'resource_name': '1', 'resource_type': 'OS::Nova::Server',
             'physical_resource_id': SERVER_B,
             'parent_resource': 'workers'},
        ]
        self.assertEqual(
            [{'server_id': SERVER_A, 'vdu_id': 'db', 'vnfc_id': 'db'},
             {'server_id': SERVER_B, 'vdu_id': 'workers',
              'vnfc_id': 'workers-1'}],
            registration.stack_server_members(resources))

    def test_a_stack_without_servers_is_refused(self):
        self.assertRaises(ValueError, registration.stack_server_members, [
            {'resource_name': 'net', 'resource_type': 'OS::Neutron::Net',
             'physical_resource_id': 'n1'}])

    def test_a_server_not_created_is_refused(self):
        exc = self.assertRaises(
            ValueError, registration.stack_server_members, [
                {'resource_name': 'db', 'resource_type': 'OS::Nova::Server',
                 'physical_resource_id': '',
                 'resource_status': 'CREATE_FAILED'}])
        self.assertIn('db', str(exc))
        self.assertIn('CREATE_FAILED', str(exc))


class TestRegistrationBody(testtools.TestCase):

    def test_options_replace_the_file_and_vim_connections_merge(self):
        base = {'vnfdId': 'from-file', 'vnfInstanceName': 'old',
                'metadata': {'k': 'v'},
                'vimConnectionInfo': {'other': {'vimType': 'X'}}}
        vim = registration.openstack_vim_connection(
            'https://keystone.example:5000',
            registration.application_credential_access(
                'ac1', 's3cret', 'RegionOne'))
        body = registration.registration_body(
            base, vnfd={'provider': 'acme'},
            snapshot_descriptor={'vnfcs': {}},
            instantiated={'flavourId': 'default'},
            vim_connections={'openstack': vim},
            name='fw-1', provider='acme', vnfd_version=None)
        self.assertEqual({
            'vnfdId': 'from-file', 'vnfInstanceName': 'fw-1',
            'vnfProvider': 'acme', 'metadata': {'k': 'v'},
            'vnfd': {'provider': 'acme'},
            'snapshotDescriptor': {'vnfcs': {}},
            'instantiatedVnfInfo': {'flavourId': 'default'},
            'vimConnectionInfo': {
                'other': {'vimType': 'X'},
                'openstack': {
                    'vimType': 'ETSINFV.OPENSTACK_KEYSTONE.V_3',
                    'interfaceInfo': {
                        'endpoint': 'https://keystone.example:5000/v3'},
                    'accessInfo': {
                        'applicationCredentialId': 'ac1',
                        'applicationCredentialSecret': 's3cret',
                        'region': 'RegionOne'}}},
        }, body)
        # The file's dict is not changed.
        self.assertEqual('old', base['vnfInstanceName'])

    def test_two_instantiated_vnf_infos_are_refused(self):
        self.assertRaises(
            ValueError, registration.registration_body,
            {'instantiatedVnfInfo': {'flavourId': 'a'}},
            instantiated={'flavourId': 'b'})

    def test_unknown_identity_attribute_is_a_programming_error(self):
        self.assertRaises(TypeError, registration.registration_body,
                          product_name='x')

    def test_keystone_v3_url(self):
        for given, expected in (
                ('http://ks:5000', 'http://ks:5000/v3'),
                ('http://ks:5000/', 'http://ks:5000/v3'),
                ('http://ks/identity/v3', 'http://ks/identity/v3'),
                ('http://ks/identity/v3/', 'http://ks/identity/v3'),
                ('http://ks/identity', 'http://ks/identity/v3')):
            self.assertEqual(expected, registration.keystone_v3_url(given))
