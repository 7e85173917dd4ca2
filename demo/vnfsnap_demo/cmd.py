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

"""vnfsnap-demo: the README's main job (see vnfsnap_demo.scenario)."""

import argparse
import sys

from vnfsnap_demo import scenario


def main():
    parser = argparse.ArgumentParser(
        description='Snapshot and revert a 3-VNFC VNF of real guests '
                    'through the vnfsnap API, and prove it worked.')
    parser.add_argument('--guests', type=int, default=3,
                        help='Number of VNFCs (guests), default 3.')
    parser.add_argument('--work-dir', default='/var/lib/vnfsnap/demo',
                        help='Where guest disks and logs go.')
    parser.add_argument('--keep', action='store_true',
                        help='Leave the guests running at the end.')
    args = parser.parse_args()
    return scenario.Demo(args.guests, args.work_dir, args.keep).run()


if __name__ == '__main__':
    sys.exit(main())
