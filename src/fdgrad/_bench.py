"""``python -m fdgrad bench``: fdgrad against its peers on your machine, like with like.

Every comparison puts methods of one kind side by side, each with its time,
its error against the exact gradient and its evaluations of f:

* fixed step (two evaluations per coordinate): fdgrad's default central
  gradient, the textbook's ``numerical_gradient`` loop
  (``fdgrad.testing.textbook``) and SciPy's ``approx_derivative`` (3-point);
* adaptive (a sequence of steps and an extrapolation, 10 to 30 evaluations
  per coordinate): ``fdgrad.gradient(..., adaptive=True)``, numdifftools'
  ``Gradient`` and ``scipy.differentiate.jacobian``;

each a gradient of ``sum(x**2 + sin x)`` at n = 2, 10, 100 and 1000, its time
over fdgrad's of the same kind measured in turns within one run (a shared
machine's load changes from second to second, so ratios, not times, are what
carry over).  Then first derivatives of 50 functions at points from 1e-8 to
1e9 (``fdgrad.testing.cases.CASES``): median and worst relative error of each
method, in columns labelled fixed or adaptive.

A peer that is not installed is named, with how to install it, and every
"-" in a table is explained in a footnote under it.  The tables go to
stdout; ``--out DIR`` also writes ``bench.md`` and ``bench.png`` (needs
matplotlib).
"""

from __future__ import annotations

import math
import statistics
import time
import warnings
from pathlib import Path
from typing import Any, Callable, NamedTuple, Optional

import numpy as np

import fdgrad
from fdgrad.testing import textbook
from fdgrad.testing.cases import CASES

__all__ = ["ADAPTIVE", "CASE_METHODS", "FIXED", "PEERS", "SIZES", "fmt", "interleaved", "loops", "run", "sample"]

#: The sizes of the gradients timed.
SIZES = (2, 10, 100, 1000)

_BENCH = 'pip install "fdgrad[bench]"'

#: The peers, by their key in _peers(): (what is measured, what it needs beyond the bench extra, or None).
PEERS: dict[str, tuple[str, Optional[tuple[str, str]]]] = {
    "scipy": ("SciPy's approx_derivative", None),
    "scipy.differentiate": ("scipy.differentiate", ("scipy>=1.15", "SciPy 1.15 or later, on Python 3.10 or later")),
    "numdifftools": ("numdifftools", None),
}


def _install(keys: list) -> str:
    """The command that installs the given peers (keys of PEERS), and what they need."""
    needs = [(name, need) for name, need in (PEERS[key] for key in keys) if need is not None]
    command = " ".join([_BENCH] + [f'"{requirement}"' for _, (requirement, _) in needs])
    return f"`{command}`" + "".join(f" ({name} needs {why})" for name, (_, why) in needs)


def objective(x: np.ndarray) -> float:
    return float(np.sum(x * x + np.sin(x)))


def exact_gradient(x: np.ndarray) -> np.ndarray:
    return 2 * x + np.cos(x)


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
    """The installed peers: key of PEERS -> what is called (a function or a module)."""
    found: dict = {}
    try:
        from scipy.optimize._numdiff import approx_derivative

        found["scipy"] = approx_derivative
    except ImportError:
        pass
    try:
        import scipy.differentiate

        found["scipy.differentiate"] = scipy.differentiate
    except ImportError:
        pass
    try:
        import numdifftools

        found["numdifftools"] = numdifftools
    except ImportError:
        pass
    return found


def missing_line(peers: dict) -> Optional[str]:
    """The sentence naming the peers that are not installed and how to get them; None if none is missing."""
    missing = [key for key in PEERS if key not in peers]
    if not missing:
        return None
    return (f"Not installed, so not measured: {', '.join(PEERS[key][0] for key in missing)}. "
            f"To measure {'it' if len(missing) == 1 else 'them'}: {_install(missing)}.")


def fmt(seconds: float) -> str:
    """A time with a unit: 1.23 ms."""
    if seconds != seconds:  # NaN: not measured
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


class _Counted:
    """f, counting its calls and the points it is evaluated at (an array of points counts each)."""

    def __init__(self, f: Callable[[Any], Any]) -> None:
        self.f, self.calls, self.points = f, 0, 0

    def __call__(self, x: Any) -> Any:
        self.calls += 1
        self.points += int(np.size(x))
        return self.f(x)


class _Pointwise:
    """A scalar f of a vector for scipy.differentiate, which calls f with an array of points, shape
    (n, ...): f at each point in turn, as every other method evaluates it."""

    def __init__(self, f: Callable[[np.ndarray], float]) -> None:
        self.f = f

    def __call__(self, xi: np.ndarray) -> np.ndarray:
        xi = np.asarray(xi)
        points = xi.reshape(xi.shape[0], -1)
        return np.array([self.f(points[:, j]) for j in range(points.shape[1])]).reshape(xi.shape[1:])


class Method(NamedTuple):
    key: str  # "fdgrad", or a peer's key ("textbook" needs nothing)
    label: str  # in the tables (Markdown)
    short: str  # in the plot
    peer: Optional[str]  # the key of PEERS it needs; None: always there
    make: Callable[[dict, Callable[[Any], Any]], Callable[[Any], Any]]  # (peers, f) -> the derivative at x


FIXED = (
    Method("fdgrad", "fdgrad `gradient(f, x)`", "fdgrad gradient", None,
           lambda peers, f: lambda x: fdgrad.gradient(f, x)),
    Method("textbook", "textbook `numerical_gradient(f, x)`, h = 1e-4", "textbook numerical_gradient", None,
           lambda peers, f: lambda x: textbook.numerical_gradient(f, x.copy())),
    Method("scipy", "SciPy `approx_derivative(f, x, method='3-point')`", "SciPy approx_derivative 3-point",
           "scipy", lambda peers, f: lambda x: peers["scipy"](f, x, method="3-point")),
)

ADAPTIVE = (
    Method("fdgrad", "fdgrad `gradient(f, x, adaptive=True)`", "fdgrad gradient adaptive", None,
           lambda peers, f: lambda x: fdgrad.gradient(f, x, adaptive=True)),
    Method("numdifftools", "numdifftools `Gradient(f)(x)`", "numdifftools Gradient", "numdifftools",
           lambda peers, f: peers["numdifftools"].Gradient(f)),
    Method("scipy.differentiate", "SciPy `differentiate.jacobian(f, x).df`", "scipy.differentiate.jacobian",
           "scipy.differentiate",
           lambda peers, f: lambda x: peers["scipy.differentiate"].jacobian(_Pointwise(f), x).df),
)

#: The first-derivative methods over CASES, each with its kind.
CASE_METHODS = (
    ("fixed", Method("textbook", "textbook `numerical_diff`, h = 1e-4", "textbook numerical_diff", None,
                     lambda peers, f: lambda x: textbook.numerical_diff(f, x))),
    ("fixed", Method("fdgrad", "fdgrad `derivative` (default)", "fdgrad derivative", None,
                     lambda peers, f: lambda x: fdgrad.derivative(f, x))),
    ("fixed", Method("scipy", "SciPy `approx_derivative` 3-point", "SciPy approx_derivative 3-point", "scipy",
                     lambda peers, f: lambda x: np.ravel(peers["scipy"](lambda v: f(v[0]), x, method="3-point"))[0])),
    ("adaptive", Method("fdgrad", "fdgrad `derivative(adaptive=True)`", "fdgrad derivative adaptive", None,
                        lambda peers, f: lambda x: fdgrad.derivative(f, x, adaptive=True))),
    ("adaptive", Method("scipy.differentiate", "`scipy.differentiate.derivative`", "scipy.differentiate.derivative",
                        "scipy.differentiate",
                        lambda peers, f: lambda x: peers["scipy.differentiate"].derivative(f, x).df)),
    ("adaptive", Method("numdifftools", "numdifftools `Derivative`", "numdifftools Derivative", "numdifftools",
                        lambda peers, f: peers["numdifftools"].Derivative(f))),
)


def _not_installed(peer: str) -> str:
    return f"{PEERS[peer][0]} is not installed: {_install([peer])}"


def _quietly(fn: Callable[[], Any]) -> Any:
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return fn()


def gradients(methods: tuple, peers: dict, quick: bool) -> list[dict]:
    """One row per size and method: the error (max |g - exact| / max |exact|), the evaluations of f
    (counted in a call of their own), the time and its ratio to the first method's, measured in turns;
    "reason" says why a row was not measured."""
    repeat, min_time = (3, 0.02) if quick else (5, 0.1)
    rows = []
    for n in SIZES:
        x = np.linspace(-1.0, 1.0, n)
        exact = exact_gradient(x)
        fns, measured = {}, []
        for method in methods:
            row = {"n": n, "method": method, "reason": None}
            rows.append(row)
            if method.peer is not None and method.peer not in peers:
                row["reason"] = _not_installed(method.peer)
                continue
            counted = _Counted(objective)
            try:
                value = np.asarray(_quietly(lambda: method.make(peers, counted)(x.copy())), dtype=float)
            except Exception as exc:  # noqa: BLE001 - a peer failing is reported, not fatal
                row["reason"] = f"{method.short} raised {type(exc).__name__}: {' '.join(str(exc).split())[:80]}"
                continue
            row["error"] = float(np.max(np.abs(value.ravel() - exact)) / np.max(np.abs(exact)))
            row["evaluations"] = counted.calls
            fns[method.key] = (lambda make=method.make(peers, objective), x=x: make(x))
            measured.append(row)
        samples = interleaved(fns, repeat, min_time)
        reference = samples[methods[0].key]
        for row in measured:
            times = samples[row["method"].key]
            row["seconds"] = statistics.median(times)
            row["ratio"] = statistics.median(t / r for t, r in zip(times, reference))
    return rows


def accuracy(peers: dict) -> list[dict]:
    """Over CASES, one entry per CASE_METHODS: kind, method, median and worst relative error, the worst
    case, cases over 1e-6, evaluations (median, least, most); or a reason it was not measured."""
    results = []
    for kind, method in CASE_METHODS:
        entry: dict = {"kind": kind, "method": method, "reason": None}
        results.append(entry)
        if method.peer is not None and method.peer not in peers:
            entry["reason"] = _not_installed(method.peer)
            continue
        errors, counts = [], []
        for case in CASES:
            truth = float(case.df(case.x))
            counted = _Counted(case.f)
            try:
                value = float(_quietly(lambda: method.make(peers, counted)(case.x)))
            except Exception:  # noqa: BLE001 - a method failing on a case counts as a failure
                value = math.nan
            error = abs(value - truth) / max(abs(truth), 1e-300)
            errors.append(error if math.isfinite(error) else math.inf)
            counts.append(counted.points)
        worst = max(range(len(CASES)), key=errors.__getitem__)
        entry.update(median=statistics.median(errors), worst=errors[worst], worst_case=CASES[worst].name,
                     failures=sum(e > 1e-6 for e in errors), evaluations=(statistics.median(counts), min(counts),
                                                                          max(counts)))
    return results


class _Notes:
    """The footnotes of one table: each reason a cell is "-" gets a letter, "- (a)"."""

    def __init__(self) -> None:
        self.reasons: list[str] = []

    def dash(self, reason: str) -> str:
        if reason not in self.reasons:
            self.reasons.append(reason)
        return f"- ({chr(ord('a') + self.reasons.index(reason))})"

    def lines(self) -> list[str]:
        return [f"* - ({chr(ord('a') + k)}): {reason}." for k, reason in enumerate(self.reasons)]


def _gradient_table(rows: list[dict], reference: str) -> list[str]:
    notes = _Notes()
    lines = [f"| n | method | time per gradient | time / {reference}'s | error | evaluations (per coordinate) |",
             "|---|---|---|---|---|---|"]
    for row in rows:
        if row["reason"] is None:
            n = row["n"]
            cells = [fmt(row["seconds"]), f"{row['ratio']:.2f}x", f"{row['error']:.1e}",
                     f"{row['evaluations']} ({row['evaluations'] / n:.3g})"]
        else:
            cells = [notes.dash(row["reason"])] * 4
        lines.append(f"| {row['n']} | {row['method'].label} | " + " | ".join(cells) + " |")
    return lines + ([""] + notes.lines() if notes.reasons else [])


def _evaluations(counts: tuple, unit: str = "") -> str:
    """Evaluations over CASES: the median, with the range where they differ ("11 (9 to 27)")."""
    median, least, most = counts
    return f"{median:g}{unit}" + ("" if least == most else f" ({least:g} to {most:g})")


def _case_table(acc: list[dict]) -> list[str]:
    notes = _Notes()
    rows = {"median relative error": lambda e: f"{e['median']:.1e}",
            "worst relative error": lambda e: f"{e['worst']:.1e}",
            "worst case": lambda e: e["worst_case"],
            f"cases over 1e-6 (of {len(CASES)})": lambda e: str(e["failures"]),
            "evaluations (median, range)": lambda e: _evaluations(e["evaluations"])}
    lines = ["| | " + " | ".join(f"{e['kind']}: {e['method'].label}" for e in acc) + " |",
             "|---|" + "---|" * len(acc)]
    for name, cell in rows.items():
        lines.append(f"| {name} | " + " | ".join(cell(e) if e["reason"] is None else notes.dash(e["reason"])
                                                  for e in acc) + " |")
    lines += ["", "* inf: the method returned NaN or inf, or raised, on the worst case."] \
        if any(e["reason"] is None and e["worst"] == math.inf for e in acc) else []
    if notes.reasons:
        lines += ([] if lines[-1].startswith("*") else [""]) + notes.lines()
    return lines


_X = "`x = linspace(-1, 1, n)`"


def markdown(fixed: list[dict], adaptive: list[dict], acc: list[dict], peers: dict) -> str:
    missing = missing_line(peers)
    lines = [f"# fdgrad {fdgrad.__version__} (backend {fdgrad.BACKEND!r}) against its peers", ""]
    lines += [missing, ""] if missing else []
    lines += [f"Gradients of `f(x) = sum(x**2 + sin x)` at {_X}; error: `max |g - exact| / max |exact|` "
              "against the exact gradient `2 x + cos x`; evaluations: calls of f for one gradient. "
              "Times are medians of samples taken in turns; the ratio is the method's time over fdgrad's in "
              "the same section (above 1: fdgrad is faster). Compare within a section: a fixed step and an "
              "adaptive method do different work.", "",
              "## Fixed step: central differences, 2 evaluations per coordinate (SciPy's also f(x))", "",
              *_gradient_table(fixed, "fdgrad"), "",
              "## Adaptive: several steps and an extrapolation, with an error estimate", "",
              *_gradient_table(adaptive, "fdgrad adaptive"), "",
              *(["* scipy.differentiate calls f with arrays of points; it gets the same scalar f, evaluated at "
                 "those points one by one (a vectorized f would make it faster).", ""]
                if "scipy.differentiate" in peers else []),
              f"## First derivatives of {len(CASES)} functions (`fdgrad.testing.cases.CASES`), "
              "|x| from 1e-8 to 1e9", "",
              "Compare fixed columns with fixed columns and adaptive with adaptive.", "",
              *_case_table(acc)]
    return "\n".join(lines)


def _mathtext_number(value: float) -> str:
    """1.7e-09 as $1.7\\times10^{-9}$."""
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    exponent = math.floor(math.log10(abs(value)))
    return rf"${value / 10**exponent:.2g}\times10^{{{exponent}}}$"


def _per_coordinate(rows: list[dict]) -> str:
    """The least and the most evaluations per coordinate of the rows measured: "2 to 2.5"."""
    counts = [row["evaluations"] / row["n"] for row in rows if row["reason"] is None]
    return f"{min(counts):.3g} to {max(counts):.3g}" if counts else "no"


def _speed_panel(ax: Any, rows: list[dict], title: str) -> None:
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    methods = list(dict.fromkeys(row["method"] for row in rows))
    reference, peers = methods[0], methods[1:]
    measured = [row for row in rows if row["reason"] is None]
    worst = {m: max((r["error"] for r in measured if r["method"] == m), default=math.nan) for m in methods}
    width = 0.8 / max(1, len(peers))
    ratios = [1.0]
    for k, method in enumerate(peers):
        mine = [(SIZES.index(r["n"]), r["ratio"]) for r in measured if r["method"] == method]
        label = f"{method.short}, error $\\leq$ {_mathtext_number(worst[method])}"
        if not mine:
            ax.plot([], [], " ", label=f"{method.short}: not measured (see the tables)")
            continue
        xs = [i - 0.4 + width * (k + 0.5) for i, _ in mine]
        ys = [ratio for _, ratio in mine]
        bars = ax.bar(xs, [y - 1 for y in ys], width, bottom=1, label=label, color=f"C{k}")
        ax.bar_label(bars, [f"{y:.3g}" for y in ys], fontsize=7, padding=1)
        ratios += ys
    ax.axhline(1.0, color="k", linewidth=1.0,
               label=f"{reference.short} = 1 (the reference), error $\\leq$ {_mathtext_number(worst[reference])}")
    ax.set_yscale("log")
    bottom, top = min(0.8, min(ratios) / 1.25), max(2.0, max(ratios) * 1.4)
    ax.set_ylim(bottom, top)
    # Labelled ticks at 1, 2, 5 per decade; on a range of less than a decade and a half, at 1, 1.5, 2, 3, 4, 5, 7.
    subs = (1.0, 2.0, 5.0) if top / bottom > 30 else (1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 7.0)
    ax.yaxis.set_major_locator(LogLocator(base=10, subs=subs))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}$\\times$"))
    ax.yaxis.set_minor_locator(LogLocator(base=10, subs=[k / 10 for k in range(10, 100, 5) if k / 10 not in subs]))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_xlim(-0.5, len(SIZES) - 0.5)
    ax.set_xticks(range(len(SIZES)), [f"$n = {n}$" for n in SIZES])
    ax.set_ylabel(r"$t_{\mathrm{method}}\ /\ t_{\mathrm{fdgrad}}$")
    ax.set_title(title)
    ax.grid(axis="y", which="major", alpha=0.3)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.1))


def _cases_panel(ax: Any, acc: list[dict]) -> None:
    from matplotlib.ticker import FixedLocator, LogFormatterMathtext, LogLocator, NullFormatter

    low, high = 1e-17, 1e3  # errors outside are drawn at the edge (0 at low; above high, inf, labelled)
    shown = [e for e in acc if e["reason"] is None]
    ys = list(range(len(shown)))[::-1]
    for y, e in zip(ys, shown):
        median, worst = (min(max(v, low), high) for v in (e["median"], e["worst"]))
        ax.plot([median, worst], [y, y], color="0.6", linewidth=2, zorder=1)
        ax.scatter([median], [y], color="C0", zorder=2, label="median" if y == ys[0] else None)
        ax.scatter([worst], [y], color="C3", marker="D", zorder=2, clip_on=False,
                   label="worst" if y == ys[0] else None)
        if e["worst"] > high:
            ax.annotate("inf" if e["worst"] == math.inf else f"{e['worst']:.0e}", (high, y), xytext=(-3, 5),
                        textcoords="offset points", ha="right", va="bottom", fontsize=8, color="C3")
    ax.axvline(1e-6, color="k", linestyle="--", linewidth=0.8, label=r"$10^{-6}$: above it, counted as a failure")
    for e in acc:
        if e["reason"] is not None:
            ax.plot([], [], " ", label=f"{e['method'].short}: not measured (see the tables)")
    for kind, name in (("fixed", "fixed step"), ("adaptive", "adaptive")):
        mine = [y for y, e in zip(ys, shown) if e["kind"] == kind]
        if mine:
            if kind == "fixed":
                ax.axhspan(min(mine) - 0.5, max(mine) + 0.5, color="0.93", zorder=0)
            ax.text(low * 2, max(mine) + 0.42, name, ha="left", va="top", fontsize=9, fontweight="bold")
    ax.set_yticks(ys, [f"{e['method'].short}\n{_evaluations(e['evaluations'], ' evaluations')}" for e in shown],
                  fontsize=9)
    ax.set_xscale("log")
    ax.set_xlim(low, high)
    ax.set_ylim(-0.5, len(shown) - 0.5)
    ax.xaxis.set_major_locator(FixedLocator([10.0**k for k in range(-16, 3, 2)]))
    ax.xaxis.set_major_formatter(LogFormatterMathtext())
    ax.xaxis.set_minor_locator(LogLocator(base=10, subs=(1.0,), numticks=30))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel(r"relative error $|\,\tilde f\,'(x) - f\,'(x)\,|\ /\ |f\,'(x)|$")
    ax.set_title(f"First derivatives of {len(CASES)} functions, $|x|$ from $10^{{-8}}$ to $10^{{9}}$: "
                 "compare within a band")
    ax.grid(axis="x", which="major", alpha=0.3)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3)


def plot(fixed: list[dict], adaptive: list[dict], acc: list[dict], path: Path) -> None:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10.0, 10.0), layout="constrained")
    figures: Any = fig.subfigures(2, 1, height_ratios=(1.0, 0.95))
    top, bottom = figures
    left, right = top.subplots(1, 2)
    _speed_panel(left, fixed, f"Fixed step: {_per_coordinate(fixed)} evaluations\nper coordinate")
    _speed_panel(right, adaptive, f"Adaptive: {_per_coordinate(adaptive)} evaluations\nper coordinate")
    top.suptitle(r"Gradients of $f(x) = \sum_i\,(x_i^2 + \sin x_i)$ at $x = \mathrm{linspace}(-1, 1, n)$: "
                 "time over fdgrad's, measured in turns", fontsize=11)
    _cases_panel(bottom.subplots(), acc)
    fig.suptitle(f"fdgrad {fdgrad.__version__} (backend {fdgrad.BACKEND!r}) against its peers, like with like",
                 fontsize=12, fontweight="bold")
    fig.savefig(path, dpi=160)


def _committed_results() -> Optional[Path]:
    """benchmarks/results of a source checkout fdgrad runs from (never written by this command)."""
    root = Path(fdgrad.__file__).resolve().parents[2]
    results = root / "benchmarks" / "results"
    return results.resolve() if results.is_dir() else None


def run(quick: bool = False, out: Optional[str] = None, echo: Callable[[str], None] = print) -> str:
    """Measure, print the Markdown tables, and with out write bench.md and bench.png there."""
    target = None
    if out is not None:
        target = Path(out).resolve()
        committed = _committed_results()
        if committed is not None and (target == committed or committed in target.parents):
            raise SystemExit(f"--out {out} is the repository's committed benchmarks/results: choose another folder")
    started = time.perf_counter()
    peers = _peers()
    fixed = gradients(FIXED, peers, quick)
    adaptive = gradients(ADAPTIVE, peers, quick)
    acc = accuracy(peers)
    text = markdown(fixed, adaptive, acc, peers) + f"\n\nMeasured in {time.perf_counter() - started:.0f} s" + \
        (" (--quick)." if quick else ".")
    echo(text)
    if target is not None:
        target.mkdir(parents=True, exist_ok=True)
        (target / "bench.md").write_text(text + "\n")
        try:
            plot(fixed, adaptive, acc, target / "bench.png")
        except ImportError:
            echo(f'\n(bench.png needs matplotlib: pip install "fdgrad[bench]"; wrote {target / "bench.md"})')
        else:
            echo(f"\nwrote {target / 'bench.md'} and {target / 'bench.png'}")
    return text
