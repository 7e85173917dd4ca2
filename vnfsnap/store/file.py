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

"""The file backend: packages in a local directory ([package_store]file_dir).

Key ``<id>/package.zip`` is the file ``<file_dir>/<id>/package.zip``. A
write goes to a temporary dot-file in the same directory (keys never start
with a dot), is fsync'ed, and is renamed over the key only when complete,
so a reader never sees half a package and a crash leaves only a dot-file
that delete_prefix removes with the rest.
"""

import contextlib
import errno
import hashlib
import os
import shutil
import stat
import tempfile
import threading

from vnfsnap.common import exception
from vnfsnap.store import base


def _no_space(target):
    return exception.StoreFull(
        where='the package store (%s)' % os.path.dirname(
            os.path.dirname(target)), what=os.path.basename(target))


@contextlib.contextmanager
def _store_errors(target=None):
    """OSError of the store's own files (permissions) -> 503; a full disk
    while writing ``target`` -> StoreFull (507)."""
    try:
        yield
    except OSError as e:
        if target is not None and e.errno == errno.ENOSPC:
            raise _no_space(target) from e
        raise exception.StoreError(reason=str(e)) from e


@contextlib.contextmanager
def _full(target):
    """ENOSPC when closing ``target`` flushes its buffer -> StoreFull."""
    try:
        yield
    except OSError as e:
        if e.errno != errno.ENOSPC:
            raise
        raise _no_space(target) from e


def _remove(path):
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def _fsync_dir(path):
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class _Hasher:
    """The SHA-256 of a file, taken in a thread of its own as its bytes
    become final (:meth:`advance`), from the page cache (mapped, not
    copied): the package's checksum, while the build writes on."""

    def __init__(self, fd):
        self._fd = fd
        self._sha256 = hashlib.sha256()
        self._hashed = self._final = 0
        self._end = None
        self._stopped = False
        self._error = None
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name='vnfsnap-package-sha256')
        self._thread.start()

    def advance(self, final):
        """Bytes before ``final`` will not change any more."""
        with self._cond:
            if final > self._final:
                self._final = final
                self._cond.notify()

    def _run(self):
        while True:
            with self._cond:
                while not self._stopped and self._final <= self._hashed \
                        and self._end is None:
                    self._cond.wait()
                if self._stopped or (self._end is not None
                                     and self._hashed >= self._end):
                    return
                start, end = self._hashed, self._final
            try:
                for view in base.mapped(self._fd, start, end):
                    self._sha256.update(view)
            except BaseException as e:
                self._error = e
                return
            with self._cond:
                self._hashed = end

    def finish(self, size):
        """The hex SHA-256 of the file's first ``size`` bytes, all final
        now."""
        with self._cond:
            self._end = size
            self._final = max(self._final, size)
            self._cond.notify()
        self._thread.join()
        if self._error is not None:
            raise exception.StoreError(reason='hashing the package failed: '
                                              '%s' % self._error)
        return self._sha256.hexdigest()

    def stop(self):
        with self._cond:
            self._stopped = True
            self._cond.notify()
        self._thread.join()


class _Flush:
    """An fdatasync of ``fd`` in a thread of its own."""

    def __init__(self, fd, target):
        self._error = None
        self._target = target
        self._thread = threading.Thread(target=self._run, args=(fd,),
                                        daemon=True, name='vnfsnap-flush')
        self._thread.start()

    def _run(self, fd):
        try:
            os.fdatasync(fd)
        except OSError as e:
            self._error = e

    def join(self):
        self._thread.join()

    def wait(self):
        self.join()
        if self._error is not None:
            with _store_errors(self._target):
                raise self._error


class PlacingWriter(base.ForwardOnly):
    """What the file store's :meth:`FileStore.open_write` gives: a
    forward-only stream like base.StreamWriter (``write``, ``tell``; it
    cannot seek, so a ZipFile puts sizes and CRCs in data descriptors),
    that can also let a program write in place (:meth:`place`: qemu-img
    converting a disk where its ZIP member goes) and fill in later what
    it reserved (:meth:`reserve`, :meth:`fill`: a member's local header,
    known once its bytes are). The package's SHA-256 is taken in a
    thread from the page cache as the bytes become final, up to the
    first reserved range not filled yet.
    """

    def __init__(self, fd, path, target, meter):
        self._fd, self.path, self._target = fd, path, target
        self.meter = meter
        self._pos = 0
        self._reserved = {}
        self._hasher = _Hasher(fd)
        self._flushes = []
        # fill() may come from another thread (a member's CRC-32 taken
        # while the build writes on).
        self._lock = threading.Lock()
        self._stored = None

    def fileno(self):
        return self._fd

    def _advance(self):
        with self._lock:
            self._hasher.advance(min([self._pos, *self._reserved]))

    def _pwrite(self, data, offset):
        view = memoryview(data)
        with _store_errors(self._target):
            while view:
                done = os.pwrite(self._fd, view, offset)
                view, offset = view[done:], offset + done

    def write(self, data):
        self.meter.count(len(data))
        self._pwrite(data, self._pos)
        self._pos += len(data)
        self._advance()
        return len(data)

    def reserve(self, size):
        """Leave ``size`` bytes at the current position to :meth:`fill`
        later; returns their offset."""
        offset = self._pos
        with self._lock:
            self._reserved[offset] = size
        self.write(bytes(size))
        return offset

    def fill(self, offset, data):
        """Write the bytes reserved at ``offset`` (exactly as many); from
        any thread."""
        with self._lock:
            reserved = self._reserved.get(offset)
        if len(data) != reserved:
            raise ValueError('%d bytes for the %s reserved at %d'
                             % (len(data), reserved, offset))
        self._pwrite(data, offset)
        with self._lock:
            del self._reserved[offset]
        self._advance()

    def place(self, write_to):
        """Let ``write_to(path, offset)`` write the file from the current
        position on (and nothing before it); what it leaves up to the
        file's end is taken as written. Returns (offset, size)."""
        offset = self._pos
        write_to(self.path, offset)
        with _store_errors(self._target):
            end = os.fstat(self._fd).st_size
        if end < offset:
            raise exception.StoreError(
                reason='%s was cut to %d bytes while written in place at '
                       '%d' % (self._target, end, offset))
        self.meter.count(end - offset)
        self._pos = end
        self._advance()
        # Its writeback starts now, while it is hashed and the rest is
        # written, rather than in the final fsync.
        self._flushes.append(_Flush(self._fd, self._target))
        return offset, end - offset

    def tell(self):
        return self._pos

    def _close(self):
        """Wait for the package's hash; every byte must be final."""
        with self._lock:
            reserved = sorted(self._reserved)
        if reserved:
            raise ValueError('reserved bytes at %s were never filled'
                             % reserved)
        self._stored = base.StoredObject(
            size=self._pos, sha256=self._hasher.finish(self._pos))
        for flush in self._flushes:
            flush.wait()

    def _stop(self):
        self._hasher.stop()
        for flush in self._flushes:
            flush.join()

    def result(self):
        return self._stored


class FileStore(base.PackageStore):

    #: open_write gives a PlacingWriter.
    can_place = True

    def __init__(self, directory, max_size):
        self.directory = os.path.abspath(directory)
        self.max_size = max_size
        with _store_errors():
            os.makedirs(self.directory, 0o700, exist_ok=True)

    @classmethod
    def from_conf(cls, conf):
        return cls(conf.package_store.file_dir,
                   conf.package_store.max_package_size)

    def _path(self, key):
        return os.path.join(self.directory, *base.check_key(key))

    def _open(self, key):
        """The object's file, open for reading; StoreObjectNotFound."""
        path = self._path(key)
        try:
            f = open(path, 'rb')
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise exception.StoreObjectNotFound(key=key) from None
        except OSError as e:
            raise exception.StoreError(reason=str(e)) from e
        return f

    def put_file(self, key, path, progress=None):
        target = self._path(key)
        meter = base.Meter(progress, self.max_size)
        with open(path, 'rb') as src:
            size = os.fstat(src.fileno()).st_size
            if size > self.max_size:
                raise base.too_large(size, self.max_size)

            def read():
                data = src.read(base.CHUNK_SIZE)
                meter.add(data)
                return data

            return self._write(target, read, meter)

    def put_stream(self, key, reader, length=None, progress=None):
        target = self._path(key)
        meter = base.Meter(progress, self.max_size)
        source = base.StreamSource(reader, length, meter)
        return self._write(target, source.read, meter)

    def _write(self, target, read, meter):
        """Write what ``read()`` gives (metered by it) to ``target``."""
        with self._writing(target) as out:
            while data := read():
                with _store_errors(target):
                    out.write(data)
            meter.report()
        return meter.result()

    @contextlib.contextmanager
    def _writing(self, target, path=None):
        """A file that becomes ``target`` when the block ends well: a
        dot-file beside it, fsync'ed and renamed (then the directory
        fsync'ed); removed if the block raises. ``path``: a list the
        dot-file's path is appended to."""
        parent = os.path.dirname(target)
        with _store_errors():
            os.makedirs(parent, 0o700, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=parent, prefix='.',
                                       suffix='.part')
        if path is not None:
            path.append(tmp)
        try:
            with _full(target), os.fdopen(fd, 'wb') as out:
                yield out
                with _store_errors(target):
                    out.flush()
                    os.fsync(out.fileno())
            with _store_errors():
                os.replace(tmp, target)
        except BaseException:
            _remove(tmp)
            raise
        with _store_errors():
            _fsync_dir(parent)

    @contextlib.contextmanager
    def open_write(self, key, spool_dir=None, progress=None):
        """In place, in one pass: the bytes go straight into the dot-file
        that becomes ``key`` (``spool_dir`` is not needed); a
        :class:`PlacingWriter`, whose package hash is taken in a thread
        and waited for when the block ends."""
        target = self._path(key)
        meter = base.Meter(progress, self.max_size, digest=False)
        path = []
        with self._writing(target, path) as out:
            writer = PlacingWriter(out.fileno(), path[0], target, meter)
            try:
                yield writer
                writer._close()
            finally:
                writer._stop()
            meter.report()

    def get_to_file(self, key, path, progress=None):
        meter = base.Meter(progress, digest=False)
        path = os.path.abspath(path)
        with self._open(key) as src:
            fd, tmp = tempfile.mkstemp(
                dir=os.path.dirname(path),
                prefix='.%s.' % os.path.basename(path), suffix='.part')
            try:
                with os.fdopen(fd, 'wb') as out:
                    while data := src.read(base.CHUNK_SIZE):
                        out.write(data)
                        meter.add(data)
                    meter.report()
                os.replace(tmp, path)
            except BaseException:
                _remove(tmp)
                raise
        return meter.size

    def iter_range(self, key, start=0, end=None, chunk_size=base.CHUNK_SIZE):
        f = self._open(key)
        try:
            start, end = base.check_range(key, start, end,
                                          os.fstat(f.fileno()).st_size)
            f.seek(start)
        except BaseException:
            f.close()
            raise

        def chunks():
            remaining = end - start
            with f:
                while remaining > 0:
                    data = f.read(min(chunk_size, remaining))
                    if not data:
                        raise exception.StoreError(
                            reason='%s ended %d bytes early' % (key,
                                                                remaining))
                    remaining -= len(data)
                    yield data

        return base.ClosingIterator(chunks(), f.close)

    def open_range(self, key, start, end):
        f = self._open(key)
        try:
            start, end = base.check_range(key, start, end,
                                          os.fstat(f.fileno()).st_size)
            return base.RangeFile(f, start, end)
        except BaseException:
            f.close()
            raise

    def _stat(self, key):
        try:
            st = os.stat(self._path(key))
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as e:
            raise exception.StoreError(reason=str(e)) from e
        return st if stat.S_ISREG(st.st_mode) else None

    def size(self, key):
        st = self._stat(key)
        if st is None:
            raise exception.StoreObjectNotFound(key=key)
        return st.st_size

    def exists(self, key):
        return self._stat(key) is not None

    def delete_prefix(self, prefix):
        path = os.path.join(self.directory, *base.check_prefix(prefix))
        with _store_errors():
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path)
