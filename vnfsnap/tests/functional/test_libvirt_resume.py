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

"""An all-in-one killed (SIGKILL, by the test-only fault hook) in the
middle of a create or a revert on real libvirt guests, then restarted:
it resumes the occurrence, which ends as doc/source/contributor/
crash-safety.rst says, with every VNFC running, thawed, unpaused and with
its volumes, and no snapshot file left over by a rolled-back run.

Run under the guests lock (see the contributor docs)."""

import os
import time

import libvirt

from vnfsnap.tests.functional import base
from vnfsnap.tests.functional import libvirt_base
from vnfsnap.vim.libvirt import domain_xml
from vnfsnap_demo import guest_agent


class TestKilledAndResumed(libvirt_base.GuestsTestCase):

    GUESTS = 2

    def crash(self, at, inst_id, task, body):
        """Start an all-in-one armed to kill itself at step ``at``, ask
        for ``task``, wait for the kill, start a plain one; returns the
        op occurrence once the restarted service settled it."""
        mark = os.path.join(self.tmp, 'fault-%s' % time.monotonic_ns())
        self.service.stop()
        proc = self.start([base.command('vnfsnap-all-in-one'),
                           '--config-file', self.conf], port=self.port,
                          name='vnfsnap-all-in-one',
                          env={'VNFSNAP_FAULT_AT': at,
                               'VNFSNAP_FAULT_MARK': mark})
        self.api = base.Client('http://127.0.0.1:%d' % self.port)
        op_url = self.task(inst_id, task, body)
        deadline = time.monotonic() + 180
        while proc.process.poll() is None:
            self.assertLess(time.monotonic(), deadline,
                            'not killed at %s' % at)
            time.sleep(0.2)
        self.assertTrue(os.path.exists(mark), 'died, but not at %s' % at)
        proc.stop()
        self.service = self.start_service()
        return self.api.wait_for_op(op_url, timeout=240)

    def snapshot_files(self):
        """The snapshot files of the guests: not the driver's own lock,
        index and guard log (the guards' log of each domain stays, for
        operators)."""
        root = os.path.join(self.tmp, 'state', 'libvirt')
        return sorted(os.path.relpath(os.path.join(d, f), root)
                      for d, _, files in os.walk(root) for f in files
                      if f not in ('.lock', 'index.json', 'guard.log'))

    def freeze_status(self, dom):
        """The guest's freeze status; None while its agent does not
        answer (a guest reverted to a disk-only snapshot boots again)."""
        try:
            return guest_agent.fsfreeze_status(dom)
        except guest_agent.AgentUnavailableError:
            return None

    def assertVnfRunning(self, disks):
        for name, dom in self.doms.items():
            # The thaw guard or the resumed run thaws it; a TCG guest
            # boots again within about a minute on a loaded machine.
            deadline = time.monotonic() + 240
            while self.freeze_status(dom) != 'thawed':
                self.assertLess(time.monotonic(), deadline, name)
                time.sleep(0.5)
            self.assertEqual(libvirt.VIR_DOMAIN_RUNNING, dom.state()[0],
                             name)
            self.assertEqual(disks[name], len(domain_xml.disks(
                dom.XMLDesc(0))), name)

    def test_create_and_revert_killed_at_steps(self):
        self.service = self.start_service()
        inst = self.register()
        disks = {name: len(domain_xml.disks(dom.XMLDesc(0)))
                 for name, dom in self.doms.items()}
        self.mark('before')
        files = self.snapshot_files()

        # Killed while the VNFC snapshots are taken: rolled back.
        info = self.api.post('/vnflcm/v2/vnf_snapshots', json={}).json()
        op = self.crash('snapshot-*@before', inst, 'create_snapshot',
                        {'vnfSnapshotInfoId': info['id']})
        self.assertEqual('ROLLED_BACK', op['operationState'], op)
        self.assertIn('rolled back automatically', op['error']['detail'])
        self.assertVnfRunning(disks)
        self.assertEqual(files, self.snapshot_files())
        info = self.api.get('/vnflcm/v2/vnf_snapshots/%s'
                            % info['id']).json()
        self.assertNotIn('vnfSnapshot', info)

        # pauseVnf, killed once every VNFC snapshot was taken: finished.
        info = self.api.post('/vnflcm/v2/vnf_snapshots', json={}).json()
        op = self.crash('unpause-*@before', inst, 'create_snapshot',
                        {'vnfSnapshotInfoId': info['id'],
                         'additionalParams': {'pauseVnf': True}})
        self.assertEqual('COMPLETED', op['operationState'], op)
        self.assertVnfRunning(disks)
        target = info['id']

        # A revert with a safety snapshot, killed as it reverts a VNFC:
        # finished, every VNFC as the snapshot has it.
        self.mark('after')
        op = self.crash('revert-*-revert@before', inst,
                        'revert_to_snapshot',
                        {'vnfSnapshotInfoId': target,
                         'additionalParams': {'safetySnapshot': True}})
        self.assertEqual('COMPLETED', op['operationState'], op)
        self.assertIn('safetyVnfSnapshot', op['_links'])
        self.assertVnfRunning(disks)
        self.assertEqual({'before'}, set(self.markers().values()))

        # Killed in its safety snapshot: rolled back, nothing reverted.
        self.mark('later')
        files = self.snapshot_files()
        op = self.crash('snapshot-*@after', inst, 'revert_to_snapshot',
                        {'vnfSnapshotInfoId': target,
                         'additionalParams': {'safetySnapshot': True}})
        self.assertEqual('ROLLED_BACK', op['operationState'], op)
        self.assertVnfRunning(disks)
        self.assertEqual({'later'}, set(self.markers().values()))
        self.assertEqual(files, self.snapshot_files())
