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

"""A new user's VNF, from Nova servers to a downloaded package, through the
real ``openstack`` command.

vnfsnap runs behind the shared cloud's Keystone (keystone_vnfsnap) and is
found in its catalog.  A member of a project boots two servers of the test
guest with a Cinder volume each, then only uses the ``openstack`` CLI with
a clouds.yaml (``OS_CLOUD``): registers the VNF from the servers in one
command, snapshots, reverts, builds a VNF snapshot package and downloads
it, with ``--wait`` and progress on a terminal.  The member of another
project sees none of it.
"""

import hashlib
import json
import os
import pty
import select
import subprocess
import time

from testtools import content

from vnfsnap.tests.fixtures import keystone_vnfsnap
from vnfsnap.tests.fixtures import openstack_services
from vnfsnap.tests.fixtures import openstack_vnfcs
from vnfsnap.tests.functional import base

TIMEOUT = 900


class TestOpenStackCli(base.FunctionalTestCase):

    def setUp(self):
        super().setUp()
        self.cloud = openstack_services.shared_cloud()
        # Cleanups run last-in first-out: the servers, volumes and images
        # go before the users and projects.
        self.vnfsnap = self.useFixture(
            keystone_vnfsnap.KeystoneVnfsnap(self.cloud))
        _, data_image = openstack_vnfcs.shared_cloud_and_guests(self)
        self.clouds_yaml = self.vnfsnap.clouds_yaml(
            os.path.join(self.tmp, 'clouds.yaml'))
        member = self.vnfsnap.session('member_a')
        self.servers = [openstack_vnfcs.boot_vnfc(
            self.cloud, 'cli-vnfc-%d' % i, data_image, sess=member)
            for i in range(2)]
        self.timings = []

    def tearDown(self):
        self.addDetail('timings', content.text_content(
            '\n'.join(self.timings)))
        super().tearDown()

    # --- the openstack command -------------------------------------------

    def env(self, persona):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith('OS_')}
        env.update(OS_CLIENT_CONFIG_FILE=self.clouds_yaml, OS_CLOUD=persona,
                   HOME=self.tmp, COLUMNS='200')
        return env

    def timed(self, persona, args, started):
        self.timings.append('%5.1f s  %s: openstack %s' % (
            time.monotonic() - started, persona, ' '.join(args[:5])))

    def openstack(self, persona, *args, check=True):
        """Run ``openstack ARGS`` as ``persona``; (exit code, stdout,
        stderr).  Fails the test on a non-zero exit when ``check``."""
        started = time.monotonic()
        proc = subprocess.run(
            [base.command('openstack')] + list(args), env=self.env(persona),
            capture_output=True, text=True, timeout=TIMEOUT)
        self.timed(persona, args, started)
        if check:
            self.assertEqual(0, proc.returncode, '%s: %s' % (
                ' '.join(args), proc.stderr[-2000:]))
        return proc.returncode, proc.stdout, proc.stderr

    def json(self, persona, *args):
        return json.loads(self.openstack(persona, *args, '-f', 'json')[1])

    def on_terminal(self, persona, *args):
        """Run ``openstack ARGS`` with a terminal as its stdout and stderr
        (where --wait and downloads show progress); (exit code, output)."""
        started = time.monotonic()
        leader, follower = pty.openpty()
        proc = subprocess.Popen(
            [base.command('openstack')] + list(args), env=self.env(persona),
            stdin=subprocess.DEVNULL, stdout=follower, stderr=follower)
        os.close(follower)
        output = b''
        deadline = time.monotonic() + TIMEOUT
        try:
            while time.monotonic() < deadline:
                ready, _, _ = select.select([leader], [], [], 1)
                if ready:
                    try:
                        chunk = os.read(leader, 65536)
                    except OSError:     # EIO: the command closed the pty
                        chunk = b''
                    if not chunk:
                        break
                    output += chunk
            proc.wait(timeout=max(1, deadline - time.monotonic()))
        finally:
            os.close(leader)
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        self.timed(persona, args, started)
        return proc.returncode, output.decode(errors='replace')

    # --- the test ---------------------------------------------------------

    def markers(self):
        return openstack_vnfcs.read_markers(self.cloud, self.servers)

    def test_member_snapshots_reverts_and_downloads_with_the_cli(self):
        me = 'member_a'
        inst = self.json(
            me, 'vnf', 'instance', 'register',
            '--server', self.servers[0]['name'],
            '--server', self.servers[1]['name'],
            '--name', 'cli-vnf', '--vnfd-id', 'vnfd-cli',
            '--provider', 'acme', '--product', 'fw',
            '--software-version', '1.0', '--vnfd-version', '1.0')
        self.assertEqual('INSTANTIATED', inst['instantiationState'])
        vnfcs = inst['instantiatedVnfInfo']['vnfcResourceInfo']
        self.assertEqual({s['id'] for s in self.servers},
                         {v['computeResource']['resourceId'] for v in vnfcs})
        volumes = inst['instantiatedVnfInfo']['virtualStorageResourceInfo']
        self.assertEqual({s['volume'] for s in self.servers},
                         {v['storageResource']['resourceId']
                          for v in volumes})

        openstack_vnfcs.write_markers(self.cloud, self.servers, 'snapshot')
        code, out = self.on_terminal(me, 'vnf', 'snapshot', 'create',
                                     inst['id'], '--name', 'first',
                                     '--wait')
        self.assertEqual(0, code, out)
        # The occurrence's state, rewritten in place while it runs.
        self.assertIn('\rCREATE_SNAPSHOT PROCESSING', out)
        self.assertIn('\rCREATE_SNAPSHOT COMPLETED', out)
        snap = self.json(me, 'vnf', 'snapshot', 'list', '--instance',
                         inst['id'])
        self.assertEqual(1, len(snap), snap)
        snap = self.json(me, 'vnf', 'snapshot', 'show', snap[0]['ID'])
        self.assertEqual(inst['id'],
                         snap['vnfSnapshot']['vnfInstanceId'])

        openstack_vnfcs.write_markers(self.cloud, self.servers, 'changed')
        op = self.json(me, 'vnf', 'snapshot', 'revert', snap['id'],
                       '--wait')
        self.assertEqual('COMPLETED', op['operationState'], op)
        self.assertEqual({'snapshot'}, self.markers())

        pkg = self.json(me, 'vnf', 'snapshot', 'package', 'create',
                        'cli-package')
        pkg = self.json(me, 'vnf', 'snapshot', 'package', 'build',
                        pkg['id'], '--snapshot', snap['id'], '--wait')
        self.assertEqual('AVAILABLE', pkg['state'], pkg)
        path = os.path.join(self.tmp, 'cli-package.zip')
        code, out = self.on_terminal(me, 'vnf', 'snapshot', 'package',
                                     'download', pkg['id'], '--file', path)
        self.assertEqual(0, code, out)
        self.assertIn('%', out)
        digest = hashlib.sha256()
        with open(path, 'rb') as f:
            for block in iter(lambda: f.read(1024 * 1024), b''):
                digest.update(block)
        self.assertEqual(pkg['checksum']['hash'], digest.hexdigest())

        self.assert_invisible_to_the_other_project(inst, snap, op, pkg)

        # The member removes it all again: the snapshot's images and
        # volume snapshots go with it.
        self.openstack(me, 'vnf', 'snapshot', 'package', 'delete', pkg['id'])
        self.openstack(me, 'vnf', 'snapshot', 'delete', snap['id'])
        self.openstack(me, 'vnf', 'instance', 'delete', inst['id'])
        self.assertEqual([], self.json(me, 'vnf', 'instance', 'list'))

    def assert_invisible_to_the_other_project(self, inst, snap, op, pkg):
        other = 'member_b'
        for args in (('vnf', 'instance', 'show', inst['id']),
                     ('vnf', 'instance', 'show', 'cli-vnf'),
                     ('vnf', 'snapshot', 'show', snap['id']),
                     ('vnf', 'operation', 'show', op['id']),
                     ('vnf', 'snapshot', 'package', 'show', pkg['id']),
                     ('vnf', 'snapshot', 'revert', snap['id'],
                      '--instance', inst['id']),
                     ('vnf', 'snapshot', 'package', 'download', pkg['id'],
                      '--file', os.path.join(self.tmp, 'stolen.zip'))):
            with self.subTest(args=args):
                code, out, err = self.openstack(other, *args, check=False)
                self.assertNotEqual(0, code, out)
                self.assertNotIn(inst['id'] if args[-1] == 'cli-vnf'
                                 else 'Traceback', err)
        self.assertFalse(os.path.exists(os.path.join(self.tmp,
                                                     'stolen.zip')))
        for args in (('vnf', 'instance', 'list'), ('vnf', 'snapshot', 'list'),
                     ('vnf', 'operation', 'list'),
                     ('vnf', 'snapshot', 'package', 'list')):
            with self.subTest(args=args):
                self.assertEqual([], self.json(other, *args))
