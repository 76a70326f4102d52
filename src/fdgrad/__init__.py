"""fdgrad: fast, exact-to-the-textbook numerical differentiation.

Derivatives, partial derivatives, gradients and gradient descent by finite
differences, with the hot loops in C and a pure-Python twin of the same API in
:mod:`fdgrad.fallback`.

The backend is chosen once, at import, and shown by ``fdgrad.BACKEND``:
``"c"`` for the compiled kernels, ``"python"`` for the fallback.  Setting the
environment variable ``FDGRAD_PUREPYTHON`` to a true word (1, true, yes, on)
forces the fallback; if the compiled extension cannot be imported, fdgrad
falls back with a warning.

The public functions compute with one :class:`fdgrad._api.API` over the
chosen kernels (as the standard library's ``random`` functions are the
methods of one hidden ``Random()``), each presented as a function of this
module with that method's signature and docstring (:mod:`fdgrad._public`).
"""

from __future__ import annotations

import importlib.util
import os
import warnings
from types import ModuleType
from typing import TYPE_CHECKING, Literal, Optional

from . import _pykernels
from ._api import API, CALLABLE_NAMES, PUBLIC_NAMES
from ._public import published
from ._results import UndecidedWarning, UnchangingWarning
from ._sparsity import ColumnGroups
from ._results import DescentInfo, DiffInfo, GradCheck, on_nonfinite

__version__ = "0.1.0"

_TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
_FALSE_WORDS = frozenset({"", "0", "false", "no", "off"})


def _purepython_requested(value: str | None) -> bool:
    """Whether FDGRAD_PUREPYTHON's value asks for the fallback."""
    word = (value or "").strip().lower()
    if word in _TRUE_WORDS:
        return True
    if word not in _FALSE_WORDS:
        warnings.warn(
            f"FDGRAD_PUREPYTHON={value!r} is not one of 1/true/yes/on or 0/false/no/off; "
            "ignoring it and using the compiled backend",
            RuntimeWarning,
            stacklevel=3,
        )
    return False


def _front_door() -> Optional[ModuleType]:
    """The compiled front door for the commonest small calls (built with the kernels), or None."""
    try:
        from . import _front
    except ImportError:  # a build without it: every call takes the general path
        return None
    return _front


def _select_kernels() -> tuple[ModuleType, Literal["c", "python"]]:
    if _purepython_requested(os.environ.get("FDGRAD_PUREPYTHON")):
        return _pykernels, "python"
    try:
        from . import _ckernels
    except ImportError as exc:
        if importlib.util.find_spec(f"{__name__}._ckernels") is None:
            reason = "fdgrad was installed without it (was a C compiler missing when it was built?)"
        else:
            reason = str(exc)
        warnings.warn(
            f"fdgrad's compiled extension could not be imported: {reason}; "
            "using the pure-Python fallback, which is slower. For the compiled backend, install a wheel for "
            "this platform, or a C compiler, then rebuild past pip's cache of the pure wheel: "
            "pip install --no-cache-dir --force-reinstall fdgrad (FDGRAD_REQUIRE_COMPILED=1 makes a failed "
            "compile fail the build instead)",
            RuntimeWarning,
            stacklevel=3,
        )
        return _pykernels, "python"
    return _ckernels, "c"


_kernels, BACKEND = _select_kernels()
_door = _front_door() if BACKEND == "c" else None  # (not named _front: that is the submodule's name)
_api = API(_kernels, _door)

if TYPE_CHECKING:  # the same names as fdgrad.fallback's, of the same types (not imported at run time)
    from .fallback import (Derivative as Derivative, Gradient as Gradient, Hessdiag as Hessdiag, Hessian as Hessian,
                           Jacobian as Jacobian, check_grad as check_grad, derivative as derivative,
                           directional as directional, gradient as gradient, gradient_descent as gradient_descent,
                           group_columns as group_columns, hessian as hessian, hessian_diag as hessian_diag,
                           jacobian as jacobian, numerical_diff as numerical_diff,
                           numerical_gradient as numerical_gradient, partial as partial)
else:  # functions of this module (fdgrad._public): with the compiled backend, the calls with a front door are
    # fdgrad._front's compiled definitions, whose general path is an API without the door (they have tried it)
    globals().update(published(_api, __name__, _door))

__all__ = [*PUBLIC_NAMES, *CALLABLE_NAMES, "ColumnGroups", "DescentInfo", "DiffInfo", "GradCheck", "UndecidedWarning", "UnchangingWarning",
           "group_columns", "on_nonfinite"]
