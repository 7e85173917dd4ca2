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

"""Incremental packages: a package built relative to a base package (see
doc/source/user/package-format.rst, "Incremental packages").

An image artifact holding a delta names its base in its manifest
metadata; the API (at the request) and the conductor (in the flow) find
the base with the same rules, here, so both refuse with the same
reasons.
"""

import dataclasses

from vnfsnap.common import exception
from vnfsnap.common import states
from vnfsnap.db import api as db_api
from vnfsnap.package import contents

BASE_UNIQUE_ID = contents.BASE_UNIQUE_ID
BASE_CHECKSUM = 'incrementalBaseChecksum'
BASE_PATH = 'incrementalBasePath'
BASE_SHA256 = 'incrementalBaseSha256'
# States in which a package's stored content can be read as a base.
_READABLE = (states.PKG_AVAILABLE, states.PKG_EXTRACTING)


def _refuse(reason):
    return exception.UnprocessableEntity(reason=reason)


def base_of(pkg):
    """(unique id, checksum) of the package's base, or None when it is
    a full package."""
    named = {((img.get('userMetadata') or {}).get(BASE_UNIQUE_ID),
              (img.get('userMetadata') or {}).get(BASE_CHECKSUM))
             for img in pkg.vnfc_snapshot_images or ()}
    named.discard((None, None))
    if not named:
        return None
    if len(named) > 1:
        raise exception.PackageInvalid(
            reason='its images name %d different base packages; an '
                   'incremental package has one' % len(named))
    return named.pop()


@dataclasses.dataclass
class BuildBase:
    """The base package of a build, and the VNF snapshot whose VNFC
    snapshots the deltas are made against."""

    pkg: object
    info: object

    def row_for(self, row):
        """The base's VNFC snapshot of the same VNFC as ``row`` (None:
        the VNFC is new since, its disks are packaged in full)."""
        packaged = set(self.pkg.vnfc_snapshot_info_ids or ())
        return next((r for r in self.info.vnfc_snapshots
                     if r.vnfc_resource_info_id == row.vnfc_resource_info_id
                     and r.id in packaged), None)

    def metadata(self, base_row_id, target):
        """The manifest metadata of the delta of disk ``target`` against
        the base package's image of VNFC snapshot ``base_row_id``."""
        image = next(
            (img for img in self.pkg.vnfc_snapshot_images or ()
             if (img.get('userMetadata') or {}).get(
                 'vnfcSnapshotInfoId') == base_row_id
             and img['userMetadata'].get('target') == target), None)
        if image is None or not image.get('imagePath'):
            raise exception.UnprocessableEntity(
                reason='base package %s holds no image of disk %s of VNFC '
                       'snapshot %s to make a delta against'
                       % (self.pkg.id, target, base_row_id))
        return {BASE_UNIQUE_ID: self.pkg.vnf_snapshot_pkg_unique_id,
                BASE_CHECKSUM: self.pkg.checksum['hash'],
                BASE_PATH: image['imagePath'],
                BASE_SHA256: image['checksum']['hash']}


def resolve_build_base(project_id, base_pkg_id, info):
    """The base of a build of VNF snapshot ``info`` relative to package
    ``base_pkg_id``; UnprocessableEntity (422) with the reason when it
    cannot be one."""
    try:
        pkg = db_api.get_vnf_snapshot_pkg(project_id, base_pkg_id)
    except exception.VnfSnapshotPkgNotFound:
        raise _refuse('basePackageId: VNF snapshot package %s does not '
                      'exist' % base_pkg_id)
    if pkg.state != states.PKG_AVAILABLE or not pkg.checksum:
        raise _refuse('basePackageId: VNF snapshot package %s is %s, not '
                      'AVAILABLE' % (pkg.id, pkg.state))
    if base_of(pkg) is not None:
        raise _refuse('basePackageId: VNF snapshot package %s is itself '
                      'incremental; a base must be a full package (chains '
                      'are one level deep)' % pkg.id)
    base_info = None
    info_id = (pkg.operation_params or {}).get('vnfSnapshotInfoId')
    if info_id:
        try:
            base_info = db_api.get_vnf_snapshot_info(project_id, info_id)
        except exception.VnfSnapshotInfoNotFound:
            pass
    if base_info is None or base_info.snapshot_id != pkg.vnf_snapshot_id:
        raise _refuse('basePackageId: the VNF snapshot %s that package %s '
                      'holds is no longer here; a delta is made against '
                      'its VNFC snapshots, so build a full package'
                      % (pkg.vnf_snapshot_id, pkg.id))
    if base_info.snapshot_vnf_instance_id != info.snapshot_vnf_instance_id:
        raise _refuse('basePackageId: package %s is of VNF instance %s, VNF '
                      'snapshot %s of VNF instance %s'
                      % (pkg.id, base_info.snapshot_vnf_instance_id,
                         info.id, info.snapshot_vnf_instance_id))
    return BuildBase(pkg, base_info)


def find_extract_base(project_id, pkg):
    """The package an incremental ``pkg`` needs for its extraction (None
    for a full package): onboarded, with the content its images name.
    UnprocessableEntity (422) when there is none."""
    named = base_of(pkg)
    if named is None:
        return None
    unique_id, checksum = named
    same = [p for p in db_api.list_vnf_snapshot_pkgs(project_id)
            if p.vnf_snapshot_pkg_unique_id == unique_id and p.id != pkg.id]
    if not same:
        raise _refuse('package %s is incremental: its base package (%s %s) '
                      'is not onboarded here; upload the base package '
                      'first' % (pkg.id, 'vnfSnapshotPkgUniqueId', unique_id))
    matching = [p for p in same if (p.checksum or {}).get('hash') == checksum]
    if not matching:
        raise _refuse('package %s is incremental: its base package %s has '
                      'another checksum than the one it was built against '
                      '(%s)' % (pkg.id, ', '.join(p.id for p in same),
                                checksum))
    readable = [p for p in matching if p.state in _READABLE]
    if not readable:
        raise _refuse('package %s is incremental: its base package %s is '
                      '%s, not AVAILABLE' % (pkg.id, matching[0].id,
                                             matching[0].state))
    return readable[0]
