"""fdgrad as a drop-in: SciPy's and numdifftools' calling conventions, check_grad used as
SciPy's is, and results of other libraries' scalar types."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
from _optional import need

from fdgrad._api import CALLABLE_NAMES


def rosen(x, a=1.0, b=100.0):
    return float((a - x[0]) ** 2 + b * (x[1] - x[0] ** 2) ** 2)


def rosen_grad(x, a=1.0, b=100.0):
    return np.array([-2 * (a - x[0]) - 4 * b * x[0] * (x[1] - x[0] ** 2), 2 * b * (x[1] - x[0] ** 2)])


def residuals(p, t, y):
    return p[0] * np.exp(p[1] * t) - y


class ZeroD:
    """A 0-d tensor of another library, as numpy sees it (torch, JAX, ...)."""

    def __init__(self, value):
        self.value = value

    def __array__(self, dtype=None, copy=None):
        return np.array(self.value, dtype=dtype)


class Floaty:
    """An object that says it is a real number."""

    def __init__(self, value):
        self.value = value

    def __float__(self):
        return float(self.value)


def test_check_grad_truth_value_and_scipy_comparison(fd):
    optimize = need("scipy.optimize")
    x = np.array([-1.2, 1.0])
    good = fd.check_grad(rosen, rosen_grad, x)
    bad = fd.check_grad(rosen, lambda v: rosen_grad(v) * 1.01, x)
    assert good and not bad
    with pytest.raises(AssertionError):
        assert fd.check_grad(rosen, lambda v: rosen_grad(v) + 1.0, x)
    assert good < 1e-5 and not bad < 1e-5 and bad > 1e-3
    scipy_norm = optimize.check_grad(rosen, lambda v: rosen_grad(v) * 1.01, x)
    assert float(bad) == pytest.approx(scipy_norm, rel=1e-4)
    assert float(good) == pytest.approx(float(np.linalg.norm(good.analytic - good.numeric)))


@pytest.mark.parametrize("value", [ZeroD(2.5), Floaty(2.5), np.array(2.5), np.float32(2.5)])
def test_scalar_results_of_other_types(fd, value):
    grad = fd.gradient(lambda v: value if v[0] == 1.0 else 3.5, np.array([1.0, 2.0]))
    assert grad.tolist() == [0.0, 0.0]
    assert fd.derivative(lambda t: ZeroD(t * t), 3.0, h=1e-3) == pytest.approx(6.0)
    assert fd.gradient(lambda v: Floaty(v @ v), [1.0, 2.0], h=1e-3) == pytest.approx([2.0, 4.0])


@pytest.mark.parametrize("bad", [ZeroD([1.0, 2.0]), True, 1 + 2j, "1.0", Floaty("x")])
def test_non_scalar_results_are_still_errors(fd, bad):
    with pytest.raises((TypeError, ValueError), match="f must return"):
        fd.gradient(lambda v: bad, [1.0, 2.0])


def test_args_and_kwargs_reach_f_on_every_function(fd):
    x = np.array([0.5, -0.3])
    want = rosen_grad(x, 2.0, 10.0)
    assert fd.gradient(rosen, x, args=(2.0, 10.0)) == pytest.approx(want, rel=1e-7)
    assert fd.gradient(rosen, x, args=(2.0,), kwargs={"b": 10.0}) == pytest.approx(want, rel=1e-7)
    assert fd.partial(rosen, x, 1, args=(2.0, 10.0)) == pytest.approx(want[1], rel=1e-7)
    assert fd.directional(rosen, x, [1.0, 0.0], args=(2.0, 10.0)) == pytest.approx(want[0], rel=1e-7)
    assert fd.hessian(rosen, x, args=(2.0, 10.0)).shape == (2, 2)
    assert fd.hessian_diag(rosen, x, kwargs={"a": 2.0, "b": 10.0}).shape == (2,)
    assert fd.jacobian(residuals, [2.0, -1.0], args=(np.linspace(0, 1, 5), np.zeros(5))).shape == (5, 2)
    assert fd.derivative(lambda t, k: k * t * t, 3.0, args=(2.0,)) == pytest.approx(12.0)
    assert fd.derivative(lambda t, k: k * t, 3.0, args=2.0) == pytest.approx(2.0)  # SciPy: a lone argument
    assert fd.check_grad(rosen, rosen_grad, x, args=(2.0, 10.0)).ok
    end = fd.gradient_descent(rosen, [0.0, 0.0], lr=1e-3, step_num=5, args=(2.0, 10.0))
    assert end.tolist() == fd.gradient_descent(lambda v: rosen(v, 2.0, 10.0), [0.0, 0.0], lr=1e-3, step_num=5).tolist()
    with pytest.raises(TypeError, match="kwargs must be a dict"):
        fd.gradient(rosen, x, kwargs=[("b", 1.0)])
    with pytest.raises(TypeError) as info:
        fd.gradient(rosen, x, args=(1.0, 2.0, 3.0, 4.0))
    assert "f(x, *args, **kwargs)" in " ".join(getattr(info.value, "__notes__", []))


def test_args_travel_to_processes(fd):
    from fdgrad._options import WithArgs

    bound = pickle.loads(pickle.dumps(WithArgs(rosen, (2.0,), {"b": 10.0})))
    assert bound(np.array([0.5, 0.5])) == rosen(np.array([0.5, 0.5]), 2.0, 10.0)


def test_numdifftools_style_callables_in_scipy_optimize(fd):
    optimize = need("scipy.optimize")
    for name in CALLABLE_NAMES:
        assert getattr(fd, name).__module__ == fd.__name__ and getattr(fd, name).__doc__
    res = optimize.minimize(rosen, [-1.2, 1.0], jac=fd.Gradient(rosen), hess=fd.Hessian(rosen), method="trust-exact")
    assert res.success and res.x == pytest.approx([1.0, 1.0], abs=1e-4)
    res = optimize.minimize(rosen, [-1.2, 1.0], args=(1.0, 10.0), jac=fd.Gradient(rosen, order=4), method="BFGS")
    assert res.x == pytest.approx([1.0, 1.0], abs=1e-5)
    t = np.linspace(0.0, 1.0, 20)
    y = 2.0 * np.exp(-1.5 * t)
    fit = optimize.least_squares(residuals, [1.0, -1.0], jac=fd.Jacobian(residuals), args=(t, y))
    assert fit.x == pytest.approx([2.0, -1.5], abs=1e-8)
    assert fd.Derivative(np.sin, step=1e-4)(0.5) == fd.derivative(np.sin, 0.5, h=1e-4)
    assert fd.Hessdiag(rosen)([0.5, 0.5]).tolist() == fd.hessian_diag(rosen, [0.5, 0.5]).tolist()
    assert fd.Gradient(rosen, method="forward")([0.5, 0.5], 2.0).tolist() == \
        fd.gradient(rosen, [0.5, 0.5], method="forward", args=(2.0,)).tolist()
    assert "Gradient(<function rosen" in repr(fd.Gradient(rosen))


def test_numdifftools_style_bad_options(fd):
    with pytest.raises(ValueError, match="n must be 1 to 4 .* got 5"):
        fd.Derivative(np.sin, n=5)
    with pytest.raises(TypeError, match="n must be an int .* got 2.0"):
        fd.Derivative(np.sin, None, "central", 2, 2.0)
    with pytest.raises(ValueError, match="first derivatives only, got n=2"):
        fd.Derivative(np.sin, method="complex", n=2)
    with pytest.raises(TypeError, match="unexpected option 'stepsize'"):
        fd.Gradient(rosen, stepsize=1e-3)
    with pytest.raises(TypeError, match="h or step"):
        fd.Gradient(rosen, h=1e-3, step=1e-3)
    with pytest.raises(ValueError, match="method must be one of"):
        fd.Gradient(rosen, method="centered")([1.0, 2.0])


@pytest.mark.parametrize("method, order", [("central", 2), ("central", 4), ("forward", 1), ("forward", 2),
                                           ("backward", 1), ("backward", 3)])
@pytest.mark.parametrize("where", ["f", "x", "both"])
def test_float32_gets_steps_for_its_precision(fd, method, order, where):
    """A float32 f (or x) gets eps32-sized steps, as SciPy sizes them: errors near float32's
    best, where float64-sized steps give 1e-2 (the issue's [2.047, 4.016, 5.985])."""
    x = np.array([1.0, 2.0, 3.0], dtype=np.float32 if where != "f" else np.float64)
    f = (lambda v: np.float32((np.asarray(v, dtype=np.float32) ** 2).sum())) if where != "x" else \
        (lambda v: float((np.asarray(v, dtype=np.float64) ** 2).sum()))
    grad = fd.gradient(f, x, method=method, order=order)
    eps32 = float(np.finfo(np.float32).eps)
    bound = 50 * eps32 ** (order / (order + 1)) * 14  # truncation + rounding at the optimal step, |f| = 14
    np.testing.assert_allclose(grad, [2.0, 4.0, 6.0], atol=bound)
    if where == "f":
        naive = fd.gradient(lambda v: float(f(v)), x, method=method, order=order, h=1e-6)  # a float64-sized step
        assert np.max(np.abs(naive - [2.0, 4.0, 6.0])) > np.max(np.abs(grad - [2.0, 4.0, 6.0]))


@pytest.mark.parametrize("method", ["central", "forward", "backward"])
def test_float32_hessian_and_jacobian(fd, method):
    f32 = lambda v: np.float32(v[0] ** 2 * v[1] + np.float32(v[1]) ** 3)  # noqa: E731
    H = fd.hessian(f32, [1.0, 2.0], method=method)
    np.testing.assert_allclose(H, [[4.0, 2.0], [2.0, 12.0]], atol=0.05 if method == "central" else 0.2)
    J = fd.jacobian(lambda v: np.array([v[0] * v[1], v[0] ** 2], dtype=np.float32), [3.0, 4.0], method=method)
    np.testing.assert_allclose(J, [[4.0, 3.0], [6.0, 0.0]], atol=5e-3 if method == "central" else 5e-2)


def test_f_returning_its_own_argument(fd):
    """Values are read before x is restored (f may return x itself or a view of it)."""
    x = np.array([1.0, 2.0, 3.0])
    for f in (lambda w: w, lambda w: w[:], lambda w: np.asarray(w)[:2], lambda w: w.reshape(3, 1)):
        J = fd.jacobian(f, x)
        assert J.reshape(-1, 3).tolist() == np.eye(3)[: J.reshape(-1, 3).shape[0]].tolist()
    assert fd.derivative(lambda w: w, x, inplace=True).tolist() == pytest.approx([1.0, 1.0, 1.0])
    assert fd.derivative(lambda w: w[:], x.copy(), inplace=True).tolist() == pytest.approx([1.0, 1.0, 1.0])


def test_inplace_with_the_complex_step_is_refused(fd):
    x = np.array([1.0, 2.0])
    for call in (lambda: fd.gradient(lambda v: float(v @ v), x, inplace=True, method="complex"),
                 lambda: fd.jacobian(lambda v: v**2, x, inplace=True, method="complex"),
                 lambda: fd.derivative(lambda v: v**2, x, inplace=True, method="complex"),
                 lambda: fd.directional(lambda v: v @ v, x, x, inplace=True, method="complex")):
        with pytest.raises(ValueError, match="inplace=True cannot be combined with method='complex'"):
            call()
    assert x.tolist() == [1.0, 2.0]
    # the textbook names fall back to copying with the complex step... (they have no method); derivative's auto:
    assert fd.derivative(lambda v: v**2, x, method="complex", inplace=None).tolist() == pytest.approx([2.0, 4.0])


def test_derivative_sizes_steps_for_float32(fd):
    truth = np.cos(1.0)
    for call in (lambda: fd.derivative(lambda t: np.float32(np.sin(t)), 1.0),
                 lambda: fd.derivative(lambda t: np.float32(np.sin(np.float32(t))), np.float32(1.0)),
                 lambda: fd.derivative(lambda t: np.sin(t).astype(np.float32), np.array([1.0]))[0]):
        assert abs(call() - truth) < 3e-5  # float64-sized steps give 7e-3
    value, info = fd.derivative(lambda t: np.float32(np.sin(t)), 1.0, full_output=True)
    assert info.nfev == 4  # two passes of two evaluations: the first finds float32 values
    grad, info = fd.gradient(lambda v: np.float32((v**2).sum()), [1.0, 2.0, 3.0], full_output=True)
    assert info.nfev == 12


def test_unchanging_warning_is_public_and_names_the_callers_line(fd):
    import warnings

    import fdgrad

    W = np.ones((2, 2))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fd.gradient(lambda _: float((W**2).sum()), W)
        fd.gradient(lambda _: float((W**2).sum()), W, adaptive=True)
        fd.gradient_descent(lambda _: float((W**2).sum()), W, inplace=False)
    assert [w.category for w in caught] == [fdgrad.UnchangingWarning] * 3
    assert all(w.filename == __file__ for w in caught)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fd.partial(lambda _: 1.0, W, (0, 0))  # two evaluations prove nothing: no warning


def test_numdifftools_style_objects_pickle_and_take_positional_options(fd):
    import copy

    g = pickle.loads(pickle.dumps(fd.Gradient(rosen, 1e-5, "forward")))
    assert type(g) is fd.Gradient and g.options == {"h": 1e-5, "method": "forward"}
    assert g([0.5, 0.5]).tolist() == fd.gradient(rosen, [0.5, 0.5], h=1e-5, method="forward").tolist()
    assert copy.deepcopy(fd.Hessian(rosen))([0.5, 0.5]).tolist() == fd.hessian(rosen, [0.5, 0.5]).tolist()
    assert fd.Derivative(np.sin, 1e-3)(0.5) == fd.derivative(np.sin, 0.5, h=1e-3)


def test_check_grad_result_formats_like_a_float(fd):
    c = fd.check_grad(rosen, lambda v: np.zeros(2), [1.0, 2.0])
    assert f"{c:.3e}" == f"{float(c):.3e}" and abs(c) == float(c) and round(c, 2) == round(float(c), 2)
    assert np.log10(c) == pytest.approx(np.log10(float(c))) and not np.isclose(c, 0)



def test_check_grad_result_is_a_float_in_every_operation(fd):
    """Issue 22: SciPy's idioms, `0 - check_grad(...)` and assert_almost_equal(check_grad(...), 0),
    failed with a TypeError; the result is a float (the norm SciPy returns) with the report."""
    import operator
    import pickle

    good = fd.check_grad(rosen, rosen_grad, [1.0, 2.0])
    bad = fd.check_grad(rosen, lambda v: np.zeros(2), [1.0, 2.0])
    for c in (good, bad):
        value = float(c)
        assert value == float(np.linalg.norm(c.analytic - c.numeric))
        for op in (operator.add, operator.sub, operator.mul, operator.pow, operator.lt, operator.eq, max):
            assert op(c, 2.0) == op(value, 2.0) and op(3.0, c) == op(3.0, value)
        assert c / 2.0 == value / 2.0
        assert -c == -value and abs(c) == value and np.float64(c) == value and math.isclose(c, value)
        back = pickle.loads(pickle.dumps(c))
        assert float(back) == value and back.ok == c.ok and np.array_equal(back.numeric, c.numeric)
    np.testing.assert_almost_equal(good, 0, decimal=6)
    with pytest.raises(AssertionError):
        np.testing.assert_almost_equal(bad, 0)
    assert bool(good) and not bool(bad)  # (truth value: ok, not the norm)
    assert str(bad) == repr(float(bad)) == f"{bad}" and repr(bad).startswith("GradCheck(")

@pytest.mark.filterwarnings("ignore:the matrix subclass:PendingDeprecationWarning")
def test_a_numpy_matrix_is_an_array_like_any(fd):
    M = np.matrix([[1.0, 2.0]])
    f = lambda w: float(np.sum(np.asarray(w) ** 2))  # noqa: E731
    np.testing.assert_allclose(fd.numerical_gradient(f, M), [[2.0, 4.0]], rtol=1e-8)
    np.testing.assert_allclose(fd.gradient_descent(f, M, lr=0.25, step_num=1), [[0.5, 1.0]], rtol=1e-8)
    with pytest.raises(TypeError, match="numpy ndarray"):
        fd.gradient(f, M, inplace=True)


def test_check_grad_of_a_float32_f(fd):
    g = lambda v: np.float32(np.sin(v).sum())  # noqa: E731
    x = np.array([1.0, 2.0, 3.0])
    assert fd.check_grad(g, np.cos, x)
    assert not fd.check_grad(g, lambda v: np.cos(v) * 1.01, x)


def test_constant_vector_f_and_elementwise_f_warn(fd):
    W = np.ones(3)
    with pytest.warns(fd.UnchangingWarning):
        assert not fd.jacobian(lambda _: (W**2).ravel(), W).any()
    with pytest.warns(fd.UnchangingWarning):
        assert not fd.derivative(lambda _: W**2, W).any()


def test_an_even_function_at_its_minimum_does_not_warn(fd):
    """x0**2 + x1**2 at 0 gives h**2 at every point of a central stencil, but 0 at x itself: f
    reads x, and the zero gradient is right (the seed's gradient field passes through 0)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert fd.gradient(lambda x: x[0] ** 2 + x[1] ** 2, [0.0, 0.0]).tolist() == [0.0, 0.0]
        assert fd.gradient(lambda x: float(np.cos(x).sum()), np.zeros(4), workers=2).tolist() == [0.0] * 4
        assert fd.hessian_diag(lambda x: float(np.sum(x**3)), np.zeros(3)).tolist() == [0.0] * 3
    with pytest.warns(fd.UnchangingWarning):  # an f that ignores x still warns
        fd.gradient(lambda x: 3.0, [0.0, 0.0])
