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

"""End-to-end smoke through the in-process API (more tests per module)."""

from vnfsnap.common import states
from vnfsnap.tests import base
from vnfsnap.tests.fixtures import fake_vim


class TestSnapshotRoundTrip(base.ApiTestCase):

    def test_create_change_revert(self):
        inst = self.register_vnf(n_vnfcs=3)
        info_id, op = self.take_snapshot(inst['id'], withMemory=True)
        self.assertEqual(states.COMPLETED, op.operation_state, op.error)
        for guest in fake_vim.FakeVim.guests.values():
            guest['disk']['file'] = 'changed'
            guest['memory']['counter'] = 99
        resp = self.post('/vnflcm/v2/vnf_instances/%s/revert_to_snapshot'
                         % inst['id'], {'vnfSnapshotInfoId': info_id})
        op = self.wait_for_op(self.op_id_from(resp))
        self.assertEqual(states.COMPLETED, op.operation_state, op.error)
        for guest in fake_vim.FakeVim.guests.values():
            self.assertEqual({'file': 'v0'}, guest['disk'])
            self.assertEqual({'counter': 0}, guest['memory'])
            self.assertFalse(guest['frozen'])
        resp = self.get('/vnflcm/v2/vnf_snapshots/%s' % info_id)
        self.assertEqual(200, resp.status)
        snap = resp.json['vnfSnapshot']
        self.assertEqual(3, len(snap['vnfcSnapshots']))
        extra = snap['vnfcSnapshots'][0]['computeSnapshotResource'][
            'vimLevelAdditionalResourceInfo']['additionalInfo']
        self.assertEqual('filesystem', extra['consistencyLevel'])
        self.assertTrue(extra['memoryCaptured'])
        # The freeze window of each VNFC, in milliseconds.
        self.assertLessEqual(extra['quiescedAt'], extra['thawedAt'])
