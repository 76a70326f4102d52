"""Reliability: many threads at once, reentrancy, and no leaks."""

from __future__ import annotations

import gc
import sys
import threading

import numpy as np
import pytest


def f(v):
    return float(np.sum(np.sin(v) * v))


def df(v):
    return np.sin(v) + v * np.cos(v)


def test_eight_threads_share_f_and_x(fd):
    x = np.linspace(-2.0, 2.0, 50)
    x.flags.writeable = False  # shared by every thread
    want = fd.gradient(f, x)
    results, errors = [], []

    def work():
        try:
            for kwargs in ({}, {"method": "forward"}, {"order": 4}, {"adaptive": True}):
                got = fd.gradient(f, x, **kwargs)
                # Forward differences: rounding sqrt(eps) |f| ~ 5e-7 here (|f| ~ 30).
                np.testing.assert_allclose(got, df(x), rtol=1e-6, atol=2e-6)
                if not kwargs:
                    results.append(got.tobytes())
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert results == [want.tobytes()] * 8


def test_nested_calls_build_a_hessian(fd):
    x = np.array([0.3, -1.1, 0.7])

    def grad(v):  # f's gradient by fdgrad itself, differentiated again by fdgrad
        return fd.gradient(f, v, order=4)

    H = fd.jacobian(grad, x, order=4)
    np.testing.assert_allclose(H, np.diag(2 * np.cos(x) - x * np.sin(x)), atol=1e-6)
    assert np.array_equal(fd.hessian(f, x), fd.hessian(f, x))


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/statm")
@pytest.mark.filterwarnings("ignore::fdgrad.UnchangingWarning")  # its f is the constant 0.0
def test_a_million_calls_leak_nothing(compiled, native_lib):
    """10**6 gradients with a Python f and with a native f: RSS grows < 1 MiB, refcounts stay."""
    x = np.array([0.5, -0.25])
    py_f = lambda v: 0.0  # noqa: E731 - the cheapest f: the calls are the whole cost
    native = native_lib.sumsq
    for fn in (py_f, native):
        for _ in range(20000):  # warm up caches and allocators
            compiled.gradient(fn, x)
        gc.collect()
        refs_f, refs_x = sys.getrefcount(fn), sys.getrefcount(x)
        before = rss_bytes()
        gradient = compiled.gradient
        for _ in range(10**6):
            gradient(fn, x)
        gc.collect()
        grown = rss_bytes() - before
        assert grown < 2**20, f"{fn!r}: RSS grew {grown} bytes"
        assert sys.getrefcount(fn) == refs_f and sys.getrefcount(x) == refs_x


def test_refcounts_on_every_path(fd, native_lib):
    x = np.array([0.5, -0.25, 1.5])
    paths = [
        lambda fn: fd.gradient(fn, x),
        lambda fn: fd.gradient(fn, x, full_output=True),
        lambda fn: fd.gradient(fn, x, adaptive=True, workers=2),
        lambda fn: fd.hessian(fn, x, workers=2),
        lambda fn: fd.gradient_descent(fn, x, step_num=3, lr=0.1),
    ]
    for fn in (f, native_lib.sumsq):
        for call in paths:
            call(fn)  # warm up
            gc.collect()
            refs_f, refs_x = sys.getrefcount(fn), sys.getrefcount(x)
            for _ in range(50):
                call(fn)
            gc.collect()
            assert (sys.getrefcount(fn), sys.getrefcount(x)) == (refs_f, refs_x)

    def raising(v):
        raise KeyError("every time")

    gc.collect()
    refs = sys.getrefcount(raising), sys.getrefcount(x)
    for _ in range(50):
        with pytest.raises(KeyError):
            fd.gradient(raising, x)
    gc.collect()
    assert (sys.getrefcount(raising), sys.getrefcount(x)) == refs


# f's values that f still owns after it returns (issue 12, class 1): a 0-d or 1-d buffer it
# refills at every call, or a view of its argument.  Every path must read each value before f
# runs again: the result equals that of the same f returning fresh arrays, bit for bit.

class _Buffers(threading.local):
    """One set of buffers per thread: f refills its own buffer on every call and returns it (the
    aliasing under test), while calls from fdgrad's worker threads (workers=2) do not race on one
    buffer, which would be f's own bug."""

    def __init__(self) -> None:
        self.scalar, self.vector, self.element = np.zeros(()), np.zeros(2), np.zeros(3)


_BUFFERS = _Buffers()


def _scalar(p):
    q = np.asarray(p, dtype=float).reshape(-1)
    return float(np.sum(np.sin(q)) + q[0] * q[-1])


def _scalar_refilled(p):
    _BUFFERS.scalar[()] = _scalar(p)
    return _BUFFERS.scalar


def _vector(p):
    q = np.asarray(p, dtype=float).reshape(-1)
    return np.array([np.sum(np.sin(q)), q[0] * q[-1]])


def _vector_refilled(p):
    _BUFFERS.vector[:] = _vector(p)
    return _BUFFERS.vector


def _vector_view(p):
    return np.asarray(p).reshape(-1)[:2]


def _elements_refilled(t):
    return np.sin(t, out=_BUFFERS.element[: np.size(t)].reshape(np.shape(t)))


_X3 = np.array([0.3, -1.2, 0.8])

#: (name, call(fd, f, **path), owning f, fresh f): every public function, scalar and vector f
_ALIASING_CALLS = [
    ("derivative", lambda fd, f, **k: fd.derivative(f, _X3, **k), _elements_refilled, np.sin),
    ("derivative adaptive", lambda fd, f, **k: fd.derivative(f, _X3, adaptive=True, **k), _elements_refilled, np.sin),
    ("numerical_diff", lambda fd, f, **k: fd.numerical_diff(f, _X3), _elements_refilled, np.sin),
    ("partial", lambda fd, f, **k: fd.partial(f, _X3, 1), _scalar_refilled, _scalar),
    ("gradient", lambda fd, f, **k: fd.gradient(f, _X3, **k), _scalar_refilled, _scalar),
    ("gradient adaptive", lambda fd, f, **k: fd.gradient(f, _X3, adaptive=True, **k), _scalar_refilled, _scalar),
    ("numerical_gradient", lambda fd, f, **k: fd.numerical_gradient(f, _X3.copy()), _scalar_refilled, _scalar),
    ("jacobian refilled", lambda fd, f, **k: fd.jacobian(f, _X3, **k), _vector_refilled, _vector),
    ("jacobian view", lambda fd, f, **k: fd.jacobian(f, _X3, method="forward", **k), _vector_view,
     lambda p: np.array(_vector_view(p))),
    ("jacobian adaptive", lambda fd, f, **k: fd.jacobian(f, _X3, adaptive=True, **k), _vector_refilled, _vector),
    ("hessian", lambda fd, f, **k: fd.hessian(f, _X3, **k), _scalar_refilled, _scalar),
    ("hessian adaptive", lambda fd, f, **k: fd.hessian(f, _X3, adaptive=True, **k), _scalar_refilled, _scalar),
    ("hessian_diag", lambda fd, f, **k: fd.hessian_diag(f, _X3, **k), _scalar_refilled, _scalar),
    ("directional", lambda fd, f, **k: fd.directional(f, _X3, _X3[::-1]), _vector_refilled, _vector),
    ("check_grad", lambda fd, f, **k: float(fd.check_grad(f, np.cos(_X3), _X3)), _scalar_refilled, _scalar),
    ("gradient_descent", lambda fd, f, **k: fd.gradient_descent(f, _X3, step_num=3, **k), _scalar_refilled,
     _scalar),
]


_NO_WORKERS = ("partial", "directional", "check_grad", "numerical_gradient", "numerical_diff")
_ALIASING_CASES = [(path, *c) for c in _ALIASING_CALLS for path in ("serial", "threads", "executor")
                   if path == "serial" or c[0] not in _NO_WORKERS]


def test_the_aliasing_cases_cover_every_public_function():
    from fdgrad._api import PUBLIC_NAMES

    assert {c[0].split()[0] for c in _ALIASING_CALLS} == set(PUBLIC_NAMES)


@pytest.mark.parametrize(("path", "name", "call", "owning", "fresh"), _ALIASING_CASES,
                         ids=[f"{c[1]}-{c[0]}" for c in _ALIASING_CASES])
def test_values_f_still_owns_are_read_before_f_runs_again(fd, path, name, call, owning, fresh):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:  # one thread: f is never called concurrently with itself
        kwargs = {"serial": {}, "threads": {"workers": 2}, "executor": {"workers": pool}}[path]
        got, want = call(fd, owning, **kwargs), call(fd, fresh, **kwargs)
    assert np.asarray(got).tobytes() == np.asarray(want).tobytes()


def test_f_at_x_is_owned_even_when_f_returns_a_view_of_x(fd):
    """f(x), which fixes the output's shape, is a copy: a view of the working buffer changed
    under the other threads' feet while the first part perturbed it (issue 12, class 1)."""
    from fdgrad._evaluation import make_evaluation
    from fdgrad._options import check_evaluation

    for workers in (1, 2):
        ev = make_evaluation(fd._api._kernels, lambda p: p[:2], np.array([1.0, 2.0, 3.0]), "x",
                             check_evaluation(workers))
        f0 = ev.outputs(False)[0]
        assert not np.shares_memory(f0, ev.point.work) and f0.tolist() == [1.0, 2.0]
