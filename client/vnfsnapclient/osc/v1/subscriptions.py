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

"""``openstack vnf subscription ...``: subscriptions to the LCM
operation occurrence notifications (SOL003 LccnSubscription)."""

from osc_lib import exceptions as osc_exceptions
from osc_lib.command import command

from vnfsnapclient.osc import common
from vnfsnapclient.osc.v1 import vnf_lcm_op_occs

LIST_COLUMNS = (
    ('ID', 'id'),
    ('Callback URI', 'callbackUri'),
    ('Verbosity', 'verbosity'),
    ('Filter', 'filter'),
)


class CreateSubscription(command.ShowOne):
    """Subscribe a callback URI to the LCM operation notifications of the
    project's VNF instances (an identical subscription is shown
    instead)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            '--file', metavar='<file>',
            help='LccnSubscriptionRequest (JSON or YAML; "-": standard '
                 'input); the other options replace its attributes.')
        parser.add_argument(
            '--callback-uri', metavar='<uri>',
            help='URI the notifications are POSTed to; vnfsnap checks it '
                 'first with a GET that must answer 204.')
        parser.add_argument(
            '--instance', metavar='<vnf-instance-id>', action='append',
            default=[],
            help='Only notifications about this VNF instance (repeat for '
                 'several).')
        parser.add_argument(
            '--operation', metavar='<operation>', action='append',
            choices=vnf_lcm_op_occs.OPERATIONS, default=[],
            help='Only notifications of this operation type (%s; repeat '
                 'for several).' % ', '.join(vnf_lcm_op_occs.OPERATIONS))
        parser.add_argument(
            '--state', metavar='<state>', action='append',
            choices=vnf_lcm_op_occs.STATES, default=[],
            help='Only notifications of an operation entering this state '
                 '(%s; repeat for several).'
                 % ', '.join(vnf_lcm_op_occs.STATES))
        parser.add_argument(
            '--verbosity', choices=['FULL', 'SHORT'],
            help='FULL (default) or SHORT notifications.')
        common.add_authentication_arguments(parser, 'the callback URI')
        return parser

    @staticmethod
    def body(parsed_args):
        body = (common.load_document(parsed_args.file,
                                     'subscription request')
                if parsed_args.file else {})
        if parsed_args.callback_uri:
            body['callbackUri'] = parsed_args.callback_uri
        if not body.get('callbackUri'):
            raise osc_exceptions.CommandError(
                'Give --callback-uri (or a --file that has callbackUri)')
        filters = dict(body.get('filter') or {})
        if parsed_args.instance:
            filters['vnfInstanceSubscriptionFilter'] = {
                'vnfInstanceIds': parsed_args.instance}
        if parsed_args.operation:
            filters['operationTypes'] = parsed_args.operation
        if parsed_args.state:
            filters['operationStates'] = parsed_args.state
        if filters:
            body['filter'] = filters
        if parsed_args.verbosity:
            body['verbosity'] = parsed_args.verbosity
        auth = common.authentication(parsed_args)
        if auth:
            body['authentication'] = auth
        return body

    def take_action(self, parsed_args):
        return common.show_item(
            common.client_of(self).subscriptions.create(
                self.body(parsed_args)))


class ListSubscription(command.Lister):
    """List LCM subscriptions."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        common.add_filter_argument(parser, '(cont,callbackUri,nfvo.example)')
        return parser

    def take_action(self, parsed_args):
        return common.list_items(
            common.client_of(self).subscriptions.list(
                filter=parsed_args.filter),
            LIST_COLUMNS)


class ShowSubscription(command.ShowOne):
    """Show an LCM subscription (never its credentials)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('subscription', metavar='<subscription-id>',
                            help='ID of the subscription.')
        return parser

    def take_action(self, parsed_args):
        return common.show_item(common.client_of(self).subscriptions.get(
            parsed_args.subscription))


class DeleteSubscription(common.DeleteCommand):
    """Delete LCM subscriptions."""

    what = 'subscription'
    manager = 'subscriptions'
