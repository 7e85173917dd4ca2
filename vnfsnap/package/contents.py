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


"""What a VNF snapshot package holds beyond its manifest, as a conductor
reads and writes it: the VNF snapshot record (validated against the
manifest), the VnfSnapshotPkgInfo a verified package is described by, and
the folder a VIM driver imports one VNFC snapshot from."""

import datetime
import hashlib
import json
import os

from vnfsnap.common import exception
from vnfsnap.common import schemas
from vnfsnap.package import manifest as manifest_mod
from vnfsnap.package import verify

RECORD_PATH = 'vnfsr/record.json'
VNFD_PATH = 'vnfd/vnfd.json'
OP_HISTORY_PATH = 'logs/vnf-lcm-op-occs.json'
MAX_RECORD_SIZE = 16 * 1024 * 1024
# incremental.BASE_UNIQUE_ID (that module reads the database; this one
# does not).
BASE_UNIQUE_ID = 'incrementalBasePkgUniqueId'
_CHUNK = 1024 * 1024


def sha256_file(path, progress=None):
    digest = hashlib.sha256()
    done = 0
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(_CHUNK), b''):
            digest.update(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done)
    return digest.hexdigest()


def present(entry):
    return {k: v for k, v in entry.items() if v is not None}


def checksum(hex_digest):
    return {'algorithm': manifest_mod.CHECKSUM_ALGORITHM, 'hash': hex_digest}


def read_record(root, manifest):
    """The VNF snapshot record of an extracted package, validated."""
    records = manifest.by_role(manifest_mod.ROLE_RECORD)
    path = os.path.join(root, records[0].path)
    with open(path, 'rb') as f:
        return parse_record(f.read(MAX_RECORD_SIZE + 1), manifest)


def parse_record(data, manifest):
    """The VNF snapshot record ``data`` (its bytes), validated against
    ``manifest`` as read_record does."""
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
    external one, unknown until it is downloaded: its size. ``root`` is
    the extracted package, or a mapping of image path to virtual size
    (what a build learnt inspecting its sources)."""
    if not isinstance(root, str):
        return root.get(artifact.path, artifact.size)
    path = os.path.join(root, artifact.path)
    if artifact.disk_format == 'QCOW2' and not artifact.external:
        with open(path, 'rb') as f:
            return verify.check_image(f, artifact.disk_format,
                                      artifact.path).virtual_size
    return artifact.size


def describe(root, manifest, record):
    """The VnfSnapshotPkgInfo columns a verified package yields; ``root``
    as for _image_min_disk."""
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
            images.append(present({
                'id': image_id,
                'name': os.path.basename(artifact.path),
                'checksum': checksum(artifact.sha256),
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
            additional.append(present({
                'artifactPath': artifact.path, 'artifactUri': artifact.uri,
                'checksum': checksum(artifact.sha256), 'isEncrypted': False,
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
                  'checksum': checksum(record_artifact.sha256),
                  'isEncrypted': False},
        'vnfd_info': {'vnfdId': record['vnfdId'], 'vnfdPath': vnfd[0].path,
                      'checksum': checksum(vnfd[0].sha256),
                      'isEncrypted': False} if vnfd else None,
        'vnfc_snapshot_images': images,
        'additional_artifacts': additional,
    }


def vnfc_folder(root, index, vnfc_snapshot_id, artifacts, bases=None):
    """A folder holding one VNFC snapshot's files and the description the
    VIM driver imports them by (see VimDriver.import_vnfc_snapshot).
    ``bases``: {path of a delta image: its full base image file}, for an
    incremental package; linked in as ``base-<name>`` (its ``baseFile``).
    """
    bases = bases or {}
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
            disk = {'target': artifact.metadata['target'], 'file': name,
                    'storageResourceId': artifact.storage_resource_id,
                    'diskFormat': artifact.disk_format.lower(),
                    'containerFormat': artifact.container_format.lower()}
            if artifact.metadata.get(BASE_UNIQUE_ID):
                if artifact.path not in bases:
                    raise exception.PackageInvalid(
                        reason='image %s is a delta and its base image was '
                               'not given' % artifact.path)
                disk['baseFile'] = 'base-' + name
                os.link(bases[artifact.path],
                        os.path.join(folder, disk['baseFile']))
            disks.append(disk)
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
