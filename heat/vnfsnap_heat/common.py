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


"""What the OS::VnfSnap::* resource types share: the vnfsnap client of the
stack's context, op occurrence polling and ProblemDetails texts.

It lives outside vnfsnap_heat/resources/ on purpose: heat-engine imports
every module of a plugin directory as a resource module, so shared code
is imported absolutely (``from vnfsnap_heat import common``).
"""

from heat.common import config
from heat.common import exception
from heat.engine import attributes
from heat.engine import properties
from heat.engine import resource
from heat.engine import support
from oslo_config import cfg
from oslo_log import log as logging
from vnfsnapclient import client as vnfsnap_client
from vnfsnapclient import exceptions as vnfsnap_exc

LOG = logging.getLogger(__name__)

SUPPORT_STATUS = support.SupportStatus(
    status=support.SUPPORTED,
    message='Provided by the vnfsnap-heat plugin (vnfsnap).')

# The client's name in heat.conf: [clients_vnfsnap]endpoint_type, else
# [clients]endpoint_type.  Heat registers a [clients_<name>] group for its
# own clients only: the plugin registers its own, with the same options.
CLIENT_NAME = 'vnfsnap'
cfg.CONF.register_opts(config.clients_opts, group='clients_' + CLIENT_NAME)
# Heat's endpoint types (publicURL...) as keystoneauth interfaces.
_INTERFACES = {'publicURL': 'public', 'internalURL': 'internal',
               'adminURL': 'admin'}

# SOL003 5.6.2: an op occurrence in one of these still runs.
OP_RUNNING = frozenset(('STARTING', 'PROCESSING', 'ROLLING_BACK'))
OP_COMPLETED = 'COMPLETED'
OP_FAILED_TEMP = 'FAILED_TEMP'


def prop(data_type, description, **kwargs):
    """A property schema of the plugin: its support status, so that
    resource type show documents it."""
    return properties.Schema(data_type, description,
                             support_status=SUPPORT_STATUS, **kwargs)


def attribute(description, data_type):
    """An attribute schema of the plugin, with its support status."""
    return attributes.Schema(description, type=data_type,
                             support_status=SUPPORT_STATUS)


def endpoint_interface():
    """The catalog interface heat.conf says clients use."""
    value = config.get_client_option(CLIENT_NAME, 'endpoint_type')
    return _INTERFACES.get(value, value)


def detail(exc):
    """The text of a vnfsnap error: a ProblemDetails' detail when the
    answer carried one (the client bounds it), else the error's text."""
    if isinstance(exc, vnfsnap_exc.HttpError):
        return exc.detail
    return vnfsnap_exc.bounded(str(exc))


def failed(what, state, reason):
    """The error that fails a resource whose operation ended in
    ``state``.  Not ResourceInError: Heat would delete and create the
    resource again, up to [DEFAULT]action_retry_limit times, taking new
    snapshots of a VNF whose refusal stays the same."""
    return exception.Error('%s ended %s: %s' % (what, state, reason))


def op_failure(op):
    """The error of an op occurrence that ended failed, with its
    ProblemDetails' detail (``error``) as reason."""
    problem = op.get('error') or {}
    return failed(op.get('operation') or 'the operation',
                  op.get('operationState'),
                  vnfsnap_exc.bounded(problem.get('detail')) or
                  'no reason given')


class VnfSnapResource(resource.Resource):
    """Base of the OS::VnfSnap::* types: ``client()`` is vnfsnap's."""

    support_status = SUPPORT_STATUS
    # No Heat client plugin: client() is built here (see below).
    default_client_name = None

    def client(self, name=None, version=None):
        """The vnfsnap client with the stack's Keystone session, or
        Heat's client ``name`` (``self.client('nova')``)."""
        if name not in (None, CLIENT_NAME):
            return super().client(name, version)
        if getattr(self, '_vnfsnap', None) is None:
            self._vnfsnap = vnfsnap_client.Client(
                self.context.keystone_session,
                interface=endpoint_interface(),
                region_name=self.context.region_name)
        return self._vnfsnap

    def fail(self, exc, what):
        """An exception.Error saying what was refused and vnfsnap's
        reason."""
        return exception.Error('%s: %s' % (what, detail(exc)))

    def check_op(self, op_id, rollback=True):
        """One poll of op occurrence ``op_id``: True when COMPLETED,
        False while it runs; raises the error with its detail when
        it failed, after asking for the rollback of a FAILED_TEMP one
        (so that the VNF is left as it was)."""
        op = self.client().vnf_lcm_op_occs.get(op_id)
        state = op.get('operationState')
        if state == OP_COMPLETED:
            return True
        if state in OP_RUNNING:
            return False
        if state == OP_FAILED_TEMP and rollback:
            try:
                self.client().vnf_lcm_op_occs.rollback(op_id)
            except vnfsnap_exc.ClientError as exc:
                LOG.warning('%s: could not roll back operation %s: %s',
                            self.name, op_id, detail(exc))
        raise op_failure(op)

    @staticmethod
    def gone(call, *args):
        """Run ``call(*args)``; True when vnfsnap answered 404."""
        try:
            call(*args)
        except vnfsnap_exc.NotFound:
            return True
        return False

    def _show_resource(self):
        """The ``show`` attribute: the resource as vnfsnap answers."""
        if self.resource_id is None:
            return None
        return self.get_live()

    def get_live(self):
        """The resource's representation (GET); None once deleted."""
        raise NotImplementedError()

    def _resolve_attribute(self, name):
        if self.resource_id is None:
            return None
        try:
            return self.resolve(name)
        except vnfsnap_exc.NotFound:
            return None

    def resolve(self, name):
        """The value of attribute ``name``."""
        raise NotImplementedError()
