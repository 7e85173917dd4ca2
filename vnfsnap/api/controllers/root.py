"""URL tree root: ``/`` lists the APIs, ``/vnflcm`` is SOL003 VNF LCM."""

from vnfsnap.api.controllers import base
from vnfsnap.api.controllers import vnf_instances
from vnfsnap.api.controllers import vnf_lcm_op_occs
from vnfsnap.api.controllers import vnf_snapshots
from vnfsnap.api import utils
from vnfsnap.api import versions


class ApiVersions(base.Resource):
    """``api_versions`` (SOL013 clause 9.3); no query parameters."""

    def get(self):
        utils.no_query()
        return utils.respond(versions.api_versions(utils.base_url()))


class V2Controller(base.Resource):
    api_versions = ApiVersions()
    vnf_instances = vnf_instances.VnfInstances()
    vnf_snapshots = vnf_snapshots.VnfSnapshots()
    vnf_lcm_op_occs = vnf_lcm_op_occs.VnfLcmOpOccs()


class VnfLcmController(base.Resource):
    api_versions = ApiVersions()
    v2 = V2Controller()


class RootController(base.Resource):
    vnflcm = VnfLcmController()

    def get(self):
        return utils.respond({
            'name': 'vnfsnap',
            'apis': [{'apiName': 'vnflcm',
                      'uriPrefix': utils.base_url() + versions.URI_PREFIX,
                      'version': versions.VNFLCM_VERSION}],
        })
