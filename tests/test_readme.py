"""The examples in README.md run and print what the README says."""

from __future__ import annotations

import doctest
import subprocess
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_examples():
    from _optional import need

    need("scipy")  # the examples use scipy.optimize and scipy.sparse
    text = README.read_text()
    # The examples are the ```python blocks, written as interactive sessions.
    blocks = [b.split("```", 1)[0] for b in text.split("```python\n")[1:]]
    assert len(blocks) >= 8
    parser = doctest.DocTestParser()
    test = parser.get_doctest("\n".join(blocks), {}, "README.md", str(README), 0)
    assert len(test.examples) >= 20
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    runner.run(test)
    assert runner.failures == 0


def test_readme_commands():
    text = README.read_text()
    assert 'pip install ".[plot]" && python -m fdgrad demo --plots pictures' in text
    assert 'pip install ".[test]" && python -m pytest' in text
    # the first command writes pictures/ into the clone: git-ignored, and left out of the sdist
    assert '"pictures"' in (README.parent / "pyproject.toml").read_text().split("sdist.exclude", 1)[1].split("\n")[0]
    if (README.parent / ".git").exists():
        proc = subprocess.run(["git", "check-ignore", "-q", "pictures/tangent.png"], cwd=README.parent)
        assert proc.returncode == 0, "pictures/ is not git-ignored"
    ci = README.parent / ".ci" / "run"
    if ci.exists():  # a clone (an sdist carries no CI script): CI installs the test extra and runs pytest
        assert 'pip install --quiet ".[test,docs]"' in ci.read_text() and '-m pytest' in ci.read_text()
