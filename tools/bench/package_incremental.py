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

"""Measure incremental VNF snapshot packages against full ones.

Not a test: it prints the figures of doc/source/admin/package-performance.rst
("Incremental packages").

It boots ``--vnfcs`` guests of the test image (vnfsnap_demo), starts
``vnfsnap-all-in-one`` in a work directory and registers the VNF. Then:

1. VNF snapshot S1 (quiesced, disks only) and a full package P1 of it;
2. in every guest, ``--written`` MiB of random data written to a new file
   on its data disk (and fsync'ed): the known amount of change;
3. VNF snapshot S2, then side by side an incremental package of it
   relative to P1 and a full package of it;
4. each package downloaded; the bytes the guests really changed between
   S1 and S2 measured independently of either package: P1's images and
   the full package's images converted to raw and compared in 4 KiB
   blocks (the guests' own writes, journals and file system metadata,
   count as well as the known data);
5. both S2 packages extracted (the incremental one after its base), timed.

It prints, per package, its bytes, the bytes of its disk images and the
rest (manifest, record, VNFD, history, ZIP headers: the *metadata*), the
build and extract times, and the goal of issue 17: incremental package
bytes <= 1.1 x changed bytes + metadata. Memory states are not
incremental (see the package format), so the snapshots are disk-only.

Usage: package_incremental.py [--vnfcs N] [--written MIB] [--workdir DIR]
       [--keep]
"""

import argparse
import os
import shutil
import sys
import tempfile
import time
import zipfile

from vnfsnap.tests.fixtures import guest_disks
from vnfsnap_demo import client as api_client
from vnfsnap_demo import guest_agent

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guest_bench  # noqa: E402,I001 (a sibling script, not a package)

MIB = 1024 * 1024
PKGM = '/vnfsnapshotpkgm/v1'


_say = guest_bench.say


class Bench(guest_bench.GuestBench):

    def set_up(self):
        super().set_up()
        self.pkgm = api_client.Client(self.base, prefix=PKGM,
                                      version='1.2.0')

    def snapshot(self):
        _, info = self.api.post('/vnf_snapshots', {})
        op = self.api.run_task(
            '/vnf_instances/%s/create_snapshot' % self.inst,
            {'vnfSnapshotInfoId': info['id'],
             'additionalParams': {'quiesce': True}})
        if op['operationState'] != 'COMPLETED':
            raise RuntimeError('snapshot %s: %s' % (op['operationState'],
                                                    op.get('error')))
        return info['id']

    def wait(self, pkg_id, timeout=1800):
        deadline = time.monotonic() + timeout
        while True:
            pkg = self.pkgm.get('/vnf_snapshot_packages/%s' % pkg_id)
            if pkg['state'] not in ('CREATED', 'BUILDING', 'UPLOADING',
                                    'PROCESSING', 'EXTRACTING'):
                return pkg
            if time.monotonic() > deadline:
                raise RuntimeError('package %s still %s' % (pkg_id,
                                                            pkg['state']))
            time.sleep(0.2)

    def build(self, name, info, **body):
        """Build a package; (its representation, local file, seconds)."""
        _, pkg = self.pkgm.post('/vnf_snapshot_packages', {'name': name})
        started = time.monotonic()
        self.pkgm.post('/vnf_snapshot_packages/%s/package_content/build'
                       % pkg['id'], dict(body, vnfSnapshotInfoId=info),
                       expect=(202,))
        pkg = self.wait(pkg['id'])
        took = time.monotonic() - started
        if pkg['state'] != 'AVAILABLE':
            raise RuntimeError('build of %s: %s' % (name, pkg))
        path = os.path.join(self.work, name + '.zip')
        resp = self.pkgm._open('GET', '/vnf_snapshot_packages/%s/'
                               'package_content' % pkg['id'],
                               headers={'Accept': 'application/zip'})
        with resp, open(path, 'wb') as f:
            shutil.copyfileobj(resp, f, MIB)
        return pkg, path, took

    def extract(self, pkg):
        started = time.monotonic()
        self.pkgm.post('/vnf_snapshot_packages/%s/package_content/extract'
                       % pkg['id'], {'vnfInstanceId': self.inst},
                       expect=(202,))
        done = self.wait(pkg['id'])
        if done['state'] != 'AVAILABLE' or done.get('failureDetails'):
            raise RuntimeError('extract of %s: %s' % (pkg['id'], done))
        return time.monotonic() - started

    def change_guests(self):
        size = self.args.written * MIB
        for dom in self.doms.values():
            guest_agent.sh(
                dom, 'head -c %d /dev/urandom >/data/bench-blob && sync '
                     '/data/bench-blob /data' % size, timeout=300)
        return size * len(self.doms)

    def run(self):
        s1 = self.snapshot()
        p1, p1_path, p1_build = self.build('base', s1)
        written = self.change_guests()
        s2 = self.snapshot()
        inc, inc_path, inc_build = self.build('incremental', s2,
                                              basePackageId=p1['id'])
        full, full_path, full_build = self.build('full', s2)
        changed = _changed(p1_path, full_path, self.work)
        inc_extract = self.extract(inc)
        full_extract = self.extract(full)
        return {'written': written, 'changed': changed,
                'rows': [('base P1 (full, S1)', p1_path, p1_build, None),
                         ('incremental (S2 vs P1)', inc_path, inc_build,
                          inc_extract),
                         ('full (S2)', full_path, full_build,
                          full_extract)]}


def _images(path, dest):
    """{member: extracted file} of a package's qcow2 images."""
    with zipfile.ZipFile(path) as zf:
        return {n: zf.extract(n, dest) for n in zf.namelist()
                if n.startswith('images/') and n.endswith('.qcow2')}


def _changed(base_path, full_path, work):
    """Bytes (4 KiB blocks) the guests changed between the two packages'
    snapshots, from their full images."""
    tmp = tempfile.mkdtemp(dir=work)
    try:
        base = _images(base_path, os.path.join(tmp, 'base'))
        full = _images(full_path, os.path.join(tmp, 'full'))
        return sum(guest_disks.changed_bytes(base[m], full[m])
                   for m in sorted(base))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _sizes(path):
    total = os.path.getsize(path)
    with zipfile.ZipFile(path) as zf:
        images = sum(i.compress_size for i in zf.infolist()
                     if i.filename.startswith('images/')
                     and i.filename.endswith('.qcow2'))
    return total, images, total - images


def summary(result):
    changed, written = result['changed'], result['written']
    lines = ['known data written  %10.1f MiB' % (written / MIB),
             'changed (4 KiB)     %10.1f MiB  (written + the guests\' own '
             'writes)' % (changed / MIB), '',
             '%-24s %11s %11s %11s %8s %8s %8s' % (
                 'package', 'bytes', 'images', 'metadata', 'build s',
                 'extract s', 'x chg'), '-' * 89]
    goal = None
    for name, path, build, extract in result['rows']:
        total, images, metadata = _sizes(path)
        lines.append('%-24s %11d %11d %11d %8.1f %8s %8.2f' % (
            name, total, images, metadata, build,
            '-' if extract is None else '%.1f' % extract,
            images / changed))
        if name.startswith('incremental'):
            goal = (total, metadata)
            inc_total = total
        if name.startswith('full (S2)'):
            full_total = total
    total, metadata = goal
    bound = 1.1 * changed + metadata
    lines += ['',
              'incremental bytes / (changed + metadata)  %.3f'
              % (total / (changed + metadata)),
              'incremental bytes <= 1.1 x changed + metadata: %d <= %d: %s'
              % (total, bound, 'yes' if total <= bound else 'NO'),
              'full / incremental bytes                  %.1f'
              % (full_total / inc_total)]
    return '\n'.join(lines)


def _report(bench, result):
    args = bench.args
    _say('\n== %d VNFCs, %d MiB written in each, %d cores, load average '
         '%.2f %.2f %.2f' % ((args.vnfcs, args.written, os.cpu_count())
                             + os.getloadavg()))
    _say(summary(result))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    guest_bench.options(parser, 2, 'vnfsnap-bench-incr')
    parser.add_argument('--written', type=int, default=32,
                        help='MiB of random data written in each guest '
                             'between the snapshots (default 32)')
    args = parser.parse_args(argv)
    guest_bench.run(Bench, args, 'incr', _report)
    return 0


if __name__ == '__main__':
    sys.exit(main())
