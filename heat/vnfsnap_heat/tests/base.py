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


"""The test case of the resource types: the plugin's types registered,
the fake vnfsnap client in place of the real one, Nova and Keystone as
mocks."""

import os
import sys
from unittest import mock

from heat.common import template_format
from heat.engine import resource
from heat.tests import common
from heat.tests import utils
from oslo_config import cfg

from vnfsnap_heat import common as plugin_common
from vnfsnap_heat.resources import lcm_subscription
from vnfsnap_heat.resources import vnf_instance
from vnfsnap_heat.resources import vnf_snapshot
from vnfsnap_heat.resources import vnf_snapshot_package
from vnfsnap_heat.tests import fakes

MODULES = (vnf_instance, vnf_snapshot, vnf_snapshot_package,
           lcm_subscription)


def server(server_id, status='ACTIVE', volumes=()):
    """A novaclient Server of the test."""
    info = {'id': server_id, 'name': 'srv-' + server_id, 'status': status,
            'os-extended-volumes:volumes_attached': [
                {'id': v} for v in volumes]}
    return mock.Mock(id=server_id, status=status, to_dict=lambda: info)


def attachment(server_id, volume_id, device='/dev/vdb'):
    info = {'id': volume_id, 'serverId': server_id, 'volumeId': volume_id,
            'device': device}
    return mock.Mock(to_dict=lambda: info)


class ResourceTestCase(common.HeatTestCase):

    def setUp(self):
        # Heat's tests find etc/heat beside the heat package of a source
        # checkout; an installed Heat has it under the environment's
        # prefix (its default environment maps AWS::RDS::DBInstance...).
        cfg.CONF.set_override('environment_dir', os.path.join(
            sys.prefix, 'etc', 'heat', 'environment.d'))
        super().setUp()
        for module in MODULES:
            for name, cls in module.resource_mapping().items():
                resource._register_class(name, cls)
        self.fake = fakes.FakeClient()
        self.client_class = self.patchobject(
            plugin_common.vnfsnap_client, 'Client', return_value=self.fake)
        self.nova = mock.Mock()
        self.servers = {}
        self.attachments = {}
        self.nova.servers.get.side_effect = lambda s: self.servers[s]
        self.nova.volumes.get_server_volumes.side_effect = (
            lambda s: self.attachments.get(s, []))
        self.keystone = mock.Mock()
        self.credentials = self.keystone.client.application_credentials
        self.credentials.create.return_value = mock.Mock(
            id='cred-1', secret='s3cr3t-value')
        self.cinder = mock.Mock()
        # The template's own volumes (no revert made them).
        self.cinder.volumes.get.side_effect = lambda v: mock.Mock(
            id=v, status='in-use', metadata={}, attachments=[])
        self.heat_clients = {'nova': self.nova, 'keystone': self.keystone,
                             'cinder': self.cinder}
        self.patchobject(resource.Resource, 'client',
                         side_effect=lambda name, version=None:
                         self.heat_clients[name])

    def stack(self, template, params=None):
        """A new stack of ``template``; the test keeps it, as a
        resource only holds its stack weakly."""
        self.stk = utils.parse_stack(template_format.parse(template),
                                     params=params)
        return self.stk

    def resource(self, template, name, params=None):
        """Resource ``name`` of a new stack of ``template``, stored (so
        that it has resource data) and being created."""
        rsrc = self.stack(template, params)[name]
        rsrc.state_set(rsrc.CREATE, rsrc.IN_PROGRESS)
        return rsrc

    def created(self, rsrc):
        rsrc.state_set(rsrc.CREATE, rsrc.COMPLETE)
        return rsrc
