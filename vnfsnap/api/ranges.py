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

"""Byte ranges (RFC 9110 clause 14) for binary answers.

The package content and the individual artifacts of a VNF snapshot package
(SOL005 clauses 11.4.4 and 11.4.10) are served with one ``Range`` parser
and one responder. One range per request: a request for several ranges is
refused with 416 rather than answered with multipart/byteranges, which
package clients do not need (they resume one download at a time).
"""

import re

import pecan
import webob

from vnfsnap.common import exception

# What a file_wrapper reads at a time when it iterates rather than
# sending the file with sendfile.
_FILE_BLOCK = 1024 * 1024
_RANGE_RE = re.compile(r'^\s*(\d*)\s*-\s*(\d*)\s*$')


def _unsatisfiable(header, size, message=None):
    exc = exception.RangeNotSatisfiable(message, range=header, size=size)
    # RFC 9110 clause 15.5.17: say how large the representation is.
    exc.problem_headers = [('Content-Range', 'bytes */%d' % size)]
    return exc


def parse(header, size):
    """``(start, end)`` (end exclusive) of the one byte range ``header``
    asks for within ``size`` bytes, or None for the whole content.

    A missing header, or one in a unit other than bytes, asks for the
    whole content (RFC 9110 clause 14.2 has unknown units ignored). A
    malformed, unsatisfiable or multiple range raises RangeNotSatisfiable.
    """
    if header is None:
        return None
    unit, sep, spec = header.partition('=')
    if not sep or unit.strip().lower() != 'bytes':
        return None
    if ',' in spec:
        raise _unsatisfiable(header, size, message=(
            'Range %s asks for several ranges; this resource serves one '
            'range per request.' % header))
    match = _RANGE_RE.match(spec)
    if not match or not (match.group(1) or match.group(2)):
        raise _unsatisfiable(header, size, message=(
            'Range %s is not a byte range (bytes=first-last, bytes=first- '
            'or bytes=-suffix).' % header))
    first, last = (_position(g, size) for g in match.groups())
    if first is None:
        # bytes=-n: the last n bytes.
        if last == 0 or size == 0:
            raise _unsatisfiable(header, size)
        return max(size - last, 0), size
    if last is not None and last < first:
        raise _unsatisfiable(header, size, message=(
            'Range %s ends before it starts.' % header))
    if first >= size:
        raise _unsatisfiable(header, size)
    return first, size if last is None else min(last + 1, size)


def _position(digits, size):
    """The number ``digits`` stands for, or None for none; any number
    past ``size`` is size + 1, as it selects the same bytes: a client may
    send thousands of digits, which int() would refuse (or be slow on)."""
    if not digits:
        return None
    digits = digits.lstrip('0') or '0'
    if len(digits) > len(str(size)):
        return size + 1
    return min(int(digits), size + 1)


def respond(size, read, content_type, headers=(), open_file=None):
    """A 200 with the whole content or a 206 with the range the request
    asks for; ``read(start, end)`` yields the bytes [start, end).

    The body is a generator, so it is streamed chunk by chunk and never
    held in memory, and an iterator it was given is closed when the
    server is done with the answer. When the server offers
    ``wsgi.file_wrapper`` and ``open_file(start, end)`` gives a file
    object over those bytes (positioned at ``start``, reading no further
    than ``end``), the body is that file in the server's wrapper, which
    may send it with sendfile.
    """
    wanted = parse(pecan.request.headers.get('Range'), size)
    start, end = wanted or (0, size)
    resp = webob.Response(status=206 if wanted else 200,
                          headerlist=[('Accept-Ranges', 'bytes')]
                          + list(headers))
    resp.content_type = content_type
    if wanted:
        resp.headers['Content-Range'] = 'bytes %d-%d/%d' % (
            start, end - 1, size)
    # Asked for now: a store checks the object and the range before it
    # returns, so such an error is still a ProblemDetails answer.
    wrapper = pecan.request.environ.get('wsgi.file_wrapper')
    body = None
    if wrapper is not None and open_file is not None and end > start:
        filelike = open_file(start, end)
        if filelike is not None:
            body = wrapper(filelike, _FILE_BLOCK)
    if body is None:
        body = _stream(read(start, end) if end > start else None)
    resp.app_iter = body
    resp.content_length = end - start
    return resp


def _stream(chunks):
    """Yield the non-empty chunks and close ``chunks`` at the end.

    An empty content yields one empty chunk: pecan turns a 200 whose body
    yields nothing into a 204.
    """
    if chunks is None:
        yield b''
        return
    try:
        for chunk in chunks:
            if chunk:
                yield chunk
    finally:
        close = getattr(chunks, 'close', None)
        if close is not None:
            close()
