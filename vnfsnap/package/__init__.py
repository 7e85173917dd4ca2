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

"""The VNF snapshot package format: manifest, build, verify and extract.

A package is a ZIP file whose manifest lists every artifact with its size
and SHA-256. The format is documented in doc/source/user/package-format.rst.
Its errors are in vnfsnap.common.exception, with every other error that
can cross RPC.
"""

MANIFEST_NAME = 'vnfsnap-manifest.json'
# Detached CMS SignedData (DER) over the exact bytes of MANIFEST_NAME.
SIGNATURE_NAME = 'vnfsnap-manifest.cms'
FORMAT_VERSION = '1.0'
SUPPORTED_FORMAT_VERSIONS = (FORMAT_VERSION,)
