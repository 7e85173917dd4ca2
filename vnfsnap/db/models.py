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

"""SQLAlchemy models: the database is the contract between API and conductor.

Column names follow the ETSI attribute names in snake case. Structures that
the API only stores and returns (VNFD, VnfInstance copies, ResourceHandles)
are JSON columns; everything the service filters or locks on is a column.
Every secret is in an Encrypted column (vnfsnap.db.types), which stores
it sealed and gives it back in the clear.
"""

from oslo_utils import timeutils
import sqlalchemy as sa
from sqlalchemy import orm
from taskflow.persistence.backends.sqlalchemy import tables as taskflow_tables

from vnfsnap.db import types


def _json():
    return types.BoundedJSON()


def _collection_indexes(table):
    """The indexes a collection pages on (vnfsnap.db.api.iter_collection:
    oldest first, created_at then id), for an administrator who sees every
    project and for a project's own rows (revision 0013)."""
    return (sa.Index('ix_%s_created_at_id' % table, 'created_at', 'id'),
            sa.Index('ix_%s_project_id_created_at_id' % table,
                     'project_id', 'created_at', 'id'))


class Base(orm.DeclarativeBase):

    def as_dict(self):
        return {c.key: getattr(self, c.key)
                for c in sa.inspect(self).mapper.column_attrs}


class TimestampMixin:
    created_at = sa.Column(sa.DateTime, nullable=False,
                           default=timeutils.utcnow)
    updated_at = sa.Column(sa.DateTime, nullable=False,
                           default=timeutils.utcnow,
                           onupdate=timeutils.utcnow)


class VnfInstance(TimestampMixin, Base):
    """A VNF registered (adopted) for snapshot management (SOL003 VnfInstance).

    ``reservation`` holds the id of the LCM operation occurrence that owns the
    instance; it is taken and released atomically so that only one snapshot
    operation runs per VNF at a time.
    """

    __tablename__ = 'vnf_instances'
    __table_args__ = _collection_indexes(__tablename__)

    id = sa.Column(sa.String(36), primary_key=True)
    project_id = sa.Column(sa.String(255), nullable=False, index=True)
    vnf_instance_name = sa.Column(sa.String(255))
    vnf_instance_description = sa.Column(sa.Text)
    vnfd_id = sa.Column(sa.String(255), nullable=False)
    vnf_provider = sa.Column(sa.String(255), nullable=False)
    vnf_product_name = sa.Column(sa.String(255), nullable=False)
    vnf_software_version = sa.Column(sa.String(255), nullable=False)
    vnfd_version = sa.Column(sa.String(255), nullable=False)
    vnfd = sa.Column(_json())
    snapshot_descriptor = sa.Column(_json())
    # {callbackUri, verifyTls, ackTimeout, credentials}
    snapshot_notifications = sa.Column(types.Encrypted([('credentials',)]))
    instantiation_state = sa.Column(sa.String(16), nullable=False)
    vim_connection_info = sa.Column(types.Encrypted([('*', 'accessInfo')]))
    instantiated_vnf_info = sa.Column(_json())
    vnf_configurable_properties = sa.Column(_json())
    vnf_metadata = sa.Column('metadata', _json())
    extensions = sa.Column(_json())
    reservation = sa.Column(sa.String(36), nullable=True)


class VnfSnapshotInfo(TimestampMixin, Base):
    """An "Individual VNF snapshot" resource and, once filled, its VnfSnapshot.

    ``snapshot_id`` is null while the resource is empty; the VnfSnapshot
    attributes live in the ``snapshot_*`` columns and its VNFC snapshots in
    ``vnfc_snapshots``. ``reservation`` is the LCM operation occurrence that
    fills or reverts to it; while set, PATCH and DELETE are refused.
    """

    __tablename__ = 'vnf_snapshot_infos'
    __table_args__ = _collection_indexes(__tablename__)

    id = sa.Column(sa.String(36), primary_key=True)
    project_id = sa.Column(sa.String(255), nullable=False, index=True)
    vnf_snapshot_pkg_id = sa.Column(sa.String(36))
    taken_from = sa.Column(sa.String(36))
    snapshot_id = sa.Column(sa.String(36))
    snapshot_vnf_instance_id = sa.Column(sa.String(36), index=True)
    snapshot_vnfd_id = sa.Column(sa.String(255))
    snapshot_creation_started_at = sa.Column(sa.DateTime)
    snapshot_creation_finished_at = sa.Column(sa.DateTime)
    snapshot_vnf_instance = sa.Column(_json())
    snapshot_vnf_state_snapshot_info = sa.Column(_json())
    snapshot_user_defined_data = sa.Column(_json())
    # The package store key of the VNF state snapshot's content, when this
    # VNFM holds it (vnfsnap.conductor.flows.vnf_state).
    snapshot_vnf_state_key = sa.Column(sa.String(255))
    reservation = sa.Column(sa.String(36), nullable=True)

    vnfc_snapshots = orm.relationship(
        'VnfcSnapshot', lazy='selectin', cascade='all, delete-orphan',
        order_by='VnfcSnapshot.position')


class VnfcSnapshot(Base):
    """One VnfcSnapshotInfo: the state of one VNFC inside a VNF snapshot.

    ``consistency_level`` and ``memory_captured`` record what the flow really
    achieved; ``vim_details`` is the driver's private handle for revert and
    delete, never returned by the API.
    """

    __tablename__ = 'vnfc_snapshots'

    vnf_snapshot_info_id = sa.Column(
        sa.String(36), sa.ForeignKey('vnf_snapshot_infos.id',
                                     ondelete='CASCADE'),
        primary_key=True)
    id = sa.Column(sa.String(255), primary_key=True)
    position = sa.Column(sa.Integer, nullable=False, default=0)
    vnfc_instance_id = sa.Column(sa.String(255), nullable=False)
    vnfc_resource_info_id = sa.Column(sa.String(255))
    creation_started_at = sa.Column(sa.DateTime)
    creation_finished_at = sa.Column(sa.DateTime)
    compute_snapshot_resource = sa.Column(_json())
    storage_snapshot_resources = sa.Column(_json())
    user_defined_data = sa.Column(_json())
    consistency_level = sa.Column(sa.String(32))
    memory_captured = sa.Column(sa.Boolean)
    vim_details = sa.Column(_json())


class VnfLcmOpOcc(TimestampMixin, Base):
    """One run of CREATE_SNAPSHOT, REVERT_TO_SNAPSHOT or MODIFY_INFO (SOL003
    VnfLcmOpOcc).

    ``host`` is the conductor that owns the run; the state only moves through
    compare-and-swap updates in vnfsnap.db.api.
    """

    __tablename__ = 'vnf_lcm_op_occs'
    __table_args__ = _collection_indexes(__tablename__)

    id = sa.Column(sa.String(36), primary_key=True)
    project_id = sa.Column(sa.String(255), nullable=False, index=True)
    vnf_instance_id = sa.Column(sa.String(36), nullable=False, index=True)
    operation = sa.Column(sa.String(32), nullable=False)
    operation_state = sa.Column(sa.String(16), nullable=False, index=True)
    state_entered_time = sa.Column(sa.DateTime, nullable=False)
    start_time = sa.Column(sa.DateTime, nullable=False)
    is_automatic_invocation = sa.Column(sa.Boolean, nullable=False,
                                        default=False)
    is_cancel_pending = sa.Column(sa.Boolean, nullable=False, default=False)
    cancel_mode = sa.Column(sa.String(16))
    operation_params = sa.Column(_json())
    error = sa.Column(_json())
    vnf_snapshot_info_id = sa.Column(sa.String(36), index=True)
    host = sa.Column(sa.String(255))
    # REVERT_TO_SNAPSHOT with safetySnapshot: the VNF snapshot it took of
    # the state it was about to replace.
    safety_vnf_snapshot_info_id = sa.Column(sa.String(36))
    # MODIFY_INFO: SOL003 VnfInfoModifications once applied, and (kept
    # sealed in the database until the occurrence ends) the
    # request with its secrets and what the modification replaced.
    changed_info = sa.Column(_json())
    private_params = sa.Column(types.Encrypted())
    # The deadlines VIMs enforced on the interruptions it caused (guards).
    guards = orm.relationship(
        'OpGuard', lazy='selectin', cascade='all, delete-orphan',
        order_by='OpGuard.position')


class OnlineTest(TimestampMixin, Base):
    """A guarded online test of a VNF (GR NFV-TST 005 clause 4.1.1), the
    record an operator queries: what was asked, each probe round with its
    time, the fault, the verdict, the time to recover, the snapshots and
    the package.

    It is run as the LCM operation occurrence of the same id (operation
    ONLINE_TEST), whose state, error and state time are copied here in
    the transaction that changes them (vnfsnap.db.api.transition_op_occ),
    so that SOL013 filters on them are SQL conditions.
    """

    __tablename__ = 'online_tests'
    __table_args__ = _collection_indexes(__tablename__)

    id = sa.Column(sa.String(36), primary_key=True)
    project_id = sa.Column(sa.String(255), nullable=False, index=True)
    vnf_instance_id = sa.Column(sa.String(36), nullable=False, index=True)
    operation_state = sa.Column(sa.String(16), nullable=False, index=True)
    state_entered_time = sa.Column(sa.DateTime, nullable=False)
    error = sa.Column(_json())
    request = sa.Column(_json(), nullable=False)
    # Where the flow is (states.TEST_PHASES) and, once judged, PASS/FAIL.
    phase = sa.Column(sa.String(32))
    verdict = sa.Column(sa.String(8), index=True)
    # [{phase, at, passed, results: [{probeId, passed, at, latencyMs,
    # detail...}]}], oldest first (bounded: see flows.online_test).
    probe_rounds = sa.Column(_json())
    probe_rounds_dropped = sa.Column(sa.Integer, nullable=False, default=0)
    # The fault as injected: its request, injectedAt, restoredAt, detail.
    fault = sa.Column(_json())
    recovery_time = sa.Column(sa.Float)
    pre_test_vnf_snapshot_info_id = sa.Column(sa.String(36))
    failed_state_vnf_snapshot_info_id = sa.Column(sa.String(36))
    vnf_snapshot_pkg_id = sa.Column(sa.String(36))


class OpGuard(Base):
    """A guard a VIM armed on an interruption of a VNFC's service that an
    op occurrence caused (freeze, pause, power-off, detached volume): what
    undoes it by the deadline when no conductor does. ``record`` is the
    driver's record of it (kind, deadline, state armed / released / fired /
    failed, firedAt...), updated as it changes."""

    __tablename__ = 'op_guards'

    op_occ_id = sa.Column(
        sa.String(36), sa.ForeignKey('vnf_lcm_op_occs.id',
                                     ondelete='CASCADE'),
        primary_key=True)
    vnfc_id = sa.Column(sa.String(255), primary_key=True)
    kind = sa.Column(sa.String(16), primary_key=True)
    # The volume of a detach guard, '' for the others.
    resource_id = sa.Column(sa.String(255), primary_key=True)
    position = sa.Column(sa.Integer, nullable=False)
    record = sa.Column(_json(), nullable=False)


class OpVimResource(Base):
    """A VIM-side resource an op occurrence made and does not hand over yet.

    A CREATE_SNAPSHOT records each VNFC snapshot here as soon as the VIM made
    it, and hands them to the VNF snapshot in the same transaction that
    records it. What is left after a conductor died mid-operation is what a
    retry or rollback must delete first.
    """

    __tablename__ = 'op_vim_resources'

    op_occ_id = sa.Column(
        sa.String(36), sa.ForeignKey('vnf_lcm_op_occs.id',
                                     ondelete='CASCADE'),
        primary_key=True)
    key = sa.Column(sa.String(255), primary_key=True)
    resource = sa.Column(_json(), nullable=False)


class PkgVimResource(Base):
    """A VIM resource a package extraction imported (or is importing) and
    has not handed over to the VNF snapshot yet.

    Recorded before the import starts (with the name the VIM resources
    get) and again with what the import made, so that whoever resumes or
    fails the extraction after a conductor died deletes exactly these.
    No foreign key: the record must outlive nothing but the extraction.
    """

    __tablename__ = 'pkg_vim_resources'

    vnf_snapshot_pkg_id = sa.Column(sa.String(36), primary_key=True)
    key = sa.Column(sa.String(255), primary_key=True)
    resource = sa.Column(_json(), nullable=False)


class VnfSnapshotPkg(TimestampMixin, Base):
    """An "Individual VNF snapshot package" (SOL005 VnfSnapshotPkgInfo).

    The SOL005 attributes are columns named after them; ``operation``,
    ``operation_params`` and ``host`` describe the content operation that
    runs or last ran (build, upload, extract) and the conductor that owns
    it. ``layout`` is what the API needs to serve single artifacts out of
    the stored ZIP; ``credentials`` (of an upload from a URI) and
    ``ext_artifacts_access`` are encrypted as a whole and never returned.
    """

    __tablename__ = 'vnf_snapshot_pkgs'
    __table_args__ = _collection_indexes(__tablename__)

    id = sa.Column(sa.String(36), primary_key=True)
    project_id = sa.Column(sa.String(255), nullable=False, index=True)
    name = sa.Column(sa.String(255), nullable=False)
    user_defined_data = sa.Column(_json())
    state = sa.Column(sa.String(16), nullable=False, index=True)
    is_cancel_pending = sa.Column(sa.Boolean, nullable=False, default=False)
    cancel_cause = sa.Column(sa.Text)
    failure_details = sa.Column(_json())
    operation = sa.Column(sa.String(16))
    operation_params = sa.Column(_json())
    credentials = sa.Column(types.Encrypted())
    host = sa.Column(sa.String(255))
    # how often a conductor resumed the running job after its conductor
    # died (bounded: a job that kills its conductor must not loop)
    job_resumes = sa.Column(sa.Integer, nullable=False, default=0,
                            server_default='0')
    bytes_done = sa.Column(sa.BigInteger)
    bytes_total = sa.Column(sa.BigInteger)
    content_received = sa.Column(sa.Boolean, nullable=False, default=False)
    ext_artifacts_access = sa.Column(types.Encrypted())
    vnf_snapshot_pkg_unique_id = sa.Column(sa.String(36), index=True)
    checksum = sa.Column(_json())
    packaged_at = sa.Column(sa.DateTime)
    vnf_snapshot_id = sa.Column(sa.String(36))
    vnfc_snapshot_info_ids = sa.Column(_json())
    is_full_snapshot = sa.Column(sa.Boolean, nullable=False, default=False)
    vnfd_info = sa.Column(_json())
    vnfsr = sa.Column(_json())
    vnfc_snapshot_images = sa.Column(_json())
    additional_artifacts = sa.Column(_json())
    layout = sa.Column(_json())


class LccnSubscription(TimestampMixin, Base):
    """A subscription to VNF LCM notifications (SOL003 LccnSubscription);
    ``credentials`` (of its SubscriptionAuthentication) are encrypted."""

    __tablename__ = 'lccn_subscriptions'
    __table_args__ = _collection_indexes(__tablename__)

    id = sa.Column(sa.String(36), primary_key=True)
    project_id = sa.Column(sa.String(255), nullable=False, index=True)
    callback_uri = sa.Column(sa.Text, nullable=False)
    filter = sa.Column(_json())
    verbosity = sa.Column(sa.String(16), nullable=False)
    credentials = sa.Column(types.Encrypted())
    # vnfsnap.db.api.subscription_key: the database keeps one subscription
    # per project, callback and filter, however many ask at once (null only
    # on duplicates made before revision 0007).
    dedup_key = sa.Column(sa.String(64), index=True, unique=True)


class OpOccEvent(Base):
    """An op occurrence entered a state (written in the same transaction):
    the outbox the conductors deliver VnfLcmOperationOccurrenceNotifications
    from, so notifications neither block flows nor get lost."""

    __tablename__ = 'op_occ_events'

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    op_occ_id = sa.Column(sa.String(36), nullable=False)
    operation_state = sa.Column(sa.String(16), nullable=False)
    created_at = sa.Column(sa.DateTime, nullable=False,
                           default=timeutils.utcnow)
    # Subscription ids still to deliver to (None: not fanned out yet).
    pending = sa.Column(_json())
    attempts = sa.Column(sa.Integer, nullable=False, default=0)
    next_attempt_at = sa.Column(sa.DateTime, nullable=False,
                                default=timeutils.utcnow, index=True)
    claimed_by = sa.Column(sa.String(255))
    claimed_at = sa.Column(sa.DateTime)


class Conductor(Base):
    """A conductor process and its heartbeat (as Ironic's conductors).

    A conductor whose ``heartbeat_at`` is older than
    ``[conductor]heartbeat_timeout``, or that stopped cleanly (``online``
    false), is offline: a live conductor takes over what it held.
    """

    __tablename__ = 'conductors'

    hostname = sa.Column(sa.String(255), primary_key=True)
    started_at = sa.Column(sa.DateTime, nullable=False)
    heartbeat_at = sa.Column(sa.DateTime, nullable=False)
    online = sa.Column(sa.Boolean, nullable=False)
    version = sa.Column(sa.String(64))
    rpc_api_version = sa.Column(sa.String(16))


# Taskflow's persisted flow progress (migration 0010): the LCM flows record
# every step's state and result here (vnfsnap.conductor.flows.persistence).
def _taskflow_tables(metadata):
    """Taskflow's tables without the UNIQUE constraints it declares on
    its primary keys (redundant; PostgreSQL does not report them back, so
    schema and models would never agree there). Migration 0011 creates
    them the same way."""
    fetched = taskflow_tables.fetch(metadata)
    for table in fetched:
        for constraint in list(table.constraints):
            if (isinstance(constraint, sa.UniqueConstraint)
                    and set(constraint.columns.keys())
                    == set(table.primary_key.columns.keys())):
                table.constraints.discard(constraint)
    return fetched


TASKFLOW = _taskflow_tables(Base.metadata)


class OpLogRecord(Base):
    """A conductor log record of an LCM operation occurrence (its flow,
    its notifications), masked of secrets, for the diagnostics part of a
    root-cause package (vnfsnap.common.oplog). Bounded per occurrence
    and in age by [diagnostics]."""

    __tablename__ = 'op_log_records'

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    vnf_instance_id = sa.Column(sa.String(36), nullable=False, index=True)
    op_occ_id = sa.Column(sa.String(36), nullable=False, index=True)
    request_id = sa.Column(sa.String(64))
    created_at = sa.Column(sa.DateTime, nullable=False, index=True)
    level = sa.Column(sa.String(16), nullable=False)
    logger = sa.Column(sa.String(255), nullable=False)
    host = sa.Column(sa.String(255))
    message = sa.Column(sa.Text, nullable=False)
