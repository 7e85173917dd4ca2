#!/usr/bin/env python3
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

"""The conductor's memory over many LCM flows, without guests.

Not a unit test: it runs the conductor manager in-process on the unit
tests' in-memory VIM (FakeVim) and a file SQLite database (the embedded
default) for ``--cycles`` cycles of create VNF snapshot, revert to it,
delete it, and prints the process's VmRSS every ``--every`` cycles; with
``--trace`` it also prints the allocations that grew most between the
first sample and the last (tracemalloc, by traceback). The all-in-one
soak (tools/bench/soak.py) showed the conductor growing per cycle; this
pins where without booting anything.

    python tools/bench/flow_memory.py --cycles 100 --vnfcs 2

With ``--package-mib N`` a cycle is instead a package round trip of a
VNFC export with an N MiB memory state made like a guest's (half zero
pages, a quarter random, a quarter text) and a small qcow2 disk: the
build's ``archive.write`` into ``FileStore.open_write`` with the memory
compressed as ``--codec`` says, then ``archive.extract`` of the stored
file, each in a thread of its own as the conductor's executor runs
flows. The FakeVim's memory states are a few bytes, so the flows alone
never exercise the codec on guest-sized data.

    python tools/bench/flow_memory.py --package-mib 256 --cycles 20
"""

import argparse
import gc
import os
import queue
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc

import fixtures
from oslo_config import fixture as config_fixture

from vnfsnap.common import context
from vnfsnap.common import states
from vnfsnap.conductor import manager
import vnfsnap.conf
from vnfsnap.db import api as db_api
from vnfsnap.tests.fixtures import database
from vnfsnap.tests.fixtures import fake_vim
from vnfsnap.tests.fixtures import fake_vnf

CONF = vnfsnap.conf.CONF


def rss_mib():
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) / 1024.0
    return 0.0


def wait(op_id, timeout=120):
    deadline = time.monotonic() + timeout
    while True:
        op = db_api.get_op_occ(None, op_id)
        if op.operation_state in states.FINAL_STATES | {states.FAILED_TEMP}:
            if op.operation_state != states.COMPLETED:
                sys.exit('occurrence %s: %s %s' % (
                    op.id, op.operation_state, op.error))
            return op
        if time.monotonic() > deadline:
            sys.exit('occurrence %s stuck in %s' % (op_id,
                                                    op.operation_state))
        time.sleep(0.005)


def run(mgr, ctx, inst, operation, info_id):
    body = {'vnfSnapshotInfoId': info_id}
    op = database.make_op(inst.id, info_id, project=inst.project_id,
                          operation=operation, operation_params=body)
    mgr.run_lcm_op_occ(ctx, op.id)
    return wait(op.id)


def cycle(mgr, ctx, inst):
    """Create a VNF snapshot, revert to it, delete it."""
    info_id = database.make_info(project=inst.project_id).id
    run(mgr, ctx, inst, states.CREATE_SNAPSHOT, info_id)
    run(mgr, ctx, inst, states.REVERT_TO_SNAPSHOT, info_id)
    mgr.delete_vnf_snapshot(ctx, info_id)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--cycles', type=int, default=100)
    parser.add_argument('--vnfcs', type=int, default=2)
    parser.add_argument('--every', type=int, default=10)
    parser.add_argument('--warmup', type=int, default=5,
                        help='cycles before the first sample')
    parser.add_argument('--trace', action='store_true',
                        help='tracemalloc: the top growths by traceback')
    parser.add_argument('--package-mib', type=int, default=0,
                        help='package round trips with a memory state of '
                             'this many MiB instead of LCM flows')
    parser.add_argument('--codec', default='zstd',
                        help='memory compression of the package cycles '
                             '(stored, zstd, deflate)')
    parser.add_argument('--threads', type=int, default=8,
                        help='threads the package cycles take turns on')
    args = parser.parse_args()

    CONF([], project='vnfsnap', default_config_files=[],
         default_config_dirs=[])
    with fixtures.TempDir() as tmp, \
            config_fixture.Config(CONF) as conf:
        conf.config(state_path=tmp.path)
        with database.Database(conf, tmp.path):
            fake_vim.FakeVim.reset()
            fake_vim.register()
            if args.package_mib:
                packages = PackageCycle(tmp.path, args.package_mib,
                                        args.codec, args.threads)
                measure(packages, args)
                return
            mgr = manager.ConductorManager('cond-bench')
            mgr.init_host()
            try:
                ctx = context.get_admin_context()
                inst = fake_vnf.register_vnf(args.vnfcs)
                measure(lambda: cycle(mgr, ctx, inst), args)
            finally:
                mgr.stop()


PAGE = 4096
MIB = 1024 * 1024


class PackageCycle:
    """One package round trip (build into the store, extract), each
    half on the next of ``threads`` threads."""

    def __init__(self, tmp, memory_mib, codec_name, threads):
        from vnfsnap.store import file as file_store
        self.tmp, self.codec = tmp, codec_name
        self.workers = [_Worker() for _ in range(threads)]
        self.turn = 0
        self.export = os.path.join(tmp, 'export')
        os.makedirs(self.export)
        subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2',
                        os.path.join(self.export, 'disk.qcow2'), '64M'],
                       check=True)
        rnd = random.Random(17)  # noqa: S311 - page mix, not secrets
        text = b''.join(b'%08d kernel: eth0: link up\n' % i
                        for i in range(PAGE // 20 + 1))[:PAGE]
        with open(os.path.join(self.export, 'memory.save'), 'wb') as f:
            for _ in range(memory_mib * MIB // PAGE):
                kind = rnd.random()
                f.write(bytes(PAGE) if kind < 0.5 else
                        os.urandom(PAGE) if kind < 0.75 else text)
        self.store = file_store.FileStore(os.path.join(tmp, 'store'),
                                          1 << 50)

    def _artifacts(self):
        from vnfsnap.package import archive
        from vnfsnap.package import codec
        memory = {'compress': self.codec == codec.DEFLATE}
        if self.codec == codec.ZSTD:
            memory = {'compress': False, 'encoding': codec.ZSTD}
        return [
            archive.DocumentArtifact({'id': 's'}, 'vnfsr/record.json',
                                     'vnfSnapshotRecord'),
            archive.FileArtifact(os.path.join(self.export, 'disk.qcow2'),
                                 'images/c/disk.qcow2', 'vnfcImage',
                                 vnfc_snapshot_id='c', disk_format='QCOW2',
                                 container_format='BARE'),
            archive.FileArtifact(os.path.join(self.export, 'memory.save'),
                                 'images/c/memory.save', 'memoryState',
                                 vnfc_snapshot_id='c', **memory)]

    def _build(self):
        from vnfsnap.package import archive
        with self.store.open_write('p/package.zip', self.tmp) as out:
            archive.write(out, self._artifacts(), 's', 'i')

    def _extract(self):
        from vnfsnap.package import archive
        dest = os.path.join(self.tmp, 'extracted')
        archive.extract(self.store._path('p/package.zip'), dest)
        shutil.rmtree(dest)
        self.store.delete_prefix('p')

    def __call__(self):
        # Each half on the next of the long-lived threads, in turn: the
        # conductor's flows and the API's requests run on pools of
        # threads, each with a malloc arena of its own.
        for half in (self._build, self._extract):
            worker = self.workers[self.turn % len(self.workers)]
            self.turn += 1
            worker.put(half)
            failed = worker.done.get()
            if failed:
                raise failed


class _Worker(threading.Thread):
    """A thread that runs what it is given, one at a time."""

    def __init__(self):
        super().__init__(daemon=True)
        self.todo, self.done = queue.Queue(), queue.Queue()
        self.start()

    def put(self, func):
        self.todo.put(func)

    def run(self):
        while True:
            func = self.todo.get()
            try:
                func()
                self.done.put(None)
            except Exception as e:
                self.done.put(e)


def measure(cycle_once, args):
    for _ in range(args.warmup):
        cycle_once()
    if args.trace:
        tracemalloc.start(12)
    gc.collect()
    first = rss_mib()
    snap = tracemalloc.take_snapshot() if args.trace else None
    print('cycle %4d  VmRSS %7.1f MiB' % (0, first), flush=True)
    for n in range(1, args.cycles + 1):
        cycle_once()
        if n % args.every == 0 or n == args.cycles:
            gc.collect()
            print('cycle %4d  VmRSS %7.1f MiB' % (n, rss_mib()), flush=True)
    last = rss_mib()
    print('growth %.1f MiB over %d cycles: %.2f MiB per cycle' % (
        last - first, args.cycles, (last - first) / args.cycles))
    if snap is not None:
        stats = tracemalloc.take_snapshot().compare_to(snap, 'traceback')
        for stat in stats[:8]:
            print('%+.1f KiB in %+d blocks' % (stat.size_diff / 1024.0,
                                               stat.count_diff))
            for line in stat.traceback.format()[-16:]:
                print('   ', line)


if __name__ == '__main__':
    with tempfile.TemporaryDirectory():
        main()
