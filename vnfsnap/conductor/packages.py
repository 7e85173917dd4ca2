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
per-package work directory; no artifact is ever held in memory.
"""

import datetime
import os
import shutil

from oslo_log import log as logging
from oslo_utils import timeutils

from vnfsnap import store
from vnfsnap.common import exception
from vnfsnap.common import states
from vnfsnap.common import views
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


class PackageRunner:
    """Runs the content operations of VNF snapshot packages."""

    def __init__(self, host):
        self.host = host

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
                None, pkg_id, {'host': self.host}, from_states=(pkg.state,),
                task='Claim', expect_host=None)
        except (exception.InvalidPkgState,
                exception.VnfSnapshotPkgNotFound) as e:
            LOG.info('Not running VNF snapshot package %s: %s', pkg_id, e)
            return
        LOG.info('Running %s of VNF snapshot package %s (%s)',
                 pkg.operation, pkg.id, pkg.state)
        work = os.path.join(CONF.conductor.package_work_dir, pkg.id)
        try:
            shutil.rmtree(work, ignore_errors=True)
            os.makedirs(work, mode=0o700)
            flow, flow_store = builder(
                pkg, work, progress_mod.PackageProgress(pkg.id), self.host)
            flows_common.run(flow, flow_store)
        except Exception as e:
            self._fail(pkg.id, e, owner=self.host)
        finally:
            shutil.rmtree(work, ignore_errors=True)

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
        """Fail what this conductor was running when it stopped: the work
        directory went with it, so the client starts the operation
        again. What an interrupted extraction had imported into a VIM
        is recorded nowhere and stays there (unlike the VNFC snapshots
        of an LCM occurrence, see flows.common.delete_leftovers)."""
        for pkg in db_api.list_vnf_snapshot_pkgs(
                None, states_in=states.PKG_ACTIVE_STATES, host=self.host):
            LOG.warning('VNF snapshot package %s was %s when conductor %s '
                        'stopped; marking it failed', pkg.id, pkg.state,
                        self.host)
            self._fail(pkg.id, exception.VnfsnapException(
                'the conductor running this operation stopped before it '
                'finished; start the operation again'), owner=self.host)

    def take_over(self, dead):
        """Fail the package jobs offline conductor ``dead`` held, each
        claimed first by compare-and-swap of its host (exactly one live
        conductor settles it). Returns the ids taken."""
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
                        '(%s) from conductor %s, offline; marking it failed',
                        self.host, pkg.id, pkg.state, dead)
            self._fail(pkg.id, exception.VnfsnapException(
                'conductor %s, running this operation, went offline (no '
                'heartbeat for %d s) before it finished; conductor %s '
                'took it over; start the operation again'
                % (dead, CONF.conductor.heartbeat_timeout, self.host)),
                owner=self.host)
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
