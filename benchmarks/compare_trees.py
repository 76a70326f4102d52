"""Every public fdgrad function timed in two source trees, interleaved in one run: is any call slower?

    python benchmarks/compare_trees.py OLD_REV [--new DIR] [--rounds R] [--quick] [--check]

The old tree is OLD_REV of the repository this script lives in, exported with
``git archive`` into a temporary folder (no worktree, no change to the
repository); the new tree is --new (default: this repository's work tree, as
it is now).  Both run the compiled backend: the extension ``_ckernels*.so``
that this interpreter imports (or, failing that, one in the new tree's
``build/``) is copied into the old tree's ``src/fdgrad/``, and given to the
new tree's worker if its ``src/fdgrad/`` has none.  A warning says so when the
kernels' sources differ between the trees (then one .so serves both anyway).

Each of R rounds runs one worker subprocess per tree, in alternating order
(old then new, new then old, ...), each as ``PYTHONPATH=<tree>/src python
compare_trees.py --worker <tree>/src``.  A worker drops any import hook that
answers for fdgrad (an editable install's redirecting finder, which ignores
PYTHONPATH), imports fdgrad, checks that fdgrad and every fdgrad module it
loaded come from its tree (and ``BACKEND == "c"``), and prints them with its
times as JSON.  It times one typical call of every public function -- the
calls of bench_calls.py, plus Gradient(f)(x) and the other callables,
adaptive derivative and gradient, a sparse Jacobian, a bounded Hessian, a
gradient on two threads, group_columns -- using only fdgrad's public names,
so that it runs against any tree.  Each call gets a loop count that makes one
sample last --min-time, then the calls are sampled in turns, garbage
collector and warnings off; the timing loop is this script's (not
fdgrad._bench's, which belongs to the trees being compared).  A call's time
per tree is its fastest sample over all samples and rounds; the difference
between the best of a tree's even and odd rounds is shown as the noise.

The output is a Markdown table, call | old | new | new/old, and a line naming
the calls more than 5% slower (the noise margin on a shared machine); calls
whose results differ bit for bit between the trees, or that fail in one tree,
are named too.  The exit status is 0, or with --check 1 when a call is more
than 10% slower or fails only in the new tree.  The temporary tree is removed
at exit.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import importlib.machinery
import importlib.util
import io
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
import warnings
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Optional

import numpy as np

HERE = Path(__file__).resolve()
MARKER = "COMPARE_TREES_JSON "
NOISE = 1.05  # reported as slower above this
LIMIT = 1.10  # --check fails above this
KERNEL_SOURCES = ("src/fdgrad/_ckernels.pyx", "src/fdgrad/_cfdgrad.pxd", "csrc", "CMakeLists.txt")


# The worker's calls: bench_calls.py's fdgrad calls, and a few more.

def function_1(x):
    return 0.01*x**2 + 0.1*x


def function_2(x):
    return x[0]**2 + x[1]**2


def power3(x): return x**3
def f_partial(p): return p[0]*p[0] + p[1]*p[1]
def vec2(p): return np.array([p[0]*p[1], p[0] + 2*p[1]])
def grad_2(p): return np.array([2*p[0], 2*p[1]])
def sumsq(x): return x @ x


def tridiagonal(p):
    out = p**2
    out[1:] += 0.5 * p[:-1]
    out[:-1] += 0.25 * p[1:]
    return out


def calls(fd: ModuleType) -> dict[str, Callable[[], Any]]:
    """call -> a function of no arguments making it on fd (fdgrad, from whichever tree)."""
    x2, init = np.array([3.0, 4.0]), np.array([-3.0, 4.0])
    p, v = [3.0, 4.0], [1.0, 0.0]
    x100, x1000 = (np.random.default_rng(n).uniform(-2.0, 2.0, n) for n in (100, 1000))
    x50 = np.linspace(-1.0, 1.0, 50)
    pattern = np.eye(50, dtype=bool) | np.eye(50, k=1, dtype=bool) | np.eye(50, k=-1, dtype=bool)
    box = ([3.0, 0.0], [10.0, 10.0])  # x[0] on its lower bound: the one-sided Hessian
    return {
        "numerical_diff(function_1, 5)": lambda: fd.numerical_diff(function_1, 5),
        'derivative(power3, 2, h=0.001, method="forward")':
            lambda: fd.derivative(power3, 2, h=0.001, method="forward"),
        "derivative(power3, 2, adaptive=True)": lambda: fd.derivative(power3, 2, adaptive=True),
        'partial(f, [1, 3], 0, h=0.01, method="forward")':
            lambda: fd.partial(f_partial, [1, 3], 0, h=0.01, method="forward"),
        "numerical_gradient(function_2, np.array([3., 4.]))": lambda: fd.numerical_gradient(function_2, x2),
        "gradient(function_2, np.array([3., 4.]))": lambda: fd.gradient(function_2, x2),
        "gradient(function_2, np.array([3., 4.]), adaptive=True)":
            lambda: fd.gradient(function_2, x2, adaptive=True),
        "Gradient(function_2)(np.array([3., 4.]))": lambda: fd.Gradient(function_2)(x2),
        "gradient(x @ x, x), n = 100": lambda: fd.gradient(sumsq, x100),
        "gradient(x @ x, x), n = 1000": lambda: fd.gradient(sumsq, x1000),
        "gradient(x @ x, x, workers=2), n = 1000": lambda: fd.gradient(sumsq, x1000, workers=2),
        "jacobian(vec2, [3., 4.], h=1e-4)": lambda: fd.jacobian(vec2, p, h=1e-4),
        "jacobian(tridiagonal, x, sparsity=S), n = 50": lambda: fd.jacobian(tridiagonal, x50, sparsity=pattern),
        "group_columns(S), n = 50": lambda: fd.group_columns(pattern),
        "hessian(function_2, [3., 4.], h=1e-4)": lambda: fd.hessian(function_2, p, h=1e-4),
        "hessian(function_2, [3., 4.], bounds=([3, 0], [10, 10]))": lambda: fd.hessian(function_2, p, bounds=box),
        "hessian_diag(function_2, [3., 4.], h=1e-4)": lambda: fd.hessian_diag(function_2, p, h=1e-4),
        "directional(function_2, [3., 4.], [1., 0.], h=1e-4)": lambda: fd.directional(function_2, p, v, h=1e-4),
        "check_grad(function_2, grad, [3., 4.])": lambda: fd.check_grad(function_2, grad_2, p),
        "gradient_descent(function_2, np.array([-3., 4.]), lr=0.1, step_num=100, h=1e-4)":
            lambda: fd.gradient_descent(function_2, init, lr=0.1, step_num=100, h=1e-4),
        "Derivative(power3)(2.)": lambda: fd.Derivative(power3)(2.0),
        "Jacobian(vec2)([3., 4.])": lambda: fd.Jacobian(vec2)(p),
        "Hessian(function_2)([3., 4.])": lambda: fd.Hessian(function_2)(p),
        "Hessdiag(function_2)([3., 4.])": lambda: fd.Hessdiag(function_2)(p),
    }


# Public names that are not functions to time: result types, the warning, a context manager.
NOT_TIMED = {"ColumnGroups", "DescentInfo", "DiffInfo", "GradCheck", "UnchangingWarning", "on_nonfinite"}


# The worker.

class PinnedExtension:
    """An import hook that takes one extension module from a given file."""

    def __init__(self, name: str, path: str) -> None:
        self.name, self.path = name, path

    def find_spec(self, fullname: str, path: Any = None,
                  target: Any = None) -> Optional[importlib.machinery.ModuleSpec]:
        if fullname != self.name:
            return None
        return importlib.util.spec_from_file_location(fullname, self.path)


def inside(path: Optional[str], folder: Path) -> bool:
    return path is not None and Path(path).resolve().is_relative_to(folder)


def isolate(ckernels: Optional[str]) -> None:
    """Make `import fdgrad` take the package on PYTHONPATH (the tree's src/), by the standard path search.

    Any other import hook that answers for fdgrad (an editable install's
    redirecting finder, which would take it from the installed tree whatever
    PYTHONPATH says) is dropped, in both trees' workers alike."""
    standard = (importlib.machinery.BuiltinImporter, importlib.machinery.FrozenImporter,
                importlib.machinery.PathFinder)
    for finder in list(sys.meta_path):
        if finder in standard or not hasattr(finder, "find_spec"):
            continue
        try:
            spec = finder.find_spec("fdgrad", None)
        except Exception:  # noqa: BLE001 - a hook that cannot answer does not take fdgrad
            spec = None
        if spec is not None:
            sys.meta_path.remove(finder)
    if ckernels:
        sys.meta_path.insert(0, PinnedExtension("fdgrad._ckernels", ckernels))


def digest(result: Any) -> str:
    """A hash of a result, bit for bit: arrays by their bytes, floats by their hex."""
    parts: list[str] = []

    def walk(obj: Any) -> None:
        if isinstance(obj, (np.ndarray, np.generic, float, int, complex)) and not isinstance(obj, bool):
            a = np.asarray(obj)
            parts.append(f"{a.dtype.str}{a.shape}{a.tobytes().hex()}")
        elif isinstance(obj, (tuple, list)):
            parts.append(f"{type(obj).__name__}[")
            for item in obj:
                walk(item)
            parts.append("]")
        elif hasattr(obj, "__dataclass_fields__"):
            for name in obj.__dataclass_fields__:
                walk(getattr(obj, name))
        else:
            parts.append(repr(obj))

    walk(result)
    return hashlib.sha1("".join(parts).encode()).hexdigest()[:16]


def worker(src: Path, ckernels: Optional[str], samples: int, min_time: float) -> int:
    isolate(ckernels)
    import fdgrad

    package = src / "fdgrad"
    loaded = {name: getattr(module, "__file__", None) for name, module in list(sys.modules.items())
              if name == "fdgrad" or name.startswith("fdgrad.")}
    pinned = Path(ckernels).resolve() if ckernels else None
    strays = {name: path for name, path in loaded.items()
              if not inside(path, package) and not (pinned and path and Path(path).resolve() == pinned)}
    if not inside(fdgrad.__file__, package) or strays:
        raise SystemExit(f"fdgrad was not imported from {package}: fdgrad.__file__ = {fdgrad.__file__}, "
                         f"from elsewhere: {strays}")
    if fdgrad.BACKEND != "c":
        raise SystemExit(f"fdgrad from {package} runs BACKEND = {fdgrad.BACKEND!r}, not 'c'")

    fns = calls(fdgrad)
    order = list(fns)
    errors, digests = {}, {}
    warnings.simplefilter("ignore")
    for name, fn in list(fns.items()):
        try:
            digests[name] = digest(fn())
        except Exception as exc:  # noqa: BLE001 - a call this tree does not support is reported, not timed
            errors[name] = f"{type(exc).__name__}: {exc}"
            del fns[name]
    from fdgrad._bench import loops, sample  # the bench command's timing loop, the same in both trees

    numbers = {name: loops(fn, min_time)[0] for name, fn in fns.items()}
    best = {name: float("inf") for name in fns}
    gc.collect()
    gc.disable()
    try:
        for _ in range(samples):
            for name, fn in fns.items():
                best[name] = min(best[name], sample(fn, numbers[name]))
    finally:
        gc.enable()
    public = set(getattr(fdgrad, "__all__", []))
    covered = {name.split("(")[0] for name in order}
    print(MARKER + json.dumps({
        "file": fdgrad.__file__, "ckernels": loaded.get("fdgrad._ckernels"), "backend": fdgrad.BACKEND,
        "version": getattr(fdgrad, "__version__", "?"), "times": best, "errors": errors, "digests": digests,
        "calls": order, "untimed": sorted(public - covered - NOT_TIMED),
    }), flush=True)
    return 0


# The driver.

def git(repo: Path, *args: str, binary: bool = False) -> Any:
    out = subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=not binary)
    return out.stdout


def export(repo: Path, sha: str, target: Path) -> Path:
    """OLD_REV's src/ as files in target; returns target / "src"."""
    archive = git(repo, "archive", "--format=tar", sha, "src", binary=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        if hasattr(tarfile, "data_filter"):
            tar.extractall(target, filter="data")
        else:
            tar.extractall(target)
    return target / "src"


def extension(repo: Path, new: Path) -> Path:
    """The compiled _ckernels this interpreter imports, else the newest in the new tree's (or this one's) build/."""
    try:
        spec = importlib.util.find_spec("fdgrad._ckernels")
    except Exception:  # noqa: BLE001 - the current fdgrad may not import mid-refactor: ask the import hooks
        spec = None
        for finder in sys.meta_path:
            try:
                spec = finder.find_spec("fdgrad._ckernels", None)
            except Exception:  # noqa: BLE001
                continue
            if spec is not None:
                break
    if spec is not None and spec.origin and Path(spec.origin).is_file():
        return Path(spec.origin)
    for root in dict.fromkeys((new, repo)):
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            found = sorted((root / "build").rglob(f"_ckernels{suffix}"), key=lambda p: p.stat().st_mtime)
            if found:
                return found[-1]
    raise SystemExit("no compiled fdgrad._ckernels found: install fdgrad (pip install -e .) or build it into build/")


def in_tree(src: Path) -> Optional[Path]:
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        path = src / "fdgrad" / f"_ckernels{suffix}"
        if path.is_file():
            return path
    return None


def kernels_differ(repo: Path, sha: str, new: Path) -> list[str]:
    """The kernel sources that differ between OLD_REV and the new tree (of those the new tree has)."""
    present = [name for name in KERNEL_SOURCES if (new / name).exists()]
    old = set(git(repo, "ls-tree", "-r", "--name-only", sha, "--", *present).split()) if present else set()
    mine = set()
    for name in present:
        path = new / name
        if path.is_file():
            mine.add(name)
        else:
            mine.update(p.relative_to(new).as_posix() for p in path.rglob("*") if p.is_file())
    differ = sorted(old ^ mine)
    for name in sorted(old & mine):
        if git(repo, "show", f"{sha}:{name}", binary=True) != (new / name).read_bytes():
            differ.append(name)
    return differ


def run_worker(src: Path, ckernels: Optional[Path], args: argparse.Namespace, pycache: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "FDGRAD_PUREPYTHON", "PYTHONHOME")}
    env.update(PYTHONPATH=str(src), PYTHONPYCACHEPREFIX=str(pycache))
    command = [sys.executable, str(HERE), "--worker", str(src), "--samples", str(args.samples),
               "--min-time", str(args.min_time)]
    if ckernels is not None:
        command += ["--ckernels", str(ckernels)]
    out = subprocess.run(command, env=env, cwd=pycache, capture_output=True, text=True, timeout=900)
    lines = [line for line in out.stdout.splitlines() if line.startswith(MARKER)]
    if out.returncode != 0 or not lines:
        raise SystemExit(f"the worker for {src} failed (exit {out.returncode}; is the tree being edited?):\n"
                         f"{out.stdout}{out.stderr}")
    result = json.loads(lines[-1][len(MARKER):])
    if not inside(result["file"], src / "fdgrad"):  # the worker checks it too
        raise SystemExit(f"the worker for {src} imported fdgrad from {result['file']}")
    return result


def fmt(seconds: Optional[float]) -> str:
    if seconds is None or seconds != seconds or seconds == float("inf"):
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def noise(runs: dict[str, list[dict]], names: list[str]) -> dict[str, float]:
    """call -> the largest relative difference, over the trees, between the best of its even and odd rounds."""
    spread: dict[str, float] = {}
    for results in runs.values():
        if len(results) < 2:
            continue
        for name in names:
            halves = [min(run["times"].get(name, float("inf")) for run in results[k::2]) for k in (0, 1)]
            if max(halves) < float("inf"):
                spread[name] = max(spread.get(name, 0.0), max(halves) / min(halves) - 1)
    return spread


def compare(repo: Path, sha: str, new: Path, args: argparse.Namespace, temp: Path) -> int:
    new_src = (new / "src").resolve()
    if not (new_src / "fdgrad" / "__init__.py").is_file():
        raise SystemExit(f"{new} has no src/fdgrad/__init__.py")
    so = extension(repo, new)
    old_src = export(repo, sha, temp / "old")
    shutil.copy2(so, old_src / "fdgrad" / so.name)
    new_so = None if in_tree(new_src) else so
    pycache = temp / "pycache"
    pycache.mkdir()
    differ = kernels_differ(repo, sha, new)

    subject = git(repo, "log", "-1", "--format=%h %s", sha).strip()
    print(f"old: {args.old_rev} = {subject[:100]}")
    print(f"new: {new}" + (" (work tree)" if new == repo else ""))
    print(f"compiled kernels: {so}; Python {platform.python_version()}, numpy {np.__version__}, "
          f"{platform.machine()}; {args.rounds} rounds x {args.samples} samples of >= {args.min_time * 1e3:g} ms")
    if differ:
        print(f"WARNING: the kernels' sources differ between the trees ({', '.join(differ)}); both run {so.name}")
    sys.stdout.flush()

    trees = {"old": (old_src, None), "new": (new_src, new_so)}
    runs: dict[str, list[dict]] = {"old": [], "new": []}
    start = time.perf_counter()
    for r in range(args.rounds):
        for label in (("old", "new") if r % 2 == 0 else ("new", "old")):
            runs[label].append(run_worker(*trees[label], args, pycache))
        print(f"  round {r + 1} of {args.rounds} done", file=sys.stderr, flush=True)
    for label in runs:
        first = runs[label][0]
        print(f"{label}: fdgrad {first['version']} from {first['file']}, BACKEND {first['backend']!r}, "
              f"_ckernels from {first['ckernels']}")
    print(f"(timed in {time.perf_counter() - start:.0f} s)\n")

    names = runs["new"][0]["calls"]
    best = {label: {name: min((run["times"].get(name, float("inf")) for run in results), default=float("inf"))
                    for name in names} for label, results in runs.items()}
    ratios: dict[str, float] = {}
    print("| call | old | new | new/old |")
    print("|---|---|---|---|")
    for name in names:
        old, now = best["old"][name], best["new"][name]
        if old < float("inf") and now < float("inf"):
            ratios[name] = now / old
        cell = f"{ratios[name]:.3f}" if name in ratios else "-"
        print(f"| `{name}` | {fmt(old)} | {fmt(now)} | {cell} |")

    old_errors, new_errors = runs["old"][0]["errors"], runs["new"][0]["errors"]
    broken = [name for name in new_errors if name not in old_errors]
    differ_results = [name for name in names if name in runs["old"][0]["digests"] and name in
                      runs["new"][0]["digests"] and runs["old"][0]["digests"][name] != runs["new"][0]["digests"][name]]
    print()
    for label, errors in (("old", old_errors), ("new", new_errors)):
        for name, message in errors.items():
            print(f"- fails in the {label} tree: `{name}`: {message}")
    if differ_results:
        print(f"- results differ between the trees (bit for bit): {', '.join(f'`{n}`' for n in differ_results)}")
    untimed = runs["new"][0]["untimed"]
    if untimed:
        print(f"- public names of the new tree not timed: {', '.join(untimed)}")
    spread = noise(runs, names)
    if spread:
        worst = max(spread, key=spread.__getitem__)
        print(f"- noise: the even and odd rounds of one tree differ by {sorted(spread.values())[len(spread) // 2]:.1%} "
              f"(median over calls and trees), at most {spread[worst]:.1%} (`{worst}`)"
              + (f"; above {NOISE - 1:.0%}, a quieter machine or more --rounds would help" if
                 spread[worst] > NOISE - 1 else ""))
    slower = {name: ratio for name, ratio in ratios.items() if ratio > NOISE}
    if slower:
        print(f"Slower by more than {NOISE - 1:.0%} (the noise margin): "
              + ", ".join(f"`{name}` ({ratio:.3f})" for name, ratio in sorted(slower.items(), key=lambda i: -i[1])))
    else:
        print(f"No call slower by more than {NOISE - 1:.0%} (the noise margin); worst new/old "
              f"{max(ratios.values(), default=float('nan')):.3f}.")
    failed = [name for name, ratio in ratios.items() if ratio > LIMIT] + broken
    if args.check and failed:
        print(f"--check: {len(failed)} call(s) more than {LIMIT - 1:.0%} slower or failing only in the new tree")
        return 1
    return 0


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old_rev", nargs="?", help="the old tree: a git revision of this repository")
    parser.add_argument("--new", type=Path, help="the new tree's root (default: this repository's work tree)")
    parser.add_argument("--rounds", type=int, help="worker runs per tree (default 16, --quick 6)")
    parser.add_argument("--samples", type=int, help="samples per call per worker (default 12, --quick 4)")
    parser.add_argument("--min-time", type=float, help="seconds per sample (default 0.005, --quick 0.002)")
    parser.add_argument("--quick", action="store_true", help="fewer rounds and samples, shorter samples")
    parser.add_argument("--check", action="store_true",
                        help=f"exit 1 if a call is more than {LIMIT - 1:.0%} slower, or fails only in the new tree")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)  # internal: time the fdgrad in this src/
    parser.add_argument("--ckernels", help=argparse.SUPPRESS)  # internal: the worker's fdgrad._ckernels file
    args = parser.parse_args(argv)
    args.rounds = args.rounds or (6 if args.quick else 16)
    args.samples = args.samples or (4 if args.quick else 12)
    args.min_time = args.min_time or (0.002 if args.quick else 0.005)
    if args.worker is not None:
        return worker(args.worker.resolve(), args.ckernels, args.samples, args.min_time)
    if args.old_rev is None:
        parser.error("OLD_REV is required")

    repo = Path(git(HERE.parent, "rev-parse", "--show-toplevel").strip()).resolve()
    try:
        sha = git(repo, "rev-parse", "--verify", "--quiet", f"{args.old_rev}^{{commit}}").strip()
    except subprocess.CalledProcessError:
        parser.error(f"{args.old_rev!r} is not a revision of {repo}")
    new = (args.new or repo).resolve()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that the temporary tree is removed
    with tempfile.TemporaryDirectory(prefix="fdgrad-compare-") as temp:
        return compare(repo, sha, new, args, Path(temp))


if __name__ == "__main__":
    sys.exit(main())
