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

"""The HTTP layer: one keystoneauth1 Adapter, the SOL013 Version header,
ProblemDetails into exceptions, paging, and streamed transfers.

Error answers never raise inside keystoneauth (``raise_exc=False``): they
are read here, boundedly, into the typed exceptions of
vnfsnapclient.exceptions.
"""

import hashlib
import json
import os
import time

from keystoneauth1 import adapter

from vnfsnapclient import exceptions

# The API versions this library was written against (SOL013 clause 9.1):
# a server serves any version of the same major version up to its own.
VNFLCM = ('/vnflcm/v2', '2.3.0')
VNFSNAPSHOTPKGM = ('/vnfsnapshotpkgm/v1', '1.2.0')
# vnfsnap's own administration API (the conductors).
VNFSNAP = ('/vnfsnap/v1', '1.0.0')

JSON = 'application/json'
MERGE_PATCH_JSON = 'application/merge-patch+json'
PROBLEM_JSON = 'application/problem+json'
CHUNK_SIZE = 1024 * 1024
# An error body is read up to this size: enough for any ProblemDetails
# vnfsnap sends (its texts are bounded), never a whole download.
MAX_ERROR_BODY = 64 * 1024
PART_SUFFIX = '.part'
REDIRECTS = (301, 302, 303, 307, 308)


def _read_bounded(resp, limit=MAX_ERROR_BODY):
    """At most ``limit`` bytes of an answer's body, streamed or not (a
    streamed one is then closed, the rest unread)."""
    data = b''
    try:
        for chunk in resp.iter_content(8192):
            data += chunk
            if len(data) >= limit:
                break
    finally:
        resp.close()
    return data[:limit]


def error_from_response(resp):
    """The HttpError for an error answer: its ProblemDetails when it is
    one, else the status line and a bounded piece of its text."""
    data = _read_bounded(resp)
    ctype = (resp.headers.get('Content-Type') or '').split(';')[0].strip()
    problem = None
    if ctype in (PROBLEM_JSON, JSON):
        try:
            problem = json.loads(data.decode('utf-8'))
        except ValueError:
            problem = None
    if isinstance(problem, dict):
        return exceptions.from_status(
            resp.status_code, title=problem.get('title'),
            detail=problem.get('detail'), problem=problem)
    text = data.decode('utf-8', 'replace').strip()
    return exceptions.from_status(resp.status_code, title=resp.reason,
                                  detail=exceptions.bounded(text, 200))


def last_segment(location):
    """The identifier at the end of a Location URI, or None."""
    if not location:
        return None
    return location.rstrip('/').rsplit('/', 1)[-1] or None


class _ProgressBody:
    """An upload body: read ``fileobj`` in chunks, report the bytes sent.

    requests sends an iterable with a length with a Content-Length and
    no chunked encoding; without a known size it is sent chunked.
    """

    def __init__(self, fileobj, size, progress):
        self.fileobj = fileobj
        self.size = size
        self.progress = progress

    def __iter__(self):
        done = 0
        while True:
            chunk = self.fileobj.read(CHUNK_SIZE)
            if not chunk:
                break
            done += len(chunk)
            yield chunk
            if self.progress is not None:
                self.progress(done, self.size)


class _SizedProgressBody(_ProgressBody):

    def __len__(self):
        return self.size


def _file_size(fileobj):
    """The bytes left to read in ``fileobj``, or None (a pipe)."""
    try:
        pos = fileobj.tell()
        size = os.fstat(fileobj.fileno()).st_size
    except (AttributeError, OSError, ValueError):
        try:
            pos = fileobj.tell()
            end = fileobj.seek(0, os.SEEK_END)
            fileobj.seek(pos)
            return end - pos
        except (AttributeError, OSError, ValueError):
            return None
    return max(size - pos, 0)


class HTTPClient:
    """Requests to vnfsnap's two APIs through one keystoneauth1 Adapter."""

    def __init__(self, session, endpoint_override=None,
                 service_type='vnfsnap', interface='public',
                 region_name=None, **adapter_kwargs):
        self.adapter = adapter.Adapter(
            session, service_type=service_type, interface=interface,
            region_name=region_name, endpoint_override=endpoint_override,
            **adapter_kwargs)

    def request(self, method, api, path, json=None, headers=None,
                params=None, ok=(200, 201, 202, 204), **kwargs):
        """One request to ``api`` (VNFLCM or VNFSNAPSHOTPKGM); ``path``
        relative to its prefix, or an absolute URL (a paging link).

        Raises the HttpError of any answer whose status is not in ``ok``.
        """
        prefix, version = api
        url = path if '://' in path else prefix + path
        hdrs = {'Version': version, 'Accept': JSON}
        if json is not None:
            hdrs['Content-Type'] = JSON
        hdrs.update(headers or {})
        hdrs = {k: v for k, v in hdrs.items() if v is not None}
        resp = self.adapter.request(url, method, json=json, headers=hdrs,
                                    params=params, raise_exc=False,
                                    **kwargs)
        if resp.status_code not in ok:
            raise error_from_response(resp)
        return resp

    def get_json(self, api, path, params=None):
        return self.request('GET', api, path, params=params).json()

    def send_json(self, method, api, path, body, content_type=JSON,
                  headers=None, ok=(200, 201, 202, 204)):
        """A request with a JSON body; the answer (its .json() is the
        representation, its Location header the new or started thing)."""
        hdrs = dict(headers or {}, **{'Content-Type': content_type})
        return self.request(method, api, path, json=body, headers=hdrs,
                            ok=ok)

    def iter_collection(self, api, path, params=None):
        """Every item of a SOL013 collection, page after page: the next
        page is asked for only when the caller has consumed this one."""
        url = path
        while url:
            resp = self.request('GET', api, url, params=params)
            yield from resp.json()
            url = resp.links.get('next', {}).get('url')
            # The link carries the query of the first request.
            params = None

    def wait(self, read, is_final, on_poll=None, timeout=None,
             interval=2.0):
        """Poll ``read()`` until ``is_final(resource)``; the last read.

        ``on_poll(resource)`` sees every read, so a caller can show
        progress; exceptions.Timeout after ``timeout`` seconds.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            resource = read()
            if on_poll is not None:
                on_poll(resource)
            if is_final(resource):
                return resource
            if deadline is not None and time.monotonic() >= deadline:
                raise exceptions.Timeout(
                    'still not finished after %s seconds' % timeout)
            pause = interval
            if deadline is not None:
                pause = max(0, min(interval, deadline - time.monotonic()))
            time.sleep(pause)

    # --- streamed transfers ----------------------------------------------

    def upload(self, api, path, path_or_file, content_type, progress=None,
               size=None):
        """PUT a file's content in chunks, never whole in memory; with
        its Content-Length when its size is known (a file, or ``size``
        given for a stream that knows its length, e.g. a web request's
        body), chunked otherwise (a pipe)."""
        if isinstance(path_or_file, (str, os.PathLike)):
            with open(path_or_file, 'rb') as f:
                return self.upload(api, path, f, content_type, progress,
                                   size)
        if size is None:
            size = _file_size(path_or_file)
        if size is None:
            body = _ProgressBody(path_or_file, None, progress)
        else:
            body = _SizedProgressBody(path_or_file, size, progress)
        return self.request('PUT', api, path, data=body,
                            headers={'Content-Type': content_type})

    def download(self, api, path, dest_path, progress=None, resume=True,
                 sha256=None, accept='*/*'):
        """GET ``path`` into ``dest_path`` in chunks, with byte progress.

        The bytes go to ``dest_path + '.part'`` first; the file gets its
        name only once complete (and, when ``sha256`` is given, checked).
        An interrupted download leaves its part file: with ``resume`` the
        next call asks only for the missing bytes (``Range: bytes=N-``).
        """
        part = os.fspath(dest_path) + PART_SUFFIX
        offset = 0
        if resume and os.path.exists(part):
            offset = os.path.getsize(part)
        resp = self._get_range(api, path, offset, accept)
        if resp is None:
            # The part file already holds every byte.
            total = offset
        else:
            offset, total = self._start_offset(resp, offset)
            self._write(resp, part, offset, total, progress)
        if sha256 is not None:
            digest = _sha256_of(part)
            if digest.lower() != sha256.lower():
                os.unlink(part)
                raise exceptions.ChecksumMismatch(
                    'the downloaded file has SHA-256 %s, the API announced '
                    '%s; the partial file was removed, download it again'
                    % (digest, sha256))
        os.replace(part, dest_path)
        return total

    def stream(self, api, path, accept='*/*'):
        """GET ``path`` as a Stream: its chunks are read from the
        connection as the caller iterates, so a caller that passes them
        on (a web server) never holds the whole content."""
        return Stream(self._get_range(api, path, 0, accept))

    def _get_range(self, api, path, offset, accept):
        """The streamed answer from byte ``offset`` on, or None when the
        part file already holds the whole content (416 at its size)."""
        headers = {'Accept': accept}
        if offset:
            headers['Range'] = 'bytes=%d-' % offset
        resp = self.request('GET', api, path, headers=headers, stream=True,
                            ok=(200, 206, 416) + REDIRECTS, redirect=False)
        if resp.status_code in REDIRECTS:
            resp = self._get_elsewhere(resp, headers)
        if resp.status_code == 416:
            size = _range_size(resp.headers.get('Content-Range'))
            error = error_from_response(resp)
            if offset and size == offset:
                return None
            raise error
        return resp

    def _get_elsewhere(self, resp, headers):
        """Follow a redirect to an external artifact without the token:
        it is for vnfsnap only, not for the host the artifact is on."""
        location = resp.headers.get('Location')
        resp.close()
        if not location:
            raise exceptions.ClientError('a redirect without a Location')
        resp = self.adapter.session.request(
            location, 'GET', headers=headers, authenticated=False,
            raise_exc=False, stream=True)
        if resp.status_code not in (200, 206, 416):
            raise error_from_response(resp)
        return resp

    @staticmethod
    def _start_offset(resp, offset):
        """(where the answer's bytes go in the file, the total size)."""
        if resp.status_code == 206:
            first, total = _content_range(resp.headers.get('Content-Range'))
            if first != offset:
                resp.close()
                raise exceptions.ClientError(
                    'asked for the bytes from %d on, got them from %s on'
                    % (offset, first))
            return offset, total
        length = resp.headers.get('Content-Length')
        return 0, int(length) if length is not None else None

    @staticmethod
    def _write(resp, part, offset, total, progress):
        done = offset
        with resp, open(part, 'ab' if offset else 'wb') as f:
            if progress is not None:
                progress(done, total)
            for chunk in resp.iter_content(CHUNK_SIZE):
                f.write(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
        if total is not None and done != total:
            raise exceptions.ClientError(
                'the download ended after %d of %d bytes; run it again to '
                'resume' % (done, total))


class Stream:
    """A streamed answer: iterate for its chunks (of CHUNK_SIZE at
    most); ``size`` (its Content-Length, or None), ``headers``; close()
    when not read to the end. Iterating to the end closes it too."""

    def __init__(self, resp):
        self.resp = resp
        self.headers = resp.headers
        length = resp.headers.get('Content-Length')
        self.size = int(length) if length is not None else None

    def __iter__(self):
        with self.resp:
            yield from self.resp.iter_content(CHUNK_SIZE)

    def close(self):
        self.resp.close()


def _content_range(value):
    """(first byte, complete length or None) of ``bytes a-b/n``."""
    try:
        _, _, spec = (value or '').partition(' ')
        span, _, size = spec.partition('/')
        first = int(span.split('-')[0])
        return first, None if size == '*' else int(size)
    except ValueError:
        raise exceptions.ClientError(
            'a partial answer with a Content-Range of %r'
            % exceptions.bounded(value, 100))


def _range_size(value):
    """n of ``bytes */n`` (a 416's Content-Range), or None."""
    try:
        return int((value or '').rsplit('/', 1)[1])
    except (IndexError, ValueError):
        return None


def _sha256_of(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(CHUNK_SIZE), b''):
            digest.update(chunk)
    return digest.hexdigest()
