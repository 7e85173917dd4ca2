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

"""Every project's VNF snapshots, read-only: no action at all."""

from django.utils.translation import gettext_lazy as _
from horizon import tables

from vnfsnap_dashboard.dashboards.project.vnf_snapshots import (
    tables as project_tables,
)


class AdminVnfSnapshotsTable(project_tables.VnfSnapshotsTable):
    name = tables.WrappingColumn(
        'name_or_id', verbose_name=_('Name'),
        link='horizon:admin:vnf_snapshots:detail')
    vnf_instance = tables.Column(
        'vnf_instance_id', verbose_name=_('VNF Instance'),
        link=project_tables.panel_link('admin', 'vnf_instances',
                                       'vnf_instance_id'),
        empty_value='-')
    operation = tables.Column(
        'op_occ_id', verbose_name=_('Operation'),
        link=project_tables.panel_link('admin', 'vnf_operations',
                                       'op_occ_id'),
        empty_value='-')

    class Meta(object):
        name = 'vnf_snapshots'
        verbose_name = _('VNF Snapshots')
        status_columns = ['status']
        row_class = project_tables.UpdateRow
        table_actions = (project_tables.SnapshotFilter,)
        row_actions = ()
