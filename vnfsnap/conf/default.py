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

``transport_url`` is oslo.messaging's; ``rpc_transport`` says whether vnfsnap
uses it at all (see vnfsnap.common.rpc).
"""

import socket

from oslo_config import cfg

opts = [
    cfg.StrOpt('rpc_transport',
               choices=[('none', 'No message bus: the conductor runs in the '
                         'API process (vnfsnap-all-in-one, the embedded '
                         'default).'),
                        ('oslo', 'oslo.messaging over [DEFAULT]transport_url '
                         '(RabbitMQ): vnfsnap-api and vnfsnap-conductor run '
                         'as separate processes, as many as needed.')],
               help='How the API reaches the conductors. Unset means '
                    '"none", except (deprecated) when [DEFAULT]transport_url '
                    'is set: then vnfsnap uses "oslo" and logs a deprecation '
                    'warning, as configurations written before this option '
                    'existed expect. Set it explicitly; a later release will '
                    'take unset as "none" in every case.'),
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
