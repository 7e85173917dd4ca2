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

"""The snapshot descriptor, the VNF's prepare/done notices and NFVO
granting with real guests: a 3-VNFC VNF (VDUs db, app1, app2) whose
descriptor snapshots {db} before {app1}, leaves app2 out, keeps db cold and
app1 warm, leaves db's data volume out (attached) and detaches app1's
scratch volume for its snapshot. The VNF's notification endpoint and the
NFVO's Grant API are HTTP servers of the test, on loopback.
"""

import datetime
import time

import libvirt

from vnfsnap import descriptor
from vnfsnap.tests.fixtures import guest_disks
from vnfsnap.tests.fixtures import nfvo as nfvo_server
from vnfsnap.tests.fixtures import notify_endpoint
from vnfsnap.tests.functional import libvirt_base
from vnfsnap.vim.libvirt import domain_xml
from vnfsnap_demo import guest_agent
from vnfsnap_demo import scenario

VDUS = ('db', 'app1', 'app2')
DESCRIPTOR = {
    'vnfcs': {'db': {'snapshotType': 'cold', 'volumes': []},
              'app1': {'snapshotType': 'warm', 'volumes': ['data'],
                       'detachDisksBefore': True},
              'app2': {'include': False}},
    'createOrder': [['db'], ['app1', 'app2']],
    'revertOrder': [['db'], ['app1']],
}


class TestDescriptorAndNotices(libvirt_base.GuestsTestCase):

    GUESTS = 3

    def setUp(self):
        super().setUp()
        self.endpoint = notify_endpoint.Endpoint()
        self.addCleanup(self.endpoint.stop)
        self.nfvo = nfvo_server.Nfvo()
        self.addCleanup(self.nfvo.stop)
        with open(self.conf, 'a') as f:
            f.write('\n[grant]\nmode = nfvo\nnfvo_url = %s/grant/v1\n'
                    'poll_interval = 0.2\n' % self.nfvo.url)

    def scratch(self, text=None):
        """Write ``text`` at the start of app1's scratch disk, or read it;
        found by its serial, as the guest names it anew on each hot-plug."""
        find = ('for i in $(seq 50); do for d in /sys/block/vd*; do '
                '[ "$(cat $d/serial 2>/dev/null)" = scratch ] && '
                'dev=/dev/${d##*/}; done; [ -n "$dev" ] && break; '
                'sleep 0.2; done; ')
        dom = self.doms[self.names['app1']]
        if text is None:
            return guest_agent.sh(
                dom, find + 'dd if=$dev bs=512 count=1 iflag=direct '
                '2>/dev/null | head -c 16').stdout.decode().strip()
        guest_agent.sh(dom, find + 'printf %-512s ' + text +
                       ' | dd of=$dev bs=512 count=1 oflag=direct,sync')

    def disks_of(self, vdu, flags=0):
        return [d['target'] for d in domain_xml.disks(
            self.doms[self.names[vdu]].XMLDesc(flags))]

    def register(self):
        body = scenario.Demo(self.GUESTS).registration(self.created)
        self.names = {}
        vnfcs = body['instantiatedVnfInfo']['vnfcResourceInfo']
        for vnfc, vdu in zip(vnfcs, VDUS, strict=True):
            vnfc['vduId'] = vdu
            self.names[vdu] = vnfc['id']
        guest_disks.add_scratch(self.doms[self.names['app1']], self.tmp)
        vnfcs[1]['storageResourceIds'].append('app1-scratch')
        body['instantiatedVnfInfo']['virtualStorageResourceInfo'].append({
            'id': 'app1-scratch', 'virtualStorageDescId': 'scratch',
            'storageResource': {'vimConnectionId': 'local',
                                'resourceId': 'vdc'}})
        body['snapshotDescriptor'] = DESCRIPTOR
        resp = self.api.post('/vnflcm/v2/vnf_instances', json=body)
        self.assertEqual(201, resp.status_code, resp.text)
        inst = resp.json()['id']
        resp = self.api.request(
            'PUT', '/vnflcm/v2/vnf_instances/%s/snapshot_notifications'
            % inst, json={'callbackUri': self.endpoint.url + '/hook',
                          'ackTimeout': 3})
        self.assertEqual(200, resp.status_code, resp.text)
        resp = self.api.post('/vnflcm/v2/subscriptions', json={
            'callbackUri': self.endpoint.url + '/lccn',
            'filter': {'vnfInstanceSubscriptionFilter': {
                'vnfInstanceIds': [inst]}}})
        self.assertEqual(201, resp.status_code, resp.text)
        return inst

    def rollback(self, op):
        resp = self.api.post('/vnflcm/v2/vnf_lcm_op_occs/%s/rollback'
                             % op['id'])
        self.assertEqual(202, resp.status_code, resp.text)
        op = self.api.wait_for_op('http://127.0.0.1:%d/vnflcm/v2/'
                                  'vnf_lcm_op_occs/%s' % (self.port,
                                                          op['id']))
        self.assertEqual('ROLLED_BACK', op['operationState'], op)

    def phases(self):
        return [(n['phase'], n['operation'], n.get('outcome'),
                 sorted(n['vnfcInstanceIds']))
                for n in self.endpoint.notices()]

    def test_order_exclusion_levels_windows_and_a_silent_vnf(self):
        self.start_service()
        inst = self.register()
        db, app1, app2 = (self.names[v] for v in VDUS)
        self.mark('snapshot')
        self.scratch('snapshot')

        # A warm request cannot widen the cold db VDU.
        info = self.api.post('/vnflcm/v2/vnf_snapshots', json={}).json()
        resp = self.api.post(
            '/vnflcm/v2/vnf_instances/%s/create_snapshot' % inst,
            json={'vnfSnapshotInfoId': info['id'],
                  'additionalParams': {'withMemory': True}})
        self.assertEqual(422, resp.status_code, resp.text)
        self.assertIn('cold', resp.json()['detail'])

        info_id = self.snapshot(inst)
        snap = self.api.get('/vnflcm/v2/vnf_snapshots/%s'
                            % info_id).json()['vnfSnapshot']
        rows = {r['vnfcInstanceId']: r for r in snap['vnfcSnapshots']}
        self.assertEqual({db, app1}, set(rows))
        # db's group before app1's.
        self.assertLessEqual(rows[db]['creationFinishedAt'],
                             rows[app1]['creationStartedAt'])
        levels = {k: r['computeSnapshotResource'][
            'vimLevelAdditionalResourceInfo']['additionalInfo']
            for k, r in rows.items()}
        self.assertEqual({'application'}, {
            i['consistencyLevel'] for i in levels.values()})
        self.assertTrue(all('vnfPreparedAt' in i for i in levels.values()))
        self.assertEqual({db: False, app1: True},
                         {k: i['memoryCaptured'] for k, i in levels.items()})
        self.assertEqual(
            [('PREPARE', 'CREATE_SNAPSHOT', None, sorted([db, app1])),
             ('DONE', 'CREATE_SNAPSHOT', 'COMPLETED', sorted([db, app1]))],
            self.phases())
        # db's data volume left out (Vnfsd.016); app1's scratch volume
        # detached for the capture (011) and attached again after it (012).
        self.assertEqual({db: [], app1: [app1 + '-data']}, {
            k: [s['storageResourceId'] for s in
                r.get('storageSnapshotResources') or ()]
            for k, r in rows.items()})
        self.assertEqual(['app1-scratch'], levels[app1]['detachedVolumes'])
        for flags in (0, libvirt.VIR_DOMAIN_XML_INACTIVE):
            self.assertEqual(['vda', 'vdb', 'vdc'],
                             self.disks_of('app1', flags))
        self.assertEqual('snapshot', self.scratch())

        self.mark('changed')
        self.scratch('changed')
        self.nfvo.behaviour, self.nfvo.pending = 'async', 2
        # The NFVO grants the revert with the VIM resources it was told.
        self.nfvo.snapshot_resources = nfvo_server.snapshot_resources
        op = self.revert(inst, info_id)
        self.assertEqual('COMPLETED', op['operationState'], op)
        for dom in self.doms.values():      # db's cold snapshot boots
            guest_agent.wait_for_agent(dom, timeout=120)
        markers = self.markers()
        self.assertEqual('changed', markers[db])      # left out
        self.assertEqual('snapshot', markers[app1])
        self.assertEqual('changed', markers[app2])    # excluded
        # app1's memory was saved without its scratch volume: attached
        # again, live and in the definition, as it is now.
        for flags in (0, libvirt.VIR_DOMAIN_XML_INACTIVE):
            self.assertEqual(['vda', 'vdb', 'vdc'],
                             self.disks_of('app1', flags))
        self.assertEqual('changed', self.scratch())
        self.assertEqual(('DONE', 'REVERT_TO_SNAPSHOT', 'COMPLETED'),
                         self.phases()[-1][:3])
        # Both were granted by the NFVO, the revert asynchronously.
        self.assertEqual(['CREATE_SNAPSHOT', 'REVERT_TO_SNAPSHOT'],
                         [g['operation'] for g in self.nfvo.grant_requests()])
        self.assertEqual(
            [(db, 'COMPUTE'), (app1, 'COMPUTE'),
             (app1 + '-' + app1 + '-data', 'STORAGE')],
            [(r['id'], r['type'])
             for r in self.nfvo.grant_requests()[1]['addResources']])
        self.nfvo.snapshot_resources = None

        # The subscriber heard of both, from STARTING to COMPLETED.
        deadline = time.monotonic() + 30
        expected = [(op, s) for op in ('CREATE_SNAPSHOT', 'REVERT_TO_SNAPSHOT')
                    for s in ('STARTING', 'PROCESSING', 'COMPLETED')]
        while [(n['operation'], n['operationState'])
               for n in self.endpoint.notices('/lccn')] != expected:
            self.assertLess(time.monotonic(), deadline,
                            self.endpoint.notices('/lccn'))
            time.sleep(0.2)

        # A refused grant: the VNF is neither told nor touched.
        self.nfvo.behaviour = 'refuse'
        notices = len(self.endpoint.notices())
        info = self.api.post('/vnflcm/v2/vnf_snapshots', json={}).json()
        op = self.api.wait_for_op(self.task(
            inst, 'create_snapshot', {'vnfSnapshotInfoId': info['id']}),
            timeout=60)
        self.assertEqual('FAILED_TEMP', op['operationState'])
        self.assertEqual(403, op['error']['status'])
        self.assertIn('no capacity', op['error']['detail'])
        self.assertEqual(notices, len(self.endpoint.notices()))
        self.rollback(op)
        self.nfvo.behaviour = 'sync'

        # Outside the descriptor's time windows: 409, nothing recorded.
        now = datetime.datetime.now(datetime.timezone.utc)
        closed = [d for d in descriptor.DAYS
                  if d not in (descriptor.DAYS[now.weekday()],
                               descriptor.DAYS[(now.weekday() - 1) % 7])]
        url = '/vnflcm/v2/vnf_instances/%s/snapshot_descriptor' % inst
        resp = self.api.request('PUT', url, json=dict(
            DESCRIPTOR, timeWindows=[{'days': closed, 'start': '00:00',
                                      'stop': '23:59'}]))
        self.assertEqual(200, resp.status_code, resp.text)
        info = self.api.post('/vnflcm/v2/vnf_snapshots', json={}).json()
        resp = self.api.post(
            '/vnflcm/v2/vnf_instances/%s/create_snapshot' % inst,
            json={'vnfSnapshotInfoId': info['id']})
        self.assertEqual(409, resp.status_code, resp.text)
        self.assertIn('time windows', resp.json()['detail'])
        self.api.request('PUT', url, json=DESCRIPTOR)

        # A VNF that never answers "prepare": the operation fails before
        # any guest is frozen, and the VNF is told "done".
        self.endpoint.received[:] = [r for r in self.endpoint.received
                                     if r[0] != '/hook']
        self.endpoint.delays = [10]
        op_url = self.task(inst, 'create_snapshot',
                           {'vnfSnapshotInfoId': info['id']})
        op = self.api.wait_for_op(op_url, timeout=60)
        self.assertEqual('FAILED_TEMP', op['operationState'])
        self.assertIn('no answer within 3 s', op['error']['detail'])
        for dom in self.doms.values():
            self.assertEqual('thawed', guest_agent.fsfreeze_status(dom))
        self.assertEqual(['PREPARE', 'DONE'],
                         [p[0] for p in self.phases()])
        self.assertEqual('FAILED', self.phases()[1][2])

        # The subscriber got every state of every operation, in order.
        deadline = time.monotonic() + 30
        while True:
            lccn = [(n['operation'], n['operationState'])
                    for n in self.endpoint.notices('/lccn')]
            if lccn[-1:] == [('CREATE_SNAPSHOT', 'FAILED_TEMP')]:
                break
            self.assertLess(time.monotonic(), deadline, lccn)
            time.sleep(0.2)
        self.assertEqual(
            expected + [('CREATE_SNAPSHOT', s) for s in (
                'STARTING', 'PROCESSING', 'FAILED_TEMP', 'ROLLING_BACK',
                'ROLLED_BACK', 'STARTING', 'PROCESSING', 'FAILED_TEMP')],
            lccn)
