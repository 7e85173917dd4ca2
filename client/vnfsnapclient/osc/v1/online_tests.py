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

"""``openstack vnf online test start|list|show|abort``: guarded online
tests of a VNF (vnfsnap extension, GR NFV-TST 005 clause 4.1.1)."""

from osc_lib import exceptions as osc_exceptions
from osc_lib.command import command

from vnfsnapclient.osc import common

LIST_COLUMNS = (
    ('ID', 'id'),
    ('State', 'operationState'),
    ('Phase', 'phase'),
    ('Verdict', 'verdict'),
    ('Recovery Time', 'recoveryTime'),
    ('Start Time', 'startTime'),
)
STATES = ('STARTING', 'PROCESSING', 'COMPLETED', 'FAILED_TEMP', 'FAILED',
          'ROLLING_BACK', 'ROLLED_BACK')
# Probe rounds can be many: shown with -c probeRounds or -f json/yaml.
HIDDEN = ('probeRounds',)


def _add_test_arguments(parser):
    parser.add_argument('instance', metavar='<vnf-instance>',
                        help='VNF instance (name or ID).')
    parser.add_argument('test', metavar='<online-test-id>',
                        help='ID of the online test.')


def _show(client, instance_id, test_id, parsed_args):
    """The test, once it ended with --wait (its operation occurrence
    ends COMPLETED when judged, ROLLED_BACK when undone)."""
    if getattr(parsed_args, 'wait', False):
        common.wait_for_op_occ(client, test_id, parsed_args,
                               accept=('ROLLED_BACK',))
    test = client.online_tests.get(instance_id, test_id)
    hidden = () if parsed_args.columns else HIDDEN
    return common.show_item(test, hidden=hidden)


class StartOnlineTest(command.ShowOne):
    """Start a guarded online test: probe the VNF, snapshot it, inject the
    fault, probe it for the expected recovery time and judge it; on FAIL
    keep the failed state, revert the VNF and package the failed state."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('instance', metavar='<vnf-instance>',
                            help='VNF instance to test (name or ID).')
        parser.add_argument(
            '--request', metavar='<file>', required=True,
            help='The test as the API takes it (probes, fault, '
                 'expectedRecoveryTime...; JSON or YAML; "-" for stdin); '
                 'see the user guide\'s "Online tests" page.')
        parser.add_argument(
            '--recovery-time', metavar='<seconds>', type=int,
            help='Override expectedRecoveryTime: the seconds the VNF has '
                 'to recover after the fault.')
        parser.add_argument(
            '--with-memory', action='store_true', default=None,
            help='Take the VNFCs\' memory in the pre-test snapshot.')
        parser.add_argument(
            '--on-pass', choices=['keep', 'delete'],
            help='On PASS, keep or delete the pre-test snapshot (default: '
                 'keep).')
        common.add_wait_arguments(parser, 'the test')
        return parser

    def take_action(self, parsed_args):
        client = common.client_of(self)
        request = common.load_document(parsed_args.request, 'test request')
        if parsed_args.recovery_time is not None:
            request['expectedRecoveryTime'] = parsed_args.recovery_time
        if parsed_args.with_memory:
            request['withMemory'] = True
        if parsed_args.on_pass:
            request['onPass'] = dict(request.get('onPass') or {},
                                     snapshot=parsed_args.on_pass.upper())
        instance_id = common.find_vnf_instance_id(client,
                                                  parsed_args.instance)
        test = client.online_tests.start(instance_id, request)
        if not parsed_args.wait:
            return common.show_item(test, hidden=HIDDEN)
        return _show(client, instance_id, test['id'], parsed_args)


class ListOnlineTest(command.Lister):
    """List the online tests of a VNF instance, oldest first."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('instance', metavar='<vnf-instance>',
                            help='VNF instance (name or ID).')
        common.add_filter_argument(parser, '(eq,verdict,FAIL)')
        parser.add_argument(
            '--verdict', choices=['PASS', 'FAIL'],
            help='Only tests with this verdict.')
        parser.add_argument(
            '--state', metavar='<state>', action='append', choices=STATES,
            default=[],
            help='Only tests in this state (%s; repeat for several).'
                 % ', '.join(STATES))
        return parser

    def take_action(self, parsed_args):
        client = common.client_of(self)
        instance_id = common.find_vnf_instance_id(client,
                                                  parsed_args.instance)
        query = common.sol013_filter(
            parsed_args.filter, eq=[('verdict', parsed_args.verdict)],
            in_=[('operationState', parsed_args.state)])
        return common.list_items(
            client.online_tests.list(instance_id, filter=query),
            LIST_COLUMNS)


class ShowOnlineTest(command.ShowOne):
    """Show an online test and its record (the probe rounds with -c
    probeRounds or -f json/yaml)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_test_arguments(parser)
        common.add_wait_arguments(parser, 'the test')
        return parser

    def take_action(self, parsed_args):
        client = common.client_of(self)
        instance_id = common.find_vnf_instance_id(client,
                                                  parsed_args.instance)
        return _show(client, instance_id, parsed_args.test, parsed_args)


class AbortOnlineTest(command.ShowOne):
    """Abort a running online test: the fault is taken back and the VNF
    reverted to the pre-test snapshot; the test ends ROLLED_BACK."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_test_arguments(parser)
        common.add_wait_arguments(parser, 'the aborted test')
        return parser

    def take_action(self, parsed_args):
        client = common.client_of(self)
        instance_id = common.find_vnf_instance_id(client,
                                                  parsed_args.instance)
        client.online_tests.abort(instance_id, parsed_args.test)
        result = _show(client, instance_id, parsed_args.test, parsed_args)
        if getattr(parsed_args, 'wait', False):
            state = dict(zip(*result, strict=True)).get('operationState')
            if state not in ('ROLLED_BACK', 'COMPLETED'):
                raise osc_exceptions.CommandError(
                    'Online test %s ended %s' % (parsed_args.test, state))
        return result
