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


"""OS::VnfSnap::LcmSubscription: a subscription to vnfsnap's VNF LCM
operation occurrence notifications, so that a template wires them to its
own monitoring."""

from heat.engine import attributes
from heat.engine import constraints
from heat.engine import properties
from vnfsnapclient import exceptions as vnfsnap_exc

from vnfsnap_heat import common


class LcmSubscription(common.VnfSnapResource):
    """A SOL003 LccnSubscription; every change makes a new one."""

    PROPERTIES = (
        CALLBACK_URI, FILTER, VERBOSITY, AUTHENTICATION,
    ) = (
        'callback_uri', 'filter', 'verbosity', 'authentication',
    )

    ATTRIBUTES = (SUBSCRIPTION_ATTR,) = ('subscription',)

    properties_schema = {
        CALLBACK_URI: common.prop(
            properties.Schema.STRING,
            'The http(s) URI vnfsnap POSTs the notifications to.',
            required=True,
            constraints=[constraints.Length(max=2048),
                         constraints.AllowedPattern('https?://[^/?#]+.*')]),
        FILTER: common.prop(
            properties.Schema.MAP,
            'Which notifications (SOL003 LccnSubscriptionFilter, e.g. '
            'notificationTypes, operationTypes, vnfInstanceSubscription'
            'Filter). Default: all of them.'),
        VERBOSITY: common.prop(
            properties.Schema.STRING,
            'FULL or SHORT notifications (default: vnfsnap\'s).',
            constraints=[constraints.AllowedValues(['FULL', 'SHORT'])]),
        AUTHENTICATION: common.prop(
            properties.Schema.MAP,
            'How vnfsnap authenticates at the callback URI (SOL013 '
            'SubscriptionAuthentication).'),
    }

    attributes_schema = {
        SUBSCRIPTION_ATTR: common.attribute(
            'The LccnSubscription as vnfsnap shows it.',
            attributes.Schema.MAP),
    }

    _API = {CALLBACK_URI: 'callbackUri', FILTER: 'filter',
            VERBOSITY: 'verbosity', AUTHENTICATION: 'authentication'}

    def handle_create(self):
        body = {self._API[k]: self.properties[k] for k in self.PROPERTIES
                if self.properties[k] is not None}
        try:
            subscription = self.client().subscriptions.create(body)
        except vnfsnap_exc.ClientError as exc:
            raise self.fail(exc, 'vnfsnap refused the subscription')
        self.resource_id_set(subscription['id'])

    def handle_delete(self):
        if self.resource_id is not None:
            self.gone(self.client().subscriptions.delete, self.resource_id)

    def get_live(self):
        return self.client().subscriptions.get(self.resource_id)

    def resolve(self, name):
        return self.get_live()


def resource_mapping():
    return {'OS::VnfSnap::LcmSubscription': LcmSubscription}
