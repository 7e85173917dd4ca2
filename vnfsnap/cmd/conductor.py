"""vnfsnap-conductor: runs LCM operations received over RPC."""

import sys

from vnfsnap.cmd import common
from vnfsnap.common import rpc
from vnfsnap.common import service
from vnfsnap.conductor import service as conductor_service


def main():
    service.prepare_service()
    if not rpc.messaging_enabled():
        sys.exit('vnfsnap-conductor needs [DEFAULT]transport_url; without '
                 'a message bus use vnfsnap-all-in-one.')
    common.check_schema()
    conductor = conductor_service.ConductorService()
    conductor.start()
    service.wait_for_signal()
    conductor.stop()
