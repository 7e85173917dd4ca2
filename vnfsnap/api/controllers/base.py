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

"""Controller base: one pecan generic handler per resource, so methods a
resource does not support answer 405 with an Allow header."""

import pecan

from vnfsnap.common import exception


def method_not_allowed(allowed):
    exc = exception.MethodNotAllowed(method=pecan.request.method)
    exc.allow = ', '.join(allowed)
    return exc


class Resource:
    """Subclasses define ``get``/``post``/``patch``/``delete`` methods."""

    METHODS = ('get', 'post', 'put', 'patch', 'delete')

    def _allowed(self):
        return [m.upper() for m in self.METHODS if hasattr(self, m)]

    @pecan.expose(content_type='application/json')
    def index(self, *remainder):
        if remainder or not self._allowed():
            # Nothing below, or a mere path segment (/vnflcm/v2).
            raise exception.NotFound()
        handler = getattr(self, pecan.request.method.lower(), None)
        if pecan.request.method.lower() not in self.METHODS or not handler:
            raise method_not_allowed(self._allowed())
        return handler()
