"""bounds=, progress= and a descent that stops, against what a user would otherwise write.

Usage: python benchmarks/bench_options.py [--quick]

* ``gradient(f, x, bounds=(lb, ub))`` against SciPy's ``approx_derivative(f, x,
  bounds=(lb, ub))`` (3-point), with x half on its bounds, n = 100: the same
  rule (one-sided of the same order at a bound), target <= 0.8x SciPy's time.
* ``progress=callback`` against no progress, on a gradient of n = 1000 with a
  cheap f (the worst case for its overhead, a call per evaluation): reported,
  target <= 1.5x (an f worth a progress bar costs far more than the count).
* ``gradient_descent(..., tol=, full_output=True)`` against the textbook's loop
  with a norm check by hand (numerical_gradient, ``np.linalg.norm``, break),
  n = 2 for 1000 steps at most: target <= 1.0x.

Ratios are medians over rounds in which the two are timed in turns.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import fmt, interleaved  # noqa: E402

import fdgrad  # noqa: E402


def sines(x: np.ndarray) -> float:
    return float(np.sum(np.sin(x) * x))


def bowl(x: np.ndarray) -> float:
    return float(x[0] ** 2 + 3.0 * x[1] ** 2)


def textbook_numerical_gradient(f, x):
    h = 1e-4
    grad = np.zeros_like(x)
    for idx in range(x.size):
        tmp_val = x[idx]
        x[idx] = float(tmp_val) + h
        fxh1 = f(x)
        x[idx] = tmp_val - h
        fxh2 = f(x)
        grad[idx] = (fxh1 - fxh2) / (2 * h)
        x[idx] = tmp_val
    return grad


def textbook_descent_with_tol(f, init_x, lr, step_num, tol):
    x = init_x.copy()
    for _ in range(step_num):
        grad = textbook_numerical_gradient(f, x)
        if np.linalg.norm(grad) < tol:
            break
        x -= lr * grad
    return x


def ratio(times: dict, ours: str, theirs: str) -> float:
    return statistics.median(a / b for a, b in zip(times[ours], times[theirs]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter samples")
    options = parser.parse_args(argv)
    repeat, min_time = (3, 0.02) if options.quick else (7, 0.1)
    from scipy.optimize._numdiff import approx_derivative

    rows = []
    n = 100
    x = np.linspace(0.0, 1.0, n)
    lb, ub = np.where(np.arange(n) % 2 == 0, x, -1.0), np.where(np.arange(n) % 2 == 1, x, 2.0)  # half on a bound
    ours = fdgrad.gradient(sines, x, bounds=(lb, ub))
    theirs = approx_derivative(sines, x, method="3-point", bounds=(lb, ub))
    t = interleaved({"fdgrad": lambda: fdgrad.gradient(sines, x, bounds=(lb, ub)),
                     "scipy": lambda: approx_derivative(sines, x, method="3-point", bounds=(lb, ub))},
                    repeat=repeat, min_time=min_time)
    r = ratio(t, "fdgrad", "scipy")
    rows.append(("`gradient(f, x, bounds=)`, n = 100, half on a bound", "SciPy approx_derivative(bounds=)",
                 statistics.median(t["fdgrad"]), statistics.median(t["scipy"]), r, 0.8,
                 f"max difference {np.max(np.abs(ours - theirs)):.1e}"))

    x = np.linspace(-1.0, 1.0, 1000)
    t = interleaved({"progress": lambda: fdgrad.gradient(sines, x, progress=lambda done, total: None),
                     "plain": lambda: fdgrad.gradient(sines, x)}, repeat=repeat, min_time=min_time)
    rows.append(("`gradient(f, x, progress=callback)`, n = 1000", "the same without progress",
                 statistics.median(t["progress"]), statistics.median(t["plain"]), ratio(t, "progress", "plain"), 1.5,
                 "a callback per evaluation"))

    start = np.array([-3.0, 4.0])
    x_ours, info = fdgrad.gradient_descent(bowl, start, lr=0.1, step_num=1000, h=1e-4, tol=1e-6, full_output=True)
    x_hand = textbook_descent_with_tol(bowl, start, 0.1, 1000, 1e-6)
    t = interleaved({"fdgrad": lambda: fdgrad.gradient_descent(bowl, start, lr=0.1, step_num=1000, h=1e-4, tol=1e-6,
                                                               full_output=True),
                     "hand": lambda: textbook_descent_with_tol(bowl, start, 0.1, 1000, 1e-6)},
                    repeat=repeat, min_time=min_time)
    rows.append((f"`gradient_descent(..., tol=1e-6, full_output=True)`, {info.nit} steps",
                 "textbook loop + norm check", statistics.median(t["fdgrad"]), statistics.median(t["hand"]),
                 ratio(t, "fdgrad", "hand"), 1.0, f"same iterate: {bool(np.array_equal(x_ours, x_hand))}"))

    print("| call | reference | fdgrad | reference | ratio | target | ok | note |")
    print("|---|---|---|---|---|---|---|---|")
    missed = 0
    for label, ref, ours_t, ref_t, r, target, note in rows:
        ok = r <= target
        missed += not ok
        print(f"| {label} | {ref} | {fmt(ours_t)} | {fmt(ref_t)} | {r:.2f}x | <= {target}x | "
              f"{'pass' if ok else 'FAIL'} | {note} |")
    print("\n" + (f"{missed} of the targets missed." if missed else "Every target met."))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
