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
images must not reference any other file. Images are inspected here with
oslo.utils' format inspector (what Nova, Glance and Cinder use), in
Python, so that qemu-img never sees a file that was not checked. The
manifest signature, when present, is checked before the manifest is used.
"""

import contextlib
import dataclasses
import stat
import struct
import zipfile

from oslo_utils.imageutils import format_inspector

from vnfsnap import conf
from vnfsnap import package
from vnfsnap.common import exception
from vnfsnap.package import codec
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


def _check_encoded(info, artifact):
    """A member holding encoded content (the manifest's ``compression``)
    is a stored ZIP member: the codec does the compressing. Its decoded
    size is checked while it is extracted."""
    if info.compress_type != zipfile.ZIP_STORED:
        raise exception.MemberMismatch(
            reason='member %r holds %s content but is not a stored ZIP '
                   'member' % (info.orig_filename, artifact.compression))


def check_encoded_sizes(infos, manifest, limits=DEFAULT_LIMITS):
    """The limits of check_members and check_ratio on the content sizes
    the manifest gives for encoded (``compression``) artifacts, which
    the ZIP directory cannot know."""
    by_name = {i.orig_filename: i for i in infos}
    total = sum(i.file_size for i in infos)
    for artifact in manifest.internal:
        if not artifact.compression:
            continue
        info = by_name[artifact.path]
        if artifact.size > limits.max_member_size:
            raise exception.PackageTooLarge(
                reason='member %r is %d bytes decoded, at most %d allowed'
                       % (artifact.path, artifact.size,
                          limits.max_member_size))
        total += artifact.size - info.file_size
        if total > limits.max_total_size:
            raise exception.PackageTooLarge(
                reason='members total more than %d bytes decoded'
                       % limits.max_total_size)
        check_ratio(_SizedInfo(info.orig_filename, artifact.size,
                               info.compress_size), artifact.role, limits)


@dataclasses.dataclass(frozen=True)
class _SizedInfo:
    """What check_ratio reads of a ZipInfo."""

    orig_filename: str
    file_size: int
    compress_size: int


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
        if artifact.compression:
            _check_encoded(info, artifact)
        elif info.file_size != artifact.size:
            raise exception.MemberMismatch(
                reason='member %r is %d bytes but the manifest says %d'
                       % (name, info.file_size, artifact.size))
    missing = sorted(set(listed) - names)
    if missing:
        raise exception.MemberMismatch(
            reason='the manifest lists %s but the package does not hold %s'
                   % (', '.join(repr(m) for m in missing),
                      'it' if len(missing) == 1 else 'them'))


def verify_written(infos, manifest_bytes, signature_bytes, limits=None,
                   signature_policy=None):
    """The checks of :func:`verify_zip` that need no member's content:
    the ZIP directory ``infos``, the manifest's exact bytes and the
    signature's. A build runs them on what it has just written, from
    the hashes it took while writing, instead of reading the package
    back. Returns the manifest with its ``signature`` status."""
    if limits is None:
        limits = Limits.from_config()
    if signature_policy is None:
        signature_policy = signature.Policy.from_config()
    check_members(infos, limits)
    status = signature.check(manifest_bytes, signature_bytes,
                             signature_policy)
    manifest = dataclasses.replace(
        manifest_mod.Manifest.from_json(manifest_bytes), signature=status)
    check_listing(infos, manifest)
    by_name = {i.orig_filename: i for i in infos}
    for artifact in manifest.internal:
        if not artifact.compression:
            check_ratio(by_name[artifact.path], artifact.role, limits)
    check_encoded_sizes(infos, manifest, limits)
    return manifest


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
    infos = zf.infolist()
    # Before anything is read: a thousand members or a bomb of a
    # manifest is refused unread.
    check_members(infos, limits)
    manifest = verify_written(infos, read_manifest_bytes(zf, limits),
                              read_signature_bytes(zf, limits), limits,
                              signature_policy)
    by_name = {i.orig_filename: i for i in infos}
    if check_images:
        for artifact in manifest.by_role(manifest_mod.ROLE_IMAGE):
            if artifact.external:
                continue        # checked when downloaded (check_image_file)
            try:
                with zf.open(by_name[artifact.path]) as member, \
                        (codec.decoding(member) if artifact.compression
                         else contextlib.nullcontext(member)) as content:
                    check_image(content, artifact.disk_format,
                                artifact.path)
            except (zipfile.BadZipFile, EOFError,
                    codec.decoding_error()) as exc:
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

# Detection reads at most this much of an image: enough for every
# inspector of oslo.utils (a VMDK descriptor is at most 1 MiB after its
# 512-byte header, an ISO's volume descriptor sits at 32 KiB).
INSPECT_MAX_READ = 2 * 1024 * 1024
_INSPECT_CHUNK = 4096
# The content (oslo.utils format names) each accepted diskFormat may
# have: qemu reads a partition table or a filesystem as plain bytes when
# told the format is raw, as Nova allows.
_ALLOWED_CONTENT = {'QCOW2': ('qcow2',), 'RAW': ('raw', 'gpt', 'iso')}
# What oslo.utils' qcow2 inspector does not check (offsets in the qcow2
# header it captures): encryption, the corrupt bit, cluster_bits within
# qemu's own range, and a virtual size that fits minDisk's BIGINT column.
_QCOW2_CRYPT_METHOD = struct.Struct('>I')     # at 32
_QCOW2_INCOMPAT_CORRUPT = 1 << 1              # of the u64 at 72
_QCOW2_MAX_VIRTUAL_SIZE = 2 ** 63 - 1


class _BoundedReader:
    """Hands out at most ``limit`` bytes of ``fileobj``; it has no
    ``close`` so that the InspectWrapper leaves the caller's file open."""

    def __init__(self, fileobj, limit):
        self._fileobj = fileobj
        self._left = limit

    def read(self, size):
        if not self._left:
            return b''
        chunk = self._fileobj.read(min(size, self._left))
        self._left -= len(chunk)
        return chunk


def detect_format(fileobj, name='image'):
    """The oslo.utils inspector of the format the content really has.

    All the inspectors oslo.utils knows look at the first
    :data:`INSPECT_MAX_READ` bytes at most; content that matches several
    formats at once (a polyglot, such as an ISO whose system area holds a
    qcow2 header) is refused.
    """
    wrapper = format_inspector.InspectWrapper(
        _BoundedReader(fileobj, INSPECT_MAX_READ))
    try:
        while wrapper.read(_INSPECT_CHUNK) and wrapper.formats is None:
            pass
    finally:
        wrapper.close()
    matches = wrapper.formats
    if len(matches) > 1:
        raise exception.UnsafeImage(
            name=name, reason='its content matches several formats at once '
                              '(%s): a disguised image' % ', '.join(
                                  sorted(str(m) for m in matches)))
    return matches[0]


def _check_qcow2_policy(inspector, name):
    """Refuse what the library lets through but a package must not carry."""
    header = inspector.region('header').data
    (crypt_method,) = _QCOW2_CRYPT_METHOD.unpack_from(header, 32)
    if crypt_method:
        raise exception.UnsafeImage(
            name=name, reason='the qcow2 image is encrypted')
    cluster_bits = inspector.qemu_header_info['cluster_bits']
    if not 9 <= cluster_bits <= 21:
        raise exception.UnsafeImage(
            name=name, reason='qcow2 cluster_bits %d is out of range'
                              % cluster_bits)
    if inspector.virtual_size > _QCOW2_MAX_VIRTUAL_SIZE:
        raise exception.UnsafeImage(
            name=name, reason='qcow2 virtual size %d is absurd'
                              % inspector.virtual_size)
    if (inspector.qemu_header_info['version'] == 3
            and struct.unpack_from('>Q', header, 72)[0]
            & _QCOW2_INCOMPAT_CORRUPT):
        raise exception.UnsafeImage(
            name=name, reason='the qcow2 image is marked corrupt')


def _safety_check(inspector, name):
    try:
        inspector.safety_check()
    except format_inspector.SafetyCheckFailed as exc:
        raise exception.UnsafeImage(
            name=name, reason='the %s image fails the safety checks: %s'
                              % (inspector, '; '.join(
                                  '%s (%s)' % (failure, check)
                                  for check, failure in sorted(
                                      exc.failures.items()))))
    except format_inspector.ImageFormatError as exc:
        raise exception.UnsafeImage(
            name=name, reason='the %s image cannot be checked: %s'
                              % (inspector, exc))


def check_image(fileobj, disk_format, name='image'):
    """Check an image's content against its declared ``disk_format``.

    Only QCOW2 and RAW are accepted. oslo.utils' format inspector (as used
    by Nova, Glance and Cinder) names the format the content really has,
    which must be the declared one, and runs its safety checks: no backing
    file (CVE-2015-5163), no external data file (CVE-2024-32498), no VMDK
    extent naming another file (CVE-2022-47951). Returns the inspector
    (``virtual_size``).
    """
    if disk_format not in _ALLOWED_CONTENT:
        raise exception.UnsafeImage(
            name=name, reason='diskFormat %s is not accepted (only %s)%s'
                              % (disk_format,
                                 ' and '.join(
                                     manifest_mod.ACCEPTED_DISK_FORMATS),
                                 '; a VMDK descriptor or extent can point '
                                 'at other files'
                                 if disk_format == 'VMDK' else ''))
    inspector = detect_format(fileobj, name)
    detected = str(inspector)
    if detected not in _ALLOWED_CONTENT[disk_format]:
        if detected == 'raw':
            detected = ('not of any known format (a truncated or absent '
                        'header)')
        raise exception.UnsafeImage(
            name=name, reason='it is declared %s but its content is %s'
                              % (disk_format, detected))
    _safety_check(inspector, name)
    if detected == 'qcow2':
        _check_qcow2_policy(inspector, name)
    return inspector


def check_image_file(path, disk_format, name=None):
    """:func:`check_image` on a file on disk (a build source, say)."""
    with open(path, 'rb') as fileobj:
        return check_image(fileobj, disk_format, name or path)
