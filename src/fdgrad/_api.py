"""The public API: one class, whose instance is bound to one backend's kernels.

``fdgrad`` and ``fdgrad.fallback`` each hold one :class:`API` (over
``fdgrad._ckernels`` and ``fdgrad._pykernels``), and their module-level
functions compute with its bound methods, the way the standard library's
``random`` exposes one hidden ``Random()`` (:mod:`fdgrad._public` presents
them as functions of those modules, with these signatures and docstrings).
So both have the same names, signatures, docstrings, argument checks and
error messages by construction, and tools see real definitions.  The
overloads give a type checker each call's result.

Here are the signatures and the documentation; every method body reads the
same way: the caller's options checked (:mod:`fdgrad._options`), the point
prepared and how f is evaluated chosen, once (:mod:`fdgrad._evaluation`), the
numbers computed (:mod:`fdgrad._derivatives`, :mod:`fdgrad._hessian`,
:mod:`fdgrad._descent`, :mod:`fdgrad._sparsity`), the result returned.  The
prologue and epilogue they share (progress, the note on a wrong arity of f,
the non-finite policy) is :class:`_Call`, once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Literal, Optional, Union, overload

import numpy as np

from . import _derivatives as derivatives
from ._descent import descent
from ._evaluation import elementwise, make_evaluation, read_only_view
from ._hessian import hessian
from ._native import NativeFunction, native_value
from ._options import (
    DEFAULT_BATCH_BYTES,
    FD_METHODS,
    GENERAL,
    SERIAL,
    bind_args,
    check_bool,
    check_bounds,
    check_call,
    check_derivative_order,
    check_descent,
    check_direction,
    check_gradient_values,
    check_history_size,
    check_index,
    check_inplace,
    check_progress,
    check_tolerance,
    resolve_f,
    resolve_method,
)
from ._progress import counted, evaluations, hessian_evaluations, sparse_jacobian_evaluations, start_progress
from ._results import NONFINITE, DescentInfo, DiffInfo, GradCheck, check_nonfinite, compare_gradients, note_wrong_arity
from ._sparsity import ColumnGroups, as_groups, sparse_jacobian
from ._steps import QUICK_RATIO2, QUICK_STEPS, Box
from ._stencils import EPS, METHOD_TABLE, METHODS, make_stencil
from ._typing import ArrayLike, Method, Objective, SparseMatrix, Step
from ._values import as_point, as_points, finite_number, precision, scalar_value

__all__ = ["API", "CALLABLE_NAMES", "DEFAULT_BATCH_BYTES", "PUBLIC_NAMES", "TEXTBOOK_STEP", "bound_callables"]

from ._callables import CALLABLE_NAMES, bound_callables  # noqa: E402  (the numdifftools-style classes over an API)

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

_NUMBERS_ONLY = ("derivative calls f with numbers or elementwise arrays; a native f works with partial, gradient, "
                 "jacobian, hessian, hessian_diag, check_grad and gradient_descent")
_LINE_ONLY = "directional needs a Python f (it evaluates f along x + t v); use gradient(f, x) @ v for a native f"

# The results' types, as mypy reads them and as help() shows them (evaluated: see _public).
_NumberOrArray = Union[float, np.ndarray]
_DerivativeResult = Union[float, np.ndarray, tuple[_NumberOrArray, DiffInfo]]
_GradientResult = Union[np.ndarray, tuple[np.ndarray, DiffInfo]]
_JacobianResult = Union[np.ndarray, SparseMatrix, tuple[Union[np.ndarray, SparseMatrix], DiffInfo]]
_DescentResult = Union[np.ndarray, tuple[np.ndarray, np.ndarray], tuple[np.ndarray, DescentInfo],
                       tuple[np.ndarray, np.ndarray, DescentInfo]]

if TYPE_CHECKING:  # the keyword-only options of the overloads below, for mypy only
    from typing_extensions import TypedDict, Unpack

    class _Options(TypedDict, total=False):
        progress: Any
        inplace: Optional[bool]
        args: Any
        kwargs: Optional[dict]

    class _BoundedOptions(_Options, total=False):
        bounds: Any

    class _TaskOptions(_BoundedOptions, total=False):
        workers: Any
        chunksize: Optional[int]
        timeout: Optional[float]

    class _DerivativeOptions(_TaskOptions, total=False):
        n: int

    class _GradientOptions(_TaskOptions, total=False):
        vectorized: bool
        max_batch_bytes: int

    class _JacobianOptions(_GradientOptions, total=False):
        m: Optional[int]

    class _DescentOptions(_Options, total=False):
        workers: Any
        vectorized: bool
        max_batch_bytes: int
        chunksize: Optional[int]
        timeout: Optional[float]
        tol: Optional[float]
        callback: Optional[Callable[[int, np.ndarray, np.ndarray], Any]]


_CENTRAL = make_stencil("central", 2, 1)  # check_grad's first look: central differences at QUICK_STEPS


def _quick_options(h: Any, method: Any, order: Any, adaptive: Any, workers: Any, progress: Any, inplace: Any) -> bool:
    """Whether check_grad's options are its defaults, where it takes its first look (API._quick_check)."""
    return (h is None and isinstance(method, str) and METHOD_TABLE.get(method) is _CENTRAL.row and order is None
            and adaptive is True and type(workers) is int and workers == 1 and progress is False and inplace is False)

class _Call:
    """One call of a public function, the prologue and epilogue every method shares: progress=
    started (and planned, and closed), a note on a TypeError where f cannot take the arguments it
    is given, and the result checked under ``on_nonfinite("raise")``."""

    __slots__ = ("tracker", "f", "args", "kwargs")

    def __init__(self, name: str, progress: Any, f: Any, args: Any, kwargs: Any) -> None:
        self.f, self.args, self.kwargs = f, args, kwargs
        self.tracker = None if progress is False or progress is None else \
            start_progress(check_progress(progress), name)

    def __enter__(self) -> _Call:
        return self

    def __exit__(self, kind: Any, exc: Any, traceback: Any) -> None:
        if kind is not None and issubclass(kind, TypeError):
            note_wrong_arity(exc, self.f, self.args, self.kwargs)
        if self.tracker is not None:
            self.tracker.close()

    def plan(self, count: Callable[..., int], *args: Any) -> None:
        """progress=: the call's planned evaluations, count(*args) (counted only where shown)."""
        if self.tracker is not None:
            self.tracker.plan(count(*args))

    def counted(self, f: Any) -> Any:
        """f, counting its evaluations for progress=."""
        return f if self.tracker is None else counted(f, self.tracker)

    @staticmethod
    def result(value: Any) -> Any:
        """value, checked under on_nonfinite("raise")."""
        if NONFINITE.get() != "propagate":
            check_nonfinite(value)
        return value


def _box(bounds: Any, work: np.ndarray, shape: tuple, target: Optional[np.ndarray]) -> Optional[Box]:
    """bounds checked against the point, as a Box; None where nothing is bounded."""
    ends = check_bounds(bounds, work, shape, target)
    return None if ends is None else Box(*ends)


def _rounding(eps: float, value: Any, steps: np.ndarray) -> np.ndarray:
    """A first difference's rounding, 4 eps |f(x)| / h, at steps h (check_grad's tolerances; the
    compiled door's _quick_verdict computes the same, arithmetic for arithmetic)."""
    return 4.0 * eps * abs(scalar_value(value)) / steps


class API:
    """fdgrad's public functions over one kernel module (``_ckernels`` or ``_pykernels``)."""

    def __init__(self, kernels: Any, front: Any = None) -> None:
        self._kernels = kernels
        # The compiled front door (fdgrad._front): the commonest calls in C, or None (the pure backend).
        self._front = front
        self._front_derivative = None if front is None else front.derivative_door
        self._front_gradient = None if front is None else front.gradient_door
        self._front_numerical_diff = None if front is None else front.numerical_diff_door
        self._front_numerical_gradient = None if front is None else front.numerical_gradient_door
        self._front_partial = None if front is None else front.partial_door
        self._front_hessian_diag = None if front is None else front.hessian_diag_door
        self._front_jacobian = None if front is None else front.jacobian_door
        self._front_hessian = None if front is None else front.hessian_door

    def _along_coordinates(self, name: str, deriv: int, methods: Any, f: Any, x: Any, h: Any, method: Any, order: Any,
                           adaptive: Any, full_output: Any, workers: Any, vectorized: Any, max_batch_bytes: Any,
                           chunksize: Any, timeout: Any, bounds: Any, progress: Any, inplace: Any, args: Any,
                           kwargs: Any) -> Any:
        """gradient() (deriv 1) and hessian_diag() (deriv 2): a scalar f's derivatives along each
        coordinate, in x's shape."""
        with _Call(name, progress, f, args, kwargs) as call:
            g, stencil, adaptive, full_output, options = check_call(f, method, order, adaptive, full_output, h, args,
                                                                    kwargs, workers, vectorized, max_batch_bytes,
                                                                    chunksize, timeout, deriv, methods)
            ev = make_evaluation(self._kernels, g, x, "x", options, inplace, stencil, call.tracker)
            if call.tracker:
                call.plan(evaluations, stencil, ev.point.n, adaptive)
            box = None if bounds is None else _box(bounds, ev.point.work, ev.point.shape, ev.target)
            result = derivatives.gradient(ev, h, stencil, adaptive, box, full_output)
        return call.result(result)

    @overload
    def derivative(self, f: Objective, x: float, h: Step = None, method: Method = "central",
                   order: Optional[int] = None, adaptive: bool = False, full_output: Literal[False] = False,
                   **options: Unpack[_DerivativeOptions]) -> float: ...

    @overload
    def derivative(self, f: Objective, x: float, h: Step = None, method: Method = "central",
                   order: Optional[int] = None, adaptive: bool = False, *, full_output: Literal[True],
                   **options: Unpack[_DerivativeOptions]) -> tuple[float, DiffInfo]: ...

    @overload
    def derivative(self, f: Objective, x: ArrayLike, h: Step = None, method: Method = "central",
                   order: Optional[int] = None, adaptive: bool = False, full_output: Literal[False] = False,
                   **options: Unpack[_DerivativeOptions]) -> _NumberOrArray: ...

    @overload
    def derivative(self, f: Objective, x: ArrayLike, h: Step = None, method: Method = "central",
                   order: Optional[int] = None, adaptive: bool = False, *, full_output: Literal[True],
                   **options: Unpack[_DerivativeOptions]) -> tuple[_NumberOrArray, DiffInfo]: ...

    @overload
    def derivative(self, f: Objective, x: ArrayLike, h: Step = None, method: Method = "central",
                   order: Optional[int] = None, adaptive: bool = False, full_output: bool = False,
                   **options: Unpack[_DerivativeOptions]) -> _DerivativeResult: ...

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
        chunksize: Optional[int] = None,
        timeout: Optional[float] = None,
        bounds: Any = None,
        progress: Any = False,
        inplace: Optional[bool] = False,
        args: Any = (),
        kwargs: Optional[dict] = None,
    ) -> _DerivativeResult:
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
        if self._front_derivative is not None:  # the compiled front door: the commonest calls in C
            result = self._front_derivative(f, x, h, method, order, adaptive, full_output, n, workers, chunksize,
                                            timeout, bounds, progress, inplace, args, kwargs)
            if result is not GENERAL:
                return result
        with _Call("derivative", progress, f, args, kwargs) as call:
            g, stencil, adaptive, full_output, options = check_call(
                f, method, order, adaptive, full_output, h, args, kwargs, workers, False, DEFAULT_BATCH_BYTES,
                chunksize, timeout, check_derivative_order(n, method), python_only=_NUMBERS_ONLY)
            if call.tracker:
                call.plan(evaluations, stencil, 1, adaptive)
            number = finite_number(x) if not adaptive and options.executor is None and stencil.row.moves_x else None
            if number is not None:  # f called with numbers
                if inplace is not False and inplace is not None:
                    check_inplace(inplace, x, "x", False, options, stencil.row)
                box = None if bounds is None else _box(bounds, np.array([number]), (), None)
                result = derivatives.number_derivative(self._kernels, g if call.tracker is None else call.counted(g),
                                                       number, h, stencil, box, full_output)
            else:
                ev = elementwise(self._kernels, g, x, inplace, options, stencil, call.tracker)
                box = None if bounds is None else _box(bounds, ev.flat, ev.shape, ev.target)
                result = derivatives.derivative(ev, h, stencil, adaptive, box, full_output)
        return call.result(result)

    @overload
    def partial(self, f: Objective, x: ArrayLike, i: Union[int, tuple[int, ...]], h: Step = None,
                method: Method = "central", order: Optional[int] = None, adaptive: bool = False,
                full_output: Literal[False] = False, **options: Unpack[_BoundedOptions]) -> float: ...

    @overload
    def partial(self, f: Objective, x: ArrayLike, i: Union[int, tuple[int, ...]], h: Step = None,
                method: Method = "central", order: Optional[int] = None, adaptive: bool = False, *,
                full_output: Literal[True], **options: Unpack[_BoundedOptions]) -> tuple[float, DiffInfo]: ...

    @overload
    def partial(self, f: Objective, x: ArrayLike, i: Union[int, tuple[int, ...]], h: Step = None,
                method: Method = "central", order: Optional[int] = None, adaptive: bool = False,
                full_output: bool = False,
                **options: Unpack[_BoundedOptions]) -> Union[float, tuple[float, DiffInfo]]: ...

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
    ) -> Union[float, tuple[float, DiffInfo]]:
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
        if self._front_partial is not None:  # the compiled front door: the commonest calls in C
            result = self._front_partial(f, x, i, h, method, order, adaptive, full_output, bounds, progress, inplace,
                                         args, kwargs)
            if result is not GENERAL:
                return result
        with _Call("partial", progress, f, args, kwargs) as call:
            g, stencil, adaptive, full_output, options = check_call(f, method, order, adaptive, full_output, h, args,
                                                                    kwargs)
            ev = make_evaluation(self._kernels, g, x, "x", options, inplace, stencil, call.tracker)
            if call.tracker:
                call.plan(evaluations, stencil, 1, adaptive)
            k = check_index(i, ev.point.shape)
            box = None if bounds is None else _box(bounds, ev.point.work, ev.point.shape, ev.target)
            result = derivatives.partial(ev, h, stencil, adaptive, box, full_output, k)
        return call.result(result)

    @overload
    def gradient(self, f: Objective, x: ArrayLike, h: Step = None, method: Method = "central",
                 order: Optional[int] = None, adaptive: bool = False, full_output: Literal[False] = False,
                 **options: Unpack[_GradientOptions]) -> np.ndarray: ...

    @overload
    def gradient(self, f: Objective, x: ArrayLike, h: Step = None, method: Method = "central",
                 order: Optional[int] = None, adaptive: bool = False, *, full_output: Literal[True],
                 **options: Unpack[_GradientOptions]) -> tuple[np.ndarray, DiffInfo]: ...

    @overload
    def gradient(self, f: Objective, x: ArrayLike, h: Step = None, method: Method = "central",
                 order: Optional[int] = None, adaptive: bool = False, full_output: bool = False,
                 **options: Unpack[_GradientOptions]) -> _GradientResult: ...

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
        chunksize: Optional[int] = None,
        timeout: Optional[float] = None,
        bounds: Any = None,
        progress: Any = False,
        inplace: Optional[bool] = False,
        args: Any = (),
        kwargs: Optional[dict] = None,
    ) -> _GradientResult:
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
            (``multiprocessing.Pool(4).map``): the evaluation points go out
            as tasks (ranges of coordinates, x sent once a task; see
            ``chunksize``), so an expensive f runs on many cores or
            machines; f must then be picklable.  Either way the result is bit-identical to
            ``workers=1``, and an exception in f propagates with a note
            naming the coordinate it was evaluating.
        chunksize : int, optional
            With an executor: points per task, in whole coordinates (all
            of one coordinate's points).  By default, ranges of coordinates
            of about four tasks for each of the executor's workers; a task
            carries x once, whatever its number of points.
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
        if self._front_gradient is not None:  # the compiled front door: the commonest calls in C
            result = self._front_gradient(f, x, h, method, order, adaptive, full_output, workers, vectorized,
                                          max_batch_bytes, chunksize, timeout, bounds, progress, inplace, args, kwargs)
            if result is not GENERAL:
                return result
        return self._along_coordinates("gradient", 1, METHODS, f, x, h, method, order, adaptive, full_output, workers,
                                       vectorized, max_batch_bytes, chunksize, timeout, bounds, progress, inplace, args,
                                       kwargs)

    @overload
    def jacobian(self, f: Objective, x: ArrayLike, h: Step = None, method: Method = "central",
                 order: Optional[int] = None, adaptive: bool = False, full_output: Literal[False] = False, *,
                 sparsity: None = None, **options: Unpack[_JacobianOptions]) -> np.ndarray: ...

    @overload
    def jacobian(self, f: Objective, x: ArrayLike, h: Step = None, method: Method = "central",
                 order: Optional[int] = None, adaptive: bool = False, *, full_output: Literal[True],
                 sparsity: None = None, **options: Unpack[_JacobianOptions]) -> tuple[np.ndarray, DiffInfo]: ...

    @overload
    def jacobian(self, f: Objective, x: ArrayLike, h: Step = None, method: Method = "central",
                 order: Optional[int] = None, adaptive: bool = False, full_output: Literal[False] = False, *,
                 sparsity: Any, **options: Unpack[_JacobianOptions]) -> Union[np.ndarray, SparseMatrix]: ...

    @overload
    def jacobian(self, f: Objective, x: ArrayLike, h: Step = None, method: Method = "central",
                 order: Optional[int] = None, adaptive: bool = False, *, full_output: Literal[True], sparsity: Any,
                 **options: Unpack[_JacobianOptions]) -> tuple[Union[np.ndarray, SparseMatrix], DiffInfo]: ...

    @overload
    def jacobian(self, f: Objective, x: ArrayLike, h: Step = None, method: Method = "central",
                 order: Optional[int] = None, adaptive: bool = False, full_output: bool = False, *,
                 sparsity: Any = None, **options: Unpack[_JacobianOptions]) -> _JacobianResult: ...

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
        chunksize: Optional[int] = None,
        timeout: Optional[float] = None,
        m: Optional[int] = None,
        sparsity: Any = None,
        bounds: Any = None,
        progress: Any = False,
        inplace: Optional[bool] = False,
        args: Any = (),
        kwargs: Optional[dict] = None,
    ) -> _JacobianResult:
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
        if self._front_jacobian is not None:  # the compiled front door: the commonest calls in C
            result = self._front_jacobian(f, x, h, method, order, adaptive, full_output, workers, vectorized,
                                          max_batch_bytes, chunksize, timeout, m, sparsity, bounds, progress, inplace,
                                          args, kwargs)
            if result is not GENERAL:
                return result
        with _Call("jacobian", progress, f, args, kwargs) as call:
            g, stencil, adaptive, full_output, options = check_call(f, method, order, adaptive, full_output, h, args,
                                                                    kwargs, workers, vectorized, max_batch_bytes,
                                                                    chunksize, timeout, m=m, sparsity=sparsity)
            groups = None if sparsity is None else as_groups(self._kernels, sparsity)
            ev = make_evaluation(self._kernels, g, x, "x", options, inplace, stencil, call.tracker)
            if call.tracker:
                call.plan(*((evaluations, stencil, ev.point.n, adaptive, 1) if groups is None else
                            (sparse_jacobian_evaluations, stencil, groups)))
            box = None if bounds is None else _box(bounds, ev.point.work, ev.point.shape, ev.target)
            if groups is None:
                result = derivatives.jacobian(ev, h, stencil, adaptive, box, full_output)
            else:
                result = sparse_jacobian(ev, h, stencil, groups, box, full_output)
        return call.result(result)

    @overload
    def hessian(self, f: Objective, x: ArrayLike, h: Step = None,
                method: Literal["central", "forward", "backward"] = "central", order: Optional[int] = None,
                adaptive: bool = False, full_output: Literal[False] = False, *, sparsity: None = None,
                **options: Unpack[_TaskOptions]) -> np.ndarray: ...

    @overload
    def hessian(self, f: Objective, x: ArrayLike, h: Step = None,
                method: Literal["central", "forward", "backward"] = "central", order: Optional[int] = None,
                adaptive: bool = False, *, full_output: Literal[True], sparsity: None = None,
                **options: Unpack[_TaskOptions]) -> tuple[np.ndarray, DiffInfo]: ...

    @overload
    def hessian(self, f: Objective, x: ArrayLike, h: Step = None,
                method: Literal["central", "forward", "backward"] = "central", order: Optional[int] = None,
                adaptive: bool = False, full_output: Literal[False] = False, *, sparsity: Any,
                **options: Unpack[_TaskOptions]) -> Union[np.ndarray, SparseMatrix]: ...

    @overload
    def hessian(self, f: Objective, x: ArrayLike, h: Step = None,
                method: Literal["central", "forward", "backward"] = "central", order: Optional[int] = None,
                adaptive: bool = False, *, full_output: Literal[True], sparsity: Any,
                **options: Unpack[_TaskOptions]) -> tuple[Union[np.ndarray, SparseMatrix], DiffInfo]: ...

    @overload
    def hessian(self, f: Objective, x: ArrayLike, h: Step = None,
                method: Literal["central", "forward", "backward"] = "central", order: Optional[int] = None,
                adaptive: bool = False, full_output: bool = False, *, sparsity: Any = None,
                **options: Unpack[_TaskOptions]) -> _JacobianResult: ...

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
        chunksize: Optional[int] = None,
        timeout: Optional[float] = None,
        sparsity: Any = None,
        bounds: Any = None,
        progress: Any = False,
        inplace: Optional[bool] = False,
        args: Any = (),
        kwargs: Optional[dict] = None,
    ) -> _JacobianResult:
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
        if self._front_hessian is not None:  # the compiled front door: the commonest calls in C
            result = self._front_hessian(f, x, h, method, order, adaptive, full_output, workers, chunksize, timeout,
                                         sparsity, bounds, progress, inplace, args, kwargs)
            if result is not GENERAL:
                return result
        with _Call("hessian", progress, f, args, kwargs) as call:
            g, stencil, adaptive, full_output, options = check_call(f, method, order, adaptive, full_output, h, args,
                                                                    kwargs, workers, False, DEFAULT_BATCH_BYTES,
                                                                    chunksize, timeout, 2, FD_METHODS,
                                                                    sparsity=sparsity, hessian=True)
            ev = make_evaluation(self._kernels, g, x, "x", options, inplace, stencil, call.tracker)
            if call.tracker:
                call.plan(hessian_evaluations, ev.point.n, stencil, adaptive)
            box = None if bounds is None else _box(bounds, ev.point.work, ev.point.shape, ev.target)
            result = hessian(ev, h, stencil, adaptive, box, sparsity, full_output, call.tracker)
        return call.result(result)

    @overload
    def hessian_diag(self, f: Objective, x: ArrayLike, h: Step = None,
                     method: Literal["central", "forward", "backward"] = "central", order: Optional[int] = None,
                     adaptive: bool = False, full_output: Literal[False] = False,
                     **options: Unpack[_GradientOptions]) -> np.ndarray: ...

    @overload
    def hessian_diag(self, f: Objective, x: ArrayLike, h: Step = None,
                     method: Literal["central", "forward", "backward"] = "central", order: Optional[int] = None,
                     adaptive: bool = False, *, full_output: Literal[True],
                     **options: Unpack[_GradientOptions]) -> tuple[np.ndarray, DiffInfo]: ...

    @overload
    def hessian_diag(self, f: Objective, x: ArrayLike, h: Step = None,
                     method: Literal["central", "forward", "backward"] = "central", order: Optional[int] = None,
                     adaptive: bool = False, full_output: bool = False,
                     **options: Unpack[_GradientOptions]) -> _GradientResult: ...

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
        chunksize: Optional[int] = None,
        timeout: Optional[float] = None,
        bounds: Any = None,
        progress: Any = False,
        inplace: Optional[bool] = False,
        args: Any = (),
        kwargs: Optional[dict] = None,
    ) -> _GradientResult:
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
        if self._front_hessian_diag is not None:  # the compiled front door: the commonest calls in C
            result = self._front_hessian_diag(f, x, h, method, order, adaptive, full_output, workers, vectorized,
                                              max_batch_bytes, chunksize, timeout, bounds, progress, inplace, args,
                                              kwargs)
            if result is not GENERAL:
                return result
        return self._along_coordinates("hessian_diag", 2, FD_METHODS, f, x, h, method, order, adaptive, full_output,
                                       workers, vectorized, max_batch_bytes, chunksize, timeout, bounds, progress,
                                       inplace, args, kwargs)

    @overload
    def directional(self, f: Objective, x: ArrayLike, v: ArrayLike, h: Optional[float] = None,
                    method: Method = "central", order: Optional[int] = None, adaptive: bool = False,
                    full_output: Literal[False] = False, **options: Unpack[_Options]) -> _NumberOrArray: ...

    @overload
    def directional(self, f: Objective, x: ArrayLike, v: ArrayLike, h: Optional[float] = None,
                    method: Method = "central", order: Optional[int] = None, adaptive: bool = False, *,
                    full_output: Literal[True], **options: Unpack[_Options]) -> tuple[_NumberOrArray, DiffInfo]: ...

    @overload
    def directional(self, f: Objective, x: ArrayLike, v: ArrayLike, h: Optional[float] = None,
                    method: Method = "central", order: Optional[int] = None, adaptive: bool = False,
                    full_output: bool = False, **options: Unpack[_Options]) -> _DerivativeResult: ...

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
    ) -> _DerivativeResult:
        """Directional derivative: the derivative of ``f(x + t v)`` at ``t = 0``.

        Equals ``gradient(f, x) . v``, or for an array-valued f the
        Jacobian-vector product ``J v``, but costs 2 evaluations (central),
        whatever the size of ``x`` and of f's values (f's first value tells
        its shape; with ``adaptive``, f at ``x`` is evaluated once more to
        learn it).

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
        with _Call("directional", progress, f, args, kwargs) as call:
            g, stencil, adaptive, full_output, _ = check_call(f, method, order, adaptive, full_output, h, args, kwargs,
                                                              python_only=_LINE_ONLY)
            if call.tracker:
                call.plan(evaluations, stencil, 1, adaptive)
            work, shape = as_point(x)
            v, size = check_direction(as_points(v, "v"), shape)
            target = x if inplace is not False and check_inplace(inplace, x, "x", False, SERIAL, stencil.row) else None
            result = derivatives.directional(self._kernels, call.counted(g), work, shape, v, size, h, stencil, adaptive,
                                             full_output, target)
        return call.result(result)

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
            How fdgrad computes its gradient.  By default (``h=None``,
            central, ``adaptive=True``) it first takes central
            differences at steps of ``1.9e-4 * max(1, |x|)`` and two smaller
            ones in a ratio of 1.7; where they converge as an error of order
            h^2 does, their extrapolation (Richardson) is the numeric gradient,
            and where grad is within every entry's tolerance of it by more
            than its estimated error, grad passes, with that estimate as the
            error.
            Otherwise (a mismatch, or differences too large to decide) the
            adaptive gradient decides, with its error estimate widening each
            entry's tolerance.  Any other options: the gradient they ask for.
        rtol, atol : float
            An entry passes when ``|grad - numeric| <= atol + rtol * |numeric|
            + error``, error being the estimated error of ``numeric``.  For an
            f whose values are float32 (or float16), rtol is at least the
            square root of that precision (3.5e-4 for float32).  An entry
            that would pass only by the adaptive error estimate, above half
            the numeric gradient's largest entry, cannot be decided: it
            fails, with an :class:`UndecidedWarning`.
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
        with _Call("check_grad", False, f, args, kwargs):
            bound = bind_args(resolve_f(f), args, kwargs)  # checked here, passed on by gradient()
            rtol, atol = check_tolerance(rtol, "rtol"), check_tolerance(atol, "atol")
            raise_on_mismatch = check_bool(raise_on_mismatch, "raise_on_mismatch")
            work, shape = as_point(x)
            given = bind_args(grad, args, kwargs)(read_only_view(work.copy(), shape)) if callable(grad) else grad
            analytic = check_gradient_values(given, shape)
            if _quick_options(h, method, order, adaptive, workers, progress, inplace):
                verdict = self._quick_check(f, bound, work, shape, analytic, rtol, atol, args, kwargs)
                if verdict is not None:
                    return _Call.result(verdict)
            return _Call.result(self._checked(f, analytic, x, h, method, order, adaptive, rtol, atol,
                                              raise_on_mismatch, workers, progress, inplace, args, kwargs))

    def _quick_check(self, f: Any, bound: Any, work: np.ndarray, shape: tuple, analytic: np.ndarray, rtol: float,
                     atol: float, args: Any, kwargs: Any) -> Optional[GradCheck]:
        """check_grad's first look (its default options): f's central gradient at the
        steps h = r max(1, |x|) for r in QUICK_STEPS (each rounded so that x + h is exact), g1, g2
        and g3, from the largest, in a ratio of 1.7.  Where every coordinate's differences shrink
        as an error of order h^2 does (|g1 - g2| / |g2 - g3| within a factor 2 of 1.7^2, one
        sign), or both are within f's rounding (4 eps |f(x)| / h, eps f's precision), the
        numeric gradient is Richardson's extrapolation of g2 and g3 and its estimated error
        the larger difference, plus that rounding (more than g3's own error, which the
        extrapolation reduces).  Where grad is within every entry's tolerance of that value by
        more than this estimate, grad passes; any other case (noise, a tabled or periodic f
        that repeats itself at the steps, a mismatch, an estimate too large to decide, or f's
        values coarser than float64) is None, and the adaptive check decides."""
        steps = np.empty((len(QUICK_STEPS), work.shape[0]))
        for k, rel in enumerate(QUICK_STEPS):
            if self._kernels.default_steps(work, rel, _CENTRAL.reach, steps[k]) >= 0:
                return None
        point = work.reshape(shape)
        native = isinstance(bound, NativeFunction)
        value = native_value(bound, work) if native else bound(read_only_view(work.copy(), shape))
        eps = precision(value)
        if eps > EPS:  # a float32 (float16) f: the quick look's steps are float64's
            return None
        g1, g2, g3 = (self.gradient(f, point, hs.reshape(shape), args=args, kwargs=kwargs).reshape(-1)
                      for hs in steps)
        rtol = max(rtol, eps ** 0.5)
        rounding = _rounding(eps, value, steps[2])
        first, second = np.abs(g1 - g2), np.abs(g2 - g3)
        shrinks = ((g1 - g2) * (g2 - g3) > 0) & (first >= 0.5 * QUICK_RATIO2 * second) \
            & (first <= 2.0 * QUICK_RATIO2 * second)
        if not np.all(shrinks | ((first <= rounding) & (second <= rounding))):
            return None
        numeric = (QUICK_RATIO2 * g3 - g2) / (QUICK_RATIO2 - 1.0)
        error = np.maximum(first, second) + rounding
        if not np.all(np.abs(analytic.reshape(-1) - numeric) + error <= atol + rtol * np.abs(numeric)):
            return None
        return compare_gradients(analytic, numeric.reshape(shape), error.reshape(shape), rtol, atol, False)

    @staticmethod
    def _coarse_tolerance(bound: Any, at: Any, rtol: float, steps: Any, one_sided: bool) -> tuple[float, Any]:
        """(rtol, extra) for f's precision eps at x (f evaluated at `at`, x, once more): rtol at least
        sqrt(eps), no finite difference of a float32 (or float16) f is closer than about that (8
        sqrt(eps) for a one-sided difference of order 1, about its error at the best step); and
        for such an f at fixed steps (steps: the gradient's; None where adaptive), extra, the
        difference's rounding and its like truncation, 4 eps |f(x)| / h, added to each entry's
        tolerance as an error estimate is (a float64 f: rtol and no extra, as before)."""
        if isinstance(bound, NativeFunction):
            return rtol, 0.0
        value = bound(at)
        eps = precision(value)
        if steps is None or eps <= EPS:
            return max(rtol, eps**0.5), 0.0
        least = 8.0 * eps**0.5 if one_sided else eps**0.5
        return max(rtol, least), _rounding(eps, value, np.asarray(steps, dtype=float))

    def _checked(self, f: Any, analytic: np.ndarray, x: Any, h: Any, method: Any, order: Any, adaptive: Any,
                 rtol: float, atol: float, raise_on_mismatch: bool, workers: Any, progress: Any, inplace: Any,
                 args: Any, kwargs: Any) -> GradCheck:
        """check_grad's verdict from f's gradient as its options ask (grad's value at x, analytic,
        already taken; rtol, atol and raise_on_mismatch already checked)."""
        with _Call("check_grad", False, f, args, kwargs):
            bound = bind_args(resolve_f(f), args, kwargs)
            work, shape = as_point(x)
            numeric, info = self.gradient(f, x if inplace is not False else work.reshape(shape), h, method, order,
                                          adaptive, True, workers=workers, progress=progress, inplace=inplace,
                                          args=args, kwargs=kwargs)
            # (in place, f at the caller's array itself: f may read it from elsewhere, as net.W)
            at = x if inplace is not False and isinstance(x, np.ndarray) else read_only_view(work.copy(), shape)
            one_sided = not adaptive and resolve_method(method, order, False, 1).order == 1  # (forward, backward)
            rtol, extra = self._coarse_tolerance(bound, at, rtol, None if adaptive else info.step, one_sided)
        error = extra if np.ndim(extra) else info.error  # (fixed steps: NaN, no estimate, but for a coarse f)
        return compare_gradients(analytic, numeric, error, rtol, atol, raise_on_mismatch, bool(adaptive))

    @overload
    def gradient_descent(self, f: Objective, init_x: ArrayLike, lr: float = 0.01, step_num: int = 100, h: Step = None,
                         method: Method = "central", history: Literal[False] = False, order: Optional[int] = None,
                         adaptive: bool = False, *, full_output: Literal[False] = False,
                         **options: Unpack[_DescentOptions]) -> np.ndarray: ...

    @overload
    def gradient_descent(self, f: Objective, init_x: ArrayLike, lr: float = 0.01, step_num: int = 100, h: Step = None,
                         method: Method = "central", *, history: Literal[True], order: Optional[int] = None,
                         adaptive: bool = False, full_output: Literal[False] = False,
                         **options: Unpack[_DescentOptions]) -> tuple[np.ndarray, np.ndarray]: ...

    @overload
    def gradient_descent(self, f: Objective, init_x: ArrayLike, lr: float = 0.01, step_num: int = 100, h: Step = None,
                         method: Method = "central", history: Literal[False] = False, order: Optional[int] = None,
                         adaptive: bool = False, *, full_output: Literal[True],
                         **options: Unpack[_DescentOptions]) -> tuple[np.ndarray, DescentInfo]: ...

    @overload
    def gradient_descent(self, f: Objective, init_x: ArrayLike, lr: float = 0.01, step_num: int = 100, h: Step = None,
                         method: Method = "central", *, history: Literal[True], order: Optional[int] = None,
                         adaptive: bool = False, full_output: Literal[True],
                         **options: Unpack[_DescentOptions]) -> tuple[np.ndarray, np.ndarray, DescentInfo]: ...

    @overload
    def gradient_descent(self, f: Objective, init_x: ArrayLike, lr: float = 0.01, step_num: int = 100, h: Step = None,
                         method: Method = "central", history: bool = False, order: Optional[int] = None,
                         adaptive: bool = False, *, full_output: bool = False,
                         **options: Unpack[_DescentOptions]) -> _DescentResult: ...

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
        chunksize: Optional[int] = None,
        timeout: Optional[float] = None,
        tol: Optional[float] = None,
        callback: Optional[Callable[[int, np.ndarray, np.ndarray], Any]] = None,
        full_output: bool = False,
        progress: Any = False,
        inplace: Optional[bool] = None,
        args: Any = (),
        kwargs: Optional[dict] = None,
    ) -> _DescentResult:
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
        with _Call("gradient_descent", progress, f, args, kwargs) as call:
            rate, count, history, full_output, tol, callback = check_descent(lr, step_num, history, full_output, tol,
                                                                             callback, h)
            g, stencil, adaptive, _, options = check_call(f, method, order, adaptive, False, None, args, kwargs, workers,
                                                          vectorized, max_batch_bytes, chunksize, timeout)
            ev = make_evaluation(self._kernels, g, init_x, "init_x", options, inplace, stencil, call.tracker)
            if call.tracker:
                call.plan(lambda: count * evaluations(stencil, ev.point.n, adaptive))
            if history:
                check_history_size(count, ev.point.n)
            result = descent(ev, h, stencil, adaptive, rate, count, history, tol, callback, full_output,
                             call.tracker is not None)
        return call.result(result)

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

    @overload
    def numerical_diff(self, f: Objective, x: float) -> float: ...

    @overload
    def numerical_diff(self, f: Objective, x: ArrayLike) -> _NumberOrArray: ...

    def numerical_diff(self, f: Objective, x: ArrayLike) -> _NumberOrArray:
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
        if self._front_numerical_diff is not None:
            result = self._front_numerical_diff(f, x)
            if result is not GENERAL:
                return result
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
        if self._front_numerical_gradient is not None:
            result = self._front_numerical_gradient(f, x)
            if result is not GENERAL:
                return result
        return self.gradient(f, x, TEXTBOOK_STEP, "central", inplace=None)
