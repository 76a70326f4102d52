"""Sphinx configuration: the API reference comes from fdgrad's own docstrings (numpydoc)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import fdgrad

sys.path.insert(0, str(Path(__file__).parent / "_ext"))  # the docs' own extensions

project = "fdgrad"
author = "The fdgrad developers"
copyright = "2026, the fdgrad developers"
version = release = fdgrad.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.doctest",
    "sphinx.ext.intersphinx",
    "numpydoc",
    "mathsvg",  # docs/_ext/mathsvg.py: math drawn at build time by matplotlib, no MathJax from a CDN
]

exclude_patterns = ["_build"]
html_theme = "alabaster"
html_static_path = ["_static"]
html_css_files = ["fdgrad.css"]  # a wider page; code that wraps (or scrolls) instead of running off the edge
html_math_renderer = "mathsvg"  # the built HTML needs no network: no script, font or stylesheet from elsewhere
html_title = f"fdgrad {release}"

autodoc_default_options = {"members": False}
numpydoc_show_class_members = False
numpydoc_xref_param_type = False

intersphinx_mapping: dict = {}

# Examples that compare with SciPy or numdifftools run where those are installed (the test
# extra, as in CI); elsewhere they are skipped (":skipif: not have_scipy").
doctest_global_setup = """
import importlib.util
have_scipy = importlib.util.find_spec("scipy") is not None
have_numdifftools = importlib.util.find_spec("numdifftools") is not None
"""


def _literal_bars(app, what, name, obj, options, lines):
    """fdgrad.testing's docstrings write |x| for an absolute value, which reST reads as a
    substitution: escape their bars (those docstrings have no tables or substitutions)."""
    if name == "fdgrad.testing" or name.startswith("fdgrad.testing."):
        lines[:] = [re.sub(r"(?<!\\)\|", r"\\|", line) for line in lines]


def setup(app):
    app.connect("autodoc-process-docstring", _literal_bars)
