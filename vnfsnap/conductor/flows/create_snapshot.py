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

"""Create VNF snapshot (GR NFV-TST 005 clause 6.5.1) as a taskflow flow.

Quiesce every VNFC in parallel, snapshot them, thaw (one step per order
group, :class:`CaptureGroup`), then record the VnfSnapshot. Any failure
undoes the steps already done: VNFCs are thawed and VNFC snapshots
already taken are deleted, so the VNF is never left frozen.

With ``additionalParams.pauseVnf`` every running VNFC is paused before the
first is captured and resumed after the last: one crash-consistent point
for the whole VNF (its VNFCs' disks and messages in flight between them),
for VNFs whose VNFCs cannot be quiesced or whose state spans VNFCs.
"""

from concurrent import futures
import dataclasses

from oslo_log import log as logging
from oslo_utils import timeutils
from oslo_utils import uuidutils
from taskflow import states as tf_states
from taskflow import task
from taskflow.patterns import linear_flow
from taskflow.patterns import unordered_flow

from vnfsnap import descriptor
from vnfsnap import store
from vnfsnap.common import exception
from vnfsnap.common import states
from vnfsnap.common import views
from vnfsnap.conductor.flows import common
from vnfsnap.conductor.flows import faults
from vnfsnap.conductor.flows import grant
from vnfsnap.conductor.flows import vnf_notify
from vnfsnap.conductor.flows import vnf_state
import vnfsnap.conf
from vnfsnap.db import api as db_api
from vnfsnap.vim import base as vim_base

CONF = vnfsnap.conf.CONF
LOG = logging.getLogger(__name__)

# The guards VIM drivers arm on what an occurrence interrupts (Vnfc.owner)
# are recorded with the occurrence.
vim_base.record_guards_with(db_api.record_op_guard)


class PrepareQuiesce(task.Task):
    """What undoes a VNFC's freeze made ready before any VNFC is frozen
    (VimDriver.prepare_quiesce)."""

    def __init__(self, vnfc, driver, kept=None):
        super().__init__(name='prepare-quiesce-%s' % vnfc.id)
        self.vnfc, self.driver, self.kept = vnfc, driver, kept

    def execute(self):
        self.driver.prepare_quiesce(self.vnfc,
                                    CONF.conductor.freeze_deadline)

    def revert(self, *args, **kwargs):
        if self.kept is not None and self.kept():
            return
        # Harmless on a VNFC that was not frozen: it releases the guard.
        common.undo('release the freeze guard of VNFC %s' % self.vnfc.id,
                    self.driver.unquiesce, self.vnfc)


class PauseVnfc(task.Task):
    """Pause one VNFC for the VNF-wide point; provides when, or None when
    it was not running (and so was left alone)."""

    def __init__(self, vnfc, driver):
        super().__init__(name='pause-%s' % vnfc.id,
                         provides='paused-%s' % vnfc.id)
        self.vnfc, self.driver = vnfc, driver

    def execute(self):
        started = common.now()
        # The VIM resumes it by itself after the deadline (guards).
        return started if self.driver.pause_vnfc(
            self.vnfc, CONF.conductor.pause_deadline) else None

    def revert(self, result, *args, **kwargs):
        if result is None:
            return      # it was not running: left as it was
        # Also after a failed pause (result is the failure): the VIM may
        # have paused it anyway.
        common.undo('unpause VNFC %s' % self.vnfc.id,
                    self.driver.unpause_vnfc, self.vnfc)


class UnpauseVnfc(task.Task):

    def __init__(self, vnfc, driver):
        super().__init__(name='unpause-%s' % vnfc.id,
                         provides='unpaused-%s' % vnfc.id,
                         requires=['paused-%s' % vnfc.id])
        self.vnfc, self.driver = vnfc, driver

    def execute(self, **paused):
        if paused['paused-%s' % self.vnfc.id] is None:
            return None
        self.driver.unpause_vnfc(self.vnfc)
        return common.now()


class PowerOffVnfc(task.Task):
    """Stop a VNFC before its capture (snapshot descriptor Vnfsd.009);
    provides whether it stopped it."""

    def __init__(self, vnfc, driver):
        super().__init__(name='power-off-%s' % vnfc.id,
                         provides='stopped-%s' % vnfc.id)
        self.vnfc, self.driver = vnfc, driver

    def execute(self):
        if self.driver.power_state(self.vnfc) == 'shutoff':
            return False
        LOG.info('Stopping VNFC %s for its snapshot (powerOffBefore)',
                 self.vnfc.id)
        # The VIM starts it again by itself after the deadline (guards).
        self.driver.stop_vnfc(self.vnfc, CONF.conductor.power_off_deadline)
        return True

    def revert(self, result, *args, **kwargs):
        if result is True:
            common.undo('start VNFC %s again' % self.vnfc.id,
                        self.driver.start_vnfc, self.vnfc)


class PowerAfterCapture(task.Task):
    """The VNFC's power after its capture (Vnfsd.009 powerOffAfter, 010
    powerOnAfter); without either, a VNFC stopped for the capture is
    started again."""

    def __init__(self, vnfc, driver, on=False, off=False, stopped=False):
        super().__init__(
            name='power-after-%s' % vnfc.id,
            requires=['stopped-%s' % vnfc.id] if stopped else ())
        self.vnfc, self.driver = vnfc, driver
        self.on, self.off = on, off

    def execute(self, **stopped):
        if self.on or (stopped.get('stopped-%s' % self.vnfc.id)
                       and not self.off):
            self.driver.start_vnfc(self.vnfc)
        elif self.off:
            self.driver.stop_vnfc(self.vnfc)


class DetachVolumes(task.Task):
    """Detach the volumes a VNFC's snapshot leaves out (snapshot descriptor
    Vnfsd.011); provides {storage resource id: what puts it back}."""

    def __init__(self, vnfc, driver, volumes, guarded=False):
        super().__init__(name='detach-volumes-%s' % vnfc.id,
                         provides='detached-%s' % vnfc.id)
        self.vnfc, self.driver, self.volumes = vnfc, driver, volumes
        # Volumes attached again after the capture: the VIM attaches them
        # by itself after the deadline (guards).
        self.deadline = CONF.conductor.detach_deadline if guarded else None

    def execute(self):
        detached = {}
        try:
            for storage in self.volumes:
                token = self.driver.detach_volume(self.vnfc, storage,
                                                  self.deadline)
                if token is not None:
                    detached[storage['id']] = token
        except Exception:
            # taskflow reverts a failed task without its partial result.
            _attach(self.driver, self.vnfc, self.volumes, detached,
                    undo=True)
            raise
        return detached

    def revert(self, result, *args, **kwargs):
        if not isinstance(result, dict):
            # A failed run put back what it had detached; a run the
            # conductor died in left only the VIM's trace of its detaches.
            result = _cut_off_detaches(self.driver, self.vnfc, self.volumes)
        _attach(self.driver, self.vnfc, self.volumes, result, undo=True)


def _cut_off_detaches(driver, vnfc, volumes):
    """{storage id: what attaches it again} from the VIM's trace of the
    detaches a dead conductor never saw return."""
    found = {}
    for storage in volumes:
        try:
            detached = driver.detached_volume(vnfc, storage)
        except Exception:
            LOG.exception('Cannot tell whether volume %s of VNFC %s was '
                          'left detached', storage['id'], vnfc.id)
            continue
        if detached:
            LOG.info('Volume %s of VNFC %s was left detached by a step cut '
                     'off; attaching it again', storage['id'], vnfc.id)
            found[storage['id']] = detached
    return found


def _attach(driver, vnfc, volumes, detached, undo=False):
    """Attach again what DetachVolumes detached; as an undo step, each
    volume on its own (one failure must not keep the others away)."""
    for storage in volumes:
        if storage['id'] not in detached:
            continue
        if undo:
            common.undo('attach volume %s to VNFC %s again'
                        % (storage['id'], vnfc.id),
                        driver.attach_volume, vnfc, storage,
                        detached[storage['id']])
        else:
            driver.attach_volume(vnfc, storage, detached[storage['id']])


class AttachVolumes(task.Task):
    """Attach the detached volumes again after the capture (Vnfsd.012)."""

    def __init__(self, vnfc, driver, volumes):
        super().__init__(name='attach-volumes-%s' % vnfc.id,
                         requires=['detached-%s' % vnfc.id])
        self.vnfc, self.driver, self.volumes = vnfc, driver, volumes

    def execute(self, **detached):
        _attach(self.driver, self.vnfc, self.volumes,
                detached['detached-%s' % self.vnfc.id])


class NameVnfcSnapshot(task.Task):
    """Name the VNFC snapshot and record the name, durably, as what the
    occurrence is about to make: a conductor that dies while the VIM makes
    the snapshot leaves the name, and the rollback discards what the VIM
    made under it (common.delete_leftovers). A step of its own, before any
    VNFC's service is interrupted, so that no database commit of it falls
    in the freeze window. ``step``: the :class:`CaptureGroup` that uses
    the name."""

    def __init__(self, vnfc, driver, step, kept=None):
        super().__init__(name='name-snapshot-%s' % vnfc.id,
                         provides='snapshot-name-%s' % vnfc.id)
        self.vnfc, self.driver, self.kept = vnfc, driver, kept
        self.step = step

    def execute(self, op_id):
        name = 'vnfsnap-%s' % uuidutils.generate_uuid()
        db_api.set_op_vim_resource(op_id, self.vnfc.id, {
            common.INTENT: name,
            'compute_resource': self.vnfc.compute_resource})
        return name

    def revert(self, op_id, *args, **kwargs):
        if (self.kept is not None and self.kept()) or self.step.reverted:
            # Kept, or the capture step (undone before this one) ran and
            # dealt with what the VIM made under the name.
            return
        # The VIM was never asked: nothing was made under the name.
        db_api.remove_op_vim_resource(op_id, self.vnfc.id)


class CaptureGroup(task.Task):
    """Freeze, snapshot and thaw the VNFCs of one order group as one step:
    freeze every quiesced VNFC at once, then, once all are frozen, take
    every VNFC's snapshot at once, then thaw them all at once. Taskflow
    records the step's start before and its result after, so no database
    write falls between a freeze and its thaw (one step per VNFC and stage
    made taskflow write every step's start and result between the stages,
    inside the window).

    Provides ``vnfc-<id>`` (the VNFC snapshot row) per VNFC and, for a
    quiesced one, ``frozen-<id>``/``thawed-<id>`` (the times of its freeze
    and thaw calls). The test-only fault points of the per-VNFC actions
    (``quiesce-<id>``, ``snapshot-<id>``, ``unquiesce-<id>``, ``before``
    and ``after`` each) are fired by hand at those moments, so that the
    crash matrix can still kill vnfsnap between two VNFCs' actions.

    ``kept``: when it returns True, what the capture made is recorded and
    belongs to its VNF snapshot: nothing is undone any more (a revert's
    safety snapshot, once recorded, outlives a failed revert)."""

    def __init__(self, name, members, snapshot_id, vnf_paused=False,
                 kept=None):
        """``members``: [(vnfc, driver, with_memory, quiesced)]."""
        provides = set()
        requires = []
        for vnfc, _driver, _memory, quiesced in members:
            provides.add('vnfc-%s' % vnfc.id)
            if quiesced:
                provides |= {'frozen-%s' % vnfc.id, 'thawed-%s' % vnfc.id}
            requires.append('snapshot-name-%s' % vnfc.id)
            if vnf_paused:
                requires.append('paused-%s' % vnfc.id)
        super().__init__(name=name, provides=provides, requires=requires)
        self.members, self.kept = members, kept
        self.snapshot_id = snapshot_id
        frozen = [m[0].id for m in members if m[3]]
        #: The fault points fired inside the step, in order (the crash
        #: matrix lists them as cells).
        self.fault_points = (['quiesce-%s' % i for i in frozen]
                             + ['snapshot-%s' % m[0].id for m in members]
                             + ['unquiesce-%s' % i for i in frozen])
        #: Whether this run undid the step (NameVnfcSnapshot then leaves
        #: the names' records to it). Taskflow reverts only steps that ran.
        self.reverted = False
        #: What this process's run of the step did, for its own undo
        #: (None: the step ran in a conductor that died).
        self.progress = None

    def _frozen(self):
        return [m for m in self.members if m[3]]

    def execute(self, op_id, **named):
        done = self.progress = {'called': set(), 'taken': {}, 'frozen': {},
                                'thawed': {}}
        with common.ContextExecutor(
                max_workers=max(1, len(self.members))) as pool:
            try:
                _all_at_once(pool, self._freeze, self._frozen())
                _all_at_once(pool, self._snapshot, self.members, named)
                _all_at_once(pool, self._thaw, self._frozen())
            except Exception:
                # Thawed at once, not when the undo comes (taskflow records
                # the failure first); the undo thaws again, harmlessly.
                _all_at_once(pool, self._thaw_after_failure, [
                    m for m in self._frozen()
                    if m[0].id not in done['thawed']])
                raise
        results = {'vnfc-%s' % i: row for i, row in done['taken'].items()}
        for vnfc, _driver, _memory, _quiesced in self._frozen():
            results['frozen-%s' % vnfc.id] = done['frozen'][vnfc.id]
            results['thawed-%s' % vnfc.id] = done['thawed'][vnfc.id]
        return results

    def _freeze(self, vnfc, driver, _memory, _quiesced):
        faults.point('quiesce-%s' % vnfc.id, 'before')
        started = common.now()
        at = driver.quiesce(vnfc, CONF.conductor.freeze_deadline)
        # When the file systems were frozen: the VIM knows best.
        self.progress['frozen'][vnfc.id] = (
            at.isoformat() if at is not None else started)
        faults.point('quiesce-%s' % vnfc.id, 'after')

    def _snapshot(self, vnfc, driver, with_memory, quiesced, named):
        faults.point('snapshot-%s' % vnfc.id, 'before')
        started = common.now()
        self.progress['called'].add(vnfc.id)
        result = driver.create_vnfc_snapshot(
            vnfc, self.snapshot_id, with_memory, quiesced,
            paused=named.get('paused-%s' % vnfc.id) is not None,
            name=named['snapshot-name-%s' % vnfc.id])
        self.progress['taken'][vnfc.id] = {
            'id': uuidutils.generate_uuid(),
            'vnfc_instance_id': vnfc.id,
            'vnfc_resource_info_id': vnfc.id,
            'creation_started_at': started,
            'creation_finished_at': common.now(),
            'compute_snapshot_resource': result.compute_snapshot_resource,
            'storage_snapshot_resources': result.storage_snapshot_resources,
            'consistency_level': result.consistency_level,
            'memory_captured': result.memory_captured,
            'vim_details': result.vim_details,
        }
        faults.point('snapshot-%s' % vnfc.id, 'after')

    def _thaw(self, vnfc, driver, _memory, _quiesced):
        faults.point('unquiesce-%s' % vnfc.id, 'before')
        at = driver.unquiesce(vnfc)
        self.progress['thawed'][vnfc.id] = (
            at.isoformat() if at is not None else common.now())
        faults.point('unquiesce-%s' % vnfc.id, 'after')

    @staticmethod
    def _thaw_after_failure(vnfc, driver, _memory, _quiesced):
        try:
            driver.unquiesce(vnfc)
        except Exception as e:
            # The undo and, failing that, the guard thaw it.
            LOG.warning('Thawing VNFC %s after the failed capture: %s',
                        vnfc.id, e)

    def revert(self, op_id, result, *args, **kwargs):
        self.reverted = True
        if self.kept is not None and self.kept():
            return
        # Frozen, maybe frozen, or thawed already: a thaw is harmless on
        # a thawed VNFC (the driver's quiesce deadline thaws it if this
        # fails too).
        for vnfc, driver, _memory, _quiesced in self._frozen():
            common.undo('unquiesce VNFC %s' % vnfc.id, driver.unquiesce,
                        vnfc)
        done = self.progress
        for vnfc, driver, _memory, _quiesced in self.members:
            row = (result.get('vnfc-%s' % vnfc.id)
                   if isinstance(result, dict) else None)
            if row is None and done is not None:
                row = done['taken'].get(vnfc.id)
            if row is None and done is not None and \
                    vnfc.id not in done['called']:
                # This run never asked the VIM: nothing was made under the
                # name.
                db_api.remove_op_vim_resource(op_id, vnfc.id)
                continue
            taken = None
            if row is not None:
                LOG.info('Undoing VNFC snapshot of %s taken before the '
                         'failure', vnfc.id)
                taken = {k: row.get(k) for k in ('compute_snapshot_resource',
                                                 'vim_details')}
            # Taken before the failure, failed, or cut off by a dying
            # conductor (its result lost): the recorded name says what the
            # VIM made, the result (when there is one) what it is.
            # Nothing is undone once the VNF snapshot was recorded (the
            # record handed it over).
            common.discard_leftover(op_id, vnfc.id, vnfc, driver,
                                    taken=taken)


def _all_at_once(pool, action, members, *args):
    """Run ``action`` on every member in ``pool`` at once and wait for all
    of them; then raise the first failure, in member order."""
    running = [pool.submit(action, *member, *args) for member in members]
    futures.wait(running)
    for done in running:
        done.result()


class RecordVnfSnapshot(task.Task):
    """Fill the empty VnfSnapshotInfo with the VnfSnapshot just taken."""

    def __init__(self, vnfc_ids, quiesced_ids=(), paused_ids=(),
                 detached_ids=(), name='record-vnf-snapshot',
                 notified=False):
        super().__init__(name=name,
                         requires=['vnfc-%s' % i for i in vnfc_ids]
                         + ['%s-%s' % (k, i) for i in quiesced_ids
                            for k in ('frozen', 'thawed')]
                         + ['%s-%s' % (k, i) for i in paused_ids
                            for k in ('paused', 'unpaused')]
                         + ['detached-%s' % i for i in detached_ids]
                         + (['vnf-prepared', 'vnf-state-snapshot']
                            if notified else []))
        self.vnfc_ids = vnfc_ids

    def execute(self, op_id, info_id, snapshot_id, started, instance_id,
                user_defined_data, **vnfc_results):
        if self.recorded(op_id, info_id, snapshot_id):
            # A resumed run: the interrupted one recorded it.
            return
        instance = db_api.get_vnf_instance(None, instance_id)
        values = {
            'snapshot_id': snapshot_id,
            'taken_from': instance.id,
            'snapshot_vnf_instance_id': instance.id,
            'snapshot_vnfd_id': instance.vnfd_id,
            'snapshot_creation_started_at': common.as_datetime(started),
            'snapshot_creation_finished_at': timeutils.utcnow(),
            'snapshot_vnf_instance': views.vnf_instance(
                instance, CONF.api.public_endpoint),
            'snapshot_user_defined_data': user_defined_data,
        }
        state = vnfc_results.get('vnf-state-snapshot')
        if state is not None:
            values['snapshot_vnf_state_snapshot_info'] = state['info']
            values['snapshot_vnf_state_key'] = state['key']
        rows = []
        for vnfc_id in self.vnfc_ids:
            row = dict(vnfc_results['vnfc-%s' % vnfc_id])
            for key in ('creation_started_at', 'creation_finished_at'):
                row[key] = common.as_datetime(row[key])
            details = dict(row['vim_details'] or {})
            # When this VNFC's file systems were frozen and thawed, and
            # when the VNF-wide pause held it.
            for start, end, keys in (
                    ('frozen', 'thawed', ('quiesced_at', 'thawed_at')),
                    ('paused', 'unpaused',
                     ('vnf_paused_at', 'vnf_unpaused_at'))):
                began = vnfc_results.get('%s-%s' % (start, vnfc_id))
                if began is not None:
                    details[keys[0]] = views.isotime_ms(
                        common.as_datetime(began))
                    details[keys[1]] = views.isotime_ms(common.as_datetime(
                        vnfc_results['%s-%s' % (end, vnfc_id)]))
            detached = vnfc_results.get('detached-%s' % vnfc_id)
            if detached:
                # Not in the snapshot, and attached again after a revert.
                details['detached_volumes'] = detached
            prepared = vnfc_results.get('vnf-prepared')
            if prepared is not None:
                # The VNF acknowledged "prepare": it flushed and held its
                # writes across its VNFCs for the snapshot.
                row['consistency_level'] = states.CONSISTENCY_APPLICATION
                details['vnf_prepared_at'] = views.isotime_ms(
                    common.as_datetime(prepared))
            row['vim_details'] = details
            rows.append(row)
        self.save(op_id, info_id, instance, values, rows)

    def recorded(self, op_id, info_id, snapshot_id):
        return db_api.get_vnf_snapshot_info(
            None, info_id).snapshot_id == snapshot_id

    def save(self, op_id, info_id, instance, values, rows):
        db_api.update_vnf_snapshot_info(
            None, info_id, values, vnfc_snapshots=rows,
            only_if_unreserved=False, only_if_empty=True,
            hand_over_from=op_id)


def _wants_quiesce(params, caps):
    """Quiesce when asked, or by default where the VIM can; refuse when
    asked and the VIM cannot (never a silent downgrade). Not with a
    VNF-wide pause: a paused guest's agent cannot freeze anything."""
    asked = params.get('quiesce')
    if params.get('pauseVnf'):
        # The API refuses quiesce with pauseVnf.
        return False
    if asked and not caps.quiesce:
        raise exception.VimCapabilityMissing(
            what='quiesce', reason='no guest agent answers on this VIM')
    return caps.quiesce if asked is None else bool(asked)


def _plan_vnfc(vnfc, driver, params, memory_of, rules):
    """What the capture does with one VNFC, decided once from its VIM's
    capabilities and power state and from the descriptor (JSON)."""
    caps = driver.capabilities(vnfc)
    vnfc_rules = rules.vnfc_rules(vnfc.vdu_id)
    volumes = rules.volume_plan(vnfc.vdu_id, vnfc.storage_resources)
    if (vnfc_rules.get('snapshotWhenPoweredOff') is False
            and driver.power_state(vnfc) == 'shutoff'):
        raise exception.Conflict(
            'VNFC %s is powered off and the snapshot descriptor '
            'forbids snapshots of VDU %s then '
            '(snapshotWhenPoweredOff)' % (vnfc.id, vnfc.vdu_id))
    with_memory = bool(memory_of and memory_of(vnfc))
    if with_memory and not caps.memory_snapshot:
        raise exception.VimCapabilityMissing(
            what='snapshot memory state',
            reason='the VIM of VNFC %s offers no memory snapshots'
            % vnfc.id)
    if params.get('pauseVnf') and not caps.pause:
        raise exception.VimCapabilityMissing(
            what='pause the whole VNF (additionalParams pauseVnf)',
            reason='the VIM of VNFC %s cannot pause it' % vnfc.id)
    power_off = bool(vnfc_rules.get('powerOffBefore'))
    return {
        'id': vnfc.id,
        'kept': [v['id'] for v in volumes.kept],
        'leftOut': [v['id'] for v in volumes.left_out],
        'detach': bool(volumes.detach),
        'attachAfter': bool(volumes.attach_after),
        'memory': with_memory,
        # A stopped guest has nothing to freeze.
        'quiesce': not power_off and _wants_quiesce(params, caps),
        'powerOffBefore': power_off,
        'powerOnAfter': bool(vnfc_rules.get('powerOnAfter')),
        'powerOffAfter': bool(vnfc_rules.get('powerOffAfter')),
    }


def plan_capture(groups, drivers, params, memory_of=None, rules=None):
    """Decide how to capture the VNFCs of ``groups`` (one group after the
    other, the VNFCs of a group in parallel) as ``params``
    (additionalParams) ask: quiesce around each group's VNFC snapshots, or
    one VNF-wide pause around all of them. ``memory_of(vnfc)`` says
    whether to capture a VNFC's memory (default: never); ``rules`` (the
    snapshot descriptor) may power VNFCs off before and on after, leave
    volumes out and detach them for the capture.

    Reads the VIM and refuses, before anything runs, what a VIM or the
    descriptor does not allow. The plan is JSON: it is persisted with the
    flow, and a resumed flow is rebuilt from it, never from the VIM as it
    is after the crash (see :func:`add_capture`)."""
    rules = rules or descriptor.Descriptor(None)
    vnfcs = [vnfc for group in groups for vnfc in group]
    # The VIM is asked about every VNFC at once (a guest agent may take a
    # while to answer); the first refusal, in VNFC order, is raised.
    with common.ContextExecutor(
            max_workers=max(1, min(len(vnfcs),
                                   CONF.conductor.flow_workers))) as pool:
        plans = [pool.submit(_plan_vnfc, vnfc,
                             drivers.for_resource(vnfc.compute_resource),
                             params, memory_of, rules) for vnfc in vnfcs]
        planned = iter([p.result() for p in plans])
    return {'pauseVnf': bool(params.get('pauseVnf', False)),
            'groups': [[next(planned) for _ in group] for group in groups]}


def _narrowed(vnfc, entry):
    """``vnfc`` with only the volumes its planned snapshot takes."""
    by_id = {s['id']: s for s in vnfc.storage_resources}
    return dataclasses.replace(
        vnfc, storage_resources=tuple(by_id[i] for i in entry['kept']),
        left_out=vnfc.left_out + tuple(by_id[i] for i in entry['leftOut']))


def add_capture(flow, plan, vnfcs, drivers, snapshot_id, kept=None):
    """Add to ``flow`` the steps of a capture ``plan``
    (:func:`plan_capture`) of ``vnfcs`` ({id: Vnfc}). ``kept``: see
    :class:`CaptureGroup`. Returns the arguments of
    :class:`RecordVnfSnapshot`."""
    vnf_paused = plan['pauseVnf']
    ids, quiesced_ids, detached_ids = [], [], []
    # Volumes are detached before anything else (a paused or frozen guest
    # cannot answer the hot-unplug) and attached again after the rest.
    detach = unordered_flow.Flow('detach-volumes')
    attach = unordered_flow.Flow('attach-volumes')
    pause = unordered_flow.Flow('pause')
    unpause = unordered_flow.Flow('unpause')
    # Every snapshot's name is recorded before any VNFC is interrupted.
    names = unordered_flow.Flow('name-snapshots')
    steps = []
    for number, group in enumerate(plan['groups'], 1):
        suffix = '' if len(plan['groups']) == 1 else '-group-%d' % number
        stop = unordered_flow.Flow('power-off' + suffix)
        # Every guard is armed before the group's first freeze.
        ready = unordered_flow.Flow('prepare-quiesce' + suffix)
        after = unordered_flow.Flow('power-after' + suffix)
        members = []
        for entry in group:
            whole = vnfcs[entry['id']]
            vnfc = _narrowed(whole, entry)
            driver = drivers.for_resource(vnfc.compute_resource)
            ids.append(vnfc.id)
            left_out = vnfc.left_out[len(whole.left_out):]
            if entry['detach']:
                detached_ids.append(vnfc.id)
                detach.add(DetachVolumes(vnfc, driver, left_out,
                                         guarded=entry['attachAfter']))
                if entry['attachAfter']:
                    attach.add(AttachVolumes(vnfc, driver, left_out))
            power_off = entry['powerOffBefore']
            if power_off:
                stop.add(PowerOffVnfc(vnfc, driver))
            if power_off or entry['powerOnAfter'] or entry['powerOffAfter']:
                after.add(PowerAfterCapture(
                    vnfc, driver, on=entry['powerOnAfter'],
                    off=entry['powerOffAfter'], stopped=power_off))
            if entry['quiesce']:
                quiesced_ids.append(vnfc.id)
                ready.add(PrepareQuiesce(vnfc, driver, kept))
            if vnf_paused:
                pause.add(PauseVnfc(vnfc, driver))
                unpause.add(UnpauseVnfc(vnfc, driver))
            members.append((vnfc, driver, entry['memory'], entry['quiesce']))
        capture = CaptureGroup('capture' + suffix, members, snapshot_id,
                               vnf_paused, kept)
        for vnfc, driver, _memory, _quiesced in members:
            names.add(NameVnfcSnapshot(vnfc, driver, capture, kept))
        steps += [stop, ready, capture, after]
    first = names
    stop, ready = steps[0], steps[1]
    if len(names) and len(ready) and not (len(detach) or len(pause)
                                          or len(stop)):
        # Nothing interrupts a VNFC before the first group's freeze: its
        # guards are armed while the names are recorded (each a process
        # to start), not after.
        first = unordered_flow.Flow('prepare-capture').add(names, ready)
        steps.remove(ready)
    for sub in [first, detach, pause] + steps + [unpause, attach]:
        if not isinstance(sub, unordered_flow.Flow) or len(sub):
            flow.add(sub)
    return ids, quiesced_ids, ids if vnf_paused else [], detached_ids


def _plan(op, instance, rules, drivers):
    """The decisions of a CREATE_SNAPSHOT, read from the request, the
    descriptor and the VIM once (JSON; persisted with the flow)."""
    request = op.operation_params or {}
    params = request.get('additionalParams') or {}
    vnfcs = rules.chosen(common.resolve_vnfcs(instance),
                         params.get('vnfcInstanceIds'))
    if not vnfcs:
        raise exception.UnprocessableEntity(
            reason='VNF instance %s has no VNFCs to snapshot (none, or its '
                   'snapshot descriptor excludes them all)' % instance.id)
    asked = bool(params.get('withMemory', False))
    return {
        'snapshotId': uuidutils.generate_uuid(),
        'started': common.now(),
        'vnfcIds': [v.id for v in vnfcs],
        'capture': plan_capture(
            rules.order(states.CREATE_SNAPSHOT, vnfcs), drivers, params,
            memory_of=lambda vnfc: rules.wants_memory(vnfc.vdu_id, asked),
            rules=rules),
    }


def build(op, instance, plan=None):
    """Return (flow, store) for a CREATE_SNAPSHOT op occurrence; the VNF's
    snapshot descriptor chooses the VNFCs (Vnfsd.003, narrowed by
    additionalParams vnfcInstanceIds), warm or cold per
    VNFC (005) and the order (017). ``plan``: the decisions of an
    interrupted run (the store's ``plan``), to rebuild its flow."""
    request = op.operation_params or {}
    rules = descriptor.Descriptor.of(instance)
    drivers = common.Drivers(instance.vim_connection_info)
    if plan is None:
        plan = _plan(op, instance, rules, drivers)
    by_id = {v.id: v for v in common.resolve_vnfcs(instance, owner=op.id)}
    vnfcs = [by_id[i] for i in plan['vnfcIds']]
    flow = linear_flow.Flow('create-snapshot-%s' % op.id)
    flow.add(common.CheckCancel(name='check-cancel-start'))
    if rules.grant_mode(states.CREATE_SNAPSHOT) == grant.NFVO:
        flow.add(grant.RequestGrant(op, instance, vnfcs,
                                    plan['snapshotId']))
    prepare, done = vnf_notify.wrap(op, instance, [v.id for v in vnfcs])
    if prepare:
        flow.add(prepare,
                 vnf_state.FetchVnfStateSnapshot(prepare.endpoint,
                                                 instance.id))
    recorded = add_capture(flow, plan['capture'], by_id, drivers,
                           op.vnf_snapshot_info_id)
    flow.add(common.CheckCancel(name='check-cancel-record'))
    flow.add(RecordVnfSnapshot(*recorded, notified=prepare is not None))
    if done:
        flow.add(done)
    return flow, {
        'op_id': op.id, 'info_id': op.vnf_snapshot_info_id,
        'snapshot_id': plan['snapshotId'], 'started': plan['started'],
        'instance_id': instance.id,
        'user_defined_data': request.get('userDefinedData'),
        'plan': plan,
    }


def resume_direction(flow, atom_states):
    """Finish an interrupted create once every VNFC snapshot was taken
    and recorded (what is left puts VNFCs back and records the VNF
    snapshot, each step safe to run again); otherwise roll it back: put
    every VNFC back and delete the VNFC snapshots taken."""
    if common.undoing(atom_states):
        return common.BACK
    taken = [atom_states.get(a.name) == tf_states.SUCCESS
             for a in common.atoms(flow) if isinstance(a, CaptureGroup)]
    return common.FORWARD if taken and all(taken) else common.BACK


def rollback(op):
    """Undo a FAILED_TEMP occurrence: delete the VNFC snapshots an
    interrupted run left (a run that failed removed its own already) and
    make sure the VnfSnapshotInfo holds no partial VnfSnapshot."""
    common.delete_leftovers(op, db_api.get_vnf_instance(
        None, op.vnf_instance_id))
    info = db_api.get_vnf_snapshot_info(None, op.vnf_snapshot_info_id)
    if info.snapshot_id is not None:
        raise exception.Conflict(
            'VNF snapshot %s was already recorded; delete it instead of '
            'rolling back' % info.id)
    # A VNF state snapshot the interrupted run stored before it could
    # record it.
    store.delete_vnf_state(info.id)


OPERATION = states.CREATE_SNAPSHOT
# A failure undoes every step (nothing stays done): a resumed run that
# fails is rolled back.
FAILURE_UNDOES_ALL = True
