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

"""VNF snapshots of real guests through a real vnfsnap-all-in-one process.

Three guests of the test image (vnfsnap_demo) form the VNF; the service runs
the libvirt driver; everything goes through HTTP, as a client would.
"""

import os
import signal
import sys
import time

import libvirt
from testtools import content

from vnfsnap.tests.functional import base
from vnfsnap.tests.functional import libvirt_services
from vnfsnap.tests.functional import services
from vnfsnap.vim.libvirt import domain_xml
from vnfsnap_demo import domains
from vnfsnap_demo import guest_agent
from vnfsnap_demo import guest_image
from vnfsnap_demo import scenario

PREFIX = 'vnfsnap-ft-guest'
MARKER = '/data/marker'
FREEZE_DEADLINE = 6


class GuestsTestCase(base.FunctionalTestCase):

    GUESTS = 3

    def setUp(self):
        super().setUp()
        libvirt_services.require_libvirt()
        daemons = self.useFixture(libvirt_services.LibvirtDaemons())
        self.conn = daemons.connect()
        os.chmod(self.tmp, 0o755)
        self.image = guest_image.build()
        domains.destroy_all(self.conn, PREFIX)
        self.addCleanup(domains.destroy_all, self.conn, PREFIX)
        self.created, _ = domains.create_and_boot(
            self.conn, self.image, self.GUESTS,
            os.path.join(self.tmp, 'guests'), prefix=PREFIX)
        self.doms = {td.name: td.lookup(self.conn) for td in self.created}
        self.port = services.free_port()
        self.conf = base.write_config(os.path.join(self.tmp, 'v.conf'), {
            'DEFAULT': {'state_path': os.path.join(self.tmp, 'state'),
                        'host': 'functional'},
            'api': {'port': self.port},
            'conductor': {'freeze_deadline': FREEZE_DEADLINE},
        })

    def start_service(self, argv=None):
        argv = argv or [base.command('vnfsnap-all-in-one')]
        proc = self.start(argv + ['--config-file', self.conf],
                          port=self.port, name='vnfsnap-all-in-one')
        self.api = base.Client('http://127.0.0.1:%d' % self.port)
        return proc

    def register(self):
        body = scenario.Demo(self.GUESTS).registration(self.created)
        resp = self.api.post('/vnflcm/v2/vnf_instances', json=body)
        self.assertEqual(201, resp.status_code, resp.text)
        return resp.json()['id']

    def task(self, inst_id, name, body):
        resp = self.api.post('/vnflcm/v2/vnf_instances/%s/%s'
                             % (inst_id, name), json=body)
        self.assertEqual(202, resp.status_code, resp.text)
        return resp.headers['Location']

    def snapshot(self, inst_id, **params):
        info = self.api.post('/vnflcm/v2/vnf_snapshots', json={}).json()
        op_url = self.task(inst_id, 'create_snapshot',
                           {'vnfSnapshotInfoId': info['id'],
                            'additionalParams': params})
        op = self.api.wait_for_op(op_url, timeout=180)
        self.assertEqual('COMPLETED', op['operationState'], op)
        return info['id']

    def revert(self, inst_id, info_id, **params):
        op_url = self.task(inst_id, 'revert_to_snapshot',
                           {'vnfSnapshotInfoId': info_id,
                            'additionalParams': params})
        return self.api.wait_for_op(op_url, timeout=180)

    def mark(self, text):
        for dom in self.doms.values():
            guest_agent.write_file(dom, MARKER, text.encode())

    def markers(self):
        return {name: guest_agent.read_file(dom, MARKER,
                                            drop_caches=True).decode()
                for name, dom in self.doms.items()}


class TestColdAndWarm(GuestsTestCase):

    def test_revert_to_older_after_newer_and_delete(self):
        self.start_service()
        inst = self.register()
        caps = self.api.get('/vnflcm/v2/vnf_instances/%s/vim_capabilities'
                            % inst).json()['vnfcs']
        self.assertEqual(self.GUESTS, len(caps))
        for entry in caps:
            # Read from libvirt/QEMU and each guest's agent.
            self.assertTrue(entry['capabilities']['quiesce'], entry)
            self.assertTrue(entry['capabilities']['memorySnapshot'])
            self.assertTrue(entry['capabilities']['revertAnySnapshot'])
            self.assertTrue(entry['capabilities']['pause'])
        self.mark('cold')
        cold = self.snapshot(inst)
        self.mark('warm')
        boot_ids = {n: guest_agent.boot_id(d) for n, d in self.doms.items()}
        # One point for the whole VNF: both guests paused before the first
        # is captured, resumed after the last.
        warm = self.snapshot(inst, withMemory=True, pauseVnf=True)
        held = {n: guest_agent.counter_state(d).last_hold
                for n, d in self.doms.items()}
        rows = self.api.get('/vnflcm/v2/vnf_snapshots/%s'
                            % warm).json()['vnfSnapshot']['vnfcSnapshots']
        self.assertEqual(self.GUESTS, len(rows))
        for dom in self.doms.values():
            self.assertEqual(libvirt.VIR_DOMAIN_RUNNING, dom.state()[0])
        self.mark('changed')

        # The older, cold snapshot: disks only, the guests boot from them.
        op = self.revert(inst, cold)
        self.assertEqual('COMPLETED', op['operationState'], op)
        for dom in self.doms.values():
            guest_agent.wait_for_agent(dom, timeout=120)
        self.assertEqual({n: 'cold' for n in self.doms}, self.markers())

        # Then the newer, warm one: memory too, same boot as back then.
        op = self.revert(inst, warm)
        self.assertEqual('COMPLETED', op['operationState'], op)
        self.assertEqual({n: 'warm' for n in self.doms}, self.markers())
        for name, dom in self.doms.items():
            self.assertEqual(boot_ids[name], guest_agent.boot_id(dom))
            state = guest_agent.counter_state(dom)
            self.assertEqual(held[name], state.last_hold)
            self.assertGreaterEqual(state.value, held[name])
            self.assertEqual('thawed', guest_agent.fsfreeze_status(dom))

        snaps_dir = os.path.join(self.tmp, 'state', 'libvirt')
        for info_id in (cold, warm):
            resp = self.api.delete('/vnflcm/v2/vnf_snapshots/%s' % info_id)
            self.assertEqual(204, resp.status_code, resp.text)
        # Nothing but the guests' current disks is left of the snapshots.
        for td in self.created:
            root = os.path.join(snaps_dir, td.uuid)
            self.assertEqual([], os.listdir(os.path.join(root, 'snapshots')))
            current = {d['source'] for d in domains_disks(self.doms[td.name])}
            left = {os.path.join(root, 'disks', f)
                    for f in os.listdir(os.path.join(root, 'disks'))}
            self.assertEqual(set(), left - current)


def domains_disks(dom):
    return domain_xml.disks(dom.XMLDesc(0))


def disk_stamps(dom):
    """(size, mtime) of each disk image the domain writes to."""
    return {d['target']: (os.stat(d['source']).st_size,
                          os.stat(d['source']).st_mtime_ns)
            for d in domains_disks(dom)}


class TestRevertWithVanishedVnfc(GuestsTestCase):

    def test_fails_cleanly_and_leaves_guests_running(self):
        self.start_service()
        inst = self.register()
        self.mark('snapshot')
        info = self.snapshot(inst, withMemory=True)
        self.mark('current')
        victim = self.created[-1]
        domains.destroy_all(self.conn, victim.name)
        survivors = {n: d for n, d in self.doms.items() if n != victim.name}
        boot_ids = {n: guest_agent.boot_id(d) for n, d in survivors.items()}
        op = self.revert(inst, info)
        self.assertEqual('FAILED_TEMP', op['operationState'])
        self.assertIn(victim.name, op['error']['detail'])
        for name, dom in survivors.items():
            self.assertTrue(dom.isActive())
            self.assertEqual(boot_ids[name], guest_agent.boot_id(dom))
            self.assertEqual('current', guest_agent.read_file(
                dom, MARKER, drop_caches=True).decode())


class TestQuiesceAndAutoThaw(GuestsTestCase):

    GUESTS = 1

    def test_frozen_guest_holds_writes_and_thaws_after_conductor_killed(self):
        # A conductor whose snapshot step hangs after the freeze.
        proc = self.start_service([
            sys.executable, '-m',
            'vnfsnap.tests.functional.stalled_libvirt_all_in_one'])
        inst = self.register()
        dom = next(iter(self.doms.values()))
        info = self.api.post('/vnflcm/v2/vnf_snapshots', json={}).json()
        self.task(inst, 'create_snapshot', {'vnfSnapshotInfoId': info['id']})
        deadline = time.monotonic() + 30
        while guest_agent.fsfreeze_status(dom) != 'frozen':
            self.assertLess(time.monotonic(), deadline, 'never frozen')
            time.sleep(0.1)
        frozen_at = time.monotonic()
        # Writes are held while frozen: the disk images stand still (the
        # guest writes with cache=none, straight into the image files; the
        # agent refuses file commands while frozen, so look from the host).
        stamps = disk_stamps(dom)
        time.sleep(1.5)
        self.assertEqual(stamps, disk_stamps(dom))

        proc.stop_signal = signal.SIGKILL
        proc.stop()
        while guest_agent.fsfreeze_status(dom) != 'thawed':
            self.assertLess(time.monotonic() - frozen_at,
                            FREEZE_DEADLINE + 5, 'not thawed in time')
            time.sleep(0.2)
        thawed_after = time.monotonic() - frozen_at
        self.assertLessEqual(thawed_after, FREEZE_DEADLINE + 5)
        self.addDetail('thawed_after_s', content.text_content(
            '%.1f' % thawed_after))
        # The counter had held for the freeze and writes again.
        state = guest_agent.counter_state(dom)
        self.assertIsNotNone(state.last_hold)
        self.assertFalse(state.held)
        time.sleep(1)
        self.assertNotEqual(stamps, disk_stamps(dom))

        # The restarted service settles the occurrence it lost.
        self.start_service()
        ops = self.api.get('/vnflcm/v2/vnf_lcm_op_occs').json()
        self.assertEqual(['FAILED_TEMP'], [o['operationState'] for o in ops])
