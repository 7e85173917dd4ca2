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

"""The published OpenAPI document cannot drift from the code: it is what
vnfsnap.api.openapi builds, its operations are the routes the pecan
controllers answer, and its request bodies are the validation schemas."""

import json
import os

import jsonschema
from openapi_spec_validator import validate
import testtools
import yaml

from vnfsnap.api import openapi
from vnfsnap.api.controllers import base as controller_base
from vnfsnap.api.controllers import root
from vnfsnap.api.controllers import vnf_snapshot_packages
from vnfsnap.api.schemas import lcm
from vnfsnap.api.schemas import online_tests
from vnfsnap.api.schemas import subscriptions
from vnfsnap.api.schemas import vnf_instances
from vnfsnap.api.schemas import vnf_snapshot_packages as pkgm
from vnfsnap.api.schemas import vnf_snapshots
from vnfsnap.common import schemas as common_schemas

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..',
                                    '..', '..'))
PUBLISHED = os.path.join(REPO, 'doc', 'source', '_static', openapi.DOCUMENT)

# Each path parameter's name in the document.
_LOOKUP_PARAMS = {
    'vnf_instances': 'vnfInstanceId',
    'vnf_snapshots': 'vnfSnapshotInfoId',
    'vnf_lcm_op_occs': 'vnfLcmOpOccId',
    'subscriptions': 'subscriptionId',
    'vnf_snapshot_packages': 'vnfSnapshotPkgId',
    'conductors': 'hostname',
    'online_tests': 'onlineTestId',
}


def routes(controller, path=''):
    """{(path, method)} the controller tree answers (405 elsewhere)."""
    found = set()
    if isinstance(controller, controller_base.Resource):
        found.update((path or '/', m.lower()) for m in controller._allowed())
    if isinstance(controller, vnf_snapshot_packages.Artifacts):
        # The rest of the URL, '/' included, is the artifact's path.
        artifact = vnf_snapshot_packages.Artifact('id', 'a/b')
        found.update((path + '/{artifactPath}', m.lower())
                     for m in artifact._allowed())
        return found
    lookup = getattr(type(controller), '_lookup', None)
    if lookup is not None:
        name = _LOOKUP_PARAMS[path.rsplit('/', 1)[1]]
        child, _ = controller._lookup('id')
        found |= routes(child, '%s/{%s}' % (path, name))
    for attr, child in vars(controller).items():
        if not attr.startswith('_') and _is_node(child):
            found |= routes(child, '%s/%s' % (path, attr))
    for attr, child in vars(type(controller)).items():
        if not attr.startswith('_') and _is_node(child):
            found |= routes(child, '%s/%s' % (path, attr))
    return found


def _is_node(value):
    return isinstance(value, (controller_base.Resource,
                              vnf_snapshot_packages.Artifacts))


class TestDocument(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.document = openapi.build()

    def test_published_document_is_up_to_date(self):
        with open(PUBLISHED, encoding='utf-8') as f:
            published = f.read()
        self.assertEqual(openapi.dump(self.document), published,
                         'run: python -m vnfsnap.api.openapi %s'
                         % os.path.relpath(PUBLISHED, REPO))
        self.assertEqual(0, openapi.main([PUBLISHED, '--check']))

    def test_is_valid_openapi(self):
        # Raises OpenAPIValidationError with the first violation.
        validate(yaml.safe_load(openapi.dump(self.document)))

    def test_operations_are_the_routes(self):
        documented = {(path, method)
                      for path, item in self.document['paths'].items()
                      for method in item}
        self.assertEqual(routes(root.RootController()), documented)

    def test_request_bodies_are_the_validation_schemas(self):
        # The schema each controller passes to utils.json_body.
        expected = {
            'registerVnfInstance': vnf_instances.CREATE,
            'modifyVnfInstance': vnf_instances.MODIFY,
            'createVnfSnapshot': lcm.CREATE_SNAPSHOT,
            'revertToVnfSnapshot': lcm.REVERT_TO_SNAPSHOT,
            'setSnapshotDescriptor': {'type': 'object'},
            'setSnapshotNotifications': vnf_instances.SNAPSHOT_NOTIFICATIONS,
            'createVnfSnapshotInfo': vnf_snapshots.CREATE,
            'modifyVnfSnapshot': vnf_snapshots.MODIFY,
            'cancelVnfLcmOpOcc': lcm.CANCEL,
            'startOnlineTest': online_tests.CREATE,
            'abortOnlineTest': online_tests.ABORT,
            'createSubscription': subscriptions.CREATE,
            'createVnfSnapshotPackage': pkgm.CREATE,
            'modifyVnfSnapshotPackage': pkgm.MODIFY,
            'uploadVnfSnapshotPackageFromUri': pkgm.UPLOAD_FROM_URI,
            'buildVnfSnapshotPackage': pkgm.BUILD,
            'extractVnfSnapshotPackage': pkgm.EXTRACT,
            'cancelVnfSnapshotPackage': pkgm.CANCEL,
            'setExtArtifactsAccess': pkgm.EXT_ARTIFACTS_ACCESS,
        }
        schemas = self.document['components']['schemas']
        found = {}
        for item in self.document['paths'].values():
            for op in item.values():
                for media, content in op.get('requestBody', {}).get(
                        'content', {}).items():
                    if media.endswith('json'):
                        name = content['schema']['$ref'].rsplit('/', 1)[1]
                        found[op['operationId']] = schemas[name]
        self.assertEqual({k: openapi.convert(v) for k, v in expected.items()},
                         found)

    def test_conversion_keeps_the_meaning(self):
        # dependencies -> dependentRequired: the same documents pass.
        schema = pkgm.UPLOAD_FROM_URI
        converted = openapi.convert(schema)
        self.assertNotIn('dependencies', json.dumps(converted))
        for doc, valid in (
                ({'addressInformation': 'https://x/p.zip'}, True),
                ({'addressInformation': 'https://x/p.zip',
                  'paramsBasic': {'userName': 'u', 'password': 'p'}},
                 False),
                ({'addressInformation': 'https://x/p.zip',
                  'authType': 'BASIC',
                  'paramsBasic': {'userName': 'u', 'password': 'p'}},
                 True)):
            self.assertEqual(
                valid, common_schemas.first_error(schema, doc) is None)
            self.assertEqual(valid, jsonschema.Draft202012Validator(
                converted).is_valid(doc))
