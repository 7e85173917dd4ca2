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

"""Upload a VNF snapshot package from a URI (SOL005 upload_from_uri, GR
NFV-TST 005 clause 6.7.4) as a taskflow flow.

The conductor streams the package from the URI into the package store,
within the rules of [package_import] (undo: the stored content is
deleted), forgets the credentials it was given, and processes the content
as uploaded content is, into AVAILABLE.
"""

from oslo_log import log as logging
from taskflow import task
from taskflow.patterns import linear_flow

from vnfsnap import store
from vnfsnap.common import states
from vnfsnap.common import urlfetch
from vnfsnap.conductor.flows import package_process
import vnfsnap.conf

CONF = vnfsnap.conf.CONF
LOG = logging.getLogger(__name__)


class DownloadPackage(task.Task):
    """The package from its URI into the store, never whole in memory."""

    def __init__(self, pkg, progress):
        super().__init__(name='download-package',
                         provides=package_process.SHA256)
        self.pkg, self.progress = pkg, progress

    def execute(self):
        uri = self.pkg.operation_params['addressInformation']
        credentials = None
        if self.pkg.credentials:
            credentials = urlfetch.Credentials.from_dict(self.pkg.credentials)
        LOG.info('Uploading VNF snapshot package %s from %s', self.pkg.id,
                 urlfetch.display(uri))
        with urlfetch.open_stream(
                uri, credentials=credentials,
                max_size=CONF.package_store.max_package_size) as reader:
            self.progress.stage(0, reader.length)
            stored = store.get_store().put_stream(
                store.package_key(self.pkg.id), reader,
                length=reader.length, progress=self.progress)
        return stored.sha256

    def revert(self, *args, **kwargs):
        store.delete_package(self.pkg.id)


def build(pkg, work, progress, host):
    """Return (flow, store) for a package UPLOADING from a URI."""
    flow = linear_flow.Flow('upload-package-%s' % pkg.id)
    flow.add(DownloadPackage(pkg, progress),
             package_process.to_processing(pkg.id, host,
                                           states.PKG_UPLOADING,
                                           credentials=None),
             package_process.FetchPackage(pkg.id, work, progress))
    package_process.add_processing(flow, pkg.id, host, work, progress)
    return flow, {}
