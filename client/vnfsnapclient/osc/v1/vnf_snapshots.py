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

"""``openstack vnf snapshot ...``: VNF snapshots (SOL003 VnfSnapshotInfo)
and the create_snapshot / revert_to_snapshot tasks that fill and use
them."""

from osc_lib import exceptions as osc_exceptions
from osc_lib.command import command

from vnfsnapclient.osc import common
from vnfsnapclient.v1 import vnf_snapshots

LIST_COLUMNS = (
    ('ID', 'id'),
    ('VNF Instance', 'vnfSnapshot/vnfInstanceId'),
    ('Name', 'vnfSnapshot/userDefinedData/name'),
    ('Created', 'vnfSnapshot/creationStartedAt'),
    ('Finished', 'vnfSnapshot/creationFinishedAt'),
)
LONG_COLUMNS = LIST_COLUMNS + (
    ('Description', 'vnfSnapshot/userDefinedData/description'),
    ('VNFD ID', 'vnfSnapshot/vnfdId'),
    ('Package', 'vnfSnapshotPkgId'),
)
# The column a create adds to the VnfSnapshotInfo it shows.
OP_OCC_COLUMN = 'vnfLcmOpOccId'


def _add_snapshot_argument(parser, help_text='VNF snapshot ID'):
    parser.add_argument('snapshot', metavar='<vnf-snapshot>',
                        help=help_text)


class CreateVnfSnapshot(command.ShowOne):
    """Snapshot a VNF instance: create an empty VNF snapshot, then run the
    create_snapshot operation that fills it (shows the VNF snapshot and
    the id of its operation occurrence, vnfLcmOpOccId)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('instance', metavar='<vnf-instance>',
                            help='VNF instance to snapshot (name or ID).')
        parser.add_argument('--name', metavar='<name>',
                            help='Name of the snapshot (its '
                                 'userDefinedData "name").')
        parser.add_argument('--description', metavar='<description>',
                            help='Description of the snapshot (its '
                                 'userDefinedData "description").')
        parser.add_argument(
            '--property', metavar='<key=value>', action='append',
            type=common.key_value, default=[],
            help='Another userDefinedData key of the snapshot (repeat for '
                 'several).')
        parser.add_argument(
            '--memory', action='store_true',
            help='Also capture each VNFC\'s memory and device state (a '
                 '"warm" snapshot); fails when the VIM cannot.')
        quiesce = parser.add_mutually_exclusive_group()
        quiesce.add_argument(
            '--quiesce', dest='quiesce', action='store_true', default=None,
            help='Freeze the guests\' file systems through their guest '
                 'agents; fails when the VIM cannot. Default: quiesce '
                 'where the VIM can.')
        quiesce.add_argument(
            '--no-quiesce', dest='quiesce', action='store_false',
            help='Do not freeze the guests\' file systems.')
        parser.add_argument(
            '--pause-vnf', action='store_true',
            help='Pause every running VNFC before the first VNFC snapshot '
                 'and resume them after the last: one crash-consistent '
                 'point for the whole VNF (excludes --quiesce).')
        parser.add_argument(
            '--vnfc', metavar='<vnfc-id>', dest='vnfcs', action='append',
            default=[],
            help='Snapshot only this VNFC (its vnfcResourceInfo id, as '
                 '"vnf instance show" lists them; repeat for several). '
                 'Default: every VNFC the snapshot descriptor includes.')
        common.add_wait_arguments(parser, 'the snapshot')
        return parser

    @staticmethod
    def additional_params(parsed_args):
        try:
            return vnf_snapshots.create_params(
                memory=parsed_args.memory, quiesce=parsed_args.quiesce,
                pause_vnf=parsed_args.pause_vnf, vnfc_ids=parsed_args.vnfcs)
        except ValueError:
            raise osc_exceptions.CommandError(
                '--quiesce and --pause-vnf exclude each other: a paused '
                'guest cannot freeze its file systems')

    @staticmethod
    def user_defined_data(parsed_args):
        data = dict(parsed_args.property)
        if parsed_args.name is not None:
            data['name'] = parsed_args.name
        if parsed_args.description is not None:
            data['description'] = parsed_args.description
        return data or None

    def take_action(self, parsed_args):
        params = self.additional_params(parsed_args)
        client = common.client_of(self)
        instance_id = common.find_vnf_instance_id(client,
                                                  parsed_args.instance)
        info, op_id = vnf_snapshots.take(
            client, instance_id, additional_params=params,
            user_defined_data=self.user_defined_data(parsed_args))
        if parsed_args.wait:
            common.wait_for_op_occ(client, op_id, parsed_args)
            info = client.vnf_snapshots.get(info['id'])
        return common.show_item(dict(info, **{OP_OCC_COLUMN: op_id}))


class RevertVnfSnapshot(command.ShowOne):
    """Revert a VNF instance to one of its snapshots (shows the
    REVERT_TO_SNAPSHOT operation occurrence)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_snapshot_argument(parser, 'VNF snapshot to revert to (ID).')
        parser.add_argument(
            '--instance', metavar='<vnf-instance>',
            help='VNF instance to revert (name or ID; default: the one the '
                 'snapshot was taken from).')
        parser.add_argument(
            '--safety-snapshot', action='store_true',
            help='First snapshot the whole VNF as it is, into a new VNF '
                 'snapshot (the operation occurrence links it as '
                 '_links.safetyVnfSnapshot): the way back.')
        parser.add_argument(
            '--state-after', choices=['running', 'paused', 'shutoff'],
            help='State of the VNFCs after the revert (default: the state '
                 'each had when the snapshot was taken).')
        common.add_wait_arguments(parser, 'the revert')
        return parser

    def take_action(self, parsed_args):
        client = common.client_of(self)
        if parsed_args.instance:
            instance_id = common.find_vnf_instance_id(client,
                                                      parsed_args.instance)
        else:
            snap = client.vnf_snapshots.get(parsed_args.snapshot)
            instance_id = (snap.get('vnfSnapshot') or {}).get(
                'vnfInstanceId')
            if not instance_id:
                raise osc_exceptions.CommandError(
                    'VNF snapshot %s is empty: nothing to revert to'
                    % parsed_args.snapshot)
        params = {}
        if parsed_args.safety_snapshot:
            params['safetySnapshot'] = True
        if parsed_args.state_after:
            params['stateAfterRevert'] = parsed_args.state_after
        op_id = client.vnf_instances.revert_to_snapshot(
            instance_id, parsed_args.snapshot,
            additional_params=params or None)
        if parsed_args.wait:
            return common.show_item(
                common.wait_for_op_occ(client, op_id, parsed_args))
        return common.show_item(client.vnf_lcm_op_occs.get(op_id))


class ListVnfSnapshot(command.Lister):
    """List VNF snapshots."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        common.add_filter_argument(
            parser, '(gte,vnfSnapshot/creationStartedAt,2026-12-01T00:00:00Z)')
        parser.add_argument(
            '--instance', metavar='<vnf-instance>',
            help='Only snapshots taken from this VNF instance (name or '
                 'ID).')
        parser.add_argument(
            '--name', metavar='<name>',
            help='Only snapshots of this name (userDefinedData "name").')
        parser.add_argument(
            '--package', metavar='<package-id>',
            help='Only the snapshot of this VNF snapshot package.')
        parser.add_argument('--long', action='store_true',
                            help='Show more columns.')
        return parser

    def take_action(self, parsed_args):
        client = common.client_of(self)
        instance_id = common.find_vnf_instance_id(client,
                                                  parsed_args.instance)
        query = common.sol013_filter(parsed_args.filter, eq=[
            ('vnfSnapshot/vnfInstanceId', instance_id),
            ('vnfSnapshot/userDefinedData/name', parsed_args.name),
            ('vnfSnapshotPkgId', parsed_args.package)])
        return common.list_items(
            client.vnf_snapshots.list(filter=query),
            LONG_COLUMNS if parsed_args.long else LIST_COLUMNS)


class ShowVnfSnapshot(command.ShowOne):
    """Show a VNF snapshot, with its VNFC snapshots and the copy of the
    VNF instance it was taken from."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_snapshot_argument(parser)
        return parser

    def take_action(self, parsed_args):
        return common.show_item(
            common.client_of(self).vnf_snapshots.get(parsed_args.snapshot))


class SetVnfSnapshot(command.ShowOne):
    """Modify an empty VNF snapshot: its package, or the VnfSnapshot it
    holds (for one taken elsewhere)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_snapshot_argument(parser)
        parser.add_argument(
            '--package', metavar='<package-id>',
            help='VNF snapshot package the snapshot belongs to '
                 '(vnfSnapshotPkgId).')
        parser.add_argument(
            '--vnf-snapshot-file', metavar='<file>',
            help='VnfSnapshot (JSON or YAML; "-": standard input) merged '
                 'into the snapshot (RFC 7396: a null removes an '
                 'attribute).')
        return parser

    def take_action(self, parsed_args):
        changes = {}
        if parsed_args.package:
            changes['vnfSnapshotPkgId'] = parsed_args.package
        if parsed_args.vnf_snapshot_file:
            changes['vnfSnapshot'] = common.load_document(
                parsed_args.vnf_snapshot_file, 'VnfSnapshot')
        if not changes:
            raise osc_exceptions.CommandError('Nothing to change')
        client = common.client_of(self)
        client.vnf_snapshots.update(parsed_args.snapshot, changes)
        return common.show_item(client.vnf_snapshots.get(
            parsed_args.snapshot))


class DeleteVnfSnapshot(common.DeleteCommand):
    """Delete VNF snapshots, with their VIM-side snapshots and VNF state
    snapshot."""

    what = 'VNF snapshot'
    manager = 'vnf_snapshots'


class DownloadVnfState(command.Command):
    """Download the VNF state snapshot a VNF snapshot holds (the VNF's own
    state data, checked against its SHA-256)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_snapshot_argument(parser)
        parser.add_argument(
            '--file', metavar='<file>', required=True,
            help='Where to write it; a partial file left by an interrupted '
                 'download is resumed.')
        return parser

    def take_action(self, parsed_args):
        progress = common.Progress(parsed_args)
        try:
            common.client_of(self).vnf_snapshots.download_vnf_state(
                parsed_args.snapshot, parsed_args.file,
                progress=progress.bytes)
        finally:
            progress.finish()
