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

"""The forms of the VNF instances panel: register a VNF made of the
project's Nova servers (the body ``openstack vnf instance register
--server`` sends, built by the same vnfsnapclient.registration
functions), and replace a VNF instance's snapshot descriptor."""

import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from horizon import forms
from horizon import messages
from openstack_dashboard import policy
from vnfsnapclient import exceptions as vnfsnap_exceptions
from vnfsnapclient import registration
import yaml

from vnfsnap_dashboard.api import vnf_instances as api
from vnfsnap_dashboard.api import vnfsnap

# A JSON/YAML textarea holds at most this many characters (a descriptor
# is a few kilobytes; Django refuses bodies over 2.5 MB anyway).
MAX_DOCUMENT_CHARS = 1024 * 1024
# Answers whose detail says what is wrong with the document itself.
DOCUMENT_ERRORS = (vnfsnap_exceptions.BadRequest,
                   vnfsnap_exceptions.UnprocessableEntity)


def require(request, rule):
    """PermissionDenied (403) unless the user's roles allow ``rule``:
    the form views check it before anything reaches the API."""
    if not policy.check((('vnfsnap', rule),), request):
        raise PermissionDenied()


def parse_document(text, what):
    """The mapping a JSON or YAML text holds; ValidationError otherwise."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise forms.ValidationError(
            _('The %(what)s is neither JSON nor YAML: %(error)s')
            % {'what': what, 'error': exc})
    if not isinstance(document, dict):
        raise forms.ValidationError(
            _('The %(what)s must be an object (a mapping), not %(type)s.')
            % {'what': what, 'type': type(document).__name__})
    return document


def _document_field(label, help_text, required=True):
    return forms.CharField(
        label=label, help_text=help_text, required=required,
        max_length=MAX_DOCUMENT_CHARS,
        widget=forms.Textarea(attrs={'rows': 12, 'class': 'monospace'}))


def _name_field(label, help_text, required=True):
    return forms.CharField(label=label, help_text=help_text,
                           required=required, max_length=255)


class RegisterVnf(forms.SelfHandlingForm):
    """A VNF whose VNFCs are Nova servers of the project, each with the
    Cinder volumes attached to it; vnfsnap acts on them with a Keystone
    application credential made for the VNF, as the CLI does."""

    name = _name_field(_('Name'), _('Name of the VNF instance.'),
                       required=False)
    description = forms.CharField(
        label=_('Description'), required=False, max_length=65535,
        help_text=_('Description of the VNF instance.'),
        widget=forms.Textarea(attrs={'rows': 2}))
    vnfd_id = forms.CharField(
        label=_('VNFD ID'), max_length=255,
        help_text=_('Identifier of the VNF descriptor (VNFD) of the VNF.'))
    provider = _name_field(_('Provider'), _('Provider of the VNF.'))
    product = _name_field(_('Product'), _('Product name of the VNF.'))
    software_version = _name_field(_('Software Version'),
                                   _('Software version of the VNF.'))
    vnfd_version = _name_field(_('VNFD Version'), _('Version of the VNFD.'))
    servers = forms.MultipleChoiceField(
        label=_('Servers'), widget=forms.CheckboxSelectMultiple(),
        help_text=_('The Nova servers that are the VNFCs of the VNF: each '
                    'becomes a VNFC whose VDU ID is the server\'s name.'))
    volumes = forms.MultipleChoiceField(
        label=_('Volumes'), required=False,
        widget=forms.CheckboxSelectMultiple(),
        help_text=_('The Cinder volumes of the chosen servers that the VNF '
                    'snapshots include (each named after its device).'))
    snapshot_descriptor = _document_field(
        _('Snapshot Descriptor'),
        _('Optional: the rules of the VNF\'s snapshots and reverts (JSON or '
          'YAML, ETSI GR NFV-TST 005 table 7.3-1).'), required=False)
    vim_connection_id = forms.CharField(
        label=_('VIM Connection ID'), max_length=255,
        initial=registration.DEFAULT_VIM_CONNECTION_ID,
        help_text=_('Key of the VIM connection in vimConnectionInfo.'))
    flavour_id = forms.CharField(
        label=_('Deployment Flavour'), max_length=255,
        initial=registration.DEFAULT_FLAVOUR_ID,
        help_text=_('Deployment flavour of the VNF.'))
    vim_auth_url = forms.URLField(
        label=_('Keystone URL for vnfsnap'), required=False,
        help_text=_('The Keystone URL vnfsnap authenticates at with the '
                    'VNF\'s application credential (default: the one you '
                    'logged in at; “/v3” is added when it names no '
                    'version).'))

    def __init__(self, request, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.nova_servers = {}
        try:
            for server in api.server_list(request):
                self.nova_servers[server.id] = server
        except Exception:
            vnfsnap.handle(request, _('Unable to retrieve the servers.'))
        servers = sorted(self.nova_servers.values(),
                         key=lambda s: (s.name or '', s.id))
        self.fields['servers'].choices = [
            (s.id, '%s (%s)' % (s.name or s.id, s.status)) for s in servers]
        volumes = []
        for server in servers:
            for volume_id in registration.attached_volume_ids(
                    self.server_dict(server.id)):
                volumes.append(('%s/%s' % (server.id, volume_id),
                                _('%(volume)s, attached to %(server)s')
                                % {'volume': volume_id,
                                   'server': server.name or server.id}))
        self.fields['volumes'].choices = volumes
        self.fields['volumes'].initial = [v for v, _label in volumes]

    def server_dict(self, server_id):
        """The server as Nova answered it (what registration reads)."""
        return self.nova_servers[server_id]._apiresource.to_dict()

    def clean_snapshot_descriptor(self):
        text = self.cleaned_data.get('snapshot_descriptor')
        if not text or not text.strip():
            return None
        return parse_document(text, _('snapshot descriptor'))

    def clean(self):
        cleaned = super().clean()
        chosen = set(cleaned.get('servers') or ())
        for value in cleaned.get('volumes') or ():
            server_id = value.split('/', 1)[0]
            if server_id not in chosen:
                self.add_error('volumes', _(
                    'Volume %(volume)s is attached to a server that is not '
                    'chosen.') % {'volume': value.split('/', 1)[1]})
                break
        return cleaned

    def members(self, data):
        """The registration's members: each chosen server with the
        attachments of its chosen volumes."""
        keep = set(data.get('volumes') or ())
        members = []
        for server_id in data['servers']:
            server = self.server_dict(server_id)
            for key in ('os-extended-volumes:volumes_attached',
                        'attached_volumes'):
                if key in server:
                    server[key] = [
                        v for v in server[key] or ()
                        if '%s/%s' % (server_id, v.get('id')) in keep]
            attachments = [
                a for a in api.server_volume_attachments(self.request,
                                                         server_id)
                if '%s/%s' % (server_id, a.get('volume_id')
                              or a.get('volumeId')) in keep]
            members.append({'server': server, 'attachments': attachments})
        return members

    def auth_url(self, data):
        return (data.get('vim_auth_url')
                or getattr(self.request.user, 'endpoint', None)
                or settings.OPENSTACK_KEYSTONE_URL)

    def handle(self, request, data):
        try:
            instance = self.register(request, data)
        except Exception:
            vnfsnap.handle(request, _('Unable to register the VNF.'))
            return False
        messages.success(request, _('Registered VNF instance %s.')
                         % (instance.get('vnfInstanceName')
                            or instance['id']))
        return instance

    def register(self, request, data):
        """The new VnfInstance; the application credential made for it is
        deleted again when the registration fails."""
        instantiated = registration.instantiated_vnf_info(
            self.members(data), vim_connection_id=data['vim_connection_id'],
            flavour_id=data['flavour_id'])
        name = data.get('name') or None
        credential = api.application_credential_create(
            request, 'vnfsnap-%s-%s' % (name or 'vnf', uuid.uuid4().hex[:8]),
            description='VIM credentials of vnfsnap for the VNF %s'
                        % (name or '(unnamed)'))
        try:
            access = registration.application_credential_access(
                credential.id, credential.secret,
                getattr(request.user, 'services_region', None))
            body = registration.registration_body(
                snapshot_descriptor=data.get('snapshot_descriptor'),
                instantiated=instantiated,
                vim_connections={
                    data['vim_connection_id']:
                        registration.openstack_vim_connection(
                            self.auth_url(data), access)},
                vnfd_id=data['vnfd_id'], name=name,
                description=data.get('description') or None,
                provider=data['provider'], product=data['product'],
                software_version=data['software_version'],
                vnfd_version=data['vnfd_version'])
            return api.vnf_instance_register(request, body)
        except BaseException:
            api.application_credential_delete(request, credential.id)
            raise


class EditSnapshotDescriptor(forms.SelfHandlingForm):
    """Replace the snapshot descriptor (GR NFV-TST 005 table 7.3-1) that
    governs a VNF instance's snapshots and reverts."""

    instance_id = forms.CharField(widget=forms.HiddenInput())
    descriptor = _document_field(
        _('Snapshot Descriptor'),
        _('JSON or YAML: which VNFCs are snapshotted and how (memory, '
          'quiesce, pause), in which order, and when. An empty object '
          'allows everything.'))

    def clean_descriptor(self):
        return parse_document(self.cleaned_data['descriptor'],
                              _('snapshot descriptor'))

    def handle(self, request, data):
        instance_id = data['instance_id']
        try:
            api.snapshot_descriptor_set(request, instance_id,
                                        data['descriptor'])
        except DOCUMENT_ERRORS as exc:
            # What the API finds wrong in the document: beside the field.
            self.add_error('descriptor', exc.detail)
            return False
        except Exception:
            vnfsnap.handle(request,
                           _('Unable to update the snapshot descriptor.'))
            return False
        messages.success(request,
                         _('Updated the snapshot descriptor of VNF '
                           'instance %s.') % instance_id)
        return True
