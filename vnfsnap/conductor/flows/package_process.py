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

"""Processing of VNF snapshot package content (SOL005 PROCESSING) as a
taskflow flow, and the steps every package flow shares.

Stored content (uploaded by PUT, from a URI, or just built) is fetched
into the package's work directory (a ZIP needs random access), verified
whole (signature, members, images, checksums, the VNF snapshot record),
described, and the package becomes AVAILABLE. The steps exchange their
results by name: ``package-zip`` (the local ZIP), ``package-sha256``
(of the stored bytes), ``package-values`` (the VnfSnapshotPkgInfo
columns).
"""

import os
import shutil

from oslo_log import log as logging
from taskflow import task
from taskflow.patterns import linear_flow

from vnfsnap import store
from vnfsnap.common import states
from vnfsnap.db import api as db_api
from vnfsnap.package import archive
from vnfsnap.package import contents
from vnfsnap.package import layout
from vnfsnap.package import verify

LOG = logging.getLogger(__name__)

ZIP = 'package-zip'
SHA256 = 'package-sha256'
VALUES = 'package-values'


class FetchPackage(task.Task):
    """The stored package as a local file; undo: the file goes."""

    def __init__(self, pkg_id, work, progress):
        super().__init__(name='fetch-package', provides=ZIP)
        self.pkg_id, self.work, self.progress = pkg_id, work, progress

    def execute(self):
        key = store.package_key(self.pkg_id)
        backend = store.get_store()
        self.progress.stage(0, backend.size(key))
        zip_path = os.path.join(self.work, 'package.zip')
        backend.get_to_file(key, zip_path, progress=self.progress)
        return zip_path

    def revert(self, *args, **kwargs):
        remove_file(os.path.join(self.work, 'package.zip'))


class Checksum(task.Task):
    """SHA-256 of the package as stored (SOL005 checksum)."""

    def __init__(self, progress):
        super().__init__(name='checksum', provides=SHA256,
                         rebind={'zip_path': ZIP})
        self.progress = progress

    def execute(self, zip_path):
        self.progress.stage(0, os.path.getsize(zip_path))
        return contents.sha256_file(zip_path, self.progress)


class VerifyPackage(task.Task):
    """Verify everything (signature, members, images, checksums, the
    record) and describe the package; nothing is kept but the
    description."""

    def __init__(self, work, progress):
        super().__init__(name='verify-package', provides=VALUES,
                         rebind={'zip_path': ZIP})
        self.work, self.progress = work, progress

    def execute(self, zip_path):
        root = os.path.join(self.work, 'verify')
        try:
            manifest = verify.verify_package(zip_path)
            self.progress.stage(0, manifest.total_size)
            archive.extract(zip_path, root, progress=self.progress)
            record = contents.read_record(root, manifest)
            values = contents.describe(root, manifest, record)
        finally:
            shutil.rmtree(root, ignore_errors=True)
        values['layout'] = layout_values(
            layout.describe(zip_path, manifest), os.path.getsize(zip_path),
            manifest.signature)
        return values


def layout_values(members, size, status):
    """The package's ``layout`` column: where its members are, its size
    and its signature status."""
    return dict(members, size=size, signature=contents.present({
        'signed': status.signed, 'verified': status.verified,
        'signer': status.signer, 'signerSha256': status.signer_sha256,
        'reason': status.reason}))


class ChangeState(task.Task):
    """Move the package on (compare-and-swap on its state and owner). Its
    undo is the runner's: a failed operation ends in ERROR (or
    ERROR_EXTRACTING) from whichever active state it reached.

    The step that ends the job gets its ``work`` directory and removes it
    first: once the package left its transient state, the next job of
    the package may start, and nothing of this one may be left over."""

    def __init__(self, name, db_task, pkg_id, host, from_state, values,
                 requires=(), work=None):
        super().__init__(name=name, requires=requires)
        self.db_task, self.pkg_id, self.host = db_task, pkg_id, host
        self.from_state, self.values = from_state, values
        self.work = work

    def execute(self, **results):
        if self.work is not None:
            shutil.rmtree(self.work, ignore_errors=True)
        db_api.update_vnf_snapshot_pkg(
            None, self.pkg_id, self.update(results),
            from_states=(self.from_state,), task=self.db_task,
            expect_host=self.host)

    def update(self, results):
        return self.values


class MakeAvailable(ChangeState):
    """PROCESSING -> AVAILABLE with the package's description."""

    def __init__(self, pkg_id, host, work):
        super().__init__('make-available', 'Complete', pkg_id, host,
                         states.PKG_PROCESSING,
                         {'state': states.PKG_AVAILABLE,
                          'failure_details': None},
                         requires=(VALUES, SHA256), work=work)

    def update(self, results):
        return dict(results[VALUES], checksum=contents.checksum(
            results[SHA256]), **self.values)

    def execute(self, **results):
        super().execute(**results)
        LOG.info('VNF snapshot package %s is AVAILABLE (VNF snapshot %s, '
                 '%d bytes)', self.pkg_id,
                 results[VALUES]['vnf_snapshot_id'],
                 results[VALUES]['layout']['size'])


def to_processing(pkg_id, host, from_state, **values):
    """The step that hands content over to processing."""
    return ChangeState('to-processing', 'Process', pkg_id, host, from_state,
                       dict(values, state=states.PKG_PROCESSING))


def add_processing(flow, pkg_id, host, work, progress):
    """Verify the package (``package-zip``, ``package-sha256`` provided
    before) and make it AVAILABLE."""
    flow.add(VerifyPackage(work, progress),
             MakeAvailable(pkg_id, host, work))


def build(pkg, work, progress, host):
    """Return (flow, store) for a package PROCESSING its stored content
    (uploaded by PUT)."""
    flow = linear_flow.Flow('process-package-%s' % pkg.id)
    flow.add(FetchPackage(pkg.id, work, progress), Checksum(progress))
    add_processing(flow, pkg.id, host, work, progress)
    return flow, {}


def remove_file(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
