"""One suite, both backends.

The ``fd`` fixture runs a test against ``fdgrad`` (whatever backend it chose at
import: the compiled one, or the pure one under FDGRAD_PUREPYTHON=1) and against
``fdgrad.fallback``.  ``compiled`` and ``pure`` are the public API bound to the
C kernels and to the Python kernels explicitly, for the cross-checks, so those
compare the two implementations in every run.

On a pure-Python install (no C compiler at build time) the tests that need
the compiled kernels are skipped, unless FDGRAD_REQUIRE_COMPILED=1 (set by
.ci/run) makes their absence a failure.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import warnings
from types import SimpleNamespace

import numpy as np
import pytest

with warnings.catch_warnings():
    # A pure-Python install warns at import, by design; the suite still runs.
    warnings.filterwarnings("ignore", "fdgrad's compiled extension could not be imported", RuntimeWarning)
    import fdgrad
    import fdgrad.fallback
from fdgrad._api import API, PUBLIC_NAMES
import fdgrad

BACKENDS = {"fdgrad": fdgrad, "fallback": fdgrad.fallback}

# The test modules' shared helpers (tests/_optional.py), importable under --import-mode=importlib.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
HAVE_COMPILED = importlib.util.find_spec("fdgrad._ckernels") is not None
REQUIRE_COMPILED = os.environ.get("FDGRAD_REQUIRE_COMPILED", "").strip().lower() in {"1", "true", "yes", "on"}


def require_compiled() -> None:
    """Skip on a pure-Python install, unless the compiled kernels are required."""
    if not HAVE_COMPILED and not REQUIRE_COMPILED:
        pytest.skip("fdgrad was installed without its compiled extension")


@pytest.fixture(params=sorted(BACKENDS))
def fd(request):
    return BACKENDS[request.param]


@pytest.fixture(scope="session")
def compiled() -> SimpleNamespace:
    require_compiled()
    from fdgrad import _ckernels, _front

    api = API(_ckernels, _front)  # the compiled backend as fdgrad has it: its front door too
    functions = {name: getattr(api, name) for name in PUBLIC_NAMES}
    # and its compiled definitions, whose general path is an API over the same kernels without the door
    functions.update(_front.bind(API(_ckernels)) if fdgrad.BACKEND != "c" else {name: getattr(_front, name)
                                                                                  for name in _front.DEFINED})
    return SimpleNamespace(**functions, group_columns=api.group_columns, BACKEND="c")


@pytest.fixture(scope="session")
def have_compiled() -> bool:
    return HAVE_COMPILED


@pytest.fixture(scope="session")
def pure():
    return fdgrad.fallback


@pytest.fixture(scope="session")
def native_lib(tmp_path_factory):
    """tests/native/callbacks.c compiled into a shared library, loaded with ctypes."""
    import ctypes
    import shutil
    import subprocess
    from pathlib import Path

    from _optional import REQUIRE_ALL

    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None or sys.platform == "win32":  # the callbacks are built as a POSIX shared library
        reason = "no C compiler to build the native test callbacks as a POSIX shared library"
        if REQUIRE_ALL:
            pytest.fail(reason)
        pytest.skip(reason)
    source = Path(__file__).parent / "native" / "callbacks.c"
    library = tmp_path_factory.mktemp("native") / "libcallbacks.so"
    subprocess.run([compiler, "-std=c99", "-D_POSIX_C_SOURCE=199309L", "-O2", "-ffp-contract=off", "-shared",
                    "-fPIC", str(source), "-o", str(library)], check=True)
    lib = ctypes.CDLL(str(library))
    dp = ctypes.POINTER(ctypes.c_double)
    for name, restype, argtypes in [
        ("sumsq", ctypes.c_double, [ctypes.c_int, dp]),
        ("sumsq_data", ctypes.c_double, [ctypes.c_int, dp, ctypes.c_void_p]),
        ("vec", None, [ctypes.c_int, dp, ctypes.c_int, dp]),
        ("vec_data", None, [ctypes.c_int, dp, ctypes.c_int, dp, ctypes.c_void_p]),
        ("slow", ctypes.c_double, [ctypes.c_int, dp]),
        ("warm", ctypes.c_double, [ctypes.c_int, dp]),
        ("warm_reset", None, []),
        ("wrong", ctypes.c_double, [ctypes.c_double]),
    ]:
        getattr(lib, name).restype = restype
        getattr(lib, name).argtypes = argtypes
    lib.path = str(library)
    return lib


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261121)


@pytest.fixture(autouse=True)
def threads_whatever_the_work(monkeypatch):
    """workers > 1 uses threads even for tiny work (fdgrad runs work under ~500 us on
    one thread), so that every test of threads exercises them; test_parallel checks the
    threshold itself with its real value."""
    from fdgrad import _evaluation

    monkeypatch.setattr(_evaluation, "_WORTH_A_THREAD", 0.0)
    monkeypatch.setattr(_evaluation, "_PROBE", 0.0)
