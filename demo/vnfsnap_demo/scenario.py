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

"""The demo: a 3-VNFC VNF of real guests, snapshotted and reverted via the API.

1. libvirtd runs, the test guest image is built (or taken from the cache)
   and three guests boot; each runs a counter whose value lives in memory
   and whose every step is appended to journals on its two disks;
2. ``vnfsnap-all-in-one`` starts with no configuration (the embedded
   default) and the VNF is registered through the API;
3. a cold (disks only) VNF snapshot is taken with the ``openstack`` CLI
   (vnfsnap's plugin, from client/), for its timings; then a
   warm, quiesced VNF snapshot is taken through the API; the guests'
   fsfreeze hook makes each counter hold while its file systems are frozen,
   so the value it held is the value the snapshot contains;
4. every guest's disk (a marker file) and memory (the counter) change;
5. the VNF is reverted through the API;
6. proof, per VNFC: the marker is back, the counter resumed from the held
   value (memory restored, same boot), the journals on disk end where the
   snapshot was taken and never saw the changed value.
"""

import datetime
import hashlib
import os
import signal
import socket
import subprocess
import sys
import time

import libvirt

from vnfsnap_demo import client as api_client
from vnfsnap_demo import domains
from vnfsnap_demo import guest_agent
from vnfsnap_demo import guest_image
from vnfsnap_demo import libvirtd

PREFIX = 'vnfsnap-demo'
PORT = 9896
CHANGED = 900000
MARKER = '/data/vnfsnap-demo-marker'


def _say(text=''):
    print(text, flush=True)


def _ts(text):
    return datetime.datetime.fromisoformat(text.replace('Z', '+00:00'))


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            digest.update(chunk)
    return digest.hexdigest()


def _failure(pkg):
    details = pkg.get('failureDetails')
    return ': %s' % details['details']['detail'] if details else ''


class Demo:

    def __init__(self, guests=3, work_dir='/var/lib/vnfsnap/demo',
                 keep=False):
        self.guests = guests
        self.work_dir = work_dir
        self.keep = keep
        self.checks = []
        self.api_proc = None
        self.conn = None

    def check(self, ok, text):
        self.checks.append((ok, text))
        _say('  %s %s' % ('ok  ' if ok else 'FAIL', text))
        return ok

    # --- set-up -----------------------------------------------------------

    def start_api(self):
        try:
            socket.create_connection(('127.0.0.1', PORT), 0.5).close()
            raise RuntimeError('port %d is in use: stop what listens there '
                               'first' % PORT)
        except OSError:
            pass
        exe = os.path.join(os.path.dirname(sys.executable),
                           'vnfsnap-all-in-one')
        os.makedirs(self.work_dir, exist_ok=True)
        log = open(os.path.join(self.work_dir, 'vnfsnap-all-in-one.log'),
                   'w')
        # No configuration at all: the embedded default.
        self.api_proc = subprocess.Popen([exe], stdout=log, stderr=log,
                                         cwd='/')
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.api_proc.poll() is not None:
                raise RuntimeError('vnfsnap-all-in-one exited; see %s'
                                   % log.name)
            try:
                socket.create_connection(('127.0.0.1', PORT), 0.5).close()
                return api_client.Client('http://127.0.0.1:%d' % PORT)
            except OSError:
                time.sleep(0.2)
        raise RuntimeError('vnfsnap-all-in-one did not listen on %d' % PORT)

    def openstack(self, *args):
        """Run the openstack CLI (vnfsnap's plugin) against the all-in-one,
        showing the command and its output; its stdout, or None when it
        failed (the failure is shown)."""
        exe = os.path.join(os.path.dirname(sys.executable), 'openstack')
        _say('  $ openstack %s' % ' '.join(args))
        proc = subprocess.run(
            [exe, '--os-auth-type', 'none', '--os-endpoint',
             'http://127.0.0.1:%d' % PORT] + list(args),
            capture_output=True, text=True, timeout=900, check=False)
        for line in (proc.stdout + proc.stderr).splitlines():
            _say('  ' + line)
        return proc.stdout if proc.returncode == 0 else None

    def stop_api(self):
        if self.api_proc is not None and self.api_proc.poll() is None:
            self.api_proc.send_signal(signal.SIGTERM)
            try:
                self.api_proc.wait(60)
            except subprocess.TimeoutExpired:
                self.api_proc.kill()
                self.api_proc.wait()

    def registration(self, created):
        vnfcs, volumes = [], []
        for td in created:
            vnfcs.append({'id': td.name, 'vduId': 'vdu-counter',
                          'computeResource': {
                              'vimConnectionId': 'local',
                              'resourceId': td.name,
                              'vimLevelResourceType': 'libvirt.Domain'},
                          'storageResourceIds': [td.name + '-data']})
            volumes.append({'id': td.name + '-data',
                            'virtualStorageDescId': 'data',
                            'storageResource': {
                                'vimConnectionId': 'local',
                                'resourceId': 'vdb',
                                'vimLevelResourceType': 'libvirt.Disk'}})
        return {
            'vnfdId': 'vnfsnap-demo-vnfd', 'vnfInstanceName': 'demo-vnf',
            'vnfProvider': 'vnfsnap', 'vnfProductName': 'counter',
            'vnfSoftwareVersion': '1.0', 'vnfdVersion': '1.0',
            'vimConnectionInfo': {'local': {
                'vimId': 'localhost', 'vimType': 'VNFSNAP.LIBVIRT.V_1',
                'interfaceInfo': {'uri': 'qemu:///system'}}},
            'instantiatedVnfInfo': {'flavourId': 'default',
                                    'vnfState': 'STARTED',
                                    'vnfcResourceInfo': vnfcs,
                                    'virtualStorageResourceInfo': volumes}}

    # --- the run ----------------------------------------------------------

    def run(self):
        t_total = time.monotonic()
        _say('== libvirt')
        started = libvirtd.ensure_running()
        _say('  libvirtd %s' % ('started' if started else 'already running'))
        _say('== test guest image')
        image = guest_image.build()
        _say('  %s in %.1f s: %s' % ('built' if image.built else 'cached',
                                     image.seconds, image.directory))
        self.conn = libvirt.open('qemu:///system')
        domains.destroy_all(self.conn, PREFIX)
        _say('== booting %d guests' % self.guests)
        created, times = domains.create_and_boot(
            self.conn, image, self.guests,
            os.path.join(self.work_dir, 'guests'), prefix=PREFIX)
        doms = {td.name: td.lookup(self.conn) for td in created}
        _say('  %s (%s) in %s' % (', '.join(doms), created[0].virt_type,
                                  times))
        try:
            self._scenario(created, doms)
        finally:
            self.stop_api()
            if not self.keep:
                domains.destroy_all(self.conn, PREFIX)
        _say('\n== total %.1f s' % (time.monotonic() - t_total))
        failed = [text for ok, text in self.checks if not ok]
        if failed:
            _say('%d of %d checks FAILED' % (len(failed), len(self.checks)))
            return 1
        _say('all %d checks passed' % len(self.checks))
        return 0

    def _scenario(self, created, doms):
        _say('== vnfsnap-all-in-one on the embedded default')
        api = self.start_api()
        _, inst = api.post('/vnf_instances', self.registration(created))
        _say('  registered VNF instance %s' % inst['id'])

        _say('== before the snapshot')
        before = {}
        for i, (name, dom) in enumerate(doms.items()):
            guest_agent.set_counter(dom, 1000 * (i + 1))
            guest_agent.write_file(dom, MARKER, b'before-snapshot\n')
            before[name] = {'boot_id': guest_agent.boot_id(dom)}
            _say('  %s: counter set to %d, marker "before-snapshot"'
                 % (name, 1000 * (i + 1)))

        _say('== cold (disks only), quiesced VNF snapshot with the '
             'openstack CLI')
        started = time.monotonic()
        out = self.openstack('vnf', 'snapshot', 'create', inst['id'],
                             '--name', 'cold', '--wait', '-c', 'id', '-f',
                             'value')
        if not self.check(out is not None, 'openstack vnf snapshot create '
                          '--wait (%.2f s)' % (time.monotonic() - started)):
            return
        cold = {'id': out.strip()}
        self._timings(api.get('/vnf_snapshots/%s' % cold['id'])[
            'vnfSnapshot'])

        _say('== warm, quiesced VNF snapshot through the API')
        _, info = api.post('/vnf_snapshots', {})
        if not self._task(api, inst['id'], 'create_snapshot', {
                'vnfSnapshotInfoId': info['id'],
                'additionalParams': {'withMemory': True}}):
            return
        snap = api.get('/vnf_snapshots/%s' % info['id'])['vnfSnapshot']
        self._timings(snap)
        held = {}
        for name, dom in doms.items():
            state = guest_agent.counter_state(dom)
            held[name] = state.last_hold
            _say('  %s: counter held at %s during the freeze; now %d'
                 % (name, state.last_hold, state.value))

        _say('== changing every guest (disk and memory)')
        for i, (name, dom) in enumerate(doms.items()):
            guest_agent.set_counter(dom, CHANGED + i)
            guest_agent.write_file(dom, MARKER, b'after-snapshot\n')
            _say('  %s: counter set to %d, marker "after-snapshot"'
                 % (name, CHANGED + i))

        _say('== revert to the VNF snapshot through the API')
        if not self._task(api, inst['id'], 'revert_to_snapshot',
                          {'vnfSnapshotInfoId': info['id']}):
            return

        _say('== proof')
        for name, dom in doms.items():
            guest_agent.wait_for_agent(dom, timeout=60)
            state = guest_agent.counter_state(dom)
            marker = guest_agent.read_file(dom, MARKER, drop_caches=True)
            journal = guest_agent.journal_info(dom, 'root', tail=400)
            data_journal = guest_agent.journal_info(dom, 'data', tail=400)
            x = held[name]
            self.check(marker == b'before-snapshot\n',
                       '%s disk: marker is %r' % (name, marker.decode()
                                                  .strip()))
            self.check(x is not None and x <= state.value < CHANGED,
                       '%s memory: counter resumed from the held %s '
                       '(now %d, not %d+)' % (name, x, state.value,
                                              CHANGED))
            self.check(state.last_hold == x,
                       '%s memory: last held value is %s' % (
                           name, state.last_hold))
            self.check(guest_agent.boot_id(dom) ==
                       before[name]['boot_id'],
                       '%s memory: same boot (no reboot, memory restored)'
                       % name)
            for label, j in (('root', journal), ('data', data_journal)):
                self.check(x in j.tail and max(j.tail) < CHANGED and
                           j.tail[j.tail.index(x):] == tuple(
                               range(x, x + len(j.tail) - j.tail.index(x))),
                           '%s %s journal: continues from %s, never saw '
                           '%d' % (name, label, x, CHANGED))

        extracted = self._package_round_trip(api, inst['id'], info['id'],
                                             doms, held, before)
        if extracted is None:
            return

        _say('== delete both VNF snapshots through the API')
        for snapshot_id in (cold['id'], extracted):
            api.request('DELETE', '/vnf_snapshots/%s' % snapshot_id,
                        expect=(204,))
        self.check(True, 'VNF snapshots deleted (libvirt files merged away)')

    def _package_round_trip(self, api, inst_id, info_id, doms, held, before):
        """Build a VNF snapshot package, export it to a file, delete the
        package and the VNF snapshot, import the file, extract it and
        revert to it. Returns the id of the extracted VNF snapshot."""
        pkgm = api_client.Client('http://127.0.0.1:%d' % PORT,
                                 prefix='/vnfsnapshotpkgm/v1',
                                 version='1.2.0')
        _say('== VNF snapshot package: build from the warm VNF snapshot and '
             'export it, with the openstack CLI')
        started = time.monotonic()
        pkg = {'id': (self.openstack(
            'vnf', 'snapshot', 'package', 'create', 'demo', '-c', 'id',
            '-f', 'value') or '').strip()}
        built = pkg['id'] and self.openstack(
            'vnf', 'snapshot', 'package', 'build', pkg['id'], '--snapshot',
            info_id, '--wait', '-c', 'state', '-c', 'checksum')
        if not self.check(bool(built), 'build (%.1f s)' % (
                time.monotonic() - started)):
            return None
        path = os.path.join(self.work_dir, 'vnf-snapshot-package.zip')
        if os.path.exists(path):
            os.unlink(path)
        started = time.monotonic()
        downloaded = self.openstack('vnf', 'snapshot', 'package', 'download',
                                    pkg['id'], '--file', path)
        full = pkgm.get('/vnf_snapshot_packages/%s' % pkg['id'])
        self.check(downloaded is not None and
                   _sha256(path) == full['checksum']['hash'],
                   'exported %d MiB to %s (%.1f s), SHA-256 matches' % (
                       os.path.getsize(path) >> 20 if os.path.exists(path)
                       else 0, path, time.monotonic() - started))
        pkgm.request('DELETE', '/vnf_snapshot_packages/%s' % pkg['id'],
                     expect=(204,))
        api.request('DELETE', '/vnf_snapshots/%s' % info_id, expect=(204,))
        _say('  deleted the package and the VNF snapshot (its libvirt '
             'files too)')
        for i, dom in enumerate(doms.values()):
            guest_agent.set_counter(dom, CHANGED + i)
            guest_agent.write_file(dom, MARKER, b'after-package\n')
        _say('  changed every guest again (marker "after-package")')

        _say('== VNF snapshot package: import the file, extract, revert')
        started = time.monotonic()
        _, pkg = pkgm.post('/vnf_snapshot_packages', {'name': 'imported'})
        pkgm.upload('/vnf_snapshot_packages/%s/package_content' % pkg['id'],
                    path)
        imported = self._wait_pkg(pkgm, pkg['id'])
        if not self.check(
                imported['state'] == 'AVAILABLE' and imported.get(
                    'vnfSnapshotPkgUniqueId') == full[
                    'vnfSnapshotPkgUniqueId'],
                'import %s, same vnfSnapshotPkgUniqueId (%.1f s)%s' % (
                    imported['state'], time.monotonic() - started,
                    _failure(imported))):
            return None
        hdrs, _ = pkgm.post('/vnf_snapshot_packages/%s/package_content/'
                            'extract' % pkg['id'],
                            {'vnfInstanceId': inst_id}, expect=(202,))
        extracted = hdrs['Location'].rsplit('/', 1)[-1]
        done = self._wait_pkg(pkgm, pkg['id'])
        if not self.check(done['state'] == 'AVAILABLE',
                          'extract into VNF snapshot %s%s' % (
                              extracted, _failure(done))):
            return None
        if not self._task(api, inst_id, 'revert_to_snapshot',
                          {'vnfSnapshotInfoId': extracted}):
            return None
        for name, dom in doms.items():
            guest_agent.wait_for_agent(dom, timeout=60)
            marker = guest_agent.read_file(dom, MARKER, drop_caches=True)
            state = guest_agent.counter_state(dom)
            self.check(marker == b'before-snapshot\n' and
                       state.last_hold == held[name] and
                       guest_agent.boot_id(dom) == before[name]['boot_id'],
                       '%s from the package: marker %r, counter held at %s, '
                       'same boot' % (name, marker.decode().strip(),
                                      state.last_hold))
        pkgm.request('DELETE', '/vnf_snapshot_packages/%s' % pkg['id'],
                     expect=(204,))
        return extracted

    @staticmethod
    def _wait_pkg(pkgm, pkg_id, timeout=600):
        deadline = time.monotonic() + timeout
        while True:
            pkg = pkgm.get('/vnf_snapshot_packages/%s' % pkg_id)
            if pkg['state'] not in ('BUILDING', 'UPLOADING', 'PROCESSING',
                                    'EXTRACTING'):
                return pkg
            if time.monotonic() > deadline:
                raise TimeoutError('package %s still %s after %ss' % (
                    pkg_id, pkg['state'], timeout))
            time.sleep(0.2)

    def _task(self, api, inst_id, task, body):
        """Run a snapshot task through the API; check it COMPLETED."""
        started = time.monotonic()
        op = api.run_task('/vnf_instances/%s/%s' % (inst_id, task), body)
        error = ': %s' % op['error'] if op.get('error') else ''
        return self.check(op['operationState'] == 'COMPLETED',
                          '%s %s (%.2f s)%s' % (
                              task, op['operationState'],
                              time.monotonic() - started, error))

    def _timings(self, snap):
        frozen = []
        for vnfc in snap['vnfcSnapshots']:
            info = vnfc['computeSnapshotResource'].get(
                'vimLevelAdditionalResourceInfo', {}).get('additionalInfo', {})
            if 'quiescedAt' in info:
                start, end = _ts(info['quiescedAt']), _ts(info['thawedAt'])
                frozen.append((start, end))
                _say('  %s: %s, memory %s, frozen %.0f ms' % (
                    vnfc['vnfcInstanceId'], info['consistencyLevel'],
                    info['memoryCaptured'],
                    (end - start).total_seconds() * 1000))
            else:
                _say('  %s: %s, memory %s (not quiesced)' % (
                    vnfc['vnfcInstanceId'], info.get('consistencyLevel'),
                    info.get('memoryCaptured')))
        if frozen:
            window = max(e for _, e in frozen) - min(s for s, _ in frozen)
            _say('  VNF freeze window (first freeze to last thaw): %.0f ms'
                 % (window.total_seconds() * 1000))
