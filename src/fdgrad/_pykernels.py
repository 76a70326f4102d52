"""The pure-Python kernels: the same loops as csrc/fdgrad.c, in the same order.

Loops only: no argument checking and no policy; the imports from the rest of
fdgrad are the Hessian's points and the descent's norm (_stencils, pure arithmetic)
and the adaptive engine (_adaptive, csrc/adaptive.c's twin, numpy over arrays).
Python floats are IEEE doubles and every operation below is the one the C kernel
performs, so both backends round identically.

The loops perturb a flat float64 working buffer ``x`` one coordinate at a
time and restore it after every evaluation, also when ``f`` raises (the
exception propagates unchanged).  ``f`` is reached through an *objective*,
built once per buffer by :func:`python_objective` (a Python f, called with a
read-only view of the buffer) or :func:`native_objective` (a compiled f,
called with the buffer's address).
"""

from __future__ import annotations

import ctypes
import math
from typing import Any, Callable, Optional, Sequence

import numpy as np

from ._adaptive import adaptive_derivative, adaptive_hessian
from ._stencils import hessian_moves, norm

__all__ = [
    "Halted",
    "StopFlag",
    "adaptive_derivative",
    "adaptive_hessian",
    "combine",
    "combine_range",
    "complex_range",
    "default_steps",
    "descent",
    "evaluate_range",
    "fixed_steps",
    "hessian_combine",
    "hessian_points",
    "hessian_range",
    "jacobian_range",
    "native_objective",
    "python_objective",
    "stencil_points",
    "working_copy",
]

DBL_MAX = float(np.finfo(np.float64).max)

# The kinds of compiled f, numbered as FDGRAD_NATIVE_* in csrc/fdgrad.h.
_SCALAR, _SCALAR_DATA, _VECTOR = 0, 1, 2


class Halted(Exception):
    """A loop stopped because another part of the same call failed or was interrupted."""


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


def _halting(call: Callable[[], Any], halt: Optional[StopFlag]) -> Callable[[], Any]:
    if halt is None:
        return call

    def halting() -> Any:
        if halt.flag:
            raise Halted("stopped: another part of this call failed or was interrupted")
        return call()

    return halting


class _PythonObjective:
    """f at the buffer behind view, converted; records whether f's (scalar) value ever varied."""

    __slots__ = ("f", "view", "convert", "fast", "halt", "first", "varied", "eps", "seen", "shape")

    def __init__(self, f: Callable[[Any], Any], view: Any, convert: Callable[[Any], Any], fast: bool,
                 halt: Optional[StopFlag], shape: Optional[tuple]) -> None:
        self.f, self.view, self.convert, self.fast, self.halt = f, view, convert, fast, halt
        self.shape = shape  # f's values' shape where a float64 ndarray of it needs no conversion
        self.first: Any = None
        self.varied = False
        self.eps = 2.0**-52
        self.seen = 0  # how many values were watched

    def __call__(self) -> Any:
        if self.halt is not None and self.halt.flag:
            raise Halted("stopped: another part of this call failed or was interrupted")
        value = self.f(self.view)
        if self.fast and isinstance(value, float):
            value = value if type(value) is float else float.__float__(value)  # (its own double, as C reads it)
        elif self.shape is not None and type(value) is np.ndarray and value.dtype is _FLOAT64 \
                and value.shape == self.shape:
            value = np.array(value, dtype=np.float64).reshape(-1)  # as convert copies it
        else:
            self.eps = max(self.eps, _coarse_eps(value))
            value = self.convert(value)
        if self.first is None:
            self.first = value
        elif not self.varied and (value != self.first if type(value) is float
                                  else not np.array_equal(value, self.first)):
            self.varied = True
        self.seen += 1
        return value


def _coarse_eps(value: Any) -> float:
    """The machine epsilon of a float16 or float32 value (or array); float64's otherwise."""
    dtype = getattr(value, "dtype", None)
    if isinstance(dtype, np.dtype) and dtype.kind == "f" and dtype.itemsize < 8:
        return float(np.finfo(dtype).eps)
    return 2.0**-52


def python_objective(f: Callable[[Any], Any], view: Any, convert: Callable[[Any], Any], m: int,
                     halt: Optional[StopFlag] = None, fast: bool = True,
                     shape: Optional[tuple] = None) -> Callable[[], Any]:
    """f at the buffer behind view, as a float (m == 1) or m floats, through convert.

    With fast, a float value (numpy.float64 included) needs no conversion when m == 1;
    with shape (m > 1), neither does a float64 ndarray of that shape (it is copied as
    convert would copy it).  Its attribute ``varied`` says whether f's value ever
    changed, ``seen`` how many values were watched, and ``eps`` the coarsest precision
    of its values (float32's for a float32 value)."""
    return _PythonObjective(f, view, convert, fast and m == 1, halt, shape if m > 1 else None)


def native_objective(kind: int, address: int, user_data: int, buffer: np.ndarray, m: int,
                     halt: Optional[StopFlag] = None) -> Callable[[], Any]:
    """A compiled f (kind FDGRAD_NATIVE_*) at the flat buffer, called through ctypes as C calls it."""
    n = ctypes.c_int(buffer.size)
    dp = ctypes.POINTER(ctypes.c_double)
    xp = buffer.ctypes.data_as(dp)
    data = ctypes.c_void_p(user_data)
    with_data = kind in (_SCALAR_DATA, _VECTOR + 1)
    if kind in (_SCALAR, _SCALAR_DATA):
        scalar = ctypes.CFUNCTYPE(ctypes.c_double, ctypes.c_int, dp, *([ctypes.c_void_p] * with_data))(address)
        call = (lambda: scalar(n, xp, data)) if with_data else (lambda: scalar(n, xp))
        return _halting(call, halt)
    vector = ctypes.CFUNCTYPE(None, ctypes.c_int, dp, ctypes.c_int, dp, *([ctypes.c_void_p] * with_data))(address)
    out = np.empty(m)
    op, mm = out.ctypes.data_as(dp), ctypes.c_int(m)

    def call_vector() -> Any:
        if with_data:
            vector(n, xp, mm, op, data)
        else:
            vector(n, xp, mm, op)
        return float(out[0]) if m == 1 else out.copy()

    return _halting(call_vector, halt)


def stencil_value(weights: Sequence[float], denom: float, hpow: int, fk: Sequence[float], h: float) -> float:
    """sum_k w_k f_k / (denom h^hpow), summed in order: the stencil formula of csrc/fdgrad.c
    (stencil_value), operation for operation: the pure-Python kernels' and derivative()'s at a number x."""
    acc = weights[0] * fk[0]
    for k in range(1, len(weights)):
        acc = acc + weights[k] * fk[k]
    scale = denom * h
    for _ in range(1, hpow):
        scale = scale * h
    return acc / scale



def _eval_at(call: Callable[[], Any], x: np.ndarray, i: int, xi: float, o: float, h: float) -> Any:
    x[i] = xi + o * h
    try:
        return call()
    finally:
        x[i] = xi


def evaluate_range(obj: Callable[[], Any], x: np.ndarray, m: int, h: np.ndarray, offsets: Sequence[float],
                   start: int, stop: int, out: np.ndarray) -> None:
    """out[((i - start) * len(offsets) + k) * m + j] = f_j at x_i + offsets[k] * h[i]."""
    npoints = len(offsets)
    for i in range(start, stop):
        xi, hi = float(x[i]), float(h[i])
        for k, o in enumerate(offsets):
            base = ((i - start) * npoints + k) * m
            out[base:base + m] = _eval_at(obj, x, i, xi, o, hi)


def jacobian_range(obj: Callable[[], Any], x: np.ndarray, m: int, h: np.ndarray, stencil: Any,
                   f0: np.ndarray, start: int, stop: int, out: np.ndarray) -> None:
    """out[j * n + i] = the stencil derivative of f_j along x_i; f0 = f(x)."""
    n = len(x)
    out = out.reshape(-1)  # a view: (m, n) or flat
    f0_values = f0.tolist()
    weights, denom, hpow = stencil.weights, stencil.denom, stencil.hpow
    for i in range(start, stop):
        xi, hi = float(x[i]), float(h[i])
        work = []
        for o in stencil.offsets:
            if o == 0.0:
                work.append(f0_values)
            else:
                value = _eval_at(obj, x, i, xi, o, hi)
                work.append([value] if m == 1 else value.tolist())
        for j in range(m):
            out[j * n + i] = stencil_value(weights, denom, hpow, [column[j] for column in work], hi)


def complex_range(obj: Callable[[], Any], xz: np.ndarray, m: int, h: np.ndarray, start: int, stop: int,
                  out: np.ndarray) -> None:
    """out[j * n + i] = Im f_j(x + i h[i] e_i) / h[i]; xz is x as complex128, obj gives Im f."""
    n = len(xz)
    for i in range(start, stop):
        hi = float(h[i])
        xz.imag[i] = hi
        try:
            value = obj()
        finally:
            xz.imag[i] = 0.0
        values = [value] if m == 1 else value.tolist()
        for j in range(m):
            out[j * n + i] = values[j] / hi


def _entry_start(n: int, start: int) -> tuple[int, int]:
    """(i, j) of entry `start` of the upper triangle, numbered row by row."""
    i, row_start = 0, 0
    while row_start + (n - i) <= start:
        row_start += n - i
        i += 1
    return i, i + (start - row_start)


def _hessian_entry(fv: Sequence[float], i: int, j: int, hi: float, hj: float, f0: float, f1: Sequence[float],
                   side: int) -> float:
    """The formula of one Hessian entry from its points' values (see fdgrad.h)."""
    if i == j:
        if side == 0:
            return _divided(fv[0] - 2.0 * f0 + fv[1], hi * hi)
        return _divided(fv[0] - 2.0 * f1[i] + f0, hi * hi)
    if side == 0:
        return _divided(fv[0] - fv[1] - fv[2] + fv[3], 4.0 * hi * hj)
    return _divided(fv[0] - f1[i] - f1[j] + f0, hi * hj)


def _divided(a: float, b: float) -> float:
    """a / b as C divides doubles: by a zero (a product of steps that underflowed), inf or NaN."""
    if b == 0.0:
        with np.errstate(divide="ignore", invalid="ignore"):
            return float(np.float64(a) / np.float64(b))  # (the machine's inf or NaN, sign bit included)
    return a / b


def _entries(n: int, start: int, stop: int):
    i, j = _entry_start(n, start)
    for _ in range(start, stop):
        yield i, j
        j += 1
        if j == n:
            i += 1
            j = i


def hessian_range(obj: Callable[[], Any], x: np.ndarray, h: np.ndarray, f0: float, f1: np.ndarray, side: int,
                  start: int, stop: int, out: np.ndarray) -> None:
    """Hessian entries start..stop-1 of the upper triangle, row by row, mirrored (see fdgrad.h)."""
    n = len(x)
    hs, f1_values = h.tolist(), f1.tolist()
    for i, j in _entries(n, start, stop):
        xi, xj = float(x[i]), float(x[j])
        fv = []
        for oi, oj in hessian_moves(i, j, side):
            if i == j:
                fv.append(_eval_at(obj, x, i, xi, oi, hs[i]))
                continue
            x[i] = xi + oi * hs[i]
            try:
                fv.append(_eval_at(obj, x, j, xj, oj, hs[j]))
            finally:
                x[i] = xi
        out[i * n + j] = out[j * n + i] = _hessian_entry(fv, i, j, hs[i], hs[j], f0, f1_values, side)


def hessian_points(x: np.ndarray, h: np.ndarray, side: int, start: int, stop: int, points: np.ndarray) -> int:
    """The points of entries start..stop-1 in hessian_range's order, as rows of points; their count.

    points has room for 4 (central) or 1 (one-sided) rows per entry."""
    n = len(x)
    rows = points.reshape(-1, n)
    count = 0
    for i, j in _entries(n, start, stop):
        for oi, oj in hessian_moves(i, j, side):
            rows[count] = x
            rows[count, i] = float(x[i]) + oi * float(h[i])
            if i != j:
                rows[count, j] = float(x[j]) + oj * float(h[j])
            count += 1
    return count


def hessian_combine(values: np.ndarray, h: np.ndarray, f0: float, f1: np.ndarray, side: int, start: int,
                    stop: int, out: np.ndarray) -> None:
    """hessian_range's entries from the values of hessian_points' rows."""
    n = len(h)
    hs, f1_values, fvalues = h.tolist(), f1.tolist(), values.tolist()
    k = 0
    for i, j in _entries(n, start, stop):
        count = len(hessian_moves(i, j, side))
        out[i * n + j] = out[j * n + i] = _hessian_entry(fvalues[k:k + count], i, j, hs[i], hs[j], f0, f1_values,
                                                         side)
        k += count


def combine(stencil: Any, fvals: Sequence[np.ndarray], h: np.ndarray, out: np.ndarray) -> None:
    """out[j] = sum_k w_k fvals[k][j] / (denom h[j]^hpow), elementwise."""
    columns = [column.tolist() for column in fvals]
    weights, denom, hpow = stencil.weights, stencil.denom, stencil.hpow
    for j, hj in enumerate(h.tolist()):
        out[j] = stencil_value(weights, denom, hpow, [column[j] for column in columns], hj)


def combine_range(stencil: Any, values: np.ndarray, m: int, h: np.ndarray, start: int, stop: int,
                  out: np.ndarray) -> None:
    """out[j * n + i] = the stencil derivative from values[((i - start) * npoints + k) * m + j]."""
    n = len(h)
    npoints = len(stencil.offsets)
    rows = values.reshape(stop - start, npoints, m).tolist()
    hs = h.tolist()
    weights, denom, hpow = stencil.weights, stencil.denom, stencil.hpow
    for i in range(start, stop):
        row = rows[i - start]
        for j in range(m):
            out[j * n + i] = stencil_value(weights, denom, hpow, [row[k][j] for k in range(npoints)], hs[i])


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


def default_steps(x: np.ndarray, rel_step: float, reach: float, out: np.ndarray) -> int:
    """out = (x + c) - x with c = min(rel_step * max(1, |x|), (DBL_MAX - |x|) / reach / 2).

    Returns -1, or the first i where there is no room for a step."""
    for i, xi in enumerate(x.tolist()):
        ax = abs(xi)
        raw = min(rel_step * max(ax, 1.0), (DBL_MAX - ax) / reach * 0.5)
        step = (xi + raw) - xi
        if ax + reach * step > DBL_MAX:
            step = 0.0
        if step == 0.0:
            return i
        out[i] = step  # NaN for a NaN x (a diverged descent goes on quietly)
    return -1


def fixed_steps(x: np.ndarray, h: float, reach: float, out: np.ndarray) -> int:
    """out[:] = h.  Returns -1, or the first i where |x_i| + reach h passes the largest double."""
    for i, xi in enumerate(x.tolist()):
        if not abs(xi) + reach * h <= DBL_MAX:
            return i
        out[i] = h
    return -1


_FLOAT64 = np.dtype(np.float64)


def working_copy(x: Any, shared: bool = False) -> Optional[tuple[np.ndarray, np.ndarray]]:
    """(work, view) for a non-empty, finite float64 ndarray x of at least one
    dimension: a fresh flat C-contiguous copy of x's values, and a read-only
    view of it in x's shape; None for anything else.  With shared, None also
    unless x itself could be the working buffer (writable, C-contiguous, aligned)."""
    if type(x) is not np.ndarray or x.dtype != _FLOAT64 or not x.dtype.isnative or x.ndim == 0 or x.size == 0:
        return None
    if shared and not (x.flags.writeable and x.flags.c_contiguous and x.flags.aligned):
        return None
    work = x.flatten()
    values = work.tolist()
    if not all(map(math.isfinite, values)):
        return None
    view = work[:] if x.ndim == 1 else work.reshape(x.shape)
    view.setflags(write=False)
    return work, view


def descent(obj: Callable[[], Any], x: np.ndarray, stencil: Any, reach: float, fixed_h: Optional[np.ndarray],
            lr: float, count: int, path: Optional[np.ndarray], tol: float = -1.0,
            grad_out: Optional[np.ndarray] = None, rel: float = 0.0) -> tuple[int, int]:
    """Up to count steps of x -= lr * gradient(f, x) for a scalar objective, in place.

    fixed_h is the step of every coordinate, or None for the default step at
    every iterate; path, if not None, is a (count + 1, n) array whose rows
    1..count receive the iterates.  tol >= 0: stop before a step whose
    gradient's norm, sqrt(g_0**2 + g_1**2 + ...) summed in order, is below
    it.  grad_out, if not None, receives the last gradient computed.  rel > 0
    is the default step's c (for f's precision), the stencil's own otherwise.
    Returns (bad, steps): bad is -1, or (as default_steps) the coordinate that
    left no room for a step; steps is how many steps were taken.  The
    arithmetic is the shared Python loop's, step for step.
    """
    n = len(x)
    rel = rel if rel > 0.0 else stencil.rel_step
    hs = np.empty(n) if fixed_h is None else fixed_h
    grad = np.empty(n)
    f0 = np.zeros(1)
    for it in range(count):
        if fixed_h is None:
            bad = default_steps(x, rel, reach, hs)
            if bad >= 0:
                return bad, it
        if 0.0 in stencil.offsets:
            f0[0] = obj()
        jacobian_range(obj, x, 1, hs, stencil, f0, 0, n, grad)
        if grad_out is not None:
            grad_out[:] = grad
        if tol >= 0.0 and norm(grad) < tol:
            return -1, it
        for i in range(n):
            x[i] = float(x[i]) - lr * float(grad[i])
        if path is not None:
            path[it + 1] = x
    return -1, count


def group_columns(n: int, col_ptr: np.ndarray, col_rows: np.ndarray, row_ptr: np.ndarray, row_cols: np.ndarray,
                  groups: np.ndarray) -> int:
    """Greedy column grouping (see fdgrad.h): column j's group into groups[j]; the number of groups."""
    cp, cr, rp, rc = col_ptr.tolist(), col_rows.tolist(), row_ptr.tolist(), row_cols.tolist()
    assigned: list = []
    mark = [n] * n
    for j in range(n):
        for p in range(cp[j], cp[j + 1]):
            r = cr[p]
            for q in range(rp[r], rp[r + 1]):
                k = rc[q]
                if k < j:
                    mark[assigned[k]] = j
        g = 0
        while mark[g] == j:
            g += 1
        assigned.append(g)
    groups[:] = assigned
    return max(assigned) + 1 if assigned else 0
