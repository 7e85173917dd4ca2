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

"""Exceptions keep one home: vnfsnap.common.exception.

oslo.messaging rebuilds a conductor's exception in the API only when its
module is allowed (vnfsnap.common.rpc), so an exception class defined
anywhere else reaches a split deployment's API as a 500. The guard here
reads the source of every server module and names any exception class
outside that module, except private helpers (a leading underscore) that
never leave their module. The tests do not run in the API or the
conductor, so they are not scanned (the demo is a distribution of its
own, in demo/).
"""

import ast
import os

import fixtures
import testtools

import vnfsnap
from vnfsnap.common import exception

ROOT = os.path.dirname(vnfsnap.__file__)
HOME = os.path.join(ROOT, 'common', 'exception.py')
NOT_SERVER = ('tests',)

#: A base that names an exception: builtin or library (``...Error``,
#: ``...Exception``, ``...Warning``) or a module of exceptions
#: (``exception.X``, ``ks_exceptions.X``, ``webob.exc.X``).
EXCEPTION_SUFFIXES = ('Error', 'Exception', 'Warning', 'Exit', 'Interrupt')
EXCEPTION_MODULES = ('exc', 'exception', 'exceptions', 'errors')


def _dotted(node):
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, ast.Attribute):
        return _dotted(node.value) + [node.attr]
    return []


def _names_exception(base, local_exceptions):
    parts = _dotted(base)
    if not parts:
        return False
    if len(parts) == 1 and parts[0] in local_exceptions:
        return True
    return parts[-1].endswith(EXCEPTION_SUFFIXES) or any(
        p.split('_')[-1] in EXCEPTION_MODULES for p in parts[:-1])


def exception_classes(tree):
    """Names and lines of the exception classes a module defines."""
    found = {}
    changed = True
    while changed:   # a class may derive from one defined further down
        changed = False
        for node in ast.walk(tree):
            if (isinstance(node, ast.ClassDef) and node.name not in found
                    and any(_names_exception(b, found)
                            for b in node.bases)):
                found[node.name] = node.lineno
                changed = True
    return found


def offenders(root=ROOT):
    """``path:line: Name`` of each public exception class outside the
    one home."""
    bad = []
    for dirpath, dirnames, filenames in os.walk(root):
        if dirpath == root:
            dirnames[:] = [d for d in dirnames if d not in NOT_SERVER]
        for name in filenames:
            path = os.path.join(dirpath, name)
            if not name.endswith('.py') or path == HOME:
                continue
            with open(path) as f:
                tree = ast.parse(f.read(), path)
            for cls, line in sorted(exception_classes(tree).items()):
                if not cls.startswith('_'):
                    bad.append('%s:%d: %s' % (
                        os.path.relpath(path, os.path.dirname(root)),
                        line, cls))
    return bad


class TestOneHome(testtools.TestCase):

    def test_no_exception_class_outside_common_exception(self):
        self.assertEqual(
            [], offenders(),
            'Exception classes must live in vnfsnap/common/exception.py '
            '(so they cross RPC with their class); move these there')

    def test_detects(self):
        tree = ast.parse(
            'class A(Exception): pass\n'
            'class B(A): pass\n'
            'class C(exception.Conflict): pass\n'
            'class D(ks_exceptions.NotFound): pass\n'
            'class E(webob.exc.HTTPNotFound): pass\n'
            'class F(libvirt.libvirtError): pass\n'
            'class _Private(Exception): pass\n'
            'class Task(task.Task): pass\n'
            'class Driver(base.VimDriver): pass\n')
        self.assertEqual(['A', 'B', 'C', 'D', 'E', 'F', '_Private'],
                         sorted(exception_classes(tree)))

    def test_names_the_offender(self):
        pkg = self.useFixture(fixtures.TempDir()).path
        os.makedirs(os.path.join(pkg, 'conductor'))
        os.makedirs(os.path.join(pkg, 'tests'))
        with open(os.path.join(pkg, 'conductor', 'x.py'), 'w') as f:
            f.write('import os\n\n\nclass Stray(ValueError):\n    pass\n\n'
                    'class _Helper(Exception):\n    pass\n')
        with open(os.path.join(pkg, 'tests', 'y.py'), 'w') as f:
            f.write('class TestOnly(Exception):\n    pass\n')
        self.assertEqual(
            [os.path.join(os.path.basename(pkg), 'conductor', 'x.py')
             + ':4: Stray'], offenders(pkg))

    def test_home_defines_them(self):
        with open(HOME) as f:
            found = exception_classes(ast.parse(f.read()))
        self.assertIn('VnfsnapException', found)
        self.assertIn('VnfNotReady', found)
        for name in found:
            self.assertTrue(issubclass(getattr(exception, name),
                                       exception.VnfsnapException), name)
