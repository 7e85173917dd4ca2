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

"""A real OpenStack Swift for the functional tests.

``SwiftServer`` runs Swift's own proxy, account, container and object
servers, from the virtualenv tools/swift-aio/install.sh makes
(``$VNFSNAP_SWIFT_VENV``, default /opt/vnfsnap/swift-venv: Swift brings
eventlet and friends, which stay out of vnfsnap's own virtualenv). Like
the servers of services.py, it is private: rings, configuration and the
device folder in a temporary directory, free loopback ports, one replica,
and its processes stopped by PID.

Measured with Swift 2.38 on a machine of this project's kind:

* ``user`` must be the user running the test (Swift's default, ``swift``,
  does not exist here and the server dies dropping privileges to it);
* there is no /dev/log, so the servers run with ``-v`` (log to stdout too);
* every server reads swift.conf (the hash path prefix and the storage
  policies) from its ``swift_dir``, so a private swift.conf there is
  enough: /etc/swift is neither read nor written;
* the object server keeps metadata in user extended attributes: the
  device folder is on the normal file system (ext4), where they work;
* TempAuth issues Fernet tokens here, so no memcached is needed.

Usage::

    swift = self.useFixture(swift_services.SwiftServer())
    swift.auth_url, swift.user, swift.key, swift.connection()

With ``keystone=`` (keystonemiddleware's auth_token options, as the
``[keystone_authtoken]`` lines of a service) the proxy takes Keystone tokens
instead of TempAuth (``authtoken`` + ``keystoneauth``): the single-machine
OpenStack of openstack_services.py runs it so.  keystonemiddleware must then
be in Swift's virtualenv (tools/openstack-aio/install.sh puts it there).

Typical start-up: 2-3 s.
"""

import base64
import concurrent.futures
import os
import pwd
import secrets

import fixtures
import requests
import swiftclient

from vnfsnap.tests.functional import services

VENV_ENV = 'VNFSNAP_SWIFT_VENV'
DEFAULT_VENV = '/opt/vnfsnap/swift-venv'

_SERVERS = ('account', 'container', 'object')
# 2**6 partitions: plenty for one device, and quick to build.
_PART_POWER = 6


def _write(path, text):
    with open(path, 'w') as f:
        f.write(text)
    return path


class SwiftServer(services._ServerFixture):
    """A private Swift cluster of one node and one replica, with TempAuth.

    Attributes once set up: ``auth_url`` (TempAuth v1), ``user``
    (``admin:admin``), ``key``, ``proxy_port``, ``storage_url``, and the
    ServiceProcess of each server in ``processes``.
    """

    def __init__(self, timeout=60, user='admin:admin', key='admin',
                 keystone=None):
        super().__init__()
        self.timeout = timeout
        self.user = user
        self.key = key
        self.keystone = keystone

    def find_binaries(self):
        venv = os.environ.get(VENV_ENV) or DEFAULT_VENV
        self.bin = os.path.join(venv, 'bin')
        services.require_binaries(
            'OpenStack Swift (tools/swift-aio/install.sh, in %s)' % venv,
            *[os.path.join(self.bin, 'swift-%s-server' % s)
              for s in _SERVERS + ('proxy',)],
            os.path.join(self.bin, 'swift-ring-builder'))

    def _setUp(self):
        base = self.useFixture(fixtures.TempDir()).path
        self.swift_dir = base
        devices = os.path.join(base, 'srv')
        os.makedirs(os.path.join(devices, 'd1'))
        self._check_xattrs(devices)
        ports = dict(zip(_SERVERS + ('proxy',), services.free_ports(4),
                         strict=True))
        self.proxy_port = ports['proxy']
        run_as = pwd.getpwuid(os.geteuid()).pw_name
        env = services._base_env()

        _write(os.path.join(base, 'swift.conf'), '\n'.join([
            '[swift-hash]',
            'swift_hash_path_prefix = %s' % secrets.token_hex(16),
            'swift_hash_path_suffix = %s' % secrets.token_hex(16),
            '',
            '[storage-policy:0]',
            'name = Policy-0',
            'default = yes',
            '']))
        ring_builder = os.path.join(self.bin, 'swift-ring-builder')

        def build_ring(server):
            builder = os.path.join(base, '%s.builder' % server)
            for args in (['create', _PART_POWER, 1, 1],
                         ['add', 'r1z1-%s:%d/d1' % (services.LOOPBACK,
                                                    ports[server]), 100],
                         ['rebalance']):
                services._run([ring_builder, builder] + [str(a) for a in
                                                         args],
                              'swift-ring-builder %s' % args[0], env=env)

        # Three rings at once: each command is a 0.3 s Python start-up.
        with concurrent.futures.ThreadPoolExecutor(len(_SERVERS)) as pool:
            list(pool.map(build_ring, _SERVERS))

        common = [
            '[DEFAULT]',
            'bind_ip = %s' % services.LOOPBACK,
            'workers = 0',
            'user = %s' % run_as,
            'swift_dir = %s' % base,
            'devices = %s' % devices,
            'mount_check = false',
        ]
        self.processes = {}
        for server in _SERVERS:
            conf = _write(os.path.join(base, '%s-server.conf' % server),
                          '\n'.join(common + [
                              'bind_port = %d' % ports[server],
                              'log_name = %s-server' % server,
                              '',
                              '[pipeline:main]',
                              'pipeline = healthcheck %s-server' % server,
                              '',
                              '[app:%s-server]' % server,
                              'use = egg:swift#%s' % server,
                              '',
                              '[filter:healthcheck]',
                              'use = egg:swift#healthcheck',
                              '']))
            self._start(server, conf, ports[server], env)

        fernet_key = base64.urlsafe_b64encode(os.urandom(32)).decode()
        account, user = self.user.split(':')
        auth = ['authtoken', 'keystoneauth'] if self.keystone else [
            'tempauth']
        filters = ['catch_errors', 'gatekeeper', 'healthcheck',
                   'proxy_logging', 'listing_formats', 'bulk', 'slo', 'dlo'
                   ] + auth + ['copy']
        keystone = [
            '[filter:authtoken]',
            'paste.filter_factory = '
            'keystonemiddleware.auth_token:filter_factory',
            'delay_auth_decision = true',
            self.keystone,
            '',
            '[filter:keystoneauth]',
            'use = egg:swift#keystoneauth',
            'operator_roles = admin, member',
            '',
        ] if self.keystone else []
        conf = _write(os.path.join(base, 'proxy-server.conf'), '\n'.join(
            common + [
                'bind_port = %d' % ports['proxy'],
                'log_name = proxy-server',
                '',
                '[pipeline:main]',
                'pipeline = %s proxy-server' % ' '.join(
                    f.replace('_', '-') for f in filters),
                '',
                '[app:proxy-server]',
                'use = egg:swift#proxy',
                'account_autocreate = true',
                '',
                '[filter:tempauth]',
                'use = egg:swift#tempauth',
                'user_%s_%s = %s .admin' % (account, user, self.key),
                'fernet_key_1 = %s' % fernet_key,
                'active_fernet_key_id = 1',
                '',
            ] + keystone + ['[filter:%s]\nuse = egg:swift#%s\n' % (
                f.replace('_', '-'), f) for f in filters
                if f not in ('tempauth', 'authtoken', 'keystoneauth')]))
        self.proxy_url = 'http://%s:%d' % (services.LOOPBACK, ports['proxy'])
        if self.keystone:
            self.auth_url = None
            self._start('proxy', conf, ports['proxy'], env)
            return
        self.auth_url = self.proxy_url + '/auth/v1.0'
        self._start('proxy', conf, ports['proxy'], env, ready=self._authed)

    @staticmethod
    def _check_xattrs(path):
        probe = os.path.join(path, 'xattr-probe')
        _write(probe, '')
        try:
            os.setxattr(probe, 'user.vnfsnap', b'1')
        except OSError as e:
            raise services.ServiceError(
                'Swift needs user extended attributes, which %s does not '
                'support (%s): set TMPDIR to a folder on ext4 or XFS'
                % (path, e))
        finally:
            os.unlink(probe)

    def _start(self, server, conf, port, env, ready=None):
        url = 'http://%s:%d/healthcheck' % (services.LOOPBACK, port)

        def healthy():
            if requests.get(url, timeout=2).text != 'OK':
                return False
            return ready() if ready else True

        self.processes[server] = self.useFixture(services.ServiceProcess(
            [os.path.join(self.bin, 'swift-%s-server' % server), conf, '-v'],
            env=env, port=port, timeout=self.timeout, ready=healthy,
            cwd=self.swift_dir, name='swift-%s-server' % server))

    def _authed(self):
        resp = requests.get(self.auth_url, timeout=5, headers={
            'X-Auth-User': self.user, 'X-Auth-Key': self.key})
        if resp.status_code != 200:
            return False
        self.storage_url = resp.headers['X-Storage-Url']
        return True

    def connection(self):
        """A python-swiftclient connection as the TempAuth user."""
        return swiftclient.Connection(authurl=self.auth_url, user=self.user,
                                      key=self.key, auth_version='1',
                                      retries=0)
