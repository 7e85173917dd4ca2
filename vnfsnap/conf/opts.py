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

"""All vnfsnap options, for oslo-config-generator."""

from vnfsnap.conf import api
from vnfsnap.conf import conductor
from vnfsnap.conf import database
from vnfsnap.conf import default
from vnfsnap.conf import diagnostics
from vnfsnap.conf import grant
from vnfsnap.conf import libvirt
from vnfsnap.conf import notifications
from vnfsnap.conf import online_tests
from vnfsnap.conf import openstack
from vnfsnap.conf import package
from vnfsnap.conf import package_import
from vnfsnap.conf import package_store
from vnfsnap.conf import swift
from vnfsnap.conf import upgrade_levels
from vnfsnap.conf import vnf_notifications


def list_opts():
    return [
        ('DEFAULT', default.list_opts()),
        ('grant', grant.list_opts()),
        ('api', api.list_opts()),
        ('conductor', conductor.list_opts()),
        ('database', database.list_opts()),
        ('diagnostics', diagnostics.list_opts()),
        ('libvirt', libvirt.list_opts()),
        ('notifications', notifications.list_opts()),
        ('online_tests', online_tests.list_opts()),
        ('openstack', openstack.list_opts()),
        ('package', package.list_opts()),
        ('package_import', package_import.list_opts()),
        ('package_store', package_store.list_opts()),
        ('swift', swift.list_opts()),
        ('upgrade_levels', upgrade_levels.list_opts()),
        ('vnf_notifications', vnf_notifications.list_opts()),
    ]
