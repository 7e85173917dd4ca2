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
    cfg.StrOpt('credentials_key_file',
               default='$state_path/credentials.key',
               help='Fernet key that seals every secret vnfsnap stores: '
                    'the accessInfo of VIM connections and the credentials '
                    'of notification endpoints, subscriptions and package '
                    'imports. Created (mode 0600) when missing and a '
                    'secret is to be stored; it must not be readable by '
                    'group or others. vnfsnap-api and every '
                    'vnfsnap-conductor must use the same key: copy the file '
                    'to every host of a split deployment. "vnfsnap-manage '
                    'credentials new-key" writes a new one.'),
    cfg.ListOpt('credentials_old_key_files', default=[],
                help='Earlier credentials key files, for key rotation: '
                     'secrets sealed with one of them can still be opened, '
                     'new ones are sealed with credentials_key_file only. '
                     'Remove a key from this list once "vnfsnap-manage '
                     'credentials rotate" has re-encrypted everything with '
                     'credentials_key_file.'),
]


def register_opts(conf):
    conf.register_opts(opts)


def list_opts():
    return opts
