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

"""``/vnfsnap/v1/conductors``: the conductors, whether each is alive and
the LCM operation occurrences and VNF snapshot packages it holds
(read-only; administrators only)."""

import pecan

from vnfsnap.api import utils
from vnfsnap.api.controllers import base
from vnfsnap.common import views
from vnfsnap.db import api as db_api


class Conductor(base.Resource):

    def __init__(self, hostname):
        self.hostname = hostname

    def get(self):
        utils.authorize('vnfsnap:conductor:get')
        utils.no_query()
        view = db_api.get_conductor(self.hostname)
        return utils.single(views.conductor(view, utils.base_url()),
                            view['heartbeat_at'])


class Conductors(base.Resource):

    @pecan.expose()
    def _lookup(self, hostname, *remainder):
        return Conductor(hostname), remainder

    def get(self):
        utils.authorize('vnfsnap:conductor:get_all')
        base_url = utils.base_url()
        return utils.collection(
            [views.conductor(v, base_url) for v in db_api.list_conductors()],
            mandatory=('hostname', '_links/self'), key='hostname')
