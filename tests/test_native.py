"""Native callbacks: every accepted kind gives the Python f's result, bit for bit."""

from __future__ import annotations

import ctypes

import numpy as np
import pytest

METHODS = ("central", "forward", "backward")


def py_sumsq(x):
    """The same arithmetic as callbacks.c's sumsq, in the same order."""
    s = 0.0
    for i, v in enumerate(np.asarray(x).reshape(-1).tolist()):
        s += v * v * (1.0 + 0.5 * i)
    return s


def py_vec(x, m=3):
    flat = np.asarray(x).reshape(-1).tolist()
    out = []
    for j in range(m):
        s = 0.0
        for v in flat:
            s += v * v * float(j + 1) + v
        out.append(s)
    return np.array(out)


SCALE = ctypes.c_double(2.5)


def native_kinds(lib):
    """name -> the native sumsq in every form fdgrad accepts, with its Python twin."""
    from _optional import optional

    kinds = {"ctypes": (lib.sumsq, py_sumsq)}
    scipy = optional("scipy")  # each optional library adds its kinds (all of them in CI)
    if scipy is not None:
        LowLevelCallable = scipy.LowLevelCallable
        kinds.update({
            "LowLevelCallable": (LowLevelCallable(lib.sumsq), py_sumsq),
            "LowLevelCallable+user_data": (
                LowLevelCallable(lib.sumsq_data, ctypes.cast(ctypes.pointer(SCALE), ctypes.c_void_p)),
                lambda x: 2.5 * py_sumsq(x),
            ),
            "PyCapsule": (tuple.__getitem__(LowLevelCallable(lib.sumsq), 0), py_sumsq),
        })
    cffi = optional("cffi")
    if cffi is not None:
        ffi = cffi.FFI()
        ffi.cdef("double sumsq(int n, double *x);")
        clib = ffi.dlopen(lib.path)
        kinds["cffi"] = (ffi.addressof(clib, "sumsq"), py_sumsq)
    numba = optional("numba")
    if numba is not None:
        @numba.cfunc("float64(int32, CPointer(float64))")
        def nb_sumsq(n, x):
            s = 0.0
            for i in range(n):
                s += x[i] * x[i] * (1.0 + 0.5 * i)
            return s

        kinds["numba cfunc"] = (nb_sumsq, py_sumsq)
    return kinds


@pytest.fixture(scope="module")
def kinds(native_lib):
    return native_kinds(native_lib)


def test_every_kind_is_available(kinds):
    # scipy, cffi and numba are test dependencies: in CI (FDGRAD_REQUIRE_ALL_TESTS=1) all six kinds are
    # exercised (kinds fails there when one is missing); elsewhere those installed.
    every = {"ctypes", "LowLevelCallable", "LowLevelCallable+user_data", "PyCapsule", "cffi", "numba cfunc"}
    assert "ctypes" in kinds and set(kinds) <= every
    if set(kinds) != every:
        pytest.skip(f"not installed, so not exercised: {sorted(every - set(kinds))}")


@pytest.mark.parametrize("method", METHODS)
def test_native_gradient_matches_python_bit_for_bit(fd, kinds, method, rng):
    x = rng.uniform(-2, 2, 17)
    for name, (native, twin) in kinds.items():
        for kwargs in ({}, {"order": 4 if method == "central" else 3}, {"adaptive": True}, {"h": 1e-3}):
            got = fd.gradient(native, x, method=method, **kwargs)
            want = fd.gradient(twin, x, method=method, **kwargs)
            assert got.tobytes() == want.tobytes(), (name, kwargs)


def test_native_in_every_function_that_takes_one(fd, kinds, rng):
    from _optional import need

    need("scipy")
    native, twin = kinds["LowLevelCallable"]
    x = rng.uniform(-1, 1, (2, 3))
    pairs = [
        lambda f: fd.partial(f, x, (1, 2)),
        lambda f: fd.hessian(f, x),
        lambda f: fd.hessian(f, x, method="forward"),
        lambda f: fd.hessian_diag(f, x, order=4),
        lambda f: fd.gradient_descent(f, x, lr=0.05, step_num=5),
        lambda f: fd.gradient_descent(f, x, lr=0.05, step_num=4, history=True, method="forward")[1],
        lambda f: fd.gradient_descent(f, x, lr=0.05, step_num=3, h=1e-3, order=4),
        lambda f: fd.check_grad(f, 2 * x * (1 + 0.5 * np.arange(6)).reshape(2, 3), x).numeric,
        lambda f: fd.gradient(f, x, full_output=True)[1].nfev,
    ]
    for call in pairs:
        got, want = call(native), call(twin)
        assert np.asarray(got).tobytes() == np.asarray(want).tobytes()


def test_native_vector_jacobian(fd, native_lib, rng):
    from _optional import need

    LowLevelCallable = need("scipy").LowLevelCallable

    x = rng.uniform(-1, 1, 5)
    want = fd.jacobian(py_vec, x)
    assert want.shape == (3, 5)
    assert fd.jacobian(native_lib.vec, x, m=3).tobytes() == want.tobytes()
    scaled = LowLevelCallable(native_lib.vec_data, ctypes.cast(ctypes.pointer(SCALE), ctypes.c_void_p))
    assert fd.jacobian(scaled, x, m=3).tobytes() == fd.jacobian(lambda v: 2.5 * py_vec(v), x).tobytes()
    forward = fd.jacobian(native_lib.vec, x, m=3, method="forward", adaptive=True)
    assert forward.tobytes() == fd.jacobian(py_vec, x, method="forward", adaptive=True).tobytes()


def test_wrong_signatures_are_rejected(fd, native_lib):
    from _optional import need

    LowLevelCallable = need("scipy").LowLevelCallable

    with pytest.raises(TypeError, match=r"signature 'double \(double\)'.*fdgrad accepts"):
        fd.gradient(native_lib.wrong, [1.0, 2.0])
    with pytest.raises(TypeError, match="signature"):
        fd.gradient(LowLevelCallable(native_lib.wrong), [1.0, 2.0])
    bare = ctypes.CDLL(native_lib.path).sumsq  # no argtypes
    with pytest.raises(TypeError, match="without argtypes"):
        fd.gradient(bare, [1.0, 2.0])
    with pytest.raises(TypeError, match="native vector function.*use jacobian"):
        fd.gradient(native_lib.vec, [1.0, 2.0])
    with pytest.raises(TypeError, match="pass m="):
        fd.jacobian(native_lib.vec, [1.0, 2.0])
    with pytest.raises(TypeError, match="derivative calls f with numbers"):
        fd.derivative(native_lib.sumsq, 1.0)
    with pytest.raises(TypeError, match="directional needs a Python f"):
        fd.directional(native_lib.sumsq, [1.0, 2.0], [1.0, 0.0])
    with pytest.raises(TypeError, match="method='complex' needs a Python f"):
        fd.gradient(native_lib.sumsq, [1.0, 2.0], method="complex")
    with pytest.raises(TypeError, match="vectorized=True needs a Python f"):
        fd.gradient(native_lib.sumsq, [1.0, 2.0], vectorized=True)


def test_scipy_and_numba_are_not_imported_by_fdgrad():
    import subprocess
    import sys

    code = ("import sys, fdgrad, fdgrad.fallback; "
            "print(sorted(m for m in ('scipy', 'numba', 'cffi', 'dask', 'distributed', 'matplotlib', 'tqdm') "
            "if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.stdout.strip() == "[]", proc.stderr


def test_full_output_changes_nothing_but_the_info_for_native_f(fd, kinds, rng):
    x = rng.uniform(-2, 2, 9)
    x[0] = -0.0
    for name, (native, _) in kinds.items():
        for method in METHODS:
            plain = fd.gradient(native, x, method=method)
            full, _ = fd.gradient(native, x, method=method, full_output=True)
            assert plain.tobytes() == full.tobytes(), (name, method)


def test_null_and_python_backed_callbacks_are_rejected(fd):
    from _optional import need

    cffi = need("cffi")
    LowLevelCallable = need("scipy").LowLevelCallable

    proto = ctypes.CFUNCTYPE(ctypes.c_double, ctypes.c_int, ctypes.POINTER(ctypes.c_double))
    ffi = cffi.FFI()
    with pytest.raises(TypeError, match="NULL function pointer"):
        fd.gradient(proto(), [1.0, 2.0])
    with pytest.raises(TypeError, match="NULL function pointer"):
        fd.gradient(ffi.cast("double(*)(int, double *)", 0), [1.0, 2.0])
    # Python code behind a C signature cannot report its exceptions: refused.
    python_backed = [
        proto(lambda n, x: 0.0),
        ffi.callback("double(int, double *)", lambda n, x: 0.0),
        LowLevelCallable(proto(lambda n, x: 0.0)),
    ]
    for f in python_backed:
        with pytest.raises(TypeError, match="runs Python code"):
            fd.gradient(f, [1.0, 2.0])


@pytest.mark.parametrize("signature", ["double (int long, double *)", "double (int unsigned, double *)",
                                       "double (int, double **)", "float (int, double *)"])
def test_near_miss_signatures_are_rejected(signature):
    from fdgrad._native import _SIGNATURES, _normalise

    assert _normalise(signature) not in _SIGNATURES


def test_a_native_f_is_never_told_a_truncated_n(fd, native_lib, monkeypatch):
    """Issue 12: n is a C int for a native f; past it (here a C int of 2 entries, as if x had
    2**31) every function refuses x by name instead of passing a truncated n."""
    import fdgrad._options

    want = fd.gradient(native_lib.sumsq, [1.0, 2.0])
    monkeypatch.setattr(fdgrad._options, "C_INT_MAX", 2)
    for call in (lambda: fd.gradient(native_lib.sumsq, [1.0, 2.0, 3.0]),
                 lambda: fd.hessian(native_lib.sumsq, [1.0, 2.0, 3.0]),
                 lambda: fd.gradient_descent(native_lib.sumsq, [1.0, 2.0, 3.0], step_num=1)):
        with pytest.raises(ValueError, match="x has 3 entries, more than a C int holds"):
            call()
    assert fd.gradient(native_lib.sumsq, [1.0, 2.0]).tolist() == want.tolist()  # at the limit: as ever


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the Python twin overflows on purpose
@pytest.mark.parametrize("x0", [[1.0, 2.0], [1e150, -1e150], [1e300, 1.0]])
def test_a_diverging_descent_ends_alike_on_every_path(fd, native_lib, x0):
    """Issue 12, class 5: a descent that runs off to inf and NaN (or lands where no step has
    room) gives the same outcome, value or exception, with a native or a Python f, with one
    thread (gradient_descent's loop in C) or two (the general path), in both backends."""

    def outcome(f, workers, step_num):
        try:
            return fd.gradient_descent(f, np.array(x0), lr=10.0, step_num=step_num, workers=workers).tobytes()
        except (ValueError, FloatingPointError) as exc:
            return type(exc).__name__ + str(exc)

    def sumsq(p):  # native_lib.sumsq's twin, term by term in the same order
        total = 0.0
        for i, value in enumerate(p):
            total += value * value * (1.0 + 0.5 * i)
        return total

    for step_num in (1, 2, 5, 200, 600):
        outcomes = {outcome(f, w, step_num) for f in (native_lib.sumsq, sumsq) for w in (1, 2)}
        assert len(outcomes) == 1, (step_num, outcomes)
