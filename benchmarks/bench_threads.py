"""workers=2 against workers=1: never slower with a Python f that holds the GIL, faster where f lets go.

    python benchmarks/bench_threads.py [--quick]

A gradient of three f's, timed with workers=1 and workers=2 in turns (fastest of
the rounds each), results compared bit for bit:

* a Python f whose work is pure-Python arithmetic (it holds the GIL throughout):
  threads can only take turns; target: workers=2 <= 1.05x workers=1;
* a numpy f on large arrays (numpy releases the GIL in its loops): for information;
* a native f (ctypes, compiled here when a C compiler is at hand): target >= 1.8x
  speedup from n = 3000 (issue 21).
"""

from __future__ import annotations

import argparse
import ctypes
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import fdgrad


def python_f(p):
    """Pure-Python arithmetic over every entry: holds the GIL."""
    total = 0.0
    for value in p.tolist():
        total += value * value * 0.5 + value
    return total


def numpy_f(p, _w=np.linspace(0.1, 1.0, 200_000)):
    """numpy on a large array: the work is in numpy's loops, without the GIL."""
    return float(np.sum(np.sin(_w * p[0]) * p[-1]) + p @ p)


NATIVE = r"""
double sumsq(int n, double *x) { double s = 0.0; for (int i = 0; i < n; i++) s += x[i] * x[i] * (1.0 + 1e-3 * i); return s; }
"""


def native_f(folder):
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        return None
    src, lib = Path(folder) / "f.c", Path(folder) / "f.so"
    src.write_text(NATIVE)
    subprocess.run([cc, "-O2", "-shared", "-fPIC", str(src), "-o", str(lib)], check=True)
    f = ctypes.CDLL(str(lib)).sumsq
    f.restype, f.argtypes = ctypes.c_double, [ctypes.c_int, ctypes.POINTER(ctypes.c_double)]
    return f


def timed_pair(f, x, rounds):
    """Fastest seconds of gradient(f, x) with workers=1 and workers=2, taken in turns."""
    best = {1: float("inf"), 2: float("inf")}
    results = {}
    for _ in range(rounds):
        for workers in (1, 2):
            start = time.perf_counter()
            results[workers] = fdgrad.gradient(f, x, workers=workers)
            best[workers] = min(best[workers], time.perf_counter() - start)
    assert results[1].tobytes() == results[2].tobytes(), "workers=2 changed the result"
    return best[1], best[2]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds, smaller n")
    args = parser.parse_args(argv)
    rounds = 3 if args.quick else 7
    rng = np.random.default_rng(0)
    print(f"fdgrad {fdgrad.__version__}, backend {fdgrad.BACKEND!r}; {rounds} rounds, fastest of each\n")
    print("| f | n | workers=1 | workers=2 | workers=2 / workers=1 | target | ok |")
    print("|---|---|---|---|---|---|---|")
    missed = 0
    with tempfile.TemporaryDirectory() as folder:
        native = native_f(folder)
        rows = [("Python f holding the GIL", python_f, 400 if args.quick else 1000, "<= 1.05", lambda r: r <= 1.05),
                ("numpy f releasing the GIL", numpy_f, 20 if args.quick else 40, "-", None)]
        if native is not None:
            rows.append(("native f (ctypes)", native, 3000, "<= 0.556 (>= 1.8x)", lambda r: r <= 1 / 1.8))
        for label, f, n, target, ok in rows:
            x = rng.uniform(-1.0, 1.0, n)
            one, two = timed_pair(f, x, rounds)
            ratio = two / one
            verdict = "-" if ok is None else ("pass" if ok(ratio) else "FAIL")
            missed += verdict == "FAIL"
            print(f"| {label} | {n} | {one * 1e3:.2f} ms | {two * 1e3:.2f} ms | {ratio:.3f} | {target} | {verdict} |")
    print("\nEvery target met." if not missed else f"\n{missed} of the targets missed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
