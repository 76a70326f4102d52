"""The caller's arguments as checked values: every argument check of every public function.

Each check takes one argument (or a few that constrain each other) and
returns it as a checked value, or raises a ``TypeError`` or ``ValueError``
naming the parameter and the value, before any kernel runs; so both backends
raise the same exceptions with the same messages.  A method's options are
checked against its row of the method table (:mod:`fdgrad._stencils`).  Nothing
here builds an evaluation or touches the pool: ``workers`` is read as a
thread count or an executor, and the evaluation layer acts on it.
"""

from __future__ import annotations

import inspect
import math
import operator
import os
import sys
from concurrent.futures import Executor
from types import BuiltinFunctionType, FunctionType, MethodType
from typing import Any, NamedTuple, Optional, Sequence

import numpy as np

from ._native import NativeFunction, cached_native_function
from ._stencils import METHOD_TABLE, METHODS, Method, Stencil, make_stencil
from ._values import as_float, is_real_number, largest_magnitude, real_array, show

__all__ = [
    "C_INT_MAX", "DEFAULT_BATCH_BYTES", "GENERAL", "SERIAL", "EvaluationOptions", "FD_METHODS", "MAX_DERIVATIVE", "WithArgs",
    "bind_args", "check_bool", "check_bounds", "check_call", "check_callable", "check_derivative_order",
    "check_descent", "check_direction", "check_evaluation", "check_gradient_values", "check_h",
    "check_hessian_options", "check_history_size", "check_index", "check_inplace", "check_lr", "check_native_size",
    "check_options", "check_outputs", "check_progress", "check_sparse_options", "check_step_num", "check_tolerance",
    "check_workers", "resolve_f", "resolve_method", "sparsity_pattern",
]

#: Callables that are certainly Python code, never a native f (the common case, recognised at once).
_PLAIN_CALLABLES = frozenset({FunctionType, MethodType, BuiltinFunctionType, np.ufunc})

#: (method, order, adaptive, deriv, methods) -> Stencil, for arguments already checked once.
_RESOLVED: dict[tuple, Stencil] = {}

#: the highest derivative derivative(n=) computes
MAX_DERIVATIVE = 4

#: The methods with second differences (hessian, hessian_diag): the method table's.
FD_METHODS = tuple(name for name, row in METHOD_TABLE.items() if row.hessian)

#: the largest n (and m) a native f's C int can be told
C_INT_MAX = 2**31 - 1

#: What the compiled front door (fdgrad._front) answers for a call it leaves to the general path.
GENERAL = type("General", (), {"__repr__": lambda self: "GENERAL", "__slots__": ()})()

#: The default bound on the memory of one batch of stacked points (vectorized=True).
DEFAULT_BATCH_BYTES = 64 * 2**20


def check_callable(f: Any) -> None:
    if not callable(f):
        raise TypeError(f"f must be callable, got {show(f)} of type {type(f).__name__}")


def check_bool(value: Any, name: str) -> bool:
    if value is True or value is False:
        return value
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {show(value)}")
    return bool(value)


def _listed(words: Sequence[str]) -> str:
    """'a, b or c'."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _check_int(value: Any, name: str) -> int:
    """value as an int (numpy integers too; never a bool), or a TypeError naming it."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {show(value)}")
    return int(value)


# f and its extra arguments.

class WithArgs:
    """f(x, *args, **kwargs) as a function of x alone (SciPy's args= convention);
    picklable, for process pools, when f and the arguments are."""

    __slots__ = ("f", "args", "kwargs")

    def __init__(self, f: Any, args: tuple, kwargs: dict) -> None:
        self.f, self.args, self.kwargs = f, args, kwargs

    def __call__(self, x: Any) -> Any:
        return self.f(x, *self.args, **self.kwargs)

    def __getstate__(self) -> tuple:
        return self.f, self.args, self.kwargs

    def __setstate__(self, state: tuple) -> None:
        self.f, self.args, self.kwargs = state


def bind_args(f: Any, args: Any, kwargs: Any) -> Any:
    """f, or f with args and kwargs bound after x; a non-tuple args is one argument, as in SciPy."""
    if type(args) is tuple and not args and kwargs is None:
        return f
    if kwargs is not None and not isinstance(kwargs, dict):
        raise TypeError(f"kwargs must be a dict or None, got {show(kwargs)}")
    if isinstance(f, NativeFunction):
        raise TypeError("args and kwargs are passed to a Python f; a native f gets its extra data through "
                        "its user_data pointer")
    return WithArgs(f, args if isinstance(args, tuple) else (args,), dict(kwargs or {}))


def resolve_f(f: Any) -> Any:
    """f itself (a Python callable) or its NativeFunction (a compiled f)."""
    if type(f) in _PLAIN_CALLABLES:
        return f
    native = cached_native_function(f)
    if native is not None:
        return native
    check_callable(f)
    return f


# The method, its order and the derivative's.

def check_derivative_order(n: Any, method: Any) -> int:
    """derivative()'s n: an int from 1 to MAX_DERIVATIVE, one the method offers."""
    if type(n) is int and n == 1:
        return 1
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"n must be an int (the order of the derivative, 1 to {MAX_DERIVATIVE}), got {show(n)}")
    if not 1 <= int(n) <= MAX_DERIVATIVE:
        raise ValueError(f"n must be 1 to {MAX_DERIVATIVE} (the order of the derivative), got {int(n)}")
    row = METHOD_TABLE.get(method) if isinstance(method, str) else None
    if row is not None and int(n) not in row.derivatives:
        given = "first derivatives only" if row.derivatives == (1,) else \
            f"derivatives of order {_listed([str(d) for d in row.derivatives])} only"
        others = _listed([name for name, r in METHOD_TABLE.items() if int(n) in r.derivatives])
        raise ValueError(f"method={method!r} gives {given}, got n={int(n)}; use a finite-difference method ({others})")
    return int(n)


def resolve_method(
    method: Any, order: Any, adaptive: bool = False, deriv: int = 1, methods: Sequence[str] = METHODS
) -> Stencil:
    """The stencil for method and order; order=None is the method's default."""
    exact = type(method) is str and (order is None or type(order) is int) and type(adaptive) is bool
    if exact:
        hit = _RESOLVED.get((method, order, adaptive, deriv, methods))
        if hit is not None:
            return hit
    stencil = _resolve_method(method, order, adaptive, deriv, methods)
    if exact:
        _RESOLVED[(method, order, adaptive, deriv, methods)] = stencil
    return stencil


def _resolve_method(method: Any, order: Any, adaptive: bool, deriv: int, methods: Sequence[str]) -> Stencil:
    if not isinstance(method, str) or method not in methods:
        kind = ValueError if isinstance(method, str) else TypeError
        raise kind(f"method must be one of {', '.join(map(repr, methods))}, got {show(method)}")
    row = METHOD_TABLE[method]
    if order is not None:
        if adaptive:
            raise ValueError(f"order must be None with adaptive=True (the extrapolation sets its own), got {show(order)}")
        if isinstance(order, (bool, np.bool_)) or not isinstance(order, (int, np.integer)):
            raise TypeError(f"order must be an int, got {show(order)}")
        if int(order) not in row.orders:
            allowed = ", ".join(map(str, row.orders))
            raise ValueError(f"order must be one of {allowed} for method={method!r}, got {int(order)}")
    if adaptive and not row.adaptive:
        raise ValueError(f"adaptive=True needs a finite-difference method, got method={method!r} (already exact to "
                         "rounding)")
    return make_stencil(method, row.orders[0] if order is None else int(order), deriv)


def check_options(
    f: Any, method: Any, order: Any, adaptive: Any, full_output: Any, deriv: int = 1, methods: Sequence[str] = METHODS,
    h: Any = None,
) -> tuple[Any, Stencil, bool, bool]:
    """The checks every differentiating function starts with; f comes back resolved (resolve_f).
    h, where given, is checked here, before f is evaluated (and its shape where the steps are
    made, or, with adaptive=True, which leaves it unused, by _steps.unused_step)."""
    if h is not None and not (type(h) is float and 0.0 < h < math.inf):
        check_h(h)  # before f is evaluated (its shape against x's: where the steps are made)
    if type(f) in _PLAIN_CALLABLES and type(adaptive) is bool and type(full_output) is bool \
            and type(method) is str and (order is None or type(order) is int):
        hit = _RESOLVED.get((method, order, adaptive, deriv, methods))  # arguments valid before
        if hit is not None:
            return f, hit, adaptive, full_output
    f = resolve_f(f)
    adaptive = check_bool(adaptive, "adaptive")
    full_output = check_bool(full_output, "full_output")
    stencil = resolve_method(method, order, adaptive, deriv, methods)
    if stencil.row.complex_input and isinstance(f, NativeFunction):
        raise TypeError(f"method={stencil.method!r} needs a Python f that accepts complex input, one point at a time")
    return f, stencil, adaptive, full_output


def check_call(f: Any, method: Any, order: Any, adaptive: Any, full_output: Any, h: Any, args: Any, kwargs: Any,
               workers: Any = 1, vectorized: Any = False, max_batch_bytes: Any = DEFAULT_BATCH_BYTES,
               chunksize: Any = None, timeout: Any = None, deriv: int = 1, methods: Sequence[str] = METHODS,
               python_only: Optional[str] = None, m: Any = None, sparsity: Any = None,
               hessian: bool = False) -> tuple[Any, Stencil, bool, bool, "EvaluationOptions"]:
    """A differentiating call's options: f resolved and bound to its extra arguments, the stencil,
    adaptive, full_output, and how f is evaluated (see check_options, bind_args, check_evaluation;
    arguments valid before, the commonest calls', are recognised at once).
    python_only: the message for a native f where the function needs a Python one; m: a native
    vector f's number of values (check_outputs); sparsity, hessian: a pattern allowed by the
    options (check_sparse_options), a Hessian's options (check_hessian_options)."""
    stencil = None
    if type(f) in _PLAIN_CALLABLES and type(adaptive) is bool and type(full_output) is bool \
            and type(method) is str and (order is None or type(order) is int) \
            and (h is None or type(h) is float and 0.0 < h < math.inf):
        stencil = _RESOLVED.get((method, order, adaptive, deriv, methods))
    if stencil is None:
        f, stencil, adaptive, full_output = check_options(f, method, order, adaptive, full_output, deriv, methods, h)
    if type(args) is not tuple or args or kwargs is not None:
        f = bind_args(f, args, kwargs)
    if python_only is not None and isinstance(f, NativeFunction):
        raise TypeError(python_only)
    if hessian:
        check_hessian_options(stencil, adaptive, sparsity)
    elif sparsity is not None:
        check_sparse_options(sparsity, adaptive, stencil)
    if type(workers) is int and workers == 1 and vectorized is False and max_batch_bytes is DEFAULT_BATCH_BYTES \
            and chunksize is None and timeout is None and m is None:
        return f, stencil, adaptive, full_output, SERIAL
    options = check_evaluation(workers, vectorized, max_batch_bytes, chunksize, timeout)
    return f, stencil, adaptive, full_output, options if m is None else options._replace(m=check_outputs(m))


def check_hessian_options(stencil: Stencil, adaptive: bool, sparsity: Any) -> None:
    """An adaptive Hessian is central; a pattern needs fixed steps of a method that allows it."""
    if adaptive and stencil.row.side != 0:
        raise ValueError(f"an adaptive Hessian is central, got method={stencil.method!r}")
    if sparsity is not None:
        check_sparse_options(sparsity, adaptive, stencil)


def check_descent(lr: Any, step_num: Any, history: Any, full_output: Any, tol: Any, callback: Any,
                  h: Any) -> tuple[float, int, bool, bool, Optional[float], Any]:
    """gradient_descent()'s own options: (lr, step_num, history, full_output, tol, callback); h,
    where given, checked (it is then used at every step)."""
    rate = check_lr(lr)
    count = check_step_num(step_num)
    history = check_bool(history, "history")
    full_output = check_bool(full_output, "full_output")
    tol = None if tol is None else check_tolerance(tol, "tol")
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable or None, got {callback!r}")
    if h is not None:
        check_h(h)
    return rate, count, history, full_output, tol, callback


def check_progress(progress: Any) -> Any:
    """progress: False or None (off), True (a tqdm bar) or a callable(done, total)."""
    if progress is None or progress is False or progress is True or callable(progress):
        return progress
    raise TypeError(f"progress must be True, False or a callable(done, total), got {progress!r}")


# How f is evaluated.

class EvaluationOptions(NamedTuple):
    """workers and the options that go with it, checked: threads (a count) or an executor."""

    threads: int
    #: a concurrent.futures Executor or a map-like callable, or None for threads
    executor: Any
    #: points per task (None: ranges of coordinates, a few tasks per worker)
    chunksize: Optional[int]
    timeout: Optional[float]
    vectorized: bool
    max_batch_bytes: int
    #: how many values a native vector f writes (None: not given)
    m: Optional[int] = None


#: The defaults: one thread, no executor.
SERIAL = EvaluationOptions(1, None, None, None, False, DEFAULT_BATCH_BYTES)


def check_workers(workers: Any) -> int:
    """workers as a thread count: an int >= 1, or -1 for every core."""
    if hasattr(workers, "__index__") and not isinstance(workers, bool) and type(workers).__name__ != "bool_":
        try:
            workers = workers.__index__()
        except TypeError:  # an array of more than one element
            pass
    if isinstance(workers, bool) or not isinstance(workers, int):
        raise TypeError("workers must be an int (a thread count, or -1 for all cores), a concurrent.futures "
                        f"Executor or a map-like callable, got {workers!r}")
    if workers == -1:
        return max(1, os.cpu_count() or 1)
    if workers < 1:
        raise ValueError(f"workers must be >= 1 or -1 (all cores), got {workers}")
    return workers


def check_evaluation(workers: Any, vectorized: Any = False, max_batch_bytes: Any = DEFAULT_BATCH_BYTES,
                     chunksize: Any = None, timeout: Any = None) -> EvaluationOptions:
    """workers (a thread count, -1 for all cores, a concurrent.futures Executor or a map-like
    callable such as multiprocessing.Pool(4).map) and its companions, checked."""
    if type(workers) is int and workers == 1 and vectorized is False and type(max_batch_bytes) is int \
            and max_batch_bytes >= 1 and chunksize is None and timeout is None:
        # the defaults: all checked at once
        return SERIAL if max_batch_bytes == DEFAULT_BATCH_BYTES else SERIAL._replace(max_batch_bytes=max_batch_bytes)
    vectorized = check_bool(vectorized, "vectorized")
    max_batch_bytes = _check_int(max_batch_bytes, "max_batch_bytes")
    if max_batch_bytes < 1:
        raise ValueError(f"max_batch_bytes must be positive, got {max_batch_bytes}")
    if chunksize is not None:
        chunksize = _check_int(chunksize, "chunksize")
        if chunksize < 1:
            raise ValueError(f"chunksize must be >= 1 or None, got {chunksize}")
    if timeout is not None:
        if not is_real_number(timeout):
            raise TypeError(f"timeout must be a number of seconds or None, got {show(timeout)}")
        if not (0.0 < float(timeout) < math.inf):
            raise ValueError(f"timeout must be positive and finite (seconds), got {show(timeout)}")
        timeout = float(timeout)
    if isinstance(workers, Executor) or (callable(workers) and not isinstance(workers, (int, np.integer))):
        if not isinstance(workers, Executor):
            _check_map_like(workers)
        if timeout is not None and not isinstance(workers, Executor):
            raise ValueError("timeout needs workers to be a concurrent.futures Executor: a map-like callable "
                             f"such as {workers!r} cannot be stopped")
        if vectorized:
            raise ValueError("vectorized=True evaluates f on stacks of points itself; use it without an executor")
        return EvaluationOptions(1, workers, chunksize, timeout, False, max_batch_bytes)
    return EvaluationOptions(check_workers(workers), None, chunksize, timeout, vectorized, max_batch_bytes)


def _check_map_like(workers: Any) -> None:
    """A callable given as workers must be map-like, workers(func, iterable)."""
    try:
        inspect.signature(workers).bind(len, ())
    except TypeError:
        raise TypeError("workers must be an int (a thread count, or -1 for all cores), a concurrent.futures Executor "
                        f"or a map-like callable workers(func, iterable), got {workers!r}, which cannot be called "
                        "so") from None
    except ValueError:  # no signature to read (some builtins): it is tried as it is
        pass


def check_inplace(inplace: Any, x: Any, name: str, native: bool, options: EvaluationOptions, row: Method) -> bool:
    """Whether to perturb the caller's x itself.  None: when x allows it (a writable
    floating-point ndarray), the evaluation is serial and the method moves x along the real
    line, as the textbooks' loops do; True: so, or a clear error saying why it cannot be."""
    serial = options.threads == 1 and options.executor is None and not options.vectorized
    if inplace is None:
        return (type(x) is np.ndarray and x.dtype.kind == "f" and x.flags.writeable and x.ndim > 0 and x.size > 0
                and not native and serial and row.inplace)
    if not check_bool(inplace, "inplace"):
        return False
    if not isinstance(x, np.ndarray) or isinstance(x, (np.ma.MaskedArray, np.matrix)):
        raise TypeError(f"inplace=True perturbs {name} itself: {name} must be a numpy ndarray, got "
                        f"{type(x).__name__}")
    if x.dtype.kind != "f":
        raise TypeError(f"inplace=True needs a floating-point {name} (a step would be lost in it), got dtype "
                        f"{x.dtype}")
    if not x.flags.writeable:
        raise ValueError(f"inplace=True needs a writable {name}; this one is read-only")
    if native:
        raise TypeError("inplace=True is for a Python f that reads x from elsewhere; a native f reads the "
                        "buffer it is given")
    if not serial:
        raise ValueError(f"inplace=True evaluates f on the one array {name}, one point at a time: it cannot be "
                         "combined with workers other than 1, an executor or vectorized=True")
    if not row.inplace:
        raise ValueError(f"inplace=True cannot be combined with method={row.name!r}: the complex step needs "
                         f"complex points, which {name}, an array of reals, cannot hold")
    return True


def check_outputs(m: Any) -> Any:
    """m, the number of values a native vector f writes: None or an int >= 1."""
    if m is None:
        return None
    m = _check_int(m, "m")
    if m < 1:
        raise ValueError(f"m must be >= 1, got {m}")
    if m > C_INT_MAX:
        raise ValueError(f"m must fit a C int (a native f is told it as one), at most {C_INT_MAX}, got {m}")
    return m


def check_native_size(n: int, name: str = "x") -> None:
    """A native f is told n as a C int: more entries than that cannot be passed to it."""
    if n > C_INT_MAX:
        raise ValueError(f"a native f is called as f(int n, double *{name}): {name} has {n} entries, more than a C "
                         f"int holds ({C_INT_MAX}); use a Python f")


# Steps, points and directions.

def check_h(h: Any, shape: Any = "x's", name: str = "h") -> np.ndarray:
    """A given step as a float64 array (0-d for a number), each entry positive and finite, or
    a clear error naming it (name: step, numdifftools' name for h, in the callable classes);
    its shape against x's is checked where the steps are made.  Every function checks h so,
    also where it is then unused (adaptive=True)."""
    if isinstance(h, (bool, np.bool_)) or isinstance(h, (str, bytes)):
        raise TypeError(f"{name} must be a positive finite number or an array of shape {shape}, got {show(h)}")
    try:
        harr = np.asarray(real_array(h, name), dtype=np.float64)
    except (ValueError, TypeError) as exc:
        if "at index" in str(exc):  # True among the numbers
            raise
        raise TypeError(f"{name} must be a positive finite number or an array of shape {shape}, "
                        f"got {show(h)}") from None
    bad = ~(np.isfinite(harr) & (harr > 0.0))
    if harr.ndim == 0 and bad:
        raise ValueError(f"{name} must be positive and finite, got {show(h)}")
    if bad.any():
        index = np.unravel_index(int(np.argmax(bad)), harr.shape)
        raise ValueError(
            f"{name} must be positive and finite, got {float(harr[index])!r} at index {tuple(int(i) for i in index)}"
        )
    return harr


def check_index(i: Any, shape: tuple[int, ...]) -> int:
    """i (an int, or a tuple of ints for an N-D x) as a flat index into x."""
    n = math.prod(shape)
    if isinstance(i, tuple):
        if len(i) != len(shape):
            raise ValueError(f"i must index one element of x with shape {shape}, got {i!r}")
        try:
            if any(isinstance(part, (bool, np.bool_)) for part in i):
                raise TypeError
            parts = [operator.index(part) for part in i]
        except TypeError:
            raise TypeError(f"i must be an int or a tuple of ints, got {show(i)}") from None
        for part, size in zip(parts, shape):
            if not -size <= part < size:
                raise ValueError(f"i must index one element of x with shape {shape}, got {i!r}")
        return int(np.ravel_multi_index(tuple(p % s for p, s in zip(parts, shape)), shape))
    if isinstance(i, (bool, np.bool_)):
        raise TypeError(f"i must be an int or a tuple of ints, got {i!r}")
    try:
        flat = operator.index(i)
    except TypeError:
        raise TypeError(f"i must be an int or a tuple of ints, got {show(i)}") from None
    if not -n <= flat < n:
        raise ValueError(f"i must be in the range [-{n}, {n}) for x of size {n}, got {flat}")
    return flat % n


def check_direction(v: np.ndarray, shape: tuple[int, ...]) -> tuple[np.ndarray, float]:
    """directional()'s v (already float64, see _values.as_points) flat, and its largest |entry|."""
    if v.shape != shape:
        raise ValueError(f"v must have x's shape {shape}, got shape {v.shape}")
    flat = v.reshape(-1)
    size = largest_magnitude(flat)
    if size == 0.0:
        raise ValueError("v must not be zero")
    return flat, size


def check_bounds(bounds: Any, x: np.ndarray, shape: tuple[int, ...], target: Optional[np.ndarray] = None,
                 name: str = "x") -> Optional[tuple[np.ndarray, np.ndarray]]:
    """bounds=(lb, ub) (numbers or arrays broadcastable to x's shape, -inf/inf for none; or an
    object with .lb and .ub, as scipy.optimize.Bounds) as flat float64 (lb, ub) over x's flat
    entries; None when nothing is bounded.  x (flat, float64) must lie inside, and lb < ub.
    Refused in place on an array (target) of a coarser float: its steps are rounded to that
    dtype, which could carry a point past a bound."""
    if bounds is None:
        return None
    if target is not None and target.dtype != np.float64:
        raise ValueError(f"bounds with inplace=True need a float64 array (steps in {target.dtype} could carry x "
                         f"past a bound); pass a float64 x, or inplace=False")
    if hasattr(bounds, "lb") and hasattr(bounds, "ub"):
        lb_in, ub_in = bounds.lb, bounds.ub
    elif isinstance(bounds, (tuple, list)) and len(bounds) == 2:
        lb_in, ub_in = bounds
    else:
        raise TypeError(f"bounds must be a pair (lb, ub) of numbers or arrays (-inf/inf where unbounded), or "
                        f"scipy.optimize.Bounds, got {show(bounds)}")
    ends = []
    for label, value in (("lb", lb_in), ("ub", ub_in)):
        if type(value) is float or type(value) is np.ndarray and value.dtype == np.float64:
            arr = np.asarray(value)  # the commonest: as real_array would take it
        else:
            arr = real_array(value, f"bounds' {label}").astype(np.float64)
        if np.isnan(arr).any():
            raise ValueError(f"bounds' {label} must not be NaN, got {show(value)}")
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
    return lb, ub


def _where(i: int, shape: tuple[int, ...]) -> str:
    return str(i) if len(shape) <= 1 else ", ".join(str(int(k)) for k in np.unravel_index(i, shape))


# Sparsity patterns.

def check_sparse_options(sparsity: Any, adaptive: bool, stencil: Stencil) -> Any:
    """sparsity, if the options allow it: fixed-step differences of a method whose row allows it."""
    if adaptive:
        raise ValueError("sparsity= works with fixed-step differences; adaptive=True places steps per "
                         "coordinate and cannot share an evaluation between columns")
    if not stencil.row.sparsity:
        allowed = _listed([repr(name) for name, row in METHOD_TABLE.items() if row.sparsity])
        raise ValueError(f"sparsity= works with method={allowed}, not {stencil.method!r}")
    return sparsity


def _is_scipy_sparse(value: Any) -> bool:
    return type(value).__module__.startswith("scipy.sparse") and hasattr(value, "tocsc")


def sparsity_pattern(sparsity: Any, name: str = "sparsity") -> tuple[tuple[int, int], np.ndarray, np.ndarray,
                                                                     Optional[str], bool]:
    """(shape, col_ptr, col_rows, format, sparse_array) of a scipy.sparse or array-like pattern:
    its structurally non-zero entries in CSC order, each once."""
    if _is_scipy_sparse(sparsity):
        shape = tuple(int(d) for d in sparsity.shape)
        if len(shape) != 2:
            raise ValueError(f"{name} must be 2-D, got shape {shape}")
        coo = sparsity.tocoo()
        _pattern_dtype(np.asarray(coo.data), name)
        _finite_pattern(np.asarray(coo.data), name, (np.asarray(coo.row), np.asarray(coo.col)))
        keep = np.asarray(coo.data != 0)
        rows, cols = np.asarray(coo.row)[keep], np.asarray(coo.col)[keep]
        fmt, sparse_array = sparsity.format, not type(sparsity).__name__.endswith("_matrix")
    else:
        if isinstance(sparsity, (str, bytes)) or sparsity is None:
            raise TypeError(f"{name} must be a scipy.sparse matrix, an array of the non-zero pattern or "
                            f"fdgrad.ColumnGroups, got {sparsity!r}")
        try:
            arr = np.asarray(sparsity)
        except Exception as exc:
            raise TypeError(f"{name} must be a scipy.sparse matrix or an array of the non-zero pattern, "
                            f"got {type(sparsity).__name__}") from exc
        _pattern_dtype(arr, name)
        if arr.ndim != 2:
            raise ValueError(f"{name} must be 2-D, (f's values, x's entries), got shape {arr.shape}")
        shape = (int(arr.shape[0]), int(arr.shape[1]))
        _finite_pattern(arr, name)
        rows, cols = np.nonzero(arr)
        fmt, sparse_array = None, False
    order = np.lexsort((rows, cols))  # CSC: by column, then row; duplicates once
    rows, cols = rows[order].astype(np.intp), cols[order].astype(np.intp)
    if rows.size:
        first = np.concatenate([[True], (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])])
        rows, cols = rows[first], cols[first]
    col_ptr = np.concatenate([[0], np.cumsum(np.bincount(cols, minlength=shape[1]))]).astype(np.intp)
    return shape, col_ptr, rows, fmt, sparse_array


def _pattern_dtype(values: np.ndarray, name: str) -> None:
    """A pattern holds booleans or numbers (a dense array's entries, a sparse matrix's stored values)."""
    if values.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold booleans or numbers (non-zero: a non-zero entry), got dtype "
                        f"{values.dtype}")


def _finite_pattern(values: np.ndarray, name: str, where: Optional[tuple] = None) -> None:
    """A pattern's entries must be finite: NaN or inf says neither zero nor non-zero (where: the
    rows and columns of a sparse matrix's stored values)."""
    if values.dtype.kind == "f" and not np.isfinite(values).all():
        bad = tuple(np.argwhere(~np.isfinite(values))[0])
        at = bad if where is None else tuple(axis[bad[0]] for axis in where)
        raise ValueError(f"{name} must hold finite numbers (non-zero: a non-zero entry), got "
                         f"{float(values[bad])!r} at {tuple(int(i) for i in at)}")


# Gradient descent and check_grad.

def check_lr(lr: Any) -> float:
    if not is_real_number(lr):
        raise TypeError(f"lr must be a real number, got {show(lr)}")
    value = as_float(lr, "lr")
    if not (math.isfinite(value) and value > 0.0):
        raise ValueError(f"lr must be positive and finite, got {show(lr)}")
    return value


def check_tolerance(value: Any, name: str) -> float:
    if not is_real_number(value):
        raise TypeError(f"{name} must be a real number, got {show(value)}")
    result = as_float(value, name)
    if not (math.isfinite(result) and result >= 0.0):
        raise ValueError(f"{name} must be finite and >= 0, got {show(value)}")
    return result


def check_step_num(step_num: Any) -> int:
    if isinstance(step_num, (bool, np.bool_)):
        raise TypeError(f"step_num must be an int, got {step_num!r}")
    try:
        value = operator.index(step_num)
    except TypeError:
        raise TypeError(f"step_num must be an int, got {show(step_num)}") from None
    if value < 0:
        raise ValueError(f"step_num must be >= 0, got {value}")
    if value >= sys.maxsize:  # a count the kernels' loops (C ssize_t) can hold, in both backends
        raise ValueError(f"step_num must be less than {sys.maxsize}, got {value}")
    return value


def check_history_size(count: int, n: int) -> None:
    """history=True keeps count + 1 iterates of n doubles: a clear error naming step_num
    where numpy could not even describe that array."""
    if (count + 1) * max(n, 1) * 8 >= sys.maxsize:
        raise ValueError(f"step_num={count} with history=True would keep {count + 1} iterates of {n} numbers, "
                         "more than any array can hold; use fewer steps or history=False")


def check_gradient_values(given: Any, shape: tuple[int, ...]) -> np.ndarray:
    """check_grad's grad (its value at x) as a float64 array of x's shape."""
    if np.asarray(given).dtype.kind not in "iuf":
        raise TypeError(f"grad must give real numbers, got {np.asarray(given).dtype}")
    analytic = np.array(given, dtype=np.float64)
    if analytic.shape != shape:
        raise ValueError(f"grad must give an array of x's shape {shape}, got shape {analytic.shape}")
    return analytic
