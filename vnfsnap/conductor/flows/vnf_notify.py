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

"""The "prepare" and "done" notices a VNF receives around a snapshot or a
revert (GR NFV-TST 005 clause 6.5.1 steps 5-7 and 10-12, 6.5.2,
VeVnfmVnf-Vsn.001-003), so that it can flush and hold its writes across
all of its VNFCs.

The VNF registers an endpoint (``snapshot_notifications`` of its VNF
instance). "prepare" waits for the VNF's acknowledgement: any 2xx answer
whose JSON body does not say ``"acknowledged": false``. Anything else, or
no answer within the ack timeout, aborts the operation, which is undone.
Once the VNF may have seen "prepare" (it acknowledged, refused, or did
not answer in time) a "done" notice always follows, with the outcome.
"""

import time

from oslo_log import log as logging
from oslo_utils import timeutils
from oslo_utils import uuidutils
from taskflow import task
from taskflow.types import failure

from vnfsnap.common import exception
from vnfsnap.common import urlfetch
from vnfsnap.common import views
from vnfsnap.common import webhook
import vnfsnap.conf

CONF = vnfsnap.conf.CONF
LOG = logging.getLogger(__name__)

NOTIFICATION_TYPE = 'VnfSnapshotNotification'
PREPARE, DONE = 'PREPARE', 'DONE'


class Endpoint:
    """A VNF's registered endpoint, its credentials decrypted."""

    def __init__(self, stored):
        self.uri = stored['callbackUri']
        self.verify_tls = stored.get('verifyTls', True)
        self.ack_timeout = (stored.get('ackTimeout')
                            or CONF.vnf_notifications.ack_timeout)
        self.credentials = None
        if stored.get('credentials'):
            self.credentials = urlfetch.Credentials.from_dict(
                stored['credentials'])

    @classmethod
    def of(cls, instance):
        stored = instance.snapshot_notifications
        return cls(stored) if stored else None

    def send(self, body):
        return webhook.post(self.uri, body, self.credentials,
                            timeout=self.ack_timeout,
                            verify_tls=self.verify_tls)


def _notice(phase, op, instance, vnfc_ids, outcome=None):
    body = {
        'id': uuidutils.generate_uuid(),
        'notificationType': NOTIFICATION_TYPE,
        'phase': phase,
        'timeStamp': views.isotime_ms(timeutils.utcnow()),
        'operation': op.operation,
        'vnfInstanceId': instance.id,
        'vnfLcmOpOccId': op.id,
        'vnfSnapshotInfoId': op.vnf_snapshot_info_id,
        'vnfcInstanceIds': list(vnfc_ids),
    }
    if outcome:
        body['outcome'] = outcome
    return body


class NotifyPrepare(task.Task):
    """Tell the VNF what is about to happen and wait for its ack; on undo,
    tell it the operation failed. Provides when it acknowledged and its
    answer (a JSON object, or None), which may say where its VNF state
    snapshot is (vnf_state.py)."""

    def __init__(self, endpoint, op, instance, vnfc_ids):
        super().__init__(name='notify-prepare',
                         provides=('vnf-prepared', 'vnf-answer'))
        self.endpoint, self.op, self.instance = endpoint, op, instance
        self.vnfc_ids = vnfc_ids

    def execute(self):
        body = _notice(PREPARE, self.op, self.instance, self.vnfc_ids)
        try:
            status, answer = self.endpoint.send(body)
        except exception.WebhookFailed as e:
            raise exception.VnfNotReady(
                id=self.instance.id, operation=self.op.operation,
                reason=e.message, delivered=e.delivered) from None
        refused = isinstance(answer, dict) and answer.get(
            'acknowledged') is False
        if not 200 <= status < 300 or refused:
            raise exception.VnfNotReady(
                id=self.instance.id, operation=self.op.operation,
                reason='it answered HTTP %d%s' % (status, (
                    ', reason: %s' % webhook.reason_of(answer))
                    if webhook.reason_of(answer) else ''))
        LOG.info('VNF instance %s acknowledged "prepare" for %s (%d '
                 'VNFC(s))', self.instance.id, self.op.operation,
                 len(self.vnfc_ids))
        # (Persisted as JSON: the time as ISO 8601.)
        return (timeutils.utcnow().isoformat(),
                answer if isinstance(answer, dict) else None)

    def revert(self, result, *args, **kwargs):
        # "done" once the VNF may have seen "prepare": acknowledged,
        # refused, or unanswered (it may be holding its writes); not when
        # the endpoint could not be reached at all.
        if isinstance(result, failure.Failure):
            error = result.exception
            if not (isinstance(error, exception.VnfNotReady)
                    and error.delivered):
                return
        send_done(self.endpoint, self.op, self.instance, self.vnfc_ids,
                  'FAILED')


class NotifyDone(task.Task):
    """The operation's outcome, once every step is done."""

    def __init__(self, endpoint, op, instance, vnfc_ids):
        super().__init__(name='notify-done', requires=['vnf-prepared'])
        self.endpoint, self.op, self.instance = endpoint, op, instance
        self.vnfc_ids = vnfc_ids

    def execute(self, **prepared):
        send_done(self.endpoint, self.op, self.instance, self.vnfc_ids,
                  'COMPLETED')


def send_done(endpoint, op, instance, vnfc_ids, outcome):
    """Deliver "done" with a few attempts; never raises (the operation's
    outcome does not depend on it)."""
    body = _notice(DONE, op, instance, vnfc_ids, outcome)
    attempts = CONF.vnf_notifications.done_attempts
    for attempt in range(1, attempts + 1):
        try:
            status, _ = endpoint.send(body)
            if 200 <= status < 300:
                LOG.info('Told VNF instance %s that %s is %s', instance.id,
                         op.operation, outcome)
                return
            reason = 'HTTP %d' % status
        except exception.WebhookFailed as e:
            reason = e.message
        if attempt < attempts:
            time.sleep(1)
    LOG.error('Could not tell VNF instance %s that %s is %s after %d '
              'attempt(s): %s', instance.id, op.operation, outcome,
              attempts, reason)


def wrap(op, instance, vnfc_ids):
    """(prepare task, done task) when the VNF registered an endpoint, else
    (None, None)."""
    endpoint = Endpoint.of(instance)
    if endpoint is None:
        return None, None
    return (NotifyPrepare(endpoint, op, instance, vnfc_ids),
            NotifyDone(endpoint, op, instance, vnfc_ids))
