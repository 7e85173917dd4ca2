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

"""Test-only fault injection: SIGKILL this process at a named flow step.

The crash-safety tests kill a conductor (or the all-in-one) exactly at a
step of a flow, then check what a restarted or another conductor makes of
it. Nothing here acts unless the process was started with both variables
in its environment; a product deployment sets neither, so the hook is
inert (and the conductor logs a warning when it is armed):

``VNFSNAP_FAULT_AT=<step glob>@<before|after>``
    ``before``: when the step starts (taskflow has recorded it RUNNING,
    its action has not run); ``after``: when it succeeded (its result is
    recorded). Step names are the flows' atom names, e.g.
    ``snapshot-*@after`` or ``pause-*@before``; code outside flows calls
    :func:`point` with its own name (``when`` is then ``at``).
``VNFSNAP_FAULT_MARK=<path>``
    Fire once: the kill happens only if this file does not exist, and
    creates it first (with the step's name), so the restarted process
    does not die again and the test learns where it died.
"""

import fnmatch
import os
import signal

from oslo_log import log as logging
from taskflow import states as tf_states
from taskflow.listeners import base as listener_base

LOG = logging.getLogger(__name__)

_WHEN = {tf_states.RUNNING: 'before', tf_states.SUCCESS: 'after'}


def _spec(environ=os.environ):
    """(glob, when, mark) when armed, else None."""
    at, mark = environ.get('VNFSNAP_FAULT_AT'), environ.get(
        'VNFSNAP_FAULT_MARK')
    if not at or not mark or '@' not in at:
        return None
    glob, when = at.rsplit('@', 1)
    return glob, when, mark


SPEC = _spec()


def armed():
    return SPEC is not None


def point(name, when='at'):
    """Die here if the armed spec names this step and has not fired."""
    if SPEC is None:
        return
    glob, spec_when, mark = SPEC
    if spec_when != when or not fnmatch.fnmatchcase(name, glob):
        return
    try:
        fd = os.open(mark, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, 'w') as f:
        f.write('%s@%s\n' % (name, when))
    LOG.warning('Fault injection: killing process %d at step %s (%s)',
                os.getpid(), name, when)
    os.kill(os.getpid(), signal.SIGKILL)


class KillAtStep(listener_base.Listener):
    """Calls :func:`point` on every task's start and success."""

    def __init__(self, engine):
        super().__init__(engine, task_listen_for=tuple(_WHEN),
                         flow_listen_for=(), retry_listen_for=())

    def _task_receiver(self, state, details):
        point(details['task_name'], _WHEN[state])


def listen(engine):
    """Attach the hook to ``engine`` when armed; returns the listener to
    deregister, or None."""
    if SPEC is None:
        return None
    listener = KillAtStep(engine)
    listener.register()
    return listener
