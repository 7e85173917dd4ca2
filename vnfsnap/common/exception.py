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

"""vnfsnap exceptions, all of them in this one module.

Every exception that can reach an API client carries the HTTP status and a
title, so the API turns it into a SOL013 ProblemDetails body without having to
know each class. oslo.messaging rebuilds a remote exception with its class
only when that class is in a module it is told to allow
(vnfsnap.common.rpc); anything defined elsewhere would reach the API of a
split deployment as a 500, so this module is the one home.
"""

import http


class VnfsnapException(Exception):
    """Base class; subclasses set ``code`` and a ``_msg_fmt``."""

    code = http.HTTPStatus.INTERNAL_SERVER_ERROR
    _msg_fmt = 'An unknown error occurred.'

    def __init__(self, message=None, **kwargs):
        self.kwargs = kwargs
        if message is None:
            message = self._msg_fmt % kwargs if kwargs else self._msg_fmt
        self.message = message
        super().__init__(message)

    @property
    def title(self):
        return http.HTTPStatus(self.code).phrase


class BadRequest(VnfsnapException):
    code = http.HTTPStatus.BAD_REQUEST
    _msg_fmt = 'The request is malformed: %(reason)s'


class InvalidFilter(BadRequest):
    _msg_fmt = 'Attribute filter expression is invalid: %(reason)s'


class InvalidSelector(BadRequest):
    _msg_fmt = 'Attribute selector expression is invalid: %(reason)s'


class InvalidPageMarker(BadRequest):
    _msg_fmt = 'The nextpage_opaque_marker is invalid or expired.'


class SchemaValidationFailed(BadRequest):
    _msg_fmt = 'The request body is invalid: %(reason)s'


class VersionMissing(BadRequest):
    _msg_fmt = "The 'Version' HTTP header is missing."


class JsonTooDeep(BadRequest):
    _msg_fmt = ('The JSON body is nested deeper than %(limit)d levels '
                '([api]max_json_depth).')


class JsonStringUnstorable(BadRequest):
    """A string no database can store: a lone UTF-16 surrogate (not
    Unicode text, so not UTF-8-encodable) or a NUL character."""

    _msg_fmt = ('The JSON body holds a string with %(what)s at %(where)s; '
                'strings must be Unicode text without NUL characters.')


class NotAuthorized(VnfsnapException):
    code = http.HTTPStatus.UNAUTHORIZED
    _msg_fmt = 'Authentication is required.'


class Forbidden(VnfsnapException):
    code = http.HTTPStatus.FORBIDDEN
    _msg_fmt = 'Policy does not allow %(action)s to be performed.'


class NotFound(VnfsnapException):
    code = http.HTTPStatus.NOT_FOUND
    _msg_fmt = 'The resource could not be found.'


class VnfInstanceNotFound(NotFound):
    _msg_fmt = 'VNF instance %(id)s could not be found.'


class VnfSnapshotInfoNotFound(NotFound):
    _msg_fmt = 'VNF snapshot %(id)s could not be found.'


class VnfSnapshotPkgNotFound(NotFound):
    _msg_fmt = 'VNF snapshot package %(id)s could not be found.'


class VnfSnapshotPkgArtifactNotFound(NotFound):
    _msg_fmt = 'VNF snapshot package %(id)s has no artifact %(path)s.'


class VnfLcmOpOccNotFound(NotFound):
    _msg_fmt = 'VNF LCM operation occurrence %(id)s could not be found.'


class OnlineTestNotFound(NotFound):
    _msg_fmt = 'Online test %(id)s could not be found.'


class MethodNotAllowed(VnfsnapException):
    code = http.HTTPStatus.METHOD_NOT_ALLOWED
    _msg_fmt = 'Method %(method)s is not supported on this resource.'


class VersionNotSupported(VnfsnapException):
    code = http.HTTPStatus.NOT_ACCEPTABLE
    _msg_fmt = 'API version %(version)s is not supported.'


class NotAcceptable(VnfsnapException):
    code = http.HTTPStatus.NOT_ACCEPTABLE
    _msg_fmt = 'None of the accepted media types can be produced: %(accept)s'


class Conflict(VnfsnapException):
    code = http.HTTPStatus.CONFLICT
    _msg_fmt = 'The request conflicts with the state of the resource.'


class VnfInstanceBusy(Conflict):
    _msg_fmt = ('VNF instance %(id)s has another LCM operation in progress '
                '(%(op_id)s); only one operation at a time is allowed.')


class VnfInstanceNotInstantiated(Conflict):
    _msg_fmt = 'VNF instance %(id)s is in state NOT_INSTANTIATED.'


class VnfSnapshotInUse(Conflict):
    _msg_fmt = ('VNF snapshot %(id)s is in use by %(op_id)s (an LCM '
                'operation occurrence, a VNF snapshot package build or '
                'extraction, or a deletion).')


class VnfSnapshotAlreadyFilled(Conflict):
    _msg_fmt = ('VNF snapshot %(id)s already holds a VNF snapshot; its '
                'vnfSnapshot attribute can no longer be modified.')


class VnfSnapshotEmpty(Conflict):
    _msg_fmt = ('VNF snapshot %(id)s holds no VNF snapshot yet: it is '
                'empty, or its creation is not completed.')


class ConcurrentModification(Conflict):
    _msg_fmt = ('Resource %(id)s was modified by another request meanwhile; '
                'read it again and retry.')


class InvalidOpOccState(Conflict):
    _msg_fmt = ('Task %(task)s is not possible while LCM operation '
                'occurrence %(id)s is in state %(state)s.')


class InvalidPkgState(Conflict):
    _msg_fmt = ('%(task)s is not possible while VNF snapshot package %(id)s '
                'is in state %(state)s.')


class PreconditionFailed(VnfsnapException):
    code = http.HTTPStatus.PRECONDITION_FAILED
    _msg_fmt = 'The If-Match/If-Unmodified-Since precondition failed.'


class RangeNotSatisfiable(VnfsnapException):
    code = http.HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE
    _msg_fmt = ('The Range %(range)s cannot be served from content of '
                '%(size)d bytes.')


class UnsupportedMediaType(VnfsnapException):
    code = http.HTTPStatus.UNSUPPORTED_MEDIA_TYPE
    _msg_fmt = 'Content-Type %(content_type)s is not supported here.'


class LengthRequired(VnfsnapException):
    code = http.HTTPStatus.LENGTH_REQUIRED
    _msg_fmt = ('The request body needs a Content-Length header or chunked '
                'Transfer-Encoding.')


class RequestEntityTooLarge(VnfsnapException):
    code = http.HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    _msg_fmt = ('The request body is larger than %(limit)d bytes, the '
                'limit of %(what)s (%(option)s).')


class JsonValueTooLarge(VnfsnapException):
    """A stored JSON value that a request would make grow too large (a
    merge patch adds to what is stored)."""

    code = http.HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    _msg_fmt = ('%(attribute)s would take %(size)d bytes, more than '
                '%(limit)d ([api]max_json_body_size).')


class UnprocessableEntity(VnfsnapException):
    code = http.HTTPStatus.UNPROCESSABLE_ENTITY
    _msg_fmt = 'The request cannot be processed: %(reason)s'


class ConductorUnavailable(VnfsnapException):
    code = http.HTTPStatus.SERVICE_UNAVAILABLE
    _msg_fmt = 'No conductor answered: %(reason)s'


class ConductorTooOld(ConductorUnavailable):
    """A rolling upgrade is under way: the call is newer than the cap."""

    _msg_fmt = ('The conductors cannot run %(method)s yet: it needs '
                'conductor RPC API %(version)s and [upgrade_levels]conductor '
                'is %(cap)s. It works once every conductor is upgraded and '
                'the cap is removed.')


class VimError(VnfsnapException):
    """A VIM driver could not perform a step; the message says why."""

    _msg_fmt = 'VIM operation failed: %(reason)s'


class GuardUndidInterruption(VimError):
    """A guard that outlives the conductor (e.g. the thaw guard) already
    put the VNFC back (thawed, resumed, started, volume attached) before
    the conductor did: what was captured meanwhile cannot be trusted, but
    as an undo step the VNFC is back as it was."""


class ProbeTargetNotAllowed(VnfsnapException):
    """An online test would make the conductor connect where the
    operator's [online_tests]probe_networks does not allow."""

    code = http.HTTPStatus.UNPROCESSABLE_ENTITY
    _msg_fmt = 'The online test may not connect to %(target)s: %(reason)s'


class VimCapabilityMissing(VnfsnapException):
    """The VIM cannot do what was asked; vnfsnap refuses, never degrades."""

    code = http.HTTPStatus.UNPROCESSABLE_ENTITY
    _msg_fmt = 'The VIM cannot %(what)s: %(reason)s'


class VimDriverNotFound(UnprocessableEntity):
    _msg_fmt = ('No VIM driver is installed for vimType %(vim_type)s '
                '(installed: %(installed)s).')


class UriNotAllowed(BadRequest):
    """A URI to fetch from breaks a [package_import] rule."""

    _msg_fmt = 'URI %(uri)s is not allowed: %(reason)s'


class FetchFailed(VnfsnapException):
    """The remote server of an upload from a URI failed or misbehaved."""

    code = http.HTTPStatus.BAD_GATEWAY
    _msg_fmt = 'Fetching %(uri)s failed: %(reason)s'


class CredentialsKeyError(VnfsnapException):
    """The key that protects stored credentials is unusable."""

    _msg_fmt = 'Credentials key problem: %(reason)s'


class OperationCancelled(VnfsnapException):
    code = http.HTTPStatus.CONFLICT
    _msg_fmt = 'LCM operation occurrence %(id)s was cancelled.'


class PackageJobInterrupted(VnfsnapException):
    """A package job whose conductor died cannot be resumed."""

    code = http.HTTPStatus.CONFLICT
    _msg_fmt = 'The operation was interrupted (%(why)s): %(reason)s.'


class PackageOperationCancelled(VnfsnapException):
    code = http.HTTPStatus.CONFLICT
    _msg_fmt = ('The operation on VNF snapshot package %(id)s was cancelled'
                '%(cause)s.')


class SubscriptionNotFound(NotFound):
    _msg_fmt = 'Subscription %(id)s could not be found.'


class VnfStateSnapshotFailed(Conflict):
    """The VNF named a VNF state snapshot that could not be taken."""
    _msg_fmt = ('The VNF state snapshot of VNF instance %(id)s could not be '
                'taken: %(reason)s')


class VnfStateSnapshotNotFound(NotFound):
    _msg_fmt = 'VNF snapshot %(id)s has no VNF state snapshot%(why)s.'


class ConductorNotFound(NotFound):
    _msg_fmt = 'Conductor %(hostname)s is not registered.'


class SubscriptionExists(Conflict):
    """The API answers 303 See Other to the existing one (SOL003
    5.4.18.3.1)."""
    _msg_fmt = ('Subscription %(id)s has the same callbackUri and filter; '
                'duplicates are not created.')


# VNF snapshot packages (vnfsnap.package): 422s, the package and not the
# request is wrong, except SignatureCheckUnavailable and
# SigningConfigInvalid, faults of this service.


class PackageInvalid(UnprocessableEntity):
    """Base for every reason a package is refused."""

    _msg_fmt = 'The VNF snapshot package is invalid: %(reason)s'


class ManifestInvalid(PackageInvalid):
    _msg_fmt = 'The VNF snapshot package manifest is invalid: %(reason)s'


class UnsupportedFormatVersion(ManifestInvalid):
    _msg_fmt = ('The VNF snapshot package manifest has formatVersion '
                '%(version)r; supported: %(supported)s.')


class UnsafeMember(PackageInvalid):
    _msg_fmt = 'Package member %(name)r is refused: %(reason)s'


class MemberMismatch(PackageInvalid):
    """The ZIP and its manifest disagree on what the package holds."""

    _msg_fmt = ('The package content does not match its manifest: '
                '%(reason)s')


class PackageTooLarge(PackageInvalid):
    """Size, member count or compression ratio limits (zip bombs)."""

    _msg_fmt = 'The VNF snapshot package exceeds a limit: %(reason)s'


class ChecksumMismatch(PackageInvalid):
    _msg_fmt = ('Package artifact %(path)r does not match its manifest: '
                '%(reason)s')


class UnsafeImage(PackageInvalid):
    """A disk image that would make qemu-img read or write other files."""

    _msg_fmt = 'Image artifact %(name)r is refused: %(reason)s'


class SignatureInvalid(PackageInvalid):
    """The manifest signature is missing when required, or does not hold."""

    _msg_fmt = 'The VNF snapshot package signature is refused: %(reason)s'


class SignatureCheckUnavailable(VnfsnapException):
    """openssl could not be run: the service, not the package, is at fault."""

    _msg_fmt = ('The VNF snapshot package signature could not be checked: '
                '%(reason)s')


class SigningConfigInvalid(VnfsnapException):
    """The [package] signing certificate or key cannot be used."""

    _msg_fmt = 'The [package] signing configuration is invalid: %(reason)s'


# The package store (vnfsnap.store).


class StoreError(VnfsnapException):
    """The store could not be reached or refused an operation."""

    code = http.HTTPStatus.SERVICE_UNAVAILABLE
    _msg_fmt = 'Package store unavailable: %(reason)s'


class StoreFull(StoreError):
    """The package store (or the conductor's package work directory) has
    no space left; what was being written is removed."""

    code = http.HTTPStatus.INSUFFICIENT_STORAGE
    _msg_fmt = ('No space left in %(where)s while writing %(what)s; the '
                'partial file was removed. Free space (delete packages '
                'no longer needed) and start the operation again.')


class StoreObjectNotFound(NotFound):
    _msg_fmt = 'Object %(key)s is not in the package store.'


class InvalidStoreKey(VnfsnapException):
    """Keys are made by vnfsnap, so a bad one is a vnfsnap bug (500)."""

    _msg_fmt = 'Invalid package store key %(key)r: %(reason)s'


class UploadIncomplete(BadRequest):
    _msg_fmt = 'The upload ended after %(done)d of %(expected)d bytes.'


# The OpenStack VIM (vnfsnap.vim.openstack).


class ResourceNotFound(VimError):
    _msg_fmt = '%(kind)s %(id)s does not exist on the VIM'


# Webhooks to the VNF (vnfsnap.common.webhook).


class WebhookFailed(VnfsnapException):
    code = http.HTTPStatus.CONFLICT
    _msg_fmt = 'Notifying %(uri)s failed: %(reason)s'

    def __init__(self, message=None, delivered=False, **kwargs):
        # ``delivered`` is kept in kwargs too: oslo.messaging rebuilds a
        # remote exception as cls(message, **kwargs).
        super().__init__(message, delivered=delivered, **kwargs)
        #: The request may have reached the endpoint (no answer in time).
        self.delivered = delivered


class VnfNotReady(Conflict):
    """The VNF did not acknowledge a "prepare" snapshot notification."""

    _msg_fmt = ('VNF instance %(id)s did not acknowledge "prepare" for '
                '%(operation)s: %(reason)s')

    def __init__(self, message=None, delivered=True, **kwargs):
        super().__init__(message, delivered=delivered, **kwargs)
        #: The VNF may have seen "prepare": it gets a "done" too.
        self.delivered = delivered


# Granting by an NFVO (vnfsnap.conductor.flows.grant).


class GrantRefused(VnfsnapException):
    code = http.HTTPStatus.FORBIDDEN
    _msg_fmt = 'The NFVO did not grant %(operation)s: %(reason)s'


class GrantFailed(VnfsnapException):
    code = http.HTTPStatus.CONFLICT
    _msg_fmt = 'Asking the NFVO to grant %(operation)s failed: %(reason)s'
