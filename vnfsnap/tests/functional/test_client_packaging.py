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

"""python-vnfsnapclient installs on a workstation without the server.

A clean virtualenv (no system site-packages) gets ``pip install
./client`` (pip's cache and indexes as configured here); the client and
its OSC plugin import, none of the server's native or database modules
is there, pip built nothing but the pure-Python client wheel, and the
installed library talks to a real vnfsnap-all-in-one.
"""

import json
import os
import shutil
import subprocess
import sys
import textwrap

import vnfsnap
from vnfsnap.tests.fixtures import client_aio
from vnfsnap.tests.functional import base

CLIENT_DIR = os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(vnfsnap.__file__))), 'client')
SERVER_MODULES = ('vnfsnap', 'vnfsnap_demo', 'libvirt', 'sqlalchemy',
                  'psycopg2', 'pymysql', 'oslo_db')
PROBE = textwrap.dedent('''
    import importlib.util, json, sys
    import vnfsnapclient, vnfsnapclient.osc, vnfsnapclient.osc.plugin
    from keystoneauth1 import noauth, session
    from vnfsnapclient import client
    found = [m for m in sys.argv[2:] if importlib.util.find_spec(m)]
    c = client.Client(session.Session(auth=noauth.NoAuth()),
                      endpoint_override=sys.argv[1])
    snap = c.vnf_snapshots.create()
    print(json.dumps({'found': found, 'created': snap['id'],
                      'listed': [s['id'] for s in c.vnf_snapshots.list()],
                      'file': vnfsnapclient.__file__}))
''')


class TestClientPackaging(base.FunctionalTestCase):

    def run_checked(self, argv, **kwargs):
        proc = subprocess.run(argv, capture_output=True, text=True,
                              timeout=900, **kwargs)
        self.assertEqual(0, proc.returncode, '%s\n%s\n%s' % (
            argv, proc.stdout[-3000:], proc.stderr[-3000:]))
        return proc.stdout

    def test_clean_venv_install(self):
        venv = os.path.join(self.tmp, 'venv')
        # A copy: pip builds in the source tree, which must stay clean.
        source = os.path.join(self.tmp, 'client')
        shutil.copytree(CLIENT_DIR, source, ignore=shutil.ignore_patterns(
            'build', '*.egg-info', '__pycache__'))
        # The interpreter the project runs on, not the test's virtualenv.
        python = getattr(sys, '_base_executable', None) or sys.executable
        env = {k: v for k, v in os.environ.items()
               if k not in ('VIRTUAL_ENV', 'PYTHONPATH', 'PYTHONHOME')}
        self.run_checked([python, '-m', 'venv', venv], env=env)
        report = os.path.join(self.tmp, 'pip-report.json')
        pip_log = self.run_checked(
            [os.path.join(venv, 'bin', 'pip'), 'install', '--report',
             report, source], env=env)

        with open(report) as f:
            installed = json.load(f)['install']
        built = [i['metadata']['name'] for i in installed
                 if not i['download_info']['url'].endswith('.whl')]
        self.assertEqual(['python-vnfsnapclient'], built, pip_log)
        self.assertEqual(['Building wheel for python-vnfsnapclient'],
                         sorted({line.strip().split(' (')[0]
                                 for line in pip_log.splitlines()
                                 if 'Building wheel for' in line}))
        site = self.run_checked([os.path.join(venv, 'bin', 'python'), '-c',
                                 'import sysconfig; '
                                 'print(sysconfig.get_path("purelib"))'],
                                env=env).strip()
        with open(os.path.join(site, 'python_vnfsnapclient-1.0.0.dist-info',
                               'WHEEL')) as f:
            wheel = f.read()
        self.assertIn('Root-Is-Purelib: true', wheel)
        self.assertIn('Tag: py3-none-any', wheel)

        aio = self.useFixture(client_aio.NoauthAllInOne())
        out = json.loads(self.run_checked(
            [os.path.join(venv, 'bin', 'python'), '-c', PROBE, aio.url]
            + list(SERVER_MODULES), env=env, cwd=self.tmp))
        self.assertEqual([], out['found'])
        self.assertEqual([out['created']], out['listed'])
        self.assertTrue(out['file'].startswith(site), out['file'])
