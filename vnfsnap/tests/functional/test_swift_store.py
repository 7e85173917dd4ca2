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

"""The swift package store against a real OpenStack Swift.

One Swift (swift_services.SwiftServer) serves the whole class; each test
has a container of its own. Segments are 1 MiB, so a 5 MiB file is a
Static Large Object of 6 segments.
"""

import hashlib
import io
import os
import secrets

from vnfsnap import store
from vnfsnap.common import exception
from vnfsnap.store import base
from vnfsnap.store import swift as swift_store
from vnfsnap.tests import base as test_base
from vnfsnap.tests.fixtures import swift_services

MIB = 1024 * 1024
KEY = 'pkg-1/package.zip'
SIZE = 5 * MIB + 123


class Trickle:
    """An upload stream giving at most 64 KiB per read, like a socket."""

    def __init__(self, data):
        self._data = io.BytesIO(data)

    def read(self, n):
        return self._data.read(min(n, 65536))


class Abort(Exception):
    pass


def abort_after(limit):
    def progress(done):
        if done > limit:
            raise Abort(done)
    return progress


class TestSwiftStore(test_base.TestCase):

    MIGRATE = False

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.swift = swift_services.SwiftServer()
        cls.swift.setUp()

    @classmethod
    def tearDownClass(cls):
        cls.swift.cleanUp()
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        self.container = 'pkgs-%s' % secrets.token_hex(4)
        self.conf.config(backend='swift', swift_auth_url=self.swift.auth_url,
                         swift_user=self.swift.user, swift_key=self.swift.key,
                         swift_container=self.container,
                         swift_segment_size=MIB, swift_upload_concurrency=4,
                         swift_retries=1, group='package_store')
        self.store = store.get_store()
        self.conn = self.swift.connection()
        self.data = os.urandom(SIZE)
        self.path = os.path.join(self.state_path, 'package.zip')
        with open(self.path, 'wb') as f:
            f.write(self.data)
        self.stored = base.StoredObject(
            SIZE, hashlib.sha256(self.data).hexdigest())

    def listing(self):
        return [o['name'] for o in self.conn.get_container(
            self.container, full_listing=True)[1]]

    def segments(self, key=KEY):
        return [n for n in self.listing()
                if n.startswith(swift_store._segment_prefix(key))]

    def check_object(self, key=KEY, slo=True):
        head = self.conn.head_object(self.container, key)
        self.assertEqual(str(SIZE), head['content-length'])
        self.assertEqual(slo, head.get('x-static-large-object') == 'True')
        _headers, body = self.conn.get_object(self.container, key)
        self.assertEqual(self.data, body)

    def test_put_file_is_a_parallel_slo(self):
        calls = []
        self.assertEqual(self.stored, self.store.put_file(
            KEY, self.path, progress=calls.append))
        self.check_object()
        self.assertEqual(['pkg-1/.segments/package.zip/%08d' % i
                          for i in range(6)], self.segments())
        self.assertEqual([MIB] * 5 + [123], [
            int(self.conn.head_object(self.container, s)['content-length'])
            for s in self.segments()])
        self.assertEqual(SIZE, calls[-1])
        self.assertEqual(SIZE, self.store.size(KEY))
        self.assertTrue(self.store.exists(KEY))
        self.assertFalse(self.store.exists('pkg-2/package.zip'))

        out = os.path.join(self.state_path, 'back.zip')
        self.assertEqual(SIZE, self.store.get_to_file(KEY, out))
        with open(out, 'rb') as f:
            self.assertEqual(self.data, f.read())

    def test_put_stream_known_and_unknown_length(self):
        self.assertEqual(self.stored, self.store.put_stream(
            KEY, Trickle(self.data), length=SIZE))
        self.check_object()
        self.assertEqual(6, len(self.segments()))
        key2 = 'pkg-2/package.zip'
        self.assertEqual(self.stored, self.store.put_stream(
            key2, Trickle(self.data)))
        self.check_object(key2)
        self.assertEqual(6, len(self.segments(key2)))

    def test_small_objects_are_plain(self):
        self.data = self.data[:SIZE - 4 * MIB - 123]
        small = base.StoredObject(
            MIB, hashlib.sha256(self.data).hexdigest())
        self.assertEqual(small, self.store.put_stream(
            KEY, Trickle(self.data), length=MIB))
        head = self.conn.head_object(self.container, KEY)
        self.assertNotIn('x-static-large-object', head)
        self.assertEqual(self.data, b''.join(self.store.iter_range(KEY)))
        self.assertEqual([KEY], self.listing())

    def test_ranges_across_segments(self):
        self.store.put_file(KEY, self.path)
        for start, end in [(0, None), (MIB - 10, MIB + 10),
                           (MIB - 1, 4 * MIB + 1), (5 * MIB, None),
                           (SIZE - 1, SIZE), (0, 1), (7, 7), (SIZE, None)]:
            it = self.store.iter_range(KEY, start, end, chunk_size=300000)
            try:
                self.assertEqual(self.data[start:end], b''.join(it),
                                 (start, end))
            finally:
                it.close()
        self.assertRaises(exception.RangeNotSatisfiable,
                          self.store.iter_range, KEY, 0, SIZE + 1)
        self.assertRaises(exception.StoreObjectNotFound, self.store.iter_range,
                          'pkg-2/package.zip')
        # A client that goes away after the first chunk.
        it = self.store.iter_range(KEY, chunk_size=MIB)
        self.assertEqual(MIB, len(next(it)))
        it.close()

    def test_abort_leaves_nothing(self):
        self.assertRaises(Abort, self.store.put_file, KEY, self.path,
                          progress=abort_after(2 * MIB))
        self.assertEqual([], self.listing())
        self.assertRaises(Abort, self.store.put_stream, KEY,
                          Trickle(self.data), length=SIZE,
                          progress=abort_after(2 * MIB))
        self.assertEqual([], self.listing())
        self.assertRaises(Abort, self.store.put_stream, KEY,
                          Trickle(self.data), progress=abort_after(3 * MIB))
        self.assertEqual([], self.listing())
        self.assertFalse(self.store.exists(KEY))

    def test_refused_uploads_leave_nothing(self):
        e = self.assertRaises(exception.UploadIncomplete,
                              self.store.put_stream, KEY,
                              Trickle(self.data[:3 * MIB]), length=SIZE)
        self.assertEqual('The upload ended after %d of %d bytes.'
                         % (3 * MIB, SIZE), str(e))
        self.assertEqual([], self.listing())
        self.conf.config(max_package_size=4 * MIB, group='package_store')
        limited = store.get_store()
        self.assertRaises(exception.PackageTooLarge, limited.put_stream, KEY,
                          Trickle(self.data))
        self.assertRaises(exception.PackageTooLarge, limited.put_file, KEY,
                          self.path)
        self.assertEqual([], self.listing())

    def test_replace(self):
        self.store.put_file(KEY, self.path)
        self.data = self.data[:1000]
        self.store.put_stream(KEY, io.BytesIO(self.data), length=1000)
        self.assertEqual([KEY], self.listing())
        self.assertEqual(self.data, b''.join(self.store.iter_range(KEY)))

    def test_delete_prefix(self):
        self.store.put_file(KEY, self.path)
        self.store.put_stream('pkg-1/other.bin', io.BytesIO(b'x'), length=1)
        self.store.put_file('pkg-2/package.zip', self.path)
        # Segments of an upload that crashed before its manifest.
        self.conn.put_object(self.container,
                             'pkg-1/.segments/crashed.zip/00000000', b'x')
        self.store.delete_prefix('pkg-1')
        self.assertEqual(['pkg-2/package.zip'], [
            n for n in self.listing() if not swift_store._is_segment(n)])
        self.assertTrue(all(n.startswith('pkg-2/') for n in self.listing()))
        self.store.delete_prefix('pkg-2')
        self.assertEqual([], self.listing())
        self.store.delete_prefix('pkg-2')
        self.store.delete_prefix('never-stored')

    def test_not_found(self):
        self.assertRaises(exception.StoreObjectNotFound, self.store.size, KEY)
        self.assertRaises(exception.StoreObjectNotFound,
                          self.store.get_to_file, KEY,
                          os.path.join(self.state_path, 'out'))

    def test_wrong_key_is_a_store_error(self):
        self.conf.config(swift_key='wrong', group='package_store')
        e = self.assertRaises(exception.StoreError, store.get_store().put_file,
                              KEY, self.path)
        self.assertIn('Package store unavailable', str(e))
        self.assertNotIn('wrong', str(e))
