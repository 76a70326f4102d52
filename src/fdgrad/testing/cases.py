"""Functions with known derivatives, shared by the tests and the benchmarks.

Part of fdgrad.testing.  ``CASES`` is the accuracy benchmark's set: smooth
functions at ordinary points, badly scaled ones, and points at large and tiny
|x| where a step relative to max(1, |x|) (SciPy's) or an absolute base step
(numdifftools') goes wrong.  Each derivative is given in closed form.
"""

from __future__ import annotations

import math
from typing import Callable, NamedTuple

import numpy as np

__all__ = ["CASES", "Case", "derivatives"]


class Case(NamedTuple):
    name: str
    f: Callable[[float], float]
    df: Callable[[float], float]
    x: float
    group: str


def _case(name, f, df, xs, group):
    return [Case(f"{name} at {x:g}", f, df, float(x), group) for x in xs]


CASES: list[Case] = [
    *_case("x**3", lambda x: x**3, lambda x: 3 * x**2, [2.0, -0.7], "ordinary"),
    *_case("x**5 - x", lambda x: x**5 - x, lambda x: 5 * x**4 - 1, [0.7, 1.3], "ordinary"),
    *_case("exp", np.exp, np.exp, [1.0, -2.5, 0.0], "ordinary"),
    *_case("log", np.log, lambda x: 1 / x, [3.0, 0.2], "ordinary"),
    *_case("sin", np.sin, np.cos, [0.7, 2.0], "ordinary"),
    *_case("cos", np.cos, lambda x: -np.sin(x), [2.0, -1.0], "ordinary"),
    *_case("tan", np.tan, lambda x: 1 / np.cos(x) ** 2, [1.0], "ordinary"),
    *_case("1/x", lambda x: 1 / x, lambda x: -1 / x**2, [0.5, -3.0], "ordinary"),
    *_case("sqrt", np.sqrt, lambda x: 0.5 / np.sqrt(x), [2.0, 0.3], "ordinary"),
    *_case("atan", np.arctan, lambda x: 1 / (1 + x * x), [10.0, 0.5], "ordinary"),
    *_case("tanh", np.tanh, lambda x: 1 / np.cosh(x) ** 2, [0.5, -2.0], "ordinary"),
    *_case("logistic", lambda x: 1 / (1 + np.exp(-x)), lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2, [1.5, -4.0],
           "ordinary"),
    *_case("x sin x", lambda x: x * np.sin(x), lambda x: np.sin(x) + x * np.cos(x), [3.0, 20.0], "ordinary"),
    *_case("1e10 sin", lambda x: 1e10 * np.sin(x), lambda x: 1e10 * np.cos(x), [0.3], "badly scaled"),
    *_case("1e-10 exp", lambda x: 1e-10 * np.exp(x), lambda x: 1e-10 * np.exp(x), [0.5], "badly scaled"),
    *_case("exp(-20) exp", lambda x: np.exp(x - 20), lambda x: np.exp(x - 20), [1.0], "badly scaled"),
    *_case("sin(100 x)", lambda x: np.sin(100 * x), lambda x: 100 * np.cos(100 * x), [0.013], "badly scaled"),
    *_case("exp(x / 1000)", lambda x: np.exp(x / 1e3), lambda x: np.exp(x / 1e3) / 1e3, [1.0], "badly scaled"),
    *_case("x**2 + 1000", lambda x: x * x + 1e3, lambda x: 2 * x, [3.0], "badly scaled"),
    *_case("log", np.log, lambda x: 1 / x, [1e6, 1e9], "large |x|"),
    *_case("sqrt", np.sqrt, lambda x: 0.5 / np.sqrt(x), [1e8], "large |x|"),
    *_case("x**3", lambda x: x**3, lambda x: 3 * x**2, [1e6], "large |x|"),
    *_case("sin", np.sin, np.cos, [1e6, 12345.6], "large |x|"),
    *_case("exp(x - 1e6)", lambda x: np.exp(x - 1e6), lambda x: np.exp(x - 1e6), [1e6], "large |x|"),
    *_case("atan(x - 1e5)", lambda x: np.arctan(x - 1e5), lambda x: 1 / (1 + (x - 1e5) ** 2), [1e5 + 0.5], "large |x|"),
    *_case("log", np.log, lambda x: 1 / x, [1e-8], "tiny |x|"),
    *_case("sqrt", np.sqrt, lambda x: 0.5 / np.sqrt(x), [1e-8], "tiny |x|"),
    *_case("1/x", lambda x: 1 / x, lambda x: -1 / x**2, [1e-6], "tiny |x|"),
    *_case("exp", np.exp, np.exp, [1e-8], "tiny |x|"),
    *_case("sin", np.sin, np.cos, [1e-8, 0.0], "tiny |x|"),
    *_case("x**2 + x", lambda x: x * x + x, lambda x: 2 * x + 1, [1e-8], "tiny |x|"),
    *_case("x**3 + x", lambda x: x**3 + x, lambda x: 3 * x**2 + 1, [0.0], "tiny |x|"),
    *_case("log1p", np.log1p, lambda x: 1 / (1 + x), [0.0, 1e-9], "tiny |x|"),
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
