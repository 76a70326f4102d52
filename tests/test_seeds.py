"""Every figure the two seed texts print comes out of fdgrad exactly (==)."""

from __future__ import annotations

import numpy as np
import pytest

from fdgrad.testing import textbook as _textbook

DX = 0.001  # seed 000: dx = 0.001, forward differences


def square(x):
    return x * x


def power3(x):
    return x * x * x


def triple(x):
    return 3 * x


@pytest.mark.parametrize(
    ("f", "x", "printed"),
    [
        (lambda x: x**3, 2, 12.006000999997823),
        (square, 2, 4.000999999999699),
        (power3, 1, 3.0030009999995055),
        (power3, 2, 12.0060009999996),
        (triple, 1, 2.9999999999996696),
        (triple, 2, 3.0000000000001137),
    ],
)
def test_forward_differences_with_dx_0_001(fd, f, x, printed):
    assert fd.derivative(f, x, h=DX, method="forward") == printed


def vec_f(p):
    [x, y] = p
    return x * x + y * y


def test_forward_partials_and_gradient_with_step_0_01(fd):
    assert fd.partial(vec_f, [1, 3], 0, h=0.01, method="forward") == 2.009999999999934
    assert fd.partial(vec_f, [1, 3], 1, h=0.01, method="forward") == 6.009999999999849
    grad = fd.gradient(vec_f, [1, 3], h=0.01, method="forward")
    assert grad.tolist() == [2.009999999999934, 6.009999999999849]


def function_1(x):
    return 0.01 * x**2 + 0.1 * x


def test_numerical_diff_of_function_1(fd):
    assert fd.numerical_diff(function_1, 5) == 0.1999999999990898
    assert fd.numerical_diff(function_1, 10) == 0.2999999999986347


def function_2(x):
    return x[0] ** 2 + x[1] ** 2


def test_partials_of_function_2(fd):
    # The seed fixes the other variable and differentiates a function of one.
    assert fd.numerical_diff(lambda x0: x0 * x0 + 4.0**2.0, 3.0) == 6.00000000000378
    assert fd.numerical_diff(lambda x1: 3.0**2.0 + x1 * x1, 4.0) == 7.999999999999119
    # The same figures as partial derivatives of function_2 itself.
    assert fd.partial(function_2, np.array([3.0, 4.0]), 0, h=1e-4) == 6.00000000000378
    assert fd.partial(function_2, np.array([3.0, 4.0]), 1, h=1e-4) == 7.999999999999119


@pytest.mark.parametrize(
    ("point", "printed"),
    [([3.0, 4.0], "[6. 8.]"), ([0.0, 2.0], "[0. 4.]"), ([3.0, 0.0], "[6. 0.]")],
)
def test_numerical_gradient_of_function_2(fd, point, printed):
    grad = fd.numerical_gradient(function_2, np.array(point))
    assert str(grad) == printed
    assert np.array_equal(grad, _textbook.numerical_gradient(function_2, np.array(point)))
    assert grad.tolist() == {
        "[6. 8.]": [6.00000000000378, 7.999999999999119],
        "[0. 4.]": [0.0, 4.000000000004],
        "[6. 0.]": [6.000000000012662, 0.0],
    }[printed]


def test_gradient_descent_on_function_2(fd):
    init_x = np.array([-3.0, 4.0])
    x = fd.gradient_descent(function_2, init_x=init_x, lr=0.1, step_num=100, h=1e-4)
    assert repr(x) == "array([-6.11110793e-10,  8.14814391e-10])"
    # The seed's own loop, run here, agrees to the last bit.
    expected = _textbook.gradient_descent(function_2, init_x=np.array([-3.0, 4.0]), lr=0.1, step_num=100)
    assert np.array_equal(x, expected)
    assert init_x.tolist() == [-3.0, 4.0]


def test_gradient_descent_history(fd):
    x, path = fd.gradient_descent(function_2, [-3.0, 4.0], lr=0.1, step_num=100, h=1e-4, history=True)
    assert path.shape == (101, 2)
    assert path[0].tolist() == [-3.0, 4.0]
    assert np.array_equal(path[-1], x)
    # Each step is exactly x -= lr * grad.
    for k in (0, 1, 57, 99):
        step = path[k] - 0.1 * fd.numerical_gradient(function_2, path[k])
        assert np.array_equal(step, path[k + 1])
