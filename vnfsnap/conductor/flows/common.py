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

"""Pieces every flow uses: VNFC resolution, drivers, cancellation, undo,
running."""

from concurrent import futures
import contextvars

from oslo_log import log as logging
from oslo_utils import timeutils
from taskflow import engines
from taskflow import exceptions as taskflow_exc
from taskflow import states as tf_states
from taskflow import task
from taskflow.types import failure

from vnfsnap import vim
from vnfsnap.common import exception
from vnfsnap.conductor.flows import faults
import vnfsnap.conf
from vnfsnap.db import api as db_api
from vnfsnap.vim import base as vim_base

CONF = vnfsnap.conf.CONF
LOG = logging.getLogger(__name__)

# What a resumed flow does with an interrupted run (see resume()).
FORWARD = 'finish'
BACK = 'roll back'
# The key of an op_vim_resources record of a VNFC snapshot the VIM is
# making (or was, when its conductor died): the name it makes it under.
INTENT = 'intent'
# ... and of one the VIM made (what its step returned, with the same name,
# by which a rollback discards it: the VNFC back on exactly the disk files
# it had).
NAME = 'name'
# Atom states of a run that was already undoing a failure.
_UNDOING = (tf_states.FAILURE, tf_states.REVERTING, tf_states.REVERTED,
            tf_states.REVERT_FAILURE)
# The undo steps that failed in the run of the current thread's flow.
_UNDO_FAILED = contextvars.ContextVar('vnfsnap_undo_failed', default=None)


def now():
    """UTC now, as the JSON a persisted atom result keeps of it."""
    return timeutils.utcnow().isoformat()


def as_datetime(value):
    """A time an atom result or store kept (ISO 8601) as a datetime."""
    if isinstance(value, str):
        return timeutils.normalize_time(timeutils.parse_isotime(value))
    return value


def resolve_vnfcs(instance, owner=None):
    """The VNFCs of a registered VNF instance, in registration order.
    ``owner``: the op occurrence on whose behalf they are handled (the
    VIM's guards on what it interrupts report under it)."""
    info = instance.instantiated_vnf_info or {}
    storage = {s['id']: s for s in info.get('virtualStorageResourceInfo')
               or []}
    return [vim_base.Vnfc(id=rsc['id'], vdu_id=rsc.get('vduId'),
                          compute_resource=rsc['computeResource'],
                          storage_resources=tuple(
                              storage[sid] for sid in
                              rsc.get('storageResourceIds') or []),
                          owner=owner)
            for rsc in info.get('vnfcResourceInfo') or []]


def vnfc_snapshot_dict(row):
    """A VNFC snapshot row as the driver interface receives it."""
    return {k: v for k, v in row.as_dict().items()
            if k not in ('vnf_snapshot_info_id', 'position')}


class Drivers:
    """One driver per VIM connection of the VNF, created on first use."""

    def __init__(self, vim_connection_info):
        self._infos = vim_connection_info or {}
        self._drivers = {}

    def connection_id(self, resource_handle):
        """The VIM connection of a ResourceHandle, or None when unknown."""
        conn_id = resource_handle.get('vimConnectionId')
        if conn_id is None and len(self._infos) == 1:
            conn_id = next(iter(self._infos))
        return conn_id if conn_id in self._infos else None

    def for_resource(self, resource_handle):
        conn_id = self.connection_id(resource_handle)
        if conn_id is None:
            raise exception.VimError(
                reason='no vimConnectionInfo %r for resource %s'
                % (resource_handle.get('vimConnectionId'),
                   resource_handle.get('resourceId')))
        if conn_id not in self._drivers:
            self._drivers[conn_id] = vim.get_driver(self._infos[conn_id])
        return self._drivers[conn_id]


def snapshot_vim_connection_info(info):
    """The VIM connections of a VNF snapshot's VnfInstance copy.

    The copy is the public representation, without accessInfo; while the
    VNF instance it was taken from is still registered, its connections
    (with credentials) are used instead.
    """
    infos = dict((info.snapshot_vnf_instance or {}).get(
        'vimConnectionInfo') or {})
    if info.snapshot_vnf_instance_id:
        try:
            instance = db_api.get_vnf_instance(
                info.project_id, info.snapshot_vnf_instance_id)
        except exception.VnfInstanceNotFound:
            pass
        else:
            infos.update(instance.vim_connection_info or {})
    return infos


def delete_leftovers(op, instance):
    """Delete the VIM resources an earlier run of ``op`` made and never
    handed over (its conductor died mid-flow); before a retry runs the
    flow again, and when the occurrence is rolled back. Raises when one
    is left (the VIM failed, or cannot find it by its name)."""
    leftovers = db_api.list_op_vim_resources(op.id)
    if not leftovers:
        return
    drivers = Drivers(instance.vim_connection_info)
    vnfcs = {v.id: v for v in resolve_vnfcs(instance, owner=op.id)}
    left = []
    for key in leftovers:
        LOG.info('Deleting VNFC snapshot of %s left by an interrupted '
                 'run of op occurrence %s', key, op.id)
        vnfc = vnfcs.get(key)
        driver = drivers.for_resource(
            vnfc.compute_resource if vnfc is not None else
            leftovers[key].get('compute_resource')
            or leftovers[key]['compute_snapshot_resource'])
        if not discard_leftover(op.id, key, vnfc, driver):
            left.append(key)
    if left:
        raise exception.VimError(
            reason='the VNFC snapshots an interrupted run of op occurrence '
                   '%s made of VNFC(s) %s could not be deleted (see the '
                   'log); delete them on the VIM, then retry, roll back or '
                   'fail the occurrence' % (op.id, ', '.join(sorted(left))))


def discard_leftover(op_id, key, vnfc, driver, taken=None):
    """Delete what the occurrence recorded under ``key`` (VNFC ``vnfc``)
    and forget the record once it is gone: a VNFC snapshot, or the name
    of one whose making was cut off (:data:`INTENT`), which the VIM
    discards by that name. ``taken``: the ``compute_snapshot_resource``
    and ``vim_details`` the VIM returned for that name, when its step
    kept them (deleted by them where the VIM cannot discard by name). As
    an undo step; returns whether it is gone."""
    resource = db_api.list_op_vim_resources(op_id).get(key)
    if resource is None:
        return True
    name = resource.get(INTENT)
    if name is not None and taken is not None:
        resource, name = dict(taken, **{NAME: name}), None
    if name is None:
        done = undo('delete VNFC snapshot %s of VNFC %s (left on the VIM)'
                    % (resource['compute_snapshot_resource'], key),
                    _undo_snapshot, driver, vnfc, resource)
    elif vnfc is None:
        LOG.error('VNFC %s is no longer part of its VNF: what its cut-off '
                  'snapshot %s left on the VIM must be deleted by hand',
                  key, name)
        done = False
    else:
        done = undo('discard what the cut-off snapshot %s of VNFC %s left '
                    'on the VIM' % (name, key), _discard, driver, vnfc,
                    name)
    if done:
        db_api.remove_op_vim_resource(op_id, key)
    return done


def _undo_snapshot(driver, vnfc, resource):
    """A snapshot the occurrence made and now undoes: discarded by its
    name where the VIM can (libvirt commits the VNFC's disks back into the
    images they had, where a delete would keep the new overlays), else
    deleted."""
    name = resource.get(NAME)
    if name and vnfc is not None and driver.discard_vnfc_snapshot(vnfc,
                                                                  name):
        return
    driver.delete_vnfc_snapshot(resource)


def _discard(driver, vnfc, name):
    if not driver.discard_vnfc_snapshot(vnfc, name):
        raise exception.VimError(
            reason='this VIM cannot find what snapshot %s of VNFC %s left '
                   'by its name; delete it by hand' % (name, vnfc.id))


def undo(what, func, *args):
    """Run one undo step. Its failure is logged and swallowed: it must not
    stop the other undo steps (taskflow stops reverting at a failed revert,
    which would leave VNFCs frozen) nor hide the cause of the failure.
    Returns whether the step succeeded."""
    try:
        func(*args)
        return True
    except exception.GuardUndidInterruption as e:
        LOG.info('Undo step %s: already done by its guard (%s)', what, e)
        return True
    except Exception:
        LOG.exception('Undo step failed: %s', what)
        failed = _UNDO_FAILED.get()
        if failed is not None:
            failed.append(what)
        return False


class CheckCancel(task.Task):
    """Stops the flow (and so undoes what was done) once a client asked
    to cancel the occurrence."""

    def execute(self, op_id):
        op = db_api.get_op_occ(None, op_id)
        if op.is_cancel_pending:
            LOG.info('LCM operation occurrence %s: cancelled by the client '
                     '(%s), undoing what was done', op_id, op.cancel_mode)
            raise exception.OperationCancelled(id=op_id)


class ContextExecutor(futures.ThreadPoolExecutor):
    """Runs each call in a copy of the caller's context, so that the undo
    steps of a flow report their failures to its run(), and the log lines
    of every thread are kept with the operation's (vnfsnap.common.oplog)."""

    def submit(self, fn, /, *args, **kwargs):
        return super().submit(contextvars.copy_context().run, fn, *args,
                              **kwargs)


def atoms(flow):
    """The tasks of ``flow`` and its sub-flows, in the order added."""
    for item in flow:
        if isinstance(item, task.Task):
            yield item
        else:
            yield from atoms(item)


def undoing(atom_states):
    """Whether the interrupted run had started undoing a failure."""
    return any(s in _UNDOING for s in atom_states.values())


def interrupted_atoms(flow, atom_states):
    """The steps to mark failed to roll an interrupted run back: those it
    was running (each may or may not have acted), else the first it had
    not started (so that the engine undoes everything done before it)."""
    if undoing(atom_states):
        return []
    order = list(atoms(flow))
    running = [a.name for a in order
               if atom_states.get(a.name) == tf_states.RUNNING]
    if running:
        return running
    return [a.name for a in order
            if atom_states.get(a.name) in (tf_states.PENDING, None)][:1]


def run(flow, store=None, persisted=None, undo_failed=None,
        interrupted=None):
    """Run ``flow``; on failure taskflow has reverted it when this raises.

    ``persisted``: (backend, book, flow detail) to record every step in
    (vnfsnap.conductor.flows.persistence) and, on a resume, to continue
    from. ``undo_failed``: a list that receives the undo steps that
    failed. ``interrupted``: (atom names, reason) of an interrupted run to
    roll back: they are marked failed (they may or may not have acted)
    and the engine undoes them and every step done before them.
    """
    token = _UNDO_FAILED.set(undo_failed if undo_failed is not None
                             else [])
    try:
        _run(flow, store, persisted, interrupted)
    finally:
        _UNDO_FAILED.reset(token)


def _run(flow, store, persisted, interrupted):
    kwargs = {}
    if persisted is not None:
        backend, book, detail = persisted
        kwargs = dict(backend=backend, book=book, flow_detail=detail)
    # concurrent.futures, not futurist: its pool shuts down at once, where
    # futurist's idles for a second per flow.
    with ContextExecutor(CONF.conductor.flow_workers) as pool:
        engine = engines.load(flow, store=store, engine='parallel',
                              executor=pool, **kwargs)
        if interrupted:
            names, reason = interrupted
            for name in names:
                engine.storage.save(name, failure.Failure.from_exception(
                    exception.VnfsnapException(reason)),
                    state=tf_states.FAILURE)
        faults.listen(engine)
        try:
            engine.run()
        except taskflow_exc.WrappedFailure as e:
            # Several parallel steps failed: report the first cause, not
            # taskflow's wrapper.
            LOG.warning('Several steps failed: %s', e)
            next(iter(e)).reraise()
