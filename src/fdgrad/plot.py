"""Pictures of derivatives and gradients, drawn from fdgrad's own results.

The seed texts teach with pictures: a curve and its tangent, the secant a
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

from typing import Any, Callable, NamedTuple, Optional, Sequence

import numpy as np

try:
    import matplotlib
    from matplotlib.axes import Axes
except ImportError as exc:  # pragma: no cover - exercised by a test that hides matplotlib
    raise ImportError('fdgrad.plot draws with matplotlib, which is not installed: pip install "fdgrad[plot]" '
                      "(or pip install matplotlib)") from exc

import fdgrad

__all__ = ["DescentPlot", "FieldPlot", "StepErrorPlot", "SurfacePlot", "TangentPlot", "descent_path",
           "gradient_field", "step_error", "surface", "tangent"]


def _axes(ax: Optional[Axes], projection: Optional[str] = None) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    fig = plt.figure()
    return fig.add_subplot(projection=projection) if projection else fig.add_subplot()


def _grid(f: Callable[[np.ndarray], Any], xlim: Sequence[float], ylim: Sequence[float],
          num: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """X, Y (num x num) and f at each point, f called with np.array([x0, x1])."""
    X, Y = np.meshgrid(np.linspace(*xlim, num), np.linspace(*ylim, num))
    Z = np.array([[float(f(np.array([x, y]))) for x, y in zip(row_x, row_y)] for row_x, row_y in zip(X, Y)])
    return X, Y, Z


class TangentPlot(NamedTuple):
    """What :func:`tangent` drew: the Axes, the curve, the tangent line and (with ``secant=True``)
    the secant line and the step's bracket, with the slopes behind them."""

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
        A function of one variable, called with numbers (and, for the curve,
        with an array of them if it accepts one).
    x : float
        The point of tangency.
    xlim : (float, float), optional
        The interval drawn; by default ``x - 5`` to ``x + 5``.
    secant : bool
        Also draw the secant through ``(x, f(x))`` and ``(x + h, f(x + h))``,
        whose slope is the forward difference ``(f(x + h) - f(x)) / h``, with
        the step ``h`` marked on the axis: the difference the textbooks'
        ``diff`` computes, beside the tangent it approximates.
    h : float, optional
        The secant's step; by default a tenth of the interval, so that it is
        visible.
    num : int
        Points on the curve.
    ax : matplotlib Axes, optional
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
    ax = _axes(ax)
    lo, hi = (x - 5.0, x + 5.0) if xlim is None else (float(xlim[0]), float(xlim[1]))
    xs = np.linspace(lo, hi, num)
    ys = np.array([float(f(float(v))) for v in xs])
    slope = float(fdgrad.derivative(f, float(x), **options))
    fx = float(f(float(x)))
    (curve,) = ax.plot(xs, ys, label="f(x)")
    (tangent_line,) = ax.plot(xs, fx + slope * (xs - x), "--", label=f"tangent at x = {x:g}, slope {slope:.6g}")
    (point,) = ax.plot([x], [fx], "o", color=tangent_line.get_color())
    secant_line = marker = None
    secant_slope = step = None
    if secant:
        step = (hi - lo) / 10.0 if h is None else float(h)
        secant_slope = float(fdgrad.derivative(f, float(x), h=step, method="forward"))
        (secant_line,) = ax.plot(xs, fx + secant_slope * (xs - x), ":",
                                 label=f"secant, step h = {step:g}, slope {secant_slope:.6g}")
        fxh = float(f(float(x) + step))
        ax.plot([x, x + step], [fx, fxh], "s", color=secant_line.get_color())
        marker = ax.annotate("", xy=(x + step, fx), xytext=(x, fx),
                             arrowprops={"arrowstyle": "<->", "color": secant_line.get_color()})
        ax.annotate("h", xy=(x + step / 2, fx), xytext=(0, -12), textcoords="offset points", ha="center",
                    color=secant_line.get_color())
    span = float(np.ptp(ys)) or 1.0
    ax.set_ylim(float(np.min(ys)) - 0.1 * span, float(np.max(ys)) + 0.1 * span)
    ax.set_xlabel("x")
    ax.set_ylabel("f(x)")
    ax.legend()
    return TangentPlot(ax, curve, tangent_line, point, secant_line, marker, slope, secant_slope, step)


class SurfacePlot(NamedTuple):
    """What :func:`surface` drew: the Axes, the surface (or contour set) and the grid."""

    ax: Any
    artist: Any
    X: np.ndarray
    Y: np.ndarray
    Z: np.ndarray


def surface(f: Callable[[np.ndarray], float], xlim: Sequence[float] = (-3.0, 3.0),
            ylim: Sequence[float] = (-3.0, 3.0), *, num: int = 41, kind: str = "surface",
            ax: Optional[Axes] = None) -> SurfacePlot:
    """Draw a function of two variables as a 3-D surface or as contours.

    Parameters
    ----------
    f : callable
        ``f(p) -> float`` for ``p = np.array([x0, x1])``.
    xlim, ylim : (float, float)
        The ranges of ``x0`` and ``x1``.
    num : int
        Grid points along each axis.
    kind : {"surface", "contour"}
    ax : matplotlib Axes, optional
        A 3-D Axes for ``kind="surface"``.

    Returns
    -------
    SurfacePlot
    """
    if kind not in ("surface", "contour"):
        raise ValueError(f"kind must be 'surface' or 'contour', got {kind!r}")
    X, Y, Z = _grid(f, xlim, ylim, num)
    if kind == "surface":
        ax = _axes(ax, "3d")
        artist = ax.plot_surface(X, Y, Z, cmap="viridis", linewidth=0, antialiased=True)
        ax.set_zlabel("f(x0, x1)")
    else:
        ax = _axes(ax)
        artist = ax.contour(X, Y, Z, levels=15, cmap="viridis")
        ax.clabel(artist, fontsize=7)
        ax.set_aspect("equal")
    ax.set_xlabel("x0")
    ax.set_ylabel("x1")
    return SurfacePlot(ax, artist, X, Y, Z)


class FieldPlot(NamedTuple):
    """What :func:`gradient_field` drew: the Axes, the quiver, the points and the arrows
    (U, V: minus the gradient, as computed by fdgrad, unless ``descent=False``)."""

    ax: Any
    quiver: Any
    X: np.ndarray
    Y: np.ndarray
    U: np.ndarray
    V: np.ndarray


def gradient_field(f: Callable[[np.ndarray], float], xlim: Sequence[float] = (-2.0, 2.5),
                   ylim: Sequence[float] = (-2.0, 2.5), *, num: int = 18, descent: bool = True,
                   ax: Optional[Axes] = None, **options: Any) -> FieldPlot:
    """Draw the gradient of a function of two variables as a field of arrows.

    The seed texts' figure: at a grid of points, the arrow ``-gradient(f, p)``
    (``descent=True``) points downhill, towards the minimum, and is longer
    where the slope is steeper.

    Parameters
    ----------
    f : callable
        ``f(p) -> float`` for ``p = np.array([x0, x1])``.
    xlim, ylim : (float, float)
        The ranges of ``x0`` and ``x1`` (the seed's figure: -2 to 2.5).
    num : int
        Arrows along each axis.
    descent : bool
        Draw minus the gradient (downhill), or the gradient itself.
    ax : matplotlib Axes, optional
    **options
        Passed to :func:`fdgrad.gradient` (``h``, ``method``, ``order``, ...).

    Returns
    -------
    FieldPlot
    """
    ax = _axes(ax)
    X, Y = np.meshgrid(np.linspace(*xlim, num), np.linspace(*ylim, num))
    grads = np.array([fdgrad.gradient(f, np.array([x, y]), **options)
                      for x, y in zip(X.reshape(-1), Y.reshape(-1))])
    sign = -1.0 if descent else 1.0
    U, V = sign * grads[:, 0].reshape(X.shape), sign * grads[:, 1].reshape(X.shape)
    quiver = ax.quiver(X, Y, U, V, np.hypot(U, V), angles="xy", cmap="viridis")
    ax.set_xlabel("x0")
    ax.set_ylabel("x1")
    ax.set_aspect("equal")
    ax.grid(True, alpha=0.3)
    return FieldPlot(ax, quiver, X, Y, U, V)


class DescentPlot(NamedTuple):
    """What :func:`descent_path` drew: the Axes, the path's line, the contours, and the path."""

    ax: Any
    line: Any
    contours: Any
    path: np.ndarray


def descent_path(f: Callable[[np.ndarray], float], path: Any, *, xlim: Optional[Sequence[float]] = None,
                 ylim: Optional[Sequence[float]] = None, num: int = 81,
                 ax: Optional[Axes] = None) -> DescentPlot:
    """Draw the iterates of a gradient descent over the contours of f.

    Parameters
    ----------
    f : callable
        ``f(p) -> float`` for ``p = np.array([x0, x1])``.
    path : array_like
        The iterates, shape ``(k, 2)``: the ``path`` of
        ``fdgrad.gradient_descent(f, x0, ..., history=True)``.
    xlim, ylim : (float, float), optional
        The ranges drawn; by default the path's, with a margin.
    num : int
        Grid points along each axis for the contours.
    ax : matplotlib Axes, optional

    Returns
    -------
    DescentPlot
    """
    path = np.asarray(path, dtype=float)
    if path.ndim != 2 or path.shape[1] != 2:
        raise ValueError(f"path must have shape (k, 2), the iterates of a descent in two variables, got "
                         f"{path.shape}")
    ax = _axes(ax)
    span = np.maximum(np.ptp(path, axis=0), 1.0)
    lo, hi = path.min(axis=0) - 0.25 * span, path.max(axis=0) + 0.25 * span
    xlim = (lo[0], hi[0]) if xlim is None else xlim
    ylim = (lo[1], hi[1]) if ylim is None else ylim
    X, Y, Z = _grid(f, xlim, ylim, num)
    contours = ax.contour(X, Y, Z, levels=12, colors="0.6", linestyles="dashed", linewidths=0.8)
    (line,) = ax.plot(path[:, 0], path[:, 1], "o-", markersize=4, label=f"{len(path) - 1} steps")
    ax.plot(path[0, 0], path[0, 1], "s", color=line.get_color())
    ax.set_xlabel("x0")
    ax.set_ylabel("x1")
    ax.set_aspect("equal")
    ax.legend()
    return DescentPlot(ax, line, contours, path)


class StepErrorPlot(NamedTuple):
    """What :func:`step_error` drew: the Axes, a line per method over the steps, and the marks of
    the default step, order 4 and adaptive, each ``(step, error)``."""

    ax: Any
    lines: dict
    steps: np.ndarray
    errors: dict
    marks: dict


def step_error(f: Callable[[float], float], x: float, df: Optional[Callable[[float], float]] = None, *,
               steps: Optional[Sequence[float]] = None, ax: Optional[Axes] = None) -> StepErrorPlot:
    """Draw the error of finite differences against the step h, on log axes.

    Large steps lose to truncation (the error falls as h for forward, h**2
    for central differences), small ones to rounding (it grows as eps/h): the
    V shows why the default step sits where it does.  The default central
    step, ``order=4``'s and ``adaptive=True``'s result are marked.

    Parameters
    ----------
    f : callable
        A function of one variable, called with numbers.
    x : float
    df : callable, optional
        The exact derivative; by default fdgrad's adaptive estimate stands
        in for it.
    steps : sequence of float, optional
        The steps; by default 10**-16 to 10**0.
    ax : matplotlib Axes, optional

    Returns
    -------
    StepErrorPlot
        ``errors`` maps "forward" and "central" to the errors at ``steps``;
        ``marks`` maps "default", "order=4" and "adaptive" to (step, error).
    """
    ax = _axes(ax)
    x = float(x)
    truth = float(df(x)) if df is not None else float(fdgrad.derivative(f, x, adaptive=True))
    hs = np.logspace(-16, 0, 81) if steps is None else np.asarray(steps, dtype=float)
    errors, lines = {}, {}
    with np.errstate(all="ignore"):
        for method in ("forward", "central"):
            errs = np.array([abs(float(fdgrad.derivative(f, x, h=float(h), method=method)) - truth) for h in hs])
            errors[method] = errs
            (lines[method],) = ax.loglog(hs, np.maximum(errs, 1e-300), label=f"{method} differences")
    marks = {}
    value, info = fdgrad.derivative(f, x, full_output=True)
    marks["default"] = (float(info.step), abs(float(value) - truth))
    value, info = fdgrad.derivative(f, x, order=4, full_output=True)
    marks["order=4"] = (float(info.step), abs(float(value) - truth))
    value, info = fdgrad.derivative(f, x, adaptive=True, full_output=True)
    marks["adaptive"] = (float(info.step), abs(float(value) - truth))
    floor = 1e-17 * max(1.0, abs(truth))
    for (label, (step, err)), style in zip(marks.items(), ("o", "s", "*")):
        ax.loglog([step], [max(err, floor)], style, markersize=9, label=f"{label}: h = {step:.1e}, error {err:.1e}")
    ax.set_xlabel("step h")
    ax.set_ylabel("|error|")
    ax.legend(fontsize=8)
    ax.grid(True, which="major", alpha=0.3)
    return StepErrorPlot(ax, lines, hs, errors, marks)


#: keep matplotlib referenced (imported above for the clear error when it is missing)
_MATPLOTLIB_VERSION = matplotlib.__version__
