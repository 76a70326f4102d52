"""The numerics, written once over an evaluation (see :mod:`fdgrad._evaluation`).

Stencils, the complex step, adaptive Richardson extrapolation, the Hessian
and gradient descent: each asks the evaluation for values or derivatives and
never looks at how f is evaluated.  Arguments arrive checked.
"""

from __future__ import annotations

import os
import sys
import warnings
from typing import Any, Optional

import numpy as np

from . import _adaptive
from ._bounds import Box
from ._checks import imag_value, precision, scalar_value, steps, zero_step_error
from ._evaluation import Serial, Shared, call_in_place, read_only_view
from ._parallel import run_parts
from ._results import finish
from ._stencils import Stencil, norm, richardson_weights, side

__all__ = ["Descent", "UnchangingWarning", "descend", "differentiate", "elementwise", "expand", "hessian",
           "warn_if_unchanging"]

#: Adaptive evaluation keeps at most this many f values in memory at once.
ADAPTIVE_BLOCK = 1 << 20

#: f(x) where a stencil does not use it.
_NO_F0 = np.full(1, np.nan)
_NO_F0.flags.writeable = False

#: f(x + h_i) where a central Hessian does not use it.
_NO_F1 = np.empty(0)
_NO_F1.flags.writeable = False


def differentiate(ev: Serial, h: Any, stencil: Stencil, adaptive: bool, scalar: bool, start: int = 0,
                  stop: Optional[int] = None, box: Optional[Box] = None) -> tuple[np.ndarray, Optional[np.ndarray],
                                                                                 np.ndarray, int, tuple]:
    """Derivatives of f's outputs along coordinates start..stop-1.

    Returns (values (m, n), errors, steps, nfev, out_shape, converged); only
    columns start..stop-1 are meaningful.  errors is None (no estimate) or
    (m, n); steps is (n,) or (m, n): see ``expand``; converged is None (not
    adaptive) or (m, n), False where the adaptive ladder failed its check.
    box: bounds (see _bounds), within which every point stays.
    """
    point = ev.point
    stop = point.n if stop is None else stop
    if stencil.method == "complex":
        return _complex_step(ev, h, stencil, scalar, start, stop)
    known = ev.native_shape(scalar) if ev.native else None
    needs_f0 = adaptive and stencil.method != "central" or stencil.uses_f0 or (not scalar and known is None)
    if box is not None:
        if adaptive:
            top = _adaptive.TOP_FRACTION * np.maximum(np.abs(point.work), 1.0)
            sides, limit = box.ladder_sides(point.work, side(stencil), top)
            needs_f0 = needs_f0 or bool(sides[start:stop].any())
        else:
            sides, hs, by_side = box.scheme(point.work, ev.steps(h, stencil), stencil)
            needs_f0 = needs_f0 or bool(sides[start:stop].any())
    if needs_f0:
        f0, out_shape, convert = ev.outputs(scalar)
    elif known is not None:
        f0, out_shape, convert = np.full(known[0], np.nan), known[1], scalar_value
    else:
        f0, out_shape, convert = _NO_F0, (), scalar_value
    if adaptive:
        if box is None:
            return _adaptive_jacobian(ev, stencil, f0, convert, start, stop, out_shape, needs_f0)
        return _adaptive_jacobian(ev, stencil, f0, convert, start, stop, out_shape, needs_f0, sides, limit)
    if box is None:
        hs = ev.steps(h, stencil)
        values = ev.jacobian(hs, stencil, f0, convert, start, stop, out_shape)
        per_pass = (stop - start) * stencil.evaluated
    else:
        values, per_pass = _bounded_jacobian(ev, hs, sides, by_side, f0, convert, start, stop, out_shape)
    passes = 1
    if ev.coarser_values(h):  # f returns float32 (or float16): steps for that precision
        hs = ev.steps(h, stencil)
        if box is None:
            values = ev.jacobian(hs, stencil, f0, convert, start, stop, out_shape)
        else:
            sides, hs, by_side = box.scheme(point.work, hs, stencil)
            values = _bounded_jacobian(ev, hs, sides, by_side, f0, convert, start, stop, out_shape)[0]
        passes = 2
    if ev.unchanging() and not values[:, start:stop].any():
        warn_if_unchanging()
    return values, None, hs, passes * per_pass + (1 if needs_f0 else 0), out_shape, None


def runs(sides: np.ndarray, start: int, stop: int) -> list[tuple[int, int, int]]:
    """The runs of equal sides in sides[start:stop]: (a, b, side) with sides[a:b] == side."""
    part = sides[start:stop]
    edges = [0, *(np.flatnonzero(part[1:] != part[:-1]) + 1).tolist(), part.size]
    return [(start + a, start + b, int(part[a])) for a, b in zip(edges[:-1], edges[1:]) if b > a]


def _bounded_jacobian(ev: Serial, hs: np.ndarray, sides: np.ndarray, by_side: dict, f0: np.ndarray,
                      convert: Any, start: int, stop: int, out_shape: tuple) -> tuple[np.ndarray, int]:
    """ev.jacobian run by run of coordinates with the same side, each with its side's stencil;
    the values (m, n) and the evaluations."""
    values = np.empty((f0.size, ev.point.n))
    nfev = 0
    for a, b, s in runs(sides, start, stop):
        ev.jacobian(hs, by_side[s], f0, convert, a, b, out_shape, values)
        nfev += (b - a) * by_side[s].evaluated
    return values, nfev


def _complex_step(ev: Serial, h: Any, stencil: Stencil, scalar: bool, start: int, stop: int) -> tuple:
    point = ev.point
    if ev.native:
        raise TypeError("method='complex' needs a Python f that accepts complex input, one point at a time")
    hs = ev.steps(h, stencil)
    if scalar:
        m, out_shape, nfev = 1, (), stop - start
    else:
        out_shape = np.shape(ev.here(read_only_view(point.work.astype(np.complex128), point.shape)))
        m, nfev = int(np.prod(out_shape)), stop - start + 1
    return ev.complex(hs, m, out_shape, start, stop), None, hs, nfev, out_shape, None


def _adaptive_jacobian(ev: Serial, stencil: Stencil, f0: np.ndarray, convert: Any, start: int, stop: int,
                       out_shape: tuple, needs_f0: bool, sides: Optional[np.ndarray] = None,
                       limit: Optional[np.ndarray] = None) -> tuple:
    """Adaptive derivatives along coordinates start..stop-1; with bounds, sides gives each
    coordinate's ladder (0 central, +-1 one-sided) and limit the farthest its points may go."""
    m, n, deriv = f0.size, ev.point.n, stencil.hpow

    def evaluate(h: np.ndarray, offsets: tuple, lo: int, hi: int) -> np.ndarray:
        return ev.values(h, offsets, lo, hi, m, convert, out_shape)

    block = max(1, ADAPTIVE_BLOCK // (2 * _adaptive.CENTRAL_STEPS * m))
    def precision() -> float:
        return max(ev.point.eps, ev.values_eps())

    if sides is None:
        sides = np.full(n, side(stencil), dtype=np.int8)
    parts, nfev, used_f0 = [], 0, False
    for a, b, s in runs(sides, start, stop):
        parts += [_adaptive.adaptive_derivative(evaluate, ev.point.work, m, s, f0, lo, min(lo + block, b), precision,
                                                deriv, limit=limit) for lo in range(a, b, block)]
        uses_f0 = _adaptive.base_stencil(s, deriv).uses_f0
        nfev += _adaptive.evaluations(b - a, s, deriv) - (1 if uses_f0 else 0)
        used_f0 = used_f0 or uses_f0
    result = _adaptive.AdaptiveResult(*(np.concatenate(p, axis=0) for p in zip(*parts)))
    values = np.full((m, n), np.nan)
    errors, used, converged = values.copy(), values.copy(), np.ones((m, n), dtype=bool)
    values[:, start:stop], errors[:, start:stop], used[:, start:stop] = result.value.T, result.error.T, result.step.T
    converged[:, start:stop] = result.converged.T
    if ev.unchanging() and not values[:, start:stop].any():
        warn_if_unchanging()
    return values, errors, used, nfev + (1 if needs_f0 or used_f0 else 0), out_shape, converged


class UnchangingWarning(UserWarning):
    """f gave the same value wherever fdgrad moved x: it may not read the x it is given."""


def _caller_level() -> int:
    """The stacklevel of the first frame outside fdgrad, so a warning names the user's line."""
    here = os.path.dirname(os.path.abspath(__file__))
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.dirname(os.path.abspath(frame.f_code.co_filename)) == here:
        frame, level = frame.f_back, level + 1
    return level


def warn_if_unchanging() -> None:
    """After an all-zero result from an f that gave one and the same value at every point:
    a warning that it may read x from elsewhere (shown once per place, as warnings are)."""
    warnings.warn(
        "f returned the same value at every point fdgrad evaluated, so the derivatives are all zero. If f "
        "reads x from elsewhere instead of from its argument (the textbooks' lambda w: net.loss(x, t), "
        "which relies on net.W being perturbed in place), pass inplace=True (numerical_gradient and "
        "gradient_descent do so by themselves for a writable float array)", UnchangingWarning,
        stacklevel=_caller_level())


def expand(values: np.ndarray, errors: Optional[np.ndarray], used: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """differentiate's errors and steps as arrays of values' shape (m, n)."""
    errors = np.full(values.shape, np.nan) if errors is None else errors
    return errors, np.broadcast_to(used, values.shape)


def hessian(ev: Serial, h: Any, stencil: Stencil, adaptive: bool = False,
            limit: Optional[np.ndarray] = None) -> tuple:
    """The Hessian (n * n, symmetric), its errors (n * n, or None), the steps, the number of
    evaluations and converged (n * n, or None).

    Of order 2 (central) or 1 (one-sided), the kernels' Hessian at one step; of a higher
    order, Richardson's combination of it at steps h, 2h, ..., which on the diagonal is the
    central stencil of that order.  adaptive: see _adaptive.adaptive_hessian, whose steps
    stay within limit (bounds) of x."""
    point = ev.point
    n, s = point.n, side(stencil)
    f0 = float(ev.outputs(True)[0][0])
    if adaptive:
        def at(hs: np.ndarray) -> np.ndarray:
            out = np.empty(n * n)
            ev.hessian(hs, f0, np.empty(0), 0, out)
            return out.reshape(n, n)

        def diagonal(hs: np.ndarray) -> np.ndarray:
            return ev.values(hs, (1.0, -1.0), 0, n, 1, scalar_value, ()).reshape(n, 2)

        values, errors, hs, converged = _adaptive.adaptive_hessian(at, diagonal, point.work, f0,
                                                                   lambda: max(point.eps, ev.values_eps()), limit)
        if ev.unchanging() and not values.any():
            warn_if_unchanging()
        return values.reshape(-1), errors.reshape(-1), hs, _adaptive.hessian_evaluations(n), converged.reshape(-1)
    hs = ev.steps(h, stencil)
    rungs = stencil.order // 2 if s == 0 else stencil.order
    total = np.empty(n * n)
    for c in range(1, rungs + 1):  # Richardson's combination of the Hessians at steps c h
        hc = hs * c if c > 1 else hs
        f1 = ev.values(hc, (float(s),), 0, n, 1, scalar_value, ()).reshape(n) if s else _NO_F1
        out = total if c == 1 else np.empty(n * n)
        ev.hessian(hc, f0, f1, s, out)
        if rungs > 1:
            weight = richardson_weights(rungs, 2 if s == 0 else 1)[c - 1]
            total = weight * out if c == 1 else total + weight * out
    if ev.coarser_values(h):  # f returns float32 (or float16): steps for that precision
        values, errors, hs, nfev, converged = hessian(ev, h, stencil)
        return values, errors, hs, 2 * nfev, converged
    if ev.unchanging() and not total.any():
        warn_if_unchanging()
    return total, None, hs, 1 + rungs * (2 * n * n if s == 0 else n * (n + 3) // 2), None


class Descent:
    """How a descent went: see _results.DescentInfo, which the API builds from it."""

    __slots__ = ("steps", "nfev", "grad", "reason")

    def __init__(self) -> None:
        self.steps, self.nfev, self.grad, self.reason = 0, 0, None, "step_num"


def descend(ev: Serial, h: Any, stencil: Stencil, adaptive: bool, rate: float, count: int,
            path: Optional[np.ndarray], tol: Optional[float] = None, callback: Any = None,
            watch: bool = False) -> tuple[np.ndarray, Descent]:
    """Up to count steps of x -= rate * gradient(f, x) on ev's working buffer: the last iterate
    (the buffer itself, or a copy where the buffer is the caller's array, restored) and how it went.

    tol: stop before a step whose gradient's norm (_stencils.norm) is below it; callback(step,
    x, grad) after each step, a true value stops; watch: keep the last gradient (full_output,
    progress=).  The loop runs in the kernels where it can (fixed-step differences on this
    thread), step by step around a callback."""
    point, run = ev.point, Descent()
    fixed = None if h is None else ev.steps(h, stencil)  # checked once
    try:
        if type(ev) in (Serial, Shared) and not adaptive and stencil.method != "complex":
            ev.native_shape(True)  # a native vector f: differentiate's error
            # The loop in the kernels (for a native f, without the GIL but for Ctrl-C checks).
            obj = ev.objective(point.work, point.view, scalar_value, 1)
            grad = np.empty(point.n) if watch or tol is not None or callback is not None else None
            limit = -1.0 if tol is None else tol
            per_gradient = point.n * stencil.evaluated + (1 if stencil.uses_f0 else 0)
            step = 0
            tracker = ev.tracker  # progress= of a native f: counted step by step
            while step < count:
                chunk = count - step if callback is None and tracker is None else 1
                rows = None if path is None else path[step:step + chunk + 1]
                bad, taken = ev.kernels.descent(obj, point.work, stencil, stencil.reach, fixed, rate, chunk, rows,
                                                limit, grad)
                if bad >= 0:
                    raise zero_step_error(bad, float(point.work[bad]), point.shape)
                done = (taken + (taken < chunk)) * per_gradient
                run.nfev += done
                if tracker is not None:
                    tracker.add(done)
                step += taken
                if taken < chunk:  # the gradient's norm fell below tol
                    run.reason = "tol"
                    break
                if callback is not None and callback(step, point.work.reshape(point.shape).copy(),
                                                     grad.reshape(point.shape).copy()):
                    run.reason = "callback"
                    break
            run.steps = step
            run.grad = None if grad is None or run.nfev == 0 else grad
            if count and ev.unchanging():  # every gradient was zero: x never moved
                warn_if_unchanging()
        else:
            fixed = None if fixed is None else fixed.reshape(point.shape)
            for step in range(count):
                values, _, _, nfev, _, _ = differentiate(ev, fixed, stencil, adaptive, True)
                grad = values[0]
                run.nfev += nfev
                run.grad = grad
                if tol is not None and norm(grad) < tol:
                    run.reason = "tol"
                    break
                point.work -= rate * grad
                ev.moved()
                run.steps = step + 1
                if path is not None:
                    path[step + 1] = point.work
                if callback is not None and callback(step + 1, point.work.reshape(point.shape).copy(),
                                                     grad.reshape(point.shape).copy()):
                    run.reason = "callback"
                    break
        return (point.work.copy() if type(ev) is not Serial else point.work), run
    finally:
        ev.restore()


def _elementwise_values(value: Any, shape: tuple[int, ...], imag: bool) -> np.ndarray:
    """f's value at an array of points, for an elementwise derivative."""
    arr = np.asarray(value)
    if arr.shape != shape:
        raise ValueError(
            f"f must return an array of x's shape {shape} for an elementwise derivative, "
            f"got shape {arr.shape} (for a function of the whole array use gradient())"
        )
    if imag:
        return np.array(imag_value(shape)(arr), dtype=np.float64).reshape(-1)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"f must return real numbers, got dtype {arr.dtype}")
    return np.array(arr, dtype=np.float64).reshape(-1)


def elementwise(kernels: Any, f: Any, points: np.ndarray, h: Any, stencil: Stencil, adaptive: bool, threads: int,
                runner: Any, full_output: bool, target: Optional[np.ndarray] = None, eps: float = 2.0**-52,
                box: Optional[Box] = None) -> Any:
    """derivative() of an elementwise f at an array of points (or at one, 0-d): f is
    called with whole arrays of perturbed points, one per offset of the stencil
    (written into target, the caller's array, for the call, with inplace).  With bounds
    (box), the points of each side (see _bounds) are moved in calls of their own, the
    others left at x."""
    shape, flat, scalar = points.shape, points.reshape(-1), points.ndim == 0
    imag = stencil.method == "complex"

    def argument(arg: np.ndarray) -> Any:
        if scalar:
            return complex(arg[0]) if imag else float(arg[0])
        return arg.reshape(shape)

    coarsest = [eps]  # the coarsest precision of x and of f's values seen

    def converted(value: Any) -> np.ndarray:
        coarsest[0] = max(coarsest[0], precision(value))
        if scalar:
            return _elementwise_values(np.asarray(value) if imag else scalar_value(value), (), imag)
        return _elementwise_values(value, shape, imag)

    def evaluate_points(arg: np.ndarray) -> np.ndarray:
        if target is not None:
            return converted(call_in_place(f, target, arg))
        return converted(f(argument(arg)))

    def evaluate_many(args: list) -> list:
        """f at several arguments: by the runner, on threads, or in turn."""
        if runner is not None:
            labels = [f"point {k} of the stencil" for k in range(len(args))]
            return [converted(v) for v in runner.map(f, [argument(a) for a in args], labels)]
        if threads > 1 and len(args) > 1:
            return run_parts([lambda a=a: evaluate_points(a) for a in args], kernels.StopFlag())
        return [evaluate_points(a) for a in args]

    if adaptive:
        s, deriv = side(stencil), stencil.hpow
        if box is None:
            sides, limit = np.full(flat.size, s, dtype=np.int8), None
        else:
            sides, limit = box.ladder_sides(flat, s, _adaptive.TOP_FRACTION * np.maximum(np.abs(flat), 1.0))
        kinds = np.unique(sides).tolist()
        uses_f0 = any(_adaptive.base_stencil(k, deriv).uses_f0 for k in kinds)
        f0 = evaluate_points(flat)[:, None] if uses_f0 else None
        calls = [0 if f0 is None else 1]
        value, error, step = np.empty(flat.size), np.empty(flat.size), np.empty(flat.size)
        converged = np.empty(flat.size, dtype=bool)
        for k in kinds:
            idx = np.flatnonzero(sides == k)
            moved = np.zeros(flat.size)

            def evaluate(h: np.ndarray, offsets: tuple, lo: int, hi: int, idx: np.ndarray = idx,
                         moved: np.ndarray = moved) -> np.ndarray:
                calls[0] += len(offsets)  # f at every point, each time (the others at x)
                moved[idx] = h
                return np.stack(evaluate_many([flat + o * moved for o in offsets]), axis=1)[idx][lo:hi, :, None]

            result = _adaptive.adaptive_derivative(evaluate, flat[idx], 1, k, None if f0 is None else f0[idx], 0,
                                                   idx.size, lambda: coarsest[0], deriv, whole=True,
                                                   limit=None if limit is None else limit[idx])
            value[idx], error[idx], step[idx] = result.value[:, 0], result.error[:, 0], result.step[:, 0]
            converged[idx] = result.converged[:, 0]
        nfev = calls[0]  # calls of f with the whole array of points
    else:
        nfev = 0
        for _ in range(2):  # a second pass only for steps sized for f's coarser values (float32)
            used_eps = coarsest[0]
            hs = steps(kernels, h, flat, shape, stencil, used_eps)
            if imag:
                value = evaluate_many([flat + 1j * hs])[0] / hs
                nfev += 1
            elif box is None:
                fvals = evaluate_many([flat if o == 0.0 else flat + o * hs for o in stencil.offsets])
                value = np.empty(flat.shape)
                kernels.combine(stencil, fvals, hs, value)
                nfev += len(fvals)
            else:
                sides, hs, by_side = box.scheme(flat, hs, stencil)
                value, fvals, at_x = np.empty(flat.shape), [], None
                for k in np.unique(sides).tolist():
                    st, mask = by_side[k], sides == k
                    if at_x is None and st.uses_f0:
                        at_x = evaluate_many([flat])[0]
                    moved = [at_x if o == 0.0 else None for o in st.offsets]
                    fresh = evaluate_many([flat + o * hs * mask for o in st.offsets if o != 0.0])
                    fvals = [v if v is not None else fresh.pop(0) for v in moved]
                    part = np.empty(flat.shape)
                    kernels.combine(st, fvals, hs, part)
                    value[mask] = part[mask]
                    nfev += st.evaluated
                nfev += at_x is not None
            if h is not None or coarsest[0] <= used_eps:
                break
        if not imag and len(fvals) > 1 and not value.any() and all(np.array_equal(fvals[0], v) for v in fvals):
            warn_if_unchanging()
        error, step, converged = np.full(flat.shape, np.nan), hs, np.ones(flat.shape, dtype=bool)
    if scalar:
        return finish(float(value[0]), float(error[0]), nfev, float(step[0]), full_output, bool(converged[0]))
    return finish(value.reshape(shape), error.reshape(shape), nfev, step.reshape(shape), full_output,
                  converged.reshape(shape))
