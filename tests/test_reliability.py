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
@pytest.mark.filterwarnings("ignore::fdgrad._numerics.UnchangingWarning")  # its f is the constant 0.0
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
