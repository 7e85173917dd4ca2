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

"""The online tests tab of a VNF instance's detail page, and the tabs of
one test's page: its overview (state, verdict, fault, recovery time, the
snapshots and package it left) and its probe rounds."""

import json

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from horizon import tabs
from horizon.utils import filters

from vnfsnap_dashboard.api import online_tests as api
from vnfsnap_dashboard.api import vnfsnap
from vnfsnap_dashboard.dashboards.project.vnf_instances.online_tests import (
    tables as test_tables,
)
from vnfsnap_dashboard.dashboards.project.vnf_operations import (
    tables as op_tables,
)

TEMPLATES = 'project/vnf_instances/online_tests/'

# The phases of a probe round (vnfsnap.conductor.flows.online_test).
ROUND_PHASES = {
    'baseline': pgettext_lazy('Probe round', 'Baseline (before the fault)'),
    'recovery': pgettext_lazy('Probe round', 'During recovery'),
    'judgement': pgettext_lazy('Probe round', 'Judgement'),
    'after-restore': pgettext_lazy('Probe round', 'After the restore'),
}

# What a fault request names besides its type, in the order shown.
FAULT_TARGETS = ('vnfcInstanceId', 'macAddress', 'storageResourceId',
                 'command', 'url')


class OnlineTestsTab(tabs.TableTab):
    """One more API call, made when the tab is opened; the failure is a
    toast with the API's detail and an empty table."""

    name = _('Online Tests')
    slug = 'online_tests'
    table_classes = (test_tables.OnlineTestsTable,)
    template_name = 'horizon/common/_detail_table.html'
    preload = False
    policy_rules = (('vnfsnap', 'vnfsnap:online_test:get_all'),)

    def get_online_tests_data(self):
        instance_id = self.tab_group.kwargs['instance_id']
        try:
            return api.online_test_list(self.request, instance_id)
        except Exception:
            vnfsnap.handle(self.request,
                           _('Unable to retrieve the online tests.'))
            return []


def precise_time(value):
    """An API timestamp in the user's time zone to the millisecond (probes
    and faults are milliseconds apart); None when there is none."""
    if not value:
        return None
    when = filters.parse_isotime(value)
    if isinstance(when, str):
        return value  # not ISO 8601: shown as the API gave it
    when = timezone.localtime(when)
    return '%s.%03d' % (when.strftime('%Y-%m-%d %H:%M:%S'),
                        when.microsecond // 1000)


def fault_summary(request):
    """A fault's request as (field, value) pairs, without its type."""
    pairs = []
    for key in FAULT_TARGETS:
        value = request.get(key)
        if value is None:
            continue
        if isinstance(value, list):
            value = ' '.join(value)
        pairs.append((key, value))
    return pairs


class OverviewTab(tabs.Tab):
    name = _('Overview')
    slug = 'overview'
    template_name = TEMPLATES + '_detail_overview.html'

    def get_context_data(self, request):
        kwargs = self.tab_group.kwargs
        test = kwargs['online_test']
        request_body = test.get('request') or {}
        fault = test.get('fault') or {}
        return {
            'test': test,
            'state_label': dict(op_tables.STATE_DISPLAY_CHOICES).get(
                test.state, test.state),
            'verdict_label': dict(test_tables.VERDICT_DISPLAY_CHOICES).get(
                test.get('verdict')),
            'description': request_body.get('description'),
            'expected_recovery_time': request_body.get(
                'expectedRecoveryTime'),
            'fault_injected_at': precise_time(fault.get('injectedAt')),
            'fault_restored_at': precise_time(fault.get('restoredAt')),
            'fault_type': test.fault_type,
            # The fault as recorded once injected, else as requested.
            'fault_targets': fault_summary(fault.get('request')
                                           or request_body.get('fault')
                                           or {}),
            'error': test.get('error'),
            'request': (json.dumps(request_body, indent=2, sort_keys=True)
                        if request_body else None),
            'vnf_instance_url': kwargs['vnf_instance_url'],
            'pre_test_snapshot_url': kwargs['pre_test_snapshot_url'],
            'failed_state_snapshot_url': kwargs['failed_state_snapshot_url'],
            'package_url': kwargs['package_url'],
        }


class ProbeRoundsTab(tabs.Tab):
    """Each round of probes: when, in which phase, and each probe's
    result.  vnfsnap keeps the baseline and the latest rounds; how many
    it dropped in between is said."""

    name = _('Probe Results')
    slug = 'probe_rounds'
    template_name = TEMPLATES + '_detail_probe_rounds.html'

    def get_context_data(self, request):
        test = self.tab_group.kwargs['online_test']
        rounds = []
        for probe_round in test.probe_rounds:
            phase = probe_round.get('phase')
            rounds.append({
                'at': precise_time(probe_round.get('at')),
                'phase': phase,
                'phase_label': ROUND_PHASES.get(phase, phase),
                'passed': probe_round.get('passed'),
                'results': [dict(r, at=precise_time(r.get('at')))
                            for r in probe_round.get('results') or []],
            })
        return {'rounds': rounds,
                'dropped': test.get('probeRoundsDropped')}


class OnlineTestDetailTabs(tabs.DetailTabsGroup):
    slug = 'online_test_details'
    tabs = (OverviewTab, ProbeRoundsTab)
