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

"""Request context: who is asking, for which project."""

from oslo_context import context

NOAUTH_PROJECT = 'default'


class RequestContext(context.RequestContext):
    """oslo.context's context; the API and RPC both carry it.

    ``project_bound``: the context sees its own project only, whatever its
    roles (the noauth context: its "admin" is the admin of the project its
    X-Project-Id header names, not of the deployment).
    """

    def __init__(self, *args, project_bound=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.project_bound = project_bound

    def to_dict(self):
        values = super().to_dict()
        values['project_bound'] = self.project_bound
        return values

    @classmethod
    def from_dict(cls, values, **kwargs):
        kwargs.setdefault('project_bound',
                          bool(values.get('project_bound', False)))
        return super().from_dict(values, **kwargs)


def get_admin_context():
    """A context for the service's own work (conductor start-up, recovery)."""
    return RequestContext(is_admin=True, roles=['admin'],
                          overwrite=False)


def noauth_context(environ):
    """Context for ``auth_strategy = noauth``: an admin of one project.

    The project comes from the X-Project-Id header so that a single-machine
    deployment can still keep several projects apart.
    """
    project = environ.get('HTTP_X_PROJECT_ID') or NOAUTH_PROJECT
    # oslo.middleware's id of the request (its x-openstack-request-id),
    # so that the conductor's log lines of the work it starts carry it.
    ids = {'request_id': environ['openstack.request_id']} \
        if environ.get('openstack.request_id') else {}
    return RequestContext(**ids,
                          user_id=environ.get('HTTP_X_USER_ID', 'noauth'),
                          project_id=project,
                          roles=['admin', 'member', 'reader'],
                          is_admin=True, project_bound=True,
                          overwrite=False)
