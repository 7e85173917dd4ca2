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
"""

import argparse
import gc
import sys
import tempfile
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
    args = parser.parse_args()

    CONF([], project='vnfsnap', default_config_files=[],
         default_config_dirs=[])
    with fixtures.TempDir() as tmp, \
            config_fixture.Config(CONF) as conf:
        conf.config(state_path=tmp.path)
        with database.Database(conf, tmp.path):
            fake_vim.FakeVim.reset()
            fake_vim.register()
            mgr = manager.ConductorManager('cond-bench')
            mgr.init_host()
            try:
                measure(mgr, args)
            finally:
                mgr.stop()


def measure(mgr, args):
    ctx = context.get_admin_context()
    inst = fake_vnf.register_vnf(args.vnfcs)
    for _ in range(args.warmup):
        cycle(mgr, ctx, inst)
    if args.trace:
        tracemalloc.start(12)
    gc.collect()
    first = rss_mib()
    snap = tracemalloc.take_snapshot() if args.trace else None
    print('cycle %4d  VmRSS %7.1f MiB' % (0, first), flush=True)
    for n in range(1, args.cycles + 1):
        cycle(mgr, ctx, inst)
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
