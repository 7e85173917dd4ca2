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

"""Who may import whom, among the product, its tests and the demo.

Test modules share helpers through vnfsnap/tests/fixtures (and the test
bases), never by importing another test module: a test module's import
runs its own test classes' module-level set-up and makes the loader find
its tests twice.  The product never imports its tests or the demo, which
are not installed with it; the demo, a distribution of its own, uses the
product as a client does (its API, its console scripts) and imports none
of its modules.
"""

import ast
import os

import fixtures
import testtools

import vnfsnap

PRODUCT_DIR = os.path.dirname(os.path.abspath(vnfsnap.__file__))
TESTS_DIR = os.path.join(PRODUCT_DIR, 'tests')
DEMO_DIR = os.path.join(os.path.dirname(PRODUCT_DIR), 'demo')
CLIENT_DIR = os.path.join(os.path.dirname(PRODUCT_DIR), 'client')
DASHBOARD_DIR = os.path.join(os.path.dirname(PRODUCT_DIR), 'dashboard')


def python_files(top):
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = [d for d in dirnames if d != '__pycache__']
        for name in sorted(filenames):
            if name.endswith('.py'):
                yield os.path.join(dirpath, name)


def imported_modules(path):
    """(line, dotted name) of every module ``path`` imports, a
    ``from X import y`` counting as both X and X.y (y may be a module)."""
    with open(path, encoding='utf-8') as f:
        tree = ast.parse(f.read(), path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.lineno, node.module
            for alias in node.names:
                yield node.lineno, '%s.%s' % (node.module, alias.name)


def is_test_module(name):
    parts = name.split('.')
    return (parts[:2] == ['vnfsnap', 'tests']
            and any(p.startswith('test_') for p in parts[2:]))


class TestImports(testtools.TestCase):

    def offences(self, top, offending, skip=()):
        """['path:line imports name'] of the files under ``top``."""
        found = []
        for path in python_files(top):
            if any(path.startswith(s + os.sep) for s in skip):
                continue
            for line, name in imported_modules(path):
                if offending(name):
                    found.append('%s:%d imports %s' % (
                        os.path.relpath(path, top), line, name))
        return found

    def test_no_test_module_imports_another(self):
        self.assertEqual([], self.offences(TESTS_DIR, is_test_module))

    def test_product_imports_neither_tests_nor_demo(self):
        def offending(name):
            return (name == 'vnfsnap_demo' or name.startswith('vnfsnap_demo.')
                    or name.startswith('vnfsnap.tests'))
        self.assertEqual([], self.offences(PRODUCT_DIR, offending,
                                           skip=(TESTS_DIR,)))

    def test_demo_imports_no_product_module(self):
        def offending(name):
            return name == 'vnfsnap' or name.startswith('vnfsnap.')
        self.assertTrue(os.path.isdir(os.path.join(DEMO_DIR, 'vnfsnap_demo')),
                        DEMO_DIR)
        self.assertEqual([], self.offences(DEMO_DIR, offending))

    def test_client_imports_neither_product_nor_demo(self):
        # python-vnfsnapclient installs without the server's dependencies.
        def offending(name):
            return any(name == top or name.startswith(top + '.')
                       for top in ('vnfsnap', 'vnfsnap_demo'))
        self.assertTrue(os.path.isdir(os.path.join(CLIENT_DIR,
                                                   'vnfsnapclient')),
                        CLIENT_DIR)
        self.assertEqual([], self.offences(CLIENT_DIR, offending))

    def test_dashboard_imports_neither_product_nor_demo(self):
        # The Horizon plugin installs on the dashboard host beside Horizon,
        # and reaches vnfsnap only through the client library.
        def offending(name):
            return any(name == top or name.startswith(top + '.')
                       for top in ('vnfsnap', 'vnfsnap_demo'))
        self.assertTrue(os.path.isdir(os.path.join(DASHBOARD_DIR,
                                                   'vnfsnap_dashboard')),
                        DASHBOARD_DIR)
        self.assertEqual([], self.offences(DASHBOARD_DIR, offending))

    def test_product_never_imports_the_client(self):
        # The server answers HTTP; it is no client of itself.
        def offending(name):
            return name == 'vnfsnapclient' or name.startswith(
                'vnfsnapclient.')
        self.assertEqual([], self.offences(PRODUCT_DIR, offending,
                                           skip=(TESTS_DIR,)))

    def test_drivers_and_stores_import_only_conf_and_common(self):
        # contributor/design.rst: they are loaded by name into the API and
        # the conductor, and must not pull in each other or the service.
        def outside(allowed):
            def offending(name):
                return (name.startswith('vnfsnap.')
                        and not any(name == a or name.startswith(a + '.')
                                    for a in allowed))
            return offending
        for package in ('vim', 'store'):
            with self.subTest(package=package):
                self.assertEqual([], self.offences(
                    os.path.join(PRODUCT_DIR, package),
                    outside(('vnfsnap.' + package, 'vnfsnap.conf',
                             'vnfsnap.common'))))

    def test_offences_are_found(self):
        # The checks above see an import of a test module in every form.
        tmp = self.useFixture(fixtures.TempDir()).path
        with open(os.path.join(tmp, 'x.py'), 'w') as f:
            f.write('from vnfsnap.tests.unit.db import test_api\n'
                    'import vnfsnap.tests.functional.test_guest\n'
                    'def f():\n'
                    '    from vnfsnap.tests.unit.store.test_file import K\n'
                    'from vnfsnap.tests.fixtures import stores\n'
                    'from vnfsnap.tests import base\n')
        self.assertEqual(
            ['x.py:1 imports vnfsnap.tests.unit.db.test_api',
             'x.py:2 imports vnfsnap.tests.functional.test_guest',
             'x.py:4 imports vnfsnap.tests.unit.store.test_file',
             'x.py:4 imports vnfsnap.tests.unit.store.test_file.K'],
            self.offences(tmp, is_test_module))
