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

"""The conductor: RPC endpoints that run LCM operation occurrences.

An occurrence is claimed by writing this conductor's host into its row; its
flow then runs on the manager's own thread pool so the RPC server is never
blocked. Each state change is a compare-and-swap in the database.
"""

from concurrent import futures
import contextlib
import datetime
import threading
import time

from oslo_log import log as logging
import oslo_messaging as messaging
from oslo_utils import timeutils
from oslo_utils import uuidutils
from taskflow import states as tf_states

from vnfsnap import store
from vnfsnap import version
from vnfsnap.common import context as vnfsnap_context
from vnfsnap.common import exception
from vnfsnap.common import oplog
from vnfsnap.common import policy
from vnfsnap.common import redact
from vnfsnap.common import states
from vnfsnap.common import views
from vnfsnap.conductor import lccn
from vnfsnap.conductor import packages
from vnfsnap.conductor import running
from vnfsnap.conductor.flows import common as flows_common
from vnfsnap.conductor.flows import create_snapshot
from vnfsnap.conductor.flows import faults as flows_faults
from vnfsnap.conductor.flows import modify_info
from vnfsnap.conductor.flows import online_test
from vnfsnap.conductor.flows import persistence
from vnfsnap.conductor.flows import revert_to_snapshot
import vnfsnap.conf
from vnfsnap.db import api as db_api

CONF = vnfsnap.conf.CONF
LOG = logging.getLogger(__name__)

FLOWS = {m.OPERATION: m for m in (create_snapshot, revert_to_snapshot,
                                  modify_info, online_test)}


class ConductorManager:
    # The newest conductor RPC API version this manager serves; it accepts
    # every 1.x up to it. Always equal to rpcapi.ConductorAPI's (see its
    # version history).
    RPC_API_VERSION = '1.3'
    target = messaging.Target(version=RPC_API_VERSION)

    def __init__(self, host):
        self.host = host
        self._pool = None
        self._running = set()
        # Occurrences a worker of this process runs.
        self._ops = running.Running()
        # Since when (monotonic) every heartbeat was written; None while
        # they fail. Starts long ago: a new conductor may take over at once.
        self._beating_since = float('-inf')
        self._packages = packages.PackageRunner(host)
        self._notifier = lccn.Dispatcher(host)

    def init_host(self):
        """Start the worker pool and settle what a previous run left.

        Occurrences this host was running when it stopped are resumed
        from their persisted progress: finished or rolled back (see
        :meth:`_resume`).
        """
        vnfsnap.conf.conductor.check(CONF)
        oplog.install()
        if flows_faults.armed():
            LOG.warning('Conductor %s runs with test-only fault injection '
                        'armed (VNFSNAP_FAULT_AT=%s): it will kill itself '
                        'at that step', self.host, flows_faults.SPEC[0])
        self._register()
        self._pool = futures.ThreadPoolExecutor(
            CONF.conductor.workers, thread_name_prefix='lcm-op')
        ctx = vnfsnap_context.get_admin_context()
        for op in db_api.list_op_occs(
                None, states_in=(states.PROCESSING, states.ROLLING_BACK),
                host=self.host):
            LOG.warning('LCM operation occurrence %s was %s when conductor '
                        '%s stopped; resuming it', op.id,
                        op.operation_state, self.host)
            self._submit_op(self._resume, op.id,
                            'conductor %s, running this operation, stopped'
                            % self.host)
        self._packages.recover()
        self._sweep(ctx, min_age=0)
        self._stopping = threading.Event()
        self._sweeper = threading.Thread(target=self._sweep_loop,
                                         name='lcm-sweeper', daemon=True)
        self._sweeper.start()
        self._heart = threading.Thread(target=self._heartbeat_loop,
                                       name='conductor-heartbeat',
                                       daemon=True)
        self._heart.start()
        self._notifier.start()

    def _register(self):
        db_api.register_conductor(self.host, version.version_string(),
                                  self.RPC_API_VERSION)

    def _heartbeat_loop(self):
        """Tell the other conductors this one lives. A database error is
        logged and the next beat tried: missing beats for
        [conductor]heartbeat_timeout lets another conductor take over."""
        while not self._stopping.wait(CONF.conductor.heartbeat_interval):
            self._beat()

    def _beat(self):
        try:
            try:
                db_api.touch_conductor(self.host)
            except exception.ConductorNotFound:
                LOG.warning('Conductor %s was not registered any more; '
                            'registering it again', self.host)
                self._register()
        except Exception:
            self._beating_since = None
            LOG.exception('Heartbeat of conductor %s failed; trying '
                          'again in %d s', self.host,
                          CONF.conductor.heartbeat_interval)
            return
        if self._beating_since is None:
            self._beating_since = time.monotonic()

    def _may_take_over(self):
        """Only a conductor whose own heartbeats have been written for
        [conductor]heartbeat_timeout judges others offline: after a
        database outage every heartbeat is old, and the others need that
        long to write theirs again."""
        since = self._beating_since
        return since is not None and (
            time.monotonic() - since >= CONF.conductor.heartbeat_timeout)

    def _sweep(self, ctx, min_age):
        """Run unclaimed active occurrences (new ones, retries, rollbacks)
        and package operations whose message was lost: a broker or API
        that failed between writing the row and delivering the cast must
        not leave them waiting. The claim makes sure only one conductor
        runs each."""
        horizon = timeutils.utcnow() - datetime.timedelta(seconds=min_age)
        for op in db_api.list_op_occs(None, states_in=states.ACTIVE_STATES):
            if op.host is None and op.state_entered_time <= horizon:
                self.run_lcm_op_occ(ctx, op.id)
        self._resume_orphans()
        if self._may_take_over():
            self._take_over()
        for pkg_id in self._packages.unclaimed(min_age):
            self.run_vnf_snapshot_pkg_op(ctx, pkg_id)
        self._packages.resume_orphans()
        self._packages.fail_stalled_uploads()

    def _resume_orphans(self):
        """Resume, as at start-up, the occurrences this conductor holds
        but runs no more: their run ended without recording the end (the
        database was away longer than [database]outage_timeout), so
        nothing else would ever settle them."""
        for op in db_api.list_op_occs(
                None, states_in=(states.PROCESSING, states.ROLLING_BACK),
                host=self.host):
            if op.id in self._ops:
                continue
            LOG.warning('LCM operation occurrence %s is %s and held by '
                        'conductor %s, which runs it no more; resuming it',
                        op.id, op.operation_state, self.host)
            self._submit_op(self._resume, op.id, (
                'the run of this operation by conductor %s ended without '
                'recording its end' % self.host))

    def _take_over(self):
        """Settle the work of offline conductors (see
        db_api.offline_conductors), as each would at its own restart:
        occurrences are resumed (finished or rolled back), package jobs
        as the package runner settles them. The claim
        moves the host from the offline conductor to this one by
        compare-and-swap, so exactly one live conductor settles each.
        Returns the ids of the occurrences and packages this one took."""
        taken = []
        for dead in db_api.offline_conductors():
            if dead == self.host:
                continue
            for op in db_api.list_op_occs(
                    None, states_in=(states.PROCESSING,
                                     states.ROLLING_BACK), host=dead):
                if self._take_over_op(op, dead):
                    taken.append(op.id)
            taken.extend(self._packages.take_over(dead))
        return taken

    def _take_over_op(self, op, dead):
        try:
            db_api.transition_op_occ(
                op.id, (op.operation_state,), op.operation_state,
                task='take over', expect_host=dead, host=self.host)
        except exception.InvalidOpOccState as e:
            LOG.info('Not taking over LCM operation occurrence %s: %s',
                     op.id, e)
            return False
        LOG.warning('Conductor %s took over LCM operation occurrence %s '
                    '(%s) from conductor %s, offline (no heartbeat for '
                    '%d s); resuming it', self.host, op.id,
                    op.operation_state, dead,
                    CONF.conductor.heartbeat_timeout)
        self._submit_op(self._resume, op.id, (
            'conductor %s, running this operation, went offline (no '
            'heartbeat for %d s) and conductor %s took it over'
            % (dead, CONF.conductor.heartbeat_timeout, self.host)))
        return True

    def _sweep_loop(self):
        interval = CONF.conductor.sweep_interval
        ctx = vnfsnap_context.get_admin_context()
        while not self._stopping.wait(interval):
            try:
                self._sweep(ctx, min_age=interval)
            except Exception:
                LOG.exception('Sweep for unclaimed LCM operation '
                              'occurrences failed')

    def stop(self):
        """Stop taking work; give running flows a bounded time to end.

        A flow still running after ``[conductor]graceful_shutdown_timeout``
        dies with the process; its occurrence is resumed at the next start
        of this conductor, or by the conductor that takes it over.
        """
        if self._pool is None:
            return
        self._stopping.set()
        self._notifier.stop()
        self._pool.shutdown(wait=False, cancel_futures=True)
        timeout = CONF.conductor.graceful_shutdown_timeout
        _, left = futures.wait(list(self._running), timeout=timeout)
        if left:
            LOG.warning('Conductor %s stops with %d operation(s) still '
                        'running; they will be resumed at its next start, '
                        'or by a conductor that takes them over',
                        self.host, len(left))
        try:
            db_api.unregister_conductor(self.host)
        except Exception:
            LOG.exception('Could not mark conductor %s offline; the others '
                          'will see it so after [conductor]'
                          'heartbeat_timeout', self.host)

    # --- RPC endpoints ----------------------------------------------------
    # Only methods marked with messaging.expose are served over RPC
    # (vnfsnap.common.rpc.get_server): init_host, stop and the rest are
    # not for whoever can reach the message bus.

    @messaging.expose
    def run_lcm_op_occ(self, context, op_id):
        self._submit_op(self._run, op_id,
                        getattr(context, 'request_id', None))

    def _submit(self, fn, *args):
        future = self._pool.submit(fn, *args)
        self._running.add(future)
        future.add_done_callback(self._running.discard)

    def _submit_op(self, fn, op_id, *args):
        """Run ``fn(op_id, ...)`` in a worker, known as running meanwhile
        (see :meth:`_resume_orphans`)."""
        self._ops.submit(self._submit, fn, op_id, *args)

    @messaging.expose
    def run_vnf_snapshot_pkg_op(self, context, pkg_id):
        self._packages.submit_run(self._submit, pkg_id)

    @messaging.expose
    @messaging.expected_exceptions(exception.VnfsnapException)
    def get_vim_capabilities(self, context, vnf_instance_id):
        """What the VIM of each VNFC can do (GR NFV-TST 005 Nfvi.001),
        read from the VIM now; a VNFC whose VIM cannot answer gets the
        reason instead."""
        instance = db_api.get_vnf_instance(policy.project_scope(context),
                                           vnf_instance_id)
        drivers = flows_common.Drivers(instance.vim_connection_info)
        answer = []
        for vnfc in flows_common.resolve_vnfcs(instance):
            entry = {'vnfc_resource_info_id': vnfc.id,
                     'vim_connection_id': drivers.connection_id(
                         vnfc.compute_resource)}
            try:
                entry['capabilities'] = drivers.for_resource(
                    vnfc.compute_resource).capabilities(vnfc).as_dict()
            except exception.VnfsnapException as e:
                entry['error'] = e.message
            answer.append(entry)
        return answer

    @messaging.expose
    @messaging.expected_exceptions(exception.VnfsnapException)
    def delete_vnf_snapshot(self, context, vnf_snapshot_info_id):
        # Hold the resource while its VIM-side snapshots go, so that no
        # revert can start on what is being deleted.
        holder = uuidutils.generate_uuid()
        db_api.reserve_vnf_snapshot_info(policy.project_scope(context),
                                         vnf_snapshot_info_id, holder)
        try:
            info = db_api.get_vnf_snapshot_info(None, vnf_snapshot_info_id)
            if info.vnfc_snapshots:
                drivers = flows_common.Drivers(
                    flows_common.snapshot_vim_connection_info(info))
                for row in info.vnfc_snapshots:
                    snap = flows_common.vnfc_snapshot_dict(row)
                    handle = row.compute_snapshot_resource or {}
                    if drivers.connection_id(handle) is None:
                        # E.g. given by a client from a package: no VIM
                        # known here holds it, so only the record goes.
                        LOG.warning('VNFC snapshot %s of VNF snapshot %s is '
                                    'on no VIM connection known here; '
                                    'deleting its record only', row.id,
                                    info.id)
                        continue
                    LOG.info('Deleting VNFC snapshot %s of VNF snapshot %s',
                             row.id, info.id)
                    drivers.for_resource(handle).delete_vnfc_snapshot(snap)
            db_api.delete_vnf_snapshot_info(None, info.id,
                                            reservation=holder)
            if info.snapshot_vnf_state_key:
                store.delete_vnf_state(info.id)
        except Exception:
            db_api.release_vnf_snapshot_info(vnf_snapshot_info_id, holder)
            raise

    # --- running occurrences --------------------------------------------

    @staticmethod
    def _captured(op_id, request_id=None):
        """The scope whose log records are kept for the occurrence
        (vnfsnap.common.oplog), with the VIM secrets of its VNF instance
        to mask."""
        try:
            op = db_api.get_op_occ(None, op_id)
            instance = db_api.get_vnf_instance(None, op.vnf_instance_id)
        except exception.VnfsnapException:
            return contextlib.nullcontext()
        return oplog.capturing(
            op.vnf_instance_id, op_id,
            redact.known_secrets(instance.vim_connection_info),
            request_id=request_id)

    def _run(self, op_id, request_id=None):
        with self._captured(op_id, request_id):
            self._run_captured(op_id)

    def _run_captured(self, op_id):
        try:
            op = db_api.get_op_occ(None, op_id)
            if op.operation_state == states.STARTING:
                self._start(op)
            elif op.operation_state == states.PROCESSING:
                self._execute(op)
            elif op.operation_state == states.ROLLING_BACK:
                self._rollback(op)
            else:
                LOG.info('LCM operation occurrence %s is %s; nothing to run',
                         op_id, op.operation_state)
        except exception.InvalidOpOccState as e:
            LOG.info('Not running LCM operation occurrence %s: %s',
                     op_id, e)
        except Exception:
            LOG.exception('Unexpected error running LCM operation '
                          'occurrence %s', op_id)

    def _claim(self, op):
        """Take ownership; only one conductor wins."""
        return db_api.transition_op_occ(
            op.id, (op.operation_state,), op.operation_state, task='claim',
            expect_host=None, host=self.host)

    def _start(self, op):
        # Claim and start in one step: a conductor stopping in between
        # would leave a STARTING occurrence owned by nobody running it.
        op = db_api.transition_op_occ(op.id, (states.STARTING,),
                                      states.PROCESSING, task='start',
                                      expect_host=None, host=self.host)
        self._execute(op, claimed=True)

    def _execute(self, op, claimed=False):
        if not claimed:
            op = self._claim(op)
        LOG.info('Running %s for VNF instance %s (op occurrence %s)',
                 op.operation, op.vnf_instance_id, op.id)
        undo_failed = []
        try:
            instance = db_api.get_vnf_instance(None, op.vnf_instance_id)
            flows_common.delete_leftovers(op, instance)
            flow, flow_store = FLOWS[op.operation].build(op, instance)
            # Every step is recorded before the next: a conductor that
            # starts or takes this occurrence over resumes it.
            flows_common.run(flow, flow_store,
                             persisted=persistence.new_flow_detail(
                                 op.id, flow.name),
                             undo_failed=undo_failed)
        except Exception as e:
            LOG.warning('%s of VNF instance %s failed (op occurrence %s): '
                        '%s', op.operation, op.vnf_instance_id, op.id, e)
            self._settle_failure(op, e, undo_failed)
            return
        finally:
            self._forget(op.id)
        self._complete(op)

    def _settle_failure(self, op, exc, undo_failed):
        """FAILED_TEMP, as SOL003 has it; but a flow whose module says so
        (an online test undone before its verdict: the VNF restored) ends
        ROLLED_BACK, with the cause as its error, when no undo step
        failed."""
        rolled_back = getattr(FLOWS[op.operation], 'rolled_back_on_failure',
                              None)
        try:
            back = (not undo_failed and rolled_back is not None
                    and rolled_back(op))
        except Exception:
            LOG.exception('Could not tell how LCM operation occurrence %s '
                          'ended', op.id)
            back = False
        if not back:
            self._fail_temp(op.id, (states.PROCESSING,), exc)
            return
        db_api.transition_op_occ(
            op.id, (states.PROCESSING,), states.ROLLED_BACK,
            task='rollback', expect_host=self.host,
            error=views.problem(exc))
        LOG.info('%s of VNF instance %s rolled back (op occurrence %s)',
                 op.operation, op.vnf_instance_id, op.id)

    def _complete(self, op):
        db_api.transition_op_occ(op.id, (states.PROCESSING,),
                                 states.COMPLETED, task='complete',
                                 expect_host=self.host, error=None)
        LOG.info('%s of VNF instance %s completed (op occurrence %s)',
                 op.operation, op.vnf_instance_id, op.id)

    @staticmethod
    def _forget(op_id):
        """Drop a run's persisted progress once it ended (only an
        interrupted run needs it); a failure here only leaves rows that
        the next run or resume of the occurrence replaces."""
        try:
            persistence.forget(op_id)
        except Exception:
            LOG.exception('Could not drop the persisted flow of LCM '
                          'operation occurrence %s', op_id)

    # --- resuming interrupted occurrences ----------------------------------

    def _resume(self, op_id, why):
        with self._captured(op_id):
            self._resume_captured(op_id, why)

    def _resume_captured(self, op_id, why):
        """Resume occurrence ``op_id``, interrupted as ``why`` says (this
        conductor stopped, or an offline one this one took it over from).
        This conductor holds it already. A flow is rebuilt from
        its persisted decisions and finished or rolled back as its flow
        module says, from the persisted state of its steps (a flow being
        rolled back goes on rolling back); a client's rollback is run again
        (each of its steps is safe to repeat)."""
        try:
            op = db_api.get_op_occ(None, op_id)
            if op.operation_state == states.PROCESSING or (
                    op.operation_state == states.ROLLING_BACK
                    and persistence.load_flow_detail(op.id) is not None):
                self._resume_flow(op, why)
            elif op.operation_state == states.ROLLING_BACK:
                self._rollback(op, claimed=True)
        except exception.InvalidOpOccState as e:
            LOG.info('Not resuming LCM operation occurrence %s: %s',
                     op_id, e)
        except Exception:
            LOG.exception('Unexpected error resuming LCM operation '
                          'occurrence %s', op_id)

    def _resume_flow(self, op, why):
        loaded = persistence.load_flow_detail(op.id)
        if loaded is None:
            self._fail_temp(op.id, (states.PROCESSING,), exception.
                            VnfsnapException(
                                '%s before it finished, and no progress of '
                                'it was recorded; retry, roll back or fail '
                                'it' % why))
            return
        try:
            flow, atom_states = self._rebuild(op, loaded[2])
        except Exception as e:
            LOG.warning('Cannot resume LCM operation occurrence %s: %s',
                        op.id, e)
            self._fail_temp(op.id, (op.operation_state,), e)
            self._forget(op.id)
            return
        module = FLOWS[op.operation]
        where = _where(flow, atom_states)
        interrupted = flows_common.interrupted_atoms(flow, atom_states)
        back = op.operation_state == states.ROLLING_BACK or (
            module.resume_direction(flow, atom_states) == flows_common.BACK
            and (interrupted or flows_common.undoing(atom_states)))
        LOG.warning('Resuming LCM operation occurrence %s (%s): %s %s; %s',
                    op.id, op.operation, why, where, 'rolling it back'
                    if back else 'finishing it')
        try:
            if back:
                self._resume_back(op, flow, loaded, interrupted,
                                  '%s %s' % (why, where))
            else:
                self._resume_forward(op, flow, loaded, '%s %s' % (why, where))
        finally:
            self._forget(op.id)

    def _rebuild(self, op, detail):
        """The flow of an interrupted run, from its persisted decisions,
        and its steps' persisted states; refused when the steps differ
        (e.g. another release built it)."""
        atom_states = persistence.atom_states(detail)
        instance = db_api.get_vnf_instance(None, op.vnf_instance_id)
        flow, _ = FLOWS[op.operation].build(
            op, instance, plan=persistence.stored(detail).get('plan'))
        names = {a.name for a in flows_common.atoms(flow)}
        if names != set(atom_states):
            raise exception.VnfsnapException(
                'the interrupted run of this operation cannot be resumed: '
                'its steps rebuilt from the recorded decisions differ from '
                'those recorded (%s); retry, roll back or fail it'
                % ', '.join(sorted(names ^ set(atom_states))))
        return flow, atom_states

    def _resume_forward(self, op, flow, loaded, why):
        """Finish the flow. Where a failure undoes every step (create,
        modify), one that fails now is rolled back like an interrupted run;
        elsewhere (a revert keeps the VNFCs already reverted) it is
        FAILED_TEMP, as after any failure."""
        undo_failed = []
        try:
            flows_common.run(flow, persisted=loaded, undo_failed=undo_failed)
        except Exception as e:
            LOG.warning('Resumed %s of VNF instance %s failed (op '
                        'occurrence %s): %s', op.operation,
                        op.vnf_instance_id, op.id, e)
            if not getattr(FLOWS[op.operation], 'FAILURE_UNDOES_ALL',
                           False):
                self._fail_temp(op.id, (states.PROCESSING,), e)
                return
            op = db_api.transition_op_occ(
                op.id, (states.PROCESSING,), states.ROLLING_BACK,
                task='resume', expect_host=self.host)
            self._rolled_back(op, undo_failed, '%s; finishing the operation '
                              'failed (%s)' % (why, e))
            return
        self._complete(op)

    def _resume_back(self, op, flow, loaded, interrupted, why):
        """Undo every step done or maybe done, then what the run recorded
        outside its flow (VIM resources of a step whose result was lost),
        as a rollback does. ROLLED_BACK when every undo step succeeded,
        else FAILED_TEMP (the client decides, as after any failure)."""
        reason = ('%s; the operation was rolled back automatically: the '
                  'VNF was put back as it was before it' % why)
        if op.operation_state == states.PROCESSING:
            op = db_api.transition_op_occ(
                op.id, (states.PROCESSING,), states.ROLLING_BACK,
                task='resume', expect_host=self.host)
        undo_failed = []
        try:
            flows_common.run(flow, persisted=loaded, undo_failed=undo_failed,
                             interrupted=(interrupted, reason))
        except Exception as e:
            LOG.info('Rolled back the interrupted run of LCM operation '
                     'occurrence %s (%s)', op.id, e)
        self._rolled_back(op, undo_failed, why)

    def _rolled_back(self, op, undo_failed, why):
        """After a resumed flow's undo: what the run recorded outside its
        flow (VIM resources of a step whose result was lost) goes as a
        rollback does; ROLLED_BACK when every undo step succeeded, else
        FAILED_TEMP (the client decides, as after any failure)."""
        try:
            rollback = getattr(FLOWS[op.operation], 'rollback', None)
            if rollback is not None:
                rollback(op)
            else:
                flows_common.delete_leftovers(op, db_api.get_vnf_instance(
                    None, op.vnf_instance_id))
        except Exception as e:
            undo_failed.append(str(e))
        if undo_failed:
            self._fail_temp(op.id, (states.ROLLING_BACK,), exception.
                            VnfsnapException(
                                '%s; rolling the operation back failed '
                                'at: %s; check the VNF, then retry, roll '
                                'back or fail it'
                                % (why, '; '.join(undo_failed))))
            return
        reason = ('%s; the operation was rolled back automatically: the '
                  'VNF was put back as it was before it' % why)
        db_api.transition_op_occ(
            op.id, (states.ROLLING_BACK,), states.ROLLED_BACK,
            task='rollback', expect_host=self.host,
            error=views.problem(exception.VnfsnapException(reason)))
        LOG.warning('LCM operation occurrence %s rolled back: %s', op.id,
                    reason)

    def _rollback(self, op, claimed=False):
        """Undo a failed occurrence with its flow module's ``rollback``,
        then release everything. A module without one cannot be rolled
        back (states.NO_ROLLBACK; the API refuses those already)."""
        if not claimed:
            op = self._claim(op)
        try:
            if op.is_cancel_pending:
                raise exception.OperationCancelled(id=op.id)
            rollback = getattr(FLOWS[op.operation], 'rollback', None)
            if rollback is None:
                raise exception.Conflict(
                    'Rollback of %s is not supported; retry the occurrence '
                    'or mark it as failed' % op.operation)
            rollback(op)
        except Exception as e:
            self._fail_temp(op.id, (states.ROLLING_BACK,), e)
            return
        db_api.transition_op_occ(op.id, (states.ROLLING_BACK,),
                                 states.ROLLED_BACK, task='rollback',
                                 expect_host=self.host)

    def _fail_temp(self, op_id, from_states, exc):
        """Only while this conductor holds the occurrence: one taken over
        meanwhile (this one was offline) is no longer its to settle."""
        db_api.transition_op_occ(op_id, from_states, states.FAILED_TEMP,
                                 task='fail', error=views.problem(exc),
                                 is_cancel_pending=False,
                                 expect_host=self.host, host=None)


def _where(flow, atom_states):
    """Where an interrupted run stopped, for people: in the steps it was
    running, else after the last it completed."""
    order = list(flows_common.atoms(flow))
    running = [a.name for a in order
               if atom_states.get(a.name) == tf_states.RUNNING]
    if running:
        return 'at step %s' % ', '.join(running)
    done = [a.name for a in order
            if atom_states.get(a.name) == tf_states.SUCCESS]
    return 'after step %s' % done[-1] if done else 'before its first step'
