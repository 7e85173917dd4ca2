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

"""The single-machine OpenStack of tools/openstack-aio really works.

One test brings the whole cloud up (openstack_services.OpenStackCloud,
nova-compute included), boots the test guest through Nova under TCG,
attaches, detaches and re-attaches a Cinder volume (NFS driver), snapshots
the server with createImage, downloads the snapshot from Glance, checks
that Swift takes a Keystone token, then stops the cloud and checks that no
process, guest or mount is left behind.

Run with ``tox -e functional-openstack`` or
``.venv/bin/stestr --test-path ./vnfsnap/tests/functional run
--concurrency 1 test_openstack_cloud``, after
tools/openstack-aio/install.sh.  Takes about 3 minutes.
"""

import os
import subprocess
import uuid

from testtools import content

from vnfsnap.tests.fixtures import libvirt_services
from vnfsnap.tests.fixtures import openstack_services
from vnfsnap.tests.fixtures import openstack_vnfcs
from vnfsnap.tests.fixtures import services
from vnfsnap.tests.functional import base

#: Seconds a server gets to become ACTIVE, an image or volume to settle.
TIMEOUT = 300
QCOW2_MAGIC = b'QFI\xfb'


def _mounts_under(path):
    with open('/proc/self/mountinfo') as f:
        return [line.split()[4] for line in f
                if line.split()[4].startswith(path)]


class TestOpenStackCloud(base.FunctionalTestCase):
    """Not under the unit tests' 120 s alarm: nova-compute first waits
    for the other worker's guest test to end (SharedDaemons.alone), and
    every wait here has its own bound."""

    def wait(self, what, check, timeout=TIMEOUT, interval=1):
        return openstack_vnfcs.wait(what, check, timeout, interval)

    def server(self, server_id):
        return self.cloud.api('compute', 'GET',
                              '/servers/%s' % server_id).json()['server']

    def volume(self, volume_id):
        return self.cloud.api('volumev3', 'GET',
                              '/volumes/%s' % volume_id).json()['volume']

    def image(self, image_id):
        return self.cloud.api('image', 'GET', '/v2/images/%s' % image_id
                              ).json()

    def volume_status(self, volume_id, status):
        def check():
            v = self.volume(volume_id)
            self.assertNotIn('error', v['status'], v)
            return v['status'] == status and v
        return self.wait('volume %s %s' % (volume_id, status), check)

    def attach(self, server_id, volume_id):
        att = self.cloud.api(
            'compute', 'POST', '/servers/%s/os-volume_attachments'
            % server_id, json={'volumeAttachment': {'volumeId': volume_id}}
        ).json()['volumeAttachment']
        self.volume_status(volume_id, 'in-use')
        return att

    def detach(self, server_id, volume_id):
        self.cloud.api('compute', 'DELETE',
                       '/servers/%s/os-volume_attachments/%s'
                       % (server_id, volume_id))
        self.volume_status(volume_id, 'available')

    def test_boot_attach_snapshot_and_stop(self):
        self.cloud = openstack_services.OpenStackCloud(compute=True)
        self.cloud.setUp()
        try:
            pids = self._exercise()
        finally:
            base_dir = self.cloud.base
            started = self.cloud.pids()
            self.cloud.cleanUp()
        left = [(n, p) for n, p in started.items() if services.pid_alive(p)]
        self.assertEqual([], left, 'processes left running')
        self.assertEqual([], [p for p in pids if services.pid_alive(p)],
                         'QEMU left running')
        self.assertEqual([], _mounts_under(base_dir))
        self.assertFalse(os.path.exists(base_dir))

    def _exercise(self):
        cloud = self.cloud
        self.addDetail('start-up timings (s)',
                       content.text_content(repr(cloud.timings)))

        server_id = cloud.api('compute', 'POST', '/servers', json={
            'server': {'name': 'aio-smoke', 'imageRef': cloud.image_id,
                       'flavorRef': cloud.flavor_id, 'networks': 'none'}}
        ).json()['server']['id']

        def active():
            s = self.server(server_id)
            self.assertNotEqual('ERROR', s['status'], s.get('fault'))
            return s['status'] == 'ACTIVE' and s
        server = self.wait('server ACTIVE', active)
        self.assertEqual(openstack_services.HOST,
                         server['OS-EXT-SRV-ATTR:host'])

        def console():
            out = cloud.api('compute', 'POST',
                            '/servers/%s/action' % server_id,
                            json={'os-getConsoleOutput': {}}
                            ).json()['output']
            return 'vnfsnap-init: started' in out and out
        self.wait('guest init on the console', console)
        qemu_pids = self._qemu_pids(server_id)
        self.assertEqual(1, len(qemu_pids), 'one QEMU for the server')

        volume_id = cloud.api('volumev3', 'POST', '/volumes', json={
            'volume': {'size': 1, 'name': 'aio-smoke-data'}}
        ).json()['volume']['id']
        volume = self.volume_status(volume_id, 'available')
        self.assertEqual(openstack_services.VOLUME_TYPE,
                         volume['volume_type'])
        att = self.attach(server_id, volume_id)
        self.assertEqual('/dev/vdb', att['device'])
        # The last detach makes Nova unmount the share, and the next
        # attach needs it mounted again: both must work.
        self.detach(server_id, volume_id)
        self.attach(server_id, volume_id)

        image_id = cloud.api('compute', 'POST',
                             '/servers/%s/action' % server_id,
                             json={'createImage': {'name': 'aio-smoke-snap'}}
                             ).json()['image_id']

        def image_active():
            img = self.image(image_id)
            self.assertNotIn(img['status'], ('killed', 'deleted'), img)
            return img['status'] == 'active' and img
        image = self.wait('snapshot image active', image_active)
        self.assertEqual('qcow2', image['disk_format'])
        self.assertGreater(image['size'], 1024 * 1024)
        data = cloud.api('image', 'GET', '/v2/images/%s/file' % image_id,
                         headers={'Range': 'bytes=0-3'}).content
        self.assertEqual(QCOW2_MAGIC, data[:4])

        # Swift behind Keystone: a token of the same session works.
        cloud.api('object-store', 'PUT', '/aio-smoke')
        cloud.api('object-store', 'PUT', '/aio-smoke/o', data=b'snap')
        self.assertEqual(b'snap', cloud.api('object-store', 'GET',
                                            '/aio-smoke/o').content)
        return qemu_pids

    @staticmethod
    def _qemu_pids(server_id):
        """PIDs of the QEMU processes running this server (by its uuid)."""
        found = []
        for name in os.listdir('/proc'):
            if not name.isdigit():
                continue
            try:
                with open('/proc/%s/cmdline' % name, 'rb') as f:
                    cmd = f.read().split(b'\0')
            except OSError:
                continue
            if (cmd and cmd[0].endswith(b'qemu-system-x86_64')
                    and server_id.encode() in b' '.join(cmd)):
                found.append(int(name))
        return found


class TestKilledCloudsDomains(base.FunctionalTestCase):
    """A cloud of a killed test run leaves its Nova domains defined, and
    nova-compute refuses to start beside them: the next cloud removes
    them, and names any other domain instead of waiting for Nova."""

    DOMAIN = """<domain type='qemu'><name>%s</name><memory>16384</memory>
      <metadata>%s</metadata><os><type>hvm</type></os></domain>"""
    NOVA = ('<nova:instance xmlns:nova='
            '"http://openstack.org/xmlns/libvirt/nova/1.1"/>')

    def define(self, name, metadata=''):
        self.conn.defineXML(self.DOMAIN % (name, metadata))
        self.addCleanup(self._undefine, name)
        return name

    def _undefine(self, name):
        import libvirt
        try:
            self.conn.lookupByName(name).undefine()
        except libvirt.libvirtError:
            pass  # removed by the test

    def test_dead_clouds_domains_go_others_are_named(self):
        libvirt_services.require_libvirt()
        daemons = self.useFixture(libvirt_services.LibvirtDaemons())
        self.conn = daemons.connect()
        proc = subprocess.Popen(['sleep', '600'])
        dead_tag = services.process_tag(proc.pid)
        proc.kill()
        proc.wait()
        suffix = uuid.uuid4().hex[:8]
        with daemons.shared.alone():
            killed = self.define('vnfsnap-aio-%s-%s' % (dead_tag, suffix))
            legacy = self.define('instance-%s' % suffix, self.NOVA)
            live = self.define('vnfsnap-aio-%s-%s' % (
                services.process_tag(), suffix))
            foreign = self.define('vnfsnap-ft-foreign-%s' % suffix)
            error = self.assertRaises(
                openstack_services.CloudError,
                openstack_services.OpenStackCloud._remove_dead_clouds_domains,
                self.conn)
            left = {d.name() for d in self.conn.listAllDomains()}
        self.assertNotIn(killed, left)
        self.assertNotIn(legacy, left)
        self.assertLessEqual({live, foreign}, left)
        self.assertIn('%s, %s' % (live, foreign), str(error))
