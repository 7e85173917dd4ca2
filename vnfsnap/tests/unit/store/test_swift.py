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

"""The swift package store's own logic, on an in-memory Swift.

Segmenting, the parallel upload, aborts and clean-up, limits and the
connection set-up. That Swift really takes what this backend sends is
proven against a real Swift in
vnfsnap/tests/functional/test_swift_store.py.
"""

import hashlib
import io
import json
import os
import threading
import time

from keystoneauth1 import loading as ks_loading
from keystoneauth1 import session as ks_session
from swiftclient import exceptions as swift_exceptions

from vnfsnap import store
from vnfsnap.common import exception
from vnfsnap.store import base
from vnfsnap.store import swift as swift_store
from vnfsnap.tests import base as test_base
from vnfsnap.tests.fixtures import stores

MIB = 1024 * 1024
KEY = 'pkg-1/package.zip'
CONTAINER = 'packages'


def _md5(data):
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def _not_found():
    return swift_exceptions.ClientException('Not Found', http_status=404)


class FakeCluster:
    """Objects of an in-memory Swift, with SLO manifests, and hooks."""

    def __init__(self):
        self.objects = {}       # (container, name) -> dict
        self.containers = set()
        self.info = {'swift': {'max_file_size': 5 * 1024 * MIB},
                     'slo': {'max_manifest_segments': 1000}}
        self.lock = threading.Lock()
        self.active = 0
        self.max_active = 0
        self.put_delay = 0
        self.puts = []
        self.fail_put = None    # name -> exception or None
        self.wrong_etag_for = None
        self.threads = set()

    def names(self, container=CONTAINER):
        return sorted(n for c, n in self.objects if c == container)

    def data(self, container, name):
        obj = self.objects[(container, name)]
        if not obj['slo']:
            return obj['data']
        return b''.join(self.objects[tuple(s['path'][1:].split('/', 1))]
                        ['data'] for s in obj['segments'])


class FakeConnection:
    """The python-swiftclient Connection calls the backend makes."""

    def __init__(self, cluster, url=None, token=None):
        self.cluster = cluster
        self.url = url or 'http://swift.test/v1/AUTH_test'
        self.token = token or 'token'
        self.retries = 5
        self.closed = 0

    def close(self):
        self.closed += 1

    def get_capabilities(self):
        if self.cluster.info is None:     # expose_info = false
            raise _not_found()
        return self.cluster.info

    def head_container(self, container):
        if container not in self.cluster.containers:
            raise _not_found()
        return {}

    def put_container(self, container):
        self.cluster.containers.add(container)

    def get_container(self, container, prefix=None, full_listing=False):
        if container not in self.cluster.containers:
            raise _not_found()
        return {}, [{'name': n} for n in self.cluster.names(container)
                    if n.startswith(prefix or '')]

    def _read(self, contents, length):
        if isinstance(contents, (str, bytes)):
            return contents.encode() if isinstance(contents, str) \
                else contents
        chunks = []
        while length is None or sum(map(len, chunks)) < length:
            want = 65536 if length is None else min(
                65536, length - sum(map(len, chunks)))
            data = contents.read(want)
            if not data:
                break
            chunks.append(data)
            time.sleep(self.cluster.put_delay / 16)
        return b''.join(chunks)

    def put_object(self, container, name, contents, content_length=None,
                   query_string=None):
        cluster = self.cluster
        with cluster.lock:
            cluster.active += 1
            cluster.max_active = max(cluster.max_active, cluster.active)
            cluster.threads.add(threading.current_thread().name)
        try:
            cluster.puts.append(name)
            if cluster.fail_put and cluster.fail_put(name):
                raise cluster.fail_put(name)
            data = self._read(contents, content_length)
            if query_string == 'multipart-manifest=put':
                segments = json.loads(data)
                for s in segments:
                    seg = cluster.objects[tuple(s['path'][1:].split('/', 1))]
                    assert _md5(seg['data']) == s['etag']
                    assert len(seg['data']) == s['size_bytes']
                cluster.objects[(container, name)] = {
                    'slo': True, 'segments': segments}
                return _md5(''.join(s['etag'] for s in segments).encode())
            assert query_string is None
            cluster.objects[(container, name)] = {'slo': False, 'data': data}
            if cluster.wrong_etag_for == name:
                return _md5(b'something else')
            return _md5(data)
        finally:
            with cluster.lock:
                cluster.active -= 1

    def head_object(self, container, name):
        if (container, name) not in self.cluster.objects:
            raise _not_found()
        obj = self.cluster.objects[(container, name)]
        size = len(self.cluster.data(container, name))
        headers = {'content-length': str(size)}
        if obj['slo']:
            headers['x-static-large-object'] = 'True'
        return headers

    def get_object(self, container, name, resp_chunk_size=None,
                   headers=None):
        if (container, name) not in self.cluster.objects:
            raise _not_found()
        data = self.cluster.data(container, name)
        rng = (headers or {}).get('Range')
        if rng:
            start, end = rng[len('bytes='):].split('-')
            data = data[int(start):int(end) + 1]
        step = resp_chunk_size or len(data) or 1
        body = iter([data[i:i + step] for i in range(0, len(data), step)])
        return {'content-length': str(len(data))}, FakeBody(body)

    def delete_object(self, container, name, query_string=None):
        objects = self.cluster.objects
        if (container, name) not in objects:
            raise _not_found()
        obj = objects.pop((container, name))
        if query_string == 'multipart-manifest=delete':
            assert obj['slo']
            for s in obj['segments']:
                objects.pop(tuple(s['path'][1:].split('/', 1)), None)


class FakeBody:

    def __init__(self, chunks):
        self.chunks = chunks
        self.closed = False

    def __iter__(self):
        return self.chunks

    def close(self):
        self.closed = True


class SwiftStoreTest(test_base.TestCase):

    MIGRATE = False

    def setUp(self):
        super().setUp()
        self.cluster = FakeCluster()
        self.store = self.make_store()

    def make_store(self, segment_size=MIB, concurrency=3, max_size=64 * MIB):
        return swift_store.SwiftStore(
            lambda url=None, token=None: FakeConnection(self.cluster, url,
                                                        token),
            CONTAINER, segment_size, concurrency, max_size)

    def make_file(self, size):
        data = os.urandom(size)
        path = os.path.join(self.state_path, 'src.bin')
        with open(path, 'wb') as f:
            f.write(data)
        return path, data

    def segments(self, key=KEY):
        return [n for n in self.cluster.names()
                if n.startswith(swift_store._segment_prefix(key))]


class TestPutFile(SwiftStoreTest):

    def test_large_file_is_an_slo_uploaded_in_parallel(self):
        self.cluster.put_delay = 0.05
        path, data = self.make_file(5 * MIB + 123)
        calls = []
        stored = self.store.put_file(KEY, path, progress=calls.append)
        self.assertEqual(base.StoredObject(
            len(data), hashlib.sha256(data).hexdigest()), stored)
        self.assertEqual(['pkg-1/.segments/package.zip/%08d' % i
                          for i in range(6)], self.segments())
        self.assertTrue(self.cluster.objects[(CONTAINER, KEY)]['slo'])
        self.assertEqual(data, self.cluster.data(CONTAINER, KEY))
        self.assertEqual(3, self.cluster.max_active)
        self.assertEqual(len(data), calls[-1])
        self.assertGreater(len(calls), 2)
        self.assertIn(CONTAINER, self.cluster.containers)

    def test_small_file_is_one_object(self):
        path, data = self.make_file(MIB)
        self.store.put_file(KEY, path)
        self.assertEqual([KEY], self.cluster.names())
        self.assertFalse(self.cluster.objects[(CONTAINER, KEY)]['slo'])

    def test_empty_file(self):
        path, _data = self.make_file(0)
        self.assertEqual(0, self.store.put_file(KEY, path).size)
        self.assertEqual(b'', self.cluster.data(CONTAINER, KEY))

    def test_abort_by_progress_deletes_every_segment(self):
        self.cluster.put_delay = 0.05
        path, _data = self.make_file(8 * MIB)

        def progress(done):
            if done >= 2 * MIB:
                raise stores.Abort(done)

        self.assertRaises(stores.Abort, self.store.put_file, KEY, path,
                          progress=progress)
        self.assertEqual([], self.cluster.names())
        self.assertLess(len(self.cluster.puts), 8)

    def test_failed_segment_deletes_the_others(self):
        self.cluster.fail_put = lambda name: (
            swift_exceptions.ClientException('Server Error', http_status=503)
            if name.endswith('/00000004') else None)
        path, _data = self.make_file(6 * MIB)
        e = self.assertRaises(exception.StoreError, self.store.put_file, KEY,
                              path)
        self.assertIn('Server Error', str(e))
        self.assertEqual([], self.cluster.names())

    def test_md5_mismatch_is_an_error(self):
        self.cluster.wrong_etag_for = 'pkg-1/.segments/package.zip/00000001'
        path, _data = self.make_file(3 * MIB)
        e = self.assertRaises(exception.StoreError, self.store.put_file, KEY,
                              path)
        self.assertIn('MD5', str(e))
        self.assertEqual([], self.cluster.names())

    def test_replaces_an_earlier_object_and_stale_segments(self):
        path, data = self.make_file(5 * MIB)
        self.store.put_file(KEY, path)
        # What a crashed upload would have left: a segment, no manifest.
        self.cluster.objects[(CONTAINER, 'pkg-1/.segments/package.zip/'
                              '00000009')] = {'slo': False, 'data': b'x'}
        path, data = self.make_file(10)
        self.store.put_file(KEY, path)
        self.assertEqual([KEY], self.cluster.names())
        self.assertEqual(data, self.cluster.data(CONTAINER, KEY))

    def test_too_large(self):
        path, _data = self.make_file(3 * MIB)
        small = self.make_store(max_size=2 * MIB)
        self.assertRaises(exception.PackageTooLarge, small.put_file, KEY, path)
        self.assertEqual([], self.cluster.puts)

    def test_too_many_segments_for_the_cluster(self):
        self.cluster.info['slo']['max_manifest_segments'] = 3
        path, _data = self.make_file(3 * MIB + 1)
        e = self.assertRaises(exception.PackageTooLarge, self.store.put_file,
                              KEY, path)
        self.assertIn('at most 3 segments', str(e))
        self.assertEqual([], self.cluster.puts)

    def test_cluster_without_slo(self):
        del self.cluster.info['slo']
        path, _data = self.make_file(MIB + 1)
        e = self.assertRaises(exception.StoreError, self.store.put_file, KEY,
                              path)
        self.assertIn('Static Large Objects', str(e))
        path, _data = self.make_file(MIB)
        self.store.put_file(KEY, path)
        self.assertEqual([KEY], self.cluster.names())

    def test_segment_size_above_the_cluster_limit(self):
        self.cluster.info['swift']['max_file_size'] = MIB
        big_segments = self.make_store(segment_size=2 * MIB)
        path, _data = self.make_file(MIB + 1)
        e = self.assertRaises(exception.StoreError, big_segments.put_file, KEY,
                              path)
        self.assertIn('swift_segment_size', str(e))

    def test_cluster_without_info(self):
        self.cluster.info = None
        path, data = self.make_file(2 * MIB + 1)
        self.store.put_file(KEY, path)
        self.assertEqual(data, self.cluster.data(CONTAINER, KEY))


class TestPutStream(SwiftStoreTest):

    def check(self, data, stored):
        self.assertEqual(base.StoredObject(
            len(data), hashlib.sha256(data).hexdigest()), stored)
        self.assertEqual(data, self.cluster.data(CONTAINER, KEY))

    def test_known_length_segments(self):
        data = os.urandom(3 * MIB + 5)
        self.check(data, self.store.put_stream(
            KEY, stores.Trickle(data), length=len(data)))
        self.assertEqual(4, len(self.segments()))
        self.assertEqual(1, len(self.cluster.threads))

    def test_unknown_length_segments(self):
        data = os.urandom(2 * MIB)
        self.check(data, self.store.put_stream(KEY, stores.Trickle(data)))
        self.assertEqual(2, len(self.segments()))

    def test_unknown_length_single_segment(self):
        data = os.urandom(1000)
        self.check(data, self.store.put_stream(KEY, io.BytesIO(data)))
        self.assertEqual(1, len(self.segments()))

    def test_known_small_length_is_one_object(self):
        data = os.urandom(1000)
        self.check(data, self.store.put_stream(KEY, io.BytesIO(data),
                                               length=1000))
        self.assertEqual([KEY], self.cluster.names())

    def test_empty(self):
        for length in (None, 0):
            self.check(b'', self.store.put_stream(KEY, io.BytesIO(),
                                                  length=length))
            self.assertEqual([KEY], self.cluster.names())

    def test_short_stream(self):
        data = os.urandom(2 * MIB)
        e = self.assertRaises(exception.UploadIncomplete,
                              self.store.put_stream, KEY,
                              stores.Trickle(data), length=3 * MIB)
        self.assertEqual('The upload ended after %d of %d bytes.'
                         % (2 * MIB, 3 * MIB), str(e))
        self.assertEqual([], self.cluster.names())

    def test_too_large_unknown_length(self):
        small = self.make_store(max_size=2 * MIB)
        self.assertRaises(exception.PackageTooLarge, small.put_stream, KEY,
                          stores.Trickle(os.urandom(3 * MIB)))
        self.assertEqual([], self.cluster.names())

    def test_too_many_segments_unknown_length(self):
        self.cluster.info['slo']['max_manifest_segments'] = 2
        self.assertRaises(exception.PackageTooLarge, self.store.put_stream,
                          KEY, stores.Trickle(os.urandom(2 * MIB + 1)))
        self.assertEqual([], self.cluster.names())

    def test_abort_by_progress(self):
        calls = []
        self.assertRaises(stores.Abort, self.store.put_stream, KEY,
                          stores.Trickle(os.urandom(4 * MIB)),
                          progress=stores.abort_after(MIB + 1, calls))
        self.assertEqual([], self.cluster.names())

    def test_reader_error_reaches_the_caller_unchanged(self):
        class Broken:
            def read(self, n):
                raise ConnectionResetError('client went away')

        # Not a StoreError: the store is fine, the client is gone.
        self.assertRaises(ConnectionResetError, self.store.put_stream, KEY,
                          Broken(), length=10)
        self.assertEqual([], self.cluster.names())

    def test_streamed_parts_are_not_retried(self):
        seen = []
        real_put = FakeConnection.put_object

        def put_object(conn, *args, **kwargs):
            seen.append(conn.retries)
            return real_put(conn, *args, **kwargs)

        FakeConnection.put_object = put_object
        self.addCleanup(setattr, FakeConnection, 'put_object', real_put)
        self.store.put_stream(KEY, io.BytesIO(os.urandom(2 * MIB)))
        self.assertEqual([0, 0, 5], seen)     # two segments, the manifest


class TestReadAndDelete(SwiftStoreTest):

    def setUp(self):
        super().setUp()
        path, self.data = self.make_file(3 * MIB + 7)
        self.store.put_file(KEY, path)

    def test_size_exists(self):
        self.assertEqual(len(self.data), self.store.size(KEY))
        self.assertTrue(self.store.exists(KEY))
        self.assertFalse(self.store.exists('pkg-2/package.zip'))
        self.assertRaises(exception.StoreObjectNotFound, self.store.size,
                          'pkg-2/package.zip')

    def test_get_to_file(self):
        out = os.path.join(self.state_path, 'out.bin')
        calls = []
        self.assertEqual(len(self.data), self.store.get_to_file(
            KEY, out, progress=calls.append))
        with open(out, 'rb') as f:
            self.assertEqual(self.data, f.read())
        self.assertEqual(len(self.data), calls[-1])
        self.assertRaises(exception.StoreObjectNotFound,
                          self.store.get_to_file, 'pkg-2/package.zip',
                          out + '2')
        self.assertFalse(os.path.exists(out + '2'))

    def test_ranges(self):
        size = len(self.data)
        for start, end in [(0, None), (MIB - 1, 2 * MIB + 1), (size - 1, None),
                           (5, 5), (size, None)]:
            it = self.store.iter_range(KEY, start, end)
            self.assertEqual(self.data[start:end], b''.join(it))
            it.close()
        self.assertRaises(exception.RangeNotSatisfiable,
                          self.store.iter_range, KEY, 0, size + 1)
        self.assertRaises(exception.StoreObjectNotFound, self.store.iter_range,
                          'pkg-2/package.zip')

    def test_delete_prefix(self):
        self.store.put_stream('pkg-2/package.zip', io.BytesIO(b'other'),
                              length=5)
        orphan = 'pkg-1/.segments/old.zip/00000000'
        self.cluster.objects[(CONTAINER, orphan)] = {'slo': False,
                                                     'data': b'x'}
        self.store.delete_prefix('pkg-1')
        self.assertEqual(['pkg-2/package.zip'], self.cluster.names())
        self.store.delete_prefix('pkg-1')
        self.store.delete_prefix('pkg-2')
        self.assertEqual([], self.cluster.names())

    def test_delete_prefix_without_container(self):
        self.cluster.containers.clear()
        self.store.delete_prefix('pkg-1')

    def test_bad_keys(self):
        for key in stores.BAD_KEYS:
            self.assertRaises(exception.InvalidStoreKey, self.store.size, key)
            self.assertRaises(exception.InvalidStoreKey, self.store.put_stream,
                              key, io.BytesIO())
        self.assertRaises(exception.InvalidStoreKey, self.store.delete_prefix,
                          '..')


class TestConnections(test_base.TestCase):

    MIGRATE = False

    def setUp(self):
        super().setUp()
        self.conf.config(backend='swift', group='package_store')
        # Registered by keystoneauth when it loads the plugin.
        self.conf.register_opts(
            ks_loading.get_auth_plugin_conf_options('password'),
            group='swift')

    def test_tempauth_needs_credentials(self):
        self.conf.config(swift_auth_url='http://swift.test/auth/v1.0',
                         group='package_store')
        e = self.assertRaises(exception.StoreError, store.get_store)
        self.assertIn('missing: [package_store]swift_user, swift_key',
                      str(e))

    def test_tempauth(self):
        self.conf.config(swift_auth_url='http://swift.test/auth/v1.0',
                         swift_user='acct:user', swift_key='s3cret',
                         swift_retries=2, swift_timeout=7,
                         swift_cacert='/etc/ssl/ca.pem',
                         swift_segment_size=2 * MIB,
                         swift_container='pkgs', group='package_store')
        st = store.get_store()
        self.assertIsInstance(st, swift_store.SwiftStore)
        self.assertEqual(('pkgs', 2 * MIB), (st.container, st.segment_size))
        conn = st._connect()
        self.assertEqual(('http://swift.test/auth/v1.0', 'acct:user',
                          's3cret', '1', 2, 7, '/etc/ssl/ca.pem'),
                         (conn.authurl, conn.user, conn.key,
                          conn.auth_version, conn.retries, conn.timeout,
                          conn.cacert))
        self.assertIsNone(conn.session)
        again = st._connect('http://swift.test/v1/AUTH_acct', 'tok')
        self.assertEqual(('http://swift.test/v1/AUTH_acct', 'tok'),
                         (again.url, again.token))

    def test_keystone(self):
        self.conf.config(auth_type='password',
                         auth_url='http://keystone.test/identity',
                         username='vnfsnap', password='pw',
                         project_name='service', user_domain_name='Default',
                         project_domain_name='Default',
                         region_name='RegionTwo', interface='internal',
                         group='swift')
        conn = store.get_store()._connect()
        self.assertIsInstance(conn.session, ks_session.Session)
        self.assertEqual({'service_type': 'object-store',
                          'endpoint_type': 'internal',
                          'region_name': 'RegionTwo',
                          'object_storage_url': None}, conn.os_options)
        self.assertIsNone(conn.authurl)

    def test_keystone_endpoint_override(self):
        self.conf.config(auth_type='password',
                         auth_url='http://keystone.test/identity',
                         username='vnfsnap', password='pw',
                         endpoint_override='http://swift.test/v1/AUTH_p',
                         group='swift')
        connect = store.get_store()._connect
        first = connect()
        connect('http://other.test/v1/AUTH_x', 'tok')
        # Each connection has its own os_options: swiftclient writes in it.
        self.assertEqual('http://swift.test/v1/AUTH_p',
                         first.os_options['object_storage_url'])
