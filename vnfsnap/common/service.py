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

"""Process start-up shared by every vnfsnap command and the WSGI module."""

import signal
import sys
import threading

from oslo_log import log as logging

from vnfsnap import version
import vnfsnap.conf

CONF = vnfsnap.conf.CONF
LOG = logging.getLogger(__name__)


def prepare_service(argv=None, default_config_files=None):
    """Parse the command line and configuration, and set up logging."""
    logging.register_options(CONF)
    logging.set_defaults(default_log_levels=logging.get_default_log_levels()
                         + ['taskflow=WARNING', 'stevedore=INFO',
                            'cheroot=WARNING'])
    CONF(sys.argv[1:] if argv is None else argv, project='vnfsnap',
         version=version.version_string(),
         default_config_files=default_config_files)
    logging.setup(CONF, 'vnfsnap')


def wait_for_signal():
    """Block until SIGTERM or SIGINT; the caller then stops cleanly."""
    stop = threading.Event()

    def _handler(signum, frame):
        LOG.info('Received signal %s, stopping', signum)
        stop.set()

    signal.signal(signal.SIGTERM, _handler)
    signal.signal(signal.SIGINT, _handler)
    while not stop.wait(1):
        pass
