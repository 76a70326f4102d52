"""Finite-difference stencils, derived exactly from Taylor series.

A stencil with offsets o_k, integer weights w_k and denominator d approximates
the d-th derivative (``hpow``) as sum_k w_k f(x + o_k h) / (d h^hpow).  The
weights solve the Vandermonde system sum_k w_k o_k^q = q! [q == hpow] for
q < npoints, in exact rational arithmetic, then are scaled to integers; so
the order-2 central and order-1 one-sided stencils are the textbook
(f(x+h) - f(x-h)) / (2h) and (f(x+h) - f(x)) / h, to the last bit.
"""

from __future__ import annotations

import math
from fractions import Fraction
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np

__all__ = ["COMPLEX_STEP", "EPS", "FINITE_DIFFERENCES", "METHODS", "METHOD_TABLE", "Method", "ONE_SIDED", "ORDERS", "Stencil", "hessian_moves",
           "make_stencil", "richardson_weights", "norm", "side"]

EPS = 2.0**-52


class Method(NamedTuple):
    """One row of the method table: what a method offers.  The options check a call against
    its row, the numerics read it, and the evaluation named by ``evaluation`` computes it; a
    new method is a row here, an evaluation and a kernel."""

    name: str
    #: the accuracy orders it offers, the first the default
    orders: tuple[int, ...]
    #: the orders of derivative it computes (derivative(n=))
    derivatives: tuple[int, ...]
    #: 0 central, +1 forward, -1 backward: the side its points lie on (ladders, bounds)
    side: int
    #: Richardson extrapolation over a ladder of steps (adaptive=True)
    adaptive: bool
    #: second derivatives of a function of many variables (hessian, hessian_diag)
    hessian: bool
    #: columns evaluated together by a sparsity pattern
    sparsity: bool
    #: the caller's own array perturbed (inplace=True), which holds real numbers
    inplace: bool
    #: whether its points move x along the real line: then steps are rounded to representable
    #: moves, sized for f's precision, checked against the divisor and turned one-sided at a bound
    moves_x: bool
    #: f is called with complex points
    complex_input: bool
    #: the evaluation's method that computes it ("stencil": f at x + o h; "complex": Im f(x + i h) / h)
    evaluation: str


#: The method table.
METHOD_TABLE: dict[str, Method] = {row.name: row for row in (
    Method("central", (2, 4, 6, 8), (1, 2, 3, 4), 0, True, True, True, True, True, False, "stencil"),
    Method("forward", (1, 2, 3, 4), (1, 2, 3, 4), 1, True, True, True, True, True, False, "stencil"),
    Method("backward", (1, 2, 3, 4), (1, 2, 3, 4), -1, True, True, True, True, True, False, "stencil"),
    Method("complex", (2,), (1,), 0, False, False, False, False, False, True, "complex"),
)}

#: The methods whose points move x along the real line (finite differences).
FINITE_DIFFERENCES = tuple(name for name, row in METHOD_TABLE.items() if row.moves_x)
#: The one-sided finite differences by side (+1, -1): where a stencil turns near a bound.
ONE_SIDED = {row.side: row.name for row in METHOD_TABLE.values() if row.moves_x and row.side}

#: The methods and, for each, the accuracy orders it offers (first is the default).
ORDERS = {name: row.orders for name, row in METHOD_TABLE.items()}
METHODS = tuple(METHOD_TABLE)


class Stencil(NamedTuple):
    """derivative = sum(w * f(x + o*h)) / (denom * h**hpow), summed in order."""

    offsets: tuple[float, ...]
    weights: tuple[float, ...]
    denom: float
    hpow: int
    #: the default relative step: h = rel_step * max(1, |x|)
    rel_step: float
    method: str
    order: int
    #: the largest |offset| (at least 1): how far from x the stencil reaches, in steps
    reach: float = 1.0
    #: whether an offset is 0 (f(x) is then evaluated once and reused)
    uses_f0: bool = False
    #: how many offsets are not 0: evaluations per coordinate
    evaluated: int = 0
    #: the method's row of the method table
    row: Any = None


def _offsets(method: str, npoints: int) -> list[int]:
    if method == "central":
        half = npoints // 2
        return [s * k for k in range(1, half + 1) for s in (1, -1)] + ([0] if npoints % 2 else [])
    if method == "forward":
        return list(range(1, npoints)) + [0]
    return [0] + [-k for k in range(1, npoints)]


def _solve(rows: list[list[Fraction]]) -> list[Fraction]:
    """The solution of a square linear system given as augmented rows, by Gauss-Jordan
    elimination over the rationals."""
    size = len(rows)
    for col in range(size):
        pivot = next(r for r in range(col, size) if rows[r][col] != 0)
        rows[col], rows[pivot] = rows[pivot], rows[col]
        lead = rows[col][col]
        rows[col] = [v / lead for v in rows[col]]
        for r in range(size):
            if r != col and rows[r][col] != 0:
                factor = rows[r][col]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[col])]
    return [rows[k][size] for k in range(size)]


def _weights(offsets: list[int], deriv: int) -> list[Fraction]:
    """Solve sum_k w_k o_k^q = deriv! [q == deriv], q = 0..len-1, exactly."""
    size = len(offsets)
    return _solve([[Fraction(o) ** q for o in offsets] + [Fraction(math.factorial(deriv) if q == deriv else 0)]
                   for q in range(size)])


@lru_cache(maxsize=None)
def richardson_weights(count: int, power: int) -> tuple[float, ...]:
    """a_1..a_count with sum_k a_k D(k h) = D(0) + O(h^(power count)) where D(h) = D(0) + c_1 h^power
    + c_2 h^(2 power) + ...: sum_k a_k = 1 and sum_k a_k k^(power q) = 0 for q = 1..count-1.
    With power 2 over the central second difference this is the central stencil of order
    2 count (steps h, 2h, ..., count h)."""
    rows = [[Fraction(k) ** (power * q) for k in range(1, count + 1)] + [Fraction(1 if q == 0 else 0)]
            for q in range(count)]
    return tuple(float(a) for a in _solve(rows))


@lru_cache(maxsize=None)
def make_stencil(method: str, order: int, deriv: int = 1) -> Stencil:
    """The stencil of accuracy ``order`` for derivative ``deriv`` (1 to 4)."""
    if METHOD_TABLE[method].evaluation == "complex":
        return COMPLEX_STEP
    if method == "central":
        # Symmetric: ``order`` points for a first derivative, the centre too for a
        # second one, two more points for a third (the centre's weight then 0) and fourth.
        npoints = order + 2 * ((deriv + 1) // 2) - 1
    else:
        npoints = order + deriv
    offsets = _offsets(method, npoints)
    weights = _weights(offsets, deriv)
    keep = [(o, w) for o, w in zip(offsets, weights) if w != 0]
    denom = math.lcm(*(w.denominator for _, w in keep))
    return Stencil(
        offsets=tuple(float(o) for o, _ in keep),
        weights=tuple(float(w * denom) for _, w in keep),
        denom=float(denom),
        hpow=deriv,
        rel_step=EPS ** (1.0 / (order + deriv)),
        method=method,
        order=order,
        reach=max([1.0] + [abs(float(o)) for o, _ in keep]),
        uses_f0=any(o == 0 for o, _ in keep),
        evaluated=sum(1 for o, _ in keep if o != 0),
        row=METHOD_TABLE[method],
    )


#: The complex step's "stencil": f'(x) = Im f(x + i h) / h, one evaluation per coordinate at a tiny step.
COMPLEX_STEP = Stencil((), (), 1.0, 1, 1e-20, "complex", 2, 1.0, False, 1, METHOD_TABLE["complex"])


def norm(g: Any) -> float:
    """sqrt(g_0**2 + g_1**2 + ...), summed in order: the norm the compiled descent checks tol
    against (_ckernels.descent's loop, operation for operation), for the Python loops."""
    total = 0.0
    for value in np.asarray(g, dtype=np.float64).reshape(-1).tolist():
        total = total + value * value
    return math.sqrt(total)


def side(stencil: Stencil) -> int:
    """0 for central differences, +1 forward, -1 backward (the method table's side)."""
    return METHOD_TABLE[stencil.method].side


def hessian_moves(i: int, j: int, side: int) -> list[tuple[float, float]]:
    """The (offset of x_i, offset of x_j), in steps, of each point of Hessian entry (i, j), in the
    order csrc/fdgrad.c (hessian_moves) evaluates them; side 0 central, +1 or -1 one-sided."""
    if i == j:
        return [(1.0, 0.0), (-1.0, 0.0)] if side == 0 else [(2.0 * side, 0.0)]
    if side == 0:
        return [(1.0, 1.0), (1.0, -1.0), (-1.0, 1.0), (-1.0, -1.0)]
    return [(float(side), float(side))]
