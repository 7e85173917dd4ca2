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


"""OS::VnfSnap::VnfSnapshot against the fake vnfsnap client."""

from heat.common import exception

from vnfsnap_heat.resources import vnf_snapshot
from vnfsnap_heat.tests import base

TEMPLATE = '''
heat_template_version: 2021-04-16
resources:
  baseline:
    type: OS::VnfSnap::VnfSnapshot
    properties:
      vnf_instance: %s
      description: The VNF as created.
      memory: true
      quiesce: false
      vnfc_ids: [vnfc_a]
      user_defined_data: {ticket: CHG-1}
'''


class VnfSnapshotTest(base.ResourceTestCase):

    def setUp(self):
        super().setUp()
        self.instance_id = self.fake.vnf_instances.register(
            {'vnfdId': 'fw-vnfd-1'})['id']

    def snapshot(self, template=None):
        return self.resource(template or TEMPLATE % self.instance_id,
                             'baseline')

    def taken(self, template=None):
        rsrc = self.snapshot(template)
        op_id = rsrc.handle_create()
        self.fake.finish_op(op_id)
        self.assertTrue(rsrc.check_create_complete(op_id))
        return self.created(rsrc)

    def test_resource_mapping(self):
        self.assertEqual({'OS::VnfSnap::VnfSnapshot':
                          vnf_snapshot.VnfSnapshot},
                         vnf_snapshot.resource_mapping())

    def test_create_follows_the_op_occurrence(self):
        rsrc = self.snapshot()
        op_id = rsrc.handle_create()
        self.assertIn(rsrc.resource_id, self.fake.vnf_snapshots.items)
        self.assertEqual({'operation_id': op_id}, rsrc.data())
        self.assertEqual(
            [{'additionalParams': {'withMemory': True, 'quiesce': False,
                                   'vnfcInstanceIds': ['vnfc_a']},
              'userDefinedData': {'ticket': 'CHG-1',
                                  'name': rsrc.physical_resource_name(),
                                  'description': 'The VNF as created.'}}],
            self.fake.snapshot_requests)
        self.assertFalse(rsrc.check_create_complete(op_id))
        self.fake.finish_op(op_id)
        self.assertTrue(rsrc.check_create_complete(op_id))

    def test_name_and_defaults(self):
        template = ('heat_template_version: 2021-04-16\n'
                    'resources:\n  baseline:\n'
                    '    type: OS::VnfSnap::VnfSnapshot\n'
                    '    properties: {vnf_instance: %s, name: nightly}\n'
                    % self.instance_id)
        self.snapshot(template).handle_create()
        self.assertEqual([{'additionalParams': None,
                           'userDefinedData': {'name': 'nightly'}}],
                         self.fake.snapshot_requests)

    def test_refusal_leaves_no_empty_snapshot(self):
        self.fake.refuse('VnfInstances', 'create_snapshot', 409,
                         'outside the time windows of the descriptor')
        rsrc = self.snapshot()
        error = self.assertRaises(exception.Error, rsrc.handle_create)
        self.assertIn('outside the time windows of the descriptor',
                      str(error))
        # The empty snapshot made for it was deleted.
        self.assertEqual(1, len(self.fake.vnf_snapshots.deleting))
        self.assertEqual(set(self.fake.vnf_snapshots.items),
                         self.fake.vnf_snapshots.deleting)
        self.assertIsNone(rsrc.resource_id)

    def test_failed_temp_rolls_back_and_fails_with_detail(self):
        rsrc = self.snapshot()
        op_id = rsrc.handle_create()
        self.fake.finish_op(op_id, 'FAILED_TEMP',
                            detail='VNFC vnfc_b is powered off')
        error = self.assertRaises(exception.Error,
                                  rsrc.check_create_complete, op_id)
        self.assertIn('VNFC vnfc_b is powered off', str(error))
        self.assertIn('FAILED_TEMP', str(error))
        self.assertEqual([op_id], self.fake.rollbacks)

    def test_failed_fails_without_rollback(self):
        rsrc = self.snapshot()
        op_id = rsrc.handle_create()
        self.fake.finish_op(op_id, 'FAILED', detail='VIM refused')
        error = self.assertRaises(exception.Error,
                                  rsrc.check_create_complete, op_id)
        self.assertIn('VIM refused', str(error))
        self.assertEqual([], self.fake.rollbacks)

    def test_quiesce_with_pause_vnf_is_invalid(self):
        template = (TEMPLATE % self.instance_id).replace(
            'quiesce: false', 'quiesce: true\n      pause_vnf: true')
        rsrc = self.stack(template)['baseline']
        error = self.assertRaises(exception.StackValidationFailed,
                                  rsrc.validate)
        self.assertIn('exclude each other', str(error))

    def test_every_property_change_replaces(self):
        self.assertEqual([], [
            k for k, s in vnf_snapshot.VnfSnapshot.properties_schema.items()
            if s.update_allowed])

    def test_delete_waits_for_the_operation(self):
        rsrc = self.snapshot()
        op_id = rsrc.handle_create()
        progress = rsrc.handle_delete()
        self.assertFalse(rsrc.check_delete_complete(progress))
        self.assertIn(rsrc.resource_id, self.fake.vnf_snapshots.items)
        self.fake.finish_op(op_id)
        # Deleted, still read once, then 404.
        self.assertFalse(rsrc.check_delete_complete(progress))
        self.assertTrue(rsrc.check_delete_complete(progress))
        self.assertEqual({}, self.fake.vnf_snapshots.items)

    def test_delete_rolls_back_a_failed_temp_operation(self):
        rsrc = self.snapshot()
        op_id = rsrc.handle_create()
        self.fake.finish_op(op_id, 'FAILED_TEMP', detail='stopped')
        progress = rsrc.handle_delete()
        self.assertFalse(rsrc.check_delete_complete(progress))
        self.assertEqual([op_id], self.fake.rollbacks)
        self.assertFalse(rsrc.check_delete_complete(progress))
        self.fake.finish_op(op_id, 'ROLLED_BACK')
        self.fake.refuse('VnfSnapshots', 'delete', 409, 'busy')
        self.assertFalse(rsrc.check_delete_complete(progress))
        self.assertFalse(rsrc.check_delete_complete(progress))
        self.assertTrue(rsrc.check_delete_complete(progress))
        self.assertEqual({}, self.fake.vnf_snapshots.items)

    def test_delete_already_gone(self):
        rsrc = self.taken()
        del self.fake.vnf_snapshots.items[rsrc.resource_id]
        self.assertTrue(rsrc.check_delete_complete(rsrc.handle_delete()))

    def test_delete_before_create(self):
        rsrc = self.snapshot()
        self.assertIsNone(rsrc.handle_delete())
        self.assertTrue(rsrc.check_delete_complete(None))

    def test_attributes(self):
        rsrc = self.taken()
        self.assertEqual('COMPLETED', rsrc.FnGetAtt('state'))
        self.assertEqual(rsrc.data()['operation_id'],
                         rsrc.FnGetAtt('operation_id'))
        self.assertEqual([{'id': 'vnfc-snap-a', 'vnfcInstanceId': 'vnfc_a'}],
                         rsrc.FnGetAtt('vnfc_snapshots'))
        self.assertEqual(self.instance_id, rsrc.FnGetAtt('vnf_instance'))
        self.assertEqual(rsrc.resource_id,
                         rsrc.FnGetAtt('vnf_snapshot_info')['id'])
        self.assertEqual(rsrc.resource_id, rsrc.FnGetAtt('show')['id'])
