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

"""The VNF snapshots table: one row per VnfSnapshotInfo, a row filling
itself in (Horizon polls it) while its CREATE_SNAPSHOT runs."""

from django import urls
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from django.utils.translation import pgettext_lazy
from horizon import tables

from vnfsnap_dashboard.api import vnf_snapshots as api

# True: final and fine; False: final and failed; None: Horizon polls the
# row until it is one of the others.
STATUS_CHOICES = (
    (api.AVAILABLE, True),
    (api.EMPTY, True),
    (api.CREATING, None),
    (api.ROLLING_BACK, None),
    (api.FAILED_TEMP, False),
    (api.FAILED, False),
    (api.ROLLED_BACK, False),
)
STATUS_DISPLAY_CHOICES = (
    (api.AVAILABLE, pgettext_lazy('VNF snapshot status', 'Available')),
    (api.EMPTY, pgettext_lazy('VNF snapshot status', 'Empty')),
    (api.CREATING, pgettext_lazy('VNF snapshot status', 'Creating')),
    (api.ROLLING_BACK, pgettext_lazy('VNF snapshot status',
                                     'Rolling back')),
    (api.FAILED_TEMP, pgettext_lazy('VNF snapshot status',
                                    'Failed (retry or roll back)')),
    (api.FAILED, pgettext_lazy('VNF snapshot status', 'Failed')),
    (api.ROLLED_BACK, pgettext_lazy('VNF snapshot status', 'Rolled back')),
)
IN_PROGRESS = frozenset((api.CREATING, api.ROLLING_BACK))


def url_if_enabled(name, *args):
    """The URL of another panel's page, or None when that panel is not
    enabled on this Horizon (each panel has its own enabled file)."""
    try:
        return urls.reverse(name, args=args)
    except urls.NoReverseMatch:
        return None


def panel_link(dashboard, panel, attr):
    """A column link to the detail page of another panel of
    ``dashboard``, from the row's ``attr`` (none when it is empty)."""
    def link(datum):
        value = getattr(datum, attr)
        if not value:
            return None
        return url_if_enabled('horizon:%s:%s:detail' % (dashboard, panel),
                              value)
    return link


class CreateSnapshot(tables.LinkAction):
    name = 'create'
    verbose_name = _('Create Snapshot')
    url = 'horizon:project:vnf_snapshots:choose_instance'
    classes = ('ajax-modal',)
    icon = 'camera'
    policy_rules = (('vnfsnap', 'vnfsnap:vnf_instance:create_snapshot'),)


class SnapshotInstanceAgain(CreateSnapshot):
    """A new snapshot of the VNF instance this one was taken from."""

    name = 'snapshot_again'
    verbose_name = _('Snapshot VNF Again')
    url = 'horizon:project:vnf_snapshots:create'

    def get_link_url(self, datum):
        return '%s?%s' % (urls.reverse(self.url), urlencode(
            {'vnf_instance_id': datum.vnf_instance_id}))

    def allowed(self, request, datum=None):
        return bool(datum and datum.vnf_instance_id)


class RevertToSnapshot(tables.LinkAction):
    name = 'revert'
    verbose_name = _('Revert VNF to Snapshot')
    url = 'horizon:project:vnf_snapshots:revert'
    classes = ('ajax-modal', 'btn-danger')
    icon = 'undo'
    policy_rules = (('vnfsnap', 'vnfsnap:vnf_instance:revert_to_snapshot'),)

    def allowed(self, request, datum=None):
        return bool(datum and datum.status == api.AVAILABLE)


class DeleteSnapshot(tables.DeleteAction):
    help_text = _('The VNF snapshot and its VIM-side snapshots are deleted; '
                  'this cannot be undone.')
    policy_rules = (('vnfsnap', 'vnfsnap:vnf_snapshot:delete'),)

    @staticmethod
    def action_present(count):
        return ngettext_lazy('Delete VNF Snapshot', 'Delete VNF Snapshots',
                             count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy('Deleted VNF Snapshot', 'Deleted VNF Snapshots',
                             count)

    def allowed(self, request, datum=None):
        # The API refuses it (409) while an operation fills the snapshot.
        return datum is None or datum.status not in IN_PROGRESS

    def delete(self, request, obj_id):
        api.vnf_snapshot_delete(request, obj_id)


class SnapshotFilter(tables.FilterAction):
    """Filtered by the API (a SOL013 ``filter``), across every page."""

    name = 'vnf_snapshots_filter'
    filter_type = 'server'
    filter_choices = (
        ('name', _('Name contains'), True),
        ('vnf_instance_id', _('VNF instance ID ='), True),
    )


class UpdateRow(tables.Row):
    ajax = True

    def get_data(self, request, snapshot_id):
        return api.vnf_snapshot_get(request, snapshot_id)


class VnfSnapshotsTable(tables.DataTable):
    name = tables.WrappingColumn(
        'name_or_id', verbose_name=_('Name'),
        link='horizon:project:vnf_snapshots:detail')
    vnf_instance = tables.Column(
        'vnf_instance_id', verbose_name=_('VNF Instance'),
        link=panel_link('project', 'vnf_instances', 'vnf_instance_id'),
        empty_value='-')
    status = tables.Column(
        'status', verbose_name=_('Status'), status=True,
        status_choices=STATUS_CHOICES,
        display_choices=STATUS_DISPLAY_CHOICES)
    operation = tables.Column(
        'op_occ_id', verbose_name=_('Operation'),
        link=panel_link('project', 'vnf_operations', 'op_occ_id'),
        empty_value='-')
    created = tables.Column(
        'created_at', verbose_name=_('Started'), empty_value='-')
    finished = tables.Column(
        'finished_at', verbose_name=_('Finished'), empty_value='-')
    package = tables.Column(
        'package_id', verbose_name=_('Package'), empty_value='-')

    def get_object_display(self, datum):
        return datum.name_or_id

    class Meta(object):
        name = 'vnf_snapshots'
        verbose_name = _('VNF Snapshots')
        status_columns = ['status']
        row_class = UpdateRow
        table_actions = (SnapshotFilter, CreateSnapshot, DeleteSnapshot)
        row_actions = (RevertToSnapshot, SnapshotInstanceAgain,
                       DeleteSnapshot)


class VnfcSnapshotsTable(tables.DataTable):
    """The VNFC snapshots of one VNF snapshot: what each capture
    achieved and which VIM resources hold it."""

    vnfc = tables.Column('vnfc_id', verbose_name=_('VNFC'))
    consistency = tables.Column(
        'consistency_level', verbose_name=_('Consistency Level'),
        empty_value='-', display_choices=(
            ('application', _('Application')),
            ('filesystem', _('File system')),
            ('crash', _('Crash'))))
    memory = tables.Column(
        'memory_captured', verbose_name=_('Memory Captured'),
        filters=(lambda v: _('Yes') if v else _('No'),))
    frozen = tables.Column(
        lambda v: _freeze_text(v.quiesced_at, v.thawed_at, v.frozen_ms),
        verbose_name=_('File Systems Frozen'), empty_value='-')
    paused = tables.Column(
        lambda v: _freeze_text(v.paused_at, v.unpaused_at, v.paused_ms),
        verbose_name=_('VNF Paused'), empty_value='-')
    compute = tables.Column(
        lambda v: v.compute_resource.get('resourceId'),
        verbose_name=_('VIM Compute Snapshot'), empty_value='-')
    storage = tables.Column(
        lambda v: ', '.join('%s: %s' % (volume, snap or '-')
                            for volume, snap in v.storage),
        verbose_name=_('VIM Volume Snapshots'), empty_value='-')

    class Meta(object):
        name = 'vnfc_snapshots'
        verbose_name = _('VNFC Snapshots')


def _freeze_text(start, end, millis):
    if not start:
        return None
    if millis is None:
        return _('from %(start)s') % {'start': start}
    return _('%(start)s to %(end)s (%(ms)s ms)') % {
        'start': start, 'end': end, 'ms': millis}
