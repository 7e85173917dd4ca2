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

"""What the benches on libvirt guests share: their options, the guests and
the all-in-one they start, and their run (not a test, a sibling module of
the bench scripts)."""

import os
import shutil
import sys
import tempfile
import threading
import time

import libvirt

from vnfsnap_demo import client as api_client
from vnfsnap_demo import domains
from vnfsnap_demo import guest_image
from vnfsnap_demo import libvirtd
from vnfsnap_demo import scenario

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import package_api  # noqa: E402,I001 (a sibling script, not a package)


def say(text=''):
    print(text, flush=True)


def in_threads(target, items, errors):
    """``target(*item)`` for every item at once, one thread each, as a
    hand-written script would; returns the wall time. ``errors``: the list
    the targets append their failures to, raised together."""
    threads = [threading.Thread(target=target, args=item) for item in items]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - started
    if errors:
        raise RuntimeError('raw round failed: %s' % '; '.join(errors))
    return wall


def wait_op(api, location, poll, timeout=900):
    """The LCM operation occurrence at ``location`` (a 202's Location),
    polled every ``poll`` seconds until it leaves STARTING/PROCESSING."""
    op_path = location.split('/vnflcm/v2', 1)[1]
    deadline = time.monotonic() + timeout
    while True:
        op = api.get(op_path)
        if op['operationState'] not in ('STARTING', 'PROCESSING'):
            return op
        if time.monotonic() > deadline:
            raise RuntimeError('%s still %s after %ss' % (
                op['operation'], op['operationState'], timeout))
        time.sleep(poll)


class GuestBench:
    """``--vnfcs`` guests of the demo's test image booted, the
    all-in-one started on the embedded default in the work directory and
    the VNF registered (``self.api``, ``self.inst``, ``self.doms``)."""

    def __init__(self, args, work):
        self.args, self.work = args, work
        self.proc = self.conn = None
        self.doms = {}
        self.daemons = []

    def set_up(self):
        # Stopped by PID at the end when this started them.
        self.daemons = libvirtd.ensure_running()
        image = guest_image.build()
        self.conn = libvirt.open('qemu:///system')
        domains.destroy_all(self.conn, self.args.prefix)
        os.chmod(self.work, 0o755)  # noqa: S103 (QEMU runs as libvirt-qemu)
        created, _ = domains.create_and_boot(
            self.conn, image, self.args.vnfcs,
            os.path.join(self.work, 'guests'), prefix=self.args.prefix)
        self.doms = {td.name: td.lookup(self.conn) for td in created}
        port = package_api.free_port()
        self.proc = package_api.start_service(self.work, port)
        self.base = 'http://127.0.0.1:%d' % port
        self.api = api_client.Client(self.base)
        _, inst = self.api.post('/vnf_instances', scenario.Demo(
            self.args.vnfcs).registration(created))
        self.inst = inst['id']
        say('guests %s; vnfsnap-all-in-one pid %d, VNF instance %s'
            % (', '.join(self.doms), self.proc.pid, self.inst))

    def tear_down(self):
        package_api.stop_service(self.proc)
        if self.conn is not None and not self.args.keep:
            domains.destroy_all(self.conn, self.args.prefix)
        if self.conn is not None:
            self.conn.close()
        if not self.args.keep:
            libvirtd.stop(self.daemons)


def options(parser, vnfcs, prefix):
    """The options every guest bench takes: VNFCs, work directory, the
    guests' name prefix, keep."""
    parser.add_argument('--vnfcs', type=int, default=vnfcs,
                        help='guests (VNFCs) of the VNF (default %d)'
                             % vnfcs)
    parser.add_argument('--workdir',
                        help='work directory (default: a new one in /var/tmp)')
    parser.add_argument('--prefix', default=prefix,
                        help='name prefix of the guests (default %s)'
                             % prefix)
    parser.add_argument('--keep', action='store_true',
                        help='leave the guests and the work directory')


def run(bench_cls, args, name, report):
    """Set up ``bench_cls(args, work)``, run it, tear it down, then
    ``report(bench, what run returned)`` (its files are still there);
    the work directory goes unless asked for."""
    work = args.workdir or tempfile.mkdtemp(prefix='vnfsnap-%s-' % name,
                                            dir='/var/tmp')
    os.makedirs(work, exist_ok=True)
    bench = bench_cls(args, work)
    try:
        try:
            bench.set_up()
            result = bench.run()
        finally:
            bench.tear_down()
        report(bench, result)
    finally:
        if not args.keep and not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
