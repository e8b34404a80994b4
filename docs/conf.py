"""Sphinx configuration of noxship's documentation site.

Built by noxship's own ``docs`` session against noxship's wheel (the API
reference documents what users install), with warnings as errors
(``sphinx-build -W --keep-going``). The pages are Markdown (MyST); the API
reference is autodoc over the public ``__all__`` of each module, with napoleon
reading the Google-style sections (Args, Returns, Raises) of the docstrings.
"""

from __future__ import annotations

from importlib.metadata import version as _version

project = "noxship"
author = "The noxship developers"
copyright = "2026, the noxship developers"
release = _version("noxship")
version = release

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
]
source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build"]

myst_heading_anchors = 3
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {
    "members": True,
    "undoc-members": True,
    "imported-members": True,  # each package re-exports its modules' names in __all__
    "show-inheritance": True,
}
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_ivar = True  # "Attributes:" as fields: autodoc documents the members once

html_theme = "furo"
html_title = f"noxship {release}"
