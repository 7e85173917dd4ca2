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

"""URL tree root: ``/`` lists the APIs, ``/vnflcm`` is SOL003 VNF LCM,
``/vnfsnapshotpkgm`` is SOL005 VNF Snapshot Package Management."""

from vnfsnap.api import utils
from vnfsnap.api import versions
from vnfsnap.api.controllers import base
from vnfsnap.api.controllers import conductors
from vnfsnap.api.controllers import subscriptions
from vnfsnap.api.controllers import vnf_instances
from vnfsnap.api.controllers import vnf_lcm_op_occs
from vnfsnap.api.controllers import vnf_snapshot_packages
from vnfsnap.api.controllers import vnf_snapshots


class ApiVersions(base.Resource):
    """``api_versions`` (SOL013 clause 9.3); no query parameters."""

    def __init__(self, api):
        self.api = api

    def get(self):
        utils.no_query()
        return utils.respond(versions.api_versions(utils.base_url(),
                                                   self.api))


class VnfLcmV2Controller(base.Resource):
    api_versions = ApiVersions(versions.VNFLCM)
    vnf_instances = vnf_instances.VnfInstances()
    vnf_snapshots = vnf_snapshots.VnfSnapshots()
    vnf_lcm_op_occs = vnf_lcm_op_occs.VnfLcmOpOccs()
    subscriptions = subscriptions.Subscriptions()


class VnfLcmController(base.Resource):
    api_versions = ApiVersions(versions.VNFLCM)
    v2 = VnfLcmV2Controller()


class VnfSnapshotPkgmV1Controller(base.Resource):
    api_versions = ApiVersions(versions.VNFSNAPSHOTPKGM)
    vnf_snapshot_packages = vnf_snapshot_packages.VnfSnapshotPackages()


class VnfSnapshotPkgmController(base.Resource):
    api_versions = ApiVersions(versions.VNFSNAPSHOTPKGM)
    v1 = VnfSnapshotPkgmV1Controller()


class VnfsnapV1Controller(base.Resource):
    api_versions = ApiVersions(versions.VNFSNAP)
    conductors = conductors.Conductors()


class VnfsnapController(base.Resource):
    api_versions = ApiVersions(versions.VNFSNAP)
    v1 = VnfsnapV1Controller()


class RootController(base.Resource):
    vnflcm = VnfLcmController()
    vnfsnapshotpkgm = VnfSnapshotPkgmController()
    vnfsnap = VnfsnapController()

    def get(self):
        base_url = utils.base_url()
        return utils.respond({
            'name': 'vnfsnap',
            'apis': [{'apiName': api.name,
                      'uriPrefix': base_url + api.uri_prefix,
                      'version': api.version} for api in versions.APIS],
        })
