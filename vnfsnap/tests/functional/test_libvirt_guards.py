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

"""Guards: the host-side owners that put a VNFC back when the conductor that
paused it, stopped it or detached a volume from it is gone for good.

The all-in-one is SIGKILLed by the fault hook right after the step that
interrupted the guest and is NOT restarted: the guard alone must resume,
start or re-attach by the (short) deadline. A normal run releases every
guard: no guard process or token is left, and the operation occurrence
shows them released.
"""

import glob
import json
import os
import time

import libvirt
from testtools import content

from vnfsnap.tests.fixtures import guest_disks
from vnfsnap.tests.functional import base
from vnfsnap.tests.functional import libvirt_base
from vnfsnap.vim.libvirt import domain_xml
from vnfsnap.vim.libvirt import guard
from vnfsnap_demo import scenario

DEADLINES = {'pause_deadline': 8, 'power_off_deadline': 20,
             'detach_deadline': 10}
# The guard's script, as its processes name it.
GUARD = os.path.abspath(guard.__file__).encode()
# Generous: a loaded machine, a guard polling, libvirt acting.
MARGIN = 30


def _guard_pids(root):
    """Pids of the guard processes whose token lies under ``root``."""
    pids = []
    for pid in os.listdir('/proc'):
        try:
            with open('/proc/%s/cmdline' % pid, 'rb') as f:
                argv = f.read().split(b'\0')
        except OSError:
            continue
        if GUARD in argv and any(
                a.startswith(root.encode()) for a in argv):
            pids.append(int(pid))
    return pids


class TestGuards(libvirt_base.GuestsTestCase):

    GUESTS = 1

    def setUp(self):
        super().setUp()
        with open(self.conf, 'a') as f:
            f.write('\n[libvirt]\nshutdown_timeout = 5\n')
            f.write('[conductor]\n' + ''.join(
                '%s = %d\n' % kv for kv in DEADLINES.items()))
        self.dom = next(iter(self.doms.values()))
        self.state_dir = os.path.join(self.tmp, 'state')

    def start_killed_at(self, step):
        """The all-in-one, armed to SIGKILL itself after ``step``."""
        self.mark_file = os.path.join(self.tmp, 'fault.mark')
        self.proc = self.start(
            [base.command('vnfsnap-all-in-one'), '--config-file',
             self.conf], port=self.port, name='vnfsnap-all-in-one',
            env={'VNFSNAP_FAULT_AT': step,
                 'VNFSNAP_FAULT_MARK': self.mark_file})
        self.api = base.Client('http://127.0.0.1:%d' % self.port)

    def register(self, descriptor=None, scratch=False):
        body = scenario.Demo(self.GUESTS).registration(self.created)
        vnfc = body['instantiatedVnfInfo']['vnfcResourceInfo'][0]
        if scratch:
            guest_disks.add_scratch(self.dom, self.tmp)
            vnfc['storageResourceIds'].append('scratch')
            body['instantiatedVnfInfo']['virtualStorageResourceInfo'].append(
                {'id': 'scratch', 'virtualStorageDescId': 'scratch',
                 'storageResource': {'vimConnectionId': 'local',
                                     'resourceId': 'vdc'}})
        if descriptor:
            body['snapshotDescriptor'] = {'vnfcs': {vnfc['vduId']:
                                                    descriptor}}
        resp = self.api.post('/vnflcm/v2/vnf_instances', json=body)
        self.assertEqual(201, resp.status_code, resp.text)
        return resp.json()['id']

    def create_and_die(self, inst, **params):
        """Start a create; return once the process killed itself."""
        info = self.api.post('/vnflcm/v2/vnf_snapshots', json={}).json()
        self.task(inst, 'create_snapshot', {'vnfSnapshotInfoId': info['id'],
                                            'additionalParams': params})
        end = time.monotonic() + 180
        while self.proc.process.poll() is None:
            self.assertLess(time.monotonic(), end, 'the fault never fired')
            time.sleep(0.2)
        self.assertTrue(os.path.exists(self.mark_file))
        return time.monotonic()

    def wait_until(self, check, since, deadline, what):
        while not check():
            self.assertLess(time.monotonic() - since, deadline + MARGIN,
                            '%s: not done by the guard in time' % what)
            time.sleep(0.2)
        took = time.monotonic() - since
        self.addDetail('%s_after_s' % what, content.text_content(
            '%.1f s after the conductor died' % took))
        return took

    def wait_logged(self, outcome, since, deadline):
        """The guard logs its outcome once libvirt's call returned and
        the connection closed, which may be after the domain already
        shows the change (ci55: started; the gate at a15d5c0: resumed)."""
        self.wait_until(lambda: outcome in self.guard_log(), since,
                        deadline, '%s logged' % outcome.split()[0])

    def assertNoGuardLeft(self):
        """The guard processes exit once released or done (polled: the
        last one may still be writing its outcome)."""
        end = time.monotonic() + 30
        while _guard_pids(self.state_dir):
            self.assertLess(time.monotonic(), end, 'guard processes left: %s'
                            % _guard_pids(self.state_dir))
            time.sleep(0.2)

    def guard_log(self):
        paths = glob.glob(os.path.join(self.state_dir, 'libvirt', '*',
                                       'guard.log'))
        text = ''.join(open(p).read() for p in paths)
        self.addDetail('guard.log', content.text_content(text))
        return text

    def test_paused_vnfc_resumed_by_guard_after_conductor_killed(self):
        self.start_killed_at('pause-*@after')
        inst = self.register()
        died = self.create_and_die(inst, pauseVnf=True)
        self.assertEqual(libvirt.VIR_DOMAIN_PAUSED, self.dom.state()[0])
        self.wait_until(
            lambda: self.dom.state()[0] == libvirt.VIR_DOMAIN_RUNNING, died,
            DEADLINES['pause_deadline'], 'resume')
        self.wait_logged('resumed', died, DEADLINES['pause_deadline'])
        self.assertIn('undoing it', self.guard_log())
        self.assertNoGuardLeft()

    def test_stopped_vnfc_started_by_guard_after_conductor_killed(self):
        self.start_killed_at('power-off-*@after')
        inst = self.register({'powerOffBefore': True})
        died = self.create_and_die(inst)
        self.assertFalse(self.dom.isActive())
        # Running as it was before (libvirt shows a starting domain
        # paused for a moment).
        self.wait_until(
            lambda: self.dom.state()[0] == libvirt.VIR_DOMAIN_RUNNING, died,
            DEADLINES['power_off_deadline'], 'start')
        self.wait_logged('started', died, DEADLINES['power_off_deadline'])
        self.assertNoGuardLeft()

    def targets(self, flags):
        return {d.find('target').get('dev') for d in domain_xml.parse(
                self.dom.XMLDesc(flags)).findall('./devices/disk')}

    def test_detached_volume_attached_by_guard_after_conductor_killed(self):
        self.start_killed_at('detach-volumes-*@after')
        inst = self.register({'volumes': ['data'],
                              'detachDisksBefore': True}, scratch=True)
        died = self.create_and_die(inst)
        self.assertNotIn('vdc', self.targets(0))
        self.wait_until(
            lambda: {'vdc'} <= self.targets(0) & self.targets(
                libvirt.VIR_DOMAIN_XML_INACTIVE), died,
            DEADLINES['detach_deadline'], 'attach')
        self.wait_logged('attached scratch again', died,
                         DEADLINES['detach_deadline'])
        self.assertNoGuardLeft()

    def test_normal_run_releases_every_guard(self):
        self.start_service()
        inst = self.register({'volumes': ['data'],
                              'detachDisksBefore': True}, scratch=True)
        info = self.api.post('/vnflcm/v2/vnf_snapshots', json={}).json()
        op = self.api.wait_for_op(self.task(
            inst, 'create_snapshot', {'vnfSnapshotInfoId': info['id'],
                                      'additionalParams': {
                                          'pauseVnf': True}}), timeout=180)
        self.assertEqual('COMPLETED', op['operationState'], op)
        self.addDetail('guards', content.text_content(
            json.dumps(op['guards'], indent=1)))
        guards = {(g['kind'], g['state']) for g in op['guards']}
        self.assertEqual({('pause', 'released'), ('detach', 'released')},
                         guards)
        for g in op['guards']:
            self.assertIn('deadline', g)
            self.assertNotIn('diskXml', g)
        self.assertEqual([], glob.glob(os.path.join(
            self.state_dir, 'libvirt', '*', 'guards', '*')))
        self.assertNoGuardLeft()
        self.assertEqual(libvirt.VIR_DOMAIN_RUNNING, self.dom.state()[0])
        self.assertIn('vdc', self.targets(0))
