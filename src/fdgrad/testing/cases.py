"""Functions with known derivatives, shared by the tests and the benchmarks.

Part of fdgrad.testing.  ``CASES`` is the accuracy benchmark's set: smooth
functions at ordinary points, badly scaled ones, and points at large and tiny
|x| where a step relative to max(1, |x|) (SciPy's) or an absolute base step
(numdifftools') goes wrong.  Each derivative is given in closed form.
``GRADIENT_CASES`` and ``HESSIAN_CASES`` do the same for gradients and
Hessians, and ``CLASS_CASES`` holds random instances of the classes of issue 23
(f rounding to a constant at tiny |x|, higher derivatives at tiny and large
|x|, domain edges, tight boxes), for ``benchmarks/bench_accuracy.py``.
"""

from __future__ import annotations

import math
from typing import Callable, NamedTuple

import numpy as np

__all__ = ["CASES", "CLASS_CASES", "Case", "ClassCase", "GRADIENT_CASES", "GradientCase", "HESSIAN_CASES",
           "HessianCase", "best_fixed_step_error", "class_cases", "derivatives"]


class Case(NamedTuple):
    name: str
    f: Callable[[float], float]
    df: Callable[[float], float]
    x: float
    group: str
    d2f: Callable[[float], float]  # the second derivative


def _case(name, f, df, xs, group, d2f):
    return [Case(f"{name} at {x:g}", f, df, float(x), group, d2f) for x in xs]


def _logistic(x):
    return 1 / (1 + np.exp(-x))


_D2 = {  # second derivatives, by the name of the function
    "x**3": lambda x: 6 * x,
    "x**5 - x": lambda x: 20 * x**3,
    "exp": np.exp,
    "log": lambda x: -1 / x**2,
    "sin": lambda x: -np.sin(x),
    "cos": lambda x: -np.cos(x),
    "tan": lambda x: 2 * np.sin(x) / np.cos(x) ** 3,
    "1/x": lambda x: 2 / x**3,
    "sqrt": lambda x: -0.25 * x**-1.5,
    "atan": lambda x: -2 * x / (1 + x * x) ** 2,
    "tanh": lambda x: -2 * np.tanh(x) / np.cosh(x) ** 2,
    "logistic": lambda x: _logistic(x) * (1 - _logistic(x)) * (1 - 2 * _logistic(x)),
    "x sin x": lambda x: 2 * np.cos(x) - x * np.sin(x),
    "1e10 sin": lambda x: -1e10 * np.sin(x),
    "1e-10 exp": lambda x: 1e-10 * np.exp(x),
    "exp(-20) exp": lambda x: np.exp(x - 20),
    "sin(100 x)": lambda x: -1e4 * np.sin(100 * x),
    "exp(x / 1000)": lambda x: np.exp(x / 1e3) / 1e6,
    "x**2 + 1000": lambda x: 2.0 + 0 * x,
    "exp(x - 1e6)": lambda x: np.exp(x - 1e6),
    "atan(x - 1e5)": lambda x: -2 * (x - 1e5) / (1 + (x - 1e5) ** 2) ** 2,
    "x**2 + x": lambda x: 2.0 + 0 * x,
    "x**3 + x": lambda x: 6 * x,
    "log1p": lambda x: -1 / (1 + x) ** 2,
}


CASES: list[Case] = [
    *_case("x**3", lambda x: x**3, lambda x: 3 * x**2, [2.0, -0.7], "ordinary", _D2['x**3']),
    *_case("x**5 - x", lambda x: x**5 - x, lambda x: 5 * x**4 - 1, [0.7, 1.3], "ordinary", _D2['x**5 - x']),
    *_case("exp", np.exp, np.exp, [1.0, -2.5, 0.0], "ordinary", _D2['exp']),
    *_case("log", np.log, lambda x: 1 / x, [3.0, 0.2], "ordinary", _D2['log']),
    *_case("sin", np.sin, np.cos, [0.7, 2.0], "ordinary", _D2['sin']),
    *_case("cos", np.cos, lambda x: -np.sin(x), [2.0, -1.0], "ordinary", _D2['cos']),
    *_case("tan", np.tan, lambda x: 1 / np.cos(x) ** 2, [1.0], "ordinary", _D2['tan']),
    *_case("1/x", lambda x: 1 / x, lambda x: -1 / x**2, [0.5, -3.0], "ordinary", _D2['1/x']),
    *_case("sqrt", np.sqrt, lambda x: 0.5 / np.sqrt(x), [2.0, 0.3], "ordinary", _D2['sqrt']),
    *_case("atan", np.arctan, lambda x: 1 / (1 + x * x), [10.0, 0.5], "ordinary", _D2['atan']),
    *_case("tanh", np.tanh, lambda x: 1 / np.cosh(x) ** 2, [0.5, -2.0], "ordinary", _D2['tanh']),
    *_case("logistic", lambda x: 1 / (1 + np.exp(-x)), lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2, [1.5, -4.0],
           "ordinary", _D2['logistic']),
    *_case("x sin x", lambda x: x * np.sin(x), lambda x: np.sin(x) + x * np.cos(x), [3.0, 20.0], "ordinary", _D2['x sin x']),
    *_case("1e10 sin", lambda x: 1e10 * np.sin(x), lambda x: 1e10 * np.cos(x), [0.3], "badly scaled", _D2['1e10 sin']),
    *_case("1e-10 exp", lambda x: 1e-10 * np.exp(x), lambda x: 1e-10 * np.exp(x), [0.5], "badly scaled", _D2['1e-10 exp']),
    *_case("exp(-20) exp", lambda x: np.exp(x - 20), lambda x: np.exp(x - 20), [1.0], "badly scaled", _D2['exp(-20) exp']),
    *_case("sin(100 x)", lambda x: np.sin(100 * x), lambda x: 100 * np.cos(100 * x), [0.013], "badly scaled", _D2['sin(100 x)']),
    *_case("exp(x / 1000)", lambda x: np.exp(x / 1e3), lambda x: np.exp(x / 1e3) / 1e3, [1.0], "badly scaled", _D2['exp(x / 1000)']),
    *_case("x**2 + 1000", lambda x: x * x + 1e3, lambda x: 2 * x, [3.0], "badly scaled", _D2['x**2 + 1000']),
    *_case("log", np.log, lambda x: 1 / x, [1e6, 1e9], "large |x|", _D2['log']),
    *_case("sqrt", np.sqrt, lambda x: 0.5 / np.sqrt(x), [1e8], "large |x|", _D2['sqrt']),
    *_case("x**3", lambda x: x**3, lambda x: 3 * x**2, [1e6], "large |x|", _D2['x**3']),
    *_case("sin", np.sin, np.cos, [1e6, 12345.6], "large |x|", _D2['sin']),
    *_case("exp(x - 1e6)", lambda x: np.exp(x - 1e6), lambda x: np.exp(x - 1e6), [1e6], "large |x|", _D2['exp(x - 1e6)']),
    *_case("atan(x - 1e5)", lambda x: np.arctan(x - 1e5), lambda x: 1 / (1 + (x - 1e5) ** 2), [1e5 + 0.5], "large |x|", _D2['atan(x - 1e5)']),
    *_case("log", np.log, lambda x: 1 / x, [1e-8], "tiny |x|", _D2['log']),
    *_case("sqrt", np.sqrt, lambda x: 0.5 / np.sqrt(x), [1e-8], "tiny |x|", _D2['sqrt']),
    *_case("1/x", lambda x: 1 / x, lambda x: -1 / x**2, [1e-6], "tiny |x|", _D2['1/x']),
    *_case("exp", np.exp, np.exp, [1e-8], "tiny |x|", _D2['exp']),
    *_case("sin", np.sin, np.cos, [1e-8, 0.0], "tiny |x|", _D2['sin']),
    *_case("x**2 + x", lambda x: x * x + x, lambda x: 2 * x + 1, [1e-8], "tiny |x|", _D2['x**2 + x']),
    *_case("x**3 + x", lambda x: x**3 + x, lambda x: 3 * x**2 + 1, [0.0], "tiny |x|", _D2['x**3 + x']),
    *_case("log1p", np.log1p, lambda x: 1 / (1 + x), [0.0, 1e-9], "tiny |x|", _D2['log1p']),
]


def derivatives(name: str) -> Callable[[int, float], float]:
    """d^k/dx^k of a few functions, for truncation-error bounds in the tests."""
    table = {
        "exp": lambda k, x: math.exp(x),
        "sin": lambda k, x: math.sin(x + k * math.pi / 2),
        "log": lambda k, x: math.log(x) if k == 0 else (-1) ** (k - 1) * math.factorial(k - 1) / x**k,
        "x**5": lambda k, x: math.perm(5, k) * x ** (5 - k) if k <= 5 else 0.0,
    }
    return table[name]


# Module-level objectives for tests that send f to other processes (pickled by reference).

def smooth(x):
    """sum(sin(x) x^2) + prod(cos(x[:3])), for cross-checks."""
    x = np.asarray(x)
    return float(np.sum(np.sin(x) * x**2) + np.prod(np.cos(x.reshape(-1)[:3])))


def smooth_vector(x):
    x = np.asarray(x).reshape(-1)
    return np.array([np.sum(np.sin(x) * x), x[0] * x[-1], np.sum(x**2)])


def sleepy(x, delay=0.05):
    """smooth(x) after `delay` seconds: an expensive objective."""
    import time

    time.sleep(delay)
    return smooth(x)


def fails_beyond(x, limit=1.5):
    """smooth(x), but raises when a coordinate exceeds `limit`."""
    if np.max(np.asarray(x)) > limit:
        raise FloatingPointError(f"x exceeds {limit}")
    return smooth(x)



# Functions of several variables: issue 11's widened suite for gradients.

class GradientCase(NamedTuple):
    name: str
    f: Callable[[np.ndarray], float]
    grad: Callable[[np.ndarray], np.ndarray]
    x: np.ndarray
    group: str
    noise: float = 0.0  # the relative noise in f's values (0: only f's own rounding)


def _noisy(f: Callable, level: float) -> Callable:
    """f(x) (1 + level u(x)), u in [-1, 1] a deterministic function of the bits of x: the noise of an
    inner solver or a simulation with a tolerance, the same at the same point."""

    def noisy(x):
        value = f(x)
        key = 0
        for word in np.ascontiguousarray(x, dtype=np.float64).view(np.uint64).tolist():
            key = ((key ^ word) * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019) % (1 << 64)
        u = key / float(1 << 63) - 1.0
        return value * (1.0 + level * u)

    return noisy


def _dominated(rng: np.random.Generator, count: int) -> list[GradientCase]:
    """Issue 11's class: a sin(b x0) + c x0 x1 + d at |x| from 1e2 to 1e6, whose value (up to
    about 1e6) is dominated by the product and the constant, with partials of order 1."""
    out = []
    while len(out) < count:
        a, b, c, d = rng.uniform(0.5, 2), rng.uniform(0.3, 3), 10 ** rng.uniform(-9, -6), 10 ** rng.uniform(0, 6)
        x = np.array([10 ** rng.uniform(2, 6), 10 ** rng.uniform(3, 6)]) * rng.choice([-1.0, 1.0], 2)
        grad = lambda v, a=a, b=b, c=c: np.array([a * b * np.cos(b * v[0]) + c * v[1], c * v[0]])  # noqa: E731
        g = grad(x)
        if np.min(np.abs(g)) < 1e-3 * np.max(np.abs(g)):
            continue  # an entry near 0: its relative error says nothing
        f = lambda v, a=a, b=b, c=c, d=d: a * np.sin(b * v[0]) + c * v[0] * v[1] + d  # noqa: E731
        out.append(GradientCase(f"a sin(b x0) + c x0 x1 + d #{len(out)}", f, grad, x, "dominated by others"))
    return out


def _rosenbrock(v):
    return float(np.sum(100.0 * (v[1:] - v[:-1] ** 2) ** 2 + (1 - v[:-1]) ** 2))


def _rosenbrock_grad(v):
    g = np.zeros_like(v)
    g[:-1] = -400.0 * v[:-1] * (v[1:] - v[:-1] ** 2) - 2 * (1 - v[:-1])
    g[1:] += 200.0 * (v[1:] - v[:-1] ** 2)
    return g


_SCALES = 10.0 ** np.arange(-4, 5)
_SPREAD = np.array([1e-8, 3e-5, 0.02, 1.0, 40.0, 7e3, 2e6, 1e9])


def _gradient_cases() -> list[GradientCase]:
    rng = np.random.default_rng(11)
    cases = [
        GradientCase("sum sin + 1e8", lambda v: float(np.sum(np.sin(v)) + 1e8), np.cos, np.array([0.3, -1.2, 2.5]),
                     "large constant"),
        GradientCase("exp(x0) x1 + 1e9", lambda v: float(np.exp(v[0]) * v[1] + 1e9),
                     lambda v: np.array([np.exp(v[0]) * v[1], np.exp(v[0])]), np.array([0.5, 2.0]), "large constant"),
        GradientCase("cos x0 + x1**2 at x1 = 1e3", lambda v: float(np.cos(v[0]) + v[1] ** 2),
                     lambda v: np.array([-np.sin(v[0]), 2 * v[1]]), np.array([0.8, 1e3]), "dominated by others"),
        GradientCase("sin x0 + 1e6 exp(x1 / 10)", lambda v: float(np.sin(v[0]) + 1e6 * np.exp(v[1] / 10)),
                     lambda v: np.array([np.cos(v[0]), 1e5 * np.exp(v[1] / 10)]), np.array([1.1, 3.0]),
                     "dominated by others"),
        GradientCase("log x0 + x1**3 at x1 = 1e4", lambda v: float(np.log(v[0]) + v[1] ** 3),
                     lambda v: np.array([1 / v[0], 3 * v[1] ** 2]), np.array([2.5, 1e4]), "dominated by others"),
        GradientCase("sum (s x)**2 at x ~ 1 / s, s 1e-4..1e4", lambda v: float(np.sum((_SCALES * v) ** 2)),
                     lambda v: 2 * _SCALES**2 * v, np.linspace(0.5, 1.5, _SCALES.size) / _SCALES, "badly scaled"),
        GradientCase("sum exp(s x), s 1e-4..1e4", lambda v: float(np.sum(np.exp(_SCALES * v))),
                     lambda v: _SCALES * np.exp(_SCALES * v), 0.3 / _SCALES, "badly scaled"),
        GradientCase("rosenbrock", _rosenbrock, _rosenbrock_grad, np.array([-1.2, 1.0, 0.8, 1.3]), "ordinary"),
        GradientCase("sum sin(x) x**2 + prod cos", smooth,
                     lambda v: np.sin(v) * 2 * v + np.cos(v) * v**2
                     - np.concatenate([np.sin(v[:3]) * np.prod(np.cos(v[:3])) / np.cos(v[:3]), np.zeros(v.size - 3)]),
                     np.array([0.4, -1.1, 0.9, 2.0]), "ordinary"),
        GradientCase("log-sum-exp", lambda v: float(np.log(np.sum(np.exp(v)))),
                     lambda v: np.exp(v) / np.sum(np.exp(v)), np.array([0.1, -0.5, 1.2, 0.7, -2.0]), "ordinary"),
        GradientCase("x0 x1 / (1 + x2**2)", lambda v: float(v[0] * v[1] / (1 + v[2] ** 2)),
                     lambda v: np.array([v[1], v[0], -2 * v[0] * v[1] * v[2] / (1 + v[2] ** 2)]) / (1 + v[2] ** 2),
                     np.array([1.5, -0.7, 0.6]), "ordinary"),
        GradientCase("sum log x, x 1e-8..1e9", lambda v: float(np.sum(np.log(v))), lambda v: 1 / v, _SPREAD,
                     "|x| 1e-8 to 1e9"),
        GradientCase("sum log1p x, x 1e-8..1e9", lambda v: float(np.sum(np.log1p(v))), lambda v: 1 / (1 + v),
                     _SPREAD, "|x| 1e-8 to 1e9"),
        GradientCase("sin x0 + atan(x1 - 1e5) at (1e-8, 1e5 + 0.5)", lambda v: float(np.sin(v[0]) + np.arctan(v[1] - 1e5)),
                     lambda v: np.array([np.cos(v[0]), 1 / (1 + (v[1] - 1e5) ** 2)]), np.array([1e-8, 1e5 + 0.5]),
                     "|x| 1e-8 to 1e9"),
        GradientCase("sin(1e4 x0) + x1 at x0 = 1e-3", lambda v: float(np.sin(1e4 * v[0]) + v[1]),
                     lambda v: np.array([1e4 * np.cos(1e4 * v[0]), 1.0]), np.array([1.234e-3, 0.5]), "badly scaled"),
        *_dominated(rng, 24),
        # Beyond f's precision: a coordinate's effect on f is below the rounding of f's value at any
        # step its own scale allows; no finite difference can resolve it, and the estimate must say so.
        GradientCase("sum (s x)**2 at x ~ 1, s 1e-4..1e4", lambda v: float(np.sum((_SCALES * v) ** 2)),
                     lambda v: 2 * _SCALES**2 * v, np.linspace(0.5, 1.5, _SCALES.size), "beyond f's precision"),
        GradientCase("sum sqrt x, x 1e-8..1e9", lambda v: float(np.sum(np.sqrt(v))), lambda v: 0.5 / np.sqrt(v),
                     _SPREAD, "beyond f's precision"),
    ]
    for level in (1e-13, 1e-10):
        for base in (cases[7], cases[9], cases[3]):
            cases.append(GradientCase(f"{base.name}, noise {level:g}", _noisy(base.f, level), base.grad, base.x,
                                      f"noisy {level:g}", level))
    return cases


GRADIENT_CASES: list[GradientCase] = _gradient_cases()


# Functions of several variables with closed-form Hessians.

class HessianCase(NamedTuple):
    name: str
    f: Callable[[np.ndarray], float]
    hess: Callable[[np.ndarray], np.ndarray]
    x: np.ndarray


def _rosenbrock_hess(v):
    n = v.size
    H = np.zeros((n, n))
    for i in range(n - 1):
        H[i, i] += 1200 * v[i] ** 2 - 400 * v[i + 1] + 2
        H[i + 1, i + 1] += 200
        H[i, i + 1] = H[i + 1, i] = -400 * v[i]
    return H


def _hessian_cases() -> list[HessianCase]:
    rng = np.random.default_rng(12)
    A = rng.normal(size=(4, 4))
    cases = [
        HessianCase("rosenbrock", _rosenbrock, _rosenbrock_hess, np.array([-1.2, 1.0, 0.8, 1.3])),
        HessianCase("exp(a.x)", lambda v: float(np.exp(A[0] @ v)), lambda v: np.exp(A[0] @ v) * np.outer(A[0], A[0]),
                    np.array([0.1, 0.3, -0.2, 0.5])),
        HessianCase("log-sum-exp", lambda v: float(np.log(np.sum(np.exp(v)))),
                    lambda v: np.diag(np.exp(v) / np.sum(np.exp(v))) - np.outer(np.exp(v), np.exp(v)) / np.sum(np.exp(v)) ** 2,
                    np.array([0.1, -0.5, 1.2, 0.7])),
        HessianCase("x0**2 x1 + x1**3", lambda v: float(v[0] ** 2 * v[1] + v[1] ** 3),
                    lambda v: np.array([[2 * v[1], 2 * v[0]], [2 * v[0], 6 * v[1]]]), np.array([1.0, 2.0])),
        HessianCase("sin x0 cos x1 + x2 exp x0", lambda v: float(np.sin(v[0]) * np.cos(v[1]) + v[2] * np.exp(v[0])),
                    lambda v: np.array([[-np.sin(v[0]) * np.cos(v[1]) + v[2] * np.exp(v[0]), -np.cos(v[0]) * np.sin(v[1]),
                                         np.exp(v[0])],
                                        [-np.cos(v[0]) * np.sin(v[1]), -np.sin(v[0]) * np.cos(v[1]), 0.0],
                                        [np.exp(v[0]), 0.0, 0.0]]), np.array([0.7, -0.4, 1.3])),
        HessianCase("1 / |x|", lambda v: float(1 / np.linalg.norm(v)),
                    lambda v: (3 * np.outer(v, v) / np.linalg.norm(v) ** 2 - np.eye(v.size)) / np.linalg.norm(v) ** 3,
                    np.array([1.0, -2.0, 0.5])),
        HessianCase("quadratic form x A x / 2 (A SPD)", lambda v, S=A @ A.T + np.eye(4): float(v @ S @ v / 2),
                    lambda v, S=A @ A.T + np.eye(4): S, np.array([0.3, -1.0, 2.0, 0.1])),
        HessianCase("x0 x1 x2 at large |x|", lambda v: float(v[0] * v[1] * v[2]),
                    lambda v: np.array([[0, v[2], v[1]], [v[2], 0, v[0]], [v[1], v[0], 0]]), np.array([300.0, -2e3, 5e4])),
        HessianCase("sum log x at 1e-3..1e3", lambda v: float(np.sum(np.log(v))), lambda v: np.diag(-1 / v**2),
                    np.array([1e-3, 0.2, 7.0, 1e3])),
    ]
    return cases


HESSIAN_CASES: list[HessianCase] = _hessian_cases()


def best_fixed_step_error(f: Callable, x: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """The smallest relative error per entry of the gradient that central differences of order
    2 to 8 reach over a sweep of steps from 1e-15 to 1 times |x_i| and max(1, |x_i|), chosen
    knowing the truth: what a finite difference can resolve of f at all.  An entry where even
    this is poor is beyond f's precision (its effect on f lies below the rounding of f's
    value at any step its own scale allows)."""
    import warnings

    import fdgrad

    best = np.full(x.size, np.inf)
    scale = np.maximum(np.abs(x), 1e-300)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for order in (2, 4, 6, 8):
            for t in np.logspace(-15, 0, 46):
                for base in (scale, np.maximum(scale, 1.0)):
                    try:
                        g = fdgrad.gradient(f, x, h=t * base / (order // 2), order=order)
                    except (ValueError, ArithmeticError):
                        continue
                    best = np.fmin(best, np.abs(g - truth) / np.abs(truth))
    return best


class ClassCase(NamedTuple):
    """One random instance of a class of issue 23 (accuracy, round two): f's derivative of order n
    at x (within bounds, if given), whose exact value is truth."""

    name: str
    klass: str
    f: Callable[[float], float]
    x: float
    n: int
    truth: float
    bounds: "tuple[float, float] | None" = None


def class_cases(per_class: int = 12, seed: int = 23) -> list[ClassCase]:
    """Random instances of the classes where a step sized from |x| alone, or from f's rounding
    alone, goes wrong: f rounding to a constant at steps relative to a tiny |x|; higher
    derivatives at tiny and at large |x|; other terms dominating f at a large |x|; edges of f's
    domain closer than the usual steps; tight boxes (bounds).  Exact derivatives in closed form."""
    rng = np.random.default_rng(seed)
    wider = np.random.default_rng([seed, 2])
    beyond = np.random.default_rng([seed, 3])
    out: list[ClassCase] = []

    def add(klass: str, f: Callable, x: float, n: int, truth: float, bounds=None, label: str = "") -> None:
        out.append(ClassCase(f"{label} at {x:.3g}", klass, f, float(x), n, float(truth), bounds))

    for _ in range(per_class):
        c = float(rng.choice([-1, 1]) * 10 ** rng.uniform(-2, 1))
        x = float(rng.choice([-1, 1]) * 10 ** rng.uniform(-300, -9))
        add("1 rounds to a constant at tiny |x|", lambda t, c=c: np.log(1 + c * t), x, 1, c, label=f"log(1 + {c:.3g} t)")
        x = float(rng.choice([-1, 1]) * 10 ** rng.uniform(-300, -6))
        n = int(rng.choice([2, 4]))  # (even orders: odd ones are about x itself there, relative errors say nothing)
        truth = -math.cos(x) if n == 2 else math.cos(x)
        add("2 higher derivative at tiny |x|", np.cos, x, n, truth, label=f"cos, n = {n}")
        # (the same class beyond cos, from its own generator, so that the other classes' instances stay)
        a, b, c = wider.uniform(0.3, 3.0), wider.choice([-1, 1]) * 10 ** wider.uniform(-1, 1), wider.uniform(-3, 3)
        x, n = float(wider.choice([-1, 1]) * 10 ** wider.uniform(-300, -6)), int(wider.integers(2, 5))
        truth = a**n * math.cos(a * x + n * math.pi / 2) + b * c**n * math.exp(c * x)
        add("2 higher derivative at tiny |x|", lambda t, a=a, b=b, c=c: np.cos(a * t) + b * np.exp(c * t), x, n, truth,
            label=f"cos({a:.3g} t) + {b:.3g} exp({c:.3g} t), n = {n}")
        x = float(rng.choice([-1, 1]) * 10 ** rng.uniform(1, 5))
        n = int(rng.integers(3, 5))
        add("5 higher derivative at large |x|", np.sin, x, n, -math.cos(x) if n == 3 else math.sin(x),
            label=f"sin, n = {n}")
        # (the same class for sin(a t), where f rounds its argument a t: from its own generator too)
        a, x, n = beyond.uniform(0.5, 2.0), float(beyond.choice([-1, 1]) * 10 ** beyond.uniform(2, 5)), \
            int(beyond.integers(2, 5))
        add("5 higher derivative at large |x|", lambda t, a=a: np.sin(a * t), x, n,
            a**n * math.sin(a * x + n * math.pi / 2), label=f"sin({a:.3g} t), n = {n}")
        # 4: other terms (other coordinates, in a gradient or Hessian) dominating f, at a large |x|
        a, x = beyond.uniform(0.5, 2.0), float(beyond.choice([-1, 1]) * 10 ** beyond.uniform(2, 5))
        rest = float(np.sum(np.sin(beyond.uniform(0.5, 2.0, 2) * beyond.uniform(-1, 1, 2) * 10 ** beyond.uniform(2, 5, 2))))
        rest += float(beyond.choice([-1, 1]) * 10 ** beyond.uniform(0, 3))
        n = int(beyond.integers(1, 3))
        add("4 other terms dominating f", lambda t, a=a, rest=rest: np.sin(a * t) + rest, x, n,
            a**n * math.sin(a * x + n * math.pi / 2), label=f"sin({a:.3g} t) + {rest:.3g}, n = {n}")
        d = 10 ** rng.uniform(-8, -6.5)
        t = 1.0 - d
        d = 1.0 - t
        add("7 edge of the domain", np.arccos, t, 1, -1.0 / math.sqrt(d * (1.0 + t)), label="arccos, 1 - t = " f"{d:.2g}")
        x, width, n = float(rng.uniform(0.5, 3.0)), float(10 ** rng.uniform(-4, -2)), int(rng.integers(1, 4))
        add("8 tight box", np.exp, x, n, math.exp(x), (x - width, x), label=f"exp, n = {n}, box {width:.2g}")
    return out


CLASS_CASES: list[ClassCase] = class_cases()
