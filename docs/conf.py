# Sphinx configuration of erpops.azure's documentation site (`make docs`; docs/build.py writes docs/build/rst first):
# the module, plugin and role pages antsibull-docs renders from the collection, and the guide's chapters from README.md.
project = "erpops.azure"
copyright = "erpops.azure contributors"  # noqa: A001 - Sphinx's name
title = "erpops.azure: a Django ERP on Azure App Service and PostgreSQL Flexible Server"
html_short_title = "erpops.azure"
extensions = ["sphinx.ext.intersphinx", "sphinx_antsibull_ext", "myst_parser"]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
myst_heading_anchors = 3
pygments_style = "ansible"
highlight_language = "YAML+Jinja"
html_theme = "sphinx_ansible_theme"
html_show_sphinx = False
display_version = False
html_use_smartypants = True
html_use_modindex = False
html_use_index = False
html_copy_source = False
html_theme_options = {"collapse_navigation": False, "display_version": False}
# Built offline: no intersphinx inventory can be fetched, so references into Ansible's own documentation (the common
# return values, ansible.builtin's modules, ansible-core's configuration) cannot resolve. They are the only warnings
# let through (docs/build.py checks that every other reference, ours included, resolves).
intersphinx_mapping = {}
default_role = "any"
nitpicky = True
