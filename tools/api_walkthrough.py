#!/usr/bin/env python3
"""Start vnfsnap-all-in-one with no configuration and walk through the API.

This is the README's main job until the libvirt demo lands: it proves the
embedded default (SQLite under /var/lib/vnfsnap, no auth, in-process RPC)
starts from nothing and serves the SOL003 resources. Every step prints the
request, the status and the body, and checks the status; the exit status is
0 only when every check passed. The server is stopped by its pid.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

BASE = 'http://127.0.0.1:9896'
HEADERS = {'Version': '2.0.0', 'Accept': 'application/json'}
failures = []


def call(method, path, body=None, headers=None, expect=200,
         content_type='application/json'):
    hdrs = dict(HEADERS, **(headers or {}))
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        hdrs['Content-Type'] = content_type
    req = urllib.request.Request(  # noqa: S310 (fixed loopback URL)
        BASE + path, data=data, method=method,
        headers={k: v for k, v in hdrs.items() if v is not None})
    try:
        # The URL is the fixed loopback BASE above.
        with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310
            status, rhdrs, raw = resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        status, rhdrs, raw = e.code, e.headers, e.read()
    ok = status == expect
    if not ok:
        failures.append('%s %s: expected %s, got %s' % (method, path,
                                                        expect, status))
    print('%s %s %s -> %s %s' % ('ok  ' if ok else 'FAIL', method, path,
                                 status, rhdrs.get('Content-Type', '')))
    parsed = json.loads(raw) if raw else None
    if parsed is not None:
        print('     ' + json.dumps(parsed)[:300])
    return status, rhdrs, parsed


def wait_for_port(proc, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            socket.create_connection(('127.0.0.1', 9896), 0.5).close()
            return True
        except OSError:
            time.sleep(0.2)
    return False


def walk():
    call('GET', '/vnflcm/api_versions')
    call('GET', '/vnflcm/v2/api_versions')
    call('GET', '/vnflcm/v2/api_versions', headers={'Version': None},
         expect=400)
    call('GET', '/vnflcm/v2/api_versions', headers={'Version': '3.0.0'},
         expect=406)
    _, hdrs, info = call('POST', '/vnflcm/v2/vnf_snapshots', {}, expect=201)
    path = '/vnflcm/v2/vnf_snapshots/%s' % info['id']
    print('     Location: %s' % hdrs['Location'])
    call('GET', '/vnflcm/v2/vnf_snapshots')
    call('GET', '/vnflcm/v2/vnf_snapshots?filter=(eq,id,%s)' % info['id'])
    _, hdrs, _ = call('GET', path)
    call('PATCH', path, {'vnfSnapshotPkgId': 'pkg-1'},
         headers={'If-Match': '"stale"'}, expect=412,
         content_type='application/merge-patch+json')
    call('PATCH', path, {'vnfSnapshotPkgId': 'pkg-1'},
         headers={'If-Match': hdrs['ETag']},
         content_type='application/merge-patch+json')
    call('PUT', path, {}, expect=405)
    call('POST', '/vnflcm/v2/vnf_snapshots', {'bogus': 1}, expect=400)
    call('DELETE', path, expect=204)
    call('GET', path, expect=404)


def main():
    exe = shutil.which('vnfsnap-all-in-one') or os.path.join(
        os.path.dirname(sys.executable), 'vnfsnap-all-in-one')
    try:
        socket.create_connection(('127.0.0.1', 9896), 0.5).close()
        sys.exit('port 9896 is already in use; stop what listens there '
                 'first')
    except OSError:
        pass
    log_path = os.path.join(tempfile.mkdtemp(prefix='vnfsnap-'),
                            'vnfsnap-all-in-one.log')
    print('Starting %s with no configuration (log: %s)' % (exe, log_path))
    with open(log_path, 'w') as log:
        proc = subprocess.Popen([exe], stdout=log, stderr=subprocess.STDOUT,
                                cwd='/')
    try:
        if not wait_for_port(proc):
            print(open(log_path).read()[-4000:])
            sys.exit('vnfsnap-all-in-one did not start')
        walk()
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if failures:
        print('\n%d check(s) failed:\n  %s'
              % (len(failures), '\n  '.join(failures)))
        return 1
    print('\nAll checks passed: vnfsnap-all-in-one answered on the '
          'embedded default.')
    return 0


if __name__ == '__main__':
    sys.exit(main())
