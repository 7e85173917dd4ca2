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

"""The fault-injection matrix on real guests (fixtures/crash_matrix.py).

Each cell SIGKILLs vnfsnap at one step of a flow (the test-only hook
vnfsnap.conductor.flows.faults), then restarts the all-in-one (variant
"restart") or lets a second conductor of a split deployment take the
operation over (variant "takeover"), and checks, within a bound, that the
occurrence settled as COMPLETED or ROLLED_BACK and that the VNF is whole:
every guest running, unpaused, thawed, with all its disks; no VNFC snapshot
files the database does not record, none it records missing, no overlay
nothing uses. The guests are shared by the cells of a test and put right
between cells, so that one broken cell does not spoil the next.

Every cell's outcome is collected and printed as a table (the test's
"fault matrix" detail); a test fails when any of its cells does, naming
them. ``VNFSNAP_FAULT_MATRIX=full`` runs every step of every flow, before
and after it; ``=phases`` one step per phase; by default (CI) the cells of
``CI_CELLS``, the riskiest step or two of each case.
"""

import os
import threading
import time

import libvirt
from testtools import content

from vnfsnap.tests.fixtures import crash_matrix as cm
from vnfsnap.tests.fixtures import loopback
from vnfsnap.tests.fixtures import openstack_vnfcs as waiting
from vnfsnap.tests.fixtures import rpc_conductor
from vnfsnap.tests.fixtures import services
from vnfsnap.tests.functional import base
from vnfsnap.tests.functional import libvirt_base
from vnfsnap.vim.libvirt import domain_xml
from vnfsnap_demo import guest_agent
from vnfsnap_demo import scenario

#: Until the killed process is gone, from the request (a TCG guest pauses,
#: freezes and snapshots in seconds; a loaded machine is much slower).
KILL_TIMEOUT = 180
#: Until the occurrence settles after the restart or takeover.
SETTLE_TIMEOUT = 240
#: A freeze guard thaws within this after the conductor died.
FREEZE_DEADLINE = libvirt_base.FREEZE_DEADLINE
#: The deadlines of the host-side guards of a paused, stopped or detached
#: VNFC ([conductor]pause/power_off/detach_deadline), short for the
#: matrix: a cell whose occurrence did not end well is checked only once
#: they passed, so that what the guards put back counts.
GUARD_DEADLINE = 20
GUARDS = {'freeze_deadline': FREEZE_DEADLINE,
          'pause_deadline': GUARD_DEADLINE,
          'power_off_deadline': GUARD_DEADLINE,
          'detach_deadline': GUARD_DEADLINE}

CASES = {
    'create cold': {'quiesce': False},
    'create warm': {'withMemory': True},
    'create quiesced': {'quiesce': True},
    'create pauseVnf': {'withMemory': True, 'pauseVnf': True},
}
#: The cells the gate runs (generic ``step@when`` globs per case): where a
#: VNFC is interrupted or a parallel capture is in flight, and the point
#: of no return of each flow. The rest with VNFSNAP_FAULT_MATRIX=phases or
#: full (see doc/source/contributor/fault-matrix.rst).
CI_CELLS = {
    'create cold': ('record-vnf-snapshot@after',),
    'create warm': ('snapshot-vnfc1@after',),
    'create quiesced': ('unquiesce-vnfc1@before',),
    'create pauseVnf': ('unpause-vnfc1@before',),
    'create (detached volumes)': ('detach-volumes-vnfc1@after',
                                  'quiesce-vnfc1@after',
                                  'snapshot-vnfc1@before'),
    'revert (safety snapshot)': ('snapshot-vnfc1@before',
                                 'snapshot-vnfc1@after',
                                 'revert-vnfc1-revert@after'),
    'package build': ('archive@after',),
    'package upload': ('fetch-package@before',),
    'package extract': ('unpack-package@before', 'import-*@after'),
}
#: The takeover variant's cells (a second conductor finishes the job).
CI_TAKEOVER_CELLS = {
    'create pauseVnf': ('snapshot-vnfc1@after',),
    'revert (safety snapshot)': ('unquiesce-vnfc1@after',),
}
#: Leaves the data volume in, detaches the scratch volume for the capture.
DETACH_DESCRIPTOR = {'vnfcs': {'vdu-counter': {
    'volumes': ['data'], 'detachDisksBefore': True}}}


class MatrixTestCase(libvirt_base.GuestsTestCase):
    """The all-in-one (embedded default) on shared guests."""

    GUESTS = 2
    VARIANT = 'restart'

    def setUp(self):
        super().setUp()
        self.rows = []
        self.cell_number = 0
        self.snapshot_dir = os.path.join(self.tmp, 'state', 'libvirt')
        self.addDetail('fault matrix', content.Content(
            content.UTF8_TEXT, lambda: [cm.table(self.rows).encode()]))
        self.aio = None
        self.target = None
        base.write_config(self.conf, {
            'DEFAULT': {'state_path': os.path.join(self.tmp, 'state'),
                        'host': 'functional'},
            'api': {'port': self.port},
            'conductor': GUARDS})

    # --- processes --------------------------------------------------------

    def start_aio(self, env=None):
        self.aio = self.start([base.command('vnfsnap-all-in-one'),
                               '--config-file', self.conf],
                              port=self.port, env=env,
                              name='vnfsnap-all-in-one')
        self.api = base.Client('http://127.0.0.1:%d' % self.port)
        return self.aio

    def stop_aio(self):
        if self.aio is not None:
            self.aio.stop()
            self.aio = None

    def start_service(self):
        """The service, unarmed, ready for requests."""
        self.start_aio()

    def stop_service(self):
        self.stop_aio()

    def start_faulted(self, env):
        """Start what runs the operation, armed; returns its process."""
        return self.start_aio(env)

    def recover(self, killed):
        """Bring the service back without the fault: the all-in-one
        restarts."""
        killed.stop()
        self.start_aio()

    # --- the VNF ----------------------------------------------------------

    def register_vnf(self, descriptor=None):
        body = scenario.Demo(self.GUESTS).registration(
            self.created)
        if descriptor:
            body['snapshotDescriptor'] = descriptor
        resp = self.api.post('/vnflcm/v2/vnf_instances', json=body)
        self.assertEqual(201, resp.status_code, resp.text)
        self.inst = resp.json()['id']
        self.vnfc_ids = [v['id'] for v in
                         body['instantiatedVnfInfo']['vnfcResourceInfo']]
        return self.inst

    def disks(self):
        return {n: [d['target'] for d in domain_xml.disks(d.XMLDesc(0))]
                for n, d in self.doms.items()}

    def problems(self):
        return cm.vnf_problems(self.api, self.inst, self.doms,
                               self.disks_before, self.snapshot_dir)

    def repair(self):
        """Put every guest back as it was before the cell (running,
        unpaused, thawed, its disks attached), whatever the cell did."""
        for name, dom in self.doms.items():
            state = dom.state()[0]
            if state == libvirt.VIR_DOMAIN_PAUSED:
                dom.resume()
            elif state == libvirt.VIR_DOMAIN_SHUTOFF:
                dom.create()
            guest_agent.wait_for_agent(dom, timeout=cm.AGENT_TIMEOUT)
            if guest_agent.fsfreeze_status(dom) != 'thawed':
                guest_agent.command(dom, 'guest-fsfreeze-thaw')
            self.reattach(name, dom)

    def reattach(self, name, dom):
        """Attach again the disks the guest had before (overridden where a
        test adds disks)."""

    def forget_snapshots(self):
        """Delete every VNF snapshot of the cells (the kept ones stay)."""
        for info in self.api.get('/vnflcm/v2/vnf_snapshots').json():
            if info['id'] not in self.keep():
                self.api.delete('/vnflcm/v2/vnf_snapshots/%s' % info['id'])

    # --- one cell ---------------------------------------------------------

    def request(self, operation, params):
        """POST the task; returns the occurrence's URL."""
        if operation == 'create':
            info = self.api.post('/vnflcm/v2/vnf_snapshots', json={}).json()
            return self.task(self.inst, 'create_snapshot',
                             {'vnfSnapshotInfoId': info['id'],
                              'additionalParams': params})
        return self.task(self.inst, 'revert_to_snapshot',
                         {'vnfSnapshotInfoId': self.target,
                          'additionalParams': params})

    def body(self, operation, params):
        return {'vnfSnapshotInfoId': (self.target if operation == 'revert'
                                      else None),
                'additionalParams': params}

    def run_cell(self, case, operation, params, step, when):
        self.cell_number += 1
        mark = os.path.join(self.tmp, 'fault-%d' % self.cell_number)
        cell = cm.Cell(case, cm.generic(step, self.vnfc_ids),
                       'SIGKILL ' + when, self.VARIANT)
        started = time.monotonic()
        proc = self.start_faulted(cm.fault_env(step, when, mark))
        before = set(self.problems())
        op_url = self.request(operation, params)
        waiting.wait('cell %s %s@%s: a kill or an end' % (case, step, when),
                     cm.settled_or_dead(proc, lambda: cm.op_state(
                         self.api, op_url)['operationState'] in cm.SETTLED),
                     KILL_TIMEOUT, interval=0.5)
        if proc.returncode is None:
            cell.problems.append('step not reached')
        else:
            self.assertEqual('%s@%s' % (step, when), cm.fired(mark))
            self.recover(proc)
        op = cm.wait_settled(self.api, op_url, SETTLE_TIMEOUT)
        cell.state = op['operationState'] if op else ''
        if cell.state not in cm.SETTLED:
            cell.problems.append('not settled in %d s' % SETTLE_TIMEOUT)
        elif cell.state not in cm.GOOD_END:
            cell.problems.append('waits for a person')
        # The guards put VNFCs back by themselves: give them their deadline.
        time.sleep(0 if cell.state in cm.GOOD_END else GUARD_DEADLINE + 5)
        cell.problems += cm.summary(sorted(set(self.problems()) - before))
        cell.seconds = round(time.monotonic() - started, 1)
        cell.record()
        self.rows.append(cell)
        self.settle(op_url, cell)
        return cell

    def settle(self, op_url, cell):
        """Leave nothing of the cell to the next one."""
        path = op_url[op_url.index('/vnflcm'):]
        if cell.state not in cm.SETTLED:
            # Stuck: a restart settles what the dead run left.
            self.stop_service()
            self.start_service()
            cm.wait_settled(self.api, op_url, SETTLE_TIMEOUT)
        if cm.op_state(self.api, op_url)['operationState'] == 'FAILED_TEMP':
            # Roll back what can be (a revert cannot), else give up on it:
            # FAILED_TEMP holds the VNF for the next cell.
            if self.api.post(path + '/rollback').status_code == 202:
                cm.wait_settled(self.api, op_url, SETTLE_TIMEOUT)
            if cm.op_state(self.api, op_url)['operationState'] == \
                    'FAILED_TEMP':
                self.api.post(path + '/fail')
        self.repair()
        self.forget_snapshots()
        self.stop_service()

    def run_matrix(self, case, operation, params):
        """Every cell of ``operation`` as ``params`` ask."""
        if not cm.case_wanted(case):
            return
        steps = cm.list_atoms(self.conf, operation, self.inst,
                              self.body(operation, params))
        ci = (CI_TAKEOVER_CELLS if self.VARIANT == 'takeover'
              else CI_CELLS).get(case, ())
        for step, when in cm.cells(steps, self.vnfc_ids, ci):
            self.guarded(case, self.run_cell, case, operation, params, step,
                         when)

    def guarded(self, case, run, *args):
        """Run one cell; an error of the harness itself (a service that
        did not start again, an API error) is that cell's outcome, and
        the next cell starts from a repaired VNF."""
        try:
            run(*args)
        except Exception as e:
            step, when = args[-2:]
            cell = cm.Cell(case, cm.generic(step, self.vnfc_ids),
                           'SIGKILL ' + when, self.VARIANT, 'error',
                           ['harness: %s' % str(e)[:160]])
            cell.record()
            self.rows.append(cell)
            self.stop_service()
            self.start_service()
            self.repair()
            self.forget_snapshots()
            self.stop_service()

    def assert_matrix(self):
        print('\n' + cm.table(self.rows))
        failed = ['%s %s %s: %s' % (c.case, c.step, c.fault, c.outcome)
                  for c in self.rows if not c.ok]
        self.assertEqual([], failed)

    def prepare_revert(self):
        """A warm snapshot to revert to (the guests go on from the memory
        saved, no boot), kept across cells."""
        self.mark('target')
        self.target = self.snapshot(self.inst, withMemory=True)
        self.mark('current')

    def keep(self):
        """VnfSnapshotInfo ids that outlive cells."""
        return {self.target} if self.target else set()


class TestCreateMatrix(MatrixTestCase):

    def test_create(self):
        self.start_service()
        self.register_vnf()
        self.disks_before = self.disks()
        self.stop_service()
        for case, params in CASES.items():
            self.run_matrix(case, 'create', params)
        self.assert_matrix()


class TestRevertMatrix(MatrixTestCase):

    def test_revert_with_safety_snapshot(self):
        self.start_service()
        self.register_vnf()
        self.disks_before = self.disks()
        self.prepare_revert()
        self.stop_service()
        self.run_matrix('revert (safety snapshot)', 'revert',
                        {'safetySnapshot': True})
        self.assert_matrix()


class TestTakeoverMatrix(MatrixTestCase):
    """Variant 2: a split deployment (vnfsnap-api, two vnfsnap-conductor
    processes over RabbitMQ, PostgreSQL) on the same guests. Conductor-a
    runs the operation and dies at the step; conductor-b, started then,
    takes the operation over once conductor-a missed its heartbeats."""

    VARIANT = 'takeover'
    LIVENESS = {'heartbeat_interval': 1, 'heartbeat_timeout': 5,
                'sweep_interval': 2}

    def setUp(self):
        super().setUp()
        self.rabbit = self.useFixture(services.RabbitMQServer())
        self.db = self.useFixture(services.PostgreSQLServer())
        confs = {}
        for host in ('api', 'conductor-a', 'conductor-b'):
            confs[host] = base.write_config(
                os.path.join(self.tmp, '%s.conf' % host), {
                    'DEFAULT': {'rpc_transport': 'oslo',
                                'transport_url': self.rabbit.transport_url,
                                'state_path': os.path.join(self.tmp,
                                                           'state'),
                                'host': host},
                    'database': {'connection': self.db.url},
                    'api': {'port': self.port},
                    'conductor': dict(self.LIVENESS, **GUARDS)})
        self.conf = confs['api']
        self.confs = confs
        services._run([base.command('vnfsnap-manage'), '--config-file',
                       self.conf, 'db', 'sync'], 'db sync')
        self.start([base.command('vnfsnap-api'), '--config-file',
                    self.conf], port=self.port, name='vnfsnap-api')
        self.api = base.Client('http://127.0.0.1:%d' % self.port)
        self.conductor = None

    def run_conductor(self, host, env=None):
        self.conductor = self.start(
            [base.command('vnfsnap-conductor'), '--config-file',
             self.confs[host]], env=env, name='vnfsnap-' + host)
        return self.conductor

    def start_service(self):
        self.run_conductor('conductor-b')

    def stop_service(self):
        if self.conductor is not None:
            self.conductor.stop()
            self.conductor = None

    def start_faulted(self, env):
        return self.run_conductor('conductor-a', env)

    def recover(self, killed):
        """Conductor-a stays dead; conductor-b takes over."""
        self.run_conductor('conductor-b')

    def test_takeover(self):
        self.start_service()
        self.register_vnf()
        self.disks_before = self.disks()
        self.prepare_revert()
        self.stop_service()
        self.run_matrix('create pauseVnf', 'create',
                        CASES['create pauseVnf'])
        self.run_matrix('revert (safety snapshot)', 'revert',
                        {'safetySnapshot': True})
        self.assert_matrix()


class TestDetachedVolumesMatrix(MatrixTestCase):

    def add_scratch(self, dom):
        """A third disk (vdc, not mounted in the guest), live."""
        path = os.path.join(self.tmp, '%s-scratch.qcow2' % dom.name())
        if not os.path.exists(path):
            services._run(['qemu-img', 'create', '-q', '-f', 'qcow2', path,
                           '16M'], 'qemu-img')
            os.chmod(path, 0o666)
        dom.attachDeviceFlags(
            "<disk type='file' device='disk'><driver name='qemu' "
            "type='qcow2'/><source file='%s'/><target dev='vdc' "
            "bus='virtio'/><serial>scratch</serial></disk>" % path,
            libvirt.VIR_DOMAIN_AFFECT_LIVE | libvirt.VIR_DOMAIN_AFFECT_CONFIG)

    def reattach(self, name, dom):
        if 'vdc' not in self.disks()[name]:
            self.add_scratch(dom)

    def register_vnf(self, descriptor=None):
        for dom in self.doms.values():
            self.add_scratch(dom)
        body = scenario.Demo(self.GUESTS).registration(
            self.created)
        info = body['instantiatedVnfInfo']
        for vnfc in info['vnfcResourceInfo']:
            vnfc['storageResourceIds'].append(vnfc['id'] + '-scratch')
            info['virtualStorageResourceInfo'].append({
                'id': vnfc['id'] + '-scratch',
                'virtualStorageDescId': 'scratch',
                'storageResource': {'vimConnectionId': 'local',
                                    'resourceId': 'vdc'}})
        body['snapshotDescriptor'] = descriptor
        resp = self.api.post('/vnflcm/v2/vnf_instances', json=body)
        self.assertEqual(201, resp.status_code, resp.text)
        self.inst = resp.json()['id']
        self.vnfc_ids = [v['id'] for v in info['vnfcResourceInfo']]

    def test_create_with_detached_volumes(self):
        self.start_service()
        self.register_vnf(DETACH_DESCRIPTOR)
        self.disks_before = self.disks()
        self.stop_service()
        self.run_matrix('create (detached volumes)', 'create', {})
        self.assert_matrix()


class TestInfrastructureFaults(base.FunctionalTestCase,
                               rpc_conductor.ConductorProcesses):
    """Broker and database faults in a split deployment (vnfsnap-api and
    a conductor over RabbitMQ, PostgreSQL), the conductor on the test VIM
    of fixtures/rpc_conductor.py (no guests needed: the faults are not the
    hypervisor's), keeping its VNFC snapshots in a directory that stands
    for the VIM's storage."""

    GUESTS = ('vm-a', 'vm-b', 'vm-c')

    def setUp(self):
        super().setUp()
        self.vim_dir = os.path.join(self.tmp, 'vim')
        os.mkdir(self.vim_dir)
        self.start_split_api(
            api={'rpc_timeout': 20},
            conductor={'sweep_interval': 2, 'heartbeat_interval': 1,
                       'heartbeat_timeout': 30})

    def conductor(self, delay=''):
        return self.start_rpc_conductor(
            'conductor', self.conf, 'vnfsnap-conductor',
            dict(os.environ, VNFSNAP_FAKE_GUESTS=','.join(self.GUESTS),
                 VNFSNAP_FAKE_DELAY=delay, VNFSNAP_FAKE_VIM_DIR=self.vim_dir))

    def create(self):
        inst = self.api.post('/vnflcm/v2/vnf_instances',
                             json=base.registration(self.GUESTS))
        self.assertEqual(201, inst.status_code, inst.text)
        self.inst = inst.json()['id']
        return self.create_again()

    def create_again(self):
        info = self.api.post('/vnflcm/v2/vnf_snapshots', json={}).json()
        resp = self.api.post(
            '/vnflcm/v2/vnf_instances/%s/create_snapshot' % self.inst,
            json={'vnfSnapshotInfoId': info['id']})
        self.assertEqual(202, resp.status_code, resp.text)
        return info['id'], resp.headers['Location']

    def vim_snapshots(self):
        return {f[:-len('.json')] for f in os.listdir(self.vim_dir)}

    def recorded(self):
        return set(cm.recorded_vnfc_snapshots(self.api, self.inst))

    def whole_problems(self, info_id, op):
        """COMPLETED with a snapshot of every VNFC that the VIM holds, or
        ROLLED_BACK with none recorded; nothing half-written."""
        if op is None or op['operationState'] not in cm.GOOD_END:
            return ['occurrence %s' % (op or {}).get('operationState')]
        info = self.api.get('/vnflcm/v2/vnf_snapshots/%s' % info_id).json()
        vnfcs = (info.get('vnfSnapshot') or {}).get('vnfcSnapshots') or []
        if op['operationState'] == 'ROLLED_BACK':
            return ['half-written: %d VNFC snapshots recorded' % len(vnfcs)
                    ] if vnfcs else []
        problems = []
        if len(vnfcs) != len(self.GUESTS):
            problems.append('%d of %d VNFC snapshots recorded'
                            % (len(vnfcs), len(self.GUESTS)))
        missing = self.recorded() - self.vim_snapshots()
        if missing:
            problems.append('%d recorded, not on the VIM' % len(missing))
        return problems

    def settle_cell(self, fault, started, op, problems):
        """Record the outcome as a cell of the matrix, then assert it."""
        cell = cm.Cell('create (test VIM)', '-', fault, 'split',
                       op['operationState'] if op else '', problems,
                       round(time.monotonic() - started, 1))
        cell.record()
        self.addDetail('fault matrix', content.text_content(
            cm.table([cell])))
        self.assertEqual([], problems)

    def next_create_problems(self):
        """The service goes on: a create after the fault completes."""
        info = self.api.post('/vnflcm/v2/vnf_snapshots', json={}).json()
        resp = self.api.post(
            '/vnflcm/v2/vnf_instances/%s/create_snapshot' % self.inst,
            json={'vnfSnapshotInfoId': info['id']})
        if resp.status_code != 202:
            return ['next create refused (%d)' % resp.status_code]
        op = cm.wait_settled(self.api, resp.headers['Location'],
                             SETTLE_TIMEOUT)
        state = op['operationState'] if op else None
        return [] if state == 'COMPLETED' else ['next create %s' % state]

    def test_database_away_10s_mid_operation(self):
        """PostgreSQL stopped for 10 s while a create runs: the create
        pauses and goes on when the database is back."""
        started = time.monotonic()
        self.conductor(delay='create:vm-b:3')
        info_id, op_url = self.create()
        self.api.wait_for_op(op_url, states=('PROCESSING',))
        cm.restart(self, self.db.server, down=10)
        op = cm.wait_settled(self.api, op_url, SETTLE_TIMEOUT)
        problems = self.whole_problems(info_id, op)
        problems += self.next_create_problems()
        self.settle_cell('PostgreSQL away 10 s', started, op, problems)

    def test_rabbitmq_restart_loses_a_cast(self):
        """The API's cast sits in the broker while no conductor listens;
        the broker restarts and loses it: the next conductor's sweep runs
        the recorded operation."""
        started = time.monotonic()
        conductor = self.conductor()
        conductor.stop()
        info_id, op_url = self.create()
        self.rabbit.server = cm.restart(self, self.rabbit.server)
        self.conductor()
        op = cm.wait_settled(self.api, op_url, SETTLE_TIMEOUT)
        problems = self.whole_problems(info_id, op)
        # The API reconnected to the restarted broker.
        problems += self.next_create_problems()
        self.settle_cell('RabbitMQ restart, cast lost', started, op,
                         problems)

    def test_rabbitmq_restart_loses_a_reply(self):
        """DELETE of a VNF snapshot is an RPC call; the broker restarts
        while the conductor deletes, so its reply is lost: the client gets
        a 503 problem (not a hang), and the snapshot is either gone or
        whole, the database agreeing with the VIM; DELETE again settles
        it."""
        started = time.monotonic()
        first = self.conductor()
        info_id, op_url = self.create()
        op = self.api.wait_for_op(op_url, timeout=SETTLE_TIMEOUT)
        self.assertEqual('COMPLETED', op['operationState'], op)
        first.stop()
        self.conductor(delay=','.join(
            'delete:%s:8' % h for h in sorted(self.recorded())))
        result = {}
        caller = threading.Thread(target=lambda: result.update(
            resp=self.api.delete('/vnflcm/v2/vnf_snapshots/%s' % info_id)))
        caller.start()
        self.addCleanup(caller.join)
        time.sleep(3)
        self.rabbit.server = cm.restart(self, self.rabbit.server)
        caller.join(120)
        resp = result['resp']
        problems = []
        if resp.status_code not in (204, 503) or (
                resp.status_code == 503 and resp.headers['Content-Type']
                != 'application/problem+json'):
            problems.append('DELETE answered %d %s' % (resp.status_code,
                                                       resp.text[:80]))
        path = '/vnflcm/v2/vnf_snapshots/%s' % info_id
        waiting.wait('DELETE after the broker restart',
                     lambda: self.api.delete(path).status_code in (204, 404),
                     SETTLE_TIMEOUT)
        if self.recorded():
            problems.append('VNFC snapshots still recorded')
        self.settle_cell('RabbitMQ restart, reply lost (DELETE %d)'
                         % resp.status_code, started, op, problems)


class TestLibvirtdRestart(MatrixTestCase):
    """libvirtd restarted while a quiesced create waits on a guest's
    freeze (a freeze hook in the guest makes it take ``HOOK_SECONDS``).
    Only a libvirtd the tests started is ever restarted: when one was
    running before, the test is skipped.  The restart waits until the
    other worker's guest tests have left libvirtd (LibvirtDaemons)."""

    HOOK_SECONDS = 20
    HOOK = '/etc/qemu/fsfreeze-hook.d/slow'

    def setUp(self):
        super().setUp()
        if not any(d.name == 'libvirtd' for d in self.daemons.started):
            self.skipTest('libvirtd was running before the tests; this '
                          'test restarts only a libvirtd they started')

    def slow_freeze(self, dom, on=True):
        if on:
            guest_agent.sh(dom, 'mkdir -p %s' % os.path.dirname(self.HOOK))
            guest_agent.write_file(
                dom, self.HOOK, b'#!/bin/sh\n[ "$1" = freeze ] && sleep %d\n'
                b'exit 0\n' % self.HOOK_SECONDS)
            guest_agent.sh(dom, 'chmod 755 %s' % self.HOOK)
        else:
            guest_agent.remove_file(dom, self.HOOK)

    def restart_libvirtd(self):
        self.assertTrue(self.daemons.restart_libvirtd(timeout=120),
                        'libvirtd is no longer one the tests started')
        # Closed by the daemons fixture, after the clean-ups that use it.
        self.conn = self.daemons.connect()
        self.doms = {td.name: td.lookup(self.conn) for td in self.created}

    def test_libvirtd_restarted_mid_create(self):
        self.start_service()
        self.register_vnf()
        self.disks_before = self.disks()
        first = self.doms[self.created[0].name]
        self.slow_freeze(first)
        cell = cm.Cell('create quiesced', 'quiesce-vnfc1 (in the hook)',
                       'libvirtd restarted', 'live',
                       good=('COMPLETED', 'ROLLED_BACK', 'FAILED_TEMP'))
        started = time.monotonic()
        op_url = self.request('create', {'quiesce': True})
        # The driver arms the freeze guard right before it asks for the
        # freeze, which the guest's hook then holds for HOOK_SECONDS.
        token = os.path.join(self.snapshot_dir, first.UUIDString(),
                             'guards', 'freeze.token')
        waiting.wait('freeze of %s asked' % first.name(),
                     lambda: os.path.exists(token), KILL_TIMEOUT)
        self.restart_libvirtd()
        op = cm.wait_settled(self.api, op_url, SETTLE_TIMEOUT)
        cell.state = op['operationState'] if op else ''
        # The guest's hook ends, the guest freezes; the guard or the undo
        # thaws it (the guard keeps trying for reconnect_timeout).
        deadline = time.monotonic() + self.HOOK_SECONDS + SETTLE_TIMEOUT
        while self.problems() and time.monotonic() < deadline:
            time.sleep(1)
        cell.problems = cm.summary(self.problems())
        cell.seconds = round(time.monotonic() - started, 1)
        cell.record()
        self.rows.append(cell)
        self.slow_freeze(self.doms[self.created[0].name], on=False)
        self.settle(op_url, cell)
        # vnfsnap works with the new libvirtd.
        self.start_service()
        self.snapshot(self.inst, quiesce=True)
        self.assert_matrix()


class ZipHandler(loopback.QuietHandler):
    """Serves the server's ``zip_path`` at any URL."""

    def do_GET(self):
        with open(self.server.zip_path, 'rb') as f:
            data = f.read()
        self.send_response(200)
        self.send_header('Content-Type', 'application/zip')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class TestPackageMatrix(MatrixTestCase):
    """Package jobs killed at each step: build, upload from a URI (the
    zip served by the test on loopback) and extract into the VNF."""

    GOOD = ('AVAILABLE',)

    def setUp(self):
        super().setUp()
        self.web = loopback.Server(ZipHandler)
        self.addCleanup(self.web.stop)
        self.web.server.zip_path = os.path.join(self.tmp, 'package.zip')
        with open(self.conf, 'a') as f:
            f.write('\n[package_import]\nallowed_schemes = http\n'
                    'allowed_ports = %d\nallowed_hosts = 127.0.0.1\n'
                    'allowed_networks = 127.0.0.1/32\n' % self.web.port)
        self.pkgs = set()

    def pkgm(self):
        return base.Client('http://127.0.0.1:%d' % self.port,
                           version='1.2.0')

    def keep(self):
        return {self.source}

    def package_request(self, operation):
        """Start ``operation`` on a package; returns the package's id."""
        pkgm = self.pkgm()
        if operation == 'extract':
            pkg_id, path, body = self.built, 'extract', {
                'vnfInstanceId': self.inst}
        else:
            pkg_id = self.new_pkg(pkgm, 'fault-matrix')
            path, body = {
                'build': ('build', {'vnfSnapshotInfoId': self.source}),
                'upload': ('upload_from_uri', {
                    'addressInformation': '%s/package.zip' % self.web.base}),
            }[operation]
        url = '%s/%s/package_content/%s' % (base.PKGM, pkg_id, path)
        resp = pkgm.post(url, json=body)
        self.assertEqual(202, resp.status_code, resp.text)
        return pkg_id

    def pkg_state(self, pkg_id):
        return self.pkgm().get('%s/%s' % (base.PKGM, pkg_id)).json()

    def run_pkg_cell(self, operation, step, when):
        self.cell_number += 1
        mark = os.path.join(self.tmp, 'fault-%d' % self.cell_number)
        cell = cm.Cell('package ' + operation,
                       cm.generic(step, self.vnfc_ids), 'SIGKILL ' + when,
                       self.VARIANT, good=self.GOOD)
        started = time.monotonic()
        proc = self.start_faulted(cm.fault_env(step, when, mark))
        before = set(self.problems())
        pkg_id = self.package_request(operation)
        waiting.wait('cell %s %s@%s: a kill or an end' % (operation, step,
                                                          when),
                     cm.settled_or_dead(proc, lambda: self.pkg_state(pkg_id)[
                         'state'] not in base.PKG_BUSY),
                     KILL_TIMEOUT, interval=0.5)
        if proc.returncode is None:
            cell.problems.append('step not reached')
        else:
            self.recover(proc)
        pkg = self.wait_for_pkg(self.pkgm(), pkg_id, timeout=SETTLE_TIMEOUT)
        cell.state = pkg['state']
        if cell.state not in self.GOOD:
            cell.problems.append((pkg.get('failureDetails') or {}).get(
                'detail', 'no reason given')[:120])
        cell.problems += cm.summary(sorted(set(self.problems()) - before))
        cell.seconds = round(time.monotonic() - started, 1)
        cell.record()
        self.rows.append(cell)
        if pkg_id != self.built:
            self.pkgm().delete('%s/%s' % (base.PKGM, pkg_id))
        self.repair()
        self.forget_snapshots()
        self.stop_service()

    def problems(self):
        return super().problems() + cm.package_problems(
            self.pkgm(), os.path.join(self.tmp, 'state'))

    def test_package_jobs(self):
        self.start_service()
        self.register_vnf()
        self.disks_before = self.disks()
        self.source = self.snapshot(self.inst, withMemory=True)
        pkgm = self.pkgm()
        self.built = self.new_pkg(pkgm, 'source')
        resp = pkgm.post('%s/%s/package_content/build' % (base.PKGM,
                                                          self.built),
                         json={'vnfSnapshotInfoId': self.source})
        self.assertEqual(202, resp.status_code, resp.text)
        self.assertEqual('AVAILABLE',
                         self.wait_for_pkg(pkgm, self.built)['state'])
        self.download_pkg(pkgm, self.built, self.web.server.zip_path)
        self.stop_service()
        for operation, body in (
                ('build', {'vnfSnapshotInfoId': self.source}),
                ('upload', {'addressInformation': self.web.base}),
                ('extract', {'vnfSnapshotInfoId': self.source,
                             'vnfInstanceId': self.inst})):
            steps = cm.list_atoms(self.conf, operation, self.built, body)
            if not cm.case_wanted('package ' + operation):
                continue
            for step, when in cm.cells(
                    steps, self.vnfc_ids,
                    CI_CELLS.get('package ' + operation, ())):
                self.guarded('package ' + operation, self.run_pkg_cell,
                             operation, step, when)
        self.assert_matrix()
