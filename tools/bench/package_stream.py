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

"""Measure VNF snapshot package build, verify and extract on big disks.

Not a test: it prints figures for doc/source/admin/package-performance.rst.

Each case makes a disk image of ``--size`` virtual bytes (4 GiB by
default) and packages it with vnfsnap.package.archive.build (signed, with
a throw-away CA made here), checks it with verify.verify_package and
unpacks it with archive.extract. Every stage runs in a fresh child
process, so its peak RSS (``ru_maxrss`` of that child) is the stage's own;
the tracemalloc peak (Python allocations only) is reported next to it.
Before a stage reads a file, that file's pages are dropped from the page
cache (posix_fadvise DONTNEED after fsync), so reads come from the disk,
not from memory; writes are fsynced by the code measured.

Cases:

* ``dense``: a qcow2 with ``--written`` bytes really written (qemu-io
  ``write -P 0xab``): data clusters are allocated, so the package holds
  them all. The byte value does not matter: image members are stored, and
  SHA-256 and CRC-32 cost the same for any content.
* ``sparse-qcow2``: the same virtual size with 64 MiB written; a qcow2
  file holds only allocated clusters, so it costs only those.
* ``sparse-raw``: a raw file of the virtual size with 64 MiB written and
  the rest a hole, packaged deflated; a raw disk is read whole, so it
  costs its virtual size in CPU even though the ZIP member is small.
* ``copy`` (a baseline stage in each case): read and write the same bytes
  with fsync and no hashing, to show what the disk itself allows.

Usage: package_stream.py [--workdir DIR] [--size GIB] [--written GIB]
       [--cases dense,sparse-qcow2,sparse-raw] [--repeat N] [--keep]
"""

import argparse
import datetime
import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
import zipfile

MIB = 1024 * 1024
GIB = 1024 * MIB
SPARSE_WRITTEN = 64 * MIB
CASES = ('dense', 'sparse-qcow2', 'sparse-raw')


def drop_cache(path):
    """Evict one file's pages so the next read comes from the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def tree_files(path):
    if os.path.isfile(path):
        return [path]
    return [os.path.join(d, f) for d, _, files in os.walk(path)
            for f in files]


def allocated(path):
    return sum(os.stat(p).st_blocks * 512 for p in tree_files(path))


# --- child side: one stage per process ------------------------------------

def _signer_and_policy(pki_dir):
    from vnfsnap.package import signature
    signer = signature.Signer.from_files(
        os.path.join(pki_dir, 'signer.pem'),
        os.path.join(pki_dir, 'signer.key'))
    return signer, signature.Policy(os.path.join(pki_dir, 'ca.pem'), True)


def _stage_build(spec):
    from vnfsnap.package import archive
    signer, _policy = _signer_and_policy(spec['pki'])
    arts = [
        archive.DocumentArtifact({'id': 'bench-snapshot'},
                                 'vnfsr/record.json', 'vnfSnapshotRecord'),
        archive.FileArtifact(spec['disk'], 'images/c1/' +
                             os.path.basename(spec['disk']), 'vnfcImage',
                             vnfc_snapshot_id='c1',
                             disk_format=spec['format'],
                             container_format='BARE',
                             compress=spec['compress'])]
    archive.build(spec['zip'], arts, 'bench-snapshot', 'bench-instance',
                  signer=signer)
    return os.path.getsize(spec['disk'])


def _stage_verify(spec):
    from vnfsnap.package import verify
    _signer, policy = _signer_and_policy(spec['pki'])
    manifest = verify.verify_package(spec['zip'], verify.DEFAULT_LIMITS,
                                     signature_policy=policy)
    assert manifest.signature.verified
    return 0


def _stage_extract(spec):
    from vnfsnap.package import archive
    from vnfsnap.package import verify
    _signer, policy = _signer_and_policy(spec['pki'])
    manifest = archive.extract(spec['zip'], spec['out'],
                               limits=verify.DEFAULT_LIMITS,
                               signature_policy=policy)
    return manifest.total_size


def _stage_copy(spec):
    """Baseline: the same bytes read and written, no hashing, no ZIP."""
    with open(spec['disk'], 'rb') as src, \
            open(spec['copy'], 'xb') as dst:
        done = 0
        while True:
            chunk = src.read(MIB)
            if not chunk:
                break
            dst.write(chunk)
            done += len(chunk)
        dst.flush()
        os.fsync(dst.fileno())
    return done


STAGES = {'build': _stage_build, 'verify': _stage_verify,
          'extract': _stage_extract, 'copy': _stage_copy}


def child(stage, spec_json):
    spec = json.loads(spec_json)
    # Import what the stage needs before measuring, so the baseline RSS
    # is the interpreter and its libraries, not the stage.
    import vnfsnap.package.archive  # noqa: F401
    import vnfsnap.package.verify  # noqa: F401
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    usage0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.monotonic()
    nbytes = STAGES[stage](spec)
    wall = time.monotonic() - t0
    usage1 = resource.getrusage(resource.RUSAGE_SELF)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    json.dump({'stage': stage, 'bytes': nbytes, 'wall': wall,
               'user': usage1.ru_utime - usage0.ru_utime,
               'sys': usage1.ru_stime - usage0.ru_stime,
               'maxrss_kib': usage1.ru_maxrss, 'base_rss_kib': base_rss,
               'traced_peak': traced_peak}, sys.stdout)


# --- parent side -----------------------------------------------------------

def run_stage(stage, spec, inputs):
    # Let earlier writes and deletions reach the disk first, so that a
    # stage does not pay for the one before it.
    os.sync()
    for path in inputs:
        drop_cache(path)
    done = subprocess.run([sys.executable, os.path.abspath(__file__),
                           '_stage', stage, json.dumps(spec)],
                          capture_output=True, text=True, check=False)
    if done.returncode:
        sys.exit('stage %s failed:\n%s' % (stage, done.stderr))
    return json.loads(done.stdout)


def make_pki(pki_dir):
    """A throw-away CA and signer; nothing is kept after the run."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)

    def cert(cn, issuer=None, ca=False):
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
        iname, ikey = ((issuer[0].subject, issuer[1]) if issuer
                       else (name, key))
        c = (x509.CertificateBuilder().subject_name(name).issuer_name(iname)
             .public_key(key.public_key())
             .serial_number(x509.random_serial_number())
             .not_valid_before(now - datetime.timedelta(minutes=5))
             .not_valid_after(now + datetime.timedelta(days=1))
             .add_extension(x509.BasicConstraints(ca=ca, path_length=None),
                            critical=True)
             .sign(ikey, hashes.SHA256()))
        return c, key
    ca = cert('bench CA', ca=True)
    signer = cert('bench signer', ca)
    pem = serialization.Encoding.PEM
    for name, data in (
            ('ca.pem', ca[0].public_bytes(pem)),
            ('signer.pem', signer[0].public_bytes(pem)),
            ('signer.key', signer[1].private_bytes(
                pem, serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption()))):
        with open(os.path.join(pki_dir, name), 'wb') as f:
            f.write(data)


def make_disk(case, workdir, size, written):
    """Return (path, disk format, compress) for a case."""
    if case == 'sparse-raw':
        path = os.path.join(workdir, 'disk.raw')
        with open(path, 'wb') as f:
            f.truncate(size)
        subprocess.run(['qemu-io', '-f', 'raw', '-c',
                        'write -P 0xab 0 %d' % SPARSE_WRITTEN, path],
                       check=True, capture_output=True)
        return path, 'RAW', True
    path = os.path.join(workdir, 'disk.qcow2')
    subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', path,
                    str(size)], check=True)
    amount = written if case == 'dense' else SPARSE_WRITTEN
    # qemu-io writes in one request at most 2 GiB - 512; write in steps.
    step = GIB
    for offset in range(0, amount, step):
        subprocess.run(['qemu-io', '-f', 'qcow2', '-c', 'write -P 0xab %d %d'
                        % (offset, min(step, amount - offset)), path],
                       check=True, capture_output=True)
    return path, 'QCOW2', False


def run_case(case, workdir, size, written, pki_dir, repeat):
    cdir = os.path.join(workdir, case)
    os.mkdir(cdir)
    disk, fmt, compress = make_disk(case, cdir, size, written)
    info = json.loads(subprocess.run(
        ['qemu-img', 'info', '-f', fmt.lower(), '--output=json', disk],
        check=True, capture_output=True, text=True).stdout)
    spec = {'disk': disk, 'format': fmt, 'compress': compress,
            'zip': os.path.join(cdir, 'pkg.zip'),
            'out': os.path.join(cdir, 'out'),
            'copy': os.path.join(cdir, 'copy.img'), 'pki': pki_dir}
    results = []
    for attempt in range(repeat):
        if attempt:
            os.unlink(spec['zip'])
            shutil.rmtree(spec['out'])
        results.append(run_stage('copy', spec, [disk]))
        os.unlink(spec['copy'])
        results.append(run_stage('build', spec, [disk]))
        results.append(run_stage('verify', spec, [spec['zip']]))
        results.append(run_stage('extract', spec, [spec['zip']]))
    with zipfile.ZipFile(spec['zip']) as zf:
        member = zf.getinfo('images/c1/' + os.path.basename(disk))
    sizes = {'virtual': info['virtual-size'],
             'file': os.path.getsize(disk),
             'allocated': allocated(disk),
             'member_stored': member.compress_size,
             'zip_file': os.path.getsize(spec['zip']),
             'extracted_allocated': allocated(spec['out'])}
    extracted = os.path.join(spec['out'], 'images', 'c1',
                             os.path.basename(disk))
    same = _same_sha256(disk, extracted)
    return {'case': case, 'format': fmt, 'compress': compress,
            'sizes': sizes, 'stages': results, 'round_trip_identical': same}


def _same_sha256(a, b):
    digests = []
    for path in (a, b):
        h = hashlib.sha256()
        with open(path, 'rb') as f:
            for chunk in iter(lambda: f.read(MIB), b''):
                h.update(chunk)
        digests.append(h.hexdigest())
    return digests[0] == digests[1]


def report(results, args):
    def mib(n):
        return '%.1f MiB' % (n / MIB)
    print('size %d GiB virtual, dense case %d GiB written, %d CPUs, %s'
          % (args.size, args.written, os.cpu_count(),
             sys.version.split()[0]))
    for r in results:
        s = r['sizes']
        print('\n== %s (%s%s)' % (r['case'], r['format'],
                                  ', deflated' if r['compress'] else ''))
        print('sizes: virtual %s, image file %s (allocated %s), member in '
              'ZIP %s, ZIP file %s, extracted allocated %s; round trip '
              'identical: %s'
              % (mib(s['virtual']), mib(s['file']), mib(s['allocated']),
                 mib(s['member_stored']), mib(s['zip_file']),
                 mib(s['extracted_allocated']), r['round_trip_identical']))
        print('%-8s %10s %8s %7s %7s %7s %11s %11s' % (
            'stage', 'bytes', 'wall s', 'MiB/s', 'user s', 'sys s',
            'peak RSS', 'tracemalloc'))
        for st in r['stages']:
            rate = (st['bytes'] / MIB / st['wall']) if st['bytes'] else 0
            print('%-8s %10s %8.2f %7s %7.2f %7.2f %11s %11s' % (
                st['stage'], mib(st['bytes']), st['wall'],
                '%.0f' % rate if rate else '-', st['user'], st['sys'],
                '%.1f MiB' % (st['maxrss_kib'] / 1024),
                mib(st['traced_peak'])))
        print('(peak RSS of a fresh child before the stage, interpreter '
              'and imports: %.1f MiB)'
              % (r['stages'][1]['base_rss_kib'] / 1024))
    print('\nJSON: ' + json.dumps(results))


def main():
    if len(sys.argv) > 1 and sys.argv[1] == '_stage':
        return child(sys.argv[2], sys.argv[3])
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--workdir', default=None,
                        help='where to put the files (a new temporary '
                             'directory under it); needs about 3x the '
                             'dense data size free')
    parser.add_argument('--size', type=int, default=4,
                        help='virtual disk size in GiB (default 4)')
    parser.add_argument('--written', type=int, default=3,
                        help='GiB written in the dense case (default 3)')
    parser.add_argument('--cases', default=','.join(CASES))
    parser.add_argument('--repeat', type=int, default=1,
                        help='run the stages of each case this many times')
    parser.add_argument('--keep', action='store_true',
                        help='keep the files for inspection')
    args = parser.parse_args()
    cases = args.cases.split(',')
    unknown = set(cases) - set(CASES)
    if unknown:
        parser.error('unknown case(s) %s' % ', '.join(sorted(unknown)))
    if args.written > args.size:
        parser.error('--written is larger than --size')
    workdir = tempfile.mkdtemp(prefix='vnfsnap-bench-', dir=args.workdir)
    try:
        pki_dir = os.path.join(workdir, 'pki')
        os.mkdir(pki_dir, 0o700)
        make_pki(pki_dir)
        results = [run_case(case, workdir, args.size * GIB,
                            args.written * GIB, pki_dir, args.repeat)
                   for case in cases]
        report(results, args)
    finally:
        if args.keep:
            print('files kept in %s' % workdir)
        else:
            shutil.rmtree(workdir)


if __name__ == '__main__':
    sys.exit(main())
