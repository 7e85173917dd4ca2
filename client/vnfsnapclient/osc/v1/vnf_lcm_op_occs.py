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

"""``openstack vnf operation ...``: LCM operation occurrences (SOL003
VnfLcmOpOcc) of snapshots, reverts and modifications, and the tasks that
settle a failed one."""

from osc_lib.command import command

from vnfsnapclient.osc import common

LIST_COLUMNS = (
    ('ID', 'id'),
    ('Operation', 'operation'),
    ('State', 'operationState'),
    ('VNF Instance', 'vnfInstanceId'),
    ('Start Time', 'startTime'),
    ('State Entered', 'stateEnteredTime'),
)
OPERATIONS = ('CREATE_SNAPSHOT', 'REVERT_TO_SNAPSHOT', 'MODIFY_INFO')
STATES = ('STARTING', 'PROCESSING', 'COMPLETED', 'FAILED_TEMP', 'FAILED',
          'ROLLING_BACK', 'ROLLED_BACK')


def _add_op_argument(parser):
    parser.add_argument('operation', metavar='<operation-id>',
                        help='ID of the operation occurrence.')


class ListVnfOperation(command.Lister):
    """List LCM operation occurrences."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        common.add_filter_argument(parser,
                                   '(gte,startTime,2026-12-01T00:00:00Z)')
        parser.add_argument(
            '--instance', metavar='<vnf-instance>',
            help='Only operations on this VNF instance (name or ID).')
        parser.add_argument(
            '--operation', metavar='<operation>', action='append',
            choices=OPERATIONS, default=[],
            help='Only operations of this type (%s; repeat for several).'
                 % ', '.join(OPERATIONS))
        parser.add_argument(
            '--state', metavar='<state>', action='append', choices=STATES,
            default=[],
            help='Only operations in this state (%s; repeat for several).'
                 % ', '.join(STATES))
        return parser

    def take_action(self, parsed_args):
        client = common.client_of(self)
        instance_id = common.find_vnf_instance_id(client,
                                                  parsed_args.instance)
        query = common.sol013_filter(
            parsed_args.filter,
            eq=[('vnfInstanceId', instance_id)],
            in_=[('operation', parsed_args.operation),
                 ('operationState', parsed_args.state)])
        return common.list_items(client.vnf_lcm_op_occs.list(filter=query),
                                 LIST_COLUMNS)


class ShowVnfOperation(command.ShowOne):
    """Show an LCM operation occurrence, with its error when it failed."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_op_argument(parser)
        common.add_wait_arguments(parser, 'the operation')
        return parser

    def take_action(self, parsed_args):
        client = common.client_of(self)
        if parsed_args.wait:
            return common.show_item(common.wait_for_op_occ(
                client, parsed_args.operation, parsed_args))
        return common.show_item(
            client.vnf_lcm_op_occs.get(parsed_args.operation))


class _OpOccTask(command.ShowOne):
    """A task on an operation occurrence; shows the occurrence after it
    (once it ends, with --wait)."""

    wait_for = 'the operation'
    # Final states other than COMPLETED that are the task's success.
    accept = ()

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_op_argument(parser)
        if self.wait_for:
            common.add_wait_arguments(parser, self.wait_for)
        return parser

    def run_task(self, client, parsed_args):
        raise NotImplementedError()

    def take_action(self, parsed_args):
        client = common.client_of(self)
        self.run_task(client, parsed_args)
        if getattr(parsed_args, 'wait', False):
            return common.show_item(common.wait_for_op_occ(
                client, parsed_args.operation, parsed_args, self.accept))
        return common.show_item(
            client.vnf_lcm_op_occs.get(parsed_args.operation))


class RetryVnfOperation(_OpOccTask):
    """Run a FAILED_TEMP operation again."""

    wait_for = 'the retried operation'

    def run_task(self, client, parsed_args):
        client.vnf_lcm_op_occs.retry(parsed_args.operation)


class RollbackVnfOperation(_OpOccTask):
    """Roll back a FAILED_TEMP operation (not a revert: retry or fail
    it, or revert to its safety snapshot)."""

    wait_for = 'the rollback'
    accept = ('ROLLED_BACK',)

    def run_task(self, client, parsed_args):
        client.vnf_lcm_op_occs.rollback(parsed_args.operation)


class FailVnfOperation(_OpOccTask):
    """Mark a FAILED_TEMP operation FAILED, for good."""

    wait_for = None

    def run_task(self, client, parsed_args):
        client.vnf_lcm_op_occs.fail(parsed_args.operation)


class CancelVnfOperation(_OpOccTask):
    """Cancel a running operation: it stops at its next step and undoes
    what it did (FAILED_TEMP), or ends ROLLED_BACK if it had not
    started."""

    wait_for = 'the cancelled operation'
    # Stopped before it started, or stopped and undone.
    accept = ('ROLLED_BACK', 'FAILED_TEMP')

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            '--mode', choices=['graceful', 'forceful'], default='graceful',
            help='Cancel mode (SOL003 CancelMode; default: graceful).')
        return parser

    def run_task(self, client, parsed_args):
        client.vnf_lcm_op_occs.cancel(parsed_args.operation,
                                      cancel_mode=parsed_args.mode.upper())
