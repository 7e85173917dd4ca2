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

"""The package store interface and what every backend shares.

A key is ``<prefix>/<name>`` (``<package id>/package.zip``); the prefix
groups everything of one package so that ``delete_prefix`` removes it all.
Keys come from vnfsnap itself but are still checked: only
``[A-Za-z0-9._-]`` components, none starting with a dot (the backends keep
their own temporary files and segments under dot names), at least two.
"""

import abc
import contextlib
import dataclasses
import hashlib
import io
import mmap
import os
import re
import tempfile

from vnfsnap.common import exception

MIB = 1024 * 1024
CHUNK_SIZE = MIB
#: progress() is called each time this many more bytes are done (and at
#: the end), so a caller can abort a write within a MiB or so.
PROGRESS_STEP = MIB
MAX_KEY_LENGTH = 512

_COMPONENT = re.compile(r'[A-Za-z0-9_-][A-Za-z0-9._-]*\Z')


@dataclasses.dataclass(frozen=True)
class StoredObject:
    size: int
    sha256: str          # lowercase hex of the whole object's bytes


def _check_path(value, what, min_parts):
    if not isinstance(value, str) or not value:
        raise exception.InvalidStoreKey(
            key=value, reason='empty or not a string')
    if len(value) > MAX_KEY_LENGTH:
        raise exception.InvalidStoreKey(
            key=value, reason='longer than %d characters' % MAX_KEY_LENGTH)
    parts = value.split('/')
    if len(parts) < min_parts:
        raise exception.InvalidStoreKey(
            key=value, reason='a %s needs at least %d "/"-separated parts'
            % (what, min_parts))
    for part in parts:
        if not _COMPONENT.match(part):
            raise exception.InvalidStoreKey(
                key=value, reason='part %r is empty, starts with a dot or '
                'has a character outside [A-Za-z0-9._-]' % part)
    return parts


def check_key(key):
    """Return the components of a valid key; raise InvalidStoreKey."""
    return _check_path(key, 'key', 2)


def check_prefix(prefix):
    """Return the components of a valid prefix; raise InvalidStoreKey."""
    return _check_path(prefix, 'prefix', 1)


def check_range(key, start, end, size):
    """The [start, end) a range asks for, or RangeNotSatisfiable."""
    if end is None:
        end = size
    if not (0 <= start <= end <= size):
        raise exception.RangeNotSatisfiable(
            range='bytes %s-%s of %s' % (start, end, key), size=size)
    return start, end


def too_large(size, limit):
    return exception.PackageTooLarge(
        reason='it has at least %d bytes, more than '
        '[package_store]max_package_size (%d)' % (size, limit))


class Meter:
    """Counts and hashes the bytes of a write, and reports its progress.

    ``progress`` is the caller's callback; an exception from it aborts the
    write and reaches the caller.
    """

    def __init__(self, progress=None, limit=None, digest=True):
        self.progress = progress
        self.limit = limit
        self.size = 0
        self.reported = 0
        self._sha256 = hashlib.sha256() if digest else None

    def add(self, data):
        self.size += len(data)
        if self.limit is not None and self.size > self.limit:
            raise too_large(self.size, self.limit)
        if self._sha256 is not None:
            self._sha256.update(data)
        if self.size - self.reported >= PROGRESS_STEP:
            self.report()

    def count(self, size):
        """Bytes written by someone else (a program writing in place):
        counted against the limit and reported, not hashed."""
        self.size += size
        if self.limit is not None and self.size > self.limit:
            raise too_large(self.size, self.limit)
        if self.size - self.reported >= PROGRESS_STEP:
            self.report()

    def report(self, done=None):
        """Tell the caller ``done`` bytes (default: all counted) are done."""
        done = self.size if done is None else done
        self.reported = done
        if self.progress is not None:
            self.progress(done)

    def result(self):
        return StoredObject(size=self.size, sha256=self._sha256.hexdigest())


#: The bytes :func:`mapped` maps at once.
MAP_STEP = 8 * MIB


def mapped(fd, start, end, step=MAP_STEP):
    """Bytes [start, end) of the file ``fd`` as memoryviews of at most
    ``step`` bytes, mapped read-only: hashing them reads the page cache
    without copying it into Python. Each view is released when the next
    is asked for (do not keep them)."""
    while start < end:
        size = min(step, end - start)
        skew = start % mmap.ALLOCATIONGRANULARITY
        with mmap.mmap(fd, size + skew, access=mmap.ACCESS_READ,
                       offset=start - skew) as region:
            view = memoryview(region)[skew:skew + size]
            try:
                yield view
            finally:
                view.release()
        start += size


class StreamSource:
    """The caller's upload stream, with its length and the size limit.

    ``read(n)`` never returns more than ``n`` bytes, nor more than
    ``length``; it raises UploadIncomplete when the stream ends early and
    PackageTooLarge past the meter's limit (at once when ``length`` is
    already too large). Every byte read goes through ``meter``.
    """

    def __init__(self, reader, length, meter):
        if length is not None:
            if length < 0:
                raise ValueError('length must be >= 0, not %r' % length)
            if meter.limit is not None and length > meter.limit:
                raise too_large(length, meter.limit)
        self.reader = reader
        self.length = length
        self.meter = meter
        self.eof = False

    @property
    def done(self):
        return self.meter.size

    def read(self, n=CHUNK_SIZE):
        if self.eof:
            return b''
        if self.length is not None:
            n = min(n, self.length - self.done)
            if n == 0:
                self.eof = True
                return b''
        data = self.reader.read(n)
        if not data:
            if self.length is not None:
                raise exception.UploadIncomplete(done=self.done,
                                                 expected=self.length)
            self.eof = True
            return b''
        if len(data) > n:
            raise ValueError('the upload stream returned %d bytes when '
                             'asked for %d' % (len(data), n))
        self.meter.add(data)
        return data


class ForwardOnly:
    """A write stream that cannot seek: a ZipFile writing to it puts
    sizes and CRCs in data descriptors after each member."""

    def seekable(self):
        return False

    def seek(self, *args):
        raise io.UnsupportedOperation('a store stream only goes forward')

    def flush(self):
        pass


class StreamWriter(ForwardOnly):
    """A forward-only stream into the store: ``write`` counts and hashes
    every byte (the StoredObject of what is written comes for free) and
    passes it on; ``tell`` is the count. It cannot seek, so a ZipFile
    writing to it puts sizes and CRCs in data descriptors after each
    member instead of going back to patch the local headers (which
    would make the hash taken on the way wrong).
    """

    def __init__(self, out, meter):
        self._out = out
        self.meter = meter

    def write(self, data):
        self.meter.add(data)
        self._out.write(data)
        return len(data)

    def tell(self):
        return self.meter.size

    def result(self):
        return self.meter.result()


class RangeFile:
    """Bytes [start, end) of an open file, as a file object: ``read``
    stops at ``end``; ``fileno``, ``tell`` and ``seek`` let a WSGI
    server's file_wrapper send it with sendfile from its position for
    the answer's Content-Length."""

    def __init__(self, f, start, end):
        f.seek(start)
        self._f = f
        self.end = end

    def read(self, size=-1):
        left = self.end - self._f.tell()
        if size is None or size < 0 or size > left:
            size = left
        return self._f.read(size) if size > 0 else b''

    def fileno(self):
        return self._f.fileno()

    def tell(self):
        return self._f.tell()

    def seek(self, offset, whence=os.SEEK_SET):
        return self._f.seek(offset, whence)

    def close(self):
        self._f.close()


class ClosingIterator:
    """Iterates over ``chunks``; ``close()`` also releases ``resource``.

    A WSGI server calls close() on the body even when the client went away
    before the end, so an open file or HTTP response is never left behind.
    """

    def __init__(self, chunks, close):
        self._chunks = chunks
        self._close = close

    def __iter__(self):
        return self

    def __next__(self):
        return next(self._chunks)

    def close(self):
        try:
            if hasattr(self._chunks, 'close'):
                self._chunks.close()
        finally:
            self._close()


class PackageStore(abc.ABC):
    """Where package files live. Keys: see the module docstring.

    Writes are all-or-nothing: until a put returns, ``exists(key)`` is
    false, and a put that fails (or whose ``progress`` callback raised)
    leaves nothing behind under ``key``.
    """

    @classmethod
    @abc.abstractmethod
    def from_conf(cls, conf):
        """The store [package_store] describes."""

    @abc.abstractmethod
    def put_file(self, key, path, progress=None):
        """Copy the local file ``path`` under ``key``; a StoredObject."""

    @abc.abstractmethod
    def put_stream(self, key, reader, length=None, progress=None):
        """Store what ``reader.read(n)`` gives until EOF (or ``length``
        bytes); a StoredObject. Refuses more than max_package_size bytes
        (PackageTooLarge) and a stream shorter than ``length``
        (UploadIncomplete)."""

    #: Whether open_write's writer can place (see file.PlacingWriter):
    #: let a program write a member straight into the package.
    can_place = False

    @contextlib.contextmanager
    def open_write(self, key, spool_dir, progress=None):
        """A StreamWriter whose bytes are stored under ``key`` when the
        block ends without an exception (nothing is, otherwise); its
        ``result()`` is then the StoredObject. This default spools to a
        temporary file in ``spool_dir`` and puts that; a backend that can
        write in place (the file store) does so, in one pass."""
        fd, tmp = tempfile.mkstemp(dir=spool_dir, prefix='.',
                                   suffix='.part')
        try:
            with os.fdopen(fd, 'wb') as out:
                yield StreamWriter(out, Meter())
            self.put_file(key, tmp, progress=progress)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)

    @abc.abstractmethod
    def get_to_file(self, key, path, progress=None):
        """Copy the object to the local file ``path``; its size."""

    @abc.abstractmethod
    def iter_range(self, key, start=0, end=None, chunk_size=CHUNK_SIZE):
        """An iterator (with close()) over bytes [start, end) of the
        object (end None: to its end). Checks the key and the range before
        returning, so that an error comes before any byte is sent."""

    def open_range(self, key, start, end):
        """A RangeFile over bytes [start, end) of the object, for a WSGI
        server to send with sendfile; None when the backend has no local
        file (the caller uses iter_range). Checks like iter_range."""
        return None

    @abc.abstractmethod
    def size(self, key):
        """Size in bytes of the object; StoreObjectNotFound if absent."""

    @abc.abstractmethod
    def exists(self, key):
        """True when an object is stored under ``key``."""

    @abc.abstractmethod
    def delete_prefix(self, prefix):
        """Delete every object whose key starts with ``prefix + '/'``."""
