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

"""The packages table: live rows while a build, upload, processing or
extraction runs, and the actions SOL005 allows in each package state."""

from django.template import defaultfilters
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from django.utils.translation import pgettext_lazy
from horizon import tables
from horizon.utils import filters

from vnfsnap_dashboard.api import vnf_snapshot_packages as api

RULE = 'vnfsnap:vnf_snapshot_package:%s'

STATE_DISPLAY = (
    ('CREATED', pgettext_lazy('Package state', 'Created')),
    ('BUILDING', pgettext_lazy('Package state', 'Building')),
    ('UPLOADING', pgettext_lazy('Package state', 'Uploading')),
    ('PROCESSING', pgettext_lazy('Package state', 'Processing')),
    ('AVAILABLE', pgettext_lazy('Package state', 'Available')),
    ('EXTRACTING', pgettext_lazy('Package state', 'Extracting')),
    ('ERROR', pgettext_lazy('Package state', 'Error')),
    ('ERROR_EXTRACTING', pgettext_lazy('Package state',
                                       'Error extracting')),
)
# True: at rest and usable; False: failed; None: an operation runs (the
# row then refreshes itself).  CREATED is at rest, waiting for content.
STATE_CHOICES = (
    ('CREATED', True),
    ('AVAILABLE', True),
    ('ERROR', False),
    ('ERROR_EXTRACTING', False),
) + tuple((state, None) for state in sorted(api.BUSY_STATES))


def _rule(action):
    return (('vnfsnap', RULE % action),)


def size_display(pkg):
    """Bytes done of the total while content moves, else the size."""
    progress = pkg.progress
    if progress:
        done = defaultfilters.filesizeformat(progress.get('bytesDone', 0))
        total = progress.get('bytesTotal')
        if total is None:
            return done
        return _('%(done)s of %(total)s') % {
            'done': done, 'total': defaultfilters.filesizeformat(total)}
    if pkg.size is None:
        return None
    return defaultfilters.filesizeformat(pkg.size)


def signature_display(pkg):
    """What the signature check of the content found (None until the
    content was verified)."""
    sig = pkg.signature
    if sig is None:
        return None
    if not sig.get('signed'):
        return _('Unsigned')
    if sig.get('verified'):
        return _('Verified (%s)') % sig.get('signer')
    return _('Not verified: %s') % sig.get('reason')


class _PanelLink(tables.LinkAction):
    """A link to the panel's view of the action's name, a modal form
    unless ``classes`` says otherwise; a row action is offered only in
    the package ``states`` given."""

    classes = ('ajax-modal',)
    states = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.url = 'horizon:project:vnf_snapshot_packages:' + self.name

    def allowed(self, request, pkg=None):
        return self.states is None or (pkg is not None
                                       and pkg.state in self.states)


class BuildPackage(_PanelLink):
    name = 'build'
    verbose_name = _('Build Package')
    icon = 'plus'
    policy_rules = _rule('build')


class UploadPackage(_PanelLink):
    name = 'upload'
    verbose_name = _('Upload Package')
    icon = 'upload'
    policy_rules = _rule('upload')


class ImportPackage(_PanelLink):
    name = 'import'
    verbose_name = _('Import from URI')
    icon = 'cloud-download'
    policy_rules = _rule('upload')


class DownloadPackage(_PanelLink):
    """A plain link: the browser saves the streamed file itself."""

    name = 'download'
    verbose_name = _('Download')
    classes = ()
    icon = 'download'
    policy_rules = _rule('get_content')
    states = {'AVAILABLE'}


class ExtractPackage(_PanelLink):
    name = 'extract'
    verbose_name = _('Extract into VNF Instance')
    policy_rules = _rule('extract')
    states = {'AVAILABLE'}


class CancelPackage(tables.BatchAction):
    name = 'cancel'
    classes = ('btn-danger',)
    help_text = _('The running build, upload, processing or extraction '
                  'stops at its next step; the package ends in error.')
    policy_rules = _rule('cancel')

    @staticmethod
    def action_present(count):
        return ngettext_lazy('Cancel Operation', 'Cancel Operations', count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy('Requested cancellation of the operation on',
                             'Requested cancellation of the operations on',
                             count)

    def allowed(self, request, pkg=None):
        return (pkg is not None and pkg.state in api.BUSY_STATES
                and not pkg.is_cancel_pending)

    def action(self, request, obj_id):
        api.package_cancel(request, obj_id)


class DeletePackage(tables.DeleteAction):
    help_text = _('The package and its stored file are deleted; this '
                  'cannot be undone.')
    policy_rules = _rule('delete')

    @staticmethod
    def action_present(count):
        return ngettext_lazy('Delete Package', 'Delete Packages', count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy('Deleted Package', 'Deleted Packages', count)

    def allowed(self, request, pkg=None):
        return pkg is None or pkg.state in api.DELETABLE_STATES

    def delete(self, request, obj_id):
        api.package_delete(request, obj_id)


class UpdateRow(tables.Row):
    ajax = True

    def get_data(self, request, pkg_id):
        return api.package_get(request, pkg_id)


def _detail_url(pkg):
    return reverse('horizon:project:vnf_snapshot_packages:detail',
                   args=(pkg.id,))


class PackagesTable(tables.DataTable):
    name = tables.WrappingColumn(
        lambda pkg: pkg.name or pkg.id, verbose_name=_('Name'),
        link=_detail_url)
    state = tables.Column(
        'state', verbose_name=_('State'), status=True,
        status_choices=STATE_CHOICES, display_choices=STATE_DISPLAY)
    size = tables.Column(size_display, verbose_name=_('Size'),
                         empty_value='-')
    checksum = tables.Column('checksum', verbose_name=_('SHA-256'),
                             empty_value='-', truncate=16)
    signature = tables.Column(signature_display,
                              verbose_name=_('Signature'),
                              empty_value='-')
    # createdAt: when the package content was made (SOL005), so empty
    # until a build or upload ended.
    created = tables.Column('created_at', verbose_name=_('Created'),
                            empty_value='-',
                            filters=(filters.parse_isotime,))

    class Meta:
        name = 'vnf_snapshot_packages'
        verbose_name = _('VNF Snapshot Packages')
        status_columns = ['state']
        row_class = UpdateRow
        table_actions = (BuildPackage, UploadPackage, ImportPackage,
                         DeletePackage)
        row_actions = (DownloadPackage, ExtractPackage, CancelPackage,
                       DeletePackage)


def _artifact_sha256(artifact):
    return (artifact['checksum'] or {}).get('hash')


class ArtifactsTable(tables.DataTable):
    """The artifacts the package info lists (SOL005 has no listing of its
    own): the VNF snapshot record, the VNFD, images, additional files."""

    path = tables.WrappingColumn('path', verbose_name=_('Path'))
    role = tables.Column('role', verbose_name=_('Role'))
    size = tables.Column('size', verbose_name=_('Size'), empty_value='-',
                         filters=(defaultfilters.filesizeformat,))
    checksum = tables.Column(_artifact_sha256, verbose_name=_('SHA-256'),
                             empty_value='-')
    uri = tables.WrappingColumn('uri', verbose_name=_('External URI'),
                                empty_value='-')

    def get_object_id(self, artifact):
        return artifact['path']

    class Meta:
        name = 'artifacts'
        verbose_name = _('Artifacts')
