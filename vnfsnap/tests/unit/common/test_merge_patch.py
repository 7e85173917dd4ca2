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


"""JSON Merge Patch (RFC 7396) as every PATCH applies it."""

import testtools

from vnfsnap.common import merge_patch


class TestApply(testtools.TestCase):

    def test_rfc_7396_appendix_a(self):
        cases = [
            ({'a': 'b'}, {'a': 'c'}, {'a': 'c'}),
            ({'a': 'b'}, {'b': 'c'}, {'a': 'b', 'b': 'c'}),
            ({'a': 'b'}, {'a': None}, {}),
            ({'a': 'b', 'b': 'c'}, {'a': None}, {'b': 'c'}),
            ({'a': ['b']}, {'a': 'c'}, {'a': 'c'}),
            ({'a': 'c'}, {'a': ['b']}, {'a': ['b']}),
            ({'a': {'b': 'c'}}, {'a': {'b': 'd', 'c': None}},
             {'a': {'b': 'd'}}),
            ({'a': [{'b': 'c'}]}, {'a': [1]}, {'a': [1]}),
            (['a', 'b'], ['c', 'd'], ['c', 'd']),
            ({'a': 'b'}, ['c'], ['c']),
            ({'a': 'foo'}, None, None),
            ({'a': 'foo'}, 'bar', 'bar'),
            ({'e': None}, {'a': 1}, {'e': None, 'a': 1}),
            ([1, 2], {'a': 'b', 'c': None}, {'a': 'b'}),
            ({}, {'a': {'bb': {'ccc': None}}}, {'a': {'bb': {}}}),
        ]
        for target, patch, result in cases:
            with self.subTest(target=target, patch=patch):
                before = repr(target), repr(patch)
                self.assertEqual(result, merge_patch.apply(target, patch))
                self.assertEqual(before, (repr(target), repr(patch)))

    def test_key_value_pairs_never_null(self):
        def merged(target, patch):
            return merge_patch.key_value_pairs(target, patch, 'metadata')
        self.assertEqual({}, merged({'a': 1}, None))
        self.assertEqual({}, merged(None, None))
        self.assertEqual({'a': 1, 'b': 2}, merged({'a': 1}, {'b': 2}))
        self.assertEqual({}, merged({'a': 1}, {'a': None}))
