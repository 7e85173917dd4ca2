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

"""How a memory state (or any large artifact) is compressed in a package.

Three choices, ``[package]memory_compression``:

* ``stored``: as it is (a ZIP_STORED member);
* ``deflate``: a ZIP_DEFLATED member (zlib, in the building process; any
  ZIP reader inflates it, but it costs about 20 s of CPU per GiB);
* ``zstd``: the content as one Zstandard frame (RFC 8878) in a ZIP_STORED
  member, and ``"compression": "zstd"`` on the artifact in the manifest,
  whose ``size`` and ``checksum`` stay those of the content itself. ZIP
  method 93 (zstd) is not readable by Python's zipfile, so the ZIP does
  not know of it; extraction decodes it by the manifest.
"""

import contextlib
import threading

import zstandard

STORED = 'stored'
DEFLATE = 'deflate'
ZSTD = 'zstd'
CHOICES = (STORED, DEFLATE, ZSTD)
#: The encodings the manifest's ``compression`` may name.
ENCODINGS = (ZSTD,)
#: zstd level 3 is the library's default: in the measurements of
#: doc/source/admin/package-performance.rst it compresses faster than
#: the disk writes, where higher levels do not.
ZSTD_LEVEL = 3
#: The largest window a frame may ask the decoder to keep (128 MiB, the
#: zstd format's default limit): a crafted frame cannot make an import
#: allocate more.
ZSTD_MAX_WINDOW = 1 << 27

#: Compress in the calling thread: zstd's worker threads (``threads=-1``)
#: are new threads for every frame, with job buffers of several window
#: sizes each.
ZSTD_THREADS = 0


class _Pool:
    """zstd contexts, kept for the next frame.

    A context's workspace (a few MiB: the window, the match tables) is
    one large malloc block. Made and freed for every frame, it left free
    memory in the malloc arena of each thread that built or extracted a
    package, which glibc keeps: the conductor's RSS grew by 26 MiB over
    five cycles of issue 17's short soak (55.5 MiB with worker threads
    too). Kept, it is allocated once. The pool holds as many contexts as
    frames were ever encoded (or decoded) at the same time.
    """

    def __init__(self, make):
        self._make = make
        self._free = []
        self._lock = threading.Lock()

    def take(self):
        with self._lock:
            if self._free:
                return self._free.pop()
        return self._make()

    def give(self, obj):
        with self._lock:
            self._free.append(obj)


_COMPRESSORS = _Pool(lambda: zstandard.ZstdCompressor(
    level=ZSTD_LEVEL, write_content_size=True, threads=ZSTD_THREADS))
_DECOMPRESSORS = _Pool(lambda: zstandard.ZstdDecompressor(
    max_window_size=ZSTD_MAX_WINDOW))


class Encoder:
    """Compresses a stream of chunks into one zstd frame. A context that
    does not reach ``finish`` (the build failed) is not reused."""

    def __init__(self, size=-1):
        self._cctx = _COMPRESSORS.take()
        self._obj = self._cctx.compressobj(size=size)

    def encode(self, chunk):
        return self._obj.compress(chunk)

    def finish(self):
        data = self._obj.flush()
        self._obj = None
        _COMPRESSORS.give(self._cctx)
        return data


@contextlib.contextmanager
def decoding(fileobj):
    """A reader of the content of the zstd frames ``fileobj`` holds (its
    ``read(n)`` returns at most ``n`` bytes, b'' at the end), for the
    ``with`` block."""
    dctx = _DECOMPRESSORS.take()
    reader = dctx.stream_reader(fileobj, read_across_frames=True,
                                closefd=False)
    try:
        yield reader
    finally:
        reader.close()
        _DECOMPRESSORS.give(dctx)


def decoding_error():
    """The exception class a corrupt frame raises."""
    return zstandard.ZstdError
