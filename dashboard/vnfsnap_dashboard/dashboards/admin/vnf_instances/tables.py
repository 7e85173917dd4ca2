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

"""The Admin dashboard's VNF instances table: every project's, with a
Project column, and no action at all."""

from django.utils.translation import gettext_lazy as _
from horizon import tables

from vnfsnap_dashboard.dashboards.project.vnf_instances import (
    tables as project_tables,
)
from vnfsnap_dashboard.dashboards.project.vnf_instances.online_tests import (
    tables as test_tables,
)


class AdminVnfInstancesTable(project_tables.VnfInstancesTable):
    DETAIL_URL = 'horizon:admin:vnf_instances:detail'

    project = tables.Column('project', verbose_name=_('Project'),
                            empty_value='-')
    name = tables.WrappingColumn(
        'name_or_id', verbose_name=_('Name'),
        link=project_tables.detail_link(DETAIL_URL))

    class Meta(object):
        name = 'vnf_instances'
        verbose_name = _('VNF Instances')
        columns = ('project', 'name', 'product', 'vim', 'vnfc_count',
                   'state', 'last_snapshot')
        table_actions = ()
        row_actions = ()


class AdminOnlineTestsTable(test_tables.OnlineTestsTable):
    """A VNF instance's online tests, linked to the Admin dashboard's
    pages, without the start and the abort."""

    INSTANCE_URL = 'horizon:admin:vnf_instances:detail'
    DETAIL_URL = 'horizon:admin:vnf_instances:online_test'

    id = tables.Column('id', verbose_name=_('ID'),
                       link=test_tables.test_link(DETAIL_URL))

    class Meta(object):
        name = 'online_tests'
        verbose_name = _('Online Tests')
        status_columns = ['state']
        row_class = test_tables.UpdateRow
        columns = ('id', 'state', 'verdict', 'fault', 'recovery_time',
                   'start_time', 'state_entered_time')
        table_actions = ()
        row_actions = ()
        multi_select = False
