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

"""Delivery of VnfLcmOperationOccurrenceNotifications (SOL003 5.5.2.17) to
the subscriptions of /vnflcm/v2/subscriptions.

Each state an op occurrence enters is written to an outbox (op_occ_events)
in the same transaction as the state. A thread of every conductor claims
due events, fans each out to the subscriptions whose filter matches, POSTs
the notifications, and retries the failed deliveries with a growing delay;
flows never wait for it, and a conductor that dies leaves its claims to the
others.
"""

import datetime
import threading

from oslo_log import log as logging
from oslo_utils import timeutils
from oslo_utils import uuidutils

from vnfsnap.common import exception
from vnfsnap.common import oplog
from vnfsnap.common import redact
from vnfsnap.common import states
from vnfsnap.common import urlfetch
from vnfsnap.common import views
from vnfsnap.common import webhook
import vnfsnap.conf
from vnfsnap.db import api as db_api

CONF = vnfsnap.conf.CONF
LOG = logging.getLogger(__name__)

NOTIFICATION_TYPE = 'VnfLcmOperationOccurrenceNotification'
_START_STATES = frozenset({states.STARTING, states.PROCESSING,
                           states.ROLLING_BACK})


def matches(subscription_filter, op, instance):
    """LifecycleChangeNotificationsFilter: every given criterion holds."""
    f = subscription_filter or {}
    by_instance = f.get('vnfInstanceSubscriptionFilter') or {}
    checks = (
        ('notificationTypes', NOTIFICATION_TYPE, f),
        ('operationTypes', op.operation, f),
        ('operationStates', op.operation_state, f),
        ('vnfInstanceIds', op.vnf_instance_id, by_instance),
        ('vnfdIds', instance.vnfd_id if instance else None, by_instance),
        ('vnfInstanceNames', instance.vnf_instance_name if instance
         else None, by_instance),
    )
    products = by_instance.get('vnfProductsFromProviders')
    return all(value in scope[key] for key, value, scope in checks
               if scope.get(key)) and (
        not products or (instance is not None
                         and any(_from(p, instance) for p in products)))


def _from(provider, instance):
    """One entry of vnfProductsFromProviders: the provider, and when given
    a product of it, a software version of that, a VNFD version of that."""
    if provider['vnfProvider'] != instance.vnf_provider:
        return False
    products = provider.get('vnfProducts')
    return not products or any(
        product['vnfProductName'] == instance.vnf_product_name and (
            not product.get('versions') or any(
                version['vnfSoftwareVersion'] == instance.vnf_software_version
                and (not version.get('vnfdVersions')
                     or instance.vnfd_version in version['vnfdVersions'])
                for version in product['versions']))
        for product in products)


def notification(op, state, subscription, base):
    """The VnfLcmOperationOccurrenceNotification of ``op`` entering
    ``state``."""
    v2 = (base or '').rstrip('/') + '/vnflcm/v2'
    body = {
        'id': uuidutils.generate_uuid(),
        'notificationType': NOTIFICATION_TYPE,
        'subscriptionId': subscription.id,
        'timeStamp': views.isotime(timeutils.utcnow()),
        'notificationStatus': ('START' if state in _START_STATES
                               else 'RESULT'),
        'operationState': state,
        'vnfInstanceId': op.vnf_instance_id,
        'operation': op.operation,
        'isAutomaticInvocation': bool(op.is_automatic_invocation),
        'verbosity': subscription.verbosity,
        'vnfLcmOpOccId': op.id,
        '_links': {
            'vnfInstance': {'href': '%s/vnf_instances/%s'
                            % (v2, op.vnf_instance_id)},
            'subscription': {'href': '%s/subscriptions/%s'
                             % (v2, subscription.id)},
            'vnfLcmOpOcc': {'href': '%s/vnf_lcm_op_occs/%s' % (v2, op.id)},
        },
    }
    if state in (states.FAILED_TEMP, states.FAILED) and op.error:
        body['error'] = op.error
    if (state == states.COMPLETED and op.changed_info
            and subscription.verbosity == 'FULL'):
        # SOL003: what a RESULT changed in the VNF instance (MODIFY_INFO).
        body['changedInfo'] = op.changed_info
    if op.vnf_snapshot_info_id:
        # vnfsnap extension, as on the op occurrence.
        body['_links']['vnfSnapshot'] = {
            'href': '%s/vnf_snapshots/%s' % (v2, op.vnf_snapshot_info_id)}
    return body


def credentials_of(subscription):
    if not subscription.credentials:
        return None
    return urlfetch.Credentials.from_dict(subscription.credentials)


class Dispatcher:
    """The delivery thread of one conductor."""

    def __init__(self, host):
        self.host = host
        self._stopping = threading.Event()
        self._thread = None

    def start(self):
        self._thread = threading.Thread(target=self._loop,
                                        name='lccn-dispatcher', daemon=True)
        self._thread.start()

    def stop(self):
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _loop(self):
        while not self._stopping.wait(CONF.notifications.poll_interval):
            try:
                self.run_once()
            except Exception:
                LOG.exception('Delivering LCM notifications failed; trying '
                              'again')

    def run_once(self):
        """Deliver what is due; returns the number of events handled."""
        events = db_api.claim_op_occ_events(
            self.host, CONF.notifications.batch_size,
            stale_after=CONF.notifications.timeout * 4)
        for event in events:
            self._deliver(event)
        return len(events)

    def _deliver(self, event):
        # Other errors (the database away) leave the claimed event to be
        # claimed again once stale: it is never dropped for them.
        try:
            op = db_api.get_op_occ(None, event.op_occ_id)
        except exception.VnfLcmOpOccNotFound:
            db_api.finish_op_occ_event(event.id)    # the op is gone
            return
        try:
            instance = db_api.get_vnf_instance(None, op.vnf_instance_id)
        except exception.VnfInstanceNotFound:
            instance = None     # deleted since: filters on it do not match
        secrets = redact.known_secrets(
            instance.vim_connection_info if instance else None)
        with oplog.capturing(op.vnf_instance_id, op.id, secrets):
            self._deliver_to(event, op, instance)

    def _deliver_to(self, event, op, instance):
        subscriptions = {s.id: s for s in
                         db_api.list_subscriptions(op.project_id)}
        pending = event.pending
        if pending is None:
            # The filter sees the state the event is about.
            op.operation_state = event.operation_state
            pending = [s.id for s in subscriptions.values()
                       if matches(s.filter, op, instance)]
        failed = []
        for sub_id in pending:
            subscription = subscriptions.get(sub_id)
            if subscription is None:
                continue        # deleted meanwhile
            body = notification(op, event.operation_state, subscription,
                                CONF.api.public_endpoint)
            try:
                status, _ = webhook.post(
                    subscription.callback_uri, body,
                    credentials_of(subscription),
                    timeout=CONF.notifications.timeout)
                ok = 200 <= status < 300
                reason = 'HTTP %d' % status
            except exception.WebhookFailed as e:
                ok, reason = False, e.message
            if ok:
                LOG.info('Notified subscription %s (%s) of op occurrence '
                         '%s entering %s: %s', sub_id,
                         subscription.callback_uri, op.id,
                         event.operation_state, reason)
            else:
                LOG.warning('Notification of op occurrence %s (%s) to '
                            'subscription %s failed: %s', op.id,
                            event.operation_state, sub_id, reason)
                failed.append(sub_id)
        if not failed:
            db_api.finish_op_occ_event(event.id)
            return
        if event.attempts + 1 >= CONF.notifications.max_attempts:
            LOG.error('Giving up notifying subscription(s) %s of op '
                      'occurrence %s entering %s after %d attempts',
                      ', '.join(failed), op.id, event.operation_state,
                      event.attempts + 1)
            db_api.finish_op_occ_event(event.id)
            return
        delay = CONF.notifications.retry_interval * 2 ** event.attempts
        db_api.retry_op_occ_event(
            event.id, failed,
            timeutils.utcnow() + datetime.timedelta(seconds=delay))
