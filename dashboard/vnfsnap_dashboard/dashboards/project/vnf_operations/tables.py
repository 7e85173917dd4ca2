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


"""The table of LCM operation occurrences: rows that refresh themselves
while the occurrence runs, and the tasks SOL003 allows in its state."""

import functools

from django import urls
from django.template import defaultfilters
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from django.utils.translation import pgettext_lazy
from horizon import tables
from horizon.utils import filters

from vnfsnap_dashboard.api import vnf_operations as api
from vnfsnap_dashboard.api import vnfsnap

# Horizon's JavaScript polls a row while its state maps to None here: an
# occurrence that runs (STARTING, PROCESSING, ROLLING_BACK).  FAILED_TEMP
# does not change by itself (it waits for a retry, rollback or fail), so
# it stops the polling like the final states.
STATUS_CHOICES = (
    (api.COMPLETED, True),
    (api.FAILED_TEMP, False),
    (api.FAILED, False),
    (api.ROLLED_BACK, False),
)

STATE_DISPLAY_CHOICES = (
    (api.STARTING, pgettext_lazy('LCM operation state', 'Starting')),
    (api.PROCESSING, pgettext_lazy('LCM operation state', 'Processing')),
    (api.COMPLETED, pgettext_lazy('LCM operation state', 'Completed')),
    (api.FAILED_TEMP, pgettext_lazy('LCM operation state',
                                    'Failed (temporary)')),
    (api.FAILED, pgettext_lazy('LCM operation state', 'Failed')),
    (api.ROLLING_BACK, pgettext_lazy('LCM operation state', 'Rolling back')),
    (api.ROLLED_BACK, pgettext_lazy('LCM operation state', 'Rolled back')),
)

OPERATION_DISPLAY_CHOICES = (
    ('CREATE_SNAPSHOT', pgettext_lazy('LCM operation', 'Create snapshot')),
    ('REVERT_TO_SNAPSHOT', pgettext_lazy('LCM operation',
                                         'Revert to snapshot')),
    ('MODIFY_INFO', pgettext_lazy('LCM operation', 'Modify information')),
    ('ONLINE_TEST', pgettext_lazy('LCM operation', 'Online test')),
)

short_datetime = functools.partial(defaultfilters.date,
                                   arg='SHORT_DATETIME_FORMAT')
TIME_FILTERS = (filters.parse_isotime, short_datetime)


def vnf_instance_label(op):
    """The VNF instance's name, or its id when it has none (or is gone)."""
    return op.vnf_instance_name or op.get('vnfInstanceId')


def resource_link(url_name, attribute):
    """A link to the detail page (``url_name``, in another panel) of the
    resource whose id the occurrence has in ``attribute``; none when the
    occurrence names none or that panel is not enabled on this Horizon."""
    def link(op):
        resource_id = op.get(attribute)
        if not resource_id:
            return None
        try:
            return urls.reverse(url_name, args=(resource_id,))
        except urls.NoReverseMatch:
            return None
    return link


def with_vnf_instance_name(request, op):
    """``op`` named after its VNF instance, when vnfsnap tells the name
    (the page names the instance by its id otherwise)."""
    try:
        op.vnf_instance_name = api.vnf_instance_name(
            request, op.get('vnfInstanceId'))
    except Exception:
        vnfsnap.handle(request, _('Unable to retrieve the VNF instance of '
                                  'operation %s.') % op.id, ignore=True)
    return op


class UpdateRow(tables.Row):
    """A row Horizon's JavaScript reloads while the occurrence runs."""

    ajax = True

    def get_data(self, request, op_id):
        return with_vnf_instance_name(
            request, api.vnf_lcm_op_occ_get(request, op_id))


class OpOccTask(tables.BatchAction):
    """A task on a FAILED_TEMP occurrence (SOL003 clause 5.4.14-5.4.16)."""

    task = None
    error_message = None

    def allowed(self, request, op=None):
        return op is not None and op.task_allowed(self.task)

    def action(self, request, obj_id):
        # Looked up at each call: api.vnf_lcm_op_occ_retry, _rollback...
        task = getattr(api, 'vnf_lcm_op_occ_%s' % self.task)
        try:
            task(request, obj_id)
        except Exception:
            vnfsnap.handle(request, self.error_message % obj_id,
                           escalate=True)


class RetryOpOcc(OpOccTask):
    name = 'retry'
    task = 'retry'
    icon = 'repeat'
    help_text = _('The operation runs again from where it failed.')
    policy_rules = (('vnfsnap', 'vnfsnap:vnf_lcm_op_occ:retry'),)
    error_message = _('Unable to retry operation %s.')

    @staticmethod
    def action_present(count):
        return ngettext_lazy('Retry Operation', 'Retry Operations', count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy('Retried Operation', 'Retried Operations',
                             count)


class RollbackOpOcc(OpOccTask):
    name = 'rollback'
    task = 'rollback'
    action_type = 'danger'
    help_text = _('What the operation did is undone, and it ends rolled '
                  'back.')
    policy_rules = (('vnfsnap', 'vnfsnap:vnf_lcm_op_occ:rollback'),)
    error_message = _('Unable to roll back operation %s.')

    @staticmethod
    def action_present(count):
        return ngettext_lazy('Roll Back Operation', 'Roll Back Operations',
                             count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy('Rolling Back Operation',
                             'Rolling Back Operations', count)


class FailOpOcc(OpOccTask):
    name = 'fail'
    task = 'fail'
    action_type = 'danger'
    help_text = _('The operation is marked as failed for good: it can no '
                  'longer be retried or rolled back.')
    policy_rules = (('vnfsnap', 'vnfsnap:vnf_lcm_op_occ:fail'),)
    error_message = _('Unable to mark operation %s as failed.')

    @staticmethod
    def action_present(count):
        return ngettext_lazy('Mark Operation as Failed',
                             'Mark Operations as Failed', count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy('Marked Operation as Failed',
                             'Marked Operations as Failed', count)


class CancelOpOcc(tables.LinkAction):
    """Asks how to cancel (GRACEFUL or FORCEFUL) in a modal form."""

    name = 'cancel'
    verbose_name = _('Cancel Operation')
    url = 'horizon:project:vnf_operations:cancel'
    classes = ('ajax-modal',)
    icon = 'stop'
    policy_rules = (('vnfsnap', 'vnfsnap:vnf_lcm_op_occ:cancel'),)

    def allowed(self, request, op=None):
        return op is not None and op.task_allowed('cancel')


class VnfLcmOpOccsTable(tables.DataTable):
    id = tables.Column('id', verbose_name=_('ID'),
                       link='horizon:project:vnf_operations:detail')
    operation = tables.Column('operation', verbose_name=_('Operation'),
                              display_choices=OPERATION_DISPLAY_CHOICES)
    vnf_instance = tables.Column(
        vnf_instance_label, verbose_name=_('VNF Instance'),
        link=resource_link('horizon:project:vnf_instances:detail',
                           'vnfInstanceId'))
    state = tables.Column('operationState', verbose_name=_('State'),
                          status=True, status_choices=STATUS_CHOICES,
                          display_choices=STATE_DISPLAY_CHOICES)
    start_time = tables.Column('startTime', verbose_name=_('Start Time'),
                               filters=TIME_FILTERS)
    state_entered_time = tables.Column(
        'stateEnteredTime', verbose_name=_('Last Change'),
        filters=TIME_FILTERS)

    def get_object_display(self, datum):
        return datum.id

    class Meta:
        name = 'vnf_lcm_op_occs'
        verbose_name = _('Operations')
        status_columns = ['state']
        row_class = UpdateRow
        row_actions = (CancelOpOcc, RetryOpOcc, RollbackOpOcc, FailOpOcc)
        multi_select = False
