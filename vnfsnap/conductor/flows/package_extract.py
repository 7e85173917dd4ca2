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

"""Extract a VNF snapshot package (GR NFV-TST 005 clauses 6.6.3, 6.7.2)
into a VNF snapshot, as a taskflow flow.

The stored package is verified again and unpacked (an incremental one
also has the base images its deltas apply to read out of its stored base
package); each packaged VNFC snapshot is registered with the VIM of the
VNFC it is for (external artifacts downloaded first, through
ext_artifacts_access; undo: the VIM resources are deleted); the VNF
snapshot is recorded (undo: its row is put back as it was) and the
package is AVAILABLE again. A VnfSnapshotInfo
the request created for the extraction goes when the extraction fails.

Crash safety: before each import the conductor records (pkg_vim_resources)
the name the VIM resources will get, and after it what was made; the
record is handed over to the VNF snapshot in the transaction that fills
it. A failed extraction deletes what is recorded; so does the resume of an
extraction whose conductor died (:func:`resume`), before running it again.
"""

import hashlib
import os
import shutil
import zipfile
import zlib

from oslo_log import log as logging
from oslo_utils import uuidutils
from taskflow import task
from taskflow.patterns import linear_flow

from vnfsnap import store
from vnfsnap.common import exception
from vnfsnap.common import states
from vnfsnap.common import urlfetch
from vnfsnap.common import views
from vnfsnap.conductor.flows import common
from vnfsnap.conductor.flows import faults
from vnfsnap.conductor.flows import package_process
from vnfsnap.db import api as db_api
from vnfsnap.package import archive
from vnfsnap.package import contents
from vnfsnap.package import incremental
from vnfsnap.package import manifest as manifest_mod
from vnfsnap.package import verify

LOG = logging.getLogger(__name__)

ROOT = 'package-root'
RECORD = 'package-record'
ARTIFACTS = 'package-artifacts'
INSTANCE = 'target-instance-id'
BASES = 'base-images'
_CHUNK = 1024 * 1024


class TargetSnapshot(task.Task):
    """The VnfSnapshotInfo the extraction fills is there and empty; undo:
    the one the request created for the extraction goes."""

    def __init__(self, pkg_id, info_id, created):
        super().__init__(name='target-snapshot')
        self.pkg_id, self.info_id, self.created = pkg_id, info_id, created

    def execute(self):
        info = db_api.get_vnf_snapshot_info(None, self.info_id)
        if info.snapshot_id is not None:
            raise exception.VnfSnapshotAlreadyFilled(id=self.info_id)

    def revert(self, *args, **kwargs):
        if self.created:
            common.undo('delete VNF snapshot %s created for the failed '
                        'extraction of package %s' % (self.info_id,
                                                      self.pkg_id),
                        db_api.delete_vnf_snapshot_info, None, self.info_id,
                        self.pkg_id)


class UnpackPackage(task.Task):
    """Verify the stored package again and unpack it; it must hold the
    VNFC snapshots its processing recorded. Undo: the files go."""

    def __init__(self, pkg, work, progress):
        super().__init__(name='unpack-package',
                         provides=(ROOT, RECORD, ARTIFACTS),
                         rebind={'zip_path': package_process.ZIP})
        self.pkg, self.progress = pkg, progress
        self.root = os.path.join(work, 'content')

    def execute(self, zip_path):
        manifest = verify.verify_package(zip_path)
        self.progress.stage(0, manifest.total_size)
        archive.extract(zip_path, self.root, progress=self.progress)
        record = contents.read_record(self.root, manifest)
        by_vnfc = {}
        for artifact in manifest.artifacts:
            if artifact.vnfc_snapshot_id is not None:
                by_vnfc.setdefault(artifact.vnfc_snapshot_id,
                                   []).append(artifact.to_dict())
        if sorted(by_vnfc) != sorted(self.pkg.vnfc_snapshot_info_ids or ()):
            raise exception.PackageInvalid(
                reason='the stored package holds VNFC snapshots %s, not '
                       'the %s it held when it was processed'
                       % (sorted(by_vnfc), self.pkg.vnfc_snapshot_info_ids))
        return self.root, record, by_vnfc

    def revert(self, *args, **kwargs):
        shutil.rmtree(self.root, ignore_errors=True)


class FetchBaseImages(task.Task):
    """For an incremental package, the base package's images its deltas
    apply to, read out of the stored base package (only those members,
    by their byte ranges) and checked against the SHA-256 the delta
    names; provides {delta artifact path: base image file}. Undo: the
    files go."""

    def __init__(self, pkg, work, progress):
        super().__init__(name='fetch-base-images', provides=BASES,
                         rebind={'artifacts': ARTIFACTS})
        self.pkg, self.progress = pkg, progress
        self.folder = os.path.join(work, 'base')

    def execute(self, artifacts):
        deltas = [manifest_mod.Artifact.from_dict(a)
                  for arts in artifacts.values() for a in arts
                  if (a.get('metadata') or {}).get(
                      incremental.BASE_UNIQUE_ID)]
        if not deltas:
            return {}
        base = incremental.find_extract_base(None, self.pkg)
        members = (base.layout or {}).get('members') or {}
        formats = {img.get('imagePath'): img.get('diskFormat')
                   for img in base.vnfc_snapshot_images or ()}
        os.makedirs(self.folder, exist_ok=True)
        bases = {}
        for n, delta in enumerate(deltas):
            path = delta.metadata[incremental.BASE_PATH]
            member = members.get(path)
            if member is None or path not in formats:
                raise exception.PackageInvalid(
                    reason='delta %s applies to %s, which base package %s '
                           'does not hold as an image'
                           % (delta.path, path, base.id))
            dest = os.path.join(self.folder, '%d.img' % n)
            self.progress.check()
            sha256 = _copy_member(store.package_key(base.id), member, dest)
            if sha256 != delta.metadata[incremental.BASE_SHA256]:
                raise exception.ChecksumMismatch(
                    path=path,
                    reason='base package %s holds it with SHA-256 %s, delta '
                           '%s was made against %s'
                           % (base.id, sha256, delta.path,
                              delta.metadata[incremental.BASE_SHA256]))
            verify.check_image_file(dest, formats[path], path)
            bases[delta.path] = dest
        LOG.info('Package %s is incremental: read %d base image(s) of '
                 'package %s', self.pkg.id, len(bases), base.id)
        return bases

    def revert(self, *args, **kwargs):
        shutil.rmtree(self.folder, ignore_errors=True)


def _copy_member(key, member, dest):
    """Write the uncompressed bytes of a stored package's ZIP member into
    ``dest``; returns their SHA-256."""
    backend = store.get_store()
    start = member['offset']
    if member['compressType'] == zipfile.ZIP_STORED:
        chunks = backend.iter_range(key, start, start + member['size'])
        inflate = None
    elif member['compressType'] == zipfile.ZIP_DEFLATED:
        chunks = backend.iter_range(key, start,
                                    start + member['compressedSize'])
        inflate = zlib.decompressobj(-zlib.MAX_WBITS)
    else:
        raise exception.PackageInvalid(
            reason='a member uses ZIP compression method %s'
                   % member['compressType'])
    digest = hashlib.sha256()
    with open(dest, 'wb') as out:
        for chunk in chunks:
            if inflate is not None:
                chunk = inflate.decompress(chunk)
            digest.update(chunk)
            out.write(chunk)
        if inflate is not None:
            tail = inflate.flush()
            digest.update(tail)
            out.write(tail)
    return digest.hexdigest()


class ResolveTarget(task.Task):
    """The VNF instance whose VNFCs the snapshots are registered for."""

    def __init__(self, pkg):
        super().__init__(name='resolve-target', provides=INSTANCE,
                         rebind={'record': RECORD})
        self.pkg = pkg

    def execute(self, record):
        params = self.pkg.operation_params
        instance_id = params.get('vnfInstanceId') or record['vnfInstanceId']
        try:
            instance = db_api.get_vnf_instance(self.pkg.project_id,
                                               instance_id)
        except exception.VnfInstanceNotFound:
            raise exception.UnprocessableEntity(
                reason='VNF instance %s, which the package was taken from, '
                       'is not registered here; extract with vnfInstanceId '
                       'naming the VNF instance to extract for'
                       % instance_id)
        if instance.instantiation_state != states.INSTANTIATED:
            raise exception.VnfInstanceNotInstantiated(id=instance.id)
        return instance.id


def _vnfc_and_driver(instance_id, vnfc_resource_info_id):
    instance = db_api.get_vnf_instance(None, instance_id)
    vnfc = next((v for v in common.resolve_vnfcs(instance)
                 if v.id == vnfc_resource_info_id), None)
    if vnfc is None:
        return None, None
    drivers = common.Drivers(instance.vim_connection_info)
    return vnfc, drivers.for_resource(vnfc.compute_resource)


class ImportVnfcSnapshot(task.Task):
    """Register one packaged VNFC snapshot with its VNFC's VIM; provides
    its VNFC snapshot row. Undo: the VIM resources go."""

    def __init__(self, index, vnfc_snapshot_id, pkg, progress):
        super().__init__(name='import-%s' % vnfc_snapshot_id,
                         provides='imported-%s' % vnfc_snapshot_id,
                         rebind={'root': ROOT, 'record': RECORD,
                                 'artifacts': ARTIFACTS,
                                 'instance_id': INSTANCE, 'bases': BASES})
        self.index, self.snap_id = index, vnfc_snapshot_id
        self.pkg, self.progress = pkg, progress

    def execute(self, root, record, artifacts, instance_id, bases):
        snap = next(s for s in record['vnfcSnapshots']
                    if s['id'] == self.snap_id)
        vnfc, driver = _vnfc_and_driver(instance_id,
                                        snap['vnfcResourceInfoId'])
        if vnfc is None:
            raise exception.UnprocessableEntity(
                reason='VNF instance %s has no VNFC %s for VNFC snapshot %s'
                       % (instance_id, snap['vnfcResourceInfoId'],
                          snap['id']))
        self.progress.check()
        mine = [manifest_mod.Artifact.from_dict(a)
                for a in artifacts[self.snap_id]]
        for artifact in mine:
            if artifact.external:
                _download(self.pkg, artifact, root, self.progress)
        mine_bases = {a.path: bases[a.path] for a in mine
                      if a.path in bases}
        if mine_bases and not driver.capabilities(vnfc).incremental_package:
            raise exception.VimCapabilityMissing(
                what='import VNFC snapshot %s of an incremental package'
                     % self.snap_id, reason=driver.delta_refusal)
        src = contents.vnfc_folder(root, self.index, self.snap_id, mine,
                                   mine_bases)
        level = ((snap.get('computeSnapshotResource') or {}).get(
            'vimLevelAdditionalResourceInfo') or {}).get(
                'additionalInfo', {}).get('consistencyLevel')
        entry = {'instance_id': instance_id, 'vnfc_resource_info_id':
                 vnfc.id, 'name': 'vnfsnap-import-%s'
                 % uuidutils.generate_uuid(), 'imported': None}
        db_api.set_pkg_vim_resource(self.pkg.id, self.snap_id, entry)
        result = driver.import_vnfc_snapshot(vnfc, src,
                                             consistency_level=level,
                                             name=entry['name'])
        faults.point('imported-%s' % self.snap_id)
        db_api.set_pkg_vim_resource(self.pkg.id, self.snap_id, dict(
            entry, imported={
                'id': snap['id'],
                'compute_snapshot_resource':
                    result.compute_snapshot_resource,
                'storage_snapshot_resources':
                    result.storage_snapshot_resources,
                'vim_details': result.vim_details}))
        LOG.info('Imported VNFC snapshot %s of package %s for VNFC %s',
                 snap['id'], self.pkg.id, vnfc.id)
        return {
            'id': snap['id'],
            'vnfc_instance_id': snap['vnfcInstanceId'],
            'vnfc_resource_info_id': snap['vnfcResourceInfoId'],
            'creation_started_at': views.parse_time(
                snap['creationStartedAt']),
            'creation_finished_at': views.parse_time(
                snap.get('creationFinishedAt')),
            'compute_snapshot_resource': result.compute_snapshot_resource,
            'storage_snapshot_resources': result.storage_snapshot_resources,
            'user_defined_data': snap.get('userDefinedData'),
            'consistency_level': result.consistency_level,
            'memory_captured': result.memory_captured,
            'vim_details': result.vim_details,
        }

    def revert(self, result, instance_id, *args, **kwargs):
        if self.snap_id in db_api.list_pkg_vim_resources(self.pkg.id):
            discard_imported(self.pkg.id, self.snap_id)
        elif isinstance(result, dict):
            # Handed over, then the VNF snapshot was put back as it was.
            common.undo('delete VNFC snapshot %s imported by the failed '
                        'extraction of package %s' % (result['id'],
                                                      self.pkg.id),
                        _delete_imported, instance_id, result)


def _delete_imported(instance_id, row):
    """Delete an imported VNFC snapshot on the VIM connection it was
    imported on (the VNF instance may have changed, or gone, since)."""
    instance = db_api.get_vnf_instance(None, instance_id)
    common.Drivers(instance.vim_connection_info).for_resource(
        row['compute_snapshot_resource']).delete_vnfc_snapshot(row)


def _discard(entry):
    """Delete what one recorded import made; False when its VIM cannot
    find an unfinished import by name."""
    if entry.get('imported'):
        _delete_imported(entry['instance_id'], entry['imported'])
        return True
    vnfc, driver = _vnfc_and_driver(entry['instance_id'],
                                    entry['vnfc_resource_info_id'])
    return vnfc is not None and driver.discard_import(vnfc, entry['name'])


def discard_imported(pkg_id, key=None):
    """Delete the VIM resources the package's extraction recorded (those
    of VNFC snapshot ``key``, or all) and not handed over; each record
    goes once its resources did. Returns the names of the imports left
    for an operator (logged)."""
    left = []
    for snap_id, entry in sorted(
            db_api.list_pkg_vim_resources(pkg_id).items()):
        if key is not None and snap_id != key:
            continue
        if common.undo('delete the VIM resources named %s that the '
                       'extraction of package %s imported for VNFC '
                       'snapshot %s' % (entry['name'], pkg_id, snap_id),
                       _require, _discard, entry):
            db_api.remove_pkg_vim_resources(pkg_id, snap_id)
        else:
            LOG.error('The VIM resources named %s, imported for VNFC %s of '
                      'VNF instance %s by the extraction of package %s, '
                      'are left; delete them by hand', entry['name'],
                      entry['vnfc_resource_info_id'], entry['instance_id'],
                      pkg_id)
            left.append(entry['name'])
    return left


def _require(func, *args):
    if not func(*args):
        raise exception.VnfsnapException('this VIM cannot find them')


def _download(pkg, artifact, root, progress):
    """Fetch an external artifact next to the extracted ones, through the
    package's ext_artifacts_access (override URI, credentials) and within
    [package_import]; it must match the manifest exactly."""
    access = {}
    if pkg.ext_artifacts_access:
        for entry in pkg.ext_artifacts_access.get('artifact', ()):
            if entry.get('artifactUri') == artifact.uri:
                access = entry
    uri = access.get('overrideUri') or artifact.uri
    LOG.info('Downloading external artifact %s of VNF snapshot package %s '
             'from %s', artifact.path, pkg.id, urlfetch.display(uri))
    path = os.path.join(root, artifact.path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    progress.stage(0, artifact.size)
    size, sha256 = urlfetch.fetch_to_file(
        uri, path, credentials=urlfetch.Credentials.from_request(access),
        progress=progress, max_size=artifact.size)
    if (size, sha256) != (artifact.size, artifact.sha256):
        os.unlink(path)
        raise exception.ChecksumMismatch(
            path=artifact.path,
            reason='downloaded %d bytes with SHA-256 %s, the manifest says '
                   '%d bytes with %s' % (size, sha256, artifact.size,
                                         artifact.sha256))
    if artifact.role == manifest_mod.ROLE_IMAGE:
        verify.check_image_file(path, artifact.disk_format, artifact.path)


class RecordExtracted(task.Task):
    """Fill the VnfSnapshotInfo with the VNF snapshot of the package and
    the VNFC snapshots just registered; undo: its columns are put back."""

    def __init__(self, pkg, info_id, vnfc_snapshot_ids):
        super().__init__(name='record-vnf-snapshot',
                         requires=['imported-%s' % i
                                   for i in vnfc_snapshot_ids],
                         rebind={'record': RECORD, 'instance_id': INSTANCE})
        self.pkg, self.info_id = pkg, info_id

    def execute(self, record, instance_id, **imported):
        values, _ = views.vnf_snapshot_values(dict(
            record, vnfInstanceId=instance_id))
        values.update(vnf_snapshot_pkg_id=self.pkg.id, taken_from=None)
        rows = [imported['imported-%s' % s['id']]
                for s in record['vnfcSnapshots']
                if 'imported-%s' % s['id'] in imported]
        before = db_api.get_vnf_snapshot_info(None, self.info_id)
        previous = {k: getattr(before, k) for k in values}
        db_api.update_vnf_snapshot_info(
            None, self.info_id, values, vnfc_snapshots=rows,
            only_if_unreserved=False, only_if_empty=True,
            hand_over_pkg=self.pkg.id)
        LOG.info('Extracted VNF snapshot package %s into VNF snapshot %s of '
                 'VNF instance %s', self.pkg.id, self.info_id, instance_id)
        return previous

    def revert(self, result, *args, **kwargs):
        if isinstance(result, dict):
            common.undo('put VNF snapshot %s back as it was before the '
                        'failed extraction of package %s' % (self.info_id,
                                                             self.pkg.id),
                        db_api.update_vnf_snapshot_info, None, self.info_id,
                        result, [], False)


def build(pkg, work, progress, host):
    """Return (flow, store) for a package EXTRACTING into a VNF
    snapshot."""
    params = pkg.operation_params
    info_id = params['vnfSnapshotInfoId']
    ids = sorted(pkg.vnfc_snapshot_info_ids or ())
    flow = linear_flow.Flow('extract-package-%s' % pkg.id)
    flow.add(TargetSnapshot(pkg.id, info_id,
                            bool(params.get('createdVnfSnapshotInfo'))),
             package_process.FetchPackage(pkg.id, work, progress),
             UnpackPackage(pkg, work, progress),
             FetchBaseImages(pkg, work, progress),
             ResolveTarget(pkg))
    flow.add(*[ImportVnfcSnapshot(index, snap_id, pkg, progress)
               for index, snap_id in enumerate(ids)])
    flow.add(RecordExtracted(pkg, info_id, ids),
             _make_available(pkg, host, work))
    return flow, {}


def _make_available(pkg, host, work):
    return package_process.ChangeState(
        'make-available', 'Complete', pkg.id, host, states.PKG_EXTRACTING,
        {'state': states.PKG_AVAILABLE, 'failure_details': None}, work=work)


def resume(pkg, host, why):
    """The flow builder that resumes an extraction whose conductor died,
    once what its run imported and did not hand over is deleted; a
    recorded VNF snapshot only needs the package made AVAILABLE."""
    info_id = pkg.operation_params['vnfSnapshotInfoId']
    try:
        info = db_api.get_vnf_snapshot_info(None, info_id)
    except exception.VnfSnapshotInfoNotFound:
        info = None
    if (info is not None and info.snapshot_id is not None
            and info.vnf_snapshot_pkg_id == pkg.id):
        LOG.info('Extraction of package %s had recorded VNF snapshot %s; '
                 'completing it', pkg.id, info_id)
        return _complete
    left = discard_imported(pkg.id)
    if left:
        raise exception.PackageJobInterrupted(
            why=why, reason='the VIM resources named %s that it imported '
                            'could not be deleted (see the conductor log); '
                            'delete them, then extract again'
                            % ', '.join(left))
    return build


def abandon(pkg):
    """An extraction that cannot be resumed fails as a failed run does:
    what it imported and did not hand over is deleted, and the
    VnfSnapshotInfo its request created goes too, while empty (once
    filled, it owns the imported VNFC snapshots)."""
    discard_imported(pkg.id)
    params = pkg.operation_params
    try:
        info = db_api.get_vnf_snapshot_info(None,
                                            params['vnfSnapshotInfoId'])
    except exception.VnfSnapshotInfoNotFound:
        return
    if params.get('createdVnfSnapshotInfo') and info.snapshot_id is None:
        common.undo('delete VNF snapshot %s created for the interrupted '
                    'extraction of package %s' % (
                        params['vnfSnapshotInfoId'], pkg.id),
                    db_api.delete_vnf_snapshot_info, None,
                    params['vnfSnapshotInfoId'], pkg.id)


def _complete(pkg, work, progress, host):
    """(flow, store) that only makes an extracted package AVAILABLE."""
    flow = linear_flow.Flow('complete-extraction-%s' % pkg.id)
    flow.add(_make_available(pkg, host, work))
    return flow, {}
