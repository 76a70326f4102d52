"""API parity between fdgrad and fdgrad.fallback, backend selection, doctests,
and the command line."""

from __future__ import annotations

import doctest
import inspect
import os
import subprocess
import sys

import numpy as np
import pytest

import fdgrad
import fdgrad.fallback
from fdgrad._api import PUBLIC_NAMES


def test_same_public_names():
    assert fdgrad.__all__ == fdgrad.fallback.__all__ == [*PUBLIC_NAMES, "DiffInfo", "GradCheck", "on_nonfinite"]
    assert fdgrad.DiffInfo is fdgrad.fallback.DiffInfo and fdgrad.GradCheck is fdgrad.fallback.GradCheck
    assert fdgrad.on_nonfinite is fdgrad.fallback.on_nonfinite
    for name in PUBLIC_NAMES:
        assert callable(getattr(fdgrad, name)) and callable(getattr(fdgrad.fallback, name))


@pytest.mark.parametrize("name", PUBLIC_NAMES)
def test_same_signature_and_docstring(name):
    ours, twin = getattr(fdgrad, name), getattr(fdgrad.fallback, name)
    assert inspect.signature(ours) == inspect.signature(twin)
    assert ours.__doc__ == twin.__doc__
    assert len(inspect.getdoc(ours)) > 100
    assert ours.__module__ == "fdgrad" and twin.__module__ == "fdgrad.fallback"
    assert ours.__qualname__ == twin.__qualname__ == name


@pytest.mark.parametrize("name", PUBLIC_NAMES)
def test_docstring_examples_run(name):
    """Every public docstring has an example, and it passes."""
    fn = getattr(fdgrad, name)
    tests = doctest.DocTestFinder().find(fn, name, globs={})
    assert tests and sum(len(t.examples) for t in tests) >= 2
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for test in tests:
        runner.run(test)
    assert runner.failures == 0


def test_on_nonfinite_docstring_example_runs():
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for test in doctest.DocTestFinder().find(fdgrad.on_nonfinite, "on_nonfinite", globs={}):
        runner.run(test)
    assert runner.tries >= 3 and runner.failures == 0


def test_compiled_signatures_are_embedded(compiled):
    from fdgrad import _ckernels

    assert _ckernels.jacobian_range.__doc__.startswith("jacobian_range(")
    assert set(_ckernels.__all__) == set(fdgrad._pykernels.__all__)
    for name in _ckernels.__all__:
        if name == "StopFlag":  # a class, documented alike in both
            assert _ckernels.StopFlag.__doc__ == fdgrad._pykernels.StopFlag.__doc__
            continue
        compiled_doc = getattr(_ckernels, name).__doc__
        assert compiled_doc.startswith(name + "(")
        pure_doc = getattr(fdgrad._pykernels, name).__doc__
        assert inspect.cleandoc(compiled_doc.split("\n", 1)[1]) == inspect.cleandoc(pure_doc)


def test_backend_attribute(have_compiled):
    assert fdgrad.BACKEND in ("c", "python")
    assert fdgrad.fallback.BACKEND == "python"
    forced = os.environ.get("FDGRAD_PUREPYTHON", "").strip().lower() in {"1", "true", "yes", "on"}
    assert fdgrad.BACKEND == ("c" if have_compiled and not forced else "python")


def _backend_in_subprocess(value):
    env = {k: v for k, v in os.environ.items() if k != "FDGRAD_PUREPYTHON"}
    if value is not None:
        env["FDGRAD_PUREPYTHON"] = value
    code = "import warnings, fdgrad; print(fdgrad.BACKEND)"
    proc = subprocess.run([sys.executable, "-W", "always", "-c", code], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip(), proc.stderr


@pytest.mark.parametrize("value", ["1", "true", "YES", " on "])
def test_purepython_true_words(value):
    assert _backend_in_subprocess(value) == ("python", "")


@pytest.mark.parametrize("value", [None, "", "0", "false", "No", "off"])
def test_purepython_false_words(value, have_compiled):
    backend, stderr = _backend_in_subprocess(value)
    if have_compiled:
        assert (backend, stderr) == ("c", "")
    else:  # a pure-Python install falls back, and says so once
        assert backend == "python" and stderr.count("compiled extension could not be imported") == 1


def test_purepython_unknown_word_warns(have_compiled):
    backend, stderr = _backend_in_subprocess("maybe")
    assert backend == ("c" if have_compiled else "python")
    assert "FDGRAD_PUREPYTHON='maybe'" in stderr and "RuntimeWarning" in stderr


def test_pure_backend_never_imports_the_compiled_module():
    code = "import sys, fdgrad.fallback; print(fdgrad.BACKEND, 'fdgrad._ckernels' in sys.modules)"
    env = dict(os.environ, FDGRAD_PUREPYTHON="1")
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert proc.stdout.strip() == "python False", proc.stderr


def test_demo_prints_every_seed_figure():
    proc = subprocess.run([sys.executable, "-m", "fdgrad", "demo"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    for figure in [
        "12.006000999997823", "4.000999999999699", "3.0030009999995055", "12.0060009999996",
        "2.9999999999996696", "3.0000000000001137", "2.009999999999934", "6.009999999999849",
        "0.1999999999990898", "0.2999999999986347", "6.00000000000378", "7.999999999999119",
        "array([-6.11110793e-10,  8.14814391e-10])", "W unchanged: True", "adaptive=True",
    ]:
        assert figure in proc.stdout, figure


def test_cli_info_and_usage():
    proc = subprocess.run([sys.executable, "-m", "fdgrad", "info"], capture_output=True, text=True)
    assert proc.returncode == 0 and f"backend {fdgrad.BACKEND!r}" in proc.stdout
    proc = subprocess.run([sys.executable, "-m", "fdgrad"], capture_output=True, text=True)
    assert proc.returncode == 2 and "demo" in proc.stderr


def test_works_as_scipy_jac():
    from scipy import optimize

    def rosen(x):
        return float(np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2))

    res = optimize.minimize(rosen, np.zeros(4), jac=lambda x: fdgrad.gradient(rosen, x), method="BFGS")
    np.testing.assert_allclose(res.x, np.ones(4), atol=1e-4)


def _stub_functions():
    """The public functions declared in the installed fdgrad/__init__.pyi."""
    import ast
    from pathlib import Path

    stub = Path(fdgrad.__file__).with_name("__init__.pyi")
    tree = ast.parse(stub.read_text())
    found = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            args = node.args
            positional = [a.arg for a in args.args]
            defaults = [ast.literal_eval(d) for d in args.defaults]
            defaults += [ast.literal_eval(d) for d in args.kw_defaults if d is not None]
            found.setdefault(node.name, []).append((positional, [a.arg for a in args.kwonlyargs], defaults))
    return found


@pytest.mark.parametrize("name", PUBLIC_NAMES)
def test_type_stub_matches_runtime(name):
    declared = _stub_functions()[name]
    params = inspect.signature(getattr(fdgrad, name)).parameters.values()
    names = [p.name for p in params]
    defaults = [p.default for p in params if p.default is not inspect.Parameter.empty]
    # An overloaded function may move a trailing parameter to keyword-only.
    assert any(pos + kw == names for pos, kw, _ in declared), (declared, names)
    assert any(d == defaults for _, _, d in declared), (declared, defaults)
