"""python -m fdgrad bench: the comparison as a command users run (issue 14, part 2)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest


def test_bench_quick_prints_the_tables_and_writes_the_plot(tmp_path):
    from _optional import need

    need("matplotlib")
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "fdgrad", "bench", "--quick", "--out", str(tmp_path)],
                         capture_output=True, text=True, check=True, timeout=300)
    assert time.perf_counter() - start < 120  # --quick: under a minute on a quiet machine
    text = out.stdout
    assert "## Speed" in text and "## Accuracy" in text
    assert "| `gradient(f, x)` | 1000 |" in text and "| fdgrad adaptive=True |" in text
    for peer in ("textbook", "scipy"):  # installed with the test extra
        assert f" {peer} |" in text.splitlines()[4]
    assert (tmp_path / "bench.md").read_text().startswith("# fdgrad")
    with open(tmp_path / "bench.png", "rb") as file:
        assert file.read(8) == b"\x89PNG\r\n\x1a\n"


def test_bench_uses_only_what_is_installed():
    """Nothing from the repository's benchmarks/ folder (not installed) is imported."""
    code = ("import sys, fdgrad._bench as b; b.speed = lambda quick: []; b.accuracy = lambda: {}; "
            "b.run(True, echo=lambda t: None); "
            "print(sorted(m for m in sys.modules if m.startswith(('bench', '_timing'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd="/")
    assert out.stdout.strip() == "[]"


def test_bench_never_writes_over_the_committed_results(tmp_path, monkeypatch):
    import fdgrad._bench as bench

    committed = tmp_path / "benchmarks" / "results"
    committed.mkdir(parents=True)
    monkeypatch.setattr(bench, "_committed_results", lambda: committed.resolve())
    for out in (committed, committed / "sub", tmp_path / "benchmarks" / ".." / "benchmarks" / "results"):
        with pytest.raises(SystemExit, match="committed benchmarks/results"):
            bench.run(True, str(out), echo=lambda text: None)
    assert list(committed.iterdir()) == []


def test_the_committed_results_are_found_in_a_source_checkout():
    import fdgrad
    from fdgrad._bench import _committed_results

    root = Path(fdgrad.__file__).resolve().parents[2]
    expected = (root / "benchmarks" / "results").resolve() if (root / "benchmarks" / "results").is_dir() else None
    assert _committed_results() == expected
