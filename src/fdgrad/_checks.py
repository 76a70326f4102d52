"""Argument checking, shape handling and default steps, shared by both backends.

Every public function checks its arguments here, once, before any kernel runs,
so the compiled and the pure-Python backends raise the same exceptions with the
same messages.  Messages name the parameter and the value it was given.
"""

from __future__ import annotations

import inspect
import math
import numbers
import operator
import sys
import warnings
from concurrent.futures import Executor
from typing import Any, Sequence

import numpy as np

from types import BuiltinFunctionType, FunctionType, MethodType

from ._native import NativeFunction, cached_native_function
from ._parallel import TaskRunner, check_workers
from ._stencils import EPS, METHODS, ORDERS, Stencil, make_stencil

__all__ = [
    "COMPLEX_STEP",
    "NOT_SCALAR",
    "WithArgs",
    "bind_args",
    "as_point",
    "as_points",
    "check_bool",
    "check_callable",
    "check_derivative_order",
    "check_h",
    "divides",
    "check_index",
    "check_inplace",
    "check_lr",
    "check_evaluation",
    "check_options",
    "check_outputs",
    "check_sparse_options",
    "resolve_f",
    "check_step_num",
    "check_history_size",
    "check_native_size",
    "check_tolerance",
    "imag_value",
    "precision",
    "resolve_method",
    "scalar_value",
    "steps",
    "vector_converter",
    "zero_step_error",
]

#: numpy's warning for ragged nested lists (numpy < 1.24 still makes an object array after it).
_RAGGED_WARNING = getattr(getattr(np, "exceptions", np), "VisibleDeprecationWarning", DeprecationWarning)

#: The largest finite double.
DBL_MAX = float(np.finfo(np.float64).max)

#: dtype kinds accepted as real numbers: signed, unsigned, float.
_REAL_KINDS = frozenset("iuf")

#: The complex-step "stencil": f'(x) = Im f(x + i h) / h, with a tiny step.
COMPLEX_STEP = Stencil((), (), 1.0, 1, 1e-20, "complex", 2)

#: Callables that are certainly Python code, never a native f (the common case, recognised at once).
_PLAIN_CALLABLES = frozenset({FunctionType, MethodType, BuiltinFunctionType, np.ufunc})

#: (method, order, adaptive, deriv, methods) -> Stencil, for arguments already checked once.
_RESOLVED: dict[tuple, Stencil] = {}


def _show(value: Any) -> str:
    """A short repr of a user's value for an error message."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_callable(f: Any) -> None:
    if not callable(f):
        raise TypeError(f"f must be callable, got {_show(f)} of type {type(f).__name__}")


#: the highest derivative derivative(n=) computes
MAX_DERIVATIVE = 4


def check_derivative_order(n: Any, method: Any) -> int:
    """derivative()'s n: an int from 1 to MAX_DERIVATIVE (1 only for the complex step)."""
    if type(n) is int and n == 1:
        return 1
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"n must be an int (the order of the derivative, 1 to {MAX_DERIVATIVE}), got {_show(n)}")
    if not 1 <= int(n) <= MAX_DERIVATIVE:
        raise ValueError(f"n must be 1 to {MAX_DERIVATIVE} (the order of the derivative), got {int(n)}")
    if method == "complex" and int(n) != 1:
        raise ValueError(f"method='complex' gives first derivatives only, got n={int(n)}; use a finite-difference "
                         "method (central, forward or backward)")
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
        raise kind(f"method must be one of {', '.join(map(repr, methods))}, got {_show(method)}")
    if order is not None:
        if adaptive:
            raise ValueError(f"order must be None with adaptive=True (the extrapolation sets its own), got {_show(order)}")
        if isinstance(order, (bool, np.bool_)) or not isinstance(order, (int, np.integer)):
            raise TypeError(f"order must be an int, got {_show(order)}")
        if int(order) not in ORDERS[method]:
            allowed = ", ".join(map(str, ORDERS[method]))
            raise ValueError(f"order must be one of {allowed} for method={method!r}, got {int(order)}")
    if adaptive and method == "complex":
        raise ValueError("adaptive=True needs a finite-difference method, got method='complex' (already exact to rounding)")
    if method == "complex":
        return COMPLEX_STEP
    return make_stencil(method, ORDERS[method][0] if order is None else int(order), deriv)


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
        raise TypeError(f"kwargs must be a dict or None, got {_show(kwargs)}")
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


def check_options(
    f: Any, method: Any, order: Any, adaptive: Any, full_output: Any, deriv: int = 1, methods: Sequence[str] = METHODS,
    h: Any = None,
) -> tuple[Any, Stencil, bool, bool]:
    """The checks every differentiating function starts with; f comes back resolved (resolve_f).
    h, where given, is checked here where adaptive=True leaves it unused (else steps() checks it)."""
    if h is not None and adaptive is True and not (type(h) is float and 0.0 < h < math.inf):
        check_h(h)
    if type(f) in _PLAIN_CALLABLES and type(adaptive) is bool and type(full_output) is bool \
            and type(method) is str and (order is None or type(order) is int):
        hit = _RESOLVED.get((method, order, adaptive, deriv, methods))  # arguments valid before
        if hit is not None:
            return f, hit, adaptive, full_output
    f = resolve_f(f)
    adaptive = check_bool(adaptive, "adaptive")
    full_output = check_bool(full_output, "full_output")
    return f, resolve_method(method, order, adaptive, deriv, methods), adaptive, full_output


def check_evaluation(workers: Any, vectorized: Any, max_batch_bytes: Any, chunksize: Any = 1,
                     timeout: Any = None) -> tuple[int, Any, bool, int]:
    """(thread count, TaskRunner or None, vectorized, max_batch_bytes), checked.

    workers is a thread count (int, -1 for all cores), a concurrent.futures
    Executor or a map-like callable such as multiprocessing.Pool(4).map.
    """
    if type(workers) is int and workers == 1 and vectorized is False and type(max_batch_bytes) is int \
            and max_batch_bytes >= 1 and type(chunksize) is int and chunksize == 1 and timeout is None:
        return 1, None, False, max_batch_bytes  # the defaults: all checked at once
    vectorized = check_bool(vectorized, "vectorized")
    if isinstance(max_batch_bytes, (bool, np.bool_)) or not isinstance(max_batch_bytes, (int, np.integer)):
        raise TypeError(f"max_batch_bytes must be an int, got {_show(max_batch_bytes)}")
    if max_batch_bytes < 1:
        raise ValueError(f"max_batch_bytes must be positive, got {max_batch_bytes}")
    if isinstance(chunksize, (bool, np.bool_)) or not isinstance(chunksize, (int, np.integer)):
        raise TypeError(f"chunksize must be an int, got {_show(chunksize)}")
    if chunksize < 1:
        raise ValueError(f"chunksize must be >= 1, got {chunksize}")
    if timeout is not None:
        if not _is_real_number(timeout):
            raise TypeError(f"timeout must be a number of seconds or None, got {_show(timeout)}")
        if not (0.0 < float(timeout) < math.inf):
            raise ValueError(f"timeout must be positive and finite (seconds), got {_show(timeout)}")
    if isinstance(workers, Executor) or (callable(workers) and not isinstance(workers, (int, np.integer))):
        if not isinstance(workers, Executor):
            _check_map_like(workers)
        if timeout is not None and not isinstance(workers, Executor):
            raise ValueError("timeout needs workers to be a concurrent.futures Executor: a map-like callable "
                             f"such as {workers!r} cannot be stopped")
        if vectorized:
            raise ValueError("vectorized=True evaluates f on stacks of points itself; use it without an executor")
        return 1, TaskRunner(workers, int(chunksize), None if timeout is None else float(timeout)), False, \
            int(max_batch_bytes)
    return check_workers(workers), None, vectorized, int(max_batch_bytes)


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


def check_inplace(inplace: Any, x: Any, name: str, native: bool = False, threads: int = 1, runner: Any = None,
                  vectorized: bool = False, complex_step: bool = False) -> bool:
    """Whether to perturb the caller's x itself.  None: when x allows it (a writable
    floating-point ndarray) and the evaluation is serial, as the textbooks' loops do;
    True: so, or a clear error saying why it cannot be."""
    if inplace is None:
        return (type(x) is np.ndarray and x.dtype.kind == "f" and x.flags.writeable and x.ndim > 0 and x.size > 0
                and not native and threads == 1 and runner is None and not vectorized and not complex_step)
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
    if threads != 1 or runner is not None or vectorized:
        raise ValueError(f"inplace=True evaluates f on the one array {name}, one point at a time: it cannot be "
                         "combined with workers other than 1, an executor or vectorized=True")
    if complex_step:
        raise ValueError("inplace=True cannot be combined with method='complex': the complex step needs "
                         f"complex points, which {name}, an array of reals, cannot hold")
    return True


def check_outputs(m: Any) -> Any:
    """m, the number of values a native vector f writes: None or an int >= 1."""
    if m is None:
        return None
    if isinstance(m, (bool, np.bool_)) or not isinstance(m, (int, np.integer)):
        raise TypeError(f"m must be an int, got {_show(m)}")
    if m < 1:
        raise ValueError(f"m must be >= 1, got {m}")
    if m > C_INT_MAX:
        raise ValueError(f"m must fit a C int (a native f is told it as one), at most {C_INT_MAX}, got {m}")
    return int(m)


def check_bool(value: Any, name: str) -> bool:
    if value is True or value is False:
        return value
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {_show(value)}")
    return bool(value)


def _real_array(value: Any, name: str) -> np.ndarray:
    """value as an ndarray of a real dtype (not yet converted), or a clear error."""
    if isinstance(value, (str, bytes, bytearray, memoryview)):
        raise TypeError(f"{name} must be real numbers, got {_show(value)}")
    if isinstance(value, np.ma.MaskedArray):
        raise TypeError(f"{name} must not be a masked array (its mask would be ignored); pass x.filled(...) or x.data")
    try:
        with warnings.catch_warnings():  # numpy < 1.24 warns on ragged lists (and makes an object array)
            warnings.simplefilter("error", _RAGGED_WARNING)
            arr = np.asarray(value)
        if isinstance(arr, np.matrix):  # its indexing is not an array's
            arr = arr.view(np.ndarray)
    except (ValueError, TypeError, _RAGGED_WARNING) as exc:  # ragged nested lists and the like
        raise ValueError(f"{name} must be a rectangular array of real numbers, got {_show(value)} ({exc})") from None
    if isinstance(value, (list, tuple)) and arr.dtype.kind in "iuf":  # True among numbers would pass as 1
        for index, item in np.ndenumerate(np.array(value, dtype=object)):
            if isinstance(item, (bool, np.bool_)):
                raise TypeError(f"{name} must be real numbers, got {item!r} at index {index}")
    if arr.dtype.kind == "O" and arr.size and all(_is_real_number(item) for item in arr.flat):
        # Python ints beyond int64 (2**64) and the like: numbers all the same.
        try:
            arr = arr.astype(np.float64)
        except OverflowError:
            raise ValueError(f"{name} must be finite in float64, got {_show(value)}") from None
    if arr.dtype.kind not in _REAL_KINDS:
        raise TypeError(f"{name} must be real numbers, got {_show(value)} with dtype {arr.dtype}")
    return arr


def _is_real_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _as_float(value: Any, name: str) -> float:
    """A real number as a float; too large for a float64 is a ValueError naming it."""
    try:
        return float(value)
    except OverflowError:
        raise ValueError(f"{name} must be finite in float64, got {_show(value)}") from None


def _check_finite(arr: np.ndarray, name: str) -> None:
    if arr.dtype.kind == "f" and not _surely_finite(arr.reshape(-1)) and not np.isfinite(arr).all():
        bad = np.argwhere(~np.isfinite(arr))[0]
        where = f" at index {tuple(int(i) for i in bad)}" if arr.ndim else ""
        raise ValueError(f"{name} must be finite, got {float(arr[tuple(bad)])!r}{where}")


def as_points(x: Any, name: str = "x") -> np.ndarray:
    """x as a fresh float64 array of its own shape (0-d allowed), finite and non-empty."""
    arr = _real_array(x, name)
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    work = np.array(arr, dtype=np.float64, order="C", copy=True)
    _check_finite(work, name)
    return work


def as_point(x: Any, name: str = "x") -> tuple[np.ndarray, tuple[int, ...]]:
    """x as a fresh, flat, C-contiguous float64 working copy, and x's shape.

    The copy is what the kernels perturb, so the caller's array is never
    touched; integers, lists and float32 are converted to float64 here.
    """
    work = as_points(x, name)
    if work.ndim == 0:
        raise ValueError(
            f"{name} must have at least one dimension, got the scalar {_show(x)}; use derivative() for scalars"
        )
    return work.reshape(-1), work.shape


def _surely_finite(work: np.ndarray) -> bool:
    """True when every entry of a flat float64 array is finite (False may also mean an overflowing sum)."""
    if work.size <= 64:  # cheaper than numpy's reduction for a few entries
        return math.isfinite(sum(work.tolist()))
    return bool(np.isfinite(work).all())


def precision(value: Any) -> float:
    """The machine epsilon of value's floating dtype (float16, float32); float64's
    for anything else (longdouble is rounded to float64)."""
    dtype = getattr(value, "dtype", None)
    if isinstance(dtype, np.dtype) and dtype.kind == "f" and dtype.itemsize < 8:
        return float(np.finfo(dtype).eps)
    return EPS


def steps(kernels: Any, h: Any, work: np.ndarray, shape: tuple[int, ...], stencil: Stencil,
          eps: float = 2.0**-52) -> np.ndarray:
    """The step of every coordinate, as a flat float64 array like work.

    h=None gives the conventional scaled step c * max(1, |x|), with c =
    eps**(1/(order + derivative)) for the precision eps of x and f's values
    (float64's unless either is float32 or float16, as SciPy does), rounded to
    a representable one, (x + h) - x (kernels.default_steps).  A given h is
    used exactly as given.
    """
    if h is None:
        if stencil.method == "complex":  # x + i h is exact whatever h is
            return stencil.rel_step * np.maximum(1.0, np.abs(work))
        rel = stencil.rel_step if eps <= EPS else eps ** (1.0 / (stencil.order + stencil.hpow))
        hs = np.empty(work.shape[0])
        bad = kernels.default_steps(work, rel, stencil.reach, hs)
        if bad >= 0:
            raise zero_step_error(bad, float(work[bad]), shape)
        return hs
    if type(h) is float and 0.0 < h < math.inf:  # the commonest given step, checked at once
        hs = np.empty(work.shape[0])
        if kernels.fixed_steps(work, h, stencil.reach, hs) < 0 and divides(h, stencil):
            return hs
        return _within_doubles(np.full(work.shape, h), work, shape, stencil.reach, stencil)  # says where
    harr = check_h(h, shape)
    if harr.ndim == 0:
        return _within_doubles(np.full(work.shape, float(harr)), work, shape, stencil.reach, stencil)
    if harr.shape != shape:
        raise ValueError(f"h must be a scalar or an array of x's shape {shape}, got shape {harr.shape}")
    return _within_doubles(np.array(harr, order="C").reshape(-1), work, shape, stencil.reach, stencil)


def check_h(h: Any, shape: Any = "x's") -> np.ndarray:
    """A given step as a float64 array (0-d for a number), each entry positive and finite, or
    a clear error naming h; its shape against x's is checked where the steps are made.  Every
    function checks h so, also where it is then unused (adaptive=True)."""
    if isinstance(h, (bool, np.bool_)) or isinstance(h, (str, bytes)):
        raise TypeError(f"h must be a positive finite number or an array of shape {shape}, got {_show(h)}")
    try:
        harr = np.asarray(_real_array(h, "h"), dtype=np.float64)
    except (ValueError, TypeError) as exc:
        if "at index" in str(exc):  # True among the numbers
            raise
        raise TypeError(f"h must be a positive finite number or an array of shape {shape}, got {_show(h)}") from None
    bad = ~(np.isfinite(harr) & (harr > 0.0))
    if harr.ndim == 0 and bad:
        raise ValueError(f"h must be positive and finite, got {_show(h)}")
    if bad.any():
        index = np.unravel_index(int(np.argmax(bad)), harr.shape)
        raise ValueError(
            f"h must be positive and finite, got {float(harr[index])!r} at index {tuple(int(i) for i in index)}"
        )
    return harr


def zero_step_error(i: int, value: float, shape: tuple[int, ...]) -> ValueError:
    """The error for a coordinate with no room for a default step."""
    return ValueError(f"x must leave room for a step: x[{_unravel(i, shape)}] = {value!r} is too close to the "
                      "largest double")


def divides(h: float, stencil: Any) -> bool:
    """Whether the stencil's divisor at step h, denom h^k (and 4 h^2 for a Hessian's entry), is
    a positive finite double (the step rules of _within_doubles, for one number)."""
    if stencil.method == "complex":
        return True
    divisor = stencil.denom * h
    for _ in range(1, stencil.hpow):
        divisor = divisor * h
    low = high = divisor
    if stencil.hpow == 2:
        low, high = min(divisor, 4.0 * h * h), max(divisor, 4.0 * h * h)
    return 0.0 < low and high < math.inf


def _within_doubles(hs: np.ndarray, work: np.ndarray, shape: tuple[int, ...], reach: float,
                    stencil: Any = None) -> np.ndarray:
    """hs, unless x + o h would pass the largest double, or the stencil's divisor, denom h^k
    (4 h_i h_j for a Hessian's entry), would overflow or vanish: then a ValueError says where."""
    if stencil is not None and stencil.method != "complex":
        with np.errstate(over="ignore", under="ignore"):
            divisor = stencil.denom * hs
            for _ in range(1, stencil.hpow):
                divisor = divisor * hs
            if stencil.hpow == 2:
                divisor = np.minimum(divisor, 4.0 * hs * hs), np.maximum(divisor, 4.0 * hs * hs)
            else:
                divisor = divisor, divisor
        bad = ~((divisor[0] > 0.0) & np.isfinite(divisor[1]))
        if bad.any():
            i = int(np.argmax(bad))
            what = "vanishes" if not divisor[0][i] > 0.0 else "overflows"
            raise ValueError(f"h = {float(hs[i])!r} at x[{_unravel(i, shape)}] is too "
                             f"{'small' if what == 'vanishes' else 'large'}: the difference's divisor "
                             f"(h to the power {stencil.hpow}, times {stencil.denom:g}) {what} in float64")
    with np.errstate(over="ignore"):
        beyond = ~np.isfinite(np.abs(work) + reach * hs)
    if beyond.any():
        i = int(np.argmax(beyond))
        raise ValueError(
            f"h = {float(hs[i])!r} carries x[{_unravel(i, shape)}] = {float(work[i])!r} past the largest double"
        )
    return hs


def _unravel(i: int, shape: tuple[int, ...]) -> Any:
    if len(shape) <= 1:
        return i
    return ", ".join(str(int(k)) for k in np.unravel_index(i, shape))


#: The start of the error when f returns an array where a scalar is expected (directional
#: then takes f as an array-valued f).
NOT_SCALAR = "f must return a scalar, got an array"


def scalar_value(value: Any) -> float:
    """f's return value as a float; f must return a real scalar."""
    if isinstance(value, float):
        return float(value)
    if _is_real_number(value):
        try:
            return float(value)
        except OverflowError:  # a Python int beyond float64
            raise ValueError(f"f must return a value that fits a float64, got {_show(value)}") from None
    if isinstance(value, (list, tuple)) or (hasattr(value, "__array__") and not isinstance(value, np.ndarray)):
        try:  # a list, or a 0-d tensor of another library (torch, JAX, ...), as numpy sees it
            value = np.asarray(value)
        except (ValueError, TypeError, RuntimeError):
            pass
    if isinstance(value, np.ndarray):
        if value.ndim != 0:
            raise ValueError(f"{NOT_SCALAR} of shape {value.shape}")
        if value.dtype.kind in _REAL_KINDS:
            return float(value)
    elif hasattr(type(value), "__float__") and not isinstance(value, (bool, np.bool_, complex, np.complexfloating)):
        try:  # any other object that says it is a real number, as SciPy accepts
            return float(value)
        except (TypeError, ValueError, OverflowError):
            pass
    raise TypeError(f"f must return a real scalar, got {_show(value)} of type {type(value).__name__}")


def vector_converter(shape: tuple[int, ...]) -> Any:
    """A converter of f's values to flat float64 arrays of the given shape."""

    def convert(value: Any) -> Any:
        arr = np.asarray(value)
        if arr.shape != shape:
            raise ValueError(f"f must return values of one shape, {shape}; got shape {arr.shape}")
        if arr.dtype.kind not in _REAL_KINDS:
            raise TypeError(f"f must return real numbers, got dtype {arr.dtype}")
        if arr.size == 1:  # the kernels take one value as a float
            return float(arr.reshape(-1)[0])
        return np.array(arr, dtype=np.float64).reshape(-1)  # a copy: f may return (a view of) x itself

    return convert


def imag_value(shape: tuple[int, ...]) -> Any:
    """A converter of f's complex values to their imaginary parts (method='complex')."""

    def convert(value: Any) -> Any:
        arr = np.asarray(value)
        if arr.dtype.kind != "c":
            raise TypeError(
                "method='complex' needs an f that carries complex input through to a complex value; "
                f"f returned {_show(value)} of type {type(value).__name__}"
            )
        if arr.shape != shape:
            raise ValueError(f"f must return values of shape {shape}, got shape {arr.shape}")
        if math.prod(shape) == 1:  # one output, whatever its shape: a number, as the kernels take it
            return float(arr.imag.reshape(-1)[0])
        return np.ascontiguousarray(arr.imag, dtype=np.float64).reshape(-1)

    return convert


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
            raise TypeError(f"i must be an int or a tuple of ints, got {_show(i)}") from None
        for part, size in zip(parts, shape):
            if not -size <= part < size:
                raise ValueError(f"i must index one element of x with shape {shape}, got {i!r}")
        return int(np.ravel_multi_index(tuple(p % s for p, s in zip(parts, shape)), shape))
    if isinstance(i, (bool, np.bool_)):
        raise TypeError(f"i must be an int or a tuple of ints, got {i!r}")
    try:
        flat = operator.index(i)
    except TypeError:
        raise TypeError(f"i must be an int or a tuple of ints, got {_show(i)}") from None
    if not -n <= flat < n:
        raise ValueError(f"i must be in the range [-{n}, {n}) for x of size {n}, got {flat}")
    return flat % n


def check_lr(lr: Any) -> float:
    if not _is_real_number(lr):
        raise TypeError(f"lr must be a real number, got {_show(lr)}")
    value = _as_float(lr, "lr")
    if not (math.isfinite(value) and value > 0.0):
        raise ValueError(f"lr must be positive and finite, got {_show(lr)}")
    return value


def check_tolerance(value: Any, name: str) -> float:
    if not _is_real_number(value):
        raise TypeError(f"{name} must be a real number, got {_show(value)}")
    result = _as_float(value, name)
    if not (math.isfinite(result) and result >= 0.0):
        raise ValueError(f"{name} must be finite and >= 0, got {_show(value)}")
    return result


def check_step_num(step_num: Any) -> int:
    if isinstance(step_num, (bool, np.bool_)):
        raise TypeError(f"step_num must be an int, got {step_num!r}")
    try:
        value = operator.index(step_num)
    except TypeError:
        raise TypeError(f"step_num must be an int, got {_show(step_num)}") from None
    if value < 0:
        raise ValueError(f"step_num must be >= 0, got {value}")
    if value >= sys.maxsize:  # a count the kernels' loops (C ssize_t) can hold, in both backends
        raise ValueError(f"step_num must be less than {sys.maxsize}, got {value}")
    return value


#: the largest n (and m) a native f's C int can be told
C_INT_MAX = 2**31 - 1


def check_native_size(n: int, name: str = "x") -> None:
    """A native f is told n as a C int: more entries than that cannot be passed to it."""
    if n > C_INT_MAX:
        raise ValueError(f"a native f is called as f(int n, double *{name}): {name} has {n} entries, more than a C "
                         f"int holds ({C_INT_MAX}); use a Python f")


def check_history_size(count: int, n: int) -> None:
    """history=True keeps count + 1 iterates of n doubles: a clear error naming step_num
    where numpy could not even describe that array."""
    if (count + 1) * max(n, 1) * 8 >= sys.maxsize:
        raise ValueError(f"step_num={count} with history=True would keep {count + 1} iterates of {n} numbers, "
                         "more than any array can hold; use fewer steps or history=False")



def check_sparse_options(sparsity: Any, adaptive: bool, method: str) -> Any:
    """sparsity, if the options allow it: fixed-step finite differences."""
    if adaptive:
        raise ValueError("sparsity= works with fixed-step differences; adaptive=True places steps per "
                         "coordinate and cannot share an evaluation between columns")
    if method == "complex":
        raise ValueError("sparsity= works with method='central', 'forward' or 'backward', not 'complex'")
    return sparsity
