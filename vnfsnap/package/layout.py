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

"""Where each artifact sits inside a stored package ZIP.

The API serves single artifacts (SOL005 "Individual artifact", with
Range) straight out of the stored ZIP without downloading it: the layout,
computed once when the package becomes AVAILABLE, gives each member's data
offset and compression so the store can be read at that byte range.
"""

import struct
import zipfile

from vnfsnap.common import exception

_LOCAL_HEADER = struct.Struct('<4s2B4HL2L2H')
_LOCAL_MAGIC = b'PK\x03\x04'


def _data_offset(fileobj, info):
    fileobj.seek(info.header_offset)
    header = fileobj.read(_LOCAL_HEADER.size)
    if len(header) != _LOCAL_HEADER.size:
        raise exception.PackageInvalid(reason='member %r: truncated local '
                                       'header' % info.orig_filename)
    fields = _LOCAL_HEADER.unpack(header)
    if fields[0] != _LOCAL_MAGIC:
        raise exception.PackageInvalid(reason='member %r: bad local header'
                                       % info.orig_filename)
    name_len, extra_len = fields[10], fields[11]
    return info.header_offset + _LOCAL_HEADER.size + name_len + extra_len


def member(offset, info, artifact):
    """The layout of one member whose data starts at ``offset``;
    ``artifact`` is its manifest entry (None for the manifest and its
    signature). ``size`` is that of the artifact's content: a member
    holding a zstd frame (``codec``) is larger or smaller in the ZIP."""
    entry = {
        'offset': offset,
        'compressedSize': info.compress_size,
        'size': info.file_size,
        'compressType': info.compress_type,
        'role': artifact.role if artifact else None,
    }
    if artifact is not None and artifact.compression:
        entry.update(codec=artifact.compression, size=artifact.size)
    return entry


def describe(zip_path, manifest):
    """``{'members': {path: {...}}}`` for every artifact of ``manifest``
    found in ``zip_path`` (plus the manifest itself and any signature)."""
    members = {}
    with open(zip_path, 'rb') as raw, zipfile.ZipFile(raw) as zf:
        artifacts = manifest.by_path()
        for info in zf.infolist():
            members[info.orig_filename] = member(
                _data_offset(raw, info), info,
                artifacts.get(info.orig_filename))
    return {'members': members}
