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

"""Prepare/done notices to a VNF, against a real HTTP endpoint on
loopback that records what it gets and answers as each test tells it."""

import base64
import time

from vnfsnap.common import exception
from vnfsnap.common import states
from vnfsnap.conductor.flows import common
from vnfsnap.conductor.flows import revert_to_snapshot
from vnfsnap.db import api as db_api
from vnfsnap.tests import base
from vnfsnap.tests.fixtures import database as db_utils
from vnfsnap.tests.fixtures import fake_vim
from vnfsnap.tests.fixtures import fake_vnf
from vnfsnap.tests.fixtures import notify_endpoint

FakeVim = fake_vim.FakeVim


class NotifyTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        self.endpoint = notify_endpoint.Endpoint()
        self.addCleanup(self.endpoint.stop)
        self.conf.config(done_attempts=2, group='vnf_notifications')

    def register(self, n=2, credentials=None, ack_timeout=None):
        inst = fake_vnf.register_vnf(n)
        stored = {'callbackUri': self.endpoint.url + '/hook'}
        if credentials:
            stored['credentials'] = credentials
        if ack_timeout:
            stored['ackTimeout'] = ack_timeout
        return db_api.set_snapshot_notifications(None, inst.id, stored)

    def create(self, inst):
        return fake_vnf.run_create_flow(inst)


class TestCreate(NotifyTestCase):

    def test_acknowledged_prepare_then_done(self):
        inst = self.register()
        op, info = self.create(inst)
        prepare, done = self.endpoint.notices()
        self.assertEqual(['PREPARE', 'DONE'],
                         [prepare['phase'], done['phase']])
        self.assertEqual('COMPLETED', done['outcome'])
        self.assertEqual('VnfSnapshotNotification',
                         prepare['notificationType'])
        self.assertEqual(['vnfc-0', 'vnfc-1'], prepare['vnfcInstanceIds'])
        self.assertEqual((states.CREATE_SNAPSHOT, inst.id, op.id, info.id),
                         (prepare['operation'], prepare['vnfInstanceId'],
                          prepare['vnfLcmOpOccId'],
                          prepare['vnfSnapshotInfoId']))
        rows = db_api.get_vnf_snapshot_info(None, info.id).vnfc_snapshots
        self.assertEqual({states.CONSISTENCY_APPLICATION},
                         {r.consistency_level for r in rows})
        self.assertTrue(all('vnf_prepared_at' in r.vim_details
                            for r in rows))

    def test_refused_or_silent_vnf_aborts_before_anything(self):
        for answer, delay, words in (
                ((200, {'acknowledged': False, 'reason': 'busy\nnow'}), 0,
                 'HTTP 200, reason: busynow'),
                ((503, None), 0, 'HTTP 503'),
                ((204, None), 2, 'no answer within 1 s')):
            with self.subTest(answer=answer, delay=delay):
                FakeVim.calls.clear()
                self.endpoint.received.clear()
                self.endpoint.answers, self.endpoint.delays = [answer], [delay]
                inst = self.register(ack_timeout=1)
                e = self.assertRaises(exception.VnfNotReady, self.create,
                                      inst)
                self.assertEqual(409, e.code)
                self.assertIn(words, e.message)
                self.assertEqual([], FakeVim.calls)
                # The VNF saw "prepare" (and may hold its writes): "done".
                deadline = time.monotonic() + 10
                while len(self.endpoint.notices()) < 2:
                    self.assertLess(time.monotonic(), deadline)
                    time.sleep(0.05)
                self.assertEqual([('PREPARE', None), ('DONE', 'FAILED')], [
                    (n['phase'], n.get('outcome'))
                    for n in self.endpoint.notices()])

    def test_unreachable_endpoint_gets_no_done(self):
        inst = self.register()
        self.endpoint.stop()
        e = self.assertRaises(exception.VnfNotReady, self.create, inst)
        self.assertIn('ConnectionError', e.message)
        self.assertFalse(e.delivered)
        self.assertEqual([], FakeVim.calls)

    def test_done_failed_after_a_failure_and_guests_thawed(self):
        inst = self.register()
        FakeVim.fail[('create', 'vm-1')] = 'disk full'
        self.assertRaises(exception.VimError, self.create, inst)
        phases = [(n['phase'], n.get('outcome'))
                  for n in self.endpoint.notices()]
        self.assertEqual([('PREPARE', None), ('DONE', 'FAILED')], phases)
        for guest in FakeVim.guests.values():
            self.assertFalse(guest['frozen'])

    def test_undelivered_done_does_not_fail_the_operation(self):
        inst = self.register()
        self.endpoint.answers = [(204, None), (500, None), (500, None)]
        _, info = self.create(inst)
        self.assertEqual(['PREPARE', 'DONE', 'DONE'],
                         [n['phase'] for n in self.endpoint.notices()])
        self.assertIsNotNone(db_api.get_vnf_snapshot_info(
            None, info.id).snapshot_id)

    def test_basic_and_oauth2_credentials(self):
        inst = self.register(credentials={'auth_type': 'BASIC',
                                          'username': 'vnf',
                                          'password': 's3cret'})
        self.create(inst)
        headers = self.endpoint.received[0][1]
        self.assertEqual('Basic ' + base64.b64encode(b'vnf:s3cret').decode(),
                         headers['Authorization'])
        self.endpoint.received.clear()
        inst = self.register(credentials={
            'auth_type': 'OAUTH2_CLIENT_CREDENTIALS', 'client_id': 'vnfm',
            'client_password': 'pw',
            'token_endpoint': self.endpoint.url + '/token'})
        self.create(inst)
        token_request = self.endpoint.received[0]
        self.assertEqual('/token', token_request[0])
        self.assertIn('grant_type=client_credentials', token_request[2])
        self.assertEqual('Bearer tok-123',
                         self.endpoint.received[1][1]['Authorization'])


class TestRevert(NotifyTestCase):

    def test_prepare_and_done_around_the_revert(self):
        inst = self.register()
        _, info = self.create(inst)
        self.endpoint.received.clear()
        op = db_utils.make_op(inst.id, info.id,
                              operation=states.REVERT_TO_SNAPSHOT)
        flow, store = revert_to_snapshot.build(op, inst)
        common.run(flow, store)
        prepare, done = self.endpoint.notices()
        self.assertEqual((states.REVERT_TO_SNAPSHOT, 'COMPLETED'),
                         (prepare['operation'], done['outcome']))
        self.assertEqual(['vnfc-0', 'vnfc-1'], prepare['vnfcInstanceIds'])
        reverts = [i for i, c in enumerate(FakeVim.calls)
                   if c[0] == 'revert']
        self.assertEqual(2, len(reverts))
