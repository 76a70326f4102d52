"""How f is evaluated: one seam, chosen once per call.

The numerics (:mod:`fdgrad._derivatives`, :mod:`fdgrad._hessian`, ...) ask an evaluation for f at x, for f's
values at perturbed points, and for stencil derivatives, Hessian entries and
complex steps; they never branch on how f is evaluated.  Four
implementations:

* :class:`Serial`: the kernels' fused loops over one working buffer;
* :class:`Threads`: the same loops over parts of the coordinates, each part
  on its own copy of the buffer, on fdgrad's thread pool;
* :class:`Batched` (``vectorized=True``): stacks of points built by the
  kernels, one call of f per batch, values combined by the kernels;
* :class:`Tasks` (an executor or a map-like callable): the same points,
  sent as tasks;
* :class:`InPlace` (``inplace=True``): the caller's own array perturbed one
  coordinate at a time and restored after every evaluation, for an f that
  reads x from elsewhere (the textbooks' ``lambda w: net.loss(x, t)``);
  :class:`Shared`, the same on a float64 array the fused loops can use.

Batched, Tasks and InPlace share :class:`Points`, which combines values with
the same kernels (and so the same formulas) as the fused loops, so every
evaluation gives the same bits.  Two more evaluate other things than
coordinates of one point: :class:`Elementwise` (``derivative()``: f at whole
arrays of points, or at numbers) and :func:`line` (``directional()``: f along
``x + t v``, a function of the one number t).

:func:`make_evaluation` chooses the evaluation of a call, once.  Each
evaluation computes a method by the method table's ``evaluation`` (the
stencil's points, or the complex step): :meth:`Serial.derivatives`.
"""

from __future__ import annotations

import math
import time
from typing import Any, Callable, Optional

import numpy as np

from ._native import NativeFunction
from ._options import EvaluationOptions, check_bool, check_inplace, check_native_size
from ._parallel import TaskRunner, run_parts, split
from ._progress import Progress, counted
from ._results import warn_if_unchanging
from ._steps import Planned, rounded_to, steps
from ._stencils import EPS, Stencil, hessian_moves
from ._values import (as_point, as_points, elementwise_values, first_outputs, imag_value, precision, scalar_value,
                      show, vector_converter)

__all__ = ["Batched", "Elementwise", "InPlace", "Moves", "Point", "Serial", "Shared", "Tasks", "Threads",
           "call_in_place", "elementwise", "line", "make_evaluation", "number_values", "read_only_view", "runs"]

#: Work (seconds) below which Threads runs a call on one thread: a few times the
#: cost of waking a pool thread and handing it a part.
_WORTH_A_THREAD = 500e-6
#: How long Threads probes the work on the caller's thread before deciding.
_PROBE = 20e-6
#: The work (seconds, as on one thread) of the trial that tells whether a Python f gains from threads,
#: made where the call's work is at least four times that; and the fraction of the one-thread time
#: above which the trial counts as no speedup (f holds the GIL).
_TRIAL = 2e-3
_NO_SPEEDUP = 0.8

#: The batch size vectorized evaluation aims at (measured fastest on numpy f's).
CACHE_BATCH_BYTES = 256 * 2**10


def runs(sides: np.ndarray, start: int, stop: int) -> list[tuple[int, int, int]]:
    """The runs of equal sides in sides[start:stop]: (a, b, side) with sides[a:b] == side."""
    part = sides[start:stop]
    edges = [0, *(np.flatnonzero(part[1:] != part[:-1]) + 1).tolist(), part.size]
    return [(start + a, start + b, int(part[a])) for a, b in zip(edges[:-1], edges[1:]) if b > a]


def read_only_view(buffer: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """f's view of a working buffer, in x's shape: it may read it but not write it."""
    view = buffer[:] if len(shape) == 1 else buffer.reshape(shape)
    view.setflags(write=False)  # (the cheapest way to a read-only view: ~0.4 us against ~0.8)
    return view


def call_in_place(f: Callable[[Any], Any], target: np.ndarray, values: Any) -> Any:
    """f(target) with target's values set to values for the call, restored bit for bit after it."""
    old = target.copy()
    try:
        target[...] = np.reshape(values, target.shape)
        value = f(target)
        return value.copy() if isinstance(value, np.ndarray) else value  # f may return (a view of) x itself
    finally:
        target[...] = old


class Point:
    """x as the kernels see it: a flat float64 working copy (perturbed in place,
    always restored), x's shape, and f's read-only view of the copy."""

    __slots__ = ("work", "shape", "n", "view", "eps")

    def __init__(self, work: np.ndarray, shape: tuple[int, ...], view: Optional[np.ndarray] = None,
                 eps: float = EPS) -> None:
        self.work = work
        self.shape = shape
        self.n = work.shape[0]
        self.view = read_only_view(work, shape) if view is None else view
        self.eps = eps  # the precision of the caller's x (float32's for a float32 x)

    def index(self, i: int) -> tuple[int, ...]:
        """Flat index i as an index of x."""
        return tuple(int(k) for k in np.unravel_index(i, self.shape))


class Moves:
    """Points near x, each with a few coordinates moved: point r is x with x[index[k]] +
    delta[k] for ptr[r] <= k < ptr[r + 1] (deltas computed as o * h, so that a moved
    coordinate is x_i + o h_i as in the kernels).  label(r) names point r in errors."""

    __slots__ = ("ptr", "index", "delta", "label")

    def __init__(self, ptr: np.ndarray, index: np.ndarray, delta: np.ndarray, label: Callable[[int], str]) -> None:
        self.ptr, self.index, self.delta, self.label = ptr, index, delta, label

    def __len__(self) -> int:
        return len(self.ptr) - 1


def _real_values(values: Any) -> np.ndarray:
    arr = np.asarray(values)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"f must return real numbers, got dtype {arr.dtype}")
    return arr


class Serial:
    """f evaluated one point at a time by the kernels' loops, on this thread."""

    target: Optional[np.ndarray] = None  # the caller's array, where f is called with it (inplace=True)

    __slots__ = ("kernels", "f", "point", "native", "m_native", "__dict__")

    def __init__(self, kernels: Any, f: Any, point: Point, m: Optional[int] = None) -> None:
        self.kernels = kernels
        self.f = f
        self.point = point
        self.native = isinstance(f, NativeFunction)
        self.m_native = m
        self.made: list = []  # the objectives of Python f made so far (see unchanging)
        self.looks = 0  # the evaluations unchanging() made
        self.last: Any = None  # (buffer, converter, m, objective): the kernels' objective on this thread's buffer
        self.tracker: Any = None  # progress=, for a native f (a Python f counts itself)
        self.known: Optional[tuple[int, tuple[int, ...], Callable[[Any], Any]]] = None  # f's shape, where told
        self.coarsest = EPS  # the coarsest precision of f's values seen outside the kernels' objectives

    # f at x itself, and the shape of its values.

    def native_shape(self, scalar: bool) -> Optional[tuple[int, tuple[int, ...]]]:
        """(m, out_shape) of f's values where known without calling f (a native f, or one
        whose shape was told); None otherwise."""
        if self.known is not None:
            return self.known[0], self.known[1]
        if not self.native:
            return None
        if not self.f.vector:
            return 1, ()
        if scalar:
            raise TypeError(f"f is a native vector function ({self.f.signature}); use jacobian, "
                            "or a 'double (int, double *)' function here")
        if self.m_native is None:
            raise TypeError(f"f is a native vector function ({self.f.signature}): pass m=, "
                            "the number of values it writes")
        return self.m_native, (self.m_native,)

    def first_value(self) -> Any:
        """f at x, as f returns it (a Python f)."""
        return self.here(self.point.view)

    def here(self, point: Any) -> Any:
        """f at one point, on this thread."""
        return self.saw(self.f(point))

    def told_outputs(self, scalar: bool) -> Optional[tuple[np.ndarray, tuple[int, ...], Callable[[Any], Any]]]:
        """(f(x) as NaN, the shape of f's values, their converter) where the shape is known
        without calling f (a native f; a line whose values were seen); None otherwise."""
        if self.known is not None:
            m, shape, convert = self.known
            return np.full(m, np.nan), shape, convert
        known = self.native_shape(scalar)
        return None if known is None else (np.full(known[0], np.nan), known[1], scalar_value)

    def outputs(self, scalar: bool, stencil: Optional[Stencil] = None) -> tuple[np.ndarray, tuple[int, ...],
                                                                               Callable[[Any], Any]]:
        """f(x) as a flat array, its shape, and the converter of f's values.  For a method
        with complex input, f's shape at x + 0i (f(x) itself is unused: NaN)."""
        if stencil is not None and stencil.row.complex_input:
            value = self.here(read_only_view(self.point.work.astype(np.complex128), self.point.shape))
            if np.iscomplexobj(value) and np.any(np.imag(value) != 0):
                raise complex_valued(f"f(x) = {show(value)} has an imaginary part")
            shape = np.shape(value)
            return np.full(math.prod(shape), np.nan), shape, imag_value(shape)
        known = self.native_shape(scalar)
        if known is not None and self.known is None:
            f0 = np.empty(known[0])
            f0[:] = self.objective(self.point.work, self.point.view, scalar_value, known[0])()
            return f0, known[1], scalar_value
        first = self.first_value()
        if self.known is not None:  # the shape is known; f(x) itself is needed
            return np.array(self.known[2](first), dtype=np.float64).reshape(-1), self.known[1], self.known[2]
        if scalar:
            return np.array([scalar_value(first)]), (), scalar_value
        return first_outputs(first)

    # The loops.

    def steps(self, h: Any, stencil: Any) -> np.ndarray:
        """The step of every coordinate (see _steps.steps), for the precision of x and
        of f's values seen so far."""
        self.step_eps = self.precision()
        return steps(self.kernels, h, self.point.work, self.point.shape, stencil, self.step_eps)

    def precision(self) -> float:
        """The coarsest precision of x and of f's values seen so far."""
        return max(self.point.eps, self.values_eps())

    def fixed_step(self, h: Any, stencil: Stencil, f0: np.ndarray, convert: Callable[[Any], Any], lo: int, hi: int,
                   out_shape: tuple[int, ...], box: Any = None) -> tuple[np.ndarray, np.ndarray, int]:
        """The method's derivatives along x_lo..x_hi-1 at fixed steps: (values (m, n), the steps,
        the evaluations, f(x) not counted).  The steps are h, or the default for the precision of
        x and f's values; where f's values turn out coarser (a float32 f), once more with steps
        for them.  With bounds (box), each run of coordinates on one side with its side's stencil.
        An all-zero result from an f that never changed warns (see _results.warn_if_unchanging)."""
        for passes in (1, 2):
            hs = box.hs if passes == 1 and isinstance(box, Planned) else self.steps(h, stencil)
            if box is None:
                values = self.jacobian(hs, stencil, f0, convert, lo, hi, out_shape) if stencil.row.moves_x else \
                    self.derivatives(hs, stencil, f0, convert, lo, hi, out_shape)
                per_pass = (hi - lo) * stencil.evaluated
            else:
                sides, hs, by_side = box.scheme(self.point.work, hs, stencil)
                values, per_pass = np.empty((f0.size, self.point.n)), 0
                for a, b, side in runs(sides, lo, hi):
                    self.derivatives(hs, by_side[side], f0, convert, a, b, out_shape, values)
                    per_pass += (b - a) * by_side[side].evaluated
            if not self.coarser_values(h):  # f returns float32 (or float16): steps for that precision
                break
        looks = self.looks
        if self.unchanging() and not values[:, lo:hi].any():
            warn_if_unchanging(self.target is not None)
        return values, hs, passes * per_pass + self.looks - looks

    def values_for(self, m: int, convert: Callable[[Any], Any], out_shape: tuple[int, ...]) -> Callable[..., np.ndarray]:
        """values(h, offsets, lo, hi) for f's m outputs: the adaptive engine's evaluate."""
        return _ValuesOf(self, m, convert, out_shape)

    def values_eps(self) -> float:
        """The coarsest precision of f's values seen so far (float64's if none was coarser)."""
        eps = self.coarsest
        for obj in self.made:
            if obj.eps > eps:
                eps = obj.eps
        return eps

    def saw(self, values: Any) -> Any:
        """values, one value of f (or a stack of them) that came back outside the kernels'
        objectives (a vectorized f, tasks, x in place), its precision noted (see values_eps)."""
        eps = precision(values)
        if eps > self.coarsest:
            self.coarsest = eps
        return values

    def coarser_values(self, h: Any) -> bool:
        """Whether default steps were sized for finer values than f turned out to return
        (a float32 f): the caller then computes once more with steps for them."""
        return h is None and self.values_eps() > self.step_eps

    def moved(self) -> None:
        """The working buffer was moved (gradient descent): nothing to do here."""

    def restore(self) -> None:
        """The end of a call: nothing to do here."""

    def objective(self, work: np.ndarray, view: np.ndarray, convert: Callable[[Any], Any], m: int,
                  halt: Any = None) -> Any:
        """The kernels' objective for f on this working buffer (made once per buffer, converter,
        m and stop flag)."""
        last = self.last
        if last is not None and last[0] is work and last[1] is convert and last[2] == m and halt is None:
            return last[3]
        if self.native:
            f = self.f
            obj = self.kernels.native_objective(f.kind, f.address, f.user_data, work, m, halt)
        else:
            obj = self.kernels.python_objective(self.f, view, convert, m, halt, True, getattr(convert, "shape", None))
            self.made.append(obj)
        if halt is None:  # this thread's buffer, reused by the next loop over it
            self.last = (work, convert, m, obj)
        return obj

    def unchanging(self) -> bool:
        """Whether f gave one and the same value at every point the loops evaluated it at,
        three or more (a scalar Python f in the copying mode; False where that is not watched)."""
        seen = 0
        for obj in self.made:
            if obj.varied:
                return False
            seen += obj.seen
        if seen < 3:
            return False
        # One more value, at x itself, tells an f that ignores x from one that is even about x
        # (x0**2 + x1**2 at 0 gives h**2 at every point of a central stencil, but 0 at x).
        last = self.made[-1]
        last()  # its buffer holds x again: the loops restore it
        self.looks += 1  # (an evaluation the callers count)
        return not last.varied

    def run(self, call: Callable[..., None], start: int, stop: int, cost: float = 1) -> None:
        """call(work, view, halt, lo, hi) over [start, stop); cost: f's evaluations per index."""
        point = self.point
        if self.tracker is None:
            return call(point.work, point.view, None, start, stop)
        self.tracked(call, cost)(point.work, point.view, None, start, stop)

    def tracked(self, call: Callable[..., None], cost: float) -> Callable[..., None]:
        """call, reporting progress= in pieces where f is native (it runs in C, uncounted)."""
        tracker = self.tracker
        if tracker is None or not self.native:
            return call

        def pieces(work: np.ndarray, view: np.ndarray, halt: Any, a: int, b: int) -> None:
            step = max(1, (b - a) // 64)
            for lo in range(a, b, step):
                hi = min(lo + step, b)
                call(work, view, halt, lo, hi)
                tracker.add(int(round(cost * (hi - lo))))

        return pieces

    def values(self, h: np.ndarray, offsets: tuple, lo: int, hi: int, m: int, convert: Callable[[Any], Any],
               out_shape: tuple[int, ...]) -> np.ndarray:
        """f at x_i + o h_i for every offset and coordinate lo..hi-1: (hi - lo, len(offsets), m)."""
        width = len(offsets) * m
        out = np.empty((hi - lo) * width)
        kernels = self.kernels

        def call(work: np.ndarray, view: np.ndarray, halt: Any, a: int, b: int) -> None:
            obj = self.objective(work, view, convert, m, halt)
            kernels.evaluate_range(obj, work, m, h, offsets, a, b, out[(a - lo) * width:(b - lo) * width])

        self.run(call, lo, hi, len(offsets))
        return out.reshape(hi - lo, len(offsets), m)

    def displaced(self, moves: Moves, m: int, convert: Callable[[Any], Any], out_shape: tuple[int, ...]) -> np.ndarray:
        """f at each point of moves (x with a few coordinates moved; see Moves): (len(moves), m)."""
        out = np.empty((len(moves), m))
        ptr, index, delta = moves.ptr, moves.index, moves.delta

        def call(work: np.ndarray, view: np.ndarray, halt: Any, a: int, b: int) -> None:
            obj = self.objective(work, view, convert, m, halt)
            for r in range(a, b):
                cols = index[ptr[r]:ptr[r + 1]]
                old = work[cols]
                work[cols] = old + delta[ptr[r]:ptr[r + 1]]
                try:
                    out[r] = obj()
                finally:
                    work[cols] = old

        self.run(call, 0, len(moves))
        return out

    def derivatives(self, h: np.ndarray, stencil: Stencil, f0: np.ndarray, convert: Callable[[Any], Any], lo: int,
                    hi: int, out_shape: tuple[int, ...], out: Optional[np.ndarray] = None) -> np.ndarray:
        """The method's derivatives of f's m outputs along x_lo..x_hi-1: (m, n), other columns
        unset (or left as they are in out, which receives the columns), by the evaluation the
        method table names for it."""
        if stencil.row.evaluation == "complex":
            return self.complex(h, f0.size, out_shape, lo, hi, out)
        return self.jacobian(h, stencil, f0, convert, lo, hi, out_shape, out)

    def jacobian(self, h: np.ndarray, stencil: Any, f0: np.ndarray, convert: Callable[[Any], Any], lo: int,
                 hi: int, out_shape: tuple[int, ...], out: Optional[np.ndarray] = None) -> np.ndarray:
        """Stencil derivatives of f's m outputs along x_lo..x_hi-1: (m, n), other columns unset
        (or left as they are in out, which receives the columns)."""
        m = f0.size
        out = np.empty((m, self.point.n)) if out is None else out
        kernels = self.kernels

        def call(work: np.ndarray, view: np.ndarray, halt: Any, a: int, b: int) -> None:
            kernels.jacobian_range(self.objective(work, view, convert, m, halt), work, m, h, stencil, f0, a, b, out)

        self.run(call, lo, hi, stencil.evaluated)
        return out

    def complex(self, h: np.ndarray, m: int, out_shape: tuple[int, ...], lo: int, hi: int,
                out: Optional[np.ndarray] = None) -> np.ndarray:
        """Im f(x + i h_k e_k) / h_k for k = lo..hi-1: (m, n)."""
        if out is not None:
            out[:, lo:hi] = self.complex(h, m, out_shape, lo, hi)[:, lo:hi]
            return out
        out = np.empty(m * self.point.n)
        kernels, shape, convert = self.kernels, self.point.shape, imag_value(out_shape)

        def call(work: np.ndarray, view: np.ndarray, halt: Any, a: int, b: int) -> None:
            xz = work.astype(np.complex128)
            obj = kernels.python_objective(self.f, read_only_view(xz, shape), convert, m, halt, False)
            kernels.complex_range(obj, xz, m, h, a, b, out)

        self.run(call, lo, hi)
        return out.reshape(m, self.point.n)

    def hessian(self, h: np.ndarray, f0: float, f1: np.ndarray, side: int, out: np.ndarray) -> None:
        """Every entry of the Hessian into out (n * n), by hessian_range."""
        kernels = self.kernels

        def call(work: np.ndarray, view: np.ndarray, halt: Any, a: int, b: int) -> None:
            kernels.hessian_range(self.objective(work, view, scalar_value, 1, halt), work, h, f0, f1, side, a, b, out)

        n = self.point.n
        self.run(call, 0, n * (n + 1) // 2, 4 if side == 0 else 1)  # the upper triangle's entries, row by row


class Threads(Serial):
    """Serial's loops over parts of the range at once, each part on its own copy of x."""

    def __init__(self, kernels: Any, f: Any, point: Point, m: Optional[int], workers: int) -> None:
        super().__init__(kernels, f, point, m)
        self.workers = workers
        self.per_evaluation: Optional[float] = None  # seconds per evaluation of f, as the last probe measured
        self.gil_bound: Optional[bool] = None  # whether a trial on threads found f holding the GIL (no speedup)

    def run(self, call: Callable[..., None], start: int, stop: int, cost: float = 1) -> None:
        call = self.tracked(call, cost)
        work, view = self.point.work, self.point.view
        if self.gil_bound or (self.per_evaluation is not None
                              and self.per_evaluation * cost * (stop - start) < _WORTH_A_THREAD):
            return call(work, view, None, start, stop)  # known to gain nothing from other threads
        # A probe on this thread, 1, 4, 16, ... indices until it has taken _PROBE seconds:
        # work too small to outweigh handing parts to other threads (tens of us) is
        # then finished here, so workers > 1 never costs much more than workers=1 on
        # small problems, and a large problem loses at most _PROBE of parallel time.
        # What it measured decides later loops of this call at once.
        probe, size, began = start, 1, time.perf_counter()
        while probe < stop:
            call(work, view, None, probe, min(probe + size, stop))
            probe, size = min(probe + size, stop), 4 * size
            elapsed = time.perf_counter() - began
            if elapsed >= _PROBE:
                break
        per_index = elapsed / (probe - start)
        self.per_evaluation = per_index / max(cost, 1e-300)
        if probe == stop:
            return
        if per_index * (stop - probe) < _WORTH_A_THREAD:
            return call(work, view, None, probe, stop)
        if (self.gil_bound is None and not self.native and per_index * (stop - probe) >= 4 * _TRIAL
                and stop - probe >= 4 * self.workers):
            # A Python f may hold the GIL throughout (pure-Python arithmetic): threads then only take
            # turns, slower than one thread.  A trial tells, in four samples of the same number of
            # indices, about _TRIAL / 2 seconds each: this thread, every thread at once, every
            # thread again, this thread again (so one slow evaluation in the probe cannot decide).  Every sample is part of
            # the call's work.  Without a speedup the rest of the call stays on this thread.
            # A slow spell only adds time, so each side counts its fastest sample; where the machine
            # was too unsteady to tell (the two samples of a side more than 25% apart: another process
            # took a core), the trial is taken again, up to three times while the work lasts.
            count = min((stop - probe) // 4, max(self.workers, int(_TRIAL / (2 * per_index))))
            spent: list = [[], []]  # this thread, every thread
            for _ in range(3):
                for on_threads in (False, True, True, False):
                    began = time.perf_counter()
                    if on_threads:
                        self._on_threads(call, probe, probe + count)
                    else:
                        call(work, view, None, probe, probe + count)
                    spent[on_threads].append(time.perf_counter() - began)
                    probe += count
                if all(max(side[-2:]) <= 1.25 * min(side[-2:]) for side in spent) or stop - probe < 4 * count:
                    break
            self.gil_bound = min(spent[1]) > _NO_SPEEDUP * min(spent[0])
            if probe == stop:
                return
            if self.gil_bound:
                return call(work, view, None, probe, stop)
        self._on_threads(call, probe, stop)

    def _on_threads(self, call: Callable[..., None], start: int, stop: int) -> None:
        """call over [start, stop) in parts at once, on fdgrad's pool, each part on its own copy of x."""
        work, view = self.point.work, self.point.view
        parts = split(start, stop, self.workers)
        halt = self.kernels.StopFlag()
        buffers = [(work, view)]
        for _ in parts[1:]:  # copies before any part starts: the first part perturbs work in place
            copy = self.point.work.copy()
            buffers.append((copy, read_only_view(copy, self.point.shape)))
        run_parts([(lambda w=w, v=v, a=a, b=b: call(w, v, halt, a, b)) for (w, v), (a, b) in zip(buffers, parts)],
                  halt)


class Points(Serial):
    """f evaluated elsewhere at whole points: built by the kernels in batches, the
    values combined by the kernels.  Subclasses say how a batch is evaluated."""

    watched = 0  # how many of f's values saw() watched, and whether they varied (see unchanging)
    varied = False
    first: Any = None

    def saw(self, values: Any) -> Any:
        super().saw(values)
        if not self.varied:
            flat = np.asarray(values).reshape(-1)
            if flat.dtype.kind not in "biuf":  # (complex values, the complex step's, or objects: not watched)
                self.varied = True
                return values
            if flat.size:
                if self.first is None:
                    self.first = flat[0]
                self.varied = not bool(np.all(flat == self.first))
                self.watched += flat.size
        return values

    def unchanging(self) -> bool:
        """As Serial's: one and the same value at every point f was evaluated at, three or more,
        and once more at x itself."""
        if self.varied or self.watched < 3:
            return False
        self.first_value()  # (an evaluation the callers count)
        self.looks += 1
        return not self.varied

    def batch_size(self, per_coordinate: int, share: int) -> int:
        """How many coordinates' (or entries') points one batch holds, when `share`
        batches are in flight at once and one coordinate's take per_coordinate bytes."""
        raise NotImplementedError

    def at(self, points: np.ndarray, count: int, m: int, out_shape: tuple[int, ...],
           label: Callable[[int], str]) -> np.ndarray:
        """f at `count` rows of points (flat): (count, m) float64; label(r) names row r."""
        raise NotImplementedError

    def values(self, h: np.ndarray, offsets: tuple, lo: int, hi: int, m: int, convert: Callable[[Any], Any],
               out_shape: tuple[int, ...], share: int = 1) -> np.ndarray:
        npoints, n = len(offsets), self.point.n
        batch = self.batch_size(npoints * (n + m) * 8, share)
        buffer = np.empty(min(batch, hi - lo) * npoints * n)  # reused by every batch
        values = None if batch >= hi - lo else np.empty((hi - lo, npoints, m))  # (one batch: its values, as they are)
        for a in range(lo, hi, batch):
            b = min(a + batch, hi)
            points = buffer[:(b - a) * npoints * n]
            self.kernels.stencil_points(self.point.work, h, offsets, a, b, points)

            def label(r: int, a: int = a) -> str:
                return f"coordinate {self.point.index(a + r // npoints)} (x + {offsets[r % npoints]:g} h)"

            got = self.at(points, (b - a) * npoints, m, out_shape, label).reshape(b - a, npoints, m)
            if values is None:
                return got
            values[a - lo:b - lo] = got
        return np.empty((0, npoints, m)) if values is None else values

    def displaced(self, moves: Moves, m: int, convert: Callable[[Any], Any], out_shape: tuple[int, ...]) -> np.ndarray:
        n, count = self.point.n, len(moves)
        out = np.empty((count, m))
        batch = self.batch_size((n + m) * 8, 1)
        for a in range(0, count, batch):
            b = min(a + batch, count)
            rows = np.repeat(self.point.work[None, :], b - a, axis=0)
            lo, hi = moves.ptr[a], moves.ptr[b]
            which = np.repeat(np.arange(b - a), np.diff(moves.ptr[a:b + 1]))
            rows[which, moves.index[lo:hi]] += moves.delta[lo:hi]
            out[a:b] = self.at(rows.reshape(-1), b - a, m, out_shape, lambda r, a=a: moves.label(a + r))
        return out

    def jacobian(self, h: np.ndarray, stencil: Any, f0: np.ndarray, convert: Callable[[Any], Any], lo: int,
                 hi: int, out_shape: tuple[int, ...], out: Optional[np.ndarray] = None) -> np.ndarray:
        m = f0.size
        live = [k for k, o in enumerate(stencil.offsets) if o != 0.0]
        if len(live) == len(stencil.offsets):  # (no f(x) among the points: the values as they come)
            values = self.values(h, tuple(stencil.offsets), lo, hi, m, convert, out_shape)
        else:
            values = np.empty((hi - lo, len(stencil.offsets), m))
            values[:, [k for k in range(len(stencil.offsets)) if k not in live], :] = f0
            values[:, live, :] = self.values(h, tuple(stencil.offsets[k] for k in live), lo, hi, m, convert,
                                             out_shape)
        out = np.empty((m, self.point.n)) if out is None else out
        self.kernels.combine_range(stencil, values.reshape(-1), m, h, lo, hi, out.reshape(-1))
        return out

    def hessian(self, h: np.ndarray, f0: float, f1: np.ndarray, side: int, out: np.ndarray) -> None:
        n = self.point.n
        per_entry = 4 if side == 0 else 1
        batch = self.batch_size(per_entry * (n + 1) * 8, 1)
        entries = n * (n + 1) // 2
        buffer = np.empty(min(batch, entries) * per_entry * n)
        iu, ju = np.triu_indices(n)
        for a in range(0, entries, batch):
            b = min(a + batch, entries)
            count = self.kernels.hessian_points(self.point.work, h, side, a, b, buffer)
            rows = np.repeat(np.arange(a, b), np.where(iu[a:b] == ju[a:b], 2, 4) if side == 0 else 1)

            def label(r: int, rows: np.ndarray = rows) -> str:
                k = int(rows[r])
                return f"Hessian entry {self.point.index(int(iu[k]))}, {self.point.index(int(ju[k]))}"

            values = self.at(buffer[:count * n], count, 1, (), label).reshape(-1)
            self.kernels.hessian_combine(values, h, f0, f1, side, a, b, out)


class Batched(Points):
    """A vectorized f: called with stacks of points, shape (k,) + x.shape."""

    def __init__(self, kernels: Any, f: Any, point: Point, m: Optional[int], workers: int,
                 max_batch_bytes: int) -> None:
        super().__init__(kernels, f, point, m)
        self.workers = workers
        self.max_batch_bytes = max_batch_bytes

    def first_value(self) -> Any:
        return self.here(self.point.view)

    def here(self, point: Any) -> Any:
        """f at one point, as a stack of one (the complex step's x + 0i too)."""
        stacked = np.asarray(self.f(point[None]))
        if stacked.ndim == 0 or stacked.shape[0] != 1:
            raise ValueError(f"a vectorized f must return one value per point, shape (1, ...) for 1 point; "
                             f"got shape {stacked.shape}")
        return self.saw(stacked[0])

    def batch_size(self, per_coordinate: int, share: int) -> int:
        if per_coordinate > self.max_batch_bytes:
            raise ValueError(f"max_batch_bytes={self.max_batch_bytes} is too small: one coordinate's "
                             f"points take {per_coordinate} bytes")
        # Batches of about CACHE_BATCH_BYTES keep f's temporaries in cache (and out
        # of fresh mmap'd pages), which is faster than one huge batch;
        # max_batch_bytes only ever lowers that.
        return max(1, min(self.max_batch_bytes, CACHE_BATCH_BYTES) // share // per_coordinate)

    def values(self, h: np.ndarray, offsets: tuple, lo: int, hi: int, m: int, convert: Callable[[Any], Any],
               out_shape: tuple[int, ...], share: int = 1) -> np.ndarray:
        per_coordinate = len(offsets) * (self.point.n + m) * 8
        # Threads batching at once: no more than max_batch_bytes of points in all.
        share = min(self.workers, max(1, self.max_batch_bytes // per_coordinate), hi - lo)
        if share <= 1:
            return super().values(h, offsets, lo, hi, m, convert, out_shape)
        parts = split(lo, hi, share)
        halt = self.kernels.StopFlag()
        pieces = run_parts([(lambda a=a, b=b: super(Batched, self).values(h, offsets, a, b, m, convert, out_shape,
                                                                           len(parts)))
                            for a, b in parts], halt)
        return np.concatenate(pieces, axis=0)

    def at(self, points: np.ndarray, count: int, m: int, out_shape: tuple[int, ...],
           label: Callable[[int], str]) -> np.ndarray:
        stacked = points.reshape((count,) + self.point.shape)
        stacked.flags.writeable = False  # a view: the reused buffer stays writable
        values = self.saw(_real_values(self.f(stacked)))
        if values.shape != (count,) + out_shape:
            raise ValueError(f"a vectorized f must return shape {(count,) + out_shape} for {count} points "
                             f"of shape {self.point.shape}, got {values.shape}")
        return values.astype(np.float64, copy=True).reshape(count, m)

    def complex(self, h: np.ndarray, m: int, out_shape: tuple[int, ...], lo: int, hi: int,
                out: Optional[np.ndarray] = None) -> np.ndarray:
        raise TypeError("method='complex' needs a Python f that accepts complex input, one point at a time")


class Tasks(Points):
    """f on an executor or a map-like callable: tasks of ranges of coordinates (or chunksize points)."""

    def __init__(self, kernels: Any, f: Any, point: Point, m: Optional[int], runner: TaskRunner,
                 max_batch_bytes: int) -> None:
        super().__init__(kernels, f, point, m)
        self.runner = runner
        self.max_batch_bytes = max_batch_bytes

    def batch_size(self, per_coordinate: int, share: int) -> int:
        return max(1, self.max_batch_bytes // per_coordinate)

    def here(self, point: Any) -> Any:
        value = self.f(point)  # f(x) for the output's shape: on this thread, counted for progress=
        if self.runner.tracker is not None:
            self.runner.tracker.add(1)
        return self.saw(value)

    def values(self, h: np.ndarray, offsets: tuple, lo: int, hi: int, m: int, convert: Callable[[Any], Any],
               out_shape: tuple[int, ...], share: int = 1) -> np.ndarray:
        """As Points.values, but the tasks are ranges of coordinates, x sent once a task (see
        _parallel.evaluate_range), not one copy of x per point."""
        raw = self.runner.map_ranges(self.f, self.point.work, self.point.shape, h, offsets, lo, hi)
        convert = scalar_value if out_shape == () else vector_converter(out_shape)
        return np.array([convert(self.saw(value)) for value in raw], dtype=np.float64).reshape(hi - lo, len(offsets), m)

    def at(self, points: np.ndarray, count: int, m: int, out_shape: tuple[int, ...],
           label: Callable[[int], str], convert: Optional[Callable[[Any], Any]] = None) -> np.ndarray:
        rows = points.reshape((count,) + self.point.shape).copy()  # the batch buffer is reused
        rows.flags.writeable = False
        raw = self.runner.map(self.f, list(rows), [label(r) for r in range(count)])
        convert = convert or (scalar_value if out_shape == () else vector_converter(out_shape))
        return np.array([convert(self.saw(value)) for value in raw], dtype=np.float64).reshape(count, m)

    def complex(self, h: np.ndarray, m: int, out_shape: tuple[int, ...], lo: int, hi: int,
                out: Optional[np.ndarray] = None) -> np.ndarray:
        points = np.repeat(self.point.work.astype(np.complex128)[None, :], hi - lo, axis=0)
        points.imag[np.arange(hi - lo), np.arange(lo, hi)] = h[lo:hi]
        imag = self.at(points.reshape(-1), hi - lo, m, out_shape,
                       lambda r: f"coordinate {self.point.index(lo + r)} (x + i h)", imag_value(out_shape))
        out = np.empty((m, self.point.n)) if out is None else out
        out[:, lo:hi] = imag.T / h[lo:hi]
        return out


class Shared(Serial):
    """Serial's fused loops on the caller's own float64 C-contiguous array, as the
    working buffer (inplace=True): f is called with that array itself; each
    coordinate is restored bit for bit after its evaluations, and the whole
    array at the end of the call.  The array changes during the call, never after it."""

    def __init__(self, kernels: Any, f: Any, target: np.ndarray, original: np.ndarray) -> None:
        super().__init__(kernels, f, Point(target.reshape(-1), target.shape, target))
        self.target = target
        self.original = original  # a copy of target's values, restored at the end of the call
        self.base = original  # the values target holds between evaluations (a descent's iterate)

    def run(self, call: Callable[..., None], start: int, stop: int, cost: float = 1) -> None:
        try:
            super().run(call, start, stop, cost)
        finally:
            self.target[...] = self.base  # also whatever f itself wrote into x

    def first_value(self) -> Any:
        try:
            return super().first_value()
        finally:
            self.target[...] = self.base

    def moved(self) -> None:
        """A descent moved the iterate (the working buffer is target itself)."""
        self.base = self.target.copy()

    def restore(self) -> None:
        self.target[...] = self.original

    # unchanging: Serial's (the kernels' objectives watch f's values on the caller's array too)


class InPlace(Points):
    """f evaluated with the caller's own array perturbed in place, one coordinate
    at a time (any dtype of float, any strides), and restored bit for bit after
    every evaluation, also when f raises or on Ctrl-C.  f is called with that
    array itself.  The array changes during the call, never after it."""

    def __init__(self, kernels: Any, f: Any, point: Point, target: np.ndarray) -> None:
        super().__init__(kernels, f, point, None)
        self.target = target
        self.flat = target.reshape(-1) if target.flags.c_contiguous else target.flat
        self.original = target.copy()  # restored at the end of the call
        self.base = self.original  # the values target holds between evaluations (a descent's iterate)

    def first_value(self) -> Any:
        try:
            return self.saw(self.f(self.target))
        finally:
            self.target[...] = self.base  # also whatever f itself wrote into x

    def steps(self, h: Any, stencil: Any) -> np.ndarray:
        """The steps, rounded so that x + h is exact in the array's own precision (_steps.rounded_to)."""
        return rounded_to(self.target.dtype, self.point.work, super().steps(h, stencil))

    def _at(self, moves: list) -> Any:
        """f with target's flat entries i set to values (moves: [(i, value), ...]), restored after."""
        flat, old = self.flat, [self.flat[i] for i, _ in moves]
        try:
            for i, value in moves:
                flat[i] = value
            return self.saw(self.f(self.target))
        finally:
            for (i, _), value in zip(reversed(moves), reversed(old)):
                flat[i] = value

    def values(self, h: np.ndarray, offsets: tuple, lo: int, hi: int, m: int, convert: Callable[[Any], Any],
               out_shape: tuple[int, ...], share: int = 1) -> np.ndarray:
        out = np.empty((hi - lo, len(offsets), m))
        f, target, flat, work, hs = self.f, self.target, self.flat, self.point.work.tolist(), h.tolist()
        for i in range(lo, hi):
            old, xi = flat[i], work[i]
            try:
                for k, o in enumerate(offsets):
                    flat[i] = xi + o * hs[i]
                    out[i - lo, k] = convert(self.saw(f(target)))
            finally:
                flat[i] = old
        self.target[...] = self.base  # also whatever f itself wrote into x
        return out

    def displaced(self, moves: Moves, m: int, convert: Callable[[Any], Any], out_shape: tuple[int, ...]) -> np.ndarray:
        out = np.empty((len(moves), m))
        work, index, delta, ptr = self.point.work, moves.index, moves.delta, moves.ptr
        for r in range(len(moves)):
            cols = index[ptr[r]:ptr[r + 1]]
            out[r] = convert(self._at(list(zip(cols.tolist(), (work[cols] + delta[ptr[r]:ptr[r + 1]]).tolist()))))
        self.target[...] = self.base  # also whatever f itself wrote into x
        return out

    def hessian(self, h: np.ndarray, f0: float, f1: np.ndarray, side: int, out: np.ndarray) -> None:
        n, work, hs = self.point.n, self.point.work.tolist(), h.tolist()
        values = []
        for i in range(n):
            for j in range(i, n):
                for oi, oj in hessian_moves(i, j, side):
                    moves = [(i, work[i] + oi * hs[i])] + ([(j, work[j] + oj * hs[j])] if i != j else [])
                    values.append(scalar_value(self._at(moves)))
        self.target[...] = self.base  # also whatever f itself wrote into x
        self.kernels.hessian_combine(np.array(values), h, f0, f1, side, 0, n * (n + 1) // 2, out)

    def complex(self, h: np.ndarray, m: int, out_shape: tuple[int, ...], lo: int, hi: int,
                out: Optional[np.ndarray] = None) -> np.ndarray:
        raise TypeError("method='complex' cannot perturb x in place (x holds real numbers); use inplace=False")

    def moved(self) -> None:
        """The working buffer holds a new iterate: so does the caller's array, during the call."""
        self.target[...] = self.point.work.reshape(self.point.shape)
        self.base = self.target.copy()

    def restore(self) -> None:
        self.target[...] = self.original


class _ValuesOf:
    """An evaluation's values(h, offsets, lo, hi, m, convert, out_shape) with f's outputs fixed:
    the adaptive engine's evaluate callback."""

    __slots__ = ("ev", "m", "convert", "out_shape")

    def __init__(self, ev: Serial, m: int, convert: Callable[[Any], Any], out_shape: tuple[int, ...]) -> None:
        self.ev, self.m, self.convert, self.out_shape = ev, m, convert, out_shape

    def __call__(self, h: np.ndarray, offsets: tuple, lo: int, hi: int) -> np.ndarray:
        return self.ev.values(h, offsets, lo, hi, self.m, self.convert, self.out_shape)


def make_evaluation(kernels: Any, f: Any, x: Any, name: str, options: EvaluationOptions, inplace: Any = False,
                    stencil: Optional[Stencil] = None, tracker: Optional[Progress] = None) -> Serial:
    """x prepared, and how f will be evaluated: chosen once, here (and, with progress=, how its
    evaluations are counted: a Python f by a wrapper, tasks as they come back, a native f by
    pieces of the kernels' loops)."""
    native, m = isinstance(f, NativeFunction), options.m
    runner = None if options.executor is None else TaskRunner(options.executor, options.chunksize, options.timeout)
    if tracker is not None and runner is not None:
        runner.tracker = tracker
    elif tracker is not None and not native:
        f = counted(f, tracker, options.vectorized)
    if inplace is not False:
        row = stencil.row
        # A float64 array the kernels' loops can work on directly: a copy for the restore, values checked.
        serial = options.threads == 1 and runner is None and not options.vectorized and not native and row.inplace
        shared = kernels.working_copy(x, True) if serial else None
        if shared is not None and (inplace is None or check_bool(inplace, "inplace")):
            return Shared(kernels, f, x, shared[0].reshape(x.shape))
        if check_inplace(inplace, x, name, native, options, row):
            work, shape = as_point(x, name)  # x's values checked (finite, ...)
            return InPlace(kernels, f, Point(work, shape, None, precision(x)), x)
    if runner is not None:
        if native:
            raise TypeError("a native f runs in this process; give it workers=<int> threads, not an executor")
        runner.check_function(f)
    prepared = kernels.working_copy(x)  # a finite float64 array, copied in one go
    point = Point(*as_point(x, name), None, precision(x)) if prepared is None else \
        Point(prepared[0], x.shape, prepared[1])
    if native and options.vectorized:
        raise TypeError("vectorized=True needs a Python f that takes a stack of points, not a native function")
    if native:
        check_native_size(point.n, name)
    if runner is not None:
        return Tasks(kernels, f, point, m, runner, options.max_batch_bytes)
    if options.vectorized:
        return Batched(kernels, f, point, m, options.threads, options.max_batch_bytes)
    ev = Threads(kernels, f, point, m, options.threads) if options.threads > 1 else Serial(kernels, f, point, m)
    ev.tracker = tracker if native else None
    return ev


class _Line:
    """g(t) = f(x + t w), f called with a read-only copy of the point (or with the caller's
    array, in place); its value at one t may be known already (see line)."""

    __slots__ = ("f", "work", "shape", "along", "target", "known")

    def __init__(self, f: Any, work: np.ndarray, shape: tuple[int, ...], along: np.ndarray,
                 target: Optional[np.ndarray]) -> None:
        self.f, self.work, self.shape, self.along, self.target = f, work, shape, along, target
        self.known: Optional[tuple[float, Any]] = None

    def at(self, t: Any) -> Any:
        """f at x + t w (t real, or complex for the complex step)."""
        if self.target is None:
            return self.f(read_only_view(self.work + t * self.along, self.shape))
        return call_in_place(self.f, self.target, self.work + t * self.along)

    def __call__(self, t: np.ndarray) -> Any:
        known, t0 = self.known, t[0]
        if known is not None and t0 == known[0]:
            self.known = None  # f's value there, evaluated once already
            return known[1]
        return self.at(t0)


#: directional()'s f(x + first w) not evaluated yet (any value f returns, None included, may be known)
NOT_EVALUATED = object()


def line(kernels: Any, f: Any, work: np.ndarray, shape: tuple[int, ...], along: np.ndarray,
         target: Optional[np.ndarray], first: float, known: Any = NOT_EVALUATED) -> tuple[Serial, bool]:
    """directional()'s g(t) = f(x + t w) as a Serial evaluation of the one number t, and whether
    f is scalar: f's value at t = first (the first point the numerics evaluate; known, if given)
    tells its shape, and is used there rather than evaluated again."""
    g = _Line(f, work, shape, along, target)
    value = g.at(first) if known is NOT_EVALUATED else known
    g.known = (first, value)
    # In place, t's steps are sized for the array's precision too (x + t w is rounded to it).
    ev = Serial(kernels, g, Point(np.zeros(1), (1,), eps=EPS if target is None else precision(target)))
    out_shape = np.shape(value) if isinstance(value, (np.ndarray, list, tuple)) else ()
    if out_shape != ():
        ev.known = (math.prod(out_shape), out_shape, vector_converter(out_shape))
    return ev, out_shape == ()


def elementwise(kernels: Any, f: Any, x: Any, inplace: Any, options: EvaluationOptions, stencil: Stencil,
                tracker: Optional[Progress]) -> "Elementwise":
    """derivative()'s evaluation of f at an array of points x (or at one, 0-d)."""
    target = x if inplace is not False and check_inplace(inplace, x, "x", False, options, stencil.row) else None
    return Elementwise(kernels, f, as_points(x), options, target, precision(x), tracker)


def number_values(f: Any, x: float, offsets: tuple, step: float) -> tuple[list, float]:
    """derivative()'s evaluation at a number x: f at x + o step for each offset (f(x) once), as
    floats, and the coarsest precision of f's values."""
    fx, values, coarsest = None, [], EPS
    for o in offsets:
        if o == 0.0:
            if fx is None:
                raw = f(x)
                coarsest, fx = max(coarsest, precision(raw)), scalar_value(raw)
            values.append(fx)
        else:
            value = f(x + o * step)
            if type(value) is not float:
                coarsest = max(coarsest, precision(value))
                value = scalar_value(value)
            values.append(value)
    return values, coarsest


def complex_valued(detail: str) -> TypeError:
    """The complex step's error for an f whose value at a real x is not real."""
    return TypeError(f"method='complex' needs a real-valued f (real at real x), but {detail}: differentiate its "
                     "real and imaginary parts apart, or use another method")


class Elementwise:
    """derivative()'s evaluation: f at whole arrays of points (or at numbers), one call per
    point of the stencil; by the runner (an executor), on threads, or in turn; written into
    target, the caller's array, for the call, with inplace."""

    def __init__(self, kernels: Any, f: Any, points: np.ndarray, options: EvaluationOptions,
                 target: Optional[np.ndarray], eps: float, tracker: Optional[Progress]) -> None:
        self.kernels = kernels
        self.runner = None if options.executor is None else \
            TaskRunner(options.executor, options.chunksize, options.timeout)
        if self.runner is not None:
            self.runner.check_function(f)
            self.runner.tracker = tracker
        elif tracker is not None:
            f = counted(f, tracker)
        self.f, self.threads, self.target = f, options.threads, target
        self.shape, self.flat, self.scalar = points.shape, points.reshape(-1), points.ndim == 0
        self.coarsest = eps  # the coarsest precision of x and of f's values seen
        self.calls = 0  # calls of f with the whole array of points

    def _argument(self, arg: np.ndarray, imag: bool) -> Any:
        if self.scalar:
            return complex(arg[0]) if imag else float(arg[0])
        return arg.reshape(self.shape)

    def _converted(self, value: Any, imag: bool) -> np.ndarray:
        self.coarsest = max(self.coarsest, precision(value))
        if self.scalar:
            return elementwise_values(np.asarray(value) if imag else scalar_value(value), (), imag)
        return elementwise_values(value, self.shape, imag)

    def _one(self, arg: np.ndarray, imag: bool) -> np.ndarray:
        if self.target is not None:
            return self._converted(call_in_place(self.f, self.target, arg), imag)
        return self._converted(self.f(self._argument(arg, imag)), imag)

    def at(self, args: list, imag: bool = False) -> list:
        """f at several flat arrays of points, each converted to a flat float64 array."""
        self.calls += len(args)
        if self.runner is not None:
            labels = [f"point {k} of the stencil" for k in range(len(args))]
            return [self._converted(v, imag) for v in self.runner.map(self.f, [self._argument(a, imag) for a in args],
                                                                      labels)]
        if self.threads > 1 and len(args) > 1:
            return run_parts([lambda a=a: self._one(a, imag) for a in args], self.kernels.StopFlag())
        return [self._one(a, imag) for a in args]

    def derivatives(self, hs: np.ndarray, stencil: Stencil, mask: Optional[np.ndarray] = None,
                    at_x: Optional[np.ndarray] = None) -> tuple[np.ndarray, list]:
        """The method's derivative at every point, by the evaluation the method table names, and
        f's values at the stencil's points.  With mask (bounds: the points of one side), only
        those points move, the others stay at x, and at_x is f(x) where the stencil uses it."""
        flat = self.flat
        if stencil.row.evaluation == "complex":  # (f at x + 0i too: it must be real there)
            at_x, stepped = self.at([flat + 0j, flat + 1j * hs], True)
            if np.any(at_x != 0):
                i = int(np.flatnonzero(at_x)[0])
                raise complex_valued(f"its value at {'x' if self.scalar else f'x.flat[{i}]'} has imaginary part "
                                     f"{float(at_x[i])!r}")
            return stepped / hs, []
        if mask is None:
            fvals = self.at([flat if o == 0.0 else flat + o * hs for o in stencil.offsets])
        else:
            fresh = self.at([flat + o * hs * mask for o in stencil.offsets if o != 0.0])
            fvals = [at_x if o == 0.0 else fresh.pop(0) for o in stencil.offsets]
        value = np.empty(flat.shape)
        self.kernels.combine(stencil, fvals, hs, value)
        return value, fvals

    def precision(self) -> float:
        """The coarsest precision of x and of f's values seen so far."""
        return self.coarsest

    def ladder(self, idx: np.ndarray) -> Callable[..., np.ndarray]:
        """The adaptive engine's evaluate for the points idx (f at every point, each time: the
        others at x)."""
        flat, moved = self.flat, np.zeros(self.flat.size)

        def evaluate(h: np.ndarray, offsets: tuple, lo: int, hi: int) -> np.ndarray:
            moved[idx] = h
            return np.stack(self.at([flat + o * moved for o in offsets]), axis=1)[idx][lo:hi, :, None]

        return evaluate
