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
  drivers are modules in the cloud kernel; ext4 is built in) and an
  ``/init`` that loads them, mounts ``/dev/vda`` and switch_roots to
  ``/sbin/vnfsnap-init``.
- **root disk** (``root.qcow2``, 1 GiB virtual, sparse): ``debootstrap
  --variant=minbase --include=qemu-guest-agent`` bookworm, trimmed (docs but
  copyright files, man pages, locales, apt lists and caches) and packed with
  ``mkfs.ext4 -d``, then converted to qcow2.
- **data disk** (``data.qcow2``, 1 GiB virtual): an empty ext4 file system
  labelled ``vnfsnap-data``, for a second disk (vdb) so that multi-disk
  snapshots are exercised.  Optional for a domain.

What runs in the guest (no init system; everything is in this file):

- ``/sbin/vnfsnap-init`` (PID 1, a dash script): mounts proc, sys, dev,
  devpts, tmpfs on /run, /tmp and /dev/shm; mounts ``/dev/vdb`` on /data
  when present; creates ``/dev/virtio-ports/<name>`` links from
  ``/sys/class/virtio-ports/*/name``; starts (and restarts if it exits)
  ``qemu-ga -m virtio-serial -p /dev/virtio-ports/org.qemu.guest_agent.0
  -F/etc/qemu/fsfreeze-hook``; starts the workload; then reaps children.
- the **workload** ``/usr/local/sbin/vnfsnap-counter`` (perl-base, which is
  in every Debian system): every 0.2 s it increments a counter.  The value
  lives in the process's memory and is mirrored to ``/run/vnfsnap/counter``
  (tmpfs: memory-only state); every value is appended, one line each and
  fsync'ed, to ``/var/lib/vnfsnap/journal`` on the root disk and, when the
  data disk is mounted, to ``/data/vnfsnap/journal`` (disk state).  At
  start it continues from the last value of the root journal.  It also
  writes ``/run/vnfsnap/state`` (``key=value`` lines: value, held,
  last_hold, last_set, pid).  Signals: SIGUSR1 hold, SIGUSR2 resume, SIGHUP
  read a ``/run/vnfsnap/set`` request (``VALUE ID``), SIGTERM exit.
- the **fsfreeze hook** ``/etc/qemu/fsfreeze-hook`` (qemu-ga's ``-F``
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
- ``/sbin/shutdown``: what qemu-ga's ``guest-shutdown`` runs; stops the
  counter, remounts the disks read-only and powers off (or reboots)
  through ``/proc/sysrq-trigger``.

Caching: the outputs live in ``<cache_dir>/guest-<key>/``, where ``key`` is
a hash of the inputs: this module's source (the recipe), the kernel's and
busybox's installed package versions, debootstrap's version, and the
versions the archive offers (``apt-cache madison``) for the packages the
root file system includes.  A build happens only when no folder of that key
exists; it runs in a temporary folder beside it, renamed into place at the
end (atomic), under a lock (concurrent callers wait and reuse the result).
Downloaded packages are kept in ``<cache_dir>/debs`` for the next build.
Old ``guest-*`` folders are never removed automatically (domains may still
use them as backing files).

Measured on the project's machines (2 cores, Debian's archive over the
network): 27 s to build from nothing (debootstrap 26 s of it, downloading
33 MiB of packages), 21 s when the packages are in ``<cache_dir>/debs``,
0.5 s for a cache hit (computing the key).  Sizes: ``root.qcow2`` 88 MiB
(1 GiB virtual; 32 MiB as a compressed qcow2, 29 MiB gzip'ed, 19 MiB
zstd -19), ``vmlinuz`` 13.5 MiB, ``initrd.img`` 1.1 MiB, ``data.qcow2``
1.4 MiB; 92 Debian packages.  A build's ``manifest.json`` has its own
figures (timings, sizes, installed package versions).

Usage::

    image = guest_image.build()          # or build(cache_dir=...)
    image.kernel, image.initrd, image.root_disk, image.data_disk
    image.cmdline('guest-1')             # kernel command line for a domain

Command line: ``python -m vnfsnap.demo.guest_image [--cache-dir DIR]
[--rebuild]`` builds (or finds) the image and prints its paths.
"""

import dataclasses
import fcntl
import glob
import gzip
import hashlib
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
INCLUDE_PACKAGES = ('qemu-guest-agent',)
#: Packages whose archive version is part of the cache key (what the guest
#: really runs: the agent, the shell, perl for the workload, libc).
KEYED_PACKAGES = ('qemu-guest-agent', 'libglib2.0-0', 'perl-base', 'dash',
                  'coreutils', 'libc6', 'util-linux', 'base-files')
#: Kernel modules the initramfs loads (with their dependencies).
MODULES = ('virtio_pci', 'virtio_blk', 'virtio_console', 'virtio_rng')
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

OUTPUT_FILES = ('vmlinuz', 'initrd.img', 'root.qcow2', 'data.qcow2',
                'manifest.json')


class GuestImageError(Exception):
    """The guest image could not be built."""


# ---------------------------------------------------------------------------
# What goes into the guest
# ---------------------------------------------------------------------------

INITRAMFS_INIT = r'''#!/bin/busybox sh
# /init of the vnfsnap test guest's initramfs: load the virtio modules
# (modules in Debian's cloud kernel), mount the root disk, switch_root.
/bin/busybox mkdir -p /bin /proc /sys /dev /newroot
/bin/busybox --install -s /bin
export PATH=/bin

fail() {
    echo "vnfsnap initramfs: $*" >/dev/console
    echo "vnfsnap initramfs: powering off" >/dev/console
    sync
    echo o >/proc/sysrq-trigger
    sleep 60
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
for m in $(cat /etc/modules); do
    insmod "/lib/modules/$m" || echo "vnfsnap initramfs: insmod $m failed"
done

root=/dev/vda
init=/sbin/vnfsnap-init
for arg in $(cat /proc/cmdline); do
    case "$arg" in
        root=/dev/*) root=${arg#root=} ;;
        vnfsnap.init=*) init=${arg#vnfsnap.init=} ;;
    esac
done
i=0
while [ ! -b "$root" ]; do
    i=$((i + 1))
    [ "$i" -le 100 ] || fail "no root device $root"
    sleep 0.1
done
mount -t ext4 -o rw,noatime "$root" /newroot || fail "cannot mount $root"
[ -x "/newroot$init" ] || fail "no $init on $root"
umount /proc /sys
mount --move /dev /newroot/dev
exec switch_root /newroot "$init"
'''

GUEST_INIT = r'''#!/bin/sh
# PID 1 of the vnfsnap test guest (built by vnfsnap/demo/guest_image.py):
# mounts, the guest agent, the counter workload, then reaps children.
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
umask 022

log() { echo "vnfsnap-init: $*" >/dev/console; }

mountpoint -q /proc || mount -t proc -o nosuid,nodev,noexec proc /proc
mountpoint -q /sys || mount -t sysfs -o nosuid,nodev,noexec sysfs /sys
mountpoint -q /dev || mount -t devtmpfs -o nosuid devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts -o nosuid,noexec,gid=5,mode=620 devpts /dev/pts
mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs /dev/shm
mount -t tmpfs -o nosuid,nodev,mode=755 tmpfs /run
mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs /tmp
exec </dev/null >/dev/console 2>&1

name=vnfsnap-guest
for arg in $(cat /proc/cmdline); do
    case "$arg" in vnfsnap.name=?*) name=${arg#vnfsnap.name=} ;; esac
done
hostname "$name"
mkdir -p __RUN_DIR__

if [ -b /dev/vdb ]; then
    mkdir -p __DATA_MOUNT__
    if mount -t ext4 -o rw,noatime /dev/vdb __DATA_MOUNT__; then
        mkdir -p __DATA_MOUNT__/vnfsnap
        : >__RUN_DIR__/data-mounted
    else
        log "cannot mount /dev/vdb"
    fi
fi

# What udev would do: /dev/virtio-ports/<name> -> ../vportNpM
mkdir -p /dev/virtio-ports
i=0
while :; do
    for d in /sys/class/virtio-ports/*; do
        [ -r "$d/name" ] || continue
        read -r port <"$d/name" || true
        [ -n "$port" ] && ln -sf "../${d##*/}" "/dev/virtio-ports/$port"
    done
    [ -e /dev/virtio-ports/__AGENT_CHANNEL__ ] && break
    i=$((i + 1))
    [ "$i" -le 50 ] || { log "no virtio port __AGENT_CHANNEL__"; break; }
    sleep 0.1
done

# The guest agent; restarted if it ever exits.
(
    while :; do
        qemu-ga -m virtio-serial -p /dev/virtio-ports/__AGENT_CHANNEL__ \
            -F/etc/qemu/fsfreeze-hook -f /run/qemu-ga.pid -t /run
        log "qemu-ga exited with status $?; restarting"
        sleep 1
    done
) &

# The workload: not restarted (its memory state would be lost silently).
(
    /usr/local/sbin/vnfsnap-counter
    log "vnfsnap-counter exited with status $?"
) &

log "started ($name, boot id $(cat /proc/sys/kernel/random/boot_id))"
while :; do
    wait
    sleep 1
done
'''

COUNTER = r'''#!/usr/bin/perl
# vnfsnap-counter: the workload of the vnfsnap test guest (built by
# vnfsnap/demo/guest_image.py).  Every __INTERVAL__ s it increments a
# counter kept in memory, mirrored to __RUN_DIR__/counter (tmpfs), and
# appends each value as one fsync'ed line to its journal(s) on disk.
#   SIGUSR1: hold (answer "TOKEN VALUE" in __RUN_DIR__/held, TOKEN from
#            __RUN_DIR__/hold-request; make no progress) until SIGUSR2
#   SIGHUP:  read "VALUE ID" from __RUN_DIR__/set and take VALUE
#   SIGTERM: exit
use strict;
use warnings;
use IO::Handle;

my $RUN = '__RUN_DIR__';
my @JOURNALS = ('__JOURNAL__');
push @JOURNALS, '__DATA_JOURNAL__' if -e "$RUN/data-mounted";
my $INTERVAL = __INTERVAL__;

my ($hold, $reload, $stop) = (0, 0, 0);
$SIG{USR1} = sub { $hold = 1 };
$SIG{USR2} = sub { $hold = 0 };
$SIG{HUP} = sub { $reload = 1 };
$SIG{TERM} = $SIG{INT} = sub { $stop = 1 };

sub put {
    my ($name, $text) = @_;
    my $tmp = "$RUN/.$name.tmp";
    open(my $fh, '>', $tmp) or die "$tmp: $!\n";
    print {$fh} $text;
    close($fh) or die "$tmp: $!\n";
    rename($tmp, "$RUN/$name") or die "$RUN/$name: $!\n";
}

# The last complete line of a journal (a torn last line is skipped).
sub last_value {
    my ($path) = @_;
    open(my $fh, '<', $path) or return undef;
    my $size = -s $fh;
    seek($fh, $size > 4096 ? $size - 4096 : 0, 0);
    local $/;
    my $tail = <$fh>;
    close($fh);
    return undef unless defined $tail;
    my @values = ($tail =~ /^(\d+)\n/mg);
    return @values ? $values[-1] : undef;
}

my $n = last_value($JOURNALS[0]) // 0;
my ($held, $last_hold, $last_set) = (0, '', '');
my @fhs;
for my $j (@JOURNALS) {
    open(my $fh, '>>', $j) or die "$j: $!\n";
    push @fhs, $fh;
}

sub publish {
    put('counter', "$n\n");
    put('state', "value=$n\nheld=$held\nlast_hold=$last_hold\n"
        . "last_set=$last_set\npid=$$\n");
}

sub record {
    my $line = "$n\n";
    for my $i (0 .. $#fhs) {
        defined(syswrite($fhs[$i], $line))
            or warn "vnfsnap-counter: $JOURNALS[$i]: $!\n";
        $fhs[$i]->sync or warn "vnfsnap-counter: fsync $JOURNALS[$i]: $!\n";
    }
}

sub take_set_request {
    open(my $fh, '<', "$RUN/set") or return;
    my $req = <$fh>;
    close($fh);
    unlink("$RUN/set");
    return unless defined $req && $req =~ /^(\d+)\s+(\S+)/;
    ($n, $last_set) = ($1, $2);
    publish();
    record();
}

put('counter.pid', "$$\n");
publish();
print STDERR "vnfsnap-counter: pid $$, starting at $n, journals @JOURNALS\n";
while (!$stop) {
    if ($reload) {
        $reload = 0;
        take_set_request();
    }
    if ($hold) {
        my $token = '-';
        if (open(my $fh, '<', "$RUN/hold-request")) {
            $token = <$fh> // '-';
            chomp($token);
            close($fh);
        }
        ($held, $last_hold) = (1, $n);
        publish();
        put('held', "$token $n\n");
        select(undef, undef, undef, 1) while $hold && !$stop;
        unlink("$RUN/held");
        $held = 0;
        publish();
        next;
    }
    $n++;
    publish();
    record();
    select(undef, undef, undef, $INTERVAL);
}
unlink("$RUN/counter.pid");
'''

FSFREEZE_HOOK = r'''#!/bin/sh
# fsfreeze hook of the vnfsnap test guest: qemu-ga -F runs it with "freeze"
# before freezing the file systems and with "thaw" after thawing them.
#
# It holds the vnfsnap counter while frozen: on "freeze" it asks the counter
# to hold (SIGUSR1, with a token in __RUN_DIR__/hold-request) and waits, at
# most 2 s, until the counter answers "TOKEN VALUE" in __RUN_DIR__/held;
# on "thaw" it lets it resume (SIGUSR2).  Then, like Debian's hook, it runs
# the executables of fsfreeze-hook.d with the same argument (none here).
#
# Unlike Debian's hook it logs to tmpfs (never to a disk being frozen), a
# failure on "freeze" fails the freeze (qemu-ga then does not freeze and
# reports the error), and it uses shell builtins only: every fork+exec
# costs about 0.1 s in a TCG guest, and this runs inside the freeze.
RUN=__RUN_DIR__
LOG=__HOOK_LOG__
D=/etc/qemu/fsfreeze-hook.d

log() {
    read -r up _ </proc/uptime
    echo "$up $*" >>"$LOG"
}

centis() {  # /proc/uptime as centiseconds (it always has 2 decimals)
    read -r up _ </proc/uptime
    echo "${up%.*}${up#*.}"
}

counter_pid() {
    pid=
    [ -r "$RUN/counter.pid" ] && read -r pid <"$RUN/counter.pid"
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

hold_counter() {
    counter_pid || { log "freeze: no counter running"; return 0; }
    read -r up _ </proc/uptime
    token="$$-$up"
    echo "$token" >"$RUN/hold-request"
    kill -USR1 "$pid"
    read -r start _ </proc/uptime
    start="${start%.*}${start#*.}"
    while :; do
        reply=
        [ -r "$RUN/held" ] && read -r reply <"$RUN/held"
        case "$reply" in "$token "*) break ;; esac
        read -r now _ </proc/uptime
        if [ $(( ${now%.*}${now#*.} - start )) -gt 200 ]; then
            log "freeze: counter $pid did not hold within 2 s"
            kill -USR2 "$pid"
            return 1
        fi
    done
    log "freeze: counter $pid holds at ${reply#* }"
}

resume_counter() {
    counter_pid || { log "thaw: no counter running"; return 0; }
    kill -USR2 "$pid"
    log "thaw: counter $pid resumes"
}

run_scripts() {  # run_scripts ARG: the executables of fsfreeze-hook.d
    done_list=
    for f in "$D"/*; do
        [ -f "$f" ] && [ -x "$f" ] || continue
        log "$1: $f"
        "$f" "$1" >>"$LOG" 2>&1
        status=$?
        [ "$status" -eq 0 ] && { done_list="$f $done_list"; continue; }
        log "$1: $f failed with status $status"
        if [ "$1" = freeze ]; then
            for g in $done_list; do "$g" thaw >>"$LOG" 2>&1; done
            return "$status"
        fi
    done
    return 0
}

case "$1" in
freeze)
    hold_counter || exit 1
    run_scripts freeze || { resume_counter; exit 1; }
    ;;
thaw)
    run_scripts thaw
    resume_counter
    ;;
*)
    log "unknown argument: $1"
    exit 2
    ;;
esac
exit 0
'''

SHUTDOWN = r'''#!/bin/sh
# /sbin/shutdown of the vnfsnap test guest (there is no init system):
# qemu-ga's guest-shutdown runs "shutdown -P|-H|-r +0 MESSAGE".
action=o
for arg; do
    case "$arg" in -r) action=b ;; esac
done
(
    sleep 0.2
    if [ -r __RUN_DIR__/counter.pid ]; then
        read -r pid <__RUN_DIR__/counter.pid
        kill -TERM "$pid" 2>/dev/null
        i=0
        while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 20 ]; do
            i=$((i + 1)); sleep 0.1
        done
    fi
    sync
    mountpoint -q __DATA_MOUNT__ && mount -o remount,ro __DATA_MOUNT__
    mount -o remount,ro /
    sync
    echo "$action" >/proc/sysrq-trigger
) </dev/null >/dev/console 2>&1 &
exit 0
'''


def _subst(text):
    for k, v in (('__RUN_DIR__', RUN_DIR), ('__JOURNAL__', JOURNAL),
                 ('__DATA_JOURNAL__', DATA_JOURNAL),
                 ('__DATA_MOUNT__', DATA_MOUNT),
                 ('__AGENT_CHANNEL__', AGENT_CHANNEL),
                 ('__HOOK_LOG__', HOOK_LOG),
                 ('__INTERVAL__', repr(COUNTER_INTERVAL))):
        text = text.replace(k, v)
    return text


#: Files written into the root file system: path -> (mode, content).
GUEST_FILES = {
    'sbin/vnfsnap-init': (0o755, _subst(GUEST_INIT)),
    'usr/local/sbin/vnfsnap-counter': (0o755, _subst(COUNTER)),
    'etc/qemu/fsfreeze-hook': (0o755, _subst(FSFREEZE_HOOK)),
    'sbin/shutdown': (0o755, _subst(SHUTDOWN)),
    'etc/hostname': (0o644, 'vnfsnap-guest\n'),
    'etc/hosts': (0o644, '127.0.0.1\tlocalhost\n::1\tlocalhost\n'),
    'etc/fstab': (0o644, '# vnfsnap test guest: mounts are done by '
                         '/sbin/vnfsnap-init\n'),
}

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

    def cmdline(self, name=None, loglevel=4):
        """The kernel command line for a domain of this guest.

        ``name`` becomes the guest's hostname.  ``mitigations=off`` and
        ``no_timer_check`` matter under TCG (CPU time, APIC timer check).
        """
        args = ['console=ttyS0,115200', 'root=/dev/vda', 'rw',
                'no_timer_check', 'mitigations=off', 'loglevel=%d' % loglevel,
                'panic=0']
        if name:
            args.append('vnfsnap.name=%s' % name)
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


def inputs():
    """Everything the image depends on, as a JSON-able dict."""
    release, _ = find_kernel()
    with open(__file__, 'rb') as f:
        recipe = hashlib.sha256(f.read()).hexdigest()
    return {
        'recipe_sha256': recipe,
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
    for rel, (mode, content) in GUEST_FILES.items():
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
    cpio.file('init', INITRAMFS_INIT.encode(), 0o755)
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
    if 'qemu-guest-agent' not in packages:
        raise GuestImageError('debootstrap did not install qemu-guest-agent')
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
