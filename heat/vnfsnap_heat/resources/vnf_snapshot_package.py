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


"""OS::VnfSnap::VnfSnapshotPackage: a VNF snapshot package built from a
VNF snapshot, which another site can fetch from its download URL."""

from heat.engine import attributes
from heat.engine import constraints
from heat.engine import properties
from oslo_log import log as logging
from vnfsnapclient import exceptions as vnfsnap_exc
from vnfsnapclient.v1 import vnf_snapshot_packages as packages

from vnfsnap_heat import common

LOG = logging.getLogger(__name__)


class VnfSnapshotPackage(common.VnfSnapResource):
    """A VNF snapshot package, built (SOL005 build task) when created.

    The resource is complete when the package is AVAILABLE; its
    ``download_url`` is what ``openstack vnf snapshot package upload
    --uri`` of another site fetches (the export).
    """

    PROPERTIES = (
        VNF_SNAPSHOT, NAME, USER_DEFINED_DATA, VNFC_SNAPSHOT_IDS,
    ) = (
        'vnf_snapshot', 'name', 'user_defined_data', 'vnfc_snapshot_ids',
    )

    ATTRIBUTES = (
        PACKAGE_ATTR, STATE_ATTR, CHECKSUM_ATTR, SIZE_ATTR,
        DOWNLOAD_URL_ATTR,
    ) = (
        'package', 'state', 'checksum', 'size', 'download_url',
    )

    properties_schema = {
        VNF_SNAPSHOT: common.prop(
            properties.Schema.STRING,
            'The VNF snapshot to package (e.g. a get_resource of an '
            'OS::VnfSnap::VnfSnapshot); a change builds a new package.',
            required=True, constraints=[constraints.Length(min=1, max=255)]),
        NAME: common.prop(
            properties.Schema.STRING,
            'Name of the package (default: the physical name Heat gives '
            'the resource); changed in place.',
            update_allowed=True,
            constraints=[constraints.Length(min=1, max=255)]),
        USER_DEFINED_DATA: common.prop(
            properties.Schema.MAP,
            'userDefinedData of the package (key-value pairs); changed in '
            'place.',
            update_allowed=True),
        VNFC_SNAPSHOT_IDS: common.prop(
            properties.Schema.LIST,
            'Package only these VNFC snapshots (a partial package); a '
            'change builds a new package. Default: the whole snapshot.',
            constraints=[constraints.Length(min=1)],
            schema=properties.Schema(
                properties.Schema.STRING,
                constraints=[constraints.Length(min=1, max=255)])),
    }

    attributes_schema = {
        PACKAGE_ATTR: common.attribute(
            'The VnfSnapshotPkgInfo as vnfsnap shows it.',
            attributes.Schema.MAP),
        STATE_ATTR: common.attribute(
            'State of the package (AVAILABLE once built).',
            attributes.Schema.STRING),
        CHECKSUM_ATTR: common.attribute(
            'Checksum of the package file (algorithm and hash).',
            attributes.Schema.MAP),
        SIZE_ATTR: common.attribute(
            'Size of the package file in bytes.',
            attributes.Schema.INTEGER),
        DOWNLOAD_URL_ATTR: common.attribute(
            'URL of the package file (package_content), for a download or '
            'another site\'s upload from URI.',
            attributes.Schema.STRING),
    }

    def _name(self, name):
        return name or self.physical_resource_name()

    def handle_create(self):
        body = {'name': self._name(self.properties[self.NAME])}
        if self.properties[self.USER_DEFINED_DATA]:
            body['userDefinedData'] = self.properties[self.USER_DEFINED_DATA]
        build = {'vnfSnapshotInfoId': self.properties[self.VNF_SNAPSHOT]}
        if self.properties[self.VNFC_SNAPSHOT_IDS]:
            build['vnfcSnapshotsInfoIds'] = self.properties[
                self.VNFC_SNAPSHOT_IDS]
        manager = self.client().vnf_snapshot_packages
        try:
            pkg = manager.create(body)
            self.resource_id_set(pkg['id'])
            manager.build(pkg['id'], build)
        except vnfsnap_exc.ClientError as exc:
            raise self.fail(exc, 'vnfsnap refused to build a package of '
                                 'VNF snapshot %s'
                                 % build['vnfSnapshotInfoId'])

    def check_create_complete(self, _data):
        pkg = self.get_live()
        state = pkg.get('state')
        if state in packages.BUSY_STATES:
            return False
        if state == 'AVAILABLE':
            return True
        problem = (pkg.get('failureDetails') or {}).get('details') or {}
        raise common.failed('the build of package %s' % self.resource_id,
                            state, problem.get('detail') or
                            'no reason given')

    def handle_update(self, json_snippet, tmpl_diff, prop_diff):
        changes = {}
        if self.NAME in prop_diff:
            changes['name'] = self._name(prop_diff[self.NAME])
        if self.USER_DEFINED_DATA in prop_diff:
            patch = dict.fromkeys(self.properties[self.USER_DEFINED_DATA]
                                  or {})
            patch.update(prop_diff[self.USER_DEFINED_DATA] or {})
            changes['userDefinedData'] = patch
        if changes:
            try:
                self.client().vnf_snapshot_packages.update(
                    self.resource_id, changes)
            except vnfsnap_exc.ClientError as exc:
                raise self.fail(exc, 'vnfsnap refused the change of '
                                     'package %s' % self.resource_id)

    # --- delete ------------------------------------------------------

    def handle_delete(self):
        """Cancel a build in progress; check_delete_complete deletes
        once it stopped."""
        if self.resource_id is None:
            return None
        manager = self.client().vnf_snapshot_packages
        try:
            pkg = manager.get(self.resource_id)
        except vnfsnap_exc.NotFound:
            return None
        if pkg.get('state') in packages.BUSY_STATES:
            try:
                manager.cancel(self.resource_id, cause='stack delete')
            except vnfsnap_exc.ClientError as exc:
                LOG.warning('%s: could not cancel the operation on '
                            'package %s: %s', self.name, self.resource_id,
                            common.detail(exc))
        return {'deleted': False}

    def check_delete_complete(self, progress):
        if progress is None:
            return True
        manager = self.client().vnf_snapshot_packages
        if progress['deleted']:
            return self.gone(manager.get, self.resource_id)
        try:
            pkg = manager.get(self.resource_id)
        except vnfsnap_exc.NotFound:
            return True
        if pkg.get('state') in packages.BUSY_STATES:
            return False
        if self.gone(manager.delete, self.resource_id):
            return True
        progress['deleted'] = True
        return self.gone(manager.get, self.resource_id)

    # --- attributes --------------------------------------------------

    def get_live(self):
        return self.client().vnf_snapshot_packages.get(self.resource_id)

    def resolve(self, name):
        if name == self.SIZE_ATTR:
            content = self.client().vnf_snapshot_packages.stream(
                self.resource_id)
            content.close()
            return content.size
        pkg = self.get_live()
        if name == self.DOWNLOAD_URL_ATTR:
            return ((pkg.get('_links') or {}).get('packageContent')
                    or {}).get('href')
        if name in (self.STATE_ATTR, self.CHECKSUM_ATTR):
            return pkg.get(name)
        return pkg


def resource_mapping():
    return {'OS::VnfSnap::VnfSnapshotPackage': VnfSnapshotPackage}
