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

"""The vnfsnap plugin of the openstack command (python-openstackclient).

OpenStackClient finds this module through the ``openstack.cli.extension``
entry point ``vnfsnap`` and the commands through ``openstack.vnfsnap.v1``.
``API_NAME`` is also vnfsnap's Keystone service type: osc-lib looks up
the endpoint override under ``<API_NAME>_endpoint_override`` in the cloud
configuration, which ``--os-vnfsnap-endpoint-override``,
``OS_VNFSNAP_ENDPOINT_OVERRIDE`` or clouds.yaml's
``vnfsnap_endpoint_override`` set.
"""

import logging

from osc_lib import utils

LOG = logging.getLogger(__name__)

API_NAME = 'vnfsnap'
API_VERSION_OPTION = 'os_vnfsnap_api_version'
DEFAULT_API_VERSION = '1'
# One plugin API version: the commands of openstack.vnfsnap.v1, which speak
# SOL003 /vnflcm/v2 and SOL005 /vnfsnapshotpkgm/v1 (the client sends the
# SOL013 Version header of each).
API_VERSIONS = {
    '1': 'vnfsnapclient.client.Client',
}


def make_client(instance):
    """Return the vnfsnap client for OpenStackClient's client manager.

    The endpoint comes, in this order, from --os-vnfsnap-endpoint-override,
    from --os-endpoint with --os-auth-type none (the all-in-one without
    Keystone), or from the Keystone catalog (service type vnfsnap, the
    --os-region-name and --os-interface given).
    """
    client_class = utils.get_client_class(
        API_NAME, instance._api_version[API_NAME], API_VERSIONS)
    LOG.debug('Instantiating vnfsnap client: %s', client_class)
    endpoint = instance.get_endpoint_for_service_type(
        API_NAME, region_name=instance.region_name,
        interface=instance.interface)
    return client_class(instance.session, endpoint_override=endpoint,
                        service_type=API_NAME,
                        interface=instance.interface or 'public',
                        region_name=instance.region_name)


def build_option_parser(parser):
    """Add vnfsnap's global options to the openstack command's parser."""
    parser.add_argument(
        '--os-vnfsnap-api-version',
        metavar='<vnfsnap-api-version>',
        default=utils.env('OS_VNFSNAP_API_VERSION',
                          default=DEFAULT_API_VERSION),
        choices=sorted(API_VERSIONS),
        help='vnfsnap plugin API version, default=%s '
             '(Env: OS_VNFSNAP_API_VERSION)' % DEFAULT_API_VERSION)
    # openstacksdk's configuration loader turns the os_ options into cloud
    # configuration keys: this one becomes vnfsnap_endpoint_override.
    parser.add_argument(
        '--os-vnfsnap-endpoint-override',
        metavar='<url>',
        default=utils.env('OS_VNFSNAP_ENDPOINT_OVERRIDE'),
        help='vnfsnap API root URL (http://HOST:PORT) to use instead of '
             'the one of the Keystone catalog '
             '(Env: OS_VNFSNAP_ENDPOINT_OVERRIDE)')
    return parser
