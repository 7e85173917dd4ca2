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

"""The tabs of a VNF instance's detail page.  The overview and the VNFCs
come from the one VnfInstance the page reads; the VIM capabilities, the
snapshot descriptor, the notification endpoint and the online tests each
cost a call of their own, so they load when their tab is opened (the
capabilities are asked of the VIM then)."""

import json

from django.utils.translation import gettext_lazy as _
from horizon import tables
from horizon import tabs

from vnfsnap_dashboard.api import vnf_instances as api
from vnfsnap_dashboard.api import vnfsnap
from vnfsnap_dashboard.dashboards.project.vnf_instances import (
    tables as instance_tables,
)
from vnfsnap_dashboard.dashboards.project.vnf_instances.online_tests import (
    tabs as test_tabs,
)

TEMPLATES = 'project/vnf_instances/'


def pretty(document):
    """A JSON document as the page shows it.  The snapshot descriptor is
    shown whole (its schema holds no secret, and the keys of its
    ``vnfcs`` are VDU ids, which the edit form must give back intact);
    everything else is stripped of its secrets before it gets here."""
    return json.dumps(document, indent=2, sort_keys=True)


class OverviewTab(tabs.Tab):
    name = _('Overview')
    slug = 'overview'
    template_name = TEMPLATES + '_detail_overview.html'

    def get_context_data(self, request):
        instance = self.tab_group.kwargs['instance']
        connections = []
        for conn_id, conn in sorted(instance.vim_connections.items()):
            connections.append({
                'id': conn_id,
                'vimType': conn.get('vimType'),
                'vimId': conn.get('vimId'),
                'interfaceInfo': conn.get('interfaceInfo') or {},
            })
        return {'instance': instance, 'vim_connections': connections,
                'metadata': pretty(instance.get('metadata'))
                if instance.get('metadata') else None}


def _volumes_of(instance):
    """{storage resource id: its virtualStorageResourceInfo entry}."""
    return {s['id']: s for s in
            instance.instantiated.get('virtualStorageResourceInfo') or []}


class Vnfc(dict):
    """A vnfcResourceInfo entry with its volumes, as a table row."""

    @property
    def id(self):
        return self['id']


def _volume_text(storage):
    resource = storage.get('storageResource') or {}
    return '%s: %s' % (storage.get('virtualStorageDescId'),
                       resource.get('resourceId'))


def _joined(values):
    return ', '.join(values) or None


class VnfcsTable(tables.DataTable):
    vnfc_id = tables.Column('id', verbose_name=_('VNFC'))
    vdu_id = tables.Column('vduId', verbose_name=_('VDU'))
    server = tables.Column(
        lambda v: (v.get('computeResource') or {}).get('resourceId'),
        verbose_name=_('Compute Resource'))
    vim = tables.Column(
        lambda v: (v.get('computeResource') or {}).get('vimConnectionId'),
        verbose_name=_('VIM Connection'), empty_value='-')
    volumes = tables.Column('volumes', verbose_name=_('Volumes'),
                            empty_value='-', filters=(_joined,))

    class Meta(object):
        name = 'vnfcs'
        verbose_name = _('VNFCs')


class VnfcsTab(tabs.TableTab):
    name = _('VNFCs')
    slug = 'vnfcs'
    table_classes = (VnfcsTable,)
    template_name = 'horizon/common/_detail_table.html'
    preload = True

    def get_vnfcs_data(self):
        instance = self.tab_group.kwargs['instance']
        storages = _volumes_of(instance)
        rows = []
        for vnfc in instance.vnfcs:
            row = Vnfc(vnfc)
            row['volumes'] = [_volume_text(storages[s])
                              for s in vnfc.get('storageResourceIds') or []
                              if s in storages]
            rows.append(row)
        return rows


class _LoadedOnOpen(tabs.Tab):
    """A tab whose content is one more API call, made when it is opened;
    the failure becomes a toast with the API's detail and an empty tab."""

    preload = False
    failure = None

    def fetch(self, request, instance_id):
        raise NotImplementedError()

    def get_context_data(self, request):
        instance_id = self.tab_group.kwargs['instance_id']
        try:
            return {'data': self.fetch(request, instance_id), 'failed': False}
        except Exception:
            vnfsnap.handle(request, self.failure)
            return {'data': None, 'failed': True}


class VimCapabilitiesTab(_LoadedOnOpen):
    name = _('VIM Capabilities')
    slug = 'vim_capabilities'
    template_name = TEMPLATES + '_detail_vim_capabilities.html'
    failure = _('Unable to retrieve the VIM capabilities.')

    def fetch(self, request, instance_id):
        answer = api.vim_capabilities_get(request, instance_id)
        vnfcs = answer.get('vnfcs') or []
        names = sorted({n for v in vnfcs for n in v.get('capabilities') or {}})
        return {'names': names, 'vnfcs': [
            {'id': v.get('vnfcResourceInfoId'),
             'vim': v.get('vimConnectionId'),
             'values': [(v.get('capabilities') or {}).get(n) for n in names],
             'error': v.get('error')} for v in vnfcs]}


class SnapshotDescriptorTab(_LoadedOnOpen):
    name = _('Snapshot Descriptor')
    slug = 'snapshot_descriptor'
    template_name = TEMPLATES + '_detail_snapshot_descriptor.html'
    failure = _('Unable to retrieve the snapshot descriptor.')

    def fetch(self, request, instance_id):
        return pretty(api.snapshot_descriptor_get(request, instance_id))


class NotificationEndpointTab(_LoadedOnOpen):
    name = _('Notification Endpoint')
    slug = 'notification_endpoint'
    template_name = TEMPLATES + '_detail_notification_endpoint.html'
    failure = _('Unable to retrieve the notification endpoint.')

    def fetch(self, request, instance_id):
        endpoint = instance_tables.without_secrets(
            api.snapshot_notifications_get(request, instance_id))
        auth = endpoint.get('authentication') or {}
        return {
            'callbackUri': endpoint.get('callbackUri'),
            'verifyTls': endpoint.get('verifyTls'),
            'ackTimeout': endpoint.get('ackTimeout'),
            'authType': ', '.join(auth.get('authType') or ()),
            'userName': (auth.get('paramsBasic') or {}).get('userName'),
            'clientId': (auth.get('paramsOauth2ClientCredentials')
                         or {}).get('clientId'),
        }


class VnfInstanceDetailTabs(tabs.DetailTabsGroup):
    slug = 'vnf_instance_details'
    tabs = (OverviewTab, VnfcsTab, VimCapabilitiesTab, SnapshotDescriptorTab,
            NotificationEndpointTab, test_tabs.OnlineTestsTab)
    sticky = True
