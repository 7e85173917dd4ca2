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

"""Chunks of a stream handed to threads, so that their work overlaps.

A build reads every artifact once and, for each chunk, updates the
artifact's SHA-256, then (in the ZIP member's write) the CRC-32, the
package's SHA-256 and the write itself. One after the other they kept
one core busy; hashlib's SHA-256, zlib.crc32, zstd and a file's read
and write release the GIL on large buffers, so in threads of their own
they run on the other cores while the next chunk is read.

Each stage is a thread that calls its function on every chunk, in
order, from a bounded queue: memory stays at most ``DEPTH`` chunks per
stage, and every stage is given the same bytes object (no copy). A
stage's error is raised in the caller at its next ``put`` or at
``finish``; leaving a :class:`Fanout` by an exception stops and joins
every stage, so a failed build leaves no thread behind.
"""

import queue
import threading

#: Chunks a stage may have waiting (with 1 MiB chunks, 4 MiB).
DEPTH = 4
_END = object()


class Stage:
    """Calls ``func(chunk)`` on each chunk given to :meth:`put`, in order,
    in a thread of its own."""

    def __init__(self, func, depth=DEPTH, name='vnfsnap-stage'):
        self._func = func
        self._queue = queue.Queue(depth)
        self._error = None
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name=name,
                                        daemon=True)
        self._thread.start()

    def _run(self):
        while True:
            chunk = self._queue.get()
            if chunk is _END or self._stopped:
                return
            if self._error is not None:
                continue        # drained, so that put never blocks
            try:
                self._func(chunk)
            except BaseException as e:
                self._error = e

    def _raise(self):
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def put(self, chunk):
        """Queue ``chunk`` (waits while the stage has DEPTH waiting); an
        earlier chunk's error is raised here."""
        self._raise()
        self._queue.put(chunk)

    def finish(self):
        """Wait until every chunk is done; the first error is raised."""
        self._queue.put(_END)
        self._thread.join()
        self._raise()

    def stop(self):
        """Drop the chunks not started yet and end the thread."""
        self._stopped = True
        # Only the caller puts, and the thread takes until it ends: this
        # put waits for no more than the chunk in progress.
        self._queue.put(_END)
        self._thread.join()

    @property
    def alive(self):
        return self._thread.is_alive()


class Fanout:
    """Every chunk to every function, each in its :class:`Stage`; for a
    ``with`` block, which stops them all if it raises."""

    def __init__(self, *funcs, depth=DEPTH):
        self.stages = []
        try:
            for func in funcs:
                self.stages.append(Stage(func, depth))
        except BaseException:
            self._stop()
            raise

    def put(self, chunk):
        for stage in self.stages:
            stage.put(chunk)

    def finish(self):
        """Wait until every stage is done; the first error is raised
        (after all have ended)."""
        error = None
        for stage in self.stages:
            try:
                stage.finish()
            except BaseException as e:
                error = error or e
        if error is not None:
            raise error

    def _stop(self):
        for stage in self.stages:
            stage.stop()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            self._stop()
        else:
            self.finish()
