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


"""PATCH /vnflcm/v2/vnf_instances/{id}: SOL003 "Modify VNF information",
a MODIFY_INFO occurrence run by the conductor."""

import json
import time
from unittest import mock

from vnfsnap import vim
from vnfsnap.common import states
from vnfsnap.conductor.flows import modify_info
from vnfsnap.db import api as db_api
from vnfsnap.tests import base
from vnfsnap.tests.fixtures import etsi
from vnfsnap.tests.fixtures import fake_vim
from vnfsnap.tests.fixtures import notify_endpoint

V2 = '/vnflcm/v2'
MERGE_PATCH = 'application/merge-patch+json'
SECRET = 'vim-s3cr3t'
NEW_SECRET = 'n3w-s3cr3t'
UNKNOWN_VIM = 'VNFSNAP.NOT_INSTALLED.V_1'


class ModifyTestCase(base.ApiTestCase):

    def setUp(self):
        super().setUp()
        inst = self.register_vnf(n_vnfcs=2)
        self.url = '%s/vnf_instances/%s' % (V2, inst['id'])
        # Metadata, extensions, properties and a second, unused VIM
        # connection, with credentials, as a registration gives them.
        db_api.update_vnf_instance(inst['id'], {
            'vnf_metadata': {'site': 'a', 'owner': 'ops'},
            'extensions': {'ext': 1},
            'vnf_configurable_properties': {'isAutohealEnabled': False},
            'vim_connection_info': {
                'vim1': {'vimId': 'local', 'vimType': fake_vim.VIM_TYPE,
                         'accessInfo': {'username': 'u',
                                        'password': SECRET}},
                'vim9': {'vimType': fake_vim.VIM_TYPE}}})
        self.instance_id = inst['id']
        self.inst = self.get(self.url).json

    def patch(self, body, content_type=MERGE_PATCH, **kw):
        raw = json.dumps(body).encode()
        return self.request('PATCH', self.url, raw_body=raw,
                            content_type=content_type, **kw)

    def modify(self, body, **kw):
        """PATCH, then the finished occurrence (as the API shows it)."""
        resp = self.patch(body, **kw)
        op = self.wait_for_op(self.op_id_from(resp))
        return self.get('%s/vnf_lcm_op_occs/%s' % (V2, op.id)).json

    def stored(self):
        return db_api.get_vnf_instance(None, self.instance_id)


class TestModify(ModifyTestCase):

    def test_merge_patch_of_every_attribute(self):
        etag = self.get(self.url).headers['ETag']
        resp = self.patch({
            'vnfInstanceName': 'renamed',
            'vnfInstanceDescription': 'the firewall',
            'vnfdId': 'vnfd-2',
            'metadata': {'owner': None, 'tier': 'gold'},
            'extensions': None,
            'vnfConfigurableProperties': {'isAutohealEnabled': True},
            'vimConnectionInfo': {
                'vim1': {'accessInfo': {'password': NEW_SECRET}},
                'vim9': None,
                'vim2': {'vimId': 'site-b', 'vimType': fake_vim.VIM_TYPE,
                         'accessInfo': {'token': NEW_SECRET}}},
            'vnfcInfoModifications': [
                {'id': 'vnfc-1', 'vnfcConfigurableProperties': {'x': 1}}],
        }, headers={'If-Match': etag})
        self.assertEqual(202, resp.status, resp.body)
        self.assertEqual(b'', resp.body)
        self.assertIn('/vnflcm/v2/vnf_lcm_op_occs/',
                      resp.headers['Location'])
        op = self.wait_for_op(self.op_id_from(resp))
        self.assertEqual(states.COMPLETED, op.operation_state, op.error)
        occ = self.get('%s/vnf_lcm_op_occs/%s' % (V2, op.id))
        self.assertEqual('MODIFY_INFO', occ.json['operation'])
        self.assertNotIn('vnfSnapshotInfoId', occ.json)
        self.assertNotIn('vnfSnapshot', occ.json['_links'])
        changed = occ.json['changedInfo']
        self.assertEqual({
            'vnfInstanceName': 'renamed',
            'vnfInstanceDescription': 'the firewall',
            'vnfdId': 'vnfd-2',
            'metadata': {'site': 'a', 'tier': 'gold'},
            'extensions': {},
            'vnfConfigurableProperties': {'isAutohealEnabled': True},
            'vimConnectionInfo': {
                'vim1': {'vimId': 'local', 'vimType': fake_vim.VIM_TYPE},
                'vim2': {'vimId': 'site-b', 'vimType': fake_vim.VIM_TYPE}},
            'vnfcInfoModifications': [
                {'id': 'vnfc-1', 'vnfcConfigurableProperties': {'x': 1}}],
        }, changed)
        got = self.get(self.url).json
        for attr in ('vnfInstanceName', 'vnfInstanceDescription', 'vnfdId',
                     'metadata', 'extensions', 'vnfConfigurableProperties',
                     'vimConnectionInfo'):
            self.assertEqual(changed[attr], got[attr], attr)
        # Identity attributes stay those of the registered VNFD.
        for attr in ('vnfProvider', 'vnfProductName', 'vnfSoftwareVersion',
                     'vnfdVersion', 'instantiatedVnfInfo'):
            if attr != 'instantiatedVnfInfo':
                self.assertEqual(self.inst[attr], got[attr])
        vnfc_info, = got['instantiatedVnfInfo']['vnfcInfo']
        self.assertEqual({'id': 'vnfc-1', 'vduId': 'vdu1',
                          'vnfcResourceInfoId': 'vnfc-1',
                          'vnfcState': 'STARTED',
                          'vnfcConfigurableProperties': {'x': 1}}, vnfc_info)
        # Secrets: merged and stored, never shown.
        vims = self.stored().vim_connection_info
        self.assertEqual({'username': 'u', 'password': NEW_SECRET},
                         vims['vim1']['accessInfo'])
        self.assertEqual({'token': NEW_SECRET}, vims['vim2']['accessInfo'])
        self.assertNotIn('vim9', vims)
        for text in (occ.body, self.get(self.url).body,
                     self.get(V2 + '/vnf_instances?all_fields').body,
                     self.get(V2 + '/vnf_lcm_op_occs?all_fields').body):
            self.assertNotIn(SECRET.encode(), text)
            self.assertNotIn(NEW_SECRET.encode(), text)
        # ... nor kept once the occurrence is over.
        self.assertIsNone(db_api.get_op_occ(None, op.id).private_params)
        for name, doc in (('VnfLcmOpOcc', occ.json),
                          ('VnfInfoModifications', changed),
                          ('VnfInstance', got)):
            self.assertEqual([], etsi.errors(etsi.LCM_DEFS, name, doc),
                             name)

    def test_nulls_remove(self):
        occ = self.modify({'vnfInstanceName': None, 'metadata': None,
                           'vnfcInfoModifications': [
                               {'id': 'vnfc-0',
                                'vnfcConfigurableProperties': {'a': 1}}]})
        self.assertEqual({'metadata': {}, 'vnfcInfoModifications': [
            {'id': 'vnfc-0', 'vnfcConfigurableProperties': {'a': 1}}]},
            occ['changedInfo'])
        got = self.get(self.url).json
        self.assertNotIn('vnfInstanceName', got)
        self.assertEqual({}, got['metadata'])
        occ = self.modify({'vnfcInfoModifications': [
            {'id': 'vnfc-0', 'vnfcConfigurableProperties': {'a': None}}]})
        self.assertEqual({}, self.get(self.url).json['instantiatedVnfInfo'][
            'vnfcInfo'][0]['vnfcConfigurableProperties'])

    def test_operation_params_hide_secrets(self):
        occ = self.modify({'vimConnectionInfo': {
            'vim1': {'accessInfo': {'password': NEW_SECRET}}}})
        self.assertEqual({'vimConnectionInfo': {'vim1': {}}},
                         occ['operationParams'])

    def test_not_instantiated(self):
        resp = self.post(V2 + '/vnf_instances', {
            'vnfdId': 'd', 'vnfProvider': 'p', 'vnfProductName': 'n',
            'vnfSoftwareVersion': '1', 'vnfdVersion': '1'})
        self.url = '%s/vnf_instances/%s' % (V2, resp.json['id'])
        occ = self.modify({'vimConnectionInfo': {
            'v': {'vimType': fake_vim.VIM_TYPE}}, 'metadata': {'m': 1}})
        self.assertEqual('COMPLETED', occ['operationState'])
        got = self.get(self.url).json
        self.assertEqual({'m': 1}, got['metadata'])
        self.assertEqual({'v': {'vimType': fake_vim.VIM_TYPE}},
                         got['vimConnectionInfo'])


class TestRefused(ModifyTestCase):
    """What cannot be done is refused at once; nothing changes and no
    occurrence is made."""

    def assertNothingChanged(self):
        self.assertEqual(self.inst, self.get(self.url).json)
        self.assertEqual(1, len(db_api.list_op_occs(None)))

    def setUp(self):
        super().setUp()
        # One VNF snapshot taken through vim1, before.
        _, op = self.take_snapshot(self.instance_id)
        self.assertEqual(states.COMPLETED, op.operation_state, op.error)
        self.inst = self.get(self.url).json

    def test_bad_requests(self):
        cases = [
            (400, {}), (400, []), (400, {'colour': 'red'}),
            (400, {'vnfdId': None}), (400, {'vnfInstanceName': 7}),
            (400, {'metadata': 'x'}), (400, {'vimConnectionInfo': []}),
            (400, {'vimConnectionInfo': {'v': 'x'}}),
            (400, {'vnfcInfoModifications': [{'id': 'vnfc-0'}]}),
            (400, {'vnfcInfoModifications': [
                {'id': 'vnfc-0', 'vnfcConfigurableProperties': None}]}),
            (422, {'vnfProvider': 'other'}),
            (422, {'instantiatedVnfInfo': {}}),
            (422, {'vnfPkgId': 'pkg'}),
            (422, {'vimConnectionInfo': {'vim1': None}}),
            (422, {'vimConnectionInfo': None}),
            (422, {'vimConnectionInfo': {'v3': {'vimId': 'no-type'}}}),
            (422, {'vnfcInfoModifications': [
                {'id': 'vnfc-9', 'vnfcConfigurableProperties': {}}]}),
            (422, {'vnfcInfoModifications': [
                {'id': 'vnfc-0', 'vnfcConfigurableProperties': {}},
                {'id': 'vnfc-0', 'vnfcConfigurableProperties': {}}]}),
        ]
        for status, body in cases:
            with self.subTest(body=body):
                self.assertProblem(self.patch(body), status)
        self.assertProblem(self.patch({'metadata': {}},
                                      content_type='text/plain'), 415)
        self.assertProblem(self.request(
            'PATCH', V2 + '/vnf_instances/nope', body={'metadata': {}},
            content_type=MERGE_PATCH), 404)
        self.assertNothingChanged()

    def test_reasons(self):
        for body, reason in (
                ({'vnfProvider': 'x'}, 'vnfProvider cannot be modified'),
                ({'vnfPkgId': 'x'}, 'modify vnfdId'),
                ({'vimConnectionInfo': {'vim1': None}},
                 'vimConnectionId vim1 is not in vimConnectionInfo'),
                ({'vimConnectionInfo': None},
                 'needs at least one vimConnectionInfo entry'),
                ({'vimConnectionInfo': {'vim1': {'vimType': None}}},
                 "vimConnectionInfo vim1 after the modification: body: "
                 "'vimType' is a required property")):
            with self.subTest(body=body):
                resp = self.patch(body)
                self.assertProblem(resp, 422)
                self.assertIn(reason, resp.json['detail'])
        self.assertNothingChanged()

    def test_connection_of_a_snapshot(self):
        # vim9 is used by no VNFC, but the snapshot copy lists it too.
        resp = self.patch({'vimConnectionInfo': {'vim9': None}})
        self.assertProblem(resp, 422)
        self.assertIn('was taken through it', resp.json['detail'])
        self.assertNothingChanged()

    def test_vnfd_of_another_id(self):
        db_api.update_vnf_instance(self.instance_id, {
            'vnfd': {'vnfdId': 'vnfd-1', 'provider': 'acme'}})
        self.inst = self.get(self.url).json
        resp = self.patch({'vnfdId': 'vnfd-2'})
        self.assertProblem(resp, 422)
        self.assertIn('register the VNF again', resp.json['detail'])
        occ = self.modify({'vnfdId': 'vnfd-1'})
        self.assertEqual({'vnfdId': 'vnfd-1'}, occ['changedInfo'])

    def test_preconditions(self):
        for headers in ({'If-Match': '"stale"'},
                        {'If-Unmodified-Since':
                         'Mon, 01 Jan 2001 00:00:00 GMT'}):
            with self.subTest(headers=headers):
                self.assertProblem(self.patch({'metadata': {'a': 1}},
                                              headers=headers), 412)
        self.assertNothingChanged()
        etag = self.get(self.url).headers['ETag']
        occ = self.modify({'metadata': {'a': 1}}, headers={'If-Match': etag})
        self.assertEqual('COMPLETED', occ['operationState'])
        # The representation changed: the old ETag is stale now.
        self.assertProblem(self.patch({'metadata': {'a': 2}},
                                      headers={'If-Match': etag}), 412)

    def test_changed_between_read_and_reservation(self):
        """If-Match held on the read; the instance changed before the
        occurrence could reserve it: 412, nothing started."""
        etag = self.get(self.url).headers['ETag']
        real = db_api.create_op_occ

        def change_first(values, instance_updated_at=None):
            db_api.update_vnf_instance(self.instance_id,
                                       {'vnf_instance_name': 'raced'})
            return real(values, instance_updated_at=instance_updated_at)
        with mock.patch.object(db_api, 'create_op_occ', change_first):
            resp = self.patch({'metadata': {'a': 1}},
                              headers={'If-Match': etag})
        self.assertProblem(resp, 412)
        self.assertEqual(1, len(db_api.list_op_occs(None)))
        self.assertEqual('raced', self.get(self.url).json['vnfInstanceName'])

    def test_one_operation_at_a_time(self):
        fake_vim.FakeVim.delay[('create', 'vm-0')] = 1
        info = self.new_snapshot_info()
        running = self.op_id_from(self.post(
            self.url + '/create_snapshot', {'vnfSnapshotInfoId': info['id']}))
        resp = self.patch({'metadata': {'a': 1}})
        self.assertProblem(resp, 409)
        self.assertIn(running, resp.json['detail'])
        self.wait_for_op(running)
        # And a MODIFY_INFO holds the instance like any other.
        fake_vim.FakeVim.delay.clear()
        with mock.patch.object(modify_info.CheckVimDrivers, 'execute',
                               side_effect=lambda: time.sleep(1)):
            first = self.op_id_from(self.patch({'metadata': {'a': 1}}))
            self.assertProblem(self.patch({'metadata': {'b': 1}}), 409)
            self.assertProblem(self.request('DELETE', self.url), 409)
            self.assertEqual(states.COMPLETED,
                             self.wait_for_op(first).operation_state)
        self.assertEqual({'site': 'a', 'owner': 'ops', 'a': 1},
                         self.get(self.url).json['metadata'])

    def test_refused_while_conductors_are_older(self):
        # A rolling upgrade capped below 1.2: the conductors running may
        # not know MODIFY_INFO, so nothing is recorded and the VNF stays
        # free for the operations they do know.
        with mock.patch('vnfsnap.conductor.rpcapi.ConductorAPI.'
                        'can_send_version', side_effect=lambda v: v < '1.2'):
            resp = self.patch({'metadata': {'a': 1}})
        self.assertProblem(resp, 503)
        self.assertIn('MODIFY_INFO', resp.json['detail'])
        self.assertNothingChanged()
        self.assertEqual(states.COMPLETED, self.modify(
            {'metadata': {'a': 1}})['operationState'])


class TestFailedTemp(ModifyTestCase):
    """A MODIFY_INFO that fails is FAILED_TEMP; retry, rollback and fail
    work as for the snapshot operations."""

    def setUp(self):
        super().setUp()
        self.addCleanup(vim._registered.pop, UNKNOWN_VIM, None)

    def failed(self):
        """Moving vim1 to a vimType this conductor has no driver for."""
        resp = self.patch({'vnfInstanceName': 'renamed', 'vimConnectionInfo':
                           {'vim1': {'vimType': UNKNOWN_VIM}}})
        op = self.wait_for_op(self.op_id_from(resp))
        self.assertEqual(states.FAILED_TEMP, op.operation_state)
        self.assertIn(UNKNOWN_VIM, op.error['detail'])
        self.assertEqual(self.inst, self.get(self.url).json)
        return op.id

    def task(self, op_id, task):
        return self.post('%s/vnf_lcm_op_occs/%s/%s' % (V2, op_id, task))

    def test_retry(self):
        op_id = self.failed()
        self.assertProblem(self.patch({'metadata': {'a': 1}}), 409)
        vim.register(UNKNOWN_VIM, fake_vim.FakeVim)
        self.assertEqual(202, self.task(op_id, 'retry').status)
        op = self.wait_for_op(op_id, wanted={states.COMPLETED,
                                             states.FAILED_TEMP})
        self.assertEqual(states.COMPLETED, op.operation_state, op.error)
        got = self.get(self.url).json
        self.assertEqual(('renamed', UNKNOWN_VIM), (
            got['vnfInstanceName'], got['vimConnectionInfo']['vim1'][
                'vimType']))
        # The credentials stayed.
        self.assertEqual(SECRET, self.stored().vim_connection_info['vim1'][
            'accessInfo']['password'])

    def test_rollback(self):
        op_id = self.failed()
        self.assertEqual(202, self.task(op_id, 'rollback').status)
        op = self.wait_for_op(op_id, wanted={states.ROLLED_BACK,
                                             states.FAILED_TEMP})
        self.assertEqual(states.ROLLED_BACK, op.operation_state, op.error)
        self.assertEqual(self.inst, self.get(self.url).json)
        self.assertIsNone(op.private_params)
        occ = self.modify({'metadata': {'a': 1}})
        self.assertEqual('COMPLETED', occ['operationState'])

    def test_fail(self):
        op_id = self.failed()
        resp = self.task(op_id, 'fail')
        self.assertEqual(200, resp.status, resp.body)
        self.assertEqual('FAILED', resp.json['operationState'])
        self.assertEqual(self.inst, self.get(self.url).json)
        occ = self.modify({'metadata': {'a': 1}})
        self.assertEqual('COMPLETED', occ['operationState'])

    def applied_then_failed(self):
        """FAILED_TEMP after the modification was written (as when the
        conductor dies before it could mark the occurrence COMPLETED)."""
        real = modify_info.ApplyModifications.execute

        def apply_then_die(task):
            real(task)
            raise RuntimeError('conductor died')
        with mock.patch.object(modify_info.ApplyModifications, 'execute',
                               apply_then_die):
            resp = self.patch({'metadata': {'site': None, 'new': 1},
                               'vimConnectionInfo': {'vim1': {
                                   'accessInfo': {'password': NEW_SECRET}}}})
            op = self.wait_for_op(self.op_id_from(resp))
        self.assertEqual(states.FAILED_TEMP, op.operation_state)
        self.assertEqual({'owner': 'ops', 'new': 1},
                         self.get(self.url).json['metadata'])
        return op.id

    def test_rollback_after_the_modification_was_applied(self):
        op_id = self.applied_then_failed()
        self.assertEqual(202, self.task(op_id, 'rollback').status)
        op = self.wait_for_op(op_id, wanted={states.ROLLED_BACK,
                                             states.FAILED_TEMP})
        self.assertEqual(states.ROLLED_BACK, op.operation_state, op.error)
        self.assertEqual(self.inst, self.get(self.url).json)
        self.assertEqual(SECRET, self.stored().vim_connection_info['vim1'][
            'accessInfo']['password'])
        self.assertNotIn('changedInfo', self.get(
            '%s/vnf_lcm_op_occs/%s' % (V2, op_id)).json)

    def test_retry_after_the_modification_was_applied(self):
        op_id = self.applied_then_failed()
        self.assertEqual(202, self.task(op_id, 'retry').status)
        op = self.wait_for_op(op_id, wanted={states.COMPLETED,
                                             states.FAILED_TEMP})
        self.assertEqual(states.COMPLETED, op.operation_state, op.error)
        # The same merge patch again: nothing more changed.
        self.assertEqual({'owner': 'ops', 'new': 1},
                         self.get(self.url).json['metadata'])
        self.assertEqual(NEW_SECRET, self.stored().vim_connection_info[
            'vim1']['accessInfo']['password'])


class TestNotifications(ModifyTestCase):

    def setUp(self):
        super().setUp()
        self.conf.config(poll_interval=0.05, group='notifications')
        self.subscriber = notify_endpoint.Endpoint()
        self.addCleanup(self.subscriber.stop)

    def test_start_and_result_with_changed_info(self):
        for verbosity in ('FULL', 'SHORT'):
            resp = self.post(V2 + '/subscriptions', {
                'callbackUri': self.subscriber.url + '/' + verbosity,
                'verbosity': verbosity,
                'filter': {'operationTypes': ['MODIFY_INFO']}})
            self.assertEqual(201, resp.status, resp.body)
        occ = self.modify({'metadata': {'a': 1}})
        deadline = time.monotonic() + 30
        while len(self.subscriber.notices('/SHORT')) < 3 or len(
                self.subscriber.notices('/FULL')) < 3:
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)
        full = self.subscriber.notices('/FULL')
        self.assertEqual(
            [('START', 'STARTING'), ('START', 'PROCESSING'),
             ('RESULT', 'COMPLETED')],
            [(n['notificationStatus'], n['operationState']) for n in full])
        self.assertEqual(['MODIFY_INFO'] * 3,
                         [n['operation'] for n in full])
        self.assertEqual(occ['changedInfo'], full[-1]['changedInfo'])
        self.assertNotIn('changedInfo', full[0])
        self.assertNotIn('changedInfo',
                         self.subscriber.notices('/SHORT')[-1])
        self.assertEqual([], etsi.errors(
            etsi.LCCN_DEFS, 'VnfLcmOperationOccurrenceNotification',
            full[-1]))
