"""Numeric edge cases: x near the largest double, subnormal x, x = 0."""

from __future__ import annotations

import sys

import numpy as np
import pytest

BIG = sys.float_info.max


def test_default_step_near_the_largest_double_is_reduced_not_inf(fd):
    x = np.array([BIG * 0.999999, -BIG * 0.9999999, 1.0])

    def f(v):  # linear, |f| about 36: differences exact but for rounding
        return float(1e-307 * v[0] - 1e-307 * v[1] + 3.0 * v[2])

    for method in ("central", "forward", "backward"):
        grad, info = fd.gradient(f, x, method=method, full_output=True)
        assert np.all(np.isfinite(info.step)) and np.all(info.step > 0)
        assert np.all(np.abs(x) + info.step <= BIG)
        np.testing.assert_allclose(grad, [1e-307, -1e-307, 3.0], rtol=1e-5)
        # The quick path (no full_output) agrees to the bit.
        assert fd.gradient(f, x, method=method).tobytes() == grad.tobytes()


def test_no_room_at_the_largest_double_is_reported(fd):
    with pytest.raises(ValueError, match=r"x must leave room for a step: x\[0\] = 1.79.*largest double"):
        fd.gradient(lambda v: float(v[1]), [BIG, 1.0])
    with pytest.raises(ValueError, match=r"h = 1e\+305 carries x\[0\] = 1.79.* past the largest double"):
        fd.gradient(lambda v: float(v[1]), [BIG * 0.9999, 1.0], h=1e305)


def test_subnormal_and_zero_x(fd):
    tiny = 5e-324  # the smallest subnormal
    x = np.array([tiny, 0.0, -tiny])
    grad, info = fd.gradient(lambda v: float(np.sum(np.sin(v) + v**2)), x, full_output=True)
    # max(1, |x|) = 1: the step is eps**(1/3), as at x = 0.
    assert np.all(info.step == info.step[1]) and info.step[1] == pytest.approx(np.finfo(float).eps ** (1 / 3))
    np.testing.assert_allclose(grad, np.cos(x) + 2 * x, rtol=1e-9)
    assert fd.derivative(np.sin, tiny) == pytest.approx(1.0, rel=1e-9)
    assert fd.derivative(np.exp, 0.0, adaptive=True) == pytest.approx(1.0, rel=1e-13)


@pytest.mark.parametrize("call", [
    lambda fd, f, x: fd.gradient(f, x, order=4),
    lambda fd, f, x: fd.gradient(f, x, order=8),
    lambda fd, f, x: fd.hessian(f, x, method="forward"),
    lambda fd, f, x: fd.hessian(f, x),
    lambda fd, f, x: fd.gradient(f, x, adaptive=True),
    lambda fd, f, x: fd.hessian_diag(f, x, order=4),
])
def test_no_evaluation_beyond_the_largest_double(fd, call):
    import math

    seen = []

    def f(v):
        seen.append(float(np.max(np.abs(v))))
        return float(np.sum(v)) * 1e-300

    for top in (BIG - 3 * math.ulp(BIG), BIG * 0.99, -BIG * 0.999999):
        seen.clear()
        try:
            call(fd, f, np.array([top, 1.0]))
        except ValueError as exc:  # no room for a step at all: reported, not inf
            assert "largest double" in str(exc)
            continue
        assert seen and max(seen) <= BIG
