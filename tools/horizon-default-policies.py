#!/usr/bin/env python3
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

"""Write vnfsnap's policy defaults in the YAML list Horizon loads from
DEFAULT_POLICY_FILES (openstack_auth.policy reads name, check_str,
description, operations, scope_types and the deprecation fields).

Horizon's own "manage.py dump_default_policies" writes this format, but it
needs Django and the service in one environment; vnfsnap's .venv has no
Django and Horizon's has no vnfsnap, so tox -e genpolicy runs this instead:

    python tools/horizon-default-policies.py OUTPUT_FILE
"""

import sys

from oslo_policy import generator
import yaml


def horizon_default(rule):
    data = {'name': rule.name, 'check_str': rule.check_str,
            'description': rule.description,
            'operations': getattr(rule, 'operations', []),
            'scope_types': getattr(rule, 'scope_types', None)}
    if rule.deprecated_for_removal:
        data.update(deprecated_for_removal=True,
                    deprecated_since=rule.deprecated_since,
                    deprecated_reason=rule.deprecated_reason)
    if rule.deprecated_rule:
        old = rule.deprecated_rule
        data['deprecated_rule'] = {
            'name': old.name, 'check_str': old.check_str,
            'deprecated_since': old.deprecated_since,
            'deprecated_reason': old.deprecated_reason}
    return data


def main(argv):
    if len(argv) != 2 or argv[1].startswith('-'):
        sys.stderr.write(__doc__)
        return 2
    rules = generator.get_policies_dict(['vnfsnap'])['vnfsnap']
    with open(argv[1], 'w', encoding='utf-8') as f:
        yaml.safe_dump([horizon_default(r) for r in rules], f,
                       default_flow_style=False)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
