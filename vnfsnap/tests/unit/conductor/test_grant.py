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

"""Granting by an NFVO: a small SOL003 Grant API served by the test over
loopback (synchronous, asynchronous with polling, refusing)."""

from vnfsnap.common import exception
from vnfsnap.common import states
from vnfsnap.conductor.flows import common
from vnfsnap.conductor.flows import revert_to_snapshot
from vnfsnap.db import api as db_api
from vnfsnap.tests import base
from vnfsnap.tests.fixtures import database as db_utils
from vnfsnap.tests.fixtures import fake_vim
from vnfsnap.tests.fixtures import fake_vnf
from vnfsnap.tests.fixtures import nfvo as nfvo_server

FakeVim = fake_vim.FakeVim


class GrantTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        self.nfvo = nfvo_server.Nfvo()
        self.addCleanup(self.nfvo.stop)
        self.conf.config(mode='nfvo', nfvo_url=self.nfvo.url + '/grant/v1',
                         poll_interval=0.01, group='grant')

    def create(self, inst):
        return fake_vnf.run_create_flow(inst)


class TestCreate(GrantTestCase):

    def test_synchronous_grant_before_anything(self):
        inst = fake_vnf.register_vnf(2)
        self.nfvo.behaviour = 'sync'
        FakeVim.hooks[('quiesce', 'vm-0')] = lambda: self.assertEqual(
            1, len(self.nfvo.grant_requests()))
        op, info = self.create(inst)
        request, = self.nfvo.grant_requests()
        self.assertEqual(('CREATE_SNAPSHOT', inst.id, op.id),
                         (request['operation'], request['vnfInstanceId'],
                          request['vnfLcmOpOccId']))
        snapshot_id = db_api.get_vnf_snapshot_info(None, info.id).snapshot_id
        self.assertIsNotNone(snapshot_id)
        self.assertEqual([{'id': 'vnfc-0', 'type': 'COMPUTE',
                           'vduId': 'vdu0', 'resourceTemplateId': 'vdu0',
                           'snapshotResDef': {'vnfSnapshotId': snapshot_id}},
                          'vnfc-1'],
                         [request['addResources'][0],
                          request['addResources'][1]['id']])

    def test_asynchronous_grant_is_polled(self):
        inst = fake_vnf.register_vnf(1)
        self.nfvo.behaviour, self.nfvo.pending = 'async', 2
        self.create(inst)
        self.assertEqual(3, len([r for r in self.nfvo.requests
                                 if r[0] == 'GET']))

    def test_refusal_fails_with_the_nfvo_reason(self):
        inst = fake_vnf.register_vnf(1)
        self.nfvo.behaviour = 'refuse'
        e = self.assertRaises(exception.GrantRefused, self.create, inst)
        self.assertEqual(403, e.code)
        self.assertIn('no capacity', e.message)
        self.assertEqual([], FakeVim.calls)

    def test_async_grant_that_never_comes(self):
        self.conf.config(grant_timeout=1, group='grant')
        inst = fake_vnf.register_vnf(1)
        self.nfvo.behaviour, self.nfvo.pending = 'async', 10 ** 6
        e = self.assertRaises(exception.GrantFailed, self.create, inst)
        self.assertIn('grant_timeout', e.message)

    def test_oauth2_client_credentials(self):
        self.conf.config(client_id='vnfsnap', client_secret='pw',
                         token_endpoint=self.nfvo.url + '/token',
                         group='grant')
        self.create(fake_vnf.register_vnf(1))
        token, post = self.nfvo.requests[:2]
        self.assertEqual('/token', token[1])
        self.assertIn(b'grant_type=client_credentials', token[3])
        self.assertEqual('Bearer nfvo-tok', post[2]['Authorization'])

    def test_descriptor_decides_per_operation(self):
        inst = db_api.set_snapshot_descriptor(
            None, fake_vnf.register_vnf(1).id,
            {'createSnapshot': {'grant': 'none'}})
        self.create(inst)
        self.assertEqual([], self.nfvo.grant_requests())
        self.conf.config(mode='none', group='grant')
        inst = db_api.set_snapshot_descriptor(
            None, fake_vnf.register_vnf(1, prefix='b').id,
            {'createSnapshot': {'grant': 'nfvo'}})
        self.create(inst)
        self.assertEqual(1, len(self.nfvo.grant_requests()))

    def test_no_nfvo_configured(self):
        self.conf.config(nfvo_url=None, group='grant')
        e = self.assertRaises(exception.GrantFailed, self.create,
                              fake_vnf.register_vnf(1))
        self.assertIn('[grant]nfvo_url', e.message)


class TestRevert(GrantTestCase):

    def revert(self, inst, info):
        op = db_utils.make_op(inst.id, info.id,
                              operation=states.REVERT_TO_SNAPSHOT)
        common.run(*revert_to_snapshot.build(op, inst))

    def test_revert_names_the_vnfc_snapshots(self):
        inst = fake_vnf.register_vnf(2)
        _, info = self.create(inst)
        self.nfvo.snapshot_resources = nfvo_server.snapshot_resources
        self.revert(inst, info)
        request = self.nfvo.grant_requests()[-1]
        info = db_api.get_vnf_snapshot_info(None, info.id)
        self.assertEqual('REVERT_TO_SNAPSHOT', request['operation'])
        expected = {}
        for row in info.vnfc_snapshots:
            vnfc = row.vnfc_resource_info_id
            expected[vnfc] = ('COMPUTE', {
                'vnfSnapshotId': info.snapshot_id, 'vnfcSnapshotId': row.id,
                'snapshotResource': row.compute_snapshot_resource})
            for storage in row.storage_snapshot_resources:
                sid = storage['storageResourceId']
                expected['%s-%s' % (vnfc, sid)] = ('STORAGE', {
                    'vnfSnapshotId': info.snapshot_id,
                    'vnfcSnapshotId': row.id, 'storageSnapshotId': sid,
                    'snapshotResource': storage['storageSnapshotResource']})
        self.assertEqual(expected, {
            r['id']: (r['type'], r['snapshotResDef'])
            for r in request['addResources']})
        self.assertEqual('data', request['addResources'][1][
            'resourceTemplateId'])
        self.assertEqual(4, len(nfvo_server.snapshot_resources(request)))
        self.assertIn(('revert', 'vm-1'), FakeVim.calls)

    def test_other_vim_resources_in_the_grant_are_refused(self):
        def elsewhere(request):
            found = nfvo_server.snapshot_resources(request)
            found[0]['vimSnapshotResourceId'] = 'image-the-nfvo-made'
            return found

        for prefix, mapping, words in (
                ('a', elsewhere,
                 'names VIM snapshot resource image-the-nfvo-made'),
                ('b', lambda request: [
                    {'vnfSnapshotId': 'other', 'vnfcSnapshotId': 'x',
                     'vimSnapshotResourceId': 'y'}],
                 'which this revert does not use')):
            inst = fake_vnf.register_vnf(1, prefix=prefix)
            self.nfvo.snapshot_resources = None
            _, info = self.create(inst)
            self.nfvo.snapshot_resources = mapping
            e = self.assertRaises(exception.GrantFailed,
                                  self.revert, inst, info)
            self.assertIn(words, e.message)
            self.assertNotIn(('revert', '%s-0' % prefix), FakeVim.calls)
