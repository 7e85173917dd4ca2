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

"""Online tests of a VNF instance (vnfsnap extension, GR NFV-TST 005
clause 4.1.1): ``/vnflcm/v2/vnf_instances/{id}/online_tests``."""

import urllib.parse

from vnfsnapclient import http
from vnfsnapclient.v1 import base


class OnlineTestManager:
    """The online tests of one VNF instance at a time; a test runs as the
    VNF LCM operation occurrence of the same id (wait for it with
    ``vnf_lcm_op_occs.wait``)."""

    API = http.VNFLCM

    def __init__(self, http_client):
        self.http = http_client

    @staticmethod
    def _path(instance_id, *rest):
        return '/'.join(('/vnf_instances', urllib.parse.quote(
            instance_id, safe=''), 'online_tests')
            + tuple(urllib.parse.quote(r, safe='') for r in rest))

    def start(self, instance_id, request):
        """Start a test (the request as the API takes it); the test."""
        return self.http.request('POST', self.API, self._path(instance_id),
                                 json=request).json()

    def list(self, instance_id, filter=None, fields=None,
             exclude_fields=None, all_fields=False, exclude_default=False):
        """An iterator over the instance's tests, page after page."""
        return self.http.iter_collection(
            self.API, self._path(instance_id), base.collection_params(
                filter=filter, fields=fields, exclude_fields=exclude_fields,
                all_fields=all_fields, exclude_default=exclude_default))

    def get(self, instance_id, test_id):
        return self.http.get_json(self.API, self._path(instance_id, test_id))

    def abort(self, instance_id, test_id):
        """Abort a running test (202); the VNF is restored."""
        self.http.request('POST', self.API,
                          self._path(instance_id, test_id) + '/abort')
