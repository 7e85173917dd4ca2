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

"""One facade over the OpenStack clients the driver needs.

The driver calls only the methods of :class:`OpenStackClients`, which take
and return plain values (ids, and the small records below), so moving from
python-novaclient/cinderclient/glanceclient to openstacksdk changes this
module only. Every client error becomes a ``ResourceNotFound`` or a
``VimError`` whose message names what failed and never carries a secret of
the VimConnectionInfo.

Credentials are per VIM connection (SOL003 VimConnectionInfo):
``interfaceInfo.endpoint`` is the Keystone URL and ``accessInfo`` holds
either a user (``username``, ``password``, ``project``, ``projectDomain``,
``userDomain``) or an application credential
(``applicationCredentialId`` or ``applicationCredentialName`` with
``username``, and ``applicationCredentialSecret``), plus ``region``. TLS
and timeouts come from keystoneauth's session options in [openstack].
"""

import contextlib
import dataclasses
import json
import threading
import urllib.parse

from cinderclient import api_versions as cinder_versions
from cinderclient import client as cinder_client
from cinderclient import exceptions as cinder_exc
from glanceclient import client as glance_client
from glanceclient import exc as glance_exc
from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import loading as ks_loading
from keystoneauth1.identity import v3 as ks_v3
from novaclient import api_versions as nova_versions
from novaclient import client as nova_client
from novaclient import exceptions as nova_exc
import requests

from vnfsnap.common import exception
import vnfsnap.conf

CONF = vnfsnap.conf.CONF

_SECRET_KEYS = ('password', 'applicationCredentialSecret')
_ACCESS_KEYS = frozenset(_SECRET_KEYS + (
    'username', 'userId', 'userDomain', 'userDomainId', 'project',
    'projectId', 'projectDomain', 'projectDomainId', 'region',
    'applicationCredentialId', 'applicationCredentialName'))
# Image attributes of the Glance v2 schema; everything else is a property.
_IMAGE_CORE = frozenset((
    'id', 'name', 'status', 'visibility', 'protected', 'checksum',
    'os_hash_algo', 'os_hash_value', 'owner', 'size', 'virtual_size',
    'min_ram', 'min_disk', 'disk_format', 'container_format', 'created_at',
    'updated_at', 'tags', 'file', 'schema', 'self', 'direct_url',
    'locations', 'os_hidden', 'stores'))

_CLIENT_ERRORS = (nova_exc.ClientException, nova_exc.UnsupportedVersion,
                  cinder_exc.ClientException, cinder_exc.UnsupportedVersion,
                  glance_exc.BaseException, glance_exc.ClientException,
                  ks_exc.ClientException, requests.RequestException, OSError)
# Not keystoneauth's NotFound: that one is a wrong Keystone URL.
_NOT_FOUND = (nova_exc.NotFound, cinder_exc.NotFound, glance_exc.NotFound)


@dataclasses.dataclass(frozen=True)
class Attachment:
    volume_id: str
    device: str
    delete_on_termination: bool = False


@dataclasses.dataclass(frozen=True)
class Server:
    id: str
    name: str
    status: str
    task_state: str
    image_id: str           # None for a volume-backed server
    root_device_name: str   # None unless the policy shows it (admin)
    volumes: tuple = ()     # Attachments
    ephemeral_gb: int = 0   # of its flavor (shown from Compute 2.47)

    @property
    def volume_backed(self):
        return not self.image_id


@dataclasses.dataclass(frozen=True)
class Image:
    id: str
    name: str
    status: str
    size: int
    virtual_size: int
    disk_format: str
    container_format: str
    properties: dict


@dataclasses.dataclass(frozen=True)
class Volume:
    id: str
    name: str
    status: str
    size: int
    volume_type: str
    availability_zone: str
    bootable: bool
    metadata: dict
    image_metadata: dict
    server_ids: tuple = ()
    group_id: str = None


@dataclasses.dataclass(frozen=True)
class GroupSnapshot:
    id: str
    status: str


@dataclasses.dataclass(frozen=True)
class Snapshot:
    id: str
    volume_id: str
    name: str
    status: str
    size: int
    created_at: str


def _as_version(api_version):
    return (api_version.ver_major, api_version.ver_minor)


def _auth(endpoint, access):
    """A keystoneauth v3 plugin for one VimConnectionInfo."""
    unknown = sorted(set(access) - _ACCESS_KEYS)
    if unknown:
        raise exception.VimError(
            reason='vimConnectionInfo.accessInfo has unknown keys: %s '
                   '(known: %s)' % (', '.join(unknown),
                                    ', '.join(sorted(_ACCESS_KEYS))))
    user = {'user_id': access.get('userId'),
            'username': access.get('username'),
            'user_domain_id': access.get('userDomainId'),
            'user_domain_name': access.get('userDomain')}
    if user['username'] and not user['user_domain_id']:
        user['user_domain_name'] = user['user_domain_name'] or 'Default'
    project = {'project_id': access.get('projectId'),
               'project_name': access.get('project'),
               'project_domain_id': access.get('projectDomainId'),
               'project_domain_name': access.get('projectDomain')}
    if project['project_name'] and not project['project_domain_id']:
        project['project_domain_name'] = (project['project_domain_name']
                                          or 'Default')
    if access.get('applicationCredentialSecret'):
        if not (access.get('applicationCredentialId') or (
                access.get('applicationCredentialName')
                and (user['username'] or user['user_id']))):
            raise exception.VimError(
                reason='vimConnectionInfo.accessInfo: an application '
                       'credential needs applicationCredentialId, or '
                       'applicationCredentialName with username or userId')
        # An application credential is bound to its project already.
        return ks_v3.ApplicationCredential(
            auth_url=endpoint,
            application_credential_secret=access[
                'applicationCredentialSecret'],
            application_credential_id=access.get('applicationCredentialId'),
            application_credential_name=access.get(
                'applicationCredentialName'),
            **user)
    if not (access.get('password') and (user['username']
                                        or user['user_id'])):
        raise exception.VimError(
            reason='vimConnectionInfo.accessInfo needs username (or '
                   'userId) and password, or an application credential')
    if not (project['project_name'] or project['project_id']):
        raise exception.VimError(
            reason='vimConnectionInfo.accessInfo needs project (or '
                   'projectId): servers and volumes belong to a project')
    return ks_v3.Password(auth_url=endpoint, password=access['password'],
                          **user, **project)


class OpenStackClients:
    """Nova, Cinder and Glance for one VIM connection, on one keystoneauth
    session; the Nova and Cinder microversions are negotiated on first use
    (the highest both the cloud and the client library speak)."""

    def __init__(self, vim_connection_info):
        interface = vim_connection_info.get('interfaceInfo') or {}
        access = vim_connection_info.get('accessInfo') or {}
        self.endpoint = interface.get('endpoint')
        url = urllib.parse.urlsplit(self.endpoint or '')
        if url.scheme not in ('http', 'https') or not url.netloc:
            raise exception.VimError(
                reason='vimConnectionInfo.interfaceInfo.endpoint must be '
                       'the http(s) URL of Keystone, not %r' % self.endpoint)
        self._secrets = [access[k] for k in _SECRET_KEYS if access.get(k)]
        self.user = (access.get('username') or access.get('userId')
                     or access.get('applicationCredentialName')
                     or access.get('applicationCredentialId'))
        self.region = access.get('region') or CONF.openstack.region_name
        self.interface = CONF.openstack.interface
        self.session = ks_loading.load_session_from_conf_options(
            CONF, 'openstack', auth=_auth(self.endpoint, access),
            connect_retries=CONF.openstack.connect_retries)
        self._lock = threading.Lock()
        self._nova = self._cinder = self._glance = None

    def __repr__(self):
        return '<OpenStackClients %s as %s>' % (self.endpoint, self.user)

    # --- errors --------------------------------------------------------------

    def scrub(self, text):
        """``text`` without any secret of this VIM connection."""
        text = str(text)
        for secret in self._secrets:
            text = text.replace(secret, '***')
        return text

    @contextlib.contextmanager
    def _errors(self, what, kind=None, resource_id=None):
        """Client errors -> ResourceNotFound (a 404 on ``resource_id``) or
        VimError, with no secret in the message."""
        try:
            yield
        except exception.ResourceNotFound:
            raise
        except _NOT_FOUND as e:
            if kind is None:
                raise exception.VimError(
                    reason='%s: %s' % (what, self.scrub(e))) from None
            raise exception.ResourceNotFound(
                kind=kind, id=resource_id) from None
        except ks_exc.Unauthorized:
            raise exception.VimError(
                reason='%s: Keystone at %s refused the credentials of %s '
                       '(vimConnectionInfo.accessInfo)'
                % (what, self.endpoint, self.user)) from None
        except _CLIENT_ERRORS as e:
            # "from None": a chained client exception could carry request
            # details into a traceback.
            raise exception.VimError(reason='%s: %s: %s' % (
                what, type(e).__name__, self.scrub(e))) from None

    # --- clients -------------------------------------------------------------

    def _compute(self):
        with self._lock:
            if self._nova is None:
                with self._errors('negotiating the Compute API version '
                                  'with %s' % self.endpoint):
                    probe = nova_client.Client(
                        '2.1', session=self.session,
                        region_name=self.region,
                        endpoint_type=self.interface)
                    version = nova_versions.discover_version(
                        probe, nova_versions.APIVersion('2.latest'))
                    self._nova = nova_client.Client(
                        version, session=self.session,
                        region_name=self.region,
                        endpoint_type=self.interface)
            return self._nova

    def _volume(self):
        with self._lock:
            if self._cinder is None:
                with self._errors('negotiating the Block Storage API '
                                  'version with %s' % self.endpoint):
                    probe = cinder_client.Client(
                        '3.0', session=self.session,
                        region_name=self.region,
                        endpoint_type=self.interface)
                    version = cinder_versions.discover_version(
                        probe, cinder_versions.APIVersion('3.latest'))
                    self._cinder = cinder_client.Client(
                        version, session=self.session,
                        region_name=self.region,
                        endpoint_type=self.interface)
            return self._cinder

    def _image(self):
        with self._lock:
            if self._glance is None:
                self._glance = glance_client.Client(
                    '2', session=self.session, region_name=self.region,
                    interface=self.interface)
            return self._glance

    def compute_version(self):
        """The negotiated Compute microversion as (2, minor)."""
        return _as_version(self._compute().api_version)

    def volume_version(self):
        """The negotiated Block Storage microversion as (3, minor)."""
        return _as_version(self._volume().api_version)

    # --- compute -------------------------------------------------------------

    def get_server(self, server_id):
        nova = self._compute()
        with self._errors('reading server %s' % server_id, 'server',
                          server_id):
            server = nova.servers.get(server_id)
            attachments = nova.volumes.get_server_volumes(server_id)
        image = server.image if isinstance(server.image, dict) else {}
        flavor = server.flavor if isinstance(server.flavor, dict) else {}
        return Server(
            id=server.id, name=server.name, status=server.status,
            task_state=getattr(server, 'OS-EXT-STS:task_state', None),
            image_id=image.get('id'),
            root_device_name=getattr(
                server, 'OS-EXT-SRV-ATTR:root_device_name', None),
            volumes=tuple(Attachment(
                volume_id=a.volumeId, device=a.device,
                delete_on_termination=bool(getattr(
                    a, 'delete_on_termination', False)))
                for a in attachments),
            ephemeral_gb=flavor.get('ephemeral') or 0)

    # --- diagnostics (root-cause packages): records as the APIs give them -

    @staticmethod
    def _as_dict(resource):
        return json.loads(json.dumps(
            resource.to_dict() if hasattr(resource, 'to_dict')
            else dict(resource), default=str))

    def server_record(self, server_id):
        nova = self._compute()
        with self._errors('reading server %s' % server_id, 'server',
                          server_id):
            return self._as_dict(nova.servers.get(server_id))

    def instance_actions(self, server_id):
        """The server's instance actions, newest first, each with its
        events (what the policy shows of them)."""
        nova = self._compute()
        with self._errors('reading the instance actions of server %s'
                          % server_id, 'server', server_id):
            actions = []
            for action in nova.instance_action.list(server_id):
                detail = nova.instance_action.get(server_id,
                                                  action.request_id)
                actions.append(self._as_dict(detail))
            return actions

    def console_output(self, server_id, lines):
        """The last ``lines`` lines of the server's console log."""
        nova = self._compute()
        with self._errors('reading the console log of server %s'
                          % server_id, 'server', server_id):
            return str(nova.servers.get_console_output(server_id,
                                                       length=lines))

    def volume_record(self, volume_id):
        cinder = self._volume()
        with self._errors('reading volume %s' % volume_id, 'volume',
                          volume_id):
            return self._as_dict(cinder.volumes.get(volume_id))

    def image_record(self, image_id):
        glance = self._image()
        with self._errors('reading image %s' % image_id, 'image', image_id):
            return self._as_dict(glance.images.get(image_id))

    def _server_action(self, action, server_id, *args, **kwargs):
        nova = self._compute()
        with self._errors('%s server %s' % (action, server_id), 'server',
                          server_id):
            return getattr(nova.servers, action)(server_id, *args, **kwargs)

    def create_server_image(self, server_id, name, metadata):
        """Nova createImage; returns the new image's id."""
        return str(self._server_action('create_image', server_id, name,
                                       metadata))

    def stop_server(self, server_id):
        self._server_action('stop', server_id)

    def start_server(self, server_id):
        self._server_action('start', server_id)

    def pause_server(self, server_id):
        self._server_action('pause', server_id)

    def reboot_server(self, server_id, hard=True):
        """Nova reboot; HARD is a power cycle (an online test's fault)."""
        self._server_action('reboot', server_id,
                            reboot_type='HARD' if hard else 'SOFT')

    def unpause_server(self, server_id):
        self._server_action('unpause', server_id)

    def rebuild_server(self, server_id, image_id):
        """Rebuild with ``image_id``, keeping the server's id and ports; a
        volume-backed server needs microversion 2.93 (checked by the
        caller)."""
        self._server_action('rebuild', server_id, image_id)

    def attach_volume(self, server_id, volume_id, device,
                      delete_on_termination=False):
        nova = self._compute()
        kwargs = {}
        if self.compute_version() >= (2, 79):
            kwargs['delete_on_termination'] = delete_on_termination
        with self._errors('attaching volume %s to server %s'
                          % (volume_id, server_id)):
            nova.volumes.create_server_volume(server_id, volume_id,
                                              device=device, **kwargs)

    def detach_volume(self, server_id, volume_id):
        nova = self._compute()
        with self._errors('detaching volume %s from server %s'
                          % (volume_id, server_id)):
            nova.volumes.delete_server_volume(server_id, volume_id)

    # --- block storage -------------------------------------------------------

    @staticmethod
    def _to_volume(v):
        return Volume(
            id=v.id, name=v.name, status=v.status, size=v.size,
            volume_type=v.volume_type,
            availability_zone=v.availability_zone,
            bootable=str(v.bootable).lower() == 'true',
            metadata=dict(v.metadata or {}),
            image_metadata=dict(getattr(v, 'volume_image_metadata', None)
                                or {}),
            server_ids=tuple(a['server_id'] for a in v.attachments or ()),
            group_id=getattr(v, 'group_id', None))

    @staticmethod
    def _to_snapshot(s):
        return Snapshot(id=s.id, volume_id=s.volume_id, name=s.name,
                        status=s.status, size=s.size,
                        created_at=s.created_at)

    def get_volume(self, volume_id):
        cinder = self._volume()
        with self._errors('reading volume %s' % volume_id, 'volume',
                          volume_id):
            return self._to_volume(cinder.volumes.get(volume_id))

    def create_volume(self, size, name, snapshot_id=None, image_id=None,
                      volume_type=None, availability_zone=None,
                      metadata=None):
        cinder = self._volume()
        with self._errors('creating volume %s' % name):
            return self._to_volume(cinder.volumes.create(
                size, snapshot_id=snapshot_id, imageRef=image_id, name=name,
                volume_type=volume_type,
                availability_zone=availability_zone,
                metadata=metadata or {}))

    def find_volumes(self, name):
        """The ids of the volumes named ``name`` this project sees."""
        cinder = self._volume()
        with self._errors('looking for volumes named %s' % name):
            return [v.id for v in cinder.volumes.list(
                search_opts={'name': name}) if v.name == name]

    def delete_volume(self, volume_id):
        cinder = self._volume()
        with self._errors('deleting volume %s' % volume_id, 'volume',
                          volume_id):
            cinder.volumes.delete(volume_id)

    def set_volume_metadata(self, volume_id, metadata):
        cinder = self._volume()
        with self._errors('setting metadata of volume %s' % volume_id,
                          'volume', volume_id):
            cinder.volumes.set_metadata(volume_id, metadata)

    def revert_volume(self, volume_id, snapshot_id):
        """Cinder's revert to the volume's latest snapshot (3.40)."""
        cinder = self._volume()
        with self._errors('reverting volume %s to snapshot %s'
                          % (volume_id, snapshot_id)):
            cinder.volumes.revert_to_snapshot(volume_id, snapshot_id)

    def upload_volume_to_image(self, volume_id, name, disk_format,
                               container_format='bare'):
        """Cinder upload-to-image of a detached volume; returns the image
        id (the upload goes on in the background)."""
        cinder = self._volume()
        with self._errors('uploading volume %s to an image' % volume_id):
            _, body = cinder.volumes.upload_to_image(
                volume_id, False, name, container_format, disk_format,
                'private', False)
        return body['os-volume_upload_image']['image_id']

    def create_snapshot(self, volume_id, name, force=False):
        """``force`` for an in-use volume: needed before Block Storage
        3.66; from 3.66 on only true may be passed (false is an error)."""
        cinder = self._volume()
        kwargs = {'force': True} if force else {}
        with self._errors('snapshotting volume %s' % volume_id):
            return self._to_snapshot(cinder.volume_snapshots.create(
                volume_id, name=name, **kwargs))

    def get_snapshot(self, snapshot_id):
        cinder = self._volume()
        with self._errors('reading volume snapshot %s' % snapshot_id,
                          'volume snapshot', snapshot_id):
            return self._to_snapshot(cinder.volume_snapshots.get(
                snapshot_id))

    def list_snapshots(self, volume_id):
        """The snapshots of one volume."""
        cinder = self._volume()
        with self._errors('listing the snapshots of volume %s' % volume_id):
            return [self._to_snapshot(s) for s in
                    cinder.volume_snapshots.list(
                        search_opts={'volume_id': volume_id})
                    if s.volume_id == volume_id]

    # --- group snapshots (Block Storage 3.14) --------------------------------

    def consistent_group(self, group_id):
        """The ids of the volumes of group ``group_id`` when its group type
        promises consistent group snapshots, else None. The promise is in
        the group type's specs, which Cinder shows to admins only by
        default: unreadable counts as no promise."""
        cinder = self._volume()
        with self._errors('reading volume group %s' % group_id):
            try:
                group = cinder.groups.get(group_id)
                specs = cinder.group_types.get(group.group_type).get_keys()
            except (cinder_exc.Forbidden, cinder_exc.NotFound):
                return None
            if specs.get('consistent_group_snapshot_enabled') != \
                    '<is> True':
                return None
            return frozenset(v.id for v in cinder.volumes.list(
                search_opts={'group_id': group_id}))

    def create_group_snapshot(self, group_id, name):
        cinder = self._volume()
        with self._errors('snapshotting volume group %s' % group_id):
            made = cinder.group_snapshots.create(group_id, name=name)
            return GroupSnapshot(id=made.id, status=made.status)

    def get_group_snapshot(self, group_snapshot_id):
        cinder = self._volume()
        with self._errors('reading group snapshot %s' % group_snapshot_id,
                          'group snapshot', group_snapshot_id):
            found = cinder.group_snapshots.get(group_snapshot_id)
            return GroupSnapshot(id=found.id, status=found.status)

    def list_group_snapshot_members(self, group_snapshot_id):
        """The volume snapshots a group snapshot made."""
        cinder = self._volume()
        with self._errors('listing the snapshots of group snapshot %s'
                          % group_snapshot_id):
            return [self._to_snapshot(s) for s in
                    cinder.volume_snapshots.list(search_opts={
                        'group_snapshot_id': group_snapshot_id})]

    def find_group_snapshots(self, name):
        """The ids of the group snapshots named ``name``."""
        cinder = self._volume()
        with self._errors('looking for group snapshots named %s' % name):
            return [g.id for g in cinder.group_snapshots.list(
                search_opts={'name': name}) if g.name == name]

    def delete_group_snapshot(self, group_snapshot_id):
        cinder = self._volume()
        with self._errors('deleting group snapshot %s' % group_snapshot_id,
                          'group snapshot', group_snapshot_id):
            cinder.group_snapshots.delete(group_snapshot_id)

    def delete_snapshot(self, snapshot_id):
        cinder = self._volume()
        with self._errors('deleting volume snapshot %s' % snapshot_id,
                          'volume snapshot', snapshot_id):
            cinder.volume_snapshots.delete(snapshot_id)

    # --- image ---------------------------------------------------------------

    def get_image(self, image_id):
        glance = self._image()
        with self._errors('reading image %s' % image_id, 'image', image_id):
            image = dict(glance.images.get(image_id))
        properties = {}
        for key, value in image.items():
            if key not in _IMAGE_CORE:
                properties[key] = value
        # Nova writes list-valued properties as JSON strings.
        if isinstance(properties.get('block_device_mapping'), str):
            try:
                properties['block_device_mapping'] = json.loads(
                    properties['block_device_mapping'])
            except ValueError:
                pass
        return Image(id=image['id'], name=image.get('name'),
                     status=image['status'], size=image.get('size'),
                     virtual_size=image.get('virtual_size'),
                     disk_format=image.get('disk_format'),
                     container_format=image.get('container_format'),
                     properties=properties)

    def create_image(self, name, disk_format, container_format,
                     properties=None):
        """A new private image without data; returns its id."""
        glance = self._image()
        with self._errors('creating image %s' % name):
            image = glance.images.create(
                name=name, disk_format=disk_format,
                container_format=container_format, visibility='private',
                **{k: str(v) for k, v in (properties or {}).items()})
        return image['id']

    def upload_image(self, image_id, path, size):
        """Send a local file as the image's data, streamed from disk."""
        glance = self._image()
        with self._errors('uploading data of image %s' % image_id, 'image',
                          image_id):
            with open(path, 'rb') as f:
                glance.images.upload(image_id, f, image_size=size)

    def download_image(self, image_id, path, progress=None):
        """Write the image's data to ``path`` chunk by chunk, verified
        against Glance's checksum; returns the number of bytes."""
        glance = self._image()
        done = 0
        with self._errors('downloading image %s' % image_id, 'image',
                          image_id):
            body = glance.images.data(image_id)
            # glanceclient wraps "no data" (HTTP 204) in a proxy of None.
            if getattr(body, '__wrapped__', body) is None:
                raise exception.VimError(
                    reason='image %s has no data to download' % image_id)
            with open(path, 'wb') as f:
                for chunk in body:
                    f.write(chunk)
                    done += len(chunk)
                    if progress is not None:
                        progress(done)
        return done

    def find_images(self, name):
        """The ids of the images named ``name`` this project sees."""
        glance = self._image()
        with self._errors('looking for images named %s' % name):
            return [i['id'] for i in glance.images.list(
                filters={'name': name}) if i.get('name') == name]

    def delete_image(self, image_id):
        glance = self._image()
        with self._errors('deleting image %s' % image_id, 'image', image_id):
            glance.images.delete(image_id)
