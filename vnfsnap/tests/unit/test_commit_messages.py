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

"""tools/check_commit_messages.py: the commit message convention."""

import importlib.util
import os
import subprocess

import fixtures
import testtools

_TOOL = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'tools',
                     'check_commit_messages.py')
_spec = importlib.util.spec_from_file_location('check_commit_messages',
                                               _TOOL)
check = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check)


class TestProblems(testtools.TestCase):

    def test_summary_blank_line_and_why(self):
        self.assertEqual([], check.problems(
            'Summary of the change\n\nThe why.\n'))

    def test_summary_alone(self):
        self.assertEqual([], check.problems('Summary of the change\n'))

    def test_summary_of_72_characters_fits(self):
        self.assertEqual([], check.problems('x' * 72 + '\n\nwhy\n'))

    def test_summary_of_73_characters_refused(self):
        found = check.problems('x' * 73 + '\n\nwhy\n')
        self.assertEqual(1, len(found))
        self.assertIn('73 characters, more than 72', found[0])

    def test_no_blank_line_after_summary(self):
        self.assertEqual(['the summary must be followed by a blank line'],
                         check.problems('Summary\nthe why at once\n'))

    def test_empty_message(self):
        self.assertEqual(['the message is empty'],
                         check.problems('\n# only a comment\n'))

    def test_git_comments_and_verbose_diff_ignored(self):
        message = ('\nSummary\n\nwhy\n# Please enter the commit message\n'
                   + check.SCISSORS + '\n' + 'diff ' + 'x' * 100 + '\n')
        self.assertEqual([], check.problems(message))

    def test_message_file(self):
        path = self.useFixture(fixtures.TempDir()).join('COMMIT_EDITMSG')
        with open(path, 'w') as f:
            f.write('y' * 80 + '\n')
        self.assertEqual(1, check.main([path]))
        with open(path, 'w') as f:
            f.write('Fine\n\nwhy\n')
        self.assertEqual(0, check.main([path]))


class TestRange(testtools.TestCase):
    """--range reads the messages of real commits with git."""

    def setUp(self):
        super().setUp()
        self.repo = self.useFixture(fixtures.TempDir()).path
        self.useFixture(fixtures.EnvironmentVariable('HOME', self.repo))
        self.git('init', '-q')

    def git(self, *args):
        return subprocess.run(
            ['git', '-c', 'user.name=t', '-c', 'user.email=t@example.com',
             *args], cwd=self.repo, check=True, capture_output=True,
            text=True).stdout.strip()

    def commit(self, message):
        self.git('commit', '-q', '--allow-empty', '-m', message)
        return self.git('rev-parse', 'HEAD')

    def run_range(self, revision_range):
        cwd = os.getcwd()
        os.chdir(self.repo)
        self.addCleanup(os.chdir, cwd)
        return check.main(['--range', revision_range])

    def test_only_the_range_is_checked(self):
        base_commit = self.commit('z' * 100)
        self.commit('Short summary\n\nwhy')
        self.assertEqual(0, self.run_range(base_commit + '..HEAD'))
        self.commit('Second line\nright after the summary')
        self.assertEqual(1, self.run_range(base_commit + '..HEAD'))

    def test_bad_range(self):
        self.commit('Short summary')
        self.assertEqual(2, self.run_range('no-such-branch..HEAD'))
