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

"""Every form field's help text reaches the user whole.

Horizon puts a field's help text into the title of its "?" icon unescaped
(``title="{{ field.help_text|safe }}"`` in
horizon/common/_form_field_decorator.html): a double quote ends the
attribute there, and the tooltip shows the text cut at it (the browser
test saw "Also capture each VNFC's memory and device state (a " instead
of the reason why a VIM cannot).  Quote with typographic quotes instead.
"""

import importlib
import inspect
import pkgutil

from django import forms
from django.test import SimpleTestCase

from vnfsnap_dashboard import dashboards


def form_classes():
    """Every form class of the plugin's panels."""
    found = {}
    for module in pkgutil.walk_packages(dashboards.__path__,
                                        dashboards.__name__ + '.'):
        if not module.name.endswith('.forms'):
            continue
        for name, cls in inspect.getmembers(
                importlib.import_module(module.name), inspect.isclass):
            if issubclass(cls, forms.BaseForm) and \
                    cls.__module__ == module.name:
                found['%s.%s' % (module.name, name)] = cls
    return found


class TestHelpTexts(SimpleTestCase):

    def test_forms_are_found(self):
        names = form_classes()
        for panel in ('vnf_instances', 'vnf_snapshots',
                      'vnf_snapshot_packages', 'online_tests'):
            self.assertTrue([n for n in names if '.%s.' % panel in n],
                            panel)

    def test_no_double_quote_in_help_texts(self):
        for name, cls in sorted(form_classes().items()):
            for field_name, field in cls.base_fields.items():
                with self.subTest(form=name, field=field_name):
                    self.assertNotIn('"', str(field.help_text or ''))
