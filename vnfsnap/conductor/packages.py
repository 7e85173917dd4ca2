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

"""Content operations of VNF snapshot packages, run by a conductor.

GR NFV-TST 005 clauses 6.6-6.7 as SOL005 realises them: build a package
from a VNF snapshot, take in uploaded content (PUT, or from a URI), verify
it (PROCESSING), and extract it into a VNF snapshot the VIM can revert to.
The package row is the contract: the API moves it into BUILDING,
UPLOADING, PROCESSING or EXTRACTING and casts; the conductor that claims
it (compare-and-swap on ``host``) runs the flow of that operation
(``conductor/flows/package_*.py``) and, when it fails, moves the package
into ERROR once the flow undid its steps. Everything works on files in a
work directory of the job's own, ``<package_work_dir>/<package id>.<random>``
(two jobs of one package may overlap: the next starts as soon as the
previous made the package AVAILABLE); no artifact is ever held in memory.

A job whose conductor died (this one, restarting, or an offline one taken
over) is resumed, never left half-done: build, processing and upload from
a URI run again from the start once their partial output is gone (they
never touch a VNF, and each run rewrites its output whole); an extraction
first deletes what its dead run imported into the VIMs (recorded before
each import, see flows/package_extract.py) and runs again, or only
completes when its VNF snapshot was already recorded. See
doc/source/contributor/crash-safety-packages.rst.
"""

from concurrent import futures
import datetime
import errno
import os
import shutil
import tempfile
import threading

from oslo_log import log as logging
from oslo_utils import timeutils

from vnfsnap import store
from vnfsnap.common import exception
from vnfsnap.common import states
from vnfsnap.common import views
from vnfsnap.conductor import running
from vnfsnap.conductor.flows import common as flows_common
from vnfsnap.conductor.flows import package_build
from vnfsnap.conductor.flows import package_extract
from vnfsnap.conductor.flows import package_process
from vnfsnap.conductor.flows import package_upload
import vnfsnap.conf
from vnfsnap.db import api as db_api
from vnfsnap.db import progress as progress_mod

CONF = vnfsnap.conf.CONF
LOG = logging.getLogger(__name__)

# A job resumed this often killed its conductor each time (or the
# conductors keep dying under it): it fails instead of looping.
MAX_RESUMES = 3


class PackageRunner:
    """Runs the content operations of VNF snapshot packages."""

    def __init__(self, host):
        self.host = host
        self._resumer = None
        self._lock = threading.Lock()
        # Packages whose job a thread of this process runs.
        self._jobs = running.Running()

    # --- entry points -----------------------------------------------------

    def run(self, pkg_id):
        """Claim the package and run the operation its state asks for."""
        try:
            pkg = db_api.get_vnf_snapshot_pkg(None, pkg_id)
            builder = self._flow(pkg)
            if builder is None:
                LOG.info('VNF snapshot package %s is %s; nothing to run',
                         pkg_id, pkg.state)
                return
            pkg = db_api.update_vnf_snapshot_pkg(
                None, pkg_id, {'host': self.host, 'job_resumes': 0},
                from_states=(pkg.state,), task='Claim', expect_host=None)
        except (exception.InvalidPkgState,
                exception.VnfSnapshotPkgNotFound) as e:
            LOG.info('Not running VNF snapshot package %s: %s', pkg_id, e)
            return
        LOG.info('Running %s of VNF snapshot package %s (%s)',
                 pkg.operation, pkg.id, pkg.state)
        self._execute(pkg, builder)

    def _execute(self, pkg, builder):
        """Run the flow of the package (claimed by this conductor) in a
        work directory of this job's own, which goes before the package
        leaves its transient state (the flow's last step removes it, a
        failure here): the next job of the package may start at once."""
        work = None
        try:
            work = _new_work_dir(pkg.id)
            flow, flow_store = builder(
                pkg, work, progress_mod.PackageProgress(pkg.id), self.host)
            flows_common.run(flow, flow_store)
        except Exception as e:
            _remove_work_dir(work)
            self._fail(pkg.id, _explain(e), owner=self.host)
        finally:
            # Only this job's directory: another job of the package may
            # be running already.
            _remove_work_dir(work)

    @staticmethod
    def _flow(pkg):
        """The ``build(pkg, work, progress, host)`` of the flow the
        package's state asks for."""
        if pkg.state == states.PKG_BUILDING:
            return package_build.build
        if (pkg.state == states.PKG_UPLOADING
                and pkg.operation == states.PKG_OP_UPLOAD_FROM_URI):
            return package_upload.build
        if pkg.state == states.PKG_PROCESSING:
            return package_process.build
        if pkg.state == states.PKG_EXTRACTING:
            return package_extract.build
        return None     # UPLOADING by PUT: the API process streams it

    def unclaimed(self, min_age):
        """Packages waiting for a conductor for ``min_age`` seconds (their
        cast may have been lost)."""
        horizon = timeutils.utcnow() - datetime.timedelta(seconds=min_age)
        return [pkg.id for pkg in db_api.list_vnf_snapshot_pkgs(
            None, states_in=states.PKG_ACTIVE_STATES, host=None)
            if self._flow(pkg) is not None and pkg.updated_at <= horizon]

    def recover(self):
        """Resume what this conductor was running when it stopped (see
        :meth:`resume`), after removing the work directories no live job
        uses."""
        self.clean_work_dirs()
        for pkg in db_api.list_vnf_snapshot_pkgs(
                None, states_in=states.PKG_ACTIVE_STATES, host=self.host):
            LOG.warning('VNF snapshot package %s was %s when conductor %s '
                        'stopped; resuming it', pkg.id, pkg.state, self.host)
            self._submit_resume(pkg, 'conductor %s stopped while running '
                                'it' % self.host)

    def clean_work_dirs(self):
        """Remove work directories of jobs nobody runs: gone packages,
        finished jobs, and jobs of this conductor (which is starting);
        those of other conductors' running jobs (a shared directory)
        stay. Directories of the older layout (``<package id>``) too."""
        for name in _work_dir_names():
            try:
                pkg = db_api.get_vnf_snapshot_pkg(None, _pkg_of(name))
            except exception.VnfSnapshotPkgNotFound:
                pkg = None
            if (pkg is not None and pkg.state in states.PKG_ACTIVE_STATES
                    and pkg.host not in (None, self.host)):
                continue
            self._remove_stale(name)

    @staticmethod
    def _remove_stale(name):
        path = os.path.join(CONF.conductor.package_work_dir, name)
        LOG.info('Removing stale package work directory %s', path)
        shutil.rmtree(path, ignore_errors=True)

    def _submit_resume(self, pkg, why):
        """Resume in a worker of this runner: recover() runs at start-up
        and take_over() in the sweeper, neither may wait for a job."""
        with self._lock:
            if self._resumer is None:
                self._resumer = futures.ThreadPoolExecutor(
                    CONF.conductor.workers,
                    thread_name_prefix='pkg-resume')
            self._jobs.submit(self._resumer.submit, self.resume, pkg.id,
                              why)

    def submit_run(self, pool_submit, pkg_id):
        """Run :meth:`run` through ``pool_submit`` (the conductor's
        pool), known as running meanwhile (see :meth:`resume_orphans`)."""
        self._jobs.submit(pool_submit, self.run, pkg_id)

    def resume_orphans(self):
        """Resume the jobs this conductor holds but runs no more: their
        run ended without recording the end (the database was away longer
        than [database]outage_timeout)."""
        for pkg in db_api.list_vnf_snapshot_pkgs(
                None, states_in=states.PKG_ACTIVE_STATES, host=self.host):
            if pkg.id in self._jobs:
                continue
            LOG.warning('VNF snapshot package %s is %s and held by '
                        'conductor %s, which runs its job no more; resuming '
                        'it', pkg.id, pkg.state, self.host)
            self._submit_resume(pkg, 'its run by conductor %s ended '
                                'without recording its end' % self.host)

    def resume(self, pkg_id, why):
        """Finish the job of a package this conductor holds whose run died
        (``why``): its partial output goes and it runs again from the
        start; an extraction first deletes what it imported, or only
        completes when its VNF snapshot is recorded. Bounded by
        MAX_RESUMES; a job that cannot be resumed fails with the
        reason."""
        try:
            pkg = db_api.get_vnf_snapshot_pkg(None, pkg_id)
            pkg = db_api.update_vnf_snapshot_pkg(
                None, pkg_id, {'job_resumes': pkg.job_resumes + 1},
                from_states=(pkg.state,), task='Resume',
                expect_host=self.host)
        except exception.VnfsnapException as e:
            LOG.info('Not resuming VNF snapshot package %s: %s', pkg_id, e)
            return
        try:
            builder = self._resumable(pkg, why)
        except exception.VnfsnapException as e:
            if pkg.state == states.PKG_EXTRACTING:
                package_extract.abandon(pkg)
            self._fail(pkg.id, e, owner=self.host)
            return
        LOG.warning('Resuming %s of VNF snapshot package %s (%s, attempt '
                    '%d): %s', pkg.operation, pkg.id, pkg.state,
                    pkg.job_resumes + 1, why)
        self._execute(pkg, builder)

    def _resumable(self, pkg, why):
        """The flow builder that resumes ``pkg`` once its leftovers are
        gone; raises the reason it cannot be resumed."""
        builder = self._flow(pkg)
        if builder is None:
            raise exception.PackageJobInterrupted(
                why=why, reason='an upload by PUT is streamed by the API '
                                'process; upload the content again')
        if pkg.job_resumes > MAX_RESUMES:
            raise exception.PackageJobInterrupted(
                why=why, reason='resumed %d times already, each run was '
                                'interrupted; start the operation again'
                                % MAX_RESUMES)
        # This conductor holds the package: every work directory of it is
        # a dead run's.
        for name in _work_dir_names():
            if _pkg_of(name) == pkg.id:
                self._remove_stale(name)
        if pkg.state in (states.PKG_BUILDING, states.PKG_UPLOADING):
            # The content is written again whole; PROCESSING keeps it.
            store.delete_package(pkg.id)
        elif pkg.state == states.PKG_EXTRACTING:
            return package_extract.resume(pkg, self.host, why)
        return builder

    def take_over(self, dead):
        """Resume the package jobs offline conductor ``dead`` held, each
        claimed first by compare-and-swap of its host (exactly one live
        conductor resumes it). Returns the ids taken."""
        taken = []
        for pkg in db_api.list_vnf_snapshot_pkgs(
                None, states_in=states.PKG_ACTIVE_STATES, host=dead):
            try:
                db_api.update_vnf_snapshot_pkg(
                    None, pkg.id, {'host': self.host},
                    from_states=(pkg.state,), task='Take over',
                    expect_host=dead)
            except exception.VnfsnapException as e:
                LOG.info('Not taking over VNF snapshot package %s: %s',
                         pkg.id, e)
                continue
            LOG.warning('Conductor %s took over VNF snapshot package %s '
                        '(%s) from conductor %s, offline; resuming it',
                        self.host, pkg.id, pkg.state, dead)
            self._submit_resume(pkg, 'conductor %s, running it, went '
                                'offline (no heartbeat for %d s); '
                                'conductor %s took it over'
                                % (dead, CONF.conductor.heartbeat_timeout,
                                   self.host))
            taken.append(pkg.id)
        return taken

    def fail_stalled_uploads(self):
        """An upload an API process streams stops moving when that process
        dies; after [conductor]package_upload_stall_timeout it fails."""
        horizon = timeutils.utcnow() - datetime.timedelta(
            seconds=CONF.conductor.package_upload_stall_timeout)
        for pkg in db_api.list_vnf_snapshot_pkgs(
                None, states_in=(states.PKG_UPLOADING,), host=None):
            if (pkg.operation == states.PKG_OP_UPLOAD
                    and pkg.updated_at < horizon):
                LOG.warning('Upload of VNF snapshot package %s made no '
                            'progress since %s; marking it ERROR', pkg.id,
                            pkg.updated_at)
                self._fail(pkg.id, exception.VnfsnapException(
                    'the upload made no progress for %d s (the API process '
                    'receiving it may have stopped); upload it again'
                    % CONF.conductor.package_upload_stall_timeout),
                    owner=None, from_states=(states.PKG_UPLOADING,),
                    if_updated_at=pkg.updated_at)

    # --- failure ------------------------------------------------------------

    def _fail(self, pkg_id, exc, owner, from_states=None,
              if_updated_at=None):
        """Move the package into ERROR (or ERROR_EXTRACTING) with
        failureDetails. A failed build or upload leaves no content."""
        pkg = db_api.get_vnf_snapshot_pkg(None, pkg_id)
        if isinstance(exc, exception.PackageOperationCancelled):
            error_type = states.CANCELLED
        elif pkg.state == states.PKG_PROCESSING:
            error_type = states.PROCESS_ERROR
        else:
            error_type = {
                states.PKG_OP_BUILD: states.BUILD_ERROR,
                states.PKG_OP_EXTRACT: states.EXTRACTION_ERROR,
            }.get(pkg.operation, states.UPLOAD_ERROR)
        if isinstance(exc, exception.VnfsnapException):
            LOG.warning('%s of VNF snapshot package %s failed: %s',
                        pkg.operation, pkg_id, exc)
        else:
            LOG.error('%s of VNF snapshot package %s failed unexpectedly',
                      pkg.operation, pkg_id, exc_info=exc)
        to_state = states.PKG_ERROR
        if pkg.operation == states.PKG_OP_EXTRACT:
            to_state = states.PKG_ERROR_EXTRACTING
        try:
            db_api.update_vnf_snapshot_pkg(
                None, pkg_id,
                {'state': to_state,
                 'failure_details': {'errorType': error_type,
                                     'details': views.problem(exc)}},
                from_states=from_states or states.PKG_ACTIVE_STATES,
                task='Fail', expect_host=owner, if_updated_at=if_updated_at)
        except exception.VnfsnapException as e:
            LOG.warning('Not marking VNF snapshot package %s failed: %s',
                        pkg_id, e)
            return
        if to_state == states.PKG_ERROR:
            store.delete_package(pkg_id)


def _new_work_dir(pkg_id):
    """A directory of one job of package ``pkg_id`` (mode 0700)."""
    top = CONF.conductor.package_work_dir
    os.makedirs(top, mode=0o700, exist_ok=True)
    return tempfile.mkdtemp(prefix=pkg_id + '.', dir=top)


def _remove_work_dir(work):
    if work is not None:
        shutil.rmtree(work, ignore_errors=True)


def _work_dir_names():
    try:
        return os.listdir(CONF.conductor.package_work_dir)
    except FileNotFoundError:
        return []


def _pkg_of(name):
    """The package a work directory belongs to: ``<id>.<job>``, or
    ``<id>`` as releases before the per-job layout named it."""
    return name.split('.', 1)[0]


def _explain(exc):
    """A full disk under the work directory says so (the store's own full
    disk is StoreFull already)."""
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return exception.StoreFull(
            where="the conductor's package work directory (%s)"
                  % CONF.conductor.package_work_dir,
            what=os.path.basename(exc.filename or '') or 'a file of the job')
    return exc
