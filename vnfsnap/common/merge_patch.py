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


"""JSON Merge Patch (IETF RFC 7396), the semantics of every PATCH of the
SOL003/SOL005 APIs (application/merge-patch+json) and of the attributes a
modification request merges (metadata, extensions, userDefinedData...).

Shared by the API, which answers with the result, and the conductor, which
applies a VNF instance's modifications.
"""

import json

from vnfsnap.common import exception
import vnfsnap.conf

CONF = vnfsnap.conf.CONF


def apply(target, patch):
    """MergePatch(target, patch) of RFC 7396 clause 2: objects merge key by
    key, a null removes the key, anything else replaces. Neither argument
    is changed."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = apply(result.get(key), value)
    return result


def key_value_pairs(target, patch, attribute):
    """The KeyValuePairs ``attribute`` (userDefinedData, metadata,
    extensions, vnfConfigurableProperties...) after ``patch``: always an
    object, and no larger than [api]max_json_body_size once serialized
    (JsonValueTooLarge, 413): each patch is a bounded body, but it adds to
    what is stored, which could otherwise grow one request at a time.

    RFC 7396 turns a null patch into a null value, which these attributes
    may not hold: the schemas want an object or no attribute at all. A
    null removes every pair instead, which leaves ``{}``.
    """
    result = apply(target, patch)
    if not isinstance(result, dict):
        return {}
    size = len(json.dumps(result))
    if size > CONF.api.max_json_body_size:
        raise exception.JsonValueTooLarge(
            attribute=attribute, size=size,
            limit=CONF.api.max_json_body_size)
    return result
