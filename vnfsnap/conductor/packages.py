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

"""Content operations of VNF snapshot packages, run by a conductor.

GR NFV-TST 005 clauses 6.6-6.7 as SOL005 realises them: build a package
from a VNF snapshot, take in uploaded content (PUT, or from a URI), verify
it (PROCESSING), and extract it into a VNF snapshot the VIM can revert to.
The package row is the contract: the API moves it into BUILDING,
UPLOADING, PROCESSING or EXTRACTING and casts; the conductor that claims
it (compare-and-swap on ``host``) runs the operation and moves it on.
Everything works on files in a per-package work directory; no artifact is
ever held in memory.
"""

import datetime
import hashlib
import json
import os
import shutil

from oslo_log import log as logging
from oslo_utils import timeutils

from vnfsnap import store
from vnfsnap.common import exception
from vnfsnap.common import schemas
from vnfsnap.common import states
from vnfsnap.common import urlfetch
from vnfsnap.common import views
from vnfsnap.conductor.flows import common as flows_common
from vnfsnap.conductor.flows import revert_to_snapshot
import vnfsnap.conf
from vnfsnap.db import api as db_api
from vnfsnap.db import progress as progress_mod
from vnfsnap.package import archive
from vnfsnap.package import layout
from vnfsnap.package import manifest as manifest_mod
from vnfsnap.package import signature
from vnfsnap.package import verify

CONF = vnfsnap.conf.CONF
LOG = logging.getLogger(__name__)

RECORD_PATH = 'vnfsr/record.json'
VNFD_PATH = 'vnfd/vnfd.json'
OP_HISTORY_PATH = 'logs/vnf-lcm-op-occs.json'
MAX_RECORD_SIZE = 16 * 1024 * 1024
_CHUNK = 1024 * 1024


def _sha256_file(path, progress=None):
    digest = hashlib.sha256()
    done = 0
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(_CHUNK), b''):
            digest.update(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done)
    return digest.hexdigest()


def _present(entry):
    return {k: v for k, v in entry.items() if v is not None}


def _checksum(hex_digest):
    return {'algorithm': manifest_mod.CHECKSUM_ALGORITHM, 'hash': hex_digest}


def _read_record(root, manifest):
    """The VNF snapshot record of an extracted package, validated."""
    records = manifest.by_role(manifest_mod.ROLE_RECORD)
    path = os.path.join(root, records[0].path)
    with open(path, 'rb') as f:
        data = f.read(MAX_RECORD_SIZE + 1)
    if len(data) > MAX_RECORD_SIZE:
        raise exception.PackageInvalid(
            reason='the VNF snapshot record is larger than %d bytes'
            % MAX_RECORD_SIZE)
    try:
        record = json.loads(data)
    except (ValueError, RecursionError) as e:
        raise exception.PackageInvalid(reason='the VNF snapshot record is not '
                                       'valid JSON: %s' % e)
    error = schemas.first_error(schemas.VNF_SNAPSHOT, record)
    if error is not None:
        raise exception.PackageInvalid(reason='the VNF snapshot record is not '
                                       'a valid VnfSnapshot: %s' % error)
    if record['id'] != manifest.vnf_snapshot_id:
        raise exception.PackageInvalid(
            reason='the record is of VNF snapshot %s but the manifest says %s'
                   % (record['id'], manifest.vnf_snapshot_id))
    known = {v['id'] for v in record['vnfcSnapshots']}
    for artifact in manifest.artifacts:
        if (artifact.vnfc_snapshot_id is not None
                and artifact.vnfc_snapshot_id not in known):
            raise exception.PackageInvalid(
                reason='artifact %s belongs to VNFC snapshot %s, which the '
                       'record does not hold' % (artifact.path,
                                                 artifact.vnfc_snapshot_id))
    return record


def _image_min_disk(root, artifact):
    """Virtual size of a disk image artifact (SOL005 minDisk); for an
    external one, unknown until it is downloaded: its size."""
    path = os.path.join(root, artifact.path)
    if artifact.disk_format == 'QCOW2' and not artifact.external:
        with open(path, 'rb') as f:
            return verify.parse_qcow2_header(f, artifact.path).size
    return artifact.size


def describe(root, manifest, record):
    """The VnfSnapshotPkgInfo columns a verified package yields."""
    vnfcs = {v['id']: v for v in record['vnfcSnapshots']}
    images, additional, image_ids = [], [], set()
    for artifact in manifest.artifacts:
        if artifact.role == manifest_mod.ROLE_IMAGE:
            vnfc = vnfcs[artifact.vnfc_snapshot_id]
            image_id = artifact.storage_resource_id or vnfc['id']
            if image_id in image_ids:
                image_id = '%s-%s' % (image_id, os.path.basename(
                    artifact.path))
            image_ids.add(image_id)
            images.append(_present({
                'id': image_id,
                'name': os.path.basename(artifact.path),
                'checksum': _checksum(artifact.sha256),
                'isEncrypted': False,
                'vnfcInstanceId': vnfc['vnfcInstanceId'],
                'containerFormat': artifact.container_format,
                'diskFormat': artifact.disk_format,
                'createdAt': vnfc.get('creationFinishedAt') or vnfc[
                    'creationStartedAt'],
                'minDisk': _image_min_disk(root, artifact),
                'minRam': 0,
                'size': artifact.size,
                'userMetadata': dict(artifact.metadata or {},
                                     vnfcSnapshotInfoId=vnfc['id']),
                'imagePath': artifact.path,
                'imageUri': artifact.uri,
            }))
        elif artifact.role not in (manifest_mod.ROLE_RECORD,
                                   manifest_mod.ROLE_VNFD):
            metadata = dict(artifact.metadata or {}, role=artifact.role,
                            size=str(artifact.size))
            if artifact.vnfc_snapshot_id is not None:
                metadata['vnfcSnapshotInfoId'] = artifact.vnfc_snapshot_id
            additional.append(_present({
                'artifactPath': artifact.path, 'artifactUri': artifact.uri,
                'checksum': _checksum(artifact.sha256), 'isEncrypted': False,
                'metadata': metadata}))
    packaged = sorted({a.vnfc_snapshot_id for a in manifest.artifacts
                       if a.vnfc_snapshot_id is not None})
    record_artifact = manifest.by_role(manifest_mod.ROLE_RECORD)[0]
    vnfd = manifest.by_role(manifest_mod.ROLE_VNFD)
    return {
        'vnf_snapshot_pkg_unique_id': manifest.vnf_snapshot_pkg_unique_id,
        'packaged_at': datetime.datetime.fromisoformat(
            manifest.created_at.replace('Z', '+00:00')).replace(tzinfo=None),
        'vnf_snapshot_id': manifest.vnf_snapshot_id,
        'vnfc_snapshot_info_ids': packaged,
        'is_full_snapshot': set(packaged) == set(vnfcs),
        'vnfsr': {'recordPath': record_artifact.path,
                  'checksum': _checksum(record_artifact.sha256),
                  'isEncrypted': False},
        'vnfd_info': {'vnfdId': record['vnfdId'], 'vnfdPath': vnfd[0].path,
                      'checksum': _checksum(vnfd[0].sha256),
                      'isEncrypted': False} if vnfd else None,
        'vnfc_snapshot_images': images,
        'additional_artifacts': additional,
    }


class PackageRunner:
    """Runs the content operations of VNF snapshot packages."""

    def __init__(self, host):
        self.host = host

    # --- entry points -----------------------------------------------------

    def run(self, pkg_id):
        """Claim the package and run the operation its state asks for."""
        try:
            pkg = db_api.get_vnf_snapshot_pkg(None, pkg_id)
            handler = self._handler(pkg)
            if handler is None:
                LOG.info('VNF snapshot package %s is %s; nothing to run',
                         pkg_id, pkg.state)
                return
            pkg = db_api.update_vnf_snapshot_pkg(
                None, pkg_id, {'host': self.host}, from_states=(pkg.state,),
                task='Claim', expect_host=None)
        except (exception.InvalidPkgState,
                exception.VnfSnapshotPkgNotFound) as e:
            LOG.info('Not running VNF snapshot package %s: %s', pkg_id, e)
            return
        LOG.info('Running %s of VNF snapshot package %s (%s)',
                 pkg.operation, pkg.id, pkg.state)
        work = os.path.join(CONF.conductor.package_work_dir, pkg.id)
        try:
            shutil.rmtree(work, ignore_errors=True)
            os.makedirs(work, mode=0o700)
            handler(pkg, work, progress_mod.PackageProgress(pkg.id))
        except Exception as e:
            self._fail(pkg.id, e, owner=self.host)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def _handler(self, pkg):
        if pkg.state == states.PKG_BUILDING:
            return self._build
        if (pkg.state == states.PKG_UPLOADING
                and pkg.operation == states.PKG_OP_UPLOAD_FROM_URI):
            return self._upload_from_uri
        if pkg.state == states.PKG_PROCESSING:
            return self._process_stored
        if pkg.state == states.PKG_EXTRACTING:
            return self._extract
        return None     # UPLOADING by PUT: the API process streams it

    def unclaimed(self, min_age):
        """Packages waiting for a conductor for ``min_age`` seconds (their
        cast may have been lost)."""
        horizon = timeutils.utcnow() - datetime.timedelta(seconds=min_age)
        return [pkg.id for pkg in db_api.list_vnf_snapshot_pkgs(
            None, states_in=states.PKG_ACTIVE_STATES, host=None)
            if self._handler(pkg) is not None and pkg.updated_at <= horizon]

    def recover(self):
        """Fail what this conductor was running when it stopped: the work
        directory went with it, so the client starts the operation
        again (an extraction first removes what it had imported)."""
        for pkg in db_api.list_vnf_snapshot_pkgs(
                None, states_in=states.PKG_ACTIVE_STATES, host=self.host):
            LOG.warning('VNF snapshot package %s was %s when conductor %s '
                        'stopped; marking it failed', pkg.id, pkg.state,
                        self.host)
            self._fail(pkg.id, exception.VnfsnapException(
                'the conductor running this operation stopped before it '
                'finished; start the operation again'), owner=self.host)

    def fail_stalled_uploads(self):
        """An upload an API process streams stops moving when that process
        dies; after [conductor]package_upload_stall_timeout it fails."""
        horizon = timeutils.utcnow() - datetime.timedelta(
            seconds=CONF.conductor.package_upload_stall_timeout)
        for pkg in db_api.list_vnf_snapshot_pkgs(
                None, states_in=(states.PKG_UPLOADING,), host=None):
            if (pkg.operation == states.PKG_OP_UPLOAD
                    and pkg.updated_at < horizon):
                LOG.warning('Upload of VNF snapshot package %s made no '
                            'progress since %s; marking it ERROR', pkg.id,
                            pkg.updated_at)
                self._fail(pkg.id, exception.VnfsnapException(
                    'the upload made no progress for %d s (the API process '
                    'receiving it may have stopped); upload it again'
                    % CONF.conductor.package_upload_stall_timeout),
                    owner=None, from_states=(states.PKG_UPLOADING,),
                    if_updated_at=pkg.updated_at)

    # --- failure ------------------------------------------------------------

    def _fail(self, pkg_id, exc, owner, from_states=None,
              if_updated_at=None):
        """Move the package into ERROR (or ERROR_EXTRACTING) with
        failureDetails. A failed build or upload leaves no content."""
        pkg = db_api.get_vnf_snapshot_pkg(None, pkg_id)
        if isinstance(exc, exception.PackageOperationCancelled):
            error_type = states.CANCELLED
        elif pkg.state == states.PKG_PROCESSING:
            error_type = states.PROCESS_ERROR
        else:
            error_type = {
                states.PKG_OP_BUILD: states.BUILD_ERROR,
                states.PKG_OP_EXTRACT: states.EXTRACTION_ERROR,
            }.get(pkg.operation, states.UPLOAD_ERROR)
        if isinstance(exc, exception.VnfsnapException):
            LOG.warning('%s of VNF snapshot package %s failed: %s',
                        pkg.operation, pkg_id, exc)
        else:
            LOG.error('%s of VNF snapshot package %s failed unexpectedly',
                      pkg.operation, pkg_id, exc_info=exc)
        to_state = states.PKG_ERROR
        if pkg.operation == states.PKG_OP_EXTRACT:
            to_state = states.PKG_ERROR_EXTRACTING
        try:
            db_api.update_vnf_snapshot_pkg(
                None, pkg_id,
                {'state': to_state,
                 'failure_details': {'errorType': error_type,
                                     'details': views.problem(exc)}},
                from_states=from_states or states.PKG_ACTIVE_STATES,
                task='Fail', expect_host=owner, if_updated_at=if_updated_at)
        except exception.VnfsnapException as e:
            LOG.warning('Not marking VNF snapshot package %s failed: %s',
                        pkg_id, e)
            return
        if to_state == states.PKG_ERROR:
            store.delete_package(pkg_id)

    # --- build --------------------------------------------------------------

    def _build(self, pkg, work, progress):
        params = pkg.operation_params
        info = db_api.get_vnf_snapshot_info(None,
                                            params['vnfSnapshotInfoId'])
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
        artifacts = self._documents(info)
        drivers = flows_common.Drivers(
            flows_common.snapshot_vim_connection_info(info))
        import_default = params.get('importSnapshotResource', True)
        override = set(params.get('overrideImportForVnfcSnapshotIds') or ())
        for index, row in enumerate(rows):
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
            progress.check(0)
            artifacts += self._export(drivers, row, index, work)
        zip_path = os.path.join(work, 'package.zip')
        manifest = archive.build(
            zip_path, artifacts, info.snapshot_id,
            info.snapshot_vnf_instance_id, progress=progress,
            signer=signature.Signer.from_config())
        size = os.path.getsize(zip_path)
        progress.stage(manifest.total_size, manifest.total_size + size)
        stored = store.get_store().put_file(store.package_key(pkg.id),
                                            zip_path, progress=progress)
        LOG.info('Built VNF snapshot package %s from VNF snapshot %s: %d '
                 'VNFC snapshot(s), %d bytes', pkg.id, info.id, len(rows),
                 stored.size)
        pkg = db_api.update_vnf_snapshot_pkg(
            None, pkg.id, {'state': states.PKG_PROCESSING,
                           'content_received': True},
            from_states=(states.PKG_BUILDING,), task='Process',
            expect_host=self.host)
        self._process_file(pkg, zip_path, work, progress, stored.sha256)

    @staticmethod
    def _documents(info):
        """The VNF snapshot record, the VNFD and the VNF's LCM history
        (for root-cause analysis by whoever receives the package)."""
        docs = [archive.DocumentArtifact(
            views.vnf_snapshot(info, None), RECORD_PATH,
            manifest_mod.ROLE_RECORD)]
        vnfd = None
        if info.snapshot_vnf_instance_id:
            try:
                vnfd = db_api.get_vnf_instance(
                    None, info.snapshot_vnf_instance_id).vnfd
            except exception.VnfInstanceNotFound:
                pass
        if vnfd:
            docs.append(archive.DocumentArtifact(vnfd, VNFD_PATH,
                                                 manifest_mod.ROLE_VNFD))
        history = [views.vnf_lcm_op_occ(op, None) for op in
                   db_api.list_op_occs(info.project_id)
                   if op.vnf_instance_id == info.snapshot_vnf_instance_id]
        docs.append(archive.DocumentArtifact(
            history, OP_HISTORY_PATH, manifest_mod.ROLE_ADDITIONAL,
            metadata={'contentType': 'application/json',
                      'description': 'VNF LCM operation occurrences of the '
                                     'VNF instance'}))
        return docs

    @staticmethod
    def _export(drivers, row, index, work):
        """Export one VNFC snapshot from its VIM as package artifacts."""
        out = os.path.join(work, 'export', str(index))
        snap = revert_to_snapshot.vnfc_snapshot_dict(row)
        desc = drivers.for_resource(
            row.compute_snapshot_resource).export_vnfc_snapshot(snap, out)
        folder = 'images/vnfc-%d' % index
        common = {'powerState': desc['state'],
                  'quiesced': 'true' if desc.get('quiesced') else 'false'}
        arts = [archive.FileArtifact(
            source=os.path.join(out, disk['file']),
            path='%s/%s' % (folder, disk['file']),
            role=manifest_mod.ROLE_IMAGE, vnfc_snapshot_id=row.id,
            storage_resource_id=disk.get('storageResourceId'),
            disk_format=disk['diskFormat'].upper(),
            container_format=disk['containerFormat'].upper(),
            metadata=dict(common, target=disk['target']))
            for disk in desc['disks']]
        for key, role in (('memory', manifest_mod.ROLE_MEMORY),
                          ('domainXml', manifest_mod.ROLE_DOMAIN_XML)):
            if desc.get(key):
                arts.append(archive.FileArtifact(
                    source=os.path.join(out, desc[key]),
                    path='%s/%s' % (folder, desc[key]), role=role,
                    vnfc_snapshot_id=row.id, metadata=dict(common)))
        return arts

    # --- upload and processing -------------------------------------------

    def _upload_from_uri(self, pkg, work, progress):
        uri = pkg.operation_params['addressInformation']
        credentials = None
        if pkg.credentials:
            credentials = urlfetch.Credentials.from_dict(pkg.credentials)
        LOG.info('Uploading VNF snapshot package %s from %s', pkg.id, uri)
        with urlfetch.open_stream(
                uri, credentials=credentials,
                max_size=CONF.package_store.max_package_size) as reader:
            progress.stage(0, reader.length)
            stored = store.get_store().put_stream(
                store.package_key(pkg.id), reader, length=reader.length,
                progress=progress)
        pkg = db_api.update_vnf_snapshot_pkg(
            None, pkg.id, {'state': states.PKG_PROCESSING,
                           'credentials': None},
            from_states=(states.PKG_UPLOADING,), task='Process',
            expect_host=self.host)
        zip_path = self._fetch(pkg, work, progress)
        self._process_file(pkg, zip_path, work, progress, stored.sha256)

    def _process_stored(self, pkg, work, progress):
        self._process_file(pkg, self._fetch(pkg, work, progress), work,
                           progress)

    @staticmethod
    def _fetch(pkg, work, progress):
        """The stored package as a local file (ZIP needs random access)."""
        key = store.package_key(pkg.id)
        backend = store.get_store()
        progress.stage(0, backend.size(key))
        zip_path = os.path.join(work, 'package.zip')
        backend.get_to_file(key, zip_path, progress=progress)
        return zip_path

    def _process_file(self, pkg, zip_path, work, progress, sha256=None):
        """Verify everything (signature, members, images, checksums, the
        record) and make the package AVAILABLE."""
        size = os.path.getsize(zip_path)
        if sha256 is None:
            progress.stage(0, size)
            sha256 = _sha256_file(zip_path, progress)
        root = os.path.join(work, 'verify')
        manifest = verify.verify_package(zip_path)
        progress.stage(0, manifest.total_size)
        archive.extract(zip_path, root, progress=progress)
        record = _read_record(root, manifest)
        values = describe(root, manifest, record)
        status = manifest.signature
        values.update(checksum=_checksum(sha256),
                      layout=dict(layout.describe(zip_path, manifest),
                                  size=size, signature=_present({
                                      'signed': status.signed,
                                      'verified': status.verified,
                                      'signer': status.signer,
                                      'signerSha256': status.signer_sha256,
                                      'reason': status.reason})))
        shutil.rmtree(root, ignore_errors=True)
        db_api.update_vnf_snapshot_pkg(
            None, pkg.id, dict(values, state=states.PKG_AVAILABLE,
                               failure_details=None),
            from_states=(states.PKG_PROCESSING,), task='Complete',
            expect_host=self.host)
        LOG.info('VNF snapshot package %s is AVAILABLE (VNF snapshot %s, '
                 '%d bytes)', pkg.id, manifest.vnf_snapshot_id, size)

    # --- extraction -------------------------------------------------------

    def _extract(self, pkg, work, progress):
        params = pkg.operation_params
        info_id = params['vnfSnapshotInfoId']
        imported = []
        try:
            zip_path = self._fetch(pkg, work, progress)
            root = os.path.join(work, 'content')
            manifest = verify.verify_package(zip_path)
            progress.stage(0, manifest.total_size)
            archive.extract(zip_path, root, progress=progress)
            record = _read_record(root, manifest)
            instance = self._target_instance(pkg, params, record)
            rows = self._import(pkg, instance, record, manifest, root,
                                progress, imported)
            values, _ = views.vnf_snapshot_values(dict(
                record, vnfInstanceId=instance.id))
            values.update(vnf_snapshot_pkg_id=pkg.id,
                          taken_from=None)
            db_api.update_vnf_snapshot_info(
                None, info_id, values, vnfc_snapshots=rows,
                only_if_unreserved=False, only_if_empty=True)
        except Exception:
            self._undo_import(imported, pkg, info_id, params)
            raise
        db_api.update_vnf_snapshot_pkg(
            None, pkg.id, {'state': states.PKG_AVAILABLE,
                           'failure_details': None},
            from_states=(states.PKG_EXTRACTING,), task='Complete',
            expect_host=self.host)
        LOG.info('Extracted VNF snapshot package %s into VNF snapshot %s '
                 'of VNF instance %s', pkg.id, info_id, instance.id)

    @staticmethod
    def _target_instance(pkg, params, record):
        instance_id = params.get('vnfInstanceId') or record['vnfInstanceId']
        try:
            instance = db_api.get_vnf_instance(pkg.project_id, instance_id)
        except exception.VnfInstanceNotFound:
            raise exception.UnprocessableEntity(
                reason='VNF instance %s, which the package was taken from, '
                       'is not registered here; extract with vnfInstanceId '
                       'naming the VNF instance to extract for'
                       % instance_id)
        if instance.instantiation_state != states.INSTANTIATED:
            raise exception.VnfInstanceNotInstantiated(id=instance.id)
        return instance

    def _import(self, pkg, instance, record, manifest, root, progress,
                imported):
        """Register each packaged VNFC snapshot with the VNFC's VIM;
        return the VNFC snapshot rows of the new VNF snapshot."""
        vnfcs = {v.id: v for v in flows_common.resolve_vnfcs(instance)}
        drivers = flows_common.Drivers(instance.vim_connection_info)
        by_vnfc = {}
        for artifact in manifest.artifacts:
            if artifact.vnfc_snapshot_id is not None:
                by_vnfc.setdefault(artifact.vnfc_snapshot_id,
                                   []).append(artifact)
        rows = []
        for snap in record['vnfcSnapshots']:
            if snap['id'] not in by_vnfc:
                continue        # not in this (partial) package
            vnfc = vnfcs.get(snap['vnfcResourceInfoId'])
            if vnfc is None:
                raise exception.UnprocessableEntity(
                    reason='VNF instance %s has no VNFC %s for VNFC '
                           'snapshot %s' % (instance.id,
                                            snap['vnfcResourceInfoId'],
                                            snap['id']))
            progress.check()
            for artifact in by_vnfc[snap['id']]:
                if artifact.external:
                    self._download(pkg, artifact, root, progress)
            src = _vnfc_folder(root, len(rows), snap['id'],
                               by_vnfc[snap['id']])
            level = ((snap.get('computeSnapshotResource') or {}).get(
                'vimLevelAdditionalResourceInfo') or {}).get(
                    'additionalInfo', {}).get('consistencyLevel')
            driver = drivers.for_resource(vnfc.compute_resource)
            result = driver.import_vnfc_snapshot(vnfc, src,
                                                 consistency_level=level)
            row = {
                'id': snap['id'],
                'vnfc_instance_id': snap['vnfcInstanceId'],
                'vnfc_resource_info_id': snap['vnfcResourceInfoId'],
                'creation_started_at': views.parse_time(
                    snap['creationStartedAt']),
                'creation_finished_at': views.parse_time(
                    snap.get('creationFinishedAt')),
                'compute_snapshot_resource':
                    result.compute_snapshot_resource,
                'storage_snapshot_resources':
                    result.storage_snapshot_resources,
                'user_defined_data': snap.get('userDefinedData'),
                'consistency_level': result.consistency_level,
                'memory_captured': result.memory_captured,
                'vim_details': result.vim_details,
            }
            imported.append((driver, row))
            rows.append(row)
            LOG.info('Imported VNFC snapshot %s of package %s for VNFC %s',
                     snap['id'], pkg.id, vnfc.id)
        return rows

    @staticmethod
    def _download(pkg, artifact, root, progress):
        """Fetch an external artifact next to the extracted ones, through
        the package's ext_artifacts_access (override URI, credentials) and
        within [package_import]; it must match the manifest exactly."""
        access = {}
        if pkg.ext_artifacts_access:
            for entry in pkg.ext_artifacts_access.get('artifact', ()):
                if entry.get('artifactUri') == artifact.uri:
                    access = entry
        uri = access.get('overrideUri') or artifact.uri
        LOG.info('Downloading external artifact %s of VNF snapshot package '
                 '%s from %s', artifact.path, pkg.id, urlfetch.display(uri))
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
                reason='downloaded %d bytes with SHA-256 %s, the manifest '
                       'says %d bytes with %s' % (size, sha256, artifact.size,
                                                  artifact.sha256))
        if artifact.role == manifest_mod.ROLE_IMAGE:
            verify.check_image_file(path, artifact.disk_format,
                                    artifact.path)

    @staticmethod
    def _undo_import(imported, pkg, info_id, params):
        for driver, row in imported:
            try:
                driver.delete_vnfc_snapshot(row)
            except Exception:
                LOG.exception('Could not delete VNFC snapshot %s imported '
                              'by the failed extraction of package %s',
                              row['id'], pkg.id)
        if params.get('createdVnfSnapshotInfo'):
            try:
                db_api.delete_vnf_snapshot_info(None, info_id,
                                                reservation=pkg.id)
            except exception.VnfsnapException as e:
                LOG.warning('Could not delete VNF snapshot %s created for '
                            'the failed extraction of package %s: %s',
                            info_id, pkg.id, e)


def _vnfc_folder(root, index, vnfc_snapshot_id, artifacts):
    """A folder holding one VNFC snapshot's files and the description the
    VIM driver imports them by (see VimDriver.import_vnfc_snapshot)."""
    # Package paths never start with a dot, so this cannot collide.
    folder = os.path.join(root, '.vnfc', str(index))
    os.makedirs(folder)
    disks, memory, domain_xml, meta = [], None, None, {}
    for artifact in artifacts:
        name = os.path.basename(artifact.path)
        target = os.path.join(folder, name)
        if os.path.exists(target):
            raise exception.PackageInvalid(
                reason='VNFC snapshot %s has two artifacts named %s'
                       % (vnfc_snapshot_id, name))
        os.link(os.path.join(root, artifact.path), target)
        meta = artifact.metadata or meta
        if artifact.role == manifest_mod.ROLE_IMAGE:
            if not (artifact.metadata or {}).get('target'):
                raise exception.PackageInvalid(
                    reason='image %s has no metadata.target (the disk it '
                           'is of)' % artifact.path)
            disks.append({'target': artifact.metadata['target'],
                          'file': name,
                          'storageResourceId': artifact.storage_resource_id,
                          'diskFormat': artifact.disk_format.lower(),
                          'containerFormat':
                              artifact.container_format.lower()})
        elif artifact.role == manifest_mod.ROLE_MEMORY:
            memory = name
        elif artifact.role == manifest_mod.ROLE_DOMAIN_XML:
            domain_xml = name
    description = {'state': meta.get('powerState', 'running'),
                   'quiesced': meta.get('quiesced') == 'true',
                   'disks': disks, 'memory': memory,
                   'domainXml': domain_xml}
    with open(os.path.join(folder, 'vnfc-snapshot.json'), 'w') as f:
        json.dump(description, f)
    return folder
