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

"""Client side of the conductor RPC API; the API service's only way in.

RPC carries ids, never objects: the database row is the contract. Every
method sends the version that introduced it, so an API of a newer release
can talk to conductors of an older one during a rolling upgrade
(``[upgrade_levels]conductor`` caps what it sends).
"""

from oslo_log import log as logging
import oslo_messaging as messaging

from vnfsnap.common import exception
from vnfsnap.common import rpc
from vnfsnap.common import states
import vnfsnap.conf

CONF = vnfsnap.conf.CONF
LOG = logging.getLogger(__name__)

#: LCM operations that conductors run only from this RPC API version on;
#: the others need 1.0.
OPERATION_VERSIONS = {states.MODIFY_INFO: '1.2', states.ONLINE_TEST: '1.3'}


def _version(text):
    major, minor = text.split('.')
    return int(major), int(minor)


def version_cap():
    """``[upgrade_levels]conductor``, or None when unset.

    :raises ValueError: the cap is of another major version than this code
        speaks, so it could send nothing at all.
    """
    cap = CONF.upgrade_levels.conductor
    if cap is None:
        return None
    ours = ConductorAPI.RPC_API_VERSION
    if _version(cap)[0] != _version(ours)[0]:
        raise ValueError(
            '[upgrade_levels]conductor = %s cannot work: this vnfsnap '
            'speaks conductor RPC API %s (every %d.x up to it)'
            % (cap, ours, _version(ours)[0]))
    return cap


class ConductorAPI:
    """Casts LCM work to a conductor and calls it for synchronous steps.

    API version history:

    * 1.0 - run_lcm_op_occ, delete_vnf_snapshot, get_vim_capabilities
    * 1.1 - run_vnf_snapshot_pkg_op
    * 1.2 - run_lcm_op_occ of MODIFY_INFO occurrences (OPERATION_VERSIONS)
    * 1.3 - run_lcm_op_occ of ONLINE_TEST occurrences (OPERATION_VERSIONS)

    Adding a method or an argument: bump RPC_API_VERSION here and in
    vnfsnap.conductor.manager, add a line above, and pin the method to the
    new version (doc/source/contributor/rpc.rst).
    """

    RPC_API_VERSION = '1.3'

    def __init__(self):
        self._client = None
        if rpc.messaging_enabled():
            # Every method pins its own version: the target's is the floor.
            self._client = rpc.get_client('1.0', version_cap=version_cap())

    def can_send_version(self, version):
        """Whether every conductor understands ``version``: always in
        process, else up to ``[upgrade_levels]conductor``."""
        return self._client is None or self._client.can_send_version(
            version)

    def require(self, operation):
        """Refuse (503) an LCM operation the conductors may not run yet
        during a rolling upgrade, before anything is recorded."""
        version = OPERATION_VERSIONS.get(operation, '1.0')
        if not self.can_send_version(version):
            raise exception.ConductorTooOld(
                method='%s occurrences' % operation, version=version,
                cap=CONF.upgrade_levels.conductor)

    def _local(self):
        manager = rpc.get_local_manager()
        if manager is None:
            raise exception.ConductorUnavailable(
                reason='[DEFAULT]rpc_transport is none and no conductor '
                       'runs in this process; use vnfsnap-all-in-one or '
                       'set [DEFAULT]rpc_transport = oslo')
        return manager

    def _run_local(self, context, method, **kwargs):
        try:
            return getattr(self._local(), method)(context, **kwargs)
        except messaging.ExpectedException as e:
            # Unwrap what an RPC server would: the endpoint's own exception
            # (a VnfSnapshotInUse stays a 409, not an unknown error).
            raise e.exc_info[1].with_traceback(e.exc_info[2]) from None

    def _cast(self, context, version, method, **kwargs):
        """Send work the database already records.

        Above the version cap nothing is sent: the conductors running now
        would refuse it, and the sweep of a conductor of this release
        (``[conductor]sweep_interval``) runs the recorded work, as it does
        for a lost message.
        """
        if self._client is None:
            return self._run_local(context, method, **kwargs)
        if not self.can_send_version(version):
            LOG.warning('Not casting %s (conductor RPC API %s) above '
                        '[upgrade_levels]conductor = %s; a conductor of this '
                        'release will run it from the database', method,
                        version, CONF.upgrade_levels.conductor)
            return
        self._client.prepare(version=version).cast(context, method, **kwargs)

    def _call(self, context, version, method, **kwargs):
        if self._client is None:
            return self._run_local(context, method, **kwargs)
        if not self.can_send_version(version):
            raise exception.ConductorTooOld(
                method=method, version=version,
                cap=CONF.upgrade_levels.conductor)
        try:
            return self._client.prepare(
                version=version, timeout=CONF.api.rpc_timeout).call(
                    context, method, **kwargs)
        except messaging.MessagingTimeout as e:
            raise exception.ConductorUnavailable(reason=str(e))

    def run_lcm_op_occ(self, context, op_id, operation=None):
        """Ask a conductor to drive an op occurrence from its current state
        (STARTING, PROCESSING after retry, ROLLING_BACK after rollback).

        ``operation`` (not sent) picks the version the cast needs, so that
        a conductor of an earlier release never gets an operation it does
        not know.
        """
        self._cast(context, OPERATION_VERSIONS.get(operation, '1.0'),
                   'run_lcm_op_occ', op_id=op_id)

    def get_vim_capabilities(self, context, vnf_instance_id):
        """Per VNFC, what its VIM can do, read from the VIM now."""
        return self._call(context, '1.0', 'get_vim_capabilities',
                          vnf_instance_id=vnf_instance_id)

    def delete_vnf_snapshot(self, context, vnf_snapshot_info_id):
        """Delete the VIM-side snapshots, then the resource; synchronous."""
        self._call(context, '1.0', 'delete_vnf_snapshot',
                   vnf_snapshot_info_id=vnf_snapshot_info_id)

    def run_vnf_snapshot_pkg_op(self, context, pkg_id):
        """Ask a conductor to run the content operation a VNF snapshot
        package is in (BUILDING, UPLOADING from a URI, PROCESSING,
        EXTRACTING)."""
        self._cast(context, '1.1', 'run_vnf_snapshot_pkg_op', pkg_id=pkg_id)
