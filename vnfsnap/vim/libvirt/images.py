"""qemu-img, always with an explicit format and never trusting a header.

Every call names the image format (``-f``) so a crafted file cannot make
qemu-img guess, and reads images QEMU may hold open with ``-U``.
"""

import json
import os
import subprocess

from oslo_log import log as logging

from vnfsnap.common import exception

LOG = logging.getLogger(__name__)
QEMU_IMG = 'qemu-img'


def _run(args, timeout=3600):
    try:
        done = subprocess.run([QEMU_IMG] + args, capture_output=True,
                              text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise exception.VimError(reason='qemu-img %s: %s' % (args[0], e))
    if done.returncode != 0:
        raise exception.VimError(reason='qemu-img %s failed: %s' % (
            args[0], done.stderr.strip() or done.stdout.strip()))
    return done.stdout


def info(path, fmt='qcow2'):
    """``qemu-img info`` of one image (not its chain), as a dict."""
    return json.loads(_run(['info', '-U', '-f', fmt, '--output=json',
                            path]))


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


def flatten(src, dest, fmt='qcow2'):
    """Copy ``src`` and its whole backing chain into a standalone qcow2."""
    _run(['convert', '-U', '-f', fmt, '-O', 'qcow2', src, dest])


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
    file): an imported image must carry all of its content itself."""
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
