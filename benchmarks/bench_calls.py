"""Each public fdgrad function against the few lines of plain Python a user would write instead.

    pip install ".[bench]" && python benchmarks/bench_calls.py [--quick] [--out FILE]

One typical call of each of derivative, partial, gradient, jacobian, hessian,
hessian_diag, directional, check_grad, gradient_descent, numerical_diff and
numerical_gradient is timed against its reference: the seed texts' own code
(fdgrad.testing.textbook), or the loop a user writes by hand where the textbooks stop;
gradient also against its floor, the 2n bare calls of f it must make; the adaptive
derivative and gradient against their own evaluations of f and against numdifftools
(each with its error at the point).

Every result is first compared with its reference's (np.allclose, rtol 1e-6,
atol 1e-6 times the larger of 1 and the result's magnitude); a mismatch stops
the run.  Then each contender (fdgrad, fdgrad.fallback, the references) gets a
loop count that makes one sample last a few ms, and R rounds take one sample
of each in turn, garbage collector off; a contender's time is its fastest
sample.  Machines are shared and noisy: read the ratios, fdgrad / reference,
measured side by side in one run, and "ok" against the targets.  The fallback
columns time the same call on the pure-Python backend, for information.
Only fdgrad's public names (and fdgrad.testing) are used.
"""

from __future__ import annotations

import argparse
import gc
import platform
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import numpy as np

import fdgrad
import fdgrad.fallback
from fdgrad.testing.textbook import gradient_descent, numerical_diff, numerical_gradient

from _timing import fmt, interleaved


# The textbook code, copied from the seed texts (not imported from fdgrad).

def function_1(x):
    return 0.01*x**2 + 0.1*x


def function_2(x):
    return x[0]**2 + x[1]**2


dx = 0.001


def diff(f, x):
    df = f(x+dx)-f(x)
    return df/dx


# What a user writes by hand where the textbooks stop.

step = 0.01


def df(f, p, k):
    """The seed's partial derivative (000_...: df(f, p, k)), verbatim."""
    p1 = p.copy()
    p1[k] += step
    return (f(p1) - f(p)) / step


def partial_by_hand(f, x, k, h):
    p = np.array(x, dtype=float)
    p1 = p.copy()
    p1[k] += h
    return (f(p1) - f(p)) / h


def jacobian_by_hand(f, x, h):
    x = np.array(x, dtype=float)
    columns = []
    for j in range(x.size):
        t = x[j]
        x[j] = t + h
        fp = f(x)
        x[j] = t - h
        fm = f(x)
        x[j] = t
        columns.append((fp - fm) / (2*h))
    return np.stack(columns, axis=-1)


def hessian_by_hand(f, x, h):
    x = np.array(x, dtype=float)
    e, fx = h * np.eye(x.size), f(x)
    H = np.empty((x.size, x.size))
    for i in range(x.size):
        H[i, i] = (f(x + e[i]) - 2*fx + f(x - e[i])) / h**2
        for j in range(i):
            H[i, j] = H[j, i] = (f(x + e[i] + e[j]) - f(x + e[i] - e[j])
                                 - f(x - e[i] + e[j]) + f(x - e[i] - e[j])) / (4*h*h)
    return H


def hessian_diag_by_hand(f, x, h):
    x = np.array(x, dtype=float)
    e, fx = h * np.eye(x.size), f(x)
    return np.array([(f(x + e[i]) - 2*fx + f(x - e[i])) / h**2 for i in range(x.size)])


def directional_by_hand(f, x, v, h):
    x, v = np.array(x, dtype=float), np.array(v, dtype=float)
    return (f(x + h*v) - f(x - h*v)) / (2*h)


def bare_calls(f, x, k):
    """The floor of a k-evaluation derivative: k calls of f and nothing else."""
    for _ in range(k):
        f(x)


# The functions differentiated: the seeds' and the README's examples.
def power3(x): return x**3
def f_partial(p): return p[0]*p[0] + p[1]*p[1]
def vec2(p): return np.array([p[0]*p[1], p[0] + 2*p[1]])
def grad_2(p): return np.array([2*p[0], 2*p[1]])  # function_2's gradient, for check_grad
def sumsq(x): return x @ x


@dataclass
class Case:
    """make(api): the call on api = fdgrad or fdgrad.fallback, as a function of no arguments;
    refs: (label, function, target ratio or None, compare results?); key: fdgrad's result as the refs'."""

    call: str
    make: Callable
    refs: list
    key: Callable = field(default=lambda result: result)


def cases() -> list:
    x2 = np.array([3.0, 4.0])  # the textbooks' point; their in-place loops restore it
    init = np.array([-3.0, 4.0])
    p, v = [3.0, 4.0], [1.0, 0.0]
    p13 = np.array([1.0, 3.0])
    tb_gradient = ("textbook numerical_gradient", lambda: numerical_gradient(function_2, x2))
    out = [
        Case("numerical_diff(function_1, 5)", lambda m: lambda: m.numerical_diff(function_1, 5),
             [("textbook numerical_diff", lambda: numerical_diff(function_1, 5), 1.2, True)]),
        Case("derivative(function_1, 5.0)", lambda m: lambda: m.derivative(function_1, 5.0),
             [("textbook numerical_diff", lambda: numerical_diff(function_1, 5.0), 1.5, True)]),
        Case('derivative(power3, 2, h=0.001, method="forward")',
             lambda m: lambda: m.derivative(power3, 2, h=0.001, method="forward"),
             [("textbook diff: (f(x+dx)-f(x))/dx", lambda: diff(power3, 2), 1.5, True)]),
        Case('partial(f, np.array([1., 3.]), 0, h=0.01, method="forward")',
             lambda m: lambda: m.partial(f_partial, p13, 0, h=0.01, method="forward"),
             [("the seed's df(f, p, 0) on an array", lambda: df(f_partial, p13, 0), 1.0, True)]),
        Case('partial(f, [1, 3], 0, h=0.01, method="forward")',
             lambda m: lambda: m.partial(f_partial, [1, 3], 0, h=0.01, method="forward"),
             [("hand: float copy, forward", lambda: partial_by_hand(f_partial, [1, 3], 0, 0.01), None, True)]),
        Case("numerical_gradient(function_2, np.array([3., 4.]))",
             lambda m: lambda: m.numerical_gradient(function_2, x2), [(*tb_gradient, 1.0, True)]),
        Case("gradient(function_2, np.array([3., 4.]))", lambda m: lambda: m.gradient(function_2, x2),
             [(*tb_gradient, 1.0, True),
              ("floor: 4 bare calls of f", lambda: bare_calls(function_2, x2, 4), None, False)]),
        Case("Gradient(function_2)(np.array([3., 4.])), made once",
             lambda m: (lambda g=m.Gradient(function_2): g(x2)), [(*tb_gradient, 1.0, True)]),
    ]
    for n in (100, 1000):
        x = np.random.default_rng(n).uniform(-2.0, 2.0, n)
        out.append(Case(f"gradient(x @ x, x), n = {n}", lambda m, x=x: lambda: m.gradient(sumsq, x),
                        [("textbook numerical_gradient", lambda x=x: numerical_gradient(sumsq, x), None, True),
                         (f"floor: {2 * n} bare calls of f", lambda x=x: bare_calls(sumsq, x, 2 * x.size),
                          1.05, False)]))
    return out + [
        Case("jacobian(vec2, [3., 4.], h=1e-4)", lambda m: lambda: m.jacobian(vec2, p, h=1e-4),
             [("hand: central loop", lambda: jacobian_by_hand(vec2, p, 1e-4), 1.0, True)]),
        Case("hessian(function_2, [3., 4.], h=1e-4)", lambda m: lambda: m.hessian(function_2, p, h=1e-4),
             [("hand: 3- and 4-point central", lambda: hessian_by_hand(function_2, p, 1e-4), 0.8, True)]),
        Case("hessian_diag(function_2, [3., 4.], h=1e-4)",
             lambda m: lambda: m.hessian_diag(function_2, p, h=1e-4),
             [("hand: 3-point central", lambda: hessian_diag_by_hand(function_2, p, 1e-4), 1.0, True)]),
        Case("directional(function_2, [3., 4.], [1., 0.], h=1e-4)",
             lambda m: lambda: m.directional(function_2, p, v, h=1e-4),
             [("hand: (f(x+hv)-f(x-hv))/2h", lambda: directional_by_hand(function_2, p, v, 1e-4), 1.5, True)]),
        Case("check_grad(function_2, grad, [3., 4.])", lambda m: lambda: m.check_grad(function_2, grad_2, p),
             [("textbook numerical_gradient + np.allclose",
               lambda: np.allclose(grad_2(x2), numerical_gradient(function_2, x2), rtol=1e-6, atol=1e-8),
               1.0, True)], key=lambda result: result.ok),
        Case("gradient_descent(function_2, np.array([-3., 4.]), lr=0.1, step_num=100, h=1e-4)",
             lambda m: lambda: m.gradient_descent(function_2, init, lr=0.1, step_num=100, h=1e-4),
             [("textbook gradient_descent, on a copy",
               lambda: gradient_descent(function_2, init.copy(), lr=0.1, step_num=100), 0.5, True)]),
    ]


def adaptive_cases() -> list:
    """The adaptive engine against its floor (its own evaluations of f) and against numdifftools,
    the adaptive peer (its defaults: Richardson extrapolation too), where numdifftools is installed."""
    x2 = np.array([3.0, 4.0])
    out = [Case("derivative(np.exp, 1.0, adaptive=True)", lambda m: lambda: m.derivative(np.exp, 1.0, adaptive=True),
                [("floor: its 12 bare calls of f", lambda: bare_calls(np.exp, 1.0, 12), 8.0, False)])]
    try:
        import numdifftools as nd
    except ImportError:
        print("numdifftools is not installed (pip install '.[bench]'): the adaptive rows against it are left out",
              file=sys.stderr)
        return out
    out[0].refs.append(("numdifftools Derivative(np.exp)(1.0)", lambda: nd.Derivative(np.exp)(1.0), 0.05, True))
    out.append(Case("gradient(function_2, np.array([3., 4.]), adaptive=True)",
                    lambda m: lambda: m.gradient(function_2, x2, adaptive=True),
                    [("numdifftools Gradient(function_2)(x)", lambda: nd.Gradient(function_2)(x2), 0.05, True),
                     ("floor: its 24 bare calls of f", lambda: bare_calls(function_2, x2, 24), None, False)]))
    # The general path (behind the options the front door leaves to it), the engine in the kernels there too:
    # for information, against numdifftools (the fallback column: the numpy engine, the same bits).
    xs = np.linspace(-1.0, 1.0, 100)
    out.append(Case("derivative(np.sin, xs, adaptive=True), 100 points (adaptive, general path)",
                    lambda m: lambda: m.derivative(np.sin, xs, adaptive=True),
                    [("numdifftools Derivative(np.sin)(xs)", lambda: nd.Derivative(np.sin)(xs), None, True)]))
    out.append(Case("gradient(function_2, x, adaptive=True, bounds=(-10, 10)) (adaptive, general path)",
                    lambda m: lambda: m.gradient(function_2, x2, adaptive=True, bounds=(-10.0, 10.0)),
                    [("numdifftools Gradient(function_2)(x)", lambda: nd.Gradient(function_2)(x2), None, True)]))
    return out


#: the exact derivatives of the adaptive cases, for their errors beside the times
TRUTHS = {"derivative(np.exp, 1.0, adaptive=True)": np.e,
          "gradient(function_2, np.array([3., 4.]), adaptive=True)": np.array([6.0, 8.0])}


def accuracy_notes(cases_: list) -> list:
    """Each adaptive case's relative error, fdgrad's and each compared reference's, at its point."""
    notes = []
    for case in cases_:
        truth = TRUTHS.get(case.call)
        if truth is None:
            continue
        errs = [("fdgrad", case.make(fdgrad)())] + [(label, ref()) for label, ref, _, compare in case.refs if compare]
        text = ", ".join(f"{label} {float(np.max(np.abs(np.asarray(v) - truth) / np.abs(truth))):.1e}"
                         for label, v in errs)
        notes.append(f"- `{case.call}`, relative error: {text}")
    if notes:
        notes.append("- One point says little of accuracy: benchmarks/bench_accuracy.py compares the two over whole "
                     "suites of functions and points (benchmarks/results/accuracy.md).")
    return notes


def check(case: Case) -> None:
    """Stop the run if fdgrad (either backend) and a reference disagree on this case."""
    for label, ref, _, compare in case.refs:
        if not compare:
            continue
        want = ref()
        scale = max(1.0, float(np.max(np.abs(want))))
        for api in (fdgrad, fdgrad.fallback):
            got = case.key(case.make(api)())
            if np.shape(got) != np.shape(want) or not np.allclose(got, want, rtol=1e-6, atol=1e-6 * scale):
                raise AssertionError(f"{api.__name__}.{case.call} gives {got!r}, but {label} gives {want!r}")


def measure(case: Case, rounds: int, min_time: float) -> dict:
    """{contender: fastest seconds per call}, the contenders sampled in turns."""
    fns = {"fdgrad": case.make(fdgrad), "fallback": case.make(fdgrad.fallback)}
    fns.update({label: ref for label, ref, _, _ in case.refs})
    gc.disable()
    try:
        samples = interleaved(fns, rounds, min_time)
    finally:
        gc.enable()
    return {name: min(times) for name, times in samples.items()}


def report(results) -> str:
    columns = ("call", "reference", "fdgrad time", "reference time", "ratio", "target", "ok", "fallback time",
               "fallback ratio")
    lines = ["| " + " | ".join(columns) + " |", "|---" * len(columns) + "|"]
    failures = 0
    for case, t in results:
        for label, _, target, _ in case.refs:
            ratio = t["fdgrad"] / t[label]
            ok = "-" if target is None else ("pass" if ratio <= target else "FAIL")
            failures += ok == "FAIL"
            lines.append(f"| `{case.call}` | {label} | {fmt(t['fdgrad'])} | {fmt(t[label])} | {ratio:.3f} | "
                         f"{'-' if target is None else f'<= {target}'} | {ok} | {fmt(t['fallback'])} | "
                         f"{t['fallback'] / t[label]:.3f} |")
    lines += ["", f"{failures} of the targets missed." if failures else "Every target met."]
    return "\n".join(lines)


def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds, shorter samples")
    parser.add_argument("--rounds", type=int, help="rounds per call (default 200, --quick 30)")
    parser.add_argument("--out", type=Path, help="also write the report to this file")
    args = parser.parse_args(argv)
    rounds = args.rounds or (30 if args.quick else 200)
    min_time = 0.002 if args.quick else 0.0025
    header = (f"fdgrad {fdgrad.__version__}, BACKEND = {fdgrad.BACKEND!r}; numpy {np.__version__}; "
              f"Python {platform.python_version()} on {platform.machine()}; "
              f"{rounds} rounds, fastest sample of >= {min_time * 1e3:g} ms per contender")
    print(header, flush=True)
    all_cases = cases() + adaptive_cases()
    for case in all_cases:
        check(case)
    start, results = time.perf_counter(), []
    for case in all_cases:
        results.append((case, measure(case, rounds, min_time)))
        print(f"  timed {case.call}", file=sys.stderr, flush=True)
    print(f"(timed in {time.perf_counter() - start:.0f} s)", file=sys.stderr)
    table = report(results)
    notes = accuracy_notes(all_cases)
    if notes:
        table += "\n\nThe adaptive rows' accuracy:\n\n" + "\n".join(notes)
    print("\n" + table)
    if args.out:
        args.out.write_text(f"{header}\n\n{table}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
