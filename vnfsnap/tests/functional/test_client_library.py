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

"""vnfsnapclient against a real noauth vnfsnap-all-in-one: every manager
method that needs no guest."""

import hashlib
import os

from vnfsnapclient import exceptions
from vnfsnapclient import http

from vnfsnap.tests.fixtures import client_aio
from vnfsnap.tests.fixtures import snapshots
from vnfsnap.tests.functional import base

# A VNFC the package's VNF snapshot record does not know: an extraction
# into this instance fails before it asks any VIM.
REGISTRATION = {
    'vnfdId': 'vnfd-client', 'vnfInstanceName': 'client-lib',
    'vnfProvider': 'acme', 'vnfProductName': 'fw',
    'vnfSoftwareVersion': '1.0', 'vnfdVersion': '1.0',
    'vimConnectionInfo': {'vim1': {'vimType': 'VNFSNAP.LIBVIRT.V_1'}},
    'instantiatedVnfInfo': {
        'flavourId': 'default', 'vnfState': 'STARTED',
        'vnfcResourceInfo': [{
            'id': 'vnfc-unknown-to-the-package', 'vduId': 'vdu',
            'computeResource': {'vimConnectionId': 'vim1',
                                'resourceId': 'vnfsnap-client-no-guest'}}]},
}


class Interrupted(Exception):
    pass


class TestClientLibrary(base.FunctionalTestCase):

    def setUp(self):
        super().setUp()
        self.aio = self.useFixture(client_aio.NoauthAllInOne())
        self.client = self.aio.client()

    def test_vnf_instances_and_op_occs(self):
        c = self.client
        inst = c.vnf_instances.register(REGISTRATION)
        self.assertEqual('INSTANTIATED', inst['instantiationState'])
        self.assertEqual([inst['id']],
                         [i['id'] for i in c.vnf_instances.list(
                             filter='(eq,vnfInstanceName,client-lib)')])
        self.assertEqual([], list(c.vnf_instances.list(
            filter='(eq,vnfInstanceName,other)')))
        self.assertEqual('client-lib',
                         c.vnf_instances.get(inst['id'])['vnfInstanceName'])

        op_id = c.vnf_instances.modify(inst['id'],
                                       {'vnfInstanceName': 'renamed'})
        polled = []
        op = c.vnf_lcm_op_occs.wait(op_id, on_poll=polled.append,
                                    timeout=120, interval=0.2)
        self.assertEqual(('MODIFY_INFO', 'COMPLETED'),
                         (op['operation'], op['operationState']))
        self.assertEqual(op, polled[-1])
        self.assertEqual('renamed',
                         c.vnf_instances.get(inst['id'])['vnfInstanceName'])
        self.assertEqual([op_id], [o['id'] for o in c.vnf_lcm_op_occs.list()])
        self.assertEqual(op_id, c.vnf_lcm_op_occs.get(op_id)['id'])
        for task in (c.vnf_lcm_op_occs.retry, c.vnf_lcm_op_occs.rollback,
                     c.vnf_lcm_op_occs.fail, c.vnf_lcm_op_occs.cancel):
            with self.subTest(task=task.__name__):
                e = self.assertRaises(exceptions.Conflict, task, op_id)
                self.assertIn('COMPLETED', e.detail)

        descriptor = c.vnf_instances.get_snapshot_descriptor(inst['id'])
        self.assertEqual(descriptor, c.vnf_instances.set_snapshot_descriptor(
            inst['id'], descriptor))
        self.assertEqual({}, c.vnf_instances.get_snapshot_notifications(
            inst['id']))
        endpoint = self.useFixture(client_aio.CallbackUri()).url
        c.vnf_instances.set_snapshot_notifications(
            inst['id'], {'callbackUri': endpoint})
        self.assertEqual(endpoint, c.vnf_instances.get_snapshot_notifications(
            inst['id'])['callbackUri'])
        c.vnf_instances.delete_snapshot_notifications(inst['id'])
        self.assertEqual({}, c.vnf_instances.get_snapshot_notifications(
            inst['id']))

        # A snapshot of an empty VNF snapshot id is refused, typed.
        e = self.assertRaises(
            exceptions.UnprocessableEntity, c.vnf_instances.create_snapshot,
            inst['id'], '00000000-0000-4000-8000-000000000000')
        self.assertEqual(422, e.status)
        self.assertRaises(exceptions.UnprocessableEntity,
                          c.vnf_instances.revert_to_snapshot, inst['id'],
                          '00000000-0000-4000-8000-000000000000')
        c.vnf_instances.delete(inst['id'])
        e = self.assertRaises(exceptions.NotFound, c.vnf_instances.get,
                              inst['id'])
        self.assertEqual('Not Found', e.title)

    def test_vnf_snapshots_and_subscriptions(self):
        c = self.client
        snap = c.vnf_snapshots.create()
        self.assertEqual([snap['id']],
                         [s['id'] for s in c.vnf_snapshots.list()])
        self.assertEqual({'vnfSnapshotPkgId': 'pkg-x'},
                         c.vnf_snapshots.update(
                             snap['id'], {'vnfSnapshotPkgId': 'pkg-x'}))
        self.assertEqual('pkg-x',
                         c.vnf_snapshots.get(snap['id'])['vnfSnapshotPkgId'])
        self.assertRaises(exceptions.Conflict,
                          c.vnf_snapshots.download_vnf_state, snap['id'],
                          os.path.join(self.tmp, 'state'))
        c.vnf_snapshots.delete(snap['id'])
        self.assertEqual([], list(c.vnf_snapshots.list()))

        callback = self.useFixture(client_aio.CallbackUri()).url
        body = {'callbackUri': callback,
                'filter': {'operationTypes': ['CREATE_SNAPSHOT']}}
        sub = c.subscriptions.create(body)
        # The same again: vnfsnap answers 303, the client reads that one.
        self.assertEqual(sub, c.subscriptions.create(body))
        self.assertEqual([sub['id']],
                         [s['id'] for s in c.subscriptions.list()])
        self.assertEqual(callback,
                         c.subscriptions.get(sub['id'])['callbackUri'])
        c.subscriptions.delete(sub['id'])
        self.assertRaises(exceptions.NotFound, c.subscriptions.get,
                          sub['id'])

    def test_packages(self):
        c = self.client
        pkgs = c.vnf_snapshot_packages
        path, sha256 = client_aio.package_file(self.tmp)
        pkg = pkgs.create({'name': 'client-lib', 'userDefinedData': {'a': 1}})
        self.assertEqual('CREATED', pkg['state'])
        self.assertEqual({'artifact': []},
                         pkgs.get_ext_artifacts_access(pkg['id']))
        access = {'artifact': [{
            'artifactUri': 'https://artifacts.example.com/a.img',
            'authType': 'BASIC',
            'paramsBasic': {'userName': 'u', 'password': 'secret'}}]}
        shown = pkgs.set_ext_artifacts_access(pkg['id'], access)
        self.assertNotIn('password', shown['artifact'][0]['paramsBasic'])
        self.assertEqual(shown, pkgs.get_ext_artifacts_access(pkg['id']))
        pkgs.set_ext_artifacts_access(pkg['id'], {'artifact': []})
        e = self.assertRaises(exceptions.Conflict, pkgs.cancel, pkg['id'],
                              cause='nothing runs')
        self.assertIn('CREATED', e.detail)

        sent = []
        pkgs.upload(pkg['id'], path, progress=lambda *a: sent.append(a))
        size = os.path.getsize(path)
        self.assertEqual((size, size), sent[-1])
        self.assertGreater(len(sent), 1)
        pkg = pkgs.wait(pkg['id'], timeout=300, interval=0.2)
        self.assertEqual('AVAILABLE', pkg['state'])
        self.assertEqual(sha256, pkg['checksum']['hash'])
        self.assertEqual([pkg['id']], [p['id'] for p in pkgs.list(
            filter='(eq,state,AVAILABLE)', fields='name')])

        # A download interrupted after its first chunk, then resumed.
        dest = os.path.join(self.tmp, 'copy.zip')

        def stop(done, total):
            if done >= http.CHUNK_SIZE:
                raise Interrupted()
        self.assertRaises(Interrupted, pkgs.download, pkg['id'], dest,
                          progress=stop)
        part = os.path.getsize(dest + http.PART_SUFFIX)
        self.assertGreater(part, 0)
        self.assertLess(part, size)
        seen = []
        self.assertEqual(size, pkgs.download(
            pkg['id'], dest, progress=lambda *a: seen.append(a)))
        self.assertEqual((part, size), seen[0])
        self.assertEqual((size, size), seen[-1])
        self.assertEqual(sha256, _sha256(dest))

        record = os.path.join(self.tmp, 'record.json')
        pkgs.download_artifact(pkg['id'], 'vnfsr/record.json', record)
        self.assertEqual(pkg['vnfsr']['checksum']['hash'], _sha256(record))
        image_path = pkg['vnfcSnapshotImages'][0]['imagePath']
        image = os.path.join(self.tmp, 'image')
        pkgs.download_artifact(pkg['id'], image_path, image)
        self.assertEqual(snapshots.IMAGE_SIZE, os.path.getsize(image))
        self.assertRaises(exceptions.NotFound, pkgs.download_artifact,
                          pkg['id'], 'no/such/member',
                          os.path.join(self.tmp, 'x'))

        self.assertEqual({'name': 'renamed'},
                         pkgs.update(pkg['id'], {'name': 'renamed'}))
        self._extract_fails_then_available(pkg['id'])
        pkgs.delete(pkg['id'])
        self.assertRaises(exceptions.NotFound, pkgs.get, pkg['id'])

    def test_package_passed_through_as_streams(self):
        """As the dashboard passes a package between a browser and
        vnfsnap: a body that can only be read (size known apart) goes up,
        the content comes down as chunks, never as a file."""
        pkgs = self.client.vnf_snapshot_packages
        path, sha256 = client_aio.package_file(self.tmp)
        size = os.path.getsize(path)

        class Body:
            def __init__(self, f):
                self.read = f.read
        pkg = pkgs.create({'name': 'passed-through'})
        with open(path, 'rb') as f:
            pkgs.upload(pkg['id'], Body(f), size=size)
        pkg = pkgs.wait(pkg['id'], timeout=300, interval=0.2)
        self.assertEqual(sha256, pkg['checksum']['hash'])

        stream = pkgs.stream(pkg['id'])
        self.assertEqual(size, stream.size)
        digest = hashlib.sha256()
        chunks = 0
        for chunk in stream:
            self.assertLessEqual(len(chunk), http.CHUNK_SIZE)
            digest.update(chunk)
            chunks += 1
        self.assertEqual(sha256, digest.hexdigest())
        self.assertGreater(chunks, 1)
        pkgs.delete(pkg['id'])
        e = self.assertRaises(exceptions.NotFound, pkgs.stream, pkg['id'])
        self.assertIn(pkg['id'], e.detail)

    def _extract_fails_then_available(self, pkg_id):
        c = self.client
        inst = c.vnf_instances.register(REGISTRATION)
        location = c.vnf_snapshot_packages.extract(
            pkg_id, {'vnfInstanceId': inst['id']})
        self.assertIn('/vnflcm/v2/vnf_snapshots/', location)
        e = self.assertRaises(exceptions.OperationFailed,
                              c.vnf_snapshot_packages.wait, pkg_id,
                              timeout=300, interval=0.2)
        self.assertEqual('ERROR_EXTRACTING', e.resource['state'])
        self.assertEqual(e.problem['detail'], str(e))
        c.vnf_snapshot_packages.update(pkg_id, {'state': 'AVAILABLE'})
        self.assertEqual('AVAILABLE',
                         c.vnf_snapshot_packages.get(pkg_id)['state'])
        c.vnf_instances.delete(inst['id'])


def _sha256(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()
