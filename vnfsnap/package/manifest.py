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

"""The package manifest: what a package holds, with sizes and SHA-256.

Everything in a package is untrusted on import, including packages this
service built itself, so the manifest is checked strictly before anything
in it is used: schema, format version, paths and cross-field rules.
"""

import dataclasses
import datetime
import json
import re

import jsonschema

from vnfsnap import package
from vnfsnap.common import exception

ROLE_RECORD = 'vnfSnapshotRecord'
ROLE_VNFD = 'vnfd'
ROLE_IMAGE = 'vnfcImage'
ROLE_MEMORY = 'memoryState'
ROLE_DOMAIN_XML = 'domainXml'
ROLE_ADDITIONAL = 'additionalArtifact'
# What a root-cause analysis needs beyond the snapshot (GR NFV-TST 005
# 4.2.1): logs, operation history, what the VIM knows; never extracted
# into a VIM (doc/source/user/root-cause.rst).
ROLE_DIAGNOSTICS = 'diagnostics'
ROLES = (ROLE_RECORD, ROLE_VNFD, ROLE_IMAGE, ROLE_MEMORY, ROLE_DOMAIN_XML,
         ROLE_ADDITIONAL, ROLE_DIAGNOSTICS)
# Roles that describe one VNFC snapshot and so must name it.
VNFC_ROLES = (ROLE_IMAGE, ROLE_MEMORY, ROLE_DOMAIN_XML)

# SOL005 VnfcSnapshotImageInfo enums; only the ACCEPTED subsets may appear
# in a package, the rest is refused with a message naming the format.
DISK_FORMATS = ('AKI', 'AMI', 'ARI', 'ISO', 'QCOW2', 'RAW', 'VDI', 'VHD',
                'VHDX', 'VMDK')
ACCEPTED_DISK_FORMATS = ('QCOW2', 'RAW')
CONTAINER_FORMATS = ('AKI', 'AMI', 'ARI', 'BARE', 'DOCKER', 'OVA', 'OVF')
ACCEPTED_CONTAINER_FORMATS = ('BARE',)

CHECKSUM_ALGORITHM = 'SHA-256'
MAX_MANIFEST_SIZE = 4 * 1024 * 1024
MAX_ARTIFACTS = 4096
MAX_PATH_LENGTH = 255
MAX_PATH_DEPTH = 8
MAX_URI_LENGTH = 2048
# Roles whose artifact may stay outside the package (external).
EXTERNAL_ROLES = (ROLE_IMAGE, ROLE_MEMORY, ROLE_ADDITIONAL)
# One path component: no leading dot (so no '.', '..' or hidden files), no
# separators, colons, spaces, backslashes or control characters.
_COMPONENT_RE = re.compile(r'[A-Za-z0-9_][A-Za-z0-9._-]{0,127}')

_IDENTIFIER = {'type': 'string', 'minLength': 1, 'maxLength': 255}

SCHEMA = {
    '$schema': 'https://json-schema.org/draft/2020-12/schema',
    'title': 'vnfsnap VNF snapshot package manifest',
    'type': 'object',
    'additionalProperties': False,
    'required': ['formatVersion', 'vnfSnapshotPkgUniqueId', 'createdAt',
                 'vnfSnapshotId', 'vnfInstanceId', 'artifacts'],
    'properties': {
        'formatVersion': {'type': 'string',
                          'enum': list(package.SUPPORTED_FORMAT_VERSIONS)},
        'vnfSnapshotPkgUniqueId': _IDENTIFIER,
        'createdAt': {'type': 'string', 'minLength': 20, 'maxLength': 40},
        'vnfSnapshotId': _IDENTIFIER,
        'vnfInstanceId': _IDENTIFIER,
        'artifacts': {
            'type': 'array',
            'minItems': 1,
            'maxItems': MAX_ARTIFACTS,
            'items': {'$ref': '#/$defs/artifact'},
        },
    },
    '$defs': {
        'artifact': {
            'type': 'object',
            'additionalProperties': False,
            'required': ['path', 'role', 'size', 'checksum'],
            'properties': {
                'path': {'type': 'string', 'minLength': 1,
                         'maxLength': MAX_PATH_LENGTH},
                'role': {'type': 'string', 'enum': list(ROLES)},
                'size': {'type': 'integer', 'minimum': 0},
                'checksum': {
                    'type': 'object',
                    'additionalProperties': False,
                    'required': ['algorithm', 'hash'],
                    'properties': {
                        'algorithm': {'const': CHECKSUM_ALGORITHM},
                        'hash': {'type': 'string',
                                 'pattern': '^[0-9a-f]{64}$'},
                    },
                },
                'vnfcSnapshotId': _IDENTIFIER,
                'storageResourceId': _IDENTIFIER,
                'diskFormat': {'type': 'string',
                               'enum': list(DISK_FORMATS)},
                'containerFormat': {'type': 'string',
                                    'enum': list(CONTAINER_FORMATS)},
                'metadata': {'type': 'object',
                             'additionalProperties': {'type': 'string'}},
                # An external artifact: not in the ZIP, downloaded from
                # here (SOL005 imageUri / artifactUri) and checked against
                # size and checksum when it is needed.
                'uri': {'type': 'string', 'minLength': 1,
                        'maxLength': MAX_URI_LENGTH,
                        'pattern': '^[A-Za-z][A-Za-z0-9+.-]*://[^ ]+$'},
                # The ZIP member holds the content encoded so (one zstd
                # frame, a stored member); size and checksum are the
                # content's. Not with a uri.
                'compression': {'type': 'string', 'enum': ['zstd']},
            },
            'allOf': [
                {'if': {'properties': {'role': {'const': ROLE_IMAGE}}},
                 'then': {'required': ['vnfcSnapshotId', 'diskFormat',
                                       'containerFormat']}},
                {'if': {'properties': {'role': {'enum': list(VNFC_ROLES)}}},
                 'then': {'required': ['vnfcSnapshotId']}},
                # Keys that other roles must not carry are checked in
                # _check_artifacts, which can say so in plain words.
            ],
        },
    },
}

_VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def check_path(path, allow_manifest_name=False):
    """Return why ``path`` is not a safe artifact path, or None.

    Shared by the manifest and the ZIP member checks so that both refuse
    exactly the same names. ``allow_manifest_name`` admits the manifest
    and its signature, which are members but never artifacts.
    """
    if not isinstance(path, str) or not path:
        return 'the path is empty'
    if len(path) > MAX_PATH_LENGTH:
        return 'the path is longer than %d characters' % MAX_PATH_LENGTH
    if '\x00' in path:
        return 'the path contains a NUL character'
    if '\\' in path:
        return 'the path contains a backslash'
    if path.startswith('/'):
        return 'the path is absolute'
    parts = path.split('/')
    if len(parts) > MAX_PATH_DEPTH:
        return 'the path is deeper than %d components' % MAX_PATH_DEPTH
    for part in parts:
        if part == '..':
            return "the path contains a '..' component"
        if not _COMPONENT_RE.fullmatch(part):
            return ('path component %r is not allowed (letters, digits, '
                    "'.', '_' and '-' only, not starting with '.' or '-', "
                    'at most 128 characters)' % part)
    if path == package.MANIFEST_NAME and not allow_manifest_name:
        return 'the path is reserved for the manifest'
    if path == package.SIGNATURE_NAME and not allow_manifest_name:
        return 'the path is reserved for the manifest signature'
    return None


def _parse_created_at(value):
    try:
        when = datetime.datetime.fromisoformat(value.replace('Z', '+00:00'))
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise exception.ManifestInvalid(
            reason='createdAt %r is not an RFC 3339 date-time with a time '
                   'zone' % value)
    return when


def _no_duplicate_keys(pairs):
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise exception.ManifestInvalid(
                reason='key %r appears twice in one JSON object' % key)
        obj[key] = value
    return obj


def _reject_constant(name):
    raise exception.ManifestInvalid(
        reason='%s is not a JSON number this format accepts' % name)


def format_created_at(when):
    """RFC 3339 in UTC with a 'Z', as SOL013 DateTime values are shown."""
    when = when.astimezone(datetime.timezone.utc).replace(microsecond=0)
    return when.strftime('%Y-%m-%dT%H:%M:%SZ')


@dataclasses.dataclass(frozen=True)
class Artifact:
    """One file in the package, as the manifest describes it."""

    path: str
    role: str
    size: int
    sha256: str
    vnfc_snapshot_id: str = None
    storage_resource_id: str = None
    disk_format: str = None
    container_format: str = None
    metadata: dict = None
    uri: str = None
    # How the ZIP member encodes the content (codec.ENCODINGS), if at
    # all beyond the ZIP's own compression; size and sha256 are the
    # content's.
    compression: str = None

    @property
    def external(self):
        """Kept outside the ZIP, at ``uri``."""
        return self.uri is not None

    def to_dict(self):
        doc = {'path': self.path, 'role': self.role, 'size': self.size,
               'checksum': {'algorithm': CHECKSUM_ALGORITHM,
                            'hash': self.sha256}}
        for key, value in (('vnfcSnapshotId', self.vnfc_snapshot_id),
                           ('storageResourceId', self.storage_resource_id),
                           ('diskFormat', self.disk_format),
                           ('containerFormat', self.container_format),
                           ('metadata', self.metadata),
                           ('uri', self.uri),
                           ('compression', self.compression)):
            if value is not None:
                doc[key] = value
        return doc

    @classmethod
    def from_dict(cls, doc):
        return cls(path=doc['path'], role=doc['role'], size=doc['size'],
                   sha256=doc['checksum']['hash'],
                   vnfc_snapshot_id=doc.get('vnfcSnapshotId'),
                   storage_resource_id=doc.get('storageResourceId'),
                   disk_format=doc.get('diskFormat'),
                   container_format=doc.get('containerFormat'),
                   metadata=doc.get('metadata'), uri=doc.get('uri'),
                   compression=doc.get('compression'))


@dataclasses.dataclass(frozen=True)
class Manifest:
    """The whole manifest; build it with artifacts, or parse it."""

    vnf_snapshot_pkg_unique_id: str
    created_at: str
    vnf_snapshot_id: str
    vnf_instance_id: str
    artifacts: tuple
    format_version: str = package.FORMAT_VERSION
    # signature.SignatureStatus, set by a verification or a build; it is
    # not part of the manifest document.
    signature: object = dataclasses.field(default=None, compare=False)

    def to_dict(self):
        return {'formatVersion': self.format_version,
                'vnfSnapshotPkgUniqueId': self.vnf_snapshot_pkg_unique_id,
                'createdAt': self.created_at,
                'vnfSnapshotId': self.vnf_snapshot_id,
                'vnfInstanceId': self.vnf_instance_id,
                'artifacts': [a.to_dict() for a in self.artifacts]}

    def to_json(self):
        """Serialise; the result always passes :meth:`from_json`."""
        data = json.dumps(self.to_dict(), indent=2, sort_keys=True,
                          ensure_ascii=True).encode('ascii') + b'\n'
        # Never write a manifest that an import would refuse.
        validate(self.to_dict())
        if len(data) > MAX_MANIFEST_SIZE:
            raise exception.ManifestInvalid(
                reason='the manifest would be larger than %d bytes'
                       % MAX_MANIFEST_SIZE)
        return data

    @classmethod
    def from_json(cls, data):
        """Parse and strictly validate manifest bytes; PackageInvalid if bad.

        Accepts bytes only (UTF-8 JSON), at most MAX_MANIFEST_SIZE long.
        """
        if len(data) > MAX_MANIFEST_SIZE:
            raise exception.ManifestInvalid(
                reason='the manifest is larger than %d bytes'
                       % MAX_MANIFEST_SIZE)
        try:
            text = bytes(data).decode('utf-8')
            doc = json.loads(text, object_pairs_hook=_no_duplicate_keys,
                             parse_constant=_reject_constant)
        except (UnicodeDecodeError, ValueError) as exc:
            if isinstance(exc, exception.PackageInvalid):
                raise
            raise exception.ManifestInvalid(
                reason='it is not UTF-8 JSON (%s)' % exc)
        validate(doc)
        return cls(
            vnf_snapshot_pkg_unique_id=doc['vnfSnapshotPkgUniqueId'],
            created_at=doc['createdAt'],
            vnf_snapshot_id=doc['vnfSnapshotId'],
            vnf_instance_id=doc['vnfInstanceId'],
            artifacts=tuple(Artifact.from_dict(a) for a in doc['artifacts']),
            format_version=doc['formatVersion'])

    def by_path(self):
        return {a.path: a for a in self.artifacts}

    def by_role(self, role):
        return [a for a in self.artifacts if a.role == role]

    @property
    def internal(self):
        """The artifacts the ZIP holds."""
        return [a for a in self.artifacts if not a.external]

    @property
    def total_size(self):
        """Bytes of the artifacts the ZIP holds."""
        return sum(a.size for a in self.internal)


def validate(doc):
    """Check a manifest document; raise a ManifestInvalid subclass if bad.

    The format version is checked first so that a newer package gets
    "unsupported version" instead of a confusing schema error.
    """
    if not isinstance(doc, dict):
        raise exception.ManifestInvalid(reason='it is not a JSON object')
    version = doc.get('formatVersion')
    if version not in package.SUPPORTED_FORMAT_VERSIONS:
        raise exception.UnsupportedFormatVersion(
            version=version,
            supported=', '.join(package.SUPPORTED_FORMAT_VERSIONS))
    error = jsonschema.exceptions.best_match(_VALIDATOR.iter_errors(doc))
    if error is not None:
        where = '/'.join(str(p) for p in error.absolute_path) or '(root)'
        raise exception.ManifestInvalid(reason='at %s: %s'
                                        % (where, error.message))
    _parse_created_at(doc['createdAt'])
    _check_artifacts(doc['artifacts'])


_ROLE_ONLY_KEYS = (('diskFormat', (ROLE_IMAGE,)),
                   ('containerFormat', (ROLE_IMAGE,)),
                   ('storageResourceId', (ROLE_IMAGE,)),
                   ('vnfcSnapshotId', VNFC_ROLES))


def _check_artifacts(artifacts):
    seen = {}
    images = set()
    records = vnfds = 0
    for index, art in enumerate(artifacts):
        path = art['path']
        reason = check_path(path)
        if reason:
            raise exception.ManifestInvalid(
                reason='artifacts/%d path %r: %s' % (index, path, reason))
        # Case-folded so that extraction on a case-insensitive file system
        # cannot merge two artifacts into one file.
        key = path.casefold()
        if key in seen:
            raise exception.ManifestInvalid(
                reason='artifacts/%d path %r is listed twice (also as %r)'
                       % (index, path, seen[key]))
        seen[key] = path
        role = art['role']
        for key, roles in _ROLE_ONLY_KEYS:
            if key in art and role not in roles:
                raise exception.ManifestInvalid(
                    reason='artifacts/%d %r: %s is only allowed on %s '
                           'artifacts, not %s'
                           % (index, path, key, ' and '.join(roles), role))
        if 'uri' in art and role not in EXTERNAL_ROLES:
            raise exception.ManifestInvalid(
                reason='artifacts/%d %r: a %s artifact cannot be external '
                       '(only %s can)' % (index, path, role,
                                          ', '.join(EXTERNAL_ROLES)))
        if 'uri' in art and 'compression' in art:
            raise exception.ManifestInvalid(
                reason='artifacts/%d %r: an external artifact has no '
                       'compression' % (index, path))
        records += role == ROLE_RECORD
        vnfds += role == ROLE_VNFD
        if role == ROLE_IMAGE:
            _check_image(index, path, art, images)
    # A file and a directory of the same name cannot both be extracted.
    for key, path in seen.items():
        parts = key.split('/')
        for depth in range(1, len(parts)):
            prefix = '/'.join(parts[:depth])
            if prefix in seen:
                raise exception.ManifestInvalid(
                    reason='path %r is both a file and the directory of %r'
                           % (seen[prefix], path))
    if records != 1:
        raise exception.ManifestInvalid(
            reason='a package holds exactly one %s artifact, found %d'
                   % (ROLE_RECORD, records))
    if vnfds > 1:
        raise exception.ManifestInvalid(
            reason='a package holds at most one %s artifact, found %d'
                   % (ROLE_VNFD, vnfds))


def _check_image(index, path, art, images):
    """Refuse an image artifact of a format packages do not carry, or a
    second image of the same VNFC snapshot (and storage resource)."""
    disk_format = art['diskFormat']
    if disk_format not in ACCEPTED_DISK_FORMATS:
        hint = (' (VMDK descriptors and extents can point at other '
                'files, so VMDK is never accepted)'
                if disk_format == 'VMDK' else '')
        raise exception.ManifestInvalid(
            reason='artifacts/%d %r has diskFormat %s; packages '
                   'carry only %s images%s'
                   % (index, path, disk_format,
                      ' and '.join(ACCEPTED_DISK_FORMATS), hint))
    if art['containerFormat'] not in ACCEPTED_CONTAINER_FORMATS:
        raise exception.ManifestInvalid(
            reason='artifacts/%d %r has containerFormat %s; only '
                   '%s is accepted'
                   % (index, path, art['containerFormat'],
                      ', '.join(ACCEPTED_CONTAINER_FORMATS)))
    image_key = (art['vnfcSnapshotId'], art.get('storageResourceId'))
    if image_key in images:
        raise exception.ManifestInvalid(
            reason='artifacts/%d %r: VNFC snapshot %s already has '
                   'an image%s' % (
                       index, path, image_key[0],
                       ' for storage resource %s' % image_key[1]
                       if image_key[1] else ''))
    images.add(image_key)
