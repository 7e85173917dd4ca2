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

"""Which jobs the threads of this conductor process run: work the
database says this conductor holds but no thread runs is work whose run
ended without recording its end (the sweep resumes it)."""

import collections
import threading


class Running:
    """Keys (occurrence or package ids) of the jobs submitted to a pool
    and not ended yet; a key submitted twice counts twice."""

    def __init__(self):
        self._lock = threading.Lock()
        self._counts = collections.Counter()

    def __contains__(self, key):
        with self._lock:
            return self._counts[key] > 0

    def begin(self, key):
        with self._lock:
            self._counts[key] += 1

    def end(self, key):
        with self._lock:
            self._counts[key] -= 1
            if self._counts[key] <= 0:
                del self._counts[key]

    def submit(self, submit, fn, key, *args):
        """``submit(...)`` (a pool's) a run of ``fn(key, *args)``, known
        as running from now until it ends."""
        self.begin(key)
        try:
            return submit(self._run, fn, key, *args)
        except Exception:
            self.end(key)
            raise

    def _run(self, fn, key, *args):
        try:
            return fn(key, *args)
        finally:
            self.end(key)
