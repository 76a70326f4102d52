"""fdgrad.numdifftools as a drop-in for numdifftools' classes: its defaults (adaptive), shapes,
full_output, errors, and the clear NotImplementedError for what it does not compute."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from _optional import need

import fdgrad
import fdgrad.numdifftools as nd


def test_importing_the_namespace_imports_no_numdifftools():
    code = "import sys, fdgrad.numdifftools; assert 'numdifftools' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_adaptive_by_default_and_honest(n):
    """Issue 22: with fdgrad's fixed-step classes numdifftools code lost accuracy silently
    (exp, n = 1: 8.4e-12; n = 4: 4.0e-5); the namespace is adaptive, with an estimate."""
    rng = np.random.default_rng(n)
    for x in rng.uniform(-2.0, 2.0, 10):
        result = nd.Derivative(np.exp, n=n, full_output=True)(x)
        error = abs(float(result.estimate) - np.exp(x))
        assert error <= 1e-8 * np.exp(x) and error <= float(result.error_estimate), (n, x, result)


def test_as_accurate_as_numdifftools_on_its_own_examples():
    numdifftools = need("numdifftools")
    f = lambda x: np.sum(np.exp(x) * np.sin(x))  # noqa: E731
    x = np.array([0.5, 1.5, -2.0])
    truth = np.exp(x) * (np.sin(x) + np.cos(x))
    ours, theirs = nd.Gradient(f)(x), numdifftools.Gradient(f)(x)
    assert np.max(np.abs(ours - truth) / np.abs(truth)) <= 10 * max(np.max(np.abs(theirs - truth) / np.abs(truth)),
                                                                    1e-14)
    for k in (1, 2, 3, 4):
        ours = abs(nd.Derivative(np.exp, n=k)(1.0) - np.e)
        theirs = abs(numdifftools.Derivative(np.exp, n=k)(1.0) - np.e)
        assert ours <= 10 * max(theirs, 1e-14), (k, ours, theirs)


def test_shapes_as_numdifftools_gives_them():
    numdifftools = need("numdifftools")
    scalar_f = lambda x: np.sum(np.asarray(x) ** 2)  # noqa: E731
    vector_f = lambda x: np.array([x[0] * x[1], x[0]])  # noqa: E731
    cases = [("Gradient", scalar_f, 1.5), ("Gradient", scalar_f, [1.0, 2.0]), ("Jacobian", scalar_f, [1.0, 2.0]),
             ("Jacobian", vector_f, [1.0, 2.0]), ("Hessian", scalar_f, 1.5), ("Hessian", scalar_f, [1.0, 2.0]),
             ("Hessdiag", scalar_f, 1.5), ("Hessdiag", scalar_f, [1.0, 2.0]), ("Derivative", np.sin, 0.5),
             ("Derivative", np.sin, [0.1, 0.2])]
    for name, f, x in cases:
        ours, theirs = getattr(nd, name)(f)(x), getattr(numdifftools, name)(f)(x)
        assert np.shape(ours) == np.shape(theirs), (name, x)
        np.testing.assert_allclose(ours, theirs, rtol=1e-8, atol=1e-10)


def test_calls_take_extra_arguments_and_fixed_steps():
    def func(x, a, b=1):
        return b * a * x * x * x

    for cls, truth in ((nd.Derivative, 6.0), (nd.Gradient, 6.0), (nd.Hessdiag, 12.0), (nd.Hessian, 12.0)):
        np.testing.assert_allclose(np.ravel(cls(func)(1.0, 1.0, b=2)), truth, rtol=1e-9)
    fixed = nd.Gradient(lambda x: np.sum(np.sin(x)), step=1e-4)(np.array([0.3, 0.9]))
    assert fixed.tobytes() == fdgrad.gradient(lambda x: np.sum(np.sin(x)), [0.3, 0.9], h=1e-4, order=2).tobytes()
    assert nd.Derivative(np.sin, n=0)(0.5) == np.sin(0.5)


def test_review_findings_are_mended():
    """A review as a numdifftools user: fun gets a 1-vector at a scalar x (not a number); order is
    checked; an f of several values at a number, an f of shape (1,), 2-D values, a 1-element x, a
    flat vec for a 2-D x0, Hessdiag's positional arguments -- each as numdifftools has it."""
    numdifftools = need("numdifftools")
    first = lambda x: x[0] ** 2  # noqa: E731
    for name in ("Gradient", "Jacobian", "Hessian", "Hessdiag"):
        np.testing.assert_allclose(getattr(nd, name)(first)(1.0), getattr(numdifftools, name)(first)(1.0), rtol=1e-9)
    for bad in (1.5, "two", None, -2, 3):
        with pytest.raises(ValueError, match="order"):
            nd.Gradient(first, order=bad)
    several = lambda t: np.array([t, t**2])  # noqa: E731
    np.testing.assert_allclose(nd.Derivative(several)(1.5), numdifftools.Derivative(several)(1.5), rtol=1e-9)
    one = lambda x: np.array([np.sum(x**2)])  # noqa: E731
    np.testing.assert_allclose(nd.Gradient(one)([1.0, 2.0]), [2.0, 4.0], rtol=1e-9)
    assert nd.Gradient(first)(np.array([1.5])).shape == numdifftools.Gradient(first)(np.array([1.5])).shape
    table = lambda x: np.outer(x[:2], x[1:])  # noqa: E731
    x = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(nd.Jacobian(table)(x), numdifftools.Jacobian(table)(x), rtol=1e-8, atol=1e-10)
    vec = lambda x: np.sum(x**2)  # noqa: E731
    np.testing.assert_allclose(nd.directionaldiff(vec, np.ones((2, 2)), np.ones(4)),
                               numdifftools.directionaldiff(vec, np.ones((2, 2)), np.ones(4)), rtol=1e-9)
    with pytest.raises(TypeError):
        nd.Hessdiag(vec, None, "central", 2, 1)  # (no fifth positional argument, as in numdifftools)


def test_full_output_is_an_estimate_result():
    result = nd.Hessian(lambda x: x[0] ** 2 * x[1], full_output=True)([1.0, 2.0])
    assert isinstance(result, nd.EstimateResult) and result.best_index is None
    np.testing.assert_allclose(result.estimate, [[4.0, 2.0], [2.0, 0.0]], atol=1e-9)
    assert np.shape(result.error_estimate) == (2, 2) and np.all(np.isfinite(result.error_estimate))
    d = nd.directionaldiff(lambda x: (1 - x[0]) ** 2 + 105 * (x[1] - x[0] ** 2) ** 2, [2.0, 3.0], [1.0, -1.0],
                           full_output=True)
    grad = np.array([-2 * (1 - 2.0) - 420 * 2.0 * (3.0 - 4.0), 210 * (3.0 - 4.0)])
    np.testing.assert_allclose(d.estimate, grad @ np.array([1.0, -1.0]) / np.sqrt(2.0), rtol=1e-10)


@pytest.mark.parametrize("make, words", [
    (lambda: nd.Derivative(np.sin, method="multicomplex"), "multicomplex"),
    (lambda: nd.Derivative(np.sin, n=5)(0.5), "order n = 5"),
    (lambda: nd.Derivative(np.sin, method="complex", n=2)(0.5), "complex step of a derivative of order n = 2"),
    (lambda: nd.Hessian(np.sin, method="complex"), "complex step of a Hessian"),
    (lambda: nd.Hessdiag(np.sin, method="complex"), "complex step of a Hessdiag"),
    (lambda: nd.Gradient(np.sin, num_extrap=5), "num_extrap"),
    (lambda: nd.Gradient(np.sin, step=object()), "step generators"),
    (lambda: nd.Jacobian(lambda x: x)(np.ones((2, 2))), "columns of a 2-D x"),
    (lambda: nd.Gradient(np.sin, n=2)([1.0]), "order n = 2"),
    (lambda: nd.Hessian(np.sin, method="forward"), "adaptive Hessian by forward"),
    (lambda: nd.Hessdiag(np.sin, n=2), "order n = 2"),
    (lambda: nd.Derivative(np.exp, 0.1, "complex", 4), "complex step of order 4 at a given step"),
    (lambda: nd.Derivative(np.exp)(1 + 1j), "complex x"),
    (lambda: nd.Gradient(lambda x: np.sum((1 + 1j) * x))([1.0, 2.0]), "complex-valued f"),
])
def test_what_it_does_not_compute_is_named(make, words):
    with pytest.raises(NotImplementedError, match=words):
        make()


def test_the_complex_step_refuses_complex_values_and_variables_as_numdifftools_does():
    with pytest.raises(ValueError, match="function given is complex valued"):
        nd.Gradient(lambda x: np.sum((1 + 1j) * x**2), method="complex")([1.0, 2.0])
    with pytest.raises(ValueError, match="complex variable was given"):
        nd.Jacobian(lambda x: np.sum(x**2), method="complex")([1j, 2.0])
    np.testing.assert_allclose(nd.Jacobian(lambda x: np.sum(x**2) + 0j, method="complex")([1.0, 2.0]), [[2.0, 4.0]])
    with pytest.raises(ValueError, match="method must be one of"):
        nd.Derivative(np.sin, method="sideways")
