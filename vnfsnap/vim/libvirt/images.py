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

"""qemu-img, always with an explicit format and never trusting a header.

Every call names the image format (``-f``) so a crafted file cannot make
qemu-img guess, and reads images QEMU may hold open with ``-U``. Calls that
read an image which may have come from outside (``info``, and so
``check_standalone``) run under address-space and CPU-time limits: a
crafted image can make qemu-img allocate or compute without bound
(CVE-2015-5162), so they are capped as Nova and Glance cap qemu-img info.
"""

import contextlib
import errno
import json
import os
import shutil
import signal
import subprocess
import tempfile

from oslo_concurrency import processutils
from oslo_log import log as logging
from oslo_utils import units

from vnfsnap.common import exception

LOG = logging.getLogger(__name__)
QEMU_IMG = 'qemu-img'
# qemu-img info needs under 64 MiB of address space and well under a
# second of CPU for a sane image; these leave ample room for large ones.
UNTRUSTED_LIMITS = processutils.ProcessLimits(address_space=1 * units.Gi,
                                              cpu_time=30)
UNTRUSTED_TIMEOUT = 120
# What qemu-img and the loader print when an allocation fails.
_OUT_OF_MEMORY = ('cannot allocate memory', 'failed to allocate',
                  'out of memory', 'failed to map segment',
                  'resource temporarily unavailable')


def _limit_breach(exc, limits):
    """Say which limit a failed limited run most likely hit, or None."""
    code = exc.exit_code
    if limits.cpu_time and code in (-signal.SIGXCPU, -signal.SIGKILL):
        return 'exceeded its CPU time limit of %d s' % limits.cpu_time
    detail = ('%s %s' % (exc.stderr, exc.stdout)).lower()
    if limits.address_space and (
            (isinstance(code, int) and code < 0)
            or any(hint in detail for hint in _OUT_OF_MEMORY)):
        return ('stopped (exit code %s) under its address-space limit of '
                '%d MiB, most likely by exceeding it'
                % (code, limits.address_space // units.Mi))
    return None


def _run(args, limits=None, timeout=3600):
    """Run qemu-img; ``limits`` (a ProcessLimits) for untrusted images."""
    started = []
    try:
        out, _err = processutils.execute(
            QEMU_IMG, *args, prlimit=limits, timeout=timeout,
            on_execute=started.append)
    except subprocess.TimeoutExpired:
        # processutils leaves the child running when it times out.
        for proc in started:
            proc.kill()
            proc.wait()
        raise exception.VimError(reason='qemu-img %s did not finish within '
                                        '%d s' % (args[0], timeout))
    except OSError as e:
        raise exception.VimError(reason='qemu-img %s: %s' % (args[0], e))
    except processutils.ProcessExecutionError as e:
        breach = _limit_breach(e, limits) if limits else None
        detail = (e.stderr or '').strip() or (e.stdout or '').strip()
        if breach:
            raise exception.VimError(reason='qemu-img %s %s: %s' % (
                args[0], breach, detail or 'no output'))
        raise exception.VimError(reason='qemu-img %s failed (exit code '
                                        '%s): %s' % (args[0], e.exit_code,
                                                     detail))
    return out


def info(path, fmt='qcow2'):
    """``qemu-img info`` of one image (not its chain), as a dict; run under
    UNTRUSTED_LIMITS since the image may have been imported."""
    out = _run(['info', '-U', '-f', fmt, '--output=json', path],
               limits=UNTRUSTED_LIMITS, timeout=UNTRUSTED_TIMEOUT)
    try:
        return json.loads(out)
    except ValueError as e:
        raise exception.VimError(reason='qemu-img info of %s printed no '
                                        'JSON: %s' % (path, e))


def backing_file(path, fmt='qcow2'):
    """Absolute path of the image's backing file, or None."""
    data = info(path, fmt)
    backing = data.get('full-backing-filename') or data.get(
        'backing-filename')
    if backing and not os.path.isabs(backing):
        backing = os.path.join(os.path.dirname(path), backing)
    return backing


def create_overlay(path, backing, backing_fmt='qcow2'):
    """A new qcow2 image whose content is ``backing`` (absolute path)."""
    if not os.path.isabs(backing):
        raise exception.VimError(reason='backing path %s is not absolute'
                                 % backing)
    _run(['create', '-q', '-f', 'qcow2', '-F', backing_fmt, '-b', backing,
          path])


def commit(path):
    """Write what the qcow2 overlay ``path`` holds into its backing file
    (the image must be unused)."""
    _run(['commit', '-q', '-f', 'qcow2', path])


def flatten(src, dest, fmt='qcow2'):
    """Copy ``src`` and its whole backing chain into a standalone qcow2."""
    _run(['convert', '-U', '-f', fmt, '-O', 'qcow2', src, dest])


def measure(src, fmt='qcow2'):
    """Bytes a standalone qcow2 of ``src`` and its chain needs (qemu-img
    measure's ``required``): what :func:`flatten_into` will write, give
    or take the metadata, for the progress of a build."""
    out = _run(['measure', '-U', '-f', fmt, '-O', 'qcow2', '--output=json',
                src])
    try:
        return int(json.loads(out)['required'])
    except (ValueError, KeyError, TypeError) as e:
        raise exception.VimError(reason='qemu-img measure of %s printed '
                                        'no size: %s' % (src, e))


def flatten_into(src, path, offset, fmt='qcow2'):
    """:func:`flatten` of ``src`` straight into the file ``path`` from
    byte ``offset`` on (a package's member, say), leaving the file's end
    at the image's end; the bytes before ``offset`` are not touched.

    An empty qcow2 of the source's virtual size is made in a temporary
    file and its bytes put at ``offset``; qemu-img then converts into it
    through a raw window that starts there (``--target-image-opts``,
    ``-n``, ``--target-is-zero``: the new image reads as zeros). The
    target is not flushed (``-t unsafe``): whoever owns the file fsyncs
    it once, whole."""
    virtual = info(src, fmt)['virtual-size']
    with tempfile.TemporaryDirectory(prefix='vnfsnap-flatten-') as tmp:
        empty = os.path.join(tmp, 'empty.qcow2')
        _run(['create', '-q', '-f', 'qcow2', empty, str(virtual)])
        with open(empty, 'rb') as f:
            header = f.read()
    fd = os.open(path, os.O_WRONLY)
    try:
        os.ftruncate(fd, offset)
        done = 0
        while done < len(header):
            done += os.pwrite(fd, header[done:], offset + done)
    finally:
        os.close(fd)
    # A comma in a path would split the options; qemu-img takes ",,".
    target = ('driver=qcow2,file.driver=raw,file.offset=%d,'
              'file.file.driver=file,file.file.filename=%s'
              % (offset, path.replace(',', ',,')))
    _run(['convert', '-U', '-f', fmt, '-n', '--target-is-zero', '-t',
          'unsafe', src, '--target-image-opts', target])


def link_or_copy(src, dest):
    """Make ``dest`` hold what ``src`` holds: a hard link when both are on
    one file system (no byte is copied: an export only reads the file,
    and the VNFC snapshot it is of is reserved while it is packaged), a
    copy otherwise, or where the kernel refuses the link (another file
    system, fs.protected_hardlinks, the link count)."""
    try:
        os.link(src, dest)
    except OSError as e:
        if e.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK,
                           errno.EACCES):
            raise
        shutil.copyfile(src, dest)


def rebase(path, new_backing, backing_fmt='qcow2'):
    """Point ``path`` at ``new_backing`` (None: no backing file at all),
    copying what differs into it so its content does not change (safe mode;
    needs the image unused)."""
    if new_backing is None:
        _run(['rebase', '-f', 'qcow2', '-b', '', path])
    else:
        _run(['rebase', '-f', 'qcow2', '-F', backing_fmt, '-b', new_backing,
              path])


def check_standalone(path, fmt='qcow2'):
    """Refuse an image that refers to any other file (backing file, data
    file): an imported image must carry all of its content itself. Its
    qemu-img info runs under UNTRUSTED_LIMITS."""
    data = info(path, fmt)
    if data.get('format') != fmt:
        raise exception.VimError(reason='%s is %s, not %s'
                                 % (path, data.get('format'), fmt))
    if data.get('backing-filename') or data.get('full-backing-filename'):
        raise exception.VimError(reason='%s refers to backing file %s'
                                 % (path, data.get('backing-filename')))
    specific = (data.get('format-specific') or {}).get('data') or {}
    if specific.get('data-file'):
        raise exception.VimError(reason='%s refers to data file %s'
                                 % (path, specific['data-file']))
    return data


def write_delta(top, base, dest, fmt='qcow2'):
    """Write into ``dest`` a standalone qcow2 holding only the clusters in
    which ``top`` (and its chain) differs from ``base``: an empty overlay
    of ``top`` rebased (safe mode) onto ``base``, then cut loose from any
    backing file. When ``base`` is in ``top``'s backing chain qemu-img
    only compares the clusters allocated above it, so the work is in
    proportion to what changed. ``base`` and ``top`` are only read
    (``-U``: QEMU may hold them open as backing images)."""
    if not os.path.isabs(base) or not os.path.isabs(top):
        raise exception.VimError(reason='delta of %s against %s: paths '
                                 'must be absolute' % (top, base))
    create_overlay(dest, top, fmt)
    _run(['rebase', '-q', '-U', '-f', 'qcow2', '-F', fmt, '-b', base, dest])
    # Unsafe: only the header changes; unallocated clusters now mean
    # "as in the base", which only joining the delta to it restores.
    _run(['rebase', '-q', '-u', '-f', 'qcow2', '-b', '', dest])


def join_delta(delta, base, dest):
    """Rebuild a full standalone qcow2 in ``dest`` from a delta written by
    :func:`write_delta` and the full image ``base`` it was made against.
    Both may come from a package: each is checked to refer to no other
    file first, and ``delta`` itself is left unchanged: a byte copy of it
    (not a qemu-img convert, which would drop its zero clusters, and so
    let the base show through them) is pointed at ``base``, then
    converted."""
    check_standalone(delta, 'qcow2')
    check_standalone(base, 'qcow2')
    joined = dest + '.join'
    try:
        shutil.copyfile(delta, joined)
        _run(['rebase', '-q', '-u', '-f', 'qcow2', '-F', 'qcow2', '-b',
              os.path.abspath(base), joined])
        _run(['convert', '-f', 'qcow2', '-O', 'qcow2', joined, dest])
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(joined)
