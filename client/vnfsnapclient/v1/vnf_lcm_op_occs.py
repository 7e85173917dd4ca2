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

"""``/vnflcm/v2/vnf_lcm_op_occs``: LCM operation occurrences and their
retry / rollback / fail / cancel tasks (SOL003 clause 5.4.12-5.4.17)."""

from vnfsnapclient import exceptions
from vnfsnapclient import http
from vnfsnapclient.v1 import base

#: States an occurrence stays in until someone acts (SOL003 5.6.2).
FINAL_STATES = frozenset(('COMPLETED', 'FAILED_TEMP', 'FAILED',
                          'ROLLED_BACK'))
FAILED_STATES = frozenset(('FAILED_TEMP', 'FAILED', 'ROLLED_BACK'))


class VnfLcmOpOccManager(base.Manager):
    API = http.VNFLCM
    PATH = '/vnf_lcm_op_occs'

    def _task(self, op_id, task, body=None):
        return self.http.request('POST', self.API, self._path(op_id, task),
                                 json=body)

    def retry(self, op_id):
        """Retry a FAILED_TEMP occurrence (202: a conductor runs it)."""
        self._task(op_id, 'retry')

    def rollback(self, op_id):
        self._task(op_id, 'rollback')

    def fail(self, op_id):
        """Mark a FAILED_TEMP occurrence FAILED; the occurrence."""
        return self._task(op_id, 'fail').json()

    def cancel(self, op_id, cancel_mode='GRACEFUL'):
        self._task(op_id, 'cancel', {'cancelMode': cancel_mode})

    def wait(self, op_id, on_poll=None, timeout=None, interval=2.0):
        """Poll until the occurrence is COMPLETED, FAILED_TEMP, FAILED or
        ROLLED_BACK; the final occurrence when COMPLETED.

        Raises exceptions.OperationFailed (with the occurrence's
        ``error``) when it ended otherwise, exceptions.Timeout after
        ``timeout`` seconds.
        """
        op = self.http.wait(
            lambda: self.get(op_id),
            lambda o: o.get('operationState') in FINAL_STATES,
            on_poll=on_poll, timeout=timeout, interval=interval)
        if op['operationState'] in FAILED_STATES:
            problem = op.get('error')
            raise exceptions.OperationFailed(
                op, problem, message=exceptions.bounded(
                    (problem or {}).get('detail')) or '%s ended %s' % (
                    op.get('operation', 'the operation'),
                    op['operationState']))
        return op
