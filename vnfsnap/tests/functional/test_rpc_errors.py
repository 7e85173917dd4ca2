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

"""Errors raised in a conductor reach the API alike over RabbitMQ and in
process: same class, HTTP status and ProblemDetails.

TestEveryException runs vnfsnap's own RPC server and client (transport,
serializer, allowed exception modules) on a real RabbitMQ, with an endpoint
that raises each class of vnfsnap.common.exception in turn, found by
introspection. TestConductorFailures drives the real conductor methods
into their failure paths through a split deployment (vnfsnap-api and a
conductor over RabbitMQ) and an all-in-one on the same database, and
compares their answers.
"""

import inspect
import json
import logging
import re
import subprocess
import uuid

import fixtures
from keystoneauth1 import exceptions as ks_exceptions
import libvirt
from oslo_config import fixture as config_fixture
import oslo_messaging as messaging

from vnfsnap.api import errors
from vnfsnap.common import context
from vnfsnap.common import exception
from vnfsnap.common import rpc
from vnfsnap.conductor import rpcapi
import vnfsnap.conf
from vnfsnap.tests.fixtures import rpc_conductor
from vnfsnap.tests.fixtures import services
from vnfsnap.tests.functional import base

CONF = vnfsnap.conf.CONF

#: What escapes from libraries (not vnfsnap exceptions), each naming
#: something internal a client must not see.
FOREIGN = {
    'keystoneauth': ks_exceptions.ConnectFailure(
        rpc_conductor.UNREACHABLE_ERROR),
    'libvirt': libvirt.libvirtError(
        'internal error: qemu unexpectedly closed the monitor: '
        '/var/lib/libvirt/qemu/internal-secret.monitor'),
}
LEAKS = ('10.9.8.7', 'internal-secret', 'Traceback')


def exception_classes():
    """Every exception class of vnfsnap.common.exception."""
    return [cls for _, cls in inspect.getmembers(exception, inspect.isclass)
            if issubclass(cls, BaseException)
            and cls.__module__ == exception.__name__]


def instance_of(cls):
    """An instance of ``cls`` with a value for each field of its message
    and a non-default value for each extra keyword of its constructor."""
    fields = re.findall(r'%\((\w+)\)([sdr])', cls._msg_fmt)
    kwargs = {name: 7 if conversion == 'd' else '%s-value' % name
              for name, conversion in fields}
    for name, param in inspect.signature(cls.__init__).parameters.items():
        if name not in ('self', 'message') and param.default is not (
                param.empty):
            kwargs[name] = (not param.default
                            if isinstance(param.default, bool)
                            else '%s-value' % name)
    return cls(**kwargs)


class Raiser:
    """A conductor endpoint whose get_vim_capabilities raises the error
    registered under the VNF instance id it is given (the manager declares
    vnfsnap exceptions expected the same way)."""

    target = messaging.Target(version=rpcapi.ConductorAPI.RPC_API_VERSION)

    def __init__(self, errors):
        self.errors = errors

    @messaging.expose
    @messaging.expected_exceptions(exception.VnfsnapException)
    def get_vim_capabilities(self, context, vnf_instance_id):
        raise self.errors[vnf_instance_id]


def problem(exc):
    """What the API answers for ``exc``: status and ProblemDetails."""
    try:
        raise exc
    except Exception as e:
        resp = errors.from_exception(e)
    return resp.status_int, resp.content_type, json.loads(resp.body)


class TestEveryException(base.FunctionalTestCase):

    def setUp(self):
        super().setUp()
        rabbit = self.useFixture(services.RabbitMQServer())
        self.conf = self.useFixture(config_fixture.Config(CONF))
        CONF([], project='vnfsnap', default_config_files=[],
             default_config_dirs=[])
        self.conf.config(transport_url=rabbit.transport_url)
        self.conf.config(topic='errors-%s' % uuid.uuid4().hex,
                         group='conductor')
        self.addCleanup(rpc.cleanup)
        self.addCleanup(rpc.set_local_manager, None)
        self.errors = {cls.__name__: instance_of(cls)
                       for cls in exception_classes()}
        self.errors.update(FOREIGN)
        endpoint = Raiser(self.errors)

        # In process: the client calls the endpoint directly.
        self.conf.config(rpc_transport='none')
        rpc.set_local_manager(endpoint)
        self.local = rpcapi.ConductorAPI()
        # Over RabbitMQ: the server a conductor runs, the API's client.
        self.conf.config(rpc_transport='oslo')
        server = rpc.get_server([endpoint], 'errors')
        server.start()
        self.addCleanup(server.wait)
        self.addCleanup(server.stop)
        self.remote = rpcapi.ConductorAPI()
        self.ctx = context.RequestContext(project_id='p', user_id='u',
                                          overwrite=False)

    def raised(self, api, key):
        try:
            api.get_vim_capabilities(self.ctx, key)
        except Exception as e:
            return e
        self.fail('%s: nothing raised' % key)

    def test_every_class_crosses_with_code_and_message(self):
        classes = exception_classes()
        self.assertGreater(len(classes), 50)
        differences = []
        for cls in classes:
            name = cls.__name__
            local = self.raised(self.local, name)
            remote = self.raised(self.remote, name)
            self.assertIs(self.errors[name], local)
            # oslo.messaging rebuilds the class as a subclass named
            # <class>_Remote, whose str() adds the remote traceback.
            got = (type(remote).__mro__[1], remote.code, remote.title,
                   remote.message, remote.kwargs, vars(remote),
                   problem(remote))
            want = (cls, local.code, local.title, local.message,
                    local.kwargs, vars(local), problem(local))
            if got != want:
                differences.append('%s: over RabbitMQ %r, in process %r'
                                   % (name, got, want))
        self.assertEqual([], differences)

    def test_foreign_errors_are_500_without_internals(self):
        logs = self.useFixture(fixtures.FakeLogger(level=logging.INFO))
        for key, error in FOREIGN.items():
            local = self.raised(self.local, key)
            self.assertIs(error, local)
            remote = self.raised(self.remote, key)
            self.assertIsInstance(remote, messaging.RemoteError)
            self.assertEqual(type(error).__name__, remote.exc_type)
            answers = problem(local), problem(remote)
            self.assertEqual(answers[0], answers[1])
            status, content_type, body = answers[0]
            self.assertEqual(500, status)
            self.assertEqual(errors.PROBLEM_JSON, content_type)
            self.assertEqual('Internal Server Error', body['title'])
            for leak in LEAKS:
                self.assertNotIn(leak, json.dumps(body))
        # The conductor's log (its RPC server) has the tracebacks.
        for error in FOREIGN.values():
            self.assertIn('%s: %s' % (type(error).__name__, error),
                          logs.output)
        self.assertIn('Traceback (most recent call last)', logs.output)


class TestConductorFailures(rpc_conductor.ConductorProcesses,
                            base.FunctionalTestCase):
    """The real conductor methods' failure paths, split and in process.

    vnfsnap-api with a conductor over RabbitMQ, and a vnfsnap-all-in-one,
    share one PostgreSQL database: the same request on the same rows must
    get the same answer from both.
    """

    def setUp(self):
        super().setUp()
        rabbit = self.useFixture(services.RabbitMQServer())
        db = self.useFixture(services.PostgreSQLServer())
        split_port, aio_port = services.free_ports(2)
        common = {'state_path': self.tmp}
        self.split_conf = base.write_config(self.tmp + '/split.conf', {
            'DEFAULT': dict(common, rpc_transport='oslo', host='conductor-1',
                            transport_url=rabbit.transport_url),
            'database': {'connection': db.url},
            'api': {'port': split_port, 'rpc_timeout': 20},
        })
        # The all-in-one never sweeps for work: every operation here is
        # the split conductor's.
        aio_conf = base.write_config(self.tmp + '/aio.conf', {
            'DEFAULT': dict(common, rpc_transport='none', host='aio'),
            'database': {'connection': db.url},
            'api': {'port': aio_port},
            'conductor': {'sweep_interval': 3600},
        })
        subprocess.run([base.command('vnfsnap-manage'), '--config-file',
                        self.split_conf, 'db', 'sync'], check=True,
                       capture_output=True)
        env = {'VNFSNAP_FAKE_GUESTS': 'vm-a,vm-b',
               'VNFSNAP_FAKE_DELAY': 'revert:vm-a:30'}
        self.start([base.command('vnfsnap-api'), '--config-file',
                    self.split_conf], port=split_port, name='vnfsnap-api')
        self.conductor = self.start_rpc_conductor(
            'conductor', self.split_conf, 'conductor', env)
        self.start_rpc_conductor('all-in-one', aio_conf, 'all-in-one', env,
                                 port=aio_port)
        # A call sent before the conductor listens would be lost.
        self.wait_for_log('conductor', 'Conductor conductor-1 listening')
        self.split = base.Client('http://127.0.0.1:%d' % split_port)
        self.aio = base.Client('http://127.0.0.1:%d' % aio_port)

    def both(self, method, path, status, content_type=errors.PROBLEM_JSON):
        """The split deployment's answer, once it equals the in-process
        one and has ``status``."""
        answers = []
        for api in (self.split, self.aio):
            resp = api.request(method, path)
            answers.append((resp.status_code, resp.headers['Content-Type'],
                            resp.json()))
        self.assertEqual(answers[0], answers[1])
        self.assertEqual((status, content_type), answers[0][:2], answers[0])
        return answers[0][2]

    def register(self, guest, vim_type):
        inst = self.split.post('/vnflcm/v2/vnf_instances',
                               json=base.registration((guest,), vim_type))
        self.assertEqual(201, inst.status_code, inst.text)
        return inst.json()['id']

    def snapshot(self, inst):
        info = self.split.post('/vnflcm/v2/vnf_snapshots', json={}).json()
        task = self.split.post(
            '/vnflcm/v2/vnf_instances/%s/create_snapshot' % inst,
            json={'vnfSnapshotInfoId': info['id']})
        self.assertEqual(202, task.status_code, task.text)
        op = self.split.wait_for_op(task.headers['Location'], timeout=120)
        self.assertEqual('COMPLETED', op['operationState'], op)
        return info['id']

    def test_get_vim_capabilities_failures(self):
        path = '/vnflcm/v2/vnf_instances/%s/vim_capabilities'
        # VimDriverNotFound from the conductor's driver loader: the answer
        # gives it as the VNFC's error.
        body = self.both('GET', path % self.register(
            'vm-x', 'ETSINFV.NOSUCH.V_1'), 200,
            content_type='application/json; charset=UTF-8')
        self.assertIn('No VIM driver is installed for vimType '
                      'ETSINFV.NOSUCH.V_1 (installed: ',
                      body['vnfcs'][0]['error'])

        # A keystoneauth error escaping the driver: a bare 500, and the
        # traceback in the log of whichever conductor ran it.
        body = self.both('GET', path % self.register(
            'vm-a', rpc_conductor.UNREACHABLE), 500)
        self.assertEqual('Internal Server Error', body['title'])
        for leak in LEAKS:
            self.assertNotIn(leak, json.dumps(body))
        for name in ('conductor', 'all-in-one'):
            log = self.log(name)
            self.assertIn('ConnectFailure: %s'
                          % rpc_conductor.UNREACHABLE_ERROR, log)
            self.assertIn('Traceback (most recent call last)', log)

        # No conductor: the call times out into a 503 (split only).
        fine = self.register('vm-a', 'VNFSNAP.TEST.V_1')
        self.assertEqual(200, self.split.get(path % fine).status_code)
        self.conductor.stop()
        resp = self.split.get(path % fine)
        self.assertEqual(503, resp.status_code, resp.text)
        self.assertEqual(errors.PROBLEM_JSON, resp.headers['Content-Type'])
        self.assertIn('No conductor answered', resp.json()['detail'])

    def test_delete_vnf_snapshot_failures(self):
        path = '/vnflcm/v2/vnf_snapshots/%s'
        # VimError, a 500 whose message is for the client: the VIM refused.
        refused = self.snapshot(self.register('vm-b', rpc_conductor.NO_DELETE))
        body = self.both('DELETE', path % refused, 500)
        self.assertIn('VIM operation failed: snapshot ', body['detail'])
        self.assertIn('is protected on the VIM', body['detail'])
        # ...and the VNF snapshot is still there, free to delete again.
        self.assertEqual(200, self.aio.get(path % refused).status_code)
        self.both('DELETE', path % refused, 500)

        # VnfSnapshotInUse, a 409: a revert to it is running.
        inst = self.register('vm-a', 'VNFSNAP.TEST.V_1')
        info = self.snapshot(inst)
        revert = self.split.post(
            '/vnflcm/v2/vnf_instances/%s/revert_to_snapshot' % inst,
            json={'vnfSnapshotInfoId': info})
        self.assertEqual(202, revert.status_code, revert.text)
        op_url = revert.headers['Location']
        self.split.wait_for_op(op_url, states=('PROCESSING',))
        body = self.both('DELETE', path % info, 409)
        self.assertEqual('Conflict', body['title'])
        self.assertEqual('VNF snapshot %s is in use by %s (an LCM operation '
                         'occurrence, a VNF snapshot package build or '
                         'extraction, or a deletion).'
                         % (info, op_url.rsplit('/', 1)[1]), body['detail'])
        op = self.split.wait_for_op(op_url, timeout=120)
        self.assertEqual('COMPLETED', op['operationState'], op)
        gone = self.split.delete(path % info)
        self.assertEqual(204, gone.status_code, gone.text)
