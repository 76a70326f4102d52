"""Command line: ``python -m fdgrad demo [--plots DIR]`` walks through the textbook examples;
``python -m fdgrad bench [--quick] [--out DIR]`` measures fdgrad against its peers.

Each line shows the fdgrad call, its result, the analytic value and the error,
so a reader of the textbooks can see every figure they print come out again.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from typing import Any, Callable, Sequence

import numpy as np

import fdgrad


def _shown(value: Any) -> str:
    """Every digit of a float or of an array's floats (what the textbooks print)."""
    return repr(np.asarray(value, dtype=float).tolist())


def _row(call: str, value: Any, exact: Any) -> str:
    error = float(np.max(np.abs(np.asarray(value, dtype=float) - np.asarray(exact, dtype=float))))
    return f"  {call}\n      fdgrad {_shown(value):<40} exact {_shown(exact):<12} error {error:.1e}"


def _softmax(a: np.ndarray) -> np.ndarray:
    e = np.exp(a - np.max(a))
    return e / np.sum(e)


def demo(out: Callable[[str], None] = print) -> None:
    """Print every example of the seed texts with fdgrad's result and the exact value."""
    out(f"fdgrad {fdgrad.__version__}, backend {fdgrad.BACKEND!r}\n")

    out("1. Derivatives by forward differences, dx = 0.001: (f(x+dx) - f(x)) / dx")
    for text, f, df, points in [
        ("x**3", lambda x: x**3, lambda x: 3 * x**2, (2,)),
        ("x*x", lambda x: x * x, lambda x: 2 * x, (2,)),
        ("x*x*x", lambda x: x * x * x, lambda x: 3 * x * x, (1, 2)),
        ("3*x", lambda x: 3 * x, lambda x: 3, (1, 2)),
    ]:
        for x in points:
            call = f"derivative(lambda x: {text}, {x}, h=0.001, method='forward')"
            out(_row(call, fdgrad.derivative(f, x, h=0.001, method="forward"), df(x)))

    out("\n2. Partial derivatives and the gradient of x*x + y*y at (1, 3), forward, step 0.01")

    def f_xy(p: np.ndarray) -> float:
        [x, y] = p
        return x * x + y * y

    for i in (0, 1):
        call = f"partial(f, [1, 3], {i}, h=0.01, method='forward')"
        out(_row(call, fdgrad.partial(f_xy, [1, 3], i, h=0.01, method="forward"), [2.0, 6.0][i]))
    out(_row("gradient(f, [1, 3], h=0.01, method='forward')", fdgrad.gradient(f_xy, [1, 3], h=0.01, method="forward"), [2.0, 6.0]))

    out("\n3. numerical_diff (central, h = 1e-4) of 0.01 x**2 + 0.1 x")
    for x, exact in ((5, 0.2), (10, 0.3)):
        call = f"numerical_diff(lambda x: 0.01*x**2 + 0.1*x, {x})"
        out(_row(call, fdgrad.numerical_diff(lambda x: 0.01 * x**2 + 0.1 * x, x), exact))

    out("\n4. Partial derivatives of x0**2 + x1**2 at (3, 4), as functions of one variable")
    out(_row("numerical_diff(lambda x0: x0*x0 + 4.0**2.0, 3.0)", fdgrad.numerical_diff(lambda x0: x0 * x0 + 4.0**2.0, 3.0), 6.0))
    out(_row("numerical_diff(lambda x1: 3.0**2.0 + x1*x1, 4.0)", fdgrad.numerical_diff(lambda x1: 3.0**2.0 + x1 * x1, 4.0), 8.0))

    def function_2(x: np.ndarray) -> float:
        return x[0] ** 2 + x[1] ** 2

    out("\n5. numerical_gradient (central, h = 1e-4) of x0**2 + x1**2")
    for point in ([3.0, 4.0], [0.0, 2.0], [3.0, 0.0]):
        call = f"numerical_gradient(function_2, np.array({point}))"
        out(_row(call, fdgrad.numerical_gradient(function_2, np.array(point)), 2 * np.array(point)))

    out("\n6. Gradient descent on x0**2 + x1**2 from (-3, 4), lr = 0.1, 100 steps")
    last = fdgrad.gradient_descent(function_2, np.array([-3.0, 4.0]), lr=0.1, step_num=100, h=1e-4)
    out(_row("gradient_descent(function_2, [-3.0, 4.0], lr=0.1, step_num=100, h=1e-4)", last, [0.0, 0.0]))
    out(f"  printed by numpy: {last!r}")

    out("\n7. Neural network: dL/dW for a 2x3 weight matrix, softmax + cross-entropy loss")
    W = np.array([[0.47355232, 0.9977393, 0.84668094], [0.85557411, 0.03563661, 0.69422093]])
    xin, t = np.array([0.6, 0.9]), np.array([0.0, 0.0, 1.0])

    def loss(w: np.ndarray) -> float:
        return float(-np.sum(t * np.log(_softmax(xin @ w))))

    W_before = W.copy()
    dW = fdgrad.numerical_gradient(loss, W)
    exact_dW = np.outer(xin, _softmax(xin @ W) - t)
    out("  numerical_gradient(loss, W) =")
    out(textwrap.indent(np.array2string(dW, precision=10), "      "))
    out("  exact: outer(x, softmax(x @ W) - t) =")
    out(textwrap.indent(np.array2string(exact_dW, precision=10), "      "))
    out(f"  largest error {np.max(np.abs(dW - exact_dW)):.1e}; W unchanged: {np.array_equal(W, W_before)}")

    out("\n8. Beyond the textbook: where a fixed step fails, adaptive=True places its steps from the data")
    for text, f, df, x in [("np.log", np.log, lambda v: 1 / v, 1e-8), ("np.sin", np.sin, np.cos, 1e6)]:
        with np.errstate(all="ignore"):
            default = fdgrad.derivative(f, x)
        value, info = fdgrad.derivative(f, x, adaptive=True, full_output=True)
        out(_row(f"derivative({text}, {x:g})", default, df(x)))
        out(_row(f"derivative({text}, {x:g}, adaptive=True)", value, df(x)))
        out(f"      estimated error {info.error:.1e} from {info.nfev} evaluations")


def plots(directory: str, out: Callable[[str], None] = print) -> list[str]:
    """Write the seed texts' pictures, drawn by fdgrad.plot from fdgrad's results, as PNG files
    into directory (made if missing); returns their paths."""
    from pathlib import Path

    try:
        from matplotlib.figure import Figure  # drawn without pyplot: no display needed
    except ImportError:
        raise SystemExit('python -m fdgrad demo --plots needs matplotlib: pip install "fdgrad[plot]"') from None

    import fdgrad.plot as fplot

    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)

    def function_1(x: float) -> float:
        return 0.01 * x**2 + 0.1 * x

    def function_2(x: np.ndarray) -> float:
        return float(x[0] ** 2 + x[1] ** 2)

    written = []

    def save(name: str, title: str, draw: Callable[[Any], Any], projection: str | None = None) -> None:
        fig = Figure(figsize=(6.4, 4.8), layout="constrained")
        ax = fig.add_subplot(projection=projection) if projection else fig.add_subplot()
        draw(ax)
        ax.set_title(title)
        path = folder / name
        fig.savefig(path, dpi=100)
        written.append(str(path))
        out(f"  wrote {path}: {title}")

    out(f"Pictures of the seed texts' examples, drawn by fdgrad.plot, into {folder}/")
    save("tangent.png", "f(x) = 0.01 x^2 + 0.1 x and its tangent at x = 5",
         lambda ax: fplot.tangent(function_1, 5.0, xlim=(0.0, 20.0), ax=ax))
    save("secant.png", "The secant a forward difference measures, beside the tangent",
         lambda ax: fplot.tangent(function_1, 5.0, xlim=(0.0, 20.0), secant=True, h=4.0, ax=ax))
    save("surface.png", "f(x0, x1) = x0^2 + x1^2",
         lambda ax: fplot.surface(function_2, (-3.0, 3.0), (-3.0, 3.0), ax=ax), projection="3d")
    save("gradient_field.png", "-gradient(f) points to the minimum, longer where f is steeper",
         lambda ax: fplot.gradient_field(function_2, (-2.0, 2.5), (-2.0, 2.5), ax=ax, h=1e-4))
    path = fdgrad.gradient_descent(function_2, np.array([-3.0, 4.0]), lr=0.1, step_num=20, h=1e-4, history=True)[1]
    save("descent_path.png", "gradient_descent from (-3, 4), lr = 0.1, 20 steps",
         lambda ax: fplot.descent_path(function_2, path, xlim=(-3.5, 3.5), ylim=(-4.5, 4.5), ax=ax))
    save("step_error.png", "Error of d/dx x^3 at x = 2 against the step h",
         lambda ax: fplot.step_error(lambda x: x**3, 2.0, lambda x: 3 * x**2, ax=ax))
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fdgrad", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    demo_parser = sub.add_parser("demo", help="walk through the textbook examples, each beside its exact value")
    demo_parser.add_argument("--plots", metavar="DIR", help="also write the seed texts' pictures as PNG files into DIR "
                                                            "(needs matplotlib)")
    bench_parser = sub.add_parser("bench", help="fdgrad against the textbook loop, SciPy and numdifftools "
                                                 "(those installed): speed ratios and accuracy, on this machine")
    bench_parser.add_argument("--quick", action="store_true", help="fewer, shorter samples (under a minute)")
    bench_parser.add_argument("--out", metavar="DIR", help="also write bench.md and bench.png into DIR")
    sub.add_parser("info", help="print the version and the backend in use")
    args = parser.parse_args(argv)
    if args.command == "demo":
        demo()
        if args.plots:
            print()
            plots(args.plots)
    elif args.command == "bench":
        from fdgrad._bench import run

        run(args.quick, args.out)
    else:
        print(f"fdgrad {fdgrad.__version__}, backend {fdgrad.BACKEND!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
