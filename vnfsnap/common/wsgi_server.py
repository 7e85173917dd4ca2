"""The HTTP server of vnfsnap-api: cheroot, a threaded WSGI server.

oslo.service no longer ships a WSGI server and vnfsnap avoids eventlet, so
the standalone commands serve the application with cheroot (the server
Ironic uses for its JSON-RPC API). Production may run
``vnfsnap.wsgi.api:application`` under uWSGI or mod_wsgi instead.
"""

import threading

from cheroot import wsgi
from oslo_log import log as logging

import vnfsnap.conf

CONF = vnfsnap.conf.CONF
LOG = logging.getLogger(__name__)


class Server:

    def __init__(self, app):
        self._server = wsgi.Server((CONF.api.host, CONF.api.port), app,
                                   numthreads=CONF.api.threads,
                                   server_name='vnfsnap-api')
        self._thread = None

    def start(self):
        self._server.prepare()   # binds now, so errors surface here
        self._thread = threading.Thread(target=self._server.serve,
                                        name='vnfsnap-api', daemon=True)
        self._thread.start()
        LOG.info('vnfsnap API listening on http://%s:%s', CONF.api.host,
                 self._server.bind_addr[1])

    @property
    def port(self):
        return self._server.bind_addr[1]

    def stop(self):
        self._server.stop()
        if self._thread is not None:
            self._thread.join(timeout=10)
