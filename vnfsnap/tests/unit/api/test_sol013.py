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

import copy
import unittest
import urllib.parse

from vnfsnap.api import sol013
from vnfsnap.common import exception


def _snapshot(**overrides):
    resource = {
        'id': 'snap-1',
        'vnfSnapshotPkgId': 'pkg-1',
        'size': 42,
        'ratio': 0.5,
        'locked': False,
        'tags': ['gold', 'eu-west'],
        'metadata': {'owner': 'alice', 'a/b': 'slash', 'x,y': 'comma',
                     '@at': 'at', 'til~de': 'tilde'},
        'vnfSnapshot': {
            'id': 'vs-1',
            'vnfInstanceId': 'inst-1',
            'createdAt': '2026-11-25T10:00:00Z',
            'vnfInstance': {
                'id': 'inst-1',
                'vnfInstanceName': 'web',
                'vnfConfigurableProperties': {'mode': 'ha'},
            },
            'vnfcSnapshots': [
                {'id': 'c1', 'vnfcInstanceId': 'vnfc-a',
                 'storageSnapshotResources': [{'storageResourceId': 'st-1'},
                                              {'storageResourceId': 'st-2'}],
                 'userDefinedData': {'k': 'v1'}},
                {'id': 'c2', 'vnfcInstanceId': 'vnfc-b',
                 'storageSnapshotResources': [{'storageResourceId': 'st-3'}],
                 'userDefinedData': {'k': 'v2'}},
            ],
        },
        '_links': {'self': {'href': 'http://h/vnfsnapshots/snap-1'}},
    }
    resource.update(overrides)
    return resource


class ParseFilterTest(unittest.TestCase):

    def test_single_term(self):
        result = sol013.parse_filter('(eq,id,snap-1)')
        self.assertEqual((sol013.Term('eq', ('id',), ('snap-1',)),),
                         result.terms)

    def test_terms_joined_by_semicolon(self):
        result = sol013.parse_filter('(eq,a,1);(in,b/c,x,y);(gt,d,2)')
        self.assertEqual([('eq', ('a',), ('1',)),
                          ('in', ('b', 'c'), ('x', 'y')),
                          ('gt', ('d',), ('2',))],
                         [(t.op, t.path, t.values) for t in result.terms])

    def test_every_operator_parses(self):
        for op in sol013.ONE_VALUE_OPS | sol013.MULTI_VALUE_OPS:
            with self.subTest(op=op):
                self.assertEqual(
                    op, sol013.parse_filter(f'({op},a,1)').terms[0].op)

    def test_multi_value_ops_take_many_values(self):
        for op in sol013.MULTI_VALUE_OPS:
            with self.subTest(op=op):
                term = sol013.parse_filter(f'({op},a,1,2,3)').terms[0]
                self.assertEqual(('1', '2', '3'), term.values)

    def test_quoted_values(self):
        term = sol013.parse_filter(
            "(in,a,'x,y','(p)','it''s','',plain)").terms[0]
        self.assertEqual(('x,y', '(p)', "it's", '', 'plain'), term.values)

    def test_only_a_quote_in_quotes(self):
        term = sol013.parse_filter("(eq,a,'''')").terms[0]
        self.assertEqual(("'",), term.values)

    def test_plain_value_may_contain_other_characters(self):
        term = sol013.parse_filter('(eq,a,b c;d(e)').terms[0]
        self.assertEqual(('b c;d(e',), term.values)

    def test_attribute_name_escapes(self):
        term = sol013.parse_filter('(eq,x/a~1b~ac~bd~0e,1)').terms[0]
        self.assertEqual(('x', 'a/b,c@d~e'), term.path)

    def test_key_segment(self):
        term = sol013.parse_filter('(eq,metadata/@key,owner)').terms[0]
        self.assertEqual(('metadata',), term.path)
        self.assertTrue(term.keys)
        term = sol013.parse_filter('(eq,@key,id)').terms[0]
        self.assertEqual((), term.path)
        self.assertTrue(term.keys)

    def _assert_invalid(self, expr, *fragments):
        with self.assertRaises(exception.InvalidFilter) as ctx:
            sol013.parse_filter(expr)
        self.assertEqual(400, ctx.exception.code)
        for fragment in fragments:
            self.assertIn(fragment, ctx.exception.message)

    def test_empty_expression(self):
        self._assert_invalid('', 'empty')

    def test_unknown_operator(self):
        self._assert_invalid('(like,a,b)', "unknown operator 'like'")
        self._assert_invalid('(EQ,a,b)', "unknown operator 'EQ'")
        self._assert_invalid('(,a,b)', "unknown operator ''")

    def test_one_value_ops_reject_several_values(self):
        for op in sol013.ONE_VALUE_OPS:
            with self.subTest(op=op):
                self._assert_invalid(f'({op},a,1,2)', repr(op),
                                     'exactly one value, got 2')

    def test_missing_value(self):
        self._assert_invalid('(eq,a)', 'needs a value')
        self._assert_invalid('(in,a)', 'needs a value')
        self._assert_invalid('(eq,a,)', 'empty value')
        self._assert_invalid('(in,a,x,)', 'empty value')

    def test_missing_attribute_path(self):
        self._assert_invalid('(eq)', "expected ','")
        self._assert_invalid('(eq,,x)', 'empty attribute name')

    def test_empty_attribute_names(self):
        for path in ('a//b', '/a', 'a/', 'a//@key'):
            with self.subTest(path=path):
                self._assert_invalid(f'(eq,{path},x)', 'empty attribute name')

    def test_invalid_escapes(self):
        self._assert_invalid('(eq,a~2,x)', "invalid escape '~2'")
        self._assert_invalid('(eq,a~,x)', "invalid escape '~'")

    def test_unescaped_at_sign(self):
        self._assert_invalid('(eq,a@b,x)', "unescaped '@'")
        self._assert_invalid('(eq,@key/a,x)', "unescaped '@'")

    def test_unbalanced_quotes(self):
        self._assert_invalid("(eq,a,'abc)", 'unterminated quoted value')
        self._assert_invalid("(eq,a,ab'c)", 'unexpected quote')
        self._assert_invalid("(eq,a,'ab'c)", "expected ')'", "found 'c'")

    def test_unbalanced_parentheses(self):
        self._assert_invalid('eq,a,b)', "expected '('")
        self._assert_invalid('(eq,a,b', "expected ')'", 'ended')
        self._assert_invalid('(eq,a,b))', "unexpected ')'")

    def test_trailing_garbage(self):
        self._assert_invalid('(eq,a,b)x', "unexpected 'x'")
        self._assert_invalid('(eq,a,b);', "expected '('", 'ended')
        self._assert_invalid('(eq,a,b) ;(eq,c,d)', "unexpected ' ;")
        self._assert_invalid('(eq,a,b);;(eq,c,d)', "expected '('")


class FilterMatchTest(unittest.TestCase):

    def assertMatch(self, expr, resource=None):
        resource = _snapshot() if resource is None else resource
        self.assertTrue(sol013.parse_filter(expr).matches(resource), expr)

    def assertNoMatch(self, expr, resource=None):
        resource = _snapshot() if resource is None else resource
        self.assertFalse(sol013.parse_filter(expr).matches(resource), expr)

    def test_eq_neq(self):
        self.assertMatch('(eq,id,snap-1)')
        self.assertNoMatch('(eq,id,snap-2)')
        self.assertNoMatch('(eq,id,SNAP-1)')
        self.assertMatch('(neq,id,snap-2)')
        self.assertNoMatch('(neq,id,snap-1)')

    def test_in_nin(self):
        self.assertMatch('(in,id,a,snap-1,b)')
        self.assertNoMatch('(in,id,a,b)')
        self.assertMatch('(nin,id,a,b)')
        self.assertNoMatch('(nin,id,a,snap-1)')

    def test_cont_ncont(self):
        self.assertMatch('(cont,vnfSnapshotPkgId,kg-)')
        self.assertMatch('(cont,vnfSnapshotPkgId,zz,pkg)')
        self.assertNoMatch('(cont,vnfSnapshotPkgId,PKG)')
        self.assertMatch('(ncont,vnfSnapshotPkgId,zz,PKG)')
        self.assertNoMatch('(ncont,vnfSnapshotPkgId,zz,pkg)')

    def test_cont_on_non_strings_never_matches(self):
        self.assertNoMatch('(cont,size,4)')
        self.assertMatch('(ncont,size,4)')

    def test_ordering_on_strings_is_lexicographic(self):
        self.assertMatch('(gt,id,snap-0)')
        self.assertMatch('(gte,id,snap-1)')
        self.assertMatch('(lt,id,snap-2)')
        self.assertMatch('(lte,id,snap-1)')
        self.assertNoMatch('(gt,id,snap-1)')
        self.assertNoMatch('(lt,id,snap-1)')
        self.assertMatch('(lt,id,t)')

    def test_ordering_on_numbers(self):
        self.assertMatch('(gt,size,9)')  # 42 > 9, not "42" < "9"
        self.assertMatch('(gte,size,42)')
        self.assertNoMatch('(gt,size,42)')
        self.assertMatch('(lt,size,100)')
        self.assertMatch('(lte,size,42.0)')
        self.assertMatch('(lt,size,42.5)')
        self.assertMatch('(gt,ratio,0.25)')
        self.assertMatch('(lt,ratio,1)')

    def test_number_equality(self):
        self.assertMatch('(eq,size,42)')
        self.assertMatch('(eq,size,42.0)')
        self.assertMatch('(eq,ratio,0.5)')
        self.assertMatch('(in,size,1,42)')
        self.assertNoMatch('(eq,size,43)')

    def test_non_numeric_value_for_number_does_not_match(self):
        for op in ('eq', 'gt', 'lt', 'gte', 'lte', 'in'):
            with self.subTest(op=op):
                self.assertNoMatch(f'({op},size,big)')
        self.assertMatch('(neq,size,big)')
        self.assertMatch('(nin,size,big)')
        self.assertMatch('(in,size,big,42)')

    def test_booleans(self):
        self.assertMatch('(eq,locked,false)')
        self.assertNoMatch('(eq,locked,true)')
        self.assertMatch('(neq,locked,true)')
        self.assertNoMatch('(eq,locked,False)')
        self.assertNoMatch('(eq,locked,0)')
        self.assertMatch('(in,locked,yes,false)')
        self.assertMatch('(eq,locked,true)', _snapshot(locked=True))

    def test_datetimes_compare_as_datetimes(self):
        path = 'vnfSnapshot/createdAt'
        self.assertMatch(f'(gt,{path},2026-11-25T09:00:00Z)')
        self.assertMatch(f'(lt,{path},2026-11-25T10:00:01Z)')
        # Same instant in another zone: lexicographically different.
        self.assertMatch(f'(gte,{path},2026-11-25T11:00:00+01:00)')
        self.assertMatch(f'(lte,{path},2026-11-25T11:00:00+01:00)')
        self.assertNoMatch(f'(gt,{path},2026-11-25T11:00:00+01:00)')
        self.assertMatch(f'(gt,{path},2026-11-25T10:30:00+01:00)')
        # Naive timestamps are taken as UTC.
        self.assertMatch(f'(gte,{path},2026-11-25T10:00:00)')
        self.assertNoMatch(f'(gt,{path},2026-11-25T10:00:00)')

    def test_datetime_against_non_datetime_is_lexicographic(self):
        self.assertMatch('(lt,vnfSnapshot/createdAt,3)')
        self.assertNoMatch('(gt,vnfSnapshot/createdAt,3)')

    def test_eq_on_datetimes_compares_strings(self):
        self.assertMatch('(eq,vnfSnapshot/createdAt,2026-11-25T10:00:00Z)')
        self.assertNoMatch(
            '(eq,vnfSnapshot/createdAt,2026-11-25T11:00:00+01:00)')

    def test_nested_dict_path(self):
        self.assertMatch('(eq,vnfSnapshot/vnfInstance/vnfInstanceName,web)')
        self.assertMatch(
            '(eq,vnfSnapshot/vnfInstance/vnfConfigurableProperties/mode,ha)')
        self.assertNoMatch('(eq,vnfSnapshot/vnfInstance/vnfInstanceName,db)')

    def test_path_through_list(self):
        path = 'vnfSnapshot/vnfcSnapshots/vnfcInstanceId'
        self.assertMatch(f'(eq,{path},vnfc-a)')
        self.assertMatch(f'(eq,{path},vnfc-b)')
        self.assertNoMatch(f'(eq,{path},vnfc-c)')
        self.assertMatch(f'(in,{path},vnfc-c,vnfc-b)')
        self.assertMatch(f'(cont,{path},-b)')
        self.assertMatch(f'(gt,{path},vnfc-a)')

    def test_path_through_nested_lists(self):
        path = ('vnfSnapshot/vnfcSnapshots/storageSnapshotResources/'
                'storageResourceId')
        self.assertMatch(f'(eq,{path},st-3)')
        self.assertNoMatch(f'(eq,{path},st-4)')

    def test_list_of_scalars(self):
        self.assertMatch('(eq,tags,gold)')
        self.assertMatch('(eq,tags,eu-west)')
        self.assertMatch('(cont,tags,west)')
        self.assertNoMatch('(eq,tags,silver)')

    def test_negations_hold_only_if_no_element_matches(self):
        path = 'vnfSnapshot/vnfcSnapshots/vnfcInstanceId'
        self.assertNoMatch(f'(neq,{path},vnfc-a)')
        self.assertMatch(f'(neq,{path},vnfc-c)')
        self.assertNoMatch(f'(nin,{path},vnfc-c,vnfc-b)')
        self.assertMatch(f'(nin,{path},vnfc-c,vnfc-d)')
        self.assertNoMatch('(ncont,tags,west)')
        self.assertMatch('(ncont,tags,east)')

    def test_missing_attribute(self):
        for op in ('eq', 'gt', 'lt', 'gte', 'lte', 'in', 'cont'):
            with self.subTest(op=op):
                self.assertNoMatch(f'({op},nope,1)')
                self.assertNoMatch(f'({op},vnfSnapshot/nope/deeper,1)')
                self.assertNoMatch(f'({op},id/deeper,1)')
        for op in ('neq', 'nin', 'ncont'):
            with self.subTest(op=op):
                self.assertMatch(f'({op},nope,1)')
                self.assertMatch(f'({op},vnfSnapshot/nope/deeper,1)')
                self.assertMatch(f'({op},id/deeper,1)')

    def test_empty_list_counts_as_missing(self):
        self.assertNoMatch('(eq,tags,gold)', _snapshot(tags=[]))
        self.assertMatch('(neq,tags,gold)', _snapshot(tags=[]))

    def test_null_and_complex_values_never_equal(self):
        self.assertNoMatch('(eq,x,null)', _snapshot(x=None))
        self.assertMatch('(neq,x,null)', _snapshot(x=None))
        self.assertNoMatch('(eq,vnfSnapshot,vs-1)')
        self.assertNoMatch('(gt,vnfSnapshot,a)')

    def test_escaped_attribute_names(self):
        self.assertMatch('(eq,metadata/a~1b,slash)')
        self.assertMatch('(eq,metadata/x~ay,comma)')
        self.assertMatch('(eq,metadata/~bat,at)')
        self.assertMatch('(eq,metadata/til~0de,tilde)')

    def test_quoted_value_matches(self):
        resource = _snapshot(note="it's (a, b)")
        self.assertMatch("(eq,note,'it''s (a, b)')", resource)
        self.assertMatch("(cont,note,'(a, b)')", resource)
        self.assertMatch("(eq,empty,'')", _snapshot(empty=''))

    def test_key_of_map(self):
        self.assertMatch('(eq,metadata/@key,owner)')
        self.assertMatch('(in,metadata/@key,nobody,a/b)')
        self.assertMatch('(cont,metadata/@key,wn)')
        self.assertNoMatch('(eq,metadata/@key,alice)')
        self.assertMatch('(neq,metadata/@key,alice)')
        self.assertNoMatch('(neq,metadata/@key,owner)')
        self.assertMatch('(eq,@key,vnfSnapshotPkgId)')

    def test_key_of_maps_in_list(self):
        path = 'vnfSnapshot/vnfcSnapshots/userDefinedData/@key'
        self.assertMatch(f'(eq,{path},k)')
        self.assertNoMatch(f'(eq,{path},v1)')

    def test_key_of_missing_or_non_map(self):
        self.assertNoMatch('(eq,nope/@key,a)')
        self.assertNoMatch('(eq,id/@key,a)')
        self.assertMatch('(neq,nope/@key,a)')

    def test_and(self):
        self.assertMatch('(eq,id,snap-1);(gt,size,10)')
        self.assertNoMatch('(eq,id,snap-1);(gt,size,50)')
        self.assertNoMatch('(eq,id,snap-2);(gt,size,10)')
        self.assertMatch('(eq,id,snap-1);(gt,size,10);(eq,tags,gold)')


class ApplyFilterTest(unittest.TestCase):

    def setUp(self):
        self.resources = [_snapshot(id='a', size=1), _snapshot(id='b', size=2),
                          _snapshot(id='c', size=3)]

    def test_none_returns_everything(self):
        result = sol013.apply_filter(self.resources, None)
        self.assertEqual(self.resources, result)
        self.assertIsNot(self.resources, result)

    def test_filters_and_keeps_order(self):
        result = sol013.apply_filter(self.resources, '(neq,id,b)')
        self.assertEqual(['a', 'c'], [r['id'] for r in result])
        result = sol013.apply_filter(self.resources, '(gte,size,2)')
        self.assertEqual(['b', 'c'], [r['id'] for r in result])

    def test_no_match(self):
        self.assertEqual([], sol013.apply_filter(self.resources, '(eq,id,x)'))

    def test_empty_filter_is_invalid(self):
        self.assertRaises(exception.InvalidFilter,
                          sol013.apply_filter, self.resources, '')

    def test_invalid_filter_raises_even_without_resources(self):
        self.assertRaises(exception.InvalidFilter,
                          sol013.apply_filter, [], '(bad,a,b)')


DEFAULT_EXCLUDES = ['vnfSnapshot/vnfInstance', 'vnfSnapshot/vnfcSnapshots',
                    'metadata']


class SelectAttributesTest(unittest.TestCase):

    def setUp(self):
        self.resource = _snapshot()
        self.original = copy.deepcopy(self.resource)

    def tearDown(self):
        self.assertEqual(self.original, self.resource)

    def select(self, **kwargs):
        kwargs.setdefault('default_excludes', DEFAULT_EXCLUDES)
        result = sol013.select_attributes(self.resource, **kwargs)
        self.assertIsNot(self.resource, result)
        return result

    def default_view(self):
        expected = copy.deepcopy(self.original)
        del expected['vnfSnapshot']['vnfInstance']
        del expected['vnfSnapshot']['vnfcSnapshots']
        del expected['metadata']
        return expected

    def test_no_selector_applies_default_excludes(self):
        self.assertEqual(self.default_view(), self.select())

    def test_exclude_default(self):
        self.assertEqual(self.default_view(),
                         self.select(exclude_default=True))

    def test_all_fields(self):
        result = self.select(all_fields=True)
        self.assertEqual(self.original, result)
        self.assertIsNot(self.resource['vnfSnapshot'], result['vnfSnapshot'])

    def test_result_is_a_deep_copy(self):
        result = self.select(exclude_default=True)
        result['vnfSnapshot']['id'] = 'changed'
        result['tags'].append('changed')
        # tearDown checks that the input is unchanged.

    def test_fields_adds_default_excluded_attribute(self):
        expected = self.default_view()
        expected['metadata'] = self.original['metadata']
        self.assertEqual(expected, self.select(fields=['metadata']))

    def test_fields_with_exclude_default_is_the_same(self):
        for fields in (['metadata'], ['vnfSnapshot/vnfInstance'],
                       ['vnfSnapshot/vnfcSnapshots/id']):
            with self.subTest(fields=fields):
                self.assertEqual(
                    self.select(fields=fields),
                    self.select(fields=fields, exclude_default=True))

    def test_fields_nested_excluded_attribute(self):
        expected = self.default_view()
        expected['vnfSnapshot']['vnfInstance'] = (
            self.original['vnfSnapshot']['vnfInstance'])
        self.assertEqual(expected,
                         self.select(fields=['vnfSnapshot/vnfInstance']))

    def test_fields_parent_brings_back_excluded_children(self):
        expected = self.default_view()
        expected['vnfSnapshot'] = self.original['vnfSnapshot']
        self.assertEqual(expected, self.select(fields=['vnfSnapshot']))

    def test_fields_child_keeps_only_that_child(self):
        result = self.select(
            fields=['vnfSnapshot/vnfInstance/vnfInstanceName'])
        expected = self.default_view()
        expected['vnfSnapshot']['vnfInstance'] = {'vnfInstanceName': 'web'}
        self.assertEqual(expected, result)

    def test_fields_children_through_lists(self):
        result = self.select(fields=[
            'vnfSnapshot/vnfcSnapshots/id',
            'vnfSnapshot/vnfcSnapshots/storageSnapshotResources'])
        self.assertEqual(
            [{'id': 'c1', 'storageSnapshotResources': [
                {'storageResourceId': 'st-1'}, {'storageResourceId': 'st-2'}]},
             {'id': 'c2', 'storageSnapshotResources': [
                 {'storageResourceId': 'st-3'}]}],
            result['vnfSnapshot']['vnfcSnapshots'])
        self.assertNotIn('vnfInstance', result['vnfSnapshot'])

    def test_fields_deep_child_through_lists(self):
        path = ('vnfSnapshot/vnfcSnapshots/storageSnapshotResources/'
                'storageResourceId')
        result = self.select(fields=[path])
        self.assertEqual(
            [{'storageSnapshotResources': [{'storageResourceId': 'st-1'},
                                           {'storageResourceId': 'st-2'}]},
             {'storageSnapshotResources': [{'storageResourceId': 'st-3'}]}],
            result['vnfSnapshot']['vnfcSnapshots'])

    def test_fields_not_excluded_by_default_changes_nothing(self):
        self.assertEqual(self.default_view(), self.select(fields=['id']))

    def test_fields_missing_path_is_ignored(self):
        self.assertEqual(self.default_view(),
                         self.select(fields=['nope/deeper']))

    def test_exclude_fields(self):
        result = self.select(exclude_fields=['tags', 'vnfSnapshot/createdAt'])
        expected = copy.deepcopy(self.original)
        del expected['tags']
        del expected['vnfSnapshot']['createdAt']
        self.assertEqual(expected, result)

    def test_exclude_fields_ignores_default_excludes(self):
        result = self.select(exclude_fields=['tags'])
        self.assertIn('vnfInstance', result['vnfSnapshot'])
        self.assertIn('metadata', result)

    def test_exclude_fields_through_lists(self):
        result = self.select(exclude_fields=[
            'vnfSnapshot/vnfcSnapshots/storageSnapshotResources',
            'vnfSnapshot/vnfcSnapshots/userDefinedData/k'])
        self.assertEqual(
            [{'id': 'c1', 'vnfcInstanceId': 'vnfc-a', 'userDefinedData': {}},
             {'id': 'c2', 'vnfcInstanceId': 'vnfc-b', 'userDefinedData': {}}],
            result['vnfSnapshot']['vnfcSnapshots'])

    def test_exclude_fields_missing_paths_are_ignored(self):
        result = self.select(exclude_fields=['nope', 'id/deeper',
                                             'vnfSnapshot/nope/x'])
        self.assertEqual(self.original, result)

    def test_escaped_names(self):
        result = self.select(exclude_fields=['metadata/a~1b',
                                             'metadata/x~ay'])
        self.assertEqual({'owner', '@at', 'til~de'}, set(result['metadata']))

    def test_default_excludes_missing_in_resource(self):
        result = self.select(default_excludes=['nope', 'vnfSnapshot/nope'])
        self.assertEqual(self.original, result)

    def test_no_default_excludes(self):
        self.assertEqual(self.original, self.select(default_excludes=[]))

    def test_invalid_combinations(self):
        for kwargs in ({'all_fields': True, 'fields': ['a']},
                       {'all_fields': True, 'exclude_fields': ['a']},
                       {'all_fields': True, 'exclude_default': True},
                       {'fields': ['a'], 'exclude_fields': ['b']},
                       {'exclude_fields': ['a'], 'exclude_default': True}):
            with self.subTest(**kwargs):
                self.assertRaises(exception.InvalidSelector,
                                  self.select, **kwargs)

    def test_empty_lists_are_invalid(self):
        self.assertRaises(exception.InvalidSelector, self.select, fields=[])
        self.assertRaises(exception.InvalidSelector, self.select,
                          exclude_fields=[])

    def test_empty_path_segments_are_invalid(self):
        for path in ('', 'a//b', 'a/', '/a'):
            with self.subTest(path=path):
                self.assertRaises(exception.InvalidSelector, self.select,
                                  fields=[path])
                self.assertRaises(exception.InvalidSelector, self.select,
                                  exclude_fields=[path])


class ParseSelectorsTest(unittest.TestCase):

    def test_none(self):
        self.assertEqual(sol013.Selector(), sol013.parse_selectors({}))

    def test_unrelated_params_are_ignored(self):
        self.assertEqual(sol013.Selector(),
                         sol013.parse_selectors({'filter': '(eq,a,b)'}))

    def test_all_fields(self):
        self.assertEqual(sol013.Selector(all_fields=True),
                         sol013.parse_selectors({'all_fields': ''}))

    def test_flags_accept_any_value(self):
        self.assertEqual(sol013.Selector(all_fields=True),
                         sol013.parse_selectors({'all_fields': 'yes'}))
        self.assertEqual(sol013.Selector(exclude_default=True),
                         sol013.parse_selectors({'exclude_default': '1'}))

    def test_fields(self):
        self.assertEqual(
            sol013.Selector(fields=('a', 'b/c')),
            sol013.parse_selectors({'fields': 'a,b/c'}))

    def test_fields_and_exclude_default(self):
        self.assertEqual(
            sol013.Selector(fields=('a',), exclude_default=True),
            sol013.parse_selectors({'fields': 'a', 'exclude_default': ''}))

    def test_exclude_fields(self):
        self.assertEqual(
            sol013.Selector(exclude_fields=('a~ab', 'c')),
            sol013.parse_selectors({'exclude_fields': 'a~ab,c'}))

    def test_exclude_default(self):
        self.assertEqual(sol013.Selector(exclude_default=True),
                         sol013.parse_selectors({'exclude_default': ''}))

    def test_invalid_combinations(self):
        for names in (('all_fields', 'fields'),
                      ('all_fields', 'exclude_fields'),
                      ('all_fields', 'exclude_default'),
                      ('fields', 'exclude_fields'),
                      ('exclude_fields', 'exclude_default'),
                      ('fields', 'exclude_fields', 'exclude_default'),
                      sol013.SELECTOR_PARAMS):
            with self.subTest(names=names):
                params = dict.fromkeys(names, 'a')
                with self.assertRaises(exception.InvalidSelector) as ctx:
                    sol013.parse_selectors(params)
                self.assertEqual(400, ctx.exception.code)
                self.assertIn(', '.join(names), ctx.exception.message)
                self.assertIn('cannot be combined', ctx.exception.message)

    def test_empty_lists(self):
        for name in ('fields', 'exclude_fields'):
            with self.subTest(name=name):
                with self.assertRaises(exception.InvalidSelector) as ctx:
                    sol013.parse_selectors({name: ''})
                self.assertIn(name, ctx.exception.message)

    def test_empty_paths(self):
        for value in ('a,,b', 'a,', ',a', 'a//b', 'a/', '/a'):
            for name in ('fields', 'exclude_fields'):
                with self.subTest(name=name, value=value):
                    with self.assertRaises(exception.InvalidSelector) as ctx:
                        sol013.parse_selectors({name: value})
                    self.assertIn('empty attribute name',
                                  ctx.exception.message)

    def test_invalid_escape(self):
        self.assertRaises(exception.InvalidSelector,
                          sol013.parse_selectors, {'fields': 'a~x'})

    def test_apply(self):
        resource = _snapshot()
        selector = sol013.parse_selectors({'fields': 'metadata'})
        result = selector.apply(resource, DEFAULT_EXCLUDES)
        self.assertIn('metadata', result)
        self.assertNotIn('vnfInstance', result['vnfSnapshot'])
        result = sol013.parse_selectors({}).apply(resource, DEFAULT_EXCLUDES)
        self.assertNotIn('metadata', result)
        result = sol013.parse_selectors({'all_fields': ''}).apply(
            resource, DEFAULT_EXCLUDES)
        self.assertEqual(_snapshot(), result)
        result = sol013.parse_selectors({'exclude_fields': 'tags'}).apply(
            resource, DEFAULT_EXCLUDES)
        self.assertNotIn('tags', result)
        self.assertIn('metadata', result)
        self.assertEqual(_snapshot(), resource)

    def test_validate_paths_accepts_optional_attributes(self):
        mandatory = {'id', '_links/self', 'vnfSnapshot/id'}
        for params in ({}, {'all_fields': ''}, {'fields': 'id,_links'},
                       {'exclude_default': ''},
                       {'exclude_fields': 'tags,vnfSnapshot/createdAt,'
                                          '_links/other'}):
            with self.subTest(params=params):
                sol013.parse_selectors(params).validate_paths(mandatory)

    def test_validate_paths_refuses_mandatory_attributes(self):
        mandatory = {'id', '_links/self', 'vnfSnapshot/id'}
        for value in ('id', 'tags,id', '_links', '_links/self',
                      '_links/self/href', 'vnfSnapshot', 'vnfSnapshot/id',
                      'vnfSnapshot/id/x'):
            with self.subTest(value=value):
                selector = sol013.parse_selectors({'exclude_fields': value})
                with self.assertRaises(exception.InvalidSelector) as ctx:
                    selector.validate_paths(mandatory)
                self.assertIn('mandatory', ctx.exception.message)


def _items(count):
    return [{'id': f'id-{i}'} for i in range(count)]


class PaginateTest(unittest.TestCase):

    def walk(self, resources, limit):
        pages, marker = [], None
        while True:
            page, marker = sol013.paginate(resources, marker, limit)
            pages.append([item['id'] for item in page])
            if marker is None:
                return pages

    def test_empty(self):
        self.assertEqual(([], None), sol013.paginate([], None, 10))

    def test_single_item(self):
        self.assertEqual([['id-0']], self.walk(_items(1), 10))
        self.assertEqual([['id-0']], self.walk(_items(1), 1))

    def test_fits_in_one_page(self):
        self.assertEqual([['id-0', 'id-1', 'id-2']],
                         self.walk(_items(3), 3))

    def test_exact_multiple(self):
        self.assertEqual([['id-0', 'id-1'], ['id-2', 'id-3'],
                          ['id-4', 'id-5']], self.walk(_items(6), 2))

    def test_remainder(self):
        self.assertEqual([['id-0', 'id-1', 'id-2'], ['id-3', 'id-4']],
                         self.walk(_items(5), 3))

    def test_page_size_one(self):
        self.assertEqual([['id-0'], ['id-1'], ['id-2']],
                         self.walk(_items(3), 1))

    def test_marker_encodes_last_id(self):
        page, marker = sol013.paginate(_items(5), None, 2)
        self.assertEqual(['id-0', 'id-1'], [item['id'] for item in page])
        self.assertNotIn('=', marker)
        self.assertNotIn('id-1', marker)
        self.assertEqual('id-1', sol013.decode_marker(marker))

    def test_marker_round_trip_for_unusual_ids(self):
        for resource_id in ('a', 'ab', 'abc', 'abcd', '\u00e9t\u00e9/?&=+',
                            '0d9f8c2e-6b1a-4c8e-9a3b-1f2e3d4c5b6a'):
            with self.subTest(resource_id=resource_id):
                marker = sol013.encode_marker(resource_id)
                self.assertRegex(marker, r'^[A-Za-z0-9_-]+$')
                self.assertEqual(resource_id, sol013.decode_marker(marker))
                resources = [{'id': 'first'}, {'id': resource_id},
                             {'id': 'last'}]
                self.assertEqual(([{'id': 'last'}], None),
                                 sol013.paginate(resources, marker, 5))

    def test_marker_survives_insertions_before_it(self):
        resources = _items(4)
        _, marker = sol013.paginate(resources, None, 2)
        resources.insert(0, {'id': 'new'})
        page, next_marker = sol013.paginate(resources, marker, 2)
        self.assertEqual(['id-2', 'id-3'], [item['id'] for item in page])
        self.assertIsNone(next_marker)

    def test_invalid_markers(self):
        resources = _items(3)
        for marker in ('', 'not base64!', 'aWQtMA==', 'a', '\u00e9',
                       sol013.encode_marker('unknown'),
                       sol013.encode_marker('id-0') + 'x',
                       '_w'):  # decodes to bytes that are not UTF-8
            with self.subTest(marker=marker):
                with self.assertRaises(exception.InvalidPageMarker) as ctx:
                    sol013.paginate(resources, marker, 2)
                self.assertEqual(400, ctx.exception.code)

    def test_marker_on_empty_list_is_invalid(self):
        self.assertRaises(exception.InvalidPageMarker, sol013.paginate,
                          [], sol013.encode_marker('id-0'), 2)

    def test_marker_of_last_item_gives_empty_last_page(self):
        resources = _items(2)
        self.assertEqual(([], None), sol013.paginate(
            resources, sol013.encode_marker('id-1'), 2))

    def test_limit_must_be_positive(self):
        self.assertRaises(ValueError, sol013.paginate, _items(1), None, 0)


class LinkTest(unittest.TestCase):

    def query(self, url):
        return urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query,
                                      keep_blank_values=True)

    def test_adds_marker(self):
        url = sol013.next_link('http://h:9890/vnfsnapshot/v1/vnf_snapshots',
                               'abc')
        self.assertEqual('http://h:9890/vnfsnapshot/v1/vnf_snapshots'
                         '?nextpage_opaque_marker=abc', url)

    def test_replaces_marker_and_keeps_other_params(self):
        url = sol013.next_link(
            'https://h/vnf_snapshots?filter=%28eq%2Cid%2Ca%20b%29'
            '&nextpage_opaque_marker=old&exclude_default&fields=a,b',
            'new_-')
        parts = urllib.parse.urlsplit(url)
        self.assertEqual(('https', 'h', '/vnf_snapshots'),
                         (parts.scheme, parts.netloc, parts.path))
        self.assertEqual([('filter', '(eq,id,a b)'), ('exclude_default', ''),
                          ('fields', 'a,b'),
                          ('nextpage_opaque_marker', 'new_-')],
                         self.query(url))
        self.assertNotIn(' ', url)
        self.assertNotIn('old', url)

    def test_values_are_encoded(self):
        url = sol013.next_link(
            "http://h/x?filter=(eq,a,'x%26y%3Dz%20%2B')#frag", 'm')
        self.assertIn('x%26y%3Dz%20%2B', url)
        self.assertNotIn('frag', url)
        self.assertEqual([('filter', "(eq,a,'x&y=z +')"),
                          ('nextpage_opaque_marker', 'm')], self.query(url))

    def test_link_header(self):
        url = 'http://h/x?nextpage_opaque_marker=m'
        self.assertEqual(f'<{url}>; rel="next"', sol013.link_header(url))

    def test_paging_end_to_end(self):
        resources = _items(3)
        page, marker = sol013.paginate(resources, None, 2)
        url = sol013.next_link('http://h/x?filter=(neq,id,z)', marker)
        params = dict(self.query(url))
        page, marker = sol013.paginate(
            resources, params['nextpage_opaque_marker'], 2)
        self.assertEqual([{'id': 'id-2'}], page)
        self.assertIsNone(marker)


if __name__ == '__main__':
    unittest.main()
