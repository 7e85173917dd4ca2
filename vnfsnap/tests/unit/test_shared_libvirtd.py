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

"""The functional tests' sharing of libvirt's daemons between workers.

Each SharedDaemons object here gets its own ProcessUsers (its own open
file of ``users``), so they exclude each other as two workers do; those
that share one are fixtures of one process.  The
daemons are fakes: ensure_running and stop of vnfsnap_demo.libvirtd are
replaced, and a "PID" is alive while the fake daemon runs.
"""

import itertools
import threading

import fixtures
import testtools

from vnfsnap.tests.fixtures import libvirt_services
from vnfsnap_demo import libvirtd

URI = libvirtd.SYSTEM_URI


_PIDS = itertools.count(1 << 22)


def daemon(name):
    return libvirtd.StartedDaemon(name, next(_PIDS), '/run/%s.pid' % name,
                                  0.0)


class TestSharedDaemons(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.dir = self.useFixture(fixtures.TempDir()).path
        self.running = []
        self.stopped = []
        self.useFixture(fixtures.MockPatch(
            'vnfsnap_demo.libvirtd.ensure_running', self.ensure_running))
        self.useFixture(fixtures.MockPatch(
            'vnfsnap_demo.libvirtd.stop', self.stop))
        self.useFixture(fixtures.MockPatch(
            'vnfsnap.tests.fixtures.services.pid_alive',
            lambda pid: any(d.pid == pid for d in self.running)))

    def ensure_running(self, uri, timeout=60):
        names = {d.name for d in self.running}
        new = [daemon(n) for n in ('virtlogd', 'libvirtd') if n not in names]
        self.running += new
        return new

    def stop(self, daemons):
        self.stopped.append([d.name for d in daemons])
        self.running = [d for d in self.running if d not in daemons]
        return [d.name for d in reversed(daemons)]

    def shared(self, process=None):
        """A worker's SharedDaemons; of ``process`` (a ProcessUsers) to
        be another fixture of that process."""
        shared = libvirt_services.SharedDaemons(
            self.dir, timeout=30,
            users=process or libvirt_services.ProcessUsers(self.dir))
        self.addCleanup(shared.close)
        return shared

    def test_last_user_stops_what_another_started(self):
        first, second = self.shared(), self.shared()
        self.assertEqual(2, len(first.acquire(URI, 5)))
        self.assertEqual([], second.acquire(URI, 5))
        self.assertEqual([], first.release())
        self.assertEqual([], self.stopped)
        self.assertEqual(['libvirtd', 'virtlogd'], second.release())
        self.assertEqual([['virtlogd', 'libvirtd']], self.stopped)
        self.assertEqual([], second.started())

    def test_daemons_running_before_are_left_alone(self):
        self.running = [daemon('virtlogd'), daemon('libvirtd')]
        shared = self.shared()
        self.assertEqual([], shared.acquire(URI, 5))
        self.assertEqual([], shared.release())
        self.assertEqual([], self.stopped)

    def test_restart_waits_for_the_other_users(self):
        restarter, other = self.shared(), self.shared()
        restarter.acquire(URI, 5)
        other.acquire(URI, 5)
        result = {}
        thread = threading.Thread(target=lambda: result.update(
            new=restarter.restart_libvirtd(URI, 5)))
        thread.start()
        # It polls twice a second: two polls must find the other user.
        thread.join(1.2)
        self.assertTrue(thread.is_alive(), 'restarted while in use')
        self.assertEqual([], self.stopped)
        other.release()
        thread.join(30)
        self.assertFalse(thread.is_alive())
        self.assertEqual([['libvirtd']], self.stopped)
        self.assertEqual('libvirtd', result['new'].name)
        self.assertEqual(['libvirtd', 'virtlogd'],
                         sorted(d.name for d in restarter.started()))
        # The restarter is still a user; as the last one it stops both.
        self.assertEqual(['libvirtd', 'virtlogd'], restarter.release())

    def test_alone_keeps_new_users_out_until_done(self):
        lone, other, late = self.shared(), self.shared(), self.shared()
        lone.acquire(URI, 5)
        other.acquire(URI, 5)
        inside, leave = threading.Event(), threading.Event()

        def body():
            with lone.alone():
                inside.set()
                leave.wait(30)
        thread = threading.Thread(target=body)
        thread.start()
        self.assertFalse(inside.wait(1.2), 'alone while another uses it')
        other.release()
        self.assertTrue(inside.wait(30))
        # A new user waits at the gate until the body is done.
        joined = threading.Thread(target=late.acquire, args=(URI, 5))
        joined.start()
        joined.join(1.2)
        self.assertTrue(joined.is_alive(), 'came in while alone')
        leave.set()
        thread.join(30)
        joined.join(30)
        self.assertFalse(joined.is_alive())
        late.release()
        self.assertEqual(['libvirtd', 'virtlogd'], lone.release())

    def test_users_of_the_same_process_do_not_keep_it_from_alone(self):
        # The shared cloud's nova-compute and a test starting its own
        # cloud in one worker: only the other worker's user is waited for.
        process = libvirt_services.ProcessUsers(self.dir)
        cloud, test = self.shared(process), self.shared(process)
        other = self.shared()
        cloud.acquire(URI, 5)
        test.acquire(URI, 5)
        other.acquire(URI, 5)
        inside = threading.Event()

        def body():
            with test.alone():
                inside.set()
        thread = threading.Thread(target=body)
        thread.start()
        self.assertFalse(inside.wait(1.2), 'alone while another worker '
                                           'uses it')
        self.assertEqual([], other.release())
        self.assertTrue(inside.wait(30))
        thread.join(30)
        # Still users after the body: the last of the process stops them.
        self.assertEqual([], test.release())
        self.assertEqual([], self.stopped)
        self.assertEqual(['libvirtd', 'virtlogd'], cloud.release())

    def test_restart_leaves_a_libvirtd_started_before_the_tests(self):
        self.running = [daemon('virtlogd'), daemon('libvirtd')]
        shared = self.shared()
        shared.acquire(URI, 5)
        self.assertIsNone(shared.restart_libvirtd(URI, 5))
        self.assertEqual([], self.stopped)
        shared.release()

    def test_a_user_that_never_acquired_releases_nothing(self):
        self.assertEqual([], self.shared().release())
