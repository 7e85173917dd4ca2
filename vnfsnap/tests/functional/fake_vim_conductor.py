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

"""vnfsnap-conductor with the test-only in-memory VIM driver.

Functional tests run this instead of the console script so a real conductor
process, on a real message bus, drives real flows without a hypervisor.
``VNFSNAP_FAKE_GUESTS`` names the guests to create (comma separated);
``VNFSNAP_FAKE_DELAY`` holds ``step:resourceId:seconds`` entries.
"""

import os
import sys

from vnfsnap.cmd import conductor
from vnfsnap.tests import fake_vim


def prepare():
    """Register the in-memory VIM with the guests and delays of the
    environment."""
    fake_vim.register()
    for name in filter(None, os.environ.get('VNFSNAP_FAKE_GUESTS',
                                            '').split(',')):
        fake_vim.FakeVim.add_guest(name, disk={'file': 'v0'},
                                   memory={'counter': 0})
    for entry in filter(None, os.environ.get('VNFSNAP_FAKE_DELAY',
                                             '').split(',')):
        step, resource, seconds = entry.split(':')
        fake_vim.FakeVim.delay[(step, resource)] = float(seconds)


def main():
    prepare()
    conductor.main()


if __name__ == '__main__':
    sys.argv[0] = 'vnfsnap-conductor'
    sys.exit(main())
