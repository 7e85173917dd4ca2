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

"""Regenerate api-ref/source/samples from a real vnfsnap-all-in-one.

    .venv/bin/python tools/api-ref-samples.py [DIRECTORY]

Starts an all-in-one with the in-memory VIM of the functional tests in a
temporary directory, drives every operation that has a body through it
(vnfsnap.tests.fixtures.api_samples), checks each sample against the
OpenAPI document and writes them (default: api-ref/source/samples).
Exits 1, writing nothing, when a sample breaks the document.
"""

import sys
import tempfile

from vnfsnap.tests.fixtures import api_samples


def main(argv):
    directory = argv[1] if len(argv) > 1 else api_samples.SAMPLES
    with tempfile.TemporaryDirectory(prefix='vnfsnap-samples.') as tmp:
        samples = api_samples.capture(tmp)
    broken = {name: api_samples.errors(name, doc)
              for name, doc in samples.items()}
    broken = {name: found for name, found in broken.items() if found}
    for name, found in sorted(broken.items()):
        print('%s: %s' % (name, '; '.join(found)), file=sys.stderr)
    if broken:
        return 1
    api_samples.write(samples, directory)
    print('%d samples written to %s' % (len(samples), directory))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
