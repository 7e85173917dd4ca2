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

"""The global configuration object, with every vnfsnap option registered."""

from oslo_config import cfg

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

CONF = cfg.CONF

default.register_opts(CONF)
grant.register_opts(CONF)
api.register_opts(CONF)
conductor.register_opts(CONF)
database.register_opts(CONF)
diagnostics.register_opts(CONF)
libvirt.register_opts(CONF)
notifications.register_opts(CONF)
online_tests.register_opts(CONF)
openstack.register_opts(CONF)
package.register_opts(CONF)
package_import.register_opts(CONF)
package_store.register_opts(CONF)
swift.register_opts(CONF)
upgrade_levels.register_opts(CONF)
vnf_notifications.register_opts(CONF)
