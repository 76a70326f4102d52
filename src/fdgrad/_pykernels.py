"""The pure-Python kernels: the same loops as csrc/fdgrad.c, in the same order.

Only the inner loops live here; everything else is shared in _api.py and
_checks.py.  Python floats are IEEE doubles and every operation below is the
one the C kernel performs, so both backends round identically.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ._checks import Stencil

__all__ = ["combine", "gradient_range"]


def _stencil_value(stencil: Stencil, fk: Sequence[float], h: float) -> float:
    weights = stencil.weights
    acc = weights[0] * fk[0]
    for k in range(1, len(weights)):
        acc = acc + weights[k] * fk[k]
    return acc / (stencil.denom * h)


def gradient_range(
    f: Callable[[Any], Any],
    convert: Callable[[Any], float],
    x: np.ndarray,
    view: np.ndarray,
    h: np.ndarray,
    stencil: Stencil,
    f0: float,
    out: np.ndarray,
    start: int,
    stop: int,
) -> None:
    """Partial derivatives for coordinates start..stop-1 into out.

    x is the flat working buffer and view the array (of x's shape, sharing
    x's memory) that f is called with.  x[i] is restored before the next
    coordinate and when f raises; f's exception propagates unchanged.
    """
    offsets = stencil.offsets
    fk = [0.0] * len(offsets)
    for i in range(start, stop):
        xi = float(x[i])
        hi = float(h[i])
        try:
            for k, o in enumerate(offsets):
                if o == 0.0:
                    fk[k] = f0
                    continue
                x[i] = xi + o * hi
                value = f(view)
                fk[k] = value if type(value) is float else convert(value)
        finally:
            x[i] = xi
        out[i] = _stencil_value(stencil, fk, hi)


def combine(stencil: Stencil, fvals: Sequence[np.ndarray], h: np.ndarray, out: np.ndarray) -> None:
    """out[j] = sum_k w_k fvals[k][j] / (denom h[j]), elementwise."""
    columns = [column.tolist() for column in fvals]
    hs = h.tolist()
    for j in range(len(hs)):
        out[j] = _stencil_value(stencil, [column[j] for column in columns], hs[j])
