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
import subprocess
import warnings
import zipfile

import fixtures
from oslo_config import fixture as config_fixture
import testtools

from vnfsnap import conf
from vnfsnap import package
from vnfsnap.common import exception
from vnfsnap.package import verify
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
        desc = (b'# Disk DescriptorFile\nversion=1\n'
                b'RW 2048 FLAT "/etc/shadow" 0\n')
        extra = {'disk.raw': {'role': 'vnfcImage', 'vnfcSnapshotId': 'c',
                              'diskFormat': 'RAW',
                              'containerFormat': 'BARE'}}
        path = self.make_zip([RECORD, ('disk.raw', desc)],
                             artifact_extra=extra,
                             compression=zipfile.ZIP_DEFLATED)
        self.assertRefused(path, exception.UnsafeImage,
                           'declared RAW but its content is VMDK '
                           'descriptor')


class TestQcow2(testtools.TestCase):

    def check(self, data, disk_format='QCOW2'):
        return verify.check_image(io.BytesIO(data), disk_format, 'd')

    def assertUnsafe(self, data, fragment, disk_format='QCOW2'):
        exc = self.assertRaises(exception.UnsafeImage, self.check, data,
                                disk_format)
        self.assertIn(fragment, str(exc))

    def test_plain_v3_and_v2(self):
        header = self.check(package_files.qcow2_image())
        self.assertEqual((3, 1 << 30, 104, ()),
                         (header.version, header.size, header.header_length,
                          header.extensions))
        self.assertEqual(
            2, self.check(package_files.qcow2_image(version=2)).version)

    def test_harmless_extensions_and_features(self):
        image = package_files.qcow2_image(
            incompat=verify.QCOW2_INCOMPAT_DIRTY
            | verify.QCOW2_INCOMPAT_COMPRESSION,
            extensions=[(verify.QCOW2_EXT_FEATURE_TABLE, b'x' * 48),
                        (verify.QCOW2_EXT_BITMAPS, b'y' * 24)],
            header_length=112)
        header = self.check(image)
        self.assertEqual([verify.QCOW2_EXT_FEATURE_TABLE,
                          verify.QCOW2_EXT_BITMAPS],
                         [t for t, _ in header.extensions])

    def test_backing_file(self):
        self.assertUnsafe(package_files.qcow2_image(backing=b'/etc/passwd'),
                          'has a backing file')
        self.assertUnsafe(
            package_files.qcow2_image(version=2, backing=b'base.img'),
            'has a backing file')

    def test_backing_format_extension(self):
        image = package_files.qcow2_image(
            extensions=[(verify.QCOW2_EXT_BACKING_FORMAT, b'raw')])
        self.assertUnsafe(image, 'backing format extension')

    def test_data_file_extension(self):
        image = package_files.qcow2_image(
            extensions=[(verify.QCOW2_EXT_DATA_FILE, b'/etc/shadow')])
        self.assertUnsafe(image, 'external data file')

    def test_data_file_feature_bit(self):
        image = package_files.qcow2_image(
            incompat=verify.QCOW2_INCOMPAT_DATA_FILE)
        self.assertUnsafe(image, 'external data file')

    def test_data_file_extension_after_others(self):
        image = package_files.qcow2_image(
            extensions=[(verify.QCOW2_EXT_FEATURE_TABLE, b'z' * 13),
                        (verify.QCOW2_EXT_DATA_FILE, b'/dev/sda')])
        self.assertUnsafe(image, 'external data file')

    def test_encrypted(self):
        self.assertUnsafe(package_files.qcow2_image(crypt=1), 'encrypted')
        self.assertUnsafe(
            package_files.qcow2_image(
                extensions=[(verify.QCOW2_EXT_FDE, b'\0' * 16)]),
            'encrypted')

    def test_corrupt_and_unknown_features(self):
        self.assertUnsafe(
            package_files.qcow2_image(incompat=verify.QCOW2_INCOMPAT_CORRUPT),
            'marked corrupt')
        self.assertUnsafe(package_files.qcow2_image(incompat=1 << 7),
                          'unknown incompatible features 0x80')

    def test_malformed_headers(self):
        good = package_files.qcow2_image()
        self.assertUnsafe(b'QFI', 'does not start with a qcow2 header')
        self.assertUnsafe(b'\0' * 512, 'does not start with a qcow2 header')
        self.assertUnsafe(good[:4] + struct.pack('>I', 4) + good[8:],
                          'version 4')
        self.assertUnsafe(package_files.qcow2_image(cluster_bits=8),
                          'cluster_bits 8')
        self.assertUnsafe(good[:80], 'v3 header is truncated')
        self.assertUnsafe(package_files.qcow2_image(header_length=100),
                          'header_length 100')
        # Extensions that never end inside the first cluster.
        self.assertUnsafe(good[:104] + struct.pack('>II', 0x1234, 1 << 20),
                          'run past the first cluster')

    def test_reads_only_the_first_cluster(self):
        stream = io.BytesIO(package_files.qcow2_image() + b'\1' * (8 << 20))
        self.check(stream.getvalue()[:1 << CLUSTER_BITS])
        verify.check_image(stream, 'QCOW2')
        self.assertEqual(1 << CLUSTER_BITS, stream.tell())

    def test_raw_sniffing(self):
        self.assertIsNone(self.check(b'\0' * 4096, 'RAW'))
        self.assertIsNone(self.check(b'\xeb\x63\x90' + b'\0' * 509, 'RAW'))
        for data, label in (
                (package_files.qcow2_image(), 'qcow2'),
                (b'KDMV' + b'\0' * 508, 'VMDK sparse extent'),
                (b'COWD' + b'\0' * 508, 'VMDK (ESX) sparse extent'),
                (b'# Disk DescriptorFile\n', 'VMDK descriptor'),
                (b'vhdxfile' + b'\0' * 8, 'VHDX'),
                (b'LUKS\xba\xbe\0\2', 'LUKS'),
                (b'\0' * 0x40 + b'\x7f\x10\xda\xbe', 'VDI')):
            self.assertUnsafe(data, 'content is %s' % label, 'RAW')

    def test_vmdk_and_other_formats_refused(self):
        self.assertUnsafe(b'KDMV', 'VMDK images are not accepted', 'VMDK')
        self.assertUnsafe(b'', 'diskFormat VHDX is not accepted', 'VHDX')


@testtools.skipUnless(shutil.which('qemu-img'), 'qemu-img is not installed')
class TestQcow2FromQemuImg(testtools.TestCase):
    """The parser agrees with files qemu-img really writes (no guest)."""

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path

    def qemu_img(self, *args):
        subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2'] +
                       list(args), check=True, cwd=self.tmp, timeout=30)

    def path(self, name):
        return os.path.join(self.tmp, name)

    def test_plain(self):
        self.qemu_img('plain.qcow2', '1G')
        header = verify.check_image_file(self.path('plain.qcow2'), 'QCOW2')
        self.assertEqual(1 << 30, header.size)

    def test_backing_file(self):
        self.qemu_img('base.qcow2', '1G')
        self.qemu_img('-b', 'base.qcow2', '-F', 'qcow2', 'top.qcow2')
        exc = self.assertRaises(exception.UnsafeImage, verify.check_image_file,
                                self.path('top.qcow2'), 'QCOW2')
        self.assertIn('backing file', str(exc))

    def test_data_file(self):
        self.qemu_img('-o', 'data_file=data.raw', 'ext.qcow2', '1G')
        exc = self.assertRaises(exception.UnsafeImage, verify.check_image_file,
                                self.path('ext.qcow2'), 'QCOW2')
        self.assertIn('external data file', str(exc))


IMAGE = {'role': 'vnfcImage', 'vnfcSnapshotId': 'c',
         'containerFormat': 'BARE'}


class TestImagesInPackage(ZipFixture):
    """Hostile images inside a ZIP, not only as bare files."""

    def image_zip(self, name, data, disk_format):
        return self.make_zip([RECORD, (name, data)], artifact_extra={
            name: dict(IMAGE, diskFormat=disk_format)})

    def test_qcow2_with_data_file(self):
        for image in (
                package_files.qcow2_image(
                    extensions=[(verify.QCOW2_EXT_DATA_FILE, b'/dev/sda')]),
                package_files.qcow2_image(
                    incompat=verify.QCOW2_INCOMPAT_DATA_FILE)):
            path = self.image_zip('disk.qcow2', image, 'QCOW2')
            self.assertRefused(path, exception.UnsafeImage,
                               'external data file')

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
    def test_images_qemu_img_writes(self):
        """Files as qemu-img writes them, not only hand-made headers."""
        def create(fmt, name, *args):
            subprocess.run(['qemu-img', 'create', '-q', '-f', fmt] +
                           list(args) + [name, '64M'], check=True,
                           cwd=self.tmp, timeout=30)
            with open(os.path.join(self.tmp, name), 'rb') as f:
                return f.read()
        create('qcow2', 'base.qcow2')
        for data, declared, exc_class, fragment in (
                (create('qcow2', 'top.qcow2', '-b', 'base.qcow2', '-F',
                        'qcow2'), 'QCOW2', exception.UnsafeImage,
                 'backing file'),
                (create('qcow2', 'ext.qcow2', '-o', 'data_file=data.raw'),
                 'QCOW2', exception.UnsafeImage, 'external data file'),
                (create('vmdk', 'disk.vmdk'), 'RAW', exception.UnsafeImage,
                 'content is VMDK sparse extent'),
                (create('vmdk', 'flat.vmdk', '-o', 'subformat=monolithicFlat'),
                 'RAW', exception.UnsafeImage, 'content is VMDK descriptor')):
            path = self.image_zip('disk.img', data, declared)
            self.assertRefused(path, exc_class, fragment)
        path = self.image_zip('disk.img', create('qcow2', 'ok.qcow2'),
                              'QCOW2')
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
