"""Speed of fdgrad.gradient against the textbook loop and the floor.

For n = 2, 100 and 1000 and f(x) = sum(x**2), central differences, this times
in one run, on one machine:

* floor     - 2n bare calls of f: the least any gradient of a Python f costs;
* textbook  - the seeds' numerical_gradient loop (h = 1e-4);
* compiled  - fdgrad.gradient with the C kernels (fdgrad.BACKEND must be "c");
* pure      - fdgrad.fallback.gradient, the pure-Python twin;

and prints the median times and their ratios as a Markdown table.  Times are
medians of several samples, each long enough (>= --min-time) to swamp the
clock's resolution; run it on a quiet machine and compare ratios, not times.

    python benchmarks/bench_gradient.py [--sizes 2 100 1000] [--repeat 7]
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

import fdgrad
import fdgrad.fallback
from fdgrad.testing.textbook import numerical_gradient as textbook_numerical_gradient

from _timing import fmt, median_time


def f(x):
    return np.sum(x**2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2, 100, 1000])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--min-time", type=float, default=0.05)
    args = parser.parse_args(argv)

    if fdgrad.BACKEND != "c":
        parser.error(f"fdgrad.BACKEND is {fdgrad.BACKEND!r}, not 'c': the compiled column needs the compiled "
                     "extension (is FDGRAD_PUREPYTHON set, or was fdgrad built without a C compiler?)")
    compiled = fdgrad
    pure = fdgrad.fallback

    rows = []
    for n in args.sizes:
        x = np.random.default_rng(n).uniform(-2.0, 2.0, n)
        two_n = 2 * n

        def floor() -> None:
            for _ in range(two_n):
                f(x)

        np.testing.assert_allclose(compiled.gradient(f, x), 2 * x, rtol=1e-6, atol=1e-8)
        assert np.array_equal(compiled.gradient(f, x), pure.gradient(f, x))
        times = {
            "floor": median_time(floor, args.repeat, args.min_time),
            "textbook": median_time(lambda: textbook_numerical_gradient(f, x), args.repeat, args.min_time),
            "compiled": median_time(lambda: compiled.gradient(f, x), args.repeat, args.min_time),
            "pure": median_time(lambda: pure.gradient(f, x), args.repeat, args.min_time),
        }
        rows.append((n, times))

    print(f"fdgrad.gradient, f(x) = sum(x**2), central differences; median of {args.repeat} samples\n")
    print("| n | floor (2n calls) | textbook loop | fdgrad compiled | fdgrad pure "
          "| compiled / floor | pure / floor | textbook / floor | textbook / compiled |")
    print("|---|---|---|---|---|---|---|---|---|")
    for n, t in rows:
        print(
            f"| {n} | {fmt(t['floor'])} | {fmt(t['textbook'])} | {fmt(t['compiled'])} | {fmt(t['pure'])} "
            f"| {t['compiled'] / t['floor']:.2f}x | {t['pure'] / t['floor']:.2f}x "
            f"| {t['textbook'] / t['floor']:.2f}x | {t['textbook'] / t['compiled']:.2f}x |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
