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

"""Hostile input at the API edge: every resource family answers a clear,
bounded 4xx ProblemDetails, never a 5xx, and nothing stored changes; rows
stored before the bounds existed do not break reads."""

import io
import json
import logging

import fixtures
from oslo_utils import timeutils
from oslo_utils import uuidutils
import sqlalchemy as sa
import webob

from vnfsnap.common import json_limits
from vnfsnap.common import states
from vnfsnap.db import api as db_api
from vnfsnap.db import models
from vnfsnap.tests import base

LCM = '/vnflcm/v2'
PKGM = '/vnfsnapshotpkgm/v1/vnf_snapshot_packages'
COLLECTIONS = (LCM + '/vnf_instances', LCM + '/vnf_snapshots',
               LCM + '/vnf_lcm_op_occs', LCM + '/subscriptions', PKGM)
# Longest error answer: the ProblemDetails members around a detail of at
# most views.MAX_DETAIL characters, each escaped in at most 6 bytes.
MAX_PROBLEM = 6 * 2048 + 6 * 256 + 200


def nested(depth, leaf=1):
    """JSON text of ``depth`` nested arrays around ``leaf``."""
    return '[' * depth + json.dumps(leaf) + ']' * depth


def depth_of(value):
    """How deep ``value`` nests, without recursion (it may be deep)."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        node, level = pending.pop()
        if isinstance(node, (dict, list)):
            deepest = max(deepest, level)
            pending.extend((child, level + 1) for child in (
                node.values() if isinstance(node, dict) else node))
    return deepest


class Stream:
    """A WSGI input as a server hands over a chunked body: ``read(n)``
    only; counts what was read."""

    def __init__(self, data):
        self.data = io.BytesIO(data)
        self.pos = 0

    def read(self, n=-1):
        chunk = self.data.read(n)
        self.pos += len(chunk)
        return chunk


class EdgeTestCase(base.ApiTestCase):

    def setUp(self):
        super().setUp()
        self.log = self.useFixture(fixtures.FakeLogger(
            level=logging.DEBUG, format='%(levelname)s %(name)s %(message)s'))

    def assertNoErrorLogged(self):
        lines = self.log.output.splitlines()
        self.assertEqual([], [line for line in lines if line.startswith(
            ('ERROR', 'CRITICAL')) or 'Traceback' in line])

    def assertBoundedProblem(self, resp, status):
        self.assertProblem(resp, status)
        self.assertLessEqual(len(resp.body), MAX_PROBLEM)

    def raw(self, method, path, body=None, query='', headers=None,
            content_type='application/json', stream=None, length=None):
        """A request built from the WSGI environ up, as a server hands it
        over: PATH_INFO and QUERY_STRING are latin-1 text of the bytes."""
        req = webob.Request.blank('/', method=method)
        req.environ['PATH_INFO'] = path
        req.environ['QUERY_STRING'] = query
        req.headers['Version'] = (self.PKGM_VERSION if 'pkgm' in path
                                  else self.VERSION)
        if body is not None:
            req.body = body
            req.content_type = content_type
        if stream is not None:
            req.environ.pop('CONTENT_LENGTH', None)
            req.environ['wsgi.input'] = stream
            req.environ['webob.is_body_seekable'] = False
            req.environ['wsgi.input_terminated'] = True
            req.headers['Transfer-Encoding'] = 'chunked'
            req.content_type = content_type
        if length is not None:
            req.environ['CONTENT_LENGTH'] = str(length)
        for name, value in (headers or {}).items():
            req.headers[name] = value
        return base.Response(req.get_response(self.app))

    def stored_packages(self):
        return sorted((p.id, p.name, p.user_defined_data, p.state)
                      for p in db_api.list_vnf_snapshot_pkgs(None))


class TestDeepJson(EdgeTestCase):

    def post_pkg(self, raw):
        return self.raw('POST', PKGM, raw.encode())

    def test_depth_limit(self):
        # The body and userDefinedData are two levels, the arrays the rest.
        at_limit = '{"name": "p", "userDefinedData": {"a": %s}}' % nested(62)
        self.assertEqual(201, self.post_pkg(at_limit).status)
        for depth in (63, 300, 900, 3000, 100000):
            with self.subTest(depth=depth):
                resp = self.post_pkg('{"name": "p", "userDefinedData": '
                                     '{"a": %s}}' % nested(depth))
                self.assertBoundedProblem(resp, 400)
                self.assertIn('nested deeper than 64 levels',
                              resp.json['detail'])
        self.assertEqual(1, len(self.stored_packages()))
        self.assertEqual(200, self.get(PKGM + '?all_fields').status)
        self.assertNoErrorLogged()

    def test_depth_limit_is_configurable(self):
        self.conf.config(max_json_depth=5, group='api')
        resp = self.post_pkg('{"name": "p", "userDefinedData": {"a": %s}}'
                             % nested(4))
        self.assertBoundedProblem(resp, 400)
        self.assertIn('deeper than 5 levels', resp.json['detail'])
        self.assertEqual(201, self.post_pkg(
            '{"name": "p", "userDefinedData": {"a": %s}}' % nested(3)).status)


class TestStoredDeepValues(EdgeTestCase):
    """Rows written before the bounds existed (here: straight into the
    database) with values too deep for Python to walk recursively."""

    def setUp(self):
        super().setUp()
        inst = self.register_vnf()
        self.ids = {'vnf_instances': inst['id']}
        snap = self.post(LCM + '/vnf_snapshots', {'vnfSnapshot': {
            'id': 'snap-x', 'vnfInstanceId': inst['id'],
            'creationStartedAt': '2026-01-02T03:04:05Z', 'vnfdId': 'vnfd-1',
            'vnfInstance': {'id': inst['id']},
            'vnfcSnapshots': [{'id': 'vnfc-snap-0', 'vnfcInstanceId': 'c0',
                               'creationStartedAt': '2026-01-02T03:04:05Z',
                               'vnfcResourceInfoId': 'vnfc-0'}]}})
        self.assertEqual(201, snap.status, snap.body)
        self.ids['vnf_snapshot_infos'] = snap.json['id']
        pkg = self.post(PKGM, {'name': 'p', 'userDefinedData': {'k': 1}})
        self.ids['vnf_snapshot_pkgs'] = pkg.json['id']
        # A finished occurrence, without the events db_api would add: the
        # conductor has nothing to run or notify.
        op_id = uuidutils.generate_uuid()
        with db_api.get_engine().begin() as conn:
            conn.execute(sa.insert(models.VnfLcmOpOcc.__table__).values(
                id=op_id, project_id='default', vnf_instance_id=inst['id'],
                operation=states.CREATE_SNAPSHOT,
                operation_state=states.COMPLETED,
                state_entered_time=timeutils.utcnow(),
                start_time=timeutils.utcnow(), operation_params={},
                is_automatic_invocation=False, is_cancel_pending=False,
                created_at=timeutils.utcnow(),
                updated_at=timeutils.utcnow()))
        self.ids['vnf_lcm_op_occs'] = op_id
        self.ids['lccn_subscriptions'] = db_api.create_subscription({
            'id': uuidutils.generate_uuid(), 'project_id': 'default',
            'callback_uri': 'http://127.0.0.1:9/cb', 'filter': {},
            'verbosity': 'FULL'}).id

    # (table, JSON column, collection, attribute path in the answer)
    TARGETS = (
        ('vnf_instances', 'metadata', LCM + '/vnf_instances', 'metadata'),
        ('vnf_snapshot_infos', 'snapshot_user_defined_data',
         LCM + '/vnf_snapshots', 'vnfSnapshot/userDefinedData'),
        ('vnf_lcm_op_occs', 'operation_params', LCM + '/vnf_lcm_op_occs',
         'operationParams'),
        ('lccn_subscriptions', 'filter', LCM + '/subscriptions', 'filter'),
        ('vnf_snapshot_pkgs', 'user_defined_data', PKGM, 'userDefinedData'),
    )

    def write(self, table, column, text):
        """Store ``text`` as it is (untyped: not serialized again)."""
        rows = sa.table(table, sa.column('id'), sa.column(column))
        with db_api.get_engine().begin() as conn:
            conn.execute(sa.update(rows).where(
                rows.c.id == self.ids[table]).values({column: text}))

    def read(self, table, column):
        rows = sa.table(table, sa.column('id'), sa.column(column))
        with db_api.get_engine().connect() as conn:
            return conn.execute(sa.select(rows.c[column]).where(
                rows.c.id == self.ids[table])).scalar_one()

    def attribute(self, representation, path):
        for name in path.split('/'):
            representation = representation[name]
        return representation

    def check_reads(self, collection, path, item_id):
        single = self.get('%s/%s' % (collection, item_id))
        self.assertEqual(200, single.status, single.body[:300])
        value = self.attribute(single.json, path)
        self.assertEqual(json_limits.READ_DEPTH, depth_of(value))
        self.assertIn(json_limits.LEFT_OUT, json.dumps(value))
        self.assertEqual(1, value['next'])
        for query in ('', '?all_fields', '?fields=%s' % path,
                      '?exclude_fields=%s' % path, '?exclude_default',
                      '?filter=(eq,id,%s)' % item_id,
                      '?filter=(eq,%s/next,1)' % path,
                      '?filter=(cont,%s/deep,left)' % path,
                      '?all_fields&filter=(neq,%s/deep,1)' % path):
            with self.subTest(query=query):
                resp = self.get(collection + query)
                self.assertEqual(200, resp.status, resp.body[:300])
                self.assertIn(item_id, [r['id'] for r in resp.json])

    def test_reads_survive_deep_rows(self):
        for depth in (500, 20000):
            stored = '{"deep": %s, "next": 1}' % nested(depth)
            for table, column, collection, path in self.TARGETS:
                with self.subTest(depth=depth, table=table):
                    self.write(table, column, stored)
                    self.check_reads(collection, path, self.ids[table])
                    # Reading changed nothing stored.
                    self.assertEqual(stored, self.read(table, column))
        self.assertNoErrorLogged()


class TestUnstorableStrings(EdgeTestCase):

    def test_refused(self):
        for raw, what in (
                (b'{"name": "\\ud800"}', 'surrogate'),
                (b'{"name": "a\\udfffb"}', 'surrogate'),
                (b'{"name": "p", "userDefinedData": {"\\udc00": 1}}',
                 'surrogate'),
                (b'{"name": "p", "userDefinedData": {"k": ["\\ud83d"]}}',
                 'surrogate'),
                (b'{"name": "a\\u0000b"}', 'NUL'),
                ('{"name": "\u00e9"}'.encode('utf-16'), 'not UTF-8'),
                ('{"name": "a"}'.encode('utf-16-le'), 'not valid JSON'),
                ('{"name": "\u00e9"}'.encode('utf-32'), 'not UTF-8'),
                ('{"name": "\u00e9"}'.encode('latin-1'), 'not UTF-8'),
                (b'{"name": "\xed\xa0\x80"}', 'not UTF-8')):
            with self.subTest(raw=raw):
                resp = self.raw('POST', PKGM, raw)
                self.assertBoundedProblem(resp, 400)
                self.assertIn(what, resp.json['detail'])
        self.assertEqual([], self.stored_packages())
        self.assertNoErrorLogged()

    def test_surrogate_pairs_are_text(self):
        resp = self.raw('POST', PKGM, b'{"name": "\\ud83d\\ude00 \xc3\xa9"}')
        self.assertEqual(201, resp.status, resp.body)
        self.assertEqual('\U0001f600 \u00e9', resp.json['name'])


class TestBodySize(EdgeTestCase):

    LIMIT = 64 * 1024

    def setUp(self):
        super().setUp()
        self.conf.config(max_json_body_size=self.LIMIT, group='api')

    def body(self, size):
        """A package creation body of exactly ``size`` bytes."""
        head = b'{"name": "p", "userDefinedData": {"a": "'
        return head + b'x' * (size - len(head) - 3) + b'"}}'

    def test_announced(self):
        self.assertEqual(201, self.raw('POST', PKGM,
                                       self.body(self.LIMIT)).status)
        stream = Stream(self.body(self.LIMIT + 1))
        resp = self.raw('POST', PKGM, stream=stream, length=self.LIMIT + 1)
        self.assertBoundedProblem(resp, 413)
        self.assertIn('[api]max_json_body_size', resp.json['detail'])
        self.assertEqual(0, stream.pos)
        self.assertEqual(1, len(self.stored_packages()))

    def test_chunked(self):
        self.assertEqual(201, self.raw('POST', PKGM, stream=Stream(
            self.body(self.LIMIT))).status)
        for size in (self.LIMIT + 1, 50 * 1024 * 1024):
            with self.subTest(size=size):
                stream = Stream(self.body(size))
                resp = self.raw('POST', PKGM, stream=stream)
                self.assertBoundedProblem(resp, 413)
                self.assertEqual(self.LIMIT + 1, stream.pos)
        self.assertEqual(1, len(self.stored_packages()))

    def test_every_body_is_limited(self):
        """Whatever the resource, even one that reads no body."""
        pkg = self.post(PKGM, {'name': 'p'}).json
        for method, path in (('POST', LCM + '/vnf_instances'),
                             ('POST', LCM + '/vnf_snapshots'),
                             ('POST', LCM + '/subscriptions'),
                             ('PATCH', '%s/%s' % (PKGM, pkg['id'])),
                             ('DELETE', '%s/%s' % (PKGM, pkg['id'])),
                             ('GET', LCM + '/vnf_instances'),
                             ('POST', LCM + '/nowhere')):
            with self.subTest(method=method, path=path):
                resp = self.raw(method, path, stream=Stream(b''),
                                length=10 ** 12)
                self.assertBoundedProblem(resp, 413)
        self.assertEqual([(pkg['id'], 'p', None, 'CREATED')],
                         self.stored_packages())

    def test_bad_content_length(self):
        for value in ('-1', 'abc', '1e3', '\u0661'.encode().decode(
                'latin-1'), '9' * 5000):
            with self.subTest(value=value):
                resp = self.raw('POST', PKGM, stream=Stream(b'{}'),
                                length=value)
                self.assertBoundedProblem(resp, 413 if value.isdigit()
                                          else 400)

    def test_merge_patch_cannot_grow_a_value_without_bound(self):
        pkg = self.post(PKGM, {'name': 'p'}).json
        url = '%s/%s' % (PKGM, pkg['id'])
        half = 'x' * (self.LIMIT // 2)
        resp = self.request('PATCH', url, {'userDefinedData': {'a': half}},
                            content_type='application/merge-patch+json')
        self.assertEqual(200, resp.status, resp.body)
        before = self.stored_packages()
        resp = self.request('PATCH', url, {'userDefinedData': {'b': half}},
                            content_type='application/merge-patch+json')
        self.assertBoundedProblem(resp, 413)
        self.assertIn('userDefinedData', resp.json['detail'])
        self.assertEqual(before, self.stored_packages())

    def test_modify_info_cannot_grow_a_value_without_bound(self):
        """Nor can a VNF instance's modification (MODIFY_INFO), whatever
        attribute of it merges into what is stored."""
        inst = self.register_vnf(n_vnfcs=1)
        url = '%s/vnf_instances/%s' % (LCM, inst['id'])
        half = 'x' * (self.LIMIT // 2)
        patches = (
            ('metadata', lambda key: {key: half}),
            ('extensions', lambda key: {key: half}),
            ('vnfConfigurableProperties', lambda key: {key: half}),
            ('vimConnectionInfo', lambda key: {
                'vim1': {'accessInfo': {key: half}}}),
            ('vnfcInfoModifications', lambda key: [{
                'id': 'vnfc-0', 'vnfcConfigurableProperties': {key: half}}]))
        for attribute, patch in patches:
            with self.subTest(attribute=attribute):
                resp = self.request(
                    'PATCH', url, {attribute: patch('a')},
                    content_type='application/merge-patch+json')
                op = self.wait_for_op(self.op_id_from(resp))
                self.assertEqual(states.COMPLETED, op.operation_state,
                                 op.error)
                before = self.stored_instance(inst['id'])
                resp = self.request(
                    'PATCH', url, {attribute: patch('b')},
                    content_type='application/merge-patch+json')
                self.assertBoundedProblem(resp, 413)
                self.assertIn('[api]max_json_body_size',
                              resp.json['detail'])
                self.assertEqual(before, self.stored_instance(inst['id']))
        self.assertEqual(len(patches), len(db_api.list_op_occs(None)))
        self.assertNoErrorLogged()

    @staticmethod
    def stored_instance(instance_id):
        row = db_api.get_vnf_instance(None, instance_id)
        return {column: getattr(row, column) for column in (
            'vnf_metadata', 'extensions', 'vnf_configurable_properties',
            'vim_connection_info', 'instantiated_vnf_info', 'updated_at')}


class TestErrorSize(EdgeTestCase):

    def test_detail_is_bounded(self):
        for body in ({'name': 'x' * 1500000},
                     {'name': 7, 'userDefinedData': {'y' * 1500000: 1}},
                     {'name': 'p', 'userDefinedData': ['z' * 1500000]}):
            with self.subTest(body=str(body)[:40]):
                resp = self.post(PKGM, body)
                self.assertBoundedProblem(resp, 400)
                self.assertLessEqual(len(resp.json['detail']), 2048)
        resp = self.post(PKGM, {'name': 'x' * 1500000})
        self.assertIn('(1500002 characters)', resp.json['detail'])
        self.assertEqual([], self.stored_packages())

    def test_quoted_header_is_bounded(self):
        resp = self.get(COLLECTIONS[0], version='9' * 100000)
        self.assertBoundedProblem(resp, 406)
        self.assertIn('truncated by vnfsnap', resp.json['detail'])


class TestMandatoryAttributes(EdgeTestCase):

    def test_exclude_fields(self):
        for collection in COLLECTIONS:
            for path in ('_links', '_links/self', '_links/self/href', 'id',
                         'name,_links/self/href'):
                with self.subTest(collection=collection, path=path):
                    resp = self.get(collection + '?exclude_fields=' + path)
                    self.assertBoundedProblem(resp, 400)
                    self.assertIn('mandatory', resp.json['detail'])
        self.register_vnf()
        resp = self.get(LCM + '/vnf_instances?exclude_fields='
                        '_links/createSnapshot')
        self.assertEqual(200, resp.status, resp.body)
        self.assertEqual(['revertToSnapshot', 'self'],
                         sorted(resp.json[0]['_links']))


class TestUrlEncoding(EdgeTestCase):

    def test_path_not_utf8(self):
        # PATH_INFO holds the bytes of the path as latin-1 text: '\xff'
        # is what a server hands over for /%ff or a raw 0xff byte.
        for path in ('/vnflcm/v2/vnf_instances/\xff',
                     '/vnflcm/v2/vnf_instances/\xc3',
                     '/vnflcm/v2/vnf_instances/\xed\xa0\x80',
                     '/vnflcm/v2/\xff',
                     PKGM + '/x/artifacts/\xff/a'):
            for method in ('GET', 'POST', 'PUT', 'PATCH', 'DELETE'):
                with self.subTest(path=path, method=method):
                    resp = self.raw(method, path)
                    self.assertBoundedProblem(resp, 400)
                    self.assertIn('not valid UTF-8', resp.json['detail'])
        self.assertNoErrorLogged()
        self.assertIn('DEBUG vnfsnap.api.limits Refused', self.log.output)

    def test_path_control_characters(self):
        for path in ('/vnflcm/v2/vnf_instances/\x00',
                     '/vnflcm/v2/vnf_snapshots/a\nb', PKGM + '/\x7f'):
            with self.subTest(path=path):
                self.assertBoundedProblem(self.raw('GET', path), 400)
        self.assertNoErrorLogged()

    def test_query_not_utf8(self):
        for collection in COLLECTIONS:
            for query in ('filter=%ff', 'fields=%c3', '%ff=1'):
                with self.subTest(collection=collection, query=query):
                    resp = self.raw('GET', collection, query=query)
                    self.assertBoundedProblem(resp, 400)
        resp = self.raw('GET', LCM + '/vnf_instances/x', query='a=%ff')
        self.assertBoundedProblem(resp, 400)
        self.assertNoErrorLogged()

    def test_utf8_path_is_routed(self):
        resp = self.raw('GET', '/vnflcm/v2/vnf_instances/\xc3\xa9')
        self.assertBoundedProblem(resp, 404)


class TestVersionHeader(EdgeTestCase):

    def test_huge_numbers(self):
        for version in ('2.0.' + '9' * 5000, '2' + '0' * 5000 + '.0.0',
                        '2.0.0-impl:' + 'x' * 100000):
            with self.subTest(version=version[:20]):
                resp = self.get(COLLECTIONS[0], version=version)
                self.assertBoundedProblem(resp, 406)
        self.assertNoErrorLogged()


class TestHostileProbe(EdgeTestCase):
    """Odd and oversized query strings, headers and path ids on every
    resource family: always a bounded 4xx ProblemDetails or a success."""

    ODD = ('x' * 70000, '', ' ', '%00', '..', '~', '@', '*', ',' * 5000,
           '(' * 5000, '"' * 1000, '\u00e9'.encode().decode('latin-1'),
           '9' * 5000, '-1', "'", '%2F', 'a/' * 5000 + 'a')
    QUERIES = ('filter=(eq,{0},1)', 'filter={0}', 'fields={0}',
               'exclude_fields={0}', 'nextpage_opaque_marker={0}',
               'filter=(in,id,{0})', 'filter=(gt,{0},{0})', 'all_fields={0}',
               '{0}={0}', 'exclude_default&fields={0}')
    HEADERS = ('Version', 'If-Match', 'Accept', 'If-Unmodified-Since',
               'Range', 'Content-Type', 'X-Project-Id')

    def paths(self):
        inst = self.register_vnf()['id']
        pkg = self.post(PKGM, {'name': 'p'}).json['id']
        yield from COLLECTIONS
        yield LCM + '/vnf_instances/' + inst
        yield LCM + '/vnf_instances/%s/snapshot_descriptor' % inst
        yield PKGM + '/' + pkg
        yield PKGM + '/%s/package_content' % pkg
        yield PKGM + '/%s/artifacts/a/b' % pkg
        for odd in self.ODD:
            for collection in COLLECTIONS:
                yield '%s/%s' % (collection, odd)
            yield LCM + '/vnf_instances/%s/create_snapshot' % odd
            yield PKGM + '/%s/artifacts/%s' % (pkg, odd)

    def check(self, resp, what):
        self.assertLess(resp.status, 500, (what, resp.body[:300]))
        if resp.status >= 400:
            self.assertEqual('application/problem+json', resp.content_type,
                             what)
            self.assertLessEqual(len(resp.body), MAX_PROBLEM, what)

    def test_probe(self):
        for path in self.paths():
            for method in ('GET', 'POST', 'PUT', 'PATCH', 'DELETE'):
                self.check(self.raw(method, path, b'{}'), (method, path))
        for collection in COLLECTIONS:
            for template in self.QUERIES:
                for odd in self.ODD:
                    query = template.format(odd)
                    self.check(self.raw('GET', collection, query=query),
                               (collection, query[:60]))
            for name in self.HEADERS:
                for odd in self.ODD:
                    for method in ('GET', 'POST'):
                        self.check(self.raw(method, collection, b'{}',
                                            headers={name: odd}),
                                   (method, collection, name, odd[:20]))
        self.assertNoErrorLogged()
