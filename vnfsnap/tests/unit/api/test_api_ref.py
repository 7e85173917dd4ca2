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

"""The API reference (api-ref/source) covers the OpenAPI document: every
operation, parameter, header and body attribute, with samples that follow
the document."""

import collections
import glob
import os
import re

import testtools
import yaml

from vnfsnap.api import openapi
from vnfsnap.tests.fixtures import api_samples

SOURCE = os.path.join(api_samples.REPO, 'api-ref', 'source')
_METHOD = re.compile(r'^\.\. rest_method:: (\w+) (\S+)$')
_PARAM = re.compile(r'^   - ([\w-]+): ([\w-]+)$')
_INCLUDE = re.compile(r'^\.\. literalinclude:: samples/(\S+)$')


def read_api_ref():
    """{(path, method): {'request': names, 'response': names}}, the
    samples the pages include and the parameters.yaml keys they use."""
    pages = collections.defaultdict(lambda: {'request': set(),
                                             'response': set()})
    included, used = set(), set()
    for inc in sorted(glob.glob(os.path.join(SOURCE, '*.inc'))
                      + [os.path.join(SOURCE, 'index.rst')]):
        current, part = None, None
        with open(inc) as f:
            lines = f.read().splitlines()
        for i, line in enumerate(lines):
            underline = lines[i + 1] if i + 1 < len(lines) else ''
            if (match := _METHOD.match(line)) is not None:
                current = (match.group(2), match.group(1).lower())
                part = None
                pages[current]
            elif line in ('Request', 'Response') and underline.startswith(
                    '---'):
                part = line.lower()
            elif (match := _PARAM.match(line)) and current and part:
                pages[current][part].add(match.group(1))
                used.add(match.group(2))
            elif (match := _INCLUDE.match(line)) is not None:
                included.add(match.group(1))
    return pages, included, used


def _properties(document, schema):
    if schema.get('type') == 'array':
        schema = schema['items']
    if '$ref' in schema:
        name = schema['$ref'].rsplit('/', 1)[1]
        schema = document['components']['schemas'][name]
    return set(schema.get('properties') or ())


def expected(document, op):
    """(request names, response names) the page of ``op`` must list."""
    request = {p['name'] for p in op.get('parameters', ())}
    if 'Version' in request:
        request.add('Accept')
    body = op.get('requestBody', {}).get('content', {})
    if body:
        request.add('Content-Type')
    for media, content in body.items():
        if media.endswith('json'):
            request |= _properties(document, content['schema'])
    response = set()
    for status, answer in op['responses'].items():
        if not status.startswith(('2', '3')):
            continue
        response |= set(answer.get('headers', ()))
        content = answer.get('content', {}).get('application/json')
        if content is not None:
            response |= _properties(document, content['schema'])
    return request, response


class TestApiRef(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.document = openapi.build()
        self.pages, self.included, self.used = read_api_ref()
        self.samples = api_samples.read()

    def operations(self):
        for path, item in self.document['paths'].items():
            for method, op in item.items():
                yield (path, method), op

    def test_every_operation_has_a_page_and_only_those(self):
        self.assertEqual({key for key, _ in self.operations()},
                         set(self.pages))

    def test_every_parameter_header_and_attribute_is_listed(self):
        for key, op in self.operations():
            request, response = expected(self.document, op)
            with self.subTest(operation=key):
                self.assertEqual(set(), request - self.pages[key]['request'])
                self.assertEqual(set(),
                                 response - self.pages[key]['response'])

    def test_every_parameter_definition_is_used(self):
        with open(os.path.join(SOURCE, 'parameters.yaml')) as f:
            defined = set(yaml.safe_load(f))
        self.assertEqual(set(), defined - self.used)

    def test_samples_follow_the_document(self):
        self.assertTrue(self.samples)
        for name, sample in self.samples.items():
            with self.subTest(sample=name):
                self.assertEqual(
                    [], api_samples.errors(name, sample, self.document))

    def test_every_body_has_a_sample_on_its_page(self):
        wanted = {api_samples.PROBLEM_SAMPLE}
        for _, op in self.operations():
            request, response = expected(self.document, op)
            body = op.get('requestBody', {}).get('content', {})
            if any(m.endswith('json') and _properties(self.document, c[
                    'schema']) for m, c in body.items()):
                wanted.add(op['operationId'] + '-request.json')
            for status, answer in op['responses'].items():
                content = answer.get('content', {}).get('application/json')
                if (status.startswith('2') and content is not None
                        and '$ref' in content['schema'].get(
                            'items', content['schema'])):
                    wanted.add(op['operationId'] + '-response.json')
        self.assertEqual(set(), wanted - set(self.samples))
        self.assertEqual(set(self.samples), self.included)
