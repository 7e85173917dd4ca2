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

"""The package detail page: its overview and its artifacts."""

from django.utils.translation import gettext_lazy as _
from horizon import tabs
from horizon.utils import filters

from vnfsnap_dashboard.dashboards.project.vnf_snapshot_packages import (
    tables as pkg_tables,
)


class OverviewTab(tabs.Tab):
    name = _('Overview')
    slug = 'overview'
    template_name = 'project/vnf_snapshot_packages/_detail_overview.html'

    def get_context_data(self, request):
        pkg = self.tab_group.kwargs['package']
        return {'package': pkg,
                'size': pkg_tables.size_display(pkg),
                'created': filters.parse_isotime(pkg.created_at),
                'signature': pkg_tables.signature_display(pkg),
                'state': dict(pkg_tables.STATE_DISPLAY).get(pkg.state,
                                                            pkg.state)}


class ArtifactsTab(tabs.TableTab):
    table_classes = (pkg_tables.ArtifactsTable,)
    name = _('Artifacts')
    slug = 'artifacts'
    template_name = 'horizon/common/_detail_table.html'

    def get_artifacts_data(self):
        return self.tab_group.kwargs['package'].artifacts


class PackageDetailTabs(tabs.DetailTabsGroup):
    slug = 'vnf_snapshot_package_details'
    tabs = (OverviewTab, ArtifactsTab)
