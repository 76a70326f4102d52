"""First and higher derivatives over one evaluation: columns of a Jacobian, derivative(), directional().

Each function asks its evaluation (:mod:`fdgrad._evaluation`) for f's values
or for fixed-step derivatives, and never looks at how f is evaluated; the
method table (:mod:`fdgrad._stencils`) says what a method needs; every step is
chosen by :mod:`fdgrad._steps`; the adaptive ladders are
:mod:`fdgrad._adaptive`'s.  Arguments arrive checked.
"""

from __future__ import annotations

import math
from functools import partial as partial_function
from typing import Any, Optional

import numpy as np

from . import _adaptive
from ._evaluation import NOT_EVALUATED, Elementwise, Serial, line, number_values, runs
from ._pykernels import stencil_value
from ._results import expand, finish, shaped, warn_if_unchanging
from ._steps import Box, given_step, ladder_top, line_scale, line_step, number_step, steps
from ._stencils import EPS, Stencil
from ._values import scalar_value

__all__ = ["columns", "derivative", "directional", "gradient", "jacobian", "partial"]

#: Adaptive evaluation keeps at most this many f values in memory at once.
ADAPTIVE_BLOCK = 1 << 20

#: (evaluations per coordinate, whether f(x) is used) of an adaptive ladder by (side, derivative order):
#: _adaptive.evaluations, tabled.
_LADDERS = {(s, d): (_adaptive.evaluations(1, s, d) - _adaptive.base_stencil(s, d).uses_f0,
                     _adaptive.base_stencil(s, d).uses_f0) for s in (-1, 0, 1) for d in range(1, 5)}

#: f(x) where a stencil does not use it.
_NO_F0 = np.full(1, np.nan)
_NO_F0.flags.writeable = False


def columns(ev: Serial, h: Any, stencil: Stencil, adaptive: bool, scalar: bool, start: int = 0,
            stop: Optional[int] = None, box: Optional[Box] = None) -> tuple:
    """Derivatives of f's outputs along coordinates start..stop-1: the columns of its Jacobian.

    Returns (values (m, n), errors, steps, nfev, out_shape, converged); only
    columns start..stop-1 are meaningful.  errors is None (no estimate) or
    (m, n); steps is (n,) or (m, n): see ``_results.expand``; converged is None
    (not adaptive) or (m, n), False where the adaptive ladder failed its check.
    box: bounds (see _steps.Box), within which every point stays.
    """
    point, row = ev.point, stencil.row
    if h is not None and type(h) is not float:
        given_step(h, point.shape)  # (an array's shape, before f is evaluated)
    stop = point.n if stop is None else stop
    told = ev.told_outputs(scalar) if ev.native or ev.known is not None else None
    # (the complex step evaluates f at x + 0i first: its shape, and that f is real there)
    needs_f0 = adaptive and row.side != 0 or stencil.uses_f0 or (not scalar and told is None) or row.complex_input
    if box is not None and not row.moves_x:
        box = None  # its points never leave x
    if box is not None and adaptive:
        sides, limit = box.ladder_sides(point.work, row.side, ladder_top(point.work))
        needs_f0 = needs_f0 or bool(sides[start:stop].any())
    elif box is not None:
        box = box.planned(point.work, ev.steps(h, stencil), stencil)  # (its scheme, made once)
        needs_f0 = needs_f0 or bool(box.sides[start:stop].any())
    elif needs_f0 and h is not None and not adaptive:
        ev.steps(h, stencil)  # a given h too large for x (1e308), refused before f(x) is evaluated
    f0, out_shape, convert = ev.outputs(scalar, stencil) if needs_f0 else \
        told if told is not None else (_NO_F0, (), scalar_value)
    if adaptive:
        if box is None:
            return _adaptive_columns(ev, stencil, f0, convert, start, stop, out_shape, needs_f0)
        return _adaptive_columns(ev, stencil, f0, convert, start, stop, out_shape, needs_f0, sides, limit)
    values, hs, nfev = ev.fixed_step(h, stencil, f0, convert, start, stop, out_shape, box)
    return values, None, hs, nfev + (1 if needs_f0 else 0), out_shape, None


def _adaptive_columns(ev: Serial, stencil: Stencil, f0: np.ndarray, convert: Any, start: int, stop: int,
                      out_shape: tuple, needs_f0: bool, sides: Optional[np.ndarray] = None,
                      limit: Optional[np.ndarray] = None) -> tuple:
    """Adaptive derivatives along coordinates start..stop-1; with bounds, sides gives each
    coordinate's ladder (0 central, +-1 one-sided) and limit the farthest its points may go."""
    m, n, deriv = f0.size, ev.point.n, stencil.hpow
    evaluate = partial_function(ev.values, m=m, convert=convert, out_shape=out_shape)
    block = max(1, ADAPTIVE_BLOCK // (2 * _adaptive.CENTRAL_STEPS * m))
    parts, nfev, used_f0 = [], 0, False
    for a, b, s in [(start, stop, stencil.row.side)] if sides is None else runs(sides, start, stop):
        parts += [ev.kernels.adaptive_derivative(evaluate, ev.point.work, m, s, f0, lo, min(lo + block, b),
                                                ev.precision, deriv, limit=limit) for lo in range(a, b, block)]
        per_coordinate, uses_f0 = _LADDERS[s, deriv]
        nfev += (b - a) * per_coordinate
        used_f0 = used_f0 or uses_f0
    result = _adaptive.AdaptiveResult(*(np.concatenate(p, axis=0) for p in zip(*parts)))
    values = np.full((m, n), np.nan)
    errors, used, converged = values.copy(), values.copy(), np.ones((m, n), dtype=bool)
    values[:, start:stop], errors[:, start:stop], used[:, start:stop] = result.value.T, result.error.T, result.step.T
    converged[:, start:stop] = result.converged.T
    looks = ev.looks
    if not values[:, start:stop].any() and ev.unchanging():  # (the ladders' cost dwarfs the look at values)
        warn_if_unchanging(ev.target is not None)
    return values, errors, used, nfev + (1 if needs_f0 or used_f0 else 0) + ev.looks - looks, out_shape, converged


def gradient(ev: Serial, h: Any, stencil: Stencil, adaptive: bool, box: Optional[Box], full_output: bool) -> Any:
    """The gradient of a scalar f (also hessian_diag's second derivatives), in x's shape."""
    values, errors, used, nfev, _, converged = columns(ev, h, stencil, adaptive, True, box=box)
    return shaped(values, errors, used, nfev, ev.point.shape, full_output, converged)


def jacobian(ev: Serial, h: Any, stencil: Stencil, adaptive: bool, box: Optional[Box], full_output: bool) -> Any:
    """The Jacobian, of shape f(x).shape + x.shape."""
    values, errors, used, nfev, out_shape, converged = columns(ev, h, stencil, adaptive, False, box=box)
    return shaped(values, errors, used, nfev, out_shape + ev.point.shape, full_output, converged)


def partial(ev: Serial, h: Any, stencil: Stencil, adaptive: bool, box: Optional[Box], full_output: bool,
            k: int) -> Any:
    """The partial derivative along flat coordinate k, a float."""
    values, errors, used, nfev, _, converged = columns(ev, h, stencil, adaptive, True, k, k + 1, box)
    if not full_output:
        return float(values[0, k])
    errors, used = expand(values, errors, used)
    return finish(float(values[0, k]), float(errors[0, k]), nfev, float(used[0, k]), full_output,
                  True if converged is None else bool(converged[0, k]))


def directional(kernels: Any, f: Any, work: np.ndarray, shape: tuple[int, ...], v: np.ndarray, size: float,
                h: Any, stencil: Stencil, adaptive: bool, full_output: bool, target: Optional[np.ndarray],
                known: Any = NOT_EVALUATED) -> Any:
    """The derivative of g(t) = f(x + t w) at t = 0, as f'(x; v) (a float, or J v of f's shape):
    see _steps.line_scale for w and the scale.  f's shape is asked once, at the first point the
    numerics evaluate, whose value is then used there (known: f's value there, where the front
    door has evaluated it)."""
    h = line_step(h)
    along, factor = line_scale(work, shape, v, size, h, stencil, adaptive)
    if stencil.uses_f0 or adaptive and stencil.row.side != 0:
        first: Any = 0.0  # f(x), which the numerics evaluate first
    elif adaptive:
        first = _adaptive.first_point(0.0, 0, stencil.hpow)
    else:  # t = 0 + o h at the stencil's first offset (the step of the one number t = 0)
        step = number_step(kernels, h, 0.0, stencil) if h is None or type(h) is float else \
            float(steps(kernels, h, np.zeros(1), (1,), stencil)[0])
        first = 1j * step if stencil.row.complex_input else stencil.offsets[0] * step
    ev, scalar = line(kernels, f, work, shape, along, target, first, known)
    values, errors, used, nfev, out_shape, converged = columns(ev, h, stencil, adaptive, scalar)
    nfev += ev.f.known is not None  # (a value the numerics did not ask for after all)
    errors, used = expand(values, errors, used)
    flags = np.ones(values.shape, dtype=bool) if converged is None else converged
    with np.errstate(over="ignore"):  # the step in units of a subnormal v can pass the largest double
        steps_along_v = used[:, 0] / factor
    if out_shape == ():
        return finish(float(values[0, 0]) * factor, float(errors[0, 0]) * factor, nfev,
                      float(steps_along_v[0]), full_output, bool(flags[0, 0]))
    return finish(values[:, 0].reshape(out_shape) * factor, errors[:, 0].reshape(out_shape) * factor, nfev,
                  steps_along_v.reshape(out_shape), full_output, flags[:, 0].reshape(out_shape))


def number_derivative(kernels: Any, f: Any, x: float, h: Any, stencil: Stencil, box: Optional[Box],
                      full_output: bool, eps: float = EPS, passes: int = 1) -> Any:
    """derivative() at a finite float x, f called with numbers: f(x + o h) for each offset, the
    stencil formula (stencil's, or near a bound, the one the bounds leave room for).  Where f's
    values are coarser than float64 (a float32 f), once more with steps for their precision
    (eps, passes: where a first pass, the front door's, found them coarser)."""
    while True:
        step, used = number_step(kernels, h, x, stencil, eps), stencil
        if box is not None:
            sides, fitted, by_side = box.scheme(np.array([x]), np.array([step]), stencil)
            used, step = by_side[int(sides[0])], float(fitted[0])
        values, coarsest = number_values(f, x, used.offsets, step)
        if h is not None or coarsest <= eps or passes == 2:
            break
        eps, passes = coarsest, 2
    result = stencil_value(used.weights, used.denom, used.hpow, values, step)
    looks = number_unchanging(f, x, used, values) if result == 0.0 else 0
    return finish(result, math.nan, passes * len(values) + looks, step, True) if full_output else result


def number_unchanging(f: Any, x: float, stencil: Stencil, values: list) -> int:
    """After a derivative of 0 at a number: where f gave one value at every point, one more look
    at f(x) (unless the stencil has it: x0**2 at 0 gives h**2 at x +- h, but 0 at x), and where
    that is the same too, the UnchangingWarning (a float16 f at h = 1e-4).  Returns the
    evaluations it made (the compiled door does the same, call for call)."""
    if len(values) < 2 or any(v != values[0] for v in values):
        return 0
    looks = 0 if 0.0 in stencil.offsets else 1
    if looks and scalar_value(f(x)) != values[0]:
        return looks
    warn_if_unchanging()
    return looks


def derivative(ev: Elementwise, h: Any, stencil: Stencil, adaptive: bool, box: Optional[Box],
               full_output: bool) -> Any:
    """derivative() of an elementwise f at an array of points (or at one, 0-d): f is called with
    whole arrays of perturbed points, one per point of the stencil.  With bounds (box), the
    points of each side (see _steps.Box) are moved in calls of their own, the others left at x."""
    shape, flat = ev.shape, ev.flat
    if box is not None and not stencil.row.moves_x:
        box = None  # its points never leave x
    if h is not None and type(h) is not float:
        given_step(h, shape)
    if adaptive:
        value, error, step, converged = _adaptive_elementwise(ev, stencil, box)
    else:
        for _ in range(2):  # a second pass only for steps sized for f's coarser values (float32)
            used_eps = ev.coarsest
            hs = steps(ev.kernels, h, flat, shape, stencil, used_eps)
            if box is None:
                value, fvals = ev.derivatives(hs, stencil)
            else:
                sides, hs, by_side = box.scheme(flat, hs, stencil)
                value, at_x = np.empty(flat.shape), None
                for k in np.unique(sides).tolist():
                    st, mask = by_side[k], sides == k
                    if at_x is None and st.uses_f0:
                        at_x = ev.at([flat])[0]
                    part, fvals = ev.derivatives(hs, st, mask, at_x)
                    value[mask] = part[mask]
            if h is not None or ev.coarsest <= used_eps:
                break
        if len(fvals) > 1 and not value.any() and all(np.array_equal(fvals[0], v) for v in fvals):
            warn_if_unchanging(ev.target is not None)
        error, step, converged = np.full(flat.shape, np.nan), hs, np.ones(flat.shape, dtype=bool)
    if ev.scalar:
        return finish(float(value[0]), float(error[0]), ev.calls, float(step[0]), full_output, bool(converged[0]))
    return finish(value.reshape(shape), error.reshape(shape), ev.calls, step.reshape(shape), full_output,
                  converged.reshape(shape))


def _adaptive_elementwise(ev: Elementwise, stencil: Stencil, box: Optional[Box]) -> tuple:
    """Adaptive derivatives at every point of an elementwise f, a ladder per side (bounds)."""
    flat, s, deriv = ev.flat, stencil.row.side, stencil.hpow
    if box is None:
        sides, limit = np.full(flat.size, s, dtype=np.int8), None
    else:
        sides, limit = box.ladder_sides(flat, s, ladder_top(flat))
    kinds = np.unique(sides).tolist()
    uses_f0 = any(_adaptive.base_stencil(k, deriv).uses_f0 for k in kinds)
    f0 = ev.at([flat])[0][:, None] if uses_f0 else None
    value, error, step = np.empty(flat.size), np.empty(flat.size), np.empty(flat.size)
    converged = np.empty(flat.size, dtype=bool)
    for k in kinds:
        idx = np.flatnonzero(sides == k)
        result = ev.kernels.adaptive_derivative(ev.ladder(idx), flat[idx], 1, k, None if f0 is None else f0[idx], 0,
                                               idx.size, ev.precision, deriv, whole=True,
                                               limit=None if limit is None else limit[idx])
        value[idx], error[idx], step[idx] = result.value[:, 0], result.error[:, 0], result.step[:, 0]
        converged[idx] = result.converged[:, 0]
    return value, error, step, converged
