"""Bad arguments raise TypeError or ValueError naming the parameter and value."""

from __future__ import annotations

import os

import numpy as np
import pytest


def sum_sq(x):
    return float(np.sum(x**2))


X = [1.0, 2.0]

# (function, args, kwargs, exception, fragments the message must contain)
BAD = [
    # method
    ("gradient", (sum_sq, X), {"method": "sideways"}, ValueError, ["method", "'sideways'", "'central'"]),
    ("derivative", (np.sin, 1.0), {"method": "Central"}, ValueError, ["method", "'Central'"]),
    ("partial", (sum_sq, X, 0), {"method": 2}, TypeError, ["method", "2"]),
    ("gradient_descent", (sum_sq, X), {"method": None}, TypeError, ["method", "None"]),
    # h
    ("gradient", (sum_sq, X), {"h": 0.0}, ValueError, ["h must be positive and finite", "0.0"]),
    ("gradient", (sum_sq, X), {"h": -0.001}, ValueError, ["h must be positive and finite, got -0.001"]),
    ("derivative", (np.sin, 1.0), {"h": float("nan")}, ValueError, ["h must be positive and finite", "nan"]),
    ("derivative", (np.sin, 1.0), {"h": float("inf")}, ValueError, ["h", "inf"]),
    ("gradient", (sum_sq, X), {"h": [1e-3, 1e-3, 1e-3]}, ValueError, ["h", "(2,)", "(3,)"]),
    ("gradient", (sum_sq, X), {"h": [1e-3, -1e-3]}, ValueError, ["h must be positive", "-0.001", "(1,)"]),
    ("gradient", (sum_sq, X), {"h": "small"}, TypeError, ["h", "'small'"]),
    ("gradient", (sum_sq, X), {"h": True}, TypeError, ["h", "True"]),
    ("derivative", (np.sin, [1.0, 2.0]), {"h": [1e-3]}, ValueError, ["h", "(2,)", "(1,)"]),
    # f
    ("gradient", (3, X), {}, TypeError, ["f must be callable", "3"]),
    ("derivative", ("sin", 1.0), {}, TypeError, ["f must be callable", "'sin'"]),
    ("gradient", (lambda x: x, X), {}, ValueError, ["f must return a scalar", "shape (2,)"]),
    ("gradient", (lambda x: x[:1], X), {}, ValueError, ["f must return a scalar", "shape (1,)"]),
    ("gradient", (lambda x: None, X), {}, TypeError, ["f must return a real scalar", "None"]),
    ("gradient", (lambda x: "1.0", X), {}, TypeError, ["f must return a real scalar", "'1.0'"]),
    ("gradient", (lambda x: 1j, X), {}, TypeError, ["f must return a real scalar", "1j"]),
    ("derivative", (lambda x: [x], 1.0), {}, ValueError, ["f must return a scalar", "shape (1,)"]),
    ("derivative", (lambda x: {"x": x}, 1.0), {}, TypeError, ["f must return a real scalar", "dict"]),
    ("derivative", (lambda x: x.sum(), [1.0, 2.0]), {}, ValueError, ["f must return an array of x's shape (2,)", "()"]),
    # n, the order of the derivative
    ("derivative", (np.sin, 1.0), {"n": 0}, ValueError, ["n must be 1 to 4", "got 0"]),
    ("derivative", (np.sin, 1.0), {"n": 5}, ValueError, ["n must be 1 to 4", "got 5"]),
    ("derivative", (np.sin, 1.0), {"n": 2.0}, TypeError, ["n must be an int", "2.0"]),
    ("derivative", (np.sin, 1.0), {"n": True}, TypeError, ["n must be an int", "True"]),
    ("derivative", (np.sin, 1.0), {"n": 2, "method": "complex"}, ValueError, ["first derivatives only", "n=2"]),
    # Hessian options
    ("hessian", (sum_sq, X), {"order": 3}, ValueError, ["order must be one of 2, 4, 6, 8", "3"]),
    ("hessian", (sum_sq, X), {"adaptive": True, "order": 4}, ValueError, ["order must be None with adaptive", "4"]),
    ("hessian", (sum_sq, X), {"adaptive": True, "method": "backward"}, ValueError, ["adaptive Hessian is central",
                                                                                      "'backward'"]),
    ("hessian_diag", (sum_sq, X), {"adaptive": 1}, TypeError, ["adaptive must be", "1"]),
    # x
    ("gradient", (sum_sq, []), {}, ValueError, ["x must not be empty", "(0,)"]),
    ("derivative", (np.sin, np.zeros((2, 0))), {}, ValueError, ["x must not be empty", "(2, 0)"]),
    ("gradient", (sum_sq, ["a", "b"]), {}, TypeError, ["x must be real numbers", "'a'"]),
    ("gradient", (sum_sq, "ab"), {}, TypeError, ["x must be real numbers", "'ab'"]),
    ("gradient", (sum_sq, [1 + 2j, 3]), {}, TypeError, ["x must be real numbers", "complex"]),
    ("gradient", (sum_sq, np.array([1.0, None])), {}, TypeError, ["x must be real numbers", "object"]),
    ("gradient", (sum_sq, [[1.0, 2.0], [3.0]]), {}, ValueError, ["x must be a rectangular array"]),
    ("gradient", (sum_sq, [1.0, float("nan")]), {}, ValueError, ["x must be finite", "nan", "(1,)"]),
    ("derivative", (np.sin, float("inf")), {}, ValueError, ["x must be finite", "inf"]),
    ("gradient", (sum_sq, 3.0), {}, ValueError, ["x must have at least one dimension", "3.0"]),
    ("gradient", (sum_sq, [True, False]), {}, TypeError, ["x must be real numbers", "bool"]),
    # i
    ("partial", (sum_sq, X, 2), {}, ValueError, ["i must be in the range [-2, 2)", "2"]),
    ("partial", (sum_sq, X, -3), {}, ValueError, ["i", "-3"]),
    ("partial", (sum_sq, X, 0.5), {}, TypeError, ["i must be an int", "0.5"]),
    ("partial", (sum_sq, np.zeros((2, 3)), (1, 3)), {}, ValueError, ["i must index", "(1, 3)"]),
    ("partial", (sum_sq, np.zeros((2, 3)), (1,)), {}, ValueError, ["i must index", "(1,)"]),
    # gradient descent
    ("gradient_descent", (sum_sq, X), {"step_num": -1}, ValueError, ["step_num must be >= 0, got -1"]),
    ("gradient_descent", (sum_sq, X), {"step_num": 2.5}, TypeError, ["step_num must be an int", "2.5"]),
    ("gradient_descent", (sum_sq, X), {"lr": float("inf")}, ValueError, ["lr must be positive and finite", "inf"]),
    ("gradient_descent", (sum_sq, X), {"lr": float("nan")}, ValueError, ["lr", "nan"]),
    ("gradient_descent", (sum_sq, X), {"lr": -0.1}, ValueError, ["lr", "-0.1"]),
    ("gradient_descent", (sum_sq, X), {"lr": "fast"}, TypeError, ["lr must be a real number", "'fast'"]),
    ("gradient_descent", (sum_sq, X), {"history": "yes"}, TypeError, ["history must be True or False", "'yes'"]),
    ("gradient_descent", (sum_sq, []), {}, ValueError, ["init_x must not be empty"]),
    # numbers beyond float64, masked and byte inputs (found in review)
    ("gradient_descent", (sum_sq, X), {"lr": 10**400}, ValueError, ["lr must be finite in float64"]),
    ("gradient", (lambda x: 10**400, X), {}, ValueError, ["f must return a value that fits a float64"]),
    ("gradient", (lambda x: [1.0, 2.0], X), {}, ValueError, ["f must return a scalar", "shape (2,)"]),
    ("gradient", (sum_sq, np.ma.array([1.0, 2.0], mask=[0, 1])), {}, TypeError, ["x must not be a masked array"]),
    ("gradient", (sum_sq, bytearray(b"ab")), {}, TypeError, ["x must be real numbers", "bytearray"]),
    ("partial", (sum_sq, np.zeros((2, 3)), (0, True)), {}, TypeError, ["i must be an int or a tuple of ints"]),
    ("gradient", (sum_sq, [10**400, 1]), {}, ValueError, ["x must be finite in float64"]),
    # order, adaptive, full_output
    ("gradient", (sum_sq, X), {"order": 3}, ValueError, ["order must be one of 2, 4, 6, 8", "'central'", "3"]),
    ("gradient", (sum_sq, X), {"method": "forward", "order": 6}, ValueError, ["order must be one of 1, 2, 3, 4"]),
    ("derivative", (np.sin, 1.0), {"order": 2.0}, TypeError, ["order must be an int", "2.0"]),
    ("jacobian", (sum_sq, X), {"order": True}, TypeError, ["order must be an int", "True"]),
    ("gradient", (sum_sq, X), {"order": 4, "adaptive": True}, ValueError, ["order must be None with adaptive=True"]),
    ("gradient", (sum_sq, X), {"method": "complex", "adaptive": True}, ValueError, ["adaptive=True", "'complex'"]),
    ("gradient", (sum_sq, X), {"method": "complex", "order": 4}, ValueError, ["order must be one of 2", "'complex'"]),
    ("gradient", (sum_sq, X), {"adaptive": "yes"}, TypeError, ["adaptive must be True or False", "'yes'"]),
    ("partial", (sum_sq, X, 0), {"full_output": 1}, TypeError, ["full_output must be True or False", "1"]),
    ("hessian", (sum_sq, X), {"method": "complex"}, ValueError, ["method must be one of", "'complex'"]),
    ("hessian_diag", (sum_sq, X), {"order": 5}, ValueError, ["order", "5"]),
    ("hessian", (lambda x: x, X), {}, ValueError, ["f must return a scalar", "(2,)"]),
    ("jacobian", (lambda x: "ab", X), {}, TypeError, ["f must return real numbers"]),
    ("jacobian", (lambda x: np.zeros(0), X), {}, ValueError, ["f must return at least one value"]),
    ("jacobian", (lambda x: np.zeros(int(x[0] > 1) + 1), X), {}, ValueError, ["f must return values of one shape"]),
    # directional and check_grad
    ("directional", (sum_sq, X, [1.0]), {}, ValueError, ["v must have x's shape (2,)", "(1,)"]),
    ("directional", (sum_sq, X, [0.0, 0.0]), {}, ValueError, ["v must not be zero"]),
    ("directional", (sum_sq, X, ["a", "b"]), {}, TypeError, ["v must be real numbers"]),
    ("check_grad", (sum_sq, [1.0], X), {}, ValueError, ["grad must give an array of x's shape (2,)", "(1,)"]),
    ("check_grad", (sum_sq, ["a", "b"], X), {}, TypeError, ["grad must give real numbers"]),
    ("check_grad", (sum_sq, [2.0, 4.0], X), {"rtol": -1.0}, ValueError, ["rtol must be finite and >= 0", "-1.0"]),
    ("check_grad", (sum_sq, [2.0, 4.0], X), {"atol": "0"}, TypeError, ["atol must be a real number", "'0'"]),
    ("check_grad", (sum_sq, [2.0, 4.0], X), {"raise_on_mismatch": None}, TypeError, ["raise_on_mismatch", "None"]),
]


BAD += [
    # the textbook aliases, and f of the wrong arity (its own TypeError, with a note naming f's signature)
    ("numerical_diff", ("sin", 1.0), {}, TypeError, ["f must be callable"]),
    ("numerical_diff", (np.sin, float("nan")), {}, ValueError, ["x must be finite"]),
    ("numerical_gradient", (sum_sq, []), {}, ValueError, ["x must not be empty"]),
    ("numerical_gradient", (sum_sq, "ab"), {}, TypeError, ["x must be real numbers"]),
    ("gradient", (lambda a, b: a + b, X), {}, TypeError, ["missing 1 required positional argument"]),
    ("derivative", (lambda: 0.0, 1.0), {}, TypeError, ["takes 0 positional arguments"]),
]


@pytest.mark.parametrize(
    ("name", "args", "kwargs", "exc", "fragments"), BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)]
)
def test_bad_argument(fd, name, args, kwargs, exc, fragments):
    import copy

    before = copy.deepcopy((args, kwargs))
    with pytest.raises(exc) as info:
        getattr(fd, name)(*args, **kwargs)
    assert type(info.value) is exc
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    # The caller's data is unchanged (arrays compared by value, bit for bit).
    after = (args, kwargs)
    assert repr(after) == repr(before)
    for a, b in zip(args, before[0]):
        if isinstance(a, np.ndarray):
            assert a.tobytes() == b.tobytes() and a.flags.writeable == b.flags.writeable


def test_the_catalogue_covers_every_public_function():
    from fdgrad._api import PUBLIC_NAMES

    assert len(BAD) >= 40
    assert {name for name, *_ in BAD} == set(PUBLIC_NAMES)


def test_wrong_arity_names_the_signature(fd):
    with pytest.raises(TypeError) as info:
        fd.gradient(lambda a, b: a + b, X)
    assert "f is called with one argument" in " ".join(getattr(info.value, "__notes__", []))


@pytest.mark.parametrize("bad", [{"h": -1.0}, {"method": "x"}, {"h": [1.0]}])
def test_caller_data_unchanged_on_bad_arguments(fd, bad):
    x = np.array([1.0, 2.0, 3.0])
    h = bad.get("h")
    h_before = list(h) if isinstance(h, list) else h
    with pytest.raises(ValueError):
        fd.gradient(sum_sq, x, **bad)
    assert x.tolist() == [1.0, 2.0, 3.0]
    assert (list(h) if isinstance(h, list) else h) == h_before


def test_numbers_python_accepts(fd):
    from fractions import Fraction

    from fdgrad import UnchangingWarning

    # Python ints beyond int64 and other real numbers are numbers like any.
    import warnings

    with warnings.catch_warnings():  # a step of 2**64 swamps x: f rounds to one value at the four points,
        warnings.simplefilter("error", UnchangingWarning)  # but not at x itself: f reads x, no warning
        assert fd.gradient(sum_sq, [1.0, 2.0], h=2**64).tolist() == [0.0, 0.0]
    assert fd.gradient(lambda v: 2.0 * v[0] + v[1], [2**64, 1], h=2.0**20).tolist() == [2.0, 1.0]
    x = fd.gradient_descent(sum_sq, [1.0, 2.0], lr=Fraction(1, 10), step_num=1)
    np.testing.assert_allclose(x, [0.8, 1.6], rtol=1e-9)


def test_zero_step_num_returns_a_copy(fd):
    x = np.array([1.0, 2.0])
    out = fd.gradient_descent(sum_sq, x, step_num=0)
    assert np.array_equal(out, x) and out is not x
    out[0] = 9.0
    assert x[0] == 1.0


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_non_finite_f_values_follow_the_policy(fd, bad):
    import fdgrad

    def f(v):  # non-finite left of x[0] = 0 only
        return float(v[0] + 2.0 * v[1]) if v[0] >= 0 else bad

    x = np.array([0.0, 1.0])
    g = fd.gradient(f, x)  # default: propagate, into the affected entry only
    assert not np.isfinite(g[0]) and g[1] == pytest.approx(2.0)
    for call in (lambda: fd.gradient(f, x), lambda: fd.jacobian(lambda v: np.array([f(v)]), x),
                 lambda: fd.partial(f, x, 0), lambda: fd.hessian(f, x), lambda: fd.gradient_descent(f, x)):
        with fdgrad.on_nonfinite("raise"):
            with pytest.raises(FloatingPointError, match="f returned NaN or inf"):
                call()
        call()  # outside the block the default is back: no error
    assert x.tolist() == [0.0, 1.0]
    with pytest.raises(ValueError, match="policy must be one of 'propagate', 'raise'"):
        with fdgrad.on_nonfinite("ignore"):
            pass


@pytest.mark.parametrize("name", ["derivative", "gradient", "jacobian", "hessian", "hessian_diag", "gradient_descent"])
@pytest.mark.parametrize(("kwargs", "kind", "message"), [
    ({"chunksize": 0}, ValueError, "chunksize must be >= 1"),
    ({"chunksize": 1.5}, TypeError, "chunksize must be an int"),
    ({"timeout": -1}, ValueError, "timeout must be positive"),
    ({"timeout": "soon"}, TypeError, "timeout must be a number"),
    ({"workers": 0}, ValueError, "workers must be >= 1"),
    ({"workers": True}, TypeError, "workers must be an int"),
])
def test_executor_arguments_are_checked_on_the_default_path(fd, name, kwargs, kind, message):
    """The plain serial call checks every argument too (the first build's quick path skipped some)."""
    f = (lambda v: v) if name == "derivative" else (lambda v: np.atleast_1d(v)) if name == "jacobian" \
        else (lambda v: float(np.sum(v * v)))
    with pytest.raises(kind, match=message):
        getattr(fd, name)(f, np.array([1.0, 2.0]), **kwargs)


@pytest.mark.parametrize("name", ["gradient", "jacobian", "hessian_diag", "gradient_descent"])
def test_max_batch_bytes_is_checked_on_the_default_path(fd, name):
    f = (lambda v: np.atleast_1d(v)) if name == "jacobian" else (lambda v: float(np.sum(v * v)))
    with pytest.raises(TypeError, match="max_batch_bytes must be an int"):
        getattr(fd, name)(f, np.array([1.0, 2.0]), max_batch_bytes="big")
    with pytest.raises(ValueError, match="max_batch_bytes must be positive"):
        getattr(fd, name)(f, np.array([1.0, 2.0]), max_batch_bytes=0)


# Issue 12, class 2: every argument checked the same way whichever path runs, the message
# naming the parameter.  Every public function, each bad value of each parameter it takes,
# on the default path, with adaptive=True, with threads and with a map-like callable.

_BAD_VALUES = {
    "h": ["a", True, -1.0, 0.0, float("inf"), float("nan"), [1e-3, True, 1e-3], [1e-3, float("nan"), 1e-3]],
    "method": [["central"], "Central", None, 1],
    "order": [3, 2.0, True, "4", -2],
    "adaptive": [1, "yes", None],
    "full_output": [1, "yes", None],
    "vectorized": [1, "yes", None],
    "inplace": ["yes", 2],
    "n": [0, 5, 2.5, True],
    "timeout": [-1, 0, float("inf"), float("nan"), "1", True],
    "chunksize": [0, -1, 1.5, True, "2"],
    "max_batch_bytes": ["big", 0, -5, 1.5, True],
    "workers": [os.cpu_count, 0, -2, 1.5, True, "two", None],
    "lr": [float("inf"), float("nan"), "0.1", True],
    "step_num": [-1, 2.5, True, "3", 2**70, 2**63 - 1],
    "history": [1, "yes"],
    "tol": [-1.0, float("nan"), float("inf"), "1", True],
    "callback": [1, "print"],
    "sparsity": ["tridiagonal", np.ones(3), np.ones((5, 5)), {}],
    "progress": ["yes", 1, 2.5],
    "bounds": ["box", (0.0,), (2.0, 1.0), (0.0, float("nan")), ([0.0, 0.0], 5.0), (10.0, 20.0), (["a"], 5.0)],
}

_X = np.array([1.0, 2.0, 3.0])
_EVERY_CALL = {
    "derivative": lambda fd, **k: fd.derivative(np.sin, _X, **k),
    "partial": lambda fd, **k: fd.partial(lambda v: float(v @ v), _X, 0, **k),
    "gradient": lambda fd, **k: fd.gradient(lambda v: float(v @ v), _X, **k),
    "jacobian": lambda fd, **k: fd.jacobian(lambda v: v[:2] * 2.0, _X, **k),
    "hessian": lambda fd, **k: fd.hessian(lambda v: float(v @ v), _X, **k),
    "hessian_diag": lambda fd, **k: fd.hessian_diag(lambda v: float(v @ v), _X, **k),
    "directional": lambda fd, **k: fd.directional(lambda v: float(v @ v), _X, _X, **k),
    "check_grad": lambda fd, **k: fd.check_grad(lambda v: float(v @ v), 2 * _X, _X, **k),
    "gradient_descent": lambda fd, **k: fd.gradient_descent(lambda v: float(v @ v), _X, **{"step_num": 2, **k}),
    "numerical_diff": lambda fd, **k: fd.numerical_diff(np.sin, _X, **k),
    "numerical_gradient": lambda fd, **k: fd.numerical_gradient(lambda v: float(v @ v), _X.copy(), **k),
}


def test_the_argument_catalogue_covers_every_public_function():
    from fdgrad._api import PUBLIC_NAMES

    assert set(_EVERY_CALL) == set(PUBLIC_NAMES)


@pytest.mark.parametrize("name", sorted(_EVERY_CALL))
def test_every_argument_is_checked_on_every_path(fd, name):
    import inspect

    params = inspect.signature(getattr(fd, name)).parameters
    paths = [{}]
    if "adaptive" in params:
        paths.append({"adaptive": True})
    if "workers" in params:
        paths += [{"workers": 2}, {"workers": map}]
    checked = 0
    for param, values in _BAD_VALUES.items():
        if param not in params:
            continue
        for value in values:
            for path in paths:
                if param in path or (param == "order" and path.get("adaptive")):
                    continue
                if param in ("timeout", "vectorized") and path.get("workers") is map:
                    continue  # refused with its own message: a map cannot be stopped, nor stack points
                with pytest.raises((TypeError, ValueError)) as info:
                    _EVERY_CALL[name](fd, **{**path, param: value})
                assert param in str(info.value), (name, param, value, path, str(info.value))
                checked += 1
    assert checked >= 10 or set(params) == {"f", "x"}  # the textbook aliases take nothing else
    if name == "gradient_descent":
        with pytest.raises(ValueError, match="step_num=4611686018427387904 with history=True"):
            _EVERY_CALL[name](fd, step_num=2**62, history=True)


@pytest.mark.parametrize("name", sorted(n for n in _EVERY_CALL if not n.startswith("numerical_")))
def test_steps_whose_divisor_overflows_or_vanishes_are_refused(fd, name):
    """Issue 12, class 4: a step is never silently infinite or zero, in its divisor either."""
    kwargs = {"adaptive": False} if name == "check_grad" else {}
    # directional's h is a step in t of x + t v, which passes the largest double first
    message = "x must leave room for a step along v" if name == "directional" else \
        r"h = 1e\+308 .* too large: the difference's divisor"
    with pytest.raises(ValueError, match=message):
        _EVERY_CALL[name](fd, h=1e308, **kwargs)
    tiny = {"hessian": 1e-170, "hessian_diag": 1e-170}.get(name)
    if tiny is not None:
        with pytest.raises(ValueError, match=r"h = 1e-170 .* too small: the difference's divisor"):
            _EVERY_CALL[name](fd, h=tiny)
    if name == "derivative":
        with pytest.raises(ValueError, match=r"too small: the difference's divisor \(h to the power 4"):
            fd.derivative(np.sin, 1.0, h=1e-100, n=4)


def test_directional_with_extreme_directions_and_points(fd):
    f = lambda p: float(np.sum(np.sin(p)))  # noqa: E731
    x = np.array([0.3, 1.0])
    assert fd.directional(f, x, [1e-320, 0.0]) == pytest.approx(np.cos(0.3) * 1e-320, rel=1e-6)
    assert fd.directional(f, x, [1e300, 1e300]) == pytest.approx(np.sum(np.cos(x)) * 1e300, rel=1e-8)
    for adaptive in (False, True):
        with pytest.raises(ValueError, match="x must leave room for a step along v"):
            fd.directional(f, np.array([np.finfo(float).max, 1.0]), [1.0, 1.0], adaptive=adaptive)


def test_a_native_f_is_refused_sizes_a_c_int_cannot_hold():
    """Issue 12: a native f is told n (and m) as a C int; x with 2**31 entries or more is refused
    by name rather than passed a truncated n (the check itself: such an x takes 16 GiB)."""
    from fdgrad._options import C_INT_MAX, check_native_size, check_outputs

    check_native_size(C_INT_MAX)
    with pytest.raises(ValueError, match=r"x has 2147483648 entries, more than a C int holds"):
        check_native_size(C_INT_MAX + 1)
    with pytest.raises(ValueError, match="m must fit a C int"):
        check_outputs(2**31)


COMPLEX_VALUED = {
    "derivative": lambda fd: fd.derivative(lambda t: (1 + 1j) * t**2, 1.5, method="complex"),
    "derivative, array x": lambda fd: fd.derivative(lambda t: (1 + 1j) * t**2, np.array([1.5, 2.0]), method="complex"),
    "derivative, threads": lambda fd: fd.derivative(lambda t: (1 + 1j) * t**2, np.ones(4), method="complex",
                                                    workers=2),
    "partial": lambda fd: fd.partial(lambda v: np.sum((1 + 1j) * v**2), [1.0, 2.0], 0, method="complex"),
    "gradient": lambda fd: fd.gradient(lambda v: np.sum((1 + 1j) * v**2), [1.0, 2.0], method="complex"),
    "gradient, threads": lambda fd: fd.gradient(lambda v: np.sum((1 + 1j) * v**2), np.ones(3000), method="complex",
                                                workers=2),
    "gradient, map": lambda fd: fd.gradient(lambda v: np.sum((1 + 1j) * v**2), [1.0, 2.0], method="complex",
                                            workers=map),
    "jacobian": lambda fd: fd.jacobian(lambda v: (1 + 1j) * v**2, [1.0, 2.0], method="complex"),
    "directional": lambda fd: fd.directional(lambda v: np.sum((1 + 1j) * v**2), [1.0, 2.0], [1.0, 0.0],
                                             method="complex"),
    "directional, vector f": lambda fd: fd.directional(lambda v: (1 + 1j) * v**2, [1.0, 2.0], [1.0, 0.0],
                                                       method="complex"),
    "Gradient": lambda fd: fd.Gradient(lambda v: np.sum((1 + 1j) * v**2), method="complex")([1.0, 2.0]),
    "gradient_descent": lambda fd: fd.gradient_descent(lambda v: np.sum((1 + 1j) * v**2), [1.0, 2.0],
                                                       method="complex", step_num=2),
}


@pytest.mark.parametrize("name", sorted(COMPLEX_VALUED))
def test_the_complex_step_refuses_a_complex_valued_f_on_every_path(fd, name):
    """Issue 22: a complex-valued f under method='complex' gave Im f(x) / h (5e20) as its
    derivative; f is now evaluated at x + 0i too, and must be real there."""
    with pytest.raises(TypeError, match=r"method='complex' needs a real-valued f \(real at real x\)"):
        COMPLEX_VALUED[name](fd)


def test_a_complex_or_non_finite_sparse_pattern_is_refused(fd):
    sp = pytest.importorskip("scipy.sparse")
    pattern = sp.csr_matrix(np.array([[np.nan + 0j, 0], [0, 1]]))
    with pytest.raises(TypeError, match="sparsity must hold booleans or numbers .* got dtype complex128"):
        fd.jacobian(np.sin, np.array([0.1, 0.2]), sparsity=pattern)
    with pytest.raises(ValueError, match=r"sparsity must hold finite numbers .* got nan at \(0, 0\)"):
        fd.hessian(lambda p: float(p @ p), np.array([0.1, 0.2]), sparsity=np.array([[np.nan, 0], [0, 1]]))


@pytest.mark.parametrize("h", [[], (1.0, 2.0), np.ones(2)])
def test_directional_takes_one_step(fd, h):
    with pytest.raises(ValueError, match="h must be a (number, the step in t along v|scalar or an array of x.s shape .1,.), got"):
        fd.directional(lambda p: float(p @ p), [1.0, 2.0], [1.0, 0.0], h=h)
    assert fd.directional(lambda p: float(p @ p), [1.0, 2.0], [1.0, 0.0], h=np.array([1e-3])) == pytest.approx(2.0)


def test_both_backends_word_a_bad_call_alike():
    """A call that does not fit the signature: the compiled definitions' own words (Cython's
    check), on every backend and for every public function (the pure ones check the same way
    only after the call fails, at no cost to a good call)."""
    import inspect

    import fdgrad

    f = lambda p: float(np.sum(np.asarray(p) ** 2))  # noqa: E731
    for name in fdgrad.PUBLIC_NAMES if hasattr(fdgrad, "PUBLIC_NAMES") else [
            n for n in fdgrad.__all__ if callable(getattr(fdgrad, n)) and n[0].islower() and n != "on_nonfinite"]:
        params = [p for p in inspect.signature(getattr(fdgrad.fallback, name)).parameters.values()
                  if p.kind is p.POSITIONAL_OR_KEYWORD]
        first = params[1].name if len(params) > 1 else params[0].name
        calls = [((), {}), ((f,), {}), ((f, [1.0, 2.0]), {"bogus": 1}), ((f,) * (len(params) + 1), {}),
                 ((f, [1.0, 2.0], [1.0, 0.0]), {first: 1})]
        for args, kwargs in calls:
            words = set()
            for backend in (fdgrad, fdgrad.fallback):  # (compiled and pure, unless FDGRAD_PUREPYTHON=1)
                function = getattr(backend, name)
                with pytest.raises(TypeError) as info:
                    function(*args, **kwargs)
                words.add(str(info.value))
            assert len(words) == 1, (name, args, kwargs, words)
            assert str(next(iter(words))).startswith(f"{name}()"), words
    with pytest.raises(TypeError, match=r"^gradient\(\) takes at least 2 positional arguments \(0 given\)$"):
        fdgrad.fallback.gradient()


@pytest.mark.parametrize("adaptive", [False, True])
@pytest.mark.parametrize("h", [[], (1.0, 2.0, 3.0), "a", -1.0])
def test_a_bad_h_is_refused_before_f_is_evaluated(fd, adaptive, h):
    """Every function, adaptive or not (where h is then unused): the error names h, and f is never
    called first (jacobian and the Hessians needed f(x) before their steps were made)."""
    calls = []

    def f(p):
        calls.append(1)
        return float(np.sum(np.asarray(p) ** 2))

    x = [1.0, 2.0]
    for call in (lambda: fd.gradient(f, x, h=h, adaptive=adaptive),
                 lambda: fd.jacobian(lambda p: np.asarray(p) * f(p), x, h=h, adaptive=adaptive),
                 lambda: fd.hessian(f, x, h=h, adaptive=adaptive),
                 lambda: fd.hessian_diag(f, x, h=h, adaptive=adaptive),
                 lambda: fd.derivative(lambda t: t * f([1.0]), np.array(x), h=h, adaptive=adaptive),
                 lambda: fd.check_grad(f, lambda p: 2 * np.asarray(p), x, h=h, adaptive=adaptive)):
        with pytest.raises((TypeError, ValueError), match="^h must be"):
            call()
    assert calls == []


@pytest.mark.parametrize("name", ["Derivative", "Gradient", "Jacobian", "Hessian", "Hessdiag"])
def test_the_callables_name_step_as_given(fd, name):
    cls = getattr(fd, name)
    with pytest.raises(TypeError, match="^step must be a positive finite number"):
        cls(lambda p: 0.0, step="a")
    with pytest.raises(ValueError, match=r"^step must be positive and finite, got -2.0 at index \(1,\)"):
        cls(lambda p: 0.0, step=[1.0, -2.0])
    with pytest.raises(ValueError, match="^h must be positive and finite, got -1"):
        cls(lambda p: 0.0, h=-1)


def test_positional_parameters_given_by_name_count_as_given():
    import fdgrad

    f = lambda p: 0.0  # noqa: E731
    for backend in (fdgrad, fdgrad.fallback):
        with pytest.raises(TypeError, match=r"^gradient\(\) takes at least 2 positional arguments \(1 given\)$"):
            backend.gradient(f=f)
        with pytest.raises(TypeError, match=r"^directional\(\) takes at least 3 positional arguments \(1 given\)$"):
            backend.directional(f, v=[1.0])  # (the leading parameters given, as Cython counts)
        with pytest.raises(TypeError, match=r"^gradient\(\) takes at least 2 positional arguments \(0 given\)$"):
            backend.gradient(x=[1.0])


def test_directional_takes_a_one_entry_array_of_any_shape_as_its_step(fd):
    f = lambda p: float(p @ p)  # noqa: E731
    assert fd.directional(f, np.array([1.0, 2.0]), np.array([1.0, 0.0]), h=np.array([[1e-3]])) == \
        fd.directional(f, np.array([1.0, 2.0]), np.array([1.0, 0.0]), h=1e-3)


def test_a_step_too_large_for_x_is_refused_before_f_is_evaluated(fd):
    calls = []

    def f(p):
        calls.append(1)
        return np.asarray(p) ** 2

    for call in (lambda: fd.hessian(lambda p: float(np.sum(f(p))), [1.0, 2.0], h=1e308),
                 lambda: fd.hessian_diag(lambda p: float(np.sum(f(p))), [1.0, 2.0], h=1e308),
                 lambda: fd.jacobian(f, [1.0, 2.0], h=1e308)):
        with pytest.raises(ValueError, match=r"^h = 1e\+308 at x\[0\] is too large"):
            call()
    assert calls == []
