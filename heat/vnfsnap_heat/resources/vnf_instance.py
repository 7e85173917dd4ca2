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


"""OS::VnfSnap::VnfInstance: the stack's servers registered with vnfsnap
as one VNF, with its snapshot descriptor and notification endpoint."""

import uuid

from heat.common import exception
from heat.engine import attributes
from heat.engine import constraints
from heat.engine import properties
from keystoneauth1 import exceptions as ks_exc
from oslo_log import log as logging
from vnfsnapclient import exceptions as vnfsnap_exc
from vnfsnapclient import registration
from vnfsnapclient.v1 import base

from vnfsnap_heat import common

LOG = logging.getLogger(__name__)

# Resource data key: the id of the application credential the resource
# made (never its secret, which only vnfsnap keeps).
CREDENTIAL_ID = 'application_credential_id'
# Nova's key of a server's attached volumes.
_NOVA_VOLUMES = 'os-extended-volumes:volumes_attached'
# Cinder metadata of a volume vnfsnap's OpenStack driver made to restore
# one of the VNF's volumes by a revert (doc/source/admin/openstack.rst).
RESTORED_FROM = 'vnfsnap_restored_from'
# The Compute microversion that changes an attachment's
# delete_on_termination.
NOVA_DELETE_ON_TERMINATION = '2.85'
_IDENTIFIER = [constraints.Length(min=1, max=255)]


def _identity(what):
    """A string of the VNF's identity the API cannot change."""
    return common.prop(properties.Schema.STRING,
                       '%s; a change registers the VNF again.' % what,
                       constraints=_IDENTIFIER)


class VnfInstance(common.VnfSnapResource):
    """A VNF made of the stack's Nova servers, registered with vnfsnap.

    Creation waits until every server is ACTIVE with its volumes
    attached, then registers them (one VNFC per server); unless
    ``vim_access`` is given, vnfsnap acts on the VIM with a Keystone
    application credential of the stack's user made for this VNF.
    """

    PROPERTIES = (
        NAME, DESCRIPTION, VNFD_ID, VNF_PROVIDER, VNF_PRODUCT_NAME,
        VNF_SOFTWARE_VERSION, VNFD_VERSION, METADATA, VNFCS,
        SNAPSHOT_DESCRIPTOR, NOTIFICATION_ENDPOINT, VIM_CONNECTION_ID,
        AUTH_URL, VIM_ACCESS, DELETE_SNAPSHOTS,
    ) = (
        'name', 'description', 'vnfd_id', 'vnf_provider', 'vnf_product_name',
        'vnf_software_version', 'vnfd_version', 'metadata', 'vnfcs',
        'snapshot_descriptor', 'notification_endpoint', 'vim_connection_id',
        'auth_url', 'vim_access', 'delete_snapshots',
    )

    _VNFC_KEYS = (VDU_ID, VNFC_ID, SERVER, VOLUMES) = (
        'vdu_id', 'vnfc_id', 'server', 'volumes')

    _ENDPOINT_KEYS = (
        CALLBACK_URI, VERIFY_TLS, ACK_TIMEOUT, AUTHENTICATION,
    ) = (
        'callback_uri', 'verify_tls', 'ack_timeout', 'authentication',
    )
    # The endpoint's keys in vnfsnap's snapshot_notifications body.
    _ENDPOINT_API = {CALLBACK_URI: 'callbackUri', VERIFY_TLS: 'verifyTls',
                     ACK_TIMEOUT: 'ackTimeout',
                     AUTHENTICATION: 'authentication'}

    ATTRIBUTES = (
        VNF_INSTANCE_ATTR, VNFC_IDS_ATTR, VIM_CAPABILITIES_ATTR,
        INSTANTIATION_STATE_ATTR,
    ) = (
        'vnf_instance', 'vnfc_ids', 'vim_capabilities',
        'instantiation_state',
    )

    properties_schema = {
        NAME: common.prop(
            properties.Schema.STRING,
            'Name of the VNF instance (default: the physical name Heat '
            'gives the resource).',
            update_allowed=True, constraints=_IDENTIFIER),
        DESCRIPTION: common.prop(
            properties.Schema.STRING,
            'Description of the VNF instance.',
            update_allowed=True,
            constraints=[constraints.Length(max=65535)]),
        VNFD_ID: common.prop(
            properties.Schema.STRING,
            'Identifier of the VNFD of the VNF.',
            required=True, update_allowed=True, constraints=_IDENTIFIER),
        VNF_PROVIDER: _identity('Provider of the VNF'),
        VNF_PRODUCT_NAME: _identity('Product name of the VNF'),
        VNF_SOFTWARE_VERSION: _identity('Software version of the VNF'),
        VNFD_VERSION: _identity('Version of the VNFD'),
        METADATA: common.prop(
            properties.Schema.MAP,
            'Metadata of the VNF instance (key-value pairs).',
            update_allowed=True),
        VNFCS: common.prop(
            properties.Schema.LIST,
            'The VNFCs of the VNF, one per Nova server. The API cannot '
            'change the VNFCs of a registered VNF: a change registers the '
            'VNF again (a new VNF instance).',
            required=True,
            constraints=[constraints.Length(min=1)],
            schema=properties.Schema(
                properties.Schema.MAP,
                schema={
                    VDU_ID: properties.Schema(
                        properties.Schema.STRING,
                        'VDU of the VNFC (the key of its rules in the '
                        'snapshot descriptor).',
                        required=True, constraints=_IDENTIFIER),
                    VNFC_ID: properties.Schema(
                        properties.Schema.STRING,
                        'Identifier of the VNFC (vnfcResourceInfo id; '
                        'default: vdu_id).',
                        constraints=_IDENTIFIER),
                    SERVER: properties.Schema(
                        properties.Schema.STRING,
                        'The Nova server of the VNFC (e.g. a get_resource '
                        'of an OS::Nova::Server).',
                        required=True,
                        constraints=[
                            constraints.CustomConstraint('nova.server')]),
                    VOLUMES: properties.Schema(
                        properties.Schema.LIST,
                        'Cinder volumes of the VNFC; the VNF is registered '
                        'once they are all attached to the server. '
                        'Default: every volume attached to the server.',
                        schema=properties.Schema(
                            properties.Schema.STRING,
                            constraints=[constraints.CustomConstraint(
                                'cinder.volume')])),
                })),
        SNAPSHOT_DESCRIPTOR: common.prop(
            properties.Schema.MAP,
            'The snapshot descriptor of the VNF (GR NFV-TST 005 table '
            '7.3-1, as vnfsnap documents it); a change replaces it in '
            'place.',
            update_allowed=True),
        NOTIFICATION_ENDPOINT: common.prop(
            properties.Schema.MAP,
            'Where vnfsnap sends the VNF snapshot notifications of this '
            'VNF; changed or removed in place.',
            update_allowed=True,
            schema={
                CALLBACK_URI: properties.Schema(
                    properties.Schema.STRING,
                    'The http(s) URI the notifications are POSTed to.',
                    required=True,
                    constraints=[
                        constraints.Length(max=2048),
                        constraints.AllowedPattern('https?://[^/?#]+.*')]),
                VERIFY_TLS: properties.Schema(
                    properties.Schema.BOOLEAN,
                    'Whether vnfsnap checks the endpoint\'s TLS '
                    'certificate.'),
                ACK_TIMEOUT: properties.Schema(
                    properties.Schema.INTEGER,
                    'Seconds vnfsnap waits for the endpoint\'s answer.',
                    constraints=[constraints.Range(min=1, max=600)]),
                AUTHENTICATION: properties.Schema(
                    properties.Schema.MAP,
                    'How vnfsnap authenticates at the endpoint (SOL013 '
                    'SubscriptionAuthentication).'),
            }),
        VIM_CONNECTION_ID: common.prop(
            properties.Schema.STRING,
            'Key of the VIM connection in vimConnectionInfo.',
            default=registration.DEFAULT_VIM_CONNECTION_ID,
            constraints=_IDENTIFIER),
        AUTH_URL: common.prop(
            properties.Schema.STRING,
            'Keystone URL vnfsnap authenticates at (default: the Keystone '
            'v3 endpoint of the stack\'s context; "/v3" is appended when '
            'it names no version).',
            constraints=[constraints.Length(max=2048)]),
        VIM_ACCESS: common.prop(
            properties.Schema.MAP,
            'accessInfo of the VIM connection (e.g. from a hidden '
            'parameter). Default: a Keystone application credential of '
            'the stack\'s user in the stack\'s project, made for this VNF '
            'and deleted with it.'),
        DELETE_SNAPSHOTS: common.prop(
            properties.Schema.BOOLEAN,
            'Whether deleting the resource also deletes the VNF snapshots '
            'of the VNF that the stack does not manage; when false, such '
            'snapshots make the delete fail.',
            default=False, update_allowed=True),
    }

    attributes_schema = {
        VNF_INSTANCE_ATTR: common.attribute(
            'The VnfInstance as vnfsnap shows it.',
            attributes.Schema.MAP),
        VNFC_IDS_ATTR: common.attribute(
            'Identifiers of the VNFCs (vnfcResourceInfo ids).',
            attributes.Schema.LIST),
        VIM_CAPABILITIES_ATTR: common.attribute(
            'What the VIM of each VNFC can do for snapshots, as it '
            'answers now.',
            attributes.Schema.MAP),
        INSTANTIATION_STATE_ATTR: common.attribute(
            'Instantiation state of the VNF instance.',
            attributes.Schema.STRING),
    }

    # --- create ------------------------------------------------------

    def handle_create(self):
        """Nothing to start: check_create_complete waits for the servers
        and registers them."""
        return None

    def check_create_complete(self, _data):
        members = self._ready_members()
        if members is None:
            return False
        self._register(members)
        return True

    def _ready_members(self):
        """Members of registration.instantiated_vnf_info, or None while
        a server is not ACTIVE or a listed volume not attached yet."""
        members = []
        for vnfc in self.properties[self.VNFCS]:
            member = self._ready_member(vnfc)
            if member is None:
                return None
            members.append(member)
        return members

    def _ready_member(self, vnfc):
        nova = self.client('nova')
        server = nova.servers.get(vnfc[self.SERVER])
        status = self.client_plugin('nova').get_status(server)
        if status == 'ERROR':
            raise common.failed('server %s of VNFC %s' % (
                server.id, vnfc[self.VDU_ID]), status,
                'the VNF is not registered')
        if status != 'ACTIVE':
            return None
        info = server.to_dict()
        attachments = [a.to_dict() for a in
                       nova.volumes.get_server_volumes(server.id)]
        wanted = vnfc.get(self.VOLUMES)
        if wanted is not None:
            attached = {a.get('volumeId') for a in attachments}
            if not set(wanted) <= attached:
                return None
            attachments = [a for a in attachments
                           if a.get('volumeId') in wanted]
            info[_NOVA_VOLUMES] = [
                v for v in info.get(_NOVA_VOLUMES) or ()
                if v.get('id') in wanted]
        return {'server': info, 'attachments': attachments,
                'vdu_id': vnfc[self.VDU_ID],
                'vnfc_id': vnfc.get(self.VNFC_ID) or vnfc[self.VDU_ID]}

    def _register(self, members):
        props = self.properties
        metadata = props[self.METADATA]
        access = props[self.VIM_ACCESS] or self._new_credential()
        auth_url = props[self.AUTH_URL] or self.context.keystone_v3_endpoint
        body = registration.registration_body(
            {'metadata': metadata} if metadata else None,
            snapshot_descriptor=props[self.SNAPSHOT_DESCRIPTOR],
            instantiated=registration.instantiated_vnf_info(
                members, vim_connection_id=props[self.VIM_CONNECTION_ID]),
            vim_connections={
                props[self.VIM_CONNECTION_ID]:
                    registration.openstack_vim_connection(auth_url, access)},
            vnfd_id=props[self.VNFD_ID],
            name=props[self.NAME] or self.physical_resource_name(),
            description=props[self.DESCRIPTION],
            provider=props[self.VNF_PROVIDER],
            product=props[self.VNF_PRODUCT_NAME],
            software_version=props[self.VNF_SOFTWARE_VERSION],
            vnfd_version=props[self.VNFD_VERSION])
        try:
            instance = self.client().vnf_instances.register(body)
        except vnfsnap_exc.ClientError as exc:
            # The credential was made for this registration only.
            self._delete_credential()
            raise self.fail(exc, 'vnfsnap refused to register the VNF')
        self.resource_id_set(instance['id'])
        endpoint = props[self.NOTIFICATION_ENDPOINT]
        if endpoint:
            self._set_endpoint(endpoint)

    def _keystone(self):
        """keystoneclient v3 with the stack's context."""
        return self.client('keystone').client

    def _new_credential(self):
        """accessInfo of a new application credential of the stack's
        user; only its id is kept (resource data), for the delete."""
        # Keystone names have at most 255 characters, as stack names.
        name = 'vnfsnap-heat-%s-%s-%s' % (self.stack.name[:110],
                                          self.name[:110],
                                          uuid.uuid4().hex[:8])
        try:
            credential = self._keystone().application_credentials.create(
                name=name,
                description='VIM credentials of vnfsnap for the VNF of '
                            'resource %s of stack %s'
                            % (self.name, self.stack.name))
        except ks_exc.ClientException as exc:
            raise exception.Error(
                'Could not create the application credential vnfsnap '
                'acts with (%s); give the vim_access property instead'
                % exc)
        self.data_set(CREDENTIAL_ID, credential.id)
        LOG.info('%s: created application credential %s (%s) for vnfsnap',
                 self.name, name, credential.id)
        return registration.application_credential_access(
            credential.id, credential.secret, self.context.region_name)

    def _delete_credential(self):
        """Delete the application credential the resource made, if any;
        a refusal is only logged (the credential stays, named in the log,
        for its user to delete), never fatal."""
        credential_id = self.data().get(CREDENTIAL_ID)
        if not credential_id:
            return
        try:
            self._keystone().application_credentials.delete(credential_id)
        except ks_exc.NotFound:
            pass
        except ks_exc.ClientException as exc:
            # Kept in the resource data: a later delete tries again.
            LOG.warning('%s: could not delete the application credential '
                        '%s made for vnfsnap (%s); delete it with '
                        '"openstack application credential delete %s"',
                        self.name, credential_id, exc, credential_id)
            return
        self.data_delete(CREDENTIAL_ID)

    # --- update ------------------------------------------------------

    def _set_endpoint(self, endpoint):
        body = {self._ENDPOINT_API[k]: v for k, v in endpoint.items()
                if v is not None}
        try:
            self.client().vnf_instances.set_snapshot_notifications(
                self.resource_id, body)
        except vnfsnap_exc.ClientError as exc:
            raise self.fail(exc, 'vnfsnap refused the notification '
                                 'endpoint')

    def _modifications(self, prop_diff):
        """The VnfInfoModificationRequest (a merge patch) of a change."""
        changes = {}
        if self.NAME in prop_diff:
            changes['vnfInstanceName'] = (prop_diff[self.NAME] or
                                          self.physical_resource_name())
        if self.DESCRIPTION in prop_diff:
            changes['vnfInstanceDescription'] = prop_diff[self.DESCRIPTION]
        if self.VNFD_ID in prop_diff:
            changes['vnfdId'] = prop_diff[self.VNFD_ID]
        if self.METADATA in prop_diff:
            new = prop_diff[self.METADATA] or {}
            patch = dict.fromkeys(self.properties[self.METADATA] or {})
            patch.update(new)
            changes['metadata'] = patch
        return changes

    def handle_update(self, json_snippet, tmpl_diff, prop_diff):
        """Descriptor and endpoint are replaced at once; name,
        description, VNFD id and metadata by a MODIFY_INFO operation,
        followed by check_update_complete."""
        instances = self.client().vnf_instances
        try:
            if self.SNAPSHOT_DESCRIPTOR in prop_diff:
                instances.set_snapshot_descriptor(
                    self.resource_id,
                    prop_diff[self.SNAPSHOT_DESCRIPTOR] or {})
            if self.NOTIFICATION_ENDPOINT in prop_diff:
                endpoint = prop_diff[self.NOTIFICATION_ENDPOINT]
                if endpoint:
                    self._set_endpoint(endpoint)
                else:
                    instances.delete_snapshot_notifications(self.resource_id)
            changes = self._modifications(prop_diff)
            if changes:
                return instances.modify(self.resource_id, changes)
        except vnfsnap_exc.ClientError as exc:
            raise self.fail(exc, 'vnfsnap refused the change of VNF '
                                 'instance %s' % self.resource_id)
        return None

    def check_update_complete(self, op_id):
        if op_id is None:
            return True
        return self.check_op(op_id)

    # --- delete ------------------------------------------------------

    def _snapshot_ids(self):
        """Ids of the VNF snapshots taken of this VNF."""
        query = '(eq,vnfSnapshot/vnfInstanceId,%s)' % base.filter_value(
            self.resource_id)
        return [s['id'] for s in
                self.client().vnf_snapshots.list(filter=query)]

    def handle_delete(self):
        """Refuse while snapshots the stack does not manage are left
        (its own snapshot resources depend on this one, so they are
        gone by now), unless delete_snapshots says to delete them."""
        if self.resource_id is None:
            self._delete_credential()
            return None
        snapshots = self._snapshot_ids()
        if snapshots and not self.properties[self.DELETE_SNAPSHOTS]:
            raise exception.Error(
                'VNF instance %s still has the VNF snapshots %s, which this '
                'stack does not manage: delete them first, or set the '
                'delete_snapshots property to true to delete them with the '
                'VNF' % (self.resource_id, ', '.join(snapshots)))
        return {'asked': set()}

    def check_delete_complete(self, progress):
        if progress is None:
            return True
        if not self._snapshots_deleted(progress['asked']):
            return False
        if not progress.get('handed_over'):
            self._hand_over_restored_volumes()
            progress['handed_over'] = True
        try:
            self.gone(self.client().vnf_instances.delete, self.resource_id)
        except vnfsnap_exc.Conflict:
            # An operation still runs on the VNF: try again.
            return False
        self._delete_credential()
        return True

    def _restored_volumes(self):
        """(server id, Cinder volume) of each volume of the VNF that a
        revert made (vnfsnap restores a volume as a new one and swaps it
        in for the template's)."""
        try:
            info = self.get_live().get('instantiatedVnfInfo') or {}
        except vnfsnap_exc.NotFound:
            return []
        volume_ids = {s['id']: s['storageResource']['resourceId']
                      for s in info.get('virtualStorageResourceInfo') or ()}
        cinder = self.client('cinder')
        found = []
        for vnfc in info.get('vnfcResourceInfo') or ():
            for storage_id in vnfc.get('storageResourceIds') or ():
                try:
                    volume = cinder.volumes.get(volume_ids[storage_id])
                except Exception as exc:
                    self.client_plugin('cinder').ignore_not_found(exc)
                    continue
                if RESTORED_FROM in (volume.metadata or {}):
                    found.append(
                        (vnfc['computeResource']['resourceId'], volume))
        return found

    def _hand_over_restored_volumes(self):
        """No resource of the stack owns the volumes a revert made, and
        the VNF that knew them goes: each goes with its server from now on
        (Nova deletes it with the server), or now when no server has it."""
        for server_id, volume in self._restored_volumes():
            if any(a.get('server_id') == server_id
                   for a in volume.attachments or ()):
                self.client('nova', version=NOVA_DELETE_ON_TERMINATION
                            ).volumes.update_server_volume(
                    server_id, volume.id, volume.id,
                    delete_on_termination=True)
                LOG.info('%s: volume %s, made by a revert of the VNF, is '
                         'deleted with server %s', self.name, volume.id,
                         server_id)
            elif volume.status == 'available':
                self.client('cinder').volumes.delete(volume.id)
                LOG.info('%s: deleted volume %s, made by a revert of the '
                         'VNF and attached to no server', self.name,
                         volume.id)

    def _snapshots_deleted(self, asked):
        """Ask for the delete of each snapshot left (once; again after a
        409); True once none is listed."""
        left = self._snapshot_ids()
        for snapshot_id in left:
            if snapshot_id in asked:
                continue
            try:
                self.gone(self.client().vnf_snapshots.delete, snapshot_id)
                asked.add(snapshot_id)
            except vnfsnap_exc.Conflict as exc:
                LOG.info('%s: VNF snapshot %s not deleted yet: %s',
                         self.name, snapshot_id, common.detail(exc))
        return not left

    # --- attributes --------------------------------------------------

    def get_live(self):
        return self.client().vnf_instances.get(self.resource_id)

    def resolve(self, name):
        if name == self.VIM_CAPABILITIES_ATTR:
            return self.client().vnf_instances.vim_capabilities(
                self.resource_id)
        instance = self.get_live()
        if name == self.VNFC_IDS_ATTR:
            info = instance.get('instantiatedVnfInfo') or {}
            return [v['id'] for v in info.get('vnfcResourceInfo') or ()]
        if name == self.INSTANTIATION_STATE_ATTR:
            return instance.get('instantiationState')
        return instance


def resource_mapping():
    return {'OS::VnfSnap::VnfInstance': VnfInstance}
