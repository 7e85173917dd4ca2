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

"""ETSI GS NFV-SOL 013 query features: filters, attribute selectors, paging.

These pure functions work on the full JSON representations of resources, so
all resource types filter, select and page the same way without knowing how
the data is stored. A filter decides on the rendered representation; for
the stored collections the database narrows it first on the attributes that
are columns and cuts the page (vnfsnap.db.filters, api.utils.db_collection).
"""

import base64
import copy
import dataclasses
import datetime
import operator
import urllib.parse

from vnfsnap.common import exception

ONE_VALUE_OPS = frozenset({'eq', 'neq', 'gt', 'lt', 'gte', 'lte'})
MULTI_VALUE_OPS = frozenset({'in', 'nin', 'cont', 'ncont'})
SELECTOR_PARAMS = ('all_fields', 'fields', 'exclude_fields', 'exclude_default')
NEXTPAGE_PARAM = 'nextpage_opaque_marker'

# Negated operators are evaluated as "not <positive operator>".
_NEGATED = {'neq': 'eq', 'nin': 'in', 'ncont': 'cont'}
_ORDERING = {'gt': operator.gt, 'lt': operator.lt,
             'gte': operator.ge, 'lte': operator.le}
_ESCAPES = {'1': '/', 'a': ',', 'b': '@', '0': '~'}
_KEYS_SEGMENT = '@key'
_ALLOWED_SELECTORS = frozenset(map(frozenset, (
    (), ('all_fields',), ('fields',), ('fields', 'exclude_default'),
    ('exclude_fields',), ('exclude_default',))))


def _split_path(raw, error):
    """Turn 'a/b~1c' into ('a', 'b/c'); ``error`` is the exception to raise.

    An unescaped '@' is reserved by SOL013 (``@key``), so it is refused here.
    """
    names = []
    for segment in raw.split('/'):
        if not segment:
            raise error(reason=f'attribute path {raw!r} contains an empty '
                               f'attribute name')
        name, i = [], 0
        while i < len(segment):
            char = segment[i]
            if char == '~':
                code = segment[i + 1:i + 2]
                if code not in _ESCAPES:
                    raise error(reason=f'attribute path {raw!r} contains an '
                                       f'invalid escape {segment[i:i + 2]!r}')
                char = _ESCAPES[code]
                i += 1
            elif char == '@':
                raise error(reason=f"attribute path {raw!r} contains an "
                                   f"unescaped '@' (write it as '~b')")
            name.append(char)
            i += 1
        names.append(''.join(name))
    return tuple(names)


# -- Attribute-based filtering (SOL013 clause 5.2) --------------------------

@dataclasses.dataclass(frozen=True)
class Term:
    """One simple filter expression ``(op,attrpath,value[,value...])``.

    A path is walked through nested dicts; at a list the rest of the path is
    applied to every element, and a list found at the end of the path
    contributes each of its elements. ``keys`` means the path ended with
    ``@key``: the keys of the map(s) found there are tested.

    eq, in, cont, gt, lt, gte and lte match if at least one value found
    matches. neq, nin and ncont are their exact negations: they match if no
    value found matches. So a missing attribute never matches the former
    and always matches the latter ("not equal to X" holds for a resource
    without the attribute), and neq on a list means "no element equals".
    """

    op: str
    path: tuple
    values: tuple
    keys: bool = False

    def matches(self, resource):
        found = _leaves(resource, self.path)
        if self.keys:
            found = (key for leaf in found if isinstance(leaf, dict)
                     for key in leaf)
        positive = _NEGATED.get(self.op, self.op)
        hit = any(_test(positive, value, self.values) for value in found)
        return hit != (self.op in _NEGATED)


@dataclasses.dataclass(frozen=True)
class Filter:
    """Simple expressions joined by ';', all of which must match."""

    terms: tuple

    def matches(self, resource):
        return all(term.matches(resource) for term in self.terms)


def _leaves(value, path):
    if isinstance(value, list):
        for item in value:
            yield from _leaves(item, path)
    elif not path:
        yield value
    elif isinstance(value, dict) and path[0] in value:
        yield from _leaves(value[path[0]], path[1:])


def _cast(raw, attr):
    """Convert a filter value to the attribute's type; None if impossible."""
    if isinstance(attr, bool):
        return {'true': True, 'false': False}.get(raw)
    if isinstance(attr, (int, float)):
        for number in (int, float):
            try:
                return number(raw)
            except ValueError:
                pass
        return None
    return raw if isinstance(attr, str) else None


def _datetime(text):
    try:
        value = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    # Naive timestamps are taken as UTC so they compare with aware ones.
    return value if value.tzinfo else value.replace(tzinfo=datetime.UTC)


def _test(op, attr, raw_values):
    if op == 'cont':
        return isinstance(attr, str) and any(v in attr for v in raw_values)
    targets = [t for t in (_cast(v, attr) for v in raw_values)
               if t is not None]
    if op in ('eq', 'in'):
        return attr in targets
    if not targets:
        return False
    left, right = attr, targets[0]
    if isinstance(attr, str):
        left_dt, right_dt = _datetime(left), _datetime(right)
        if left_dt is not None and right_dt is not None:
            left, right = left_dt, right_dt
    return _ORDERING[op](left, right)


class _FilterParser:
    """Recursive-descent parser; errors report the position in the text."""

    def __init__(self, text):
        self.text = text
        self.pos = 0

    def fail(self, what):
        raise exception.InvalidFilter(reason=f'{what} in {self.text!r}')

    def peek(self):
        return self.text[self.pos:self.pos + 1]

    def expect(self, char):
        if not self.peek():
            self.fail(f'expected {char!r} but the expression ended')
        if self.peek() != char:
            self.fail(f'expected {char!r} at position {self.pos}, '
                      f'found {self.peek()!r}')
        self.pos += 1

    def until(self, stops):
        start = self.pos
        while self.peek() and self.peek() not in stops:
            self.pos += 1
        return self.text[start:self.pos]

    def parse(self):
        if not self.text:
            raise exception.InvalidFilter(reason='the expression is empty')
        terms = [self.term()]
        while self.peek():
            if self.peek() != ';':
                self.fail(f'unexpected {self.text[self.pos:]!r} after a '
                          f'simple filter (join filters with \';\')')
            self.pos += 1
            terms.append(self.term())
        return Filter(tuple(terms))

    def term(self):
        self.expect('(')
        op = self.until(',)')
        if op not in ONE_VALUE_OPS | MULTI_VALUE_OPS:
            known = ', '.join(sorted(ONE_VALUE_OPS | MULTI_VALUE_OPS))
            self.fail(f'unknown operator {op!r} (expected one of {known})')
        self.expect(',')
        raw_path = self.until(',)')
        keys = raw_path == _KEYS_SEGMENT or raw_path.endswith(
            '/' + _KEYS_SEGMENT)
        if keys:
            raw_path = raw_path[:-len(_KEYS_SEGMENT) - 1]
        path = (_split_path(raw_path, exception.InvalidFilter)
                if raw_path or not keys else ())
        if self.peek() != ',':
            self.fail(f'operator {op!r} needs a value after the attribute '
                      f'path {raw_path!r}')
        values = []
        while self.peek() == ',':
            self.pos += 1
            values.append(self.value())
        self.expect(')')
        if op in ONE_VALUE_OPS and len(values) != 1:
            self.fail(f'operator {op!r} takes exactly one value, '
                      f'got {len(values)}')
        return Term(op, path, tuple(values), keys)

    def value(self):
        if self.peek() == "'":
            return self.quoted()
        start = self.pos
        text = self.until(",')")
        if self.peek() == "'":
            self.fail(f"unexpected quote at position {self.pos} inside an "
                      f"unquoted value")
        if not text:
            self.fail(f"empty value at position {start} (write '' for an "
                      f"empty string)")
        return text

    def quoted(self):
        start = self.pos
        self.pos += 1
        parts = []
        while True:
            end = self.text.find("'", self.pos)
            if end < 0:
                self.pos = start
                self.fail(f'unterminated quoted value starting at position '
                          f'{start}')
            parts.append(self.text[self.pos:end])
            self.pos = end + 1
            if self.peek() != "'":
                return ''.join(parts)
            parts.append("'")
            self.pos += 1


def parse_filter(expr):
    """Parse a SOL013 ``filter`` query parameter into a :class:`Filter`.

    Raises InvalidFilter with a reason naming the offending part.
    """
    return _FilterParser(expr).parse()


def apply_filter(resources, expr):
    """Return the resources matching ``expr``; None means no filter."""
    if expr is None:
        return list(resources)
    compiled = parse_filter(expr)
    return [resource for resource in resources if compiled.matches(resource)]


# -- Attribute selectors (SOL013 clause 5.3) --------------------------------

def _check_combination(present):
    present = frozenset(present)
    if present not in _ALLOWED_SELECTORS:
        names = ', '.join(p for p in SELECTOR_PARAMS if p in present)
        raise exception.InvalidSelector(
            reason=f'the parameters {names} cannot be combined')


def _parse_paths(name, items):
    if not items:
        raise exception.InvalidSelector(
            reason=f'{name!r} names no attribute')
    return [_split_path(item, exception.InvalidSelector) for item in items]


def _remove(value, path, keep):
    """Drop ``path`` from ``value`` in place, except its sub-paths ``keep``."""
    if isinstance(value, list):
        for item in value:
            _remove(item, path, keep)
    elif isinstance(value, dict) and path[0] in value:
        if len(path) > 1:
            _remove(value[path[0]], path[1:], keep)
        elif keep:
            value[path[0]] = _project(value[path[0]], keep)
        else:
            del value[path[0]]


def _project(value, paths):
    """Return only the given non-empty ``paths`` of ``value``."""
    if isinstance(value, list):
        return [_project(item, paths) for item in value]
    if not isinstance(value, dict):
        return value
    grouped = {}
    for head, *rest in paths:
        grouped.setdefault(head, []).append(tuple(rest))
    return {head: value[head] if () in rests else _project(value[head], rests)
            for head, rests in grouped.items() if head in value}


def select_attributes(resource, *, all_fields=False, fields=None,
                      exclude_fields=None, exclude_default=False,
                      default_excludes=()):
    """Return a copy of ``resource`` reduced as the selectors ask.

    Without any selector the default exclusions apply, as SOL013 requires.
    ``fields`` brings default-excluded attributes back: a named path, its
    parents and its children are kept, so naming a child of an excluded
    attribute returns that attribute reduced to the child.
    """
    _check_combination(name for name, given in (
        ('all_fields', all_fields), ('fields', fields is not None),
        ('exclude_fields', exclude_fields is not None),
        ('exclude_default', exclude_default)) if given)
    result = copy.deepcopy(resource)
    if all_fields:
        return result
    if exclude_fields is not None:
        for path in _parse_paths('exclude_fields', exclude_fields):
            _remove(result, path, ())
        return result
    wanted = _parse_paths('fields', fields) if fields is not None else []
    for raw in default_excludes:
        excluded = _split_path(raw, exception.InvalidSelector)
        if any(excluded[:len(w)] == w for w in wanted):
            continue
        keep = [w[len(excluded):] for w in wanted
                if w[:len(excluded)] == excluded]
        _remove(result, excluded, keep)
    return result


@dataclasses.dataclass(frozen=True)
class Selector:
    """Validated attribute selector parameters of one request."""

    all_fields: bool = False
    fields: tuple | None = None
    exclude_fields: tuple | None = None
    exclude_default: bool = False

    def apply(self, resource, default_excludes):
        return select_attributes(
            resource, all_fields=self.all_fields, fields=self.fields,
            exclude_fields=self.exclude_fields,
            exclude_default=self.exclude_default,
            default_excludes=default_excludes)

    def validate_paths(self, mandatory):
        """Refuse to exclude attributes whose lower cardinality is not 0.

        Excluding a parent of a mandatory attribute removes it too, and
        excluding a part of one (``_links/self/href``) leaves it broken.
        """
        required = [_split_path(m, exception.InvalidSelector)
                    for m in mandatory]
        for raw in self.exclude_fields or ():
            path = _split_path(raw, exception.InvalidSelector)
            if any(m[:len(path)] == path or path[:len(m)] == m
                   for m in required):
                raise exception.InvalidSelector(
                    reason=f'{raw!r} cannot be excluded because it is, '
                           f'contains or is part of a mandatory attribute')


def parse_selectors(params):
    """Build a :class:`Selector` from the request's query parameters.

    ``all_fields`` and ``exclude_default`` are flags: their presence
    counts, any value is accepted.
    """
    _check_combination(name for name in SELECTOR_PARAMS if name in params)
    lists = {}
    for name in ('fields', 'exclude_fields'):
        raw = params.get(name)
        if raw is not None:
            lists[name] = tuple(raw.split(',')) if raw else ()
            _parse_paths(name, lists[name])
    return Selector(all_fields='all_fields' in params,
                    exclude_default='exclude_default' in params, **lists)


# -- Paging (SOL013 clause 5.4, alternative 2) ------------------------------

def encode_marker(resource_id):
    encoded = base64.urlsafe_b64encode(resource_id.encode('utf-8'))
    return encoded.rstrip(b'=').decode('ascii')


def decode_marker(marker):
    try:
        padded = marker + '=' * (-len(marker) % 4)
        resource_id = base64.urlsafe_b64decode(padded).decode('utf-8')
    except ValueError:
        raise exception.InvalidPageMarker() from None
    # urlsafe_b64decode skips foreign characters; only accept what we emit.
    if encode_marker(resource_id) != marker:
        raise exception.InvalidPageMarker()
    return resource_id


def paginate(resources, marker, limit, key='id'):
    """Return ``(page, next_marker)``; next_marker is None on the last page.

    The marker encodes the ``key`` (the id) of the last item returned, so
    paging stays stable when items before it are added or removed.
    """
    if limit < 1:
        raise ValueError(f'page size must be positive, not {limit}')
    start = 0
    if marker is not None:
        last_id = decode_marker(marker)
        index = next((i for i, resource in enumerate(resources)
                      if resource[key] == last_id), None)
        if index is None:
            raise exception.InvalidPageMarker()
        start = index + 1
    page = resources[start:start + limit]
    if start + limit < len(resources):
        return page, encode_marker(page[-1][key])
    return page, None


def next_link(request_url, marker):
    """Return ``request_url`` with its page marker set to ``marker``."""
    parts = urllib.parse.urlsplit(request_url)
    query = [(key, value) for key, value in
             urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
             if key != NEXTPAGE_PARAM]
    query.append((NEXTPAGE_PARAM, marker))
    encoded = urllib.parse.urlencode(query, quote_via=urllib.parse.quote)
    return urllib.parse.urlunsplit(
        parts._replace(query=encoded, fragment=''))


def link_header(url):
    """Return the value of a ``Link`` header pointing at the next page."""
    return f'<{url}>; rel="next"'
