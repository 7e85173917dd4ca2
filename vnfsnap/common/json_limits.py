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

"""Bounds on JSON values: how deep they nest, which strings they hold.

Python walks nested values recursively (json.dumps, copy.deepcopy,
jsonschema), and a value nested a few hundred levels deep exhausts its
recursion limit. So the API refuses deep values on their way in
(``check``), and every JSON value read out of the database goes through
``loads`` (vnfsnap.db.models), which never recurses and leaves out what
lies deeper than READ_DEPTH: a row stored before these bounds existed, or
written by other means, cannot break the code that reads it.
"""

import json
import re

from vnfsnap.common import exception

# Deepest nesting read back from the database. Above [api]max_json_depth
# (at most 90) plus the few levels vnfsnap adds when it copies a value,
# and low enough for copy.deepcopy (two frames a level) to stay far from
# Python's recursion limit of 1000.
READ_DEPTH = 128
LEFT_OUT = '(left out by vnfsnap: nested deeper than %d levels)' % READ_DEPTH
_CONTAINERS = (dict, list)
# A lone surrogate is no Unicode text (UTF-8 cannot encode it) and
# PostgreSQL refuses NUL in text: no database stores either.
_UNSTORABLE = re.compile('[\x00\ud800-\udfff]')
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKET = re.compile(r'[^\[\]{}]+')
_EMPTY_PAIR = re.compile(r'\[\]|\{\}')
# One JSON lexeme: a string, a bracket, or a number or literal (',' and
# ':' fall between tokens).
_LEXEME = re.compile(_STRING.pattern + r'|[\[\]{}]|[^\s\[\]{},:"]+')
_NO_KEY = object()


def _unstorable(text):
    match = _UNSTORABLE.search(text)
    if match is None:
        return None
    return 'a NUL character' if match.group() == '\x00' else (
        'a lone UTF-16 surrogate (\\u%04x)' % ord(match.group()))


def _where(trail):
    """'a/0/b' of a trail (parent trail, key) that ends in None, with the
    characters that cannot be shown escaped."""
    keys = []
    while trail is not None:
        trail, key = trail
        keys.append(json.dumps(str(key))[1:-1])
    return '/'.join(reversed(keys)) or 'the top level'


def check(value, max_depth):
    """Refuse what no database stores, or what nests deeper than
    ``max_depth``: JsonTooDeep or JsonStringUnstorable (both 400)."""
    pending = [(value, 0, None)]
    while pending:
        node, level, trail = pending.pop()
        if isinstance(node, str):
            what = _unstorable(node)
            if what:
                raise exception.JsonStringUnstorable(what=what,
                                                     where=_where(trail))
            continue
        if not isinstance(node, _CONTAINERS):
            continue
        if level >= max_depth:
            raise exception.JsonTooDeep(limit=max_depth)
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, child in items:
            what = isinstance(key, str) and _unstorable(key)
            if what:
                raise exception.JsonStringUnstorable(
                    what=what, where=_where((trail, key)))
            pending.append((child, level + 1, (trail, key)))


def nests_deeper(text, max_depth):
    """Whether the JSON document ``text`` nests objects and arrays more
    than ``max_depth`` levels deep; at C speed, without parsing.

    With the strings and scalars taken out, only brackets remain; each
    pass removes the empty pairs, i.e. the innermost containers, so the
    document is as deep as the passes it takes to remove everything.
    """
    if text.count('[') + text.count('{') <= max_depth:
        return False
    brackets = _NOT_BRACKET.sub('', _STRING.sub('', text))
    for _ in range(max_depth):
        if not brackets:
            return False
        brackets = _EMPTY_PAIR.sub('', brackets)
    return bool(brackets)


def loads(text, max_depth=READ_DEPTH):
    """json.loads for stored values: containers deeper than ``max_depth``
    are replaced by LEFT_OUT, and no depth makes it fail."""
    if isinstance(text, bytes):
        text = text.decode('utf-8')
    if nests_deeper(text, max_depth):
        return _loads_deep(text, max_depth)
    return json.loads(text)


def _attach(open_containers, done, value):
    if not open_containers:
        done.append(value)
        return
    entry = open_containers[-1]
    if isinstance(entry[0], list):
        entry[0].append(value)
    elif entry[1] is _NO_KEY:
        entry[1] = value
    else:
        entry[0][entry[1]] = value
        entry[1] = _NO_KEY


def _loads_deep(text, max_depth):
    """Parse ``text``, nested deeper than ``max_depth``, without
    recursion: strings and scalars are decoded by json.loads, containers
    are built here, and those deeper than ``max_depth`` are skipped
    (LEFT_OUT instead).

    Stored values were written by json.dumps, so the structure is trusted
    to be valid JSON; an unbalanced one raises ValueError.
    """
    open_containers, done, skipping = [], [], 0
    for match in _LEXEME.finditer(text):
        lexeme = match.group()
        if lexeme in ('[', '{'):
            if skipping or len(open_containers) >= max_depth:
                if not skipping:
                    _attach(open_containers, done, LEFT_OUT)
                skipping += 1
                continue
            container = [] if lexeme == '[' else {}
            _attach(open_containers, done, container)
            open_containers.append([container, _NO_KEY])
        elif lexeme in (']', '}'):
            if skipping:
                skipping -= 1
            elif open_containers:
                open_containers.pop()
            else:
                raise ValueError('unbalanced %r in a stored JSON value'
                                 % lexeme)
        elif not skipping:
            _attach(open_containers, done, json.loads(lexeme))
    if open_containers or skipping or len(done) != 1:
        raise ValueError('a stored JSON value is not one JSON document')
    return done[0]
