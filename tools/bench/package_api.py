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

"""Measure a 4 GiB VNF snapshot package through the real API service.

Not a test: it prints figures for doc/source/admin/package-performance.rst.

It starts ``vnfsnap-all-in-one`` on the embedded default (SQLite, file
package store, in-process conductor) in a work directory, makes a package
whose one VNFC image is a qcow2 with ``--written`` GiB of real data (of
``--size`` GiB virtual), and then, through HTTP:

* PUT ``package_content`` (streamed from the file), then waits while the
  conductor processes it (copy to its work directory, signature and member
  checks, SHA-256 of every artifact while extracting, record checks);
* GET ``package_content`` streamed to a file, checking the SHA-256 the
  package resource reports;
* GET of the image artifact with a ``Range`` of 64 MiB in its middle.

For each stage it prints wall time, MiB/s and the service process's peak
resident memory (VmHWM from /proc, reset before each stage through
/proc/PID/clear_refs), next to its resident memory when idle.

Usage: package_api.py [--workdir DIR] [--size GIB] [--written GIB] [--keep]
"""

import argparse
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import requests

from vnfsnap.package import archive
from vnfsnap.package import manifest as manifest_mod

MIB = 1024 * 1024
GIB = 1024 * MIB
PKGM = '/vnfsnapshotpkgm/v1/vnf_snapshot_packages'
HEADERS = {'Version': '1.2.0', 'Accept': 'application/json'}


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def memory(pid):
    """(VmRSS, VmHWM) of a process in MiB."""
    values = {}
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            key, _, rest = line.partition(':')
            if key in ('VmRSS', 'VmHWM'):
                values[key] = int(rest.split()[0]) / 1024
    return values['VmRSS'], values['VmHWM']


def reset_peak(pid):
    """Start a new high-water mark (Linux >= 4.0: clear_refs value 5)."""
    with open('/proc/%d/clear_refs' % pid, 'w') as f:
        f.write('5')


def make_image(path, size_gib, written_gib):
    subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', path,
                    '%dG' % size_gib], check=True)
    step = 512 * MIB
    for offset in range(0, written_gib * GIB, step):
        subprocess.run(['qemu-io', '-f', 'qcow2', '-c',
                        'write -P 0xab %d %d' % (offset, step), path],
                       check=True, capture_output=True)


def make_package(work, image):
    """A package of one VNFC snapshot whose disk is ``image``."""
    record = {
        'id': 'bench-snapshot', 'vnfInstanceId': 'bench-vnf',
        'creationStartedAt': '2026-01-01T00:00:00Z', 'vnfdId': 'bench',
        'vnfInstance': {'id': 'bench-vnf'},
        'vnfcSnapshots': [{'id': 'vnfc-snap-0', 'vnfcInstanceId': 'vnfc-0',
                           'vnfcResourceInfoId': 'vnfc-0',
                           'creationStartedAt': '2026-01-01T00:00:00Z'}],
    }
    path = os.path.join(work, 'bench-package.zip')
    archive.build(path, [
        archive.DocumentArtifact(record, 'vnfsr/record.json',
                                 manifest_mod.ROLE_RECORD),
        archive.FileArtifact(
            source=image, path='images/vnfc-0/disk-vda.qcow2',
            role=manifest_mod.ROLE_IMAGE, vnfc_snapshot_id='vnfc-snap-0',
            disk_format='QCOW2', container_format='BARE',
            metadata={'target': 'vda'}),
    ], record['id'], record['vnfInstanceId'])
    return path


def start_service(work, port):
    conf = os.path.join(work, 'vnfsnap.conf')
    with open(conf, 'w') as f:
        f.write('[DEFAULT]\nstate_path = %s\n[api]\nport = %d\n'
                % (os.path.join(work, 'state'), port))
    exe = os.path.join(os.path.dirname(sys.executable),
                       'vnfsnap-all-in-one')
    log = open(os.path.join(work, 'vnfsnap-all-in-one.log'), 'w')
    proc = subprocess.Popen([exe, '--config-file', conf], stdout=log,
                            stderr=log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(('127.0.0.1', port), 0.5).close()
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError('vnfsnap-all-in-one did not start; see %s'
                       % log.name)


def stop_service(proc, timeout=60):
    """SIGTERM the all-in-one :func:`start_service` started, SIGKILL it
    if it has not stopped within ``timeout`` seconds."""
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def wait_available(base, pkg_id, timeout=3600):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pkg = requests.get('%s%s/%s' % (base, PKGM, pkg_id),
                           headers=HEADERS, timeout=30).json()
        if pkg['state'] not in ('UPLOADING', 'PROCESSING'):
            return pkg
        time.sleep(0.5)
    raise RuntimeError('package %s not processed in time' % pkg_id)


def stage(name, pid, size, func):
    reset_peak(pid)
    started = time.monotonic()
    result = func()
    took = time.monotonic() - started
    rss, hwm = memory(pid)
    print('%-34s %7.1f s %7.0f MiB/s   service peak RSS %6.1f MiB '
          '(now %6.1f)' % (name, took, size / MIB / took, hwm, rss),
          flush=True)
    return result


def run(work, size_gib, written_gib):
    image = os.path.join(work, 'disk.qcow2')
    print('making a %d GiB qcow2 with %d GiB written ...'
          % (size_gib, written_gib), flush=True)
    make_image(image, size_gib, written_gib)
    zip_path = make_package(work, image)
    size = os.path.getsize(zip_path)
    print('package: %.1f MiB' % (size / MIB), flush=True)
    port = free_port()
    proc = start_service(work, port)
    base = 'http://127.0.0.1:%d' % port
    try:
        time.sleep(2)
        rss, _ = memory(proc.pid)
        print('service idle RSS %.1f MiB' % rss, flush=True)
        pkg_id = requests.post(base + PKGM, json={'name': 'bench'},
                               headers=HEADERS, timeout=30).json()['id']

        def put():
            with open(zip_path, 'rb') as f:
                resp = requests.put(
                    '%s%s/%s/package_content' % (base, PKGM, pkg_id),
                    data=f, timeout=3600, headers=dict(
                        HEADERS, **{'Content-Type': 'application/zip'}))
            resp.raise_for_status()
        stage('PUT package_content (upload)', proc.pid, size, put)
        pkg = stage('processing (verify, checksums)', proc.pid, size,
                    lambda: wait_available(base, pkg_id))
        if pkg['state'] != 'AVAILABLE':
            raise RuntimeError(json.dumps(pkg))

        def get():
            digest = hashlib.sha256()
            with requests.get('%s%s/%s/package_content' % (base, PKGM,
                                                           pkg_id),
                              headers=dict(HEADERS,
                                           Accept='application/zip'),
                              stream=True, timeout=3600) as resp:
                resp.raise_for_status()
                with open(os.path.join(work, 'download.zip'), 'wb') as f:
                    for chunk in resp.iter_content(MIB):
                        digest.update(chunk)
                        f.write(chunk)
            if digest.hexdigest() != pkg['checksum']['hash']:
                raise RuntimeError('downloaded package does not match')
        stage('GET package_content (download)', proc.pid, size, get)

        def get_range():
            start = size // 2
            resp = requests.get(
                '%s%s/%s/artifacts/images/vnfc-0/disk-vda.qcow2'
                % (base, PKGM, pkg_id), timeout=600,
                headers=dict(HEADERS, Accept='*/*',
                             Range='bytes=%d-%d' % (start,
                                                    start + 64 * MIB - 1)))
            if resp.status_code != 206 or len(resp.content) != 64 * MIB:
                raise RuntimeError('range answer %s' % resp.status_code)
        stage('GET artifact, 64 MiB Range', proc.pid, 64 * MIB, get_range)
    finally:
        stop_service(proc)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--workdir', default=None,
                        help='where to put the files (about 5 times the '
                             'written size is needed); a temporary '
                             'directory by default')
    parser.add_argument('--size', type=int, default=4,
                        help='virtual disk size in GiB')
    parser.add_argument('--written', type=int, default=3,
                        help='GiB of data written into the disk')
    parser.add_argument('--keep', action='store_true',
                        help='keep the work directory')
    args = parser.parse_args()
    work = args.workdir or tempfile.mkdtemp(prefix='vnfsnap-bench-api-')
    os.makedirs(work, exist_ok=True)
    try:
        run(work, args.size, args.written)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
