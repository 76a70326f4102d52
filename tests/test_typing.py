"""The types fdgrad's functions and classes declare, to mypy and to help().

mypy reads the annotations of fdgrad's sources (fdgrad ships py.typed): every
public function's result has a precise type, by its overloads where
full_output, history or sparsity changes it.  At run time the same
annotations are evaluated, so that help() and inspect.signature() show types,
not strings.
"""

from __future__ import annotations

import inspect
import pydoc
import re
import subprocess
import sys
import textwrap

from fdgrad._api import CALLABLE_NAMES, PUBLIC_NAMES

ARRAY = "numpy.ndarray[tuple[Any, ...], numpy.dtype[Any]]"
INFO = "fdgrad._results.DiffInfo"

#: A user's expression, and the type mypy must reveal for it.
REVEALED = {
    "fdgrad.derivative(np.sin, 1.0)": "float",
    "fdgrad.derivative(np.sin, [1.0, 2.0])": f"float | {ARRAY}",
    "fdgrad.derivative(np.sin, 1.0, full_output=True)": f"tuple[float, {INFO}]",
    "fdgrad.derivative(np.sin, [1.0], n=2, full_output=True)": f"tuple[float | {ARRAY}, {INFO}]",
    "fdgrad.partial(f, [1.0, 2.0], 0)": "float",
    "fdgrad.partial(f, [1.0, 2.0], (1,), full_output=True)": f"tuple[float, {INFO}]",
    "fdgrad.gradient(f, [1.0])": ARRAY,
    "fdgrad.gradient(f, [1.0], full_output=True)": f"tuple[{ARRAY}, {INFO}]",
    "fdgrad.gradient(f, [1.0], full_output=flag)": f"{ARRAY} | tuple[{ARRAY}, {INFO}]",
    "fdgrad.jacobian(f, [1.0])": ARRAY,
    "fdgrad.jacobian(f, [1.0], full_output=True)": f"tuple[{ARRAY}, {INFO}]",
    "fdgrad.jacobian(f, [1.0], sparsity=np.eye(1))": f"{ARRAY} | Any",
    "fdgrad.hessian(f, [1.0])": ARRAY,
    "fdgrad.hessian(f, [1.0], full_output=True)": f"tuple[{ARRAY}, {INFO}]",
    "fdgrad.hessian_diag(f, [1.0])": ARRAY,
    "fdgrad.hessian_diag(f, [1.0], full_output=True)": f"tuple[{ARRAY}, {INFO}]",
    "fdgrad.directional(f, [1.0], [1.0])": f"float | {ARRAY}",
    "fdgrad.directional(f, [1.0], [1.0], full_output=True)": f"tuple[float | {ARRAY}, {INFO}]",
    "fdgrad.check_grad(f, [0.0], [1.0])": "fdgrad._results.GradCheck",
    "fdgrad.gradient_descent(f, [1.0])": ARRAY,
    "fdgrad.gradient_descent(f, [1.0], history=True)": f"tuple[{ARRAY}, {ARRAY}]",
    "fdgrad.gradient_descent(f, [1.0], full_output=True)": f"tuple[{ARRAY}, fdgrad._results.DescentInfo]",
    "fdgrad.gradient_descent(f, [1.0], history=True, full_output=True)":
        f"tuple[{ARRAY}, {ARRAY}, fdgrad._results.DescentInfo]",
    "fdgrad.numerical_diff(np.sin, 5.0)": "float",
    "fdgrad.numerical_diff(np.sin, [5.0])": f"float | {ARRAY}",
    "fdgrad.numerical_gradient(f, [1.0])": ARRAY,
    "fdgrad.group_columns(np.eye(2))": "fdgrad._sparsity.ColumnGroups",
    "fdgrad.Derivative(np.sin, n=2)(1.0)": f"float | {ARRAY}",
    "fdgrad.Derivative(np.sin, full_output=True)(1.0)": f"tuple[float | {ARRAY}, {INFO}]",
    "fdgrad.Gradient(f)([1.0], 2.0)": ARRAY,
    "fdgrad.Gradient(f, full_output=True)([1.0])": f"tuple[{ARRAY}, {INFO}]",
    "fdgrad.Jacobian(f)([1.0])": ARRAY,
    "fdgrad.Jacobian(f, full_output=True)([1.0])": f"tuple[{ARRAY}, {INFO}]",
    "fdgrad.Hessian(f)([1.0])": ARRAY,
    "fdgrad.Hessdiag(f)([1.0])": ARRAY,
}

#: Wrong annotations mypy must report, one a line.
WRONG = [
    "s1: str = fdgrad.jacobian(f, [1.0])",
    "s2: str = fdgrad.derivative(np.sin, 1.0)",
    "s3: str = fdgrad.fallback.hessian(f, [1.0])",
    "s4: str = fdgrad.Jacobian(f)([1.0])",
    "s5: str = fdgrad.fallback.Gradient(f)([1.0])",
    "s6: float = fdgrad.partial(f, [1.0], 0, full_output=True)",
    "s7: str = fdgrad.fallback.directional(f, [1.0], [1.0])",
    "s8: str = fdgrad.numerical_diff(np.sin, 5.0)",
]


def _normal(revealed: str) -> str:
    """mypy's spelling of a type, the same across its versions: ``X | Y`` for ``Union[X, Y]``,
    ``float`` for ``builtins.float``, ``tuple`` for ``Tuple``."""
    revealed = revealed.replace("builtins.", "").replace("Tuple[", "tuple[")
    while "Union[" in revealed:
        start = revealed.rindex("Union[")
        depth, k, items, item = 1, start + len("Union["), [], ""
        while depth:
            c = revealed[k]
            depth += (c == "[") - (c == "]")
            if depth == 1 and c == ",":
                items.append(item.strip()); item = ""
            elif depth:
                item += c
            k += 1
        items.append(item.strip())
        revealed = revealed[:start] + " | ".join(items) + revealed[k:]
    return revealed


def _mypy(tmp_path, source: str) -> subprocess.CompletedProcess:
    """mypy on a user's script (--no-implicit-reexport, as --strict has it: fdgrad's names are exported)."""
    usage = tmp_path / "usage.py"
    usage.write_text(source)
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental", "--no-implicit-reexport", "--no-color-output",
         "--no-error-summary", "--hide-error-context", "--cache-dir", str(tmp_path / "cache"), str(usage)],
        capture_output=True, text=True, cwd=tmp_path,
    )


def test_mypy_reads_the_stubs(tmp_path):
    from _optional import need

    need("mypy")
    proc = _mypy(tmp_path, textwrap.dedent("""
        import numpy as np
        import fdgrad
        import fdgrad.fallback

        g: np.ndarray = fdgrad.gradient(lambda x: float(x.sum()), [1.0, 2.0])
        value, info = fdgrad.gradient(lambda x: 0.0, [1.0], full_output=True)
        x, path = fdgrad.gradient_descent(lambda x: 0.0, [1.0], history=True)
        last: np.ndarray = fdgrad.fallback.gradient_descent(lambda x: 0.0, [1.0])
        check: fdgrad.GradCheck = fdgrad.check_grad(lambda x: 0.0, [0.0], [1.0])
        number: float = fdgrad.derivative(np.sin, 1.0)
        grad: fdgrad.Gradient[np.ndarray] = fdgrad.Gradient(lambda x, a: 0.0, order=4)
        reveal_type(info)
        reveal_type(fdgrad.BACKEND)
        reveal_type(check.worst_index)
    """))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert 'Revealed type is "fdgrad._results.DiffInfo"' in proc.stdout
    assert "Literal['c'] | Literal['python']" in proc.stdout


def test_every_result_has_its_type(tmp_path):
    """reveal_type of every public function's result and every class's call, on both
    namespaces, and a wrong annotation of each kind is an error mypy reports."""
    from _optional import need

    need("mypy")
    lines = ["import numpy as np", "import fdgrad", "import fdgrad.fallback", "",
             "def f(x: np.ndarray, a: float = 1.0) -> float:", "    return float(x.sum())", "",
             "flag = bool(len('x'))"]
    expressions = [*REVEALED, *(e.replace("fdgrad.", "fdgrad.fallback.", 1) for e in REVEALED)]
    first = len(lines) + 1
    lines += [f"reveal_type({expression})" for expression in expressions]
    wrong_first = len(lines) + 1
    lines += WRONG
    proc = _mypy(tmp_path, "\n".join(lines) + "\n")
    revealed = dict(re.findall(r'usage\.py:(\d+): note: Revealed type is "(.*)"', proc.stdout))
    errors = {int(n) for n in re.findall(r"usage\.py:(\d+): error:", proc.stdout)}
    for k, expression in enumerate(expressions):
        want = REVEALED[expression.replace("fdgrad.fallback.", "fdgrad.", 1)]
        assert _normal(revealed.get(str(first + k), "")) == want, (expression, proc.stdout)
    assert errors == set(range(wrong_first, wrong_first + len(WRONG))), proc.stdout + proc.stderr


def _public_objects(fd):
    for name in fd.__all__:
        obj = getattr(fd, name)
        if name in PUBLIC_NAMES or name == "group_columns":
            yield name, obj, obj
        elif name in CALLABLE_NAMES:
            yield name, obj, obj.__call__


def _annotations(signature: inspect.Signature) -> list:
    return [p.annotation for p in signature.parameters.values()] + [signature.return_annotation]


def test_help_shows_functions_with_types_and_parameters_first(fd):
    """help() of every public function and class of fdgrad and fdgrad.fallback (whatever backend
    fdgrad chose): a function of fd or a class of fd, a signature of evaluated, short annotations
    (no strings, no expansion of numpy's ArrayLike where a short alias can be had), and a numpydoc
    docstring whose first section is Parameters (for a class, its __call__'s too)."""
    from fdgrad._typing import ArrayLike
    import numpy.typing

    short = ArrayLike is not numpy.typing.ArrayLike  # a TypeAliasType (Python 3.12, or typing_extensions)
    for name, obj, call in _public_objects(fd):
        text = pydoc.render_doc(obj, renderer=pydoc.plaintext)
        title = text.splitlines()[0]
        assert title.endswith(f" in module {fd.__name__}"), title
        assert "method of" not in text and "_api" not in title
        if name in CALLABLE_NAMES:
            assert title == f"Python Library Documentation: class {name} in module {fd.__name__}"
            assert "Method resolution order" not in text and "_callables" not in text
            assert "Call self as a function" not in text
            signatures = [inspect.signature(obj), inspect.signature(call)]
        else:
            signatures = [inspect.signature(obj)]
            assert obj.__module__ == fd.__name__ and obj.__name__ == name
        for signature in signatures:
            assert not any(isinstance(a, str) for a in _annotations(signature)), (name, signature)
            shown = str(signature)
            assert "ForwardRef" not in shown and ": '" not in shown and "> '" not in shown, shown
            if short:
                assert "_NestedSequence" not in shown and "_SupportsArray" not in shown, shown
        assert inspect.signature(obj).parameters["f" if name != "group_columns" else "sparsity"].annotation \
            is not inspect.Parameter.empty
        for doc in {inspect.getdoc(obj), inspect.getdoc(call)}:
            sections = re.findall(r"^(\w[\w ]*)\n-{3,}$", doc, re.M)
            assert sections and sections[0] == "Parameters", (name, sections)


def test_the_signatures_show_readable_types():
    from typing import Any, Callable, Optional, Union

    import numpy as np

    import fdgrad

    sig = inspect.signature(fdgrad.fallback.gradient)
    assert sig.parameters["f"].annotation == Callable[..., Any]
    assert sig.parameters["order"].annotation == Optional[int]
    assert sig.return_annotation == Union[np.ndarray, tuple[np.ndarray, fdgrad.DiffInfo]]
    assert "fdgrad.DiffInfo" in str(sig) and "_results" not in str(sig)  # DiffInfo by its public name
    assert inspect.signature(fdgrad.gradient) == sig and str(inspect.signature(fdgrad.gradient)) == str(sig)
    assert list(inspect.signature(fdgrad.Gradient).parameters) == ["f", "step", "method", "order", "options"]
    assert inspect.signature(fdgrad.Hessian.__call__).return_annotation \
        == inspect.signature(fdgrad.hessian).return_annotation
