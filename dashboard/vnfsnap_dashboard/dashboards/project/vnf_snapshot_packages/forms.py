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

"""The package forms: build from a VNF snapshot, upload a file, import
from a URI, extract into a VNF instance.  The first three make a new
package and then start its content operation, as the CLI's create then
build/upload do; when that start is refused, the empty package is
deleted again so that nothing is left behind."""

import contextlib

from django import http
from django.core import validators
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from horizon import forms
from horizon import messages
from horizon.utils import http as http_utils

from vnfsnap_dashboard.api import vnf_snapshot_packages as api
from vnfsnap_dashboard.api import vnfsnap

NAME_HELP = _('A name for the new package (up to 255 characters).')


def _name_field():
    return forms.CharField(max_length=255, label=_('Package Name'),
                           help_text=NAME_HELP)


def _snapshot_label(info):
    """The VNF snapshot's name (userDefinedData) and when it was taken."""
    snapshot = info.get('vnfSnapshot') or {}
    name = (snapshot.get('userDefinedData') or {}).get('name')
    taken = snapshot.get('creationStartedAt') or ''
    return '%s (%s)' % (name or info['id'], taken) if taken else (
        name or info['id'])


def _choices(request, lister, error, offered, label, prompt, none):
    """The choices of a select: the ``offered`` resources ``lister``
    answers, after a ``prompt`` (or ``none`` when there is none)."""
    try:
        resources = lister(request)
    except Exception:
        resources = []
        vnfsnap.handle(request, error)
    choices = [(r['id'], label(r)) for r in resources if offered(r)]
    return [('', prompt if choices else none)] + choices


class _NewPackageForm(forms.SelfHandlingForm):
    """A form that makes a package, then starts an operation on it with
    its ``start(request, pkg, data)``; ``failure`` is the error toast."""

    failure = None

    def handle(self, request, data):
        try:
            pkg = api.package_create(request, data['name'])
        except Exception:
            vnfsnap.handle(request, self.failure)
            return False
        try:
            return self.start(request, pkg, data)
        except Exception:
            vnfsnap.handle(request, self.failure)
            # The operation was refused: the package is still CREATED and
            # empty; do not leave it behind.
            with contextlib.suppress(Exception):
                api.package_delete(request, pkg.id)
            return False


class BuildForm(_NewPackageForm):
    name = _name_field()
    vnf_snapshot = forms.ThemableChoiceField(
        label=_('VNF Snapshot'),
        help_text=_('The VNF snapshot to package: its VNFC snapshots are '
                    'exported from their VIM into the package file, with '
                    'its VNF snapshot record.'))

    failure = _('Unable to build the package.')

    def __init__(self, request, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        # Only a VNF snapshot that was taken can be packaged.
        self.fields['vnf_snapshot'].choices = _choices(
            request, api.vnf_snapshot_list,
            _('Unable to retrieve VNF snapshots.'),
            lambda info: info.get('vnfSnapshot'), _snapshot_label,
            _('Select a VNF snapshot'), _('No VNF snapshot available'))

    def start(self, request, pkg, data):
        api.package_build(request, pkg.id, data['vnf_snapshot'])
        messages.success(request, _('Building package "%s".') % pkg.name)
        return pkg


class UploadForm(_NewPackageForm):
    """Makes the package; the browser then streams the chosen file to
    the panel's content view (vnfsnap.packages.upload.js), which passes
    it on to vnfsnap chunk by chunk with a progress bar."""

    name = _name_field()
    package_file = forms.FileField(
        label=_('Package File'), required=False,
        help_text=_('A VNF snapshot package ZIP file, as “Download” or '
                    '“openstack vnf snapshot package download” saves it. '
                    'It is sent straight to vnfsnap, which verifies it '
                    'before the package is available.'),
        widget=forms.FileInput(attrs={
            'required': 'required', 'accept': '.zip,application/zip',
            'data-vnfsnap-upload': 'true'}))

    failure = _('Unable to create the package.')

    def clean(self):
        data = super().clean()
        # The file never comes with this form: only the script that
        # streams it afterwards sends the form (an XMLHttpRequest).
        if not http_utils.is_ajax(self.request):
            raise forms.ValidationError(
                _('Uploading a package file needs JavaScript in the '
                  'browser.'))
        return data

    def start(self, request, pkg, data):
        return http.JsonResponse({
            'id': pkg.id,
            'name': pkg.name,
            'upload_url': reverse(
                'horizon:project:vnf_snapshot_packages:content',
                args=(pkg.id,)),
            'next': reverse('horizon:project:vnf_snapshot_packages:index'),
        })


class ImportForm(_NewPackageForm):
    name = _name_field()
    uri = forms.CharField(
        max_length=2048, label=_('Package URI'),
        validators=[validators.URLValidator(
            schemes=('http', 'https', 'ftp', 'ftps'))],
        help_text=_('Where vnfsnap fetches the package ZIP file from '
                    '(http, https, ftp); the operator decides which '
                    'addresses vnfsnap may reach.'))
    username = forms.CharField(
        max_length=1024, required=False, label=_('User Name'),
        help_text=_('For a server that asks for HTTP Basic '
                    'authentication; leave empty otherwise.'))
    password = forms.CharField(
        max_length=1024, required=False, label=_('Password'),
        widget=forms.PasswordInput(render_value=False),
        help_text=_('The password of that user; vnfsnap keeps it only '
                    'for the fetch.'))

    failure = _('Unable to import the package.')

    def clean(self):
        data = super().clean()
        if data.get('password') and not data.get('username'):
            self.add_error('username', _('A password goes with a user '
                                         'name.'))
        return data

    def start(self, request, pkg, data):
        api.package_upload_from_uri(request, pkg.id, data['uri'],
                                    username=data.get('username'),
                                    password=data.get('password'))
        messages.success(request, _('Importing package "%s".') % pkg.name)
        return pkg


class ExtractForm(forms.SelfHandlingForm):
    pkg_id = forms.CharField(widget=forms.HiddenInput())
    vnf_instance = forms.ThemableChoiceField(
        label=_('VNF Instance'),
        help_text=_('The package is extracted into a new VNF snapshot of '
                    'this instantiated VNF instance: its images are '
                    'registered with the VIMs of its VNFCs, ready to '
                    'revert to.'))

    def __init__(self, request, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields['vnf_instance'].choices = _choices(
            request, api.vnf_instance_list,
            _('Unable to retrieve VNF instances.'),
            lambda i: i.get('instantiationState') == 'INSTANTIATED',
            lambda i: i.get('vnfInstanceName') or i['id'],
            _('Select a VNF instance'), _('No instantiated VNF instance'))

    def handle(self, request, data):
        try:
            info_id = api.package_extract(request, data['pkg_id'],
                                          data['vnf_instance'])
        except Exception:
            vnfsnap.handle(request, _('Unable to extract the package.'))
            return False
        messages.success(request, _('Extracting the package into VNF '
                                    'snapshot %s.') % info_id)
        return True
