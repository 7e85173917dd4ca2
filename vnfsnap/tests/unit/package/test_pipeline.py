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

"""The build's stages: same hashes as one after the other, in order,
bounded, and no thread left behind by a failure on either side."""

import hashlib
import os
import threading
import time
import zlib

import testtools

from vnfsnap.package import pipeline


class Crc:
    def __init__(self):
        self.value = 0

    def update(self, chunk):
        self.value = zlib.crc32(chunk, self.value)


def chunks(data, size):
    return [data[i:i + size] for i in range(0, len(data), size)]


class TestFanout(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.threads = threading.active_count()
        self.addCleanup(self.assert_no_thread_left)

    def assert_no_thread_left(self):
        self.assertEqual(self.threads, threading.active_count())

    def hashed(self, pieces, **kwargs):
        artifact, package, crc = hashlib.sha256(), hashlib.sha256(), Crc()
        with pipeline.Fanout(artifact.update, package.update, crc.update,
                             **kwargs) as stages:
            for piece in pieces:
                stages.put(piece)
        return artifact.hexdigest(), package.hexdigest(), crc.value

    def test_same_hashes_as_sequential(self):
        chunk = 64 * 1024
        data = os.urandom(5 * chunk)
        for size in (0, 1, chunk - 1, chunk, chunk + 1, 3 * chunk,
                     5 * chunk):
            content = data[:size]
            expected = hashlib.sha256(content).hexdigest()
            for depth in (1, 4):
                self.assertEqual(
                    (expected, expected, zlib.crc32(content)),
                    self.hashed(chunks(content, chunk), depth=depth),
                    'size %d depth %d' % (size, depth))

    def test_empty_chunk_and_memoryview(self):
        data = os.urandom(10000)
        view = memoryview(data)
        pieces = [b'', view[:4096], b'', view[4096:], b'']
        expected = hashlib.sha256(data).hexdigest()
        self.assertEqual((expected, expected, zlib.crc32(data)),
                         self.hashed(pieces))

    def test_order_kept(self):
        seen = []
        with pipeline.Fanout(seen.append, depth=2) as stages:
            for i in range(1000):
                stages.put(i)
        self.assertEqual(list(range(1000)), seen)

    def test_a_stage_error_reaches_the_caller_and_ends_every_thread(self):
        digest = hashlib.sha256()
        count = []

        def fail_third(chunk):
            count.append(chunk)
            if len(count) == 3:
                raise OSError(28, 'No space left on device')

        def put_all():
            with pipeline.Fanout(digest.update, fail_third,
                                 depth=1) as stages:
                for _ in range(100):
                    stages.put(bytes(4096))
        exc = self.assertRaises(OSError, put_all)
        self.assertEqual(28, exc.errno)

    def test_an_error_at_the_last_chunk_is_raised_by_finish(self):
        def fail(chunk):
            raise ValueError('bad chunk')
        stages = pipeline.Fanout(fail)
        stages.put(b'x')
        self.assertRaises(ValueError, stages.finish)

    def test_a_caller_error_stops_blocked_stages(self):
        # The caller fails while a stage is slow and its queue full (a
        # cancel from the progress callback, say): the with block ends
        # without waiting for the queued chunks.
        release = threading.Event()
        done = []

        def slow(chunk):
            release.wait(5)
            done.append(chunk)

        def cancel():
            with pipeline.Fanout(slow, depth=2) as stages:
                for i in range(3):          # one in progress, two queued
                    stages.put(i)
                threading.Timer(0.2, release.set).start()
                raise RuntimeError('cancelled')
        start = time.monotonic()
        self.assertRaises(RuntimeError, cancel)
        self.assertLess(time.monotonic() - start, 4)
        self.assertEqual([0], done)         # the queued ones were dropped
        time.sleep(0.1)                      # the Timer's thread ends

    def test_memory_bounded(self):
        # A slow stage holds the producer: at most depth chunks wait.
        release = threading.Event()
        started = []

        def slow(chunk):
            started.append(chunk)
            release.wait(5)
        stages = pipeline.Fanout(slow, depth=2)
        put = []

        def produce():
            for i in range(10):
                stages.put(i)
                put.append(i)
        producer = threading.Thread(target=produce)
        producer.start()
        time.sleep(0.3)
        # One chunk in progress, two queued, the producer blocked on the
        # fourth.
        self.assertEqual([0], started)
        self.assertEqual([0, 1, 2], put)
        release.set()
        producer.join(5)
        stages.finish()
        self.assertEqual(list(range(10)), started)
