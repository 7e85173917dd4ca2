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

"""SOL003 representations of the stored rows.

Shared by the API (responses) and the conductor (the VnfInstance copy inside
a VnfSnapshot), so both speak exactly the same shape.
"""

import copy
import datetime
import http

from vnfsnap.common import exception
from vnfsnap.common import states

LCM = '/vnflcm/v2'


def isotime(value):
    """DateTime as SOL013 wants it: ISO 8601, UTC, 'Z' suffix."""
    if value is None:
        return None
    return value.replace(microsecond=0).isoformat() + 'Z'


def isotime_ms(value):
    """Like isotime, keeping milliseconds (for freeze timings)."""
    return value.isoformat(timespec='milliseconds') + 'Z'


def link(base, path):
    return {'href': '%s%s%s' % (base or '', LCM, path)}


def _compact(d):
    """Drop attributes that are absent (0..1 cardinality, value None)."""
    return {k: v for k, v in d.items() if v is not None}


def public_vim_connection_info(infos):
    """VimConnectionInfo without accessInfo: credentials are write-only."""
    if infos is None:
        return None
    return {key: ({k: v for k, v in info.items() if k != 'accessInfo'}
                  if isinstance(info, dict) else info)
            for key, info in infos.items()}


# What vnfsnap shows for a VNFC whose connection points the registration
# did not describe (doc/source/user/registration.rst).
_UNDESCRIBED = ('not described at registration: vnfsnap represents the '
                'VNFC by one external CP without protocol information')


def ext_cp_info(info):
    """instantiatedVnfInfo with extCpInfo, which SOL003 wants (1..N).

    Kept as registered when given. Otherwise derived: one external CP per
    vnfExtCpId of the VNFC CPs (the VNFC CP that exposes it first gives
    its cpdId and protocol information); and when no VNFC CP is exposed,
    one per VNFC, through a VNFC CP added to its vnfcCpInfo, both marked
    in their metadata as undescribed. Anything that is not a registered
    instantiatedVnfInfo (a copy given by a client) is left as it is.
    """
    if not isinstance(info, dict) or info.get('extCpInfo'):
        return info
    vnfcs = info.get('vnfcResourceInfo')
    if not isinstance(vnfcs, list) or not vnfcs or not all(
            isinstance(v, dict) and 'id' in v for v in vnfcs):
        return info
    info = copy.deepcopy(info)
    exposed = {}
    for vnfc in info['vnfcResourceInfo']:
        for cp in vnfc.get('vnfcCpInfo') or ():
            ext_id = cp.get('vnfExtCpId')
            if ext_id is not None and ext_id not in exposed:
                exposed[ext_id] = {
                    'id': ext_id, 'cpdId': cp['cpdId'], 'cpConfigId': ext_id,
                    'cpProtocolInfo': cp.get('cpProtocolInfo') or [],
                    'associatedVnfcCpId': cp['id']}
    if not exposed:
        for vnfc in info['vnfcResourceInfo']:
            cp_id, ext_id = vnfc['id'] + '-cp', vnfc['id'] + '-ext-cp'
            marker = {'vnfsnapDerived': _UNDESCRIBED}
            vnfc.setdefault('vnfcCpInfo', []).append({
                'id': cp_id, 'cpdId': cp_id, 'vnfExtCpId': ext_id,
                'metadata': marker})
            exposed[ext_id] = {
                'id': ext_id, 'cpdId': ext_id, 'cpConfigId': ext_id,
                'cpProtocolInfo': [], 'associatedVnfcCpId': cp_id,
                'metadata': marker}
    info['extCpInfo'] = list(exposed.values())
    return info


def _with_ext_cp_info(instance):
    """A VnfInstance representation whose instantiatedVnfInfo has
    extCpInfo (copies taken before it was shown lack it)."""
    if not isinstance(instance, dict):
        return instance
    info = instance.get('instantiatedVnfInfo')
    mended = ext_cp_info(info)
    return instance if mended is info else dict(
        instance, instantiatedVnfInfo=mended)


def vnf_instance(obj, base):
    path = '/vnf_instances/%s' % obj.id
    links = {'self': link(base, path)}
    if obj.instantiation_state == states.INSTANTIATED:
        links['createSnapshot'] = link(base, path + '/create_snapshot')
        links['revertToSnapshot'] = link(base, path + '/revert_to_snapshot')
    return _compact({
        'id': obj.id,
        'vnfInstanceName': obj.vnf_instance_name,
        'vnfInstanceDescription': obj.vnf_instance_description,
        'vnfdId': obj.vnfd_id,
        'vnfProvider': obj.vnf_provider,
        'vnfProductName': obj.vnf_product_name,
        'vnfSoftwareVersion': obj.vnf_software_version,
        'vnfdVersion': obj.vnfd_version,
        'vnfConfigurableProperties': obj.vnf_configurable_properties,
        'vimConnectionInfo': public_vim_connection_info(
            obj.vim_connection_info),
        'instantiationState': obj.instantiation_state,
        'instantiatedVnfInfo': ext_cp_info(obj.instantiated_vnf_info),
        'metadata': obj.vnf_metadata,
        'extensions': obj.extensions,
        '_links': links,
    })


def vnfc_snapshot_info(row):
    compute = row.compute_snapshot_resource
    if compute is not None:
        # What the flow really achieved travels in the ResourceHandle's
        # additional info, a slot SOL003 provides for VIM-level details.
        compute = dict(compute)
        extra = dict(compute.get('vimLevelAdditionalResourceInfo') or {})
        info = dict(extra.get('additionalInfo') or {})
        if row.consistency_level is not None:
            info['consistencyLevel'] = row.consistency_level
        if row.memory_captured is not None:
            info['memoryCaptured'] = row.memory_captured
        for key, name in (('quiesced_at', 'quiescedAt'),
                          ('thawed_at', 'thawedAt'),
                          ('vnf_paused_at', 'vnfPausedAt'),
                          ('vnf_unpaused_at', 'vnfUnpausedAt'),
                          ('vnf_prepared_at', 'vnfPreparedAt')):
            if (row.vim_details or {}).get(key):
                info[name] = row.vim_details[key]
        if (row.vim_details or {}).get('detached_volumes'):
            info['detachedVolumes'] = sorted(
                row.vim_details['detached_volumes'])
        if info:
            extra['additionalInfo'] = info
            compute['vimLevelAdditionalResourceInfo'] = extra
    return _compact({
        'id': row.id,
        'vnfcInstanceId': row.vnfc_instance_id,
        'creationStartedAt': isotime(row.creation_started_at),
        'creationFinishedAt': isotime(row.creation_finished_at),
        'vnfcResourceInfoId': row.vnfc_resource_info_id,
        'computeSnapshotResource': compute,
        'storageSnapshotResources': row.storage_snapshot_resources,
        'userDefinedData': row.user_defined_data,
    })


def vnf_snapshot(obj, base):
    """The VnfSnapshot inside a VnfSnapshotInfo, or None while empty."""
    if obj.snapshot_id is None:
        return None
    path = '/vnf_snapshots/%s' % obj.id
    links = {'self': link(base, path)}
    if obj.snapshot_vnf_state_key:
        # Only when this VNFM holds the content (not for a VnfSnapshot a
        # client or a package gave).
        links['vnfStateSnapshot'] = link(base, path + '/vnf_state_snapshot')
    return _compact({
        'id': obj.snapshot_id,
        'vnfInstanceId': obj.snapshot_vnf_instance_id,
        'creationStartedAt': isotime(obj.snapshot_creation_started_at),
        'creationFinishedAt': isotime(obj.snapshot_creation_finished_at),
        'vnfdId': obj.snapshot_vnfd_id,
        'vnfInstance': _with_ext_cp_info(obj.snapshot_vnf_instance),
        'vnfcSnapshots': [vnfc_snapshot_info(r) for r in obj.vnfc_snapshots],
        'vnfStateSnapshotInfo': obj.snapshot_vnf_state_snapshot_info,
        'userDefinedData': obj.snapshot_user_defined_data,
        '_links': links,
    })


def parse_time(value):
    """ISO 8601 text to a naive UTC datetime (how the database keeps it)."""
    if value is None:
        return None
    parsed = datetime.datetime.fromisoformat(value.replace('Z', '+00:00'))
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(datetime.timezone.utc).replace(
            tzinfo=None)
    return parsed


def without_access_info(value):
    """``value`` (a VnfInstance copy, a VnfInfoModificationRequest) with
    its vimConnectionInfo as vnf_instance() gives it: any accessInfo is
    left out, never stored nor answered where it is not needed."""
    if isinstance(value.get('vimConnectionInfo'), dict):
        value = dict(value, vimConnectionInfo=public_vim_connection_info(
            value['vimConnectionInfo']))
    return value


def vnf_snapshot_values(snap):
    """Columns and VNFC snapshot rows for a VnfSnapshot given by a client
    or read from a VNF snapshot package: the inverse of vnf_snapshot."""
    ids = [v['id'] for v in snap['vnfcSnapshots']]
    if len(set(ids)) != len(ids):
        raise exception.UnprocessableEntity(
            reason='vnfSnapshot/vnfcSnapshots ids are not unique')
    values = {
        'snapshot_id': snap['id'],
        'snapshot_vnf_instance_id': snap['vnfInstanceId'],
        'snapshot_vnfd_id': snap['vnfdId'],
        'snapshot_creation_started_at': parse_time(snap['creationStartedAt']),
        'snapshot_creation_finished_at': parse_time(
            snap.get('creationFinishedAt')),
        'snapshot_vnf_instance': without_access_info(snap['vnfInstance']),
        'snapshot_vnf_state_snapshot_info': snap.get('vnfStateSnapshotInfo'),
        'snapshot_user_defined_data': snap.get('userDefinedData'),
    }
    vnfcs = [{
        'id': v['id'],
        'vnfc_instance_id': v['vnfcInstanceId'],
        'vnfc_resource_info_id': v['vnfcResourceInfoId'],
        'creation_started_at': parse_time(v['creationStartedAt']),
        'creation_finished_at': parse_time(v.get('creationFinishedAt')),
        'compute_snapshot_resource': v.get('computeSnapshotResource'),
        'storage_snapshot_resources': v.get('storageSnapshotResources'),
        'user_defined_data': v.get('userDefinedData'),
    } for v in snap['vnfcSnapshots']]
    return values, vnfcs


def vnf_snapshot_info(obj, base):
    links = {'self': link(base, '/vnf_snapshots/%s' % obj.id)}
    if obj.taken_from:
        links['takenFrom'] = link(base, '/vnf_instances/%s' % obj.taken_from)
    return _compact({
        'id': obj.id,
        'vnfSnapshotPkgId': obj.vnf_snapshot_pkg_id,
        'vnfSnapshot': vnf_snapshot(obj, base),
        '_links': links,
    })


def _camel(name):
    head, *rest = name.split('_')
    return head + ''.join(word.capitalize() for word in rest)


def vim_capabilities(entry):
    """One VNFC's entry of the vim_capabilities extension resource."""
    return _compact({
        'vnfcResourceInfoId': entry['vnfc_resource_info_id'],
        'vimConnectionId': entry.get('vim_connection_id'),
        'capabilities': {_camel(k): v for k, v in
                         entry['capabilities'].items()}
        if 'capabilities' in entry else None,
        'error': entry.get('error'),
    })


def vnf_lcm_op_occ(obj, base):
    path = '/vnf_lcm_op_occs/%s' % obj.id
    links = {'self': link(base, path),
             'vnfInstance': link(base, '/vnf_instances/%s'
                                 % obj.vnf_instance_id)}
    if obj.vnf_snapshot_info_id:
        links['vnfSnapshot'] = link(base, '/vnf_snapshots/%s'
                                    % obj.vnf_snapshot_info_id)
    if obj.safety_vnf_snapshot_info_id:
        # vnfsnap extension: what a revert saved before replacing it.
        links['safetyVnfSnapshot'] = link(
            base, '/vnf_snapshots/%s' % obj.safety_vnf_snapshot_info_id)
    for task in states.allowed_tasks(obj.operation, obj.operation_state):
        links[task] = link(base, '%s/%s' % (path, task))
    return _compact({
        'id': obj.id,
        'operationState': obj.operation_state,
        'stateEnteredTime': isotime(obj.state_entered_time),
        'startTime': isotime(obj.start_time),
        'vnfInstanceId': obj.vnf_instance_id,
        'operation': obj.operation,
        'isAutomaticInvocation': bool(obj.is_automatic_invocation),
        'operationParams': obj.operation_params,
        'isCancelPending': bool(obj.is_cancel_pending),
        # SOL003: present while a cancellation is pending, absent otherwise.
        'cancelMode': obj.cancel_mode if obj.is_cancel_pending else None,
        'error': obj.error,
        'changedInfo': obj.changed_info,
        'vnfSnapshotInfoId': obj.vnf_snapshot_info_id,
        # vnfsnap extension: the deadlines the VIM enforced on what the
        # operation interrupted (doc/source/admin/guards.rst).
        'guards': [_guard(g) for g in getattr(obj, 'guards', None) or ()]
        or None,
        '_links': links,
    })


def online_test(obj, base):
    """An online test (vnfsnap extension, GR NFV-TST 005 clause 4.1.1):
    its request, LCM-style state, verdict and record."""
    parent = '/vnf_instances/%s' % obj.vnf_instance_id
    path = '%s/online_tests/%s' % (parent, obj.id)
    links = {'self': link(base, path), 'vnfInstance': link(base, parent),
             'vnfLcmOpOcc': link(base, '/vnf_lcm_op_occs/%s' % obj.id)}
    if obj.operation_state in states.ACTIVE_STATES:
        links['abort'] = link(base, path + '/abort')
    for name, info_id in (
            ('preTestVnfSnapshot', obj.pre_test_vnf_snapshot_info_id),
            ('failedStateVnfSnapshot',
             obj.failed_state_vnf_snapshot_info_id)):
        if info_id:
            links[name] = link(base, '/vnf_snapshots/%s' % info_id)
    if obj.vnf_snapshot_pkg_id:
        links['vnfSnapshotPkg'] = {'href': '%s/vnfsnapshotpkgm/v1/'
                                   'vnf_snapshot_packages/%s'
                                   % (base, obj.vnf_snapshot_pkg_id)}
    return _compact({
        'id': obj.id,
        'vnfInstanceId': obj.vnf_instance_id,
        'operationState': obj.operation_state,
        'stateEnteredTime': isotime(obj.state_entered_time),
        'startTime': isotime(obj.created_at),
        'phase': obj.phase,
        'verdict': obj.verdict,
        'recoveryTime': obj.recovery_time,
        'request': obj.request,
        'fault': obj.fault,
        'probeRounds': obj.probe_rounds or [],
        'probeRoundsDropped': obj.probe_rounds_dropped or None,
        'preTestVnfSnapshotInfoId': obj.pre_test_vnf_snapshot_info_id,
        'failedStateVnfSnapshotInfoId':
            obj.failed_state_vnf_snapshot_info_id,
        'vnfSnapshotPkgId': obj.vnf_snapshot_pkg_id,
        'error': obj.error,
        '_links': links,
    })


def _guard(row):
    """One guard of an op occurrence (vnfsnap extension)."""
    return _compact(dict({k: v for k, v in row.record.items()
                          if k != 'vnfcId'}, vnfcInstanceId=row.vnfc_id))


def lccn_subscription(obj, base):
    """SOL003 LccnSubscription; its credentials are never shown."""
    return _compact({
        'id': obj.id,
        'filter': obj.filter,
        'callbackUri': obj.callback_uri,
        'verbosity': obj.verbosity,
        '_links': {'self': link(base, '/subscriptions/%s' % obj.id)},
    })


def conductor(view, base):
    """A conductor (vnfsnap administration API), from
    db_api.get_conductor's view: its liveness and the work it holds."""
    return _compact({
        'hostname': view['hostname'],
        'alive': view['alive'],
        'online': view['online'],
        'startedAt': isotime(view['started_at']),
        'heartbeatAt': isotime(view['heartbeat_at']),
        'version': view['version'],
        'rpcApiVersion': view['rpc_api_version'],
        'vnfLcmOpOccIds': view['lcm_op_occ_ids'],
        'vnfSnapshotPkgIds': view['vnf_snapshot_pkg_ids'],
        '_links': {'self': {'href': '%s/vnfsnap/v1/conductors/%s' % (
            base or '', view['hostname'])}},
    })


# Longest ProblemDetails detail and title: an error about a huge value
# says what is wrong without repeating the value whole.
MAX_DETAIL = 2048
MAX_TITLE = 256
_TRUNCATED = ' [... truncated by vnfsnap: %d characters in all]'


def bounded_text(text, limit):
    """``text``, or its beginning with a marker that says it was cut, in
    at most ``limit`` characters."""
    if len(text) <= limit:
        return text
    marker = _TRUNCATED % len(text)
    return text[:max(limit - len(marker), 0)] + marker


def problem_details(status, detail=None, title=None):
    """The ProblemDetails (RFC 7807) of an error answer; ``detail`` and
    ``title`` (the status phrase when not given) are cut to a bounded
    length, as they may quote what the client sent."""
    status = int(status)
    phrase = http.HTTPStatus(status).phrase
    return {'type': 'about:blank',
            'title': bounded_text(str(title or phrase), MAX_TITLE),
            'status': status,
            'detail': bounded_text(str(detail or phrase), MAX_DETAIL)}


def problem(exc):
    """ProblemDetails of a failure, for an op occurrence's ``error`` and a
    package's ``failureDetails``."""
    if isinstance(exc, exception.VnfsnapException):
        status, detail = int(exc.code), exc.message
    else:
        status = int(http.HTTPStatus.INTERNAL_SERVER_ERROR)
        detail = '%s: %s' % (type(exc).__name__, exc)
    return {'status': status, 'detail': bounded_text(detail, MAX_DETAIL),
            'title': http.HTTPStatus(status).phrase}


PKGM = '/vnfsnapshotpkgm/v1'


def vnf_snapshot_pkg_info(obj, base):
    """SOL005 VnfSnapshotPkgInfo, plus the vnfsnap extensions ``progress``
    ({bytesDone, bytesTotal}) while a content operation runs and
    ``signature`` ({signed, verified, signer, signerSha256, reason}) once
    the content was verified."""
    href = '%s%s/vnf_snapshot_packages/%s' % (base or '', PKGM, obj.id)
    active = obj.state in states.PKG_ACTIVE_STATES
    progress = None
    if active:
        progress = _compact({'bytesDone': obj.bytes_done or 0,
                             'bytesTotal': obj.bytes_total})
    return _compact({
        'id': obj.id,
        'vnfSnapshotPkgUniqueId': obj.vnf_snapshot_pkg_unique_id,
        'name': obj.name,
        'checksum': obj.checksum,
        'createdAt': isotime(obj.packaged_at),
        'vnfSnapshotId': obj.vnf_snapshot_id,
        'vnfcSnapshotInfoIds': obj.vnfc_snapshot_info_ids,
        'isFullSnapshot': bool(obj.is_full_snapshot),
        'vnfdInfo': obj.vnfd_info,
        'vnfsr': obj.vnfsr,
        'vnfcSnapshotImages': obj.vnfc_snapshot_images,
        'additionalArtifacts': obj.additional_artifacts,
        'state': obj.state,
        # SOL005: true only while an operation runs and is being cancelled.
        'isCancelPending': bool(obj.is_cancel_pending) and active,
        'failureDetails': obj.failure_details if obj.state in (
            states.PKG_ERROR, states.PKG_ERROR_EXTRACTING) else None,
        'userDefinedData': obj.user_defined_data,
        'progress': progress,
        'signature': (obj.layout or {}).get('signature'),
        '_links': {'self': {'href': href},
                   'packageContent': {'href': href + '/package_content'}},
    })
