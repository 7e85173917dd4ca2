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


"""OS::VnfSnap::VnfInstance against the fake vnfsnap client."""

from unittest import mock

from cinderclient import exceptions as cinder_exc
from heat.common import exception
from heat.engine import resource
from heat.engine import scheduler
from keystoneauth1 import exceptions as ks_exc

from vnfsnap_heat.resources import vnf_instance
from vnfsnap_heat.tests import base

TEMPLATE = '''
heat_template_version: 2021-04-16
parameters:
  descriptor:
    type: json
    default: {createSnapshot: {allowed: true}}
resources:
  vnf:
    type: OS::VnfSnap::VnfInstance
    properties:
      name: fw-1
      vnfd_id: fw-vnfd-1
      vnf_provider: acme
      metadata: {owner: ops, tier: edge}
      vnfcs:
        - vdu_id: vnfc_a
          server: srv-a
          volumes: [vol-1]
        - vdu_id: vnfc_b
          vnfc_id: b-1
          server: srv-b
      snapshot_descriptor: {get_param: descriptor}
      auth_url: http://keystone.example:5000
'''


class VnfInstanceTest(base.ResourceTestCase):

    def setUp(self):
        super().setUp()
        self.stub_ServerConstraint_validate()
        self.stub_VolumeConstraint_validate()
        self.servers['srv-a'] = base.server(
            'srv-a', volumes=['vol-1', 'vol-2'])
        self.servers['srv-b'] = base.server('srv-b')
        self.attachments['srv-a'] = [
            base.attachment('srv-a', 'vol-1', '/dev/vdb'),
            base.attachment('srv-a', 'vol-2', '/dev/vdc')]

    def vnf(self, template=TEMPLATE):
        return self.resource(template, 'vnf')

    def registered(self, template=TEMPLATE):
        rsrc = self.vnf(template)
        self.assertTrue(rsrc.check_create_complete(rsrc.handle_create()))
        return self.created(rsrc)

    def test_resource_mapping(self):
        self.assertEqual({'OS::VnfSnap::VnfInstance':
                          vnf_instance.VnfInstance},
                         vnf_instance.resource_mapping())

    def test_create_waits_for_active_servers(self):
        self.servers['srv-b'] = base.server('srv-b', status='BUILD')
        rsrc = self.vnf()
        data = rsrc.handle_create()
        self.assertFalse(rsrc.check_create_complete(data))
        self.assertEqual([], self.fake.registered)
        self.servers['srv-b'] = base.server('srv-b')
        self.assertTrue(rsrc.check_create_complete(data))
        self.assertEqual(1, len(self.fake.registered))

    def test_create_waits_for_listed_volumes(self):
        self.attachments['srv-a'] = []
        rsrc = self.vnf()
        data = rsrc.handle_create()
        self.assertFalse(rsrc.check_create_complete(data))
        self.assertEqual([], self.fake.registered)
        self.attachments['srv-a'] = [base.attachment('srv-a', 'vol-1')]
        self.assertTrue(rsrc.check_create_complete(data))

    def test_create_server_in_error_fails(self):
        self.servers['srv-a'] = base.server('srv-a', status='ERROR')
        rsrc = self.vnf()
        error = self.assertRaises(exception.Error,
                                  rsrc.check_create_complete, None)
        self.assertIn('srv-a', str(error))
        self.assertEqual([], self.fake.registered)

    def test_register_body(self):
        rsrc = self.registered()
        body = self.fake.registered[0]
        self.assertEqual('fw-vnfd-1', body['vnfdId'])
        self.assertEqual('fw-1', body['vnfInstanceName'])
        self.assertEqual('acme', body['vnfProvider'])
        self.assertEqual({'owner': 'ops', 'tier': 'edge'}, body['metadata'])
        self.assertEqual({'createSnapshot': {'allowed': True}},
                         body['snapshotDescriptor'])
        info = body['instantiatedVnfInfo']
        self.assertEqual(
            [('vnfc_a', 'vnfc_a', 'srv-a'), ('b-1', 'vnfc_b', 'srv-b')],
            [(v['id'], v['vduId'], v['computeResource']['resourceId'])
             for v in info['vnfcResourceInfo']])
        # Only the listed volume of srv-a, not vol-2.
        self.assertEqual(['vol-1'], [
            s['storageResource']['resourceId']
            for s in info['virtualStorageResourceInfo']])
        connection = body['vimConnectionInfo']['openstack']
        self.assertEqual('http://keystone.example:5000/v3',
                         connection['interfaceInfo']['endpoint'])
        self.assertEqual('cred-1',
                         connection['accessInfo']['applicationCredentialId'])
        self.assertEqual(self.fake.vnf_instances.items[rsrc.resource_id][
            'id'], rsrc.resource_id)

    def test_every_attached_volume_by_default(self):
        template = TEMPLATE.replace('          volumes: [vol-1]\n', '')
        self.registered(template)
        info = self.fake.registered[0]['instantiatedVnfInfo']
        self.assertEqual(['vol-1', 'vol-2'], [
            s['storageResource']['resourceId']
            for s in info['virtualStorageResourceInfo']])

    def test_application_credential_id_only_in_data(self):
        rsrc = self.registered()
        name = self.credentials.create.call_args.kwargs['name']
        self.assertRegex(
            name, r'^vnfsnap-heat-%s-vnf-[0-9a-f]{8}$' % rsrc.stack.name)
        self.assertEqual({'application_credential_id': 'cred-1'},
                         rsrc.data())
        self.assertNotIn('s3cr3t-value', repr(rsrc.data()))

    def test_vim_access_given(self):
        template = TEMPLATE.replace(
            '      auth_url:',
            '      vim_access: {username: u, password: p, project: x}\n'
            '      auth_url:')
        rsrc = self.registered(template)
        self.credentials.create.assert_not_called()
        self.assertEqual(
            {'username': 'u', 'password': 'p', 'project': 'x'},
            self.fake.registered[0]['vimConnectionInfo']['openstack'][
                'accessInfo'])
        self.assertEqual({}, rsrc.data())

    def test_credential_refused_fails_clearly(self):
        self.credentials.create.side_effect = ks_exc.Forbidden(
            'trust-scoped token')
        rsrc = self.vnf()
        error = self.assertRaises(exception.Error,
                                  rsrc.check_create_complete, None)
        self.assertIn('vim_access', str(error))
        self.assertEqual([], self.fake.registered)

    def test_registration_refused_deletes_credential(self):
        self.fake.refuse('VnfInstances', 'register', 422,
                         'vnfcs.vnfc_a: unknown key')
        rsrc = self.vnf()
        error = self.assertRaises(exception.Error,
                                  rsrc.check_create_complete, None)
        self.assertIn('vnfcs.vnfc_a: unknown key', str(error))
        self.credentials.delete.assert_called_once_with('cred-1')
        self.assertEqual({}, rsrc.data())
        self.assertIsNone(rsrc.resource_id)

    def test_notification_endpoint_set_after_registration(self):
        template = TEMPLATE.replace(
            '      auth_url:',
            '      notification_endpoint:\n'
            '        callback_uri: https://monitor.example/n\n'
            '        verify_tls: false\n'
            '        ack_timeout: 30\n'
            '      auth_url:')
        rsrc = self.registered(template)
        self.assertEqual({'callbackUri': 'https://monitor.example/n',
                          'verifyTls': False, 'ackTimeout': 30},
                         self.fake.notifications[rsrc.resource_id])

    def test_bad_notification_endpoint_is_invalid(self):
        template = TEMPLATE.replace(
            '      auth_url:',
            '      notification_endpoint:\n'
            '        callback_uri: ftp://monitor.example/n\n'
            '        ack_timeout: 601\n'
            '      auth_url:')
        rsrc = self.stack(template)['vnf']
        self.assertRaises(exception.StackValidationFailed, rsrc.validate)

    def test_empty_vnfcs_is_invalid(self):
        template = TEMPLATE.split('      vnfcs:')[0] + '      vnfcs: []\n'
        rsrc = self.stack(template)['vnf']
        self.assertRaises(exception.StackValidationFailed, rsrc.validate)

    def test_update_descriptor_and_endpoint_in_place(self):
        rsrc = self.registered()
        data = rsrc.handle_update(None, {}, {
            'snapshot_descriptor': {'createSnapshot': {'allowed': False}},
            'notification_endpoint': {'callback_uri': 'http://m.example/',
                                      'verify_tls': None,
                                      'ack_timeout': None,
                                      'authentication': None}})
        self.assertTrue(rsrc.check_update_complete(data))
        instance = self.fake.vnf_instances.items[rsrc.resource_id]
        self.assertEqual({'createSnapshot': {'allowed': False}},
                         instance['snapshotDescriptor'])
        self.assertEqual({'callbackUri': 'http://m.example/'},
                         self.fake.notifications[rsrc.resource_id])
        rsrc.handle_update(None, {}, {'notification_endpoint': None})
        self.assertNotIn(rsrc.resource_id, self.fake.notifications)
        self.assertEqual([], self.fake.modifications)

    def test_update_identity_by_modify_info(self):
        rsrc = self.registered()
        op_id = rsrc.handle_update(None, {}, {
            'name': 'fw-2', 'metadata': {'owner': 'noc'}})
        self.assertEqual([{'vnfInstanceName': 'fw-2',
                           'metadata': {'owner': 'noc', 'tier': None}}],
                         self.fake.modifications)
        self.assertFalse(rsrc.check_update_complete(op_id))
        self.fake.finish_op(op_id)
        self.assertTrue(rsrc.check_update_complete(op_id))

    def test_update_modify_failed_temp_rolls_back(self):
        rsrc = self.registered()
        op_id = rsrc.handle_update(None, {}, {'vnfd_id': 'fw-vnfd-2'})
        self.fake.finish_op(op_id, 'FAILED_TEMP', detail='VNFD unknown')
        error = self.assertRaises(exception.Error,
                                  rsrc.check_update_complete, op_id)
        self.assertIn('VNFD unknown', str(error))
        self.assertEqual([op_id], self.fake.rollbacks)

    def test_update_refused_with_detail(self):
        rsrc = self.registered()
        self.fake.refuse('VnfInstances', 'set_snapshot_descriptor', 409,
                         'an operation runs on the VNF')
        error = self.assertRaises(
            exception.Error, rsrc.handle_update, None, {},
            {'snapshot_descriptor': {}})
        self.assertIn('an operation runs on the VNF', str(error))

    def test_vnfcs_change_replaces(self):
        rsrc = self.registered()
        props = dict(rsrc.properties.data)
        props['vnfcs'] = [{'vdu_id': 'vnfc_a', 'server': 'srv-b'}]
        after = rsrc.t.freeze(properties=props)
        self.assertRaises(resource.UpdateReplace,
                          scheduler.TaskRunner(rsrc.update, after))

    def test_update_allowed_properties(self):
        schema = vnf_instance.VnfInstance.properties_schema
        self.assertEqual(
            {'name', 'description', 'vnfd_id', 'metadata',
             'snapshot_descriptor', 'notification_endpoint',
             'delete_snapshots'},
            {k for k, s in schema.items() if s.update_allowed})

    def _foreign_snapshot(self, instance_id):
        return self.fake.vnf_snapshots._add(
            {'vnfSnapshot': {'vnfInstanceId': instance_id}})['id']

    def test_delete_refused_while_foreign_snapshots(self):
        rsrc = self.registered()
        snapshot_id = self._foreign_snapshot(rsrc.resource_id)
        error = self.assertRaises(exception.Error, rsrc.handle_delete)
        self.assertIn(snapshot_id, str(error))
        self.assertIn('delete_snapshots', str(error))
        self.assertIn(rsrc.resource_id, self.fake.vnf_instances.items)
        self.credentials.delete.assert_not_called()

    def test_delete_with_delete_snapshots(self):
        template = TEMPLATE.replace('      auth_url:',
                                    '      delete_snapshots: true\n'
                                    '      auth_url:')
        rsrc = self.registered(template)
        snapshot_id = self._foreign_snapshot(rsrc.resource_id)
        self.fake.refuse('VnfSnapshots', 'delete', 409, 'being reverted')
        progress = rsrc.handle_delete()
        # Refused (409): asked again at the next poll.
        self.assertFalse(rsrc.check_delete_complete(progress))
        self.assertEqual(set(), self.fake.vnf_snapshots.deleting)
        self.assertFalse(rsrc.check_delete_complete(progress))
        self.assertEqual({snapshot_id}, self.fake.vnf_snapshots.deleting)
        # Still listed while vnfsnap deletes it: the VNF waits.
        self.assertFalse(rsrc.check_delete_complete(progress))
        self.assertIn(rsrc.resource_id, self.fake.vnf_instances.items)
        self.assertTrue(rsrc.check_delete_complete(progress))
        self.assertEqual({}, self.fake.vnf_snapshots.items)
        self.assertEqual({}, self.fake.vnf_instances.items)
        self.credentials.delete.assert_called_once_with('cred-1')

    def test_delete_unregisters_and_deletes_credential(self):
        rsrc = self.registered()
        self.fake.refuse('VnfInstances', 'delete', 409, 'op runs')
        progress = rsrc.handle_delete()
        self.assertFalse(rsrc.check_delete_complete(progress))
        self.assertTrue(rsrc.check_delete_complete(progress))
        self.assertEqual({}, self.fake.vnf_instances.items)
        self.credentials.delete.assert_called_once_with('cred-1')
        self.assertEqual({}, rsrc.data())

    def _reverted(self, rsrc, volume_id):
        """The VNF as vnfsnap records it after a revert that restored
        its volume vol-1 of srv-a as ``volume_id``."""
        info = self.fake.vnf_instances.items[rsrc.resource_id][
            'instantiatedVnfInfo']
        for storage in info['virtualStorageResourceInfo']:
            if storage['storageResource']['resourceId'] == 'vol-1':
                storage['storageResource']['resourceId'] = volume_id

    def _volume(self, volume_id, server_id=None, restored=True):
        volume = mock.Mock(
            id=volume_id, status='in-use' if server_id else 'available',
            attachments=[{'server_id': server_id}] if server_id else [],
            metadata={'vnfsnap_restored_from': 'snap-1'} if restored
            else {})
        return volume

    def test_delete_hands_restored_volumes_to_their_server(self):
        rsrc = self.registered()
        self._reverted(rsrc, 'vol-9')
        volumes = {'vol-9': self._volume('vol-9', 'srv-a'),
                   'vol-2': self._volume('vol-2', 'srv-a', restored=False)}
        self.cinder.volumes.get.side_effect = volumes.get
        self.fake.refuse('VnfInstances', 'delete', 409, 'op runs')
        progress = rsrc.handle_delete()
        self.assertFalse(rsrc.check_delete_complete(progress))
        self.assertTrue(rsrc.check_delete_complete(progress))
        # Once, with the microversion that changes only the flag.
        self.nova.volumes.update_server_volume.assert_called_once_with(
            'srv-a', 'vol-9', 'vol-9', delete_on_termination=True)
        self.cinder.volumes.delete.assert_not_called()
        self.assertEqual({}, self.fake.vnf_instances.items)

    def test_delete_deletes_restored_volumes_no_server_has(self):
        rsrc = self.registered()
        self._reverted(rsrc, 'vol-9')
        volumes = {'vol-9': self._volume('vol-9'),
                   'vol-2': self._volume('vol-2', 'srv-a', restored=False)}
        self.cinder.volumes.get.side_effect = volumes.get
        self.assertTrue(rsrc.check_delete_complete(rsrc.handle_delete()))
        self.cinder.volumes.delete.assert_called_once_with('vol-9')
        self.nova.volumes.update_server_volume.assert_not_called()

    def test_delete_skips_volumes_already_gone(self):
        rsrc = self.registered()
        self.cinder.volumes.get.side_effect = cinder_exc.NotFound(404)
        self.assertTrue(rsrc.check_delete_complete(rsrc.handle_delete()))
        self.nova.volumes.update_server_volume.assert_not_called()
        self.assertEqual({}, self.fake.vnf_instances.items)

    def test_delete_credential_refusal_is_a_warning(self):
        rsrc = self.registered()
        self.credentials.delete.side_effect = ks_exc.Forbidden('trust')
        self.assertTrue(rsrc.check_delete_complete(rsrc.handle_delete()))
        self.assertIn('cred-1', self.LOG.output)
        self.assertIn('could not delete the application credential',
                      self.LOG.output)

    def test_delete_already_gone(self):
        rsrc = self.registered()
        del self.fake.vnf_instances.items[rsrc.resource_id]
        self.assertTrue(rsrc.check_delete_complete(rsrc.handle_delete()))

    def test_delete_before_registration_deletes_credential(self):
        self.fake.refuse('VnfInstances', 'register', 500, 'down')
        self.credentials.delete.side_effect = ks_exc.ServiceUnavailable()
        rsrc = self.vnf()
        self.assertRaises(exception.Error, rsrc.check_create_complete, None)
        self.assertEqual({'application_credential_id': 'cred-1'},
                         rsrc.data())
        self.credentials.delete.side_effect = None
        self.assertIsNone(rsrc.handle_delete())
        self.assertEqual(2, self.credentials.delete.call_count)
        self.assertEqual({}, rsrc.data())

    def test_attributes(self):
        rsrc = self.registered()
        self.assertEqual(['vnfc_a', 'b-1'], rsrc.FnGetAtt('vnfc_ids'))
        self.assertEqual('INSTANTIATED',
                         rsrc.FnGetAtt('instantiation_state'))
        self.assertEqual({'vnfc-a': {'diskSnapshot': True}},
                         rsrc.FnGetAtt('vim_capabilities'))
        self.assertEqual(rsrc.resource_id,
                         rsrc.FnGetAtt('vnf_instance')['id'])
        self.assertEqual(rsrc.resource_id, rsrc.FnGetRefId())

    def test_attributes_of_a_deleted_vnf(self):
        rsrc = self.registered()
        del self.fake.vnf_instances.items[rsrc.resource_id]
        self.assertIsNone(rsrc.FnGetAtt('instantiation_state'))
