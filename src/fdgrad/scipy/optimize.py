"""``scipy.optimize``'s finite differences over fdgrad: the same calls, the same results' shapes.

``approx_fprime``, ``check_grad``, ``approx_derivative``, ``check_derivative`` and
``group_columns`` take SciPy's arguments in SciPy's order with SciPy's defaults, and
choose SciPy's steps: ``h = rel_step * sign(x) * max(1, |x|)`` (``rel_step``
``eps**(1/2)`` for ``'2-point'`` and ``'cs'``, ``eps**(1/3)`` for ``'3-point'``, eps
that of the coarser of x's and f's float types), or ``abs_step``, with its sign:
``'2-point'`` differences go forward where the step is positive and backward where
it is negative; each step is rounded so that ``x + h`` is exact; near bounds the
scheme turns one-sided, flips or shrinks as SciPy's does.  The differences
themselves are fdgrad's (:func:`fdgrad.jacobian`, with the kernels, threads,
executors and native callbacks it offers), so values agree with SciPy's to
rounding, not bit for bit.

As in SciPy, ``fun`` gets a fresh, writable array of x0's type at every call (it may
change or keep it), a map-like ``workers`` is called as ``workers(fun, points)`` and an
int one is a process pool of that many processes (``-1``: every core), and
``full_output=True`` returns ``(J, {"nfev": n})``, n every call of ``fun`` made.  What
differs, and why:

* ``method='cs'`` with ``sparsity`` takes the complex step column by column (n
  evaluations, where SciPy takes one per group of columns) and keeps the pattern's
  entries: fdgrad's grouped differences are real ones.  With a map-like ``workers``
  the complex step hands the map fdgrad's own tasks (ranges of columns), not points.
* At an explicitly stored zero of a sparse structure the result is the derivative
  there (SciPy's keeps 0): the structure's stored entries are its non-zeros, for the
  grouping as for the result.
* A native ``fun`` (a ``LowLevelCallable``, ctypes or numba ``cfunc``, ``double
  f(int, double *)``) is called in C by fdgrad's kernels; its ``f(x0)`` is taken
  twice by ``'2-point'`` (counted in nfev).
* A coordinate with ``lb == ub`` has a NaN column, as in SciPy, but fun is not evaluated
  for it (SciPy's step of 0 evaluates fun at x0 again); with ``sparsity`` it is refused.

Every other name of ``scipy.optimize`` (``minimize``, ``rosen``, ...) is SciPy's own,
looked up there on first use, so that ``from fdgrad.scipy import optimize`` can stand
for ``from scipy import optimize``; importing this module imports no SciPy.
"""

from __future__ import annotations

import functools
import math
import os
import warnings
from typing import Any, Callable, Optional

import numpy as np

import fdgrad
from fdgrad._native import cached_native_function, native_value
from fdgrad._public import readable as _readable
from fdgrad._values import is_real_number

__all__ = ["approx_derivative", "approx_fprime", "check_derivative", "check_grad", "group_columns"]

_EPSILON = math.sqrt(np.finfo(float).eps)  # SciPy's default epsilon for approx_fprime and check_grad
_METHODS = ("2-point", "3-point", "cs")


class _Fun:
    """fun(x, *args, **kwargs) as SciPy calls it: x a fresh, writable array of x0's floating type
    (complex for the complex step), which fun may change or keep; the value at least 1-D and at
    most 1-D (or, scalar, as fun gave it); fdgrad's first call, f(x0), answered with f0 where it
    is known.  Picklable (for process pools) where fun is."""

    def __init__(self, fun: Callable, x0: np.ndarray, args: tuple, kwargs: dict, scalar: bool = False) -> None:
        self.fun, self.x0, self.args, self.kwargs, self.scalar = fun, x0, tuple(args), dict(kwargs), scalar
        self.dtype = x0.dtype
        self.known: Optional[np.ndarray] = None
        self.served = 0  # whether f0 answered fdgrad's first call

    def __call__(self, x: Any) -> Any:
        if self.known is not None:  # (only the first call can be f(x0): every other point moved)
            known, self.known = self.known, None
            if np.array_equal(x, self.x0):
                self.served += 1
                return known[0] if self.scalar else known
        x = x.astype(self.dtype) if x.dtype.kind == "f" else x.copy()  # (astype copies)
        value = self.fun(x, *self.args, **self.kwargs)
        if self.scalar:
            return value
        if type(value) is not np.ndarray or value.ndim != 1:
            value = np.atleast_1d(value)
            if value.ndim > 1:
                raise RuntimeError("`fun` return value has more than 1 dimension.")
        return value


class _Mapped:
    """fun over a stack of points (fdgrad's vectorized f) by SciPy's map-like workers:
    workers(fun, [x1, x2, ...]) with fun the picklable _Fun, as SciPy's approx_derivative maps;
    f(x0) (a stack of x0 alone, first) answered with f0."""

    def __init__(self, workers: Callable, fun: _Fun, f0: np.ndarray) -> None:
        self.workers, self.fun, self.known, self.served = workers, fun, f0, 0

    def __call__(self, points: np.ndarray) -> np.ndarray:
        if self.known is not None:
            known, self.known = self.known, None
            if points.shape[0] == 1 and np.array_equal(points[0], self.fun.x0):
                self.served += 1
                return known[None]
        values = list(self.workers(self.fun, [points[k] for k in range(points.shape[0])]))
        return np.stack([np.atleast_1d(np.asarray(v)) for v in values])


def _float_point(x0: Any) -> np.ndarray:
    """x0 as SciPy takes it: at least 1-D, its floating type kept (float64 otherwise), at most 1-D."""
    x = np.atleast_1d(np.asarray(x0))
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float64)
    if x.ndim > 1:
        raise ValueError("`x0` must have at most 1 dimension.")
    return x


def _bounds(bounds: Any, x0: np.ndarray) -> Optional[tuple[np.ndarray, np.ndarray]]:
    """(lb, ub) as arrays of x0's shape, or None where nothing is bounded."""
    if type(bounds) is tuple and len(bounds) == 2 and all(type(b) is float and math.isinf(b) for b in bounds) \
            and bounds[0] < 0 < bounds[1]:
        return None  # (the default, (-inf, inf): no arrays)
    try:
        lb, ub = (np.asarray(b, dtype=float) for b in bounds)
    except (TypeError, ValueError):
        raise ValueError(f"bounds must be a pair (lb, ub) of scalars or arrays of x0's shape, got {bounds!r}") \
            from None
    lb = np.resize(lb, x0.shape) if lb.ndim == 0 else lb
    ub = np.resize(ub, x0.shape) if ub.ndim == 0 else ub
    if lb.shape != x0.shape or ub.shape != x0.shape:
        raise ValueError("Inconsistent shapes between bounds and `x0`.")
    if np.all(np.isneginf(lb) & np.isposinf(ub)):
        return None
    return lb, ub


@functools.lru_cache(maxsize=64)
def _relative(x_dtype: np.dtype, f_dtype: np.dtype, method: str) -> float:
    """SciPy's relative step: eps**(1/2) ('2-point', 'cs') or eps**(1/3) ('3-point'), eps that of
    x's floating type, or f's where that is coarser."""
    eps = np.finfo(x_dtype).eps if np.issubdtype(x_dtype, np.floating) else np.finfo(np.float64).eps
    if np.issubdtype(x_dtype, np.floating) and np.issubdtype(f_dtype, np.inexact) and \
            np.dtype(f_dtype).itemsize < np.dtype(x_dtype).itemsize:
        eps = np.finfo(f_dtype).eps
    return float(eps ** 0.5 if method != "3-point" else eps ** (1 / 3))


def _steps(x0: np.ndarray, f0: np.ndarray, method: str, rel_step: Any, abs_step: Any) -> np.ndarray:
    """Signed steps: abs_step, or rel_step * sign(x) * |x| (by default rel * sign(x) * max(1, |x|));
    where a step is lost in x ((x + h) - x == 0), the default relative one."""
    sign = np.where(x0 >= 0, 1.0, -1.0)
    default = _relative(x0.dtype, f0.dtype, method) * sign * np.maximum(1.0, np.abs(x0))
    if abs_step is not None:
        h = np.broadcast_to(np.asarray(abs_step, dtype=float), x0.shape).astype(float)
    elif rel_step is None:
        return default
    else:
        h = np.asarray(rel_step, dtype=float) * sign * np.abs(x0)
    with np.errstate(invalid="ignore", over="ignore"):
        return np.where((x0 + h) - x0 == 0, default, h)


def _fit_to_bounds(x0: np.ndarray, h: np.ndarray, method: str,
                   bounds: Optional[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Steps and whether each is one-sided, fitted into lb <= x <= ub as SciPy fits them: a
    one-sided step ('2-point') flips where only the other side has room, and shrinks to the
    larger room where neither has; a central one ('3-point') turns one-sided (steps h and 2 h)
    toward the larger room where x +- h does not fit, shrinking to fit, or stays central at the
    smaller room where that allows a larger step."""
    one_sided = method == "2-point"
    h = np.asarray(h, dtype=float) if one_sided else np.abs(h)
    sided = np.full(x0.shape, one_sided)
    if bounds is None:
        return h, sided
    lb, ub = bounds
    h = h.copy()
    below, above = x0 - lb, ub - x0
    upward = above >= below
    if one_sided:
        reach = x0 + h
        fits = np.abs(h) <= np.maximum(below, above)
        h = np.where(((reach < lb) | (reach > ub)) & fits, -h, h)
        return np.where(fits, h, np.where(upward, above, -below)), sided
    central = (below >= h) & (above >= h)
    h = np.where(central, h, np.where(upward, np.minimum(h, 0.5 * above), -np.minimum(h, 0.5 * below)))
    smaller = np.minimum(below, above)
    wider = ~central & (np.abs(h) <= smaller)  # the central step at the smaller room is as large
    return np.where(wider, smaller, h), ~central & ~wider


def _rounded(x0: np.ndarray, h: np.ndarray) -> np.ndarray:
    """h rounded so that x + h is exact in x's floating type: (x + h) - x."""
    with np.errstate(invalid="ignore", over="ignore"):
        return (x0 + h).astype(x0.dtype).astype(np.float64) - x0.astype(np.float64)


def _forced_bounds(x0: np.ndarray, h: np.ndarray, one_sided: np.ndarray, method: str,
                   bounds: Optional[tuple[np.ndarray, np.ndarray]]) -> Optional[tuple[np.ndarray, np.ndarray]]:
    """fdgrad bounds that give each coordinate the side SciPy's scheme chose (fdgrad takes a
    method's own side, or central, wherever the bounds allow): x itself as the upper bound of a
    step downward, and, for '3-point', as the lower bound of a one-sided step upward; None where
    nothing is bounded or forced."""
    down = one_sided & (h < 0)
    up = one_sided & (h > 0) if method == "3-point" else None
    forcing = down.any() or (up is not None and up.any())
    if bounds is None and not forcing:
        return None
    lb, ub = (np.full(x0.shape, -np.inf), np.full(x0.shape, np.inf)) if bounds is None else bounds
    if not forcing:
        return lb, ub
    x = x0.astype(np.float64)
    return (lb if up is None else np.where(up, x, lb)), np.where(down, x, ub)


def _workers(workers: Any) -> tuple[Optional[Callable], Any]:
    """(SciPy's map-like for workers=, or None for serial; a pool to shut down afterwards or None),
    as SciPy reads workers: a callable is a map-like; otherwise an int (anything false: serial;
    1: serial; -1: every core; more: a process pool of that many)."""
    workers = workers or map
    if callable(workers):
        return (None if workers is map else workers), None
    count = int(workers)
    if count == -1:
        count = os.cpu_count() or 1
    elif count < 1:
        raise RuntimeError("Number of workers specified must be -1, an int >= 1, or an object with a 'map' "
                           f"method, got {workers!r}")
    if count == 1:
        return None, None
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(count)
    return pool.map, pool


def approx_derivative(fun: Callable, x0: Any, method: str = "3-point", rel_step: Any = None, abs_step: Any = None,
                      f0: Any = None, bounds: Any = (-np.inf, np.inf), sparsity: Any = None,
                      as_linear_operator: bool = False, args: tuple = (), kwargs: Optional[dict] = None,
                      full_output: bool = False, workers: Any = None) -> Any:
    """The Jacobian of ``fun`` at ``x0`` by finite differences, as
    ``scipy.optimize._numdiff.approx_derivative`` computes it.

    Parameters
    ----------
    fun : callable
        ``fun(x, *args, **kwargs)`` of a 1-D ``x`` (never a scalar), returning a
        scalar or a 1-D array of m values.
    x0 : float or array_like of shape (n,)
        The point.  A float32 (or float16) x0 is passed to ``fun`` in its own type
        and its steps are sized for it.
    method : {'3-point', '2-point', 'cs'}
        Central differences (second-order one-sided ones near bounds), one-sided
        ones (forward for positive steps, backward for negative), or the complex
        step (``fun`` must take complex x).
    rel_step, abs_step : array_like, optional
        SciPy's steps: ``rel_step * sign(x0) * |x0|`` (default ``eps**(1/2)`` or
        ``eps**(1/3)`` times ``sign(x0) * max(1, |x0|)``), or ``abs_step`` with its
        sign; a step lost in x0 falls back to the default.
    f0 : array_like, optional
        ``fun(x0)``, if known: it is not recomputed.
    bounds : 2-tuple of array_like
        ``(lb, ub)``, scalars or arrays of x0's shape: every point stays inside.
    sparsity : array_like, sparse array, or (structure, groups), optional
        The Jacobian's structural non-zeros (groups as ``group_columns`` makes them,
        or computed here); the result is then a ``scipy.sparse`` CSR array (or
        matrix, for a matrix structure).
    as_linear_operator : bool
        Return a ``scipy.sparse.linalg.LinearOperator`` whose ``matvec(p)`` is the
        directional difference ``J p`` (no bounds).
    args, kwargs
        Passed on to ``fun``.
    full_output : bool
        Also return ``{"nfev": n}``, the calls of ``fun`` made.
    workers : int or map-like callable, optional
        ``map``-like callables evaluate the points as given; an int > 1 in that
        many processes (-1: every core).

    Returns
    -------
    ndarray, sparse array or LinearOperator
        ``(m, n)``; for m = 1 a dense result has shape ``(n,)``.

    Examples
    --------
    >>> import numpy as np
    >>> from fdgrad.scipy.optimize import approx_derivative
    >>> f = lambda x, c1, c2: np.array([x[0] * np.sin(c1 * x[1]), x[0] * np.cos(c2 * x[1])])
    >>> np.round(approx_derivative(f, np.array([1.0, 0.5 * np.pi]), args=(1, 2)), 8)
    array([[ 1.,  0.],
           [-1.,  0.]])
    >>> g = lambda x: x**2 if x >= 1 else x
    >>> approx_derivative(g, 1.0, bounds=(-np.inf, 1.0)), approx_derivative(g, 1.0, bounds=(1.0, np.inf))
    (array([1.]), array([2.]))
    """
    if not isinstance(method, str) or method not in _METHODS:
        raise ValueError(f"Unknown method '{method}'. ")
    x0 = _float_point(x0)
    box = _bounds(bounds, x0)
    if as_linear_operator and box is not None and not (np.all(np.isinf(box[0])) and np.all(np.isinf(box[1]))):
        raise ValueError("Bounds not supported when `as_linear_operator` is True.")
    kwargs = {} if kwargs is None else kwargs
    native = cached_native_function(fun) if not args and not kwargs and x0.dtype == np.float64 else None
    if native is not None and native.vector:
        native = None  # (a vector native f's m is not known here: the Python path, which says so)
    scalar, calls = False, 0
    if f0 is None:
        value = native_value(native, x0) if native is not None else fun(x0.copy(), *args, **kwargs)
        calls = 1
        scalar = np.ndim(value) == 0 and is_real_number(value)  # (fdgrad.gradient takes it as it is)
        f0 = np.atleast_1d(value)
        if f0.ndim > 1:
            raise RuntimeError("`fun` return value has more than 1 dimension.")
    else:
        f0 = np.atleast_1d(f0)
        if f0.ndim > 1:
            raise ValueError("`f0` passed has more than 1 dimension.")
    if box is not None and np.any((x0 < box[0]) | (x0 > box[1])):
        raise ValueError("`x0` violates bound constraints.")
    if box is not None and not as_linear_operator and np.any(box[0] == box[1]):
        return _pinned(fun, x0, method, rel_step, abs_step, f0, box, sparsity, args, kwargs, full_output, workers,
                       calls)
    mapper, pool = _workers(workers)
    wrapped = _Fun(fun, x0, args, kwargs, scalar and mapper is None)
    wrapped.known = f0
    if as_linear_operator:
        if pool is not None:
            pool.shutdown()
        operator = _linear_operator(wrapped, x0, f0, method, rel_step)
        return (operator, {"nfev": calls}) if full_output else operator
    h = _steps(x0, f0, method, rel_step, abs_step)
    one_sided = np.zeros(x0.shape, dtype=bool)
    if method != "cs":
        h, one_sided = _fit_to_bounds(x0, h, method, box)
    h = _rounded(x0, h)
    forced = _forced_bounds(x0, h, one_sided, method, box) if method != "cs" else None
    name = {"2-point": "forward", "3-point": "central", "cs": "complex"}[method]
    pattern = _pattern(sparsity)
    options = dict(full_output=full_output, bounds=forced)
    if native is not None and mapper is None:
        f, served = fun, None  # in C, from fdgrad's kernels (x is never f's to change there)
    elif mapper is None:
        f, served = wrapped, wrapped
    elif method == "cs":  # (fdgrad takes the complex step a point at a time: the map gets fdgrad's tasks)
        f, served, options["workers"] = wrapped, wrapped, mapper
    else:  # the map gets fun and the points, as SciPy's does, through fdgrad's stacks of points
        f = served = _Mapped(mapper, wrapped, f0)
        wrapped.known, options["vectorized"] = None, True
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", fdgrad.UnchangingWarning)  # (SciPy says nothing of an f that never changed)
            if not isinstance(f, _Mapped) and (native is not None or wrapped.scalar) and pattern is None:
                result = fdgrad.gradient(f, x0, np.abs(h), name, **options)
            else:
                # (fdgrad's grouped differences are real ones: the complex step takes every column,
                # and keeps the pattern's entries)
                result = fdgrad.jacobian(f, x0, np.abs(h), name, sparsity=None if method == "cs" else pattern,
                                         **options)
    finally:
        if pool is not None:
            pool.shutdown()
    J, info = result if full_output else (result, None)
    if method == "cs" and pattern is not None:
        J = _kept(np.asarray(J).reshape(f0.size, -1), pattern)
    J = _shaped(J, f0.size, sparsity)
    if full_output:
        return J, {"nfev": calls + info.nfev - (0 if served is None else served.served)}
    return J


class _Embedded:
    """fun of the free coordinates of x0 (the others pinned, lb == ub); picklable where fun is."""

    def __init__(self, fun: Callable, x0: np.ndarray, free: np.ndarray, args: tuple, kwargs: dict) -> None:
        self.fun, self.x0, self.free, self.args, self.kwargs = fun, x0, free, tuple(args), dict(kwargs)

    def __call__(self, z: np.ndarray) -> Any:
        x = self.x0.astype(np.result_type(self.x0, z))
        x[self.free] = z
        return self.fun(x, *self.args, **self.kwargs)


def _pinned(fun: Callable, x0: np.ndarray, method: str, rel_step: Any, abs_step: Any, f0: np.ndarray,
            box: tuple, sparsity: Any, args: tuple, kwargs: dict, full_output: bool, workers: Any,
            calls: int) -> Any:
    """approx_derivative where some coordinates have lb == ub: as SciPy's, their columns are NaN
    (a step of 0); the others are differentiated with those coordinates held (fun never leaves
    the bounds), SciPy's steps and options restricted to them."""
    if sparsity is not None:
        raise NotImplementedError("fdgrad.scipy.optimize.approx_derivative does not take sparsity with "
                                  "coordinates whose bounds are equal (lb == ub)")
    free = box[0] != box[1]
    J = np.full((f0.size, x0.size), np.nan)
    nfev = 0
    if free.any():
        restrict = (lambda step: None if step is None else
                    np.broadcast_to(np.asarray(step, dtype=float), x0.shape)[free])
        part = approx_derivative(_Embedded(fun, x0, free, args, kwargs), x0[free], method, restrict(rel_step),
                                 restrict(abs_step), f0, (box[0][free], box[1][free]), full_output=True,
                                 workers=workers)
        J[:, free], nfev = np.asarray(part[0]).reshape(f0.size, -1), part[1]["nfev"]
    J = J[0] if f0.size == 1 else J
    return (J, {"nfev": calls + nfev}) if full_output else J


def _pattern(sparsity: Any) -> Any:
    """SciPy's sparsity (a structure, or (structure, groups)) as fdgrad's ColumnGroups."""
    if sparsity is None:
        return None
    from scipy.sparse import issparse

    if not issparse(sparsity) and isinstance(sparsity, (tuple, list)) and len(sparsity) == 2:
        structure, groups = sparsity
        return fdgrad.group_columns(_stored(structure)).regrouped(groups)
    return fdgrad.group_columns(_stored(sparsity))


def _sparse(value: Any) -> bool:
    """Whether value is a scipy.sparse matrix or array (told without importing SciPy)."""
    return type(value).__module__.startswith("scipy.sparse")


def _stored(structure: Any) -> Any:
    """A sparse structure's stored entries, explicit zeros included, as non-zeros (SciPy groups by
    them; fdgrad's own patterns leave explicit zeros out); anything else as it is."""
    if not _sparse(structure):
        return structure
    stored = structure.tocsc(copy=True)
    stored.data = np.ones_like(stored.data)
    return stored


def _kept(J: np.ndarray, pattern: Any) -> np.ndarray:
    """A dense J with only the pattern's entries (the others zero)."""
    mask = np.asarray(pattern.assemble(np.ones(pattern.nnz), pattern.shape[:1], pattern.shape[1:]).toarray()
                      if pattern.format is not None else
                      pattern.assemble(np.ones(pattern.nnz), pattern.shape[:1], pattern.shape[1:])) != 0
    return np.where(mask, J, 0.0)


def _shaped(J: Any, m: int, sparsity: Any) -> Any:
    """fdgrad's Jacobian in SciPy's form: dense (n,) for m = 1 (else (m, n)); sparse as CSR."""
    if sparsity is None:
        J = np.asarray(J).reshape(m, -1)
        return J[0] if m == 1 else J
    from scipy.sparse import csr_array, csr_matrix, issparse, isspmatrix

    structure = sparsity[0] if isinstance(sparsity, (tuple, list)) and len(sparsity) == 2 and \
        not issparse(sparsity) else sparsity
    if issparse(J):
        J = J.tocsr()
    else:
        J = csr_array(np.asarray(J).reshape(m, -1))
    return csr_matrix(J) if isspmatrix(structure) else csr_array(J)


def _linear_operator(wrapped: _Fun, x0: np.ndarray, f0: np.ndarray, method: str, rel_step: Any) -> Any:
    """J as SciPy's LinearOperator: matvec(p) the method's difference along p, of length rel_step
    (SciPy's default relative step for the method if None; an array as SciPy broadcasts it):
    (f(x0 + d p) - f0) / d, (f(x0 + d p) - f(x0 - d p)) / (2 d) or Im f(x0 + i d p) / d, d the
    step over |p|."""
    from scipy.sparse.linalg import LinearOperator

    m, n = f0.size, x0.size
    h = _relative(x0.dtype, f0.dtype, method) if rel_step is None else np.asarray(rel_step, dtype=float)
    x = x0.astype(np.float64)
    wrapped.known = None

    def matvec(p: Any) -> np.ndarray:
        p = np.asarray(p).reshape(-1)
        if not p.any():
            return np.zeros(m)
        step = h / np.linalg.norm(p)
        if method == "2-point":
            return (wrapped(x + step * p) - f0) / step
        if method == "3-point":
            return (wrapped(x + step * p) - wrapped(x - step * p)) / (2 * step)
        return np.asarray(wrapped(x + step * p * 1j)).imag / step

    return LinearOperator((m, n), matvec=matvec, dtype=float)


def check_derivative(fun: Callable, jac: Callable, x0: Any, bounds: Any = (-np.inf, np.inf), args: tuple = (),
                     kwargs: Optional[dict] = None) -> float:
    """How far ``jac`` is from ``approx_derivative(fun, x0)``, as SciPy's ``check_derivative``
    measures it: the largest ``|jac - J| / max(1, |J|)`` (over jac's non-zeros for a sparse
    jac).

    Examples
    --------
    >>> import numpy as np
    >>> from fdgrad.scipy.optimize import check_derivative
    >>> f = lambda x: np.array([x[0] * np.sin(x[1]), x[0] * np.cos(x[1])])
    >>> jac = lambda x: np.array([[np.sin(x[1]), x[0] * np.cos(x[1])], [np.cos(x[1]), -x[0] * np.sin(x[1])]])
    >>> bool(check_derivative(f, jac, np.array([1.0, 0.5])) < 1e-9)
    True
    """
    kwargs = {} if kwargs is None else kwargs
    given = jac(x0.copy() if isinstance(x0, np.ndarray) else x0, *args, **kwargs)  # (never the caller's x0)
    from_scipy_sparse = _sparse(given)
    if from_scipy_sparse:
        from scipy.sparse import csr_array, find

        J = approx_derivative(fun, x0, bounds=bounds, sparsity=given, args=args, kwargs=kwargs)
        rows, cols, gap = find(csr_array(given) - J)
        if gap.size == 0:
            return 0.0
        return float(np.max(np.abs(gap) / np.maximum(1.0, np.abs(np.asarray(J[rows, cols]).ravel()))))
    J = approx_derivative(fun, x0, bounds=bounds, args=args, kwargs=kwargs)
    return float(np.max(np.abs(given - J) / np.maximum(1.0, np.abs(J))))


def group_columns(A: Any, order: Any = 0) -> np.ndarray:
    """Groups of columns of a 2-D pattern that share no row, as SciPy's ``group_columns`` makes
    them: columns taken in ``order`` (a permutation of range(n), or a seed, None included, of
    a random permutation, reproducible for an int), each into the first group none of its rows
    meets.  Returns each column's group, from 0.

    Examples
    --------
    >>> import numpy as np
    >>> from fdgrad.scipy.optimize import group_columns
    >>> group_columns(np.eye(4) + np.eye(4, k=1), order=np.arange(4)).tolist()
    [0, 1, 0, 1]
    """
    from_scipy_sparse = _sparse(A)
    pattern = A if from_scipy_sparse else (np.atleast_2d(np.asarray(A)) != 0)
    if len(pattern.shape) != 2:
        raise ValueError("`A` must be 2-dimensional.")
    n = pattern.shape[1]
    if order is None or np.isscalar(order):
        order = np.random.RandomState(order).permutation(n)
    else:
        order = np.asarray(order)
        if order.shape != (n,):
            raise ValueError("`order` has incorrect shape.")
    if from_scipy_sparse:
        permuted = _stored(pattern)[:, order]
    else:
        permuted = pattern[:, order]
    groups = np.empty(n, dtype=np.intp)
    groups[order] = fdgrad.group_columns(permuted).groups
    return groups


def approx_fprime(xk: Any, f: Callable, epsilon: Any = _EPSILON, *args: Any) -> np.ndarray:
    """The gradient (or, for an f of m values, the Jacobian) of f at xk by forward differences
    of step ``epsilon`` (a scalar, or one per entry), as SciPy's ``approx_fprime``.

    Examples
    --------
    >>> import numpy as np
    >>> from fdgrad.scipy.optimize import approx_fprime
    >>> f = lambda x, c0, c1: c0 * x[0]**2 + c1 * x[1]**2
    >>> np.round(approx_fprime(np.ones(2), f, 1.4901161193847656e-08, 1, 200), 4)
    array([  2., 400.])
    """
    xk = np.array(xk, float)  # (a copy: f may change its x, never the caller's)
    return approx_derivative(f, xk, method="2-point", abs_step=epsilon, args=args, f0=f(xk.copy(), *args))


def check_grad(func: Callable, grad: Callable, x0: Any, *args: Any, epsilon: Any = _EPSILON, direction: str = "all",
               rng: Any = None, seed: Any = None) -> float:
    """The 2-norm of ``grad(x0) - approx_fprime(x0, func, epsilon)``, as SciPy's ``check_grad``:
    a float.  ``direction='random'`` compares along one random direction (from ``rng``, or
    the older ``seed``: an int, a Generator or a RandomState) instead.

    Examples
    --------
    >>> import numpy as np
    >>> from fdgrad.scipy.optimize import check_grad
    >>> func = lambda x: x[0]**2 - 0.5 * x[1]**3
    >>> grad = lambda x: np.array([2 * x[0], -1.5 * x[1]**2])
    >>> bool(check_grad(func, grad, [1.5, -1.5]) < 1e-6)
    True
    """
    if rng is not None and seed is not None:
        raise TypeError("check_grad takes rng or seed, not both")
    x0 = np.array(x0)  # (a copy: func and grad may change their x, never the caller's)
    if direction == "random":
        analytic = np.asanyarray(grad(x0.copy(), *args))
        if analytic.ndim > 1:
            raise ValueError("'random' can only be used with scalar valued func")
        v = _random_state(rng, seed).standard_normal(size=x0.shape)
        numeric = approx_fprime(np.zeros(1), lambda w: func(x0 + w * v, *args), np.ravel(epsilon)[0])
        return float(np.sqrt(np.sum(np.abs(np.dot(analytic, v) - numeric) ** 2)))
    if direction != "all":
        raise ValueError(f"{direction} is not a valid string for ``direction`` argument")
    return float(np.sqrt(np.sum(np.abs(grad(x0.copy(), *args) - approx_fprime(x0, func, epsilon, *args)) ** 2)))


def _random_state(rng: Any, seed: Any) -> Any:
    """The generator of check_grad's random direction, as SciPy reads rng= (numpy's default_rng of
    it; a Generator or RandomState as it is) and the older seed= (a RandomState of an int; None
    or neither: numpy's global RandomState, so np.random.seed makes it reproducible)."""
    if rng is not None:
        return rng if isinstance(rng, (np.random.Generator, np.random.RandomState)) else np.random.default_rng(rng)
    if seed is None:
        return np.random.mtrand._rand
    if isinstance(seed, (np.random.Generator, np.random.RandomState)):
        return seed
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, (bool, np.bool_)):
        return np.random.RandomState(seed)
    raise ValueError(f"seed must be None, an int, a numpy Generator or RandomState, got {seed!r}")


def __getattr__(name: str) -> Any:
    """scipy.optimize's other names (minimize, rosen, ...), SciPy's own, on first use."""
    if name.startswith("__"):
        raise AttributeError(name)
    import scipy.optimize

    try:
        return getattr(scipy.optimize, name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r} (nor has scipy.optimize)") from None


_readable(globals(), __all__)  # (help() and inspect: evaluated annotations, not strings)
