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

"""Run the Heat walkthrough of the user guide and print what it shows.

doc/source/user/heat.rst walks a project member through the life of the
example template heat/examples/vnf-with-protection.yaml with the
``openstack`` CLI.  This tool runs exactly those commands, in a private
deployment of the functional tests (the single-machine OpenStack with
compute, vnfsnap behind its Keystone and Heat with the plugin of this
checkout: vnfsnap.tests.fixtures.heat_services), as the member of a
project, from a folder holding a copy of the template, and prints each
command and its output ready to paste into the guide (indented for a
literal block).  The servers boot the test guest image (``vnfsnap-guest``)
and the data volume is made from its data disk (``vnfsnap-guest-data``).

Everything it starts is stopped again.  About ten minutes here.  Run it
where the functional tests run, under their lock:

    flock /tmp/vnfsnap-guests.lock .venv/bin/python \\
        tools/heat-walkthrough.py [--output FILE]
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

import yaml

from vnfsnap.tests.fixtures import heat_services
from vnfsnap.tests.fixtures import openstack_services
from vnfsnap.tests.functional import base

TEMPLATE = os.path.join(heat_services.ROOT, 'heat', 'examples',
                        'vnf-with-protection.yaml')
PERSONA = 'member_a'
#: What stack create and update show of the stack (its description is
#: long).
STACK_COLUMNS = ('-c', 'id', '-c', 'stack_name', '-c', 'stack_status')
#: The second snapshot the stack update adds (as the guide shows it).
SECOND_SNAPSHOT = {'before_upgrade': {
    'type': 'OS::VnfSnap::VnfSnapshot',
    'properties': {'vnf_instance': {'get_resource': 'vnf'},
                   'name': 'before-upgrade'}}}


class Walkthrough:
    """Runs ``openstack`` commands in ``folder`` as PERSONA and keeps
    each command with its output."""

    def __init__(self, folder, clouds_yaml, say):
        self.folder = folder
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith('OS_')}
        self.env.update(OS_CLIENT_CONFIG_FILE=clouds_yaml, OS_CLOUD=PERSONA,
                        HOME=folder, COLUMNS='100')
        self.say = say
        self.blocks = []

    def openstack(self, *args):
        """Run it; its standard output (it must succeed)."""
        self.say('$ openstack %s' % ' '.join(args))
        proc = subprocess.run(
            [base.command('openstack')] + list(args), cwd=self.folder,
            env=self.env, capture_output=True, text=True, timeout=3600)
        self.blocks.append('$ openstack %s\n%s%s' % (
            ' '.join(args), proc.stdout, proc.stderr))
        if proc.returncode:
            raise SystemExit('openstack %s failed:\n%s%s' % (
                ' '.join(args), proc.stdout, proc.stderr))
        return proc.stdout.strip()

    def text(self):
        return '\n'.join('\n'.join('   ' + line if line else ''
                                   for line in block.splitlines()) + '\n'
                         for block in self.blocks)


def walk(w):
    """The commands of doc/source/user/heat.rst, in its order."""
    w.openstack('orchestration', 'resource', 'type', 'list',
                '--filter', 'name=OS::VnfSnap')
    w.openstack('stack', 'create', 'fw', '-t', 'vnf-with-protection.yaml',
                '--parameter', 'image=vnfsnap-guest',
                '--parameter', 'flavor=%s' % openstack_services.FLAVOR,
                '--parameter', 'data_image=vnfsnap-guest-data', '--wait',
                *STACK_COLUMNS)
    w.openstack('stack', 'resource', 'list', 'fw')
    w.openstack('stack', 'output', 'show', 'fw', '--all')
    w.openstack('vnf', 'instance', 'show', 'fw-1', '-c', 'id', '-c',
                'vnfInstanceName', '-c', 'instantiationState',
                '-c', 'vimConnectionInfo')
    w.openstack('vnf', 'snapshot', 'list', '--instance', 'fw-1')
    baseline = w.openstack('stack', 'output', 'show', 'fw', 'baseline_id',
                           '-f', 'value', '-c', 'output_value')
    w.openstack('vnf', 'snapshot', 'revert', baseline, '--wait',
                '-c', 'operation', '-c', 'operationState')
    with open(os.path.join(w.folder, 'vnf-with-protection.yaml')) as f:
        template = yaml.safe_load(f)
    template['resources'].update(SECOND_SNAPSHOT)
    template['heat_template_version'] = str(
        template['heat_template_version'])
    with open(os.path.join(w.folder, 'fw-with-second-snapshot.yaml'),
              'w') as f:
        yaml.safe_dump(template, f, sort_keys=False)
    w.openstack('stack', 'update', 'fw', '-t',
                'fw-with-second-snapshot.yaml', '--existing', '--wait',
                *STACK_COLUMNS)
    w.openstack('vnf', 'snapshot', 'list', '--instance', 'fw-1')
    w.openstack('stack', 'delete', 'fw', '--yes', '--wait')
    w.openstack('vnf', 'instance', 'list')
    w.openstack('stack', 'list')


def main():
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--output', help='write the commands and outputs '
                        'there too (default: only standard output)')
    args = parser.parse_args()
    started = time.monotonic()

    def say(text):
        print('%5.0f s  %s' % (time.monotonic() - started, text),
              file=sys.stderr, flush=True)

    say('starting the single-machine OpenStack, vnfsnap and Heat')
    cloud = openstack_services.OpenStackCloud(compute=True)
    folder = tempfile.mkdtemp(prefix='vnfsnap-heat-walkthrough.')
    shutil.copy(TEMPLATE, folder)
    w = None
    try:
        with cloud, heat_services.HeatCloud(cloud) as stacks:
            cloud.upload_image('vnfsnap-guest-data',
                               cloud.guest_image.data_disk, 'qcow2')
            w = Walkthrough(folder, stacks.vnfsnap.clouds_yaml(
                os.path.join(folder, 'clouds.yaml')), say)
            walk(w)
            say('done; stopping everything')
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        # What ran, also when a command failed.
        if w is not None:
            print(w.text())
            if args.output:
                with open(args.output, 'w') as f:
                    f.write(w.text())
    return 0


if __name__ == '__main__':
    sys.exit(main())
