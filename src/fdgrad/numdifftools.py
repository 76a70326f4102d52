"""numdifftools' classes over fdgrad, with numdifftools' defaults: switch the import.

``Derivative``, ``Gradient``, ``Jacobian``, ``Hessdiag``, ``Hessian`` and
``directionaldiff`` take numdifftools' arguments in its order, ``(fun, step=None,
method='central', order=2, n=1, full_output=False)``, are called as
``obj(x, *args, **kwds)``, and are **adaptive by default** as numdifftools' are
(fdgrad's Richardson ladder, with an error estimate), so accuracy does not drop in
the switch::

    import fdgrad.numdifftools as nd
    nd.Derivative(np.exp, n=2)(1.0)            # 7.389056098930..., error about 1e-12
    nd.Gradient(f, full_output=True)(x)        # EstimateResult(estimate, error_estimate, final_step, ...)

Results have numdifftools' shapes: a scalar x is a 1-vector for ``Gradient`` (a 0-d
result), ``Jacobian`` (``(m, 1)``), ``Hessian`` (``(1, 1)``) and ``Hessdiag`` (``(1,)``);
the Jacobian of a scalar f is ``(1, n)``; ``Derivative(f, n=0)`` is f itself.  A
given ``step`` (a number or an array of x's shape) is a fixed step of the method's
``order``, fdgrad's ``h``.

Where numdifftools offers what fdgrad does not compute, a ``NotImplementedError``
names it, never a silent ignore: ``method='multicomplex'``; the complex step of a
Hessian or Hessdiag and of a derivative of order ``n > 1``; ``n > 4``; step
generator objects (``MinStepGenerator``, ...) and the Richardson and step options
(``num_extrap``, ``step_ratio``, ...); a Jacobian over the columns of a 2-D x.
Importing this module imports no numdifftools.
"""

from __future__ import annotations

from typing import Any, Callable, NamedTuple, Optional

import numpy as np

import fdgrad
from fdgrad._public import readable as _readable

__all__ = ["Derivative", "EstimateResult", "Gradient", "Hessdiag", "Hessian", "Jacobian", "directionaldiff"]


class EstimateResult(NamedTuple):
    """``full_output=True``'s result, as numdifftools names it: the estimate, its estimated
    error (NaN for the complex step, exact to rounding, and fixed steps: no estimate), the
    step of the estimate (per coordinate for a Hessian: fdgrad's steps, where numdifftools
    gives one per entry), and ``best_index``, which fdgrad has no equivalent of (None: its
    ladder is not numdifftools' step sequence)."""

    estimate: Any
    error_estimate: Any
    final_step: Any
    best_index: Any = None


_METHODS = ("central", "forward", "backward", "complex")


def _refuse(what: str) -> NotImplementedError:
    return NotImplementedError(f"fdgrad.numdifftools does not compute {what}; fdgrad's own functions take "
                               "method='central', 'forward', 'backward' or 'complex' and n = 1..4")


class _Differentiator:
    """fun, numdifftools' options fixed; obj(x, *args, **kwds) differentiates."""

    _complex_ok = True

    def __init__(self, fun: Callable, step: Any = None, method: str = "central", order: int = 2, n: int = 1,
                 full_output: bool = False, **options: Any) -> None:
        if not callable(fun):
            raise TypeError(f"fun must be callable, got {fun!r}")
        if options:
            raise _refuse(f"numdifftools' step and Richardson options ({', '.join(sorted(options))})")
        if not isinstance(method, str) or method not in _METHODS:
            if method == "multicomplex":
                raise _refuse("the multicomplex step (method='multicomplex')")
            raise ValueError(f"method must be one of {', '.join(map(repr, _METHODS))}, got {method!r}")
        if method == "complex" and not self._complex_ok:
            raise _refuse(f"the complex step of a {type(self).__name__} (method='complex')")
        if isinstance(order, (bool, np.bool_)) or not isinstance(order, (int, np.integer)) or order < 1 or \
                (method in ("central", "complex") and order % 2):
            raise ValueError(f"order must be a positive int (even for method={method!r}), got {order!r}")
        if method == "complex" and order != 2 and step is not None:
            # (at its own step, 1e-20 max(1, |x|), fdgrad's complex step is exact to rounding: any order)
            raise _refuse(f"the complex step of order {order} at a given step (fdgrad's is of order 2)")
        if isinstance(step, (str, bytes, complex, np.complexfloating)):
            raise TypeError(f"step must be None, a positive number or an array of them, got {step!r}")
        if step is not None and not isinstance(step, (int, float, np.number, np.ndarray, list, tuple)):
            raise _refuse(f"step generators ({type(step).__name__}); give step as a number or an array")
        self.fun, self.step, self.method, self.order, self.n = fun, step, method, order, n
        self.full_output = full_output

    def _real(self, x: Any) -> np.ndarray:
        """x as a float array; a complex x is numdifftools' ValueError for the complex step, and
        not computed otherwise."""
        if np.iscomplexobj(np.asarray(x)):
            if self.method == "complex":
                raise ValueError("a complex variable was given: the complex step takes a real x")
            raise _refuse("derivatives at a complex x")
        return np.asarray(x, dtype=float)

    def _point(self, x: Any) -> tuple[np.ndarray, bool]:
        """x as numdifftools takes it: a scalar as a 1-vector (and whether it was one); a 2-D x
        (numdifftools' columns of points) refused."""
        point = self._real(x)
        if point.ndim > 1:
            raise _refuse(f"a {type(self).__name__} over the columns of a 2-D x (give each point as a 1-D x)")
        return point.reshape(-1), point.size == 1

    def _options(self) -> dict:
        """fdgrad's options: adaptive by default; a given step is fixed, of the method's order."""
        if self.method == "complex":
            return {"method": "complex"} if self.step is None else {"method": "complex", "h": self.step}
        if self.step is None:
            return {"method": self.method, "adaptive": True}
        return {"method": self.method, "h": self.step, "order": self.order}

    def _run(self, compute: Callable, f: Callable, x: Any, *rest: Any, **options: Any) -> tuple:
        """compute(f, x, ...) with fdgrad's options, and numdifftools' errors for the complex step:
        a ValueError for an f that is complex-valued (fdgrad's TypeError); otherwise a complex-valued
        f is not computed."""
        try:
            return compute(f, x, *rest, full_output=True, **options, **self._options())
        except TypeError as exc:
            if self.method == "complex" and "real-valued f" in str(exc):
                raise ValueError(f"the function given is complex valued: {exc}") from None
            extra = (tuple(options.get("args") or ()), options.get("kwargs") or {})
            if "real" in str(exc) and np.iscomplexobj(f(x, *extra[0], **extra[1])):  # (f once more, to say why)
                raise _refuse(f"derivatives of a complex-valued f ({exc}); differentiate its real and imaginary "
                              "parts apart") from None
            raise

    def _result(self, value: Any, info: Any, arrange: Optional[Callable] = None) -> Any:
        """value, or its EstimateResult; arrange puts info's errors (and its steps, where they have
        the errors' dimensions) in numdifftools' layout."""
        if not self.full_output:
            return value
        error, step = np.asarray(info.error), np.asarray(info.step)
        if arrange is not None:
            error, step = arrange(error), (arrange(step) if step.ndim == error.ndim else step)
        return EstimateResult(value, error, step)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({self.fun!r}, step={self.step!r}, method={self.method!r}, "
                f"order={self.order!r}, n={self.n!r}, full_output={self.full_output!r})")


class Derivative(_Differentiator):
    """The n-th derivative of a function of one variable, numdifftools' ``Derivative``: at an
    array x elementwise (fun must then be), ``n=0`` f itself.

    Examples
    --------
    >>> import numpy as np
    >>> import fdgrad.numdifftools as nd
    >>> bool(np.isclose(nd.Derivative(np.exp)(1.0), np.e, rtol=1e-12))
    True
    >>> np.round(nd.Derivative(lambda x: x**3 + x**2, n=2)([1.0, 2.0]), 8)
    array([ 8., 14.])
    """

    def __call__(self, x: Any, *args: Any, **kwds: Any) -> Any:
        n = self.n
        if type(n) is not int and not isinstance(n, np.integer) or isinstance(n, bool) or n < 0:
            raise ValueError(f"n must be an int >= 0, got {n!r}")
        if n == 0:
            value = np.asarray(self.fun(np.asarray(x, dtype=float), *args, **kwds))
            return self._result(value, _Info(np.zeros(value.shape), np.zeros(value.shape)))
        if n > 4:
            raise _refuse(f"derivatives of order n = {n} (fdgrad computes n = 1..4)")
        if self.method == "complex" and n > 1:
            raise _refuse(f"the complex step of a derivative of order n = {n}")
        point = self._real(x)
        if point.ndim == 0 and np.ndim(self.fun(float(point), *args, **kwds)) > 0:
            # an f of several values at a number: numdifftools' derivative of each (f called once more)
            if n != 1:
                raise _refuse(f"derivatives of order n = {n} of an f of several values")
            vector = lambda v, *a, **k: np.asarray(self.fun(v[0], *a, **k)).reshape(-1)  # noqa: E731
            value, info = self._run(fdgrad.jacobian, vector, point.reshape(1), args=args, kwargs=kwds or None)
            return self._result(np.asarray(value)[:, 0], info, lambda a: a.reshape(-1))
        value, info = self._run(fdgrad.derivative, self.fun, point if point.ndim else float(point), n=n, args=args,
                                kwargs=kwds or None)
        return self._result(value if point.ndim else np.asarray(value), info)


class _Info(NamedTuple):
    """errors and steps where fdgrad made none (n = 0)."""

    error: Any
    step: Any


def _row(a: np.ndarray) -> np.ndarray:
    """numdifftools' one row of (1, n)."""
    return a.reshape(1, -1)


class Gradient(_Differentiator):
    """The gradient of a scalar function, numdifftools' ``Gradient`` (a scalar x is a 1-vector,
    its gradient 0-d).

    Examples
    --------
    >>> import numpy as np
    >>> import fdgrad.numdifftools as nd
    >>> np.round(nd.Gradient(lambda x: np.sum(x**2))([1.0, 2.0, 3.0]), 10)
    array([2., 4., 6.])
    """

    def __call__(self, x: Any, *args: Any, **kwds: Any) -> Any:
        if self.n != 1:
            raise _refuse(f"a Gradient of order n = {self.n!r}")
        point, scalar = self._point(x)
        value, info = self._run(fdgrad.gradient, _squeezed(self.fun), point, args=args, kwargs=kwds or None)
        return self._result(value.reshape(()) if scalar else value, info, _row)


class Jacobian(_Differentiator):
    """The Jacobian, numdifftools' ``Jacobian``: ``(m, n)``, ``(1, n)`` for a scalar f, ``(m, 1)``
    at a scalar x.

    Examples
    --------
    >>> import numpy as np
    >>> import fdgrad.numdifftools as nd
    >>> np.round(nd.Jacobian(lambda x: np.array([x[0] * x[1], x[0]]))([1.0, 2.0]), 10)
    array([[2., 1.],
           [1., 0.]])
    """

    def __call__(self, x: Any, *args: Any, **kwds: Any) -> Any:
        if self.n != 1:
            raise _refuse(f"a Jacobian of order n = {self.n!r}")
        point, _ = self._point(x)
        value, info = self._run(fdgrad.jacobian, self.fun, point, args=args, kwargs=kwds or None)
        value = np.asarray(value)
        if value.ndim == 1:  # a scalar f: one row
            return self._result(value[None], info, _row)
        if value.ndim > 2:  # f's values of shape (a, b, ...): numdifftools' (a, n, b, ...)
            return self._result(np.moveaxis(value, -1, 1), info, lambda a: np.moveaxis(a, -1, 1))
        return self._result(value, info)


class Hessdiag(_Differentiator):
    """The diagonal of the Hessian, numdifftools' ``Hessdiag`` (``(1,)`` at a scalar x).

    Examples
    --------
    >>> import numpy as np
    >>> import fdgrad.numdifftools as nd
    >>> np.round(nd.Hessdiag(lambda x: x[0] + x[1]**2 + x[2]**3)([1.0, 2.0, 3.0]), 8)
    array([ 0.,  2., 18.])
    """

    _complex_ok = False

    def __init__(self, f: Callable, step: Any = None, method: str = "central", order: int = 2,
                 **options: Any) -> None:
        full_output, n = options.pop("full_output", False), options.pop("n", 1)
        if n != 1:
            raise _refuse(f"a {type(self).__name__} of order n = {n!r}")
        super().__init__(f, step, method, order, 1, full_output, **options)
        if step is None and method != "central" and type(self) is Hessian:
            raise _refuse(f"an adaptive Hessian by {method} differences (give step= for a fixed one, or use "
                          "method='central')")

    def __call__(self, x: Any, *args: Any, **kwds: Any) -> Any:
        point, _ = self._point(x)
        value, info = self._run(self._compute, _squeezed(self.fun), point, args=args, kwargs=kwds or None)
        return self._result(value, info)

    _compute = staticmethod(fdgrad.hessian_diag)


class Hessian(Hessdiag):
    """The Hessian, numdifftools' ``Hessian`` (``(1, 1)`` at a scalar x).

    Examples
    --------
    >>> import numpy as np
    >>> import fdgrad.numdifftools as nd
    >>> np.round(nd.Hessian(lambda x: x[0]**2 * x[1])([1.0, 2.0]), 8)
    array([[4., 2.],
           [2., 0.]])
    """

    _compute = staticmethod(fdgrad.hessian)


def _squeezed(fun: Callable) -> Callable:
    """fun with a value of one entry (shape (1,), as numdifftools' Gradient takes it) as a number."""

    def scalar(x: np.ndarray, *args: Any, **kwds: Any) -> Any:
        value = fun(x, *args, **kwds)
        return value.reshape(()) if isinstance(value, np.ndarray) and value.size == 1 else value

    return scalar


def directionaldiff(f: Callable, x0: Any, vec: Any, **options: Any) -> Any:
    """The derivative of f at x0 along the unit vector of ``vec``, numdifftools'
    ``directionaldiff`` (options: Derivative's, ``full_output`` among them).

    Examples
    --------
    >>> import numpy as np
    >>> import fdgrad.numdifftools as nd
    >>> rosen = lambda x: (1 - x[0])**2 + 105 * (x[1] - x[0]**2)**2
    >>> bool(abs(nd.directionaldiff(rosen, [1.0, 1.0], [1.0, 2.0])) < 1e-12)
    True
    """
    x = np.asarray(x0, dtype=float)
    v = np.asarray(vec, dtype=float)
    if v.size != x.size:
        raise ValueError(f"vec must have x0's size {x.size}, got shape {v.shape}")
    v = v.reshape(x.shape)
    unit = v / np.linalg.norm(v)
    return Derivative(lambda t: f(x + t * unit), **options)(0.0)


_readable(globals(), __all__)  # (help() and inspect: evaluated annotations, not strings)
