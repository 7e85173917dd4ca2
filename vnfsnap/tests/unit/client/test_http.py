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

"""The client library's HTTP layer against recorded answers
(requests-mock): Version headers, paging, ProblemDetails, transfers."""

import io
import json
import os

from vnfsnapclient import exceptions

from vnfsnap.tests.fixtures import client_mock
from vnfsnap.tests.fixtures.client_mock import LCM
from vnfsnap.tests.fixtures.client_mock import PKGM
from vnfsnap.tests.fixtures.client_mock import PROBLEM
from vnfsnap.tests.fixtures.client_mock import problem


class CountingBody(io.BytesIO):
    """An answer body that counts what the client read of it."""

    bytes_read = 0

    def read(self, size=-1):
        data = super().read(size)
        self.bytes_read += len(data)
        return data


class TestRequests(client_mock.ClientTestCase):

    def test_version_header_of_each_api(self):
        self.http.get(LCM + '/vnf_instances/i1', json={'id': 'i1'})
        self.http.get(PKGM + '/p1', json={'id': 'p1'})
        self.client.vnf_instances.get('i1')
        self.client.vnf_snapshot_packages.get('p1')
        lcm, pkgm = self.http.request_history
        self.assertEqual('2.3.0', lcm.headers['Version'])
        self.assertEqual('1.2.0', pkgm.headers['Version'])
        self.assertEqual('application/json', lcm.headers['Accept'])

    def test_conductors_of_the_administration_api(self):
        root = client_mock.ROOT + '/vnfsnap/v1/conductors'
        self.http.get(root, json=[{'hostname': 'c1', 'alive': False}])
        self.http.get(root + '/c%2F1', json={'hostname': 'c/1'})
        self.assertEqual(['c1'], [c['hostname'] for c in
                                  self.client.conductors.list(
                                      filter='(eq,alive,false)')])
        self.assertEqual('c/1', self.client.conductors.get('c/1')[
            'hostname'])
        listed, shown = self.http.request_history
        self.assertEqual('1.0.0', listed.headers['Version'])
        self.assertEqual(['(eq,alive,false)'], listed.qs['filter'])
        self.assertEqual('1.0.0', shown.headers['Version'])

    def test_identifiers_are_quoted_whole(self):
        self.http.get(LCM + '/vnf_snapshots/..%2Fvnf_instances',
                      json={'id': 'x'})
        self.client.vnf_snapshots.get('../vnf_instances')
        self.assertEqual('/vnflcm/v2/vnf_snapshots/..%2Fvnf_instances',
                         self.http.last_request.path)

    def test_modify_is_a_merge_patch_and_gives_the_op_occ(self):
        self.http.patch(LCM + '/vnf_instances/i1', status_code=202,
                        headers={'Location': LCM + '/vnf_lcm_op_occs/op-7'})
        op_id = self.client.vnf_instances.modify(
            'i1', {'vnfInstanceName': 'new'}, if_match='"e1"')
        self.assertEqual('op-7', op_id)
        req = self.http.last_request
        self.assertEqual('application/merge-patch+json',
                         req.headers['Content-Type'])
        self.assertEqual('"e1"', req.headers['If-Match'])
        self.assertEqual({'vnfInstanceName': 'new'}, req.json())

    def test_create_snapshot_body(self):
        self.http.post(LCM + '/vnf_instances/i1/create_snapshot',
                       status_code=202,
                       headers={'Location': LCM + '/vnf_lcm_op_occs/op-1'})
        self.assertEqual('op-1', self.client.vnf_instances.create_snapshot(
            'i1', 's1', additional_params={'withMemory': True}))
        self.assertEqual({'vnfSnapshotInfoId': 's1',
                          'additionalParams': {'withMemory': True}},
                         self.http.last_request.json())

    def test_duplicate_subscription_is_read_not_posted_again(self):
        sub = LCM + '/subscriptions/sub-1'
        self.http.post(LCM + '/subscriptions', status_code=303,
                       headers={'Location': sub})
        self.http.get(sub, json={'id': 'sub-1'})
        self.assertEqual({'id': 'sub-1'}, self.client.subscriptions.create(
            {'callbackUri': 'http://nfvo.test/cb'}))
        self.assertEqual(['POST', 'GET'],
                         [r.method for r in self.http.request_history])


class TestPaging(client_mock.ClientTestCase):

    def test_pages_are_fetched_as_they_are_consumed(self):
        page2 = LCM + '/vnf_lcm_op_occs?nextpage_opaque_marker=abc'
        self.http.get(LCM + '/vnf_lcm_op_occs', [
            {'json': [{'id': 'a'}, {'id': 'b'}],
             'headers': {'Link': '<%s>; rel="next"' % page2}},
        ], complete_qs=False)
        self.http.get(page2, json=[{'id': 'c'}], complete_qs=True)
        ops = self.client.vnf_lcm_op_occs.list(
            filter='(eq,operationState,COMPLETED)')
        self.assertEqual('a', next(ops)['id'])
        self.assertEqual(1, self.http.call_count)
        self.assertEqual(['b', 'c'], [o['id'] for o in ops])
        first, second = self.http.request_history
        self.assertEqual(['(eq,operationState,COMPLETED)'],
                         first.qs['filter'])
        # The link carries the query; it is not sent twice.
        self.assertEqual({'nextpage_opaque_marker': ['abc']}, second.qs)
        self.assertEqual('2.3.0', second.headers['Version'])

    def test_selectors(self):
        self.http.get(PKGM, json=[])
        list(self.packages.list(fields=['name', 'state'],
                                exclude_default=True))
        query = self.http.last_request.qs
        self.assertEqual(['name,state'], query['fields'])
        self.assertIn('exclude_default', query)


class TestErrors(client_mock.ClientTestCase):

    def test_problem_details_become_typed_errors(self):
        for status, cls in ((400, exceptions.BadRequest),
                            (401, exceptions.Unauthorized),
                            (403, exceptions.Forbidden),
                            (404, exceptions.NotFound),
                            (409, exceptions.Conflict),
                            (412, exceptions.PreconditionFailed),
                            (422, exceptions.UnprocessableEntity),
                            (503, exceptions.ServerError)):
            with self.subTest(status=status):
                self.http.get(PKGM + '/p1', status_code=status,
                              headers=PROBLEM,
                              json=problem(status, 'why %d' % status,
                                           title='T%d' % status))
                e = self.assertRaises(cls, self.packages.get, 'p1')
                self.assertIsInstance(e, exceptions.HttpError)
                self.assertEqual((status, 'T%d' % status,
                                  'why %d' % status),
                                 (e.status, e.title, e.detail))
                self.assertEqual('T%d: why %d (HTTP %d)' % (
                    status, status, status), str(e))

    def test_a_foreign_error_page_is_cut_short(self):
        page = '<html>' + 'x' * 100000 + '</html>'
        self.http.get(PKGM + '/p1', status_code=502, text=page,
                      reason='Bad Gateway',
                      headers={'Content-Type': 'text/html'})
        e = self.assertRaises(exceptions.ServerError, self.packages.get,
                              'p1')
        self.assertEqual('Bad Gateway', e.title)
        self.assertLessEqual(len(str(e)), 300)
        self.assertIsNone(e.problem)

    def test_a_huge_problem_detail_is_bounded(self):
        self.http.get(PKGM + '/p1', status_code=409, headers=PROBLEM,
                      json=problem(409, 'd' * 50000, title='t' * 5000))
        e = self.assertRaises(exceptions.Conflict, self.packages.get, 'p1')
        self.assertLessEqual(len(str(e)), 1300)

    def test_an_error_of_a_download_is_not_read_whole(self):
        # A streamed 409 answer: its body is read only up to the bound.
        body = CountingBody(json.dumps(problem(409, 'busy')).encode()
                            + b' ' * 10 ** 7)
        self.http.get(PKGM + '/p1', json={'id': 'p1'})
        self.http.get(PKGM + '/p1/package_content', status_code=409,
                      headers=PROBLEM, body=body)
        dest = os.path.join(self.tmp, 'p.zip')
        e = self.assertRaises(exceptions.Conflict, self.packages.download,
                              'p1', dest)
        self.assertEqual('busy', e.detail)
        self.assertFalse(os.path.exists(dest))
        self.assertLess(0, body.bytes_read)
        self.assertLess(body.bytes_read, 10 ** 6)
