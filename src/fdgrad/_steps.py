"""Every step decision of every path, in one place.

* **Defaults.**  The conventional scaled step ``c * max(1, |x|)`` with ``c =
  eps**(1/(order + derivative))`` for the precision eps of x and of f's
  values (float64's unless either is float32 or float16, as SciPy does),
  rounded to a representable move, ``(x + h) - x`` (the kernels'
  ``default_steps``); for a number x (:func:`number_step`) the same arithmetic
  in Python.  A method whose points do not move x along the real line (the
  complex step) takes ``c * max(1, |x|)`` as it is.
* **A given h**, used exactly as given, unless ``x + o h`` would pass the
  largest double or the stencil's divisor would overflow or vanish: then a
  ``ValueError`` says where.
* **f's precision**: the second pass for a float32 f asks for steps again
  with that precision (the evaluation reports it).
* **Bounds** (:class:`Box`): sides near a bound, steps shrunk to the room,
  adaptive ladders' sides and caps.
* **In place** on a float32 or float16 array: steps rounded to moves that
  array represents (:func:`rounded_to`).
* **Directions**: the scale of directional()'s line ``x + t v``
  (:func:`line_scale`).

The adaptive ladders place their steps from the data (:mod:`fdgrad._adaptive`);
their top and the room they may use come from here.
"""

from __future__ import annotations

import math
from typing import Any, Optional

import numpy as np

from ._adaptive import TOP_FRACTION
from ._options import check_h
from ._stencils import EPS, ONE_SIDED, Stencil, make_stencil
from ._values import DBL_MAX, largest_magnitude, show

__all__ = ["QUICK_RATIO2", "QUICK_STEPS", "Box", "divides", "ladder_top", "line_scale", "number_step", "rounded_to", "steps", "zero_step_error"]


#: check_grad's first look: central differences at these steps relative to max(1, |x|), about
#: eps**(1/4) and two smaller in a ratio of 1.7 (not a power of 2, nor steps that are: an f
#: tabled or periodic on a binary grid could repeat itself at them), extrapolated where they
#: converge as h^2 (fdgrad._api.API._quick_check).  QUICK_RATIO2 is the ratio squared.
QUICK_RATIO2 = 1.7 * 1.7
QUICK_STEPS = (1.9e-4, 1.9e-4 / 1.7, 1.9e-4 / 1.7 / 1.7)

def steps(kernels: Any, h: Any, work: np.ndarray, shape: tuple[int, ...], stencil: Stencil,
          eps: float = 2.0**-52) -> np.ndarray:
    """The step of every coordinate, as a flat float64 array like work.

    h=None gives the conventional scaled step c * max(1, |x|), with c =
    eps**(1/(order + derivative)) for the precision eps of x and f's values
    (float64's unless either is float32 or float16, as SciPy does), rounded to
    a representable one, (x + h) - x (kernels.default_steps).  A given h is
    used exactly as given.
    """
    if h is None:
        if not stencil.row.moves_x:  # x + i h is exact whatever h is
            return stencil.rel_step * np.maximum(1.0, np.abs(work))
        hs = np.empty(work.shape[0])
        bad = kernels.default_steps(work, relative_step(stencil, eps), stencil.reach, hs)
        if bad >= 0:
            raise zero_step_error(bad, float(work[bad]), shape)
        return hs
    if type(h) is float and 0.0 < h < math.inf:  # the commonest given step, checked at once
        hs = np.empty(work.shape[0])
        if kernels.fixed_steps(work, h, stencil.reach, hs) < 0 and divides(h, stencil):
            return hs
        return _within_doubles(np.full(work.shape, h), work, shape, stencil.reach, stencil)  # says where
    harr = check_h(h, shape)
    if harr.ndim == 0:
        return _within_doubles(np.full(work.shape, float(harr)), work, shape, stencil.reach, stencil)
    _step_shape(harr.shape, shape)
    return _within_doubles(np.array(harr, order="C").reshape(-1), work, shape, stencil.reach, stencil)


def given_step(h: Any, shape: tuple[int, ...]) -> None:
    """A given h (its values checked already, by _options.check_options), checked against x's
    shape before f is evaluated, as the steps check it (they are made after f(x) where f's shape
    is needed; adaptive=True leaves h unused): a number or an array of x's shape."""
    if h is not None and not (type(h) is float and 0.0 < h < math.inf):
        given = np.shape(h)
        if given:
            _step_shape(given, shape)


def _step_shape(given: tuple[int, ...], shape: tuple[int, ...]) -> None:
    if given != shape:
        raise ValueError(f"h must be a scalar or an array of x's shape {shape}, got shape {given}")


def relative_step(stencil: Stencil, eps: float) -> float:
    """c of the default step c * max(1, |x|): eps**(1/(order + derivative)) for the precision eps
    of x and f's values (the stencil's own, computed once, for float64's)."""
    return stencil.rel_step if eps <= EPS else eps ** (1.0 / (stencil.order + stencil.hpow))


def zero_step_error(i: int, value: float, shape: tuple[int, ...]) -> ValueError:
    """The error for a coordinate with no room for a default step."""
    return ValueError(f"x must leave room for a step: x[{_unravel(i, shape)}] = {value!r} is too close to the "
                      "largest double")


def divides(h: float, stencil: Any) -> bool:
    """Whether the stencil's divisor at step h, denom h^k (and 4 h^2 for a Hessian's entry), is
    a positive finite double (the step rules of _within_doubles, for one number)."""
    if not stencil.row.moves_x:
        return True
    divisor = stencil.denom * h
    for _ in range(1, stencil.hpow):
        divisor = divisor * h
    low = high = divisor
    if stencil.hpow == 2:
        low, high = min(divisor, 4.0 * h * h), max(divisor, 4.0 * h * h)
    return 0.0 < low and high < math.inf


def _within_doubles(hs: np.ndarray, work: np.ndarray, shape: tuple[int, ...], reach: float,
                    stencil: Any = None) -> np.ndarray:
    """hs, unless x + o h would pass the largest double, or the stencil's divisor, denom h^k
    (4 h_i h_j for a Hessian's entry), would overflow or vanish: then a ValueError says where."""
    if stencil is not None and stencil.row.moves_x:
        with np.errstate(over="ignore", under="ignore"):
            divisor = stencil.denom * hs
            for _ in range(1, stencil.hpow):
                divisor = divisor * hs
            if stencil.hpow == 2:
                divisor = np.minimum(divisor, 4.0 * hs * hs), np.maximum(divisor, 4.0 * hs * hs)
            else:
                divisor = divisor, divisor
        bad = ~((divisor[0] > 0.0) & np.isfinite(divisor[1]))
        if bad.any():
            i = int(np.argmax(bad))
            what = "vanishes" if not divisor[0][i] > 0.0 else "overflows"
            raise ValueError(f"h = {float(hs[i])!r} at x[{_unravel(i, shape)}] is too "
                             f"{'small' if what == 'vanishes' else 'large'}: the difference's divisor "
                             f"(h to the power {stencil.hpow}, times {stencil.denom:g}) {what} in float64")
    with np.errstate(over="ignore"):
        beyond = ~np.isfinite(np.abs(work) + reach * hs)
    if beyond.any():
        i = int(np.argmax(beyond))
        raise ValueError(
            f"h = {float(hs[i])!r} carries x[{_unravel(i, shape)}] = {float(work[i])!r} past the largest double"
        )
    return hs


def _unravel(i: int, shape: tuple[int, ...]) -> Any:
    if len(shape) <= 1:
        return i
    return ", ".join(str(int(k)) for k in np.unravel_index(i, shape))


def number_step(kernels: Any, h: Any, x: float, stencil: Stencil, eps: float = EPS) -> float:
    """steps() for a finite float x, without arrays where the step is a float or the default."""
    if type(h) is float and 0.0 < h < math.inf and abs(x) + stencil.reach * h <= DBL_MAX and divides(h, stencil):
        return h  # the commonest given step, checked at once
    if h is None and eps <= EPS and stencil.row.moves_x:
        # kernels.default_steps, operation for operation
        ax = abs(x)
        raw = min(stencil.rel_step * max(ax, 1.0), (DBL_MAX - ax) / stencil.reach * 0.5)
        step = (x + raw) - x
        if ax + stencil.reach * step > DBL_MAX:
            step = 0.0
        if step == 0.0:
            raise zero_step_error(0, x, ())
        return step
    return float(steps(kernels, h, np.array([x]), (), stencil, eps)[0])


def rounded_to(dtype: np.dtype, x: np.ndarray, hs: np.ndarray) -> np.ndarray:
    """Steps rounded so that x + h is exact in dtype (an array perturbed in place): the step the
    loop divides by is then the one f sees.  A step lost in dtype's precision is an error."""
    if dtype == np.float64:
        return hs
    rounded = (x + hs).astype(dtype).astype(np.float64) - x
    if not (rounded > 0.0).all():
        i = int(np.argmin(rounded > 0.0))
        raise ValueError(f"h = {float(hs[i])!r} is below the precision of x's dtype {dtype} at "
                         f"x[{i}] = {float(x[i])!r}; a step that large or larger is needed (h=, or a copy of x "
                         "in float64)")
    return rounded


def ladder_top(x: np.ndarray) -> np.ndarray:
    """The largest step (in t) an adaptive ladder takes at each x."""
    return TOP_FRACTION * np.maximum(np.abs(x), 1.0)


def line_step(h: Any) -> Any:
    """directional()'s h, the step in t along v: None, or one positive finite number (a float; a
    one-entry array is its number)."""
    if h is None or type(h) is float and 0.0 < h < math.inf:
        return h
    harr = check_h(h, "(1,)")
    if harr.size != 1:
        raise ValueError(f"h must be a number, the step in t along v, got {show(h)}")
    return float(harr.reshape(-1)[0])


def line_scale(work: np.ndarray, shape: tuple[int, ...], v: np.ndarray, size: float, h: Any, stencil: Stencil,
               adaptive: bool) -> tuple[np.ndarray, float]:
    """directional()'s line x + t w and the factor from g'(0) to f'(x; v).

    g(t) = f(x + t w) at t = 0, with w = max(1, max|x|) v / max|v|, which makes t's natural
    scale 1, and f'(x; v) = g'(0) max|v| / max(1, max|x|) (computed in that order, so that
    neither a tiny nor a huge v overflows); w = v when h is given (h is then a step in t).
    x must leave room for the stencil's reach along w."""
    stretch = max(1.0, largest_magnitude(work))
    along = stretch * (v / size) if h is None else v
    factor = size / stretch if h is None else 1.0
    reach = stencil.reach * (TOP_FRACTION if adaptive else stencil.rel_step if h is None else h)  # (h: line_step's)
    with np.errstate(over="ignore"):
        room = np.isfinite(np.abs(work) + reach * np.abs(along))
    if not room.all():
        i = int(np.argmin(room))
        raise ValueError(f"x must leave room for a step along v: x + t v passes the largest double at "
                         f"x[{np.unravel_index(i, shape) if len(shape) > 1 else i}] = {float(work[i])!r}")
    return along, factor


#: One-sided stencils offer orders up to this (a central order 6 or 8 falls back to it).
MAX_ONE_SIDED_ORDER = 4

#: The fraction of the room a capped step may use: x + reach h stays inside after rounding.
_SAFE = 1.0 - 2.0**-40

#: An adaptive ladder needs at least this many units of x's spacing of room for its steps: its
#: smallest steps are its room over a few hundred (a wide ladder's ratio 4.3 over 4 rungs, and the
#: stencil's reach), and must stay whole units of that spacing.
_MIN_ROOM = 4096.0


class Box:
    """lb <= x <= ub over x's flat entries (float64 arrays, -inf/inf where unbounded)."""

    __slots__ = ("lb", "ub")

    def __init__(self, lb: np.ndarray, ub: np.ndarray) -> None:
        self.lb, self.ub = lb, ub

    def room(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The distances from x down to lb and up to ub (inf where unbounded)."""
        with np.errstate(invalid="ignore", over="ignore"):
            return x - self.lb, self.ub - x

    def central_room(self, x: np.ndarray) -> np.ndarray:
        """How far central steps may reach from each x_i (an adaptive Hessian's); a coordinate
        on its bound has none, which is an error."""
        down, up = self.room(x)
        room = np.minimum(down, up)
        if not (room > 0).all():
            i = int(np.argmin(room > 0))
            raise ValueError(f"an adaptive Hessian takes central steps, and x[{i}] = {float(x[i])!r} is on its "
                             f"bound; use adaptive=False (its steps turn one-sided at a bound)")
        self._need_room(x, room)
        return room

    def _need_room(self, x: np.ndarray, room: np.ndarray) -> None:
        """A clear error where the room left for steps is a few units of x's spacing: no step
        fits there (fixed steps: _fit's error, the same words)."""
        tight = room <= _MIN_ROOM * np.spacing(np.abs(x))
        if tight.any():
            i = int(np.argmax(tight))
            raise ValueError(f"bounds leave no room for a step at x = {float(x[i])!r} (lb = {float(self.lb[i])!r}, "
                             f"ub = {float(self.ub[i])!r}): an adaptive ladder needs {_MIN_ROOM:g} units of x's "
                             "spacing; adaptive=False fits its steps into less")

    # Fixed steps.

    def scheme(self, x: np.ndarray, hs: np.ndarray, stencil: Stencil) -> tuple[np.ndarray, np.ndarray,
                                                                                 dict[int, Stencil]]:
        """Each coordinate's side (0 central, +1 forward, -1 backward) and step, and the stencil of
        each side: stencil where it fits, else the one-sided stencil of its order (at most
        MAX_ONE_SIDED_ORDER) into the box.  x + o h stays inside the box for every offset o."""
        own = stencil.row.side
        by_side = {0: stencil} if own == 0 else {}
        order = min(stencil.order, MAX_ONE_SIDED_ORDER)
        for side, name in ONE_SIDED.items():
            by_side[side] = stencil if own == side else make_stencil(name, order, stencil.hpow)
        one_reach = max(abs(o) for o in by_side[1].offsets)
        sides, hs = self._choose(x, hs, stencil.reach if own == 0 else None, one_reach, -1 if own < 0 else 1)
        return sides, hs, by_side

    def planned(self, x: np.ndarray, hs: np.ndarray, stencil: Stencil) -> "Planned":
        """This box with its scheme for x, hs and stencil made now, for the first pass of fixed
        steps (a float32 f's second pass, at other steps, plans again)."""
        return Planned(self, x, hs, stencil)

    def hessian_scheme(self, x: np.ndarray, hs: np.ndarray, stencil: Stencil) -> tuple[np.ndarray, np.ndarray, int]:
        """A Hessian's sides and steps per coordinate, and the order of its one-sided formula.
        The central Hessian of order p reaches (p / 2) h (its Richardson rungs); where some
        coordinate has no room for that, the whole Hessian turns one-sided (each coordinate's
        steps into the box, shrunk where needed) with order min(p, 4), which reaches 2 q h (the
        diagonal's x + 2 h at the rung q h)."""
        one_order = min(stencil.order, MAX_ONE_SIDED_ORDER)
        own = stencil.row.side
        if own == 0:
            sides, fitted = self._choose(x, hs, stencil.order // 2, 2 * one_order, 1)
            if not sides.any():
                return sides, fitted, stencil.order  # room everywhere: the central Hessian of its order
        sides, hs = self._choose(x, hs, None, 2 * one_order, -1 if own < 0 else 1)
        return sides, hs, one_order

    def _choose(self, x: np.ndarray, hs: np.ndarray, central_reach: Optional[float], one_reach: float,
                preferred: int) -> tuple[np.ndarray, np.ndarray]:
        """Sides and steps: central (central_reach not None) where x +- central_reach h is inside;
        else the preferred side where x + side one_reach h is, else the other side; else the
        step shrinks to fit the side with more room."""
        lb, ub = self.lb, self.ub
        with np.errstate(over="ignore", invalid="ignore"):
            forward_fits = x + one_reach * hs <= ub
            backward_fits = x + (-one_reach) * hs >= lb
            if central_reach is not None:
                central = (x + central_reach * hs <= ub) & (x + (-central_reach) * hs >= lb)
            else:
                central = np.zeros(x.size, dtype=bool)
        first, second = (forward_fits, backward_fits) if preferred > 0 else (backward_fits, forward_fits)
        sides = np.where(central, 0, np.where(first, preferred, np.where(second, -preferred, 2))).astype(np.int8)
        hs = hs.copy()
        down, up = self.room(x)
        for i in np.flatnonzero(sides == 2).tolist():  # neither side has room: the step shrinks
            side = 1 if up[i] >= down[i] else -1
            sides[i] = side
            hs[i] = _fit(float(x[i]), float(up[i] if side > 0 else down[i]) / one_reach * _SAFE, side, one_reach,
                         float(lb[i]), float(ub[i]))
        return sides, hs

    # Adaptive ladders.

    def ladder_sides(self, x: np.ndarray, side: int, top: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each coordinate's side for an adaptive ladder whose natural largest reach is top (per
        coordinate), and the largest distance its steps may take (inf where unbounded).

        Central (when asked for) while both sides leave a sixteenth of top; otherwise one-sided
        towards the larger room.  A one-sided ladder keeps its side while that side leaves a
        sixteenth of top, and turns to the other side where that leaves more."""
        down, up = self.room(x)
        if side == 0:
            central = np.minimum(down, up) >= top / 16.0
            sides = np.where(central, 0, np.where(up >= down, 1, -1)).astype(np.int8)
        else:
            own, other = (up, down) if side > 0 else (down, up)
            keep = (own >= top / 16.0) | (own >= other)
            sides = np.where(keep, side, -side).astype(np.int8)
        limit = np.where(sides == 0, np.minimum(down, up), np.where(sides > 0, up, down)) * _SAFE
        self._need_room(x, limit)
        return sides, limit


def _fit(x: float, h: float, side: int, reach: float, lb: float, ub: float) -> float:
    """h, lowered until x + side * reach * h is inside [lb, ub] as computed, and exact as a move."""
    for _ in range(64):
        h = (x + side * h) * side - x * side  # a step that x +- h represents exactly
        if h > 0 and lb <= x + side * reach * h <= ub:
            return h
        # Rounding carried the point out: back off by a few units of x's spacing.
        # (By whole units of x's spacing, since x +- h rounds h to them.)
        h -= max(2.0 * math.ulp(abs(x) + reach * abs(h)) / reach, 2.0 * math.ulp(x), math.ulp(h))
        if not h > 0:
            break
    raise ValueError(f"bounds leave no room for a step at x = {x!r} (lb = {lb!r}, ub = {ub!r})")


class Planned:
    """A Box with the scheme of one (x, steps, stencil) already made: scheme() gives it for those
    steps (compared by identity of values), and asks the box for any other."""

    __slots__ = ("box", "hs", "stencil", "sides", "made")

    def __init__(self, box: Box, x: np.ndarray, hs: np.ndarray, stencil: Stencil) -> None:
        self.box, self.hs, self.stencil = box, hs, stencil
        self.made = box.scheme(x, hs, stencil)
        self.sides = self.made[0]

    def scheme(self, x: np.ndarray, hs: np.ndarray, stencil: Stencil) -> tuple:
        if stencil is self.stencil and (hs is self.hs or np.array_equal(hs, self.hs)):
            return self.made
        return self.box.scheme(x, hs, stencil)

    def __getattr__(self, name: str) -> Any:  # the box's other methods (room, hessian_scheme, ...)
        return getattr(self.box, name)
