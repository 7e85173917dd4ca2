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

"""The real ``openstack`` command (python-openstackclient with the vnfsnap
plugin) against a real noauth vnfsnap-all-in-one: ``--os-auth-type none
--os-endpoint URL``, as an operator of the embedded service runs it.

TestCliWithGuests boots a guest of the test image (run it under the
guests' flock); the other classes need no guest.
"""

from importlib import metadata
import json
import os
import pty
import subprocess

import yaml

from vnfsnap.tests.fixtures import libvirt_services
from vnfsnap.tests.fixtures import services
from vnfsnap.tests.functional import base
from vnfsnap.tests.functional import libvirt_base
from vnfsnap_demo import guest_agent
from vnfsnap_demo import scenario

OPENSTACK = base.command('openstack')
# Seconds a command that waits for a snapshot or revert may take.
WAIT = 600


def cli_env():
    """The environment of the openstack command: none of the caller's
    OS_* settings (a developer's clouds.yaml choice, a token)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith('OS_')}
    env['OS_CLOUD'] = ''
    return env


class CliMixin:
    """Runs ``openstack ...`` against self.endpoint."""

    def openstack(self, *args, ok=True, stderr_fd=None, auth=None,
                  env=None):
        """(returncode, stdout, stderr) of ``openstack <args>``, by default
        with ``--os-auth-type none --os-endpoint <self.endpoint>``; it runs
        in self.tmp (where openstacksdk looks for a clouds.yaml first)."""
        if auth is None:
            auth = ['--os-auth-type', 'none', '--os-endpoint', self.endpoint]
        argv = [OPENSTACK] + auth + list(args)
        proc = subprocess.run(
            argv, env=dict(cli_env(), **(env or {})), cwd=self.tmp,
            stdout=subprocess.PIPE,
            stderr=stderr_fd if stderr_fd is not None else subprocess.PIPE,
            stdin=subprocess.DEVNULL, text=True, timeout=WAIT)
        if ok:
            self.assertEqual(0, proc.returncode,
                             '%s\nstdout: %s\nstderr: %s'
                             % (argv, proc.stdout, proc.stderr))
        return proc.returncode, proc.stdout, proc.stderr

    def json_of(self, *args):
        """The parsed stdout of ``openstack <args> -f json``; the whole
        output must be one JSON document."""
        _, out, _ = self.openstack(*(args + ('-f', 'json')))
        return json.loads(out)

    def write_yaml(self, name, document):
        path = os.path.join(self.tmp, name)
        with open(path, 'w') as f:
            yaml.safe_dump(document, f)
        return path


class TestCliWithGuests(CliMixin, libvirt_base.GuestsTestCase):

    GUESTS = 1

    def test_register_snapshot_list_revert(self):
        self.start_service()
        self.endpoint = 'http://127.0.0.1:%d' % self.port
        body = scenario.Demo(self.GUESTS).registration(self.created)
        body.pop('vnfInstanceName')
        reg = self.write_yaml('reg.yaml', body)
        inst = self.json_of('vnf', 'instance', 'register', '--file', reg,
                            '--name', 'cli-vnf', '--description', 'by CLI')
        self.assertEqual(('cli-vnf', 'by CLI', 'INSTANTIATED'), (
            inst['vnfInstanceName'], inst['vnfInstanceDescription'],
            inst['instantiationState']))

        self.mark('before')
        code, out, err = self.openstack(
            'vnf', 'snapshot', 'create', 'cli-vnf', '--name', 'before',
            '--description', 'known good', '--wait', '-f', 'json')
        # Clean: stdout is exactly one JSON document and, without a
        # terminal, nothing else is written.
        snap = json.loads(out)
        self.assertEqual('', err)
        self.assertEqual(inst['id'], snap['vnfSnapshot']['vnfInstanceId'])
        self.assertEqual({'name': 'before', 'description': 'known good'},
                         snap['vnfSnapshot']['userDefinedData'])
        self.assertEqual(self.GUESTS,
                         len(snap['vnfSnapshot']['vnfcSnapshots']))
        op = self.json_of('vnf', 'operation', 'show', snap['vnfLcmOpOccId'])
        self.assertEqual(('CREATE_SNAPSHOT', 'COMPLETED'),
                         (op['operation'], op['operationState']))

        self.mark('after')
        revert = self.json_of('vnf', 'snapshot', 'revert', snap['id'],
                              '--wait')
        self.assertEqual(('REVERT_TO_SNAPSHOT', 'COMPLETED'),
                         (revert['operation'], revert['operationState']))
        # A disk-only snapshot: the guest booted again.
        for dom in self.doms.values():
            guest_agent.wait_for_agent(dom, timeout=120)
        self.assertEqual({n: 'before' for n in self.doms}, self.markers())

        self.check_lists(inst['id'], snap['id'])
        self.check_progress_on_a_terminal()
        self.check_tackerclient_reads_the_same_instance(inst['id'])

    def check_lists(self, inst_id, snap_id):
        rows = self.json_of('vnf', 'snapshot', 'list', '--instance',
                            'cli-vnf')
        self.assertEqual([{'ID': snap_id, 'VNF Instance': inst_id,
                           'Name': 'before'}],
                         [{k: r[k] for k in ('ID', 'VNF Instance', 'Name')}
                          for r in rows])
        self.assertEqual([], self.json_of('vnf', 'snapshot', 'list',
                                          '--name', 'after'))
        self.assertEqual([snap_id], [r['ID'] for r in self.json_of(
            'vnf', 'snapshot', 'list', '--filter',
            '(eq,vnfSnapshot/userDefinedData/description,known good)')])
        _, out, _ = self.openstack('vnf', 'operation', 'list', '--instance',
                                   inst_id, '--operation',
                                   'REVERT_TO_SNAPSHOT', '-f', 'value',
                                   '-c', 'Operation', '-c', 'State')
        self.assertEqual('REVERT_TO_SNAPSHOT COMPLETED\n', out)
        _, out, _ = self.openstack('vnf', 'instance', 'list', '-f', 'csv',
                                   '-c', 'Name', '--state', 'INSTANTIATED')
        self.assertEqual('"Name"\n"cli-vnf"\n', out)

    def check_progress_on_a_terminal(self):
        """With a terminal on stderr, --wait shows the operation's states
        there; stdout still holds only the table."""
        master, slave = pty.openpty()
        try:
            _, out, _ = self.openstack(
                'vnf', 'snapshot', 'create', 'cli-vnf', '--name', 'tty',
                '--wait', '-c', 'id', '-c', 'vnfLcmOpOccId',
                stderr_fd=slave)
            os.close(slave)
            slave = None
            shown = b''
            while True:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                shown += chunk
        finally:
            if slave is not None:
                os.close(slave)
            os.close(master)
        self.assertIn(b'\rCREATE_SNAPSHOT ', shown)
        self.assertIn(b'COMPLETED', shown)
        self.assertIn('vnfLcmOpOccId', out)
        self.assertNotIn('CREATE_SNAPSHOT', out)

    def check_tackerclient_reads_the_same_instance(self, inst_id):
        """python-tackerclient's own SOL003 commands, installed beside the
        plugin, still work against vnfsnap."""
        _, out, _ = self.openstack('vnflcm', 'list',
                                   '--os-tacker-api-version', '2',
                                   '-f', 'json')
        self.assertIn(inst_id, [i['ID'] for i in json.loads(out)])


class TestCliFailures(CliMixin, base.FunctionalTestCase):
    """What the command says when vnfsnap refuses or an operation fails;
    the VNF's VNFC is a libvirt domain that does not exist, so the
    snapshot really fails in the libvirt driver."""

    def setUp(self):
        super().setUp()
        # The failure must come from libvirt itself (no such domain), not
        # from a libvirtd that happens not to run.
        libvirt_services.require_libvirt()
        self.useFixture(libvirt_services.LibvirtDaemons())
        port = services.free_port()
        conf = base.write_config(os.path.join(self.tmp, 'v.conf'), {
            'DEFAULT': {'state_path': os.path.join(self.tmp, 'state'),
                        'host': 'functional'},
            'api': {'port': port},
        })
        self.start([base.command('vnfsnap-all-in-one'), '--config-file',
                    conf], port=port, name='vnfsnap-all-in-one')
        self.endpoint = 'http://127.0.0.1:%d' % port

    def register_absent_domain(self):
        body = scenario.Demo(1).registration([])
        body['instantiatedVnfInfo'] = {
            'flavourId': 'default', 'vnfState': 'STARTED',
            'vnfcResourceInfo': [{
                'id': 'vnfc-0', 'vduId': 'vdu',
                'computeResource': {
                    'vimConnectionId': 'local',
                    'resourceId': 'vnfsnap-ft-cli-absent',
                    'vimLevelResourceType': 'libvirt.Domain'}}]}
        return self.json_of('vnf', 'instance', 'register', '--file',
                            self.write_yaml('reg.yaml', body),
                            '--name', 'absent')['id']

    def test_a_failed_snapshot_exits_non_zero_with_the_detail(self):
        inst = self.register_absent_domain()
        code, out, err = self.openstack('vnf', 'snapshot', 'create', inst,
                                        '--wait', '-f', 'json', ok=False)
        self.assertEqual(1, code)
        self.assertEqual('', out)
        self.assertIn('FAILED_TEMP', err)
        self.assertIn('vnfsnap-ft-cli-absent', err)
        self.assertIn('openstack vnf operation retry|rollback|fail', err)
        ops = self.json_of('vnf', 'operation', 'list', '--state',
                           'FAILED_TEMP')
        self.assertEqual(1, len(ops))
        # The instance stays held until the operation is settled.
        code, _, err = self.openstack('vnf', 'snapshot', 'create', inst,
                                      ok=False)
        self.assertEqual(1, code)
        self.assertIn('HTTP 409', err)
        rolled = self.json_of('vnf', 'operation', 'rollback', ops[0]['ID'],
                              '--wait')
        self.assertEqual('ROLLED_BACK', rolled['operationState'])

    def test_the_endpoint_override_three_ways(self):
        """--os-vnfsnap-endpoint-override, OS_VNFSNAP_ENDPOINT_OVERRIDE and
        clouds.yaml's vnfsnap_endpoint_override win over the endpoint of
        the authentication (here one where nothing listens)."""
        self.register_absent_domain()
        nowhere = ['--os-auth-type', 'none', '--os-endpoint',
                   'http://127.0.0.1:9']
        listed = ('vnf', 'instance', 'list', '-f', 'value', '-c', 'Name')
        code, _, err = self.openstack(*listed, auth=nowhere, ok=False)
        self.assertEqual(1, code, err)
        _, out, _ = self.openstack(
            *listed, auth=nowhere + ['--os-vnfsnap-endpoint-override',
                                     self.endpoint])
        self.assertEqual('absent\n', out)
        _, out, _ = self.openstack(
            *listed, auth=nowhere,
            env={'OS_VNFSNAP_ENDPOINT_OVERRIDE': self.endpoint})
        self.assertEqual('absent\n', out)
        self.write_yaml('clouds.yaml', {'clouds': {'aio': {
            'auth_type': 'none', 'auth': {'endpoint': 'http://127.0.0.1:9'},
            'vnfsnap_endpoint_override': self.endpoint}}})
        _, out, _ = self.openstack(*listed, auth=['--os-cloud', 'aio'])
        self.assertEqual('absent\n', out)

    def test_a_refused_request_exits_non_zero_with_the_detail(self):
        bad = self.write_yaml('bad.yaml', {'vnfInstanceName': 'no-vnfd'})
        code, out, err = self.openstack('vnf', 'instance', 'register',
                                        '--file', bad, ok=False)
        self.assertEqual(1, code)
        self.assertEqual('', out)
        self.assertIn('vnfdId', err)
        self.assertIn('HTTP 400', err)
        self.assertEqual([], self.json_of('vnf', 'instance', 'list'))


def plugin_commands():
    return {ep.name for ep in metadata.entry_points(
        group='openstack.vnfsnap.v1')}


class TestCommandNames(CliMixin, base.FunctionalTestCase):
    """The plugin's commands as the openstack command lists them; none
    needs the service (the endpoint given answers nothing)."""

    endpoint = 'http://127.0.0.1:9'

    def test_every_command_has_help_and_completion(self):
        _, completion, _ = self.openstack('complete')
        words = {}
        for line in completion.splitlines():
            name, sep, value = line.strip().partition('=')
            if sep and name.startswith('cmds_'):
                words[name[len('cmds_'):]] = value.strip("'").split()
        for cmd in sorted(plugin_commands()):
            _, out, _ = self.openstack(*(cmd.split('_') + ['--help']))
            self.assertIn('usage: openstack ' + cmd.replace('_', ' '), out)
            group, _, last = cmd.rpartition('_')
            self.assertIn(last, words.get(group, ()), cmd)

    def test_no_command_name_is_tackerclients(self):
        eps = metadata.entry_points()
        tacker_plugin = [ep for ep in eps.select(
            group='openstack.cli.extension') if ep.name == 'tackerclient']
        self.assertEqual(1, len(tacker_plugin),
                         'python-tackerclient is not installed')
        tacker = {ep.name for group in eps.groups
                  if group.startswith('openstack.')
                  for ep in eps.select(group=group)
                  if ep.value.startswith('tackerclient.')}
        self.assertIn('vnflcm_list', tacker)
        self.assertGreater(len(plugin_commands()), 20)
        self.assertEqual(set(), plugin_commands() & tacker)
