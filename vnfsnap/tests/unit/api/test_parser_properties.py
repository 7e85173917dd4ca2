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

"""Properties of the parsers of client input: Range (RFC 9110), the
Version header, SOL013 filters and attribute selectors. Whatever the
text, they answer with their own 4xx exception, never anything else."""

import unittest

import hypothesis
from hypothesis import strategies as st

from vnfsnap.api import ranges
from vnfsnap.api import sol013
from vnfsnap.api import versions
from vnfsnap.common import exception

SETTINGS = hypothesis.settings(
    deadline=None, database=None, max_examples=300,
    suppress_health_check=[hypothesis.HealthCheck.too_slow])
SIZES = st.integers(0, 10 ** 13)
# Numbers as a client may write them: short, with leading zeros, or with
# far more digits than int() accepts by default (4300).
DIGITS = (st.from_regex(r'[0-9]{1,15}', fullmatch=True)
          | st.from_regex(r'0{0,5}[0-9]{1,5}', fullmatch=True)
          | st.integers(4301, 9000).map(lambda n: '9' * n))


def reference_range(first, last, size):
    """RFC 9110 clause 14.1.2 on Python integers, for a byte-range-spec
    or a suffix-range of one range: (start, end), or None when
    unsatisfiable or invalid (both 416 here)."""
    if first is None:
        if last == 0 or size == 0:
            return None
        return max(size - last, 0), size
    if last is not None and last < first or first >= size:
        return None
    return first, size if last is None else min(last + 1, size)


def number(digits, size):
    """The value of ``digits`` as far as a range within ``size`` bytes
    tells: anything past size is as good as size + 1."""
    digits = digits.lstrip('0') or '0'
    if len(digits) > 20:
        return size + 1
    return min(int(digits), size + 1)


class RangeTest(unittest.TestCase):

    @SETTINGS
    @hypothesis.given(st.text(max_size=200), SIZES)
    def test_any_header(self, header, size):
        try:
            wanted = ranges.parse(header, size)
        except exception.RangeNotSatisfiable as e:
            self.assertEqual([('Content-Range', 'bytes */%d' % size)],
                             e.problem_headers)
            return
        if wanted is not None:
            start, end = wanted
            self.assertTrue(0 <= start < end <= size, (header, wanted))

    @SETTINGS
    @hypothesis.given(st.none() | DIGITS, st.none() | DIGITS, SIZES,
                      st.sampled_from(('bytes=', 'BYTES = ', 'Bytes=')))
    def test_one_range(self, first, last, size, unit):
        hypothesis.assume(first is not None or last is not None)
        header = '%s%s-%s' % (unit, first or '', last or '')
        expected = reference_range(
            None if first is None else number(first, size),
            None if last is None else number(last, size), size)
        if expected is None:
            self.assertRaises(exception.RangeNotSatisfiable, ranges.parse,
                              header, size)
        else:
            self.assertEqual(expected, ranges.parse(header, size))


class VersionTest(unittest.TestCase):

    @SETTINGS
    @hypothesis.given(st.text(max_size=300)
                      | st.builds('{}.{}.{}{}'.format, DIGITS, DIGITS, DIGITS,
                                  st.just('') | st.text().map(
                                      '-impl:{}'.format)))
    def test_any_header(self, header):
        try:
            answered = versions.negotiate(header, versions.VNFLCM)
        except exception.VersionNotSupported:
            return
        # Only what was asked for, bounded, is echoed.
        self.assertEqual(header.strip(), answered)
        self.assertLess(len(answered), 250)
        self.assertEqual(2, versions.parse(answered)[0])


# Text with the characters that mean something to SOL013 expressions.
EXPRESSION = st.text(st.sampled_from("(),;'/~@abc01 eqinxtcongl") |
                     st.characters(), max_size=300)
RESOURCES = [{'id': 'a', 'n': 1, 'tags': ['x', 'y'], 'm': {'k': 'v'},
              '_links': {'self': {'href': 'h'}}},
             {'id': 'b', 'n': 'two', 'm': [{'k': 1}, {'j': None}]}]


class FilterTest(unittest.TestCase):

    @SETTINGS
    @hypothesis.given(EXPRESSION)
    def test_any_expression(self, text):
        try:
            matching = sol013.apply_filter(RESOURCES, text)
        except exception.InvalidFilter:
            return
        self.assertTrue(all(r in RESOURCES for r in matching))

    @SETTINGS
    @hypothesis.given(st.sampled_from(sorted(sol013.ONE_VALUE_OPS
                                             | sol013.MULTI_VALUE_OPS)),
                      st.lists(st.sampled_from(('m', 'k', 'tags', 'id',
                                                'n', 'x')),
                               min_size=1, max_size=5000),
                      st.lists(st.text(st.characters(
                          blacklist_characters="',()"), max_size=20),
                          min_size=1, max_size=3))
    def test_long_paths(self, op, path, values):
        text = '(%s,%s,%s)' % (op, '/'.join(path), ','.join(
            "'%s'" % v for v in values))
        try:
            sol013.apply_filter(RESOURCES, text)
        except exception.InvalidFilter:
            self.assertIn(op, sol013.ONE_VALUE_OPS)
            self.assertGreater(len(values), 1)


NAMES = st.lists(st.sampled_from(('id', '_links', 'self', 'href', 'a')),
                 min_size=1, max_size=4).map('/'.join)


class SelectorTest(unittest.TestCase):

    @SETTINGS
    @hypothesis.given(st.dictionaries(st.sampled_from(
        sol013.SELECTOR_PARAMS), EXPRESSION, max_size=3))
    def test_any_parameters(self, params):
        try:
            selector = sol013.parse_selectors(params)
            selector.validate_paths({'id', '_links/self'})
            selected = [selector.apply(r, ('m',)) for r in RESOURCES]
        except exception.InvalidSelector:
            return
        self.assertEqual(len(RESOURCES), len(selected))

    @SETTINGS
    @hypothesis.given(st.lists(NAMES, min_size=1, max_size=3),
                      st.sets(NAMES, max_size=3))
    def test_mandatory_attributes(self, excluded, mandatory):
        def related(a, b):
            a, b = a.split('/'), b.split('/')
            return a[:len(b)] == b or b[:len(a)] == a
        selector = sol013.parse_selectors(
            {'exclude_fields': ','.join(excluded)})
        if any(related(e, m) for e in excluded for m in mandatory):
            self.assertRaises(exception.InvalidSelector,
                              selector.validate_paths, mandatory)
        else:
            selector.validate_paths(mandatory)
