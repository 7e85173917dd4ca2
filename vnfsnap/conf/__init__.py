"""The global configuration object, with every vnfsnap option registered."""

from oslo_config import cfg

from vnfsnap.conf import api
from vnfsnap.conf import conductor
from vnfsnap.conf import database
from vnfsnap.conf import default
from vnfsnap.conf import grant
from vnfsnap.conf import libvirt
from vnfsnap.conf import notifications
from vnfsnap.conf import openstack
from vnfsnap.conf import package
from vnfsnap.conf import package_import
from vnfsnap.conf import package_store
from vnfsnap.conf import swift
from vnfsnap.conf import vnf_notifications

CONF = cfg.CONF

default.register_opts(CONF)
grant.register_opts(CONF)
api.register_opts(CONF)
conductor.register_opts(CONF)
database.register_opts(CONF)
libvirt.register_opts(CONF)
notifications.register_opts(CONF)
openstack.register_opts(CONF)
package.register_opts(CONF)
package_import.register_opts(CONF)
package_store.register_opts(CONF)
swift.register_opts(CONF)
vnf_notifications.register_opts(CONF)
