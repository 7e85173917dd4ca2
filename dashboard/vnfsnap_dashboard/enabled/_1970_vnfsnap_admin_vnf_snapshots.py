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

# The read-only "VNF Snapshots" panel of the Admin dashboard's "VNF
# Snapshots" group.  Copy into openstack_dashboard/local/enabled/.
PANEL = 'vnf_snapshots'
PANEL_DASHBOARD = 'admin'
PANEL_GROUP = 'vnfsnap'
ADD_PANEL = ('vnfsnap_dashboard.dashboards.admin.vnf_snapshots.panel.'
             'VnfSnapshots')
