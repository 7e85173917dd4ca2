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

"""VimDriver.collect_diagnostics: the libvirt driver on libvirt's test
driver (test:///default) with log files of its own, the OpenStack driver
on the in-memory cloud behind its facade."""

import json
import os

import fixtures
import libvirt
from oslo_utils import uuidutils

from vnfsnap import vim
from vnfsnap.common import exception
from vnfsnap.tests import base
from vnfsnap.tests.fixtures import openstack_fakes
from vnfsnap.vim import base as vim_base
from vnfsnap.vim.libvirt import driver as libvirt_driver
from vnfsnap.vim.openstack import driver as os_driver

URI = 'test:///default'
DOMAIN = """<domain type='test'>
  <name>%(name)s</name><uuid>%(uuid)s</uuid>
  <memory>65536</memory><vcpu>1</vcpu>
  <os><type>hvm</type></os>
  <devices>
    <serial type='file'><source path='%(console)s'/>
      <target port='0'/></serial>
    <console type='file'><source path='%(console)s'/>
      <target type='serial' port='0'/></console>
    <serial type='pty'><log file='%(pty_log)s'/><target port='1'/></serial>
  </devices>
</domain>"""


class TestBounded(base.TestCase):

    def test_tail_with_a_note(self):
        self.assertEqual(b'short', vim_base.bounded(b'short', 100))
        data = vim_base.bounded(b'a' * 1000 + b'END', 200)
        self.assertLessEqual(len(data), 200)
        self.assertTrue(data.startswith(b'[vnfsnap: the first 867 bytes '
                                        b'are left out]\n'), data)
        self.assertTrue(data.endswith(b'END'))
        path = os.path.join(self.state_path, 'log')
        with open(path, 'wb') as f:
            f.write(b'a' * 10000 + b'END')
        tail = vim_base.tail_file(path, 200)
        self.assertEqual(data[-100:], tail[-100:])
        self.assertLessEqual(len(tail), 200)
        self.assertTrue(tail.startswith(b'[vnfsnap: the first 9867 bytes '
                                        b'are left out]\n'), tail)


class TestLibvirt(base.TestCase):

    def setUp(self):
        super().setUp()
        self.logs = os.path.join(self.state_path, 'qemu')
        os.makedirs(self.logs)
        self.conf.config(qemu_log_dir=self.logs, group='libvirt')
        self.conn = libvirt.open(URI)
        self.name = 'vnfsnap-diag-%s' % uuidutils.generate_uuid()[:8]
        self.console = os.path.join(self.state_path, 'console.log')
        self.pty_log = os.path.join(self.state_path, 'pty.log')
        self.dom = self.conn.defineXML(DOMAIN % {
            'name': self.name, 'uuid': uuidutils.generate_uuid(),
            'console': self.console, 'pty_log': self.pty_log})
        self.addCleanup(self.dom.undefine)
        self.driver = libvirt_driver.LibvirtDriver(
            {'interfaceInfo': {'uri': URI}})
        self.vnfc = vim_base.Vnfc(
            id='vnfc-0', vdu_id='vdu', compute_resource={
                'vimConnectionId': 'vim1', 'resourceId': self.name})

    def test_domain_xml_qemu_and_console_logs(self):
        with open(os.path.join(self.logs, self.name + '.log'), 'wb') as f:
            f.write(b'qemu started\n' * 1000 + b'qemu: last words\n')
        with open(self.console, 'wb') as f:
            f.write(b'login: \n')
        items = dict(self.driver.collect_diagnostics(self.vnfc, 4096))
        self.assertIn(self.name.encode(), items['domain.xml'])
        state = json.loads(items['domain-state.json'])
        self.assertEqual(self.name, state['name'])
        self.assertEqual('shutoff', state['state'])
        qemu = items['qemu.log']
        self.assertLessEqual(len(qemu), 4096)
        self.assertTrue(qemu.startswith(b'[vnfsnap: the first '))
        self.assertTrue(qemu.endswith(b'qemu: last words\n'))
        # The serial port and the console are one file: read once.
        self.assertEqual(b'login: \n', items['console-0.log'])
        self.assertIn(('cannot read %s: No such file or directory'
                       % self.pty_log).encode(),
                      items['console-1.log.unavailable'])

    def test_unknown_domain_raises(self):
        vnfc = vim_base.Vnfc(id='vnfc-9', vdu_id='vdu', compute_resource={
            'resourceId': 'no-such-domain'})
        self.assertRaises(exception.VimError,
                          self.driver.collect_diagnostics, vnfc, 4096)


VIM = {'vimType': os_driver.VIM_TYPE,
       'interfaceInfo': {'endpoint': 'http://keystone.test:5000/v3'},
       'accessInfo': {'username': 'vnfm', 'password': 'pw-not-logged',
                      'project': 'vnf', 'region': 'RegionOne'}}


class TestOpenStack(base.TestCase):

    def setUp(self):
        super().setUp()
        self.cloud = openstack_fakes.FakeCloud()
        self.useFixture(fixtures.MockPatch(
            'vnfsnap.vim.openstack.clients.OpenStackClients',
            return_value=self.cloud))
        self.driver = vim.get_driver(VIM)
        self.image = self.cloud.add_image(b'base', os_type='linux')
        self.volume = self.cloud.add_volume(b'data', size=2)
        self.server = self.cloud.add_server(image_id=self.image,
                                            volumes=[self.volume])
        self.vnfc = vim_base.Vnfc(id='vnfc-0', vdu_id='vdu',
                                  compute_resource={'resourceId':
                                                    self.server})

    def test_actions_events_console_volumes_images(self):
        self.cloud.actions[self.server] = [
            {'action': 'createImage', 'request_id': 'req-1',
             'events': [{'event': 'compute_snapshot_instance',
                         'result': 'Success'}]},
            {'action': 'stop', 'request_id': 'req-2', 'events': []}]
        self.cloud.consoles[self.server] = '\n'.join(
            'boot line %d' % i for i in range(5000))
        items = dict(self.driver.collect_diagnostics(self.vnfc, 8192))
        self.assertEqual(self.server,
                         json.loads(items['server.json'])['id'])
        actions = json.loads(items['instance-actions.json'])
        self.assertEqual(['createImage', 'stop'],
                         [a['action'] for a in actions])
        self.assertEqual('compute_snapshot_instance',
                         actions[0]['events'][0]['event'])
        console = items['console.log']
        self.assertLessEqual(len(console), 8192)
        self.assertTrue(console.endswith(b'boot line 4999'))
        self.assertIn(('console_output', (self.server, 40)),
                      self.cloud.calls)
        self.assertEqual(self.volume, json.loads(
            items['volume-%s.json' % self.volume])['id'])
        self.assertEqual('linux', json.loads(
            items['image-%s.json' % self.image])['properties']['os_type'])

    def test_what_the_cloud_refuses_is_said_not_fatal(self):
        self.cloud.fail['console_output'] = exception.VimError(
            reason='Policy does not allow os_compute_api:os-console-output')
        items = dict(self.driver.collect_diagnostics(self.vnfc, 8192))
        self.assertIn(b'Policy does not allow',
                      items['console.log.unavailable'])
        self.assertIn('server.json', items)

    def test_gone_server_raises(self):
        del self.cloud.servers[self.server]
        self.assertRaises(exception.VimError,
                          self.driver.collect_diagnostics, self.vnfc, 8192)
