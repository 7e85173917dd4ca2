"""Policies in code, one module per resource family."""

import itertools

from vnfsnap.policies import base
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
    ))
