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

"""The detail page of an LCM operation occurrence."""

import json

from django.utils.translation import gettext_lazy as _
from horizon import tabs

from vnfsnap_dashboard.dashboards.project.vnf_operations import (
    tables as op_tables,
)


class OverviewTab(tabs.Tab):
    """What the occurrence is, where it stands and, when it failed, the
    ProblemDetails vnfsnap recorded (SOL003 VnfLcmOpOcc.error)."""

    name = _('Overview')
    slug = 'overview'
    template_name = 'project/vnf_operations/_detail_overview.html'

    def get_context_data(self, request):
        op = self.tab_group.kwargs['vnf_lcm_op_occ']
        params = op.get('operationParams')
        return {
            'op': op,
            'operation_label': dict(op_tables.OPERATION_DISPLAY_CHOICES).get(
                op.get('operation'), op.get('operation')),
            'state_label': dict(op_tables.STATE_DISPLAY_CHOICES).get(
                op.state, op.state),
            'error': op.get('error'),
            'operation_params': (json.dumps(params, indent=2, sort_keys=True)
                                 if params else None),
            'vnf_instance_url': self.tab_group.kwargs['vnf_instance_url'],
            'vnf_snapshot_url': self.tab_group.kwargs['vnf_snapshot_url'],
        }


class VnfLcmOpOccDetailTabs(tabs.DetailTabsGroup):
    slug = 'vnf_lcm_op_occ_details'
    tabs = (OverviewTab,)
