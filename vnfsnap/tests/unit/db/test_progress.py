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

"""Package progress: throttled records, totals learnt late, cancellation."""

from unittest import mock

import fixtures

from vnfsnap.common import exception
from vnfsnap.common import states
from vnfsnap.db import api as db_api
from vnfsnap.db import progress
from vnfsnap.tests import base


class TestPackageProgress(base.TestCase):

    def setUp(self):
        super().setUp()
        db_api.create_vnf_snapshot_pkg({'id': 'p1', 'project_id': 'x',
                                        'name': 'p',
                                        'state': states.PKG_CREATED})
        db_api.start_vnf_snapshot_pkg_op('x', 'p1', 'build',
                                         states.PKG_BUILDING,
                                         {'operation': states.PKG_OP_BUILD})

    def row(self):
        pkg = db_api.get_vnf_snapshot_pkg(None, 'p1')
        return pkg.bytes_done, pkg.bytes_total

    def test_total_from_the_copy_and_the_last_chunk_recorded(self):
        tracker = progress.PackageProgress('p1')
        tracker(0, 3000)
        self.assertEqual((0, 3000), self.row())
        tracker(10, 3000)           # throttled: too soon, too little
        self.assertEqual((0, 3000), self.row())
        tracker(3000, 3000)         # the end is always recorded
        self.assertEqual((3000, 3000), self.row())

    def test_stages_count_on(self):
        tracker = progress.PackageProgress('p1')
        tracker.stage(5000, 8000)
        self.assertEqual((5000, 8000), self.row())
        tracker(3000)
        self.assertEqual((8000, 8000), self.row())

    def test_cancel_raises_with_the_cause(self):
        tracker = progress.PackageProgress('p1', total=10)
        db_api.request_pkg_cancel('x', 'p1', 'maintenance window over')
        exc = self.assertRaises(exception.PackageOperationCancelled,
                                tracker.check, 1)
        self.assertIn('maintenance window over', exc.message)

    def _clock(self):
        now = [100.0]
        self.useFixture(fixtures.MockPatch(
            'vnfsnap.db.progress.time.monotonic', lambda: now[0]))
        records = self.useFixture(fixtures.MockPatch(
            'vnfsnap.db.progress.db_api.record_pkg_progress',
            wraps=db_api.record_pkg_progress)).mock
        return now, records

    def test_at_most_one_record_a_second_whatever_the_bytes(self):
        now, records = self._clock()
        tracker = progress.PackageProgress('p1', total=1 << 40)
        for step in range(1, 1001):        # 1000 GiB-sized steps at once
            tracker(step << 30)
        self.assertEqual(1, records.call_count)
        now[0] += 0.999
        tracker(1001 << 30)
        self.assertEqual(1, records.call_count)
        now[0] += 0.001
        tracker(1002 << 30)
        self.assertEqual(2, records.call_count)
        self.assertEqual((1002 << 30, 1 << 40), self.row())

    def test_the_end_and_a_flush_are_always_recorded(self):
        now, records = self._clock()
        tracker = progress.PackageProgress('p1')
        tracker(0, 3000)
        tracker(1500)
        self.assertEqual((0, 3000), self.row())
        tracker.flush()                     # the held-back figure
        self.assertEqual((1500, 3000), self.row())
        tracker.flush()                     # nothing more held back
        self.assertEqual(2, records.call_count)
        tracker(3000)                       # the end, within the second
        self.assertEqual((3000, 3000), self.row())
        self.assertEqual(3, records.call_count)

    def test_a_new_stage_is_throttled_too(self):
        now, records = self._clock()
        tracker = progress.PackageProgress('p1')
        tracker.stage(0, 8000)
        tracker.stage(4000, 8000)
        self.assertEqual(1, records.call_count)
        self.assertEqual((0, 8000), self.row())
        now[0] += 1
        tracker(1000)
        self.assertEqual((5000, 8000), self.row())
        self.assertEqual(mock.call('p1', 5000, 8000),
                         records.call_args)
