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
import warnings
from types import SimpleNamespace

import numpy as np
import pytest

with warnings.catch_warnings():
    # A pure-Python install warns at import, by design; the suite still runs.
    warnings.filterwarnings("ignore", "fdgrad's compiled extension could not be imported", RuntimeWarning)
    import fdgrad
    import fdgrad.fallback
from fdgrad._api import make_api

BACKENDS = {"fdgrad": fdgrad, "fallback": fdgrad.fallback}
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
    from fdgrad import _ckernels

    return SimpleNamespace(**make_api(_ckernels, "fdgrad"), BACKEND="c")


@pytest.fixture(scope="session")
def have_compiled() -> bool:
    return HAVE_COMPILED


@pytest.fixture(scope="session")
def pure():
    return fdgrad.fallback


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261121)
