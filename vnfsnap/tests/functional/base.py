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

"""Helpers for functional tests: config files, vnfsnap processes, HTTP."""

import hashlib
import os
import sys
import time

import fixtures
import requests
import testtools

from vnfsnap.tests.fixtures import services

BIN = os.path.dirname(sys.executable)


def command(name):
    """Path of a vnfsnap console script installed next to this Python."""
    return os.path.join(BIN, name)


def write_config(path, sections):
    with open(path, 'w') as f:
        for section, options in sections.items():
            f.write('[%s]\n' % section)
            for key, value in options.items():
                f.write('%s = %s\n' % (key, value))
            f.write('\n')
    return path


class Client:
    """A SOL003/SOL005 API client: the Version header on every request."""

    def __init__(self, base, project=None, version='2.0.0'):
        self.base = base.rstrip('/')
        self.headers = {'Version': version, 'Accept': 'application/json'}
        if project:
            self.headers['X-Project-Id'] = project

    def request(self, method, path, json=None, headers=None, **kw):
        hdrs = dict(self.headers, **(headers or {}))
        return requests.request(method, self.base + path, json=json,
                                headers=hdrs, timeout=60, **kw)

    def get(self, path, **kw):
        return self.request('GET', path, **kw)

    def post(self, path, json=None, **kw):
        return self.request('POST', path, json=json, **kw)

    def delete(self, path, **kw):
        return self.request('DELETE', path, **kw)

    def wait_for_op(self, op_url, states=('COMPLETED', 'FAILED_TEMP',
                                          'FAILED', 'ROLLED_BACK'),
                    timeout=60):
        deadline = time.monotonic() + timeout
        while True:
            op = requests.get(op_url, headers=self.headers, timeout=30)
            op.raise_for_status()
            body = op.json()
            if body['operationState'] in states:
                return body
            if time.monotonic() > deadline:
                raise AssertionError('op %s stuck in %s' % (
                    op_url, body['operationState']))
            time.sleep(0.2)


def registration(guests, vim_type='VNFSNAP.TEST.V_1'):
    """A registration body for fake-VIM guests named ``guests``."""
    return {
        'vnfdId': 'vnfd-functional', 'vnfInstanceName': 'functional',
        'vnfProvider': 'acme', 'vnfProductName': 'fw',
        'vnfSoftwareVersion': '1.0', 'vnfdVersion': '1.0',
        'vimConnectionInfo': {'vim1': {'vimType': vim_type}},
        'instantiatedVnfInfo': {
            'flavourId': 'default', 'vnfState': 'STARTED',
            'vnfcResourceInfo': [
                {'id': 'vnfc-%s' % g, 'vduId': 'vdu',
                 'computeResource': {'vimConnectionId': 'vim1',
                                     'resourceId': g}}
                for g in guests]},
    }


PKGM = '/vnfsnapshotpkgm/v1/vnf_snapshot_packages'
#: Package states in which an operation still runs.
PKG_BUSY = ('BUILDING', 'UPLOADING', 'PROCESSING', 'EXTRACTING')


class FunctionalTestCase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path

    # --- VNF snapshot packages, through a Client of version 1.2.0 ----------

    def new_pkg(self, pkgm, name):
        resp = pkgm.post(PKGM, json={'name': name})
        self.assertEqual(201, resp.status_code, resp.text)
        return resp.json()['id']

    def wait_for_pkg(self, pkgm, pkg_id, timeout=300, interval=0.5):
        """The package once no operation runs on it."""
        deadline = time.monotonic() + timeout
        while True:
            pkg = pkgm.get('%s/%s' % (PKGM, pkg_id)).json()
            if pkg['state'] not in PKG_BUSY:
                return pkg
            self.assertLess(time.monotonic(), deadline, pkg)
            time.sleep(interval)

    def upload_pkg(self, pkgm, name, path):
        """A new package with the ZIP at ``path`` uploaded into it, once
        AVAILABLE."""
        pkg_id = self.new_pkg(pkgm, name)
        with open(path, 'rb') as f:
            resp = pkgm.request(
                'PUT', '%s/%s/package_content' % (PKGM, pkg_id), data=f,
                headers={'Content-Type': 'application/zip'})
        self.assertEqual(202, resp.status_code, resp.text)
        pkg = self.wait_for_pkg(pkgm, pkg_id)
        self.assertEqual('AVAILABLE', pkg['state'], pkg)
        return pkg

    def download_pkg(self, pkgm, pkg_id, path):
        """GET the package's content into ``path``; its SHA-256."""
        digest = hashlib.sha256()
        with pkgm.get('%s/%s/package_content' % (PKGM, pkg_id),
                      headers={'Accept': 'application/zip'},
                      stream=True) as resp:
            self.assertEqual(200, resp.status_code, resp.text)
            with open(path, 'wb') as f:
                for chunk in resp.iter_content(1024 * 1024):
                    digest.update(chunk)
                    f.write(chunk)
        return digest.hexdigest()

    def start_split_api(self, **sections):
        """RabbitMQ, PostgreSQL, the schema and vnfsnap-api of a split
        deployment whose conductor (host conductor-1) the test starts on
        ``self.conf``; ``sections``: more options, merged into those.
        Sets ``rabbit``, ``db``, ``port``, ``conf`` and ``api``; returns
        the API's process."""
        self.rabbit = self.useFixture(services.RabbitMQServer())
        self.db = self.useFixture(services.PostgreSQLServer())
        self.port = services.free_port()
        config = {'DEFAULT': {'rpc_transport': 'oslo',
                              'transport_url': self.rabbit.transport_url,
                              'state_path': self.tmp, 'host': 'conductor-1'},
                  'database': {'connection': self.db.url},
                  'api': {'port': self.port}}
        for name, options in sections.items():
            config.setdefault(name, {}).update(options)
        self.conf = write_config(os.path.join(self.tmp, 'vnfsnap.conf'),
                                 config)
        services._run([command('vnfsnap-manage'), '--config-file',
                       self.conf, 'db', 'sync'], 'db sync')
        api = self.start([command('vnfsnap-api'), '--config-file',
                          self.conf], port=self.port, name='vnfsnap-api')
        self.api = Client('http://127.0.0.1:%d' % self.port)
        return api

    def start(self, argv, port=None, env=None, name=None):
        """Run a vnfsnap process for this test; stopped by pid at the end."""
        full_env = dict(os.environ, **(env or {}))
        return self.useFixture(services.ServiceProcess(
            argv, env=full_env, port=port, name=name,
            log_path=os.path.join(self.tmp, '%s.log' % (
                name or os.path.basename(argv[0])))))
