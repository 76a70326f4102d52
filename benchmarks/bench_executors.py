"""Executors and Dask against serial: a gradient of a 30 us f at 4 000 points on a pool of two.

    pip install ".[bench,dask]" && python benchmarks/bench_executors.py [--quick]

Each task carries a range of coordinates and x once (issue 21: before, every
point was a task with its own copy of x).  The pools are warm (started, and
used once, before the timing); each contender's time is its fastest of a few
rounds, taken in turns; every result is compared with the serial one bit for
bit.  Target: <= 0.8x serial on a pool of two (a ProcessPoolExecutor, a
multiprocessing Pool's map, and a Dask LocalCluster of two single-thread
worker processes on loopback).  A last row times the same evaluations as two
bare tasks submitted straight to Dask: Dask's own floor on this machine.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import pools  # noqa: E402

import fdgrad  # noqa: E402

_W = np.linspace(0.5, 1.5, 6000)


def objective(x):
    """About 30 us of numpy work, plus a term in every coordinate."""
    return float(np.sum(np.sin(_W * x[0]) * np.cos(_W)) + x @ x)


def bare_range(x, lo, hi, h):
    """The central differences of coordinates lo..hi-1 written out, for one task: what any design that sends x
    once per task and a range of coordinates must do on a worker (the floor row)."""
    x = x.copy()
    out = []
    for i in range(lo, hi):
        xi = x[i]
        x[i] = xi + h
        fp = objective(x)
        x[i] = xi - h
        fm = objective(x)
        x[i] = xi
        out.append((fp - fm) / (2 * h))
    return np.array(out)  # (one buffer: Dask serializes a list of floats one by one)


def bare_dask(executor, x):
    """The gradient as one bare task per worker (two), submitted straight to the Dask executor: Dask's own cost."""
    half = x.size // 2
    futures = [executor.submit(bare_range, x, lo, hi, 1e-5) for lo, hi in ((0, half), (half, x.size))]
    return np.concatenate([fu.result() for fu in futures])


def best_of(fn, rounds):
    best, value = float("inf"), None
    for _ in range(rounds):
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return best, value


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1 000 points, fewer rounds")
    parser.add_argument("--no-dask", action="store_true", help="leave Dask out")
    args = parser.parse_args(argv)
    n, rounds = (1000, 2) if args.quick else (4000, 3)
    x = np.random.default_rng(1).uniform(-1.0, 1.0, n)
    with pools(2, multiprocessing.get_context("fork"), dask=not args.no_dask, pure=False, count="(2)") as executors:
        contenders = {"serial": None, **executors}
        for workers in contenders.values():  # warm: workers started, f and numpy imported there
            fdgrad.gradient(objective, x[:8], workers=1 if workers is None else workers)
        times, results = {}, {}
        dask_label = next((label for label in executors if label.startswith("Dask")), None)
        floor_label = "Dask, two bare tasks (its floor)"
        if dask_label is not None:
            bare_dask(executors[dask_label], x[:8])
        for _ in range(rounds):
            for label, workers in contenders.items():
                t, value = best_of(lambda: fdgrad.gradient(objective, x, workers=1 if workers is None else workers), 1)
                times[label] = min(times.get(label, float("inf")), t)
                results[label] = value
            if dask_label is not None:
                t, _ = best_of(lambda: bare_dask(executors[dask_label], x), 1)
                times[floor_label] = min(times.get(floor_label, float("inf")), t)
    serial = times["serial"]
    print(f"fdgrad {fdgrad.__version__}, backend {fdgrad.BACKEND!r}; gradient of a {serial / (2 * n) * 1e6:.0f} us f "
          f"at {n} points (central: {2 * n} evaluations); fastest of {rounds} rounds\n")
    print("| workers | time | / serial | target | ok |")
    print("|---|---|---|---|---|")
    missed = 0
    for label, t in times.items():
        if label == floor_label:
            print(f"| {label} | {t:.3f} s | {t / serial:.3f} | - | - |")
            continue
        assert results[label].tobytes() == results["serial"].tobytes(), f"{label} changed the result"
        if label == "serial":
            print(f"| 1 (serial) | {t:.3f} s | 1.000 | - | - |")
            continue
        ok = t / serial <= 0.8
        missed += not ok
        print(f"| {label} | {t:.3f} s | {t / serial:.3f} | <= 0.8 | {'pass' if ok else 'FAIL'} |")
    print("\nEvery target met." if not missed else f"\n{missed} of the targets missed.")
    if floor_label in times:
        print(f"\nThe floor row submits the same 2n evaluations to Dask as two bare tasks (one per worker, x sent "
              f"once each, no fdgrad code): what Dask's scheduling, transfer and worker processes cost on this "
              f"machine, which no design of fdgrad's tasks can go below.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
