"""A small SOL003 client for the demo (standard library only)."""

import json
import time
import urllib.error
import urllib.request


class ApiError(Exception):
    def __init__(self, method, path, status, body):
        self.status = status
        super().__init__('%s %s answered %s: %s' % (method, path, status,
                                                    body))


class Client:
    """Talks to ``/vnflcm/v2`` with the SOL013 Version header."""

    def __init__(self, base):
        if not base.startswith(('http://', 'https://')):
            raise ValueError('an http(s) URL is needed, not %s' % base)
        self.base = base.rstrip('/') + '/vnflcm/v2'

    def request(self, method, path, body=None, expect=(200,)):
        headers = {'Version': '2.0.0', 'Accept': 'application/json'}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers['Content-Type'] = 'application/json'
        req = urllib.request.Request(  # noqa: S310 (checked http(s) base)
            self.base + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:  # noqa: S310
                status, hdrs, raw = resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as e:
            status, hdrs, raw = e.code, e.headers, e.read()
        if status not in expect:
            raise ApiError(method, path, status, raw.decode(errors='replace'))
        return hdrs, json.loads(raw) if raw else None

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
