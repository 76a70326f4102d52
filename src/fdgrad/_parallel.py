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

import functools
import os
import threading
from typing import Any, Callable, Optional, Sequence

__all__ = ["Halted", "check_workers", "run_copies", "run_parts", "split"]

class Halted(Exception):
    """A loop stopped because another part of the same call failed or was interrupted."""


def check_workers(workers: Any) -> int:
    """workers as a thread count: an int >= 1, or -1 for every core."""
    if isinstance(workers, bool) or not isinstance(workers, int):
        raise TypeError(f"workers must be an int (a thread count, or -1 for all cores), got {workers!r}")
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

    threads = [threading.Thread(target=run, args=(k,), name=f"fdgrad-part-{k}", daemon=True)
               for k in range(1, len(parts))]
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
