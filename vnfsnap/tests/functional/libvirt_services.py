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

"""libvirt's daemons for the functional tests.

Unlike the servers of services.py, libvirt cannot run as a private
instance: the tests use the machine's ``qemu:///system``.  The fixture
makes it answer, starting ``virtlogd`` and ``libvirtd`` when they are not
running (vnfsnap_demo.libvirtd, no systemd needed), and on cleanup stops,
by PID, only the daemons it started itself; daemons that were already
running are left alone.  Guests are not the fixture's business: stop them
first (vnfsnap_demo.domains.destroy_all).

Usage::

    daemons = self.useFixture(libvirt_services.LibvirtDaemons())
    conn = daemons.connect()      # closed on cleanup

When the binaries are missing the test is skipped, unless CI is set (then
it is an error), as with services.py.
"""

import fixtures

from vnfsnap.tests.functional import services


def require_libvirt():
    """Skip (or fail on CI) unless libvirtd, QEMU and libvirt-python exist.

    Returns the ``libvirt`` module.
    """
    services.require_binaries(
        'libvirt and QEMU (Debian packages libvirt-daemon-system, '
        'libvirt-clients, qemu-system-x86, qemu-utils)',
        services.which('libvirtd', '/usr/sbin/libvirtd'),
        services.which('virtlogd', '/usr/sbin/virtlogd'),
        services.which('qemu-system-x86_64', '/usr/bin/qemu-system-x86_64'),
        services.which('qemu-img', '/usr/bin/qemu-img'))
    try:
        import libvirt
    except ImportError as e:
        msg = ('libvirt-python is not installed (%s); tools/install.sh '
               'installs it' % e)
        if services.in_ci():
            raise services.ServiceError(msg + ' (CI is set: not skipping)')
        import unittest
        raise unittest.SkipTest(msg)
    return libvirt


class LibvirtDaemons(fixtures.Fixture):
    """``qemu:///system`` answering for the length of a test.

    Attributes once set up: ``uri``, ``started`` (the
    vnfsnap_demo.libvirtd.StartedDaemon list: empty when both daemons were
    already running), ``pids`` (of those).

    Typical start-up: ~8 s the first time on a machine (libvirtd probes
    QEMU's capabilities), ~1 s later; nothing when already running.
    """

    def __init__(self, timeout=60):
        super().__init__()
        self.timeout = timeout
        self.started = []
        self.pids = []

    def setUp(self):
        # Checked before the fixture's own set-up: see services._ServerFixture.
        require_libvirt()
        super().setUp()

    def _setUp(self):
        from vnfsnap_demo import libvirtd

        self.uri = libvirtd.SYSTEM_URI
        self.addCleanup(self._stop)
        self.started = libvirtd.ensure_running(self.uri,
                                               timeout=self.timeout)
        self.pids = [d.pid for d in self.started]

    def _stop(self):
        from vnfsnap_demo import libvirtd

        left = [d for d in self.started
                if services.pid_alive(d.pid)]
        libvirtd.stop(left)
        alive = [d.pid for d in left if services.pid_alive(d.pid)]
        if alive:
            raise services.ServiceError(
                'libvirt daemons still running after stop: %s' % alive)

    def connect(self):
        """A libvirt connection to ``uri``, closed on cleanup."""
        import libvirt

        conn = libvirt.open(self.uri)
        self.addCleanup(conn.close)
        return conn
