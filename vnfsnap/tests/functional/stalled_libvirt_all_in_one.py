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
