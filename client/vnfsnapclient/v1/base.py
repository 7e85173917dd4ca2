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

"""What every resource manager shares: the SOL013 collection query."""

import re
import urllib.parse


def _joined(value):
    if value is None or isinstance(value, str):
        return value
    return ','.join(value)


def collection_params(filter=None, fields=None, exclude_fields=None,
                      all_fields=False, exclude_default=False):
    """The query of a SOL013 collection request (clause 5.2, 5.3):
    ``filter`` an attribute-based filter expression, ``fields`` and
    ``exclude_fields`` attribute paths (a list or a comma-separated
    string)."""
    params = {}
    if filter:
        params['filter'] = filter
    if fields:
        params['fields'] = _joined(fields)
    if exclude_fields:
        params['exclude_fields'] = _joined(exclude_fields)
    if all_fields:
        params['all_fields'] = ''
    if exclude_default:
        params['exclude_default'] = ''
    return params


class Manager:
    """A resource collection of one API (http.VNFLCM or
    http.VNFSNAPSHOTPKGM) under ``PATH``."""

    API = None
    PATH = None

    def __init__(self, http):
        self.http = http

    def _path(self, resource_id, *rest):
        """The path of a resource (and a task or sub-resource below it);
        an identifier is quoted whole, so it never reaches another
        resource."""
        return '/'.join((self.PATH, urllib.parse.quote(resource_id, safe=''))
                        + rest)

    def list(self, filter=None, fields=None, exclude_fields=None,
             all_fields=False, exclude_default=False):
        """An iterator over the resources, fetching each page when the
        previous one is consumed (SOL013 paging)."""
        return self.http.iter_collection(
            self.API, self.PATH, collection_params(
                filter=filter, fields=fields, exclude_fields=exclude_fields,
                all_fields=all_fields, exclude_default=exclude_default))

    def get(self, resource_id):
        return self.http.get_json(self.API, self._path(resource_id))

    def _delete(self, resource_id, if_match=None):
        self.http.request('DELETE', self.API, self._path(resource_id),
                          headers={'If-Match': if_match})


def filter_value(value):
    """A SOL013 filter value, quoted when it holds a separator."""
    text = str(value)
    if re.search(r"[,()';]", text) or text != text.strip():
        return "'%s'" % text.replace("'", "''")
    return text
