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

"""Functional tests of the real test guest (vnfsnap_demo).

They build the guest image (or find it in the cache), start libvirt's
daemons when needed, boot real guests (TCG unless KVM really works) and
check, through the guest agent, the state the demo and the libvirt VIM
driver rely on: the in-memory counter, the journals on both disks, marker
files read back from the disk, the fsfreeze hook holding the workload,
the HTTP service and its supervisor, a NIC on a bridge (only when asked
for), a clean shutdown through the agent, and the clean-up.

Skipped when the binaries are missing, unless CI is set.
"""

import json
import os
import pathlib
import secrets
import shutil
import subprocess
import tempfile
import time

import fixtures
import requests
import testtools
from testtools import content

from vnfsnap.tests.fixtures import guest_network
from vnfsnap.tests.fixtures import libvirt_services
from vnfsnap.tests.fixtures import services

#: Seconds a guest may take from start to a guest agent answer (TCG on a
#: loaded 2-core machine; typically 5 s).
BOOT_TIMEOUT = 240


def require_guest_tools():
    """Skip (or fail on CI) unless the guest builder's tools exist."""
    import glob

    # vmlinuz is not executable: only its absence is reported (as None)
    kernel = [] if glob.glob('/boot/vmlinuz-*-cloud-amd64') else [None]
    services.require_binaries(
        'the test guest builder (Debian packages debootstrap, '
        'busybox-static, linux-image-cloud-amd64, e2fsprogs, kmod)',
        services.which('debootstrap', '/usr/sbin/debootstrap'),
        '/bin/busybox',
        *kernel,
        services.which('mkfs.ext4', '/sbin/mkfs.ext4'),
        services.which('debugfs', '/sbin/debugfs'),
        services.which('modprobe', '/sbin/modprobe'))
    return libvirt_services.require_libvirt()


class _ClassResources:
    """Set-up shared by the tests of a class, undone in reverse order."""

    def __init__(self):
        self._undo = []

    def add(self, func, *args):
        self._undo.append((func, args))

    def close(self):
        errors = []
        while self._undo:
            func, args = self._undo.pop()
            try:
                func(*args)
            except Exception as e:
                errors.append('%s: %s' % (getattr(func, '__name__', func), e))
        if errors:
            raise services.ServiceError('class clean-up failed: %s'
                                        % '; '.join(errors))


class GuestTestBase(testtools.TestCase):
    """Boots COUNT guests once for the class (in setUpClass)."""

    COUNT = 0
    DATA_DISK = True
    #: A NIC for each guest, on a bridge of the class (guest_network).
    NETWORK = False

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.libvirt = require_guest_tools()
        from vnfsnap_demo import domains
        from vnfsnap_demo import guest_agent
        from vnfsnap_demo import guest_image

        cls.domains = domains
        cls.ga = guest_agent
        cls.guest_image = guest_image
        cls.res = _ClassResources()
        try:
            daemons = libvirt_services.LibvirtDaemons()
            daemons.setUp()
            cls.res.add(daemons.cleanUp)
            cls.daemons = daemons
            cls.conn = cls.libvirt.open(daemons.uri)
            cls.res.add(cls.conn.close)
            cls.image = guest_image.build()
            cls.work_dir = tempfile.mkdtemp(prefix='vnfsnap-guest-test-',
                                            dir='/var/tmp')
            os.chmod(cls.work_dir, 0o755)
            cls.res.add(shutil.rmtree, cls.work_dir, True)
            cls.prefix = 'vnfsnap-ftest-%s' % secrets.token_hex(3)
            cls.res.add(domains.destroy_all, cls.conn, cls.prefix)
            cls.guests, cls.boot_times = [], {}
            interfaces = None
            if cls.NETWORK:
                bridge = guest_network.GuestBridge()
                bridge.setUp()
                cls.res.add(bridge.cleanUp)
                cls.bridge = bridge
                interfaces = [bridge.interface(i + 1)
                              for i in range(cls.COUNT)]
            if cls.COUNT:
                cls.guests, cls.boot_times = domains.create_and_boot(
                    cls.conn, cls.image, cls.COUNT, cls.work_dir, cls.prefix,
                    timeout=BOOT_TIMEOUT, data_disk=cls.DATA_DISK,
                    interfaces=interfaces)
        except BaseException:
            cls.res.close()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.res.close()
        super().tearDownClass()

    def dom(self, i=0):
        return self.guests[i].lookup(self.conn)

    def wait_for(self, predicate, timeout=20, interval=0.2, what=''):
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                self.fail('timed out after %ss waiting for %s'
                          % (timeout, what or predicate))
            time.sleep(interval)


def qemu_img_info(path):
    out = subprocess.run(['qemu-img', 'info', '-U', '--output=json', path],
                         stdout=subprocess.PIPE, check=True).stdout
    return json.loads(out)


class TestGuestScripts(testtools.TestCase):
    """The guest's scripts are files of vnfsnap_demo/guest (no guest is
    booted: these only read them)."""

    def setUp(self):
        super().setUp()
        from vnfsnap_demo import guest_image

        self.guest_image = guest_image
        self.guest_dir = self.useFixture(fixtures.TempDir()).path
        for entry in guest_image._guest_dir().iterdir():
            with open(os.path.join(self.guest_dir, entry.name), 'wb') as f:
                f.write(entry.read_bytes())
        self.useFixture(fixtures.MockPatchObject(
            guest_image, '_guest_dir', lambda: pathlib.Path(self.guest_dir)))

    def test_every_word_replaced(self):
        files = self.guest_image.guest_files()
        files['init'] = (0o755, self.guest_image.guest_script(
            self.guest_image.INITRAMFS_INIT))
        for rel, (_mode, text) in files.items():
            self.assertNotRegex(text, r'__[A-Z][A-Z0-9_]*__', rel)
        hook = files['etc/qemu/fsfreeze-hook'][1]
        self.assertTrue(hook.startswith('#!/bin/sh\n'))
        self.assertIn('\nRUN=%s\n' % self.guest_image.RUN_DIR, hook)
        self.assertIn("my $INTERVAL = '%r';" % (
            self.guest_image.COUNTER_INTERVAL),
            files['usr/local/sbin/vnfsnap-counter'][1])

    def test_unknown_word_refused(self):
        with open(os.path.join(self.guest_dir, 'shutdown.sh'), 'a') as f:
            f.write('echo __NO_SUCH_CONSTANT__\n')
        e = self.assertRaises(self.guest_image.GuestImageError,
                              self.guest_image.guest_files)
        self.assertIn('__NO_SUCH_CONSTANT__', str(e))

    def test_changed_script_changes_the_key(self):
        inp = self.guest_image.inputs()
        with open(os.path.join(self.guest_dir, 'fsfreeze-hook.sh'), 'a') as f:
            f.write('# changed\n')
        changed = self.guest_image.inputs()
        self.assertNotEqual(inp['recipe_sha256'], changed['recipe_sha256'])
        self.assertNotEqual(self.guest_image.cache_key(inp),
                            self.guest_image.cache_key(changed))


class TestGuest(GuestTestBase):
    """Two guests, with a data disk each, booted once for these tests."""

    COUNT = 2

    # -- the image ---------------------------------------------------------

    def test_image_is_cached(self):
        start = time.monotonic()
        again = self.guest_image.build()
        elapsed = time.monotonic() - start
        self.assertFalse(again.built)
        self.assertEqual(self.image.key, again.key)
        self.assertEqual(self.image.directory, again.directory)
        self.assertLess(elapsed, 10)
        self.assertEqual(self.guest_image.cache_key(), again.key)

    def test_image_files(self):
        image = self.image
        self.addDetail('manifest', content.text_content(json.dumps(
            {k: image.manifest.get(k) for k in
             ('key', 'build_seconds', 'timings', 'files', 'inputs')},
            indent=1, sort_keys=True)))
        for disk in (image.root_disk, image.data_disk):
            info = qemu_img_info(disk)
            self.assertEqual('qcow2', info['format'])
            self.assertEqual(1024 ** 3, info['virtual-size'])
            self.assertNotIn('backing-filename', info)
            # sparse: far below the virtual size
            self.assertLess(info['actual-size'], 300 * 1024 ** 2)
        self.assertGreater(os.path.getsize(image.kernel), 1024 ** 2)
        self.assertGreater(os.path.getsize(image.initrd), 100 * 1024)
        self.assertIn('qemu-guest-agent', image.manifest['packages'])
        self.assertIn('busybox', image.manifest['packages'])
        self.assertIn('virtio_blk.ko', image.manifest['modules'])
        self.assertIn('virtio_net.ko', image.manifest['modules'])
        self.assertIn('virtio_console.ko', image.manifest['modules'])
        # readable by QEMU (libvirt-qemu)
        self.domains.check_traversable(image.directory)
        for f in (image.kernel, image.initrd, image.root_disk):
            self.assertTrue(os.stat(f).st_mode & 0o004)

    def test_overlays_have_absolute_backing(self):
        for g in self.guests:
            for disk, base in ((g.root_disk, self.image.root_disk),
                               (g.data_disk, self.image.data_disk)):
                info = qemu_img_info(disk)
                self.assertEqual(base, info['backing-filename'])
                self.assertTrue(os.path.isabs(info['backing-filename']))
                self.assertEqual('qcow2', info['backing-filename-format'])

    # -- the domains and the agent ----------------------------------------

    def test_guests_booted_and_agent_answers(self):
        self.addDetail('boot seconds', content.text_content(
            json.dumps(self.boot_times, indent=1)))
        boot_ids = set()
        for i, g in enumerate(self.guests):
            dom = self.dom(i)
            self.assertEqual(self.libvirt.VIR_DOMAIN_RUNNING, dom.state()[0])
            self.assertLess(self.boot_times[g.name], BOOT_TIMEOUT)
            self.ga.ping(dom)
            self.assertEqual('thawed', self.ga.fsfreeze_status(dom))
            boot_ids.add(self.ga.boot_id(dom))
            xml = dom.XMLDesc(0)
            self.assertIn("type='%s'" % g.virt_type, xml.split('\n')[0])
            self.assertIn('org.qemu.guest_agent.0', xml)
            self.assertIsNotNone(self.domains.rss_kib(dom))
        self.assertEqual(len(self.guests), len(boot_ids))

    def test_counter_increases_in_memory(self):
        dom = self.dom()
        first = self.ga.read_counter(dom)
        # 5 per second nominally; TCG on a busy host is slower, so poll
        self.wait_for(lambda: self.ga.read_counter(dom) >= first + 3,
                      timeout=30, what='the counter to pass %d' % (first + 3))
        second = self.ga.read_counter(dom)
        self.assertGreaterEqual(second - first, 3)
        state = self.ga.counter_state(dom)
        self.assertGreaterEqual(state.value, second)
        self.assertFalse(state.held)

    def test_journals_grow_on_both_disks(self):
        dom = self.dom(1)
        before = {d: self.ga.journal_info(dom, d) for d in ('root', 'data')}
        # a few values later on both disks (polled: TCG under load)
        self.wait_for(lambda: all(
            self.ga.journal_info(dom, d).last_value
            >= before[d].last_value + 3 for d in ('root', 'data')),
            timeout=30, what='both journals to grow')
        counter = self.ga.read_counter(dom)
        after = {d: self.ga.journal_info(dom, d) for d in ('root', 'data')}
        for d in ('root', 'data'):
            self.assertGreater(after[d].lines, before[d].lines, d)
            self.assertGreater(after[d].size, before[d].size, d)
            self.assertGreater(after[d].last_value, before[d].last_value, d)
            # one line per value, in order
            tail = list(after[d].tail)
            self.assertEqual(list(range(tail[0], tail[0] + len(tail))), tail)
        # the disk lags the memory by at most a few increments
        self.assertLessEqual(after['root'].last_value, counter + 10)
        self.assertGreaterEqual(after['root'].last_value, counter - 10)
        self.assertGreaterEqual(self.ga.journal_last_value(dom),
                                after['root'].last_value)
        self.assertEqual(5, len(self.ga.read_journal_tail(dom, 5)))

    def test_set_counter_changes_memory_state(self):
        dom, other = self.dom(0), self.dom(1)
        value = 1000000 + secrets.randbelow(1000000)
        state = self.ga.set_counter(dom, value)
        self.assertGreaterEqual(state.value, value)
        self.assertLess(state.value, value + 50)
        now = self.ga.read_counter(dom)
        self.assertGreaterEqual(now, value)
        self.assertLess(now, value + 100)
        self.assertLess(self.ga.read_counter(other), value)
        # the new value and its successors reach the journal
        self.wait_for(lambda: value in self.ga.read_journal_tail(dom, 50),
                      what='%d in the journal' % value)

    def test_marker_files_read_back_from_disk(self):
        dom = self.dom(1)
        for folder in ('/var/lib/vnfsnap', '/data'):
            path = '%s/marker-%s' % (folder, secrets.token_hex(4))
            data = secrets.token_bytes(100 * 1024)
            self.ga.write_file(dom, path, data)
            self.assertEqual(data, self.ga.read_file(dom, path,
                                                     drop_caches=True))
            self.assertEqual(data, self.ga.read_file(dom, path))
            self.ga.remove_file(dom, path)
            self.assertIsNone(self.ga.read_file(dom, path, drop_caches=True,
                                                missing_ok=True))
        self.assertIsNone(self.ga.read_file(dom, '/no/such/file',
                                            missing_ok=True))
        self.assertRaises(self.ga.AgentError, self.ga.read_file, dom,
                          '/no/such/file')

    def test_guest_command_errors_are_clear(self):
        dom = self.dom(0)
        res = self.ga.sh(dom, 'echo out; echo err >&2; exit 3', check=False)
        self.assertEqual((3, b'out\n', b'err\n'),
                         (res.exitcode, res.stdout, res.stderr))
        e = self.assertRaises(self.ga.GuestCommandError, self.ga.sh, dom,
                              'echo boom >&2; exit 4')
        self.assertIn('boom', str(e))
        self.assertIn('status 4', str(e))
        e = self.assertRaises(self.ga.AgentTimeoutError, self.ga.sh, dom,
                              'sleep 30', timeout=1)
        self.assertIn('killed after 1s', str(e))

    # -- freeze ------------------------------------------------------------

    def _host_read_journal(self, guest):
        """The data disk's journal, read by the host from the image file.

        Only meaningful while the guest is frozen: the freeze flushed the
        file system (ext4 journal checkpointed) and the disk uses
        cache='none', so the image file holds it all.
        """
        tmp = self.useFixture(fixtures.TempDir()).path
        raw = os.path.join(tmp, 'data.raw')
        subprocess.run(['qemu-img', 'convert', '-U', '-f', 'qcow2', '-O',
                        'raw', guest.data_disk, raw], check=True)
        out = subprocess.run(
            ['debugfs', '-R', 'cat /vnfsnap/journal', raw],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            check=True).stdout
        os.unlink(raw)
        return out

    def test_fsfreeze_holds_the_workload(self):
        guest = self.guests[0]
        dom = self.dom(0)
        before = self.ga.read_counter(dom)
        start = time.monotonic()
        frozen = dom.fsFreeze()
        freeze_seconds = time.monotonic() - start
        try:
            self.assertEqual(2, frozen)     # / and /data
            self.assertEqual('frozen', self.ga.fsfreeze_status(dom))
            # the agent refuses anything that could write while frozen
            self.assertRaises(self.ga.AgentFrozenError, self.ga.read_counter,
                              dom)
            first = self._host_read_journal(guest)
            time.sleep(1.5)
            second = self._host_read_journal(guest)
        finally:
            start = time.monotonic()
            dom.fsThaw()
            thaw_seconds = time.monotonic() - start
        self.addDetail('fsfreeze seconds', content.text_content(
            'freeze %.3f thaw %.3f' % (freeze_seconds, thaw_seconds)))
        self.assertEqual('thawed', self.ga.fsfreeze_status(dom))
        # nothing reached the disk while frozen
        self.assertEqual(first, second)
        values = [int(v) for v in first.decode().split()]
        held_at = values[-1]
        self.assertGreaterEqual(held_at, before)
        # application-consistent: the counter held exactly at the value
        # that is last on the disk, and says so
        state = self.ga.counter_state(dom)
        self.assertEqual(held_at, state.last_hold)
        self.assertIn('holds at %d' % held_at, self.ga.hook_log(dom))
        # and resumes after the thaw, in memory and on the disk
        self.wait_for(lambda: self.ga.read_counter(dom) > held_at + 2,
                      what='the counter to resume')
        self.wait_for(
            lambda: self.ga.journal_last_value(dom, 'data') > held_at + 2,
            what='the data journal to grow again')

    # -- the HTTP service --------------------------------------------------

    def _get_health(self, dom):
        """busybox wget of /health inside the guest: (exit status,
        output); wget fails on a 503 and says so."""
        r = self.ga.sh(dom, 'busybox wget -q -O - http://127.0.0.1/health '
                       '2>&1', check=False)
        return r.exitcode, r.stdout.decode()

    def test_http_service_and_its_supervisor(self):
        guest = self.guests[1]
        dom = self.dom(1)
        # The demo's guests have no NIC: the service is there on lo only.
        self.assertNotIn('<interface', dom.XMLDesc(0))
        self.assertNotIn('vnfsnap.ip=', dom.XMLDesc(0))
        self.assertEqual(0, self.ga.sh(
            dom, 'test ! -e /sys/class/net/eth0', check=False).exitcode)
        hf = self.guest_image.HEALTH_FILE
        self.addCleanup(self.ga.remove_file, dom, hf)
        self.ga.write_file(dom, hf, b'ok\n')
        self.assertEqual((0, 'ok\n'), self._get_health(dom))
        self.ga.write_file(dom, hf, b'corrupt\n')
        status, out = self._get_health(dom)
        self.assertNotEqual(0, status)
        self.assertIn('503', out)
        self.ga.write_file(dom, hf, b'ok\n')
        # Killed: the supervisor starts it again, and says so.
        pid_file = self.guest_image.HTTPD_PID_FILE
        old = self.ga.read_file(dom, pid_file).decode().strip()
        start = time.monotonic()
        self.ga.sh(dom, 'kill "$(cat %s)"' % pid_file)
        new = self.wait_for(
            lambda: (self.ga.read_file(dom, pid_file, missing_ok=True)
                     or b'').decode().strip() not in ('', old) and
            self._get_health(dom) == (0, 'ok\n') and
            self.ga.read_file(dom, pid_file).decode().strip(),
            timeout=60, interval=0.2, what='the HTTP service to restart')
        self.addDetail('httpd restart seconds', content.text_content(
            '%.1f' % (time.monotonic() - start)))
        self.assertNotEqual(old, new)
        self.assertIn('vnfsnap-httpd exited with status 0; restarting',
                      guest.console_tail(20000))


class TestGuestNetwork(GuestTestBase):
    """Two guests with a NIC each on a bridge of the class: the host
    reaches their HTTP service, and they reach each other."""

    COUNT = 2
    NETWORK = True

    def http_get(self, guest):
        return requests.get('http://%s/health' % guest.interface.ip,
                            timeout=5, proxies={'http': None,
                                                'https': None})

    def test_host_reaches_the_http_service(self):
        self.addDetail('boot seconds', content.text_content(
            json.dumps(self.boot_times, indent=1)))
        for i, guest in enumerate(self.guests):
            dom = self.dom(i)
            xml = dom.XMLDesc(0)
            self.assertIn("<interface type='bridge'>", xml)
            self.assertIn("<source bridge='%s'/>" % self.bridge.name, xml)
            self.assertIn('eth0 %s' % guest.interface.address,
                          guest.console_tail(20000))
            # Up: the service's data is not there yet.
            (resp,) = self.wait_for(
                lambda g=guest: self._try(g), timeout=120,
                what='the HTTP service of %s' % guest.name)
            self.assertEqual(503, resp.status_code)
            self.assertIn('unhealthy', resp.text)
            self.ga.write_file(dom, self.guest_image.HEALTH_FILE, b'ok\n')
            resp = self.http_get(guest)
            self.assertEqual((200, 'ok\n'), (resp.status_code, resp.text))
            self.assertEqual(404, requests_status(
                'http://%s/other' % guest.interface.ip))
        # Guest to guest, on the bridge.
        out = self.ga.sh(self.dom(0), 'busybox wget -q -O - http://%s/health'
                         % self.guests[1].interface.ip).stdout
        self.assertEqual(b'ok\n', out)

    def _try(self, guest):
        """(the response,) once the service answers (a Response of a
        503 is false), else None."""
        try:
            return (self.http_get(guest),)
        except requests.RequestException:
            return None


def requests_status(url):
    return requests.get(url, timeout=5,
                        proxies={'http': None, 'https': None}).status_code


class TestLifecycle(GuestTestBase):
    """One guest: shutdown through the agent, boot again, destroy_all."""

    COUNT = 1
    DATA_DISK = False

    def test_shutdown_boot_and_destroy_all(self):
        guest = self.guests[0]
        dom = self.dom()
        old_boot_id = self.ga.boot_id(dom)
        self.ga.set_counter(dom, 7000)
        self.wait_for(lambda: (self.ga.journal_last_value(dom) or 0) >= 7005,
                      what='the journal to pass 7005')

        # clean shutdown through the agent (/sbin/shutdown in the guest)
        dom.shutdownFlags(self.libvirt.VIR_DOMAIN_SHUTDOWN_GUEST_AGENT)
        self.wait_for(lambda: not dom.isActive(), timeout=60,
                      what='the guest to power off')

        # boot again: new boot id, the counter continues from the disk
        times = self.domains.boot(self.conn, [guest], timeout=BOOT_TIMEOUT)
        self.addDetail('second boot seconds',
                       content.text_content(json.dumps(times)))
        self.assertNotEqual(old_boot_id, self.ga.boot_id(dom))
        self.assertGreaterEqual(self.ga.read_counter(dom), 7005)
        self.assertIsNone(self.ga.counter_state(dom).last_hold)

        # metadata that blocks a plain undefine: a disk-only snapshot
        snap = dom.snapshotCreateXML(
            '<domainsnapshot><name>s1</name></domainsnapshot>',
            self.libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY
            | self.libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC)
        self.assertEqual(['s1'], dom.snapshotListNames())
        snap_file = [f for f in os.listdir(guest.directory)
                     if f.startswith('root.') and f != 'root.qcow2']
        self.assertEqual(1, len(snap_file), os.listdir(guest.directory))
        del snap

        other = self.prefix.replace('ftest', 'fother')
        removed = self.domains.destroy_all(self.conn, self.prefix)
        self.assertEqual([guest.name], removed)
        names = [d.name() for d in self.conn.listAllDomains(0)]
        self.assertNotIn(guest.name, names)
        self.assertFalse(os.path.exists(guest.directory))
        self.assertFalse(os.path.exists(
            '/var/log/libvirt/qemu/%s.log' % guest.name))
        self.assertEqual([], self.domains.destroy_all(self.conn, other))
        self.assertRaises(self.domains.DomainError,
                          self.domains.destroy_all, self.conn, 'vn')
