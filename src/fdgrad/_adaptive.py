"""Adaptive differentiation: Richardson extrapolation over a ladder of steps.

Shared by both backends; the evaluations of f come from the backend's kernels
through the ``evaluate`` callback, and the arithmetic here is numpy's, so the
two backends agree bit for bit.  The compiled backend runs these stages in C
(csrc/adaptive.c, with :func:`kernel_rule`'s constants) on every path: its front
door calls them over its own calls of f, and ``_ckernels.adaptive_derivative`` and
``adaptive_hessian`` over the same ``evaluate`` callbacks this module is given
(threads, executors, a vectorized or native f, bounds, progress=), in the same
batches.  This module is their twin, operation for operation (each entry's result
depends on its own coordinate alone); ``fdgrad.fallback`` runs it (through
``_pykernels``), and the tests hold the two to the same bits.

Per coordinate (and per output of f), for a central difference of any order:

1. **Pilot.** A difference at a small step (relative to |x| for |x| < 1,
   absolute otherwise) estimates |f'| and |f|.  A difference at step h has a
   rounding error of about eps |f| / h, so the ladder's smallest step is where
   that error is ``TAU`` relative to |f'| (kept between the pilot step and a
   ceiling for the top: its farthest point a quarter of max(1, |x|) from x,
   three quarters for a third or fourth derivative): chosen from the data, not
   from an absolute constant, which is what keeps log(x) at 1e-8 and sin(x) at
   1e6 accurate alike.  Where every difference of the pilot is exactly 0 at a
   step relative to a small |x| (f rounds to a constant there: log(1 + c t) at
   1e-300), or its h^n is below the normal doubles, the pilot is taken again at
   the step of |x| = 1, in place of the probe (for a first derivative, f's
   values are then taken to carry a rounding of eps |f'|, that of a quantity
   of scale 1 inside f, as 1 + c t, rather than eps |f|); a result that is then
   not converged has an estimate that also covers what the first pilot bounds.
   A pilot whose points left f's domain (a value that is not finite: arccos
   at 1 - 5e-8) is taken again, the same way, 1024 times closer, and where
   that one is finite the whole ladder stays within its step.
2. **Probe.** One difference at the ladder's top step checks that step
   against the pilot.  Where |f| >> |f'| (a large constant, or other
   coordinates, dominate f's value) the rounding-placed ladder can reach past
   the function's own scale (sin's period at |x| ~ 1e5), where differences
   converge to a wrong value; the probe then disagrees with the pilot.
3. **Ladder.** Where the probe agrees, four more differences below it at
   ratio 2.1 (the probe is the fifth).  Where it does not, four differences
   at ratio 4.3 up to 16 times the geometric mean of the pilot's and the
   probe's steps, well inside the scale.  Either way 12 evaluations per
   coordinate for a first derivative.
4. **Tableau.** The ladder is tested for Richardson's asymptotic regime (its
   differences shrink by about ratio^2 towards small steps); steps past it are
   left out, and a ladder that never reaches it is not trusted (the pilot's
   value then stands, flagged).  The rest is extrapolated in a Richardson
   tableau (error terms h^2, h^4, ...); every entry gets an error estimate,
   its distance to its neighbours plus the rounding error, and the entry with
   the smallest estimate wins.
5. **Check.** The pilot checks the winner.  Their disagreement measures f's
   noise (argument reduction in sin(1e4 x), cancellation inside f: more than
   eps |f|); where it exceeds f's rounding the tableau is weighed again with
   that noise, so larger steps win, and the noise enters the estimate.  Where
   they still disagree beyond both error bounds the estimate is made to cover
   the disagreement and the entry is marked not converged
   (``DiffInfo.converged``), never a confident number.  Where the ladder
   found no finite value (its steps left f's domain), the pilot's stands.

One-sided differences take the same path with a ladder of eight steps, the
probe included, at ratio 2.1 (error terms h, h^2, ...): 10 evaluations per
coordinate, f(x) included.

The step of each difference is the distance between the points actually
evaluated, ((x + h) - (x - h)) / 2 or |(x + h) - x|, so steps need no rounding.
"""

from __future__ import annotations

import functools
import math
from typing import Callable, NamedTuple


import numpy as np

from ._stencils import EPS, Stencil, make_stencil

DBL_MAX = float(np.finfo(np.float64).max)
_TINY = float(np.finfo(np.float64).tiny)
#: how much smaller a pilot is taken again whose points left f's domain
_SHRINK = 1024.0

__all__ = ["AdaptiveResult", "adaptive_derivative", "adaptive_hessian", "base_stencil", "evaluations", "first_point",
           "hessian_evaluations", "kernel_rule"]

#: the ratio of the ladder's steps, and of the wider ladder below a probe that failed.  Not 2 and
#: 4: steps in a ratio of 2 keep a periodic term's aliasing self-similar (h mod 2 pi doubles with
#: h), so that a ladder past its period can look converged; 2.1 breaks the pattern
RATIO, WIDE_RATIO = 2.1, 4.3
#: the relative disagreement of probe and pilot within which the probe's step is within f's scale
PROBE_TOLERANCE = 0.05
#: ladder length (the probe included) and rounding target, central and one-sided
CENTRAL_STEPS, ONE_SIDED_STEPS = 5, 8
CENTRAL_TAU, ONE_SIDED_TAU = 3e-13, 1e-12
#: the rounding target grows by this factor per order of the derivative
HIGHER_TAU = 30.0
#: the ladder's farthest point from x is at most this fraction of max(1, |x|); for a third or
#: fourth derivative, whose rounding error grows as 1 / h^3 or 1 / h^4, three times as far
TOP_FRACTION, HIGHER_TOP_FRACTION = 0.25, 0.75

#: evaluate(h, offsets, start, stop) -> f at x_i + o_k h_i, shape (stop - start, len(offsets), m)
Evaluate = Callable[[np.ndarray, tuple, int, int], np.ndarray]


class AdaptiveResult(NamedTuple):
    value: np.ndarray  # (n, m)
    error: np.ndarray  # (n, m)
    step: np.ndarray  # (n, m)
    converged: np.ndarray  # (n, m) bool: False where the ladder failed its pilot check


def base_stencil(side: int, deriv: int = 1) -> Stencil:
    """The lowest-order stencil of derivative ``deriv`` that each rung of the ladder evaluates."""
    method = {0: "central", 1: "forward", -1: "backward"}[side]
    return make_stencil(method, 2 if side == 0 else 1, deriv)


def _root(wanted: np.ndarray, deriv: int) -> np.ndarray:
    """wanted ** (1 / deriv): np.sqrt for a second derivative, libm's pow one entry at a time
    for a third or fourth (as csrc/adaptive.c computes it: numpy's own power may be a vector
    routine that rounds differently)."""
    if deriv == 1:
        return wanted
    if deriv == 2:
        return np.sqrt(wanted)
    e = 1.0 / deriv
    with np.errstate(invalid="ignore"):
        return np.array([math.pow(v, e) if v >= 0.0 or math.isnan(v) else math.nan for v in wanted.flat],
                        dtype=float).reshape(wanted.shape)


def _median(wanted: np.ndarray) -> np.ndarray:
    """Each row's median of its entries that are not NaN (of an even count, the mean of the two
    middle ones, (a + b) / 2), +inf where there is none: the ladder's place from the outputs'
    wanted steps (numpy's nanmedian takes about 0.1 ms through masked arrays)."""
    if wanted.shape[1] == 1:
        return np.where(np.isnan(wanted[:, 0]), np.inf, wanted[:, 0])
    ordered = np.sort(wanted, axis=1)  # NaN last
    count = np.count_nonzero(~np.isnan(wanted), axis=1)
    rows = np.arange(wanted.shape[0])
    high = ordered[rows, np.minimum(count // 2, wanted.shape[1] - 1)]
    low = ordered[rows, np.maximum(count // 2 - 1, 0)]
    with np.errstate(over="ignore"):
        middle = np.where(count % 2 == 1, high, (low + high) / 2.0)
    return np.where(count == 0, np.inf, middle)


def _inside(limit: np.ndarray, absx: np.ndarray) -> np.ndarray:
    """A distance limit made safe for steps that round to x's spacing: a few of its units less."""
    with np.errstate(invalid="ignore"):
        return np.where(np.isinf(limit), limit, np.maximum(limit - 4.0 * np.spacing(absx + limit), 0.0))


def evaluations(n: int, side: int, deriv: int = 1) -> int:
    """How many evaluations of f adaptive_derivative makes for n coordinates (f(x) included
    where the stencil uses it)."""
    base = base_stencil(side, deriv)
    count = CENTRAL_STEPS if side == 0 else ONE_SIDED_STEPS
    return n * base.evaluated * (1 + count) + (1 if base.uses_f0 else 0)


class _Rule(NamedTuple):
    """A rung's difference: sum_k w_k f(x + o_k h) / (denom h^deriv), over the stencil's points."""

    offsets: tuple[float, ...]  # the points other than x, in the stencil's order
    weights: tuple[float, ...]  # of those points
    centre: float  # the weight of f(x) (0 where it is not used)
    denom: float
    deriv: int
    side: int
    #: a difference's rounding error is rounding * eps |f| / h^deriv: f values within about an
    #: ulp each (twice for central ones, as fdgrad has always counted them)
    rounding: float
    #: the rounding error relative to that of a first difference, for placing the ladder
    relative: float

    @classmethod
    def of(cls, side: int, deriv: int) -> "_Rule":
        base = base_stencil(side, deriv)
        pairs = [(o, w) for o, w in zip(base.offsets, base.weights) if o != 0.0]
        centre = sum(w for o, w in zip(base.offsets, base.weights) if o == 0.0)
        total = sum(abs(w) for w in base.weights) / base.denom
        return cls(tuple(o for o, _ in pairs), tuple(w for _, w in pairs), centre, base.denom, deriv, side,
                   (2.0 if side == 0 else 1.0) * total, total / (1.0 if side == 0 else 2.0))

    def power(self, step: np.ndarray) -> np.ndarray:
        """step ** deriv, by repeated products (exact for deriv = 1)."""
        out = step
        for _ in range(1, self.deriv):
            out = out * step
        return out


@functools.lru_cache(maxsize=None)
def kernel_rule(side: int, deriv: int) -> dict:
    """The constants of a ladder of this side and order: adaptive_derivative's own, and what
    csrc/adaptive.c's fdgrad_adaptive_rule holds (computed here once, so that no C compiler folds
    one of them differently).  Cached: not to be modified."""
    rule = _Rule.of(side, deriv)
    central = side == 0
    count = CENTRAL_STEPS if central else ONE_SIDED_STEPS
    wide = WIDE_RATIO if central else RATIO
    power = 2 if central else 1
    slack = ASYMPTOTIC_SLACK if central else ONE_SIDED_SLACK
    ratios = (RATIO, wide)
    return dict(
        side=side, deriv=deriv, q=len(rule.offsets), offsets=rule.offsets, weights=rule.weights,
        centre=float(rule.centre), denom=rule.denom, rounding=rule.rounding, relative=rule.relative,
        reach=max(abs(o) for o in rule.offsets), fornberg=len(rule.offsets) + (1 if rule.centre else 0) > 2,
        count=count, tau=(CENTRAL_TAU if central else ONE_SIDED_TAU) * HIGHER_TAU ** (deriv - 1),
        pilot_rel=EPS ** (1 / (deriv + (2 if central else 1))),
        top_fraction=TOP_FRACTION if deriv < 3 else HIGHER_TOP_FRACTION, ceiling_div=RATIO ** (count - 1),
        probe_tolerance=PROBE_TOLERANCE, shrink=_SHRINK, tiny=_TINY, eps=EPS, check_fraction=TOP_FRACTION,
        powers=tuple(RATIO ** (count - 1 - k) for k in range(count)), wide=wide,
        wide_powers=tuple(wide ** (count - 2 - k) for k in range(count - 1)),
        wide_top=wide ** (count - 2), wide_all=wide ** (count - 1),
        pair_slack=tuple(slack * ratio**power for ratio in ratios),
        factors=tuple(tuple(0.0 if j == 0 else ratio ** (power * j) - 1.0 for j in range(count)) for ratio in ratios),
        shrinks=tuple(tuple(slack * ratio ** (power * (j + 1)) for j in range(count)) for ratio in ratios),
        # the adaptive Hessian's (adaptive_hessian), on every rule alike
        hessian_tau=CENTRAL_TAU * HIGHER_TAU, hessian_top=RATIO ** (HESSIAN_STEPS - 1),
        hessian_powers=tuple(RATIO ** (HESSIAN_STEPS - 1 - k) for k in range(HESSIAN_STEPS)),
    )


def _ladder_offsets(rule: _Rule, powers: tuple[float, ...]) -> tuple[float, ...]:
    return tuple(o * p for p in powers for o in rule.offsets)


def _differences(x: np.ndarray, h: np.ndarray, offsets: tuple, values: np.ndarray,
                 f0: np.ndarray | None, rule: _Rule) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Difference quotients (count, n, m), their |f| sizes and their steps (count, n);
    f0 is f(x) as (1, 1, m), or (n, 1, m) for n points of an elementwise f.

    The step of each rung is the distance between the points actually evaluated,
    ((x + h) - (x - h)) / 2 or |(x + h) - x|, so steps need no rounding."""
    q = len(rule.offsets)
    xs = x[:, None]
    points = xs + np.asarray(offsets)[None, :] * h[:, None]  # the points the kernel used, (n, count * q)
    first = points[:, 0::q]  # x + o_1 h at each rung
    if rule.side == 0:
        step = (first - points[:, 1::q]) / 2.0  # the first two offsets are +-o_1
        step = step / abs(rule.offsets[0])
    else:
        step = np.abs(first - xs) / abs(rule.offsets[0])
    size = None
    for k in range(q):
        term = np.abs(values[:, k::q, :])
        size = term if size is None else np.maximum(size, term)
    if rule.centre:
        assert f0 is not None, "this stencil needs f(x)"
        size = np.maximum(size, np.abs(f0))
    # f's values carry the rounding of its argument too: x + o h is known to an ulp inside f (a x,
    # x + c), which moves f by about eps |x f'|: at a large |x| more than eps |f| (sum sin(a x) at 1e4).
    if rule.side == 0:
        slope = (values[:, 0::q, :] - values[:, 1::q, :]) / (2.0 * step)[:, :, None]
    else:
        slope = (values[:, 0::q, :] - f0) / (rule.offsets[0] * step)[:, :, None]
    with np.errstate(invalid="ignore", over="ignore"):
        argument = np.abs(xs[:, :, None] * slope)
    if q + (1 if rule.centre else 0) > 2:
        # More than two points: x + o h rounds to x's spacing differently for each o, and at a large
        # |x| that unevenness (an ulp of x against h^n) can outweigh the difference itself (the third
        # derivative of sin at 760: 6e-8).  The weights are those of the points actually evaluated.
        # (The weights sum to 0: the values are taken relative to one of them, so that equal values,
        # f rounding to a constant, give exactly 0.)
        nodes = [points[:, k::q] - xs for k in range(q)] + ([np.zeros_like(step)] if rule.centre else [])
        weights = _fornberg(nodes, rule.deriv)
        base = f0 if rule.centre else values[:, 0::q, :]
        quotient = sum(w[:, :, None] * (values[:, k::q, :] - base) for k, w in enumerate(weights[:q]))
    else:
        acc = None
        for k, w in enumerate(rule.weights):
            term = values[:, k::q, :]
            acc = w * term if acc is None else acc + w * term
        if rule.centre:
            acc = acc + rule.centre * f0
        quotient = acc / (rule.denom * rule.power(step))[:, :, None]
    return (quotient.transpose(1, 0, 2), size.transpose(1, 0, 2), step.T,  # (count first; np.moveaxis costs more)
            argument.transpose(1, 0, 2))


def _fornberg(nodes: list[np.ndarray], deriv: int) -> list[np.ndarray]:
    """The weights of the derivative of order deriv at 0 from values at the given nodes (arrays of
    one shape, each entry its own set of nodes): Fornberg's recursion, elementwise."""
    count = len(nodes)
    c = [[np.zeros_like(nodes[0]) for _ in range(deriv + 1)] for _ in range(count)]
    c[0][0] = np.ones_like(nodes[0])
    c1, c4 = np.ones_like(nodes[0]), nodes[0]
    for i in range(1, count):
        top = min(i, deriv)
        c2, c5, c4 = np.ones_like(nodes[0]), c4, nodes[i]
        for j in range(i):
            c3 = nodes[i] - nodes[j]
            c2 = c2 * c3
            if j == i - 1:
                for k in range(top, 0, -1):
                    c[i][k] = c1 * (k * c[i - 1][k - 1] - c5 * c[i - 1][k]) / c2
                c[i][0] = -c1 * c5 * c[i - 1][0] / c2
            for k in range(top, 0, -1):
                c[j][k] = (c4 * c[j][k] - k * c[j][k - 1]) / c3
            c[j][0] = c4 * c[j][0] / c3
        c1 = c2
    return [c[i][deriv] for i in range(count)]


def _rungs(evaluate: Evaluate, xr: np.ndarray, h_all: np.ndarray, h: np.ndarray, powers: tuple[float, ...],
           rule: _Rule, f0: np.ndarray | None, start: int, idx: np.ndarray) -> tuple[np.ndarray, ...]:
    """Differences at steps h * p for each p of powers (large to small), for the coordinates
    start + idx (ascending): quotients (len(powers), len(idx), m), |f| sizes, steps.  f is
    evaluated over the range they span (a run of coordinates; all points of an elementwise f)."""
    lo, hi = int(idx[0]), int(idx[-1]) + 1
    h_all[:] = 0.0  # coordinates not in idx stay at x (an elementwise f is evaluated at every point)
    h_all[start + idx] = h
    offsets = _ladder_offsets(rule, powers)
    part = f0[idx] if f0 is not None and f0.shape[0] > 1 else f0
    values = evaluate(h_all, offsets, start + lo, start + hi)[idx - lo]
    return _differences(xr[idx], h, offsets, values, part, rule)


def _groups(labels: np.ndarray, whole: bool) -> list[tuple[np.ndarray, int]]:
    """The coordinates of each run of equal labels (bools or small ints), or of each label where f
    is evaluated at all points at once anyway (an elementwise f)."""
    if whole:
        return [(idx, label) for label in np.unique(labels).tolist() if (idx := np.flatnonzero(labels == label)).size]
    edges = [0, *(np.flatnonzero(labels[1:] != labels[:-1]) + 1).tolist(), labels.size]
    return [(np.arange(lo, hi), labels[lo].item()) for lo, hi in zip(edges[:-1], edges[1:])]


def _pilot_steps(absx: np.ndarray, deriv: int, central: bool) -> np.ndarray:
    """The pilot's step at each |x| (before the room caps it): relative to |x| below 1, absolute above."""
    return EPS ** (1 / (deriv + (2 if central else 1))) * np.where(absx > 0, np.minimum(absx, 1.0), 1.0)


def _in_rounding(quotient: np.ndarray, size: np.ndarray, step: np.ndarray, eps: float, rule: _Rule) -> np.ndarray:
    """Where differences (n, m) at steps (n,) are within their own rounding: 0, or no larger than
    rule.rounding * eps |f| / h^deriv."""
    with np.errstate(all="ignore"):
        return np.abs(quotient) <= rule.rounding * eps * size / rule.power(step)[:, None]


def first_point(x: float, side: int, deriv: int = 1) -> float:
    """Where adaptive_derivative first evaluates f along an unbounded coordinate at x (its pilot's
    first point), so that a caller may learn f's shape there and have that value used."""
    rule = _Rule.of(side, deriv)
    reach = max(abs(o) for o in rule.offsets)
    absx = np.array([abs(x)])
    step = float(np.minimum(_pilot_steps(absx, deriv, side == 0), (DBL_MAX - absx) * 0.5 / reach)[0])
    return x + rule.offsets[0] * step


def adaptive_derivative(evaluate: Evaluate, x: np.ndarray, m: int, side: int,
                        f0: np.ndarray | None, start: int, stop: int,
                        precision: Callable[[], float] = lambda: EPS, deriv: int = 1,
                        whole: bool = False, limit: np.ndarray | None = None) -> AdaptiveResult:
    """Derivatives of order ``deriv`` along x_i for start <= i < stop of every output of f;
    precision() gives the precision of f's values seen so far (float32's for a float32 f).
    f0 is f(x), needed by one-sided rules and even derivatives: (m,), or (len(x), m) for an
    elementwise f (one value per point).  whole: evaluate computes f at every point at
    once (an elementwise f), so coordinates are grouped by ladder, not by run.  limit (x's
    length, or None): the farthest from x_i any point may lie (bounds), which caps the steps."""
    rule = _Rule.of(side, deriv)
    if f0 is not None:
        f0 = f0[start:stop, None, :] if f0.ndim == 2 else f0[None, None, :]
    reach = max(abs(o) for o in rule.offsets)
    xr = x[start:stop]
    n = stop - start
    everything = np.arange(n)
    central = side == 0
    k = kernel_rule(side, deriv)
    count, tau = k["count"], k["tau"]
    h_all = np.zeros_like(x)

    # 1. The pilot, and the ladder's place from it.
    absx = np.abs(xr)
    room = (DBL_MAX - absx) * 0.5 / reach  # no step carries x past the largest double, rounding included
    if limit is not None:
        room = np.minimum(room, _inside(limit[start:stop], absx) / reach)
    pilot_step = np.minimum(_pilot_steps(absx, deriv, central), room)
    eps_f = precision
    with np.errstate(all="ignore"):  # no room for a step: NaN, not a warning; f's own warnings off
        quotient, size, _, _ = _rungs(evaluate, xr, h_all, pilot_step, (1.0,), rule, f0, start, everything)
        pilot, pilot_size = quotient[0], size[0]
        # A pilot step relative to a small |x| can be where f rounds to a constant (log(1 + c t) at
        # t = 1e-300, cos at 1e-10 for a second derivative): differences 0, or within f's rounding,
        # tell nothing of f's scale, and a ladder placed from them would see only rounding; nor does
        # a step whose power (h^2 for a second derivative) is below the normal doubles.  The pilot is
        # then taken again at the step of |x| = 1, in place of the probe (its ladder is the probe's).
        eps = max(EPS, eps_f())  # the rounding of f's values: float64's, or coarser
        silent = _in_rounding(pilot, pilot_size, pilot_step, eps, rule)
        blank = ((silent.all(axis=1) | (rule.power(pilot_step) < _TINY)) & (absx < 1.0) & (pilot_step < room))
        # A pilot whose points left f's domain (arccos at 1 - 5e-8: a value that is not finite) is
        # taken again, the same way, at a step 1024 times smaller; where that one is finite, every
        # step of the ladder stays within it (f's domain reaches at least that far).
        broken = ~np.isfinite(pilot).all(axis=1) & (pilot_step > 0.0) & ~blank
        again = blank | broken
        retaken = bool(again.any())  # (rarely: the common call skips what follows on it)
        # What the first pilot still tells: a change below f's rounding, |f^(deriv)| h^deriv < about
        # 2 eps |f| (an upper bound, where |f| > 0), for entries the ladder then cannot vouch for.
        unseen = 4.0 * rule.rounding * EPS * pilot_size / rule.power(pilot_step)[:, None] if retaken else None
        for idx, retake in _groups(again, whole) if retaken else ():
            if retake:
                pilot_step[idx] = np.where(blank[idx], np.minimum(_pilot_steps(np.ones(idx.size), deriv, central),
                                                                  room[idx]), pilot_step[idx] / _SHRINK)
                quotient, size, _, _ = _rungs(evaluate, xr, h_all, pilot_step[idx], (1.0,), rule, f0, start, idx)
                pilot[idx], pilot_size[idx] = quotient[0], size[0]
                if deriv == 1:
                    # f rounded to a constant at the first steps: it computes with something of
                    # scale 1 (1 + c t), and its values carry that rounding, eps |f'|, not eps |f|
                    pilot_size[idx] = np.where(blank[idx, None], np.fmax(size[0], np.abs(quotient[0])), size[0])
                inside = broken[idx] & np.isfinite(quotient[0]).all(axis=1)
                room[idx] = np.where(inside, np.minimum(room[idx], pilot_step[idx]), room[idx])
        if retaken:
            eps = max(EPS, eps_f())
            silent = _in_rounding(pilot, pilot_size, pilot_step, eps, rule)
        wanted = _root(eps * rule.relative * pilot_size / np.abs(pilot) / tau, deriv)  # (n, m): step ** deriv
        # A pilot within its own rounding (a second difference at x = 1e9) measures that rounding, not
        # f's derivative: it places nothing (as a pilot of exactly 0 does), and the ceiling stands.
        placed = np.isfinite(wanted) & ~silent
    smallest = _median(np.where(placed, wanted, np.nan))
    ceiling = np.minimum(k["top_fraction"] * np.maximum(absx, 1.0) / reach, room) / k["ceiling_div"]
    smallest = np.clip(np.where(np.isfinite(smallest), smallest, ceiling), pilot_step, ceiling)
    powers = k["powers"]  # large to small
    power = 2 if central else 1  # the difference's error terms: h^2, h^4, ... or h, h^2, ...
    wide = k["wide"]

    # 2. The probe at the ladder's top step (not where the pilot was taken again).
    top = smallest * powers[0]

    def probed(idx: np.ndarray) -> tuple[tuple, np.ndarray]:
        """The probe's rung at the coordinates idx, and where it agrees with the pilot."""
        with np.errstate(all="ignore"):
            part = _rungs(evaluate, xr, h_all, top[idx], (1.0,), rule, f0, start, idx)
            pilot_rounding = 2.0 * rule.rounding * eps * pilot_size[idx] / rule.power(pilot_step[idx])[:, None]
            gap = np.abs(part[0][0] - pilot[idx])
            close = (gap <= PROBE_TOLERANCE * np.abs(pilot[idx]) + 4.0 * pilot_rounding) | ~np.isfinite(pilot[idx])
        return part, close.all(axis=1)

    if not retaken:
        probe, near = probed(everything)
        kinds = near.astype(int)
    else:
        probe = (np.full((1, n, m), np.nan), np.full((1, n, m), np.nan), np.full((1, n), np.nan),
                 np.full((1, n, m), np.nan))
        kinds = np.full(n, 2)
        for idx, retake in _groups(again, whole):
            if not retake:
                part, kinds[idx] = probed(idx)
                for whole_part, this in zip(probe, part):
                    whole_part[:, idx] = this

    # 3. The ladder below it (0: wide, 1: below the probe, 2: the same steps, without a probe: the
    # pilot taken again took its evaluations).
    ladders = []
    wide_powers = k["wide_powers"]
    for idx, kind in _groups(kinds, whole):
        with np.errstate(all="ignore"):
            if kind == 2:
                ladders.append((idx, _rungs(evaluate, xr, h_all, smallest[idx], powers[1:], rule, f0, start, idx),
                                RATIO))
            elif kind == 1:  # the other steps below the probe's
                ladder = _rungs(evaluate, xr, h_all, smallest[idx], powers[1:], rule, f0, start, idx)
                ladder = tuple(np.concatenate([p[:, idx], q]) for p, q in zip(probe, ladder))
                ladders.append((idx, ladder, RATIO))
            else:  # a ladder whose top is 16 times the geometric mean of the pilot's and the probe's steps
                bottom = 16.0 * np.sqrt(pilot_step[idx] * top[idx]) / k["wide_top"]
                bottom = np.maximum(np.minimum(bottom, top[idx] / k["wide_all"]), pilot_step[idx])
                bottom = np.minimum(bottom, room[idx] / k["wide_top"])  # its top within the room (bounds)
                ladders.append((idx, _rungs(evaluate, xr, h_all, bottom, wide_powers, rule, f0, start, idx), wide))

    # 4. The tableau, twice: first with f's rounding at eps |f|, then with f's noise as the
    # pilot measures it against the first winner, where that is more.
    best, error, step, slope = (np.empty((n, m)) for _ in range(4))
    trusted, fully = np.empty((n, m), dtype=bool), np.empty((n, m), dtype=bool)
    noise, spread = np.zeros((n, m)), np.zeros((n, m))
    if retaken and deriv == 1:  # (see the pilot taken again: f's values carry a rounding of eps |f'| there)
        noise = np.where(blank[:, None] & np.isfinite(pilot), eps * np.abs(pilot), 0.0)
    for attempt in range(2):
        with np.errstate(all="ignore"):
            for idx, ladder, ratio in ladders:
                best[idx], error[idx], step[idx], trusted[idx], fully[idx] = _tableau(*ladder, rule, eps, ratio,
                                                                                     noise[idx])
                column, _, steps, _ = ladder
                slope[idx] = (column[-2] - column[-1]) / (steps[-2] ** power - steps[-1] ** power)[:, None]
                if retaken:  # the noise that would explain the change between the two smallest steps
                    spread[idx] = np.abs(column[-1] - column[-2]) * rule.power(steps[-1])[:, None] / rule.rounding
            measured = 2.0 * np.abs(best - pilot) * rule.power(pilot_step)[:, None] / rule.rounding
            # Where f rounded to a constant at the first pilot's steps (blank), its rounding is not
            # eps |f| (f = log(1 + u) rounds 1 + u at eps, not at eps |f|), and a ladder with no
            # entry at all in Richardson's regime is under that noise: measured by its smallest
            # steps' change, the tableau is weighed again with it.  (Elsewhere a ladder so lost
            # may lie past f's scale, where more noise would let it pass: the pilot's value stands.)
            if retaken:
                lost_to_noise = blank[:, None] & ~trusted & ~np.isfinite(error)
                measured = np.where(lost_to_noise, np.fmax(measured, spread), measured)
            noisy = measured > eps * pilot_size
        if attempt or not noisy.any():
            break
        # (each entry on its own: one that was not noisy is weighed again as it was, to the same result)
        noise = np.where(noisy & np.isfinite(measured), measured, noise)

    # 5. The pilot checks the winner.  Where the pilot was taken again at a step past |x| and the
    # result is not converged, that pilot may lie past f's own scale (sqrt at 1e-8 beside large
    # terms): the estimate then also covers the first pilot's bound.
    best, error, step, converged = _pilot_check(best, error, step, pilot, pilot_size, pilot_step, slope, eps, rule,
                                                xr, trusted, fully)
    doubtful = again[:, None] & ~converged if retaken else None
    if retaken and doubtful.any():
        with np.errstate(all="ignore"):
            error = np.where(doubtful, np.fmax(error, np.abs(best) + unseen), error)
    return AdaptiveResult(_canonical(best), _canonical(error), _canonical(step), converged)


def _canonical(a: np.ndarray) -> np.ndarray:
    """a with every NaN as np.nan: a NaN's sign bit is the arithmetic's accident (numpy's add of a
    broadcast operand keeps the other operand's NaN), and the results must not depend on it."""
    return np.where(np.isnan(a), np.nan, a)


#: a larger step's change in the differences must be at least this fraction of the ratio's power
#: times the next one's, where both are above rounding (Richardson's asymptotic regime)
ASYMPTOTIC_SLACK = 0.4
#: The same for one-sided ladders, whose leading term shrinks by only ratio (2.1) per rung:
#: 0.4 of it would pass a difference that shrinks as sqrt(h) (p**1.5 at a bound of its
#: domain, 2.1**0.5 = 1.45 per rung); 0.8 asks for at least h**0.7.
ONE_SIDED_SLACK = 0.8


def _tableau(column: np.ndarray, size: np.ndarray, steps: np.ndarray, argument: np.ndarray | None, rule: _Rule,
             eps: float, ratio: float, noise: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
    """The Richardson tableau of differences (count, n, m) at steps (count, n), large to small:
    the entry with the smallest estimated error, its error, its step, and whether the ladder
    was trusted, and whether every step of it was.  f's values are taken to carry a rounding of
    eps times the larger of |f| (size) and |x f'| (argument, (count, n, m), or None: the rounding
    of f's argument; its largest over the ladder), or their noise (n, m), where that is known to
    exceed it.

    Before extrapolating, the ladder is tested for Richardson's asymptotic regime from its
    smallest steps up: where the differences between neighbouring steps are above rounding,
    each must shrink by about ratio^power (4 for central differences at ratio 2) towards the
    smaller steps, with one sign.  Steps from the first that fails upwards are left out (they
    lie past the function's scale, where neighbours can agree on a wrong value); a ladder
    whose two smallest pairs fail is not trusted."""
    power = 2 if rule.side == 0 else 1
    slack = ASYMPTOTIC_SLACK if rule.side == 0 else ONE_SIDED_SLACK
    count = column.shape[0]
    # A difference's rounding error: f values within about an ulp each, or within their noise, at every point.
    level = eps * size if noise is None else np.maximum(eps * size, noise[None])
    if argument is not None:  # and the rounding of f's argument, eps |x f'| (see _differences)
        with np.errstate(invalid="ignore"):
            level = np.fmax(level, eps * np.fmax.reduce(argument, axis=0)[None])
    rounding = rule.rounding * level / rule.power(steps)[:, :, None]  # (count, n, m)
    change = column[:-1] - column[1:]  # between step k and k + 1
    floor = 4.0 * (rounding[:-1] + rounding[1:])
    seen = np.abs(change) > floor
    pair_ok = ~(seen[:-1] & seen[1:]) | ((change[:-1] * change[1:] > 0)
                                         & (np.abs(change[:-1]) >= slack * ratio**power
                                            * np.abs(change[1:])))
    # Step k is kept where every pair from it down passes (the two smallest always are).
    from_below = np.flip(np.logical_and.accumulate(np.flip(pair_ok, axis=0), axis=0), axis=0)
    keep = np.concatenate([from_below, np.ones((2,) + column.shape[1:], dtype=bool)])
    trusted = pair_ok[-1] if count > 2 else np.ones(column.shape[1:], dtype=bool)
    fully = from_below[0] if count > 2 else trusted
    smallest = column[-1]
    column = np.where(keep, column, np.nan)
    best = np.full(column.shape[1:], np.nan)
    best_error = np.full(column.shape[1:], np.inf)
    best_step = np.broadcast_to(steps[-1][:, None], best.shape).copy()
    stopped = np.zeros(column.shape[1:], dtype=bool)  # one-sided: no column past the last in the regime
    stopped_before = stopped
    for j in range(1, count):
        factor = ratio ** (power * j) - 1.0
        previous = column
        column = previous[1:] + (previous[1:] - previous[:-1]) / factor
        if rule.side != 0 and column.shape[0] > 2:
            # One-sided ladders also meet the fractional powers of a function at a bound of its
            # domain (p**1.5 at 0 adds h**0.5 to the differences), which no column removes:
            # where column j's changes do not shrink by about ratio**(j + 1), it is the last
            # column extrapolated (its entries' errors, against their neighbours, still hold).
            moved = column[:-1] - column[1:]
            above = np.abs(moved) > 4.0 * 2.0**j * (rounding[j:-1] + rounding[j + 1:])
            shrinks = (moved[:-1] * moved[1:] > 0) & (np.abs(moved[:-1]) >= slack * ratio ** (power * (j + 1))
                                                      * np.abs(moved[1:]))
            bent = (above[:-1] & above[1:] & ~shrinks).any(axis=0)
            if bent.any():
                stopped = np.where(bent, True, False) if j == 1 else stopped | bent
        if rule.side != 0 and j > 1 and stopped.any():
            column = np.where(stopped_before[None], np.nan, column)
        if rule.side != 0:
            stopped_before = stopped.copy()
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
        best = np.where(fallback, smallest, best)
        best_error = np.where(fallback, np.inf, best_error)
    return best, best_error, best_step, trusted, fully


def _pilot_check(best: np.ndarray, error: np.ndarray, step: np.ndarray, pilot: np.ndarray, size: np.ndarray,
                 pilot_step: np.ndarray, slope: np.ndarray, eps: float, rule: _Rule, x: np.ndarray,
                 trusted: np.ndarray, fully: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The pilot's small-step difference checks the ladder's winner, and measures f's noise.

    Their disagreement, |pilot - best| at the pilot's step, is f's noise there (argument
    reduction in sin(1e4 x), cancellation inside f: more than eps |f|), and at the
    ladder's step it costs noise / step: the rounding level measured, not assumed.  Where
    they disagree by more than both their error bounds, either f is that noisy or the
    ladder is wrong; the estimate then covers both (it is at least the disagreement), and
    the entry is marked as not converged rather than given a confident number."""
    with np.errstate(all="ignore"):
        # Twice the pilot's rounding, and twice its truncation by the ladder's slope (c in D(h) =
        # f^(deriv) + c h^2, central, or + c h, one-sided).
        pilot_power = rule.power(pilot_step)[:, None]
        pilot_rounding = 2.0 * rule.rounding * eps * size / pilot_power
        pilot_error = pilot_rounding + 2.0 * np.abs(slope) * pilot_step[:, None] ** (2 if rule.side == 0 else 1)
        pilot_error = np.where(np.isfinite(pilot_error), pilot_error, pilot_rounding)
        gap = np.abs(best - pilot)
        suspect = gap > 4.0 * (pilot_error + error)  # False for NaN
        suspect &= np.isfinite(pilot) & np.isfinite(pilot_error)
        noise = gap * pilot_power
        error = error + np.where(np.isfinite(noise), 2.0 * noise / rule.power(step), 0.0)
        # Where they disagree, or where the pilot's own bound is larger than the value (it cannot
        # tell the value from 0, and so cannot check the ladder) and the ladder's steps are beyond
        # a quarter of |x| (past a singularity at 0, as of log or sqrt), the estimate covers the gap.
        blind = pilot_error >= np.abs(best)
        unchecked = suspect | (blind & (step > TOP_FRACTION * np.abs(x)[:, None]))
        # Unchecked by the pilot, a ladder vouches for itself only where every step of it is in
        # Richardson's regime; otherwise it is not converged and the estimate covers the gap.
        suspect = suspect | (blind & ~fully)
        unchecked = unchecked | suspect
        error = np.where(unchecked, np.maximum(error, gap + pilot_error), error)
    # Where the ladder found no value (its steps left f's domain), or never reached Richardson's
    # regime, the pilot's stands.
    lost = (~np.isfinite(best) | ~trusted) & np.isfinite(pilot)
    with np.errstate(all="ignore"):
        # The ladder left Richardson's regime: its differences converge as h**a with a unknown,
        # so the pilot's error is bounded by the gap as seen at rate a >= 1/2 (sqrt(h): p**1.5 at
        # a bound of its domain): gap / ((step / pilot_step)**0.5 - 1).
        stretch = np.sqrt(step / pilot_step[:, None]) - 1.0
        widened = np.where(stretch > 0, gap / np.maximum(stretch, 1e-300), np.inf)
        pilot_error = np.where(lost & ~trusted, np.fmax(pilot_error, np.fmax(gap, widened)), pilot_error)
    if lost.any():
        best, error = np.where(lost, pilot, best), np.where(lost, pilot_error, error)
        step = np.where(lost, pilot_step[:, None], step)
    finite = np.isfinite(best)
    return best, np.where(finite, error, np.inf), step, ~suspect & ~lost & finite & np.isfinite(error)


#: rungs of the adaptive Hessian (in the ratio RATIO): 1 + 2n + 8 n^2 evaluations
HESSIAN_STEPS = 4


def hessian_evaluations(n: int) -> int:
    """How many evaluations of f adaptive_hessian makes for n coordinates."""
    return 1 + 2 * n + HESSIAN_STEPS * 2 * n * n


def adaptive_hessian(hessian_at: Callable[[np.ndarray], np.ndarray], diagonal_at: Callable[[np.ndarray], np.ndarray],
                     x: np.ndarray, f0: float,
                     precision: Callable[[], float] = lambda: EPS,
                     limit: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
    """The Hessian by Richardson extrapolation of central Hessians at HESSIAN_STEPS step vectors
    (in the ladder's ratio).

    hessian_at(h) is the central Hessian (n, n) at steps h; diagonal_at(h) is f at x +- h_i e_i,
    (n, 2).  A pilot second difference per coordinate places its steps as adaptive_derivative
    places a second derivative's; each entry's tableau gives its value and error estimate, and
    the pilot checks the diagonal.  Returns values (n, n), errors (n, n), the steps (n,) of the
    smallest rung, and converged (n, n): False for a diagonal entry that failed the pilot's
    check and for the entries of its row and column."""
    rule = _Rule.of(0, 2)
    n = x.size
    absx = np.abs(x)
    top = RATIO ** (HESSIAN_STEPS - 1)
    room = (DBL_MAX - absx) * 0.5
    if limit is not None:  # bounds: every step within it (the largest rung's point is x + h)
        room = np.minimum(room, _inside(limit, absx))
    pilot_step = np.minimum(EPS**0.25 * np.where(absx > 0, np.minimum(absx, 1.0), 1.0), room)
    f0s = np.full((1, 1, 1), f0)
    with np.errstate(all="ignore"):
        pilot, size, _, argument = _differences(x, pilot_step, rule.offsets, diagonal_at(pilot_step)[:, :, None],
                                                f0s, rule)
        pilot, size, argument = pilot[0], size[0], argument[0, :, 0]  # (n, 1), (n,): eps |x_i f_i|, f's rounding
        eps = max(EPS, precision())
        wanted = np.sqrt(eps * rule.relative * size[:, 0] / np.abs(pilot[:, 0]) / (CENTRAL_TAU * HIGHER_TAU))
        ceiling = np.minimum(TOP_FRACTION * np.maximum(absx, 1.0), room) / top
        smallest = np.clip(np.where(np.isfinite(wanted), wanted, ceiling), pilot_step, ceiling)
        rows, cols = np.triu_indices(n)
        values, steps = [], []
        for k in range(HESSIAN_STEPS):  # large to small
            h = smallest * RATIO ** (HESSIAN_STEPS - 1 - k)
            h = (x + h) - x  # a step x + h and x - h represent exactly
            values.append(hessian_at(h)[rows, cols])
            steps.append(np.sqrt(h[rows] * h[cols]))
        column, steps_ = np.array(values)[:, :, None], np.array(steps)
        # The rounding of an entry: eps |f| * 8 / h^2 on the diagonal, eps |f| * 2 / (h_i h_j) off it.
        factor = np.where(rows == cols, 1.0, 0.25)
        scale = factor[None, :, None] * np.abs(f0)
        # and that of its argument: the coordinates it moves, eps |x_i f_i| each (see _differences)
        moved = np.where(rows == cols, argument[rows], argument[rows] + argument[cols]) * factor
        best, error, step, trusted, fully = _tableau(column, np.broadcast_to(scale, column.shape), steps_,
                                                     moved[None, :, None], rule, eps, RATIO)
        # A ladder outside Richardson's regime: the estimate covers the spread of its values.
        spread = np.fmax.reduce(column, axis=0) - np.fmin.reduce(column, axis=0)  # (nanmax's value, never its warning)
        error = np.where(trusted, error, np.maximum(error, spread))
        curvature = (column[-2] - column[-1]) / (steps_[-2] ** 2 - steps_[-1] ** 2)[:, None]
    diagonal = rows == cols
    with np.errstate(all="ignore"):
        # f's noise as the pilot measures it on the diagonal (its disagreement with the ladder, in f's
        # units: more than eps |f| where f's terms cancel, as in sum(log x) near 0), for the entries
        # off it, whose rounding estimate is otherwise eps |f|.
        measured = np.abs(best[diagonal, 0] - pilot[:, 0]) * pilot_step**2
        measured = np.where(np.isfinite(measured), measured, 0.0)
        off = ~diagonal
        extra = 2.0 * (measured[rows[off]] + measured[cols[off]]) / step[off, 0] ** 2
        error[off, 0] = error[off, 0] + np.where(np.isfinite(extra), extra, 0.0)
    checked = _pilot_check(best[diagonal], error[diagonal], step[diagonal], pilot, size, pilot_step,
                           curvature[diagonal], eps, rule, x, trusted[diagonal], fully[diagonal])
    best[diagonal], error[diagonal] = checked[0], checked[1]
    good = checked[3][:, 0]
    trusted[diagonal] = checked[3]
    out, err = np.empty((n, n)), np.empty((n, n))
    out[rows, cols] = out[cols, rows] = _canonical(best[:, 0])
    err[rows, cols] = err[cols, rows] = np.where(np.isfinite(best[:, 0]), _canonical(error[:, 0]), np.inf)
    sound = np.empty((n, n), dtype=bool)
    sound[rows, cols] = sound[cols, rows] = trusted[:, 0]
    converged = good[:, None] & good[None, :] & sound & np.isfinite(err)
    return out, err, smallest, converged
