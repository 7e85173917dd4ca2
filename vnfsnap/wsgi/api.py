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

"""WSGI entry point: ``vnfsnap.wsgi.api:application`` (uWSGI, mod_wsgi).

Such a process serves the API only, so it needs ``rpc_transport = oslo``
and a transport_url to reach the conductors. The configuration comes from
the default files (/etc/vnfsnap/vnfsnap.conf) or VNFSNAP_CONFIG_FILE.
Without a message bus the application does not load: a process that found
no configuration would otherwise serve the embedded default, without
authentication, on the SQLite database of /var/lib/vnfsnap.
"""

import os

from vnfsnap.api import app
from vnfsnap.common import rpc
from vnfsnap.common import service


def _init():
    files = os.environ.get('VNFSNAP_CONFIG_FILE')
    service.prepare_service([], default_config_files=files.split(',')
                            if files else None)
    if not rpc.messaging_enabled():
        raise RuntimeError(
            'vnfsnap.wsgi.api needs [DEFAULT]rpc_transport = oslo (and '
            'transport_url) to reach a conductor; configuration files '
            'read: %s (VNFSNAP_CONFIG_FILE names others); without a '
            'message bus use vnfsnap-all-in-one.'
            % (', '.join(service.CONF.config_file) or 'none'))
    return app.setup_app()


application = _init()
