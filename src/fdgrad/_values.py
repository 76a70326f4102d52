"""Numbers as float64: the caller's points and f's values, converted and checked.

The caller's x (lists, integer or float32 arrays, Python ints beyond int64)
becomes a fresh float64 working copy here; f's values (floats, numpy scalars
and arrays, 0-d tensors of other libraries) become the floats and float64
arrays the kernels take, through the converters below, which the kernels call
only for values that are not already a float.  The precision of a float32 or
float16 value is read here too.  Messages name the parameter and the value.
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Any, Callable, Optional

import numpy as np

from ._stencils import EPS

__all__ = ["DBL_MAX", "REAL_KINDS", "as_float", "as_point", "as_points", "elementwise_values", "finite_number", "first_outputs", "imag_value",
           "is_real_number", "largest_magnitude", "precision", "real_array", "scalar_value", "show", "vector_converter"]

#: The largest finite double.
DBL_MAX = float(np.finfo(np.float64).max)

#: dtype kinds accepted as real numbers: signed, unsigned, float.
REAL_KINDS = frozenset("iuf")

#: numpy's warning for ragged nested lists (numpy < 1.24 still makes an object array after it).
_RAGGED_WARNING = getattr(getattr(np, "exceptions", np), "VisibleDeprecationWarning", DeprecationWarning)
#: Whether this numpy warns on ragged lists (< 1.24) rather than refusing them (a ValueError).
_RAGGED_WARNS = tuple(int(part) for part in np.__version__.split(".")[:2]) < (1, 24)


def show(value: Any) -> str:
    """A short repr of a user's value for an error message."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def is_real_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def as_float(value: Any, name: str) -> float:
    """A real number as a float; too large for a float64 is a ValueError naming it."""
    try:
        return float(value)
    except OverflowError:
        raise ValueError(f"{name} must be finite in float64, got {show(value)}") from None


def real_array(value: Any, name: str) -> np.ndarray:
    """value as an ndarray of a real dtype (not yet converted), or a clear error."""
    if isinstance(value, (str, bytes, bytearray, memoryview)):
        raise TypeError(f"{name} must be real numbers, got {show(value)}")
    if isinstance(value, np.ma.MaskedArray):
        raise TypeError(f"{name} must not be a masked array (its mask would be ignored); pass x.filled(...) or x.data")
    try:
        if type(value) is np.ndarray or not _RAGGED_WARNS:
            arr = np.asarray(value)
        else:
            with warnings.catch_warnings():  # numpy < 1.24 warns on ragged lists (and makes an object array)
                warnings.simplefilter("error", _RAGGED_WARNING)
                arr = np.asarray(value)
        if isinstance(arr, np.matrix):  # its indexing is not an array's
            arr = arr.view(np.ndarray)
    except (ValueError, TypeError, _RAGGED_WARNING) as exc:  # ragged nested lists and the like
        raise ValueError(f"{name} must be a rectangular array of real numbers, got {show(value)} ({exc})") from None
    if isinstance(value, (list, tuple)) and arr.dtype.kind in "iuf":  # True among numbers would pass as 1
        items = enumerate(value) if arr.ndim == 1 else np.ndenumerate(np.array(value, dtype=object))
        for index, item in items:
            if isinstance(item, (bool, np.bool_)):
                raise TypeError(f"{name} must be real numbers, got {item!r} at index {index if arr.ndim != 1 else (index,)}")
    if arr.dtype.kind == "O" and arr.size and all(is_real_number(item) for item in arr.flat):
        # Python ints beyond int64 (2**64) and the like: numbers all the same.
        try:
            arr = arr.astype(np.float64)
        except OverflowError:
            raise ValueError(f"{name} must be finite in float64, got {show(value)}") from None
    if arr.dtype.kind not in REAL_KINDS:
        raise TypeError(f"{name} must be real numbers, got {show(value)} with dtype {arr.dtype}")
    return arr


def _surely_finite(work: np.ndarray) -> bool:
    """True when every entry of a flat float64 array is finite (False may also mean an overflowing sum)."""
    if work.size <= 64:  # cheaper than numpy's reduction for a few entries
        return math.isfinite(sum(work.tolist()))
    return bool(np.isfinite(work).all())


def _check_finite(arr: np.ndarray, name: str) -> None:
    if arr.dtype.kind == "f" and not _surely_finite(arr.reshape(-1)) and not np.isfinite(arr).all():
        bad = np.argwhere(~np.isfinite(arr))[0]
        where = f" at index {tuple(int(i) for i in bad)}" if arr.ndim else ""
        raise ValueError(f"{name} must be finite, got {float(arr[tuple(bad)])!r}{where}")


def as_points(x: Any, name: str = "x") -> np.ndarray:
    """x as a fresh float64 array of its own shape (0-d allowed), finite and non-empty."""
    arr = real_array(x, name)
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
            f"{name} must have at least one dimension, got the scalar {show(x)}; use derivative() for scalars"
        )
    return work.reshape(-1), work.shape


def finite_number(x: Any) -> Optional[float]:
    """x as a float if it is a finite Python float or int; None for anything else (arrays, NaN, huge ints...)."""
    if type(x) is float:
        return x if math.isfinite(x) else None
    if type(x) is int:
        try:
            return float(x)
        except OverflowError:
            return None
    return None


def largest_magnitude(values: np.ndarray) -> float:
    """max |v| of a flat float64 array (in Python for a few entries, where numpy's reduction costs more)."""
    if values.size <= 16:
        return max(map(abs, values.tolist()))
    return float(np.max(np.abs(values)))


def precision(value: Any) -> float:
    """The machine epsilon of value's floating dtype (float16, float32); float64's
    for anything else (longdouble is rounded to float64)."""
    dtype = getattr(value, "dtype", None)
    if isinstance(dtype, np.dtype) and dtype.kind == "f" and dtype.itemsize < 8:
        return float(np.finfo(dtype).eps)
    return EPS


def scalar_value(value: Any) -> float:
    """f's return value as a float; f must return a real scalar.  A float (or a subclass of it, as
    numpy's float64) is its own double, as the compiled kernels read it, whatever its __float__ says."""
    if type(value) is float:
        return value
    if isinstance(value, float):
        return float.__float__(value)
    if is_real_number(value):
        try:
            return float(value)
        except OverflowError:  # a Python int beyond float64
            raise ValueError(f"f must return a value that fits a float64, got {show(value)}") from None
    if isinstance(value, (list, tuple)) or (hasattr(value, "__array__") and not isinstance(value, np.ndarray)):
        try:  # a list, or a 0-d tensor of another library (torch, JAX, ...), as numpy sees it
            value = np.asarray(value)
        except (ValueError, TypeError, RuntimeError):
            pass
    if isinstance(value, np.ndarray):
        if value.ndim != 0:
            raise ValueError(f"f must return a scalar, got an array of shape {value.shape}")
        if value.dtype.kind in REAL_KINDS:
            return float(value)
    elif hasattr(type(value), "__float__") and not isinstance(value, (bool, np.bool_, complex, np.complexfloating)):
        try:  # any other object that says it is a real number, as SciPy accepts
            return float(value)
        except (TypeError, ValueError, OverflowError):
            pass
    raise TypeError(f"f must return a real scalar, got {show(value)} of type {type(value).__name__}")


def vector_converter(shape: tuple[int, ...]) -> Callable[[Any], Any]:
    """A converter of f's values to flat float64 arrays of the given shape."""

    def convert(value: Any) -> Any:
        arr = np.asarray(value)
        if arr.shape != shape:
            raise ValueError(f"f must return values of one shape, {shape}; got shape {arr.shape}")
        if arr.dtype.kind not in REAL_KINDS:
            raise TypeError(f"f must return real numbers, got dtype {arr.dtype}")
        if arr.size == 1:  # the kernels take one value as a float
            return float(arr.reshape(-1)[0])
        return np.array(arr, dtype=np.float64).reshape(-1)  # a copy: f may return (a view of) x itself

    convert.shape = shape  # type: ignore[attr-defined]  # the kernels take a float64 array of it as it is
    return convert


def first_outputs(first: Any) -> tuple[np.ndarray, tuple[int, ...], Callable[[Any], Any]]:
    """f(x) of an f of any shape (a Jacobian's) as a flat float64 copy, its shape, and the converter of
    f's later values (scalar_value for a 0-d value)."""
    first = np.asarray(first)
    if first.dtype.kind not in "iuf":
        raise TypeError(f"f must return real numbers, got {first!r} with dtype {first.dtype}")
    if first.size == 0:
        raise ValueError(f"f must return at least one value, got shape {first.shape}")
    convert = scalar_value if first.ndim == 0 else vector_converter(first.shape)
    return np.array(first, dtype=np.float64).reshape(-1), first.shape, convert  # a copy: f may return a view of x


def imag_value(shape: tuple[int, ...]) -> Callable[[Any], Any]:
    """A converter of f's complex values to their imaginary parts (the complex step)."""

    def convert(value: Any) -> Any:
        arr = np.asarray(value)
        if arr.dtype.kind != "c":
            raise TypeError(
                "method='complex' needs an f that carries complex input through to a complex value; "
                f"f returned {show(value)} of type {type(value).__name__}"
            )
        if arr.shape != shape:
            raise ValueError(f"f must return values of shape {shape}, got shape {arr.shape}")
        if math.prod(shape) == 1:  # one output, whatever its shape: a number, as the kernels take it
            return float(arr.imag.reshape(-1)[0])
        return np.ascontiguousarray(arr.imag, dtype=np.float64).reshape(-1)

    return convert


def elementwise_values(value: Any, shape: tuple[int, ...], imag: bool) -> np.ndarray:
    """f's value at an array of points, for an elementwise derivative, as a flat float64 array."""
    arr = np.asarray(value)
    if arr.shape != shape:
        raise ValueError(
            f"f must return an array of x's shape {shape} for an elementwise derivative, "
            f"got shape {arr.shape} (for a function of the whole array use gradient())"
        )
    if imag:
        return np.array(imag_value(shape)(arr), dtype=np.float64).reshape(-1)
    if arr.dtype.kind not in REAL_KINDS:
        raise TypeError(f"f must return real numbers, got dtype {arr.dtype}")
    return np.array(arr, dtype=np.float64).reshape(-1)
