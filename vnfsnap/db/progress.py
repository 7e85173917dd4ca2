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
most every few MiB or second, and in the same round trip learns whether a
client asked to cancel, raising PackageOperationCancelled so the copy
aborts and cleans up.
"""

import time

from vnfsnap.common import exception
from vnfsnap.db import api as db_api

PROGRESS_BYTES = 8 * 1024 * 1024
PROGRESS_SECONDS = 1.0


class PackageProgress:

    def __init__(self, pkg_id, total=None):
        self.pkg_id = pkg_id
        self.base = 0
        self.total = total
        self._last = (-1, 0.0)

    def stage(self, base, total):
        """The next copy counts from ``base`` bytes towards ``total``."""
        self.base, self.total = base, total
        self.check(base)

    def __call__(self, done, total=None):
        """``done`` bytes of this copy; ``total`` when the copy knows it
        (a build learns its total only once the VIM exported the disks)."""
        if total is not None and self.total is None:
            self.total = self.base + total
        done += self.base
        last_done, last_time = self._last
        if (done - last_done < PROGRESS_BYTES
                and time.monotonic() - last_time < PROGRESS_SECONDS
                and done != self.total):
            return
        self.check(done)

    def check(self, done=None):
        """Record now; raise if a cancel is pending."""
        done = max(self._last[0], 0) if done is None else done
        self._last = (done, time.monotonic())
        if db_api.record_pkg_progress(self.pkg_id, done, self.total):
            pkg = db_api.get_vnf_snapshot_pkg(None, self.pkg_id)
            raise exception.PackageOperationCancelled(
                id=self.pkg_id, cause=(': %s' % pkg.cancel_cause
                                       if pkg.cancel_cause else ''))
