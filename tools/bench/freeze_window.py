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

"""Measure the VNF freeze window of vnfsnap against raw libvirt calls.

Not a test: it prints the figures of doc/source/admin/performance.rst
("Freeze window") and writes the timeline plot shown there.

It boots ``--vnfcs`` guests of the test image (vnfsnap_demo), starts
``vnfsnap-all-in-one`` on the embedded default in a work directory and
registers the VNF. Then, ``--rounds`` times for each kind (``cold``:
quiesced, disks only; ``warm``: quiesced, with memory), it alternates on
the same guests:

* **raw**: what a hand-written libvirt-python script does, one thread per
  VNFC: ``fsFreeze``; once all are frozen, ``snapshotCreateXML`` with the
  flags and the kind of XML the libvirt driver uses (external overlays,
  atomic, no metadata; live with memory); once all are taken, ``fsThaw``.
  Afterwards (not timed) each overlay is committed back and pivoted, so
  that the next round starts from the same disks.
* **vnfsnap**: POST ``create_snapshot`` with ``quiesce: true`` (and
  ``withMemory`` for warm), polled to COMPLETED, then the VNF snapshot is
  deleted (not timed).

A VNFC's freeze span runs from just before its freeze call to just after
its thaw returned: for raw, times taken around the calls; for vnfsnap, the
``quiescedAt`` and ``thawedAt`` its VNFC snapshot records (the conductor
takes them at the same points). The **VNF window** runs from the first
span's start to the last span's end. The **create** time is the whole
operation: for raw, the script's calls; for vnfsnap, from the POST until
a poll sees it COMPLETED. The poll runs every 100 ms (on average 50 ms
late): each GET costs the service about 25 ms of CPU, and polling every
20 ms kept a core of this 2-core machine busy beside the guests.

The window of each round is cut in three where its last VNFC was frozen
and where its last snapshot was taken (vnfsnap's from the libvirt
driver's "Froze" and "snapshot ... in N ms" log lines, the raw script's
from times taken around its calls), and the median freeze and snapshot
calls are printed too: they say whether a longer window is the calls'
(the guests') or what runs between them.  With ``--cpu`` a thread samples
every 20 ms the CPU time (the scheduler's ``schedstat``) of the guests'
QEMUs, libvirtd, the all-in-one and this bench, and prints what each used
inside the windows.

It prints the medians side by side with their ratio (the issue's goal is
at most 1.2x for both), the machine and its load, where vnfsnap's create
time goes (from the all-in-one's log: when the conductor started and
ended each run), and writes an SVG timeline of the median round of each
side and kind (``--svg``).

Usage: freeze_window.py [--vnfcs N] [--rounds N] [--svg FILE] [--cpu]
       [--workdir DIR] [--keep]
"""

import argparse
import datetime
import os
import re
import shutil
import statistics
import sys
import threading
import time

from defusedxml import ElementTree
import libvirt

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guest_bench  # noqa: E402,I001 (a sibling script, not a package)

KINDS = ('cold', 'warm')
SIDES = ('raw', 'vnfsnap')
#: How long a block job may take to be ready (seconds; TCG, loaded).
BLOCK_JOB_TIMEOUT = 300
#: Seconds between two polls of vnfsnap's op occurrence (see above).
POLL = 0.1


_say = guest_bench.say
#: Seconds between two samples of ``--cpu``.
CPU_SAMPLE = 0.02


def _task_ns(pid):
    """CPU time (ns) of every thread of ``pid`` so far, from the
    scheduler's own account (/proc/PID/task/TID/schedstat); 0 once it is
    gone."""
    total = 0
    try:
        tids = os.listdir('/proc/%d/task' % pid)
    except OSError:
        return 0
    for tid in tids:
        try:
            with open('/proc/%d/task/%s/schedstat' % (pid, tid)) as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            continue
    return total


class CpuSampler(threading.Thread):
    """Samples the CPU time of the processes a round involves: the guests'
    QEMUs, libvirtd, the all-in-one and this bench (the raw script), so
    that what each used inside a freeze window is known (``--cpu``)."""

    def __init__(self, groups):
        super().__init__(daemon=True, name='cpu-sampler')
        self.groups = groups            # {name: [pid, ...]}
        self.samples = []               # [(epoch, {name: ns})]
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.wait(CPU_SAMPLE):
            self.samples.append((time.time(), {
                name: sum(_task_ns(p) for p in pids)
                for name, pids in self.groups.items()}))

    def used(self, start, end):
        """{name: ms} each group used between ``start`` and ``end``
        (epoch seconds), interpolated between the samples around them."""
        def at(when):
            before = [s for s in self.samples if s[0] <= when]
            after = [s for s in self.samples if s[0] >= when]
            if not before or not after:
                return None
            (t0, a), (t1, b) = before[-1], after[0]
            share = 0 if t1 == t0 else (when - t0) / (t1 - t0)
            return {n: a[n] + (b[n] - a[n]) * share for n in a}
        first, last = at(start), at(end)
        if first is None or last is None:
            return None
        return {n: (last[n] - first[n]) / 1e6 for n in first}


def _disks(dom):
    """[(target, source file, format)] of the domain's file disks."""
    root = ElementTree.fromstring(dom.XMLDesc(0))
    found = []
    for disk in root.findall('./devices/disk'):
        source = disk.find('source')
        if disk.get('device', 'disk') != 'disk' or source is None or \
                source.get('file') is None:
            continue
        driver = disk.find('driver')
        found.append((disk.find('target').get('dev'), source.get('file'),
                      driver.get('type') if driver is not None else 'raw'))
    return found


def _snapshot_xml(name, overlays, memory):
    disks = ''.join(
        "<disk name='%s' snapshot='external'><driver type='qcow2'/>"
        "<source file='%s'/></disk>" % (target, path)
        for target, path in overlays.items())
    mem = ("<memory snapshot='external' file='%s'/>" % memory if memory
           else "<memory snapshot='no'/>")
    return ('<domainsnapshot><name>%s</name>%s<disks>%s</disks>'
            '</domainsnapshot>' % (name, mem, disks))


class RawRound:
    """One raw round on ``doms``: freeze all, snapshot all, thaw all, each
    VNFC in its own thread, as a script without vnfsnap would."""

    def __init__(self, doms, work, number, memory):
        self.doms, self.memory = doms, memory
        self.dir = os.path.join(work, 'raw-%d' % number)
        self.name = 'raw-%d' % number
        self.plans = {}
        #: {vnfc: {'freeze': s, 'snapshot': s, 'snapshotEnd': epoch}}
        self.calls = {}
        for name, dom in doms.items():
            disks = _disks(dom)
            self.plans[name] = {
                'disks': disks,
                'overlays': {t: os.path.join(self.dir, '%s-%s.qcow2'
                                             % (name, t))
                             for t, _, _ in disks},
                'memory': (os.path.join(self.dir, '%s.mem' % name)
                           if memory else None),
                'inactive': dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)}

    def run(self):
        """Spans {vnfc: (start, end)} (epoch seconds) and the wall time."""
        os.makedirs(self.dir)
        os.chmod(self.dir, 0o755)  # noqa: S103 (QEMU writes there)
        frozen = threading.Barrier(len(self.doms))
        taken = threading.Barrier(len(self.doms))
        spans, errors = {}, []
        flags = (libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC |
                 libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA |
                 (libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_LIVE if self.memory
                  else libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY))

        def one(name, dom):
            plan = self.plans[name]
            xml = _snapshot_xml(self.name, plan['overlays'], plan['memory'])
            try:
                start = time.time()
                dom.fsFreeze()
                froze = time.time()
                frozen.wait()
                before = time.time()
                dom.snapshotCreateXML(xml, flags)
                took = time.time()
                taken.wait()
                dom.fsThaw()
                spans[name] = (start, time.time())
                self.calls[name] = {'freeze': froze - start,
                                    'snapshot': took - before,
                                    'snapshotEnd': took}
            except Exception as e:  # reported after the others ended
                errors.append('%s: %s' % (name, e))
                frozen.abort()
                taken.abort()
                try:
                    dom.fsThaw()
                except libvirt.libvirtError:
                    pass

        wall = guest_bench.in_threads(one, self.doms.items(), errors)
        return spans, wall

    def undo(self):
        """Commit each overlay back into the image under it and pivot."""
        for name, dom in self.doms.items():
            plan = self.plans[name]
            for target, _, _ in plan['disks']:
                dom.blockCommit(target, None, None, 0,
                                libvirt.VIR_DOMAIN_BLOCK_COMMIT_ACTIVE |
                                libvirt.VIR_DOMAIN_BLOCK_COMMIT_SHALLOW)
                _wait_ready(dom, target)
                _pivot(dom, target)
            # libvirt moved the persistent definition to the overlays.
            dom.connect().defineXML(plan['inactive'])
        shutil.rmtree(self.dir)


def _wait_ready(dom, target):
    deadline = time.monotonic() + BLOCK_JOB_TIMEOUT
    while True:
        job = dom.blockJobInfo(target, 0)
        if job and job['end'] and job['cur'] == job['end']:
            return
        if time.monotonic() > deadline:
            raise RuntimeError('commit of %s not ready in %ss'
                               % (target, BLOCK_JOB_TIMEOUT))
        time.sleep(0.05)


def _pivot(dom, target):
    deadline = time.monotonic() + BLOCK_JOB_TIMEOUT
    while True:
        try:
            dom.blockJobAbort(target,
                              libvirt.VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT)
        except libvirt.libvirtError as e:
            if (e.get_error_code() != libvirt.VIR_ERR_BLOCK_COPY_ACTIVE
                    or time.monotonic() > deadline):
                raise
            time.sleep(0.05)
            continue
        while dom.blockJobInfo(target, 0):
            time.sleep(0.05)
        return


def _epoch(text):
    return datetime.datetime.fromisoformat(
        text.replace('Z', '+00:00')).timestamp()


class Bench(guest_bench.GuestBench):

    def __init__(self, args, work):
        super().__init__(args, work)
        #: {(kind, side): [{'spans': {...}, 'wall': s}]}
        self.results = {(k, s): [] for k in KINDS for s in SIDES}
        #: Where the all-in-one's log was read up to (_driver_calls).
        self.log_offset = 0

    def raw(self, kind, number):
        rnd = RawRound(self.doms, self.work, number, kind == 'warm')
        spans, wall = rnd.run()
        rnd.undo()
        return {'spans': spans, 'wall': wall, 'calls': rnd.calls}

    def vnfsnap(self, kind):
        _, info = self.api.post('/vnf_snapshots', {})
        posted = time.time()
        hdrs, _ = self.api.post(
            '/vnf_instances/%s/create_snapshot' % self.inst,
            {'vnfSnapshotInfoId': info['id'],
             'additionalParams': {'quiesce': True,
                                  'withMemory': kind == 'warm'}},
            expect=(202,))
        started = time.monotonic()
        op = guest_bench.wait_op(self.api, hdrs['Location'], POLL)
        wall = time.monotonic() - started
        seen = time.time()
        if op['operationState'] != 'COMPLETED':
            raise RuntimeError('create %s: %s' % (op['operationState'],
                                                  op.get('error')))
        info = self.api.get('/vnf_snapshots/%s' % info['id'])
        spans = {}
        for snap in info['vnfSnapshot']['vnfcSnapshots']:
            details = snap['computeSnapshotResource'][
                'vimLevelAdditionalResourceInfo']['additionalInfo']
            spans[snap['vnfcInstanceId']] = (
                _epoch(details['quiescedAt']), _epoch(details['thawedAt']))
        self.api.request('DELETE', '/vnf_snapshots/%s' % info['id'],
                         expect=(204,))
        return {'spans': spans, 'wall': wall, 'op': op['id'],
                'posted': posted, 'seen': seen,
                'calls': self._driver_calls(spans)}

    def _driver_calls(self, spans):
        """What the libvirt driver's log says of each VNFC's freeze and
        snapshot calls in the round just ended (its lines since the last
        round's), as RawRound.calls: the freeze from ``quiescedAt`` to
        its "Froze" line, the snapshot call as the driver timed it."""
        froze, snapped = {}, {}
        with open(os.path.join(self.work, 'vnfsnap-all-in-one.log'),
                  errors='replace') as f:
            f.seek(self.log_offset)
            for line in iter(f.readline, ''):
                m = _FROZE.match(line)
                if m:
                    froze[m.group('vnfc')] = _log_epoch(m.group('at'))
                m = _SNAPSHOT.match(line)
                if m:
                    snapped[m.group('vnfc')] = (_log_epoch(m.group('at')),
                                                int(m.group('ms')) / 1000)
            self.log_offset = f.tell()
        return {vnfc: {'freeze': froze[vnfc] - start,
                       'snapshot': snapped[vnfc][1],
                       'snapshotEnd': snapped[vnfc][0]}
                for vnfc, (start, _) in spans.items()
                if vnfc in froze and vnfc in snapped}

    def _sampler(self):
        """A started CpuSampler of the guests' QEMUs, libvirtd, the
        all-in-one and this bench."""
        def pid_of(path):
            with open(path) as f:
                return int(f.read().strip())
        qemus = [pid_of('/run/libvirt/qemu/%s.pid' % name)
                 for name in self.doms]
        sampler = CpuSampler({
            'QEMU (%d guests)' % len(qemus): qemus,
            'libvirtd': [pid_of('/run/libvirtd.pid')],
            'vnfsnap-all-in-one': [self.proc.pid],
            'this bench (raw script)': [os.getpid()]})
        sampler.start()
        return sampler

    def run(self):
        sampler = self._sampler() if self.args.cpu else None
        try:
            self._rounds()
        finally:
            if sampler is not None:
                sampler.stopped.set()
                sampler.join()
        if sampler is not None:
            for results in self.results.values():
                for r in results:
                    r['cpu'] = sampler.used(
                        min(s for s, _ in r['spans'].values()),
                        max(e for _, e in r['spans'].values()))

    def _rounds(self):
        number = 0
        for n in range(1, self.args.rounds + 1):
            for kind in KINDS:
                # Alternate which side goes first: drift in load or in the
                # guests' state falls on both.
                for side in (SIDES if n % 2 else SIDES[::-1]):
                    number += 1
                    result = (self.raw(kind, number) if side == 'raw'
                              else self.vnfsnap(kind))
                    self.results[(kind, side)].append(result)
                    _say('round %d %-4s %-7s window %6.0f ms  create %6.0f '
                         'ms' % (n, kind, side, _window(result) * 1000,
                                 result['wall'] * 1000))


def _window(result):
    spans = result['spans'].values()
    return max(e for _, e in spans) - min(s for s, _ in spans)


def _call(result, name, of=statistics.median):
    """Median (or ``of``) over the round's VNFCs of one call's duration
    (None when the driver's log did not say)."""
    if not result['calls']:
        return None
    return of(c[name] for c in result['calls'].values())


def _stage(result, number):
    """The window of a round cut where its last VNFC was frozen and where
    its last snapshot was taken: stage 0, 1 or 2 (None when the driver's
    log did not say)."""
    calls = result['calls']
    if not calls:
        return None
    spans = result['spans']
    cuts = [min(s for s, _ in spans.values()),
            max(spans[v][0] + c['freeze'] for v, c in calls.items()),
            max(c['snapshotEnd'] for c in calls.values()),
            max(e for _, e in spans.values())]
    return cuts[number + 1] - cuts[number]


def _median_round(results):
    ordered = sorted(results, key=_window)
    return ordered[len(ordered) // 2]


def summary(results):
    lines = ['%-5s %-28s %10s %10s %7s'
             % ('kind', 'median', 'raw', 'vnfsnap', 'ratio')]
    for kind in KINDS:
        raw, ours = results[(kind, 'raw')], results[(kind, 'vnfsnap')]
        rows = [
            ('VNF freeze window ms', _window),
            ('per-VNFC freeze ms', lambda r: statistics.median(
                e - s for s, e in r['spans'].values())),
            ('  first freeze to all frozen ms', lambda r: _stage(r, 0)),
            ('  all frozen to all taken ms', lambda r: _stage(r, 1)),
            ('  all taken to all thawed ms', lambda r: _stage(r, 2)),
            ('  freeze call ms', lambda r: _call(r, 'freeze')),
            ('  snapshot call ms', lambda r: _call(r, 'snapshot')),
            ('create ms', lambda r: r['wall']),
        ]
        for label, measure in rows:
            values = [[v for v in map(measure, side) if v is not None]
                      for side in (raw, ours)]
            if not all(values):
                continue
            a, b = (statistics.median(v) * 1000 for v in values)
            lines.append('%-5s %-28s %10.0f %10.0f %6.2fx'
                         % (kind, label, a, b, b / a))
    return '\n'.join(lines)


#: The time at the start of an oslo.log line (local time, milliseconds).
_AT = r'^(?P<at>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) .*'
#: The libvirt driver's log lines after a VNFC's freeze and snapshot.
_FROZE = re.compile(_AT + r'Froze \d+ file system\(s\) of VNFC '
                    r'(?P<vnfc>\S+)$')
_SNAPSHOT = re.compile(_AT + r'VNFC (?P<vnfc>\S+): snapshot \S+ .* in '
                       r'(?P<ms>\d+) ms$')
#: The conductor's log lines that start and end an occurrence's run.
_RUNNING = re.compile(_AT + r'Running CREATE_SNAPSHOT for .*\(op '
                      r'occurrence (?P<op>\S+)\)')
_COMPLETED = re.compile(_AT + r'CREATE_SNAPSHOT of .* completed \(op '
                        r'occurrence (?P<op>\S+)\)')


def _log_epoch(text):
    """Epoch seconds of an oslo.log time (local time, milliseconds)."""
    return time.mktime(time.strptime(text[:19], '%Y-%m-%d %H:%M:%S')) + \
        int(text[20:]) / 1000


def _log_times(path):
    """{op id: {'running': epoch, 'completed': epoch}} from the
    all-in-one's log (local time, milliseconds)."""
    times = {}
    with open(path, errors='replace') as f:
        for line in f:
            for key, pattern in (('running', _RUNNING),
                                 ('completed', _COMPLETED)):
                m = pattern.match(line)
                if m:
                    times.setdefault(m.group('op'), {})[key] = _log_epoch(
                        m.group('at'))
    return times


def stages(results, log):
    """Where a vnfsnap create's time goes (medians, ms): from the POST to
    the conductor's start of the run (API, cast, claim), from there to
    the first freeze (plan and its probes, records, logbook, names,
    guards), the VNF window, from the last thaw to the run's end (the
    VNF snapshot's record, the occurrence's end), and until the poll saw
    it."""
    times = _log_times(log)
    lines = ['%-5s %-40s %8s' % ('kind', 'vnfsnap create, median of', 'ms')]
    for kind in KINDS:
        rows = {k: [] for k in ('POST to run start', 'run start to first '
                                'freeze', 'VNF freeze window', 'last thaw '
                                'to run end', 'run end to poll seeing it')}
        for r in results[(kind, 'vnfsnap')]:
            t = times.get(r['op'], {})
            if 'running' not in t or 'completed' not in t:
                continue
            first = min(s for s, _ in r['spans'].values())
            last = max(e for _, e in r['spans'].values())
            for label, value in zip(rows, (
                    t['running'] - r['posted'], first - t['running'],
                    last - first, t['completed'] - last,
                    r['seen'] - t['completed']), strict=True):
                rows[label].append(value)
        for label, values in rows.items():
            if values:
                lines.append('%-5s %-40s %8.0f' % (
                    kind, label, statistics.median(values) * 1000))
    return '\n'.join(lines)


def cpu_summary(results):
    """Median CPU time each process group used inside the VNF window."""
    lines = ['%-5s %-28s %10s %10s' % ('kind', 'CPU inside the window ms',
                                       'raw', 'vnfsnap')]
    for kind in KINDS:
        sides = [[r['cpu'] for r in results[(kind, side)] if r.get('cpu')]
                 for side in SIDES]
        if not all(sides):
            continue
        for group in sides[0][0]:
            lines.append('%-5s %-28s %10.0f %10.0f' % ((kind, group) + tuple(
                statistics.median(c[group] for c in side)
                for side in sides)))
    return '\n'.join(lines)


def svg(results, width=760, row=18):
    """A timeline of each side's median round per kind: one bar per VNFC
    from its freeze to its thaw, on a common millisecond scale."""
    blocks = []
    for kind in KINDS:
        for side in SIDES:
            r = _median_round(results[(kind, side)])
            t0 = min(s for s, _ in r['spans'].values())
            blocks.append(('%s %s' % (kind, side), [
                (vnfc, (s - t0) * 1000, (e - t0) * 1000)
                for vnfc, (s, e) in sorted(r['spans'].items())]))
    longest = max(end for _, bars in blocks for _, _, end in bars)
    scale = (width - 200) / longest
    out, y = [], 10
    for title, bars in blocks:
        out.append('<text x="5" y="%d" font-weight="bold">%s</text>'
                   % (y + 12, title))
        y += row
        for vnfc, start, end in bars:
            out.append('<text x="15" y="%d">%s</text>' % (y + 12, vnfc))
            out.append('<rect x="%.1f" y="%d" width="%.1f" height="%d" '
                       'fill="%s"/>' % (190 + start * scale, y + 2,
                                        max(1, (end - start) * scale),
                                        row - 4,
                                        '#4a7ab5' if 'vnfsnap' in title
                                        else '#999999'))
            out.append('<text x="%.1f" y="%d">%.0f ms</text>'
                       % (195 + end * scale, y + 12, end - start))
            y += row
        y += row // 2
    return ('<svg xmlns="http://www.w3.org/2000/svg" width="%d" '
            'height="%d" font-family="sans-serif" font-size="11">%s'
            '</svg>\n' % (width + 60, y + 10, ''.join(out)))


def _report(bench, _):
    args = bench.args
    _say('\n== %d VNFCs, %d rounds per side and kind, %d cores, load '
         'average %.2f %.2f %.2f' % ((args.vnfcs, args.rounds,
                                      os.cpu_count()) + os.getloadavg()))
    _say(summary(bench.results))
    _say(stages(bench.results, os.path.join(bench.work,
                                            'vnfsnap-all-in-one.log')))
    if args.cpu:
        _say(cpu_summary(bench.results))
    if args.svg:
        with open(args.svg, 'w') as f:
            f.write(svg(bench.results))
        _say('timeline written to %s' % args.svg)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    guest_bench.options(parser, 3, 'vnfsnap-bench-freeze')
    parser.add_argument('--rounds', type=int, default=7,
                        help='rounds per side and kind (default 7)')
    parser.add_argument('--svg', help='write the timeline plot there')
    parser.add_argument('--cpu', action='store_true',
                        help='also print the CPU time the guests, libvirtd, '
                             'the all-in-one and the raw script used inside '
                             'the windows (sampled every %d ms)'
                             % (CPU_SAMPLE * 1000))
    args = parser.parse_args(argv)
    guest_bench.run(Bench, args, 'freeze', _report)
    return 0


if __name__ == '__main__':
    sys.exit(main())
