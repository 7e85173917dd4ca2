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

"""A root-cause package (GR NFV-TST 005 clause 4.2.1) of real libvirt
guests, built and sent with the openstack CLI as an operator would:
the diagnostics part holds the domain XML, QEMU and console logs, the
operation history and vnfsnap's log lines with the request id, none of
the secrets planted in the VIM's access info, the configuration and the
guests' console; the package is signed, sent to a (loopback) vendor
HTTPS receiver, and imported again there, verified against its manifest
and signature."""

import hashlib
import json
import os
import subprocess
import sys
import zipfile

import yaml

from vnfsnap.tests.fixtures import pki
from vnfsnap.tests.fixtures import vendor_receiver
from vnfsnap.tests.functional import base
from vnfsnap.tests.functional import libvirt_base

PKGM = base.PKGM
BIN = os.path.dirname(sys.executable)
VIM_PASSWORD = 'VimPw-planted-4e1d'
RABBIT_PASSWORD = 'RabbitPw-planted-8c2a'
TOKEN = 'gAAAAB-planted-token-3f9b'
SENDER_PASSWORD = 'vendor-pw-5a7c'


class TestRootCausePackage(libvirt_base.GuestsTestCase):

    GUESTS = 2

    def openstack(self, *args):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith('OS_')}
        env['VNFSNAP_SEND_PASSWORD'] = SENDER_PASSWORD
        done = subprocess.run(
            [os.path.join(BIN, 'openstack'), '--os-auth-type', 'none',
             '--os-endpoint', 'http://127.0.0.1:%d' % self.port]
            + [str(a) for a in args], env=env, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, timeout=600, check=False)
        self.assertEqual(0, done.returncode, done.stderr)
        # The user guide's walk-through shows these runs: with
        # VNFSNAP_FT_TRANSCRIPT set, each command and its output is kept.
        if os.environ.get('VNFSNAP_FT_TRANSCRIPT'):
            with open(os.environ['VNFSNAP_FT_TRANSCRIPT'], 'a') as f:
                f.write('$ openstack %s\n%s\n' % (
                    ' '.join(str(a) for a in args), done.stdout))
        return done.stdout

    def test_build_send_and_import_a_root_cause_package(self):
        keys = self.useFixture(pki.Pki())
        cert, key = keys.signer
        with open(self.conf, 'a') as f:
            f.write('[package]\nsigning_cert_file = %s\n'
                    'signing_key_file = %s\nsignature_ca_file = %s\n'
                    'require_signature = true\n'
                    % (keys.write_certs('s.pem', cert),
                       keys.write_key('s.key', key), keys.ca_file))
        # A password in the configuration, as a deployment has one.
        with open(self.conf) as f:
            text = f.read()
        with open(self.conf, 'w') as f:
            f.write(text.replace('[DEFAULT]\n', '[DEFAULT]\nrpc_transport '
                                 '= none\ntransport_url = rabbit://'
                                 'vnfsnap:%s@127.0.0.1:5672/\n'
                                 % RABBIT_PASSWORD, 1))
        self.start_service()
        body = self.registration()
        resp = self.api.post('/vnflcm/v2/vnf_instances', json=body)
        self.assertEqual(201, resp.status_code, resp.text)
        inst = resp.json()['id']
        # What a failing VNF could have printed on its console.
        for td in self.created:
            with open(td.console_log, 'a') as f:
                f.write('app: connecting with transport_url = rabbit://'
                        'app:%s@mq:5672/\napp: X-Auth-Token: %s\n'
                        'app: the VIM password %s was refused\n'
                        % (RABBIT_PASSWORD, TOKEN, VIM_PASSWORD))

        info = self.api.post('/vnflcm/v2/vnf_snapshots', json={}).json()
        resp = self.api.post('/vnflcm/v2/vnf_instances/%s/create_snapshot'
                             % inst, json={'vnfSnapshotInfoId': info['id']})
        self.assertEqual(202, resp.status_code, resp.text)
        request_id = resp.headers['x-openstack-request-id']
        op_id = resp.headers['Location'].rsplit('/', 1)[-1]
        op = self.api.wait_for_op(resp.headers['Location'], timeout=180)
        self.assertEqual('COMPLETED', op['operationState'], op)

        self.openstack('vnf', 'snapshot', 'package', 'create', 'rca-case-1')
        shown = yaml.safe_load(self.openstack(
            'vnf', 'snapshot', 'package', 'build', 'rca-case-1',
            '--snapshot', info['id'], '--diagnostics', '--wait',
            '-f', 'yaml', '-c', 'id', '-c', 'state', '-c', 'checksum'))
        self.assertEqual('AVAILABLE', shown['state'], shown)
        pkg_id = shown['id']
        listed = self.openstack(
            'vnf', 'snapshot', 'package', 'artifact', 'list', 'rca-case-1',
            '-f', 'value', '-c', 'Path', '-c', 'Role', '-c', 'Size')
        paths = {line.split()[0] for line in listed.splitlines()
                 if line.split()[1] == 'diagnostics'}

        # One item, as the operator reads it before it goes.
        log_file = os.path.join(self.tmp, 'op.log')
        self.openstack('vnf', 'snapshot', 'package', 'artifact', 'download',
                       'rca-case-1', 'diagnostics/logs/%s.log' % op_id,
                       '--file', log_file)
        with open(log_file) as f:
            downloaded_log = f.read()
        if os.environ.get('VNFSNAP_FT_TRANSCRIPT'):
            with open(os.environ['VNFSNAP_FT_TRANSCRIPT'], 'a') as f:
                f.write('$ cat %s\n%s\n' % (os.path.basename(log_file),
                                            downloaded_log))

        # Sent to the vendor, who keeps it: HTTPS, its CA given.
        receiver = self.useFixture(vendor_receiver.VendorReceiver(
            keys, 'acme', SENDER_PASSWORD))
        out = self.openstack(
            'vnf', 'snapshot', 'package', 'send', 'rca-case-1', '--url',
            receiver.base + '/cases/1/rca.zip', '--username', 'acme',
            '--ca-file', receiver.ca_file)
        self.assertIn('the receiver answered HTTP 201', out)
        headers, data = receiver.received['/cases/1/rca.zip']
        pkgm = base.Client('http://127.0.0.1:%d' % self.port,
                           version='1.2.0')
        full = pkgm.get('%s/%s' % (PKGM, pkg_id)).json()
        self.assertEqual(full['checksum']['hash'],
                         hashlib.sha256(data).hexdigest())
        self.assertEqual(full['checksum']['hash'],
                         headers['X-Object-Meta-Sha256'])
        path = os.path.join(self.tmp, 'received.zip')
        with open(path, 'wb') as f:
            f.write(data)

        with zipfile.ZipFile(path) as zf:
            manifest = json.loads(zf.read('vnfsnap-manifest.json'))
            self.assertIn('vnfsnap-manifest.cms', zf.namelist())
            diag = {a['path']: a for a in manifest['artifacts']
                    if a['role'] == 'diagnostics'}
            items = {p: zf.read(p) for p in diag}
        self.assertEqual(set(diag), paths)
        for p, artifact in diag.items():
            self.assertEqual(artifact['checksum']['hash'],
                             hashlib.sha256(items[p]).hexdigest())
        for td in self.created:
            where = 'diagnostics/vnfc-%s/' % td.name
            self.assertIn(("<name>%s</name>" % td.name).encode(),
                          items[where + 'domain.xml'])
            self.assertIn(b'-name guest=%s' % td.name.encode(),
                          items[where + 'qemu.log'])
            console = items[where + 'console-0.log']
            self.assertIn(b'app: the VIM password *** was refused',
                          console)
            self.assertIn(b'rabbit://app:***@mq:5672/', console)
        ops = json.loads(items['diagnostics/lcm-op-occs.json'])
        self.assertEqual(['CREATE_SNAPSHOT'], [o['operation'] for o in ops])
        log = items['diagnostics/logs/%s.log' % op_id].decode()
        self.assertIn(request_id, log)
        self.assertIn('Running CREATE_SNAPSHOT', log)
        self.assertEqual(log, downloaded_log)
        # The flow's steps, run in its executor's threads, are there too.
        for td in self.created:
            self.assertIn('vnfsnap.vim.libvirt.driver: VNFC %s: snapshot'
                          % td.name, log)
        instance = json.loads(items['diagnostics/vnf-instance.json'])
        self.assertEqual(inst, instance['id'])
        every = b''.join(items.values())
        for planted in (VIM_PASSWORD, RABBIT_PASSWORD, TOKEN):
            self.assertNotIn(planted.encode(), every)
        # No secret anywhere in the package either.
        with open(path, 'rb') as f:
            whole = f.read()
        for planted in (VIM_PASSWORD, RABBIT_PASSWORD, TOKEN):
            self.assertNotIn(planted.encode(), whole)

        # The vendor imports it: verified against its manifest and its
        # signature (require_signature), diagnostics readable there.
        pkg = self.upload_pkg(pkgm, 'at-the-vendor', path)
        self.assertEqual('AVAILABLE', pkg['state'], pkg)
        self.assertEqual(full['vnfSnapshotPkgUniqueId'],
                         pkg['vnfSnapshotPkgUniqueId'])
        resp = pkgm.get('%s/%s/artifacts/diagnostics/logs/%s.log'
                        % (PKGM, pkg['id'], op_id),
                        headers={'Accept': 'application/octet-stream'})
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertEqual(items['diagnostics/logs/%s.log' % op_id],
                         resp.content)

    def registration(self):
        from vnfsnap_demo import scenario
        body = scenario.Demo(self.GUESTS).registration(self.created)
        body['vimConnectionInfo']['local']['accessInfo'] = {
            'username': 'vnfm', 'password': VIM_PASSWORD}
        return body
