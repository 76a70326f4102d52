"""Pictures of derivatives and gradients, drawn from fdgrad's own results.

The textbooks teach with pictures: a curve and its tangent, the secant a
forward difference really measures, the surface of ``x0**2 + x1**2``, the
field of gradient arrows pointing to the minimum, the path of gradient
descent, and how a difference's error depends on its step.  Each function
here draws one of them with matplotlib (an optional dependency: ``pip install
"fdgrad[plot]"``, imported when this module is) and returns the artists it
drew with the numbers behind them, so that they can be restyled and checked.

Every function takes ``ax=``, a matplotlib Axes to draw into (3-D for
:func:`surface`); without it, a new figure is made with pyplot.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import fdgrad.plot
>>> drawn = fdgrad.plot.tangent(lambda x: 0.01 * x**2 + 0.1 * x, 5.0, xlim=(0, 20))
>>> round(drawn.slope, 10)
0.2
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Callable, NamedTuple, Optional, Sequence

import numpy as np

try:
    import matplotlib
    from matplotlib.axes import Axes
except ImportError as exc:  # pragma: no cover - exercised by a test that hides matplotlib
    raise ImportError('fdgrad.plot draws with matplotlib, which is not installed: pip install "fdgrad[plot]" '
                      "(or pip install matplotlib)") from exc

import fdgrad
from fdgrad._options import check_bool
from fdgrad._public import readable as _readable
from fdgrad._values import is_real_number, show

__all__ = ["DescentPlot", "FieldPlot", "StepErrorPlot", "SurfacePlot", "TangentPlot", "descent_path",
           "gradient_field", "step_error", "surface", "tangent"]


# Every argument is checked before anything is drawn (or a figure made): errors name the
# parameter and the value, as the numerical API's do.

def _function(f: Any, name: str = "f") -> None:
    if not callable(f):
        raise TypeError(f"{name} must be callable, got {show(f)} of type {type(f).__name__}")


def _number(value: Any, name: str) -> float:
    """A finite real number as a float."""
    if not is_real_number(value):
        raise TypeError(f"{name} must be a real number, got {show(value)}")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise ValueError(f"{name} must be finite, got {show(value)}")
    return number


def _interval(lim: Any, name: str) -> tuple[float, float]:
    """(low, high), two finite numbers with low < high."""
    if isinstance(lim, (str, bytes)) or not hasattr(lim, "__len__") or np.ndim(lim) != 1:
        raise TypeError(f"{name} must be a pair (low, high) of numbers, got {show(lim)}")
    if len(lim) != 2:
        raise ValueError(f"{name} must be a pair (low, high) of numbers, got {len(lim)} of them: {show(lim)}")
    lo, hi = _number(lim[0], f"{name}[0]"), _number(lim[1], f"{name}[1]")
    if not lo < hi:
        raise ValueError(f"{name} must have low < high, got {show(lim)}")
    return lo, hi


def _numbers(value: Any, rule: str) -> np.ndarray:
    """value (real numbers: not bools, not strings) as a new float array, or a TypeError stating
    the rule and the value."""
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{rule}, got {show(value)}")
    try:
        given = np.asarray(value)
    except (TypeError, ValueError):
        raise TypeError(f"{rule}, got {show(value)}") from None
    mixed = not isinstance(value, np.ndarray) and given.dtype.kind in "iuf" and given.size <= 10**6 and any(
        isinstance(v, (bool, np.bool_)) for v in np.asarray(value, dtype=object).flat)  # [True, 0.1] is floats
    if given.dtype.kind not in "iuf" or mixed:
        raise TypeError(f"{rule}, got {show(value)}")
    return np.array(given, dtype=float)


def _count(value: Any, name: str, least: int = 2, most: int = 1000) -> int:
    """An int from least to most (a grid's num: num**2 evaluations of f, in Python)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {show(value)}")
    if not least <= value <= most:
        raise ValueError(f"{name} must be from {least} to {most}, got {show(value)}")
    return int(value)


def _check_axes(ax: Any, three_d: bool) -> None:
    if ax is None:
        return
    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes, got {show(ax)} of type {type(ax).__name__}")
    is_3d = getattr(ax, "name", "") == "3d"
    if three_d and not is_3d:
        raise ValueError("ax must be a 3-D Axes for kind='surface' (fig.add_subplot(projection='3d')), "
                         f"got {show(ax)}")
    if not three_d and is_3d:
        raise ValueError(f"ax must be a 2-D Axes here, got a 3-D one: {show(ax)}")


def _axes(ax: Optional[Axes], projection: Optional[str] = None) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(6.4, 4.8), dpi=200)
    return fig.add_subplot(projection=projection) if projection else fig.add_subplot()


def _value(f: Callable[[Any], Any], arg: Any, where: Any, name: str = "f") -> float:
    """f(arg) as a float, or a TypeError naming f (or name) and the point."""
    value = f(arg)
    if isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "iuf":
        value = value.reshape(())[()]
    if not is_real_number(value):
        raise TypeError(f"{name} must return a real number, got {show(value)} at {where}")
    return float(value)


def _somewhere_finite(values: np.ndarray, where: str) -> None:
    """f must be finite somewhere on what is drawn (NaN or inf everywhere draws nothing)."""
    if not np.isfinite(values).any():
        raise ValueError(f"f must be finite somewhere on {where}, got only {show(values.flat[0])}")


def _options_for(function: Callable[..., Any], options: dict, caller: str, own: Sequence[str] = ()) -> None:
    """**options must be keywords of function (fdgrad.derivative, fdgrad.gradient), and not ones
    that change what it computes (own: n, the derivative's order; full_output, its result)."""
    import inspect

    known = inspect.signature(function).parameters
    for key in options:
        if key in ("full_output", *own):
            raise TypeError(f"{caller}() draws {'a first derivative' if key == 'n' else 'the values alone'}: "
                            f"{key}={show(options[key])} is not an option of it")
        if key not in known or key in ("f", "x"):
            raise TypeError(f"{caller}() got an unexpected keyword argument {key!r} (its **options go to "
                            f"fdgrad.{function.__name__})")


def _grid(f: Callable[[np.ndarray], Any], xlim: Sequence[float], ylim: Sequence[float],
          num: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """X, Y (num x num) and f at each point, f called with np.array([x0, x1])."""
    X, Y = np.meshgrid(np.linspace(xlim[0], xlim[1], num), np.linspace(ylim[0], ylim[1], num))
    Z = np.array([[_value(f, np.array([x, y]), f"(x0, x1) = ({x:g}, {y:g})") for x, y in zip(row_x, row_y)]
                  for row_x, row_y in zip(X, Y)])
    _somewhere_finite(Z, f"the grid {tuple(xlim)} x {tuple(ylim)}")
    return X, Y, Z


def _colorbar(ax: Axes, artist: Any, label: str, **options: Any) -> Any:
    return ax.figure.colorbar(artist, ax=ax, label=label, **options)


class TangentPlot(NamedTuple):
    """What :func:`tangent` drew: the Axes, the curve, the tangent line and the point of
    tangency, and (with ``secant=True``) the secant line and the step's bracket, with the
    slopes behind them (``secant_slope`` and ``step`` are None without a secant)."""

    ax: Any
    curve: Any
    tangent: Any
    point: Any
    secant: Any
    step_marker: Any
    slope: float
    secant_slope: Optional[float]
    step: Optional[float]


def tangent(f: Callable[[float], float], x: float, *, xlim: Optional[Sequence[float]] = None,
            secant: bool = False, h: Optional[float] = None, num: int = 200, ax: Optional[Axes] = None,
            **options: Any) -> TangentPlot:
    """Draw f, its tangent line at x, and (``secant=True``) the secant of a forward difference.

    Parameters
    ----------
    f : callable
        A function of one variable, called with numbers.
    x : float
        The point of tangency, within ``xlim``.
    xlim : (float, float), optional
        The interval drawn, low < high; by default ``x - 5`` to ``x + 5``.
    secant : bool
        Also draw the secant through ``(x, f(x))`` and ``(x + h, f(x + h))``,
        whose slope is the forward difference ``(f(x + h) - f(x)) / h``, with
        the step ``h`` marked on the axis: the difference the textbooks'
        ``diff`` computes, beside the tangent it approximates.
    h : float, optional
        The secant's step, positive (only with ``secant=True``); by default a
        tenth of the interval, so that it is visible.
    num : int
        Points on the curve, at least 2.
    ax : matplotlib Axes, optional
        A 2-D Axes to draw into; by default a new figure's.
    **options
        Passed to :func:`fdgrad.derivative` for the tangent's slope:
        ``method=``, ``order=`` or ``adaptive=`` (by default, the central
        difference at its default step).

    Returns
    -------
    TangentPlot
        ``slope`` is ``fdgrad.derivative(f, x, **options)``; ``secant_slope``
        the forward difference at step ``step``.
    """
    _function(f)
    x = _number(x, "x")
    lo, hi = (x - 5.0, x + 5.0) if xlim is None else _interval(xlim, "xlim")
    if not lo <= x <= hi:
        raise ValueError(f"x must lie within xlim = {show(xlim)}, got {x!r}")
    secant = check_bool(secant, "secant")
    if h is not None:
        if not secant:
            raise ValueError(f"h is the secant's step: pass secant=True with h={show(h)}")
        h = _number(h, "h")
        if not h > 0.0:
            raise ValueError(f"h must be positive (the forward difference's step), got {show(h)}")
    num = _count(num, "num", most=100_000)
    _check_axes(ax, False)
    _options_for(fdgrad.derivative, options, "tangent", ("n",))
    slope = float(fdgrad.derivative(f, x, **options))
    fx = _value(f, x, f"x = {x!r}")
    if not (np.isfinite(fx) and np.isfinite(slope)):
        raise ValueError(f"f and its derivative must be finite at x = {x!r}, the point of tangency: got f(x) = "
                         f"{fx!r}, slope {slope!r}")
    xs = np.linspace(lo, hi, num)
    ys = np.array([_value(f, float(v), f"x = {float(v)!r}") for v in xs])
    _somewhere_finite(ys, f"xlim = {(lo, hi)}")
    ax = _axes(ax)
    (curve,) = ax.plot(xs, ys, label="$f(x)$")
    (tangent_line,) = ax.plot(xs, fx + slope * (xs - x), "--", label=f"tangent at $x = {x:g}$, slope {slope:.6g}")
    (point,) = ax.plot([x], [fx], "o", color=tangent_line.get_color())
    secant_line = marker = None
    secant_slope = step = None
    if secant:
        step = (hi - lo) / 10.0 if h is None else h
        secant_slope = float(fdgrad.derivative(f, x, h=step, method="forward"))
        (secant_line,) = ax.plot(xs, fx + secant_slope * (xs - x), ":",
                                 label=f"secant, step $h = {step:g}$, slope {secant_slope:.6g}")
        fxh = _value(f, x + step, f"x + h = {x + step!r}")
        ax.plot([x, x + step], [fx, fxh], "s", color=secant_line.get_color())
        marker = ax.annotate("", xy=(x + step, fx), xytext=(x, fx),
                             arrowprops={"arrowstyle": "<->", "color": secant_line.get_color()})
        ax.annotate("$h$", xy=(x + step / 2, fx), xytext=(0, -12), textcoords="offset points", ha="center",
                    color=secant_line.get_color())
    finite = ys[np.isfinite(ys)]
    if finite.size:
        span = float(np.ptp(finite)) or 1.0
        ax.set_ylim(float(np.min(finite)) - 0.1 * span, float(np.max(finite)) + 0.1 * span)
    ax.set_xlim(lo, hi)
    ax.set_xlabel("$x$")
    ax.set_ylabel("$f(x)$")
    ax.legend()
    return TangentPlot(ax, curve, tangent_line, point, secant_line, marker, slope, secant_slope, step)


class SurfacePlot(NamedTuple):
    """What :func:`surface` drew: the Axes, the surface (or contour set), the grid and f on it,
    and the colour bar of f's values (None with ``colorbar=False``)."""

    ax: Any
    artist: Any
    X: np.ndarray
    Y: np.ndarray
    Z: np.ndarray
    colorbar: Any = None


def surface(f: Callable[[np.ndarray], float], xlim: Sequence[float] = (-3.0, 3.0),
            ylim: Sequence[float] = (-3.0, 3.0), *, num: int = 41, kind: str = "surface",
            colorbar: bool = True, ax: Optional[Axes] = None) -> SurfacePlot:
    """Draw a function of two variables as a 3-D surface or as contours.

    Parameters
    ----------
    f : callable
        ``f(p) -> float`` for ``p = np.array([x0, x1])``.
    xlim, ylim : (float, float)
        The ranges of ``x0`` and ``x1``, low < high.
    num : int
        Grid points along each axis, at least 2.
    kind : {"surface", "contour"}
    colorbar : bool
        Draw a colour bar: colour is f's value.
    ax : matplotlib Axes, optional
        A 3-D Axes for ``kind="surface"`` (``fig.add_subplot(projection="3d")``),
        a 2-D one for ``kind="contour"``; by default a new figure's.

    Returns
    -------
    SurfacePlot
    """
    _function(f)
    if not isinstance(kind, str) or kind not in ("surface", "contour"):
        raise ValueError(f"kind must be 'surface' or 'contour', got {show(kind)}")
    xlim, ylim = _interval(xlim, "xlim"), _interval(ylim, "ylim")
    num = _count(num, "num")
    colorbar = check_bool(colorbar, "colorbar")
    _check_axes(ax, kind == "surface")
    X, Y, Z = _grid(f, xlim, ylim, num)
    if kind == "surface":
        ax = _axes(ax, "3d")
        artist = ax.plot_surface(X, Y, Z, cmap="viridis", linewidth=0, antialiased=True)
        ax.set_zlabel("$f(x_0, x_1)$")
        bar = _colorbar(ax, artist, "$f(x_0, x_1)$", shrink=0.7, pad=0.12) if colorbar else None
    else:
        ax = _axes(ax)
        artist = ax.contour(X, Y, Z, levels=15, cmap="viridis")
        ax.clabel(artist, fontsize=7)
        ax.set_aspect("equal")
        bar = _colorbar(ax, artist, "$f(x_0, x_1)$") if colorbar else None
    ax.set_xlabel("$x_0$")
    ax.set_ylabel("$x_1$")
    return SurfacePlot(ax, artist, X, Y, Z, bar)


class FieldPlot(NamedTuple):
    """What :func:`gradient_field` drew: the Axes, the quiver, the points and the arrows
    (U, V: minus the gradient, as computed by fdgrad, unless ``descent=False``), and the
    colour bar of the arrows' lengths (None with ``colorbar=False``)."""

    ax: Any
    quiver: Any
    X: np.ndarray
    Y: np.ndarray
    U: np.ndarray
    V: np.ndarray
    colorbar: Any = None


def gradient_field(f: Callable[[np.ndarray], float], xlim: Sequence[float] = (-2.0, 2.0),
                   ylim: Sequence[float] = (-2.0, 2.0), *, num: int = 17, descent: bool = True,
                   colorbar: bool = True, ax: Optional[Axes] = None, **options: Any) -> FieldPlot:
    """Draw the gradient of a function of two variables as a field of arrows.

    The textbooks' figure: at a grid of points, the arrow ``-gradient(f, p)``
    (``descent=True``) points downhill, towards the minimum, and is longer
    where the slope is steeper; colour is its length.

    Parameters
    ----------
    f : callable
        ``f(p) -> float`` for ``p = np.array([x0, x1])``.
    xlim, ylim : (float, float)
        The ranges of ``x0`` and ``x1``, low < high (the textbook's grid,
        ``np.arange(-2, 2.5, 0.25)``, is ``xlim=(-2, 2.25), num=18``; the
        default is centred on 0, in the same steps of 0.25).
    num : int
        Arrows along each axis, at least 2.
    descent : bool
        Draw minus the gradient (downhill), or the gradient itself.
    colorbar : bool
        Draw a colour bar of the arrows' lengths, the gradient's norm.
    ax : matplotlib Axes, optional
        A 2-D Axes; by default a new figure's.
    **options
        Passed to :func:`fdgrad.gradient` (``h``, ``method``, ``order``, ...).

    Returns
    -------
    FieldPlot
    """
    _function(f)
    xlim, ylim = _interval(xlim, "xlim"), _interval(ylim, "ylim")
    num = _count(num, "num")
    descent = check_bool(descent, "descent")
    colorbar = check_bool(colorbar, "colorbar")
    _check_axes(ax, False)
    _options_for(fdgrad.gradient, options, "gradient_field")
    X, Y = np.meshgrid(np.linspace(xlim[0], xlim[1], num), np.linspace(ylim[0], ylim[1], num))
    grads = np.array([fdgrad.gradient(f, np.array([x, y]), **options)
                      for x, y in zip(X.reshape(-1), Y.reshape(-1))])
    if grads.shape != (X.size, 2):
        raise TypeError(f"f must return a real number (a gradient of 2 entries), got gradients of shape "
                        f"{grads.shape[1:]}")
    _somewhere_finite(grads, f"the grid {tuple(xlim)} x {tuple(ylim)} (its gradients)")
    ax = _axes(ax)
    sign = -1.0 if descent else 1.0
    U, V = sign * grads[:, 0].reshape(X.shape), sign * grads[:, 1].reshape(X.shape)
    quiver = ax.quiver(X, Y, U, V, np.hypot(U, V), angles="xy", cmap="viridis")
    ax.set_xlabel("$x_0$")
    ax.set_ylabel("$x_1$")
    ax.set_aspect("equal")
    ax.grid(True, alpha=0.3)
    bar = _colorbar(ax, quiver, r"$\|\nabla f\|$, the arrow's length") if colorbar else None
    return FieldPlot(ax, quiver, X, Y, U, V, bar)


class DescentPlot(NamedTuple):
    """What :func:`descent_path` drew: the Axes, the path's line, the contours, and the path."""

    ax: Any
    line: Any
    contours: Any
    path: np.ndarray


def _filling(ax: Optional[Axes], path: np.ndarray) -> tuple[tuple[float, float], tuple[float, float]]:
    """The path's ranges with a margin, the shorter widened so that, at equal scales, they fill
    the Axes' box (no empty margins beside a tall or wide path); a new figure's (_axes) where
    ax is None."""
    span = np.maximum(np.ptp(path, axis=0), 1.0) * 1.5
    centre = (path.min(axis=0) + path.max(axis=0)) / 2.0
    if ax is None:
        import matplotlib as mpl

        width, height = 6.4, 4.8  # as _axes makes it, with the default subplot margins
        left, right = mpl.rcParams["figure.subplot.left"], mpl.rcParams["figure.subplot.right"]
        bottom, top = mpl.rcParams["figure.subplot.bottom"], mpl.rcParams["figure.subplot.top"]
        aspect = ((right - left) * width) / ((top - bottom) * height)
    else:
        box = ax.get_position()
        width, height = ax.figure.get_size_inches()
        aspect = (box.width * width) / (box.height * height)
    if span[0] < aspect * span[1]:
        span[0] = aspect * span[1]
    else:
        span[1] = span[0] / aspect
    return ((centre[0] - span[0] / 2, centre[0] + span[0] / 2), (centre[1] - span[1] / 2, centre[1] + span[1] / 2))


def descent_path(f: Callable[[np.ndarray], float], path: Any, *, xlim: Optional[Sequence[float]] = None,
                 ylim: Optional[Sequence[float]] = None, num: int = 81,
                 ax: Optional[Axes] = None) -> DescentPlot:
    """Draw the iterates of a gradient descent over the contours of f.

    Parameters
    ----------
    f : callable
        ``f(p) -> float`` for ``p = np.array([x0, x1])``.
    path : array_like
        The iterates, finite, shape ``(k, 2)``: the ``path`` of
        ``fdgrad.gradient_descent(f, x0, ..., history=True)``.
    xlim, ylim : (float, float), optional
        The ranges drawn, low < high; by default the path's, with a margin,
        widened to fill the Axes at equal scales.
    num : int
        Grid points along each axis for the contours, at least 2.
    ax : matplotlib Axes, optional
        A 2-D Axes; by default a new figure's.

    Returns
    -------
    DescentPlot
    """
    _function(f)
    path = _numbers(path, "path must be an array of iterates, shape (k, 2)")
    if path.ndim != 2 or path.shape[1] != 2 or path.shape[0] == 0:
        raise ValueError(f"path must have shape (k, 2), k >= 1, the iterates of a descent in two variables, "
                         f"got {path.shape}")
    if not np.isfinite(path).all():
        row = int(np.argwhere(~np.isfinite(path))[0][0])
        raise ValueError(f"path must be finite, got {path[row].tolist()} at row {row}")
    limits = [None if lim is None else _interval(lim, name) for lim, name in ((xlim, "xlim"), (ylim, "ylim"))]
    num = _count(num, "num")
    _check_axes(ax, False)
    with np.errstate(over="ignore", invalid="ignore"):
        filled = _filling(ax, path)
    xlim, ylim = (filled[k] if limits[k] is None else limits[k] for k in (0, 1))
    if not np.isfinite([*xlim, *ylim]).all():
        raise ValueError(f"path spans more than float64 can draw around it ({path.min(axis=0).tolist()} to "
                         f"{path.max(axis=0).tolist()}): pass xlim and ylim")
    X, Y, Z = _grid(f, xlim, ylim, num)
    ax = _axes(ax)
    contours = ax.contour(X, Y, Z, levels=12, colors="0.6", linestyles="dashed", linewidths=0.8)
    (line,) = ax.plot(path[:, 0], path[:, 1], "o-", markersize=4, label=f"{len(path) - 1} steps")
    ax.plot(path[0, 0], path[0, 1], "s", color=line.get_color(), label="start")
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel("$x_0$")
    ax.set_ylabel("$x_1$")
    ax.set_aspect("equal")
    ax.legend()
    return DescentPlot(ax, line, contours, path)


class StepErrorPlot(NamedTuple):
    """What :func:`step_error` drew: the Axes, a line per method over the steps ("forward",
    "central", "order=4", and "adaptive", a level: it places its own steps), the steps, the
    errors at them, and the marks of the default step, order 4 and adaptive, each ``(step,
    error)``."""

    ax: Any
    lines: dict
    steps: np.ndarray
    errors: dict
    marks: dict


def step_error(f: Callable[[float], float], x: float, df: Optional[Callable[[float], float]] = None, *,
               steps: Optional[Sequence[float]] = None, ax: Optional[Axes] = None) -> StepErrorPlot:
    """Draw the error of finite differences against the step h, on log axes.

    Large steps lose to truncation (the error falls as h for forward, h**2
    for central, h**4 for ``order=4`` differences), small ones to rounding
    (it grows as eps/h): the V shows why the default step sits where it
    does.  The default central step, ``order=4``'s and ``adaptive=True``'s
    result are marked; the adaptive method places its own steps, so its
    error is drawn as a level.  Errors of exactly 0 are left out of the
    lines (a log axis has no 0).

    Parameters
    ----------
    f : callable
        A function of one variable, called with numbers.
    x : float
    df : callable, optional
        The exact derivative; by default fdgrad's adaptive estimate stands
        in for it.
    steps : sequence of float, optional
        The steps, positive and finite (at least one); by default 81 from
        10**-16 to 10**0.
    ax : matplotlib Axes, optional
        A 2-D Axes; by default a new figure's.

    Returns
    -------
    StepErrorPlot
        ``errors`` maps "forward", "central" and "order=4" to the errors at
        ``steps``; ``marks`` maps "default", "order=4" and "adaptive" to
        (step, error).
    """
    _function(f)
    x = _number(x, "x")
    if df is not None:
        _function(df, "df")
    if steps is None:
        hs = np.logspace(-16, 0, 81)
    else:
        hs = _numbers(steps, "steps must be a sequence of positive numbers")
        if hs.ndim != 1 or hs.size == 0:
            raise ValueError(f"steps must be a non-empty sequence of numbers, got {show(steps)}")
        bad = ~(np.isfinite(hs) & (hs > 0))
        if bad.any():
            raise ValueError(f"steps must be positive and finite, got {float(hs[bad][0])!r} at {int(np.argmax(bad))}")
    _check_axes(ax, False)
    truth = _value(df, x, f"x = {x!r}", "df") if df is not None else float(fdgrad.derivative(f, x, adaptive=True))
    if not np.isfinite(truth):
        raise ValueError(f"{'df' if df is not None else 'the derivative of f'} must be finite at x = {x!r}, "
                         f"got {truth!r}")
    methods = (("forward", "forward", None, "forward differences"), ("central", "central", None,
               "central differences"), ("order=4", "central", 4, "central, order=4"))
    errors, lines = {}, {}
    with np.errstate(all="ignore"), warnings.catch_warnings():
        # (steps down to 1e-16 meet f rounding to one value: that is what the picture shows)
        warnings.simplefilter("ignore", fdgrad.UnchangingWarning)
        for key, method, order, _ in methods:
            errors[key] = np.array([abs(float(fdgrad.derivative(f, x, h=float(h), method=method, order=order))
                                        - truth) for h in hs])
    _somewhere_finite(np.concatenate(list(errors.values())), f"the steps (f's differences at x = {x!r})")
    ax = _axes(ax)
    for key, _, _, label in methods:
        errs = errors[key]
        (lines[key],) = ax.loglog(hs, np.where(errs > 0, errs, np.nan), label=label)
    marks = {}
    value, info = fdgrad.derivative(f, x, full_output=True)
    marks["default"] = (float(info.step), abs(float(value) - truth))
    value, info = fdgrad.derivative(f, x, order=4, full_output=True)
    marks["order=4"] = (float(info.step), abs(float(value) - truth))
    value, info = fdgrad.derivative(f, x, adaptive=True, full_output=True)
    marks["adaptive"] = (float(info.step), abs(float(value) - truth))
    floor = 1e-17 * max(1.0, abs(truth))
    colours = {"default": lines["central"].get_color(), "order=4": lines["order=4"].get_color()}
    lines["adaptive"] = ax.axhline(max(marks["adaptive"][1], floor), color="0.4", linestyle=":",
                                   label="adaptive=True (its own steps)")
    colours["adaptive"] = "0.4"
    for (label, (step, err)), style in zip(marks.items(), ("o", "s", "*")):
        ax.loglog([step], [max(err, floor)], style, markersize=9, color=colours[label],
                  label=f"{label}: $h$ = {step:.1e}, error {err:.1e}")
    ax.set_xlabel("step $h$")
    ax.set_ylabel("$|f\\,'_h(x) - f\\,'(x)|$")
    ax.legend(fontsize=7)
    ax.grid(True, which="major", alpha=0.3)
    return StepErrorPlot(ax, lines, hs, errors, marks)


#: keep matplotlib referenced (imported above for the clear error when it is missing)
_MATPLOTLIB_VERSION = matplotlib.__version__


_readable(globals(), __all__)  # (help() and inspect: evaluated annotations, not strings)
