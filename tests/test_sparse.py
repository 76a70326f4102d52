"""Sparse Jacobians and Hessians by a sparsity pattern (issue 13, part 1)."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from _optional import need  # noqa: E402

sp = need("scipy.sparse")


def banded(n: int, below: int = 1, above: int = 1) -> np.ndarray:
    return np.array([[-below <= j - i <= above for j in range(n)] for i in range(n)])


def random_pattern(rng, m: int, n: int, density: float) -> np.ndarray:
    pattern = rng.random((m, n)) < density
    pattern[rng.integers(0, m, n), np.arange(n)] = True  # every column has a non-zero
    return pattern


def structured(pattern: np.ndarray, rng):
    """A smooth f whose Jacobian has exactly the given pattern: f_i = sum_j a_ij sin(b_ij x_j) + c_i x_j^2."""
    a = np.where(pattern, rng.uniform(0.5, 2.0, pattern.shape), 0.0)
    b = rng.uniform(0.5, 1.5, pattern.shape)

    def f(x):
        return (a * np.sin(b * x)).sum(axis=1) + 0.25 * (a * x * x).sum(axis=1)

    def jac(x):
        return a * (b * np.cos(b * x) + 0.5 * x)

    return f, jac


def is_valid_grouping(pattern: np.ndarray, groups: np.ndarray) -> bool:
    for g in np.unique(groups):
        if (pattern[:, groups == g].sum(axis=1) > 1).any():
            return False
    return True


def test_grouping_is_greedy_and_valid(fd, rng):
    assert fd.group_columns(banded(7)).groups.tolist() == [0, 1, 2, 0, 1, 2, 0]
    assert fd.group_columns(banded(6, 2, 2)).ngroups == 5
    assert fd.group_columns(np.eye(4)).ngroups == 1
    assert fd.group_columns(np.ones((3, 4))).ngroups == 4
    for _ in range(30):
        m, n = rng.integers(1, 40, 2)
        pattern = random_pattern(rng, m, n, rng.uniform(0.02, 0.4))
        groups = fd.group_columns(pattern)
        assert is_valid_grouping(pattern, groups.groups) and groups.ngroups == groups.groups.max() + 1
        assert groups.nnz == pattern.sum() and groups.shape == (m, n)


def test_backends_group_alike(compiled, pure, rng):
    for _ in range(20):
        pattern = random_pattern(rng, 30, 25, 0.15)
        assert compiled.group_columns(pattern).groups.tolist() == pure.group_columns(pattern).groups.tolist()


@pytest.mark.parametrize(("method", "order"), [("central", 2), ("central", 4), ("forward", 1), ("forward", 2),
                                               ("backward", 1), ("backward", 3)])
def test_entries_equal_the_dense_jacobian_bit_for_bit(fd, rng, method, order):
    for trial in range(8):
        m, n = rng.integers(2, 30, 2)
        pattern = random_pattern(rng, m, n, rng.uniform(0.05, 0.3))
        f, jac = structured(pattern, rng)
        x = rng.uniform(-2, 2, n)
        dense = fd.jacobian(f, x, method=method, order=order)
        got, info = fd.jacobian(f, x, method=method, order=order, sparsity=pattern, full_output=True)
        assert isinstance(got, np.ndarray) and got.shape == (m, n)
        assert got[pattern].tobytes() == dense[pattern].tobytes()
        assert not got[~pattern].any()
        np.testing.assert_allclose(got, jac(x), atol=1e-4 if order == 1 else 1e-6)
        ngroups = fd.group_columns(pattern).ngroups
        assert info.nfev == 1 + ngroups * sum(o != 0.0 for o in fd_offsets(method, order))


def fd_offsets(method, order):
    from fdgrad._options import resolve_method

    return resolve_method(method, order, False).offsets


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo", "lil", "dok", "bsr", "dia"])
@pytest.mark.parametrize("kind", ["matrix", "array"])
def test_the_result_has_the_patterns_format_and_class(fd, fmt, kind):
    n = 12
    pattern = sp.csr_matrix(banded(n)) if kind == "matrix" else sp.csr_array(banded(n))
    pattern = pattern.asformat(fmt)
    x = np.linspace(-1, 1, n)
    got = fd.jacobian(bratu, x, sparsity=pattern)
    assert got.format == fmt and sp.issparse(got)
    assert (type(got).__name__.endswith("_matrix")) == (kind == "matrix")
    assert got.toarray().tobytes() == np.where(banded(n), fd.jacobian(bratu, x), 0.0).tobytes()


def bratu(u):
    r = -2.0 * u + 0.01 * np.exp(u)
    r[1:] += u[:-1]
    r[:-1] += u[1:]
    return r


def test_tridiagonal_system_matches_scipy_with_seven_evaluations(fd):
    from scipy.optimize._numdiff import approx_derivative

    n = 2000
    x = np.linspace(0.0, 1.0, n)
    S = sp.diags([np.ones(n - 1), np.ones(n), np.ones(n - 1)], [-1, 0, 1], shape=(n, n), format="csr")
    calls = []

    def f(u):
        calls.append(1)
        return bratu(u)

    ours, info = fd.jacobian(f, x, sparsity=S, full_output=True)
    theirs = approx_derivative(bratu, x, method="3-point", sparsity=S)
    assert len(calls) == info.nfev == 7
    assert ours.format == "csr" and ours.nnz == S.nnz
    # The same steps and formula: the difference quotients agree to a few ulps.
    assert abs(ours - theirs).max() <= 1e-12 * abs(theirs).max()


def test_explicit_zeros_are_not_nonzeros(fd):
    S = sp.csr_matrix(np.eye(3))
    S.data[1] = 0.0  # stored, but zero: SciPy's convention, not a structural non-zero
    assert fd.group_columns(S).nnz == 2


def test_every_evaluation_path_gives_the_same_bits(fd, native_lib):
    n = 9
    S = sp.csc_matrix(banded(n))
    x = np.linspace(-1, 1, n)

    def stacked(X):
        return np.stack([bratu(row) for row in X])

    want = fd.jacobian(bratu, x, sparsity=S).toarray().tobytes()
    with ThreadPoolExecutor(2) as pool:
        outs = [fd.jacobian(bratu, x, sparsity=S, workers=2), fd.jacobian(bratu, x, sparsity=S, workers=pool),
                fd.jacobian(bratu, x, sparsity=S, workers=map, chunksize=2),
                fd.jacobian(stacked, x, sparsity=S, vectorized=True),
                fd.jacobian(bratu, x.copy(), sparsity=S, inplace=True)]
    assert [out.toarray().tobytes() for out in outs] == [want] * len(outs)
    # A native vector f (tests/native/callbacks.c: vec writes 3 values of 3 entries)
    xv = np.array([0.5, -1.0, 2.0])
    dense = fd.jacobian(native_lib.vec, xv, m=3)
    pattern = dense != 0
    got = fd.jacobian(native_lib.vec, xv, m=3, sparsity=pattern)
    assert got[pattern].tobytes() == dense[pattern].tobytes()


def test_grouping_is_reused_and_the_object_groups_once(fd, monkeypatch):
    import fdgrad._sparsity

    n = 10
    x = np.linspace(-1, 1, n)
    groups = fd.group_columns(sp.csr_matrix(banded(n)))
    calls = []
    real = fdgrad._sparsity.sparsity_pattern
    monkeypatch.setattr(fdgrad._sparsity, "sparsity_pattern", lambda *a: calls.append(1) or real(*a))
    first = fd.jacobian(bratu, x, sparsity=groups)
    assert calls == [] and first.format == "csr"
    J = fd.Jacobian(bratu, sparsity=sp.csr_matrix(banded(n)))
    assert calls == [1]
    for _ in range(3):
        assert J(x).toarray().tobytes() == first.toarray().tobytes()
    assert calls == [1]


def tridiagonal_energy(u):
    return float(0.5 * np.sum(np.diff(u) ** 2) + np.sum(np.cos(u) * u ** 2))


@pytest.mark.parametrize(("method", "order"), [("central", 2), ("central", 4), ("forward", 1), ("forward", 2),
                                               ("backward", 1)])
def test_hessian_entries_equal_the_dense_hessian_bit_for_bit(fd, method, order):
    n = 8
    x = np.linspace(-1.5, 1.0, n)
    pattern = banded(n)
    dense, dinfo = fd.hessian(tridiagonal_energy, x, method=method, order=order, full_output=True)
    got, info = fd.hessian(tridiagonal_energy, x, method=method, order=order, sparsity=pattern, full_output=True)
    assert got[pattern].tobytes() == dense[pattern].tobytes() and not got[~pattern].any()
    assert np.array_equal(got, got.T)
    rungs = order // 2 if method == "central" else order
    per_rung = 2 * n + 4 * (n - 1) if method == "central" else n + n + (n - 1)
    assert info.nfev == 1 + rungs * per_rung < dinfo.nfev
    assert info.step.tobytes() == dinfo.step.tobytes()


def test_hessian_pattern_is_symmetrised_and_sparse_in_its_format(fd):
    n = 6
    x = np.linspace(-1, 1, n)
    upper = np.triu(banded(n))  # one triangle is enough
    got = fd.hessian(tridiagonal_energy, x, sparsity=sp.coo_array(upper))
    assert got.format == "coo" and type(got).__name__ == "coo_array"
    dense = fd.hessian(tridiagonal_energy, x)
    assert got.toarray().tobytes() == np.where(banded(n), dense, 0.0).tobytes()
    groups = fd.group_columns(sp.csr_matrix(banded(n)))
    assert fd.hessian(tridiagonal_energy, x, sparsity=groups).toarray().tobytes() == got.toarray().tobytes()


def test_hessian_paths_and_backends_agree(compiled, pure, native_lib):
    n = 7
    x = np.linspace(-1, 1, n)
    pattern = banded(n)
    want = compiled.hessian(tridiagonal_energy, x, sparsity=pattern).tobytes()
    with ThreadPoolExecutor(2) as pool:
        for api in (compiled, pure):
            for kwargs in ({}, {"workers": 2}, {"workers": pool}, {"inplace": True}):
                assert api.hessian(tridiagonal_energy, x.copy(), sparsity=pattern, **kwargs).tobytes() == want
    xn = np.array([1.0, 2.0, 3.0])  # native sumsq: a diagonal Hessian
    for api in (compiled, pure):
        dense = api.hessian(native_lib.sumsq, xn)
        assert api.hessian(native_lib.sumsq, xn, sparsity=np.eye(3)).tobytes() == np.diag(np.diag(dense)).tobytes()


def test_bad_patterns_are_named(fd):
    x = np.array([1.0, 2.0, 3.0])
    cases = [
        (lambda: fd.jacobian(bratu, x, sparsity=np.ones((2, 3))), ValueError, r"sparsity must have shape .*\(3, 3\)"),
        (lambda: fd.jacobian(bratu, x, sparsity=np.ones(3)), ValueError, "sparsity must be 2-D"),
        (lambda: fd.jacobian(bratu, x, sparsity="tridiagonal"), TypeError, "sparsity must be a scipy.sparse"),
        (lambda: fd.jacobian(bratu, x, sparsity=np.array([["a"] * 3] * 3)), TypeError, "sparsity must hold"),
        (lambda: fd.jacobian(bratu, x, sparsity=banded(3), adaptive=True), ValueError, "sparsity= works with fixed"),
        (lambda: fd.jacobian(bratu, x, sparsity=banded(3), method="complex"), ValueError, "not 'complex'"),
        (lambda: fd.hessian(tridiagonal_energy, x, sparsity=np.ones((3, 2))), ValueError, "sparsity must have shape"),
        (lambda: fd.hessian(tridiagonal_energy, x, sparsity=banded(3), adaptive=True), ValueError, "sparsity="),
        (lambda: fd.group_columns({}), TypeError, "sparsity must"),
        (lambda: fd.group_columns(None), TypeError, "sparsity must"),
    ]
    for call, kind, message in cases:
        before = x.copy()
        with pytest.raises(kind, match=message):
            call()
        assert np.array_equal(x, before)


def test_scipy_is_imported_only_for_a_scipy_pattern():
    code = ("import sys, numpy as np, fdgrad\n"
            "J = fdgrad.jacobian(lambda x: x**2, np.arange(4.0), sparsity=np.eye(4, dtype=bool))\n"
            "H = fdgrad.hessian(lambda x: float(x @ x), np.arange(4.0), sparsity=np.eye(4))\n"
            "assert J.shape == (4, 4) and H.shape == (4, 4)\n"
            "print('scipy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("bounds", [None, (0.0, 1.0)])
def test_the_non_zeros_are_combined_in_slices_as_at_once(fd, monkeypatch, bounds):
    """Issue 21: the stencil formula runs over slices of the non-zeros (a small peak of memory
    beside the result); slices of any size give the same bits as one slice of all of them, with
    bounds (columns of each side apart) and without."""
    scipy_sparse = need("scipy.sparse")
    from fdgrad import _sparsity

    n = 600
    pattern = scipy_sparse.diags([np.ones(n - 1), np.ones(n), np.ones(n - 1)], [-1, 0, 1]).tocsr()

    def f(x):
        y = 3 * x - x**2
        y[1:] -= x[:-1]
        y[:-1] -= 2 * np.sin(x[1:])
        return y

    x = np.linspace(0.0, 1.0, n)  # at both bounds, with bounds: one-sided columns at each end
    results = []
    for size in (10**9, 512, 7):
        monkeypatch.setattr(_sparsity, "_COMBINE_SLICE", size)
        results.append(fd.jacobian(f, x, sparsity=pattern, bounds=bounds).toarray())
    assert all(r.tobytes() == results[0].tobytes() for r in results[1:])
    dense = fd.jacobian(f, x, bounds=bounds)
    band = pattern.toarray() != 0
    assert np.array_equal(results[0][band], dense[band]) and not results[0][~band].any()
