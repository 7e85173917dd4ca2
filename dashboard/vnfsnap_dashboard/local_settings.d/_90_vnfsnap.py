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

# Horizon settings snippet: copy into openstack_dashboard/local/
# local_settings.d/.  Horizon executes it with its settings as globals, so
# that its policy engine finds vnfsnap's rules under the service type
# "vnfsnap": the effective rules (conf/vnfsnap_policy.yaml) and the
# defaults beneath them (conf/default_policies/vnfsnap.yaml), both copied
# into POLICY_FILES_PATH (openstack_dashboard/conf/).
POLICY_FILES['vnfsnap'] = 'vnfsnap_policy.yaml'  # noqa: F821
DEFAULT_POLICY_FILES['vnfsnap'] = 'default_policies/vnfsnap.yaml'  # noqa: F821
