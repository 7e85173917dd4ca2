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

"""What persisting LCM flows keeps in the conductor from run to run."""

import gc

import sqlalchemy as sa

from vnfsnap.common import context
from vnfsnap.common import states
from vnfsnap.conductor import manager
from vnfsnap.conductor.flows import persistence
from vnfsnap.tests import base
from vnfsnap.tests.fixtures import database as db_utils
from vnfsnap.tests.fixtures import fake_vnf

TASKFLOW_TABLES = {'logbooks', 'flowdetails', 'atomdetails'}


def live_taskflow_tables():
    gc.collect()
    return sum(1 for obj in gc.get_objects()
               if isinstance(obj, sa.Table) and obj.name in TASKFLOW_TABLES)


class TestFlowPersistenceMemory(base.TestCase):

    def setUp(self):
        super().setUp()
        self.ctx = context.get_admin_context()
        self.manager = manager.ConductorManager('cond-1')
        self.manager.init_host()
        self.addCleanup(self.manager.stop)
        self.inst = fake_vnf.register_vnf(2)

    def create_snapshot(self):
        info_id = db_utils.make_info(project=self.inst.project_id).id
        op = db_utils.make_op(self.inst.id, info_id,
                              project=self.inst.project_id)
        self.manager.run_lcm_op_occ(self.ctx, op.id)
        self.assertEqual(states.COMPLETED,
                         self.wait_for_op(op.id).operation_state)

    def test_runs_leave_no_taskflow_tables_behind(self):
        # Every step a flow saves used to build taskflow's tables anew,
        # and the engine's compiled cache kept them: the conductor grew
        # at every LCM operation.
        self.create_snapshot()
        after_one = live_taskflow_tables()
        for _ in range(3):
            self.create_snapshot()
        self.assertEqual(after_one, live_taskflow_tables())

    def test_one_backend_and_connection_for_the_engine(self):
        first = persistence.backend()
        self.assertIs(first, persistence.backend())
        self.assertIs(first.get_connection(), first.get_connection())
