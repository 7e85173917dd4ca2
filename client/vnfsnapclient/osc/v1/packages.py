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

"""``openstack vnf snapshot package ...``: VNF snapshot packages (SOL005),
the files that carry a VNF snapshot out of its VIM and into another."""

import logging
import os

from osc_lib import exceptions as osc_exceptions
from osc_lib.command import command

from vnfsnapclient.osc import common
from vnfsnapclient.v1 import vnf_snapshot_packages

LOG = logging.getLogger(__name__)

LIST_COLUMNS = (
    ('ID', 'id'),
    ('Name', 'name'),
    ('State', 'state'),
    ('Full', 'isFullSnapshot'),
    ('VNF Snapshot', 'vnfSnapshotId'),
)
LONG_COLUMNS = LIST_COLUMNS + (
    ('Created', 'createdAt'),
    ('Unique ID', 'vnfSnapshotPkgUniqueId'),
    ('SHA-256', 'checksum/hash'),
    ('Properties', 'userDefinedData'),
)
ARTIFACT_COLUMNS = (('Path', 'path'), ('Role', 'role'), ('Size', 'size'),
                    ('SHA-256', 'checksum/hash'), ('External URI', 'uri'))
# The column extract adds: the VNF snapshot the package is extracted into.
EXTRACTED_COLUMN = 'vnfSnapshotInfoId'


def _add_package_argument(parser, help_text='VNF snapshot package (name '
                                            'or ID).'):
    parser.add_argument('package', metavar='<package>', help=help_text)


def _package_id(client, name_or_id):
    return common.find_id(client.vnf_snapshot_packages, 'name', name_or_id,
                          'VNF snapshot package')


def _show_package(client, pkg_id, parsed_args, **extra):
    """The package, once its operation ended when --wait was given."""
    if getattr(parsed_args, 'wait', False):
        pkg = common.wait_for_package(client, pkg_id, parsed_args)
    else:
        pkg = client.vnf_snapshot_packages.get(pkg_id)
    return common.show_item(dict(pkg, **extra))


def _transfer(parsed_args, call, *args, **kwargs):
    """Run a streamed transfer with byte progress on a terminal."""
    progress = common.Progress(parsed_args)
    try:
        return call(*args, progress=progress.bytes, **kwargs)
    finally:
        progress.finish()


class CreatePackage(command.ShowOne):
    """Create an empty VNF snapshot package, to build from a VNF snapshot
    or to upload a package file into."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('name', metavar='<name>',
                            help='Name of the package.')
        parser.add_argument(
            '--property', metavar='<key=value>', action='append',
            type=common.key_value, default=[],
            help='A userDefinedData key of the package (repeat for '
                 'several).')
        return parser

    def take_action(self, parsed_args):
        body = {'name': parsed_args.name}
        if parsed_args.property:
            body['userDefinedData'] = dict(parsed_args.property)
        return common.show_item(
            common.client_of(self).vnf_snapshot_packages.create(body))


class BuildPackage(command.ShowOne):
    """Build a CREATED package from a VNF snapshot: a conductor exports
    each VNFC snapshot from its VIM into the package file."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_package_argument(parser)
        parser.add_argument(
            '--snapshot', metavar='<vnf-snapshot>', required=True,
            help='VNF snapshot to package (ID).')
        parser.add_argument(
            '--vnfc-snapshot', metavar='<vnfc-snapshot-id>',
            action='append', dest='vnfc_snapshots',
            help='Package only this VNFC snapshot (repeat for several): a '
                 'partial package. Default: all of them.')
        parser.add_argument(
            '--no-import', metavar='<vnfc-snapshot-id>', action='append',
            dest='no_import',
            help='Leave the images of this VNFC snapshot in the VIM as '
                 'external artifacts instead of copying them into the '
                 'package (repeat for several).')
        parser.add_argument(
            '--base-package', metavar='<package>',
            help='Build an incremental package relative to this AVAILABLE '
                 'full package (name or ID) of the same VNF instance: its '
                 'disks carry only what changed since (vnfsnap '
                 'extension).')
        parser.add_argument(
            '--diagnostics', action='store_true',
            help='Add a diagnostics part for root-cause analysis: vnfsnap '
                 'logs and history of the VNF, and what the VIM knows of '
                 'each VNFC, with secrets removed (vnfsnap extension).')
        common.add_wait_arguments(parser, 'the build')
        return parser

    def take_action(self, parsed_args):
        client = common.client_of(self)
        pkg_id = _package_id(client, parsed_args.package)
        body = {'vnfSnapshotInfoId': parsed_args.snapshot}
        if parsed_args.vnfc_snapshots:
            body['vnfcSnapshotsInfoIds'] = parsed_args.vnfc_snapshots
        if parsed_args.no_import:
            body['overrideImportForVnfcSnapshotIds'] = parsed_args.no_import
        if parsed_args.base_package:
            body['basePackageId'] = _package_id(client,
                                                parsed_args.base_package)
        if parsed_args.diagnostics:
            body['diagnostics'] = True
        client.vnf_snapshot_packages.build(pkg_id, body)
        return _show_package(client, pkg_id, parsed_args)


class UploadPackage(command.ShowOne):
    """Upload a package file into a CREATED (or failed) package, from a
    local file or from a URI a conductor fetches; vnfsnap then verifies
    it (PROCESSING) before it is AVAILABLE."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_package_argument(parser)
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument(
            '--file', metavar='<file>',
            help='The package ZIP file to send (streamed, with byte '
                 'progress on a terminal).')
        source.add_argument(
            '--uri', metavar='<uri>',
            help='Where a conductor fetches the package file from '
                 '(addressInformation); the operator decides which '
                 'addresses it may reach.')
        common.add_authentication_arguments(parser, 'the --uri server')
        common.add_wait_arguments(parser, 'the processing')
        return parser

    def take_action(self, parsed_args):
        client = common.client_of(self)
        pkg_id = _package_id(client, parsed_args.package)
        auth = common.authentication(parsed_args)
        if parsed_args.file:
            if auth is not None:
                raise osc_exceptions.CommandError(
                    '--auth-type goes with --uri, not --file')
            _transfer(parsed_args, client.vnf_snapshot_packages.upload,
                      pkg_id, parsed_args.file)
        else:
            body = {'addressInformation': parsed_args.uri}
            if auth is not None:
                # UploadVnfSnapshotPkgFromUriRequest: one authType string.
                body.update(auth, authType=auth['authType'][0])
            client.vnf_snapshot_packages.upload_from_uri(pkg_id, body)
        return _show_package(client, pkg_id, parsed_args)


class DownloadPackage(command.Command):
    """Download the package file of an AVAILABLE package, checked against
    its SHA-256; an interrupted download is resumed."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_package_argument(parser)
        parser.add_argument(
            '--file', metavar='<file>', required=True,
            help='Where to write the package ZIP file. The bytes go to '
                 '<file>.part until the file is complete and checked.')
        parser.add_argument(
            '--no-resume', action='store_true',
            help='Start over even when a <file>.part of an interrupted '
                 'download is there.')
        return parser

    def take_action(self, parsed_args):
        client = common.client_of(self)
        _transfer(parsed_args, client.vnf_snapshot_packages.download,
                  _package_id(client, parsed_args.package), parsed_args.file,
                  resume=not parsed_args.no_resume)


class SendPackage(command.Command):
    """Send the package file of an AVAILABLE package to a URL a vendor
    gives (an HTTPS receiver with credentials, or a Swift temporary URL),
    streamed from vnfsnap, with its SHA-256; e.g. a root-cause package."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_package_argument(parser)
        parser.add_argument(
            '--url', metavar='<url>', required=True,
            help='Where to PUT the package ZIP (https://..., or a Swift '
                 'temporary URL with its temp_url_sig and '
                 'temp_url_expires).')
        parser.add_argument(
            '--username', metavar='<user>',
            help='User of HTTP Basic authentication at the receiver.')
        parser.add_argument(
            '--password-env', metavar='<variable>',
            default='VNFSNAP_SEND_PASSWORD',
            help='Environment variable holding the password of --username '
                 '(default VNFSNAP_SEND_PASSWORD); never a command-line '
                 'argument, which other users of the host can see.')
        parser.add_argument(
            '--ca-file', metavar='<file>',
            help='CA certificates to verify the receiver with (default: '
                 'the system CAs).')
        return parser

    def take_action(self, parsed_args):
        client = common.client_of(self)
        password = None
        if parsed_args.username:
            password = os.environ.get(parsed_args.password_env)
            if password is None:
                raise osc_exceptions.CommandError(
                    '--username needs its password in the environment '
                    'variable %s' % parsed_args.password_env)
        status = _transfer(
            parsed_args, client.vnf_snapshot_packages.send,
            _package_id(client, parsed_args.package), parsed_args.url,
            username=parsed_args.username, password=password,
            verify=parsed_args.ca_file or True)
        self.app.stdout.write('Sent; the receiver answered HTTP %d\n'
                              % status)


class ExtractPackage(command.ShowOne):
    """Extract an AVAILABLE package into a VNF snapshot of a VNF instance
    (its images registered with the instance's VIMs), ready to revert to;
    shows the package and the VNF snapshot (vnfSnapshotInfoId)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_package_argument(parser)
        into = parser.add_mutually_exclusive_group(required=True)
        into.add_argument(
            '--instance', metavar='<vnf-instance>',
            help='Extract into a new VNF snapshot of this VNF instance '
                 '(name or ID).')
        into.add_argument(
            '--snapshot', metavar='<vnf-snapshot>',
            help='Fill this existing, empty VNF snapshot (ID).')
        common.add_wait_arguments(parser, 'the extraction')
        return parser

    def take_action(self, parsed_args):
        client = common.client_of(self)
        pkg_id = _package_id(client, parsed_args.package)
        if parsed_args.instance:
            body = {'vnfInstanceId': common.find_vnf_instance_id(
                client, parsed_args.instance)}
        else:
            body = {'vnfSnapshotInfoId': parsed_args.snapshot}
        location = client.vnf_snapshot_packages.extract(pkg_id, body)
        info_id = (location.rstrip('/').rsplit('/', 1)[-1] if location
                   else body.get('vnfSnapshotInfoId'))
        return _show_package(client, pkg_id, parsed_args,
                             **{EXTRACTED_COLUMN: info_id})


class CancelPackage(command.Command):
    """Stop the build, upload, processing or extraction running on a
    package; it ends in ERROR (ERROR_EXTRACTING) with errorType
    CANCELLED."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_package_argument(parser)
        parser.add_argument('--cause', metavar='<text>',
                            help='Why, recorded in the failureDetails.')
        return parser

    def take_action(self, parsed_args):
        client = common.client_of(self)
        client.vnf_snapshot_packages.cancel(
            _package_id(client, parsed_args.package), cause=parsed_args.cause)


class ListPackage(command.Lister):
    """List VNF snapshot packages."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            '--filter', metavar='<expression>',
            help='SOL013 attribute filter, e.g. "(eq,isFullSnapshot,true)".')
        parser.add_argument('--name', metavar='<name>',
                            help='Only packages of this name.')
        parser.add_argument(
            '--state', metavar='<state>', action='append',
            help='Only packages in this state (CREATED, BUILDING, '
                 'UPLOADING, PROCESSING, AVAILABLE, EXTRACTING, ERROR, '
                 'ERROR_EXTRACTING; repeat for several).')
        parser.add_argument(
            '--snapshot', metavar='<vnf-snapshot-id>',
            help='Only packages of this VNF snapshot (vnfSnapshotId, the id '
                 'inside the package).')
        parser.add_argument('--long', action='store_true',
                            help='Show more columns.')
        return parser

    def take_action(self, parsed_args):
        long = parsed_args.long
        query = common.sol013_filter(
            parsed_args.filter,
            eq=[('name', parsed_args.name),
                ('vnfSnapshotId', parsed_args.snapshot)],
            in_=[('state', parsed_args.state)])
        return common.list_items(
            common.client_of(self).vnf_snapshot_packages.list(
                filter=query, all_fields=long),
            LONG_COLUMNS if long else LIST_COLUMNS)


class ShowPackage(command.ShowOne):
    """Show a VNF snapshot package: its state (and progress while an
    operation runs), its artifacts, checksum, signature and failure."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_package_argument(parser)
        return parser

    def take_action(self, parsed_args):
        client = common.client_of(self)
        return common.show_item(client.vnf_snapshot_packages.get(
            _package_id(client, parsed_args.package)))


class SetPackage(command.ShowOne):
    """Rename a package, change its properties (userDefinedData), or put a
    package whose extraction failed back to AVAILABLE."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_package_argument(parser)
        parser.add_argument('--name', metavar='<name>',
                            help='New name.')
        parser.add_argument(
            '--property', metavar='<key=value>', action='append',
            type=common.key_value, default=[],
            help='Set a userDefinedData key (repeat for several).')
        parser.add_argument(
            '--unset-property', metavar='<key>', action='append',
            default=[], help='Remove a userDefinedData key (repeat for '
                             'several).')
        parser.add_argument(
            '--available', action='store_true',
            help='From ERROR_EXTRACTING, make the package AVAILABLE again '
                 '(after fixing why the extraction failed).')
        return parser

    def take_action(self, parsed_args):
        changes = {}
        if parsed_args.name is not None:
            changes['name'] = parsed_args.name
        data = dict(parsed_args.property)
        data.update((key, None) for key in parsed_args.unset_property)
        if data:
            changes['userDefinedData'] = data
        if parsed_args.available:
            changes['state'] = 'AVAILABLE'
        if not changes:
            raise osc_exceptions.CommandError('Nothing to change')
        client = common.client_of(self)
        pkg_id = _package_id(client, parsed_args.package)
        client.vnf_snapshot_packages.update(pkg_id, changes)
        return common.show_item(client.vnf_snapshot_packages.get(pkg_id))


class DeletePackage(common.DeleteCommand):
    """Delete VNF snapshot packages and their stored files."""

    what = 'VNF snapshot package'
    manager = 'vnf_snapshot_packages'
    find = staticmethod(_package_id)


class ListArtifact(command.Lister):
    """List the artifacts of a package: VNF snapshot record, VNFD, images
    and additional artifacts, with their SHA-256."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_package_argument(parser)
        return parser

    def take_action(self, parsed_args):
        client = common.client_of(self)
        pkg = client.vnf_snapshot_packages.get(
            _package_id(client, parsed_args.package))
        return common.list_items(vnf_snapshot_packages.artifacts(pkg),
                                 ARTIFACT_COLUMNS)


class DownloadArtifact(command.Command):
    """Download one artifact of an AVAILABLE package, checked against the
    SHA-256 the package lists for it."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_package_argument(parser)
        parser.add_argument(
            'artifact', metavar='<artifact-path>',
            help='Path of the artifact in the package, as "artifact list" '
                 'shows it (e.g. vnfsr/record.json).')
        parser.add_argument(
            '--file', metavar='<file>',
            help='Where to write it (default: the artifact\'s file name in '
                 'the current directory).')
        return parser

    def take_action(self, parsed_args):
        client = common.client_of(self)
        dest = parsed_args.file or os.path.basename(parsed_args.artifact)
        _transfer(parsed_args, client.vnf_snapshot_packages.download_artifact,
                  _package_id(client, parsed_args.package),
                  parsed_args.artifact, dest)


class ShowAccess(command.ShowOne):
    """Show how vnfsnap reaches the external artifacts of a package
    (ext_artifacts_access), without its passwords."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_package_argument(parser)
        return parser

    def take_action(self, parsed_args):
        client = common.client_of(self)
        return common.show_item(
            client.vnf_snapshot_packages.get_ext_artifacts_access(
                _package_id(client, parsed_args.package)))


class SetAccess(command.ShowOne):
    """Set how vnfsnap reaches the external artifacts of a package (in
    CREATED, or in ERROR before any content arrived): a SOL005
    ExternalArtifactsAccessConfig; passwords are stored encrypted and
    never shown."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_package_argument(parser)
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument(
            '--file', metavar='<file>',
            help='The ExternalArtifactsAccessConfig, JSON or YAML ("-": '
                 'standard input): {"artifact": [{"artifactUri": ..., '
                 '"authType": "BASIC", "paramsBasic": {...}}]}.')
        source.add_argument(
            '--clear', action='store_true',
            help='Remove every external artifact access configuration.')
        return parser

    def take_action(self, parsed_args):
        if parsed_args.clear:
            body = {'artifact': []}
        else:
            body = common.load_document(parsed_args.file,
                                        'ExternalArtifactsAccessConfig')
        client = common.client_of(self)
        return common.show_item(
            client.vnf_snapshot_packages.set_ext_artifacts_access(
                _package_id(client, parsed_args.package), body))
