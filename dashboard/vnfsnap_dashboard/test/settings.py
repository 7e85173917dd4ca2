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

"""Django settings of the plugin's unit tests: Horizon's own test settings
with the vnfsnap panels enabled from ``vnfsnap_dashboard/enabled/`` and the
policy file generated from vnfsnap's policy-in-code.

    python manage.py test vnfsnap_dashboard \
        --settings=vnfsnap_dashboard.test.settings
"""

import os

from openstack_dashboard import enabled as horizon_enabled
from openstack_dashboard.test.settings import *  # noqa: F403,H303
from openstack_dashboard.utils import settings as settings_utils

from vnfsnap_dashboard import enabled as vnfsnap_enabled

PLUGIN_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Horizon's test settings enabled its own dashboards already: enable them
# again together with the plugin's files, as a Horizon site does.
_plugins = HORIZON_CONFIG.pop('plugins', [])  # noqa: F405
INSTALLED_APPS = [a for a in INSTALLED_APPS if a not in _plugins]  # noqa: F405
for _key in ('angular_modules', 'js_files', 'js_spec_files', 'scss_files',
             'xstatic_modules'):
    HORIZON_CONFIG[_key] = []  # noqa: F405
settings_utils.update_dashboards(
    [horizon_enabled, vnfsnap_enabled], HORIZON_CONFIG,  # noqa: F405
    INSTALLED_APPS)

POLICY_FILES_PATH = os.path.join(PLUGIN_ROOT, 'conf')
POLICY_FILES = {'vnfsnap': 'vnfsnap_policy.yaml'}
POLICY_DIRS = {}
DEFAULT_POLICY_FILES = {'vnfsnap': 'default_policies/vnfsnap.yaml'}
# Horizon's test settings switch the policy engine off; the plugin's tests
# check that a reader gets no action (the engine Horizon sites run).
POLICY_CHECK_FUNCTION = 'openstack_auth.policy.check'
