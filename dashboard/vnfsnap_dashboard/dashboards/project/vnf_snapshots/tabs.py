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

"""The detail page of a VNF snapshot: its overview and its VNFC
snapshots."""

from django.utils.translation import gettext_lazy as _
from horizon import tabs

from vnfsnap_dashboard.dashboards.project.vnf_snapshots import tables


class OverviewTab(tabs.Tab):
    name = _('Overview')
    slug = 'overview'
    template_name = 'project/vnf_snapshots/_detail_overview.html'
    dashboard = 'project'

    def get_context_data(self, request):
        snapshot = self.tab_group.kwargs['vnf_snapshot']
        return {
            'vnf_snapshot': snapshot,
            'status_display': dict(tables.STATUS_DISPLAY_CHOICES).get(
                snapshot.status, snapshot.status),
            'vnf_instance_url': tables.panel_link(
                self.dashboard, 'vnf_instances', 'vnf_instance_id')(snapshot),
            'op_occ_url': tables.panel_link(
                self.dashboard, 'vnf_operations', 'op_occ_id')(snapshot),
            'package_url': tables.panel_link(
                self.dashboard, 'vnf_snapshot_packages',
                'package_id')(snapshot),
        }


class VnfcSnapshotsTab(tabs.TableTab):
    name = _('VNFC Snapshots')
    slug = 'vnfc_snapshots'
    table_classes = (tables.VnfcSnapshotsTable,)
    template_name = 'horizon/common/_detail_table.html'

    def get_vnfc_snapshots_data(self):
        return self.tab_group.kwargs['vnf_snapshot'].vnfc_snapshots


class SnapshotDetailTabs(tabs.DetailTabsGroup):
    slug = 'vnf_snapshot_details'
    tabs = (OverviewTab, VnfcSnapshotsTab)
