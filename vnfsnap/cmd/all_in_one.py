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

"""vnfsnap-all-in-one: API and conductor in one process.

With no configuration at all this is the embedded default: SQLite under
state_path, no authentication, in-process RPC. With ``rpc_transport = oslo``
it also serves RPC, so further conductors can join.
"""

from vnfsnap.api import app
from vnfsnap.cmd import common
from vnfsnap.common import service
from vnfsnap.common import wsgi_server
from vnfsnap.conductor import service as conductor_service


def main():
    service.prepare_service()
    common.check_schema(auto_upgrade=True)
    conductor = conductor_service.ConductorService()
    conductor.start()
    server = wsgi_server.Server(app.setup_app())
    try:
        server.start()
        service.wait_for_signal()
    finally:
        server.stop()
        conductor.stop()
