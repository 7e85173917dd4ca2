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

"""The Admin dashboard's Operations views: the Project panel's, with the
cross-project table and no action."""

from vnfsnap_dashboard.dashboards.admin.vnf_operations import (
    tables as admin_tables,
)
from vnfsnap_dashboard.dashboards.project.vnf_operations import (
    views as project_views,
)


class IndexView(project_views.IndexView):
    table_class = admin_tables.AdminVnfLcmOpOccsTable


class DetailView(project_views.DetailView):
    table_class = admin_tables.AdminVnfLcmOpOccsTable
    index_url = 'horizon:admin:vnf_operations:index'
    vnf_instance_url = 'horizon:admin:vnf_instances:detail'
    vnf_snapshot_url = 'horizon:admin:vnf_snapshots:detail'
