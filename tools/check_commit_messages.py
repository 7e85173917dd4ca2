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

"""Check commit messages: a summary of at most 72 characters, then a blank
line before the why (doc/source/contributor/conventions.rst).

  check_commit_messages.py FILE            a message file (the commit-msg
                                           hook of .pre-commit-config.yaml)
  check_commit_messages.py --range RANGE   the commits of a git range, e.g.
                                           main..HEAD (tox -e commit-summaries)

Only the standard library, so the commit-msg hook runs without a virtualenv.
"""

import argparse
import subprocess
import sys

MAX_SUMMARY = 72
# git commit --verbose puts the diff below this line; git drops it.
SCISSORS = '# ------------------------ >8 ------------------------'


def problems(message):
    """What is wrong with a commit message, as a list of sentences."""
    lines = []
    for line in message.splitlines():
        if line == SCISSORS:
            break
        if not line.startswith('#'):
            lines.append(line.rstrip())
    while lines and not lines[0]:
        lines.pop(0)
    if not lines:
        return ['the message is empty']
    found = []
    if len(lines[0]) > MAX_SUMMARY:
        found.append('the summary has %d characters, more than %d: %r'
                     % (len(lines[0]), MAX_SUMMARY, lines[0]))
    if len(lines) > 1 and lines[1]:
        found.append('the summary must be followed by a blank line')
    return found


def _range_messages(revision_range):
    """(commit, message) of each commit of a git range, oldest first."""
    out = subprocess.run(
        ['git', 'log', '--reverse', '--format=%h%x00%B%x00', revision_range],
        check=True, capture_output=True, text=True).stdout
    fields = out.split('\0')
    for i in range(0, len(fields) - 1, 2):
        yield fields[i].strip(), fields[i + 1]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument('message_file', nargs='?')
    what.add_argument('--range', dest='revision_range')
    args = parser.parse_args(argv)
    if args.revision_range:
        try:
            commits = list(_range_messages(args.revision_range))
        except subprocess.CalledProcessError as e:
            print(e.stderr.strip(), file=sys.stderr)
            return 2
    else:
        with open(args.message_file, encoding='utf-8') as f:
            commits = [('message', f.read())]
    bad = 0
    for name, message in commits:
        for problem in problems(message):
            print('%s: %s' % (name, problem), file=sys.stderr)
            bad += 1
    if args.revision_range:
        print('%d commit(s) checked in %s, %d problem(s)'
              % (len(commits), args.revision_range, bad))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
