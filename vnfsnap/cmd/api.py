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

"""vnfsnap-api: the REST API alone; the conductor runs elsewhere (RPC)."""

import sys

from oslo_log import log as logging

from vnfsnap.api import app
from vnfsnap.cmd import common
from vnfsnap.common import rpc
from vnfsnap.common import service
from vnfsnap.common import wsgi_server
from vnfsnap.conductor import rpcapi

LOG = logging.getLogger(__name__)


def main():
    service.prepare_service()
    if not rpc.messaging_enabled():
        sys.exit('vnfsnap-api needs [DEFAULT]rpc_transport = oslo (and '
                 'transport_url) to reach a conductor; without a message bus '
                 'use vnfsnap-all-in-one.')
    try:
        rpcapi.version_cap()
    except ValueError as e:
        sys.exit('vnfsnap-api: %s' % e)
    common.check_schema()
    server = wsgi_server.Server(app.setup_app())
    server.start()
    service.wait_for_signal()
    server.stop()
