"""Worker threads over coordinate ranges, shared by both backends.

A kernel call over coordinates [start, stop) is split into contiguous parts,
one per thread, each over its own copy of the working buffer, so threads never
share a perturbed x; every coordinate is computed exactly as in one thread,
and the result is bit-identical to workers=1.  With a native f the compiled
kernels release the GIL, so the threads run truly in parallel.

The caller's thread waits and stays responsive: on KeyboardInterrupt (or any
error in a part) it raises the halt flag that every loop checks before each
evaluation, waits for the parts to stop, and re-raises.
"""

from __future__ import annotations

import contextvars
import functools
import os
import pickle
import threading
import time
from concurrent.futures import FIRST_EXCEPTION, Executor, wait
from typing import Any, Callable, Optional, Sequence

__all__ = ["Halted", "TaskRunner", "check_workers", "evaluate_chunk", "run_copies", "run_parts", "split"]

class Halted(Exception):
    """A loop stopped because another part of the same call failed or was interrupted."""


def check_workers(workers: Any) -> int:
    """workers as a thread count: an int >= 1, or -1 for every core."""
    if hasattr(workers, "__index__") and not isinstance(workers, bool) and type(workers).__name__ != "bool_":
        workers = workers.__index__()
    if isinstance(workers, bool) or not isinstance(workers, int):
        raise TypeError("workers must be an int (a thread count, or -1 for all cores), a concurrent.futures "
                        f"Executor or a map-like callable, got {workers!r}")
    if workers == -1:
        return max(1, os.cpu_count() or 1)
    if workers < 1:
        raise ValueError(f"workers must be >= 1 or -1 (all cores), got {workers}")
    return workers


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


def run_parts(parts: Sequence[Callable[[], Any]], halt: Any) -> list[Any]:
    """Run the callables at once, the first on this thread and each other on a thread of its own.

    halt is the kernels' StopFlag shared by the parts: it is raised when a
    part fails or this thread is interrupted, and once every part has stopped
    the interrupt, or else the first error other than Halted, is re-raised.
    Each call gets its own threads (no shared pool), so parts that themselves
    run parts (an f that calls fdgrad with workers) cannot starve each other.
    """
    if len(parts) == 1:
        return [parts[0]()]
    results: list[Any] = [None] * len(parts)
    errors: list[BaseException] = []

    def run(k: int) -> None:
        try:
            results[k] = parts[k]()
        except BaseException as exc:  # re-raised below, once every part has stopped
            errors.append(exc)
            halt.set()

    # Each thread runs in a copy of this one's context (fdgrad.on_nonfinite and the like).
    threads = [threading.Thread(target=contextvars.copy_context().run, args=(run, k), name=f"fdgrad-part-{k}",
                                daemon=True) for k in range(1, len(parts))]
    for thread in threads:
        thread.start()
    run(0)
    for thread in threads:
        while thread.is_alive():
            try:
                thread.join(0.05)
            except KeyboardInterrupt as exc:  # raised here, in the waiting thread
                errors.append(exc)
                halt.set()
    if errors:
        interrupts = [e for e in errors if isinstance(e, KeyboardInterrupt)]
        real = [e for e in errors if not isinstance(e, Halted)]
        raise (interrupts or real or errors)[0]
    return results


def run_copies(run_one: Callable[[Any, Any, int, int], None], work: Any, view: Any,
               parts: Sequence[tuple[int, int]], halt: Any) -> None:
    """run_one(work, view, lo, hi) for every (lo, hi) of parts at once, each
    part but the first on its own copy of the working buffer and its own
    read-only view of it."""
    # Copy before any part starts: the first part perturbs work in place.
    buffers = [(work, view)]
    for _ in parts[1:]:
        copy = work.copy()
        copy_view = copy.reshape(view.shape)
        copy_view.flags.writeable = False
        buffers.append((copy, copy_view))
    run_parts([functools.partial(run_one, w, v, lo, hi) for (w, v), (lo, hi) in zip(buffers, parts)], halt)


def _note(exc: BaseException, text: str) -> None:
    if hasattr(exc, "add_note"):
        exc.add_note(text)
    else:  # Python < 3.11: kept where a traceback printer that knows notes finds it
        exc.__notes__ = [*getattr(exc, "__notes__", []), text]


def evaluate_chunk(f: Callable[[Any], Any], points: Sequence[Any], labels: Sequence[str]) -> list[Any]:
    """f at each point, on a worker; an exception names the point it came from."""
    values = []
    for point, label in zip(points, labels):
        try:
            values.append(f(point))
        except BaseException as exc:
            _note(exc, f"fdgrad: f raised this while evaluating {label}")
            raise
    return values


def _evaluate_packed(f: Callable[[Any], Any], task: tuple) -> list[Any]:
    return evaluate_chunk(f, *task)


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


class TaskRunner:
    """workers given as a concurrent.futures.Executor (threads, processes, a Dask
    cluster's client.get_executor()) or a map-like callable (multiprocessing
    Pool.map, map): evaluates f at many points as tasks of `chunksize` points,
    and returns the values in order."""

    def __init__(self, workers: Any, chunksize: int, timeout: Optional[float]) -> None:
        self.workers = workers
        self.executor = workers if isinstance(workers, Executor) else None
        self.chunksize = chunksize
        self.timeout = timeout

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
        """[f(p) for p in points], evaluated by the workers."""
        count = len(points)
        chunks = [range(a, min(a + self.chunksize, count)) for a in range(0, count, self.chunksize)]
        tasks = [([points[k] for k in c], [labels[k] for k in c]) for c in chunks]
        if self.executor is None:
            results = list(self.workers(functools.partial(_evaluate_packed, f), tasks))
        else:
            results = self._submit(f, tasks, chunks)
        values = [value for chunk in results for value in chunk]
        if len(values) != count:
            raise RuntimeError(f"workers={self.workers!r} returned {len(values)} values for {count} points")
        return values

    def _submit(self, f: Callable[[Any], Any], tasks: list, chunks: list) -> list:
        assert self.executor is not None
        futures = [self.executor.submit(evaluate_chunk, f, *task) for task in tasks]
        start = time.monotonic()
        try:
            done, pending = wait(futures, timeout=self.timeout, return_when=FIRST_EXCEPTION)
        except BaseException:  # KeyboardInterrupt while waiting: drop what has not started
            for future in futures:
                future.cancel()
            raise
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
            _note(exc, f"fdgrad: {lost} of {len(futures)} tasks were cancelled after this failure")
        raise exc
