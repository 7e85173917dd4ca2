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

"""The health probes of an online test (GR NFV-TST 005 clause 4.1.1: the
criteria the VNF is judged by), run from the conductor.

Each probe answers a result (JSON, kept in the test's record): whether it
passed, when, how long it took, and a short reason. A probe never raises:
an error of the probe is a failed result.
"""

import json
import re
import socket
import time

from oslo_log import log as logging
from oslo_utils import timeutils
import requests

from vnfsnap.common import exception
from vnfsnap.common import probe_targets

LOG = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 5
# What of a body or an output is read and matched.
MAX_READ = 64 * 1024
_MAX_DETAIL = 200


def _short(text):
    text = ''.join(c if c.isprintable() else ' ' for c in str(text))
    return text[:_MAX_DETAIL]


def _http(probe, context):
    timeout = probe.get('timeout', DEFAULT_TIMEOUT)
    probe_targets.check_url(probe['url'])
    resp = requests.request(probe.get('method', 'GET'), probe['url'],
                            timeout=timeout, allow_redirects=False,
                            verify=probe.get('verifyTls', True),
                            stream=True)
    try:
        body = resp.raw.read(MAX_READ, decode_content=True)
    finally:
        resp.close()
    expected = probe.get('expectedStatus', 200)
    result = {'status': resp.status_code}
    if resp.status_code != expected:
        return False, dict(result, detail='status %d, expected %d'
                           % (resp.status_code, expected))
    pattern = probe.get('bodyRegex')
    if pattern and not re.search(pattern, body.decode('utf-8', 'replace')):
        return False, dict(result, detail='body does not match %s'
                           % _short(pattern))
    return True, result


def _tcp(probe, context):
    timeout = probe.get('timeout', DEFAULT_TIMEOUT)
    # To the addresses checked, not the name again (it may resolve
    # elsewhere by now).
    error = None
    for ip in probe_targets.check_host(probe['host'], probe['port']):
        try:
            with socket.create_connection((str(ip), probe['port']),
                                          timeout=timeout):
                return True, {}
        except OSError as e:
            error = e
    raise error


def _guest_command(probe, context):
    vnfc, driver = context.vnfc(probe['vnfcInstanceId'])
    answer = driver.guest_exec(vnfc, probe['command'],
                               probe.get('timeout', DEFAULT_TIMEOUT))
    expected = probe.get('expectedExitStatus', 0)
    result = {'exitStatus': answer.exit_status}
    if answer.exit_status != expected:
        return False, dict(result, detail='exit status %d, expected %d'
                           % (answer.exit_status, expected))
    pattern = probe.get('outputRegex')
    if pattern and not re.search(pattern, answer.stdout[:MAX_READ]):
        return False, dict(result, detail='output does not match %s'
                           % _short(pattern))
    return True, result


def _webhook(probe, context):
    """POST what is being judged; the endpoint answers 200 with
    ``{"result": "PASS"|"FAIL", "detail": ...}``."""
    timeout = probe.get('timeout', DEFAULT_TIMEOUT)
    probe_targets.check_url(probe['url'])
    resp = requests.post(probe['url'], timeout=timeout,
                         allow_redirects=False,
                         verify=probe.get('verifyTls', True),
                         data=json.dumps({'onlineTestId': context.test_id,
                                          'vnfInstanceId':
                                              context.instance_id,
                                          'phase': context.phase}),
                         headers={'Content-Type': 'application/json'})
    raw = resp.content[:MAX_READ]
    resp.close()
    try:
        answer = json.loads(raw)
    except ValueError:
        answer = None
    if resp.status_code != 200 or not isinstance(answer, dict) or \
            answer.get('result') not in ('PASS', 'FAIL'):
        return False, {'status': resp.status_code,
                       'detail': 'no {"result": "PASS"|"FAIL"} answer'}
    result = {'status': 200}
    if answer.get('detail'):
        result['detail'] = _short(answer['detail'])
    return answer['result'] == 'PASS', result


_KINDS = {'HTTP': _http, 'TCP': _tcp, 'GUEST_COMMAND': _guest_command,
          'WEBHOOK': _webhook}


def run(probe, context):
    """Run one probe; its result (never raises)."""
    at = timeutils.utcnow()
    start = time.monotonic()
    try:
        passed, result = _KINDS[probe['type']](probe, context)
    except exception.VnfsnapException as e:
        passed, result = False, {'detail': _short(e.message)}
    except (requests.RequestException, OSError, ValueError) as e:
        passed, result = False, {'detail': _short('%s: %s'
                                                  % (type(e).__name__, e))}
    latency = int((time.monotonic() - start) * 1000)
    bound = probe.get('maxLatencyMs')
    if passed and bound is not None and latency > bound:
        passed = False
        result['detail'] = 'latency %d ms over %d ms' % (latency, bound)
    return dict(result, probeId=probe['id'], passed=passed,
                at=at.isoformat(timespec='milliseconds') + 'Z',
                latencyMs=latency)


def run_round(probes, context):
    """Run every probe once, one after the other; the round (JSON)."""
    at = timeutils.utcnow()
    results = [run(p, context) for p in probes]
    return {'phase': context.phase,
            'at': at.isoformat(timespec='milliseconds') + 'Z',
            'passed': all(r['passed'] for r in results),
            'results': results}
