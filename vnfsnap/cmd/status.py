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

"""vnfsnap-status upgrade check, built on oslo.upgradecheck."""

import sys

from oslo_config import cfg
from oslo_upgradecheck import common_checks
from oslo_upgradecheck import upgradecheck

from vnfsnap.common import rpc
from vnfsnap.conductor import rpcapi
import vnfsnap.conf
from vnfsnap.db import api as db_api
from vnfsnap.db import migration

CONF = vnfsnap.conf.CONF


class Checks(upgradecheck.UpgradeCommands):
    """Checks an operator runs before and after upgrading vnfsnap."""

    def _check_schema(self):
        try:
            current, head = migration.version(), migration.head()
        except Exception as e:
            return upgradecheck.Result(upgradecheck.Code.FAILURE,
                                       'Cannot read the database: %s' % e)
        if current != head:
            return upgradecheck.Result(
                upgradecheck.Code.FAILURE,
                'Schema is at %s, the code needs %s: run "vnfsnap-manage '
                'db sync".' % (current, head))
        return upgradecheck.Result(upgradecheck.Code.SUCCESS,
                                   'Schema is at %s.' % head)

    def _check_rpc_transport(self):
        """The explicit choice between a message bus and none."""
        if CONF.rpc_transport is None and rpc.transport_url_set():
            return upgradecheck.Result(
                upgradecheck.Code.WARNING,
                '[DEFAULT]transport_url is set but rpc_transport is not: '
                'vnfsnap uses rpc_transport = oslo for now, a later release '
                'will not. Set [DEFAULT]rpc_transport = oslo.')
        if CONF.rpc_transport == rpc.NONE and rpc.transport_url_set():
            return upgradecheck.Result(
                upgradecheck.Code.WARNING,
                '[DEFAULT]rpc_transport = none ignores the transport_url '
                'that is set: the conductor runs in the API process only.')
        return upgradecheck.Result(upgradecheck.Code.SUCCESS,
                                   'rpc_transport = %s.'
                                   % rpc.rpc_transport())

    def _check_rpc_version_cap(self):
        """A cap belongs to a rolling upgrade, not to a steady state."""
        try:
            cap = rpcapi.version_cap()
        except ValueError as e:
            return upgradecheck.Result(upgradecheck.Code.FAILURE, str(e))
        if cap is None:
            return upgradecheck.Result(
                upgradecheck.Code.SUCCESS,
                'No cap: the API sends conductor RPC API up to %s.'
                % rpcapi.ConductorAPI.RPC_API_VERSION)
        return upgradecheck.Result(
            upgradecheck.Code.WARNING,
            '[upgrade_levels]conductor = %s: the API sends nothing newer '
            'than that (this release speaks %s). Remove it once every '
            'conductor runs this release.'
            % (cap, rpcapi.ConductorAPI.RPC_API_VERSION))

    def _check_conductors(self):
        """Someone must run the operations; what an offline conductor
        holds waits for a live one to take it over."""
        try:
            vnfsnap.conf.conductor.check(CONF)
        except cfg.Error as e:
            return upgradecheck.Result(upgradecheck.Code.FAILURE, str(e))
        try:
            conductors = db_api.list_conductors()
        except Exception as e:
            return upgradecheck.Result(upgradecheck.Code.FAILURE,
                                       'Cannot read the conductors: %s' % e)
        if not conductors:
            return upgradecheck.Result(
                upgradecheck.Code.SUCCESS,
                'No conductor has registered yet (none of this release '
                'started).')
        alive = [c['hostname'] for c in conductors if c['alive']]
        holding = ['%s (%d operation occurrence(s), %d package job(s))'
                   % (c['hostname'], len(c['lcm_op_occ_ids']),
                      len(c['vnf_snapshot_pkg_ids']))
                   for c in conductors if not c['alive'] and (
                       c['lcm_op_occ_ids'] or c['vnf_snapshot_pkg_ids'])]
        if not alive:
            return upgradecheck.Result(
                upgradecheck.Code.WARNING,
                'No conductor is alive (none sent a heartbeat in the last '
                '%d s): no operation runs until one starts.%s'
                % (CONF.conductor.heartbeat_timeout,
                   ' Offline with work held: %s.' % ', '.join(holding)
                   if holding else ''))
        if holding:
            return upgradecheck.Result(
                upgradecheck.Code.WARNING,
                'Offline conductors hold work a live one will take over '
                'at its next sweep: %s.' % ', '.join(holding))
        return upgradecheck.Result(
            upgradecheck.Code.SUCCESS,
            '%d conductor(s) alive: %s.' % (len(alive), ', '.join(alive)))

    _upgrade_checks = (
        ('Database schema', _check_schema),
        ('Conductors', _check_conductors),
        ('RPC transport', _check_rpc_transport),
        ('Conductor RPC version cap', _check_rpc_version_cap),
        ('Policy File JSON to YAML Migration',
         (common_checks.check_policy_json, {'conf': CONF})),
    )


def main():
    return upgradecheck.main(CONF, project='vnfsnap',
                             upgrade_command=Checks())


if __name__ == '__main__':
    sys.exit(main())
