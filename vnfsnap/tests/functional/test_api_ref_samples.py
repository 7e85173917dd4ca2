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

"""The api-ref samples stay true: captured again from a real all-in-one
(as tools/api-ref-samples.py does), they follow the OpenAPI document and
have the shape of the committed ones (the same samples, the same
attributes); identifiers and times differ from run to run."""

from vnfsnap.tests.fixtures import api_samples
from vnfsnap.tests.functional import base


def shape(doc):
    """The attribute names of a sample, two levels down."""
    if isinstance(doc, list):
        return [shape(doc[0])] if doc else []
    if isinstance(doc, dict):
        return {k: sorted(v) if isinstance(v, dict) else type(v).__name__
                for k, v in doc.items()}
    return type(doc).__name__


class TestApiRefSamples(base.FunctionalTestCase):

    def test_samples_are_what_the_all_in_one_answers(self):
        captured = api_samples.capture(self.tmp)
        committed = api_samples.read()
        self.assertEqual(sorted(committed), sorted(captured),
                         'run tools/api-ref-samples.py')
        for name, sample in sorted(captured.items()):
            with self.subTest(sample=name):
                self.assertEqual([], api_samples.errors(name, sample))
                self.assertEqual(shape(committed[name]), shape(sample),
                                 'run tools/api-ref-samples.py')
