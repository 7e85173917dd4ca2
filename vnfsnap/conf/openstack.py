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

"""Options of the [openstack] group: the OpenStack VIM driver.

Credentials are never configured here: each VNF's VimConnectionInfo
carries its own (a service account in this file would let one tenant act
on every server the account can see). This group holds what is the same
for every cloud vnfsnap talks to: keystoneauth's session options (TLS,
timeouts), the endpoint interface, and how long to wait for the cloud.
"""

from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

GROUP = 'openstack'

group = cfg.OptGroup(
    GROUP, title='OpenStack VIM driver options',
    help='Options of the VIM driver for vimType '
         'ETSINFV.OPENSTACK_KEYSTONE.V_3 (Nova, Cinder, Glance). The '
         'Keystone URL and credentials come from each VNF\'s '
         'vimConnectionInfo.')

opts = [
    cfg.StrOpt('region_name',
               help='Region of the compute, block-storage and image '
                    'endpoints when vimConnectionInfo.accessInfo gives no '
                    '"region".'),
    cfg.StrOpt('interface', default='public',
               choices=['public', 'internal', 'admin'],
               help='Which endpoints of the Keystone catalog to use.'),
    cfg.FloatOpt('poll_interval', default=2.0, min=0.01,
                 help='Seconds between two looks at a server, volume, '
                      'snapshot or image the driver waits for.'),
    cfg.IntOpt('server_timeout', default=600, min=1,
               help='Seconds to wait for a server to stop, start, pause or '
                    'unpause.'),
    cfg.IntOpt('rebuild_timeout', default=1800, min=1,
               help='Seconds to wait for the rebuild of a server from its '
                    'snapshot image during a revert (the compute host '
                    'fetches the whole image, or Cinder writes it onto '
                    'the root volume).'),
    cfg.IntOpt('image_timeout', default=3600, min=1,
               help='Seconds to wait for a Glance image to become active: '
                    'a server snapshot being uploaded, a volume uploaded '
                    'to an image, a disk imported from a package.'),
    cfg.IntOpt('volume_timeout', default=900, min=1,
               help='Seconds to wait for a volume or volume snapshot to be '
                    'created, attached, detached, reverted or deleted.'),
    cfg.BoolOpt('pause_multi_disk_vnfcs', default=True,
                help='Pause a running VNFC whose disks Nova does not '
                     'capture under one guest freeze (an image-backed '
                     'server with data volumes, or a server whose image '
                     'does not require quiescing) while its disks are '
                     'captured, so that they are all of one instant '
                     '(crash-consistent). When false, such a snapshot is '
                     'refused instead of being taken from different '
                     'instants.'),
    cfg.ListOpt('native_revert_volume_types', default=[],
                help='Names of the volume types whose backends revert a '
                     'volume to a snapshot natively and correctly; only '
                     'for those is Cinder\'s revert-to-snapshot (API '
                     '3.40) used. Every other volume is restored by '
                     'creating a new volume from the snapshot and swapping '
                     'it in: Cinder\'s generic revert reports success on '
                     'backends without a native revert (e.g. NFS) but '
                     'corrupts the volume.'),
    cfg.IntOpt('connect_retries', default=3, min=0,
               help='How often a call to an OpenStack API is sent again '
                    'when the connection failed (refused, or reset as when '
                    'the server closes an idle keep-alive connection just '
                    'as a request goes out), with a growing delay from '
                    '0.5 s. 0: an operation fails at the first connection '
                    'error.'),
    cfg.StrOpt('volume_image_disk_format', default='qcow2',
               choices=['qcow2', 'raw'],
               help='Disk format of the temporary images Cinder uploads '
                    'from volumes: when a volume snapshot is exported into '
                    'a package, and when the root volume of a '
                    'volume-backed server is reverted.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)
    ks_loading.register_session_conf_options(conf, GROUP)


def list_opts():
    return opts + ks_loading.get_session_conf_options()
