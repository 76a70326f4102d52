"""``python -m fdgrad bench``: fdgrad against its peers on your machine.

Speed: a gradient of ``sum(x**2 + sin x)`` at n = 2, 10, 100 and 1000 by
fdgrad, by the textbook's ``numerical_gradient`` loop, by SciPy's
``approx_derivative`` (3-point) and by numdifftools' ``Gradient``, and the
textbook's ``numerical_diff`` against fdgrad's; each peer's time over
fdgrad's, measured in turns within one run (a shared machine's load changes
from second to second, so ratios, not times, are what carry over).

Accuracy: first derivatives of 50 functions at points from 1e-8 to 1e9
(``fdgrad.testing.cases.CASES``): median and worst relative error of the
textbook's central difference (h = 1e-4), fdgrad's default and adaptive
ones, ``scipy.differentiate.derivative`` and numdifftools' ``Derivative``.

Only the peers that are installed are measured.  The table goes to stdout;
``--out DIR`` also writes ``bench.png`` (needs matplotlib) and ``bench.md``.
"""

from __future__ import annotations

import math
import statistics
import time
import warnings
from pathlib import Path
from typing import Any, Callable, Optional

import numpy as np

import fdgrad
from fdgrad.testing import textbook
from fdgrad.testing.cases import CASES

__all__ = ["fmt", "interleaved", "loops", "run", "sample"]


def objective(x: np.ndarray) -> float:
    return float(np.sum(x * x + np.sin(x)))


def loops(fn: Callable[[], Any], min_time: float) -> tuple[int, float]:
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


def sample(fn: Callable[[], Any], number: int) -> float:
    """Seconds per call of fn over number calls."""
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number


def interleaved(fns: dict, repeat: int = 5, min_time: float = 0.05) -> dict:
    """Per-call times of several callables, sampled round-robin.

    Each callable gets a loop count that makes one sample last min_time; then
    `repeat` rounds take one sample of each in turn, so that every callable
    sees the same machine (a shared machine's load changes from second to
    second).  Returns {name: [seconds per call, one per round]}."""
    numbers = {name: loops(fn, min_time)[0] for name, fn in fns.items()}
    samples: dict = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            samples[name].append(sample(fn, numbers[name]))
    return samples


def _peers() -> dict:
    """The installed peers: name -> module."""
    found = {}
    try:
        from scipy.optimize._numdiff import approx_derivative

        found["scipy"] = approx_derivative
    except ImportError:
        pass
    try:
        import numdifftools

        found["numdifftools"] = numdifftools
    except ImportError:
        pass
    try:
        from scipy.differentiate import derivative as scipy_derivative

        found["scipy.differentiate"] = scipy_derivative
    except ImportError:
        pass
    return found


def fmt(seconds: float) -> str:
    """A time with a unit: 1.23 ms."""
    if seconds != seconds:  # NaN: not measured
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def speed(quick: bool) -> list[dict]:
    """Rows: call, n, fdgrad's time, and each peer's time and ratio to fdgrad's."""
    peers = _peers()
    repeat, min_time = (3, 0.02) if quick else (5, 0.1)
    rows = []
    x1 = 5.0
    fns: dict = {"fdgrad": lambda: fdgrad.numerical_diff(lambda x: 0.01 * x**2 + 0.1 * x, x1),
                 "textbook": lambda: textbook.numerical_diff(lambda x: 0.01 * x**2 + 0.1 * x, x1)}
    rows.append(("numerical_diff(f, 5)", 1, interleaved(fns, repeat, min_time)))
    for n in (2, 10, 100, 1000):
        x = np.linspace(-1.0, 1.0, n)
        fns = {"fdgrad": lambda x=x: fdgrad.gradient(objective, x),
               "textbook": lambda x=x: textbook.numerical_gradient(objective, x.copy())}
        if "scipy" in peers:
            fns["scipy"] = lambda x=x: peers["scipy"](objective, x, method="3-point")
        if "numdifftools" in peers and (n <= 100 or not quick):
            gradient = peers["numdifftools"].Gradient(objective)
            fns["numdifftools"] = lambda x=x, g=gradient: g(x)
        rows.append((f"gradient(f, x)", n, interleaved(fns, repeat, min_time)))
    table = []
    for call, n, samples in rows:
        ours = statistics.median(samples["fdgrad"])
        row = {"call": call, "n": n, "fdgrad": ours}
        for name, times in samples.items():
            if name != "fdgrad":
                row[name] = (statistics.median(times),
                             statistics.median(t / f for t, f in zip(times, samples["fdgrad"])))
        table.append(row)
    return table


class _Counted:
    """f, counting the points it is evaluated at (an array of points counts each)."""

    def __init__(self, f: Callable[[Any], Any]) -> None:
        self.f, self.points = f, 0

    def __call__(self, x: Any) -> Any:
        self.points += int(np.size(x))
        return self.f(x)


def accuracy() -> dict:
    """method -> (median relative error, worst, median evaluations, cases over 1e-6)."""
    peers = _peers()
    methods: dict = {
        "textbook central, h = 1e-4": lambda f, x: textbook.numerical_diff(f, x),
        "fdgrad default (central, scaled step)": lambda f, x: fdgrad.derivative(f, x),
        "fdgrad adaptive=True": lambda f, x: fdgrad.derivative(f, x, adaptive=True),
    }
    if "scipy.differentiate" in peers:
        methods["scipy.differentiate.derivative"] = lambda f, x: float(peers["scipy.differentiate"](f, x).df)
    if "numdifftools" in peers:
        methods["numdifftools Derivative"] = lambda f, x: float(peers["numdifftools"].Derivative(f)(x))
    results = {}
    for name, method in methods.items():
        errors, counts = [], []
        for case in CASES:
            truth = float(case.df(case.x))
            counted = _Counted(case.f)
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                try:
                    value = float(method(counted, case.x))
                except Exception:  # noqa: BLE001 - a peer failing on a case counts as a failure
                    value = math.nan
            error = abs(value - truth) / max(abs(truth), 1e-300)
            errors.append(error if math.isfinite(error) else math.inf)
            counts.append(counted.points)
        results[name] = (statistics.median(errors), max(errors), statistics.median(counts),
                         sum(e > 1e-6 for e in errors))
    return results


def markdown(table: list[dict], acc: dict) -> str:
    peers = [name for name in ("textbook", "scipy", "numdifftools") if any(name in row for row in table)]
    lines = [f"# fdgrad {fdgrad.__version__} (backend {fdgrad.BACKEND!r}) against its peers", "",
             "## Speed: each peer's time over fdgrad's (above 1: fdgrad is faster)", "",
             "| call | n | fdgrad | " + " | ".join(peers) + " |", "|---|---|---|" + "---|" * len(peers)]
    for row in table:
        cells = [f"{fmt(row[p][0])} ({row[p][1]:.2f}x)" if p in row else "-" for p in peers]
        lines.append(f"| `{row['call']}` | {row['n']} | {fmt(row['fdgrad'])} | " + " | ".join(cells) + " |")
    lines += ["", f"## Accuracy: first derivatives of {len(CASES)} functions, |x| from 1e-8 to 1e9", "",
              "| method | median relative error | worst | cases over 1e-6 | evaluations |", "|---|---|---|---|---|"]
    for name, (median, worst, count, failures) in acc.items():
        lines.append(f"| {name} | {median:.1e} | {worst:.1e} | {failures} of {len(CASES)} | {count:g} |")
    return "\n".join(lines)


def plot(table: list[dict], acc: dict, path: Path) -> None:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 4.5), layout="constrained")
    left, right = fig.subplots(1, 2)
    peers = [name for name in ("textbook", "scipy", "numdifftools") if any(name in row for row in table)]
    grads = [row for row in table if row["call"].startswith("gradient")]
    width = 0.8 / max(1, len(peers))
    for k, peer in enumerate(peers):
        xs = [i + k * width for i, row in enumerate(grads) if peer in row]
        ys = [row[peer][1] for row in grads if peer in row]
        left.bar(xs, ys, width, label=peer)
    left.axhline(1.0, color="k", linewidth=0.8)
    left.set_yscale("log")
    left.set_xticks([i + width * (len(peers) - 1) / 2 for i in range(len(grads))], [f"n = {r['n']}" for r in grads])
    left.set_ylabel("peer's time / fdgrad's time")
    left.set_title("gradient: how much slower the peers are")
    left.legend()
    names = list(acc)
    right.barh(range(len(names)), [max(min(acc[n][0], 1e3), 1e-17) for n in names], label="median")
    right.barh([i + 0.4 for i in range(len(names))], [max(min(acc[n][1], 1e3), 1e-17) for n in names], 0.4,
               label="worst (capped at 1e3)")
    right.set_yticks(range(len(names)), names)
    right.set_xscale("log")
    right.set_xlabel("relative error")
    right.set_title(f"first derivatives of {len(CASES)} functions")
    right.legend()
    fig.savefig(path, dpi=100)


def _committed_results() -> Optional[Path]:
    """benchmarks/results of a source checkout fdgrad runs from (never written by this command)."""
    root = Path(fdgrad.__file__).resolve().parents[2]
    results = root / "benchmarks" / "results"
    return results.resolve() if results.is_dir() else None


def run(quick: bool = False, out: Optional[str] = None, echo: Callable[[str], None] = print) -> str:
    """Measure, print the Markdown table, and with out write bench.md and bench.png there."""
    target = None
    if out is not None:
        target = Path(out).resolve()
        committed = _committed_results()
        if committed is not None and (target == committed or committed in target.parents):
            raise SystemExit(f"--out {out} is the repository's committed benchmarks/results: choose another folder")
    started = time.perf_counter()
    table = speed(quick)
    acc = accuracy()
    text = markdown(table, acc) + f"\n\nMeasured in {time.perf_counter() - started:.0f} s" + \
        (" (--quick)." if quick else ".")
    echo(text)
    if target is not None:
        target.mkdir(parents=True, exist_ok=True)
        (target / "bench.md").write_text(text + "\n")
        try:
            plot(table, acc, target / "bench.png")
        except ImportError:
            echo(f'\n(bench.png needs matplotlib: pip install "fdgrad[plot]"; wrote {target / "bench.md"})')
        else:
            echo(f"\nwrote {target / 'bench.md'} and {target / 'bench.png'}")
    return text
