"""Timing helpers shared by the benchmark scripts."""

from __future__ import annotations

import statistics
import time
from typing import Callable


def _loops(fn: Callable[[], object], min_time: float) -> tuple[int, float]:
    """A loop count that makes one sample of fn last at least min_time, and that sample's seconds per call."""
    number = 1
    while True:
        start = time.perf_counter()
        for _ in range(number):
            fn()
        elapsed = time.perf_counter() - start
        if elapsed >= min_time:
            return number, elapsed / number
        number *= 2 if elapsed == 0 else max(2, int(min_time / elapsed * 1.2))


def _sample(fn: Callable[[], object], number: int) -> float:
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number


def median_time(fn: Callable[[], object], repeat: int = 5, min_time: float = 0.05) -> float:
    """Median seconds per call of fn over `repeat` samples of at least min_time each."""
    number, first = _loops(fn, min_time)
    return statistics.median([first] + [_sample(fn, number) for _ in range(repeat - 1)])


def interleaved(fns: dict, repeat: int = 5, min_time: float = 0.05) -> dict:
    """Per-call times of several callables, sampled round-robin.

    Each callable gets a loop count that makes one sample last min_time; then
    `repeat` rounds take one sample of each in turn, so that every callable
    sees the same machine (a shared machine's load changes from second to
    second).  Returns {name: [seconds per call, one per round]}.
    """
    numbers = {name: _loops(fn, min_time)[0] for name, fn in fns.items()}
    samples: dict = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            samples[name].append(_sample(fn, numbers[name]))
    return samples


def fmt(seconds: float) -> str:
    """A time with a unit: 1.23 ms."""
    if seconds != seconds:  # NaN: not measured
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"
