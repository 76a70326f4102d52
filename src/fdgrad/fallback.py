"""fdgrad's pure-Python twin: the same API as fdgrad, computed without C.

Every function here has the name, signature, docstring, argument checks and
arithmetic of its counterpart in fdgrad; only the inner loops are written in
Python.  Use it to cross-check the compiled backend, or where the extension
cannot be built.  It never imports the compiled module.
"""

from __future__ import annotations

from . import _pykernels
from ._api import PUBLIC_NAMES, DiffInfo, GradCheck, make_api, on_nonfinite

BACKEND = "python"

globals().update(make_api(_pykernels, __name__))

__all__ = [*PUBLIC_NAMES, "DiffInfo", "GradCheck", "on_nonfinite"]
