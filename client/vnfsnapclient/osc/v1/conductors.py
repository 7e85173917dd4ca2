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

"""``openstack vnf conductor ...``: the conductors, their liveness and
the work each holds (administrators)."""

from osc_lib.command import command

from vnfsnapclient.osc import common

LIST_COLUMNS = (
    ('Hostname', 'hostname'),
    ('Alive', 'alive'),
    ('Heartbeat At', 'heartbeatAt'),
    ('Version', 'version'),
    ('VNF LCM Op Occs', 'vnfLcmOpOccIds'),
    ('VNF Snapshot Packages', 'vnfSnapshotPkgIds'),
)


class ListConductor(command.Lister):
    """List the conductors: alive or not, and the operations and package
    jobs each holds (what an offline one holds is taken over)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        common.add_filter_argument(parser, '(eq,alive,false)')
        return parser

    def take_action(self, parsed_args):
        return common.list_items(
            common.client_of(self).conductors.list(
                filter=parsed_args.filter),
            LIST_COLUMNS)


class ShowConductor(command.ShowOne):
    """Show a conductor."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('hostname', metavar='<hostname>',
                            help='Host name of the conductor.')
        return parser

    def take_action(self, parsed_args):
        return common.show_item(common.client_of(self).conductors.get(
            parsed_args.hostname))
