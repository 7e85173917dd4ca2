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

"""The manifest refuses anything it does not fully understand."""

import copy
import json

import testtools

from vnfsnap import package
from vnfsnap.common import exception
from vnfsnap.package import manifest

SHA = 'ab' * 32


def good_doc():
    return {
        'formatVersion': '1.0',
        'vnfSnapshotPkgUniqueId': 'pkg-uid-1',
        'createdAt': '2026-01-02T03:04:05Z',
        'vnfSnapshotId': 'snap-1',
        'vnfInstanceId': 'inst-1',
        'artifacts': [
            {'path': 'vnfsr/record.json', 'role': 'vnfSnapshotRecord',
             'size': 10, 'checksum': {'algorithm': 'SHA-256', 'hash': SHA}},
            {'path': 'vnfd/vnfd.json', 'role': 'vnfd', 'size': 3,
             'checksum': {'algorithm': 'SHA-256', 'hash': SHA}},
            {'path': 'images/c1/disk.qcow2', 'role': 'vnfcImage',
             'size': 1 << 40, 'vnfcSnapshotId': 'c1',
             'diskFormat': 'QCOW2', 'containerFormat': 'BARE',
             'checksum': {'algorithm': 'SHA-256', 'hash': SHA}},
            {'path': 'images/c1/memory.sav', 'role': 'memoryState',
             'size': 0, 'vnfcSnapshotId': 'c1',
             'checksum': {'algorithm': 'SHA-256', 'hash': SHA}},
            {'path': 'logs/op-history.txt', 'role': 'additionalArtifact',
             'size': 5, 'metadata': {'kind': 'log'},
             'checksum': {'algorithm': 'SHA-256', 'hash': SHA}},
        ],
    }


def dumps(doc):
    return json.dumps(doc).encode()


class TestManifest(testtools.TestCase):

    def assertInvalid(self, doc_or_bytes, fragment,
                      exc_class=exception.ManifestInvalid):
        data = (doc_or_bytes if isinstance(doc_or_bytes, bytes)
                else dumps(doc_or_bytes))
        exc = self.assertRaises(exc_class, manifest.Manifest.from_json, data)
        self.assertIn(fragment, str(exc))
        return exc

    def test_round_trip(self):
        parsed = manifest.Manifest.from_json(dumps(good_doc()))
        self.assertEqual('pkg-uid-1', parsed.vnf_snapshot_pkg_unique_id)
        self.assertEqual(5, len(parsed.artifacts))
        image = parsed.by_path()['images/c1/disk.qcow2']
        self.assertEqual(('c1', 'QCOW2', 'BARE', 1 << 40),
                         (image.vnfc_snapshot_id, image.disk_format,
                          image.container_format, image.size))
        again = manifest.Manifest.from_json(parsed.to_json())
        self.assertEqual(parsed, again)
        self.assertEqual(good_doc(), json.loads(parsed.to_json()))

    def test_external_artifacts(self):
        doc = good_doc()
        doc['artifacts'][2]['uri'] = 'https://images.example.com/c1.qcow2'
        parsed = manifest.Manifest.from_json(dumps(doc))
        self.assertTrue(parsed.by_path()['images/c1/disk.qcow2'].external)
        self.assertEqual(4, len(parsed.internal))
        self.assertEqual(10 + 3 + 0 + 5, parsed.total_size)
        self.assertEqual(doc, json.loads(parsed.to_json()))

    def test_record_cannot_be_external(self):
        doc = good_doc()
        doc['artifacts'][0]['uri'] = 'https://example.com/record.json'
        self.assertInvalid(doc, 'a vnfSnapshotRecord artifact cannot be '
                                'external')

    def test_external_uri_must_be_a_uri(self):
        doc = good_doc()
        doc['artifacts'][4]['uri'] = '/etc/passwd'
        self.assertInvalid(doc, 'uri')

    def test_errors_are_422(self):
        exc = self.assertInvalid(b'[', 'not UTF-8 JSON')
        self.assertIsInstance(exc, exception.UnprocessableEntity)
        self.assertEqual(422, exc.code)

    def test_unknown_version(self):
        doc = good_doc()
        doc['formatVersion'] = '2.0'
        exc = self.assertInvalid(doc, "formatVersion '2.0'",
                                 exception.UnsupportedFormatVersion)
        self.assertIn('supported: 1.0', str(exc))

    def test_missing_version(self):
        doc = good_doc()
        del doc['formatVersion']
        self.assertInvalid(doc, 'formatVersion None',
                           exception.UnsupportedFormatVersion)

    def test_not_an_object(self):
        self.assertInvalid(b'[]', 'not a JSON object')

    def test_not_utf8(self):
        self.assertInvalid(b'{"a": "\xff"}', 'not UTF-8 JSON')

    def test_nan_refused(self):
        self.assertInvalid(b'{"formatVersion": NaN}', 'NaN')

    def test_duplicate_json_key(self):
        data = dumps(good_doc())[:-1] + b', "vnfInstanceId": "other"}'
        self.assertInvalid(data, "'vnfInstanceId' appears twice")

    def test_too_large(self):
        data = b' ' * (manifest.MAX_MANIFEST_SIZE + 1)
        self.assertInvalid(data, 'larger than')

    def test_unknown_field(self):
        doc = good_doc()
        doc['artifacts'][0]['imageUri'] = 'http://x'
        self.assertInvalid(doc, "'imageUri' was unexpected")

    def test_missing_checksum(self):
        doc = good_doc()
        del doc['artifacts'][1]['checksum']
        self.assertInvalid(doc, "'checksum' is a required property")

    def test_bad_hash(self):
        doc = good_doc()
        doc['artifacts'][1]['checksum']['hash'] = 'AB' * 32
        self.assertInvalid(doc, 'artifacts/1/checksum/hash')

    def test_other_algorithm(self):
        doc = good_doc()
        doc['artifacts'][1]['checksum']['algorithm'] = 'MD5'
        self.assertInvalid(doc, "'SHA-256' was expected")

    def test_negative_size(self):
        doc = good_doc()
        doc['artifacts'][1]['size'] = -1
        self.assertInvalid(doc, 'artifacts/1/size')

    def test_unknown_role(self):
        doc = good_doc()
        doc['artifacts'][4]['role'] = 'script'
        self.assertInvalid(doc, 'artifacts/4/role')

    def test_bad_created_at(self):
        for value in ('2026-01-02T03:04:05', 'yesterday, about noon'):
            doc = good_doc()
            doc['createdAt'] = value
            self.assertInvalid(doc, 'createdAt')

    def test_bad_paths(self):
        cases = {
            '/etc/passwd': 'absolute',
            '../../etc/passwd': "'..' component",
            'a/../b': "'..' component",
            'a\\b': 'backslash',
            'a\x00b': 'NUL',
            'a//b': "component ''",
            './a': "component '.'",
            '.hidden': "component '.hidden'",
            'a/': "component ''",
            'C:/x': "component 'C:'",
            'a b': "component 'a b'",
            '/'.join('d' * 9): 'deeper than 8',
            package.MANIFEST_NAME: 'reserved for the manifest',
        }
        for path, fragment in cases.items():
            doc = good_doc()
            doc['artifacts'][4]['path'] = path
            self.assertInvalid(doc, fragment)

    def test_duplicate_paths(self):
        doc = good_doc()
        doc['artifacts'][4]['path'] = 'vnfsr/record.json'
        self.assertInvalid(doc, 'listed twice')

    def test_duplicate_paths_case_insensitive(self):
        doc = good_doc()
        doc['artifacts'][4]['path'] = 'VNFSR/Record.json'
        self.assertInvalid(doc, 'listed twice')

    def test_file_and_directory(self):
        doc = good_doc()
        doc['artifacts'][4]['path'] = 'vnfsr/record.json/x'
        self.assertInvalid(doc, 'both a file and the directory')

    def test_exactly_one_record(self):
        doc = good_doc()
        del doc['artifacts'][0]
        self.assertInvalid(doc, 'exactly one vnfSnapshotRecord')
        doc = good_doc()
        doc['artifacts'][4]['role'] = 'vnfSnapshotRecord'
        del doc['artifacts'][4]['metadata']
        self.assertInvalid(doc, 'exactly one vnfSnapshotRecord artifact, '
                                'found 2')

    def test_at_most_one_vnfd(self):
        doc = good_doc()
        doc['artifacts'][4]['role'] = 'vnfd'
        self.assertInvalid(doc, 'at most one vnfd')

    def test_image_needs_formats_and_vnfc(self):
        for key in ('vnfcSnapshotId', 'diskFormat', 'containerFormat'):
            doc = good_doc()
            del doc['artifacts'][2][key]
            self.assertInvalid(doc, "'%s' is a required property" % key)

    def test_memory_needs_vnfc(self):
        doc = good_doc()
        del doc['artifacts'][3]['vnfcSnapshotId']
        self.assertInvalid(doc, "'vnfcSnapshotId' is a required property")

    def test_formats_only_on_images(self):
        doc = good_doc()
        doc['artifacts'][3]['diskFormat'] = 'RAW'
        self.assertInvalid(doc, 'diskFormat is only allowed on vnfcImage')

    def test_vnfc_id_only_on_vnfc_roles(self):
        doc = good_doc()
        doc['artifacts'][4]['vnfcSnapshotId'] = 'c1'
        self.assertInvalid(doc, 'vnfcSnapshotId is only allowed on '
                                'vnfcImage and memoryState and domainXml')

    def test_diagnostics_role(self):
        doc = good_doc()
        doc['artifacts'][4].update(path='diagnostics/logs/op-1.log',
                                   role='diagnostics',
                                   metadata={'contentType': 'text/plain'})
        parsed = manifest.Manifest.from_json(dumps(doc))
        self.assertEqual(['diagnostics/logs/op-1.log'], [
            a.path for a in parsed.by_role(manifest.ROLE_DIAGNOSTICS)])
        doc['artifacts'][4]['vnfcSnapshotId'] = 'c1'
        self.assertInvalid(doc, 'vnfcSnapshotId is only allowed on '
                                'vnfcImage and memoryState and domainXml '
                                'artifacts, not diagnostics')
        del doc['artifacts'][4]['vnfcSnapshotId']
        doc['artifacts'][4]['uri'] = 'https://vendor.example/x.log'
        self.assertInvalid(doc, 'a diagnostics artifact cannot be external')

    def test_vmdk_refused_clearly(self):
        doc = good_doc()
        doc['artifacts'][2]['diskFormat'] = 'VMDK'
        self.assertInvalid(doc, 'VMDK is never accepted')

    def test_other_disk_format_refused(self):
        doc = good_doc()
        doc['artifacts'][2]['diskFormat'] = 'VHDX'
        self.assertInvalid(doc, 'only QCOW2 and RAW')

    def test_container_format_refused(self):
        doc = good_doc()
        doc['artifacts'][2]['containerFormat'] = 'OVA'
        self.assertInvalid(doc, 'only BARE')

    def test_two_images_for_one_vnfc(self):
        doc = good_doc()
        second = copy.deepcopy(doc['artifacts'][2])
        second['path'] = 'images/c1/disk2.qcow2'
        doc['artifacts'].append(second)
        self.assertInvalid(doc, 'already has an image')
        second['storageResourceId'] = 'vol-1'
        manifest.Manifest.from_json(dumps(doc))

    def test_to_json_refuses_what_import_would(self):
        parsed = manifest.Manifest.from_json(dumps(good_doc()))
        bad = manifest.Manifest(
            vnf_snapshot_pkg_unique_id='u', created_at=parsed.created_at,
            vnf_snapshot_id='s', vnf_instance_id='i',
            artifacts=parsed.artifacts + parsed.artifacts[:1])
        self.assertRaises(exception.ManifestInvalid, bad.to_json)

    def test_check_path_accepts_normal_paths(self):
        for path in ('a', 'images/vnfc-1/disk_0.qcow2', 'A.b-c_d'):
            self.assertIsNone(manifest.check_path(path))
