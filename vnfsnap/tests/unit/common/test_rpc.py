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

"""[DEFAULT]rpc_transport: a message bus or none, said explicitly."""

import ast
import logging
import os

import fixtures
from oslo_log import versionutils
from oslo_upgradecheck import upgradecheck

import vnfsnap
from vnfsnap.cmd import status
from vnfsnap.common import rpc
from vnfsnap.tests import base

CONF = base.CONF
RABBIT = 'rabbit://vnfsnap:secret@rabbit.example:5672/'


class TestRpcTransport(base.TestCase):

    def setUp(self):
        super().setUp()
        self.logs = self.useFixture(fixtures.FakeLogger(level=logging.INFO))
        # The deprecation is reported once per process; each test here
        # wants to see it.
        self.useFixture(fixtures.MockPatchObject(
            versionutils, '_deprecated_messages_sent', {}))

    def load(self, text):
        """Read a configuration file as the services do."""
        path = os.path.join(self.state_path, 'vnfsnap.conf')
        with open(path, 'w') as f:
            f.write(text)
        CONF(['--config-file', path], project='vnfsnap',
             default_config_files=[], default_config_dirs=[])

    def test_nothing_configured_is_no_bus(self):
        self.assertIsNone(CONF.rpc_transport)
        self.assertEqual('none', rpc.rpc_transport())
        self.assertFalse(rpc.messaging_enabled())
        self.assertNotIn('Deprecated', self.logs.output)

    def test_explicit_oslo(self):
        self.load('[DEFAULT]\nrpc_transport = oslo\n'
                  'transport_url = %s\n' % RABBIT)
        self.assertTrue(rpc.messaging_enabled())
        self.assertNotIn('Deprecated', self.logs.output)

    def test_explicit_none_wins_over_transport_url(self):
        self.load('[DEFAULT]\nrpc_transport = none\n'
                  'transport_url = %s\n' % RABBIT)
        self.assertFalse(rpc.messaging_enabled())

    def test_transport_url_alone_still_means_oslo(self):
        # A split deployment configured before rpc_transport existed.
        self.load('[DEFAULT]\ntransport_url = %s\n' % RABBIT)
        self.assertTrue(rpc.messaging_enabled())
        self.assertIn('Deprecated: [DEFAULT]transport_url is set but '
                      '[DEFAULT]rpc_transport is not: using rpc_transport '
                      '= oslo.', self.logs.output)

    def test_messaging_default_url_is_not_a_bus(self):
        # oslo.messaging's own default, rabbit://, never meant one.
        self.load('[DEFAULT]\ntransport_url = rabbit://\n')
        self.assertFalse(rpc.messaging_enabled())

    def test_environment(self):
        self.useFixture(fixtures.EnvironmentVariable(
            'OS_DEFAULT__RPC_TRANSPORT', 'oslo'))
        self.load('')
        self.assertTrue(rpc.messaging_enabled())

    def test_unknown_value_refused(self):
        self.load('[DEFAULT]\nrpc_transport = json-rpc\n')
        self.assertRaises(ValueError, rpc.rpc_transport)


class TestUpgradeChecks(base.TestCase):

    def check(self, name):
        return dict((n, f) for n, f in status.Checks._upgrade_checks)[name](
            status.Checks())

    def test_rpc_transport(self):
        result = self.check('RPC transport')
        self.assertEqual(upgradecheck.Code.SUCCESS, result.code)
        self.assertEqual('rpc_transport = none.', result.details)
        self.conf.config(transport_url=RABBIT)
        result = self.check('RPC transport')
        self.assertEqual(upgradecheck.Code.WARNING, result.code)
        self.assertIn('Set [DEFAULT]rpc_transport = oslo', result.details)
        self.conf.config(rpc_transport='none')
        result = self.check('RPC transport')
        self.assertEqual(upgradecheck.Code.WARNING, result.code)
        self.assertIn('ignores the transport_url', result.details)
        self.conf.config(rpc_transport='oslo')
        result = self.check('RPC transport')
        self.assertEqual(upgradecheck.Code.SUCCESS, result.code)
        self.assertEqual('rpc_transport = oslo.', result.details)

    def test_version_cap(self):
        result = self.check('Conductor RPC version cap')
        self.assertEqual(upgradecheck.Code.SUCCESS, result.code)
        self.conf.config(conductor='1.0', group='upgrade_levels')
        result = self.check('Conductor RPC version cap')
        self.assertEqual(upgradecheck.Code.WARNING, result.code)
        self.assertIn('Remove it once every conductor runs this release',
                      result.details)
        self.conf.config(conductor='2.3', group='upgrade_levels')
        result = self.check('Conductor RPC version cap')
        self.assertEqual(upgradecheck.Code.FAILURE, result.code)


def private_messaging_uses(path):
    """Lines of ``path`` that reach into oslo.messaging's private parts:
    a private module or name imported, or a private attribute of one of
    its modules read."""
    with open(path) as f:
        tree = ast.parse(f.read(), path)
    aliases, found = set(), []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split('.')[0] == 'oslo_messaging':
                    aliases.add(alias.asname or alias.name)
                    if '._' in alias.name:
                        found.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and (
                node.module or '').startswith('oslo_messaging'):
            aliases.update(a.asname or a.name for a in node.names)
            if '._' in node.module or any(
                    a.name.startswith('_') for a in node.names):
                found.append(node.lineno)
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and node.attr.startswith('_')
                and ast.unparse(node.value) in aliases):
            found.append(node.lineno)
    return sorted(found)


class TestNoPrivateMessaging(base.TestCase):

    def test_none_in_vnfsnap(self):
        root = os.path.dirname(vnfsnap.__file__)
        bad = []
        for dirpath, _, filenames in os.walk(root):
            for name in filenames:
                if name.endswith('.py'):
                    path = os.path.join(dirpath, name)
                    bad.extend('%s:%d' % (path, line)
                               for line in private_messaging_uses(path))
        self.assertEqual([], bad)

    def test_detects(self):
        path = os.path.join(self.state_path, 'x.py')
        with open(path, 'w') as f:
            f.write('from oslo_messaging import transport as t\n'
                    'import oslo_messaging._drivers.common\n'
                    'from oslo_messaging import _utils\n'
                    'import oslo_messaging as messaging\n'
                    'opts = t._transport_opts\n'
                    'ok = messaging.Target\n')
        self.assertEqual([2, 3, 5], private_messaging_uses(path))
