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

"""The libvirt driver's online test faults and probes on a mock domain:
links taken down in the live definition only, guest-agent exec polled
to its end, a hard reset (the functional tests run them on real
guests)."""

import base64
import json
from unittest import mock

import fixtures
import libvirt

from vnfsnap.common import exception
from vnfsnap.tests import base
from vnfsnap.vim import base as vim_base
from vnfsnap.vim.libvirt import driver as libvirt_driver

XML = """<domain><devices>
<interface type='network'><mac address='52:54:00:aa:00:01'/></interface>
<interface type='network'><mac address='52:54:00:aa:00:02'/>
<link state='up'/></interface>
</devices></domain>"""
VNFC = vim_base.Vnfc(id='vnfc-0', vdu_id='vdu',
                     compute_resource={'resourceId': 'guest-0'})


class LibvirtFaultTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.MockPatch('time.sleep'))
        self.dom = mock.Mock()
        self.dom.XMLDesc.return_value = XML
        self.driver = libvirt_driver.LibvirtDriver({})
        self.useFixture(fixtures.MockPatchObject(
            libvirt_driver.LibvirtDriver, '_domain',
            return_value=self.dom))
        self.agent = self.useFixture(fixtures.MockPatch(
            'libvirt_qemu.qemuAgentCommand')).mock

    def test_link_down_on_every_interface_live_only(self):
        changed = self.driver.set_link_state(VNFC, False)
        self.assertEqual(['52:54:00:aa:00:01', '52:54:00:aa:00:02'], changed)
        for call in self.dom.updateDeviceFlags.call_args_list:
            xml, flags = call.args
            self.assertIn("<link state=\"down\"", xml.replace("'", '"'))
            self.assertEqual(libvirt.VIR_DOMAIN_AFFECT_LIVE, flags)

    def test_link_up_of_one_mac(self):
        changed = self.driver.set_link_state(VNFC, True,
                                             '52:54:00:AA:00:02')
        self.assertEqual(['52:54:00:aa:00:02'], changed)
        self.assertEqual(1, self.dom.updateDeviceFlags.call_count)

    def test_unknown_mac_refused(self):
        self.assertRaises(exception.VimError, self.driver.set_link_state,
                          VNFC, False, '52:54:00:ff:ff:ff')

    def answers(self, *statuses):
        replies = [{'return': {'pid': 42}}] + [{'return': s}
                                               for s in statuses]
        self.agent.side_effect = [json.dumps(r) for r in replies]

    def test_guest_exec_polls_until_exited(self):
        out = base64.b64encode(b'OK\n').decode()
        self.answers({'exited': False},
                     {'exited': True, 'exitcode': 3, 'out-data': out})
        result = self.driver.guest_exec(VNFC, ['/bin/check', '-v'], 10)
        self.assertEqual((3, 'OK\n', ''), (result.exit_status,
                                           result.stdout, result.stderr))
        first = json.loads(self.agent.call_args_list[0].args[1])
        self.assertEqual({'execute': 'guest-exec', 'arguments': {
            'path': '/bin/check', 'arg': ['-v'], 'capture-output': True}},
            first)

    def test_guest_exec_killed_by_a_signal(self):
        self.answers({'exited': True, 'signal': 9})
        self.assertEqual(137, self.driver.guest_exec(
            VNFC, ['sleep', '9'], 10).exit_status)

    def test_guest_exec_that_does_not_end_in_time(self):
        self.conf.config(agent_timeout=1, group='libvirt')
        self.agent.side_effect = lambda *a: json.dumps(
            {'return': {'pid': 42, 'exited': False}})
        with mock.patch('time.monotonic', side_effect=[0, 0, 100]):
            self.assertRaises(exception.VimError, self.driver.guest_exec,
                              VNFC, ['sleep', '99'], 5)

    def test_reset(self):
        self.driver.reset_vnfc(VNFC)
        self.dom.reset.assert_called_once_with(0)
