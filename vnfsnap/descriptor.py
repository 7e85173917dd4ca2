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

"""The VNF snapshot descriptor (GR NFV-TST 005 table 7.3-1, Vnfsd.001-018).

A VNF carries one, at registration (``snapshotDescriptor``) or inside its
VNFD as an extension of VnfLcmOperationsConfiguration
(``vnfd.vnfLcmOperationsConfiguration.snapshot``), and it governs what
snapshot operations may do to the VNF. Rules per VNFC are keyed by the
VNFC's ``vduId``. A request's ``additionalParams`` may narrow what the
descriptor allows, never widen it.
"""

import dataclasses
import datetime
import zoneinfo

from vnfsnap.common import exception
from vnfsnap.common import schemas
import vnfsnap.conf

CONF = vnfsnap.conf.CONF

DAYS = ('MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN')
_TIME = {'type': 'string', 'pattern': r'^([01][0-9]|2[0-3]):[0-5][0-9]$'}
_ANY_OF = {'internal', 'external', 'any'}

_GRANT = {'enum': ['none', 'policy', 'nfvo']}

_OPERATION = {
    'type': 'object',
    'properties': {
        'allowed': {'type': 'boolean'},                     # 001 / 002
        'grant': _GRANT,                                    # 015
    },
    'additionalProperties': False,
}

_VNFC_RULES = {
    'type': 'object',
    'properties': {
        'include': {'type': 'boolean'},                     # 003
        'snapshotType': {'enum': ['cold', 'warm', 'any']},  # 005
        'memory': {'enum': sorted(_ANY_OF)},                # 006
        'disk': {                                           # 007
            'type': 'object',
            'properties': {
                'location': {'enum': sorted(_ANY_OF)},
                'mode': {'enum': ['sequential', 'incremental', 'any']},
            },
            'additionalProperties': False,
        },
        'powerOffBefore': {'type': 'boolean'},              # 009
        'powerOffAfter': {'type': 'boolean'},               # 009
        'powerOnAfter': {'type': 'boolean'},                # 010
        'detachDisksBefore': {'type': 'boolean'},           # 011
        'attachDisksAfter': {'type': 'boolean'},            # 012
        'snapshotWhenPoweredOff': {'type': 'boolean'},      # 013
        'revertWhenPoweredOn': {'type': 'boolean'},         # 014
        'volumes': {                                        # 016
            'type': 'array', 'uniqueItems': True,
            'items': {'type': 'string', 'minLength': 1,
                      'maxLength': 255}},
    },
    'additionalProperties': False,
}

_ORDER = {                                                  # 017 / 018
    'type': 'array', 'minItems': 1,
    'items': {'type': 'array', 'minItems': 1, 'uniqueItems': True,
              'items': {'type': 'string', 'minLength': 1,
                        'maxLength': 255}},
}

SCHEMA = {
    'type': 'object',
    'properties': {
        'createSnapshot': _OPERATION,
        'revertToSnapshot': _OPERATION,
        'timeWindows': {                                    # 004
            'type': 'array', 'minItems': 1,
            'items': {
                'type': 'object',
                'properties': {
                    'days': {'type': 'array', 'minItems': 1,
                             'uniqueItems': True,
                             'items': {'enum': list(DAYS)}},
                    'start': _TIME,
                    'stop': _TIME,
                    'timeZone': {'type': 'string', 'minLength': 1,
                                 'maxLength': 64},
                },
                'required': ['days', 'start', 'stop'],
                'additionalProperties': False,
            },
        },
        'consistentOnly': {'type': 'boolean'},              # 008
        'vnfcs': {'type': 'object', 'additionalProperties': _VNFC_RULES},
        'createOrder': _ORDER,
        'revertOrder': _ORDER,
    },
    'additionalProperties': False,
}


def _key(operation, create, revert):
    """The descriptor key of ``operation`` (CREATE_SNAPSHOT or
    REVERT_TO_SNAPSHOT)."""
    return create if operation == 'CREATE_SNAPSHOT' else revert


def from_vnfd(vnfd):
    """The descriptor inside a VNFD, or None."""
    config = (vnfd or {}).get('vnfLcmOperationsConfiguration') or {}
    return config.get('snapshot') if isinstance(config, dict) else None


def validate(document, where='snapshotDescriptor'):
    """Raise UnprocessableEntity unless ``document`` is a valid descriptor:
    its schema, known time zones and order groups naming each VDU once."""
    error = schemas.first_error(SCHEMA, document)
    if error:
        raise exception.UnprocessableEntity(
            reason='%s: %s' % (where, error))
    for i, window in enumerate(document.get('timeWindows') or ()):
        if window['start'] == window['stop']:
            raise exception.UnprocessableEntity(
                reason='%s: timeWindows/%d: start and stop are the same '
                       'time' % (where, i))
        _zone(window.get('timeZone'), '%s: timeWindows/%d' % (where, i))
    for key in ('createOrder', 'revertOrder'):
        seen = set()
        for group in document.get(key) or ():
            twice = seen & set(group)
            if twice:
                raise exception.UnprocessableEntity(
                    reason='%s: %s names VDU %s in more than one group'
                    % (where, key, ', '.join(sorted(twice))))
            seen |= set(group)
    for vdu, rules in (document.get('vnfcs') or {}).items():
        if rules.get('attachDisksAfter') and not rules.get(
                'detachDisksBefore'):
            raise exception.UnprocessableEntity(
                reason='%s: vnfcs/%s: attachDisksAfter puts back the '
                       'volumes detachDisksBefore detached; it needs '
                       'detachDisksBefore: true' % (where, vdu))


def _zone(name, where):
    try:
        return zoneinfo.ZoneInfo(name or 'UTC')
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise exception.UnprocessableEntity(
            reason='%s: unknown timeZone %r' % (where, name)) from None


@dataclasses.dataclass(frozen=True)
class VolumePlan:
    """What a snapshot does with one VNFC's volumes."""

    kept: tuple          # taken with the VNFC
    left_out: tuple      # not taken
    detach: bool         # the left-out volumes are detached for the capture
    attach_after: bool   # ... and attached again after it


class Descriptor:
    """The rules of one VNF's snapshot descriptor (empty: allow all)."""

    def __init__(self, document):
        self.doc = document or {}

    @classmethod
    def of(cls, instance):
        """The descriptor given at registration, else the VNFD's."""
        return cls(instance.snapshot_descriptor
                   or from_vnfd(instance.vnfd))

    def vnfc_rules(self, vdu_id):
        return (self.doc.get('vnfcs') or {}).get(vdu_id) or {}

    # --- checks at request time (the API answers 409 / 422) ---------------

    def check_allowed(self, operation):
        """Vnfsd.001 / 002."""
        key = _key(operation, 'createSnapshot', 'revertToSnapshot')
        if (self.doc.get(key) or {}).get('allowed', True) is False:
            raise exception.Conflict(
                'the VNF\'s snapshot descriptor forbids %s (%s.allowed is '
                'false)' % (operation, key))

    def check_time(self, now=None):
        """Vnfsd.004: a snapshot only inside one of the time windows."""
        windows = self.doc.get('timeWindows')
        if not windows:
            return
        now = now or datetime.datetime.now(datetime.timezone.utc)
        for window in windows:
            if _inside(window, now):
                return
        raise exception.Conflict(
            'the VNF\'s snapshot descriptor allows snapshots only in its '
            'time windows (%s); it is %s UTC' % (
                '; '.join(_describe(w) for w in windows),
                now.astimezone(datetime.timezone.utc).strftime(
                    '%a %H:%M')))

    def check_create(self, params, info):
        """Vnfsd.005, 008 and 016 against a CREATE_SNAPSHOT's
        additionalParams (narrowing is fine, widening is refused); ``info``
        is the VNF instance's instantiatedVnfInfo."""
        vnfcs = self.chosen(info.get('vnfcResourceInfo') or [],
                            params.get('vnfcInstanceIds'))
        if params.get('withMemory'):
            cold = sorted({v['vduId'] for v in vnfcs
                           if self.included(v['vduId'])
                           and self.vnfc_rules(v['vduId']).get(
                               'snapshotType') == 'cold'})
            if cold:
                raise exception.UnprocessableEntity(
                    reason='withMemory asks for warm snapshots, but the '
                           'snapshot descriptor makes VDU(s) %s cold'
                           % ', '.join(cold))
        for vdu in sorted({v['vduId'] for v in vnfcs
                           if self.included(v['vduId'])}):
            self._check_methods(vdu, params.get('withMemory', False))
        self._check_left_out(params.get('withMemory', False), info)
        if self.doc.get('consistentOnly') and not (
                params.get('quiesce', True) or params.get('pauseVnf')):
            raise exception.UnprocessableEntity(
                reason='the snapshot descriptor asks for consistent '
                       'snapshots only (consistentOnly); quiesce: false '
                       'needs pauseVnf: true')

    def _check_methods(self, vdu_id, asked):
        """Vnfsd.006 / 007: vnfsnap's drivers take external, full disk
        snapshots and keep memory in a file of their own; a descriptor
        that needs otherwise is refused, never silently ignored."""
        rules = self.vnfc_rules(vdu_id)
        disk = rules.get('disk') or {}
        wanted = []
        if disk.get('location') == 'internal':
            wanted.append('internal disk snapshots')
        if disk.get('mode') == 'incremental':
            wanted.append('incremental disk snapshots')
        if (rules.get('memory') == 'internal'
                and self.wants_memory(vdu_id, asked)):
            wanted.append('memory kept inside the disk images')
        if wanted:
            raise exception.UnprocessableEntity(
                reason='the snapshot descriptor asks for %s for VDU %s; '
                       'vnfsnap takes external, full snapshots (memory in '
                       'a file of its own)'
                % (' and '.join(wanted), vdu_id))

    def _check_left_out(self, asked, info):
        """Vnfsd.016 with 005: a warm snapshot restores memory that
        believes its volumes are as they were; a volume the snapshot leaves
        out but that stays attached would have changed under it, so only
        detached volumes (011) may be left out of warm snapshots."""
        storage = {s['id']: s for s in
                   info.get('virtualStorageResourceInfo') or ()}
        for vnfc in info.get('vnfcResourceInfo') or ():
            vdu = vnfc.get('vduId')
            if not self.included(vdu) or not self.wants_memory(vdu, asked):
                continue
            plan = self.volume_plan(vdu, [
                storage[i] for i in vnfc.get('storageResourceIds') or ()
                if i in storage])
            if plan.left_out and not plan.detach:
                raise exception.UnprocessableEntity(
                    reason='VNFC %s (VDU %s) is snapshotted warm but the '
                           'snapshot descriptor leaves its volume(s) %s '
                           'out while attached: restoring its memory over '
                           'volumes that changed would corrupt them; set '
                           'detachDisksBefore or take the snapshot cold'
                           % (vnfc['id'], vdu, ', '.join(
                               s['id'] for s in plan.left_out)))

    def volume_plan(self, vdu_id, storage):
        """Vnfsd.016, 011, 012: which of a VNFC's volumes (its
        virtualStorageResourceInfo entries) the snapshot takes, and which
        it leaves out, detached before the capture and attached again
        after it (and after a revert) when the descriptor says so.
        ``volumes`` lists the virtualStorageDescIds taken; without it all
        are, unless ``detachDisksBefore`` (then none is)."""
        rules = self.vnfc_rules(vdu_id)
        detach = bool(rules.get('detachDisksBefore'))
        wanted = rules.get('volumes')
        if wanted is None:
            wanted = () if detach else None
        kept = tuple(s for s in storage if wanted is None
                     or s.get('virtualStorageDescId') in wanted)
        left_out = tuple(s for s in storage if s not in kept)
        detach = detach and bool(left_out)
        return VolumePlan(kept, left_out, detach,
                          detach and not self.keeps_detached(vdu_id))

    def narrow(self, vnfc, plan=None):
        """``vnfc`` (a driver Vnfc) with only the volumes its snapshot
        takes; the others join its ``left_out``."""
        plan = plan or self.volume_plan(vnfc.vdu_id, vnfc.storage_resources)
        return dataclasses.replace(vnfc, storage_resources=plan.kept,
                                   left_out=vnfc.left_out + plan.left_out)

    def keeps_detached(self, vdu_id):
        """Vnfsd.012 false: volumes detached for a snapshot stay detached
        (also after a revert to it)."""
        rules = self.vnfc_rules(vdu_id)
        return bool(rules.get('detachDisksBefore')) and \
            rules.get('attachDisksAfter', True) is False

    def grant_mode(self, operation):
        """Vnfsd.015: how the operation is granted (none, policy, nfvo);
        [grant]mode unless the descriptor says."""
        key = _key(operation, 'createSnapshot', 'revertToSnapshot')
        return (self.doc.get(key) or {}).get('grant') or CONF.grant.mode

    def chosen(self, vnfcs, ids=None):
        """The VNFCs (vnfcResourceInfo dicts, or objects with ``id`` and
        ``vdu_id``) a CREATE_SNAPSHOT takes: those of ``ids``
        (additionalParams vnfcInstanceIds) when given, else all, less what
        the descriptor excludes (Vnfsd.003). An id that names no VNFC, or
        a VNFC the descriptor excludes, is refused rather than ignored."""
        def vnfc_id(v):
            return v['id'] if isinstance(v, dict) else v.id

        def vdu_id(v):
            return v['vduId'] if isinstance(v, dict) else v.vdu_id

        if ids is None:
            return [v for v in vnfcs if self.included(vdu_id(v))]
        known = {vnfc_id(v): v for v in vnfcs}
        unknown = [i for i in ids if i not in known]
        if unknown:
            raise exception.UnprocessableEntity(
                reason='vnfcInstanceIds names no VNFC of this VNF instance: '
                       '%s' % ', '.join(unknown))
        excluded = [i for i in ids if not self.included(vdu_id(known[i]))]
        if excluded:
            raise exception.UnprocessableEntity(
                reason='the snapshot descriptor excludes VNFC(s) %s from '
                       'snapshots (include: false)' % ', '.join(excluded))
        return [v for v in vnfcs if vnfc_id(v) in ids]

    def included(self, vdu_id):
        """Vnfsd.003."""
        return self.vnfc_rules(vdu_id).get('include', True)

    def wants_memory(self, vdu_id, asked):
        """Vnfsd.005: warm when asked (and allowed) or when the descriptor
        makes the VDU warm."""
        kind = self.vnfc_rules(vdu_id).get('snapshotType', 'any')
        return kind == 'warm' or (asked and kind != 'cold')

    def order(self, operation, vnfcs):
        """Vnfsd.017 / 018: the VNFCs (objects with ``vdu_id``) in groups
        that run one after the other, each group's VNFCs in parallel.
        VNFCs of VDUs no group names come last, together: nothing orders
        them, and a VNF is out of service until its last VNFC is back."""
        key = _key(operation, 'createOrder', 'revertOrder')
        groups = [[v for v in vnfcs if v.vdu_id in group]
                  for group in self.doc.get(key) or ()]
        named = {v.vdu_id for group in groups for v in group}
        groups.append([v for v in vnfcs if v.vdu_id not in named])
        return [g for g in groups if g]


def _inside(window, now):
    local = now.astimezone(_zone(window.get('timeZone'), 'timeWindows'))
    start = _minutes(window['start'])
    stop = _minutes(window['stop'])
    minute = local.hour * 60 + local.minute
    day = DAYS[local.weekday()]
    if start < stop:
        return day in window['days'] and start <= minute < stop
    # Across midnight: the window opens on one of its days.
    yesterday = DAYS[(local.weekday() - 1) % 7]
    return ((day in window['days'] and minute >= start)
            or (yesterday in window['days'] and minute < stop))


def _minutes(text):
    hours, minutes = text.split(':')
    return int(hours) * 60 + int(minutes)


def _describe(window):
    return '%s %s-%s %s' % (','.join(window['days']), window['start'],
                            window['stop'], window.get('timeZone', 'UTC'))
