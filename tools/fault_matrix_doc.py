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

"""Write the table of a fault-matrix run into the contributor docs.

Usage::

    VNFSNAP_FAULT_MATRIX_OUT=/tmp/cells.jsonl \\
        flock /tmp/vnfsnap-guests.lock \\
        tools/run-tests.sh functional test_crash_matrix
    tools/fault_matrix_doc.py /tmp/cells.jsonl [RST]

Replaces what lies between the ``.. fault-matrix-begin`` and
``.. fault-matrix-end`` comments of RST (default
doc/source/contributor/fault-matrix.rst) with the table of the cells the
run recorded (vnfsnap/tests/fixtures/crash_matrix.py), and prints it.
"""

import json
import os
import sys

from vnfsnap.tests.fixtures import crash_matrix

BEGIN = '.. fault-matrix-begin'
END = '.. fault-matrix-end'
DEFAULT_RST = os.path.join(os.path.dirname(__file__), '..', 'doc', 'source',
                           'contributor', 'fault-matrix.rst')


def read_cells(path):
    cells = []
    with open(path) as f:
        for line in f:
            row = json.loads(line)
            cells.append(crash_matrix.Cell(
                row['case'], row['step'], row['fault'], row['variant'],
                row['state'], row['problems'], row['seconds'],
                tuple(row.get('good') or crash_matrix.GOOD_END)))
    return cells


def main(argv):
    if len(argv) not in (2, 3):
        sys.exit(__doc__)
    cells = read_cells(argv[1])
    rst = argv[2] if len(argv) == 3 else DEFAULT_RST
    text = crash_matrix.list_table(cells)
    failed = sum(not c.ok for c in cells)
    summary = '%d cells, %d ok, %d failing, %.0f s in all.' % (
        len(cells), len(cells) - failed, failed,
        sum(c.seconds for c in cells))
    with open(rst) as f:
        doc = f.read()
    head, rest = doc.split(BEGIN + '\n', 1)
    _old, tail = rest.split(END + '\n', 1)
    with open(rst, 'w') as f:
        f.write(head + BEGIN + '\n\n' + summary + '\n\n' + text + '\n\n'
                + END + '\n' + tail)
    print(crash_matrix.table(cells))
    print(summary)


if __name__ == '__main__':
    main(sys.argv)
