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

"""vnfsnap-conductor: runs LCM operations received over RPC."""

import sys

from vnfsnap.cmd import common
from vnfsnap.common import rpc
from vnfsnap.common import service
from vnfsnap.conductor import service as conductor_service


def main():
    service.prepare_service()
    if not rpc.messaging_enabled():
        sys.exit('vnfsnap-conductor needs [DEFAULT]rpc_transport = oslo (and '
                 'transport_url); without a message bus use '
                 'vnfsnap-all-in-one.')
    common.check_schema()
    conductor = conductor_service.ConductorService()
    conductor.start()
    service.wait_for_signal()
    conductor.stop()
