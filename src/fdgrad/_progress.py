"""progress=: a progress bar (tqdm) or a callback, counting evaluations of f.

The count is of evaluations as they happen: a Python f is wrapped (on this
thread or fdgrad's threads; a vectorized f counts its points), an executor's
tasks count as they come back (their futures are the executor's own, so Dask's
progress tools see them), and a native f, which runs in C, counts by pieces of
its loop.  The total is the call's planned number of evaluations; where it runs
over (a float32 f's second pass, an adaptive fallback), the bar grows with it.

The planned counts are :func:`evaluations`, :func:`hessian_evaluations` and
:func:`sparse_jacobian_evaluations`: the one formula of each, which the
numerics also report as ``DiffInfo.nfev``.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Optional

from . import _adaptive

__all__ = ["Progress", "counted", "evaluations", "hessian_evaluations", "sparse_jacobian_evaluations", "start_progress"]


class Progress:
    """A thread-safe count of evaluations, shown by tqdm or given to a callback(done, total)."""

    def __init__(self, spec: Any, total: Optional[int], desc: str) -> None:
        self._lock = threading.Lock()
        self.done = 0
        self.total = total
        self._callback: Optional[Callable[[int, Optional[int]], Any]] = None
        self._bar = None
        if spec is True:
            try:
                from tqdm.auto import tqdm
            except ImportError:
                raise ImportError("progress=True shows a tqdm progress bar, and tqdm is not installed: "
                                  "pip install tqdm (or fdgrad[progress]), or pass progress=callback(done, "
                                  "total) for your own reporting") from None
            self._bar = tqdm(total=total, desc=desc, unit="eval", leave=False, dynamic_ncols=True)
        else:
            self._callback = spec

    def plan(self, total: int) -> None:
        """The call's planned number of evaluations, once it is known."""
        with self._lock:
            self.total = max(int(total), self.done)
            if self._bar is not None:
                self._bar.total = self.total
                self._bar.refresh()
            else:
                assert self._callback is not None
                self._callback(self.done, self.total)

    def add(self, count: int) -> None:
        """count more evaluations done."""
        if count <= 0:
            return
        with self._lock:
            self.done += count
            if self.total is not None and self.done > self.total:  # more than planned: the bar grows
                self.total = self.done
                if self._bar is not None:
                    self._bar.total = self.done
            if self._bar is not None:
                self._bar.update(count)
            else:
                assert self._callback is not None
                self._callback(self.done, self.total)

    def close(self) -> None:
        """The end of the call: the total is what was done (fewer than planned where a bound or
        a pattern saved evaluations, or the call failed)."""
        with self._lock:
            if self._bar is not None:
                self._bar.total = self.done
                self._bar.refresh()
                self._bar.close()
            elif self.total != self.done:
                assert self._callback is not None
                self.total = self.done
                self._callback(self.done, self.done)


def start_progress(progress: Any, desc: str) -> Optional[Progress]:
    """A Progress for a checked progress= (False/None: off; True: tqdm; a callable(done, total)), or None."""
    if progress is None or progress is False:
        return None
    return Progress(progress, None, desc)


def evaluations(stencil: Any, n: int, adaptive: bool, f0: int = 0) -> int:
    """The evaluations a derivative along n coordinates makes (progress= plans them), f(x) for
    the output's shape (f0) included: n per point of the stencil, or the adaptive ladders'."""
    if adaptive:
        return _adaptive.evaluations(n, stencil.row.side, stencil.hpow) + f0
    return n * stencil.evaluated + max(int(stencil.uses_f0), f0)


def sparse_jacobian_evaluations(stencil: Any, groups: Any) -> int:
    """The evaluations a Jacobian with a pattern makes: f(x), and each group at each point of the stencil."""
    return 1 + groups.ngroups * stencil.evaluated


def hessian_evaluations(n: int, stencil: Any, adaptive: bool) -> int:
    """The evaluations a dense Hessian makes."""
    if adaptive:
        return _adaptive.hessian_evaluations(n)
    if stencil.row.side == 0:
        return 1 + stencil.order // 2 * 2 * n * n
    return 1 + stencil.order * n * (n + 3) // 2


def counted(f: Callable[[Any], Any], tracker: Progress, vectorized: bool = False) -> Callable[[Any], Any]:
    """f, counting its evaluations into tracker (a vectorized f: one per point of its stack)."""
    if vectorized:
        def stacked(points: Any, *rest: Any) -> Any:
            value = f(points, *rest)
            tracker.add(len(points))
            return value

        return stacked

    def one(point: Any, *rest: Any) -> Any:
        value = f(point, *rest)
        tracker.add(1)
        return value

    return one
