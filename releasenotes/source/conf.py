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

# Sphinx configuration of the vnfsnap release notes (reno).
#
# Built with "tox -e releasenotes".  reno reads the notes from
# releasenotes/notes/ through the git history, so this needs a git checkout
# with at least one commit.  Theme: alabaster, as in doc/source/conf.py.

project = 'vnfsnap Release Notes'
copyright = 'vnfsnap developers'
author = 'vnfsnap developers'

extensions = [
    'reno.sphinxext',
]

master_doc = 'index'
source_suffix = {'.rst': 'restructuredtext'}
exclude_patterns = []
pygments_style = 'sphinx'
language = 'en'

# reno takes the versions from git tags; there is no version to show here.
version = ''
release = ''

html_theme = 'alabaster'
html_title = 'vnfsnap Release Notes'
html_static_path = []
