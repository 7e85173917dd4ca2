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

"""Policies in code, one module per resource family."""

import itertools

from vnfsnap.policies import base
from vnfsnap.policies import conductors
from vnfsnap.policies import online_tests
from vnfsnap.policies import subscriptions
from vnfsnap.policies import vnf_instances
from vnfsnap.policies import vnf_lcm_op_occs
from vnfsnap.policies import vnf_snapshot_packages
from vnfsnap.policies import vnf_snapshots


def list_rules():
    return list(itertools.chain(
        base.list_rules(),
        vnf_instances.list_rules(),
        vnf_snapshots.list_rules(),
        vnf_lcm_op_occs.list_rules(),
        vnf_snapshot_packages.list_rules(),
        subscriptions.list_rules(),
        conductors.list_rules(),
        online_tests.list_rules(),
    ))
