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

"""The swift backend: packages as objects of one Swift container.

Key ``<id>/package.zip`` is the object of that name in
[package_store]swift_container. An object larger than
[package_store]swift_segment_size is a Static Large Object: its segments
are the objects ``<id>/.segments/package.zip/<n>`` of the same container,
so that everything of a package is under ``<id>/`` and delete_prefix finds
it all, and the object itself is the SLO manifest, written last.

A local file is uploaded by a thread pool, each worker reading its own
part of the file, while the calling thread computes the SHA-256 in one
sequential pass and reports progress. An upload stream is sent one segment
after another, each read straight from the stream (nothing buffered but
the first MiB of a segment of unknown length). Every PUT is checked against
the MD5 Swift computed, and a failed or aborted write deletes what it had
written.
"""

import concurrent.futures
import contextlib
import hashlib
import json
import math
import os
import tempfile
import threading
import time

from keystoneauth1 import exceptions as ks_exceptions
from keystoneauth1 import loading as ks_loading
from oslo_log import log as logging
import requests
import swiftclient
from swiftclient import exceptions as swift_exceptions

from vnfsnap.common import exception
from vnfsnap.store import base

LOG = logging.getLogger(__name__)

SEGMENTS = '.segments'
_SLO_PUT = 'multipart-manifest=put'
_SLO_DELETE = 'multipart-manifest=delete'
#: Seconds between two looks at the workers of a parallel upload.
_POLL_INTERVAL = 0.2


def _segment_prefix(key):
    parent, name = key.rsplit('/', 1)
    return '%s/%s/%s/' % (parent, SEGMENTS, name)


def _segment_name(key, index):
    return '%s%08d' % (_segment_prefix(key), index)


def _is_segment(name):
    return SEGMENTS in name.split('/')


def _md5():
    return hashlib.md5(usedforsecurity=False)


class _CallerFailed(Exception):
    """Carries an exception of the caller's side (its stream, progress
    callback, local file, or a size limit) through python-swiftclient,
    which would take an OSError for a network error and retry."""

    def __init__(self, error):
        super().__init__(str(error))
        self.error = error


class _Aborted(Exception):
    """Stops an upload worker: another part of the upload failed."""


@contextlib.contextmanager
def _errors(key=None):
    """Swift and network errors -> StoreError (StoreObjectNotFound for a
    404 on ``key``)."""
    try:
        yield
    except swift_exceptions.ClientException as e:
        if e.http_status == 404 and key is not None:
            raise exception.StoreObjectNotFound(key=key) from e
        raise exception.StoreError(reason=str(e)) from e
    except (OSError, requests.RequestException,
            ks_exceptions.ClientException) as e:
        raise exception.StoreError(reason='%s: %s' %
                                   (type(e).__name__, e)) from e


def _absent(error):
    return getattr(error, 'http_status', None) == 404


class _Uploaded:
    """Bytes the workers of a parallel upload have sent so far.

    Sets ``event`` each time PROGRESS_STEP more bytes were sent, to wake
    the calling thread, which reports progress.
    """

    def __init__(self):
        self.total = 0
        self.event = threading.Event()
        self._signalled = 0
        self._lock = threading.Lock()

    def add(self, n):
        with self._lock:
            self.total += n
            if self.total - self._signalled >= base.PROGRESS_STEP:
                self._signalled = self.total
                self.event.set()


class _FileRange:
    """Bytes [offset, offset + length) of a local file, for one PUT.

    ``reset()`` rewinds it, so python-swiftclient can retry the PUT.
    """

    def __init__(self, path, offset, length, abort, uploaded):
        self._file = open(path, 'rb')
        self.offset = offset
        self.length = length
        self.abort = abort
        self.uploaded = uploaded
        self.sent = 0
        self.reset()

    def reset(self, *args, **kwargs):
        self._file.seek(self.offset)
        self.remaining = self.length
        self.md5 = _md5()
        self.uploaded.add(-self.sent)
        self.sent = 0

    def read(self, n=-1):
        if self.abort.is_set():
            raise _Aborted()
        n = self.remaining if n is None or n < 0 else min(n, self.remaining)
        try:
            data = self._file.read(n)
        except OSError as e:
            raise _CallerFailed(e) from e
        if n and not data:
            raise _CallerFailed(exception.StoreError(
                reason='%s shrank while it was uploaded' % self._file.name))
        self.remaining -= len(data)
        self.md5.update(data)
        self.sent += len(data)
        self.uploaded.add(len(data))
        return data

    def close(self):
        self._file.close()


def _read_source(source, n):
    try:
        return source.read(n)
    except Exception as e:
        raise _CallerFailed(e) from e


class _StreamPart:
    """Up to ``limit`` bytes of an upload stream, for one PUT.

    ``head`` is data already read from the stream for this part. There is
    no reset(): what was sent cannot be read again.
    """

    def __init__(self, source, limit, head=b''):
        self.source = source
        self.head = head
        self.remaining = limit - len(head)
        self.size = 0
        self.md5 = _md5()

    def read(self, n=-1):
        if self.head:
            if n is None or n < 0:
                n = len(self.head)
            data, self.head = self.head[:n], self.head[n:]
        else:
            n = (self.remaining if n is None or n < 0
                 else min(n, self.remaining))
            if n == 0:
                return b''
            data = _read_source(self.source, n)
            self.remaining -= len(data)
        self.size += len(data)
        self.md5.update(data)
        return data


@contextlib.contextmanager
def _no_retries(conn):
    """A streamed PUT cannot be sent again: fail at the first error, with
    that error, instead of swiftclient's "no ability to reset contents"."""
    retries, conn.retries = conn.retries, 0
    try:
        yield
    finally:
        conn.retries = retries


def connection_factory(conf):
    """A function (url=None, token=None) -> swiftclient.Connection.

    Keystone (a session from [swift]) when [swift]auth_type is set, else
    TempAuth (v1) with [package_store]swift_auth_url, swift_user and
    swift_key. ``url`` and ``token`` reuse an earlier authentication.
    """
    ps = conf.package_store
    common = {'retries': ps.swift_retries, 'timeout': ps.swift_timeout}
    if conf.swift.auth_type:
        try:
            auth = ks_loading.load_auth_from_conf_options(conf, 'swift')
            session = ks_loading.load_session_from_conf_options(
                conf, 'swift', auth=auth)
        except ks_exceptions.ClientException as e:
            raise exception.StoreError(
                reason='the [swift] Keystone options are incomplete or '
                'wrong: %s' % e) from e
        sw = conf.swift

        def connect(url=None, token=None):
            # A new os_options each time: swiftclient writes into it.
            return swiftclient.Connection(
                session=session,
                os_options={'service_type': 'object-store',
                            'endpoint_type': sw.interface,
                            'region_name': sw.region_name,
                            'object_storage_url': sw.endpoint_override},
                cacert=sw.cafile, insecure=sw.insecure, preauthurl=url,
                preauthtoken=token, **common)
        return connect

    missing = [name for name in ('swift_auth_url', 'swift_user', 'swift_key')
               if not getattr(ps, name)]
    if missing:
        raise exception.StoreError(
            reason='[package_store]backend is swift but neither a Keystone '
            '[swift]auth_type nor TempAuth credentials are set (missing: '
            '[package_store]%s)' % ', '.join(missing))

    def connect(url=None, token=None):
        return swiftclient.Connection(
            authurl=ps.swift_auth_url, user=ps.swift_user, key=ps.swift_key,
            auth_version='1', cacert=ps.swift_cacert,
            insecure=ps.swift_insecure, preauthurl=url, preauthtoken=token,
            **common)
    return connect


class SwiftStore(base.PackageStore):

    def __init__(self, connect, container, segment_size, concurrency,
                 max_size):
        self._connect = connect
        self.container = container
        self.segment_size = segment_size
        self.concurrency = concurrency
        self.max_size = max_size
        self._local = threading.local()
        self._container_ready = False
        self._info = None

    @classmethod
    def from_conf(cls, conf):
        ps = conf.package_store
        return cls(connection_factory(conf), ps.swift_container,
                   ps.swift_segment_size, ps.swift_upload_concurrency,
                   ps.max_package_size)

    # -- connections --------------------------------------------------------

    def _conn(self):
        """This thread's connection (swiftclient's are not thread-safe)."""
        conn = getattr(self._local, 'conn', None)
        if conn is None:
            conn = self._local.conn = self._connect()
        return conn

    def _new_conn(self):
        """A connection of its own, reusing this thread's token."""
        conn = self._conn()
        return self._connect(conn.url, conn.token)

    # -- cluster ------------------------------------------------------------

    def _ensure_container(self, conn):
        if self._container_ready:
            return
        with _errors():
            try:
                conn.head_container(self.container)
            except swift_exceptions.ClientException as e:
                if not _absent(e):
                    raise
                LOG.info('Creating Swift container %s for VNF snapshot '
                         'packages', self.container)
                conn.put_container(self.container)
        self._container_ready = True

    def _cluster_info(self, conn):
        """The cluster's /info, {} when it does not publish it."""
        if self._info is None:
            with _errors():
                try:
                    self._info = conn.get_capabilities()
                except swift_exceptions.ClientException as e:
                    LOG.warning('Swift does not publish its limits (%s); '
                                'uploads are not checked against them', e)
                    self._info = {}
        return self._info

    def _check_limits(self, conn, total):
        """Refuse an upload of ``total`` bytes (None: unknown) the cluster
        would refuse, before anything is sent."""
        info = self._cluster_info(conn)
        if not info:
            return None
        max_file = info.get('swift', {}).get('max_file_size')
        if (max_file and self.segment_size > max_file
                and (total is None or total > max_file)):
            raise exception.StoreError(
                reason='[package_store]swift_segment_size (%d) is larger '
                'than the largest object Swift accepts (%d)'
                % (self.segment_size, max_file))
        if total is not None and total <= self.segment_size:
            return None
        if 'slo' not in info:
            raise exception.StoreError(
                reason='objects over [package_store]swift_segment_size '
                'need Static Large Objects, which this Swift does not '
                'offer (no slo middleware)')
        max_segments = info['slo'].get('max_manifest_segments')
        if total is not None and max_segments:
            needed = math.ceil(total / self.segment_size)
            if needed > max_segments:
                raise self._too_many_segments(max_segments)
        return max_segments

    def _too_many_segments(self, max_segments):
        return exception.PackageTooLarge(
            reason='Swift takes at most %d segments of %d bytes '
            '([package_store]swift_segment_size) per object'
            % (max_segments, self.segment_size))

    # -- writes -------------------------------------------------------------

    def _prepare(self, conn, key, total):
        self._ensure_container(conn)
        max_segments = self._check_limits(conn, total)
        # A crashed earlier upload to this key may have left segments.
        self._delete_object(conn, key)
        self._delete_segments(conn, key)
        return max_segments

    @contextlib.contextmanager
    def _undo_on_error(self, key, started):
        """On any error, delete the object and segments ``started``."""
        try:
            yield
        except BaseException as e:
            self._discard(key, started)
            if isinstance(e, _CallerFailed):
                raise e.error from None
            raise

    def _discard(self, key, started):
        conn = self._conn()
        # The request that failed may have left its connection unusable.
        conn.close()
        try:
            self._delete_object(conn, key)
            self._delete_segments(conn, key, started)
        except exception.StoreError as e:
            LOG.warning('Could not delete what a failed upload to %s left '
                        'in Swift (delete_prefix will): %s', key, e)

    def _put(self, conn, name, reader, length):
        """PUT ``reader`` as object ``name``; check Swift's MD5."""
        with _errors():
            etag = conn.put_object(self.container, name, reader,
                                   content_length=length)
        if etag != reader.md5.hexdigest():
            raise exception.StoreError(
                reason='Swift stored %s with MD5 %s, but %s was sent'
                % (name, etag, reader.md5.hexdigest()))
        return etag

    def _put_manifest(self, conn, key, sizes, etags):
        pairs = zip(sizes, etags, strict=True)
        segments = [{'path': '/%s/%s' % (self.container,
                                         _segment_name(key, i)),
                     'etag': etag, 'size_bytes': size}
                    for i, (size, etag) in enumerate(pairs)]
        with _errors():
            etag = conn.put_object(self.container, key, json.dumps(segments),
                                   query_string=_SLO_PUT)
        expected = _md5()
        for segment_etag in etags:
            expected.update(segment_etag.encode())
        if etag != expected.hexdigest():
            raise exception.StoreError(
                reason='Swift answered the manifest of %s with ETag %s, '
                'expected %s' % (key, etag, expected.hexdigest()))
        LOG.info('Stored %s in Swift as a static large object of %d '
                 'segments', key, len(etags))

    def put_file(self, key, path, progress=None):
        base.check_key(key)
        size = os.path.getsize(path)
        if size > self.max_size:
            raise base.too_large(size, self.max_size)
        conn = self._conn()
        self._prepare(conn, key, size)
        if size <= self.segment_size:
            parts = [(0, size)]
        else:
            parts = [(offset, min(self.segment_size, size - offset))
                     for offset in range(0, size, self.segment_size)]
        meter = base.Meter(progress, digest=False)
        started = set()
        with self._undo_on_error(key, started):
            etags, sha256 = self._upload_file_parts(key, path, parts, meter,
                                                    started)
            if len(parts) > 1:
                self._put_manifest(conn, key, [ln for _, ln in parts], etags)
            meter.report(size)
        return base.StoredObject(size=size, sha256=sha256)

    def _upload_file_parts(self, key, path, parts, meter, started):
        """Upload ``parts`` in parallel; hash the file meanwhile."""
        uploaded = _Uploaded()
        abort = threading.Event()
        sha256 = hashlib.sha256()
        conn = self._conn()
        auth = (conn.url, conn.token)
        whole = len(parts) == 1
        workers = min(self.concurrency, len(parts))
        with concurrent.futures.ThreadPoolExecutor(
                max_workers=workers,
                thread_name_prefix='swift-upload') as pool:
            futures = [pool.submit(self._put_file_part, auth, key, path, i,
                                   offset, length, whole, abort, uploaded,
                                   started)
                       for i, (offset, length) in enumerate(parts)]
            try:
                last_poll = time.monotonic()
                with open(path, 'rb') as f:
                    while data := f.read(base.CHUNK_SIZE):
                        sha256.update(data)
                        if (uploaded.event.is_set() or time.monotonic()
                                - last_poll >= _POLL_INTERVAL):
                            self._poll(futures, uploaded, meter)
                            last_poll = time.monotonic()
                while not all(f.done() for f in futures):
                    uploaded.event.wait(_POLL_INTERVAL)
                    self._poll(futures, uploaded, meter)
                self._poll(futures, uploaded, meter)
            except BaseException:
                abort.set()
                for future in futures:
                    future.cancel()
                raise
        return [f.result() for f in futures], sha256.hexdigest()

    @staticmethod
    def _poll(futures, uploaded, meter):
        """Raise the first failure of a worker; report progress."""
        uploaded.event.clear()
        for future in futures:
            if future.done() and not future.cancelled():
                error = future.exception()
                if error is not None:
                    raise error
        if uploaded.total != meter.reported:
            meter.report(uploaded.total)

    def _put_file_part(self, auth, key, path, index, offset, length, whole,
                       abort, uploaded, started):
        if abort.is_set():
            raise _Aborted()
        started.add(index)
        name = key if whole else _segment_name(key, index)
        conn = self._connect(*auth)
        try:
            reader = _FileRange(path, offset, length, abort, uploaded)
        except OSError as e:
            raise _CallerFailed(e) from e
        try:
            return self._put(conn, name, reader, length)
        finally:
            reader.close()
            conn.close()

    def put_stream(self, key, reader, length=None, progress=None):
        base.check_key(key)
        meter = base.Meter(progress, self.max_size)
        source = base.StreamSource(reader, length, meter)
        conn = self._conn()
        max_segments = self._prepare(conn, key, length)
        started = set()
        with self._undo_on_error(key, started):
            if length is not None and length <= self.segment_size:
                self._put_stream_part(conn, key,
                                      _StreamPart(source, length), length)
            else:
                self._put_stream_segments(conn, key, source, max_segments,
                                          started)
            meter.report()
        return meter.result()

    def _put_stream_part(self, conn, name, part, length):
        # A fresh token for each part: a part that fails on an expired
        # token cannot be sent again.
        conn.url = conn.token = None
        with _no_retries(conn):
            return self._put(conn, name, part, length)

    def _put_stream_segments(self, conn, key, source, max_segments, started):
        sizes, etags = [], []
        while True:
            if source.length is not None:
                length = min(self.segment_size, source.length - source.done)
                if length == 0:
                    break
                part = _StreamPart(source, length)
            else:
                # Chunked PUTs: only a peek tells whether a segment follows.
                head = _read_source(source, base.CHUNK_SIZE)
                if not head:
                    break
                length = None
                part = _StreamPart(source, self.segment_size, head)
            if max_segments and len(sizes) == max_segments:
                raise self._too_many_segments(max_segments)
            started.add(len(sizes))
            etags.append(self._put_stream_part(
                conn, _segment_name(key, len(sizes)), part, length))
            sizes.append(part.size)
        if not sizes:
            # An empty stream: a plain empty object, SLO needs a segment.
            self._put_stream_part(conn, key, _StreamPart(source, 0), 0)
        else:
            self._put_manifest(conn, key, sizes, etags)

    # -- reads --------------------------------------------------------------

    def _head(self, conn, key):
        with _errors(key):
            return conn.head_object(self.container, key)

    def size(self, key):
        base.check_key(key)
        return int(self._head(self._conn(), key)['content-length'])

    def exists(self, key):
        try:
            self.size(key)
        except exception.StoreObjectNotFound:
            return False
        return True

    def get_to_file(self, key, path, progress=None):
        base.check_key(key)
        meter = base.Meter(progress, digest=False)
        path = os.path.abspath(path)
        conn = self._conn()
        with _errors(key):
            headers, body = conn.get_object(self.container, key,
                                            resp_chunk_size=base.CHUNK_SIZE)
        expected = int(headers['content-length'])
        try:
            fd, tmp = tempfile.mkstemp(
                dir=os.path.dirname(path),
                prefix='.%s.' % os.path.basename(path), suffix='.part')
            try:
                with os.fdopen(fd, 'wb') as out:
                    with _errors(key):
                        for data in body:
                            out.write(data)
                            meter.add(data)
                    if meter.size != expected:
                        raise exception.StoreError(
                            reason='Swift sent %d of the %d bytes of %s'
                            % (meter.size, expected, key))
                    meter.report()
                os.replace(tmp, path)
            except BaseException:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)
                raise
        finally:
            body.close()
        return meter.size

    def iter_range(self, key, start=0, end=None, chunk_size=base.CHUNK_SIZE):
        base.check_key(key)
        start, end = base.check_range(key, start, end, self.size(key))
        if start == end:
            return base.ClosingIterator(iter(()), lambda: None)
        # Its own connection: the caller reads the body at its pace while
        # this thread's connection serves other requests.
        conn = self._new_conn()
        try:
            with _errors(key):
                _headers, body = conn.get_object(
                    self.container, key, resp_chunk_size=chunk_size,
                    headers={'Range': 'bytes=%d-%d' % (start, end - 1)})
        except BaseException:
            conn.close()
            raise

        def chunks():
            expected = end - start
            received = 0
            with _errors(key):
                for data in body:
                    received += len(data)
                    yield data
            if received != expected:
                raise exception.StoreError(
                    reason='Swift sent %d of the %d bytes asked of %s'
                    % (received, expected, key))

        def close():
            body.close()
            conn.close()

        return base.ClosingIterator(chunks(), close)

    # -- deletes ------------------------------------------------------------

    def _delete_object(self, conn, name):
        """Delete one object (an SLO with its segments); absent is fine."""
        with _errors():
            try:
                headers = conn.head_object(self.container, name)
                slo = headers.get('x-static-large-object', '').lower()
                conn.delete_object(
                    self.container, name,
                    query_string=_SLO_DELETE if slo == 'true' else None)
            except swift_exceptions.ClientException as e:
                if not _absent(e):
                    raise

    def _delete_plain(self, conn, names):
        with _errors():
            for name in names:
                try:
                    conn.delete_object(self.container, name)
                except swift_exceptions.ClientException as e:
                    if not _absent(e):
                        raise

    def _list(self, conn, prefix):
        with _errors():
            try:
                _headers, objects = conn.get_container(
                    self.container, prefix=prefix, full_listing=True)
            except swift_exceptions.ClientException as e:
                if _absent(e):
                    return []
                raise
        return [o['name'] for o in objects]

    def _delete_segments(self, conn, key, indexes=()):
        """Delete the segments of ``key``: those listed, and ``indexes``
        (a segment just written may not be listed yet)."""
        names = set(self._list(conn, _segment_prefix(key)))
        names.update(_segment_name(key, i) for i in indexes)
        self._delete_plain(conn, sorted(names))

    def delete_prefix(self, prefix):
        base.check_prefix(prefix)
        conn = self._conn()
        names = self._list(conn, prefix + '/')
        for name in names:
            if not _is_segment(name):
                self._delete_object(conn, name)
        # Segments whose manifest is gone (failed uploads), or that the
        # SLO delete left behind.
        self._delete_plain(conn, self._list(conn, prefix + '/'))
