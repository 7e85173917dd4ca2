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

"""Loading of VIM drivers by the vimType of a VimConnectionInfo.

Drivers are found through the ``vnfsnap.vim.drivers`` entry point group,
whose names are vimType values (e.g. ``ETSINFV.OPENSTACK_KEYSTONE.V_3``).
"""

import stevedore

from vnfsnap.common import exception

NAMESPACE = 'vnfsnap.vim.drivers'
_registered = {}


def register(vim_type, driver_class):
    """Make a driver class available without an entry point (plugins that
    are loaded programmatically, and the test suites' own drivers)."""
    _registered[vim_type] = driver_class


def installed():
    names = set(stevedore.ExtensionManager(NAMESPACE).names())
    return sorted(names | set(_registered))


def check_installed(vim_type):
    """Raise VimDriverNotFound unless a driver for ``vim_type`` is
    installed (without making one: no VIM is contacted)."""
    if vim_type not in installed():
        raise _not_found(vim_type)


def get_driver(vim_connection_info):
    """Instantiate the driver for one VimConnectionInfo."""
    vim_type = vim_connection_info.get('vimType')
    if not isinstance(vim_type, str) or not vim_type:
        raise _not_found(vim_type)
    if vim_type in _registered:
        return _registered[vim_type](vim_connection_info)
    try:
        mgr = stevedore.DriverManager(NAMESPACE, vim_type,
                                      invoke_on_load=True,
                                      invoke_args=(vim_connection_info,))
    except (stevedore.exception.NoMatches, RuntimeError):
        raise _not_found(vim_type)
    return mgr.driver


def _not_found(vim_type):
    return exception.VimDriverNotFound(
        vim_type=vim_type, installed=', '.join(installed()) or 'none')
