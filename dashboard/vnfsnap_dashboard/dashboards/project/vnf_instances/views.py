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

"""The VNF instances panel of the Project dashboard."""

from django.urls import reverse
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from horizon import forms
from horizon import tables
from horizon import tabs
from horizon.utils import memoized

from vnfsnap_dashboard.api import vnf_instances as api
from vnfsnap_dashboard.api import vnfsnap
from vnfsnap_dashboard.dashboards.project.vnf_instances import (
    forms as instance_forms,
)
from vnfsnap_dashboard.dashboards.project.vnf_instances import (
    tables as instance_tables,
)
from vnfsnap_dashboard.dashboards.project.vnf_instances import (
    tabs as instance_tabs,
)

INDEX_URL = 'horizon:project:vnf_instances:index'


def last_snapshot_times(request):
    """{VNF instance id: time of its latest snapshot}; {} (and a toast)
    when the VNF snapshots cannot be listed: the table still shows."""
    try:
        return api.last_snapshot_times(request)
    except Exception:
        vnfsnap.handle(request, _('Unable to retrieve the VNF snapshots.'))
        return {}


class IndexView(tables.DataTableView):
    table_class = instance_tables.VnfInstancesTable
    page_title = _('VNF Instances')

    def get_data(self):
        try:
            instances = api.vnf_instance_list(self.request)
        except Exception:
            vnfsnap.handle(self.request,
                           _('Unable to retrieve the VNF instances.'))
            return []
        return instance_tables.wrap(instances,
                                    last_snapshot_times(self.request),
                                    self.projects_of(instances))

    def projects_of(self, instances):
        """{VNF instance id: project} for a Project column: none here,
        the user's project is the only one."""
        return None


class DetailView(tabs.TabbedTableView):
    """A VNF instance: its overview and VNFCs (one API call), the other
    tabs loaded when opened."""

    tab_group_class = instance_tabs.VnfInstanceDetailTabs
    template_name = 'horizon/common/_detail.html'
    page_title = '{{ instance.name_or_id }}'
    index_url = INDEX_URL
    table_class = instance_tables.VnfInstancesTable
    # The row's actions in the page header (none on the Admin dashboard).
    show_actions = True

    @memoized.memoized_method
    def get_data(self):
        instance_id = self.kwargs['instance_id']
        try:
            return instance_tables.VnfInstance(
                api.vnf_instance_get(self.request, instance_id))
        except Exception:
            vnfsnap.handle(self.request,
                           _('Unable to retrieve VNF instance %s.')
                           % instance_id,
                           redirect=reverse(self.index_url))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        instance = self.get_data()
        table = self.table_class(self.request)
        context['instance'] = instance
        context['url'] = reverse(self.index_url)
        if self.show_actions:
            context['actions'] = table.render_row_actions(instance)
        return context

    def get_tabs(self, request, *args, **kwargs):
        return self.tab_group_class(request, instance=self.get_data(),
                                    **kwargs)


class _PolicyFormView(forms.ModalFormView):
    """A modal form whose policy rule is checked before anything else:
    a user whose roles do not allow it gets 403, on GET and on POST."""

    policy_rule = None

    def dispatch(self, request, *args, **kwargs):
        instance_forms.require(request, self.policy_rule)
        return super().dispatch(request, *args, **kwargs)


class RegisterView(_PolicyFormView):
    form_class = instance_forms.RegisterVnf
    policy_rule = 'vnfsnap:vnf_instance:create'
    template_name = 'project/vnf_instances/register.html'
    modal_id = 'register_vnf_modal'
    modal_header = page_title = _('Register VNF')
    submit_label = _('Register VNF')
    submit_url = reverse_lazy('horizon:project:vnf_instances:register')
    success_url = reverse_lazy(INDEX_URL)


class EditSnapshotDescriptorView(_PolicyFormView):
    form_class = instance_forms.EditSnapshotDescriptor
    policy_rule = 'vnfsnap:vnf_instance:update_snapshot_descriptor'
    template_name = 'project/vnf_instances/descriptor.html'
    modal_id = 'edit_snapshot_descriptor_modal'
    modal_header = page_title = _('Edit Snapshot Descriptor')
    submit_label = _('Save')

    def get_submit_url(self):
        return reverse('horizon:project:vnf_instances:descriptor',
                       args=(self.kwargs['instance_id'],))

    def get_success_url(self):
        return reverse('horizon:project:vnf_instances:detail',
                       args=(self.kwargs['instance_id'],))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context['submit_url'] = self.get_submit_url()
        return context

    def get_initial(self):
        instance_id = self.kwargs['instance_id']
        if self.request.method != 'GET':
            # A POST carries the descriptor: nothing to read.
            return {'instance_id': instance_id}
        try:
            descriptor = api.snapshot_descriptor_get(self.request,
                                                     instance_id)
        except Exception:
            vnfsnap.handle(self.request,
                           _('Unable to retrieve the snapshot descriptor.'),
                           redirect=reverse(INDEX_URL))
        return {'instance_id': instance_id,
                'descriptor': instance_tabs.pretty(descriptor)}
