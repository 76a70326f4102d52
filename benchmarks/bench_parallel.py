"""Parallel evaluation of an expensive f: speedup of a gradient over serial.

    pip install ".[bench,dask]" && python benchmarks/bench_parallel.py

f sleeps 50 ms and then computes a smooth function (fdgrad.testing.cases.sleepy): the
evaluations are the whole cost, as with a simulation.  For n = 16 and 32
(central differences: 2n evaluations) this times the gradient serially and
with workers = a ProcessPoolExecutor, a multiprocessing Pool's map and a Dask
LocalCluster (processes on loopback), each with SLOTS worker slots, checks
that every result equals the serial one bit for bit, and prints the speedup
against the target of 0.8 x the slots.  (The f sleeps, so the slots may
outnumber the cores.)
"""

from __future__ import annotations

import argparse
import functools
import multiprocessing
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import pools  # noqa: E402

import fdgrad  # noqa: E402
from fdgrad.testing.cases import sleepy  # noqa: E402


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[16, 32])
    parser.add_argument("--slots", type=int, default=4)
    parser.add_argument("--delay", type=float, default=0.05)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args(argv)
    f = functools.partial(sleepy, delay=args.delay)
    ctx = multiprocessing.get_context("spawn")
    worst = {}
    with pools(args.slots, ctx) as executors:
        lines = [f"Gradient of an f that takes {args.delay * 1e3:.0f} ms, central differences, {args.slots} worker "
                 "slots:", "", "| n | evaluations | serial | " + " | ".join(executors) + " |",
                 "|---" * (3 + len(executors)) + "|"]
        for n in args.sizes:
            x = np.linspace(-1.0, 1.0, n)
            for workers in executors.values():  # warm the workers up (imports, first task)
                fdgrad.gradient(f, x[:2], workers=workers)
            serial_time, serial = timed(lambda: fdgrad.gradient(f, x))
            cells = []
            for name, workers in executors.items():
                t, value = timed(lambda: fdgrad.gradient(f, x, workers=workers))
                assert value.tobytes() == serial.tobytes(), name
                speedup = serial_time / t
                worst[name] = min(worst.get(name, speedup), speedup)
                cells.append(f"{t:.2f} s ({speedup:.2f}x)")
            lines.append(f"| {n} | {2 * n} | {serial_time:.2f} s | " + " | ".join(cells) + " |")
    lines += ["", f"Target: speedup >= {0.8 * args.slots:.1f} (0.8 x {args.slots} slots) for n >= 16. Measured worst: "
              + ", ".join(f"{name} {s:.2f}x" for name, s in worst.items())]
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "parallel.md").write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
