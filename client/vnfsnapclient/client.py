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

"""The entry point of the library: ``client.Client(session)``.

::

    from keystoneauth1 import loading, session
    from vnfsnapclient import client

    c = client.Client(session.Session(auth=...))
    for pkg in c.vnf_snapshot_packages.list(filter='(eq,state,AVAILABLE)'):
        print(pkg['id'], pkg['name'])

The endpoint comes from the Keystone catalog (service type ``vnfsnap``),
or from ``endpoint_override`` (the API root, e.g. ``http://host:9896``).
"""

from vnfsnapclient import http
from vnfsnapclient.v1 import conductors
from vnfsnapclient.v1 import online_tests
from vnfsnapclient.v1 import subscriptions
from vnfsnapclient.v1 import vnf_instances
from vnfsnapclient.v1 import vnf_lcm_op_occs
from vnfsnapclient.v1 import vnf_snapshot_packages
from vnfsnapclient.v1 import vnf_snapshots


class Client:
    """vnfsnap's SOL003 VNF LCM and SOL005 VNF Snapshot Package Management
    APIs, one manager per resource collection."""

    def __init__(self, session, endpoint_override=None,
                 service_type='vnfsnap', interface='public',
                 region_name=None, **adapter_kwargs):
        self.http = http.HTTPClient(
            session, endpoint_override=endpoint_override,
            service_type=service_type, interface=interface,
            region_name=region_name, **adapter_kwargs)
        self.vnf_instances = vnf_instances.VnfInstanceManager(self.http)
        self.vnf_snapshots = vnf_snapshots.VnfSnapshotManager(self.http)
        self.vnf_lcm_op_occs = vnf_lcm_op_occs.VnfLcmOpOccManager(self.http)
        self.subscriptions = subscriptions.SubscriptionManager(self.http)
        self.vnf_snapshot_packages = (
            vnf_snapshot_packages.VnfSnapshotPackageManager(self.http))
        self.conductors = conductors.ConductorManager(self.http)
        self.online_tests = online_tests.OnlineTestManager(self.http)
