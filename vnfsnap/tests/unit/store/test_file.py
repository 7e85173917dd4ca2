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

"""The file package store, the store interface's helpers and get_store."""

import concurrent.futures
import errno
import hashlib
import http
import io
import os
import stat
import threading
import tracemalloc
from unittest import mock

from vnfsnap import store
from vnfsnap.common import exception
from vnfsnap.store import base
from vnfsnap.store import file as file_store
from vnfsnap.tests import base as test_base
from vnfsnap.tests.fixtures import stores

MIB = 1024 * 1024
KEY = 'pkg-1/package.zip'

BAD_PREFIXES = ['', '/pkg-1', 'pkg-1/', '..', '.', '.segments', 'a/../b',
                'pkg 1', None]


class TestKeys(test_base.TestCase):

    MIGRATE = False

    def test_good(self):
        self.assertEqual(['pkg-1', 'package.zip'], base.check_key(KEY))
        self.assertEqual(['a', 'b', 'c.d_e-f'],
                         base.check_key('a/b/c.d_e-f'))
        self.assertEqual(['pkg-1'], base.check_prefix('pkg-1'))
        self.assertEqual(['a', 'b'], base.check_prefix('a/b'))

    def test_bad(self):
        for key in stores.BAD_KEYS:
            self.assertRaises(exception.InvalidStoreKey, base.check_key, key)
        for prefix in BAD_PREFIXES:
            self.assertRaises(exception.InvalidStoreKey, base.check_prefix,
                              prefix)

    def test_message(self):
        e = self.assertRaises(exception.InvalidStoreKey, base.check_key,
                              'pkg-1/../x')
        self.assertIn("'..'", str(e))
        self.assertEqual(http.HTTPStatus.INTERNAL_SERVER_ERROR, e.code)


class FileStoreTest(test_base.TestCase):

    MIGRATE = False
    MAX = 16 * MIB

    def setUp(self):
        super().setUp()
        self.dir = os.path.join(self.state_path, 'packages')
        self.store = file_store.FileStore(self.dir, self.MAX)

    def make_file(self, size, name='src.bin'):
        data = os.urandom(size)
        path = os.path.join(self.state_path, name)
        with open(path, 'wb') as f:
            f.write(data)
        return path, data

    def stored_files(self):
        """Every file under the store's directory, temporary ones too."""
        found = []
        for root, _dirs, files in os.walk(self.dir):
            found.extend(os.path.relpath(os.path.join(root, f), self.dir)
                         for f in files)
        return sorted(found)

    def read_back(self, key=KEY):
        return b''.join(self.store.iter_range(key))


class TestFileStore(FileStoreTest):

    def test_directory_is_private(self):
        self.assertEqual(0o700, stat.S_IMODE(os.stat(self.dir).st_mode))

    def test_put_file_round_trip(self):
        path, data = self.make_file(3 * MIB + 5)
        calls = []
        stored = self.store.put_file(KEY, path, progress=calls.append)
        self.assertEqual(base.StoredObject(
            size=len(data), sha256=hashlib.sha256(data).hexdigest()), stored)
        self.assertEqual(len(data), calls[-1])
        self.assertEqual(sorted(calls), calls)
        self.assertGreaterEqual(len(calls), 3)
        self.assertTrue(self.store.exists(KEY))
        self.assertEqual(len(data), self.store.size(KEY))
        self.assertEqual([KEY], self.stored_files())

        out = os.path.join(self.state_path, 'out.bin')
        calls = []
        self.assertEqual(len(data), self.store.get_to_file(
            KEY, out, progress=calls.append))
        with open(out, 'rb') as f:
            self.assertEqual(data, f.read())
        self.assertEqual(len(data), calls[-1])
        self.assertEqual(['out.bin', 'packages', 'src.bin'],
                         sorted(os.listdir(self.state_path)))

    def test_put_stream_unknown_and_known_length(self):
        data = os.urandom(2 * MIB + 77)
        want = base.StoredObject(len(data), hashlib.sha256(data).hexdigest())
        self.assertEqual(want,
                         self.store.put_stream(KEY, stores.Trickle(data)))
        self.assertEqual(data, self.read_back())
        self.assertEqual(want, self.store.put_stream(
            'pkg-2/package.zip', stores.Trickle(data), length=len(data)))
        self.assertEqual(data, self.read_back('pkg-2/package.zip'))

    def test_known_length_reads_no_further(self):
        data = os.urandom(1000)
        reader = io.BytesIO(data + b'trailing bytes of the next request')
        stored = self.store.put_stream(KEY, reader, length=len(data))
        self.assertEqual(len(data), stored.size)
        self.assertEqual(data, self.read_back())
        self.assertEqual(b'trailing', reader.read(8))

    def test_empty(self):
        empty = base.StoredObject(0, hashlib.sha256(b'').hexdigest())
        self.assertEqual(empty, self.store.put_stream(KEY, io.BytesIO()))
        self.assertEqual(empty, self.store.put_stream(
            'pkg-2/package.zip', io.BytesIO(), length=0))
        self.assertEqual(0, self.store.size(KEY))
        self.assertEqual(b'', self.read_back())

    def test_overwrite(self):
        self.store.put_stream(KEY, io.BytesIO(b'first version'))
        self.store.put_stream(KEY, io.BytesIO(b'second'))
        self.assertEqual(b'second', self.read_back())
        self.assertEqual([KEY], self.stored_files())

    def test_ranges(self):
        path, data = self.make_file(3 * MIB + 11)
        self.store.put_file(KEY, path)
        size = len(data)
        for start, end in [(0, None), (0, size), (5, 6), (0, 1), (7, 7),
                           (MIB - 3, 2 * MIB + 3), (size - 1, None),
                           (size, None)]:
            it = self.store.iter_range(KEY, start, end, chunk_size=100000)
            chunks = list(it)
            it.close()
            self.assertEqual(data[start:end], b''.join(chunks),
                             (start, end))
            self.assertTrue(all(len(c) <= 100000 for c in chunks))
        for start, end in [(-1, None), (size + 1, None), (0, size + 1),
                           (10, 9)]:
            e = self.assertRaises(exception.RangeNotSatisfiable,
                                  self.store.iter_range, KEY, start, end)
            self.assertEqual(http.HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE,
                             e.code)

    def test_range_closed_early(self):
        self.store.put_stream(KEY, io.BytesIO(os.urandom(3 * MIB)))
        it = self.store.iter_range(KEY, chunk_size=MIB)
        self.assertEqual(MIB, len(next(it)))
        it.close()
        self.assertRaises(StopIteration, next, it)
        # Never started: close() still releases the file.
        self.store.iter_range(KEY).close()

    def test_abort_put_file(self):
        path, _data = self.make_file(5 * MIB)
        calls = []
        self.assertRaises(stores.Abort, self.store.put_file, KEY, path,
                          progress=stores.abort_after(2 * MIB, calls))
        self.assertLess(calls[-1], 5 * MIB)
        self.assertEqual([], self.stored_files())
        self.assertFalse(self.store.exists(KEY))

    def test_full_disk_says_so_and_leaves_nothing(self):
        full = OSError(errno.ENOSPC, 'No space left on device')
        with mock.patch.object(file_store.os, 'fsync', side_effect=full):
            e = self.assertRaises(exception.StoreFull, self.store.put_stream,
                                  KEY, io.BytesIO(b'x' * MIB))
        self.assertEqual(http.HTTPStatus.INSUFFICIENT_STORAGE, e.code)
        self.assertIn('No space left in the package store (%s) while '
                      'writing package.zip; the partial file was removed'
                      % self.dir, str(e))
        self.assertEqual([], self.stored_files())

    def test_abort_put_stream(self):
        calls = []
        self.assertRaises(stores.Abort, self.store.put_stream, KEY,
                          stores.Trickle(os.urandom(5 * MIB)),
                          progress=stores.abort_after(MIB, calls))
        self.assertEqual([], self.stored_files())

    def test_abort_at_the_last_report(self):
        # The final report comes before the file is renamed into place.
        self.assertRaises(stores.Abort, self.store.put_stream, KEY,
                          io.BytesIO(b'small'),
                          progress=stores.abort_after(0, []))
        self.assertEqual([], self.stored_files())

    def test_reader_error_propagates(self):
        class Broken:
            def read(self, n):
                raise ConnectionResetError('client went away')

        self.assertRaises(ConnectionResetError, self.store.put_stream, KEY,
                          Broken())
        self.assertEqual([], self.stored_files())

    def test_short_stream(self):
        e = self.assertRaises(exception.UploadIncomplete,
                              self.store.put_stream, KEY,
                              stores.Trickle(b'x' * 1000), length=1500)
        self.assertEqual('The upload ended after 1000 of 1500 bytes.',
                         str(e))
        self.assertIsInstance(e, exception.BadRequest)
        self.assertEqual(http.HTTPStatus.BAD_REQUEST, e.code)
        self.assertEqual([], self.stored_files())

    def test_too_large(self):
        small = file_store.FileStore(self.dir, 2 * MIB)
        path, _data = self.make_file(2 * MIB + 1)
        self.assertRaises(exception.PackageTooLarge, small.put_file, KEY, path)
        reader = stores.Trickle(b'')
        e = self.assertRaises(exception.PackageTooLarge, small.put_stream, KEY,
                              reader, length=2 * MIB + 1)
        self.assertEqual(0, reader.reads)
        self.assertIn('max_package_size', str(e))
        self.assertRaises(exception.PackageTooLarge, small.put_stream, KEY,
                          stores.Trickle(os.urandom(3 * MIB)))
        self.assertEqual([], self.stored_files())
        # The limit itself is fine.
        self.assertEqual(2 * MIB, small.put_stream(
            KEY, stores.Trickle(bytes(2 * MIB))).size)

    def test_bad_keys(self):
        path, _data = self.make_file(10)
        for key in stores.BAD_KEYS:
            for call, args in ((self.store.put_file, (path,)),
                               (self.store.put_stream, (io.BytesIO(),)),
                               (self.store.get_to_file, (path + '.out',)),
                               (self.store.iter_range, ()),
                               (self.store.size, ()),
                               (self.store.exists, ())):
                self.assertRaises(exception.InvalidStoreKey, call, key, *args)
        for prefix in BAD_PREFIXES:
            self.assertRaises(exception.InvalidStoreKey,
                              self.store.delete_prefix, prefix)
        self.assertEqual([], self.stored_files())

    def test_not_found(self):
        self.store.put_stream('pkg-1/sub/file', io.BytesIO(b'x'))
        for key in (KEY, 'pkg-1/sub', 'pkg-1/sub/file/more'):
            self.assertFalse(self.store.exists(key))
            self.assertRaises(exception.StoreObjectNotFound,
                              self.store.size, key)
            self.assertRaises(exception.StoreObjectNotFound,
                              self.store.iter_range, key)
            self.assertRaises(exception.StoreObjectNotFound,
                              self.store.get_to_file, key,
                              os.path.join(self.state_path, 'out'))
        self.assertFalse(os.path.exists(os.path.join(self.state_path, 'out')))
        e = exception.StoreObjectNotFound(key=KEY)
        self.assertEqual(http.HTTPStatus.NOT_FOUND, e.code)

    def test_delete_prefix(self):
        for key in (KEY, 'pkg-1/other', 'pkg-10/package.zip',
                    'pkg-2/package.zip'):
            self.store.put_stream(key, io.BytesIO(key.encode()))
        self.store.delete_prefix('pkg-1')
        self.assertEqual(['pkg-10/package.zip', 'pkg-2/package.zip'],
                         self.stored_files())
        self.store.delete_prefix('pkg-1')
        self.store.delete_prefix('never-stored')
        self.store.delete_prefix('pkg-2/package.zip')
        self.assertEqual(b'pkg-2/package.zip',
                         self.read_back('pkg-2/package.zip'))

    def test_delete_prefix_removes_leftover_temporary_files(self):
        os.makedirs(os.path.join(self.dir, 'pkg-1'))
        with open(os.path.join(self.dir, 'pkg-1', '.crashed.part'), 'w'):
            pass
        self.store.delete_prefix('pkg-1')
        self.assertEqual([], os.listdir(self.dir))

    def test_store_unavailable(self):
        blocker = os.path.join(self.state_path, 'not-a-dir')
        with open(blocker, 'w'):
            pass
        e = self.assertRaises(exception.StoreError, file_store.FileStore,
                              blocker, MIB)
        self.assertEqual(http.HTTPStatus.SERVICE_UNAVAILABLE, e.code)
        self.assertIn('Package store unavailable', str(e))
        os.makedirs(os.path.join(self.dir, 'pkg-1'))
        with open(os.path.join(self.dir, 'pkg-1', 'package.zip'), 'w'):
            pass
        self.assertRaises(exception.StoreError, self.store.put_stream,
                          'pkg-1/package.zip/x', io.BytesIO(b'x'))

    def test_memory_stays_flat(self):
        class Zeros:
            remaining = 64 * MIB

            def read(self, n):
                n = min(n, self.remaining)
                self.remaining -= n
                return bytes(n)

        big = file_store.FileStore(self.dir, 64 * MIB)
        tracemalloc.start()
        self.addCleanup(tracemalloc.stop)
        stored = big.put_stream(KEY, Zeros())
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        self.assertEqual(64 * MIB, stored.size)
        self.assertLess(peak, 8 * MIB)


class TestOpenWrite(FileStoreTest):
    """A build writes its package straight into the store, in one pass."""

    def test_in_place_and_hashed_on_the_way(self):
        data = os.urandom(3 * MIB + 7)
        with self.store.open_write(KEY) as out:
            out.write(data[:MIB])
            # Written where the package will be, under a dot name.
            self.assertFalse(self.store.exists(KEY))
            self.assertEqual(1, len(self.stored_files()))
            self.assertTrue(os.path.basename(
                self.stored_files()[0]).startswith('.'))
            out.write(data[MIB:])
        self.assertEqual(base.StoredObject(
            len(data), hashlib.sha256(data).hexdigest()), out.result())
        self.assertEqual(data, self.read_back())
        self.assertEqual(['pkg-1/package.zip'], self.stored_files())

    def test_a_failed_write_leaves_nothing(self):
        with self.assertRaises(RuntimeError):
            with self.store.open_write(KEY) as out:
                out.write(b'x' * MIB)
                raise RuntimeError('cancelled')
        self.assertEqual([], self.stored_files())
        self.assertFalse(self.store.exists(KEY))

    def test_full_disk_is_store_full(self):
        full = OSError(errno.ENOSPC, 'No space left on device')
        with mock.patch.object(file_store.os, 'fsync', side_effect=full):
            with self.assertRaises(exception.StoreFull):
                with self.store.open_write(KEY) as out:
                    out.write(b'x' * MIB)
        self.assertEqual([], self.stored_files())

    def test_too_large(self):
        with self.assertRaises(exception.PackageTooLarge):
            with self.store.open_write(KEY) as out:
                out.write(b'x' * (self.MAX + 1))
        self.assertEqual([], self.stored_files())

    def test_default_spools_then_puts(self):
        """What a backend without an in-place write (Swift) gets."""
        spool = os.path.join(self.state_path, 'work')
        os.mkdir(spool)
        data = os.urandom(MIB + 1)
        with base.PackageStore.open_write(self.store, KEY, spool) as out:
            out.write(data)
        self.assertEqual(hashlib.sha256(data).hexdigest(),
                         out.result().sha256)
        self.assertEqual(data, self.read_back())
        self.assertEqual([], os.listdir(spool))
        with self.assertRaises(RuntimeError):
            with base.PackageStore.open_write(self.store, 'p2/package.zip',
                                              spool) as out:
                out.write(data)
                raise RuntimeError('cancelled')
        self.assertEqual([], os.listdir(spool))
        self.assertFalse(self.store.exists('p2/package.zip'))


class TestPlacingWriter(FileStoreTest):
    """What a build needs to have qemu-img write a member in place: the
    package's SHA-256 is that of the bytes as they end up, reserved bytes
    included, and a failure anywhere leaves nothing."""

    def setUp(self):
        super().setUp()
        self.threads = threading.active_count()

    @staticmethod
    def writer_of(data):
        def write_to(path, offset):
            fd = os.open(path, os.O_WRONLY)
            try:
                os.pwrite(fd, data, offset)
            finally:
                os.close(fd)
        return write_to

    def test_place_reserve_fill(self):
        placed = os.urandom(3 * MIB + 5)
        counted = []
        with self.store.open_write(KEY, progress=counted.append) as out:
            self.assertTrue(self.store.can_place)
            out.write(b'head')
            header = out.reserve(10)
            self.assertEqual((14, len(placed)),
                             out.place(self.writer_of(placed)))
            out.write(b'tail' * 1000)
            out.fill(header, b'H' * 10)
            self.assertRaises(ValueError, out.fill, header, b'H' * 10)
        data = b'head' + b'H' * 10 + placed + b'tail' * 1000
        self.assertEqual(base.StoredObject(
            len(data), hashlib.sha256(data).hexdigest()), out.result())
        self.assertEqual(data, self.read_back())
        self.assertEqual(len(data), counted[-1])
        self.assertEqual([KEY], self.stored_files())
        self.assertEqual(self.threads, threading.active_count())

    def test_unfilled_reserve_leaves_nothing(self):
        with self.assertRaises(ValueError):
            with self.store.open_write(KEY) as out:
                out.reserve(30)
                out.write(b'x' * MIB)
        self.assertEqual([], self.stored_files())
        self.assertEqual(self.threads, threading.active_count())

    def test_failure_in_place_leaves_nothing(self):
        def half_then_fail(path, offset):
            self.writer_of(b'y' * MIB)(path, offset)
            raise RuntimeError('qemu-img failed')
        with self.assertRaises(RuntimeError):
            with self.store.open_write(KEY) as out:
                out.write(b'x' * MIB)
                out.place(half_then_fail)
        self.assertEqual([], self.stored_files())
        self.assertEqual(self.threads, threading.active_count())

    def test_placed_bytes_count_against_the_limit(self):
        with self.assertRaises(exception.PackageTooLarge):
            with self.store.open_write(KEY) as out:
                out.place(self.writer_of(b'z' * (self.MAX + 1)))
        self.assertEqual([], self.stored_files())

    def test_mapped_views(self):
        path, data = self.make_file(3 * MIB + 7)
        fd = os.open(path, os.O_RDONLY)
        try:
            for start, end in ((0, len(data)), (1, 5), (4095, 2 * MIB + 1),
                               (len(data) - 1, len(data))):
                got = b''.join(bytes(v) for v in base.mapped(
                    fd, start, end, step=MIB))
                self.assertEqual(data[start:end], got)
        finally:
            os.close(fd)


class TestGetStore(test_base.TestCase):

    MIGRATE = False

    def test_file_backend_is_the_default(self):
        first = store.get_store()
        self.assertIsInstance(first, file_store.FileStore)
        self.assertEqual(os.path.join(self.state_path, 'packages'),
                         first.directory)
        self.assertEqual(0o700, stat.S_IMODE(os.stat(first.directory)
                                             .st_mode))
        self.assertIs(first, store.get_store())

    def test_new_store_when_options_change(self):
        first = store.get_store()
        other = os.path.join(self.state_path, 'elsewhere')
        self.conf.config(file_dir=other, group='package_store')
        second = store.get_store()
        self.assertIsNot(first, second)
        self.assertEqual(other, second.directory)
        self.assertIs(second, store.get_store())

    def test_one_store_for_all_threads(self):
        self.conf.config(max_package_size=12345, group='package_store')
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            stores = list(pool.map(lambda _: store.get_store(), range(32)))
        self.assertEqual(1, len({id(s) for s in stores}))
        self.assertEqual(12345, stores[0].max_size)
