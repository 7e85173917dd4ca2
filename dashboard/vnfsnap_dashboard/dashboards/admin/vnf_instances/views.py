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

"""The Admin dashboard's read-only view of every project's VNF
instances: the Project dashboard's pages without their actions.

The API does not say which project a VNF instance belongs to; the Project
column names the project of the Nova servers that are its VNFCs (one
list of every project's servers and one of the projects), which is the
project the VNF was registered in when the CLI or the Project dashboard
registered it from its servers."""

from django.utils.translation import gettext_lazy as _

from vnfsnap_dashboard.api import vnf_instances as api
from vnfsnap_dashboard.api import vnfsnap
from vnfsnap_dashboard.dashboards.admin.vnf_instances import (
    tables as admin_tables,
)
from vnfsnap_dashboard.dashboards.project.vnf_instances import (
    tabs as project_tabs,
)
from vnfsnap_dashboard.dashboards.project.vnf_instances import (
    views as project_views,
)
from vnfsnap_dashboard.dashboards.project.vnf_instances.online_tests import (
    tabs as test_tabs,
)
from vnfsnap_dashboard.dashboards.project.vnf_instances.online_tests import (
    views as test_views,
)

INDEX_URL = 'horizon:admin:vnf_instances:index'


def instance_projects(request, instances):
    """{VNF instance id: name (or id) of its servers' project}; {} and a
    toast when Nova or Keystone cannot say."""
    try:
        owner = {s.id: s.tenant_id
                 for s in api.server_list(request, all_projects=True)}
        names = api.project_names(request)
    except Exception:
        vnfsnap.handle(request, _('Unable to retrieve the projects of the '
                                  'VNF instances.'))
        return {}
    projects = {}
    for instance in instances:
        vnfcs = (instance.get('instantiatedVnfInfo')
                 or {}).get('vnfcResourceInfo') or []
        found = {owner[v['computeResource']['resourceId']] for v in vnfcs
                 if v.get('computeResource', {}).get('resourceId') in owner}
        if found:
            projects[instance['id']] = ', '.join(
                sorted(names.get(p, p) for p in found))
    return projects


class IndexView(project_views.IndexView):
    table_class = admin_tables.AdminVnfInstancesTable

    def projects_of(self, instances):
        return instance_projects(self.request, instances)


class AdminOnlineTestsTab(test_tabs.OnlineTestsTab):
    table_classes = (admin_tables.AdminOnlineTestsTable,)


class AdminVnfInstanceDetailTabs(project_tabs.VnfInstanceDetailTabs):
    tabs = tuple(AdminOnlineTestsTab if t is test_tabs.OnlineTestsTab
                 else t for t in project_tabs.VnfInstanceDetailTabs.tabs)


class DetailView(project_views.DetailView):
    tab_group_class = AdminVnfInstanceDetailTabs
    index_url = INDEX_URL
    table_class = admin_tables.AdminVnfInstancesTable
    show_actions = False


class OnlineTestView(test_views.OnlineTestView):
    """A test of any project's VNF, without the abort; the packages have
    no Admin panel: the root-cause package is named, not linked."""

    table_class = admin_tables.AdminOnlineTestsTable
    instance_url = 'horizon:admin:vnf_instances:detail'
    vnf_snapshot_url = 'horizon:admin:vnf_snapshots:detail'
    package_url = None
