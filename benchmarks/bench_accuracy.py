"""Accuracy of fdgrad against SciPy and numdifftools, side by side, in five tables.

1. First derivatives, fdgrad.testing.cases.CASES (ordinary points, badly
   scaled functions, large and tiny |x|): fdgrad default, order 4 and
   adaptive; SciPy's approx_derivative 3-point (scipy.optimize's rule) and
   scipy.differentiate.derivative; numdifftools' Derivative.
2. Second derivatives, derivative(n=2), on the same cases (where f'' is not 0),
   against numdifftools' Derivative(n=2) (SciPy has none).
3. Gradients, GRADIENT_CASES (values dominated by a large constant or by other
   coordinates, issue 11's class a sin(b x0) + c x0 x1 + d at |x| up to 1e6,
   badly scaled coordinates, |x| from 1e-8 to 1e9, noisy f): the relative error
   of every entry that a finite difference can resolve (the best fixed step of
   any central order, chosen knowing the truth, reaches 1e-10, and f's noise is
   at most 1e-13), and for every entry of every case whether the method's
   error estimate covers its error.
4. Hessians, HESSIAN_CASES: fdgrad default, order 4 and adaptive; numdifftools'
   Hessian; scipy.differentiate.hessian.

5. Issue 23's classes, CLASS_CASES (random instances: f rounding to a constant
   at steps relative to a tiny |x|, higher derivatives at tiny and at large
   |x|, edges of f's domain, tight boxes): the adaptive methods side by side,
   with their confident lies (errors over 1e-8 above their own estimate).

Each table gives the median and worst relative error (with its case), the
entries worse than the threshold, the evaluations of f (per coordinate, per
n^2 for Hessians), and, for methods with an estimate, how often it is at least
the true error and the worst understatement (true error / estimate).

    python benchmarks/bench_accuracy.py [--details] [--random N]

The peers are benchmark-only dependencies: pip install ".[bench]".
"""

from __future__ import annotations

import argparse
import sys
import warnings
from typing import Callable, NamedTuple

import numpy as np

import fdgrad
from fdgrad.testing.cases import CASES, CLASS_CASES, GRADIENT_CASES, HESSIAN_CASES, best_fixed_step_error


class Outcome(NamedTuple):
    value: float
    nfev: float
    error: float  # the method's own error estimate, NaN if it gives none


class Counter:
    """f with a count of the points it was evaluated at."""

    def __init__(self, f: Callable) -> None:
        self.f, self.points = f, 0

    def __call__(self, x):
        self.points += int(np.size(x))
        return self.f(x)


def run_fdgrad(**kwargs) -> Callable[[Callable, float], Outcome]:
    def run(f, x):
        value, info = fdgrad.derivative(f, x, full_output=True, **kwargs)
        return Outcome(value, info.nfev, info.error)

    return run


def run_scipy_3point(f, x):
    from scipy.optimize._numdiff import approx_derivative

    counted = Counter(lambda v: f(v[0]))
    x0 = np.array([x])
    # f(x0) given, as an optimizer has it: the rule itself costs 2 evaluations.
    value = approx_derivative(counted, x0, method="3-point", f0=np.atleast_1d(f(x)))
    return Outcome(float(np.ravel(value)[0]), counted.points, float("nan"))


def run_scipy_differentiate(f, x):
    from scipy.differentiate import derivative

    counted = Counter(f)
    res = derivative(counted, x)
    return Outcome(float(res.df), counted.points, float(res.error))


def run_numdifftools(f, x):
    import numdifftools as nd

    counted = Counter(f)
    result = nd.Derivative(counted, full_output=True)(x)
    return Outcome(float(result.estimate), counted.points, float(result.error_estimate))


METHODS = {
    "fdgrad default": run_fdgrad(),
    "fdgrad order=4": run_fdgrad(order=4),
    "fdgrad adaptive": run_fdgrad(adaptive=True),
    "scipy 3-point": run_scipy_3point,
    "scipy.differentiate": run_scipy_differentiate,
    "numdifftools": run_numdifftools,
}


def available(name: str) -> bool:
    module = {"scipy 3-point": "scipy", "scipy.differentiate": "scipy.differentiate", "numdifftools": "numdifftools"}
    if name not in module:
        return True
    try:
        __import__(module[name])
    except ImportError:
        return False
    return True


def measure() -> dict[str, list[tuple[str, float, Outcome]]]:
    results: dict[str, list[tuple[str, float, Outcome]]] = {}
    for name, run in METHODS.items():
        if not available(name):
            print(f"({name}: not installed, skipped)", file=sys.stderr)
            continue
        rows = []
        for case in CASES:
            exact = float(case.df(case.x))
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                try:
                    out = run(case.f, case.x)
                except Exception as exc:  # a peer that fails outright
                    print(f"({name} raised on {case.name}: {type(exc).__name__}: {exc})", file=sys.stderr)
                    out = Outcome(float("nan"), float("nan"), float("nan"))
            rel = abs(out.value - exact) / abs(exact)
            rows.append((case.name, rel if np.isfinite(rel) else float("inf"), out))
        results[name] = rows
    return results


def random_points_comparison(count: int) -> tuple[np.ndarray, np.ndarray]:
    """Relative errors of fdgrad default and scipy 3-point at random points near every case."""
    rng = np.random.default_rng(2026)
    ours, theirs = [], []
    for case in CASES:
        for _ in range(count):
            x = case.x * (1 + rng.uniform(-0.3, 0.3)) if case.x else rng.uniform(-0.1, 0.1)
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                exact = float(case.df(x))
                if exact == 0.0 or not np.isfinite(exact):
                    continue
                a = abs(run_fdgrad()(case.f, x).value - exact) / abs(exact)
                b = abs(run_scipy_3point(case.f, x).value - exact) / abs(exact)
            if np.isfinite(a) and np.isfinite(b) and a < 1e-3 and b < 1e-3:  # both in their working range
                ours.append(a)
                theirs.append(b)
    return np.array(ours), np.array(theirs)


class Entry(NamedTuple):
    """One method on one case: relative errors, absolute errors and estimates per entry."""

    case: str
    rel: np.ndarray
    err: np.ndarray
    estimate: np.ndarray  # NaN where the method gives none
    evaluations: float  # per coordinate (per n^2 for Hessians)
    keep: np.ndarray  # the entries the accuracy columns count


def quietly(run: Callable, *args: object) -> object:
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return run(*args)


def vectorized(f: Callable, counter: list) -> Callable:
    """f of an array, as scipy.differentiate calls it: x of shape (n, ...) for many points at once."""

    def call(X):
        X = np.asarray(X)
        counter[0] += int(np.prod(X.shape[1:]))
        return np.apply_along_axis(f, 0, X)

    return call


def fdgrad_method(name: str, **kwargs: object) -> Callable:
    """fdgrad.<name>(f, x, **kwargs) as (value, error estimate, evaluations)."""
    function = getattr(fdgrad, name)

    def run(f, x):
        value, info = function(f, x, full_output=True, **kwargs)
        return np.atleast_1d(value), np.atleast_1d(info.error), info.nfev

    return run


def gradient_methods() -> dict[str, Callable]:
    def scipy_3point(f, x):
        from scipy.optimize._numdiff import approx_derivative

        counted = Counter(f)
        g = approx_derivative(counted, x, method="3-point", f0=f(x))  # f(x) given, as an optimizer has it
        return g, np.full(x.size, np.nan), counted.points

    def scipy_differentiate(f, x):
        from scipy.differentiate import jacobian

        count = [0]
        res = jacobian(lambda X: vectorized(f, count)(X)[None], x)
        return res.df[0], res.error[0], count[0]

    def numdifftools(f, x):
        import numdifftools as nd

        counted = Counter(f)
        result = nd.Gradient(counted, full_output=True)(x)
        return result.estimate, np.ravel(result.error_estimate), counted.points

    return {"fdgrad default": fdgrad_method("gradient"), "fdgrad order=4": fdgrad_method("gradient", order=4),
            "fdgrad adaptive": fdgrad_method("gradient", adaptive=True),
            "fdgrad adaptive forward": fdgrad_method("gradient", adaptive=True, method="forward"),
            "scipy 3-point": scipy_3point, "scipy.differentiate": scipy_differentiate, "numdifftools": numdifftools}


def hessian_methods() -> dict[str, Callable]:
    def scipy_differentiate(f, x):
        from scipy.differentiate import hessian

        count = [0]
        res = hessian(vectorized(f, count), x)
        return res.ddf, res.error, count[0]

    def numdifftools(f, x):
        import numdifftools as nd

        counted = Counter(f)
        result = nd.Hessian(counted, full_output=True)(x)
        return result.estimate, result.error_estimate, counted.points

    return {"fdgrad default": fdgrad_method("hessian"), "fdgrad order=4": fdgrad_method("hessian", order=4),
            "fdgrad adaptive": fdgrad_method("hessian", adaptive=True), "scipy.differentiate": scipy_differentiate,
            "numdifftools": numdifftools}


def second_methods() -> dict[str, Callable]:
    def numdifftools(f, x):
        import numdifftools as nd

        counted = Counter(f)
        result = nd.Derivative(counted, n=2, full_output=True)(x)
        return np.array([float(result.estimate)]), np.array([float(result.error_estimate)]), counted.points

    return {"fdgrad default": fdgrad_method("derivative", n=2),
            "fdgrad order=4": fdgrad_method("derivative", n=2, order=4),
            "fdgrad adaptive": fdgrad_method("derivative", n=2, adaptive=True), "numdifftools": numdifftools}


def measure_entries(methods: dict[str, Callable], cases: list, truth: Callable, per: Callable,
                    keep: Callable) -> dict[str, list[Entry]]:
    """Every method on every case, as Entry rows; a method that raises counts as NaN."""
    results: dict[str, list[Entry]] = {}
    for name, run in methods.items():
        if not available(name):
            print(f"({name}: not installed, skipped)", file=sys.stderr)
            continue
        rows = []
        for case in cases:
            exact = np.asarray(truth(case), dtype=float)
            try:
                value, estimate, nfev = quietly(run, case.f, case.x)
            except Exception as exc:  # a peer that fails outright
                print(f"({name} raised on {case.name}: {type(exc).__name__}: {exc})", file=sys.stderr)
                value, estimate, nfev = np.full(exact.shape, np.nan), np.full(exact.shape, np.nan), np.nan
            err = np.abs(np.asarray(value, dtype=float).reshape(exact.shape) - exact)
            scale = np.where(exact != 0, np.abs(exact), np.abs(exact).max())
            rel = np.where(np.isfinite(err), err / scale, np.inf)
            estimate = np.broadcast_to(np.asarray(estimate, dtype=float), exact.shape)
            rows.append(Entry(case.name, rel.ravel(), err.ravel(), estimate.ravel(), nfev / per(case), keep(case)))
        results[name] = rows
    return results


def entry_table(title: str, results: dict[str, list[Entry]], threshold: float, unit: str) -> None:
    print(f"\n{title}\n")
    print(f"| method | median | worst (case) | entries > {threshold:g} | evaluations {unit} | "
          "estimate >= true error | worst understatement |")
    print("|---|---|---|---|---|---|---|")
    for name, rows in results.items():
        rel = np.concatenate([r.rel[r.keep] for r in rows])
        owners = [r.case for r in rows for _ in range(int(np.sum(r.keep)))]
        worst = int(np.argmax(rel))
        nfev = np.array([r.evaluations for r in rows], dtype=float)
        spread = f"{np.nanmin(nfev):.1f}" if np.nanmin(nfev) == np.nanmax(nfev) else \
            f"{np.nanmin(nfev):.1f}-{np.nanmax(nfev):.1f}"
        err = np.concatenate([r.err for r in rows])
        estimate = np.concatenate([r.estimate for r in rows])
        if np.all(np.isnan(estimate)):
            honest = under = "no estimate"
        else:
            covered = (estimate >= err) | (estimate == np.inf)
            honest = f"{np.mean(covered):.1%} of {err.size}"
            with np.errstate(all="ignore"):
                ratio = np.where(covered, 0.0, err / estimate)
            under = f"{np.nanmax(ratio):.1e}" if np.nanmax(ratio) > 0 else "none"
        print(f"| {name} | {np.median(rel):.1e} | {rel[worst]:.1e} ({owners[worst]}) | {int(np.sum(rel > threshold))} "
              f"of {rel.size} | {spread} | {honest} | {under} |")


def more_tables() -> None:
    """Tables 2 to 4: second derivatives, gradients, Hessians."""
    seconds = [c for c in CASES if float(c.d2f(c.x)) != 0.0]
    results = measure_entries(second_methods(), seconds, lambda c: np.array([float(c.d2f(c.x))]), lambda c: 1,
                              lambda c: np.array([True]))
    entry_table(f"Second derivatives, derivative(n=2), over {len(seconds)} cases (relative error of f'')",
                results, 1e-6, "per point")

    resolvable = {c.name: quietly(best_fixed_step_error, c.f, c.x, c.grad(c.x)) <= 1e-10 for c in GRADIENT_CASES}
    results = measure_entries(gradient_methods(), GRADIENT_CASES, lambda c: c.grad(c.x), lambda c: c.x.size,
                              lambda c: resolvable[c.name] & (c.noise <= 1e-13))
    kept = sum(int(np.sum(resolvable[c.name] & (c.noise <= 1e-13))) for c in GRADIENT_CASES)
    total = sum(c.x.size for c in GRADIENT_CASES)
    entry_table(f"Gradients over {len(GRADIENT_CASES)} cases: relative error of the {kept} resolvable entries "
                f"(estimates: all {total} entries)", results, 1e-8, "per coordinate")

    results = measure_entries(hessian_methods(), HESSIAN_CASES, lambda c: c.hess(c.x), lambda c: c.x.size ** 2,
                              lambda c: np.ones(c.x.size ** 2, dtype=bool))
    entry_table(f"Hessians over {len(HESSIAN_CASES)} cases (relative error of every entry; of the largest for "
                "zero entries)", results, 1e-6, "per n^2")


def class_methods() -> dict[str, Callable]:
    """Adaptive methods on a ClassCase: (value, estimate, evaluations, converged), or None where the
    method cannot take the case (no higher derivatives, no bounds)."""
    def ours(case):
        counted = Counter(case.f)
        value, info = fdgrad.derivative(counted, case.x, n=case.n, adaptive=True, full_output=True,
                                        bounds=case.bounds)
        return value, info.error, counted.points, bool(info.converged)

    def numdifftools(case):
        import numdifftools as nd

        if case.bounds is not None:
            return None
        counted = Counter(case.f)
        result = nd.Derivative(counted, n=case.n, full_output=True)(case.x)
        return float(result.estimate), float(result.error_estimate), counted.points, True

    def differentiate(case):
        from scipy.differentiate import derivative

        if case.bounds is not None or case.n != 1:
            return None
        counted = Counter(case.f)
        res = derivative(counted, case.x)
        return float(res.df), float(res.error), counted.points, bool(res.success)

    return {"fdgrad adaptive": ours, "numdifftools": numdifftools, "scipy.differentiate": differentiate}


def class_table() -> None:
    """Table 5: issue 23's classes, random instances, the adaptive methods side by side.  A
    confident lie: an error over 1e-8 above the method's own estimate, not flagged (numdifftools
    flags nothing; scipy.differentiate by success=False)."""
    methods = {name: run for name, run in class_methods().items() if available(name)}
    classes = sorted({c.klass for c in CLASS_CASES})
    print(f"\nIssue 23's classes: {len(CLASS_CASES)} random instances (fdgrad.testing.cases.CLASS_CASES), "
          "relative error of the derivative\n")
    print("| class | method | median | worst | entries > 1e-6 | confident lies | estimate >= error | "
          "evaluations |")
    print("|---|---|---|---|---|---|---|---|")
    for klass in classes:
        cases = [c for c in CLASS_CASES if c.klass == klass]
        for name, run in methods.items():
            rows = [quietly(run, c) for c in cases]
            taken = [(c, r) for c, r in zip(cases, rows) if r is not None]
            if not taken:
                print(f"| {klass} | {name} | - | - | - | - | - | - |")
                continue
            err = np.array([abs(r[0] - c.truth) for c, r in taken])
            rel = np.where(np.isfinite(err), err / np.array([abs(c.truth) for c, _ in taken]), np.inf)
            est = np.array([r[1] for _, r in taken], dtype=float)
            lies = sum(1 for e, s, (_, r) in zip(err, est, taken) if r[3] and e > 1e-8 and not e <= s)
            nfev = np.mean([r[2] for _, r in taken])
            print(f"| {klass} | {name} | {np.median(rel):.1e} | {np.max(rel):.1e} | {int(np.sum(rel > 1e-6))} of "
                  f"{len(taken)} | {lies} | {np.mean(est >= err):.0%} | {nfev:.1f} |")
    print("\n(-: the method has no such option: numdifftools and scipy.differentiate take no bounds, "
          "scipy.differentiate no higher derivatives.)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--details", action="store_true", help="print every case's relative error")
    parser.add_argument("--random", type=int, default=40, help="random points per case for the default-vs-SciPy check")
    args = parser.parse_args(argv)
    results = measure()

    print(f"fdgrad {fdgrad.__version__}, backend {fdgrad.BACKEND}\n")
    print(f"First derivatives over {len(CASES)} cases (relative error of f')\n")
    print("| method | median | worst (case) | cases > 1e-6 | evaluations per coordinate | estimate >= true error |")
    print("|---|---|---|---|---|---|")
    for name, rows in results.items():
        rel = np.array([r for _, r, _ in rows])
        worst = int(np.argmax(rel))
        bad = int(np.sum(rel > 1e-6))
        nfev = np.array([o.nfev for _, _, o in rows], dtype=float)
        errors = np.array([o.error for _, _, o in rows], dtype=float)
        if np.all(np.isnan(errors)):
            honest = "no estimate"
        else:
            true = np.array([r * abs(float(c.df(c.x))) for (_, r, _), c in zip(rows, CASES)])
            honest = f"{np.mean(errors >= true):.0%}"
        spread = f"{np.nanmin(nfev):.0f}" if np.nanmin(nfev) == np.nanmax(nfev) else f"{np.nanmin(nfev):.0f}-{np.nanmax(nfev):.0f}"
        print(f"| {name} | {np.median(rel):.1e} | {rel[worst]:.1e} ({rows[worst][0]}) | {bad} | {spread} | {honest} |")

    if "scipy 3-point" in results:
        ours = np.array([r for _, r, _ in results["fdgrad default"]])
        theirs = np.array([r for _, r, _ in results["scipy 3-point"]])
        close = np.isclose(ours, theirs, rtol=0.5, atol=1e-15) | ((ours == np.inf) & (theirs == np.inf))
        print(f"\nfdgrad default against scipy 3-point (same rule, 2 evaluations): more accurate in "
              f"{int(np.sum((ours < theirs) & ~close))} cases, within a factor 1.5 in {int(np.sum(close))}, "
              f"less accurate in {int(np.sum((ours > theirs) & ~close))}.")
        # The two differ only in how the step is rounded, so single cases differ
        # by the luck of f's rounding; many points show whether either is better.
        ours, theirs = random_points_comparison(args.random)
        print(f"Over {ours.size} random points of the same functions (x scaled by 1 + U(-0.3, 0.3)): "
              f"median relative error fdgrad default {np.median(ours):.2e}, scipy 3-point {np.median(theirs):.2e}; "
              f"mean log10 error {np.mean(np.log10(ours + 1e-17)):.2f} against {np.mean(np.log10(theirs + 1e-17)):.2f}.")

    more_tables()
    class_table()

    if args.details:
        names = list(results)
        print("\n| case | " + " | ".join(names) + " |")
        print("|---" * (len(names) + 1) + "|")
        for k, case in enumerate(CASES):
            print(f"| {case.name} ({case.group}) | " + " | ".join(f"{results[n][k][1]:.1e}" for n in names) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
