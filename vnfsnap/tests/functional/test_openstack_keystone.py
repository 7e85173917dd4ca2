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

"""vnfsnap with Keystone auth, through the users of a real Keystone.

vnfsnap-all-in-one validates tokens of the shared single-machine cloud's
Keystone (keystonemiddleware) and is found in its catalog; each persona
(members of two projects, a reader, the cloud's admin) calls the API
through its own keystoneauth session.  The objects are registrations of a
libvirt VNF that never runs: nothing here needs a guest.
"""

import datetime
import json
import time
import urllib.parse

from keystoneauth1 import session as ks_session
from keystoneauth1 import token_endpoint
from oslo_utils import uuidutils
import requests
from testtools import content

from vnfsnap.tests.fixtures import keystone_vnfsnap
from vnfsnap.tests.fixtures import notify_endpoint
from vnfsnap.tests.fixtures import openstack_services
from vnfsnap.tests.functional import base

LCM = keystone_vnfsnap.LCM
PKGM = keystone_vnfsnap.PKGM
PROBLEM = 'application/problem+json'
INSTANCES = LCM + '/vnf_instances'
SNAPSHOTS = LCM + '/vnf_snapshots'
OPS = LCM + '/vnf_lcm_op_occs'
SUBSCRIPTIONS = LCM + '/subscriptions'
#: Collection of each kind of object a project owns.
COLLECTIONS = {'instance': INSTANCES, 'snapshot': SNAPSHOTS, 'op': OPS,
               'package': PKGM, 'subscription': SUBSCRIPTIONS}


class TestKeystone(base.FunctionalTestCase):

    def setUp(self):
        super().setUp()
        started = time.monotonic()
        self.cloud = openstack_services.shared_cloud()
        self.vnfsnap = self.useFixture(
            keystone_vnfsnap.KeystoneVnfsnap(self.cloud))
        self.api = {p: keystone_vnfsnap.Api(self.vnfsnap.session(p))
                    for p in self.vnfsnap.users}
        self.hook = notify_endpoint.Endpoint()
        self.addCleanup(self.hook.stop)
        self.addDetail('setup-seconds', _text(time.monotonic() - started))

    # --- helpers --------------------------------------------------------

    def assertProblem(self, status, resp):
        self.assertEqual(status, resp.status_code, resp.text)
        self.assertEqual(PROBLEM, resp.headers['Content-Type'].split(';')[0])
        self.assertEqual(status, resp.json()['status'])
        return resp.json()

    def objects(self, persona, name):
        """One object of every kind, owned by ``persona``'s project."""
        api = self.api[persona]
        resp = api.post(INSTANCES, json=dict(
            base.registration([name], 'VNFSNAP.LIBVIRT.V_1'),
            vnfInstanceName=name))
        self.assertEqual(201, resp.status_code, resp.text)
        inst = resp.json()['id']
        # A MODIFY_INFO occurrence: the conductor runs it, no VIM needed.
        resp = api.patch('%s/%s' % (INSTANCES, inst),
                         {'vnfInstanceDescription': 'modified'})
        self.assertEqual(202, resp.status_code, resp.text)
        op = resp.headers['Location'].rsplit('/', 1)[1]
        api.wait('%s/%s' % (OPS, op),
                 lambda o: o['operationState'] == 'COMPLETED')
        resp = api.post(SNAPSHOTS, json={})
        self.assertEqual(201, resp.status_code, resp.text)
        snapshot = resp.json()['id']
        resp = api.post(PKGM, json={'name': name})
        self.assertEqual(201, resp.status_code, resp.text)
        package = resp.json()['id']
        resp = api.post(SUBSCRIPTIONS, json={
            'callbackUri': '%s/%s' % (self.hook.url, name)})
        self.assertEqual(201, resp.status_code, resp.text)
        return {'instance': inst, 'op': op, 'snapshot': snapshot,
                'package': package, 'subscription': resp.json()['id']}

    def listed(self, persona, kind, filter_=None):
        path = COLLECTIONS[kind]
        if filter_:
            path += '?filter=' + urllib.parse.quote(filter_)
        resp = self.api[persona].get(path)
        self.assertEqual(200, resp.status_code, resp.text)
        return {o['id'] for o in resp.json()}

    # --- tests ----------------------------------------------------------

    def test_projects_see_only_their_own_objects(self):
        mine = self.objects('member_a', 'vnf-a')
        theirs = self.objects('member_b', 'vnf-b')
        for kind, path in COLLECTIONS.items():
            self.assertEqual({mine[kind]}, self.listed('member_a', kind))
            self.assertEqual({theirs[kind]}, self.listed('member_b', kind))
            # Not by id, nor by filter: the other project's objects do not
            # exist, and look exactly like an id nobody has.
            self.assertEqual(set(), self.listed(
                'member_a', kind, '(eq,id,%s)' % theirs[kind]))
            guessed = uuidutils.generate_uuid()
            for other in (theirs[kind], guessed):
                problem = self.assertProblem(
                    404, self.api['member_a'].get('%s/%s' % (path, other)))
                self.assertEqual('Not Found', problem['title'])
                if kind != 'op':    # occurrences have no DELETE (405)
                    self.assertEqual(404, self.api['member_a'].delete(
                        '%s/%s' % (path, other)).status_code)
        self.assertEqual(set(), self.listed(
            'member_a', 'op', '(eq,vnfInstanceId,%s)' % theirs['instance']))
        self.assertEqual({mine['op']}, self.listed(
            'member_a', 'op', '(eq,vnfInstanceId,%s)' % mine['instance']))

        # Nor through the other's objects: the tasks of an instance, the
        # snapshot a task names, the instance an extraction names.
        api = self.api['member_a']
        for sub in ('snapshot_descriptor', 'snapshot_notifications',
                    'vim_capabilities'):
            self.assertProblem(404, api.get('%s/%s/%s' % (
                INSTANCES, theirs['instance'], sub)))
        self.assertProblem(404, api.patch('%s/%s' % (
            INSTANCES, theirs['instance']), {'vnfInstanceName': 'mine'}))
        self.assertProblem(404, api.post('%s/%s/create_snapshot' % (
            INSTANCES, theirs['instance']),
            json={'vnfSnapshotInfoId': mine['snapshot']}))
        problem = self.assertProblem(422, api.post(
            '%s/%s/create_snapshot' % (INSTANCES, mine['instance']),
            json={'vnfSnapshotInfoId': theirs['snapshot']}))
        self.assertIn(theirs['snapshot'], problem['detail'])
        self.assertProblem(404, api.post('%s/%s/retry' % (OPS, theirs['op'])))
        self.assertProblem(404, api.get('%s/%s/package_content' % (
            PKGM, theirs['package']), headers={'Accept': 'application/zip'}))
        self.assertProblem(404, api.post(
            '%s/%s/package_content/build' % (PKGM, theirs['package']),
            json={'vnfSnapshotInfoId': mine['snapshot']}))
        # Everything of B's is still there, unchanged, for B.
        for kind in COLLECTIONS:
            self.assertEqual({theirs[kind]}, self.listed('member_b', kind))
        b_inst = self.api['member_b'].get(
            '%s/%s' % (INSTANCES, theirs['instance'])).json()
        self.assertEqual('vnf-b', b_inst['vnfInstanceName'])

    def test_reader_reads_but_never_writes(self):
        objs = self.objects('member_a', 'vnf-a')
        reader = self.api['reader_a']
        for kind, path in COLLECTIONS.items():
            self.assertEqual({objs[kind]}, self.listed('reader_a', kind))
            resp = reader.get('%s/%s' % (path, objs[kind]))
            self.assertEqual(200, resp.status_code, resp.text)
        inst = '%s/%s' % (INSTANCES, objs['instance'])
        for sub in ('snapshot_descriptor', 'snapshot_notifications'):
            self.assertEqual(200, reader.get(inst + '/' + sub).status_code)
        before = {kind: reader.get('%s/%s' % (path, objs[kind])).json()
                  for kind, path in COLLECTIONS.items()}

        snap = '%s/%s' % (SNAPSHOTS, objs['snapshot'])
        pkg = '%s/%s' % (PKGM, objs['package'])
        op = '%s/%s' % (OPS, objs['op'])
        info = {'vnfSnapshotInfoId': objs['snapshot']}
        writes = [
            ('POST', INSTANCES, base.registration(['x'])),
            ('PATCH', inst, {'vnfInstanceName': 'x'}),
            ('DELETE', inst, None),
            ('PUT', inst + '/snapshot_descriptor', {}),
            ('PUT', inst + '/snapshot_notifications',
             {'callbackUri': self.hook.url + '/x'}),
            ('DELETE', inst + '/snapshot_notifications', None),
            ('POST', inst + '/create_snapshot', info),
            ('POST', inst + '/revert_to_snapshot', info),
            ('POST', SNAPSHOTS, {}),
            ('PATCH', snap, {'vnfSnapshotPkgId': 'x'}),
            ('DELETE', snap, None),
            ('POST', op + '/retry', None),
            ('POST', op + '/rollback', None),
            ('POST', op + '/fail', None),
            ('POST', op + '/cancel', {'cancelMode': 'FORCEFUL'}),
            ('POST', SUBSCRIPTIONS, {'callbackUri': self.hook.url + '/x'}),
            ('DELETE', '%s/%s' % (SUBSCRIPTIONS, objs['subscription']),
             None),
            ('POST', PKGM, {'name': 'x'}),
            ('PATCH', pkg, {'name': 'x'}),
            ('DELETE', pkg, None),
            ('PUT', pkg + '/package_content', b'PK\x05\x06' + b'\0' * 18),
            ('POST', pkg + '/package_content/upload_from_uri',
             {'addressInformation': self.hook.url + '/x.zip'}),
            ('POST', pkg + '/package_content/build', info),
            ('POST', pkg + '/package_content/extract',
             {'vnfInstanceId': objs['instance']}),
            ('POST', pkg + '/package_content/cancel', {}),
            ('PUT', pkg + '/ext_artifacts_access', {'artifact': []}),
        ]
        for method, path, body in writes:
            kwargs = {}
            if isinstance(body, bytes):
                kwargs = {'data': body,
                          'headers': {'Content-Type': 'application/zip'}}
            elif method == 'PATCH':
                kwargs = {'data': json.dumps(body), 'headers': {
                    'Content-Type': 'application/merge-patch+json'}}
            elif body is not None:
                kwargs = {'json': body}
            resp = reader.request(method, path, **kwargs)
            self.assertEqual(403, resp.status_code,
                             '%s %s: %s' % (method, path, resp.text))
            self.assertProblem(403, resp)
        after = {kind: reader.get('%s/%s' % (path, objs[kind])).json()
                 for kind, path in COLLECTIONS.items()}
        self.assertEqual(before, after)
        # The reader's subscription and notification endpoint were refused
        # before any request to them.
        self.assertEqual([], [p for p, _, _ in self.hook.received
                              if p.startswith('/x')])

    def test_admin_sees_every_project(self):
        a = self.objects('member_a', 'vnf-a')
        b = self.objects('member_b', 'vnf-b')
        admin = self.api['admin']
        for kind, path in COLLECTIONS.items():
            self.assertLessEqual({a[kind], b[kind]},
                                 self.listed('admin', kind))
            for obj in (a, b):
                resp = admin.get('%s/%s' % (path, obj[kind]))
                self.assertEqual(200, resp.status_code, resp.text)
        # An administrator acts on a project's objects for it: what the
        # task makes belongs to that project.
        resp = admin.patch('%s/%s' % (INSTANCES, b['instance']),
                           {'vnfInstanceName': 'renamed'})
        self.assertEqual(202, resp.status_code, resp.text)
        op = resp.headers['Location'].rsplit('/', 1)[1]
        done = self.api['member_b'].wait(
            '%s/%s' % (OPS, op), lambda o: o['operationState'] == 'COMPLETED')
        self.assertEqual(b['instance'], done['vnfInstanceId'])
        self.assertEqual('renamed', self.api['member_b'].get(
            '%s/%s' % (INSTANCES, b['instance'])).json()['vnfInstanceName'])
        self.assertProblem(404, self.api['member_a'].get(
            '%s/%s' % (OPS, op)))
        # What an administrator creates is its own project's.
        resp = admin.post(SNAPSHOTS, json={})
        self.assertEqual(201, resp.status_code, resp.text)
        self.assertNotIn(resp.json()['id'], self.listed('member_b',
                                                        'snapshot'))
        self.assertEqual(204, admin.delete(
            '%s/%s' % (SNAPSHOTS, resp.json()['id'])).status_code)
        # ... and it cannot mix projects in one request.
        problem = self.assertProblem(422, admin.post(
            '%s/%s/create_snapshot' % (INSTANCES, b['instance']),
            json={'vnfSnapshotInfoId': a['snapshot']}))
        self.assertIn(a['snapshot'], problem['detail'])
        self.assertEqual(204, admin.delete(
            '%s/%s' % (SUBSCRIPTIONS, a['subscription'])).status_code)
        self.assertEqual(set(), self.listed('member_a', 'subscription'))

    def test_bad_tokens_are_refused_and_no_secret_is_logged(self):
        url = self.vnfsnap.url + INSTANCES
        member = self.vnfsnap.users['member_a']
        sess = self.vnfsnap.session('member_a')
        tokens = [sess.get_token()]
        self.assertEqual(200, keystone_vnfsnap.Api(sess).get(
            INSTANCES).status_code)

        # An application credential that expires in a few seconds: the
        # tokens it gets expire with it.
        expires = (datetime.datetime.now(datetime.timezone.utc)
                   + datetime.timedelta(seconds=15))
        cred = self.cloud.api('identity', 'POST',
                              '/users/%s/application_credentials'
                              % member['id'], sess=sess, json={
                                  'application_credential': {
                                      'name': 'short-lived',
                                      'expires_at': expires.strftime(
                                          '%Y-%m-%dT%H:%M:%S')}}
                              ).json()['application_credential']
        short = self.cloud.api('identity', 'POST', '/auth/tokens', json={
            'auth': {'identity': {
                'methods': ['application_credential'],
                'application_credential': {
                    'id': cred['id'], 'secret': cred['secret']}}}})
        expiring = short.headers['X-Subject-Token']
        tokens.append(expiring)
        self.vnfsnap.secrets.append(cred['secret'])
        expiring_api = keystone_vnfsnap.Api(ks_session.Session(
            auth=token_endpoint.Token(self.vnfsnap.url, expiring)))
        self.assertEqual(200, expiring_api.get(INSTANCES).status_code)

        # A forged token: the shape of a Fernet token, no key behind it.
        forged = 'gAAAAAB' + uuidutils.generate_uuid().replace('-', '') * 5
        tokens.append(forged)
        refusals = [(None, None), ('forged', forged)]
        for what, token in refusals:
            headers = {'Version': '2.0.0'}
            if token:
                headers['X-Auth-Token'] = token
            resp = requests.get(url, headers=headers, timeout=30)
            problem = self.assertProblem(401, resp)
            self.assertIn('Keystone uri=', resp.headers['WWW-Authenticate'])
            self.assertNotIn(forged, resp.text, what)
            self.assertEqual('Unauthorized', problem['title'])

        deadline = expires + datetime.timedelta(seconds=2)
        while datetime.datetime.now(datetime.timezone.utc) < deadline:
            time.sleep(0.5)
        resp = expiring_api.get(INSTANCES)
        self.assertProblem(401, resp)
        self.assertNotIn(expiring, resp.text)

        # Every token and password used against vnfsnap, its own service
        # password included, is absent from its debug log.
        for p in self.api:
            tokens.append(self.api[p].session.get_token())
        log = self.vnfsnap.log_text()
        self.assertIn('DEBUG', log)
        self.assertIn('keystonemiddleware', log)
        for secret in tokens + self.vnfsnap.secrets:
            self.assertNotIn(secret, log)


def _text(value):
    return content.text_content(str(round(value, 1)))
