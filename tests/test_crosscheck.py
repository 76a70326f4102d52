"""The compiled and the pure backend agree bit for bit, and fail alike.

The public names are looped over from a registry (bottleneck's habit): each
case builds arguments for one public function, calls it through both
backends, and compares the results with array_equal (not allclose), or the
exception types and messages when the arguments are bad.
"""

from __future__ import annotations

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


def cases(n, method, rng):
    """(name, args, kwargs) for every public function at size n."""
    x = rng.uniform(-3, 3, size=n) * 10.0 ** rng.integers(-3, 4, size=n)
    h_array = np.abs(x) * 1e-5 + 1e-7
    yield "derivative", (elementwise, x), {"method": method}
    yield "derivative", (np.sin, float(x[0])), {"method": method, "h": 1e-3}
    yield "partial", (objective, x, n // 2), {"method": method}
    yield "gradient", (objective, x), {"method": method}
    yield "gradient", (objective, x), {"method": method, "h": h_array}
    yield "gradient", (objective, x.reshape(1, n)), {"method": method, "h": 1e-6}
    yield "gradient_descent", (objective, x), {"method": method, "lr": 1e-3, "step_num": 3, "history": True}
    yield "numerical_diff", (elementwise, x), {}
    yield "numerical_gradient", (objective, x), {}


def same(a, b):
    if isinstance(a, tuple):
        return len(a) == len(b) and all(same(p, q) for p, q in zip(a, b))
    return type(a) is type(b) and np.array_equal(a, b)


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
    ("gradient", (objective, [1.0, 2.0]), {"method": "sideways"}),
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
    assert isinstance(c, (TypeError, ValueError, ZeroDivisionError))
    assert str(c) == str(p)
