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

"""Every stored secret sealed in an Encrypted column.

VIM accessInfo (vnf_instances.vim_connection_info) was stored in the
clear; the credentials of snapshot notification endpoints, subscriptions
and package imports were bare Fernet tokens, those of subscriptions and
package imports (credentials, ext_artifacts_access) in TEXT columns. Each
becomes a sealed value (vnfsnap.common.crypto) in a JSON column
(vnfsnap.db.types.Encrypted), under the key in
[DEFAULT]credentials_key_file. vnf_lcm_op_occs.private_params, Encrypted
too, is left out: 0007 made it, and nothing stores into it before 0008.

When that key file is missing, it is created (as the services would the
first time they store a secret) only if nothing an earlier release
encrypted is stored: what was encrypted needs the key that did it, so the
migration then stops with an error naming the file and changes nothing.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa

from vnfsnap.common import crypto
from vnfsnap.common import exception
from vnfsnap.db import types

revision = '0008'
down_revision = '0007'

# (table, column, where its secrets are, a TEXT column before)
SECRETS = (
    ('vnf_instances', 'vim_connection_info', [('*', 'accessInfo')], False),
    ('vnf_instances', 'snapshot_notifications', [('credentials',)], False),
    ('lccn_subscriptions', 'credentials', [()], True),
    ('vnf_snapshot_pkgs', 'credentials', [()], True),
    ('vnf_snapshot_pkgs', 'ext_artifacts_access', [()], True),
)


def upgrade():
    conn = op.get_bind()
    found = _stored(conn)
    if found:
        try:
            keys = crypto.keyring(create='encrypted' not in found)
        except exception.CredentialsKeyError as e:
            raise exception.CredentialsKeyError(
                reason='sealing the stored secrets (migration 0008) needs '
                       'the key that encrypted the stored credentials: %s'
                       % e.kwargs['reason']) from None
        for table, column, secrets, _ in SECRETS:
            done = types.renew_rows(conn, table, column, secrets, keys)
            if done.failures:
                row_id, e = done.failures[0]
                raise exception.CredentialsKeyError(
                    reason='%s %s (%s): %s' % (table, row_id, column,
                                               e.kwargs['reason']))
    # Written as JSON text first, so that MariaDB accepts the new type.
    for table, column, _, text in SECRETS:
        if text:
            with op.batch_alter_table(table) as batch:
                batch.alter_column(
                    column, existing_type=sa.Text(),
                    type_=sa.JSON(none_as_null=True),
                    postgresql_using='%s::json' % column)


def _stored(conn):
    """What is stored: 'encrypted' (by an earlier release), 'secrets'."""
    found = set()
    for table, column, secrets, _ in SECRETS:
        t = sa.table(table, sa.column(column))
        for (text,) in conn.execute(sa.select(
                sa.cast(t.c[column], sa.Text)).where(
                    t.c[column].is_not(None))):
            values = []
            types.at_secrets(types.parse_stored(text), secrets,
                             values.append)
            if values:
                found.add('secrets')
            if any(isinstance(v, str) for v in values):
                found.add('encrypted')
    return found
