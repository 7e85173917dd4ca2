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
