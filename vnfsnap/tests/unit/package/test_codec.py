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

import io
import os

import testtools

from vnfsnap.package import codec

MIB = 1024 * 1024


def _native_threads():
    """The threads of this process as the kernel sees them (zstd's
    workers are not Python threads)."""
    return len(os.listdir('/proc/self/task'))


class TestEncoder(testtools.TestCase):

    def test_round_trip_in_chunks(self):
        data = os.urandom(MIB) + bytes(3 * MIB)
        encoder = codec.Encoder(len(data))
        frame = b''.join(encoder.encode(data[i:i + MIB])
                         for i in range(0, len(data), MIB))
        frame += encoder.finish()
        self.assertLess(len(frame), 2 * MIB)
        out = b''
        with codec.decoding(io.BytesIO(frame)) as reader:
            while chunk := reader.read(MIB):
                self.assertLessEqual(len(chunk), MIB)
                out += chunk
        self.assertEqual(data, out)

    def test_compresses_in_the_calling_thread(self):
        # Worker threads (threads=-1) kept their buffers in malloc arenas
        # after each build: the conductor's RSS grew by tens of MiB per
        # package in the short soak.
        before = _native_threads()
        encoder = codec.Encoder()
        for _ in range(16):
            encoder.encode(os.urandom(MIB))
            self.assertEqual(before, _native_threads())
        encoder.finish()
        self.assertEqual(before, _native_threads())


class TestContextsReused(testtools.TestCase):
    """One context serves frame after frame: a new context per frame
    left its workspace in the malloc arena of whichever thread freed
    it (the conductor's RSS grew with every build and extraction)."""

    def _frame(self, data):
        encoder = codec.Encoder(len(data))
        return encoder.encode(data) + encoder.finish()

    def _decode(self, frame):
        with codec.decoding(io.BytesIO(frame)) as reader:
            return reader.read(len(frame) * 100 + MIB)

    def test_encoder_gives_its_context_back(self):
        first = codec.Encoder()
        cctx = first._cctx
        first.encode(b'x' * 1000)
        first.finish()
        second = codec.Encoder()
        self.assertIs(cctx, second._cctx)
        second.finish()

    def test_frames_after_a_corrupt_one_decode(self):
        data = os.urandom(4096) * 64
        frame = self._frame(data)
        self.assertEqual(data, self._decode(frame))
        bad = frame[:len(frame) // 2] + bytes(64) + frame[len(frame) // 2:]
        self.assertRaises(codec.decoding_error(), self._decode, bad)
        self.assertEqual(data, self._decode(frame))

    def test_frames_after_an_abandoned_one_decode(self):
        data = os.urandom(MIB)
        frame = self._frame(data)
        with codec.decoding(io.BytesIO(frame)) as reader:
            reader.read(1000)
        self.assertEqual(data, self._decode(frame))
        other = b'other' * 1000
        self.assertEqual(other, self._decode(self._frame(other)))
