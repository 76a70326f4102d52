"""gradient_descent that stops: tol, callback and full_output (issue 13, part 4)."""

from __future__ import annotations

import numpy as np
import pytest

from fdgrad._stencils import norm


def bowl(p):
    return float(p[0] ** 2 + 3.0 * p[1] ** 2 + 0.5 * p[0] * p[1])


START = [-3.0, 4.0]

# The fixed-step descents the C loop runs; each with full_output must run the same arithmetic
# one step at a time in Python and give the same bits.
VARIANTS = [{}, {"h": 1e-4}, {"method": "forward"}, {"method": "backward", "order": 2}, {"order": 4},
            {"h": [1e-3, 1e-5]}]


@pytest.mark.parametrize("options", VARIANTS)
def test_the_stepwise_loop_equals_the_c_loop_bit_for_bit(fd, options):
    plain, path = fd.gradient_descent(bowl, START, lr=0.05, step_num=40, history=True, **options)
    x, path2, info = fd.gradient_descent(bowl, START, lr=0.05, step_num=40, history=True, full_output=True,
                                         **options)
    assert x.tobytes() == plain.tobytes() and path2.tobytes() == path.tobytes()
    assert (info.nit, info.reason, info.converged) == (40, "step_num", False)
    assert x.tobytes() == fd.gradient_descent(bowl, START, lr=0.05, step_num=40, tol=0.0, **options).tobytes()


def test_the_textbook_call_keeps_its_figures(fd):
    # The seed's figure (tests/test_seeds.py checks the printed value); here with the new options on.
    f = lambda x: x[0] ** 2 + x[1] ** 2  # noqa: E731
    want = fd.gradient_descent(f, np.array([-3.0, 4.0]), lr=0.1, step_num=100)
    got, info = fd.gradient_descent(f, np.array([-3.0, 4.0]), lr=0.1, step_num=100, full_output=True)
    assert got.tobytes() == want.tobytes()
    assert info.nfev == 100 * 4 and info.nit == 100


def replay(fd, tol, lr=0.05, limit=10_000):
    """The descent by hand, with fd.gradient: (x, steps taken, last gradient)."""
    x, grad = np.array(START), None
    for step in range(limit):
        grad = fd.gradient(bowl, x)
        if norm(grad) < tol:
            return x, step, grad
        x = x - lr * grad
    return x, limit, grad


@pytest.mark.parametrize("tol", [1e-1, 1e-4, 1e-8])
def test_tol_stops_at_the_first_gradient_below_it(fd, tol):
    x, info = fd.gradient_descent(bowl, START, lr=0.05, step_num=10_000, tol=tol, full_output=True)
    want_x, want_steps, want_grad = replay(fd, tol)
    assert info.nit == want_steps < 10_000
    assert x.tobytes() == want_x.tobytes()
    assert info.grad.tobytes() == want_grad.tobytes() and info.grad_norm == norm(want_grad)
    assert info.converged and info.reason == "tol" and info.grad_norm < tol
    assert info.nfev == 4 * (info.nit + 1)  # central: 2 n per gradient, one more for the last check


def test_tol_too_strict_runs_every_step(fd):
    x, info = fd.gradient_descent(bowl, START, lr=0.05, step_num=7, tol=1e-300, full_output=True)
    assert (info.nit, info.converged, info.reason) == (7, False, "step_num")
    assert x.tobytes() == fd.gradient_descent(bowl, START, lr=0.05, step_num=7).tobytes()


def test_callback_sees_every_step_and_can_stop(fd):
    x_path = fd.gradient_descent(bowl, START, lr=0.05, step_num=30, history=True)[1]
    seen = []

    def callback(step, x, grad):
        seen.append((step, x.copy(), grad.copy()))
        x[...] = 1e9  # a copy: the descent must not see this
        grad[...] = 1e9
        return step == 12

    x, path, info = fd.gradient_descent(bowl, START, lr=0.05, step_num=30, history=True, callback=callback,
                                        full_output=True)
    assert [s for s, _, _ in seen] == list(range(1, 13))
    assert all(np.array_equal(xk, x_path[k]) for k, xk, _ in seen)
    assert all(np.array_equal(g, fd.gradient(bowl, x_path[k - 1])) for k, _, g in seen)
    assert (info.nit, info.reason, info.converged) == (12, "callback", False)
    assert path.shape == (13, 2) and path.tobytes() == x_path[:13].tobytes()
    assert x.tobytes() == x_path[12].tobytes()


def test_callback_and_tol_with_a_native_f(fd, native_lib):
    steps = []
    x, info = fd.gradient_descent(native_lib.sumsq, [1.0, 2.0, 3.0], lr=0.1, step_num=50, tol=1e-3,
                                  callback=lambda k, x, g: steps.append(k), full_output=True)
    assert steps == list(range(1, info.nit + 1)) and info.reason == "tol"


def tangled(p):
    return float(p[0] ** 2 + p[1] ** 2 + p[0] * p[1] + np.sin(p[0] * p[1]))


@pytest.mark.parametrize("options", [{}, {"adaptive": True}, {"full_output": True}, {"tol": 1e-9},
                                     {"method": "forward", "adaptive": True}])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_in_place_descent_follows_the_iterate(fd, options, dtype):
    """inplace=True: f reads the iterate from the caller's array (the textbook's network), which
    must hold the iterate between all the evaluations of a step, adaptive ladders included."""
    w = np.array([1.0, -2.0], dtype=dtype)
    original = w.copy()

    def loss(_ignored):
        return tangled(w.astype(np.float64))

    got = fd.gradient_descent(loss, w, lr=0.2, step_num=15, inplace=True, **options)
    want = fd.gradient_descent(tangled, original.astype(np.float64), lr=0.2, step_num=15, **options)
    got, want = (got[0], want[0]) if options.get("full_output") else (got, want)
    assert np.array_equal(w, original)  # restored after the call
    if dtype == np.float64:
        assert got.tobytes() == want.tobytes()
    else:  # the iterate is stored in float32 between evaluations
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_step_num_zero_and_errors_in_the_callback(fd):
    x, info = fd.gradient_descent(bowl, START, step_num=0, tol=1.0, full_output=True)
    assert x.tolist() == START and (info.nit, info.nfev, info.grad, info.reason) == (0, 0, None, "step_num")
    assert np.isnan(info.grad_norm)
    start = np.array(START)

    def failing(step, x, grad):
        raise KeyError("stop here")

    with pytest.raises(KeyError, match="stop here"):
        fd.gradient_descent(bowl, start, callback=failing)
    assert start.tolist() == START


def test_backends_agree_with_tol_and_callback(compiled, pure):
    for options in ({"tol": 1e-5}, {"callback": lambda k, x, g: k >= 9}, {"tol": 1e-3, "adaptive": True}):
        a = compiled.gradient_descent(bowl, START, lr=0.05, step_num=500, full_output=True, **options)
        b = pure.gradient_descent(bowl, START, lr=0.05, step_num=500, full_output=True, **options)
        assert a[0].tobytes() == b[0].tobytes() and a[1].nit == b[1].nit and a[1].nfev == b[1].nfev
