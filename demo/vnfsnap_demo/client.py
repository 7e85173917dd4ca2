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

"""A small SOL003/SOL005 client for the demo (standard library only)."""

import json
import os
import time
import urllib.error
import urllib.request


class ApiError(Exception):
    def __init__(self, method, path, status, body):
        self.status = status
        super().__init__('%s %s answered %s: %s' % (method, path, status,
                                                    body))


class Client:
    """Talks to one API (``/vnflcm/v2`` by default) with the SOL013
    Version header."""

    def __init__(self, base, prefix='/vnflcm/v2', version='2.0.0'):
        if not base.startswith(('http://', 'https://')):
            raise ValueError('an http(s) URL is needed, not %s' % base)
        self.base = base.rstrip('/') + prefix
        self.version = version

    def _open(self, method, path, data=None, headers=None, expect=(200,)):
        hdrs = {'Version': self.version, 'Accept': 'application/json'}
        hdrs.update(headers or {})
        req = urllib.request.Request(  # noqa: S310 (checked http(s) base)
            self.base + path, data=data, method=method, headers=hdrs)
        try:
            resp = urllib.request.urlopen(req, timeout=60)  # noqa: S310
        except urllib.error.HTTPError as e:
            raw = e.read()
            if e.code not in expect:
                raise ApiError(method, path, e.code,
                               raw.decode(errors='replace'))
            return e.headers, raw
        if resp.status not in expect:
            raw = resp.read()
            resp.close()
            raise ApiError(method, path, resp.status,
                           raw.decode(errors='replace'))
        return resp

    def request(self, method, path, body=None, expect=(200,)):
        data, headers = None, {}
        if body is not None:
            data = json.dumps(body).encode()
            headers['Content-Type'] = 'application/json'
        resp = self._open(method, path, data, headers, expect)
        if isinstance(resp, tuple):
            hdrs, raw = resp
        else:
            with resp:
                hdrs, raw = resp.headers, resp.read()
        return hdrs, json.loads(raw) if raw else None

    def upload(self, path, src, content_type='application/zip'):
        """PUT the file ``src`` to ``path``, streamed."""
        with open(src, 'rb') as f:
            resp = self._open('PUT', path, data=f, expect=(202,), headers={
                'Content-Type': content_type,
                'Content-Length': str(os.path.getsize(src))})
            resp.close()

    def post(self, path, body, expect=(201, 202)):
        return self.request('POST', path, body, expect)

    def get(self, path):
        return self.request('GET', path)[1]

    def run_task(self, path, body, timeout=600):
        """POST a task, then poll its op occurrence to a final state."""
        hdrs, _ = self.post(path, body, expect=(202,))
        op_path = hdrs['Location'].split('/vnflcm/v2', 1)[1]
        deadline = time.monotonic() + timeout
        while True:
            op = self.get(op_path)
            if op['operationState'] in ('COMPLETED', 'FAILED_TEMP',
                                        'FAILED', 'ROLLED_BACK'):
                return op
            if time.monotonic() > deadline:
                raise TimeoutError('%s still %s after %ss' % (
                    op_path, op['operationState'], timeout))
            time.sleep(0.1)
