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

"""The cross-project table of LCM operation occurrences: the project's
table with links into the Admin dashboard and no action; rows still
refresh.  (vnfsnap's occurrences do not say which project they belong to.)"""

from django.utils.translation import gettext_lazy as _
from horizon import tables

from vnfsnap_dashboard.dashboards.project.vnf_operations import (
    tables as project_tables,
)


class AdminVnfLcmOpOccsTable(project_tables.VnfLcmOpOccsTable):
    id = tables.Column('id', verbose_name=_('ID'),
                       link='horizon:admin:vnf_operations:detail')
    vnf_instance = tables.Column(
        project_tables.vnf_instance_label, verbose_name=_('VNF Instance'),
        link=project_tables.resource_link(
            'horizon:admin:vnf_instances:detail', 'vnfInstanceId'))

    class Meta(project_tables.VnfLcmOpOccsTable.Meta):
        columns = ('id', 'operation', 'vnf_instance', 'state',
                   'start_time', 'state_entered_time')
        row_actions = ()
