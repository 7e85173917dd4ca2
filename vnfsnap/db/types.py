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

"""vnfsnap's column types: BoundedJSON for every JSON value, and
Encrypted, a BoundedJSON and the one column type for secrets.

BoundedJSON reads stored values with json_limits.loads, so that no stored
value, however deeply nested, breaks the code reading it.

An Encrypted column holds a JSON value and its ``secrets`` say where the
secrets sit: ``()`` is the whole value, ``('credentials',)`` one key of the
top-level object, ``('*', 'accessInfo')`` the accessInfo of every member of
the top-level object (a map of VimConnectionInfo). Each secret is stored
sealed (vnfsnap.common.crypto); the rest stays plain JSON, so what the API
filters on (vimType, callbackUri...) is stored as it is. Code reads and
writes plaintext values; nothing seals or opens a secret by hand.
"""

import collections
import json

import sqlalchemy as sa

from vnfsnap.common import crypto
from vnfsnap.common import exception
from vnfsnap.common import json_limits


class BoundedJSON(sa.types.TypeDecorator):
    """A JSON column read with json_limits.loads.

    SQLite and MySQL drivers return the stored text, parsed here instead
    of by sa.JSON; PostgreSQL drivers parse it themselves, with the
    engine's json_deserializer, which vnfsnap.db.api sets to the same
    function.
    """

    impl = sa.JSON
    cache_ok = True

    def __init__(self):
        super().__init__(none_as_null=True)

    def result_processor(self, dialect, coltype):
        driver_parses = self.impl_instance.result_processor(
            dialect, coltype) is None

        def process(value):
            if value is not None and not driver_parses:
                value = json_limits.loads(value)
            return self.process_result_value(value, dialect)
        return process

    def process_result_value(self, value, dialect):
        # The value as parsed; Encrypted opens its secrets here.
        return value


class Encrypted(BoundedJSON):
    """JSON whose secrets are sealed in the database."""

    cache_ok = True

    def __init__(self, secrets=((),)):
        super().__init__()
        self.secrets = tuple(tuple(path) for path in secrets)

    def process_bind_param(self, value, dialect):
        return at_secrets(value, self.secrets, crypto.seal)

    def process_result_value(self, value, dialect):
        return at_secrets(value, self.secrets, _open)


def _open(stored):
    # Only what an earlier release stored in the clear (before migration
    # 0008, or put there by hand) is not sealed; it reads as it is.
    return crypto.unseal(stored) if crypto.is_sealed(stored) else stored


def at_secrets(value, secrets, change):
    """``value`` with change(secret) in place of each secret that is not
    null, the rest untouched (copied where it changed)."""
    for path in secrets:
        value = _at(value, path, change)
    return value


def _at(value, path, change):
    if not path:
        return None if value is None else change(value)
    if not isinstance(value, dict):
        return value
    head, rest = path[0], path[1:]
    names = list(value) if head == '*' else [head] if head in value else []
    if not names:
        return value
    value = dict(value)
    for name in names:
        value[name] = _at(value[name], rest, change)
    return value


class Renewal:
    """What renew_rows did: ``counts`` of secrets by crypto outcome,
    ``conflicts`` (rows changed meanwhile, left as they were), ``failures``
    ((row id, CredentialsKeyError) for rows whose secrets could not be
    opened)."""

    def __init__(self):
        self.counts = collections.Counter()
        self.conflicts = 0
        self.failures = []
        self.last_id = None
        self.rows = 0


def renew_rows(conn, table, column, secrets, keys, after=None, limit=None,
               renewal=None):
    """Seal every secret of ``table.column`` with the primary key of
    ``keys`` (a crypto.Keyring): what an old key sealed, and what an
    earlier release stored as a bare Fernet token or in the clear.

    Rows are read by id, after ``after`` and at most ``limit`` of them.
    A row is rewritten only when it changes, and only if it still holds
    what was read, so a service writing meanwhile never loses its write;
    its ``updated_at`` stays as it was (the resource did not change).
    The stored text is read and written as such, which also serves a
    TEXT column on its way to JSON (migration 0008).
    """
    renewal = renewal or Renewal()
    t = sa.table(table, sa.column('id'), sa.column(column))
    stored = sa.cast(t.c[column], sa.Text)
    query = sa.select(t.c.id, stored).where(
        t.c[column].is_not(None)).order_by(t.c.id)
    if after is not None:
        query = query.where(t.c.id > after)
    if limit is not None:
        query = query.limit(limit)
    for row_id, text in conn.execute(query).all():
        renewal.rows += 1
        renewal.last_id = row_id
        try:
            value, outcomes = _renew_value(parse_stored(text), secrets, keys)
        except exception.CredentialsKeyError as e:
            renewal.failures.append((row_id, e))
            continue
        renewal.counts.update(outcomes)
        if all(o == crypto.CURRENT for o in outcomes):
            continue
        done = conn.execute(sa.update(t).where(
            t.c.id == row_id, stored == text).values(
                {column: json.dumps(value, separators=(',', ':'))}))
        if done.rowcount != 1:
            renewal.conflicts += 1
            renewal.counts.subtract(outcomes)
    return renewal


def _renew_value(value, secrets, keys):
    outcomes = []

    def renew(secret):
        new, outcome = keys.renew(secret)
        outcomes.append(outcome)
        return new

    return at_secrets(value, secrets, renew), outcomes


def parse_stored(text):
    """A column's stored text as a value."""
    try:
        return json.loads(text)
    except ValueError:
        # A TEXT column of an earlier release: a bare Fernet token.
        return text
