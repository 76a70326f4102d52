"""The seed's neural-network gradient: dL/dW for a 2x3 weight matrix."""

from __future__ import annotations

import numpy as np
import pytest


def softmax(a):
    e = np.exp(a - np.max(a))
    return e / np.sum(e)


def cross_entropy(y, t):
    return -np.sum(t * np.log(y))


X = np.array([0.6, 0.9])
T = np.array([0.0, 0.0, 1.0])


def loss(W):
    return cross_entropy(softmax(X @ W), T)


@pytest.fixture
def W(rng):
    return rng.standard_normal((2, 3))


def analytic(W):
    return np.outer(X, softmax(X @ W) - T)


def test_numerical_gradient_of_the_loss(fd, W):
    before = W.copy()
    dW = fd.numerical_gradient(loss, W)
    assert dW.shape == (2, 3)
    # Central differences, h = 1e-4: truncation h**2/6 * |L'''| with |x| < 1 and
    # |L'''| < 1 is under 2e-9; rounding eps*|L|/h is about 1e-11.
    np.testing.assert_allclose(dW, analytic(W), rtol=0, atol=2e-9)
    assert np.array_equal(W, before)


def test_gradient_with_default_steps(fd, W):
    before = W.copy()
    dW = fd.gradient(loss, W)
    # h = eps**(1/3) ~ 6e-6: truncation ~ 6e-12, rounding ~ eps/h ~ 4e-11.
    np.testing.assert_allclose(dW, analytic(W), rtol=0, atol=1e-9)
    assert np.array_equal(W, before)


def test_training_reduces_the_loss(fd, W):
    trained = fd.gradient_descent(loss, W, lr=0.5, step_num=50)
    assert trained.shape == (2, 3)
    assert loss(trained) < 0.1 * loss(W) or loss(trained) < 1e-2
