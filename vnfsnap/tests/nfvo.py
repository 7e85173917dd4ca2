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

"""A small NFVO for the test suites: the SOL003 Grant API (and an OAuth 2.0
token endpoint) served over loopback, granting synchronously, granting
asynchronously, or refusing, as a test tells it."""

import http.server
import json
import threading


class Nfvo:
    """POST /grant/v1/grants; GET /grant/v1/grants/g1; POST /token."""

    def __init__(self):
        self.behaviour = 'sync'
        self.requests = []      # (method, path, headers, body)
        self.pending = 0        # GETs answered 202 before the grant
        # GrantRequest -> vimAssets.snapshotResources (default none)
        self.snapshot_resources = None
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def answer(self, status, doc=None, headers=()):
                body = json.dumps(doc).encode() if doc is not None else b''
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header('Content-Type', 'application/json')
                self.send_header('Content-Length', str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def grant(self):
                mapping = outer.snapshot_resources
                request = outer.grant_requests()[-1]
                return {'id': 'g1', 'vnfInstanceId': request['vnfInstanceId'],
                        'vimAssets': {'snapshotResources': mapping(request)
                                      if mapping else []}}

            def do_POST(self):
                raw = self.rfile.read(int(self.headers['Content-Length']))
                if self.path == '/token':
                    outer.requests.append(('POST', self.path,
                                           dict(self.headers), raw))
                    return self.answer(200, {'access_token': 'nfvo-tok',
                                             'token_type': 'Bearer'})
                outer.requests.append(('POST', self.path,
                                       dict(self.headers), json.loads(raw)))
                if outer.behaviour == 'refuse':
                    return self.answer(403, {'status': 403,
                                             'detail': 'no capacity'})
                if outer.behaviour == 'async':
                    return self.answer(202, headers=[
                        ('Location', outer.url + '/grant/v1/grants/g1')])
                return self.answer(201, self.grant())

            def do_GET(self):
                outer.requests.append(('GET', self.path, dict(self.headers),
                                       None))
                if outer.pending:
                    outer.pending -= 1
                    return self.answer(202)
                return self.answer(200, self.grant())

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                      Handler)
        self.url = 'http://127.0.0.1:%d' % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever,
                         daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def grant_requests(self):
        return [r[3] for r in self.requests
                if r[0] == 'POST' and r[1] == '/grant/v1/grants']


def snapshot_resources(request):
    """The vimAssets.snapshotResources of an NFVO that grants a revert with
    the very VIM resources the request names."""
    found = []
    for resource in request['addResources']:
        definition = resource.get('snapshotResDef') or {}
        handle = definition.get('snapshotResource')
        if handle:
            found.append(dict(
                {k: definition[k] for k in ('vnfSnapshotId', 'vnfcSnapshotId',
                                            'storageSnapshotId')
                 if k in definition},
                vimConnectionId=handle.get('vimConnectionId'),
                vimSnapshotResourceId=handle['resourceId']))
    return found
