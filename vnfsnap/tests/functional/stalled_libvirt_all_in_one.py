"""vnfsnap-all-in-one whose libvirt snapshot step never ends.

It freezes guests for real, then hangs where the snapshot would be taken, so
a test can kill it while the guests are frozen and watch the thaw guard.
"""

import sys
import threading

from vnfsnap.cmd import all_in_one
from vnfsnap.vim.libvirt import driver


def _stall(self, vnfc, snapshot_id, with_memory, quiesced, paused=False):
    threading.Event().wait()


def main():
    driver.LibvirtDriver.create_vnfc_snapshot = _stall
    all_in_one.main()


if __name__ == '__main__':
    sys.argv[0] = 'vnfsnap-all-in-one'
    sys.exit(main())
