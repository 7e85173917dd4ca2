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

"""Properties of the JSON bounds: what the API refuses (check) and how
stored values are read back (loads, nests_deeper)."""

import json
import unittest

import hypothesis
from hypothesis import strategies as st

from vnfsnap.common import exception
from vnfsnap.common import json_limits

SETTINGS = hypothesis.settings(
    deadline=None, database=None, max_examples=300,
    suppress_health_check=[hypothesis.HealthCheck.too_slow])
# Text a database stores: no lone surrogate, no NUL; brackets, quotes and
# backslashes included, as they matter to the text scanners.
TEXT = st.text(st.characters(blacklist_categories=('Cs',),
                             blacklist_characters='\x00')
               | st.sampled_from('[]{}",:\\'), max_size=12)
SCALARS = (st.none() | st.booleans() | st.integers()
           | st.floats(allow_nan=False, allow_infinity=False) | TEXT)
VALUES = st.recursive(SCALARS, lambda children: (
    st.lists(children, max_size=4)
    | st.dictionaries(TEXT, children, max_size=4)), max_leaves=40)


def depth(value):
    if isinstance(value, dict):
        return 1 + max(map(depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(depth, value), default=0)
    return 0


# One level of a deep document: a list or an object around the next
# level, with scalar siblings before and after it.
LEVELS = st.tuples(st.sampled_from(('list', 'dict')), TEXT,
                   st.lists(SCALARS, max_size=2), st.lists(SCALARS,
                                                           max_size=2))


def deep_document(levels, leaf, limit):
    """(JSON text of ``levels`` nested levels around ``leaf``, the value
    json_limits.loads should read from it with ``limit``), built without
    recursion, as json.dumps cannot write such depths."""
    opening, closing = [], []
    for kind, key, before, after in levels:
        if kind == 'list':
            opening.append('[' + ''.join(json.dumps(v) + ', '
                                         for v in before))
            closing.append(''.join(', ' + json.dumps(v) for v in after)
                           + ']')
        else:
            opening.append('{' + ''.join(
                '"b%d": %s, ' % (i, json.dumps(v))
                for i, v in enumerate(before)) + json.dumps(key) + ': ')
            closing.append('}')
    text = ''.join(opening) + json.dumps(leaf) + ''.join(reversed(closing))
    expected = json_limits.LEFT_OUT if len(levels) > limit else leaf
    for kind, key, before, after in reversed(levels[:limit]):
        if kind == 'list':
            expected = list(before) + [expected] + list(after)
        else:
            level = {'b%d' % i: v for i, v in enumerate(before)}
            level[key] = expected
            expected = level
    return text, expected


class LoadsTest(unittest.TestCase):

    @SETTINGS
    @hypothesis.given(VALUES, st.booleans())
    def test_same_as_json_loads_when_shallow(self, value, ascii_only):
        text = json.dumps(value, ensure_ascii=ascii_only)
        self.assertEqual(json.loads(text), json_limits.loads(text))
        self.assertEqual(json.loads(text), json_limits.loads(text.encode()))

    @SETTINGS
    @hypothesis.given(VALUES, st.integers(0, 8))
    def test_nests_deeper(self, value, limit):
        self.assertEqual(depth(value) > limit,
                         json_limits.nests_deeper(json.dumps(value), limit))

    @SETTINGS
    @hypothesis.given(st.lists(LEVELS, min_size=1, max_size=12), SCALARS,
                      st.integers(1, 12))
    def test_deep_documents_are_cut(self, levels, leaf, limit):
        text, expected = deep_document(levels, leaf, limit)
        self.assertEqual(expected, json_limits.loads(text, limit))

    @hypothesis.settings(SETTINGS, max_examples=10)
    @hypothesis.given(st.lists(LEVELS, min_size=1, max_size=3),
                      st.integers(129, 20000), SCALARS)
    def test_any_depth_reads_back(self, pattern, count, leaf):
        levels = (pattern * count)[:count]
        text, expected = deep_document(levels, leaf, json_limits.READ_DEPTH)
        self.assertEqual(expected, json_limits.loads(text))

    def test_unbalanced(self):
        for text in ('[' * 200, ']' * 200, '[' * 200 + ']' * 201,
                     '[' * 200 + ']' * 200 + '[]'):
            with self.subTest(text=text[:10]):
                self.assertRaises(ValueError, json_limits.loads, text)


class CheckTest(unittest.TestCase):

    @SETTINGS
    @hypothesis.given(VALUES, st.integers(1, 8))
    def test_depth(self, value, limit):
        if depth(value) > limit:
            self.assertRaises(exception.JsonTooDeep, json_limits.check,
                              value, limit)
        else:
            json_limits.check(value, limit)

    @SETTINGS
    @hypothesis.given(VALUES, st.sampled_from(('\x00', '\ud800', '\udbff',
                                               '\udc00', '\udfff')),
                      st.booleans(), st.data())
    def test_unstorable_strings(self, value, bad, in_key, data):
        prefix = data.draw(TEXT)
        poisoned = ({prefix + bad: value} if in_key
                    else [value, prefix + bad])
        with self.assertRaises(exception.JsonStringUnstorable) as ctx:
            json_limits.check(poisoned, 10000)
        # The message shows where, with the character escaped.
        ctx.exception.message.encode('utf-8')
        self.assertNotIn('\x00', ctx.exception.message)
