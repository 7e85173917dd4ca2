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

"""Running a conductor: the manager behind an RPC server, or in-process."""

from oslo_log import log as logging

from vnfsnap.common import rpc
from vnfsnap.conductor import manager as conductor_manager
import vnfsnap.conf

CONF = vnfsnap.conf.CONF
LOG = logging.getLogger(__name__)


class ConductorService:
    """Starts the manager; serves RPC with ``rpc_transport = oslo``,
    otherwise registers the manager for in-process calls."""

    def __init__(self, host=None):
        self.manager = conductor_manager.ConductorManager(host or CONF.host)
        self._server = None

    def start(self):
        self.manager.init_host()
        if rpc.messaging_enabled():
            self._server = rpc.get_server([self.manager], self.manager.host)
            self._server.start()
            LOG.info('Conductor %s listening on topic %s (conductor RPC API '
                     '%s)', self.manager.host, CONF.conductor.topic,
                     self.manager.RPC_API_VERSION)
        else:
            rpc.set_local_manager(self.manager)
            LOG.info('Conductor %s runs in-process (rpc_transport = none)',
                     self.manager.host)

    def stop(self):
        if self._server is not None:
            self._server.stop()
            self._server.wait()
        else:
            rpc.set_local_manager(None)
        self.manager.stop()
