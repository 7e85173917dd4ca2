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

"""SOL013 attribute filters as SQL, for the attributes that are columns.

A collection's filter is first narrowed in SQL, then the API tests every
row it gets against the whole filter on the rendered representation
(vnfsnap.api.sol013), which stays the one definition of what matches.
So a clause made here must never leave out a row that matches: it is
exact, or (positive operators on a database that compares strings without
regard to case) wider. A simple filter expression that cannot be written so
is left to the API alone: the rows are then read in batches and filtered in
Python (doc/source/admin/performance.rst).

Translated: the operators eq, neq, in, nin and cont, ncont on string
attributes; eq, neq, in, nin, gt, gte, lt and lte on date-time attributes
(rendered to the second, as vnfsnap.common.views.isotime does). Ordering
operators on strings, cont on date-times, booleans, attributes inside JSON
columns and ``@key`` are not.

The terms are duck-typed (``op``, ``path``, ``values``, ``keys``), as
vnfsnap.api.sol013.Term has them: the database layer imports nothing of
the API.
"""

import dataclasses
import datetime

import sqlalchemy as sa

from vnfsnap.db import models

STRING = 'string'
TIME = 'time'
_NEGATED = {'neq': 'eq', 'nin': 'in', 'ncont': 'cont'}
_SECOND = datetime.timedelta(seconds=1)
_RENDERED_TIME = '%Y-%m-%dT%H:%M:%SZ'
# Dialects whose '=' and IN compare strings exactly (binary): there a
# negated operator on a string column is exact as well.
_BINARY_STRINGS = frozenset({'sqlite', 'postgresql'})


@dataclasses.dataclass(frozen=True)
class Attribute:
    """An attribute of a representation that is a column.

    ``present``: a condition without which the attribute is absent even
    when the column is not null (its parent structure is absent).
    """

    column: object
    kind: str = STRING
    present: object = None


def _attrs(model, columns, present=None):
    """{attribute path: Attribute} from {'a/b': (column name, kind)}."""
    return {tuple(path.split('/')): Attribute(getattr(model, name), kind,
                                              present)
            for path, (name, kind) in columns.items()}


def _s(name):
    return (name, STRING)


def _t(name):
    return (name, TIME)


_I = models.VnfSnapshotInfo
_O = models.VnfLcmOpOcc
_P = models.VnfSnapshotPkg
_V = models.VnfInstance
_S = models.LccnSubscription
_T = models.OnlineTest

# The attribute paths of each collection's representation (the views of
# vnfsnap.common.views) that are a column, as that column renders them.
ATTRIBUTES = {
    _I: {**_attrs(_I, {
        'id': _s('id'), 'vnfSnapshotPkgId': _s('vnf_snapshot_pkg_id')}),
        # vnfSnapshot is there once the resource is filled.
        **_attrs(_I, {
            'vnfSnapshot/id': _s('snapshot_id'),
            'vnfSnapshot/vnfInstanceId': _s('snapshot_vnf_instance_id'),
            'vnfSnapshot/vnfdId': _s('snapshot_vnfd_id'),
            'vnfSnapshot/creationStartedAt': _t(
                'snapshot_creation_started_at'),
            'vnfSnapshot/creationFinishedAt': _t(
                'snapshot_creation_finished_at')},
            present=_I.snapshot_id.isnot(None))},
    _O: _attrs(_O, {
        'id': _s('id'), 'operationState': _s('operation_state'),
        'stateEnteredTime': _t('state_entered_time'),
        'startTime': _t('start_time'),
        'vnfInstanceId': _s('vnf_instance_id'),
        'operation': _s('operation'),
        'vnfSnapshotInfoId': _s('vnf_snapshot_info_id')}),
    _P: _attrs(_P, {
        'id': _s('id'),
        'vnfSnapshotPkgUniqueId': _s('vnf_snapshot_pkg_unique_id'),
        'name': _s('name'), 'createdAt': _t('packaged_at'),
        'vnfSnapshotId': _s('vnf_snapshot_id'), 'state': _s('state')}),
    _V: _attrs(_V, {
        'id': _s('id'), 'vnfInstanceName': _s('vnf_instance_name'),
        'vnfInstanceDescription': _s('vnf_instance_description'),
        'vnfdId': _s('vnfd_id'), 'vnfProvider': _s('vnf_provider'),
        'vnfProductName': _s('vnf_product_name'),
        'vnfSoftwareVersion': _s('vnf_software_version'),
        'vnfdVersion': _s('vnfd_version'),
        'instantiationState': _s('instantiation_state')}),
    _S: _attrs(_S, {
        'id': _s('id'), 'callbackUri': _s('callback_uri'),
        'verbosity': _s('verbosity')}),
    # verdict is absent until judged: left to the API.
    _T: _attrs(_T, {
        'id': _s('id'), 'operationState': _s('operation_state'),
        'stateEnteredTime': _t('state_entered_time'),
        'vnfInstanceId': _s('vnf_instance_id')}),
}


def fast_attributes(model):
    """The attribute paths of ``model``'s collection filtered in SQL."""
    return sorted('/'.join(path) for path in ATTRIBUTES.get(model, {}))


def _rendered_time(raw):
    """The datetime a rendered date-time text stands for, or None when no
    column value renders as ``raw``."""
    try:
        value = datetime.datetime.strptime(raw, _RENDERED_TIME)
    except ValueError:
        return None
    return value if value.strftime(_RENDERED_TIME) == raw else None


def _instant(raw):
    """``raw`` as a naive UTC datetime, as vnfsnap.api.sol013 compares
    date-times (naive is UTC); None when it is not one."""
    try:
        value = datetime.datetime.fromisoformat(raw)
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC).replace(tzinfo=None)
    except (ValueError, OverflowError):
        return None
    return value


def _time_order(op, column, raw):
    """A column rendered to the second (truncated), compared with an
    instant ``raw`` that may have a fraction of a second."""
    instant = _instant(raw)
    if instant is None:
        return None  # compared as strings: left to the API
    floor = instant.replace(microsecond=0)
    try:
        ceiling = floor + _SECOND if instant.microsecond else floor
        if op == 'gt':
            return column >= floor + _SECOND
        if op == 'gte':
            return column >= ceiling
        if op == 'lt':
            return column < ceiling
        return column < floor + _SECOND  # lte
    except OverflowError:
        return None


def _time_positive(op, column, values):
    if op in ('gt', 'gte', 'lt', 'lte'):
        return _time_order(op, column, values[0])
    if op == 'cont':
        return None
    instants = {t for t in map(_rendered_time, values) if t is not None}
    try:
        return sa.or_(sa.false(), *(
            sa.and_(column >= t, column < t + _SECOND)
            for t in sorted(instants)))
    except OverflowError:
        return None


def _string_positive(op, column, values, dialect):
    if op in ('eq', 'in'):
        return column.in_(values)
    if op == 'cont':
        if dialect == 'sqlite':
            # instr: case-sensitive, as Python's 'in' (LIKE is not).
            return sa.or_(*(sa.func.instr(column, v) > 0 for v in values))
        return sa.or_(*(column.contains(v, autoescape=True)
                        for v in values))
    return None  # ordering on strings: Python's order, not a collation's


def _clause(term, attribute, dialect):
    negated = term.op in _NEGATED
    positive = _NEGATED.get(term.op, term.op)
    if attribute.kind == TIME:
        test = _time_positive(positive, attribute.column, term.values)
    else:
        if negated and dialect not in _BINARY_STRINGS:
            return None
        if dialect == 'mysql' and any(
                max(map(ord, v), default=0) > 0xFFFF for v in term.values):
            # A connection in MySQL's 3-byte "utf8" cannot even send such
            # a character (illegal mix of collations), and no column of
            # that character set holds one: the API alone decides.
            return None
        test = _string_positive(positive, attribute.column, term.values,
                                dialect)
    if test is None:
        return None
    # True exactly when the rendered attribute is there and matches: never
    # NULL, so that NOT gives the negation ("absent" matches neq).
    hit = sa.and_(*(c for c in (attribute.present,) if c is not None),
                  attribute.column.isnot(None), test)
    return sa.not_(hit) if negated else hit


def translate(model, terms, dialect):
    """``(clauses, rest)``: SQL conditions for the terms of a filter that
    are columns of ``model``, and the terms left to the API alone."""
    attributes = ATTRIBUTES.get(model, {})
    clauses, rest = [], []
    for term in terms:
        attribute = None if term.keys else attributes.get(tuple(term.path))
        clause = (None if attribute is None
                  else _clause(term, attribute, dialect))
        if clause is None:
            rest.append(term)
        else:
            clauses.append(clause)
    return clauses, rest
