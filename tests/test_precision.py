"""A float32 or float16 f gets steps for its precision on every evaluation path.

Default steps are sized for float64 values until f's values show a coarser
precision; then the work is done once more with steps for it (the "second
pass").  That must hold wherever f is evaluated: serially, on threads, as a
vectorized f, on an executor, on a map-like callable, with x perturbed in
place, and in gradient descent.  Each test below runs one function on every
path and asks for the same numbers as the serial path, and for the serial
path's numbers to be within what the precision allows (float64-sized steps
give zeros or errors of 1e-1 here).
"""

from __future__ import annotations

import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

X = [0.7, -1.3, 2.1]
DTYPES = [np.float32, np.float16]
PATHS = ["serial", "threads", "vectorized", "executor", "map", "inplace"]
# Errors the precision allows at the default steps, relative to the values' scale
# (eps**(2/3) for a central first derivative, eps**(1/2) for the second; times a margin).
FIRST = {np.float32: 5e-4, np.float16: 6e-2}
SECOND = {np.float32: 3e-2, np.float16: 0.5}


def scalar(dtype):
    """sum(x sin x) in dtype, for one point or a stack of points (vectorized)."""
    return lambda p: np.asarray(np.sum(p * np.sin(p), -1)).astype(dtype)[()]


def vector(dtype):
    return lambda p: np.asarray(p * np.sin(p) + 0.5 * p**2).astype(dtype)


def grad_truth(x):
    x = np.asarray(x)
    return np.sin(x) + x * np.cos(x)


def second_truth(x):
    x = np.asarray(x)
    return 2 * np.cos(x) - x * np.sin(x)


def on_path(call, path, x=X):
    """call(x, **options) on one evaluation path; the caller's x, checked unchanged."""
    xs = np.array(x, dtype=float)
    before = xs.copy()
    options = {"serial": {}, "threads": {"workers": 2}, "vectorized": {"vectorized": True},
               "map": {"workers": map}, "inplace": {"inplace": True}}.get(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no UnchangingWarning: f's values change at these steps
        if path == "executor":
            with ThreadPoolExecutor(2) as pool:
                result = call(xs, workers=pool)
        else:
            result = call(xs, **options)
    assert xs.tolist() == before.tolist()
    return result


def agree(results, truth, bound):
    serial = results["serial"]
    assert np.max(np.abs(np.asarray(serial) - truth)) <= bound, (serial, truth)
    for path, value in results.items():
        np.testing.assert_allclose(value, serial, rtol=1e-12, atol=1e-12, err_msg=path)


@pytest.mark.parametrize("dtype", DTYPES)
def test_gradient_on_every_path(fd, dtype):
    f = scalar(dtype)
    results = {path: on_path(lambda x, **o: fd.gradient(f, x, **o), path) for path in PATHS}
    agree(results, grad_truth(X), FIRST[dtype] * 4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (a float16 f is constant at them)
        naive = fd.gradient(lambda p: float(f(p)), X, h=1e-7)  # float64-sized steps: rounding noise
    assert np.max(np.abs(naive - grad_truth(X))) > 5 * np.max(np.abs(results["serial"] - grad_truth(X)))


@pytest.mark.parametrize("dtype", DTYPES)
def test_gradient_counts_the_second_pass(fd, dtype):
    f = scalar(dtype)
    for path in PATHS:
        _, info = on_path(lambda x, **o: fd.gradient(f, x, full_output=True, **o), path)
        assert info.nfev <= 12, path  # the second pass, 6 more, and no more than one f(x)
        assert info.nfev >= 6, path


@pytest.mark.parametrize("dtype", DTYPES)
def test_jacobian_on_every_path(fd, dtype):
    f = vector(dtype)
    results = {path: on_path(lambda x, **o: fd.jacobian(f, x, **o), path) for path in PATHS}
    agree(results, np.diag(grad_truth(X) + X), FIRST[dtype] * 6)


@pytest.mark.parametrize("dtype", DTYPES)
def test_hessian_diag_on_every_path(fd, dtype):
    f = scalar(dtype)
    results = {path: on_path(lambda x, **o: fd.hessian_diag(f, x, **o), path) for path in PATHS}
    agree(results, second_truth(X), SECOND[dtype] * 6)


@pytest.mark.parametrize("dtype", DTYPES)
def test_hessian_on_every_path(fd, dtype):
    f = scalar(dtype)
    paths = [path for path in PATHS if path != "vectorized"]  # (hessian has no vectorized=)
    results = {path: on_path(lambda x, **o: fd.hessian(f, x, **o), path) for path in paths}
    agree(results, np.diag(second_truth(X)), SECOND[dtype] * 6)


@pytest.mark.parametrize("dtype", DTYPES)
def test_derivative_on_every_path(fd, dtype):
    f = lambda t: np.asarray(t * np.sin(t)).astype(dtype)  # noqa: E731  elementwise
    paths = ["serial", "executor", "inplace"]
    results = {path: on_path(lambda x, **o: fd.derivative(f, x, **o), path) for path in paths}
    agree(results, grad_truth(X), FIRST[dtype] * 4)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("path", ["serial", "inplace"])
def test_directional_of_a_coarse_f(fd, dtype, path):
    f = scalar(dtype)
    v = np.array([1.0, 0.5, -0.25])
    value = on_path(lambda x, **o: fd.directional(f, x, v, **o), path)
    assert abs(value - grad_truth(X) @ v) <= FIRST[dtype] * 4


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("path", PATHS)
def test_gradient_descent_moves_with_a_coarse_f(fd, dtype, path):
    """The descent's first step shows f's precision; the descent then starts again from x with
    steps for it (float64-sized steps give a zero gradient for a float16 f: x never moves)."""
    f = lambda p: np.asarray(np.sum(p**2, -1)).astype(dtype)[()]  # noqa: E731
    last, info = on_path(lambda x, **o: fd.gradient_descent(f, x, lr=0.1, step_num=20, full_output=True, **o), path)
    exact = np.array(X) * 0.8**20  # x -= 0.1 * 2 x, twenty times
    np.testing.assert_allclose(last, exact, atol=FIRST[dtype] * 0.1)
    assert info.nfev == 20 * 6 + 6  # the first step twice: at float64's steps, then at f's
    assert np.all(info.grad != 0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_descent_path_starts_again_from_x(fd, dtype):
    f = lambda p: dtype(np.sum(p**2))  # noqa: E731
    last, path = fd.gradient_descent(f, X, lr=0.1, step_num=3, history=True)
    assert path.shape == (4, 3)
    assert path[0].tolist() == X
    np.testing.assert_allclose(path[1], np.array(X) * 0.8, rtol=FIRST[dtype] * 0.1)
    assert path[-1].tolist() == last.tolist()


@pytest.mark.parametrize("dtype", DTYPES)
def test_directional_in_place_rounds_its_steps_to_the_array(fd, dtype):
    """In place on a float32 (float16) array, x + t v is rounded to the array's precision: t is
    sized for it, or the moves vanish (the issue's 0.27 and 0.0 for a truth of 6.36)."""
    W = np.array([0.5, -1.25, 2.0, 0.3], dtype)
    before = W.copy()
    v = [1, 0.5, 0.25, 1]
    truth = float(3 * W.astype(float) ** 2 @ v)
    for method, bound in (("forward", 0.05 if dtype is np.float16 else 1e-3), ("central", FIRST[dtype] * 20)):
        value = fd.directional(lambda _: float(np.sum(W.astype(float) ** 3)), W, v, inplace=True, method=method)
        assert abs(value - truth) <= bound * abs(truth), (method, value, truth)
    assert W.tobytes() == before.tobytes()


@pytest.mark.parametrize("dtype", DTYPES)
def test_adaptive_gradient_on_every_path(fd, dtype):
    """The adaptive engine's rounding estimate uses f's precision on every path: the same
    numbers everywhere, and estimates that cover the errors."""
    f = scalar(dtype)
    results, errors = {}, {}
    for path in PATHS:
        results[path], info = on_path(lambda x, **o: fd.gradient(f, x, adaptive=True, full_output=True, **o), path)
        errors[path] = info.error
    agree(results, grad_truth(X), FIRST[dtype] * 4)
    assert np.all(np.abs(results["serial"] - grad_truth(X)) <= errors["serial"])
    for path in PATHS:
        np.testing.assert_allclose(errors[path], errors["serial"], rtol=1e-12, err_msg=path)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("path", ["serial", "threads", "executor", "map", "inplace"])
def test_check_grad_of_a_coarse_f(fd, dtype, path):
    """check_grad's quick look is at float64's steps: a coarse f goes to the adaptive check,
    with no UnchangingWarning (at those steps a float16 f is constant) on any path."""
    f = scalar(dtype)
    result = on_path(lambda x, **o: fd.check_grad(f, grad_truth, x, **o), path)
    assert result.ok
    assert result.max_abs_error <= FIRST[dtype] * 4
    off = 1.1 if dtype is np.float32 else 1.5  # (float16's estimates are about 20%: 10% off cannot be told)
    wrong = on_path(lambda x, **o: fd.check_grad(f, lambda p: grad_truth(p) * off, x, **o), path)
    assert not wrong.ok


@pytest.mark.parametrize("method", ["forward", "backward", "central"])
@pytest.mark.parametrize("inplace", [False, True])
def test_check_grad_of_a_float32_f_with_fixed_steps(fd, method, inplace):
    """Fixed steps of a float32 f: rtol at least what the difference reaches (sqrt(eps), and 8
    sqrt(eps) one-sided at order 1), in place too (f then evaluated at the caller's array)."""
    f = lambda x: np.float32(np.sum(np.sin(x) + x * x))  # noqa: E731
    grad = lambda x: np.cos(x) + 2 * x  # noqa: E731
    x = np.array([0.5, 1.0, 1.5], np.float32 if inplace else np.float64)
    assert fd.check_grad(f, grad, x, adaptive=False, method=method, inplace=inplace).ok
    assert not fd.check_grad(f, lambda p: grad(p) * 1.01, x, adaptive=False, method=method, inplace=inplace).ok


def test_a_float16_f_at_the_textbooks_step_warns(fd):
    """h = 1e-4 against a float16 f: the change rounds away, the gradient is 0; a warning says
    why, on the in-place path (the textbook's numerical_gradient), the copying one, and at a number."""
    f = lambda x: np.float16(np.sum(np.asarray(x) ** 2))  # noqa: E731
    with pytest.warns(fd.UnchangingWarning, match="with x perturbed in place.*too coarse for the steps"):
        assert fd.numerical_gradient(f, np.array([1.0, 2.0])).tolist() == [0.0, 0.0]
    with pytest.warns(fd.UnchangingWarning, match="too coarse for the steps"):
        assert fd.numerical_gradient(f, [1.0, 2.0]).tolist() == [0.0, 0.0]
    with pytest.warns(fd.UnchangingWarning, match="too coarse for the steps"):
        assert fd.gradient(f, [1.0, 2.0], h=1e-4, workers=map).tolist() == [0.0, 0.0]
    with pytest.warns(fd.UnchangingWarning):
        assert fd.numerical_diff(lambda t: np.float16(t * t), 1.0) == 0.0
    with pytest.warns(fd.UnchangingWarning):
        value, info = fd.derivative(lambda t: 1.0, 0.0, h=1e-4, full_output=True)
    assert value == 0.0 and info.nfev == 3  # the look at f(x) itself counts
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # x**2 at 0: equal values at x +- h, but not at x
        assert fd.derivative(lambda t: t * t, 0.0, h=1e-4) == 0.0
        assert fd.gradient(lambda p: float(p @ p), [0.0, 0.0], h=1e-4, workers=map).tolist() == [0.0, 0.0]


def test_check_grad_of_random_float32_objectives_at_fixed_steps(fd):
    """The class: 100 random float32 f = sum sin(a x) + x**2, each method at fixed steps: a 1%
    wrong gradient never passes, a right one passes but for at most 1% (the tolerance adds the
    difference's rounding, 4 eps |f| / h; its truncation, where f'' dwarfs f, it cannot know)."""
    rng = np.random.default_rng(2412)
    wrong_passed = right_failed = total = 0
    for _ in range(100):
        x = rng.uniform(-2, 2, 5).astype(np.float32)
        a = rng.uniform(0.3, 2.0)
        f = lambda q, a=a: np.float32(np.sum(np.sin(a * q) + q * q))  # noqa: E731
        g = lambda q, a=a: a * np.cos(a * q) + 2 * q  # noqa: E731
        for method in ("forward", "backward", "central"):
            total += 1
            right_failed += not fd.check_grad(f, g, x, adaptive=False, method=method).ok
            wrong_passed += fd.check_grad(f, lambda q, g=g: g(q) * 1.01, x, adaptive=False, method=method).ok
    assert wrong_passed == 0 and right_failed <= total // 100, (wrong_passed, right_failed)


def test_adaptive_check_grad_of_coarse_objectives_never_passes_a_wrong_gradient(fd):
    """The class: random float32 and float16 f's (three families, scales 1e-2..3), each method, adaptive
    check_grad.  A tenfold-wrong gradient never passes (where the estimate would have let it, the entry is
    undecided: a failed check with an UndecidedWarning); a right one fails only as undecided, never as a
    mismatch, and a central float32 check is always decided."""
    rng = np.random.default_rng(2612)
    families = [(lambda q: np.sum(q * np.sin(q)), lambda q: np.sin(q) + q * np.cos(q)),
                (lambda q: np.sum(np.exp(0.3 * q) * q**2), lambda q: np.exp(0.3 * q) * (0.3 * q**2 + 2 * q)),
                (lambda q: np.sum(np.log1p(q**2)) + q[0] * q[1],
                 lambda q: 2 * q / (1 + q**2) + np.array([q[1], q[0], 0.0]))]
    wrong_passed, undecided = 0, {}
    for dtype in (np.float32, np.float16):
        for method in ("central", "forward", "backward"):
            for k in range(30):
                f0, g = families[k % 3]
                x = rng.uniform(-3, 3, 3) * 10.0 ** rng.uniform(-2, 0.5)
                f = lambda q, f0=f0, dtype=dtype: dtype(f0(q))  # noqa: E731
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    right = fd.check_grad(f, g, x, method=method)
                said = any(issubclass(w.category, fd.UndecidedWarning) for w in caught)
                assert right.ok or said, (dtype, method, x, right)  # a right gradient: never a mismatch
                assert not (right.ok and said)
                undecided[dtype, method] = undecided.get((dtype, method), 0) + said
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", fd.UndecidedWarning)
                    wrong_passed += fd.check_grad(f, lambda q, g=g: 10 * g(q), x, method=method).ok
    assert wrong_passed == 0
    assert undecided[np.float32, "central"] == 0
    assert sum(undecided.values()) <= 30 * 6 // 5, undecided  # (at most a fifth of the right checks)


def test_undecided_check_grad_says_why(fd):
    """An entry resting on an estimate larger than the gradient: not ok, a warning naming the entry, and with
    raise_on_mismatch an AssertionError saying it cannot be decided (a term of f far larger than its changes)."""
    f = lambda x: 1e8 + float(np.sum(x**2))  # noqa: E731
    x = np.full(3, 1e-3)
    with pytest.warns(fd.UndecidedWarning, match=r"cannot decide entry \(\d,\)"):
        result = fd.check_grad(f, lambda p: 2 * p, x)
    assert not result.ok and not bool(result)
    with pytest.warns(fd.UndecidedWarning), pytest.raises(AssertionError, match="cannot be decided"):
        fd.check_grad(f, lambda p: 2 * p, x, raise_on_mismatch=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert fd.check_grad(lambda v: float(np.sum(v**2)), lambda p: 2 * p, x).ok  # float64, no constant: decided


def test_undecided_messages_name_the_right_entry(fd):
    """A definite mismatch outranks an undecided entry in worst_index and in the error; a NaN entry is a
    mismatch, and the warning names the undecided entry (and how many more), not it; the warning's public
    name is fdgrad's."""
    offset = lambda v: 1e8 + float(np.sum(v**2))  # noqa: E731  (near 0: a gradient below f's rounding)
    x = np.zeros(3) + 1e-3
    with pytest.warns(fd.UndecidedWarning), pytest.raises(AssertionError, match=r"index \(2,\).*> tolerance"):
        fd.check_grad(offset, np.array([2e-3, 2e-3, 5.0]), x, raise_on_mismatch=True)
    with pytest.warns(fd.UndecidedWarning, match=r"cannot decide entry \([12],\)") as caught:
        result = fd.check_grad(offset, np.array([np.nan, 2e-3, 2e-3]), x)
    assert not result.ok and result.worst_index == (0,)
    assert "(and 1 more)" in str(caught[0].message)
    assert fd.UndecidedWarning.__module__ == "fdgrad"
