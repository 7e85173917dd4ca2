"""vnfsnap-api: the REST API alone; the conductor runs elsewhere (RPC)."""

import sys

from oslo_log import log as logging

from vnfsnap.api import app
from vnfsnap.cmd import common
from vnfsnap.common import rpc
from vnfsnap.common import service
from vnfsnap.common import wsgi_server

LOG = logging.getLogger(__name__)


def main():
    service.prepare_service()
    if not rpc.messaging_enabled():
        sys.exit('vnfsnap-api needs [DEFAULT]transport_url to reach a '
                 'conductor; without a message bus use vnfsnap-all-in-one.')
    common.check_schema()
    server = wsgi_server.Server(app.setup_app())
    server.start()
    service.wait_for_signal()
    server.stop()
