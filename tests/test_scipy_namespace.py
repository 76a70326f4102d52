"""fdgrad.scipy.optimize as a drop-in for scipy.optimize's finite differences: what SciPy's own
suite (tests/test_peers.py) does not ask -- agreement with SciPy on random problems for every
method, bounds and step option, the shapes, the counts, float32, native f, threads and
executors, the caller's x0 left alone, and errors of SciPy's types."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from _optional import need

from fdgrad.scipy import optimize as fdo


@pytest.fixture
def scipy_numdiff():
    need("scipy")
    from scipy.optimize import _numdiff

    return _numdiff


def test_importing_the_namespace_imports_no_scipy():
    code = "import sys, fdgrad.scipy.optimize; assert 'scipy' not in sys.modules, sorted(sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True)


def _problem(rng, n, m):
    a = rng.uniform(-1, 1, (m, n))
    b = rng.uniform(0.5, 2, m)

    def f(x):
        return np.sin(a @ x) * b + (x**3).sum()

    def jac(x):
        return (np.cos(a @ x) * b)[:, None] * a + 3 * x**2

    return f, jac


@pytest.mark.parametrize("method", ["2-point", "3-point", "cs"])
@pytest.mark.parametrize("bounded", [False, True])
def test_agrees_with_scipy_on_random_problems(scipy_numdiff, method, bounded):
    rng = np.random.default_rng(22)
    for _ in range(20):
        n, m = int(rng.integers(1, 6)), int(rng.integers(1, 4))
        f, jac = _problem(rng, n, m)
        x0 = rng.uniform(-2, 2, n)
        options = {"method": method}
        if bounded and method != "cs":
            width = 10 ** rng.uniform(-9, -3, n)
            options["bounds"] = (x0 - width * rng.uniform(0, 1, n), x0 + width * rng.uniform(0, 1, n))
        if rng.uniform() < 0.5:
            options["rel_step"] = rng.choice([-1, 1], n) * 10 ** rng.uniform(-8, -4, n)
        ours = fdo.approx_derivative(f, x0.copy(), **options)
        theirs = scipy_numdiff.approx_derivative(f, x0.copy(), **options)
        assert ours.shape == theirs.shape
        truth = jac(x0).reshape(theirs.shape)
        # each within its rounding and truncation of the truth, as SciPy's is
        scale = np.maximum(1.0, np.abs(truth))
        assert np.all(np.abs(ours - truth) <= 100 * np.abs(theirs - truth) + 1e-6 * scale), (options, ours, theirs)


def test_shapes_as_scipy_gives_them(scipy_numdiff):
    cases = [(lambda x: np.sum(x**2), 1.5), (lambda x: np.sum(x**2), [1.0, 2.0]),
             (lambda x: np.array([x[0], 2 * x[0]]), 0.5), (lambda x: np.array([x[0] * x[1]]), [1.0, 2.0]),
             (lambda x: x**2, [1.0, 2.0, 3.0])]
    for f, x0 in cases:
        for method in ("2-point", "3-point", "cs"):
            assert fdo.approx_derivative(f, x0, method=method).shape == \
                scipy_numdiff.approx_derivative(f, x0, method=method).shape


def test_counts_every_call_and_reuses_f0():
    calls = []

    def f(x):
        calls.append(x.copy())
        return np.array([x[0] * x[1], x[0] + x[1]])

    x0 = np.array([0.5, -1.5])
    for method, per in (("2-point", 1), ("3-point", 2), ("cs", 1)):
        calls.clear()
        J, info = fdo.approx_derivative(f, x0, method=method, full_output=True)
        assert info["nfev"] == len(calls) == 1 + per * x0.size
        calls.clear()
        J2, info = fdo.approx_derivative(f, x0, method=method, f0=f(x0), full_output=True)
        assert info["nfev"] == len(calls) - 1 == per * x0.size  # f0 given: fun(x0) not called again
        assert np.array_equal(J, J2)


def test_float32_x0_reaches_fun_as_float32_and_x0_is_left_alone():
    seen = set()

    def f(x):
        seen.add(x.dtype)
        return np.array([np.sum(x.astype(np.float64) ** 2)])

    x0 = np.array([0.75, -1.25], dtype=np.float32)
    before = x0.copy()
    for method in ("2-point", "3-point"):
        J = fdo.approx_derivative(f, x0, method=method)
        np.testing.assert_allclose(J, 2 * x0.astype(float), rtol=2e-3)
    assert seen == {np.dtype(np.float32)} and np.array_equal(x0, before) and x0.dtype == np.float32


def test_workers_threads_processes_and_map_give_the_same_jacobian():
    f = _vector
    x0 = np.linspace(-1.0, 1.0, 7)
    serial = fdo.approx_derivative(f, x0)
    with ThreadPoolExecutor(2) as pool:
        assert np.array_equal(fdo.approx_derivative(f, x0, workers=pool.map), serial)
    assert np.array_equal(fdo.approx_derivative(f, x0, workers=map), serial)
    assert np.array_equal(fdo.approx_derivative(f, x0, workers=2), serial)  # a process pool, as SciPy's int
    for serial_too in (0, 1, None, False, True):  # as SciPy reads them (workers or map; int(True) == 1)
        assert np.array_equal(fdo.approx_derivative(f, x0, workers=serial_too), serial)
    with pytest.raises(RuntimeError, match="workers"):
        fdo.approx_derivative(f, x0, workers=-2)


def test_a_map_like_gets_fun_and_the_points_as_scipys_does(scipy_numdiff):
    """SciPy's documented vectorized map-like: workers(fun, iterable of x) with fun SciPy's own
    wrapped f, reconstituted into one array of points (found by review: fdgrad's tasks reached it)."""
    def vmap(fun, xs):
        stack = np.r_[[x for x in xs]]
        return [fun(row) for row in stack]

    x0 = np.linspace(-1.0, 1.0, 5)
    for method in ("2-point", "3-point"):
        got = fdo.approx_derivative(_vector, x0, method=method, workers=vmap)
        np.testing.assert_allclose(got, scipy_numdiff.approx_derivative(_vector, x0, method=method), rtol=1e-6)
        assert np.array_equal(got, fdo.approx_derivative(_vector, x0, method=method))


def test_fun_gets_a_fresh_writable_x_it_may_change_or_keep(scipy_numdiff):
    """As in SciPy: fun may write into its x and keep it (found by review: fdgrad's read-only,
    reused buffer refused the first and overwrote what the second kept)."""
    def changes(x):
        x -= 1
        return np.sum(x**2)

    kept = []

    def keeps(x):
        kept.append(x)
        return np.array([x[0] * x[1], x[1]])

    x0 = np.array([1.0, 2.0])
    for method in ("2-point", "3-point", "cs"):
        np.testing.assert_allclose(fdo.approx_derivative(changes, x0.copy(), method=method),
                                   scipy_numdiff.approx_derivative(changes, x0.copy(), method=method), rtol=1e-6)
        kept.clear()
        fdo.approx_derivative(keeps, x0, method=method)
        assert len({np.asarray(x).tobytes() for x in kept}) == len(kept)  # every point kept as it was
    assert fdo.check_grad(changes, lambda x: 2 * (x - 1), x0.copy()) < 1e-6


def test_a_sparse_structures_stored_zeros_are_part_of_it(scipy_numdiff):
    """SciPy groups by a sparse structure's stored entries, explicit zeros included (found by
    review: dropping them grouped columns that share a row, a wrong J[0, 0] of 7 for 2)."""
    from scipy.sparse import csr_matrix

    S = csr_matrix(([1.0, 0.0, 1.0], [0, 1, 2], [0, 2, 3]), shape=(2, 3))
    assert np.array_equal(fdo.group_columns(S, np.arange(3)), scipy_numdiff.group_columns(S, np.arange(3)))
    f = lambda x: np.array([x[0] ** 2 + 5 * x[1], x[2]])  # noqa: E731
    got = fdo.approx_derivative(f, np.ones(3), sparsity=S).toarray()
    # (at the stored zero (0, 1) SciPy's result keeps 0, its assembly dropping explicit zeros; fdgrad
    # gives the derivative there, 5, as at every entry the structure stores)
    np.testing.assert_allclose(got, [[2.0, 5.0, 0.0], [0.0, 0.0, 1.0]], rtol=1e-8)
    theirs = scipy_numdiff.approx_derivative(f, np.ones(3), sparsity=S).toarray()
    np.testing.assert_allclose(got[S.toarray() != 0], theirs[S.toarray() != 0], rtol=1e-8)


def test_check_grads_random_direction_as_scipys():
    need("scipy")
    import scipy.optimize as so

    func = lambda x: x[0] ** 2 - 0.5 * x[1] ** 3 + np.sin(x[2])  # noqa: E731
    grad = lambda x: np.array([2 * x[0], -1.5 * x[1] ** 2, np.cos(x[2]) + 1e-3])  # noqa: E731
    x0 = [1.5, -1.5, 0.3]
    for options in ({"seed": 3}, {"rng": 3}, {"rng": np.random.default_rng(5)}, {"seed": np.random.RandomState(2)}):
        ours = fdo.check_grad(func, grad, x0, direction="random", **options)
        theirs = so.check_grad(func, grad, x0, direction="random", **_fresh(options))
        assert ours == pytest.approx(theirs, rel=1e-4), options
    np.random.seed(11)
    first = fdo.check_grad(func, grad, x0, direction="random")
    np.random.seed(11)
    assert fdo.check_grad(func, grad, x0, direction="random") == first  # (numpy's global state, as SciPy)
    with pytest.raises(TypeError):
        fdo.check_grad(func, grad, x0, direction="random", rng=1, seed=1)


def _fresh(options):
    """options with generators made again from the same seeds (the first call advanced them)."""
    out = dict(options)
    for key, value in options.items():
        if isinstance(value, np.random.Generator):
            out[key] = np.random.default_rng(5)
        elif isinstance(value, np.random.RandomState):
            out[key] = np.random.RandomState(2)
    return out


def test_a_linear_operators_steps_as_scipys(scipy_numdiff):
    f = lambda x: np.array([x[0] * np.sin(x[1]), x[1] ** 2])  # noqa: E731
    x0, p = np.array([1.0, 2.0]), np.array([0.3, -1.0])
    for method in ("2-point", "3-point", "cs"):
        for rel_step in (None, np.array([1e-6]), -1e-7):
            ours = fdo.approx_derivative(f, x0, method=method, rel_step=rel_step, as_linear_operator=True)
            theirs = scipy_numdiff.approx_derivative(f, x0, method=method, rel_step=rel_step, as_linear_operator=True)
            np.testing.assert_allclose(ours.matvec(p), theirs.matvec(p), rtol=1e-6)


def _vector(x):  # (module level: picklable for a process pool)
    return np.sin(x) * np.roll(x, 1)


def test_a_native_f_gives_its_python_twins_jacobian(native_lib):
    """A native scalar f (here ctypes; every kind in tests/test_native.py) is called in C, as
    fdgrad.gradient calls it: the same values as its Python twin, bit for bit, and the same count."""
    from test_native import native_kinds

    x0 = np.array([0.5, -1.0, 2.0])
    for name, (native, twin) in native_kinds(native_lib).items():
        for method in ("2-point", "3-point"):
            got, info = fdo.approx_derivative(native, x0, method=method, full_output=True)
            want, twin_info = fdo.approx_derivative(twin, x0, method=method, full_output=True)
            # (a native f(x0) cannot be answered from f0: fdgrad's forward differences take it again)
            assert got.tobytes() == want.tobytes(), (name, method)
            assert info["nfev"] == twin_info["nfev"] + (method == "2-point"), (name, method, info, twin_info)


@pytest.mark.parametrize("bad, kind", [
    ({"method": "4-point"}, ValueError), ({"x0": np.ones((2, 2))}, ValueError),
    ({"bounds": (np.zeros(3), 1.0)}, ValueError), ({"bounds": (2.0, 3.0)}, ValueError),
    ({"as_linear_operator": True, "bounds": (0.0, 3.0)}, ValueError), ({"f0": np.ones((2, 2))}, ValueError),
])
def test_errors_of_scipys_types(scipy_numdiff, bad, kind):
    options = {"x0": np.array([1.0, 2.0])} | bad
    x0 = options.pop("x0")
    f = lambda x: x**2  # noqa: E731
    with pytest.raises(kind):
        scipy_numdiff.approx_derivative(f, x0, **options)
    with pytest.raises(kind):
        fdo.approx_derivative(f, x0, **options)


def test_group_columns_as_scipys_on_random_patterns(scipy_numdiff):
    rng = np.random.default_rng(5)
    for _ in range(30):
        m, n = int(rng.integers(1, 12)), int(rng.integers(1, 12))
        A = rng.uniform(size=(m, n)) < 0.3
        for order in (0, 3, None, rng.permutation(n)):
            if order is None:
                continue  # (a seed of None draws a fresh permutation each time)
            assert np.array_equal(fdo.group_columns(A, order), scipy_numdiff.group_columns(A, order))


def test_check_grad_and_approx_fprime_as_scipys():
    need("scipy")
    import scipy.optimize as so

    func = lambda x, c: c * x[0] ** 2 - 0.5 * x[1] ** 3  # noqa: E731
    grad = lambda x, c: np.array([2 * c * x[0], -1.5 * x[1] ** 2])  # noqa: E731
    x0 = [1.5, -1.5]
    assert fdo.check_grad(func, grad, x0, 3.0) == pytest.approx(so.check_grad(func, grad, x0, 3.0), rel=1e-3)
    assert isinstance(fdo.check_grad(func, grad, x0, 3.0), float)
    assert fdo.check_grad(func, grad, x0, 3.0, direction="random", rng=7) == \
        fdo.check_grad(func, grad, x0, 3.0, direction="random", rng=7)
    np.testing.assert_allclose(fdo.approx_fprime(x0, func, 1e-8, 3.0), so.approx_fprime(x0, func, 1e-8, 3.0),
                               rtol=1e-6)
    with pytest.raises(ValueError, match="direction"):
        fdo.check_grad(func, grad, x0, 3.0, direction="some")


def test_other_names_are_scipys_own():
    need("scipy")
    import scipy.optimize as so

    assert fdo.minimize is so.minimize and fdo.rosen is so.rosen
    with pytest.raises(AttributeError, match="nor has scipy.optimize"):
        fdo.no_such_name  # noqa: B018


@pytest.mark.parametrize("name", fdo.__all__)
def test_every_function_has_a_passing_example(name):
    need("scipy")
    import doctest

    tests = doctest.DocTestFinder().find(getattr(fdo, name), name, globs={})
    assert tests and sum(len(t.examples) for t in tests) >= 2
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for test in tests:
        runner.run(test)
    assert runner.failures == 0


def test_a_coordinate_pinned_by_equal_bounds_has_a_nan_column_as_in_scipy(scipy_numdiff):
    """lb == ub: SciPy's step is 0 and its column NaN (found by review: fdgrad refused the call)."""
    calls = []

    def f(x):
        calls.append(x.copy())
        return np.array([x[0] ** 2 + x[1] * x[2], np.sin(x[1])])

    x0 = np.array([1.0, 0.5, 2.0])
    bounds = (np.array([0.0, 0.5, 1.0]), np.array([2.0, 0.5, 3.0]))
    for method in ("2-point", "3-point"):
        calls.clear()
        ours, info = fdo.approx_derivative(f, x0, method=method, bounds=bounds, full_output=True)
        assert info["nfev"] == len(calls) and all(x[1] == 0.5 for x in calls)
        with np.errstate(all="ignore"):  # (SciPy's 0 / 0)
            theirs = scipy_numdiff.approx_derivative(f, x0, method=method, bounds=bounds)
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)  # (NaN where SciPy's is NaN)
    with pytest.raises(NotImplementedError, match="lb == ub"):
        fdo.approx_derivative(f, x0, bounds=bounds, sparsity=np.ones((2, 3)))
