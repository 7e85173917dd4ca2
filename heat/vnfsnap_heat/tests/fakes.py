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


"""The client test double: an in-memory vnfsnapclient Client with the
managers the resource types use.

It keeps VNF instances, VNF snapshots, op occurrences, packages and
subscriptions as dicts; operations stay PROCESSING (packages BUILDING)
until the test ends them (``finish_op``, ``finish_build``) or, with
``auto``, until they are read. Refusals are
the ProblemDetails errors of vnfsnapclient.exceptions; a test makes the
next call of a method fail with ``refuse(method, status, detail)``.
"""

import re
import uuid

from vnfsnapclient import exceptions


def problem(status, detail):
    """The HttpError vnfsnap's answer of ``status`` raises."""
    return exceptions.from_status(
        status, title='Refused', detail=detail,
        problem={'status': status, 'title': 'Refused', 'detail': detail})


class _Manager:
    """One collection: ``items`` by id; ``refusals`` by method name."""

    def __init__(self, fake):
        self.fake = fake
        self.items = {}

    def _refused(self, method):
        error = self.fake.refusals.pop((type(self).__name__, method), None)
        if error is not None:
            raise error

    def get(self, item_id):
        self._refused('get')
        if item_id not in self.items:
            raise problem(404, 'no such resource %s' % item_id)
        return dict(self.items[item_id])

    def _remove(self, item_id):
        if item_id not in self.items:
            raise problem(404, 'no such resource %s' % item_id)
        del self.items[item_id]

    def _add(self, item):
        item.setdefault('id', str(uuid.uuid4()))
        self.items[item['id']] = item
        return dict(item)


class VnfInstances(_Manager):

    def register(self, body):
        self._refused('register')
        self.fake.registered.append(body)
        instance = dict(body, instantiationState='INSTANTIATED')
        instance.pop('vimConnectionInfo', None)
        return self._add(instance)

    def modify(self, instance_id, changes):
        self._refused('modify')
        self.get(instance_id)
        self.fake.modifications.append(changes)
        return self.fake.start_op(instance_id, 'MODIFY_INFO')

    def delete(self, instance_id):
        self._refused('delete')
        self._remove(instance_id)

    def create_snapshot(self, instance_id, vnf_snapshot_info_id,
                        additional_params=None, user_defined_data=None):
        self._refused('create_snapshot')
        self.get(instance_id)
        self.fake.snapshot_requests.append(
            {'additionalParams': additional_params,
             'userDefinedData': user_defined_data})
        op_id = self.fake.start_op(instance_id, 'CREATE_SNAPSHOT')
        self.fake.fills[op_id] = (vnf_snapshot_info_id, instance_id)
        return op_id

    def vim_capabilities(self, instance_id):
        self.get(instance_id)
        return {'vnfc-a': {'diskSnapshot': True}}

    def set_snapshot_descriptor(self, instance_id, descriptor):
        self._refused('set_snapshot_descriptor')
        self.items[self.get(instance_id)['id']][
            'snapshotDescriptor'] = descriptor
        return descriptor

    def set_snapshot_notifications(self, instance_id, body):
        self._refused('set_snapshot_notifications')
        self.get(instance_id)
        self.fake.notifications[instance_id] = body
        return {k: v for k, v in body.items() if k != 'authentication'}

    def delete_snapshot_notifications(self, instance_id):
        self.get(instance_id)
        self.fake.notifications.pop(instance_id, None)


class VnfSnapshots(_Manager):
    """A deleted VNF snapshot is still read once (a conductor removes
    its VIM-side snapshots after the DELETE answered)."""

    def __init__(self, fake):
        super().__init__(fake)
        self.deleting = set()

    def _settle(self):
        for snapshot_id in self.deleting:
            self.items.pop(snapshot_id, None)
        self.deleting = set()

    def create(self, body=None):
        self._refused('create')
        return self._add({})

    def delete(self, snapshot_id):
        self._refused('delete')
        if snapshot_id in self.deleting:
            raise problem(404, 'no such resource %s' % snapshot_id)
        self.get(snapshot_id)
        self.deleting.add(snapshot_id)

    def get(self, snapshot_id):
        try:
            return super().get(snapshot_id)
        finally:
            self._settle()

    def list(self, filter=None):
        match = re.fullmatch(r'\(eq,vnfSnapshot/vnfInstanceId,(.+)\)',
                             filter or '')
        found = [dict(s) for s in self.items.values()
                 if match is None or (s.get('vnfSnapshot') or {}).get(
                     'vnfInstanceId') == match.group(1)]
        self._settle()
        return iter(found)


class VnfLcmOpOccs(_Manager):

    def get(self, op_id):
        op = self.items.get(op_id)
        if self.fake.auto and op:
            if op['operationState'] == 'PROCESSING':
                self.fake.finish_op(
                    op_id, 'FAILED_TEMP' if self.fake.auto_failure
                    else 'COMPLETED', detail=self.fake.auto_failure)
            elif op['operationState'] == 'ROLLING_BACK':
                self.fake.finish_op(op_id, 'ROLLED_BACK')
        return super().get(op_id)

    def rollback(self, op_id):
        self._refused('rollback')
        op = self.items[self.get(op_id)['id']]
        if op['operationState'] != 'FAILED_TEMP':
            raise problem(409, 'operation %s is %s' % (
                op_id, op['operationState']))
        op['operationState'] = 'ROLLING_BACK'
        self.fake.rollbacks.append(op_id)


class Subscriptions(_Manager):

    def create(self, body):
        self._refused('create')
        return self._add(dict(body, _links={}))

    def delete(self, subscription_id):
        self._remove(subscription_id)


class _Content:
    """An http.Stream of a package's content."""

    def __init__(self, size):
        self.size = size
        self.closed = False

    def close(self):
        self.closed = True


class VnfSnapshotPackages(_Manager):

    def create(self, body):
        self._refused('create')
        return self._add(dict(body, state='CREATED', isCancelPending=False,
                              _links={}))

    def build(self, pkg_id, body):
        self._refused('build')
        pkg = self.items[self.get(pkg_id)['id']]
        self.fake.builds.append(body)
        pkg['state'] = 'BUILDING'

    def update(self, pkg_id, changes):
        self._refused('update')
        pkg = self.items[self.get(pkg_id)['id']]
        self.fake.package_updates.append(changes)
        for key, value in changes.items():
            if isinstance(value, dict):
                merged = dict(pkg.get(key) or {}, **value)
                pkg[key] = {k: v for k, v in merged.items()
                            if v is not None}
            else:
                pkg[key] = value
        return changes

    def cancel(self, pkg_id, cause=None):
        pkg = self.items[self.get(pkg_id)['id']]
        pkg['isCancelPending'] = True
        self.fake.cancels.append(pkg_id)

    def delete(self, pkg_id):
        self._refused('delete')
        if self.get(pkg_id)['state'] == 'BUILDING':
            raise problem(409, 'package %s is BUILDING' % pkg_id)
        self._remove(pkg_id)

    def get(self, pkg_id):
        pkg = self.items.get(pkg_id)
        if self.fake.auto and pkg and pkg['state'] == 'BUILDING':
            self.fake.finish_build(pkg_id)
        return super().get(pkg_id)

    def stream(self, pkg_id):
        self.get(pkg_id)
        self.fake.content = _Content(self.fake.sizes.get(pkg_id))
        return self.fake.content


class FakeClient:
    """vnfsnapclient.client.Client, in memory."""

    def __init__(self):
        # True: an operation or build ends COMPLETED / AVAILABLE when it
        # is first read (for whole stacks that Heat itself drives).
        self.auto = False
        # With auto: the detail of the FAILED_TEMP every operation ends in.
        self.auto_failure = None
        self.refusals = {}
        self.registered = []
        self.modifications = []
        self.snapshot_requests = []
        self.fills = {}
        self.notifications = {}
        self.rollbacks = []
        self.builds = []
        self.package_updates = []
        self.cancels = []
        self.content = None
        self.sizes = {}
        self.vnf_instances = VnfInstances(self)
        self.vnf_snapshots = VnfSnapshots(self)
        self.vnf_lcm_op_occs = VnfLcmOpOccs(self)
        self.subscriptions = Subscriptions(self)
        self.vnf_snapshot_packages = VnfSnapshotPackages(self)

    def refuse(self, manager, method, status, detail):
        """The next ``manager.method`` call raises vnfsnap's refusal."""
        self.refusals[(manager, method)] = problem(status, detail)

    def start_op(self, instance_id, operation):
        op = {'id': str(uuid.uuid4()), 'operation': operation,
              'operationState': 'PROCESSING', 'vnfInstanceId': instance_id}
        self.vnf_lcm_op_occs.items[op['id']] = op
        return op['id']

    def finish_op(self, op_id, state='COMPLETED', detail=None):
        """End an op occurrence; a COMPLETED CREATE_SNAPSHOT fills its
        VNF snapshot."""
        op = self.vnf_lcm_op_occs.items[op_id]
        op['operationState'] = state
        if detail is not None:
            op['error'] = {'status': 409, 'title': 'Conflict',
                           'detail': detail}
        fill = self.fills.get(op_id)
        if fill and state == 'COMPLETED':
            snapshot_id, instance_id = fill
            self.vnf_snapshots.items[snapshot_id]['vnfSnapshot'] = {
                'id': 'vnf-snap-1', 'vnfInstanceId': instance_id,
                'vnfcSnapshots': [{'id': 'vnfc-snap-a',
                                   'vnfcInstanceId': 'vnfc_a'}]}

    def finish_build(self, pkg_id, state='AVAILABLE', detail=None):
        pkg = self.vnf_snapshot_packages.items[pkg_id]
        pkg['state'] = state
        if state == 'AVAILABLE':
            pkg['checksum'] = {'algorithm': 'SHA-256', 'hash': 'ab' * 32}
            self.sizes[pkg_id] = 4096
            pkg['_links'] = {'packageContent': {
                'href': 'http://vnfsnap/vnfsnapshotpkgm/v1/'
                        'vnf_snapshot_packages/%s/package_content' % pkg_id}}
        if detail is not None:
            pkg['failureDetails'] = {
                'errorType': 'BUILD_ERROR',
                'details': {'status': 500, 'detail': detail}}
