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

"""The OS::VnfSnap::* resource types on a real Heat.

heat-api and heat-engine (heat_services) run with the plugin of this
checkout on the shared cloud, in front of vnfsnap behind the same
Keystone.  A project member deploys heat/examples/vnf-with-protection.yaml
(two servers of the test guest, a Cinder volume attached to one, the VNF
instance and a baseline snapshot) with ``openstack stack create``, and
follows it through python-heatclient and the ``openstack`` CLI: the VNF
and its snapshots in vnfsnap, a revert that brings the guests' data back,
stack updates (a descriptor change and a second snapshot; a snapshot
vnfsnap refuses because a server was stopped behind Heat's back), and the
stack's delete, after which nothing is left in vnfsnap, Nova, Cinder or
Glance.  The CLI's outputs are attached to the test's details.
"""

import copy
import datetime
import json
import os
import subprocess
import time

from testtools import content
from testtools import content_type
import yaml

from vnfsnap.tests.fixtures import heat_services
from vnfsnap.tests.fixtures import openstack_services
from vnfsnap.tests.fixtures import openstack_vnfcs
from vnfsnap.tests.functional import base

TEMPLATE = os.path.join(heat_services.ROOT, 'heat', 'examples',
                        'vnf-with-protection.yaml')
#: Seconds for one CLI command.
CLI_TIMEOUT = 300
#: Seconds a stack action may take: two TCG guests boot in 1-2 min each,
#: and a snapshot of both takes a few more.
STACK_TIMEOUT = 1500
PERSONA = 'member_a'


class HeatTestCase(base.FunctionalTestCase):
    """Heat and vnfsnap on the shared cloud, and the ``openstack``
    command as the project member ``member_a``."""

    def setUp(self):
        super().setUp()
        self.cloud = openstack_services.shared_cloud()
        self.stacks = self.useFixture(heat_services.HeatCloud(self.cloud))
        self.clouds_yaml = self.stacks.vnfsnap.clouds_yaml(
            os.path.join(self.tmp, 'clouds.yaml'))
        self.timings = []
        self.addDetail('heat timings', content.text_content(
            json.dumps(self.stacks.heat.timings)))
        self.addDetail('timings', content.Content(
            content_type.UTF8_TEXT,
            lambda: ['\n'.join(self.timings).encode()]))

    def openstack(self, *args, detail=None, check=True):
        """Run ``openstack ARGS`` as PERSONA; its CompletedProcess.

        A non-zero exit fails the test when ``check``; ``detail`` names
        a test detail the command and its output are attached as.
        """
        env = {k: v for k, v in os.environ.items()
               if not k.startswith('OS_')}
        env.update(OS_CLIENT_CONFIG_FILE=self.clouds_yaml, OS_CLOUD=PERSONA,
                   HOME=self.tmp, COLUMNS='160')
        started = time.monotonic()
        proc = subprocess.run(
            [base.command('openstack')] + list(args), env=env,
            capture_output=True, text=True, timeout=CLI_TIMEOUT)
        self.timings.append('%6.1f s  openstack %s' % (
            time.monotonic() - started, ' '.join(args[:5])))
        if detail:
            self.addDetail(detail, content.text_content(
                '$ openstack %s\n%s%s' % (' '.join(args), proc.stdout,
                                          proc.stderr)))
        if check:
            self.assertEqual(0, proc.returncode, '%s: %s' % (
                ' '.join(args), proc.stderr[-3000:]))
        return proc

    def json(self, *args, detail=None):
        return json.loads(self.openstack(*args, '-f', 'json',
                                         detail=detail).stdout)


class TestHeatPlugin(HeatTestCase):
    """heat-engine loads the plugin from ``plugin_dirs`` (no guests)."""

    def test_resource_types_are_listed_and_documented(self):
        listed = {t['Resource Type'] for t in self.json(
            'orchestration', 'resource', 'type', 'list')}
        for name in heat_services.RESOURCE_TYPES:
            self.assertIn(name, listed)

        shown = self.json('orchestration', 'resource', 'type', 'show',
                          'OS::VnfSnap::VnfInstance',
                          detail='resource type show')
        self.assertEqual('OS::VnfSnap::VnfInstance', shown['resource_type'])
        self.assertIn('Provided by the vnfsnap-heat plugin',
                      shown['support_status']['message'])
        self.assertEqual('SUPPORTED', shown['support_status']['status'])
        for prop in ('name', 'vnfd_id', 'vnfcs', 'snapshot_descriptor',
                     'notification_endpoint', 'vim_access',
                     'delete_snapshots'):
            self.assertIn(prop, shown['properties'])
            self.assertTrue(shown['properties'][prop]['description'], prop)
        vnfcs = shown['properties']['vnfcs']
        self.assertTrue(vnfcs['required'])
        self.assertIn('server', vnfcs['schema']['*']['schema'])
        for attr in ('vnf_instance', 'vnfc_ids', 'vim_capabilities',
                     'instantiation_state'):
            self.assertIn(attr, shown['attributes'])
            self.assertTrue(shown['attributes'][attr]['description'], attr)


def _load(path):
    with open(path) as f:
        return yaml.safe_load(f)


def _dump(template, path):
    """Write a template; the version stays the date string Heat reads."""
    template = dict(template)
    version = template['heat_template_version']
    if isinstance(version, datetime.date):
        template['heat_template_version'] = version.isoformat()
    with open(path, 'w') as f:
        yaml.safe_dump(template, f, sort_keys=False)
    return path


class TestHeatStack(HeatTestCase):
    """The example template's life, as its project member lives it."""

    def setUp(self):
        super().setUp()
        # After HeatCloud: its cleanup (servers, volumes, snapshots,
        # images left by a failed test) runs while Heat and vnfsnap still
        # run.
        self.left = self.useFixture(openstack_vnfcs.LeaveAsFound(self.cloud))
        self.data_image = self.cloud.upload_image(
            'vnfsnap-guest-data', self.cloud.guest_image.data_disk, 'qcow2')
        self.heat = self.stacks.heatclient(PERSONA)
        self.template = _load(TEMPLATE)

    # --- Heat ---------------------------------------------------------------

    def wait_for_stack(self, stack_id, action, timeout=STACK_TIMEOUT):
        """Poll until ``action`` is no longer IN_PROGRESS; the stack."""
        started = time.monotonic()
        while True:
            stack = self.heat.stacks.get(stack_id)
            if stack.stack_status != '%s_IN_PROGRESS' % action:
                break
            if time.monotonic() - started > timeout:
                self.attach_stack(stack_id, 'stuck')
                self.fail('%s: still %s after %ss' % (
                    stack_id, stack.stack_status, timeout))
            time.sleep(5)
        self.timings.append('%6.1f s  stack %s' % (
            time.monotonic() - started, action))
        return stack

    def attach_stack(self, stack_id, label):
        """The stack's resources and events as test details."""
        self.openstack('stack', 'resource', 'list', stack_id,
                       detail='%s: stack resource list' % label,
                       check=False)
        self.openstack('stack', 'event', 'list', stack_id,
                       detail='%s: stack event list' % label, check=False)

    def assertStack(self, status, stack):
        if stack.stack_status != status:
            self.attach_stack(stack.id, stack.stack_status)
        self.assertEqual(status, stack.stack_status,
                         stack.stack_status_reason)

    def update(self, stack_id, template, name):
        path = _dump(template, os.path.join(self.tmp, name + '.yaml'))
        self.openstack('stack', 'update', '--existing', '-t', path,
                       stack_id, detail='stack update (%s)' % name)
        return self.wait_for_stack(stack_id, 'UPDATE')

    def servers(self):
        """The VNFCs of the template: vdu id -> (Heat resource name)."""
        vnf = self.template['resources']['vnf']['properties']
        return {v['vdu_id']: v['server']['get_resource']
                for v in vnf['vnfcs']}

    # --- vnfsnap -----------------------------------------------------------

    def snapshots(self, vnf_id):
        return self.json('vnf', 'snapshot', 'list', '--instance', vnf_id,
                         '--long', detail='vnf snapshot list')

    # --- the test -----------------------------------------------------------

    def test_stack_protects_its_vnf_until_deleted(self):
        stack = self.create()
        outputs = {o['output_key']: o['output_value']
                   for o in self.heat.stacks.get(stack.id).outputs}
        vnf_id = outputs['vnf_id']
        servers = {r.resource_name: r.physical_resource_id
                   for r in self.heat.resources.list(stack.id)
                   if r.resource_type == 'OS::Nova::Server'}

        inst = self.json('vnf', 'instance', 'show', vnf_id,
                         detail='vnf instance show')
        self.assertEqual('INSTANTIATED', inst['instantiationState'])
        self.assertEqual(
            set(servers.values()),
            {v['computeResource']['resourceId'] for v in
             inst['instantiatedVnfInfo']['vnfcResourceInfo']})
        self.assertEqual('COMPLETED', outputs['baseline_state'])
        listed = self.snapshots(vnf_id)
        self.assertEqual([outputs['baseline_id']], [s['ID'] for s in listed])
        ops = self.json('vnf', 'operation', 'list', '--instance', vnf_id,
                        '--operation', 'CREATE_SNAPSHOT',
                        detail='vnf operation list')
        self.assertEqual(['COMPLETED'], [o['State'] for o in ops])

        vnfc_a = {'id': servers['vnfc_a']}
        vnfc_b = {'id': servers['vnfc_b']}
        self.mount_data_volume(vnfc_a)
        self.write_markers(vnfc_a, vnfc_b, 'before')
        second = self.update_descriptor_and_snapshot(stack, vnf_id)

        self.write_markers(vnfc_a, vnfc_b, 'after')
        op = self.json('vnf', 'snapshot', 'revert', second, '--wait',
                       detail='vnf snapshot revert')
        self.assertEqual('COMPLETED', op['operationState'], op)
        self.assertEqual({'before'}, self.read_markers(vnfc_a, vnfc_b))

        self.snapshot_of_a_stopped_server_fails(stack, vnf_id, vnfc_b)
        self.delete(stack, vnf_id)

    def create(self):
        params = {'image': self.cloud.image_id,
                  'flavor': self.cloud.flavor_id,
                  'data_image': self.data_image}
        args = ['stack', 'create', '-t', TEMPLATE]
        for kv in sorted(params.items()):
            args += ['--parameter', '%s=%s' % kv]
        created = self.json(*args, 'heat-vnf', detail='stack create')
        self.addCleanup(self.delete_quietly, created['id'])
        stack = self.wait_for_stack(created['id'], 'CREATE')
        self.assertStack('CREATE_COMPLETE', stack)
        self.openstack('stack', 'show', stack.id, detail='stack show')
        self.openstack('stack', 'resource', 'list', stack.id,
                       detail='stack resource list')
        self.openstack('stack', 'output', 'show', '--all', stack.id,
                       detail='stack output show')
        return stack

    def mount_data_volume(self, vnfc):
        """Mount the data volume on /data, as the VNF's own start-up does
        with a disk attached after boot (the test guest's init mounts
        /dev/vdb only when it is there at boot; Heat attaches the volume
        once the server is ACTIVE)."""
        import libvirt

        from vnfsnap_demo import guest_agent

        name = openstack_vnfcs.server(self.cloud, vnfc['id'])[
            'OS-EXT-SRV-ATTR:instance_name']
        conn = libvirt.open('qemu:///system')
        try:
            dom = conn.lookupByName(name)
            guest_agent.wait_for_agent(dom, timeout=openstack_vnfcs.TIMEOUT)
            guest_agent.sh(dom, 'mountpoint -q /data || '
                           'mount -t ext4 -o rw,noatime /dev/vdb /data',
                           timeout=60)
        finally:
            conn.close()

    def write_markers(self, vnfc_a, vnfc_b, text):
        """Markers on both disks of vnfc_a, on the root disk of vnfc_b
        (which has no data volume)."""
        openstack_vnfcs.write_markers(self.cloud, [vnfc_a], text)
        openstack_vnfcs.write_markers(self.cloud, [vnfc_b], text,
                                      paths=openstack_vnfcs.MARKERS[:1])

    def read_markers(self, vnfc_a, vnfc_b):
        return (openstack_vnfcs.read_markers(self.cloud, [vnfc_a])
                | openstack_vnfcs.read_markers(
                    self.cloud, [vnfc_b], paths=openstack_vnfcs.MARKERS[:1]))

    def update_descriptor_and_snapshot(self, stack, vnf_id):
        """A new descriptor and a second snapshot resource: UPDATE_COMPLETE,
        the descriptor replaced in vnfsnap; the new snapshot's id."""
        template = copy.deepcopy(self.template)
        resources = template['resources']
        descriptor = resources['vnf']['properties'].setdefault(
            'snapshot_descriptor', {})
        vdu_b = [vdu for vdu, server in self.servers().items()
                 if server == 'vnfc_b'][0]
        descriptor.setdefault('vnfcs', {}).setdefault(vdu_b, {})[
            'snapshotWhenPoweredOff'] = True
        resources['after_update'] = {
            'type': 'OS::VnfSnap::VnfSnapshot',
            'properties': {'vnf_instance': {'get_resource': 'vnf'},
                           'name': 'after-update'}}
        template.setdefault('outputs', {})['after_update_id'] = {
            'value': {'get_resource': 'after_update'}}
        self.assertStack('UPDATE_COMPLETE',
                         self.update(stack.id, template, 'second-snapshot'))
        self.template = template
        shown = self.json('vnf', 'snapshot', 'descriptor', 'show', vnf_id,
                          detail='vnf snapshot descriptor show')
        self.assertIs(True, shown['vnfcs'][vdu_b]['snapshotWhenPoweredOff'],
                      shown)
        second = self.heat.resources.get(
            stack.id, 'after_update').physical_resource_id
        listed = self.snapshots(vnf_id)
        self.assertIn(second, [s['ID'] for s in listed])
        self.assertEqual(2, len(listed), listed)
        return second

    def snapshot_of_a_stopped_server_fails(self, stack, vnf_id, vnfc_b):
        """vnfc_b stopped behind Heat's back, with a descriptor that
        forbids snapshots of powered-off VNFCs: the new snapshot resource
        fails with vnfsnap's reason."""
        self.cloud.api('compute', 'POST', '/servers/%s/action'
                       % vnfc_b['id'], json={'os-stop': None})
        openstack_vnfcs.wait('vnfc_b SHUTOFF', lambda: openstack_vnfcs.server(
            self.cloud, vnfc_b['id'])['status'] == 'SHUTOFF')
        template = copy.deepcopy(self.template)
        resources = template['resources']
        vdu_b = [vdu for vdu, server in self.servers().items()
                 if server == 'vnfc_b'][0]
        resources['vnf']['properties']['snapshot_descriptor']['vnfcs'][
            vdu_b]['snapshotWhenPoweredOff'] = False
        resources['when_stopped'] = {
            'type': 'OS::VnfSnap::VnfSnapshot',
            'properties': {'vnf_instance': {'get_resource': 'vnf'},
                           'name': 'when-stopped'}}
        updated = self.update(stack.id, template, 'refused-snapshot')
        self.assertStack('UPDATE_FAILED', updated)
        failed = self.heat.resources.get(stack.id, 'when_stopped')
        self.openstack('stack', 'resource', 'show', stack.id,
                       'when_stopped', detail='failed resource show')
        self.assertEqual('CREATE_FAILED', failed.resource_status)
        self.assertIn('snapshotWhenPoweredOff',
                      failed.resource_status_reason)
        self.assertIn('powered off', failed.resource_status_reason)

    def delete(self, stack, vnf_id):
        """Stack delete: DELETE_COMPLETE, and nothing left anywhere."""
        self.openstack('stack', 'delete', '--yes', stack.id,
                       detail='stack delete')
        started = time.monotonic()

        def gone():
            found = [s for s in self.heat.stacks.list()
                     if s.id == stack.id]
            if found and found[0].stack_status == 'DELETE_FAILED':
                self.attach_stack(stack.id, 'DELETE_FAILED')
                self.fail(found[0].stack_status_reason)
            return not found
        openstack_vnfcs.wait('stack deleted', gone, STACK_TIMEOUT, 5)
        self.timings.append('%6.1f s  stack DELETE' % (
            time.monotonic() - started))
        self.assertEqual([], self.json('vnf', 'instance', 'list'))
        self.assertEqual([], self.json('vnf', 'snapshot', 'list'))
        self.assertEqual([], self.json('vnf', 'snapshot', 'package',
                                       'list'))
        left = self.left.left()
        left['images'].discard(self.data_image)
        for volume in left['volumes']:
            # Which volume, and whose: a revert replaces a VNF's volumes
            # by new ones (doc/source/admin/openstack.rst).
            self.addDetail('left volume %s' % volume, content.text_content(
                json.dumps(self.cloud.api(
                    'volumev3', 'GET', '/volumes/%s' % volume
                ).json()['volume'], indent=1)))
        self.assertEqual({'servers': set(), 'snapshots': set(),
                          'volumes': set(), 'images': set()}, left)

    def delete_quietly(self, stack_id):
        """Cleanup of a failed test: the stack goes before Heat stops."""
        try:
            self.heat.stacks.delete(stack_id)
        except Exception:  # noqa: BLE001 (deleted by the test already)
            return
        deadline = time.monotonic() + STACK_TIMEOUT
        while time.monotonic() < deadline:
            try:
                stack = self.heat.stacks.get(stack_id)
            except Exception:  # noqa: BLE001 (gone)
                return
            if stack.stack_status in ('DELETE_COMPLETE', 'DELETE_FAILED'):
                return
            time.sleep(5)
