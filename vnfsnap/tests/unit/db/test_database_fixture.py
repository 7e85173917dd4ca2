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

"""The tests' databases: copies of one migrated schema, each its own."""

import fixtures

from vnfsnap.db import api as db_api
from vnfsnap.db import migration
from vnfsnap.tests import base
from vnfsnap.tests.fixtures import database as db_utils


class TestDatabaseFixture(base.TestCase):

    def new_database(self, **kw):
        directory = self.useFixture(fixtures.TempDir()).path
        return self.useFixture(db_utils.Database(self.conf, directory, **kw))

    def test_at_head(self):
        self.assertEqual(migration.head(), migration.version())

    def test_rows_stay_in_their_database(self):
        db_utils.make_instance(id='mine')
        self.new_database()
        self.assertEqual(migration.head(), migration.version())
        self.assertEqual([], db_api.list_vnf_instances(None))
        db_utils.make_instance(id='other')
        self.new_database()
        self.assertEqual([], db_api.list_vnf_instances(None))

    def test_unmigrated(self):
        self.new_database(migrate=False)
        self.assertIsNone(migration.version())
