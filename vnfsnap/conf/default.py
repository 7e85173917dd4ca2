"""Options of the [DEFAULT] group that vnfsnap defines itself.

``transport_url`` is registered by oslo.messaging; when it is unset, vnfsnap
runs its conductor in the API process (see vnfsnap.common.rpc).
"""

import socket

from oslo_config import cfg

opts = [
    cfg.StrOpt('state_path',
               default='/var/lib/vnfsnap',
               help='Directory where vnfsnap keeps its state: the SQLite '
                    'database of the embedded default and, later, local '
                    'package and guest files. Created when missing.'),
    cfg.StrOpt('host',
               default=socket.gethostname(),
               sample_default='localhost',
               help='Name of this node. A conductor owns the LCM operation '
                    'occurrences it runs under this name, and on start '
                    'marks the ones it left unfinished as FAILED_TEMP.'),
]


def register_opts(conf):
    conf.register_opts(opts)


def list_opts():
    return opts
