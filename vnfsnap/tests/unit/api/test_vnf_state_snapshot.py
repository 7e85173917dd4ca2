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


"""The VNF state snapshot: taken from what the VNF names in its answer to
"prepare", recorded in the VnfSnapshot and served at
/vnf_snapshots/{id}/vnf_state_snapshot (SOL003 5.4.25)."""

import hashlib
import random
import tracemalloc

import webob

from vnfsnap import store
from vnfsnap.common import states
from vnfsnap.db import api as db_api
from vnfsnap.tests import base
from vnfsnap.tests.fixtures import etsi
from vnfsnap.tests.fixtures import fake_vim
from vnfsnap.tests.fixtures import notify_endpoint
from vnfsnap.tests.fixtures import snapshots
from vnfsnap.tests.fixtures import vnf_state

V2 = '/vnflcm/v2'
MIB = 1024 * 1024


class StateTestCase(base.ApiTestCase):

    def setUp(self):
        super().setUp()
        # The VNF's state server and endpoint are on loopback.
        self.conf.config(allowed_networks=['127.0.0.0/8'],
                         allowed_schemes=['http', 'https'],
                         group='package_import')
        self.content = random.Random(5).randbytes(3 * MIB + 17)
        self.server = vnf_state.StateServer(self.content)
        self.addCleanup(self.server.stop)
        self.conf.config(allowed_ports=[self.server.port],
                         group='package_import')
        self.endpoint = notify_endpoint.Endpoint()
        self.addCleanup(self.endpoint.stop)
        self.inst = self.register_vnf()
        db_api.set_snapshot_notifications(None, self.inst['id'], {
            'callbackUri': self.endpoint.url + '/hook',
            'credentials': {'auth_type': 'BASIC', 'username': 'vnfsnap',
                            'password': 'pw'}})

    def answer(self, **ref):
        ref.setdefault('uri', self.server.url)
        self.endpoint.answer = (200, {'acknowledged': True,
                                      'vnfStateSnapshot': ref})

    def snapshot(self, wanted=states.COMPLETED):
        info_id, op = self.take_snapshot(self.inst['id'])
        self.assertEqual(wanted, op.operation_state, op.error)
        return info_id, op

    def url(self, info_id):
        return '%s/vnf_snapshots/%s/vnf_state_snapshot' % (V2, info_id)

    def stored_keys(self):
        backend = store.get_store()
        return [k for k in (store.vnf_state_key(i.id) for i in
                            db_api.list_vnf_snapshot_infos(None))
                if backend.exists(k)]


class TestTaken(StateTestCase):

    def test_recorded_and_served(self):
        self.answer(contentType='application/x-fw-state',
                    metadata={'format': 'v2'})
        info_id, _ = self.snapshot()
        # Downloaded with the VNF endpoint's credentials.
        (path, headers), = self.server.requests
        self.assertTrue(headers['Authorization'].startswith('Basic '))
        rep = self.get('%s/vnf_snapshots/%s' % (V2, info_id)).json
        snap = rep['vnfSnapshot']
        state = snap['vnfStateSnapshotInfo']
        self.assertEqual({'algorithm': 'SHA-256',
                          'hash': hashlib.sha256(self.content).hexdigest()},
                         state['checksum'])
        self.assertFalse(state['isEncrypted'])
        self.assertEqual(('v2', len(self.content), 'application/x-fw-state'),
                         (state['metadata']['format'],
                          state['metadata']['size'],
                          state['metadata']['contentType']))
        self.assertEqual('http://localhost' + self.url(info_id),
                         snap['_links']['vnfStateSnapshot']['href'])
        self.assertEqual([], etsi.errors(etsi.LCM_DEFS,
                                         'VnfSnapshotInfo', rep))
        resp = self.get(self.url(info_id))
        self.assertEqual(200, resp.status)
        self.assertEqual(self.content, resp.body)
        self.assertEqual('application/x-fw-state', resp.content_type)
        self.assertEqual('bytes', resp.headers['Accept-Ranges'])
        self.assertEqual('2.0.0', resp.headers['Version'])

    def test_ranges(self):
        self.answer()
        info_id, _ = self.snapshot()
        size = len(self.content)
        resp = self.get(self.url(info_id), headers={'Range': 'bytes=10-19'})
        self.assertEqual(206, resp.status)
        self.assertEqual(self.content[10:20], resp.body)
        self.assertEqual('bytes 10-19/%d' % size,
                         resp.headers['Content-Range'])
        self.assertEqual('application/octet-stream', resp.content_type)
        resp = self.get(self.url(info_id), headers={'Range': 'bytes=-5'})
        self.assertEqual(self.content[-5:], resp.body)
        resp = self.get(self.url(info_id),
                        headers={'Range': 'bytes=%d-' % size})
        self.assertProblem(resp, 416)
        self.assertEqual('bytes */%d' % size, resp.headers['Content-Range'])

    def test_encrypted_is_cms(self):
        self.answer(isEncrypted=True, contentType='application/x-fw-state')
        info_id, _ = self.snapshot()
        resp = self.get(self.url(info_id))
        self.assertEqual('application/cms', resp.content_type)
        self.assertProblem(self.get(self.url(info_id),
                                    headers={'Accept': 'application/json'}),
                           406)
        resp = self.get(self.url(info_id),
                        headers={'Accept': 'application/cms'})
        self.assertEqual(200, resp.status)

    def test_streamed(self):
        """The content goes out in pieces: memory does not follow it."""
        self.content = random.Random(6).randbytes(24 * MIB)
        self.server.content = self.content
        self.answer()
        info_id, _ = self.snapshot()
        req = webob.Request.blank(self.url(info_id))
        req.headers['Version'] = self.VERSION
        tracemalloc.start()
        self.addCleanup(tracemalloc.stop)
        status, _, body = req.call_application(self.app)
        digest, sizes = hashlib.sha256(), []
        for chunk in body:
            digest.update(chunk)
            sizes.append(len(chunk))
        # (As a WSGI server does once it sent the body.)
        getattr(body, 'close', lambda: None)()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        self.assertEqual('200 OK', status)
        self.assertEqual(hashlib.sha256(self.content).hexdigest(),
                         digest.hexdigest())
        self.assertLessEqual(max(sizes), MIB)
        self.assertLess(peak, 8 * MIB)

    def test_delete_removes_the_content(self):
        self.answer()
        info_id, _ = self.snapshot()
        self.assertEqual([store.vnf_state_key(info_id)], self.stored_keys())
        resp = self.request('DELETE', '%s/vnf_snapshots/%s' % (V2, info_id))
        self.assertEqual(204, resp.status, resp.body)
        self.assertFalse(store.get_store().exists(
            store.vnf_state_key(info_id)))


class TestNone(StateTestCase):

    def test_no_state_snapshot(self):
        info_id, _ = self.snapshot()        # the VNF named none
        snap = self.get('%s/vnf_snapshots/%s' % (V2, info_id)).json[
            'vnfSnapshot']
        self.assertNotIn('vnfStateSnapshotInfo', snap)
        self.assertNotIn('vnfStateSnapshot', snap['_links'])
        resp = self.get(self.url(info_id))
        self.assertProblem(resp, 404)
        self.assertIn('has no VNF state snapshot', resp.json['detail'])

    def test_not_completed(self):
        empty = self.new_snapshot_info()
        resp = self.get(self.url(empty['id']))
        self.assertProblem(resp, 409)
        self.assertIn('not completed', resp.json['detail'])
        self.assertProblem(self.get(self.url('nope')), 404)
        self.assertProblem(self.get(self.url(empty['id']) + '?x=1'), 400)
        resp = self.request('PUT', self.url(empty['id']), body={})
        self.assertProblem(resp, 405)

    def test_given_snapshot_has_no_content_here(self):
        snap = snapshots.vnf_snapshot()
        snap['vnfStateSnapshotInfo'] = {
            'checksum': {'algorithm': 'SHA-256', 'hash': '00' * 32},
            'isEncrypted': False}
        info = self.post(V2 + '/vnf_snapshots', {'vnfSnapshot': snap}).json
        self.assertNotIn('vnfStateSnapshot', info['vnfSnapshot']['_links'])
        resp = self.get(self.url(info['id']))
        self.assertProblem(resp, 404)
        self.assertIn('given by a client or a package', resp.json['detail'])


class TestFailures(StateTestCase):
    """A VNF state snapshot that cannot be taken fails the operation,
    which is undone: nothing recorded, nothing stored, "done" FAILED."""

    def assertUndone(self, op, reason):
        self.assertIn(reason, op.error['detail'])
        self.assertIsNone(db_api.get_vnf_snapshot_info(
            None, op.vnf_snapshot_info_id).snapshot_id)
        self.assertEqual([], self.stored_keys())
        self.assertEqual(['PREPARE', 'DONE'],
                         [n['phase'] for n in self.endpoint.notices()])
        self.assertEqual('FAILED', self.endpoint.notices()[-1]['outcome'])

    def test_server_error(self):
        self.server.status = 500
        self.answer()
        _, op = self.snapshot(wanted=states.FAILED_TEMP)
        self.assertUndone(op, 'HTTP 500')

    def test_invalid_reference(self):
        self.answer(uri=7)
        _, op = self.snapshot(wanted=states.FAILED_TEMP)
        self.assertUndone(op, 'invalid vnfStateSnapshot')

    def test_uri_refused(self):
        self.conf.config(allowed_networks=[], group='package_import')
        self.answer()
        _, op = self.snapshot(wanted=states.FAILED_TEMP)
        self.assertUndone(op, 'loopback')

    def test_failure_after_the_download(self):
        self.answer()
        fake_vim.FakeVim.fail[('create', 'vm-1')] = 'disk full'
        _, op = self.snapshot(wanted=states.FAILED_TEMP)
        self.assertUndone(op, 'disk full')
        self.assertEqual(1, len(self.server.requests))
