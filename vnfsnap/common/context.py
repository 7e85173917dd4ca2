"""Request context: who is asking, for which project."""

from oslo_context import context

NOAUTH_PROJECT = 'default'


class RequestContext(context.RequestContext):
    """oslo.context's context; the API and RPC both carry it."""


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
    return RequestContext(user_id=environ.get('HTTP_X_USER_ID', 'noauth'),
                          project_id=project,
                          roles=['admin', 'member', 'reader'],
                          is_admin=True, overwrite=False)
