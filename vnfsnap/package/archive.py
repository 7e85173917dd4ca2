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

"""Streaming build and extraction of VNF snapshot packages.

Disk images are many GiB, so no artifact is ever held in memory: content
is copied in CHUNK_SIZE pieces and hashed on the way (by threads that
overlap: see pipeline). The manifest is the
last member but for its signature, because its checksums are only known
once every artifact has been written; ZIP readers find it through the
central directory, so its position does not matter to them.
"""

import contextlib
import dataclasses
import datetime
import hashlib
import json
import os
import shutil
import stat
import struct
import threading
import uuid
import zipfile
import zlib

from vnfsnap import package
from vnfsnap.common import exception
from vnfsnap.package import codec
from vnfsnap.package import layout
from vnfsnap.package import manifest as manifest_mod
from vnfsnap.package import pipeline
from vnfsnap.package import signature
from vnfsnap.package import verify
from vnfsnap.store import base as store_base

CHUNK_SIZE = 1024 * 1024
_ZEROS = bytes(CHUNK_SIZE)
_FILE_MODE = 0o100644
# Roles stored without compression by default: qcow2 is already dense,
# and deflating many GiB costs far more CPU than it saves.
_STORED_ROLES = (manifest_mod.ROLE_IMAGE,)


@dataclasses.dataclass(frozen=True)
class FileArtifact:
    """A file on disk to put in the package at ``path``."""

    source: str
    path: str
    role: str
    vnfc_snapshot_id: str = None
    storage_resource_id: str = None
    disk_format: str = None
    container_format: str = None
    metadata: dict = None
    compress: bool = None       # None: stored for images, deflate otherwise
    encoding: str = None        # codec.ZSTD: one zstd frame, stored


@dataclasses.dataclass(frozen=True)
class ConvertedImage:
    """A disk image its VIM writes itself straight into the package, where
    its ZIP member goes: ``write_to(path, offset)`` writes the image into
    the file ``path`` from ``offset`` on, and the file's end is the
    image's (qemu-img converting a disk and its backing chain, say). The
    image is written once, and read back only to be hashed, from the
    page cache, while the next artifact is written. Only a writer that
    can place (the file store's, see store.file.PlacingWriter) takes
    one; ``size_hint`` is for the progress only."""

    write_to: object
    path: str
    role: str = manifest_mod.ROLE_IMAGE
    size_hint: int = 0
    vnfc_snapshot_id: str = None
    storage_resource_id: str = None
    disk_format: str = None
    container_format: str = None
    metadata: dict = None

    compress = False
    encoding = None


@dataclasses.dataclass(frozen=True)
class DocumentArtifact:
    """A small JSON document (VNF snapshot record, VNFD) to serialise."""

    document: object
    path: str
    role: str
    vnfc_snapshot_id: str = None
    metadata: dict = None
    compress: bool = None

    encoding = None
    storage_resource_id = None
    disk_format = None
    container_format = None

    def data(self):
        return json.dumps(self.document, indent=2, sort_keys=True,
                          ensure_ascii=False).encode('utf-8') + b'\n'


def _zip_info(path, compress, date_time):
    info = zipfile.ZipInfo(path, date_time=date_time)
    info.create_system = 3
    info.external_attr = _FILE_MODE << 16
    if compress:
        info.compress_type = zipfile.ZIP_DEFLATED
    else:
        info.compress_type = zipfile.ZIP_STORED
    return info


class _Progress:
    """Calls the callback with monotonic (done, total); it may raise."""

    def __init__(self, callback, total):
        self.callback = callback
        self.total = total
        self.done = 0
        self._report()

    def add(self, count):
        self.done += count
        self._report()

    def _report(self):
        if self.callback is not None:
            self.callback(self.done, self.total)


def _check_artifact_args(artifacts):
    paths = set()
    for art in artifacts:
        reason = manifest_mod.check_path(art.path)
        if reason:
            raise ValueError('artifact path %r: %s' % (art.path, reason))
        if art.path.casefold() in paths:
            raise ValueError('artifact path %r is used twice' % art.path)
        paths.add(art.path.casefold())


@dataclasses.dataclass(frozen=True)
class Built:
    """What :func:`write` wrote, known without reading any of it back."""

    manifest: object            # with its ``signature`` status
    manifest_bytes: bytes
    signature_bytes: bytes      # None when unsigned
    infos: tuple                # the ZipInfo of every member, as written
    layout: dict                # as layout.describe gives it
    min_disk: dict              # image path -> virtual size


def _member_entry(art, size, digest):
    return manifest_mod.Artifact(
        path=art.path, role=art.role, size=size, sha256=digest.hexdigest(),
        vnfc_snapshot_id=art.vnfc_snapshot_id,
        storage_resource_id=art.storage_resource_id,
        disk_format=art.disk_format, container_format=art.container_format,
        metadata=art.metadata, compression=art.encoding)


def _copy_source(art, size, out, meter, chunk_size):
    """Stream one source file into ``out`` (encoding it if asked); the
    SHA-256 of the content, as read.

    The reads here, the SHA-256 in one thread and the member's write (the
    encoding, the CRC-32, the store's hash and the write) in another
    overlap: see pipeline.
    """
    digest = hashlib.sha256()
    written = 0
    encoder = codec.Encoder(size) if art.encoding == codec.ZSTD else None
    if encoder:
        def write(chunk):
            out.write(encoder.encode(chunk))
    else:
        write = out.write
    # Unbuffered: a read of chunk_size goes straight into its bytes.
    with open(art.source, 'rb', buffering=0) as src, \
            pipeline.Fanout(digest.update, write) as stages:
        while written <= size:
            chunk = src.read(chunk_size)
            if not chunk:
                break
            stages.put(chunk)
            written += len(chunk)
            meter.add(len(chunk))
    if encoder:
        out.write(encoder.finish())
    if written != size:
        raise exception.PackageInvalid(
            reason='artifact source %r changed size while it was packaged'
                   % art.source)
    return digest


def _sources(artifacts):
    """(artifact, size, virtual size of an image) of every artifact; image
    sources are inspected, so a build never produces a package that an
    import would refuse for a backing file."""
    sized = []
    for art in artifacts:
        if isinstance(art, DocumentArtifact):
            sized.append((art, len(art.data()), None))
            continue
        if isinstance(art, ConvertedImage):
            sized.append((art, art.size_hint, None))    # checked once placed
            continue
        st = os.stat(art.source)
        if not stat.S_ISREG(st.st_mode):
            raise ValueError('artifact source %r is not a regular file'
                             % art.source)
        virtual = None
        if art.role == manifest_mod.ROLE_IMAGE:
            inspector = verify.check_image_file(art.source, art.disk_format,
                                                art.path)
            if art.disk_format == 'QCOW2':      # minDisk, as describe
                virtual = inspector.virtual_size
        sized.append((art, st.st_size, virtual))
    return sized


class _RegionHash:
    """A hash of bytes [start, end) of the file ``fd``, taken in a thread
    from the page cache: ``step(state, view)`` gives the next state from
    ``initial``; :meth:`value` waits for the last."""

    def __init__(self, fd, start, end, initial, step, name, then=None):
        self._state, self._step, self._then = initial, step, then
        self._error = None
        self._stopped = False
        self._thread = threading.Thread(
            target=self._run, args=(fd, start, end), daemon=True,
            name='vnfsnap-%s' % name)
        self._thread.start()

    def _run(self, fd, start, end):
        try:
            for view in store_base.mapped(fd, start, end):
                if self._stopped:
                    return
                self._state = self._step(self._state, view)
            if self._then is not None:
                self._then(self._state)
        except BaseException as e:
            self._error = e

    def value(self):
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._state

    def hexdigest(self):
        """A SHA-256's, as hashlib gives it."""
        return self.value().hexdigest()

    def stop(self):
        self._stopped = True
        self._thread.join()


def _sha256_step(sha256, view):
    sha256.update(view)
    return sha256


def _crc32_step(crc, view):
    return zlib.crc32(view, crc)


#: A ZIP64 data descriptor (APPNOTE 4.3.9): signature, CRC-32,
#: compressed and uncompressed sizes.
_DESCRIPTOR = struct.Struct('<LLQQ')
_DESCRIPTOR_SIGNATURE = 0x08074b50
_FLAG_DATA_DESCRIPTOR = 0x08


class _Placed:
    """A member written in place whose CRC-32 and SHA-256 are still being
    taken; its data descriptor is filled as soon as the CRC-32 is known
    (so that the package's hash goes on past it), :meth:`finish` waits
    for that."""

    def __init__(self, out, info, descriptor, start, size):
        self.out, self.info, self.descriptor = out, info, descriptor
        fd = out.fileno()
        self.digest = _RegionHash(fd, start, start + size, hashlib.sha256(),
                                  _sha256_step, 'artifact-sha256')
        try:
            self.crc32 = _RegionHash(fd, start, start + size, 0,
                                     _crc32_step, 'member-crc32',
                                     then=self._fill)
        except BaseException:
            self.digest.stop()
            raise

    def _fill(self, crc):
        self.info.CRC = crc
        self.out.fill(self.descriptor, _DESCRIPTOR.pack(
            _DESCRIPTOR_SIGNATURE, crc, self.info.compress_size,
            self.info.file_size))

    def finish(self):
        self.crc32.value()

    def stop(self):
        self.digest.stop()
        self.crc32.stop()


def _place_image(zf, out, art, date_time):
    """Have ``art`` write itself where its member goes in ``out`` (see
    ConvertedImage); return (data offset, virtual size, _Placed), with
    the member in ``zf``'s directory. As zipfile does on a stream, the
    local header says a data descriptor follows the data (ZIP64, since
    the size is not known yet): it is reserved after the data and filled
    once the CRC-32 is known, so the package's hash can take the header
    and the data meanwhile. The hashes are taken in threads while the
    build goes on."""
    if not hasattr(out, 'place'):
        raise ValueError('artifact %r is written in place, which this '
                         'store cannot take' % art.path)
    info = _zip_info(art.path, False, date_time)
    info.CRC = info.file_size = info.compress_size = 0
    info.flag_bits |= _FLAG_DATA_DESCRIPTOR
    header = out.tell()
    out.write(info.FileHeader(zip64=True))
    start, size = out.place(art.write_to)
    descriptor = out.reserve(_DESCRIPTOR.size)
    # The image as written must pass what an import checks.
    with open(out.fileno(), 'rb', closefd=False) as f:
        inspector = verify.check_image(
            store_base.RangeFile(f, start, start + size), art.disk_format,
            art.path)
    info.header_offset = header
    info.file_size = info.compress_size = size
    placed = _Placed(out, info, descriptor, start, size)
    # What zipfile's own member writer does at close (the CRC-32 is set
    # before the central directory is written).
    zf.filelist.append(info)
    zf.NameToInfo[info.filename] = info
    zf.start_dir = out.tell()
    virtual = inspector.virtual_size if art.disk_format == 'QCOW2' else None
    return start, virtual, placed


def _layout(infos, offsets, manifest):
    artifacts = manifest.by_path()
    members = {}
    for info in infos:
        artifact = artifacts.get(info.orig_filename)
        members[info.orig_filename] = layout.member(
            offsets[info.orig_filename], info, artifact)
    return {'members': members}


def write(out, artifacts, vnf_snapshot_id, vnf_instance_id,
          vnf_snapshot_pkg_unique_id=None, created_at=None, progress=None,
          chunk_size=CHUNK_SIZE, signer=None):
    """Write a package ZIP to the file object ``out`` in one pass and
    return a :class:`Built`.

    ``out`` may be a local file or a forward-only stream (a store's
    StreamWriter, which hashes what it is given): every artifact is read
    once, hashed and written, and nothing is read back. See :func:`build`
    for the arguments.
    """
    artifacts = list(artifacts)
    _check_artifact_args(artifacts)
    if created_at is None:
        created_at = datetime.datetime.now(datetime.timezone.utc)
    created = manifest_mod.format_created_at(created_at)
    date_time = created_at.astimezone(
        datetime.timezone.utc).timetuple()[:6]
    external = [a for a in artifacts
                if isinstance(a, manifest_mod.Artifact) and a.external]
    sources = _sources([a for a in artifacts if a not in external])
    zip_build = _ZipBuild(out, sources, date_time, chunk_size,
                          _Progress(progress,
                                    sum(size for _, size, _ in sources)))
    try:
        return zip_build.write(external, created, vnf_snapshot_id,
                               vnf_instance_id, vnf_snapshot_pkg_unique_id,
                               signer)
    finally:
        zip_build.stop()


class _ZipBuild:
    """The state of one :func:`write`."""

    def __init__(self, out, sources, date_time, chunk_size, meter):
        self.out, self.sources, self.date_time = out, sources, date_time
        self.chunk_size, self.meter = chunk_size, meter
        self.entries, self.offsets, self.placed = [], {}, []
        self.min_disk = {art.path: virtual for art, _, virtual in sources
                         if virtual is not None}

    def stop(self):
        """After an error too: no thread left reading the package."""
        for placed in self.placed:
            placed.stop()

    def _member(self, zf, path, compress, size=0):
        info = _zip_info(path, compress, self.date_time)
        info.file_size = size     # zipfile's hint for ZIP64
        handle = zf.open(info, 'w')
        self.offsets[path] = self.out.tell()
        return handle

    def _artifact(self, zf, art, size):
        if isinstance(art, ConvertedImage):
            start, virtual, placed = _place_image(zf, self.out, art,
                                                  self.date_time)
            self.offsets[art.path] = start
            self.placed.append(placed)
            self.meter.add(placed.info.file_size)
            if virtual is not None:
                self.min_disk[art.path] = virtual
            return placed.info.file_size, placed.digest
        compress = art.compress
        if compress is None:
            compress = art.role not in _STORED_ROLES
        with self._member(zf, art.path, compress and not art.encoding,
                          size) as handle:
            if isinstance(art, DocumentArtifact):
                data = art.data()
                digest = hashlib.sha256(data)
                handle.write(data)
                self.meter.add(len(data))
            else:
                digest = _copy_source(art, size, handle, self.meter,
                                      self.chunk_size)
        return size, digest

    def write(self, external, created, vnf_snapshot_id, vnf_instance_id,
              vnf_snapshot_pkg_unique_id, signer):
        with zipfile.ZipFile(self.out, 'w', allowZip64=True) as zf:
            for art, size, _ in self.sources:
                self.entries.append((art, *self._artifact(zf, art, size)))
            for placed in self.placed:
                placed.finish()
            manifest = manifest_mod.Manifest(
                vnf_snapshot_pkg_unique_id=(vnf_snapshot_pkg_unique_id
                                            or str(uuid.uuid4())),
                created_at=created, vnf_snapshot_id=vnf_snapshot_id,
                vnf_instance_id=vnf_instance_id,
                artifacts=tuple([_member_entry(*entry)
                                 for entry in self.entries] + external))
            manifest_bytes = manifest.to_json()
            with self._member(zf, package.MANIFEST_NAME, True) as handle:
                handle.write(manifest_bytes)
            status = signature.UNSIGNED
            cms = None
            if signer is not None:
                cms = signer(manifest_bytes)
                # Never write a signature an import would refuse unread.
                signature.check_structure(cms)
                with self._member(zf, package.SIGNATURE_NAME,
                                  False) as handle:
                    handle.write(cms)      # DER does not compress; stored
                status = signature.SignatureStatus(
                    signed=True, reason='signed by this build, not checked '
                                        'against a trusted CA')
            manifest = dataclasses.replace(manifest, signature=status)
            infos = tuple(zf.infolist())
        return Built(manifest=manifest, manifest_bytes=manifest_bytes,
                     signature_bytes=cms, infos=infos,
                     layout=_layout(infos, self.offsets, manifest),
                     min_disk=self.min_disk)


def build(dest_path, artifacts, vnf_snapshot_id, vnf_instance_id,
          vnf_snapshot_pkg_unique_id=None, created_at=None, progress=None,
          chunk_size=CHUNK_SIZE, signer=None):
    """Write a package ZIP at ``dest_path`` and return its Manifest.

    ``artifacts`` are FileArtifact and DocumentArtifact objects, and
    manifest Artifacts with a ``uri`` for external artifacts (only listed
    in the manifest, with the size and SHA-256 a download must match).
    The ZIP is written to ``dest_path + '.part'`` and renamed into place
    only when complete, so a failed or cancelled build leaves nothing
    behind.
    ``progress(bytes_done, bytes_total)`` is called after every chunk; an
    exception it raises (a cancel, say) aborts the build. Image sources
    are inspected first, so a build never produces a package that an
    import would refuse for a backing file.

    ``signer(manifest_bytes) -> DER`` (a signature.Signer, say) signs the
    manifest: its detached CMS SignedData is written as the last member,
    and the returned manifest's ``signature`` says the package is signed
    (not verified: this build has no trusted CA to check against).
    """
    tmp_path = dest_path + '.part'
    # 'x': a leftover or concurrent .part is an error, never overwritten.
    out = open(tmp_path, 'xb')
    try:
        with out:
            built = write(out, artifacts, vnf_snapshot_id, vnf_instance_id,
                          vnf_snapshot_pkg_unique_id, created_at, progress,
                          chunk_size, signer)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp_path, dest_path)
    except BaseException:
        try:
            os.unlink(tmp_path)
        except FileNotFoundError:
            pass
        raise
    return built.manifest


def _prepare_dest(dest_dir):
    """Use a fresh directory: created here, or existing and empty."""
    try:
        os.mkdir(dest_dir, 0o700)
        return True
    except FileExistsError:
        st = os.lstat(dest_dir)
        if not stat.S_ISDIR(st.st_mode) or os.listdir(dest_dir):
            raise ValueError('extraction destination %r must be a new or '
                             'empty directory' % dest_dir)
        return False


def _open_new(dest_dir, path):
    """Create ``dest_dir/path`` exclusively, never following a symlink."""
    parts = path.split('/')
    current = dest_dir
    for part in parts[:-1]:
        current = os.path.join(current, part)
        try:
            os.mkdir(current, 0o700)
        except FileExistsError:
            if not stat.S_ISDIR(os.lstat(current).st_mode):
                raise
    full = os.path.join(current, parts[-1])
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
    return os.fdopen(os.open(full, flags, 0o600), 'wb')


def _read_content(content, artifact, size):
    try:
        return content.read(size)
    except codec.decoding_error() as exc:
        raise exception.ChecksumMismatch(
            path=artifact.path, reason='its %s content cannot be decoded: '
                                       '%s' % (artifact.compression, exc))


def _copy_member(zf, info, artifact, out, meter, chunk_size):
    """Copy one member, hashing it and leaving zero runs as holes."""
    digest = hashlib.sha256()
    written = 0
    with zf.open(info) as member, \
            (codec.decoding(member) if artifact.compression
             else contextlib.nullcontext(member)) as content:
        while True:
            chunk = _read_content(content, artifact, chunk_size)
            if not chunk:
                break
            written += len(chunk)
            if written > artifact.size:
                raise exception.ChecksumMismatch(
                    path=artifact.path,
                    reason='it is longer than the %d bytes listed'
                           % artifact.size)
            digest.update(chunk)
            if chunk == _ZEROS[:len(chunk)]:
                out.seek(len(chunk), os.SEEK_CUR)
            else:
                out.write(chunk)
            meter.add(len(chunk))
    out.truncate(written)
    if written != artifact.size:
        raise exception.ChecksumMismatch(
            path=artifact.path, reason='it is %d bytes, %d are listed'
                                       % (written, artifact.size))
    if digest.hexdigest() != artifact.sha256:
        raise exception.ChecksumMismatch(
            path=artifact.path, reason='its SHA-256 is %s, %s is listed'
                                       % (digest.hexdigest(),
                                          artifact.sha256))
    out.flush()
    os.fsync(out.fileno())


def extract(zip_path, dest_dir, progress=None, limits=None,
            chunk_size=CHUNK_SIZE, signature_policy=None):
    """Verify the package, then stream its artifacts into ``dest_dir``.

    ``dest_dir`` must not exist or be an empty directory. Only members the
    manifest lists are written (plus the manifest and its signature), each
    checked against its size and SHA-256 while it is copied; on any
    failure everything written is removed and the PackageInvalid (or the
    progress callback's exception) propagates. ``limits`` and
    ``signature_policy`` default to the [package] options (see
    verify.verify_zip). Returns the Manifest, with its ``signature``.
    """
    if limits is None:
        limits = verify.Limits.from_config()
    created_dir = _prepare_dest(dest_dir)
    try:
        with zipfile.ZipFile(zip_path) as zf:
            manifest = verify.verify_zip(
                zf, limits, signature_policy=signature_policy)
            by_name = {i.orig_filename: i for i in zf.infolist()}
            meter = _Progress(progress, manifest.total_size)
            for artifact in manifest.internal:
                with _open_new(dest_dir, artifact.path) as out:
                    _copy_member(zf, by_name[artifact.path], artifact, out,
                                 meter, chunk_size)
            # The original bytes, so that the signature over them holds.
            for name, data in (
                    (package.MANIFEST_NAME,
                     verify.read_manifest_bytes(zf, limits)),
                    (package.SIGNATURE_NAME,
                     verify.read_signature_bytes(zf, limits))):
                if data is not None:
                    with _open_new(dest_dir, name) as out:
                        out.write(data)
                        out.flush()
                        os.fsync(out.fileno())
    except zipfile.BadZipFile as exc:
        _cleanup(dest_dir, created_dir)
        raise exception.PackageInvalid(reason='it is not a readable ZIP file: '
                                       '%s' % exc)
    except BaseException:
        _cleanup(dest_dir, created_dir)
        raise
    return manifest


def _cleanup(dest_dir, created_dir):
    if created_dir:
        shutil.rmtree(dest_dir, ignore_errors=True)
        return
    for entry in os.listdir(dest_dir):
        full = os.path.join(dest_dir, entry)
        if os.path.isdir(full) and not os.path.islink(full):
            shutil.rmtree(full, ignore_errors=True)
        else:
            os.unlink(full)
