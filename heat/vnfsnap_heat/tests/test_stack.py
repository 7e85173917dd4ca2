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


"""Whole stacks driven by Heat itself (create, update, delete in
dependency order), the four types together against the fake client."""

from vnfsnap_heat.tests import base

TEMPLATE = '''
heat_template_version: 2021-04-16
parameters:
  when_off: {type: boolean, default: true}
resources:
  vnf:
    type: OS::VnfSnap::VnfInstance
    properties:
      vnfd_id: fw-vnfd-1
      vnfcs:
        - {vdu_id: vnfc_a, server: srv-a}
        - {vdu_id: vnfc_b, server: srv-b}
      snapshot_descriptor:
        vnfcs: {vnfc_a: {snapshotWhenPoweredOff: {get_param: when_off}}}
  baseline:
    type: OS::VnfSnap::VnfSnapshot
    properties:
      vnf_instance: {get_resource: vnf}
  package:
    type: OS::VnfSnap::VnfSnapshotPackage
    properties:
      vnf_snapshot: {get_resource: baseline}
  watch:
    type: OS::VnfSnap::LcmSubscription
    properties:
      callback_uri: http://monitor.example/lcm
      filter:
        vnfInstanceSubscriptionFilter:
          vnfInstanceIds: [{get_resource: vnf}]
outputs:
  vnf_id: {value: {get_resource: vnf}}
  vnfc_ids: {value: {get_attr: [vnf, vnfc_ids]}}
  baseline_state: {value: {get_attr: [baseline, state]}}
  package_url: {value: {get_attr: [package, download_url]}}
'''


class StackTest(base.ResourceTestCase):

    def setUp(self):
        super().setUp()
        self.stub_ServerConstraint_validate()
        self.servers['srv-a'] = base.server('srv-a')
        self.servers['srv-b'] = base.server('srv-b')
        self.fake.auto = True

    @staticmethod
    def output(stack, name):
        """An output as stack show resolves it."""
        stack._update_all_resource_data(False, True)
        return stack.outputs[name].get_value()

    def test_create(self):
        stack = self.stack(TEMPLATE)
        stack.store()
        stack.create()
        self.assertEqual((stack.CREATE, stack.COMPLETE), stack.state,
                         stack.status_reason)
        vnf_id = self.output(stack, 'vnf_id')
        self.assertEqual([vnf_id], list(self.fake.vnf_instances.items))
        self.assertEqual(['vnfc_a', 'vnfc_b'], self.output(stack, 'vnfc_ids'))
        self.assertEqual('COMPLETED', self.output(stack, 'baseline_state'))
        package_id = stack['package'].resource_id
        self.assertIn(package_id, self.output(stack, 'package_url'))
        self.assertEqual(
            [vnf_id], self.fake.subscriptions.items[
                stack['watch'].resource_id]['filter'][
                'vnfInstanceSubscriptionFilter']['vnfInstanceIds'])

    def test_update_changes_the_descriptor_in_place(self):
        stack = self.stack(TEMPLATE)
        stack.store()
        stack.create()
        vnf_id = stack['vnf'].resource_id
        snapshot_id = stack['baseline'].resource_id
        updated = self.stack(TEMPLATE, params={'when_off': False})
        # self.stk is now the updated stack's template: keep the stack.
        self.stk = stack
        stack.update(updated)
        self.assertEqual((stack.UPDATE, stack.COMPLETE), stack.state,
                         stack.status_reason)
        self.assertEqual(vnf_id, stack['vnf'].resource_id)
        self.assertEqual(snapshot_id, stack['baseline'].resource_id)
        self.assertEqual(
            {'vnfcs': {'vnfc_a': {'snapshotWhenPoweredOff': False}}},
            self.fake.vnf_instances.items[vnf_id]['snapshotDescriptor'])

    def test_delete_in_dependency_order(self):
        stack = self.stack(TEMPLATE)
        stack.store()
        stack.create()
        stack.delete()
        self.assertEqual((stack.DELETE, stack.COMPLETE), stack.state,
                         stack.status_reason)
        for manager in (self.fake.vnf_instances, self.fake.vnf_snapshots,
                        self.fake.vnf_snapshot_packages,
                        self.fake.subscriptions):
            self.assertEqual({}, manager.items)
        self.credentials.delete.assert_called_once_with('cred-1')

    def test_failed_snapshot_fails_the_stack_with_the_reason(self):
        self.fake.auto_failure = 'VNFC vnfc_a is powered off'
        stack = self.stack(TEMPLATE)
        stack.store()
        stack.create()
        self.assertEqual((stack.CREATE, stack.FAILED), stack.state)
        self.assertIn('VNFC vnfc_a is powered off', stack.status_reason)
        baseline = stack['baseline']
        self.assertEqual((baseline.CREATE, baseline.FAILED), baseline.state)
        self.assertIn('VNFC vnfc_a is powered off', baseline.status_reason)
        self.assertEqual(1, len(self.fake.rollbacks))
        stack.delete()
        self.assertEqual((stack.DELETE, stack.COMPLETE), stack.state,
                         stack.status_reason)
        self.assertEqual({}, self.fake.vnf_snapshots.items)
        self.assertEqual({}, self.fake.vnf_instances.items)
