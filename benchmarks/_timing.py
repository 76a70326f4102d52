"""Timing helpers shared by the benchmark scripts."""

from __future__ import annotations

import statistics
from typing import Callable

# The timing loops are the installed package's (python -m fdgrad bench uses them too).
from fdgrad._bench import fmt, interleaved, loops, sample

__all__ = ["fmt", "interleaved", "median_time"]


def median_time(fn: Callable[[], object], repeat: int = 5, min_time: float = 0.05) -> float:
    """Median seconds per call of fn over `repeat` samples of at least min_time each."""
    number, first = loops(fn, min_time)
    return statistics.median([first] + [sample(fn, number) for _ in range(repeat - 1)])
