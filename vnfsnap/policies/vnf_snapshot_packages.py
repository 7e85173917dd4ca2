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

"""Policies for /vnfsnapshotpkgm/v1/vnf_snapshot_packages (SOL005)."""

from vnfsnap.policies import base

P = '/vnfsnapshotpkgm/v1/vnf_snapshot_packages'
ONE = P + '/{vnfSnapshotPkgId}'
CONTENT = ONE + '/package_content'
R = 'vnfsnap:vnf_snapshot_package:'

rules = [
    base.rule(R + 'create', base.PROJECT_MEMBER_OR_ADMIN,
              'Create an individual VNF snapshot package resource.',
              [('POST', P)]),
    base.rule(R + 'get_all', base.PROJECT_READER_OR_ADMIN,
              'List VNF snapshot packages.', [('GET', P)]),
    base.rule(R + 'get', base.PROJECT_READER_OR_ADMIN,
              'Show a VNF snapshot package.', [('GET', ONE)]),
    base.rule(R + 'update', base.PROJECT_MEMBER_OR_ADMIN,
              'Modify a VNF snapshot package (name, user defined data, '
              'state after a failed extraction).', [('PATCH', ONE)]),
    base.rule(R + 'delete', base.PROJECT_MEMBER_OR_ADMIN,
              'Delete a VNF snapshot package and its stored content.',
              [('DELETE', ONE)]),
    base.rule(R + 'get_content', base.PROJECT_READER_OR_ADMIN,
              'Download the content (ZIP file) of a VNF snapshot package.',
              [('GET', CONTENT)]),
    base.rule(R + 'upload', base.PROJECT_MEMBER_OR_ADMIN,
              'Upload the content of a VNF snapshot package, in the '
              'request or from a URI.',
              [('PUT', CONTENT), ('POST', CONTENT + '/upload_from_uri')]),
    base.rule(R + 'build', base.PROJECT_MEMBER_OR_ADMIN,
              'Build the content of a VNF snapshot package from a VNF '
              'snapshot.', [('POST', CONTENT + '/build')]),
    base.rule(R + 'extract', base.PROJECT_MEMBER_OR_ADMIN,
              'Extract the content of a VNF snapshot package into a VNF '
              'snapshot.', [('POST', CONTENT + '/extract')]),
    base.rule(R + 'cancel', base.PROJECT_MEMBER_OR_ADMIN,
              'Cancel the build, upload, processing or extraction of a '
              'VNF snapshot package.', [('POST', CONTENT + '/cancel')]),
    base.rule(R + 'get_ext_artifacts_access', base.PROJECT_READER_OR_ADMIN,
              'Show the access configuration of the external artifacts of '
              'a VNF snapshot package (never its secrets).',
              [('GET', ONE + '/ext_artifacts_access')]),
    base.rule(R + 'update_ext_artifacts_access',
              base.PROJECT_MEMBER_OR_ADMIN,
              'Set the access configuration (URIs and credentials) of the '
              'external artifacts of a VNF snapshot package.',
              [('PUT', ONE + '/ext_artifacts_access')]),
    base.rule(R + 'get_artifact', base.PROJECT_READER_OR_ADMIN,
              'Download one artifact of a VNF snapshot package.',
              [('GET', ONE + '/artifacts/{artifactPath}')]),
]


def list_rules():
    return rules
