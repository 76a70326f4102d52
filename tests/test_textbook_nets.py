"""The textbook's own network code, with only the import changed to fdgrad.

The book behind ../shared/seeds/001 computes a network's gradient as
``numerical_gradient(lambda w: net.loss(x, t), net.W)``: f ignores its
argument and relies on net.W being perturbed in place.  fdgrad's textbook names
do that for a writable float array (inplace=None), and every function offers
it as inplace=True.  Written in the book's style on purpose.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest


def softmax(x):
    if x.ndim == 2:
        x = x.T
        x = x - np.max(x, axis=0)
        y = np.exp(x) / np.sum(np.exp(x), axis=0)
        return y.T
    x = x - np.max(x)
    return np.exp(x) / np.sum(np.exp(x))


def cross_entropy_error(y, t):
    if y.ndim == 1:
        t = t.reshape(1, t.size)
        y = y.reshape(1, y.size)
    batch_size = y.shape[0]
    return -np.sum(t * np.log(y + 1e-7)) / batch_size


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


class simpleNet:
    def __init__(self, W):
        self.W = W

    def predict(self, x):
        return np.dot(x, self.W)

    def loss(self, x, t):
        z = self.predict(x)
        y = softmax(z)
        loss = cross_entropy_error(y, t)
        return loss


class TwoLayerNet:
    def __init__(self, input_size, hidden_size, output_size, rng, dtype=np.float64, weight_init_std=0.1):
        self.params = {}
        self.params['W1'] = (weight_init_std * rng.standard_normal((input_size, hidden_size))).astype(dtype)
        self.params['b1'] = (0.1 * rng.standard_normal(hidden_size)).astype(dtype)
        self.params['W2'] = (weight_init_std * rng.standard_normal((hidden_size, output_size))).astype(dtype)
        self.params['b2'] = (0.1 * rng.standard_normal(output_size)).astype(dtype)

    def predict(self, x):
        W1, W2 = self.params['W1'], self.params['W2']
        b1, b2 = self.params['b1'], self.params['b2']
        a1 = np.dot(x, W1) + b1
        z1 = sigmoid(a1)
        a2 = np.dot(z1, W2) + b2
        y = softmax(a2)
        return y

    def loss(self, x, t):
        y = self.predict(x)
        return cross_entropy_error(y, t)

    def numerical_gradient(self, x, t):
        from fdgrad import numerical_gradient  # the only line changed from the book

        loss_W = lambda W: self.loss(x, t)  # noqa: E731 - the book's idiom
        grads = {}
        grads['W1'] = numerical_gradient(loss_W, self.params['W1'])
        grads['b1'] = numerical_gradient(loss_W, self.params['b1'])
        grads['W2'] = numerical_gradient(loss_W, self.params['W2'])
        grads['b2'] = numerical_gradient(loss_W, self.params['b2'])
        return grads

    def gradient(self, x, t):  # backpropagation, as the book derives it
        W1, W2 = self.params['W1'], self.params['W2']
        b1, b2 = self.params['b1'], self.params['b2']
        grads = {}
        batch_num = x.shape[0]
        a1 = np.dot(x, W1) + b1
        z1 = sigmoid(a1)
        a2 = np.dot(z1, W2) + b2
        y = softmax(a2)
        dy = (y - t) / batch_num
        grads['W2'] = np.dot(z1.T, dy)
        grads['b2'] = np.sum(dy, axis=0)
        da1 = np.dot(dy, W2.T)
        dz1 = (1.0 - z1) * z1 * da1
        grads['W1'] = np.dot(x.T, dz1)
        grads['b1'] = np.sum(dz1, axis=0)
        return grads


def batch(rng, n, inputs, outputs, dtype=np.float64):
    x = rng.uniform(0.0, 1.0, (n, inputs)).astype(dtype)  # like the book's normalized MNIST images
    t = np.eye(outputs, dtype=dtype)[rng.integers(0, outputs, n)]
    return x, t


def test_simple_net_as_the_book_writes_it(fd, rng):
    net = simpleNet(rng.standard_normal((2, 3)))
    x = np.array([0.6, 0.9])
    t = np.array([0, 0, 1])
    before = net.W.copy()
    f = lambda w: net.loss(x, t)  # noqa: E731
    dW = fd.numerical_gradient(f, net.W)
    y = softmax(x @ net.W)
    np.testing.assert_allclose(dW, np.outer(x, y - t), rtol=0, atol=2e-6)  # log(y + 1e-7) shifts it ~1e-6
    assert dW.shape == (2, 3) and np.abs(dW).sum() > 0.1
    assert net.W.tobytes() == before.tobytes()


def test_simple_net_equals_the_book_loop_bit_for_bit(fd, rng):
    from fdgrad.testing import textbook

    W = rng.standard_normal((1, 6))  # the book's 1-D loop wants x.size; a flat-indexable 2-D array
    net = simpleNet(W.reshape(2, 3))
    x, t = np.array([0.6, 0.9]), np.array([0, 0, 1])
    f = lambda w: net.loss(x, t)  # noqa: E731
    flat = net.W.reshape(-1)  # a view: perturbing it perturbs net.W
    assert fd.numerical_gradient(f, flat).tobytes() == textbook.numerical_gradient(f, flat).tobytes()


@pytest.mark.parametrize("dtype, tolerance", [(np.float64, 1e-7), (np.float32, 1e-3)])
def test_two_layer_net_gradient_check(rng, dtype, tolerance):
    net = TwoLayerNet(input_size=12, hidden_size=8, output_size=4, rng=rng, dtype=dtype)
    x_batch, t_batch = batch(rng, 3, 12, 4, dtype)
    before = {key: value.copy() for key, value in net.params.items()}
    grad_numerical = net.numerical_gradient(x_batch, t_batch)
    grad_backprop = net.gradient(x_batch, t_batch)
    for key in grad_numerical.keys():
        diff = np.average(np.abs(grad_backprop[key] - grad_numerical[key]))
        assert diff < tolerance, (key, diff)
        assert np.abs(grad_numerical[key]).max() > 1e-3  # not the silent zeros of a copying loop
        assert net.params[key].tobytes() == before[key].tobytes() and net.params[key].dtype == dtype


def test_the_copying_mode_warns_instead_of_returning_silent_zeros(fd, rng):
    from fdgrad import UnchangingWarning

    net = simpleNet(rng.standard_normal((2, 3)))
    x, t = np.array([0.6, 0.9]), np.array([0, 0, 1])
    with pytest.warns(UnchangingWarning, match="inplace=True"):
        dW = fd.gradient(lambda w: net.loss(x, t), net.W)
    assert not dW.any()
    got = fd.gradient(lambda w: net.loss(x, t), net.W, inplace=True)
    np.testing.assert_allclose(got, fd.gradient(lambda w: simpleNet(w).loss(x, t), net.W), atol=1e-8)


@pytest.mark.parametrize("layout", ["contiguous", "transposed", "strided", "float32", "4-D filters"])
def test_inplace_on_every_function_any_layout(fd, rng, layout):
    base = rng.standard_normal((4, 6))
    W = {"contiguous": base, "transposed": base.T, "strided": base[::2, 1::2],
         "float32": base.astype(np.float32), "4-D filters": rng.standard_normal((2, 3, 2, 2))}[layout]
    holder = {"W": W}
    before = W.copy()
    loss = lambda: float(np.sum(np.sin(holder["W"]) * holder["W"] ** 2))  # noqa: E731 - reads W from elsewhere
    truth = lambda w: float(np.sum(np.sin(w) * w**2))  # noqa: E731 - the same loss of its argument
    tol = 2e-3 if layout == "float32" else 1e-6
    want = np.cos(W) * W**2 + 2 * W * np.sin(W)
    calls = {
        "gradient": lambda: fd.gradient(lambda w: loss(), W, inplace=True),
        "adaptive": lambda: fd.gradient(lambda w: loss(), W, inplace=True, adaptive=True),
        "jacobian": lambda: fd.jacobian(lambda w: np.array([loss()]), W, inplace=True)[0],
        "partial": lambda: fd.partial(lambda w: loss(), W, (0,) * W.ndim, inplace=True),
        "hessian_diag": lambda: fd.hessian_diag(lambda w: loss(), W, inplace=True),
        "check_grad": lambda: fd.check_grad(lambda w: loss(), want, W, inplace=True).numeric,
    }
    for name, call in calls.items():
        got = call()
        expected = want.reshape(-1)[0] if name == "partial" else \
            fd.hessian_diag(truth, W.astype(np.float64)) if name == "hessian_diag" else want
        np.testing.assert_allclose(got, expected, rtol=tol, atol=tol * (100 if name == "hessian_diag" else 1),
                                   err_msg=name)
        assert W.tobytes() == before.tobytes() and W.dtype == before.dtype, name
    if W.size <= 6:
        H = fd.hessian(lambda w: loss(), W, inplace=True)
        np.testing.assert_allclose(H, fd.hessian(truth, W.astype(np.float64)), atol=100 * tol)
    assert W.tobytes() == before.tobytes()


def test_inplace_gradient_descent_and_the_array_after(fd, rng):
    x = np.array([-3.0, 4.0])
    holder = {"x": x}
    seen_during = []

    def f(_):
        seen_during.append(holder["x"].copy())
        return float(holder["x"][0] ** 2 + holder["x"][1] ** 2)

    last = fd.gradient_descent(f, x, lr=0.1, step_num=100, h=1e-4)  # in place by itself, as the book's
    want = fd.gradient_descent(lambda v: v[0] ** 2 + v[1] ** 2, [-3.0, 4.0], lr=0.1, step_num=100, h=1e-4)
    assert last.tobytes() == want.tobytes()
    assert x.tolist() == [-3.0, 4.0]  # changed during the call, never after it
    assert any(abs(v[0]) < 1 for v in seen_during)
    x32 = np.array([-3.0, 4.0], dtype=np.float32)
    h32 = {"x": x32}
    end = fd.gradient_descent(lambda _: float(np.sum(h32["x"].astype(np.float64) ** 2)), x32, lr=0.1,
                              step_num=50, inplace=True)
    assert np.abs(end).max() < 1e-3 and x32.tolist() == [-3.0, 4.0]


def test_inplace_restores_x_when_f_raises(fd):
    x = np.linspace(-1.0, 1.0, 6)
    before = x.copy()
    for fail_at in range(12):
        calls = [0]

        def f(v):
            calls[0] += 1
            if calls[0] > fail_at:
                raise ZeroDivisionError(f"call {calls[0]}")
            return float(v @ v)

        with pytest.raises(ZeroDivisionError):
            fd.gradient(f, x, inplace=True)
        assert x.tobytes() == before.tobytes()
        with pytest.raises(ZeroDivisionError):
            fd.gradient(f, x[::2], inplace=True)  # the Python loop's layout
        assert x.tobytes() == before.tobytes()


def test_inplace_restores_x_on_ctrl_c(fd):
    import _thread
    import time

    x = np.linspace(-1.0, 1.0, 2000)
    before = x.copy()

    def f(v):
        time.sleep(1e-4)
        return float(v[0])

    threading.Timer(0.05, _thread.interrupt_main).start()
    with pytest.raises(KeyboardInterrupt):
        fd.gradient(f, x, inplace=True)
    assert x.tobytes() == before.tobytes()


@pytest.mark.parametrize("x, kwargs, kind, message", [
    ([1.0, 2.0], {}, TypeError, "x must be a numpy ndarray"),
    (np.array([1, 2]), {}, TypeError, "floating-point x"),
    (np.ones(2).view(np.ndarray), {"workers": 2}, ValueError, "cannot be combined with workers"),
    (np.ones(2), {"vectorized": True}, ValueError, "cannot be combined"),
    (np.ones(2), {"workers": print}, ValueError, "cannot be combined"),
])
def test_inplace_refuses_clearly(fd, x, kwargs, kind, message):
    with pytest.raises(kind, match=message):
        fd.gradient(lambda v: float(np.sum(v)), x, inplace=True, **kwargs)


def test_inplace_refuses_a_read_only_array(fd):
    x = np.ones(3)
    x.setflags(write=False)
    with pytest.raises(ValueError, match="writable x"):
        fd.gradient(lambda v: float(np.sum(v)), x, inplace=True)
    # The textbook names fall back to copying where in place cannot work.
    assert fd.numerical_gradient(lambda v: float(np.sum(v)), x).tolist() == pytest.approx([1.0, 1.0, 1.0])
    assert fd.numerical_gradient(lambda v: float(np.sum(v)), [1, 2]).tolist() == pytest.approx([1.0, 1.0])


@pytest.mark.parametrize("layout", ["float64", "float32", "strided"])
def test_inplace_undoes_what_f_writes_into_x(fd, layout):
    base = np.linspace(-1.0, 1.0, 8)
    x = {"float64": base.copy(), "float32": base.astype(np.float32), "strided": base.copy()[::2]}[layout]
    before = x.copy()

    def vandal(v):
        value = float(np.sum(v.astype(np.float64) ** 2))
        v[-1] = 99.0  # an f that writes into its argument
        return value

    fd.gradient(vandal, x, inplace=True)
    fd.hessian_diag(vandal, x, inplace=True, method="forward")
    fd.gradient_descent(vandal, x, lr=0.1, step_num=2, inplace=True)
    assert x.tobytes() == before.tobytes()
