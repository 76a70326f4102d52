"""The command line: ``fdgrad demo`` (or ``python -m fdgrad demo``) walks through the
textbook examples, ``fdgrad bench`` measures fdgrad against its peers, ``fdgrad info``
names the version and backend.

Each example shows the fdgrad call, its result, the exact value and the error,
so a reader of the textbooks can see every figure they print come out again.
Output folders (``--plots DIR``, ``--out DIR``) are checked before any work:
a bad one is a usage error (exit status 2), as argparse gives.
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

import fdgrad


def _shown(value: Any) -> str:
    """Every digit of a float or of an array's floats (what the textbooks print)."""
    return repr(np.asarray(value, dtype=float).tolist())


def _row(call: str, value: Any, exact: Any) -> str:
    """The call, then its result, the exact value and the error on lines of their own (so that
    long values never break the alignment)."""
    error = float(np.max(np.abs(np.asarray(value, dtype=float) - np.asarray(exact, dtype=float))))
    return f"  {call}\n      fdgrad {_shown(value)}\n      exact  {_shown(exact)}\n      error  {error:.1e}"


def _softmax(a: np.ndarray) -> np.ndarray:
    e = np.exp(a - np.max(a))
    return e / np.sum(e)


def demo(out: Callable[[str], None] = print) -> None:
    """Print every example of the textbooks with fdgrad's result and the exact value."""
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
        out(f"      (estimated error {info.error:.1e}, from {info.nfev} evaluations)")


def plots(directory: str, out: Callable[[str], None] = print) -> list[str]:
    """Write the textbooks' pictures, drawn by fdgrad.plot from fdgrad's results, as PNG files
    (1280 x 960 pixels) into directory (made if missing); returns their paths."""
    try:
        from matplotlib.figure import Figure  # drawn without pyplot: no display needed
    except ImportError:
        raise SystemExit(_NO_MATPLOTLIB) from None

    import fdgrad.plot as fplot

    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)

    def function_1(x: float) -> float:
        return 0.01 * x**2 + 0.1 * x

    def function_2(x: np.ndarray) -> float:
        return float(x[0] ** 2 + x[1] ** 2)

    written = []

    def save(name: str, title: str, draw: Callable[[Any], Any], projection: str | None = None,
             size: tuple[float, float] = (6.4, 4.8)) -> None:
        fig = Figure(figsize=size, layout="constrained")
        ax = fig.add_subplot(projection=projection) if projection else fig.add_subplot()
        draw(ax)
        ax.set_title(title)
        path = folder / name
        fig.savefig(path, dpi=200)
        written.append(str(path))
        out(f"  wrote {path}")

    out(f"The textbooks' pictures, drawn by fdgrad.plot from fdgrad's results, into {folder}{os.sep}")
    save("tangent.png", r"$f(x) = 0.01x^2 + 0.1x$ and its tangent at $x = 5$",
         lambda ax: fplot.tangent(function_1, 5.0, xlim=(0.0, 20.0), ax=ax))
    save("secant.png", "The secant a forward difference measures, beside the tangent",
         lambda ax: fplot.tangent(function_1, 5.0, xlim=(0.0, 20.0), secant=True, h=4.0, ax=ax))
    save("surface.png", r"$f(x_0, x_1) = x_0^2 + x_1^2$",
         lambda ax: fplot.surface(function_2, (-3.0, 3.0), (-3.0, 3.0), ax=ax), projection="3d")
    save("gradient_field.png", r"$-\nabla f$ points to the minimum, longer where $f$ is steeper",
         lambda ax: fplot.gradient_field(function_2, (-2.0, 2.0), (-2.0, 2.0), ax=ax, h=1e-4))
    path = fdgrad.gradient_descent(function_2, np.array([-3.0, 4.0]), lr=0.1, step_num=20, h=1e-4, history=True)[1]
    save("descent_path.png", r"gradient_descent from $(-3, 4)$, lr = 0.1, 20 steps",
         lambda ax: fplot.descent_path(function_2, path, ax=ax))
    save("step_error.png", r"Error of $\frac{d}{dx}x^3$ at $x = 2$ against the step $h$",
         lambda ax: fplot.step_error(lambda x: x**3, 2.0, lambda x: 3 * x**2, ax=ax))
    return written


_NO_MATPLOTLIB = '--plots needs matplotlib, which is not installed: pip install "fdgrad[plot]"'


def output_folder(value: str) -> Path:
    """A folder to write into, tried: made if missing (with its parents) and a file written and
    removed there, then the folders made removed again, so that anything that would stop the
    writing later (an existing file, a path below a file, a read-only or virtual file system, a
    symlink loop, a name too long) is an argparse.ArgumentTypeError now, saying why, before
    any work is done, and nothing is left behind."""
    if not value.strip():
        raise argparse.ArgumentTypeError("a folder is needed, got an empty name")
    try:
        return _writable_folder(value)
    except OSError as exc:  # (a name too long, a symlink loop: from the checks themselves)
        raise argparse.ArgumentTypeError(f"{value[:80]!r} cannot be used: {exc.strerror or exc}") from None


def _writable_folder(value: str) -> Path:
    import tempfile

    path = Path(value)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{value!r} exists and is not a folder")
    parent = path.absolute().parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if parent.exists() and not parent.is_dir():
        raise argparse.ArgumentTypeError(f"{value!r} cannot be made: {str(parent)!r} is not a folder")
    if not os.access(path if path.exists() else parent, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"{value!r} is not writable" if path.exists() else
                                         f"{value!r} cannot be made: {str(parent)!r} is not writable")
    made = []  # the folders this makes, deepest first (removed again below, whatever happens)
    for folder in [path.absolute(), *path.absolute().parents]:
        try:
            if os.path.lexists(folder):
                break
        except OSError:
            pass
        made.append(folder)
    try:
        for folder in reversed(made):
            folder.mkdir()
        path.mkdir(exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".fdgrad-", suffix=".probe"):
            pass
    except OSError as exc:
        raise argparse.ArgumentTypeError(f"{value!r} cannot be written to: {exc.strerror or exc}") from None
    finally:
        for folder in made:  # made again when written into: nothing is left if the command stops
            try:
                folder.rmdir()
            except OSError:  # (not made: its name too long, say)
                continue
    return path


def _program() -> str:
    """How the user called this: "fdgrad" (the console script) or "python -m fdgrad"."""
    name = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else ""
    return "python -m fdgrad" if name in ("", "__main__.py", "-c") else name


class _Parser(argparse.ArgumentParser):
    """argparse's parser, whose help and version texts do not hide a failed write (argparse's own
    drops the OSError: a --help into a full disk would exit 0)."""

    def _print_message(self, message: str, file: Any = None) -> None:
        if message:
            (file or sys.stderr).write(message)


def parser(prog: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser."""
    prog = prog or _program()
    top = _Parser(
        prog=prog,
        description="fdgrad: derivatives, gradients, Jacobians and Hessians by finite differences. "
                    "The commands below show the textbook examples, draw their pictures and "
                    "measure fdgrad against its peers.",
        epilog=f"Examples: {prog} demo; {prog} demo --plots pictures; {prog} bench --quick",
    )
    top.add_argument("--version", action="version", version=f"fdgrad {fdgrad.__version__}")
    sub = top.add_subparsers(dest="command", required=True, metavar="{demo,bench,info}")
    demo_parser = sub.add_parser(
        "demo", help="walk through the textbook examples, each beside its exact value",
        description="Print every example of the two textbook chapters fdgrad follows (derivatives, partial "
                    "derivatives, gradients and gradient descent, with their numerical_diff, "
                    "numerical_gradient and gradient_descent), each computed by fdgrad beside its exact "
                    "value and error.")
    demo_parser.add_argument("--plots", metavar="DIR", type=output_folder,
                             help="also draw the textbooks' pictures (a tangent, a secant, a surface, a gradient "
                                  "field, a descent path, the error against the step) as PNG files into DIR, "
                                  "made if missing; needs matplotlib")
    bench_parser = sub.add_parser(
        "bench", help="time and accuracy of fdgrad against the textbook loop, SciPy and numdifftools",
        description="Measure fdgrad on this machine against the textbook's loop, SciPy and numdifftools "
                    "(those installed; pip install \"fdgrad[bench]\" for all): speed ratios measured in "
                    "turns, and accuracy beside them.")
    bench_parser.add_argument("--quick", action="store_true", help="fewer, shorter samples (under a minute)")
    bench_parser.add_argument("--out", metavar="DIR", type=output_folder,
                              help="also write bench.md and bench.png into DIR, made if missing")
    sub.add_parser("info", help="print the version and the backend in use",
                   description="Print fdgrad's version and its backend: 'c' (the compiled kernels) or "
                               "'python' (the pure-Python fallback).")
    return top


def main(argv: Sequence[str] | None = None, prog: str | None = None) -> int:
    """Run the command line (argv: the arguments, sys.argv[1:] by default); the exit status."""
    command = parser(prog)
    args = command.parse_args(argv)
    if args.command == "demo":
        if args.plots is not None:
            try:
                import matplotlib  # noqa: F401  (checked before the demo's work)
            except ImportError:
                command.error(_NO_MATPLOTLIB)
        demo()
        if args.plots is not None:
            print()
            plots(str(args.plots))
    elif args.command == "bench":
        from fdgrad._bench import run

        run(args.quick, None if args.out is None else str(args.out))
    else:
        print(f"fdgrad {fdgrad.__version__}, backend {fdgrad.BACKEND!r}")
    return 0


def entry_point() -> int:
    """The console script and ``python -m fdgrad``: main(), quiet when the reader of its output
    goes away (``fdgrad demo | head``), and a one-line message, not a traceback, where the
    output cannot be written (a full disk, /dev/full)."""
    try:
        try:
            status = main()
        except SystemExit as exit:  # (--help, --version and usage errors: written, then exit)
            sys.stdout.flush()
            raise exit
        sys.stdout.flush()
        return status
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 141
    except OSError as exc:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        where = f": {exc.filename}" if exc.filename else " (standard output)"
        print(f"{_program()}: error: cannot write{where}: {exc.strerror or exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(entry_point())
