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

"""Package build and export GET against their baselines, side by side.

Not a test: it prints figures for doc/source/admin/package-performance.rst
(issue 17's "Package build" goal).

It makes one VNFC snapshot's inputs in ``--workdir``: a qcow2 disk with
``--disk-mib`` MiB really written (random data, so nothing flatters a
codec) and a memory state of ``--memory-mib`` MiB made like a guest's
(half zero pages, a quarter random pages, a quarter text-like pages).
Then, ``--repeat`` times, with the inputs' pages dropped from the page
cache before each case so that reads come from the disk:

* ``baseline``: ``qemu-img convert`` of the disk plus ``cp`` of the memory
  file, both fsync'ed: what the storage allows for the same copies;
* ``build <codec>``: what the conductor's build runs, without its
  database: the libvirt driver's export in place (the disk measured, the
  memory file linked into the work directory), then ``archive.write``
  into ``FileStore.open_write`` (the package's store file, fsync'ed),
  qemu-img converting the disk straight into its member, every artifact
  and the package hashed from what was written, then
  ``verify.verify_written`` and ``contents.describe``, for each
  ``--codecs`` memory compression;
* ``streamed <codec>`` (``--streamed``): the same with the disk
  converted into the work directory first and streamed into the store,
  as other stores and drivers still do;
* ``old build`` (``--old``): what the build did before: the export
  copying the memory file, the ZIP into the work directory with the
  memory deflated, a copy into the store, a full extraction to verify.

Then the export GET: the stored package served by vnfsnap's HTTP server
(``wsgi_server.Server``, cheroot) to ``curl``, the body through
``wsgi.file_wrapper`` over ``FileStore.open_range`` (sendfile), whole
and as a Range of its disk artifact, against the disk's own read speed
(``dd iflag=direct``: no page cache) and ``cat`` of the file to
/dev/null; each with the file's pages dropped first, and the pages
resident before and after each GET printed (fincore) to show that.

Usage: package_build.py [--workdir DIR] [--disk-mib N] [--memory-mib N]
       [--repeat N] [--codecs stored,zstd,deflate] [--streamed] [--old]
       [--keep]
"""

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import package_stream  # noqa: E402 - the bench next to this one

MIB = 1024 * 1024
PAGE = 4096


def drop_cache(*paths):
    """Evict files' pages so the next read comes from the disk."""
    for path in paths:
        package_stream.drop_cache(path)


def fsync_path(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def machine():
    with open('/proc/cpuinfo') as f:
        model = next((line.split(':', 1)[1].strip() for line in f
                      if line.startswith('model name')), '?')
    with open('/proc/meminfo') as f:
        mem = int(f.readline().split()[1]) // 1024
    load = os.getloadavg()
    qemu = subprocess.run(['qemu-img', '--version'], capture_output=True,
                          text=True).stdout.splitlines()[0]
    import zstandard
    return ('%d cores (%s), %d MiB memory, load average %.2f %.2f %.2f; '
            'Python %s; %s; zstandard %s (libzstd %s)'
            % (os.cpu_count(), model, mem, *load,
               sys.version.split()[0], qemu, zstandard.__version__,
               '.'.join(map(str, zstandard.ZSTD_VERSION))))


def make_inputs(work, disk_mib, memory_mib):
    disk = os.path.join(work, 'in', 'disk.qcow2')
    memory = os.path.join(work, 'in', 'memory.save')
    os.makedirs(os.path.dirname(disk))
    subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', disk,
                    '%dM' % (2 * disk_mib)], check=True)
    raw = os.path.join(work, 'in', 'data.raw')
    with open(raw, 'wb') as f:
        for _ in range(disk_mib):
            f.write(os.urandom(MIB))
    # Random data, every other MiB: a realistic half-allocated disk.
    subprocess.run(['qemu-img', 'convert', '-n', '-f', 'raw', '-O',
                    'qcow2', raw, disk], check=True)
    os.unlink(raw)
    rnd = random.Random(17)  # noqa: S311 - page mix, not secrets
    text = b''.join(b'%08d kernel: eth0: link up, 10000 Mbps, full duplex\n'
                    % i for i in range(PAGE // 50 + 1))[:PAGE]
    with open(memory, 'wb') as f:
        for _ in range(memory_mib * MIB // PAGE):
            kind = rnd.random()
            if kind < 0.5:
                f.write(bytes(PAGE))
            elif kind < 0.75:
                f.write(os.urandom(PAGE))
            else:
                f.write(text)
    fsync_path(memory)
    fsync_path(disk)
    return disk, memory


def export(disk, memory, folder, in_place=False):
    """What the libvirt driver's export_vnfc_snapshot does; ``in_place``:
    the disk only measured, for write_exported_disk."""
    from vnfsnap.vim.libvirt import images
    os.makedirs(folder)
    if in_place:
        images.measure(disk, 'qcow2')
    else:
        images.flatten(disk, os.path.join(folder, 'disk.qcow2'), 'qcow2')
    images.link_or_copy(memory, os.path.join(folder, 'memory.save'))


def artifacts(folder, codec_name, disk=None):
    """The build's artifacts; with ``disk``, it is converted in place as
    the libvirt driver's write_exported_disk does (flatten_into)."""
    from vnfsnap.package import archive
    from vnfsnap.package import codec
    from vnfsnap.vim.libvirt import images
    memory = {'compress': codec_name == codec.DEFLATE}
    if codec_name == codec.ZSTD:
        memory = {'compress': False, 'encoding': codec.ZSTD}
    image = dict(path='images/vnfc-0/disk.qcow2', role='vnfcImage',
                 vnfc_snapshot_id='c1', disk_format='QCOW2',
                 container_format='BARE')
    if disk is None:
        image = archive.FileArtifact(os.path.join(folder, 'disk.qcow2'),
                                     **image)
    else:
        image = archive.ConvertedImage(
            lambda path, offset: images.flatten_into(disk, path, offset,
                                                     'qcow2'),
            **image)
    return [
        archive.DocumentArtifact(
            {'id': 'bench-snapshot', 'vnfInstanceId': 'i',
             'vnfcSnapshots': [{'id': 'c1', 'vnfcInstanceId': 'v',
                                'creationStartedAt':
                                '2026-01-01T00:00:00Z'}]},
            'vnfsr/record.json', 'vnfSnapshotRecord'),
        image,
        archive.FileArtifact(os.path.join(folder, 'memory.save'),
                             'images/vnfc-0/memory.save', 'memoryState',
                             vnfc_snapshot_id='c1', **memory),
    ]


class Progress:
    """The conductor's progress callback without its database: the same
    once-a-second throttle, counting what would be records."""

    def __init__(self):
        self.records = 0
        self.last = 0.0

    def __call__(self, done, total=None):
        now = time.monotonic()
        if now - self.last >= 1.0 or done == total:
            self.records += 1
            self.last = now


def case_baseline(disk, memory, out):
    os.makedirs(out)
    subprocess.run(['qemu-img', 'convert', '-U', '-f', 'qcow2', '-O',
                    'qcow2', disk, os.path.join(out, 'disk.qcow2')],
                   check=True)
    fsync_path(os.path.join(out, 'disk.qcow2'))
    subprocess.run(['cp', memory, os.path.join(out, 'memory.save')],
                   check=True)
    fsync_path(os.path.join(out, 'memory.save'))
    return {}


def case_build(disk, memory, run_dir, codec_name, in_place=True):
    from vnfsnap.package import archive
    from vnfsnap.package import contents
    from vnfsnap.package import verify
    from vnfsnap.store import file as file_store
    work = os.path.join(run_dir, 'work')
    export(disk, memory, os.path.join(work, 'export'), in_place)
    backend = file_store.FileStore(os.path.join(run_dir, 'store'), 1 << 50)
    progress = Progress()
    with backend.open_write('pkg/package.zip', work) as out:
        built = archive.write(out, artifacts(os.path.join(work, 'export'),
                                             codec_name,
                                             disk if in_place else None),
                              'bench-snapshot', 'i', progress=progress)
    manifest = verify.verify_written(built.infos, built.manifest_bytes,
                                     built.signature_bytes)
    # (The record's schema check, milliseconds, is left out: the bench's
    # record is not a whole VnfSnapshot.)
    contents.describe(built.min_disk, manifest,
                      dict(artifacts(work, codec_name)[0].document,
                           vnfdId='d'))
    shutil.rmtree(work)
    return {'package': out.result().size, 'records': progress.records}


def case_old_build(disk, memory, run_dir):
    from vnfsnap.package import archive
    from vnfsnap.package import codec
    from vnfsnap.store import file as file_store
    from vnfsnap.vim.libvirt import images
    work = os.path.join(run_dir, 'work')
    os.makedirs(os.path.join(work, 'export'))
    images.flatten(disk, os.path.join(work, 'export', 'disk.qcow2'))
    shutil.copyfile(memory, os.path.join(work, 'export', 'memory.save'))
    zip_path = os.path.join(work, 'package.zip')
    archive.build(zip_path, artifacts(os.path.join(work, 'export'),
                                      codec.DEFLATE),
                  'bench-snapshot', 'i')
    backend = file_store.FileStore(os.path.join(run_dir, 'store'), 1 << 50)
    stored = backend.put_file('pkg/package.zip', zip_path)
    archive.extract(zip_path, os.path.join(work, 'verify'))
    shutil.rmtree(work)
    return {'package': stored.size}


def timed(func, *args):
    os.sync()
    start = time.monotonic()
    cpu = os.times()
    extra = func(*args)
    os.sync()
    wall = time.monotonic() - start
    after = os.times()
    user = (after.user - cpu.user) + (after.children_user
                                      - cpu.children_user)
    return wall, user, extra


# --- export GET -------------------------------------------------------------

def resident(path):
    """Bytes of ``path`` in the page cache (util-linux fincore)."""
    out = subprocess.run(['fincore', '--bytes', '--noheadings', '--output',
                          'RES', path], capture_output=True, text=True)
    return int(out.stdout.split()[0]) if out.returncode == 0 else -1


def serve(store_dir, key):
    """vnfsnap's HTTP server with an app that answers as package_content
    and the artifact GET do: the stored file's bytes (the Range, if
    any, parsed by vnfsnap.api.ranges) through wsgi.file_wrapper over
    FileStore.open_range."""
    from vnfsnap.api import ranges
    from vnfsnap.common import wsgi_server
    import vnfsnap.conf
    from vnfsnap.store import file as file_store
    conf = vnfsnap.conf.CONF
    conf([], project='vnfsnap')
    conf.set_override('host', '127.0.0.1', group='api')
    conf.set_override('port', 0, group='api')
    backend = file_store.FileStore(store_dir, 1 << 50)
    size = backend.size(key)

    def app(environ, start_response):
        wanted = ranges.parse(environ.get('HTTP_RANGE'), size)
        start, end = wanted or (0, size)
        headers = [('Content-Length', str(end - start)),
                   ('Content-Type', 'application/zip')]
        if wanted:
            headers.append(('Content-Range', 'bytes %d-%d/%d'
                            % (start, end - 1, size)))
        start_response('206 Partial Content' if wanted else '200 OK',
                       headers)
        return environ['wsgi.file_wrapper'](
            backend.open_range(key, start, end), MIB)

    server = wsgi_server.Server(app)
    server.start()
    return server


def get_speed(path, server, byte_range=None):
    """Seconds for curl to GET the package (or ``byte_range`` of it) with
    its pages dropped first; the pages still resident before the GET
    (must be 0) and after it (the bytes sent came through the cache)."""
    drop_cache(path)
    before = resident(path)
    args = ['curl', '-sS', '-o', '/dev/null', '-w', '%{size_download}']
    if byte_range:
        args += ['-H', 'Range: bytes=%d-%d' % byte_range]
    start = time.monotonic()
    got = subprocess.run(args + ['http://127.0.0.1:%d/' % server.port],
                         check=True, capture_output=True, text=True).stdout
    took = time.monotonic() - start
    return took, int(got), before, resident(path)


def read_speed(path, how='cat'):
    """Seconds to read the file with its pages dropped first: cat; dd in
    4 MiB reads through the page cache (readahead); or dd with O_DIRECT
    (the disk itself, no page cache nor readahead)."""
    drop_cache(path)
    start = time.monotonic()
    if how.startswith('dd'):
        subprocess.run(['dd', 'if=' + path, 'of=/dev/null', 'bs=4M',
                        'status=none']
                       + (['iflag=direct'] if how == 'dd-direct' else []),
                       check=True)
    else:
        with open(os.devnull, 'wb') as null:
            subprocess.run(['cat', path], stdout=null, check=True)
    return time.monotonic() - start


def get_figures(package, repeat):
    """The export GET and an artifact Range GET against the disk."""
    import zipfile
    size = os.path.getsize(package)
    with zipfile.ZipFile(package) as zf:
        info = zf.getinfo('images/vnfc-0/disk.qcow2')
    # The artifact's bytes: after its local header (30 bytes, the name
    # and a ZIP64 extra of 20), as the layout records it.
    first = info.header_offset + 30 + len(info.filename) + 20
    member = (first, first + info.compress_size - 1)
    store_dir = os.path.dirname(os.path.dirname(package))
    server = serve(store_dir, 'pkg/package.zip')
    rows = {'cat': [], 'dd': [], 'dd-direct': [], 'get': [], 'range': []}
    checks = []
    try:
        for _ in range(repeat):
            for how in ('dd-direct', 'dd', 'cat'):
                rows[how].append(read_speed(package, how))
            took, got, before, after = get_speed(package, server)
            if got != size:
                raise RuntimeError('GET sent %d of %d bytes' % (got, size))
            rows['get'].append(took)
            checks.append((before, after))
            took, got, before, after = get_speed(package, server, member)
            if got != info.compress_size:
                raise RuntimeError('Range GET sent %d of %d bytes'
                                   % (got, info.compress_size))
            rows['range'].append(took)
            checks.append((before, after))
    finally:
        server.stop()
    print('\nexport GET of the %.1f MiB package and Range GET of its %.1f '
          'MiB disk artifact (pages dropped before each), median of %d:'
          % (size / MIB, info.compress_size / MIB, repeat))
    disk = size / MIB / statistics.median(rows['dd-direct'])
    for label, key, nbytes in (
            ('dd iflag=direct (the disk)', 'dd-direct', size),
            ('dd bs=4M (page cache)', 'dd', size),
            ('cat > /dev/null', 'cat', size),
            ('GET package, sendfile', 'get', size),
            ('GET artifact Range, sendfile', 'range', info.compress_size)):
        speed = nbytes / MIB / statistics.median(rows[key])
        print('  %-29s %8.0f MiB/s  ratio to the disk %.2f'
              % (label, speed, speed / disk))
    print('  resident before each GET: %s bytes; after: %s MiB'
          % (sorted({b for b, _ in checks}),
             '/'.join('%.0f' % (a / MIB) for _, a in checks)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--workdir')
    parser.add_argument('--disk-mib', type=int, default=512)
    parser.add_argument('--memory-mib', type=int, default=256)
    parser.add_argument('--repeat', type=int, default=2)
    parser.add_argument('--codecs', default='stored,zstd,deflate')
    parser.add_argument('--old', action='store_true')
    parser.add_argument('--streamed', action='store_true')
    parser.add_argument('--keep', action='store_true')
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix='bench-build-', dir=args.workdir)
    try:
        run(args, work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def run(args, work):
    print('machine:', machine())
    # Imported before any case is timed, so that none pays for it.
    from vnfsnap.package import archive  # noqa: F401
    from vnfsnap.package import contents  # noqa: F401
    from vnfsnap.store import file as file_store  # noqa: F401
    from vnfsnap.vim.libvirt import images  # noqa: F401
    disk, memory = make_inputs(work, args.disk_mib, args.memory_mib)
    payload = os.stat(disk).st_blocks * 512 + os.path.getsize(memory)
    print('inputs: disk %.1f MiB allocated (qcow2 file %.1f MiB), memory '
          '%.1f MiB; payload %.1f MiB'
          % (os.stat(disk).st_blocks * 512 / MIB,
             os.path.getsize(disk) / MIB, os.path.getsize(memory) / MIB,
             payload / MIB))
    cases = [('baseline', lambda d: case_baseline(disk, memory,
                                                  os.path.join(d, 'out')))]
    for codec_name in args.codecs.split(','):
        cases.append(('build %s' % codec_name,
                      lambda d, c=codec_name: case_build(disk, memory, d,
                                                         c)))
    if args.streamed:
        for codec_name in args.codecs.split(','):
            cases.append(('streamed %s' % codec_name,
                          lambda d, c=codec_name: case_build(
                              disk, memory, d, c, in_place=False)))
    if args.old:
        cases.append(('old build', lambda d: case_old_build(disk, memory,
                                                            d)))
    results = {name: [] for name, _ in cases}
    for i in range(args.repeat):
        for name, func in cases:
            run_dir = os.path.join(work, 'run-%d-%s' % (i, name.replace(
                ' ', '-')))
            os.makedirs(run_dir)
            drop_cache(disk, memory)
            results[name].append(timed(func, run_dir))
            if not name.startswith('build zstd') or i != args.repeat - 1:
                shutil.rmtree(run_dir)
            else:
                package = os.path.join(run_dir, 'store', 'pkg',
                                       'package.zip')
    base = statistics.median(w for w, _, _ in results['baseline'])
    print('\n%-16s %10s %10s %8s %12s %14s %s' % (
        'case', 'wall s', 'MiB/s', 'ratio', 'user CPU s', 'package MiB',
        'progress records'))
    for name, runs in results.items():
        walls = [w for w, _, _ in runs]
        wall = statistics.median(walls)
        extra = runs[-1][2]
        print('%-16s %10s %10.0f %8.2f %12.1f %14s %s' % (
            name, '%.2f (%s)' % (wall, '-'.join('%.2f' % w for w in walls))
            if len(walls) > 1 else '%.2f' % wall, payload / MIB / wall,
            base / wall, statistics.median(u for _, u, _ in runs),
            '%.1f' % (extra['package'] / MIB) if 'package' in extra
            else '-', extra.get('records', '-')))
    print('(ratio: baseline wall time / case wall time; >= 0.9 is the '
          'goal)')
    if 'build zstd' in results:
        get_figures(package, args.repeat)


if __name__ == '__main__':
    main()
