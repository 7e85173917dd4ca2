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
