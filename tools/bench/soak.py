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

"""Soak the embedded default: many snapshot/revert and package cycles.

Not a unit test: doc/source/admin/soak.rst records its figures, and the
functional test test_soak runs a short soak in CI.

It boots ``--vnfcs`` real guests of the test image (vnfsnap_demo), starts
``vnfsnap-all-in-one`` on the embedded default (SQLite, in-process
conductor, file package store, libvirt) in a work directory, registers
the VNF, then runs ``--cycles`` cycles of:

1. write a marker unique to the cycle into each VNFC's data disk (guest
   agent), create a VNF snapshot (warm, quiesced: memory too);
2. change every VNFC (another marker), revert to the VNF snapshot;
3. verify, per VNFC, that the disk holds the snapshot's marker again;
4. every ``--package-every`` cycles: build a VNF snapshot package from the
   snapshot, export (download) it, import the file as a new package,
   extract it into a new VNF snapshot, change the guests, revert to the
   extracted snapshot, verify the marker, and delete both packages and
   the extracted snapshot;
5. delete the VNF snapshot.

Every ``--package-every`` cycles (and at the start and the end) it
samples the conductor process (the all-in-one: VmRSS, open file
descriptors, threads), the files under the service's state directory
(libvirt overlays and memory files, package store, package work
directory) and in the guests' folders, the libvirt domains that use the
work directory, the guard processes that name it, and the snapshots and
packages the API lists.

The baseline is taken in the same run, after its first tenth and at
least one package round trip (after the first cycle in a run too short
to have two): the conductor has then imported and opened everything it
uses, its allocator has its working set, and every guest runs on the
service's own overlays. The summary puts the baseline,
the end and the growth side by side, and the median timings of the first
and the last tenth of the cycles. It exits 1 if a cycle failed, if files,
domains, guard processes, snapshots or packages were left over, if file
descriptors grew, or if the conductor's RSS grew by more than
``--max-rss-growth`` MiB.

SIGTERM stops it after the running cycle, with the summary and clean-up.

Usage: soak.py [--cycles N] [--package-every K] [--vnfcs N] [--json FILE]
       [--max-minutes M] [--workdir DIR] [--keep]
       soak.py --summarize FILE [--package-every K]
"""

import argparse
import hashlib
import json
import os
import secrets
import shutil
import signal
import statistics
import sys
import tempfile
import time
import traceback

import libvirt
import requests

from vnfsnap_demo import client as api_client
from vnfsnap_demo import domains
from vnfsnap_demo import guest_agent
from vnfsnap_demo import guest_image
from vnfsnap_demo import libvirtd
from vnfsnap_demo import scenario

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import package_api  # noqa: E402,I001 (a sibling script, not a package)

MIB = 1024 * 1024
MARKER = '/data/vnfsnap-soak-marker'
PKG_PREFIX = '/vnfsnapshotpkgm/v1'
#: Folders under the state directory whose files are counted.
STATE_AREAS = ('libvirt', 'packages', 'package-work')


def _say(text=''):
    print(text, flush=True)


def _files(root):
    """Relative paths of the regular files under ``root``."""
    found = set()
    for dirpath, _, names in os.walk(root):
        for name in names:
            found.add(os.path.relpath(os.path.join(dirpath, name), root))
    return found


def _fds(pid):
    return len(os.listdir('/proc/%d/fd' % pid))


def _threads(pid):
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith('Threads:'):
                return int(line.split()[1])
    return 0


def _processes_naming(text, exclude):
    """PIDs of processes whose command line contains ``text``."""
    pids = []
    for entry in os.listdir('/proc'):
        if not entry.isdigit() or int(entry) in exclude:
            continue
        try:
            with open('/proc/%s/cmdline' % entry, 'rb') as f:
                cmdline = f.read().replace(b'\0', b' ').decode(
                    errors='replace')
        except OSError:
            continue
        if text in cmdline:
            pids.append(int(entry))
    return sorted(pids)


def _median(values):
    return statistics.median(values) if values else None


class Soak:

    def __init__(self, args, work):
        self.args = args
        self.work = work
        self.state = os.path.join(work, 'state')
        self.prefix = args.prefix
        self.cycles = []
        self.samples = []
        self.failures = []
        self.proc = None
        self.conn = None
        self.created = []
        self.doms = {}
        #: What the running cycle made and has not deleted yet.
        self.made = {'snapshots': [], 'packages': []}
        #: Set by SIGTERM: start no new cycle.
        self.stopping = False

    # --- set-up -----------------------------------------------------------

    def set_up(self):
        libvirtd.ensure_running()
        image = guest_image.build()
        self.conn = libvirt.open('qemu:///system')
        domains.destroy_all(self.conn, self.prefix)
        os.chmod(self.work, 0o755)  # noqa: S103 (QEMU runs as libvirt-qemu)
        started = time.monotonic()
        self.created, _ = domains.create_and_boot(
            self.conn, image, self.args.vnfcs,
            os.path.join(self.work, 'guests'), prefix=self.prefix)
        self.doms = {td.name: td.lookup(self.conn) for td in self.created}
        _say('booted %s in %.1f s' % (', '.join(self.doms),
                                      time.monotonic() - started))
        port = package_api.free_port()
        self.proc = package_api.start_service(self.work, port)
        base = 'http://127.0.0.1:%d' % port
        self.api = api_client.Client(base)
        self.pkgm = api_client.Client(base, prefix=PKG_PREFIX,
                                      version='1.2.0')
        _, inst = self.api.post('/vnf_instances', scenario.Demo(
            self.args.vnfcs).registration(self.created))
        self.inst = inst['id']
        _say('vnfsnap-all-in-one pid %d on %s (state %s), VNF instance %s'
             % (self.proc.pid, base, self.state, self.inst))

    def tear_down(self):
        package_api.stop_service(self.proc)
        if self.conn is not None and not self.args.keep:
            domains.destroy_all(self.conn, self.prefix)

    # --- one cycle --------------------------------------------------------

    def mark(self, text):
        for dom in self.doms.values():
            guest_agent.write_file(dom, MARKER, text.encode())

    def verify(self, expected, what):
        for name, dom in self.doms.items():
            guest_agent.wait_for_agent(dom, timeout=120)
            got = guest_agent.read_file(dom, MARKER, drop_caches=True)
            if got != expected.encode():
                raise AssertionError('%s: %s has %r, not the snapshot\'s %r'
                                     % (what, name, got, expected))

    def task(self, name, body):
        op = self.api.run_task('/vnf_instances/%s/%s' % (self.inst, name),
                               body, timeout=900)
        if op['operationState'] != 'COMPLETED':
            raise AssertionError('%s %s: %s' % (name, op['operationState'],
                                                op.get('error')))

    def snapshot(self):
        _, info = self.api.post('/vnf_snapshots', {})
        self.made['snapshots'].append(info['id'])
        self.task('create_snapshot', {
            'vnfSnapshotInfoId': info['id'],
            'additionalParams': {'withMemory': self.args.with_memory}})
        return info['id']

    def revert(self, info_id):
        self.task('revert_to_snapshot', {'vnfSnapshotInfoId': info_id})

    def run_cycle(self, n):
        """One cycle; its timings (seconds by stage)."""
        t = {}
        marker = 'soak-%d-%s\n' % (n, secrets.token_hex(4))
        started = time.monotonic()
        self.mark(marker)
        info = self.snapshot()
        t['create'] = time.monotonic() - started
        started = time.monotonic()
        self.mark('changed-%d\n' % n)
        self.revert(info)
        t['revert'] = time.monotonic() - started
        started = time.monotonic()
        self.verify(marker, 'revert')
        t['verify'] = time.monotonic() - started
        if n % self.args.package_every == 0:
            started = time.monotonic()
            self.package_cycle(info, marker, n, t)
            t['package'] = time.monotonic() - started
        started = time.monotonic()
        self.delete('snapshots', info)
        t['delete'] = time.monotonic() - started
        return t

    def wait_pkg(self, pkg_id):
        pkg = scenario.Demo._wait_pkg(self.pkgm, pkg_id, timeout=1800)
        if pkg['state'] != 'AVAILABLE':
            raise AssertionError('package %s is %s%s' % (
                pkg_id, pkg['state'], scenario._failure(pkg)))
        return pkg

    def download(self, pkg_id, path):
        digest = hashlib.sha256()
        url = '%s/vnf_snapshot_packages/%s/package_content' % (
            self.pkgm.base, pkg_id)
        with requests.get(url, stream=True, timeout=1800, headers={
                'Version': self.pkgm.version,
                'Accept': 'application/zip'}) as resp:
            resp.raise_for_status()
            with open(path, 'wb') as f:
                for chunk in resp.iter_content(MIB):
                    digest.update(chunk)
                    f.write(chunk)
        return digest.hexdigest()

    def package_cycle(self, info, marker, n, t):
        """build -> export -> import -> extract -> revert -> delete."""
        pkgs = '/vnf_snapshot_packages'
        started = time.monotonic()
        _, built = self.pkgm.post(pkgs, {'name': 'soak-%d' % n})
        self.made['packages'].append(built['id'])
        self.pkgm.post('%s/%s/package_content/build' % (pkgs, built['id']),
                       {'vnfSnapshotInfoId': info}, expect=(202,))
        full = self.wait_pkg(built['id'])
        t['pkg_build'] = time.monotonic() - started
        started = time.monotonic()
        path = os.path.join(self.work, 'exported.zip')
        if self.download(built['id'], path) != full['checksum']['hash']:
            raise AssertionError('exported package does not match its '
                                 'checksum')
        t['pkg_export'] = time.monotonic() - started
        started = time.monotonic()
        _, imported = self.pkgm.post(pkgs, {'name': 'soak-import-%d' % n})
        self.made['packages'].append(imported['id'])
        self.pkgm.upload('%s/%s/package_content' % (pkgs, imported['id']),
                         path)
        os.unlink(path)
        self.wait_pkg(imported['id'])
        t['pkg_import'] = time.monotonic() - started
        started = time.monotonic()
        hdrs, _ = self.pkgm.post('%s/%s/package_content/extract' % (
            pkgs, imported['id']), {'vnfInstanceId': self.inst},
            expect=(202,))
        extracted = hdrs['Location'].rsplit('/', 1)[-1]
        self.made['snapshots'].append(extracted)
        self.wait_pkg(imported['id'])
        t['pkg_extract'] = time.monotonic() - started
        started = time.monotonic()
        self.mark('changed-again-%d\n' % n)
        self.revert(extracted)
        self.verify(marker, 'revert to the extracted snapshot')
        t['pkg_revert'] = time.monotonic() - started
        for pkg in (built, imported):
            self.delete('packages', pkg['id'])
        self.delete('snapshots', extracted)

    def delete(self, kind, res_id):
        if kind == 'packages':
            self.pkgm.request('DELETE', '/vnf_snapshot_packages/%s' % res_id,
                              expect=(204,))
        else:
            self.api.request('DELETE', '/vnf_snapshots/%s' % res_id,
                             expect=(204,))
        self.made[kind].remove(res_id)

    def clean_up_failed(self):
        """Delete what a failed cycle left, so that the next cycles and
        the leak counts start from a VNF with no snapshot; what cannot be
        deleted is a failure of its own."""
        errors = []
        for pkg_id in list(self.made['packages']):
            try:
                scenario.Demo._wait_pkg(self.pkgm, pkg_id, timeout=1800)
                self.delete('packages', pkg_id)
            except Exception as e:
                errors.append('package %s: %s' % (pkg_id, e))
        for info_id in list(self.made['snapshots']):
            try:
                self.delete('snapshots', info_id)
            except Exception as e:
                errors.append('VNF snapshot %s: %s' % (info_id, e))
        self.made = {'snapshots': [], 'packages': []}
        return errors

    # --- samples ----------------------------------------------------------

    def sample(self, after_cycle):
        """What the soak watches, after ``after_cycle`` cycles."""
        pid = self.proc.pid
        rss, _ = package_api.memory(pid)
        files = {area: len(_files(os.path.join(self.state, area)))
                 for area in STATE_AREAS}
        files['guests'] = sum(len(_files(td.directory))
                              for td in self.created)
        files['work'] = len([n for n in os.listdir(self.work)
                             if n not in ('state', 'guests')])
        names = {d.name() for d in self.conn.listAllDomains(0)
                 if d.name().startswith(self.prefix) or
                 self.work in d.XMLDesc(0)}
        running = {name for name, dom in self.doms.items()
                   if dom.state()[0] == libvirt.VIR_DOMAIN_RUNNING}
        guards = self._guards()
        sample = {
            'after_cycle': after_cycle, 'time': time.time(),
            'rss_mib': round(rss, 1), 'fds': _fds(pid),
            'threads': _threads(pid), 'files': files,
            'extra_domains': sorted(names - set(self.doms)),
            'not_running': sorted(set(self.doms) - running),
            'guard_processes': len(guards),
            'snapshots': len(self.api.get('/vnf_snapshots')),
            'packages': len(self.pkgm.get('/vnf_snapshot_packages')),
        }
        self.samples.append(sample)
        _say('  sample after cycle %d: RSS %.1f MiB, %d fds, %d threads, '
             'files %s, extra domains %s, guard processes %d, snapshots '
             '%d, packages %d' % (
                 after_cycle, rss, sample['fds'], sample['threads'],
                 ' '.join('%s=%d' % kv for kv in sorted(files.items())),
                 sample['extra_domains'] or 0, len(guards),
                 sample['snapshots'], sample['packages']))
        return sample

    def _guards(self, timeout=30):
        """Guard processes naming the state directory, once those that
        are just exiting had the time to."""
        deadline = time.monotonic() + timeout
        # QEMU names its disks, which live there once reverted.
        qemus = {domains.qemu_pid(dom) for dom in self.doms.values()}
        while True:
            pids = _processes_naming(self.state, {os.getpid(),
                                                  self.proc.pid} | qemus)
            if not pids or time.monotonic() > deadline:
                return pids
            time.sleep(0.5)

    # --- the run ----------------------------------------------------------

    def run(self):
        deadline = time.monotonic() + self.args.max_minutes * 60
        self.sample(0)
        for n in range(1, self.args.cycles + 1):
            if time.monotonic() > deadline or self.stopping:
                _say('stopping after %d cycles: %s' % (
                    n - 1, 'SIGTERM' if self.stopping else
                    '--max-minutes %s reached' % self.args.max_minutes))
                break
            self.one(n)
            if n == 1 or n % self.args.package_every == 0 or \
                    n == self.args.cycles:
                self.sample(n)
        if self.samples[-1]['after_cycle'] != len(self.cycles):
            self.sample(len(self.cycles))

    def one(self, n):
        started = time.monotonic()
        try:
            t = self.run_cycle(n)
            ok = True
        except Exception as e:
            ok = False
            t = {'error': '%s: %s' % (type(e).__name__, e)}
            traceback.print_exc()
            left = self.clean_up_failed()
            if left:
                t['error'] += '; not deleted: %s' % '; '.join(left)
            self.failures.append({'cycle': n, 'error': t['error']})
        t['total'] = time.monotonic() - started
        t['cycle'] = n
        t['ok'] = ok
        self.cycles.append(t)
        _say('cycle %4d %s %6.1f s  %s' % (
            n, 'ok  ' if ok else 'FAIL', t['total'], '  '.join(
                '%s %.1f' % (k, v) for k, v in t.items()
                if isinstance(v, float) and k != 'total')
            if ok else t['error']))


# --- the summary ----------------------------------------------------------

def _ends(values):
    """The first and the last tenth of ``values`` (at least 3 each when
    there are 6 or more)."""
    size = max(1, len(values) // 10, min(3, len(values) // 2))
    return values[:size], values[-size:]


def _timing_rows(cycles):
    """(stage, median of the first tenth, of the last tenth, change) over
    the cycles that passed; package stages over package cycles only."""
    ok = [c for c in cycles if c['ok']]
    stages = [(s, s, lambda c: True) for s in (
        'create', 'revert', 'verify', 'delete', 'pkg_build', 'pkg_export',
        'pkg_import', 'pkg_extract', 'pkg_revert')]
    stages += [('cycle without package', 'total',
                lambda c: 'package' not in c),
               ('cycle with package', 'total', lambda c: 'package' in c)]
    rows = []
    for label, key, which in stages:
        values = [c[key] for c in ok if key in c and which(c)]
        if values:
            first, last = _ends(values)
            a, b = _median(first), _median(last)
            rows.append(('%s s' % label, a, b, b - a, len(first)))
    return rows


def _resource_rows(base, end):
    rows = [('conductor RSS MiB', base['rss_mib'], end['rss_mib'],
             end['rss_mib'] - base['rss_mib']),
            ('conductor open fds', base['fds'], end['fds'],
             end['fds'] - base['fds']),
            ('conductor threads', base['threads'], end['threads'],
             end['threads'] - base['threads'])]
    for area in sorted(end['files']):
        rows.append(('files %s' % area, base['files'][area],
                     end['files'][area],
                     end['files'][area] - base['files'][area]))
    for key in ('guard_processes', 'snapshots', 'packages'):
        rows.append((key.replace('_', ' '), base[key], end[key],
                     end[key] - base[key]))
    rows.append(('extra libvirt domains', len(base['extra_domains']),
                 len(end['extra_domains']),
                 len(end['extra_domains']) - len(base['extra_domains'])))
    return rows


def problems(result, max_rss_growth):
    """What makes the soak fail: a list of sentences."""
    found = ['cycle %(cycle)d failed: %(error)s' % f
             for f in result['failures']]
    base, end = result['baseline'], result['end']
    if base is None:
        return found + ['no cycle completed: no baseline']
    for area, count in end['files'].items():
        if count > base['files'][area]:
            found.append('%d file(s) leaked in %s' % (
                count - base['files'][area], area))
    if end['extra_domains']:
        found.append('libvirt domains left: %s' % end['extra_domains'])
    if end['not_running']:
        found.append('VNFCs not running: %s' % end['not_running'])
    for key in ('guard_processes', 'snapshots', 'packages'):
        if end[key] > base[key]:
            found.append('%s left: %d' % (key, end[key] - base[key]))
    if end['fds'] > base['fds']:
        found.append('conductor file descriptors grew by %d'
                     % (end['fds'] - base['fds']))
    if end['rss_mib'] - base['rss_mib'] > max_rss_growth:
        found.append('conductor RSS grew by %.1f MiB (limit %s)' % (
            end['rss_mib'] - base['rss_mib'], max_rss_growth))
    return found


def summary(soak, args):
    cycles = soak.cycles
    # Warm-up: the first tenth of the run, and at least one cycle of
    # each kind (a package round trip included when the run is long
    # enough to have two of them).
    warm = max(args.package_every
               if len(cycles) >= 2 * args.package_every else 1,
               len(cycles) // 10)
    base = next((s for s in soak.samples if s['after_cycle'] >= warm), None)
    result = {
        'cycles': len(cycles),
        'package_cycles': sum(1 for c in cycles if 'package' in c),
        'vnfcs': args.vnfcs, 'with_memory': args.with_memory,
        'package_every': args.package_every,
        'failures': soak.failures, 'samples': soak.samples,
        'timings': cycles, 'start': soak.samples[0],
        'baseline': base, 'end': soak.samples[-1],
    }
    result['problems'] = problems(result, args.max_rss_growth)
    _say('\n== summary: %d cycles (%d with a package round trip), %d VNFCs'
         ', %d failed' % (result['cycles'], result['package_cycles'],
                          args.vnfcs, len(soak.failures)))
    if base is not None:
        _say('%-26s %14s %14s %9s' % ('timings (median)', 'first tenth',
                                      'last tenth', 'change'))
        for name, a, b, d, n in _timing_rows(cycles):
            _say('%-26s %14.2f %14.2f %+9.2f  (%d cycles each)'
                 % (name, a, b, d, n))
        _say('%-26s %14s %14s %9s' % (
            'resources', 'after cycle %d' % base['after_cycle'],
            'after cycle %d' % result['end']['after_cycle'], 'growth'))
        for name, a, b, d in _resource_rows(base, result['end']):
            _say('%-26s %14s %14s %+9g' % (name, a, b, d))
    for text in result['problems']:
        _say('PROBLEM: %s' % text)
    _say('soak %s' % ('FAILED' if result['problems'] else 'passed'))
    return result


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--cycles', type=int, default=20,
                        help='create/revert cycles (default 20)')
    parser.add_argument('--package-every', type=int, default=10,
                        help='a package round trip every K cycles, and a '
                             'sample of the resources (default 10)')
    parser.add_argument('--vnfcs', type=int, default=2,
                        help='guests in the VNF (default 2)')
    parser.add_argument('--with-memory', default=True,
                        action=argparse.BooleanOptionalAction,
                        help='warm snapshots, memory included (default); '
                             '--no-with-memory: disks only, each revert '
                             'boots the guests')
    parser.add_argument('--max-minutes', type=float, default=24 * 60,
                        help='start no cycle after this many minutes')
    parser.add_argument('--max-rss-growth', type=float, default=16,
                        help='MiB the conductor RSS may grow between the '
                             'baseline and the end (default 16)')
    parser.add_argument('--json', metavar='FILE',
                        help='also write the result as JSON to FILE')
    parser.add_argument('--workdir', default=None,
                        help='work directory (a temporary one by default; '
                             'must be reachable by libvirt-qemu)')
    parser.add_argument('--prefix', default='vnfsnap-soak',
                        help='name prefix of the guests (default '
                             'vnfsnap-soak); guests with it are removed')
    parser.add_argument('--keep', action='store_true',
                        help='keep the guests and the work directory')
    parser.add_argument('--summarize', metavar='FILE',
                        help='run nothing: print the summary of the '
                             '--json FILE of an earlier soak')
    return parser.parse_args(argv)


def summarize(args):
    """The summary (and exit code) of an earlier soak's JSON."""
    with open(args.summarize) as f:
        saved = json.load(f)
    args.vnfcs = saved['vnfcs']
    args.package_every = saved.get('package_every', args.package_every)
    soak = argparse.Namespace(cycles=saved['timings'],
                              samples=saved['samples'],
                              failures=saved['failures'])
    return 1 if summary(soak, args)['problems'] else 0


def main(argv=None):
    args = parse_args(argv)
    if args.summarize:
        return summarize(args)
    work = args.workdir or tempfile.mkdtemp(prefix='vnfsnap-soak-',
                                            dir='/var/tmp')
    os.makedirs(work, exist_ok=True)
    soak = Soak(args, work)
    result = None
    # SIGTERM ends the soak after the running cycle, with its summary.
    signal.signal(signal.SIGTERM,
                  lambda *_: setattr(soak, 'stopping', True))
    try:
        soak.set_up()
        soak.run()
        result = summary(soak, args)
    finally:
        soak.tear_down()
        failed = result is None or result['problems']
        if failed:
            _say('the service log: %s' % os.path.join(
                work, 'vnfsnap-all-in-one.log'))
        if not args.keep and not failed:
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(result, f, indent=1)
    return 1 if result['problems'] else 0


if __name__ == '__main__':
    sys.exit(main())
