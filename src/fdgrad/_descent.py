"""Gradient descent over one evaluation: the textbook's loop, in the kernels where it can run there.

``x -= lr * gradient(f, x)``, step_num times, on the evaluation's working
buffer; with ``tol`` it stops where the gradient's norm (summed in order, as
the compiled loop does: :func:`fdgrad._stencils.norm`) falls below it, with a
callback after each step.  Arguments arrive checked.
"""

from __future__ import annotations

import math
from typing import Any, Optional

import numpy as np

from ._derivatives import columns
from ._evaluation import Serial, Shared
from ._results import DescentInfo, warn_if_unchanging
from ._steps import relative_step, zero_step_error
from ._stencils import Stencil, norm
from ._values import scalar_value

__all__ = ["Descent", "descend", "descent"]


def descent(ev: Serial, h: Any, stencil: Stencil, adaptive: bool, rate: float, count: int, history: bool,
            tol: Optional[float], callback: Any, full_output: bool, watch: bool) -> Any:
    """gradient_descent()'s result: the last iterate (x's shape), the path with history, and a
    DescentInfo with full_output; watch: keep the last gradient (progress=)."""
    point = ev.point
    path = np.empty((count + 1, point.n)) if history else None
    if path is not None:
        path[0] = point.work
    last, run = descend(ev, h, stencil, adaptive, rate, count, path, tol, callback, full_output or watch)
    result: Any = last.reshape(point.shape)
    if path is not None:
        result = (result, path[:run.steps + 1].reshape((run.steps + 1,) + point.shape))
    if full_output:
        grad = None if run.grad is None else run.grad.reshape(point.shape)
        info = DescentInfo(run.steps, run.nfev, grad, math.nan if grad is None else norm(grad),
                           run.reason == "tol", run.reason)
        result = (*result, info) if path is not None else (result, info)
    return result


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
        if type(ev) in (Serial, Shared) and not adaptive and stencil.row.evaluation == "stencil":
            ev.native_shape(True)  # a native vector f: differentiate's error
            # The loop in the kernels (for a native f, without the GIL but for Ctrl-C checks).
            obj = ev.objective(point.work, point.view, scalar_value, 1)
            grad = np.empty(point.n) if watch or tol is not None or callback is not None else None
            limit = -1.0 if tol is None else tol
            per_gradient = point.n * stencil.evaluated + (1 if stencil.uses_f0 else 0)
            step = 0
            tracker = ev.tracker  # progress= of a native f: counted step by step
            eps = ev.precision()
            # Default steps for a Python f: the first step alone, to see f's precision (a float32 f).
            start = point.work.copy() if h is None and not ev.native else None
            while step < count:
                chunk = count - step if callback is None and tracker is None and start is None else 1
                rows = None if path is None else path[step:step + chunk + 1]
                bad, taken = ev.kernels.descent(obj, point.work, stencil, stencil.reach, fixed, rate, chunk, rows,
                                                limit, grad, relative_step(stencil, eps))
                if bad >= 0:
                    raise zero_step_error(bad, float(point.work[bad]), point.shape)
                done = (taken + (taken < chunk)) * per_gradient
                run.nfev += done
                if tracker is not None:
                    tracker.add(done)
                if start is not None:
                    if ev.precision() > eps:  # f's values are coarser: again from x, with steps for them
                        eps, point.work[:] = ev.precision(), start
                        ev.moved()
                        start = None
                        continue
                    start = None
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
            looks = ev.looks
            if count and ev.unchanging():  # every gradient was zero: x never moved
                warn_if_unchanging(ev.target is not None)
            run.nfev += ev.looks - looks
        else:
            fixed = None if fixed is None else fixed.reshape(point.shape)
            for step in range(count):
                values, _, _, nfev, _, _ = columns(ev, fixed, stencil, adaptive, True)
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
