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

"""The VNF snapshot package format: manifest, build, verify and extract.

A package is a ZIP file whose manifest lists every artifact with its size
and SHA-256. The format is documented in doc/source/user/package-format.rst.
The exceptions below are 422s (the package, not the request, is wrong)
except SignatureCheckUnavailable, a fault of this service.
"""

from vnfsnap.common import exception

MANIFEST_NAME = 'vnfsnap-manifest.json'
# Detached CMS SignedData (DER) over the exact bytes of MANIFEST_NAME.
SIGNATURE_NAME = 'vnfsnap-manifest.cms'
FORMAT_VERSION = '1.0'
SUPPORTED_FORMAT_VERSIONS = (FORMAT_VERSION,)


class PackageInvalid(exception.UnprocessableEntity):
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


class SignatureCheckUnavailable(exception.VnfsnapException):
    """openssl could not be run: the service, not the package, is at fault."""

    _msg_fmt = ('The VNF snapshot package signature could not be checked: '
                '%(reason)s')


class SigningConfigInvalid(exception.VnfsnapException):
    """The [package] signing certificate or key cannot be used."""

    _msg_fmt = 'The [package] signing configuration is invalid: %(reason)s'
