"""Property tests (hypothesis): random cubic polynomials at random points.

A polynomial of degree <= 3 makes the order-4 central stencil and the
Hessian's stencils exact but for rounding, so the tolerances are rounding
bounds: each value of f is off by at most k eps S, where S bounds the sum of
the absolute values of f's terms near x and k = 8 covers the operations that
evaluate it; a stencil divides by its denominator and the step(s).
"""

from __future__ import annotations

import numpy as np
import pytest
from _optional import need

need("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

# Random polynomials include constant ones, for which fdgrad rightly warns that f never changed.
pytestmark = pytest.mark.filterwarnings("ignore::fdgrad.UnchangingWarning")

EPS = np.finfo(float).eps
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@st.composite
def polynomials(draw):
    """(n, terms, x): terms are (coefficient, exponents) with total degree <= 3."""
    n = draw(st.integers(1, 4))
    count = draw(st.integers(1, 5))
    terms = []
    for _ in range(count):
        exps = [0] * n
        for _ in range(draw(st.integers(0, 3))):
            exps[draw(st.integers(0, n - 1))] += 1
        terms.append((draw(st.floats(-3, 3, allow_nan=False)), tuple(exps)))
    x = np.array(draw(st.lists(st.floats(-2, 2, allow_nan=False), min_size=n, max_size=n)))
    return n, terms, x


def value(terms, x):
    return float(sum(c * np.prod([x[i] ** e for i, e in enumerate(exps)]) for c, exps in terms))


def grad(terms, x):
    g = np.zeros(len(x))
    for c, exps in terms:
        for i, e in enumerate(exps):
            if e:
                g[i] += c * e * np.prod([x[j] ** (ej - (j == i)) for j, ej in enumerate(exps)])
    return g


def hess(terms, x):
    n = len(x)
    H = np.zeros((n, n))
    for c, exps in terms:
        for i in range(n):
            for j in range(n):
                e = list(exps)
                factor = e[i]
                e[i] -= 1
                factor *= e[j]
                e[j] -= 1
                if factor > 0:
                    H[i, j] += c * factor * np.prod([x[k] ** ek for k, ek in enumerate(e)])
    return H


def scale(terms, x, reach):
    """S: the sum of |terms| anywhere within reach of x."""
    r = np.abs(x) + reach
    return float(sum(abs(c) * np.prod([r[i] ** e for i, e in enumerate(exps)]) for c, exps in terms)) + 1.0


@SETTINGS
@given(polynomials())
def test_gradient_jacobian_hessian_match_the_analytic_values(fd, poly):
    n, terms, x = poly
    f = lambda v: value(terms, v)  # noqa: E731
    h4 = EPS ** (1 / 5) * np.maximum(1.0, np.abs(x))  # order 4's default step
    S = scale(terms, x, 2 * h4.max())
    g = fd.gradient(f, x, order=4)
    np.testing.assert_allclose(g, grad(terms, x), rtol=0, atol=(18 / 12) * 2 * 8 * EPS * S / h4.min())
    J = fd.jacobian(lambda v: np.array([f(v), 2.0 * f(v)]), x, order=4)
    np.testing.assert_allclose(J, np.stack([grad(terms, x), 2 * grad(terms, x)]), rtol=0,
                               atol=2 * (18 / 12) * 2 * 8 * EPS * S / h4.min())
    hh = EPS ** (1 / 4) * np.maximum(1.0, np.abs(x))
    S2 = scale(terms, x, 2 * hh.max())
    H = fd.hessian(f, x)
    assert np.array_equal(H, H.T)
    np.testing.assert_allclose(H, hess(terms, x), rtol=0, atol=2 * 8 * EPS * S2 / hh.min() ** 2)


@SETTINGS
@given(polynomials(), st.sampled_from(["central", "forward", "backward"]))
def test_backends_agree_and_x_is_untouched(compiled, pure, poly, method):
    n, terms, x = poly
    before = x.copy()
    f = lambda v: value(terms, v)  # noqa: E731
    for call in (lambda api: api.gradient(f, x, method=method),
                 lambda api: api.hessian(f, x, method=method),
                 lambda api: api.gradient(f, x, method=method, adaptive=True)):
        assert call(compiled).tobytes() == call(pure).tobytes()
    assert x.tobytes() == before.tobytes()


class Boom(Exception):
    pass


@SETTINGS
@given(polynomials(), st.integers(0, 40), st.sampled_from(["gradient", "hessian", "jacobian", "adaptive"]))
def test_an_exception_at_any_evaluation_propagates(fd, poly, k, name):
    n, terms, x = poly
    before = x.copy()
    count = [0]

    def f(v):
        count[0] += 1
        if count[0] > k:
            raise Boom(count[0])
        return value(terms, v)

    call = {
        "gradient": lambda: fd.gradient(f, x),
        "hessian": lambda: fd.hessian(f, x),
        "jacobian": lambda: fd.jacobian(lambda v: np.array([f(v)]), x),
        "adaptive": lambda: fd.gradient(f, x, adaptive=True),
    }[name]
    try:
        call()
    except Boom as exc:
        assert exc.args == (k + 1,)
    else:
        assert count[0] <= k  # fewer evaluations than k: nothing raised, rightly
    assert x.tobytes() == before.tobytes()
