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

# Sphinx configuration of the vnfsnap API reference.
#
# Built with "tox -e api-ref" (sphinx-build -W: warnings are errors),
# offline, with os-api-ref's directives (rest_method, rest_parameters,
# rest_status_code). os-api-ref's show/hide buttons need the Bootstrap of
# openstackdocstheme, so the API reference uses that theme, as OpenStack
# API references do.

import os
import sys

sys.path.insert(0, os.path.abspath('../..'))

from vnfsnap.api import openapi  # noqa: E402

project = 'vnfsnap API reference'
copyright = 'vnfsnap developers'
author = 'vnfsnap developers'

extensions = ['os_api_ref', 'openstackdocstheme']

master_doc = 'index'
source_suffix = {'.rst': 'restructuredtext'}
exclude_patterns = ['_build']
pygments_style = 'native'
language = 'en'

html_theme = 'openstackdocs'
html_theme_options = {'sidebar_mode': 'toc'}
html_title = 'vnfsnap API reference'
# The OpenAPI document, published beside the pages.
html_extra_path = [os.path.join('..', '..', 'doc', 'source', '_static',
                                openapi.DOCUMENT)]

openstackdocs_repo_name = 'vnfsnap/vnfsnap'
openstackdocs_use_storyboard = False
openstackdocs_auto_name = False
openstackdocs_bug_project = 'vnfsnap'
openstackdocs_bug_tag = 'api-ref'
