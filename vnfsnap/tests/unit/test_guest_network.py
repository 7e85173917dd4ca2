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

"""The test guests' network: the bridge's name and subnet choice of the
guest_network fixture, and the NIC and address a test domain gets in its
XML (vnfsnap_demo.domains), with no bridge or domain created."""

import ipaddress
import json
import xml.etree.ElementTree as ET  # noqa: S405 (our own XML)

import testtools

from vnfsnap.tests.fixtures import guest_network
from vnfsnap_demo import domains
from vnfsnap_demo import guest_image


def net(text):
    return ipaddress.ip_network(text)


class TestSubnetChoice(testtools.TestCase):

    def test_bridge_name_fits_linux_limit(self):
        # Linux's pid_max is at most 2**22.
        self.assertEqual('vsbr4194304', guest_network.bridge_name(4194304))
        self.assertLessEqual(len(guest_network.bridge_name(4194304)), 15)

    def test_subnet_from_pid(self):
        self.assertEqual(net('10.200.0.0/24'),
                         guest_network.choose_subnet(0, set()))
        self.assertEqual(net('10.201.1.0/24'),
                         guest_network.choose_subnet(257, set()))

    def test_two_pids_two_subnets(self):
        a = guest_network.choose_subnet(31337, set())
        b = guest_network.choose_subnet(31338, set())
        self.assertFalse(a.overlaps(b))

    def test_taken_networks_are_skipped(self):
        first = guest_network.choose_subnet(5, set())
        taken = {first, net('10.200.6.0/25')}
        chosen = guest_network.choose_subnet(5, taken)
        self.assertEqual(net('10.200.7.0/24'), chosen)
        # A wide route of the host covers every candidate.
        self.assertRaises(guest_network.NetworkError,
                          guest_network.choose_subnet, 5,
                          {net('10.0.0.0/8')})

    def test_wraps_around(self):
        last = guest_network.SUBNETS - 1
        self.assertEqual(net('10.249.255.0/24'),
                         guest_network.choose_subnet(last, set()))
        self.assertEqual(net('10.200.0.0/24'),
                         guest_network.choose_subnet(
                             last, {net('10.249.255.0/24')}))

    def test_host_networks_from_ip_json(self):
        addresses = json.dumps([
            {'ifname': 'lo', 'addr_info': [
                {'family': 'inet', 'local': '127.0.0.1', 'prefixlen': 8}]},
            {'ifname': 'eth0', 'addr_info': [
                {'family': 'inet', 'local': '10.201.3.7', 'prefixlen': 20},
                {'family': 'inet6', 'local': 'fe80::1', 'prefixlen': 64}]},
            {'ifname': 'dummy0', 'addr_info': []}])
        routes = json.dumps([
            {'dst': 'default', 'gateway': '10.201.0.1'},
            {'dst': '10.220.5.0/24', 'dev': 'vsbr1'},
            {'dst': '192.0.2.9', 'dev': 'eth0'},
            {'dst': 'not-a-network'}])
        self.assertEqual(
            {net('127.0.0.0/8'), net('10.201.0.0/20'),
             net('10.220.5.0/24'), net('192.0.2.9/32')},
            guest_network.host_networks(addresses, routes))
        self.assertEqual(set(), guest_network.host_networks('', '[]'))

    def test_guest_addresses(self):
        subnet = net('10.200.9.0/24')
        self.assertEqual('10.200.9.11/24',
                         guest_network.guest_address(subnet, 1))
        self.assertEqual('10.200.9.12/24',
                         guest_network.guest_address(subnet, 2))


def image():
    return guest_image.GuestImage(
        key='k', directory='/img', kernel='/img/vmlinuz',
        initrd='/img/initrd.img', root_disk='/img/root.qcow2',
        data_disk='/img/data.qcow2', manifest={}, built=False, seconds=0)


class TestDomainInterface(testtools.TestCase):

    def xml(self, **kwargs):
        text = domains.domain_xml('g-1', image(), '/d/root.qcow2',
                                  '/d/console.log', **kwargs)
        return ET.fromstring(text)  # noqa: S314 (our own XML)

    def test_no_nic_by_default(self):
        root = self.xml()
        self.assertEqual([], root.findall('devices/interface'))
        self.assertNotIn('vnfsnap.ip=', root.find('os/cmdline').text)

    def test_bridge_nic_and_address(self):
        iface = domains.Interface(bridge='vsbr42', address='10.200.42.11/24',
                                  mac='52:54:00:00:00:0b')
        root = self.xml(interface=iface)
        (nic,) = root.findall('devices/interface')
        self.assertEqual('bridge', nic.get('type'))
        self.assertEqual('vsbr42', nic.find('source').get('bridge'))
        self.assertEqual('virtio', nic.find('model').get('type'))
        self.assertEqual('52:54:00:00:00:0b', nic.find('mac').get('address'))
        cmdline = root.find('os/cmdline').text.split()
        self.assertIn('vnfsnap.ip=10.200.42.11/24', cmdline)
        self.assertIn('vnfsnap.name=g-1', cmdline)
        self.assertEqual('10.200.42.11', iface.ip)

    def test_mac_left_to_libvirt(self):
        root = self.xml(interface=domains.Interface('vsbr1', '10.0.0.2/24'))
        self.assertIsNone(root.find('devices/interface/mac'))

    def test_interfaces_must_match_names(self):
        e = self.assertRaises(
            domains.DomainError, domains.create, None, image(), 2, '/tmp',
            'vnfsnap-x', interfaces=[None])
        self.assertIn('1 interfaces for 2 domains', str(e))

    def test_guest_image_carries_the_service(self):
        self.assertIn('virtio_net', guest_image.MODULES)
        self.assertIn('busybox', guest_image.INCLUDE_PACKAGES)
        self.assertIn('busybox', guest_image.KEYED_PACKAGES)
        files = guest_image.guest_files()
        httpd = files['usr/local/sbin/vnfsnap-httpd'][1]
        self.assertIn("my $HEALTH = '/data/health';", httpd)
        self.assertIn("my $PID_FILE = '/run/vnfsnap/httpd.pid';", httpd)
        self.assertIn('my $PORT = 80;', httpd)
        init = files['sbin/vnfsnap-init'][1]
        self.assertIn('vnfsnap.ip=?*)', init)
        self.assertIn('sleep 2\n', init)
