"""The public API, written once and bound to one backend's kernels.

``make_api(kernels, module)`` returns the public functions for a kernel module
(fdgrad._ckernels or fdgrad._pykernels).  fdgrad and fdgrad.fallback both call
it, so the two have the same names, signatures, docstrings, argument checks
and error messages by construction; only the inner loops differ.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import inspect
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Callable, Iterator, Optional, Union

import numpy as np
from numpy.typing import ArrayLike

from . import _adaptive
from ._native import NativeFunction
from ._parallel import run_copies, run_parts, split
from ._checks import (
    as_point,
    check_options,
    as_points,
    check_bool,
    check_evaluation,
    check_outputs,
    resolve_f,
    check_index,
    check_lr,
    check_step_num,
    check_tolerance,
    resolve_method,
    imag_value,
    scalar_value,
    steps,
    vector_converter,
)
from ._stencils import ORDERS, Stencil, make_stencil

__all__ = ["PUBLIC_NAMES", "DiffInfo", "GradCheck", "make_api", "on_nonfinite"]

#: The public functions, in the order the documentation presents them.
PUBLIC_NAMES = (
    "derivative",
    "partial",
    "gradient",
    "jacobian",
    "hessian",
    "hessian_diag",
    "directional",
    "check_grad",
    "gradient_descent",
    "numerical_diff",
    "numerical_gradient",
)

#: The step of the textbook aliases (numerical_diff, numerical_gradient).
TEXTBOOK_STEP = 1e-4

#: The default bound on the memory of one batch of stacked points (vectorized=True).
DEFAULT_BATCH_BYTES = 64 * 2**20
#: The batch size vectorized evaluation aims at (measured fastest on numpy f's).
_CACHE_BATCH_BYTES = 256 * 2**10

#: Adaptive evaluation keeps at most this many f values in memory at once.
_ADAPTIVE_BLOCK = 1 << 20

#: The finite-difference methods (the complex step has no second derivative).
_FD_METHODS = ("central", "forward", "backward")

#: The stencils of the quick path (default order), by method.
_QUICK = {method: make_stencil(method, ORDERS[method][0]) for method in _FD_METHODS}

#: f(x) where a stencil does not use it.
_NO_F0 = np.full(1, np.nan)
_NO_F0.flags.writeable = False

Step = Union[float, ArrayLike, None]
Objective = Callable[[Any], Any]


@dataclass(frozen=True)
class DiffInfo:
    """What ``full_output=True`` returns beside the value.

    Attributes
    ----------
    error : float or ndarray
        The estimated absolute error of each entry of the value (its shape).
        Estimated with ``adaptive=True``; NaN where no estimate was made.
    nfev : int
        The number of evaluations of ``f``.
    step : float or ndarray
        The step behind each entry (for ``hessian``, the step of each
        coordinate, in ``x``'s shape).
    """

    error: Union[float, np.ndarray]
    nfev: int
    step: Union[float, np.ndarray]


_NONFINITE: contextvars.ContextVar[str] = contextvars.ContextVar("fdgrad_nonfinite", default="propagate")
_NONFINITE_POLICIES = ("propagate", "raise")


@contextlib.contextmanager
def on_nonfinite(policy: str) -> Iterator[None]:
    """What fdgrad does when f returns NaN or inf: a context manager.

    ``"propagate"`` (the default, as NumPy does): the affected entries of the
    result are NaN or inf, and only those (each coordinate's derivative uses
    its own evaluations; a one-sided stencil also uses f(x), which then
    reaches every entry).  ``"raise"``: a ``FloatingPointError`` naming the
    first affected entry.  The policy looks at the result: a non-finite
    value that does not reach it (``adaptive=True`` discards ladder entries
    that are not finite) raises nothing, and a result that overflows from
    finite values of f raises too.  The setting follows the context: each
    thread and asyncio task has its own, and fdgrad's worker threads inherit
    the caller's; processes and other machines use the default.

    Examples
    --------
    >>> import numpy as np
    >>> import fdgrad
    >>> f = lambda p: p[0] + p[1] if p[0] >= 0 else float("nan")  # undefined left of 0
    >>> fdgrad.gradient(f, [0.0, 1.0])
    array([nan,  1.])
    >>> with fdgrad.on_nonfinite("raise"):
    ...     fdgrad.gradient(f, [0.0, 1.0])
    Traceback (most recent call last):
        ...
    FloatingPointError: f returned NaN or inf: the result is nan at index (0,)...
    """
    if policy not in _NONFINITE_POLICIES:
        raise ValueError(f"policy must be one of {', '.join(map(repr, _NONFINITE_POLICIES))}, got {policy!r}")
    token = _NONFINITE.set(policy)
    try:
        yield
    finally:
        _NONFINITE.reset(token)


def _check_nonfinite(result: Any) -> None:
    """Under on_nonfinite("raise"): a FloatingPointError if the result has NaN or inf."""
    value = result[0] if isinstance(result, tuple) and not isinstance(result, GradCheckBase) else result
    if isinstance(value, GradCheckBase):
        value = value.numeric
    arr = np.asarray(value, dtype=np.float64)
    finite = np.isfinite(arr)
    if not finite.all():
        where = tuple(int(i) for i in np.argwhere(~finite)[0]) if arr.ndim else ()
        raise FloatingPointError(
            f"f returned NaN or inf: the result is {float(arr[where] if where else arr)} at index {where} "
            "(fdgrad.on_nonfinite('raise') is in effect)"
        )


def _note_arity(exc: TypeError, f: Any) -> None:
    """A note on a TypeError when f cannot take the one argument fdgrad gives it."""
    if not callable(f):
        return
    try:
        signature = inspect.signature(f)
    except (TypeError, ValueError):  # no signature to read (some builtins): nothing to add
        return
    try:
        signature.bind(0.0)
    except TypeError:
        note = f"fdgrad: f is called with one argument, the point x, but its signature is {signature}"
        if hasattr(exc, "add_note"):
            exc.add_note(note)
        else:  # Python < 3.11
            exc.__notes__ = [*getattr(exc, "__notes__", []), note]


class GradCheckBase:
    """Marks GradCheck for _check_nonfinite."""


@dataclass(frozen=True)
class GradCheck(GradCheckBase):
    """The result of :func:`check_grad`.

    Attributes
    ----------
    max_abs_error, max_rel_error : float
        The largest ``|grad - numeric|`` and the largest
        ``|grad - numeric| / max(|grad|, |numeric|)`` over all entries.
    worst_index : tuple of int
        The entry that exceeds its tolerance the most (or comes closest).
    ok : bool
        Whether every entry is within its tolerance,
        ``atol + rtol * |numeric| + error`` (error: the estimated error of the
        finite-difference value).
    numeric, analytic : ndarray
        The finite-difference gradient and the user's, in ``x``'s shape.
    tolerance : ndarray
        Each entry's tolerance.
    """

    max_abs_error: float
    max_rel_error: float
    worst_index: tuple
    ok: bool
    numeric: np.ndarray
    analytic: np.ndarray
    tolerance: np.ndarray


def _elementwise_values(value: Any, shape: tuple[int, ...], imag: bool) -> np.ndarray:
    """f's value at an array of points, for an elementwise derivative."""
    arr = np.asarray(value)
    if arr.shape != shape:
        raise ValueError(
            f"f must return an array of x's shape {shape} for an elementwise derivative, "
            f"got shape {arr.shape} (for a function of the whole array use gradient())"
        )
    if imag:
        return imag_value(shape)(arr).reshape(-1) if shape else np.array([imag_value(())(arr)])
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"f must return real numbers, got dtype {arr.dtype}")
    return np.ascontiguousarray(arr, dtype=np.float64).reshape(-1)


def _side(stencil: Stencil) -> int:
    return {"central": 0, "forward": 1, "backward": -1}[stencil.method]


def make_api(kernels: ModuleType, module: str) -> dict[str, Callable[..., Any]]:
    """The public functions bound to ``kernels``, presented as members of ``module``."""

    quick_gradient = kernels.quick_gradient

    def read_only_view(buffer: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        # f sees the working buffer in x's shape; it may read it but not write it.
        view = buffer.reshape(shape)
        view.flags.writeable = False
        return view

    class Problem:
        """f at a working copy of x: the buffer the kernels perturb, f's view of
        it, and how to evaluate (threads, batches of points, a native f)."""

        def __init__(self, f: Any, x: Any, name: str = "x", workers: int = 1, runner: Any = None,
                     vectorized: bool = False, max_batch_bytes: int = DEFAULT_BATCH_BYTES,
                     m: Optional[int] = None) -> None:
            self.f = f
            self.native = isinstance(f, NativeFunction)
            self.runner = runner
            if runner is not None:
                if self.native:
                    raise TypeError("a native f runs in this process; give it workers=<int> threads, not an executor")
                runner.check_function(f)
            self.work, self.shape = as_point(x, name)
            self.n = self.work.shape[0]
            self.view = read_only_view(self.work, self.shape)
            self.workers = workers
            self.vectorized = vectorized
            self.max_batch_bytes = max_batch_bytes
            self.m_native = m
            if self.native and vectorized:
                raise TypeError("vectorized=True needs a Python f that takes a stack of points, not a native function")

        def outputs(self, scalar: bool) -> tuple[np.ndarray, tuple[int, ...], Callable[[Any], Any]]:
            """f(x) as a flat array, its shape, and the converter of f's values."""
            if self.native:
                return self.native_outputs(scalar)
            if self.vectorized:
                stacked = np.asarray(self.f(self.view[None]))
                if stacked.ndim == 0 or stacked.shape[0] != 1:
                    raise ValueError(f"a vectorized f must return one value per point, shape (1, ...) for 1 point; "
                                     f"got shape {stacked.shape}")
                first = stacked[0]
            else:
                first = self.f(self.view)
            if scalar:
                return np.array([scalar_value(first)]), (), scalar_value
            first = np.asarray(first)
            if first.dtype.kind not in "iuf":
                raise TypeError(f"f must return real numbers, got {first!r} with dtype {first.dtype}")
            if first.size == 0:
                raise ValueError(f"f must return at least one value, got shape {first.shape}")
            convert = scalar_value if first.ndim == 0 else vector_converter(first.shape)
            return np.ascontiguousarray(first, dtype=np.float64).reshape(-1), first.shape, convert

        def native_shape(self, scalar: bool) -> Optional[tuple[int, tuple[int, ...]]]:
            """(m, out_shape) of a native f, known without calling it; None for a Python f."""
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

        def native_outputs(self, scalar: bool) -> tuple[np.ndarray, tuple[int, ...], Callable[[Any], Any]]:
            m, out_shape = self.native_shape(scalar)  # type: ignore[misc]
            f0 = np.empty(m)
            # x_0 + (-0.0) * 0.0 is x_0 exactly, -0.0 included: f at x itself.
            kernels.evaluate_range(self.f, scalar_value, self.work, self.view, m, np.zeros(self.n), (-0.0,), 0, 1, f0)
            return f0, out_shape, scalar_value

        def run(self, call: Callable[..., None], start: int, stop: int, cost: Optional[Callable[[int], int]] = None,
                ) -> None:
            """call(work, view, start, stop, parts): parts splits [start, stop) among
            the worker threads (None for one), each part on its own copy of the
            working buffer; the kernels run the parts."""
            pieces = split(start, stop, self.workers, cost)
            call(self.work, self.view, start, stop, pieces if len(pieces) > 1 else None)

        def batch_values(self, points: np.ndarray, count: int, m: int, out_shape: tuple[int, ...]) -> np.ndarray:
            """A vectorized f at `count` stacked points: (count, m) float64."""
            stacked = points.reshape((count,) + self.shape)
            stacked.flags.writeable = False  # a view: the reused buffer stays writable
            values = np.asarray(self.f(stacked))
            if values.shape != (count,) + out_shape:
                raise ValueError(f"a vectorized f must return shape {(count,) + out_shape} for {count} points "
                                 f"of shape {self.shape}, got {values.shape}")
            if values.dtype.kind not in "iuf":
                raise TypeError(f"f must return real numbers, got dtype {values.dtype}")
            return values.astype(np.float64, copy=False).reshape(count, m)

        def stencil_values(self, work: np.ndarray, hs: np.ndarray, offsets: tuple, lo: int, hi: int, m: int,
                           out_shape: tuple[int, ...], f0: Optional[np.ndarray] = None, share: int = 1) -> np.ndarray:
            """f at x_i + o h_i for the coordinates lo..hi-1, by batches of stacked
            points; (hi - lo, len(offsets), m), zero offsets taken from f0."""
            live = [k for k, o in enumerate(offsets) if o != 0.0 or f0 is None]
            values = np.empty((hi - lo, len(offsets), m))
            for k in range(len(offsets)):
                if k not in live:
                    values[:, k, :] = f0
            live_offsets = tuple(offsets[k] for k in live)
            if self.runner is not None:  # tasks for the workers, max_batch_bytes of points at a time
                batch = max(1, self.max_batch_bytes // (len(live) * self.n * 8))
                for a in range(lo, hi, batch):
                    b = min(a + batch, hi)
                    points = np.empty((b - a) * len(live) * self.n)
                    kernels.stencil_points(work, hs, live_offsets, a, b, points)
                    labels = [f"coordinate {self.index(i)} (x + {o:g} h)" for i in range(a, b) for o in live_offsets]
                    got = self.task_values(points, labels, m, out_shape)
                    values[a - lo:b - lo, live, :] = got.reshape(b - a, len(live), m)
                return values
            per_coordinate = len(live) * (self.n + m) * 8
            if per_coordinate > self.max_batch_bytes:
                raise ValueError(f"max_batch_bytes={self.max_batch_bytes} is too small: one coordinate's "
                                 f"{len(live)} points take {per_coordinate} bytes")
            # Batches of about _CACHE_BATCH_BYTES keep f's temporaries in cache (and
            # out of fresh mmap'd pages), which is faster than one huge batch;
            # max_batch_bytes only ever lowers that.
            budget = min(self.max_batch_bytes, _CACHE_BATCH_BYTES) // share  # share: threads batching at once
            batch = max(1, budget // per_coordinate)
            buffer = np.empty(min(batch, hi - lo) * len(live) * self.n)  # reused by every batch
            for a in range(lo, hi, batch):
                b = min(a + batch, hi)
                points = buffer[:(b - a) * len(live) * self.n]
                kernels.stencil_points(work, hs, live_offsets, a, b, points)
                got = self.batch_values(points, (b - a) * len(live), m, out_shape)
                values[a - lo:b - lo, live, :] = got.reshape(b - a, len(live), m)
            return values

        def index(self, i: int) -> tuple[int, ...]:
            """Flat index i as an index of x."""
            return tuple(int(k) for k in np.unravel_index(i, self.shape))

        def task_values(self, points: np.ndarray, labels: list, m: int, out_shape: tuple[int, ...],
                        convert: Optional[Callable[[Any], Any]] = None) -> np.ndarray:
            """f at each row of points (stacked flat), evaluated by the runner: (count, m)."""
            rows = points.reshape((len(labels),) + self.shape)
            rows.flags.writeable = False
            raw = self.runner.map(self.f, list(rows), labels)
            convert = convert or (scalar_value if out_shape == () else vector_converter(out_shape))
            return np.array([convert(value) for value in raw], dtype=np.float64).reshape(len(labels), m)

        def stencil_jacobian(self, hs: np.ndarray, stencil: Stencil, f0: np.ndarray, convert: Any,
                             start: int, stop: int, out_shape: tuple[int, ...]) -> np.ndarray:
            m = f0.size
            out = np.empty(m * self.n)

            # Threads batching at once: no more than max_batch_bytes of points in all.
            live = sum(1 for o in stencil.offsets if o != 0.0)
            share = min(self.workers, max(1, self.max_batch_bytes // (live * (self.n + m) * 8)))

            def batches(work: np.ndarray, view: np.ndarray, lo: int, hi: int) -> None:
                values = self.stencil_values(work, hs, stencil.offsets, lo, hi, m, out_shape, f0, share)
                kernels.combine_range(stencil, values.reshape(-1), m, hs, lo, hi, out)

            def call(work: np.ndarray, view: np.ndarray, lo: int, hi: int, parts: Any) -> None:
                if self.runner is not None:
                    batches(work, view, lo, hi)
                elif not self.vectorized:
                    kernels.jacobian_range(self.f, convert, work, view, m, hs, stencil, f0, lo, hi, out, None, parts)
                elif parts is None or share == 1:
                    batches(work, view, lo, hi)
                else:
                    run_copies(batches, work, view, split(lo, hi, share), kernels.StopFlag())

            self.run(call, start, stop)
            return out.reshape(m, self.n)

        def complex_jacobian(self, hs: np.ndarray, m: int, out_shape: tuple[int, ...],
                             start: int, stop: int) -> np.ndarray:
            out = np.empty(m * self.n)

            def call(work: np.ndarray, view: np.ndarray, lo: int, hi: int, parts: Any) -> None:
                xz = work.astype(np.complex128)
                if self.runner is not None:  # the points x + i h_k e_k, as tasks
                    points = np.repeat(xz[None, :], hi - lo, axis=0)
                    points.imag[np.arange(hi - lo), np.arange(lo, hi)] = hs[lo:hi]
                    labels = [f"coordinate {self.index(i)} (x + i h)" for i in range(lo, hi)]
                    rows = points.reshape((hi - lo,) + self.shape)
                    raw = self.runner.map(self.f, list(rows), labels)
                    imag = np.array([imag_value(out_shape)(v) for v in raw], dtype=np.float64).reshape(hi - lo, m)
                    out.reshape(m, self.n)[:, lo:hi] = imag.T / hs[lo:hi]
                    return
                kernels.complex_range(self.f, imag_value(out_shape), xz, read_only_view(xz, self.shape), m, hs,
                                      lo, hi, out, None, parts)

            self.run(call, start, stop)
            return out.reshape(m, self.n)

        def evaluate(self, h: np.ndarray, offsets: tuple, lo: int, hi: int, m: int, convert: Any,
                     out_shape: tuple[int, ...]) -> np.ndarray:
            """f at x_i + o h_i for every offset and coordinate lo..hi-1: (hi - lo, len(offsets), m)."""
            if self.vectorized or self.runner is not None:
                return self.stencil_values(self.work, h, offsets, lo, hi, m, out_shape)
            out = np.empty((hi - lo) * len(offsets) * m)

            def call(work: np.ndarray, view: np.ndarray, a: int, b: int, parts: Any) -> None:
                kernels.evaluate_range(self.f, convert, work, view, m, h, offsets, a, b, out, None, parts)

            self.run(call, lo, hi)
            return out.reshape(hi - lo, len(offsets), m)

        def adaptive_jacobian(self, stencil: Stencil, f0: np.ndarray, convert: Any, start: int, stop: int,
                              out_shape: tuple[int, ...]) -> _adaptive.AdaptiveResult:
            m = f0.size
            side = _side(stencil)

            def evaluate(h: np.ndarray, offsets: tuple, lo: int, hi: int) -> np.ndarray:
                return self.evaluate(h, offsets, lo, hi, m, convert, out_shape)

            block = max(1, _ADAPTIVE_BLOCK // (2 * _adaptive.CENTRAL_STEPS * m))
            parts = [
                _adaptive.adaptive_derivative(evaluate, self.work, m, side, f0, lo, min(lo + block, stop))
                for lo in range(start, stop, block)
            ]
            return _adaptive.AdaptiveResult(*(np.concatenate(p, axis=0) for p in zip(*parts)))

    def differentiate(problem: Problem, h: Any, stencil: Stencil, adaptive: bool, scalar: bool,
                      start: int = 0, stop: Optional[int] = None):
        """Derivatives of f's outputs along coordinates start..stop-1.

        Returns (values (m, n), errors, steps, nfev, out_shape); only columns
        start..stop-1 are meaningful.  errors is None (no estimate) or (m, n);
        steps is (n,) or (m, n): see ``expand``.
        """
        n = problem.n
        stop = n if stop is None else stop
        count = stop - start
        out_shape: tuple[int, ...]
        if stencil.method == "complex":
            if problem.native or problem.vectorized:
                raise TypeError("method='complex' needs a Python f that accepts complex input, "
                                "one point at a time")
            hs = steps(h, problem.work, problem.shape, stencil)
            if scalar:
                m, out_shape, nfev = 1, (), count
            else:
                xz = read_only_view(problem.work.astype(np.complex128), problem.shape)
                out_shape = np.shape(problem.f(xz))
                m, nfev = int(np.prod(out_shape)), count + 1
            values = problem.complex_jacobian(hs, m, out_shape, start, stop)
            return values, None, hs, nfev, out_shape
        known = problem.native_shape(scalar)
        needs_f0 = adaptive and stencil.method != "central" or 0.0 in stencil.offsets or (not scalar and known is None)
        if needs_f0:
            f0, out_shape, convert = problem.outputs(scalar)
        elif known is not None:
            f0, out_shape, convert = np.full(known[0], np.nan), known[1], scalar_value
        else:
            f0, out_shape, convert = _NO_F0, (), scalar_value
        if adaptive:
            result = problem.adaptive_jacobian(stencil, f0, convert, start, stop, out_shape)
            values = np.full((f0.size, n), np.nan)
            errors, used = values.copy(), values.copy()
            values[:, start:stop], errors[:, start:stop], used[:, start:stop] = (
                result.value.T, result.error.T, result.step.T)
            nfev = _adaptive.evaluations(count, _side(stencil)) + (1 if needs_f0 and stencil.method == "central" else 0)
            return values, errors, used, nfev, out_shape
        hs = steps(h, problem.work, problem.shape, stencil)
        values = problem.stencil_jacobian(hs, stencil, f0, convert, start, stop, out_shape)
        evaluated = sum(1 for o in stencil.offsets if o != 0.0)
        nfev = count * evaluated + (1 if needs_f0 else 0)
        return values, None, hs, nfev, out_shape

    def expand(values: np.ndarray, errors: Optional[np.ndarray], used: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """differentiate's errors and steps as arrays of values' shape (m, n)."""
        errors = np.full(values.shape, np.nan) if errors is None else errors
        return errors, np.broadcast_to(used, values.shape)

    def hessian_by_tasks(problem: Problem, hs: np.ndarray, f0: float, f1: np.ndarray, side: int,
                         out: np.ndarray) -> None:
        """The Hessian from points evaluated as tasks, with fdgrad_hessian_range's arithmetic,
        max_batch_bytes of points at a time."""
        n, x = problem.n, problem.work
        s = float(side)
        iu, ju = np.triu_indices(n)
        matrix = out.reshape(n, n)
        batch = max(1, problem.max_batch_bytes // (4 * n * 8))
        for a in range(0, len(iu), batch):
            bi, bj = iu[a:a + batch], ju[a:a + batch]
            points, labels, layout = [], [], []
            for i, j in zip(bi.tolist(), bj.tolist()):
                xi, hi, xj, hj = float(x[i]), float(hs[i]), float(x[j]), float(hs[j])
                if i == j:
                    moves = [[(i, xi + 1.0 * hi)], [(i, xi + -1.0 * hi)]] if side == 0 else [[(i, xi + 2.0 * s * hi)]]
                elif side == 0:
                    moves = [[(i, xi + hi), (j, xj + 1.0 * hj)], [(i, xi + hi), (j, xj + -1.0 * hj)],
                             [(i, xi - hi), (j, xj + 1.0 * hj)], [(i, xi - hi), (j, xj + -1.0 * hj)]]
                else:
                    moves = [[(i, xi + s * hi), (j, xj + s * hj)]]
                entry = []
                for move in moves:
                    point = x.copy()
                    for k, value in move:
                        point[k] = value
                    entry.append(len(points))
                    points.append(point)
                layout.append(entry + [-1] * (4 - len(entry)))
                labels.extend([f"Hessian entry {problem.index(i)}, {problem.index(j)}"] * len(moves))
            values = np.append(problem.task_values(np.array(points), labels, 1, ()).reshape(-1), np.nan)
            fv = values[np.array(layout)]  # (entries, 4); -1 picks the NaN pad
            diag, off = bi == bj, bi != bj
            hi_, hj_ = hs[bi], hs[bj]
            result = np.empty(len(bi))
            if side == 0:
                result[diag] = (fv[diag, 0] - 2.0 * f0 + fv[diag, 1]) / (hi_[diag] * hi_[diag])
                result[off] = (fv[off, 0] - fv[off, 1] - fv[off, 2] + fv[off, 3]) / (4.0 * hi_[off] * hj_[off])
            else:
                result[diag] = (fv[diag, 0] - 2.0 * f1[bi[diag]] + f0) / (hi_[diag] * hi_[diag])
                result[off] = (fv[off, 0] - f1[bi[off]] - f1[bj[off]] + f0) / (hi_[off] * hj_[off])
            matrix[bi, bj] = result
            matrix[bj, bi] = result

    def finish(value: Any, error: Any, nfev: int, step: Any, full_output: bool) -> Any:
        return (value, DiffInfo(error, nfev, step)) if full_output else value

    def derivative(
        f: Objective,
        x: ArrayLike,
        h: Step = None,
        method: str = "central",
        order: Optional[int] = None,
        adaptive: bool = False,
        full_output: bool = False,
        *,
        workers: Any = 1,
        chunksize: int = 1,
        timeout: Optional[float] = None,
    ) -> Any:
        """Derivative of a function of one variable.

        Parameters
        ----------
        f : callable
            ``f(x) -> float`` for a scalar ``x``.  For an array ``x``, ``f``
            is called with arrays of ``x``'s shape and must work elementwise,
            returning an array of the same shape.
        x : float or array_like
            The point, or an array of points.
        h : float or array_like, optional
            The step: a positive finite number, or an array of ``x``'s shape,
            used exactly as given.  The default is the conventional scaled
            step ``c * max(1, |x|)``, rounded so that ``x + h`` is exact,
            with ``c = eps**(1/(order+1))``: ``sqrt(eps)`` for order-1
            forward and backward differences, ``eps**(1/3)`` for order-2
            central ones.
        method : {"central", "forward", "backward", "complex"}
            ``(f(x+h) - f(x-h)) / (2h)``, ``(f(x+h) - f(x)) / h``,
            ``(f(x) - f(x-h)) / h`` and their higher orders, or the complex
            step ``Im f(x + ih) / h`` (``f`` must accept complex input).
        order : int, optional
            The accuracy order: 2 (default), 4, 6 or 8 for central
            differences, 1 (default), 2, 3 or 4 for one-sided ones.
        adaptive : bool
            Richardson extrapolation over a ladder of steps chosen from the
            data, with an error estimate: about 1e-13 relative accuracy for
            12 evaluations (central).  ``h`` and ``order`` are then unused.
        full_output : bool
            Also return a :class:`DiffInfo` with the estimated error, the
            number of evaluations and the steps.
        workers, chunksize, timeout
            As for :func:`gradient`: each of the stencil's evaluations (of
            a number, or of the whole array of points) is a task.

        Returns
        -------
        float or ndarray
            A float for a scalar ``x``; otherwise an array of ``x``'s shape.

        Examples
        --------
        >>> import numpy as np
        >>> import fdgrad
        >>> fdgrad.derivative(lambda x: x**3, 2, h=0.001, method="forward")
        12.006000999997823
        >>> fdgrad.derivative(lambda x: x**2, [1.0, 2.0, 3.0], h=1e-4)
        array([2., 4., 6.])
        >>> value, info = fdgrad.derivative(np.exp, 1.0, adaptive=True, full_output=True)
        >>> bool(abs(value / np.e - 1) < 1e-12), bool(info.error < 1e-11), info.nfev
        (True, True, 12)
        """
        f, stencil, adaptive, full_output = check_options(f, method, order, adaptive, full_output)
        if isinstance(f, NativeFunction):
            raise TypeError("derivative calls f with numbers or elementwise arrays; a native f works with "
                            "partial, gradient, jacobian, hessian, hessian_diag, check_grad and gradient_descent")
        threads, runner, _, _ = check_evaluation(workers, False, DEFAULT_BATCH_BYTES, chunksize, timeout)
        if runner is not None:
            runner.check_function(f)
        points = as_points(x)
        shape = points.shape
        flat = points.reshape(-1)
        scalar = points.ndim == 0
        imag = stencil.method == "complex"

        def argument(arg: np.ndarray) -> Any:
            if scalar:
                return complex(arg[0]) if imag else float(arg[0])
            return arg.reshape(shape)

        def converted(value: Any) -> np.ndarray:
            if scalar:
                return _elementwise_values(np.asarray(value) if imag else scalar_value(value), (), imag)
            return _elementwise_values(value, shape, imag)

        def evaluate_points(arg: np.ndarray) -> np.ndarray:
            return converted(f(argument(arg)))

        def evaluate_many(args: list) -> list:
            """f at several arguments: by the runner, on threads, or in turn."""
            if runner is not None:
                labels = [f"point {k} of the stencil" for k in range(len(args))]
                return [converted(v) for v in runner.map(f, [argument(a) for a in args], labels)]
            if threads > 1 and len(args) > 1:
                return run_parts([functools.partial(evaluate_points, a) for a in args], kernels.StopFlag())
            return [evaluate_points(a) for a in args]

        if adaptive:
            side = _side(stencil)
            f0 = evaluate_points(flat) if side else None

            def evaluate(h: np.ndarray, offsets: tuple, lo: int, hi: int) -> np.ndarray:
                columns = evaluate_many([flat + o * h for o in offsets])
                return np.stack(columns, axis=1)[:, :, None]

            result = _adaptive.adaptive_derivative(evaluate, flat, 1, side, f0, 0, flat.size)
            value, error, step = result.value[:, 0], result.error[:, 0], result.step[:, 0]
            nfev = _adaptive.evaluations(1, side)  # each call evaluates every element
        else:
            hs = steps(h, flat, shape, stencil)
            if imag:
                value = evaluate_many([flat + 1j * hs])[0] / hs
                nfev = 1
            else:
                fvals = evaluate_many([flat if o == 0.0 else flat + o * hs for o in stencil.offsets])
                value = np.empty(flat.shape)
                kernels.combine(stencil, fvals, hs, value)
                nfev = len(fvals)
            error, step = np.full(flat.shape, np.nan), hs
        if scalar:
            return finish(float(value[0]), float(error[0]), nfev, float(step[0]), full_output)
        return finish(value.reshape(shape), error.reshape(shape), nfev, step.reshape(shape), full_output)

    def partial(
        f: Objective,
        x: ArrayLike,
        i: Union[int, tuple[int, ...]],
        h: Step = None,
        method: str = "central",
        order: Optional[int] = None,
        adaptive: bool = False,
        full_output: bool = False,
    ) -> Any:
        """Partial derivative of ``f`` with respect to ``x[i]`` at ``x``.

        Parameters
        ----------
        f : callable
            ``f(x) -> float`` for an array ``x`` of ``x``'s shape.  ``f`` is
            given a read-only array and must not keep it: its contents change
            between calls.
        x : array_like
            The point (a list or an array of any shape); never modified.
        i : int or tuple of int
            The coordinate: a flat index (negative counts from the end) or,
            for an N-D ``x``, a tuple index such as ``(1, 2)``.
        h, method, order, adaptive, full_output
            As for :func:`gradient`; an array ``h`` contributes ``h[i]``.

        Returns
        -------
        float

        Examples
        --------
        >>> import fdgrad
        >>> f = lambda p: p[0] * p[0] + p[1] * p[1]
        >>> fdgrad.partial(f, [1, 3], 1, h=0.01, method="forward")
        6.009999999999849
        >>> fdgrad.partial(f, [1, 3], 1, order=4)
        6.0
        """
        f, stencil, adaptive, full_output = check_options(f, method, order, adaptive, full_output)
        problem = Problem(f, x)
        k = check_index(i, problem.shape)
        values, errors, used, nfev, _ = differentiate(problem, h, stencil, adaptive, True, k, k + 1)
        if not full_output:
            return float(values[0, k])
        errors, used = expand(values, errors, used)
        return finish(float(values[0, k]), float(errors[0, k]), nfev, float(used[0, k]), full_output)

    def gradient(
        f: Objective,
        x: ArrayLike,
        h: Step = None,
        method: str = "central",
        order: Optional[int] = None,
        adaptive: bool = False,
        full_output: bool = False,
        *,
        workers: Any = 1,
        vectorized: bool = False,
        max_batch_bytes: int = DEFAULT_BATCH_BYTES,
        chunksize: int = 1,
        timeout: Optional[float] = None,
    ) -> Any:
        """Gradient of a scalar function of an array.

        Parameters
        ----------
        f : callable
            ``f(x) -> float`` for an array ``x`` of ``x``'s shape.  ``f`` is
            given a read-only array and must not keep it: its contents change
            between calls.
        x : array_like
            The point: a list, a 1-D array, or an array of any shape such as
            a weight matrix.  Integers and float32 are converted to float64;
            ``x`` itself is never modified.
        h : float or array_like, optional
            The step: a positive finite number, or an array of ``x``'s shape,
            used exactly as given.  The default is the conventional scaled
            step ``c * max(1, |x_i|)``, rounded so that ``x_i + h_i`` is
            exact, with ``c = eps**(1/(order+1))``: ``sqrt(eps)`` for
            order-1 forward and backward differences, ``eps**(1/3)`` for
            order-2 central ones.
        method : {"central", "forward", "backward", "complex"}
            Central differences cost ``order * n`` evaluations of ``f``;
            one-sided ones ``order * n + 1`` (``f(x)`` is evaluated once);
            the complex step ``n`` (``f`` must accept complex input).
        order : int, optional
            The accuracy order: 2 (default), 4, 6 or 8 for central
            differences, 1 (default), 2, 3 or 4 for one-sided ones.
        adaptive : bool
            Richardson extrapolation per coordinate over a ladder of steps
            chosen from the data, with an error estimate: about 1e-13
            relative accuracy for 12 evaluations per coordinate (central).
        full_output : bool
            Also return a :class:`DiffInfo` (estimated error, evaluations,
            steps).
        workers : int, Executor or map-like callable
            An int: threads for the loop over coordinates (-1: one per
            core), each with its own copy of the working buffer.  With a
            native f (below) they run in parallel; a Python f holds the GIL.
            An executor (``concurrent.futures`` threads or processes, or a
            Dask cluster's ``client.get_executor()``) or a map-like callable
            (``multiprocessing.Pool(4).map``): every evaluation point is a
            task, so an expensive f runs on many cores or machines; f must
            then be picklable.  Either way the result is bit-identical to
            ``workers=1``, and an exception in f propagates with a note
            naming the coordinate it was evaluating.
        chunksize : int
            With an executor: points per task (1).
        timeout : float, optional
            With an executor: the longest to wait for every task, after
            which the rest are cancelled and ``TimeoutError`` is raised.
        vectorized : bool
            ``f`` takes a stack of points, shape ``(k,) + x.shape``, and
            returns ``(k,)``; fdgrad builds the perturbed points in C and
            calls ``f`` once per batch.
        max_batch_bytes : int
            The most memory one batch of stacked points may take (64 MiB).

        Returns
        -------
        ndarray
            The gradient, float64, of ``x``'s shape.

        Notes
        -----
        ``f`` may also be a compiled function with SciPy's signature
        ``double f(int n, double *x)`` or ``double f(int n, double *x, void
        *user_data)``: a ``scipy.LowLevelCallable``, a PyCapsule, a ctypes or
        cffi function pointer, or a numba ``@cfunc``.  The loop then runs in
        C without the GIL, and Ctrl-C stops it within a fraction of a second.

        Examples
        --------
        >>> import fdgrad
        >>> fdgrad.gradient(lambda p: p[0]**2 + p[1]**2, [3.0, 4.0], h=1e-4)
        array([6., 8.])
        >>> fdgrad.gradient(lambda w: (w**2).sum(), [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]).shape
        (2, 3)
        """
        if h is None and order is None and adaptive is False and full_output is False and type(workers) is int \
                and workers == 1 and vectorized is False and method in _QUICK:
            # The commonest call, minus the overhead (and minus the public wrapper: see policed).
            try:
                quick = quick_gradient(f, x, _QUICK[method])
            except TypeError as exc:
                _note_arity(exc, f)
                raise
            if quick is not None:
                if _NONFINITE.get() != "propagate":
                    _check_nonfinite(quick)
                return quick
        return general_gradient(f, x, h, method, order, adaptive, full_output, workers, vectorized,
                                max_batch_bytes, chunksize, timeout)

    def general_gradient(f: Objective, x: ArrayLike, h: Step, method: str, order: Optional[int], adaptive: bool,
                         full_output: bool, workers: Any, vectorized: bool, max_batch_bytes: int, chunksize: int,
                         timeout: Optional[float]) -> Any:
        f, stencil, adaptive, full_output = check_options(f, method, order, adaptive, full_output)
        problem = Problem(f, x, "x", *check_evaluation(workers, vectorized, max_batch_bytes, chunksize, timeout))
        values, errors, used, nfev, _ = differentiate(problem, h, stencil, adaptive, True)
        shape = problem.shape
        if not full_output:
            return values.reshape(shape)
        errors, used = expand(values, errors, used)
        return finish(values.reshape(shape), errors.reshape(shape), nfev, used.reshape(shape), full_output)

    def jacobian(
        f: Objective,
        x: ArrayLike,
        h: Step = None,
        method: str = "central",
        order: Optional[int] = None,
        adaptive: bool = False,
        full_output: bool = False,
        *,
        workers: Any = 1,
        vectorized: bool = False,
        max_batch_bytes: int = DEFAULT_BATCH_BYTES,
        chunksize: int = 1,
        timeout: Optional[float] = None,
        m: Optional[int] = None,
    ) -> Any:
        """Jacobian of an array-valued function of an array.

        Parameters
        ----------
        f : callable
            ``f(x) -> array`` for an array ``x`` of ``x``'s shape; every call
            returns the same shape.  ``f`` is given a read-only array and
            must not keep it.
        x : array_like
            The point, of any shape; never modified.
        h, method, order, adaptive, full_output, workers, max_batch_bytes
            As for :func:`gradient`.  ``f(x)`` is evaluated once, and the
            one-sided methods reuse it.
        vectorized : bool
            ``f`` takes a stack of points ``(k,) + x.shape`` and returns
            ``(k,) + f(x).shape``.
        m : int, optional
            For a native ``f`` with the signature ``void f(int n, double *x,
            int m, double *out[, void *user_data])``: how many values it writes.

        Returns
        -------
        ndarray
            ``J[j..., i...] = d f[j...] / d x[i...]``, of shape
            ``f(x).shape + x.shape``.

        Examples
        --------
        >>> import numpy as np
        >>> import fdgrad
        >>> fdgrad.jacobian(lambda p: np.array([p[0] * p[1], p[0] + 2 * p[1]]), [3.0, 4.0], h=1e-4)
        array([[4., 3.],
               [1., 2.]])
        """
        f, stencil, adaptive, full_output = check_options(f, method, order, adaptive, full_output)
        problem = Problem(f, x, "x", *check_evaluation(workers, vectorized, max_batch_bytes, chunksize, timeout), m=check_outputs(m))
        values, errors, used, nfev, out_shape = differentiate(problem, h, stencil, adaptive, False)
        shape = out_shape + problem.shape
        if not full_output:
            return values.reshape(shape)
        errors, used = expand(values, errors, used)
        return finish(values.reshape(shape), errors.reshape(shape), nfev, np.array(used).reshape(shape), full_output)

    def hessian(
        f: Objective,
        x: ArrayLike,
        h: Step = None,
        method: str = "central",
        full_output: bool = False,
        *,
        workers: Any = 1,
        chunksize: int = 1,
        timeout: Optional[float] = None,
    ) -> Any:
        """Hessian of a scalar function of an array, symmetric by construction.

        Parameters
        ----------
        f : callable
            ``f(x) -> float``, as for :func:`gradient`.
        x : array_like
            The point, of any shape; never modified.
        h : float or array_like, optional
            The step, used as given; the default is ``eps**(1/4) * max(1, |x_i|)``
            for central differences and ``eps**(1/3) * max(1, |x_i|)`` for
            one-sided ones, rounded so that ``x_i + h_i`` is exact.
        method : {"central", "forward", "backward"}
            Central: ``H_ij = (f(++) - f(+-) - f(-+) + f(--)) / (4 h_i h_j)``
            and ``H_ii = (f(x+h_i) - 2 f(x) + f(x-h_i)) / h_i**2``, error
            O(h**2), ``2 n**2 + 1`` evaluations.  One-sided: error O(h),
            ``n (n + 3) / 2 + 1`` evaluations.
        full_output : bool
            Also return a :class:`DiffInfo` (no error estimate; ``step`` has
            ``x``'s shape).
        workers : int
            Threads for the rows, as for :func:`gradient`; ``f`` may be native.

        Returns
        -------
        ndarray
            Of shape ``x.shape + x.shape``; exactly symmetric.

        Examples
        --------
        >>> import numpy as np
        >>> import fdgrad
        >>> H = fdgrad.hessian(lambda p: p[0]**2 * p[1] + p[1]**3, [1.0, 2.0])
        >>> np.round(H, 6)
        array([[ 4.,  2.],
               [ 2., 12.]])
        """
        f, stencil, _, full_output = check_options(f, method, None, False, full_output, 2, _FD_METHODS)
        problem = Problem(f, x, "x", *check_evaluation(workers, False, DEFAULT_BATCH_BYTES, chunksize, timeout))
        side = _side(stencil)
        hs = steps(h, problem.work, problem.shape, stencil)
        n = problem.n
        f0 = float(problem.outputs(True)[0][0])
        if side:
            f1 = problem.evaluate(hs, (float(side),), 0, n, 1, scalar_value, ()).reshape(n)
        else:
            f1 = np.empty(0)
        out = np.empty(n * n)

        def entries(work: np.ndarray, view: np.ndarray, lo: int, hi: int, parts: Any) -> None:
            kernels.hessian_range(f, scalar_value, work, view, hs, f0, f1, side, lo, hi, out, None, parts)

        if problem.runner is not None:
            hessian_by_tasks(problem, hs, f0, f1, side, out)
        else:
            problem.run(entries, 0, n * (n + 1) // 2)  # the upper triangle's entries, row by row
        nfev = 1 + (2 * n * n if side == 0 else n * (n + 3) // 2)
        shape = problem.shape + problem.shape
        return finish(out.reshape(shape), np.full(shape, np.nan), nfev, hs.reshape(problem.shape), full_output)

    def hessian_diag(
        f: Objective,
        x: ArrayLike,
        h: Step = None,
        method: str = "central",
        order: Optional[int] = None,
        full_output: bool = False,
        *,
        workers: Any = 1,
        vectorized: bool = False,
        max_batch_bytes: int = DEFAULT_BATCH_BYTES,
        chunksize: int = 1,
        timeout: Optional[float] = None,
    ) -> Any:
        """The diagonal of the Hessian, ``d2 f / d x_i**2``, without the rest.

        Parameters
        ----------
        f : callable
            ``f(x) -> float``, as for :func:`gradient`.
        x : array_like
            The point, of any shape; never modified.
        h : float or array_like, optional
            The step, used as given; the default is
            ``eps**(1/(order+2)) * max(1, |x_i|)``, rounded.
        method : {"central", "forward", "backward"}
        order : int, optional
            2 (default), 4, 6 or 8 for central differences; 1 (default) to 4
            for one-sided ones.
        full_output : bool
            Also return a :class:`DiffInfo`.
        workers, vectorized, max_batch_bytes
            As for :func:`gradient`.

        Returns
        -------
        ndarray
            Of ``x``'s shape.

        Examples
        --------
        >>> import numpy as np
        >>> import fdgrad
        >>> np.round(fdgrad.hessian_diag(lambda p: p[0]**2 * p[1] + p[1]**3, [1.0, 2.0]), 6)
        array([ 4., 12.])
        """
        f, stencil, _, full_output = check_options(f, method, order, False, full_output, 2, _FD_METHODS)
        problem = Problem(f, x, "x", *check_evaluation(workers, vectorized, max_batch_bytes, chunksize, timeout))
        values, errors, used, nfev, _ = differentiate(problem, h, stencil, False, True)
        shape = problem.shape
        errors, used = expand(values, errors, used)
        return finish(values.reshape(shape), errors.reshape(shape), nfev, used.reshape(shape), full_output)

    def directional(
        f: Objective,
        x: ArrayLike,
        v: ArrayLike,
        h: Optional[float] = None,
        method: str = "central",
        order: Optional[int] = None,
        adaptive: bool = False,
        full_output: bool = False,
    ) -> Any:
        """Directional derivative: the derivative of ``f(x + t v)`` at ``t = 0``.

        Equals ``gradient(f, x) . v`` (a Jacobian-vector product) but costs
        2 evaluations (central), whatever the size of ``x``.

        Parameters
        ----------
        f : callable
            ``f(x) -> float``, as for :func:`gradient`.
        x, v : array_like
            The point and the direction, of the same shape; ``v`` is not
            normalised (scale it to a unit vector for the slope along it).
        h : float, optional
            The step in ``t``; the default moves ``x`` by about
            ``c * max(1, max|x|)`` (``c`` as for :func:`gradient`).
        method, order, adaptive, full_output
            As for :func:`gradient`.

        Returns
        -------
        float

        Examples
        --------
        >>> import fdgrad
        >>> round(fdgrad.directional(lambda p: p[0]**2 + 3 * p[1], [1.0, 2.0], [1.0, 1.0]), 8)
        5.0
        """
        f, stencil, adaptive, full_output = check_options(f, method, order, adaptive, full_output)
        if isinstance(f, NativeFunction):
            raise TypeError("directional needs a Python f (it evaluates f along x + t v); use gradient(f, x) @ v "
                            "for a native f")
        work, shape = as_point(x)
        direction = as_points(v, "v")
        if direction.shape != shape:
            raise ValueError(f"v must have x's shape {shape}, got shape {direction.shape}")
        vflat = direction.reshape(-1)
        size = float(np.max(np.abs(vflat)))
        if size == 0.0:
            raise ValueError("v must not be zero")
        # g(t) = f(x + s t v) at t = 0, where s = max(1, max|x|) / max|v| makes
        # t's natural scale 1 (s = 1 when h is given: h is a step in t).
        scale = max(1.0, float(np.max(np.abs(work)))) / size if h is None else 1.0
        direction_step = scale * vflat

        def g(t: np.ndarray) -> Any:
            return f(read_only_view(work + t[0] * direction_step, shape))

        values, errors, used, nfev, _ = differentiate(Problem(g, np.zeros(1)), h, stencil, adaptive, True)
        errors, used = expand(values, errors, used)
        return finish(float(values[0, 0]) / scale, float(errors[0, 0]) / scale, nfev, float(used[0, 0]) * scale,
                      full_output)

    def check_grad(
        f: Objective,
        grad: Union[Objective, ArrayLike],
        x: ArrayLike,
        h: Step = None,
        method: str = "central",
        order: Optional[int] = None,
        adaptive: bool = True,
        rtol: float = 1e-6,
        atol: float = 1e-8,
        raise_on_mismatch: bool = False,
        *,
        workers: int = 1,
    ) -> GradCheck:
        """Check a gradient (hand-written or from autodiff) against fdgrad's.

        Parameters
        ----------
        f : callable
            ``f(x) -> float``.
        grad : callable or array_like
            ``grad(x) -> array`` of ``x``'s shape, or the gradient at ``x``.
        x : array_like
            The point; never modified.
        h, method, order, adaptive
            How fdgrad computes its gradient; by default adaptively, with an
            error estimate that widens each entry's tolerance.
        rtol, atol : float
            An entry passes when ``|grad - numeric| <= atol + rtol * |numeric|
            + error``, error being the estimated error of ``numeric``.
        raise_on_mismatch : bool
            Raise an ``AssertionError`` naming the worst entry, both values
            and the tolerance, instead of returning a failed check.
        workers : int
            As for :func:`gradient`; ``f`` may be native.

        Returns
        -------
        GradCheck
            ``max_abs_error``, ``max_rel_error``, ``worst_index``, ``ok``,
            ``numeric``, ``analytic`` and ``tolerance``.

        Examples
        --------
        >>> import numpy as np
        >>> import fdgrad
        >>> f = lambda p: p[0]**2 * p[1]
        >>> fdgrad.check_grad(f, lambda p: np.array([2 * p[0] * p[1], p[0]**2]), [1.5, -2.0]).ok
        True
        >>> result = fdgrad.check_grad(f, [-6.0, 2.0], [1.5, -2.0])
        >>> result.ok, result.worst_index
        (False, (1,))
        """
        resolve_f(f)
        rtol = check_tolerance(rtol, "rtol")
        atol = check_tolerance(atol, "atol")
        raise_on_mismatch = check_bool(raise_on_mismatch, "raise_on_mismatch")
        work, shape = as_point(x)
        if callable(grad):
            given = grad(read_only_view(work.copy(), shape))
        else:
            given = grad
        analytic = np.array(given, dtype=np.float64) if np.asarray(given).dtype.kind in "iuf" else None
        if analytic is None:
            raise TypeError(f"grad must give real numbers, got {np.asarray(given).dtype}")
        if analytic.shape != shape:
            raise ValueError(f"grad must give an array of x's shape {shape}, got shape {analytic.shape}")
        numeric, info = gradient(f, work.reshape(shape), h, method, order, adaptive, True, workers=workers)
        diff = np.abs(analytic - numeric)
        size = np.maximum(np.abs(analytic), np.abs(numeric))
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.where(size > 0, diff / size, 0.0)
        estimate = np.where(np.isfinite(info.error), info.error, 0.0)
        tolerance = atol + rtol * np.abs(numeric) + estimate
        with np.errstate(divide="ignore", invalid="ignore"):
            excess = np.where(diff == 0, 0.0, diff / tolerance)
        excess = np.where(np.isnan(excess), np.inf, excess)  # a NaN anywhere is a mismatch
        worst = tuple(int(k) for k in np.unravel_index(int(np.argmax(excess)), shape))
        ok = bool(np.all(excess <= 1.0))
        result = GradCheck(float(np.max(diff)), float(np.max(rel)), worst, ok, numeric, analytic, tolerance)
        if raise_on_mismatch and not ok:
            raise AssertionError(
                f"gradient mismatch at index {worst}: grad gives {float(analytic[worst])!r}, finite differences "
                f"give {float(numeric[worst])!r}; |difference| {float(diff[worst]):.3g} > tolerance "
                f"{float(tolerance[worst]):.3g} (atol {atol:g} + rtol {rtol:g} * |numeric| + estimated error "
                f"{float(estimate[worst]):.3g})"
            )
        return result

    def gradient_descent(
        f: Objective,
        init_x: ArrayLike,
        lr: float = 0.01,
        step_num: int = 100,
        h: Step = None,
        method: str = "central",
        history: bool = False,
        order: Optional[int] = None,
        adaptive: bool = False,
        *,
        workers: Any = 1,
        vectorized: bool = False,
        max_batch_bytes: int = DEFAULT_BATCH_BYTES,
        chunksize: int = 1,
        timeout: Optional[float] = None,
    ) -> Any:
        """Minimise ``f`` by gradient descent: ``x -= lr * gradient(f, x)``.

        Parameters
        ----------
        f : callable
            ``f(x) -> float``, as for :func:`gradient`.
        init_x : array_like
            The starting point; never modified.
        lr : float
            The learning rate, positive and finite.
        step_num : int
            The number of steps, ``>= 0``.
        h, method
            As for :func:`gradient`.  With ``h=None`` the step is chosen
            afresh at every iterate.
        history : bool
            Also return the path: every iterate, the start included.
        order, adaptive, workers, vectorized, max_batch_bytes
            As for :func:`gradient`; ``f`` may be native.

        Returns
        -------
        x : ndarray
            The last iterate, of ``init_x``'s shape.
        path : ndarray
            Only with ``history=True``: shape ``(step_num + 1,) + x.shape``.

        Examples
        --------
        >>> import fdgrad
        >>> x = fdgrad.gradient_descent(lambda p: p[0]**2 + p[1]**2, [-3.0, 4.0], lr=0.1, h=1e-4)
        >>> print(x)
        [-6.11110793e-10  8.14814391e-10]
        """
        f = resolve_f(f)
        rate = check_lr(lr)
        count = check_step_num(step_num)
        history = check_bool(history, "history")
        adaptive = check_bool(adaptive, "adaptive")
        stencil = resolve_method(method, order, adaptive)
        problem = Problem(f, init_x, "init_x", *check_evaluation(workers, vectorized, max_batch_bytes, chunksize, timeout))
        if h is not None:
            h = steps(h, problem.work, problem.shape, stencil)  # checked once, fixed
        work = problem.work
        path = np.empty((count + 1, problem.n)) if history else None
        if path is not None:
            path[0] = work
        remaining = count
        if problem.native and not adaptive and problem.workers == 1 and not problem.f.vector:
            # The whole descent in C, the GIL released but for Ctrl-C checks.
            kernels.descent(problem.f, work, problem.view, stencil, h, rate, count, path)
            remaining = 0
        for step in range(remaining):
            grad = differentiate(problem, None if h is None else h.reshape(problem.shape), stencil, adaptive, True)[0]
            work -= rate * grad[0]
            if path is not None:
                path[step + 1] = work
        if path is not None:
            return work.reshape(problem.shape), path.reshape((count + 1,) + problem.shape)
        return work.reshape(problem.shape)

    def numerical_diff(f: Objective, x: ArrayLike) -> Any:
        """The textbook ``numerical_diff``: central difference with h = 1e-4.

        Same as ``derivative(f, x, h=1e-4, method="central")``, that is
        ``(f(x + h) - f(x - h)) / (2 * h)``.

        Examples
        --------
        >>> import fdgrad
        >>> fdgrad.numerical_diff(lambda x: 0.01 * x**2 + 0.1 * x, 5)
        0.1999999999990898
        """
        return derivative(f, x, h=TEXTBOOK_STEP, method="central")

    def numerical_gradient(f: Objective, x: ArrayLike) -> np.ndarray:
        """The textbook ``numerical_gradient``: central differences with h = 1e-4.

        Same as ``gradient(f, x, h=1e-4, method="central")``.  Unlike the
        textbook loop it never modifies ``x``, so ``f`` must compute from the
        array it is given (not from a copy of ``x`` held elsewhere).

        Examples
        --------
        >>> import fdgrad
        >>> fdgrad.numerical_gradient(lambda p: p[0]**2 + p[1]**2, [3.0, 0.0])
        array([6., 0.])
        """
        return gradient(f, x, h=TEXTBOOK_STEP, method="central")

    def policed(fn: Callable[..., Any]) -> Callable[..., Any]:
        """fn, checking its result under on_nonfinite("raise")."""

        @functools.wraps(fn)
        def public(*args: Any, **kwargs: Any) -> Any:
            try:
                result = fn(*args, **kwargs)
            except TypeError as exc:
                _note_arity(exc, args[0] if args else kwargs.get("f"))
                raise
            if _NONFINITE.get() != "propagate":
                _check_nonfinite(result)
            return result

        public.__module__ = module
        public.__qualname__ = fn.__name__
        del public.__wrapped__  # its signature and docstring are fn's; it is no wrapper to unwrap
        public.__signature__ = inspect.signature(fn)  # type: ignore[attr-defined]
        return public

    api: dict[str, Callable[..., Any]] = {}
    for fn in (derivative, partial, gradient, jacobian, hessian, hessian_diag, directional, check_grad,
               gradient_descent, numerical_diff, numerical_gradient):
        api[fn.__name__] = policed(fn)
    # gradient's quick path does the wrapper's work itself, a frame cheaper; its general path is wrapped.
    general_gradient = policed(general_gradient)  # noqa: F841 - rebinds the name gradient calls
    gradient.__module__ = module
    gradient.__qualname__ = gradient.__name__
    api["gradient"] = gradient
    assert tuple(api) == PUBLIC_NAMES
    return api
