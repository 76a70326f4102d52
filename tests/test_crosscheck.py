"""The compiled and the pure backend agree bit for bit, and fail alike.

The public names are looped over from a registry (bottleneck's habit): each
case builds arguments for one public function, calls it through both
backends, and compares the results with array_equal (not allclose), or the
exception types and messages when the arguments are bad.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass

import numpy as np
import pytest

from fdgrad._api import PUBLIC_NAMES

METHODS = ("forward", "backward", "central")
SIZES = (1, 2, 3, 10, 57, 100, 1000)


def objective(x):
    # Mixed scales and curvature, so that every coordinate matters.
    return float(np.sum(np.sin(x) * x**2) + np.prod(np.cos(x[:3])))


def elementwise(x):
    return np.sin(x) * x**2 + np.cos(0.5 * x)


def vector_objective(x):
    return np.array([np.sum(np.sin(x) * x), np.prod(np.cos(x[:4])), x[0] * x[-1]])


def cases(n, method, rng):
    """(name, args, kwargs) for every public function at size n."""
    x = rng.uniform(-3, 3, size=n) * 10.0 ** rng.integers(-3, 4, size=n)
    h_array = np.abs(x) * 1e-5 + 1e-7
    orders = {"central": (4, 6, 8), "forward": (2, 3, 4), "backward": (2, 3, 4)}[method]
    yield "derivative", (elementwise, x), {"method": method}
    yield "derivative", (np.sin, float(x[0])), {"method": method, "h": 1e-3}
    yield "derivative", (elementwise, x), {"method": method, "adaptive": True, "full_output": True}
    yield "derivative", (np.sin, float(x[0])), {"method": method, "order": orders[0]}
    for k in (2, 3, 4):  # higher derivatives: at a number, at an array, adaptive
        yield "derivative", (np.sin, float(x[0])), {"method": method, "n": k, "order": orders[0]}
        yield "derivative", (elementwise, x), {"method": method, "n": k, "adaptive": True, "full_output": True}
    yield "partial", (objective, x, n // 2), {"method": method}
    yield "partial", (objective, x, n // 2), {"method": method, "adaptive": True, "full_output": True}
    yield "gradient", (objective, x), {"method": method}
    yield "gradient", (objective, x), {"method": method, "h": h_array}
    yield "gradient", (objective, x.reshape(1, n)), {"method": method, "h": 1e-6}
    for order in orders:
        yield "gradient", (objective, x), {"method": method, "order": order, "full_output": True}
    small = x[: min(n, 60)]
    yield "gradient", (objective, small), {"method": method, "adaptive": True, "full_output": True}
    yield "jacobian", (vector_objective, small), {"method": method}
    yield "jacobian", (vector_objective, small), {"method": method, "order": orders[-1]}
    yield "jacobian", (vector_objective, small[:8]), {"method": method, "adaptive": True, "full_output": True}
    yield "hessian", (objective, x[:12]), {"method": method, "full_output": True}
    yield "hessian", (objective, x[:6]), {"method": method, "order": orders[0], "full_output": True}
    if method == "central":
        yield "hessian", (objective, x[:6]), {"adaptive": True, "full_output": True}
    yield "hessian_diag", (objective, small), {"method": method, "adaptive": True, "full_output": True}
    yield "hessian_diag", (objective, small), {"method": method, "order": orders[0]}
    yield "directional", (objective, x, x[::-1]), {"method": method}
    yield "directional", (objective, x, x[::-1]), {"method": method, "adaptive": True, "full_output": True}
    yield "check_grad", (objective, np.cos(small), small), {"method": method, "adaptive": False}
    yield "check_grad", (objective, np.cos(small), small), {"method": method}
    yield "gradient_descent", (objective, x), {"method": method, "lr": 1e-3, "step_num": 3, "history": True}
    yield "numerical_diff", (elementwise, x), {}
    yield "numerical_gradient", (objective, x), {}
    if method == "central":  # the complex step, once per size
        yield "gradient", (complex_objective, x), {"method": "complex"}
        yield "jacobian", (complex_vector, small), {"method": "complex", "full_output": True}
        yield "derivative", (np.sin, x), {"method": "complex"}
        for method_ in ("complex", "central"):  # one output of shape (1,) or (1, 1): paths that once disagreed
            yield "jacobian", (one_output, small), {"method": method_}
            yield "jacobian", (lambda v: one_output(v).reshape(1, 1), small), {"method": method_, "full_output": True}


def one_output(x):
    return np.array([np.sum(np.sin(x) * x)])


def complex_objective(x):
    return np.sum(np.sin(x) * x**2) + np.prod(np.cos(x[:3]))


def complex_vector(x):
    return np.array([np.sum(np.exp(np.sin(x))), x[0] * x[-1]])


def same(a, b):
    """Equal to the last bit, and of the same types."""
    if isinstance(a, tuple):
        return type(a) is type(b) and len(a) == len(b) and all(same(p, q) for p, q in zip(a, b))
    if is_dataclass(a):
        return type(a) is type(b) and all(same(getattr(a, f.name), getattr(b, f.name)) for f in fields(a))
    if isinstance(a, (bool, int, str)):
        return type(a) is type(b) and a == b
    # Bytes, not values: -0.0 and 0.0 differ, and NaN equals the same NaN.
    a_arr, b_arr = np.asarray(a), np.asarray(b)
    return (type(a) is type(b) and a_arr.dtype == b_arr.dtype and a_arr.shape == b_arr.shape
            and a_arr.tobytes() == b_arr.tobytes())


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("method", METHODS)
def test_bit_identical_results(compiled, pure, n, method, rng):
    seen = set()
    for name, args, kwargs in cases(n, method, rng):
        seen.add(name)
        c = getattr(compiled, name)(*args, **kwargs)
        p = getattr(pure, name)(*args, **kwargs)
        assert same(c, p), (name, n, method, kwargs)
    assert seen == set(PUBLIC_NAMES)


BAD_CALLS = [
    ("gradient", (objective, [1.0, 2.0]), {"inplace": True}),
    ("gradient", (objective, np.array([1, 2])), {"inplace": True}),
    ("gradient", (objective, np.ones(3)), {"inplace": "yes"}),
    ("jacobian", (lambda v: v, np.ones(3)), {"inplace": True, "workers": 2}),
    ("hessian", (objective, np.ones(3)), {"inplace": True, "method": "complex"}),
    ("gradient", (objective, np.ones(3)), {"kwargs": [("a", 1)]}),
    ("gradient", (objective, np.ones(3)), {"args": (1.0, 2.0)}),
    ("derivative", (np.sin, 1.0), {"inplace": True}),
    ("gradient_descent", (objective, np.ones(3, dtype=np.int32)), {"inplace": True}),
    ("gradient", (objective, [1.0, 2.0]), {"h": -1e-3}),
    ("gradient", (objective, [1.0, 2.0]), {"h": [1e-3, 1e-3, 1e-3]}),
    ("gradient", (lambda x: x, [1.0, 2.0]), {}),
    ("gradient", (lambda x: None, [1.0, 2.0]), {}),
    ("gradient", (3, [1.0, 2.0]), {}),
    ("gradient", (objective, []), {}),
    ("gradient", (objective, ["a", "b"]), {}),
    ("derivative", (np.sin, 1.0), {"h": float("nan")}),
    ("derivative", (lambda x: x.sum(), [1.0, 2.0]), {}),
    ("partial", (objective, [1.0, 2.0], 2), {}),
    ("partial", (objective, [1.0, 2.0], 0.5), {}),
    ("gradient_descent", (objective, [1.0, 2.0]), {"step_num": -1}),
    ("gradient_descent", (objective, [1.0, 2.0]), {"lr": float("inf")}),
    ("numerical_gradient", (lambda x: 1 / 0, [1.0, 2.0]), {}),
    ("gradient", (objective, [1.0, 2.0]), {"order": 5}),
    ("derivative", (np.sin, 1.0), {"n": 5}),
    ("gradient", (lambda p: 1e-300 * p[0], [0.0]), {"h": 1e308}),
    ("hessian", (objective, [1.0, 2.0]), {"h": 1e-170}),
    ("derivative", (np.sin, 1.0), {"h": 1e-100, "n": 4}),
    ("directional", (objective, [np.finfo(float).max, 1.0], [1.0, 1.0]), {}),
    ("gradient_descent", (objective, [1.0, 2.0]), {"step_num": 2**62, "history": True}),
    ("derivative", (np.sin, 1.0), {"n": 2, "method": "complex"}),
    ("hessian", (objective, [1.0, 2.0]), {"adaptive": True, "method": "forward"}),
    ("hessian", (objective, [1.0, 2.0]), {"order": 3}),
    ("jacobian", (lambda x: np.zeros(int(x[0] > 1) + 1), [1.0, 2.0]), {}),
    ("jacobian", (lambda x: np.zeros(int(x[0] > 1) + 1), [1.0, 2.0]), {"adaptive": True}),
    ("hessian", (lambda x: x, [1.0, 2.0]), {}),
    ("gradient", (lambda x: abs(x[0]), [1.0, 2.0]), {"method": "complex"}),
    ("directional", (objective, [1.0, 2.0], [0.0, 0.0]), {}),
    ("check_grad", (objective, [1.0, 2.0], [1.0, 2.0]), {"raise_on_mismatch": True}),
]


@pytest.mark.parametrize(("name", "args", "kwargs"), BAD_CALLS)
def test_same_exception_for_bad_input(compiled, pure, name, args, kwargs):
    errors = []
    for api in (compiled, pure):
        with pytest.raises(Exception) as info:
            getattr(api, name)(*args, **kwargs)
        errors.append(info.value)
    c, p = errors
    assert type(c) is type(p)
    assert isinstance(c, (TypeError, ValueError, ZeroDivisionError, AssertionError))
    assert str(c) == str(p)


def test_fast_input_checks_change_nothing_but_the_time(fd, rng):
    """A finite float64 ndarray x is checked by a cheaper route than a list, an int
    array or a non-contiguous view of it; the results are the same bits."""
    for x in (rng.standard_normal(7), rng.standard_normal((3, 4)), rng.standard_normal((6, 8))[::2, 1::3],
              np.array([1e6, -1e-8, 0.0, 3.5]), rng.standard_normal(100)):
        for method in METHODS:
            fast = fd.gradient(objective, x, method=method)
            full, _ = fd.gradient(objective, x, method=method, full_output=True)
            listed = fd.gradient(objective, x.tolist(), method=method)
            assert fast.tobytes() == full.tobytes() == listed.tobytes() and fast.shape == x.shape
    ints = np.array([1, 2, 3])
    assert fd.gradient(objective, ints).tobytes() == fd.gradient(objective, ints.astype(float)).tobytes()
    for bad in (np.array([1.0, np.nan]), np.array([np.inf] + [1.0] * 80), np.zeros(0), np.float64(1.0)):
        with pytest.raises(ValueError, match="x must"):
            fd.gradient(objective, bad)
    big = np.array([1e308, 1e308, -1e308])  # a sum that overflows: finite all the same
    assert fd.gradient(lambda v: float(v[0]), big, h=2.0**972).tolist() == [1.0, 0.0, 0.0]  # 2 ulps of 1e308
