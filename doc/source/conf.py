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

# Sphinx configuration of the vnfsnap documentation.
#
# Built with "tox -e docs" (sphinx-build -W: warnings are errors), offline.
# The theme is Sphinx's own alabaster: openstackdocstheme also builds
# offline, but dresses every page as openstack.org documentation (its
# navigation, footer and bug links), which vnfsnap is not.

project = 'vnfsnap'
copyright = 'vnfsnap developers'
author = 'vnfsnap developers'

extensions = ['oslo_config.sphinxext', 'oslo_policy.sphinxext']

master_doc = 'index'
source_suffix = {'.rst': 'restructuredtext'}
exclude_patterns = ['_build']
pygments_style = 'sphinx'
language = 'en'

html_theme = 'alabaster'
html_theme_options = {
    'description': 'Consistent snapshots, revert and snapshot packages for '
                   'whole VNFs',
    'fixed_sidebar': True,
}
html_title = 'vnfsnap documentation'
# _static/vnfsnap-openapi.yaml: the OpenAPI document (vnfsnap.api.openapi).
html_static_path = ['_static']
html_last_updated_fmt = '%Y-%m-%d'
