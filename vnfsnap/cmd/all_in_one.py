"""vnfsnap-all-in-one: API and conductor in one process.

With no configuration at all this is the embedded default: SQLite under
state_path, no authentication, in-process RPC. With a transport_url it also
serves RPC, so further conductors can join.
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
