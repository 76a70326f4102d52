"""fdgrad.plot: the textbooks' pictures, checked by what was drawn; every argument checked."""

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
        assert (width, height) == (1280, 960)  # 6.4 x 4.8 inches at 200 dpi


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


def test_colour_bars_where_colour_carries_a_value():
    field = fplot.gradient_field(function_2, num=5, ax=axes())
    assert field.colorbar is not None and "nabla f" in field.colorbar.ax.get_ylabel()
    assert field.colorbar.mappable is field.quiver
    drawn = fplot.surface(function_2, num=5, ax=axes("3d"))
    assert drawn.colorbar is not None and drawn.colorbar.mappable is drawn.artist
    contour = fplot.surface(function_2, num=5, kind="contour", ax=axes())
    assert contour.colorbar.mappable is contour.artist
    assert fplot.gradient_field(function_2, num=5, colorbar=False, ax=axes()).colorbar is None
    assert fplot.surface(function_2, num=5, colorbar=False, ax=axes("3d")).colorbar is None


def test_the_field_is_centred_by_default():
    drawn = fplot.gradient_field(function_2, ax=axes())
    assert drawn.X[0, 0] == -2.0 and drawn.X[0, -1] == 2.0 and 0.0 in drawn.X  # steps of 0.25, 0 on the grid
    book = fplot.gradient_field(function_2, (-2.0, 2.25), (-2.0, 2.25), num=18, ax=axes())
    np.testing.assert_allclose(book.X[0], np.arange(-2, 2.5, 0.25))  # the textbook's own grid, on request


def test_the_step_error_draws_order_4_and_adaptive():
    f, df = np.exp, np.exp
    drawn = fplot.step_error(f, 1.0, df, steps=np.logspace(-8, -1, 8), ax=axes())
    for k, h in enumerate(drawn.steps):
        assert drawn.errors["order=4"][k] == abs(fdgrad.derivative(f, 1.0, h=float(h), order=4) - np.e)
    np.testing.assert_array_equal(drawn.lines["order=4"].get_data()[0], drawn.steps)
    level = drawn.lines["adaptive"].get_data()[1]
    assert level[0] == level[1] == max(drawn.marks["adaptive"][1], 1e-17 * np.e)
    # order 4's truncation falls as h**4: at h = 1e-2 it is far below central's (h**2)
    k = int(np.argmin(np.abs(drawn.steps - 1e-2)))
    assert drawn.errors["order=4"][k] < 1e-3 * drawn.errors["central"][k]


def test_labels_are_typeset():
    drawn = fplot.tangent(function_1, 5.0, xlim=(0.0, 20.0), secant=True, ax=axes())
    assert drawn.ax.get_xlabel() == "$x$" and drawn.ax.get_ylabel() == "$f(x)$"
    assert "$h = 2$" in drawn.secant.get_label()
    assert fplot.gradient_field(function_2, num=3, ax=axes()).ax.get_xlabel() == "$x_0$"


def test_the_descent_fills_its_axes():
    """Default limits: the path with a margin, widened to the Axes' shape at equal scales (no
    wide empty margins); the contours cover them."""
    _, path = fdgrad.gradient_descent(function_2, np.array([-3.0, 4.0]), lr=0.1, step_num=20, history=True)
    ax = Figure(figsize=(6.4, 4.8)).add_subplot()
    drawn = fplot.descent_path(function_2, path, ax=ax)
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    box = ax.get_position()
    assert (x1 - x0) / (y1 - y0) == pytest.approx(box.width * 6.4 / (box.height * 4.8))
    assert x0 < path[:, 0].min() and path[:, 0].max() < x1 and y0 < path[:, 1].min() and path[:, 1].max() < y1
    assert len(drawn.contours.levels) > 3
    given = fplot.descent_path(function_2, path, xlim=(-4, 1), ylim=(-1, 5), ax=axes())
    assert given.ax.get_xlim() == (-4.0, 1.0) and given.ax.get_ylim() == (-1.0, 5.0)


# Every argument of every plot function, checked before anything is drawn.

BAD_ARGUMENTS = [
    # (function, arguments, keywords, error type, words the message must hold)
    ("tangent", ("f", 5.0), {}, TypeError, "f must be callable, got 'f'"),
    ("tangent", (function_1, "a"), {}, TypeError, "x must be a real number, got 'a'"),
    ("tangent", (function_1, [1, 2]), {}, TypeError, "x must be a real number, got [1, 2]"),
    ("tangent", (function_1, True), {}, TypeError, "x must be a real number, got True"),
    ("tangent", (function_1, np.nan), {}, ValueError, "x must be finite, got nan"),
    ("tangent", (function_1, 5.0), {"xlim": (1,)}, ValueError, "xlim must be a pair (low, high) of numbers, got 1"),
    ("tangent", (function_1, 5.0), {"xlim": (1, 2, 3)}, ValueError, "got 3 of them"),
    ("tangent", (function_1, 3.0), {"xlim": (3, 3)}, ValueError, "xlim must have low < high, got (3, 3)"),
    ("tangent", (function_1, 5.0), {"xlim": (6, 1)}, ValueError, "low < high"),
    ("tangent", (function_1, 5.0), {"xlim": "ab"}, TypeError, "xlim must be a pair"),
    ("tangent", (function_1, 5.0), {"xlim": (0, np.inf)}, ValueError, "xlim[1] must be finite, got inf"),
    ("tangent", (function_1, 5.0), {"xlim": (0, "b")}, TypeError, "xlim[1] must be a real number, got 'b'"),
    ("tangent", (function_1, 50.0), {"xlim": (0, 20)}, ValueError, "x must lie within xlim"),
    ("tangent", (function_1, 5.0), {"secant": "yes"}, TypeError, "secant must be True or False, got 'yes'"),
    ("tangent", (function_1, 5.0), {"secant": True, "h": -3}, ValueError, "h must be positive"),
    ("tangent", (function_1, 5.0), {"secant": True, "h": 0.0}, ValueError, "h must be positive"),
    ("tangent", (function_1, 5.0), {"secant": True, "h": "1"}, TypeError, "h must be a real number, got '1'"),
    ("tangent", (function_1, 5.0), {"h": 1.0}, ValueError, "h is the secant's step: pass secant=True"),
    ("tangent", (function_1, 5.0), {"num": 0}, ValueError, "num must be from 2 to"),
    ("tangent", (function_1, 5.0), {"num": -1}, ValueError, "num must be from 2 to 100000, got -1"),
    ("tangent", (function_1, 5.0), {"num": 2.5}, TypeError, "num must be an int, got 2.5"),
    ("tangent", (function_1, 5.0), {"num": True}, TypeError, "num must be an int, got True"),
    ("tangent", (function_1, 5.0), {"ax": "x"}, TypeError, "ax must be a matplotlib Axes, got 'x'"),
    ("tangent", (function_1, 5.0), {"ax": "3d"}, ValueError, "ax must be a 2-D Axes here, got a 3-D one"),
    ("tangent", (lambda x: "v", 5.0), {"method": "forward", "h": None}, TypeError, "f must return"),
    ("surface", ("f",), {}, TypeError, "f must be callable"),
    ("surface", (function_2, (1, 2, 3)), {}, ValueError, "xlim must be a pair (low, high) of numbers, got 3 of them"),
    ("surface", (function_2, (-1, 1), (2, 2)), {}, ValueError, "ylim must have low < high, got (2, 2)"),
    ("surface", (function_2,), {"num": 1}, ValueError, "num must be from 2 to 1000, got 1"),
    ("surface", (function_2,), {"num": 2.0}, TypeError, "num must be an int, got 2.0"),
    ("surface", (function_2,), {"kind": "heatmap"}, ValueError, "kind must be 'surface' or 'contour', got 'heatmap'"),
    ("surface", (function_2,), {"kind": ["surface"]}, ValueError, "kind must be 'surface' or 'contour'"),
    ("surface", (function_2,), {"colorbar": 1}, TypeError, "colorbar must be True or False, got 1"),
    ("surface", (function_2,), {"ax": "2d"}, ValueError, "ax must be a 3-D Axes for kind='surface'"),
    ("surface", (function_2,), {"kind": "contour", "ax": "3d"}, ValueError, "ax must be a 2-D Axes"),
    ("surface", (function_2,), {"ax": 3}, TypeError, "ax must be a matplotlib Axes, got 3"),
    ("surface", (lambda p: np.array([1.0, 2.0]),), {"num": 2}, TypeError, "f must return a real number"),
    ("gradient_field", (3,), {}, TypeError, "f must be callable, got 3"),
    ("gradient_field", (function_2, (0,)), {}, ValueError, "xlim must be a pair (low, high) of numbers, got 1"),
    ("gradient_field", (function_2, (-1, 1), None), {}, TypeError, "ylim must be a pair (low, high) of numbers, got None"),
    ("gradient_field", (function_2,), {"descent": "no"}, TypeError, "descent must be True or False, got 'no'"),
    ("gradient_field", (function_2,), {"num": 0}, ValueError, "num must be from 2 to"),
    ("gradient_field", (function_2,), {"colorbar": None}, TypeError, "colorbar must be True or False, got None"),
    ("gradient_field", (function_2,), {"ax": "3d"}, ValueError, "ax must be a 2-D Axes"),
    ("gradient_field", (function_2,), {"ax": object()}, TypeError, "ax must be a matplotlib Axes"),
    ("gradient_field", (function_2,), {"h": -1.0}, ValueError, "h must be"),
    ("descent_path", ("f", [[0, 0]]), {}, TypeError, "f must be callable"),
    ("descent_path", (function_2, [[0, 0], [np.nan, 1]]), {}, ValueError, "path must be finite, got [nan, 1.0] at row 1"),
    ("descent_path", (function_2, [[0, 0], [np.inf, 1]]), {}, ValueError, "path must be finite"),
    ("descent_path", (function_2, np.zeros((0, 2))), {}, ValueError, "path must have shape (k, 2), k >= 1"),
    ("descent_path", (function_2, np.zeros((3, 3))), {}, ValueError, "got (3, 3)"),
    ("descent_path", (function_2, "path"), {}, TypeError, "path must be an array of iterates"),
    ("descent_path", (function_2, [["a", "b"]]), {}, TypeError, "path must be an array of iterates"),
    ("descent_path", (function_2, [[0, 0]]), {"xlim": (1, 0)}, ValueError, "xlim must have low < high"),
    ("descent_path", (function_2, [[0, 0]]), {"ylim": 5}, TypeError, "ylim must be a pair"),
    ("descent_path", (function_2, [[0, 0]]), {"num": 2.5}, TypeError, "num must be an int, got 2.5"),
    ("descent_path", (function_2, [[0, 0]]), {"ax": "3d"}, ValueError, "ax must be a 2-D Axes"),
    ("descent_path", (function_2, [[0, 0]]), {"ax": "x"}, TypeError, "ax must be a matplotlib Axes"),
    ("step_error", ("f", 1.0), {}, TypeError, "f must be callable"),
    ("step_error", (np.sin, "a"), {}, TypeError, "x must be a real number, got 'a'"),
    ("step_error", (np.sin, [1.0]), {}, TypeError, "x must be a real number, got [1.0]"),
    ("step_error", (np.sin, 1.0, 3.0), {}, TypeError, "df must be callable, got 3.0"),
    ("step_error", (np.sin, 1.0), {"steps": []}, ValueError, "steps must be a non-empty sequence of numbers, got []"),
    ("step_error", (np.sin, 1.0), {"steps": [1e-3, -1e-3]}, ValueError, "steps must be positive and finite, got -0.001 at 1"),
    ("step_error", (np.sin, 1.0), {"steps": [0.0]}, ValueError, "steps must be positive and finite, got 0.0 at 0"),
    ("step_error", (np.sin, 1.0), {"steps": [np.nan]}, ValueError, "steps must be positive and finite, got nan"),
    ("step_error", (np.sin, 1.0), {"steps": "1e-3"}, TypeError, "steps must be a sequence of positive numbers"),
    ("step_error", (np.sin, 1.0), {"steps": [[1e-3]]}, ValueError, "steps must be a non-empty sequence"),
    ("step_error", (np.sin, 1.0), {"ax": "x"}, TypeError, "ax must be a matplotlib Axes"),
    ("step_error", (np.sin, 1.0), {"ax": "3d"}, ValueError, "ax must be a 2-D Axes"),
    ("step_error", (np.sin, 1.0, lambda x: "a"), {}, TypeError, "df must return a real number, got 'a'"),
    ("step_error", (np.sin, 1.0, lambda x: np.nan), {}, ValueError, "df must be finite at x = 1.0, got nan"),
    ("step_error", (lambda x: np.nan, 1.0, np.cos), {}, ValueError, "f must be finite somewhere on the steps"),
    ("step_error", (np.sin, 1.0), {"steps": [True, 0.1]}, TypeError, "steps must be a sequence of positive numbers"),
    ("descent_path", (function_2, [[True, False], [0, 0]]), {}, TypeError, "path must be an array of iterates"),
    ("descent_path", (function_2, [["1", "2"], [0, 0]]), {}, TypeError, "path must be an array of iterates"),
    ("descent_path", (lambda p: "a", [[1, 2], [0, 0]]), {}, TypeError, "f must return a real number, got 'a'"),
    ("descent_path", (lambda p: np.inf, [[1, 2], [0, 0]]), {}, ValueError, "f must be finite somewhere on the grid"),
    ("descent_path", (function_2, [[1, 2]]), {"num": 10**6}, ValueError, "num must be from 2 to 1000, got 1000000"),
    ("surface", (function_2,), {"num": 10**6}, ValueError, "num must be from 2 to 1000, got 1000000"),
    ("surface", (lambda p: np.nan,), {"num": 3}, ValueError, "f must be finite somewhere on the grid"),
    ("gradient_field", (function_2,), {"num": 1001}, ValueError, "num must be from 2 to 1000, got 1001"),
    ("gradient_field", (function_2,), {"bogus": 1}, TypeError,
     "gradient_field() got an unexpected keyword argument 'bogus' (its **options go to fdgrad.gradient)"),
    ("gradient_field", (lambda p: np.nan,), {"num": 3}, ValueError, "f must be finite somewhere"),
    ("tangent", (np.sin, 1.0), {"bogus": 1}, TypeError,
     "tangent() got an unexpected keyword argument 'bogus' (its **options go to fdgrad.derivative)"),
    ("tangent", (np.sin, 1.0), {"num": 10**6}, ValueError, "num must be from 2 to 100000, got 1000000"),
    ("tangent", (lambda x: np.nan, 1.0), {}, ValueError, "f and its derivative must be finite at x = 1.0"),
    ("tangent", (lambda x: 1.0 / (x - 1.0) if x != 1.0 else np.inf, 1.0), {}, ValueError, "must be finite at x"),
]


@pytest.mark.parametrize("name, args, kwargs, error, words", BAD_ARGUMENTS,
                         ids=[f"{row[0]}-{k}" for k, row in enumerate(BAD_ARGUMENTS)])
def test_every_argument_is_checked_before_drawing(name, args, kwargs, error, words):
    kwargs = dict(kwargs)
    if kwargs.get("ax") in ("3d", "2d"):
        kwargs["ax"] = axes("3d" if kwargs["ax"] == "3d" else None)
        before = len(kwargs["ax"].get_children())
    with pytest.raises(error) as info:
        getattr(fplot, name)(*args, **kwargs)
    assert words in str(info.value), str(info.value)
    if isinstance(kwargs.get("ax"), matplotlib.axes.Axes) and "Axes" not in words:
        assert len(kwargs["ax"].get_children()) == before  # nothing drawn


@pytest.mark.parametrize("name, args, kwargs", [
    ("tangent", (lambda x: "v", 5.0), {}), ("descent_path", (lambda p: "a", [[1, 2], [0, 0]]), {}),
    ("step_error", (lambda x: np.nan, 1.0, np.cos), {}), ("surface", (lambda p: np.nan,), {"num": 3}),
    ("gradient_field", (lambda p: np.nan,), {"num": 3})])
def test_a_bad_f_leaves_no_figure_behind(name, args, kwargs):
    import matplotlib.pyplot as plt

    plt.close("all")
    with pytest.raises((TypeError, ValueError)):
        getattr(fplot, name)(*args, **kwargs)
    assert plt.get_fignums() == []  # f was evaluated before a figure was made


def test_every_plot_function_is_covered_by_the_argument_table():
    covered = {row[0] for row in BAD_ARGUMENTS}
    functions = {name for name in fplot.__all__ if name[0].islower()}
    assert covered == functions
    import inspect

    for name in functions:  # every named parameter of each appears in some bad case
        params = [p for p in inspect.signature(getattr(fplot, name)).parameters.values()
                  if p.kind is not p.VAR_KEYWORD]
        cases = [row for row in BAD_ARGUMENTS if row[0] == name]
        for k, param in enumerate(params):
            assert any(param.name in row[2] or len(row[1]) > k for row in cases), (name, param.name)


def test_options_that_change_what_is_drawn_are_refused():
    with pytest.raises(TypeError, match=r"tangent\(\) draws a first derivative: n=2 is not an option of it"):
        fplot.tangent(lambda x: x**3, 1.0, n=2, ax=axes())
    with pytest.raises(TypeError, match=r"tangent\(\) draws the values alone: full_output=True"):
        fplot.tangent(lambda x: x**3, 1.0, full_output=True, ax=axes())
    with pytest.raises(TypeError, match=r"gradient_field\(\) draws the values alone: full_output=True"):
        fplot.gradient_field(function_2, full_output=True, ax=axes())
    with pytest.raises(ValueError, match="path spans more than float64 can draw around it"):
        fplot.descent_path(function_2, np.array([[0.0, 0.0], [1e308, 1e308]]), ax=axes())
