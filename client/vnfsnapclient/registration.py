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

"""Registration bodies (VnfInfo) of VNFs made of Nova servers.

Pure functions, no I/O: the caller (the ``openstack vnf instance register
--server/--stack`` command, the Horizon form) reads the servers and their
volume attachments from Nova and hands them over as dicts.  Both the Nova
API's JSON keys (``volumeId``, ``os-extended-volumes:volumes_attached``)
and openstacksdk's ``to_dict()`` keys (``volume_id``,
``attached_volumes``) are understood.

Each server becomes one VNFC (``vnfcResourceInfo``) whose compute
resource is the Nova server, and each volume attached to it one
``virtualStorageResourceInfo`` entry whose storage resource is the Cinder
volume, named after its device (``vdb``...).  See doc/source/user/
registration.rst and doc/source/admin/openstack.rst.
"""

import re

OPENSTACK_VIM_TYPE = 'ETSINFV.OPENSTACK_KEYSTONE.V_3'
SERVER_RESOURCE_TYPE = 'OS::Nova::Server'
VOLUME_RESOURCE_TYPE = 'OS::Cinder::Volume'
DEFAULT_VIM_CONNECTION_ID = 'openstack'
DEFAULT_FLAVOUR_ID = 'default'
# Nova statuses of a server whose guest runs.
_RUNNING = frozenset(['ACTIVE', 'PAUSED'])


def _first(mapping, *keys):
    for key in keys:
        if mapping.get(key) is not None:
            return mapping[key]
    return None


def _unique(name, taken):
    """``name``, or ``name-2``, ``name-3``... when already taken."""
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = '%s-%d' % (name, n)
    taken.add(candidate)
    return candidate


def _identifier(text):
    """A readable identifier from a server name or device path."""
    cleaned = re.sub(r'[^A-Za-z0-9_.-]+', '-', text or '').strip('-')
    return cleaned or 'vnfc'


def attached_volume_ids(server):
    """Ids of the volumes Nova lists as attached to ``server``."""
    volumes = _first(server, 'os-extended-volumes:volumes_attached',
                     'attached_volumes') or []
    return [v['id'] for v in volumes if v.get('id')]


def vnfc(server, attachments=(), vdu_id=None, vnfc_id=None,
         vim_connection_id=DEFAULT_VIM_CONNECTION_ID, taken=None):
    """(vnfcResourceInfo entry, [virtualStorageResourceInfo entries]) of
    one Nova server and its volume attachments.

    ``vdu_id`` defaults to the server's name (a Heat stack passes the
    resource's name), ``vnfc_id`` to ``vdu_id``; ``taken`` is the set of
    ids already used in the VNF, so that every id stays unique.
    """
    taken = set() if taken is None else taken
    vdu_id = vdu_id or _identifier(server.get('name') or server['id'])
    vnfc_id = _unique(_identifier(vnfc_id or vdu_id), taken)
    devices = {}
    for att in attachments:
        volume_id = _first(att, 'volumeId', 'volume_id')
        if volume_id:
            devices[volume_id] = att.get('device')
    volume_ids = attached_volume_ids(server)
    volume_ids += [v for v in devices if v not in volume_ids]
    storages = []
    for volume_id in volume_ids:
        device = devices.get(volume_id)
        desc = (_identifier(device.rsplit('/', 1)[-1]) if device
                else volume_id)
        storages.append({
            'id': _unique('%s-%s' % (vnfc_id, desc), taken),
            'virtualStorageDescId': desc,
            'storageResource': {
                'vimConnectionId': vim_connection_id,
                'resourceId': volume_id,
                'vimLevelResourceType': VOLUME_RESOURCE_TYPE,
            },
        })
    entry = {
        'id': vnfc_id,
        'vduId': vdu_id,
        'computeResource': {
            'vimConnectionId': vim_connection_id,
            'resourceId': server['id'],
            'vimLevelResourceType': SERVER_RESOURCE_TYPE,
        },
    }
    if storages:
        entry['storageResourceIds'] = [s['id'] for s in storages]
    return entry, storages


def instantiated_vnf_info(members, vim_connection_id=DEFAULT_VIM_CONNECTION_ID,
                          flavour_id=DEFAULT_FLAVOUR_ID):
    """``instantiatedVnfInfo`` of a VNF whose VNFCs are Nova servers.

    ``members``: dicts with ``server`` (a Nova server), optional
    ``attachments`` (its volume attachments), ``vdu_id`` and ``vnfc_id``.
    The VNF is STARTED when one of its servers runs, else STOPPED.
    """
    if not members:
        raise ValueError('a VNF needs at least one server')
    taken = set()
    vnfcs, storages = [], []
    for member in members:
        entry, volumes = vnfc(member['server'],
                              member.get('attachments') or (),
                              vdu_id=member.get('vdu_id'),
                              vnfc_id=member.get('vnfc_id'),
                              vim_connection_id=vim_connection_id,
                              taken=taken)
        vnfcs.append(entry)
        storages += volumes
    running = any(m['server'].get('status') in _RUNNING for m in members)
    info = {
        'flavourId': flavour_id,
        'vnfState': 'STARTED' if running else 'STOPPED',
        'vnfcResourceInfo': vnfcs,
    }
    if storages:
        info['virtualStorageResourceInfo'] = storages
    return info


def keystone_v3_url(auth_url):
    """The Keystone v3 URL the VIM driver authenticates at: ``auth_url``
    as given when it names v3, else with ``/v3`` appended."""
    url = auth_url.rstrip('/')
    if re.search(r'/v3(\.\d+)?$', url):
        return url
    return url + '/v3'


def application_credential_access(credential_id, secret, region=None):
    """accessInfo of the OpenStack VIM driver for a Keystone application
    credential (doc/source/admin/openstack.rst)."""
    access = {'applicationCredentialId': credential_id,
              'applicationCredentialSecret': secret}
    if region:
        access['region'] = region
    return access


def openstack_vim_connection(auth_url, access_info, vim_id=None):
    """A VimConnectionInfo of vimType ETSINFV.OPENSTACK_KEYSTONE.V_3."""
    connection = {
        'vimType': OPENSTACK_VIM_TYPE,
        'interfaceInfo': {'endpoint': keystone_v3_url(auth_url)},
        'accessInfo': dict(access_info),
    }
    if vim_id:
        connection['vimId'] = vim_id
    return connection


# VnfInstance attributes of the registration body, by keyword argument.
IDENTITY_ATTRIBUTES = (
    ('vnfd_id', 'vnfdId'),
    ('name', 'vnfInstanceName'),
    ('description', 'vnfInstanceDescription'),
    ('provider', 'vnfProvider'),
    ('product', 'vnfProductName'),
    ('software_version', 'vnfSoftwareVersion'),
    ('vnfd_version', 'vnfdVersion'),
)


def registration_body(base=None, vnfd=None, snapshot_descriptor=None,
                      instantiated=None, vim_connections=None,
                      **identity):
    """A registration request (``POST /vnflcm/v2/vnf_instances``).

    ``base`` is a body read from a file; the other arguments, when given,
    replace its attributes (``identity``: the keyword names of
    IDENTITY_ATTRIBUTES).  ``vim_connections`` is merged into the base's
    ``vimConnectionInfo``.
    """
    body = dict(base or {})
    unknown = set(identity) - {k for k, _ in IDENTITY_ATTRIBUTES}
    if unknown:
        raise TypeError('unknown identity attributes: %s'
                        % ', '.join(sorted(unknown)))
    for keyword, attribute in IDENTITY_ATTRIBUTES:
        if identity.get(keyword) is not None:
            body[attribute] = identity[keyword]
    if vnfd is not None:
        body['vnfd'] = vnfd
    if snapshot_descriptor is not None:
        body['snapshotDescriptor'] = snapshot_descriptor
    if instantiated is not None:
        if body.get('instantiatedVnfInfo'):
            raise ValueError('the body already has instantiatedVnfInfo')
        body['instantiatedVnfInfo'] = instantiated
    if vim_connections:
        merged = dict(body.get('vimConnectionInfo') or {})
        merged.update(vim_connections)
        body['vimConnectionInfo'] = merged
    return body


def stack_server_members(resources):
    """Members (see instantiated_vnf_info) of a Heat stack's
    OS::Nova::Server resources, without their servers: ``resources`` are
    Heat resource dicts (``resource_name``, ``physical_resource_id``,
    ``resource_type``, and for nested stacks ``parent_resource``).  A
    server of a nested stack (a ResourceGroup member) takes the VDU id of
    its group."""
    members = []
    for res in sorted(resources, key=lambda r: (
            r.get('parent_resource') or '', r.get('resource_name') or '')):
        if res.get('resource_type') != SERVER_RESOURCE_TYPE:
            continue
        if not res.get('physical_resource_id'):
            raise ValueError('stack resource %s has no server (state %s)'
                             % (res.get('resource_name'),
                                res.get('resource_status')))
        name = res.get('resource_name')
        parent = res.get('parent_resource')
        members.append({
            'server_id': res['physical_resource_id'],
            'vdu_id': _identifier(parent or name),
            'vnfc_id': _identifier('%s-%s' % (parent, name) if parent
                                   else name),
        })
    if not members:
        raise ValueError('the stack has no OS::Nova::Server resource')
    return members
