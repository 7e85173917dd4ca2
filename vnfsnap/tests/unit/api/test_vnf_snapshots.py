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

"""/vnflcm/v2/vnf_snapshots: individual VNF snapshot resources."""

import copy
import datetime
import json
from unittest import mock
import urllib.parse

import fixtures
import webob

from vnfsnap.common import states
from vnfsnap.db import api as db_api
from vnfsnap.tests import base
from vnfsnap.tests.fixtures import etsi
from vnfsnap.tests.fixtures import fake_vim
from vnfsnap.tests.fixtures import snapshots

URL = '/vnflcm/v2/vnf_snapshots'
PKG_ID = 'a2a7a9a4-6f47-4b1e-9d1c-3a9b2f4c1e01'
MERGE_PATCH = 'application/merge-patch+json'


class SnapshotsTestCase(base.ApiTestCase):

    def one(self, info_id, **kw):
        return self.get('%s/%s' % (URL, info_id), **kw)

    def patch(self, info_id, body=None, content_type=MERGE_PATCH, **kw):
        raw = json.dumps(body).encode() if body is not None else None
        return self.request('PATCH', '%s/%s' % (URL, info_id), raw_body=raw,
                            content_type=content_type, **kw)

    def delete(self, info_id, **kw):
        return self.request('DELETE', '%s/%s' % (URL, info_id), **kw)

    def ids(self, resp):
        self.assertEqual(200, resp.status, resp.body)
        return [i['id'] for i in resp.json]

    def stored(self):
        return sorted(i.id for i in db_api.list_vnf_snapshot_infos(None))

    def snapshot_taken(self):
        """A VNF snapshot filled by create_snapshot on a fake VNF."""
        inst = self.register_vnf()
        info_id, op = self.take_snapshot(inst['id'])
        self.assertEqual(states.COMPLETED, op.operation_state, op.error)
        return inst, info_id

    def hold(self, info_id, instance_id):
        """Start an operation that reserves ``info_id`` for a while."""
        fake_vim.FakeVim.delay[('create', 'vm-0')] = 0.5
        resp = self.post('/vnflcm/v2/vnf_instances/%s/create_snapshot'
                         % instance_id, {'vnfSnapshotInfoId': info_id})
        return self.op_id_from(resp)


class TestCreate(SnapshotsTestCase):

    def test_create_empty(self):
        resp = self.post(URL, {})
        self.assertEqual(201, resp.status, resp.body)
        info = resp.json
        self.assertEqual({'id', '_links'}, set(info))
        self.assertEqual('http://localhost%s/%s' % (URL, info['id']),
                         info['_links']['self']['href'])
        self.assertEqual(info['_links']['self']['href'],
                         resp.headers['Location'])
        self.assertTrue(resp.headers['ETag'])
        self.assertTrue(resp.headers['Last-Modified'])
        self.assertEqual('2.0.0', resp.headers['Version'])
        self.assertEqual([info['id']], self.stored())
        self.assertEqual(resp.headers['ETag'],
                         self.one(info['id']).headers['ETag'])

    def test_create_filled(self):
        snap = snapshots.vnf_snapshot()
        resp = self.post(URL, {'vnfSnapshotPkgId': PKG_ID,
                               'vnfSnapshot': snap})
        self.assertEqual(201, resp.status, resp.body)
        info = resp.json
        self.assertEqual(PKG_ID, info['vnfSnapshotPkgId'])
        got = info['vnfSnapshot']
        self.assertEqual('snap-x', got['id'])
        self.assertEqual('2026-01-02T03:04:05Z', got['creationStartedAt'])
        self.assertEqual(snap['vnfcSnapshots'], got['vnfcSnapshots'])
        self.assertEqual(snap['vnfInstance'], got['vnfInstance'])
        self.assertEqual({'origin': 'package'}, got['userDefinedData'])
        rows = db_api.get_vnf_snapshot_info(None, info['id']).vnfc_snapshots
        self.assertEqual(['vnfc-snap-0', 'vnfc-snap-1'],
                         [r.id for r in rows])
        self.assertEqual(info, self.one(info['id']).json)
        listed = self.get(URL + '?all_fields').json
        self.assertEqual([info], listed)

    def test_create_with_timezone_offset(self):
        snap = snapshots.vnf_snapshot()
        snap['creationStartedAt'] = '2026-01-02T05:04:05+02:00'
        info = self.post(URL, {'vnfSnapshot': snap}).json
        self.assertEqual('2026-01-02T03:04:05Z',
                         info['vnfSnapshot']['creationStartedAt'])

    def test_package_id_only(self):
        resp = self.post(URL, {'vnfSnapshotPkgId': PKG_ID})
        self.assertProblem(resp, 422)
        self.assertIn(PKG_ID, resp.json['detail'])
        self.assertEqual([], self.stored())

    def test_bad_input_stores_nothing(self):
        def snap(**changes):
            s = snapshots.vnf_snapshot()
            s.update(changes)
            return {'vnfSnapshot': s}

        def vnfc(**changes):
            s = snapshots.vnf_snapshot()
            s['vnfcSnapshots'][0].update(changes)
            return {'vnfSnapshot': s}

        no_vnfcs = snapshots.vnf_snapshot()
        del no_vnfcs['vnfcSnapshots']
        cases = [
            (400, {'colour': 'blue'}),
            (400, {'vnfSnapshotPkgId': 5}),
            (400, {'vnfSnapshotPkgId': None}),
            (400, {'vnfSnapshotPkgId': 'x' * 37}),
            (400, {'vnfSnapshot': None}),
            (400, {'vnfSnapshot': {}}),
            (400, {'vnfSnapshot': no_vnfcs}),
            (400, snap(vnfcSnapshots=[])),
            (400, snap(creationStartedAt='yesterday')),
            (400, snap(vnfInstance='inst')),
            (400, snap(vnfdId=None)),
            (400, snap(id='i' * 37)),
            (400, snap(vnfInstanceId='i' * 37)),
            (400, vnfc(vnfcInstanceId=None)),
            (400, vnfc(creationFinishedAt='2026-13-45')),
            (400, vnfc(storageSnapshotResources=[{}])),
            (400, vnfc(computeSnapshotResource={})),
            (422, vnfc(id='vnfc-snap-1')),
        ]
        for status, body in cases:
            with self.subTest(body=body):
                self.assertProblem(self.post(URL, body), status)
        for ctype, raw in (('text/plain', b'{}'),
                           (MERGE_PATCH, b'{}'),
                           ('application/json', b'{')):
            with self.subTest(content_type=ctype, raw=raw):
                resp = self.post(URL, raw_body=raw, content_type=ctype)
                self.assertProblem(resp, 415 if raw == b'{}' else 400)
        self.assertEqual([], self.stored())

    def test_filled_snapshot_can_be_reverted_to(self):
        """A client-given VnfSnapshot of a registered VNF is usable."""
        inst = self.register_vnf()
        taken = self.snapshot_taken()[1]
        full = self.one(taken).json['vnfSnapshot']
        snap = copy.deepcopy(full)
        snap['vnfInstanceId'] = inst['id']
        del snap['_links']
        info = self.post(URL, {'vnfSnapshot': snap})
        self.assertEqual(201, info.status, info.body)
        resp = self.post('/vnflcm/v2/vnf_instances/%s/revert_to_snapshot'
                         % inst['id'], {'vnfSnapshotInfoId': info.json['id']})
        op = self.wait_for_op(self.op_id_from(resp))
        self.assertEqual(states.REVERT_TO_SNAPSHOT, op.operation)


class TestList(SnapshotsTestCase):

    def setUp(self):
        super().setUp()
        self.inst, self.taken = self.snapshot_taken()
        self.empty = self.new_snapshot_info()['id']
        self.given = self.post(URL, {
            'vnfSnapshotPkgId': PKG_ID,
            'vnfSnapshot': snapshots.vnf_snapshot()}).json

    def test_default_exclusions(self):
        resp = self.get(URL)
        self.assertEqual(200, resp.status)
        self.assertEqual('application/json', resp.content_type)
        self.assertEqual([self.taken, self.empty, self.given['id']],
                         [i['id'] for i in resp.json])
        for info in resp.json:
            snap = info.get('vnfSnapshot', {})
            self.assertNotIn('vnfInstance', snap)
            self.assertNotIn('vnfcSnapshots', snap)
        self.assertNotIn('vnfSnapshot', resp.json[1])
        self.assertEqual('snap-x', resp.json[2]['vnfSnapshot']['id'])
        self.assertEqual(PKG_ID, resp.json[2]['vnfSnapshotPkgId'])
        self.assertIn('takenFrom', resp.json[0]['_links'])

    def test_exclude_default_is_the_default(self):
        self.assertEqual(self.get(URL).json,
                         self.get(URL + '?exclude_default').json)

    def test_all_fields(self):
        listed = self.get(URL + '?all_fields').json
        self.assertEqual(self.given, listed[2])
        self.assertEqual(2, len(listed[0]['vnfSnapshot']['vnfcSnapshots']))
        self.assertEqual(self.one(self.taken).json, listed[0])

    def test_fields(self):
        listed = self.get(URL + '?fields=vnfSnapshot/vnfcSnapshots').json
        snap = listed[2]['vnfSnapshot']
        self.assertEqual(2, len(snap['vnfcSnapshots']))
        self.assertNotIn('vnfInstance', snap)
        listed = self.get(URL + '?fields=vnfSnapshot/vnfcSnapshots/id'
                          '&exclude_default').json
        self.assertEqual([{'id': 'vnfc-snap-0'}, {'id': 'vnfc-snap-1'}],
                         listed[2]['vnfSnapshot']['vnfcSnapshots'])

    def test_exclude_fields(self):
        listed = self.get(URL + '?exclude_fields=vnfSnapshot/'
                          'vnfcSnapshots,vnfSnapshotPkgId').json
        snap = listed[2]['vnfSnapshot']
        self.assertIn('vnfInstance', snap)
        self.assertNotIn('vnfcSnapshots', snap)
        self.assertNotIn('vnfSnapshotPkgId', listed[2])

    def test_bad_selectors(self):
        for query in ('all_fields&exclude_default',
                      'fields=a&exclude_fields=b', 'fields=',
                      'exclude_fields=_links', 'exclude_fields=id',
                      'fields=a//b'):
            with self.subTest(query=query):
                self.assertProblem(self.get(URL + '?' + query), 400)

    def test_filter(self):
        def query(expr):
            return self.ids(self.get(
                URL + '?filter=' + urllib.parse.quote(expr)))

        self.assertEqual([self.taken], query(
            '(eq,vnfSnapshot/vnfInstanceId,%s)' % self.inst['id']))
        self.assertEqual([self.given['id']],
                         query('(eq,vnfSnapshotPkgId,%s)' % PKG_ID))
        self.assertEqual([self.taken, self.given['id']], query(
            '(in,vnfSnapshot/vnfInstanceId,%s,inst-x)' % self.inst['id']))
        self.assertEqual([self.given['id']], query(
            '(eq,vnfSnapshot/vnfcSnapshots/userDefinedData/n,1)'))
        self.assertEqual([self.given['id']],
                         query("(cont,vnfSnapshot/vnfdId,'d-x')"))
        self.assertEqual([self.given['id']], query(
            '(cont,vnfSnapshot/vnfdId,x);(neq,id,%s)' % self.taken))
        self.assertEqual([], query(
            '(cont,vnfSnapshot/vnfdId,x);(eq,id,%s)' % self.taken))
        self.assertEqual([self.empty], query('(neq,vnfSnapshot/id,snap-x);'
                                             '(nin,id,%s)' % self.taken))
        # ';' joins expressions even when the client does not escape it.
        resp = self.get(URL + '?filter=(cont,vnfSnapshot/vnfdId,x);'
                        '(neq,id,%s)' % self.taken)
        self.assertEqual([self.given['id']], self.ids(resp))
        resp = self.get(URL + '?all_fields&filter=(eq,id,%s);(eq,id,%s)'
                        % (self.taken, self.taken))
        self.assertEqual([self.taken], self.ids(resp))
        self.assertIn('vnfcSnapshots', resp.json[0]['vnfSnapshot'])
        # Filters see default-excluded attributes too.
        self.assertEqual([self.given['id']], query(
            '(eq,vnfSnapshot/vnfcSnapshots/id,vnfc-snap-1)'))

    def test_invalid_filter(self):
        for expr in ('(eq,id)', 'eq,id,x', '(foo,id,x)', '(eq,id,x)junk',
                     '', '(eq,,x)', '(eq,id,a,b)'):
            with self.subTest(expr=expr):
                resp = self.get(URL + '?filter=' + urllib.parse.quote(expr))
                self.assertProblem(resp, 400)
        resp = self.get(URL + '?filter=(eq,id,x)&filter=(eq,id,y)')
        self.assertProblem(resp, 400)
        self.assertProblem(self.get(URL + '?sort=id'), 400)

    def test_paging(self):
        more = [self.new_snapshot_info()['id'] for _ in range(2)]
        everything = [self.taken, self.empty, self.given['id']] + more
        self.conf.config(max_page_size=2, group='api')
        seen, url, pages = [], URL + '?all_fields', 0
        while url:
            resp = self.get(url)
            self.assertEqual(200, resp.status, resp.body)
            pages += 1
            self.assertLessEqual(len(resp.json), 2)
            seen += [i['id'] for i in resp.json]
            # all_fields travels with the next-page link.
            self.assertTrue(all('vnfcSnapshots' in i['vnfSnapshot']
                                for i in resp.json if 'vnfSnapshot' in i))
            link = resp.headers.get('Link')
            if link is None:
                break
            self.assertTrue(link.startswith('<http://localhost%s?' % URL))
            self.assertTrue(link.endswith('>; rel="next"'), link)
            url = link[1:link.index('>')]
            self.assertIn('all_fields', url)
        self.assertEqual(everything, seen)
        self.assertEqual(3, pages)

    def test_paging_with_filter(self):
        more = [self.new_snapshot_info()['id'] for _ in range(3)]
        self.conf.config(max_page_size=2, group='api')
        expr = '(neq,id,%s)' % self.given['id']
        resp = self.get(URL + '?filter=' + urllib.parse.quote(expr))
        seen = self.ids(resp)
        while 'Link' in resp.headers:
            link = resp.headers['Link']
            resp = self.get(link[1:link.index('>')])
            seen += self.ids(resp)
        self.assertEqual([self.taken, self.empty] + more, seen)

    def test_paging_under_a_prefix(self):
        """Mounted under /nfv (SCRIPT_NAME), links keep one prefix."""
        self.conf.config(max_page_size=2, group='api')
        seen, url = [], 'http://localhost/nfv%s?all_fields' % URL
        while url:
            req = webob.Request.blank(url[len('http://localhost/nfv'):],
                                      base_url='http://localhost/nfv')
            req.headers['Version'] = '2.0.0'
            resp = req.get_response(self.app)
            self.assertEqual(200, resp.status_int, resp.body)
            self.assertEqual('2.0.0', resp.headers['Version'])
            seen += [i['id'] for i in resp.json]
            link = resp.headers.get('Link')
            url = link[1:link.index('>')] if link else None
            if url:
                self.assertTrue(url.startswith(
                    'http://localhost/nfv/vnflcm/v2/vnf_snapshots?'), url)
        self.assertEqual([self.taken, self.empty, self.given['id']], seen)
        req = webob.Request.blank(URL, base_url='http://localhost/nfv')
        resp = req.get_response(self.app)
        self.assertEqual(400, resp.status_int, resp.body)

    def test_invalid_marker(self):
        for marker in ('garbage!', 'bm9wZQ', ''):
            with self.subTest(marker=marker):
                resp = self.get(URL + '?nextpage_opaque_marker=' + marker)
                self.assertProblem(resp, 400)

    def test_marker_of_a_deleted_item(self):
        self.conf.config(max_page_size=1, group='api')
        link = self.get(URL).headers['Link']
        self.assertEqual(204, self.delete(self.taken).status)
        self.assertProblem(self.get(link[1:link.index('>')]), 400)


class TestGetOne(SnapshotsTestCase):

    def test_get(self):
        info = self.new_snapshot_info()
        resp = self.one(info['id'])
        self.assertEqual(200, resp.status)
        self.assertEqual(info, resp.json)
        self.assertEqual('2.0.0', resp.headers['Version'])
        self.assertTrue(resp.headers['ETag'].startswith('"'))
        self.assertTrue(resp.headers['Last-Modified'].endswith(' GMT'))

    def test_get_taken(self):
        inst, info_id = self.snapshot_taken()
        snap = self.one(info_id).json['vnfSnapshot']
        self.assertEqual(
            {'id', 'vnfInstanceId', 'creationStartedAt', 'creationFinishedAt',
             'vnfdId', 'vnfInstance', 'vnfcSnapshots', '_links'}, set(snap))
        self.assertEqual(inst['id'], snap['vnfInstance']['id'])
        self.assertNotIn('accessInfo', json.dumps(snap))
        for vnfc in snap['vnfcSnapshots']:
            self.assertEqual(
                {'id', 'vnfcInstanceId', 'creationStartedAt',
                 'creationFinishedAt', 'vnfcResourceInfoId',
                 'computeSnapshotResource', 'storageSnapshotResources'},
                set(vnfc))
            self.assertNotIn('vim_details', json.dumps(vnfc))

    def test_unknown(self):
        self.assertProblem(self.one('nope'), 404)
        self.assertProblem(self.patch('nope', {'vnfSnapshotPkgId': PKG_ID}),
                           404)
        self.assertProblem(self.delete('nope'), 404)
        self.assertProblem(self.get(URL + '/nope/vnf_state_snapshot'), 404)

    def test_query_parameters_refused(self):
        info = self.new_snapshot_info()
        self.assertProblem(self.one(info['id'] + '?all_fields'), 400)

    def test_methods(self):
        info = self.new_snapshot_info()
        for method in ('POST', 'PUT'):
            resp = self.request(method, '%s/%s' % (URL, info['id']))
            self.assertProblem(resp, 405)
            self.assertEqual('GET, PATCH, DELETE', resp.headers['Allow'])
        for method in ('PUT', 'PATCH', 'DELETE'):
            resp = self.request(method, URL)
            self.assertProblem(resp, 405)
            self.assertEqual('GET, POST', resp.headers['Allow'])


class TestPatch(SnapshotsTestCase):

    def setUp(self):
        super().setUp()
        self.info = self.new_snapshot_info()
        self.url = '%s/%s' % (URL, self.info['id'])

    def assertUnchanged(self):
        self.assertEqual(self.info, self.get(self.url).json)

    def test_package_id(self):
        etag = self.get(self.url).headers['ETag']
        resp = self.patch(self.info['id'], {'vnfSnapshotPkgId': PKG_ID},
                          headers={'If-Match': etag})
        self.assertEqual(200, resp.status, resp.body)
        self.assertEqual({'vnfSnapshotPkgId': PKG_ID}, resp.json)
        self.assertEqual('application/json', resp.content_type)
        after = self.get(self.url)
        self.assertEqual(PKG_ID, after.json['vnfSnapshotPkgId'])
        self.assertEqual(after.headers['ETag'], resp.headers['ETag'])
        self.assertNotEqual(etag, resp.headers['ETag'])
        self.assertTrue(resp.headers['Last-Modified'])

    def test_plain_json_is_accepted(self):
        resp = self.patch(self.info['id'], {'vnfSnapshotPkgId': PKG_ID},
                          content_type='application/json')
        self.assertEqual(200, resp.status, resp.body)

    def test_fill(self):
        resp = self.patch(self.info['id'],
                          {'vnfSnapshot': snapshots.vnf_snapshot()})
        self.assertEqual(200, resp.status, resp.body)
        self.assertEqual(['vnfSnapshot'], list(resp.json))
        self.assertEqual(2, len(resp.json['vnfSnapshot']['vnfcSnapshots']))
        self.assertEqual(resp.json['vnfSnapshot'],
                         self.get(self.url).json['vnfSnapshot'])

    def test_null_user_defined_data_is_removed(self):
        """A merge patch's nulls remove attributes; the answer never holds
        null where the SOL003 schema wants an object."""
        snap = snapshots.vnf_snapshot()
        snap['userDefinedData'] = None
        snap['creationFinishedAt'] = None
        snap['vnfInstance'].update(
            vnfProvider='acme', vnfProductName='fw', vnfSoftwareVersion='1',
            vnfdVersion='1', instantiationState='NOT_INSTANTIATED',
            _links={'self': {'href': 'http://h/vnflcm/v2/vnf_instances/x'}})
        resp = self.patch(self.info['id'], {'vnfSnapshot': snap})
        self.assertEqual(200, resp.status, resp.body)
        for rep in (resp.json, self.get(self.url).json):
            got = rep['vnfSnapshot']
            self.assertNotIn('userDefinedData', got)
            self.assertNotIn('creationFinishedAt', got)
            self.assertEqual({'n': 1},
                             got['vnfcSnapshots'][1]['userDefinedData'])
        self.assertEqual([], etsi.errors(
            etsi.LCM_DEFS, 'VnfSnapshotInfoModifications', resp.json))

    def test_null_where_an_attribute_is_required(self):
        snap = snapshots.vnf_snapshot()
        snap['vnfdId'] = None
        resp = self.patch(self.info['id'], {'vnfSnapshot': snap})
        self.assertProblem(resp, 400)
        self.assertIn("vnfSnapshot: 'vnfdId' is a required property",
                      resp.json['detail'])
        # RFC 7396 replaces arrays whole: a null inside is a value.
        snap = snapshots.vnf_snapshot()
        snap['vnfcSnapshots'][0]['userDefinedData'] = None
        resp = self.patch(self.info['id'], {'vnfSnapshot': snap})
        self.assertProblem(resp, 400)
        self.assertIn('vnfSnapshot/vnfcSnapshots/0/userDefinedData',
                      resp.json['detail'])
        self.assertUnchanged()

    def test_if_match_mismatch(self):
        for tag in ('"0123"', 'W/"0123"', '"a", "b"'):
            with self.subTest(tag=tag):
                resp = self.patch(self.info['id'],
                                  {'vnfSnapshotPkgId': PKG_ID},
                                  headers={'If-Match': tag})
                self.assertProblem(resp, 412)
        self.assertUnchanged()
        resp = self.patch(self.info['id'], {'vnfSnapshotPkgId': PKG_ID},
                          headers={'If-Match': '*'})
        self.assertEqual(200, resp.status, resp.body)

    def test_stale_etag(self):
        etag = self.get(self.url).headers['ETag']
        self.patch(self.info['id'], {'vnfSnapshotPkgId': PKG_ID})
        resp = self.patch(self.info['id'], {'vnfSnapshotPkgId': PKG_ID[::-1]},
                          headers={'If-Match': etag})
        self.assertProblem(resp, 412)
        self.assertEqual(PKG_ID, self.get(self.url).json['vnfSnapshotPkgId'])

    def test_if_unmodified_since(self):
        resp = self.patch(self.info['id'], {'vnfSnapshotPkgId': PKG_ID},
                          headers={'If-Unmodified-Since':
                                   'Mon, 01 Jan 2001 00:00:00 GMT'})
        self.assertProblem(resp, 412)
        self.assertUnchanged()

    def test_filled_is_read_only(self):
        _, info_id = self.snapshot_taken()
        before = self.one(info_id).json
        for body in ({'vnfSnapshotPkgId': PKG_ID},
                     {'vnfSnapshot': snapshots.vnf_snapshot()}):
            with self.subTest(body=body):
                resp = self.patch(info_id, body)
                self.assertProblem(resp, 409)
        self.assertEqual(before, self.one(info_id).json)

    def test_while_an_operation_holds_it(self):
        inst = self.register_vnf()
        op_id = self.hold(self.info['id'], inst['id'])
        resp = self.patch(self.info['id'], {'vnfSnapshotPkgId': PKG_ID})
        self.assertProblem(resp, 409)
        self.assertIn(op_id, resp.json['detail'])
        self.assertEqual(states.COMPLETED,
                         self.wait_for_op(op_id).operation_state)
        self.assertNotIn('vnfSnapshotPkgId', self.get(self.url).json)

    def test_bad_bodies(self):
        no_vnfcs = snapshots.vnf_snapshot()
        del no_vnfcs['vnfcSnapshots']
        dup = snapshots.vnf_snapshot()
        dup['vnfcSnapshots'][1]['id'] = dup['vnfcSnapshots'][0]['id']
        cases = [
            (400, {}), (400, {'vnfSnapshotPkgId': None}),
            (400, {'vnfSnapshot': None}), (400, {'colour': 'blue'}),
            (400, {'vnfSnapshotPkgId': 7}), (400, []),
            (400, {'vnfSnapshot': no_vnfcs}),
            (422, {'vnfSnapshot': dup}),
        ]
        for status, body in cases:
            with self.subTest(body=body):
                self.assertProblem(self.patch(self.info['id'], body), status)
        self.assertProblem(self.patch(self.info['id']), 400)
        resp = self.request('PATCH', self.url, raw_body=b'{',
                            content_type=MERGE_PATCH)
        self.assertProblem(resp, 400)
        resp = self.patch(self.info['id'], {'vnfSnapshotPkgId': PKG_ID},
                          content_type='text/plain')
        self.assertProblem(resp, 415)
        self.assertUnchanged()


class TestDelete(SnapshotsTestCase):

    def test_delete_empty(self):
        info = self.new_snapshot_info()
        resp = self.delete(info['id'])
        self.assertEqual(204, resp.status, resp.body)
        self.assertEqual(b'', resp.body)
        self.assertProblem(self.one(info['id']), 404)
        self.assertEqual([], self.stored())

    def test_delete_taken(self):
        _, info_id = self.snapshot_taken()
        self.assertEqual(2, len(fake_vim.FakeVim.snapshots))
        resp = self.delete(info_id)
        self.assertEqual(204, resp.status, resp.body)
        self.assertEqual({}, fake_vim.FakeVim.snapshots)
        self.assertEqual(2, len([c for c in fake_vim.FakeVim.calls
                                 if c[0] == 'delete']))
        self.assertProblem(self.one(info_id), 404)
        self.assertEqual([], self.stored())

    def test_delete_given(self):
        """A snapshot given by a client (e.g. extracted from a package):
        its VNFC snapshots are deleted through the VIM it names."""
        snap = snapshots.vnf_snapshot()
        snap['vnfInstance']['vimConnectionInfo'] = {
            'vim1': {'vimId': 'x', 'vimType': fake_vim.VIM_TYPE}}
        info = self.post(URL, {'vnfSnapshot': snap}).json
        resp = self.delete(info['id'])
        self.assertEqual(204, resp.status, resp.body)
        self.assertEqual([('delete', 'image-0'), ('delete', 'image-1')],
                         fake_vim.FakeVim.calls)
        self.assertEqual([], self.stored())

    def test_delete_given_on_no_known_vim(self):
        """VNFC snapshots on no VIM connection known here: only the
        record goes."""
        info = self.post(URL, {'vnfSnapshot': snapshots.vnf_snapshot()}).json
        resp = self.delete(info['id'])
        self.assertEqual(204, resp.status, resp.body)
        self.assertEqual([], fake_vim.FakeVim.calls)
        self.assertEqual([], self.stored())

    def test_delete_uses_the_vim_credentials(self):
        """The snapshot's VnfInstance copy has no accessInfo; deleting uses
        the registered instance's VIM connection, credentials included."""
        inst = self.register_vnf()
        db_api.update_vnf_instance(inst['id'], {'vim_connection_info': {
            'vim1': {'vimId': 'local', 'vimType': fake_vim.VIM_TYPE,
                     'accessInfo': {'password': 'pw'}}}})
        info_id, op = self.take_snapshot(inst['id'])
        self.assertNotIn('accessInfo', json.dumps(self.one(info_id).json))
        seen = []
        real = fake_vim.FakeVim.delete_vnfc_snapshot

        def record(driver, vnfc_snapshot):
            seen.append(driver.vim_connection_info)
            return real(driver, vnfc_snapshot)

        self.useFixture(fixtures.MockPatchObject(
            fake_vim.FakeVim, 'delete_vnfc_snapshot', record))
        self.assertEqual(204, self.delete(info_id).status)
        self.assertTrue(seen)
        for conn in seen:
            self.assertEqual({'password': 'pw'}, conn.get('accessInfo'))

    def test_delete_with_if_match(self):
        info = self.new_snapshot_info()
        resp = self.delete(info['id'], headers={'If-Match': '"nope"'})
        self.assertProblem(resp, 412)
        self.assertEqual([info['id']], self.stored())
        etag = self.one(info['id']).headers['ETag']
        resp = self.delete(info['id'], headers={'If-Match': etag})
        self.assertEqual(204, resp.status, resp.body)

    def test_delete_while_an_operation_holds_it(self):
        inst = self.register_vnf()
        info = self.new_snapshot_info()
        op_id = self.hold(info['id'], inst['id'])
        resp = self.delete(info['id'])
        self.assertProblem(resp, 409)
        self.assertIn(op_id, resp.json['detail'])
        self.assertEqual(states.COMPLETED,
                         self.wait_for_op(op_id).operation_state)
        self.assertEqual(2, len(fake_vim.FakeVim.snapshots))
        self.assertEqual([info['id']], self.stored())

    def test_delete_while_a_revert_holds_it(self):
        inst, info_id = self.snapshot_taken()
        fake_vim.FakeVim.delay[('revert', 'vm-0')] = 0.5
        resp = self.post('/vnflcm/v2/vnf_instances/%s/revert_to_snapshot'
                         % inst['id'], {'vnfSnapshotInfoId': info_id})
        op_id = self.op_id_from(resp)
        self.assertProblem(self.delete(info_id), 409)
        self.assertEqual(states.COMPLETED,
                         self.wait_for_op(op_id).operation_state)
        self.assertEqual(2, len(fake_vim.FakeVim.snapshots))
        self.assertEqual(204, self.delete(info_id).status)


class TestPatchRace(base.ApiTestCase):
    """A modification landing between PATCH's read and its update."""

    def _race(self, headers):
        info = self.new_snapshot_info()
        path = '/vnflcm/v2/vnf_snapshots/%s' % info['id']
        etag = self.get(path).headers['ETag']
        real_update = db_api.update_vnf_snapshot_info

        def sneaky(*args, **kwargs):
            # Another client's PATCH wins just before ours is written.
            future = kwargs['if_updated_at'] + datetime.timedelta(seconds=1)
            with mock.patch('oslo_utils.timeutils.utcnow',
                            return_value=future):
                real_update(None, info['id'],
                            {'vnf_snapshot_pkg_id': 'theirs'})
            return real_update(*args, **kwargs)

        with mock.patch.object(db_api, 'update_vnf_snapshot_info', sneaky):
            resp = self.request(
                'PATCH', path, body={'vnfSnapshotPkgId': 'ours'},
                content_type='application/merge-patch+json',
                headers=dict(headers, **{'If-Match': etag})
                if headers is not None else None)
        self.assertEqual('theirs', self.get(path).json['vnfSnapshotPkgId'])
        return resp

    def test_if_match_race_is_412(self):
        self.assertProblem(self._race({}), 412)

    def test_race_without_precondition_is_409(self):
        self.assertProblem(self._race(None), 409)
