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

"""The conductor's own log records of each LCM operation occurrence, kept
for root-cause packages (GR NFV-TST 005 clause 4.2.1: "the VNFM's logs").

Work for an occurrence (its flow with the steps it runs in other
threads, a resume, the delivery of its notifications) runs inside
:func:`capturing`; a handler on the root logger keeps the records that
work emits meanwhile, in memory
(the first tenth and the latest of [diagnostics]max_records_per_op),
masked of secrets, with the request id of the thread's oslo.context, and
stores them in one transaction when the scope ends. Records are never
written from inside a log call: a log line emitted inside a database
transaction must not open another one. A conductor killed mid-run loses
that run's records; the records of the resumed run are kept.
"""

import collections
import contextlib
import contextvars
import datetime
import logging
import socket
import threading

from oslo_context import context as oslo_context
from oslo_utils import timeutils

from vnfsnap.common import redact
import vnfsnap.conf

CONF = vnfsnap.conf.CONF
LOG = logging.getLogger(__name__)

# The scope of the running work: a context variable, so that the steps a
# flow runs in its executor's threads (which run in a copy of the flow's
# context, vnfsnap.conductor.flows.common) are kept too.
_SCOPE = contextvars.ContextVar('vnfsnap_op_log_scope', default=None)
_LOCAL = threading.local()
_HANDLER = None
_installed_lock = threading.Lock()


class _Scope:
    """The records one thread keeps for one occurrence."""

    def __init__(self, vnf_instance_id, op_occ_id, secrets, request_id):
        self.vnf_instance_id = vnf_instance_id
        self.op_occ_id = op_occ_id
        self.secrets = tuple(secrets)
        self.request_id = request_id
        self.lock = threading.Lock()
        keep = CONF.diagnostics.max_records_per_op
        self.head_size = max(1, keep // 10)
        self.head = []
        self.tail = collections.deque(maxlen=keep - self.head_size)
        self.dropped = 0

    def add(self, record):
        with self.lock:
            if len(self.head) < self.head_size:
                self.head.append(record)
                return
            if len(self.tail) == self.tail.maxlen:
                self.dropped += 1
            self.tail.append(record)

    def records(self):
        return self.head + list(self.tail)


class Handler(logging.Handler):
    """Keeps, for the thread's current scope, every record at or above
    [diagnostics]capture_level; does nothing outside a scope."""

    def emit(self, record):
        scope = _SCOPE.get()
        if scope is None or getattr(_LOCAL, 'inside', False):
            return
        if record.levelno < logging.getLevelName(
                CONF.diagnostics.capture_level):
            return
        _LOCAL.inside = True
        try:
            scope.add(self._row(scope, record))
        except Exception:   # a log call must never fail
            self.handleError(record)
        finally:
            _LOCAL.inside = False

    @staticmethod
    def _row(scope, record):
        message = record.getMessage()
        if record.exc_info and record.exc_info[0] is not None:
            message += '\n' + logging.Formatter().formatException(
                record.exc_info)
        limit = CONF.diagnostics.max_record_length
        if len(message) > limit:
            message = '[%d characters cut] ' % (len(message) - limit) \
                + message[-limit:]
        ctx = oslo_context.get_current()
        return {
            'vnf_instance_id': scope.vnf_instance_id,
            'op_occ_id': scope.op_occ_id,
            'request_id': scope.request_id or getattr(ctx, 'request_id',
                                                      None),
            'created_at': datetime.datetime.fromtimestamp(
                record.created, datetime.timezone.utc).replace(
                    tzinfo=None),
            'level': record.levelname,
            'logger': record.name[:255],
            'host': CONF.host or socket.gethostname(),
            'message': redact.text(message, scope.secrets),
        }


def install():
    """Put the handler on the root logger (once per process); the
    conductor calls it after oslo.log's setup."""
    global _HANDLER
    root = logging.getLogger()
    with _installed_lock:
        if _HANDLER is None and CONF.diagnostics.capture_op_logs:
            _HANDLER = Handler(level=logging.DEBUG)
        # Whoever replaced the root handlers since (a test's fixture)
        # took it off.
        if _HANDLER is not None and _HANDLER not in root.handlers:
            root.addHandler(_HANDLER)
    # The root logger must pass the capture level on to the handler.
    level = logging.getLevelName(CONF.diagnostics.capture_level)
    if _HANDLER is not None and root.level > level:
        LOG.info('Root log level %s is above [diagnostics]capture_level '
                 '%s: only records at the root level are kept per '
                 'operation occurrence', logging.getLevelName(root.level),
                 CONF.diagnostics.capture_level)


def request_context(request_id=None):
    """An oslo.context for a worker thread, with ``request_id`` (the
    API request that started the work) or a new one (a resume): log
    lines of the thread carry it."""
    from vnfsnap.common import context as vnfsnap_context
    kwargs = {'request_id': request_id} if request_id else {}
    return vnfsnap_context.RequestContext(is_admin=True, overwrite=True,
                                          **kwargs)


@contextlib.contextmanager
def capturing(vnf_instance_id, op_occ_id, secrets=(), request_id=None):
    """Keep the calling thread's log records for ``op_occ_id`` (of VNF
    instance ``vnf_instance_id``) while the block runs, and store them at
    its end; ``secrets`` are masked wherever they appear. With
    ``request_id`` the thread's oslo.context carries it meanwhile (log
    lines show it); nested scopes of the same occurrence are one."""
    outer = _SCOPE.get()
    if _HANDLER is None or (outer is not None
                            and outer.op_occ_id == op_occ_id):
        yield
        return
    previous_ctx = oslo_context.get_current()
    if request_id is not None or previous_ctx is None:
        request_id = request_context(request_id).request_id  # now current
    else:
        request_id = previous_ctx.request_id
    scope = _Scope(vnf_instance_id, op_occ_id, secrets, request_id)
    token = _SCOPE.set(scope)
    try:
        yield
    finally:
        _SCOPE.reset(token)
        if previous_ctx is not None:
            previous_ctx.update_store()
        else:
            # A pooled thread must not log the next job with this id.
            oslo_context._request_store.context = None
        _store(scope)


def _store(scope):
    from vnfsnap.db import api as db_api
    records = scope.records()
    if not records:
        return
    if scope.dropped:
        first = scope.tail[0] if scope.tail else records[-1]
        records.insert(scope.head_size, dict(
            first, level='WARNING', logger=__name__,
            message='[%d log records of this run dropped: '
                    '[diagnostics]max_records_per_op is %d]'
                    % (scope.dropped, CONF.diagnostics.max_records_per_op)))
    keep = CONF.diagnostics.max_records_per_op
    try:
        db_api.add_op_log_records(records, keep + 1, scope.head_size)
        db_api.purge_op_log_records(
            timeutils.utcnow() - datetime.timedelta(
                days=CONF.diagnostics.retention_days))
    except Exception as e:
        # Losing diagnostics must not fail the operation.
        LOG.warning('Could not keep the %d log records of operation '
                    'occurrence %s: %s', len(records), scope.op_occ_id, e)
