"""``scipy.differentiate`` over fdgrad: the same calls, arguments, checks and results' shapes.

:func:`derivative`, :func:`jacobian` and :func:`hessian` take SciPy's arguments
with SciPy's defaults, check them as SciPy does (the same exception types, and
messages naming the parameter), work elementwise over arrays of points, and
return a result with SciPy's attributes (``success``, ``status``, ``df`` or
``ddf``, ``error``, ``nit``, ``nfev``, ``x``) in SciPy's shapes and dtypes.  The
numbers are fdgrad's:

* With SciPy's default algorithm options (``order=8``, ``initial_step=0.5``,
  ``step_factor=2.0``, ``maxiter=10``, given or defaulted), the derivative is
  fdgrad's adaptive one (:func:`fdgrad.derivative` with ``adaptive=True``):
  Richardson extrapolation over a ladder of steps chosen from the data, one
  "iteration" (``nit`` 1).  ``error`` is fdgrad's error estimate, meant as a
  bound on the true error (SciPy's is the difference between its last two
  iterates); ``status`` is 0 where fdgrad's ladder converged and
  ``error < atol + rtol * |df|``, -3 where a value is not finite and -2
  elsewhere.  A ``step_direction`` keeps every step on its side of ``x``.
  Where the adaptive derivative does not succeed (``f`` noisy at its own
  scale, steps leaving a domain), SciPy's iteration below is run for those
  elements as well, and the estimate with the smaller error is kept (its
  ``nit``; ``nfev`` counts both).  ``callback`` sees the state before and
  after this one iteration.
  :func:`hessian` is then fdgrad's adaptive Hessian (:func:`fdgrad.hessian`)
  at each point.  For ``x`` (or ``f``'s values) in a type coarser than
  float64 (float32, float16), whose rounding of ``x + h`` the adaptive
  ladder cannot see, SciPy's iteration below is used instead.
* Where ``order``, ``initial_step``, ``step_factor`` or ``maxiter`` is set to
  another value, SciPy's documented iteration is followed: iteration ``k``
  takes a finite difference of that order (odd orders rounded up) whose
  largest step is ``initial_step / step_factor**k``, central or one-sided per
  ``step_direction``; ``error`` is the difference from the previous
  iteration's; iteration stops where ``error < atol + rtol * |df|`` (status 0),
  where the error grew tenfold (-1), at ``maxiter`` (-2), at a value that is
  not finite (-3), or when ``callback`` raises ``StopIteration`` (-4).  The
  differences are fdgrad's equally spaced fixed-step ones (central orders 2 to
  8; one-sided orders 2 and 4, and 6 and 8 by Richardson extrapolation of
  order-4 differences), not SciPy's nested stencils, so the values agree with
  SciPy's to the formula's truncation error, not digit for digit, and
  ``nfev`` differs (no evaluation is reused between iterations).  Central
  orders above 8 and one-sided ones above 8 raise ``NotImplementedError``.

``nfev`` counts, for each element, the points at which ``f`` was evaluated
for it, including SciPy's initial evaluation at ``x``.  Only NumPy arrays are
taken (no other array API namespace); importing this module imports no SciPy.
"""

from __future__ import annotations

import math
import sys
import warnings
from typing import Any, Callable, Optional

import numpy as np

import fdgrad
from fdgrad._public import readable as _readable

__all__ = ["derivative", "hessian", "jacobian"]

_IN_PROGRESS, _CONVERGED, _ERROR_INCREASE, _MAXITER, _NOT_FINITE, _CALLBACK = 1, 0, -1, -2, -3, -4
_DEFAULTS = {"maxiter": 10, "order": 8, "initial_step": 0.5, "step_factor": 2.0}
_CENTRAL_ORDERS = (2, 4, 6, 8)
_TOLERANCE_MESSAGE = "Tolerances and step parameters must be non-negative scalars."


class _Result(dict):
    """SciPy's result object: a dict whose keys are also attributes (``res.df``, ``res["df"]``)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    __setattr__ = dict.__setitem__

    def __delattr__(self, name: str) -> None:
        try:
            del self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __dir__(self) -> list[str]:
        return sorted(self.keys())

    def __repr__(self) -> str:
        width = max(map(len, self), default=0) + 1
        return "\n".join(f"{key:>{width}}: " + repr(value).replace("\n", "\n" + " " * (width + 2))
                         for key, value in self.items())


# --- checks ---------------------------------------------------------------------------------------

def _check(f: Any, args: Any, tolerances: Any, maxiter: Any, order: Any, step_factor: Any, preserve_shape: Any,
           callback: Any) -> tuple[tuple, Optional[float], Optional[float], int, int, float]:
    """SciPy's argument checks, in SciPy's order: (args, atol, rtol, maxiter, order, step_factor)."""
    if not callable(f):
        raise ValueError("`f` must be callable.")
    if not np.iterable(args):
        args = (args,)
    tolerances = {} if tolerances is None else tolerances
    atol, rtol = tolerances.get("atol", None), tolerances.get("rtol", None)
    try:
        values = np.asarray([1 if atol is None else atol, 1 if rtol is None else rtol, step_factor])
    except (TypeError, ValueError):
        raise ValueError(_TOLERANCE_MESSAGE) from None
    if not np.issubdtype(values.dtype, np.number) or np.iscomplexobj(values) or values.shape != (3,) \
            or np.any(np.isnan(values)) or np.any(values < 0):
        raise ValueError(_TOLERANCE_MESSAGE)
    step_factor = float(values[2])
    maxiter = _positive_integer(maxiter, "maxiter")
    order = _positive_integer(order, "order")
    if preserve_shape not in {True, False}:
        raise ValueError("`preserve_shape` must be True or False.")
    if callback is not None and not callable(callback):
        raise ValueError("`callback` must be callable.")
    return tuple(args), atol, rtol, maxiter, order, step_factor


def _positive_integer(value: Any, name: str) -> int:
    message = f"`{name}` must be a positive integer."
    try:
        integer = int(value)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(message) from None
    if integer != value or integer <= 0:
        raise ValueError(message)
    return integer


def _is_default(name: str, value: Any) -> bool:
    default = _DEFAULTS[name]
    try:
        return bool(np.all(np.asarray(value) == default))
    except (TypeError, ValueError):
        return False


# --- evaluation -----------------------------------------------------------------------------------

class _Elementwise:
    """f over the elements of the result's shape: ``self(z)`` for a flat float64 array z of
    ``size`` points (in the result's shape ``shape``) calls ``f(u, *args)`` with ``u`` of the
    points' own shape ``xshape`` in x's dtype and returns f's values, flat, as float64.  With
    ``preserve_shape``, the result's shape may have leading axes beyond x's: the points of one
    index along them are one call of f, and where those differ (the steps of each element are
    fdgrad's own) f is called once for each distinct set."""

    def __init__(self, f: Callable, args: tuple, xshape: tuple, shape: tuple, dtype: np.dtype,
                 ) -> None:
        self.f, self.args, self.xshape, self.shape, self.dtype = f, args, xshape, shape, dtype
        self.lead = math.prod(shape[:len(shape) - len(xshape)])

    def call(self, u: np.ndarray) -> np.ndarray:
        value = np.asarray(self.f(u.astype(self.dtype), *self.args))
        if value.shape != self.shape:
            raise ValueError(f"The shape of the array returned by `f` changed from {self.shape} to {value.shape}: "
                             "`f` must be elementwise.")
        if np.iscomplexobj(value):
            raise ValueError("Abscissae and function output must be real numbers.")
        return value.astype(self.dtype).astype(np.float64)

    def __call__(self, z: Any) -> np.ndarray:
        rows = np.asarray(z, dtype=np.float64).reshape(self.lead, -1)
        if self.lead == 1:
            return self.call(rows[0].reshape(self.xshape)).reshape(-1)
        out = np.empty(rows.shape)
        left = np.arange(self.lead)
        while left.size:
            first = rows[left[0]]
            same = np.all((rows[left] == first) | (np.isnan(rows[left]) & np.isnan(first)), axis=1)
            value = self.call(first.reshape(self.xshape)).reshape(self.lead, -1)
            out[left[same]] = value[left[same]]
            left = left[~same]
        return out.reshape(-1)


class _Subset:
    """The elementwise f of a subset of the points: the others stay at x (f is elementwise)."""

    def __init__(self, g: Callable, x: np.ndarray, where: np.ndarray) -> None:
        self.g, self.x, self.where = g, x, where

    def __call__(self, z: Any) -> np.ndarray:
        full = self.x.copy()
        full[self.where] = np.asarray(z, dtype=np.float64).reshape(-1)
        return self.g(full)[self.where]


# --- the derivative ------------------------------------------------------------------------------

def _direction(step_direction: Any) -> np.ndarray:
    """step_direction as an array of real numbers (their sign is the side), or a TypeError naming it."""
    direction = np.asarray(step_direction)
    if direction.dtype.kind not in "iuf":
        raise TypeError(f"step_direction must be integers (or real numbers: their sign), got {step_direction!r}"
                        [:200])
    return direction


def derivative(f: Callable, x: Any, *, args: Any = (), tolerances: Optional[dict] = None, maxiter: int = 10,
               order: int = 8, initial_step: Any = 0.5, step_factor: float = 2.0, step_direction: Any = 0,
               preserve_shape: bool = False, callback: Optional[Callable] = None) -> _Result:
    """Evaluate the derivative of an elementwise, real scalar function numerically.

    SciPy's :func:`scipy.differentiate.derivative`, computed by fdgrad (see the
    module's notes for how the defaults and the other options are honoured).

    Parameters
    ----------
    f : callable
        ``f(xi, *argsi) -> ndarray``, elementwise: each element of the value is
        ``f`` of the corresponding elements of ``xi`` and ``argsi``.  ``f``
        must not change its arguments.
    x : float array_like
        The points; broadcast with ``args``, ``step_direction`` and
        ``initial_step``.  Never modified.
    args : tuple of array_like, optional
        Further arguments of ``f``, broadcastable with ``x`` (a single array
        stands for a 1-tuple).
    tolerances : dict, optional
        ``atol`` (default: the smallest normal number of the dtype) and
        ``rtol`` (default: the square root of the dtype's precision): an
        element succeeds where ``error < atol + rtol * abs(df)``.
    maxiter : int, default: 10
        The largest number of iterations (only where an option differs from
        SciPy's default; fdgrad's adaptive derivative is one iteration).
    order : int, default: 8
        The order of the finite-difference formula; odd orders are rounded up.
    initial_step : float array_like, default: 0.5
        The largest step of the first iteration.
    step_factor : float, default: 2.0
        The factor by which the step shrinks at each iteration (below 1: grows).
    step_direction : int array_like, default: 0
        Where 0, central differences; where positive, only steps ``>= 0``;
        where negative, only steps ``<= 0`` (for ``x`` at the edge of ``f``'s
        domain).  Where NaN, no derivative (status -3).
    preserve_shape : bool, default: False
        Whether ``f`` must be called with ``xi`` of ``x``'s broadcast shape
        only; its value may then have further leading axes (a vector-valued
        ``f``), which the result has too.  Otherwise ``f``'s value has the
        broadcast shape of ``x`` and ``args``.
    callback : callable, optional
        ``callback(res)``, called before the first iteration and after each,
        with the current result (status 1 where the element is in progress);
        a ``StopIteration`` it raises ends the iteration (status -4 where in
        progress).  It must not change ``res``.

    Returns
    -------
    res : result object
        With attributes, each of the result's shape: ``success`` (bool,
        ``status == 0``), ``status`` (int32: 0 converged, -1 error increased,
        -2 ``maxiter`` reached or tolerance not met, -3 a value not finite,
        -4 stopped by ``callback``), ``df`` (the derivative, x's dtype),
        ``error`` (its estimated error), ``nit`` and ``nfev`` (int32: the
        iterations taken and the points at which ``f`` was evaluated for the
        element) and ``x`` (the broadcast points).

    Raises
    ------
    ValueError
        Where an argument is invalid (the message names it), or ``f``'s values
        have the wrong shape or are complex.
    NotImplementedError
        For an ``order`` fdgrad's fixed-step differences do not have (central
        above 8, one-sided above 8), with another option non-default.

    See Also
    --------
    jacobian, hessian, fdgrad.derivative

    Notes
    -----
    With SciPy's default ``order``, ``initial_step``, ``step_factor`` and
    ``maxiter``, one adaptive iteration of fdgrad's (``nit`` 1; ``error`` its
    estimate of the error, where SciPy's is the change of its last
    iteration); with any of them set otherwise, SciPy's documented iteration
    with fdgrad's equally spaced fixed-step differences.  Either way ``nfev``
    differs from SciPy's, which reuses evaluations between iterations, and the
    values agree with SciPy's to their accuracy, not digit for digit.

    Examples
    --------
    >>> import numpy as np
    >>> from fdgrad.scipy.differentiate import derivative
    >>> x = np.linspace(1, 2, 5)
    >>> res = derivative(np.exp, x)
    >>> bool(np.allclose(res.df, np.exp(x), rtol=1e-12)), bool(np.all(res.success))
    (True, True)
    >>> bool(np.all(np.abs(res.df - np.exp(x)) <= res.error))
    True

    At the edge of a domain, one-sided steps:

    >>> res = derivative(np.sqrt, [0.25, 1.0], step_direction=1)
    >>> res.df
    array([1. , 0.5])
    """
    args, atol, rtol, maxiter, order, step_factor = _check(f, args, tolerances, maxiter, order, step_factor,
                                                           preserve_shape, callback)
    x, direction, h0 = np.broadcast_arrays(np.asarray(x), _direction(step_direction), np.asarray(initial_step))
    default = all(_is_default(name, value) for name, value in
                  (("maxiter", maxiter), ("order", order), ("initial_step", h0), ("step_factor", step_factor)))
    return _derivative(f, x, args, atol, rtol, maxiter, order, h0, step_factor, direction, preserve_shape,
                       callback, default)


def _derivative(f: Callable, x: np.ndarray, args: tuple, atol: Any, rtol: Any, maxiter: int, order: int,
                h0: np.ndarray, step_factor: float, direction: np.ndarray, preserve_shape: bool,
                callback: Optional[Callable], default: bool) -> _Result:
    xtype = np.result_type(x.dtype, np.float16) if x.dtype.kind in "fc" else np.dtype(np.float64)
    if x.dtype.kind not in "biufc":
        raise ValueError("Abscissae and function output must be real numbers.")
    broadcast = np.broadcast_arrays(x, *(np.asarray(a) for a in args))
    x, args = broadcast[0].astype(xtype), tuple(np.array(a) for a in broadcast[1:])  # (copies)
    xshape = x.shape
    f0 = np.asarray(f(x.copy(), *args))
    shape = np.broadcast_shapes(f0.shape, xshape) if preserve_shape else xshape
    if f0.shape != shape:
        raise ValueError("When `preserve_shape=False`, the shape of the array returned by `f` must be the same "
                         "as the broadcasted shape of `x` and all other `args`." if not preserve_shape else
                         f"The shape of the array returned by `f`, {f0.shape}, is not that of `x`, {xshape}, "
                         "with leading axes.")
    dtype = np.result_type(f0.dtype, xtype)
    if not np.issubdtype(dtype, np.floating):
        raise ValueError("Abscissae and function output must be real numbers.")
    finfo = np.finfo(dtype)
    atol = float(finfo.smallest_normal) if atol is None else float(atol)
    rtol = float(finfo.eps ** 0.5) if rtol is None else float(rtol)

    g = _Elementwise(f, args, xshape, shape, dtype)
    points = np.broadcast_to(x, shape).astype(np.float64).reshape(-1)
    with np.errstate(invalid="ignore"):
        sign = np.sign(np.broadcast_to(direction, shape).astype(np.float64)).reshape(-1)
    steps = np.broadcast_to(h0, shape).astype(np.float64).reshape(-1)
    state = _State(points.size, atol, rtol)
    if callback is not None and state.report(callback, shape, points, dtype):
        return state.result(shape, points, dtype, _CALLBACK)
    if points.size:
        if default and dtype.itemsize >= 8:
            _adaptive(g, points, sign, state)
            _fallback(g, points, sign, steps, order, step_factor, maxiter, state)
            if callback is not None:
                state.report(callback, shape, points, dtype)
        else:
            _iterate(g, points, sign, steps, order, step_factor, maxiter, state, callback, shape, dtype)
    return state.result(shape, points, dtype, _CALLBACK if state.stopped else _MAXITER)


class _State:
    """The elements' current values, in flat arrays, and those that are still in progress."""

    def __init__(self, size: int, atol: float, rtol: float) -> None:
        self.df = np.full(size, np.nan)
        self.error = np.full(size, np.nan)
        self.status = np.full(size, _IN_PROGRESS, dtype=np.int32)
        self.nit = np.zeros(size, dtype=np.int32)
        self.nfev = np.ones(size, dtype=np.int32)  # (SciPy's evaluation at x)
        self.atol, self.rtol = atol, rtol
        self.stopped = False

    def met(self, df: np.ndarray, error: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            return error < self.atol + self.rtol * np.abs(df)

    def result(self, shape: tuple, points: np.ndarray, dtype: np.dtype, unfinished: int) -> _Result:
        status = np.where(self.status == _IN_PROGRESS, unfinished, self.status).astype(np.int32)
        return self._shaped(shape, points, dtype, status)

    def report(self, callback: Callable, shape: tuple, points: np.ndarray, dtype: np.dtype,
               status: Optional[np.ndarray] = None) -> bool:
        """Call callback with the current result: whether it raised StopIteration."""
        try:
            callback(self._shaped(shape, points, dtype, self.status if status is None else status))
        except StopIteration:
            self.stopped = True
        return self.stopped

    def _shaped(self, shape: tuple, points: np.ndarray, dtype: np.dtype, status: np.ndarray) -> _Result:
        def out(a: np.ndarray, kind: Any) -> Any:
            a = np.asarray(a, dtype=kind).reshape(shape)
            return a[()] if shape == () else a

        return _Result(success=out(status == _CONVERGED, bool), status=out(status, np.int32),
                       df=out(self.df, dtype), error=out(self.error, dtype), nit=out(self.nit, np.int32),
                       nfev=out(self.nfev, np.int32), x=out(points, dtype))


def _adaptive(g: _Elementwise, points: np.ndarray, sign: np.ndarray, state: _State) -> None:
    """fdgrad's adaptive derivative, one iteration: steps kept on the side sign asks."""
    usable = np.isfinite(points) & ~np.isnan(sign)
    where = np.flatnonzero(usable)
    if where.size:
        z = points[where]
        s = sign[where]
        bounds = None
        if np.any(s != 0):
            bounds = (np.where(s > 0, z, -np.inf), np.where(s < 0, z, np.inf))
        h = g if where.size == points.size else _Subset(g, points, usable)
        if z.size == 1 and bounds is None:  # one point: at a number, f called with it as a 1-array
            def one(t: float, h: Any = h) -> Any:
                return h(np.array([t]))[0]

            h, z = one, float(z[0])
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", fdgrad.UnchangingWarning)
            value, info = fdgrad.derivative(h, z, adaptive=True, full_output=True, bounds=bounds)
        value, error = np.asarray(value, dtype=float), np.asarray(info.error, dtype=float)
        converged = np.broadcast_to(np.asarray(info.converged, dtype=bool), value.shape)
        state.df[where], state.error[where] = value, error
        state.nfev[where] += info.nfev
        finite = np.isfinite(value)
        state.status[where] = np.where(~finite, _NOT_FINITE,
                                       np.where(converged & state.met(value, error), _CONVERGED, _IN_PROGRESS))
    state.nit[:] = 1
    bad = ~usable
    state.status[bad] = _NOT_FINITE
    state.df[(state.status == _NOT_FINITE)] = np.nan


def _fallback(g: _Elementwise, points: np.ndarray, sign: np.ndarray, steps: np.ndarray, order: int,
              step_factor: float, maxiter: int, state: _State) -> None:
    """Where fdgrad's adaptive derivative did not succeed (a function noisy at its scale, steps
    leaving the domain), SciPy's iteration too; the estimate with the smaller error is kept."""
    again = (state.status != _CONVERGED) & np.isfinite(points) & ~np.isnan(sign)
    if not np.any(again):
        return
    other = _State(int(np.count_nonzero(again)), state.atol, state.rtol)
    other.nfev[:] = 0
    sub = g if np.all(again) else _Subset(g, points, again)
    _iterate(sub, points[again], sign[again], steps[again], order, step_factor, maxiter, other, None, (),
             np.dtype(np.float64))
    other.status[other.status == _IN_PROGRESS] = _MAXITER
    where = np.flatnonzero(again)
    state.nfev[where] += other.nfev
    mine = np.where(np.isnan(state.error[where]), np.inf, state.error[where])
    with np.errstate(invalid="ignore"):
        better = ~np.isnan(other.df) & ((other.status == _CONVERGED) | (other.error < mine) |
                                        np.isnan(state.df[where]))
    take = where[better]
    state.df[take], state.error[take] = other.df[better], other.error[better]
    state.nit[take] = other.nit[better]
    state.status[take] = np.where(other.status[better] == _MAXITER, _IN_PROGRESS, other.status[better])


def _iterate(g: Callable, points: np.ndarray, sign: np.ndarray, steps: np.ndarray, order: int,
             step_factor: float, maxiter: int, state: _State, callback: Optional[Callable], shape: tuple,
             dtype: np.dtype) -> None:
    """SciPy's iteration: at iteration k, a difference of `order` whose largest step is
    steps / step_factor**k; error the change from the previous iteration."""
    order = 2 * ((order + 1) // 2)
    groups = [(sign == 0, "central"), (sign > 0, "forward"), (sign < 0, "backward")]
    for where, method in groups:
        if np.any(where) and (order not in _CENTRAL_ORDERS):
            raise NotImplementedError(f"order={order} with {'central' if method == 'central' else 'one-sided'} "
                                      "differences: fdgrad.scipy.differentiate takes orders up to 8")
    with np.errstate(all="ignore"):
        h = np.where((steps > 0) & np.isfinite(steps), steps, np.nan)
    last_error = np.full(points.size, np.nan)
    for k in range(maxiter):
        active = state.status == _IN_PROGRESS
        with np.errstate(all="ignore"):
            hk = h / step_factor ** k
        df = np.full(points.size, np.nan)
        for where, method in groups:
            use = where & active & np.isfinite(points) & np.isfinite(hk) & (hk > 0)
            if not np.any(use):
                continue
            sub = g if np.all(use) else _Subset(g, points, use)
            with np.errstate(all="ignore"):
                value, nfev = _difference(sub, points[use], hk[use], method, order)
            df[use] = value
            state.nfev[use] += nfev
        state.nit[active] += 1
        error = np.abs(df - state.df) if k else np.full(points.size, np.nan)
        state.df[active], state.error[active] = df[active], error[active]
        done = active & state.met(df, error)
        state.status[done] = _CONVERGED
        if k:
            bad = active & ~done & ~(np.isfinite(points) & np.isfinite(df))
            state.df[bad] = np.nan
            state.status[bad] = _NOT_FINITE
            done |= bad
        with np.errstate(invalid="ignore"):
            grew = active & ~done & (error > 10 * last_error)
        state.status[grew] = _ERROR_INCREASE
        last_error = np.where(active, error, last_error)
        if callback is not None and state.report(callback, shape, points, dtype):
            return
        if not np.any(state.status == _IN_PROGRESS):
            return


#: Richardson weights combining one-sided order-4 differences at spacings s, s/2, s/4, ... into
#: one of order 6 (three) or 8 (five): sum w = 1, sum w r**q = 0 for q = 4 .. order-1, r = 2**-j.
def _richardson(order: int) -> np.ndarray:
    levels = order - 3
    r = 2.0 ** -np.arange(levels)
    rows = [np.ones(levels)] + [r ** q for q in range(4, order)]
    rhs = np.zeros(levels)
    rhs[0] = 1
    return np.linalg.solve(np.array(rows), rhs)


def _difference(g: Callable, z: np.ndarray, largest: np.ndarray, method: str, order: int) -> tuple[np.ndarray, int]:
    """fdgrad's fixed-step difference of `order` at z with largest step `largest`: its value and
    the evaluations per point."""
    if method == "central" or order <= 4:
        value, nfev = _fixed(g, z, largest / (order // 2 if method == "central" else order), method, order)
        return value, nfev
    total, nfev = np.zeros(z.size), 0
    for j, weight in enumerate(_richardson(order)):
        value, count = _fixed(g, z, largest / 4 / 2 ** j, method, 4)
        total += weight * value
        nfev += count
    return total, nfev


def _fixed(g: Callable, z: np.ndarray, spacing: np.ndarray, method: Any, order: int) -> tuple[np.ndarray, int]:
    """fdgrad.derivative at the spacing rounded so that the first step from z is exact."""
    spacing = (z - spacing) - z if method == "backward" else (z + spacing) - z
    spacing = np.abs(spacing)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fdgrad.UnchangingWarning)  # (a constant f is a derivative of 0)
        value, info = fdgrad.derivative(g, z, h=spacing, method=method, order=order, full_output=True)
    return np.asarray(value, dtype=float), info.nfev


# --- Jacobian and Hessian ------------------------------------------------------------------------

def _at_least_1d(x: Any) -> np.ndarray:
    x = np.asarray(x)
    if x.dtype.kind not in "fc":
        x = x.astype(np.float64)
    if x.ndim < 1:
        raise ValueError("Argument `x` must be at least 1-D.")
    return x


def jacobian(f: Callable, x: Any, *, tolerances: Optional[dict] = None, maxiter: int = 10, order: int = 8,
             initial_step: Any = 0.5, step_factor: float = 2.0, step_direction: Any = 0) -> _Result:
    """Evaluate the Jacobian of a function numerically.

    SciPy's :func:`scipy.differentiate.jacobian`: each column is
    :func:`derivative` along one coordinate, with ``preserve_shape=True``.

    Parameters
    ----------
    f : callable
        ``f(xi) -> ndarray`` for ``f: R^m -> R^n``, vectorized: ``xi`` of shape
        ``(m, ...)``, value of shape ``(n, ...)`` (or ``(...)`` for ``n`` 1,
        a scalar function).  ``f`` must not change ``xi``.
    x : float array_like
        The point, of shape ``(m,)``, or ``k`` points, of shape ``(m, k)``
        (any further axes).  At least 1-D; never modified.
    tolerances, maxiter, order, initial_step, step_factor
        As for :func:`derivative`; ``initial_step`` broadcasts with ``x``.
    step_direction : int array_like, default: 0
        As for :func:`derivative`, broadcast with ``x``: the direction of the
        steps of each coordinate.

    Returns
    -------
    res : result object
        ``success``, ``status``, ``df``, ``error``, ``nit``, ``nfev`` as for
        :func:`derivative`, each of shape ``(n, m, ...)`` (``df[i, j]`` is
        ``d f_i / d x_j``; ``(m, ...)`` for a scalar function).  No ``x``.

    Raises
    ------
    ValueError
        Where ``x`` is 0-D, or an argument is invalid (as for :func:`derivative`).
    NotImplementedError
        As for :func:`derivative`.

    See Also
    --------
    derivative, hessian, fdgrad.jacobian

    Examples
    --------
    >>> import numpy as np
    >>> from fdgrad.scipy.differentiate import jacobian
    >>> def f(x):
    ...     x1, x2 = x
    ...     return np.stack([x1**2 * x2, 5 * x1 + np.sin(x2)])
    >>> res = jacobian(f, [1.0, 2.0])
    >>> bool(np.allclose(res.df, [[4.0, 1.0], [5.0, np.cos(2.0)]], rtol=1e-12)), res.df.shape
    (True, (2, 2))
    """
    return _jacobian(f, x, tolerances, maxiter, order, initial_step, step_factor, step_direction)


def _jacobian(f: Callable, x: Any, tolerances: Any, maxiter: Any, order: Any, initial_step: Any, step_factor: Any,
              step_direction: Any) -> _Result:
    x0 = _at_least_1d(x).copy()
    m = x0.shape[0]
    diagonal = np.arange(m)

    def wrapped(z: np.ndarray) -> Any:
        xph = np.broadcast_to(x0[:, np.newaxis], (m,) + x0.shape).astype(z.dtype)  # (a copy)
        xph[diagonal, diagonal] = z
        return f(xph)

    res = derivative(wrapped, x0, tolerances=tolerances, maxiter=maxiter, order=order, initial_step=initial_step,
                     step_factor=step_factor, step_direction=step_direction, preserve_shape=True)
    del res.x  # (the broadcast points mean nothing here)
    return res


def hessian(f: Callable, x: Any, *, tolerances: Optional[dict] = None, maxiter: int = 10, order: int = 8,
            initial_step: Any = 0.5, step_factor: float = 2.0) -> _Result:
    """Evaluate the Hessian of a function numerically.

    SciPy's :func:`scipy.differentiate.hessian`.  With SciPy's default
    options and a float64 ``x``, fdgrad's adaptive Hessian
    (:func:`fdgrad.hessian`) at each point, ``f`` called with points of shape
    ``(m,)``; otherwise, as in SciPy, the :func:`jacobian` of the gradient,
    itself a :func:`jacobian` whose ``rtol`` is 100 times smaller (so that its
    error is negligible).

    Parameters
    ----------
    f : callable
        ``f(xi) -> ndarray`` for ``f: R^m -> R``, vectorized: ``xi`` of shape
        ``(m, ...)``, value of shape ``(...)``.  ``f`` must not change ``xi``.
    x : float array_like
        The point, of shape ``(m,)``, or points, of shape ``(m, ...)``.  At
        least 1-D; never modified.
    tolerances, maxiter, order, initial_step, step_factor
        As for :func:`jacobian`.  An ``rtol`` below 100 times the dtype's
        precision warns (``RuntimeWarning``) and is raised to it.

    Returns
    -------
    res : result object
        ``success``, ``status``, ``ddf`` (the Hessian), ``error`` and ``nfev``,
        each of shape ``(m, m, ...)``; ``nfev`` counts the evaluations of
        ``f`` of the inner and outer differences.  No ``nit``, no ``x``.

    Raises
    ------
    ValueError
        Where ``x`` is 0-D, or an argument is invalid (as for :func:`derivative`).
    NotImplementedError
        As for :func:`derivative`.

    Warns
    -----
    RuntimeWarning
        Where ``0 < rtol < 100 * eps``.

    See Also
    --------
    derivative, jacobian, fdgrad.hessian

    Examples
    --------
    >>> import numpy as np
    >>> from fdgrad.scipy.differentiate import hessian
    >>> f = lambda x: x[0]**2 * x[1] + np.exp(x[1])
    >>> res = hessian(f, [1.0, 0.5])
    >>> bool(np.allclose(res.ddf, [[1.0, 2.0], [2.0, np.exp(0.5)]], rtol=1e-7)), res.ddf.shape
    (True, (2, 2))
    """
    x0 = _at_least_1d(x)
    tolerances = {} if tolerances is None else tolerances
    atol, rtol = tolerances.get("atol", None), tolerances.get("rtol", None)
    dtype = x0.dtype
    eps = float(np.finfo(dtype).eps)
    rtol = eps ** 0.5 if rtol is None else rtol
    smallest = eps * 100
    try:
        small = 0 < rtol < smallest
    except TypeError:
        small = False  # (the tolerance check names it)
    if small:
        warnings.warn(f"The specified `rtol={rtol}`, but error estimates are likely to be unreliable when "
                      f"`rtol < {smallest}`.", RuntimeWarning, stacklevel=2)
        rtol = smallest
    options = dict(maxiter=maxiter, order=order, initial_step=initial_step, step_factor=step_factor)
    if all(_is_default(name, value) for name, value in options.items()) and dtype.itemsize >= 8:
        _check(f, (), {"atol": atol, "rtol": rtol}, maxiter, order, step_factor, False, None)
        return _adaptive_hessian(f, x0, atol, rtol)
    inner_tolerances = {"atol": atol, "rtol": rtol / 100 if isinstance(rtol, (int, float, np.number)) else rtol}
    counts: list = []  # each inner jacobian's nfev, in the order of the outer calls

    def gradient(z: np.ndarray) -> Any:
        inner = jacobian(f, z, tolerances=inner_tolerances, **options)
        counts.append(inner.nfev)
        return inner.df

    res = jacobian(gradient, x, tolerances={"atol": atol, "rtol": rtol}, **options)
    # each element's nfev: the inner evaluations of the outer calls it took part in (its own nfev)
    total = np.cumsum(np.stack([np.broadcast_to(c, np.shape(res.df)) for c in counts]), axis=0)
    calls = np.minimum(np.asarray(res.nfev, dtype=np.intp), len(counts))[np.newaxis, ...] - 1
    nfev = np.take_along_axis(total, calls, axis=0)[0].astype(np.int32)
    return _Result(success=res.success, status=res.status, ddf=res.df, error=res.error, nfev=nfev)


def _adaptive_hessian(f: Callable, x: np.ndarray, atol: Any, rtol: float) -> _Result:
    """fdgrad's adaptive Hessian at each point x[:, k] (f called with points of shape (m,))."""
    if x.dtype.kind == "c":
        raise ValueError("Abscissae and function output must be real numbers.")
    m, rest = x.shape[0], x.shape[1:]
    dtype = x.dtype
    columns = x.reshape(m, -1).astype(np.float64)
    k = columns.shape[1]
    ddf, error = np.full((m, m, k), np.nan), np.full((m, m, k), np.nan)
    status = np.full((m, m, k), _MAXITER, dtype=np.int32)
    nfev = np.ones((m, m, k), dtype=np.int32)
    atol = float(np.finfo(dtype).smallest_normal) if atol is None else float(atol)

    def g(p: np.ndarray) -> Any:
        value = np.asarray(f(np.asarray(p).astype(dtype)))
        if value.size != 1:
            raise ValueError(f"`f` must return one value for a point of shape ({m},), got shape {value.shape}.")
        if np.iscomplexobj(value):
            raise ValueError("Abscissae and function output must be real numbers.")
        return float(value.reshape(()))

    for j in range(k):
        if not np.all(np.isfinite(columns[:, j])):
            status[..., j] = _NOT_FINITE
            continue
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", fdgrad.UnchangingWarning)
            value, info = fdgrad.hessian(g, columns[:, j], adaptive=True, full_output=True)
        value, err = np.asarray(value, dtype=float), np.asarray(info.error, dtype=float)
        converged = np.broadcast_to(np.asarray(info.converged, dtype=bool), value.shape)
        ddf[..., j], error[..., j] = value, err
        nfev[..., j] += info.nfev
        with np.errstate(invalid="ignore"):
            met = err < atol + rtol * np.abs(value)
        status[..., j] = np.where(~np.isfinite(value), _NOT_FINITE, np.where(converged & met, _CONVERGED, _MAXITER))
    ddf[status == _NOT_FINITE] = np.nan
    shape = (m, m) + rest
    return _Result(success=(status == _CONVERGED).reshape(shape), status=status.reshape(shape),
                   ddf=ddf.astype(dtype).reshape(shape), error=error.astype(dtype).reshape(shape),
                   nfev=nfev.reshape(shape))


def _register_with_scipys_tests() -> None:
    """Where SciPy's array-API test helpers are loaded (SciPy's own tests run against this
    namespace), state in their table that these functions take NumPy arrays only."""
    table = getattr(sys.modules.get("scipy._lib._array_api"), "xp_capabilities_table", None)
    if table is None:
        return
    for function in (derivative, jacobian, hessian):
        table.setdefault(function, dict(skip_backends=(), xfail_backends=(), cpu_only=False, np_only=True,
                                         out_of_scope=False, reason="fdgrad computes with NumPy", exceptions=(),
                                         allow_dask_compute=False, jax_jit=False, warnings=()))


_register_with_scipys_tests()


_readable(globals(), __all__)  # (help() and inspect: evaluated annotations, not strings)
