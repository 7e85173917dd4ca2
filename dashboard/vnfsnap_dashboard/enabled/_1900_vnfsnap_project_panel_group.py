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

from django.utils.translation import gettext_lazy as _
from vnfsnapclient import exceptions

# The "VNF Snapshots" panel group of the Project dashboard.  Copy this file
# and the _19NN_* panel files into openstack_dashboard/local/enabled/.
PANEL_GROUP = 'vnfsnap'
PANEL_GROUP_NAME = _('VNF Snapshots')
PANEL_GROUP_DASHBOARD = 'project'

# The plugin's Django application (its translations, static files and
# templates), named here only: Horizon adds an application once per enabled
# file that names it, and Django refuses one listed twice.
ADD_INSTALLED_APPS = ['vnfsnap_dashboard']

# Horizon shows these as error toasts (the API's detail included) instead of
# a server error page; a 401 logs the user out as for any other service.
ADD_EXCEPTIONS = {
    'recoverable': (exceptions.HttpError, exceptions.ClientError),
    'not_found': (exceptions.NotFound,),
    'unauthorized': (exceptions.Unauthorized,),
}
