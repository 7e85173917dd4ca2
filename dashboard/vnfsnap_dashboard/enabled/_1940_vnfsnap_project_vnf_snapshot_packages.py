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

# The "VNF Snapshot Packages" panel of the Project dashboard's "VNF
# Snapshots" group.  Its JavaScript (the upload's progress bar) is in
# vnfsnap_dashboard/static/ and listed in ADD_JS_FILES (not discovered with
# AUTO_DISCOVER_STATIC_FILES: each enabled file of the app would add it
# again); run collectstatic and compress again after enabling the panel.
PANEL = 'vnf_snapshot_packages'
PANEL_DASHBOARD = 'project'
PANEL_GROUP = 'vnfsnap'
ADD_PANEL = ('vnfsnap_dashboard.dashboards.project.vnf_snapshot_packages.'
             'panel.VnfSnapshotPackages')
ADD_JS_FILES = ['vnfsnap/js/vnfsnap.packages.upload.js']
