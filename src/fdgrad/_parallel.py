"""Worker threads and executors, shared by both backends.

Threads: a call's work over coordinates [start, stop) is split into
contiguous parts, each over its own copy of the working buffer, so threads
never share a perturbed x; every coordinate is computed exactly as in one
thread, and the result is bit-identical to workers=1.  The parts run on a
persistent pool of daemon threads (no thread is started per call): the
caller runs the first part itself and then any part no pool thread has
claimed yet, so a call never waits for a part that has not started, and
nested calls (an f that itself uses workers) cannot starve each other.  A
native f runs in the compiled kernels without the GIL, so its parts run in
parallel.

The caller's thread stays responsive: on KeyboardInterrupt (or any error in
a part) it raises the halt flag that every loop checks before each
evaluation, waits for the running parts to stop, and re-raises.

Executors: :class:`TaskRunner` sends points to a concurrent.futures
Executor or a map-like callable as tasks.
"""

from __future__ import annotations

import contextvars
import functools
import math
import os
import pickle
import queue
import threading
import time
from concurrent.futures import FIRST_EXCEPTION, Executor, wait
from typing import Any, Callable, Optional, Sequence

import numpy as np

from ._results import add_note

__all__ = ["TaskRunner", "evaluate_chunk", "evaluate_range", "run_parts", "split"]


def split(start: int, stop: int, parts: int, cost: Optional[Callable[[int], int]] = None) -> list[tuple[int, int]]:
    """[start, stop) in at most `parts` contiguous non-empty pieces of nearly
    equal cost (cost(i) per index; 1 each by default)."""
    count = stop - start
    parts = max(1, min(parts, count))
    if parts == 1:
        return [(start, stop)]
    if cost is None:
        bounds = [start + (count * k) // parts for k in range(parts + 1)]
        return [(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]
    weights = [max(1, cost(i)) for i in range(start, stop)]
    total = sum(weights)
    bounds, acc, k = [start], 0, 1
    for i, w in zip(range(start, stop), weights):
        acc += w
        if k < parts and acc * parts >= total * k:
            bounds.append(i + 1)
            k += 1
    bounds.append(stop)
    return [(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]


class _Part:
    """One part of a call: run by whichever thread claims it first."""

    __slots__ = ("fn", "context", "claimed", "done", "result", "error")

    def __init__(self, fn: Callable[[], Any]) -> None:
        self.fn: Any = fn
        self.context: Any = contextvars.copy_context()  # fdgrad.on_nonfinite and the like, per thread
        self.claimed = False
        self.done = threading.Event()
        self.result: Any = None
        self.error: Optional[BaseException] = None

    def claim(self, lock: threading.Lock) -> bool:
        with lock:
            if self.claimed:
                return False
            self.claimed = True
            return True

    def run(self) -> None:
        try:
            self.result = self.context.run(self.fn)
        except BaseException as exc:  # re-raised by the caller, once every part has stopped
            self.error = exc
        finally:
            self.fn = self.context = None  # nothing of the call outlives it on a pool thread
            self.done.set()


class _Pool:
    """Daemon threads, started as needed and kept, that run claimed parts."""

    def __init__(self) -> None:
        self.tasks: queue.SimpleQueue = queue.SimpleQueue()
        self.lock = threading.Lock()
        self.threads = 0

    def submit(self, part: _Part, lock: threading.Lock) -> None:
        self.tasks.put((part, lock))

    def ensure(self, count: int) -> None:
        """At least count threads, as far as the system lets them start: where a thread cannot
        start (RuntimeError: can't start new thread), the parts are run by the threads there are
        and by the caller, which takes every part no thread has claimed."""
        with self.lock:
            while self.threads < count:
                thread = threading.Thread(target=self._work, name=f"fdgrad-worker-{self.threads + 1}", daemon=True)
                try:
                    thread.start()
                except RuntimeError:
                    return
                self.threads += 1

    def _work(self) -> None:
        while True:
            part, lock = self.tasks.get()
            if part.claim(lock):
                part.run()
            del part, lock  # nor while this thread waits for the next part


_POOL = _Pool()


def run_parts(parts: Sequence[Callable[[], Any]], halt: Any) -> list[Any]:
    """Run the callables at once: the first on this thread, the others on the pool.

    halt is the kernels' StopFlag shared by the parts: it is raised when a
    part fails or this thread is interrupted, and once every part has stopped
    the interrupt, or else the first error other than the kernels' Halted, is
    re-raised.
    """
    if len(parts) == 1:
        return [parts[0]()]
    lock = threading.Lock()
    jobs = [_Part(fn) for fn in parts]
    _POOL.ensure(len(jobs) - 1)
    for job in jobs[1:]:
        _POOL.submit(job, lock)
    interrupt: Optional[BaseException] = None
    for job in jobs:  # ours, then whatever no pool thread has started
        if job.claim(lock):
            job.run()
            if job.error is not None:
                halt.set()
                if isinstance(job.error, KeyboardInterrupt):
                    interrupt = job.error
    for job in jobs:
        while not job.done.is_set():
            try:
                job.done.wait(0.05)
            except KeyboardInterrupt as exc:  # raised here, in the waiting thread
                interrupt = exc
                halt.set()
        if job.error is not None:
            halt.set()
    errors = [job.error for job in jobs if job.error is not None]
    if interrupt is not None:
        raise interrupt
    if errors:
        real = [e for e in errors if type(e).__name__ != "Halted"]
        raise (real or errors)[0]
    return [job.result for job in jobs]


def owned(value: Any) -> Any:
    """f's value, copied where it is an array f may still own: a view of its argument, or a
    buffer it refills at its next call, must not change under fdgrad after f returns."""
    return value.copy() if isinstance(value, np.ndarray) else value


def evaluate_chunk(f: Callable[[Any], Any], points: Sequence[Any], labels: Sequence[str]) -> list[Any]:
    """f at each point, on a worker, each value copied there as f returns it (see owned); an
    exception names the point it came from."""
    values = []
    for point, label in zip(points, labels):
        try:
            values.append(owned(f(point)))
        except BaseException as exc:
            add_note(exc, f"fdgrad: f raised this while evaluating {label}")
            raise
    return packed(values)


def packed(values: list[Any]) -> Any:
    """A task's values as they travel back: a float64 array where every one is a float (a list of
    floats is serialized element by element by Dask, about 25 us each: 0.1 s for a task of 4 000),
    the list itself otherwise.  unpacked() gives the floats back, bit for bit."""
    if values and all(type(v) is float for v in values):
        return np.array(values, dtype=np.float64)
    return values


def unpacked(chunk: Any) -> list[Any]:
    """A task's values as packed() sent them, as a list."""
    return chunk.tolist() if isinstance(chunk, np.ndarray) else chunk


def evaluate_range(f: Callable[[Any], Any], x: np.ndarray, shape: tuple[int, ...], h: np.ndarray, offsets: tuple,
                   lo: int, hi: int) -> list[Any]:
    """f at x with x_i + o h_i (the kernels' arithmetic) for each lo <= i < hi and each offset, on a
    worker: one task's range of coordinates, x sent once for all of them (h holds h_lo..h_hi-1).
    f gets a read-only view of the task's own copy of x; each value is copied as f returns it."""
    work = np.array(x, dtype=np.float64)
    view = work.reshape(shape)
    view.flags.writeable = False
    values = []
    for i, hi_ in zip(range(lo, hi), h.tolist()):
        xi = float(work[i])
        for o in offsets:
            work[i] = xi + o * hi_
            try:
                values.append(owned(f(view)))
            except BaseException as exc:
                index = tuple(int(k) for k in np.unravel_index(i, shape))
                add_note(exc, f"fdgrad: f raised this while evaluating coordinate {index} (x + {o:g} h)")
                raise
        work[i] = xi
    return packed(values)


def _apply(function: Callable[..., Any], task: tuple) -> Any:
    return function(*task)


def _needs_pickle(workers: Any) -> Optional[str]:
    """How workers will serialise f: 'pickle', 'cloudpickle', or None (threads, same process)."""
    owner = workers.func if isinstance(workers, functools.partial) else workers
    owner = getattr(owner, "__self__", owner)
    names = {c.__module__ + "." + c.__name__ for c in type(owner).__mro__}
    if "concurrent.futures.process.ProcessPoolExecutor" in names or any(n.startswith("multiprocessing.pool.") for n in names):
        return "pickle"
    if any(n.startswith("distributed.") for n in names):
        return "cloudpickle"
    return None


def _count_done(tracker: Any, count: int, future: Any) -> None:
    """A task came back: its points count as evaluated (if it ran to the end)."""
    if not future.cancelled() and future.exception() is None:
        tracker.add(count)


#: tasks a call makes for each slot of the workers by default (a few: the slots stay busy while
#: tasks of unequal length finish, and x travels once a task)
TASKS_PER_SLOT = 4

#: how long each wait for an executor's futures lasts before it looks for cancelled ones (s)
_WAIT_SLICE = 0.25


class TaskRunner:
    """workers given as a concurrent.futures.Executor (threads, processes, a Dask
    cluster's client.get_executor()) or a map-like callable (multiprocessing
    Pool.map, map): evaluates f at many points as tasks of `chunksize` points,
    and returns the values in order."""

    def __init__(self, workers: Any, chunksize: Optional[int], timeout: Optional[float]) -> None:
        self.workers = workers
        self.executor = workers if isinstance(workers, Executor) else None
        self.chunksize = chunksize
        self.timeout = timeout
        self.tracker: Any = None  # progress=: counts each task's points as it comes back

    def check_function(self, f: Any) -> None:
        """A clear error now, rather than an obscure one from a worker, when f cannot travel."""
        how = _needs_pickle(self.workers)
        if how is None:
            return
        try:
            if how == "cloudpickle":
                import cloudpickle  # installed with dask.distributed

                cloudpickle.dumps(f)
            else:
                pickle.dumps(f)
        except Exception as exc:  # noqa: BLE001 - any failure to pickle means f cannot be sent
            raise TypeError(
                f"f must be picklable to run on workers={self.workers!r}; pickling it failed: "
                f"{type(exc).__name__}: {exc}. Define f at module level (not a lambda or a local function), "
                "or use threads"
            ) from None

    def map(self, f: Callable[[Any], Any], points: Sequence[Any], labels: Sequence[str]) -> list[Any]:
        """[f(p) for p in points], evaluated by the workers, chunksize points a task (by default
        about TASKS_PER_SLOT tasks for each of the workers' slots)."""
        count = len(points)
        size = self.chunksize or max(1, math.ceil(count / (TASKS_PER_SLOT * self.slots())))
        chunks = [range(a, min(a + size, count)) for a in range(0, count, size)]
        tasks = [(f, [points[k] for k in c], [labels[k] for k in c]) for c in chunks]
        return self._values(evaluate_chunk, tasks, [len(c) for c in chunks], count)

    def map_ranges(self, f: Callable[[Any], Any], x: np.ndarray, shape: tuple[int, ...], h: np.ndarray,
                   offsets: tuple, lo: int, hi: int) -> list[Any]:
        """f at x_i + o h_i for each lo <= i < hi and offset o, in that order: tasks of ranges of
        coordinates, each sending x once (evaluate_range), chunksize points a task in whole
        coordinates (by default about TASKS_PER_SLOT tasks for each of the workers' slots)."""
        count, npoints = hi - lo, len(offsets)
        per = max(1, self.chunksize // npoints) if self.chunksize else \
            max(1, math.ceil(count / (TASKS_PER_SLOT * self.slots())))
        ranges = [(a, min(a + per, hi)) for a in range(lo, hi, per)]
        tasks = [(f, x, shape, h[a:b], offsets, a, b) for a, b in ranges]
        return self._values(evaluate_range, tasks, [(b - a) * npoints for a, b in ranges], count * npoints)

    def slots(self) -> int:
        """How many tasks the workers run at once, as far as they tell (else this machine's cores)."""
        owner = self.workers.func if isinstance(self.workers, functools.partial) else self.workers
        owner = getattr(owner, "__self__", owner)
        for attribute in ("_max_workers", "_processes"):  # concurrent.futures, multiprocessing.Pool
            value = getattr(owner, attribute, None)
            if isinstance(value, int) and value > 0:
                return value
        return os.cpu_count() or 1

    def _values(self, function: Callable[..., Any], tasks: list, counts: list, count: int) -> list[Any]:
        """The tasks' values in order: function(*task) for each task, by the workers."""
        if self.executor is None:
            results = []
            for result in self.workers(functools.partial(_apply, function), tasks):
                results.append(result)
                if self.tracker is not None:
                    self.tracker.add(len(result))
        else:
            results = self._submit(function, tasks, counts)
        values = [value for chunk in results for value in unpacked(chunk)]
        if len(values) != count:
            raise RuntimeError(f"workers={self.workers!r} returned {len(values)} values for {count} points")
        return values

    def _wait(self, futures: list, start: float) -> tuple[set, set]:
        """wait() for the futures (until the first failure, or the timeout), in slices: a future
        that someone else cancels wakes no waiter, so each slice looks again."""
        while True:
            left = None if self.timeout is None else self.timeout - (time.monotonic() - start)
            piece = _WAIT_SLICE if left is None else max(0.0, min(left, _WAIT_SLICE))
            done, pending = wait(futures, timeout=piece, return_when=FIRST_EXCEPTION)
            if not pending or (left is not None and left <= piece) or any(fu.cancelled() for fu in futures) \
                    or any(fu.exception() is not None for fu in done if not fu.cancelled()):
                return done, pending

    def _submit(self, function: Callable[..., Any], tasks: list, counts: list) -> list:
        assert self.executor is not None
        futures = []
        try:
            for task, points in zip(tasks, counts):
                futures.append(self.executor.submit(function, *task))
                if self.tracker is not None:
                    futures[-1].add_done_callback(functools.partial(_count_done, self.tracker, points))
        except BaseException as exc:  # the executor refused one part-way: leave nothing of this call running
            for future in futures:
                future.cancel()
            wait(futures, timeout=self.timeout)
            add_note(exc, f"fdgrad: submitting task {len(futures) + 1} of {len(tasks)} failed; the "
                          f"{len(futures)} submitted were cancelled or finished before this was raised")
            raise
        start = time.monotonic()
        try:
            done, pending = self._wait(futures, start)
        except BaseException:  # KeyboardInterrupt while waiting: drop what has not started
            for future in futures:
                future.cancel()
            raise
        dropped = sum(1 for fu in futures if fu.cancelled())
        if dropped:  # by someone else: shutdown(cancel_futures=True), a Dask client closing, ...
            for future in pending:
                future.cancel()
            raise RuntimeError(f"fdgrad: {dropped} of {len(futures)} tasks of f were cancelled on "
                               f"workers={self.workers!r} by something other than fdgrad (an executor shut down "
                               "with cancel_futures=True?)")
        failed = next((fu for fu in futures if fu in done and fu.exception() is not None), None)
        if failed is None and not pending:
            return [future.result() for future in futures]
        for future in pending:
            future.cancel()
        running = [fu for fu in pending if not fu.cancelled()]  # started: no executor can stop those
        if failed is None:
            raise TimeoutError(
                f"fdgrad: {len(pending)} of {len(futures)} tasks of f had not come back after {self.timeout} s "
                f"on workers={self.workers!r}; {len(pending) - len(running)} were cancelled and "
                f"{len(running)} were still running"
            )
        # An evaluation failed: let the running ones finish (within the timeout) so that nothing
        # of this call is left running, then raise the first failure.
        left = None if self.timeout is None else max(0.0, self.timeout - (time.monotonic() - start))
        wait(running, timeout=left)
        exc = failed.exception()
        assert exc is not None
        lost = sum(1 for fu in futures if fu.cancelled())
        if lost:
            add_note(exc, f"fdgrad: {lost} of {len(futures)} tasks were cancelled after this failure")
        raise exc
