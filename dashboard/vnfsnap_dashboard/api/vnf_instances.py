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

"""The calls of the "VNF instances" panels: one function per request to
vnfsnap (or to Nova/Keystone for the registration form), so that the unit
tests mock them and every page costs a known number of round trips."""

from openstack_dashboard.api import _nova
from openstack_dashboard.api import keystone
from openstack_dashboard.api import nova

from vnfsnap_dashboard.api import vnfsnap

# The complex attributes the list leaves out by default (SOL013 5.3) that
# the table shows: the VIM connections and the VNFCs.
LIST_FIELDS = ('vimConnectionInfo', 'instantiatedVnfInfo')


def vnf_instance_list(request):
    """Every VNF instance the user's token sees (an administrator's: of
    every project), with their VIM connections and VNFCs."""
    return list(vnfsnap.client(request).vnf_instances.list(
        fields=LIST_FIELDS))


def vnf_instance_get(request, instance_id):
    return vnfsnap.client(request).vnf_instances.get(instance_id)


def vnf_instance_register(request, body):
    """POST /vnf_instances; the new VnfInstance."""
    return vnfsnap.client(request).vnf_instances.register(body)


def vnf_instance_delete(request, instance_id):
    vnfsnap.client(request).vnf_instances.delete(instance_id)


def vim_capabilities_get(request, instance_id):
    """What each VNFC's VIM can do for snapshots (the VIM is asked now)."""
    return vnfsnap.client(request).vnf_instances.vim_capabilities(
        instance_id)


def snapshot_descriptor_get(request, instance_id):
    return vnfsnap.client(request).vnf_instances.get_snapshot_descriptor(
        instance_id)


def snapshot_descriptor_set(request, instance_id, descriptor):
    """Replace the snapshot descriptor; the one now in force."""
    return vnfsnap.client(request).vnf_instances.set_snapshot_descriptor(
        instance_id, descriptor)


def snapshot_notifications_get(request, instance_id):
    """The notification endpoint, as the API answers it: without its
    secrets ({} when none is set)."""
    return vnfsnap.client(request).vnf_instances.get_snapshot_notifications(
        instance_id)


def last_snapshot_times(request):
    """{VNF instance id: when its latest VNF snapshot finished (ISO 8601)}
    from one list of the VNF snapshots (their defaults exclude the heavy
    parts: the VNF instance copy and the VNFC snapshots)."""
    latest = {}
    for info in vnfsnap.client(request).vnf_snapshots.list():
        snapshot = info.get('vnfSnapshot') or {}
        instance_id = snapshot.get('vnfInstanceId')
        when = (snapshot.get('creationFinishedAt')
                or snapshot.get('creationStartedAt'))
        if instance_id and when and when > latest.get(instance_id, ''):
            latest[instance_id] = when
    return latest


def server_list(request, all_projects=False):
    """The Nova servers of the user's project (of every project for an
    administrator's ``all_projects``), as Horizon's wrappers."""
    search_opts = {'all_tenants': True} if all_projects else None
    servers, _more = nova.server_list(request, search_opts=search_opts)
    return servers


def server_volume_attachments(request, server_id):
    """The volume attachments of a Nova server as dicts (``volume_id``,
    ``device``...), read as the CLI's ``--server`` reads them (the
    openstacksdk compute proxy), so that the form's registration names
    the volumes after their devices as the CLI does."""
    compute = _nova.computeclient(request)
    return [a.to_dict() for a in compute.volume_attachments(server_id)]


def project_names(request):
    """{project id: name} of every project (an administrator's call)."""
    projects, _more = keystone.tenant_list(request)
    return {p.id: p.name for p in projects}


def application_credential_create(request, name, description):
    """A Keystone application credential of the user in the current
    project (its ``id`` and ``secret``): the VIM credentials vnfsnap acts
    with for a VNF registered from the form."""
    return keystone.application_credential_create(
        request, name, description=description)


def application_credential_delete(request, credential_id):
    keystone.application_credential_delete(request, credential_id)
