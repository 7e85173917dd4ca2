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

"""Progress of a VNF snapshot package operation, as its copies report it.

Whoever streams package content (the API receiving an upload, a conductor
building, fetching or extracting) passes one of these as the copy's
progress callback: it records bytes done and total in the package row at
most once every PROGRESS_SECONDS (the first figure and the end of a copy
always), and in the same round trip learns whether a client asked to
cancel, raising PackageOperationCancelled so the copy aborts and cleans
up. The throttle is by time only: a fast copy must not cost a database
commit every few MiB (a 600 MiB build made 227 of them), and a client
polling the package sees a figure at most a second old either way.
"""

import time

from vnfsnap.common import exception
from vnfsnap.db import api as db_api

PROGRESS_SECONDS = 1.0


class PackageProgress:

    def __init__(self, pkg_id, total=None):
        self.pkg_id = pkg_id
        self.base = 0
        self.total = total
        self._last = (-1, 0.0)
        self._pending = None

    def _due(self):
        last_done, last_time = self._last
        return (last_done < 0
                or time.monotonic() - last_time >= PROGRESS_SECONDS)

    def stage(self, base, total):
        """The next copy counts from ``base`` bytes towards ``total``."""
        self.base, self.total = base, total
        self._record(base)

    def __call__(self, done, total=None):
        """``done`` bytes of this copy; ``total`` when the copy knows it
        (a build learns its total only once the VIM exported the disks)."""
        if total is not None and self.total is None:
            self.total = self.base + total
        done += self.base
        self._record(done, final=done == self.total)

    def _record(self, done, final=False):
        if final or self._due():
            self.check(done)
        else:
            self._pending = done

    def flush(self):
        """Record the last figure a throttled call held back, if any."""
        if self._pending is not None:
            self.check(self._pending)

    def check(self, done=None):
        """Record now; raise if a cancel is pending."""
        done = max(self._last[0], 0) if done is None else done
        self._last = (done, time.monotonic())
        self._pending = None
        if db_api.record_pkg_progress(self.pkg_id, done, self.total):
            pkg = db_api.get_vnf_snapshot_pkg(None, self.pkg_id)
            raise exception.PackageOperationCancelled(
                id=self.pkg_id, cause=(': %s' % pkg.cancel_cause
                                       if pkg.cancel_cause else ''))
