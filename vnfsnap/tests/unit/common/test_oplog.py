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

"""The log records kept per LCM operation occurrence."""

import contextvars
import datetime
import logging
import threading

from oslo_context import context as oslo_context
from oslo_utils import timeutils

from vnfsnap.common import oplog
from vnfsnap.db import api as db_api
from vnfsnap.tests import base

LOG = logging.getLogger('vnfsnap.conductor.flows.test')


class TestCapture(base.TestCase):

    def setUp(self):
        super().setUp()
        root = logging.getLogger()
        self.addCleanup(root.setLevel, root.level)
        root.setLevel(logging.INFO)
        oplog.install()

    def test_records_of_the_scope_with_request_id_and_no_secret(self):
        before = oslo_context.get_current()
        LOG.info('before the scope')
        with oplog.capturing('vnf-1', 'op-1', {'VimPw-1234'},
                             request_id='req-abc'):
            self.assertEqual('req-abc',
                             oslo_context.get_current().request_id)
            LOG.info('freezing with password=%s', 'CfgPw-99')
            LOG.warning('the VIM said VimPw-1234 is wrong')
            LOG.debug('below the capture level')
            try:
                raise ValueError('boom token: tok-777')
            except ValueError:
                LOG.exception('it failed')
        LOG.info('after the scope')
        # The thread is left with the context it had.
        self.assertIs(before, oslo_context.get_current())
        rows = db_api.list_op_log_records('vnf-1')
        self.assertEqual(3, len(rows))
        self.assertEqual({'op-1'}, {r.op_occ_id for r in rows})
        self.assertEqual({'req-abc'}, {r.request_id for r in rows})
        self.assertEqual(['INFO', 'WARNING', 'ERROR'],
                         [r.level for r in rows])
        every = '\n'.join(r.message for r in rows)
        for secret in ('CfgPw-99', 'VimPw-1234', 'tok-777'):
            self.assertNotIn(secret, every)
        self.assertIn('ValueError: boom token: ***', every)
        self.assertIn('freezing with password=***', every)

    def test_a_pooled_thread_is_left_without_the_request_context(self):
        seen = []

        def job():
            with oplog.capturing('vnf-1', 'op-1', request_id='req-x'):
                seen.append(oslo_context.get_current().request_id)
            seen.append(oslo_context.get_current())

        worker = threading.Thread(target=job)
        worker.start()
        worker.join()
        self.assertEqual(['req-x', None], seen)

    def test_bounded_keeping_the_first_and_the_latest(self):
        self.conf.config(max_records_per_op=10, group='diagnostics')
        with oplog.capturing('vnf-1', 'op-1'):
            for i in range(100):
                LOG.info('line %d', i)
        messages = [r.message for r in db_api.list_op_log_records('vnf-1')]
        self.assertEqual('line 0', messages[0])
        self.assertIn('90 log records of this run dropped', messages[1])
        self.assertEqual(['line %d' % i for i in range(91, 100)],
                         messages[2:])
        # A second run (a resume) of the same occurrence: still bounded,
        # its latest records kept.
        with oplog.capturing('vnf-1', 'op-1'):
            for i in range(5):
                LOG.info('resumed %d', i)
        messages = [r.message for r in db_api.list_op_log_records('vnf-1')]
        self.assertEqual(11, len(messages))
        self.assertEqual('line 0', messages[0])
        self.assertEqual(['resumed %d' % i for i in range(5)],
                         messages[-5:])

    def test_other_threads_and_nested_scopes(self):
        def elsewhere(text):
            LOG.info(text)

        with oplog.capturing('vnf-1', 'op-1', request_id='req-1'):
            with oplog.capturing('vnf-1', 'op-1'):
                LOG.info('nested')
            # A flow's step: its executor runs it in a copy of the
            # flow's context (flows.common.ContextExecutor).
            step = threading.Thread(
                target=contextvars.copy_context().run,
                args=(elsewhere, 'a step of the flow'))
            step.start()
            step.join()
            other = threading.Thread(target=elsewhere,
                                     args=('unrelated work',))
            other.start()
            other.join()
        rows = db_api.list_op_log_records('vnf-1')
        self.assertEqual(['nested', 'a step of the flow'],
                         [r.message for r in rows])
        self.assertEqual({'req-1'}, {r.request_id for r in rows})

    def test_old_records_go(self):
        self.conf.config(retention_days=2, group='diagnostics')
        old = timeutils.utcnow() - datetime.timedelta(days=3)
        db_api.add_op_log_records([{
            'vnf_instance_id': 'vnf-1', 'op_occ_id': 'op-0',
            'created_at': old, 'level': 'INFO', 'logger': 'x',
            'message': 'old'}], 10, 1)
        with oplog.capturing('vnf-1', 'op-1'):
            LOG.info('new')
        self.assertEqual(['new'], [
            r.message for r in db_api.list_op_log_records('vnf-1')])

    def test_a_failing_store_does_not_fail_the_work(self):
        self.useFixture(base.fixtures.MockPatch(
            'vnfsnap.db.api.add_op_log_records',
            side_effect=RuntimeError('database away')))
        with oplog.capturing('vnf-1', 'op-1'):
            LOG.info('kept in memory only')
        self.assertEqual([], db_api.list_op_log_records('vnf-1'))
