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

"""/vnflcm/v2/vnf_lcm_op_occs: occurrences and their retry, rollback, fail
and cancel tasks."""

import time

import fixtures

from vnfsnap.common import states
from vnfsnap.db import api as db_api
from vnfsnap.tests import base
from vnfsnap.tests.fixtures import fake_vim

URL = '/vnflcm/v2/vnf_lcm_op_occs'
TASKS = ('retry', 'rollback', 'fail', 'cancel')
CANCEL = {'cancelMode': 'GRACEFUL'}


class OpOccsTestCase(base.ApiTestCase):

    def setUp(self):
        super().setUp()
        self.inst = self.register_vnf()

    def occ(self, op_id):
        resp = self.get('%s/%s' % (URL, op_id))
        self.assertEqual(200, resp.status, resp.body)
        return resp.json

    def task(self, op_id, task, body=None):
        if task == 'cancel' and body is None:
            body = CANCEL
        return self.post('%s/%s/%s' % (URL, op_id, task), body)

    def start(self, operation='create_snapshot', info_id=None):
        if info_id is None:
            info_id = self.new_snapshot_info()['id']
        resp = self.post('/vnflcm/v2/vnf_instances/%s/%s'
                         % (self.inst['id'], operation),
                         {'vnfSnapshotInfoId': info_id})
        return self.op_id_from(resp), info_id

    def failed_create(self):
        """A CREATE_SNAPSHOT left in FAILED_TEMP by a VIM failure."""
        fake_vim.FakeVim.fail[('create', 'vm-1')] = 'disk full'
        op_id, info_id = self.start()
        op = self.wait_for_op(op_id)
        self.assertEqual(states.FAILED_TEMP, op.operation_state)
        del fake_vim.FakeVim.fail[('create', 'vm-1')]
        return op_id, info_id

    def failed_revert(self):
        info_id, op = self.take_snapshot(self.inst['id'])
        self.assertEqual(states.COMPLETED, op.operation_state, op.error)
        fake_vim.FakeVim.fail[('revert', 'vm-0')] = 'host down'
        op_id, _ = self.start('revert_to_snapshot', info_id)
        op = self.wait_for_op(op_id)
        self.assertEqual(states.FAILED_TEMP, op.operation_state)
        del fake_vim.FakeVim.fail[('revert', 'vm-0')]
        return op_id, info_id

    def running_create(self, seconds=0.5):
        """An occurrence inside its VIM snapshot step (not merely
        PROCESSING: a cancel before the first step would undo nothing)."""
        fake_vim.FakeVim.delay[('create', 'vm-0')] = seconds
        op_id, info_id = self.start()
        deadline = time.monotonic() + 10
        while ('create', 'vm-0') not in fake_vim.FakeVim.calls:
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.005)
        return op_id, info_id

    def task_links(self, occ):
        return sorted(set(occ['_links']) & set(TASKS))

    def assertInstanceFree(self):
        self.assertIsNone(db_api.get_vnf_instance(
            None, self.inst['id']).reservation)

    def assertVnfClean(self):
        self.assertEqual({}, fake_vim.FakeVim.snapshots)
        for rid, guest in fake_vim.FakeVim.guests.items():
            self.assertFalse(guest['frozen'], rid)


class TestQuery(OpOccsTestCase):

    def test_get_one_completed(self):
        info_id, op = self.take_snapshot(self.inst['id'], withMemory=True)
        resp = self.get('%s/%s' % (URL, op.id))
        self.assertEqual(200, resp.status)
        self.assertEqual('2.0.0', resp.headers['Version'])
        self.assertTrue(resp.headers['ETag'])
        self.assertTrue(resp.headers['Last-Modified'])
        occ = resp.json
        self.assertEqual(
            {'id', 'operationState', 'stateEnteredTime', 'startTime',
             'vnfInstanceId', 'operation', 'isAutomaticInvocation',
             'operationParams', 'isCancelPending', 'vnfSnapshotInfoId',
             '_links'}, set(occ))
        self.assertEqual(op.id, occ['id'])
        self.assertEqual(states.COMPLETED, occ['operationState'])
        self.assertEqual(states.CREATE_SNAPSHOT, occ['operation'])
        self.assertEqual(self.inst['id'], occ['vnfInstanceId'])
        self.assertEqual(info_id, occ['vnfSnapshotInfoId'])
        self.assertIs(False, occ['isAutomaticInvocation'])
        self.assertIs(False, occ['isCancelPending'])
        self.assertEqual({'vnfSnapshotInfoId': info_id,
                          'additionalParams': {'withMemory': True}},
                         occ['operationParams'])
        self.assertTrue(occ['startTime'].endswith('Z'))
        self.assertTrue(occ['stateEnteredTime'].endswith('Z'))
        base_url = 'http://localhost/vnflcm/v2'
        self.assertEqual({
            'self': {'href': '%s/vnf_lcm_op_occs/%s' % (base_url, op.id)},
            'vnfInstance': {'href': '%s/vnf_instances/%s'
                            % (base_url, self.inst['id'])},
            'vnfSnapshot': {'href': '%s/vnf_snapshots/%s'
                            % (base_url, info_id)},
        }, occ['_links'])

    def test_task_links_follow_the_state(self):
        op_id, _ = self.failed_create()
        occ = self.occ(op_id)
        self.assertEqual(['fail', 'retry', 'rollback'], self.task_links(occ))
        self.assertEqual(occ['_links']['self']['href'] + '/retry',
                         occ['_links']['retry']['href'])
        self.assertIsInstance(occ['error']['status'], int)
        self.assertIn('disk full', occ['error']['detail'])
        self.task(op_id, 'fail')
        self.assertEqual([], self.task_links(self.occ(op_id)))

    def test_revert_offers_no_rollback(self):
        op_id, _ = self.failed_revert()
        occ = self.occ(op_id)
        self.assertEqual(states.REVERT_TO_SNAPSHOT, occ['operation'])
        self.assertEqual(['fail', 'retry'], self.task_links(occ))

    def test_safety_snapshot_linked(self):
        info_id, op = self.take_snapshot(self.inst['id'])
        self.assertEqual(states.COMPLETED, op.operation_state, op.error)
        resp = self.post('/vnflcm/v2/vnf_instances/%s/revert_to_snapshot'
                         % self.inst['id'],
                         {'vnfSnapshotInfoId': info_id,
                          'additionalParams': {'safetySnapshot': True}})
        op = self.wait_for_op(self.op_id_from(resp))
        self.assertEqual(states.COMPLETED, op.operation_state, op.error)
        href = self.occ(op.id)['_links']['safetyVnfSnapshot']['href']
        safety_id = href.rsplit('/', 1)[-1]
        self.assertNotEqual(info_id, safety_id)
        snap = self.get('/vnflcm/v2/vnf_snapshots/%s' % safety_id).json
        self.assertEqual(2, len(snap['vnfSnapshot']['vnfcSnapshots']))
        self.assertEqual(op.id, snap['vnfSnapshot']['userDefinedData'][
            'vnfsnapSafetySnapshotOf'])
        # Without it, no link.
        resp = self.post('/vnflcm/v2/vnf_instances/%s/revert_to_snapshot'
                         % self.inst['id'], {'vnfSnapshotInfoId': info_id})
        op = self.wait_for_op(self.op_id_from(resp))
        self.assertNotIn('safetyVnfSnapshot', self.occ(op.id)['_links'])

    def test_guards_shown_per_vnfc(self):
        # vnfsnap extension: what the VIM's guards did (armed, released,
        # fired), one entry per interruption, updated in place.
        info_id, op = self.take_snapshot(self.inst['id'])
        self.assertNotIn('guards', self.occ(op.id))
        armed = {'kind': 'detach', 'vnfcId': 'vnfc-0', 'resourceId': 'vol-0',
                 'deadline': '2026-12-06T20:00:00Z', 'deadlineSeconds': 900,
                 'state': 'armed'}
        db_api.record_op_guard(op.id, 'vnfc-0', armed)
        db_api.record_op_guard(op.id, 'vnfc-1', dict(
            armed, kind='pause', resourceId=None, vnfcId='vnfc-1'))
        db_api.record_op_guard(op.id, 'vnfc-0', {
            'kind': 'detach', 'resourceId': 'vol-0', 'state': 'fired',
            'firedAt': '2026-12-06T20:00:01Z'})
        del armed['vnfcId']
        pause = dict(armed, kind='pause', vnfcInstanceId='vnfc-1')
        del pause['resourceId']
        self.assertEqual([dict(armed, vnfcInstanceId='vnfc-0',
                               state='fired',
                               firedAt='2026-12-06T20:00:01Z'), pause],
                         self.occ(op.id)['guards'])

    def test_running_offers_cancel(self):
        op_id, _ = self.running_create()
        self.assertEqual(['cancel'], self.task_links(self.occ(op_id)))
        self.wait_for_op(op_id)

    def test_list_default_exclusions(self):
        _, done = self.take_snapshot(self.inst['id'])
        self.task(done.id, 'fail')
        failed_id, _ = self.failed_create()
        resp = self.get(URL)
        self.assertEqual(200, resp.status)
        self.assertEqual([done.id, failed_id], [o['id'] for o in resp.json])
        for occ in resp.json:
            self.assertNotIn('operationParams', occ)
            self.assertNotIn('error', occ)
            self.assertIn('vnfSnapshotInfoId', occ)
            self.assertIn('_links', occ)
        listed = self.get(URL + '?all_fields').json
        self.assertIn('operationParams', listed[0])
        self.assertIn('disk full', listed[1]['error']['detail'])
        self.assertEqual(self.occ(failed_id), listed[1])
        listed = self.get(URL + '?fields=error').json
        self.assertIn('error', listed[1])
        self.assertNotIn('operationParams', listed[1])

    def test_list_filter(self):
        _, done = self.take_snapshot(self.inst['id'])
        failed_id, _ = self.failed_create()

        def ids(expr):
            resp = self.get(URL + '?filter=' + expr)
            self.assertEqual(200, resp.status, resp.body)
            return [o['id'] for o in resp.json]

        self.assertEqual([failed_id], ids('(eq,operationState,FAILED_TEMP)'))
        self.assertEqual([done.id], ids('(neq,operationState,FAILED_TEMP)'))
        self.assertEqual([done.id, failed_id],
                         ids('(in,operationState,COMPLETED,FAILED_TEMP)'))
        self.assertEqual([], ids('(eq,operation,REVERT_TO_SNAPSHOT)'))
        self.assertEqual([failed_id], ids(
            '(eq,operationState,FAILED_TEMP);(eq,vnfInstanceId,%s)'
            % self.inst['id']))
        self.assertEqual([failed_id], ids('(cont,error/detail,disk)'))
        self.assertEqual([done.id], ids('(eq,isCancelPending,false);'
                                        '(eq,operationState,COMPLETED)'))
        self.assertProblem(self.get(URL + '?filter=(eq,operationState'), 400)

    def test_unknown(self):
        self.assertProblem(self.get(URL + '/nope'), 404)
        for task in TASKS:
            with self.subTest(task=task):
                self.assertProblem(self.task('nope', task), 404)
        self.assertProblem(self.get(URL + '/nope/heal'), 404)

    def test_get_one_refuses_query_parameters(self):
        _, op = self.take_snapshot(self.inst['id'])
        self.assertProblem(self.get('%s/%s?all_fields' % (URL, op.id)), 400)

    def test_methods(self):
        _, op = self.take_snapshot(self.inst['id'])
        for method in ('POST', 'PUT', 'PATCH', 'DELETE'):
            with self.subTest(method=method):
                resp = self.request(method, URL)
                self.assertProblem(resp, 405)
                self.assertEqual('GET', resp.headers['Allow'])
                resp = self.request(method, '%s/%s' % (URL, op.id))
                self.assertProblem(resp, 405)
                self.assertEqual('GET', resp.headers['Allow'])
        for task in TASKS:
            for method in ('GET', 'PUT', 'PATCH', 'DELETE'):
                with self.subTest(task=task, method=method):
                    resp = self.request(method, '%s/%s/%s'
                                        % (URL, op.id, task))
                    self.assertProblem(resp, 405)
                    self.assertEqual('POST', resp.headers['Allow'])


class TestRetry(OpOccsTestCase):

    def test_retry_create(self):
        op_id, info_id = self.failed_create()
        resp = self.task(op_id, 'retry')
        self.assertEqual(202, resp.status, resp.body)
        self.assertEqual(b'', resp.body)
        op = self.wait_for_op(op_id)
        self.assertEqual(states.COMPLETED, op.operation_state, op.error)
        occ = self.occ(op_id)
        self.assertNotIn('error', occ)
        snap = self.get('/vnflcm/v2/vnf_snapshots/%s' % info_id).json
        self.assertEqual(2, len(snap['vnfSnapshot']['vnfcSnapshots']))
        self.assertEqual(2, len(fake_vim.FakeVim.snapshots))
        self.assertInstanceFree()

    def test_retry_that_fails_again(self):
        op_id, _ = self.failed_create()
        fake_vim.FakeVim.fail[('create', 'vm-0')] = 'still broken'
        self.assertEqual(202, self.task(op_id, 'retry').status)
        op = self.wait_for_op(op_id)
        self.assertEqual(states.FAILED_TEMP, op.operation_state)
        self.assertIn('still broken', self.occ(op_id)['error']['detail'])
        self.assertVnfClean()

    def test_retry_revert(self):
        op_id, _ = self.failed_revert()
        for guest in fake_vim.FakeVim.guests.values():
            guest['disk']['file'] = 'changed'
        self.assertEqual(202, self.task(op_id, 'retry').status)
        op = self.wait_for_op(op_id)
        self.assertEqual(states.COMPLETED, op.operation_state, op.error)
        for guest in fake_vim.FakeVim.guests.values():
            self.assertEqual({'file': 'v0'}, guest['disk'])


class TestRollback(OpOccsTestCase):

    def test_rollback_create(self):
        op_id, info_id = self.failed_create()
        resp = self.task(op_id, 'rollback')
        self.assertEqual(202, resp.status, resp.body)
        self.assertEqual(b'', resp.body)
        op = self.wait_for_op(op_id)
        self.assertEqual(states.ROLLED_BACK, op.operation_state, op.error)
        self.assertEqual([], self.task_links(self.occ(op_id)))
        self.assertInstanceFree()
        self.assertVnfClean()
        self.assertNotIn('vnfSnapshot', self.get(
            '/vnflcm/v2/vnf_snapshots/%s' % info_id).json)
        # The instance and the VNF snapshot are free again.
        new_op, _ = self.start(info_id=info_id)
        op = self.wait_for_op(new_op)
        self.assertEqual(states.COMPLETED, op.operation_state, op.error)

    def test_rollback_revert_is_refused(self):
        op_id, _ = self.failed_revert()
        resp = self.task(op_id, 'rollback')
        self.assertProblem(resp, 409)
        self.assertIn('Rollback of REVERT_TO_SNAPSHOT is not supported',
                      resp.json['detail'])
        self.assertIn('retry', resp.json['detail'].lower())
        self.assertEqual(states.FAILED_TEMP,
                         self.occ(op_id)['operationState'])


class TestFail(OpOccsTestCase):

    def test_fail(self):
        op_id, info_id = self.failed_create()
        resp = self.task(op_id, 'fail')
        self.assertEqual(200, resp.status, resp.body)
        self.assertEqual('application/json', resp.content_type)
        self.assertTrue(resp.headers['ETag'])
        self.assertEqual(states.FAILED, resp.json['operationState'])
        self.assertIn('disk full', resp.json['error']['detail'])
        self.assertEqual(self.occ(op_id), resp.json)
        self.assertEqual([], self.task_links(resp.json))
        # Everything it held is released.
        self.assertInstanceFree()
        self.assertVnfClean()
        self.assertEqual(204, self.request(
            'DELETE', '/vnflcm/v2/vnf_snapshots/%s' % info_id).status)
        self.assertEqual(204, self.request(
            'DELETE', '/vnflcm/v2/vnf_instances/%s' % self.inst['id']).status)

    def test_fail_revert(self):
        op_id, info_id = self.failed_revert()
        resp = self.task(op_id, 'fail')
        self.assertEqual(200, resp.status, resp.body)
        self.assertEqual(states.FAILED, resp.json['operationState'])
        self.assertInstanceFree()
        self.assertIsNone(db_api.get_vnf_snapshot_info(
            None, info_id).reservation)


class TestCancel(OpOccsTestCase):

    def test_cancel_processing(self):
        op_id, info_id = self.running_create()
        resp = self.task(op_id, 'cancel', {'cancelMode': 'FORCEFUL'})
        self.assertEqual(202, resp.status, resp.body)
        self.assertEqual(b'', resp.body)
        occ = self.occ(op_id)
        if occ['operationState'] == states.PROCESSING:
            self.assertIs(True, occ['isCancelPending'])
            self.assertEqual('FORCEFUL', occ['cancelMode'])
        op = self.wait_for_op(op_id)
        self.assertEqual(states.FAILED_TEMP, op.operation_state)
        occ = self.occ(op_id)
        self.assertIs(False, occ['isCancelPending'])
        self.assertNotIn('cancelMode', occ)
        self.assertIn('cancelled', occ['error']['detail'])
        # What the run did was undone.
        self.assertIn(('create', 'vm-0'), fake_vim.FakeVim.calls)
        self.assertVnfClean()
        self.assertNotIn('vnfSnapshot', self.get(
            '/vnflcm/v2/vnf_snapshots/%s' % info_id).json)
        # ... and the client decides what comes next.
        self.assertEqual(['fail', 'retry', 'rollback'], self.task_links(occ))
        self.assertEqual(202, self.task(op_id, 'rollback').status)
        op = self.wait_for_op(op_id)
        self.assertEqual(states.ROLLED_BACK, op.operation_state, op.error)
        self.assertInstanceFree()

    def test_cancel_pending_ends_with_the_run(self):
        """A cancellation the run no longer acts on (a revert checks only
        before it starts) is not shown as pending once the run is over."""
        info_id, op = self.take_snapshot(self.inst['id'])
        fake_vim.FakeVim.delay[('revert', 'vm-0')] = 0.3
        op_id, _ = self.start('revert_to_snapshot', info_id)
        self.wait_for_op(op_id, wanted={states.PROCESSING})
        self.assertEqual(202, self.task(op_id, 'cancel').status)
        op = self.wait_for_op(op_id)
        occ = self.occ(op_id)
        self.assertEqual(op.operation_state, occ['operationState'])
        self.assertIs(False, occ['isCancelPending'])
        self.assertNotIn('cancelMode', occ)
        self.assertEqual(
            [], self.ids('(eq,isCancelPending,true)'))

    def ids(self, expr):
        return [o['id'] for o in self.get(URL + '?filter=' + expr).json]

    def test_cancel_starting(self):
        """Not yet taken by a conductor: nothing ran, nothing to undo."""
        self.useFixture(fixtures.MockPatchObject(
            self.conductor.manager, 'run_lcm_op_occ'))
        op_id, info_id = self.start()
        self.assertEqual(states.STARTING, self.occ(op_id)['operationState'])
        resp = self.task(op_id, 'cancel')
        self.assertEqual(202, resp.status, resp.body)
        occ = self.occ(op_id)
        self.assertEqual(states.ROLLED_BACK, occ['operationState'])
        self.assertNotIn('cancelMode', occ)
        self.assertIs(False, occ['isCancelPending'])
        self.assertInstanceFree()
        self.assertIsNone(db_api.get_vnf_snapshot_info(
            None, info_id).reservation)
        self.assertEqual([], fake_vim.FakeVim.calls)

    def test_bad_bodies(self):
        op_id, _ = self.running_create()
        for body in ({}, {'cancelMode': 'SOFT'}, {'cancelMode': None},
                     {'cancelMode': 'GRACEFUL', 'why': 'x'}, []):
            with self.subTest(body=body):
                self.assertProblem(self.task(op_id, 'cancel', body), 400)
        resp = self.post('%s/%s/cancel' % (URL, op_id), raw_body=b'{',
                         content_type='application/json')
        self.assertProblem(resp, 400)
        resp = self.post('%s/%s/cancel' % (URL, op_id), raw_body=b'',
                         content_type='application/json')
        self.assertProblem(resp, 400)
        resp = self.post('%s/%s/cancel' % (URL, op_id),
                         raw_body=b'{"cancelMode": "GRACEFUL"}',
                         content_type='text/plain')
        self.assertProblem(resp, 415)
        self.assertIs(False, self.occ(op_id)['isCancelPending'])
        op = self.wait_for_op(op_id)
        self.assertEqual(states.COMPLETED, op.operation_state, op.error)


class TestTaskStates(OpOccsTestCase):
    """A task from a state that does not allow it is a 409."""

    def assertRefused(self, op_id, tasks):
        before = self.occ(op_id)
        for task in tasks:
            with self.subTest(task=task, state=before['operationState']):
                resp = self.task(op_id, task)
                self.assertProblem(resp, 409)
                self.assertIn(before['operationState'], resp.json['detail'])
        after = self.occ(op_id)
        self.assertEqual(before['operationState'], after['operationState'])
        self.assertEqual(before['isCancelPending'], after['isCancelPending'])

    def test_completed(self):
        _, op = self.take_snapshot(self.inst['id'])
        self.assertRefused(op.id, TASKS)

    def test_failed_temp(self):
        op_id, _ = self.failed_create()
        self.assertRefused(op_id, ('cancel',))

    def test_failed(self):
        op_id, _ = self.failed_create()
        self.task(op_id, 'fail')
        self.assertRefused(op_id, TASKS)

    def test_rolled_back(self):
        op_id, _ = self.failed_create()
        self.task(op_id, 'rollback')
        self.wait_for_op(op_id, wanted={states.ROLLED_BACK})
        self.assertRefused(op_id, TASKS)

    def test_processing(self):
        op_id, _ = self.running_create()
        self.assertRefused(op_id, ('retry', 'rollback', 'fail'))
        op = self.wait_for_op(op_id)
        self.assertEqual(states.COMPLETED, op.operation_state, op.error)
