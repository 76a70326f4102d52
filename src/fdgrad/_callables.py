"""numdifftools' calling style: Derivative, Gradient, Jacobian, Hessian, Hessdiag.

Each is a class whose instances fix f and the options and are called with x
(and f's extra arguments), over one API, a backend: :func:`bound_callables`
makes the five classes of ``fdgrad`` and ``fdgrad.fallback``.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any, Callable, Optional

from numpy.typing import ArrayLike

from ._options import check_derivative_order

if TYPE_CHECKING:
    from ._api import API

__all__ = ["CALLABLE_NAMES", "Derivative", "Differentiator", "Gradient", "Hessdiag", "Hessian", "Jacobian",
           "bound_callables"]

Objective = Callable[[Any], Any]


class Differentiator:
    """numdifftools' calling style: f and the options fixed, the object called as ``obj(x, *args, **kwargs)``.

    So it plugs into ``scipy.optimize.minimize(f, x0, jac=fdgrad.Gradient(f),
    hess=fdgrad.Hessian(f), args=...)`` and ``least_squares(r, x0,
    jac=fdgrad.Jacobian(r))``, and numdifftools code switches by its import.
    The options are the function's keyword arguments (``step`` is accepted
    as numdifftools' name for ``h``); extra positional and keyword arguments
    of the call go to f, as SciPy passes them.
    """

    _function = ""
    _api: API

    def __init__(self, f: Objective, step: Any = None, method: Optional[str] = None, order: Optional[int] = None,
                 **options: Any) -> None:
        # numdifftools' positional order: step, method, order
        options.update({key: value for key, value in (("step", step), ("method", method), ("order", order))
                        if value is not None})
        if "step" in options:
            if "h" in options:
                raise TypeError(f"{type(self).__name__}() takes h or step (its numdifftools name), not both")
            options["h"] = options.pop("step")
        function = getattr(self._api, self._function)
        allowed = [p for p in inspect.signature(function).parameters if p not in ("f", "x", "args", "kwargs")]
        for key in options:
            if key not in allowed:
                raise TypeError(f"{type(self).__name__}() got an unexpected option {key!r}; it takes "
                                f"{', '.join(allowed)} (and step for h)")
        if options.get("sparsity") is not None:  # grouped once, for every call
            options["sparsity"] = self._api.group_columns(options["sparsity"])
        self.f, self.options, self._call = f, options, function

    def __call__(self, x: ArrayLike, *args: Any, **kwargs: Any) -> Any:
        return self._call(self.f, x, args=args, kwargs=kwargs or None, **self.options)

    def __getstate__(self) -> dict:
        return {"f": self.f, "options": self.options}  # the class (fdgrad.Gradient, ...) brings the backend

    def __setstate__(self, state: dict) -> None:
        self.f, self.options, self._call = state["f"], state["options"], getattr(self._api, self._function)

    def __repr__(self) -> str:
        options = "".join(f", {key}={value!r}" for key, value in self.options.items())
        return f"{type(self).__name__}({self.f!r}{options})"


class Derivative(Differentiator):
    """``Derivative(f, n=1, **options)(x, *args)`` is ``derivative(f, x, n=n, args=args, **options)``."""

    _function = "derivative"

    def __init__(self, f: Objective, step: Any = None, method: Optional[str] = None, order: Optional[int] = None,
                 n: Any = 1, **options: Any) -> None:
        if not (type(n) is int and n == 1):  # numdifftools' fourth positional argument
            options["n"] = check_derivative_order(n, method if method is not None else options.get("method"))
        super().__init__(f, step, method, order, **options)


class Gradient(Differentiator):
    """``Gradient(f, **options)(x, *args)`` is ``gradient(f, x, args=args, **options)``."""

    _function = "gradient"


class Jacobian(Differentiator):
    """``Jacobian(f, **options)(x, *args)`` is ``jacobian(f, x, args=args, **options)``."""

    _function = "jacobian"


class Hessian(Differentiator):
    """``Hessian(f, **options)(x, *args)`` is ``hessian(f, x, args=args, **options)``."""

    _function = "hessian"


class Hessdiag(Differentiator):
    """``Hessdiag(f, **options)(x, *args)`` is ``hessian_diag(f, x, args=args, **options)``."""

    _function = "hessian_diag"


#: The numdifftools-style classes, in the order the documentation presents them.
CALLABLE_NAMES = ("Derivative", "Gradient", "Jacobian", "Hessian", "Hessdiag")


def bound_callables(api: API, module: str) -> tuple[type[Derivative], type[Gradient], type[Jacobian],
                                                    type[Hessian], type[Hessdiag]]:
    """The numdifftools-style classes over one API (a backend), presented as members of module."""
    bound = []
    for base in (Derivative, Gradient, Jacobian, Hessian, Hessdiag):
        cls = type(base.__name__, (base,), {"_api": api, "__module__": module, "__doc__": base.__doc__})
        cls.__qualname__ = base.__name__
        bound.append(cls)
    return tuple(bound)  # type: ignore[return-value]
