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

"""qemu-img on images that may come from outside runs under limits."""

import errno
import os
import shutil
import signal
import subprocess
from unittest import mock

import fixtures
from oslo_concurrency import processutils
from oslo_utils import units
import testtools

from vnfsnap.common import exception
from vnfsnap.vim.libvirt import images


class TestLimitsPassed(testtools.TestCase):
    """What is handed to processutils, and how failures read."""

    def setUp(self):
        super().setUp()
        self.execute = self.useFixture(fixtures.MockPatch(
            'oslo_concurrency.processutils.execute',
            return_value=('{"format": "qcow2", "virtual-size": 1}', ''))).mock

    def test_info_runs_under_limits_with_format(self):
        self.assertEqual({'format': 'qcow2', 'virtual-size': 1},
                         images.info('/x/disk.img', 'raw'))
        args, kwargs = self.execute.call_args
        self.assertEqual(('qemu-img', 'info', '-U', '-f', 'raw',
                          '--output=json', '/x/disk.img'), args)
        self.assertIs(images.UNTRUSTED_LIMITS, kwargs['prlimit'])
        self.assertEqual((units.Gi, 30),
                         (kwargs['prlimit'].address_space,
                          kwargs['prlimit'].cpu_time))
        self.assertEqual(images.UNTRUSTED_TIMEOUT, kwargs['timeout'])

    def test_check_standalone_runs_under_limits(self):
        images.check_standalone('/x/disk.qcow2')
        args, kwargs = self.execute.call_args
        self.assertEqual(['-f', 'qcow2'], list(args[3:5]))
        self.assertIs(images.UNTRUSTED_LIMITS, kwargs['prlimit'])

    def test_own_images_are_not_limited(self):
        # Converting a many-GiB disk this service made may take minutes.
        images.flatten('/x/a.qcow2', '/x/b.qcow2')
        args, kwargs = self.execute.call_args
        self.assertEqual(('qemu-img', 'convert', '-U', '-f', 'qcow2'),
                         args[:5])
        self.assertIsNone(kwargs['prlimit'])

    def fail_with(self, exit_code, stderr=''):
        self.execute.side_effect = processutils.ProcessExecutionError(
            exit_code=exit_code, stderr=stderr, cmd='qemu-img info')
        return self.assertRaises(exception.VimError, images.info, '/x/d')

    def test_cpu_limit_breach(self):
        for sig in (signal.SIGXCPU, signal.SIGKILL):
            exc = self.fail_with(-sig)
            self.assertIn('qemu-img info exceeded its CPU time limit of '
                          '30 s', str(exc))

    def test_address_space_breach(self):
        exc = self.fail_with(-signal.SIGABRT, 'qemu: qemu_thread_create: '
                             'Resource temporarily unavailable')
        self.assertIn('stopped (exit code -6) under its address-space limit '
                      'of 1024 MiB, most likely by exceeding it', str(exc))
        exc = self.fail_with(1, 'qemu-img: Could not open: Failed to '
                             'allocate memory')
        self.assertIn('address-space limit of 1024 MiB', str(exc))

    def test_ordinary_failure(self):
        exc = self.fail_with(1, "qemu-img: Could not open '/x/d': No such "
                             'file or directory')
        self.assertEqual("VIM operation failed: qemu-img info failed (exit "
                         "code 1): qemu-img: Could not open '/x/d': No such "
                         "file or directory", str(exc))

    def test_not_json(self):
        self.execute.return_value = ('image: d\n', '')
        exc = self.assertRaises(exception.VimError, images.info, '/x/d')
        self.assertIn('printed no JSON', str(exc))


@testtools.skipUnless(shutil.which('qemu-img'), 'qemu-img is not installed')
class TestRealLimits(testtools.TestCase):
    """The limits really apply to the real qemu-img."""

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.disk = os.path.join(self.tmp, 'disk.qcow2')
        subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2',
                        self.disk, '64M'], check=True, timeout=30)
        subprocess.run(['qemu-io', '-f', 'qcow2', '-c',
                        'write -P 0xab 0 1M', self.disk], check=True,
                       capture_output=True, timeout=30)

    def test_info_works_under_the_limits(self):
        spy = self.useFixture(fixtures.MockPatch(
            'oslo_concurrency.processutils.execute',
            wraps=processutils.execute)).mock
        data = images.check_standalone(self.disk)
        self.assertEqual(('qcow2', 64 * units.Mi),
                         (data['format'], data['virtual-size']))
        self.assertGreaterEqual(data['actual-size'], units.Mi)
        self.assertIs(images.UNTRUSTED_LIMITS, spy.call_args[1]['prlimit'])

    def test_address_space_breach(self):
        # qemu-img info needs tens of MiB; 32 MiB cannot start its threads.
        self.useFixture(fixtures.MockPatch(
            'vnfsnap.vim.libvirt.images.UNTRUSTED_LIMITS',
            processutils.ProcessLimits(address_space=32 * units.Mi,
                                       cpu_time=30)))
        exc = self.assertRaises(exception.VimError, images.info, self.disk)
        self.assertIn('under its address-space limit of 32 MiB', str(exc))

    def test_cpu_time_breach(self):
        # A stand-in that spins: qemu-img itself finishes in milliseconds.
        spinner = os.path.join(self.tmp, 'spin')
        with open(spinner, 'w') as f:
            f.write('#!/bin/sh\nwhile :; do :; done\n')
        os.chmod(spinner, 0o755)
        self.useFixture(fixtures.MockPatch(
            'vnfsnap.vim.libvirt.images.QEMU_IMG', spinner))
        self.useFixture(fixtures.MockPatch(
            'vnfsnap.vim.libvirt.images.UNTRUSTED_LIMITS',
            processutils.ProcessLimits(address_space=units.Gi, cpu_time=1)))
        exc = self.assertRaises(exception.VimError, images.info, self.disk)
        self.assertIn('qemu-img info exceeded its CPU time limit of 1 s',
                      str(exc))

    def test_timeout_kills_the_child(self):
        sleeper = os.path.join(self.tmp, 'sleep')
        with open(sleeper, 'w') as f:
            f.write('#!/bin/sh\nexec sleep 60\n')
        os.chmod(sleeper, 0o755)
        self.useFixture(fixtures.MockPatch(
            'vnfsnap.vim.libvirt.images.QEMU_IMG', sleeper))
        self.useFixture(fixtures.MockPatch(
            'vnfsnap.vim.libvirt.images.UNTRUSTED_TIMEOUT', 1))
        started = []
        real_execute = processutils.execute

        def execute(*args, **kwargs):
            on_execute = kwargs.pop('on_execute')

            def both(proc):
                started.append(proc)
                on_execute(proc)
            return real_execute(*args, on_execute=both, **kwargs)
        with mock.patch('oslo_concurrency.processutils.execute', execute):
            exc = self.assertRaises(exception.VimError, images.info,
                                    self.disk)
        self.assertIn('did not finish within 1 s', str(exc))
        self.assertIsNotNone(started[0].poll())


class TestLinkOrCopy(testtools.TestCase):
    """An export links the memory state rather than copying it."""

    def setUp(self):
        super().setUp()
        self.dir = self.useFixture(fixtures.TempDir()).path
        self.src = os.path.join(self.dir, 'memory.save')
        with open(self.src, 'wb') as f:
            f.write(b'memory' * 1000)
        self.dest = os.path.join(self.dir, 'export-memory.save')

    def test_links_on_one_file_system(self):
        images.link_or_copy(self.src, self.dest)
        self.assertTrue(os.path.samefile(self.src, self.dest))
        # Removing the export leaves the VNFC snapshot's file.
        os.unlink(self.dest)
        self.assertTrue(os.path.exists(self.src))

    def test_copies_where_the_kernel_refuses_the_link(self):
        for code in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.EACCES):
            with self.subTest(errno=code):
                with mock.patch.object(images.os, 'link',
                                       side_effect=OSError(code, 'no')):
                    images.link_or_copy(self.src, self.dest)
                self.assertFalse(os.path.samefile(self.src, self.dest))
                with open(self.dest, 'rb') as f:
                    self.assertEqual(b'memory' * 1000, f.read())
                os.unlink(self.dest)

    def test_other_errors_propagate(self):
        with mock.patch.object(images.os, 'link',
                               side_effect=OSError(errno.ENOSPC, 'full')):
            self.assertRaises(OSError, images.link_or_copy, self.src,
                              self.dest)


class TestFlattenInto(testtools.TestCase):
    """A disk converted into another file at an offset, as a package
    build has qemu-img write it where its ZIP member goes."""

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.base = os.path.join(self.tmp, 'base.qcow2')
        self.top = os.path.join(self.tmp, 'top.qcow2')
        for args in (['qemu-img', 'create', '-q', '-f', 'qcow2', self.base,
                      '32M'],
                     ['qemu-io', '-f', 'qcow2', '-c', 'write -P 0x5a 0 2M',
                      self.base],
                     ['qemu-img', 'create', '-q', '-f', 'qcow2', '-F',
                      'qcow2', '-b', self.base, self.top],
                     ['qemu-io', '-f', 'qcow2', '-c',
                      'write -P 0xa5 1M 3M', self.top]):
            subprocess.run(args, check=True, capture_output=True)

    def test_standalone_copy_after_the_offset(self):
        path = os.path.join(self.tmp, 'package')
        head = os.urandom(12345)
        with open(path, 'wb') as f:
            f.write(head)
        images.flatten_into(self.top, path, len(head))
        with open(path, 'rb') as f:
            self.assertEqual(head, f.read(len(head)))
            image = f.read()
        out = os.path.join(self.tmp, 'out.qcow2')
        with open(out, 'wb') as f:
            f.write(image)
        self.assertIsNone(images.backing_file(out))
        subprocess.run(['qemu-img', 'compare', '-f', 'qcow2', '-F', 'qcow2',
                        self.top, out], check=True, capture_output=True)
        # What qemu-img measure said it needs bounds what it wrote.
        self.assertLessEqual(len(image), images.measure(self.top))
        flat = os.path.join(self.tmp, 'flat.qcow2')
        images.flatten(self.top, flat)
        self.assertEqual(os.path.getsize(flat), len(image))

    def test_a_missing_source_fails(self):
        path = os.path.join(self.tmp, 'package')
        open(path, 'wb').close()
        self.assertRaises(exception.VimError, images.flatten_into,
                          os.path.join(self.tmp, 'gone.qcow2'), path, 0)
