"""The Hessian over one evaluation: dense, adaptive, or entry by entry (a pattern, bounds).

Of order 2 (central) or 1 (one-sided), the kernels' Hessian at one step; of a
higher order, Richardson's combination of it at steps h, 2h, ..., which on the
diagonal is the central stencil of that order.  adaptive: see
:func:`fdgrad._adaptive.adaptive_hessian`.  With a sparsity pattern or bounds,
:func:`fdgrad._sparsity.sparse_hessian` computes the entries one by one with
the same formulas.  Arguments arrive checked.
"""

from __future__ import annotations

import math
from typing import Any, Optional

import numpy as np

from . import _adaptive
from ._evaluation import Serial
from ._progress import Progress, hessian_evaluations
from ._results import finish, warn_if_unchanging
from ._sparsity import hessian_pattern, sparse_hessian
from ._steps import Box, given_step
from ._stencils import Stencil, richardson_weights
from ._values import scalar_value

__all__ = ["hessian"]

#: f(x + h_i) where a central Hessian does not use it.
_NO_F1 = np.empty(0)
_NO_F1.flags.writeable = False


def hessian(ev: Serial, h: Any, stencil: Stencil, adaptive: bool, box: Optional[Box], sparsity: Any,
            full_output: bool, tracker: Optional[Progress] = None) -> Any:
    """The Hessian of shape x.shape + x.shape (or in the pattern's sparse format), with a DiffInfo
    under full_output."""
    n, shape = ev.point.n, ev.point.shape + ev.point.shape
    if h is not None and type(h) is not float:
        given_step(h, ev.point.shape)  # (an array's shape, before f is evaluated)
    if (sparsity is not None or box is not None) and not adaptive:
        # entry by entry: on the pattern, or (bounds) with each coordinate's side
        pattern = hessian_pattern(sparsity, n)
        if tracker is not None:
            tracker.plan(1 + max(1, stencil.order // 2) * (2 * pattern.diag.size + 4 * pattern.pairs_i.size))
        f0 = float(ev.outputs(True)[0][0])
        result, hs, nfev = sparse_hessian(ev, h, stencil, pattern, f0, box)
        dense = pattern.format is None
        return finish(result, np.full(np.shape(result), math.nan) if dense else math.nan, nfev + 1,
                      hs.reshape(ev.point.shape), full_output, np.ones(np.shape(result), dtype=bool) if dense else True)
    values, errors, hs, nfev, converged = dense_hessian(ev, h, stencil, adaptive,
                                                        None if box is None else box.central_room(ev.point.work))
    if not full_output:
        return values.reshape(shape)
    return finish(values.reshape(shape), np.full(shape, np.nan) if errors is None else errors.reshape(shape),
                  nfev, hs.reshape(ev.point.shape), full_output,
                  np.ones(shape, dtype=bool) if converged is None else converged.reshape(shape))


def dense_hessian(ev: Serial, h: Any, stencil: Stencil, adaptive: bool = False,
                  limit: Optional[np.ndarray] = None) -> tuple:
    """The Hessian (n * n, symmetric), its errors (n * n, or None), the steps, the number of
    evaluations and converged (n * n, or None); an adaptive Hessian's steps stay within limit
    (bounds) of x."""
    point = ev.point
    n, s = point.n, stencil.row.side
    if h is not None and not adaptive:
        ev.steps(h, stencil)  # a given h too large for x (1e308), refused before f(x) is evaluated
    f0 = float(ev.outputs(True)[0][0])
    if adaptive:
        def at(hs: np.ndarray) -> np.ndarray:
            out = np.empty(n * n)
            ev.hessian(hs, f0, np.empty(0), 0, out)
            return out.reshape(n, n)

        def diagonal(hs: np.ndarray) -> np.ndarray:
            return ev.values(hs, (1.0, -1.0), 0, n, 1, scalar_value, ()).reshape(n, 2)

        values, errors, hs, converged = ev.kernels.adaptive_hessian(at, diagonal, point.work, f0, ev.precision, limit)
        looks = ev.looks
        if ev.unchanging() and not values.any():
            warn_if_unchanging(ev.target is not None)
        return (values.reshape(-1), errors.reshape(-1), hs, hessian_evaluations(n, stencil, True) + ev.looks - looks,
                converged.reshape(-1))
    for passes in (1, 2):
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
        if not ev.coarser_values(h):  # f returns float32 (or float16): steps for that precision
            break
    looks = ev.looks
    if ev.unchanging() and not total.any():
        warn_if_unchanging(ev.target is not None)
    return total, None, hs, 1 + passes * (hessian_evaluations(n, stencil, False) - 1) + ev.looks - looks, None
