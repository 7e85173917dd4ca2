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

"""The form that cancels a running LCM operation occurrence."""

from django import urls
from django.utils.translation import gettext_lazy as _
from horizon import forms
from horizon import messages

from vnfsnap_dashboard.api import vnf_operations as api
from vnfsnap_dashboard.api import vnfsnap

INDEX_URL = 'horizon:project:vnf_operations:index'
CANCEL_MODE_CHOICES = (
    (api.GRACEFUL, _('Graceful')),
    (api.FORCEFUL, _('Forceful')),
)


class CancelOpOccForm(forms.SelfHandlingForm):
    """SOL003 CancelMode (clause 5.5.2.14): how the caller wants the
    occurrence cancelled; the occurrence to cancel is the view's."""

    cancel_mode = forms.ThemableChoiceField(
        label=_('Cancel Mode'), choices=CANCEL_MODE_CHOICES,
        initial=api.GRACEFUL,
        help_text=_('SOL003 asks a graceful cancellation to let the running '
                    'step end and a forceful one to stop at once. vnfsnap '
                    'treats both alike: the operation stops before its next '
                    'step and undoes what it did; it ends rolled back when it '
                    'had not started, failed (temporary) otherwise.'))

    def handle(self, request, data):
        op_id = self.initial['op_id']
        try:
            api.vnf_lcm_op_occ_cancel(request, op_id, data['cancel_mode'])
        except Exception:
            vnfsnap.handle(request,
                           _('Unable to cancel operation %s.') % op_id,
                           redirect=urls.reverse(INDEX_URL))
        messages.success(request, _('Cancellation of operation %s '
                                    'requested.') % op_id)
        return True
