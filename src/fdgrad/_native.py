"""Native callbacks: recognise a compiled f and read its function pointer.

fdgrad accepts, besides Python callables, functions compiled to machine code
with SciPy's LowLevelCallable signatures

    double f(int n, double *x)                 double f(int n, double *x, void *user_data)
    void f(int n, double *x, int m, double *out)   (the same with void *user_data; jacobian)

given as a ``scipy.LowLevelCallable``, a PyCapsule named by its signature, a
ctypes function pointer, a cffi function pointer or a numba ``@cfunc``.  They
are recognised by duck typing; scipy, cffi and numba are never imported here
unless f is already one of their objects.  The loops over such an f then run
in C without the GIL.  f must not modify x and must not keep the pointer.
"""

from __future__ import annotations

import ctypes
import functools
import re
from typing import Any, NamedTuple, Optional

__all__ = ["NativeFunction", "cached_native_function", "native_function", "native_value"]

# The kinds, numbered as FDGRAD_NATIVE_* in csrc/fdgrad.h.
SCALAR, SCALAR_DATA, VECTOR, VECTOR_DATA = 0, 1, 2, 3

_SIGNATURES = {
    ("double", ("int", "double*")): SCALAR,
    ("double", ("int", "double*", "void*")): SCALAR_DATA,
    ("void", ("int", "double*", "int", "double*")): VECTOR,
    ("void", ("int", "double*", "int", "double*", "void*")): VECTOR_DATA,
}
_ACCEPTED = (
    "'double (int, double *)', 'double (int, double *, void *)', or for jacobian "
    "'void (int, double *, int, double *)' with or without a trailing 'void *'"
)


class NativeFunction(NamedTuple):
    """A compiled f: its kind (FDGRAD_NATIVE_*), address and user_data pointer."""

    kind: int
    address: int
    user_data: int
    signature: str
    source: Any  # the user's object, kept alive while the pointer is used

    @property
    def vector(self) -> bool:
        return self.kind in (VECTOR, VECTOR_DATA)


def native_value(native: NativeFunction, x: Any) -> float:
    """A scalar native f's value at x (a float64 array), called through ctypes: f's value at one
    point where no loop needs it (check_grad's first look)."""
    data = native.kind == SCALAR_DATA
    pointer = ctypes.POINTER(ctypes.c_double)
    kinds = (ctypes.c_int, pointer) + ((ctypes.c_void_p,) if data else ())
    function = ctypes.CFUNCTYPE(ctypes.c_double, *kinds)(native.address)
    buffer = (ctypes.c_double * len(x))(*x.tolist())  # f's own copy: it may not write it, but is not trusted to
    return float(function(len(x), buffer, *((native.user_data,) if data else ())))


_TYPE_WORDS = frozenset({"void", "char", "short", "int", "long", "float", "double", "signed", "unsigned"})


@functools.lru_cache(maxsize=256)
def _normalise(signature: str) -> Optional[tuple[str, tuple[str, ...]]]:
    """("double", ("int", "double*")) for 'double (int n, const double *x)'."""
    match = re.fullmatch(r"\s*(\w+)\s*(?:\(\s*\*\s*\))?\s*\((.*)\)\s*", signature)
    if match is None:
        return None
    args = []
    for arg in match.group(2).split(","):
        words = re.sub(r"\bconst\b", " ", arg).replace("*", " * ").split()
        if len(words) > 1 and words[-1] not in _TYPE_WORDS and words[-1] != "*":
            words = words[:-1]  # the parameter's name
        if words:
            args.append(" ".join(w for w in words if w != "*") + "*" * words.count("*"))
    return match.group(1), tuple(args)


def _kind(signature: str, source: Any) -> int:
    kind = _SIGNATURES.get(_normalise(signature) or ("", ()))
    if kind is None:
        raise TypeError(f"f is a native function with signature {signature!r}; fdgrad accepts {_ACCEPTED}")
    return kind


def _capsule_parts(capsule: Any) -> tuple[str, int, int]:
    api = ctypes.pythonapi
    api.PyCapsule_GetName.restype = ctypes.c_char_p
    api.PyCapsule_GetName.argtypes = [ctypes.py_object]
    api.PyCapsule_GetPointer.restype = ctypes.c_void_p
    api.PyCapsule_GetPointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
    api.PyCapsule_GetContext.restype = ctypes.c_void_p
    api.PyCapsule_GetContext.argtypes = [ctypes.py_object]
    name = api.PyCapsule_GetName(capsule)
    address = api.PyCapsule_GetPointer(capsule, name)
    context = api.PyCapsule_GetContext(capsule)
    return (name or b"").decode(), int(address or 0), int(context or 0)


_CTYPES_NAMES = {ctypes.c_int: "int", ctypes.c_double: "double", ctypes.c_void_p: "void*", None: "void"}


def _ctypes_signature(fn: Any) -> str:
    def name(t: Any) -> str:
        if t in _CTYPES_NAMES:
            return _CTYPES_NAMES[t]
        if isinstance(t, type) and issubclass(t, ctypes._Pointer):
            return name(t._type_) + "*"
        return getattr(t, "__name__", repr(t))

    argtypes = fn.argtypes
    if argtypes is None:
        raise TypeError("f is a ctypes function without argtypes; set its argtypes and restype to a SciPy "
                        f"signature: {_ACCEPTED}")
    return f"{name(fn.restype)} ({', '.join(name(a) for a in argtypes)})"


def _calls_python(f: Any) -> bool:
    """Whether f is a ctypes or cffi callback that runs Python code."""
    if isinstance(f, tuple):  # a LowLevelCallable: look at what it wraps
        return any(_calls_python(item) for item in tuple.__iter__(f))
    objects = getattr(f, "_objects", None)
    if isinstance(objects, dict) and any(type(o).__name__ == "CThunkObject" for o in objects.values()):
        return True
    return type(f).__module__ == "_cffi_backend" and " calling <" in repr(f)


def native_function(f: Any) -> Optional[NativeFunction]:
    """f as a NativeFunction, None for anything else (a Python callable, or not callable).

    Raises TypeError for a native function whose signature fdgrad cannot call,
    for a NULL one, and for a ctypes or cffi callback that runs Python code
    (its exceptions could not cross the C signature: pass the Python function).
    """
    native = _recognise(f)
    if native is None:
        return None
    if native.address == 0:
        raise TypeError(f"f is a NULL function pointer ({native.signature})")
    if _calls_python(f):
        raise TypeError("f is a ctypes or cffi callback that runs Python code: an exception inside it could not "
                        "stop the loop, so pass the Python function itself")
    return native


def _recognise(f: Any) -> Optional[NativeFunction]:
    cls = type(f)
    module = getattr(cls, "__module__", "") or ""
    if cls.__name__ == "LowLevelCallable" and module.startswith("scipy") and isinstance(f, tuple):
        signature, address, user_data = _capsule_parts(tuple.__getitem__(f, 0))
        return NativeFunction(_kind(signature, f), address, user_data, signature, f)
    if cls.__name__ == "PyCapsule":
        signature, address, user_data = _capsule_parts(f)
        return NativeFunction(_kind(signature, f), address, user_data, signature, f)
    if isinstance(f, ctypes._CFuncPtr):  # type: ignore[attr-defined]
        signature = _ctypes_signature(f)
        address = ctypes.cast(f, ctypes.c_void_p).value or 0
        return NativeFunction(_kind(signature, f), address, 0, signature, f)
    if cls.__name__ == "CFunc" and module.startswith("numba") and hasattr(f, "address"):
        signature = _ctypes_signature(f.ctypes)
        return NativeFunction(_kind(signature, f), int(f.address), 0, signature, f)
    if module == "_cffi_backend":
        import cffi  # f is a cffi object, so cffi is installed

        ffi = cffi.FFI()
        ctype = ffi.typeof(f)
        if ctype.kind != "function":
            raise TypeError(f"f is a cffi {ctype.kind} {ctype.cname!r}, not a function pointer")
        signature = ctype.cname
        return NativeFunction(_kind(signature, f), int(ffi.cast("uintptr_t", f)), 0, signature, f)
    return None


#: id(f) -> (f, its NativeFunction): recognising a native f takes microseconds,
#: and the same f is usually passed again and again (an optimizer's loop).
_RECOGNISED: dict[int, tuple[Any, NativeFunction]] = {}


def cached_native_function(f: Any) -> Optional[NativeFunction]:
    """native_function(f), remembered for the last few native f's (kept alive meanwhile)."""
    hit = _RECOGNISED.get(id(f))
    if hit is not None and hit[0] is f:
        return hit[1]
    native = native_function(f)
    if native is not None:
        if len(_RECOGNISED) >= 64:
            _RECOGNISED.clear()
        _RECOGNISED[id(f)] = (f, native)
    return native
