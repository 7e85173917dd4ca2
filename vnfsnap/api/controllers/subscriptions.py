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
occurrence notifications (SOL003 5.4.18-5.4.19); delivery is the
conductors' (vnfsnap.conductor.lccn)."""

from oslo_utils import uuidutils
import pecan

from vnfsnap.api import utils
from vnfsnap.api.controllers import base
from vnfsnap.api.schemas import subscriptions as schemas
from vnfsnap.common import exception
from vnfsnap.common import views
from vnfsnap.common import webhook
import vnfsnap.conf
from vnfsnap.db import api as db_api
from vnfsnap.db import models

CONF = vnfsnap.conf.CONF


def _see_other(subscription_id):
    """SOL003: no duplicates; point at the subscription there is."""
    return utils.respond(status=303, headers=[('Location', views.link(
        utils.base_url(), '/subscriptions/%s' % subscription_id)['href'])])


class Subscription(base.Resource):

    def __init__(self, subscription_id):
        self.subscription_id = subscription_id

    def get(self):
        utils.authorize('vnfsnap:subscription:get')
        utils.no_query()
        obj = db_api.get_subscription(utils.scope(),
                                      self.subscription_id)
        return utils.single(views.lccn_subscription(obj, utils.base_url()),
                            obj.updated_at)

    def delete(self):
        utils.authorize('vnfsnap:subscription:delete')
        db_api.delete_subscription(utils.scope(),
                                   self.subscription_id)
        return utils.respond(status=204)


class Subscriptions(base.Resource):

    @pecan.expose()
    def _lookup(self, subscription_id, *remainder):
        return Subscription(subscription_id), remainder

    def get(self):
        utils.authorize('vnfsnap:subscription:get_all')
        base_url = utils.base_url()
        return utils.db_collection(
            models.LccnSubscription,
            lambda o: views.lccn_subscription(o, base_url))

    def post(self):
        utils.authorize('vnfsnap:subscription:create')
        body = utils.json_body(schemas.CREATE)
        creds = utils.subscription_credentials(body.get('authentication'))
        project_id = utils.context().project_id
        subscription_filter = body.get('filter') or {}
        existing = db_api.find_subscription(
            project_id, body['callbackUri'], subscription_filter)
        if existing is not None:
            return _see_other(existing.id)
        try:
            status = webhook.probe(body['callbackUri'], creds,
                                   timeout=CONF.notifications.timeout)
        except exception.WebhookFailed as e:
            raise exception.UnprocessableEntity(
                reason='the callbackUri did not answer the test GET: %s'
                % e.message)
        if status != 204:
            raise exception.UnprocessableEntity(
                reason='the callbackUri answered the test GET with HTTP %d, '
                       'not 204' % status)
        try:
            obj = db_api.create_subscription({
                'id': uuidutils.generate_uuid(), 'project_id': project_id,
                'callback_uri': body['callbackUri'],
                'filter': subscription_filter or None,
                'verbosity': body.get('verbosity', 'FULL'),
                'credentials': (creds.to_dict() if creds is not None
                                else None)})
        except exception.SubscriptionExists as e:
            # An identical request won the race while we tested the
            # callback: the database kept that one.
            return _see_other(e.kwargs['id'])
        rep = views.lccn_subscription(obj, utils.base_url())
        return utils.created(rep, rep['_links']['self']['href'],
                             obj.updated_at)
