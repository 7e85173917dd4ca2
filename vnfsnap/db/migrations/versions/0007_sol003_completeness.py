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


"""SOL003 completeness: atomic subscriptions, MODIFY_INFO, VNF state
snapshots.

One LCM notification subscription per project, callback URI and filter,
kept by a unique key rather than by a check that identical requests could
all pass at once. Subscriptions such a race already stored twice keep
working: the oldest gets the key, the others none (delete them to stop
their duplicate notifications).

A MODIFY_INFO occurrence records its changedInfo, and keeps its request's
secrets and what it replaced encrypted until it ends.

A VNF snapshot knows where the content of its VNF state snapshot is.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""

import hashlib
import json

from alembic import op
import sqlalchemy as sa

revision = '0007'
down_revision = '0006'


def _subscription_key(project_id, callback_uri, subscription_filter):
    # Frozen copy of vnfsnap.db.api.subscription_key as of this revision.
    canonical = json.dumps([project_id, callback_uri,
                            subscription_filter or {}],
                           sort_keys=True, separators=(',', ':'))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _key_subscriptions():
    subs = sa.table('lccn_subscriptions', sa.column('id'),
                    sa.column('project_id'), sa.column('callback_uri'),
                    sa.column('filter', sa.JSON(none_as_null=True)),
                    sa.column('created_at'), sa.column('dedup_key'))
    conn = op.get_bind()
    seen = set()
    rows = conn.execute(sa.select(
        subs.c.id, subs.c.project_id, subs.c.callback_uri,
        subs.c.filter).order_by(subs.c.created_at, subs.c.id)).all()
    for row in rows:
        key = _subscription_key(row.project_id, row.callback_uri,
                                row.filter)
        if key in seen:
            continue
        seen.add(key)
        conn.execute(subs.update().where(subs.c.id == row.id).values(
            dedup_key=key))


def upgrade():
    op.add_column('lccn_subscriptions',
                  sa.Column('dedup_key', sa.String(64), nullable=True))
    _key_subscriptions()
    op.create_index('ix_lccn_subscriptions_dedup_key', 'lccn_subscriptions',
                    ['dedup_key'], unique=True)
    op.add_column('vnf_lcm_op_occs',
                  sa.Column('changed_info', sa.JSON(none_as_null=True),
                            nullable=True))
    op.add_column('vnf_lcm_op_occs',
                  sa.Column('private_params', sa.JSON(none_as_null=True),
                            nullable=True))
    op.add_column('vnf_snapshot_infos',
                  sa.Column('snapshot_vnf_state_key', sa.String(255),
                            nullable=True))
