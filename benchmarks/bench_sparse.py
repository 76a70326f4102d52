"""Sparse Jacobians and Hessians against SciPy's sparse differences, in one run.

Usage: python benchmarks/bench_sparse.py [--quick]

The system is a discretised boundary-value problem (Bratu's), tridiagonal:
r_i = u_{i-1} - 2 u_i + u_{i+1} + c exp(u_i).  Targets (issue 13):

* a tridiagonal Jacobian at n = 2000 evaluates f at most 8 times (3 groups,
  central differences);
* it takes at most 0.8x the time of SciPy's ``approx_derivative(method=
  "3-point", sparsity=S)``, both given the pattern S (SciPy groups its
  columns on every call, so does fdgrad given S) and both given their
  grouping made once (``(S, groups)`` for SciPy, ``group_columns(S)`` for
  fdgrad);
* its values equal SciPy's to rounding (the same steps and formula:
  relative differences of a few ulps of the difference quotient);
* at n = 100 000, given S, its peak memory (tracemalloc) is at most 1.0x
  SciPy's (issue 21).

The Hessian of the problem's energy with a tridiagonal pattern is compared
with the dense Hessian (evaluations and time), since SciPy has no sparse
Hessian by differences.  Times are medians of samples taken in turns.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import fmt, interleaved  # noqa: E402

import fdgrad  # noqa: E402

C = 0.01


def bratu(u: np.ndarray) -> np.ndarray:
    r = -2.0 * u + C * np.exp(u)
    r[1:] += u[:-1]
    r[:-1] += u[1:]
    return r


def energy(u: np.ndarray) -> float:
    return float(0.5 * np.sum(np.diff(u) ** 2) + C * np.sum(np.exp(u)))


class Counted:
    """f, counting its calls."""

    def __init__(self, f):
        self.f, self.calls = f, 0

    def __call__(self, x):
        self.calls += 1
        return self.f(x)


def peak_bytes(call) -> int:
    """The peak of memory traced while call() runs."""
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter samples")
    options = parser.parse_args(argv)
    import scipy.sparse as sp
    from scipy.optimize._numdiff import approx_derivative, group_columns

    repeat, min_time = (3, 0.02) if options.quick else (7, 0.1)
    n = 2000
    x = np.linspace(0.0, 1.0, n)
    S = sp.diags([np.ones(n - 1), np.ones(n), np.ones(n - 1)], [-1, 0, 1], shape=(n, n), format="csr")
    groups = fdgrad.group_columns(S)
    scipy_groups = group_columns(S)

    counted, counted_scipy = Counted(bratu), Counted(bratu)
    ours = fdgrad.jacobian(counted, x, sparsity=S)
    theirs = approx_derivative(counted_scipy, x, method="3-point", sparsity=S)
    calls = counted.calls
    diff = abs(ours - theirs).max()
    rel = diff / abs(theirs).max()

    times = interleaved({
        "fdgrad, S": lambda: fdgrad.jacobian(bratu, x, sparsity=S),
        "scipy, S": lambda: approx_derivative(bratu, x, method="3-point", sparsity=S),
        "fdgrad, groups": lambda: fdgrad.jacobian(bratu, x, sparsity=groups),
        "scipy, (S, groups)": lambda: approx_derivative(bratu, x, method="3-point", sparsity=(S, scipy_groups)),
        "f alone": lambda: bratu(x),
    }, repeat=repeat, min_time=min_time)
    med = {name: statistics.median(ts) for name, ts in times.items()}
    # Ratios per round (the same machine state), then their median.
    ratio_s = statistics.median(a / b for a, b in zip(times["fdgrad, S"], times["scipy, S"]))
    ratio_g = statistics.median(a / b for a, b in zip(times["fdgrad, groups"], times["scipy, (S, groups)"]))

    lines = [f"# Sparse Jacobian: tridiagonal Bratu system, n = {n}, central differences", "",
             "| measure | fdgrad | SciPy | ratio | target | ok |", "|---|---|---|---|---|---|",
             f"| evaluations of f | {calls} | {counted_scipy.calls} | - | <= 8 | "
             f"{'pass' if calls <= 8 else 'FAIL'} |",
             f"| time, given S | {fmt(med['fdgrad, S'])} | {fmt(med['scipy, S'])} | {ratio_s:.2f}x | <= 0.8x | "
             f"{'pass' if ratio_s <= 0.8 else 'FAIL'} |",
             f"| time, grouping made once | {fmt(med['fdgrad, groups'])} | {fmt(med['scipy, (S, groups)'])} | "
             f"{ratio_g:.2f}x | <= 0.8x | {'pass' if ratio_g <= 0.8 else 'FAIL'} |",
             f"| max abs difference from SciPy | {diff:.2g} (relative {rel:.2g}) | - | - | rounding (< 1e-9) | "
             f"{'pass' if rel < 1e-9 else 'FAIL'} |",
             "", f"groups: {groups.ngroups}; one evaluation of f: {fmt(med['f alone'])}."]

    big = 100_000
    xb = np.linspace(0.0, 1.0, big)
    Sb = sp.diags([np.ones(big - 1), np.ones(big), np.ones(big - 1)], [-1, 0, 1], shape=(big, big), format="csr")
    peak = peak_bytes(lambda: fdgrad.jacobian(bratu, xb, sparsity=Sb))
    peak_scipy = peak_bytes(lambda: approx_derivative(bratu, xb, method="3-point", sparsity=Sb))
    lines[-2:-2] = [f"| peak memory, given S, n = {big} | {peak / 2**20:.1f} MiB | {peak_scipy / 2**20:.1f} MiB | "
                    f"{peak / peak_scipy:.2f}x | <= 1.0x | {'pass' if peak <= peak_scipy else 'FAIL'} |"]

    # The Hessian: pattern against dense (no SciPy counterpart).
    m = 200 if options.quick else 400
    xm = np.linspace(0.0, 1.0, m)
    Sm = sp.diags([np.ones(m - 1), np.ones(m), np.ones(m - 1)], [-1, 0, 1], shape=(m, m), format="csr")
    counted_sparse, counted_dense = Counted(energy), Counted(energy)
    Hs = fdgrad.hessian(counted_sparse, xm, sparsity=Sm)
    Hd = fdgrad.hessian(counted_dense, xm)
    same = bool(np.array_equal(Hs.toarray()[Sm.toarray() != 0], Hd[Sm.toarray() != 0]))
    ht = interleaved({"sparse": lambda: fdgrad.hessian(energy, xm, sparsity=Sm),
                      "dense": lambda: fdgrad.hessian(energy, xm)}, repeat=3, min_time=min_time)
    lines += ["", f"# Sparse Hessian: tridiagonal energy, n = {m}", "",
              "| | with the pattern | dense | ratio |", "|---|---|---|---|",
              f"| evaluations | {counted_sparse.calls} | {counted_dense.calls} | "
              f"{counted_sparse.calls / counted_dense.calls:.4f} |",
              f"| time | {fmt(statistics.median(ht['sparse']))} | {fmt(statistics.median(ht['dense']))} | "
              f"{statistics.median(ht['sparse']) / statistics.median(ht['dense']):.4f} |",
              "", f"Entries in the pattern equal the dense Hessian's bit for bit: {same}."]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
