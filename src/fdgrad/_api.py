"""The public API: one class, whose instance is bound to one backend's kernels.

``fdgrad`` and ``fdgrad.fallback`` each hold one :class:`API` (over
``fdgrad._ckernels`` and ``fdgrad._pykernels``), and their module-level
functions are its bound methods, the way the standard library's ``random``
exposes one hidden ``Random()``.  So both have the same names, signatures,
docstrings, argument checks and error messages by construction, and tools see
real definitions.

Every method reads the same way: check the arguments (_checks), prepare the
point and choose how f is evaluated, once (_evaluation), compute (_numerics,
over the kernels), return (and, under ``on_nonfinite("raise")``, check) the
result.
"""

from __future__ import annotations

import inspect
import math
from typing import Any, Callable, Literal, Optional, Union, overload

import numpy as np
from numpy.typing import ArrayLike

from . import _adaptive
from ._checks import (
    DBL_MAX,
    NOT_SCALAR,
    as_point,
    bind_args,
    as_points,
    check_bool,
    check_derivative_order,
    check_h,
    check_history_size,
    check_native_size,
    divides,
    check_evaluation,
    check_inplace,
    check_index,
    check_lr,
    check_options,
    check_outputs,
    check_sparse_options,
    check_step_num,
    check_tolerance,
    precision,
    resolve_f,
    resolve_method,
    scalar_value,
    steps,
)
from ._evaluation import Batched, InPlace, Point, Serial, Shared, Tasks, Threads, call_in_place, read_only_view
from ._bounds import check_bounds
from ._adaptive import TOP_FRACTION  # the largest step (in t) an adaptive ladder takes at t = 0
from ._native import NativeFunction
from ._numerics import descend, differentiate, elementwise, expand, hessian
from ._results import DescentInfo, DiffInfo, GradCheck, finish, note_arity, policed, shaped
from ._sparsity import ColumnGroups, as_groups, hessian_pattern, sparse_hessian, sparse_jacobian
from ._progress import Progress, close, counted, start
from ._stencils import EPS, norm, side, stencil_value

__all__ = ["API", "CALLABLE_NAMES", "DEFAULT_BATCH_BYTES", "PUBLIC_NAMES", "TEXTBOOK_STEP", "bound_callables"]

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

#: The finite-difference methods (the complex step has no second derivative).
_FD_METHODS = ("central", "forward", "backward")

Step = Union[float, ArrayLike, None]
Method = Literal["central", "forward", "backward", "complex"]
Objective = Callable[[Any], Any]


def _finite_float(x: Any) -> Optional[float]:
    """x as a float if it is a finite Python number; None for anything else (arrays, NaN, huge ints...)."""
    if type(x) is float:
        return x if math.isfinite(x) else None
    if type(x) is int:
        try:
            return float(x)
        except OverflowError:
            return None
    return None


def planned(stencil: Any, n: int, adaptive: bool, f0: int = 0) -> int:
    """The evaluations a derivative along n coordinates plans (progress=), f(x) for the output
    shape (f0) included."""
    if stencil.method == "complex":
        return n + f0
    if adaptive:
        return _adaptive.evaluations(n, side(stencil), stencil.hpow) + f0
    return n * stencil.evaluated + max(int(stencil.uses_f0), f0)


def hessian_evaluations(n: int, stencil: Any, adaptive: bool) -> int:
    """The evaluations a dense Hessian plans (progress=)."""
    if adaptive:
        return _adaptive.hessian_evaluations(n)
    if stencil.method == "central":
        return 1 + stencil.order // 2 * 2 * n * n
    return 1 + stencil.order * n * (n + 3) // 2


def plan(tracker: Optional[Progress], total: int) -> None:
    if tracker is not None:
        tracker.plan(total)


class API:
    """fdgrad's public functions over one kernel module (``_ckernels`` or ``_pykernels``)."""

    def __init__(self, kernels: Any) -> None:
        self._kernels = kernels

    def _evaluation(self, f: Any, x: Any, name: str, workers: Any, vectorized: Any, max_batch_bytes: Any,
                    chunksize: Any, timeout: Any, m: Optional[int] = None, inplace: Any = False,
                    complex_step: bool = False, tracker: Optional[Progress] = None) -> Serial:
        """x prepared, and how f will be evaluated: chosen once, here (and, with progress=,
        how its evaluations are counted: a Python f by a wrapper, tasks as they come back, a
        native f by pieces of the kernels' loops)."""
        threads, runner, vectorized, max_batch_bytes = check_evaluation(workers, vectorized, max_batch_bytes,
                                                                        chunksize, timeout)
        native = isinstance(f, NativeFunction)
        if tracker is not None and runner is not None:
            runner.tracker = tracker
        elif tracker is not None and not native:
            f = counted(f, tracker, bool(vectorized))
        if inplace is not False:
            # A float64 array the kernels' loops can work on directly: a copy for the restore, values checked.
            serial = threads == 1 and runner is None and not vectorized and not native and not complex_step
            shared = self._kernels.working_copy(x, True) if serial else None
            if shared is not None and (inplace is None or check_bool(inplace, "inplace")):
                return Shared(self._kernels, f, x, shared[0].reshape(x.shape))
            if check_inplace(inplace, x, name, native, threads, runner, vectorized, complex_step):
                work, shape = as_point(x, name)  # x's values checked (finite, ...)
                return InPlace(self._kernels, f, Point(work, shape, None, precision(x)), x)
        if runner is not None:
            if native:
                raise TypeError("a native f runs in this process; give it workers=<int> threads, not an executor")
            runner.check_function(f)
        prepared = self._kernels.working_copy(x)  # a finite float64 array, copied in one go
        point = Point(*as_point(x, name), None, precision(x)) if prepared is None else \
            Point(prepared[0], x.shape, prepared[1])
        if native and vectorized:
            raise TypeError("vectorized=True needs a Python f that takes a stack of points, not a native function")
        if native:
            check_native_size(point.n, name)
        if runner is not None:
            return Tasks(self._kernels, f, point, m, runner, max_batch_bytes)
        if vectorized:
            return Batched(self._kernels, f, point, m, threads, max_batch_bytes)
        ev = Threads(self._kernels, f, point, m, threads) if threads > 1 else Serial(self._kernels, f, point, m)
        ev.tracker = tracker if native else None
        return ev

    @staticmethod
    def _box(bounds: Any, ev: Serial, target: Optional[np.ndarray] = None) -> Any:
        """bounds checked against the point; refused in place on an array of a coarser float (its
        steps are rounded to that dtype, which could carry a point past a bound)."""
        box = check_bounds(bounds, ev.point.work, ev.point.shape) if ev is not None else None
        array = getattr(ev, "target", None) if target is None else target
        if bounds is not None and array is not None and array.dtype != np.float64:
            raise ValueError(f"bounds with inplace=True need a float64 array (steps in {array.dtype} could carry x "
                             f"past a bound); pass a float64 x, or inplace=False")
        return box

    def derivative(
        self,
        f: Objective,
        x: ArrayLike,
        h: Step = None,
        method: Method = "central",
        order: Optional[int] = None,
        adaptive: bool = False,
        full_output: bool = False,
        *,
        n: int = 1,
        workers: Any = 1,
        chunksize: int = 1,
        timeout: Optional[float] = None,
        bounds: Any = None,
        progress: Any = False,
        inplace: Optional[bool] = False,
        args: Any = (),
        kwargs: Optional[dict] = None,
    ) -> Any:
        """Derivative of a function of one variable, of order ``n`` (1 to 4).

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
            12 evaluations (central; 10 one-sided).  For ``n`` = 2, 3, 4:
            13, 24, 25 (central) and 19, 28, 37 (one-sided).  For an array
            ``x`` whose points need different ladders (see the README),
            ``f`` is called a few more times (each call with every point).
            ``h`` and ``order`` are then unused.
        full_output : bool
            Also return a :class:`DiffInfo` with the estimated error, the
            number of evaluations (calls of ``f``) and the steps.
        n : int
            The order of the derivative: 1 (default), 2, 3 or 4, with
            every finite-difference method, order and ``adaptive``.  The
            stencils come from Taylor series (the second derivative's
            central one is ``(f(x+h) - 2 f(x) + f(x-h)) / h**2``), and the
            default step is ``eps**(1/(order+n)) * max(1, |x|)``.  The
            complex step gives first derivatives only.
        workers, chunksize, timeout
            As for :func:`gradient`: each of the stencil's evaluations (of
            a number, or of the whole array of points) is a task.
        bounds : (lb, ub) or scipy.optimize.Bounds, optional
            As for :func:`gradient`, per point (f is called with the points
            of each side of the stencil in calls of their own, the other
            points at x).
        progress : bool or callable
            As for :func:`gradient`.

        inplace, args, kwargs
            As for :func:`gradient`.

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
        >>> second, info = fdgrad.derivative(np.sin, 0.5, n=2, adaptive=True, full_output=True)
        >>> bool(abs(second + np.sin(0.5)) < 1e-10), bool(abs(second + np.sin(0.5)) <= info.error)
        (True, True)
        """
        tracker = start(progress, "derivative")
        try:
            g, stencil, adaptive, full_output = check_options(f, method, order, adaptive, full_output,
                                                              check_derivative_order(n, method), h=h)
            g = bind_args(g, args, kwargs)
            if isinstance(g, NativeFunction):
                raise TypeError("derivative calls f with numbers or elementwise arrays; a native f works with "
                                "partial, gradient, jacobian, hessian, hessian_diag, check_grad and gradient_descent")
            threads, runner, _, _ = check_evaluation(workers, False, DEFAULT_BATCH_BYTES, chunksize, timeout)
            if runner is not None:
                runner.check_function(g)
            if tracker is not None:
                plan(tracker, planned(stencil, 1, adaptive))
                if runner is not None:
                    runner.tracker = tracker
                else:
                    g = counted(g, tracker)
            target = x if inplace is not False and check_inplace(inplace, x, "x", False, threads, runner, False,
                                                                 stencil.method == "complex") else None
            number = _finite_float(x)
            if number is not None and not adaptive and runner is None and stencil.method != "complex":
                box = check_bounds(bounds, np.array([number]), ())
                result = self._scalar_derivative(g, number, h, stencil, full_output, box=box)  # f at numbers
                return policed(result)
            points = as_points(x)
            box = check_bounds(bounds, points.reshape(-1), points.shape)
            self._box(bounds, None, target)
            result = elementwise(self._kernels, g, points, h, stencil, adaptive, threads, runner, full_output,
                                 target, precision(x), box)
        except TypeError as exc:
            note_arity(exc, f, args, kwargs)
            raise
        finally:
            close(tracker)
        return policed(result)

    def _scalar_derivative(self, f: Objective, x: float, h: Step, base: Any, full_output: bool,
                           eps: float = EPS, passes: int = 1, box: Any = None) -> Any:
        """derivative() at a finite float x: f(x + o h) for each offset, the stencil formula
        (base's, or near a bound, the one the bounds leave room for)."""
        stencil = base
        if type(h) is float and 0.0 < h < math.inf and abs(x) + stencil.reach * h <= DBL_MAX and divides(h, stencil):
            step = h  # the commonest given step, checked at once
        else:
            step = float(steps(self._kernels, h, np.array([x]), (), stencil, eps)[0])
        if box is not None:
            sides, fitted, by_side = box.scheme(np.array([x]), np.array([step]), stencil)
            stencil, step = by_side[int(sides[0])], float(fitted[0])
        fx, coarsest = None, EPS
        values = []
        for o in stencil.offsets:
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
        if h is None and coarsest > eps:  # f returns float32 (or float16): steps for that precision
            return self._scalar_derivative(f, x, h, base, full_output, coarsest, 2, box)
        result = stencil_value(stencil.weights, stencil.denom, stencil.hpow, values, step)
        return finish(result, math.nan, passes * len(values), step, full_output)

    def partial(
        self,
        f: Objective,
        x: ArrayLike,
        i: Union[int, tuple[int, ...]],
        h: Step = None,
        method: Method = "central",
        order: Optional[int] = None,
        adaptive: bool = False,
        full_output: bool = False,
        *,
        bounds: Any = None,
        progress: Any = False,
        inplace: Optional[bool] = False,
        args: Any = (),
        kwargs: Optional[dict] = None,
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
        h, method, order, adaptive, full_output, bounds
            As for :func:`gradient`; an array ``h`` contributes ``h[i]``.
        progress : bool or callable
            As for :func:`gradient`.

        inplace, args, kwargs
            As for :func:`gradient`.

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
        tracker = start(progress, "partial")
        try:
            g, stencil, adaptive, full_output = check_options(f, method, order, adaptive, full_output, h=h)
            g = bind_args(g, args, kwargs)
            ev = self._evaluation(g, x, "x", 1, False, DEFAULT_BATCH_BYTES, 1, None, None, inplace,
                                  stencil.method == "complex", tracker)
            plan(tracker, planned(stencil, 1, adaptive))
            k = check_index(i, ev.point.shape)
            box = self._box(bounds, ev)
            values, errors, used, nfev, _, converged = differentiate(ev, h, stencil, adaptive, True, k, k + 1, box)
        except TypeError as exc:
            note_arity(exc, f, args, kwargs)
            raise
        finally:
            close(tracker)
        if full_output:
            errors, used = expand(values, errors, used)
            result = finish(float(values[0, k]), float(errors[0, k]), nfev, float(used[0, k]), full_output,
                            True if converged is None else bool(converged[0, k]))
        else:
            result = float(values[0, k])
        return policed(result)

    @overload
    def gradient(self, f: Objective, x: ArrayLike, h: Step = None, method: Method = "central",
                 order: Optional[int] = None, adaptive: bool = False, full_output: Literal[False] = False, *,
                 workers: Any = 1, vectorized: bool = False, max_batch_bytes: int = DEFAULT_BATCH_BYTES,
                 chunksize: int = 1, timeout: Optional[float] = None,
                 bounds: Any = None, progress: Any = False, inplace: Optional[bool] = False, args: Any = (),
                 kwargs: Optional[dict] = None) -> np.ndarray: ...

    @overload
    def gradient(self, f: Objective, x: ArrayLike, h: Step = None, method: Method = "central",
                 order: Optional[int] = None, adaptive: bool = False, *, full_output: Literal[True],
                 workers: Any = 1, vectorized: bool = False, max_batch_bytes: int = DEFAULT_BATCH_BYTES,
                 chunksize: int = 1, timeout: Optional[float] = None,
                 bounds: Any = None, progress: Any = False, inplace: Optional[bool] = False, args: Any = (),
                 kwargs: Optional[dict] = None) -> tuple[np.ndarray, DiffInfo]: ...

    def gradient(
        self,
        f: Objective,
        x: ArrayLike,
        h: Step = None,
        method: Method = "central",
        order: Optional[int] = None,
        adaptive: bool = False,
        full_output: bool = False,
        *,
        workers: Any = 1,
        vectorized: bool = False,
        max_batch_bytes: int = DEFAULT_BATCH_BYTES,
        chunksize: int = 1,
        timeout: Optional[float] = None,
        bounds: Any = None,
        progress: Any = False,
        inplace: Optional[bool] = False,
        args: Any = (),
        kwargs: Optional[dict] = None,
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
        bounds : (lb, ub) or scipy.optimize.Bounds, optional
            f is never evaluated outside ``lb <= x <= ub`` (numbers or
            arrays broadcast to ``x``'s shape, -inf/inf where unbounded;
            ``x`` must lie within, and ``lb < ub``).  Near a bound the
            stencil turns one-sided, into the box, with the same order of
            accuracy (central orders 6 and 8 become one-sided order 4) and
            the same step; where neither side has room for it, the step
            shrinks to fit the side with more room (SciPy's rule).  With
            ``adaptive``, a coordinate keeps the central ladder while both
            sides leave a sixteenth of its largest natural step
            (``max(1, |x|) / 4``) and turns one-sided towards the larger
            room otherwise; every step is capped by the room left, and the
            error estimate covers the rounding of the smaller steps.
        progress : bool or callable
            True: a progress bar (tqdm: ``pip install tqdm``) counting the
            evaluations of f as they happen, on threads and executors too
            (an executor's tasks count as they come back, and stay the
            executor's own futures, so Dask's progress tools see them; a
            native f, which runs in C, counts by pieces of its loop).  A
            callable is called as ``progress(done, total)`` instead, from
            the thread that evaluated f, ``total`` being the planned number
            of evaluations (it grows where more are needed).  The bar is
            removed when the call returns.

        inplace : bool or None
            False (the default): f is called with a read-only copy of x.
            True: f is called with x itself, one coordinate changed at a time
            and restored bit for bit after each evaluation (also when f
            raises, and on Ctrl-C), for an f that reads x from elsewhere (the
            textbooks' ``lambda W: net.loss(x, t)``).  x must then be a
            writable floating-point array (float64, float32, float16; any
            shape and strides), evaluated serially; it changes during the
            call, never after it.  None: in place when x allows it.
        args, kwargs
            Extra arguments of f, called as ``f(x, *args, **kwargs)``, as in
            ``scipy.optimize``.

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
        tracker = start(progress, "gradient")
        try:
            g, stencil, adaptive, full_output = check_options(f, method, order, adaptive, full_output, h=h)
            g = bind_args(g, args, kwargs)
            ev = self._evaluation(g, x, "x", workers, vectorized, max_batch_bytes, chunksize, timeout, None, inplace,
                                  stencil.method == "complex", tracker)
            plan(tracker, planned(stencil, ev.point.n, adaptive))
            box = self._box(bounds, ev)
            values, errors, used, nfev, _, converged = differentiate(ev, h, stencil, adaptive, True, box=box)
        except TypeError as exc:
            note_arity(exc, f, args, kwargs)
            raise
        finally:
            close(tracker)
        return policed(shaped(values, errors, used, nfev, ev.point.shape, full_output, converged))

    @overload
    def jacobian(self, f: Objective, x: ArrayLike, h: Step = None, method: Method = "central",
                 order: Optional[int] = None, adaptive: bool = False, full_output: Literal[False] = False, *,
                 workers: Any = 1, vectorized: bool = False, max_batch_bytes: int = DEFAULT_BATCH_BYTES,
                 chunksize: int = 1, timeout: Optional[float] = None, m: Optional[int] = None,
                 sparsity: Any = None, bounds: Any = None, progress: Any = False, inplace: Optional[bool] = False,
                 args: Any = (), kwargs: Optional[dict] = None) -> Any: ...

    @overload
    def jacobian(self, f: Objective, x: ArrayLike, h: Step = None, method: Method = "central",
                 order: Optional[int] = None, adaptive: bool = False, *, full_output: Literal[True],
                 workers: Any = 1, vectorized: bool = False, max_batch_bytes: int = DEFAULT_BATCH_BYTES,
                 chunksize: int = 1, timeout: Optional[float] = None,
                 m: Optional[int] = None, sparsity: Any = None,
                 bounds: Any = None, progress: Any = False, inplace: Optional[bool] = False, args: Any = (),
                 kwargs: Optional[dict] = None) -> tuple[Any, DiffInfo]: ...

    def jacobian(
        self,
        f: Objective,
        x: ArrayLike,
        h: Step = None,
        method: Method = "central",
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
        sparsity: Any = None,
        bounds: Any = None,
        progress: Any = False,
        inplace: Optional[bool] = False,
        args: Any = (),
        kwargs: Optional[dict] = None,
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
        h, method, order, adaptive, full_output, workers, max_batch_bytes, chunksize, timeout, bounds
            As for :func:`gradient`.  ``f(x)`` is evaluated once, and the
            one-sided methods reuse it.
        vectorized : bool
            ``f`` takes a stack of points ``(k,) + x.shape`` and returns
            ``(k,) + f(x).shape``.
        m : int, optional
            For a native ``f`` with the signature ``void f(int n, double *x,
            int m, double *out[, void *user_data])``: how many values it writes.
        sparsity : scipy.sparse matrix, array_like or ColumnGroups, optional
            The pattern of the Jacobian's structural non-zeros, shape
            ``(f(x).size, x.size)``: a ``scipy.sparse`` matrix or array,
            a boolean (or 0/1) array, or the :class:`ColumnGroups` that
            :func:`group_columns` made from one (reuse it across calls: it
            skips the grouping).  Columns that share no row are evaluated
            together, so f is called ``len(offsets) * ngroups`` times (+1
            for ``f(x)``) instead of once per column and offset: 7 times
            for a tridiagonal Jacobian of any size (central).  Entries
            outside the pattern are taken to be zero, so a pattern that
            misses a non-zero gives wrong values.  Fixed-step differences
            only (not ``adaptive`` nor the complex step).
        progress : bool or callable
            As for :func:`gradient`.

        inplace, args, kwargs
            As for :func:`gradient`.

        Returns
        -------
        ndarray or scipy.sparse matrix
            ``J[j..., i...] = d f[j...] / d x[i...]``, of shape
            ``f(x).shape + x.shape``.  With a ``scipy.sparse`` pattern: a
            matrix (or array) of the pattern's format and class, of shape
            ``(f(x).size, x.size)``; with ``full_output``, ``info.error`` is
            then NaN (no estimate) and ``info.step`` has ``x``'s shape.

        Examples
        --------
        >>> import numpy as np
        >>> import fdgrad
        >>> fdgrad.jacobian(lambda p: np.array([p[0] * p[1], p[0] + 2 * p[1]]), [3.0, 4.0], h=1e-4)
        array([[4., 3.],
               [1., 2.]])
        """
        tracker = start(progress, "jacobian")
        try:
            g, stencil, adaptive, full_output = check_options(f, method, order, adaptive, full_output, h=h)
            groups = None if sparsity is None else as_groups(self._kernels, check_sparse_options(
                sparsity, adaptive, stencil.method))
            g = bind_args(g, args, kwargs)
            ev = self._evaluation(g, x, "x", workers, vectorized, max_batch_bytes, chunksize, timeout,
                                  check_outputs(m), inplace, stencil.method == "complex", tracker)
            plan(tracker, planned(stencil, ev.point.n, adaptive, 1) if groups is None else
                 1 + groups.ngroups * sum(o != 0.0 for o in stencil.offsets))
            box = self._box(bounds, ev)
            if groups is not None:
                f0, out_shape, convert = ev.outputs(False)
                result, hs, nfev = sparse_jacobian(ev, h, stencil, groups, f0, convert, out_shape, box)
                return policed(finish(result, math.nan, nfev + 1, hs.reshape(ev.point.shape), full_output))
            values, errors, used, nfev, out_shape, converged = differentiate(ev, h, stencil, adaptive, False, box=box)
        except TypeError as exc:
            note_arity(exc, f, args, kwargs)
            raise
        finally:
            close(tracker)
        return policed(shaped(values, errors, used, nfev, out_shape + ev.point.shape, full_output, converged))

    def hessian(
        self,
        f: Objective,
        x: ArrayLike,
        h: Step = None,
        method: Literal["central", "forward", "backward"] = "central",
        order: Optional[int] = None,
        adaptive: bool = False,
        full_output: bool = False,
        *,
        workers: Any = 1,
        chunksize: int = 1,
        timeout: Optional[float] = None,
        sparsity: Any = None,
        bounds: Any = None,
        progress: Any = False,
        inplace: Optional[bool] = False,
        args: Any = (),
        kwargs: Optional[dict] = None,
    ) -> Any:
        """Hessian of a scalar function of an array, symmetric by construction.

        Parameters
        ----------
        f : callable
            ``f(x) -> float``, as for :func:`gradient`.
        x : array_like
            The point, of any shape; never modified.
        h : float or array_like, optional
            The step, used as given; the default is
            ``eps**(1/(order+2)) * max(1, |x_i|)`` (``eps**(1/4)`` for the
            default central order 2, ``eps**(1/3)`` for one-sided order 1),
            rounded so that ``x_i + h_i`` is exact.
        method : {"central", "forward", "backward"}
            Central: ``H_ij = (f(++) - f(+-) - f(-+) + f(--)) / (4 h_i h_j)``
            and ``H_ii = (f(x+h_i) - 2 f(x) + f(x-h_i)) / h_i**2``, error
            O(h**2), ``2 n**2 + 1`` evaluations.  One-sided: error O(h),
            ``n (n + 3) / 2 + 1`` evaluations.
        order : int, optional
            2 (default), 4, 6 or 8 for central differences, 1 (default) to 4
            for one-sided ones: Richardson's combination of the Hessians at
            steps ``h, 2h, ..., (order / 2) h`` (central) or ``h, ..., order
            h`` (one-sided), which on the diagonal is the central stencil of
            that order (as :func:`hessian_diag` uses); the cost is that many
            Hessians.
        adaptive : bool
            Richardson extrapolation over four central Hessians at steps
            ``s, 2.1 s, 2.1**2 s, 2.1**3 s``, with ``s`` placed per
            coordinate from a pilot second difference as :func:`derivative`
            places its steps, an
            error estimate for every entry, and the pilot's check of the
            diagonal: ``8 n**2 + 2 n + 1`` evaluations.  ``h`` and ``order``
            are then unused; central only.
        full_output : bool
            Also return a :class:`DiffInfo`: ``step`` has ``x``'s shape (the
            smallest step of the ladder, with ``adaptive``), ``error`` and
            ``converged`` the Hessian's (``error`` NaN without ``adaptive``).
        workers, chunksize, timeout
            Threads or an executor for the entries, as for :func:`gradient`;
            ``f`` may be native.
        sparsity : scipy.sparse matrix, array_like or ColumnGroups, optional
            The pattern of the Hessian's structural non-zeros, shape
            ``(x.size, x.size)`` (it and its transpose are used): only those
            entries are computed, each by the formula above, so each equals
            the dense Hessian's entry bit for bit.  Central: ``1 + 2 d + 4
            p`` evaluations per order (``d`` diagonal entries, ``p``
            off-diagonal pairs); a tridiagonal Hessian of size n takes
            about ``6 n`` instead of ``2 n**2``.  Not with ``adaptive``.
        bounds : (lb, ub) or scipy.optimize.Bounds, optional
            f is never evaluated outside ``lb <= x <= ub`` (as for
            :func:`gradient`).  Where every coordinate has room for the
            central steps, the Hessian is the unbounded one, bit for bit.
            Otherwise the whole Hessian turns one-sided, of order
            ``min(order, 4)``: the one-sided formula with each coordinate's
            steps pointing into the box (shrunk where neither side has
            room), ``n (n + 3) / 2`` evaluations per order.  ``adaptive``
            keeps its central ladder with every step capped by the room
            left, and refuses an ``x`` on a bound.
        progress : bool or callable
            As for :func:`gradient`.

        inplace, args, kwargs
            As for :func:`gradient`.

        Returns
        -------
        ndarray or scipy.sparse matrix
            Of shape ``x.shape + x.shape``; exactly symmetric.  With a
            ``scipy.sparse`` pattern: a matrix (or array) of the pattern's
            format and class, of shape ``(x.size, x.size)``.

        See Also
        --------
        hessian_diag : the diagonal alone, ``2 n`` evaluations per order.
        derivative : ``derivative(f, x, n=2)`` for a function of one variable.

        Examples
        --------
        >>> import numpy as np
        >>> import fdgrad
        >>> H = fdgrad.hessian(lambda p: p[0]**2 * p[1] + p[1]**3, [1.0, 2.0])
        >>> np.round(H, 6)
        array([[ 4.,  2.],
               [ 2., 12.]])
        >>> H, info = fdgrad.hessian(lambda p: np.exp(p[0]) * np.sin(p[1]), [0.5, 1.0], adaptive=True,
        ...                          full_output=True)
        >>> truth = np.exp(0.5) * np.array([[np.sin(1.0), np.cos(1.0)], [np.cos(1.0), -np.sin(1.0)]])
        >>> bool(np.all(np.abs(H - truth) <= info.error)), bool(np.max(np.abs(H - truth)) < 1e-10), info.nfev
        (True, True, 37)
        """
        tracker = start(progress, "hessian")
        try:
            g, stencil, adaptive, full_output = check_options(f, method, order, adaptive, full_output, 2, _FD_METHODS,
                                                              h)
            if adaptive and stencil.method != "central":
                raise ValueError(f"an adaptive Hessian is central, got method={method!r}")
            if sparsity is not None:
                check_sparse_options(sparsity, adaptive, stencil.method)
            g = bind_args(g, args, kwargs)
            ev = self._evaluation(g, x, "x", workers, False, DEFAULT_BATCH_BYTES, chunksize, timeout, None, inplace,
                                  False, tracker)
            plan(tracker, hessian_evaluations(ev.point.n, stencil, adaptive))
            box = self._box(bounds, ev)
            if (sparsity is not None or box is not None) and not adaptive:
                # entry by entry: on the pattern, or (bounds) with each coordinate's side
                pattern = hessian_pattern(sparsity, ev.point.n)
                plan(tracker, 1 + max(1, stencil.order // 2) * (2 * pattern.diag.size + 4 * pattern.pairs_i.size))
                f0 = float(ev.outputs(True)[0][0])
                result, hs, nfev = sparse_hessian(ev, h, stencil, pattern, f0, box)
                return policed(finish(result, np.full(np.shape(result), math.nan) if pattern.format is None
                                      else math.nan, nfev + 1, hs.reshape(ev.point.shape), full_output,
                                      np.ones(np.shape(result), dtype=bool) if pattern.format is None else True))
            values, errors, hs, nfev, converged = hessian(ev, h, stencil, adaptive, None if box is None else
                                                          box.central_room(ev.point.work))
        except TypeError as exc:
            note_arity(exc, f, args, kwargs)
            raise
        finally:
            close(tracker)
        shape = ev.point.shape + ev.point.shape
        if not full_output:
            return policed(values.reshape(shape))
        result = finish(values.reshape(shape), np.full(shape, np.nan) if errors is None else errors.reshape(shape),
                        nfev, hs.reshape(ev.point.shape), full_output,
                        np.ones(shape, dtype=bool) if converged is None else converged.reshape(shape))
        return policed(result)

    def hessian_diag(
        self,
        f: Objective,
        x: ArrayLike,
        h: Step = None,
        method: Literal["central", "forward", "backward"] = "central",
        order: Optional[int] = None,
        adaptive: bool = False,
        full_output: bool = False,
        *,
        workers: Any = 1,
        vectorized: bool = False,
        max_batch_bytes: int = DEFAULT_BATCH_BYTES,
        chunksize: int = 1,
        timeout: Optional[float] = None,
        bounds: Any = None,
        progress: Any = False,
        inplace: Optional[bool] = False,
        args: Any = (),
        kwargs: Optional[dict] = None,
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
        adaptive : bool
            Richardson extrapolation of second differences, placed and
            checked as :func:`derivative` does (``n=2``), with an error
            estimate: ``12 n + 1`` evaluations (central).
        full_output : bool
            Also return a :class:`DiffInfo`.
        workers, vectorized, max_batch_bytes, chunksize, timeout, bounds
            As for :func:`gradient`.
        progress : bool or callable
            As for :func:`gradient`.

        inplace, args, kwargs
            As for :func:`gradient`.

        Returns
        -------
        ndarray
            Of ``x``'s shape.

        See Also
        --------
        derivative : ``derivative(f, x, n=2)`` for a function of one variable
            (a number ``x``, ``f`` called with numbers).

        Examples
        --------
        >>> import numpy as np
        >>> import fdgrad
        >>> np.round(fdgrad.hessian_diag(lambda p: p[0]**2 * p[1] + p[1]**3, [1.0, 2.0]), 6)
        array([ 4., 12.])
        """
        tracker = start(progress, "hessian_diag")
        try:
            g, stencil, adaptive, full_output = check_options(f, method, order, adaptive, full_output, 2, _FD_METHODS,
                                                              h)
            g = bind_args(g, args, kwargs)
            ev = self._evaluation(g, x, "x", workers, vectorized, max_batch_bytes, chunksize, timeout, None, inplace,
                                  stencil.method == "complex", tracker)
            plan(tracker, planned(stencil, ev.point.n, adaptive))
            box = self._box(bounds, ev)
            values, errors, used, nfev, _, converged = differentiate(ev, h, stencil, adaptive, True, box=box)
        except TypeError as exc:
            note_arity(exc, f, args, kwargs)
            raise
        finally:
            close(tracker)
        return policed(shaped(values, errors, used, nfev, ev.point.shape, full_output, converged))

    def directional(
        self,
        f: Objective,
        x: ArrayLike,
        v: ArrayLike,
        h: Optional[float] = None,
        method: Method = "central",
        order: Optional[int] = None,
        adaptive: bool = False,
        full_output: bool = False,
        *,
        progress: Any = False,
        inplace: Optional[bool] = False,
        args: Any = (),
        kwargs: Optional[dict] = None,
    ) -> Any:
        """Directional derivative: the derivative of ``f(x + t v)`` at ``t = 0``.

        Equals ``gradient(f, x) . v``, or for an array-valued f the
        Jacobian-vector product ``J v``, but costs 2 evaluations (central),
        whatever the size of ``x`` (an array-valued f: 2 more, one of them
        to learn that it is one).

        Parameters
        ----------
        f : callable
            ``f(x) -> float``, or ``f(x) -> array`` for ``J v``.
        x, v : array_like
            The point and the direction, of the same shape; ``v`` is not
            normalised (scale it to a unit vector for the slope along it).
        h : float, optional
            The step in ``t``; the default moves ``x`` by about
            ``c * max(1, max|x|)`` (``c`` as for :func:`gradient`).
        method, order, adaptive, full_output
            As for :func:`gradient`.
        progress : bool or callable
            As for :func:`gradient`.

        inplace, args, kwargs
            As for :func:`gradient`.

        Returns
        -------
        float or ndarray
            A float for a scalar f; ``J v``, of f's shape, for an array-valued f.

        Examples
        --------
        >>> import numpy as np
        >>> import fdgrad
        >>> round(fdgrad.directional(lambda p: p[0]**2 + 3 * p[1], [1.0, 2.0], [1.0, 1.0]), 8)
        5.0
        >>> np.round(fdgrad.directional(lambda p: np.array([p[0] * p[1], p[0]**2]), [1.0, 2.0], [1.0, 0.0]), 8)
        array([2., 2.])
        """
        tracker = start(progress, "directional")
        try:
            g, stencil, adaptive, full_output = check_options(f, method, order, adaptive, full_output, h=h)
            g = bind_args(g, args, kwargs)
            if tracker is not None:
                plan(tracker, planned(stencil, 1, adaptive))
                g = counted(g, tracker)
            if isinstance(g, NativeFunction):
                raise TypeError("directional needs a Python f (it evaluates f along x + t v); use "
                                "gradient(f, x) @ v for a native f")
            work, shape = as_point(x)
            direction = as_points(v, "v")
            if direction.shape != shape:
                raise ValueError(f"v must have x's shape {shape}, got shape {direction.shape}")
            vflat = direction.reshape(-1)
            size = float(np.max(np.abs(vflat)))
            if size == 0.0:
                raise ValueError("v must not be zero")
            # g(t) = f(x + t w) at t = 0, with w = max(1, max|x|) v / max|v|, which makes t's
            # natural scale 1, and f'(x; v) = g'(0) max|v| / max(1, max|x|) (computed in that
            # order, so that neither a tiny nor a huge v overflows); w = v when h is given (h
            # is then a step in t).
            stretch = max(1.0, float(np.max(np.abs(work))))
            along = stretch * (vflat / size) if h is None else vflat
            factor = size / stretch if h is None else 1.0
            reach = stencil.reach * (TOP_FRACTION if adaptive else stencil.rel_step if h is None else
                                     float(np.max(check_h(h))))
            with np.errstate(over="ignore"):
                room = np.isfinite(np.abs(work) + reach * np.abs(along))
            if not room.all():
                i = int(np.argmin(room))
                raise ValueError(f"x must leave room for a step along v: x + t v passes the largest double at "
                                 f"x[{np.unravel_index(i, shape) if len(shape) > 1 else i}] = {float(work[i])!r}")

            target = x if inplace is not False and check_inplace(inplace, x, "x", False, 1, None, False,
                                                                 stencil.method == "complex") else None

            def line(t: np.ndarray) -> Any:
                if target is None:
                    return g(read_only_view(work + t[0] * along, shape))
                return call_in_place(g, target, work + t[0] * along)

            try:
                ev = Serial(self._kernels, line, Point(np.zeros(1), (1,)))
                values, errors, used, nfev, out_shape, converged = differentiate(ev, h, stencil, adaptive, True)
            except ValueError as exc:
                if not str(exc).startswith(NOT_SCALAR):
                    raise
                # An array-valued f: J v, of f's shape (the first evaluation told).
                ev = Serial(self._kernels, line, Point(np.zeros(1), (1,)))
                values, errors, used, nfev, out_shape, converged = differentiate(ev, h, stencil, adaptive, False)
                nfev += 1
        except TypeError as exc:
            note_arity(exc, f, args, kwargs)
            raise
        finally:
            close(tracker)
        errors, used = expand(values, errors, used)
        flags = np.ones(values.shape, dtype=bool) if converged is None else converged
        with np.errstate(over="ignore"):  # the step in units of a subnormal v can pass the largest double
            steps_along_v = used[:, 0] / factor
        if out_shape == ():
            result = finish(float(values[0, 0]) * factor, float(errors[0, 0]) * factor, nfev,
                            float(steps_along_v[0]), full_output, bool(flags[0, 0]))
        else:
            result = finish(values[:, 0].reshape(out_shape) * factor, errors[:, 0].reshape(out_shape) * factor, nfev,
                            steps_along_v.reshape(out_shape), full_output, flags[:, 0].reshape(out_shape))
        return policed(result)

    def check_grad(
        self,
        f: Objective,
        grad: Union[Objective, ArrayLike],
        x: ArrayLike,
        h: Step = None,
        method: Method = "central",
        order: Optional[int] = None,
        adaptive: bool = True,
        rtol: float = 1e-6,
        atol: float = 1e-8,
        raise_on_mismatch: bool = False,
        *,
        workers: int = 1,
        progress: Any = False,
        inplace: Optional[bool] = False,
        args: Any = (),
        kwargs: Optional[dict] = None,
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
            + error``, error being the estimated error of ``numeric``.  For an
            f whose values are float32 (or float16), rtol is at least the
            square root of that precision (3.5e-4 for float32).
        raise_on_mismatch : bool
            Raise an ``AssertionError`` naming the worst entry, both values
            and the tolerance, instead of returning a failed check.
        workers : int
            As for :func:`gradient`; ``f`` may be native.
        progress : bool or callable
            As for :func:`gradient`.

        inplace, args, kwargs
            As for :func:`gradient`.

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
        try:
            bound = bind_args(resolve_f(f), args, kwargs)  # checked here, passed on by gradient()
            rtol = check_tolerance(rtol, "rtol")
            atol = check_tolerance(atol, "atol")
            raise_on_mismatch = check_bool(raise_on_mismatch, "raise_on_mismatch")
            work, shape = as_point(x)
            if callable(grad):
                given = bind_args(grad, args, kwargs)(read_only_view(work.copy(), shape))
            else:
                given = grad
            if np.asarray(given).dtype.kind not in "iuf":
                raise TypeError(f"grad must give real numbers, got {np.asarray(given).dtype}")
            analytic = np.array(given, dtype=np.float64)
            if analytic.shape != shape:
                raise ValueError(f"grad must give an array of x's shape {shape}, got shape {analytic.shape}")
            numeric, info = self.gradient(f, x if inplace is not False else work.reshape(shape), h, method, order,
                                          adaptive, True, workers=workers, progress=progress, inplace=inplace,
                                          args=args, kwargs=kwargs)
            if not isinstance(bound, NativeFunction) and inplace is False:
                # A float32 (or float16) f: no finite difference is closer than about sqrt(eps) of it.
                rtol = max(rtol, precision(bound(read_only_view(work.copy(), shape))) ** 0.5)
        except TypeError as exc:
            note_arity(exc, f, args, kwargs)
            raise
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
        return policed(result)

    @overload
    def gradient_descent(self, f: Objective, init_x: ArrayLike, lr: float = 0.01, step_num: int = 100,
                         h: Step = None, method: Method = "central", history: Literal[False] = False,
                         order: Optional[int] = None, adaptive: bool = False, *, workers: Any = 1,
                         vectorized: bool = False, max_batch_bytes: int = DEFAULT_BATCH_BYTES, chunksize: int = 1,
                         timeout: Optional[float] = None, tol: Optional[float] = None,
                         callback: Optional[Callable[[int, np.ndarray, np.ndarray], Any]] = None,
                         full_output: Literal[False] = False, progress: Any = False,
                         inplace: Optional[bool] = None, args: Any = (),
                         kwargs: Optional[dict] = None) -> np.ndarray: ...

    @overload
    def gradient_descent(self, f: Objective, init_x: ArrayLike, lr: float = 0.01, step_num: int = 100,
                         h: Step = None, method: Method = "central", *, history: Literal[True],
                         order: Optional[int] = None, adaptive: bool = False, workers: Any = 1,
                         vectorized: bool = False, max_batch_bytes: int = DEFAULT_BATCH_BYTES, chunksize: int = 1,
                         timeout: Optional[float] = None, tol: Optional[float] = None,
                         callback: Optional[Callable[[int, np.ndarray, np.ndarray], Any]] = None,
                         full_output: Literal[False] = False, progress: Any = False,
                         inplace: Optional[bool] = None, args: Any = (),
                         kwargs: Optional[dict] = None) -> tuple[np.ndarray, np.ndarray]: ...

    @overload
    def gradient_descent(self, f: Objective, init_x: ArrayLike, lr: float = 0.01, step_num: int = 100,
                         h: Step = None, method: Method = "central", history: bool = False,
                         order: Optional[int] = None, adaptive: bool = False, *, workers: Any = 1,
                         vectorized: bool = False, max_batch_bytes: int = DEFAULT_BATCH_BYTES, chunksize: int = 1,
                         timeout: Optional[float] = None, tol: Optional[float] = None,
                         callback: Optional[Callable[[int, np.ndarray, np.ndarray], Any]] = None,
                         full_output: Literal[True], progress: Any = False,
                         inplace: Optional[bool] = None, args: Any = (),
                         kwargs: Optional[dict] = None) -> tuple[Any, ...]: ...

    def gradient_descent(
        self,
        f: Objective,
        init_x: ArrayLike,
        lr: float = 0.01,
        step_num: int = 100,
        h: Step = None,
        method: Method = "central",
        history: bool = False,
        order: Optional[int] = None,
        adaptive: bool = False,
        *,
        workers: Any = 1,
        vectorized: bool = False,
        max_batch_bytes: int = DEFAULT_BATCH_BYTES,
        chunksize: int = 1,
        timeout: Optional[float] = None,
        tol: Optional[float] = None,
        callback: Optional[Callable[[int, np.ndarray, np.ndarray], Any]] = None,
        full_output: bool = False,
        progress: Any = False,
        inplace: Optional[bool] = None,
        args: Any = (),
        kwargs: Optional[dict] = None,
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
        order, adaptive, workers, vectorized, max_batch_bytes, chunksize, timeout
            As for :func:`gradient`; ``f`` may be native.
        tol : float, optional
            Stop when the gradient's 2-norm falls below ``tol`` (>= 0): the
            gradient is computed at the iterate, and if its norm is below
            ``tol`` no step is taken.  The gradient after the last step is
            not computed, so ``step_num`` steps end without a last check.
        callback : callable, optional
            ``callback(step, x, grad)`` after each step: ``step`` counts the
            steps taken (1, 2, ...), ``x`` is a copy of the new iterate and
            ``grad`` of the gradient the step used, both in ``x``'s shape.
            A true return value stops the descent.
        full_output : bool
            Also return a :class:`DescentInfo`: the steps taken (``nit``),
            evaluations, the last gradient and its norm, and why the descent
            stopped.
        progress : bool or callable
            As for :func:`gradient`.

        inplace, args, kwargs
            As for :func:`gradient`.

        Returns
        -------
        x : ndarray
            The last iterate, of ``init_x``'s shape.
        path : ndarray
            Only with ``history=True``: every iterate, the start included,
            shape ``(nit + 1,) + x.shape`` (``nit = step_num`` unless ``tol``
            or ``callback`` stopped the descent early).
        info : DescentInfo
            Only with ``full_output=True``, last.

        Notes
        -----
        Without ``tol``, ``callback`` and ``full_output``, the textbook's
        loop runs in C where it can (a plain or native ``f``, fixed-step
        differences, ``workers=1``); with them, the same arithmetic runs one
        step at a time, with the same result bit for bit.

        Examples
        --------
        >>> import fdgrad
        >>> x = fdgrad.gradient_descent(lambda p: p[0]**2 + p[1]**2, [-3.0, 4.0], lr=0.1, h=1e-4)
        >>> print(x)
        [-6.11110793e-10  8.14814391e-10]
        >>> x, info = fdgrad.gradient_descent(lambda p: p[0]**2 + p[1]**2, [-3.0, 4.0], lr=0.1, step_num=1000,
        ...                                   tol=1e-6, full_output=True)
        >>> info.nit, info.reason, bool(info.grad_norm < 1e-6)
        (73, 'tol', True)
        """
        tracker = start(progress, "gradient_descent")
        try:
            g = bind_args(resolve_f(f), args, kwargs)
            rate = check_lr(lr)
            count = check_step_num(step_num)
            history = check_bool(history, "history")
            full_output = check_bool(full_output, "full_output")
            tol = None if tol is None else check_tolerance(tol, "tol")
            if callback is not None and not callable(callback):
                raise TypeError(f"callback must be callable or None, got {callback!r}")
            adaptive = check_bool(adaptive, "adaptive")
            stencil = resolve_method(method, order, adaptive)
            if h is not None:
                check_h(h)
            ev = self._evaluation(g, init_x, "init_x", workers, vectorized, max_batch_bytes, chunksize, timeout, None,
                                  inplace, stencil.method == "complex", tracker)
            point = ev.point
            plan(tracker, count * planned(stencil, point.n, adaptive))
            if history:
                check_history_size(count, point.n)
            path = np.empty((count + 1, point.n)) if history else None
            if path is not None:
                path[0] = point.work
            last, run = descend(ev, h, stencil, adaptive, rate, count, path, tol, callback,
                                full_output or tracker is not None)
        except TypeError as exc:
            note_arity(exc, f, args, kwargs)
            raise
        finally:
            close(tracker)
        result: Any = last.reshape(point.shape)
        if path is not None:
            result = (result, path[:run.steps + 1].reshape((run.steps + 1,) + point.shape))
        if full_output:
            grad = None if run.grad is None else run.grad.reshape(point.shape)
            info = DescentInfo(run.steps, run.nfev, grad, math.nan if grad is None else norm(grad),
                               run.reason == "tol", run.reason)
            result = (*result, info) if path is not None else (result, info)
        return policed(result)

    def group_columns(self, sparsity: Any) -> ColumnGroups:
        """Group a Jacobian's columns by its sparsity pattern, once, for many calls.

        Parameters
        ----------
        sparsity : scipy.sparse matrix or array_like
            The pattern of structural non-zeros, shape ``(m, n)`` (f's values,
            x's entries): a ``scipy.sparse`` matrix or array (explicit zeros
            are not non-zeros), or a boolean (or numeric) array.

        Returns
        -------
        ColumnGroups
            The pattern and its groups (columns that share no row), found by
            Curtis, Powell and Reid's greedy method in the kernels; pass it
            as ``sparsity=`` to :func:`jacobian` or :class:`Jacobian`.

        Examples
        --------
        >>> import numpy as np
        >>> import fdgrad
        >>> pattern = np.eye(5, dtype=bool) | np.eye(5, k=1, dtype=bool) | np.eye(5, k=-1, dtype=bool)
        >>> groups = fdgrad.group_columns(pattern)
        >>> groups.ngroups, groups.groups.tolist()
        (3, [0, 1, 2, 0, 1])
        >>> f = lambda x: x**2 + np.roll(x, 1) * (np.arange(5) > 0)
        >>> J, info = fdgrad.jacobian(f, np.arange(5.0), sparsity=groups, full_output=True)
        >>> bool(np.allclose(J, fdgrad.jacobian(f, np.arange(5.0)))), info.nfev
        (True, 7)
        """
        return as_groups(self._kernels, sparsity)

    def numerical_diff(self, f: Objective, x: ArrayLike) -> Any:
        """The textbook ``numerical_diff``: central difference with h = 1e-4.

        Same as ``derivative(f, x, h=1e-4, method="central")``, that is
        ``(f(x + h) - f(x - h)) / (2 * h)``.

        Parameters
        ----------
        f : callable
            A function of one variable (elementwise for an array ``x``).
        x : float or array_like
            The point, or an array of points.

        Returns
        -------
        float or ndarray

        Examples
        --------
        >>> import fdgrad
        >>> fdgrad.numerical_diff(lambda x: 0.01 * x**2 + 0.1 * x, 5)
        0.1999999999990898
        """
        return self.derivative(f, x, TEXTBOOK_STEP, "central", inplace=None)

    def numerical_gradient(self, f: Objective, x: ArrayLike) -> np.ndarray:
        """The textbook ``numerical_gradient``: central differences with h = 1e-4.

        Same as ``gradient(f, x, h=1e-4, method="central", inplace=None)``:
        like the textbook's loop, it perturbs a writable float array ``x``
        itself, one coordinate at a time, so an ``f`` that reads the weights
        from elsewhere (the textbook's ``lambda w: net.loss(x, t)``) works;
        each coordinate is restored bit for bit, and ``x`` is never left
        modified.  Other inputs (lists, integer arrays) are copied.

        Parameters
        ----------
        f : callable
            ``f(x) -> float``.
        x : array_like
            The point, of any shape.

        Returns
        -------
        ndarray

        Examples
        --------
        >>> import fdgrad
        >>> fdgrad.numerical_gradient(lambda p: p[0]**2 + p[1]**2, [3.0, 0.0])
        array([6., 0.])
        """
        return self.gradient(f, x, TEXTBOOK_STEP, "central", inplace=None)


class Differentiator:
    """numdifftools' calling style: f and the options fixed, the object called as ``obj(x, *args, **kwargs)``.

    So it plugs into ``scipy.optimize.minimize(f, x0, jac=fdgrad.Gradient(f),
    hess=fdgrad.Hessian(f), args=...)`` and ``least_squares(r, x0,
    jac=fdgrad.Jacobian(r))``, and numdifftools code switches by its import.
    The options are the function's keyword arguments (``step`` is accepted
    as numdifftools' name for ``h``); extra positional and keyword arguments
    of the call go to f, as SciPy passes them.
    """

    _function = ""
    _api: API

    def __init__(self, f: Objective, step: Any = None, method: Optional[str] = None, order: Optional[int] = None,
                 **options: Any) -> None:
        # numdifftools' positional order: step, method, order
        options.update({key: value for key, value in (("step", step), ("method", method), ("order", order))
                        if value is not None})
        if "step" in options:
            if "h" in options:
                raise TypeError(f"{type(self).__name__}() takes h or step (its numdifftools name), not both")
            options["h"] = options.pop("step")
        function = getattr(self._api, self._function)
        allowed = [p for p in inspect.signature(function).parameters if p not in ("f", "x", "args", "kwargs")]
        for key in options:
            if key not in allowed:
                raise TypeError(f"{type(self).__name__}() got an unexpected option {key!r}; it takes "
                                f"{', '.join(allowed)} (and step for h)")
        if options.get("sparsity") is not None:  # grouped once, for every call
            options["sparsity"] = self._api.group_columns(options["sparsity"])
        self.f, self.options, self._call = f, options, function

    def __call__(self, x: ArrayLike, *args: Any, **kwargs: Any) -> Any:
        return self._call(self.f, x, args=args, kwargs=kwargs or None, **self.options)

    def __getstate__(self) -> dict:
        return {"f": self.f, "options": self.options}  # the class (fdgrad.Gradient, ...) brings the backend

    def __setstate__(self, state: dict) -> None:
        self.f, self.options, self._call = state["f"], state["options"], getattr(self._api, self._function)

    def __repr__(self) -> str:
        options = "".join(f", {key}={value!r}" for key, value in self.options.items())
        return f"{type(self).__name__}({self.f!r}{options})"


class Derivative(Differentiator):
    """``Derivative(f, n=1, **options)(x, *args)`` is ``derivative(f, x, n=n, args=args, **options)``."""

    _function = "derivative"

    def __init__(self, f: Objective, step: Any = None, method: Optional[str] = None, order: Optional[int] = None,
                 n: Any = 1, **options: Any) -> None:
        if not (type(n) is int and n == 1):  # numdifftools' fourth positional argument
            options["n"] = check_derivative_order(n, method if method is not None else options.get("method"))
        super().__init__(f, step, method, order, **options)


class Gradient(Differentiator):
    """``Gradient(f, **options)(x, *args)`` is ``gradient(f, x, args=args, **options)``."""

    _function = "gradient"


class Jacobian(Differentiator):
    """``Jacobian(f, **options)(x, *args)`` is ``jacobian(f, x, args=args, **options)``."""

    _function = "jacobian"


class Hessian(Differentiator):
    """``Hessian(f, **options)(x, *args)`` is ``hessian(f, x, args=args, **options)``."""

    _function = "hessian"


class Hessdiag(Differentiator):
    """``Hessdiag(f, **options)(x, *args)`` is ``hessian_diag(f, x, args=args, **options)``."""

    _function = "hessian_diag"


#: The numdifftools-style classes, in the order the documentation presents them.
CALLABLE_NAMES = ("Derivative", "Gradient", "Jacobian", "Hessian", "Hessdiag")


def bound_callables(api: API, module: str) -> tuple[type[Derivative], type[Gradient], type[Jacobian],
                                                    type[Hessian], type[Hessdiag]]:
    """The numdifftools-style classes over one API (a backend), presented as members of module."""
    bound = []
    for base in (Derivative, Gradient, Jacobian, Hessian, Hessdiag):
        cls = type(base.__name__, (base,), {"_api": api, "__module__": module, "__doc__": base.__doc__})
        cls.__qualname__ = base.__name__
        bound.append(cls)
    return tuple(bound)  # type: ignore[return-value]
