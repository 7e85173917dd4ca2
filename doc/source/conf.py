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
html_static_path = []
html_last_updated_fmt = '%Y-%m-%d'
