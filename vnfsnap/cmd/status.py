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

from oslo_upgradecheck import common_checks
from oslo_upgradecheck import upgradecheck

import vnfsnap.conf
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

    _upgrade_checks = (
        ('Database schema', _check_schema),
        ('Policy File JSON to YAML Migration',
         (common_checks.check_policy_json, {'conf': CONF})),
    )


def main():
    return upgradecheck.main(CONF, project='vnfsnap',
                             upgrade_command=Checks())


if __name__ == '__main__':
    sys.exit(main())
