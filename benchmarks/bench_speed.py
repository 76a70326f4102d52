"""fdgrad's speed against the floor and the peers, as ratios measured in one run.

    pip install ".[bench]" && python benchmarks/bench_speed.py

For f(x) = sum(x**2) and n = 2, 10, 100, 1000 and 10000 (central differences)
this times, on this machine and in this run:

* floor       - 2n bare calls of the Python f: the least any gradient of it costs
* compiled    - fdgrad.gradient(f, x) (fdgrad.BACKEND must be "c")
* pure        - fdgrad.fallback.gradient(f, x)
* textbook    - the seeds' numerical_gradient loop
* scipy       - scipy.optimize approx_derivative, 3-point
* numdifftools- numdifftools.Gradient (n <= 1000: beyond, minutes)
* numba njit  - a @njit central-difference loop over an @njit f: the native reference
* native x1/x2- fdgrad.gradient of the same f as a numba @cfunc, workers=1 and 2
* vectorized  - fdgrad.gradient of f over stacks of points, vectorized=True

and a cheap pure-Python f at n = 2 (x[0]*x[0] + x[1]*x[1]).  It prints a
Markdown table, writes it and a log-log plot of time against n to --out, and
prints the issue's targets as measured ratios.  Times are medians; the
machine may be shared, so read the ratios.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tracemalloc
from pathlib import Path

import numpy as np

import fdgrad
import fdgrad.fallback
from fdgrad.testing.textbook import numerical_gradient as textbook

from _timing import fmt, interleaved

SIZES = (2, 10, 100, 1000, 10000)
BATCH = 64 * 2**20


def f(x):
    return np.sum(x**2)


def stacked(X):
    return np.sum(X**2, axis=-1)


def cheap(x):
    return x[0] * x[0] + x[1] * x[1]


def peers():
    """The optional peers that are installed, by name."""
    found = {}
    try:
        from scipy.optimize._numdiff import approx_derivative

        found["scipy"] = lambda func, x: approx_derivative(func, x, method="3-point")
    except ImportError:
        pass
    try:
        import numdifftools as nd

        found["numdifftools"] = lambda func, x: nd.Gradient(func)(x)
    except ImportError:
        pass
    try:
        import numba

        @numba.njit(cache=False)
        def nb_f(x):
            s = 0.0
            for v in x:
                s += v * v
            return s

        @numba.njit(cache=False)
        def nb_gradient(x, rel):
            n = x.size
            g = np.empty(n)
            for i in range(n):
                xi = x[i]
                h = rel * max(1.0, abs(xi))
                h = (xi + h) - xi
                x[i] = xi + h
                fp = nb_f(x)
                x[i] = xi - h
                fm = nb_f(x)
                x[i] = xi
                g[i] = (fp - fm) / (2.0 * h)
            return g

        @numba.cfunc("float64(int32, CPointer(float64))")
        def nb_native(n, x):
            s = 0.0
            for i in range(n):
                s += x[i] * x[i]
            return s

        found["numba njit"] = lambda x: nb_gradient(x.copy(), np.finfo(float).eps ** (1 / 3))
        found["native"] = nb_native
    except ImportError:
        pass
    return found


def measure(sizes, repeat, min_time):
    """{n: {method: [seconds per round]}} and the cheap-f times, every method of one n interleaved."""
    compiled = fdgrad  # the compiled backend: main() checks fdgrad.BACKEND == "c"
    pure = fdgrad.fallback
    have = peers()
    rows = {}
    for n in sizes:
        x = np.random.default_rng(n).uniform(-2.0, 2.0, n)
        # Central differences of sum(x**2) are exact but for rounding, eps |f| / h.
        atol = 8 * np.finfo(float).eps * float(np.sum(x**2)) / np.finfo(float).eps ** (1 / 3)

        def floor():
            for _ in range(2 * n):
                f(x)

        fns = {
            "floor": floor,
            "compiled": lambda: compiled.gradient(f, x),
            "pure": lambda: pure.gradient(f, x),
            "textbook": lambda: textbook(f, x.copy()),
            "vectorized": lambda: compiled.gradient(stacked, x, vectorized=True),
        }
        np.testing.assert_allclose(compiled.gradient(stacked, x, vectorized=True), 2 * x, rtol=0, atol=atol)
        if "scipy" in have:
            fns["scipy"] = lambda: have["scipy"](f, x)
        if "numdifftools" in have and n <= 1000:
            fns["numdifftools"] = lambda: have["numdifftools"](f, x)
        if "numba njit" in have:
            native = have["native"]
            want = compiled.gradient(native, x)
            assert np.allclose(have["numba njit"](x), want, rtol=0, atol=atol)
            assert compiled.gradient(native, x, workers=2).tobytes() == want.tobytes()
            fns["numba njit"] = lambda: have["numba njit"](x)
            fns["native x1"] = lambda: compiled.gradient(native, x)
            fns["native x2"] = lambda: compiled.gradient(native, x, workers=2)
        rows[n] = interleaved(fns, repeat if n < 10000 else max(3, repeat // 2), min_time)
        tracemalloc.start()
        compiled.gradient(stacked, x, vectorized=True, max_batch_bytes=BATCH)
        rows[n]["vectorized peak bytes"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"  n = {n}: done", file=sys.stderr)
    x2 = np.array([0.3, -1.2])
    fns = {
        "floor": lambda: [cheap(x2) for _ in range(4)],
        "compiled": lambda: compiled.gradient(cheap, x2),
        "textbook": lambda: textbook(cheap, x2.copy()),
    }
    if "scipy" in have:
        fns["scipy"] = lambda: have["scipy"](cheap, x2)
    return rows, interleaved(fns, repeat, min_time)


def time_of(samples) -> float:
    return statistics.median(samples) if isinstance(samples, list) else math.nan


def ratio(t: dict, a: str, b: str) -> float:
    """The median over rounds of t[a] / t[b]: both measured side by side in each round."""
    if a not in t or b not in t:
        return math.nan
    return statistics.median(p / q for p, q in zip(t[a], t[b]))


COLUMNS = ("floor", "compiled", "pure", "textbook", "scipy", "numdifftools", "numba njit", "native x1", "native x2",
           "vectorized")


def table(rows, cheap_t) -> str:
    out = ["Time of one gradient of f(x) = sum(x**2), central differences (median):", ""]
    out.append("| n | " + " | ".join(COLUMNS) + " |")
    out.append("|---" * (len(COLUMNS) + 1) + "|")
    for n, t in rows.items():
        out.append(f"| {n} | " + " | ".join(fmt(time_of(t.get(c))) for c in COLUMNS) + " |")
    out += ["", "Ratios (lower is better for fdgrad; x2 and vectorized are speedups):", ""]
    out.append("| n | compiled / floor | pure / floor | textbook / compiled | scipy / compiled | "
               "numdifftools / compiled | native x1 / numba njit | native x1 / x2 | Python loop / vectorized | "
               "vectorized peak MiB |")
    out.append("|---" * 10 + "|")
    for n, t in rows.items():
        def r(a, b):
            value = ratio(t, a, b)
            return "-" if math.isnan(value) else f"{value:.2f}"
        out.append(f"| {n} | {r('compiled', 'floor')} | {r('pure', 'floor')} | {r('textbook', 'compiled')} | "
                   f"{r('scipy', 'compiled')} | {r('numdifftools', 'compiled')} | {r('native x1', 'numba njit')} | "
                   f"{r('native x1', 'native x2')} | {r('compiled', 'vectorized')} | "
                   f"{t['vectorized peak bytes'] / 2**20:.2f} |")
    c = cheap_t
    out += ["", f"Cheap pure-Python f at n = 2 (x[0]*x[0] + x[1]*x[1]): floor {fmt(time_of(c['floor']))}, fdgrad "
            f"{fmt(time_of(c['compiled']))} ({ratio(c, 'compiled', 'floor'):.2f}x), textbook "
            f"{fmt(time_of(c['textbook']))} ({ratio(c, 'textbook', 'floor'):.2f}x)"
            + (f", scipy {fmt(time_of(c['scipy']))} ({ratio(c, 'scipy', 'floor'):.0f}x)." if "scipy" in c else ".")]
    return "\n".join(out)


def targets(rows, cheap_t) -> str:
    lines = ["", "The issue's targets, as measured:"]
    big = [n for n in rows if n >= 100]
    worst = max(ratio(rows[n], "compiled", "floor") for n in big) if big else math.nan
    lines.append(f"- Python callable, central, n >= 100: worst compiled / floor {worst:.3f} (target <= 1.05)")
    if 2 in rows:
        lines.append(f"- cheap scalar f = sum(x**2) at n = 2: compiled / floor {ratio(rows[2], 'compiled', 'floor'):.2f} "
                     f"(target <= 1.3); pure-Python f: {ratio(cheap_t, 'compiled', 'floor'):.2f}")
    native = [n for n in rows if "numba njit" in rows[n]]
    if native:
        lines.append("- native callback, 1 thread / numba @njit loop: " + ", ".join(
            f"n={n}: {ratio(rows[n], 'native x1', 'numba njit'):.2f}" for n in native) + " (target <= 1.2)")
        lines.append("- native f, workers=2 speedup over workers=1: " + ", ".join(
            f"n={n}: {ratio(rows[n], 'native x1', 'native x2'):.2f}" for n in native if n >= 1000)
            + " (target >= 1.8 for n >= 1000)")
    if 1000 in rows:
        t = rows[1000]
        lines.append(f"- vectorized numpy f, n = 1000: {ratio(t, 'compiled', 'vectorized'):.1f}x faster than the "
                     f"per-coordinate loop (target >= 10), peak {t['vectorized peak bytes'] / 2**20:.1f} MiB "
                     f"(bound {BATCH / 2**20:.0f} MiB)")
    return "\n".join(lines)


def plot(rows, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5.5))
    sizes = list(rows)
    for column in COLUMNS:
        points = [(n, time_of(rows[n][column])) for n in sizes if column in rows[n]]
        if points:
            ns, ts = zip(*points)
            style = "k--" if column == "floor" else "-o"
            ax.loglog(ns, ts, style, label=column, linewidth=2.5 if column == "compiled" else 1.2, markersize=4)
    ax.set_xlabel("n (coordinates)")
    ax.set_ylabel("seconds per gradient")
    ax.set_title("Gradient of sum(x**2), central differences: fdgrad and peers")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--min-time", type=float, default=0.05)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args(argv)
    if fdgrad.BACKEND != "c":
        parser.error(f"fdgrad.BACKEND is {fdgrad.BACKEND!r}, not 'c': the compiled column needs the compiled "
                     "extension (is FDGRAD_PUREPYTHON set, or was fdgrad built without a C compiler?)")
    rows, cheap_t = measure(args.sizes, args.repeat, args.min_time)
    text = table(rows, cheap_t) + "\n" + targets(rows, cheap_t) + "\n"
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "speed.md").write_text(text)
    try:
        plot(rows, args.out / "speed.png")
    except ImportError:
        print("(matplotlib is not installed: no plot)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
