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

"""Build the tiny test guest of the demo and the functional tests.

The guest is made from Debian packages only, on the host, with no cloud
image and no network access besides Debian's archive:

- **kernel**: Debian's cloud kernel (``linux-image-cloud-amd64``, installed
  on the host by tools/install.sh), booted directly by QEMU.
- **initramfs** (``initrd.img``, gzip'ed newc cpio written here): a static
  busybox (``busybox-static``), the virtio modules of that kernel (virtio
  drivers, virtio_net included, are modules in the cloud kernel; ext4 is
  built in) and an
  ``/init`` (``guest/initramfs-init.sh``) that loads them, mounts
  ``/dev/vda`` and switch_roots to ``/sbin/vnfsnap-init``.
- **root disk** (``root.qcow2``, 1 GiB virtual, sparse): ``debootstrap
  --variant=minbase --include=qemu-guest-agent,busybox`` bookworm (busybox
  for its ``ip``), trimmed (docs but
  copyright files, man pages, locales, apt lists and caches) and packed with
  ``mkfs.ext4 -d``, then converted to qcow2.
- **data disk** (``data.qcow2``, 1 GiB virtual): an empty ext4 file system
  labelled ``vnfsnap-data``, for a second disk (vdb) so that multi-disk
  snapshots are exercised.  Optional for a domain.

What runs in the guest (no init system), from this package's ``guest/``
folder (see GUEST_SCRIPTS and INITRAMFS_INIT):

- ``/sbin/vnfsnap-init`` (PID 1, ``guest/vnfsnap-init.sh``): mounts proc,
  sys, dev, devpts, tmpfs on /run, /tmp and /dev/shm; mounts ``/dev/vdb``
  on /data when present; brings ``lo`` up and, when the kernel command
  line has ``vnfsnap.ip=ADDRESS/PREFIX`` (:meth:`GuestImage.cmdline`),
  gives eth0 (the virtio NIC a domain may have) that address with
  ``busybox ip``; creates ``/dev/virtio-ports/<name>`` links from
  ``/sys/class/virtio-ports/*/name``; starts (and restarts if it exits)
  ``qemu-ga -m virtio-serial -p /dev/virtio-ports/org.qemu.guest_agent.0
  -F/etc/qemu/fsfreeze-hook``; starts the workload; runs the HTTP service
  under a supervisor loop (started again HTTPD_RESTART_DELAY s after it
  exits, the restart logged on the console); then reaps children.
- the **HTTP service** ``/usr/local/sbin/vnfsnap-httpd``
  (``guest/vnfsnap-httpd.pl``, perl-base's IO::Socket::INET) on port 80
  of every address: ``GET /health`` answers 200 ``ok`` while the
  service's data, ``/data/health`` on the data disk, says ``ok``, and 503
  (body ``unhealthy: ...``) otherwise or when it is missing.  Its pid is
  in ``/run/vnfsnap/httpd.pid``; SIGTERM ends it (the supervisor then
  starts it again).  Without a NIC it is reachable only from inside the
  guest (``busybox wget -qO- http://127.0.0.1/health``), or through a
  second serial port: when the guest has one, vnfsnap-init also runs
  ``vnfsnap-httpd /dev/ttyS1`` (supervised the same way), which serves
  the same requests on that line.  Nova's serial console makes the port
  a TCP port of the compute host, so a server with no network interface
  (the test cloud has no Neutron) can still be probed over HTTP.
- the **workload** ``/usr/local/sbin/vnfsnap-counter``
  (``guest/vnfsnap-counter.pl``, for perl-base, which is in every Debian
  system): every 0.2 s it increments a counter.  The value
  lives in the process's memory and is mirrored to ``/run/vnfsnap/counter``
  (tmpfs: memory-only state); every value is appended, one line each and
  fsync'ed, to ``/var/lib/vnfsnap/journal`` on the root disk and, when the
  data disk is mounted, to ``/data/vnfsnap/journal`` (disk state).  At
  start it continues from the last value of the root journal.  It also
  writes ``/run/vnfsnap/state`` (``key=value`` lines: value, held,
  last_hold, last_set, pid).  Signals: SIGUSR1 hold, SIGUSR2 resume, SIGHUP
  read a ``/run/vnfsnap/set`` request (``VALUE ID``), SIGTERM exit.
- the **fsfreeze hook** ``/etc/qemu/fsfreeze-hook``
  (``guest/fsfreeze-hook.sh``; qemu-ga's ``-F``
  contract, as Debian's: run with ``freeze`` before the file systems are
  frozen and with ``thaw`` after they are thawed).  On ``freeze`` it asks
  the counter to hold (a token in ``/run/vnfsnap/hold-request``, then
  SIGUSR1) and waits, at most 2 s, until the counter answers ``TOKEN
  VALUE`` in ``/run/vnfsnap/held``; on ``thaw`` it sends SIGUSR2.  The
  counter answers only between two iterations, when no write is in
  flight, and makes no progress (neither in memory nor on disk) while
  held: a freeze therefore yields an application-consistent cut, where
  the last journal line equals the in-memory value, which the counter also
  keeps as ``last_hold`` (memory-only).  Like Debian's hook it then runs
  the executables of ``/etc/qemu/fsfreeze-hook.d`` (none in this image).
  Unlike Debian's it logs to ``/run/vnfsnap/fsfreeze-hook.log`` (tmpfs,
  never a disk being frozen), a failure on ``freeze`` (the counter did not
  answer) fails the freeze -- qemu-ga then reports "fsfreeze hook has
  failed" and does not freeze, so a quiesce that did not reach the
  application is an error, never a silent crash-consistent snapshot -- and
  it uses shell builtins only (a fork+exec costs ~0.1 s in a TCG guest;
  the hook runs inside the freeze).  If the counter is not running there
  is nothing to hold and the freeze goes on.
- ``/sbin/shutdown`` (``guest/shutdown.sh``): what qemu-ga's
  ``guest-shutdown`` runs; stops the counter, remounts the disks read-only
  and powers off (or reboots) through ``/proc/sysrq-trigger``.

Caching: the outputs live in ``<cache_dir>/guest-<key>/``, where ``key`` is
a hash of the inputs: the recipe (this module's source and the files of
``guest/``), the kernel's and busybox's installed package versions,
debootstrap's version, and the versions the archive offers (``apt-cache
madison``) for the packages the root file system includes.  A build happens
only when no folder of that key exists; it runs in a temporary folder
beside it, renamed into place at the end (atomic), under a lock (concurrent
callers wait and reuse the result).  Downloaded packages are kept in
``<cache_dir>/debs`` for the next build.  Old ``guest-*`` folders are never
removed automatically (domains may still use them as backing files).

Measured on the project's machines (2 cores, Debian's archive over the
network): 27 s to build from nothing (debootstrap 26 s of it, downloading
33 MiB of packages), 21 s when the packages are in ``<cache_dir>/debs``,
0.5 s for a cache hit (computing the key).  Sizes: ``root.qcow2`` 88 MiB
(1 GiB virtual; 32 MiB as a compressed qcow2, 29 MiB gzip'ed, 19 MiB
zstd -19), ``vmlinuz`` 13.5 MiB, ``initrd.img`` 1.1 MiB, ``data.qcow2``
1.4 MiB; 92 Debian packages.  busybox (for the NIC's address) added one
package (93) and 0.6 MiB to ``root.qcow2``; with the packages in
``<cache_dir>/debs`` that build took 42 s on a machine busy with other
work (debootstrap 36 s of it).  A build's ``manifest.json`` has its own
figures (timings, sizes, installed package versions).

Usage::

    image = guest_image.build()          # or build(cache_dir=...)
    image.kernel, image.initrd, image.root_disk, image.data_disk
    image.cmdline('guest-1')             # kernel command line for a domain

Command line: ``python -m vnfsnap_demo.guest_image [--cache-dir DIR]
[--rebuild]`` builds (or finds) the image and prints its paths.
"""

import dataclasses
import fcntl
import glob
import gzip
import hashlib
import importlib.resources
import io
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time

SUITE = 'bookworm'
DEFAULT_MIRROR = 'http://deb.debian.org/debian'
#: Packages the root file system gets besides the minbase variant.
INCLUDE_PACKAGES = ('qemu-guest-agent', 'busybox')
#: Packages whose archive version is part of the cache key (what the guest
#: really runs: the agent, the shell, perl for the workload and the HTTP
#: service, busybox for ``ip``, libc).
KEYED_PACKAGES = ('qemu-guest-agent', 'libglib2.0-0', 'perl-base', 'dash',
                  'coreutils', 'libc6', 'util-linux', 'base-files',
                  'busybox')
#: Kernel modules the initramfs loads (with their dependencies).
#: virtio_net: the NIC a domain may have (domains.Interface).
MODULES = ('virtio_pci', 'virtio_blk', 'virtio_console', 'virtio_rng',
           'virtio_net')
KERNEL_FLAVOUR = 'cloud-amd64'
DISK_SIZE = 1024 ** 3
ROOT_LABEL = 'vnfsnap-root'
DATA_LABEL = 'vnfsnap-data'

#: Where the workload keeps its memory-only state (tmpfs) and its journals.
RUN_DIR = '/run/vnfsnap'
COUNTER_FILE = RUN_DIR + '/counter'
STATE_FILE = RUN_DIR + '/state'
SET_FILE = RUN_DIR + '/set'
PID_FILE = RUN_DIR + '/counter.pid'
HOOK_LOG = RUN_DIR + '/fsfreeze-hook.log'
JOURNAL = '/var/lib/vnfsnap/journal'
DATA_MOUNT = '/data'
DATA_JOURNAL = DATA_MOUNT + '/vnfsnap/journal'
AGENT_CHANNEL = 'org.qemu.guest_agent.0'
#: The counter's period, in seconds.
COUNTER_INTERVAL = 0.2
#: The HTTP service: GET /health is 200 "ok" while HEALTH_FILE (the
#: service's data, on the data disk) says ok, else 503.
HTTP_PORT = 80
HEALTH_PATH = '/health'
HEALTH_FILE = DATA_MOUNT + '/health'
HTTPD_PID_FILE = RUN_DIR + '/httpd.pid'
#: Seconds the supervisor waits before it starts the service again.
HTTPD_RESTART_DELAY = 2

OUTPUT_FILES = ('vmlinuz', 'initrd.img', 'root.qcow2', 'data.qcow2',
                'manifest.json')


class GuestImageError(Exception):
    """The guest image could not be built."""


# ---------------------------------------------------------------------------
# What goes into the guest
# ---------------------------------------------------------------------------

#: The guest's scripts, files of this package's guest/ folder, by the path
#: they get in the root file system (mode 0755).  Words in double
#: underscores (``__RUN_DIR__``) are replaced by the constant of that name,
#: one of SCRIPT_CONSTANTS.
GUEST_SCRIPTS = {
    'sbin/vnfsnap-init': 'vnfsnap-init.sh',
    'usr/local/sbin/vnfsnap-counter': 'vnfsnap-counter.pl',
    'etc/qemu/fsfreeze-hook': 'fsfreeze-hook.sh',
    'sbin/shutdown': 'shutdown.sh',
    'usr/local/sbin/vnfsnap-httpd': 'vnfsnap-httpd.pl',
}
#: The initramfs's /init, in guest/ too.
INITRAMFS_INIT = 'initramfs-init.sh'
SCRIPT_CONSTANTS = ('RUN_DIR', 'HOOK_LOG', 'JOURNAL', 'DATA_MOUNT',
                    'DATA_JOURNAL', 'AGENT_CHANNEL', 'COUNTER_INTERVAL',
                    'HTTP_PORT', 'HEALTH_FILE', 'HTTPD_PID_FILE',
                    'HTTPD_RESTART_DELAY')
_PLACEHOLDER = re.compile(r'__([A-Z][A-Z0-9_]*)__')

#: Configuration files of the root file system: path -> content (0644).
GUEST_CONFIG = {
    'etc/hostname': 'vnfsnap-guest\n',
    'etc/hosts': '127.0.0.1\tlocalhost\n::1\tlocalhost\n',
    'etc/fstab': '# vnfsnap test guest: mounts are done by '
                 '/sbin/vnfsnap-init\n',
}


def _guest_dir():
    return importlib.resources.files(__package__) / 'guest'


def guest_script(name):
    """The script ``guest/<name>`` as the guest gets it (words replaced)."""
    text = (_guest_dir() / name).read_text()

    def value(match):
        if match.group(1) not in SCRIPT_CONSTANTS:
            raise GuestImageError('guest/%s: %s is none of %s' % (
                name, match.group(0), ', '.join(SCRIPT_CONSTANTS)))
        constant = globals()[match.group(1)]
        return constant if isinstance(constant, str) else repr(constant)
    return _PLACEHOLDER.sub(value, text)


def guest_files():
    """What the root file system gets: path -> (mode, content)."""
    files = {rel: (0o755, guest_script(name))
             for rel, name in GUEST_SCRIPTS.items()}
    files.update((rel, (0o644, content))
                 for rel, content in GUEST_CONFIG.items())
    return files


#: Trimmed from the root file system (globs relative to it).  Copyright
#: files stay.
TRIM = ('usr/share/man/*', 'usr/share/info/*', 'usr/share/locale/*',
        'usr/share/lintian/*', 'usr/share/linda/*', 'usr/share/bug/*',
        'var/lib/apt/lists/*', 'var/cache/apt/*', 'var/cache/debconf/*-old',
        'var/log/*', 'var/lib/dpkg/*-old', 'dev/*', 'run/*', 'tmp/*')


# ---------------------------------------------------------------------------
# Result
# ---------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class GuestImage:
    """A built test guest: read-only files, used as backing files."""

    key: str
    directory: str
    kernel: str
    initrd: str
    root_disk: str        # qcow2, 1 GiB virtual
    data_disk: str        # qcow2, 1 GiB virtual, empty ext4
    manifest: dict
    built: bool           # True: built by this call; False: from the cache
    seconds: float        # time this call took

    def cmdline(self, name=None, loglevel=4, address=None):
        """The kernel command line for a domain of this guest.

        ``name`` becomes the guest's hostname; ``address``
        (``10.1.2.3/24``) the address of its NIC, eth0 (a domain with no
        NIC ignores it).  ``mitigations=off`` and ``no_timer_check``
        matter under TCG (CPU time, APIC timer check).
        """
        args = ['console=ttyS0,115200', 'root=/dev/vda', 'rw',
                'no_timer_check', 'mitigations=off', 'loglevel=%d' % loglevel,
                'panic=0']
        if name:
            args.append('vnfsnap.name=%s' % name)
        if address:
            args.append('vnfsnap.ip=%s' % address)
        return ' '.join(args)


def default_cache_dir():
    """``$VNFSNAP_GUEST_CACHE``, else /var/cache/vnfsnap/guest for root.

    Non-root users get ``~/.cache/vnfsnap/guest`` (which libvirt-qemu may
    not be able to traverse: see domains.check_traversable).
    """
    env = os.environ.get('VNFSNAP_GUEST_CACHE')
    if env:
        return os.path.abspath(env)
    if os.geteuid() == 0:
        return '/var/cache/vnfsnap/guest'
    return os.path.expanduser('~/.cache/vnfsnap/guest')


# ---------------------------------------------------------------------------
# Inputs and key
# ---------------------------------------------------------------------------

def _run(argv, log=None, timeout=900, env=None, input_data=None):
    """Run a build command; its output goes to ``log``; raise on failure."""
    start = time.monotonic()
    if log is not None:
        log.write(('$ %s\n' % ' '.join(argv)).encode())
        log.flush()
    try:
        proc = subprocess.run(argv, input=input_data, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=timeout,
                              env=env, check=False)
    except FileNotFoundError:
        raise GuestImageError('%s is not installed (tools/install.sh '
                              'installs it)' % argv[0])
    except subprocess.TimeoutExpired as e:
        raise GuestImageError('%s timed out after %ss: %s' % (
            argv[0], timeout, (e.output or b'')[-2000:].decode(
                'utf-8', 'replace')))
    if log is not None:
        log.write(proc.stdout)
        log.write(b'# exit status %d after %.1f s\n'
                  % (proc.returncode, time.monotonic() - start))
        log.flush()
    if proc.returncode != 0:
        raise GuestImageError('%s failed (exit status %d):\n%s' % (
            ' '.join(argv), proc.returncode,
            proc.stdout[-3000:].decode('utf-8', 'replace')))
    return proc.stdout.decode('utf-8', 'replace')


def _dpkg_version(package):
    try:
        out = subprocess.run(
            ['dpkg-query', '-W', '-f=${Version}', package],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            check=False).stdout.decode().strip()
    except FileNotFoundError:
        return None
    return out or None


def _version_key(text):
    return [int(x) if x.isdigit() else x for x in re.split(r'(\d+)', text)]


def find_kernel():
    """(release, vmlinuz path) of the newest installed cloud kernel."""
    found = []
    for path in glob.glob('/boot/vmlinuz-*-%s' % KERNEL_FLAVOUR):
        release = os.path.basename(path)[len('vmlinuz-'):]
        if os.path.isdir('/lib/modules/%s/kernel' % release):
            found.append((release, path))
    if not found:
        raise GuestImageError(
            'no Debian cloud kernel (/boot/vmlinuz-*-%s with its modules); '
            'tools/install.sh installs linux-image-cloud-amd64'
            % KERNEL_FLAVOUR)
    return max(found, key=lambda rp: _version_key(rp[0]))


def _archive_versions(packages, suite=SUITE):
    """Version of each package in ``suite`` as the host's apt lists say.

    Best effort (the key must be computable before building): a package
    the lists do not know is keyed as ``unknown``; the manifest records
    what the build really installed.
    """
    versions = {}
    try:
        out = subprocess.run(['apt-cache', 'madison'] + list(packages),
                             stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL,
                             check=False).stdout.decode()
    except FileNotFoundError:
        out = ''
    for line in out.splitlines():
        parts = [p.strip() for p in line.split('|')]
        if len(parts) < 3 or not parts[2].split()[1:]:
            continue
        name, version, source = parts[0], parts[1], parts[2]
        if source.split()[1].startswith(suite + '/') and name not in versions:
            versions[name] = version
    return {p: versions.get(p, 'unknown') for p in packages}


def _recipe_sha256():
    """Hash of this module and of every file of guest/ (name and content):
    a changed script makes a new image."""
    recipe = hashlib.sha256()
    with open(__file__, 'rb') as f:
        recipe.update(f.read())
    for entry in sorted(_guest_dir().iterdir(), key=lambda e: e.name):
        data = entry.read_bytes()
        recipe.update(b'\0%s\0%d\0' % (entry.name.encode(), len(data)))
        recipe.update(data)
    return recipe.hexdigest()


def inputs():
    """Everything the image depends on, as a JSON-able dict."""
    release, _ = find_kernel()
    return {
        'recipe_sha256': _recipe_sha256(),
        'suite': SUITE,
        'kernel_release': release,
        'kernel_package': _dpkg_version('linux-image-%s' % release),
        'busybox_static': _dpkg_version('busybox-static'),
        'debootstrap': _dpkg_version('debootstrap'),
        'e2fsprogs': _dpkg_version('e2fsprogs'),
        'packages': _archive_versions(
            sorted(set(KEYED_PACKAGES) | set(INCLUDE_PACKAGES))),
    }


def cache_key(inp=None):
    """The hash (hex, 16 characters) naming the image of these inputs."""
    inp = inputs() if inp is None else inp
    blob = json.dumps(inp, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


# ---------------------------------------------------------------------------
# Build steps
# ---------------------------------------------------------------------------

def _mounts_below(path):
    path = os.path.realpath(path)
    found = []
    with open('/proc/self/mountinfo') as f:
        for line in f:
            mnt = line.split()[4].replace('\\040', ' ')
            if mnt == path or mnt.startswith(path + '/'):
                found.append(mnt)
    return found


def _remove_tree(path):
    """rmtree, but never through a mount (debootstrap may leave some)."""
    for mnt in sorted(_mounts_below(path), key=len, reverse=True):
        subprocess.run(['umount', '-l', mnt], check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    left = _mounts_below(path)
    if left:
        raise GuestImageError('not removing %s: still mounted: %s'
                              % (path, ', '.join(left)))
    shutil.rmtree(path, ignore_errors=True)


def _debootstrap(rootfs, debs, mirror, log):
    os.makedirs(debs, exist_ok=True)
    env = dict(os.environ, DEBIAN_FRONTEND='noninteractive', LC_ALL='C.UTF-8',
               PATH='/usr/sbin:/usr/bin:/sbin:/bin')
    _run(['debootstrap', '--variant=minbase',
          '--include=%s' % ','.join(INCLUDE_PACKAGES),
          '--components=main', '--cache-dir=%s' % debs,
          SUITE, rootfs, mirror], log=log, env=env, timeout=1800)


def _installed_packages(rootfs):
    out = _run(['dpkg-query', '--admindir=%s/var/lib/dpkg' % rootfs, '-W',
                '-f=${Package}\t${Version}\t${db:Status-Status}\n'])
    pkgs = {}
    for line in out.splitlines():
        name, version, status = (line.split('\t') + ['', '', ''])[:3]
        if status == 'installed':
            pkgs[name] = version
    return pkgs


def _trim(rootfs):
    for pattern in TRIM:
        for path in glob.glob(os.path.join(rootfs, pattern)):
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path)
            else:
                os.unlink(path)
    doc = os.path.join(rootfs, 'usr/share/doc')
    for entry in os.listdir(doc) if os.path.isdir(doc) else ():
        pkgdoc = os.path.join(doc, entry)
        if os.path.islink(pkgdoc) or not os.path.isdir(pkgdoc):
            continue
        for name in os.listdir(pkgdoc):
            if name != 'copyright':
                p = os.path.join(pkgdoc, name)
                if os.path.isdir(p) and not os.path.islink(p):
                    shutil.rmtree(p)
                else:
                    os.unlink(p)


def _customize(rootfs, key, inp):
    for rel, (mode, content) in guest_files().items():
        path = os.path.join(rootfs, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if os.path.lexists(path):
            os.unlink(path)
        with open(path, 'w') as f:
            f.write(content)
        os.chmod(path, mode)
    os.makedirs(os.path.join(rootfs, os.path.dirname(JOURNAL).lstrip('/')),
                exist_ok=True)
    os.makedirs(os.path.join(rootfs, DATA_MOUNT.lstrip('/')), exist_ok=True)
    with open(os.path.join(rootfs, 'etc/vnfsnap-guest.json'), 'w') as f:
        json.dump({'key': key, 'inputs': inp}, f, indent=1, sort_keys=True)


def _mkfs(source_dir, raw, label, log):
    with open(raw, 'wb') as f:
        f.truncate(DISK_SIZE)
    # Inode tables and journal are zeroed now (qemu-img convert drops the
    # zeroes), so the guest's ext4lazyinit has nothing to write later and
    # overlays stay small.
    _run(['mkfs.ext4', '-q', '-F', '-L', label, '-d', source_dir,
          '-E', 'root_owner=0:0,lazy_itable_init=0,lazy_journal_init=0',
          raw], log=log)


def _to_qcow2(raw, qcow2, log):
    _run(['qemu-img', 'convert', '-f', 'raw', '-O', 'qcow2', raw, qcow2],
         log=log)
    os.unlink(raw)


def _module_files(release):
    """Ordered module paths (dependencies first) of MODULES."""
    out = _run(['modprobe', '-a', '-S', release, '--show-depends']
               + list(MODULES))
    files = []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] == 'insmod' and parts[1] not in files:
            files.append(parts[1])
    if not files:
        raise GuestImageError('modprobe found none of %s for %s'
                              % (MODULES, release))
    return files


def _read_module(path):
    with open(path, 'rb') as f:
        data = f.read()
    if path.endswith('.xz'):
        import lzma
        data = lzma.decompress(data)
    elif path.endswith('.zst'):
        data = subprocess.run(['zstd', '-dc', path], stdout=subprocess.PIPE,
                              check=True).stdout
    elif path.endswith('.gz'):
        data = gzip.decompress(data)
    return data


class _Cpio:
    """A newc ("070701") cpio archive, as the kernel unpacks initramfs."""

    def __init__(self):
        self.buf = io.BytesIO()
        self.ino = 1

    def _add(self, name, mode, data=b'', rdev=(0, 0), nlink=1):
        name_b = name.encode() + b'\0'
        fields = (self.ino, mode, 0, 0, nlink, 0, len(data), 0, 0,
                  rdev[0], rdev[1], len(name_b), 0)
        self.ino += 1
        self.buf.write(b'070701' + b''.join(b'%08x' % x for x in fields))
        self.buf.write(name_b)
        self.buf.write(b'\0' * (-(110 + len(name_b)) % 4))
        self.buf.write(data)
        self.buf.write(b'\0' * (-len(data) % 4))

    def dir(self, name, perm=0o755):
        self._add(name, stat.S_IFDIR | perm, nlink=2)

    def file(self, name, data, perm=0o644):
        self._add(name, stat.S_IFREG | perm, data)

    def chardev(self, name, major, minor, perm=0o600):
        self._add(name, stat.S_IFCHR | perm, rdev=(major, minor))

    def finish(self):
        self._add('TRAILER!!!', 0)
        return self.buf.getvalue()


def _initramfs(release, path):
    busybox = '/bin/busybox'
    if not os.path.isfile(busybox):
        raise GuestImageError('no %s: tools/install.sh installs '
                              'busybox-static' % busybox)
    cpio = _Cpio()
    for d in ('bin', 'dev', 'etc', 'lib', 'lib/modules', 'newroot', 'proc',
              'sys'):
        cpio.dir(d)
    cpio.chardev('dev/console', 5, 1)
    cpio.chardev('dev/null', 1, 3, 0o666)
    with open(busybox, 'rb') as f:
        cpio.file('bin/busybox', f.read(), 0o755)
    names = []
    for mod in _module_files(release):
        name = os.path.basename(mod)
        for ext in ('.xz', '.zst', '.gz'):
            if name.endswith(ext):
                name = name[:-len(ext)]
        cpio.file('lib/modules/' + name, _read_module(mod))
        names.append(name)
    cpio.file('etc/modules', ('\n'.join(names) + '\n').encode())
    cpio.file('init', guest_script(INITRAMFS_INIT).encode(), 0o755)
    with open(path, 'wb') as f:
        f.write(gzip.compress(cpio.finish(), compresslevel=6, mtime=0))
    return names


def _qcow2_info(path):
    out = _run(['qemu-img', 'info', '-U', '--output=json', path])
    info = json.loads(out)
    return {'virtual_size': info['virtual-size'],
            'file_size': os.path.getsize(path),
            'allocated': info.get('actual-size')}


def _build(tmp, key, inp, mirror, debs, log):
    timings = {}
    t = time.monotonic()
    rootfs = os.path.join(tmp, 'rootfs')
    _debootstrap(rootfs, debs, mirror, log)
    timings['debootstrap'] = round(time.monotonic() - t, 1)

    t = time.monotonic()
    packages = _installed_packages(rootfs)
    for package in INCLUDE_PACKAGES:
        if package not in packages:
            raise GuestImageError('debootstrap did not install %s' % package)
    _trim(rootfs)
    _customize(rootfs, key, inp)
    _mkfs(rootfs, os.path.join(tmp, 'root.raw'), ROOT_LABEL, log)
    _to_qcow2(os.path.join(tmp, 'root.raw'), os.path.join(tmp, 'root.qcow2'),
              log)
    _remove_tree(rootfs)
    timings['root_disk'] = round(time.monotonic() - t, 1)

    t = time.monotonic()
    datafs = os.path.join(tmp, 'datafs')
    os.makedirs(os.path.join(datafs, 'vnfsnap'))
    _mkfs(datafs, os.path.join(tmp, 'data.raw'), DATA_LABEL, log)
    _to_qcow2(os.path.join(tmp, 'data.raw'), os.path.join(tmp, 'data.qcow2'),
              log)
    shutil.rmtree(datafs)

    release, vmlinuz = find_kernel()
    shutil.copyfile(vmlinuz, os.path.join(tmp, 'vmlinuz'))
    modules = _initramfs(release, os.path.join(tmp, 'initrd.img'))
    timings['kernel_initramfs_data'] = round(time.monotonic() - t, 1)
    return {'packages': packages, 'modules': modules, 'timings': timings}


def _load(directory, key, built, seconds):
    with open(os.path.join(directory, 'manifest.json')) as f:
        manifest = json.load(f)
    return GuestImage(
        key=key, directory=directory,
        kernel=os.path.join(directory, 'vmlinuz'),
        initrd=os.path.join(directory, 'initrd.img'),
        root_disk=os.path.join(directory, 'root.qcow2'),
        data_disk=os.path.join(directory, 'data.qcow2'),
        manifest=manifest, built=built, seconds=seconds)


def _complete(directory):
    return all(os.path.isfile(os.path.join(directory, f))
               for f in OUTPUT_FILES)


def build(cache_dir=None, mirror=None, rebuild=False):
    """Return the test guest image, building it when its inputs changed.

    :param cache_dir: where images are kept (default:
        :func:`default_cache_dir`); created mode 0755.
    :param mirror: Debian mirror for debootstrap (default
        ``$VNFSNAP_DEBIAN_MIRROR`` or deb.debian.org); not part of the key.
    :param rebuild: build even when an image of this key exists (it is
        replaced atomically).
    :returns: a :class:`GuestImage`.
    :raises GuestImageError: with the failing step's output; the build log
        is kept as ``<cache_dir>/last-failed-build.log``.
    """
    start = time.monotonic()
    cache_dir = os.path.abspath(cache_dir or default_cache_dir())
    mirror = mirror or os.environ.get('VNFSNAP_DEBIAN_MIRROR',
                                      DEFAULT_MIRROR)
    os.makedirs(cache_dir, exist_ok=True)
    os.chmod(cache_dir, 0o755)  # noqa: S103 (QEMU reads the images)
    inp = inputs()
    key = cache_key(inp)
    final = os.path.join(cache_dir, 'guest-%s' % key)
    if not rebuild and _complete(final):
        return _load(final, key, False, time.monotonic() - start)
    if os.geteuid() != 0:
        raise GuestImageError('building the guest image needs root '
                              '(debootstrap, chroot)')

    with open(os.path.join(cache_dir, '.build.lock'), 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not rebuild and _complete(final):
            return _load(final, key, False, time.monotonic() - start)
        tmp = tempfile.mkdtemp(prefix='.build-%s-' % key, dir=cache_dir)
        log_path = os.path.join(tmp, 'build.log')
        try:
            with open(log_path, 'wb') as log:
                details = _build(tmp, key, inp, mirror,
                                 os.path.join(cache_dir, 'debs'), log)
            seconds = time.monotonic() - start
            manifest = {
                'key': key,
                'inputs': inp,
                'built_at': time.strftime('%Y-%m-%dT%H:%M:%SZ',
                                          time.gmtime()),
                'build_seconds': round(seconds, 1),
                'mirror': mirror,
                'files': {
                    'vmlinuz': os.path.getsize(os.path.join(tmp, 'vmlinuz')),
                    'initrd.img': os.path.getsize(
                        os.path.join(tmp, 'initrd.img')),
                    'root.qcow2': _qcow2_info(
                        os.path.join(tmp, 'root.qcow2')),
                    'data.qcow2': _qcow2_info(
                        os.path.join(tmp, 'data.qcow2')),
                },
                'guest': {
                    'counter_file': COUNTER_FILE, 'state_file': STATE_FILE,
                    'journal': JOURNAL, 'data_journal': DATA_JOURNAL,
                    'agent_channel': AGENT_CHANNEL,
                    'counter_interval': COUNTER_INTERVAL,
                    'http_port': HTTP_PORT, 'health_path': HEALTH_PATH,
                    'health_file': HEALTH_FILE,
                    'httpd_pid_file': HTTPD_PID_FILE,
                },
            }
            manifest.update(details)
            with open(os.path.join(tmp, 'manifest.json'), 'w') as f:
                json.dump(manifest, f, indent=1, sort_keys=True)
            for name in os.listdir(tmp):
                os.chmod(os.path.join(tmp, name), 0o644)
            os.chmod(tmp, 0o755)  # noqa: S103 (QEMU reads the images)
            if os.path.exists(final):
                old = tempfile.mkdtemp(prefix='.old-', dir=cache_dir)
                os.rename(final, os.path.join(old, 'image'))
                os.rename(tmp, final)
                _remove_tree(old)
            else:
                os.rename(tmp, final)
        except BaseException:
            try:
                shutil.copyfile(log_path, os.path.join(
                    cache_dir, 'last-failed-build.log'))
            except OSError:
                pass
            _remove_tree(tmp)
            raise
    return _load(final, key, True, time.monotonic() - start)


def main(argv=None):
    import argparse

    parser = argparse.ArgumentParser(
        description='Build (or find in the cache) the vnfsnap test guest.')
    parser.add_argument('--cache-dir', default=None)
    parser.add_argument('--mirror', default=None)
    parser.add_argument('--rebuild', action='store_true')
    args = parser.parse_args(argv)
    try:
        image = build(args.cache_dir, args.mirror, args.rebuild)
    except GuestImageError as e:
        print('error: %s' % e, file=sys.stderr)
        return 1
    print('%s guest image %s in %.1f s' % (
        'built' if image.built else 'cached', image.key, image.seconds))
    for attr in ('directory', 'kernel', 'initrd', 'root_disk', 'data_disk'):
        print('  %-10s %s' % (attr, getattr(image, attr)))
    files = image.manifest['files']
    print('  root.qcow2 %.1f MiB (virtual %d MiB)' % (
        files['root.qcow2']['file_size'] / 2 ** 20,
        files['root.qcow2']['virtual_size'] / 2 ** 20))
    return 0


if __name__ == '__main__':
    sys.exit(main())
