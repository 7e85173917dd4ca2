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

"""The views of the Operations panel: the table, an occurrence's detail
page and the cancel form."""

from django import urls
from django.core import exceptions as django_exceptions
from django.utils.translation import gettext_lazy as _
from horizon import exceptions
from horizon import forms
from horizon import messages
from horizon import tables
from horizon import tabs
from horizon.utils import memoized
from openstack_dashboard import policy

from vnfsnap_dashboard.api import vnf_operations as api
from vnfsnap_dashboard.api import vnfsnap
from vnfsnap_dashboard.dashboards.project.vnf_operations import (
    forms as op_forms,
)
from vnfsnap_dashboard.dashboards.project.vnf_operations import (
    tables as op_tables,
)
from vnfsnap_dashboard.dashboards.project.vnf_operations import tabs as op_tabs

INDEX_URL = 'horizon:project:vnf_operations:index'


def get_op_occ(request, op_id, redirect):
    """The occurrence; else an error toast with the API's detail and a
    redirect to ``redirect``."""
    try:
        return api.vnf_lcm_op_occ_get(request, op_id)
    except Exception:
        vnfsnap.handle(request, _('Unable to retrieve operation %s.') % op_id,
                       redirect=redirect)


class IndexView(tables.DataTableView):
    table_class = op_tables.VnfLcmOpOccsTable
    template_name = 'horizon/common/_data_table_view.html'
    page_title = _('Operations')

    def get_data(self):
        """The occurrences named after their VNF instances: two API
        requests, whatever the number of rows."""
        try:
            ops = api.vnf_lcm_op_occ_list(self.request)
        except Exception:
            vnfsnap.handle(self.request, _('Unable to retrieve operations.'))
            return []
        try:
            names = api.vnf_instance_names(self.request)
        except Exception:
            # The rows name the instances by their ids instead.
            vnfsnap.handle(self.request,
                           _('Unable to retrieve the VNF instance names.'))
            names = {}
        for op in ops:
            op.vnf_instance_name = names.get(op.get('vnfInstanceId'))
        return ops


class DetailView(tabs.TabView):
    """An occurrence, its error, and the tasks its state allows (the
    buttons post to the table of ``index_url``)."""

    tab_group_class = op_tabs.VnfLcmOpOccDetailTabs
    template_name = 'horizon/common/_detail.html'
    page_title = _('Operation {{ op.id }}')
    table_class = op_tables.VnfLcmOpOccsTable
    index_url = INDEX_URL
    # Detail pages of the other panels, linked to when they are enabled.
    vnf_instance_url = 'horizon:project:vnf_instances:detail'
    vnf_snapshot_url = 'horizon:project:vnf_snapshots:detail'

    @memoized.memoized_method
    def get_data(self):
        op_id = self.kwargs['op_id']
        return op_tables.with_vnf_instance_name(
            self.request,
            get_op_occ(self.request, op_id, urls.reverse(self.index_url)))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        op = self.get_data()
        context['op'] = op
        context['url'] = urls.reverse(self.index_url)
        table = self.table_class(self.request)
        if table.get_row_actions(op):
            context['actions'] = table.render_row_actions(op)
        return context

    def get_tabs(self, request, *args, **kwargs):
        op = self.get_data()
        return self.tab_group_class(
            request, vnf_lcm_op_occ=op,
            vnf_instance_url=op_tables.resource_link(
                self.vnf_instance_url, 'vnfInstanceId')(op),
            vnf_snapshot_url=op_tables.resource_link(
                self.vnf_snapshot_url, 'vnfSnapshotInfoId')(op),
            **kwargs)


class CancelView(forms.ModalFormView):
    """Asks for the cancel mode of a running occurrence.  Only for users
    the policy lets cancel: anyone else gets 403, the API is not asked."""

    form_class = op_forms.CancelOpOccForm
    template_name = 'project/vnf_operations/cancel.html'
    modal_id = 'cancel_vnf_lcm_op_occ_modal'
    form_id = 'cancel_vnf_lcm_op_occ_form'
    page_title = _('Cancel Operation')
    submit_label = _('Cancel Operation')
    cancel_label = _('Back')
    success_url = urls.reverse_lazy(INDEX_URL)

    def dispatch(self, request, *args, **kwargs):
        if not policy.check(
                (('vnfsnap', 'vnfsnap:vnf_lcm_op_occ:cancel'),), request):
            raise django_exceptions.PermissionDenied()
        return super().dispatch(request, *args, **kwargs)

    @memoized.memoized_method
    def get_object(self):
        op_id = self.kwargs['op_id']
        op = get_op_occ(self.request, op_id, self.success_url)
        if not op.task_allowed('cancel'):
            messages.error(self.request, _(
                'Operation %(id)s is %(state)s: only a starting, processing '
                'or rolling back operation can be cancelled.') % {
                    'id': op_id, 'state': op.state})
            raise exceptions.Http302(self.success_url)
        return op

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context['op'] = self.get_object()
        context['submit_url'] = urls.reverse(
            'horizon:project:vnf_operations:cancel',
            args=(self.kwargs['op_id'],))
        return context

    def get_initial(self):
        return {'op_id': self.kwargs['op_id']}
