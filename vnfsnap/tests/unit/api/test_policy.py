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

"""Policy enforcement and project isolation."""

import io
import os
import re
import subprocess
import sys

import fixtures
from oslo_config import cfg
from oslo_policy import generator
from oslo_policy import policy as oslo_policy

from vnfsnap import policies
from vnfsnap import store
from vnfsnap.api import app
from vnfsnap.common import context
from vnfsnap.common import exception
from vnfsnap.common import policy
from vnfsnap.common import states
from vnfsnap.db import api as db_api
from vnfsnap.tests import base
from vnfsnap.tests.fixtures import fake_vim
from vnfsnap.tests.fixtures import snapshots

V2 = '/vnflcm/v2'
PKGM = '/vnfsnapshotpkgm/v1'
VNFSNAP = '/vnfsnap/v1'
READ_RULES = {
    'vnfsnap:vnf_instance:get_all', 'vnfsnap:vnf_instance:get',
    'vnfsnap:vnf_instance:get_vim_capabilities',
    'vnfsnap:vnf_instance:get_snapshot_descriptor',
    'vnfsnap:vnf_instance:get_snapshot_notifications',
    'vnfsnap:subscription:get_all', 'vnfsnap:subscription:get',
    'vnfsnap:vnf_snapshot:get_all', 'vnfsnap:vnf_snapshot:get',
    'vnfsnap:vnf_snapshot:get_vnf_state_snapshot',
    'vnfsnap:vnf_lcm_op_occ:get_all', 'vnfsnap:vnf_lcm_op_occ:get',
    'vnfsnap:vnf_snapshot_package:get_all',
    'vnfsnap:vnf_snapshot_package:get',
    'vnfsnap:vnf_snapshot_package:get_content',
    'vnfsnap:vnf_snapshot_package:get_ext_artifacts_access',
    'vnfsnap:vnf_snapshot_package:get_artifact',
    'vnfsnap:online_test:get_all', 'vnfsnap:online_test:get',
}
# Administrators only: the conductors serve every project.
ADMIN_RULES = {'vnfsnap:conductor:get_all', 'vnfsnap:conductor:get'}
# Checked after the operation's own rule, and only when a grant is decided
# locally ([grant]mode policy): a reader is refused by the first one.
GRANT_RULES = {'vnfsnap:vnf_instance:grant_create_snapshot':
               'vnfsnap:vnf_instance:create_snapshot',
               'vnfsnap:vnf_instance:grant_revert_to_snapshot':
               'vnfsnap:vnf_instance:revert_to_snapshot'}


def api_rules():
    return [r for r in policies.list_rules() if r.name.startswith('vnfsnap:')]


def ctx(roles, project='p1', **kw):
    return context.RequestContext(user_id='u', project_id=project,
                                  roles=list(roles), overwrite=False, **kw)


class TestRules(base.TestCase):

    def test_names_are_unique(self):
        names = [r.name for r in policies.list_rules()]
        self.assertEqual(len(names), len(set(names)))

    def test_api_rules_are_documented(self):
        rules = api_rules()
        self.assertEqual(49, len(rules))
        for rule in rules:
            with self.subTest(rule=rule.name):
                self.assertIsInstance(rule, oslo_policy.DocumentedRuleDefault)
                self.assertTrue(rule.description)
                self.assertTrue(rule.operations)
                self.assertEqual(['project'], rule.scope_types)
                for op in rule.operations:
                    self.assertIn(op['method'],
                                  ('GET', 'POST', 'PUT', 'PATCH', 'DELETE'))
                    self.assertTrue(op['path'].startswith(
                        (V2 + '/', PKGM + '/', VNFSNAP + '/')))

    def test_every_rule_is_used_and_every_use_is_registered(self):
        used = set()
        root = os.path.join(os.path.dirname(policies.__file__), os.pardir,
                            'api', 'controllers')
        for name in os.listdir(root):
            if name.endswith('.py'):
                with open(os.path.join(root, name)) as f:
                    text = f.read()
                used |= set(re.findall(r"authorize\(\s*'([^'%]+)'\)",
                                       text))
                used |= {'vnfsnap:vnf_lcm_op_occ:%s' % t for t in re.findall(
                    r"TASK = '(\w+)'", text)}
        self.assertEqual({r.name for r in api_rules()}, used)

    def test_sample_generator(self):
        out = os.path.join(self.useFixture(fixtures.TempDir()).path,
                           'policy.yaml')
        generator.generate_sample(args=['--namespace', 'vnfsnap',
                                        '--output-file', out],
                                  conf=cfg.ConfigOpts())
        with open(out) as f:
            text = f.read()
        for rule in policies.list_rules():
            self.assertIn('"%s"' % rule.name, text)
        self.assertIn('# POST  /vnflcm/v2/vnf_lcm_op_occs/{vnfLcmOpOccId}'
                      '/rollback', text)

    def test_dashboard_policy_files_are_current(self):
        # Horizon hides the buttons these rules refuse; its copies are
        # generated (tox -e genpolicy) and must not lag the policy-in-code.
        # The commands tox runs, each in a process of its own: they read
        # cfg.CONF.
        root = os.path.dirname(os.path.dirname(os.path.dirname(
            os.path.abspath(policies.__file__))))
        conf = os.path.join(root, 'dashboard', 'vnfsnap_dashboard', 'conf')
        tmp = self.useFixture(fixtures.TempDir()).path
        bin_dir = os.path.dirname(sys.executable)
        commands = {
            'vnfsnap_policy.yaml': [
                os.path.join(bin_dir, 'oslopolicy-policy-generator'),
                '--namespace', 'vnfsnap', '--output-file'],
            os.path.join('default_policies', 'vnfsnap.yaml'): [
                sys.executable,
                os.path.join(root, 'tools', 'horizon-default-policies.py')],
        }
        for name, command in commands.items():
            out = os.path.join(tmp, os.path.basename(name))
            subprocess.run(command + [out], check=True, capture_output=True,
                           timeout=120)
            with open(out) as f, open(os.path.join(conf, name)) as g:
                self.assertEqual(f.read(), g.read(), 'run "tox -e genpolicy"'
                                 ' and commit %s' % name)

    def test_enforcer_entry_point(self):
        enforcer = policy.get_enforcer()
        self.assertIs(enforcer, policy.get_enforcer())
        enforcer.load_rules()
        for rule in policies.list_rules():
            self.assertIn(rule.name, enforcer.rules)


class TestAuthorize(base.TestCase):

    def allowed(self, rule, creds, target=None):
        try:
            policy.authorize(rule, creds, target)
        except exception.Forbidden:
            return False
        return True

    def test_reader_may_look_only(self):
        reader = ctx(['reader'])
        for rule in api_rules():
            with self.subTest(rule=rule.name):
                self.assertEqual(rule.name in READ_RULES,
                                 self.allowed(rule.name, reader))

    def test_member_may_act(self):
        member = ctx(['member'])
        for rule in api_rules():
            with self.subTest(rule=rule.name):
                self.assertEqual(rule.name not in READ_RULES | ADMIN_RULES,
                                 self.allowed(rule.name, member))
        both = ctx(['member', 'reader'])
        for rule in api_rules():
            self.assertEqual(rule.name not in ADMIN_RULES,
                             self.allowed(rule.name, both), rule.name)

    def test_admin_may_do_both(self):
        admin = ctx(['admin'])
        for rule in api_rules():
            with self.subTest(rule=rule.name):
                self.assertTrue(self.allowed(rule.name, admin))
                self.assertTrue(self.allowed(rule.name, admin,
                                             {'project_id': 'p2'}))

    def test_no_role(self):
        nobody = ctx([])
        for rule in api_rules():
            self.assertFalse(self.allowed(rule.name, nobody), rule.name)
        for roles in (['observer'], ['Member'], ['reader-ish']):
            self.assertFalse(self.allowed('vnfsnap:vnf_instance:get',
                                          ctx(roles)), roles)

    def test_other_project(self):
        target = {'project_id': 'p2'}
        for roles in (['reader'], ['member'], ['member', 'reader']):
            with self.subTest(roles=roles):
                self.assertFalse(self.allowed('vnfsnap:vnf_instance:get',
                                              ctx(roles), target))
                self.assertFalse(self.allowed('vnfsnap:vnf_instance:create',
                                              ctx(roles), target))

    def test_target_defaults_to_own_project(self):
        self.assertTrue(self.allowed('vnfsnap:vnf_snapshot:create',
                                     ctx(['member'], project='p9')))

    def test_forbidden_names_the_rule(self):
        e = self.assertRaises(exception.Forbidden, policy.authorize,
                              'vnfsnap:vnf_instance:delete', ctx(['reader']))
        self.assertEqual(403, e.code)
        self.assertIn('vnfsnap:vnf_instance:delete', e.message)

    def test_unregistered_rule_is_an_error(self):
        self.assertRaises(oslo_policy.PolicyNotRegistered, policy.authorize,
                          'vnfsnap:nothing', ctx(['admin']))

    def test_noauth_context(self):
        noauth = context.noauth_context({'HTTP_X_PROJECT_ID': 'p3'})
        self.assertEqual('p3', noauth.project_id)
        self.assertEqual('default', context.noauth_context({}).project_id)
        for rule in api_rules():
            self.assertTrue(self.allowed(rule.name, noauth), rule.name)


class ApiAsRole(base.ApiTestCase):
    """The API with the noauth context replaced by one with given roles."""

    def act_as(self, *roles, project='default'):
        self.useFixture(fixtures.MockPatch(
            'vnfsnap.common.context.noauth_context',
            lambda environ: ctx(roles, project=project)))

    def every_operation(self, ids):
        """(rule, method, concrete path) for each documented operation."""
        for rule in api_rules():
            for op in rule.operations:
                path = op['path']
                for name, value in ids.items():
                    path = path.replace('{%s}' % name, value)
                yield rule.name, op['method'], path


class TestApiEnforcement(ApiAsRole):

    def setUp(self):
        super().setUp()
        self.inst = self.register_vnf()
        self.info_id, op = self.take_snapshot(self.inst['id'])
        # With a VNF state snapshot, to read.
        key = store.vnf_state_key(self.info_id)
        store.get_store().put_stream(key, io.BytesIO(b'state'))
        db_api.update_vnf_snapshot_info(None, self.info_id, {
            'snapshot_vnf_state_key': key,
            'snapshot_vnf_state_snapshot_info': {'isEncrypted': False}})
        pkg = self.post(PKGM + '/vnf_snapshot_packages', {'name': 'p'})
        snapshots.make_available(self, pkg.json['id'])
        # An online test that ran (its record is enough here).
        db_api.create_op_occ(
            {'id': 'test-1', 'project_id': 'default',
             'vnf_instance_id': self.inst['id'],
             'operation': states.ONLINE_TEST, 'operation_params': {},
             'is_automatic_invocation': False, 'is_cancel_pending': False},
            online_test={'request': {}})
        db_api.transition_op_occ('test-1', (states.STARTING,),
                                 states.COMPLETED)
        self.ids = {'vnfInstanceId': self.inst['id'],
                    'onlineTestId': 'test-1',
                    'vnfSnapshotInfoId': self.info_id,
                    'vnfLcmOpOccId': op.id,
                    'vnfSnapshotPkgId': pkg.json['id'],
                    'artifactPath': 'vnfsr/record.json',
                    'subscriptionId': db_api.create_subscription({
                        'id': 'sub-1', 'project_id': 'default',
                        'callback_uri': 'http://127.0.0.1:9/x',
                        'verbosity': 'FULL'}).id,
                    'hostname': 'test-host'}

    def snapshot_of_everything(self):
        return [self.get(path).json for path in (
            V2 + '/vnf_instances?all_fields', V2 + '/vnf_snapshots?all_fields',
            V2 + '/vnf_lcm_op_occs?all_fields',
            PKGM + '/vnf_snapshot_packages?all_fields')]

    def test_reader(self):
        before = self.snapshot_of_everything()
        self.act_as('reader')
        for rule, method, path in self.every_operation(self.ids):
            with self.subTest(rule=rule, method=method, path=path):
                resp = self.request(method, path, body={})
                if rule in READ_RULES:
                    self.assertEqual(200, resp.status, resp.body[:200])
                else:
                    self.assertProblem(resp, 403)
                    self.assertIn(GRANT_RULES.get(rule, rule),
                                  resp.json['detail'])
        self.assertEqual(before, self.snapshot_of_everything())

    def test_reader_is_refused_before_the_body_is_read(self):
        self.act_as('reader')
        pkg = PKGM + '/vnf_snapshot_packages/' + self.ids['vnfSnapshotPkgId']
        for path in (V2 + '/vnf_instances', V2 + '/vnf_snapshots',
                     V2 + '/vnf_instances/%s/create_snapshot'
                     % self.inst['id'],
                     V2 + '/vnf_lcm_op_occs/%s/cancel'
                     % self.ids['vnfLcmOpOccId'],
                     V2 + '/vnf_lcm_op_occs/nope/cancel',
                     PKGM + '/vnf_snapshot_packages',
                     pkg + '/package_content/build',
                     pkg + '/package_content/extract'):
            with self.subTest(path=path):
                resp = self.post(path, raw_body=b'{',
                                 content_type='text/plain')
                self.assertProblem(resp, 403)
        for path in (pkg + '/package_content', pkg + '/ext_artifacts_access'):
            with self.subTest(path=path):
                resp = self.request('PUT', path, raw_body=b'{',
                                    content_type='application/zip')
                self.assertProblem(resp, 403)

    def test_member(self):
        # Keystone expands implied roles: a member is a reader too.
        self.act_as('member', 'reader')
        for rule, method, path in self.every_operation(self.ids):
            with self.subTest(rule=rule, method=method, path=path):
                resp = self.request(method, path, body={})
                if rule in ADMIN_RULES:
                    self.assertProblem(resp, 403)
                    continue
                self.assertNotEqual(403, resp.status, resp.body)
                self.assertNotEqual(405, resp.status, resp.body)
        resp = self.post(V2 + '/vnf_snapshots', {})
        self.assertEqual(201, resp.status, resp.body)

    def test_admin(self):
        self.act_as('admin')
        self.assertEqual(200, self.get(V2 + '/vnf_instances').status)
        for path in (VNFSNAP + '/conductors',
                     VNFSNAP + '/conductors/test-host'):
            self.assertEqual(200, self.get(path).status, path)
        resp = self.post(V2 + '/vnf_snapshots', {})
        self.assertEqual(201, resp.status, resp.body)

    def test_no_role(self):
        self.act_as()
        for rule, method, path in self.every_operation(self.ids):
            with self.subTest(rule=rule, method=method, path=path):
                self.assertProblem(self.request(method, path, body={}), 403)


def keystone_headers_app(test):
    """``test.app`` with auth_strategy=keystone, keystonemiddleware left
    out: the requests carry the X-* headers it would set."""
    test.conf.config(auth_strategy='keystone', group='api')
    test.useFixture(fixtures.MockPatch(
        'vnfsnap.api.app.auth_token.AuthProtocol',
        lambda application, conf: application))
    test.app = app.setup_app()


class TestKeystoneHeaders(base.ApiTestCase):
    """auth_strategy=keystone with keystonemiddleware's output simulated:
    the context comes from the X-* headers it sets."""

    def setUp(self):
        super().setUp()
        keystone_headers_app(self)

    def as_user(self, roles, project='p1'):
        headers = {'X-Roles': ','.join(roles), 'X-User-Id': 'u1'}
        if project:
            headers['X-Project-Id'] = project
        return headers

    def test_roles(self):
        reader = self.as_user(['reader'])
        member = self.as_user(['member', 'reader'])
        self.assertEqual(200, self.get(V2 + '/vnf_snapshots',
                                       headers=reader).status)
        self.assertProblem(self.post(V2 + '/vnf_snapshots', {},
                                     headers=reader), 403)
        resp = self.post(V2 + '/vnf_snapshots', {}, headers=member)
        self.assertEqual(201, resp.status, resp.body)
        self.assertEqual('p1', db_api.get_vnf_snapshot_info(
            None, resp.json['id']).project_id)
        listed = self.get(V2 + '/vnf_snapshots', headers=reader).json
        self.assertEqual([resp.json['id']], [i['id'] for i in listed])
        other = self.as_user(['member', 'reader'], project='p2')
        self.assertEqual([], self.get(V2 + '/vnf_snapshots',
                                      headers=other).json)
        self.assertProblem(self.get(V2 + '/vnf_snapshots/%s'
                                    % resp.json['id'], headers=other), 404)

    def test_no_project_scope(self):
        resp = self.get(V2 + '/vnf_snapshots',
                        headers=self.as_user(['admin'], project=None))
        self.assertProblem(resp, 403)

    def test_project_header_alone_is_not_trusted_as_admin(self):
        resp = self.post(V2 + '/vnf_snapshots', {},
                         headers={'X-Project-Id': 'p1'})
        self.assertProblem(resp, 403)


class TestIsolation(base.ApiTestCase):
    """Objects of project A are invisible to project B: 404, not 403."""

    def setUp(self):
        super().setUp()
        self.inst = self.register_vnf(project='A')
        self.info_id, op = self.take_snapshot(self.inst['id'], project='A')
        self.assertEqual(states.COMPLETED, op.operation_state, op.error)
        self.op_id = op.id
        self.empty_id = self.new_snapshot_info(project='A')['id']

    def everything(self, project):
        return [self.get(V2 + path, project=project).json for path in (
            '/vnf_instances?all_fields', '/vnf_snapshots?all_fields',
            '/vnf_lcm_op_occs?all_fields')]

    def test_lists_show_own_objects_only(self):
        self.assertEqual([[], [], []], self.everything('B'))
        self.assertEqual([[], [], []], self.everything(None))
        mine = self.register_vnf(project='B', prefix='b')
        lists = self.everything('B')
        self.assertEqual([[mine['id']], [], []],
                         [[o['id'] for o in objs] for objs in lists])
        lists = self.everything('A')
        self.assertEqual([[self.inst['id']], [self.info_id, self.empty_id],
                          [self.op_id]],
                         [[o['id'] for o in objs] for objs in lists])

    def test_every_resource_is_not_found_for_another_project(self):
        before = self.everything('A')
        own_info = self.new_snapshot_info(project='B')['id']
        inst, info, op = self.inst['id'], self.info_id, self.op_id
        requests = [
            ('GET', '/vnf_instances/%s' % inst, None),
            ('DELETE', '/vnf_instances/%s' % inst, None),
            ('PATCH', '/vnf_instances/%s' % inst, {'metadata': {'a': 1}}),
            ('POST', '/vnf_instances/%s/create_snapshot' % inst,
             {'vnfSnapshotInfoId': own_info}),
            ('POST', '/vnf_instances/%s/revert_to_snapshot' % inst,
             {'vnfSnapshotInfoId': own_info}),
            ('GET', '/vnf_snapshots/%s' % info, None),
            ('PATCH', '/vnf_snapshots/%s' % self.empty_id,
             {'vnfSnapshotPkgId': 'p'}),
            ('DELETE', '/vnf_snapshots/%s' % info, None),
            ('DELETE', '/vnf_snapshots/%s' % self.empty_id, None),
            ('GET', '/vnf_lcm_op_occs/%s' % op, None),
        ] + [('POST', '/vnf_lcm_op_occs/%s/%s' % (op, task),
              {'cancelMode': 'GRACEFUL'} if task == 'cancel' else None)
             for task in ('retry', 'rollback', 'fail', 'cancel')]
        for method, path, body in requests:
            with self.subTest(method=method, path=path):
                ctype = ('application/merge-patch+json' if method == 'PATCH'
                         else None)
                resp = self.request(method, V2 + path, body=body,
                                    project='B', content_type=ctype)
                self.assertProblem(resp, 404)
        self.assertEqual(before, self.everything('A'))
        self.assertEqual(2, len(db_api.list_vnf_snapshot_infos('A')))
        self.assertEqual(1, len(db_api.list_op_occs(None)))

    def test_references_to_another_projects_snapshot(self):
        mine = self.register_vnf(project='B', prefix='b')
        for task in ('create_snapshot', 'revert_to_snapshot'):
            for info in (self.info_id, self.empty_id):
                with self.subTest(task=task, info=info):
                    resp = self.post(V2 + '/vnf_instances/%s/%s'
                                     % (mine['id'], task),
                                     {'vnfSnapshotInfoId': info},
                                     project='B')
                    self.assertProblem(resp, 422)
        self.assertEqual(1, len(db_api.list_op_occs(None)))

    def test_failed_op_of_another_project(self):
        """Tasks on a FAILED_TEMP occurrence of A are 404 for B, and A can
        still act on it."""
        fake_vim.FakeVim.fail[('create', 'vm-0')] = 'broken'
        _, op = self.take_snapshot(self.inst['id'], project='A')
        self.assertEqual(states.FAILED_TEMP, op.operation_state)
        for task in ('retry', 'rollback', 'fail'):
            resp = self.post('%s/vnf_lcm_op_occs/%s/%s' % (V2, op.id, task),
                             project='B')
            self.assertProblem(resp, 404)
        resp = self.post('%s/vnf_lcm_op_occs/%s/fail' % (V2, op.id),
                         project='A')
        self.assertEqual(200, resp.status, resp.body)


class TestAdminSeesEveryProject(base.ApiTestCase):
    """SRBAC defaults: the admin role (of any project) acts on every
    project's objects; what it starts belongs to the object's project.
    Keystone auth, with keystonemiddleware's headers simulated."""

    ROLES = {'p1': 'member,reader', 'p2': 'member,reader',
             'adm': 'admin,member,reader'}

    def setUp(self):
        super().setUp()
        keystone_headers_app(self)
        self.inst = self.register_vnf(project='p1')
        self.info_id, self.op = self.take_snapshot(self.inst['id'],
                                                   project='p1')
        self.other = self.register_vnf(project='p2', prefix='b')

    def request(self, method, path, project='p1', headers=None, **kw):
        headers = dict({'X-Roles': self.ROLES[project],
                        'X-User-Id': 'user-' + project}, **(headers or {}))
        return super().request(method, path, project=project,
                               headers=headers, **kw)

    def ids(self, path, project):
        resp = self.get(V2 + path, project=project)
        self.assertEqual(200, resp.status, resp.body)
        return {o['id'] for o in resp.json}

    def test_lists_and_shows_every_project(self):
        self.assertEqual({self.inst['id'], self.other['id']},
                         self.ids('/vnf_instances', 'adm'))
        self.assertEqual({self.other['id']}, self.ids('/vnf_instances', 'p2'))
        self.assertEqual({self.info_id}, self.ids('/vnf_snapshots', 'adm'))
        self.assertEqual({self.op.id}, self.ids('/vnf_lcm_op_occs', 'adm'))
        self.assertEqual(set(), self.ids('/vnf_lcm_op_occs', 'p2'))
        for path in ('/vnf_instances/%s' % self.inst['id'],
                     '/vnf_instances/%s/vim_capabilities' % self.inst['id'],
                     '/vnf_snapshots/%s' % self.info_id,
                     '/vnf_lcm_op_occs/%s' % self.op.id):
            with self.subTest(path=path):
                self.assertEqual(200, self.get(V2 + path,
                                               project='adm').status)
                self.assertProblem(self.get(V2 + path, project='p2'), 404)

    def test_what_it_starts_belongs_to_the_project(self):
        resp = self.request('PATCH', V2 + '/vnf_instances/%s'
                            % self.inst['id'], body={'vnfInstanceName': 'x'},
                            content_type='application/merge-patch+json',
                            project='adm')
        op = self.wait_for_op(self.op_id_from(resp))
        self.assertEqual(states.COMPLETED, op.operation_state, op.error)
        self.assertEqual('p1', op.project_id)
        self.assertIn(op.id, self.ids('/vnf_lcm_op_occs', 'p1'))
        # Deleting a snapshot of another project: the conductor finds it.
        resp = self.request('DELETE', V2 + '/vnf_snapshots/%s'
                            % self.info_id, project='adm')
        self.assertEqual(204, resp.status, resp.body)
        self.assertEqual(set(), self.ids('/vnf_snapshots', 'p1'))

    def test_one_request_never_mixes_projects(self):
        own = self.new_snapshot_info(project='adm')['id']
        resp = self.post(V2 + '/vnf_instances/%s/create_snapshot'
                         % self.inst['id'], {'vnfSnapshotInfoId': own},
                         project='adm')
        self.assertProblem(resp, 422)
        self.assertIn('belong to different projects', resp.json['detail'])
        pkg = self.post(PKGM + '/vnf_snapshot_packages', {'name': 'p'},
                        project='p2').json['id']
        for action, body in (('build', {'vnfSnapshotInfoId': self.info_id}),
                             ('extract', {'vnfInstanceId': self.inst['id']})):
            with self.subTest(action=action):
                if action == 'extract':
                    snapshots.make_available(self, pkg)
                resp = self.post('%s/vnf_snapshot_packages/%s/'
                                 'package_content/%s' % (PKGM, pkg, action),
                                 body, project='adm')
                self.assertProblem(resp, 422)
                self.assertIn('belong to different projects',
                              resp.json['detail'])
        self.assertEqual({self.op.id}, {o.id for o in
                                        db_api.list_op_occs(None)})

    def test_noauth_context_stays_in_its_project(self):
        noauth = context.noauth_context({'HTTP_X_PROJECT_ID': 'p3'})
        self.assertEqual('p3', policy.project_scope(noauth))
        # Also once it crossed RPC to a conductor.
        again = context.RequestContext.from_dict(noauth.to_dict())
        self.assertEqual('p3', policy.project_scope(again))
        admin = context.RequestContext(project_id='p3', roles=['admin'],
                                       overwrite=False)
        self.assertIsNone(policy.project_scope(admin))
        self.assertIsNone(policy.project_scope(
            context.RequestContext.from_dict(admin.to_dict())))
