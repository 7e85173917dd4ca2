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

"""Hostile requests over a real socket to a real vnfsnap-all-in-one: each
gets a bounded 4xx ProblemDetails, nothing stored changes, nothing is
logged as an error, and a deep row already stored does not break reads.
Uploaded packages holding hostile disk images end in ERROR with the
reason, and nothing of them is kept."""

import json
import os
import select
import socket
import sqlite3
import zipfile

from oslo_utils import uuidutils

from vnfsnap import package
from vnfsnap.tests.fixtures import hostile_images
from vnfsnap.tests.fixtures import package_files
from vnfsnap.tests.fixtures import services
from vnfsnap.tests.fixtures import snapshots
from vnfsnap.tests.functional import base

LCM = '/vnflcm/v2'
PKGM = base.PKGM
MIB = 1024 * 1024
# Error answers: headers plus a ProblemDetails of bounded detail.
MAX_ANSWER = 16 * 1024


class Answer:
    """A raw HTTP/1.1 answer: status, headers (lower-case names), body."""

    def __init__(self, data):
        head, _, self.body = data.partition(b'\r\n\r\n')
        lines = head.decode('latin-1').split('\r\n')
        self.status = int(lines[0].split()[1])
        self.headers = dict((k.strip().lower(), v.strip()) for k, v in (
            line.split(':', 1) for line in lines[1:]))
        self.size = len(data)


class TestHostileInput(base.FunctionalTestCase):

    def setUp(self):
        super().setUp()
        self.port = services.free_port()
        self.proc = self.start([base.command('vnfsnap-all-in-one')],
                               port=self.port,
                               env={'OS_API__PORT': str(self.port),
                                    'OS_DEFAULT__STATE_PATH': self.tmp})
        self.api = base.Client('http://127.0.0.1:%d' % self.port)
        self.pkgm = base.Client('http://127.0.0.1:%d' % self.port,
                                version='1.2.0')
        self.pkg_id = self.new_pkg(self.pkgm, 'kept')
        self.snap = self.api.post(LCM + '/vnf_snapshots', json={}).json()
        self.before = self.stored()

    def stored(self):
        return (self.pkgm.get('%s/%s' % (PKGM, self.pkg_id)).json(),
                self.pkgm.get(PKGM + '?all_fields').json(),
                self.api.get(LCM + '/vnf_snapshots?all_fields').json())

    def tearDown(self):
        self.assertEqual(self.before, self.stored())
        with open(self.proc.log_path) as f:
            log = f.read()
        self.assertNotIn(' ERROR ', log)
        self.assertNotIn('Traceback', log)
        super().tearDown()

    def exchange(self, head, body=b'', stream=None):
        """Send ``head`` and ``body``, then the chunks of ``stream`` until
        the server answers; the answer and the body bytes sent."""
        sent = 0
        with socket.create_connection(('127.0.0.1', self.port),
                                      timeout=60) as sock:
            sock.sendall(head + b'\r\n' + body)
            sent += len(body)
            for chunk in stream or ():
                if select.select([sock], [], [], 0)[0]:
                    break           # answered already
                try:
                    sock.sendall(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    break
                sent += len(chunk)
            data = b''
            while chunk := sock.recv(65536):
                data += chunk
        return Answer(data), sent

    def request_head(self, method, target, version='1.2.0', **headers):
        lines = ['%s %s HTTP/1.1' % (method, target), 'Host: localhost',
                 'Version: %s' % version, 'Connection: close']
        lines += ['%s: %s' % (k.replace('_', '-'), v)
                  for k, v in headers.items()]
        return ('\r\n'.join(lines) + '\r\n').encode('latin-1')

    def assertProblem(self, answer, status):
        self.assertEqual(status, answer.status, answer.body[:300])
        self.assertEqual('application/problem+json',
                         answer.headers['content-type'])
        self.assertLessEqual(answer.size, MAX_ANSWER)
        problem = json.loads(answer.body)
        self.assertEqual(status, problem['status'])
        return problem

    def post_json(self, raw, path=PKGM):
        head = self.request_head('POST', path, Content_Type='application/'
                                 'json', Content_Length=len(raw))
        return self.exchange(head, raw)[0]

    def test_bodies(self):
        for depth in (100, 900, 100000):
            raw = ('{"name": "deep", "userDefinedData": {"a": %s}}' % (
                '[' * depth + ']' * depth)).encode()
            problem = self.assertProblem(self.post_json(raw), 400)
            self.assertIn('nested deeper than 64 levels', problem['detail'])
        for raw, why in ((b'{"name": "\\ud800"}', 'surrogate'),
                         (b'{"name": "a\\u0000"}', 'NUL'),
                         ('{"name": "\u00e9"}'.encode('utf-16'), 'UTF-8'),
                         ('{"name": "\u00e9"}'.encode('latin-1'), 'UTF-8')):
            problem = self.assertProblem(self.post_json(raw), 400)
            self.assertIn(why, problem['detail'])
        # A name of 1.5 MB: refused by the schema, not quoted whole.
        problem = self.assertProblem(self.post_json(
            json.dumps({'name': 'n' * 1500000}).encode()), 400)
        self.assertIn('(1500002 characters)', problem['detail'])

    def test_body_size(self):
        payload = b'{"name": "big", "userDefinedData": {"a": "' + (
            b'x' * MIB)
        chunks = [payload] * 50
        # Announced: refused at once, without reading the body.
        head = self.request_head('POST', PKGM, Content_Type='application/'
                                 'json', Content_Length=50 * MIB + 100)
        answer, sent = self.exchange(head, stream=chunks)
        problem = self.assertProblem(answer, 413)
        self.assertIn('[api]max_json_body_size', problem['detail'])
        self.assertLess(sent, 50 * MIB)
        # Chunked: refused once 2 MiB + 1 bytes were read.
        head = self.request_head('POST', PKGM, Content_Type='application/'
                                 'json', Transfer_Encoding='chunked')
        answer, sent = self.exchange(head, stream=[
            b'%x\r\n%s\r\n' % (len(c), c) for c in chunks])
        self.assertProblem(answer, 413)
        self.assertLess(sent, 50 * MIB)
        # A package upload announcing a terabyte to a package that takes
        # none: answered at once, the connection closed, nothing read.
        head = self.request_head(
            'PUT', '%s/%s/package_content' % (PKGM, uuidutils.generate_uuid()),
            Content_Type='application/zip', Content_Length=2 ** 40)
        answer, _ = self.exchange(head, b'PK')
        self.assertProblem(answer, 404)
        self.assertEqual('close', answer.headers['connection'])

    def test_urls_and_headers(self):
        for target, status in ((LCM + '/vnf_instances/%ff', 400),
                               (LCM + '/vnf_instances/%00', 400),
                               (LCM + '/vnf_instances?filter=%ff', 400),
                               (LCM + '/vnf_snapshots?exclude_fields='
                                      '_links/self/href', 400),
                               (LCM + '/vnf_snapshots/' + 'x' * 60000, 404)):
            answer, _ = self.exchange(self.request_head('GET', target,
                                                        version='2.0.0'))
            self.assertProblem(answer, status)
        for version in ('2.0.' + '9' * 5000, '2.0.0-impl:' + 'x' * 60000):
            answer, _ = self.exchange(self.request_head(
                'GET', LCM + '/vnf_snapshots', version=version))
            self.assertProblem(answer, 406)
        # A raw 0xff byte is no HTTP request target: the HTTP server
        # refuses it itself, with a ProblemDetails too, and nothing is
        # logged as an error either.
        answer, _ = self.exchange(self.request_head(
            'GET', '/vnflcm/v2/vnf_instances/\xff', version='2.0.0'))
        self.assertProblem(answer, 400)
        self.assertEqual('close', answer.headers['connection'])

    def package(self):
        """An AVAILABLE package, uploaded; its id and ZIP bytes."""
        record = {
            'id': uuidutils.generate_uuid(),
            'vnfInstanceId': uuidutils.generate_uuid(),
            'creationStartedAt': '2026-01-02T03:04:05Z', 'vnfdId': 'vnfd-1',
            'vnfInstance': {'vnfdId': 'vnfd-1'},
            'vnfcSnapshots': [{'id': 'vnfc-snap-0', 'vnfcInstanceId': 'c0',
                               'creationStartedAt': '2026-01-02T03:04:05Z',
                               'vnfcResourceInfoId': 'vnfc-0'}]}
        disk = os.path.join(self.tmp, 'disk.raw')
        with open(disk, 'wb') as f:
            f.write(b'disk' * 4096)
        path = os.path.join(self.tmp, 'package.zip')
        snapshots.image_package(path, record, disk)
        with open(path, 'rb') as f:
            data = f.read()
        pkg_id = self.new_pkg(self.pkgm, 'ranges')
        resp = self.pkgm.request(
            'PUT', '%s/%s/package_content' % (PKGM, pkg_id), data=data,
            headers={'Content-Type': 'application/zip'})
        self.assertEqual(202, resp.status_code, resp.text)
        pkg = self.wait_for_pkg(self.pkgm, pkg_id, timeout=120)
        self.assertEqual('AVAILABLE', pkg['state'], pkg)
        return pkg_id, data

    def test_huge_range(self):
        pkg_id, data = self.package()
        self.before = self.stored()
        huge = '9' * 5000
        for target, size in (
                ('%s/%s/package_content' % (PKGM, pkg_id), len(data)),
                ('%s/%s/artifacts/images/vnfc-0/disk.raw' % (PKGM, pkg_id),
                 4 * 4096)):
            answer, _ = self.exchange(self.request_head(
                'GET', target, Accept='*/*', Range='bytes=%s-' % huge))
            self.assertProblem(answer, 416)
            self.assertEqual('bytes */%d' % size,
                             answer.headers['content-range'])
            for spec in ('0-' + huge, '-' + huge):
                answer, _ = self.exchange(self.request_head(
                    'GET', target, Accept='*/*', Range='bytes=' + spec))
                self.assertEqual(206, answer.status, answer.body[:200])
                self.assertEqual('bytes 0-%d/%d' % (size - 1, size),
                                 answer.headers['content-range'])

    def test_stored_deep_row(self):
        """A row written before the bounds existed (here straight into
        the SQLite file) reads back cut, and breaks no collection."""
        stored = '{"deep": %s, "next": 1}' % ('[' * 50000 + ']' * 50000)
        with sqlite3.connect(os.path.join(self.tmp, 'vnfsnap.sqlite')) as db:
            db.execute('UPDATE vnf_snapshot_pkgs SET user_defined_data = ? '
                       'WHERE id = ?', (stored, self.pkg_id))
        pkg = self.pkgm.get('%s/%s' % (PKGM, self.pkg_id))
        self.assertEqual(200, pkg.status_code, pkg.text[:300])
        self.assertEqual(1, pkg.json()['userDefinedData']['next'])
        self.assertIn('left out by vnfsnap', pkg.text)
        for query in ('', '?all_fields', '?fields=userDefinedData',
                      '?filter=(eq,userDefinedData/next,1)',
                      '?filter=(cont,userDefinedData/deep,left)'):
            resp = self.pkgm.get(PKGM + query)
            self.assertEqual(200, resp.status_code, resp.text[:300])
            self.assertIn(self.pkg_id, [p['id'] for p in resp.json()])
        with sqlite3.connect(os.path.join(self.tmp, 'vnfsnap.sqlite')) as db:
            self.assertEqual(stored, db.execute(
                'SELECT user_defined_data FROM vnf_snapshot_pkgs WHERE '
                'id = ?', (self.pkg_id,)).fetchone()[0])
        self.before = self.stored()

    def hostile_package(self, image, disk_format):
        """The bytes of a package whose one image is ``image``."""
        members = [package_files.RECORD, ('images/c/disk.img', image)]
        manifest = package_files.manifest_doc(members, **{
            'images/c/disk.img': {'role': 'vnfcImage', 'vnfcSnapshotId': 'c',
                                  'diskFormat': disk_format,
                                  'containerFormat': 'BARE'}})
        path = os.path.join(self.tmp, 'hostile.zip')
        with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as zf:
            for name, data in members:
                zf.writestr(name, data)
            zf.writestr(package.MANIFEST_NAME, json.dumps(manifest))
        with open(path, 'rb') as f:
            return f.read()

    def test_hostile_images_uploaded(self):
        """Each package is refused while PROCESSING: ERROR, the reason in
        failureDetails, its stored content and work files removed, no VNF
        snapshot recorded."""
        wanted = ('qcow2 with a backing file',
                  'qcow2 with an external data file, declared RAW',
                  'VMDK descriptor naming /etc/passwd, declared RAW',
                  'ISO 9660 hiding a qcow2 with a data file',
                  'GPT disk claimed as qcow2')
        corpus = [c for c in hostile_images.corpus(self.tmp)
                  if c[0] in wanted]
        self.assertEqual(len(wanted), len(corpus))
        for label, image, disk_format, fragment in corpus:
            pkg_id = self.new_pkg(self.pkgm, 'hostile')
            resp = self.pkgm.request(
                'PUT', '%s/%s/package_content' % (PKGM, pkg_id),
                data=self.hostile_package(image, disk_format),
                headers={'Content-Type': 'application/zip'})
            self.assertEqual(202, resp.status_code, resp.text)
            pkg = self.wait_for_pkg(self.pkgm, pkg_id, timeout=120)
            self.assertEqual('ERROR', pkg['state'], label)
            details = pkg['failureDetails']['details']
            self.assertEqual(422, details['status'], label)
            self.assertIn("Image artifact 'images/c/disk.img' is refused: ",
                          details['detail'], label)
            self.assertIn(fragment, details['detail'], label)
            for kept in ('packages', 'package-work'):
                self.assertNotIn(pkg_id, os.listdir(
                    os.path.join(self.tmp, kept)), label)
            resp = self.pkgm.get('%s/%s/package_content' % (PKGM, pkg_id),
                                 headers={'Accept': 'application/zip'})
            self.assertEqual(409, resp.status_code, resp.text[:300])
            self.assertEqual(self.before[2], self.stored()[2], label)
            self.assertEqual(204, self.pkgm.delete(
                '%s/%s' % (PKGM, pkg_id)).status_code, label)
