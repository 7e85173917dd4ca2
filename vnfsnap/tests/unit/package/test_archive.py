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

"""Streaming build and extract: round trip, flat memory, refusals; one-pass
builds into a forward-only store stream, and memory states compressed with
zstd (the manifest's ``compression``)."""

import datetime
import hashlib
import io
import json
import os
import random
import shutil
import struct
import subprocess
import threading
import tracemalloc
import zipfile
import zlib

import fixtures
import testtools

from vnfsnap import package
from vnfsnap.common import exception
from vnfsnap.package import archive
from vnfsnap.package import codec
from vnfsnap.package import contents
from vnfsnap.package import layout
from vnfsnap.package import manifest as manifest_mod
from vnfsnap.package import verify
from vnfsnap.store import base as store_base
from vnfsnap.store import file as file_store
from vnfsnap.tests.fixtures import package_files
from vnfsnap.vim.libvirt import images

MIB = 1024 * 1024
BIG = 64 * MIB
# Non-zero islands in the sparse disk, so that checksums mean something.
ISLANDS = (0, 5 * MIB + 123, 33 * MIB, BIG - 4096)


class ArchiveFixture(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path

    def path(self, *parts):
        return os.path.join(self.tmp, *parts)

    def sparse_disk(self, name='disk.raw', size=BIG):
        path = self.path(name)
        digest = hashlib.sha256()
        with open(path, 'wb') as f:
            f.truncate(size)
            for i, offset in enumerate(ISLANDS):
                if offset < size:
                    f.seek(offset)
                    f.write(bytes([i + 1]) * 4096)
        with open(path, 'rb') as f:
            for chunk in iter(lambda: f.read(MIB), b''):
                digest.update(chunk)
        return path, digest.hexdigest()

    def artifacts(self, disk, **kwargs):
        return [
            archive.DocumentArtifact({'id': 'snap-1', 'vnfInstanceId': 'i'},
                                     'vnfsr/record.json', 'vnfSnapshotRecord'),
            archive.DocumentArtifact({'vnfdId': 'd', 'name': 'ünïcode'},
                                     'vnfd/vnfd.json', 'vnfd'),
            archive.FileArtifact(disk, 'images/c1/disk.raw', 'vnfcImage',
                                 vnfc_snapshot_id='c1', disk_format='RAW',
                                 container_format='BARE', **kwargs),
        ]

    def build(self, disk, name='pkg.zip', **kwargs):
        return archive.build(self.path(name), self.artifacts(disk),
                             vnf_snapshot_id='snap-1',
                             vnf_instance_id='inst-1', **kwargs)


class TestRoundTrip(ArchiveFixture):

    def test_round_trip_64mib_flat_memory(self):
        disk, disk_sha = self.sparse_disk()
        tracemalloc.start()
        self.addCleanup(tracemalloc.stop)
        built = self.build(disk, vnf_snapshot_pkg_unique_id='uid-1')
        _, build_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        extracted = archive.extract(self.path('pkg.zip'), self.path('out'))
        _, extract_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        # A chunk is 1 MiB; the file is 64. Memory must not follow the file.
        self.assertLess(build_peak, 8 * MIB)
        self.assertLess(extract_peak, 8 * MIB)

        self.assertEqual(built, extracted)
        self.assertEqual('uid-1', built.vnf_snapshot_pkg_unique_id)
        image = built.by_path()['images/c1/disk.raw']
        self.assertEqual((BIG, disk_sha), (image.size, image.sha256))
        out = self.path('out', 'images', 'c1', 'disk.raw')
        with open(out, 'rb') as a, open(disk, 'rb') as b:
            while True:
                x, y = a.read(MIB), b.read(MIB)
                self.assertEqual(x, y)
                if not x:
                    break
        # Zero runs were left as holes: the copy stays sparse.
        self.assertLess(os.stat(out).st_blocks * 512, 16 * MIB)
        with open(self.path('out', 'vnfd', 'vnfd.json'), 'rb') as f:
            self.assertEqual('ünïcode', json.load(f)['name'])
        with open(self.path('out', package.MANIFEST_NAME), 'rb') as f, \
                zipfile.ZipFile(self.path('pkg.zip')) as zf:
            self.assertEqual(zf.read(package.MANIFEST_NAME), f.read())

    def test_zip_layout(self):
        disk, _ = self.sparse_disk(size=3 * MIB)
        self.build(disk)
        with zipfile.ZipFile(self.path('pkg.zip')) as zf:
            infos = zf.infolist()
        self.assertEqual(['vnfsr/record.json', 'vnfd/vnfd.json',
                          'images/c1/disk.raw', package.MANIFEST_NAME],
                         [i.filename for i in infos])
        self.assertEqual([zipfile.ZIP_DEFLATED, zipfile.ZIP_DEFLATED,
                          zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED],
                         [i.compress_type for i in infos])
        for i in infos:
            self.assertEqual(0o100644, i.external_attr >> 16)
        self.assertFalse(os.path.exists(self.path('pkg.zip.part')))

    def test_compress_override_and_memory_state(self):
        disk, _ = self.sparse_disk(size=2 * MIB)
        mem = self.path('mem.sav')
        with open(mem, 'wb') as f:
            f.write(b'\0' * (2 * MIB))
        arts = self.artifacts(disk, compress=True) + [
            archive.FileArtifact(mem, 'images/c1/memory.sav', 'memoryState',
                                 vnfc_snapshot_id='c1')]
        archive.build(self.path('p.zip'), arts, 's', 'i')
        with zipfile.ZipFile(self.path('p.zip')) as zf:
            self.assertEqual(zipfile.ZIP_DEFLATED,
                             zf.getinfo('images/c1/disk.raw').compress_type)
        # Images and memory are mostly zeros; the ratio limit spares them.
        got = archive.extract(self.path('p.zip'), self.path('out'))
        self.assertEqual(4, len(got.artifacts))

    def test_progress_monotonic_and_complete(self):
        disk, _ = self.sparse_disk(size=5 * MIB + 7)
        seen = []
        built = self.build(disk, progress=lambda d, t: seen.append((d, t)),
                           chunk_size=MIB)
        total = built.total_size
        self.assertEqual((0, total), seen[0])
        self.assertEqual((total, total), seen[-1])
        self.assertGreaterEqual(len(seen), 7)
        self.assertEqual({total}, {t for _, t in seen})
        dones = [d for d, _ in seen]
        self.assertEqual(sorted(dones), dones)

        seen = []
        archive.extract(self.path('pkg.zip'), self.path('out'),
                        progress=lambda d, t: seen.append((d, t)))
        self.assertEqual((0, total), seen[0])
        self.assertEqual((total, total), seen[-1])
        dones = [d for d, _ in seen]
        self.assertEqual(sorted(dones), dones)

    def test_created_at_and_dates(self):
        when = datetime.datetime(2026, 3, 4, 5, 6, 7, 891,
                                 tzinfo=datetime.timezone.utc)
        disk, _ = self.sparse_disk(size=4096)
        built = self.build(disk, created_at=when)
        self.assertEqual('2026-03-04T05:06:07Z', built.created_at)
        with zipfile.ZipFile(self.path('pkg.zip')) as zf:
            self.assertEqual((2026, 3, 4, 5, 6, 6),
                             zf.infolist()[0].date_time)


class TestBuildRefusals(ArchiveFixture):

    def test_bad_arcname(self):
        disk, _ = self.sparse_disk(size=4096)
        arts = self.artifacts(disk)
        arts.append(archive.FileArtifact(disk, '../x', 'additionalArtifact'))
        self.assertRaises(ValueError, archive.build, self.path('p.zip'),
                          arts, 's', 'i')
        self.assertEqual(['disk.raw'], os.listdir(self.tmp))

    def test_qcow2_with_backing_file_not_packaged(self):
        image = self.path('top.qcow2')
        with open(image, 'wb') as f:
            f.write(package_files.qcow2_image(backing=b'base.qcow2'))
        arts = self.artifacts(image)[:1] + [archive.FileArtifact(
            image, 'images/c1/top.qcow2', 'vnfcImage',
            vnfc_snapshot_id='c1', disk_format='QCOW2',
            container_format='BARE')]
        exc = self.assertRaises(exception.UnsafeImage, archive.build,
                                self.path('p.zip'), arts, 's', 'i')
        self.assertIn('backing file', str(exc))
        self.assertFalse(os.path.exists(self.path('p.zip.part')))

    def test_cancel_from_progress_leaves_nothing(self):
        disk, _ = self.sparse_disk(size=4 * MIB)

        def cancel(done, total):
            if done > MIB:
                raise RuntimeError('cancelled')
        self.assertRaises(RuntimeError, self.build, disk, progress=cancel)
        self.assertEqual(['disk.raw'], os.listdir(self.tmp))

    def test_leftover_part_file_is_not_overwritten(self):
        disk, _ = self.sparse_disk(size=4096)
        with open(self.path('pkg.zip.part'), 'wb') as f:
            f.write(b'someone else')
        self.assertRaises(FileExistsError, self.build, disk)
        with open(self.path('pkg.zip.part'), 'rb') as f:
            self.assertEqual(b'someone else', f.read())

    def test_invalid_manifest_never_written(self):
        disk, _ = self.sparse_disk(size=4096)
        arts = self.artifacts(disk)[1:]         # no VNF snapshot record
        self.assertRaises(exception.ManifestInvalid, archive.build,
                          self.path('p.zip'), arts, 's', 'i')
        self.assertEqual(['disk.raw'], os.listdir(self.tmp))


class TestExtractRefusals(ArchiveFixture):

    def setUp(self):
        super().setUp()
        self.disk, _ = self.sparse_disk(size=3 * MIB)
        self.manifest = self.build(self.disk)
        self.pkg = self.path('pkg.zip')

    def rewrite(self, replace=None, manifest=None):
        """Copy the package member by member (streaming), swapping some."""
        out = self.path('tampered.zip')
        with zipfile.ZipFile(self.pkg) as src, \
                zipfile.ZipFile(out, 'w') as dst:
            for info in src.infolist():
                if replace and info.filename in replace:
                    dst.writestr(info, replace[info.filename])
                elif manifest and info.filename == package.MANIFEST_NAME:
                    dst.writestr(info, manifest)
                else:
                    with src.open(info) as r, dst.open(info, 'w') as w:
                        shutil.copyfileobj(r, w, MIB)
        return out

    def assertRefusedClean(self, pkg, exc_class, fragment):
        dest = self.path('out')
        exc = self.assertRaises(exc_class, archive.extract, pkg, dest)
        self.assertIn(fragment, str(exc))
        self.assertFalse(os.path.exists(dest))
        return exc

    def test_tampered_manifest_checksum(self):
        doc = json.loads(self.manifest.to_json())
        doc['artifacts'][2]['checksum']['hash'] = '0' * 64
        pkg = self.rewrite(manifest=json.dumps(doc).encode())
        self.assertRefusedClean(pkg, exception.ChecksumMismatch,
                                "'images/c1/disk.raw' does not match")

    def test_tampered_content_with_valid_crc(self):
        # Same size, new CRC: only the SHA-256 can tell.
        pkg = self.rewrite(replace={'vnfd/vnfd.json': json.dumps(
            {'vnfdId': 'evil', 'name': 'x'}, indent=2,
            sort_keys=True).encode().ljust(self.manifest.by_path()[
                'vnfd/vnfd.json'].size)})
        self.assertRefusedClean(pkg, exception.ChecksumMismatch,
                                "'vnfd/vnfd.json' does not match")

    def test_flipped_byte_fails_crc(self):
        with zipfile.ZipFile(self.pkg) as zf:
            info = zf.getinfo('images/c1/disk.raw')
        with open(self.pkg, 'r+b') as f:
            f.seek(info.header_offset + 30 + len(info.filename) + 1000)
            f.write(b'\x55')
        self.assertRefusedClean(self.pkg, exception.PackageInvalid,
                                'not a readable ZIP')

    def test_failure_late_removes_earlier_files(self):
        # The first two members extract fine; the third is bad.
        doc = json.loads(self.manifest.to_json())
        doc['artifacts'][2]['checksum']['hash'] = 'f' * 64
        pkg = self.rewrite(manifest=json.dumps(doc).encode())
        dest = self.path('existing')
        os.mkdir(dest)
        self.assertRaises(exception.ChecksumMismatch, archive.extract, pkg,
                          dest)
        self.assertEqual([], os.listdir(dest))

    def test_cancel_from_progress_removes_files(self):
        def cancel(done, total):
            if done > MIB:
                raise RuntimeError('cancelled')
        self.assertRaises(RuntimeError, archive.extract, self.pkg,
                          self.path('out'), progress=cancel)
        self.assertFalse(os.path.exists(self.path('out')))

    def test_hostile_zip_refused_before_writing(self):
        link = package_files.zip_info('logs/link', 0o120777)
        with zipfile.ZipFile(self.pkg, 'a') as zf:
            zf.writestr(link, '/etc/shadow')
        self.assertRefusedClean(self.pkg, exception.UnsafeMember, 'symlink')

    def test_lying_uncompressed_size_bounds_what_is_written(self):
        # A deflate stream of 8 MiB of zeros whose ZIP headers (local and
        # central) and manifest claim 1000 bytes, with the CRC of those
        # 1000: the header size passes every limit, so extraction must
        # never write more than it.
        claimed = 1000
        doc = package_files.manifest_doc([package_files.RECORD,
                                          ('logs/bomb.txt', bytes(claimed))])
        pkg = self.path('liar.zip')
        with zipfile.ZipFile(pkg, 'w', zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(package_files.RECORD[0], package_files.RECORD[1])
            zf.writestr('logs/bomb.txt', bytes(8 * MIB))
            zf.writestr(package.MANIFEST_NAME, json.dumps(doc))
        with zipfile.ZipFile(pkg) as zf:
            info = zf.getinfo('logs/bomb.txt')
        with open(pkg, 'r+b') as f:
            data = bytearray(f.read())
            crc = struct.pack('<I', zlib.crc32(bytes(claimed)))
            size = struct.pack('<I', claimed)
            local = info.header_offset
            data[local + 14:local + 18] = crc
            data[local + 22:local + 26] = size
            central = data.find(b'PK\x01\x02')
            while data[central + 46:central + 59] != b'logs/bomb.txt':
                central = data.find(b'PK\x01\x02', central + 4)
            data[central + 16:central + 20] = crc
            data[central + 24:central + 28] = size
            f.seek(0)
            f.write(data)
        with zipfile.ZipFile(pkg) as zf:
            self.assertEqual(claimed, zf.getinfo('logs/bomb.txt').file_size)
        archive.extract(pkg, self.path('out'))
        self.assertEqual(claimed, os.path.getsize(
            self.path('out', 'logs', 'bomb.txt')))

    def test_destination_must_be_new_or_empty(self):
        dest = self.path('full')
        os.mkdir(dest)
        with open(os.path.join(dest, 'keep'), 'w') as f:
            f.write('x')
        self.assertRaises(ValueError, archive.extract, self.pkg, dest)
        self.assertEqual(['keep'], os.listdir(dest))
        os.symlink(dest, self.path('link'))
        self.assertRaises(ValueError, archive.extract, self.pkg,
                          self.path('link'))

    def test_extract_into_existing_empty_dir(self):
        dest = self.path('empty')
        os.mkdir(dest)
        got = archive.extract(self.pkg, dest)
        self.assertEqual(self.manifest, got)
        self.assertEqual(sorted(['images', 'vnfd', 'vnfsr',
                                 package.MANIFEST_NAME]),
                         sorted(os.listdir(dest)))

    def test_manifest_module_roles(self):
        self.assertEqual(['images/c1/disk.raw'],
                         [a.path for a in self.manifest.by_role(
                             manifest_mod.ROLE_IMAGE)])


def memory_state(path, size=6 * MIB, seed=7):
    """A memory image as a guest's looks: zero pages, random pages and
    repetitive (text-like) pages."""
    rnd = random.Random(seed)
    page = 4096
    with open(path, 'wb') as f:
        for i in range(size // page):
            kind = i % 4
            if kind == 0:
                f.write(rnd.randbytes(page))
            elif kind == 1:
                f.write(b'vnfsnap memory line %d\n' % i * 200)
            else:
                f.write(bytes(page))
        f.truncate(size)
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


class StreamFixture(ArchiveFixture):

    def with_memory(self, disk, **memory_kwargs):
        mem = self.path('memory.save')
        mem_sha = memory_state(mem)
        arts = self.artifacts(disk) + [archive.FileArtifact(
            mem, 'images/c1/memory.save', manifest_mod.ROLE_MEMORY,
            vnfc_snapshot_id='c1', **memory_kwargs)]
        return arts, mem_sha

    def write_stream(self, artifacts, signer=None):
        """archive.write into a forward-only store stream, as a build
        into the package store does; returns (Built, StoredObject)."""
        path = self.path('pkg.zip')
        with open(path, 'wb') as f:
            out = store_base.StreamWriter(f, store_base.Meter())
            built = archive.write(out, artifacts, 'snap-1', 'inst-1',
                                  signer=signer)
        return built, out.result()


class TestOnePass(StreamFixture):

    def test_forward_only_stream_is_a_valid_package(self):
        disk, disk_sha = self.sparse_disk()
        arts, _ = self.with_memory(disk, compress=True)
        built, stored = self.write_stream(arts)
        path = self.path('pkg.zip')
        with open(path, 'rb') as f:
            data = f.read()
        # The hash taken while writing is that of the stored bytes.
        self.assertEqual((len(data), hashlib.sha256(data).hexdigest()),
                         (stored.size, stored.sha256))
        with zipfile.ZipFile(path) as zf:
            # Never sought back: sizes and CRCs follow in descriptors.
            self.assertTrue(all(i.flag_bits & 0x08 for i in zf.infolist()))
        manifest = verify.verify_package(path)
        self.assertEqual(built.manifest, manifest)
        # The layout known from writing is the one read from the file.
        self.assertEqual(layout.describe(path, manifest), built.layout)
        extracted = archive.extract(path, self.path('out'))
        self.assertEqual(disk_sha, extracted.by_path()[
            'images/c1/disk.raw'].sha256)

    def test_checks_from_what_was_written(self):
        disk, _ = self.sparse_disk()
        arts, _ = self.with_memory(disk)
        built, _ = self.write_stream(arts)
        manifest = verify.verify_written(built.infos, built.manifest_bytes,
                                         built.signature_bytes)
        self.assertEqual(built.manifest, manifest)
        # A limit an import would apply is applied to the build too.
        self.assertRaises(
            exception.PackageTooLarge, verify.verify_written, built.infos,
            built.manifest_bytes, None,
            verify.Limits(max_member_size=MIB))
        # A manifest that does not list what was written is refused.
        self.assertRaises(exception.MemberMismatch, verify.verify_written,
                          built.infos[1:], built.manifest_bytes, None)

    def test_describe_from_the_build_matches_processing(self):
        disk, _ = self.sparse_disk()
        arts = self.artifacts(disk)
        arts[0] = archive.DocumentArtifact(
            {'id': 'snap-1'}, 'vnfsr/record.json', 'vnfSnapshotRecord')
        built, _ = self.write_stream(arts)
        # A raw image's minDisk is its size; only qcow2 ones are read.
        self.assertEqual({}, built.min_disk)
        root = self.path('out')
        archive.extract(self.path('pkg.zip'), root)
        for artifact in built.manifest.by_role(manifest_mod.ROLE_IMAGE):
            self.assertEqual(
                contents._image_min_disk(root, artifact),
                contents._image_min_disk(built.min_disk, artifact))

    def test_qcow2_min_disk_from_the_source_header(self):
        qcow2 = self.path('disk.qcow2')
        with open(qcow2, 'wb') as f:
            f.write(package_files.qcow2_image())
        arts = self.artifacts(qcow2)
        arts[2] = archive.FileArtifact(
            qcow2, 'images/c1/disk.qcow2', 'vnfcImage',
            vnfc_snapshot_id='c1', disk_format='QCOW2',
            container_format='BARE')
        built, _ = self.write_stream(arts)
        self.assertEqual({'images/c1/disk.qcow2': 1 << 30},
                         built.min_disk)


class TestZstdMemory(StreamFixture):

    def test_round_trip(self):
        disk, _ = self.sparse_disk()
        arts, mem_sha = self.with_memory(disk, encoding=codec.ZSTD)
        built, _ = self.write_stream(arts)
        path = self.path('pkg.zip')
        memory = built.manifest.by_path()['images/c1/memory.save']
        self.assertEqual(('zstd', 6 * MIB, mem_sha),
                         (memory.compression, memory.size, memory.sha256))
        self.assertIn(b'"compression": "zstd"', built.manifest_bytes)
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo('images/c1/memory.save')
            self.assertEqual(zipfile.ZIP_STORED, info.compress_type)
            # Half of it is zero pages and text: zstd halves it at least.
            self.assertLess(info.file_size, 3 * MIB)
            self.assertTrue(zf.read(info).startswith(b'\x28\xb5\x2f\xfd'))
        entry = built.layout['members']['images/c1/memory.save']
        self.assertEqual(('zstd', 6 * MIB, info.file_size),
                         (entry['codec'], entry['size'],
                          entry['compressedSize']))
        self.assertEqual(layout.describe(path, verify.verify_package(path)),
                         built.layout)
        archive.extract(path, self.path('out'))
        with open(self.path('out', 'images', 'c1', 'memory.save'),
                  'rb') as f:
            self.assertEqual(mem_sha, hashlib.sha256(f.read()).hexdigest())

    def _package_with_memory_member(self, payload, size, sha256,
                                    compress_type=zipfile.ZIP_STORED):
        """A package whose zstd memory member holds ``payload``."""
        disk, _ = self.sparse_disk(size=MIB)
        arts = self.artifacts(disk)
        built, _ = self.write_stream(arts)
        manifest = built.manifest
        memory = manifest_mod.Artifact(
            path='images/c1/memory.save', role=manifest_mod.ROLE_MEMORY,
            size=size, sha256=sha256, vnfc_snapshot_id='c1',
            compression='zstd')
        manifest = manifest_mod.Manifest(
            manifest.vnf_snapshot_pkg_unique_id, manifest.created_at,
            manifest.vnf_snapshot_id, manifest.vnf_instance_id,
            manifest.artifacts + (memory,))
        path = self.path('crafted.zip')
        with zipfile.ZipFile(self.path('pkg.zip')) as src, \
                zipfile.ZipFile(path, 'w') as dst:
            for info in src.infolist():
                if info.filename != 'vnfsnap-manifest.json':
                    dst.writestr(info.filename, src.read(info))
            dst.writestr('images/c1/memory.save', payload, compress_type)
            dst.writestr('vnfsnap-manifest.json', manifest.to_json())
        return path

    @staticmethod
    def _frame(data):
        encoder = codec.Encoder()
        return encoder.encode(data) + encoder.finish()

    def test_a_frame_longer_than_listed_stops_at_the_listed_size(self):
        data = bytes(64 * MIB)          # 64 MiB of zeros: a tiny frame
        path = self._package_with_memory_member(
            self._frame(data), MIB, hashlib.sha256(data[:MIB]).hexdigest())
        exc = self.assertRaises(exception.ChecksumMismatch, archive.extract,
                                path, self.path('out'))
        self.assertIn('longer than the %d bytes listed' % MIB, str(exc))
        self.assertFalse(os.path.exists(self.path('out')))

    def test_a_corrupt_frame_is_refused(self):
        data = random.Random(3).randbytes(MIB)
        frame = bytearray(self._frame(data))
        frame[len(frame) // 2] ^= 0xff
        path = self._package_with_memory_member(
            bytes(frame), MIB, hashlib.sha256(data).hexdigest())
        self.assertRaises(exception.ChecksumMismatch, archive.extract,
                          path, self.path('out'))

    def test_decoded_size_is_limited_before_extraction(self):
        data = bytes(4 * MIB)
        path = self._package_with_memory_member(
            self._frame(data), len(data), hashlib.sha256(data).hexdigest())
        verify.verify_package(path)
        exc = self.assertRaises(
            exception.PackageTooLarge, verify.verify_package, path,
            verify.Limits(max_member_size=2 * MIB))
        self.assertIn('decoded', str(exc))

    def test_an_encoded_member_must_be_stored(self):
        data = bytes(MIB)
        path = self._package_with_memory_member(
            self._frame(data), len(data), hashlib.sha256(data).hexdigest(),
            compress_type=zipfile.ZIP_DEFLATED)
        self.assertRaises(exception.MemberMismatch, verify.verify_package,
                          path)

    def test_manifest_accepts_only_known_codecs_on_internal_artifacts(self):
        base = {'path': 'm.save', 'role': manifest_mod.ROLE_MEMORY,
                'size': 1, 'vnfcSnapshotId': 'c1',
                'checksum': {'algorithm': 'SHA-256', 'hash': 'a' * 64}}
        record = {'path': 'vnfsr/record.json',
                  'role': manifest_mod.ROLE_RECORD, 'size': 1,
                  'checksum': {'algorithm': 'SHA-256', 'hash': 'b' * 64}}

        def doc(**extra):
            return {'formatVersion': '1.0', 'vnfSnapshotPkgUniqueId': 'u',
                    'createdAt': '2026-01-01T00:00:00Z',
                    'vnfSnapshotId': 's', 'vnfInstanceId': 'i',
                    'artifacts': [record, dict(base, **extra)]}

        manifest_mod.validate(doc(compression='zstd'))
        self.assertRaises(exception.ManifestInvalid, manifest_mod.validate,
                          doc(compression='brotli'))
        self.assertRaises(exception.ManifestInvalid, manifest_mod.validate,
                          doc(compression='zstd', uri='https://x/m'))


class TestStoreStream(StreamFixture):

    def test_writer_refuses_to_seek(self):
        out = store_base.StreamWriter(io.BytesIO(), store_base.Meter())
        out.write(b'abc')
        self.assertEqual(3, out.tell())
        self.assertFalse(out.seekable())
        self.assertRaises(OSError, out.seek, 0)


class TestOverlappedHashing(StreamFixture):
    """The artifact's SHA-256, the member's CRC-32 and the package's
    SHA-256 are taken in threads (pipeline): each is the one of the bytes,
    at every chunk boundary, and a failure leaves no thread behind."""

    CHUNK = 4096

    def setUp(self):
        super().setUp()
        self.threads = threading.active_count()

    def file_of(self, size):
        path = self.path('content-%d' % size)
        with open(path, 'wb') as f:
            f.write(os.urandom(size))
        return path

    def test_hashes_at_chunk_boundaries(self):
        sizes = (0, 1, self.CHUNK - 1, self.CHUNK, self.CHUNK + 1,
                 7 * self.CHUNK)
        for encoding in (None, codec.ZSTD):
            arts = self.artifacts(self.file_of(0))[:1] + [
                archive.FileArtifact(
                    self.file_of(size), 'images/c%d/memory.save' % size,
                    manifest_mod.ROLE_MEMORY,
                    vnfc_snapshot_id='c%d' % size, compress=False,
                    encoding=encoding) for size in sizes]
            path = self.path('pkg.zip')
            with open(path, 'wb') as f:
                out = store_base.StreamWriter(f, store_base.Meter())
                built = archive.write(out, arts, 'snap-1', 'inst-1',
                                      chunk_size=self.CHUNK)
            with open(path, 'rb') as f:
                data = f.read()
            self.assertEqual(hashlib.sha256(data).hexdigest(),
                             out.result().sha256)
            with zipfile.ZipFile(path) as zf:
                self.assertIsNone(zf.testzip())     # every CRC-32
            entries = built.manifest.by_path()
            for art in arts[1:]:
                with open(art.source, 'rb') as f:
                    content = f.read()
                self.assertEqual(
                    (len(content), hashlib.sha256(content).hexdigest()),
                    (entries[art.path].size, entries[art.path].sha256))
            extracted = archive.extract(path, self.path('out-%s' % encoding))
            self.assertEqual(built.manifest.artifacts, extracted.artifacts)
            self.assertEqual(self.threads, threading.active_count())

    def test_write_error_mid_stream_leaves_no_thread(self):
        # The store's limit is met in the member's write, in its thread:
        # the error reaches the caller, and every stage has ended.
        mem = self.file_of(64 * self.CHUNK)
        arts = self.artifacts(mem)[:1] + [archive.FileArtifact(
            mem, 'images/c1/memory.save', manifest_mod.ROLE_MEMORY,
            vnfc_snapshot_id='c1', compress=False)]
        with open(self.path('pkg.zip'), 'wb') as f:
            out = store_base.StreamWriter(
                f, store_base.Meter(limit=20 * self.CHUNK))
            self.assertRaises(exception.PackageTooLarge, archive.write,
                              out, arts, 'snap-1', 'inst-1',
                              chunk_size=self.CHUNK)
        self.assertEqual(self.threads, threading.active_count())

    def test_cancel_mid_stream_leaves_no_thread(self):
        mem = self.file_of(64 * self.CHUNK)
        arts = self.artifacts(mem)[:1] + [archive.FileArtifact(
            mem, 'images/c1/memory.save', manifest_mod.ROLE_MEMORY,
            vnfc_snapshot_id='c1', encoding=codec.ZSTD)]

        def cancel(done, total):
            if done > 10 * self.CHUNK:
                raise RuntimeError('cancelled')
        self.assertRaises(RuntimeError, archive.build, self.path('p.zip'),
                          arts, 'snap-1', 'inst-1', progress=cancel,
                          chunk_size=self.CHUNK)
        self.assertEqual(self.threads, threading.active_count())
        self.assertFalse(os.path.exists(self.path('p.zip.part')))


class TestConvertedInPlace(StreamFixture):
    """A disk qemu-img converts straight into the package in the file
    store (archive.ConvertedImage): a valid ZIP for Python and unzip, the
    checksums of the bytes as stored, and nothing left after a failure."""

    KEY = 'pkg-1/package.zip'

    def setUp(self):
        super().setUp()
        self.threads = threading.active_count()
        self.store = file_store.FileStore(self.path('store'), 1 << 40)

    def chain(self):
        """A qcow2 overlay on a qcow2 base, each with data written."""
        base_img, top = self.path('base.qcow2'), self.path('top.qcow2')
        for args in (['qemu-img', 'create', '-q', '-f', 'qcow2', base_img,
                      '64M'],
                     ['qemu-io', '-f', 'qcow2', '-c',
                      'write -P 0x11 0 3M', base_img],
                     ['qemu-img', 'create', '-q', '-f', 'qcow2', '-F',
                      'qcow2', '-b', base_img, top],
                     ['qemu-io', '-f', 'qcow2', '-c',
                      'write -P 0x22 2M 5M', top]):
            subprocess.run(args, check=True, capture_output=True)
        return top

    def converted(self, src):
        return archive.ConvertedImage(
            lambda path, offset: images.flatten_into(src, path, offset),
            'images/c1/disk.qcow2', size_hint=images.measure(src),
            vnfc_snapshot_id='c1', disk_format='QCOW2',
            container_format='BARE')

    def stored(self):
        found = []
        for _root, _, files in os.walk(self.path('store')):
            found += files
        return found

    def test_package_is_valid_and_checksums_right(self):
        src = self.chain()
        arts, mem_sha = self.with_memory(src, encoding=codec.ZSTD)
        arts[2] = self.converted(src)
        counted = []
        with self.store.open_write(self.KEY) as out:
            built = archive.write(out, arts, 'snap-1', 'inst-1',
                                  progress=lambda d, t: counted.append(d))
        path = self.path('store', self.KEY)
        with open(path, 'rb') as f:
            data = f.read()
        self.assertEqual(
            store_base.StoredObject(len(data),
                                    hashlib.sha256(data).hexdigest()),
            out.result())
        with zipfile.ZipFile(path) as zf:
            self.assertIsNone(zf.testzip())     # every CRC-32
            info = zf.getinfo('images/c1/disk.qcow2')
            self.assertTrue(info.flag_bits & 0x08)   # a data descriptor
            with zf.open(info) as member:
                image = member.read()
        check = subprocess.run(['unzip', '-t', path], capture_output=True,
                               text=True)
        self.assertEqual(0, check.returncode, check.stdout + check.stderr)
        entries = built.manifest.by_path()
        self.assertEqual(
            (len(image), hashlib.sha256(image).hexdigest()),
            (entries['images/c1/disk.qcow2'].size,
             entries['images/c1/disk.qcow2'].sha256))
        self.assertEqual(mem_sha, entries['images/c1/memory.save'].sha256)
        self.assertEqual(len(image), counted[-1] - sum(
            e.size for p, e in entries.items()
            if p != 'images/c1/disk.qcow2'))
        self.assertEqual({'images/c1/disk.qcow2': 64 * MIB},
                         built.min_disk)
        manifest = verify.verify_package(path)
        self.assertEqual(built.manifest, manifest)
        self.assertEqual(layout.describe(path, manifest), built.layout)
        self.assertEqual(manifest, verify.verify_written(
            built.infos, built.manifest_bytes, built.signature_bytes))
        # The image is the flattened chain: the same content, standalone.
        archive.extract(path, self.path('out'))
        disk = self.path('out', 'images/c1/disk.qcow2')
        images.check_standalone(disk)
        subprocess.run(['qemu-img', 'compare', '-f', 'qcow2', '-F', 'qcow2',
                        src, disk], check=True, capture_output=True)
        self.assertEqual(self.threads, threading.active_count())

    def test_failed_conversion_leaves_nothing(self):
        arts = self.artifacts(self.path('nothing'))[:2] + [
            self.converted_missing()]
        with testtools.ExpectedException(exception.VimError):
            with self.store.open_write(self.KEY) as out:
                archive.write(out, arts, 'snap-1', 'inst-1')
        self.assertEqual([], self.stored())
        self.assertEqual(self.threads, threading.active_count())

    def converted_missing(self):
        src = self.path('gone.qcow2')
        return archive.ConvertedImage(
            lambda path, offset: images.flatten_into(src, path, offset),
            'images/c1/disk.qcow2', disk_format='QCOW2',
            container_format='BARE')

    def test_failure_after_placing_leaves_nothing(self):
        # The disk is in place and being hashed when the memory state
        # fails: the threads hashing it end, the dot-file goes.
        src = self.chain()
        arts, _ = self.with_memory(src)
        arts[2] = self.converted(src)

        def cancel(done, total):
            if done > 6 * MIB:
                raise RuntimeError('cancelled')
        with testtools.ExpectedException(RuntimeError):
            with self.store.open_write(self.KEY) as out:
                archive.write(out, arts, 'snap-1', 'inst-1',
                              progress=cancel, chunk_size=64 * 1024)
        self.assertEqual([], self.stored())
        self.assertEqual(self.threads, threading.active_count())

    def test_needs_a_store_that_places(self):
        src = self.chain()
        arts = self.artifacts(src)[:1] + [self.converted(src)]
        with open(self.path('p.zip'), 'wb') as f:
            out = store_base.StreamWriter(f, store_base.Meter())
            self.assertRaises(ValueError, archive.write, out, arts,
                              'snap-1', 'inst-1')
