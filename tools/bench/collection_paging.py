#!/usr/bin/env python3
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

"""Measure GET on collections as they grow: 100, 10,000, 100,000 rows.

Not a test: it prints the figures for the "Collections" section of
doc/source/admin/performance.rst (issue 17).

For each size it makes an SQLite database of the embedded default in a
temporary directory (migrated by Alembic), inserts that many filled VNF
snapshots (VnfSnapshotInfo with two VNFC snapshots each) and as many LCM
operation occurrences in one project, and serves the real API application
in-process on it (auth_strategy = noauth, as the unit tests do; one
request at a time through WSGI, no network). It times, median of
``--samples`` runs (in rounds: each round runs every size in turn, after
a warm-up call, so that the load of the machine weighs on every size
alike):

* GET ``/vnflcm/v2/vnf_snapshots`` (the first page of 100), the page after
  a marker in the middle (after the first row at 100 rows: 99 items), and
  ``filter=(eq,id,<a row in the middle>)``;
* a filter on an attribute that is not a column
  (``vnfSnapshot/vnfcSnapshots/id``: the fallback, read in batches);
* GET ``/vnflcm/v2/vnf_lcm_op_occs``, first page and ``(eq,id,...)``;
* the old path for the first two: every row loaded and rendered
  (db_api.list_vnf_snapshot_infos, views.vnf_snapshot_info), then
  sol013.apply_filter, sol013.paginate and the default attribute
  selector, the functions the API called before, called directly
  (``--old-samples`` runs, as they take seconds at 100,000 rows).

The baseline is the same measurement at 100 rows in the same run: every
figure is printed with its ratio to it (10k/100, 100k/100), with the
machine (cores, load average) it ran on.

Usage: collection_paging.py [--sizes 100,10000,100000] [--samples N]
                      [--old-samples N] [--workdir DIR]
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import urllib.parse

import sqlalchemy as sa
import webob

from vnfsnap.api import app as api_app
from vnfsnap.api import sol013
from vnfsnap.api.controllers import vnf_snapshots
from vnfsnap.common import states
from vnfsnap.common import views
import vnfsnap.conf
from vnfsnap.db import api as db_api
from vnfsnap.db import migration
from vnfsnap.db import models

CONF = vnfsnap.conf.CONF
PROJECT = 'bench-project'
LCM = '/vnflcm/v2'
T0 = datetime.datetime(2026, 1, 1)
CHUNK = 5000


def info_id(i):
    return 'bench-info-%07d' % i


def op_id(i):
    return 'bench-op-%07d' % i


def insert_rows(n):
    """n filled VNF snapshots with two VNFC snapshots each, n op
    occurrences; created a millisecond apart, oldest first."""
    engine = db_api.get_engine()
    infos, vnfcs, ops = [], [], []

    def flush(conn):
        for model, rows in ((models.VnfSnapshotInfo, infos),
                            (models.VnfcSnapshot, vnfcs),
                            (models.VnfLcmOpOcc, ops)):
            if rows:
                conn.execute(sa.insert(model), rows)
                rows.clear()

    with engine.begin() as conn:
        for i in range(n):
            when = T0 + datetime.timedelta(milliseconds=i)
            infos.append({
                'id': info_id(i), 'project_id': PROJECT,
                'created_at': when, 'updated_at': when,
                'snapshot_id': 'snap-%07d' % i,
                'snapshot_vnf_instance_id': 'vnf-%d' % (i % 50),
                'snapshot_vnfd_id': 'vnfd-1',
                'snapshot_creation_started_at': when,
                'snapshot_creation_finished_at': when,
                'snapshot_vnf_instance': {'id': 'vnf-%d' % (i % 50),
                                          'vnfdId': 'vnfd-1'},
                'taken_from': 'vnf-%d' % (i % 50)})
            for k in range(2):
                vnfcs.append({
                    'vnf_snapshot_info_id': info_id(i),
                    'id': 'vnfc-snap-%07d-%d' % (i, k), 'position': k,
                    'vnfc_instance_id': 'vnfc-%d' % k,
                    'vnfc_resource_info_id': 'vnfc-%d' % k,
                    'creation_started_at': when,
                    'creation_finished_at': when,
                    'compute_snapshot_resource': {'resourceId': 'img-%d' % k},
                    'consistency_level': states.CONSISTENCY_CRASH,
                    'memory_captured': False})
            ops.append({
                'id': op_id(i), 'project_id': PROJECT,
                'created_at': when, 'updated_at': when,
                'vnf_instance_id': 'vnf-%d' % (i % 50),
                'operation': states.CREATE_SNAPSHOT,
                'operation_state': states.COMPLETED,
                'state_entered_time': when, 'start_time': when,
                'is_automatic_invocation': False,
                'is_cancel_pending': False,
                'operation_params': {'vnfSnapshotInfoId': info_id(i)},
                'vnf_snapshot_info_id': info_id(i)})
            if len(infos) >= CHUNK:
                flush(conn)
        flush(conn)


def timed_ms(fn):
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def api_get(app, path, expect=None):
    def call():
        req = webob.Request.blank(path)
        req.headers['Version'] = '2.0.0'
        req.headers['X-Project-Id'] = PROJECT
        resp = req.get_response(app)
        if resp.status_int != 200:
            sys.exit('GET %s: %s %s' % (path, resp.status, resp.text))
        body = json.loads(resp.body)
        if expect is not None and len(body) != expect:
            sys.exit('GET %s: %d items, not %d' % (path, len(body), expect))
    return call


def old_path(expr, expect):
    """What a GET of vnf_snapshots did before: load and render every row,
    filter, page and select in Python."""
    def call():
        base = 'http://localhost'
        every = [views.vnf_snapshot_info(o, base) for o in
                 db_api.list_vnf_snapshot_infos(PROJECT)]
        matching = sol013.apply_filter(every, expr)
        page, _marker = sol013.paginate(matching, None,
                                        CONF.api.max_page_size)
        selector = sol013.Selector()
        json.dumps([selector.apply(r, vnf_snapshots.DEFAULT_EXCLUDES)
                    for r in page])
        if len(page) != expect:
            sys.exit('old path %s: %d items, not %d'
                     % (expr, len(page), expect))
    return call


def quoted(expr):
    return urllib.parse.quote(expr, safe='')


def cases(n, app):
    """(label, function, runs: 'new' or 'old') for a database of n rows
    served by ``app``."""
    middle = n // 2
    page = min(n, CONF.api.max_page_size)
    # A full page after the marker where there is one (99 items at 100).
    marked = max(0, min(middle, n - page - 1))
    marker = sol013.encode_marker(info_id(marked))
    after = min(page, n - marked - 1)
    snaps = LCM + '/vnf_snapshots'
    ops = LCM + '/vnf_lcm_op_occs'
    eq_info = '(eq,id,%s)' % info_id(middle)
    fallback = '(eq,vnfSnapshot/vnfcSnapshots/id,vnfc-snap-%07d-1)' % middle
    return [
        ('vnf_snapshots first page', api_get(app, snaps, page), 'new'),
        ('vnf_snapshots page after a marker', api_get(
            app, snaps + '?nextpage_opaque_marker=' + marker, after),
         'new'),
        ('vnf_snapshots (eq,id,x)', api_get(
            app, snaps + '?filter=' + quoted(eq_info), 1), 'new'),
        ('vnf_lcm_op_occs first page', api_get(app, ops, page), 'new'),
        ('vnf_lcm_op_occs (eq,id,x)', api_get(
            app, ops + '?filter=' + quoted('(eq,id,%s)' % op_id(middle)),
            1), 'new'),
        ('vnf_snapshots non-column filter (fallback)', api_get(
            app, snaps + '?filter=' + quoted(fallback), 1), 'old'),
        ('OLD PATH vnf_snapshots first page', old_path(None, page), 'old'),
        ('OLD PATH vnf_snapshots (eq,id,x)', old_path(eq_info, 1), 'old'),
    ]


def use_database(state_path):
    CONF.set_override('state_path', state_path)
    db_api.reset()


def prepare(n, workdir):
    """The state_path of a new database of n rows of each kind."""
    state_path = os.path.join(workdir, 'rows-%d' % n)
    os.makedirs(state_path)
    use_database(state_path)
    migration.upgrade()
    start = time.monotonic()
    insert_rows(n)
    print('%d rows of each kind inserted in %.1f s' % (
        n, time.monotonic() - start), flush=True)
    return state_path


def measure(sizes, paths, app, samples, old_samples):
    """{size: {label: median ms}}. The quick cases run in rounds, each
    round on every size in turn, so that a change of load on the machine
    weighs on every size alike; the slow ones run size after size."""
    times = {n: {} for n in sizes}
    for round_ in range(samples + 1):
        for n in sizes:
            use_database(paths[n])
            for label, fn, kind in cases(n, app):
                if kind == 'new':
                    fn()  # warm: a new engine, its first connection
                    if round_:  # round 0 warms the caches only
                        times[n].setdefault(label, []).append(timed_ms(fn))
    for n in sizes:
        use_database(paths[n])
        for label, fn, kind in cases(n, app):
            if kind == 'old':
                fn()
                times[n][label] = [timed_ms(fn) for _ in range(old_samples)]
    results = {n: {label: statistics.median(values)
                   for label, values in times[n].items()} for n in sizes}
    db_api.reset()
    return results


def machine():
    load = ', '.join('%.2f' % v for v in os.getloadavg())
    return ('%s, %d cores, load average %s; Python %s, SQLite %s' % (
        platform.platform(), os.cpu_count(), load,
        platform.python_version(), sqlite3.sqlite_version))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--sizes', default='100,10000,100000')
    parser.add_argument('--samples', type=int, default=15)
    parser.add_argument('--old-samples', type=int, default=3)
    parser.add_argument('--workdir')
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(',')]
    CONF([], project='vnfsnap', default_config_files=[],
         default_config_dirs=[])
    CONF.set_override('auth_strategy', 'noauth', group='api')
    workdir = args.workdir or tempfile.mkdtemp(prefix='vnfsnap-bench-')
    print('machine before: %s' % machine())
    try:
        paths = {n: prepare(n, workdir) for n in sizes}
        print('machine when the inserts were done: %s' % machine(),
              flush=True)
        results = measure(sizes, paths, api_app.setup_app(), args.samples,
                          args.old_samples)
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    print('machine after:  %s' % machine())
    base = sizes[0]
    labels = [label for label, _fn, _kind in cases(base, None)]
    print()
    print('median ms (runs: %d, old path and fallback: %d); ratio to '
          '%d rows' % (args.samples, args.old_samples, base))
    header = ''.join('%12s %8s' % ('%d rows' % n, '' if n == base else
                                   'x%d' % (n // base))
                     for n in sizes)
    print('%-45s%s' % ('', header))
    for label in labels:
        line = ''
        for n in sizes:
            value = results[n][label]
            ratio = '' if n == base else '%.1f' % (
                value / results[base][label])
            line += '%12.1f %8s' % (value, ratio)
        print('%-45s%s' % (label, line))


if __name__ == '__main__':
    main()
