"""The pure-Python kernels: the same loops as csrc/fdgrad.c, in the same order.

Only the inner loops live here; everything else is shared in _api.py and
_checks.py.  Python floats are IEEE doubles and every operation below is the
one the C kernel performs, so both backends round identically.

Common arguments: ``f`` is the user's function and ``view`` the read-only
array of x's shape it is called with, sharing memory with the flat working
buffer ``x`` that the loops perturb (one coordinate at a time, restored
before the next and when ``f`` raises; ``f``'s exception propagates
unchanged).  ``convert`` turns f's value into a float (m == 1) or a flat
float64 array of m values; the real loops skip it when f returns a float
(numpy.float64 included).
"""

from __future__ import annotations

import ctypes
import types
from typing import Any, Callable, Optional, Sequence

import numpy as np

from ._checks import DBL_MAX, scalar_value, zero_step_error
from ._native import SCALAR, SCALAR_DATA, VECTOR, NativeFunction, cached_native_function
from ._parallel import Halted, run_copies
from ._stencils import Stencil

__all__ = [
    "StopFlag",
    "descent",
    "quick_gradient",
    "combine",
    "combine_range",
    "complex_range",
    "default_steps",
    "evaluate_range",
    "hessian_range",
    "jacobian_range",
    "stencil_points",
]

Objective = Callable[[Any], Any]
Converter = Callable[[Any], Any]


def _stencil_value(stencil: Stencil, fk: Sequence[float], h: float) -> float:
    weights = stencil.weights
    acc = weights[0] * fk[0]
    for k in range(1, len(weights)):
        acc = acc + weights[k] * fk[k]
    scale = stencil.denom * h
    if stencil.hpow == 2:
        scale = scale * h
    return acc / scale


class StopFlag:
    """A flag the loops of one call check before every evaluation of f."""

    def __init__(self) -> None:
        self.flag = False

    def set(self) -> None:
        """Ask every loop sharing this flag to stop."""
        self.flag = True

    def is_set(self) -> bool:
        """Whether the loops were asked to stop."""
        return self.flag


def _native_caller(f: NativeFunction, buffer: np.ndarray, m: int) -> Callable[[], Any]:
    """f called through ctypes on the working buffer, as C calls it."""
    n = ctypes.c_int(buffer.size)
    xp = buffer.ctypes.data_as(ctypes.POINTER(ctypes.c_double))
    dp = ctypes.POINTER(ctypes.c_double)
    data = ctypes.c_void_p(f.user_data)
    if f.kind in (SCALAR, SCALAR_DATA):
        args = [ctypes.c_int, dp] + ([ctypes.c_void_p] if f.kind == SCALAR_DATA else [])
        scalar = ctypes.CFUNCTYPE(ctypes.c_double, *args)(f.address)
        return (lambda: scalar(n, xp)) if f.kind == SCALAR else (lambda: scalar(n, xp, data))
    args = [ctypes.c_int, dp, ctypes.c_int, dp] + ([ctypes.c_void_p] if f.kind != VECTOR else [])
    vector = ctypes.CFUNCTYPE(None, *args)(f.address)
    out = np.empty(m)
    op, mm = out.ctypes.data_as(dp), ctypes.c_int(m)

    def call() -> Any:
        if f.kind == VECTOR:
            vector(n, xp, mm, op)
        else:
            vector(n, xp, mm, op, data)
        return float(out[0]) if m == 1 else out.copy()

    return call


def _evaluator(f: Any, convert: Converter, view: np.ndarray, m: int, fast: bool,
               halt: Optional[StopFlag]) -> Callable[[], Any]:
    """A function of no arguments: f at the current buffer, converted."""
    if isinstance(f, NativeFunction):
        call = _native_caller(f, view if view.base is None else view.base, m)
    elif m == 1 and fast:

        def call() -> Any:
            value = f(view)
            return float(value) if isinstance(value, float) else convert(value)

    else:
        call = lambda: convert(f(view))  # noqa: E731
    if halt is None:
        return call

    def halting() -> Any:
        if halt.flag:
            raise Halted("stopped: another part of this call failed or was interrupted")
        return call()

    return halting


def _eval_at(call: Callable[[], Any], x: np.ndarray, i: int, xi: float, o: float, h: float) -> Any:
    x[i] = xi + o * h
    try:
        return call()
    finally:
        x[i] = xi


def evaluate_range(
    f: Objective, convert: Converter, x: np.ndarray, view: np.ndarray, m: int,
    h: np.ndarray, offsets: Sequence[float], start: int, stop: int, out: np.ndarray,
    halt: Optional[StopFlag] = None, parts: Optional[Sequence[tuple[int, int]]] = None,
) -> None:
    """out[((i - start) * len(offsets) + k) * m + j] = f_j at x_i + offsets[k] * h[i].

    parts, if given, splits [start, stop) into pieces run at once, each on its
    own copy of x (halt: the flag they share)."""
    if parts is not None and len(parts) > 1:
        halt = halt if halt is not None else StopFlag()
        width = len(offsets) * m
        run_copies(lambda w, v, lo, hi: evaluate_range(f, convert, w, v, m, h, offsets, lo, hi,
                                                        out[(lo - start) * width:(hi - start) * width], halt),
                   x, view, parts, halt)
        return
    call = _evaluator(f, convert, view, m, True, halt)
    npoints = len(offsets)
    for i in range(start, stop):
        xi, hi = float(x[i]), float(h[i])
        for k, o in enumerate(offsets):
            base = ((i - start) * npoints + k) * m
            out[base:base + m] = _eval_at(call, x, i, xi, o, hi)


def jacobian_range(
    f: Objective, convert: Converter, x: np.ndarray, view: np.ndarray, m: int,
    h: np.ndarray, stencil: Stencil, f0: np.ndarray, start: int, stop: int, out: np.ndarray,
    halt: Optional[StopFlag] = None, parts: Optional[Sequence[tuple[int, int]]] = None,
) -> None:
    """out[j * n + i] = the stencil derivative of f_j along x_i; f0 = f(x)."""
    if parts is not None and len(parts) > 1:
        halt = halt if halt is not None else StopFlag()
        run_copies(lambda w, v, lo, hi: jacobian_range(f, convert, w, v, m, h, stencil, f0, lo, hi, out, halt),
                   x, view, parts, halt)
        return
    call = _evaluator(f, convert, view, m, True, halt)
    n = len(x)
    f0_values = f0.tolist()
    for i in range(start, stop):
        xi, hi = float(x[i]), float(h[i])
        work = []
        for o in stencil.offsets:
            if o == 0.0:
                work.append(f0_values)
            else:
                value = _eval_at(call, x, i, xi, o, hi)
                work.append([value] if m == 1 else value.tolist())
        for j in range(m):
            out[j * n + i] = _stencil_value(stencil, [column[j] for column in work], hi)


def complex_range(
    f: Objective, convert: Converter, xz: np.ndarray, view: np.ndarray, m: int,
    h: np.ndarray, start: int, stop: int, out: np.ndarray, halt: Optional[StopFlag] = None,
    parts: Optional[Sequence[tuple[int, int]]] = None,
) -> None:
    """out[j * n + i] = Im f_j(x + i h[i] e_i) / h[i]; xz is x as complex128."""
    if parts is not None and len(parts) > 1:
        halt = halt if halt is not None else StopFlag()
        run_copies(lambda w, v, lo, hi: complex_range(f, convert, w, v, m, h, lo, hi, out, halt), xz, view, parts, halt)
        return
    call = _evaluator(f, convert, view, m, False, halt)
    n = len(xz)
    for i in range(start, stop):
        hi = float(h[i])
        xz.imag[i] = hi
        try:
            value = call()
        finally:
            xz.imag[i] = 0.0
        values = [value] if m == 1 else value.tolist()
        for j in range(m):
            out[j * n + i] = values[j] / hi


def hessian_range(
    f: Objective, convert: Converter, x: np.ndarray, view: np.ndarray,
    h: np.ndarray, f0: float, f1: np.ndarray, side: int, start: int, stop: int, out: np.ndarray,
    halt: Optional[StopFlag] = None, parts: Optional[Sequence[tuple[int, int]]] = None,
) -> None:
    """Hessian entries start..stop-1 of the upper triangle, row by row, mirrored (see fdgrad.h)."""
    if parts is not None and len(parts) > 1:
        halt = halt if halt is not None else StopFlag()
        run_copies(lambda w, v, lo, hi: hessian_range(f, convert, w, v, h, f0, f1, side, lo, hi, out, halt),
                   x, view, parts, halt)
        return
    call = _evaluator(f, convert, view, 1, True, halt)
    n = len(x)
    s = float(side)
    f1_values = f1.tolist()
    hs = h.tolist()
    i, row_start = 0, 0
    while row_start + (n - i) <= start:
        row_start += n - i
        i += 1
    j = i + (start - row_start)
    for _ in range(start, stop):
        xi, hi = float(x[i]), hs[i]
        if j == i:
            if side == 0:
                fa = _eval_at(call, x, i, xi, 1.0, hi)
                fb = _eval_at(call, x, i, xi, -1.0, hi)
                value = (fa - 2.0 * f0 + fb) / (hi * hi)
            else:
                fa = _eval_at(call, x, i, xi, 2.0 * s, hi)
                value = (fa - 2.0 * f1_values[i] + f0) / (hi * hi)
        else:
            xj, hj = float(x[j]), hs[j]
            try:
                if side == 0:
                    x[i] = xi + hi
                    fa = _eval_at(call, x, j, xj, 1.0, hj)
                    fb = _eval_at(call, x, j, xj, -1.0, hj)
                    x[i] = xi - hi
                    fc = _eval_at(call, x, j, xj, 1.0, hj)
                    fd = _eval_at(call, x, j, xj, -1.0, hj)
                    value = (fa - fb - fc + fd) / (4.0 * hi * hj)
                else:
                    x[i] = xi + s * hi
                    fa = _eval_at(call, x, j, xj, s, hj)
                    value = (fa - f1_values[i] - f1_values[j] + f0) / (hi * hj)
            finally:
                x[i] = xi
        out[i * n + j] = value
        out[j * n + i] = value
        j += 1
        if j == n:
            i += 1
            j = i


def combine(stencil: Stencil, fvals: Sequence[np.ndarray], h: np.ndarray, out: np.ndarray) -> None:
    """out[j] = sum_k w_k fvals[k][j] / (denom h[j]^hpow), elementwise."""
    columns = [column.tolist() for column in fvals]
    hs = h.tolist()
    for j in range(len(hs)):
        out[j] = _stencil_value(stencil, [column[j] for column in columns], hs[j])


def combine_range(stencil: Stencil, values: np.ndarray, m: int, h: np.ndarray, start: int, stop: int,
                  out: np.ndarray) -> None:
    """out[j * n + i] = the stencil derivative from values[((i - start) * npoints + k) * m + j]."""
    n = len(h)
    npoints = len(stencil.offsets)
    rows = values.reshape(stop - start, npoints, m).tolist()
    hs = h.tolist()
    for i in range(start, stop):
        row = rows[i - start]
        for j in range(m):
            out[j * n + i] = _stencil_value(stencil, [row[k][j] for k in range(npoints)], hs[i])


def stencil_points(x: np.ndarray, h: np.ndarray, offsets: Sequence[float], start: int, stop: int,
                   points: np.ndarray) -> None:
    """Row (i - start) * len(offsets) + k of points: x with x_i + offsets[k] * h[i]."""
    n = len(x)
    rows = points.reshape(-1, n)
    for i in range(start, stop):
        xi, hi = float(x[i]), float(h[i])
        for k, o in enumerate(offsets):
            row = (i - start) * len(offsets) + k
            rows[row] = x
            rows[row, i] = xi + o * hi


def default_steps(x: np.ndarray, rel_step: float, reach: float, out: np.ndarray) -> None:
    """out = (x + c) - x with c = min(rel_step * max(1, |x|), (DBL_MAX - |x|) / reach / 2); 0 past DBL_MAX."""
    for i, xi in enumerate(x.tolist()):
        ax = abs(xi)
        raw = min(rel_step * max(ax, 1.0), (DBL_MAX - ax) / reach * 0.5)
        step = (xi + raw) - xi
        out[i] = 0.0 if ax + reach * step > DBL_MAX else step


def _reach(stencil: Stencil) -> float:
    """The largest |offset| of a stencil."""
    return max([1.0] + [abs(o) for o in stencil.offsets])


_PLAIN_CALLABLES = (types.FunctionType, types.MethodType, types.BuiltinFunctionType, np.ufunc)


def quick_gradient(f: Any, x: Any, stencil: Stencil) -> Optional[np.ndarray]:
    """The gradient for the commonest call, or None when it does not apply.

    Applies to a plain Python function or a native scalar f and a non-empty,
    finite float64 ndarray x with the default step; anything else returns
    None and goes through the general path, which checks and reports
    everything.  The arithmetic is the general path's: default steps
    (x + c max(1, |x|)) - x, f(x) only for zero offsets, the same stencil loop.
    """
    if type(x) is not np.ndarray or x.dtype != np.float64:
        return None
    if not isinstance(f, _PLAIN_CALLABLES):
        try:
            f = cached_native_function(f)
        except TypeError:  # a native f of the wrong signature: the general path says so
            return None
        if f is None or f.vector:
            return None
    if x.ndim == 0 or x.size == 0 or not np.isfinite(x).all():
        return None
    work = x.flatten()
    n = work.size
    hs = np.empty(n)
    default_steps(work, stencil.rel_step, _reach(stencil), hs)
    if not hs.all():  # no room for a step: the general path says so
        return None
    view = work.reshape(x.shape)
    view.flags.writeable = False
    f0 = np.zeros(1)
    if 0.0 in stencil.offsets:  # the stencil uses f(x): evaluate it once
        # x_0 + (-0.0) * 0.0 is x_0 exactly, -0.0 included: f at x itself.
        evaluate_range(f, scalar_value, work, view, 1, np.zeros(n), (-0.0,), 0, 1, f0)
    out = np.empty(n)
    jacobian_range(f, scalar_value, work, view, 1, hs, stencil, f0, 0, n, out)
    return out.reshape(x.shape)


def descent(f: Any, x: np.ndarray, view: np.ndarray, stencil: Stencil, fixed_h: Optional[np.ndarray], lr: float,
            count: int, path: Optional[np.ndarray]) -> None:
    """count steps of x -= lr * gradient(f, x) for a native scalar f, in place.

    fixed_h is the step of every coordinate, or None for the default step at
    every iterate; path, if not None, is a (count + 1, n) array whose rows
    1..count receive the iterates.  The arithmetic is the shared Python
    loop's, step for step.
    """
    n = len(x)
    hs = np.empty(n) if fixed_h is None else fixed_h
    grad = np.empty(n)
    f0 = np.zeros(1)
    call = _evaluator(f, scalar_value, view, 1, True, None)
    for it in range(count):
        if fixed_h is None:
            default_steps(x, stencil.rel_step, _reach(stencil), hs)
            if not hs.all():
                i = int(np.argmin(hs != 0.0))
                raise zero_step_error(i, float(x[i]), view.shape)
        if 0.0 in stencil.offsets:
            f0[0] = call()
        jacobian_range(f, scalar_value, x, view, 1, hs, stencil, f0, 0, n, grad)
        for i in range(n):
            x[i] = float(x[i]) - lr * float(grad[i])
        if path is not None:
            path[it + 1] = x
