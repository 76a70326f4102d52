"""fdgrad.plot: the seed texts' pictures, checked by what was drawn (issue 14, part 1)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from _optional import need  # noqa: E402

matplotlib = need("matplotlib")
from matplotlib.figure import Figure  # noqa: E402

import fdgrad  # noqa: E402
import fdgrad.plot as fplot  # noqa: E402


def axes(projection=None):
    fig = Figure()
    return fig.add_subplot(projection=projection) if projection else fig.add_subplot()


def function_1(x):
    return 0.01 * x**2 + 0.1 * x


def function_2(x):
    return float(x[0] ** 2 + x[1] ** 2)


def test_the_tangent_has_the_computed_slope():
    drawn = fplot.tangent(function_1, 5.0, xlim=(0.0, 20.0), ax=axes())
    assert drawn.slope == fdgrad.derivative(function_1, 5.0)
    xs, ys = drawn.tangent.get_data()
    np.testing.assert_array_equal(ys, function_1(5.0) + drawn.slope * (xs - 5.0))
    cx, cy = drawn.curve.get_data()
    assert cx[0] == 0.0 and cx[-1] == 20.0
    np.testing.assert_array_equal(cy, [function_1(float(v)) for v in cx])
    assert drawn.point.get_data()[1][0] == function_1(5.0)
    assert drawn.secant is None
    adaptive = fplot.tangent(np.sin, 1.0, ax=axes(), adaptive=True)
    assert adaptive.slope == fdgrad.derivative(np.sin, 1.0, adaptive=True)


def test_the_secant_is_the_forward_difference_with_its_step():
    drawn = fplot.tangent(function_1, 5.0, xlim=(0.0, 20.0), secant=True, h=4.0, ax=axes())
    assert drawn.step == 4.0
    assert drawn.secant_slope == fdgrad.derivative(function_1, 5.0, h=4.0, method="forward")
    assert drawn.secant_slope == pytest.approx((function_1(9.0) - function_1(5.0)) / 4.0)
    xs, ys = drawn.secant.get_data()
    np.testing.assert_array_equal(ys, function_1(5.0) + drawn.secant_slope * (xs - 5.0))
    assert drawn.step_marker.xy == (9.0, function_1(5.0)) and drawn.step_marker.xyann == (5.0, function_1(5.0))
    default = fplot.tangent(function_1, 5.0, xlim=(0.0, 20.0), secant=True, ax=axes())
    assert default.step == 2.0  # a tenth of the interval: visible


def test_the_surface_and_contours_are_f():
    drawn = fplot.surface(function_2, (-3, 3), (-2, 2), num=9, ax=axes("3d"))
    np.testing.assert_array_equal(drawn.Z, drawn.X**2 + drawn.Y**2)
    assert drawn.X[0, 0] == -3 and drawn.Y[-1, 0] == 2
    contour = fplot.surface(function_2, num=9, kind="contour", ax=axes())
    assert contour.artist.levels.size > 3
    with pytest.raises(ValueError, match="kind must be"):
        fplot.surface(function_2, kind="heatmap", ax=axes())


def test_the_arrows_are_minus_the_computed_gradients():
    drawn = fplot.gradient_field(function_2, (-2.0, 2.5), (-2.0, 2.5), num=10, ax=axes(), h=1e-4)
    for x, y, u, v in zip(drawn.X.ravel(), drawn.Y.ravel(), drawn.U.ravel(), drawn.V.ravel()):
        g = fdgrad.gradient(function_2, np.array([x, y]), h=1e-4)
        assert (u, v) == (-g[0], -g[1])
    np.testing.assert_array_equal(drawn.quiver.U, drawn.U.ravel())
    np.testing.assert_array_equal(drawn.quiver.V, drawn.V.ravel())
    np.testing.assert_array_equal(drawn.quiver.X, drawn.X.ravel())
    # downhill: every arrow points towards the minimum at the origin
    assert np.all(drawn.U * drawn.X + drawn.V * drawn.Y <= 0)
    uphill = fplot.gradient_field(function_2, num=5, descent=False, ax=axes())
    assert np.all(uphill.U * uphill.X + uphill.V * uphill.Y >= 0)


def test_the_path_is_the_descents_history():
    x, path = fdgrad.gradient_descent(function_2, np.array([-3.0, 4.0]), lr=0.1, step_num=20, history=True)
    drawn = fplot.descent_path(function_2, path, ax=axes())
    xs, ys = drawn.line.get_data()
    np.testing.assert_array_equal(np.column_stack([xs, ys]), path)
    assert (xs[-1], ys[-1]) == tuple(x)
    assert len(drawn.contours.levels) > 3
    with pytest.raises(ValueError, match="path must have shape"):
        fplot.descent_path(function_2, np.zeros((3, 3)), ax=axes())


def test_the_step_error_marks_where_fdgrad_lands():
    drawn = fplot.step_error(lambda x: x**3, 2.0, lambda x: 3 * x**2, steps=np.logspace(-12, -1, 12), ax=axes())
    value, info = fdgrad.derivative(lambda x: x**3, 2.0, full_output=True)
    assert drawn.marks["default"] == (info.step, abs(value - 12.0))
    value, info = fdgrad.derivative(lambda x: x**3, 2.0, adaptive=True, full_output=True)
    assert drawn.marks["adaptive"] == (info.step, abs(value - 12.0))
    for k, h in enumerate(drawn.steps):
        assert drawn.errors["central"][k] == abs(fdgrad.derivative(lambda x: x**3, 2.0, h=float(h)) - 12.0)
    np.testing.assert_array_equal(drawn.lines["forward"].get_data()[0], drawn.steps)
    # truncation: the forward error at h = 0.1 is about 3 x h (f'' / 2 = 6)
    assert drawn.errors["forward"][-1] == pytest.approx(0.6 + 0.01, rel=1e-6)
    assert drawn.ax.get_xscale() == "log" and drawn.ax.get_yscale() == "log"


def test_demo_writes_the_pictures(tmp_path):
    from fdgrad.__main__ import plots

    written = plots(str(tmp_path / "pictures"), out=lambda line: None)
    names = sorted(p.rsplit("/", 1)[-1] for p in written)
    assert names == ["descent_path.png", "gradient_field.png", "secant.png", "step_error.png", "surface.png",
                     "tangent.png"]
    for path in written:
        with open(path, "rb") as file:
            data = file.read()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
        width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        assert (width, height) == (640, 480)


def test_the_command_line_writes_them_too(tmp_path):
    out = subprocess.run([sys.executable, "-m", "fdgrad", "demo", "--plots", str(tmp_path)], capture_output=True,
                         text=True, check=True)
    assert "wrote" in out.stdout and len(list(tmp_path.glob("*.png"))) == 6


def test_matplotlib_is_imported_only_when_used():
    code = "import sys, fdgrad; fdgrad.gradient(lambda p: float(p @ p), [1.0]); print('matplotlib' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "False"
    code = "import sys; sys.modules['matplotlib'] = None\ntry:\n    import fdgrad.plot\nexcept ImportError as e:\n" \
           "    print(e)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert 'pip install "fdgrad[plot]"' in out
