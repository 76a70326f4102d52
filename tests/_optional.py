"""Optional test dependencies: skipped where missing (a packager's minimal environment, an
extracted sdist), failed where CI requires them all (FDGRAD_REQUIRE_ALL_TESTS=1, set by .ci/run)."""

from __future__ import annotations

import importlib
import os

import pytest

#: Set by .ci/run: a missing optional test dependency (scipy, numba, cffi, dask, mypy,
#: matplotlib, tqdm, hypothesis) fails its tests instead of skipping them.
REQUIRE_ALL = os.environ.get("FDGRAD_REQUIRE_ALL_TESTS", "").strip().lower() in {"1", "true", "yes", "on"}


def need(name: str):
    """An optional test dependency, imported; if it is missing, the test (or module) is skipped,
    as a packager's minimal environment expects, unless FDGRAD_REQUIRE_ALL_TESTS=1 (CI)."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        if REQUIRE_ALL:
            pytest.fail(f"{name} is needed by this test and FDGRAD_REQUIRE_ALL_TESTS=1: {exc}")
        pytest.skip(f"needs {name} (pip install \".[test]\")", allow_module_level=True)


def optional(name: str):
    """An optional dependency that widens a test (more native kinds, ...): the module, or None
    where it is missing (a failure under FDGRAD_REQUIRE_ALL_TESTS=1)."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        if REQUIRE_ALL:
            pytest.fail(f"{name} is needed by this test and FDGRAD_REQUIRE_ALL_TESTS=1: {exc}")
        return None
