"""fdgrad's pure-Python twin: the same API as fdgrad, computed without C.

Every function here computes with the same method of :class:`fdgrad._api.API`
as its counterpart in fdgrad, bound to the pure-Python kernels instead of the
compiled ones: the same name, signature, docstring, argument checks and
arithmetic; only the inner loops are written in Python.  Use it to
cross-check the compiled backend, or where the extension cannot be built.
It never imports the compiled module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from . import _pykernels
from ._api import API, CALLABLE_NAMES, PUBLIC_NAMES, bound_callables
from ._public import publisher
from ._results import UndecidedWarning, UnchangingWarning
from ._sparsity import ColumnGroups
from ._results import DescentInfo, DiffInfo, GradCheck, on_nonfinite

BACKEND: Literal["python"] = "python"
_api = API(_pykernels)

_publish = publisher(_api, __name__)  # functions of this module (fdgrad._public)
derivative = _publish(_api.derivative)
partial = _publish(_api.partial)
gradient = _publish(_api.gradient)
jacobian = _publish(_api.jacobian)
hessian = _publish(_api.hessian)
hessian_diag = _publish(_api.hessian_diag)
directional = _publish(_api.directional)
check_grad = _publish(_api.check_grad)
gradient_descent = _publish(_api.gradient_descent)
numerical_diff = _publish(_api.numerical_diff)
numerical_gradient = _publish(_api.numerical_gradient)
group_columns = _publish(_api.group_columns)
if TYPE_CHECKING:  # the classes, with their types (bound_callables makes one of each per backend)
    from ._callables import (Derivative as Derivative, Gradient as Gradient, Hessdiag as Hessdiag,
                             Hessian as Hessian, Jacobian as Jacobian)
else:
    Derivative, Gradient, Jacobian, Hessian, Hessdiag = bound_callables(_api, __name__)

__all__ = [*PUBLIC_NAMES, *CALLABLE_NAMES, "ColumnGroups", "DescentInfo", "DiffInfo", "GradCheck", "UndecidedWarning", "UnchangingWarning",
           "group_columns", "on_nonfinite"]
