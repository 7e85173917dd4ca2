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

from vnfsnap.tests.functional import libvirt_base
from vnfsnap.vim.libvirt import domain_xml
from vnfsnap_demo import domains
from vnfsnap_demo import guest_agent

MARKER = libvirt_base.MARKER
FREEZE_DEADLINE = libvirt_base.FREEZE_DEADLINE


class TestColdAndWarm(libvirt_base.GuestsTestCase):

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


class TestRevertWithVanishedVnfc(libvirt_base.GuestsTestCase):

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


class TestQuiesceAndAutoThaw(libvirt_base.GuestsTestCase):

    GUESTS = 1

    def test_frozen_guest_holds_writes_and_thaws_after_conductor_killed(self):
        # A conductor whose snapshot step hangs after the freeze.
        proc = self.start_service([
            sys.executable, '-m',
            'vnfsnap.tests.fixtures.stalled_libvirt_all_in_one'])
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
        end = time.monotonic() + 30
        while stamps == disk_stamps(dom):
            self.assertLess(time.monotonic(), end, 'no write after the thaw')
            time.sleep(0.2)

        # The restarted service resumes the occurrence it lost: killed in
        # a VNFC snapshot step, the create is rolled back.
        self.start_service()
        ops = self.api.get('/vnflcm/v2/vnf_lcm_op_occs').json()
        self.assertEqual(1, len(ops))
        op = self.api.wait_for_op(
            'http://127.0.0.1:%d/vnflcm/v2/vnf_lcm_op_occs/%s'
            % (self.port, ops[0]['id']), timeout=120)
        self.assertEqual('ROLLED_BACK', op['operationState'], op)
