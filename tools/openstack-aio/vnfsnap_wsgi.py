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

"""Serve one OpenStack WSGI application under gunicorn, with a clean argv.

The services' WSGI modules (``nova.wsgi.osapi_compute``,
``placement.wsgi.api``, ``neutron.wsgi.api``...) parse ``sys.argv`` with
oslo.config when they are imported, and gunicorn's own command line makes
them fail.  gunicorn imports this module instead (``--pythonpath`` this
folder, app ``vnfsnap_wsgi:application``); it sets ``sys.argv`` to what the
service should see and imports the real module.

With ``VNFSNAP_WSGI_CONFIGURE_MAPPERS=1`` it also configures SQLAlchemy's
mappers once the application is loaded.  Neutron 29 needs that: its
``GET /v2.0/ports`` names ``Port.port_forwardings``, a backref that only
exists once the mappers are configured, which no request before the first
ports listing did ("type object 'Port' has no attribute
'port_forwardings'": Nova's first question after a boot).

Environment:
    VNFSNAP_WSGI_MODULE  the module whose ``application`` is served
    VNFSNAP_WSGI_ARGV    JSON list of the service's arguments (default: none)
    VNFSNAP_WSGI_CONFIGURE_MAPPERS  1: configure SQLAlchemy's mappers
"""

import importlib
import json
import os
import sys

sys.argv = [os.environ['VNFSNAP_WSGI_MODULE']] + json.loads(
    os.environ.get('VNFSNAP_WSGI_ARGV', '[]'))
application = importlib.import_module(
    os.environ['VNFSNAP_WSGI_MODULE']).application
if os.environ.get('VNFSNAP_WSGI_CONFIGURE_MAPPERS') == '1':
    from sqlalchemy import orm

    orm.configure_mappers()
