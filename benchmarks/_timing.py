"""Timing helpers shared by the benchmark scripts."""

from __future__ import annotations

import contextlib
import statistics
import sys
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Callable, Iterator

# The timing loops are the installed package's (python -m fdgrad bench uses them too).
from fdgrad._bench import fmt, interleaved, loops, sample

__all__ = ["fmt", "interleaved", "median_time", "pools"]


def median_time(fn: Callable[[], object], repeat: int = 5, min_time: float = 0.05) -> float:
    """Median seconds per call of fn over `repeat` samples of at least min_time each."""
    number, first = loops(fn, min_time)
    return statistics.median([first] + [sample(fn, number) for _ in range(repeat - 1)])


@contextlib.contextmanager
def pools(slots: int, context: Any, dask: bool = True, pure: bool = True, count: str = "") -> Iterator[dict]:
    """The executors the parallel benchmarks compare, on `slots` workers each, closed on exit:
    {"ProcessPoolExecutor": ..., "multiprocessing Pool.map": ..., "Dask LocalCluster": ...}, the
    labels with `count` after the pool's name ("(2)"); Dask where dask.distributed is installed
    (and dask is True), its executor made with pure=pure."""
    pool = ProcessPoolExecutor(slots, mp_context=context)
    mp = context.Pool(slots)
    client = cluster = None
    executors = {f"ProcessPoolExecutor{count}": pool, f"multiprocessing Pool{count}.map": mp.map}
    try:
        if dask:
            try:
                import distributed
            except ImportError:
                print('(dask.distributed is not installed: pip install "fdgrad[dask]" for the Dask row)',
                      file=sys.stderr)
            else:
                cluster = distributed.LocalCluster(n_workers=slots, threads_per_worker=1, processes=True,
                                                   host="127.0.0.1", dashboard_address=None, silence_logs=40)
                client = distributed.Client(cluster)
                executors[f"Dask LocalCluster{count}"] = client.get_executor(pure=pure)
        yield executors
    finally:
        pool.shutdown()
        mp.close()
        if client is not None:
            client.close()
            cluster.close()
