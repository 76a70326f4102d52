"""The caller's data is never modified, inputs are converted to float64, and f
sees one read-only array of x's shape for the whole loop."""

from __future__ import annotations

import numpy as np
import pytest

METHODS = ("forward", "backward", "central")


def sum_sq(x):
    return float(np.sum(x**2))


def calls_of(fd, name, f, x):
    """Run public function `name` on f and x with arguments that suit it."""
    if name == "gradient":
        return fd.gradient(f, x)
    if name == "numerical_gradient":
        return fd.numerical_gradient(f, x)
    if name == "partial":
        return fd.partial(f, x, -1)
    if name == "gradient_descent":
        return fd.gradient_descent(f, x, lr=0.1, step_num=2)
    raise AssertionError(name)


ARRAY_FUNCTIONS = ("gradient", "numerical_gradient", "partial", "gradient_descent")


@pytest.mark.parametrize("name", ARRAY_FUNCTIONS)
def test_x_unchanged_after_a_normal_call(fd, name, rng):
    x = rng.standard_normal((3, 4))
    before = x.copy()
    calls_of(fd, name, sum_sq, x)
    assert np.array_equal(x, before)


class Boom(Exception):
    pass


def raising_at(k):
    """An f that raises on its k-th call (0 = the first)."""
    count = [0]

    def f(x):
        count[0] += 1
        if count[0] > k:
            raise Boom(f"call {count[0]}")
        return float(np.sum(x**2))

    return f


# A 2x3 x: forward and backward make 1 + 6 evaluations, central 12.
EVALUATIONS = {"forward": 7, "backward": 7, "central": 12}


@pytest.mark.parametrize(("method", "k"), [(m, k) for m in METHODS for k in range(EVALUATIONS[m])])
def test_x_unchanged_when_f_raises_at_any_evaluation(fd, method, k):
    x = np.array([[1.5, -2.0, 3.25], [0.5, 7.0, -1.0]])
    before = x.copy()
    with pytest.raises(Boom) as info:
        fd.gradient(raising_at(k), x, method=method)
    assert str(info.value) == f"call {k + 1}"
    assert np.array_equal(x, before)


CALLERS = {
    "derivative": lambda fd, f, x, m: fd.derivative(lambda t: f(np.array([t])), float(x[0, 0]), method=m),
    "partial": lambda fd, f, x, m: fd.partial(f, x, (1, 2), method=m),
    "jacobian": lambda fd, f, x, m: fd.jacobian(lambda v: np.array([f(v), 1.0]), x, method=m),
    "hessian_diag": lambda fd, f, x, m: fd.hessian_diag(f, x, method=m),
    "directional": lambda fd, f, x, m: fd.directional(f, x, x, method=m),
    "gradient_descent": lambda fd, f, x, m: fd.gradient_descent(f, x, step_num=2, method=m),
    "adaptive": lambda fd, f, x, m: fd.gradient(f, x, method=m, adaptive=True),
}


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", sorted(CALLERS))
def test_every_function_leaves_x_intact_when_f_raises_at_any_evaluation(fd, name, method):
    x = np.array([[1.5, -2.0, 3.25], [0.5, 7.0, -1.0]])
    before = x.copy()
    calls = [0]

    def counting(v):
        calls[0] += 1
        return float(np.sum(np.asarray(v) ** 2))

    CALLERS[name](fd, counting, x, method)
    total = calls[0]
    assert total >= 2
    for k in range(total):
        with pytest.raises(Boom):
            CALLERS[name](fd, raising_at(k), x, method)
        assert np.array_equal(x, before) and x.flags.writeable


def test_exception_propagates_unchanged(fd):
    err = KeyError("exactly this one")

    def f(x):
        raise err

    with pytest.raises(KeyError) as info:
        fd.gradient(f, [1.0, 2.0])
    assert info.value is err


def test_keyboard_interrupt_propagates(fd):
    x = np.ones(4)

    def f(v):
        if v[2] != 1.0:
            raise KeyboardInterrupt
        return 0.0

    with pytest.raises(KeyboardInterrupt):
        fd.gradient(f, x)
    assert np.array_equal(x, np.ones(4))


def test_read_only_x(fd, rng):
    x = rng.standard_normal(5)
    x.flags.writeable = False
    grad = fd.gradient(sum_sq, x)
    np.testing.assert_allclose(grad, 2 * x, rtol=1e-9)
    path_end = fd.gradient_descent(sum_sq, x, lr=0.1, step_num=3)
    assert path_end.flags.writeable
    assert fd.partial(sum_sq, x, 0) == grad[0]


def test_views_and_non_contiguous_x(fd, rng):
    base = rng.standard_normal((6, 8))
    view = base[::2, 1::3]
    before = base.copy()
    grad = fd.gradient(sum_sq, view)
    assert grad.shape == view.shape
    np.testing.assert_allclose(grad, 2 * view, rtol=1e-9)
    assert np.array_equal(base, before)


def test_integer_x_gives_float_gradient(fd):
    # The textbook loop on an int array truncates x + h to x and x - h to x - 1.
    x = np.array([3, 4])
    grad = fd.numerical_gradient(lambda v: v[0] ** 2 + v[1] ** 2, x)
    assert grad.dtype == np.float64
    np.testing.assert_allclose(grad, [6.0, 8.0], rtol=1e-10)
    assert x.dtype.kind == "i" and x.tolist() == [3, 4]
    # ...and gets (9 - 4) / 2e-4 = 25000 where the answer is 6.
    from fdgrad.testing import textbook as _textbook

    assert _textbook.numerical_gradient(lambda v: v[0] ** 2 + v[1] ** 2, x.copy()).tolist() == [25000, 35000]


def test_list_and_float32_x(fd):
    f = lambda v: v[0] ** 2 + v[1] ** 2  # noqa: E731
    from_list = fd.numerical_gradient(f, [3, 4])
    x32 = np.array([3.0, 4.0], dtype=np.float32)
    copied = fd.gradient(f, x32, h=1e-4)  # copying: x's values in float64
    assert from_list.dtype == copied.dtype == np.float64
    assert np.array_equal(from_list, copied)
    # The textbook name perturbs a writable float array in place, as the textbook
    # does, so f computes in float32 here: float32's accuracy, x untouched after.
    in_place = fd.numerical_gradient(f, x32)
    assert in_place.dtype == np.float64
    np.testing.assert_allclose(in_place, [6.0, 8.0], rtol=2e-3)
    assert x32.dtype == np.float32 and x32.tolist() == [3.0, 4.0]


def test_derivative_scalar_and_array_types(fd):
    assert type(fd.derivative(np.sin, 1)) is float
    assert type(fd.derivative(lambda x: x**2, np.float32(2.0))) is float
    out = fd.derivative(np.sin, np.array([[0.0, 1.0], [2.0, 3.0]]))
    assert out.shape == (2, 2) and out.dtype == np.float64
    np.testing.assert_allclose(out, np.cos([[0.0, 1.0], [2.0, 3.0]]), rtol=1e-9, atol=1e-10)


def test_f_sees_one_read_only_array_of_x_shape(fd):
    """No per-call allocation: every call gets the same array object."""
    seen = []

    def f(w):
        seen.append((id(w), w.shape, w.flags.writeable, type(w)))
        return float(np.sum(w))

    x = np.zeros((2, 3))
    fd.gradient(f, x)
    assert len(seen) == 12
    assert len({s[0] for s in seen}) == 1
    assert {s[1:] for s in seen} == {((2, 3), False, np.ndarray)}


def test_f_cannot_write_its_argument(fd):
    def f(w):
        w[0] = 0.0
        return 0.0

    x = np.ones(3)
    with pytest.raises(ValueError, match="read-only"):
        fd.gradient(f, x)
    assert np.array_equal(x, np.ones(3))


@pytest.mark.parametrize(("method", "calls"), [("forward", 6), ("backward", 6), ("central", 10)])
def test_evaluation_counts(fd, method, calls):
    count = [0]

    def f(w):
        count[0] += 1
        return float(w @ w)

    fd.gradient(f, np.arange(5.0), method=method)
    assert count[0] == calls


def test_f_returning_numpy_and_zero_d_values(fd):
    grads = [
        fd.gradient(f, [1.0, 2.0], h=1e-3)
        for f in (
            lambda v: float(v @ v),
            lambda v: v @ v,  # np.float64
            lambda v: np.float32(v @ v),
            lambda v: np.array(v @ v),  # 0-d array
        )
    ]
    for g in grads[:2] + grads[3:]:
        assert np.array_equal(g, grads[0])
    np.testing.assert_allclose(grads[2], [2.0, 4.0], rtol=1e-3)
