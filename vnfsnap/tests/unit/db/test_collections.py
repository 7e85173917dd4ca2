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

"""Collections in SQL: vnfsnap.db.filters and db_api.iter_collection,
against a real SQLite database, with vnfsnap.api.sol013 (the filter in
Python on the rendered representations) as the oracle."""

import itertools
import urllib.parse

from vnfsnap.api import sol013
from vnfsnap.db import api as db_api
from vnfsnap.db import filters
from vnfsnap.db import models
from vnfsnap.tests import base
from vnfsnap.tests.fixtures import collection_rows as rows

PROJECT = rows.PROJECT
LCM = rows.LCM
OPS = models.VnfLcmOpOcc
INFOS = models.VnfSnapshotInfo
ids = rows.ids
make_op = rows.make_op


class CollectionTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        rows.make_rows()

    def python(self, model, expr):
        return rows.python_ids(model, expr)

    def sql(self, model, expr, project=PROJECT, after=None, first=100):
        """The ids iter_collection gives for the filter, untested."""
        terms = sol013.parse_filter(expr).terms if expr else ()
        return ids(db_api.iter_collection(model, project, terms, after=after,
                                          first=first))

    def assertExact(self, model, expr):
        """Every term is SQL, and SQL alone gives what Python does."""
        clauses, rest = filters.translate(
            model, sol013.parse_filter(expr).terms, 'sqlite')
        self.assertEqual([], rest, expr)
        wanted = self.python(model, expr)
        self.assertEqual(wanted, self.sql(model, expr), expr)
        return wanted


class TestTranslation(CollectionTestCase):

    def test_string_operators(self):
        for expr in ('(eq,id,op-03)', '(eq,id,nope)', "(eq,id,'')",
                     '(neq,id,op-03)', '(in,id,op-01,op-02,nope)',
                     '(nin,id,op-01,op-02)', '(eq,operationState,PROCESSING)',
                     '(eq,operationState,processing)',
                     '(in,operationState,STARTING,COMPLETED)',
                     '(nin,operationState,STARTING,COMPLETED)',
                     '(eq,operation,REVERT_TO_SNAPSHOT)',
                     '(eq,vnfInstanceId,vnf-1)', '(cont,id,0)',
                     '(cont,id,1,2)', '(ncont,id,1,2)', '(cont,id,OP)',
                     "(cont,id,'')", "(ncont,id,'')", "(cont,id,'op-0''')",
                     '(cont,operation,%)', '(cont,operation,_)',
                     '(ncont,operation,_)', '(cont,vnfInstanceId,-)',
                     # Absent (null) attributes: only the negations match.
                     '(eq,vnfSnapshotInfoId,info-4)',
                     '(neq,vnfSnapshotInfoId,info-4)',
                     '(nin,vnfSnapshotInfoId,info-4,info-5)',
                     '(ncont,vnfSnapshotInfoId,info)',
                     '(cont,vnfSnapshotInfoId,info)'):
            with self.subTest(expr=expr):
                self.assertExact(OPS, expr)
        self.assertEqual(['op-03'], self.assertExact(OPS, '(eq,id,op-03)'))
        self.assertEqual(['op-04'], self.assertExact(
            OPS, '(eq,vnfSnapshotInfoId,info-4);(neq,id,x)'))

    def test_time_operators(self):
        # state_entered_time of op-n: T0 + n s + (n % 4) quarters of a
        # second; rendered truncated to the second.
        for expr in ('(eq,stateEnteredTime,2026-03-01T12:00:05Z)',
                     '(eq,stateEnteredTime,2026-03-01T12:00:05+00:00)',
                     '(eq,stateEnteredTime,2026-03-01T12:00:05.250Z)',
                     '(in,stateEnteredTime,2026-03-01T12:00:05Z,'
                     '2026-03-01T12:00:07Z,bad)',
                     '(neq,stateEnteredTime,2026-03-01T12:00:05Z)',
                     '(nin,stateEnteredTime,2026-03-01T12:00:05Z,x)',
                     '(gt,stateEnteredTime,2026-03-01T12:00:05Z)',
                     '(gt,stateEnteredTime,2026-03-01T12:00:05.5Z)',
                     '(gte,stateEnteredTime,2026-03-01T12:00:05Z)',
                     '(gte,stateEnteredTime,2026-03-01T12:00:05.5Z)',
                     '(lt,stateEnteredTime,2026-03-01T12:00:05Z)',
                     '(lt,stateEnteredTime,2026-03-01T12:00:05.5Z)',
                     '(lte,stateEnteredTime,2026-03-01T12:00:05Z)',
                     '(lte,stateEnteredTime,2026-03-01T12:00:05.5Z)',
                     # Naive is UTC; an offset is converted.
                     '(lte,stateEnteredTime,2026-03-01T12:00:05)',
                     '(gt,startTime,2026-03-01T13:00:02+01:00)',
                     '(lt,startTime,2026-03-01T11:00:03-01:00)',
                     '(gte,startTime,2026-03-01)'):
            with self.subTest(expr=expr):
                self.assertExact(OPS, expr)
        self.assertEqual(['op-05'], self.assertExact(
            OPS, '(eq,stateEnteredTime,2026-03-01T12:00:05Z)'))
        self.assertEqual([], self.assertExact(
            OPS, '(eq,stateEnteredTime,2026-03-01T12:00:05.250Z)'))

    def test_nested_attributes_of_a_filled_resource(self):
        for expr in ('(eq,vnfSnapshot/id,snap-03)',
                     '(neq,vnfSnapshot/id,snap-03)',
                     '(eq,vnfSnapshot/vnfInstanceId,vnf-1)',
                     '(neq,vnfSnapshot/vnfInstanceId,vnf-1)',
                     '(nin,vnfSnapshot/vnfdId,vnfd-1)',
                     '(ncont,vnfSnapshot/vnfdId,vnfd)',
                     '(eq,vnfSnapshotPkgId,pkg-1)',
                     '(neq,vnfSnapshotPkgId,pkg-1)',
                     '(gte,vnfSnapshot/creationStartedAt,'
                     '2026-03-01T12:00:04Z)',
                     '(lt,vnfSnapshot/creationStartedAt,'
                     '2026-03-01T12:00:04.5Z)',
                     '(neq,vnfSnapshot/creationFinishedAt,'
                     '2026-03-01T12:00:04Z)',
                     '(lte,vnfSnapshot/creationFinishedAt,'
                     '2026-03-01T12:00:09Z)'):
            with self.subTest(expr=expr):
                self.assertExact(INFOS, expr)
        # The empty resources (info-00, info-05, info-10) have no
        # vnfSnapshot: "not equal" holds for them.
        self.assertEqual(['info-00', 'info-05', 'info-10'], self.assertExact(
            INFOS, '(nin,vnfSnapshot/vnfdId,vnfd-1)'))

    def test_combinations(self):
        for expr in ('(eq,operation,CREATE_SNAPSHOT);(neq,id,op-00)',
                     '(in,operationState,STARTING,COMPLETED);'
                     '(gt,stateEnteredTime,2026-03-01T12:00:03Z);'
                     '(ncont,vnfInstanceId,2)',
                     '(eq,id,op-01);(eq,id,op-02)',
                     '(gte,startTime,2026-03-01T12:00:02Z);'
                     '(lte,startTime,2026-03-01T12:00:03Z)'):
            with self.subTest(expr=expr):
                self.assertExact(OPS, expr)

    def test_what_stays_in_python(self):
        terms = sol013.parse_filter(
            '(eq,isCancelPending,true);(cont,startTime,12:00);'
            '(gt,id,op-05);(eq,operationParams/n,3);(eq,_links/self/href,x);'
            '(eq,id,op-05);(neq,operationParams/@key,n)').terms
        clauses, rest = filters.translate(models.VnfLcmOpOcc, terms,
                                          'sqlite')
        self.assertEqual(1, len(clauses))
        self.assertEqual(terms[:5] + terms[6:], tuple(rest))
        # A collection without columns known (none) keeps everything.
        self.assertEqual(([], list(terms)), filters.translate(
            models.Conductor, terms, 'sqlite'))

    def test_mysql_negations_stay_in_python(self):
        """MySQL compares strings without regard to case: its '=' may
        match more than the API's, never less, so only the positive
        operators narrow there."""
        terms = sol013.parse_filter(
            '(eq,id,a);(neq,id,a);(nin,id,a);(cont,id,a);(ncont,id,a);'
            '(neq,startTime,2026-03-01T12:00:00Z)').terms
        clauses, rest = filters.translate(models.VnfLcmOpOcc, terms, 'mysql')
        self.assertEqual(3, len(clauses))
        self.assertEqual(terms[1:3] + terms[4:5], tuple(rest))
        clauses, rest = filters.translate(models.VnfLcmOpOcc, terms,
                                          'postgresql')
        self.assertEqual(([], 6), (rest, len(clauses)))

    def test_mysql_leaves_4_byte_characters_to_python(self):
        """MySQL's 3-byte "utf8" connections refuse them in a query."""
        terms = sol013.parse_filter(
            "(eq,vnfInstanceName,fw-\U0001f525);(cont,vnfInstanceName,fw)"
        ).terms
        clauses, rest = filters.translate(models.VnfInstance, terms, 'mysql')
        self.assertEqual((1, terms[:1]), (len(clauses), tuple(rest)))
        clauses, rest = filters.translate(models.VnfInstance, terms,
                                          'postgresql')
        self.assertEqual((2, []), (len(clauses), rest))

    def test_non_column_terms_are_not_applied(self):
        """iter_collection gives every row a term on a non-column may
        match: the API tests them (TestApiFallback)."""
        expr = '(eq,operationParams/n,4);(cont,operation,CREATE)'
        got = self.sql(models.VnfLcmOpOcc, expr)
        self.assertEqual(self.python(models.VnfLcmOpOcc,
                                     '(cont,operation,CREATE)'), got)
        self.assertIn('op-02', got)
        self.assertEqual(['op-04'], self.python(models.VnfLcmOpOcc, expr))

    def test_fast_attributes(self):
        self.assertEqual(
            ['id', 'operation', 'operationState', 'startTime',
             'stateEnteredTime', 'vnfInstanceId', 'vnfSnapshotInfoId'],
            filters.fast_attributes(models.VnfLcmOpOcc))
        self.assertEqual([], filters.fast_attributes(models.Conductor))


class TestKeyset(CollectionTestCase):

    def test_order_and_batches(self):
        """Oldest first, ties by id; however small the batches."""
        every = ids(db_api._list(models.VnfLcmOpOcc, PROJECT))
        self.assertEqual(every, sorted(every, key=lambda i: (
            int(i[3:]) // 3, i)))
        for first in (1, 2, 5, 100):
            for batch in (1, 3, 1000):
                self.patch(db_api, 'COLLECTION_BATCH', batch)
                with self.subTest(first=first, batch=batch):
                    self.assertEqual(every, self.sql(
                        models.VnfLcmOpOcc, None, first=first))

    def test_after_each_row(self):
        every = db_api._list(models.VnfLcmOpOcc, PROJECT)
        for i, row in enumerate(every):
            with self.subTest(after=row.id):
                self.assertEqual(ids(every[i + 1:]), self.sql(
                    models.VnfLcmOpOcc, None, after=row, first=2))
        # After the last row: nothing.
        self.assertEqual([], self.sql(models.VnfLcmOpOcc, None,
                                      after=every[-1]))

    def test_after_with_a_filter(self):
        every = db_api._list(models.VnfLcmOpOcc, PROJECT)
        expr = '(eq,operation,CREATE_SNAPSHOT)'
        order = ids(every)
        wanted = [i for i in self.python(models.VnfLcmOpOcc, expr)
                  if order.index(i) > 4]
        self.assertTrue(wanted)
        self.assertEqual(wanted, self.sql(models.VnfLcmOpOcc, expr,
                                          after=every[4]))

    def test_scoped(self):
        make_op(40, project_id='p2')
        self.assertNotIn('op-40', self.sql(models.VnfLcmOpOcc, None))
        self.assertIn('op-40', self.sql(models.VnfLcmOpOcc, None,
                                        project=None))
        self.assertEqual(['op-40'], self.sql(models.VnfLcmOpOcc, None,
                                             project='p2'))

    def test_marker_row(self):
        row = db_api.get_collection_row(models.VnfLcmOpOcc, PROJECT, 'op-04')
        self.assertEqual('op-04', row.id)
        self.assertIsNone(db_api.get_collection_row(
            models.VnfLcmOpOcc, 'p2', 'op-04'))
        self.assertIsNone(db_api.get_collection_row(
            models.VnfLcmOpOcc, PROJECT, 'nope'))


class TestApiCollections(base.ApiTestCase):
    """What the API answers: each page as the Python filter would cut it,
    the marker of the last row, a deleted one, a foreign one."""

    def setUp(self):
        super().setUp()
        for n in range(12):
            rows.make_info(n, filled=n % 5 != 0)
        self.conf.config(max_page_size=2, group='api')

    def python(self, expr):
        return rows.python_ids(INFOS, expr, 'http://localhost')

    def walk(self, expr=None):
        return rows.walk(self, 'vnf_snapshots', expr, page_size=2)

    def test_every_page_as_python_cuts_it(self):
        for expr in (None, '(eq,vnfSnapshot/vnfInstanceId,vnf-1)',
                     '(neq,vnfSnapshotPkgId,pkg-1)',
                     # Not columns: the fallback, in batches.
                     '(eq,vnfSnapshot/vnfcSnapshots/id,c4-1)',
                     '(cont,vnfSnapshot/vnfcSnapshots/vnfcInstanceId,1)',
                     '(neq,vnfSnapshot/vnfInstance/id,vnf-2)',
                     '(eq,_links/self/href,http://localhost/vnflcm/v2/'
                     'vnf_snapshots/info-07)',
                     # Both kinds together.
                     '(cont,vnfSnapshot/vnfcSnapshots/id,-1);'
                     '(neq,id,info-03)'):
            for batch in (1, 3, 1000):
                with self.subTest(expr=expr, batch=batch):
                    self.patch(db_api, 'COLLECTION_BATCH', batch)
                    wanted = self.python(expr)
                    seen, pages = self.walk(expr)
                    self.assertEqual(wanted, seen)
                    self.assertEqual(max(1, (len(wanted) + 1) // 2), pages)

    def test_marker_of_the_last_row(self):
        url = LCM + '/vnf_snapshots?nextpage_opaque_marker=%s' % (
            sol013.encode_marker('info-11'))
        resp = self.get(url, project=PROJECT)
        self.assertEqual(200, resp.status, resp.body)
        self.assertEqual([], resp.json)
        self.assertNotIn('Link', resp.headers)

    def test_marker_the_filter_does_not_match(self):
        """As before: the marker must be an item of the filtered list."""
        url = LCM + '/vnf_snapshots?filter=%s&nextpage_opaque_marker=%s' % (
            urllib.parse.quote('(neq,id,info-04)'),
            sol013.encode_marker('info-04'))
        self.assertProblem(self.get(url, project=PROJECT), 400)

    def test_marker_of_a_deleted_row_or_another_project(self):
        link = self.get(LCM + '/vnf_snapshots',
                        project=PROJECT).headers['Link']
        url = link[1:link.index('>')]
        self.assertEqual(200, self.get(url, project=PROJECT).status)
        self.assertProblem(self.get(url, project='p2'), 400)
        db_api.delete_vnf_snapshot_info(PROJECT, 'info-01')
        resp = self.get(url, project=PROJECT)
        self.assertProblem(resp, 400)
        self.assertIn('nextpage_opaque_marker', resp.json['detail'])

    def test_foreign_and_blank_markers(self):
        for marker in ('', 'garbage!', sol013.encode_marker('nope'),
                       sol013.encode_marker('info-01') + 'x'):
            with self.subTest(marker=marker):
                self.assertProblem(self.get(
                    LCM + '/vnf_snapshots?nextpage_opaque_marker='
                    + marker, project=PROJECT), 400)

    def test_op_occs_by_time_and_state(self):
        for n in range(12):
            make_op(n)
        expr = ('(gte,stateEnteredTime,2026-03-01T12:00:03Z);'
                '(in,operationState,PROCESSING,COMPLETED)')
        wanted = rows.python_ids(OPS, expr)
        self.assertTrue(wanted)
        self.assertEqual(wanted, rows.walk(self, 'vnf_lcm_op_occs', expr)[0])


# The cross product of one operator and values over every fast attribute
# of the op occurrences: SQL alone agrees with Python.
class TestEveryFastAttribute(CollectionTestCase):

    VALUES = ('op-03', 'vnf-1', 'PROCESSING', 'CREATE_SNAPSHOT', 'info-4',
              '2026-03-01T12:00:04Z', '2026-03-01T12:00:04.5Z', 'x', '0')

    def test_cross_product(self):
        for attr in filters.fast_attributes(OPS):
            for op, value in itertools.product(
                    sorted(sol013.ONE_VALUE_OPS | sol013.MULTI_VALUE_OPS),
                    self.VALUES):
                expr = '(%s,%s,%s)' % (op, attr, value)
                terms = sol013.parse_filter(expr).terms
                _, rest = filters.translate(OPS, terms, 'sqlite')
                with self.subTest(expr=expr):
                    # SQL narrows, never drops a match; exact when taken.
                    got = self.sql(OPS, expr)
                    wanted = self.python(OPS, expr)
                    if rest:
                        self.assertLessEqual(set(wanted), set(got))
                    else:
                        self.assertEqual(wanted, got)
