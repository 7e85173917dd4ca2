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
