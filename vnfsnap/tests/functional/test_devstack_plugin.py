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

"""The DevStack plugin (devstack/), phase by phase, on a real cloud.

tools/devstack-harness runs the plugin's phases with DevStack's functions
against the Keystone, MariaDB, RabbitMQ and memcached of the shared
single-machine OpenStack; then the ``openstack`` CLI and HTTP requests with
Keystone tokens check that vnfsnap is in the catalog and answers, the
conductor included, and that ``unstack`` leaves no process behind.

The Horizon phases run on a dashboard-only node: a copy of the Horizon of
tools/horizon-aio as DevStack's virtualenv and Horizon tree; Horizon itself
then says that it loads the panels and the policy file, and ``clean``
takes them out again.

The Heat phases run on a heat-engine node: a copy of the Heat of
tools/heat-aio as DevStack's virtualenv and a heat.conf as Heat's own
post-config phase leaves it; Heat's loader then says that it finds the
four ``OS::VnfSnap::*`` resource types through ``plugin_dirs``.

TestDevStackPlugin needs the shared cloud: run under
``flock /tmp/vnfsnap-guests.lock``.
"""

import json
import os
import secrets
import shlex
import shutil
import subprocess
import sys
import time

from testtools import content

from vnfsnap.tests.fixtures import openstack_services
from vnfsnap.tests.fixtures import services
from vnfsnap.tests.functional import base

REPO = os.path.normpath(os.path.join(
    os.path.dirname(__file__), '..', '..', '..'))
HARNESS = os.path.join(REPO, 'tools', 'devstack-harness', 'run.sh')
SERVICE_TYPE = 'vnfsnap'
SERVICE_USER = 'vnfsnap'
DB_NAME = 'vnfsnap_devstack'
VERSION = {'Version': '2.0.0'}
#: Outside the Basic Multilingual Plane: 4 bytes in UTF-8.
NAME = 'devstack vnf \U0001F525'
HORIZON_VENV = os.environ.get('VNFSNAP_HORIZON_VENV',
                              '/opt/vnfsnap/horizon-venv')
PLUGIN = os.path.join(REPO, 'dashboard', 'vnfsnap_dashboard')
HEAT_VENV = os.environ.get('VNFSNAP_HEAT_VENV', '/opt/vnfsnap/heat-venv')
HEAT_RESOURCES = os.path.join(REPO, 'heat', 'vnfsnap_heat', 'resources')
#: Heat's default [DEFAULT]plugin_dirs (heat/common/config.py).
HEAT_PLUGIN_DIRS = ['/usr/lib64/heat', '/usr/lib/heat',
                    '/usr/local/lib/heat', '/usr/local/lib64/heat']
VNFSNAP_TYPES = ['OS::VnfSnap::LcmSubscription', 'OS::VnfSnap::VnfInstance',
                 'OS::VnfSnap::VnfSnapshot',
                 'OS::VnfSnap::VnfSnapshotPackage']


class HarnessTestCase(base.FunctionalTestCase):
    """Runs tools/devstack-harness with a configuration of DevStack's
    variables (``self.config``) in ``self.env``."""

    def setUp(self):
        super().setUp()
        self.timings = {}
        self.dirs = {d: os.path.join(self.tmp, d)
                     for d in ('data', 'logs', 'status', 'etc', 'home')}
        for d in ('home', 'logs'):
            os.mkdir(self.dirs[d])

    def _devstack_values(self):
        """What stackrc gives any node."""
        return {
            'DEST': self.tmp, 'DATA_DIR': self.dirs['data'],
            'LOGDIR': self.dirs['logs'], 'SERVICE_DIR': self.dirs['status'],
            'STACK_USER': subprocess.run(
                ['id', '-un'], check=True, capture_output=True,
                text=True).stdout.strip(),
            'SERVICE_HOST': services.LOOPBACK,
            'SERVICE_LISTEN_ADDRESS': services.LOOPBACK,
            'SERVICE_PROTOCOL': 'http', 'SERVICE_TIMEOUT': '180',
        }

    def _write_devstack_config(self, values, *lines):
        """The harness's configuration: ``values`` as shell variables,
        then ``lines`` (local.conf's disable_service...)."""
        path = os.path.join(self.tmp, 'devstack.conf')
        with open(path, 'w') as f:
            for key, value in values.items():
                f.write('%s=%s\n' % (key, shlex.quote(value)))
            for line in lines:
                f.write(line + '\n')
        return path

    def _harness(self, mode, *phases, succeeds=True):
        started = time.monotonic()
        proc = subprocess.run(
            ['bash', HARNESS, self.config, REPO, mode] + list(phases),
            env=self.env, cwd=self.tmp, stdin=subprocess.DEVNULL,
            capture_output=True, text=True, timeout=900)
        self.timings[' '.join((mode,) + phases)] = round(
            time.monotonic() - started, 1)
        output = proc.stdout + proc.stderr
        self.addDetail('harness %s' % mode, content.text_content(output))
        self.assertEqual(succeeds, proc.returncode == 0,
                         'run.sh %s %s: exit status %d:\n%s' % (
                             mode, ' '.join(phases), proc.returncode,
                             output[-6000:]))
        return output

    def _copy_venv(self, source, what):
        """A copy of the virtualenv ``source`` as DevStack's, without the
        plugin's files (the browser and Heat tests may put some there
        while they run), so that pip and the plugin change nothing of
        the original."""
        services.require_binaries(
            what, os.path.join(source, 'bin', 'python'))
        venv = os.path.join(self.tmp, 'venv')
        shutil.copytree(source, venv, symlinks=True,
                        ignore=lambda _dir, names: [
                            n for n in names if 'vnfsnap' in n])
        return venv

    def _probe(self, name, python, probe, *args, env=None):
        """Run ``probe`` with ``python``: its last line of output, JSON."""
        proc = subprocess.run(
            [python, '-c', probe] + list(args), cwd=self.tmp,
            env=env or self.env, stdin=subprocess.DEVNULL,
            capture_output=True, text=True, timeout=300)
        self.addDetail(name, content.text_content(proc.stdout + proc.stderr))
        self.assertEqual(0, proc.returncode, proc.stderr[-4000:])
        return json.loads(proc.stdout.splitlines()[-1])

    def _report_timings(self):
        self.addDetail('timings', content.text_content(json.dumps(
            self.timings, indent=1)))
        for name in sorted(os.listdir(self.dirs['logs'])):
            self.addDetail(name, content.content_from_file(
                os.path.join(self.dirs['logs'], name), buffer_now=True))


class TestDevStackPlugin(HarnessTestCase):

    def setUp(self):
        super().setUp()
        self.cloud = openstack_services.shared_cloud()
        self.admin = self.cloud.session()
        self._check_not_registered()
        self.marker = 'devstack-%s' % secrets.token_hex(6)
        self.port = services.free_port()
        self.api_url = 'http://%s:%d' % (services.LOOPBACK, self.port)
        self.config = self._write_config()
        self.env = dict(services._base_env(
            PATH='%s:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:'
                 '/sbin:/bin' % os.path.dirname(sys.executable),
            HOME=self.dirs['home'],
            OS_CLIENT_CONFIG_FILE=self._write_clouds_yaml(),
            # The "mysql" client's port (DevStack's MariaDB has 3306).
            MYSQL_TCP_PORT=str(self.cloud.mariadb.port),
            PYTHONWARNINGS='ignore::DeprecationWarning'),
            **{services.MARKER_ENV: self.marker})
        # Whatever happens below: processes, catalog, user, database.
        self.addCleanup(self._remove_database)
        self.addCleanup(self._remove_keystone_objects)
        self.addCleanup(self._kill_leftovers)
        self.addCleanup(self._report_timings)

    # --- Set-up ----------------------------------------------------------

    def _identity(self, method, path, **kwargs):
        return self.cloud.api('identity', method, path, sess=self.admin,
                              **kwargs)

    def _registered(self):
        services_ = self._identity(
            'GET', '/services?type=%s' % SERVICE_TYPE).json()['services']
        users = self._identity(
            'GET', '/users?name=%s&domain_id=default' % SERVICE_USER
        ).json()['users']
        return services_, users

    def _check_not_registered(self):
        # DevStack's functions keep what they find (the catalog entry of
        # another test, a user with another password), so this test would
        # prove nothing then; and it removes only what it made.
        services_, users = self._registered()
        if services_ or users:
            self.fail('the shared cloud already has a %r service or user '
                      '(left by another test?): services %s, users %s' % (
                          SERVICE_TYPE, services_, users))

    def _write_config(self):
        cloud = self.cloud
        self.service_password = secrets.token_hex(12)
        values = dict(self._devstack_values(), **{
            'ENABLED_SERVICES': 'key,mysql,rabbit',
            'DEVSTACK_VENV': sys.prefix,
            'STOP_TIMEOUT': '60', 'API_WORKERS': '2', 'WORKER_TIMEOUT': '30',
            'ENABLE_DEBUG_LOG_LEVEL': 'True',
            'REGION_NAME': cloud.region,
            'KEYSTONE_SERVICE_URI': cloud.auth_url[:-len('/v3')],
            'SERVICE_PASSWORD': self.service_password,
            'SERVICE_PROJECT_NAME': 'service',
            'SERVICE_DOMAIN_NAME': openstack_services.DOMAIN,
            'MEMCACHE_SERVERS': cloud.values['memcached'],
            'SSL_BUNDLE_FILE': '',
            'DATABASE_TYPE': 'mysql', 'MYSQL_HOST': services.LOOPBACK,
            'DATABASE_USER': cloud.mariadb.user,
            'DATABASE_PASSWORD': cloud.mariadb.password,
            'BASE_SQL_CONN': 'mysql+pymysql://%s:%s@%s:%d' % (
                cloud.mariadb.user, cloud.mariadb.password,
                services.LOOPBACK, cloud.mariadb.port),
            'RABBIT_HOST': services.LOOPBACK,
            'RABBIT_PORT': str(cloud.rabbit.port),
            'RABBIT_USERID': cloud.rabbit.user,
            'RABBIT_PASSWORD': cloud.rabbit.password,
            # What local.conf would say to put vnfsnap elsewhere.
            'VNFSNAP_CONF_DIR': os.path.join(self.dirs['etc'], 'vnfsnap'),
            'VNFSNAP_SERVICE_PORT': str(self.port),
            'VNFSNAP_DB_NAME': DB_NAME,
        })
        self.conf_dir = values['VNFSNAP_CONF_DIR']
        self.state_dir = os.path.join(self.dirs['data'], 'vnfsnap')
        return self._write_devstack_config(values)

    def _write_clouds_yaml(self):
        """DevStack's clouds: its system admin (the harness's Keystone
        calls) and the admin of the admin project (the checks)."""
        cloud = self.cloud
        common = {'auth_url': cloud.auth_url, 'username': cloud.admin_user,
                  'password': cloud.admin_password,
                  'user_domain_name': openstack_services.DOMAIN}
        clouds = {'clouds': {
            'devstack-system-admin': {
                'auth': dict(common, system_scope='all'),
                'region_name': cloud.region, 'identity_api_version': 3},
            'devstack-admin': {
                'auth': dict(common, project_name=cloud.admin_project,
                             project_domain_name=openstack_services.DOMAIN),
                'region_name': cloud.region, 'identity_api_version': 3},
        }}
        path = os.path.join(self.tmp, 'clouds.yaml')
        with open(path, 'w') as f:
            json.dump(clouds, f)   # YAML is a superset of JSON
        return path

    # --- Running things --------------------------------------------------

    def _openstack(self, *args):
        proc = subprocess.run(
            ['openstack', '--os-cloud', 'devstack-admin'] + list(args),
            env=self.env, stdin=subprocess.DEVNULL, capture_output=True,
            text=True, timeout=300)
        self.assertEqual(0, proc.returncode, 'openstack %s failed:\n%s%s' % (
            ' '.join(args), proc.stdout, proc.stderr))
        return proc.stdout

    def _pids(self):
        pids = {}
        for name in ('vnfsnap-api', 'vnfsnap-conductor'):
            path = os.path.join(self.dirs['status'], name + '.pid')
            with open(path) as f:
                pids[name] = int(f.read())
        return pids

    # --- Clean-ups (also after a failure) ------------------------------------

    def _kill_leftovers(self):
        left = services.pids_with_marker(self.marker)
        services.kill_pids(left)

    def _remove_keystone_objects(self):
        services_, users = self._registered()
        for service in services_:
            endpoints = self._identity(
                'GET', '/endpoints?service_id=%s' % service['id']
            ).json()['endpoints']
            for endpoint in endpoints:
                self._identity('DELETE', '/endpoints/%s' % endpoint['id'])
            self._identity('DELETE', '/services/%s' % service['id'])
        for user in users:
            self._identity('DELETE', '/users/%s' % user['id'])

    def _remove_database(self):
        import pymysql

        conn = pymysql.connect(unix_socket=self.cloud.mariadb.socket,
                               user='root', connect_timeout=5)
        try:
            with conn.cursor() as cur:
                cur.execute('DROP DATABASE IF EXISTS `%s`' % DB_NAME)
        finally:
            conn.close()

    # --- The test ------------------------------------------------------------

    def test_stack_unstack_clean(self):
        self._harness('stack', 'install', 'post-config', 'extra')
        pids = self._pids()
        # uWSGI's workers and HTTP router.
        workers = services.pids_with_parent(set(pids.values()))
        for name, pid in pids.items():
            self.assertTrue(services.pid_alive(pid), name)
        self.assertGreaterEqual(len(workers), 2, 'no uWSGI worker found')

        self._check_configuration()
        self._check_catalog()
        self._check_api()

        self._harness('unstack')
        for pid in list(pids.values()) + workers:
            self.assertFalse(services.pid_alive(pid),
                             'PID %d still runs after unstack' % pid)
        self.assertEqual([], services.pids_with_marker(self.marker))
        self.assertEqual([], os.listdir(self.dirs['status']))

        self._harness('clean')
        self.assertFalse(os.path.exists(self.conf_dir))
        self.assertFalse(os.path.exists(self.state_dir))

    def _check_configuration(self):
        from oslo_config import cfg

        sections = {}
        cfg.ConfigParser(os.path.join(self.conf_dir, 'vnfsnap.conf'),
                         sections).parse()
        self.assertEqual(['keystone'], sections['api']['auth_strategy'])
        self.assertEqual(['oslo'], sections['DEFAULT']['rpc_transport'])
        self.assertEqual([SERVICE_USER],
                         sections['keystone_authtoken']['username'])
        self.assertIn('/%s?' % DB_NAME,
                      sections['database']['connection'][0])

    def _check_catalog(self):
        shown = self._openstack('catalog', 'show', SERVICE_TYPE, '-f', 'json')
        self.addDetail('openstack catalog show', content.text_content(shown))
        entry = json.loads(shown)
        self.assertEqual(SERVICE_TYPE, entry['type'])
        self.assertEqual(SERVICE_TYPE, entry['name'])
        interfaces = sorted((e['interface'], e['url'], e['region'])
                            for e in entry['endpoints'])
        self.assertEqual([('internal', self.api_url, self.cloud.region),
                          ('public', self.api_url, self.cloud.region)],
                         interfaces)
        token = json.loads(self._openstack('token', 'issue', '-f', 'json'))
        self.assertTrue(token['id'])

    def _check_api(self):
        """The API under uWSGI wants a Keystone token and reaches the
        conductor over RabbitMQ."""
        import requests

        url = self.api_url + '/vnflcm/v2/vnf_instances'
        anonymous = requests.get(url, headers=VERSION, timeout=60)
        self.assertEqual(401, anonymous.status_code, anonymous.text)
        self.assertEqual('application/problem+json',
                         anonymous.headers['Content-Type'].split(';')[0])

        sess = self.admin
        listed = sess.get(url, headers=VERSION, raise_exc=False)
        self.assertEqual(200, listed.status_code, listed.text)
        # All of UTF-8, in a database DevStack made.
        body = dict(base.registration(['devstack-vnfc']),
                    vnfInstanceName=NAME)
        created = sess.post(url, headers=VERSION, json=body, raise_exc=False)
        self.assertEqual(201, created.status_code, created.text)
        instance = created.json()['id']
        try:
            self.assertEqual(NAME, sess.get(
                '%s/%s' % (url, instance), headers=VERSION
            ).json()['vnfInstanceName'])
            # A synchronous RPC call: answered by vnfsnap-conductor.
            caps = sess.get('%s/%s/vim_capabilities' % (url, instance),
                            headers=VERSION, raise_exc=False)
            self.assertEqual(200, caps.status_code, caps.text)
            self.assertEqual(['vnfc-devstack-vnfc'], [
                v['vnfcResourceInfoId'] for v in caps.json()['vnfcs']])
            # The CLI plugin DevStack installed finds vnfsnap in the
            # catalog.
            listed = self._openstack('vnf', 'instance', 'list')
            self.addDetail('openstack vnf instance list',
                           content.text_content(listed))
            listed = json.loads(self._openstack(
                'vnf', 'instance', 'list', '-f', 'json'))
            self.assertIn(instance, [i['ID'] for i in listed])
        finally:
            sess.delete('%s/%s' % (url, instance), headers=VERSION)


#: Run by DevStack's Python on the node's Horizon: what Horizon made of
#: the enabled files, the settings snippet and the policy file.
HORIZON_PROBE = '''
import json
import django
django.setup()
from django.conf import settings
from django.urls import get_resolver
import importlib
import pkgutil
import horizon
from openstack_auth import policy
from openstack_dashboard.local import enabled
import vnfsnap_dashboard
get_resolver().url_patterns  # Horizon registers the panels on first use
seen = {'plugin': vnfsnap_dashboard.__file__,
        'policy_file': settings.POLICY_FILES.get('vnfsnap'),
        'rules': sorted(policy._get_enforcer()['vnfsnap'].rules),
        'defaults': sorted(
            policy._get_enforcer()['vnfsnap'].registered_rules),
        'enabled': {'project': [], 'admin': []}}
for module in pkgutil.iter_modules(enabled.__path__):
    if 'vnfsnap' in module.name:
        config = importlib.import_module(enabled.__name__ + '.' + module.name)
        if hasattr(config, 'PANEL'):
            seen['enabled'][config.PANEL_DASHBOARD].append(config.PANEL)
for slug in ('project', 'admin'):
    group = horizon.get_dashboard(slug).get_panel_group('vnfsnap')
    seen[slug] = group and {'name': str(group.name),
                            'panels': sorted(p.slug for p in group)}
print(json.dumps(seen))
'''


class TestDevStackDashboard(HarnessTestCase):
    """A dashboard-only node: Horizon and vnfsnap's panels, no vnfsnap
    service (``disable_service vnfsnap-api vnfsnap-conductor``).

    DevStack's virtualenv is a copy of tools/horizon-aio's, Horizon
    installed in it, so that pip and the plugin change nothing of the
    original; HORIZON_DIR is where its ``openstack_dashboard`` is.
    """

    def setUp(self):
        super().setUp()
        self.venv = self._copy_venv(
            HORIZON_VENV, 'Horizon (tools/horizon-aio/install.sh)')
        self.python = os.path.join(self.venv, 'bin', 'python')
        self.horizon_dir = subprocess.run(
            [self.python, '-c', 'import os, openstack_dashboard as d; '
             'print(os.path.dirname(os.path.dirname(d.__file__)))'],
            check=True, capture_output=True, text=True).stdout.strip()
        self.dashboard = os.path.join(self.horizon_dir, 'openstack_dashboard')
        self._configure_horizon()
        values = dict(self._devstack_values(), **{
            'ENABLED_SERVICES': 'horizon',
            'DEVSTACK_VENV': self.venv,
            'HORIZON_DIR': self.horizon_dir,
        })
        self.config = self._write_devstack_config(
            values, 'disable_service vnfsnap-api vnfsnap-conductor')
        self.env = services._base_env(
            HOME=self.dirs['home'], PYTHONWARNINGS='ignore')
        self.addCleanup(self._report_timings)

    def _configure_horizon(self):
        """What DevStack's configure_horizon writes: local_settings.py
        from Horizon's example, with offline compression."""
        local = os.path.join(self.dashboard, 'local')
        shutil.copy(os.path.join(local, 'local_settings.py.example'),
                    os.path.join(local, 'local_settings.py'))
        with open(os.path.join(local, 'local_settings.py'), 'a') as f:
            f.write('\nCOMPRESS_OFFLINE = True\n'
                    'OPENSTACK_KEYSTONE_DEFAULT_ROLE = "member"\n'
                    'ALLOWED_HOSTS = ["*"]\n')

    def _tree(self):
        """Every file of Horizon's tree and of its static files, by path
        relative to HORIZON_DIR."""
        found = set()
        for top in (self.dashboard, os.path.join(self.horizon_dir, 'static')):
            for dirpath, _dirs, files in os.walk(top):
                found.update(os.path.relpath(os.path.join(dirpath, f),
                                             self.horizon_dir) for f in files)
        return found

    def _probe_horizon(self):
        return self._probe(
            'horizon probe', self.python, HORIZON_PROBE,
            env=dict(self.env,
                     DJANGO_SETTINGS_MODULE='openstack_dashboard.settings'))

    def _expected_files(self):
        """The plugin's files and where in Horizon's tree they go."""
        expected = {
            os.path.join(PLUGIN, 'conf', 'vnfsnap_policy.yaml'):
                os.path.join(self.dashboard, 'conf'),
            os.path.join(PLUGIN, 'conf', 'default_policies', 'vnfsnap.yaml'):
                os.path.join(self.dashboard, 'conf', 'default_policies'),
            os.path.join(PLUGIN, 'local_settings.d', '_90_vnfsnap.py'):
                os.path.join(self.dashboard, 'local', 'local_settings.d'),
        }
        enabled = os.path.join(PLUGIN, 'enabled')
        for name in os.listdir(enabled):
            if name.startswith('_19') and name.endswith('.py'):
                expected[os.path.join(enabled, name)] = os.path.join(
                    self.dashboard, 'local', 'enabled')
        return expected

    def test_dashboard_node(self):
        before = self._tree()
        output = self._harness('stack', 'install', 'post-config', 'extra')
        self.assertIn("==> Enabling vnfsnap's panels in Horizon", output)
        self.assertIn('Compressing... done', output)
        self.assertNotIn('Installing vnfsnap and', output)

        expected = self._expected_files()
        self.assertGreaterEqual(len(expected), 5)
        for source, folder in expected.items():
            copied = os.path.join(folder, os.path.basename(source))
            with open(source, 'rb') as f, open(copied, 'rb') as g:
                self.assertEqual(f.read(), g.read(), copied)

        seen = self._probe_horizon()
        # setup_develop: the plugin's own repository, editable.
        self.assertTrue(seen['plugin'].startswith(PLUGIN + os.sep),
                        seen['plugin'])
        self.assertEqual('vnfsnap_policy.yaml', seen['policy_file'])
        self.assertIn('vnfsnap:vnf_snapshot:create', seen['rules'])
        # The defaults beneath the rules (DEFAULT_POLICY_FILES): without
        # them Horizon logs an error for vnfsnap at every start.
        self.assertIn('vnfsnap:vnf_snapshot:create', seen['defaults'])
        # Every panel an enabled file names, and no other.
        for slug, panels in seen['enabled'].items():
            self.assertEqual({'name': 'VNF Snapshots',
                              'panels': sorted(panels)}, seen[slug], slug)

        self._harness('unstack')
        self._harness('clean')
        after = self._tree()
        self.assertEqual(set(), before - after, 'Horizon files removed')
        self.assertEqual([], sorted(p for p in after - before
                                    if 'vnfsnap' in p))
        for source, folder in expected.items():
            self.assertFalse(os.path.exists(
                os.path.join(folder, os.path.basename(source))))


#: Run by Heat's Python: the plugin_dirs Heat reads from heat.conf and the
#: vnfsnap resource types its loader registers from them.
HEAT_PROBE = '''
import json
import sys
from oslo_config import cfg
cfg.CONF(['--config-file', sys.argv[1]], project='heat')
from heat.engine import resources
resources.initialise()
print(json.dumps({
    'plugin_dirs': cfg.CONF.plugin_dirs,
    'types': sorted(t for t in resources.global_env().get_types()
                    if t.startswith('OS::VnfSnap::'))}))
'''


class TestDevStackHeat(HarnessTestCase):
    """A heat-engine node: Heat (h-eng, h-api) and vnfsnap's resource
    plugin, no vnfsnap service.

    DevStack's virtualenv is a copy of tools/heat-aio's, so that pip and
    the plugin change nothing of the original; HEAT_CONF is what Heat's
    own post-config phase wrote (Heat's plugin runs first in each phase:
    "enable_plugin heat" comes first in local.conf, DEVSTACK_PLUGINS).
    """

    #: Lines of Heat's configure_heat, kept by the plugin.
    HEAT_CONF = '[DEFAULT]\ndebug = True\n\n[database]\nconnection = %s\n'

    def setUp(self):
        super().setUp()
        self.heat_conf = os.path.join(self.dirs['etc'], 'heat', 'heat.conf')
        os.makedirs(os.path.dirname(self.heat_conf))
        self._write_heat_conf(self.HEAT_CONF % 'sqlite://')
        self.env = services._base_env(
            HOME=self.dirs['home'], PYTHONWARNINGS='ignore')
        self.addCleanup(self._report_timings)

    def _write_heat_conf(self, text):
        with open(self.heat_conf, 'w') as f:
            f.write(text)

    def _read_heat_conf(self):
        with open(self.heat_conf) as f:
            return f.read()

    def _configure(self, venv, plugins, *lines):
        values = dict(self._devstack_values(), **{
            'ENABLED_SERVICES': 'h-eng,h-api',
            'DEVSTACK_PLUGINS': plugins,
            'DEVSTACK_VENV': venv,
            'PYTHON': os.path.join(venv, 'bin', 'python3'),
            'HEAT_CONF': self.heat_conf,
        })
        self.config = self._write_devstack_config(
            values, 'disable_service vnfsnap-api vnfsnap-conductor', *lines)

    def test_heat_engine_node(self):
        venv = self._copy_venv(HEAT_VENV, 'Heat (tools/heat-aio/install.sh)')
        # Heat's plugin first, then this one under the name DevStack
        # cloned it as.
        self._configure(venv, 'heat,%s' % os.path.basename(REPO))
        output = self._harness('stack', 'install', 'post-config', 'extra')
        self.assertIn("==> Installing vnfsnap-heat into Heat's Python "
                      "environment", output)
        self.assertIn("==> Adding vnfsnap's resource types to Heat's "
                      "plugin_dirs", output)
        self.assertNotIn('Installing vnfsnap and', output)
        self.assertNotIn('Installing vnfsnap-dashboard', output)

        # Heat's lines kept; its default folders, then the plugin's
        # (setup_develop: the repository's own, editable).
        conf = self._read_heat_conf()
        self.assertIn('connection = sqlite://', conf)
        seen = self._probe('heat probe', os.path.join(venv, 'bin', 'python'),
                           HEAT_PROBE, self.heat_conf)
        self.assertEqual(HEAT_PLUGIN_DIRS + [HEAT_RESOURCES],
                         seen['plugin_dirs'])
        self.assertEqual(VNFSNAP_TYPES, seen['types'])
        modules = sorted(n for n in os.listdir(HEAT_RESOURCES)
                         if n.endswith('.py') and n != '__init__.py')
        self.assertEqual(4, len(modules), modules)

        # Heat's post-config phase of the next stack.sh writes heat.conf
        # anew, with ENABLE_HEAT_PLUGINS' folder: kept, the plugin's
        # added once however often the phase runs.
        self._write_heat_conf(
            '[DEFAULT]\nplugin_dirs = %s\n' % self.dirs['data'])
        self._harness('stack', 'post-config')
        self._harness('stack', 'post-config')
        self.assertEqual(
            '[DEFAULT]\nplugin_dirs = %s,%s\n' % (
                self.dirs['data'], HEAT_RESOURCES),
            self._read_heat_conf())

        self._harness('unstack')
        self._harness('clean')

    def test_heat_plugin_turned_off(self):
        """VNFSNAP_HEAT_PLUGIN=False: nothing installed (the virtualenv
        does not even exist), heat.conf untouched."""
        before = self._read_heat_conf()
        self._configure(os.path.join(self.tmp, 'no-venv'),
                        'heat,%s' % os.path.basename(REPO),
                        'VNFSNAP_HEAT_PLUGIN=False')
        output = self._harness('stack', 'install', 'post-config', 'extra')
        self.assertNotIn('vnfsnap-heat', output)
        self.assertNotIn('plugin_dirs', output)
        self.assertEqual(before, self._read_heat_conf())

    def test_heat_plugin_before_heat(self):
        """vnfsnap enabled before Heat: Heat's post-config phase would
        then wipe plugin_dirs; the install phase stops first, naming the
        fix."""
        before = self._read_heat_conf()
        name = os.path.basename(REPO)
        self._configure(os.path.join(self.tmp, 'no-venv'), '%s,heat' % name)
        output = self._harness('stack', 'install', succeeds=False)
        self.assertIn('put "enable_plugin heat" before "enable_plugin %s" '
                      'in local.conf' % name, output)
        self.assertNotIn('Installing vnfsnap-heat', output)
        self.assertEqual(before, self._read_heat_conf())
