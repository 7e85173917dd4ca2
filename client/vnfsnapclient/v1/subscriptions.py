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

"""``/vnflcm/v2/subscriptions``: subscriptions to VNF LCM operation
occurrence notifications (SOL003 clause 5.4.18-5.4.19)."""

from vnfsnapclient import http
from vnfsnapclient.v1 import base


class SubscriptionManager(base.Manager):
    API = http.VNFLCM
    PATH = '/subscriptions'

    def create(self, body):
        """Subscribe; the LccnSubscription. An identical subscription is
        answered 303 with its URI (SOL003 forbids duplicates): then that
        one is returned. The redirect is followed here as a GET, as
        keystoneauth would repeat the POST."""
        resp = self.http.request('POST', self.API, self.PATH, json=body,
                                 ok=(201, 303), redirect=False)
        if resp.status_code == 303:
            return self.http.get_json(self.API, resp.headers['Location'])
        return resp.json()

    def delete(self, subscription_id):
        self._delete(subscription_id)
