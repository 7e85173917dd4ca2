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

When ``[DEFAULT]transport_url`` is unset, vnfsnap runs API and conductor in
one process and RPC becomes a direct call into the local conductor manager
(the embedded default, like Ironic's single-process mode).
"""

import oslo_messaging as messaging

# oslo.messaging registers [DEFAULT]transport_url only when a transport is
# created; vnfsnap must read it before deciding whether to create one, so it
# registers the same option objects up front.
from oslo_messaging import transport as _msg_transport

from vnfsnap.common import context as vnfsnap_context
import vnfsnap.conf

CONF = vnfsnap.conf.CONF
CONF.register_opts(_msg_transport._transport_opts)
_MESSAGING_DEFAULT_URL = next(o.default for o in _msg_transport._transport_opts
                              if o.name == 'transport_url')
messaging.set_transport_defaults(control_exchange='vnfsnap')

_LOCAL_MANAGER = None
_TRANSPORT = None


def messaging_enabled():
    """True when a transport_url was configured.

    oslo.messaging's own default (``rabbit://``, a broker on localhost with
    guest credentials) does not count: vnfsnap's default is no message bus
    at all.
    """
    return CONF.transport_url not in (None, '', _MESSAGING_DEFAULT_URL)


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
