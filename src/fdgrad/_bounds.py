"""Bounds: f is never evaluated outside the box lb <= x <= ub.

Near a bound a stencil turns one-sided, with the same order of accuracy,
pointing into the box; where neither side has room for it, its step shrinks
to fit the side with more room (SciPy's rule in ``approx_derivative``).  An
adaptive ladder stays central while both sides leave room for its natural
steps and turns one-sided otherwise; its steps are capped by the room left.
"""

from __future__ import annotations

import math
from typing import Any, Optional

import numpy as np

from ._checks import _real_array, _show, resolve_method
from ._stencils import Stencil

__all__ = ["Box", "check_bounds"]

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
        by_side = {0: stencil} if stencil.method == "central" else {}
        order = min(stencil.order, MAX_ONE_SIDED_ORDER)
        for side, name in ((1, "forward"), (-1, "backward")):
            by_side[side] = stencil if stencil.method == name else \
                resolve_method(name, order, False, stencil.hpow, ("central", "forward", "backward"))
        one_reach = max(abs(o) for o in by_side[1].offsets)
        sides, hs = self._choose(x, hs, stencil.reach if stencil.method == "central" else None, one_reach,
                                 -1 if stencil.method == "backward" else 1)
        return sides, hs, by_side

    def hessian_scheme(self, x: np.ndarray, hs: np.ndarray, stencil: Stencil) -> tuple[np.ndarray, np.ndarray, int]:
        """A Hessian's sides and steps per coordinate, and the order of its one-sided formula.
        The central Hessian of order p reaches (p / 2) h (its Richardson rungs); where some
        coordinate has no room for that, the whole Hessian turns one-sided (each coordinate's
        steps into the box, shrunk where needed) with order min(p, 4), which reaches 2 q h (the
        diagonal's x + 2 h at the rung q h)."""
        one_order = min(stencil.order, MAX_ONE_SIDED_ORDER)
        if stencil.method == "central":
            sides, fitted = self._choose(x, hs, stencil.order // 2, 2 * one_order, 1)
            if not sides.any():
                return sides, fitted, stencil.order  # room everywhere: the central Hessian of its order
        sides, hs = self._choose(x, hs, None, 2 * one_order, -1 if stencil.method == "backward" else 1)
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


def check_bounds(bounds: Any, x: np.ndarray, shape: tuple[int, ...], name: str = "x") -> Optional[Box]:
    """bounds=(lb, ub) (numbers or arrays broadcastable to x's shape, -inf/inf for none; or an
    object with .lb and .ub, as scipy.optimize.Bounds) as a Box over x's flat entries; None when
    nothing is bounded.  x (flat, float64) must lie inside, and lb < ub."""
    if bounds is None:
        return None
    if hasattr(bounds, "lb") and hasattr(bounds, "ub"):
        lb_in, ub_in = bounds.lb, bounds.ub
    elif isinstance(bounds, (tuple, list)) and len(bounds) == 2:
        lb_in, ub_in = bounds
    else:
        raise TypeError(f"bounds must be a pair (lb, ub) of numbers or arrays (-inf/inf where unbounded), or "
                        f"scipy.optimize.Bounds, got {_show(bounds)}")
    ends = []
    for label, value in (("lb", lb_in), ("ub", ub_in)):
        arr = _real_array(value, f"bounds' {label}").astype(np.float64)
        if np.isnan(arr).any():
            raise ValueError(f"bounds' {label} must not be NaN, got {_show(value)}")
        try:
            arr = np.broadcast_to(arr, shape)
        except ValueError:
            raise ValueError(f"bounds' {label} must be a number or broadcast to x's shape {shape}, got shape "
                             f"{arr.shape}") from None
        ends.append(np.ascontiguousarray(arr).reshape(-1))
    lb, ub = ends
    if not (lb < ub).all():
        i = int(np.argmin(lb < ub))
        raise ValueError(f"bounds must have lb < ub, got lb = {float(lb[i])!r} and ub = {float(ub[i])!r} at "
                         f"{name}[{_where(i, shape)}]")
    outside = (x < lb) | (x > ub)
    if outside.any():
        i = int(np.argmax(outside))
        raise ValueError(f"{name} must lie within bounds, got {name}[{_where(i, shape)}] = {float(x[i])!r} outside "
                         f"[{float(lb[i])!r}, {float(ub[i])!r}]")
    if np.isinf(lb).all() and np.isinf(ub).all():
        return None
    return Box(lb, ub)


def _where(i: int, shape: tuple[int, ...]) -> str:
    return str(i) if len(shape) <= 1 else ", ".join(str(int(k)) for k in np.unravel_index(i, shape))
