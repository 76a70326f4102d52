"""The drop-in namespaces against the peers they stand for and the fdgrad calls they wrap (issue 22).

fdgrad.numdifftools' classes are timed beside numdifftools' own with their errors.

    pip install ".[bench]" && python benchmarks/bench_namespaces.py [--quick] [--out FILE]

For each case, fdgrad.scipy.optimize.approx_derivative (and approx_fprime) is timed
in one interleaved run beside SciPy's own function with the same arguments and
beside the fdgrad call it makes (fdgrad.gradient / jacobian with the same steps,
method and sides), min of the rounds.  Targets (issue 22): approx_derivative <= 1.0x
SciPy's; a namespace within 1.1x of the fdgrad call it wraps from n = 100.  Results
are checked against SciPy's first (rtol 1e-6).  Machines are shared: read the
ratios of one run.
"""

from __future__ import annotations

import argparse
import platform
import sys
from pathlib import Path

import numpy as np

import fdgrad
from fdgrad.scipy import optimize as fdo

from _timing import fmt, interleaved


def rosen(x):
    return float(np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2))


def residuals(x):
    return np.concatenate([x[1:] - x[:-1] ** 2, [1 - x[0]]])


def wrapped_call(f, x, method):
    """The fdgrad call approx_derivative makes for f at x (no bounds): its steps and sides."""
    f0 = np.atleast_1d(f(x))
    h = fdo._rounded(x, fdo._fit_to_bounds(x, fdo._steps(x, f0, method, None, None), method, None)[0])
    name = {"2-point": "forward", "3-point": "central"}[method]
    forced = fdo._forced_bounds(x, h, np.full(x.shape, method == "2-point"), method, None)
    call = fdgrad.gradient if f0.size == 1 and np.ndim(f(x)) == 0 else fdgrad.jacobian
    return lambda: (f(x), call(f, x, np.abs(h), name, bounds=forced))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    parser.add_argument("--out", type=Path, help="also write the report to this file")
    args = parser.parse_args()
    from scipy.optimize import approx_fprime as scipy_fprime
    from scipy.optimize._numdiff import approx_derivative as scipy_derivative

    rounds = 7 if args.quick else 25
    rows, missed = [], 0
    for f, label in ((rosen, "rosen (scalar)"), (residuals, "residuals (vector)")):
        for n in (2, 100):
            x = np.linspace(-1.2, 1.3, n)
            for method in ("3-point", "2-point"):
                ours = lambda f=f, x=x, method=method: fdo.approx_derivative(f, x, method=method)  # noqa: E731
                theirs = lambda f=f, x=x, method=method: scipy_derivative(f, x, method=method)  # noqa: E731
                np.testing.assert_allclose(ours(), theirs(), rtol=1e-6, atol=1e-6)
                times = {k: min(v) for k, v in interleaved({"ours": ours, "scipy": theirs,
                                                           "wrapped": wrapped_call(f, x, method)},
                                                          repeat=rounds, min_time=0.02).items()}
                vs_scipy, vs_wrapped = times["ours"] / times["scipy"], times["ours"] / times["wrapped"]
                ok_scipy = vs_scipy <= 1.0
                ok_wrapped = n < 100 or vs_wrapped <= 1.1
                missed += (not ok_scipy) + (not ok_wrapped)
                rows.append(f"| `approx_derivative({label}, n = {n}, '{method}')` | {fmt(times['ours'])} | "
                            f"{fmt(times['scipy'])} | {vs_scipy:.3f} | {'pass' if ok_scipy else 'FAIL'} | "
                            f"{fmt(times['wrapped'])} | {vs_wrapped:.3f} | "
                            f"{'-' if n < 100 else 'pass' if ok_wrapped else 'FAIL'} |")
    x = np.linspace(-1.2, 1.3, 100)
    times = {k: min(v) for k, v in interleaved({"ours": lambda: fdo.approx_fprime(x, rosen),
                                               "scipy": lambda: scipy_fprime(x, rosen)},
                                              repeat=rounds, min_time=0.02).items()}
    rows.append(f"| `approx_fprime(x, rosen)`, n = 100 | {fmt(times['ours'])} | {fmt(times['scipy'])} | "
                f"{times['ours'] / times['scipy']:.3f} | - | | | |")
    import numdifftools

    import fdgrad.numdifftools as fdnd

    hess_f = lambda v: v[0] ** 2 * v[1] + np.exp(v[0] * v[1])  # noqa: E731
    p = np.array([0.3, 0.7])
    e = np.exp(p[0] * p[1])
    hess_true = np.array([[2 * p[1] + p[1] ** 2 * e, 2 * p[0] + (1 + p[0] * p[1]) * e],
                          [2 * p[0] + (1 + p[0] * p[1]) * e, p[0] ** 2 * e]])
    grad_f = lambda v: np.sum(np.exp(v) * np.sin(v))  # noqa: E731
    g = np.array([0.5, 1.5, -2.0])
    grad_true = np.exp(g) * (np.sin(g) + np.cos(g))
    nd_rows = []
    for label, make, point, truth in (("Derivative(np.exp)(1.0)", lambda m: m.Derivative(np.exp), 1.0, np.e),
                                      ("Derivative(np.exp, n=2)(1.0)", lambda m: m.Derivative(np.exp, n=2), 1.0, np.e),
                                      ("Gradient(f)(x), n = 3", lambda m: m.Gradient(grad_f), g, grad_true),
                                      ("Hessian(f)(x), n = 2", lambda m: m.Hessian(hess_f), p, hess_true)):
        ours_obj, theirs_obj = make(fdnd), make(numdifftools)
        errors = [float(np.max(np.abs(np.asarray(o(point)) - truth) / np.maximum(np.abs(truth), 1.0)))
                  for o in (ours_obj, theirs_obj)]
        times = {k: min(v) for k, v in interleaved({"ours": lambda o=ours_obj, x=point: o(x),
                                                   "theirs": lambda o=theirs_obj, x=point: o(x)},
                                                  repeat=rounds, min_time=0.02).items()}
        ratio = times["ours"] / times["theirs"]
        ok = ratio <= 0.1 and errors[0] <= max(errors[1], 1e-14)
        missed += not ok
        nd_rows.append(f"| `{label}` | {fmt(times['ours'])} | {fmt(times['theirs'])} | {ratio:.3f} | "
                       f"{errors[0]:.1e} | {errors[1]:.1e} | {'pass' if ok else 'FAIL'} |")
    rows += ["", "fdgrad.numdifftools against numdifftools (target: <= 0.1x its time at equal or better accuracy; "
             "errors relative to max(1, |truth|)):", "",
             "| call | fdgrad.numdifftools | numdifftools | ratio | error | numdifftools' error | ok |",
             "|---|---|---|---|---|---|---|", *nd_rows]
    head = [f"fdgrad {fdgrad.__version__}, BACKEND = {fdgrad.BACKEND!r}; numpy {np.__version__}; Python "
            f"{platform.python_version()}; {rounds} rounds, min per contender", "",
            "| call | fdgrad.scipy | SciPy | ratio | <= 1.0 | the fdgrad call it wraps | ratio | <= 1.1 (n >= 100) |",
            "|---|---|---|---|---|---|---|---|"]
    report = "\n".join(head + rows + ["", f"{missed} of the targets missed."]) + "\n"
    print(report)
    if args.out:
        args.out.write_text(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
