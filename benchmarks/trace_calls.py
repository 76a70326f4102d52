"""How calls run down fdgrad's house: the changes of module in three traced calls.

    python benchmarks/trace_calls.py [--show] [--check]

Each call runs once to warm the caches, then once more under ``sys.setprofile``
on the pure-Python backend (``fdgrad.fallback``).  Every Python frame is put
in a box: its fdgrad module (``fdgrad._api``, ``fdgrad._steps``, ...), or
"kernels" for ``fdgrad._pykernels`` and the user's f together (the kernels and
f are one box); frames of other code (numpy, the standard library) belong to
the box of the frame that called them.  The trace is the sequence of boxes the
running frame is in, each change of box a *crossing*; a crossing into a box
that the trace had already left is a *return* (back and forth).  Only the
calling thread is traced.

The targets (issue 20): at most 12 crossings and 4 returns for
``numerical_gradient``, 25 and 10 for the adaptive gradient on two threads,
20 and 8 for the bounded sparse Jacobian.  ``--check`` exits 1 when a call
misses its target (CI runs it); ``--show`` prints each trace.
"""

from __future__ import annotations

import argparse
import sys
import threading
from typing import Any, Callable

import numpy as np

import fdgrad.fallback as fd

KERNELS = "kernels"


def _f2(p: Any) -> float:
    return float(p[0] ** 2 + p[1] ** 2 + p[2] * p[3])


def _tridiagonal(p: Any) -> Any:
    return p**2 + 0.5 * np.roll(p, 1) + 0.25 * np.roll(p, -1)


def _pattern(n: int) -> Any:
    return np.eye(n, dtype=bool) | np.eye(n, k=1, dtype=bool) | np.eye(n, k=-1, dtype=bool) | \
        np.eye(n, k=n - 1, dtype=bool) | np.eye(n, k=1 - n, dtype=bool)


def cases() -> list[tuple[str, Callable[[], Any], tuple[int, int], tuple[Callable, ...]]]:
    """(label, call, (most crossings, most returns), the user's functions in the call)."""
    x4 = np.array([1.0, -2.0, 0.5, 3.0])
    x6 = np.linspace(0.2, 1.2, 6)
    groups = _pattern(6)
    return [
        ("numerical_gradient(f, x), x float64 of size 4", lambda: fd.numerical_gradient(_f2, x4), (12, 4), (_f2,)),
        ("gradient(f, x, adaptive=True, workers=2), n = 4",
         lambda: fd.gradient(_f2, x4, adaptive=True, workers=2), (25, 10), (_f2,)),
        ("jacobian(f, x, sparsity=S, bounds=(lb, ub)), n = 6",
         lambda: fd.jacobian(_tridiagonal, x6, sparsity=groups, bounds=(0.0, 1.2)), (20, 8), (_tridiagonal,)),
    ]


def trace(call: Callable[[], Any], functions: tuple[Callable, ...]) -> list[tuple[str, str]]:
    """The crossings of one call: (caller's box, callee's box) for every call from one box into another."""
    user_codes = {f.__code__ for f in functions}
    boxes: dict[Any, str] = {}
    path: list[tuple[str, str]] = []

    def box(frame: Any) -> str:
        if frame is None:
            return "caller"
        known = boxes.get(frame)
        if known is not None:
            return known
        module = frame.f_globals.get("__name__", "")
        if module == "fdgrad._pykernels" or frame.f_code in user_codes:
            name = KERNELS
        elif module.startswith("fdgrad"):
            name = module
        else:
            name = box(frame.f_back)
        boxes[frame] = name
        return name

    def profile(frame: Any, event: str, arg: Any) -> None:
        if event == "call":
            here, caller = box(frame), box(frame.f_back)
            if here != caller:
                path.append((caller, here))

    this = threading.get_ident()
    sys.setprofile(profile)
    try:
        call()
    finally:
        sys.setprofile(None)
    assert threading.get_ident() == this
    return [(a, b) for a, b in path if a.startswith("fdgrad") or b.startswith("fdgrad") or KERNELS in (a, b)][1:]


def count(path: list[tuple[str, str]]) -> tuple[int, int]:
    """(crossings, returns) of a trace: a return is a call into a box that was entered before."""
    entered: set[str] = set()
    returns = 0
    for caller, callee in path:
        entered.add(caller)
        returns += callee in entered
        entered.add(callee)
    return len(path), returns


def main(argv: Any = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--show", action="store_true", help="print each trace")
    parser.add_argument("--check", action="store_true", help="exit 1 when a call misses its target")
    options = parser.parse_args(argv)
    missed = 0
    print(f"{'call':58} {'crossings':>10} {'returns':>8}  target")
    for label, call, (most, most_returns), functions in cases():
        call()  # caches warm
        path = trace(call, functions)
        crossings, returns = count(path)
        ok = crossings <= most and returns <= most_returns
        missed += not ok
        print(f"{label:58} {crossings:>10} {returns:>8}  <= {most} and {most_returns}: {'ok' if ok else 'MISSED'}")
        if options.show:
            print("    " + ", ".join(f"{a}>{b}".replace("fdgrad.", "") for a, b in path))
    return 1 if options.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
