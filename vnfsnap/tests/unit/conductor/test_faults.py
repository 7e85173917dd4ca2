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

"""The test-only fault hook: inert unless armed, fires once, where named."""

import os
import signal

import fixtures
from taskflow import task
from taskflow.patterns import linear_flow

from vnfsnap.conductor.flows import common
from vnfsnap.conductor.flows import faults
from vnfsnap.tests import base


class Step(task.Task):

    def execute(self):
        return self.name


class TestFaults(base.TestCase):

    def setUp(self):
        super().setUp()
        self.mark = os.path.join(self.useFixture(
            fixtures.TempDir()).path, 'fired')
        self.kill = self.useFixture(fixtures.MockPatch(
            'os.kill')).mock

    def arm(self, at):
        spec = faults._spec({'VNFSNAP_FAULT_AT': at,
                             'VNFSNAP_FAULT_MARK': self.mark})
        self.useFixture(fixtures.MockPatchObject(faults, 'SPEC', spec))

    def run_flow(self):
        common.run(linear_flow.Flow('f').add(
            Step(name='pause-a'), Step(name='snapshot-a'),
            Step(name='snapshot-b')), {})

    def test_inert_without_both_variables(self):
        self.assertIsNone(faults._spec({}))
        self.assertIsNone(faults._spec({'VNFSNAP_FAULT_AT': 'x@after'}))
        self.assertIsNone(faults._spec({'VNFSNAP_FAULT_MARK': self.mark}))
        self.assertIsNone(faults.SPEC)   # the test runner arms nothing
        self.run_flow()
        self.kill.assert_not_called()

    def test_kills_once_after_the_named_step(self):
        self.arm('snapshot-*@after')
        self.run_flow()
        # os.kill is mocked, so the flow went on: the second snapshot
        # step did not fire again, the mark file made it once only.
        self.kill.assert_called_once_with(os.getpid(), signal.SIGKILL)
        with open(self.mark) as f:
            self.assertEqual('snapshot-a@after\n', f.read())

    def test_before_fires_when_the_step_starts(self):
        self.arm('pause-a@before')
        self.run_flow()
        with open(self.mark) as f:
            self.assertEqual('pause-a@before\n', f.read())

    def test_point_outside_flows(self):
        self.arm('package-store-write@at')
        faults.point('package-build-done')
        self.kill.assert_not_called()
        faults.point('package-store-write')
        self.kill.assert_called_once_with(os.getpid(), signal.SIGKILL)
        faults.point('package-store-write')     # fired already
        self.assertEqual(1, self.kill.call_count)
