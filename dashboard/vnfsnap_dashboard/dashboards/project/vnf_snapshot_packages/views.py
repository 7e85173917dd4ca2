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

"""The views of the "VNF Snapshot Packages" panel.

The package file never sits whole in Django: a download is a
StreamingHttpResponse fed chunk by chunk from vnfsnap's answer, and an
upload is the browser's request body read in chunks and sent on to
vnfsnap as it arrives.
"""

from django import http
from django import views
from django.core import exceptions as django_exceptions
from django.urls import reverse
from django.urls import reverse_lazy
from django.utils import http as django_http
from django.utils.translation import gettext_lazy as _
from horizon import forms
from horizon import messages
from horizon import tables
from horizon import tabs
from horizon.utils import memoized
from openstack_dashboard import policy

from vnfsnap_dashboard.api import vnf_snapshot_packages as api
from vnfsnap_dashboard.api import vnfsnap
from vnfsnap_dashboard.dashboards.project.vnf_snapshot_packages import (
    forms as pkg_forms,
)
from vnfsnap_dashboard.dashboards.project.vnf_snapshot_packages import (
    tables as pkg_tables,
)
from vnfsnap_dashboard.dashboards.project.vnf_snapshot_packages import (
    tabs as pkg_tabs,
)

INDEX_URL = 'horizon:project:vnf_snapshot_packages:index'
TEMPLATES = 'project/vnf_snapshot_packages/'


class PolicyRequired:
    """Refuse (403) a user whose roles the view's policy_rule does not
    allow, before any API call: the buttons are hidden from them, and a
    request sent all the same gets no further."""

    policy_rule = None

    def dispatch(self, request, *args, **kwargs):
        if not policy.check(
                (('vnfsnap', pkg_tables.RULE % self.policy_rule),), request):
            raise django_exceptions.PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class IndexView(tables.DataTableView):
    table_class = pkg_tables.PackagesTable
    page_title = _('VNF Snapshot Packages')

    def get_data(self):
        try:
            return api.package_list(self.request)
        except Exception:
            vnfsnap.handle(self.request,
                           _('Unable to retrieve VNF snapshot packages.'))
            return []


class DetailView(tabs.TabView):
    tab_group_class = pkg_tabs.PackageDetailTabs
    template_name = 'horizon/common/_detail.html'
    page_title = '{{ package.name|default:package.id }}'

    @memoized.memoized_method
    def get_data(self):
        try:
            return api.package_get(self.request, self.kwargs['pkg_id'])
        except Exception:
            vnfsnap.handle(self.request,
                           _('Unable to retrieve the VNF snapshot package.'),
                           redirect=reverse(INDEX_URL))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        pkg = self.get_data()
        table = pkg_tables.PackagesTable(self.request)
        context['package'] = pkg
        context['url'] = reverse(INDEX_URL)
        context['actions'] = table.render_row_actions(pkg)
        return context

    def get_tabs(self, request, *args, **kwargs):
        return self.tab_group_class(request, package=self.get_data(),
                                    **kwargs)


class _ModalView(PolicyRequired, forms.ModalFormView):
    """A modal form of the panel, at the URL named ``slug`` (its form is
    ``<slug>_vnf_snapshot_package_form``, its modal ``..._modal``);
    ``description`` is what the form does, beside its fields."""

    success_url = reverse_lazy(INDEX_URL)
    template_name = TEMPLATES + 'modal.html'
    slug = None
    description = None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            submit_url=reverse('horizon:project:vnf_snapshot_packages:'
                               + self.slug, kwargs=self.kwargs),
            form_id='%s_vnf_snapshot_package_form' % self.slug,
            modal_id='%s_vnf_snapshot_package_modal' % self.slug,
            description=self.description)
        return context


class BuildView(_ModalView):
    policy_rule = 'build'
    form_class = pkg_forms.BuildForm
    slug = 'build'
    page_title = _('Build Package')
    submit_label = _('Build')
    description = _('A new package is made and a conductor exports each '
                    'VNFC snapshot of the VNF snapshot from its VIM into '
                    'the package file. The row shows the progress.')


class UploadView(_ModalView):
    policy_rule = 'upload'
    form_class = pkg_forms.UploadForm
    slug = 'upload'
    page_title = _('Upload Package')
    submit_label = _('Upload')
    template_name = TEMPLATES + 'upload.html'
    description = _('A new package is made and the file is sent to '
                    'vnfsnap while a progress bar shows how much went. '
                    'vnfsnap then verifies the package (its checksums and '
                    'signature) before it is available.')


class ImportView(_ModalView):
    # upload_from_uri is checked against the upload rule by vnfsnap.
    policy_rule = 'upload'
    form_class = pkg_forms.ImportForm
    slug = 'import'
    page_title = _('Import Package from URI')
    submit_label = _('Import')
    description = _('A new package is made and vnfsnap fetches the '
                    'package file from the URI, then verifies it.')


class ExtractView(_ModalView):
    policy_rule = 'extract'
    form_class = pkg_forms.ExtractForm
    slug = 'extract'
    page_title = _('Extract Package')
    submit_label = _('Extract')
    description = _('The images of the package are registered with the '
                    'VIMs of the VNF instance, into a new VNF snapshot you '
                    'can revert to.')

    def get_initial(self):
        return {'pkg_id': self.kwargs['pkg_id']}


class DownloadView(PolicyRequired, views.View):
    """The package file, streamed from vnfsnap to the browser."""

    policy_rule = 'get_content'

    def get(self, request, pkg_id):
        try:
            pkg = api.package_get(request, pkg_id)
            stream = api.package_stream(request, pkg_id)
        except Exception:
            vnfsnap.handle(request,
                           _('Unable to download the package %s.') % pkg_id,
                           redirect=reverse(INDEX_URL))
        response = http.StreamingHttpResponse(
            stream, content_type='application/zip')
        if stream.size is not None:
            response['Content-Length'] = str(stream.size)
        response['Content-Disposition'] = (
            django_http.content_disposition_header(
                True, '%s.zip' % (pkg.name or pkg.id)))
        return response


class ContentView(PolicyRequired, views.View):
    """The browser's upload of a package file (PUT, the file as the
    body): the request body goes on to vnfsnap in chunks as it arrives.
    Answers JSON: next, where the page goes afterwards, and on failure
    detail; the toast is in the session for that next page."""

    policy_rule = 'upload'

    def put(self, request, pkg_id):
        index = reverse(INDEX_URL)
        try:
            size = int(request.META.get('CONTENT_LENGTH') or 0)
        except ValueError:
            size = 0
        if size <= 0:
            return http.JsonResponse(
                {'detail': str(_('The request carries no package file.')),
                 'next': index}, status=400)
        try:
            # The request itself is the file-like body: read in chunks by
            # the client library, never as a whole (request.body).
            api.package_upload(request, pkg_id, request, size)
        except Exception as e:
            message = _('Unable to upload the package file.')
            vnfsnap.handle(request, message)
            status = getattr(e, 'status', 500)
            return http.JsonResponse(
                {'detail': str(getattr(e, 'detail', message)),
                 'next': index}, status=status if status >= 400 else 500)
        messages.success(request, _('Uploaded the package file; vnfsnap '
                                    'is verifying it.'))
        return http.JsonResponse({'next': index})
