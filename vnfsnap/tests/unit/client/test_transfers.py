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

"""Streamed uploads and downloads of the client library: chunks, byte
progress, Range resume and the SHA-256 check."""

import hashlib
import io
import os

from keystoneauth1 import session
from keystoneauth1 import token_endpoint
from vnfsnapclient import client
from vnfsnapclient import exceptions
from vnfsnapclient import http

from vnfsnap.tests.fixtures import client_mock

PKGM = client_mock.PKGM
CONTENT = PKGM + '/p1/package_content'
DATA = bytes(range(256)) * 10000            # 2.5 MB: three chunks
SHA256 = hashlib.sha256(DATA).hexdigest()


def package(sha256=SHA256, **extra):
    return dict({'id': 'p1', 'state': 'AVAILABLE',
                 'checksum': {'algorithm': 'SHA-256', 'hash': sha256}},
                **extra)


def ranged(request, context):
    """The package content as vnfsnap serves it: 206 for bytes=N-."""
    spec = request.headers.get('Range')
    if spec is None:
        context.headers['Content-Length'] = str(len(DATA))
        return DATA
    first = int(spec.split('=')[1].rstrip('-'))
    if first >= len(DATA):
        context.status_code = 416
        context.headers['Content-Range'] = 'bytes */%d' % len(DATA)
        context.headers['Content-Type'] = 'application/problem+json'
        return b'{"status": 416, "title": "Range Not Satisfiable", ' \
               b'"detail": "no such bytes"}'
    context.status_code = 206
    context.headers['Content-Range'] = 'bytes %d-%d/%d' % (
        first, len(DATA) - 1, len(DATA))
    return DATA[first:]


class Interrupted(Exception):
    pass


class TestDownload(client_mock.ClientTestCase):

    def setUp(self):
        super().setUp()
        self.dest = os.path.join(self.tmp, 'pkg.zip')
        self.part = self.dest + http.PART_SUFFIX

    def test_whole_download_with_progress(self):
        self.http.get(PKGM + '/p1', json=package())
        self.http.get(CONTENT, content=ranged)
        seen = []
        size = self.packages.download('p1', self.dest,
                                      progress=lambda *a: seen.append(a))
        self.assertEqual(len(DATA), size)
        with open(self.dest, 'rb') as f:
            self.assertEqual(DATA, f.read())
        self.assertFalse(os.path.exists(self.part))
        self.assertEqual((0, len(DATA)), seen[0])
        self.assertEqual((len(DATA), len(DATA)), seen[-1])
        # Chunk by chunk, not the whole file at once.
        self.assertEqual(4, len(seen))
        self.assertEqual('application/zip',
                         self.http.last_request.headers['Accept'])
        self.assertNotIn('Range', self.http.last_request.headers)

    def test_interrupted_download_resumes_with_a_range(self):
        self.http.get(PKGM + '/p1', json=package())
        self.http.get(CONTENT, content=ranged)

        def stop(done, total):
            if done >= http.CHUNK_SIZE:
                raise Interrupted()
        self.assertRaises(Interrupted, self.packages.download, 'p1',
                          self.dest, progress=stop)
        self.assertFalse(os.path.exists(self.dest))
        self.assertEqual(http.CHUNK_SIZE, os.path.getsize(self.part))
        seen = []
        self.packages.download('p1', self.dest,
                               progress=lambda *a: seen.append(a))
        self.assertEqual('bytes=%d-' % http.CHUNK_SIZE,
                         self.http.last_request.headers['Range'])
        self.assertEqual((http.CHUNK_SIZE, len(DATA)), seen[0])
        with open(self.dest, 'rb') as f:
            self.assertEqual(DATA, f.read())
        self.assertFalse(os.path.exists(self.part))

    def test_resume_false_starts_over(self):
        with open(self.part, 'wb') as f:
            f.write(b'garbage')
        self.http.get(PKGM + '/p1', json=package())
        self.http.get(CONTENT, content=ranged)
        self.packages.download('p1', self.dest, resume=False)
        self.assertNotIn('Range', self.http.last_request.headers)
        with open(self.dest, 'rb') as f:
            self.assertEqual(DATA, f.read())

    def test_a_complete_part_file_is_only_checked(self):
        with open(self.part, 'wb') as f:
            f.write(DATA)
        self.http.get(PKGM + '/p1', json=package())
        self.http.get(CONTENT, content=ranged)
        self.assertEqual(len(DATA), self.packages.download('p1', self.dest))
        # Asked for what follows, told there is nothing (416), kept it.
        self.assertEqual('bytes=%d-' % len(DATA),
                         self.http.last_request.headers['Range'])
        with open(self.dest, 'rb') as f:
            self.assertEqual(DATA, f.read())

    def test_a_server_that_ignores_the_range_restarts_the_file(self):
        with open(self.part, 'wb') as f:
            f.write(b'x' * 1000)
        self.http.get(PKGM + '/p1', json=package())
        self.http.get(CONTENT, content=DATA)      # always 200, whole
        self.packages.download('p1', self.dest)
        with open(self.dest, 'rb') as f:
            self.assertEqual(DATA, f.read())

    def test_a_wrong_checksum_removes_the_part_file(self):
        # The part file came from another content than the one announced.
        with open(self.part, 'wb') as f:
            f.write(b'y' * 1000)
        self.http.get(PKGM + '/p1', json=package())
        self.http.get(CONTENT, content=ranged)
        e = self.assertRaises(exceptions.ChecksumMismatch,
                              self.packages.download, 'p1', self.dest)
        self.assertIn(SHA256, str(e))
        self.assertFalse(os.path.exists(self.part))
        self.assertFalse(os.path.exists(self.dest))
        # So the next attempt downloads everything again.
        self.packages.download('p1', self.dest)
        with open(self.dest, 'rb') as f:
            self.assertEqual(DATA, f.read())

    def test_a_short_answer_keeps_the_part_for_a_resume(self):
        self.http.get(PKGM + '/p1', json=package())
        self.http.get(CONTENT, content=DATA[:1000],
                      headers={'Content-Length': str(len(DATA))})
        e = self.assertRaises(exceptions.ClientError,
                              self.packages.download, 'p1', self.dest)
        self.assertIn('after 1000 of %d bytes' % len(DATA), str(e))
        self.assertFalse(os.path.exists(self.dest))
        self.assertEqual(1000, os.path.getsize(self.part))

    def test_artifact_is_checked_against_its_listed_checksum(self):
        record = b'{"id": "s"}'
        self.http.get(PKGM + '/p1', json=package(vnfsr={
            'recordPath': 'vnfsr/record.json',
            'checksum': {'algorithm': 'SHA-256',
                         'hash': hashlib.sha256(record).hexdigest()}}))
        self.http.get(PKGM + '/p1/artifacts/vnfsr/record.json',
                      content=record)
        self.packages.download_artifact('p1', 'vnfsr/record.json', self.dest)
        with open(self.dest, 'rb') as f:
            self.assertEqual(record, f.read())
        self.http.get(PKGM + '/p1/artifacts/vnfsr/record.json',
                      content=b'{"id": "other"}')
        self.assertRaises(exceptions.ChecksumMismatch,
                          self.packages.download_artifact, 'p1',
                          'vnfsr/record.json', self.dest + '2')

    def test_external_artifact_is_fetched_without_the_token(self):
        c = client.Client(session.Session(auth=token_endpoint.Token(
            client_mock.ROOT, 'secret-token')))
        external = 'http://artifacts.test/tools/x.sh'
        self.http.get(PKGM + '/p1', json=package())
        self.http.get(PKGM + '/p1/artifacts/tools/x.sh', status_code=302,
                      headers={'Location': external})
        self.http.get(external, content=b'#!/bin/sh\n')
        c.vnf_snapshot_packages.download_artifact('p1', 'tools/x.sh',
                                                  self.dest)
        to_vnfsnap, to_artifact = self.http.request_history[1:]
        self.assertEqual('secret-token', to_vnfsnap.headers['X-Auth-Token'])
        self.assertNotIn('X-Auth-Token', to_artifact.headers)
        with open(self.dest, 'rb') as f:
            self.assertEqual(b'#!/bin/sh\n', f.read())

    def test_vnf_state_snapshot_checked_against_its_info(self):
        snap = client_mock.LCM + '/vnf_snapshots/s1'
        self.http.get(snap, json={'id': 's1', 'vnfSnapshot': {
            'vnfStateSnapshotInfo': {'checksum': {
                'algorithm': 'SHA-256', 'hash': SHA256.upper()}}}})
        self.http.get(snap + '/vnf_state_snapshot', content=ranged)
        self.client.vnf_snapshots.download_vnf_state('s1', self.dest)
        with open(self.dest, 'rb') as f:
            self.assertEqual(DATA, f.read())
        self.assertEqual('2.3.0', self.http.last_request.headers['Version'])

    def test_artifact_path_keeps_its_slashes_and_quotes_the_rest(self):
        self.http.get(PKGM + '/p1', json=package())
        self.http.get(PKGM + '/p1/artifacts/logs/a%20b%3F.txt',
                      content=b'log')
        self.packages.download_artifact('p1', 'logs/a b?.txt', self.dest)
        with open(self.dest, 'rb') as f:
            self.assertEqual(b'log', f.read())


class TestStream(client_mock.ClientTestCase):
    """The package content as an iterator of chunks, for a caller that
    passes it on (the dashboard's download) instead of writing a file."""

    def test_chunks_are_read_as_the_caller_iterates(self):
        self.http.get(CONTENT, content=ranged)
        stream = self.packages.stream('p1')
        self.assertEqual(len(DATA), stream.size)
        self.assertEqual(str(len(DATA)), stream.headers['Content-Length'])
        request = self.http.request_history[-1]
        self.assertEqual('application/zip', request.headers['Accept'])
        self.assertNotIn('Range', request.headers)
        chunks = iter(stream)
        first = next(chunks)
        self.assertEqual(DATA[:http.CHUNK_SIZE], first)
        rest = b''.join(chunks)
        self.assertEqual(DATA, first + rest)
        # Only the content was asked for: no package read, no file.
        self.assertEqual(1, len(self.http.request_history))
        self.assertEqual([], os.listdir(self.tmp))

    def test_close_before_the_end_closes_the_answer(self):
        self.http.get(CONTENT, content=ranged)
        stream = self.packages.stream('p1')
        next(iter(stream))
        stream.close()
        self.assertTrue(stream.resp.raw.closed)

    def test_refused_content_raises_before_any_chunk(self):
        self.http.get(CONTENT, status_code=409, headers=client_mock.PROBLEM,
                      json=client_mock.problem(409, 'not AVAILABLE'))
        e = self.assertRaises(exceptions.Conflict, self.packages.stream,
                              'p1')
        self.assertEqual('not AVAILABLE', e.detail)


class TestUpload(client_mock.ClientTestCase):

    def setUp(self):
        super().setUp()
        self.received = []

        def receive(request, context):
            body = request.body
            if not isinstance(body, (bytes, str)):
                body = b''.join(body)
            self.received.append((dict(request.headers), body))
            context.status_code = 202
            return b''
        self.http.put(CONTENT, content=receive)

    def test_upload_of_a_file_is_chunked_with_its_length(self):
        path = os.path.join(self.tmp, 'pkg.zip')
        with open(path, 'wb') as f:
            f.write(DATA)
        seen = []
        self.packages.upload('p1', path, progress=lambda *a: seen.append(a))
        headers, body = self.received[0]
        self.assertEqual(DATA, body)
        self.assertEqual(str(len(DATA)), headers['Content-Length'])
        self.assertEqual('application/zip', headers['Content-Type'])
        self.assertEqual('1.2.0', headers['Version'])
        self.assertEqual([(http.CHUNK_SIZE, len(DATA)),
                          (2 * http.CHUNK_SIZE, len(DATA)),
                          (len(DATA), len(DATA))], seen)

    def test_upload_of_a_file_object_from_its_position(self):
        f = io.BytesIO(b'skip' + DATA)
        f.read(4)
        self.packages.upload('p1', f)
        headers, body = self.received[0]
        self.assertEqual(DATA, body)
        self.assertEqual(str(len(DATA)), headers['Content-Length'])

    def test_upload_of_a_stream_without_size_is_chunked(self):
        class Pipe:
            def __init__(self):
                self.data = io.BytesIO(DATA)

            def read(self, n):
                return self.data.read(n)
        seen = []
        self.packages.upload('p1', Pipe(), progress=lambda *a: seen.append(a))
        headers, body = self.received[0]
        self.assertEqual(DATA, body)
        self.assertEqual('chunked', headers.get('Transfer-Encoding'))
        self.assertEqual((len(DATA), None), seen[-1])

    def test_upload_of_a_stream_of_given_size_has_its_length(self):
        class Body:
            """A web request's body: read() only, its length known."""

            def __init__(self):
                self.data = io.BytesIO(DATA)
                self.reads = 0

            def read(self, n):
                self.reads += 1
                return self.data.read(n)
        body_in = Body()
        self.packages.upload('p1', body_in, size=len(DATA))
        headers, body = self.received[0]
        self.assertEqual(DATA, body)
        self.assertEqual(str(len(DATA)), headers['Content-Length'])
        self.assertNotIn('Transfer-Encoding', headers)
        # Read in chunks (three of CHUNK_SIZE and the empty end).
        self.assertEqual(4, body_in.reads)

    def test_refused_upload(self):
        self.http.put(CONTENT, status_code=409,
                      headers=client_mock.PROBLEM,
                      json=client_mock.problem(409, 'not in CREATED'))
        e = self.assertRaises(exceptions.Conflict, self.packages.upload,
                              'p1', io.BytesIO(DATA))
        self.assertEqual('not in CREATED', e.detail)


class TestSend(client_mock.ClientTestCase):
    """send(): the package, streamed from vnfsnap, PUT to a vendor's
    URL with its SHA-256."""

    URL = 'https://vendor.example/cases/42/pkg.zip'
    TEMP_URL = ('https://swift.example/v1/AUTH_v/cases/pkg.zip'
                '?temp_url_sig=5e3b0c44298fc1c149afbf4c8996fb92427ae41e'
                '&temp_url_expires=1999999999')

    def setUp(self):
        super().setUp()
        self.http.get(PKGM + '/p1', json=package())
        self.http.get(CONTENT, content=ranged)
        self.received = []

    def receiver(self, request, context):
        self.received.append((request.headers, request.body.read()))
        context.status_code = 201
        return b''

    def test_https_with_basic_credentials(self):
        self.http.put(self.URL, content=self.receiver)
        seen = []
        status = self.packages.send('p1', self.URL, username='acme',
                                    password='s3cret',
                                    progress=lambda *a: seen.append(a))
        self.assertEqual(201, status)
        headers, body = self.received[0]
        self.assertEqual(DATA, body)
        self.assertEqual(str(len(DATA)), headers['Content-Length'])
        self.assertNotIn('Transfer-Encoding', headers)
        self.assertEqual('application/zip', headers['Content-Type'])
        self.assertEqual(SHA256, headers['X-Object-Meta-Sha256'])
        self.assertTrue(headers['Repr-Digest'].startswith('sha-256=:'))
        self.assertEqual('Basic YWNtZTpzM2NyZXQ=', headers['Authorization'])
        self.assertEqual((0, len(DATA)), seen[0])
        self.assertEqual((len(DATA), len(DATA)), seen[-1])

    def test_swift_temp_url_needs_no_credentials(self):
        self.http.put(self.TEMP_URL, content=self.receiver)
        self.assertEqual(201, self.packages.send('p1', self.TEMP_URL))
        headers, body = self.received[0]
        self.assertEqual(DATA, body)
        self.assertNotIn('Authorization', headers)

    def test_refusal_is_said_without_the_signature(self):
        self.http.put(self.TEMP_URL, status_code=401, text='Unauthorized')
        e = self.assertRaises(exceptions.ClientError, self.packages.send,
                              'p1', self.TEMP_URL)
        self.assertIn('answered HTTP 401', str(e))
        self.assertNotIn('temp_url_sig', str(e))

    def test_bytes_not_matching_the_checksum_are_an_error(self):
        self.http.get(PKGM + '/p1', json=package(sha256='0' * 64))
        self.http.put(self.URL, content=self.receiver)
        e = self.assertRaises(exceptions.ClientError, self.packages.send,
                              'p1', self.URL)
        self.assertIn('changed while it was sent', str(e))

    def test_a_package_without_checksum_is_not_sent(self):
        self.http.get(PKGM + '/p1', json={'id': 'p1', 'state': 'BUILDING'})
        e = self.assertRaises(exceptions.ClientError, self.packages.send,
                              'p1', self.URL)
        self.assertIn('it is BUILDING, not AVAILABLE', str(e))
        self.assertEqual([], self.received)
