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

"""The VIM driver interface.

A driver knows nothing of the API or the flows: it says what it can do
(``capabilities``) and performs one VNFC-level step at a time. The flows
decide which steps run, in which order, and undo them on failure.
"""

import abc
import dataclasses
import functools
import typing

from oslo_log import log as logging

from vnfsnap.common import exception

LOG = logging.getLogger(__name__)

# recorder(owner, vnfc_id, record): set by the service (drivers know
# nothing of the database; contributor/design.rst).
_guard_recorder = None


def record_guards_with(recorder):
    """Have :func:`report_guard` call ``recorder(owner, vnfc_id, record)``
    (None: guards are not recorded, only logged)."""
    global _guard_recorder
    _guard_recorder = recorder


@dataclasses.dataclass(frozen=True)
class Capabilities:
    """What a VIM really offers (GR NFV-TST 005 Nfvi.001), read from it."""

    quiesce: bool = False
    memory_snapshot: bool = False
    live_snapshot: bool = False
    internal_snapshot: bool = False
    external_snapshot: bool = False
    atomic_multi_disk: bool = False
    # Pause and resume a VNFC: a VNF-wide crash-consistent point when all
    # VNFCs are paused before the first is captured.
    pause: bool = False
    incremental: bool = False
    # Export a VNFC snapshot's disks as the changes since an earlier VNFC
    # snapshot of the same VNFC (an incremental package), and import them
    # joined to their base again.
    incremental_package: bool = False
    revert_any_snapshot: bool = False
    revert_target_host: bool = False
    # Faults an online test can inject (GR NFV-TST 005 clause 4.1.1) and
    # what its probes can run: stop a VNFC (and start it again), hard-reset
    # it, take its network link down (and up), run a command inside it
    # through its guest agent.
    stop: bool = False
    reset: bool = False
    link_state: bool = False
    guest_exec: bool = False

    def as_dict(self):
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class Vnfc:
    """One VNFC as the driver needs it: its compute resource and volumes.

    Built by the flows from the VNF instance's vnfcResourceInfo and
    virtualStorageResourceInfo (ResourceHandles as plain dicts).
    """

    id: str
    vdu_id: str
    compute_resource: dict
    storage_resources: tuple = ()   # ({'id':..., 'storageResource': {...}})
    # Volumes of the VNFC a snapshot leaves out (snapshot descriptor
    # Vnfsd.016): the driver must not capture them while attached.
    left_out: tuple = ()
    # The LCM operation occurrence acting on the VNFC: the guards a VIM
    # arms on its interruptions are reported under it (report_guard).
    owner: typing.Optional[str] = None


def bounded(data, max_size):
    """``data`` (bytes) cut to its last ``max_size`` bytes, saying how
    much was cut at its start: logs matter most at their end."""
    return _cut(data, len(data), max_size)


def _cut(tail, size, max_size):
    """``tail``: the last bytes (at least ``max_size``, or all) of
    content of ``size`` bytes."""
    if size <= max_size:
        return tail
    keep = max_size - 64
    note = b'[vnfsnap: the first %d bytes are left out]\n' % (size - keep)
    return note + tail[len(tail) - keep:]


def tail_file(path, max_size):
    """The last ``max_size`` bytes of the file at ``path``, as
    :func:`bounded` marks them, without reading the rest."""
    with open(path, 'rb') as f:
        size = f.seek(0, 2)
        if size <= max_size:
            f.seek(0)
            return f.read()
        f.seek(size - max_size)
        return _cut(f.read(max_size), size, max_size)


def report_guard(vnfc, record):
    """Record, under the operation occurrence that owns the VNFC
    (``vnfc.owner``), a guard's record: armed, released or fired (``kind``,
    ``deadline``, ``state``...). Guards work without their record; a
    record that cannot be written is only logged."""
    recorder = _guard_recorder
    if vnfc.owner is None or recorder is None:
        return
    try:
        recorder(vnfc.owner, vnfc.id, record)
    except Exception:
        LOG.exception('Could not record guard %s of VNFC %s in operation '
                      'occurrence %s', record, vnfc.id, vnfc.owner)


@dataclasses.dataclass
class VnfcSnapshotResult:
    """What ``create_vnfc_snapshot`` achieved, to be recorded as is."""

    compute_snapshot_resource: dict
    storage_snapshot_resources: list
    consistency_level: str
    memory_captured: bool
    vim_details: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class GuestExecResult:
    """What a command run in a guest through its agent ended with; the
    output is cut to ``GUEST_OUTPUT_LIMIT`` bytes, decoded leniently."""

    exit_status: int
    stdout: str = ''
    stderr: str = ''


GUEST_OUTPUT_LIMIT = 64 * 1024


@dataclasses.dataclass(frozen=True)
class RevertStep:
    """One step of a VNFC revert as a VIM performs it (GR NFV-TST 005
    6.4.3/6.4.4: stop, detach, revert compute and volumes, attach, start).

    The flows run a driver's steps in the order it lists them, each as a
    step of their own, and undo them when a later one fails.

    ``do(done)`` performs one VIM action and returns, as JSON, what its
    undo (and later steps) need; ``done`` maps the names of the steps run
    before it to their results. ``undo(done, result)`` takes a step that
    completed back; None when there is nothing to take back. A step that
    fails undoes its own part before it raises.

    ``commit``: once this step completed, the revert stays done; failures
    after it (the power state, another VNFC) undo nothing before it. Its
    result is the revert's outcome: None, or ``{'volumes':
    [{storageResourceId, oldResourceId, resourceId}]}`` when volumes were
    restored as new VIM resources, so the VNF instance is pointed at them.
    """

    name: str
    do: typing.Callable
    undo: typing.Optional[typing.Callable] = None
    commit: bool = False


class VimDriver(abc.ABC):
    """Base class of VIM drivers; one instance per VIM connection."""

    def __init__(self, vim_connection_info):
        self.vim_connection_info = vim_connection_info

    @abc.abstractmethod
    def capabilities(self, vnfc=None):
        """Return :class:`Capabilities` as read from the VIM; with a VNFC,
        what is possible for that VNFC (e.g. quiesce needs its agent)."""

    def prepare_quiesce(self, vnfc, timeout):
        """Make ready what undoes a freeze of ``timeout`` seconds (the
        libvirt driver's guard), before any VNFC is frozen: the freezes of
        a VNF then begin together. Harmless to undo with
        :meth:`unquiesce` when no freeze followed. Nothing by default."""
        return None

    @abc.abstractmethod
    def quiesce(self, vnfc, timeout):
        """Freeze the VNFC's file systems; the thaw is owned by the caller
        but must also happen by itself after ``timeout`` seconds. May
        return when the freeze call was made (a naive UTC datetime; the
        caller's clock before the call otherwise), so that what comes
        before it (arming the guard) is not counted as frozen."""

    @abc.abstractmethod
    def unquiesce(self, vnfc):
        """Thaw the VNFC's file systems; harmless when not frozen. May
        return when the thaw call returned (as :meth:`quiesce`), so that
        what comes after it (releasing the guard) is not counted."""

    def _unsupported(self, what):
        return exception.VimCapabilityMissing(
            what=what,
            reason='the %s driver does not support it' % type(self).__name__)

    def power_state(self, vnfc):
        """``running``, ``paused`` or ``shutoff``."""
        raise self._unsupported('read the power state of VNFC %s' % vnfc.id)

    def stop_vnfc(self, vnfc, deadline=None):
        """Shut the VNFC down (GR NFV-TST 005 6.4.1 "stop"); harmless when
        it is off. With ``deadline`` (seconds) the stop is for a snapshot:
        the VIM starts the VNFC again by itself after that long, unless
        :meth:`start_vnfc` (or a stop without deadline: the operation
        wants it off after all) came first; drivers that cannot, ignore
        it (see doc/source/admin/guards.rst)."""
        raise self._unsupported('stop VNFC %s' % vnfc.id)

    def start_vnfc(self, vnfc):
        """Start a stopped VNFC; harmless when it runs."""
        raise self._unsupported('start VNFC %s' % vnfc.id)

    def pause_vnfc(self, vnfc, deadline=None):
        """Pause a running VNFC (its vCPUs stop; memory and disks stay as
        they are). Returns False, doing nothing, when it was not running.
        With ``deadline`` the VIM resumes it by itself after that many
        seconds unless :meth:`unpause_vnfc` came first (where it can)."""
        raise self._unsupported('pause VNFC %s' % vnfc.id)

    def unpause_vnfc(self, vnfc):
        """Resume a VNFC :meth:`pause_vnfc` paused."""
        raise self._unsupported('unpause VNFC %s' % vnfc.id)

    def reset_vnfc(self, vnfc):
        """Hard-reset a running VNFC, as a power cycle would (an online
        test's fault): no shutdown, the guest boots again."""
        raise self._unsupported('reset VNFC %s' % vnfc.id)

    def set_link_state(self, vnfc, up, mac_address=None):
        """Take the VNFC's network links (the one of ``mac_address``, or
        all) down or up again, as a cut cable would (an online test's
        fault). Returns the MAC addresses changed."""
        raise self._unsupported('change the link state of VNFC %s'
                                % vnfc.id)

    def guest_exec(self, vnfc, command, timeout):
        """Run ``command`` (argv, no shell) inside the VNFC through its
        guest agent, wait at most ``timeout`` seconds for it to end, and
        return a :class:`GuestExecResult` (VimError when it did not end
        in time)."""
        raise self._unsupported('run a command in VNFC %s' % vnfc.id)

    def detach_volume(self, vnfc, storage, deadline=None):
        """Detach one volume (a virtualStorageResourceInfo) from the VNFC
        and wait until it is gone (Vnfsd.011). Returns what
        :meth:`attach_volume` needs to attach it again as it was (JSON),
        or None when it was not attached. With ``deadline`` the VIM
        attaches it again by itself after that many seconds unless
        :meth:`attach_volume` came first (where it can)."""
        raise self._unsupported('detach volume %s from VNFC %s'
                                % (storage['id'], vnfc.id))

    def attach_volume(self, vnfc, storage, detached):
        """Attach a volume :meth:`detach_volume` detached (``detached``
        is what it returned) and wait until it is there (Vnfsd.012);
        harmless when it is attached."""
        raise self._unsupported('attach volume %s to VNFC %s'
                                % (storage['id'], vnfc.id))

    def detached_volume(self, vnfc, storage):
        """What :meth:`attach_volume` needs to put back a volume whose
        :meth:`detach_volume` never returned (the conductor died in it),
        from what the VIM itself kept of the detach; None when the volume
        is attached or the VIM kept nothing."""
        return None

    @abc.abstractmethod
    def create_vnfc_snapshot(self, vnfc, snapshot_id, with_memory,
                             quiesced, paused=False, name=None):
        """Snapshot one VNFC, its own disk and ``vnfc.storage_resources``
        but none of ``vnfc.left_out``; return a :class:`VnfcSnapshotResult`.
        ``paused``: the flow paused the running VNFC for a VNF-wide point;
        the snapshot records it as running. ``name``: what the VIM
        resources it makes are named after, where the VIM names them (the
        conductor records it first, for :meth:`discard_vnfc_snapshot`)."""

    def discard_vnfc_snapshot(self, vnfc, name):
        """Delete what a :meth:`create_vnfc_snapshot` named ``name`` made
        for ``vnfc`` and never returned (its conductor died in the
        middle), and put the VNFC back on the disks it had before; harmless
        when there is none. Returns False when this VIM cannot find them
        by name (an operator must), True otherwise."""
        return False

    @abc.abstractmethod
    def delete_vnfc_snapshot(self, vnfc_snapshot):
        """Remove what ``create_vnfc_snapshot`` made (given the recorded
        VnfcSnapshotInfo incl. ``vim_details``); harmless when gone."""

    def revert_steps(self, vnfc, vnfc_snapshot, power_state=None):
        """The revert of the VNFC to the recorded snapshot, then into
        ``power_state`` (running, paused, shutoff; default: the state it
        was in when the snapshot was taken), as :class:`RevertStep` s.

        Called when the flow is built: no VIM call happens before the
        steps run. By default one step, :meth:`revert_vnfc_snapshot`,
        which puts the VNFC back as it was itself when it fails."""
        return [RevertStep(
            'revert', functools.partial(self._revert_in_one_step, vnfc,
                                        vnfc_snapshot, power_state),
            commit=True)]

    def _revert_in_one_step(self, vnfc, vnfc_snapshot, power_state, done):
        return self.revert_vnfc_snapshot(vnfc, vnfc_snapshot, power_state)

    def revert_vnfc_snapshot(self, vnfc, vnfc_snapshot, power_state=None):
        """The whole revert in one step (see :meth:`revert_steps`): back
        to the snapshot and into ``power_state``; on failure the VNFC is
        as it was. Returns the outcome a commit step returns."""
        raise self._unsupported('revert VNFC %s' % vnfc.id)

    @abc.abstractmethod
    def check_revert(self, vnfc, vnfc_snapshot):
        """Raise VimError unless a revert of the VNFC can start; flows
        check every VNFC before touching the first one."""

    def export_vnfc_snapshot(self, vnfc_snapshot, dest_dir, base=None):
        """Write the VNFC snapshot as standalone files into ``dest_dir`` for
        a VNF snapshot package; return their description (a dict with
        ``disks`` [{target, file, diskFormat, containerFormat,
        storageResourceId (None for the compute resource's own disk)}],
        ``memory``, ``domainXml``, ``state`` and ``quiesced``).

        ``base``: an earlier VNFC snapshot (recorded dict) of the same
        VNFC; each disk it also has is written as only what changed since
        (``delta: true`` in its description), for an incremental package.
        Drivers without ``incremental_package`` refuse a base."""
        raise self._unsupported('export VNFC snapshots into a package')

    #: Whether export_vnfc_snapshot takes ``in_place=True``: each whole
    #: disk is then only described (``source``, ``sourceFormat``,
    #: ``sizeHint``) and written later by :meth:`write_exported_disk`
    #: straight into a package file, instead of into ``dest_dir`` first.
    exports_in_place = False

    def write_exported_disk(self, disk, path, offset):
        """Write a disk that export_vnfc_snapshot described ``in_place``
        into the file ``path`` from ``offset`` on, ending at the file's
        end."""
        raise self._unsupported('write a disk into a package in place')

    def refuse_delta(self, vnfc_snapshot, base):
        """The VimCapabilityMissing a driver that cannot export deltas
        raises for a ``base``, with its reason."""
        return exception.VimCapabilityMissing(
            what='export VNFC snapshot %s as a delta of VNFC snapshot %s'
                 % (vnfc_snapshot.get('id'), base.get('id')),
            reason=self.delta_refusal)

    delta_refusal = 'this driver cannot tell which blocks changed'

    def import_vnfc_snapshot(self, vnfc, src_dir, consistency_level=None,
                             name=None):
        """Register files described as :meth:`export_vnfc_snapshot` writes
        them (``vnfc-snapshot.json`` in ``src_dir``) as a snapshot of
        ``vnfc``; return a :class:`VnfcSnapshotResult`. A disk with a
        ``baseFile`` is a delta: the driver joins it to that full image
        (only drivers with ``incremental_package`` are given one).
        ``name``: what the VIM resources it makes are named after (the
        conductor records it first, for :meth:`discard_import`)."""
        raise self._unsupported('import VNFC snapshots from a package')

    def collect_diagnostics(self, vnfc, max_size):
        """What the VIM knows of the VNFC, for the diagnostics part of a
        root-cause package (GR NFV-TST 005 clause 4.2.1): a list of
        ``(name, bytes)``, each at most ``max_size`` bytes (the tail of a
        log). Items the VIM cannot give are left out, with the reason as
        an item ``<name>.unavailable``; only a VNFC the VIM does not know
        at all raises. The caller masks secrets."""
        raise self._unsupported('collect diagnostics of VNFC %s' % vnfc.id)

    def discard_import(self, vnfc, name):
        """Delete what an import named ``name`` made for ``vnfc`` and never
        returned (its conductor died in the middle); harmless when there
        is none. Returns False when this VIM cannot find them by name (an
        operator must), True otherwise."""
        return False
