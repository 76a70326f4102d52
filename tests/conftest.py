"""One suite, both backends.

The ``fd`` fixture runs a test against ``fdgrad`` (whatever backend it chose at
import: the compiled one, or the pure one under FDGRAD_PUREPYTHON=1) and against
``fdgrad.fallback``.  ``compiled`` and ``pure`` are the public API bound to the
C kernels and to the Python kernels explicitly, for the cross-checks, so those
compare the two implementations in every run.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

import fdgrad
import fdgrad.fallback
from fdgrad._api import make_api

BACKENDS = {"fdgrad": fdgrad, "fallback": fdgrad.fallback}


def _compiled_api() -> SimpleNamespace:
    from fdgrad import _ckernels  # the suite requires the compiled extension

    return SimpleNamespace(**make_api(_ckernels, "fdgrad"), BACKEND="c")


@pytest.fixture(params=sorted(BACKENDS))
def fd(request):
    return BACKENDS[request.param]


@pytest.fixture(scope="session")
def compiled() -> SimpleNamespace:
    return _compiled_api()


@pytest.fixture(scope="session")
def pure():
    return fdgrad.fallback


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261121)
