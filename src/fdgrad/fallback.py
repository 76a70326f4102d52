"""fdgrad's pure-Python twin: the same API as fdgrad, computed without C.

Every function here is the same method of :class:`fdgrad._api.API` as its
counterpart in fdgrad, bound to the pure-Python kernels instead of the
compiled ones: the same name, signature, docstring, argument checks and
arithmetic; only the inner loops are written in Python.  Use it to
cross-check the compiled backend, or where the extension cannot be built.
It never imports the compiled module.
"""

from __future__ import annotations

from typing import Literal

from . import _pykernels
from ._api import API, CALLABLE_NAMES, PUBLIC_NAMES, bound_callables
from ._results import UnchangingWarning
from ._sparsity import ColumnGroups
from ._results import DescentInfo, DiffInfo, GradCheck, on_nonfinite

BACKEND: Literal["python"] = "python"
_api = API(_pykernels)

derivative = _api.derivative
partial = _api.partial
gradient = _api.gradient
jacobian = _api.jacobian
hessian = _api.hessian
hessian_diag = _api.hessian_diag
directional = _api.directional
check_grad = _api.check_grad
gradient_descent = _api.gradient_descent
numerical_diff = _api.numerical_diff
numerical_gradient = _api.numerical_gradient
group_columns = _api.group_columns
Derivative, Gradient, Jacobian, Hessian, Hessdiag = bound_callables(_api, __name__)

__all__ = [*PUBLIC_NAMES, *CALLABLE_NAMES, "ColumnGroups", "DescentInfo", "DiffInfo", "GradCheck", "UnchangingWarning",
           "group_columns", "on_nonfinite"]
