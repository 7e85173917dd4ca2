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

"""Build a VNF snapshot package (GR NFV-TST 005 clauses 6.6.1, 6.7.1) as a
taskflow flow.

Each VNFC snapshot is exported by its VIM driver as image files (undo:
they go); the files and the documents (VNF snapshot record, VNFD, the
VNF's LCM history) are written in one pass into the ZIP in the package
store, each artifact hashed on its way in, with its manifest (undo: the
stored content is deleted). Nothing is read back: the package is checked
(limits, listing, manifest, signature, record) and described from what
the build wrote and the hashes it took, and becomes AVAILABLE. Where the
store is a local file and the driver can (the libvirt driver, the file
store), the disks are not exported into the work directory: qemu-img
converts each straight into its member's place in the package, which is
then hashed from the page cache while the next artifact is written.
A resumed
PROCESSING package (a build cut off after it was stored) is processed as
uploaded content is, from the store.

With ``diagnostics`` (a vnfsnap extension) the package also gets a
diagnostics part for root-cause analysis (vnfsnap/conductor/diagnostics.py,
doc/source/user/root-cause.rst).

With ``basePackageId`` the package is incremental: each VNFC snapshot
with a counterpart in the base package's VNF snapshot is exported as the
changes since it, and its images name the base image they apply to
(vnfsnap/package/incremental.py).
"""

import functools
import os
import shutil

from oslo_log import log as logging
from taskflow import task
from taskflow.patterns import linear_flow

from vnfsnap import store
from vnfsnap.common import exception
from vnfsnap.common import states
from vnfsnap.common import views
from vnfsnap.conductor import diagnostics
from vnfsnap.conductor.flows import common
from vnfsnap.conductor.flows import package_process
import vnfsnap.conf
from vnfsnap.db import api as db_api
from vnfsnap.package import archive
from vnfsnap.package import codec
from vnfsnap.package import contents
from vnfsnap.package import incremental
from vnfsnap.package import manifest as manifest_mod
from vnfsnap.package import signature
from vnfsnap.package import verify

CONF = vnfsnap.conf.CONF
LOG = logging.getLogger(__name__)

_BUILT = 'package-built'
_DIAGNOSTICS = 'diagnostics'


class ExportVnfcSnapshot(task.Task):
    """One VNFC snapshot exported from its VIM as files in the work
    directory; provides the driver's description of them."""

    def __init__(self, index, row, driver, work, progress, base_row=None):
        super().__init__(name='export-%d' % index,
                         provides='export-%d' % index)
        self.row, self.driver, self.progress = row, driver, progress
        self.base_row = base_row
        self.folder = os.path.join(work, 'export', str(index))

    def execute(self):
        self.progress.check(0)
        kwargs = {}
        if self.base_row is not None:
            kwargs['base'] = common.vnfc_snapshot_dict(self.base_row)
        # A store that takes a member written in place gets the disks
        # straight from qemu-img (ArchivePackage); else they are
        # converted into the work directory here and copied in there.
        if self.driver.exports_in_place and store.get_store().can_place:
            kwargs['in_place'] = True
        return self.driver.export_vnfc_snapshot(
            common.vnfc_snapshot_dict(self.row), self.folder, **kwargs)

    def revert(self, *args, **kwargs):
        shutil.rmtree(self.folder, ignore_errors=True)


def _artifacts(index, folder, row_id, description, base=None,
               base_row_id=None, driver=None):
    """The package artifacts of one exported VNFC snapshot; a disk
    exported as a delta names its image in the ``base`` package, one
    exported in place (with a ``source``) is written by ``driver``
    straight into the package."""
    prefix = 'images/vnfc-%d' % index
    common_meta = {'powerState': description['state'],
                   'quiesced': ('true' if description.get('quiesced')
                                else 'false')}
    arts = []
    for disk in description['disks']:
        meta = dict(common_meta, target=disk['target'])
        if disk.get('delta'):
            meta.update(base.metadata(base_row_id, disk['target']))
        image = dict(
            path='%s/%s' % (prefix, disk['file']),
            role=manifest_mod.ROLE_IMAGE, vnfc_snapshot_id=row_id,
            storage_resource_id=disk.get('storageResourceId'),
            disk_format=disk['diskFormat'].upper(),
            container_format=disk['containerFormat'].upper(),
            metadata=meta)
        if disk.get('source'):
            arts.append(archive.ConvertedImage(
                functools.partial(driver.write_exported_disk, disk),
                size_hint=disk.get('sizeHint') or 0, **image))
        else:
            arts.append(archive.FileArtifact(
                source=os.path.join(folder, disk['file']), **image))
    for key, role, how in (('memory', manifest_mod.ROLE_MEMORY,
                            _memory_compression()),
                           ('domainXml', manifest_mod.ROLE_DOMAIN_XML, {})):
        if description.get(key):
            arts.append(archive.FileArtifact(
                source=os.path.join(folder, description[key]),
                path='%s/%s' % (prefix, description[key]), role=role,
                vnfc_snapshot_id=row_id, metadata=dict(common_meta),
                **how))
    return arts


def _memory_compression():
    """The FileArtifact arguments [package]memory_compression asks for."""
    choice = CONF.package.memory_compression
    if choice == codec.ZSTD:
        return {'compress': False, 'encoding': codec.ZSTD}
    return {'compress': choice == codec.DEFLATE}


def _documents(info):
    """The VNF snapshot record, the VNFD and the VNF's LCM history (for
    root-cause analysis by whoever receives the package)."""
    docs = [archive.DocumentArtifact(
        views.vnf_snapshot(info, None), contents.RECORD_PATH,
        manifest_mod.ROLE_RECORD)]
    vnfd = None
    if info.snapshot_vnf_instance_id:
        try:
            vnfd = db_api.get_vnf_instance(
                None, info.snapshot_vnf_instance_id).vnfd
        except exception.VnfInstanceNotFound:
            pass
    if vnfd:
        docs.append(archive.DocumentArtifact(vnfd, contents.VNFD_PATH,
                                             manifest_mod.ROLE_VNFD))
    history = [views.vnf_lcm_op_occ(op, None) for op in
               db_api.list_op_occs(info.project_id)
               if op.vnf_instance_id == info.snapshot_vnf_instance_id]
    docs.append(archive.DocumentArtifact(
        history, contents.OP_HISTORY_PATH, manifest_mod.ROLE_ADDITIONAL,
        metadata={'contentType': 'application/json',
                  'description': 'VNF LCM operation occurrences of the '
                                 'VNF instance'}))
    return docs


class CollectDiagnostics(task.Task):
    """The diagnostics part (``diagnostics: true``) collected into the
    work directory (vnfsnap/conductor/diagnostics.py); provides [package
    path, file, metadata] of each item. Undo: the files go."""

    def __init__(self, info, work):
        super().__init__(name='collect-diagnostics', provides=_DIAGNOSTICS)
        self.info = info
        self.folder = os.path.join(work, 'diagnostics')

    def execute(self):
        shutil.rmtree(self.folder, ignore_errors=True)
        items = diagnostics.collect(self.info, self.folder)
        LOG.info('Collected %d diagnostics item(s) of VNF instance %s',
                 len(items), self.info.snapshot_vnf_instance_id)
        return items

    def revert(self, *args, **kwargs):
        shutil.rmtree(self.folder, ignore_errors=True)


def _diagnostics_artifacts(items):
    return [archive.FileArtifact(
        source=source, path=path, role=manifest_mod.ROLE_DIAGNOSTICS,
        metadata=metadata) for path, source, metadata in items or ()]


class ArchivePackage(task.Task):
    """The ZIP with its manifest (signed when [package] says so), written
    in one pass into the package store; provides the SOL005 checksum
    (SHA-256 of the stored bytes, taken while writing) and what was
    written. Undo: the stored content goes."""

    def __init__(self, info, exports, pkg_id, work, progress, base=None,
                 with_diagnostics=False):
        super().__init__(name='archive',
                         provides=(package_process.SHA256, _BUILT),
                         requires=['export-%d' % i for i, _ in exports]
                         + ([_DIAGNOSTICS] if with_diagnostics else []))
        self.info, self.exports, self.base = info, exports, base
        self.pkg_id, self.work, self.progress = pkg_id, work, progress

    def execute(self, **exported):
        artifacts = _documents(self.info)
        artifacts += _diagnostics_artifacts(exported.pop(_DIAGNOSTICS, None))
        for index, task_ in self.exports:
            artifacts += _artifacts(
                index, task_.folder, task_.row.id,
                exported['export-%d' % index], self.base,
                task_.base_row.id if task_.base_row is not None else None,
                task_.driver)
        with store.get_store().open_write(
                store.package_key(self.pkg_id), self.work) as out:
            built = archive.write(
                out, artifacts, self.info.snapshot_id,
                self.info.snapshot_vnf_instance_id, progress=self.progress,
                signer=signature.Signer.from_config())
        self.progress.flush()
        stored = out.result()
        record = next(a for a in artifacts
                      if a.role == manifest_mod.ROLE_RECORD)
        LOG.info('Built VNF snapshot package %s: %d bytes', self.pkg_id,
                 stored.size)
        return stored.sha256, _Built(built, stored.size, record.data())

    def revert(self, *args, **kwargs):
        store.delete_package(self.pkg_id)


class _Built:
    """What ArchivePackage hands to DescribeBuilt."""

    def __init__(self, built, size, record_bytes):
        self.built, self.size, self.record_bytes = built, size, record_bytes


class DescribeBuilt(task.Task):
    """The checks of package processing that need no content (limits,
    listing, manifest, signature against [package]'s policy, the record),
    run on what the build wrote, and the package's description: the
    build hashed every artifact as it wrote it, so nothing is read back
    (processing an uploaded package reads and extracts it all)."""

    def __init__(self):
        super().__init__(name='verify-package',
                         provides=package_process.VALUES,
                         rebind={'result': _BUILT})

    def execute(self, result):
        built = result.built
        manifest = verify.verify_written(
            built.infos, built.manifest_bytes, built.signature_bytes)
        record = contents.parse_record(result.record_bytes, manifest)
        values = contents.describe(built.min_disk, manifest, record)
        values['layout'] = package_process.layout_values(
            built.layout, result.size, manifest.signature)
        return values


def _rows(info, params):
    """The VNFC snapshot rows to package; refuses what cannot be."""
    if info.snapshot_id is None:
        raise exception.Conflict('VNF snapshot %s holds no VNF snapshot '
                                 'to package' % info.id)
    wanted = params.get('vnfcSnapshotsInfoIds')
    rows = [r for r in info.vnfc_snapshots
            if wanted is None or r.id in wanted]
    missing = set(wanted or ()) - {r.id for r in rows}
    if missing:
        raise exception.UnprocessableEntity(
            reason='VNF snapshot %s has no VNFC snapshot %s'
                   % (info.id, ', '.join(sorted(missing))))
    import_default = params.get('importSnapshotResource', True)
    override = set(params.get('overrideImportForVnfcSnapshotIds') or ())
    for row in rows:
        if import_default == (row.id in override):
            raise exception.VimCapabilityMissing(
                what='keep VNFC snapshot %s in the VIM as an external '
                     'artifact' % row.id,
                reason='an external artifact is fetched at extraction '
                       'with the BASIC or OAuth2 credentials of '
                       'ext_artifacts_access, which neither libvirt '
                       'disk files nor Glance (Keystone tokens) '
                       'accept; build with importSnapshotResource '
                       'true')
    return rows


def build(pkg, work, progress, host):
    """Return (flow, store) for a package BUILDING from a VNF snapshot."""
    params = pkg.operation_params
    info = db_api.get_vnf_snapshot_info(None, params['vnfSnapshotInfoId'])
    rows = _rows(info, params)
    drivers = common.Drivers(common.snapshot_vim_connection_info(info))
    base = None
    if params.get('basePackageId'):
        base = incremental.resolve_build_base(None, params['basePackageId'],
                                              info)
    exports = []
    for index, row in enumerate(rows):
        driver = drivers.for_resource(row.compute_snapshot_resource)
        base_row = base.row_for(row) if base is not None else None
        if base_row is not None and \
                not driver.capabilities().incremental_package:
            raise driver.refuse_delta(common.vnfc_snapshot_dict(row),
                                      common.vnfc_snapshot_dict(base_row))
        exports.append((index, ExportVnfcSnapshot(
            index, row, driver, work, progress, base_row=base_row)))
    LOG.info('Building VNF snapshot package %s from VNF snapshot %s: %d '
             'VNFC snapshot(s)%s', pkg.id, info.id, len(rows),
             ', relative to package %s' % base.pkg.id if base else '')
    flow = linear_flow.Flow('build-package-%s' % pkg.id)
    flow.add(*[export for _, export in exports])
    with_diagnostics = bool(params.get('diagnostics'))
    if with_diagnostics:
        flow.add(CollectDiagnostics(info, work))
    flow.add(ArchivePackage(info, exports, pkg.id, work, progress, base,
                            with_diagnostics),
             package_process.to_processing(pkg.id, host,
                                           states.PKG_BUILDING,
                                           content_received=True),
             DescribeBuilt(),
             package_process.MakeAvailable(pkg.id, host, work))
    return flow, {}
