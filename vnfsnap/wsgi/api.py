"""WSGI entry point: ``vnfsnap.wsgi.api:application`` (uWSGI, mod_wsgi).

Such a process serves the API only, so it needs a transport_url to reach the
conductors. The configuration comes from the default files
(/etc/vnfsnap/vnfsnap.conf) or VNFSNAP_CONFIG_FILE.
"""

import os

from vnfsnap.api import app
from vnfsnap.common import service


def _init():
    files = os.environ.get('VNFSNAP_CONFIG_FILE')
    service.prepare_service([], default_config_files=files.split(',')
                            if files else None)
    return app.setup_app()


application = _init()
