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

"""VIM driver for local QEMU/KVM guests through libvirt.

Snapshots are *external*: taking one turns each disk's current image into
the snapshot's read-only "frozen" image and puts a new overlay on top for the
guest to write to; a warm snapshot also saves memory and device state to a
file while the guest runs (LIVE: only the last pages are copied paused).
libvirt 9.0 can neither revert to nor delete external snapshots, so the
driver does both itself, tracking its files in a per-domain index:

* revert: a new overlay on the frozen images, then restore the memory file
  (warm) or boot (cold); any earlier snapshot, not only the latest;
* delete: merge the frozen image into its only child (live with a block
  pull when the child is the running disk), so chains do not grow forever;
  images that cannot be merged yet stay as orphans, retried later.

One snapshot type per domain, and no libvirt snapshot metadata: mixing
internal and external snapshots, or relying on libvirt's external snapshot
metadata, silently corrupts reverts on this libvirt version.
"""

import base64
import contextlib
import fcntl
import json
import os
import shutil
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET

import libvirt
import libvirt_qemu
from oslo_log import log as logging
from oslo_utils import timeutils
from oslo_utils import uuidutils

from vnfsnap.common import exception
from vnfsnap.common import states
import vnfsnap.conf
from vnfsnap.vim import base
from vnfsnap.vim.libvirt import domain_xml
from vnfsnap.vim.libvirt import guard
from vnfsnap.vim.libvirt import images

CONF = vnfsnap.conf.CONF
LOG = logging.getLogger(__name__)

VIM_TYPE = 'VNFSNAP.LIBVIRT.V_1'
SNAPSHOT_TYPE = 'libvirt.ExternalSnapshot'
DISK_IMAGE_TYPE = 'libvirt.DiskImage'

RUNNING, PAUSED, SHUTOFF = 'running', 'paused', 'shutoff'
_STATES = {libvirt.VIR_DOMAIN_RUNNING: RUNNING,
           libvirt.VIR_DOMAIN_PAUSED: PAUSED,
           libvirt.VIR_DOMAIN_PMSUSPENDED: PAUSED}

# libvirt prints every error to stderr by default; they are raised as
# exceptions and logged where they matter.
libvirt.registerErrorHandler(lambda ctx, error: None, None)

_CONNECTIONS = {}
_CONNECTIONS_LOCK = threading.Lock()


def _alive(conn):
    """A round trip, not isAlive(): that one still says yes for a while
    after libvirtd restarted under us."""
    try:
        conn.getLibVersion()
        return True
    except libvirt.libvirtError:
        return False


def _connection(uri):
    """One libvirt connection per URI and process (they are thread-safe),
    opened again when libvirtd restarted: for up to
    ``[libvirt]reconnect_timeout`` seconds while it does not answer."""
    with _CONNECTIONS_LOCK:
        conn = _CONNECTIONS.get(uri)
        if conn is not None and _alive(conn):
            return conn
        end = time.monotonic() + CONF.libvirt.reconnect_timeout
        warned = False
        while True:
            try:
                conn = libvirt.open(uri)
                break
            except libvirt.libvirtError as e:
                if time.monotonic() >= end:
                    raise exception.VimError(
                        reason='cannot connect to %s: %s' % (uri, e))
                if not warned:
                    LOG.warning('libvirtd at %s does not answer (%s); '
                                'waiting up to %ss for it', uri, e,
                                CONF.libvirt.reconnect_timeout)
                    warned = True
                time.sleep(1)
        _CONNECTIONS[uri] = conn
        return conn


def _unknown_outcome(error):
    """Whether a libvirt call failed without saying what it did: libvirtd
    went away mid-call, or the guest agent did not answer in time (a
    freeze may still complete after either)."""
    return (error.get_error_domain() in (libvirt.VIR_FROM_RPC,
                                         libvirt.VIR_FROM_REMOTE)
            or error.get_error_code() in (
                libvirt.VIR_ERR_AGENT_UNRESPONSIVE,
                getattr(libvirt, 'VIR_ERR_AGENT_COMMAND_TIMEOUT', -1),
                libvirt.VIR_ERR_NO_CONNECT, libvirt.VIR_ERR_SYSTEM_ERROR,
                libvirt.VIR_ERR_OPERATION_TIMEOUT))


def _snapshot_handle(conn_id, domain_uuid, name):
    """The ResourceHandle of one VNFC snapshot of this driver."""
    return {'vimConnectionId': conn_id,
            'resourceId': '%s/%s' % (domain_uuid, name),
            'vimLevelResourceType': SNAPSHOT_TYPE}


def _vim_error(what, error):
    return exception.VimError(reason='%s: %s' % (what, error))


def _raise_if_fired(vnfc, fired):
    """A guard that undid an interruption before the conductor did broke
    what the interruption was for (a frozen, paused or stopped VNFC, a
    detached volume, while it was captured): the operation must fail and
    roll back rather than record a snapshot it cannot vouch for."""
    if fired is None:
        return
    reason = ('the %s of VNFC %s outlasted its deadline (%s); its guard '
              '%s at %s, so what was captured meanwhile cannot be trusted'
              % (fired['kind'], vnfc.id, fired['deadline'],
                 'undid it' if fired['state'] == guard.FIRED
                 else 'failed to undo it (%s)' % fired.get('error'),
                 fired.get('firedAt')))
    # Undone by the guard: as an undo step (a roll back) that is done.
    if fired['state'] == guard.FIRED:
        raise exception.GuardUndidInterruption(reason=reason)
    raise exception.VimError(reason=reason)


class _DomainFiles:
    """The driver's files of one domain and their index, under a lock.

    ``snapshots`` maps a snapshot name to its frozen images and memory file;
    ``owned`` lists the overlays the driver created (only those are ever
    deleted); ``orphans`` are frozen images whose snapshot is gone but that
    could not be merged away yet; ``reverting``, while a revert runs, names
    its snapshot, the overlays it makes and the images they replace
    (saved before the first overlay is made, so that a revert cut off
    midway leaves nothing the index does not name).
    """

    def __init__(self, domain_uuid):
        self.root = os.path.join(CONF.libvirt.snapshot_dir, domain_uuid)
        self.disks_dir = os.path.join(self.root, 'disks')
        self.snapshots_dir = os.path.join(self.root, 'snapshots')
        self._index_path = os.path.join(self.root, 'index.json')
        self.index = None

    @contextlib.contextmanager
    def locked(self):
        for path in (self.disks_dir, self.snapshots_dir):
            os.makedirs(path, exist_ok=True)
        # QEMU runs as its own user and must reach the images.
        os.chmod(CONF.libvirt.snapshot_dir, 0o755)  # noqa: S103
        with open(os.path.join(self.root, '.lock'), 'w') as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                self.index = {'snapshots': {}, 'owned': [], 'orphans': []}
                if os.path.exists(self._index_path):
                    with open(self._index_path) as f:
                        self.index.update(json.load(f))
                yield self
                self.save()
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def save(self):
        """The index, written whole or not at all, and durably (under the
        lock)."""
        tmp = self._index_path + '.tmp'
        with open(tmp, 'w') as f:
            json.dump(self.index, f, indent=1, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self._index_path)
        fd = os.open(self.root, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def new_overlay_path(self, target, tag):
        return os.path.join(self.disks_dir, '%s-%s.qcow2' % (target, tag))

    def frozen_images(self):
        return {img for snap in self.index['snapshots'].values()
                for img in snap['disks'].values()}

    def own(self, path):
        self.index['owned'].append(path)

    def delete_if_owned(self, path):
        if path in self.index['owned']:
            LOG.info('Removing image %s', path)
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
            self.index['owned'].remove(path)

    def begin_revert(self, name, overlays, replaced):
        """The write-ahead record of a revert: saved before it makes
        ``overlays`` ({target: path}) to replace ``replaced`` ({target:
        image})."""
        self.index['reverting'] = {'snapshot': name,
                                   'overlays': dict(overlays),
                                   'replaced': dict(replaced)}
        self.save()

    def end_revert(self):
        self.index.pop('reverting', None)

    def delete_created(self, path):
        """Remove an overlay a revert record names: only one the driver
        made (in its disks directory), whether or not it was owned."""
        if os.path.dirname(path) != self.disks_dir:
            LOG.warning('Not removing %s: not an image of the driver', path)
            return
        LOG.info('Removing image %s', path)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        if path in self.index['owned']:
            self.index['owned'].remove(path)


def _console_logs(root):
    """The files the domain's serial ports and consoles write: a
    ``type='file'`` source, or the ``<log file=...>`` of a pty."""
    for element in root.iterfind('./devices/serial'):
        yield from _char_device_logs(element)
    for element in root.iterfind('./devices/console'):
        yield from _char_device_logs(element)


def _char_device_logs(element):
    source = element.find('source')
    if element.get('type') == 'file' and source is not None \
            and source.get('path'):
        yield source.get('path')
    log = element.find('log')
    if log is not None and log.get('file'):
        yield log.get('file')


class LibvirtDriver(base.VimDriver):

    def __init__(self, vim_connection_info):
        super().__init__(vim_connection_info)
        self.uri = ((vim_connection_info.get('interfaceInfo') or {}).get(
            'uri') or CONF.libvirt.uri)

    # --- helpers ----------------------------------------------------------

    @property
    def conn(self):
        return _connection(self.uri)

    def _domain(self, vnfc):
        ref = vnfc.compute_resource['resourceId']
        try:
            if uuidutils.is_uuid_like(ref):
                return self.conn.lookupByUUIDString(ref)
            return self.conn.lookupByName(ref)
        except libvirt.libvirtError as e:
            raise exception.VimError(
                reason='domain %s of VNFC %s not found on %s: %s'
                % (ref, vnfc.id, self.uri, e.get_error_message()))

    @staticmethod
    def _state(dom):
        return _STATES.get(dom.state()[0], SHUTOFF)

    def _agent(self, dom, command):
        return json.loads(libvirt_qemu.qemuAgentCommand(
            dom, json.dumps({'execute': command}),
            CONF.libvirt.agent_timeout, 0))

    def _agent_commands(self, dom):
        """The commands the VNFC's guest agent offers (empty when it does
        not answer)."""
        if self._state(dom) != RUNNING:
            return set()
        try:
            self._agent(dom, 'guest-ping')
            info = self._agent(dom, 'guest-info')['return']
        except (libvirt.libvirtError, ValueError, KeyError):
            return set()
        return {c['name'] for c in info.get('supported_commands', ())
                if c.get('enabled')}

    def _agent_answers(self, dom):
        return {'guest-fsfreeze-freeze', 'guest-fsfreeze-thaw'} <= \
            self._agent_commands(dom)

    # --- capabilities -----------------------------------------------------

    def capabilities(self, vnfc=None):
        """Read from libvirt and QEMU; quiesce per VNFC (its agent)."""
        conn = self.conn
        qemu = conn.getType() == 'QEMU'
        try:
            domcaps = conn.getDomainCapabilities(None, None, None, None, 0)
        except libvirt.libvirtError:
            domcaps = ''
        quiesce = guest_exec = False
        if vnfc is not None:
            commands = self._agent_commands(self._domain(vnfc))
            quiesce = {'guest-fsfreeze-freeze',
                       'guest-fsfreeze-thaw'} <= commands
            guest_exec = {'guest-exec', 'guest-exec-status'} <= commands
        return base.Capabilities(
            stop=True, reset=True, link_state=True, guest_exec=guest_exec,
            quiesce=quiesce,
            memory_snapshot=qemu,
            live_snapshot=qemu,
            internal_snapshot=qemu,
            external_snapshot=qemu,
            atomic_multi_disk=qemu and conn.getVersion() >= 1001000,
            pause=True,
            incremental="<backup supported='yes'/>" in domcaps,
            # Deltas come off the driver's own overlay chains (qemu-img),
            # not off libvirt checkpoints: see user/package-format.rst.
            incremental_package=qemu,
            revert_any_snapshot=qemu,
            revert_target_host=False)

    # --- quiesce ----------------------------------------------------------

    def prepare_quiesce(self, vnfc, timeout):
        """The freeze's guard, armed before any VNFC's freeze: starting a
        process takes tens of milliseconds, and the first VNFC frozen
        would wait them out for the others."""
        dom = self._domain(vnfc)
        self._arm(dom, vnfc, guard.FREEZE, timeout)

    def quiesce(self, vnfc, timeout):
        dom = self._domain(vnfc)
        # The guard runs before the freeze: never a frozen guest without one.
        if not os.path.exists(self._token(dom, guard.FREEZE)):
            self._arm(dom, vnfc, guard.FREEZE, timeout)
        at = timeutils.utcnow()
        try:
            frozen = dom.fsFreeze()
        except libvirt.libvirtError as e:
            if _unknown_outcome(e):
                # The guest may be frozen, or freeze later (libvirtd went
                # away or the agent is still in its freeze hooks): the
                # guard stays until unquiesce has thawed it.
                LOG.warning('The freeze of VNFC %s ended without an answer '
                            '(%s); its guard stays armed until it is '
                            'thawed', vnfc.id, e)
            else:
                self._release(dom, vnfc, guard.FREEZE)
            raise _vim_error('freezing the file systems of VNFC %s'
                             % vnfc.id, e)
        LOG.info('Froze %d file system(s) of VNFC %s', frozen, vnfc.id)
        return at

    def unquiesce(self, vnfc):
        """Thaw, then release the guard. A thaw without answer (libvirtd
        restarting, the agent still in its freeze hooks) is tried again for
        ``[libvirt]reconnect_timeout`` seconds; one that still fails leaves
        the guard to try again at its deadline."""
        end = time.monotonic() + CONF.libvirt.reconnect_timeout
        while True:
            dom = self._domain(vnfc)
            token = self._token(dom, guard.FREEZE)
            try:
                dom.fsThaw()
                at = timeutils.utcnow()
                break
            except libvirt.libvirtError as e:
                if os.path.exists(token + '.fired'):
                    at = None
                    break
                if not os.path.exists(token):
                    # Never frozen by this driver (its freeze was refused)
                    # or thawed and released already.
                    LOG.info('VNFC %s holds no freeze of this driver; '
                             'its thaw answered: %s', vnfc.id, e)
                    return None
                if not _unknown_outcome(e) or time.monotonic() >= end:
                    raise _vim_error('thawing VNFC %s' % vnfc.id, e)
                LOG.warning('The thaw of VNFC %s ended without an answer '
                            '(%s); trying again', vnfc.id, e)
                time.sleep(1)
        _raise_if_fired(vnfc, self._release(dom, vnfc, guard.FREEZE))
        return at

    # --- guards -----------------------------------------------------------

    @staticmethod
    def _token(dom, kind, key=None):
        return os.path.join(_DomainFiles(dom.UUIDString()).root, 'guards',
                            kind + ('-' + key if key else '') + '.token')

    def _arm(self, dom, vnfc, kind, deadline, key=None, **details):
        """Start the guard that undoes ``kind`` after ``deadline`` seconds
        unless released: before the VNFC's service is interrupted."""
        uuid = dom.UUIDString()
        record = guard.arm(
            self._token(dom, kind, key),
            os.path.join(_DomainFiles(uuid).root, 'guard.log'), self.uri,
            uuid, kind, deadline, vnfcId=vnfc.id,
            retrySeconds=CONF.libvirt.reconnect_timeout, **details)
        LOG.info('Guard armed on VNFC %s: %s%s undone at %s unless '
                 'released', vnfc.id, kind,
                 ' of volume %s' % details['resourceId']
                 if 'resourceId' in details else '', record['deadline'])
        base.report_guard(vnfc, record)

    def _release(self, dom, vnfc, kind, key=None):
        """Take the undo back from the guard; returns the record of a guard
        that fired already (logged and reported), else None."""
        record = guard.release(self._token(dom, kind, key))
        if record is None:
            return None
        base.report_guard(vnfc, record)
        if record['state'] == guard.RELEASED:
            return None
        LOG.warning('Guard of VNFC %s fired before this conductor undid '
                    'the %s itself: its deadline %s passed and the guard '
                    '%s at %s', vnfc.id, kind, record['deadline'],
                    'undid it' if record['state'] == guard.FIRED
                    else 'FAILED to undo it (%s)' % record.get('error'),
                    record.get('firedAt'))
        return record

    # --- pause ------------------------------------------------------------

    def pause_vnfc(self, vnfc, deadline=None):
        dom = self._domain(vnfc)
        if self._state(dom) != RUNNING:
            return False
        if deadline is not None:
            self._arm(dom, vnfc, guard.PAUSE, deadline)
        try:
            dom.suspend()
        except libvirt.libvirtError as e:
            self._release(dom, vnfc, guard.PAUSE)
            raise _vim_error('pausing VNFC %s' % vnfc.id, e)
        LOG.info('Paused VNFC %s', vnfc.id)
        return True

    def unpause_vnfc(self, vnfc):
        """Resume, then release the guard (it stays armed when the resume
        fails)."""
        dom = self._domain(vnfc)
        if self._state(dom) == PAUSED:
            try:
                dom.resume()
            except libvirt.libvirtError as e:
                raise _vim_error('resuming VNFC %s' % vnfc.id, e)
            LOG.info('Resumed VNFC %s', vnfc.id)
        _raise_if_fired(vnfc, self._release(dom, vnfc, guard.PAUSE))

    # --- create -----------------------------------------------------------

    def create_vnfc_snapshot(self, vnfc, snapshot_id, with_memory,
                             quiesced, paused=False, name=None):
        dom = self._domain(vnfc)
        uuid = dom.UUIDString()
        actual = self._state(dom)
        state = RUNNING if paused else actual
        disks = domain_xml.disks(dom.XMLDesc(0))
        volumes = self._volume_targets(vnfc, disks)
        # Left-out volumes still attached keep their image and go on being
        # written (snapshot='no'); detached ones are not there at all.
        left_out = self._attached_targets(vnfc.left_out, disks)
        disks = [d for d in disks if d['target'] not in left_out]
        name = name or 'vnfsnap-%s' % uuidutils.generate_uuid()
        memory = with_memory and state != SHUTOFF
        files = _DomainFiles(uuid)
        with self._locked(files, dom):
            snap_dir = os.path.join(files.snapshots_dir, name)
            os.makedirs(snap_dir)
            overlays = {d['target']: files.new_overlay_path(
                d['target'], name[8:16]) for d in disks}
            mem_path = os.path.join(snap_dir, 'memory.save')
            xml = self._snapshot_xml(name, snapshot_id, vnfc, overlays,
                                     mem_path if memory else None, left_out)
            flags = (libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC |
                     libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA)
            if not memory:
                flags |= libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY
            elif actual == RUNNING:
                flags |= libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_LIVE
            started = time.monotonic()
            try:
                dom.snapshotCreateXML(xml, flags)
            except libvirt.libvirtError as e:
                shutil.rmtree(snap_dir, ignore_errors=True)
                raise _vim_error('snapshot of VNFC %s' % vnfc.id, e)
            took = time.monotonic() - started
            for path in overlays.values():
                files.own(path)
            frozen = {d['target']: d['source'] for d in disks}
            files.index['snapshots'][name] = {
                'disks': frozen, 'memory': mem_path if memory else None}
        LOG.info('VNFC %s: snapshot %s (%s, memory %s) in %.0f ms', vnfc.id,
                 name, state, memory, took * 1000)
        conn_id = vnfc.compute_resource.get('vimConnectionId')
        return base.VnfcSnapshotResult(
            compute_snapshot_resource=_snapshot_handle(conn_id, uuid, name),
            storage_snapshot_resources=[
                {'storageResourceId': storage_id,
                 'storageSnapshotResource': {
                     'vimConnectionId': conn_id,
                     'resourceId': frozen[target],
                     'vimLevelResourceType': DISK_IMAGE_TYPE}}
                for storage_id, target in volumes],
            consistency_level=(states.CONSISTENCY_FILESYSTEM if quiesced
                               else states.CONSISTENCY_CRASH),
            memory_captured=memory,
            vim_details={
                'domain_uuid': uuid, 'name': name, 'state': state,
                'quiesced': quiesced,
                'disks': [{'target': d['target'],
                           'image': frozen[d['target']],
                           'format': d['format']} for d in disks],
                'memory': mem_path if memory else None,
                'create_ms': round(took * 1000, 1)})

    @staticmethod
    def _by_ref(disks):
        """A volume's resourceId is its disk target (vdb) or its image
        path: {either: target}."""
        by_ref = {}
        for d in disks:
            by_ref[d['target']] = by_ref[d['source']] = d['target']
        return by_ref

    def _attached_targets(self, storage, disks):
        """The disk targets of those of ``storage`` that are attached."""
        by_ref = self._by_ref(disks)
        return {by_ref[s['storageResource']['resourceId']] for s in storage
                if s['storageResource']['resourceId'] in by_ref}

    def _volume_targets(self, vnfc, disks):
        """(storage resource id, disk target) for the volumes the VNFC's
        snapshot takes."""
        by_ref = self._by_ref(disks)
        found = []
        for storage in vnfc.storage_resources:
            ref = storage['storageResource']['resourceId']
            if ref not in by_ref:
                raise exception.VimError(
                    reason='volume %s (%s) of VNFC %s is not a disk of its '
                           'domain' % (storage['id'], ref, vnfc.id))
            found.append((storage['id'], by_ref[ref]))
        return found

    @staticmethod
    def _snapshot_xml(name, snapshot_id, vnfc, overlays, mem_path,
                      left_out=()):
        memory = ("<memory snapshot='external' file='%s'/>" % mem_path
                  if mem_path else "<memory snapshot='no'/>")
        disks = ''.join(
            "<disk name='%s' snapshot='external'><driver type='qcow2'/>"
            "<source file='%s'/></disk>" % (target, path)
            for target, path in overlays.items())
        disks += ''.join("<disk name='%s' snapshot='no'/>" % target
                         for target in sorted(left_out))
        return ('<domainsnapshot><name>%s</name><description>vnfsnap VNF '
                'snapshot %s, VNFC %s</description>%s<disks>%s</disks>'
                '</domainsnapshot>' % (name, snapshot_id, vnfc.id, memory,
                                       disks))

    # --- revert -----------------------------------------------------------

    def check_revert(self, vnfc, vnfc_snapshot):
        """Everything a revert needs is there (before any VNFC is touched)."""
        details = vnfc_snapshot.get('vim_details') or {}
        dom = self._domain(vnfc)
        if dom.UUIDString() != details.get('domain_uuid'):
            raise exception.VimError(
                reason='VNFC %s is domain %s now, the snapshot is of %s'
                % (vnfc.id, dom.UUIDString(), details.get('domain_uuid')))
        missing = [p for p in [d['image'] for d in details['disks']]
                   + [details.get('memory')] if p and not os.path.exists(p)]
        if missing:
            raise exception.VimError(
                reason='files of VNFC snapshot %s are missing: %s'
                % (vnfc_snapshot['id'], ', '.join(missing)))

    def revert_vnfc_snapshot(self, vnfc, vnfc_snapshot, power_state=None):
        """Bring the VNFC back to the snapshot; ``power_state`` (running,
        paused, shutoff) defaults to the state the snapshot was taken in.

        If the revert fails after the guest was stopped, the guest is put
        back on its previous disks and started again.
        """
        # Where the time goes, in the log (ms since the start).
        marks = [('start', time.monotonic())]
        self.check_revert(vnfc, vnfc_snapshot)
        details = vnfc_snapshot['vim_details']
        target_state = power_state or details['state']
        dom = self._domain(vnfc)
        files = _DomainFiles(details['domain_uuid'])
        with self._locked(files, dom):
            marks.append(('locked', time.monotonic()))
            old_xml = dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
            old_state = self._state(dom)
            tag = uuidutils.generate_uuid()[:8]
            overlays = {disk['target']: files.new_overlay_path(
                disk['target'], 'r' + tag) for disk in details['disks']}
            replaced = {d['target']: d['source']
                        for d in domain_xml.disks(old_xml)
                        if d['target'] in overlays}
            # Written ahead: a revert cut off from here on is settled by
            # the next one to take the lock (_settle_revert).
            files.begin_revert(details['name'], overlays, replaced)
            marks.append(('recorded', time.monotonic()))
            try:
                for disk in details['disks']:
                    images.create_overlay(overlays[disk['target']],
                                          disk['image'], disk['format'])
            except Exception:
                self._settle_revert(dom, files)
                raise
            marks.append(('overlays', time.monotonic()))
            try:
                self._switch(dom, old_xml, overlays, details, target_state)
            except Exception:
                LOG.exception('Revert of VNFC %s failed; restoring its '
                              'previous disks and state', vnfc.id)
                self._restore(dom, old_xml, old_state)
                # Its overlays go unless the restore failed to move the
                # domain off them.
                self._settle_revert(dom, files)
                raise
            marks.append(('switched', time.monotonic()))
            for path in overlays.values():
                files.own(path)
            # The replaced images go; disks the snapshot left out keep
            # theirs.
            for path in replaced.values():
                if path not in files.frozen_images():
                    files.delete_if_owned(path)
            files.end_revert()
            self._collect_orphans(dom, files)
        marks.append(('cleaned', time.monotonic()))
        if details.get('quiesced') and details.get('memory') and (
                target_state == RUNNING):
            self._thaw_restored(dom, vnfc)
            marks.append(('thawed', time.monotonic()))
        LOG.info('VNFC %s reverted to %s (%s) in %.0f ms: %s', vnfc.id,
                 details['name'], target_state,
                 (marks[-1][1] - marks[0][1]) * 1000,
                 ', '.join('%s %.0f' % (name, (at - marks[0][1]) * 1000)
                           for name, at in marks[1:]))

    @contextlib.contextmanager
    def _locked(self, files, dom):
        """The domain's files under their lock, with a revert cut off
        midway settled first; ``dom`` is None when the domain is gone."""
        with files.locked():
            self._settle_revert(dom, files)
            yield files

    def _settle_revert(self, dom, files):
        """A revert that did not finish (killed midway, or failed) left
        its record: the overlays of it the domain uses (its live or
        persistent definition) are kept as owned and the images they
        replaced go, as a finished revert does; the others, which nothing
        uses, go. The record is cleared and saved before anything else is
        done under the lock."""
        record = files.index.get('reverting')
        if not record:
            return
        used = {}
        if dom is not None:
            xmls = [dom.XMLDesc(0)]
            if dom.isActive() and dom.isPersistent():
                xmls.append(dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
            for xml in xmls:
                for disk in domain_xml.disks(xml):
                    used.setdefault(disk['target'], set()).add(
                        disk['source'])
        in_use = set().union(*used.values()) if used else set()
        adopted = []
        for target, overlay in sorted(record['overlays'].items()):
            if overlay not in used.get(target, ()):
                files.delete_created(overlay)
                continue
            adopted.append(target)
            if overlay not in files.index['owned']:
                files.own(overlay)
            old = record['replaced'].get(target)
            if old and old not in in_use and \
                    old not in files.frozen_images():
                files.delete_if_owned(old)
        LOG.warning('Domain %s: settled the unfinished revert to %s: '
                    'disks %s on its new overlays, the rest back on their '
                    'images', os.path.basename(files.root),
                    record['snapshot'], ','.join(adopted) or 'none')
        files.end_revert()
        files.save()

    def _switch(self, dom, old_xml, overlays, details, target_state):
        # One liveness round trip (under a process-wide lock), not one
        # per call: the VNFCs of a VNF go through here together.
        conn = self.conn
        if dom.isActive():
            dom.destroy()
        dom = conn.defineXML(domain_xml.with_disk_sources(old_xml, overlays))
        if details.get('memory') and target_state != SHUTOFF:
            mem_xml = domain_xml.with_disk_sources(
                conn.saveImageGetXMLDesc(details['memory'], 0), overlays)
            flags = (libvirt.VIR_DOMAIN_SAVE_PAUSED if target_state == PAUSED
                     else libvirt.VIR_DOMAIN_SAVE_RUNNING)
            conn.restoreFlags(details['memory'], mem_xml, flags)
        elif target_state != SHUTOFF:
            dom.createWithFlags(libvirt.VIR_DOMAIN_START_PAUSED
                                if target_state == PAUSED else 0)

    def _restore(self, dom, old_xml, old_state):
        try:
            if dom.isActive():
                dom.destroy()
            self.conn.defineXML(old_xml)
            if old_state != SHUTOFF:
                dom.createWithFlags(libvirt.VIR_DOMAIN_START_PAUSED
                                    if old_state == PAUSED else 0)
        except libvirt.libvirtError:
            LOG.exception('Could not restore domain %s', dom.name())

    def _thaw_restored(self, dom, vnfc):
        """A warm snapshot taken frozen restores a frozen guest: thaw it,
        as the snapshot's own run did right after taking it."""
        deadline = time.monotonic() + CONF.libvirt.agent_timeout
        while True:
            try:
                dom.fsThaw()
                return
            except libvirt.libvirtError as e:
                if time.monotonic() > deadline:
                    raise _vim_error('thawing restored VNFC %s' % vnfc.id,
                                     e)
                time.sleep(0.2)

    def discard_import(self, vnfc, name):
        """The snapshot directory of import ``name`` and its index entries
        go (an import killed midway never wrote the index, so its files
        are in that directory only)."""
        dom = self._domain(vnfc)
        files = _DomainFiles(dom.UUIDString())
        snap_dir = os.path.join(files.snapshots_dir, name)
        with self._locked(files, dom):
            files.index['snapshots'].pop(name, None)
            files.index['owned'] = [p for p in files.index['owned']
                                    if os.path.dirname(p) != snap_dir]
        shutil.rmtree(snap_dir, ignore_errors=True)
        LOG.info('Discarded import %s for VNFC %s', name, vnfc.id)
        return True

    def discard_vnfc_snapshot(self, vnfc, name):
        """libvirtd may have finished the cut-off snapshot (the domain's
        disks then are its new overlays) or not: the writes made since go
        back into the disks the domain had, which it uses again; then the
        overlays, memory file and index entries of ``name`` go."""
        dom = self._domain(vnfc)
        files = _DomainFiles(dom.UUIDString())
        tag = name[len('vnfsnap-'):][:8]
        with self._locked(files, dom):
            disks = domain_xml.disks(dom.XMLDesc(0))
            targets = {disk['target'] for disk in disks}
            switched = [(disk['target'], disk['source']) for disk in disks
                        if disk['source'] == files.new_overlay_path(
                            disk['target'], tag)]
            with self._images_active(dom, bool(switched)):
                for target, overlay in switched:
                    self._commit_back(dom, target, overlay)
            files.index['snapshots'].pop(name, None)
            for target in targets:
                path = files.new_overlay_path(target, tag)
                if path not in files.index['owned']:
                    files.own(path)
                files.delete_if_owned(path)
        shutil.rmtree(os.path.join(files.snapshots_dir, name),
                      ignore_errors=True)
        LOG.info('Discarded snapshot %s of VNFC %s: it is back on the '
                 'disks it had', name, vnfc.id)
        return True

    def _commit_back(self, dom, target, overlay):
        """Put disk ``target`` back on the image under ``overlay``, with
        what was written to the overlay since."""
        base = images.backing_file(overlay)
        base_format = images.info(overlay).get('backing-filename-format',
                                               'qcow2')
        LOG.info('Committing overlay %s of disk %s back into %s', overlay,
                 target, base)
        if dom.isActive():
            try:
                # Into the overlay's own backing image only (SHALLOW):
                # the images below belong to earlier snapshots.
                dom.blockCommit(target, base, None, 0,
                                libvirt.VIR_DOMAIN_BLOCK_COMMIT_ACTIVE |
                                libvirt.VIR_DOMAIN_BLOCK_COMMIT_SHALLOW)
                self._wait_block_job(dom, target, ready=True)
                self._pivot(dom, target)
                self._wait_block_job(dom, target)
            except libvirt.libvirtError as e:
                raise _vim_error('committing overlay %s of disk %s'
                                 % (overlay, target), e)
        else:
            images.commit(overlay)
        if dom.isPersistent():
            inactive = dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
            if any(d['target'] == target and d['source'] == overlay
                   for d in domain_xml.disks(inactive)):
                self.conn.defineXML(domain_xml.with_disk_sources(
                    inactive, {target: base}, disk_format=base_format))

    @contextlib.contextmanager
    def _images_active(self, dom, needed=True):
        """QEMU leaves a paused domain's images inactive (read-only) after
        a snapshot with memory (a migration to file) until it runs again,
        and refuses block jobs on them: such a domain runs for the block
        jobs of the block and is paused again after."""
        paused = needed and self._state(dom) == PAUSED
        if paused:
            LOG.info('Resuming paused domain %s for its block jobs',
                     dom.UUIDString())
            try:
                dom.resume()
            except libvirt.libvirtError as e:
                raise _vim_error('resuming domain %s for its block jobs'
                                 % dom.UUIDString(), e)
        try:
            yield
        finally:
            if paused:
                try:
                    dom.suspend()
                except libvirt.libvirtError as e:
                    LOG.error('Could not pause domain %s again after its '
                              'block jobs: %s', dom.UUIDString(), e)

    @staticmethod
    def _pivot(dom, target):
        """Pivot ``target`` onto its committed image. libvirt may show
        the job's progress complete a moment before it lets it pivot
        ("block copy still active"): asked again until it does."""
        deadline = time.monotonic() + CONF.libvirt.block_job_timeout
        while True:
            try:
                dom.blockJobAbort(target,
                                  libvirt.VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT)
                return
            except libvirt.libvirtError as e:
                if (e.get_error_code() != libvirt.VIR_ERR_BLOCK_COPY_ACTIVE
                        or time.monotonic() > deadline):
                    raise
            time.sleep(0.05)

    @staticmethod
    def _wait_block_job(dom, target, ready=False):
        """Until the block job of ``target`` is ready to pivot
        (``ready``) or gone."""
        deadline = time.monotonic() + CONF.libvirt.block_job_timeout
        while True:
            job = dom.blockJobInfo(target, 0)
            if not job or (ready and job['end'] and
                           job['cur'] == job['end']):
                return
            if time.monotonic() > deadline:
                raise exception.VimError(reason='block job of disk %s did '
                                         'not finish in time' % target)
            time.sleep(0.05)

    # --- delete -----------------------------------------------------------

    def delete_vnfc_snapshot(self, vnfc_snapshot):
        details = vnfc_snapshot.get('vim_details') or {}
        if not details.get('domain_uuid'):
            return
        try:
            dom = self.conn.lookupByUUIDString(details['domain_uuid'])
        except libvirt.libvirtError:
            dom = None   # the domain is gone: its files can simply go
        files = _DomainFiles(details['domain_uuid'])
        with self._locked(files, dom):
            files.index['snapshots'].pop(details['name'], None)
            for disk in details['disks']:
                self._retire(dom, files, disk['target'], disk['image'])
            self._collect_orphans(dom, files)
        shutil.rmtree(os.path.join(files.snapshots_dir, details['name']),
                      ignore_errors=True)
        LOG.info('Deleted VNFC snapshot %s of domain %s', details['name'],
                 details['domain_uuid'])

    def _active_sources(self, dom):
        if dom is None:
            return {}
        return {d['target']: d['source']
                for d in domain_xml.disks(dom.XMLDesc(0))}

    @staticmethod
    def _chain(path):
        """``path`` and its backing files, top first."""
        chain = []
        while path and os.path.exists(path) and path not in chain:
            chain.append(path)
            path = images.backing_file(path)
        return chain

    def _retire(self, dom, files, target, image):
        """Merge a frozen image nobody needs as a snapshot any more into its
        only child, then remove it; otherwise keep it as an orphan."""
        if image in files.frozen_images():
            return
        active = self._active_sources(dom)
        candidates = set(files.index['owned']) | set(active.values())
        children = [c for c in candidates
                    if os.path.exists(c) and c != image
                    and images.backing_file(c) == image]
        parent = images.backing_file(image) if os.path.exists(image) else None
        if not children:
            files.delete_if_owned(image)
        elif len(children) == 1 and children[0] == active.get(target) \
                and dom.isActive():
            with self._images_active(dom):
                self._block_pull(dom, target, parent)
            files.delete_if_owned(image)
        elif len(children) == 1 and not self._in_use(dom, children[0]):
            images.rebase(children[0], parent)
            files.delete_if_owned(image)
        else:
            if image not in files.index['orphans']:
                files.index['orphans'].append(image)
            return
        if image in files.index['orphans']:
            files.index['orphans'].remove(image)

    def _in_use(self, dom, path):
        if dom is None or not dom.isActive():
            return False
        return any(path in self._chain(src)
                   for src in self._active_sources(dom).values())

    def _block_pull(self, dom, target, base_image):
        """Live: copy the frozen image's data into the running disk."""
        try:
            dom.blockRebase(target, base_image, 0, 0)
        except libvirt.libvirtError as e:
            raise _vim_error('merging the snapshot of disk %s' % target, e)
        deadline = time.monotonic() + CONF.libvirt.block_job_timeout
        while dom.blockJobInfo(target, 0):
            if time.monotonic() > deadline:
                dom.blockJobAbort(target, 0)
                raise exception.VimError(reason='merge of disk %s did not '
                                         'finish in time' % target)
            time.sleep(0.05)

    def _collect_orphans(self, dom, files):
        for image in list(files.index['orphans']):
            target = next((t for t, src in self._active_sources(dom).items()
                           if image in self._chain(src)), None)
            self._retire(dom, files, target, image)

    # --- stop/start and volumes -------------------------------------------

    def power_state(self, vnfc):
        return self._state(self._domain(vnfc))

    def stop_vnfc(self, vnfc, deadline=None):
        """Graceful shutdown, destroyed after [libvirt]shutdown_timeout.
        With a ``deadline`` a guard starts it again (in the state it had)
        after that many seconds; without, a stop the operation intends
        (e.g. powerOffAfter) also takes over from such a guard."""
        dom = self._domain(vnfc)
        if not dom.isActive():
            if deadline is None:
                _raise_if_fired(vnfc,
                                self._release(dom, vnfc, guard.POWER_OFF))
            return
        if deadline is not None:
            self._arm(dom, vnfc, guard.POWER_OFF, deadline,
                      paused=self._state(dom) == PAUSED)
        else:
            _raise_if_fired(vnfc, self._release(dom, vnfc, guard.POWER_OFF))
        with contextlib.suppress(libvirt.libvirtError):
            dom.shutdown()
        end = time.monotonic() + CONF.libvirt.shutdown_timeout
        while dom.isActive() and time.monotonic() < end:
            time.sleep(0.2)
        if dom.isActive():
            dom.destroy()

    def start_vnfc(self, vnfc, paused=False):
        dom = self._domain(vnfc)
        if not dom.isActive():
            dom.createWithFlags(libvirt.VIR_DOMAIN_START_PAUSED if paused
                                else 0)
        _raise_if_fired(vnfc, self._release(dom, vnfc, guard.POWER_OFF))

    # --- online test faults and probes ---------------------------------

    def reset_vnfc(self, vnfc):
        dom = self._domain(vnfc)
        try:
            dom.reset(0)
        except libvirt.libvirtError as e:
            raise _vim_error('resetting VNFC %s' % vnfc.id, e)
        LOG.info('Reset VNFC %s', vnfc.id)

    def set_link_state(self, vnfc, up, mac_address=None):
        """The live definition's ``<link state>`` of each interface (the
        guest sees its carrier go); the persistent definition is left as
        it is, so a restart brings the links up."""
        dom = self._domain(vnfc)
        root = domain_xml.parse(dom.XMLDesc(0))
        changed = []
        for iface in root.findall('./devices/interface'):
            mac = iface.find('mac')
            address = mac.get('address') if mac is not None else None
            if mac_address and (address or '').lower() != \
                    mac_address.lower():
                continue
            link = iface.find('link')
            if link is None:
                link = ET.SubElement(iface, 'link')
            link.set('state', 'up' if up else 'down')
            try:
                dom.updateDeviceFlags(ET.tostring(iface, encoding='unicode'),
                                      libvirt.VIR_DOMAIN_AFFECT_LIVE)
            except libvirt.libvirtError as e:
                raise _vim_error('setting the link of VNFC %s %s'
                                 % (vnfc.id, 'up' if up else 'down'), e)
            changed.append(address)
        if mac_address and not changed:
            raise exception.VimError(
                reason='VNFC %s has no network interface with MAC address '
                       '%s' % (vnfc.id, mac_address))
        LOG.info('VNFC %s: link(s) %s %s', vnfc.id, ', '.join(
            a or '?' for a in changed), 'up' if up else 'down')
        return changed

    def guest_exec(self, vnfc, command, timeout):
        """``guest-exec`` with its output captured, then
        ``guest-exec-status`` until the process ended."""
        dom = self._domain(vnfc)
        try:
            started = json.loads(libvirt_qemu.qemuAgentCommand(
                dom, json.dumps({'execute': 'guest-exec', 'arguments': {
                    'path': command[0], 'arg': list(command[1:]),
                    'capture-output': True}}),
                CONF.libvirt.agent_timeout, 0))['return']
            pid = started['pid']
            end = time.monotonic() + timeout
            while True:
                status = json.loads(libvirt_qemu.qemuAgentCommand(
                    dom, json.dumps({'execute': 'guest-exec-status',
                                     'arguments': {'pid': pid}}),
                    CONF.libvirt.agent_timeout, 0))['return']
                if status.get('exited'):
                    break
                if time.monotonic() > end:
                    raise exception.VimError(
                        reason='command %s in VNFC %s did not end within '
                               '%s s' % (command[0], vnfc.id, timeout))
                time.sleep(0.1)
        except libvirt.libvirtError as e:
            raise _vim_error('running %s in VNFC %s' % (command[0], vnfc.id),
                             e)
        except (ValueError, KeyError) as e:
            raise exception.VimError(
                reason='the guest agent of VNFC %s answered guest-exec '
                       'oddly: %s' % (vnfc.id, e))

        def text(key):
            data = base64.b64decode(status.get(key) or '')
            return data[:base.GUEST_OUTPUT_LIMIT].decode('utf-8', 'replace')

        # A process killed by a signal has no exit code, only the signal.
        code = status.get('exitcode')
        if code is None:
            code = 128 + int(status.get('signal') or 0)
        return base.GuestExecResult(int(code), text('out-data'),
                                    text('err-data'))

    def detach_volume(self, vnfc, storage, deadline=None):
        """Detach one volume, live and from the definition, and wait until
        the guest released it; returns its disk XML for
        :meth:`attach_volume` (None when it was not attached). With a
        ``deadline`` a guard attaches it again after that many seconds."""
        dom = self._domain(vnfc)
        target = self._disk_element(dom, storage, 0)
        if target is None:
            return None
        xml = ET.tostring(target, encoding='unicode')
        dev = target.find('target').get('dev')
        if deadline is not None:
            self._arm(dom, vnfc, guard.DETACH, deadline, key=dev,
                      resourceId=storage['id'], target=dev, diskXml=xml)
        try:
            dom.detachDeviceFlags(xml, self._live_config(dom))
        except libvirt.libvirtError as e:
            self._release(dom, vnfc, guard.DETACH, dev)
            raise _vim_error('detaching volume %s (%s) from VNFC %s'
                             % (storage['id'], dev, vnfc.id), e)
        end = time.monotonic() + CONF.libvirt.detach_timeout
        while self._disk_element(dom, storage, 0) is not None:
            if time.monotonic() > end:
                # Back in the definition at least (it left it at once).
                self.attach_volume(vnfc, storage, {'diskXml': xml})
                raise exception.VimError(
                    reason='the guest of VNFC %s did not release volume %s '
                           '(%s) within %d s' % (vnfc.id, storage['id'],
                                                 dev,
                                                 CONF.libvirt.detach_timeout))
            time.sleep(0.2)
        LOG.info('Detached volume %s (%s) from VNFC %s', storage['id'], dev,
                 vnfc.id)
        return {'diskXml': xml}

    def attach_volume(self, vnfc, storage, detached):
        """Attach the disk again where it is missing: the running domain
        (a restored memory state may lack it) and the definition."""
        if not detached:
            return
        dom = self._domain(vnfc)
        flags = 0
        if self._disk_element(
                dom, storage, libvirt.VIR_DOMAIN_XML_INACTIVE) is None:
            flags |= libvirt.VIR_DOMAIN_AFFECT_CONFIG
        if dom.isActive() and self._disk_element(dom, storage, 0) is None:
            flags |= libvirt.VIR_DOMAIN_AFFECT_LIVE
        if flags:
            try:
                dom.attachDeviceFlags(detached['diskXml'], flags)
            except libvirt.libvirtError as e:
                raise _vim_error('attaching volume %s to VNFC %s'
                                 % (storage['id'], vnfc.id), e)
            LOG.info('Attached volume %s to VNFC %s again', storage['id'],
                     vnfc.id)
        dev = domain_xml.parse(detached['diskXml']).find('target').get('dev')
        _raise_if_fired(vnfc, self._release(dom, vnfc, guard.DETACH, dev))

    def detached_volume(self, vnfc, storage):
        """From the detach guard's record, which holds the disk XML (a
        detach without deadline has no guard and leaves nothing)."""
        dom = self._domain(vnfc)
        if self._disk_element(dom, storage, 0) is not None:
            return None
        folder = os.path.dirname(self._token(dom, guard.DETACH))
        try:
            names = sorted(os.listdir(folder))
        except FileNotFoundError:
            return None
        for name in names:
            if not (name.startswith(guard.DETACH + '-')
                    and name.endswith(('.token', '.token.fired'))):
                continue
            record = guard.read_record(os.path.join(folder, name))
            if record.get('resourceId') == storage['id'] and \
                    record.get('diskXml'):
                return {'diskXml': record['diskXml']}
        return None

    @staticmethod
    def _disk_element(dom, storage, flags):
        """The <disk> of a volume in the domain's XML, or None."""
        ref = storage['storageResource']['resourceId']
        for disk in domain_xml.parse(dom.XMLDesc(flags)).findall(
                './devices/disk'):
            source = disk.find('source')
            if disk.find('target').get('dev') == ref or (
                    source is not None and source.get('file') == ref):
                return disk
        return None

    @staticmethod
    def _live_config(dom):
        flags = libvirt.VIR_DOMAIN_AFFECT_CONFIG
        if dom.isActive():
            flags |= libvirt.VIR_DOMAIN_AFFECT_LIVE
        return flags

    # --- export / import ------------------------------------------------

    def collect_diagnostics(self, vnfc, max_size):
        """The domain XML (without the secure parts libvirt hides unless
        asked), the QEMU log and the serial console log(s) of the domain,
        each its last ``max_size`` bytes; logs are read on this host, so
        only for a local connection."""
        dom = self._domain(vnfc)
        xml = dom.XMLDesc(0)
        items = [('domain.xml', base.bounded(xml.encode(), max_size))]
        state, reason = dom.state()
        items.append(('domain-state.json', json.dumps({
            'state': self._state(dom), 'libvirtState': state,
            'libvirtReason': reason, 'name': dom.name(),
            'uuid': dom.UUIDString(), 'uri': self.uri},
            indent=1).encode()))
        if urllib.parse.urlsplit(self.uri).netloc:
            items.append(('logs.unavailable', (
                'libvirt connection %s is remote: the QEMU and console '
                'logs are on that host' % self.uri).encode()))
            return items
        files = [('qemu.log', os.path.join(CONF.libvirt.qemu_log_dir,
                                           dom.name() + '.log'))]
        root = domain_xml.parse(xml)
        for index, path in enumerate(dict.fromkeys(
                p for p in _console_logs(root))):
            files.append(('console-%d.log' % index, path))
        for name, path in files:
            try:
                items.append((name, base.tail_file(path, max_size)))
            except OSError as e:
                items.append((name + '.unavailable', (
                    'cannot read %s: %s' % (path, e.strerror)).encode()))
        return items

    #: export_vnfc_snapshot's ``in_place``: qemu-img converts each disk
    #: into the package file itself (write_exported_disk).
    exports_in_place = True

    def export_vnfc_snapshot(self, vnfc_snapshot, dest_dir, base=None,
                             in_place=False):
        """Write one VNFC snapshot as standalone files into ``dest_dir``:
        each disk as a qcow2 without backing-file references, the memory
        state, and the domain XML; returns the description of the files.
        With a ``base`` VNFC snapshot, a disk it also has is written as
        the clusters changed since (``disk-<target>.delta.qcow2``).
        ``in_place``: a whole disk is not converted here but described
        (``source``, ``sourceFormat``, ``sizeHint``) for
        :meth:`write_exported_disk` to convert straight into the
        package."""
        details = vnfc_snapshot['vim_details']
        # A disk whose image is a storage snapshot resource is that volume.
        volumes = {(s.get('storageSnapshotResource') or {}).get(
            'resourceId'): s['storageResourceId']
            for s in vnfc_snapshot.get('storage_snapshot_resources') or ()}
        base_images = self._base_images(vnfc_snapshot, base)
        os.makedirs(dest_dir, exist_ok=True)
        disks = []
        for disk in details['disks']:
            entry = {'target': disk['target'], 'diskFormat': 'qcow2',
                     'containerFormat': 'bare',
                     'storageResourceId': volumes.get(disk['image'])}
            if disk['target'] in base_images:
                entry['file'] = 'disk-%s.delta.qcow2' % disk['target']
                entry['delta'] = True
                self._write_delta(details, disk,
                                  base_images[disk['target']],
                                  os.path.join(dest_dir, entry['file']))
            elif in_place:
                entry['file'] = 'disk-%s.qcow2' % disk['target']
                entry.update(source=disk['image'],
                             sourceFormat=disk['format'],
                             sizeHint=images.measure(disk['image'],
                                                     disk['format']))
            else:
                entry['file'] = 'disk-%s.qcow2' % disk['target']
                images.flatten(disk['image'],
                               os.path.join(dest_dir, entry['file']),
                               disk['format'])
            disks.append(entry)
        memory = None
        if details.get('memory'):
            memory = 'memory.save'
            images.link_or_copy(details['memory'],
                                os.path.join(dest_dir, memory))
            with open(os.path.join(dest_dir, 'domain.xml'), 'w') as f:
                f.write(self.conn.saveImageGetXMLDesc(details['memory'], 0))
        description = {'state': details['state'],
                       'quiesced': details.get('quiesced', False),
                       'disks': disks, 'memory': memory,
                       'domainXml': 'domain.xml' if memory else None}
        with open(os.path.join(dest_dir, 'vnfc-snapshot.json'), 'w') as f:
            json.dump(description, f, indent=1, sort_keys=True)
        return description

    def write_exported_disk(self, disk, path, offset):
        """Convert a disk that export_vnfc_snapshot described ``in_place``
        into the file ``path`` from ``offset`` on, as a standalone qcow2
        ending at the file's end."""
        started = time.monotonic()
        images.flatten_into(disk['source'], path, offset,
                            disk['sourceFormat'])
        LOG.info('Converted disk %s (%s) into %s at byte %d in %d ms',
                 disk['target'], disk['source'], path, offset,
                 (time.monotonic() - started) * 1000)

    @staticmethod
    def _base_images(vnfc_snapshot, base):
        """{target: frozen image} of the base VNFC snapshot's disks, which
        must be of the same domain."""
        if base is None:
            return {}
        details = vnfc_snapshot['vim_details']
        base_details = base.get('vim_details') or {}
        if base_details.get('domain_uuid') != details['domain_uuid']:
            raise exception.VimError(
                reason='VNFC snapshot %s is of domain %s, its base %s of '
                       '%s: a delta needs both of the same domain'
                       % (vnfc_snapshot.get('id'), details['domain_uuid'],
                          base.get('id'), base_details.get('domain_uuid')))
        return {d['target']: d['image']
                for d in base_details.get('disks') or ()}

    def _write_delta(self, details, disk, base_image, dest):
        """The changes of one disk since the base's frozen image, which is
        in the chain of this snapshot's image while the base exists. The
        domain's files stay locked meanwhile: a delete of another snapshot
        may otherwise rebase the images read."""
        files = _DomainFiles(details['domain_uuid'])
        with files.locked():
            if base_image not in self._chain(disk['image']):
                raise exception.VimError(
                    reason='the frozen image %s of the base VNFC snapshot '
                           'is not in the backing chain of disk %s of '
                           'snapshot %s: the base snapshot was reverted '
                           'from elsewhere or its files are gone, so the '
                           'changed clusters are not known'
                           % (base_image, disk['target'], details['name']))
            started = time.monotonic()
            images.write_delta(disk['image'], base_image, dest,
                               disk['format'])
        LOG.info('Wrote the changes of disk %s of snapshot %s since %s: '
                 '%d bytes in %.1f s', disk['target'], details['name'],
                 base_image, os.path.getsize(dest),
                 time.monotonic() - started)

    def import_vnfc_snapshot(self, vnfc, src_dir, consistency_level=None,
                             name=None):
        """Register files written by :meth:`export_vnfc_snapshot` as a VNFC
        snapshot of ``vnfc``'s domain; returns a VnfcSnapshotResult."""
        with open(os.path.join(src_dir, 'vnfc-snapshot.json')) as f:
            description = json.load(f)
        dom = self._domain(vnfc)
        uuid = dom.UUIDString()
        targets = {d['target'] for d in domain_xml.disks(dom.XMLDesc(0))}
        name = name or 'vnfsnap-%s' % uuidutils.generate_uuid()
        files = _DomainFiles(uuid)
        with self._locked(files, dom):
            snap_dir = os.path.join(files.snapshots_dir, name)
            os.makedirs(snap_dir)
            disks = []
            for disk in description['disks']:
                if disk['target'] not in targets:
                    raise exception.VimError(
                        reason='domain of VNFC %s has no disk %s'
                        % (vnfc.id, disk['target']))
                src = os.path.join(src_dir, os.path.basename(disk['file']))
                dest = os.path.join(snap_dir, 'disk-%s.qcow2'
                                    % disk['target'])
                if disk.get('baseFile'):
                    # An incremental package: the full image again.
                    images.join_delta(src, os.path.join(
                        src_dir, os.path.basename(disk['baseFile'])), dest)
                else:
                    images.check_standalone(src, 'qcow2')
                    shutil.copyfile(src, dest)
                files.own(dest)
                disks.append({'target': disk['target'], 'image': dest,
                              'format': 'qcow2'})
            memory = None
            if description.get('memory'):
                memory = os.path.join(snap_dir, 'memory.save')
                shutil.copyfile(os.path.join(src_dir, os.path.basename(
                    description['memory'])), memory)
            files.index['snapshots'][name] = {
                'disks': {d['target']: d['image'] for d in disks},
                'memory': memory}
        conn_id = vnfc.compute_resource.get('vimConnectionId')
        volumes = {d['target']: d['storageResourceId']
                   for d in description['disks']
                   if d.get('storageResourceId')}
        return base.VnfcSnapshotResult(
            compute_snapshot_resource=_snapshot_handle(conn_id, uuid, name),
            storage_snapshot_resources=[
                {'storageResourceId': volumes[d['target']],
                 'storageSnapshotResource': {
                     'vimConnectionId': conn_id, 'resourceId': d['image'],
                     'vimLevelResourceType': DISK_IMAGE_TYPE}}
                for d in disks if d['target'] in volumes],
            consistency_level=consistency_level or (
                states.CONSISTENCY_FILESYSTEM if description.get('quiesced')
                else states.CONSISTENCY_CRASH),
            memory_captured=memory is not None,
            vim_details={'domain_uuid': uuid, 'name': name,
                         'state': description['state'],
                         'quiesced': description.get('quiesced', False),
                         'disks': disks, 'memory': memory})
