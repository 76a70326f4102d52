"""Worker threads, vectorized evaluation and Ctrl-C: the same results, bounded
memory, and a prompt, clean stop."""

from __future__ import annotations

import os
import signal
import threading
import time
import tracemalloc

import numpy as np
import pytest


def objective(x):
    return float(np.sum(np.sin(x) * x**2) + np.prod(np.cos(x[:3])))


def vector_objective(x):
    return np.array([np.sum(np.sin(x) * x), x[0] * x[-1]])


@pytest.mark.parametrize("workers", [2, 3, -1])
def test_threads_bit_identical_to_one_thread(fd, workers, rng, native_lib):
    x = rng.uniform(-2, 2, 23)
    calls = [
        lambda f, **k: fd.gradient(f, x, **k),
        lambda f, **k: fd.gradient(f, x, method="forward", order=3, **k),
        lambda f, **k: fd.gradient(f, x, adaptive=True, full_output=True, **k)[1].error,
        lambda f, **k: fd.hessian(f, x[:9], **k),
        lambda f, **k: fd.hessian(f, x[:9], method="backward", **k),
        lambda f, **k: fd.hessian_diag(f, x, **k),
        lambda f, **k: fd.gradient_descent(f, x, lr=1e-3, step_num=3, **k),
        lambda f, **k: fd.check_grad(f, np.zeros_like(x), x, **k).numeric,
    ]
    for f in (objective, native_lib.sumsq):
        for call in calls:
            one = call(f, workers=1)
            many = call(f, workers=workers)
            assert np.asarray(one).tobytes() == np.asarray(many).tobytes()
    for kwargs in ({}, {"adaptive": True}):
        one = fd.jacobian(vector_objective, x, **kwargs)
        assert one.tobytes() == fd.jacobian(vector_objective, x, workers=workers, **kwargs).tobytes()
    assert fd.jacobian(native_lib.vec, x, m=3).tobytes() == fd.jacobian(native_lib.vec, x, m=3, workers=2).tobytes()


def test_threads_propagate_an_error_and_leave_x_intact(fd):
    x = np.linspace(-1.0, 1.0, 40)
    before = x.copy()
    seen = []

    def f(v):
        seen.append(threading.get_ident())
        if v[35] != x[35]:  # only the thread that owns coordinate 35 hits this
            raise ZeroDivisionError("coordinate 35")
        return float(v @ v)

    with pytest.raises(ZeroDivisionError, match="coordinate 35"):
        fd.gradient(f, x, workers=4)
    assert np.array_equal(x, before)


def test_small_work_stays_on_one_thread(fd, monkeypatch):
    """With the real threshold, a call whose work is far below the cost of handing a part to
    another thread runs on the caller's thread; a long one uses the pool."""
    from fdgrad import _evaluation

    monkeypatch.setattr(_evaluation, "_WORTH_A_THREAD", 500e-6)
    monkeypatch.setattr(_evaluation, "_PROBE", 20e-6)
    seen = set()

    def cheap(v):
        seen.add(threading.get_ident())
        return float(v @ v)

    x = np.linspace(-1.0, 1.0, 10)
    assert fd.gradient(cheap, x, workers=2).tobytes() == fd.gradient(cheap, x).tobytes()
    assert seen == {threading.get_ident()}

    def slow(v):
        seen.add(threading.get_ident())
        time.sleep(2e-4)
        return float(v @ v)

    seen.clear()
    assert fd.gradient(slow, x, workers=2).tobytes() == fd.gradient(slow, x).tobytes()
    # the pool's threads took part (which of them, across the call's loops, is the pool's choice:
    # it may hold more than one thread from earlier calls)
    assert threading.get_ident() in seen and len(seen) >= 2


def test_an_f_holding_the_gil_stays_on_one_thread_after_a_trial(fd, monkeypatch):
    """Issue 21: a Python f that never lets go of the GIL gains nothing from threads (they take
    turns, slower than one); a trial of a few ms of work on every thread tells, and the rest of
    the call runs on the caller's thread.  An f that sleeps (lets go) keeps the threads."""
    from fdgrad import _evaluation

    monkeypatch.setattr(_evaluation, "_WORTH_A_THREAD", 500e-6)
    monkeypatch.setattr(_evaluation, "_PROBE", 20e-6)
    counts: dict = {}

    def busy(v):  # pure-Python arithmetic, about 50 us
        counts[threading.get_ident()] = counts.get(threading.get_ident(), 0) + 1
        total = 0.0
        for value in v.tolist() * 20:
            total += value * value
        return total

    x = np.linspace(-1.0, 1.0, 300)
    want = fd.gradient(busy, x)
    counts.clear()
    assert fd.gradient(busy, x, workers=2).tobytes() == want.tobytes()
    assert counts[threading.get_ident()] >= 0.8 * sum(counts.values()), counts

    def sleepy(v):
        counts[threading.get_ident()] = counts.get(threading.get_ident(), 0) + 1
        time.sleep(1e-4)
        return float(v @ v)

    counts.clear()
    assert fd.gradient(sleepy, x, workers=2).tobytes() == fd.gradient(sleepy, x).tobytes()
    assert len(counts) >= 2  # (the pool may hold more threads than two, from earlier calls)


def test_nested_workers_do_not_starve(fd):
    """An f that itself runs fdgrad with threads, inside a call with more threads than cores."""
    import subprocess
    import sys

    code = (
        "import numpy as np, fdgrad.fallback as fb, fdgrad\n"
        f"fd = {'fb' if fd.BACKEND == 'python' and fd.__name__.endswith('fallback') else 'fdgrad'}\n"
        "f = lambda v: float(np.sum(np.sin(v) * v))\n"
        "x = np.linspace(-1, 1, 8)\n"
        "H = fd.jacobian(lambda v: fd.gradient(f, v, workers=2), x, workers=5)\n"
        "print(H.shape, bool(np.allclose(H, np.diag(2 * np.cos(x) - x * np.sin(x)), atol=1e-4)))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == "(8, 8) True", proc.stderr


def test_bad_workers(fd):
    for bad, exc in [(0, ValueError), (-2, ValueError), (1.5, TypeError), (True, TypeError), ("2", TypeError)]:
        with pytest.raises(exc, match="workers"):
            fd.gradient(objective, [1.0, 2.0], workers=bad)


def stacked_objective(X):
    """objective over a stack of points, one value per point (rows)."""
    X = np.asarray(X)
    return np.sum(np.sin(X) * X**2, axis=-1) + np.prod(np.cos(X[..., :3]), axis=-1)


def test_vectorized_same_as_the_loop(fd, rng):
    x = rng.uniform(-2, 2, 31)
    loop = lambda v: float(stacked_objective(v[None])[0])  # noqa: E731 - the same arithmetic, one point
    for kwargs in ({}, {"method": "forward"}, {"order": 6}, {"adaptive": True}, {"workers": 2}):
        want = fd.gradient(loop, x, **kwargs)
        got = fd.gradient(stacked_objective, x, vectorized=True, **kwargs)
        assert got.tobytes() == want.tobytes(), kwargs
    want = fd.hessian_diag(loop, x)
    assert fd.hessian_diag(stacked_objective, x, vectorized=True).tobytes() == want.tobytes()
    path = fd.gradient_descent(stacked_objective, x, lr=1e-3, step_num=3, vectorized=True)
    assert path.tobytes() == fd.gradient_descent(loop, x, lr=1e-3, step_num=3).tobytes()


def test_vectorized_jacobian_and_shapes(fd, rng):
    x = rng.uniform(-1, 1, (2, 3))

    def stacked(X):
        assert X.shape[1:] == (2, 3) and not X.flags.writeable
        return np.stack([np.sum(X**2, axis=(1, 2)), X[:, 0, 0] * X[:, 1, 2]], axis=-1)

    def single(v):
        return stacked(v[None])[0]

    J = fd.jacobian(stacked, x, vectorized=True)
    assert J.shape == (2, 2, 3)
    assert J.tobytes() == fd.jacobian(single, x).tobytes()
    with pytest.raises(ValueError, match="a vectorized f must return shape"):
        fd.gradient(lambda X: X.sum(), x, vectorized=True)


def test_vectorized_memory_stays_under_max_batch_bytes(fd):
    n = 1000
    x = np.linspace(-1.0, 1.0, n)
    budget = 1 << 20  # 1 MiB: 2n points of n doubles would be 16 MB
    batches = []

    def stacked(X):
        batches.append(X.shape[0])
        return np.einsum("ij,ij->i", X, X)

    fd.gradient(stacked, x, vectorized=True, max_batch_bytes=budget)  # warm-up
    batches.clear()
    tracemalloc.start()
    try:
        grad = fd.gradient(stacked, x, vectorized=True, max_batch_bytes=budget)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    np.testing.assert_allclose(grad, 2 * x, atol=1e-8)
    assert max(batches) * n * 8 <= budget and sum(batches) == 2 * n
    # The batch itself, the values and the result: far from O(n^2) = 16 MB.
    assert peak < budget + 64 * n * 8, peak
    # With threads, the bound holds for all the points in flight at once.
    in_flight, peak = [0], [0]
    lock = threading.Lock()

    def counting(X):
        with lock:
            in_flight[0] += X.shape[0]
            peak[0] = max(peak[0], in_flight[0])
        time.sleep(0.001)
        with lock:
            in_flight[0] -= X.shape[0]
        return np.einsum("ij,ij->i", X, X)

    small = 20000  # 1.25 coordinates' points of n = 1000
    fd.gradient(counting, x, vectorized=True, workers=2, max_batch_bytes=small)
    assert peak[0] * n * 8 <= small
    with pytest.raises(ValueError, match="max_batch_bytes=100 is too small"):
        fd.gradient(stacked, x, vectorized=True, max_batch_bytes=100)
    with pytest.raises(ValueError, match="max_batch_bytes must be positive"):
        fd.gradient(stacked, x, vectorized=True, max_batch_bytes=0)


def interrupt_after(delay):
    """Send SIGINT to this process after `delay` seconds; return when it was sent."""
    sent = []

    def fire():
        sent.append(time.perf_counter())
        os.kill(os.getpid(), signal.SIGINT)

    timer = threading.Timer(delay, fire)
    timer.start()
    return timer, sent


@pytest.mark.skipif(threading.current_thread() is not threading.main_thread(), reason="signals go to the main thread")
@pytest.mark.parametrize("workers", [1, 2])
def test_ctrl_c_stops_a_native_loop_promptly(fd, native_lib, workers):
    # 10000 coordinates x 2 calls x 1 ms: 20 s of work, interrupted after 0.3 s.
    x = np.linspace(-1.0, 1.0, 10000)
    before = x.copy()
    timer, sent = interrupt_after(0.3)
    start = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        fd.gradient(native_lib.slow, x, workers=workers)
    stopped = time.perf_counter()
    timer.join()
    assert sent and stopped - sent[0] < 0.2, stopped - sent[0]
    assert stopped - start < 2.0
    assert np.array_equal(x, before)
    # The next call works normally.
    assert fd.gradient(native_lib.sumsq, x[:5]).shape == (5,)


@pytest.mark.skipif(threading.current_thread() is not threading.main_thread(), reason="signals go to the main thread")
@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("twice", [False, True])
def test_ctrl_c_stops_a_native_f_that_slows_down(fd, native_lib, workers, twice):
    """A native f cheap at first and slow later (its first chunk's pace misleads): still stopped within 0.2 s, on the
    first call and on a later one (a recognised f, the front door's)."""
    x = np.linspace(-1.0, 1.0, 10000)
    if twice:
        fd.gradient(native_lib.sumsq, x[:3])
        native_lib.warm_reset()
        fd.gradient(native_lib.warm, x[:2])  # (4 calls: still cheap; recognised from here on)
    native_lib.warm_reset()
    timer, sent = interrupt_after(0.3)
    with pytest.raises(KeyboardInterrupt):
        fd.gradient(native_lib.warm, x, workers=workers)
    stopped = time.perf_counter()
    timer.join()
    assert sent and stopped - sent[0] < 0.2, stopped - sent[0]


@pytest.mark.skipif(threading.current_thread() is not threading.main_thread(), reason="signals go to the main thread")
@pytest.mark.parametrize("workers", [1, 2])
def test_ctrl_c_stops_a_native_hessian_promptly(fd, native_lib, workers):
    # One central Hessian row of n = 400 is 1600 calls of 1 ms: chunks must be finer than rows.
    x = np.linspace(-1.0, 1.0, 400)
    timer, sent = interrupt_after(0.3)
    with pytest.raises(KeyboardInterrupt):
        fd.hessian(native_lib.slow, x, workers=workers)
    stopped = time.perf_counter()
    timer.join()
    assert sent and stopped - sent[0] < 0.2, stopped - sent[0]
    # And normal service afterwards.
    assert np.allclose(fd.gradient(native_lib.sumsq, x[:5]), 2 * x[:5] * (1 + 0.5 * np.arange(5)), atol=1e-6)


def test_threads_that_cannot_start_leave_the_work_to_the_caller(fd, monkeypatch):
    """Issue 12, class 3: where the system refuses a thread, the call still completes, on the
    threads there are and on the calling thread, with the same result."""
    import threading

    from fdgrad import _parallel

    f = lambda v: float(np.sum(np.sin(v) * v))  # noqa: E731
    x = np.linspace(-1.0, 1.0, 40)
    want = fd.gradient(f, x)
    monkeypatch.setattr(_parallel, "_POOL", _parallel._Pool())  # a pool with no thread yet

    def refuse(self):
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", refuse)
    assert fd.gradient(f, x, workers=4).tobytes() == want.tobytes()
    assert _parallel._POOL.threads == 0
