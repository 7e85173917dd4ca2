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

"""/vnflcm/v2/subscriptions and the delivery of VNF LCM operation
occurrence notifications, against a real subscriber on loopback."""

import json
from unittest import mock

from oslo_utils import timeutils

from vnfsnap.common import context
from vnfsnap.common import states
from vnfsnap.conductor import lccn
from vnfsnap.db import api as db_api
from vnfsnap.tests import base
from vnfsnap.tests.fixtures import callbacks
from vnfsnap.tests.fixtures import database as db_utils
from vnfsnap.tests.fixtures import notify_endpoint

URL = '/vnflcm/v2/subscriptions'


class SubscriptionTestCase(base.ApiTestCase):

    def setUp(self):
        super().setUp()
        self.subscriber = notify_endpoint.Endpoint()
        self.subscriber.scripted_path = '/lccn'
        self.addCleanup(self.subscriber.stop)
        self.callback = self.subscriber.url + '/lccn'

    def subscribe(self, **body):
        body.setdefault('callbackUri', self.callback)
        return self.post(URL, body)


class TestApi(SubscriptionTestCase):

    def test_create_show_list_delete(self):
        resp = self.subscribe(
            filter={'operationTypes': ['CREATE_SNAPSHOT']},
            authentication={'authType': ['BASIC'], 'paramsBasic': {
                'userName': 'nfvo', 'password': 'secret-pw'}})
        self.assertEqual(201, resp.status, resp.body)
        sub = resp.json
        self.assertEqual(sub['_links']['self']['href'],
                         resp.headers['Location'])
        self.assertEqual({'operationTypes': ['CREATE_SNAPSHOT']},
                         sub['filter'])
        self.assertEqual('FULL', sub['verbosity'])
        self.assertNotIn('secret-pw', resp.body.decode())
        # The callback was tested with a GET, with the credentials.
        path, headers, method = self.subscriber.received[0]
        self.assertEqual(('/lccn', 'GET'), (path, method))
        self.assertTrue(headers['Authorization'].startswith('Basic '))
        self.assertEqual(sub, self.get('%s/%s' % (URL, sub['id'])).json)
        self.assertEqual([sub], self.get(URL).json)
        self.assertEqual(204, self.request(
            'DELETE', '%s/%s' % (URL, sub['id'])).status)
        self.assertProblem(self.get('%s/%s' % (URL, sub['id'])), 404)
        self.assertEqual([], self.get(URL).json)

    def test_duplicate_points_at_the_existing_one(self):
        first = self.subscribe().json
        resp = self.subscribe()
        self.assertEqual(303, resp.status)
        self.assertEqual(first['_links']['self']['href'],
                         resp.headers['Location'])
        self.assertEqual(1, len(self.get(URL).json))

    def test_concurrent_identical_requests_store_one(self):
        """All of them pass the duplicate check before any is stored (the
        callback answers the test GET only once all have asked): the
        database keeps exactly one, the others are sent to it."""
        body = {'filter': {'operationTypes': ['CREATE_SNAPSHOT']}}
        created = callbacks.race_identical_subscriptions(self, body)
        # Another filter is another subscription.
        resp = self.post(URL, dict(body, filter={},
                                   callbackUri=created.json['callbackUri']))
        self.assertEqual(201, resp.status, resp.body)

    def test_callback_must_answer_the_test_get_with_204(self):
        self.subscriber.get_status = 200
        resp = self.subscribe()
        self.assertProblem(resp, 422)
        self.assertIn('HTTP 200, not 204', resp.json['detail'])
        resp = self.subscribe(callbackUri='http://127.0.0.1:9/none')
        self.assertProblem(resp, 422)
        self.assertEqual([], self.get(URL).json)

    def test_callback_host_that_cannot_be_a_host_name(self):
        # schemathesis found it: a host label over 63 characters made the
        # test GET raise urllib3's LocationParseError, a 500.
        for uri in ('https://%s/' % ('0' * 64), 'http://a..b/'):
            with self.subTest(uri=uri):
                resp = self.subscribe(callbackUri=uri)
                self.assertProblem(resp, 422)
                self.assertIn('did not answer the test GET',
                              resp.json['detail'])
        self.assertEqual([], self.get(URL).json)

    def test_bad_requests(self):
        for body in ({}, {'callbackUri': 'ftp://x/'},
                     {'callbackUri': self.callback, 'verbosity': 'LOUD'},
                     {'callbackUri': self.callback,
                      'filter': {'operationTypes': ['INSTANTIATE']}},
                     {'callbackUri': self.callback,
                      'filter': {'colour': 'red'}},
                     {'callbackUri': self.callback, 'authentication': {
                         'authType': ['TLS_CERT']}},
                     {'callbackUri': self.callback, 'filter': {
                         'vnfInstanceSubscriptionFilter': {
                             'vnfdIds': ['d'],
                             'vnfProductsFromProviders': [
                                 {'vnfProvider': 'acme'}]}}},
                     {'callbackUri': self.callback, 'filter': {
                         'vnfInstanceSubscriptionFilter': {
                             'vnfProductsFromProviders': [
                                 {'vnfProducts': [
                                     {'vnfProductName': 'fw'}]}]}}}):
            with self.subTest(body=body):
                self.assertProblem(self.post(URL, body), 400)
        self.assertEqual([], self.get(URL).json)


class TestDelivery(SubscriptionTestCase):

    def setUp(self):
        super().setUp()
        self.conf.config(retry_interval=0.01, max_attempts=2,
                         group='notifications')
        # Only the test delivers: the in-process conductor's own dispatcher
        # (every poll_interval, in real time) would otherwise claim an
        # event between two of the test's rounds on a slow machine, and
        # its delivery would still be in flight when the test counts.
        self.conductor.manager._notifier.stop()
        self.dispatcher = lccn.Dispatcher('cond-1')

    def op_through(self, *to_states, **values):
        inst = self.register_vnf()
        info = self.new_snapshot_info()
        op = db_utils.make_op(inst['id'], info['id'],
                              project=context.NOAUTH_PROJECT, **values)
        current = states.STARTING
        for state in to_states:
            db_api.transition_op_occ(op.id, (current,), state)
            current = state
        return inst, op

    def deliver(self):
        while self.dispatcher.run_once():
            pass

    def test_start_and_result_notifications(self):
        sub = self.subscribe().json
        inst, op = self.op_through(states.PROCESSING, states.COMPLETED)
        self.deliver()
        notes = self.subscriber.notices('/lccn')
        self.assertEqual(
            [('START', 'STARTING'), ('START', 'PROCESSING'),
             ('RESULT', 'COMPLETED')],
            [(n['notificationStatus'], n['operationState'])
             for n in notes])
        note = notes[-1]
        self.assertEqual(
            ('VnfLcmOperationOccurrenceNotification', sub['id'],
             inst['id'], 'CREATE_SNAPSHOT', op.id, False),
            (note['notificationType'], note['subscriptionId'],
             note['vnfInstanceId'], note['operation'],
             note['vnfLcmOpOccId'], note['isAutomaticInvocation']))
        self.assertEqual({'vnfInstance', 'subscription', 'vnfLcmOpOcc',
                          'vnfSnapshot'}, set(note['_links']))
        self.assertEqual([], db_api.claim_op_occ_events('x', 10, 60))

    def test_filters(self):
        self.subscribe(filter={'operationStates': ['FAILED_TEMP']})
        self.op_through(states.PROCESSING, states.FAILED_TEMP,
                        error={'status': 409, 'detail': 'disk full'})
        self.deliver()
        note, = self.subscriber.notices('/lccn')
        self.assertEqual(('RESULT', 'FAILED_TEMP', 'disk full'),
                         (note['notificationStatus'],
                          note['operationState'], note['error']['detail']))

    def test_products_from_providers_and_names(self):
        def by_instance(**criteria):
            return {'vnfInstanceSubscriptionFilter': criteria}
        version = {'vnfSoftwareVersion': '1.0', 'vnfdVersions': ['1.0']}
        matching = (
            by_instance(vnfProductsFromProviders=[{'vnfProvider': 'acme'}]),
            by_instance(vnfProductsFromProviders=[
                {'vnfProvider': 'other'},
                {'vnfProvider': 'acme', 'vnfProducts': [
                    {'vnfProductName': 'fw', 'versions': [version]}]}]),
            by_instance(vnfInstanceNames=['demo']))
        missing = (
            by_instance(vnfProductsFromProviders=[
                {'vnfProvider': 'acme', 'vnfProducts': [
                    {'vnfProductName': 'router'}]}]),
            by_instance(vnfProductsFromProviders=[
                {'vnfProvider': 'acme', 'vnfProducts': [
                    {'vnfProductName': 'fw', 'versions': [
                        dict(version, vnfdVersions=['2.0'])]}]}]),
            by_instance(vnfInstanceNames=['other']))
        for i, f in enumerate(matching + missing):
            resp = self.subscribe(filter=f,
                                  callbackUri=self.callback + '/%d' % i)
            self.assertEqual(201, resp.status, resp.body)
        self.op_through(states.PROCESSING)
        self.deliver()
        paths = {path for path, _, body in self.subscriber.received
                 if body != 'GET'}
        self.assertEqual({'/lccn/%d' % i for i in range(len(matching))},
                         paths)

    def test_database_errors_never_drop_an_event(self):
        self.subscribe()
        self.op_through(states.PROCESSING)
        with mock.patch.object(db_api, 'get_op_occ',
                               side_effect=RuntimeError('database away')):
            self.assertRaises(RuntimeError, self.dispatcher.run_once)
        self.assertEqual([], self.subscriber.notices('/lccn'))
        # Claimed, not finished: another conductor takes them once the
        # claim is stale.
        self.assertEqual(['PROCESSING', 'STARTING'], sorted(
            e.operation_state for e in
            db_api.claim_op_occ_events('cond-2', 10, stale_after=0)))

    def test_retried_then_given_up(self):
        # The clock stands still unless the test moves it: a retry is
        # never due within one delivery round, however slow the machine.
        timeutils.set_time_override()
        self.addCleanup(timeutils.clear_time_override)
        self.subscribe()
        self.subscriber.answers = [(500, None), (204, None)]
        self.op_through()
        self.deliver()
        self.assertEqual(1, len(self.subscriber.notices('/lccn')))
        self.deliver()
        self.assertEqual(1, len(self.subscriber.notices('/lccn')))
        timeutils.advance_time_seconds(1)
        self.deliver()
        self.assertEqual(2, len(self.subscriber.notices('/lccn')))
        # Always failing: given up after max_attempts.
        self.subscriber.answer = (500, None)
        self.op_through()
        for _ in range(3):
            timeutils.advance_time_seconds(1)
            self.deliver()
        self.assertEqual(4, len(self.subscriber.notices('/lccn')))

    def test_credentials_used(self):
        self.subscribe(authentication={
            'authType': ['BASIC'],
            'paramsBasic': {'userName': 'nfvo', 'password': 'pw'}})
        self.op_through()
        self.deliver()
        headers = [h for p, h, b in self.subscriber.received
                   if p == '/lccn' and b != 'GET'][0]
        self.assertTrue(headers['Authorization'].startswith('Basic '))
        self.assertNotIn('pw', json.dumps(self.get(URL).json))
