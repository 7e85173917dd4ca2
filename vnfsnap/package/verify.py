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

"""Safe-import checks, run on a package BEFORE anything is extracted.

Archive members and disk images are attacker-controlled (CVE-2007-4559,
CVE-2015-5163, CVE-2022-47951, CVE-2024-32498): names must stay inside the
destination, members must be plain files, sizes must be bounded, and disk
images must not reference any other file. qcow2 headers are parsed here,
in Python, so that qemu-img never sees a file that was not checked. The
manifest signature, when present, is checked before the manifest is used.
"""

import dataclasses
import stat
import struct
import zipfile

from vnfsnap import conf
from vnfsnap import package
from vnfsnap.common import exception
from vnfsnap.package import manifest as manifest_mod
from vnfsnap.package import signature

# ZIP general purpose flag bits: 0 = encrypted, 6 = strong encryption.
_FLAG_ENCRYPTED = 0x0001
_FLAG_STRONG_ENCRYPTION = 0x0040
_ALLOWED_COMPRESSION = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
_MSDOS_DIRECTORY = 0x10
_ZIP_SYSTEM_UNIX = 3
CONF = conf.CONF


@dataclasses.dataclass(frozen=True)
class Limits:
    """What an import may cost; the total size is the real zip-bomb guard.

    Set ``max_total_size`` from the staging space the caller really has.
    The ratio check catches small bombs early; members whose role is in
    ``ratio_exempt_roles`` (raw memory and disks are mostly zeros and
    legitimately compress ~1000:1) are bounded by the size limits only.
    """

    max_members: int = 1024
    max_member_size: int = 1024 ** 4
    max_total_size: int = 4 * 1024 ** 4
    max_ratio: int = 100
    ratio_exempt_roles: frozenset = frozenset(
        {manifest_mod.ROLE_IMAGE, manifest_mod.ROLE_MEMORY})
    # Below this uncompressed size the ratio is not checked: tiny members
    # such as a JSON document of spaces compress well and cost nothing.
    ratio_min_size: int = 1024 * 1024

    @classmethod
    def from_config(cls, conf=CONF):
        """The limits of the [package] options."""
        opts = conf.package
        return cls(max_members=opts.max_members,
                   max_member_size=opts.max_member_size,
                   max_total_size=opts.max_total_size,
                   max_ratio=opts.max_compression_ratio)


DEFAULT_LIMITS = Limits()


def check_member(info):
    """Refuse a ZIP member whose name or type is unsafe to extract."""
    name = info.orig_filename
    if '\x00' in name:
        raise exception.UnsafeMember(
            name=name, reason='its name contains a NUL character')
    if name.endswith('/') or info.external_attr & _MSDOS_DIRECTORY:
        raise exception.UnsafeMember(
            name=name, reason='it is a directory entry; packages hold files '
                              'only')
    reason = manifest_mod.check_path(name, allow_manifest_name=True)
    if reason:
        raise exception.UnsafeMember(name=name, reason=reason)
    mode = info.external_attr >> 16
    # Many writers (zipfile's writestr among them) record permission bits
    # with no file type; only an explicit non-regular type is refused.
    if info.create_system == _ZIP_SYSTEM_UNIX and stat.S_IFMT(mode):
        if stat.S_ISLNK(mode):
            raise exception.UnsafeMember(name=name, reason='it is a symlink')
        if not stat.S_ISREG(mode):
            raise exception.UnsafeMember(
                name=name, reason='it is not a regular file (file type %s)'
                                  % _file_type(mode))
    if info.flag_bits & (_FLAG_ENCRYPTED | _FLAG_STRONG_ENCRYPTION):
        raise exception.UnsafeMember(name=name, reason='it is encrypted')
    if info.compress_type not in _ALLOWED_COMPRESSION:
        raise exception.UnsafeMember(
            name=name, reason='compression method %d is not accepted (only '
                              'stored and deflate)' % info.compress_type)


def _file_type(mode):
    for test, label in ((stat.S_ISDIR, 'directory'),
                        (stat.S_ISCHR, 'character device'),
                        (stat.S_ISBLK, 'block device'),
                        (stat.S_ISFIFO, 'FIFO'),
                        (stat.S_ISSOCK, 'socket')):
        if test(mode):
            return label
    return '0o%o' % stat.S_IFMT(mode)


def check_members(infos, limits=DEFAULT_LIMITS):
    """Per-member and whole-archive checks that need no manifest."""
    if len(infos) > limits.max_members:
        raise exception.PackageTooLarge(
            reason='%d members, at most %d allowed'
                   % (len(infos), limits.max_members))
    seen = {}
    total = 0
    for info in infos:
        check_member(info)
        key = info.orig_filename.casefold()
        if key in seen:
            raise exception.UnsafeMember(
                name=info.orig_filename,
                reason='the name appears more than once (also as %r)'
                       % seen[key])
        seen[key] = info.orig_filename
        if info.file_size > limits.max_member_size:
            raise exception.PackageTooLarge(
                reason='member %r is %d bytes uncompressed, at most %d '
                       'allowed' % (info.orig_filename, info.file_size,
                                    limits.max_member_size))
        total += info.file_size
        if total > limits.max_total_size:
            raise exception.PackageTooLarge(
                reason='members total more than %d bytes uncompressed'
                       % limits.max_total_size)


def check_ratio(info, role, limits=DEFAULT_LIMITS):
    """Refuse a member that expands more than the limit allows."""
    if role in limits.ratio_exempt_roles:
        return
    if info.file_size < limits.ratio_min_size:
        return
    ratio = info.file_size / max(info.compress_size, 1)
    if ratio > limits.max_ratio:
        raise exception.PackageTooLarge(
            reason='member %r expands %.0f:1 (%d to %d bytes), at most %d:1 '
                   'allowed' % (info.orig_filename, ratio, info.compress_size,
                                info.file_size, limits.max_ratio))


def _read_small_member(zf, name, max_size, limits, error):
    """The bytes of member ``name`` (None if absent), never trusting the
    size its header claims."""
    infos = [i for i in zf.infolist() if i.orig_filename == name]
    if not infos:
        return None
    info = infos[0]
    if info.file_size > max_size:
        raise error(reason='%s is %d bytes, at most %d allowed'
                           % (name, info.file_size, max_size))
    check_ratio(info, None, limits)
    try:
        with zf.open(info) as member:
            data = member.read(max_size + 1)
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise error(reason='%s cannot be read: %s' % (name, exc))
    if len(data) > max_size:
        raise error(reason='%s is more than %d bytes' % (name, max_size))
    return data


def read_manifest_bytes(zf, limits=DEFAULT_LIMITS):
    """The manifest member's exact bytes, as its signature covers them."""
    data = _read_small_member(zf, package.MANIFEST_NAME,
                              manifest_mod.MAX_MANIFEST_SIZE, limits,
                              exception.ManifestInvalid)
    if data is None:
        raise exception.MemberMismatch(
            reason='the package has no %s' % package.MANIFEST_NAME)
    return data


def read_signature_bytes(zf, limits=DEFAULT_LIMITS):
    """The signature member's bytes, or None for an unsigned package."""
    return _read_small_member(zf, package.SIGNATURE_NAME,
                              signature.MAX_SIGNATURE_SIZE, limits,
                              exception.SignatureInvalid)


def check_listing(infos, manifest):
    """The ZIP holds exactly the manifest's internal artifacts, at their
    sizes; external ones (with a ``uri``) must not be in it."""
    listed = {a.path: a for a in manifest.internal}
    external = {a.path for a in manifest.artifacts if a.external}
    names = set()
    for info in infos:
        name = info.orig_filename
        if name in (package.MANIFEST_NAME, package.SIGNATURE_NAME):
            continue
        names.add(name)
        if name in external:
            raise exception.MemberMismatch(
                reason='member %r is listed as an external artifact' % name)
        artifact = listed.get(name)
        if artifact is None:
            raise exception.MemberMismatch(
                reason='member %r is not listed in the manifest' % name)
        if info.file_size != artifact.size:
            raise exception.MemberMismatch(
                reason='member %r is %d bytes but the manifest says %d'
                       % (name, info.file_size, artifact.size))
    missing = sorted(set(listed) - names)
    if missing:
        raise exception.MemberMismatch(
            reason='the manifest lists %s but the package does not hold %s'
                   % (', '.join(repr(m) for m in missing),
                      'it' if len(missing) == 1 else 'them'))


def verify_zip(zf, limits=None, check_images=True, signature_policy=None):
    """Every check that can be made before extraction; return the manifest.

    ``limits`` and ``signature_policy`` default to the [package] options.
    The signature is checked on the manifest's exact bytes before the
    manifest is parsed; the result is the manifest's ``signature``
    attribute (a signature.SignatureStatus). Artifact checksums need the
    whole content and are verified while extracting (see
    archive.extract), which also re-checks sizes.
    """
    if limits is None:
        limits = Limits.from_config()
    if signature_policy is None:
        signature_policy = signature.Policy.from_config()
    infos = zf.infolist()
    check_members(infos, limits)
    manifest_bytes = read_manifest_bytes(zf, limits)
    status = signature.check(manifest_bytes, read_signature_bytes(zf, limits),
                             signature_policy)
    manifest = dataclasses.replace(
        manifest_mod.Manifest.from_json(manifest_bytes), signature=status)
    check_listing(infos, manifest)
    by_name = {i.orig_filename: i for i in infos}
    for artifact in manifest.internal:
        check_ratio(by_name[artifact.path], artifact.role, limits)
    if check_images:
        for artifact in manifest.by_role(manifest_mod.ROLE_IMAGE):
            if artifact.external:
                continue        # checked when downloaded (check_image_file)
            try:
                with zf.open(by_name[artifact.path]) as member:
                    check_image(member, artifact.disk_format, artifact.path)
            except (zipfile.BadZipFile, EOFError) as exc:
                raise exception.UnsafeMember(
                    name=artifact.path, reason='it cannot be read: %s' % exc)
    return manifest


def verify_package(zip_path, limits=None, check_images=True,
                   signature_policy=None):
    """Open ``zip_path`` and run :func:`verify_zip`; return the manifest."""
    try:
        with zipfile.ZipFile(zip_path) as zf:
            return verify_zip(zf, limits, check_images, signature_policy)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
        raise exception.PackageInvalid(reason='it is not a readable ZIP file: '
                                       '%s' % exc)


# --- disk images ---------------------------------------------------------

QCOW2_MAGIC = b'QFI\xfb'
_QCOW2_V2_HEADER = struct.Struct('>4sIQIIQIIQQIIQ')   # 72 bytes
_QCOW2_V3_TAIL = struct.Struct('>QQQII')              # up to 104 bytes
_QCOW2_EXT = struct.Struct('>II')
# Incompatible feature bits (qcow2 spec, "incompatible_features").
QCOW2_INCOMPAT_DIRTY = 1 << 0
QCOW2_INCOMPAT_CORRUPT = 1 << 1
QCOW2_INCOMPAT_DATA_FILE = 1 << 2
QCOW2_INCOMPAT_COMPRESSION = 1 << 3
QCOW2_INCOMPAT_EXTL2 = 1 << 4
_QCOW2_INCOMPAT_KNOWN = (QCOW2_INCOMPAT_DIRTY | QCOW2_INCOMPAT_CORRUPT
                         | QCOW2_INCOMPAT_DATA_FILE
                         | QCOW2_INCOMPAT_COMPRESSION | QCOW2_INCOMPAT_EXTL2)
# Header extension types.
QCOW2_EXT_END = 0x00000000
QCOW2_EXT_BACKING_FORMAT = 0xe2792aca
QCOW2_EXT_FEATURE_TABLE = 0x6803f857
QCOW2_EXT_BITMAPS = 0x23852875
QCOW2_EXT_FDE = 0x0537be77
QCOW2_EXT_DATA_FILE = 0x44415441
# The header and its extensions live in the first cluster (<= 2 MiB).
QCOW2_MAX_HEADER_READ = 2 * 1024 * 1024

# Magic numbers of formats that carry references to other files or that
# qemu would interpret; a RAW artifact starting with one is refused.
_FOREIGN_MAGICS = (
    (0, QCOW2_MAGIC, 'qcow2'),
    (0, b'KDMV', 'VMDK sparse extent'),
    (0, b'COWD', 'VMDK (ESX) sparse extent'),
    (0, b'# Disk DescriptorFile', 'VMDK descriptor'),
    (0, b'vhdxfile', 'VHDX'),
    (0, b'conectix', 'VHD'),
    (0, b'LUKS\xba\xbe', 'LUKS'),
    (0, b'QEVM', 'QEMU saved VM'),
    (0x40, b'\x7f\x10\xda\xbe', 'VDI'),
)
_SNIFF_SIZE = 512


@dataclasses.dataclass(frozen=True)
class Qcow2Header:
    version: int
    size: int
    cluster_bits: int
    crypt_method: int
    backing_file_offset: int
    backing_file_size: int
    incompatible_features: int
    header_length: int
    extensions: tuple     # of (type, length)


def _read_up_to(fileobj, size):
    """Read ``size`` bytes or until EOF; short reads are not the end."""
    chunks = []
    while size > 0:
        chunk = fileobj.read(size)
        if not chunk:
            break
        chunks.append(chunk)
        size -= len(chunk)
    return b''.join(chunks)


def parse_qcow2_header(fileobj, name='image'):
    """Parse the qcow2 header and extensions from the start of ``fileobj``.

    Reads at most the first cluster (never more than 2 MiB). Raises
    UnsafeImage when the bytes are not a well-formed qcow2 header.
    """
    head = _read_up_to(fileobj, _QCOW2_V2_HEADER.size)
    if len(head) < _QCOW2_V2_HEADER.size or head[:4] != QCOW2_MAGIC:
        raise exception.UnsafeImage(name=name,
                                    reason='it does not start with a qcow2 '
                                    'header')
    (_magic, version, backing_offset, backing_size, cluster_bits, size,
     crypt_method, _l1_size, _l1_offset, _refcount_offset,
     _refcount_clusters, _nb_snapshots,
     _snapshots_offset) = _QCOW2_V2_HEADER.unpack(head)
    if version not in (2, 3):
        raise exception.UnsafeImage(name=name,
                                    reason='qcow2 version %d is not supported'
                                    % version)
    if not 9 <= cluster_bits <= 21:
        raise exception.UnsafeImage(name=name,
                                    reason='qcow2 cluster_bits %d is out of '
                                    'range' % cluster_bits)
    cluster_size = 1 << cluster_bits
    incompatible = 0
    header_length = _QCOW2_V2_HEADER.size
    if version == 3:
        tail = _read_up_to(fileobj, _QCOW2_V3_TAIL.size)
        if len(tail) < _QCOW2_V3_TAIL.size:
            raise exception.UnsafeImage(name=name,
                                        reason='the qcow2 v3 header is '
                                        'truncated')
        (incompatible, _compatible, _autoclear, _refcount_order,
         header_length) = _QCOW2_V3_TAIL.unpack(tail)
        if not 104 <= header_length <= cluster_size or header_length % 8:
            raise exception.UnsafeImage(name=name,
                                        reason='qcow2 header_length %d is '
                                        'invalid' % header_length)
        _read_up_to(fileobj, header_length - 104)
    # Extensions follow the header, inside the first cluster.
    rest = _read_up_to(fileobj, min(cluster_size, QCOW2_MAX_HEADER_READ)
                       - header_length)
    extensions = []
    pos = 0
    while True:
        if pos + _QCOW2_EXT.size > len(rest):
            raise exception.UnsafeImage(name=name,
                                        reason='the qcow2 header extensions '
                                        'run past the first cluster')
        ext_type, length = _QCOW2_EXT.unpack_from(rest, pos)
        if ext_type == QCOW2_EXT_END:
            break
        pos += _QCOW2_EXT.size + ((length + 7) & ~7)
        extensions.append((ext_type, length))
    return Qcow2Header(version=version, size=size, cluster_bits=cluster_bits,
                       crypt_method=crypt_method,
                       backing_file_offset=backing_offset,
                       backing_file_size=backing_size,
                       incompatible_features=incompatible,
                       header_length=header_length,
                       extensions=tuple(extensions))


def inspect_qcow2(fileobj, name='image'):
    """Refuse a qcow2 image that refers to any other file; return header.

    Refused: a backing file (CVE-2015-5163), an external data file by
    feature bit or header extension (CVE-2024-32498), encryption, the
    corrupt bit, and incompatible features this code does not know.
    """
    header = parse_qcow2_header(fileobj, name)
    if header.backing_file_offset or header.backing_file_size:
        raise exception.UnsafeImage(
            name=name, reason='the qcow2 image has a backing file; packages '
                              'carry self-contained (flattened) images')
    ext_types = {t for t, _length in header.extensions}
    if QCOW2_EXT_BACKING_FORMAT in ext_types:
        raise exception.UnsafeImage(
            name=name, reason='the qcow2 image has a backing format '
                              'extension')
    if (header.incompatible_features & QCOW2_INCOMPAT_DATA_FILE
            or QCOW2_EXT_DATA_FILE in ext_types):
        raise exception.UnsafeImage(
            name=name, reason='the qcow2 image uses an external data file')
    if header.crypt_method or QCOW2_EXT_FDE in ext_types:
        raise exception.UnsafeImage(
            name=name, reason='the qcow2 image is encrypted')
    if header.incompatible_features & QCOW2_INCOMPAT_CORRUPT:
        raise exception.UnsafeImage(
            name=name, reason='the qcow2 image is marked corrupt')
    unknown = header.incompatible_features & ~_QCOW2_INCOMPAT_KNOWN
    if unknown:
        raise exception.UnsafeImage(
            name=name, reason='the qcow2 image has unknown incompatible '
                              'features 0x%x' % unknown)
    return header


def sniff_format(head):
    """Name the image format whose magic ``head`` starts with, or None."""
    for offset, magic, label in _FOREIGN_MAGICS:
        if head[offset:offset + len(magic)] == magic:
            return label
    return None


def check_image(fileobj, disk_format, name='image'):
    """Check the start of an image against its declared ``disk_format``.

    Only QCOW2 and RAW are accepted. VMDK is refused outright: its
    descriptor and extents name other files (CVE-2022-47951). A RAW image
    whose content looks like another format is refused too, so that no
    later tool that probes formats can be tricked into following it.
    """
    if disk_format == 'QCOW2':
        return inspect_qcow2(fileobj, name)
    if disk_format == 'RAW':
        label = sniff_format(_read_up_to(fileobj, _SNIFF_SIZE))
        if label:
            raise exception.UnsafeImage(
                name=name, reason='it is declared RAW but its content is %s'
                                  % label)
        return None
    if disk_format == 'VMDK':
        raise exception.UnsafeImage(
            name=name, reason='VMDK images are not accepted: a VMDK '
                              'descriptor or extent can point at other files; '
                              'convert to QCOW2 or RAW')
    raise exception.UnsafeImage(
        name=name, reason='diskFormat %s is not accepted (only %s)'
                          % (disk_format,
                             ' and '.join(manifest_mod.ACCEPTED_DISK_FORMATS)))


def check_image_file(path, disk_format, name=None):
    """:func:`check_image` on a file on disk (a build source, say)."""
    with open(path, 'rb') as fileobj:
        return check_image(fileobj, disk_format, name or path)
