"""The public API, written once and bound to one backend's kernels.

``make_api(kernels, module)`` returns the public functions for a kernel module
(fdgrad._ckernels or fdgrad._pykernels).  fdgrad and fdgrad.fallback both call
it, so the two have the same names, signatures, docstrings, argument checks
and error messages by construction; only the inner loops differ.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, Callable, Union

import numpy as np
from numpy.typing import ArrayLike

from ._checks import (
    Stencil,
    as_point,
    as_points,
    check_callable,
    check_index,
    check_lr,
    check_step_num,
    scalar_value,
    stencil_for,
    steps,
)

__all__ = ["PUBLIC_NAMES", "make_api"]

#: The public functions, in the order the documentation presents them.
PUBLIC_NAMES = (
    "derivative",
    "partial",
    "gradient",
    "gradient_descent",
    "numerical_diff",
    "numerical_gradient",
)

#: The step of the textbook aliases (numerical_diff, numerical_gradient).
TEXTBOOK_STEP = 1e-4

Method = str
Step = Union[float, ArrayLike, None]


def _elementwise_values(value: Any, shape: tuple[int, ...]) -> np.ndarray:
    """f's value at an array of points, for an elementwise derivative."""
    arr = np.asarray(value)
    if arr.shape != shape:
        raise ValueError(
            f"f must return an array of x's shape {shape} for an elementwise derivative, "
            f"got shape {arr.shape} (for a function of the whole array use gradient())"
        )
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"f must return real numbers, got dtype {arr.dtype}")
    return np.ascontiguousarray(arr, dtype=np.float64).reshape(-1)


def make_api(kernels: ModuleType, module: str) -> dict[str, Callable[..., Any]]:
    """The public functions bound to ``kernels``, presented as members of ``module``."""
    gradient_range = kernels.gradient_range
    combine = kernels.combine

    def read_only_view(work: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        # f sees the working buffer in x's shape; it may read it but not write it.
        view = work.reshape(shape)
        view.flags.writeable = False
        return view

    def grad_into(
        f: Callable[[np.ndarray], Any],
        work: np.ndarray,
        view: np.ndarray,
        hs: np.ndarray,
        stencil: Stencil,
        out: np.ndarray,
        start: int,
        stop: int,
    ) -> None:
        f0 = scalar_value(f(view)) if 0.0 in stencil.offsets else float("nan")
        gradient_range(f, scalar_value, work, view, hs, stencil, f0, out, start, stop)

    def derivative(
        f: Callable[[Any], Any], x: ArrayLike, h: Step = None, method: Method = "central"
    ) -> Union[float, np.ndarray]:
        """Derivative of a function of one variable.

        Parameters
        ----------
        f : callable
            ``f(x) -> float`` for a scalar ``x``.  For an array ``x``, ``f``
            is called with arrays of ``x``'s shape and must work elementwise,
            returning an array of the same shape.
        x : float or array_like
            The point, or an array of points.
        h : float or array_like, optional
            The step: a positive finite number, or an array of ``x``'s shape,
            used exactly as given.  The default is the conventional scaled
            step, ``sqrt(eps) * max(1, |x|)`` for forward and backward
            differences and ``eps**(1/3) * max(1, |x|)`` for central ones,
            rounded so that ``x + h`` is exact.
        method : {"central", "forward", "backward"}
            ``(f(x+h) - f(x-h)) / (2h)``, ``(f(x+h) - f(x)) / h`` or
            ``(f(x) - f(x-h)) / h``.

        Returns
        -------
        float or ndarray
            A float for a scalar ``x``; otherwise an array of ``x``'s shape.

        Examples
        --------
        >>> import fdgrad
        >>> fdgrad.derivative(lambda x: x**3, 2, h=0.001, method="forward")
        12.006000999997823
        >>> fdgrad.derivative(lambda x: x**2, [1.0, 2.0, 3.0], h=1e-4)
        array([2., 4., 6.])
        """
        check_callable(f)
        stencil = stencil_for(method)
        points = as_points(x)
        flat = points.reshape(-1)
        hs = steps(h, flat, points.shape, stencil)
        fvals = []
        if points.ndim == 0:
            x0, h0 = float(flat[0]), float(hs[0])
            for o in stencil.offsets:
                value = scalar_value(f(x0 if o == 0.0 else x0 + o * h0))
                fvals.append(np.array([value]))
        else:
            for o in stencil.offsets:
                arg = points if o == 0.0 else (flat + o * hs).reshape(points.shape)
                fvals.append(_elementwise_values(f(arg), points.shape))
        out = np.empty(flat.shape)
        combine(stencil, fvals, hs, out)
        return float(out[0]) if points.ndim == 0 else out.reshape(points.shape)

    def partial(
        f: Callable[[np.ndarray], Any],
        x: ArrayLike,
        i: Union[int, tuple[int, ...]],
        h: Step = None,
        method: Method = "central",
    ) -> float:
        """Partial derivative of ``f`` with respect to ``x[i]`` at ``x``.

        Parameters
        ----------
        f : callable
            ``f(x) -> float`` for an array ``x`` of ``x``'s shape.  ``f`` is
            given a read-only array and must not keep it: its contents change
            between calls.
        x : array_like
            The point (a list or an array of any shape); never modified.
        i : int or tuple of int
            The coordinate: a flat index (negative counts from the end) or,
            for an N-D ``x``, a tuple index such as ``(1, 2)``.
        h, method
            As for :func:`gradient`; an array ``h`` contributes ``h[i]``.

        Returns
        -------
        float

        Examples
        --------
        >>> import fdgrad
        >>> f = lambda p: p[0] * p[0] + p[1] * p[1]
        >>> fdgrad.partial(f, [1, 3], 1, h=0.01, method="forward")
        6.009999999999849
        """
        check_callable(f)
        stencil = stencil_for(method)
        work, shape = as_point(x)
        flat_i = check_index(i, shape)
        hs = steps(h, work, shape, stencil)
        out = np.empty(work.shape)
        grad_into(f, work, read_only_view(work, shape), hs, stencil, out, flat_i, flat_i + 1)
        return float(out[flat_i])

    def gradient(
        f: Callable[[np.ndarray], Any], x: ArrayLike, h: Step = None, method: Method = "central"
    ) -> np.ndarray:
        """Gradient of a scalar function of an array.

        Parameters
        ----------
        f : callable
            ``f(x) -> float`` for an array ``x`` of ``x``'s shape.  ``f`` is
            given a read-only array and must not keep it: its contents change
            between calls.
        x : array_like
            The point: a list, a 1-D array, or an array of any shape such as
            a weight matrix.  Integers and float32 are converted to float64;
            ``x`` itself is never modified.
        h : float or array_like, optional
            The step: a positive finite number, or an array of ``x``'s shape,
            used exactly as given.  The default is the conventional scaled
            step, ``sqrt(eps) * max(1, |x_i|)`` for forward and backward
            differences and ``eps**(1/3) * max(1, |x_i|)`` for central ones,
            rounded so that ``x_i + h_i`` is exact.
        method : {"central", "forward", "backward"}
            Central differences cost 2n evaluations of ``f``; forward and
            backward ones n + 1 (``f(x)`` is evaluated once).

        Returns
        -------
        ndarray
            The gradient, float64, of ``x``'s shape.

        Examples
        --------
        >>> import fdgrad
        >>> fdgrad.gradient(lambda p: p[0]**2 + p[1]**2, [3.0, 4.0], h=1e-4)
        array([6., 8.])
        >>> fdgrad.gradient(lambda w: (w**2).sum(), [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]).shape
        (2, 3)
        """
        check_callable(f)
        stencil = stencil_for(method)
        work, shape = as_point(x)
        hs = steps(h, work, shape, stencil)
        out = np.empty(work.shape)
        grad_into(f, work, read_only_view(work, shape), hs, stencil, out, 0, work.shape[0])
        return out.reshape(shape)

    def gradient_descent(
        f: Callable[[np.ndarray], Any],
        init_x: ArrayLike,
        lr: float = 0.01,
        step_num: int = 100,
        h: Step = None,
        method: Method = "central",
        history: bool = False,
    ) -> Union[np.ndarray, tuple[np.ndarray, np.ndarray]]:
        """Minimise ``f`` by gradient descent: ``x -= lr * gradient(f, x)``.

        Parameters
        ----------
        f : callable
            ``f(x) -> float``, as for :func:`gradient`.
        init_x : array_like
            The starting point; never modified.
        lr : float
            The learning rate, positive and finite.
        step_num : int
            The number of steps, ``>= 0``.
        h, method
            As for :func:`gradient`.  With ``h=None`` the step is chosen
            afresh at every iterate.
        history : bool
            Also return the path: every iterate, the start included.

        Returns
        -------
        x : ndarray
            The last iterate, of ``init_x``'s shape.
        path : ndarray
            Only with ``history=True``: shape ``(step_num + 1,) + x.shape``.

        Examples
        --------
        >>> import fdgrad
        >>> x = fdgrad.gradient_descent(lambda p: p[0]**2 + p[1]**2, [-3.0, 4.0], lr=0.1, h=1e-4)
        >>> print(x)
        [-6.11110793e-10  8.14814391e-10]
        """
        check_callable(f)
        rate = check_lr(lr)
        count = check_step_num(step_num)
        stencil = stencil_for(method)
        if not isinstance(history, (bool, np.bool_)):
            raise TypeError(f"history must be a bool, got {history!r}")
        work, shape = as_point(init_x, "init_x")
        fixed_h = None if h is None else steps(h, work, shape, stencil)
        view = read_only_view(work, shape)
        n = work.shape[0]
        grad = np.empty(n)
        path = np.empty((count + 1, n)) if history else None
        if path is not None:
            path[0] = work
        for step in range(count):
            hs = steps(None, work, shape, stencil) if fixed_h is None else fixed_h
            grad_into(f, work, view, hs, stencil, grad, 0, n)
            work -= rate * grad
            if path is not None:
                path[step + 1] = work
        if path is not None:
            return work.reshape(shape), path.reshape((count + 1,) + shape)
        return work.reshape(shape)

    def numerical_diff(f: Callable[[Any], Any], x: ArrayLike) -> Union[float, np.ndarray]:
        """The textbook ``numerical_diff``: central difference with h = 1e-4.

        Same as ``derivative(f, x, h=1e-4, method="central")``, that is
        ``(f(x + h) - f(x - h)) / (2 * h)``.

        Examples
        --------
        >>> import fdgrad
        >>> fdgrad.numerical_diff(lambda x: 0.01 * x**2 + 0.1 * x, 5)
        0.1999999999990898
        """
        return derivative(f, x, h=TEXTBOOK_STEP, method="central")

    def numerical_gradient(f: Callable[[np.ndarray], Any], x: ArrayLike) -> np.ndarray:
        """The textbook ``numerical_gradient``: central differences with h = 1e-4.

        Same as ``gradient(f, x, h=1e-4, method="central")``.  Unlike the
        textbook loop it never modifies ``x``, so ``f`` must compute from the
        array it is given (not from a copy of ``x`` held elsewhere).

        Examples
        --------
        >>> import fdgrad
        >>> fdgrad.numerical_gradient(lambda p: p[0]**2 + p[1]**2, [3.0, 0.0])
        array([6., 0.])
        """
        return gradient(f, x, h=TEXTBOOK_STEP, method="central")

    api: dict[str, Callable[..., Any]] = {}
    for fn in (derivative, partial, gradient, gradient_descent, numerical_diff, numerical_gradient):
        fn.__module__ = module
        fn.__qualname__ = fn.__name__
        api[fn.__name__] = fn
    assert tuple(api) == PUBLIC_NAMES
    return api
