"""SciPy's differentiation interfaces over fdgrad's engine: switch the import, keep the code.

``fdgrad.scipy.optimize`` mirrors ``scipy.optimize``'s finite-difference helpers
(``approx_fprime``, ``check_grad``, and ``approx_derivative``, ``check_derivative``,
``group_columns`` of ``scipy.optimize._numdiff``), with SciPy's signatures,
defaults, steps and result shapes::

    from fdgrad.scipy.optimize import approx_fprime, check_grad, approx_derivative

``fdgrad.scipy.differentiate`` mirrors ``scipy.differentiate`` (``derivative``,
``jacobian``, ``hessian``): SciPy's signatures, defaults, argument checks and result
objects, elementwise over arrays of points, with fdgrad's adaptive derivative behind
SciPy's default options and SciPy's documented iteration behind the others::

    from fdgrad.scipy.differentiate import derivative, jacobian, hessian

Importing either imports no SciPy; SciPy is needed only where a result is one of its
types (a sparse Jacobian, a ``LinearOperator``).
"""

from __future__ import annotations

__all__ = ["differentiate", "optimize"]


def __getattr__(name: str):  # the submodules, on first use
    if name in __all__:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
