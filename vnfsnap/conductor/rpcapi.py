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

RPC carries ids, never objects: the database row is the contract.
"""

import oslo_messaging as messaging

from vnfsnap.common import exception
from vnfsnap.common import rpc
import vnfsnap.conf

CONF = vnfsnap.conf.CONF


class ConductorAPI:
    """Casts LCM work to a conductor and calls it for synchronous steps.

    API version history:
        1.0 - run_lcm_op_occ, delete_vnf_snapshot, get_vim_capabilities
        1.1 - run_vnf_snapshot_pkg_op
    """

    RPC_API_VERSION = '1.1'

    def __init__(self):
        self._client = None
        if rpc.messaging_enabled():
            target = messaging.Target(topic=CONF.conductor.topic,
                                      version=self.RPC_API_VERSION)
            self._client = messaging.get_rpc_client(
                rpc.get_transport(), target,
                serializer=rpc.RequestContextSerializer())

    def _local(self):
        manager = rpc.get_local_manager()
        if manager is None:
            raise exception.ConductorUnavailable(
                reason='no transport_url is configured and no conductor '
                       'runs in this process; use vnfsnap-all-in-one or '
                       'set [DEFAULT]transport_url')
        return manager

    def _run_local(self, context, method, **kwargs):
        try:
            return getattr(self._local(), method)(context, **kwargs)
        except messaging.ExpectedException as e:
            # Unwrap what an RPC server would: the endpoint's own exception
            # (a VnfSnapshotInUse stays a 409, not an unknown error).
            raise e.exc_info[1].with_traceback(e.exc_info[2]) from None

    def _cast(self, context, method, **kwargs):
        if self._client is None:
            return self._run_local(context, method, **kwargs)
        self._client.prepare().cast(context, method, **kwargs)

    def _call(self, context, method, **kwargs):
        if self._client is None:
            return self._run_local(context, method, **kwargs)
        try:
            return self._client.prepare(timeout=CONF.api.rpc_timeout).call(
                context, method, **kwargs)
        except messaging.MessagingTimeout as e:
            raise exception.ConductorUnavailable(reason=str(e))

    def run_lcm_op_occ(self, context, op_id):
        """Ask a conductor to drive an op occurrence from its current state
        (STARTING, PROCESSING after retry, ROLLING_BACK after rollback)."""
        self._cast(context, 'run_lcm_op_occ', op_id=op_id)

    def get_vim_capabilities(self, context, vnf_instance_id):
        """Per VNFC, what its VIM can do, read from the VIM now."""
        return self._call(context, 'get_vim_capabilities',
                          vnf_instance_id=vnf_instance_id)

    def delete_vnf_snapshot(self, context, vnf_snapshot_info_id):
        """Delete the VIM-side snapshots, then the resource; synchronous."""
        self._call(context, 'delete_vnf_snapshot',
                   vnf_snapshot_info_id=vnf_snapshot_info_id)

    def run_vnf_snapshot_pkg_op(self, context, pkg_id):
        """Ask a conductor to run the content operation a VNF snapshot
        package is in (BUILDING, UPLOADING from a URI, PROCESSING,
        EXTRACTING)."""
        self._cast(context, 'run_vnf_snapshot_pkg_op', pkg_id=pkg_id)
