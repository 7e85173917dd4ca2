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

"""oslo.messaging plumbing: transport, context serializer, in-process mode.

``[DEFAULT]rpc_transport`` decides whether there is a message bus. With
``none`` (the embedded default) vnfsnap runs API and conductor in one
process and RPC becomes a direct call into the local conductor manager, like
Ironic's ``rpc_transport = none``; with ``oslo`` the API and the conductors
talk over oslo.messaging at ``[DEFAULT]transport_url``.
"""

from oslo_log import log as logging
from oslo_log import versionutils
import oslo_messaging as messaging
from oslo_messaging import opts as messaging_opts

from vnfsnap.common import context as vnfsnap_context
import vnfsnap.conf

CONF = vnfsnap.conf.CONF
LOG = logging.getLogger(__name__)

OSLO, NONE = 'oslo', 'none'


def _transport_url_opt():
    """oslo.messaging registers [DEFAULT]transport_url only when a transport
    is created, and vnfsnap must read it before deciding to create one:
    take it from the library's public option list (the one its sample
    configuration comes from) and register it up front."""
    for group, opts in messaging_opts.list_opts():
        for opt in opts:
            if group is None and opt.name == 'transport_url':
                return opt


_TRANSPORT_URL = _transport_url_opt()
CONF.register_opt(_TRANSPORT_URL)
messaging.set_transport_defaults(control_exchange='vnfsnap')

_LOCAL_MANAGER = None
_TRANSPORT = None


def transport_url_set():
    """True when a transport_url was configured; oslo.messaging's own
    default (``rabbit://``, a broker on localhost with guest credentials)
    does not count."""
    return CONF.transport_url not in (None, '', _TRANSPORT_URL.default)


def rpc_transport():
    """``oslo`` or ``none``: the effective ``[DEFAULT]rpc_transport``.

    Unset, it is ``none``; but a configuration written before the option
    existed (``transport_url`` set, ``rpc_transport`` not) keeps its message
    bus, with a deprecation warning: that fallback goes away in a later
    release.
    """
    if CONF.rpc_transport is not None:
        return CONF.rpc_transport
    if not transport_url_set():
        return NONE
    versionutils.report_deprecated_feature(
        LOG, '[DEFAULT]transport_url is set but [DEFAULT]rpc_transport is '
             'not: using rpc_transport = oslo. Set it explicitly; a later '
             'release will take an unset rpc_transport as "none" (no '
             'message bus).')
    return OSLO


def messaging_enabled():
    """True when API and conductors talk over oslo.messaging."""
    return rpc_transport() == OSLO


def get_transport():
    """The process' one RPC transport (its connections are shared by every
    client and server, as oslo.messaging intends)."""
    global _TRANSPORT
    if _TRANSPORT is None:
        # vnfsnap exceptions cross RPC with their class, so a 409 raised in
        # the conductor stays a 409 in the API.
        _TRANSPORT = messaging.get_rpc_transport(
            CONF, allowed_remote_exmods=['vnfsnap.common.exception'])
    return _TRANSPORT


def get_server(endpoints, server):
    """An RPC server for the conductor topic, named ``server``.

    It serves only the endpoint methods marked with ``messaging.expose``:
    oslo.messaging's default would serve every public method, the
    manager's start and stop included, to anyone on the message bus.
    """
    target = messaging.Target(topic=CONF.conductor.topic, server=server)
    return messaging.get_rpc_server(
        get_transport(), target, endpoints, executor='threading',
        serializer=RequestContextSerializer(),
        access_policy=messaging.ExplicitRPCAccessPolicy)


def get_client(version, version_cap=None):
    """An RPC client for the conductor topic; ``version`` is the floor its
    calls pin from, ``version_cap`` the highest they may send."""
    target = messaging.Target(topic=CONF.conductor.topic, version=version)
    return messaging.get_rpc_client(
        get_transport(), target, version_cap=version_cap,
        serializer=RequestContextSerializer())


def cleanup():
    """Close the transport; the next get_transport() reads the
    configuration again."""
    global _TRANSPORT
    if _TRANSPORT is not None:
        _TRANSPORT.cleanup()
    _TRANSPORT = None


class RequestContextSerializer(messaging.Serializer):
    """Carries the request context across RPC; entities are plain JSON."""

    def serialize_entity(self, context, entity):
        return entity

    def deserialize_entity(self, context, entity):
        return entity

    def serialize_context(self, context):
        return context.to_dict()

    def deserialize_context(self, context):
        return vnfsnap_context.RequestContext.from_dict(context)


def set_local_manager(manager):
    """Route RPC to ``manager`` in this process (all-in-one mode)."""
    global _LOCAL_MANAGER
    _LOCAL_MANAGER = manager


def get_local_manager():
    return _LOCAL_MANAGER
