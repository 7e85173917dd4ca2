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

"""A 2-VNFC VNF on a real single-machine OpenStack, through vnfsnap's API.

Two servers of the test guest, booted through Nova (libvirt, TCG), each
with a Cinder data volume (NFS driver) mounted at /data, form the VNF.
vnfsnap-all-in-one drives the OpenStack VIM driver against Keystone, Nova,
Cinder and Glance, and keeps its VNF snapshot packages in the cloud's Swift
(Keystone auth, 16 MiB segments: every package is a Static Large Object).
The guests are read and written through their QEMU guest agents, which
Nova wires up (``hw_qemu_guest_agent``).  The cloud is the test process's
shared one (openstack_services.shared_cloud): the test deletes what it
and vnfsnap made there (openstack_vnfcs.LeaveAsFound).
"""

import json
import os
import zipfile

from oslo_utils import uuidutils
import requests

from vnfsnap.tests.fixtures import openstack_vnfcs
from vnfsnap.tests.fixtures import services
from vnfsnap.tests.functional import base

TIMEOUT = 300
PKGM = base.PKGM
SEGMENT = 16 * 1024 * 1024
VIM_TYPE = 'ETSINFV.OPENSTACK_KEYSTONE.V_3'
#: What the guest's health endpoint reports (vnfsnap-httpd).
HEALTH = '/data/health'


class TestVnfOnOpenStack(base.FunctionalTestCase):

    def setUp(self):
        super().setUp()
        # The process's cloud: the test deletes what it made (servers,
        # volumes, images, snapshots, its Swift container) at the end.
        self.cloud, data_image = openstack_vnfcs.shared_cloud_and_guests(
            self)
        self.servers = [openstack_vnfcs.boot_vnfc(self.cloud, 'vnfc-%d' % i,
                                                  data_image)
                        for i in range(2)]
        self.container = 'vnfsnap-packages-%s' % uuidutils.generate_uuid()[:8]
        self.addCleanup(openstack_vnfcs.delete_containers, self.cloud,
                        self.container)
        self.port = services.free_port()
        self.conf = base.write_config(os.path.join(self.tmp, 'v.conf'), {
            'DEFAULT': {'state_path': os.path.join(self.tmp, 'state')},
            'api': {'port': self.port},
            'openstack': {'poll_interval': 1},
            # The servers' health endpoints (openstack_vnfcs.health_url).
            'online_tests': {'probe_networks': '127.0.0.1/32'},
            'package_store': {'backend': 'swift',
                              'swift_container': self.container,
                              'swift_segment_size': SEGMENT},
            'swift': {'auth_type': 'password',
                      'auth_url': self.cloud.auth_url,
                      'username': self.cloud.admin_user,
                      'password': self.cloud.admin_password,
                      'project_name': self.cloud.admin_project,
                      'user_domain_name': 'Default',
                      'project_domain_name': 'Default',
                      'region_name': self.cloud.region},
        })
        self.start([base.command('vnfsnap-all-in-one'), '--config-file',
                    self.conf], port=self.port, name='vnfsnap-all-in-one')
        self.api = base.Client('http://127.0.0.1:%d' % self.port)
        self.pkgm = base.Client('http://127.0.0.1:%d' % self.port,
                                version='1.2.0')

    # --- the cloud side ---------------------------------------------------

    def server(self, server_id):
        return openstack_vnfcs.server(self.cloud, server_id)

    def attachments(self, server_id):
        return {a['device']: a['volumeId'] for a in self.cloud.api(
            'compute', 'GET', '/servers/%s/os-volume_attachments'
            % server_id).json()['volumeAttachments']}

    def mark(self, text):
        openstack_vnfcs.write_markers(self.cloud, self.servers, text)

    def markers(self):
        return openstack_vnfcs.read_markers(self.cloud, self.servers)

    # --- the vnfsnap side ---------------------------------------------------

    def register(self, password=None):
        access = {'username': self.cloud.admin_user,
                  'password': password or self.cloud.admin_password,
                  'project': self.cloud.admin_project,
                  'region': self.cloud.region}
        body = {
            'vnfdId': 'vnfd-os', 'vnfProvider': 'acme',
            'vnfProductName': 'fw', 'vnfSoftwareVersion': '1.0',
            'vnfdVersion': '1.0',
            'vimConnectionInfo': {'vim1': {
                'vimType': VIM_TYPE,
                'interfaceInfo': {'endpoint': self.cloud.auth_url},
                'accessInfo': access}},
            'instantiatedVnfInfo': {
                'flavourId': 'default', 'vnfState': 'STARTED',
                'vnfcResourceInfo': [
                    {'id': 'vnfc-%d' % i, 'vduId': 'VDU1',
                     'computeResource': {'vimConnectionId': 'vim1',
                                         'resourceId': s['id']},
                     'storageResourceIds': ['vsr-%d' % i]}
                    for i, s in enumerate(self.servers)],
                'virtualStorageResourceInfo': [
                    {'id': 'vsr-%d' % i, 'virtualStorageDescId': 'data',
                     'storageResource': {'vimConnectionId': 'vim1',
                                         'resourceId': s['volume']}}
                    for i, s in enumerate(self.servers)]}}
        resp = self.api.post('/vnflcm/v2/vnf_instances', json=body)
        self.assertEqual(201, resp.status_code, resp.text)
        self.assertNotIn(self.cloud.admin_password, resp.text)
        return resp.json()['id']

    def task(self, inst_id, name, body):
        resp = self.api.post('/vnflcm/v2/vnf_instances/%s/%s'
                             % (inst_id, name), json=body)
        self.assertEqual(202, resp.status_code, resp.text)
        return self.api.wait_for_op(resp.headers['Location'],
                                    timeout=TIMEOUT * 2)

    def snapshot(self, inst_id, **params):
        info = self.api.post('/vnflcm/v2/vnf_snapshots', json={}).json()
        body = {'vnfSnapshotInfoId': info['id']}
        if params:
            body['additionalParams'] = params
        op = self.task(inst_id, 'create_snapshot', body)
        return info['id'], op

    def capture_info(self, info_id):
        """How each VNFC snapshot was captured, as the API shows it."""
        snap = self.api.get('/vnflcm/v2/vnf_snapshots/%s'
                            % info_id).json()['vnfSnapshot']
        return [v['computeSnapshotResource'][
            'vimLevelAdditionalResourceInfo']['additionalInfo']
            for v in snap['vnfcSnapshots']]

    def rollback(self, op):
        resp = self.api.post('/vnflcm/v2/vnf_lcm_op_occs/%s/rollback'
                             % op['id'])
        self.assertEqual(202, resp.status_code, resp.text)
        op = self.api.wait_for_op(
            'http://127.0.0.1:%d/vnflcm/v2/vnf_lcm_op_occs/%s'
            % (self.port, op['id']), timeout=TIMEOUT)
        self.assertEqual('ROLLED_BACK', op['operationState'], op)

    def images(self):
        return {i['id'] for i in self.cloud.api(
            'image', 'GET', '/v2/images?limit=1000').json()['images']}

    def volume_snapshots(self):
        return {s['id'] for s in self.cloud.api(
            'volumev3', 'GET', '/snapshots').json()['snapshots']}

    # --- packages -----------------------------------------------------------

    def swift_object(self, pkg_id):
        return self.cloud.api('object-store', 'HEAD', '/%s/%s/package.zip'
                              % (self.container, pkg_id))

    def build_and_export(self, info_id):
        """Build a package of ``info_id`` (its VNFC images come out of
        Glance, its volume snapshots through temporary volumes and images)
        and GET it; returns (file, its unique id)."""
        images = self.images()
        built = self.new_pkg(self.pkgm, 'exported')
        resp = self.pkgm.post('%s/%s/package_content/build' % (PKGM, built),
                              json={'vnfSnapshotInfoId': info_id})
        self.assertEqual(202, resp.status_code, resp.text)
        pkg = self.wait_for_pkg(self.pkgm, built, timeout=TIMEOUT * 2)
        self.assertEqual('AVAILABLE', pkg['state'], pkg)
        # Nothing temporary is left in Glance.
        self.assertEqual(images, self.images())
        head = self.swift_object(built)
        self.assertEqual('True', head.headers['X-Static-Large-Object'])
        self.assertGreater(int(head.headers['Content-Length']), SEGMENT)
        path = os.path.join(self.tmp, 'exported.zip')
        digest = self.download_pkg(self.pkgm, built, path)
        full = self.pkgm.get('%s/%s' % (PKGM, built)).json()
        self.assertEqual(full['checksum']['hash'], digest)
        # Deleting the package removes its objects (and SLO segments).
        self.assertEqual(204, self.pkgm.delete('%s/%s' % (PKGM, built))
                         .status_code)
        resp = self.cloud.api('object-store', 'GET', '/%s?format=json'
                              % self.container)
        listing = resp.json() if resp.content else []
        self.assertEqual([], [o['name'] for o in listing
                              if o['name'].startswith(built)])
        return path, full['vnfSnapshotPkgUniqueId']

    def import_and_extract(self, inst, path, unique_id):
        """PUT the file into a new package and extract it for ``inst``;
        returns the new VnfSnapshotInfo's id."""
        imported = self.new_pkg(self.pkgm, 'imported')
        with open(path, 'rb') as f:
            resp = self.pkgm.request(
                'PUT', '%s/%s/package_content' % (PKGM, imported), data=f,
                headers={'Content-Type': 'application/zip'})
        self.assertEqual(202, resp.status_code, resp.text)
        pkg = self.wait_for_pkg(self.pkgm, imported, timeout=TIMEOUT * 2)
        self.assertEqual('AVAILABLE', pkg['state'], pkg)
        self.assertEqual(unique_id, pkg['vnfSnapshotPkgUniqueId'])
        self.assertEqual('True', self.swift_object(imported).headers[
            'X-Static-Large-Object'])
        resp = self.pkgm.post('%s/%s/package_content/extract'
                              % (PKGM, imported),
                              json={'vnfInstanceId': inst})
        self.assertEqual(202, resp.status_code, resp.text)
        new_info = resp.headers['Location'].rsplit('/', 1)[-1]
        pkg = self.wait_for_pkg(self.pkgm, imported, timeout=TIMEOUT * 2)
        self.assertEqual('AVAILABLE', pkg['state'], pkg)
        snap = self.api.get('/vnflcm/v2/vnf_snapshots/%s' % new_info).json()
        self.assertEqual(imported, snap['vnfSnapshotPkgId'])
        return new_info

    def revert(self, inst, info_id, expected='snapshot', **params):
        body = {'vnfSnapshotInfoId': info_id}
        if params:
            body['additionalParams'] = params
        op = self.task(inst, 'revert_to_snapshot', body)
        self.assertEqual('COMPLETED', op['operationState'], op)
        self.assertEqual({expected}, self.markers())
        # The same servers; the data volume was swapped in at the same
        # device, and the VNF instance points at it.
        self.assert_volumes_attached(inst)
        return op

    def assert_volumes_attached(self, inst):
        """Each server ACTIVE with the volume the VNF instance records at
        /dev/vdb (and nothing else)."""
        inst_info = self.api.get('/vnflcm/v2/vnf_instances/%s'
                                 % inst).json()['instantiatedVnfInfo']
        volumes = {v['id']: v['storageResource']['resourceId']
                   for v in inst_info['virtualStorageResourceInfo']}
        for i, s in enumerate(self.servers):
            self.assertEqual('ACTIVE', self.server(s['id'])['status'])
            self.assertEqual({'/dev/vdb': volumes['vsr-%d' % i]},
                             self.attachments(s['id']))

    def test_snapshot_revert_package_and_failures(self):
        inst = self.register()
        self.mark('snapshot')
        # One crash-consistent point for the whole VNF: both servers are
        # paused before the first is captured.
        info_id, op = self.snapshot(inst, pauseVnf=True)
        self.assertEqual('COMPLETED', op['operationState'], op)
        self.assertEqual([True, True], [i['pausedWithVnf'] for i in
                                        self.capture_info(info_id)])
        for s in self.servers:
            self.assertEqual('ACTIVE', self.server(s['id'])['status'])

        self.mark('changed')
        self.revert(inst, info_id)

        # The snapshot travels as a package (Swift SLO) and comes back.
        path, unique_id = self.build_and_export(info_id)
        self.mark('changed again')
        extracted = self.import_and_extract(inst, path, unique_id)
        # With a safety snapshot of the state the revert replaces, which
        # brings that state back.
        op = self.revert(inst, extracted, safetySnapshot=True)
        safety = op['_links']['safetyVnfSnapshot']['href'].rsplit('/', 1)[1]
        self.revert(inst, safety, expected='changed again')
        resp = self.api.delete('/vnflcm/v2/vnf_snapshots/%s' % safety)
        self.assertEqual(204, resp.status_code, resp.text)

        # By default each VNFC is paused on its own while its root disk and
        # data volume are captured; deleting the snapshot removes its
        # images and volume snapshots.
        images, snapshots = self.images(), self.volume_snapshots()
        info_id, op = self.snapshot(inst)
        self.assertEqual('COMPLETED', op['operationState'], op)
        self.assertEqual([(True, False)] * 2, [
            (i['pausedForCapture'], i['pausedWithVnf'])
            for i in self.capture_info(info_id)])
        self.assertGreater(len(self.images()), len(images))
        resp = self.api.delete('/vnflcm/v2/vnf_snapshots/%s' % info_id)
        self.assertEqual(204, resp.status_code, resp.text)
        self.assertEqual(images, self.images())
        self.assertEqual(snapshots, self.volume_snapshots())

        # The snapshot descriptor leaves the data volumes out (Vnfsd.016):
        # no Cinder snapshot is taken.
        url = '/vnflcm/v2/vnf_instances/%s/snapshot_descriptor' % inst
        resp = self.api.request('PUT', url, json={
            'vnfcs': {'VDU1': {'volumes': []}}})
        self.assertEqual(200, resp.status_code, resp.text)
        info_id, op = self.snapshot(inst)
        self.assertEqual('COMPLETED', op['operationState'], op)
        self.assertEqual(snapshots, self.volume_snapshots())
        self.assertEqual(204, self.api.delete(
            '/vnflcm/v2/vnf_snapshots/%s' % info_id).status_code)
        # ... and detaches them for the capture (011), then attaches them
        # again at their device (012), also after a revert.
        resp = self.api.request('PUT', url, json={
            'vnfcs': {'VDU1': {'volumes': [], 'detachDisksBefore': True}}})
        self.assertEqual(200, resp.status_code, resp.text)
        info_id, op = self.snapshot(inst)
        self.assertEqual('COMPLETED', op['operationState'], op)
        self.assertEqual([['vsr-0'], ['vsr-1']], [
            i['detachedVolumes'] for i in self.capture_info(info_id)])
        self.assert_volumes_attached(inst)
        op = self.task(inst, 'revert_to_snapshot',
                       {'vnfSnapshotInfoId': info_id})
        self.assertEqual('COMPLETED', op['operationState'], op)
        self.assert_volumes_attached(inst)
        self.assertEqual(204, self.api.delete(
            '/vnflcm/v2/vnf_snapshots/%s' % info_id).status_code)
        self.assertEqual(images, self.images())
        self.api.request('PUT', url, json={})

        # A warm snapshot is refused: Nova cannot capture memory.
        info = self.api.post('/vnflcm/v2/vnf_snapshots', json={}).json()
        op = self.task(inst, 'create_snapshot', {
            'vnfSnapshotInfoId': info['id'],
            'additionalParams': {'withMemory': True}})
        self.assertEqual('FAILED_TEMP', op['operationState'])
        self.assertIn('memory', op['error']['detail'])
        self.rollback(op)

        # Bad credentials: a clear FAILED_TEMP, nothing made in the cloud.
        bad = self.register(password='wrong-password')
        info_id, op = self.snapshot(bad)
        self.assertEqual('FAILED_TEMP', op['operationState'])
        self.assertIn('refused the credentials', op['error']['detail'])
        self.assertNotIn('wrong-password', str(op))

        # A vanished server: the snapshot fails clearly, the other VNFC
        # keeps running, and nothing is left half-done.
        self.cloud.api('compute', 'DELETE',
                       '/servers/%s' % self.servers[1]['id'])
        info_id, op = self.snapshot(inst)
        self.assertEqual('FAILED_TEMP', op['operationState'])
        self.assertIn(self.servers[1]['id'], op['error']['detail'])
        self.rollback(op)
        self.assertEqual('ACTIVE', self.server(self.servers[0]['id'])
                         ['status'])
        self.assertEqual(images, self.images())
        self.assertEqual(snapshots, self.volume_snapshots())

    def test_online_test_server_stop_fails_and_restores(self):
        """A guarded online test (GR NFV-TST 005 clause 4.1.1): the VNF
        does not survive a server stop (Nova starts nothing again), so
        the test fails, captures the failed state, rebuilds the stopped
        server from the pre-test snapshot, probes the VNF healthy again
        over HTTP and builds a root-cause package."""
        inst = self.register()
        openstack_vnfcs.write_markers(self.cloud, self.servers, 'ok\n',
                                      paths=[HEALTH])
        urls = [openstack_vnfcs.health_url(self.cloud, s)
                for s in self.servers]
        for url in urls:
            openstack_vnfcs.wait('%s answering' % url,
                                 lambda u=url: _get(u) == (200, 'ok\n'))
        tests_url = '/vnflcm/v2/vnf_instances/%s/online_tests' % inst
        probes = [{'id': 'health-%d' % i, 'type': 'HTTP', 'url': url,
                   'expectedStatus': 200, 'bodyRegex': '^ok$',
                   'maxLatencyMs': 10000, 'timeout': 20}
                  for i, url in enumerate(urls)]
        resp = self.api.post(tests_url, json={
            'probes': probes,
            'fault': {'type': 'STOP_VNFC', 'vnfcInstanceId': 'vnfc-0'},
            'expectedRecoveryTime': 15, 'probeInterval': 2})
        self.assertEqual(202, resp.status_code, resp.text)
        test_url = '%s/%s' % (tests_url, resp.json()['id'])

        def settled():
            test = self.api.get(test_url).json()
            return test['operationState'] in (
                'COMPLETED', 'FAILED_TEMP', 'ROLLED_BACK') and test
        test = openstack_vnfcs.wait('online test settled', settled,
                                    timeout=TIMEOUT * 4)
        self.assertEqual('COMPLETED', test['operationState'], test)
        self.assertEqual('FAIL', test['verdict'], test)
        self.assertNotIn('recoveryTime', test)     # never recovered
        phases = [(r['phase'], r['passed']) for r in test['probeRounds']]
        self.assertEqual(('baseline', True), phases[0])
        self.assertIn(('recovery', False), phases)
        self.assertEqual(('after-restore', True), phases[-1])
        self.assertEqual('ACTIVE', self.server(self.servers[0]['id'])
                         ['status'])
        self.assertEqual([(200, 'ok\n')] * 2, [_get(u) for u in urls])
        # The failed state: the stopped server and the other one.
        failed = self.api.get('/vnflcm/v2/vnf_snapshots/%s'
                              % test['failedStateVnfSnapshotInfoId']).json()
        self.assertEqual(2, len(failed['vnfSnapshot']['vnfcSnapshots']))
        pkg = self.wait_for_pkg(self.pkgm, test['vnfSnapshotPkgId'],
                                timeout=TIMEOUT * 2)
        self.assertEqual('AVAILABLE', pkg['state'], pkg)
        path = os.path.join(self.tmp, 'failed-state.zip')
        resp = self.pkgm.request(
            'GET', '%s/%s/package_content' % (PKGM, pkg['id']),
            headers={'Accept': 'application/zip'}, stream=True)
        self.assertEqual(200, resp.status_code, resp.text[:300])
        with open(path, 'wb') as f:
            for chunk in resp.iter_content(1 << 20):
                f.write(chunk)
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            actions = json.loads(zf.read(
                'diagnostics/vnfc-vnfc-0/instance-actions.json'))
        self.assertIn('diagnostics/logs/%s.log' % test['id'], names)
        self.assertIn('stop', [a['action'] for a in actions])


def _get(url):
    """(status, body) of a GET, or None when nothing answers."""
    try:
        resp = requests.get(url, timeout=20)
    except requests.RequestException:
        return None
    return resp.status_code, resp.text
