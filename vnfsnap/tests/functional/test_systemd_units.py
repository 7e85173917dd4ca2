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

"""The systemd units of a manual installation (etc/systemd), checked by
``systemd-analyze verify`` (no systemd runs here: verify needs none)."""

import configparser
import os
import subprocess
import sys

from vnfsnap.conf import conductor as conductor_conf
from vnfsnap.tests.fixtures import services
from vnfsnap.tests.functional import base

UNITS = os.path.normpath(os.path.join(
    os.path.dirname(__file__), '..', '..', '..', 'etc', 'systemd'))
#: Where the units expect the programs: the virtualenv of
#: doc/source/install/manual.rst.
INSTALLED_BIN = '/opt/vnfsnap/bin/'


def _unit(name):
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(os.path.join(UNITS, name))
    return parser


class TestSystemdUnits(base.FunctionalTestCase):

    def setUp(self):
        super().setUp()
        self.analyze = services.which('systemd-analyze',
                                      '/usr/bin/systemd-analyze')
        services.require_binaries('systemd-analyze (Debian package systemd)',
                                  self.analyze)

    def _verify(self, name):
        """systemd-analyze verify of the unit, its programs taken from
        this virtualenv (verify wants them executable)."""
        with open(os.path.join(UNITS, name)) as f:
            text = f.read()
        copy = os.path.join(self.tmp, name)
        with open(copy, 'w') as f:
            f.write(text.replace(INSTALLED_BIN,
                                 os.path.dirname(sys.executable) + '/'))
        return subprocess.run([self.analyze, 'verify', copy],
                              capture_output=True, text=True, timeout=120)

    def test_units_verify_cleanly(self):
        names = sorted(os.listdir(UNITS))
        self.assertEqual(['vnfsnap-api.service',
                          'vnfsnap-conductor.service'], names)
        for name in names:
            result = self._verify(name)
            # A directive systemd cannot parse is only warned about.
            self.assertEqual((0, ''), (result.returncode,
                                       result.stdout + result.stderr), name)

    def test_verify_reports_a_bad_directive(self):
        with open(os.path.join(UNITS, 'vnfsnap-conductor.service')) as f:
            text = f.read()
        copy = os.path.join(self.tmp, 'broken.service')
        with open(copy, 'w') as f:
            f.write(text.replace('KillMode=process', 'KillMode=bogus')
                    .replace(INSTALLED_BIN,
                             os.path.dirname(sys.executable) + '/'))
        result = subprocess.run([self.analyze, 'verify', copy],
                                capture_output=True, text=True, timeout=120)
        self.assertIn('kill mode', result.stdout + result.stderr)

    def test_conductor_outlives_only_its_own_stop(self):
        service = _unit('vnfsnap-conductor.service')['Service']
        # The guards of the libvirt driver are in the conductor's
        # control group; they must not get its SIGTERM.
        self.assertEqual('process', service['KillMode'])
        graceful = next(o for o in conductor_conf.opts
                        if o.name == 'graceful_shutdown_timeout').default
        self.assertGreater(int(service['TimeoutStopSec']), graceful)

    def test_api_runs_the_wsgi_module_under_uwsgi(self):
        service = _unit('vnfsnap-api.service')['Service']
        ini = service['ExecStart'].split('--ini ')[1].split()[0]
        self.assertEqual('/etc/vnfsnap/vnfsnap-api-uwsgi.ini', ini)
        shipped = configparser.ConfigParser(interpolation=None)
        shipped.read(os.path.join(UNITS, '..', 'vnfsnap',
                                  'vnfsnap-api-uwsgi.ini'))
        self.assertEqual('vnfsnap.wsgi.api:application',
                         shipped['uwsgi']['module'])
