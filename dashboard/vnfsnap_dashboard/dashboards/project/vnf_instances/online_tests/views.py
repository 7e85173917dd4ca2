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

"""The page of one online test of a VNF instance, and the form that
starts one."""

from django import urls
from django.utils.translation import gettext_lazy as _
from horizon import forms
from horizon import tabs
from horizon.utils import memoized

from vnfsnap_dashboard.api import online_tests as api
from vnfsnap_dashboard.api import vnfsnap
from vnfsnap_dashboard.dashboards.project.vnf_instances import (
    forms as instance_forms,
)
from vnfsnap_dashboard.dashboards.project.vnf_instances.online_tests import (
    forms as test_forms,
)
from vnfsnap_dashboard.dashboards.project.vnf_instances.online_tests import (
    tables as test_tables,
)
from vnfsnap_dashboard.dashboards.project.vnf_instances.online_tests import (
    tabs as test_tabs,
)
from vnfsnap_dashboard.dashboards.project.vnf_operations import (
    tables as op_tables,
)


class OnlineTestView(tabs.TabView):
    """A test: its verdict, fault, probe results and what it left, and
    the abort while it runs (the button posts to the VNF instance's page,
    whose online tests table runs it)."""

    tab_group_class = test_tabs.OnlineTestDetailTabs
    template_name = 'horizon/common/_detail.html'
    page_title = _('Online Test {{ test.id }}')
    table_class = test_tables.OnlineTestsTable
    instance_url = 'horizon:project:vnf_instances:detail'
    # Detail pages of the other panels, linked to when they are enabled.
    vnf_snapshot_url = 'horizon:project:vnf_snapshots:detail'
    package_url = 'horizon:project:vnf_snapshot_packages:detail'

    @memoized.memoized_method
    def get_data(self):
        instance_id = self.kwargs['instance_id']
        test_id = self.kwargs['test_id']
        try:
            return api.online_test_get(self.request, instance_id, test_id)
        except Exception:
            vnfsnap.handle(self.request,
                           _('Unable to retrieve online test %s.') % test_id,
                           redirect=test_tables.tab_url(self.instance_url,
                                                        instance_id))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        test = self.get_data()
        instance_id = self.kwargs['instance_id']
        context['test'] = test
        context['url'] = urls.reverse(self.instance_url, args=(instance_id,))
        table = self.table_class(self.request, instance_id=instance_id)
        if table.get_row_actions(test):
            context['actions'] = table.render_row_actions(test)
        return context

    def get_tabs(self, request, *args, **kwargs):
        test = self.get_data()
        return self.tab_group_class(
            request, online_test=test,
            vnf_instance_url=op_tables.resource_link(
                self.instance_url, 'vnfInstanceId')(test),
            pre_test_snapshot_url=op_tables.resource_link(
                self.vnf_snapshot_url, 'preTestVnfSnapshotInfoId')(test),
            failed_state_snapshot_url=op_tables.resource_link(
                self.vnf_snapshot_url, 'failedStateVnfSnapshotInfoId')(test),
            package_url=op_tables.resource_link(
                self.package_url, 'vnfSnapshotPkgId')(test)
            if self.package_url else None,
            **kwargs)


class StartOnlineTestView(forms.ModalFormView):
    """Only for users the policy lets start a test: anyone else gets 403,
    the API is not asked."""

    form_class = test_forms.StartOnlineTest
    template_name = 'project/vnf_instances/online_tests/start.html'
    modal_id = 'start_online_test_modal'
    modal_header = page_title = _('Start Online Test')
    submit_label = _('Start Online Test')

    def dispatch(self, request, *args, **kwargs):
        instance_forms.require(request, 'vnfsnap:online_test:create')
        return super().dispatch(request, *args, **kwargs)

    def get_submit_url(self):
        return urls.reverse('horizon:project:vnf_instances:start_online_test',
                            args=(self.kwargs['instance_id'],))

    def get_success_url(self):
        return test_tables.tab_url('horizon:project:vnf_instances:detail',
                                   self.kwargs['instance_id'])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context['submit_url'] = self.get_submit_url()
        return context

    def get_initial(self):
        return {'instance_id': self.kwargs['instance_id']}
