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

"""Define, boot and clean up libvirt domains of the test guest.

Each domain gets its own folder (``<work_dir>/<name>/``) holding its disks
-- qcow2 overlays on the cached guest image, with ABSOLUTE backing paths
and backing format qcow2 -- and its serial console log.  libvirt creates
external snapshot files next to the disks by default, so they land in that
folder too, and :func:`destroy_all` removes it whole.

The domain XML (:func:`domain_xml`):

- ``<domain type='qemu'>`` (TCG) unless KVM really boots the guest on this
  host (:func:`virt_type` boots it once to find out and caches the answer:
  on some hosts /dev/kvm exists but a KVM guest stops with an emulation
  failure and stays paused);
- 256 MiB, 1 vCPU, ``<tcg><tb-cache unit='MiB'>32</tb-cache></tcg>`` under
  TCG (the default 1 GiB translation cache is most of an idle guest's RSS);
- direct kernel boot (kernel, initramfs, command line of the image);
- serial console appended to ``console.log`` in the domain's folder;
- a virtio-serial channel ``org.qemu.guest_agent.0``;
- ``vda``: the root disk; ``vdb``: an optional data disk (empty ext4,
  mounted on /data by the guest, where the workload keeps a second
  journal), so that multi-disk snapshots are exercised.  Both virtio,
  qcow2, ``cache='none'`` (O_DIRECT, QEMU's advice for guests: what the
  guest flushed is in the image file itself, not only in the host's page
  cache; QEMU drains and flushes before any snapshot in every mode), or
  ``writeback`` where the folder cannot do O_DIRECT (tmpfs), and
  ``discard='unmap'`` (the guest's discards keep overlays small);
- no network interface unless one is asked for (an :class:`Interface`:
  a virtio NIC on a host bridge, the guest's address on the kernel
  command line, ``vnfsnap.ip=``, which the guest gives its eth0); no
  graphics, no USB, no balloon; a virtio RNG.

Measured here (TCG, 2 cores): boot to a guest agent answer 4.7-5.3 s for
one guest, 7.0-7.9 s each when three boot together; ~220 MiB RSS per
guest (QEMU process, idle, 256 MiB RAM, 32 MiB TB cache); an idle guest
uses ~5 % of a core (the counter ticks 5 times a second).

QEMU runs as ``libvirt-qemu`` (Debian's default; this module changes no
libvirt configuration): every folder above an image must be traversable
(o+x) by it.  :func:`check_traversable` says which one is not; folders
this module creates are mode 0755.

Names: ``<prefix>-<index>`` by default (or the names given), so that
:func:`destroy_all` finds them by prefix.  The domain's folder and the
image it was made from are recorded in its XML ``<metadata>``.
"""

import dataclasses
import json
import os
import pwd
import secrets
import shutil
import stat
import subprocess
import tempfile
import time
from xml.sax import saxutils

import libvirt

from vnfsnap_demo import guest_agent
from vnfsnap_demo import guest_image

METADATA_NS = 'https://opendev.org/vnfsnap/demo/guest/1'
METADATA_PREFIX = 'vnfsnapguest'
#: A file in each domain folder: destroy_all removes only such folders.
FOLDER_MARKER = '.vnfsnap-domain'
QEMU_USER = 'libvirt-qemu'
QEMU_LOG_DIR = '/var/log/libvirt/qemu'
VIRT_TYPE_CACHE = 'virt-type.json'


class DomainError(Exception):
    """A test domain could not be created, booted or removed."""


@dataclasses.dataclass(frozen=True)
class Interface:
    """A virtio NIC of a domain on a host bridge, and the guest's
    address on it."""

    bridge: str             # an existing Linux bridge of the host
    address: str            # the guest's, with its prefix: 10.1.2.11/24
    mac: str = None         # default: libvirt picks one

    @property
    def ip(self):
        """The guest's address without its prefix."""
        return self.address.split('/', 1)[0]


@dataclasses.dataclass(frozen=True)
class TestDomain:
    """A domain of the test guest, as created by :func:`create`."""

    name: str
    uuid: str
    directory: str
    root_disk: str          # the overlay (vda)
    data_disk: str          # the overlay (vdb), or None
    console_log: str
    virt_type: str          # 'qemu' (TCG) or 'kvm'
    interface: Interface = None

    def lookup(self, conn):
        """The libvirt.virDomain of this domain on ``conn``."""
        return conn.lookupByName(self.name)

    def console_tail(self, limit=4000):
        """The end of the serial console log, as text."""
        return _tail(self.console_log, limit)


def _tail(path, limit=4000):
    try:
        with open(path, 'rb') as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - limit))
            return f.read().decode('utf-8', 'replace')
    except OSError:
        return ''


# ---------------------------------------------------------------------------
# Folders
# ---------------------------------------------------------------------------

def check_traversable(path, user=QEMU_USER):
    """Raise DomainError unless ``user`` can reach ``path``.

    Every folder from / to ``path`` (included) must grant that user
    search (x) permission, as owner, group or other.
    """
    try:
        pw = pwd.getpwnam(user)
    except KeyError:
        return      # no such user: QEMU does not run as it here
    groups = {pw.pw_gid} | {g for g in _supplementary_groups(user)}
    path = os.path.abspath(path)
    parts = path.split('/')
    for i in range(1, len(parts) + 1):
        d = '/'.join(parts[:i]) or '/'
        try:
            st = os.stat(d)
        except OSError:
            break
        if not stat.S_ISDIR(st.st_mode):
            continue
        if st.st_uid == pw.pw_uid:
            ok = st.st_mode & stat.S_IXUSR
        elif st.st_gid in groups:
            ok = st.st_mode & stat.S_IXGRP
        else:
            ok = st.st_mode & stat.S_IXOTH
        if not ok:
            raise DomainError(
                '%s cannot traverse %s (mode %o): QEMU runs as %s and '
                'needs to reach %s; use a folder under /var/lib, /var/tmp or '
                '/tmp, or chmod o+x %s' % (user, d, stat.S_IMODE(st.st_mode),
                                           user, path, d))


def _supplementary_groups(user):
    import grp

    return [g.gr_gid for g in grp.getgrall() if user in g.gr_mem]


def _qemu_img(*args):
    proc = subprocess.run(['qemu-img'] + list(args), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, check=False)
    if proc.returncode != 0:
        raise DomainError('qemu-img %s failed: %s' % (
            ' '.join(args), proc.stdout.decode('utf-8', 'replace')))
    return proc.stdout.decode()


def direct_io_supported(directory):
    """True when files in ``directory`` can be opened with O_DIRECT."""
    fd, path = tempfile.mkstemp(prefix='.odirect-', dir=directory)
    os.close(fd)
    try:
        fd = os.open(path, os.O_RDWR | getattr(os, 'O_DIRECT', 0))
        os.close(fd)
        return True
    except OSError:
        return False
    finally:
        os.unlink(path)


def create_overlay(base, path):
    """A qcow2 overlay at ``path`` on ``base`` (absolute path, qcow2)."""
    _qemu_img('create', '-q', '-f', 'qcow2', '-F', 'qcow2',
              '-b', os.path.abspath(base), os.path.abspath(path))
    os.chmod(path, 0o644)
    return path


# ---------------------------------------------------------------------------
# XML
# ---------------------------------------------------------------------------

def domain_xml(name, image, root_disk, console_log, data_disk=None,
               virt_type='qemu', memory_mib=256, vcpus=1, directory=None,
               cache='none', loglevel=4, interface=None):
    """The libvirt XML of a test domain (see the module docstring).

    :param interface: an :class:`Interface`, or None for no NIC.
    """
    e = saxutils.escape
    q = saxutils.quoteattr
    nic = ''
    address = None
    if interface is not None:
        mac = ("      <mac address=%s/>\n" % q(interface.mac)
               if interface.mac else '')
        nic = ("    <interface type='bridge'>\n"
               "      <source bridge=%s/>\n"
               "%s"
               "      <model type='virtio'/>\n"
               "    </interface>\n" % (q(interface.bridge), mac))
        address = interface.address
    disks = []
    for dev, path in (('vda', root_disk), ('vdb', data_disk)):
        if path:
            disks.append(
                "    <disk type='file' device='disk'>\n"
                "      <driver name='qemu' type='qcow2' cache=%s "
                "discard='unmap'/>\n"
                "      <source file=%s/>\n"
                "      <target dev='%s' bus='virtio'/>\n"
                "    </disk>\n" % (q(cache), q(os.path.abspath(path)), dev))
    tcg = ''
    if virt_type == 'qemu':
        tcg = "    <tcg><tb-cache unit='MiB'>32</tb-cache></tcg>\n"
    meta = json.dumps({'directory': directory, 'image': image.key,
                       'image_directory': image.directory})
    return (
        "<domain type=%s>\n"
        "  <name>%s</name>\n"
        "  <metadata>\n"
        "    <%s:guest xmlns:%s=%s>%s</%s:guest>\n"
        "  </metadata>\n"
        "  <memory unit='MiB'>%d</memory>\n"
        "  <vcpu>%d</vcpu>\n"
        "  <os>\n"
        "    <type arch='x86_64' machine='pc'>hvm</type>\n"
        "    <kernel>%s</kernel>\n"
        "    <initrd>%s</initrd>\n"
        "    <cmdline>%s</cmdline>\n"
        "  </os>\n"
        "  <features>\n"
        "    <acpi/>\n"
        "%s"
        "  </features>\n"
        "  <clock offset='utc'/>\n"
        "  <on_poweroff>destroy</on_poweroff>\n"
        "  <on_reboot>restart</on_reboot>\n"
        "  <on_crash>destroy</on_crash>\n"
        "  <devices>\n"
        "%s"
        "%s"
        "    <controller type='usb' model='none'/>\n"
        "    <serial type='file'>\n"
        "      <source path=%s append='on'/>\n"
        "      <target port='0'/>\n"
        "    </serial>\n"
        "    <console type='file'>\n"
        "      <source path=%s append='on'/>\n"
        "      <target type='serial' port='0'/>\n"
        "    </console>\n"
        "    <channel type='unix'>\n"
        "      <target type='virtio' name=%s/>\n"
        "    </channel>\n"
        "    <rng model='virtio'>\n"
        "      <backend model='random'>/dev/urandom</backend>\n"
        "    </rng>\n"
        "    <memballoon model='none'/>\n"
        "  </devices>\n"
        "</domain>\n" % (
            q(virt_type), e(name),
            METADATA_PREFIX, METADATA_PREFIX, q(METADATA_NS), e(meta),
            METADATA_PREFIX,
            memory_mib, vcpus,
            e(image.kernel), e(image.initrd),
            e(image.cmdline(name, loglevel, address)),
            tcg, ''.join(disks), nic,
            q(os.path.abspath(console_log)), q(os.path.abspath(console_log)),
            q(guest_image.AGENT_CHANNEL)))


def domain_metadata(dom):
    """The dict this module recorded in a domain's XML (None if none)."""
    try:
        text = dom.metadata(libvirt.VIR_DOMAIN_METADATA_ELEMENT, METADATA_NS,
                            libvirt.VIR_DOMAIN_AFFECT_CONFIG
                            if dom.isPersistent() else
                            libvirt.VIR_DOMAIN_AFFECT_LIVE)
    except libvirt.libvirtError:
        return None
    import xml.etree.ElementTree as ET

    try:
        # libvirt's own output of what this module wrote: trusted
        return json.loads(ET.fromstring(text).text or 'null')  # noqa: S314
    except (ET.ParseError, ValueError):
        return None


# ---------------------------------------------------------------------------
# KVM or TCG
# ---------------------------------------------------------------------------

def _host_fingerprint(conn):
    try:
        with open('/proc/sys/kernel/random/boot_id') as f:
            boot = f.read().strip()
    except OSError:
        boot = ''
    return {'boot_id': boot, 'libvirt': conn.getLibVersion(),
            'qemu': conn.getVersion(), 'kernel': os.uname().release}


def _kvm_offered(conn):
    if not os.path.exists('/dev/kvm'):
        return False
    try:
        conn.getDomainCapabilities(None, 'x86_64', None, 'kvm', 0)
        return True
    except libvirt.libvirtError:
        return False


def virt_type(conn, image, work_dir=None, cache_dir=None, timeout=60):
    """'kvm' when KVM really boots the test guest here, else 'qemu' (TCG).

    ``$VNFSNAP_VIRT_TYPE`` (kvm or qemu) decides when set.  Otherwise, when
    libvirt offers KVM, a transient KVM domain of the guest is booted once
    until its agent answers (KVM works) or it stops/pauses or ``timeout``
    passes (it does not).  The answer is cached in ``<cache_dir>/
    virt-type.json`` (default: the image's cache folder) for this host
    boot, libvirt and QEMU version.
    """
    forced = os.environ.get('VNFSNAP_VIRT_TYPE', '').strip()
    if forced:
        if forced not in ('kvm', 'qemu'):
            raise DomainError('VNFSNAP_VIRT_TYPE must be kvm or qemu, not %r'
                              % forced)
        return forced
    if not _kvm_offered(conn):
        return 'qemu'
    cache_dir = cache_dir or os.path.dirname(image.directory)
    cache_file = os.path.join(cache_dir, VIRT_TYPE_CACHE)
    fingerprint = _host_fingerprint(conn)
    try:
        with open(cache_file) as f:
            cached = json.load(f)
        if cached.get('host') == fingerprint:
            return cached['virt_type']
    except (OSError, ValueError, KeyError):
        pass
    result, detail = _probe_kvm(conn, image, work_dir or cache_dir, timeout)
    tmp = cache_file + '.tmp'
    with open(tmp, 'w') as f:
        json.dump({'host': fingerprint, 'virt_type': result,
                   'detail': detail,
                   'probed_at': time.strftime('%Y-%m-%dT%H:%M:%SZ',
                                              time.gmtime())}, f, indent=1)
    os.replace(tmp, cache_file)
    return result


def _probe_kvm(conn, image, work_dir, timeout, silent_limit=15):
    """Boot a transient KVM domain once: ('kvm'|'qemu', detail).

    KVM works when the agent answers.  It does not when the domain pauses
    or stops (KVM internal error), or when its console stays silent for
    ``silent_limit`` seconds: on this project's machines the guest spins
    without printing a line (a working KVM guest prints the kernel banner
    within a second; the probe boots with loglevel=7).
    """
    os.makedirs(work_dir, exist_ok=True)
    d = tempfile.mkdtemp(prefix='kvm-probe-', dir=work_dir)
    os.chmod(d, 0o755)  # noqa: S103 (QEMU runs as libvirt-qemu)
    check_traversable(d)
    name = 'vnfsnap-kvmprobe-%s' % secrets.token_hex(4)
    root = create_overlay(image.root_disk, os.path.join(d, 'root.qcow2'))
    log = os.path.join(d, 'console.log')
    dom = None
    start = time.monotonic()
    try:
        xml = domain_xml(name, image, root, log, virt_type='kvm',
                         directory=d, loglevel=7)
        try:
            dom = conn.createXML(xml, 0)
        except libvirt.libvirtError as e:
            return 'qemu', 'KVM domain did not start: %s' % e
        while True:
            elapsed = time.monotonic() - start
            try:
                guest_agent.ping(dom, timeout=2)
                return 'kvm', 'agent answered after %.1f s' % elapsed
            except guest_agent.AgentError as e:
                last = e.message
            state = dom.state()
            if state[0] not in (libvirt.VIR_DOMAIN_RUNNING,
                                libvirt.VIR_DOMAIN_BLOCKED):
                return 'qemu', 'KVM guest stopped or paused (state %s) ' \
                    'after %.1f s; console: %s' % (state, elapsed,
                                                   _tail(log, 300))
            silent = not os.path.exists(log) or os.path.getsize(log) == 0
            if silent and elapsed > silent_limit:
                return 'qemu', 'KVM guest printed nothing in %.0f s ' \
                    '(hung; %s)' % (elapsed, last)
            if elapsed > timeout:
                return 'qemu', 'no agent answer from the KVM guest within ' \
                    '%ss (%s); console: %s' % (timeout, last, _tail(log, 300))
            time.sleep(0.25)
    finally:
        if dom is not None:
            try:
                dom.destroy()
            except libvirt.libvirtError:
                pass
        _remove_qemu_log(name)
        shutil.rmtree(d, ignore_errors=True)


# ---------------------------------------------------------------------------
# Create, boot, destroy
# ---------------------------------------------------------------------------

def create(conn, image, count=1, work_dir=None, prefix='vnfsnap-guest',
           names=None, data_disk=True, virt=None, memory_mib=256, vcpus=1,
           interfaces=None):
    """Define ``count`` persistent domains of ``image`` (not started).

    :param conn: a libvirt connection (qemu:///system).
    :param image: a guest_image.GuestImage.
    :param work_dir: parent of the domains' folders (created 0755; must be
        traversable by libvirt-qemu).
    :param prefix: names are ``<prefix>-<i>`` (i from 1) unless ``names``
        (each must start with ``prefix``) are given.
    :param data_disk: give each domain a second disk (vdb).
    :param virt: 'kvm' or 'qemu'; default: :func:`virt_type`.
    :param interfaces: one :class:`Interface` (or None) per domain, in
        the order of the names; default: no NIC.
    :returns: a list of :class:`TestDomain`.
    :raises DomainError: a name is taken, a folder exists, etc.  Domains
        this call defined are removed again on failure.
    """
    if not prefix:
        raise DomainError('a non-empty name prefix is required')
    if work_dir is None:
        raise DomainError('work_dir is required')
    work_dir = os.path.abspath(work_dir)
    names = list(names) if names else ['%s-%d' % (prefix, i + 1)
                                       for i in range(count)]
    for n in names:
        if not n.startswith(prefix):
            raise DomainError('%s does not start with the prefix %s'
                              % (n, prefix))
    interfaces = list(interfaces) if interfaces else [None] * len(names)
    if len(interfaces) != len(names):
        raise DomainError('%d interfaces for %d domains'
                          % (len(interfaces), len(names)))
    os.makedirs(work_dir, exist_ok=True)
    check_traversable(work_dir)
    check_traversable(image.directory)
    virt = virt or virt_type(conn, image, work_dir)
    cache = 'none' if direct_io_supported(work_dir) else 'writeback'
    created = []
    try:
        for name, interface in zip(names, interfaces, strict=True):
            try:
                conn.lookupByName(name)
                raise DomainError('a domain named %s exists already' % name)
            except libvirt.libvirtError:
                pass
            d = os.path.join(work_dir, name)
            os.mkdir(d, 0o755)
            os.chmod(d, 0o755)  # noqa: S103 (QEMU runs as libvirt-qemu)
            open(os.path.join(d, FOLDER_MARKER), 'w').close()
            root = create_overlay(image.root_disk,
                                  os.path.join(d, 'root.qcow2'))
            data = None
            if data_disk:
                data = create_overlay(image.data_disk,
                                      os.path.join(d, 'data.qcow2'))
            log = os.path.join(d, 'console.log')
            xml = domain_xml(name, image, root, log, data_disk=data,
                             virt_type=virt, memory_mib=memory_mib,
                             vcpus=vcpus, directory=d, cache=cache,
                             interface=interface)
            try:
                dom = conn.defineXML(xml)
            except libvirt.libvirtError as e:
                shutil.rmtree(d, ignore_errors=True)
                raise DomainError('defining %s failed: %s' % (name, e))
            created.append(TestDomain(
                name=name, uuid=dom.UUIDString(), directory=d,
                root_disk=root, data_disk=data, console_log=log,
                virt_type=virt, interface=interface))
    except BaseException:
        for td in created:
            _remove_domain(conn, td.name)
        raise
    return created


def boot(conn, domains, timeout=180, wait_workload=True):
    """Start the domains together; wait until each one's agent answers.

    :param domains: TestDomain objects (or names).
    :param wait_workload: then also wait until each guest's counter runs.
    :returns: {name: seconds from its start to the first guest-ping
        answer}.
    :raises DomainError: a domain stopped, or did not answer within
        ``timeout`` seconds (with the end of its console log).
    """
    names = [getattr(d, 'name', d) for d in domains]
    doms = {}
    started = {}
    for name in names:
        dom = conn.lookupByName(name)
        if not dom.isActive():
            dom.create()
        started[name] = time.monotonic()
        doms[name] = dom
    times = {}
    waiting = list(names)
    last_err = {}
    while waiting:
        for name in list(waiting):
            dom = doms[name]
            try:
                guest_agent.ping(dom, timeout=2)
                times[name] = time.monotonic() - started[name]
                waiting.remove(name)
                continue
            except guest_agent.AgentError as e:
                last_err[name] = e.message
            state = dom.state()[0]
            if state not in (libvirt.VIR_DOMAIN_RUNNING,
                             libvirt.VIR_DOMAIN_BLOCKED):
                raise DomainError('%s stopped while booting (state %d); '
                                  'console:\n%s' % (
                                      name, state, _console_of(dom)))
            if time.monotonic() - started[name] > timeout:
                raise DomainError(
                    '%s: no guest agent answer within %ss (%s); console:\n%s'
                    % (name, timeout, last_err.get(name), _console_of(dom)))
        if waiting:
            time.sleep(0.2)
    if wait_workload:
        for name in names:
            try:
                guest_agent.wait_for_workload(doms[name], timeout=timeout)
            except guest_agent.AgentError as e:
                raise DomainError('%s: %s; console:\n%s' % (
                    name, e, _console_of(doms[name])))
    return times


def _console_of(dom):
    meta = domain_metadata(dom) or {}
    d = meta.get('directory')
    return _tail(os.path.join(d, 'console.log'), 3000) if d else ''


def create_and_boot(conn, image, count, work_dir, prefix='vnfsnap-guest',
                    timeout=180, **kwargs):
    """:func:`create` then :func:`boot`: (list of TestDomain, times)."""
    created = create(conn, image, count, work_dir, prefix, **kwargs)
    try:
        times = boot(conn, created, timeout=timeout)
    except BaseException:
        for td in created:
            _remove_domain(conn, td.name)
        raise
    return created, times


def _remove_qemu_log(name):
    for suffix in ('', '.0', '.1', '.2'):
        try:
            os.unlink(os.path.join(QEMU_LOG_DIR, name + '.log' + suffix))
        except OSError:
            pass


def _remove_domain(conn, name):
    """Destroy, undefine (with snapshot/checkpoint metadata), remove files."""
    try:
        dom = conn.lookupByName(name)
    except libvirt.libvirtError:
        return False
    meta = domain_metadata(dom) or {}
    try:
        if dom.isActive():
            dom.destroy()
    except libvirt.libvirtError as e:
        if dom.isActive():
            raise DomainError('destroying %s failed: %s' % (name, e))
    try:
        if dom.isPersistent():
            flags = (libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA
                     | libvirt.VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA
                     | libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE)
            dom.undefineFlags(flags)
    except libvirt.libvirtError as e:
        if e.get_error_code() != libvirt.VIR_ERR_NO_DOMAIN:
            raise DomainError('undefining %s failed: %s' % (name, e))
    d = meta.get('directory')
    if d and os.path.isfile(os.path.join(d, FOLDER_MARKER)):
        shutil.rmtree(d, ignore_errors=True)
    _remove_qemu_log(name)
    return True


def destroy_all(conn, prefix):
    """Remove every domain whose name starts with ``prefix``.

    Running ones are destroyed (power cut); all are undefined with their
    snapshot and checkpoint metadata (and managed save); their folders (the
    ones this module made, with every snapshot file in them) and their
    QEMU logs are removed.  Returns the names removed.
    """
    if not prefix or len(prefix) < 3:
        raise DomainError('refusing to destroy domains by a prefix shorter '
                          'than 3 characters: %r' % prefix)
    removed = []
    for dom in conn.listAllDomains(0):
        name = dom.name()
        if name.startswith(prefix) and _remove_domain(conn, name):
            removed.append(name)
    return removed


def qemu_pid(dom):
    """PID of the domain's QEMU process (from libvirt's PID file)."""
    path = '/run/libvirt/qemu/%s.pid' % dom.name()
    try:
        with open(path) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def rss_kib(dom):
    """Resident memory of the domain's QEMU process, in KiB."""
    pid = qemu_pid(dom)
    if pid is None:
        return None
    try:
        with open('/proc/%d/status' % pid) as f:
            for line in f:
                if line.startswith('VmRSS:'):
                    return int(line.split()[1])
    except OSError:
        return None
    return None
