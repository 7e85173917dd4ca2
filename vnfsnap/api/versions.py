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

"""SOL013 API versioning: the Version header and api_versions resources.

vnfsnap serves two APIs, each with its own version: the SOL003 VNF LCM API
and the SOL005 VNF Snapshot Package Management API. A request's API is the
first segment of its path.
"""

import dataclasses
import re

from vnfsnap.common import exception

# Bounded, so that no header makes int() work on thousands of digits or
# a Version answer header echo kilobytes.
_VERSION_RE = re.compile(r'(\d{1,9})\.(\d{1,9})\.(\d{1,9})(-impl:\S{1,200})?',
                         re.ASCII)


@dataclasses.dataclass(frozen=True)
class Api:
    """One API: its name (first path segment), implemented version and
    major version (second path segment, ``v<major>``)."""

    name: str
    version: str
    major: int

    @property
    def uri_prefix(self):
        return '/%s/v%d' % (self.name, self.major)


# SOL003 V3.7.1 VNF LCM carries 2.3.0; SOL005 V3.7.1 VNF Snapshot Package
# Management carries 1.2.0.
VNFLCM = Api('vnflcm', '2.3.0', 2)
VNFSNAPSHOTPKGM = Api('vnfsnapshotpkgm', '1.2.0', 1)
# vnfsnap's own administration API (no ETSI counterpart): the conductors.
VNFSNAP = Api('vnfsnap', '1.0.0', 1)
APIS = (VNFLCM, VNFSNAPSHOTPKGM, VNFSNAP)


def for_path(path):
    """The API a request path belongs to, or None (``/``, unknown)."""
    first = path.lstrip('/').split('/', 1)[0]
    for api in APIS:
        if api.name == first:
            return api
    return None


def parse(text):
    match = _VERSION_RE.fullmatch(text or '')
    if not match:
        return None
    return tuple(int(g) for g in match.groups()[:3])


def negotiate(header, api):
    """The version to answer with, for a request's Version header.

    Any version of the API's major version up to the implemented one is
    served (minor versions are backwards compatible); the answer echoes
    the requested version.
    """
    if header is None:
        raise exception.VersionMissing()
    requested = parse(header.strip())
    if (requested is None or requested[0] != api.major
            or requested > parse(api.version)):
        raise exception.VersionNotSupported(version=header)
    return header.strip()


def api_versions(base, api):
    return {'uriPrefix': '%s%s' % (base or '', api.uri_prefix),
            'apiVersions': [{'version': api.version,
                             'isDeprecated': False}]}
