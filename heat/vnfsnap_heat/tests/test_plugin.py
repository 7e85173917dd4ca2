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


"""The plugin as heat-engine sees it: loaded from plugin_dirs, its
schemas as "openstack orchestration resource type show" renders them,
the example template, the client it builds, and the layout rules."""

import ast
import os
import sys
from unittest import mock

import fixtures
from heat.common import template_format
from heat.engine import resource
from heat.engine import resources
from heat.engine import service
from heat.engine import support
from heat.engine.clients.os import glance
from heat.engine.clients.os import nova
from heat.tests import utils
from oslo_config import cfg

import vnfsnap_heat
from vnfsnap_heat import common as plugin_common
from vnfsnap_heat.tests import base

HEAT_DIR = os.path.dirname(os.path.dirname(vnfsnap_heat.__file__))
PLUGIN_DIR = os.path.join(os.path.dirname(vnfsnap_heat.__file__),
                          'resources')
EXAMPLE = os.path.join(HEAT_DIR, 'examples', 'vnf-with-protection.yaml')
TYPES = {'OS::VnfSnap::VnfInstance': 'vnf_instance',
         'OS::VnfSnap::VnfSnapshot': 'vnf_snapshot',
         'OS::VnfSnap::VnfSnapshotPackage': 'vnf_snapshot_package',
         'OS::VnfSnap::LcmSubscription': 'lcm_subscription'}


def _undescribed(schemas, path=''):
    """Paths of the named properties (nested ones too) without a
    description in a rendered schema."""
    missing = []
    for name, schema in schemas.items():
        where = path + name
        if name != '*' and not schema.get('description'):
            missing.append(where)
        missing += _undescribed(schema.get('schema') or {}, where + '.')
    return missing


class PluginLoadingTest(base.ResourceTestCase):

    def test_loaded_from_plugin_dirs(self):
        """heat-engine imports plugin_dirs' modules under its own
        package and registers what their resource_mapping() gives."""
        cfg.CONF.set_override('plugin_dirs', [PLUGIN_DIR])
        self.useFixture(fixtures.MonkeyPatch(
            'heat.engine.resources._environment', None))
        self.addCleanup(self._forget_plugin_modules)
        resources.initialise()
        env = resources.global_env()
        for type_name, module in TYPES.items():
            self.assertEqual('heat.engine.plugins.' + module,
                             env.get_class(type_name).__module__)

    @staticmethod
    def _forget_plugin_modules():
        for name in list(sys.modules):
            if name == 'heat.engine.plugins' or name.startswith(
                    'heat.engine.plugins.'):
                del sys.modules[name]

    def test_resource_type_show(self):
        """What "openstack orchestration resource type show" shows: a
        description for every property and attribute, and the plugin's
        support status."""
        engine = service.EngineService('host', 'topic')
        engine.resource_enforcer = mock.Mock()
        for type_name in TYPES:
            shown = engine.resource_schema(utils.dummy_context(), type_name,
                                           with_description=True)
            self.assertEqual(plugin_common.SUPPORT_STATUS.to_dict(),
                             shown['support_status'])
            self.assertTrue(shown['description'])
            self.assertEqual([], _undescribed(shown['properties']),
                             type_name)
            self.assertEqual([], [n for n, a in shown['attributes'].items()
                                  if not a.get('description')], type_name)

    def test_every_property_and_attribute_has_the_support_status(self):
        env = resources.global_env()
        expected = plugin_common.SUPPORT_STATUS.to_dict()
        for type_name in TYPES:
            cls = env.get_class(type_name)
            self.assertEqual(expected, cls.support_status.to_dict())
            for name, schema in (list(cls.properties_schema.items()) +
                                 list(cls.attributes_schema.items())):
                if name in resource.Resource.base_attributes_schema:
                    continue
                self.assertEqual(expected, schema.support_status.to_dict(),
                                 '%s %s' % (type_name, name))
            self.assertEqual(support.SUPPORTED, cls.support_status.status)


class ExampleTemplateTest(base.ResourceTestCase):

    def test_example_validates(self):
        for stub in (self.stub_ImageConstraint_validate,
                     self.stub_FlavorConstraint_validate,
                     self.stub_ServerConstraint_validate,
                     self.stub_VolumeConstraint_validate):
            stub()
        with open(EXAMPLE) as f:
            template = template_format.parse(f.read())
        stack = utils.parse_stack(template, params={
            'image': 'guest', 'flavor': 'm1.tiny', 'data_image': 'data'})
        self.patchobject(glance.GlanceClientPlugin, 'find_image_by_name_or_id',
                         return_value='image-1')
        self.patchobject(glance.GlanceClientPlugin, 'get_image',
                         return_value=mock.Mock(status='active', min_ram=0,
                                                min_disk=0, size=2 ** 20))
        self.patchobject(nova.NovaClientPlugin, 'find_flavor_by_name_or_id',
                         return_value='flavor-1')
        self.patchobject(nova.NovaClientPlugin, 'get_flavor',
                         return_value=mock.Mock(ram=512, disk=1))
        self.patchobject(nova.NovaClientPlugin, 'is_version_supported',
                         return_value=True)
        self.assertIsNone(stack.validate())
        self.assertEqual('OS::VnfSnap::VnfInstance', stack['vnf'].type())
        # Registered once the volume is attached and the servers exist;
        # the baseline snapshot is taken of it, and deleted before it.
        self.assertEqual({'data_attachment', 'vnfc_a', 'vnfc_b',
                          'data_volume'},
                         {r.name for r in stack['vnf'].t.dependencies(stack)})
        self.assertEqual(['baseline'], [
            r.name for r in stack.dependencies.required_by(stack['vnf'])])
        self.assertEqual(
            {'vnf_id', 'vnfc_ids', 'baseline_id', 'baseline_state'},
            set(template['outputs']))


class ClientTest(base.ResourceTestCase):

    def _client_of(self, endpoint_type):
        cfg.CONF.set_override('endpoint_type', endpoint_type,
                              group='clients')
        stack = self.stack('heat_template_version: 2021-04-16\n'
                           'resources:\n  sub:\n'
                           '    type: OS::VnfSnap::LcmSubscription\n'
                           '    properties: {callback_uri: http://m/}\n')
        rsrc = stack['sub']
        self.assertIs(self.fake, rsrc.client())
        self.assertIs(self.fake, rsrc.client('vnfsnap'))
        self.assertIs(self.nova, rsrc.client('nova'))
        return stack.context

    def test_client_of_the_stack_context(self):
        context = self._client_of('internalURL')
        self.client_class.assert_called_once_with(
            context.keystone_session, interface='internal',
            region_name=context.region_name)

    def test_endpoint_type_of_the_vnfsnap_client(self):
        cfg.CONF.set_override('endpoint_type', 'adminURL',
                              group='clients_vnfsnap')
        self._client_of('internalURL')
        self.assertEqual('admin',
                         self.client_class.call_args.kwargs['interface'])

    def test_interface_names_pass_through(self):
        self._client_of('admin')
        self.assertEqual('admin',
                         self.client_class.call_args.kwargs['interface'])


class LayoutTest(base.ResourceTestCase):

    def _python_files(self):
        for root, _dirs, files in os.walk(HEAT_DIR):
            for name in files:
                if name.endswith('.py'):
                    yield os.path.join(root, name)

    def test_never_imports_the_server(self):
        offenders = []
        for path in self._python_files():
            with open(path) as f:
                tree = ast.parse(f.read(), path)
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom):
                    names = [node.module or '']
                else:
                    continue
                offenders += ['%s: %s' % (path, n) for n in names
                              if n.split('.')[0] in ('vnfsnap',
                                                     'vnfsnap_demo')]
        self.assertEqual([], offenders)

    def test_plugin_dir_holds_only_resource_modules(self):
        modules = sorted(n[:-3] for n in os.listdir(PLUGIN_DIR)
                         if n.endswith('.py') and n != '__init__.py')
        self.assertEqual(sorted(TYPES.values()), modules)
