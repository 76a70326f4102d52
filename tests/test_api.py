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
from fdgrad._api import CALLABLE_NAMES, PUBLIC_NAMES


def test_same_public_names():
    assert fdgrad.__all__ == fdgrad.fallback.__all__ == [*PUBLIC_NAMES, *CALLABLE_NAMES, "ColumnGroups", "DescentInfo",
                                                         "DiffInfo", "GradCheck", "UndecidedWarning", "UnchangingWarning",
                                                         "group_columns", "on_nonfinite"]
    assert fdgrad.ColumnGroups is fdgrad.fallback.ColumnGroups
    assert fdgrad.UnchangingWarning is fdgrad.fallback.UnchangingWarning
    assert fdgrad.UndecidedWarning is fdgrad.fallback.UndecidedWarning
    assert fdgrad.DescentInfo is fdgrad.fallback.DescentInfo
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
    # Functions of their modules, each computing with one API per backend (its __wrapped__, whose
    # source it shows); with the compiled backend, the calls whose signature costs most are defined
    # in fdgrad._front, whose general path is an API over the compiled kernels without the door.
    for function, module in ((ours, "fdgrad"), (twin, "fdgrad.fallback")):
        assert function.__module__ == module and function.__qualname__ == function.__name__ == name
    assert inspect.isfunction(twin)
    method = twin.__wrapped__
    assert method.__qualname__ == f"API.{name}" and method.__self__._kernels is fdgrad._pykernels
    general = ours.__wrapped__
    if fdgrad.BACKEND == "c" and name in COMPILED_DEFINITIONS:
        assert ours is getattr(fdgrad._front, name) and ours.__annotations__ == twin.__annotations__
        assert general.__self__._front is None
    else:
        assert inspect.isfunction(ours)
        assert name not in COMPILED_DEFINITIONS or fdgrad._door is None
    assert general.__qualname__ == f"API.{name}"
    assert general.__func__ is method.__func__ and general.__self__ is not method.__self__
    assert general.__self__._kernels is fdgrad._kernels
    source = inspect.getsource(twin)
    assert source.lstrip().startswith(f"def {name}(self,") or f"def {name}(\n        self," in source
    assert inspect.getsourcefile(inspect.unwrap(twin)).endswith("_api.py")


COMPILED_DEFINITIONS = ("derivative", "partial", "gradient", "jacobian", "hessian", "hessian_diag", "directional",
                        "numerical_diff", "numerical_gradient", "check_grad")


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


@pytest.mark.parametrize("name", CALLABLE_NAMES)
def test_class_docstring_examples_run(fd, name):
    """Every numdifftools-style class documents its parameters and has an example that passes."""
    cls = getattr(fd, name)
    tests = doctest.DocTestFinder(recurse=False).find(cls, name, globs={})
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
        if isinstance(getattr(_ckernels, name), type):  # StopFlag, Halted: documented alike in both
            assert getattr(_ckernels, name).__doc__ == getattr(fdgrad._pykernels, name).__doc__
            continue
        compiled_doc = getattr(_ckernels, name).__doc__
        assert compiled_doc.startswith(name + "(")
        pure_doc = getattr(fdgrad._pykernels, name).__doc__
        assert inspect.cleandoc(compiled_doc.split("\n", 1)[1]) == inspect.cleandoc(pure_doc)


def test_kernels_import_nothing_of_the_checking_layer():
    """The kernel modules hold loops only: the pure one imports numpy, ctypes, the
    stencil formula and the adaptive engine's twin (itself arithmetic over arrays),
    never the checks, the evaluation seam or the API."""
    import ast
    from pathlib import Path

    here = Path(fdgrad.__file__).parent
    for name in ("_pykernels.py", "_ckernels.pyx", "_adaptive.py"):
        path = here / name
        if not path.exists():  # an installed wheel has no .pyx
            continue
        imported = set()
        if name.endswith(".py"):  # (its statements, not its prose)
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ImportFrom):
                    imported.add("." * node.level + (node.module or ""))
                elif isinstance(node, ast.Import):
                    imported.update(alias.name for alias in node.names)
        for line in path.read_text().splitlines() if name.endswith(".pyx") else ():
            words = line.split()
            if words[:1] in (["import"], ["from"], ["cimport"]) and len(words) > 1:
                imported.add(words[1])
        assert imported <= {"__future__", "ctypes", "math", "typing", "numpy", "._stencils", "cpython.exc", "cpython.mem", "cpython.ref",
                            "libc.math", "libc.stdint", "libc.string", "numpy", "fdgrad._cfdgrad", "._adaptive",
                            "fdgrad._adaptive", "fdgrad._rules", "functools"}, (name, imported)
    if (here / "_pykernels.py").exists():
        ast.parse((here / "_pykernels.py").read_text())


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
    from _optional import need

    optimize = need("scipy.optimize")

    def rosen(x):
        return float(np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2))

    res = optimize.minimize(rosen, np.zeros(4), jac=lambda x: fdgrad.gradient(rosen, x), method="BFGS")
    np.testing.assert_allclose(res.x, np.ones(4), atol=1e-4)


def test_no_hand_written_stubs():
    """Type checkers read the definitions themselves (py.typed): no .pyi duplicates them."""
    from pathlib import Path

    here = Path(fdgrad.__file__).parent
    assert (here / "py.typed").exists()
    assert not list(here.glob("*.pyi"))


def documented_parameters(function) -> set:
    """The names listed in a numpydoc Parameters section (``a, b : type`` lines)."""
    doc = inspect.getdoc(function)
    section = doc.split("Parameters\n----------\n", 1)[1]
    section = section.split("\n\n", 1)[0] if "\n\nReturns" not in section else section.split("Returns\n---", 1)[0]
    names = set()
    for line in section.splitlines():
        if line and not line.startswith(" "):
            names.update(part.strip() for part in line.split(" : ")[0].split(","))
    return names


@pytest.mark.parametrize("name", [*PUBLIC_NAMES, "group_columns"])
def test_every_public_parameter_is_documented(name):
    function = getattr(fdgrad, name)
    params = set(inspect.signature(function).parameters)
    assert params <= documented_parameters(function), params - documented_parameters(function)


def test_the_other_public_modules_show_evaluated_annotations():
    """fdgrad.plot and the drop-in namespaces: help() and inspect show types, not the strings that
    ``from __future__ import annotations`` leaves (fdgrad's own: test_typing.py,
    test_help_shows_functions_with_types_and_parameters_first)."""
    import importlib
    import inspect

    from _optional import need

    need("matplotlib")
    for name in ("fdgrad.plot", "fdgrad.numdifftools", "fdgrad.scipy.optimize", "fdgrad.scipy.differentiate"):
        module = importlib.import_module(name)
        for public in module.__all__:
            obj = getattr(module, public)
            if not callable(obj):
                continue
            signature = inspect.signature(obj)
            annotations = [p.annotation for p in signature.parameters.values()] + [signature.return_annotation]
            assert not [a for a in annotations if isinstance(a, str) or "ForwardRef" in repr(a)], (name, public,
                                                                                                  signature)
