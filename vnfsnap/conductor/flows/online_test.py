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

"""A guarded online test (GR NFV-TST 005 clause 4.1.1) as a taskflow flow.

probe the baseline (a VNF unhealthy to begin with is left untouched) →
snapshot the VNFCs in scope (the create-snapshot steps) → inject the
fault → wait the expected recovery time, probing as it goes → judge →
PASS: take the fault back, keep or delete the snapshot; FAIL: snapshot
the failed state (with memory where the VIM can), revert to the pre-test
snapshot (the revert steps), probe again, build a VNF snapshot package of
the failed state.

Every step is persisted like those of the other flows. Until the verdict
is recorded, a failure, an abort (the occurrence's cancel) or a conductor
that died undoes the run: the undo of the injection takes the fault back
and reverts the VNF to the pre-test snapshot, then that snapshot goes.
Once judged, a resumed run finishes (each later step is safe to run
again). See doc/source/user/online-tests.rst.
"""

import abc
import datetime
import time

from oslo_log import log as logging
from oslo_utils import timeutils
from oslo_utils import uuidutils
import requests
from taskflow import states as tf_states
from taskflow import task
from taskflow.patterns import linear_flow
from taskflow.patterns import unordered_flow

from vnfsnap import store
from vnfsnap.common import context as vnfsnap_context
from vnfsnap.common import exception
from vnfsnap.common import probe_targets
from vnfsnap.common import states
from vnfsnap.common import views
from vnfsnap.conductor import probes
from vnfsnap.conductor import rpcapi
from vnfsnap.conductor.flows import common
from vnfsnap.conductor.flows import create_snapshot
from vnfsnap.conductor.flows import revert_to_snapshot
from vnfsnap.conductor.flows import vnfc_revert
from vnfsnap.db import api as db_api

LOG = logging.getLogger(__name__)

OPERATION = states.ONLINE_TEST
# Probe rounds a record keeps (the baseline and the latest).
KEEP_ROUNDS = 200
DEFAULT_INTERVAL = 2
WEBHOOK_TIMEOUT = 10
# What each fault needs of the VIM (Capabilities fields).
_FAULT_NEEDS = {'STOP_VNFC': 'stop', 'PAUSE_VNFC': 'pause',
                'RESET_VNFC': 'reset', 'LINK_DOWN': 'link_state',
                'GUEST_COMMAND': 'guest_exec'}


class _Probing:
    """What the probes of one round need: the VNFCs and their drivers."""

    def __init__(self, test_id, instance, drivers, phase):
        self.test_id, self.instance_id = test_id, instance.id
        self.phase = phase
        self._drivers = drivers
        self._vnfcs = {v.id: v for v in common.resolve_vnfcs(
            instance, owner=test_id)}

    def vnfc(self, vnfc_id):
        vnfc = self._vnfcs[vnfc_id]
        return vnfc, self._drivers.for_resource(vnfc.compute_resource)


def _probe(test_id, instance_id, phase):
    """One round of every probe of the test, added to its record."""
    instance = db_api.get_vnf_instance(None, instance_id)
    test = db_api.get_online_test(None, test_id)
    context = _Probing(test_id, instance,
                       common.Drivers(instance.vim_connection_info), phase)
    result = probes.run_round(test.request['probes'], context)
    db_api.add_probe_round(test_id, result, KEEP_ROUNDS)
    return result


def _stamp():
    """Now, as the record shows times (SOL013 date-time)."""
    return views.isotime_ms(timeutils.utcnow())


def _phase(test_id, phase, **values):
    return db_api.update_online_test(test_id, phase=phase, **values)


class ProbeBaseline(task.Task):
    """The criteria measured before anything is done; a VNF that does not
    pass them is not tested (nothing was touched)."""

    def __init__(self):
        super().__init__(name='probe-baseline')

    def execute(self, op_id, instance_id):
        _phase(op_id, 'BASELINE')
        result = _probe(op_id, instance_id, 'baseline')
        if not result['passed']:
            failed = [r['probeId'] for r in result['results']
                      if not r['passed']]
            raise exception.Conflict(
                'VNF instance %s is not healthy before the test (probe(s) '
                '%s failed); nothing was done to it'
                % (instance_id, ', '.join(failed)))


def _capture(op_id, instance, drivers, capture_plan, info_id, snapshot_id,
             purpose):
    """Snapshot the VNFCs of ``capture_plan`` into the empty VNF snapshot
    ``info_id`` with the create-snapshot steps (run within this step: a
    conductor dying in them leaves the snapshot names recorded under the
    occurrence, whose undo deletes what they made)."""
    vnfcs = {v.id: v for v in common.resolve_vnfcs(instance, owner=op_id)}
    flow = linear_flow.Flow('capture-%s' % info_id)
    recorded = create_snapshot.add_capture(flow, capture_plan, vnfcs,
                                           drivers, info_id)
    flow.add(create_snapshot.RecordVnfSnapshot(*recorded))
    common.run(flow, {'op_id': op_id, 'info_id': info_id,
                      'snapshot_id': snapshot_id, 'started': common.now(),
                      'instance_id': instance.id,
                      'user_defined_data': {'vnfsnapOnlineTest': op_id,
                                            'vnfsnapPurpose': purpose}})


def _empty_info(info_id, project_id):
    """The VNF snapshot resource a capture fills, made once."""
    try:
        return db_api.get_vnf_snapshot_info(None, info_id)
    except exception.VnfSnapshotInfoNotFound:
        return db_api.create_vnf_snapshot_info(
            {'id': info_id, 'project_id': project_id})


def delete_snapshot(info_id):
    """Delete a VNF snapshot the test took, VIM side first; harmless when
    it is gone."""
    try:
        info = db_api.get_vnf_snapshot_info(None, info_id)
    except exception.VnfSnapshotInfoNotFound:
        return
    drivers = common.Drivers(common.snapshot_vim_connection_info(info))
    for row in info.vnfc_snapshots:
        drivers.for_resource(row.compute_snapshot_resource or {}) \
            .delete_vnfc_snapshot(common.vnfc_snapshot_dict(row))
    db_api.delete_vnf_snapshot_info(None, info_id)
    if info.snapshot_vnf_state_key:
        store.delete_vnf_state(info_id)


class SnapshotPreTest(task.Task):
    """The snapshot the VNF is restored from when it does not recover."""

    def __init__(self, instance, drivers, plan):
        super().__init__(name='snapshot-pre-test')
        self.instance, self.drivers, self.plan = instance, drivers, plan

    def execute(self, op_id):
        info_id = self.plan['preTestInfoId']
        _phase(op_id, 'SNAPSHOT')
        info = _empty_info(info_id, self.instance.project_id)
        if info.snapshot_id is None:
            # A run cut off inside the capture left its names: go first.
            common.delete_leftovers(db_api.get_op_occ(None, op_id),
                                    self.instance)
            _capture(op_id, self.instance, self.drivers,
                     self.plan['capture'], info_id,
                     self.plan['preTestSnapshotId'], 'pre-test')
        db_api.update_online_test(op_id,
                                  pre_test_vnf_snapshot_info_id=info_id)

    def revert(self, op_id, *args, **kwargs):
        if db_api.get_online_test(None, op_id).verdict is not None:
            return      # judged: the snapshot is part of the record
        op = db_api.get_op_occ(None, op_id)
        common.undo('delete what the pre-test snapshot left',
                    common.delete_leftovers, op, self.instance)
        if common.undo('delete the pre-test snapshot %s'
                       % self.plan['preTestInfoId'], delete_snapshot,
                       self.plan['preTestInfoId']):
            db_api.update_online_test(op_id,
                                      pre_test_vnf_snapshot_info_id=None)


def _post(url, body):
    probe_targets.check_url(url)
    resp = requests.post(url, json=body, timeout=WEBHOOK_TIMEOUT,
                         allow_redirects=False)
    resp.close()
    if not 200 <= resp.status_code < 300:
        raise exception.VnfsnapException(
            'the fault injector %s answered %d' % (url, resp.status_code))


class Faults:
    """Injects the test's fault and takes it back (the VNF's state itself
    comes back with the revert to the pre-test snapshot)."""

    def __init__(self, test_id, instance, drivers, fault):
        self.test_id, self.instance = test_id, instance
        self.drivers, self.fault = drivers, fault
        self.vnfc = self.driver = None
        if fault.get('vnfcInstanceId'):
            self.vnfc = {v.id: v for v in common.resolve_vnfcs(
                instance, owner=test_id)}[fault['vnfcInstanceId']]
            self.driver = drivers.for_resource(self.vnfc.compute_resource)

    def _storage(self):
        return next(s for s in self.vnfc.storage_resources
                    if s['id'] == self.fault['storageResourceId'])

    def inject(self):
        """Returns what taking it back needs (JSON)."""
        kind, vnfc, driver = self.fault['type'], self.vnfc, self.driver
        if kind == 'STOP_VNFC':
            driver.stop_vnfc(vnfc)
        elif kind == 'PAUSE_VNFC':
            driver.pause_vnfc(vnfc)
        elif kind == 'RESET_VNFC':
            driver.reset_vnfc(vnfc)
        elif kind == 'LINK_DOWN':
            return {'macAddresses': driver.set_link_state(
                vnfc, False, self.fault.get('macAddress'))}
        elif kind == 'DETACH_VOLUME':
            return {'detached': driver.detach_volume(vnfc, self._storage())}
        elif kind == 'GUEST_COMMAND':
            answer = driver.guest_exec(vnfc, self.fault['command'],
                                       self.fault.get('timeout', 10))
            return {'exitStatus': answer.exit_status,
                    'stdout': answer.stdout[:1024],
                    'stderr': answer.stderr[:1024]}
        elif kind == 'WEBHOOK':
            _post(self.fault['url'], {'action': 'inject',
                                      'onlineTestId': self.test_id,
                                      'vnfInstanceId': self.instance.id})
        return {}

    def take_back(self, injected):
        """Undo what the fault changed outside the guest (each safe to
        repeat); a guest command's effect goes with the revert only."""
        kind, vnfc, driver = self.fault['type'], self.vnfc, self.driver
        injected = injected if isinstance(injected, dict) else {}
        if kind == 'STOP_VNFC':
            driver.start_vnfc(vnfc)
        elif kind == 'PAUSE_VNFC':
            if driver.power_state(vnfc) == 'paused':
                driver.unpause_vnfc(vnfc)
        elif kind == 'LINK_DOWN':
            driver.set_link_state(vnfc, True, self.fault.get('macAddress'))
        elif kind == 'DETACH_VOLUME' and injected.get('detached'):
            driver.attach_volume(vnfc, self._storage(), injected['detached'])
        elif kind == 'WEBHOOK':
            _post(self.fault['url'], {'action': 'restore',
                                      'onlineTestId': self.test_id,
                                      'vnfInstanceId': self.instance.id})


def revert_vnf(op_id, instance, info_id, drivers):
    """Revert the VNFCs of VNF snapshot ``info_id`` with the revert
    steps (every VNFC checked before the first is touched; a libvirt
    revert is safe to run again)."""
    info = db_api.get_vnf_snapshot_info(None, info_id)
    current = {v.id: v for v in common.resolve_vnfcs(instance, owner=op_id)}
    checks = unordered_flow.Flow('check-revert')
    reverts = unordered_flow.Flow('revert')
    for row in info.vnfc_snapshots:
        vnfc = current[row.vnfc_resource_info_id]
        driver = drivers.for_resource(vnfc.compute_resource)
        snap = common.vnfc_snapshot_dict(row)
        checks.add(revert_to_snapshot.CheckRevert(vnfc, driver, snap))
        reverts.add(vnfc_revert.build(vnfc, driver, snap, instance.id))
    flow = linear_flow.Flow('restore-%s' % op_id).add(checks, reverts)
    common.run(flow, {'op_id': op_id})


def restore(op_id, instance, drivers, injected=None):
    """Put the VNF back as it was before the test: the fault taken back,
    the VNFCs reverted to the pre-test snapshot; recorded as
    ``fault.restoredAt``. Raises when it could not."""
    test = db_api.get_online_test(None, op_id)
    fault = dict(test.fault or {})
    if fault.get('restoredAt'):
        return
    _phase(op_id, 'RESTORING')
    faults = Faults(op_id, instance, drivers, test.request['fault'])
    common.undo('take the fault of online test %s back' % op_id,
                faults.take_back, injected or fault.get('injected'))
    revert_vnf(op_id, instance, test.pre_test_vnf_snapshot_info_id,
               drivers)
    fault['restoredAt'] = _stamp()
    _phase(op_id, 'RESTORED', fault=fault)
    LOG.info('Online test %s: VNF instance %s restored from the pre-test '
             'snapshot %s', op_id, instance.id,
             test.pre_test_vnf_snapshot_info_id)


class InjectFault(task.Task):
    """Inject the fault; its undo restores the VNF. The fault is recorded
    before it is injected: a conductor dying in between leaves a record
    that makes the resumed run restore the VNF."""

    def __init__(self, instance, drivers, fault):
        super().__init__(name='inject-fault', provides='injected')
        self.instance, self.drivers, self.fault = instance, drivers, fault

    def execute(self, op_id):
        record = {'request': self.fault, 'injectedAt': _stamp()}
        _phase(op_id, 'INJECTED', fault=record)
        LOG.warning('Online test %s: injecting %s into VNF instance %s',
                    op_id, self.fault['type'], self.instance.id)
        injected = Faults(op_id, self.instance, self.drivers,
                          self.fault).inject()
        record = dict(record, injected=injected)
        db_api.update_online_test(op_id, fault=record)
        return record

    def revert(self, op_id, *args, **kwargs):
        common.undo('restore VNF instance %s after online test %s'
                    % (self.instance.id, op_id), restore, op_id,
                    self.instance, self.drivers)


class WaitRecovery(task.Task):
    """Probe every interval for the expected recovery time; the time to
    recover is from the injection to the first round since which every
    round passed. An abort stops it (and so undoes the run)."""

    def __init__(self, request):
        super().__init__(name='wait-recovery', provides='recovery',
                         requires=['injected'])
        self.window = request['expectedRecoveryTime']
        self.interval = request.get('probeInterval', DEFAULT_INTERVAL)

    def execute(self, op_id, instance_id, injected):
        start = common.as_datetime(injected['injectedAt'])
        end = start + _seconds(self.window)
        since = None
        cancel = common.CheckCancel(name='check-cancel-wait')
        while True:
            cancel.execute(op_id)
            result = _probe(op_id, instance_id, 'recovery')
            if not result['passed']:
                since = None
            elif since is None:
                since = common.as_datetime(result['at'].rstrip('Z'))
            now = timeutils.utcnow()
            if now >= end:
                break
            _sleep_until(min(end, now + _seconds(self.interval)), op_id)
        recovery = None
        if since is not None:
            recovery = round(max(0.0, (since - start).total_seconds()), 3)
        db_api.update_online_test(op_id, recovery_time=recovery)
        return {'recoveryTime': recovery}


def _seconds(value):
    return datetime.timedelta(seconds=value)


def _sleep_until(when, op_id):
    left = (when - timeutils.utcnow()).total_seconds()
    if left > 0:
        time.sleep(left)


class Judge(task.Task):
    """Measure again and compare with the baseline: PASS when every probe
    (all passed at the baseline) passes again and the VNF had recovered
    within the expected time. The point of no return: once the verdict is
    recorded, the run is finished, never undone."""

    def __init__(self):
        super().__init__(name='judge', provides='verdict',
                         requires=['recovery'])

    def execute(self, op_id, instance_id, recovery):
        test = db_api.get_online_test(None, op_id)
        if test.verdict is not None:
            return test.verdict
        result = _probe(op_id, instance_id, 'judgement')
        verdict = (states.VERDICT_PASS
                   if result['passed'] and recovery['recoveryTime']
                   is not None else states.VERDICT_FAIL)
        _phase(op_id, 'JUDGED', verdict=verdict)
        LOG.info('Online test %s of VNF instance %s: %s (recovery time %s '
                 's)', op_id, instance_id, verdict, recovery['recoveryTime'])
        return verdict


class _VerdictStep(task.Task):
    """A step after the verdict. Each is safe to run again (a resumed run
    repeats the one it was in)."""

    def __init__(self, name, instance, drivers, plan, request):
        super().__init__(name=name, requires=['verdict'])
        self.instance, self.drivers = instance, drivers
        self.plan, self.request = plan, request


class _AfterVerdict(_VerdictStep):
    """A step of one verdict's path (``VERDICT``); the other's passes it
    by."""

    VERDICT = None

    def execute(self, op_id, verdict):
        if verdict == self.VERDICT:
            self.run(op_id)

    @abc.abstractmethod
    def run(self, op_id):
        """What the step does on its verdict's path."""


class CleanUpPass(_AfterVerdict):
    """PASS: take the fault back (a stopped VNFC the VNF did without is
    started again...), then keep or delete the snapshot as asked."""

    VERDICT = states.VERDICT_PASS

    def run(self, op_id):
        test = db_api.get_online_test(None, op_id)
        fault = dict(test.fault or {})
        _phase(op_id, 'CLEANUP')
        if not fault.get('restoredAt'):
            Faults(op_id, self.instance, self.drivers,
                   self.request['fault']).take_back(fault.get('injected'))
            fault['restoredAt'] = _stamp()
            db_api.update_online_test(op_id, fault=fault)
        if (self.request.get('onPass') or {}).get('snapshot') == 'DELETE':
            delete_snapshot(self.plan['preTestInfoId'])
            db_api.update_online_test(op_id,
                                      pre_test_vnf_snapshot_info_id=None)


def _on_fail(request):
    return dict({'captureFailedState': True, 'buildPackage': True,
                 'preTestSnapshot': 'KEEP'}, **(request.get('onFail') or {}))


class CaptureFailedState(_AfterVerdict):
    """FAIL: snapshot the VNF as the fault left it, with memory where the
    VIM can and the VNFC runs (warm), for root-cause analysis."""

    VERDICT = states.VERDICT_FAIL

    def run(self, op_id):
        if not _on_fail(self.request)['captureFailedState']:
            return
        info_id = self.plan['failedStateInfoId']
        _phase(op_id, 'FAILED_STATE_CAPTURE')
        info = _empty_info(info_id, self.instance.project_id)
        if info.snapshot_id is None:
            common.delete_leftovers(db_api.get_op_occ(None, op_id),
                                    self.instance)
            vnfcs = [v for v in common.resolve_vnfcs(self.instance,
                                                     owner=op_id)
                     if v.id in self.plan['vnfcIds']]
            # Planned now, from the VIM as the fault left it; no freeze:
            # a failed guest's agent may not answer.
            capture = create_snapshot.plan_capture(
                [vnfcs], self.drivers, {'quiesce': False},
                memory_of=self._warm)
            _capture(op_id, self.instance, self.drivers, capture, info_id,
                     self.plan['failedStateSnapshotId'], 'failed-state')
        db_api.update_online_test(op_id,
                                  failed_state_vnf_snapshot_info_id=info_id)

    def _warm(self, vnfc):
        driver = self.drivers.for_resource(vnfc.compute_resource)
        return (driver.capabilities(vnfc).memory_snapshot
                and driver.power_state(vnfc) != 'shutoff')


class RestoreVnf(_AfterVerdict):
    """FAIL: revert to the pre-test snapshot."""

    VERDICT = states.VERDICT_FAIL

    def run(self, op_id):
        restore(op_id, self.instance, self.drivers)


class ProbeRestored(_AfterVerdict):
    """FAIL: prove the service is back, probing until it passes; a VNF
    still failing its probes after the wait leaves the test FAILED_TEMP
    (check the VNF)."""

    VERDICT = states.VERDICT_FAIL
    # A VNFC reverted to a disk-only snapshot boots again: at least this
    # long (or the expected recovery time) to come back.
    MIN_WAIT = 60

    def run(self, op_id):
        interval = self.request.get('probeInterval', DEFAULT_INTERVAL)
        deadline = time.monotonic() + max(
            self.MIN_WAIT, self.request['expectedRecoveryTime'])
        while True:
            result = _probe(op_id, self.instance.id, 'after-restore')
            if result['passed'] or time.monotonic() >= deadline:
                break
            time.sleep(interval)
        if not result['passed']:
            raise exception.VnfsnapException(
                'VNF instance %s was reverted to the pre-test snapshot %s '
                'but does not pass its probes again' % (
                    self.instance.id, self.plan['preTestInfoId']))


class BuildFailedStatePackage(_AfterVerdict):
    """FAIL: a VNF snapshot package of the failed state, built by the
    package build the API's ``build`` starts (the test does not wait for
    it: the record names the package, which shows its own state)."""

    VERDICT = states.VERDICT_FAIL

    def run(self, op_id):
        on_fail = _on_fail(self.request)
        if not (on_fail['captureFailedState'] and on_fail['buildPackage']):
            return
        _phase(op_id, 'PACKAGING')
        pkg_id = self.plan['packageId']
        # A root-cause package (clause 4.2.1): the failed state with the
        # diagnostics part (the logs, records and what the VIM knows).
        build_package(self.instance.project_id, pkg_id,
                      self.plan['failedStateInfoId'], op_id,
                      diagnostics=True)
        db_api.update_online_test(op_id, vnf_snapshot_pkg_id=pkg_id)


def build_package(project_id, pkg_id, info_id, test_id, diagnostics=False):
    """Create package ``pkg_id`` (once) and start its build from VNF
    snapshot ``info_id`` as POST .../package_content/build does; a
    conductor runs it (the cast, or the sweep when it is lost)."""
    try:
        pkg = db_api.get_vnf_snapshot_pkg(None, pkg_id)
    except exception.VnfSnapshotPkgNotFound:
        pkg = db_api.create_vnf_snapshot_pkg({
            'id': pkg_id, 'project_id': project_id,
            'name': 'online-test-%s-failed-state' % test_id,
            'user_defined_data': {'vnfsnapOnlineTest': test_id},
            'state': states.PKG_CREATED, 'is_cancel_pending': False,
            'content_received': False, 'is_full_snapshot': False})
    if pkg.state != states.PKG_CREATED:
        return      # started by an earlier run of this step
    params = {'importSnapshotResource': True, 'vnfSnapshotInfoId': info_id}
    if diagnostics:
        params['diagnostics'] = True
    db_api.start_vnf_snapshot_pkg_op(
        None, pkg_id, 'build', states.PKG_BUILDING,
        {'operation': states.PKG_OP_BUILD, 'operation_params': params,
         'credentials': None}, reserve_info=info_id)
    try:
        rpcapi.ConductorAPI().run_vnf_snapshot_pkg_op(
            vnfsnap_context.get_admin_context(), pkg_id)
    except exception.VnfsnapException as e:
        # Recorded BUILDING: a conductor's sweep runs it.
        LOG.warning('Could not cast the build of package %s (%s); a '
                    'conductor will run it from the database', pkg_id, e)


class Finish(_VerdictStep):
    """Both verdicts: the pre-test snapshot of a failed test goes when
    asked; the record says DONE."""

    def execute(self, op_id, verdict):
        if verdict == states.VERDICT_FAIL and \
                _on_fail(self.request)['preTestSnapshot'] == 'DELETE':
            delete_snapshot(self.plan['preTestInfoId'])
            db_api.update_online_test(op_id,
                                      pre_test_vnf_snapshot_info_id=None)
        _phase(op_id, 'DONE')


def _check_capabilities(request, instance, drivers, vnfcs):
    """Refuse, before anything runs, a fault or probe the VIM cannot."""
    by_id = {v.id: v for v in common.resolve_vnfcs(instance)}
    needs = []
    fault = request['fault']
    if fault['type'] in _FAULT_NEEDS:
        needs.append((fault['vnfcInstanceId'], _FAULT_NEEDS[fault['type']],
                      'inject a %s fault' % fault['type']))
    for probe in request['probes']:
        if probe['type'] == 'GUEST_COMMAND':
            needs.append((probe['vnfcInstanceId'], 'guest_exec',
                          'run probe %s in the guest' % probe['id']))
    for vnfc_id, capability, what in needs:
        vnfc = by_id[vnfc_id]
        caps = drivers.for_resource(vnfc.compute_resource).capabilities(vnfc)
        if not getattr(caps, capability):
            raise exception.VimCapabilityMissing(
                what=what, reason='the VIM of VNFC %s does not offer it'
                % vnfc_id)


def _plan(op, instance, drivers):
    request = op.operation_params
    vnfcs = common.resolve_vnfcs(instance)
    scope = request.get('vnfcInstanceIds') or [v.id for v in vnfcs]
    vnfcs = [v for v in vnfcs if v.id in scope]
    _check_capabilities(request, instance, drivers, vnfcs)
    memory = bool(request.get('withMemory'))
    return {
        'vnfcIds': scope,
        'preTestInfoId': uuidutils.generate_uuid(),
        'preTestSnapshotId': uuidutils.generate_uuid(),
        'failedStateInfoId': uuidutils.generate_uuid(),
        'failedStateSnapshotId': uuidutils.generate_uuid(),
        'packageId': uuidutils.generate_uuid(),
        'capture': create_snapshot.plan_capture(
            [vnfcs], drivers, {}, memory_of=lambda vnfc: memory),
    }


def build(op, instance, plan=None):
    """Return (flow, store) for an ONLINE_TEST occurrence; ``plan``: the
    decisions of an interrupted run, to rebuild its flow."""
    request = op.operation_params
    drivers = common.Drivers(instance.vim_connection_info)
    if plan is None:
        plan = _plan(op, instance, drivers)
    args = (instance, drivers, plan, request)
    flow = linear_flow.Flow('online-test-%s' % op.id)
    flow.add(common.CheckCancel(name='check-cancel-start'),
             ProbeBaseline(),
             SnapshotPreTest(instance, drivers, plan),
             common.CheckCancel(name='check-cancel-inject'),
             InjectFault(instance, drivers, request['fault']),
             WaitRecovery(request),
             Judge(),
             CleanUpPass('clean-up-pass', *args),
             CaptureFailedState('capture-failed-state', *args),
             RestoreVnf('restore-vnf', *args),
             ProbeRestored('probe-restored', *args),
             BuildFailedStatePackage('build-failed-state-package', *args),
             Finish('finish', *args))
    return flow, {'op_id': op.id, 'instance_id': instance.id,
                  'plan': plan}


def resume_direction(flow, atom_states):
    """Finish once the verdict was recorded; before, roll back: the VNF
    is restored (the fault taken back, the pre-test snapshot reverted to)
    and the pre-test snapshot deleted."""
    if common.undoing(atom_states):
        return common.BACK
    judged = atom_states.get('judge') == tf_states.SUCCESS
    if not judged and atom_states.get('judge') == tf_states.RUNNING:
        # Died in the judgement: written verdicts stand (the step
        # returns the recorded one when run again).
        test_id = flow.name[len('online-test-'):]
        judged = db_api.get_online_test(None, test_id).verdict is not None
    return common.FORWARD if judged else common.BACK


def rollback(op):
    """Undo a FAILED_TEMP test (the client's rollback) or what a resumed
    run's undo left: the VNF is restored when a fault may have been
    injected and it was not yet; what a cut-off capture left goes."""
    instance = db_api.get_vnf_instance(None, op.vnf_instance_id)
    common.delete_leftovers(op, instance)
    test = db_api.get_online_test(None, op.id)
    fault = test.fault or {}
    if fault.get('injectedAt') and not fault.get('restoredAt') and \
            test.pre_test_vnf_snapshot_info_id:
        restore(op.id, instance,
                common.Drivers(instance.vim_connection_info))


def rolled_back_on_failure(op):
    """Whether a run that failed (and was undone without an undo step
    failing) ends ROLLED_BACK rather than FAILED_TEMP: so when no verdict
    was recorded (an unhealthy baseline, an abort, an error before the
    judgement). A failure after the verdict (the VNF not back after the
    revert) is FAILED_TEMP: check the VNF."""
    return db_api.get_online_test(None, op.id).verdict is None
