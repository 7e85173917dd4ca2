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


"""tools/bench/soak.py: what makes a soak fail, and its baseline."""

import argparse
import importlib.util
import os

import testtools

_TOOL = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'tools',
                     'bench', 'soak.py')
_spec = importlib.util.spec_from_file_location('soak', _TOOL)
soak = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(soak)


def _sample(after_cycle, rss=160.0, fds=7, libvirt=10, **extra):
    sample = {'after_cycle': after_cycle, 'rss_mib': rss, 'fds': fds,
              'threads': 23, 'files': {'libvirt': libvirt, 'packages': 0},
              'extra_domains': [], 'not_running': [], 'guard_processes': 0,
              'snapshots': 0, 'packages': 0}
    sample.update(extra)
    return sample


def _result(base, end, failures=()):
    return {'failures': list(failures), 'baseline': base, 'end': end}


class TestProblems(testtools.TestCase):

    def test_nothing_grew(self):
        self.assertEqual([], soak.problems(
            _result(_sample(10), _sample(500, rss=170)), 16))

    def test_failed_cycle(self):
        self.assertEqual(['cycle 3 failed: boom'], soak.problems(_result(
            _sample(10), _sample(20), [{'cycle': 3, 'error': 'boom'}]), 16))

    def test_leaked_files_fds_and_memory(self):
        found = soak.problems(_result(
            _sample(10), _sample(500, rss=200, fds=9, libvirt=12,
                                 extra_domains=['x'], packages=1)), 16)
        self.assertEqual([
            '2 file(s) leaked in libvirt',
            "libvirt domains left: ['x']",
            'packages left: 1',
            'conductor file descriptors grew by 2',
            'conductor RSS grew by 40.0 MiB (limit 16)'], found)

    def test_no_baseline(self):
        self.assertEqual(['no cycle completed: no baseline'],
                         soak.problems(_result(None, _sample(0)), 16))


class TestSummary(testtools.TestCase):

    def _summary(self, cycles, package_every):
        # RSS rises over the first ten cycles, then levels off.
        samples = [_sample(0, rss=130)] + [
            _sample(n, rss=150 + 4 * min(n, 10))
            for n in range(1, cycles + 1)
            if n == 1 or n % package_every == 0]
        timings = [{'cycle': n, 'ok': True, 'create': 2.0, 'revert': 4.0,
                    'total': 8.0} for n in range(1, cycles + 1)]
        run = argparse.Namespace(cycles=timings, samples=samples,
                                 failures=[])
        args = soak.parse_args(['--package-every', str(package_every)])
        return soak.summary(run, args)

    def test_baseline_after_the_first_tenth(self):
        result = self._summary(100, 5)
        self.assertEqual(10, result['baseline']['after_cycle'])
        self.assertEqual(100, result['end']['after_cycle'])
        self.assertEqual([], result['problems'])

    def test_baseline_after_the_first_package_round_trip(self):
        self.assertEqual(5, self._summary(10, 5)['baseline']['after_cycle'])

    def test_short_run_baseline_after_the_first_cycle(self):
        self.assertEqual(1, self._summary(6, 5)['baseline']['after_cycle'])
