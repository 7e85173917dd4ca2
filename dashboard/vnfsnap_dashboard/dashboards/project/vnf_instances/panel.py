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
import horizon


class VnfInstances(horizon.Panel):
    """The VNFs the project registered with vnfsnap (shown only when the
    catalog has vnfsnap)."""

    name = _('VNF Instances')
    slug = 'vnf_instances'
    permissions = ('openstack.services.vnfsnap',)
    policy_rules = (('vnfsnap', 'vnfsnap:vnf_instance:get_all'),)
