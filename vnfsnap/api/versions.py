"""SOL013 API versioning: the Version header and api_versions resources."""

import re

from vnfsnap.common import exception

# The VNF LCM API version implemented (SOL003 V3.7.1 carries 2.3.0).
VNFLCM_VERSION = '2.3.0'
VNFLCM_MAJOR = 2
URI_PREFIX = '/vnflcm/v2'

_VERSION_RE = re.compile(r'^(\d+)\.(\d+)\.(\d+)(-impl:[^\s]+)?$')


def parse(text):
    match = _VERSION_RE.match(text or '')
    if not match:
        return None
    return tuple(int(g) for g in match.groups()[:3])


def negotiate(header):
    """The version to answer with, for a request's Version header.

    Any 2.x.y up to the implemented one is served (minor versions are
    backwards compatible); the answer echoes the requested version.
    """
    if header is None:
        raise exception.VersionMissing()
    requested = parse(header.strip())
    if (requested is None or requested[0] != VNFLCM_MAJOR
            or requested > parse(VNFLCM_VERSION)):
        raise exception.VersionNotSupported(version=header)
    return header.strip()


def api_versions(base):
    return {'uriPrefix': '%s%s' % (base or '', URI_PREFIX),
            'apiVersions': [{'version': VNFLCM_VERSION,
                             'isDeprecated': False}]}
