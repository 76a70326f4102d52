"""Sphinx configuration: the API reference comes from fdgrad's own docstrings (numpydoc)."""

from __future__ import annotations

import fdgrad

project = "fdgrad"
author = "The fdgrad developers"
copyright = "2026, the fdgrad developers"
version = release = fdgrad.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.doctest",
    "sphinx.ext.intersphinx",
    "numpydoc",
]

exclude_patterns = ["_build"]
html_theme = "alabaster"
html_static_path: list[str] = []
html_title = f"fdgrad {release}"

autodoc_default_options = {"members": False}
numpydoc_show_class_members = False
numpydoc_xref_param_type = False

intersphinx_mapping: dict = {}
