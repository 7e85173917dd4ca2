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

"""The guarded online tests of a VNF instance (vnfsnap extension, GR
NFV-TST 005 clause 4.1.1) as the VNF instance pages use them: list, show,
start and abort.  Thin calls of the client library, mocked by the unit
tests."""

from openstack_dashboard.api import base

from vnfsnap_dashboard.api import vnfsnap

# A test's operationState is its LCM operation occurrence's (SOL003
# LcmOperationStateType); it runs while in one of these.
ACTIVE_STATES = frozenset(('STARTING', 'PROCESSING', 'ROLLING_BACK'))

# The verdicts of a judged (COMPLETED) test.
PASS = 'PASS'  # noqa: S105 (a verdict, not a password)
FAIL = 'FAIL'


# Of the attributes the list leaves out by default (SOL013 5.3), the one
# the table shows: the requested fault (the record has none until it is
# injected).
LIST_FIELDS = ('request/fault',)


class OnlineTest(base.APIDictWrapper):
    """An online test as the API answers it, with what the pages derive
    from it."""

    _apidict = {}

    @property
    def state(self):
        return self._apidict.get('operationState')

    @property
    def fault_type(self):
        """The fault's type: the record's once the fault is injected, else
        the request's (a test rolled back before has no fault record)."""
        fault = ((self._apidict.get('fault') or {}).get('request')
                 or (self._apidict.get('request') or {}).get('fault')
                 or {})
        return fault.get('type')

    @property
    def probe_rounds(self):
        return self._apidict.get('probeRounds') or []

    def abort_allowed(self):
        """Whether the test may be aborted now: it runs, and vnfsnap links
        to its abort (it gives the link only then)."""
        links = self._apidict.get('_links') or {}
        return self.state in ACTIVE_STATES and 'abort' in links


def _tests(request):
    return vnfsnap.client(request).online_tests


def online_test_list(request, instance_id):
    """The tests of a VNF instance, the latest started first: without
    their probe rounds and, of their request (both left out of lists by
    default), only the fault, which the table names."""
    tests = [OnlineTest(t) for t in _tests(request).list(
        instance_id, fields=LIST_FIELDS)]
    tests.sort(key=lambda t: t.get('startTime') or '', reverse=True)
    return tests


def online_test_get(request, instance_id, test_id):
    """One test, whole: its request, fault, probe rounds and verdict."""
    return OnlineTest(_tests(request).get(instance_id, test_id))


def online_test_start(request, instance_id, body):
    """POST .../online_tests (the request as the API takes it); the new
    test."""
    return OnlineTest(_tests(request).start(instance_id, body))


def online_test_abort(request, instance_id, test_id):
    _tests(request).abort(instance_id, test_id)
