"""workers= as an executor or a map-like callable: the serial result, bit for
bit, exceptions that name their coordinate, no hangs, and a real Dask cluster."""

from __future__ import annotations

import functools
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
import pytest

from fdgrad.testing.cases import fails_beyond, sleepy, smooth, smooth_vector

X = np.array([0.3, -1.2, 0.8, 2.0, -0.4])


def calls(fd):
    """name -> a call of one public function with a given workers=."""
    return {
        "gradient": lambda w, **k: fd.gradient(smooth, X, workers=w, **k),
        "gradient forward order 3": lambda w, **k: fd.gradient(smooth, X, method="forward", order=3, workers=w, **k),
        "gradient adaptive": lambda w, **k: fd.gradient(smooth, X, adaptive=True, workers=w, **k),
        "jacobian": lambda w, **k: fd.jacobian(smooth_vector, X, workers=w, **k),
        "hessian": lambda w, **k: fd.hessian(smooth, X, workers=w, **k),
        "hessian forward": lambda w, **k: fd.hessian(smooth, X, method="forward", workers=w, **k),
        "hessian_diag": lambda w, **k: fd.hessian_diag(smooth, X, order=4, workers=w, **k),
        "gradient_descent": lambda w, **k: fd.gradient_descent(smooth, X, lr=0.05, step_num=3, workers=w, **k),
        "derivative": lambda w, **k: fd.derivative(np.sin, X, workers=w, **k),
        "derivative adaptive": lambda w, **k: fd.derivative(np.sin, 0.7, adaptive=True, workers=w, **k),
    }


@pytest.fixture(scope="module")
def process_pool():
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        yield pool


@pytest.fixture(scope="module")
def mp_pool():
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        yield pool


def test_executors_give_the_serial_result(fd, process_pool, mp_pool):
    with ThreadPoolExecutor(3) as threads:
        for name, call in calls(fd).items():
            serial = np.asarray(call(1)).tobytes()
            for workers, kwargs in [(threads, {}), (threads, {"chunksize": 3}), (process_pool, {"chunksize": 2}),
                                    (mp_pool.map, {}), (map, {})]:
                assert np.asarray(call(workers, **kwargs)).tobytes() == serial, (name, workers, kwargs)


def test_complex_step_on_an_executor(fd):
    f = lambda v: np.sum(np.exp(v) * v)  # noqa: E731
    with ThreadPoolExecutor(2) as threads:
        assert fd.gradient(f, X, method="complex", workers=threads).tobytes() == \
            fd.gradient(f, X, method="complex").tobytes()


def test_f_must_be_picklable_for_processes(fd, process_pool, mp_pool):
    for workers in (process_pool, mp_pool.map):
        with pytest.raises(TypeError, match="f must be picklable"):
            fd.gradient(lambda v: float(v @ v), X, workers=workers)
    with ThreadPoolExecutor(2) as threads:  # threads share the process: any f will do
        assert fd.gradient(lambda v: float(v @ v), X, workers=threads).shape == X.shape


def test_an_exception_on_a_worker_names_its_coordinate(fd, process_pool):
    x = np.array([0.1, 1.5, 0.2])  # x[1] + h exceeds 1.5
    before = x.copy()
    for workers in (process_pool, ThreadPoolExecutor(2)):
        with pytest.raises(FloatingPointError, match="x exceeds 1.5") as info:
            fd.gradient(fails_beyond, x, workers=workers)
        notes = " ".join(getattr(info.value, "__notes__", []))
        assert "coordinate (1,)" in notes, notes
        assert np.array_equal(x, before)


def test_nothing_is_left_running_after_an_error(fd):
    started = []

    def f(v):
        started.append(1)
        if v[0] > 0.5:
            raise ValueError("first coordinate")
        time.sleep(0.02)
        return float(v @ v)

    with ThreadPoolExecutor(1) as one:
        with pytest.raises(ValueError):
            fd.gradient(f, np.full(40, 0.5), workers=one)
        time.sleep(0.1)
        count = len(started)
        time.sleep(0.2)
        assert len(started) == count  # the queued tasks were cancelled


def test_timeout(fd):
    with ThreadPoolExecutor(1) as one:
        start = time.perf_counter()
        with pytest.raises(TimeoutError, match="had not come back after 0.2 s"):
            fd.gradient(functools.partial(sleepy, delay=0.1), X, workers=one, timeout=0.2)
        assert time.perf_counter() - start < 1.0


def test_bad_executor_arguments(fd):
    with ThreadPoolExecutor(1) as one:
        with pytest.raises(ValueError, match="chunksize must be >= 1"):
            fd.gradient(smooth, X, workers=one, chunksize=0)
        with pytest.raises(TypeError, match="timeout must be"):
            fd.gradient(smooth, X, workers=one, timeout="soon")
        with pytest.raises(ValueError, match="vectorized=True"):
            fd.gradient(smooth, X, workers=one, vectorized=True)


@pytest.fixture(scope="module")
def dask_client():
    from _optional import need

    distributed = need("distributed")

    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       dashboard_address=None, silence_logs=40)
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


def test_dask_cluster_gives_the_serial_result(fd, dask_client, process_pool):
    executor = dask_client.get_executor()
    x = np.linspace(-1.0, 1.0, 16)
    f = functools.partial(sleepy, delay=0.05)  # an expensive f: 50 ms an evaluation
    serial = fd.gradient(functools.partial(sleepy, delay=0.0), x)
    assert fd.gradient(f, x, workers=executor).tobytes() == serial.tobytes()
    assert fd.gradient(f, x, workers=process_pool).tobytes() == serial.tobytes()
    assert fd.gradient(lambda v: smooth(v), x, workers=executor, chunksize=4).tobytes() == serial.tobytes()
    J = fd.jacobian(smooth_vector, x, workers=executor)
    assert J.tobytes() == fd.jacobian(smooth_vector, x).tobytes()


def test_dask_progress_counts_the_clients_own_tasks(fd, dask_client):
    """progress= with a Dask executor: tasks count as they come back, and they are the client's
    futures (so Dask's dashboard and progress tools see them) while they run."""
    executor = dask_client.get_executor(pure=False)
    x = np.linspace(-1.0, 1.0, 8)
    events, held = [], []

    def report(done, total):
        events.append((done, total))
        held.append(len(dask_client.futures))

    value, info = fd.gradient(smooth, x, workers=executor, chunksize=2, progress=report, full_output=True)
    assert value.tobytes() == fd.gradient(smooth, x).tobytes()
    assert events[-1] == (info.nfev, info.nfev) and len(events) >= 8 // 2
    assert max(held) > 0


def test_dask_survives_a_killed_worker(fd, dask_client):
    """One worker dies mid-gradient: the result is right, or an error says what was lost; never a hang."""
    executor = dask_client.get_executor()
    x = np.linspace(-1.0, 1.0, 16)
    f = functools.partial(sleepy, delay=0.05)
    serial = fd.gradient(f, x)
    pids = list(dask_client.run(os.getpid).values())
    timer = threading.Timer(0.3, os.kill, (pids[0], signal.SIGKILL))
    timer.start()
    start = time.perf_counter()
    try:
        result = fd.gradient(f, x, workers=executor, timeout=60)
    except Exception as exc:  # a clear error is acceptable; a wrong value or a hang is not
        assert "task" in " ".join(getattr(exc, "__notes__", [])) or "Killed" in type(exc).__name__, exc
    else:
        assert result.tobytes() == serial.tobytes()
    finally:
        timer.join()
    assert time.perf_counter() - start < 60
    dask_client.wait_for_workers(2, timeout=30)


def test_timeout_needs_an_executor(fd, mp_pool):
    with pytest.raises(ValueError, match="timeout needs workers to be a concurrent.futures Executor"):
        fd.gradient(smooth, X, workers=mp_pool.map, timeout=1.0)


def test_wrapped_maps_and_numpy_ints(fd, mp_pool):
    with pytest.raises(TypeError, match="f must be picklable"):
        fd.gradient(lambda v: float(v @ v), X, workers=functools.partial(mp_pool.map, chunksize=2))
    assert fd.gradient(smooth, X, workers=np.int64(2)).tobytes() == fd.gradient(smooth, X).tobytes()


def test_worker_threads_inherit_on_nonfinite(fd):
    import fdgrad
    from fdgrad._results import NONFINITE

    seen = set()

    def f(v):
        seen.add(NONFINITE.get())
        return float(v @ v)

    with fdgrad.on_nonfinite("raise"):
        fd.gradient(f, np.ones(8), workers=2)
        with ThreadPoolExecutor(2) as threads:
            fd.gradient(f, np.ones(8), workers=2)
            assert threads  # executors' own threads follow their own context (documented)
    assert seen == {"raise"}


@pytest.mark.parametrize("workers", ["threads", "serial"])
def test_an_exception_raised_again_and_again_carries_one_note_of_each_kind(fd, workers):
    """Issue 12, class 3: fdgrad's notes replace its earlier ones on a reused exception object."""
    from concurrent.futures import ThreadPoolExecutor

    saved = RuntimeError("saved")

    def f(v):
        raise saved

    with ThreadPoolExecutor(2) as pool:
        for _ in range(20):
            with pytest.raises(RuntimeError):
                fd.gradient(f, [1.0, 2.0], workers=pool if workers == "threads" else 1)
    notes = [n for n in getattr(saved, "__notes__", []) if n.startswith("fdgrad: ")]
    assert len(notes) <= 2 and len(set(notes)) == len(notes), notes


def test_futures_cancelled_by_someone_else_end_the_call(fd):
    """Issue 12, class 3: an executor shut down with cancel_futures=True from another thread
    while a gradient waits on it: a clear error, not a wait forever."""
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    def slow(v):
        time.sleep(0.05)
        return float(np.sum(v * v))

    pool = ThreadPoolExecutor(1)
    threading.Timer(0.1, lambda: pool.shutdown(wait=False, cancel_futures=True)).start()
    begun = time.monotonic()
    with pytest.raises(RuntimeError, match="were cancelled on workers=.* by something other than fdgrad"):
        fd.gradient(slow, np.ones(20), workers=pool)
    assert time.monotonic() - begun < 5.0


def test_an_executor_that_refuses_a_task_part_way_leaves_nothing_running(fd):
    """Issue 12, class 3: the tasks already submitted are cancelled or finished before the error."""
    import time
    from concurrent.futures import ThreadPoolExecutor

    running = []

    def slow(v):
        running.append(1)
        time.sleep(0.02)
        running.pop()
        return float(np.sum(v * v))

    class Refusing(ThreadPoolExecutor):
        def __init__(self):
            super().__init__(2)
            self.count = 0

        def submit(self, *args, **kwargs):
            self.count += 1
            if self.count == 5:
                raise RuntimeError("queue full")
            return super().submit(*args, **kwargs)

    with Refusing() as pool:
        with pytest.raises(RuntimeError, match="queue full") as info:
            fd.gradient(slow, np.ones(10), workers=pool, chunksize=2)  # one coordinate (2 points) a task
        assert running == []  # nothing of the call runs after it raised
    assert any("submitting task 5 of 10 failed" in n for n in info.value.__notes__)


def test_task_values_travel_packed_bit_for_bit():
    """A task's values go back as one float64 array where every one is a float (Dask serializes a list element by
    element), and come out as the same floats, bit for bit; anything else (float32, arrays, ints) travels as it was."""
    from fdgrad._parallel import packed, unpacked

    floats = [0.0, -0.0, 1.5, float("inf"), -float("inf"), 5e-324, 1.7976931348623157e308, float("nan")]
    sent = packed(floats)
    assert isinstance(sent, np.ndarray) and sent.dtype == np.float64
    back = unpacked(sent)
    assert all(type(v) is float for v in back)
    assert np.array(back).tobytes() == np.array(floats).tobytes()
    for mixed in ([np.float32(1.0), 2.0], [np.array([1.0, 2.0])], [1, 2.0], [np.float64(1.0)], []):
        assert packed(mixed) is mixed and unpacked(mixed) is mixed
