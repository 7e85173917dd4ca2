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

"""``openstack vnf instance ...``: the VNF instances vnfsnap protects
(SOL003 VnfInstance, registered rather than instantiated), their VIM
capabilities, snapshot descriptor and notification endpoint."""

import uuid

from osc_lib import exceptions as osc_exceptions
from osc_lib.command import command

from vnfsnapclient import registration
from vnfsnapclient.osc import common

LIST_COLUMNS = (
    ('ID', 'id'),
    ('Name', 'vnfInstanceName'),
    ('Instantiation State', 'instantiationState'),
    ('VNFD ID', 'vnfdId'),
)
LONG_COLUMNS = LIST_COLUMNS + (
    ('Description', 'vnfInstanceDescription'),
    ('Provider', 'vnfProvider'),
    ('Product', 'vnfProductName'),
    ('Software Version', 'vnfSoftwareVersion'),
    ('VNFD Version', 'vnfdVersion'),
)
# Nested stacks a Heat stack's servers are looked for in (ResourceGroup
# members live one level down, a group of templates two).
STACK_NESTED_DEPTH = 5


class _OnInstance:
    """A command on one VNF instance, given by name or ID."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('instance', metavar='<vnf-instance>',
                            help='VNF instance (name or ID)')
        return parser

    def instance(self, parsed_args):
        """(client, id of the VNF instance)."""
        client = common.client_of(self)
        return client, common.find_vnf_instance_id(client,
                                                   parsed_args.instance)


class _ShowOfInstance(_OnInstance, command.ShowOne):
    """Shows what the ``getter`` method of the client's vnf_instances
    answers for the instance."""

    getter = None

    def take_action(self, parsed_args):
        client, instance_id = self.instance(parsed_args)
        return common.show_item(
            getattr(client.vnf_instances, self.getter)(instance_id))


class RegisterVnfInstance(command.ShowOne):
    """Register a running VNF with vnfsnap (a VnfInstance, INSTANTIATED
    when the body describes its VNFCs)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            '--file', metavar='<file>',
            help='Registration body (JSON or YAML; "-": standard input): '
                 'the VnfInfo of doc/source/user/registration.rst. The '
                 'other options replace its attributes.')
        source = parser.add_mutually_exclusive_group()
        source.add_argument(
            '--server', metavar='<server>', action='append', default=[],
            help='Nova server (name or ID) that is a VNFC of the VNF, with '
                 'the Cinder volumes attached to it (repeat for each '
                 'VNFC). Needs Keystone authentication.')
        source.add_argument(
            '--stack', metavar='<stack>',
            help='Heat stack (name or ID) whose OS::Nova::Server resources, '
                 'nested stacks included, are the VNFCs of the VNF, with '
                 'their attached volumes; a server takes its resource name '
                 'as VDU ID (its group\'s name inside a ResourceGroup). '
                 'Needs Keystone authentication.')
        parser.add_argument('--vnfd-id', metavar='<vnfd-id>',
                            help='Identifier of the VNFD of the VNF.')
        parser.add_argument('--name', metavar='<name>',
                            help='Name of the VNF instance.')
        parser.add_argument('--description', metavar='<description>',
                            help='Description of the VNF instance.')
        parser.add_argument('--provider', metavar='<provider>',
                            help='Provider of the VNF (default: the VNFD '
                                 'document\'s "provider").')
        parser.add_argument('--product', metavar='<product-name>',
                            help='Product name of the VNF (default: the '
                                 'VNFD document\'s "productName").')
        parser.add_argument('--software-version', metavar='<version>',
                            help='Software version of the VNF (default: '
                                 'the VNFD document\'s "softwareVersion").')
        parser.add_argument('--vnfd-version', metavar='<version>',
                            help='Version of the VNFD (default: the VNFD '
                                 'document\'s "vnfdVersion").')
        parser.add_argument(
            '--vnfd-file', metavar='<file>',
            help='The VNFD document (JSON or YAML), kept for VNF snapshot '
                 'packages; its provider, productName, softwareVersion and '
                 'vnfdVersion are the defaults of the identity options.')
        parser.add_argument(
            '--descriptor-file', metavar='<file>',
            help='The VNF\'s snapshot descriptor (JSON or YAML, GR '
                 'NFV-TST 005 table 7.3-1; see "openstack vnf snapshot '
                 'descriptor set").')
        self._add_vim_arguments(parser)
        return parser

    @staticmethod
    def _add_vim_arguments(parser):
        group = parser.add_argument_group(
            'VIM connection of --server / --stack',
            'By default a Keystone application credential is created for '
            'you in the current project and its id and secret become the '
            'accessInfo of the OpenStack VIM connection: vnfsnap then acts '
            'with your roles in this project only, and you can revoke it '
            'alone ("openstack application credential delete <name>"). '
            'Deleting it stops every snapshot and revert of the VNF.')
        group.add_argument(
            '--vim-access-file', metavar='<file>',
            help='accessInfo of the VIM connection (JSON or YAML: username '
                 'and password, or an application credential; see '
                 'doc/source/admin/openstack.rst) instead of a new '
                 'application credential.')
        group.add_argument(
            '--vim-auth-url', metavar='<url>',
            help='Keystone URL vnfsnap authenticates at (default: the '
                 '--os-auth-url of this command; "/v3" is appended when '
                 'it names no version).')
        group.add_argument(
            '--vim-connection-id', metavar='<id>',
            default=registration.DEFAULT_VIM_CONNECTION_ID,
            help='Key of the VIM connection in vimConnectionInfo '
                 '(default: %(default)s).')
        group.add_argument(
            '--flavour-id', metavar='<flavour-id>',
            default=registration.DEFAULT_FLAVOUR_ID,
            help='Deployment flavour of the VNF (default: %(default)s).')

    def take_action(self, parsed_args):
        client = common.client_of(self)
        base = (common.load_document(parsed_args.file, 'registration body')
                if parsed_args.file else None)
        identity = {k: getattr(parsed_args, k) for k, _ in
                    registration.IDENTITY_ATTRIBUTES}
        vnfd = (common.load_document(parsed_args.vnfd_file, 'VNFD')
                if parsed_args.vnfd_file else None)
        descriptor = (common.load_document(parsed_args.descriptor_file,
                                           'snapshot descriptor')
                      if parsed_args.descriptor_file else None)
        if base is None and not (parsed_args.server or parsed_args.stack):
            raise osc_exceptions.CommandError(
                'Give the VNF: --file, --server or --stack')
        instantiated = vim_connections = None
        revoke = None
        if parsed_args.server or parsed_args.stack:
            instantiated = self._instantiated_info(parsed_args)
            access, revoke = self._vim_access(parsed_args, base)
            vim_connections = {
                parsed_args.vim_connection_id:
                    registration.openstack_vim_connection(
                        self._auth_url(parsed_args), access)}
        try:
            try:
                body = registration.registration_body(
                    base, vnfd=vnfd, snapshot_descriptor=descriptor,
                    instantiated=instantiated,
                    vim_connections=vim_connections, **identity)
            except ValueError as exc:
                raise osc_exceptions.CommandError(str(exc))
            instance = client.vnf_instances.register(body)
        except BaseException:
            # Whatever stopped the registration (a refusal, no answer,
            # ^C), the credential made for it must not outlive it.
            if revoke:
                revoke()
            raise
        return common.show_item(instance)

    def _members(self, parsed_args):
        """Nova servers (as dicts, with their volume attachments) of the
        VNF."""
        manager = self.app.client_manager
        manager.setup_auth()
        if manager.auth_plugin_name == 'none':
            raise osc_exceptions.CommandError(
                '--server and --stack read Nova and Heat: they need Keystone '
                'authentication, not --os-auth-type none')
        # openstacksdk, whichever client the installed OSC gives "compute".
        compute = self.app.client_manager.sdk_connection.compute
        if parsed_args.stack:
            members = self._stack_members(parsed_args.stack)
        else:
            members = [{'server_id': s} for s in parsed_args.server]
        for member in members:
            server = compute.find_server(member.pop('server_id'),
                                         ignore_missing=False)
            member['server'] = server.to_dict()
            member['attachments'] = [
                a.to_dict() for a in compute.volume_attachments(server)]
        return members

    def _stack_members(self, name_or_id):
        orchestration = self.app.client_manager.sdk_connection.orchestration
        stack = orchestration.find_stack(name_or_id, ignore_missing=False)
        # Through the API itself: openstacksdk's stack resources know
        # neither nested_depth nor parent_resource.
        answer = orchestration.get(
            '/stacks/%s/%s/resources' % (stack.name, stack.id),
            params={'nested_depth': STACK_NESTED_DEPTH})
        answer.raise_for_status()
        return registration.stack_server_members(
            answer.json().get('resources', []))

    def _instantiated_info(self, parsed_args):
        try:
            return registration.instantiated_vnf_info(
                self._members(parsed_args),
                vim_connection_id=parsed_args.vim_connection_id,
                flavour_id=parsed_args.flavour_id)
        except ValueError as exc:
            raise osc_exceptions.CommandError(str(exc))

    def _auth_url(self, parsed_args):
        url = parsed_args.vim_auth_url or getattr(
            self.app.client_manager.auth, 'auth_url', None)
        if not url:
            raise osc_exceptions.CommandError(
                'No Keystone URL for the VIM connection: give '
                '--vim-auth-url')
        return url

    def _vim_access(self, parsed_args, base):
        """(accessInfo, function revoking what was created or None)."""
        if parsed_args.vim_access_file:
            return common.load_document(parsed_args.vim_access_file,
                                        'VIM accessInfo'), None
        manager = self.app.client_manager
        identity = manager.sdk_connection.identity
        user_id = manager.auth_ref.user_id
        name = parsed_args.name or (base or {}).get('vnfInstanceName')
        credential = identity.create_application_credential(
            user_id, 'vnfsnap-%s-%s' % (name or 'vnf', uuid.uuid4().hex[:8]),
            description='VIM credentials of vnfsnap for the VNF %s'
                        % (name or '(unnamed)'))
        # On stderr: the output itself stays the VNF instance.
        self.app.stderr.write(
            'Created application credential %s (%s) for vnfsnap\n'
            % (credential.name, credential.id))
        return (registration.application_credential_access(
            credential.id, credential.secret, manager.region_name),
            lambda: identity.delete_application_credential(
                user_id, credential.id))


class ListVnfInstance(command.Lister):
    """List VNF instances."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        common.add_filter_argument(
            parser, '(eq,vnfProvider,acme);(cont,vnfInstanceName,fw)')
        parser.add_argument('--name', metavar='<name>',
                            help='Only instances of this name.')
        parser.add_argument('--vnfd-id', metavar='<vnfd-id>',
                            help='Only instances of this VNFD.')
        parser.add_argument(
            '--state', metavar='<state>',
            choices=['INSTANTIATED', 'NOT_INSTANTIATED'],
            help='Only instances in this instantiation state '
                 '(INSTANTIATED or NOT_INSTANTIATED).')
        parser.add_argument('--long', action='store_true',
                            help='Show more columns.')
        return parser

    def take_action(self, parsed_args):
        query = common.sol013_filter(parsed_args.filter, eq=[
            ('vnfInstanceName', parsed_args.name),
            ('vnfdId', parsed_args.vnfd_id),
            ('instantiationState', parsed_args.state)])
        items = common.client_of(self).vnf_instances.list(filter=query)
        return common.list_items(
            items, LONG_COLUMNS if parsed_args.long else LIST_COLUMNS)


class ShowVnfInstance(_ShowOfInstance):
    """Show a VNF instance."""

    getter = 'get'


class _ModifyVnfInstance(_OnInstance, command.ShowOne):
    """A "Modify VNF information" (MODIFY_INFO) of a VNF instance."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        common.add_wait_arguments(parser, 'the MODIFY_INFO operation')
        return parser

    def changes(self, parsed_args):
        raise NotImplementedError()

    def take_action(self, parsed_args):
        changes = self.changes(parsed_args)
        if not changes:
            raise osc_exceptions.CommandError('Nothing to change')
        client, instance_id = self.instance(parsed_args)
        op_id = client.vnf_instances.modify(instance_id, changes)
        if parsed_args.wait:
            return common.show_item(
                common.wait_for_op_occ(client, op_id, parsed_args))
        return common.show_item(client.vnf_lcm_op_occs.get(op_id))


class SetVnfInstance(_ModifyVnfInstance):
    """Change a VNF instance's name, description, VNFD id or metadata
    (shows the MODIFY_INFO operation occurrence)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--name', metavar='<name>',
                            help='New name of the VNF instance.')
        parser.add_argument('--description', metavar='<description>',
                            help='New description of the VNF instance.')
        parser.add_argument('--vnfd-id', metavar='<vnfd-id>',
                            help='New VNFD identifier.')
        parser.add_argument(
            '--property', metavar='<key=value>', action='append',
            type=common.key_value, default=[],
            help='Set this metadata key (repeat for several).')
        return parser

    def changes(self, parsed_args):
        changes = {}
        for option, attribute in (('name', 'vnfInstanceName'),
                                  ('description', 'vnfInstanceDescription'),
                                  ('vnfd_id', 'vnfdId')):
            if getattr(parsed_args, option) is not None:
                changes[attribute] = getattr(parsed_args, option)
        if parsed_args.property:
            changes['metadata'] = dict(parsed_args.property)
        return changes


class UnsetVnfInstance(_ModifyVnfInstance):
    """Remove a VNF instance's name, description or metadata keys (shows
    the MODIFY_INFO operation occurrence)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--name', action='store_true',
                            help='Remove the name.')
        parser.add_argument('--description', action='store_true',
                            help='Remove the description.')
        parser.add_argument(
            '--property', metavar='<key>', action='append', default=[],
            help='Remove this metadata key (repeat for several).')
        return parser

    def changes(self, parsed_args):
        changes = {}
        if parsed_args.name:
            changes['vnfInstanceName'] = None
        if parsed_args.description:
            changes['vnfInstanceDescription'] = None
        if parsed_args.property:
            changes['metadata'] = dict.fromkeys(parsed_args.property)
        return changes


class DeleteVnfInstance(common.DeleteCommand):
    """Unregister VNF instances (their VNF snapshots stay)."""

    what = 'VNF instance'
    manager = 'vnf_instances'
    find = staticmethod(common.find_vnf_instance_id)


class ShowVimCapabilities(_OnInstance, command.Lister):
    """Show what the VIM of each VNFC of a VNF instance can do for
    snapshots, as the VIM answers now."""

    def take_action(self, parsed_args):
        client, instance_id = self.instance(parsed_args)
        vnfcs = client.vnf_instances.vim_capabilities(instance_id)['vnfcs']
        names = sorted({k for v in vnfcs
                        for k in (v.get('capabilities') or {})})
        spec = ([('VNFC', 'vnfcResourceInfoId'),
                 ('VIM Connection', 'vimConnectionId')]
                + [(n, 'capabilities/' + n) for n in names]
                + [('Error', 'error')])
        return common.list_items(vnfcs, spec)


class ShowSnapshotDescriptor(_ShowOfInstance):
    """Show the snapshot descriptor that governs a VNF instance's
    snapshots and reverts."""

    getter = 'get_snapshot_descriptor'


class SetSnapshotDescriptor(_OnInstance, command.ShowOne):
    """Replace a VNF instance's snapshot descriptor."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            '--file', metavar='<file>', required=True,
            help='The snapshot descriptor (JSON or YAML; "-": standard '
                 'input), GR NFV-TST 005 table 7.3-1.')
        return parser

    def take_action(self, parsed_args):
        client, instance_id = self.instance(parsed_args)
        descriptor = common.load_document(parsed_args.file,
                                          'snapshot descriptor')
        return common.show_item(client.vnf_instances.set_snapshot_descriptor(
            instance_id, descriptor))


class SetVnfNotification(_OnInstance, command.ShowOne):
    """Set where a VNF instance gets the "prepare" and "done" notices
    around its snapshots and reverts."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--callback-uri', metavar='<uri>', required=True,
                            help='URI the notices are POSTed to.')
        common.add_authentication_arguments(parser, 'the VNF')
        parser.add_argument(
            '--no-verify-tls', action='store_true',
            help='Do not check the endpoint\'s TLS certificate.')
        parser.add_argument(
            '--ack-timeout', metavar='<seconds>', type=int,
            help='How long vnfsnap waits for the VNF to acknowledge '
                 '"prepare" (1-600 s; default: the service\'s '
                 '[vnf_notifications]ack_timeout).')
        return parser

    def take_action(self, parsed_args):
        client, instance_id = self.instance(parsed_args)
        body = {'callbackUri': parsed_args.callback_uri,
                'verifyTls': not parsed_args.no_verify_tls}
        auth = common.authentication(parsed_args)
        if auth:
            body['authentication'] = auth
        if parsed_args.ack_timeout is not None:
            body['ackTimeout'] = parsed_args.ack_timeout
        return common.show_item(
            client.vnf_instances.set_snapshot_notifications(instance_id,
                                                            body))


class ShowVnfNotification(_ShowOfInstance):
    """Show a VNF instance's notification endpoint (never its
    password)."""

    getter = 'get_snapshot_notifications'


class UnsetVnfNotification(_OnInstance, command.Command):
    """Remove a VNF instance's notification endpoint."""

    def take_action(self, parsed_args):
        client, instance_id = self.instance(parsed_args)
        client.vnf_instances.delete_snapshot_notifications(instance_id)
