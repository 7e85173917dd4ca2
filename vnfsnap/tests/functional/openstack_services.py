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

"""A real single-machine OpenStack for the functional tests.

``OpenStackCloud`` runs Keystone, Glance, Placement, Neutron (API server,
ML2 without agents), Nova (API, conductor, scheduler and, with
``compute=True``, nova-compute with the libvirt driver under TCG), Cinder
(API, scheduler, volume with the NFS driver) and Swift, from the
virtualenvs tools/openstack-aio/install.sh makes, on MariaDB (Nova, Cinder,
Neutron), SQLite (Keystone, Glance, Placement), RabbitMQ and memcached.
Like the servers of services.py it is private: every configuration file,
database, image and log lives in one temporary directory (``base``), every
service listens on a free loopback port, and every process is stopped by
PID on cleanup.  The configuration files come from
tools/openstack-aio/templates.

What running OpenStack on a machine of this project's kind showed, and
what this module does about it:

* the WSGI services (Keystone, Glance, Placement, Neutron, Nova API) run
  under gunicorn through tools/openstack-aio/vnfsnap_wsgi.py, which gives
  them a clean ``sys.argv``; cinder-api runs as its own launcher;
* the services run as root, so rootwrap is not involved and the privsep
  helpers are started directly (``helper_command``): there is no sudo here;
* Cinder's NFS driver uses a loop-mounted ext4 image as its "share",
  mounted where Cinder and Nova would mount the NFS export, because this
  kernel has no NFS; the fixture keeps a directory of Nova's mount open,
  so that Nova's unmount after the last volume detach fails (Nova logs
  "Couldn't unmount" and keeps the mount, which it could not mount again);
* Nova needs a network endpoint even for servers without a NIC: the real
  neutron-server answers it.

Usage::

    cloud = self.useFixture(openstack_services.OpenStackCloud())
    sess = cloud.session()              # keystoneauth, admin of 'admin'
    cloud.api('compute', 'GET', '/servers').json()
    cloud.flavor_id, cloud.image_id, cloud.volume_type
    cloud.write_clouds_yaml(path)

``python -m vnfsnap.tests.functional.openstack_services serve DIR``
brings the cloud up for a person (tools/openstack-aio/run.sh).

Typical start-up without compute: see doc/source/contributor/openstack-aio.rst.
"""

import concurrent.futures
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import sys
import time
import unittest

import fixtures
import requests

import vnfsnap
from vnfsnap.tests.functional import services
from vnfsnap.tests.functional import swift_services

VENV_ENV = 'VNFSNAP_OPENSTACK_VENV'
DEFAULT_VENV = '/opt/vnfsnap/openstack-venv'
AIO_DIR = os.path.normpath(os.path.join(
    os.path.dirname(vnfsnap.__file__), '..', 'tools', 'openstack-aio'))
TEMPLATES = os.path.join(AIO_DIR, 'templates')

REGION = 'RegionOne'
DOMAIN = 'Default'
HOST = 'vnfsnap-aio'
VOLUME_TYPE = 'nfs'
FLAVOR = 'vnfsnap.tiny'
#: The "NFS export" Cinder is configured with; never mounted over NFS.
NFS_SHARE = '127.0.0.1:/vnfsnap-aio'
#: Size of the ext4 image behind the NFS share (sparse).
NFS_SIZE = 8 * 1024 ** 3
COMPUTE_MICROVERSION = '2.96'

#: The services whose users the fixture creates, and their catalog entry:
#: (service type, name, URL path after host:port).
_CATALOG = {
    'glance': ('image', 'glance', ''),
    'placement': ('placement', 'placement', ''),
    'nova': ('compute', 'nova', '/v2.1'),
    'cinder': ('volumev3', 'cinderv3', '/v3/$(project_id)s'),
    'neutron': ('network', 'neutron', ''),
    'swift': ('object-store', 'swift', '/v1/AUTH_$(project_id)s'),
}


class CloudError(services.ServiceError):
    """The cloud could not be set up."""


class Interrupted(services.ServiceError):
    """``serve`` was told to stop while the cloud was starting."""


def render(template, values):
    """``template`` (a file of TEMPLATES) with ``{{name}}`` filled in."""
    with open(os.path.join(TEMPLATES, template)) as f:
        text = f.read()

    def fill(match):
        try:
            return str(values[match.group(1)])
        except KeyError:
            raise CloudError('template %s uses {{%s}}, which has no value'
                             % (template, match.group(1)))
    return re.sub(r'\{\{(\w+)\}\}', fill, text)


def _write(path, text):
    with open(path, 'w') as f:
        f.write(text)
    return path


def _wait(what, check, timeout, interval=0.5):
    """Poll ``check`` until it returns a true value; CloudError on timeout.

    An exception from ``check`` counts as "not yet"; the last one is in the
    error.
    """
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            result = check()
            if result:
                return result
        except Exception as e:  # noqa: BLE001 (reported on timeout)
            last = e
        if time.monotonic() > deadline:
            raise CloudError('%s: not done after %ss (last error: %r)'
                             % (what, timeout, last))
        time.sleep(interval)


class OpenStackCloud(services._ServerFixture):
    """Keystone, Glance, Placement, Neutron, Nova, Cinder and Swift.

    :param compute: also run nova-compute (libvirt, TCG) on the machine's
        ``qemu:///system`` (started by PID when it is not running, see
        libvirt_services.LibvirtDaemons), and map it into cell1.
    :param guest: upload the test guest (vnfsnap_demo.guest_image) to
        Glance: kernel (aki), initramfs (ari) and root disk (qcow2).
    :param timeout: seconds each service gets to answer.
    :param debug: the services' ``debug`` option.
    :param base: the directory for everything (default: a temporary one,
        removed on cleanup).

    Attributes once set up: ``auth_url``, ``admin_user``,
    ``admin_password``, ``admin_project``, ``region``, ``urls`` (service
    type -> public URL), ``processes`` (name -> ServiceProcess),
    ``flavor_id``, ``volume_type``, ``images`` (``kernel``, ``ramdisk``,
    ``root``: Glance ids, with ``guest``), ``image_id`` (the root image),
    ``base``, ``timings`` (step -> seconds).
    """

    def __init__(self, compute=True, guest=True, timeout=120, debug=False,
                 base=None):
        super().__init__()
        self.compute = compute
        self.guest = guest
        self.timeout = timeout
        self.debug = debug
        self.base = base
        self.timings = {}
        self.processes = {}

    # ------------------------------------------------------------------
    # Binaries and layout
    # ------------------------------------------------------------------

    def find_binaries(self):
        self.venv = os.environ.get(VENV_ENV) or DEFAULT_VENV
        self.bin = os.path.join(self.venv, 'bin')
        names = ['gunicorn', 'keystone-manage', 'glance-manage',
                 'placement-manage', 'neutron-db-manage', 'nova-manage',
                 'nova-conductor', 'nova-scheduler', 'cinder-manage',
                 'cinder-api', 'cinder-scheduler', 'cinder-volume',
                 'privsep-helper']
        if self.compute:
            names.append('nova-compute')
        services.require_binaries(
            'OpenStack (tools/openstack-aio/install.sh, in %s)' % self.venv,
            *[os.path.join(self.bin, n) for n in names])
        self.memcached_bin = services.which('memcached',
                                            '/usr/bin/memcached')
        self.mkfs_bin = services.which('mkfs.ext4', '/sbin/mkfs.ext4')
        self.mount_bin = services.which('mount', '/bin/mount')
        self.umount_bin = services.which('umount', '/bin/umount')
        services.require_binaries(
            'memcached, e2fsprogs, mount (Debian packages memcached, '
            'e2fsprogs, mount; tools/openstack-aio/install.sh)',
            self.memcached_bin, self.mkfs_bin, self.mount_bin,
            self.umount_bin)
        if not os.path.isfile('/sbin/mount.nfs'):
            services.require_binaries(
                'mount.nfs (Debian package nfs-common: Cinder\'s NFS '
                'driver will not start without it)', '/sbin/mount.nfs')
        if os.geteuid() != 0:
            msg = ('the single-machine OpenStack needs root (loop mounts, '
                   'libvirt guests, privsep without sudo)')
            if services.in_ci():
                raise CloudError(msg + ' (CI is set: not skipping)')
            raise unittest.SkipTest(msg)

    def _env(self, **extra):
        env = services._base_env(
            PATH='%s:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:'
                 '/sbin:/bin' % self.bin,
            HOME=os.path.join(self.base, 'home'),
            PYTHONWARNINGS='ignore::DeprecationWarning',
        )
        env.update(extra)
        return env

    def _step(self, name, started):
        self.timings[name] = round(time.monotonic() - started, 1)

    def _run(self, what, argv, timeout=300, env=None):
        return services._run([str(a) for a in argv], what,
                             env=env or self._env(), timeout=timeout)

    def _start(self, name, argv, port=None, ready=None, env=None,
               stop_timeout=services.STOP_TIMEOUT):
        proc = self.useFixture(services.ServiceProcess(
            argv, env=env or self._env(), port=port, ready=ready,
            timeout=self.timeout, stop_timeout=stop_timeout,
            log_path=os.path.join(self.base, 'log', '%s.log' % name),
            cwd=self.base, name=name))
        self.processes[name] = proc
        return proc

    def _gunicorn(self, name, module, port, ready, argv=(), **env):
        """Serve ``module``'s WSGI ``application`` with gunicorn."""
        return self._start(name, [
            os.path.join(self.bin, 'gunicorn'),
            '--bind', '%s:%d' % (services.LOOPBACK, port),
            '--workers', '1', '--worker-class', 'gthread', '--threads', '8',
            '--timeout', '600', '--graceful-timeout', '5',
            '--name', name, '--pythonpath', AIO_DIR,
            'vnfsnap_wsgi:application'],
            port=port, ready=ready, env=self._env(
                VNFSNAP_WSGI_MODULE=module,
                VNFSNAP_WSGI_ARGV=json.dumps(list(argv)), **env))

    # ------------------------------------------------------------------
    # Set-up
    # ------------------------------------------------------------------

    def _setUp(self):
        start = time.monotonic()
        if self.base is None:
            self.base = self.useFixture(fixtures.TempDir()).path
        # QEMU (user libvirt-qemu) must reach the instances' files.
        os.chmod(self.base, 0o755)  # noqa: S103
        for d in ('log', 'home'):
            os.makedirs(os.path.join(self.base, d), exist_ok=True)
        self.region = REGION
        self.passwords = {n: secrets.token_hex(12)
                          for n in ['admin', 'demo'] + list(_CATALOG)}
        self.admin_user = 'admin'
        self.admin_project = 'admin'
        self.admin_password = self.passwords['admin']
        (self.keystone_port, self.glance_port, self.placement_port,
         self.nova_port, self.cinder_port, self.neutron_port,
         self.memcached_port) = services.free_ports(7)
        self.auth_url = 'http://%s:%d/v3' % (services.LOOPBACK,
                                             self.keystone_port)

        t = time.monotonic()
        self.mariadb = self.useFixture(services.MariaDBServer(
            database='nova_api'))
        self.rabbit = self.useFixture(services.RabbitMQServer())
        self._start('memcached', [
            self.memcached_bin, '-l', services.LOOPBACK,
            '-p', self.memcached_port, '-U', '0', '-m', '64', '-u', 'root'],
            port=self.memcached_port)
        # Every service on MariaDB: on SQLite, Keystone and Glance answered
        # "database is locked" (HTTP 500) under concurrent requests.
        self._create_databases(['nova', 'nova_cell0', 'cinder', 'neutron',
                                'glance', 'keystone', 'placement'])
        self._step('mariadb+rabbitmq+memcached', t)

        self.values = self._values()
        t = time.monotonic()
        self._keystone()
        self._step('keystone', t)
        t = time.monotonic()
        self._nfs_share()
        self._step('nfs share', t)
        self._in_parallel(('glance', 'placement', 'neutron', 'nova',
                           'cinder', 'swift'))
        # Cleanups run last-in first-out: servers go first (Nova still
        # running), then every service at once (each takes up to its
        # graceful_shutdown_timeout), then what they ran on.
        self.addCleanup(self._stop_services)
        if self.compute:
            self.addCleanup(self._delete_servers)
        t = time.monotonic()
        self._resources()
        self._step('flavor, volume type, images', t)
        self._step('total', start)

    def _stop_services(self):
        procs = list(self.processes.values()) + list(
            self.swift.processes.values())
        with concurrent.futures.ThreadPoolExecutor(len(procs)) as pool:
            list(pool.map(lambda p: p.stop(), procs))

    def _in_parallel(self, names):
        """Set up these services at once (each is mostly Python start-ups
        of its manage commands and servers); raise the first failure once
        all are done."""
        def one(name):
            t = time.monotonic()
            getattr(self, '_' + name)()
            self._step(name, t)

        with concurrent.futures.ThreadPoolExecutor(3) as pool:
            futures = [pool.submit(one, n) for n in names]
        for future in futures:
            future.result()

    def _create_databases(self, names):
        import pymysql

        conn = pymysql.connect(unix_socket=self.mariadb.socket, user='root',
                               connect_timeout=5)
        try:
            with conn.cursor() as cur:
                for name in names:
                    cur.execute('CREATE DATABASE `%s` CHARACTER SET utf8mb4'
                                % name)
            conn.commit()
        finally:
            conn.close()

    def _db_url(self, name):
        return 'mysql+pymysql://%s:%s@%s:%d/%s?charset=utf8mb4' % (
            self.mariadb.user, self.mariadb.password, services.LOOPBACK,
            self.mariadb.port, name)

    def _url(self, port, path=''):
        return 'http://%s:%d%s' % (services.LOOPBACK, port, path)

    def _values(self):
        memcached = '%s:%d' % (services.LOOPBACK, self.memcached_port)
        values = {
            'base': self.base, 'venv': self.venv, 'host': HOST,
            'region': REGION, 'debug': str(self.debug).lower(),
            'memcached': memcached,
            'transport_url': self.rabbit.transport_url,
            'glance_url': self._url(self.glance_port),
            'cinder_port': self.cinder_port,
            'volume_type': VOLUME_TYPE,
            'shutdown_timeout': 3,
            'libvirt_uri': 'qemu:///system',
            'nova_api_db': self._db_url('nova_api'),
            'nova_db': self._db_url('nova'),
            'cinder_db': self._db_url('cinder'),
            'neutron_db': self._db_url('neutron'),
            'glance_db': self._db_url('glance'),
            'keystone_db': self._db_url('keystone'),
            'placement_db': self._db_url('placement'),
        }
        for user in _CATALOG:
            auth = '\n'.join([
                'auth_type = password',
                'auth_url = %s' % self.auth_url,
                'project_domain_name = %s' % DOMAIN,
                'user_domain_name = %s' % DOMAIN,
                'project_name = service',
                'username = %s' % user,
                'password = %s' % self.passwords[user],
            ])
            values['auth_' + user] = auth
            values['authtoken_' + user] = '\n'.join([
                'www_authenticate_uri = %s' % self.auth_url,
                'memcached_servers = %s' % memcached,
                'service_token_roles_required = true',
                auth,
            ])
        return values

    def _config_dir(self, name, files, copy=()):
        """Make ``base/name`` with rendered ``files`` and ``copy`` from the
        virtualenv's etc (paste files); returns the directory."""
        d = os.path.join(self.base, name)
        os.makedirs(d, exist_ok=True)
        for f in files:
            _write(os.path.join(d, f), render(f, self.values))
        for src, dst in copy:
            shutil.copy(os.path.join(self.venv, 'etc', src),
                        os.path.join(d, dst))
        return d

    @staticmethod
    def _http_ok(url, codes=(200, 300)):
        def check():
            return requests.get(url, timeout=5).status_code in codes
        return check

    # --- Keystone -----------------------------------------------------

    def _keystone(self):
        d = self._config_dir('keystone', ['keystone.conf'])
        conf = os.path.join(d, 'keystone.conf')
        manage = os.path.join(self.bin, 'keystone-manage')
        for key_dir in ('fernet-keys', 'credential-keys'):
            os.makedirs(os.path.join(d, key_dir), mode=0o700)

        def run(what):
            self._run('keystone-manage ' + what, [
                manage, '--config-file', conf, what] + (
                    [] if what == 'db_sync' else
                    ['--keystone-user', 'root', '--keystone-group', 'root']))

        # Independent: the database, and the two key repositories.
        with concurrent.futures.ThreadPoolExecutor(3) as pool:
            list(pool.map(run, ('db_sync', 'fernet_setup',
                                'credential_setup')))
        self._run('keystone-manage bootstrap', [
            manage, '--config-file', conf, 'bootstrap',
            '--bootstrap-password', self.admin_password,
            '--bootstrap-username', self.admin_user,
            '--bootstrap-project-name', self.admin_project,
            '--bootstrap-role-name', 'admin',
            '--bootstrap-service-name', 'keystone',
            '--bootstrap-region-id', REGION,
            '--bootstrap-admin-url', self.auth_url,
            '--bootstrap-internal-url', self.auth_url,
            '--bootstrap-public-url', self.auth_url])
        self._gunicorn('keystone', 'keystone.wsgi.api', self.keystone_port,
                       self._http_ok(self.auth_url, (200,)),
                       OS_KEYSTONE_CONFIG_FILES=conf)
        self._keystone_resources()

    def session(self, project=None, user=None, password=None):
        """A keystoneauth session (admin of the 'admin' project by default)."""
        from keystoneauth1 import session
        from keystoneauth1.identity import v3

        auth = v3.Password(
            auth_url=self.auth_url,
            username=user or self.admin_user,
            password=password or self.admin_password,
            project_name=project or self.admin_project,
            user_domain_name=DOMAIN, project_domain_name=DOMAIN)
        return session.Session(auth=auth)

    def api(self, service_type, method, path, sess=None, **kwargs):
        """One request to a service of the catalog; raises on HTTP errors.

        As the admin by default (``sess``: another session); compute
        requests carry microversion ``COMPUTE_MICROVERSION`` unless told.
        """
        sess = sess or self._admin
        kwargs.setdefault('endpoint_filter', {
            'service_type': service_type, 'interface': 'public',
            'region_name': REGION})
        if service_type == 'compute':
            kwargs.setdefault('microversion', COMPUTE_MICROVERSION)
            kwargs.setdefault('microversion_service_type', 'compute')
        return sess.request(path, method, **kwargs)

    def _keystone_resources(self):
        self._admin = self.session()
        ks = 'identity'

        def create(kind, body):
            return self.api(ks, 'POST', '/%ss' % kind,
                            json={kind: body}).json()[kind]

        def role_id(name):
            found = self.api(ks, 'GET', '/roles?name=%s' % name).json()
            if found['roles']:
                return found['roles'][0]['id']
            return create('role', {'name': name})['id']

        roles = {r: role_id(r) for r in ('admin', 'member', 'service')}
        service_project = create('project', {'name': 'service',
                                             'domain_id': 'default'})
        demo_project = create('project', {'name': 'demo',
                                          'domain_id': 'default'})
        self.demo_project_id = demo_project['id']

        def grant(project, user, role):
            self.api(ks, 'PUT', '/projects/%s/users/%s/roles/%s'
                     % (project, user, roles[role]))

        demo = create('user', {'name': 'demo', 'domain_id': 'default',
                               'password': self.passwords['demo']})
        grant(demo_project['id'], demo['id'], 'member')
        self.urls = {'identity': self.auth_url}
        ports = {'glance': self.glance_port,
                 'placement': self.placement_port, 'nova': self.nova_port,
                 'cinder': self.cinder_port, 'neutron': self.neutron_port}
        for user, (stype, sname, path) in _CATALOG.items():
            u = create('user', {'name': user, 'domain_id': 'default',
                                'password': self.passwords[user]})
            grant(service_project['id'], u['id'], 'admin')
            grant(service_project['id'], u['id'], 'service')
            if user in ports:
                self._catalog(stype, sname, self._url(ports[user], path))

    def _catalog(self, stype, name, url):
        service = self.api('identity', 'POST', '/services', json={
            'service': {'type': stype, 'name': name}}).json()['service']
        for interface in ('public', 'internal', 'admin'):
            self.api('identity', 'POST', '/endpoints', json={'endpoint': {
                'service_id': service['id'], 'interface': interface,
                'region_id': REGION, 'url': url}})
        self.urls[stype] = url
        # The next request gets a token with the new catalog.
        self._admin.invalidate()

    # --- Glance, Placement, Neutron --------------------------------------

    def _glance(self):
        d = self._config_dir('glance', ['glance-api.conf'], copy=[
            ('glance/glance-api-paste.ini', 'glance-api-paste.ini')])
        for sub in ('images', 'staging', 'tasks', 'lock'):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        conf = os.path.join(d, 'glance-api.conf')
        self._run('glance-manage db_sync', [
            os.path.join(self.bin, 'glance-manage'), '--config-file', conf,
            'db_sync'])
        self._gunicorn('glance', 'glance.wsgi.api', self.glance_port,
                       self._http_ok(self._url(self.glance_port,
                                               '/healthcheck'), (200,)),
                       OS_GLANCE_CONFIG_DIR=d)

    def _placement(self):
        d = self._config_dir('placement', ['placement.conf'])
        conf = os.path.join(d, 'placement.conf')
        self._run('placement-manage db sync', [
            os.path.join(self.bin, 'placement-manage'), '--config-file',
            conf, 'db', 'sync'])
        self._gunicorn('placement', 'placement.wsgi.api',
                       self.placement_port,
                       self._http_ok(self._url(self.placement_port), (200,)),
                       OS_PLACEMENT_CONFIG_DIR=d)

    def _neutron(self):
        d = self._config_dir('neutron', ['neutron.conf'], copy=[
            ('neutron/api-paste.ini', 'api-paste.ini')])
        os.makedirs(os.path.join(d, 'state'), exist_ok=True)
        conf = os.path.join(d, 'neutron.conf')
        self._run('neutron-db-manage upgrade heads', [
            os.path.join(self.bin, 'neutron-db-manage'), '--config-file',
            conf, 'upgrade', 'heads'], timeout=600)
        self._gunicorn('neutron', 'neutron.wsgi.api', self.neutron_port,
                       self._http_ok(self._url(self.neutron_port), (200,)),
                       OS_NEUTRON_CONFIG_DIR=d,
                       OS_NEUTRON_CONFIG_FILES='neutron.conf',
                       VNFSNAP_WSGI_CONFIGURE_MAPPERS='1')

    # --- Nova ---------------------------------------------------------------

    def _nova(self):
        d = self._config_dir('nova', ['nova.conf', 'nova-db.conf'], copy=[
            ('nova/api-paste.ini', 'api-paste.ini')])
        for sub in ('state', 'instances', 'lock'):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        conf = ['--config-file', os.path.join(d, 'nova.conf'),
                '--config-file', os.path.join(d, 'nova-db.conf')]
        manage = [os.path.join(self.bin, 'nova-manage')] + conf
        self._run('nova-manage api_db sync', manage + ['api_db', 'sync'])
        self._run('nova-manage cell_v2 map_cell0', manage + [
            'cell_v2', 'map_cell0', '--database_connection',
            self.values['nova_db'].replace('/nova?', '/nova_cell0?')])
        self._run('nova-manage cell_v2 create_cell', manage + [
            'cell_v2', 'create_cell', '--name', 'cell1'])
        self._run('nova-manage db sync', manage + ['db', 'sync'])
        self._gunicorn('nova-api', 'nova.wsgi.osapi_compute', self.nova_port,
                       self._http_ok(self._url(self.nova_port), (200,)),
                       OS_NOVA_CONFIG_DIR=d,
                       OS_NOVA_CONFIG_FILES=(
                           'api-paste.ini;nova.conf;nova-db.conf'))
        for name in ('nova-conductor', 'nova-scheduler'):
            self._start(name, [os.path.join(self.bin, name)] + conf)
        if self.compute:
            self._nova_compute(d)

    def _nova_compute(self, d):
        from vnfsnap.tests.functional import libvirt_services

        self.useFixture(libvirt_services.LibvirtDaemons())
        self._start('nova-compute', [
            os.path.join(self.bin, 'nova-compute'),
            '--config-file', os.path.join(d, 'nova.conf')])
        manage = [os.path.join(self.bin, 'nova-manage'),
                  '--config-file', os.path.join(d, 'nova.conf'),
                  '--config-file', os.path.join(d, 'nova-db.conf')]

        def mapped():
            self._run('nova-manage cell_v2 discover_hosts',
                      manage + ['cell_v2', 'discover_hosts'])
            hv = self.api('compute', 'GET', '/os-hypervisors').json()
            return hv['hypervisors'] and all(
                h['state'] == 'up' for h in hv['hypervisors'])
        _wait('nova-compute registered and mapped', mapped, self.timeout, 2)

    def _delete_servers(self):
        """Delete every server (cleanup): no guest outlives the cloud."""
        servers = self.api('compute', 'GET',
                           '/servers?all_tenants=1').json()['servers']
        for s in servers:
            self.api('compute', 'DELETE', '/servers/%s' % s['id'])

        def gone():
            return not self.api('compute', 'GET',
                                '/servers?all_tenants=1').json()['servers']
        _wait('servers deleted', gone, 120, 1)

    # --- Cinder -------------------------------------------------------------

    def _nfs_share(self):
        """Loop-mount an ext4 image where Cinder and Nova expect the share."""
        export = os.path.join(self.base, 'nfs-export')
        image = os.path.join(self.base, 'nfs-export.img')
        os.makedirs(export)
        with open(image, 'wb') as f:
            f.truncate(NFS_SIZE)
        self._run('mkfs.ext4', [self.mkfs_bin, '-q', '-F', '-m', '0',
                                '-E', 'nodiscard,lazy_itable_init=1', image])
        self._mount(['-o', 'loop', image, export])
        share_hash = hashlib.md5(NFS_SHARE.encode(),  # noqa: S324
                                 usedforsecurity=False).hexdigest()
        self.nfs_mounts = [
            os.path.join(self.base, 'cinder', 'mnt', share_hash),
            os.path.join(self.base, 'nova', 'state', 'mnt', share_hash)]
        for target in self.nfs_mounts:
            os.makedirs(target)
            self._mount(['--bind', export, target])
        # Keeps Nova from unmounting its (bind) mount after the last
        # detach: it could never mount it again.
        fd = os.open(self.nfs_mounts[1], os.O_RDONLY | os.O_DIRECTORY)
        self.addCleanup(os.close, fd)

    def _mount(self, args):
        target = args[-1]
        self._run('mount %s' % ' '.join(args), [self.mount_bin] + args)
        self.addCleanup(self._umount, target)

    def _umount(self, target):
        self._run('umount %s' % target, [self.umount_bin, target])

    def _cinder(self):
        d = self._config_dir('cinder', ['cinder.conf'], copy=[
            ('cinder/api-paste.ini', 'api-paste.ini')])
        for sub in ('state', 'lock', 'coordination'):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        _write(os.path.join(d, 'nfs_shares'), NFS_SHARE + '\n')
        conf = ['--config-file', os.path.join(d, 'cinder.conf')]
        self._run('cinder-manage db sync', [
            os.path.join(self.bin, 'cinder-manage')] + conf + ['db', 'sync'])
        self._start('cinder-api', [os.path.join(self.bin, 'cinder-api')]
                    + conf, port=self.cinder_port,
                    ready=self._http_ok(self._url(self.cinder_port),
                                        (200, 300)))
        for name in ('cinder-scheduler', 'cinder-volume'):
            self._start(name, [os.path.join(self.bin, name)] + conf)

        def up():
            svcs = self.api('volumev3', 'GET',
                            '/os-services').json()['services']
            binaries = {s['binary'] for s in svcs if s['state'] == 'up'}
            return {'cinder-scheduler', 'cinder-volume'} <= binaries
        _wait('cinder-scheduler and cinder-volume up', up, self.timeout)

        def pool_known():
            # "up" is not enough: until cinder-volume has reported its
            # pool, the scheduler refuses every volume ("No weighed
            # backend found") and the volume goes to error.
            return self.api('volumev3', 'GET',
                            '/scheduler-stats/get_pools').json()['pools']
        _wait('the scheduler knows the NFS pool', pool_known, self.timeout)

    # --- Swift --------------------------------------------------------------

    def _swift(self):
        self.swift = self.useFixture(swift_services.SwiftServer(
            timeout=self.timeout, keystone=self.values['authtoken_swift']))
        self._catalog('object-store', 'swift', self._url(
            self.swift.proxy_port, _CATALOG['swift'][2]))

    # --- What the tests need ------------------------------------------------

    def _resources(self):
        self.volume_type = VOLUME_TYPE
        self.api('volumev3', 'POST', '/types', json={'volume_type': {
            'name': VOLUME_TYPE, 'os-volume-type-access:is_public': True,
            'extra_specs': {'volume_backend_name': 'nfs'}}})
        self.flavor_id = self.api('compute', 'POST', '/flavors', json={
            'flavor': {'name': FLAVOR, 'ram': 256, 'vcpus': 1, 'disk': 1}}
        ).json()['flavor']['id']
        self.images = {}
        self.image_id = None
        if self.guest:
            self._upload_guest()

    def upload_image(self, name, path, disk_format, container_format='bare',
                     **properties):
        """Upload a file to Glance as a public image; its id once active."""
        image = self.api('image', 'POST', '/v2/images', json=dict(
            name=name, disk_format=disk_format,
            container_format=container_format, visibility='public',
            **properties)).json()
        with open(path, 'rb') as f:
            self.api('image', 'PUT', '/v2/images/%s/file' % image['id'],
                     data=f, headers={
                         'Content-Type': 'application/octet-stream'})
        status = self.api('image', 'GET', '/v2/images/%s' % image['id']
                          ).json()['status']
        if status != 'active':
            raise CloudError('image %s is %s after its upload, not active'
                             % (name, status))
        return image['id']

    def _upload_guest(self):
        from vnfsnap_demo import guest_image

        self.guest_image = guest_image.build()
        g = self.guest_image
        self.images['kernel'] = self.upload_image(
            'vnfsnap-guest-kernel', g.kernel, 'aki', 'aki')
        self.images['ramdisk'] = self.upload_image(
            'vnfsnap-guest-initrd', g.initrd, 'ari', 'ari')
        self.images['root'] = self.image_id = self.upload_image(
            'vnfsnap-guest', g.root_disk, 'qcow2', 'bare',
            kernel_id=self.images['kernel'],
            ramdisk_id=self.images['ramdisk'],
            os_command_line=g.cmdline(), hw_qemu_guest_agent='yes')

    # ------------------------------------------------------------------
    # For people and other programs
    # ------------------------------------------------------------------

    def clouds_yaml(self, name='vnfsnap-aio'):
        """clouds.yaml text: ``name`` (admin) and ``name-demo`` (member)."""
        def cloud(user, password, project):
            return '\n'.join([
                '    auth:',
                '      auth_url: %s' % self.auth_url,
                '      username: %s' % user,
                '      password: %s' % password,
                '      project_name: %s' % project,
                '      user_domain_name: %s' % DOMAIN,
                '      project_domain_name: %s' % DOMAIN,
                '    region_name: %s' % REGION,
                '    identity_api_version: 3',
            ])
        return '\n'.join([
            'clouds:',
            '  %s:' % name,
            cloud(self.admin_user, self.admin_password, self.admin_project),
            '  %s-demo:' % name,
            cloud('demo', self.passwords['demo'], 'demo'), ''])

    def openrc(self):
        """Shell variables for the admin user (``. openrc``)."""
        return '\n'.join('export %s=%s' % kv for kv in [
            ('OS_AUTH_URL', self.auth_url),
            ('OS_USERNAME', self.admin_user),
            ('OS_PASSWORD', self.admin_password),
            ('OS_PROJECT_NAME', self.admin_project),
            ('OS_USER_DOMAIN_NAME', DOMAIN),
            ('OS_PROJECT_DOMAIN_NAME', DOMAIN),
            ('OS_REGION_NAME', REGION),
            ('OS_IDENTITY_API_VERSION', '3')]) + '\n'

    def pids(self):
        """name -> PID of every process the cloud started."""
        found = {n: p.pid for n, p in self.processes.items()}
        found['mariadbd'] = self.mariadb.pid
        found['rabbitmq'] = self.rabbit.pid
        found['epmd'] = self.rabbit.epmd_pid
        for name, p in getattr(self, 'swift', None) and \
                self.swift.processes.items() or ():
            found['swift-%s' % name] = p.pid
        return found


# ---------------------------------------------------------------------------
# python -m vnfsnap.tests.functional.openstack_services serve DIR
# ---------------------------------------------------------------------------

def serve(state_dir, compute, guest):
    """Bring the cloud up in ``state_dir`` and keep it up until SIGTERM.

    Writes ``clouds.yaml``, ``openrc`` and ``cloud.json`` (pids, URLs,
    timings) there once everything answers; stops everything by PID on
    SIGTERM or SIGINT and removes ``cloud.json``.
    """
    state_dir = os.path.abspath(state_dir)
    base = os.path.join(state_dir, 'cloud')
    os.makedirs(base, exist_ok=True)
    stop = []

    def on_signal(signum, frame):
        if not stop:
            stop.append(signum)
        if status_written:
            return
        # Still setting up: unwind now (the fixture cleans up what started).
        raise Interrupted('signal %d while starting' % signum)

    status_written = False
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    cloud = OpenStackCloud(compute=compute, guest=guest, base=base)
    status = os.path.join(state_dir, 'cloud.json')
    with cloud:
        _write(os.path.join(state_dir, 'clouds.yaml'), cloud.clouds_yaml())
        _write(os.path.join(state_dir, 'openrc'), cloud.openrc())
        _write(status + '.tmp', json.dumps({
            'pid': os.getpid(), 'auth_url': cloud.auth_url,
            'urls': cloud.urls, 'pids': cloud.pids(),
            'timings': cloud.timings, 'flavor_id': cloud.flavor_id,
            'images': cloud.images, 'volume_type': cloud.volume_type,
            'base': base}, indent=1, sort_keys=True))
        os.rename(status + '.tmp', status)
        status_written = True
        print('cloud up in %ss: %s' % (cloud.timings['total'],
                                       cloud.auth_url), flush=True)
        try:
            while not stop:
                time.sleep(0.5)
        finally:
            os.unlink(status)
            print('stopping', flush=True)
    print('stopped', flush=True)


def main(argv=None):
    import argparse

    parser = argparse.ArgumentParser(
        description='Run the single-machine OpenStack of tools/openstack-aio '
                    'in the foreground until SIGTERM.')
    sub = parser.add_subparsers(dest='command', required=True)
    p = sub.add_parser('serve')
    p.add_argument('state_dir')
    p.add_argument('--no-compute', action='store_true',
                   help='do not run nova-compute (nor libvirtd)')
    p.add_argument('--no-guest', action='store_true',
                   help='do not upload the test guest to Glance')
    args = parser.parse_args(argv)
    try:
        serve(args.state_dir, not args.no_compute, not args.no_guest)
    except fixtures.MultipleExceptions as e:
        # The first is the failure; the others carry the logs' tails.
        print('error: %s' % e.args[0][1], file=sys.stderr, flush=True)
        return 1
    except services.ServiceError as e:
        print('error: %s' % e, file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
