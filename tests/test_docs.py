"""The documentation: every public name is in the reference, and the built HTML needs no network.

The reference is docs/*.rst's autodoc and Python-domain directives (``autofunction``,
``autoclass``, ``autodata``, ``data``, ...), read here with the module that
``currentmodule``/``automodule`` makes current, so that a name added to a public
namespace without its entry fails here, not only in a reader's search.
"""

from __future__ import annotations

import importlib
import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"

_DIRECTIVE = re.compile(r"^\s*\.\.\s+(?:py:)?(auto)?(module|currentmodule|function|class|exception|data|attribute"
                        r"|method|decorator)::\s*(\S+)")


def _documented() -> dict[str, tuple[str, int, bool]]:
    """Every object the .rst files document: its full name -> (file, line, whether autodoc draws it)."""
    found: dict[str, tuple[str, int, bool]] = {}
    for path in sorted(DOCS.rglob("*.rst")):
        module = None
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = _DIRECTIVE.match(line)
            if not match:
                continue
            auto, kind, name = match.groups()
            if kind in ("module", "currentmodule"):
                module = None if name == "None" else name
                found.setdefault(name, (path.name, number, bool(auto)))
                continue
            full = name if module is None or name.startswith(f"{module}.") else f"{module}.{name}"
            found.setdefault(full, (str(path.relative_to(DOCS)), number, bool(auto)))
    return found


def _public(module_name: str) -> list[str]:
    """A namespace's public names: its __all__, and for fdgrad.testing's modules also the public
    functions and classes defined there (the picklable objectives are not in cases.__all__)."""
    module = importlib.import_module(module_name)
    names = set(getattr(module, "__all__", ()))
    if module_name.startswith("fdgrad.testing."):
        names |= {name for name, value in vars(module).items() if not name.startswith("_") and
                  (inspect.isfunction(value) or inspect.isclass(value)) and value.__module__ == module_name}
    return sorted(f"{module_name}.{name}" for name in names)


def _namespaces() -> list[str]:
    import fdgrad.testing

    return ["fdgrad", "fdgrad.plot", "fdgrad.numdifftools", "fdgrad.scipy.optimize", "fdgrad.scipy.differentiate",
            *(f"fdgrad.testing.{name}" for name in fdgrad.testing.__all__)]


def _need_docs() -> None:
    if not DOCS.is_dir():
        pytest.skip("no docs/ beside the tests (an installed package's tests)")


@pytest.mark.parametrize("namespace", _namespaces())
def test_every_public_name_is_in_the_reference(namespace):
    _need_docs()
    if namespace == "fdgrad.plot":
        from _optional import need

        need("matplotlib")
    documented = _documented()
    missing = [name for name in _public(namespace) if name not in documented]
    assert not missing, f"public names with no entry in docs/*.rst (add an autofunction/autoclass/data): {missing}"
    if namespace != "fdgrad":
        assert namespace in documented, f"{namespace} has no automodule/currentmodule in docs/*.rst"


def test_fdgrad_testing_and_backend_are_documented():
    _need_docs()
    documented = _documented()
    for name in ("fdgrad.BACKEND", "fdgrad.testing", "fdgrad.testing.cases", "fdgrad.testing.textbook"):
        assert name in documented, name


def test_every_autodoc_entry_exists():
    """A renamed or removed object fails here as well as in the docs build."""
    _need_docs()
    from _optional import optional

    have_matplotlib = optional("matplotlib") is not None  # (fdgrad.plot draws with it)
    for name, (where, line, auto) in _documented().items():
        if not auto or not name.startswith("fdgrad") or (name.startswith("fdgrad.plot") and not have_matplotlib):
            continue
        parts = name.split(".")
        for split in range(len(parts), 0, -1):  # the longest importable module, then attributes
            try:
                obj = importlib.import_module(".".join(parts[:split]))
            except ImportError:
                continue
            for attribute in parts[split:]:
                assert hasattr(obj, attribute), f"{where}:{line}: {name} does not exist"
                obj = getattr(obj, attribute)
            break
        else:
            pytest.fail(f"{where}:{line}: {name} does not exist")


def test_built_html_needs_no_network(tmp_path):
    """No script or stylesheet from another host (MathJax's CDN was one), and every formula an
    image the build wrote (docs/_ext/mathsvg.py)."""
    _need_docs()
    from _optional import need

    need("sphinx")
    need("numpydoc")
    need("matplotlib")
    out = tmp_path / "html"
    done = subprocess.run([sys.executable, "-m", "sphinx", "-W", "-q", "-b", "html", str(DOCS), str(out)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    pages = sorted(out.rglob("*.html"))
    assert len(pages) > 10
    formulas = 0
    for page in pages:
        text = page.read_text(encoding="utf-8")
        remote = re.findall(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=[\"']((?:https?:)?//[^\"']+)", text)
        remote += re.findall(r"@import\s+url\([\"']?((?:https?:)?//[^)\"']+)", text)
        assert not remote, f"{page.relative_to(out)} loads {remote}"
        assert '<span class="math' not in text, f"{page.relative_to(out)} has math left as TeX"
        for src in re.findall(r'<img class="math[^"]*" src="([^"]+)"', text):
            formulas += 1
            assert (page.parent / src).is_file(), f"{page.relative_to(out)}: {src} was not written"
    assert formulas >= 5
    for sheet in out.rglob("*.css"):
        assert not re.search(r"@import\s+url\([\"']?(?:https?:)?//", sheet.read_text(encoding="utf-8")), sheet
