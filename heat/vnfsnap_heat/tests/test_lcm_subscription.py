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


"""OS::VnfSnap::LcmSubscription against the fake vnfsnap client."""

from heat.common import exception

from vnfsnap_heat.resources import lcm_subscription
from vnfsnap_heat.tests import base

TEMPLATE = '''
heat_template_version: 2021-04-16
resources:
  watch:
    type: OS::VnfSnap::LcmSubscription
    properties:
      callback_uri: https://monitor.example/vnf
      filter: {notificationTypes: [VnfLcmOperationOccurrenceNotification]}
      verbosity: SHORT
'''


class LcmSubscriptionTest(base.ResourceTestCase):

    def subscription(self, template=TEMPLATE):
        return self.resource(template, 'watch')

    def test_resource_mapping(self):
        self.assertEqual({'OS::VnfSnap::LcmSubscription':
                          lcm_subscription.LcmSubscription},
                         lcm_subscription.resource_mapping())

    def test_create_delete(self):
        rsrc = self.subscription()
        rsrc.handle_create()
        self.assertEqual(
            {'callbackUri': 'https://monitor.example/vnf',
             'filter': {'notificationTypes': [
                 'VnfLcmOperationOccurrenceNotification']},
             'verbosity': 'SHORT', 'id': rsrc.resource_id, '_links': {}},
            self.fake.subscriptions.items[rsrc.resource_id])
        self.assertEqual(rsrc.resource_id,
                         rsrc.FnGetAtt('subscription')['id'])
        rsrc.handle_delete()
        self.assertEqual({}, self.fake.subscriptions.items)
        # Deleted behind Heat's back: nothing to do.
        rsrc.handle_delete()

    def test_refusal_with_detail(self):
        self.fake.refuse('Subscriptions', 'create', 400,
                         'callbackUri did not answer the test GET')
        error = self.assertRaises(exception.Error,
                                  self.subscription().handle_create)
        self.assertIn('callbackUri did not answer the test GET', str(error))

    def test_bad_verbosity_is_invalid(self):
        rsrc = self.stack(TEMPLATE.replace('SHORT', 'LOUD'))['watch']
        self.assertRaises(exception.StackValidationFailed, rsrc.validate)

    def test_every_property_change_replaces(self):
        schema = lcm_subscription.LcmSubscription.properties_schema
        self.assertEqual([], [k for k, s in schema.items()
                              if s.update_allowed])
