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

"""Secure-RBAC building blocks shared by every resource family.

Readers may look, members may act, admins may do both; all within their own
project (``project_id:%(project_id)s``).
"""

from oslo_policy import policy

ADMIN = 'rule:context_is_admin'
PROJECT_MEMBER = 'role:member and project_id:%(project_id)s'
PROJECT_READER = 'role:reader and project_id:%(project_id)s'
PROJECT_MEMBER_OR_ADMIN = 'rule:project_member_or_admin'
PROJECT_READER_OR_ADMIN = 'rule:project_reader_or_admin'

rules = [
    policy.RuleDefault('context_is_admin', 'role:admin',
                       description='Decides what an administrator is.'),
    policy.RuleDefault('project_member_or_admin',
                       '(%s) or (%s)' % (PROJECT_MEMBER, ADMIN),
                       description='A member of the owning project, or an '
                                   'administrator.'),
    policy.RuleDefault('project_reader_or_admin',
                       '(%s) or (%s)' % (PROJECT_READER, ADMIN),
                       description='A reader of the owning project, or an '
                                   'administrator.'),
]


def list_rules():
    return rules


def rule(name, check, description, operations):
    """A project-scoped documented rule."""
    return policy.DocumentedRuleDefault(
        name=name, check_str=check, description=description,
        operations=[{'path': p, 'method': m} for m, p in operations],
        scope_types=['project'])
