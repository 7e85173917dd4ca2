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

"""The calls of the "VNF snapshot packages" panel (SOL005 VNF Snapshot
Package Management), one thin function per API request, so that the view
tests mock them.  The same requests as ``openstack vnf snapshot package
...``; the package content is only ever streamed through Django."""

from vnfsnapclient.v1 import vnf_snapshot_packages as client_packages

from vnfsnap_dashboard.api import vnfsnap

#: States in which a content operation runs and can be cancelled.
BUSY_STATES = client_packages.BUSY_STATES
#: States in which a package may be deleted (SOL005 11.4.3.3.5).
DELETABLE_STATES = frozenset(('CREATED', 'ERROR', 'AVAILABLE'))
#: States in which a package file may be uploaded into a package.
UPLOADABLE_STATES = frozenset(('CREATED', 'ERROR'))


class Package:
    """A VnfSnapshotPkgInfo with the attributes the panel shows (Horizon's
    tables and actions read attributes); ``info`` is the whole document."""

    def __init__(self, info):
        self.info = info
        self.id = info['id']
        self.name = info.get('name')
        self.state = info.get('state')
        self.is_cancel_pending = bool(info.get('isCancelPending'))
        self.created_at = info.get('createdAt')
        self.vnf_snapshot_id = info.get('vnfSnapshotId')
        self.is_full_snapshot = info.get('isFullSnapshot')
        self.checksum = (info.get('checksum') or {}).get('hash')
        self.checksum_algorithm = (info.get('checksum') or {}).get(
            'algorithm')
        self.signature = info.get('signature')
        self.progress = info.get('progress')
        failure = info.get('failureDetails') or {}
        self.error_type = failure.get('errorType')
        self.error_detail = (failure.get('details') or {}).get('detail')
        self.user_defined_data = info.get('userDefinedData') or {}
        self.artifacts = client_packages.artifacts(info)

    @property
    def size(self):
        """The bytes of the package's artifacts the package info lists a
        size for (its images and additional artifacts), or None."""
        sizes = [a['size'] for a in self.artifacts if a['size'] is not None]
        return sum(sizes) if sizes else None


def _packages(request):
    return vnfsnap.client(request).vnf_snapshot_packages


def package_list(request):
    """Every package of the user's project (SOL013 paging followed)."""
    return [Package(info) for info in _packages(request).list()]


def package_get(request, pkg_id):
    return Package(_packages(request).get(pkg_id))


def package_create(request, name):
    """A new, empty package (CREATED)."""
    return Package(_packages(request).create({'name': name}))


def package_build(request, pkg_id, vnf_snapshot_info_id):
    """Start building the package from a VNF snapshot (all its VNFC
    snapshots, images copied into the package)."""
    _packages(request).build(pkg_id,
                             {'vnfSnapshotInfoId': vnf_snapshot_info_id})


def package_upload(request, pkg_id, stream, size):
    """Stream ``stream`` (a file-like object read in chunks, e.g. the
    browser's request body) into the package, ``size`` bytes."""
    _packages(request).upload(pkg_id, stream, size=size)


def package_upload_from_uri(request, pkg_id, uri, username=None,
                            password=None):
    """Have vnfsnap fetch the package file from ``uri`` (with HTTP Basic
    credentials when a user name is given)."""
    body = {'addressInformation': uri}
    if username:
        body.update(authType='BASIC', paramsBasic={'userName': username,
                                                   'password': password})
    _packages(request).upload_from_uri(pkg_id, body)


def package_stream(request, pkg_id):
    """The package file as a vnfsnapclient http.Stream (chunks read from
    vnfsnap as they are iterated, ``size``)."""
    return _packages(request).stream(pkg_id)


def package_extract(request, pkg_id, vnf_instance_id):
    """Start extracting the package into a new VNF snapshot of the VNF
    instance; the identifier of that VNF snapshot (or None)."""
    location = _packages(request).extract(
        pkg_id, {'vnfInstanceId': vnf_instance_id})
    if not location:
        return None
    return location.rstrip('/').rsplit('/', 1)[-1]


def package_cancel(request, pkg_id):
    _packages(request).cancel(pkg_id)


def package_delete(request, pkg_id):
    _packages(request).delete(pkg_id)


def vnf_snapshot_list(request):
    """The project's VNF snapshots, for the build form's choice."""
    return list(vnfsnap.client(request).vnf_snapshots.list())


def vnf_instance_list(request):
    """The project's VNF instances, for the extract form's choice."""
    return list(vnfsnap.client(request).vnf_instances.list())
