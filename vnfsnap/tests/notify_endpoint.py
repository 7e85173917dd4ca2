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

"""A VNF's snapshot notification endpoint for the test suites: a real HTTP
server on loopback that records what it gets and answers as a test tells
it (and serves an OAuth 2.0 token at /token)."""

import http.server
import json
import threading
import time


class Endpoint:
    """A VNF's notification endpoint (and OAuth 2.0 token endpoint)."""

    def __init__(self):
        self.received = []      # (path, headers, body)
        self.answer = (204, None)
        self.answers = []       # answered first, one per notice
        self.delays = []        # seconds before answering, one per notice
        self.get_status = 204   # answer to SOL013's test GET
        # The queued answers and delays are for this path only.
        self.scripted_path = '/hook'
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get('Content-Length', 0))
                raw = self.rfile.read(length)
                if self.path == '/token':
                    body = json.dumps({'access_token': 'tok-123',
                                       'token_type': 'Bearer'}).encode()
                    outer.received.append((self.path, dict(self.headers),
                                           raw.decode()))
                    self.send_response(200)
                    self.send_header('Content-Type', 'application/json')
                    self.send_header('Content-Length', str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                outer.received.append((self.path, dict(self.headers),
                                       json.loads(raw)))
                queued = self.path == outer.scripted_path
                time.sleep(outer.delays.pop(0) if queued and outer.delays
                           else 0)
                status, doc = (outer.answers.pop(0) if queued and
                               outer.answers else outer.answer)
                body = json.dumps(doc).encode() if doc is not None else b''
                try:
                    self.send_response(status)
                    self.send_header('Content-Length', str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except BrokenPipeError:
                    pass    # the client gave up waiting (a timeout test)

            def do_GET(self):
                outer.received.append((self.path, dict(self.headers),
                                       'GET'))
                self.send_response(outer.get_status)
                self.send_header('Content-Length', '0')
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                      Handler)
        self.url = 'http://127.0.0.1:%d' % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def notices(self, path='/hook'):
        return [body for p, _, body in self.received
                if p == path and body != 'GET']
