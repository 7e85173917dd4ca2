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

"""The diagnostics part of a root-cause package (GR NFV-TST 005 clause
4.2.1: the snapshot "extended with what the analysis needs"), collected
when a build asks for ``diagnostics: true``.

Everything is written as files under ``diagnostics/`` of the package,
each an artifact of role ``diagnostics`` (listed and checksummed in the
manifest like any other), each at most [diagnostics]max_item_size bytes
and masked of secrets (vnfsnap.common.redact) before it is written:

* ``vnf-instance.json``: the VNF instance record (no accessInfo);
* ``lcm-op-occs.json``: its LCM operation occurrences, as the API gives
  them (errors, parameters, guards);
* ``logs/<op occurrence id>.log``: vnfsnap's own log records of each
  of them (vnfsnap.common.oplog), with their request ids;
* ``notifications.json``: the notifications sent for them, from those
  records;
* ``vnfc-<vnfcResourceInfoId>/...``: what the VIM knows of each VNFC
  (VimDriver.collect_diagnostics);
* ``index.json``: what was collected, what could not be and why, and
  the limits that applied.

A VIM that cannot answer for a VNFC does not fail the build: the index
says why.
"""

import json
import os
import re

from oslo_log import log as logging

from vnfsnap.common import exception
from vnfsnap.common import redact
from vnfsnap.common import views
from vnfsnap.conductor.flows import common
import vnfsnap.conf
from vnfsnap.db import api as db_api

CONF = vnfsnap.conf.CONF
LOG = logging.getLogger(__name__)

PREFIX = 'diagnostics'
LCCN_LOGGER = 'vnfsnap.conductor.lccn'
_UNSAFE = re.compile(r'[^A-Za-z0-9._-]')


def safe_name(name):
    """A package path component made of ``name`` (ids chosen by whoever
    registered the VNF may hold any character)."""
    name = _UNSAFE.sub('_', str(name))[:120]
    if not name or name[0] in '.-':
        name = '_' + name
    return name


def _json(value):
    return json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False,
                      default=str).encode('utf-8') + b'\n'


def _log_line(row):
    return '%s %s [%s] %s %s: %s' % (
        row.created_at.isoformat(timespec='milliseconds') + 'Z', row.level,
        row.request_id or '-', row.host or '-', row.logger, row.message)


class Collector:
    """Writes the diagnostics files into a folder; :meth:`artifacts`
    lists them as (package path, file, metadata)."""

    def __init__(self, folder, secrets=()):
        self.folder = folder
        self.secrets = set(secrets)
        self.max_size = CONF.diagnostics.max_item_size
        self.items = []
        self.index = {'maxItemSize': self.max_size, 'items': [],
                      'unavailable': [],
                      'secrets': 'masked (passwords, tokens, keys, URL '
                                 'credentials, VIM access info)'}

    def add(self, path, data, content_type, **metadata):
        """Mask, bound and write one item at ``diagnostics/<path>``."""
        from vnfsnap.vim import base as vim_base
        if isinstance(data, str):
            data = data.encode('utf-8')
        data = vim_base.bounded(redact.text(data, self.secrets),
                                self.max_size)
        target = os.path.join(self.folder, *path.split('/'))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, 'wb') as f:
            f.write(data)
        meta = dict({k: v for k, v in metadata.items() if v is not None},
                    contentType=content_type)
        self.items.append(['%s/%s' % (PREFIX, path), target, meta])
        self.index['items'].append(dict(meta, path='%s/%s' % (PREFIX, path),
                                        size=len(data)))

    def unavailable(self, what, reason):
        LOG.warning('Diagnostics: %s: %s', what, reason)
        self.index['unavailable'].append(
            {'what': what, 'reason': redact.text(str(reason),
                                                 self.secrets)})

    def artifacts(self):
        self.add('index.json', _json(self.index), 'application/json')
        return self.items


def collect(info, folder):
    """Collect the diagnostics of the VNF instance VNF snapshot ``info``
    was taken of into ``folder``; returns [package path, file, metadata]
    of each item (JSON, so that a flow can carry it)."""
    instance_id = info.snapshot_vnf_instance_id
    try:
        instance = db_api.get_vnf_instance(None, instance_id)
    except exception.VnfInstanceNotFound:
        instance = None
    secrets = redact.known_secrets(
        common.snapshot_vim_connection_info(info))
    if instance is not None:
        secrets |= redact.known_secrets(instance.vim_connection_info)
    out = Collector(folder, secrets)
    out.index['vnfInstanceId'] = instance_id
    out.index['vnfSnapshotInfoId'] = info.id
    if instance is None:
        out.unavailable('VNF instance %s' % instance_id,
                        'it is no longer registered')
    else:
        out.add('vnf-instance.json', _json(redact.document(
            views.vnf_instance(instance, None), secrets)),
            'application/json')
    _operations(out, info, instance_id, secrets)
    if instance is not None:
        _vnfcs(out, instance)
    return out.artifacts()


def _operations(out, info, instance_id, secrets):
    ops = [op for op in db_api.list_op_occs(info.project_id)
           if op.vnf_instance_id == instance_id]
    ops.sort(key=lambda op: op.start_time)
    kept = ops[-CONF.diagnostics.max_op_occs:]
    if len(kept) < len(ops):
        out.index['opOccsLeftOut'] = len(ops) - len(kept)
    out.add('lcm-op-occs.json', _json(redact.document(
        [views.vnf_lcm_op_occ(op, None) for op in ops], secrets)),
        'application/json')
    records = {}
    for row in db_api.list_op_log_records(instance_id,
                                          [op.id for op in kept]):
        records.setdefault(row.op_occ_id, []).append(row)
    notifications = []
    for op in kept:
        rows = records.get(op.id, [])
        if not rows:
            continue
        out.add('logs/%s.log' % safe_name(op.id),
                '\n'.join(_log_line(r) for r in rows) + '\n',
                'text/plain', opOccId=op.id, operation=op.operation,
                requestIds=' '.join(sorted({r.request_id for r in rows
                                            if r.request_id})))
        notifications += [{'opOccId': op.id, 'at': r.created_at,
                           'level': r.level, 'what': r.message}
                          for r in rows if r.logger == LCCN_LOGGER]
    out.add('notifications.json', _json(notifications), 'application/json')
    if not CONF.diagnostics.capture_op_logs:
        out.unavailable('log records', '[diagnostics]capture_op_logs is '
                                       'off')


def _vnfcs(out, instance):
    drivers = common.Drivers(instance.vim_connection_info)
    for vnfc in common.resolve_vnfcs(instance):
        where = 'vnfc-%s' % safe_name(vnfc.id)
        try:
            items = drivers.for_resource(
                vnfc.compute_resource).collect_diagnostics(
                    vnfc, out.max_size)
        except exception.VnfsnapException as e:
            out.unavailable('VNFC %s' % vnfc.id, e.message)
            continue
        except Exception as e:      # a driver bug must not fail the build
            LOG.exception('Collecting the diagnostics of VNFC %s failed',
                          vnfc.id)
            out.unavailable('VNFC %s' % vnfc.id, '%s: %s'
                            % (type(e).__name__, e))
            continue
        for name, data in items:
            name = safe_name(name)
            if name.endswith('.unavailable'):
                out.unavailable('VNFC %s %s' % (vnfc.id, name[:-12]),
                                data.decode('utf-8', 'replace'))
                continue
            out.add('%s/%s' % (where, name), data, _content_type(name),
                    vnfcResourceInfoId=vnfc.id,
                    computeResourceId=vnfc.compute_resource.get(
                        'resourceId'))


def _content_type(name):
    if name.endswith('.json'):
        return 'application/json'
    if name.endswith('.xml'):
        return 'application/xml'
    return 'text/plain'
