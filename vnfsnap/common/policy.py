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

"""oslo.policy enforcement with vnfsnap's policies in code."""

import threading

from oslo_policy import policy

from vnfsnap import policies
from vnfsnap.common import exception
import vnfsnap.conf

CONF = vnfsnap.conf.CONF
_ENFORCER = None
_LOCK = threading.Lock()


def get_enforcer():
    """The process-wide enforcer (the oslo.policy.enforcer entry point)."""
    global _ENFORCER
    with _LOCK:
        if _ENFORCER is None:
            _ENFORCER = policy.Enforcer(CONF)
            _ENFORCER.register_defaults(policies.list_rules())
        return _ENFORCER


def reset():
    global _ENFORCER
    with _LOCK:
        _ENFORCER = None


def authorize(rule, context, target=None):
    """Raise Forbidden unless ``context`` may perform ``rule``.

    The target defaults to the caller's own project: vnfsnap never lets a
    project act on another one's objects (those are simply not found).
    """
    target = target or {'project_id': context.project_id}
    try:
        get_enforcer().authorize(rule, target, context, do_raise=True,
                                 exc=exception.Forbidden, action=rule)
    except policy.InvalidScope:
        raise exception.Forbidden(action=rule)


def project_scope(context):
    """The project whose objects ``context`` sees; None for every project.

    The SRBAC defaults make an administrator (rule ``context_is_admin``,
    the ``admin`` role in any project) the administrator of the whole
    deployment: every rule lets it act on any project's objects, so it
    finds them all.  Anyone else sees the objects of its own project only
    (another project's are not found), and so does a ``project_bound``
    context (auth_strategy = noauth) whatever its roles.
    """
    if getattr(context, 'project_bound', False):
        return context.project_id
    if get_enforcer().authorize('context_is_admin', {}, context,
                                do_raise=False):
        return None
    return context.project_id
