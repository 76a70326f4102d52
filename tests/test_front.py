"""The compiled front door (fdgrad._front): the commonest small calls, checked and computed in C.

It must take the plainest calls, leave every other one to the general path, and give
the general path's result bit for bit, with the same evaluations of f, the same
exceptions (and notes), warnings and restorations; the pure backend is the reference.
"""

from __future__ import annotations

import inspect
import math
import pickle
import warnings

import numpy as np
import pytest

import fdgrad
import fdgrad.fallback
from fdgrad._options import GENERAL


@pytest.fixture
def front(compiled):
    """fdgrad._front (also under FDGRAD_PUREPYTHON=1, where fdgrad itself is pure)."""
    from fdgrad import _front

    return _front


def _call(function, f, x, **options):
    """function(f, x, **options) as outcome data: the value's bits, or the exception (type, text, notes)."""
    try:
        value = function(f, x, **options)
    except Exception as exc:  # noqa: BLE001 - the outcome compared
        return ("raise", type(exc), str(exc), tuple(getattr(exc, "__notes__", ())))
    return ("value", np.asarray(value).dtype, np.shape(value), np.asarray(value).tobytes())


class Counting:
    """f, recording the points it is called at."""

    def __init__(self, f):
        self.f, self.points = f, []

    def __call__(self, x):
        self.points.append(np.array(x, dtype=float).tobytes() if isinstance(x, np.ndarray) else float(x))
        return self.f(x)


def both(compiled, name, make_f, x, **options):
    """The outcome and the points f saw, from the compiled API (its front door) and fdgrad.fallback."""
    out = []
    for api in (compiled, fdgrad.fallback):
        f = Counting(make_f())
        xx = x.copy() if isinstance(x, (np.ndarray, list)) else x
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            outcome = _call(getattr(api, name), f, xx, **options)
        out.append(((outcome, [(w.category, str(w.message)) for w in caught]), f.points))
    return out


NUMBER_FUNCTIONS = {
    "float": lambda: (lambda t: math.sin(t) * t + 1e3),
    "numpy float64": lambda: (lambda t: np.float64(t) ** 3),
    "int": lambda: (lambda t: 7),
    "float32": lambda: (lambda t: np.float32(t) ** 2),
    "0-d array": lambda: (lambda t: np.array(t) ** 2),
}


@pytest.mark.parametrize("kind", sorted(NUMBER_FUNCTIONS))
@pytest.mark.parametrize("method", ["central", "forward", "backward"])
@pytest.mark.parametrize("n", [1, 2, 3, 4])
@pytest.mark.parametrize("h", [None, 1e-3])
@pytest.mark.parametrize("x", [0.0, 1.5, -3, 1e5, 2**60])
def test_derivative_at_a_number_is_the_general_paths(compiled, kind, method, n, h, x):
    (got, seen), (want, wanted) = both(compiled, "derivative", NUMBER_FUNCTIONS[kind], x, h=h, method=method, n=n)
    assert got == want and seen == wanted


def test_the_plainest_calls_take_the_front_door(front):
    f = lambda t: t * t  # noqa: E731
    assert front.derivative_door(f, 2.0, None, "central", None, False, False, 1, 1, None, None, None, False, False,
                                 (), None) is not GENERAL
    assert front.numerical_diff_door(f, 2) is not GENERAL
    g = lambda p: float(p @ p)  # noqa: E731
    assert front.gradient_door(g, np.ones(3), None, "central", None, False, False, 1, False, 2**26, None, None,
                               None, False, False, (), None) is not GENERAL
    assert front.numerical_gradient_door(g, np.ones(3)) is not GENERAL


@pytest.mark.parametrize("change", [
    {"x": [1.0, 2.0]}, {"x": float("nan")}, {"x": True}, {"x": 10**400}, {"h": -1.0}, {"h": 1}, {"h": 1e-200, "n": 2},
    {"method": "complex"}, {"method": "Central"}, {"order": 4}, {"adaptive": 1}, {"adaptive": True, "h": 1e-3},
    {"adaptive": True, "method": "complex"}, {"adaptive": True, "workers": 2}, {"full_output": True},
    {"workers": 2}, {"chunksize": 1}, {"chunksize": 2}, {"timeout": 1.0}, {"bounds": (0, 3)}, {"progress": True},
    {"inplace": True}, {"args": (1,)}, {"kwargs": {}}, {"n": 5}, {"n": True}, {"n": 2.0}, {"f": np.sin},
])
def test_anything_else_takes_the_general_path(front, change):
    args = dict(f=lambda t: t * t, x=2.0, h=None, method="central", order=None, adaptive=False, full_output=False,
                n=1, workers=1, chunksize=None, timeout=None, bounds=None, progress=False, inplace=False, args=(),
                kwargs=None)
    args.update(change)
    before = dict(args)
    result = front.derivative_door(*args.values())
    if "f" in change:  # a ufunc is a plain f: taken
        assert result == fdgrad.fallback.derivative(np.sin, 2.0)
    else:
        assert result is GENERAL
    assert args == before


# Every argument of each compiled definition (fdgrad._front.derivative, gradient, ...) changed
# alone from its default, by position where it has one, and bad values: each must be handed on
# to the general path as given, so that the outcome is the fallback's.
CHANGED = {"h": [1e-3, -1.0], "method": ["forward", "sideways"], "order": [4, 3], "adaptive": [True],
           "full_output": [True], "n": [2, 9], "workers": [2, 0], "vectorized": [True], "max_batch_bytes": [64, 0],
           "chunksize": [1, -1], "timeout": [5.0, -1.0], "m": [1, 0], "sparsity": [None, "x"],
           "bounds": [(-3.0, 3.0), (5.0, 1.0)], "progress": [True, "yes"], "inplace": [None, "no"],
           "args": [(2.0,)], "kwargs": [{"c": 2.0}, {"nonsense": 1}]}
POINTS = {"derivative": 1.5, "numerical_diff": 1.5, "partial": np.array([1.5, -0.5])}


def _variants():
    for name in fdgrad.fallback.__all__:
        if name not in ("derivative", "partial", "gradient", "jacobian", "hessian", "hessian_diag", "directional"):
            continue
        parameters = list(inspect.signature(getattr(fdgrad.fallback, name)).parameters.values())
        fixed = 3 if name in ("partial", "directional") else 2
        for k, parameter in enumerate(parameters[fixed:], fixed):
            for value in CHANGED[parameter.name]:
                if parameter.kind is parameter.POSITIONAL_OR_KEYWORD:
                    positional = tuple(p.default for p in parameters[fixed:k]) + (value,)
                    yield name, positional, {}
                else:
                    yield name, (), {parameter.name: value}
        yield name, (), {"nonsense": 1}
        yield name, (None,) * 9, {}


@pytest.mark.parametrize("name, positional, keywords", list(_variants()))
def test_the_compiled_definitions_hand_every_argument_on(compiled, name, positional, keywords):
    def f(t, c=1.0):
        return c * np.sin(t) * t if name == "derivative" else c * float(np.sum(np.sin(t) * t))

    x = POINTS.get(name, np.array([1.5, -0.5]))
    lead = {"partial": (0,), "directional": (np.array([0.5, 2.0]),)}.get(name, ())
    outcomes = _repr_outcomes(compiled, lambda api: getattr(api, name)(
        f, x.copy() if isinstance(x, np.ndarray) else x, *lead, *positional, **keywords))
    assert outcomes[0] == outcomes[1]


def _repr_outcomes(compiled, call):
    """call(api)'s value as its repr, or its exception's type, with its warnings' categories, from
    the compiled API and from fdgrad.fallback."""
    outcomes = []
    for api in (compiled, fdgrad.fallback):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                outcome = ("value", repr(call(api)))
            except Exception as exc:  # noqa: BLE001 - the outcome compared
                outcome = ("raise", type(exc))
        outcomes.append((outcome, [w.category for w in caught]))
    return outcomes


def test_the_textbook_definitions_hand_every_argument_on(compiled):
    f = lambda t: np.sin(t) * t  # noqa: E731
    for x in (1.5, [1.5, 2.0], np.array([0.5, 1.0]), "a"):
        assert _call(compiled.numerical_diff, f, x) == _call(fdgrad.fallback.numerical_diff, f, x)
        if not isinstance(x, float):
            g = lambda p: float(np.sum(np.sin(p)))  # noqa: E731
            assert _call(compiled.numerical_gradient, g, x) == _call(fdgrad.fallback.numerical_gradient, g, x)


def _arrays():
    rng = np.random.default_rng(7)
    return {"1-D": rng.uniform(-2, 2, 5), "2-D": rng.uniform(-2, 2, (2, 3)), "tiny": np.array([1e-300, -0.0]),
            "large": np.array([1e150, -3e200]), "one": np.array([0.5]), "list": [1.5, -2, 3.0],
            "ints": [1, 3], "huge ints": [2**60, 1], "mixed list": [1.0, True]}


GRADIENT_FUNCTIONS = {
    "float": lambda: (lambda p: float(np.sum(np.sin(p) * p))),
    "numpy float64": lambda: (lambda p: np.sum(p**3)),
    "float32": lambda: (lambda p: np.float32(np.sum(p**2))),
    "python int": lambda: (lambda p: 3),
    "constant": lambda: (lambda p: 1.5),
}


CALLS = [(name, {"h": h, "method": method}) for name in ("gradient", "hessian_diag", "hessian") for h in (None, 1e-3)
         for method in ("central", "forward", "backward")]


@pytest.mark.parametrize("kind", sorted(GRADIENT_FUNCTIONS))
@pytest.mark.parametrize("name", sorted(_arrays()))
@pytest.mark.parametrize("function, options", CALLS + [("numerical_gradient", {})])
def test_gradient_is_the_general_paths(compiled, kind, name, function, options):
    x = _arrays()[name]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        (got, seen), (want, wanted) = both(compiled, function, GRADIENT_FUNCTIONS[kind], x, **options)
    assert got == want and seen == wanted
    kinds = [w.category for w in caught]
    assert kinds.count(fdgrad.UnchangingWarning) % 2 == 0  # the same warning from both, or from neither


def test_f_raising_gives_the_same_exception_and_note(compiled):
    for api in (compiled, fdgrad.fallback):
        with pytest.raises(TypeError) as info:
            api.derivative(lambda a, b: a, 1.0)
        assert any("fdgrad: f is called with one argument" in note for note in info.value.__notes__)
        with pytest.raises(TypeError) as info:
            api.gradient(lambda a, b: a, np.ones(2))
        assert any("fdgrad: f is called with one argument" in note for note in info.value.__notes__)
    for name, x in (("derivative", 1.0), ("gradient", np.ones(2))):
        outcomes = [_call(getattr(api, name), lambda p: 1 / 0, x) for api in (compiled, fdgrad.fallback)]
        assert outcomes[0] == outcomes[1] and outcomes[0][1] is ZeroDivisionError


def test_numerical_gradient_perturbs_x_itself_and_restores_it(compiled):
    """The textbook's numerical_gradient: f is called with x itself (one coordinate moved), and x is
    restored bit for bit, also after an f that writes into x or raises."""
    for api in (compiled, fdgrad.fallback):
        x = np.array([1.0, -2.0, 0.25])
        before = x.copy()
        seen = []

        def f(p):
            seen.append(p is x)
            p[0] += 1.0  # f writing into x
            return float(np.sum(p**2))

        api.numerical_gradient(f, x)
        assert all(seen) and x.tobytes() == before.tobytes()

        def g(p):
            if p[1] != -2.0:
                raise RuntimeError("no")
            return 0.0

        with pytest.raises(RuntimeError):
            api.numerical_gradient(g, x)
        assert x.tobytes() == before.tobytes()


def test_under_on_nonfinite_raise_the_general_path_decides(compiled):
    f = lambda t: float("nan") if t > 1.0 else t  # noqa: E731
    assert math.isnan(compiled.derivative(f, 1.0))
    with fdgrad.on_nonfinite("raise"):
        for api in (compiled, fdgrad.fallback):
            with pytest.raises(FloatingPointError):
                api.derivative(f, 1.0)


@pytest.mark.parametrize("kind", sorted(GRADIENT_FUNCTIONS))
@pytest.mark.parametrize("name", sorted(_arrays()))
@pytest.mark.parametrize("i", [0, -1, 1])
@pytest.mark.parametrize("options", [{}, {"h": 1e-2, "method": "forward"}, {"method": "backward"},
                                     {"inplace": None}])
def test_partial_is_the_general_paths(compiled, kind, name, i, options):
    x = _arrays()[name]
    if not -np.size(x) <= i < np.size(x):
        i = 0
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        (got, seen), (want, wanted) = both(compiled, "partial", GRADIENT_FUNCTIONS[kind], x, i=i, **options)
    assert got == want and seen == wanted


def test_partial_takes_the_front_door(front):
    g = lambda p: float(p @ p)  # noqa: E731
    assert front.partial_door(g, np.ones(3), 1, None, "central", None, False, False, None, False, False, (),
                              None) is not GENERAL
    for i in (3, -4, True, (0,), 1.0, None):
        assert front.partial_door(g, np.ones(3), i, None, "central", None, False, False, None, False, False, (),
                                  None) is GENERAL


JACOBIAN_FUNCTIONS = {
    "vector": lambda: (lambda p: np.array([p[0] * p.sum(), np.sin(p[-1]), 2.0])),
    "2-D values": lambda: (lambda p: np.outer(p[:2], p[:2])),
    "float32 values": lambda: (lambda p: (p[:2] ** 2).astype(np.float32)),
    "list values": lambda: (lambda p: [float(p[0]), float(p[-1]) ** 2]),
    "one value (1,)": lambda: (lambda p: np.array([p @ p])),
    "scalar": lambda: (lambda p: float(p @ p)),
    "constant vector": lambda: (lambda p: np.array([1.0, 2.0])),
    "reused buffer": lambda: _reusing(),
    "nan": lambda: (lambda p: np.array([np.nan, p[0]])),
    "complex values": lambda: (lambda p: p[:2] * 1j),
    "empty": lambda: (lambda p: np.zeros(0)),
}


def _reusing():
    out = np.empty(2)

    def f(p):
        out[0], out[1] = p[0] * 2.0, p[-1] ** 3
        return out

    return f


@pytest.mark.parametrize("kind", sorted(JACOBIAN_FUNCTIONS))
@pytest.mark.parametrize("name", sorted(_arrays()))
@pytest.mark.parametrize("options", [{}, {"h": 1e-3, "method": "forward"}, {"method": "backward"}])
def test_jacobian_is_the_general_paths(compiled, kind, name, options):
    x = _arrays()[name]
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        (got, seen), (want, wanted) = both(compiled, "jacobian", JACOBIAN_FUNCTIONS[kind], x, **options)
    assert got == want and seen == wanted


DIRECTIONAL_FUNCTIONS = {
    "float": lambda: (lambda p: float(np.sum(np.sin(p) * p))),
    "numpy float64": lambda: (lambda p: np.sum(p**3)),
    "float32": lambda: (lambda p: np.float32(np.sum(p**2))),
    "python int": lambda: (lambda p: 3),
    "vector": lambda: (lambda p: np.array([p.sum(), float(np.prod(p))])),
    "list values": lambda: (lambda p: [float(p.flat[0]), 2.0]),
    "nan": lambda: (lambda p: float("nan")),
    "raises": lambda: (lambda p: float(p["a"])),
    "float, then float32": lambda: _then_float32(),
}


def _then_float32():
    calls = []

    def f(p):
        calls.append(1)
        value = float(np.sum(p**2))
        return value if len(calls) == 1 else np.float32(value)

    return f


def _directions():
    rng = np.random.default_rng(11)
    return {"along an axis": [1.0, 0.0, 0.0, 0.0, 0.0], "random": rng.normal(size=5), "tiny": np.full(5, 1e-300),
            "huge": np.full(5, 1e300), "zero": np.zeros(5), "nan": np.full(5, np.nan), "ints": [1, 0, 2, 0, -1],
            "wrong shape": np.ones(4), "2-D": np.ones((1, 5)), "float32": np.ones(5, np.float32)}


@pytest.mark.parametrize("kind", sorted(DIRECTIONAL_FUNCTIONS))
@pytest.mark.parametrize("direction", sorted(_directions()))
@pytest.mark.parametrize("options", [{}, {"h": 1e-3}, {"method": "forward"}, {"h": 1e-2, "method": "backward"},
                                     {"h": 1e300}, {"h": -1.0}, {"method": "complex"}, {"order": 4}])
def test_directional_is_the_general_paths(compiled, kind, direction, options):
    """The directional door (fdgrad._front.directional): the general path's value bit for bit, the
    same points of f in the same order, the same exception, notes and warnings."""
    for x in (np.array([0.5, -1.5, 2.0, 1e-3, 7.0]), [0.5, -1.5, 2.0, 1e-3, 7.0], np.full(5, 1e200)):
        v = _directions()[direction]
        outcomes = []
        for api in (compiled, fdgrad.fallback):
            f = Counting(DIRECTIONAL_FUNCTIONS[kind]())
            vv = v.copy() if isinstance(v, (np.ndarray, list)) else v
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                outcome = _call(lambda f, x, **o: api.directional(f, x, vv, **o), f,
                                x.copy() if isinstance(x, np.ndarray) else list(x), **options)
            outcomes.append((outcome, [(w.category, str(w.message)) for w in caught], f.points))
        assert outcomes[0] == outcomes[1]


def test_directional_takes_the_front_door(front):
    g = lambda p: float(np.sum(p * p))  # noqa: E731
    assert front.directional_door(g, np.ones(3), np.ones(3), None, "central", None, False, False, False, False, (),
                                  None) is not GENERAL
    assert front.directional_door(g, [1.0, 2.0], [0, 1], 1e-3, "forward", None, False, False, False, False, (),
                                  None) is not GENERAL
    for change in ({"x": np.ones((1, 3))}, {"v": np.ones(2)}, {"v": np.zeros(3)}, {"order": 2}, {"inplace": True},
                   {"adaptive": True}, {"progress": True}, {"method": "complex"}, {"kwargs": {}}):
        options = dict(f=g, x=np.ones(3), v=np.ones(3), h=None, method="central", order=None, adaptive=False,
                       full_output=False, progress=False, inplace=False, args=(), kwargs=None)
        options.update(change)
        if "x" in change:
            options["v"] = np.ones((1, 3))
            assert front.directional_door(*options.values()) is not GENERAL  # any shape of x
        else:
            assert front.directional_door(*options.values()) is GENERAL


class _OwnFloat(float):
    """A float whose __float__ says something else: read as its own double on every path."""

    def __float__(self):
        return 42.0


@pytest.mark.parametrize("name", ["derivative", "partial", "gradient", "jacobian", "hessian", "hessian_diag",
                                  "directional"])
@pytest.mark.parametrize("options", [{}, {"order": 4}, {"method": "forward"}])
def test_a_float_subclass_is_its_own_double_on_every_path(compiled, name, options):
    """A differential fuzz found f's float subclass read as its double by the compiled paths and
    through float() (its __float__) by the pure ones.  Both now take the double, door or not."""
    def f(p):
        return _OwnFloat(float(np.sum(np.sin(np.asarray(p)) * np.asarray(p))))

    x = 1.3 if name == "derivative" else np.array([0.4, -1.1])
    lead = {"partial": (1,), "directional": (np.array([1.0, 0.5]),)}.get(name, ())
    if name == "hessian" and options.get("method") == "forward":
        options = {}
    outcomes = [_call(lambda f_, x_, **o: getattr(api, name)(f_, x_, *lead, **o), f, x, **options)
                for api in (compiled, fdgrad.fallback)]
    assert outcomes[0] == outcomes[1] and outcomes[0][0] == "value"


def test_a_hessian_whose_steps_underflow_divides_as_c_does(compiled):
    """The pure kernels' Hessian entry divided by h_i h_j = 0 (steps of 1e-162) with a
    ZeroDivisionError where C gives inf or NaN."""
    f = lambda p: float(np.sum(np.sin(p)))  # noqa: E731
    for options in ({"h": 1e-162, "order": 4}, {"h": 1e-162, "order": 8}, {"h": 1e-162, "method": "forward",
                                                                             "order": 4}):
        got = _call(compiled.hessian, f, [0.5, 0.0], **options)
        assert got == _call(fdgrad.fallback.hessian, f, [0.5, 0.0], **options) and got[0] == "value"


def test_directional_door_leaves_the_rare_cases_to_the_general_path(compiled):
    """A scale max|v| / max(1, max|x|) that underflows (its warning comes from the general path's
    steps along v) and an f whose first value is None (evaluated once, not twice)."""
    for api_pair in ((compiled, fdgrad.fallback),):
        outcomes = []
        for api in api_pair:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                value = api.directional(lambda p: float(p[0] + p[1]), np.array([1.0, 1e16]),
                                        np.array([1e-310, 1e-310]))
            outcomes.append((value, [w.category for w in caught]))
        assert outcomes[0] == outcomes[1] and outcomes[0][1] == [RuntimeWarning]
    seen = []
    for api in (compiled, fdgrad.fallback):
        f = Counting(lambda p: None)
        with pytest.raises(TypeError):
            api.directional(f, np.array([1.0, 2.0]), np.array([1.0, 0.0]))
        seen.append(f.points)
    assert seen[0] == seen[1] and len(seen[0]) == 1


def _check_outcome(api, f, grad, x, **options):
    """check_grad's outcome as data: every field's bits, or the exception (type, text, notes)."""
    try:
        result = api.check_grad(f, grad, x, **options)
    except Exception as exc:  # noqa: BLE001 - the outcome compared
        return ("raise", type(exc), str(exc), tuple(getattr(exc, "__notes__", ())))
    arrays = (result.numeric, result.analytic, result.tolerance)
    return ("value", np.array([result.max_abs_error, result.max_rel_error]).tobytes(), result.worst_index, result.ok,
            *((a.shape, a.tobytes()) for a in arrays))


GRADS = {
    "right": lambda p: np.cos(p) * p + np.sin(p),
    "off by 1e-4": lambda p: np.cos(p) * p + np.sin(p) + 1e-4,
    "an array": None,
    "a list": "list",
    "wrong shape": lambda p: np.zeros(7),
    "raises": lambda p: 1 / 0,
    "strings": lambda p: np.array(["a"] * p.size),
}


@pytest.mark.parametrize("kind", sorted(GRADIENT_FUNCTIONS))
@pytest.mark.parametrize("name", sorted(_arrays()))
@pytest.mark.parametrize("grad", sorted(GRADS))
def test_check_grad_is_the_general_paths(compiled, kind, name, grad):
    """check_grad's first look (three central gradients, extrapolated), in C and in Python: the same
    verdict bit for bit, from the same evaluations of f, or the same exception."""
    x = _arrays()[name]
    right = GRADS["right"]
    make = GRADS[grad]
    outcomes = []
    for api in (compiled, fdgrad.fallback):
        f = Counting(GRADIENT_FUNCTIONS[kind]())
        xx = x.copy() if isinstance(x, np.ndarray) else list(x)
        point = np.asarray(x, dtype=float)
        g = right(point) if make is None else right(point).tolist() if make == "list" else make
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            outcome = _check_outcome(api, f, g, xx)
        outcomes.append((outcome, [(w.category, str(w.message)) for w in caught], f.points))
        assert np.array_equal(np.asarray(xx, dtype=float), point, equal_nan=True)
    assert outcomes[0] == outcomes[1]


def test_check_grad_takes_the_front_door(front):
    f = lambda p: float(p @ p)  # noqa: E731
    grad = lambda p: 2 * p  # noqa: E731
    plain = dict(h=None, method="central", order=None, adaptive=True, rtol=1e-6, atol=1e-8, raise_on_mismatch=False,
                 workers=1, progress=False, inplace=False, args=(), kwargs=None)
    result = front.check_grad_door(f, grad, np.array([0.5, -2.0]), *plain.values())
    assert result is not GENERAL and result.ok
    for change in ({"h": 1e-3}, {"method": "forward"}, {"order": 4}, {"adaptive": False}, {"rtol": 1},
                   {"atol": -1.0}, {"raise_on_mismatch": 0}, {"workers": 2}, {"progress": None},
                   {"inplace": None}, {"args": (1,)}, {"kwargs": {}}):
        options = {**plain, **change}
        assert front.check_grad_door(f, grad, np.array([0.5, -2.0]), *options.values()) is GENERAL, change
    for x in (np.array([1.0, np.nan]), np.array([np.finfo(float).max, 0.0]), np.ones(2, np.float32), 1.0, np.array(2.0),
              [1.0, True]):
        assert front.check_grad_door(f, grad, x, *plain.values()) is GENERAL, x


CHECK_GRAD_CHANGED = {"h": [1e-3, -1.0], "method": ["forward", "sideways"], "order": [4, 3], "adaptive": [False, 1],
                      "rtol": [1e-3, -1.0, "a"], "atol": [0.0, float("nan")], "raise_on_mismatch": [True, "no"],
                      "workers": [2, 0], "progress": [True, "yes"], "inplace": [None, "no"], "args": [(2.0,)],
                      "kwargs": [{"c": 2.0}, {"nonsense": 1}]}


def _check_grad_variants():
    parameters = list(inspect.signature(fdgrad.fallback.check_grad).parameters.values())
    for k, parameter in enumerate(parameters[3:], 3):
        for value in CHECK_GRAD_CHANGED[parameter.name]:
            if parameter.kind is parameter.POSITIONAL_OR_KEYWORD:
                yield tuple(p.default for p in parameters[3:k]) + (value,), {}
            else:
                yield (), {parameter.name: value}
    yield (), {"nonsense": 1}
    yield (None,) * 8, {}


@pytest.mark.parametrize("positional, keywords", list(_check_grad_variants()))
@pytest.mark.parametrize("grad", ["right", "off by 1e-4"])
def test_check_grads_compiled_definition_hands_every_argument_on(compiled, positional, keywords, grad):
    def f(t, c=1.0):
        return c * float(np.sum(np.sin(t) * t))

    def g(t, c=1.0):
        return c * GRADS[grad](t)

    outcomes = _repr_outcomes(compiled, lambda api: api.check_grad(f, g, np.array([1.5, -0.5]), *positional,
                                                                   **keywords))
    assert outcomes[0] == outcomes[1]


def test_check_grad_door_notes_an_f_of_the_wrong_arity(compiled):
    outcomes = [_check_outcome(api, lambda a, b: a, lambda p: 2 * p, np.ones(2)) for api in (compiled, fdgrad.fallback)]
    assert outcomes[0] == outcomes[1] and outcomes[0][1] is TypeError
    assert any("fdgrad: f is called with one argument" in note for note in outcomes[0][3])


# The adaptive engine in the kernels (csrc/adaptive.c), behind the front door: derivative() at a
# number, gradient(), hessian_diag() and partial() of a scalar f with adaptive=True.  Its twin is
# fdgrad._adaptive (numpy over arrays), which the fallback runs: the two agree bit for bit on every
# path of the engine (the pilot taken again where f rounds to a constant or leaves its domain, the
# wide ladder below a probe that failed, the second weighing for f's noise, one-sided columns
# stopped at a fractional power), with the same evaluations of f (for a gradient, in another order:
# each coordinate's ladder whole before the next one's).

def _bits(function, f, x, *args, **options):
    """function(f, x, *args, **options) as outcome data: the result's bits (pickled: every float and field of
    its DiffInfo), or the exception (type, text, notes); and the warnings."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            outcome = ("value", pickle.dumps(function(f, x, *args, **options)))
        except Exception as exc:  # noqa: BLE001 - the outcome compared
            outcome = ("raise", type(exc), str(exc), tuple(getattr(exc, "__notes__", ())))
    return outcome, [(w.category, str(w.message)) for w in caught]


def _counting(f, points):
    """f as a plain Python function (the front door's kind of f), recording the points it is called at."""
    def counted(x, *args, **kwargs):
        points.append(np.array(x, dtype=float).tobytes() if isinstance(x, np.ndarray) else float(x))
        return f(x, *args, **kwargs)

    return counted


def _general_path(*args, **kwargs):
    raise AssertionError("the compiled call took the general path (an adaptive engine behind the API's checks)")


def _twin(*args, **kwargs):
    raise AssertionError("the compiled call took fdgrad._adaptive's numpy engine (the fallback's)")


def _adaptive_both(compiled, name, f, x, *args, sort=False, door=True, fresh=False, **options):
    """The outcomes (and points f saw) of an adaptive call with full_output, from the compiled API and fdgrad.fallback;
    on the compiled side the numpy engine (the twin, which the fallback runs) is refused, and with door so is the
    kernels' engine behind the general path: the call must be the front door's; fresh: f is a maker of f, called for
    each (an f with state)."""
    from fdgrad import _adaptive, _ckernels

    out = []
    make = f if fresh else (lambda: f)
    for api in (compiled, fdgrad.fallback):
        f, points = make(), []
        saved = (_adaptive.adaptive_derivative, _adaptive.adaptive_hessian, _ckernels.adaptive_derivative,
                 _ckernels.adaptive_hessian)
        if api is compiled:
            _adaptive.adaptive_derivative = _adaptive.adaptive_hessian = _twin
            if door:
                _ckernels.adaptive_derivative = _ckernels.adaptive_hessian = _general_path
        try:
            out += [_bits(getattr(api, name), _counting(f, points), x.copy() if isinstance(x, np.ndarray) else x,
                          *args, adaptive=True, full_output=True, **options), points]
        finally:
            (_adaptive.adaptive_derivative, _adaptive.adaptive_hessian, _ckernels.adaptive_derivative,
             _ckernels.adaptive_hessian) = saved
    one, seen_c, two, seen_p = out
    assert "took the" not in str(one[0])
    if sort:
        seen_c, seen_p = sorted(seen_c), sorted(seen_p)
    return one, two, seen_c, seen_p


def _class_instances():
    from fdgrad.testing.cases import CASES, CLASS_CASES

    for case in CLASS_CASES:
        if case.bounds is None:
            yield pytest.param(case.f, case.x, case.n, id=f"{case.klass}: {case.name} n={case.n}")
    for case in CASES:
        yield pytest.param(case.f, case.x, 1, id=case.name)


@pytest.mark.parametrize("method", ["central", "forward", "backward"])
@pytest.mark.parametrize(("f", "x", "n"), list(_class_instances()))
def test_adaptive_number_matches_the_twin(compiled, f, x, n, method):
    one, two, seen_c, seen_p = _adaptive_both(compiled, "derivative", f, x, n=n, method=method)
    assert one == two
    assert seen_c == seen_p  # the same points, in the same order


def test_adaptive_door_takes_its_calls(front):
    """Each door computes the plain adaptive calls itself (not GENERAL), and leaves h, order and other options alone."""
    g = lambda p: float(p @ p)  # noqa: E731
    common = (None, "central", None, True)
    assert front.derivative_door(math.exp, 1.0, *common, False, 1, 1, None, None, None, False, None, (), None) \
        is not GENERAL
    assert front.derivative_door(math.exp, 1.0, *common, True, 3, 1, None, None, None, False, None, (), None) \
        is not GENERAL
    for door in (front.gradient_door, front.hessian_diag_door):
        assert door(g, np.ones(3), *common, True, 1, False, 2**26, None, None, None, False, False, (), None) \
            is not GENERAL
        assert door(g, np.ones(3), 1e-3, "central", None, True, True, 1, False, 2**26, None, None, None, False,
                    False, (), None) is GENERAL  # a given h: checked by the general path
    assert front.partial_door(g, np.ones(3), 1, *common, False, None, False, False, (), None) is not GENERAL
    for change in ({"adaptive": 1}, {"order": 4}, {"bounds": (0.0, 2.0)}, {"args": [1]}, {"full_output": 1}):
        args = dict(f=math.exp, x=1.0, h=None, method="central", order=None, adaptive=True, full_output=False,
                    n=1, workers=1, chunksize=None, timeout=None, bounds=None, progress=False, inplace=False, args=(),
                    kwargs=None)
        args.update(change)
        assert front.derivative_door(*args.values()) is GENERAL, change


def _gradient_instances():
    from fdgrad.testing.cases import GRADIENT_CASES

    for case in GRADIENT_CASES:
        if case.x.size <= 12:
            yield pytest.param(case.f, case.x, id=case.name)


@pytest.mark.parametrize("method", ["central", "forward", "backward"])
@pytest.mark.parametrize(("f", "x"), list(_gradient_instances()))
def test_adaptive_gradient_matches_the_twin(compiled, f, x, method):
    for name in ("gradient", "hessian_diag"):
        one, two, seen_c, seen_p = _adaptive_both(compiled, name, f, x, sort=True, method=method)
        assert one == two, name
        assert seen_c == seen_p, name
    one, two, seen_c, seen_p = _adaptive_both(compiled, "partial", f, x, x.size - 1, method=method)
    assert one == two


_TERMS = [np.sin, np.cos, np.log1p, np.exp, np.arctan, lambda t: t**3, lambda t: np.sqrt(np.abs(t) + 1e-9)]


def _random_objective(rng, cross):
    """A random sum of classes over 1..4 coordinates (and a large constant, or 1, or 0; with cross, a term in
    x_0 x_last), and a point of random scale (1e-300 .. 1e8, and 0)."""
    n = int(rng.integers(1, 5))
    picks = rng.integers(0, len(_TERMS), n)
    a = rng.normal(size=n) * 10.0 ** rng.integers(-3, 3, n)
    c, b = float(rng.choice([0.0, 1.0, 4e11])), float(rng.normal()) if cross else 0.0

    def f(p):
        return float(c + sum(_TERMS[k](a[i] * p[i]) for i, k in enumerate(picks)) + b * p[0] * p[-1])

    x = rng.normal(size=n) * 10.0 ** rng.integers(-300, 8, n).astype(float)
    x[rng.random(n) < 0.15] = 0.0
    return f, x


def test_adaptive_door_random_scales(compiled):
    """Random sums of classes at coordinates of random scale (1e-300 .. 1e8, and 0): the door and the twin alike."""
    rng = np.random.default_rng(2026)
    for trial in range(60):
        f, x = _random_objective(rng, cross=False)
        for method in ("central", "forward", "backward"):
            for name in ("gradient", "hessian_diag"):
                one, two, seen_c, seen_p = _adaptive_both(compiled, name, f, x, sort=True, method=method)
                assert one == two, (trial, name, method, x)
                assert seen_c == seen_p


def test_adaptive_door_takes_every_kind_of_value(compiled):
    """An f whose values are not floats (float32, an int, 0-d arrays) is the door's too, its values taken as the
    general path takes them and its precision read after the pilots: the fallback's result, from the same
    evaluations."""
    for f in (lambda t: np.float32(np.sin(t)), lambda t: 3, lambda t: np.array(np.sin(t), dtype=np.float32),
              lambda t: np.array(np.sin(t))):  # (the last a 0-d float64: the door's own)
        one, two, _, _ = _adaptive_both(compiled, "derivative", f, 0.5)
        assert one == two and one[0][0] == "value"
    one, two, _, _ = _adaptive_both(compiled, "derivative", lambda t: np.array([np.sin(t)]), 0.5)
    assert one == two
    for g in (lambda p: np.float32(np.sum(np.sin(p))), lambda p: np.array(np.sum(np.sin(p)))):
        one, two, _, _ = _adaptive_both(compiled, "gradient", g, np.array([0.5, -1.0]))
        assert one == two and one[0][0] == "value"


def test_adaptive_door_errors_and_warnings(compiled):
    """f's exception as it was (a TypeError with the binding note), x untouched, and the UnchangingWarning of an
    f that never varies, with the fallback's count of evaluations."""
    def boom(p):
        raise ZeroDivisionError("boom")

    x = np.array([1.0, 2.0])
    for name in ("derivative", "gradient", "hessian_diag"):
        arg = 1.0 if name == "derivative" else x
        outcomes = [_call(getattr(api, name), boom, arg, adaptive=True) for api in (compiled, fdgrad.fallback)]
        assert outcomes[0] == outcomes[1] and outcomes[0][1] is ZeroDivisionError
        two_args = lambda p, q: 0.0  # noqa: E731
        outcomes = [_call(getattr(api, name), two_args, arg, adaptive=True) for api in (compiled, fdgrad.fallback)]
        assert outcomes[0] == outcomes[1] and outcomes[0][1] is TypeError and outcomes[0][3]
    assert np.array_equal(x, [1.0, 2.0])
    for name in ("gradient", "hessian_diag"):
        one, two, _, _ = _adaptive_both(compiled, name, lambda p: 5.0, x)
        assert one == two and one[1] and one[1][0][0] is fdgrad.UnchangingWarning


def test_adaptive_door_keeps_the_twins_warnings(compiled):
    """The ladders' points outside f's domain (sqrt below 0) warn on neither backend, as the twin evaluates them
    under np.errstate(all="ignore"); f(x) itself is evaluated as f is, on both."""
    f = lambda v: float(np.sum(np.sqrt(v)))  # noqa: E731
    x = np.array([1e-9, 2e7])
    for method in ("central", "forward"):
        one, two, seen_c, seen_p = _adaptive_both(compiled, "gradient", f, x, sort=True, method=method)
        assert one == two and seen_c == seen_p and one[1] == []
    g = lambda t: float(np.sqrt(t))  # noqa: E731
    one, two, _, _ = _adaptive_both(compiled, "derivative", g, 1e-9)
    assert one == two and one[1] == []
    one, two, _, _ = _adaptive_both(compiled, "derivative", g, -1.0, method="forward")  # f(x) warns on both
    assert one == two and one[1] and one[1][0][0] is RuntimeWarning


def test_adaptive_jacobian_matches_the_twin(compiled):
    """jacobian(adaptive=True) of an f of several values (arrays, lists, a 2-D value, one value, a constant): the
    door's ladders (one median step per coordinate over the outputs) and the twin's alike, on random scales."""
    rng = np.random.default_rng(77)
    fs = [lambda p: np.array([p[0] * p[1], np.sin(p[1]), np.exp(p[0])]),
          lambda p: [math.log1p(p[0] ** 2), 4e11 + p[1]],
          lambda p: np.array([[np.sum(np.sin(p)), np.prod(p)], [p[0], 1.0]]),
          lambda p: float(np.sum(p ** 3)),
          lambda p: np.array([np.sqrt(abs(p[0])), 1 / (p[1] - 0.3), np.arccos(min(p[0], 1.0))]),
          lambda p: np.array([7.0, 7.0])]
    for f in fs:
        for _ in range(12):
            x = rng.normal(size=2) * 10.0 ** rng.integers(-300, 8, 2).astype(float)
            x[rng.random(2) < 0.2] = 0.0
            for method in ("central", "forward", "backward"):
                one, two, seen_c, seen_p = _adaptive_both(compiled, "jacobian", f, x, sort=True, method=method)
                assert one == two, (x, method)
                assert seen_c == seen_p


def test_adaptive_jacobian_door_takes_its_calls(front):
    g = lambda p: np.array([p[0], p[1] ** 2])  # noqa: E731
    rest = (1, False, 2**26, None, None, None, None, None, False, False, (), None)
    assert front.jacobian_door(g, np.ones(2), None, "central", None, True, True, *rest) is not GENERAL
    assert front.jacobian_door(g, np.ones(2), None, "central", None, True, False, *rest) is not GENERAL
    sparse = (1, False, 2**26, None, None, None, np.eye(2), None, False, False, (), None)
    assert front.jacobian_door(g, np.ones(2), None, "central", None, True, False, *sparse) is GENERAL

def test_adaptive_jacobian_door_float32(compiled):
    """A float32 f's Jacobian: its precision read from the values after the pilots, as the twin reads it."""
    f32 = lambda p: np.array([p[0], p[1] ** 2, np.sin(p[0] * p[1])], dtype=np.float32)  # noqa: E731
    for x in (np.ones(2), np.array([1e-3, 300.0])):
        one, two, seen_c, seen_p = _adaptive_both(compiled, "jacobian", f32, x, sort=True)
        assert one == two and seen_c == seen_p


def _hessian_instances():
    from fdgrad.testing.cases import HESSIAN_CASES

    for case in HESSIAN_CASES:
        if case.x.size <= 8:
            yield pytest.param(case.f, case.x, id=case.name)


@pytest.mark.parametrize(("f", "x"), list(_hessian_instances()))
def test_adaptive_hessian_matches_the_twin(compiled, f, x):
    one, two, seen_c, seen_p = _adaptive_both(compiled, "hessian", f, x)
    assert one == two
    assert seen_c == seen_p  # the same points, in the same order


def test_adaptive_hessian_random_scales(compiled):
    """Random sums of classes with a cross term, coordinates of random scale (1e-300 .. 1e8, and 0), large
    constants: the door's adaptive Hessian and the twin's alike (NaN entries, estimates, steps, flags, warnings)."""
    rng = np.random.default_rng(9)
    for trial in range(80):
        f, x = _random_objective(rng, cross=True)
        one, two, seen_c, seen_p = _adaptive_both(compiled, "hessian", f, x)
        assert one == two, (trial, x)
        assert seen_c == seen_p


def test_adaptive_hessian_door(front, compiled):
    g = lambda p: float(p[0] ** 2 * p[1])  # noqa: E731
    rest = (1, None, None, None, None, False, False, (), None)
    assert front.hessian_door(g, np.ones(2), None, "central", None, True, True, *rest) is not GENERAL
    assert front.hessian_door(g, np.ones(2), None, "forward", None, True, True, *rest) is GENERAL
    assert front.hessian_door(g, np.ones(2), 1e-3, "central", None, True, True, *rest) is GENERAL
    for f in (lambda p: 5.0, lambda p: np.float32(p @ p)):  # never varies: the warning; float32: its precision
        one, two, _, _ = _adaptive_both(compiled, "hessian", f, np.array([1.0, 2.0]))
        assert one == two


def test_adaptive_door_evaluates_as_the_twin(compiled):
    """The door's f is evaluated at the twin's points in the twin's order (every pilot, every pilot taken again,
    every probe, then each ladder), each once: an f with state, one that changes kind midway, one that raises
    by coordinate, one that fails only at x (the last look) all come out as the fallback's."""
    def stateful():
        calls = []

        def f(t):
            calls.append(t)
            if t == 1.0:
                warnings.warn("f(x) warns")
            v = math.exp(t) + 1e-9 * len(calls)
            return v if t < 1.001 else np.float32(v)  # a float32 value partway

        return f

    for method in ("forward", "central"):
        one, two, seen_c, seen_p = _adaptive_both(compiled, "derivative", stateful, 1.0, fresh=True, method=method)
        assert one == two and seen_c == seen_p
        assert pickle.loads(one[0][1])[1].nfev == len(seen_c)

    def by_coordinate(p):
        if p[0] < 0.0:
            raise ValueError("f is undefined for p[0] < 0")
        if p[1] != 2.0:
            raise ZeroDivisionError("p[1] moved")
        return math.sqrt(p[0]) + p[1]

    one, two, seen_c, seen_p = _adaptive_both(compiled, "gradient", by_coordinate, np.array([1e-3, 2.0]))
    assert one == two and seen_c == seen_p and one[0][1] is ZeroDivisionError  # (every pilot comes first)

    def counting():
        counter = []

        def f(p):
            counter.append(1)
            return float(np.sum(np.sin(p))) + 1e-12 * len(counter)

        return f

    for name in ("gradient", "hessian_diag", "jacobian", "hessian"):
        one, two, seen_c, seen_p = _adaptive_both(compiled, name, counting, np.array([0.3, -1.2, 2.0]), fresh=True)
        assert one == two and seen_c == seen_p, name

    def fails_at_x(p):
        if p[0] == 0.5:
            raise ZeroDivisionError("f(x) itself fails")
        return 1.0

    for name in ("gradient", "jacobian"):
        one, two, _, _ = _adaptive_both(compiled, name, fails_at_x, np.array([0.5]))
        assert one == two and one[0][1] is ZeroDivisionError
    one, two, _, _ = _adaptive_both(compiled, "partial", fails_at_x, np.array([0.5]), 0)
    assert one == two and one[0][1] is ZeroDivisionError


def test_adaptive_nan_is_numpys_nan(compiled):
    """A NaN result is np.nan (sign bit clear) on both backends, whatever NaN the arithmetic made (log of a negative
    number is -NaN on x86, and numpy's add of a broadcast operand keeps the other NaN)."""
    f = lambda p: math.nan if p[1] >= 0 else -math.nan  # noqa: E731
    for method in ("backward", "forward", "central"):
        one, two, _, _ = _adaptive_both(compiled, "gradient", f, np.array([1.0, 0.0]), method=method)
        assert one == two
        g = pickle.loads(one[0][1])[0]
        assert (g.view(np.uint64) == np.array(np.nan).view(np.uint64)).all()


def test_adaptive_door_blocks_as_the_twin(compiled, monkeypatch):
    """Coordinates go through the ladders in blocks (fdgrad._derivatives.ADAPTIVE_BLOCK bounds the values kept): the
    door's blocks are the twin's, so that f sees the same points in the same order."""
    from fdgrad import _derivatives

    monkeypatch.setattr(_derivatives, "ADAPTIVE_BLOCK", 2 * 5 * 7)  # blocks of 7 coordinates (of 2 outputs: 3)
    x = np.linspace(-2.0, 3.0, 23)
    for name, f in (("gradient", lambda p: float(np.sum(np.sin(p) * p))),
                    ("jacobian", lambda p: np.array([np.sum(np.sin(p) * p), np.prod(np.cos(p[:3]))]))):
        one, two, seen_c, seen_p = _adaptive_both(compiled, name, f, x)
        assert one == two and seen_c == seen_p, name


def test_native_gradient_door(front, native_lib):
    """A native scalar f fdgrad has recognised once (the general path's cache) has its central gradient from the front
    door, the kernels' loop without the Python layers: bit for bit the fallback's (which calls it through ctypes),
    for every shape of x; anything else (another method, an option, a vector native f) stays on the general path."""
    f = native_lib.sumsq
    rest = (None, "central", None, False, False, 1, False, 2**26, None, None, None, False, False, (), None)
    rng = np.random.default_rng(5)
    x = rng.normal(size=7)
    fdgrad.gradient(f, x)  # recognised: in fdgrad._native's cache
    assert front.gradient_door(f, x, *rest) is not GENERAL
    for shape in ((7,), (1,), (3, 2), (40,)):
        x = rng.normal(size=shape) * 10.0 ** rng.integers(-5, 5, shape)
        one = front.gradient_door(f, x.copy(), *rest)
        assert one is not GENERAL and one.shape == x.shape
        assert one.tobytes() == fdgrad.fallback.gradient(f, x).tobytes()
        assert front.gradient_door(f, x.tolist() if x.ndim == 1 else x, 1e-3, *rest[1:]).tobytes() == \
            fdgrad.fallback.gradient(f, x, h=1e-3).tobytes()
    x = np.array([1.0, -2.0])
    assert front.gradient_door(f, x, None, "forward", *rest[2:]) is GENERAL
    assert front.gradient_door(f, x, None, "central", None, False, False, 2, *rest[6:]) is GENERAL


def test_adaptive_door_args_and_kwargs(compiled):
    """args= and kwargs= (SciPy's convention, bound after x as the general path binds them) on every adaptive door:
    the twin's results and points, and a call that does not fit f's signature raises the twin's error and note."""
    def f(p, a, scale=1.0):
        return float(scale * np.sum(np.sin(a * p)) + p[0] * p[-1])

    def vec(p, a, scale=1.0):
        return np.array([scale * np.sum(np.sin(a * p)), p[0] * a])

    x = np.array([0.3, -1.2, 2.0])
    for name, fn, extra in (("gradient", f, ()), ("hessian_diag", f, ()), ("hessian", f, ()), ("jacobian", vec, ()),
                            ("partial", f, (1,))):
        for options in ({"args": (1.5,)}, {"args": (1.5,), "kwargs": {"scale": 3.0}}, {"args": (2.0,), "kwargs": {}}):
            one, two, seen_c, seen_p = _adaptive_both(compiled, name, fn, x, *extra, **options)
            assert one == two and seen_c == seen_p, (name, options)
        one, two, _, _ = _adaptive_both(compiled, name, fn, x, *extra, args=(1.0, 2.0, 3.0))
        assert one == two and one[0][1] is TypeError, name
    g = lambda t, a: math.exp(a * t)  # noqa: E731
    one, two, seen_c, seen_p = _adaptive_both(compiled, "derivative", g, 0.7, args=(1.3,), n=2)
    assert one == two and seen_c == seen_p


# The adaptive engine in the kernels behind the general path: every option and evaluation (threads,
# executors, a vectorized f, bounds, progress=, args=, float32 values, f raising), the compiled API's
# results and points the fallback's (the twin's) bit for bit, with the twin refused on the compiled side.

def _scalar3(v, *args):
    v = np.asarray(v)
    shift = args[0] if args else 0.0
    return np.sin(v[..., 0]) * np.exp(0.3 * v[..., 1]) + v[..., 2] ** 3 * np.cos(v[..., 0]) + shift


def _vector3(v):
    v = np.asarray(v)
    return np.stack([np.sin(v[..., 0] * v[..., 1]), v[..., 1] ** 2 + np.log1p(v[..., 2] ** 2),
                     np.exp(-v[..., 0]) * v[..., 2]], axis=-1)


def _float32_scalar(v):
    return np.float32(_scalar3(v))


def _raising_at_third(v):
    v = np.asarray(v)
    if v[2] > 2.1 + 1e-9:
        raise ZeroDivisionError("f fails past 2.1 along x_2")
    return _scalar3(v)


_X3 = np.array([0.7, -1.3, 2.1])
_BOX = ([0.0, -1.3 - 1e-6, -np.inf], [0.7 + 1e-7, 5.0, 2.1 + 1e-5])
_PATH_OPTIONS = {
    "serial": {},
    "workers=2": {"workers": 2},
    "thread pool": {"workers": "pool"},
    "map": {"workers": map},
    "bounds": {"bounds": _BOX},
    "bounds on threads": {"bounds": _BOX, "workers": 2},
    "progress": {"progress": lambda done, total: None},
}


def _path_options(options):
    import concurrent.futures

    if options.get("workers") == "pool":
        return dict(options, workers=concurrent.futures.ThreadPoolExecutor(2))
    return options


def _general_cases():
    calls = [("gradient", _scalar3, ()), ("hessian_diag", _scalar3, ()), ("partial", _scalar3, (1,)),
             ("jacobian", _vector3, ()), ("hessian", _scalar3, ()), ("gradient", _float32_scalar, ()),
             ("hessian", _float32_scalar, ()), ("gradient", _raising_at_third, ()), ("jacobian", _raising_at_third, ())]
    for name, f, extra in calls:
        for option in sorted(_PATH_OPTIONS):
            for method in ("central", "forward"):
                if name == "partial" and "workers" in _PATH_OPTIONS[option]:
                    continue  # (partial takes no workers=: one coordinate)
                if name == "hessian" and method != "central":
                    continue  # (the adaptive Hessian is central only; its refusal is the checks' to test)
                yield pytest.param(name, f, extra, option, method, id=f"{name}-{f.__name__}-{option}-{method}")


@pytest.mark.parametrize(("name", "f", "extra", "option", "method"), list(_general_cases()))
def test_adaptive_general_path_is_the_twins(compiled, name, f, extra, option, method):
    options = _path_options(_PATH_OPTIONS[option])
    threaded = "workers" in options and options["workers"] is not map
    one, two, seen_c, seen_p = _adaptive_both(compiled, name, f, _X3, *extra, door=False, sort=threaded,
                                              method=method, **options)
    assert one == two
    assert seen_c == seen_p
    if f is _raising_at_third and "bounds" not in options:  # (the box keeps x_2 at or below 2.1: no raise)
        assert one[0][:2] == ("raise", ZeroDivisionError), one
    else:
        assert one[0][0] == "value", one


@pytest.mark.parametrize("method", ["central", "forward", "backward"])
@pytest.mark.parametrize("option", ["serial", "workers=2", "bounds"])
def test_adaptive_vectorized_and_elementwise_are_the_twins(compiled, method, option):
    options = _path_options(_PATH_OPTIONS[option])
    sort = "workers" in options
    for name, f, x, extra, box in [("gradient", _scalar3, _X3, {"vectorized": True}, _BOX),
                                   ("jacobian", _vector3, _X3, {"vectorized": True}, _BOX),
                                   ("derivative", np.sin, np.array([0.5, -2.0, 1e-9, 3e4]), {}, (-2.0 - 1e-6, 3.1e4)),
                                   ("derivative", np.log, np.array([1e-8, 0.5, 7.0]), {"n": 2}, (1e-12, 7.0))]:
        if "bounds" in options:
            options = dict(options, bounds=box)
        one, two, seen_c, seen_p = _adaptive_both(compiled, name, f, x, door=False, sort=sort, method=method,
                                                  **extra, **options)
        assert one == two, (name, option)
        assert seen_c == seen_p
        assert one[0][0] == "value", one


@pytest.mark.parametrize("method", ["central", "forward", "backward"])
def test_adaptive_directional_and_args_are_the_twins(compiled, method):
    for name, f, extra, options in [("directional", _scalar3, ([1.0, -0.5, 2.0],), {}),
                                    ("gradient", _scalar3, (), {"args": (0.25,), "workers": 2}),
                                    ("directional", _vector3, ([1.0, 1.0, 1.0],), {}),
                                    ("jacobian", _vector3, (), {"workers": map})]:
        one, two, seen_c, seen_p = _adaptive_both(compiled, name, f, _X3, *extra, door=False, sort=True,
                                                  method=method, **options)
        assert one == two, name
        assert seen_c == seen_p
        assert one[0][0] == "value", one


def test_adaptive_native_f_is_the_kernels_engine(compiled, native_lib):
    """A native f's adaptive gradient and Jacobian run the engine in the kernels (the twin refused), equal
    to the fallback's over the same native f bit for bit."""
    from fdgrad import _adaptive

    x = np.array([0.3, -1.2, 2.5])
    saved = _adaptive.adaptive_derivative
    _adaptive.adaptive_derivative = _twin
    try:
        got = [pickle.dumps(compiled.gradient(native_lib.sumsq, x, adaptive=True, full_output=True, method=m))
               for m in ("central", "forward")]
        got += [pickle.dumps(compiled.jacobian(native_lib.vec, x, m=3, adaptive=True, full_output=True))]
        got += [pickle.dumps(compiled.gradient(native_lib.sumsq, x, adaptive=True, workers=2, full_output=True))]
    finally:
        _adaptive.adaptive_derivative = saved
    want = [pickle.dumps(fdgrad.fallback.gradient(native_lib.sumsq, x, adaptive=True, full_output=True, method=m))
            for m in ("central", "forward")]
    want += [pickle.dumps(fdgrad.fallback.jacobian(native_lib.vec, x, m=3, adaptive=True, full_output=True))]
    want += [pickle.dumps(fdgrad.fallback.gradient(native_lib.sumsq, x, adaptive=True, workers=2, full_output=True))]
    assert got == want


def test_adaptive_engine_stops_at_the_first_failure_with_fs_exception(compiled):
    """An exception f raises in any stage (pilots, retakes, probes, ladders) comes out of the kernels' engine
    unchanged, with its traceback, after exactly the evaluations the twin makes before it."""
    total = compiled.gradient(lambda v: float(np.sum(v ** 3)), _X3, adaptive=True, full_output=True)[1].nfev
    assert total > 30
    for stop_at in range(1, total + 1, 3):
        calls = []

        def f(v):
            calls.append(1)
            if len(calls) == stop_at:
                raise KeyError(f"stop {stop_at}")
            return float(np.sum(np.asarray(v) ** 3))

        counts = []
        for api in (compiled, fdgrad.fallback):
            calls.clear()
            with pytest.raises(KeyError, match=f"stop {stop_at}") as info:
                api.gradient(f, _X3, adaptive=True, workers=map)
            counts.append(len(calls))
            assert any(entry.name == "f" for entry in info.traceback)
        assert counts[0] == counts[1] == stop_at


@pytest.mark.parametrize("method", ["central", "forward", "backward"])
@pytest.mark.parametrize(("f", "x", "n"), list(_class_instances()))
def test_adaptive_batches_of_every_case_are_the_twins(compiled, f, x, n, method):
    """Every case of the accuracy suites, in batches (workers=map: the evaluation's values, not the front
    door's calls) and as an elementwise f at several points (each kind of ladder at once), through the
    kernels' engine: the twin's results and points.  A gradient of f summed over coordinates near x makes
    runs of retaken pilots and of each kind of ladder."""
    near = np.array([x, x * (1 + 1e-3), x, x * (1 - 2e-3) if x else 1e-300, x])

    def summed(v):
        return float(sum(float(f(float(t))) for t in np.asarray(v)))

    if n in (1, 2):
        name = "gradient" if n == 1 else "hessian_diag"
        one, two, seen_c, seen_p = _adaptive_both(compiled, name, summed, near, door=False, method=method,
                                                  workers=map)
        assert one == two
        assert seen_c == seen_p
        assert one[0][0] == "value", one

    def elementwise(t):
        return np.array([f(float(u)) for u in np.asarray(t).reshape(-1)]).reshape(np.shape(t))

    one, two, seen_c, seen_p = _adaptive_both(compiled, "derivative", elementwise, near, door=False, n=n,
                                              method=method)
    assert one == two
    assert seen_c == seen_p
    assert one[0][0] == "value", one
