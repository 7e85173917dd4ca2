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

"""The table of a VNF instance's online tests, on the instance's detail
page: rows that refresh themselves while the test runs, its verdict, and
the abort of a running test.  The table is built with the detail page's
keyword arguments: ``instance_id`` names the VNF instance."""

from django import urls
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from django.utils.translation import pgettext_lazy
from horizon import tables

from vnfsnap_dashboard.api import online_tests as api
from vnfsnap_dashboard.api import vnfsnap
from vnfsnap_dashboard.dashboards.project.vnf_operations import (
    tables as op_tables,
)

# The tab of the instance's detail page that holds this table.
TAB = 'vnf_instance_details__online_tests'

VERDICT_DISPLAY_CHOICES = (
    (api.PASS, pgettext_lazy('Online test verdict', 'Pass')),
    (api.FAIL, pgettext_lazy('Online test verdict', 'Fail')),
)


def recovery_seconds(value):
    """A recovery time (seconds, as the API gives it) as a column shows
    it; None (the column's empty value) when the VNF did not recover."""
    if value is None:
        return None
    return _('%s s') % value


def tab_url(url_name, instance_id):
    """The VNF instance's detail page opened on its online tests."""
    return '%s?tab=%s' % (urls.reverse(url_name, args=(instance_id,)), TAB)


def test_link(url_name):
    """The link of a row to the test's page (``url_name``)."""
    def link(test):
        return urls.reverse(url_name, args=(test.vnfInstanceId, test.id))
    return link


class UpdateRow(tables.Row):
    """A row Horizon's JavaScript reloads while the test runs."""

    ajax = True

    def get_data(self, request, test_id):
        return api.online_test_get(request, self.table.kwargs['instance_id'],
                                   test_id)


class StartOnlineTest(tables.LinkAction):
    name = 'start'
    verbose_name = _('Start Online Test')
    url = 'horizon:project:vnf_instances:start_online_test'
    classes = ('ajax-modal',)
    icon = 'play'
    policy_rules = (('vnfsnap', 'vnfsnap:online_test:create'),)

    def get_link_url(self, datum=None):
        return urls.reverse(self.url,
                            args=(self.table.kwargs['instance_id'],))


class AbortOnlineTest(tables.BatchAction):
    """GR NFV-TST 005 asks a guarded test to be stoppable at any time;
    vnfsnap then undoes what the test did to the VNF."""

    name = 'abort'
    icon = 'stop'
    action_type = 'danger'
    help_text = _('The test stops: the fault is taken back, the VNF is '
                  'reverted to the snapshot taken before the fault, and the '
                  'test ends rolled back.')
    policy_rules = (('vnfsnap', 'vnfsnap:online_test:abort'),)

    @staticmethod
    def action_present(count):
        return ngettext_lazy('Abort Online Test', 'Abort Online Tests',
                             count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy('Aborting Online Test', 'Aborting Online Tests',
                             count)

    def allowed(self, request, test=None):
        return test is not None and test.abort_allowed()

    def action(self, request, obj_id):
        try:
            api.online_test_abort(request, self.table.kwargs['instance_id'],
                                  obj_id)
        except Exception:
            vnfsnap.handle(request,
                           _('Unable to abort online test %s.') % obj_id,
                           escalate=True)

    def get_success_url(self, request=None):
        # Back to the tab the action was taken from (or, from a test's
        # own page, the tab that lists it).
        return tab_url(self.table.INSTANCE_URL,
                       self.table.kwargs['instance_id'])


class OnlineTestsTable(tables.DataTable):
    """The Project dashboard's table; the Admin dashboard's links to its
    own pages and has no action."""

    INSTANCE_URL = 'horizon:project:vnf_instances:detail'
    DETAIL_URL = 'horizon:project:vnf_instances:online_test'

    id = tables.Column('id', verbose_name=_('ID'),
                       link=test_link(DETAIL_URL))
    state = tables.Column('operationState', verbose_name=_('State'),
                          status=True,
                          status_choices=op_tables.STATUS_CHOICES,
                          display_choices=op_tables.STATE_DISPLAY_CHOICES)
    verdict = tables.Column('verdict', verbose_name=_('Verdict'),
                            empty_value='-',
                            display_choices=VERDICT_DISPLAY_CHOICES)
    fault = tables.Column('fault_type', verbose_name=_('Fault Type'),
                          empty_value='-')
    recovery_time = tables.Column('recoveryTime',
                                  verbose_name=_('Recovery Time'),
                                  empty_value='-',
                                  filters=(recovery_seconds,))
    start_time = tables.Column('startTime', verbose_name=_('Started'),
                               filters=op_tables.TIME_FILTERS)
    state_entered_time = tables.Column(
        'stateEnteredTime', verbose_name=_('Last Change'),
        filters=op_tables.TIME_FILTERS)

    def get_object_display(self, datum):
        return datum.id

    class Meta(object):
        name = 'online_tests'
        verbose_name = _('Online Tests')
        status_columns = ['state']
        row_class = UpdateRow
        table_actions = (StartOnlineTest,)
        row_actions = (AbortOnlineTest,)
        multi_select = False
