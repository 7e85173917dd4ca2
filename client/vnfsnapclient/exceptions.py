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

"""The errors of the client library.

Every error answer of vnfsnap is an RFC 7807 ProblemDetails document
(SOL013 clause 6.4); HttpError carries its status, title and detail, with
one subclass per status a caller may want to tell apart. The texts are cut
to a bounded length: they may quote what was sent, and an answer that is
not vnfsnap's (a proxy's HTML page) must not flood a terminal.
"""

MAX_TEXT = 1024


def bounded(text, limit=MAX_TEXT):
    """``text`` as a str of at most ``limit`` characters."""
    text = '' if text is None else str(text)
    if len(text) > limit:
        return text[:limit - 3] + '...'
    return text


class ClientError(Exception):
    """Base of every error the library raises."""


class HttpError(ClientError):
    """An error answer (4xx/5xx) of the API."""

    def __init__(self, status, title=None, detail=None, problem=None):
        self.status = int(status)
        self.title = bounded(title, 200) or 'HTTP %d' % self.status
        self.detail = bounded(detail) or self.title
        self.problem = problem
        super().__init__(str(self))

    def __str__(self):
        return '%s: %s (HTTP %d)' % (self.title, self.detail, self.status)


class BadRequest(HttpError):
    """400."""


class Unauthorized(HttpError):
    """401: no, an expired or a forged token."""


class Forbidden(HttpError):
    """403: the policy refuses the caller."""


class NotFound(HttpError):
    """404: no such resource (or not the caller's project's)."""


class MethodNotAllowed(HttpError):
    """405."""


class NotAcceptable(HttpError):
    """406: Accept or Version header not served."""


class Conflict(HttpError):
    """409: the resource is not in a state that allows the request."""


class PreconditionFailed(HttpError):
    """412: If-Match no longer matches (someone changed the resource)."""


class PayloadTooLarge(HttpError):
    """413."""


class UnprocessableEntity(HttpError):
    """422: well-formed, but refers to something that does not fit."""


class RangeNotSatisfiable(HttpError):
    """416: a resumed download asked for bytes the content has not."""


class ServerError(HttpError):
    """5xx."""


_BY_STATUS = {400: BadRequest, 401: Unauthorized, 403: Forbidden,
              404: NotFound, 405: MethodNotAllowed, 406: NotAcceptable,
              409: Conflict, 412: PreconditionFailed, 413: PayloadTooLarge,
              416: RangeNotSatisfiable, 422: UnprocessableEntity}


def from_status(status, title=None, detail=None, problem=None):
    """The HttpError subclass instance for ``status``."""
    if status >= 500:
        cls = ServerError
    else:
        cls = _BY_STATUS.get(status, HttpError)
    return cls(status, title=title, detail=detail, problem=problem)


class OperationFailed(ClientError):
    """An LCM operation occurrence or a package operation ended failed.

    ``resource``: the op occurrence or package as last read; ``problem``:
    its ProblemDetails (the op occurrence's ``error``, the package's
    ``failureDetails.details``) or None.
    """

    def __init__(self, resource, problem=None, message=None):
        self.resource = resource
        self.problem = problem
        if message is None:
            message = bounded((problem or {}).get('detail')) or 'failed'
        super().__init__(message)


class Timeout(ClientError):
    """A wait did not see the end in the time it was given."""


class ChecksumMismatch(ClientError):
    """A downloaded file does not have the SHA-256 the API announced; the
    partial file was removed so that the next attempt starts over."""
