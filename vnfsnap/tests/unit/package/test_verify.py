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

"""Hostile packages and images are refused before anything is extracted."""

import io
import json
import os
import shutil
import stat
import struct
import warnings
import zipfile

import fixtures
from oslo_config import fixture as config_fixture
import testtools

from vnfsnap import conf
from vnfsnap import package
from vnfsnap.common import exception
from vnfsnap.package import verify
from vnfsnap.tests.fixtures import hostile_images
from vnfsnap.tests.fixtures import package_files

CLUSTER_BITS = package_files.CLUSTER_BITS
RECORD = package_files.RECORD


class ZipFixture(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.count = 0

    def make_zip(self, members, manifest=True, extra=(), artifact_extra=None,
                 compression=zipfile.ZIP_STORED):
        """members: [(name or ZipInfo, bytes)] listed in the manifest;
        extra: members written but not listed."""
        self.count += 1
        path = os.path.join(self.tmp, 'p%d.zip' % self.count)
        listed = [(getattr(n, 'filename', n), d) for n, d in members]
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')     # "Duplicate name"
            with zipfile.ZipFile(path, 'w', compression) as zf:
                for name, data in list(members) + list(extra):
                    zf.writestr(name, data)
                if manifest is True:
                    manifest = json.dumps(package_files.manifest_doc(
                        listed, **(artifact_extra or {}))).encode()
                if manifest is not None:
                    zf.writestr(package.MANIFEST_NAME, manifest)
        return path

    def assertRefused(self, path, exc_class, fragment,
                      limits=verify.DEFAULT_LIMITS):
        exc = self.assertRaises(exc_class, verify.verify_package, path,
                                limits)
        self.assertIsInstance(exc, exception.PackageInvalid)
        self.assertEqual(422, exc.code)
        self.assertIn(fragment, str(exc))
        return exc


def patch_zip(path, old_name=None, new_name=None, flag_name=None, flag=0):
    """Edit ZIP bytes where zipfile will not write what an attacker can:
    a NUL in a name (ZipInfo truncates it) or a general purpose flag."""
    with open(path, 'rb') as f:
        data = bytearray(f.read())
    if old_name:
        data = bytearray(data.replace(old_name.encode(), new_name.encode()))
    if flag_name:
        with zipfile.ZipFile(path) as zf:
            data[zf.getinfo(flag_name).header_offset + 6] |= flag
        pos = data.find(b'PK\x01\x02')
        while pos >= 0:
            length = struct.unpack_from('<H', data, pos + 28)[0]
            if data[pos + 46:pos + 46 + length] == flag_name.encode():
                data[pos + 8] |= flag
            pos = data.find(b'PK\x01\x02', pos + 4)
    with open(path, 'wb') as f:
        f.write(data)


class TestZipMembers(ZipFixture):

    def test_good_package(self):
        path = self.make_zip([RECORD, ('logs/a.txt', b'log')])
        manifest = verify.verify_package(path)
        self.assertEqual(['record.json', 'logs/a.txt'],
                         [a.path for a in manifest.artifacts])

    def test_not_a_zip(self):
        path = os.path.join(self.tmp, 'junk.zip')
        with open(path, 'wb') as f:
            f.write(b'not a zip at all' * 10)
        self.assertRefused(path, exception.PackageInvalid,
                           'not a readable ZIP')

    def test_absolute_path(self):
        path = self.make_zip(
            [RECORD], manifest=None,
            extra=[(package_files.zip_info('/etc/cron.d/x'), b'x')])
        self.assertRefused(path, exception.UnsafeMember, 'absolute')

    def test_dot_dot(self):
        path = self.make_zip([RECORD], manifest=None,
                             extra=[('a/../../etc/passwd', b'x')])
        self.assertRefused(path, exception.UnsafeMember, "'..' component")

    def test_backslash(self):
        path = self.make_zip([RECORD], manifest=None,
                             extra=[('..\\..\\evil', b'x')])
        self.assertRefused(path, exception.UnsafeMember, 'backslash')

    def test_nul_in_name(self):
        # zipfile truncates .filename at NUL; orig_filename keeps it.
        path = self.make_zip([RECORD], manifest=None,
                             extra=[('logs/a.txt#.sh', b'x')])
        patch_zip(path, 'logs/a.txt#.sh', 'logs/a.txt\x00.sh')
        with zipfile.ZipFile(path) as zf:
            self.assertEqual('logs/a.txt', zf.infolist()[-1].filename)
        self.assertRefused(path, exception.UnsafeMember, 'NUL')

    def test_symlink(self):
        link = package_files.zip_info('logs/link', stat.S_IFLNK | 0o777)
        path = self.make_zip([RECORD, (link, b'/etc/shadow')])
        self.assertRefused(path, exception.UnsafeMember, 'symlink')

    def test_devices_and_fifo(self):
        for mode, label in ((stat.S_IFCHR, 'character device'),
                            (stat.S_IFBLK, 'block device'),
                            (stat.S_IFIFO, 'FIFO'),
                            (stat.S_IFSOCK, 'socket'),
                            (stat.S_IFDIR, 'directory')):
            dev = package_files.zip_info('logs/dev', mode | 0o600)
            path = self.make_zip([RECORD, (dev, b'')])
            self.assertRefused(path, exception.UnsafeMember, label)

    def test_directory_entry(self):
        path = self.make_zip([RECORD], manifest=None,
                             extra=[(package_files.zip_info('logs/'), b'')])
        self.assertRefused(path, exception.UnsafeMember, 'directory entry')

    def test_msdos_directory_attribute(self):
        zi = package_files.zip_info('logs', system=0)
        zi.external_attr = 0x10
        path = self.make_zip([RECORD], manifest=None, extra=[(zi, b'')])
        self.assertRefused(path, exception.UnsafeMember, 'directory entry')

    def test_duplicate_names(self):
        path = self.make_zip([RECORD, ('logs/a.txt', b'one')],
                             extra=[('logs/a.txt', b'two')])
        with zipfile.ZipFile(path) as zf:
            self.assertEqual(2, [i.filename for i in zf.infolist()]
                             .count('logs/a.txt'))
        self.assertRefused(path, exception.UnsafeMember,
                           'appears more than once')

    def test_duplicate_names_case_insensitive(self):
        path = self.make_zip([RECORD, ('logs/a.txt', b'one')],
                             extra=[('LOGS/A.txt', b'two')])
        self.assertRefused(path, exception.UnsafeMember,
                           'appears more than once')

    def test_duplicate_manifest(self):
        path = self.make_zip([RECORD],
                             extra=[(package.MANIFEST_NAME, b'{}')])
        self.assertRefused(path, exception.UnsafeMember,
                           'appears more than once')

    def test_encrypted_member(self):
        for flag in (0x1, 0x40):
            path = self.make_zip([RECORD, ('logs/secret.txt', b'xx')])
            patch_zip(path, flag_name='logs/secret.txt', flag=flag)
            self.assertRefused(path, exception.UnsafeMember, 'encrypted')

    def test_compression_method(self):
        path = self.make_zip([RECORD, ('logs/a.txt', b'x' * 100)],
                             compression=zipfile.ZIP_BZIP2)
        self.assertRefused(path, exception.UnsafeMember,
                           'compression method 12')

    def test_too_many_members(self):
        members = [RECORD] + [('logs/%d' % i, b'') for i in range(10)]
        path = self.make_zip(members)
        verify.verify_package(path)
        self.assertRefused(path, exception.PackageTooLarge, '12 members',
                           verify.Limits(max_members=11))

    def test_member_too_large(self):
        path = self.make_zip([RECORD, ('logs/a', b'x' * 5000)])
        self.assertRefused(path, exception.PackageTooLarge,
                           "member 'logs/a' is 5000 bytes",
                           verify.Limits(max_member_size=4096))

    def test_total_too_large(self):
        path = self.make_zip([RECORD, ('logs/a', b'x' * 3000),
                              ('logs/b', b'x' * 3000)])
        self.assertRefused(path, exception.PackageTooLarge,
                           'total more than 5000',
                           verify.Limits(max_total_size=5000))

    def test_zip_bomb_ratio(self):
        # 8 MiB of zeros deflate to ~8 KiB: ~1000:1.
        zeros = bytes(8 * 1024 * 1024)
        path = self.make_zip([RECORD, ('logs/bomb.txt', zeros)],
                             compression=zipfile.ZIP_DEFLATED)
        self.assertLess(os.path.getsize(path), 64 * 1024)
        self.assertRefused(path, exception.PackageTooLarge, 'expands')

    def test_zip_bomb_as_image_bounded_by_size(self):
        # Images are exempt from the ratio but never from the size limits.
        zeros = bytes(8 * 1024 * 1024)
        extra = {'bomb.raw': {'role': 'vnfcImage', 'vnfcSnapshotId': 'c',
                              'diskFormat': 'RAW',
                              'containerFormat': 'BARE'}}
        path = self.make_zip([RECORD, ('bomb.raw', zeros)],
                             compression=zipfile.ZIP_DEFLATED,
                             artifact_extra=extra)
        verify.verify_package(path)
        self.assertRefused(path, exception.PackageTooLarge, 'total more than',
                           verify.Limits(max_total_size=4 * 1024 * 1024))

    def test_lying_manifest_size_in_zip(self):
        # A manifest member that is itself a bomb is refused by size.
        path = self.make_zip([RECORD], manifest=b' ' * (5 * 1024 * 1024),
                             compression=zipfile.ZIP_DEFLATED)
        self.assertRefused(path, exception.ManifestInvalid, 'at most')


class TestZipAgainstManifest(ZipFixture):

    def test_no_manifest(self):
        path = self.make_zip([RECORD], manifest=None)
        self.assertRefused(path, exception.MemberMismatch,
                           'no vnfsnap-manifest.json')

    def test_bad_manifest(self):
        path = self.make_zip([RECORD], manifest=b'{"formatVersion": "9"}')
        self.assertRefused(path, exception.UnsupportedFormatVersion, "'9'")

    def test_member_not_listed(self):
        path = self.make_zip([RECORD], extra=[('logs/extra', b'x')])
        self.assertRefused(path, exception.MemberMismatch,
                           "'logs/extra' is not listed")

    def test_listed_but_missing(self):
        doc = package_files.manifest_doc([RECORD, ('logs/gone', b'x')])
        path = self.make_zip([RECORD], manifest=json.dumps(doc).encode())
        self.assertRefused(path, exception.MemberMismatch,
                           "lists 'logs/gone' but the package does not")

    def test_external_artifact_is_not_a_member(self):
        doc = package_files.manifest_doc([RECORD, ('logs/far', b'x')], **{
            'logs/far': {'uri': 'https://example.com/far'}})
        path = self.make_zip([RECORD], manifest=json.dumps(doc).encode())
        manifest = verify.verify_package(path)
        self.assertEqual(['record.json'],
                         [a.path for a in manifest.internal])
        self.assertTrue(manifest.by_path()['logs/far'].external)

    def test_external_artifact_present_as_a_member(self):
        path = self.make_zip([RECORD, ('logs/far', b'x')], artifact_extra={
            'logs/far': {'uri': 'https://example.com/far'}})
        self.assertRefused(path, exception.MemberMismatch,
                           "'logs/far' is listed as an external artifact")

    def test_size_differs(self):
        doc = package_files.manifest_doc([RECORD, ('logs/a', b'abc')])
        path = self.make_zip([RECORD, ('logs/a', b'abcd')],
                             manifest=json.dumps(doc).encode())
        self.assertRefused(path, exception.MemberMismatch,
                           "'logs/a' is 4 bytes but the manifest says 3")

    def test_qcow2_with_backing_file_in_package(self):
        image = package_files.qcow2_image(backing=b'/etc/shadow')
        extra = {'disk.qcow2': {'role': 'vnfcImage', 'vnfcSnapshotId': 'c',
                                'diskFormat': 'QCOW2',
                                'containerFormat': 'BARE'}}
        path = self.make_zip([RECORD, ('disk.qcow2', image)],
                             artifact_extra=extra)
        self.assertRefused(path, exception.UnsafeImage, 'backing file')
        manifest = verify.verify_package(path, check_images=False)
        self.assertEqual(2, len(manifest.artifacts))

    def test_raw_that_is_vmdk_in_package(self):
        desc = hostile_images.vmdk_flat_descriptor('/etc/shadow')
        extra = {'disk.raw': {'role': 'vnfcImage', 'vnfcSnapshotId': 'c',
                              'diskFormat': 'RAW',
                              'containerFormat': 'BARE'}}
        path = self.make_zip([RECORD, ('disk.raw', desc)],
                             artifact_extra=extra,
                             compression=zipfile.ZIP_DEFLATED)
        self.assertRefused(path, exception.UnsafeImage,
                           'declared RAW but its content is vmdk')


class TestCheckImage(testtools.TestCase):
    """check_image on hand-made headers (no qemu-img needed)."""

    def check(self, data, disk_format='QCOW2'):
        return verify.check_image(io.BytesIO(data), disk_format, 'd')

    def assertUnsafe(self, data, fragment, disk_format='QCOW2'):
        exc = self.assertRaises(exception.UnsafeImage, self.check, data,
                                disk_format)
        self.assertIn(fragment, str(exc))

    def test_plain_v3_and_v2(self):
        inspector = self.check(package_files.qcow2_image())
        self.assertEqual(('qcow2', 1 << 30),
                         (str(inspector), inspector.virtual_size))
        self.assertEqual(
            1 << 30,
            self.check(package_files.qcow2_image(version=2)).virtual_size)

    def test_harmless_features_and_extensions(self):
        image = package_files.qcow2_image(
            incompat=(1 << 0) | (1 << 3),       # dirty, compression type
            extensions=[(0x6803f857, b'x' * 48), (0x23852875, b'y' * 24)],
            header_length=112)
        self.assertEqual('qcow2', str(self.check(image)))

    def test_reads_a_bounded_prefix(self):
        stream = io.BytesIO(package_files.qcow2_image() + b'\1' * (8 << 20))
        verify.check_image(stream, 'QCOW2')
        self.assertLessEqual(stream.tell(), verify.INSPECT_MAX_READ)
        # Content no inspector decides on is read up to the bound only.
        stream = io.BytesIO(b'\0' * (8 << 20))
        verify.check_image(stream, 'RAW')
        self.assertLessEqual(stream.tell(), verify.INSPECT_MAX_READ)

    def test_raw_content_of_other_formats(self):
        self.assertIsNotNone(self.check(b'\0' * 4096, 'RAW'))
        self.assertIsNotNone(self.check(b'', 'RAW'))
        for data, label in (
                (b'KDMV' + struct.pack('<I', 1) + b'\0' * 504, 'vmdk'),
                (b'vhdxfile' + b'\0' * 8, 'vhdx'),
                (b'conectix' + b'\0' * 504, 'vhd'),
                (b'QFI\xfb' + b'\0' * 508, 'qcow2'),
                (b'\0' * 0x40 + b'\x7f\x10\xda\xbe' + b'\0' * 444, 'vdi')):
            self.assertUnsafe(data, 'declared RAW but its content is %s'
                                    % label, 'RAW')

    def test_partition_table_and_filesystem_are_raw_content(self):
        """qemu reads a partition table or an ISO 9660 volume as bytes
        when told the format is raw, as Nova allows."""
        self.assertEqual('gpt', str(self.check(hostile_images.gpt_disk(),
                                               'RAW')))
        self.assertEqual('iso', str(self.check(hostile_images.iso9660(),
                                               'RAW')))

    def test_other_disk_formats_refused(self):
        self.assertUnsafe(b'', 'diskFormat VHDX is not accepted', 'VHDX')


@testtools.skipUnless(shutil.which('qemu-img'), 'qemu-img is not installed')
class TestHostileImages(testtools.TestCase):
    """The hostile corpus: each image is refused with its reason, as a
    stream, as a file on disk and inside a package; good images pass."""

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path

    def test_corpus_refused(self):
        corpus = hostile_images.corpus(self.tmp)
        self.assertGreaterEqual(len(corpus), 20)
        for label, data, disk_format, fragment in corpus:
            exc = self.assertRaises(exception.UnsafeImage, verify.check_image,
                                    io.BytesIO(data), disk_format, 'd')
            self.assertIn(fragment, str(exc), label)
            path = os.path.join(self.tmp, 'hostile')
            with open(path, 'wb') as f:
                f.write(data)
            exc = self.assertRaises(exception.UnsafeImage,
                                    verify.check_image_file, path,
                                    disk_format, 'images/c/disk')
            self.assertIn("'images/c/disk' is refused: ", str(exc), label)
            self.assertIn(fragment, str(exc), label)

    def test_qemu_img_images_accepted(self):
        hostile_images.qemu_img_create(self.tmp, 'qcow2', 'plain.qcow2',
                                       size='1G')
        inspector = verify.check_image_file(
            os.path.join(self.tmp, 'plain.qcow2'), 'QCOW2')
        self.assertEqual(1 << 30, inspector.virtual_size)
        hostile_images.qemu_img_create(self.tmp, 'raw', 'plain.raw')
        self.assertEqual('raw', str(verify.check_image_file(
            os.path.join(self.tmp, 'plain.raw'), 'RAW')))


IMAGE = {'role': 'vnfcImage', 'vnfcSnapshotId': 'c',
         'containerFormat': 'BARE'}


class TestImagesInPackage(ZipFixture):
    """Hostile images inside a ZIP, not only as bare files."""

    def image_zip(self, name, data, disk_format):
        return self.make_zip([RECORD, (name, data)], artifact_extra={
            name: dict(IMAGE, diskFormat=disk_format)})

    def test_qcow2_with_data_file(self):
        image = package_files.qcow2_image(
            incompat=hostile_images.QCOW2_INCOMPAT_DATA_FILE)
        path = self.image_zip('disk.qcow2', image, 'QCOW2')
        self.assertRefused(path, exception.UnsafeImage,
                           'Image has data_file set')

    def test_vmdk_declared(self):
        path = self.image_zip('disk.vmdk', b'KDMV' + b'\0' * 508, 'VMDK')
        self.assertRefused(path, exception.ManifestInvalid,
                           'VMDK is never accepted')

    def test_qcow2_declared_raw(self):
        path = self.image_zip(
            'disk.raw', package_files.qcow2_image(backing=b'/etc/shadow'),
            'RAW')
        self.assertRefused(path, exception.UnsafeImage,
                           'declared RAW but its content is qcow2')

    @testtools.skipUnless(shutil.which('qemu-img'),
                          'qemu-img is not installed')
    def test_hostile_corpus_in_packages(self):
        """Each hostile image inside a ZIP is refused before extraction."""
        for label, data, disk_format, fragment in hostile_images.corpus(
                self.tmp):
            if disk_format not in ('QCOW2', 'RAW'):
                continue        # the manifest check refuses it first
            path = self.image_zip('disk.img', data, disk_format)
            exc = self.assertRefused(path, exception.UnsafeImage, fragment)
            self.assertIn("'disk.img'", str(exc), label)
        path = self.image_zip('disk.img', hostile_images.qemu_img_create(
            self.tmp, 'qcow2', 'ok.qcow2'), 'QCOW2')
        self.assertEqual(2, len(verify.verify_package(path).artifacts))


class TestLimitsFromConfig(ZipFixture):

    def setUp(self):
        super().setUp()
        self.conf = self.useFixture(config_fixture.Config(conf.CONF))

    def test_defaults_match(self):
        self.assertEqual(verify.DEFAULT_LIMITS, verify.Limits.from_config())

    def test_options_are_the_default_limits(self):
        self.conf.config(max_members=5, max_member_size=10 * 1024 * 1024,
                         max_total_size=20 * 1024 * 1024,
                         max_compression_ratio=3, group='package')
        self.assertEqual(verify.Limits(max_members=5,
                                       max_member_size=10 * 1024 * 1024,
                                       max_total_size=20 * 1024 * 1024,
                                       max_ratio=3),
                         verify.Limits.from_config())
        members = [RECORD] + [('logs/%d' % i, b'') for i in range(5)]
        self.assertRefused(self.make_zip(members), exception.PackageTooLarge,
                           '7 members, at most 5', limits=None)
        text = b'abcdefgh' * (256 * 1024)      # 2 MiB, deflates ~300:1
        path = self.make_zip([RECORD, ('logs/a.txt', text)],
                             compression=zipfile.ZIP_DEFLATED)
        self.assertRefused(path, exception.PackageTooLarge, 'at most 3:1',
                           limits=None)
        self.conf.config(max_compression_ratio=1000, group='package')
        verify.verify_package(path)
        self.conf.config(max_member_size=1024 * 1024, group='package')
        self.assertRefused(path, exception.PackageTooLarge,
                           "member 'logs/a.txt' is 2097152 bytes",
                           limits=None)
