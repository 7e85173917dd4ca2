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

"""The views of the VNF snapshots panel."""

from django import shortcuts
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

from vnfsnap_dashboard.api import vnf_snapshots as api
from vnfsnap_dashboard.api import vnfsnap
from vnfsnap_dashboard.dashboards.project.vnf_snapshots import (
    forms as snapshot_forms,
)
from vnfsnap_dashboard.dashboards.project.vnf_snapshots import (
    tables as snapshot_tables,
)
from vnfsnap_dashboard.dashboards.project.vnf_snapshots import (
    tabs as snapshot_tabs,
)

INDEX_URL = 'horizon:project:vnf_snapshots:index'


class PolicyCheckedMixin(object):
    """A form view whose policy rule is checked before anything else: a
    user the rule refuses gets 403 and the API is never asked."""

    policy_rules = ()

    def dispatch(self, request, *args, **kwargs):
        if not policy.check(self.policy_rules, request):
            raise django_exceptions.PermissionDenied()
        return super().dispatch(request, *args, **kwargs)


class IndexView(tables.DataTableView):
    table_class = snapshot_tables.VnfSnapshotsTable
    page_title = _('VNF Snapshots')

    def get_data(self):
        filters = self.get_filters()
        try:
            return api.vnf_snapshot_list(
                self.request,
                vnf_instance_id=filters.get('vnf_instance_id'),
                name=filters.get('name'))
        except Exception:
            vnfsnap.handle(self.request,
                           _('Unable to retrieve VNF snapshots.'))
            return []


class DetailView(tabs.TabView):
    tab_group_class = snapshot_tabs.SnapshotDetailTabs
    template_name = 'horizon/common/_detail.html'
    page_title = '{{ vnf_snapshot.name_or_id }}'
    index_url = INDEX_URL
    table_class = snapshot_tables.VnfSnapshotsTable

    @memoized.memoized_method
    def get_data(self):
        try:
            return api.vnf_snapshot_get(self.request,
                                        self.kwargs['snapshot_id'])
        except Exception:
            vnfsnap.handle(self.request,
                           _('Unable to retrieve the VNF snapshot.'),
                           redirect=urls.reverse(self.index_url))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        snapshot = self.get_data()
        context['vnf_snapshot'] = snapshot
        context['url'] = urls.reverse(self.index_url)
        context['actions'] = self.table_class(
            self.request).render_row_actions(snapshot)
        return context

    def get_tabs(self, request, *args, **kwargs):
        return self.tab_group_class(request, vnf_snapshot=self.get_data(),
                                    **kwargs)


class ChooseVnfInstanceView(PolicyCheckedMixin, forms.ModalFormView):
    policy_rules = (('vnfsnap', 'vnfsnap:vnf_instance:create_snapshot'),)
    form_class = snapshot_forms.ChooseVnfInstance
    template_name = 'project/vnf_snapshots/choose.html'
    modal_id = 'choose_vnf_instance_modal'
    form_id = 'choose_vnf_instance_form'
    page_title = _('Create Snapshot')
    submit_label = _('Next')
    submit_url = urls.reverse_lazy(
        'horizon:project:vnf_snapshots:choose_instance')
    success_url = urls.reverse_lazy(INDEX_URL)


class CreateSnapshotView(PolicyCheckedMixin, forms.ModalFormView):
    """"Create Snapshot" of the VNF instance ``?vnf_instance_id=`` (any
    page may link here); without it, the instance is chosen first."""

    policy_rules = (('vnfsnap', 'vnfsnap:vnf_instance:create_snapshot'),)
    form_class = snapshot_forms.CreateSnapshot
    template_name = 'project/vnf_snapshots/create.html'
    modal_id = 'create_vnf_snapshot_modal'
    form_id = 'create_vnf_snapshot_form'
    page_title = _('Create Snapshot')
    submit_label = _('Create Snapshot')
    success_url = urls.reverse_lazy(INDEX_URL)

    def instance_id(self):
        return (self.request.GET.get('vnf_instance_id')
                or self.request.POST.get('vnf_instance_id'))

    def dispatch(self, request, *args, **kwargs):
        if not self.instance_id() and policy.check(self.policy_rules,
                                                   request):
            return shortcuts.redirect(
                'horizon:project:vnf_snapshots:choose_instance')
        return super().dispatch(request, *args, **kwargs)

    @memoized.memoized_method
    def get_instance(self):
        try:
            return api.vnf_instance_get(self.request, self.instance_id())
        except Exception:
            vnfsnap.handle(self.request,
                           _('Unable to retrieve the VNF instance.'),
                           redirect=urls.reverse(INDEX_URL))

    @memoized.memoized_method
    def get_capabilities(self):
        """The VIM capabilities, or None when they could not be read (the
        fields then stay enabled: the API has the last word)."""
        try:
            return api.vim_capabilities(self.request, self.instance_id())
        except Exception:
            vnfsnap.handle(self.request, _(
                'Unable to retrieve the VIM capabilities: every option is '
                'offered, and the snapshot fails if a VIM cannot do it.'))
            return None

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs['instance'] = self.get_instance()
        kwargs['capabilities'] = self.get_capabilities()
        return kwargs

    def get_initial(self):
        return {'vnf_instance_id': self.instance_id()}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        instance = self.get_instance()
        context['vnf_instance'] = instance
        context['submit_url'] = snapshot_forms.create_url(instance['id'])
        return context


class RevertView(PolicyCheckedMixin, forms.ModalFormView):
    """The confirmation of a revert: which VNFCs lose what."""

    policy_rules = (('vnfsnap', 'vnfsnap:vnf_instance:revert_to_snapshot'),)
    form_class = snapshot_forms.RevertToSnapshot
    template_name = 'project/vnf_snapshots/revert.html'
    modal_id = 'revert_vnf_snapshot_modal'
    form_id = 'revert_vnf_snapshot_form'
    page_title = _('Revert VNF to Snapshot')
    submit_label = _('Revert')
    success_url = urls.reverse_lazy(INDEX_URL)

    @memoized.memoized_method
    def get_object(self):
        try:
            snapshot = api.vnf_snapshot_get(self.request,
                                            self.kwargs['snapshot_id'])
        except Exception:
            vnfsnap.handle(self.request,
                           _('Unable to retrieve the VNF snapshot.'),
                           redirect=urls.reverse(INDEX_URL))
        if snapshot.status != api.AVAILABLE:
            messages.error(self.request, _(
                'VNF snapshot %s holds nothing to revert to yet.')
                % snapshot.id)
            raise exceptions.Http302(urls.reverse(INDEX_URL))
        return snapshot

    def get_initial(self):
        snapshot = self.get_object()
        return {'snapshot_id': snapshot.id,
                'vnf_instance_id': snapshot.vnf_instance_id}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        snapshot = self.get_object()
        context['vnf_snapshot'] = snapshot
        context['submit_url'] = urls.reverse(
            'horizon:project:vnf_snapshots:revert', args=(snapshot.id,))
        return context
