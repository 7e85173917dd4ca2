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

"""Measure a VNF revert of vnfsnap against raw libvirt calls.

Not a test: it prints the figures of doc/source/admin/performance.rst
("Revert").

It boots ``--vnfcs`` guests of the test image, starts
``vnfsnap-all-in-one`` and registers the VNF as freeze_window.py does
(its set-up is reused), takes one warm VNF snapshot through the API (the
demo's: ``withMemory``), and then, ``--rounds`` times, alternates on the
same guests:

* **raw**: what the libvirt driver's revert does at the libvirt level,
  one thread per VNFC, as a hand-written libvirt-python script would, in
  the driver's order: ``qemu-img create`` a new overlay on each frozen
  image of the snapshot; ``destroy``; ``defineXML`` on the overlays;
  ``saveImageGetXMLDesc`` of the memory file, its disks pointed at the
  overlays, ``restoreFlags`` running; ``fsThaw`` (retried until the
  agent answers) when the snapshot was quiesced;
* **vnfsnap**: POST ``revert_to_snapshot`` to the same VNF snapshot,
  polled (every ``--poll`` seconds, 0.1) until COMPLETED.

The revert time runs from the first call to the end of the last VNFC's
revert: for raw, the script's calls; for vnfsnap, from the POST to the
all-in-one's log line that says the operation completed (written once
COMPLETED is stored; ms timestamps), so that a frequent poll, which
loads the service under test on a small machine, is not needed to time
it (``--poll 0.02`` shows what such a poll costs). For vnfsnap it also
splits each round by the all-in-one's log: until the first VNFC's
revert starts, the VNFC reverts, and from the last one's end until the
poll saw COMPLETED; and each VNFC's revert by the steps the driver logs
(the raw script's are timed alike), medians over all VNFCs.

Usage: revert_parallel.py [--vnfcs N] [--rounds N] [--poll SECONDS]
       [--workdir DIR] [--keep]
"""

import argparse
import datetime
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

import libvirt

from vnfsnap.vim.libvirt import domain_xml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import freeze_window  # noqa: E402,I001 (a sibling script, not a package)
import guest_bench  # noqa: E402,I001

SIDES = ('raw', 'vnfsnap')
_say = freeze_window._say
#: The all-in-one's log lines that bound one VNFC's revert.
_LOG_LINE = re.compile(r'^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) .*?'
                       r'(Reverting VNFC|VNFC) (\S+) (?:to VNFC snapshot|'
                       r'reverted to)')
#: The driver's steps of one VNFC's revert: "in N ms: step ms, ...".
_STEPS = re.compile(r' in \d+ ms: (.*)$')


class RawRevert:
    """One raw round: every VNFC's revert in its own thread."""

    def __init__(self, conn, doms, snapshot, work, number):
        self.conn, self.doms, self.snapshot = conn, doms, snapshot
        self.dir = os.path.join(work, 'raw-%d' % number)
        #: {vnfc: {step: seconds since its start when the step ended}}
        self.steps = {}

    def _one(self, name, dom, errors):
        snap = self.snapshot[name]
        start = time.monotonic()
        marks = self.steps[name] = {}
        try:
            overlays = {}
            for target, image in sorted(snap['disks'].items()):
                path = os.path.join(self.dir, '%s-%s.qcow2' % (name, target))
                subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2',
                                '-F', 'qcow2', '-b', image, path],
                               check=True)
                overlays[target] = path
            marks['overlays'] = time.monotonic() - start
            if dom.isActive():
                dom.destroy()
            self.conn.defineXML(domain_xml.with_disk_sources(
                dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE), overlays))
            xml = domain_xml.with_disk_sources(
                self.conn.saveImageGetXMLDesc(snap['memory'], 0), overlays)
            self.conn.restoreFlags(snap['memory'], xml,
                                   libvirt.VIR_DOMAIN_SAVE_RUNNING)
            marks['switched'] = time.monotonic() - start
            if snap['quiesced']:
                deadline = time.monotonic() + 60
                while True:
                    try:
                        dom.fsThaw()
                        break
                    except libvirt.libvirtError:
                        if time.monotonic() > deadline:
                            raise
                        time.sleep(0.2)
                marks['thawed'] = time.monotonic() - start
        except Exception as e:  # reported after the others ended
            errors.append('%s: %s' % (name, e))

    def run(self):
        os.makedirs(self.dir)
        os.chmod(self.dir, 0o755)  # noqa: S103 (QEMU writes there)
        errors = []
        wall = guest_bench.in_threads(
            self._one, [(name, dom, errors)
                        for name, dom in self.doms.items()], errors)
        return {'wall': wall, 'steps': [
            {k: v * 1000 for k, v in marks.items()}
            for marks in self.steps.values()]}


def _log_time(text):
    return datetime.datetime.strptime(
        text, '%Y-%m-%d %H:%M:%S.%f').timestamp()


class Bench(freeze_window.Bench):
    """freeze_window's guests and all-in-one, reverted instead."""

    def __init__(self, args, work):
        super().__init__(args, work)
        self.results = {side: [] for side in SIDES}
        self.raw_dirs = []

    def take_snapshot(self):
        """The warm VNF snapshot every round reverts to, and what a raw
        script needs of it: {vnfc: {disks, memory, quiesced}}."""
        _, info = self.api.post('/vnf_snapshots', {})
        op = self.api.run_task(
            '/vnf_instances/%s/create_snapshot' % self.inst,
            {'vnfSnapshotInfoId': info['id'],
             'additionalParams': {'withMemory': True}})
        if op['operationState'] != 'COMPLETED':
            raise RuntimeError('snapshot %s: %s' % (op['operationState'],
                                                    op.get('error')))
        self.info_id = info['id']
        snap = self.api.get('/vnf_snapshots/%s' % info['id'])['vnfSnapshot']
        self.snapshot = {}
        root = os.path.join(self.work, 'state', 'libvirt')
        for vnfc in snap['vnfcSnapshots']:
            handle = vnfc['computeSnapshotResource']
            uuid, name = handle['resourceId'].split('/', 1)
            with open(os.path.join(root, uuid, 'index.json')) as f:
                files = json.load(f)['snapshots'][name]
            extra = handle['vimLevelAdditionalResourceInfo'][
                'additionalInfo']
            self.snapshot[vnfc['vnfcInstanceId']] = {
                'disks': files['disks'], 'memory': files['memory'],
                'quiesced': 'quiescedAt' in extra}
        _say('VNF snapshot %s: %s' % (self.info_id, ', '.join(
            '%s %s' % (n, 'quiesced' if s['quiesced'] else 'not quiesced')
            for n, s in sorted(self.snapshot.items()))))

    def raw(self, number):
        rnd = RawRevert(self.conn, self.doms, self.snapshot, self.work,
                        number)
        self.raw_dirs.append(rnd.dir)
        return rnd.run()

    def vnfsnap(self):
        log = os.path.join(self.work, 'vnfsnap-all-in-one.log')
        offset = os.path.getsize(log)
        posted = time.time()
        started = time.monotonic()
        hdrs, _ = self.api.post(
            '/vnf_instances/%s/revert_to_snapshot' % self.inst,
            {'vnfSnapshotInfoId': self.info_id}, expect=(202,))
        op = guest_bench.wait_op(self.api, hdrs['Location'], self.args.poll)
        seen = time.monotonic() - started
        if op['operationState'] != 'COMPLETED':
            raise RuntimeError('revert %s: %s' % (op['operationState'],
                                                  op.get('error')))
        done = _completed_at(log, offset, op['id'])
        wall = done - posted if done else seen
        # The raw rounds' overlays are no disk's any more.
        for path in self.raw_dirs:
            shutil.rmtree(path, ignore_errors=True)
        self.raw_dirs = []
        return {'wall': wall, 'seen': seen,
                'phases': _phases(log, offset, posted, wall)}

    def run(self):
        self.take_snapshot()
        number = 0
        for n in range(1, self.args.rounds + 1):
            for side in (SIDES if n % 2 else SIDES[::-1]):
                number += 1
                result = (self.raw(number) if side == 'raw'
                          else self.vnfsnap())
                self.results[side].append(result)
                extra = ''
                if result.get('phases'):
                    extra = '  (seen %.0f; %s)' % (
                        result['seen'] * 1000, _phase_text(result['phases']))
                _say('round %d %-7s revert %6.0f ms%s'
                     % (n, side, result['wall'] * 1000, extra))


def _completed_at(log, offset, op_id):
    """When the all-in-one logged operation ``op_id`` completed (epoch
    seconds), or None."""
    with open(log) as f:
        f.seek(offset)
        for line in f:
            if ' completed (op occurrence %s)' % op_id in line:
                return _log_time(line[:23])
    return None


def _phases(log, offset, posted, wall):
    """From the all-in-one's log since ``offset``: ms until the first
    VNFC's revert started, each VNFC's revert, and ms from the last one's
    end until the operation completed."""
    starts, ends, steps = {}, {}, []
    with open(log) as f:
        f.seek(offset)
        for line in f:
            m = _LOG_LINE.match(line)
            if not m:
                continue
            at = _log_time(m.group(1))
            if m.group(2) == 'Reverting VNFC':
                starts[m.group(3)] = at
                continue
            ends[m.group(3)] = at
            found = _STEPS.search(line.rstrip())
            if found:
                steps.append({name: float(ms) for name, ms in (
                    item.split() for item in found.group(1).split(', '))})
    if not starts or set(starts) != set(ends):
        return None
    return {'steps': steps,
            'before': (min(starts.values()) - posted) * 1000,
            'vnfcs': {v: (ends[v] - starts[v]) * 1000 for v in starts},
            'reverts': (max(ends.values()) - min(starts.values())) * 1000,
            'after': (posted + wall - max(ends.values())) * 1000}


def _phase_text(p):
    return 'to first VNFC %.0f, VNFC reverts %.0f [%s], after %.0f' % (
        p['before'], p['reverts'],
        ' '.join('%.0f' % ms for _, ms in sorted(p['vnfcs'].items())),
        p['after'])


def summary(results):
    raw = statistics.median(r['wall'] for r in results['raw']) * 1000
    ours = statistics.median(r['wall'] for r in results['vnfsnap']) * 1000
    seen = statistics.median(r['seen'] for r in results['vnfsnap']) * 1000
    lines = ['%-28s %10s %10s %7s' % ('median', 'raw', 'vnfsnap', 'ratio'),
             '%-28s %10.0f %10.0f %6.2fx' % ('VNF revert ms', raw, ours,
                                             ours / raw),
             '%-28s %10s %10.0f %6.2fx' % ('COMPLETED seen by a poll ms',
                                           '', seen, seen / raw)]
    phases = [r['phases'] for r in results['vnfsnap'] if r.get('phases')]
    if phases:
        for key, label in (('before', 'POST to first VNFC revert'),
                           ('reverts', 'VNFC reverts (first to last)'),
                           ('after', 'last VNFC to COMPLETED')):
            lines.append('%-28s %10s %10.0f' % (
                label + ' ms', '', statistics.median(p[key]
                                                     for p in phases)))
        lines.append('%-28s %10s %10.0f' % (
            'one VNFC revert ms', '', statistics.median(
                ms for p in phases for ms in p['vnfcs'].values())))
    lines += ['', 'one VNFC, median ms since its start at the end of:']
    raw_steps = [s for r in results['raw'] for s in r.get('steps', ())]
    our_steps = [s for p in phases for s in p['steps']]
    names = [n for n in ('locked', 'recorded', 'overlays', 'switched',
                         'cleaned', 'thawed')
             if any(n in s for s in raw_steps + our_steps)]
    for name in names:
        cells = []
        for steps in (raw_steps, our_steps):
            values = [s[name] for s in steps if name in s]
            cells.append('%10.0f' % statistics.median(values) if values
                         else '%10s' % '-')
        lines.append('  %-26s %s %s' % (name, cells[0], cells[1]))
    return '\n'.join(lines)


def _report(bench, _):
    args = bench.args
    _say('\n== %d VNFCs, %d rounds per side, %d cores, load average '
         '%.2f %.2f %.2f' % ((args.vnfcs, args.rounds, os.cpu_count())
                             + os.getloadavg()))
    _say(summary(bench.results))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    guest_bench.options(parser, 3, 'vnfsnap-bench-revert')
    parser.add_argument('--rounds', type=int, default=7,
                        help='rounds per side (default 7)')
    parser.add_argument('--poll', type=float, default=0.1,
                        help='seconds between polls of the operation '
                             '(default 0.1)')
    args = parser.parse_args(argv)
    guest_bench.run(Bench, args, 'revert', _report)
    return 0


if __name__ == '__main__':
    sys.exit(main())
