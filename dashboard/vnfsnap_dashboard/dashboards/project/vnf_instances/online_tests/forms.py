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

"""The form that starts a guarded online test of a VNF instance: the
request ``openstack vnf online test start --request`` sends, as JSON or
YAML, checked by the API (its problem's detail shows under the field)."""

from django.utils.translation import gettext_lazy as _
from horizon import forms
from horizon import messages

from vnfsnap_dashboard.api import online_tests as api
from vnfsnap_dashboard.api import vnfsnap
from vnfsnap_dashboard.dashboards.project.vnf_instances import (
    forms as instance_forms,
)

EXAMPLE = '''probes:
  - id: portal
    type: HTTP
    url: http://192.0.2.10/health
fault:
  type: STOP_VNFC
  vnfcInstanceId: VNFC-ID
expectedRecoveryTime: 60'''


class StartOnlineTest(forms.SelfHandlingForm):
    instance_id = forms.CharField(widget=forms.HiddenInput())
    test_request = forms.CharField(
        label=_('Test Request'),
        max_length=instance_forms.MAX_DOCUMENT_CHARS,
        help_text=_('JSON or YAML: the probes that tell whether the VNF is '
                    'healthy, the fault to inject, the time the VNF has to '
                    'recover and what to keep on a pass or a failure, as '
                    'the API and the CLI take them.'),
        widget=forms.Textarea(attrs={'rows': 14, 'class': 'monospace',
                                     'placeholder': EXAMPLE}))

    def clean_test_request(self):
        return instance_forms.parse_document(
            self.cleaned_data['test_request'], _('test request'))

    def handle(self, request, data):
        instance_id = data['instance_id']
        try:
            test = api.online_test_start(request, instance_id,
                                         data['test_request'])
        except instance_forms.DOCUMENT_ERRORS as exc:
            # What the API finds wrong in the request: beside the field.
            self.add_error('test_request', exc.detail)
            return False
        except Exception:
            vnfsnap.handle(request, _('Unable to start the online test.'))
            return False
        messages.success(request, _('Started online test %s.') % test.id)
        return test
