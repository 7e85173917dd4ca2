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

"""/vnfsnapshotpkgm/v1/vnf_snapshot_packages: SOL005 VNF snapshot packages.

The conductor's cast is recorded, not run: each test puts a package in the
state it needs through the database API (and, for AVAILABLE, builds a real
package into the store), so every answer of the API is checked against a
known state. TestWithConductor alone lets the in-process conductor run.
"""

import io
import json
import os
import random
import time
import tracemalloc

import fixtures
from oslo_utils import uuidutils
import webob

from vnfsnap import package
from vnfsnap import store
from vnfsnap.common import exception
from vnfsnap.common import states
from vnfsnap.common import views
from vnfsnap.common import wsgi_server
from vnfsnap.db import api as db_api
from vnfsnap.tests import base
from vnfsnap.tests.fixtures import etsi
from vnfsnap.tests.fixtures import secrets as secrets_fixtures
from vnfsnap.tests.fixtures import snapshots

URL = '/vnfsnapshotpkgm/v1/vnf_snapshot_packages'
LCM = '/vnflcm/v2'
MIB = 1024 * 1024
ZIP = 'application/zip'
MERGE_PATCH = 'application/merge-patch+json'
ALL_STATES = (states.PKG_CREATED, states.PKG_BUILDING, states.PKG_UPLOADING,
              states.PKG_PROCESSING, states.PKG_AVAILABLE,
              states.PKG_EXTRACTING, states.PKG_ERROR,
              states.PKG_ERROR_EXTRACTING)
EXTERNAL_URI = snapshots.EXTERNAL_URI
IMAGE_SIZE = snapshots.IMAGE_SIZE
RECORD = snapshots.RECORD
VNFD = snapshots.VNFD
OAUTH2 = {'clientId': 'client-7', 'clientPassword': 's3cret-oauth',
          'tokenEndpoint': 'https://auth.example.com/token'}
BASIC = {'userName': 'fetcher', 'password': 's3cret-basic'}


class BodyStream:
    """A WSGI input as a server hands it over: ``read(n)``, not seekable.

    Records every size asked for, so a test can tell the body was
    streamed; ``on_read(position)`` runs after each read.
    """

    def __init__(self, data, on_read=None, fail_at=None):
        self.data = data
        self.pos = 0
        self.sizes = []
        self.on_read = on_read
        self.fail_at = fail_at

    def read(self, n=-1):
        self.sizes.append(n)
        if self.fail_at is not None and self.pos >= self.fail_at:
            raise webob.request.DisconnectionError('connection reset')
        if n is None or n < 0:
            n = len(self.data) - self.pos
        chunk = self.data[self.pos:self.pos + n]
        self.pos += len(chunk)
        if self.on_read is not None:
            self.on_read(self.pos)
        return chunk

    def readinto(self, buf):
        chunk = self.read(len(buf))
        buf[:len(chunk)] = chunk
        return len(chunk)


class PackagesTestCase(base.ApiTestCase):

    def setUp(self):
        super().setUp()
        self.casts = []
        self.useFixture(fixtures.MockPatch(
            'vnfsnap.conductor.rpcapi.ConductorAPI.run_vnf_snapshot_pkg_op',
            side_effect=lambda ctx, pkg_id: self.casts.append(pkg_id)))
        self.store = store.get_store()

    # --- helpers ----------------------------------------------------------

    def url(self, pkg_id, *rest):
        return '/'.join((URL, pkg_id) + rest)

    def create(self, name='pkg', **body):
        resp = self.post(URL, dict(body, name=name))
        self.assertEqual(201, resp.status, resp.body)
        return resp.json['id']

    def in_state(self, state, **values):
        """A new package put in ``state`` through the database."""
        pkg_id = self.create()
        values = dict(values, state=state)
        if state in (states.PKG_ERROR, states.PKG_ERROR_EXTRACTING):
            values.setdefault('failure_details', {
                'errorType': states.BUILD_ERROR,
                'details': {'status': 500, 'detail': 'it broke'}})
        db_api.update_vnf_snapshot_pkg(None, pkg_id, values)
        return pkg_id

    def row(self, pkg_id):
        """Every column of a package, to compare before and after."""
        obj = db_api.get_vnf_snapshot_pkg(None, pkg_id)
        return {c.name: getattr(obj, c.name)
                for c in obj.__table__.columns}

    def available(self):
        """A package made AVAILABLE; returns (id, ZIP bytes, members)."""
        pkg_id = self.create()
        data, contents = snapshots.make_available(self, pkg_id)
        return pkg_id, data, contents

    def filled_snapshot_info(self, project=None):
        resp = self.post(LCM + '/vnf_snapshots',
                         {'vnfSnapshot': snapshots.vnf_snapshot()},
                         project=project)
        self.assertEqual(201, resp.status, resp.body)
        return resp.json['id']

    def patch(self, pkg_id, body, content_type=MERGE_PATCH, **kw):
        return self.request('PATCH', self.url(pkg_id),
                            raw_body=json.dumps(body).encode(),
                            content_type=content_type, **kw)

    def put_content(self, pkg_id, stream, length, content_type=ZIP,
                    chunked=False, version='1.2.0', seekable=False):
        """PUT package_content with ``stream`` as the WSGI input."""
        req = webob.Request.blank(self.url(pkg_id, 'package_content'),
                                  method='PUT')
        req.environ.pop('CONTENT_LENGTH', None)
        if version is not None:
            req.headers['Version'] = version
        if content_type is not None:
            req.content_type = content_type
        req.environ['wsgi.input'] = stream
        req.environ['webob.is_body_seekable'] = seekable
        if length is not None:
            req.environ['CONTENT_LENGTH'] = str(length)
        if chunked:
            req.headers['Transfer-Encoding'] = 'chunked'
            req.environ['wsgi.input_terminated'] = True
        return base.Response(req.get_response(self.app))

    def stored(self, pkg_id):
        key = store.package_key(pkg_id)
        if not self.store.exists(key):
            return None
        return b''.join(self.store.iter_range(key))


class TestVersions(PackagesTestCase):

    def test_api_versions(self):
        for path in ('/vnfsnapshotpkgm/api_versions',
                     '/vnfsnapshotpkgm/v1/api_versions'):
            with self.subTest(path=path):
                resp = self.get(path)
                self.assertEqual(200, resp.status, resp.body)
                self.assertEqual('1.2.0', resp.headers['Version'])
                self.assertEqual({
                    'uriPrefix': 'http://localhost/vnfsnapshotpkgm/v1',
                    'apiVersions': [{'version': '1.2.0',
                                     'isDeprecated': False}]}, resp.json)
                self.assertProblem(self.request('POST', path, body={}), 405)

    def test_version_is_negotiated_per_api(self):
        for version in ('1.0.0', '1.2.0', '1.1.3', '1.2.0-impl:vnfsnap:1'):
            with self.subTest(version=version):
                resp = self.get(URL, version=version)
                self.assertEqual(200, resp.status, resp.body)
                self.assertEqual(version, resp.headers['Version'])
        for version in ('2.0.0', '2.3.0', '1.3.0', '0.9.0', 'garbage'):
            with self.subTest(version=version):
                self.assertProblem(self.get(URL, version=version), 406)
        self.assertProblem(self.get(LCM + '/vnf_instances',
                                    version='1.2.0'), 406)
        resp = self.get(URL, version=None)
        self.assertProblem(resp, 400)
        self.assertIn('Version', resp.json['detail'])

    def test_missing_version_stores_nothing(self):
        resp = self.post(URL, {'name': 'x'}, version=None)
        self.assertProblem(resp, 400)
        self.assertEqual([], db_api.list_vnf_snapshot_pkgs(None))

    def test_methods_not_allowed(self):
        pkg_id = self.create()
        for method, path, allow in (
                ('DELETE', URL, 'GET, POST'),
                ('PUT', self.url(pkg_id), 'GET, PATCH, DELETE'),
                ('POST', self.url(pkg_id, 'package_content'), 'GET, PUT'),
                ('GET', self.url(pkg_id, 'package_content', 'build'),
                 'POST'),
                ('DELETE', self.url(pkg_id, 'package_content', 'cancel'),
                 'POST'),
                ('PATCH', self.url(pkg_id, 'ext_artifacts_access'),
                 'GET, PUT'),
                ('POST', self.url(pkg_id, 'artifacts', 'a', 'b'), 'GET')):
            with self.subTest(method=method, path=path):
                resp = self.request(method, path, body={})
                self.assertProblem(resp, 405)
                self.assertEqual(allow, resp.headers['Allow'])


class TestCreate(PackagesTestCase):

    def test_create(self):
        resp = self.post(URL, {'name': 'nightly',
                               'userDefinedData': {'team': 'core'}})
        self.assertEqual(201, resp.status, resp.body)
        pkg = resp.json
        href = 'http://localhost%s/%s' % (URL, pkg['id'])
        self.assertEqual({
            'id': pkg['id'], 'name': 'nightly', 'state': 'CREATED',
            'isFullSnapshot': False, 'isCancelPending': False,
            'userDefinedData': {'team': 'core'},
            '_links': {'self': {'href': href},
                       'packageContent': {
                           'href': href + '/package_content'}}}, pkg)
        self.assertEqual(href, resp.headers['Location'])
        self.assertEqual('1.2.0', resp.headers['Version'])
        self.assertEqual(resp.headers['ETag'],
                         self.get(self.url(pkg['id'])).headers['ETag'])
        row = db_api.get_vnf_snapshot_pkg(None, pkg['id'])
        self.assertEqual(('default', states.PKG_CREATED, False),
                         (row.project_id, row.state, row.content_received))

    def test_bad_requests_store_nothing(self):
        for body, status in (
                ({}, 400), ({'name': ''}, 400), ({'name': 'x' * 256}, 400),
                ({'name': 7}, 400), ({'name': 'x', 'state': 'AVAILABLE'},
                                     400),
                ({'name': 'x', 'userDefinedData': []}, 400), ([], 400)):
            with self.subTest(body=body):
                self.assertProblem(self.post(URL, body), status)
        self.assertProblem(self.post(URL, raw_body=b'{"name": ',
                                     content_type='application/json'), 400)
        self.assertProblem(self.post(URL, raw_body=b'{"name": "x"}',
                                     content_type='text/plain'), 415)
        self.assertProblem(self.post(URL, {'name': 'x'},
                                     headers={'Accept': 'text/html'}), 406)
        self.assertEqual([], db_api.list_vnf_snapshot_pkgs(None))


class TestList(PackagesTestCase):

    def test_default_exclusions_and_selectors(self):
        pkg_id, _, _ = self.available()
        db_api.update_vnf_snapshot_pkg(None, pkg_id, {
            'user_defined_data': {'k': 'v'}})
        listed = self.get(URL)
        self.assertEqual(200, listed.status, listed.body)
        [pkg] = listed.json
        for attr in ('vnfcSnapshotImages', 'additionalArtifacts',
                     'userDefinedData', 'checksum'):
            self.assertNotIn(attr, pkg)
        self.assertEqual('snap-x', pkg['vnfSnapshotId'])
        full = self.get(URL + '?all_fields').json[0]
        self.assertEqual(self.get(self.url(pkg_id)).json, full)
        self.assertEqual({'k': 'v'}, full['userDefinedData'])
        self.assertEqual(['images/c1/disk.raw'], [
            i['imagePath'] for i in full['vnfcSnapshotImages']])
        some = self.get(URL + '?fields=checksum').json[0]
        self.assertIn('checksum', some)
        self.assertNotIn('userDefinedData', some)
        self.assertProblem(self.get(URL + '?exclude_fields=state'), 400)
        self.assertProblem(self.get(URL + '?exclude_fields=_links/self'),
                           400)

    def test_filter_and_paging(self):
        created = [self.create(name='p%d' % i) for i in range(3)]
        busy = self.in_state(states.PKG_BUILDING)
        resp = self.get(URL + '?filter=(eq,state,BUILDING)')
        self.assertEqual([busy], [p['id'] for p in resp.json])
        resp = self.get(URL + '?filter=(in,name,p0,p2)')
        self.assertEqual([created[0], created[2]],
                         [p['id'] for p in resp.json])
        self.assertProblem(self.get(URL + '?filter=(eq,state'), 400)
        self.conf.config(max_page_size=2, group='api')
        first = self.get(URL)
        self.assertEqual(created[:2], [p['id'] for p in first.json])
        next_url = first.headers['Link'].split(';')[0].strip('<>')
        second = self.get(next_url.replace('http://localhost', ''))
        self.assertEqual([created[2], busy], [p['id'] for p in second.json])
        self.assertNotIn('Link', second.headers)

    def test_projects_are_isolated(self):
        mine = self.create()
        resp = self.post(URL, {'name': 'theirs'}, project='other')
        self.assertEqual(201, resp.status)
        self.assertEqual([mine], [p['id'] for p in self.get(URL).json])
        self.assertEqual([resp.json['id']], [
            p['id'] for p in self.get(URL, project='other').json])
        for method in ('GET', 'DELETE'):
            self.assertProblem(self.request(method, self.url(mine),
                                            project='other'), 404)
        self.assertProblem(self.patch(mine, {'name': 'x'},
                                      project='other'), 404)


class TestGetOne(PackagesTestCase):

    def test_unknown(self):
        resp = self.get(self.url('nope'))
        self.assertProblem(resp, 404)
        self.assertIn('nope', resp.json['detail'])
        self.assertProblem(self.get(self.url('nope', 'package_content')),
                           404)
        self.assertProblem(self.get(self.url('nope', 'nothing')), 404)

    def test_query_refused(self):
        self.assertProblem(self.get(self.url(self.create()) + '?x=1'), 400)

    def test_progress_while_an_operation_runs(self):
        pkg_id = self.in_state(states.PKG_UPLOADING, bytes_done=5 * MIB,
                               bytes_total=9 * MIB, is_cancel_pending=True)
        pkg = self.get(self.url(pkg_id)).json
        self.assertEqual({'bytesDone': 5 * MIB, 'bytesTotal': 9 * MIB},
                         pkg['progress'])
        self.assertTrue(pkg['isCancelPending'])
        db_api.update_vnf_snapshot_pkg(None, pkg_id, {'bytes_total': None})
        self.assertEqual({'bytesDone': 5 * MIB},
                         self.get(self.url(pkg_id)).json['progress'])
        for state in (states.PKG_CREATED, states.PKG_ERROR):
            db_api.update_vnf_snapshot_pkg(None, pkg_id, {'state': state})
            pkg = self.get(self.url(pkg_id)).json
            self.assertNotIn('progress', pkg)
            self.assertFalse(pkg['isCancelPending'])

    def test_failure_details_only_in_error_states(self):
        details = {'errorType': 'UPLOAD_ERROR',
                   'details': {'status': 400, 'detail': 'short'}}
        for state, shown in ((states.PKG_ERROR, True),
                             (states.PKG_ERROR_EXTRACTING, True),
                             (states.PKG_AVAILABLE, False)):
            with self.subTest(state=state):
                pkg_id = self.in_state(state, failure_details=details)
                pkg = self.get(self.url(pkg_id)).json
                self.assertEqual(shown, pkg.get('failureDetails') == details)


class TestPatch(PackagesTestCase):

    def test_name_and_user_defined_data_merge(self):
        pkg_id = self.create(userDefinedData={
            'keep': 1, 'drop': 2, 'nested': {'a': 1, 'b': 2}})
        body = {'name': 'renamed', 'userDefinedData': {
            'drop': None, 'new': 'x', 'nested': {'b': None, 'c': 3}}}
        resp = self.patch(pkg_id, body)
        self.assertEqual(200, resp.status, resp.body)
        merged = {'keep': 1, 'new': 'x', 'nested': {'a': 1, 'c': 3}}
        # The answer has the modifications as made: the merged data.
        self.assertEqual({'name': 'renamed', 'userDefinedData': merged},
                         resp.json)
        got = self.get(self.url(pkg_id))
        self.assertEqual(got.headers['ETag'], resp.headers['ETag'])
        self.assertEqual('renamed', got.json['name'])
        self.assertEqual(merged, got.json['userDefinedData'])

    def test_null_user_defined_data_leaves_an_empty_object(self):
        """RFC 7396 would make it null, which VnfSnapshotPkgInfo and
        VnfSnapshotPkgInfoModifications do not allow."""
        pkg_id = self.create(userDefinedData={'a': 1})
        resp = self.patch(pkg_id, {'userDefinedData': None},
                          content_type='application/json')
        self.assertEqual(200, resp.status, resp.body)
        self.assertEqual({'userDefinedData': {}}, resp.json)
        got = self.get(self.url(pkg_id)).json
        self.assertEqual({}, got['userDefinedData'])
        self.assertEqual([], etsi.errors(
            etsi.SOL005_PKGM_DEFS, 'VnfSnapshotPkgInfoModifications',
            resp.json))
        self.assertEqual([], etsi.errors(
            etsi.SOL005_PKGM_DEFS, 'VnfSnapshotPkgInfo', got))

    def test_allowed_states(self):
        for state in ALL_STATES:
            with self.subTest(state=state):
                pkg_id = self.in_state(state)
                before = self.row(pkg_id)
                resp = self.patch(pkg_id, {'name': 'n2'})
                if state in states.PKG_TASK_SOURCE_STATES['modify']:
                    self.assertEqual(200, resp.status, resp.body)
                    self.assertEqual('n2', self.row(pkg_id)['name'])
                else:
                    self.assertProblem(resp, 409)
                    self.assertIn(state, resp.json['detail'])
                    self.assertEqual(before, self.row(pkg_id))

    def test_state_available_only_from_error_extracting(self):
        for state in ALL_STATES:
            with self.subTest(state=state):
                pkg_id = self.in_state(state)
                before = self.row(pkg_id)
                resp = self.patch(pkg_id, {'state': 'AVAILABLE'})
                if state == states.PKG_ERROR_EXTRACTING:
                    self.assertEqual(200, resp.status, resp.body)
                    self.assertEqual({'state': 'AVAILABLE'}, resp.json)
                    pkg = self.get(self.url(pkg_id)).json
                    self.assertEqual('AVAILABLE', pkg['state'])
                    self.assertNotIn('failureDetails', pkg)
                    self.assertIsNone(self.row(pkg_id)['failure_details'])
                else:
                    self.assertProblem(resp, 409)
                    self.assertEqual(before, self.row(pkg_id))

    def test_bad_modifications_change_nothing(self):
        pkg_id = self.create()
        before = self.row(pkg_id)
        for body in ({}, {'state': 'CREATED'}, {'name': None},
                     {'name': ''}, {'isFullSnapshot': True},
                     {'userDefinedData': 'x'}):
            with self.subTest(body=body):
                self.assertProblem(self.patch(pkg_id, body), 400)
        self.assertProblem(self.patch(pkg_id, {'name': 'x'},
                                      content_type='text/plain'), 415)
        self.assertProblem(self.patch('nope', {'name': 'x'}), 404)
        self.assertEqual(before, self.row(pkg_id))

    def test_preconditions(self):
        pkg_id = self.create()
        etag = self.get(self.url(pkg_id)).headers['ETag']
        before = self.row(pkg_id)
        for headers in ({'If-Match': '"stale"'},
                        {'If-Unmodified-Since':
                         'Mon, 01 Jan 2001 00:00:00 GMT'}):
            with self.subTest(headers=headers):
                self.assertProblem(self.patch(pkg_id, {'name': 'x'},
                                              headers=headers), 412)
        self.assertEqual(before, self.row(pkg_id))
        resp = self.patch(pkg_id, {'name': 'x'}, headers={'If-Match': etag})
        self.assertEqual(200, resp.status, resp.body)
        self.assertProblem(self.patch(pkg_id, {'name': 'y'},
                                      headers={'If-Match': etag}), 412)


class TestDelete(PackagesTestCase):

    def test_allowed_states(self):
        for state in ALL_STATES:
            with self.subTest(state=state):
                pkg_id = self.in_state(state)
                before = self.row(pkg_id)
                resp = self.request('DELETE', self.url(pkg_id))
                if state in states.PKG_TASK_SOURCE_STATES['delete']:
                    self.assertEqual(204, resp.status, resp.body)
                    self.assertProblem(self.get(self.url(pkg_id)), 404)
                else:
                    self.assertProblem(resp, 409)
                    self.assertEqual(before, self.row(pkg_id))

    def test_deletes_the_stored_content(self):
        pkg_id, _, _ = self.available()
        other_id, _, _ = self.available()
        resp = self.request('DELETE', self.url(pkg_id))
        self.assertEqual(204, resp.status, resp.body)
        self.assertIsNone(self.stored(pkg_id))
        self.assertIsNotNone(self.stored(other_id))

    def test_store_failure_leaves_an_orphan_logged(self):
        pkg_id, _, _ = self.available()
        log = self.useFixture(fixtures.FakeLogger())
        self.useFixture(fixtures.MockPatchObject(
            type(self.store), 'delete_prefix',
            side_effect=exception.StoreError(reason='disk on fire')))
        resp = self.request('DELETE', self.url(pkg_id))
        self.assertEqual(204, resp.status, resp.body)
        self.assertEqual([], db_api.list_vnf_snapshot_pkgs(None))
        self.assertIn('prefix %s is left orphaned' % pkg_id, log.output)

    def test_precondition(self):
        pkg_id = self.create()
        resp = self.request('DELETE', self.url(pkg_id),
                            headers={'If-Match': '"stale"'})
        self.assertProblem(resp, 412)
        self.assertEqual(200, self.get(self.url(pkg_id)).status)


class TestPackageContent(PackagesTestCase):

    def test_whole(self):
        pkg_id, data, _ = self.available()
        resp = self.get(self.url(pkg_id, 'package_content'),
                        headers={'Accept': ZIP})
        self.assertEqual(200, resp.status, resp.body[:200])
        self.assertEqual(ZIP, resp.content_type)
        self.assertEqual('bytes', resp.headers['Accept-Ranges'])
        self.assertEqual(str(len(data)), resp.headers['Content-Length'])
        self.assertEqual('1.2.0', resp.headers['Version'])
        self.assertEqual(data, resp.body)
        self.assertEqual(200, self.get(self.url(pkg_id, 'package_content'),
                                       headers={'Accept': '*/*'}).status)

    def test_ranges(self):
        pkg_id, data, _ = self.available()
        size = len(data)
        for header, start, end in (
                ('bytes=0-99', 0, 100), ('bytes=1048570-2097160',
                                         1048570, 2097161),
                ('bytes=%d-' % (size - 10), size - 10, size),
                ('bytes=-50', size - 50, size),
                ('bytes=-%d' % (size + 5), 0, size),
                ('bytes=7-7', 7, 8),
                ('bytes=%d-%d' % (size - 3, size + 100), size - 3, size),
                ('BYTES = 5 - 9', 5, 10)):
            with self.subTest(range=header):
                resp = self.get(self.url(pkg_id, 'package_content'),
                                headers={'Range': header})
                self.assertEqual(206, resp.status, resp.body[:200])
                self.assertEqual('bytes %d-%d/%d' % (start, end - 1, size),
                                 resp.headers['Content-Range'])
                self.assertEqual(data[start:end], resp.body)
                self.assertEqual(ZIP, resp.content_type)

    def test_unsatisfiable_ranges(self):
        pkg_id, data, _ = self.available()
        for header in ('bytes=%d-' % len(data), 'bytes=9-3', 'bytes=abc',
                       'bytes=-0', 'bytes=-', 'bytes=1-2-3',
                       'bytes=0-1,5-6'):
            with self.subTest(range=header):
                resp = self.get(self.url(pkg_id, 'package_content'),
                                headers={'Range': header})
                self.assertProblem(resp, 416)
                self.assertEqual('bytes */%d' % len(data),
                                 resp.headers['Content-Range'])
        resp = self.get(self.url(pkg_id, 'package_content'),
                        headers={'Range': 'bytes=0-1,5-6'})
        self.assertIn('one range per request', resp.json['detail'])

    def test_unknown_range_unit_gets_everything(self):
        pkg_id, data, _ = self.available()
        resp = self.get(self.url(pkg_id, 'package_content'),
                        headers={'Range': 'items=0-1'})
        self.assertEqual(200, resp.status)
        self.assertEqual(data, resp.body)

    def test_only_when_available(self):
        for state in set(ALL_STATES) - {states.PKG_AVAILABLE}:
            with self.subTest(state=state):
                resp = self.get(self.url(self.in_state(state),
                                         'package_content'))
                self.assertProblem(resp, 409)
                self.assertIn(state, resp.json['detail'])

    def test_not_acceptable(self):
        pkg_id, _, _ = self.available()
        resp = self.get(self.url(pkg_id, 'package_content'),
                        headers={'Accept': 'application/json'})
        self.assertProblem(resp, 406)


class TestUpload(PackagesTestCase):

    def record_every_call(self):
        """Progress recorded at every report (a test copy takes far less
        than the second the throttle waits)."""
        self.useFixture(fixtures.MockPatch(
            'vnfsnap.db.progress.PROGRESS_SECONDS', 0))

    def test_streamed_round_trip(self):
        self.record_every_call()
        pkg_id = self.create()
        data = random.Random(1).randbytes(24 * MIB + 5)
        seen = {}

        def sample(pos):
            # What a client polling the package sees while it uploads
            # (from the row: an API call here would nest in this one).
            if pos >= 17 * MIB and not seen:
                seen.update(views.vnf_snapshot_pkg_info(
                    db_api.get_vnf_snapshot_pkg(None, pkg_id), ''))

        stream = BodyStream(data, on_read=sample)
        tracemalloc.start()
        self.addCleanup(tracemalloc.stop)
        resp = self.put_content(pkg_id, stream, len(data))
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        self.assertEqual(202, resp.status, resp.body)
        self.assertEqual(b'', resp.body)
        self.assertEqual('1.2.0', resp.headers['Version'])
        # Read in pieces, never whole: memory does not follow the body.
        self.assertNotIn(-1, stream.sizes)
        self.assertLessEqual(max(stream.sizes), MIB)
        self.assertLess(peak, 8 * MIB)
        self.assertEqual(data, self.stored(pkg_id))
        self.assertEqual('UPLOADING', seen['state'])
        self.assertEqual(len(data), seen['progress']['bytesTotal'])
        self.assertGreaterEqual(seen['progress']['bytesDone'], 8 * MIB)
        row = self.row(pkg_id)
        self.assertEqual((states.PKG_PROCESSING, states.PKG_OP_UPLOAD, True),
                         (row['state'], row['operation'],
                          row['content_received']))
        self.assertEqual((len(data), len(data)),
                         (row['bytes_done'], row['bytes_total']))
        self.assertEqual([pkg_id], self.casts)

    def test_chunked_and_octet_stream(self):
        pkg_id = self.create()
        data = random.Random(2).randbytes(3 * MIB + 1)
        resp = self.put_content(pkg_id, BodyStream(data), None,
                                content_type='application/octet-stream',
                                chunked=True)
        self.assertEqual(202, resp.status, resp.body)
        self.assertEqual(data, self.stored(pkg_id))
        self.assertEqual(states.PKG_PROCESSING, self.row(pkg_id)['state'])

    def test_retry_from_error_replaces_stale_content(self):
        pkg_id = self.in_state(states.PKG_ERROR)
        self.store.put_stream(store.package_key(pkg_id),
                              io.BytesIO(b'stale' * 1000))
        data = b'fresh' * 1000
        resp = self.put_content(pkg_id, BodyStream(data), len(data))
        self.assertEqual(202, resp.status, resp.body)
        self.assertEqual(data, self.stored(pkg_id))
        self.assertNotIn('failureDetails', self.get(self.url(pkg_id)).json)

    def assertUploadFailed(self, pkg_id, error_type, status):
        row = self.row(pkg_id)
        self.assertEqual(states.PKG_ERROR, row['state'])
        self.assertEqual(error_type, row['failure_details']['errorType'])
        self.assertEqual(status, row['failure_details']['details']['status'])
        self.assertIsNone(self.stored(pkg_id))
        self.assertEqual([], self.casts)
        # Not even a temporary file.
        self.assertFalse(os.path.exists(os.path.join(
            self.state_path, 'packages', pkg_id)))

    def test_short_body(self):
        pkg_id = self.create()
        data = random.Random(3).randbytes(3 * MIB)
        resp = self.put_content(pkg_id, BodyStream(data), 10 * MIB)
        self.assertProblem(resp, 400)
        self.assertUploadFailed(pkg_id, states.UPLOAD_ERROR, 400)
        pkg = self.get(self.url(pkg_id)).json
        self.assertEqual('UPLOAD_ERROR', pkg['failureDetails']['errorType'])

    def test_short_seekable_body(self):
        pkg_id = self.create()
        resp = self.put_content(pkg_id, io.BytesIO(b'x' * 100), 1000,
                                seekable=True)
        self.assertProblem(resp, 400)
        self.assertIn('100 of 1000 bytes', resp.json['detail'])
        self.assertUploadFailed(pkg_id, states.UPLOAD_ERROR, 400)

    def test_client_disconnects(self):
        pkg_id = self.create()
        data = b'z' * (4 * MIB)
        resp = self.put_content(pkg_id, BodyStream(data, fail_at=2 * MIB),
                                None, chunked=True)
        self.assertProblem(resp, 400)
        self.assertIn('broke off', resp.json['detail'])
        self.assertUploadFailed(pkg_id, states.UPLOAD_ERROR, 400)

    def test_too_large(self):
        self.conf.config(max_package_size=2 * MIB, group='package_store')
        pkg_id = self.create()
        before = self.row(pkg_id)
        data = b'y' * (3 * MIB)
        # Announced: refused before anything starts.
        stream = BodyStream(data)
        resp = self.put_content(pkg_id, stream, len(data))
        self.assertProblem(resp, 413)
        self.assertIn('max_package_size', resp.json['detail'])
        self.assertEqual([], stream.sizes)
        self.assertEqual(before, self.row(pkg_id))
        # Chunked: refused once the limit is crossed, with the byte past
        # it read and no more.
        stream = BodyStream(data)
        resp = self.put_content(pkg_id, stream, None, chunked=True)
        self.assertProblem(resp, 413)
        self.assertIn('max_package_size', resp.json['detail'])
        self.assertEqual(2 * MIB + 1, stream.pos)
        self.assertUploadFailed(pkg_id, states.UPLOAD_ERROR, 413)

    def test_store_fails(self):
        pkg_id = self.create()
        self.useFixture(fixtures.FakeLogger())
        self.useFixture(fixtures.MockPatchObject(
            type(self.store), 'put_stream',
            side_effect=exception.StoreError(reason='disk full')))
        resp = self.put_content(pkg_id, BodyStream(b'x' * 100), 100)
        self.assertProblem(resp, 503)
        self.assertIn('disk full', resp.json['detail'])
        self.assertUploadFailed(pkg_id, states.UPLOAD_ERROR, 503)

    def test_cancelled_while_uploading(self):
        self.record_every_call()
        pkg_id = self.create()
        data = random.Random(4).randbytes(32 * MIB)

        def cancel_once(pos):
            if pos >= 4 * MIB and not cancelled:
                cancelled.append(db_api.request_pkg_cancel(
                    None, pkg_id, 'operator said stop'))

        cancelled = []
        stream = BodyStream(data, on_read=cancel_once)
        resp = self.put_content(pkg_id, stream, len(data))
        self.assertProblem(resp, 409)
        self.assertIn('operator said stop', resp.json['detail'])
        self.assertTrue(cancelled[0].is_cancel_pending)
        # Noticed at the next progress record, long before the end.
        self.assertLess(stream.pos, 20 * MIB)
        self.assertUploadFailed(pkg_id, states.CANCELLED, 409)
        row = self.row(pkg_id)
        self.assertIn('operator said stop',
                      row['failure_details']['details']['detail'])
        self.assertFalse(row['is_cancel_pending'])

    def test_refusals_read_nothing_and_change_nothing(self):
        pkg_id = self.create()
        before = self.row(pkg_id)
        for kw, status in (
                ({'content_type': 'application/json'}, 415),
                ({'content_type': 'application/x-www-form-urlencoded'}, 415),
                ({'content_type': 'multipart/form-data'}, 415),
                ({'content_type': None}, 415),
                ({'length': None}, 411),
                ({'length': 0}, 400),
                ({'version': None}, 400),
                ({'version': '2.0.0'}, 406)):
            with self.subTest(**kw):
                stream = BodyStream(b'PK\x03\x04' + b'a=b&' * 1000)
                args = dict({'length': 4004}, **kw)
                resp = self.put_content(pkg_id, stream, **args)
                self.assertProblem(resp, status)
                self.assertEqual([], stream.sizes)
        self.assertEqual(before, self.row(pkg_id))
        self.assertIsNone(self.stored(pkg_id))
        stream = BodyStream(b'x')
        self.assertProblem(self.put_content('nope', stream, 1), 404)
        self.assertEqual([], stream.sizes)
        self.assertEqual([], self.casts)

    def test_conflicting_states(self):
        for state in ALL_STATES:
            if state in states.PKG_TASK_SOURCE_STATES['upload']:
                continue
            with self.subTest(state=state):
                pkg_id = self.in_state(state)
                before = self.row(pkg_id)
                stream = BodyStream(b'x' * 100)
                resp = self.put_content(pkg_id, stream, 100)
                self.assertProblem(resp, 409)
                self.assertEqual([], stream.sizes)
                self.assertEqual(before, self.row(pkg_id))
        self.assertEqual([], self.casts)


class TestUploadFromUri(PackagesTestCase):

    def upload(self, pkg_id, body):
        return self.post(self.url(pkg_id, 'package_content',
                                  'upload_from_uri'), body)

    def test_without_credentials(self):
        pkg_id = self.create()
        uri = 'https://packages.example.com/p/pkg.zip?sig=abc'
        resp = self.upload(pkg_id, {'addressInformation': uri})
        self.assertEqual(202, resp.status, resp.body)
        self.assertEqual(b'', resp.body)
        row = self.row(pkg_id)
        self.assertEqual(
            (states.PKG_UPLOADING, states.PKG_OP_UPLOAD_FROM_URI,
             {'addressInformation': uri}, None, None),
            (row['state'], row['operation'], row['operation_params'],
             row['credentials'], row['host']))
        self.assertEqual([pkg_id], self.casts)

    def test_credentials_are_stored_encrypted(self):
        for extra, secret, expected in (
                ({'authType': 'OAUTH2_CLIENT_CREDENTIALS',
                  'paramsOauth2ClientCredentials': OAUTH2},
                 OAUTH2['clientPassword'],
                 {'auth_type': 'OAUTH2_CLIENT_CREDENTIALS',
                  'client_id': 'client-7',
                  'client_password': 's3cret-oauth',
                  'token_endpoint': 'https://auth.example.com/token'}),
                ({'authType': 'BASIC', 'paramsBasic': BASIC},
                 BASIC['password'],
                 {'auth_type': 'BASIC', 'username': 'fetcher',
                  'password': 's3cret-basic'})):
            with self.subTest(authType=extra['authType']):
                pkg_id = self.in_state(states.PKG_ERROR)
                resp = self.upload(pkg_id, dict(
                    extra, addressInformation='https://h.example/p.zip'))
                self.assertEqual(202, resp.status, resp.body)
                row = self.row(pkg_id)
                self.assertNotIn(secret, secrets_fixtures.stored(
                    'vnf_snapshot_pkgs', 'credentials', pkg_id))
                self.assertNotIn(secret, json.dumps(row['operation_params']))
                self.assertEqual(expected, row['credentials'])
                self.assertNotIn(secret, self.get(
                    self.url(pkg_id) + '?all_fields').body.decode())

    def test_refusals_change_nothing(self):
        pkg_id = self.create()
        before = self.row(pkg_id)
        good = 'https://packages.example.com/pkg.zip'
        for body, status in (
                ({}, 400),
                ({'addressInformation': ''}, 400),
                ({'addressInformation': 'http://packages.example.com/p'},
                 400),
                ({'addressInformation': 'https://127.0.0.1/p'}, 400),
                ({'addressInformation': 'https://169.254.169.254/latest'},
                 400),
                ({'addressInformation': 'https://u:p@h.example/p'}, 400),
                ({'addressInformation': 'not a uri'}, 400),
                ({'addressInformation': good, 'authType': 'BASIC'}, 400),
                ({'addressInformation': good, 'paramsBasic': BASIC}, 400),
                ({'addressInformation': good, 'authType': 'TLS_CERT'}, 400),
                ({'addressInformation': good, 'authType': 'BASIC',
                  'paramsBasic': BASIC,
                  'paramsOauth2ClientCredentials': OAUTH2}, 400),
                ({'addressInformation': good,
                  'authType': 'OAUTH2_CLIENT_CREDENTIALS',
                  'paramsOauth2ClientCredentials': dict(
                      OAUTH2, tokenEndpoint='https://127.0.0.1/token')},
                 400),
                ({'addressInformation': good,
                  'authType': 'OAUTH2_CLIENT_CREDENTIALS',
                  'paramsOauth2ClientCredentials': {'clientId': 'x'}}, 400),
                ({'addressInformation': good, 'extra': 1}, 400)):
            with self.subTest(body=body):
                self.assertProblem(self.upload(pkg_id, body), status)
        self.assertProblem(self.upload('nope', {'addressInformation': good}),
                           404)
        self.assertEqual(before, self.row(pkg_id))
        self.assertEqual([], self.casts)

    def test_conflicting_states(self):
        for state in ALL_STATES:
            with self.subTest(state=state):
                pkg_id = self.in_state(state)
                before = self.row(pkg_id)
                resp = self.upload(pkg_id, {
                    'addressInformation': 'https://h.example/p.zip'})
                if state in states.PKG_TASK_SOURCE_STATES['upload']:
                    self.assertEqual(202, resp.status, resp.body)
                else:
                    self.assertProblem(resp, 409)
                    self.assertEqual(before, self.row(pkg_id))


class TestBuild(PackagesTestCase):

    def build(self, pkg_id, body, **kw):
        return self.post(self.url(pkg_id, 'package_content', 'build'), body,
                         **kw)

    def test_full(self):
        pkg_id = self.create()
        info_id = self.filled_snapshot_info()
        resp = self.build(pkg_id, {'vnfSnapshotInfoId': info_id})
        self.assertEqual(202, resp.status, resp.body)
        row = self.row(pkg_id)
        self.assertEqual((states.PKG_BUILDING, states.PKG_OP_BUILD,
                          {'vnfSnapshotInfoId': info_id,
                           'importSnapshotResource': True}),
                         (row['state'], row['operation'],
                          row['operation_params']))
        self.assertEqual(pkg_id, db_api.get_vnf_snapshot_info(
            None, info_id).reservation)
        self.assertEqual([pkg_id], self.casts)
        pkg = self.get(self.url(pkg_id)).json
        self.assertEqual({'bytesDone': 0}, pkg['progress'])

    def test_partial(self):
        pkg_id = self.create()
        info_id = self.filled_snapshot_info()
        body = {'vnfSnapshotInfoId': info_id,
                'vnfcSnapshotsInfoIds': ['vnfc-snap-1'],
                'overrideImportForVnfcSnapshotIds': ['vnfc-snap-1'],
                'importSnapshotResource': False}
        resp = self.build(pkg_id, body)
        self.assertEqual(202, resp.status, resp.body)
        self.assertEqual(body, self.row(pkg_id)['operation_params'])

    def test_unprocessable_changes_nothing(self):
        pkg_id = self.create()
        info_id = self.filled_snapshot_info()
        theirs = self.filled_snapshot_info(project='other')
        before = self.row(pkg_id)
        for body, status, words in (
                ({'vnfSnapshotInfoId': 'nope'}, 422, 'nope'),
                ({'vnfSnapshotInfoId': theirs}, 422, theirs),
                ({'vnfSnapshotInfoId': info_id,
                  'vnfcSnapshotsInfoIds': ['vnfc-snap-0', 'ghost']}, 422,
                 'ghost'),
                ({'vnfSnapshotInfoId': info_id,
                  'vnfcSnapshotsInfoIds': ['vnfc-snap-0'],
                  'overrideImportForVnfcSnapshotIds': ['vnfc-snap-1']}, 422,
                 'vnfc-snap-1'),
                ({'vnfSnapshotInfoId': info_id,
                  'overrideImportForVnfcSnapshotIds': ['ghost']}, 422,
                 'ghost'),
                ({}, 400, 'vnfSnapshotInfoId'),
                ({'vnfSnapshotInfoId': info_id,
                  'vnfcSnapshotsInfoIds': []}, 400, 'vnfcSnapshotsInfoIds'),
                ({'vnfSnapshotInfoId': info_id,
                  'vnfcSnapshotsInfoIds': ['a', 'a']}, 400,
                 'vnfcSnapshotsInfoIds'),
                ({'vnfSnapshotInfoId': info_id,
                  'importSnapshotResource': 'yes'}, 400,
                 'importSnapshotResource'),
                ({'vnfSnapshotInfoId': info_id, 'diagnostics': 'yes'}, 400,
                 'diagnostics'),
                ({'vnfSnapshotInfoId': info_id, 'x': 1}, 400, 'x')):
            with self.subTest(body=body):
                resp = self.build(pkg_id, body)
                self.assertProblem(resp, status)
                self.assertIn(words, resp.json['detail'])
        self.assertEqual(before, self.row(pkg_id))
        self.assertIsNone(db_api.get_vnf_snapshot_info(
            None, info_id).reservation)
        self.assertEqual([], self.casts)

    def snapshot_of(self, instance_id):
        resp = self.post(LCM + '/vnf_snapshots', {
            'vnfSnapshot': snapshots.vnf_snapshot(instance_id=instance_id)})
        self.assertEqual(201, resp.status, resp.body)
        return resp.json['id']

    def base_of(self, info_id, **values):
        """An AVAILABLE package built from VNF snapshot ``info_id``."""
        pkg_id, _, _ = self.available()
        info = db_api.get_vnf_snapshot_info(None, info_id)
        db_api.update_vnf_snapshot_pkg(None, pkg_id, dict(
            {'operation_params': {'vnfSnapshotInfoId': info_id},
             'vnf_snapshot_id': info.snapshot_id}, **values))
        return pkg_id

    def test_incremental(self):
        info_id = self.filled_snapshot_info()
        base_id = self.base_of(self.filled_snapshot_info())
        pkg_id = self.create()
        resp = self.build(pkg_id, {'vnfSnapshotInfoId': info_id,
                                   'basePackageId': base_id})
        self.assertEqual(202, resp.status, resp.body)
        self.assertEqual(base_id, self.row(pkg_id)['operation_params'][
            'basePackageId'])
        self.assertEqual([pkg_id], self.casts)

    def test_diagnostics_extension(self):
        info_id = self.filled_snapshot_info()
        pkg_id = self.create()
        resp = self.build(pkg_id, {'vnfSnapshotInfoId': info_id,
                                   'diagnostics': True})
        self.assertEqual(202, resp.status, resp.body)
        self.assertIs(True, self.row(pkg_id)['operation_params'][
            'diagnostics'])
        self.assertEqual([pkg_id], self.casts)

    def test_base_refusals_change_nothing(self):
        info_id = self.filled_snapshot_info()
        pkg_id = self.create()
        before = self.row(pkg_id)
        gone_info = self.filled_snapshot_info()
        gone = self.base_of(gone_info)
        db_api.delete_vnf_snapshot_info(None, gone_info)
        incremental_base = self.base_of(self.filled_snapshot_info())
        images = db_api.get_vnf_snapshot_pkg(
            None, incremental_base).vnfc_snapshot_images
        images[0]['userMetadata'] = dict(
            images[0].get('userMetadata') or {},
            incrementalBasePkgUniqueId='u',
            incrementalBaseChecksum='c')
        db_api.update_vnf_snapshot_pkg(None, incremental_base,
                                       {'vnfc_snapshot_images': images})
        other_vnf = self.base_of(self.snapshot_of('inst-y'))
        missing = uuidutils.generate_uuid()
        for base_id, words in (
                (missing, 'VNF snapshot package %s does not exist'
                 % missing),
                (self.create(), 'is CREATED, not AVAILABLE'),
                (gone, 'is no longer here'),
                (incremental_base, 'is itself incremental'),
                (other_vnf, 'is of VNF instance inst-y')):
            with self.subTest(words=words):
                resp = self.build(pkg_id, {'vnfSnapshotInfoId': info_id,
                                           'basePackageId': base_id})
                self.assertProblem(resp, 422)
                self.assertIn('basePackageId', resp.json['detail'])
                self.assertIn(words, resp.json['detail'])
        self.assertEqual(before, self.row(pkg_id))
        self.assertIsNone(db_api.get_vnf_snapshot_info(
            None, info_id).reservation)
        self.assertEqual([], self.casts)

    def test_empty_or_busy_snapshot_is_a_conflict(self):
        pkg_id = self.create()
        before = self.row(pkg_id)
        empty = self.new_snapshot_info()['id']
        resp = self.build(pkg_id, {'vnfSnapshotInfoId': empty})
        self.assertProblem(resp, 409)
        self.assertIn('holds no VNF snapshot', resp.json['detail'])
        busy = self.filled_snapshot_info()
        db_api.reserve_vnf_snapshot_info(None, busy, 'op-elsewhere')
        resp = self.build(pkg_id, {'vnfSnapshotInfoId': busy})
        self.assertProblem(resp, 409)
        self.assertIn('op-elsewhere', resp.json['detail'])
        # The state change was rolled back with the failed reservation.
        self.assertEqual(before, self.row(pkg_id))
        self.assertEqual([], self.casts)

    def test_conflicting_states(self):
        info_id = self.filled_snapshot_info()
        for state in ALL_STATES:
            if state == states.PKG_CREATED:
                continue
            with self.subTest(state=state):
                pkg_id = self.in_state(state)
                before = self.row(pkg_id)
                resp = self.build(pkg_id, {'vnfSnapshotInfoId': info_id})
                self.assertProblem(resp, 409)
                self.assertEqual(before, self.row(pkg_id))
        self.assertIsNone(db_api.get_vnf_snapshot_info(
            None, info_id).reservation)


class TestExtract(PackagesTestCase):

    def extract(self, pkg_id, body):
        return self.post(self.url(pkg_id, 'package_content', 'extract'),
                         body)

    def test_into_an_empty_snapshot(self):
        pkg_id, _, _ = self.available()
        info_id = self.new_snapshot_info()['id']
        resp = self.extract(pkg_id, {'vnfSnapshotInfoId': info_id})
        self.assertEqual(202, resp.status, resp.body)
        self.assertEqual('http://localhost%s/vnf_snapshots/%s'
                         % (LCM, info_id), resp.headers['Location'])
        row = self.row(pkg_id)
        self.assertEqual((states.PKG_EXTRACTING, states.PKG_OP_EXTRACT,
                          {'vnfSnapshotInfoId': info_id,
                           'vnfInstanceId': None,
                           'createdVnfSnapshotInfo': False}),
                         (row['state'], row['operation'],
                          row['operation_params']))
        self.assertEqual(pkg_id, db_api.get_vnf_snapshot_info(
            None, info_id).reservation)
        self.assertEqual([pkg_id], self.casts)

    def test_for_a_vnf_instance(self):
        pkg_id, _, _ = self.available()
        inst = self.register_vnf()
        resp = self.extract(pkg_id, {'vnfInstanceId': inst['id']})
        self.assertEqual(202, resp.status, resp.body)
        info_id = resp.headers['Location'].rsplit('/', 1)[-1]
        info = db_api.get_vnf_snapshot_info(None, info_id)
        self.assertEqual(('default', pkg_id, pkg_id, None),
                         (info.project_id, info.vnf_snapshot_pkg_id,
                          info.reservation, info.snapshot_id))
        self.assertEqual({'vnfSnapshotInfoId': info_id,
                          'vnfInstanceId': inst['id'],
                          'createdVnfSnapshotInfo': True},
                         self.row(pkg_id)['operation_params'])
        resp = self.get(LCM + '/vnf_snapshots/%s' % info_id)
        self.assertEqual(200, resp.status, resp.body)

    def test_incremental_needs_its_base(self):
        base_id, _, _ = self.available()
        base = db_api.get_vnf_snapshot_pkg(None, base_id)
        unique_id, checksum = (base.vnf_snapshot_pkg_unique_id,
                               base.checksum['hash'])
        pkg_id, _, _ = self.available()
        images = db_api.get_vnf_snapshot_pkg(None, pkg_id).vnfc_snapshot_images
        images[0]['userMetadata'] = dict(
            images[0].get('userMetadata') or {},
            incrementalBasePkgUniqueId=unique_id,
            incrementalBaseChecksum=checksum)
        db_api.update_vnf_snapshot_pkg(None, pkg_id,
                                       {'vnfc_snapshot_images': images})
        inst = self.register_vnf()
        before = self.row(pkg_id)
        for values, words in (
                ({'vnf_snapshot_pkg_unique_id': 'elsewhere'},
                 'is not onboarded here'),
                ({'checksum': dict(base.checksum, hash='0' * 64)},
                 'another checksum than the one it was built against'),
                ({'state': states.PKG_ERROR}, 'is ERROR, not AVAILABLE')):
            with self.subTest(words=words):
                db_api.update_vnf_snapshot_pkg(None, base_id, values)
                resp = self.extract(pkg_id, {'vnfInstanceId': inst['id']})
                self.assertProblem(resp, 422)
                self.assertIn('is incremental', resp.json['detail'])
                self.assertIn(words, resp.json['detail'])
                self.assertEqual(before, self.row(pkg_id))
                db_api.update_vnf_snapshot_pkg(None, base_id, {
                    'vnf_snapshot_pkg_unique_id': unique_id,
                    'checksum': base.checksum,
                    'state': states.PKG_AVAILABLE})
        self.assertEqual([], self.casts)
        resp = self.extract(pkg_id, {'vnfInstanceId': inst['id']})
        self.assertEqual(202, resp.status, resp.body)

    def test_refusals_change_nothing(self):
        pkg_id, _, _ = self.available()
        empty = self.new_snapshot_info()['id']
        filled = self.filled_snapshot_info()
        theirs = self.new_snapshot_info(project='other')['id']
        inst = self.register_vnf()
        resp = self.post(LCM + '/vnf_instances', {
            'vnfdId': 'd', 'vnfProvider': 'p', 'vnfProductName': 'n',
            'vnfSoftwareVersion': '1', 'vnfdVersion': '1'})
        not_instantiated = resp.json['id']
        before = self.row(pkg_id)
        infos = sorted(i.id for i in db_api.list_vnf_snapshot_infos(None))
        for body, status, words in (
                ({}, 422, 'exactly one'),
                ({'vnfSnapshotInfoId': empty, 'vnfInstanceId': inst['id']},
                 422, 'exactly one'),
                ({'vnfSnapshotInfoId': 'nope'}, 422, 'nope'),
                ({'vnfSnapshotInfoId': theirs}, 422, theirs),
                ({'vnfInstanceId': 'nope'}, 422, 'nope'),
                ({'vnfSnapshotInfoId': filled}, 409, 'already holds'),
                ({'vnfInstanceId': not_instantiated}, 409,
                 'NOT_INSTANTIATED'),
                ({'vnfSnapshotInfoId': 7}, 400, 'vnfSnapshotInfoId'),
                ({'vnfSnapshotInfoId': empty, 'x': 1}, 400, 'x')):
            with self.subTest(body=body):
                resp = self.extract(pkg_id, body)
                self.assertProblem(resp, status)
                self.assertIn(words, resp.json['detail'])
        self.assertEqual(before, self.row(pkg_id))
        self.assertEqual(infos, sorted(
            i.id for i in db_api.list_vnf_snapshot_infos(None)))
        self.assertIsNone(db_api.get_vnf_snapshot_info(
            None, empty).reservation)
        self.assertEqual([], self.casts)

    def test_conflicting_states(self):
        inst = self.register_vnf()
        infos = len(db_api.list_vnf_snapshot_infos(None))
        for state in ALL_STATES:
            if state == states.PKG_AVAILABLE:
                continue
            with self.subTest(state=state):
                pkg_id = self.in_state(state)
                before = self.row(pkg_id)
                resp = self.extract(pkg_id, {'vnfInstanceId': inst['id']})
                self.assertProblem(resp, 409)
                self.assertEqual(before, self.row(pkg_id))
        self.assertEqual(infos, len(db_api.list_vnf_snapshot_infos(None)))


class TestCancel(PackagesTestCase):

    def cancel(self, pkg_id, body):
        return self.post(self.url(pkg_id, 'package_content', 'cancel'),
                         body)

    def test_states(self):
        for state in ALL_STATES:
            with self.subTest(state=state):
                pkg_id = self.in_state(state)
                before = self.row(pkg_id)
                resp = self.cancel(pkg_id, {'cause': 'changed my mind'})
                if state in states.PKG_ACTIVE_STATES:
                    self.assertEqual(202, resp.status, resp.body)
                    row = self.row(pkg_id)
                    self.assertEqual((True, 'changed my mind'),
                                     (row['is_cancel_pending'],
                                      row['cancel_cause']))
                    self.assertTrue(self.get(
                        self.url(pkg_id)).json['isCancelPending'])
                else:
                    self.assertProblem(resp, 409)
                    self.assertEqual(before, self.row(pkg_id))

    def test_without_cause(self):
        pkg_id = self.in_state(states.PKG_BUILDING)
        self.assertEqual(202, self.cancel(pkg_id, {}).status)
        self.assertIsNone(self.row(pkg_id)['cancel_cause'])

    def test_bad_requests(self):
        pkg_id = self.in_state(states.PKG_BUILDING)
        before = self.row(pkg_id)
        for body in (None, {'cause': 5}, {'cancelMode': 'FORCEFUL'}):
            with self.subTest(body=body):
                self.assertProblem(self.post(
                    self.url(pkg_id, 'package_content', 'cancel'),
                    raw_body=json.dumps(body).encode(),
                    content_type='application/json'), 400)
        self.assertProblem(self.cancel('nope', {}), 404)
        self.assertEqual(before, self.row(pkg_id))


class TestExtArtifactsAccess(PackagesTestCase):

    CONFIG = {'artifact': [
        {'artifactUri': 'https://artifacts.example.com/a.qcow2',
         'overrideUri': 'https://mirror.example.com/a.qcow2',
         'authType': 'OAUTH2_CLIENT_CREDENTIALS',
         'paramsOauth2ClientCredentials': OAUTH2},
        {'artifactUri': 'https://artifacts.example.com/b.sh',
         'authType': 'BASIC', 'paramsBasic': BASIC},
        {'artifactUri': 'https://artifacts.example.com/c.txt'}]}
    PUBLIC = {'artifact': [
        {'artifactUri': 'https://artifacts.example.com/a.qcow2',
         'overrideUri': 'https://mirror.example.com/a.qcow2',
         'authType': 'OAUTH2_CLIENT_CREDENTIALS',
         'paramsOauth2ClientCredentials': {
             'clientId': 'client-7',
             'tokenEndpoint': 'https://auth.example.com/token'}},
        {'artifactUri': 'https://artifacts.example.com/b.sh',
         'authType': 'BASIC', 'paramsBasic': {'userName': 'fetcher'}},
        {'artifactUri': 'https://artifacts.example.com/c.txt'}]}

    def access(self, pkg_id):
        return self.url(pkg_id, 'ext_artifacts_access')

    def put(self, pkg_id, body):
        return self.request('PUT', self.access(pkg_id), body=body)

    def test_never_set(self):
        resp = self.get(self.access(self.create()))
        self.assertEqual(200, resp.status, resp.body)
        self.assertEqual({'artifact': []}, resp.json)

    def test_secrets_are_kept_encrypted_and_never_answered(self):
        pkg_id = self.create()
        resp = self.put(pkg_id, self.CONFIG)
        self.assertEqual(200, resp.status, resp.body)
        self.assertEqual(self.PUBLIC, resp.json)
        self.assertTrue(resp.headers['ETag'])
        got = self.get(self.access(pkg_id))
        self.assertEqual(self.PUBLIC, got.json)
        self.assertEqual(resp.headers['ETag'], got.headers['ETag'])
        stored = secrets_fixtures.stored('vnf_snapshot_pkgs',
                                         'ext_artifacts_access', pkg_id)
        for secret in ('s3cret-oauth', 's3cret-basic', 'client-7'):
            self.assertNotIn(secret, stored)
            self.assertNotIn(secret.encode(), self.get(
                self.url(pkg_id) + '?all_fields').body)
        self.assertEqual(self.CONFIG,
                         self.row(pkg_id)['ext_artifacts_access'])
        # Replaced as a whole.
        resp = self.put(pkg_id, {})
        self.assertEqual({'artifact': []}, resp.json)
        self.assertEqual({'artifact': []}, self.get(self.access(pkg_id)).json)

    def test_states(self):
        for state in ALL_STATES:
            for received in (False, True):
                with self.subTest(state=state, content_received=received):
                    pkg_id = self.in_state(state,
                                           content_received=received)
                    before = self.row(pkg_id)
                    resp = self.put(pkg_id, self.CONFIG)
                    if (state in (states.PKG_CREATED, states.PKG_ERROR)
                            and not received):
                        self.assertEqual(200, resp.status, resp.body)
                    else:
                        self.assertProblem(resp, 409)
                        self.assertEqual(before, self.row(pkg_id))
                    self.assertEqual(200,
                                     self.get(self.access(pkg_id)).status)

    def test_refusals_change_nothing(self):
        pkg_id = self.create()
        self.assertEqual(200, self.put(pkg_id, self.CONFIG).status)
        before = self.row(pkg_id)
        good = 'https://artifacts.example.com/x'
        for body, status in (
                ({'artifact': [{'artifactUri': 'https://10.0.0.1:8443/x'}]},
                 400),
                ({'artifact': [{'artifactUri': good,
                                'overrideUri': 'https://127.0.0.1/x'}]},
                 400),
                ({'artifact': [{'artifactUri': 'file:///etc/passwd'}]}, 400),
                ({'artifact': [{'artifactUri': good,
                                'authType': 'BASIC'}]}, 400),
                ({'artifact': [{'artifactUri': good,
                                'paramsOauth2ClientCredentials': OAUTH2}]},
                 400),
                ({'artifact': [{'artifactUri': good,
                                'authType': 'OAUTH2_CLIENT_CREDENTIALS',
                                'paramsOauth2ClientCredentials': dict(
                                    OAUTH2,
                                    tokenEndpoint='https://[::1]/t')}]},
                 400),
                ({'artifact': [{'overrideUri': good}]}, 400),
                ({'artifact': [{'artifactUri': good},
                               {'artifactUri': good}]}, 422),
                ({'artifact': {}}, 400),
                ({'artifacts': []}, 400)):
            with self.subTest(body=body):
                self.assertProblem(self.put(pkg_id, body), status)
        self.assertProblem(self.put('nope', self.CONFIG), 404)
        self.assertProblem(self.request(
            'PUT', self.access(pkg_id), raw_body=b'{}',
            content_type='text/plain'), 415)
        self.assertEqual(before, self.row(pkg_id))


class TestFileWrapper(PackagesTestCase):
    """Where the server offers wsgi.file_wrapper, stored bytes are handed
    to it as a file positioned at the range (for sendfile); what must be
    decoded is streamed as before."""

    def raw_get(self, path, range_header=None):
        req = webob.Request.blank(path, method='GET')
        req.headers['Version'] = self.PKGM_VERSION
        if range_header:
            req.headers['Range'] = range_header
        req.environ['wsgi.file_wrapper'] = wsgi_server.FileWrapper
        started = []
        body = self.app(req.environ,
                        lambda status, headers, exc_info=None:
                        started.append((status, dict(headers))))
        self.addCleanup(getattr(body, 'close', lambda: None))
        return started[0][0], started[0][1], body

    def test_package_content_whole_and_ranges(self):
        pkg_id, data, _ = self.available()
        url = self.url(pkg_id, 'package_content')
        status, headers, body = self.raw_get(url)
        self.assertEqual('200 OK', status)
        self.assertIsInstance(body, wsgi_server.FileWrapper)
        self.assertEqual(0, body.filelike.tell())
        self.assertEqual(str(len(data)), headers['Content-Length'])
        self.assertEqual(data, b''.join(body))
        size = len(data)
        for header, start, end in (('bytes=0-0', 0, 1),
                                   ('bytes=1000-2000000', 1000, 2000001),
                                   ('bytes=-1000', size - 1000, size),
                                   ('bytes=%d-' % (size - 5), size - 5,
                                    size)):
            with self.subTest(range=header):
                status, headers, body = self.raw_get(url, header)
                self.assertEqual('206 Partial Content', status)
                self.assertIsInstance(body, wsgi_server.FileWrapper)
                # sendfile starts here and sends Content-Length bytes.
                self.assertEqual(start, body.filelike.tell())
                self.assertEqual(str(end - start),
                                 headers['Content-Length'])
                self.assertEqual('bytes %d-%d/%d' % (start, end - 1, size),
                                 headers['Content-Range'])
                # Iterated (no sendfile), it stops at the range's end.
                self.assertEqual(data[start:end], b''.join(body))

    def test_unsatisfiable_range_is_still_a_problem(self):
        pkg_id, data, _ = self.available()
        status, headers, body = self.raw_get(
            self.url(pkg_id, 'package_content'),
            'bytes=%d-' % len(data))
        self.assertTrue(status.startswith('416 '), status)
        self.assertEqual('bytes */%d' % len(data), headers['Content-Range'])
        self.assertNotIsInstance(body, wsgi_server.FileWrapper)

    def test_artifacts(self):
        pkg_id, _, contents = self.available()
        image = contents['images/c1/disk.raw']
        url = self.url(pkg_id, 'artifacts', 'images/c1/disk.raw')
        status, _, body = self.raw_get(url, 'bytes=1048000-2100000')
        self.assertEqual('206 Partial Content', status)
        self.assertIsInstance(body, wsgi_server.FileWrapper)
        self.assertEqual(image[1048000:2100001], b''.join(body))
        # Deflated and zstd members are decoded: streamed, not a file.
        for path in ('logs/notes.txt', 'images/c1/memory.save'):
            with self.subTest(path=path):
                status, _, body = self.raw_get(
                    self.url(pkg_id, 'artifacts', path), 'bytes=5-99')
                self.assertEqual('206 Partial Content', status)
                self.assertNotIsInstance(body, wsgi_server.FileWrapper)
                self.assertEqual(contents[path][5:100], b''.join(body))


class TestArtifacts(PackagesTestCase):

    def artifact(self, pkg_id, path, **kw):
        return self.get(self.url(pkg_id, 'artifacts', path), **kw)

    def test_stored_member(self):
        pkg_id, data, contents = self.available()
        image = contents['images/c1/disk.raw']
        member = self.row(pkg_id)['layout']['members']['images/c1/disk.raw']
        self.assertEqual(0, member['compressType'])
        resp = self.artifact(pkg_id, 'images/c1/disk.raw')
        self.assertEqual(200, resp.status, resp.body[:200])
        self.assertEqual('application/octet-stream', resp.content_type)
        self.assertEqual('bytes', resp.headers['Accept-Ranges'])
        self.assertEqual(image, resp.body)
        for header, start, end in (('bytes=0-0', 0, 1),
                                   ('bytes=1048000-2100000', 1048000,
                                    2100001),
                                   ('bytes=-1000', IMAGE_SIZE - 1000,
                                    IMAGE_SIZE),
                                   ('bytes=3000000-', 3000000, IMAGE_SIZE)):
            with self.subTest(range=header):
                resp = self.artifact(pkg_id, 'images/c1/disk.raw',
                                     headers={'Range': header})
                self.assertEqual(206, resp.status, resp.body[:200])
                self.assertEqual('bytes %d-%d/%d' % (start, end - 1,
                                                     IMAGE_SIZE),
                                 resp.headers['Content-Range'])
                self.assertEqual(image[start:end], resp.body)

    def assertDecodedRanges(self, pkg_id, path, content):
        """The whole member and ranges of it, decoded, where decoding
        must start from the member's beginning."""
        resp = self.artifact(pkg_id, path)
        self.assertEqual(200, resp.status, resp.body[:200])
        self.assertEqual(str(len(content)), resp.headers['Content-Length'])
        self.assertEqual(content, resp.body)
        size = len(content)
        for header, start, end in (('bytes=0-9', 0, 10),
                                   ('bytes=1048570-2097200', 1048570,
                                    2097201),
                                   ('bytes=-77', size - 77, size),
                                   ('bytes=%d-' % (size - 1), size - 1,
                                    size)):
            with self.subTest(range=header):
                resp = self.artifact(pkg_id, path,
                                     headers={'Range': header})
                self.assertEqual(206, resp.status, resp.body[:200])
                self.assertEqual('bytes %d-%d/%d' % (start, end - 1, size),
                                 resp.headers['Content-Range'])
                self.assertEqual(content[start:end], resp.body)

    def test_deflated_member(self):
        pkg_id, _, contents = self.available()
        log = contents['logs/notes.txt']
        member = self.row(pkg_id)['layout']['members']['logs/notes.txt']
        self.assertEqual(8, member['compressType'])
        self.assertLess(member['compressedSize'], len(log) // 4)
        self.assertDecodedRanges(pkg_id, 'logs/notes.txt', log)

    def test_zstd_member_is_served_decoded(self):
        pkg_id, _, contents = self.available()
        path = 'images/c1/memory.save'
        memory = contents[path]
        member = self.row(pkg_id)['layout']['members'][path]
        self.assertEqual(('zstd', 0, len(memory)),
                         (member['codec'], member['compressType'],
                          member['size']))
        self.assertLess(member['compressedSize'], len(memory) // 2)
        self.assertDecodedRanges(pkg_id, path, memory)

    def test_json_documents(self):
        pkg_id, _, contents = self.available()
        for path, doc in (('vnfsr/record.json', RECORD),
                          ('vnfd/vnfd.json', VNFD)):
            with self.subTest(path=path):
                resp = self.artifact(pkg_id, path,
                                     headers={'Accept': 'application/json'})
                self.assertEqual(200, resp.status, resp.body)
                self.assertEqual('application/json', resp.content_type)
                self.assertEqual(doc, json.loads(resp.body))
        resp = self.artifact(pkg_id, package.MANIFEST_NAME)
        self.assertEqual('application/json', resp.content_type)
        self.assertEqual(contents[package.MANIFEST_NAME], resp.body)

    def test_external_artifact_redirects(self):
        pkg_id, _, _ = self.available()
        resp = self.artifact(pkg_id, 'external/tools/m%40ster.sh')
        self.assertEqual(302, resp.status, resp.body)
        self.assertEqual(EXTERNAL_URI, resp.headers['Location'])
        self.assertEqual(b'', resp.body)

    def test_not_found(self):
        pkg_id, _, _ = self.available()
        for path in ('nope', 'images/c1', 'images/c1/disk.raw/x', 'index',
                     'images//c1/disk.raw', 'vnfsr/record.json/',
                     'logs/../logs/notes.txt'):
            with self.subTest(path=path):
                resp = self.get(URL + '/%s/artifacts/%s' % (pkg_id, path))
                self.assertProblem(resp, 404)
        self.assertProblem(self.get(URL + '/%s/artifacts' % pkg_id), 404)
        self.assertProblem(self.get(URL + '/%s/artifacts/' % pkg_id), 404)

    def test_refusals(self):
        pkg_id, _, _ = self.available()
        resp = self.artifact(pkg_id, 'logs/notes.txt',
                             headers={'Range': 'bytes=99999999-'})
        self.assertProblem(resp, 416)
        self.assertEqual('bytes */%d' % (3 * MIB + 777),
                         resp.headers['Content-Range'])
        self.assertProblem(self.artifact(pkg_id, 'vnfsr/record.json',
                                         headers={'Accept': 'image/png'}),
                           406)
        self.assertProblem(self.get(URL + '/%s/artifacts/x?y=1' % pkg_id),
                           400)
        for state in set(ALL_STATES) - {states.PKG_AVAILABLE}:
            with self.subTest(state=state):
                db_api.update_vnf_snapshot_pkg(None, pkg_id,
                                               {'state': state})
                self.assertProblem(self.artifact(pkg_id, 'logs/notes.txt'),
                                   409)


class TestWithConductor(base.ApiTestCase):
    """The API and the in-process conductor together: an uploaded package
    is processed, then served from the layout the conductor recorded."""

    def test_upload_process_download(self):
        source = self.post(URL, {'name': 'source'}).json['id']
        data, contents = snapshots.make_available(self, source)
        pkg_id = self.post(URL, {'name': 'copy'}).json['id']
        resp = self.request('PUT', '%s/%s/package_content' % (URL, pkg_id),
                            raw_body=data, content_type=ZIP)
        self.assertEqual(202, resp.status, resp.body)
        deadline = time.monotonic() + 30
        while True:
            pkg = self.get('%s/%s' % (URL, pkg_id)).json
            if pkg['state'] not in (states.PKG_UPLOADING,
                                    states.PKG_PROCESSING):
                break
            self.assertLess(time.monotonic(), deadline, pkg)
            time.sleep(0.02)
        self.assertEqual(states.PKG_AVAILABLE, pkg['state'], pkg)
        self.assertEqual(RECORD['id'], pkg['vnfSnapshotId'])
        for path, content in contents.items():
            with self.subTest(path=path):
                resp = self.get('%s/%s/artifacts/%s' % (URL, pkg_id, path))
                self.assertEqual(200, resp.status, resp.body[:200])
                self.assertEqual(content, resp.body)
        resp = self.get('%s/%s/package_content' % (URL, pkg_id),
                        headers={'Range': 'bytes=-100'})
        self.assertEqual(206, resp.status)
        self.assertEqual(data[-100:], resp.body)
