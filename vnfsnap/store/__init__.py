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

"""The package store: where VNF snapshot package ZIP files live.

``get_store()`` gives the backend [package_store]backend names: ``file``
(a local directory, the embedded default) or ``swift`` (an OpenStack Swift
container). Both stream: no operation holds more than a few MiB of a
package in memory. The interface is vnfsnap.store.base.PackageStore.
"""

import importlib
import threading

from oslo_log import log as logging

import vnfsnap.conf

CONF = vnfsnap.conf.CONF
LOG = logging.getLogger(__name__)

_BACKENDS = {
    'file': 'vnfsnap.store.file:FileStore',
    'swift': 'vnfsnap.store.swift:SwiftStore',
}


_lock = threading.Lock()
_cached = None      # (settings, store)


def _settings():
    group = CONF.package_store
    return tuple((opt.dest, getattr(group, opt.dest))
                 for opt in vnfsnap.conf.package_store.opts)


def get_store():
    """The process's store for the current [package_store] options.

    One instance per process, made on first use; a change of the options
    (tests give each test its own state_path) gives a new one.
    """
    global _cached
    settings = _settings()
    with _lock:
        if _cached is None or _cached[0] != settings:
            module_name, class_name = _BACKENDS[
                CONF.package_store.backend].split(':')
            cls = getattr(importlib.import_module(module_name), class_name)
            _cached = (settings, cls.from_conf(CONF))
        return _cached[1]


def package_key(pkg_id):
    """The key of a package's ZIP file; the package's prefix is its id."""
    return '%s/package.zip' % pkg_id


def delete_package(pkg_id):
    """Remove everything stored for a package. A failure is logged with
    the prefix left behind, for an operator to remove; the caller's outcome
    (the package is gone, or failed) stands either way."""
    _delete_prefix(pkg_id, 'the stored content of VNF snapshot package')


def vnf_state_key(info_id):
    """The key of a VNF snapshot's VNF state snapshot content."""
    return 'vnf-state-%s/vnf-state' % info_id


def delete_vnf_state(info_id):
    """Remove the VNF state snapshot content of a VNF snapshot, if any, as
    delete_package does."""
    _delete_prefix(vnf_state_key(info_id).split('/')[0],
                   'the VNF state snapshot of VNF snapshot', info_id)


def _delete_prefix(prefix, what, owner=None):
    try:
        get_store().delete_prefix(prefix)
    except Exception:
        LOG.exception('Could not delete %s %s; prefix %s is left orphaned '
                      'in the package store', what, owner or prefix, prefix)
