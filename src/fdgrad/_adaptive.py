"""Adaptive differentiation: Richardson extrapolation over a ladder of steps.

Shared by both backends; the evaluations of f come from the backend's kernels
through the ``evaluate`` callback, and the arithmetic here is numpy's, so the
two backends agree bit for bit.

Per coordinate (and per output of f):

1. A pilot difference at a small step, relative to |x| for |x| < 1 and
   absolute otherwise, estimates |f'| and |f|.  The rounding error of a
   difference at step h is about eps |f| / h, so the ladder's smallest step is
   where that error is ``TAU`` relative to |f'|: the first step is chosen from
   the data (x and f), not from an absolute constant, which is what keeps
   log(x) at 1e-8 and sin(x) at 1e6 accurate alike.  It is kept between the
   pilot step and a ceiling that puts the ladder's top step at a quarter of
   max(1, |x|).
2. Differences at K steps h, r h, ..., r^(K-1) h (r = 2) are extrapolated in a
   Richardson tableau (error terms h^2, h^4, ... for central differences;
   h, h^2, ... for one-sided ones).
3. Every extrapolated entry gets an error estimate: its distance to its
   neighbours in the tableau plus the rounding error 2 eps |f| 2^j / h, and the
   entry with the smallest estimate wins.  That estimate is ``info.error``.

The divisor of each difference is the distance between the points actually
evaluated, ((x + h) - (x - h)) or ((x + h) - x), so steps need no rounding.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np

from ._stencils import EPS

DBL_MAX = float(np.finfo(np.float64).max)

__all__ = ["AdaptiveResult", "adaptive_derivative", "evaluations"]

RATIO = 2.0
#: ladder length and rounding target, central and one-sided
CENTRAL_STEPS, ONE_SIDED_STEPS = 5, 8
CENTRAL_TAU, ONE_SIDED_TAU = 3e-13, 1e-12
#: the top step of the ladder is at most this fraction of max(1, |x|)
TOP_FRACTION = 0.25

#: evaluate(h, offsets, start, stop) -> f at x_i + o_k h_i, shape (stop - start, len(offsets), m)
Evaluate = Callable[[np.ndarray, tuple, int, int], np.ndarray]


class AdaptiveResult(NamedTuple):
    value: np.ndarray  # (n, m)
    error: np.ndarray  # (n, m)
    step: np.ndarray  # (n, m)
    converged: np.ndarray  # (n, m) bool: False where the ladder failed its pilot check
    rescued: int = 0  # coordinates given a second ladder (2 * CENTRAL_STEPS more evaluations each)


def evaluations(n: int, side: int) -> int:
    """How many evaluations of f adaptive_derivative makes for n coordinates."""
    if side == 0:
        return n * 2 * (1 + CENTRAL_STEPS)
    return 1 + n * (1 + ONE_SIDED_STEPS)


def _ladder_offsets(count: int, side: int) -> tuple[float, ...]:
    powers = [RATIO ** (count - 1 - k) for k in range(count)]  # large to small
    if side == 0:
        return tuple(o for p in powers for o in (p, -p))
    return tuple(side * p for p in powers)


def _differences(x: np.ndarray, h: np.ndarray, offsets: tuple, values: np.ndarray,
                 f0: np.ndarray | None, side: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Difference quotients (count, n, m), their |f| sizes and their steps (count, n)."""
    xs = x[:, None]
    points = xs + np.asarray(offsets)[None, :] * h[:, None]  # the points the kernel used
    if side == 0:
        plus, minus = values[:, 0::2, :], values[:, 1::2, :]
        span = points[:, 0::2] - points[:, 1::2]
        quotient = (plus - minus) / span[:, :, None]
        size = np.maximum(np.abs(plus), np.abs(minus))
        step = span / 2.0
    else:
        assert f0 is not None, "one-sided differences need f(x)"
        span = points - xs
        quotient = (values - f0[None, None, :]) / span[:, :, None]
        size = np.maximum(np.abs(values), np.abs(f0)[None, None, :])
        step = np.abs(span)
    return np.moveaxis(quotient, 1, 0), np.moveaxis(size, 1, 0), np.moveaxis(step, 1, 0)


def adaptive_derivative(evaluate: Evaluate, x: np.ndarray, m: int, side: int,
                        f0: np.ndarray | None, start: int, stop: int,
                        precision: Callable[[], float] = lambda: EPS) -> AdaptiveResult:
    """Derivatives along x_i for start <= i < stop of every output of f; precision()
    gives the precision of f's values seen so far (float32's for a float32 f)."""
    xr = x[start:stop]
    central = side == 0
    count = CENTRAL_STEPS if central else ONE_SIDED_STEPS
    tau = CENTRAL_TAU if central else ONE_SIDED_TAU
    h_all = np.zeros_like(x)

    # 1. The pilot.
    absx = np.abs(xr)
    room = (DBL_MAX - absx) * 0.5  # no step carries x past the largest double, rounding included
    pilot_step = (EPS ** (1 / 3) if central else EPS**0.5) * np.where(absx > 0, np.minimum(absx, 1.0), 1.0)
    pilot_step = np.minimum(pilot_step, room)
    h_all[start:stop] = pilot_step
    offsets: tuple[float, ...] = (1.0, -1.0) if central else (float(side),)
    values = evaluate(h_all, offsets, start, stop)
    eps = max(EPS, precision())  # the rounding of f's values: float64's, or coarser
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # no room for a step: NaN, not a warning
        quotient, size, _ = _differences(xr, pilot_step, offsets, values, f0, side)
        wanted = eps * size[0] / np.abs(quotient[0]) / tau  # (n, m)
    wanted = np.where(np.isfinite(wanted), wanted, np.nan)
    all_nan = np.asarray(np.isnan(wanted).all(axis=1))
    smallest = np.nanmedian(np.where(all_nan[:, None], np.inf, wanted), axis=1)
    ceiling = np.minimum(TOP_FRACTION * np.maximum(absx, 1.0), room) / RATIO ** (count - 1)
    smallest = np.clip(np.where(np.isfinite(smallest), smallest, ceiling), pilot_step, ceiling)

    # 2. The ladder and its Richardson tableau.
    best, best_error, best_step, curvature = _ladder(evaluate, xr, h_all, smallest, start, stop, f0, side, eps)
    converged = np.ones(best.shape, dtype=bool)
    rescued = 0
    if central:
        pilot, pilot_size = quotient[0], size[0]
        best, best_error, best_step, converged = _pilot_check(best, best_error, best_step, pilot, pilot_size,
                                                              pilot_step, curvature, eps)
        suspect = np.flatnonzero(~converged.all(axis=1))
        if suspect.size:
            # 4. One more ladder, between the pilot and the failed one (geometric mean of their
            # steps, scaled so that its top step stays below it), over the coordinates that failed.
            lo, hi = int(suspect[0]), int(suspect[-1]) + 1
            lower = np.maximum(pilot_step[lo:hi], np.sqrt(pilot_step[lo:hi] * smallest[lo:hi]) / RATIO ** (count - 1))
            second = _ladder(evaluate, xr[lo:hi], h_all, lower, start + lo, start + hi, f0, side, eps)
            checked = _pilot_check(*second[:3], pilot[lo:hi], pilot_size[lo:hi], pilot_step[lo:hi], second[3], eps)
            take = ~converged[lo:hi] & checked[3]  # where the first ladder failed and the second passes
            for mine, theirs in zip((best, best_error, best_step, converged), checked):
                mine[lo:hi] = np.where(take, theirs, mine[lo:hi])
            rescued = hi - lo
    return AdaptiveResult(best, best_error, best_step, converged, rescued)


def _ladder(evaluate: Evaluate, xr: np.ndarray, h_all: np.ndarray, smallest: np.ndarray, start: int, stop: int,
            f0: np.ndarray | None, side: int, eps: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Differences at steps smallest * r^k and their Richardson tableau, for x_start..x_stop-1:
    the entry with the smallest estimated error, its error, its step, and the ladder's
    curvature (c in D(h) = f' + c h^2, central; NaN otherwise)."""
    central = side == 0
    count = CENTRAL_STEPS if central else ONE_SIDED_STEPS
    power = 2 if central else 1
    h_all[start:stop] = smallest
    offsets = _ladder_offsets(count, side)
    with np.errstate(all="ignore"):
        column, size, steps = _differences(xr, smallest, offsets, evaluate(h_all, offsets, start, stop), f0, side)
        # A difference's rounding error: f values within about an ulp each, at
        # both ends of the difference.
        rounding = 2.0 * eps * size / steps[:, :, None]  # (count, n, m)
        if central:
            curvature = (column[-2] - column[-1]) / (steps[-2] ** 2 - steps[-1] ** 2)[:, None]
        else:
            curvature = np.full(column.shape[1:], np.nan)
        best = np.full(column.shape[1:], np.nan)
        best_error = np.full(column.shape[1:], np.inf)
        best_step = np.broadcast_to(steps[-1][:, None], best.shape).copy()
        for j in range(1, count):
            factor = RATIO ** (power * j) - 1.0
            previous = column
            column = previous[1:] + (previous[1:] - previous[:-1]) / factor
            for k in range(column.shape[0]):
                error = np.abs(column[k] - previous[k + 1])
                if k > 0:
                    error = np.maximum(error, np.abs(column[k] - column[k - 1]))
                error = error + rounding[k + j] * 2.0**j
                better = error < best_error  # False for NaN
                best = np.where(better, column[k], best)
                best_error = np.where(better, error, best_error)
                best_step = np.where(better, steps[k + j][:, None], best_step)
    # Where nothing was finite, say so.
    fallback = ~np.isfinite(best)
    if fallback.any():
        best = np.where(fallback, column[-1] if column.shape[0] else best, best)
        best_error = np.where(fallback, np.inf, best_error)
    return best, best_error, best_step, curvature


def _pilot_check(best: np.ndarray, error: np.ndarray, step: np.ndarray, pilot: np.ndarray, size: np.ndarray,
                 pilot_step: np.ndarray, curvature: np.ndarray, eps: float) -> tuple[np.ndarray, np.ndarray,
                                                                                      np.ndarray, np.ndarray]:
    """The pilot's small-step difference checks the ladder, and measures f's noise.  Where they disagree by more
    than both their error bounds, the ladder reached beyond the function's own scale (a
    period, a feature far smaller than |x|), where Richardson's neighbours can agree on a
    wrong value; the pilot's value then stands, with its rounding bound as its error, and
    the entry is marked as not converged rather than given a confident estimate."""
    with np.errstate(all="ignore"):
        # Twice the rounding of a central difference, and twice its truncation by the ladder's curvature.
        pilot_error = 4.0 * eps * size / pilot_step[:, None] + 2.0 * np.abs(curvature) * pilot_step[:, None] ** 2
        pilot_error = np.where(np.isfinite(pilot_error), pilot_error, 4.0 * eps * size / pilot_step[:, None])
        suspect = np.abs(best - pilot) > 4.0 * (pilot_error + error)  # False for NaN
        suspect &= np.isfinite(pilot) & np.isfinite(pilot_error)
        # The rounding level measured, not assumed: the pilot's own deviation, |pilot - best| at
        # the pilot's step, is f's noise there (argument reduction in sin(1e4 x), cancellation
        # inside f: more than eps |f|), and at the ladder's step it costs noise / step.
        noise = np.abs(best - pilot) * pilot_step[:, None]
        error = np.where(suspect, error, error + np.where(np.isfinite(noise), 2.0 * noise / step, 0.0))
    if not suspect.any():
        return best, error, step, ~suspect
    best = np.where(suspect, pilot, best)
    error = np.where(suspect, pilot_error, error)
    step = np.where(suspect, pilot_step[:, None], step)
    return best, error, step, ~suspect
